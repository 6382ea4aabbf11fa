"""eb_03 (which types of intervention each planning was offered) and r4_02's part on economic
assistance (the number of offers per planning) follow the offers to their planning by
``planering_id``. They read ``eb_planering`` and ``eb_insatser`` as linked cell tables (the
catalogue's ``linked=True``): the ids stay in the engine (:mod:`jamtools.data.links`:
``keep_linked``, ``flags_by``, ``count_in``) and pandas holds only combinations of values with
their numbers of rows. The same chapters on rows (``linked=False``: the ids in pandas) must give
the same page, number for number: on the demo data, with a period filter, without each optional
column, without a planning id to link by, and with bad rows that touch the links (missing,
repeated and dangling planning ids, unknown sex, a blank type of intervention). Without a
planning id at all (a required column of both chapters' plannings) eb_03 stops with the same
message both ways and r4_02 leaves the part out both ways."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jamtools.chapters import eb, resources
from jamtools.data import MissingColumns
from jamtools.data.check import CELL_COUNT, GIVEN
from jamtools.disclosure import analyses as analysis
from jamtools.run import catalogue
from jamtools.run.notebook import setup

from tests.conftest import SYNTHETIC
from tests.test_eb_cells import assert_same_page

EB_03 = "eb_03_insatser"
R4_02 = "r4_02_resurser"
TABLES = ("eb_planering", "eb_insatser")
LINK_TABLES = {EB_03: TABLES, R4_02: TABLES}


def _with_linked(monkeypatch, chapter_id: str, linked: bool) -> None:
    """The chapter's eb tables linked cell tables (``linked``) or rows; its other tables as the
    catalogue says."""
    chapter = catalogue.CHAPTERS[chapter_id]
    needs = tuple(dataclasses.replace(n, cells=linked, linked=linked) if n.table in TABLES else n
                  for n in chapter.needs)
    monkeypatch.setitem(catalogue.CHAPTERS, chapter_id, dataclasses.replace(chapter, needs=needs))


def _ctx(chapter_id: str, params: dict):
    extra = {"tabell": "eb_insatser"} if chapter_id == R4_02 else {}
    return setup(chapter_id, {"enhet": None, "alder_min": None, "alder_max": None, **extra, **params})


def _run(monkeypatch, chapter_id: str, linked: bool, params: dict, compose):
    """``compose(ctx)`` with the eb tables linked or as rows, what the loads returned (table,
    weight, engine rows kept, number of data rows, number of source rows) and every binary and
    amount analysis (weight, result) computed on the way."""
    _with_linked(monkeypatch, chapter_id, linked)
    seen, computed = [], []
    load, binary, amount = catalogue.load, analysis.binary_outcome, analysis.amount_outcome

    def spy_load(*args, **kwargs):
        loaded = load(*args, **kwargs)
        seen.append((args[1], loaded.weight, loaded.rows is not None, len(loaded.data), loaded.n_rows()))
        return loaded

    def spy(name, function):
        def wrapped(*args, **kwargs):
            result = function(*args, **kwargs)
            computed.append((name, kwargs.get("weight"), result))
            return result
        return wrapped

    monkeypatch.setattr(catalogue, "load", spy_load)
    monkeypatch.setattr(analysis, "binary_outcome", spy("binary", binary))
    monkeypatch.setattr(analysis, "amount_outcome", spy("amount", amount))
    try:
        return compose(_ctx(chapter_id, params)), seen, computed
    finally:
        monkeypatch.setattr(catalogue, "load", load)
        monkeypatch.setattr(analysis, "binary_outcome", binary)
        monkeypatch.setattr(analysis, "amount_outcome", amount)
        plt.close("all")


def _copy_demo(tmp_path, edit=None):
    """The demo folder's two eb tables, each passed through ``edit(name, rows)`` when given."""
    for name in TABLES:
        rows = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        if edit is not None:
            rows = edit(name, rows)
        rows.to_csv(tmp_path / f"{name}.csv", index=False)
    return {"data_dir": str(tmp_path)}


def _without(column: str):
    """An export of eb_planering without ``column``."""
    def edit(name, rows):
        return rows.drop(columns=[column]) if name == "eb_planering" else rows
    return lambda tmp_path: _copy_demo(tmp_path, edit)


def _bad(name, rows):
    """Bad rows that touch the links: missing, repeated and dangling planning ids, unknown sex,
    a blank type of intervention."""
    rows = rows.copy()
    if name == "eb_planering":
        rows.loc[3, "planering_id"] = ""                            # a missing id
        rows.loc[5, "planering_id"] = rows.loc[4, "planering_id"]   # a repeated key
        rows.loc[7, "kon"] = "x"                                    # unknown sex
        rows.loc[9, "ohalsa"] = ""                                  # a missing covariate
    elif name == "eb_insatser":
        rows.loc[1, "planering_id"] = "PL9999999"                   # refers to no planning
        rows.loc[8, "planering_id"] = ""                            # a missing id
        rows.loc[10, "insatstyp"] = ""                              # a blank type
        rows.loc[12, "kon"] = "x"                                   # unknown sex
        rows.loc[14, "insatstyp"] = "okand_typ"                     # a type the chapter does not show
    return rows


CASES = {
    "demo": lambda tmp_path: {"data_dir": str(SYNTHETIC)},
    "period": lambda tmp_path: {"data_dir": str(SYNTHETIC), "period_start": "2023-01-01",
                                "period_end": "2024-06-30"},
    "filter": lambda tmp_path: {"data_dir": str(SYNTHETIC), "period_start": "2023-01-01",
                                "period_end": "2024-06-30", "enhet": "Norra",
                                "alder_min": 25, "alder_max": 64},
    "utan_fodd_i_sverige": _without("fodd_i_sverige"),
    "utan_ohalsa": _without("ohalsa"),
    "utan_hushallstyp": _without("hushallstyp"),
    "utan_alder": _without("alder"),
    "utan_planering_id": _without("planering_id"),
    "tom_period": lambda tmp_path: {"data_dir": str(SYNTHETIC), "period_start": "1990-01-01",
                                    "period_end": "1990-12-31"},
    "felaktiga_rader": lambda tmp_path: _copy_demo(tmp_path, _bad),
}


def _assert_linked_path(seen_linked, seen_rows, *, fewer: bool, tables=TABLES) -> None:
    """The linked path is really taken: cells with their ids in the engine, the same source
    rows; the rows path read rows."""
    assert [s[0] for s in seen_linked] == [s[0] for s in seen_rows]
    assert {s[0] for s in seen_linked} >= set(tables)
    for (table, w_l, engine, len_l, n_l), (_, w_r, no_engine, len_r, n_r) in zip(seen_linked, seen_rows):
        if table not in TABLES:
            continue
        assert w_l == CELL_COUNT and engine, table
        assert w_r is None and not no_engine, table
        assert n_l == n_r == len_r, table
        assert (len_l < len_r) if fewer and n_r else (len_l <= len_r), table


def _assert_same_computed(computed_linked, computed_rows) -> None:
    assert [kind for kind, _, _ in computed_linked] == [kind for kind, _, _ in computed_rows]
    for (kind, w_l, a), (_, w_r, b) in zip(computed_linked, computed_rows):
        assert w_l == CELL_COUNT and w_r is None, kind
        if kind == "binary":
            pd.testing.assert_frame_equal(a.shares, b.shares)
            pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
        else:
            pd.testing.assert_frame_equal(a.summary, b.summary, check_dtype=False, rtol=1e-9, atol=1e-12)
            pd.testing.assert_frame_equal(a.comparisons, b.comparisons, check_dtype=False,
                                          rtol=1e-9, atol=1e-12)


def _assert_same_page(linked, rows) -> None:
    assert_same_page(linked, rows, rtol=1e-9)


# --- eb_03 ----------------------------------------------------------------------------------

def test_eb_03_reads_linked_tables():
    for need in catalogue.CHAPTERS[EB_03].needs:
        assert need.cells and need.linked, need.table
    assert "planering_id" in catalogue.CHAPTERS[EB_03].need("eb_planering").required


@pytest.mark.parametrize("case", [c for c in CASES if c != "utan_planering_id"])
def test_eb_03_rows_and_linked_cells_give_the_same_page(monkeypatch, tmp_path, case):
    params = CASES[case](tmp_path)
    linked, seen_l, computed_l = _run(monkeypatch, EB_03, True, params, eb.offers)
    rows, seen_r, computed_r = _run(monkeypatch, EB_03, False, params, eb.offers)
    _assert_linked_path(seen_l, seen_r, fewer=not params.get("period_start"))
    assert len(computed_l) > 0
    _assert_same_computed(computed_l, computed_r)
    _assert_same_page(linked, rows)


def test_eb_03_without_planning_ids_stops_alike(monkeypatch, tmp_path):
    """planering_id is required (the chapter is about offers linked to plannings): without it
    the load stops with the same message on both paths."""
    params = CASES["utan_planering_id"](tmp_path)
    messages = []
    for linked in (True, False):
        with pytest.raises(MissingColumns) as err:
            _run(monkeypatch, EB_03, linked, params, eb.offers)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "planering_id" in messages[0]


def test_eb_03_cases_reach_what_they_are_for(monkeypatch, tmp_path):
    """The cases above take the branches they are named for (so the comparison covers them)."""
    (tmp_path / "nosfi").mkdir()
    page, _, _ = _run(monkeypatch, EB_03, True, _without("fodd_i_sverige")(tmp_path / "nosfi"), eb.offers)
    assert set(page.comparisons["insats"]) == set(eb.OFFER_TYPES.values()) - {eb.OFFER_TYPES["sfi"]}
    (tmp_path / "bad").mkdir()
    page, _, _ = _run(monkeypatch, EB_03, True, _copy_demo(tmp_path / "bad", _bad), eb.offers)
    text = " ".join(str(i) for i in page.parts["data"])
    assert "Hänvisar till en rad som saknas i planeringar i ekonomiskt bistånd" in text
    assert "Planeringen ingår inte i urvalet ovan" in text
    page, _, _ = _run(monkeypatch, EB_03, True, {"data_dir": str(SYNTHETIC)}, eb.offers)
    assert set(page.comparisons["insats"]) == set(eb.OFFER_TYPES.values())


def test_eb_03_linked_flags_match_an_independent_computation(monkeypatch):
    """The chapter's flags on linked cells, weighted, are pandas' isin on rows, counted."""
    from jamtools.data.links import flags_by, keep_linked

    _with_linked(monkeypatch, EB_03, True)
    ctx = _ctx(EB_03, {"data_dir": str(SYNTHETIC)})
    plan, offers = ctx.load("eb_planering"), ctx.load("eb_insatser")
    assert "planering_id" not in plan.data and "planering_id" not in offers.data
    assert plan.data[GIVEN + "planering_id"].all()
    offers = keep_linked(offers, "planering_id", plan, "planering_id", reason="x")
    types = list(eb.OFFER_TYPES)
    flagged = flags_by(plan, "planering_id", offers, "planering_id", "insatstyp", types)
    assert len(flagged.data) < flagged.n_rows()

    _with_linked(monkeypatch, EB_03, False)
    ctx = _ctx(EB_03, {"data_dir": str(SYNTHETIC)})
    plan_r, offers_r = ctx.load("eb_planering"), ctx.load("eb_insatser")
    offers_r = keep_linked(offers_r, "planering_id", plan_r, "planering_id", reason="x")
    kinds = offers_r.data["insatstyp"].astype(str)
    by_rows = plan_r.data.assign(**{t: plan_r.data["planering_id"].isin(
        offers_r.data.loc[kinds == t, "planering_id"].dropna()).astype("int64") for t in types})
    by_rows = by_rows.groupby(["kon", *types]).size()
    by_cells = flagged.data.groupby(["kon", *types])[flagged.weight].sum()
    pd.testing.assert_series_equal(by_cells, by_rows, check_names=False)


# --- r4_02, its eb_insatser part -------------------------------------------------------------

def _resource(ctx):
    return resources.load_resource(ctx, "eb_insatser")


def test_r4_02_reads_its_eb_tables_linked():
    for need in catalogue.CHAPTERS[R4_02].needs:
        assert need.linked == (need.table in TABLES), need.table
        assert need.cells, need.table
    assert "planering_id" in catalogue.CHAPTERS[R4_02].need("eb_planering").required


@pytest.mark.parametrize("case", list(CASES))
def test_r4_02_rows_and_linked_cells_give_the_same_resource(monkeypatch, tmp_path, case):
    params = CASES[case](tmp_path)
    linked, seen_l, _ = _run(monkeypatch, R4_02, True, params, _resource)
    rows, seen_r, _ = _run(monkeypatch, R4_02, False, params, _resource)
    missing = case == "utan_planering_id"  # the plannings cannot be loaded: no resource
    _assert_linked_path(seen_l, seen_r, fewer=not params.get("period_start"),
                        tables=() if missing else TABLES)
    if missing:
        assert linked is None and rows is None
        return
    assert linked.weight == CELL_COUNT and rows.weight is None
    assert linked.spec == rows.spec
    assert not {"planering_id", "person_id"} & set(linked.data.columns)
    # fewer cells than rows (with a period the cells keep the date: on the small demo data
    # nearly one cell per row)
    assert len(linked.data) <= len(rows.data) if params.get("period_start") else len(linked.data) < len(rows.data)
    assert int(linked.data[linked.weight].sum()) == len(rows.data)
    assert linked.data["antal_insatser"].dtype == rows.data["antal_insatser"].dtype == float
    # the same units with the same amount and need: the cells are the rows, counted
    by = ["kon", *linked.spec.covariates, "antal_insatser"]
    pd.testing.assert_series_equal(
        linked.data.groupby(by, dropna=False)[linked.weight].sum().astype("int64"),
        rows.data.groupby(by, dropna=False).size().astype("int64"), check_names=False)
    assert list(linked.loads) == list(rows.loads)
    for name in rows.loads:
        # linked: cell tables; the plannings, split by their offers, are not followed further,
        # so no table of their rows is kept (count_in's follow=False)
        assert linked.loads[name].weight == CELL_COUNT and rows.loads[name].rows is None
        assert (linked.loads[name].rows is None) == (name == "eb_planering"), name
        assert linked.loads[name].log == rows.loads[name].log, name
        assert linked.loads[name].counts_by_sex() == rows.loads[name].counts_by_sex(), name
    # the analysis: the same numbers
    a = resources.analyse(linked)
    b = resources.analyse(rows)
    for x, y in ((a.result.amounts.summary, b.result.amounts.summary),
                 (a.result.amounts.comparisons, b.result.amounts.comparisons),
                 (a.result.share_gaps, b.result.share_gaps), (a.result.lorenz, b.result.lorenz)):
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["demo", "filter", "utan_ohalsa", "utan_planering_id", "felaktiga_rader"])
def test_r4_02_rows_and_linked_cells_give_the_same_page(monkeypatch, tmp_path, case):
    params = CASES[case](tmp_path)
    linked, seen_l, computed_l = _run(monkeypatch, R4_02, True, params, resources.resource_shares)
    rows, seen_r, computed_r = _run(monkeypatch, R4_02, False, params, resources.resource_shares)
    _assert_linked_path(seen_l, seen_r, fewer=not params.get("period_start"),
                        tables=() if case == "utan_planering_id" else TABLES)
    assert (len(computed_l) > 0) == (case != "utan_planering_id")
    _assert_same_computed(computed_l, computed_r)
    _assert_same_page(linked, rows)


def test_r4_02_cases_reach_what_they_are_for(monkeypatch, tmp_path):
    (tmp_path / "noid").mkdir()
    page, _, _ = _run(monkeypatch, R4_02, True, _without("planering_id")(tmp_path / "noid"),
                      resources.resource_shares)
    assert page.comparisons is None
    assert "insatserna i ekonomiskt bistånd utelämnas" in " ".join(str(i) for i in page.parts["data"])
    (tmp_path / "bad").mkdir()
    page, _, _ = _run(monkeypatch, R4_02, True, _copy_demo(tmp_path / "bad", _bad),
                      resources.resource_shares)
    text = " ".join(str(i) for i in page.parts["data"])
    assert "Hänvisar till en rad som saknas i planeringar i ekonomiskt bistånd" in text
