"""Change over time (effektkedjan: has the gap changed?).

The sex gap per year with its interval, and a test of whether the gap changed between a
before and an after period: a period × sex interaction, fitted on the collapsed table for
shares and on the rows for amounts.
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from scipy import stats as sps

from jamtools.stats.amounts import _cells as _amount_cells
from jamtools.stats.amounts import _check as _amount_rows
from jamtools.stats.amounts import _robust_ols
from jamtools.stats.binary import COMPARISON_COLUMNS, _counts, compare_groups
from jamtools.stats.design import COINCIDES, identified, indicators


def gap_by_period(data: pd.DataFrame, period: str, group: str = "kon",
                  *, levels: Sequence[Hashable], outcome: str | None = None,
                  conf_level: float = 0.95) -> pd.DataFrame:
    """The crude difference in shares (a − b, percentage points, Newcombe interval) per period.

    One row per period, in the comparison layout, with the period in column ``period``.

    Parameters
    ----------
    data : pandas.DataFrame
        A collapsed table (columns ``n`` and ``events`` per cell), or row-level data when
        ``outcome`` is given.
    period : str
        The period column (e.g. year).
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    outcome : str, optional
        The 0/1 outcome column when ``data`` is row-level.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per period: the ``risk_difference_pp`` row of
        :func:`jamtools.stats.compare_groups` with the column ``period``.

    References
    ----------
    .. [1] Newcombe, R. G. (1998). Interval estimation for the difference between independent
           proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873–890.
    """
    table = _counts(data, group, outcome, [period])
    rows = []
    for value, sub in table.groupby(period, observed=True, sort=True):
        comp = compare_groups(sub, group, levels=levels, outcome_name=outcome, conf_level=conf_level)
        row = comp[comp["measure"] == "risk_difference_pp"].iloc[0].to_dict()
        row["period"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def gap_change(data: pd.DataFrame, period: str, after: Any, group: str = "kon",
               *, levels: Sequence[Hashable], outcome: str | None = None,
               covariates: Sequence[str] = (), conf_level: float = 0.95) -> pd.DataFrame:
    """Did the gap in shares change between the periods before and after ``after``?

    ``after`` is the first period of the "after" phase (e.g. the year a new working method
    started). Returns the change in the crude gap,
    :math:`(p_a - p_b)_{\\text{efter}} - (p_a - p_b)_{\\text{före}}` in percentage points with
    a Wald interval from the two independent differences, and as ``p_value`` the test of the
    period × sex interaction in a logistic model on the collapsed table (with ``covariates``
    as main effects), which asks the same question on the odds scale.

    Parameters
    ----------
    data : pandas.DataFrame
        A collapsed table (columns ``n`` and ``events`` per cell), or row-level data when
        ``outcome`` is given.
    period : str
        The period column (e.g. year).
    after : scalar
        The first period of the "after" phase: rows with ``period >= after`` are after, the
        others before.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    outcome : str, optional
        The 0/1 outcome column when ``data`` is row-level.
    covariates : sequence of str
        Columns entered as main effects in the logistic model.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``gap_change_pp``) with ``gap_before_pp`` and
        ``gap_after_pp``. When a group is missing in a phase the estimate is NaN and ``warning``
        says why.

    References
    ----------
    .. [1] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    .. [2] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models (2nd ed.). London:
           Chapman & Hall.
    """
    a, b = levels
    covariates = list(covariates)
    table = _counts(data, group, outcome, [period, *covariates])
    table = table[table[group].isin([a, b])].copy()
    table["_after"] = (table[period] >= after).astype(float)
    diffs = []
    for flag in (0.0, 1.0):
        sub = table[table["_after"] == flag]
        na, ea = sub.loc[sub[group] == a, ["n", "events"]].sum()
        nb, eb = sub.loc[sub[group] == b, ["n", "events"]].sum()
        if min(na, nb) == 0:
            diffs.append((np.nan, np.nan))
            continue
        pa, pb = ea / na, eb / nb
        diffs.append((pa - pb, pa * (1 - pa) / na + pb * (1 - pb) / nb))
    (d0, v0), (d1, v1) = diffs
    change, se = d1 - d0, np.sqrt(v0 + v1)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    x = pd.DataFrame({"const": 1.0, "group": (table[group] == a).astype(float),
                      "after": table["_after"]}, index=table.index)
    x["group_x_after"] = x["group"] * x["after"]
    for cov in covariates:
        x = pd.concat([x, indicators(table[cov], cov)], axis=1)
    endog = np.column_stack([table["events"], table["n"] - table["events"]])
    p = np.nan
    warning = ""
    if np.isfinite(change):
        with warnings.catch_warnings():  # a saturated 2 × 2 model fits exactly: not a problem
            warnings.simplefilter("ignore")
            fit = GLM(endog, x, family=families.Binomial()).fit()
        p = float(fit.pvalues["group_x_after"])
    else:
        warning = "En av grupperna saknas i en av perioderna."
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=outcome or "utfall", comparison=f"({a} − {b}) efter − före", group_a=a,
               group_b=b, measure="gap_change_pp", estimate=100 * change,
               ci_low=100 * (change - z * se), ci_high=100 * (change + z * se), conf_level=conf_level,
               p_value=p, test="interaktion period × kön (logistisk regression)",
               adjusted=bool(covariates), adjusted_for=", ".join(covariates),
               method="skillnad mellan skillnader", warning=warning,
               n_a=float(table.loc[table[group] == a, "n"].sum()),
               n_b=float(table.loc[table[group] == b, "n"].sum()),
               events_a=float(table.loc[table[group] == a, "events"].sum()),
               events_b=float(table.loc[table[group] == b, "events"].sum()))
    row["gap_before_pp"], row["gap_after_pp"] = 100 * d0, 100 * d1
    return pd.DataFrame([row])


def amount_gap_change(df: pd.DataFrame, value: str, period: str, after: Any, group: str = "kon",
                      *, levels: Sequence[Hashable],
                      covariates: Sequence[str] = (), conf_level: float = 0.95,
                      count: str | None = None) -> pd.DataFrame:
    """Did the (adjusted) gap in an amount change after ``after``? OLS with a period × sex
    interaction and HC3 robust errors; the interaction coefficient is the change in the gap.

    Parameters
    ----------
    df : pandas.DataFrame or AmountMoments
        Row-level data, one row per unit (with ``count``, one row per combination and the units
        it stands for), or the sums per combination of columns that include ``group``,
        ``period`` and ``covariates`` (:func:`jamtools.stats.amount_moments`).
    value : str
        The amount column.
    period : str
        The period column (e.g. year).
    after : scalar
        The first period of the "after" phase: rows with ``period >= after`` are after, the
        others before.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    covariates : sequence of str
        Columns adjusted for (as indicators).
    conf_level : float, default 0.95
        Confidence level of the intervals.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table, e.g. the
        rows of a ``GROUP BY``); the fit is the same as on the rows it counts.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``gap_change``): the interaction coefficient
        with its HC3 interval and p-value.

    References
    ----------
    .. [1] White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator and a
           direct test for heteroskedasticity. Econometrica, 48(4), 817–838.
    .. [2] MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
           estimators with improved finite sample properties. Journal of Econometrics, 29(3),
           305–325.
    """
    a, b = levels
    covariates = list(covariates)
    d = _amount_rows(df, value, [group, period, *covariates], count)
    d = d[d[group].isin([a, b])].copy()
    d["_after"] = (d[period] >= after).astype(float)
    # Exact from the cell table (n, Σy, Σy² per group × phase × covariates): the same fit as on
    # the rows (jamtools.stats.cells), at a cost that grows with the cells.
    cells = _amount_cells(d, value, [group, "_after", *covariates])
    x = pd.DataFrame({"const": 1.0, "group": (cells[group] == a).astype(float),
                      "after": cells["_after"].astype(float)}, index=cells.index)
    x["group_x_after"] = x["group"] * x["after"]
    for cov in covariates:
        x = pd.concat([x, indicators(cells[cov], cov)], axis=1)
    try:
        if covariates and not identified(x, "group_x_after"):  # (see jamtools.stats.design.identified)
            raise ValueError(f"{COINCIDES[:1].upper()}{COINCIDES[1:]}; förändringen vid samma behov "
                             "kan inte skattas.")
        fit, cov_type = _robust_ols(cells, x, keep=["const", "group", "after", "group_x_after"])
    except ValueError as exc:  # the change rests on single units (NOT_ESTIMABLE) or none
        row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
        row.update(outcome=value, comparison=f"({a} − {b}) efter − före", group_a=a, group_b=b,
                   measure="gap_change", conf_level=conf_level,
                   test="interaktion period × kön (robusta medelfel)", adjusted=bool(covariates),
                   adjusted_for=", ".join(covariates), method="linjär regression ur celltabell",
                   warning=str(exc), n_a=float(cells.loc[cells[group] == a, "n"].sum()),
                   n_b=float(cells.loc[cells[group] == b, "n"].sum()))
        return pd.DataFrame([row])
    est, se = float(fit.params["group_x_after"]), float(fit.bse["group_x_after"])
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=value, comparison=f"({a} − {b}) efter − före", group_a=a, group_b=b,
               measure="gap_change", estimate=est, ci_low=est - z * se, ci_high=est + z * se,
               conf_level=conf_level,
               p_value=float(2 * sps.norm.sf(abs(est / se))) if se > 0 else np.nan,
               test="interaktion period × kön (robusta medelfel)",
               adjusted=bool(covariates), adjusted_for=", ".join(covariates),
               method=f"linjär regression ur celltabell, {cov_type}", warning="",
               n_a=float(cells.loc[cells[group] == a, "n"].sum()),
               n_b=float(cells.loc[cells[group] == b, "n"].sum()))
    return pd.DataFrame([row])
