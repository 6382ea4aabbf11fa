"""eb_07 follows applicants through four tables by their ids. It reads them as linked cell
tables (the catalogue's ``linked=True``): the ids stay in the engine
(:mod:`jamtools.data.links`) and pandas holds only combinations of values with their numbers of
rows. The same chapter on rows (``linked=False``: the ids in pandas, the links made by
:func:`jamtools.data.check.is_in`) must give the same page, number for number: on the demo
data, with filters, without the optional columns, without an id to link by, with bad rows of
every kind that touch the links (missing, repeated and dangling ids, unknown sex), and with
personnummer instead of ids."""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from jamtools.chapters import eb
from jamtools.data.check import CELL_COUNT, GIVEN
from jamtools.disclosure import analyses as analysis
from jamtools.present.report import Table
from jamtools.run import catalogue
from jamtools.run.notebook import setup

from tests.conftest import SYNTHETIC
from tests.test_eb_cells import assert_same_binary, assert_same_page

FIXTURES = Path(__file__).parent / "data" / "fixtures"

CHAPTER = "eb_07_processkarta"
TABLES = ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall")


def _with_linked(monkeypatch, linked: bool) -> None:
    chapter = catalogue.CHAPTERS[CHAPTER]
    needs = tuple(dataclasses.replace(n, cells=linked, linked=linked) for n in chapter.needs)
    monkeypatch.setitem(catalogue.CHAPTERS, CHAPTER, dataclasses.replace(chapter, needs=needs))


def _page(monkeypatch, linked: bool, params: dict):
    """The page with the tables linked or as rows, what the loads returned and every analysis."""
    _with_linked(monkeypatch, linked)
    seen, computed = [], []
    load, binary = catalogue.load, analysis.binary_outcome

    def spy_load(*args, **kwargs):
        loaded = load(*args, **kwargs)
        seen.append((args[1], loaded.weight, loaded.rows is not None, len(loaded.data), loaded.n_rows()))
        return loaded

    def spy_binary(*args, **kwargs):
        result = binary(*args, **kwargs)
        computed.append((kwargs.get("weight"), result))
        return result

    monkeypatch.setattr(catalogue, "load", spy_load)
    monkeypatch.setattr(analysis, "binary_outcome", spy_binary)
    try:
        ctx = setup(CHAPTER, {"enhet": None, "alder_min": None, "alder_max": None, **params})
        return eb.process_map(ctx), seen, computed
    finally:
        monkeypatch.setattr(catalogue, "load", load)
        monkeypatch.setattr(analysis, "binary_outcome", binary)


def _copy_demo(tmp_path, edit=None):
    """The demo folder's four tables, each passed through ``edit(name, rows)`` when given."""
    for name in TABLES:
        rows = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        if edit is not None:
            rows = edit(name, rows)
        rows.to_csv(tmp_path / f"{name}.csv", index=False)
    return {"data_dir": str(tmp_path)}


def _lean(name, rows):
    """Without every optional column and covariate of the chapter."""
    drop = {"eb_klienter": ["hushallstyp"], "eb_planering": ["hushallstyp", "planering_id"],
            "eb_utfall": ["hushallstyp"]}.get(name, [])
    return rows.drop(columns=drop)


def _no_outcome_ids(name, rows):
    """The outcomes without person ids: that step cannot be linked and is left out."""
    return rows.drop(columns=["person_id"]) if name == "eb_utfall" else rows


def _bad(name, rows):
    """Bad rows that touch the links: missing, repeated and unknown ids, unknown sex, a
    decision that is not yes or no."""
    rows = rows.copy()
    if name == "eb_klienter":
        rows.loc[3, "person_id"] = ""                       # a missing id
        rows.loc[5, "person_id"] = rows.loc[4, "person_id"]  # a repeated key
        rows.loc[7, "kon"] = "x"                             # unknown sex
        rows.loc[9, "bistand_beviljat"] = "kanske"           # not yes or no
    elif name == "eb_planering":
        rows.loc[2, "person_id"] = "E9999999"               # refers to no applicant
        rows.loc[4, "planering_id"] = rows.loc[3, "planering_id"]
        rows.loc[6, "person_id"] = ""
    elif name == "eb_insatser":
        rows.loc[1, "planering_id"] = "PL9999999"           # refers to no planning
        rows.loc[8, "planering_id"] = ""
    elif name == "eb_utfall":
        rows.loc[0, "person_id"] = "E9999998"
        rows.loc[2, "sjalvforsorjande"] = ""
    return rows


def _personnummer(tmp_path):
    """The personnummer fixture: applicants and plannings linked by the pseudonym only."""
    shutil.copytree(FIXTURES / "personnummer", tmp_path / "pnr")
    return {"config_file": str(tmp_path / "pnr" / "jamtools.yml"), "data_dir": None}


def _few_refused(name, rows):
    """Four women refused aid (the rest granted): a small count that step 1 hides and that the
    applicants less those granted would give back."""
    if name != "eb_klienter":
        return rows
    women, men = rows[rows["kon"] == "kvinna"], rows[rows["kon"] == "man"]
    refused = women[women["bistand_beviljat"] == "0"].head(4)
    return pd.concat([men, women[women["bistand_beviljat"] == "1"], refused]).sort_values("person_id")


CASES = {
    "demo": lambda tmp_path: {"data_dir": str(SYNTHETIC)},
    "filter": lambda tmp_path: {"data_dir": str(SYNTHETIC), "period_start": "2023-01-01",
                                "period_end": "2024-06-30", "enhet": "Norra",
                                "alder_min": 25, "alder_max": 64},
    "utan_valfria": lambda tmp_path: _copy_demo(tmp_path, _lean),
    "utfall_utan_id": lambda tmp_path: _copy_demo(tmp_path, _no_outcome_ids),
    "felaktiga_rader": lambda tmp_path: _copy_demo(tmp_path, _bad),
    "personnummer": _personnummer,
    "fa_avslag": lambda tmp_path: _copy_demo(tmp_path, _few_refused),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rows_and_linked_cells_give_the_same_page(monkeypatch, tmp_path, case):
    params = CASES[case](tmp_path)
    linked, seen_linked, computed_linked = _page(monkeypatch, True, params)
    rows, seen_rows, computed_rows = _page(monkeypatch, False, params)

    # the linked path is really taken: cells with their ids in the engine, the same source rows
    assert [s[0] for s in seen_linked] == [s[0] for s in seen_rows]
    for (table, w_l, engine, len_l, n_l), (_, w_r, no_engine, len_r, n_r) in zip(seen_linked, seen_rows):
        assert w_l == CELL_COUNT and engine and w_r is None and not no_engine, table
        assert n_l == n_r == len_r, table
        assert len_l <= len_r, table
    assert len(computed_linked) == len(computed_rows) > 0
    for (w_l, a), (w_r, b) in zip(computed_linked, computed_rows):
        assert w_l == CELL_COUNT and w_r is None
        assert_same_binary(a, b)
    assert_same_page(linked, rows)


def test_the_cases_reach_what_they_are_for(monkeypatch, tmp_path):
    """The cases above take the branches they are named for (so the comparison covers them)."""
    (tmp_path / "bad").mkdir()
    bad, _, _ = _page(monkeypatch, True, _copy_demo(tmp_path / "bad", _bad))
    text = " ".join(str(i) for i in bad.parts["data"])
    assert "Hänvisar till en rad som saknas i ansökningar om ekonomiskt bistånd" in text
    assert "Hänvisar till en rad som saknas i planeringar i ekonomiskt bistånd" in text
    (tmp_path / "noid").mkdir()
    no_id, seen, _ = _page(monkeypatch, True, _copy_demo(tmp_path / "noid", _no_outcome_ids))
    assert "eb_utfall" not in [s[0] for s in seen]
    assert eb.STEPS["sjalvforsorjande"] not in " ".join(str(i) for i in no_id.parts["karta"])
    pnr, seen, _ = _page(monkeypatch, True, _personnummer(tmp_path))
    assert [s[0] for s in seen][:2] == ["eb_klienter", "eb_planering"]
    assert eb.STEPS["planering"] in " ".join(str(i) for i in pnr.parts["karta"]) or pnr.comparisons is None


def test_the_ids_never_reach_pandas(monkeypatch):
    """A linked load holds no id column: only whether each cell's rows have one."""
    _with_linked(monkeypatch, True)
    ctx = setup(CHAPTER, {"data_dir": str(SYNTHETIC)})
    loaded = ctx.load("eb_planering")
    assert "person_id" not in loaded.data and "planering_id" not in loaded.data
    assert loaded.data[GIVEN + "person_id"].all()
    assert loaded.rows.columns == ("planering_id", "person_id")
    assert len(loaded.data) < loaded.n_rows() / 10


def _numbers(page) -> set[float]:
    """Every number the page's tables show (thousands separated by spaces), its counts and its
    comparisons' counts: what a reader of the page and its results file can combine."""
    seen: set[float] = set()
    for part in page.parts.values():
        for item in part:
            if isinstance(item, Table):
                for value in item.frame.astype(str).to_numpy().ravel():
                    text = re.sub(r"\s", "", value)
                    if re.fullmatch(r"\d+", text):
                        seen.add(float(text))
    for record in page.counts.values():
        for values in record.values():
            seen |= {float(v) for v in values.values() if v is not None}
    for col in ("n_a", "events_a", "n_b", "events_b"):
        seen |= set(page.comparisons[col].dropna().astype(float))
    return seen


@pytest.mark.parametrize("linked", [True, False])
def test_a_small_step_cannot_be_computed_from_the_rest_of_the_page(monkeypatch, tmp_path, linked):
    """Four women refused: step 1 hides them, and neither the applicants nor those granted may be
    shown elsewhere (data tables, the other steps, the results file), or their difference
    gives the four back."""
    page, _, _ = _page(monkeypatch, linked, _copy_demo(tmp_path, _few_refused))
    rows = pd.read_csv(tmp_path / "eb_klienter.csv", dtype=str)
    women = rows[rows["kon"] == "kvinna"]
    applied, granted = len(women), int((women["bistand_beviljat"] == "1").sum())
    assert applied - granted == 4
    shown = _numbers(page)
    assert not {applied, granted} <= shown
    assert granted in shown  # the cheaper side is hidden: the applicants, not the later steps
    steps = page.comparisons.groupby("steg")["suppressed"].all()
    assert steps[eb.STEPS["bistand_beviljat"]] and steps[eb.STEPS["ansokan_till_sjalvforsorjande"]]
    assert not steps[eb.STEPS["planering"]] and not steps[eb.STEPS["sjalvforsorjande"]]
    assert page.counts["eb_klienter"]["analysed"]["kvinna"] is None
    # the demo data need no such protection: the applicants are shown
    demo, _, _ = _page(monkeypatch, linked, {"data_dir": str(SYNTHETIC)})
    assert demo.counts["eb_klienter"]["analysed"]["kvinna"] is not None


def _few_refused_some_without_household(name, rows):
    """As :func:`_few_refused`, with 40 granted women without a household type and 10 women's
    outcome rows missing: the table by household type (its row for a missing type included)
    sums to those granted, and the outcomes no longer do."""
    rows = _few_refused(name, rows)
    if name == "eb_klienter":
        granted = rows.index[(rows["kon"] == "kvinna") & (rows["bistand_beviljat"] == "1")][:40]
        rows.loc[granted, "hushallstyp"] = ""
    elif name == "eb_utfall":
        rows = rows.drop(rows.index[rows["kon"] == "kvinna"][:10])
    return rows


def test_the_table_by_household_type_does_not_give_the_refused_back(monkeypatch, tmp_path):
    page, _, _ = _page(monkeypatch, True, _copy_demo(tmp_path, _few_refused_some_without_household))
    rows = pd.read_csv(tmp_path / "eb_klienter.csv", dtype=str)
    women = rows[rows["kon"] == "kvinna"]
    applied, granted = len(women), int((women["bistand_beviljat"] == "1").sum())
    shown = _numbers(page)
    tables = [i for i in page.parts["planering"] if isinstance(i, Table)]
    by_household = sum(float(re.sub(r"\\s", "", v)) for t in tables
                       for v in t.frame.loc[t.frame["Kön"] == "Kvinnor", "Antal"] if v != "..")
    assert not (applied in shown and (granted in shown or by_household == granted))


def _few_without_outcome(name, rows):
    """Three granted women without an outcome row: no step counts them, but those granted
    (step 1's outcome, step 2's denominator) less step 4's denominator would give them."""
    if name != "eb_utfall":
        return rows
    clients = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str, keep_default_na=False)
    granted = clients[(clients["kon"] == "kvinna") & (clients["bistand_beviljat"] == "1")]
    return rows[~rows["person_id"].isin(set(granted["person_id"].head(3)))]


@pytest.mark.parametrize("linked", [True, False])
def test_a_small_gap_between_steps_cannot_be_computed(monkeypatch, tmp_path, linked):
    page, _, _ = _page(monkeypatch, linked, _copy_demo(tmp_path, _few_without_outcome))
    clients = pd.read_csv(tmp_path / "eb_klienter.csv", dtype=str)
    outcomes = pd.read_csv(tmp_path / "eb_utfall.csv", dtype=str, keep_default_na=False)
    women = clients[clients["kon"] == "kvinna"]
    granted = set(women.loc[women["bistand_beviljat"] == "1", "person_id"])
    with_outcome = outcomes[(outcomes["kon"] == "kvinna") & (outcomes["sjalvforsorjande"] != "")]
    assert set(with_outcome["person_id"]) <= granted and len(granted) - len(with_outcome) == 3
    shown = _numbers(page)
    assert not {len(granted), len(with_outcome)} <= shown
    # on the demo data every granted client has an outcome row: nothing of this is hidden
    demo, _, _ = _page(monkeypatch, linked, {"data_dir": str(SYNTHETIC)})
    assert not demo.comparisons["suppressed"].any()


def _copy_without(tmp_path, edit, *, leave_out=()):
    """As :func:`_copy_demo`, without the tables ``leave_out``."""
    for name in TABLES:
        if name in leave_out:
            continue
        rows = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        edit(name, rows).to_csv(tmp_path / f"{name}.csv", index=False)
    return {"data_dir": str(tmp_path)}


def _planning_for_refused(name, rows):
    """Three women refused aid who have a planning: the women granted aid with a planning (step
    2's outcome) are three fewer than the women's plannings (the plannings' data table, and
    step 3's denominator when there is one)."""
    if name != "eb_planering":
        return rows
    clients = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str, keep_default_na=False)
    planned = set(rows["person_id"])
    refused = clients[(clients["kon"] == "kvinna") & (clients["bistand_beviljat"] == "0")
                      & ~clients["person_id"].isin(planned)].head(3)
    extra = rows[rows["kon"] == "kvinna"].head(3).copy()
    extra["person_id"] = refused["person_id"].to_numpy()
    extra["planering_id"] = [f"PLX{i}" for i in range(3)]
    return pd.concat([rows, extra], ignore_index=True)


@pytest.mark.parametrize("case", ["alla_tabeller", "utan_insatser", "utan_planering_id"])
def test_a_gap_between_a_step_and_a_data_table_cannot_be_computed(monkeypatch, tmp_path, case):
    """The planning gap both ways and without step 3: with the offered interventions, step 3's
    denominator (the plannings) exceeds step 2's outcome; without them (or without the
    planning's id), only the plannings' data table and the results file show the plannings."""
    def edit(name, rows):
        rows = _planning_for_refused(name, rows)
        return rows.drop(columns=["planering_id"]) if case == "utan_planering_id" and name == "eb_planering" \
            else rows

    leave_out = ("eb_insatser",) if case == "utan_insatser" else ()
    page, _, _ = _page(monkeypatch, True, _copy_without(tmp_path, edit, leave_out=leave_out))
    clients = pd.read_csv(tmp_path / "eb_klienter.csv", dtype=str)
    plans = pd.read_csv(tmp_path / "eb_planering.csv", dtype=str)
    granted = set(clients.loc[(clients["kon"] == "kvinna") & (clients["bistand_beviljat"] == "1"), "person_id"])
    women_plans = plans[plans["kon"] == "kvinna"]
    with_planning = len(granted & set(women_plans["person_id"]))
    assert len(women_plans) - with_planning == 3
    assert not {len(women_plans), with_planning} <= _numbers(page)
    assert (eb.STEPS["insats"] in set(page.comparisons["steg"])) == (case == "alla_tabeller")



def _self_sufficient_outside_the_chain(name, rows):
    """Three self-sufficient women, granted aid, whom the applicants' table records as men (two
    registers that disagree on sex): step 4 counts three self-sufficient women more than the
    whole chain does, and the chain three men more than step 4. Ten women's and ten men's
    other outcome rows are left out too, so that those granted less the outcome rows (7 and 13)
    is not small: only the third pair of :data:`eb.GAPS` protects the three."""
    outcomes = pd.read_csv(SYNTHETIC / "eb_utfall.csv", dtype=str, keep_default_na=False)
    women = outcomes[outcomes["kon"] == "kvinna"]
    recorded_as_men = set(women.loc[women["sjalvforsorjande"] == "1", "person_id"].head(3))
    if name == "eb_klienter":
        rows.loc[rows["person_id"].isin(recorded_as_men), "kon"] = "man"
    elif name == "eb_utfall":
        others = rows.index[rows["sjalvforsorjande"] == "0"]
        rows = rows.drop([*others[rows.loc[others, "kon"] == "kvinna"][:10],
                          *others[rows.loc[others, "kon"] == "man"][:10]])
    return rows


@pytest.mark.parametrize("linked", [True, False])
def test_self_sufficient_outcomes_outside_the_chain_cannot_be_computed(monkeypatch, tmp_path, linked):
    page, _, _ = _page(monkeypatch, linked, _copy_demo(tmp_path, _self_sufficient_outside_the_chain))
    clients = pd.read_csv(tmp_path / "eb_klienter.csv", dtype=str, keep_default_na=False)
    outcomes = pd.read_csv(tmp_path / "eb_utfall.csv", dtype=str, keep_default_na=False)
    shown = _numbers(page)
    for sex, gap in (("kvinna", 3), ("man", -3)):
        applied = clients[clients["kon"] == sex]
        granted = int((applied["bistand_beviljat"] == "1").sum())
        rows = outcomes[(outcomes["kon"] == sex) & (outcomes["sjalvforsorjande"] != "")]
        selfs = rows[rows["sjalvforsorjande"] == "1"]
        chain = len(set(applied["person_id"]) & set(outcomes.loc[outcomes["sjalvforsorjande"] == "1", "person_id"]))
        assert len(selfs) - chain == gap and granted - len(rows) >= 5
        assert not {len(selfs), chain} <= shown
