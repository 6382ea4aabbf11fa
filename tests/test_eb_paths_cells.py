"""eb_04 and eb_06 (jamtools.chapters.eb_paths) read their tables as cell tables, and a page made
from cells is the page made from rows.

Each case runs the chapter's composition twice on the same export: as the catalogue has it
(``cells=True``) and with the catalogue entry switched to rows. Compared: the disclosed
comparisons (numbers to 1e-9 relative: the Cox model sums its cells in another order), the
disclosed counts, and every text, table and figure description of the page. eb_04 with
``hushall_id`` (the demo data) keeps the ids in the engine (``linked=True``) and the comparison
within couples, also with households that are not couples and blank ids; without it the load
is a cell table. eb_06 is a cell table on the demo data, also when the
export lacks the end reason (the status then comes from the end date) and has missing days.
"""
from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jamtools.chapters import eb_paths
from jamtools.data.check import CELL_COUNT
from jamtools.present.page import Caption
from jamtools.present.plots import Plot
from jamtools.present.report import Table
from jamtools.run import catalogue
from jamtools.run.notebook import ChapterRun
from jamtools.run.params import Params
from jamtools.stats.paired import MEASURE as PAIRED

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"
EB04, EB06 = "eb_04_foraldraansvar", "eb_06_sjalvforsorjning"


def _export(tmp_path: Path, table: str, *, drop=(), blank=None) -> Path:
    """A data folder with the demo ``table`` as text, without the columns ``drop`` and with the
    column ``blank`` (name, every k-th row) emptied; the other values are left as written."""
    src = SYNTHETIC / f"{table}.csv"
    with src.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    keep = [i for i, c in enumerate(head) if c not in drop]
    if blank is not None:
        col, every = blank
        j = head.index(col)
        for k, row in enumerate(rows[1:]):
            if k % every == 0:
                row[j] = ""
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[row[i] for i in keep] for row in rows])
    return folder


def _ctx(chapter: str, data_dir: Path) -> ChapterRun:
    params = Params(data_dir=data_dir, period_start=None, period_end=None, threshold=5,
                    conf_level=0.95, organisation="Testkommun", results_path=None,
                    config_file=None, extra={})
    return ChapterRun(chapter, catalogue.QUESTIONS[chapter], params)


def _as_rows(monkeypatch, chapter: str) -> None:
    """The chapter's catalogue entry with every table read as rows."""
    entry = catalogue.CHAPTERS[chapter]
    monkeypatch.setitem(catalogue.CHAPTERS, chapter, dataclasses.replace(
        entry, needs=tuple(dataclasses.replace(n, cells=False, linked=False) for n in entry.needs)))


def _shown(page) -> dict:
    """What a reader sees of the page: texts, tables (cells as strings), figure descriptions."""
    out = {"svar": page.short_answer}
    for name in page.parts:
        shown = []
        for item in page.part(name):
            if isinstance(item, str):
                shown.append(item)
            elif isinstance(item, Table):
                shown.append((item.caption, item.note, [str(c) for c in item.frame.columns],
                              [[str(v) for v in row] for row in item.frame.itertuples(index=False)]))
            elif isinstance(item, Plot):
                shown.append(("figur", item.name, item.caption, item.alt))
            elif isinstance(item, Caption):
                shown.append(("bildtext", item.text))
            else:
                shown.append(repr(item))
        out[name] = shown
    return out


def _both(monkeypatch, chapter: str, data_dir: Path, compose):
    """The page from the catalogue's load (cells) and from rows, and the two loads' weights."""
    table = catalogue.CHAPTERS[chapter].needs[0].table
    ctx = _ctx(chapter, data_dir)
    loaded = ctx.load(table, **ctx.filters)
    cells = compose(ctx)
    plt.close("all")
    with monkeypatch.context() as m:
        _as_rows(m, chapter)
        rows_loaded = ctx.load(table, **ctx.filters)
        rows = compose(ctx)
        plt.close("all")
    assert rows_loaded.weight is None and loaded.n_rows() == rows_loaded.n_rows()
    return loaded, cells, rows


def _assert_same_page(cells, rows) -> None:
    pd.testing.assert_frame_equal(cells.comparisons.reset_index(drop=True),
                                  rows.comparisons.reset_index(drop=True),
                                  check_exact=False, rtol=1e-9, atol=1e-12)
    assert dict(cells.counts) == dict(rows.counts)
    assert _shown(cells) == _shown(rows)


def test_eb_04_with_household_id_keeps_it_in_the_engine_and_keeps_the_pairs(monkeypatch):
    loaded, cells, rows = _both(monkeypatch, EB04, SYNTHETIC, eb_paths.parental_responsibility)
    assert catalogue.CHAPTERS[EB04].need("eb_planering").linked
    assert loaded.weight == CELL_COUNT and loaded.rows is not None and loaded.has("hushall_id")
    assert "hushall_id" not in loaded.data and len(loaded.data) < loaded.n_rows() / 5
    assert (cells.comparisons["measure"] == PAIRED).sum() == 2  # exemption and leave, in pairs
    assert cells.part("par") and not any("utelämnas" in str(x) for x in cells.part("par"))
    _assert_same_page(cells, rows)


def test_eb_04_pairs_with_households_that_are_not_couples(monkeypatch, tmp_path):
    """Three plannings in one household, two mothers in another, a blank household id, and a
    blank outcome in a couple: none of them is a pair, on rows as in the engine."""
    folder = _export(tmp_path, "eb_planering")
    rows = pd.read_csv(folder / "eb_planering.csv", dtype=str, keep_default_na=False)
    couples = rows[rows["hushall_id"].duplicated(keep=False)]["hushall_id"].unique()
    assert len(couples) > 6
    first = rows.index[rows["hushall_id"] == couples[0]]
    rows.loc[rows.index[rows["hushall_id"] == couples[1]][0], "hushall_id"] = couples[0]  # three
    second = rows.index[rows["hushall_id"] == couples[2]]
    rows.loc[second, "kon"] = "kvinna"                                                     # two mothers
    rows.loc[rows.index[rows["hushall_id"] == couples[3]][0], "hushall_id"] = ""           # blank id
    rows.loc[rows.index[rows["hushall_id"] == couples[4]][0], "undantag_barnomsorg"] = ""  # blank outcome
    rows.to_csv(folder / "eb_planering.csv", index=False)
    assert len(first) == 2
    loaded, cells, rows_page = _both(monkeypatch, EB04, folder, eb_paths.parental_responsibility)
    assert loaded.rows is not None and (cells.comparisons["measure"] == PAIRED).sum() == 2
    _assert_same_page(cells, rows_page)


def _without_pairs(monkeypatch) -> None:
    """eb_04's load without asking for the optional ``hushall_id`` (as for an export without
    it, were the choice of cells made on the export's columns): no column asked for tells rows
    apart, so the load is a cell table."""
    import jamtools.data

    load_table = jamtools.data.load_table

    def without_id(*args, optional=(), **kwargs):
        return load_table(*args, optional=tuple(c for c in optional if c != "hushall_id"), **kwargs)

    monkeypatch.setattr(jamtools.data, "load_table", without_id)


def test_eb_04_without_household_id_reads_cells(monkeypatch):
    _without_pairs(monkeypatch)
    loaded, cells, rows = _both(monkeypatch, EB04, SYNTHETIC, eb_paths.parental_responsibility)
    assert loaded.weight == CELL_COUNT and len(loaded.data) < loaded.n_rows() / 5
    assert not (cells.comparisons["measure"] == PAIRED).any()
    assert {"risk_difference_pp"} <= set(cells.comparisons["measure"])
    _assert_same_page(cells, rows)


@pytest.mark.parametrize("drop", [("hushall_id",), ("hushall_id", "antal_barn", "hushallstyp"),
                                  ("hushall_id", "foraldraledighet_planerad")])
def test_eb_04_exports_without_household_id(monkeypatch, tmp_path, drop):
    # Through the catalogue as it is (the optional hushall_id asked for, absent in the export)
    # and as a cell table: the same page, without the comparison within couples.
    folder = _export(tmp_path, "eb_planering", drop=drop)
    for pairs_asked in (True, False):
        with monkeypatch.context() as m:
            if not pairs_asked:
                _without_pairs(m)
            loaded, cells, rows = _both(m, EB04, folder, eb_paths.parental_responsibility)
        assert pairs_asked or loaded.weight == CELL_COUNT
        assert not (cells.comparisons["measure"] == PAIRED).any()
        _assert_same_page(cells, rows)


def test_eb_06_reads_cells(monkeypatch):
    loaded, cells, rows = _both(monkeypatch, EB06, SYNTHETIC, eb_paths.self_sufficiency)
    assert catalogue.CHAPTERS[EB06].need("eb_utfall").cells
    assert loaded.weight == CELL_COUNT and len(loaded.data) < loaded.n_rows() / 2
    assert {"hazard_ratio", "logrank_chi2"} <= set(cells.comparisons["measure"])
    assert cells.part("kurvtabell") and cells.part("kurvor")
    _assert_same_page(cells, rows)


def test_eb_06_without_end_reason_and_with_missing_days(monkeypatch, tmp_path):
    folder = _export(tmp_path, "eb_utfall", drop=("avslutsorsak",), blank=("dagar", 17))
    loaded, cells, rows = _both(monkeypatch, EB06, folder, eb_paths.self_sufficiency)
    assert loaded.weight == CELL_COUNT
    # The rows without days are left out of the time part, counted in units, not cells.
    tid = eb_paths.follow_up(loaded)
    assert tid.n_rows() < loaded.n_rows() and tid.excluded_by_reason()[
        "Uppgift om antal dagar saknas"] == loaded.data["dagar"].isna().mul(loaded.data[CELL_COUNT]).sum()
    assert any(isinstance(x, Table) and x.caption == "Dataunderlag: tid till avslut"
               for x in cells.part("kurvor"))
    _assert_same_page(cells, rows)


@pytest.mark.parametrize("drop", [("forflyttning", "fodd_i_sverige", "hushallstyp"),
                                  ("dagar",)])
def test_eb_06_with_fewer_columns(monkeypatch, tmp_path, drop):
    folder = _export(tmp_path, "eb_utfall", drop=drop)
    loaded, cells, rows = _both(monkeypatch, EB06, folder, eb_paths.self_sufficiency)
    assert loaded.weight == CELL_COUNT
    _assert_same_page(cells, rows)

