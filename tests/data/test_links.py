"""Following rows between tables (:mod:`jamtools.data.links`): on linked cell tables, where the
ids stay in the engine, every operation gives what the same rule gives on rows in pandas
(:func:`jamtools.data.check.is_in` and friends), counted per combination of the cells' values.

The rows are the demo data's economic-assistance and child-welfare tables, as exported and with
bad rows that touch the links (missing, repeated and dangling ids, unknown sex); a linked
load must keep the same rows with the same account as a load of rows."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from jamtools.data import load_table
from jamtools.data.check import CELL_COUNT, GIVEN
from jamtools.data.links import (count_in, first_per_id, flag_in, flags_by, has_ids, keep_linked, look_up,
                                  rows_by_id)

from tests.conftest import SYNTHETIC


def _bad_copy(folder):
    """The demo tables with bad rows that touch the links."""
    edits = {
        "eb_klienter": [(3, "person_id", ""), (5, "person_id", "E0000005"), (7, "kon", "x")],
        "eb_planering": [(2, "person_id", "E9999999"), (4, "planering_id", "PL0000004"), (6, "person_id", ""),
                         (10, "person_id", "E0000002"), (11, "person_id", "E0000002")],  # a person planned thrice
        "eb_insatser": [(1, "planering_id", "PL9999999"), (8, "planering_id", ""), (9, "insatstyp", "")],
        "bof_insatser": [(0, "utredning_id", "U9999999"), (3, "utredning_id", "")],
        "bof_utredningar": [(2, "utredning_id", ""), (6, "utredning_id", "U0000005")],  # U0000005 twice
    }
    for name in ("eb_klienter", "eb_planering", "eb_insatser", "bof_utredningar", "bof_insatser"):
        rows = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        for i, col, value in edits.get(name, []):
            rows.loc[i, col] = value
        rows.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(params=["demo", "felaktiga_rader"])
def data_dir(request, tmp_path):
    return SYNTHETIC if request.param == "demo" else _bad_copy(tmp_path)


NEEDS = {
    "eb_klienter": dict(columns=["kon", "bistand_beviljat"], optional=["person_id", "hushallstyp"]),
    "eb_planering": dict(columns=["kon", "person_id"], optional=["planering_id", "hushallstyp", "datum"]),
    "eb_insatser": dict(columns=["kon", "planering_id"], optional=["insatstyp"]),
    "bof_utredningar": dict(columns=["kon", "utredning_id"], optional=["orsakstyp"]),
    "bof_insatser": dict(columns=["kon", "insatstyp", "utredning_id"]),
}


def _both(name, data_dir):
    """The table loaded as rows and as a linked cell table."""
    rows = load_table(name, data_dir=data_dir, **NEEDS[name])
    linked = load_table(name, data_dir=data_dir, cells=True, linked=True, **NEEDS[name])
    return rows, linked


def _by(loaded, columns) -> dict:
    """Source rows per combination of ``columns`` (cells weighted)."""
    data = loaded.data
    if loaded.weight:
        counts = data.groupby(columns, dropna=False, observed=True)[loaded.weight].sum()
    else:
        counts = data.groupby(columns, dropna=False, observed=True).size()
    return {tuple("NA" if pd.isna(v) else str(v) for v in (k if isinstance(k, tuple) else (k,))): int(n)
            for k, n in counts.items() if n}


@pytest.mark.parametrize("name", list(NEEDS))
def test_a_linked_load_keeps_the_rows_and_account_of_a_load_of_rows(name, data_dir):
    rows, linked = _both(name, data_dir)
    assert linked.weight == CELL_COUNT and linked.rows is not None and rows.rows is None
    assert linked.log == rows.log and linked.notes == rows.notes
    assert [p.as_dict() for p in linked.checked.problems] == [p.as_dict() for p in rows.checked.problems]
    shared = [c for c in rows.data.columns if c in linked.data.columns]
    assert _by(linked, shared) == _by(rows, shared)
    for column in linked.rows.columns:  # the ids are in the engine, not in pandas
        assert column not in linked.data and has_ids(linked, column) and column in rows.data
        assert linked.has(column) == rows.has(column)
        given = linked.data.loc[linked.data[GIVEN + column], CELL_COUNT].sum()
        assert given == rows.data[column].notna().sum()
    assert len(linked.data) < len(rows.data)


def test_flag_count_and_keep_as_on_rows(data_dir):
    k_rows, k = _both("eb_klienter", data_dir)
    p_rows, p = _both("eb_planering", data_dir)
    i_rows, i = _both("eb_insatser", data_dir)
    for other, other_rows in ((p, p_rows), (p_rows, p_rows)):  # the other linked, or rows
        flagged = flag_in(k, "person_id", other, "person_id", name="planering")
        expected = flag_in(k_rows, "person_id", other_rows, "person_id", name="planering")
        assert _by(flagged, ["kon", "bistand_beviljat", "planering"]) == _by(expected, ["kon", "bistand_beviljat", "planering"])
    # a subset of the other table counts: only the plannings of the women who applied
    granted = k.exclude(k.data["kon"] != "kvinna", "inte kvinna")
    granted_rows = k_rows.exclude(k_rows.data["kon"] != "kvinna", "inte kvinna")
    kept = keep_linked(p, "person_id", granted, "person_id", reason="Ansökan ingår inte")
    kept_rows = keep_linked(p_rows, "person_id", granted_rows, "person_id", reason="Ansökan ingår inte")
    assert kept.log == kept_rows.log and kept.log[-1]["antal"] > 0
    assert "__linked" not in kept.data
    counted = count_in(kept, "planering_id", i, "planering_id", name="antal")
    counted_rows = count_in(kept_rows, "planering_id", i_rows, "planering_id", name="antal")
    assert _by(counted, ["kon", "antal"]) == _by(counted_rows, ["kon", "antal"])
    assert counted.data["antal"].max() >= 2  # some plannings have several offers
    types = ["sfi", "praktik", "studier", "okand_typ"]
    by_type = flags_by(kept, "planering_id", i, "planering_id", "insatstyp", types)
    by_type_rows = flags_by(kept_rows, "planering_id", i_rows, "planering_id", "insatstyp", types)
    assert _by(by_type, ["kon", *types]) == _by(by_type_rows, ["kon", *types])
    assert by_type.data["okand_typ"].eq(0).all() and by_type.data["sfi"].eq(1).any()


@pytest.mark.parametrize("against", ["klienter", "itself"])
def test_keep_linked_with_nothing_to_leave_out_keeps_the_table_and_account(data_dir, against, monkeypatch):
    """When every kept row's id is among the other table's (counted by an anti join first),
    keep_linked splits nothing and writes no table: the rows without an id are left out as
    whole cells, with the same cells, rows and account as splitting by the flag gives. With ids
    the other table lacks (the bad rows, against the applicants) the rows are split as before.
    Against the plannings themselves every given id is found; the bad rows lack some ids."""
    import jamtools.data.links as links

    _, k = _both("eb_klienter", data_dir)
    # the person optional: a planning without one is kept by the load (the bad rows have one)
    p = load_table("eb_planering", data_dir=data_dir, columns=["kon"], optional=["person_id", "hushallstyp"],
                   cells=True, linked=True)
    other = k if against == "klienter" else p
    con = p.rows.con
    tables = lambda: {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}  # noqa: E731
    before = tables()
    kept = keep_linked(p, "person_id", other, "person_id", reason="Ansökan ingår inte")
    missing = links.missing_count(p, "person_id", other, "person_id")
    assert (missing == 0) == (data_dir == SYNTHETIC or against == "itself")
    no_id = int(p.data.loc[~p.data[GIVEN + "person_id"], CELL_COUNT].sum())
    assert (no_id > 0) == (data_dir != SYNTHETIC)
    assert kept.n_rows() == p.n_rows() - missing - no_id
    if missing == 0:
        assert tables() == before and kept.rows is p.rows
    else:
        assert tables() != before
    monkeypatch.setattr(links, "missing_count", lambda *a: 1)  # the split, whatever the ids
    split = keep_linked(p, "person_id", other, "person_id", reason="Ansökan ingår inte")
    assert split.rows is not p.rows
    assert kept.log == split.log and kept.log[-1]["steg"] == "Ansökan ingår inte"
    assert _by(kept, ["kon", "hushallstyp"]) == _by(split, ["kon", "hushallstyp"])
    assert list(kept.data.columns) == list(split.data.columns)


def test_the_same_check_of_references_is_counted_once(data_dir, monkeypatch):
    """A load's check of references and keep_linked of the same two tables (each keeping every
    cell) send the same anti join: it runs once. A query with a subset's own cells is sent each
    time and not kept. Every count is what the engine counts anew."""
    import jamtools.data.links as links

    counted = {}
    monkeypatch.setattr(links, "_MISSING", counted)
    _, p = _both("eb_planering", data_dir)  # (its own check of the persons' references)
    n = len(counted)
    _, e = _both("eb_insatser", data_dir)  # its check counts the offers of plannings it lacks
    assert len(counted) == n + 1
    got = links.missing_count(e, "planering_id", p, "planering_id")
    assert len(counted) == n + 1 and (got > 0) == (data_dir != SYNTHETIC)
    if data_dir == SYNTHETIC:  # every cell of both kept: the load's own query, not sent again
        assert got == list(counted.values())[-1]
        kept = keep_linked(e, "planering_id", p, "planering_id", reason="Planeringen ingår inte")
        assert len(counted) == n + 1 and kept.rows is e.rows
    women = p.exclude(p.data["kon"] != "kvinna", "inte kvinna")
    fewer = links.missing_count(e, "planering_id", women, "planering_id")
    assert len(counted) == n + 1 and fewer > got  # its own cells: not kept
    monkeypatch.setattr(links, "_MISSING", {})  # counted again, from scratch: the same
    assert links.missing_count(e, "planering_id", women, "planering_id") == fewer
    assert links.missing_count(e, "planering_id", p, "planering_id") == got


def test_without_rows_keeps_the_cells_and_lets_the_engine_drop_the_rows():
    """without_rows gives the same cells, weights and account as a plain cell table; when no
    result refers to the rows any more, their engine table is gone (the offers: no other table
    refers to them, so no cache of ids keeps them)."""
    import gc

    from jamtools.data.links import without_rows

    _, i = _both("bof_insatser", SYNTHETIC)
    con, name = i.rows.con, i.rows.name
    tables = lambda: {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}  # noqa: E731
    plain = without_rows(i)
    assert plain.rows is None and plain.log == i.log and plain.weight == i.weight
    pd.testing.assert_frame_equal(plain.data, i.data)
    assert without_rows(plain) is plain and name in tables()
    del i
    gc.collect()
    assert name not in tables()


def test_look_up_as_on_rows(data_dir):
    u_rows, u = _both("bof_utredningar", data_dir)
    i_rows, i = _both("bof_insatser", data_dir)
    found = look_up(i, "utredning_id", u, "utredning_id", "orsakstyp", name="orsakstyp")
    found_rows = look_up(i_rows, "utredning_id", u_rows, "utredning_id", "orsakstyp", name="orsakstyp")
    assert _by(found, ["kon", "insatstyp", "orsakstyp"]) == _by(found_rows, ["kon", "insatstyp", "orsakstyp"])
    assert found.data["orsakstyp"].isna().any() == found_rows.data["orsakstyp"].isna().any()
    assert found.data["orsakstyp"].dtype == found_rows.data["orsakstyp"].dtype


def test_first_per_id_counts_persons_as_on_rows(data_dir, first_way):
    p_rows, p = _both("eb_planering", data_dir)
    p, p_rows = (x.with_data(x.data.assign(ar=x.data["datum"].dt.year)) for x in (p, p_rows))
    for by in ([], ["ar"]):
        once = first_per_id(p, "person_id", by=by, order="datum")
        once_rows = first_per_id(p_rows, "person_id", by=by, order="datum")
        assert _by(once, ["kon", "hushallstyp", *by]) == _by(once_rows, ["kon", "hushallstyp", *by])
        if not by:
            assert once.n_rows() == p_rows.data["person_id"].nunique()
        assert once.n_rows() < p.n_rows() if data_dir != SYNTHETIC else once.n_rows() <= p.n_rows()


def test_first_per_id_without_follow_counts_the_same_and_writes_no_table(data_dir, first_way):
    """``follow=False`` (counting only) gives the cells and counts of the default, which keeps
    the persons' rows in the engine; it writes no engine table and cannot be followed."""
    _, p = _both("eb_planering", data_dir)
    p = p.with_data(p.data.assign(ar=p.data["datum"].dt.year))
    con = p.rows.con
    tables = lambda: {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}  # noqa: E731
    for by, order in (([], None), (["ar"], "datum"), ([], "datum")):
        kept = first_per_id(p, "person_id", by=by, order=order)
        before = tables()
        counted = first_per_id(p, "person_id", by=by, order=order, follow=False)
        assert tables() == before and counted.rows is None and kept.rows is not None
        pd.testing.assert_frame_equal(counted.data, kept.data)


def test_first_per_id_by_the_key_counts_the_kept_rows_as_grouping_them_does(data_dir):
    """By the table's key, whose missing and repeated values the load leaves out (the bad copy
    has one of each), every kept row is its own first: the rows are counted per cell without
    grouping them by id, with the cells and counts of the grouping and of the rows."""
    k_rows, k = _both("eb_klienter", data_dir)
    assert k.unique == ("person_id",) and k_rows.unique == ()
    grouped = dataclasses.replace(k, unique=())
    for by, follow in (([], True), ([], False), (["hushallstyp"], True)):
        direct = first_per_id(k, "person_id", by=by, follow=follow)
        pd.testing.assert_frame_equal(direct.data, first_per_id(grouped, "person_id", by=by,
                                                                follow=follow).data)
        on_rows = first_per_id(k_rows, "person_id", by=by)
        assert _by(direct, ["kon", "hushallstyp"]) == _by(on_rows, ["kon", "hushallstyp"])
        assert direct.unique == (("person_id",) if follow else ())
    if data_dir != SYNTHETIC:  # the repeated and the missing id are left out, not counted
        assert k.n_rows() == k_rows.n_rows() < len(pd.read_csv(data_dir / "eb_klienter.csv"))


def test_splits_by_the_other_tables_key_need_no_grouping_of_its_ids(data_dir):
    """When the other table keeps one row per id (its key), look_up, count_in and flags_by read
    its rows as they are instead of grouping them per id: the same cells, in the same order,
    with every row in the same cell, as the grouping gives."""
    u_rows, u = _both("bof_utredningar", data_dir)
    i_rows, i = _both("bof_insatser", data_dir)
    assert u.unique == ("utredning_id",)
    grouped = dataclasses.replace(u, unique=())
    for split in (
            lambda x, o: look_up(x, "utredning_id", o, "utredning_id", "orsakstyp", name="orsak"),
            lambda x, o: count_in(x, "utredning_id", o, "utredning_id", name="antal"),
            lambda x, o: flags_by(x, "utredning_id", o, "utredning_id", "orsakstyp",
                                  ["miljo", "beteende", "okand"])):
        direct, by_group = split(i, u), split(i, grouped)
        names = [c for c in direct.data.columns if c not in i.data.columns]
        (cells, per_row), (cells_g, per_row_g) = (_cells_and_rows(x, names) for x in (direct, by_group))
        pd.testing.assert_frame_equal(cells, cells_g)
        pd.testing.assert_frame_equal(per_row, per_row_g)
        # and what the same rule gives on rows (the repeated and the blank id left out)
        assert _by(direct, ["kon", "insatstyp", *names]) == _by(split(i_rows, u_rows), ["kon", "insatstyp", *names])
    if data_dir != SYNTHETIC:
        assert u.n_rows() == u_rows.n_rows() == len(pd.read_csv(data_dir / "bof_utredningar.csv")) - 3


def test_a_split_that_would_give_a_row_twice_stops(data_dir):
    """A table wrongly taken to keep one row per id (here bof_insatser by utredning_id, which
    repeats) would join a row to several: the split counts its rows and stops instead of
    giving a row twice."""
    _, u = _both("bof_utredningar", data_dir)
    _, i = _both("bof_insatser", data_dir)
    wrong = dataclasses.replace(i, unique=("utredning_id",))
    with pytest.raises(RuntimeError, match="number of rows"):
        look_up(u, "utredning_id", wrong, "utredning_id", "insatstyp", name="typ")


def test_a_check_without_the_search_for_repeats_leaves_the_key_not_unique(data_dir):
    from jamtools.data.load import check_source, table_sources

    source = table_sources(None, data_dir=data_dir)["eb_klienter"]
    kw = dict(columns={"kon", "person_id"}, cells=True, linked=True)
    assert check_source("eb_klienter", source, **kw).key_unique
    assert not check_source("eb_klienter", source, duplicates=False, **kw).key_unique


def test_operations_leave_the_original_unchanged(data_dir):
    _, k = _both("eb_klienter", data_dir)
    _, p = _both("eb_planering", data_dir)
    before = (k.data.copy(), k.rows, k.n_rows())
    flagged = flag_in(k, "person_id", p, "person_id", name="planering")
    assert flagged.rows is not k.rows and flagged.n_rows() == k.n_rows()
    pd.testing.assert_frame_equal(k.data, before[0])
    again = flag_in(k, "person_id", p, "person_id", name="planering")  # k's rows still there
    assert _by(again, ["kon", "planering"]) == _by(flagged, ["kon", "planering"])


def test_rows_by_id_as_on_rows(data_dir):
    need = dict(columns=["kon", "hushall_id"], optional=["aktivitetskrav"])
    rows = load_table("eb_planering", data_dir=data_dir, **need)
    linked = load_table("eb_planering", data_dir=data_dir, cells=True, linked=True, **need)
    for size in (None, 2):
        a = rows_by_id(linked, "hushall_id", ["kon", "aktivitetskrav"], group_size=size)
        b = rows_by_id(rows, "hushall_id", ["kon", "aktivitetskrav"], group_size=size)
        key = ["hushall_id", "kon", "aktivitetskrav"]
        pd.testing.assert_frame_equal(a.sort_values(key, kind="stable").reset_index(drop=True),
                                      b.sort_values(key, kind="stable").reset_index(drop=True))
        assert "hushall_id" not in linked.data and a["hushall_id"].dtype == "int64"
    assert a.groupby("hushall_id").size().eq(2).all() and len(a) < rows.n_rows()


# --- what an independent review found (each failed before its fix) ------------------------------

def test_flags_by_compares_categories_as_text_on_both_paths():
    """A yes/no or a date as category: the engine and pandas write it the same way."""
    need = dict(columns=["kon", "person_id"], optional=["ohalsa", "datum"])
    k_rows = load_table("eb_klienter", data_dir=SYNTHETIC, columns=["kon", "person_id"])
    k = load_table("eb_klienter", data_dir=SYNTHETIC, columns=["kon", "person_id"], cells=True, linked=True)
    p_rows = load_table("eb_planering", data_dir=SYNTHETIC, **need)
    p = load_table("eb_planering", data_dir=SYNTHETIC, cells=True, linked=True, **need)
    for category, value in (("ohalsa", True), ("datum", "2023-06-26")):
        a = flags_by(k_rows, "person_id", p_rows, "person_id", category, [value], names=["f"])
        b = flags_by(k, "person_id", p, "person_id", category, [value], names=["f"])
        assert a.data["f"].sum() == (b.data["f"] * b.data[CELL_COUNT]).sum() > 0, category


def test_flags_by_with_more_categories_than_bits():
    k = load_table("eb_klienter", data_dir=SYNTHETIC, columns=["kon", "person_id"], cells=True, linked=True)
    i_rows, i = _both("eb_insatser", SYNTHETIC)
    p_rows, p = _both("eb_planering", SYNTHETIC)
    types = ["sfi", *(f"typ{n}" for n in range(70))]
    a = flags_by(p_rows, "planering_id", i_rows, "planering_id", "insatstyp", types)
    b = flags_by(p, "planering_id", i, "planering_id", "insatstyp", types)
    assert _by(a, ["kon", "sfi"]) == _by(b, ["kon", "sfi"]) and k.rows is not None


def _pnr_copy(tmp_path):
    import shutil

    from tests.data.test_personnummer import FIXTURE

    shutil.copytree(FIXTURE, tmp_path / "pnr")
    with open(tmp_path / "pnr" / "eb_planering.csv", "a", encoding="utf-8") as f:
        f.write("PL4,198505051014,2024-03-01,ensamstaende_med_barn,0,1,0\n")  # no such applicant
        f.write("PL5,12345,2024-03-02,ensamstaende_med_barn,0,1,0\n")          # a bad personnummer
    from jamtools.run.config import load_config

    return load_config(tmp_path / "pnr" / "jamtools.yml")


def test_a_split_for_dangling_references_keeps_the_check_whole(tmp_path):
    """The check's cells and masks follow the split together (hl_01 reads both)."""
    from jamtools.chapters import audit

    cfg = _pnr_copy(tmp_path)
    rows = audit.audit_one("eb_planering", config=cfg, linked=False)
    linked = audit.audit_one("eb_planering", config=cfg, linked=True)
    assert (linked.completeness, linked.persons) == (rows.completeness, rows.persons)
    loaded = load_table("eb_planering", config=cfg, columns=("kon",), optional=("person_id",),
                        cells=True, linked=True)
    assert all(m.index.equals(loaded.checked.data.index) for m in loaded.checked.masks.values())
    assert loaded.excluded_by_reason()["Hänvisar till eb_klienter som saknas"] == 1


def test_the_ids_other_tables_refer_to_follow_the_pseudonym_key(tmp_path, monkeypatch):
    cfg = _pnr_copy(tmp_path)
    need = dict(config=cfg, columns=["kon", "person_id"], cells=True, linked=True)
    for key in ("nyckel-A", "nyckel-B"):
        monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", key)
        load_table("eb_klienter", **need)
        planned = load_table("eb_planering", **need)
        assert planned.excluded_by_reason()["Hänvisar till eb_klienter som saknas"] == 1, key


def test_a_load_that_stops_leaves_no_ids_in_the_engine(tmp_path):
    import gc

    from jamtools.data import load_table_if_present
    from jamtools.data.engine import shared

    rows = pd.read_csv(SYNTHETIC / "eb_planering.csv", dtype=str, keep_default_na=False)
    rows.drop(columns=["ohalsa"]).to_csv(tmp_path / "eb_planering.csv", index=False)

    def tables():
        return {t for (t,) in shared().sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}

    gc.collect()
    before = tables()
    for _ in range(3):
        assert load_table_if_present("eb_planering", data_dir=tmp_path, columns=["kon", "ohalsa", "hushall_id"],
                                     cells=True, linked=True) is None
    gc.collect()
    assert tables() <= before


@pytest.fixture(params=["one key", "rank and row", "sort", "one key, passes", "rank and row, passes",
                        "sort, passes"])
def first_way(request, monkeypatch):
    """Each of first_per_id's ways with a ``by`` or an ``order``: one key of rank, row and cell;
    a key of rank and row beside the cell; a sort when the ranks are too many to pack; each
    also (counting only, with a ``by``) in one pass per ``by`` value, as for many rows."""
    import jamtools.data.links as links

    if request.param.endswith(", passes"):
        monkeypatch.setattr(links, "_FIRST_PASS_ROWS", 1)
    if not request.param.startswith("one key"):
        monkeypatch.setattr(links, "_KEY_BITS", 0)
    if request.param.startswith("sort"):  # every rank counts as too many
        monkeypatch.setattr(links, "_ROW_BITS", 62)
    return request.param


def test_first_per_id_keeps_the_kept_rows_own_other_ids(tmp_path, first_way):
    """The row first_per_id keeps carries its own other ids, a missing one too (DuckDB's
    ``arg_min`` would skip a NULL and take the next row's): a person's earliest planning has no
    household, the later one has. Following the household afterwards gives what the rows give,
    in each of first_per_id's ways."""
    pd.DataFrame({"planering_id": ["PL1", "PL2", "PL3"], "person_id": ["E1", "E1", "E2"],
                  "hushall_id": [None, "H1", "H2"], "kon": ["man", "man", "kvinna"],
                  "datum": ["2023-01-01", "2023-02-01", "2023-01-01"]}).to_csv(tmp_path / "eb_planering.csv", index=False)
    kw = dict(data_dir=tmp_path, columns=["kon", "person_id"], optional=["planering_id", "hushall_id", "datum"])
    rows = load_table("eb_planering", **kw)
    linked = load_table("eb_planering", cells=True, linked=True, **kw)
    found = {}
    for name, loaded in (("rows", rows), ("linked", linked)):
        once = first_per_id(loaded, "person_id", order="datum")
        flagged = flag_in(once, "hushall_id", rows, "hushall_id", name="f").data
        weight = flagged[once.weight] if once.weight else pd.Series(1, index=flagged.index)
        found[name] = (len(rows_by_id(once, "hushall_id", ["kon"])),
                       weight.groupby([flagged["kon"], flagged["f"]]).sum().to_dict())
    assert found["linked"] == found["rows"] == (1, {("kvinna", 1): 1, ("man", 0): 1})


# --- the packed split (each value in a few bits of the cell's number) ---------------------------

def _cells_and_rows(result, names):
    """The cells in their order (values and counts) and, per source row, its cell's values."""
    cols = [c for c in result.data.columns if not c.startswith("__")]
    cells = result.data[cols].reset_index(drop=True)
    rows = result.rows
    got = rows.con.sql(f'SELECT __row, __cell FROM "{rows.name}" ORDER BY __row').df()
    per_row = result.data.loc[got["__cell"].to_numpy(), names].reset_index(drop=True)
    return cells, per_row.assign(row=got["__row"].to_numpy())


@pytest.mark.parametrize("how", ["flag", "count", "look_up", "flags_by"])
def test_the_packed_split_gives_the_cells_of_the_grouped_one(how, data_dir, monkeypatch):
    """Each split packs its values into the cell's number (one pass); the grouped way (rows
    grouped by cell and values, then numbered) is what it replaced and what it falls back to.
    Both give the same cells, in the same order, and every row the same values."""
    import jamtools.data.links as links

    u_rows, u = _both("bof_utredningar", data_dir)
    i_rows, i = _both("bof_insatser", data_dir)
    p_rows, p = _both("eb_planering", data_dir)
    e_rows, e = _both("eb_insatser", data_dir)

    def split():
        if how == "flag":
            return flag_in(u, "utredning_id", i, "utredning_id", name="insats"), ["insats"]
        if how == "count":
            return count_in(p, "planering_id", e, "planering_id", name="antal"), ["antal"]
        if how == "look_up":
            return look_up(i, "utredning_id", u, "utredning_id", "orsakstyp", name="orsakstyp"), ["orsakstyp"]
        types = ["sfi", "praktik", "studier"]
        return flags_by(p, "planering_id", e, "planering_id", "insatstyp", types), types

    packed, names = split()
    assert not isinstance(packed.data.index, pd.RangeIndex)  # numbered by cell and values
    monkeypatch.setattr(links, "_PACK_BITS", 0)
    grouped, _ = split()
    assert isinstance(grouped.data.index, pd.RangeIndex)
    a, a_rows = _cells_and_rows(packed, names)
    b, b_rows = _cells_and_rows(grouped, names)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a_rows, b_rows)


@pytest.mark.parametrize("packed", [True, False], ids=["packed", "grouped"])
@pytest.mark.parametrize("how", ["flag", "count", "look_up", "flags_by"])
def test_a_split_not_followed_counts_the_same_cells_and_writes_no_table(how, packed, data_dir, monkeypatch):
    """``follow=False`` (the last step of a chain: only the cells are wanted) gives the cells,
    values and counts of the default, in the same order, and writes no engine table: the
    result is a plain cell table. Both ways of splitting, packed and grouped."""
    import jamtools.data.links as links

    _, u = _both("bof_utredningar", data_dir)
    _, i = _both("bof_insatser", data_dir)
    _, p = _both("eb_planering", data_dir)
    _, e = _both("eb_insatser", data_dir)
    if not packed:
        monkeypatch.setattr(links, "_PACK_BITS", 0)

    def split(follow):
        if how == "flag":
            return flag_in(u, "utredning_id", i, "utredning_id", name="insats", follow=follow)
        if how == "count":
            return count_in(p, "planering_id", e, "planering_id", name="antal", follow=follow)
        if how == "look_up":
            return look_up(i, "utredning_id", u, "utredning_id", "orsakstyp", name="orsakstyp", follow=follow)
        return flags_by(p, "planering_id", e, "planering_id", "insatstyp", ["sfi", "praktik", "studier"],
                        follow=follow)

    con = u.rows.con
    tables = lambda: {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}  # noqa: E731
    kept = split(True)
    before = tables()
    counted = split(False)
    assert tables() == before and counted.rows is None and kept.rows is not None
    assert counted.unique == () and not has_ids(counted, "utredning_id" if how in ("flag", "look_up") else "planering_id")
    pd.testing.assert_frame_equal(counted.data, kept.data)
    assert counted.log == kept.log


def test_look_up_orders_and_keeps_values_of_every_kind(tmp_path):
    """look_up numbers the other table's values in their sorted order: text with Swedish
    letters and capitals, numbers, a missing value: each comes back as it was, and within a
    cell the parts are in the order the engine sorts the values (missing first)."""
    import shutil

    for name in ("bof_utredningar", "bof_insatser"):
        shutil.copy(SYNTHETIC / f"{name}.csv", tmp_path / f"{name}.csv")
    u = pd.read_csv(tmp_path / "bof_utredningar.csv", dtype=str, keep_default_na=False)
    kinds = ["Norr", "Öland", "ärende", "Z", "a", "", "Åby", "b", "Ö", ""]  # 8 values: 2**3
    u["enhet"] = [kinds[k % len(kinds)] for k in range(len(u))]
    u.loc[::5, ["alder", "startdatum", "insats_beviljad"]] = ""
    u.to_csv(tmp_path / "bof_utredningar.csv", index=False)
    need = dict(columns=["kon", "utredning_id"], optional=["enhet", "alder", "startdatum", "insats_beviljad"])
    u_rows = load_table("bof_utredningar", data_dir=tmp_path, **need)
    u_eng = load_table("bof_utredningar", data_dir=tmp_path, cells=True, linked=True, **need)
    i_rows, i = (load_table("bof_insatser", data_dir=tmp_path, cells=c, linked=c, **NEEDS["bof_insatser"])
                 for c in (False, True))
    for value in ("enhet", "alder", "startdatum", "insats_beviljad"):
        found = look_up(i, "utredning_id", u_eng, "utredning_id", value, name="x")
        found_rows = look_up(i_rows, "utredning_id", u_rows, "utredning_id", value, name="x")
        assert _by(found, ["kon", "insatstyp", "x"]) == _by(found_rows, ["kon", "insatstyp", "x"])
        assert found.data["x"].dtype == found_rows.data["x"].dtype == u_rows.data[value].dtype
        assert found.data["x"].isna().any()
        if value == "enhet":
            assert set(found.data["x"].dropna()) == {"Norr", "Öland", "ärende", "Z", "a", "Åby", "b", "Ö"}
        for _, part in found.data.groupby(["kon", "insatstyp"], sort=False, observed=True, dropna=False):
            values = part["x"].tolist()
            shown = [v for v in values if not pd.isna(v)]
            assert all(pd.isna(v) for v in values[:len(values) - len(shown)])
            key = (lambda v: v.encode("utf-8")) if value == "enhet" else None
            assert shown == sorted(shown, key=key) and len(set(shown)) == len(shown)


def test_a_count_over_its_bits_is_grouped_not_put_in_another_cell(monkeypatch):
    """count_in packs a count in as many bits as the other table's rows need. Were that bound
    ever too small, the engine stops the packed query and the rows are grouped instead: the
    same cells as with the right bound, never a count in a neighbouring cell."""
    import jamtools.data.links as links

    p_rows, p = _both("eb_planering", SYNTHETIC)
    e_rows, e = _both("eb_insatser", SYNTHETIC)
    right = count_in(p, "planering_id", e, "planering_id", name="antal")
    assert right.data["antal"].max() >= 2 and not isinstance(right.data.index, pd.RangeIndex)
    monkeypatch.setattr(links, "_most_rows", lambda other: 1)  # one bit: counts of 2 and more overflow
    small = count_in(p, "planering_id", e, "planering_id", name="antal")
    assert isinstance(small.data.index, pd.RangeIndex)  # grouped
    a, a_rows = _cells_and_rows(right, ["antal"])
    b, b_rows = _cells_and_rows(small, ["antal"])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a_rows, b_rows)


def test_the_cells_an_engine_table_counts_are_its_rows_cells(data_dir):
    """``EngineRows.cells`` (the cells the rows of an engine table fall in; a result that keeps
    them all needs no join of its cells) are the distinct cells in the table: after a load and
    after every operation that writes a table."""
    from jamtools.data import links

    _, k = _both("eb_klienter", data_dir)
    _, p = _both("eb_planering", data_dir)
    _, i = _both("eb_insatser", data_dir)
    _, u = _both("bof_utredningar", data_dir)
    _, b = _both("bof_insatser", data_dir)
    made = {"load": k, "flag_in": flag_in(k, "person_id", p, "person_id", name="f"),
            "count_in": count_in(p, "planering_id", i, "planering_id", name="n"),
            "flags_by": flags_by(p, "planering_id", i, "planering_id", "insatstyp", ["sfi", "praktik"]),
            "look_up": look_up(b, "utredning_id", u, "utredning_id", "orsakstyp", name="orsakstyp"),
            "first_per_id": first_per_id(p, "person_id")}
    for how, result in made.items():
        cells = {c for (c,) in result.rows.con.sql(f'SELECT DISTINCT __cell FROM "{result.rows.name}"').fetchall()}
        assert set(result.rows.cells) == cells and len(result.rows.cells) == len(cells), how
        assert set(result.data.index) <= cells, how
        # a result that keeps as many cells keeps them all (a load leaves out bad rows' cells)
        assert links._all_cells(result) == (set(result.data.index) == cells), how
    assert links._all_cells(made["flag_in"]) and links._all_cells(made["first_per_id"])
    # as many cells, but not the same ones: not all kept
    whole = made["flag_in"]
    moved = dataclasses.replace(whole, data=whole.data.set_axis(whole.data.index + 10**9))
    assert not links._all_cells(moved)


def test_a_check_of_references_counts_the_same_without_the_join_of_all_cells(data_dir, monkeypatch):
    """With every cell kept, :func:`missing_count` and the splits read the engine table without
    a join of its cells; the counts are those of the join."""
    from jamtools.data import links

    _, k = _both("eb_klienter", data_dir)
    _, p = _both("eb_planering", data_dir)
    women = k.exclude(k.data["kon"] != "kvinna", "inte kvinna")
    split = flag_in(p, "planering_id", p, "planering_id", name="egen")  # keeps all its cells
    cases = [(p, k), (p, women), (women, p), (split, k), (k, split)]
    fast = [links.missing_count(a, "person_id", b, "person_id") for a, b in cases]
    flagged = [_by(flag_in(a, "person_id", b, "person_id", name="f"), ["kon", "f"]) for a, b in cases]
    assert links._all_cells(split) and not links._all_cells(women)
    assert links._all_cells(p) == (data_dir == SYNTHETIC)  # the bad copy's load leaves out cells
    monkeypatch.setattr(links, "_all_cells", lambda loaded: False)
    assert fast == [links.missing_count(a, "person_id", b, "person_id") for a, b in cases]
    assert flagged == [_by(flag_in(a, "person_id", b, "person_id", name="f"), ["kon", "f"]) for a, b in cases]
    if data_dir != SYNTHETIC:
        assert fast[0] > 0  # the bad copy's planning of a person who never applied


@pytest.mark.parametrize("follow", [True, False])
def test_first_per_id_without_the_join_of_all_cells_keeps_the_same_rows(data_dir, monkeypatch, follow):
    """With every cell kept and no ``by`` or ``order``, :func:`first_per_id` reads the engine
    table alone (each row's key packs its row number and cell): the same first rows in the same
    cells as with the join of the cells, and, followed, the same rows for a later link."""
    from jamtools.data import links

    _, k = _both("eb_klienter", data_dir)
    _, p = _both("eb_planering", data_dir)
    _, i = _both("eb_insatser", data_dir)
    whole = flag_in(p, "planering_id", i, "planering_id", name="insats")  # keeps all its cells
    assert links._all_cells(whole)
    offers = flag_in(i, "planering_id", p, "planering_id", name="planerad")
    assert links._all_cells(offers)
    # (the rows, their id, the table a followed result is linked to next)
    cases = {"planering": (whole, "person_id", k), "insatser": (offers, "planering_id", p)}

    def persons():
        out = {}
        for what, (loaded, column, then) in cases.items():
            first = first_per_id(loaded, column, follow=follow)
            out[what] = _by(first, [c for c in ("kon", "insats", "planerad") if c in first.data])
            if follow:  # the kept rows followed on to the next table
                out[what + ", följda"] = _by(flag_in(first, column, then, column, name="vidare"), ["kon", "vidare"])
        return out

    plain = persons()
    monkeypatch.setattr(links, "_all_cells", lambda loaded: False)
    assert plain == persons()
    assert sum(plain["planering"].values()) < int(whole.data[whole.weight].sum()) or data_dir == SYNTHETIC


@pytest.mark.parametrize("combo_hash", ["hash", "constant", "first_column"])
def test_rows_find_their_combination_whatever_its_hash(tmp_path, monkeypatch, combo_hash):
    """A linked load groups the rows by the values read and a hash of them, and each row finds
    its combination (its cell and its ids) again by the hash alone when no two combinations
    share one, else by its values too. With a hash under which every combination collides (a
    constant) or many do (the first column's): every source row is in the engine's rows once,
    the cells and the account are those of a load of rows, and links follow the same rows."""
    from jamtools.data import check
    from jamtools.data.engine import ident

    if combo_hash == "constant":
        monkeypatch.setattr(check, "_combo_hash", lambda columns: "1::UBIGINT")
    elif combo_hash == "first_column":
        monkeypatch.setattr(check, "_combo_hash", lambda columns: f"hash({columns[0]})")
    data_dir = _bad_copy(tmp_path)
    for name in NEEDS:
        test_a_linked_load_keeps_the_rows_and_account_of_a_load_of_rows(name, data_dir)
        _, linked = _both(name, data_dir)
        _each_row_once_in_its_cell(linked)
    test_flag_count_and_keep_as_on_rows(data_dir)


def test_rows_find_their_combination_with_signed_zeros_and_nan(tmp_path):
    """Values the engine groups as one but may hash apart (0.0 and -0.0; NaN): each row is
    still in its cell once, as a load of rows counts them."""
    import numpy as np

    frame = pd.DataFrame({
        "beslut_id": [f"B{i}" for i in range(8)],
        "person_id": ["P1", "P2", "P3", "P4", "P5", "P6", None, "P8"],
        "kon": ["kvinna", "kvinna", "man", "man", "kvinna", "man", "man", "kvinna"],
        "beviljade_timmar": [0.0, -0.0, np.nan, -0.0, 0.0, np.nan, 1.5, float("nan")],
    })
    frame.to_parquet(tmp_path / "ht_beslut.parquet", index=False)
    assert np.signbit(pd.read_parquet(tmp_path / "ht_beslut.parquet")["beviljade_timmar"]).sum() == 2
    need = dict(columns=["kon", "beviljade_timmar"], optional=["person_id"])
    rows = load_table("ht_beslut", data_dir=tmp_path, **need)
    linked = load_table("ht_beslut", data_dir=tmp_path, cells=True, linked=True, **need)
    assert _by(linked, ["kon", "beviljade_timmar"]) == _by(rows, ["kon", "beviljade_timmar"])
    _each_row_once_in_its_cell(linked)
    assert int(linked.data[CELL_COUNT].sum()) == len(rows.data) == 5  # NaN: no value


def _each_row_once_in_its_cell(linked):
    """The engine's rows of a linked load: every source row once, and as many in each cell as
    the cell counts."""
    from jamtools.data.engine import ident

    name = ident(linked.rows.name)
    n, distinct = linked.rows.con.sql(f"SELECT count(*), count(DISTINCT __row) FROM {name}").fetchall()[0]
    assert n == distinct
    per_cell = dict(linked.rows.con.sql(f"SELECT __cell, count(*) FROM {name} GROUP BY __cell").fetchall())
    assert {int(i): int(w) for i, w in linked.data[CELL_COUNT].items()} == {
        int(i): per_cell.get(int(i), 0) for i in linked.data.index}


@pytest.mark.parametrize("coarse", [False, True])
def test_repeated_keys_are_found_exactly_whatever_their_hashes(tmp_path, monkeypatch, coarse):
    """A linked load finds repeated keys by their hashes first, then by value among the rows
    whose hash repeats: with a hash under which ids of the same length collide (``length``),
    the same rows are flagged as by a load of rows, and no id is taken for another."""
    from jamtools.data import check

    if coarse:
        monkeypatch.setattr(check, "_KEY_HASH", "length")
    data_dir = _bad_copy(tmp_path)
    for name in ("eb_planering", "bof_utredningar"):
        rows, linked = _both(name, data_dir)
        found = {p.kind: p for p in linked.checked.problems}
        assert "duplicate_id" in found, name  # the bad rows repeat a key of each table
        assert [p.as_dict() for p in linked.checked.problems] == [p.as_dict() for p in rows.checked.problems]
        assert _by(linked, ["kon"]) == _by(rows, ["kon"])
