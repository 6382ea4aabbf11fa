"""Time to event (e.g. time to self-sufficiency): Kaplan–Meier by sex, log-rank, Cox model.

Durations are in days (or any unit) from the start of the episode; ``event`` is 1 when the
event happened and 0 when the person was still waiting when follow-up ended (censored).
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from jamtools.stats.binary import COMPARISON_COLUMNS
from jamtools.stats.design import design_matrix

#: How :func:`cox_hazard_ratio` handles tied event times.
Ties = Literal["efron", "breslow"]


def _check(df, duration, event, cols):
    missing = [c for c in [duration, event, *cols] if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    t = pd.to_numeric(df[duration], errors="coerce")
    e = pd.to_numeric(df[event].astype("object").map(lambda v: int(v) if isinstance(v, bool) else v),
                      errors="coerce")
    bad = df[t.isna() | (t < 0) | ~e.isin([0, 1])]
    if len(bad):
        raise ValueError(f"{len(bad)} rader har saknad eller negativ tid ('{duration}') eller en "
                         f"händelse ('{event}') som inte är 0/1; exkludera eller rätta dem först.")
    out = df[list(cols)].copy()
    out["_t"], out["_e"] = t.astype(float), e.astype(int)
    return out


def kaplan_meier(df: pd.DataFrame, duration: str, event: str, group: str = "kon", *,
                 conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier survival curve per group (Kaplan & Meier 1958).

    :math:`\\hat S(t) = \\prod_{t_i \\le t} (1 - d_i/n_i)`, with pointwise intervals on the
    log(−log) scale (statsmodels ``SurvfuncRight``). One row per group and event time:
    ``time``, ``at_risk``, ``events``, ``survival`` (share still without the event),
    ``ci_low``, ``ci_high``; for self-sufficiency, ``1 − survival`` is the share who have
    become self-sufficient by that time.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person or episode.
    duration : str
        Time from the start to the event or to the end of follow-up (≥ 0).
    event : str
        1 (or True) when the event happened, 0 when censored.
    group : str, default 'kon'
        The group column.
    conf_level : float, default 0.95
        Level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group and event time: ``group``, ``time``, ``at_risk``, ``events``,
        ``survival``, ``ci_low``, ``ci_high``, ``conf_level``; empty when there are no rows.

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, or an event is not 0/1.

    References
    ----------
    .. [1] Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
           Journal of the American Statistical Association, 53(282), 457–481.
    .. [2] Greenwood, M. (1926). The natural duration of cancer. Reports on Public Health and
           Medical Subjects, 33. London: HMSO.
    .. [3] Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of Failure Time
           Data (2nd ed.). Hoboken, NJ: Wiley.
    """
    d = _check(df, duration, event, [group])
    rows = []
    for g, sub in d.groupby(group, observed=True, sort=True):
        sf = SurvfuncRight(sub["_t"].to_numpy(), sub["_e"].to_numpy())
        lo, hi = _pointwise_ci(sf, 1 - conf_level)
        rows.append(pd.DataFrame({group: g, "time": sf.surv_times, "at_risk": sf.n_risk,
                                  "events": sf.n_events, "survival": sf.surv_prob,
                                  "ci_low": lo, "ci_high": hi, "conf_level": conf_level}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _pointwise_ci(sf: SurvfuncRight, alpha: float):
    """Pointwise log(−log) intervals from Greenwood's variance (Kalbfleisch & Prentice 2002)."""
    s, se = sf.surv_prob, sf.surv_prob_se
    z = sps.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(-np.log(s))
        width = z * se / (s * np.abs(np.log(s)))
        lo = np.exp(-np.exp(theta + width))
        hi = np.exp(-np.exp(theta - width))
    lo = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, lo))
    hi = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, hi))
    return lo, hi


def logrank(df: pd.DataFrame, duration: str, event: str, group: str = "kon", *,
            levels: Sequence[Hashable]) -> pd.DataFrame:
    """Log-rank test of equal survival curves (Mantel 1966; statsmodels ``survdiff``).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person or episode.
    duration : str
        Time from the start to the event or to the end of follow-up (≥ 0).
    event : str
        1 (or True) when the event happened, 0 when censored.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``, in the order of ``n_a`` /
        ``n_b`` and of the label ``"a / b"``; the test itself is symmetric in them.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``logrank_chi2``: ``estimate`` is the
        chi-square statistic with 1 degree of freedom). When a group is missing the estimate is
        NaN and ``warning`` says why.

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, or an event is not 0/1.

    References
    ----------
    .. [1] Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising
           in its consideration. Cancer Chemotherapy Reports, 50(3), 163–170.
    .. [2] Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of Failure Time
           Data (2nd ed.). Hoboken, NJ: Wiley.
    """
    a, b = levels
    d = _check(df, duration, event, [group])
    d = d[d[group].isin([a, b])]
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=event, comparison=f"{a} / {b}", group_a=a, group_b=b, measure="logrank_chi2",
               adjusted=False, adjusted_for="", method="log-rank", test="log-rank-test", warning="",
               n_a=float((d[group] == a).sum()), n_b=float((d[group] == b).sum()),
               events_a=float(d.loc[d[group] == a, "_e"].sum()),
               events_b=float(d.loc[d[group] == b, "_e"].sum()))
    if row["n_a"] == 0 or row["n_b"] == 0:
        row["warning"] = "En av grupperna saknas; inget test kan göras."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    chi2, p = survdiff(d["_t"].to_numpy(), d["_e"].to_numpy(), d[group].to_numpy())
    row.update(estimate=float(chi2), p_value=float(p))
    return pd.DataFrame([row])


def cox_hazard_ratio(df: pd.DataFrame, duration: str, event: str, group: str = "kon",
                     covariates: Sequence[str] = (), *, levels: Sequence[Hashable],
                     conf_level: float = 0.95, ties: Ties = "efron") -> pd.DataFrame:
    """Hazard ratio a / b from a Cox proportional-hazards model (Cox 1972), adjusted for
    ``covariates``: :math:`h(t \\mid x) = h_0(t)\\exp(\\beta_g 1[a] + \\sum\\gamma_k x_k)`.
    A ratio above 1 means the event (e.g. self-sufficiency) comes sooner for ``a``. Ties by
    Efron's method (statsmodels ``PHReg``).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person or episode.
    duration : str
        Time from the start to the event or to the end of follow-up (≥ 0).
    event : str
        1 (or True) when the event happened, 0 when censored.
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators, numeric ones with more than 10
        distinct values linearly).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: the hazard ratio is a / b,
        so ``b`` (the second) is the reference.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    ties : {'efron', 'breslow'}, default 'efron'
        How tied event times are handled.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``hazard_ratio``, Wald test). When a group is
        missing the estimate is NaN and ``warning`` says why.

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, an event is not 0/1, or
        ``ties`` is not one of the two.

    References
    ----------
    .. [1] Cox, D. R. (1972). Regression models and life-tables. Journal of the Royal Statistical
           Society, Series B, 34(2), 187–220.
    .. [2] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data. Journal
           of the American Statistical Association, 72(359), 557–565.
    """
    if ties not in get_args(Ties):
        raise ValueError(f"ties ska vara ett av {', '.join(map(repr, get_args(Ties)))}, "
                         f"inte {ties!r}.")
    a, b = levels
    covariates = list(covariates)
    d = _check(df, duration, event, [group, *covariates])
    d = d[d[group].isin([a, b])].reset_index(drop=True)
    x = design_matrix(d, group, a, covariates, const=False)  # Cox: no intercept
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=event, comparison=f"{a} / {b}", group_a=a, group_b=b, measure="hazard_ratio",
               adjusted=bool(covariates), adjusted_for=", ".join(covariates), conf_level=conf_level,
               method=f"Cox-regression ({ties})", test="Wald-test", warning="",
               n_a=float((d[group] == a).sum()), n_b=float((d[group] == b).sum()),
               events_a=float(d.loc[d[group] == a, "_e"].sum()),
               events_b=float(d.loc[d[group] == b, "_e"].sum()))
    if row["n_a"] == 0 or row["n_b"] == 0:
        row["warning"] = "En av grupperna saknas; ingen modell kan skattas."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    fit = PHReg(d["_t"].to_numpy(), x.to_numpy(), status=d["_e"].to_numpy(), ties=ties).fit()
    beta, se = float(fit.params[0]), float(fit.bse[0])
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    row.update(estimate=float(np.exp(beta)), ci_low=float(np.exp(beta - z * se)),
               ci_high=float(np.exp(beta + z * se)), p_value=float(fit.pvalues[0]))
    return pd.DataFrame([row])
