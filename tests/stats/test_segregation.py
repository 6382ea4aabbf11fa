"""The dissimilarity index by period (bias-corrected) and its change, against values computed by
hand or by exact enumeration, and the intervals' coverage in simulation."""
from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from jamtools.stats.categorical import dissimilarity_by_period, dissimilarity_change


def _long(cells: dict) -> pd.DataFrame:
    """{(period, category, sex): count} as a counted long table."""
    return pd.DataFrame([{"period": p, "typ": t, "kon": k, "antal": v}
                         for (p, t, k), v in cells.items()])


def _two_binomials_mean_abs(n_a, p_a, n_b, p_b) -> float:
    """E|X/n_a − Y/n_b| for independent X ~ Bin(n_a, p_a), Y ~ Bin(n_b, p_b), exactly: with two
    categories D = |x_1/A − y_1/B|, so this is the mean of D over multinomial draws."""
    fa, fb = sps.binom.pmf(np.arange(n_a + 1), n_a, p_a), sps.binom.pmf(np.arange(n_b + 1), n_b, p_b)
    diff = np.abs(np.arange(n_a + 1)[:, None] / n_a - np.arange(n_b + 1)[None, :] / n_b)
    return float(fa @ diff @ fb)


def test_dissimilarity_by_period_by_hand():
    """Period p1: girls 60/30/10, boys 20/30/50 → D = ½(0.4 + 0 + 0.4) = 0.4. Period p2: the
    same distribution → D = 0. Period p3: no instrument in common → D = 1, and every bootstrap
    replicate around the observed shares is 1 too, so the bias is 0; the interval is not
    [1, 1] (test_no_instrument_in_common_is_no_certainty_in_small_groups)."""
    data = _long({("p1", "x", "flicka"): 60, ("p1", "x", "pojke"): 20, ("p1", "y", "flicka"): 30,
                  ("p1", "y", "pojke"): 30, ("p1", "z", "flicka"): 10, ("p1", "z", "pojke"): 50,
                  ("p2", "x", "flicka"): 50, ("p2", "x", "pojke"): 50, ("p2", "y", "flicka"): 50,
                  ("p2", "y", "pojke"): 50,
                  ("p3", "x", "flicka"): 10, ("p3", "y", "pojke"): 10})
    res = dissimilarity_by_period(data, "typ", "period", count="antal",
                                  levels=("flicka", "pojke")).set_index("period")
    assert res.loc["p1", "d_naive"] == pytest.approx(0.4)
    assert res.loc["p2", "d_naive"] == 0
    assert res.loc["p3", ["d_naive", "estimate", "ci_high", "bias"]].astype(float).to_numpy() == \
        pytest.approx([1, 1, 1, 0])
    assert res.loc["p3", "ci_low"] < 0.75
    assert list(res["comparison"]) == ["flicka / pojke, p1", "flicka / pojke, p2", "flicka / pojke, p3"]
    assert (res["measure"] == "dissimilarity_index").all()
    assert res.loc["p1", "n_a"] == 100 and res.loc["p3", "n_b"] == 10
    # p2 is no more different than chance: the interval is flagged as unreliable.
    assert res.loc["p2", "warning"] and not res.loc["p1", "warning"]


@pytest.mark.parametrize("n", [4, 10, 30])
def test_no_instrument_in_common_is_no_certainty_in_small_groups(n):
    """A probe: 13 girls and 4 boys on instruments of their own got D = 1,00 (1,00–1,00). The
    observed D = 1 is the largest D there is, and the old quantile search counted it as
    "not above" every D on the path, so the lower bound was 1. With n girls all on x and n boys
    all on y, the path's shares at D = lam are (1 + lam)/2 and (1 − lam)/2, and D = 1 needs every
    girl on x and every boy on y: P(D = 1) = ((1 + lam)/2)^(2n). The lower bound is the lam
    where that is alpha/2 = 0.025, exactly."""
    data = _long({("p", "x", "flicka"): n, ("p", "y", "pojke"): n})
    res = dissimilarity_by_period(data, "typ", count="antal", n_boot=20_000,
                                  levels=("flicka", "pojke")).iloc[0]
    exact = 2 * 0.025 ** (1 / (2 * n)) - 1
    if exact <= 0:  # D = 1 is not rare even with no segregation: the interval starts at 0
        assert res.ci_low == 0
    else:
        assert res.ci_low == pytest.approx(exact, abs=0.01)
    assert res.ci_high == 1 and res.estimate == 1


def test_chance_level_is_the_exact_mean_under_random_allocation():
    """With no instrument in common (girls 10 × x, boys 10 × y) the pooled distribution is
    50/50, so the chance level is E|X − Y|/10 for X, Y ~ Bin(10, ½): 0.1762 by enumeration."""
    data = _long({("p", "x", "flicka"): 10, ("p", "y", "pojke"): 10})
    res = dissimilarity_by_period(data, "typ", count="antal", n_boot=40_000,
                                  levels=("flicka", "pojke")).iloc[0]
    exact = _two_binomials_mean_abs(10, 0.5, 10, 0.5)
    assert exact == pytest.approx(0.1762, abs=1e-4)
    assert res.d_random == pytest.approx(exact, abs=0.004)


def test_each_period_gets_the_interval_of_dissimilarity_index():
    """Per period the same estimate and interval as :func:`dissimilarity_index` on that period
    alone (the inverted bootstrap test whose coverage tests/stats/test_dissimilarity_coverage.py
    checks), with the plain D and its distance to the estimate beside them."""
    from jamtools.stats.categorical import dissimilarity_index
    data = _long({("p1", "x", "flicka"): 16, ("p1", "y", "flicka"): 4,
                  ("p1", "x", "pojke"): 5, ("p1", "y", "pojke"): 15,
                  ("p2", "x", "flicka"): 6, ("p2", "y", "flicka"): 4,
                  ("p2", "x", "pojke"): 4, ("p2", "y", "pojke"): 6})
    res = dissimilarity_by_period(data, "typ", "period", count="antal", n_boot=500, seed=2,
                                  levels=("flicka", "pojke")).set_index("period")
    for period in ("p1", "p2"):
        one = dissimilarity_index(data[data.period == period], "typ", count="antal", n_boot=500,
                                  seed=2, levels=("flicka", "pojke")).iloc[0]
        row = res.loc[period]
        assert (row.estimate, row.ci_low, row.ci_high, row.d_naive) == pytest.approx(
            (one.estimate, one.ci_low, one.ci_high, one.d_naive))
        assert row.bias == pytest.approx(row.d_naive - row.estimate)
    # p2 (6/4 against 4/6 with ten each) is within chance: the interval starts at 0, in words.
    assert res.loc["p2", "ci_low"] == 0 and "slumpen" in res.loc["p2", "warning"]
    assert res.loc["p1", "ci_low"] > 0 and not res.loc["p1", "warning"]


def test_counted_and_row_level_data_agree():
    cells = {("p", "x", "flicka"): 7, ("p", "y", "flicka"): 3, ("p", "x", "pojke"): 2,
             ("p", "y", "pojke"): 8}
    counted = _long(cells)
    rows = counted.loc[counted.index.repeat(counted["antal"])].drop(columns="antal")
    a = dissimilarity_by_period(counted, "typ", "period", count="antal", seed=3,
                                levels=("flicka", "pojke"))
    b = dissimilarity_by_period(rows, "typ", "period", seed=3, levels=("flicka", "pojke"))
    cols = ["estimate", "ci_low", "ci_high", "d_naive", "d_random"]
    assert a[cols].to_numpy() == pytest.approx(b[cols].to_numpy())


def test_change_permutation_p_value_against_exact_enumeration():
    """Girls before 3 x / 1 y, after 1 x / 3 y; boys before 1 x / 3 y, after 2 x / 2 y. Under
    the hypothesis the before-phase of each sex is a hypergeometric draw of 4 from its pooled
    counts (girls 4 x / 4 y, boys 3 x / 5 y); enumerating every split gives the exact p-value
    of |ΔD| ≥ |ΔD_obs|, which the Monte Carlo permutation test must reproduce."""
    data = _long({(2020, "x", "flicka"): 3, (2020, "y", "flicka"): 1, (2021, "x", "flicka"): 1,
                  (2021, "y", "flicka"): 3, (2020, "x", "pojke"): 1, (2020, "y", "pojke"): 3,
                  (2021, "x", "pojke"): 2, (2021, "y", "pojke"): 2})

    def change(gx, bx):  # girls' and boys' x-count in the before phase (4 rows each)
        d0 = abs(gx / 4 - bx / 4)
        d1 = abs((4 - gx) / 4 - (3 - bx) / 4)
        return d1 - d0

    observed = change(3, 1)
    assert observed == pytest.approx(0.25 - 0.5)
    exact = sum(comb(4, g) * comb(4, 4 - g) / comb(8, 4) * comb(3, b) * comb(5, 4 - b) / comb(8, 4)
                for g, b in itertools.product(range(5), range(4))
                if abs(change(g, b)) >= abs(observed) - 1e-12)
    res = dissimilarity_change(data, "typ", "period", 2021, count="antal", n_perm=40_000,
                               levels=("flicka", "pojke")).iloc[0]
    assert res.p_value == pytest.approx(exact, abs=0.01)
    assert res.measure == "dissimilarity_change" and res.comparison == "flicka / pojke, efter − före 2021"


def test_change_with_a_missing_phase_is_empty_with_a_warning():
    data = _long({(2020, "x", "flicka"): 5, (2020, "y", "pojke"): 5, (2021, "x", "flicka"): 5})
    with pytest.warns(UserWarning, match="saknas i en av perioderna"):
        res = dissimilarity_change(data, "typ", "period", 2021, count="antal",
                                   levels=("flicka", "pojke")).iloc[0]
    assert np.isnan(res.estimate) and np.isnan(res.p_value)


WEIGHTS_A = np.array([20, 10, 18, 8, 12, 3, 2, 22, 3, 2], float) / 100
WEIGHTS_B = np.array([16, 24, 5, 4, 3, 20, 12, 6, 7, 3], float) / 100


def _draw(rng, pa, pb, n_a, n_b, period):
    cats = [f"c{i}" for i in range(len(pa))]
    ca, cb = rng.multinomial(n_a, pa), rng.multinomial(n_b, pb)
    return pd.DataFrame({"period": period, "typ": cats * 2, "kon": ["flicka"] * len(pa) + ["pojke"] * len(pa),
                         "antal": np.r_[ca, cb]})


@pytest.mark.parametrize("shrink", [0.0, 0.5, 0.8])
def test_interval_coverage_in_simulation(shrink):
    """Two instrument distributions (D = 0.46) moved towards each other by ``shrink``
    (D = 0.46, 0.23, 0.092), groups of 580 and 420: the bias-corrected 95 % interval covers
    the true D in at least 85 % of 200 samples. Measured over 400 samples: about 94 % for
    D = 0.46 and 0.23, about 89 % for D = 0.092, close to the chance level (0.07); the plain
    percentile interval covers D = 0.092 in only about 70 %: that is why the bias is corrected."""
    mean = (WEIGHTS_A + WEIGHTS_B) / 2
    pa, pb = WEIGHTS_A + shrink * (mean - WEIGHTS_A), WEIGHTS_B + shrink * (mean - WEIGHTS_B)
    truth = 0.5 * np.abs(pa - pb).sum()
    rng = np.random.default_rng(11)
    hits = 0
    for r in range(200):
        res = dissimilarity_by_period(_draw(rng, pa, pb, 580, 420, 1), "typ", count="antal",
                                      n_boot=500, seed=r, levels=("flicka", "pojke")).iloc[0]
        hits += res.ci_low <= truth <= res.ci_high
    assert hits / 200 >= 0.85


def test_change_interval_coverage_in_simulation():
    """Before: D = 0.46 (1 700 / 1 250 pupils); after: halfway to a common distribution,
    D = 0.23 (1 200 / 820). The interval of the change covers −0.23 in at least 88 % of 150
    samples, and the permutation test finds the change every time."""
    mean = (WEIGHTS_A + WEIGHTS_B) / 2
    pa1, pb1 = (WEIGHTS_A + mean) / 2, (WEIGHTS_B + mean) / 2
    rng = np.random.default_rng(12)
    hits = found = 0
    for r in range(150):
        data = pd.concat([_draw(rng, WEIGHTS_A, WEIGHTS_B, 1700, 1250, 0), _draw(rng, pa1, pb1, 1200, 820, 1)])
        res = dissimilarity_change(data, "typ", "period", 1, count="antal", n_boot=500, n_perm=200,
                                   seed=r, levels=("flicka", "pojke")).iloc[0]
        hits += res.ci_low <= -0.23 <= res.ci_high
        found += res.p_value < 0.05
    assert hits / 150 >= 0.88 and found == 150


# --- distributions and tests per period (jamtools.stats.segregation) ----------------------------

def test_distribution_and_test_per_period_are_those_of_each_period_alone():
    """Each period's distribution and chi-square test equal the ones of its rows alone, in the
    order of an ordered categorical (not alphabetical), and the test is labelled by period."""
    from jamtools.stats.categorical import distribution_by_group, independence_test
    from jamtools.stats.segregation import distribution_by_period, independence_by_period

    data = _long({("sen", "x", "flicka"): 30, ("sen", "y", "flicka"): 10, ("sen", "x", "pojke"): 12,
                  ("sen", "y", "pojke"): 28, ("tidig", "x", "flicka"): 20,
                  ("tidig", "y", "flicka"): 20, ("tidig", "x", "pojke"): 18,
                  ("tidig", "y", "pojke"): 22})
    data["period"] = pd.Categorical(data["period"], categories=["tidig", "sen", "ingen"],
                                    ordered=True)
    dists = distribution_by_period(data, "typ", "period", count="antal")
    assert list(dists) == ["tidig", "sen"]  # a period without rows has no table
    for name, dist in dists.items():
        alone = distribution_by_group(data[data["period"] == name], "typ", count="antal")
        pd.testing.assert_frame_equal(dist.reset_index(drop=True), alone)
    tests = independence_by_period(data, "typ", "period", count="antal", levels=("flicka", "pojke"))
    assert list(tests["comparison"]) == ["flicka / pojke, tidig", "flicka / pojke, sen"]
    late = independence_test(data[data["period"] == "sen"], "typ", count="antal").iloc[0]
    assert tests.iloc[1]["estimate"] == pytest.approx(late["estimate"])
    assert tests.iloc[1]["p_value"] == pytest.approx(late["p_value"])
    # By hand: late period 2 × 2 table [[30, 12], [10, 28]], chi² without correction.
    chi2 = sps.chi2_contingency(np.array([[30, 12], [10, 28]]), correction=False)[0]
    assert tests.iloc[1]["estimate"] == pytest.approx(np.sqrt(chi2 / 80))


def test_no_period_gives_the_one_test_of_all_rows():
    """Rows without any period: no distribution, and the test of all of the data (for no rows
    at all, an empty estimate with a warning) instead of no row."""
    from jamtools.stats.segregation import distribution_by_period, independence_by_period

    empty = pd.DataFrame({"kon": pd.Series(dtype=str), "typ": pd.Series(dtype=str),
                          "period": pd.Series(dtype=str)})
    assert distribution_by_period(empty, "typ", "period") == {}
    with pytest.warns(UserWarning, match="För få kategorier"):
        out = independence_by_period(empty, "typ", "period", levels=("flicka", "pojke"))
    assert len(out) == 1 and np.isnan(out.iloc[0]["estimate"])
    assert out.iloc[0]["measure"] == "cramers_v"


# --- a change whose bootstrap cannot vary ---------------------------------------------------------

def _apart(before: tuple[int, int], after: tuple[int, int]) -> pd.DataFrame:
    """Girls all on x/y, boys all on z/w (no category in common, D = 1) in both phases;
    ``before``/``after`` are the (girls, boys) of each phase, split as evenly as can be."""
    cells = {}
    for period, (girls, boys) in ((2023, before), (2024, after)):
        cells.update({(period, "x", "flicka"): girls - girls // 2, (period, "y", "flicka"): girls // 2,
                      (period, "z", "pojke"): boys - boys // 2, (period, "w", "pojke"): boys // 2})
    return _long(cells)


def test_change_without_any_spread_in_small_groups_has_no_interval():
    """A probe: girls and boys on instruments of their own in both phases, 21/16 pupils before
    and 9/7 after. Every redrawn table keeps each group's empty categories empty, so every
    replicate is 1 − 1 = 0 and the percentile interval was [0, 0], while the index of 9 and 7
    pupils alone is uncertain (its interval reaches far below 1). By hand: the change is exactly
    0 (no bias: every replicate is the observed D), every reshuffle of the phases within a sex
    keeps D = 1 in both, so p = (n + 1)/(n + 1) = 1; the interval is not given, in words."""
    data = _apart((21, 16), (9, 7))
    with pytest.warns(UserWarning, match="kan inte ges något konfidensintervall"):
        res = dissimilarity_change(data, "typ", "period", 2024, count="antal",
                                   levels=("flicka", "pojke")).iloc[0]
    assert res.estimate == pytest.approx(0, abs=1e-12) and res.p_value == 1
    assert np.isnan(res.ci_low) and np.isnan(res.ci_high)
    assert "både före 2024 och från 2024" in res.warning
    assert "kategori som ingen i den andra gruppen har" in res.warning
    after = dissimilarity_by_period(data[data["period"] == 2024], "typ", count="antal",
                                    levels=("flicka", "pojke")).iloc[0]
    assert after.ci_high - after.ci_low > 0.3  # the phase's own uncertainty, which [0, 0] hid


def test_change_with_one_phase_without_spread_has_no_interval():
    """One phase (10/8 pupils, nothing in common) cannot vary, the other (60/60, mixed) can: the
    percentile interval would show the second phase's uncertainty only. No interval, and the
    warning names the phase."""
    data = pd.concat([_apart((10, 8), (1, 1)).query("period == 2023"),
                      _long({(2024, "x", "flicka"): 30, (2024, "z", "flicka"): 30,
                             (2024, "x", "pojke"): 20, (2024, "z", "pojke"): 40})])
    with pytest.warns(UserWarning, match="kan inte ges något konfidensintervall"):
        res = dissimilarity_change(data, "typ", "period", 2024, count="antal", n_boot=500,
                                   n_perm=500, levels=("flicka", "pojke")).iloc[0]
    assert np.isnan(res.ci_low) and np.isnan(res.ci_high) and not np.isnan(res.estimate)
    assert res.warning.startswith("Förändringen kan inte ges något konfidensintervall: före 2024 finns")
    assert "från 2024" not in res.warning


def test_change_without_spread_in_large_groups_keeps_its_interval():
    """With 2 000 pupils of each sex on instruments of their own, the index is certain to the
    two decimals shown (its own interval is narrower than 0.01): the interval [0, 0] is kept,
    without a warning."""
    data = _apart((2000, 2000), (2000, 2000))
    res = dissimilarity_change(data, "typ", "period", 2024, count="antal", n_boot=500,
                               n_perm=200, levels=("flicka", "pojke")).iloc[0]
    assert (res.ci_low, res.ci_high) == pytest.approx((0, 0), abs=1e-12) and res.warning == ""
