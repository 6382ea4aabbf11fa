"""Rates per 1 000 and rate ratios (jamtools.stats.rates) against reference values.

The two-stratum example is computed by hand below (every intermediate value written out), so the
test does not repeat the code it checks. Age confounds it on purpose: women are mostly in the
stratum with the low rate, so the crude ratio (0.77) is lower than the ratio within strata.

    stratum 1: women 10 of 1 000, men 20 of 1 000   (rates 0.010 and 0.020)
    stratum 2: women 30 of 3 000, men  6 of 1 000   (rates 0.010 and 0.006)

Direct standardisation to both sexes together: weights 2 000/6 000 = 1/3 and 4 000/6 000 = 2/3.
    DSR women = 1/3 · 0.010 + 2/3 · 0.010 = 0.010
    DSR men   = 1/3 · 0.020 + 2/3 · 0.006 = 0.0106667
    SRR = 0.010 / 0.0106667 = 0.9375
    var(DSR women) = (1/9)·10/1000² + (4/9)·30/3000² = 1.11111e-6 + 1.48148e-6 = 2.59259e-6
    var(DSR men)   = (1/9)·20/1000² + (4/9)·6/1000²  = 2.22222e-6 + 2.66667e-6 = 4.88889e-6
    var(ln SRR) = 2.59259e-6/0.010² + 4.88889e-6/0.0106667² = 0.0259259 + 0.0429688 = 0.0688947
    se = 0.262478; 95 % CI 0.9375 · exp(∓1.959964 · 0.262478) = 0.56047 to 1.56817
Mantel–Haenszel (Greenland & Robins 1985):
    R = 10·1000/2000 + 30·1000/4000 = 5 + 7.5 = 12.5;  S = 20·1000/2000 + 6·3000/4000 = 10 + 4.5 = 14.5
    RR_MH = 12.5/14.5 = 0.862069
    var(ln RR_MH) = (1000·1000·30/2000² + 3000·1000·36/4000²) / (12.5 · 14.5) = 14.25/181.25 = 0.0786207
    se = 0.280394; 95 % CI 0.49759 to 1.49353
Crude: (40/4000)/(26/2000) = 0.769231, se(ln) = sqrt(1/40 + 1/26) = 0.251916.
"""
from __future__ import annotations

import math

import pandas as pd

from jamtools.data.derive import age_bands, age_group
import pytest

from jamtools.stats import rates

TABLE = pd.DataFrame({
    "aldersgrupp": ["1", "1", "2", "2"],
    "kon": ["kvinna", "man", "kvinna", "man"],
    "events": [10, 20, 30, 6],
    "population": [1000, 1000, 3000, 1000],
})


def test_standardised_rate_ratio_against_hand_computed_value():
    [row] = rates.standardised_rate_ratio(TABLE, strata="aldersgrupp",
                                          levels=("kvinna", "man")).to_dict("records")
    assert row["estimate"] == pytest.approx(0.9375, rel=1e-12)
    assert row["ci_low"] == pytest.approx(0.56047, abs=5e-5)
    assert row["ci_high"] == pytest.approx(1.56817, abs=5e-5)
    assert row["adjusted"] and row["adjusted_for"] == "aldersgrupp"
    assert (row["n_a"], row["events_a"], row["n_b"], row["events_b"]) == (4000, 40, 2000, 26)
    dsr = rates.standardised_rates(TABLE, strata="aldersgrupp",
                                   levels=("kvinna", "man")).set_index("kon")
    assert dsr.loc["kvinna", "rate"] == pytest.approx(10.0)
    assert dsr.loc["man", "rate"] == pytest.approx(10.666667, rel=1e-6)
    assert dsr.loc["kvinna", "variance"] == pytest.approx(2.592593e-6, rel=1e-6)
    assert dsr.loc["man", "variance"] == pytest.approx(4.888889e-6, rel=1e-6)


@pytest.mark.parametrize("table", [TABLE.iloc[:0], TABLE.assign(population=[0, 1000, 3000, 0], events=[0, 20, 30, 0])])
def test_no_stratum_with_population_for_both_gives_no_standardised_rate(table):
    """Without a stratum that has inhabitants of both sexes (no cells, or each stratum's
    population of one sex only) there is nothing to standardise over: missing rates and ratio,
    each saying why, not an error."""
    dsr = rates.standardised_rates(table, strata="aldersgrupp", levels=("kvinna", "man"))
    assert list(dsr["kon"]) == ["kvinna", "man"] and dsr["rate"].isna().all()
    assert (dsr["warning"] == rates.NO_STRATUM).all() and dsr[["n", "events"]].isna().all().all()
    [row] = rates.standardised_rate_ratio(table, strata="aldersgrupp",
                                          levels=("kvinna", "man")).to_dict("records")
    assert math.isnan(row["estimate"]) and row["warning"] == rates.NO_STRATUM
    [mh] = rates.mantel_haenszel_rate_ratio(table, strata="aldersgrupp",
                                            levels=("kvinna", "man")).to_dict("records")
    assert math.isnan(mh["estimate"]) and mh["warning"] == rates.NO_STRATUM


def test_mantel_haenszel_rate_ratio_against_hand_computed_value():
    [row] = rates.mantel_haenszel_rate_ratio(TABLE, strata="aldersgrupp",
                                             levels=("kvinna", "man")).to_dict("records")
    assert row["estimate"] == pytest.approx(0.862069, rel=1e-6)
    assert row["ci_low"] == pytest.approx(0.49759, abs=5e-5)
    assert row["ci_high"] == pytest.approx(1.49353, abs=5e-5)
    assert row["measure"] == "mh_rate_ratio"


def test_crude_rate_ratio_and_confounding_by_age():
    [row] = rates.rate_ratio(TABLE, levels=("kvinna", "man")).to_dict("records")
    assert row["estimate"] == pytest.approx(0.769231, rel=1e-6)
    z = 1.959964
    assert row["ci_low"] == pytest.approx(0.769231 * math.exp(-z * 0.251916), rel=1e-5)
    assert row["ci_high"] == pytest.approx(0.769231 * math.exp(z * 0.251916), rel=1e-5)
    assert not row["adjusted"]
    # The crude ratio is pulled down by the age distribution; within strata it is nearer 1.
    assert row["estimate"] < rates.standardised_rate_ratio(TABLE, strata="aldersgrupp",
                                                           levels=("kvinna", "man"))["estimate"][0]


def test_one_stratum_standardisation_is_the_crude_ratio():
    one = TABLE.assign(aldersgrupp="alla")
    srr = rates.standardised_rate_ratio(one, strata="aldersgrupp",
                                        levels=("kvinna", "man"))["estimate"][0]
    mh = rates.mantel_haenszel_rate_ratio(one, strata="aldersgrupp",
                                          levels=("kvinna", "man"))["estimate"][0]
    crude = rates.rate_ratio(one, levels=("kvinna", "man"))["estimate"][0]
    assert srr == pytest.approx(crude) and mh == pytest.approx(crude)


def test_rate_interval_is_garwoods_exact_poisson_interval():
    # Exact 95 % limits for a Poisson count of 10: 4.7954 to 18.3904; for 0: 0 to 3.6889
    # (the standard tables, e.g. Ulm 1990, Am J Epidemiol 131:373-375).
    t = pd.DataFrame({"kon": ["kvinna", "man"], "events": [10, 0], "population": [1000, 1000]})
    r = rates.rate_by_group(t).set_index("kon")
    assert r.loc["kvinna", "rate"] == pytest.approx(10.0)
    assert r.loc["kvinna", "ci_low"] == pytest.approx(4.7954, abs=1e-4)
    assert r.loc["kvinna", "ci_high"] == pytest.approx(18.3904, abs=1e-4)
    assert r.loc["man", "ci_low"] == 0 and r.loc["man", "ci_high"] == pytest.approx(3.6889, abs=1e-4)


def test_fay_feuer_interval_reduces_to_garwood_for_one_stratum():
    t = pd.DataFrame({"s": ["a", "a"], "kon": ["kvinna", "man"], "events": [10, 7],
                      "population": [1000, 2000]})
    dsr = rates.standardised_rates(t, strata="s", levels=("kvinna", "man")).set_index("kon")
    exact = rates.rate_by_group(t).set_index("kon")
    for sex in ("kvinna", "man"):
        assert dsr.loc[sex, "ci_low"] == pytest.approx(exact.loc[sex, "ci_low"], rel=1e-9)
        assert dsr.loc[sex, "ci_high"] == pytest.approx(exact.loc[sex, "ci_high"], rel=1e-9)


def test_share_of_women_against_the_population():
    [row] = rates.share_compared_with_population(TABLE, level="kvinna").to_dict("records")
    # clients: 40 women of 66; inhabitants: 4 000 of 6 000
    assert row["estimate"] == pytest.approx(100 * (40 / 66 - 4000 / 6000))
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    by = rates.share_compared_with_population(TABLE, by="aldersgrupp",
                                              level="kvinna").set_index("aldersgrupp")
    assert by.loc["2", "share_a"] == pytest.approx(30 / 36) and by.loc["2", "share_b"] == pytest.approx(0.75)


def test_age_groups():
    assert age_bands([0, 7, 13, 16], 17) == ["0–6 år", "7–12 år", "13–15 år", "16–17 år"]
    assert age_bands([65, 75]) == ["65–74 år", "75+ år"]
    g = age_group(pd.Series([0, 6, 7, 17, 18, None]), bounds=[0, 7, 13, 16], upper=17)
    assert list(g.fillna("NA")) == ["0–6 år", "0–6 år", "7–12 år", "16–17 år", "NA", "NA"]
    with pytest.raises(ValueError):
        age_bands([10, 5])


def test_population_must_cover_the_persons_counted():
    bad = TABLE.assign(population=[0, 1000, 3000, 1000])
    with pytest.raises(ValueError, match="Befolkningen ska vara större än 0"):
        rates.rate_by_group(bad)
