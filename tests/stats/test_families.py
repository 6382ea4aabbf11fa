"""Categorical, amounts, survival, trend and multiple comparisons against reference values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jamtools import stats
from tests.stats import reference_values as ref


# --- categorical -------------------------------------------------------------------------

def _cat_counts(table: dict) -> pd.DataFrame:
    return pd.DataFrame([{"typ": t, "kon": k, "antal": v} for t, d in table.items() for k, v in d.items()])


def test_dissimilarity_index_by_hand():
    """Duncan & Duncan (1955): D = ½ Σ|a_i/A − b_i/B|. Girls 60/30/10, boys 20/30/50 of 100:
    D = ½(0.4 + 0 + 0.4) = 0.4."""
    data = _cat_counts({"x": {"flicka": 60, "pojke": 20}, "y": {"flicka": 30, "pojke": 30},
                        "z": {"flicka": 10, "pojke": 50}})
    res = stats.dissimilarity_index(data, "typ", count="antal", levels=("flicka", "pojke")).iloc[0]
    assert res.d_naive == pytest.approx(0.4)
    # The reported estimate is median-unbiased, so below the upward-biased sample D, but close
    # with 100 per group; the interval holds both and the lower bound is clearly above zero.
    assert 0.3 < res.estimate < 0.4
    assert 0 < res.ci_low < res.estimate < 0.4 < res.ci_high
    assert not res.warning
    same = _cat_counts({"x": {"flicka": 50, "pojke": 50}, "y": {"flicka": 50, "pojke": 50}})
    res = stats.dissimilarity_index(same, "typ", count="antal", levels=("flicka", "pojke")).iloc[0]
    # Identical distributions: D = 0, the interval starts at 0 but is not [0, 0], and says why.
    assert res.d_naive == 0 and res.estimate == 0 and res.ci_low == 0 < res.ci_high < 0.3
    assert "noll" in res.warning


def test_cramers_v_and_residuals_by_hand():
    """2 × 2 table [[30, 10], [10, 30]]: chi² = 20 (N = 80), so V = sqrt(20/80) = 0.5; the
    adjusted residual of each cell is ±sqrt(20) (Agresti 2013, §2.4.5)."""
    data = _cat_counts({"x": {"flicka": 30, "pojke": 10}, "y": {"flicka": 10, "pojke": 30}})
    test = stats.independence_test(data, "typ", count="antal").iloc[0]
    assert test.estimate == pytest.approx(0.5)
    dist = stats.distribution_by_group(data, "typ", count="antal")
    assert dist.adj_residual.abs().to_numpy() == pytest.approx(np.full(4, np.sqrt(20)))
    assert dist.loc[(dist.typ == "x") & (dist.kon == "flicka"), "share"].item() == 0.75


# --- amounts -----------------------------------------------------------------------------

def _amount_data(seed=1, n=600):
    rng = np.random.default_rng(seed)
    kon = np.where(rng.random(n) < 0.5, "kvinna", "man")
    adl = rng.integers(0, 4, n) + (kon == "kvinna")
    alone = (rng.random(n) < np.where(kon == "kvinna", 0.7, 0.4)).astype(float)
    y = 5 + 3 * adl + 4 * alone - 1.5 * (kon == "kvinna") + rng.normal(0, 2, n)
    return pd.DataFrame({"kon": kon, "adl": adl.astype(float), "ensam": alone, "timmar": y})


def test_oaxaca_blinder_matches_worked_computation():
    """Two-fold pooled decomposition computed step by step with numpy (Jann 2008, eq. 4–7):
    gap = (x̄a − x̄b)'β* + [x̄a'(βa − β*) + x̄b'(β* − βb)], β* from the pooled regression
    with the group indicator. Numeric covariates with more than 10 values enter linearly, so
    here ADL (0–4) enters as indicators; use a numeric version to keep the example small."""
    df = _amount_data()
    df["adl_num"] = df["adl"] + np.linspace(0, 1e-6, len(df))  # many distinct values -> linear
    res = stats.oaxaca_blinder(df, "timmar", "kon", ["adl_num", "ensam"], levels=("kvinna", "man")
                               ).set_index("measure")
    X = np.column_stack([np.ones(len(df)), df.adl_num, df.ensam])
    a = (df.kon == "kvinna").to_numpy()
    y = df.timmar.to_numpy()
    ba = np.linalg.lstsq(X[a], y[a], rcond=None)[0]
    bb = np.linalg.lstsq(X[~a], y[~a], rcond=None)[0]
    pooled = np.linalg.lstsq(np.column_stack([X, a.astype(float)]), y, rcond=None)[0][:3]
    xa, xb = X[a].mean(axis=0), X[~a].mean(axis=0)
    explained = (xa - xb) @ pooled
    unexplained = xa @ (ba - pooled) + xb @ (pooled - bb)
    assert res.loc["oaxaca_gap", "estimate"] == pytest.approx(y[a].mean() - y[~a].mean())
    assert res.loc["oaxaca_explained", "estimate"] == pytest.approx(explained)
    assert res.loc["oaxaca_unexplained", "estimate"] == pytest.approx(unexplained)
    assert explained + unexplained == pytest.approx(res.loc["oaxaca_gap", "estimate"])
    # The planted unequal treatment (−1.5 h for women at equal need) is the unexplained part.
    lo, hi = res.loc["oaxaca_unexplained", ["ci_low", "ci_high"]]
    assert lo < -1.5 < hi


def test_adjusted_amount_difference_recovers_planted_gap_and_matches_ols():
    df = _amount_data(seed=2, n=3000)
    res = stats.adjusted_amount_difference(df, "timmar", "kon", ["adl", "ensam"],
                                           levels=("kvinna", "man")).iloc[0]
    assert res.ci_low < -1.5 < res.ci_high
    crude = stats.compare_amounts(df, "timmar", "kon", levels=("kvinna", "man")).set_index("measure")
    assert crude.loc["mean_difference", "estimate"] > 0  # women have more need: crude gap positive
    gamma = stats.adjusted_amount_difference(df.assign(timmar=df.timmar.clip(lower=0.1)), "timmar",
                                             "kon", ["adl", "ensam"],
                                             levels=("kvinna", "man"), model="gamma")
    assert gamma.measure.iloc[0] == "ratio_of_means" and gamma.estimate.iloc[0] < 1


def test_adjusted_amount_difference_rejects_an_unknown_model_naming_the_allowed_ones():
    # Checked before anything else: also when a group is too small to fit any model.
    for df in (_amount_data(n=200), _amount_data(n=200).query("kon == 'kvinna'")):
        with pytest.raises(ValueError, match="'ols', 'gamma'.*'poisson'"):
            stats.adjusted_amount_difference(df, "timmar", "kon", ["adl"], levels=("kvinna", "man"),
                                             model="poisson")


def test_describe_amounts_shares_of_resources():
    df = pd.DataFrame({"kon": ["kvinna"] * 3 + ["man"] * 2, "belopp": [1.0, 2.0, 3.0, 10.0, 20.0]})
    d = stats.describe_amounts(df, "belopp").set_index("kon")
    assert d.loc["kvinna", "median"] == 2.0 and d.loc["man", "mean"] == 15.0
    assert d.loc["man", "share_of_total"] == pytest.approx(30 / 36)
    assert d.loc["kvinna", "share_of_n"] == pytest.approx(0.6)


# --- survival ----------------------------------------------------------------------------

def _leukaemia():
    rows = [{"t": t, "e": e, "grupp": "6mp"} for t, e in ref.LEUKAEMIA_6MP]
    rows += [{"t": t, "e": e, "grupp": "placebo"} for t, e in ref.LEUKAEMIA_PLACEBO]
    return pd.DataFrame(rows)


def test_kaplan_meier_matches_textbook():
    km = stats.kaplan_meier(_leukaemia(), "t", "e", "grupp")
    mp = km[km.grupp == "6mp"].set_index("time")
    for t, s in ref.KM_6MP.items():
        assert mp.loc[t, "survival"] == pytest.approx(s, abs=5e-5)


def test_logrank_and_cox_match_r():
    lr = stats.logrank(_leukaemia(), "t", "e", "grupp", levels=("placebo", "6mp")).iloc[0]
    assert lr.estimate == pytest.approx(ref.LOGRANK_CHI2, abs=0.01)
    cox = stats.cox_hazard_ratio(_leukaemia(), "t", "e", "grupp", levels=("placebo", "6mp")).iloc[0]
    assert (cox.estimate, cox.ci_low, cox.ci_high) == pytest.approx(ref.COX_HR, abs=0.005)


def test_cox_rejects_unknown_ties_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="'efron', 'breslow'.*'exact'"):
        stats.cox_hazard_ratio(_leukaemia(), "t", "e", "grupp", levels=("placebo", "6mp"), ties="exact")


# --- change over time --------------------------------------------------------------------

def test_gap_change_recovers_a_planted_closing_gap():
    rng = np.random.default_rng(4)
    n = 12000
    year = rng.integers(2020, 2026, n)
    kon = np.where(rng.random(n) < 0.5, "kvinna", "man")
    p = 0.4 + np.where((kon == "kvinna") & (year < 2023), 0.08, 0.0)
    df = pd.DataFrame({"ar": year, "kon": kon, "y": (rng.random(n) < p).astype(int)})
    per_year = stats.gap_by_period(df, "ar", outcome="y", levels=("kvinna", "man"))
    assert list(per_year.period) == list(range(2020, 2026))
    change = stats.gap_change(df, "ar", 2023, outcome="y", levels=("kvinna", "man")).iloc[0]
    assert change.ci_low < -8 < change.ci_high and change.p_value < 0.01
    assert change.gap_before_pp == pytest.approx(per_year.query("period < 2023").estimate.mean(), abs=1.5)


# --- many comparisons --------------------------------------------------------------------

def test_holm_and_bh_reproduce_benjamini_hochberg_1995():
    table = pd.DataFrame({"p_value": ref.BH_PVALUES})
    bh = stats.adjust_pvalues(table, method="bh")
    holm = stats.adjust_pvalues(table, method="holm")
    assert (bh.p_adjusted <= 0.05).sum() == ref.BH_REJECTED
    assert (holm.p_adjusted <= 0.05).sum() == ref.HOLM_REJECTED
    assert set(bh.p_adjust_method) == {"Benjamini–Hochberg"} and set(holm.p_adjust_method) == {"Holm"}


def test_adjust_pvalues_rejects_an_unknown_method_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="'holm', 'bh'.*'bonferroni'"):
        stats.adjust_pvalues(pd.DataFrame({"p_value": [0.01, 0.2]}), method="bonferroni")


def test_bonferroni_level():
    assert stats.bonferroni_level(0.95, 6) == pytest.approx(1 - 0.05 / 6)
    assert stats.bonferroni_level(0.95, 1) == 0.95 and stats.bonferroni_level(0.9, 0) == 0.9


def test_one_test_shown_as_three_measures_is_counted_once():
    """A difference, a ratio and an odds ratio of the same two shares carry one test's p-value:
    Holm over the rows counted it three times (a probe's r4_03: 12 rows, 5 tests)."""
    rows = []
    for outcome, p in (("a", 0.01), ("b", 0.04)):
        for measure, op in (("risk_difference_pp", "−"), ("risk_ratio", "/"), ("odds_ratio", "/")):
            rows.append({"outcome": outcome, "comparison": f"kvinna {op} man", "group_a": "kvinna",
                         "group_b": "man", "measure": measure, "adjusted": False, "adjusted_for": [],
                         "test": "chi-två-test", "p_value": p})
    holm = stats.adjust_pvalues(pd.DataFrame(rows), method="holm")
    # two tests: 0.01 × 2 and max(0.02, 0.04 × 1)
    assert holm["p_adjusted"].tolist() == pytest.approx([0.02] * 3 + [0.04] * 3)
    # the same p-value in two outcomes is two tests
    tied = pd.DataFrame(rows).assign(p_value=0.02)
    assert stats.adjust_pvalues(tied, method="holm")["p_adjusted"].tolist() == pytest.approx([0.04] * 6)
