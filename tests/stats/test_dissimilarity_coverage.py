"""Coverage of the dissimilarity index's interval, by simulation (issue #13).

Two groups draw counts over five categories from distributions with a known D; for each
(D, n per group) cell the interval of :func:`jamtools.stats.dissimilarity_index` (test
inversion along the path from no segregation through the observed distributions) should hold
the true D about as often as its nominal 95 %. The plain percentile bootstrap around the sample
D, which the function used before, is simulated alongside to show that the check can fail.

Band: 400 replicates per cell give a Monte Carlo standard error of about 1.1 percentage points
at 95 % (2.2 pp for a 95 % band around it). The test uses 250 simulated tables per evaluation
instead of the production 2000 and finds the bounds to 0.005 instead of 0.001, which adds a
little noise to each bound; coverage must be at least 0.90 in every cell (over 4 standard
errors below nominal, so a failure is not Monte Carlo chance) and not above 0.995 (an interval
so wide that it nearly always covers is not what is asked for either). With the production
settings, exploration over the same cells gave 0.91–0.96 (see the function's report).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.stats.categorical import LOW_AT_ZERO, _dissimilarity_inverted

POOLED = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
# Half the difference between the groups' shares per unit of D: sum |v| = 1, so D = delta.
DIRECTION = np.array([0.30, -0.30, 0.20, -0.20, 0.0])
CELLS = [(d, n) for d in (0.05, 0.1, 0.35) for n in (40, 200)]
REPS, N_BOOT, TOL, LEVEL = 400, 250, 5e-3, 0.95


def _truth(d: float) -> tuple[np.ndarray, np.ndarray]:
    pa, pb = POOLED + d * DIRECTION, POOLED - d * DIRECTION
    assert 0.5 * np.abs(pa - pb).sum() == pytest.approx(d) and (pa >= 0).all() and (pb >= 0).all()
    return pa, pb


def _percentile(ca: np.ndarray, cb: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """The previous interval: percentile bootstrap of the sample D (for contrast)."""
    A, B = int(ca.sum()), int(cb.sum())
    boot = 0.5 * np.abs(rng.multinomial(A, ca / A, size=N_BOOT) / A
                        - rng.multinomial(B, cb / B, size=N_BOOT) / B).sum(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return float(lo), float(hi)


@pytest.fixture(scope="module")
def coverage() -> pd.DataFrame:
    rows = []
    for d, n in CELLS:
        pa, pb = _truth(d)
        rng = np.random.default_rng(int(1000 * d) + n)
        counts_a = rng.multinomial(n, pa, size=REPS).astype(float)
        counts_b = rng.multinomial(n, pb, size=REPS).astype(float)
        for i in range(REPS):
            low, est, high = _dissimilarity_inverted(counts_a[i], counts_b[i], conf_level=LEVEL,
                                                     n_boot=N_BOOT, seed=i, tol=TOL)
            plo, phi = _percentile(counts_a[i], counts_b[i], rng)
            rows.append({"d": d, "n": n, "low": low, "est": est, "high": high,
                         "covers": low <= d <= high, "old_covers": plo <= d <= phi})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("d", "n"), CELLS)
def test_interval_covers_the_true_index(coverage, d, n):
    cell = coverage[(coverage.d == d) & (coverage.n == n)]
    assert len(cell) == REPS
    assert 0.90 <= cell.covers.mean() <= 0.995, cell.covers.mean()
    assert (cell.low <= cell.est).all() and (cell.est <= cell.high).all()
    # Not bought with width: the mean width shrinks with the group size as 1/sqrt(n) would.
    assert cell.eval("high - low").mean() < (0.45 if n == 40 else 0.22)


def test_the_old_percentile_interval_under_covers_near_no_segregation(coverage):
    """The check can fail: the previous interval misses the true D most of the time near no
    segregation (the issue measured 27–34 % for D = 0.08 with 40 per group)."""
    cell = coverage[(coverage.d == 0.05) & (coverage.n == 40)]
    assert cell.old_covers.mean() < 0.5
    assert cell.covers.mean() - cell.old_covers.mean() > 0.4


def test_lower_bound_at_zero_is_where_it_should_be(coverage):
    """Near no segregation with small groups the interval mostly starts at 0 (the sample D is
    within what chance gives); with clear segregation and large groups it never does."""
    share_at_zero = coverage.assign(zero=coverage.low == 0).groupby(["d", "n"]).zero.mean()
    assert share_at_zero[(0.05, 40)] > 0.8
    assert share_at_zero[(0.35, 200)] == 0


def _table(a: list[int], b: list[int]) -> pd.DataFrame:
    cats = [f"k{i}" for i in range(len(a))]
    return pd.DataFrame({"typ": cats * 2, "kon": ["flicka"] * len(a) + ["pojke"] * len(b),
                         "antal": a + b})


@pytest.mark.parametrize(("a", "b"), [
    ([12, 10, 8, 6, 4], [10, 11, 9, 5, 5]),   # 40 per group, nearly the same distribution
    ([60, 50, 40, 30, 20], [62, 48, 41, 29, 20]),  # 200 per group, nearly the same
    ([20, 6, 8, 3, 3], [6, 20, 3, 8, 3]),     # 40 per group, D = 0.7
    ([90, 40, 40, 20, 10], [40, 90, 20, 40, 10]),  # 200 per group, D = 0.35
])
def test_warning_exactly_when_the_interval_starts_at_zero(a, b):
    """The Swedish warning says that the interval starts at zero and the index is very
    uncertain, and it is there exactly when the lower bound is 0: for the nearly equal
    distributions here, not for the clearly different ones."""
    res = stats.dissimilarity_index(_table(a, b), "typ", count="antal",
                                    levels=("flicka", "pojke"), n_boot=500).iloc[0]
    clearly_different = bool(res.d_naive > 0.3)
    assert bool(res.ci_low == 0) is not clearly_different
    assert (res.warning == LOW_AT_ZERO) is bool(res.ci_low == 0)
    assert res.ci_low <= res.estimate <= res.d_naive and res.estimate < res.ci_high


def test_one_category_says_so_rather_than_small_groups():
    """Everybody in one category (200 pupils, one instrument): the index is 0 by definition,
    and the warning says that, not that the groups are small."""
    from jamtools.stats.categorical import ONE_CATEGORY, dissimilarity_by_period, dissimilarity_index

    data = pd.DataFrame({"kon": ["flicka"] * 100 + ["pojke"] * 100, "typ": ["familj"] * 200})
    one = dissimilarity_index(data, "typ", levels=("flicka", "pojke")).iloc[0]
    assert one["warning"] == ONE_CATEGORY and one["estimate"] == 0
    by = dissimilarity_by_period(data.assign(ar=2024), "typ", "ar", levels=("flicka", "pojke"))
    assert (by["warning"] == ONE_CATEGORY).all()
    two = data.assign(typ=["familj", "kontakt"] * 100)
    assert dissimilarity_index(two, "typ", levels=("flicka", "pojke")).iloc[0]["warning"] != ONE_CATEGORY
