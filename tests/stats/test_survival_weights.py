"""The ``count=`` options of the time-to-event functions: a cell table (one row per combination
of values, with the number of rows it stands for) gives the result of the rows written out.

Checked for :func:`jamtools.stats.cumulative_incidence` (Aalen–Johansen, also as
1 − Kaplan–Meier with one cause; curve, standard error, intervals and counts, on the distinct
times and on a grid), :func:`jamtools.stats.logrank`, :func:`jamtools.stats.cox_hazard_ratio`
(Efron and Breslow, with and without covariates) and :func:`jamtools.stats.survival.cox_fit`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.stats.survival import cox_fit

RTOL = 1e-10


def _rows(seed: int = 7, n: int = 1200) -> pd.DataFrame:
    """Clients with heavily tied days, three end types and a covariate (few distinct values, so
    the cell table is much smaller than the rows)."""
    rng = np.random.default_rng(seed)
    kon = rng.choice(["kvinna", "man"], n)
    hushall = rng.choice(["a", "b", "c"], n)
    rate = np.where(kon == "kvinna", 1 / 300, 1 / 220) * np.where(hushall == "b", 1.3, 1.0)
    t_end = rng.exponential(1 / rate)
    t_cens = rng.uniform(0, 800, n)
    dagar = np.floor(np.minimum(t_end, t_cens) / 30) * 30  # whole months: many ties
    cause = rng.choice([1, 2], n, p=[0.7, 0.3])
    status = np.where(t_end <= t_cens, cause, 0)
    return pd.DataFrame({"kon": kon, "hushallstyp": hushall, "dagar": dagar, "status": status,
                         "event": (status == 1).astype(int)})


def _cells(rows: pd.DataFrame, *, with_zero: bool = True) -> pd.DataFrame:
    """The cell table of ``rows`` (and, with ``with_zero``, a cell that stands for no one)."""
    cells = (rows.groupby(list(rows.columns), observed=True).size().rename("antal_rader")
             .reset_index().sample(frac=1.0, random_state=3).reset_index(drop=True))
    if with_zero:
        cells = pd.concat([cells, cells.iloc[[0]].assign(dagar=5000.0, antal_rader=0)],
                          ignore_index=True)
    return cells


ROWS = _rows()
CELLS = _cells(ROWS)


def test_the_cell_table_is_smaller():
    assert len(CELLS) < len(ROWS) / 3 and CELLS["antal_rader"].sum() == len(ROWS)


@pytest.mark.parametrize("times", [None, [0, 30, 182, 365, 547, 730]])
@pytest.mark.parametrize("status", ["status", "event"])
def test_cumulative_incidence_counted_equals_the_rows(times, status):
    expected = stats.cumulative_incidence(ROWS, "dagar", status, times=times)
    got = stats.cumulative_incidence(CELLS, "dagar", status, times=times, count="antal_rader")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=RTOL, atol=1e-14)


def test_cumulative_incidence_by_hand_with_counts():
    # The five persons of the hand-worked example, two of them as one cell of two.
    rows = pd.DataFrame({"kon": "kvinna", "dagar": [1, 2, 3, 4, 4], "status": [1, 2, 0, 1, 1]})
    cells = pd.DataFrame({"kon": "kvinna", "dagar": [1, 2, 3, 4], "status": [1, 2, 0, 1],
                          "n": [1, 1, 1, 2]})
    pd.testing.assert_frame_equal(stats.cumulative_incidence(cells, "dagar", "status", count="n"),
                                  stats.cumulative_incidence(rows, "dagar", "status"),
                                  check_exact=False, rtol=RTOL)
    with pytest.raises(ValueError, match="saknas"):
        stats.cumulative_incidence(cells.assign(n=[1, None, 1, 2]), "dagar", "status", count="n")


def test_logrank_counted_equals_the_rows():
    expected = stats.logrank(ROWS, "dagar", "event", levels=("kvinna", "man"))
    got = stats.logrank(CELLS, "dagar", "event", levels=("kvinna", "man"), count="antal_rader")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=RTOL)
    assert got.loc[0, "n_a"] + got.loc[0, "n_b"] == len(ROWS)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("covariates", [[], ["hushallstyp"]])
def test_cox_hazard_ratio_counted_equals_the_rows(ties, covariates):
    args = ("dagar", "event", "kon", covariates)
    expected = stats.cox_hazard_ratio(ROWS, *args, levels=("kvinna", "man"), ties=ties)
    got = stats.cox_hazard_ratio(CELLS, *args, levels=("kvinna", "man"), ties=ties,
                                 count="antal_rader")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-8)
    assert got.loc[0, "events_a"] + got.loc[0, "events_b"] == ROWS["event"].sum()


def test_cox_fit_counted_equals_the_rows_and_counts_must_be_whole():
    x_rows = (ROWS["kon"] == "kvinna").to_numpy(float)[:, None]
    x_cells = (CELLS["kon"] == "kvinna").to_numpy(float)[:, None]
    expected = cox_fit(ROWS["dagar"].to_numpy(), ROWS["event"].to_numpy(), x_rows)
    got = cox_fit(CELLS["dagar"].to_numpy(), CELLS["event"].to_numpy(), x_cells,
                  count=CELLS["antal_rader"].to_numpy())
    np.testing.assert_allclose(got.params, expected.params, rtol=1e-8)
    np.testing.assert_allclose(got.bse, expected.bse, rtol=1e-8)
    assert got.loglike == pytest.approx(expected.loglike, rel=1e-10)
    assert got.nobs == expected.nobs == len(ROWS)
    with pytest.raises(ValueError, match="hela tal"):
        cox_fit(CELLS["dagar"].to_numpy(), CELLS["event"].to_numpy(), x_cells,
                count=CELLS["antal_rader"].to_numpy() + 0.5)
