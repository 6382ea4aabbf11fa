"""The bootstrap medians drawn by binomial bisection (:meth:`jamtools.stats.amounts._Dist.boot_medians`)
against the exact distribution of the median of a resample and against a multinomial reference
written here; edge cases; and ``compare_amounts(ratio=False)``.

Reference values: the exact probabilities are computed in this file from the counts (for odd n
:math:`P(\\mathrm{med} \\le v_j) = P(\\mathrm{Bin}(n, F_j) \\ge (n+1)/2)`; for even n the joint law
of the two middle order statistics, below), the small cases by hand. Every chi-square test uses
fixed seeds, so the p-values are reproducible; each is also run on a deliberately wrong sampler to
show that it rejects one."""
from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from jamtools import stats
from jamtools.stats import amounts

VALUES = np.arange(1.0, 7.0)  # 1..6
COUNTS_ODD = np.array([3, 1, 5, 2, 4, 2])   # n = 17
COUNTS_EVEN = np.array([3, 1, 5, 2, 4, 1])  # n = 16
N_BOOT = 20_000
LEVELS = ("kvinna", "man")


def _multinomial_medians(values, counts, n_boot, rng):
    """The reference: draw the resample's counts (multinomial over the distinct values, the
    same as resampling the rows) and take the median of the rows they stand for."""
    n = int(counts.sum())
    c = rng.multinomial(n, counts / n, size=n_boot)
    cum = np.cumsum(c, axis=1)
    upper = values[np.argmax(cum > n // 2, axis=1)]
    if n % 2:
        return upper
    lower = values[np.argmax(cum > n // 2 - 1, axis=1)]
    return (lower + upper) / 2


def _exact_pmf(values, counts) -> dict[float, float]:
    """The exact distribution of the median of n draws with replacement.

    Odd n: :math:`P(\\mathrm{med} \\le v_j) = P(\\mathrm{Bin}(n, F_j) \\ge (n+1)/2)`.
    Even n, m = n/2 (the median is the mean of the m-th and (m+1)-th smallest):
    for i < j, :math:`P(v_i, v_j) = \\binom{n}{m}(F_i^m - F_{i-1}^m)(S_j^{n-m} - S_{j+1}^{n-m})`
    with :math:`S_j = P(X \\ge v_j)` (m draws at most v_i, at least one at it; the rest at least
    v_j, at least one at it); for i = j, the trinomial probability that fewer than m fall below
    v_i and fewer than n − m above it."""
    n = int(counts.sum())
    p = counts / n
    cdf = np.concatenate([[0.0], np.cumsum(p)])  # cdf[j + 1] = F_j
    cdf[-1] = 1.0
    if n % 2:
        at_most = sps.binom.sf((n - 1) // 2, n, cdf[1:])
        return dict(zip(values, np.diff(np.concatenate([[0.0], at_most]))))
    m = n // 2
    pmf: dict[float, float] = {}
    k = len(values)
    for i in range(k):
        below, at, above = cdf[i], p[i], 1.0 - cdf[i + 1]
        same = sum(math.comb(n, a) * math.comb(n - a, b) * below ** a * above ** b
                   * at ** (n - a - b) for a in range(m) for b in range(n - m))
        pmf[values[i]] = pmf.get(values[i], 0.0) + same
        for j in range(i + 1, k):
            s_j, s_next = 1.0 - cdf[j], 1.0 - cdf[j + 1]
            pair = (math.comb(n, m) * (cdf[i + 1] ** m - cdf[i] ** m)
                    * (s_j ** (n - m) - s_next ** (n - m)))
            key = (values[i] + values[j]) / 2
            pmf[key] = pmf.get(key, 0.0) + pair
    return pmf


def _bins(weight, minimum) -> np.ndarray:
    """Bin labels that join neighbouring categories (in the values' order) until each bin's
    ``weight`` is at least ``minimum`` (the usual pooling for a chi-square test; a short last
    bin joins the one before)."""
    labels, label, acc = np.empty(len(weight), int), 0, 0.0
    for i, w in enumerate(weight):
        labels[i] = label
        acc += w
        if acc >= minimum:
            label, acc = label + 1, 0.0
    if acc < minimum and label > 0:  # the last bin is short
        labels[labels == label] = label - 1
    return labels


def _goodness_of_fit(draws, pmf) -> float:
    """Chi-square p-value of the draws' frequencies against ``pmf`` (neighbouring values pooled
    until each expected frequency is at least 5; a draw outside the support fails at once)."""
    assert set(np.unique(draws)) <= {v for v, q in pmf.items() if q > 0}
    keys = np.array(sorted(v for v, q in pmf.items() if q > 0))
    expected = np.array([pmf[v] for v in keys]) * len(draws)
    observed = np.array([(draws == v).sum() for v in keys], float)
    bins = _bins(expected, 5)
    expected, observed = np.bincount(bins, expected), np.bincount(bins, observed)
    return float(sps.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue)


def _homogeneity(a, b) -> float:
    """Chi-square p-value that two samples of medians come from one distribution (neighbouring
    values pooled until each has at least 10 draws in both samples together)."""
    keys = np.union1d(a, b)
    ca = np.array([(a == v).sum() for v in keys])
    cb = np.array([(b == v).sum() for v in keys])
    bins = _bins(ca + cb, 10)
    return float(sps.chi2_contingency(np.vstack([np.bincount(bins, ca),
                                                 np.bincount(bins, cb)])).pvalue)


@pytest.mark.parametrize("counts", [COUNTS_ODD, COUNTS_EVEN], ids=["odd n", "even n"])
def test_exact_distribution_is_a_distribution(counts):
    """The reference itself: the probabilities sum to 1 and agree with a brute-force
    multinomial draw of one million resamples to 0.002."""
    pmf = _exact_pmf(VALUES, counts)
    assert sum(pmf.values()) == pytest.approx(1.0, abs=1e-12)
    draws = _multinomial_medians(VALUES, counts, 1_000_000, np.random.default_rng(7))
    for v, q in pmf.items():
        assert (draws == v).mean() == pytest.approx(q, abs=0.002)


@pytest.mark.parametrize("counts", [COUNTS_ODD, COUNTS_EVEN], ids=["odd n", "even n"])
def test_bisection_medians_have_the_exact_distribution(counts):
    dist = amounts._Dist(VALUES, counts)
    draws = dist.boot_medians(N_BOOT, np.random.default_rng(1))
    assert draws.shape == (N_BOOT,)
    pmf = _exact_pmf(VALUES, counts)
    assert _goodness_of_fit(draws, pmf) > 0.001
    # Against the multinomial reference drawn independently.
    reference = _multinomial_medians(VALUES, counts, N_BOOT, np.random.default_rng(2))
    assert _homogeneity(draws, reference) > 0.001
    assert _goodness_of_fit(reference, pmf) > 0.001


def test_the_tests_reject_a_wrong_sampler():
    """The checks above can fail: the order statistic one rank off (odd n), and the upper
    middle value alone for even n, are rejected."""
    cum = np.concatenate([[0], np.cumsum(COUNTS_ODD)])
    z = np.zeros(N_BOOT, np.int64)
    n = int(COUNTS_ODD.sum())
    off = VALUES[amounts._descend(cum, z, z + 6, z + n, z + n // 2 - 1, np.random.default_rng(1))]
    assert _goodness_of_fit(off, _exact_pmf(VALUES, COUNTS_ODD)) < 1e-6
    cum = np.concatenate([[0], np.cumsum(COUNTS_EVEN)])
    n = int(COUNTS_EVEN.sum())
    upper = VALUES[amounts._descend(cum, z, z + 6, z + n, z + n // 2, np.random.default_rng(1))]
    reference = _multinomial_medians(VALUES, COUNTS_EVEN, N_BOOT, np.random.default_rng(2))
    assert _homogeneity(upper, reference) < 1e-6


@pytest.mark.parametrize("n_rows", [40, 41, 200])
def test_bisection_matches_the_multinomial_with_many_distinct_values(n_rows):
    """Skewed amounts with ties and many distinct values (deep bisection)."""
    x = np.round(np.random.default_rng(n_rows).gamma(2.0, 3.0, n_rows), 1)
    dist = amounts._Dist(*np.unique(x, return_counts=True))
    assert len(dist.values) > 20
    draws = dist.boot_medians(N_BOOT, np.random.default_rng(3))
    reference = _multinomial_medians(dist.values, dist.counts, N_BOOT, np.random.default_rng(4))
    assert _homogeneity(draws, reference) > 0.001


# --- edge cases ---------------------------------------------------------------------------------

def test_one_distinct_value_and_one_row():
    many = amounts._Dist(np.array([4.5]), np.array([9]))
    assert (many.boot_medians(100, np.random.default_rng(0)) == 4.5).all()
    one = amounts._Dist(np.array([2.0]), np.array([1]))
    assert (one.boot_medians(100, np.random.default_rng(0)) == 2.0).all()
    assert one.boot_medians(0, np.random.default_rng(0)).shape == (0,)


def test_two_rows():
    """Rows 1 and 3: the resample is {1,1}, {1,3} or {3,3} with probabilities 1/4, 1/2, 1/4
    (by hand), medians 1, 2, 3."""
    dist = amounts._Dist(np.array([1.0, 3.0]), np.array([1, 1]))
    draws = dist.boot_medians(N_BOOT, np.random.default_rng(5))
    assert _goodness_of_fit(draws, {1.0: 0.25, 2.0: 0.5, 3.0: 0.25}) > 0.001
    assert _exact_pmf(dist.values, dist.counts) == pytest.approx({1.0: 0.25, 2.0: 0.5, 3.0: 0.25})


@pytest.mark.parametrize("counts, support", [([0, 3, 0, 2, 0], {2.0, 7.0}),
                                             ([0, 3, 0, 3, 0], {2.0, 4.5, 7.0})],
                         ids=["odd n", "even n"])
def test_values_with_count_zero_are_never_drawn(counts, support):
    values = np.array([1.0, 2.0, 5.0, 7.0, 10.0])
    dist = amounts._Dist(values, np.array(counts))
    draws = dist.boot_medians(5000, np.random.default_rng(6))
    assert set(np.unique(draws)) == support
    assert _goodness_of_fit(draws, _exact_pmf(values, np.array(counts))) > 0.001


def test_inputs_are_unchanged_and_the_seed_reproduces():
    dist = amounts._Dist(VALUES.copy(), COUNTS_EVEN.copy())
    a = dist.boot_medians(500, np.random.default_rng(9))
    b = dist.boot_medians(500, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dist.values, VALUES)
    np.testing.assert_array_equal(dist.counts, COUNTS_EVEN)


def test_register_scale_takes_log_k_not_k():
    """114 000 distinct values and 1.7 million rows (ru_01's ``andel_av_sokt`` at register
    scale): 1999 bootstrap medians in well under a second (the multinomial took about 30 s)."""
    rng = np.random.default_rng(1)
    dist = amounts._Dist(np.sort(rng.random(114_000)), rng.integers(1, 30, 114_000))
    for d in (dist, amounts._Dist(dist.values, dist.counts + np.eye(1, 114_000, 0, int)[0])):
        start = time.perf_counter()
        med = d.boot_medians(1999, np.random.default_rng(0))
        assert time.perf_counter() - start < 3.0
        assert abs(np.median(med) - d.median) < 0.002


# --- compare_amounts --------------------------------------------------------------------------

def _amounts(n=600, seed=3):
    rng = np.random.default_rng(seed)
    woman = rng.random(n) < 0.5
    return pd.DataFrame({"kon": np.where(woman, "kvinna", "man"),
                         "timmar": np.round(rng.gamma(2.0, np.where(woman, 5.0, 6.0)))})


def test_ratio_false_leaves_out_the_ratio_row_only():
    d = _amounts()
    full = stats.compare_amounts(d, "timmar", levels=LEVELS, n_boot=300)
    assert list(full["measure"]) == ["mean_difference", "median_difference", "ratio_of_means"]
    short = stats.compare_amounts(d, "timmar", levels=LEVELS, n_boot=300, ratio=False)
    assert list(short["measure"]) == ["mean_difference", "median_difference"]
    pd.testing.assert_frame_equal(short, full.iloc[:2])
    few = d[d.kon == "kvinna"].head(1).pipe(lambda t: pd.concat([t, d[d.kon == "man"]]))
    with pytest.warns(UserWarning):
        out = stats.compare_amounts(few, "timmar", levels=LEVELS, ratio=False)
    assert list(out["measure"]) == ["mean_difference", "median_difference"]


def test_median_interval_agrees_with_the_row_bootstrap():
    """The percentile interval of the difference of medians against the same interval from
    resampled rows (numpy, 4000 replicates): equal up to Monte Carlo error (one unit of the
    amounts, which are whole hours)."""
    d = _amounts(n=800, seed=8)
    out = stats.compare_amounts(d, "timmar", levels=LEVELS, n_boot=4000, seed=2).set_index("measure")
    rng = np.random.default_rng(11)
    xa = d.loc[d.kon == "kvinna", "timmar"].to_numpy()
    xb = d.loc[d.kon == "man", "timmar"].to_numpy()
    boot = (np.median(xa[rng.integers(0, len(xa), (4000, len(xa)))], axis=1)
            - np.median(xb[rng.integers(0, len(xb), (4000, len(xb)))], axis=1))
    lo, hi = np.quantile(boot, [0.025, 0.975])
    row = out.loc["median_difference"]
    assert row.ci_low == pytest.approx(lo, abs=1.0) and row.ci_high == pytest.approx(hi, abs=1.0)
    assert row.ci_low <= row.estimate <= row.ci_high
    assert row.method == amounts.METHOD_BOOT
