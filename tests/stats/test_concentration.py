"""The 4R resource measures (jamtools.stats.concentration) against values computed by hand, and
the delta-method interval's coverage in simulation."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jamtools.stats import concentration as conc


def _frame(a_values, b_values, **extra):
    d = pd.DataFrame({"kon": ["kvinna"] * len(a_values) + ["man"] * len(b_values),
                      "timmar": list(a_values) + list(b_values)})
    for k, v in extra.items():
        d[k] = v
    return d


def test_share_gap_by_hand():
    """Women [10, 20], men [20, 40]: women are 1/2 of the units and get 30/90 = 1/3 of the
    hours, gap −16.67 pp. se = (n_a n_b / S²)·√(m_b² s_a²/n_a + m_a² s_b²/n_b)
    = (4/8100)·√(30²·50/2 + 15²·200/2) = (4/8100)·√45000."""
    row = conc.resource_share_gap(_frame([10, 20], [20, 40]), "timmar", levels=("kvinna", "man")).iloc[0]
    assert row["measure"] == conc.SHARE_GAP
    assert row["estimate"] == pytest.approx(100 * (1 / 3 - 1 / 2))
    se = 4 / 8100 * math.sqrt(45000)
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * 1.959964 * 100 * se, rel=1e-5)
    assert row["n_a"] == 2 and row["n_b"] == 2 and not row["adjusted"]


def test_share_gap_equals_scaled_mean_difference():
    """R − P = P(1 − P)(m_a − m_b)/m̄: zero exactly when the means are equal."""
    rng = np.random.default_rng(1)
    a, b = rng.gamma(2, 10, 300), rng.gamma(2, 9, 200)
    row = conc.resource_share_gap(_frame(a, b), "timmar", levels=("kvinna", "man")).iloc[0]
    p = 300 / 500
    m = np.concatenate([a, b]).mean()
    assert row["estimate"] == pytest.approx(100 * p * (1 - p) * (a.mean() - b.mean()) / m)
    equal = conc.resource_share_gap(_frame([1, 3, 2], [2, 2, 4, 0]), "timmar",
                                    levels=("kvinna", "man")).iloc[0]
    assert equal["estimate"] == pytest.approx(0.0, abs=1e-12)
    assert equal["ci_low"] < 0 < equal["ci_high"]


def test_share_gap_interval_covers_in_simulation():
    """The 95 % delta-method interval covers the true gap in about 95 % of samples
    (skewed amounts, 200 + 120 units): true gap = P(1−P)(μ_a − μ_b)/μ̄."""
    rng = np.random.default_rng(7)
    na, nb, mu_a, mu_b = 200, 120, 20.0, 24.0
    p = na / (na + nb)
    truth = 100 * p * (1 - p) * (mu_a - mu_b) / (p * mu_a + (1 - p) * mu_b)
    hits = 0
    for _ in range(400):
        row = conc.resource_share_gap(_frame(rng.gamma(2, mu_a / 2, na), rng.gamma(2, mu_b / 2, nb)),
                                      "timmar", levels=("kvinna", "man")).iloc[0]
        hits += row["ci_low"] <= truth <= row["ci_high"]
    assert 0.92 <= hits / 400 <= 0.98


def test_share_gap_too_few_units_gives_a_warning_row():
    with pytest.warns(UserWarning):
        row = conc.resource_share_gap(_frame([5], [1, 2]), "timmar", levels=("kvinna", "man")).iloc[0]
    assert math.isnan(row["estimate"]) and row["warning"] == conc.MSG_TOO_FEW


def test_share_if_equal_by_hand():
    """Women have 60 hours over 2 units, all units 90 hours; had each woman got 5 hours more
    (δ = −5): (60 + 10)/(90 + 10) = 0.7."""
    assert conc.share_if_equal(60, 2, 90, -5) == pytest.approx(0.7)
    assert conc.share_if_equal(60, 2, 90, 0) == pytest.approx(60 / 90)


def test_adjusted_share_gap_by_hand():
    """Hours = 10 + 5·need − 3·woman exactly (no noise): the adjusted difference is −3 with a
    zero-width interval. Women: need 0, 1, 2 → 7, 12, 17 (36 hours); men: need 1, 2 → 15, 20
    (35). Granted like men, the women would have 45 of 80 hours: gap = 36/71 − 45/80."""
    d = _frame([7, 12, 17], [15, 20], behov=[0, 1, 2, 1, 2])
    row = conc.adjusted_resource_share_gap(d, "timmar", covariates=["behov"],
                                           levels=("kvinna", "man")).iloc[0]
    assert row["adjusted"] and row["adjusted_for"] == "behov"
    assert row["estimate"] == pytest.approx(100 * (36 / 71 - 45 / 80), abs=1e-9)
    assert row["ci_low"] == pytest.approx(row["estimate"], abs=1e-6)
    assert row["ci_high"] == pytest.approx(row["estimate"], abs=1e-6)


def test_adjusted_share_gap_interval_is_the_image_of_the_difference_interval():
    from jamtools.stats import adjusted_amount_difference

    rng = np.random.default_rng(3)
    need = rng.integers(0, 6, 400)
    woman = rng.random(400) < 0.6
    hours = 8 + 4 * need - 2 * woman + rng.normal(0, 3, 400)
    d = pd.DataFrame({"kon": np.where(woman, "kvinna", "man"), "timmar": hours, "behov": need})
    row = conc.adjusted_resource_share_gap(d, "timmar", covariates=["behov"],
                                           levels=("kvinna", "man")).iloc[0]
    diff = adjusted_amount_difference(d, "timmar", "kon", ["behov"], levels=("kvinna", "man")).iloc[0]
    s_a, s, n_a = hours[woman].sum(), hours.sum(), woman.sum()
    for mine, delta in (("estimate", "estimate"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
        assert row[mine] == pytest.approx(100 * (s_a / s - conc.share_if_equal(s_a, n_a, s, diff[delta])))
    assert row["p_value"] == pytest.approx(diff["p_value"])
    assert row["ci_high"] < 0  # women are granted less at the same need


def test_adjusted_share_gap_stays_within_100_points_on_tiny_data():
    """Six units, noisy: the interval of the adjusted difference reaches past what the women got
    on average, where their share granted like men would be below 0. The limit is taken where
    their amounts would be 0 (gap = their actual share), never past 100 percentage points."""
    from jamtools.stats import adjusted_amount_difference

    d = _frame([2, 40, 1], [3, 30, 2], behov=[0, 1, 1, 0, 1, 0])
    row = conc.adjusted_resource_share_gap(d, "timmar", covariates=["behov"],
                                           levels=("kvinna", "man")).iloc[0]
    diff = adjusted_amount_difference(d, "timmar", "kon", ["behov"], levels=("kvinna", "man")).iloc[0]
    s_a, s, n_a = 43.0, 78.0, 3
    assert diff["ci_high"] > s_a / n_a  # the case: the plain image would be a negative share
    assert 100 * (s_a / s - conc.share_if_equal(s_a, n_a, s, diff["ci_high"])) > 100 * s_a / s
    assert row["ci_high"] == pytest.approx(100 * s_a / s)
    assert -100 <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 100


def test_gini_by_hand():
    """[1, 2, 3, 4]: Σ|x_i − x_j| = 20, 2n²x̄ = 80 → 0.25; all equal → 0; one has all → (n−1)/n."""
    assert conc.gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert conc.gini([4, 3, 2, 1]) == pytest.approx(0.25)
    assert conc.gini([5, 5, 5]) == pytest.approx(0.0)
    assert conc.gini([0, 0, 0, 7]) == pytest.approx(0.75)
    assert math.isnan(conc.gini([]))


def test_lorenz_points_by_hand():
    """[1, 2, 3, 4], halves: the smaller half holds 3/10; quarters: 1/10, 3/10, 6/10."""
    pts = conc.lorenz_points([4, 1, 3, 2], n_points=2)
    assert list(pts["andel_enheter"]) == [0.0, 0.5, 1.0]
    assert list(pts["andel_resurs"]) == pytest.approx([0.0, 0.3, 1.0])
    pts = conc.lorenz_points([4, 1, 3, 2], n_points=4)
    assert list(pts["andel_resurs"]) == pytest.approx([0.0, 0.1, 0.3, 0.6, 1.0])
    # Between two units the curve is interpolated: [1, 2] has the points (0, 0), (½, ⅓), (1, 1),
    # so at ⅓ of the units it is ⅔ of the way to ⅓: 2/9.
    assert conc.lorenz_points([1, 2], n_points=3)["andel_resurs"].iloc[1] == pytest.approx(2 / 9)


def test_lorenz_by_group():
    d = _frame([1, 2, 3, 4], [5, 5])
    out = conc.lorenz_by_group(d, "timmar", n_points=2, levels=("kvinna", "man"))
    women = out[out["kon"] == "kvinna"]
    assert list(women["andel_resurs"]) == pytest.approx([0.0, 0.3, 1.0])
    assert list(women["gini"]) == pytest.approx([0.25] * 3) and set(women["n"]) == {4.0}
    men = out[out["kon"] == "man"]
    assert list(men["andel_resurs"]) == pytest.approx([0.0, 0.5, 1.0]) and men["gini"].iloc[0] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_an_aggregated_table_gives_what_its_units_give(seed):
    """``count=``: the share gaps, the Lorenz curves and the Gini coefficients of a table of
    counted rows equal those of the units it counts."""
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], 400),
                          "behov": rng.choice(["a", "b", "c"], 400),
                          "timmar": rng.choice([0.0, 2.0, 5.0, 8.0, 20.0], 400)})
    counted = units.groupby(["kon", "behov", "timmar"], as_index=False).size().rename(
        columns={"size": "n"})
    assert len(counted) < 40
    levels = ("kvinna", "man")
    for fn, kw in ((conc.resource_share_gap, {"conf_level": 0.9}),
                   (conc.adjusted_resource_share_gap, {"covariates": ["behov"]}),
                   (conc.lorenz_by_group, {"n_points": 10})):
        pd.testing.assert_frame_equal(fn(counted, "timmar", "kon", levels=levels, count="n", **kw),
                                      fn(units, "timmar", "kon", levels=levels, **kw),
                                      check_dtype=False, rtol=1e-9, atol=1e-12)
    x = units["timmar"].to_numpy()
    assert conc.gini(counted["timmar"], counted["n"]) == pytest.approx(conc.gini(x), rel=1e-12)


def test_share_gap_without_variance_has_no_interval():
    """Every woman got 0 hours: the women's share of the resource is 0 and the delta method's
    variance vanishes, so the interval was the estimate itself ('−45,5 till −45,5'). The
    estimate stays; the interval and p-value are not given, and the warning says why."""
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"kon": ["kvinna"] * 50 + ["man"] * 60,
                      "t": np.r_[np.zeros(50), rng.gamma(2, 10, 60)]})
    with pytest.warns(UserWarning, match="intervallet kan inte beräknas"):
        r = conc.resource_share_gap(d, "t", "kon", levels=("kvinna", "man")).iloc[0]
    assert r["estimate"] == pytest.approx(-100 * 50 / 110)
    assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"]) and np.isnan(r["p_value"])
    d.loc[d["kon"] == "kvinna", "t"] = 1.0                      # variance in one group: an interval
    r = conc.resource_share_gap(d, "t", "kon", levels=("kvinna", "man")).iloc[0]
    assert r["ci_low"] < r["estimate"] < r["ci_high"] and r["warning"] == ""
    for amount, (na, nb) in ((0.1, (50, 60)), (7.3, (37, 41))):   # equal amounts: se is rounding
        same = pd.DataFrame({"kon": ["kvinna"] * na + ["man"] * nb, "t": amount})
        with pytest.warns(UserWarning, match="intervallet kan inte beräknas"):
            r = conc.resource_share_gap(same, "t", "kon", levels=("kvinna", "man")).iloc[0]
        assert r["estimate"] == pytest.approx(0, abs=1e-9) and np.isnan(r["ci_low"]) and np.isnan(r["p_value"])
