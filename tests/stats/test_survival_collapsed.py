"""The aggregate-first Cox fit and log-rank test against statsmodels on the rows.

``cox_fit`` collapses the rows to cells (design row × risk-set entry × status) and must give
PHReg's estimates and standard errors to rounding (1e-8 relative), whatever the ties, the
covariates or the censoring; ``logrank`` must give statsmodels' ``survdiff``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import survdiff

from jamtools import stats
from jamtools.stats.design import design_matrix
from jamtools.stats.survival import cox_fit

RTOL = 1e-8


def _data(seed: int, n: int = 1500, *, integer_days: bool = True, numeric: bool = False):
    """Times, events and a design (group, a 4-level categorical as indicators[, a numeric])."""
    rng = np.random.default_rng(seed)
    grp = rng.integers(0, 2, n).astype(float)
    cat = rng.integers(0, 4, n)
    cols = [grp, *[(cat == j).astype(float) for j in (1, 2, 3)]]
    if numeric:
        cols.append(rng.normal(40, 12, n))
    x = np.column_stack(cols)
    lin = 0.4 * grp - 0.3 * (cat == 1) + 0.2 * (cat == 3) + (0.01 * cols[-1] if numeric else 0)
    t_event = rng.exponential(90 / np.exp(lin))
    t_cens = rng.exponential(140, n)
    t = np.minimum(t_event, t_cens)
    e = (t_event <= t_cens).astype(int)
    return (np.floor(t) if integer_days else t), e, x, grp, cat


def _cases():
    t, e, x, grp, cat = _data(1)
    rng = np.random.default_rng(11)
    tc, ec, xc, _, _ = _data(2, integer_days=False)
    tn, en, xn, _, _ = _data(3, n=800, numeric=True, integer_days=False)
    return {
        "heavy_ties": (t, e, x),
        "no_ties": (tc, ec, xc),
        "numeric_many_values": (tn, en, xn),
        "group_only": (t, e, x[:, :1]),
        "time_zero": (np.where(rng.random(len(t)) < 0.1, 0.0, t), e, x),
        "all_censored_in_one_group": (t, np.where(grp == 1, 0, e), x),
        "all_censored_in_one_category": (t, np.where(cat == 2, 0, e), x),
        "late_events_only": (t, np.where(t < np.quantile(t, 0.9), 0, e), x),
        "events_after_all_censoring": (np.where(e == 1, t + 1000, t), e, x),
    }


CASES = _cases()


def _fit_both(t, e, x, ties):
    with warnings.catch_warnings(record=True) as ref_warn:
        warnings.simplefilter("always")
        ref = PHReg(t, x, status=e, ties=ties).fit()
    with warnings.catch_warnings(record=True) as new_warn:
        warnings.simplefilter("always")
        new = cox_fit(t, e, x, ties=ties)
    return ref, new, ref_warn, new_warn


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("name", list(CASES))
def test_cox_fit_matches_phreg_on_the_rows(name, ties):
    t, e, x = CASES[name]
    ref, new, ref_warn, new_warn = _fit_both(t, e, x, ties)
    np.testing.assert_allclose(new.params, ref.params, rtol=RTOL, atol=0)
    np.testing.assert_allclose(new.bse, ref.bse, rtol=RTOL, atol=0)
    np.testing.assert_allclose(new.pvalues, ref.pvalues, rtol=RTOL, atol=1e-300)
    assert new.loglike == pytest.approx(ref.llf, rel=1e-10)
    assert new.nobs == len(t)
    # The same convergence verdict (separation: PHReg stops after 100 steps and warns).
    ref_conv = [w for w in ref_warn if "failed to converge" in str(w.message)]
    new_conv = [w for w in new_warn if "failed to converge" in str(w.message)]
    assert len(new_conv) == len(ref_conv)
    assert new.converged == (not ref_conv)


def test_separation_cases_really_do_not_converge():
    """The all-censored cases above test the non-converging path, not a converging one."""
    t, e, x = CASES["all_censored_in_one_group"]
    with pytest.warns(Warning, match="failed to converge"):
        fit = cox_fit(t, e, x)
    assert not fit.converged and fit.params[0] < -10


def test_ties_change_the_estimate_so_the_methods_are_told_apart():
    t, e, x = CASES["heavy_ties"]
    efron, breslow = cox_fit(t, e, x, ties="efron"), cox_fit(t, e, x, ties="breslow")
    assert abs(efron.params[0] - breslow.params[0]) > 1e-4


def test_cells_are_few_with_few_patterns_and_as_many_as_rows_with_a_continuous_covariate():
    t, e, x = CASES["heavy_ties"]
    fit = cox_fit(t, e, x)
    n_patterns = len(np.unique(x, axis=0))
    assert fit.cells <= n_patterns * len(np.unique(t)) * 2
    assert fit.cells < 0.7 * len(t)
    tn, en, xn = CASES["numeric_many_values"]
    assert cox_fit(tn, en, xn).cells > 0.9 * len(tn)


def test_replicated_rows_fall_into_the_same_cells():
    """Exchangeable rows: k copies of every row give the same cells — the work grows with cells,
    not rows. Under Breslow the log-likelihood is k times the original, so the estimates stay
    and the standard errors shrink by √k (Efron's correction depends on the number tied)."""
    t, e, x = CASES["heavy_ties"]
    k = 20
    rep = np.tile(t, k), np.tile(e, k), np.tile(x, (k, 1))
    assert cox_fit(*rep).cells == cox_fit(t, e, x).cells
    one, many = cox_fit(t, e, x, ties="breslow"), cox_fit(*rep, ties="breslow")
    assert many.cells == one.cells
    np.testing.assert_allclose(many.params, one.params, rtol=1e-9)
    np.testing.assert_allclose(many.bse * np.sqrt(k), one.bse, rtol=1e-9)


def test_rows_with_a_missing_covariate_are_left_out_as_phreg_does():
    t, e, x, _, _ = _data(4, n=800, numeric=True)
    x[::17, -1] = np.nan
    ref = PHReg(t, x, status=e, ties="efron").fit()
    new = cox_fit(t, e, x)
    assert new.nobs == int((~np.isnan(x[:, -1])).sum())
    np.testing.assert_allclose(new.params, ref.params, rtol=RTOL)
    np.testing.assert_allclose(new.bse, ref.bse, rtol=RTOL)


def test_no_events_is_refused():
    t, e, x = CASES["heavy_ties"]
    with pytest.raises(ValueError, match="händelse"):
        cox_fit(t, np.zeros_like(e), x)


def _frame(seed: int, n: int = 2000) -> pd.DataFrame:
    t, e, _, grp, cat = _data(seed, n)
    rng = np.random.default_rng(seed + 100)
    return pd.DataFrame({"dagar": t, "klar": e, "kon": np.where(grp == 1, "kvinna", "man"),
                         "hushall": np.array(["ensam", "par", "barn", "annat"])[cat],
                         "alder": rng.integers(18, 70, n), "annan": rng.random(n) < 0.01})


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("covariates", [[], ["hushall"], ["hushall", "alder"]])
def test_cox_hazard_ratio_row_is_phreg_on_the_rows(covariates, ties):
    df = _frame(7)
    df.loc[df.index[:25], "kon"] = "annan"  # neither level: left out
    got = stats.cox_hazard_ratio(df, "dagar", "klar", "kon", covariates, levels=("kvinna", "man"),
                                 conf_level=0.9, ties=ties).iloc[0]
    d = df[df["kon"].isin(["kvinna", "man"])].reset_index(drop=True)
    x = design_matrix(d, "kon", "kvinna", covariates, const=False)
    ref = PHReg(d["dagar"].to_numpy(), x.to_numpy(), status=d["klar"].to_numpy(), ties=ties).fit()
    beta, se = ref.params[0], ref.bse[0]
    z = sps.norm.ppf(0.95)
    assert got.estimate == pytest.approx(np.exp(beta), rel=RTOL)
    assert got.ci_low == pytest.approx(np.exp(beta - z * se), rel=RTOL)
    assert got.ci_high == pytest.approx(np.exp(beta + z * se), rel=RTOL)
    assert got.p_value == pytest.approx(ref.pvalues[0], rel=RTOL)
    assert got.method == f"Cox-regression ({ties})"
    assert got.n_a == (d["kon"] == "kvinna").sum()
    assert got.events_b == d.loc[d["kon"] == "man", "klar"].sum()
    assert bool(got.adjusted) == bool(covariates) and got.adjusted_for == ", ".join(covariates)


def test_a_hazard_ratio_without_a_maximum_is_not_shown():
    """Nobody of one sex has the event: the partial likelihood has no maximum (the fit stops
    at a ratio of 1e-12 with an interval of 0 to infinity); no estimate, a reason instead. The
    same model fitted where it converges gives its estimate."""
    df = _frame(3, 400)
    df.loc[df["kon"] == "kvinna", "klar"] = 0
    with pytest.warns(UserWarning, match="Ingen i en av grupperna har utfallet"):
        row = stats.cox_hazard_ratio(df, "dagar", "klar", "kon", levels=("kvinna", "man")).iloc[0]
    assert np.isnan([row.estimate, row.ci_low, row.ci_high, row.p_value]).all()
    assert row.events_a == 0 and row.events_b > 0 and "oändligheten" in row.warning
    fine = stats.cox_hazard_ratio(_frame(3, 400), "dagar", "klar", "kon", levels=("kvinna", "man")).iloc[0]
    assert np.isfinite([fine.estimate, fine.ci_low, fine.ci_high]).all() and fine.warning == ""


def test_a_covariate_that_separates_the_events_is_told_and_the_ratio_kept():
    """Every event in one household type: that type's coefficient runs off and the fit does not
    converge, but the sexes' coefficient is estimated (PHReg on the rows gives the same): the
    ratio is kept with a warning, not shown as if nothing were wrong."""
    df = _frame(5, 400)
    df["klar"] = (df["hushall"] == "ensam").astype(int)
    with pytest.warns(UserWarning, match="konvergerade inte helt"):
        row = stats.cox_hazard_ratio(df, "dagar", "klar", "kon", ["hushall"], levels=("kvinna", "man")).iloc[0]
    x = design_matrix(df, "kon", "kvinna", ["hushall"], const=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = PHReg(df["dagar"].to_numpy(), x.to_numpy(dtype=float), status=df["klar"].to_numpy(),
                    ties="efron").fit()
    assert row.estimate == pytest.approx(np.exp(ref.params[0]), rel=1e-4)
    assert "försiktighet" in row.warning


@pytest.mark.parametrize("seed, n", [(5, 400), (49, 14)])
def test_a_covariate_that_coincides_with_sex_gives_no_hazard_ratio(seed, n):
    """Adjusting for a column that is the sex removes the contrast: the information matrix is
    singular (exactly, with 14 rows: cox_fit raised LinAlgError and the chapter's page with it)
    or nearly so; either way no ratio, and a reason."""
    if n == 14:  # the reviewer's case: rows that make the matrix exactly singular
        rng = np.random.default_rng(seed)
        rng.integers(6, 200)
        df = pd.DataFrame({"dagar": rng.integers(1, 20, n).astype(float),
                           "klar": (rng.random(n) < .5).astype(int), "kon": rng.choice(["kvinna", "man"], n)})
    else:
        df = _frame(seed, n)
    df["hushall"] = df["kon"].map({"kvinna": "ensam", "man": "par"})  # adjusting removes the contrast
    with pytest.warns(UserWarning, match="ingen hasardkvot kan skattas"):
        row = stats.cox_hazard_ratio(df, "dagar", "klar", "kon", ["hushall"], levels=("kvinna", "man")).iloc[0]
    assert np.isnan([row.estimate, row.ci_low, row.ci_high]).all()


def test_events_of_one_sex_only_after_the_other_has_left_give_no_hazard_ratio():
    """Every man leaves follow-up by day 50, every woman's event comes after day 60: both have
    events, but at each woman's event no man is at risk, so the likelihood has no maximum."""
    rng = np.random.default_rng(2)
    men = pd.DataFrame({"dagar": rng.integers(1, 50, 200).astype(float), "klar": rng.integers(0, 2, 200),
                        "kon": "man"})
    women = pd.DataFrame({"dagar": rng.integers(60, 200, 200).astype(float), "klar": rng.integers(0, 2, 200),
                          "kon": "kvinna"})
    df = pd.concat([men, women], ignore_index=True)
    with pytest.warns(UserWarning, match="går mot 0 eller oändligheten"):
        row = stats.cox_hazard_ratio(df, "dagar", "klar", "kon", levels=("kvinna", "man")).iloc[0]
    assert np.isnan(row.estimate) and row.events_a > 0 and row.events_b > 0


# --- log-rank and the input check -------------------------------------------------------------

@pytest.mark.parametrize("levels", [("kvinna", "man"), ("man", "kvinna")])
@pytest.mark.parametrize("seed", [7, 8])
def test_logrank_is_survdiff_on_the_rows(seed, levels):
    df = _frame(seed)
    df.loc[df.sample(frac=0.05, random_state=seed).index, "dagar"] = 0.0  # a time 0
    if seed == 8:
        df["dagar"] += np.random.default_rng(seed).random(len(df))  # no ties
    got = stats.logrank(df, "dagar", "klar", "kon", levels=levels).iloc[0]
    chi2, p = survdiff(df["dagar"].to_numpy(), df["klar"].to_numpy(), df["kon"].to_numpy())
    assert got.estimate == pytest.approx(chi2, rel=1e-12)
    assert got.p_value == pytest.approx(p, rel=1e-10)
    assert got.estimate > 0 and got.group_a == levels[0]


def test_logrank_with_all_censored_in_one_group_is_survdiff():
    df = _frame(9)
    df.loc[df["kon"] == "man", "klar"] = 0
    got = stats.logrank(df, "dagar", "klar", "kon", levels=("kvinna", "man")).iloc[0]
    chi2, _ = survdiff(df["dagar"].to_numpy(), df["klar"].to_numpy(), df["kon"].to_numpy())
    assert got.estimate == pytest.approx(chi2, rel=1e-12) and got.events_b == 0


@pytest.mark.parametrize("as_type", [
    lambda e: e.astype(bool), lambda e: e.astype("boolean"), lambda e: e.astype("Int64"),
    lambda e: e.astype(float), lambda e: e.astype(object),
    lambda e: e.map({0: False, 1: True}).astype(object),
    lambda e: e.astype("category")])
def test_event_column_types_give_the_same_answer(as_type):
    df = _frame(7, n=600)
    base = stats.logrank(df, "dagar", "klar", "kon", levels=("kvinna", "man")).iloc[0]
    other = stats.logrank(df.assign(klar=as_type(df["klar"])), "dagar", "klar", "kon",
                          levels=("kvinna", "man")).iloc[0]
    assert other.estimate == base.estimate and other.events_a == base.events_a


@pytest.mark.parametrize("bad", [
    lambda e: e.astype("boolean").mask(e.index == 3), lambda e: e.astype("Int64").mask(e.index < 2),
    lambda e: e.astype(float).mask(e.index == 5, 0.5),
    lambda e: e.astype(object).mask(e.index == 1, "ja")])
def test_missing_or_odd_events_are_counted_and_refused(bad):
    df = _frame(7, n=300)
    broken = bad(df["klar"])
    n_bad = int((~pd.to_numeric(broken.astype(object), errors="coerce").isin([0, 1])).sum())
    assert n_bad >= 1
    with pytest.raises(ValueError, match=f"^{n_bad} {'rad' if n_bad == 1 else 'rader'} har"):
        stats.logrank(df.assign(klar=broken), "dagar", "klar", "kon", levels=("kvinna", "man"))


def test_negative_time_is_refused():
    df = _frame(7, n=300)
    df.loc[[4, 9], "dagar"] = -1.0
    with pytest.raises(ValueError, match="^2 rader"):
        stats.cox_hazard_ratio(df, "dagar", "klar", "kon", levels=("kvinna", "man"))


def test_no_events_gives_no_model_and_no_test():
    """Nobody has the event (no one became self-sufficient): the hazard ratio and the
    log-rank test are missing with their reason, not an error (PHReg and the test's variance
    matrix have nothing to work with)."""
    df = pd.DataFrame({"dagar": [10, 20, 30, 40] * 5, "utfall": [0] * 20,
                       "kon": ["kvinna", "man"] * 10, "hushall": ["a", "b", "b", "a"] * 5})
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        for covariates in ([], ["hushall"]):
            [hr] = stats.cox_hazard_ratio(df, "dagar", "utfall", "kon", covariates,
                                          levels=("kvinna", "man")).to_dict("records")
            assert np.isnan(hr["estimate"]) and "har utfallet" in hr["warning"]
            assert (hr["n_a"], hr["events_a"]) == (10, 0)
        [lr] = stats.logrank(df, "dagar", "utfall", "kon", levels=("kvinna", "man")).to_dict("records")
    assert np.isnan(lr["estimate"]) and "har utfallet" in lr["warning"]


def test_rows_without_a_numeric_covariate_are_left_out_of_the_counts_too():
    """The model leaves out a row without a value of a numeric covariate; its counts (the
    numbers the disclosure control and the page read) counted it: 400 persons and their events
    beside a model of 350. Now the counts are the model's, equal to the model on the complete
    rows, and the warning says rows were left out."""
    rng = np.random.default_rng(1)
    n = 400
    d = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n), "t": rng.integers(1, 24, n),
                      "e": rng.integers(0, 2, n), "alder": rng.normal(40, 10, n)})
    d.loc[:49, "alder"] = np.nan
    r = stats.cox_hazard_ratio(d, "t", "e", "kon", ["alder"], levels=("kvinna", "man")).iloc[0]
    full = d.dropna(subset=["alder"])
    ref = stats.cox_hazard_ratio(full, "t", "e", "kon", ["alder"], levels=("kvinna", "man")).iloc[0]
    assert r["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)
    by_sex = full.groupby("kon")["e"].agg(["size", "sum"])
    assert (r["n_a"], r["n_b"]) == (by_sex.loc["kvinna", "size"], by_sex.loc["man", "size"])
    assert (r["events_a"], r["events_b"]) == (by_sex.loc["kvinna", "sum"], by_sex.loc["man", "sum"])
    assert "ingår inte i modellen" in r["warning"] and ref["warning"] == ""
    # a category only the rows left out have: not a column of zeros in the model
    d["kat"] = np.where(np.arange(n) % 2 == 0, "a", "b")
    d.loc[:9, "kat"] = "c"
    r = stats.cox_hazard_ratio(d, "t", "e", "kon", ["alder", "kat"], levels=("kvinna", "man")).iloc[0]
    ref = stats.cox_hazard_ratio(d.dropna(subset=["alder"]), "t", "e", "kon", ["alder", "kat"],
                                 levels=("kvinna", "man")).iloc[0]
    assert np.isfinite(ref["estimate"]) and r["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)
