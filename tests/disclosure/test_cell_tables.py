"""The disclosed analyses on a cell table (one row per combination of values with its number
of rows, as ``load_table(..., cells=True)`` gives it, ``weight=``) give exactly what they give on
the rows the table counts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.disclosure import analyses as analysis

LEVELS = ("kvinna", "man")


def _rows(seed: int = 5, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    woman = rng.random(n) < 0.55
    adl = rng.integers(0, 5, n)
    alone = (rng.random(n) < np.where(woman, 0.7, 0.4)).astype(int)
    year = rng.integers(2020, 2024, n)
    hours = np.round(8 + 6 * adl + 4 * alone - 2 * woman + rng.normal(0, 3, n)).clip(0, None)
    kind = np.where(adl > 2, "hög", "låg")
    granted = rng.random(n) < np.where(woman, 0.6, 0.5)
    return pd.DataFrame({"kon": np.where(woman, "kvinna", "man"), "adl": adl, "ensam": alone,
                         "ar": year, "timmar": hours, "grupp": kind, "beviljad": granted})


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    cells = rows.groupby(list(rows.columns), observed=True).size().rename("antal_rader").reset_index()
    assert len(cells) < len(rows) / 2
    return cells.sample(frac=1.0, random_state=1).reset_index(drop=True)  # order does not matter


def _same(a: pd.DataFrame | None, b: pd.DataFrame | None) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_exact=False, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("threshold", [3, 400])
def test_amount_outcome_on_cells_equals_rows(threshold):
    rows = _rows()
    cells = _cells(rows)
    kw = dict(covariates=["adl", "ensam"], levels=LEVELS, by="grupp", decompose=True,
              threshold=threshold, n_boot=199)
    got = analysis.amount_outcome(cells, "timmar", weight="antal_rader", **kw)
    want = analysis.amount_outcome(rows, "timmar", **kw)
    for part in ("summary", "comparisons", "by_summary", "decomposition"):
        _same(getattr(got, part), getattr(want, part))


def test_amount_change_on_cells_equals_rows():
    rows = _rows()
    cells = _cells(rows)
    kw = dict(covariates=["adl"], levels=LEVELS)
    got = analysis.amount_change(cells, "timmar", "ar", 2022, weight="antal_rader", **kw)
    want = analysis.amount_change(rows, "timmar", "ar", 2022, **kw)
    for part in ("by_period", "phases", "change"):
        _same(getattr(got, part), getattr(want, part))
    few = rows[(rows.ar < 2022) | (rows.kon == "kvinna")]  # no man after: not estimable
    got = analysis.amount_change(_cells(few), "timmar", "ar", 2022, weight="antal_rader", **kw)
    _same(got.change, analysis.amount_change(few, "timmar", "ar", 2022, **kw).change)


def test_binary_outcome_on_cells_equals_rows():
    rows = _rows()
    cells = _cells(rows)
    kw = dict(covariates=["adl", "ensam"], levels=LEVELS, by="grupp")
    got = analysis.binary_outcome(cells, "beviljad", weight="antal_rader", **kw)
    want = analysis.binary_outcome(rows, "beviljad", **kw)
    for part in ("shares", "comparisons", "by_shares"):
        _same(getattr(got, part), getattr(want, part))
