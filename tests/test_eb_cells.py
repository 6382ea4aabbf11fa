"""The economic-assistance chapters eb_01, eb_02 and eb_05 read eb_planering as a cell table
(the catalogue's ``cells=True``): every count goes through the load's ``weight``, so the rows
path (``weight`` None) and the cell path give the same page, number for number, with and
without the optional columns and filters."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.chapters import eb
from jamtools.data.check import CELL_COUNT
from jamtools.disclosure import analyses as analysis
from jamtools.present.page import Caption
from jamtools.present.plots import Plot
from jamtools.present.report import Table
from jamtools.run import catalogue
from jamtools.run.notebook import setup

from tests.conftest import SYNTHETIC

#: The converted chapters: id -> composition (each reads eb_planering only).
CHAPTERS = {
    "eb_01_krav": eb.requirements,
    "eb_02_ohalsa": eb.ill_health,
    "eb_05_vald_i_nara_relation": eb.violence,
}
TABLE = "eb_planering"

#: Parameter sets: the whole demo data; a period, a unit and an age range (the filters read
#: their columns too, so the cells are finer).
PARAMS = {
    "alla": {},
    "filter": {"period_start": "2023-01-01", "period_end": "2024-06-30", "enhet": "Norra",
               "alder_min": 25, "alder_max": 64},
}
#: The optional columns dropped in the lean export: each chapter then takes its branches
#: without household type, age group, job search, one consideration and identified violence.
LEAN_DROPS = ["hushallstyp", "alder", "krav_arbetssokande", "samordning_varden", "vald_identifierat"]


def test_the_three_chapters_and_only_they_read_cells():
    for cid in CHAPTERS:
        assert catalogue.CHAPTERS[cid].need(TABLE).cells, cid
    # eb_07 follows ids between tables: its cells keep the ids in the engine (test_eb_linked)
    assert all(n.cells and n.linked for n in catalogue.CHAPTERS["eb_07_processkarta"].needs)


# --- The whole page, both ways ----------------------------------------------------------------

def _with_cells(monkeypatch, cid: str, cells: bool) -> None:
    chapter = catalogue.CHAPTERS[cid]
    needs = tuple(dataclasses.replace(n, cells=cells) for n in chapter.needs)
    monkeypatch.setitem(catalogue.CHAPTERS, cid, dataclasses.replace(chapter, needs=needs))


def _page(monkeypatch, cid: str, cells: bool, data_dir, params: dict):
    """The chapter's page with ``cells`` in its catalogue entry, what its loads returned
    (weight, number of data rows, number of source rows) and every disclosed analysis and
    distribution the chapter computed on the way (full precision, in call order)."""
    _with_cells(monkeypatch, cid, cells)
    seen, computed = [], []
    load, binary, distribution = catalogue.load, analysis.binary_outcome, stats.distribution_by_group

    def spy_load(*args, **kwargs):
        loaded = load(*args, **kwargs)
        seen.append((loaded.weight, len(loaded.data), loaded.n_rows()))
        return loaded

    def spy_binary(*args, **kwargs):
        result = binary(*args, **kwargs)
        computed.append(("binary", kwargs.get("weight"), result))
        return result

    def spy_distribution(*args, **kwargs):
        result = distribution(*args, **kwargs)
        computed.append(("distribution", kwargs.get("count"), result))
        return result

    monkeypatch.setattr(catalogue, "load", spy_load)
    monkeypatch.setattr(analysis, "binary_outcome", spy_binary)
    monkeypatch.setattr(stats, "distribution_by_group", spy_distribution)
    values = {"data_dir": str(data_dir), "enhet": None, "alder_min": None, "alder_max": None,
              **params}
    ctx = setup(cid, values)
    try:
        return CHAPTERS[cid](ctx), seen, computed
    finally:
        monkeypatch.setattr(catalogue, "load", load)
        monkeypatch.setattr(analysis, "binary_outcome", binary)
        monkeypatch.setattr(stats, "distribution_by_group", distribution)


def _figure_data(fig) -> list:
    """What a figure draws: per axis its tick labels, lines and line collections."""
    out = []
    for ax in fig.axes:
        out.append((
            [t.get_text() for t in ax.get_yticklabels()],
            [t.get_text() for t in ax.get_xticklabels()],
            [np.asarray(line.get_xydata(), dtype=float) for line in ax.lines],
            [np.asarray(seg, dtype=float) for c in ax.collections if hasattr(c, "get_segments")
             for seg in c.get_segments()],
        ))
    return out


def _shown(item):
    """What a page item shows, comparable between two pages."""
    if isinstance(item, Table):
        return ("table", item.caption, item.note, item.name, item.frame.astype(str).to_dict("split"))
    if isinstance(item, Plot):
        data = _figure_data(item.fig)
        plt.close(item.fig)
        return ("figure", item.alt, item.caption, item.name, data)
    if isinstance(item, Caption):
        return ("caption", item.text)
    return ("text", str(item))


def _same_figures(a, b) -> None:
    assert len(a) == len(b)
    for ax_a, ax_b in zip(a, b):
        assert ax_a[0] == ax_b[0] and ax_a[1] == ax_b[1]
        for arrays_a, arrays_b in zip(ax_a[2:], ax_b[2:]):
            assert len(arrays_a) == len(arrays_b)
            for x, y in zip(arrays_a, arrays_b):
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, equal_nan=True)


def _same_item(a, b) -> None:
    if a[0] == "figure" and b[0] == "figure":
        assert a[:4] == b[:4]
        _same_figures(a[4], b[4])
    else:
        assert a == b


def assert_same_binary(a, b) -> None:
    """Two :class:`~jamtools.disclosure.analyses.BinaryResult` objects are the same."""
    pd.testing.assert_frame_equal(a.shares, b.shares)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
    assert (a.by_shares is None) == (b.by_shares is None)
    if a.by_shares is not None:
        pd.testing.assert_frame_equal(a.by_shares, b.by_shares)


def assert_same_page(a, b, *, rtol: float | None = None) -> None:
    """Two pages show the same: the short answer, every part's items (texts, tables, figures'
    data), the counts and the comparisons (to ``rtol`` when given, else exactly)."""
    assert a.short_answer == b.short_answer
    assert list(a.parts) == list(b.parts)
    for name in b.parts:
        shown_a = [_shown(i) for i in a.parts[name]]
        shown_b = [_shown(i) for i in b.parts[name]]
        assert len(shown_a) == len(shown_b), name
        for x, y in zip(shown_a, shown_b):
            _same_item(x, y)
    assert dict(a.counts) == dict(b.counts)
    if b.comparisons is None:
        assert a.comparisons is None
    else:
        tolerance = {} if rtol is None else {"rtol": rtol, "atol": 1e-12}
        pd.testing.assert_frame_equal(a.comparisons.reset_index(drop=True),
                                      b.comparisons.reset_index(drop=True), **tolerance)
    plt.close("all")


def _lean_data(tmp_path):
    """The demo folder's eb_planering without the optional columns of :data:`LEAN_DROPS`."""
    rows = pd.read_csv(SYNTHETIC / "eb_planering.csv", dtype=str, keep_default_na=False)
    rows.drop(columns=LEAN_DROPS).to_csv(tmp_path / "eb_planering.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("lean", [False, True], ids=["alla_kolumner", "utan_valfria"])
@pytest.mark.parametrize("params", list(PARAMS))
@pytest.mark.parametrize("cid", list(CHAPTERS))
def test_rows_and_cells_give_the_same_page(monkeypatch, tmp_path, cid, params, lean):
    data_dir = _lean_data(tmp_path) if lean else SYNTHETIC
    by_cells, seen_cells, computed_cells = _page(monkeypatch, cid, True, data_dir, PARAMS[params])
    by_rows, seen_rows, computed_rows = _page(monkeypatch, cid, False, data_dir, PARAMS[params])

    # the cell path is really taken, and counts the same source rows in fewer data rows
    (w_cells, len_cells, n_cells), = seen_cells
    (w_rows, len_rows, n_rows), = seen_rows
    assert w_cells == CELL_COUNT and w_rows is None
    assert n_cells == n_rows == len_rows > 0
    # fewer cells than rows; with a period the cells also keep the date (on the small demo
    # data nearly one cell per row)
    assert len_cells <= len_rows if PARAMS[params].get("period_start") else len_cells < len_rows

    # every analysis was weighted on the cell path and not on the rows path, and gave the same
    assert [(kind, w) for kind, w, _ in computed_cells] == [(k, CELL_COUNT) for k, _, _ in computed_rows]
    assert all(w is None for _, w, _ in computed_rows)
    for (kind, _, a), (_, _, b) in zip(computed_cells, computed_rows):
        if kind == "binary":
            assert_same_binary(a, b)
        else:
            pd.testing.assert_frame_equal(_up_to_threshold(a), _up_to_threshold(b))
    assert_same_page(by_cells, by_rows)


def _up_to_threshold(distribution: pd.DataFrame) -> pd.DataFrame:
    """A distribution with its counts of persons (where counted) up to the threshold 5: the
    cell path numbers a cell's first 5 persons, and a count is exact up to there."""
    out = distribution.reset_index(drop=True)
    for col in ("persons_events", "persons_n"):
        if col in out:
            out[col] = out[col].clip(upper=5)
    return out


def test_the_lean_export_takes_the_branches_without_optional_columns(monkeypatch, tmp_path):
    """The lean export really leaves the optional parts out (so the test above covers them)."""
    page, _, _ = _page(monkeypatch, "eb_01_krav", True, _lean_data(tmp_path), {})
    text = " ".join(str(i) for i in page.parts["hushallstyp"])
    assert "hushållstyp" in text and "utelämnas" in text
    page, _, _ = _page(monkeypatch, "eb_05_vald_i_nara_relation", True, _lean_data(tmp_path), {})
    assert "utelämnas" in " ".join(str(i) for i in page.parts["identifierat"])
