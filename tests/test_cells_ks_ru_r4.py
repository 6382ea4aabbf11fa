"""Cell tables in ks_01, ru_01 and r4_01–r4_04: the same page from a cell table as from rows.

Each chapter here reads its tables as cell tables (the catalogue's ``cells=True``: one row per
combination of values with its number of rows) and counts units with ``loaded.weight``. A test
runs the chapter's composition twice on the demo data, once as the catalogue says and once with
every table read as rows, and checks that the cell path was really taken and that the two pages
are the same: short answer, counts, comparisons and every text, table and figure text.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jamtools.data.check import CELL_COUNT
from jamtools.present.plots import Plot
from jamtools.present.report import Table
from jamtools.run import catalogue
from jamtools.run.notebook import setup

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"


def _ctx(question_id: str, data_dir: Path = SYNTHETIC, **extra):
    """The chapter's run with its notebook's default parameters, on ``data_dir``."""
    nb = json.loads((ROOT / "notebooks" / f"{question_id}.ipynb").read_text(encoding="utf-8"))
    params = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    ns: dict = {}
    exec(params, ns)  # the notebook's own parameters cell
    ns.update(data_dir=str(data_dir), results_path=None, config_file=None, **extra)
    return setup(question_id, ns)


def _item(x):
    if isinstance(x, Table):
        return ("table", x.caption, x.note, [str(c) for c in x.frame.columns],
                x.frame.astype(str).values.tolist())
    if isinstance(x, Plot):
        return ("figure", x.alt, x.caption, x.name)
    if hasattr(x, "text"):  # a caption
        return ("caption", x.text)
    return x


def _assert_same_page(cells, rows) -> None:
    assert cells.short_answer == rows.short_answer
    assert cells.counts == rows.counts
    if rows.comparisons is None:
        assert cells.comparisons is None
    else:
        pd.testing.assert_frame_equal(cells.comparisons.reset_index(drop=True),
                                      rows.comparisons.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-7, atol=1e-9)
    assert list(cells.parts) == list(rows.parts)
    for name in rows.parts:
        assert [_item(x) for x in cells.parts[name]] == [_item(x) for x in rows.parts[name]], name


def _both_ways(monkeypatch, question_id, compose, data_dir: Path = SYNTHETIC, *, as_rows=None,
               **extra):
    """(page from cell tables, page from rows, {table: weight of each load on the cell path}).
    ``as_rows``: called before the rows run, for loads outside the catalogue."""
    seen: dict = {}
    load = catalogue.load

    def spy(chapter_id, table, params, **filters):
        loaded = load(chapter_id, table, params, **filters)
        seen.setdefault(table, []).append((loaded.weight, len(loaded.data), loaded.n_rows()))
        return loaded

    monkeypatch.setattr(catalogue, "load", spy)
    cells = compose(_ctx(question_id, data_dir, **extra))
    plt.close("all")
    loads = dict(seen)
    chapter = catalogue.CHAPTERS[question_id]
    monkeypatch.setitem(catalogue.CHAPTERS, question_id, replace(
        chapter, needs=tuple(replace(n, cells=False, linked=False) for n in chapter.needs)))
    seen.clear()
    if as_rows is not None:
        as_rows()
    rows = compose(_ctx(question_id, data_dir, **extra))
    plt.close("all")
    assert all(w is None for got in seen.values() for w, _, _ in got)  # really rows
    return cells, rows, loads


def _assert_cells(loads: dict, table: str, fewer: bool = True) -> None:
    """The table was read as a cell table (with fewer cells than rows when ``fewer``)."""
    for weight, n_cells, n_rows in loads[table]:
        assert weight == CELL_COUNT, table
        assert n_cells < n_rows or not fewer, table


# --- ks_01 --------------------------------------------------------------------------------------

def test_ks_01_cells_equal_rows(monkeypatch):
    from jamtools.chapters import ks

    cells, rows, loads = _both_ways(monkeypatch, "ks_01_instrumentval", ks.instrument_choice)
    _assert_cells(loads, "ks_elever")
    _assert_same_page(cells, rows)


# --- r4_02 --------------------------------------------------------------------------------------

def test_r4_02_cells_equal_rows(monkeypatch):
    from jamtools.chapters import resources

    cells, rows, loads = _both_ways(monkeypatch, "r4_02_resurser", resources.resource_shares)
    for t in ("ht_beslut", "ru_ansokningar"):
        _assert_cells(loads, t)
    for t in ("eb_planering", "eb_insatser"):  # linked by ids: cells, the ids in the engine
        _assert_cells(loads, t)                # (tests/test_eb03_r4_02_linked.py)
    _assert_same_page(cells, rows)


# --- r4_01 --------------------------------------------------------------------------------------

CLIENT_TABLES = ("ht_beslut", "eb_klienter", "bof_aktualiseringar")


def test_r4_01_cells_equal_rows_with_person_id(monkeypatch):
    """The demo data have person ids: the client tables come as linked cell tables (the ids in
    the engine, persons counted once there; tests/test_r4_01_hl_01_linked.py), the population as
    a cell table."""
    from jamtools.chapters import representation

    cells, rows, loads = _both_ways(monkeypatch, "r4_01_representation", representation.who_comes)
    _assert_cells(loads, "befolkning", fewer=False)  # one row per year, sex and age already
    for t in CLIENT_TABLES:
        _assert_cells(loads, t)
    _assert_same_page(cells, rows)


@pytest.fixture
def no_person_id_asked(monkeypatch):
    """The loader as it reads an export without a person id: an optional ``person_id`` the
    export lacks does not force rows. (The data layer decides rows or cells from the columns
    asked for, present or not, so without this the client tables are always rows.)"""
    from jamtools.data import load as load_module

    ids = load_module.identifying_columns
    monkeypatch.setattr(load_module, "identifying_columns", lambda table: ids(table) - {"person_id"})


@pytest.fixture(scope="module")
def without_person_id(tmp_path_factory) -> Path:
    """A copy of the demo data whose client tables have no person id, and whose population
    has every row twice (so that its cells stand for two rows of inhabitants each)."""
    out = tmp_path_factory.mktemp("utan_person_id")
    for path in SYNTHETIC.iterdir():
        if path.is_file():
            (out / path.name).write_bytes(path.read_bytes())
    for t in (*CLIENT_TABLES, "ks_elever"):
        frame = pd.read_csv(SYNTHETIC / f"{t}.csv", dtype=str, keep_default_na=False)
        frame.drop(columns="person_id").to_csv(out / f"{t}.csv", index=False)
    population = pd.read_csv(SYNTHETIC / "befolkning.csv", dtype=str, keep_default_na=False)
    # (the copies with ids of their own: a repeated id would be a duplicate, left out)
    twice = population.assign(rad_id=population["rad_id"] + "b") if "rad_id" in population else population
    pd.concat([population, twice]).to_csv(out / "befolkning.csv", index=False)
    return out


def test_r4_01_cells_equal_rows_without_person_id(monkeypatch, without_person_id,
                                                  no_person_id_asked):
    from jamtools.chapters import representation

    cells, rows, loads = _both_ways(monkeypatch, "r4_01_representation", representation.who_comes,
                                    without_person_id)
    for t in ("befolkning", *CLIENT_TABLES):
        _assert_cells(loads, t)
    _assert_same_page(cells, rows)


def test_r4_01_other_table_cells_equal_rows(monkeypatch, without_person_id, no_person_id_asked):
    """A client table chosen with the parameter ``tabell`` (loaded outside the catalogue)."""
    from jamtools.chapters import representation

    weights = []
    load = representation.load_table

    def spy(name, **kw):
        loaded = load(name, **kw)
        weights.append(loaded.weight)
        return loaded

    def as_rows():
        monkeypatch.setattr(representation, "load_table",
                            lambda name, **kw: spy(name, **{**kw, "cells": False, "linked": False}))

    monkeypatch.setattr(representation, "load_table", spy)
    cells, rows, loads = _both_ways(monkeypatch, "r4_01_representation", representation.who_comes,
                                    without_person_id, as_rows=as_rows, tabell=["ks_elever"])
    assert weights == [CELL_COUNT, None]
    _assert_cells(loads, "befolkning")
    _assert_same_page(cells, rows)


def test_r4_01_distribution_only_cells_equal_rows(monkeypatch, without_person_id,
                                                  no_person_id_asked):
    """Without the population only the sex distribution: the same from cells as from rows."""
    from jamtools.chapters import representation

    (without_person_id / "befolkning.csv").rename(without_person_id / "befolkning.bak")
    try:
        cells, rows, loads = _both_ways(monkeypatch, "r4_01_representation",
                                        representation.who_comes, without_person_id)
    finally:
        (without_person_id / "befolkning.bak").rename(without_person_id / "befolkning.csv")
    for t in CLIENT_TABLES:
        _assert_cells(loads, t)
    assert "bara könsfördelningen" in cells.short_answer
    _assert_same_page(cells, rows)


# --- ru_01 --------------------------------------------------------------------------------------

def test_ru_01_cells_equal_rows(monkeypatch):
    from jamtools.chapters import ru

    cells, rows, loads = _both_ways(monkeypatch, "ru_01_projektmedel", ru.project_funds)
    _assert_cells(loads, "ru_ansokningar")
    _assert_same_page(cells, rows)


# --- r4_04 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("utfall", ["forflyttning", "sjalvforsorjande"])
def test_r4_04_cells_equal_rows(monkeypatch, utfall):
    from jamtools.chapters import intersections

    cells, rows, loads = _both_ways(monkeypatch, "r4_04_olika_grupper",
                                    intersections.groups_of_women_and_men, utfall=utfall)
    _assert_cells(loads, "eb_utfall")
    _assert_same_page(cells, rows)


# --- r4_03 --------------------------------------------------------------------------------------

def test_r4_03_cells_equal_rows(monkeypatch):
    from jamtools.chapters import goals

    cells, rows, loads = _both_ways(monkeypatch, "r4_03_resultat", goals.goals_reached)
    for t in ("eb_utfall", "um_indikatorer"):
        _assert_cells(loads, t)
    _assert_same_page(cells, rows)


def test_r4_03_other_table_cells_equal_rows(monkeypatch):
    """A goal table chosen with the parameter ``tabell`` (loaded outside the catalogue)."""
    from jamtools.chapters import goals

    weights = []
    load = goals.load_table

    def spy(name, **kw):
        loaded = load(name, **kw)
        weights.append(loaded.weight)
        return loaded

    def as_rows():
        monkeypatch.setattr(goals, "load_table",
                            lambda name, **kw: spy(name, **{**kw, "cells": False}))

    monkeypatch.setattr(goals, "load_table", spy)
    cells, rows, _ = _both_ways(monkeypatch, "r4_03_resultat", goals.goals_reached,
                                as_rows=as_rows, tabell="bof_utredningar",
                                malindikatorer=["insats_beviljad"], justera_for=["aldersgrupp"])
    assert weights == [CELL_COUNT, None]
    _assert_same_page(cells, rows)
