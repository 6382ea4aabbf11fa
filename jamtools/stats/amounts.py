"""Amounts (hemtjänst hours, benefit, grant size): distributions by sex, crude and adjusted
differences, and the Oaxaca–Blinder decomposition.

Amounts are skewed, so every description shows the median and quartiles next to the mean,
and intervals come from the bootstrap. Regressions run on the rows (robust standard errors need
the within-cell spread), on the columns they use only.
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.oaxaca import OaxacaBlinder

from jamtools.stats.binary import COMPARISON_COLUMNS
from jamtools.stats.design import design_matrix

#: The models :func:`adjusted_amount_difference` fits.
AmountModel = Literal["ols", "gamma"]


def _check(df: pd.DataFrame, value: str, cols) -> pd.DataFrame:
    missing = [c for c in [value, *cols] if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    y = pd.to_numeric(df[value], errors="coerce")
    bad = df.loc[y.isna(), value]
    if len(bad):
        raise ValueError(f"'{value}' saknar värde eller är inget tal på {len(bad)} rader "
                         f"(till exempel {bad.iloc[0]!r}); exkludera eller rätta dem först.")
    out = df[[*cols]].copy()
    out[value] = y.astype(float)
    return out


def _boot_ci(x: np.ndarray, stat, conf_level: float, n_boot: int, seed: int):
    if len(x) < 2 or np.all(x == x[0]):
        v = float(stat(x)) if len(x) else np.nan
        return v, v
    res = sps.bootstrap((x,), stat, confidence_level=conf_level, n_resamples=n_boot,
                        method="percentile", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def describe_amounts(df: pd.DataFrame, value: str, group: str = "kon", *,
                     by: str | Sequence[str] = (), conf_level: float = 0.95, n_boot: int = 1999,
                     seed: int = 0) -> pd.DataFrame:
    """Per group: n, sum, share of the total, mean and median with bootstrap intervals, quartiles.

    Percentile bootstrap intervals (Efron & Tibshirani 1993, ch. 13) for the mean and the
    median; ``share_of_total`` is the group's part of the summed amount (the 4R *resurser*
    question: share of resources against share of people).

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit (client, decision, application).
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    by : str or sequence of str, optional
        Stratum column(s); one row per stratum and group.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 1999
        Number of bootstrap replicates.
    seed : int, default 0
        Seed of the random number generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        One row per stratum and group: the ``by`` columns, ``group``, ``n``, ``sum``, ``mean``,
        ``mean_ci_low``, ``mean_ci_high``, ``median``, ``median_ci_low``, ``median_ci_high``,
        ``q1``, ``q3``, ``conf_level``, ``share_of_total`` and ``share_of_n``.

    Raises
    ------
    ValueError
        When a column is missing, or ``value`` is missing or not a number on some row.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = _check(df, value, [group, *by])
    rows = []
    for keys, sub in d.groupby([*by, group], observed=True, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        x = sub[value].to_numpy()
        mlo, mhi = _boot_ci(x, np.mean, conf_level, n_boot, seed)
        dlo, dhi = _boot_ci(x, np.median, conf_level, n_boot, seed)
        rows.append({**dict(zip([*by, group], keys)), "n": float(len(x)), "sum": float(x.sum()),
                     "mean": float(x.mean()), "mean_ci_low": mlo, "mean_ci_high": mhi,
                     "median": float(np.median(x)), "median_ci_low": dlo, "median_ci_high": dhi,
                     "q1": float(np.quantile(x, 0.25)), "q3": float(np.quantile(x, 0.75)),
                     "conf_level": conf_level})
    out = pd.DataFrame(rows)
    if len(out):
        totals = out.groupby(by, observed=True)["sum"].transform("sum") if by else out["sum"].sum()
        out["share_of_total"] = out["sum"] / totals
        n_tot = out.groupby(by, observed=True)["n"].transform("sum") if by else out["n"].sum()
        out["share_of_n"] = out["n"] / n_tot
    return out


def _row(**kw):
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(events_a=np.nan, events_b=np.nan, mdd_pp=np.nan, warning="", adjusted=False,
               adjusted_for="")
    row.update(kw)
    return row


def compare_amounts(df: pd.DataFrame, value: str, group: str = "kon",
                    *, levels: Sequence[Hashable], conf_level: float = 0.95,
                    n_boot: int = 1999, seed: int = 0) -> pd.DataFrame:
    """Crude comparison of amounts: difference of means (Welch), of medians, ratio of means.

    - ``mean_difference``: Welch's t interval and test (unequal variances; Welch 1947).
    - ``median_difference``: percentile bootstrap interval (groups resampled separately);
      p-value from the Mann–Whitney U test (which compares distributions, not only medians).
    - ``ratio_of_means``: bootstrap interval.

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit (client, decision, application).
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 1999
        Number of bootstrap replicates.
    seed : int, default 0
        Seed of the random number generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        Three rows in the comparison layout: ``mean_difference``, ``median_difference`` and
        ``ratio_of_means``. With fewer than two units in a group the estimates are NaN and
        ``warning`` says why.

    Raises
    ------
    ValueError
        When a column is missing, or ``value`` is missing or not a number on some row.

    References
    ----------
    .. [1] Welch, B. L. (1947). The generalization of 'Student's' problem when several different
           population variances are involved. Biometrika, 34(1–2), 28–35.
    .. [2] Mann, H. B. & Whitney, D. R. (1947). On a test of whether one of two random variables is
           stochastically larger than the other. The Annals of Mathematical Statistics, 18(1),
           50–60.
    .. [3] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    """
    a, b = levels
    d = _check(df, value, [group])
    xa, xb = d.loc[d[group] == a, value].to_numpy(), d.loc[d[group] == b, value].to_numpy()
    base = dict(outcome=value, group_a=a, group_b=b, n_a=float(len(xa)), n_b=float(len(xb)),
                conf_level=conf_level)
    if len(xa) < 2 or len(xb) < 2:
        msg = "En av grupperna har färre än två observationer; ingen jämförelse kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**base, comparison=f"{a} − {b}", measure=m, warning=msg)
                             for m in ("mean_difference", "median_difference", "ratio_of_means")],
                            columns=COMPARISON_COLUMNS)
    t = sps.ttest_ind(xa, xb, equal_var=False)
    ci = t.confidence_interval(confidence_level=conf_level)
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(xa), (n_boot, len(xa)))
    ib = rng.integers(0, len(xb), (n_boot, len(xb)))
    med = np.median(xa[ia], axis=1) - np.median(xb[ib], axis=1)
    ratio = xa[ia].mean(axis=1) / xb[ib].mean(axis=1) if xb.mean() != 0 else np.full(n_boot, np.nan)
    alpha = 1 - conf_level
    q = [alpha / 2, 1 - alpha / 2]
    mw = sps.mannwhitneyu(xa, xb, alternative="two-sided").pvalue
    rows = [
        _row(**base, comparison=f"{a} − {b}", measure="mean_difference",
             estimate=float(xa.mean() - xb.mean()), ci_low=float(ci.low), ci_high=float(ci.high),
             p_value=float(t.pvalue), test="Welchs t-test", method="Welch"),
        _row(**base, comparison=f"{a} − {b}", measure="median_difference",
             estimate=float(np.median(xa) - np.median(xb)), ci_low=float(np.quantile(med, q[0])),
             ci_high=float(np.quantile(med, q[1])), p_value=float(mw), test="Mann–Whitneys test",
             method="bootstrap (percentil)"),
        _row(**base, comparison=f"{a} / {b}", measure="ratio_of_means",
             estimate=float(xa.mean() / xb.mean()) if xb.mean() else np.nan,
             ci_low=float(np.nanquantile(ratio, q[0])), ci_high=float(np.nanquantile(ratio, q[1])),
             p_value=float(t.pvalue), test="Welchs t-test", method="bootstrap (percentil)"),
    ]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _design(d: pd.DataFrame, group: str, a: str, covariates) -> pd.DataFrame:
    return design_matrix(d, group, a, covariates)


def adjusted_amount_difference(df: pd.DataFrame, value: str, group: str = "kon",
                               covariates: Sequence[str] = (),
                               *, levels: Sequence[Hashable],
                               model: AmountModel = "ols", conf_level: float = 0.95) -> pd.DataFrame:
    """Amount difference adjusted for need and circumstances.

    ``model="ols"``: linear regression :math:`y = \\beta_0 + \\beta_g 1[a] + \\sum\\gamma_k x_k`
    with heteroskedasticity-robust (HC3) standard errors (MacKinnon & White 1985); the row
    ``mean_difference`` is :math:`\\beta_g`, the difference at equal covariates.
    ``model="gamma"``: a Gamma GLM with log link for skewed positive amounts; the row
    ``ratio_of_means`` is :math:`e^{\\beta_g}` (robust HC0 errors). Categorical covariates enter
    as indicators; numeric ones with many values linearly.

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit (client, decision, application).
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators, numeric ones with more than 10
        distinct values linearly).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    model : {'ols', 'gamma'}, default 'ols'
        Linear regression with HC3 errors (difference of means), or a Gamma GLM with log link
        and HC0 errors (ratio of means).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout, ``adjusted=True``: ``mean_difference`` (``ols``) or
        ``ratio_of_means`` (``gamma``). With fewer than two units in a group the estimate is NaN
        and ``warning`` says why.

    Raises
    ------
    ValueError
        When a column is missing or not numeric, ``model`` is unknown, or the Gamma model gets
        an amount ≤ 0.

    References
    ----------
    .. [1] White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator and a
           direct test for heteroskedasticity. Econometrica, 48(4), 817–838.
    .. [2] MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
           estimators with improved finite sample properties. Journal of Econometrics, 29(3),
           305–325.
    .. [3] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models (2nd ed.). London:
           Chapman & Hall.
    """
    if model not in get_args(AmountModel):
        raise ValueError(f"model ska vara ett av {', '.join(map(repr, get_args(AmountModel)))}, "
                         f"inte {model!r}.")
    a, b = levels
    covariates = list(covariates)
    d = _check(df, value, [group, *covariates])
    d = d[d[group].isin([a, b])]
    base = dict(outcome=value, group_a=a, group_b=b, adjusted=True, adjusted_for=", ".join(covariates),
                n_a=float((d[group] == a).sum()), n_b=float((d[group] == b).sum()),
                conf_level=conf_level)
    if base["n_a"] < 2 or base["n_b"] < 2:
        msg = "En av grupperna saknas eller är för liten; ingen justerad jämförelse kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        measure = "mean_difference" if model == "ols" else "ratio_of_means"
        return pd.DataFrame([_row(**base, comparison=f"{a} − {b}", measure=measure, warning=msg)],
                            columns=COMPARISON_COLUMNS)
    x = _design(d, group, a, covariates)
    alpha = 1 - conf_level
    if model == "ols":
        fit = sm.OLS(d[value], x).fit(cov_type="HC3")
        lo, hi = fit.conf_int(alpha=alpha).loc["group"]
        row = _row(**base, comparison=f"{a} − {b}", measure="mean_difference",
                   estimate=float(fit.params["group"]), ci_low=float(lo), ci_high=float(hi),
                   p_value=float(fit.pvalues["group"]), test="Wald-test (robusta medelfel, HC3)",
                   method="linjär regression")
    else:  # "gamma", checked above
        if (d[value] <= 0).any():
            raise ValueError(f"Gammamodellen kräver positiva belopp; '{value}' har värden ≤ 0.")
        fit = sm.GLM(d[value], x, family=sm.families.Gamma(sm.families.links.Log())).fit(cov_type="HC0")
        lo, hi = fit.conf_int(alpha=alpha).loc["group"]
        row = _row(**base, comparison=f"{a} / {b}", measure="ratio_of_means",
                   estimate=float(np.exp(fit.params["group"])), ci_low=float(np.exp(lo)),
                   ci_high=float(np.exp(hi)), p_value=float(fit.pvalues["group"]),
                   test="Wald-test (robusta medelfel)", method="gammaregression, log-länk")
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def oaxaca_blinder(df: pd.DataFrame, value: str, group: str = "kon", covariates: Sequence[str] = (),
                   *, levels: Sequence[Hashable], conf_level: float = 0.95,
                   n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """Two-fold Oaxaca–Blinder decomposition of the mean gap :math:`\\bar y_a - \\bar y_b`.

    With group regressions :math:`\\hat\\beta_a, \\hat\\beta_b` and the pooled (reference)
    coefficients :math:`\\beta^*` from a regression on both groups that includes the group
    indicator (Jann 2008; Fortin 2008):

    .. math:: \\bar y_a - \\bar y_b = \\underbrace{(\\bar x_a - \\bar x_b)'\\beta^*}_{\\text{förklarad}}
              + \\underbrace{\\bar x_a'(\\hat\\beta_a - \\beta^*) + \\bar x_b'(\\beta^* - \\hat\\beta_b)}_{\\text{oförklarad}}

    The explained part is what the differences in need and circumstances account for; the
    unexplained part is the gap among people with the same covariates (not proof of unequal
    treatment: it also holds every difference not measured). Intervals from statsmodels'
    bootstrap standard errors (normal approximation). Oaxaca (1973), Blinder (1973).

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit (client, decision, application).
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators, numeric ones with more than 10
        distinct values linearly).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 500
        Bootstrap replicates for the standard errors of the explained and unexplained parts (0:
        no intervals).
    seed : int, default 0
        Seed of the random number generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        Three rows in the comparison layout: ``oaxaca_gap`` (with Welch's standard error),
        ``oaxaca_explained`` and ``oaxaca_unexplained``.

    Raises
    ------
    ValueError
        When a column is missing, or ``value`` is missing or not a number on some row.

    References
    ----------
    .. [1] Oaxaca, R. (1973). Male–female wage differentials in urban labor markets. International
           Economic Review, 14(3), 693–709.
    .. [2] Blinder, A. S. (1973). Wage discrimination: reduced form and structural estimates. The
           Journal of Human Resources, 8(4), 436–455.
    .. [3] Jann, B. (2008). The Blinder–Oaxaca decomposition for linear regression models. The Stata
           Journal, 8(4), 453–479.
    .. [4] Fortin, N. M. (2008). The gender wage gap among young adults in the United States: the
           importance of money versus people. The Journal of Human Resources, 43(4), 884–918.
    .. [5] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    """
    a, b = levels
    covariates = list(covariates)
    d = _check(df, value, [group, *covariates])
    d = d[d[group].isin([a, b])].reset_index(drop=True)
    x = _design(d, group, a, covariates).drop(columns="group")
    # statsmodels orders the groups by the indicator's value: a -> 0 comes first, so gap = a − b.
    x.insert(0, "bifurcate", (d[group] == b).astype(float))
    base = dict(outcome=value, group_a=a, group_b=b, adjusted=True, adjusted_for=", ".join(covariates),
                n_a=float((d[group] == a).sum()), n_b=float((d[group] == b).sum()),
                conf_level=conf_level, comparison=f"{a} − {b}", method="Oaxaca–Blinder (poolad)")
    model = OaxacaBlinder(d[value].to_numpy(), x, "bifurcate", hasconst=True, swap=False,
                          rng=np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.two_fold(std=n_boot > 0, two_fold_type="pooled", n=max(n_boot, 2), conf=0.99)
    unexplained, explained, gap = (float(v) for v in res.params[:3])
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    std = list(res.std) if res.std is not None else [np.nan] * 2
    ya, yb = d.loc[d[group] == a, value], d.loc[d[group] == b, value]
    std.append(float(np.sqrt(ya.var() / len(ya) + yb.var() / len(yb))))  # the gap: Welch
    rows = []
    for measure, est, se in (("oaxaca_gap", gap, std[2]), ("oaxaca_explained", explained, std[1]),
                             ("oaxaca_unexplained", unexplained, std[0])):
        p = float(2 * sps.norm.sf(abs(est / se))) if se and np.isfinite(se) and se > 0 else np.nan
        rows.append(_row(**base, measure=measure, estimate=est, ci_low=est - z * se,
                         ci_high=est + z * se, p_value=p, test="bootstrap-medelfel"))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
