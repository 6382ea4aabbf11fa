"""Binary outcomes against published reference values (sources in reference_values.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.stats.proportion import proportion_confint

from jamtools import stats
from tests.stats import reference_values as ref


def _counts(x, n, label):
    return {"kon": label, "n": float(n), "events": float(x)}


@pytest.mark.parametrize("x, n, wl, wh, cl, ch", ref.SINGLE_PROPORTION)
def test_wilson_and_clopper_pearson_match_newcombe_1998a(x, n, wl, wh, cl, ch):
    table = pd.DataFrame([_counts(x, n, "flicka")])
    w = stats.share_by_group(table).iloc[0]
    cp = stats.share_by_group(table, method="clopper-pearson").iloc[0]
    assert (round(w.ci_low, 4), round(w.ci_high, 4)) == (wl, wh)
    assert (round(cp.ci_low, 4), round(cp.ci_high, 4)) == (cl, ch)


@pytest.mark.parametrize("x1, n1, x2, n2, lo, hi", ref.NEWCOMBE_DIFFERENCE)
def test_difference_interval_matches_newcombe_1998b(x1, n1, x2, n2, lo, hi):
    table = pd.DataFrame([_counts(x1, n1, "a"), _counts(x2, n2, "b")])
    row = stats.compare_groups(table, "kon",
                               levels=("a", "b")).set_index("measure").loc["risk_difference_pp"]
    assert row.ci_low == pytest.approx(100 * lo, abs=0.006)
    assert row.ci_high == pytest.approx(100 * hi, abs=0.006)
    assert row.estimate == pytest.approx(100 * (x1 / n1 - x2 / n2))


def _berkeley_rows():
    rows = []
    for dept, (ma, mr, fa, fr) in ref.BERKELEY.items():
        rows.append({"avd": dept, "kon": "man", "n": ma + mr, "events": ma})
        rows.append({"avd": dept, "kon": "kvinna", "n": fa + fr, "events": fa})
    return pd.DataFrame(rows)


def test_mantel_haenszel_and_breslow_day_on_berkeley():
    mh = stats.mantel_haenszel(_berkeley_rows(), "kon", "avd", ("man", "kvinna")).iloc[0]
    assert mh.estimate == pytest.approx(ref.BERKELEY_MH_OR[0], abs=1e-6)
    assert (mh.ci_low, mh.ci_high) == pytest.approx(ref.BERKELEY_MH_OR[1:], abs=1e-6)
    assert mh.homogeneity_p == pytest.approx(ref.BERKELEY_BRESLOW_DAY[1], abs=1e-5)


def test_berkeley_simpson_flag():
    """Crude: men admitted more often (interval above 0); adjusted for department slightly fewer,
    but the adjusted interval covers 0 (−5,0 to 1,1 pp): opposite signs, no reversal claimed."""
    data = _berkeley_rows()
    crude = stats.compare_groups(data, "kon", levels=("man", "kvinna")).set_index("measure")
    adj = stats.adjusted_difference(data, "kon", ["avd"], levels=("man", "kvinna")).set_index("measure")
    assert crude.loc["risk_difference_pp", "estimate"] == pytest.approx(44.52 - 30.35, abs=0.05)
    assert adj.loc["risk_difference_pp", "estimate"] < 0
    cols = ["estimate", "ci_low", "ci_high"]
    c, a = (tuple(t.loc["risk_difference_pp", cols]) for t in (crude, adj))
    assert c[1] > 0 and a[1] < 0 < a[2]
    assert stats.flag_simpson(c, a) == "unclear"


@pytest.mark.parametrize("crude, adjusted, null, expected", [
    ((3.0, 1.0, 5.0), (-2.0, -3.0, -1.0), 0.0, "reversal"),   # both intervals clear, opposite sides
    ((-2.0, -3.0, -1.0), (3.0, 1.0, 5.0), 0.0, "reversal"),
    ((3.0, 1.0, 5.0), (-2.0, -5.0, 1.0), 0.0, "unclear"),     # the adjusted interval covers 0
    ((3.0, -1.0, 5.0), (-2.0, -3.0, -1.0), 0.0, "unclear"),   # the crude one does
    ((3.0, 1.0, 5.0), (-2.0, float("nan"), float("nan")), 0.0, "unclear"),  # no interval
    ((3.0, 1.0, 5.0), (1.0, 0.5, 2.0), 0.0, "none"),          # same sign
    ((0.0, -1.0, 1.0), (-2.0, -3.0, -1.0), 0.0, "none"),      # an estimate at null
    ((float("nan"),) * 3, (-2.0, -3.0, -1.0), 0.0, "none"),   # no estimate
    ((3.0, 1.0, 5.0), (-2.0, 0.0, 1.0), 0.0, "unclear"),      # a limit at null is not clear
    ((1.5, 1.2, 1.9), (0.8, 0.7, 0.9), 1.0, "reversal"),      # ratios around 1
    ((1.5, 1.2, 1.9), (0.8, 0.6, 1.1), 1.0, "unclear"),
])
def test_flag_simpson_needs_both_intervals_clear(crude, adjusted, null, expected):
    assert stats.flag_simpson(crude, adjusted, null=null) == expected


def _rows(seed=3, n=20000):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"kon": rng.choice(["flicka", "pojke"], n),
                       "grp": rng.choice(list("abcd"), n), "ald": rng.choice(["x", "y", "z"], n)})
    lin = -0.3 + 0.4 * (df.kon == "flicka") + df.grp.map({"a": 0, "b": 0.5, "c": -0.5, "d": 1.0}) \
        + df.ald.map({"x": 0, "y": 0.3, "z": -0.2})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    return df


def test_collapsed_logit_equals_row_level_fit():
    """Coefficients and standard errors of the binomial GLM on the collapsed table equal the
    row-level logistic regression's to 1e-8 (aggregate first loses nothing)."""
    df = _rows()
    counts = stats.collapse(df, "y", ["kon", "grp", "ald"])

    def design(frame):
        return pd.concat([pd.Series(1.0, index=frame.index, name="const"),
                          (frame.kon == "flicka").astype(float).rename("flicka"),
                          pd.get_dummies(frame[["grp", "ald"]], drop_first=True, dtype=float)], axis=1)

    row = sm.Logit(df["y"], design(df)).fit(disp=0, tol=1e-12)
    agg = sm.GLM(np.column_stack([counts.events, counts.n - counts.events]), design(counts),
                 family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(agg.params.to_numpy(), row.params.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(agg.bse.to_numpy(), row.bse.to_numpy(), atol=1e-8)


def test_standardised_difference_equals_row_level_g_computation():
    """The adjusted difference equals an independent g-computation on the row-level fit."""
    df = _rows(seed=5, n=5000)
    res = stats.adjusted_difference(df, "kon", ["grp", "ald"], levels=("flicka", "pojke"), outcome="y")
    est = res.set_index("measure").loc["risk_difference_pp", "estimate"]
    import statsmodels.formula.api as smf
    fit = smf.logit("y ~ C(kon) + C(grp) + C(ald)", data=df).fit(disp=0)
    pa = fit.predict(df.assign(kon="flicka")).mean()
    pb = fit.predict(df.assign(kon="pojke")).mean()
    assert est == pytest.approx(100 * (pa - pb), abs=1e-6)


def test_fisher_used_when_expected_counts_small_and_chi2_otherwise():
    small = pd.DataFrame([_counts(1, 8, "a"), _counts(5, 9, "b")])
    big = pd.DataFrame([_counts(100, 300, "a"), _counts(130, 310, "b")])
    assert "Fisher" in stats.compare_groups(small, "kon", levels=("a", "b")).test.iloc[0]
    assert "chi" in stats.compare_groups(big, "kon", levels=("a", "b")).test.iloc[0]


def test_one_sex_missing_gives_warning_not_nan_soup():
    table = pd.DataFrame([_counts(10, 40, "flicka")])
    with pytest.warns(UserWarning, match="saknas"):
        res = stats.compare_groups(table, "kon", levels=("flicka", "pojke"))
    assert res.estimate.isna().all() and res.warning.str.contains("pojke").all()


def test_share_by_group_rejects_an_unknown_method_naming_the_allowed_ones():
    table = pd.DataFrame([_counts(10, 40, "flicka")])
    with pytest.raises(ValueError, match="'wilson', 'clopper-pearson'.*'wald'"):
        stats.share_by_group(table, method="wald")


def test_collapse_rejects_non_binary_outcome_with_clear_message():
    df = pd.DataFrame({"kon": ["flicka", "pojke", "pojke"], "y": [1, 2, None]})
    with pytest.raises(ValueError, match="'y' ska vara 0/1.*2 rader"):
        stats.collapse(df, "y", ["kon"])


def test_min_detectable_difference_matches_power_calculation():
    """At the returned difference the two-sample test has 80 % power (statsmodels' power for
    two independent proportions, computed independently with the arcsine effect size)."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize
    mdd = stats.min_detectable_difference(200, 250, 0.30)
    # The smaller of the two directions is returned; near 0.3 that is the downward one.
    h = proportion_effectsize(0.30 - mdd / 100, 0.30)
    power = NormalIndPower().power(h, nobs1=200, alpha=0.05, ratio=250 / 200)
    assert power == pytest.approx(0.8, abs=1e-6)
    assert 10 < mdd < 15
    assert stats.min_detectable_difference(20, 20, 0.3) > stats.min_detectable_difference(2000, 2000, 0.3)


@pytest.mark.parametrize("alpha, power", [(0.05, 0.8), (0.01, 0.9), (0.1, 0.5), (0.05, 0.06)])
def test_detectable_effect_solves_statsmodels_power_equation(alpha, power):
    """The effect size solves statsmodels' power equation exactly (the power there is the power
    asked for, to 1e-12), for groups from 1 to a million, even and uneven. statsmodels'
    solve_power finds the same root only to its search's tolerance (its effect size is off by up
    to 0.2 % of itself here, near power = alpha and at a million)."""
    from statsmodels.stats.power import NormalIndPower

    from jamtools.stats.binary import _detectable_effect

    for n_a, n_b in [(1, 1), (3, 40), (200, 250), (5_000, 17), (1_000_000, 800_000)]:
        h = _detectable_effect(n_a, n_b, alpha=alpha, power=power)
        ref = NormalIndPower().solve_power(effect_size=None, nobs1=n_a, alpha=alpha, power=power,
                                           ratio=n_b / n_a, alternative="two-sided")
        assert h == pytest.approx(ref, rel=5e-3)
        assert NormalIndPower().power(h, nobs1=n_a, alpha=alpha, ratio=n_b / n_a) == pytest.approx(power, abs=1e-12)
    assert np.isnan(_detectable_effect(10, 10, alpha=0.05, power=0.05))  # no test has power ≤ alpha


@pytest.mark.parametrize("alpha, power", [(0.95, 0.95 + 1e-9), (0.999, 0.999999), (0.999, 0.999 + 1e-12),
                                          (1e-12, 0.8), (0.5, 0.51), (0.9, 0.99)])
def test_detectable_effect_at_the_edges_is_the_positive_root(alpha, power):
    """Near power = alpha, at alpha near 1 and at a tiny alpha the root is still the positive
    one, with the power asked for (the curve is even in x, so the bracket [0, one-tail
    solution] must exclude the negative root; at a tiny alpha the one-tail solution is the root
    to rounding)."""
    from statsmodels.stats.power import NormalIndPower

    from jamtools.stats.binary import _detectable_effect

    for n_a, n_b in [(1, 1), (200, 250), (1_000_000, 800_000)]:
        h = _detectable_effect(n_a, n_b, alpha=alpha, power=power)
        assert h >= 0
        assert NormalIndPower().power(h, nobs1=n_a, alpha=alpha, ratio=n_b / n_a) == pytest.approx(power, abs=1e-9)


def test_collapse_file_with_duckdb_equals_pandas(tmp_path):
    df = _rows(seed=7, n=3000)
    path = tmp_path / "rows.parquet"
    df.to_parquet(path, index=False)
    by = ["kon", "grp", "ald"]
    a = stats.collapse(df, "y", by).sort_values(by).reset_index(drop=True)
    b = stats.collapse_file(path, "y", by).sort_values(by).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[by].astype(str), b[by].astype(str))
    np.testing.assert_array_equal(a[["n", "events"]].to_numpy(), b[["n", "events"]].to_numpy())
    df.loc[3, "y"] = 7
    df.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="binary outcome[)]: 1 rad i "):
        stats.collapse_file(tmp_path / "bad.csv", "y", by)


def test_a_missing_covariate_value_is_a_level_of_its_own():
    """A cell whose covariate is missing enters the model as a level of its own, as if the
    value were written as a word, never as the reference level (under pandas 3 ``astype(str)``
    keeps it missing and ``get_dummies`` gave it no indicator); the g-computation is checked
    against a row-level logit with the missing value as its own category."""
    df = _rows(seed=7, n=6000)
    df["ald"] = df["ald"].astype(object)
    df.loc[df.index % 5 == 0, "ald"] = None
    df.loc[df["ald"].isna(), "y"] = (np.arange(df["ald"].isna().sum()) % 3 == 0).astype(int)
    got = stats.adjusted_difference(df, "kon", ["grp", "ald"], levels=("flicka", "pojke"),
                                    outcome="y").set_index("measure")
    named = df.assign(ald=df["ald"].fillna("~saknas"))
    expected = stats.adjusted_difference(named, "kon", ["grp", "ald"], levels=("flicka", "pojke"),
                                         outcome="y").set_index("measure")
    merged = stats.adjusted_difference(df.assign(ald=df["ald"].fillna("x")), "kon", ["grp", "ald"],
                                       levels=("flicka", "pojke"), outcome="y").set_index("measure")
    for m in ("risk_difference_pp", "odds_ratio"):
        assert got.loc[m, "estimate"] == pytest.approx(expected.loc[m, "estimate"], rel=1e-9)
        assert got.loc[m, "ci_low"] == pytest.approx(expected.loc[m, "ci_low"], rel=1e-9)
    assert abs(got.loc["odds_ratio", "estimate"] - merged.loc["odds_ratio", "estimate"]) > 1e-4
    import statsmodels.formula.api as smf
    fit = smf.logit("y ~ C(kon) + C(grp) + C(ald)", data=named).fit(disp=0)
    pa, pb = (fit.predict(named.assign(kon=k)).mean() for k in ("flicka", "pojke"))
    assert got.loc["risk_difference_pp", "estimate"] == pytest.approx(100 * (pa - pb), abs=1e-6)
    # the indicators: the reference the first level, the missing value last
    cols = stats.design.indicators(df["ald"], "ald").columns.tolist()
    assert cols == ["ald_y", "ald_z", "ald_nan"]
    assert stats.design.indicators(named["grp"], "grp").columns.tolist() == ["grp_b", "grp_c", "grp_d"]


def _coinciding(seed: int = 1, n: int = 500) -> pd.DataFrame:
    """A covariate that is the sex under another name: no level holds both sexes."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n)})
    d["y"] = (rng.random(n) < np.where(d["kon"] == "kvinna", 0.3, 0.5)).astype(int)
    d["hh"] = d["kon"].map({"kvinna": "ensam", "man": "par"})
    return stats.collapse(d, "y", ["kon", "hh"])


def test_an_adjustment_that_coincides_with_sex_gives_no_adjusted_difference():
    """The sexes' indicator is the sum of the covariate's: the adjusted difference is not
    identified (statsmodels' pseudo-inverse gave −14,9 pp with an interval), so none is shown."""
    with pytest.warns(UserWarning, match="justeringen sammanfaller med könet"):
        r = stats.adjusted_difference(_coinciding(), "kon", ["hh"], levels=("kvinna", "man"), outcome_name="y")
    assert r["estimate"].isna().all() and r["ci_low"].isna().all()
    with pytest.warns(UserWarning, match="Inget stratum har båda grupperna"):
        mh = stats.mantel_haenszel(_coinciding(), "kon", "hh", levels=("kvinna", "man"))
    assert mh["estimate"].isna().all() and mh["n_a"].iloc[0] > 0


def _boundary_rows(seed: int = 3, n: int = 800) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n), "hh": rng.choice(["a", "b", "c"], n),
                      "alder": rng.choice(["ung", "gammal"], n)})
    p = 0.2 + 0.2 * (d["hh"] == "b") + 0.1 * (d["alder"] == "gammal")
    d["y"] = (rng.random(n) < p).astype(int)
    return d


@pytest.mark.parametrize("women", [0, 1])
def test_adjusted_difference_when_one_group_has_the_outcome_for_none_or_all(women):
    """Every woman without the outcome (or every woman with it): the logistic coefficient of
    the sexes has no maximum and the adjusted difference said 'kan inte beräknas'. The
    standardised difference is defined: the women's share is 0 (1) at every level and the men's
    standardised share is their own model's mean prediction over everyone (the g-formula's
    limit). Reference: a row-level GLM on the men alone, predicted for every row. The interval
    (MOVER) holds the estimate and reaches beyond the women's boundary value's side by at least
    the Wilson margin of their crude share."""
    d = _boundary_rows()
    d.loc[d["kon"] == "kvinna", "y"] = women
    cells = stats.collapse(d, "y", ["kon", "hh", "alder"])
    with pytest.warns(UserWarning, match="den andra gruppens modell"):
        r = stats.adjusted_difference(cells, "kon", ["hh", "alder"], levels=("kvinna", "man"),
                                      outcome_name="y").set_index("measure")
    men = d["kon"] == "man"
    x = pd.get_dummies(d[["hh", "alder"]], drop_first=True).astype(float)
    x.insert(0, "const", 1.0)
    fit = GLM(d.loc[men, "y"], x[men], family=families.Binomial()).fit()
    expected = 100 * (women - fit.predict(x).mean())
    rd = r.loc["risk_difference_pp"]
    assert rd["estimate"] == pytest.approx(expected, abs=1e-6)
    assert rd["ci_low"] < rd["estimate"] < rd["ci_high"]
    n_w = int((~men).sum())
    lo, hi = proportion_confint(women * n_w, n_w, alpha=0.05, method="wilson")
    margin = 100 * ((hi - women) if women == 0 else (women - lo))
    side = rd["ci_high"] - rd["estimate"] if women == 0 else rd["estimate"] - rd["ci_low"]
    assert side >= margin - 1e-9
    assert "MOVER" in rd["method"] and np.isnan(r.loc["odds_ratio", "estimate"])


@pytest.mark.parametrize("everyone", [0, 1])
def test_adjusted_difference_when_no_one_or_everyone_has_the_outcome(everyone):
    """No one of either sex has the outcome (or everyone has it): every level is constant and
    nothing is left to compare within levels. The adjusted difference read '0,0 (KI 0,0 till
    0,0)', an interval of no width, though nothing was estimated (the crude interval is wide).
    It cannot be estimated, and the warning says why."""
    d = _boundary_rows().assign(y=everyone)
    cells = stats.collapse(d, "y", ["kon", "hh", "alder"])
    with pytest.warns(UserWarning, match="ingen justerad jämförelse kan göras"):
        r = stats.adjusted_difference(cells, "kon", ["hh", "alder"], levels=("kvinna", "man"),
                                      outcome_name="y").set_index("measure")
    rd = r.loc["risk_difference_pp"]
    assert np.isnan(rd["estimate"]) and np.isnan(rd["ci_low"]) and np.isnan(rd["ci_high"])
    assert rd["warning"].startswith("ingen i någon av grupperna" if everyone == 0
                                    else "alla i båda grupperna")
    crude = stats.compare_groups(cells, "kon", levels=("kvinna", "man"), outcome_name="y")
    assert (crude["ci_high"] > crude["ci_low"]).iloc[0]


def test_boundary_difference_with_a_level_only_the_boundary_group_has():
    """Only women live in 'c', and no woman has the outcome: nobody in 'c' has it, so the level
    adds a difference of 0 to the standardisation (the rule for such levels), and the men's
    model never has to guess their share there. Reference as above, the rows of 'c' counted
    with difference 0."""
    d = _boundary_rows()
    d.loc[d["kon"] == "kvinna", "y"] = 0
    d.loc[(d["kon"] == "man") & (d["hh"] == "c"), "hh"] = "b"
    cells = stats.collapse(d, "y", ["kon", "hh", "alder"])
    with pytest.warns(UserWarning, match="räknas med skillnaden 0"):
        r = stats.adjusted_difference(cells, "kon", ["hh", "alder"], levels=("kvinna", "man"),
                                      outcome_name="y").set_index("measure")
    men, rest = d["kon"] == "man", d["hh"] != "c"
    x = pd.get_dummies(d.loc[rest, ["hh", "alder"]], drop_first=True).astype(float)
    x.insert(0, "const", 1.0)
    fit = GLM(d.loc[men & rest, "y"], x[men[rest]], family=families.Binomial()).fit()
    expected = -100 * fit.predict(x).sum() / len(d)
    assert r.loc["risk_difference_pp", "estimate"] == pytest.approx(expected, abs=1e-6)
