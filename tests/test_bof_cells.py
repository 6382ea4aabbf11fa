"""The child-and-family chapters bof_01, bof_02, bof_04 and bof_05 read their tables as cell
tables (the catalogue's ``cells=True``): every count goes through the load's ``weight``, so the
rows path (``weight`` None) and the cell path give the same page, number for number."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jamtools import stats
from jamtools.chapters import bof
from jamtools.data import load_table
from jamtools.data.check import CELL_COUNT
from jamtools.data.model import CHILD_SEXES
from jamtools.disclosure import analyses as analysis
from jamtools.present.page import Caption
from jamtools.present.plots import Plot
from jamtools.present.report import Table
from jamtools.run import catalogue
from jamtools.run.notebook import setup

from tests.conftest import SYNTHETIC

#: The converted chapters: id -> (composition, the table it reads).
CHAPTERS = {
    "bof_01_utredning_inleds": (bof.investigation_opened, "bof_aktualiseringar"),
    "bof_02_utredning_till_insats": (bof.investigation_to_insats, "bof_utredningar"),
    "bof_04_anmalningsorsak_och_anmalare": (bof.reason_and_reporter, "bof_aktualiseringar"),
    "bof_05_bemotande_av_foraldrar": (bof.parents_treatment, "bof_utredningar"),
}


def test_the_four_chapters_read_cells_and_the_two_that_follow_ids_linked_cells():
    for cid, (_, table) in CHAPTERS.items():
        assert catalogue.CHAPTERS[cid].need(table).cells, cid
        assert not catalogue.CHAPTERS[cid].need(table).linked, cid
    # bof_03 and bof_06 follow ids between tables: linked cell tables (tests/test_bof_linked.py)
    for cid in ("bof_03_typ_av_insats", "bof_06_processkarta"):
        assert all(n.cells and n.linked for n in catalogue.CHAPTERS[cid].needs), cid


# --- The whole page, both ways ----------------------------------------------------------------

def _with_cells(monkeypatch, cid: str, cells: bool) -> None:
    chapter = catalogue.CHAPTERS[cid]
    needs = tuple(dataclasses.replace(n, cells=cells) for n in chapter.needs)
    monkeypatch.setitem(catalogue.CHAPTERS, cid, dataclasses.replace(chapter, needs=needs))


def _page(monkeypatch, cid: str, cells: bool):
    """The chapter's page on the demo data with ``cells`` in its catalogue entry, and what its
    loads returned (weight, number of data rows, number of source rows)."""
    _with_cells(monkeypatch, cid, cells)
    seen = []
    load = catalogue.load

    def spy(*args, **kwargs):
        loaded = load(*args, **kwargs)
        seen.append((loaded.weight, len(loaded.data), loaded.n_rows()))
        return loaded

    monkeypatch.setattr(catalogue, "load", spy)
    ctx = setup(cid, {"data_dir": str(SYNTHETIC), "enhet": None, "alder_min": 0, "alder_max": 17})
    try:
        return CHAPTERS[cid][0](ctx), seen
    finally:
        monkeypatch.setattr(catalogue, "load", load)


def _shown(item):
    """What a page item shows, comparable between two pages."""
    if isinstance(item, Table):
        return ("table", item.caption, item.note, item.name, item.frame.astype(str).to_dict("split"))
    if isinstance(item, Plot):
        plt.close(item.fig)
        return ("figure", item.alt, item.caption, item.name)
    if isinstance(item, Caption):
        return ("caption", item.text)
    return ("text", str(item))


@pytest.mark.parametrize("cid", list(CHAPTERS))
def test_rows_and_cells_give_the_same_page(monkeypatch, cid):
    by_cells, seen_cells = _page(monkeypatch, cid, cells=True)
    by_rows, seen_rows = _page(monkeypatch, cid, cells=False)

    # the cell path is really taken, and counts the same source rows in fewer data rows
    (w_cells, len_cells, n_cells), = seen_cells
    (w_rows, len_rows, n_rows), = seen_rows
    assert w_cells == CELL_COUNT and w_rows is None
    assert n_cells == n_rows == len_rows
    assert len_cells < len_rows

    assert by_cells.short_answer == by_rows.short_answer
    assert list(by_cells.parts) == list(by_rows.parts)
    for name in by_rows.parts:
        assert [_shown(i) for i in by_cells.parts[name]] == [_shown(i) for i in by_rows.parts[name]], name
    assert dict(by_cells.counts) == dict(by_rows.counts)
    pd.testing.assert_frame_equal(by_cells.comparisons.reset_index(drop=True),
                                  by_rows.comparisons.reset_index(drop=True))


# --- The helpers on a cell table built from rows ---------------------------------------------

def _cells_of(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows counted per combination of their values (as a cell table): one row per
    combination with its number of rows in ``antal_rader``."""
    return (rows.groupby(list(rows.columns), dropna=False, observed=True).size()
            .rename(CELL_COUNT).reset_index())


def _investigations() -> pd.DataFrame:
    need = catalogue.CHAPTERS["bof_05_bemotande_av_foraldrar"].need("bof_utredningar")
    loaded = load_table("bof_utredningar", data_dir=SYNTHETIC, columns=("kon", *need.required),
                        optional=tuple(need.optional), blank_ok=need.blank_ok)
    return loaded.data.drop(columns="utredning_id")


def test_parents_of_cells_stand_for_the_same_parents():
    rows = _investigations()
    cells = _cells_of(rows)
    assert len(cells) < len(rows)
    by_rows = bof.parents(rows)
    by_cells = bof.parents(cells, weight=CELL_COUNT)
    assert int(by_cells[CELL_COUNT].sum()) == len(by_rows)
    # the same parents: counted per combination of their values, both ways
    keys = [c for c in by_rows.columns]
    counted = by_rows.groupby(keys, dropna=False).size().rename(CELL_COUNT)
    from_cells = by_cells.groupby(keys, dropna=False)[CELL_COUNT].sum()
    pd.testing.assert_series_equal(counted.sort_index(), from_cells.sort_index(),
                                   check_dtype=False)


def test_parents_comparisons_are_the_same_from_rows_and_cells():
    rows = _investigations()
    by_rows = bof.parents(rows)
    by_cells = bof.parents(_cells_of(rows), weight=CELL_COUNT)
    for outcome, by in (("kontaktad", "sammanboende"), ("samtal", None)):
        a = analysis.binary_outcome(by_rows, outcome, group="foralder", levels=bof.PARENTS, by=by)
        b = analysis.binary_outcome(by_cells, outcome, group="foralder", levels=bof.PARENTS, by=by,
                                    weight=CELL_COUNT)
        pd.testing.assert_frame_equal(a.shares, b.shares)
        pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
        if by:
            pd.testing.assert_frame_equal(a.by_shares, b.by_shares)
    fathers = (by_rows["foralder"] == "pappa", by_cells["foralder"] == "pappa")
    a = analysis.binary_outcome(by_rows[fathers[0]], "kontaktad", levels=CHILD_SEXES)
    b = analysis.binary_outcome(by_cells[fathers[1]], "kontaktad", levels=CHILD_SEXES,
                                weight=CELL_COUNT)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
    # the meetings of contacted parents: the same distributions, so the same comparison
    a = stats.compare_amounts(by_rows[by_rows["kontaktad"] == 1], "moten", "foralder",
                              levels=bof.PARENTS)
    b = stats.compare_amounts(by_cells[by_cells["kontaktad"] == 1], "moten", "foralder",
                              levels=bof.PARENTS, count=CELL_COUNT)
    pd.testing.assert_frame_equal(a, b)


def test_reason_and_reporter_counts_are_the_same_from_rows_and_cells():
    loaded = load_table("bof_aktualiseringar", data_dir=SYNTHETIC,
                        columns=("kon", "anmalningsorsak"), optional=("anmalare",))
    rows = loaded.data.drop(columns="aktualisering_id")
    cells = _cells_of(rows)
    for column in ("anmalningsorsak", "anmalare"):
        pd.testing.assert_frame_equal(stats.distribution_by_group(rows, column),
                                      stats.distribution_by_group(cells, column, count=CELL_COUNT))
    a = analysis.binary_outcome(bof.flag(rows, "anmalare", "polis", "polis"), "polis",
                                covariates=["anmalningsorsak"], levels=CHILD_SEXES)
    flagged = bof.flag(cells, "anmalare", "polis", "polis")
    assert CELL_COUNT in flagged.columns  # the count rides along
    b = analysis.binary_outcome(flagged, "polis", covariates=["anmalningsorsak"],
                                levels=CHILD_SEXES, weight=CELL_COUNT)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
