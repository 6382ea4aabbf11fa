"""r4_01 and hl_01 count persons, not rows, and read their tables as linked cell tables.

r4_01 (:mod:`jamtools.chapters.representation`) counts each person once per year (the first
row by date decides the age group) and hl_01 (:mod:`jamtools.chapters.audit`) counts the
persons of each table by sex. Both read their client tables with ``linked=True``: the person
ids stay in the engine, pandas holds combinations of values with their numbers of rows, and
the persons are counted by :func:`jamtools.data.links.first_per_id` in the engine. The same
chapters on rows (the person ids in pandas) must give the same page and the same audit, number
for number: on the demo data, with every client table chosen by the parameter ``tabell``, on an
export without person ids (every row a person), with bad rows (missing and repeated person
ids, unknown sex, an unreadable or missing date) and with personnummer instead of ids (the
pseudonym as person id).
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from jamtools.chapters import audit, representation
from jamtools.data.check import CELL_COUNT, GIVEN
from jamtools.run import catalogue
from jamtools.run.notebook import setup

from tests.conftest import SYNTHETIC
from tests.test_eb_cells import assert_same_page

FIXTURES = Path(__file__).parent / "data" / "fixtures"

R4, HL = "r4_01_representation", "hl_01_konsuppdelad_statistik"
PART_TABLES = representation.PART_TABLES
DATES = {"ht_beslut": "beslutsdatum", "eb_klienter": "ansokningsdatum", "bof_aktualiseringar": "datum"}


# --- the two ways ------------------------------------------------------------------------------

def _ctx(question_id: str, params: dict):
    ns = {"data_dir": str(SYNTHETIC), "results_path": None, "config_file": None}
    if question_id == R4:
        ns.update(tabell=None, aldersgranser=None, alder_max=None)
    ns.update(params)
    return setup(question_id, ns)


def _r4_page(monkeypatch, linked: bool, params: dict):
    """r4_01's page with the client tables linked or as rows, and what each client load returned:
    (table, weight, rows in the engine, person_id in pandas, source rows)."""
    chapter = catalogue.CHAPTERS[R4]
    needs = tuple(n if n.table == "befolkning" else dataclasses.replace(n, cells=linked, linked=linked)
                  for n in chapter.needs)
    monkeypatch.setitem(catalogue.CHAPTERS, R4, dataclasses.replace(chapter, needs=needs))
    seen = []
    load, load_other = catalogue.load, representation.load_table

    def record(table, loaded):
        if loaded is not None and table != "befolkning":
            seen.append((table, loaded.weight, loaded.rows is not None,
                         "person_id" in loaded.data.columns, loaded.n_rows()))
        return loaded

    def spy_load(chapter_id, table, params, **filters):
        return record(table, load(chapter_id, table, params, **filters))

    def spy_other(name, **kw):
        assert kw["cells"] and kw["linked"]  # what the chapter asks for
        return record(name, load_other(name, **{**kw, "cells": linked, "linked": linked}))

    monkeypatch.setattr(catalogue, "load", spy_load)
    monkeypatch.setattr(representation, "load_table", spy_other)
    try:
        page = representation.who_comes(_ctx(R4, params))
    finally:
        monkeypatch.setattr(catalogue, "load", load)
        monkeypatch.setattr(representation, "load_table", load_other)
    return page, seen


def _hl_page(monkeypatch, linked: bool, params: dict):
    """hl_01's page with the tables linked or as rows, and its audits."""
    monkeypatch.setattr(audit, "LINKED", linked)
    got = []
    audit_tables = audit.audit_tables

    def spy(**kw):
        got.extend(audit_tables(**kw))
        return got

    monkeypatch.setattr(audit, "audit_tables", spy)
    try:
        return audit.sex_split_statistics(_ctx(HL, params)), got
    finally:
        monkeypatch.setattr(audit, "audit_tables", audit_tables)


def _same_page(a, b) -> None:
    assert_same_page(a, b)


# --- the data ----------------------------------------------------------------------------------

def _copy_demo(tmp_path, edit=None) -> dict:
    """The demo folder, each client table passed through ``edit(name, rows)`` when given."""
    out = tmp_path / "data"
    out.mkdir()
    for path in SYNTHETIC.glob("*.csv"):
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        if edit is not None:
            rows = edit(path.stem, rows)
        rows.to_csv(out / path.name, index=False)
    return {"data_dir": str(out)}


def _no_person_id(name, rows):
    """Client tables without a person id: every row counts as a person."""
    return rows.drop(columns=["person_id"]) if name in PART_TABLES else rows


def _bad(name, rows):
    """Bad rows that touch the persons: a missing id, an id repeated the same year with an
    earlier date and another age (the earlier row decides the age group), an id repeated on
    the same date (source order decides), unknown and missing sex, an unreadable date and a
    missing date."""
    if name not in PART_TABLES:
        return rows
    rows = rows.copy()
    date = DATES[name]
    rows.loc[3, "person_id"] = ""
    rows.loc[5, "person_id"] = rows.loc[4, "person_id"]
    rows.loc[5, date] = rows.loc[4, date][:4] + "-01-01"
    age = int(rows.loc[4, "alder"])
    rows.loc[5, "alder"] = str(age + 12) if name != "bof_aktualiseringar" else ("0" if age >= 7 else "16")
    rows.loc[6, "person_id"] = rows.loc[4, "person_id"]
    rows.loc[6, date] = rows.loc[4, date]
    if "ar" in rows:
        rows.loc[[5, 6], "ar"] = rows.loc[4, "ar"]
    rows.loc[7, "kon"] = "x"
    rows.loc[8, "kon"] = ""
    rows.loc[9, date] = "2023-13-45"
    rows.loc[10, date] = ""
    return rows


def _personnummer(tmp_path, population: bool = False) -> dict:
    """The personnummer fixture (sex, age and the pseudonymous person id from the
    personnummer); with ``population`` the demo population beside it."""
    shutil.copytree(FIXTURES / "personnummer", tmp_path / "pnr")
    if population:
        shutil.copy(SYNTHETIC / "befolkning.csv", tmp_path / "pnr" / "befolkning.csv")
    return {"config_file": str(tmp_path / "pnr" / "jamtools.yml"), "data_dir": None}


def _without_population(params: dict) -> dict:
    """The run without the population table: only the sex distribution, counted per year."""
    (Path(params["data_dir"]) / "befolkning.csv").unlink()
    return params


PNR_TABLES = ["eb_klienter", "bof_aktualiseringar", "eb_planering"]

R4_CASES = {
    "demo": lambda tmp_path: {},
    **{f"tabell_{t}": (lambda t: lambda tmp_path: {"tabell": t})(t)
       for t in representation.CLIENT_TABLES},
    "filter": lambda tmp_path: {"period_start": "2023-01-01", "period_end": "2024-06-30"},
    "utan_person_id": lambda tmp_path: _copy_demo(tmp_path, _no_person_id),
    "felaktiga_rader": lambda tmp_path: _copy_demo(tmp_path, _bad),
    # a blank date without a population table: left out of the yearly count, not a crash
    "felaktiga_rader_utan_befolkning": lambda tmp_path: _without_population(_copy_demo(tmp_path, _bad)),
    "personnummer": lambda tmp_path: {**_personnummer(tmp_path), "tabell": PNR_TABLES},
    "personnummer_befolkning": lambda tmp_path: {**_personnummer(tmp_path, population=True),
                                                 "tabell": PNR_TABLES},
}

HL_CASES = {
    "demo": lambda tmp_path: {},
    "filter": lambda tmp_path: {"period_start": "2023-01-01", "period_end": "2024-06-30"},
    "utan_person_id": lambda tmp_path: _copy_demo(tmp_path, _no_person_id),
    "felaktiga_rader": lambda tmp_path: _copy_demo(tmp_path, _bad),
    "personnummer": _personnummer,
}


# --- r4_01 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(R4_CASES))
def test_r4_01_rows_and_linked_cells_give_the_same_page(monkeypatch, tmp_path, case):
    params = R4_CASES[case](tmp_path)
    linked, seen_linked = _r4_page(monkeypatch, True, params)
    rows, seen_rows = _r4_page(monkeypatch, False, params)

    # the linked path is really taken: cells, the ids in the engine, the same source rows
    assert seen_linked and [s[0] for s in seen_linked] == [s[0] for s in seen_rows]
    for (table, w_l, engine, id_l, n_l), (_, w_r, engine_r, id_r, n_r) in zip(seen_linked, seen_rows):
        assert w_l == CELL_COUNT and not id_l, table
        assert w_r is None and not engine_r and n_l == n_r, table
        if case == "utan_person_id":
            assert id_r == engine == (table == "eb_klienter"), table  # its key: numbered rows
        else:
            assert engine and id_r, table
    _same_page(linked, rows)


@pytest.mark.parametrize("case", ["demo", "felaktiga_rader"])
def test_r4_01_linked_persons_are_the_first_row_of_each_person_and_year(tmp_path, case):
    """first_per_id in the engine keeps the earlier row of a person within a year (a missing
    date last, ties in source order), as sort_values + drop_duplicates on rows does: the same
    persons per year, age group and sex. On the bad rows, the repeated person is counted in the
    age group of the earlier row, and the rows the load leaves out are accounted for."""
    from jamtools.data import load_table
    from jamtools.data.links import first_per_id

    data_dir = SYNTHETIC if case == "demo" else Path(_copy_demo(tmp_path, _bad)["data_dir"])
    for t in PART_TABLES:
        date = DATES[t]
        kw = dict(data_dir=data_dir, columns=("kon",), optional=("alder", "person_id", date))
        linked = load_table(t, **kw, cells=True, linked=True)
        rows = load_table(t, **kw)
        assert linked.rows is not None and "person_id" not in linked.data and linked.weight == CELL_COUNT
        assert linked.excluded_by_reason() == rows.excluded_by_reason()
        s = representation.setup(t)
        # as prepare does: a row without a year (a missing date) is left out first
        linked, rows = ((lambda x: x.exclude(x.data["ar"].isna(), "Saknar år"))(representation.with_year(x))
                        for x in (linked, rows))
        a = representation.count_persons(linked, s, by_age=True, by_year=True)
        b = representation.count_persons(rows, s, by_age=True, by_year=True)
        keys = ["ar", "aldersgrupp", "kon"]
        got = a.groupby(keys, observed=True)[CELL_COUNT].sum()
        want = b.groupby(keys, observed=True).size()
        pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False)
        if case == "felaktiga_rader":
            reasons = linked.excluded_by_reason()
            if t == "eb_klienter":  # the person id is its key: a repeated key is left out
                continue
            assert len(b) < rows.n_rows(), t  # the repeated person counts once a year
            # (a blank sex and another code are the load's two reasons of unknown sex)
            from jamtools.data.load import UNKNOWN_SEX_STEPS
            assert sum(reasons[s] for s in UNKNOWN_SEX_STEPS) == 2, t
            assert any(r.startswith("Datum som inte kan läsas") for r in reasons), t
            raw = pd.read_csv(data_dir / f"{t}.csv", dtype=str, keep_default_na=False)
            person = raw.loc[4, "person_id"]
            first = first_per_id(rows, "person_id", by=["ar"], order=date).data
            mine = first[first["person_id"] == person]
            assert str(int(mine["alder"].iloc[0])) == raw.loc[5, "alder"], t


def test_r4_01_lets_each_tables_rows_go_before_it_reads_the_next(monkeypatch):
    """r4_01 reads, counts and lets go of one client table at a time: when it reads a table,
    the engine no longer holds the rows of the tables before it. Nor are ids kept for checks of
    references that no table of the chapter makes (eb_klienter's person ids, which eb_planering
    refers to, held 290 MB at ten million rows while the next table was counted)."""
    from jamtools.data.engine import shared
    from jamtools.data.load import _KNOWN_IDS

    con = shared()
    engine = lambda: {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}  # noqa: E731
    made, held = [], []
    load = representation.load_clients

    def load_clients(ctx, table, **kw):
        held.append({name for name in made if name in engine()})
        loaded = load(ctx, table, **kw)
        if loaded is not None and loaded.rows is not None:
            made.append(loaded.rows.name)
        return loaded

    monkeypatch.setattr(representation, "load_clients", load_clients)
    run = representation.analyse_all(_ctx(R4, {}))
    assert len(made) == len(run.parts) >= 2
    assert held == [set()] * len(held)
    assert all(part.clients.rows is None for part in run.parts)
    kept = {ids.owner.name for ids in _KNOWN_IDS.values() if ids is not None and ids.owner is not None}
    assert not kept & set(made) and not set(made) & engine()


# --- hl_01 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(HL_CASES))
def test_hl_01_rows_and_linked_cells_give_the_same_audit(monkeypatch, tmp_path, case):
    params = HL_CASES[case](tmp_path)
    linked, audits_linked = _hl_page(monkeypatch, True, params)
    rows, audits_rows = _hl_page(monkeypatch, False, params)

    assert [a.name for a in audits_linked] == [a.name for a in audits_rows]
    engine_seen = 0
    for a, b in zip(audits_linked, audits_rows):
        assert (a.status, a.source, a.rows_read, a.completeness, a.left_out, a.persons, a.unit,
                a.problem) == (b.status, b.source, b.rows_read, b.completeness, b.left_out,
                               b.persons, b.unit, b.problem), a.name
        if a.load is not None:  # the linked path is really taken
            assert a.load.weight == CELL_COUNT and b.load.weight is None, a.name
            assert "person_id" not in a.load.data.columns, a.name
            assert b.load.rows is None, a.name
            if "person_id" in b.load.data.columns:
                # the ids stayed in the engine (each cell says whether its rows have one); the
                # table of rows is let go once the persons are counted (links.without_rows)
                assert GIVEN + "person_id" in a.load.data.columns and a.load.rows is None, a.name
                engine_seen += 1
            assert len(a.load.data) <= len(b.load.data), a.name
    assert engine_seen > 0
    _same_page(linked, rows)


def test_hl_01_bad_rows_reach_the_audit(monkeypatch, tmp_path):
    """The bad rows are in the audit: missing sex and another code counted, the repeated id
    counted once (persons fewer than rows), the repeated key of eb_klienter left out."""
    params = _copy_demo(tmp_path, _bad)
    _, audits = _hl_page(monkeypatch, True, params)
    by_name = {a.name: a for a in audits}
    for t in PART_TABLES:
        a = by_name[t]
        assert a.completeness["saknas"] == 1 and a.completeness["annan_kod"] == 1, t
        assert a.unit == "personer" and sum(a.persons.values()) < a.rows_read, t
    assert by_name["eb_klienter"].left_out["Dubbletter av id (person_id)"] == 3  # its key
    assert by_name["eb_klienter"].left_out["Saknat id (person_id)"] == 1


def test_r4_01_without_population_leaves_out_rows_without_a_year(monkeypatch, tmp_path):
    page, _ = _r4_page(monkeypatch, True, R4_CASES["felaktiga_rader_utan_befolkning"](tmp_path))
    text = " ".join(str(i) for part in page.parts for i in page.parts[part])
    assert "Saknar år (datum)" in text
