"""bof_03 and bof_06 follow ids between tables (an insats to its investigation by
``utredning_id``, a report to the investigations' decisions by ``aktualisering_id``). They read
their tables as linked cell tables (the catalogue's ``linked=True``): the ids stay in the engine
(:mod:`jamtools.data.links`) and pandas holds only combinations of values with their numbers of
rows. The same chapters on rows (``linked=False``: the ids in pandas) must give the same page,
number for number: on the demo data, with filters, without each optional column, without an id
to link by, without a table, and with bad rows of every kind that touch the links (missing,
repeated and dangling ids, unknown sex)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from jamtools.chapters import bof
from jamtools.data.check import CELL_COUNT, GIVEN
from jamtools.disclosure import analyses as analysis
from jamtools.run import catalogue
from jamtools.run.notebook import setup

from tests.conftest import SYNTHETIC
from tests.test_eb_cells import _shown, assert_same_binary, assert_same_page

#: The converted chapters: id -> (composition, the tables it reads).
CHAPTERS = {
    "bof_03_typ_av_insats": (bof.insats_types, ("bof_insatser", "bof_utredningar")),
    "bof_06_processkarta": (bof.process_map, ("bof_aktualiseringar", "bof_utredningar")),
}
TABLES = ("bof_aktualiseringar", "bof_utredningar", "bof_insatser")
#: The ids each chapter follows: they must never reach pandas on the linked path.
IDS = ("utredning_id", "aktualisering_id", "insats_id", "person_id")


def _with_linked(monkeypatch, cid: str, linked: bool) -> None:
    chapter = catalogue.CHAPTERS[cid]
    needs = tuple(dataclasses.replace(n, cells=linked, linked=linked) for n in chapter.needs)
    monkeypatch.setitem(catalogue.CHAPTERS, cid, dataclasses.replace(chapter, needs=needs))


def _page(monkeypatch, cid: str, linked: bool, params: dict):
    """The page with the tables linked or as rows, what the loads returned and every
    yes/no analysis."""
    _with_linked(monkeypatch, cid, linked)
    seen, computed = [], []
    load, binary = catalogue.load, analysis.binary_outcome

    def spy_load(*args, **kwargs):
        loaded = load(*args, **kwargs)
        seen.append((args[1], loaded.weight, loaded.rows is not None, len(loaded.data),
                     loaded.n_rows(), [c for c in IDS if c in loaded.data.columns]))
        return loaded

    def spy_binary(*args, **kwargs):
        result = binary(*args, **kwargs)
        computed.append((kwargs.get("weight"), result))
        return result

    monkeypatch.setattr(catalogue, "load", spy_load)
    monkeypatch.setattr(analysis, "binary_outcome", spy_binary)
    try:
        ctx = setup(cid, {"enhet": None, "alder_min": None, "alder_max": None, **params})
        return CHAPTERS[cid][0](ctx), seen, computed
    finally:
        monkeypatch.setattr(catalogue, "load", load)
        monkeypatch.setattr(analysis, "binary_outcome", binary)


def _copy_demo(tmp_path, edit=None, *, leave_out=()):
    """The demo folder's three bof tables (without ``leave_out``), each passed through
    ``edit(name, rows)`` when given."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        if name in leave_out:
            continue
        rows = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        if edit is not None:
            rows = edit(name, rows)
        rows.to_csv(tmp_path / f"{name}.csv", index=False)
    return {"data_dir": str(tmp_path)}


def _drop(drops: dict):
    def edit(name, rows):
        return rows.drop(columns=drops.get(name, []))
    return edit


def _bad(name, rows):
    """Bad rows that touch the links: missing, repeated and dangling ids, unknown sex, a
    decision that is not yes or no, an investigation without reason."""
    rows = rows.copy()
    if name == "bof_aktualiseringar":
        rows.loc[3, "aktualisering_id"] = ""                            # a missing id
        rows.loc[5, "aktualisering_id"] = rows.loc[4, "aktualisering_id"]  # a repeated key
        rows.loc[7, "kon"] = "x"                                        # unknown sex
        rows.loc[9, "utredning_inledd"] = "kanske"                      # not yes or no
    elif name == "bof_utredningar":
        rows.loc[0, "aktualisering_id"] = "A9999999"                    # refers to no report
        rows.loc[2, "aktualisering_id"] = ""
        rows.loc[4, "utredning_id"] = rows.loc[3, "utredning_id"]       # a repeated key
        rows.loc[6, "utredning_id"] = ""
        rows.loc[8, "kon"] = "x"
        rows.loc[10, ["anmalningsorsak", "orsakstyp"]] = ""             # no reason type
        rows.loc[12, "insats_beviljad"] = ""
    elif name == "bof_insatser":
        rows.loc[1, "utredning_id"] = "U9999999"                        # refers to no investigation
        rows.loc[3, "utredning_id"] = ""                                # no investigation
        rows.loc[5, "kon"] = "x"
        rows.loc[7, "insats_id"] = rows.loc[6, "insats_id"]
        # insatser of the investigations made bad above (repeated, missing id, no reason)
        for i, u in ((11, 4), (13, 10), (15, 6)):
            rows.loc[i, "utredning_id"] = pd.read_csv(
                SYNTHETIC / "bof_utredningar.csv", dtype=str).loc[u, "utredning_id"]
    return rows


CASES = {
    "demo": lambda tmp_path: {"data_dir": str(SYNTHETIC)},
    "filter": lambda tmp_path: {"data_dir": str(SYNTHETIC), "period_start": "2024-01-01",
                                "period_end": "2025-06-30", "enhet": "Norr",
                                "alder_min": 5, "alder_max": 15},
    # without each optional column and covariate the chapters use
    "utan_orsak": lambda tmp_path: _copy_demo(tmp_path, _drop(
        {"bof_utredningar": ["anmalningsorsak", "orsakstyp"]})),
    # the link cannot be made: the id is absent (or numbered from the row position)
    "insatser_utan_utredning_id": lambda tmp_path: _copy_demo(tmp_path, _drop(
        {"bof_insatser": ["utredning_id"]})),
    "utredningar_utan_id": lambda tmp_path: _copy_demo(tmp_path, _drop(
        {"bof_utredningar": ["utredning_id", "aktualisering_id"]})),
    "anmalningar_utan_id": lambda tmp_path: _copy_demo(tmp_path, _drop(
        {"bof_aktualiseringar": ["aktualisering_id"], "bof_utredningar": ["aktualisering_id"]})),
    "utan_utredningar": lambda tmp_path: _copy_demo(tmp_path, leave_out=("bof_utredningar",)),
    "felaktiga_rader": lambda tmp_path: _copy_demo(tmp_path, _bad),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("cid", list(CHAPTERS))
def test_rows_and_linked_cells_give_the_same_page(monkeypatch, tmp_path, cid, case):
    params = CASES[case](tmp_path)
    linked, seen_linked, computed_linked = _page(monkeypatch, cid, True, params)
    rows, seen_rows, computed_rows = _page(monkeypatch, cid, False, params)

    # the linked path is really taken: cells, their ids in the engine, the same source rows
    assert [s[0] for s in seen_linked] == [s[0] for s in seen_rows]
    assert seen_linked
    for (table, w_l, engine, len_l, n_l, ids_l), (_, w_r, no_engine, len_r, n_r, _) in zip(
            seen_linked, seen_rows):
        assert w_l == CELL_COUNT and w_r is None and not no_engine, table
        assert ids_l == [], table  # no id reaches pandas
        assert n_l == n_r == len_r, table
        assert len_l < len_r or len_r == 0, table
        # the ids the chapter follows stay in the engine (absent only when the export lacks them)
        assert engine or case in ("insatser_utan_utredning_id", "utredningar_utan_id",
                                  "anmalningar_utan_id"), table
    assert len(computed_linked) == len(computed_rows) > 0
    for (w_l, a), (w_r, b) in zip(computed_linked, computed_rows):
        assert w_l == CELL_COUNT and w_r is None
        assert_same_binary(a, b)
    assert_same_page(linked, rows)


def _text(page, part) -> str:
    return " ".join(str(_shown(i)) for i in page.parts[part])


def test_the_cases_reach_what_they_are_for(monkeypatch, tmp_path):
    """The cases above take the branches they are named for (so the comparison covers them)."""
    b03, b06 = "bof_03_typ_av_insats", "bof_06_processkarta"
    demo, _, _ = _page(monkeypatch, b03, True, CASES["demo"](tmp_path))
    assert "Bland insatser efter anmälningar av samma typ" in demo.short_answer  # the link made
    assert bool(demo.comparisons["adjusted"].astype(bool).any())
    for case in ("utan_orsak", "insatser_utan_utredning_id", "utredningar_utan_id", "utan_utredningar"):
        page, _, _ = _page(monkeypatch, b03, True, CASES[case](tmp_path / case))
        assert "**Justeringen kunde inte göras**" in _text(page, "data"), case
        assert not page.comparisons["adjusted"].astype(bool).any(), case
    params = CASES["felaktiga_rader"](tmp_path / "bad")
    bad3, _, _ = _page(monkeypatch, b03, True, params)
    data = _text(bad3, "data")
    assert "Hänvisar till en rad som saknas i utredningar om barn" in data
    assert "Utredningen saknas eller saknar typ av orsak" in data
    bad6, _, _ = _page(monkeypatch, b06, True, params)
    assert "Hänvisar till en rad som saknas i aktualiseringar om barn" in _text(bad6, "data")
    assert bof.STEPS["insats_per_anmalan"] in _text(bad6, "karta")

    demo6, _, _ = _page(monkeypatch, b06, True, CASES["demo"](tmp_path))
    assert bof.STEPS["insats_per_anmalan"] in _text(demo6, "karta")
    for case in ("anmalningar_utan_id", "utredningar_utan_id"):
        page, _, _ = _page(monkeypatch, b06, True, CASES[case](tmp_path / case))
        assert bof.STEPS["insats_per_anmalan"] not in _text(page, "karta"), case
        assert "steget från anmälan till insats (hela kedjan) utelämnas" in _text(page, "data"), case
    page, seen, _ = _page(monkeypatch, b06, True, CASES["utan_utredningar"](tmp_path / "utan_utredningar"))
    assert [s[0] for s in seen] == ["bof_aktualiseringar"]
    assert list(page.parts) and bof.STEPS["insats_beviljad"] not in _text(page, "karta")


def test_the_ids_never_reach_pandas(monkeypatch):
    """A linked load holds no id column: only whether each cell's rows have one."""
    for cid, (_, tables) in CHAPTERS.items():
        assert all(catalogue.CHAPTERS[cid].need(t).linked for t in tables), cid
    ctx = setup("bof_03_typ_av_insats", {"data_dir": str(SYNTHETIC)})
    insatser = ctx.load("bof_insatser")
    assert "utredning_id" not in insatser.data and insatser.data[GIVEN + "utredning_id"].all()
    assert insatser.rows.columns == ("utredning_id",)
    assert len(insatser.data) < insatser.n_rows() / 10
    with_reason = bof.add_reason_type(insatser, ctx.load_optional("bof_utredningar"))
    assert "orsakstyp" in with_reason.data and "utredning_id" not in with_reason.data
    assert with_reason.n_rows() == insatser.n_rows()  # every demo insats has its investigation
    ctx = setup("bof_06_processkarta", {"data_dir": str(SYNTHETIC)})
    reports, investigations = ctx.load("bof_aktualiseringar"), ctx.load("bof_utredningar")
    assert bof.has_ids(reports, "aktualisering_id") and bof.has_ids(investigations, "aktualisering_id")
    steps = bof.process_steps(reports, investigations)
    for name, (frame, outcome, weight) in steps.items():
        assert weight == CELL_COUNT and not set(IDS) & set(frame.columns), name
    chain, _, _ = steps[bof.STEPS["insats_per_anmalan"]]
    assert int(chain[CELL_COUNT].sum()) == reports.n_rows()


def _few_not_opened(name, rows):
    """Four girls' reports that opened no investigation (the rest did), with the investigations
    of the reports kept: step 1 hides the four, and the reports less the investigations would
    give them back."""
    reports = pd.read_csv(SYNTHETIC / "bof_aktualiseringar.csv", dtype=str, keep_default_na=False)
    girls, boys = reports[reports["kon"] == "flicka"], reports[reports["kon"] == "pojke"]
    kept = pd.concat([boys, girls[girls["utredning_inledd"] == "1"],
                      girls[girls["utredning_inledd"] == "0"].head(4)])
    if name == "bof_aktualiseringar":
        return rows[rows["aktualisering_id"].isin(set(kept["aktualisering_id"]))]
    if name == "bof_utredningar":
        return rows[rows["aktualisering_id"].isin(set(kept["aktualisering_id"]))]
    return rows


@pytest.mark.parametrize("linked", [True, False])
def test_a_small_step_cannot_be_computed_from_the_rest_of_the_page(monkeypatch, tmp_path, linked):
    """bof_06 with four girls' reports that opened no investigation: neither the girls' reports
    nor their investigations may be shown beside the other (data tables, steps, results file)."""
    from tests.test_eb_linked import _numbers

    page, _, _ = _page(monkeypatch, "bof_06_processkarta", linked, _copy_demo(tmp_path, _few_not_opened))
    reports = pd.read_csv(tmp_path / "bof_aktualiseringar.csv", dtype=str)
    investigations = pd.read_csv(tmp_path / "bof_utredningar.csv", dtype=str)
    girls = len(reports[reports["kon"] == "flicka"])
    opened = int((investigations["kon"] == "flicka").sum())
    assert girls - opened == 4 and opened == int(
        (reports.loc[reports["kon"] == "flicka", "utredning_inledd"] == "1").sum())
    shown = _numbers(page)
    assert not {girls, opened} <= shown
    assert opened in shown  # step 2 (investigation → insats) is still shown
    assert page.counts["bof_aktualiseringar"]["analysed"]["flicka"] is None
    table = " ".join(str(_shown(i)) for i in page.parts["skillnader"])
    assert "2. Utredning → insats: flickor − pojkar" in table  # each row names its step
    # the step hidden for few reports and the whole chain, hidden to protect it, say the same:
    # which one is small is what the suppression hides (tests/disclosure/test_one_reason.py)
    steps = [str(i) for i in page.parts["steg"]]
    for step in (steps[0], steps[2]):
        assert "underlaget är för litet, eller den skulle göra det möjligt att räkna ut en dold uppgift" in step


def _few_investigations_missing(name, rows):
    """Three girls' reports that opened an investigation the investigations table lacks: no
    step counts them, but the reports that opened one (step 1's outcome) less the investigations
    (step 2's denominator) would give them."""
    if name != "bof_utredningar":
        return rows
    reports = pd.read_csv(SYNTHETIC / "bof_aktualiseringar.csv", dtype=str, keep_default_na=False)
    opened = reports[(reports["kon"] == "flicka") & (reports["utredning_inledd"] == "1")]
    return rows[~rows["aktualisering_id"].isin(set(opened["aktualisering_id"].head(3)))]


@pytest.mark.parametrize("linked", [True, False])
def test_a_small_gap_between_steps_cannot_be_computed(monkeypatch, tmp_path, linked):
    from tests.test_eb_linked import _numbers

    page, _, _ = _page(monkeypatch, "bof_06_processkarta", linked,
                       _copy_demo(tmp_path, _few_investigations_missing))
    reports = pd.read_csv(tmp_path / "bof_aktualiseringar.csv", dtype=str)
    investigations = pd.read_csv(tmp_path / "bof_utredningar.csv", dtype=str)
    opened = int(((reports["kon"] == "flicka") & (reports["utredning_inledd"] == "1")).sum())
    kept = int((investigations["kon"] == "flicka").sum())
    assert opened - kept == 3
    assert not {opened, kept} <= _numbers(page)


def _insats_twice(name, rows):
    """Three girls' reports investigated twice, both times with insats, and three other girls'
    investigations without insats left out: the investigations that led to insats (step 2's
    outcome) are three more than the reports that did (the whole chain's outcome), while the
    reports that opened an investigation still match the investigations in number."""
    if name != "bof_utredningar":
        return rows
    girls = rows[rows["kon"] == "flicka"]
    again = girls[girls["insats_beviljad"] == "1"].head(3).copy()
    again["utredning_id"] = [f"UX{i}" for i in range(3)]
    dropped = girls.loc[girls["insats_beviljad"] == "0", "utredning_id"].head(3)
    return pd.concat([rows[~rows["utredning_id"].isin(set(dropped))], again], ignore_index=True)


@pytest.mark.parametrize("linked", [True, False])
def test_a_gap_between_step_2_and_the_whole_chain_cannot_be_computed(monkeypatch, tmp_path, linked):
    from tests.test_eb_linked import _numbers

    page, _, _ = _page(monkeypatch, "bof_06_processkarta", linked, _copy_demo(tmp_path, _insats_twice))
    reports = pd.read_csv(tmp_path / "bof_aktualiseringar.csv", dtype=str)
    inv = pd.read_csv(tmp_path / "bof_utredningar.csv", dtype=str)
    girls = inv[(inv["kon"] == "flicka") & (inv["insats_beviljad"] == "1")]
    known = girls["aktualisering_id"].isin(set(reports["aktualisering_id"]))
    step2, chain = len(girls), girls.loc[known, "aktualisering_id"].nunique()
    assert step2 - chain == 3
    assert not {step2, chain} <= _numbers(page)
