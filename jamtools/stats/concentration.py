"""How a resource (hours, interventions, kronor) is shared between groups: the 4R *resurser* view.

The 4R method asks how resources are distributed between women and men. Three measures answer
it, each from one row per unit (client, decision, application) with the amount it received:

- :func:`resource_share_gap`: a group's share of the summed resource minus its share of the
  units (women are 64 % of the clients and receive 66 % of the hours: +2 percentage points);
- :func:`adjusted_resource_share_gap`: the same gap against the share the group would have had
  if each of its units had been granted what units of the other group with the *same need*
  get (from the adjusted difference in means, :func:`jamtools.stats.adjusted_amount_difference`);
- :func:`lorenz_points` and :func:`gini`: how concentrated the resource is within a group (the
  Lorenz curve at fixed shares of the units, and the Gini coefficient).

Every function also takes an aggregated table: ``count=`` names a column with the number of
units each row stands for (the rows of a ``GROUP BY``, or a cell table from
:func:`jamtools.data.load_table` with ``cells=True``); the results are those of the units it
counts.

Every function returns a tidy DataFrame; comparisons use the common layout
(:data:`jamtools.stats.COMPARISON_COLUMNS`) so they can be disclosed, tabulated and written to
the results file like every other comparison.
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps

from jamtools.stats.amounts import _check, _row, adjusted_amount_difference
from jamtools.stats.binary import COMPARISON_COLUMNS

#: Measure name of the gap between the share of the resource and the share of the units.
SHARE_GAP = "resource_share_gap_pp"
#: Warning when a group has too few units for an interval.
MSG_TOO_FEW = "En av grupperna har färre än två enheter; ingen jämförelse kan göras."


def _amounts(d: pd.DataFrame, value: str, group: str, level) -> tuple[np.ndarray, np.ndarray]:
    """Group ``level``'s amounts and their numbers of units (``_n`` of a checked frame)."""
    sub = d.loc[d[group] == level]
    return sub[value].to_numpy(float), sub["_n"].to_numpy(float)


def _mean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Units, mean and sample variance (ddof 1) of amounts ``x`` held by ``w`` units each."""
    n = float(w.sum())
    mean = float((w * x).sum() / n) if n else float("nan")
    var = float((w * (x - mean) ** 2).sum() / (n - 1)) if n > 1 else float("nan")
    return n, mean, var


def resource_share_gap(df: pd.DataFrame, value: str, group: str = "kon",
                       *, levels: Sequence[Hashable],
                       conf_level: float = 0.95, count: str | None = None) -> pd.DataFrame:
    """A group's share of the resource minus its share of the units, in percentage points.

    With :math:`n_a, n_b` units and means :math:`\\bar x_a, \\bar x_b`, group ``a``'s share of
    the resource is :math:`R = n_a\\bar x_a / (n_a\\bar x_a + n_b\\bar x_b)` and its share of the
    units :math:`P = n_a/(n_a+n_b)`; the gap is :math:`100(R - P)`. It is zero exactly when the
    two means are equal, positive when group ``a`` gets more per unit, and equal to
    :math:`100\\,P(1-P)(\\bar x_a - \\bar x_b)/\\bar x`.

    The units are taken as given (the clients the service has), so the interval reflects the
    uncertainty in the two means only: a delta-method (Wald) interval with

    .. math:: \\operatorname{se}(R) = \\frac{n_a n_b}{S^2}
              \\sqrt{\\bar x_b^2 \\frac{s_a^2}{n_a} + \\bar x_a^2 \\frac{s_b^2}{n_b}},
              \\qquad S = n_a\\bar x_a + n_b\\bar x_b,

    where :math:`s^2` are the sample variances; the p-value is the matching z test of
    :math:`R = P`. Returns one row, measure :data:`SHARE_GAP`.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit (client, decision, application) with the amount it received.
    value : str
        The resource column (hours, interventions, kronor).
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure :data:`SHARE_GAP`). With fewer than two units
        in a group, or a total of 0, the estimate is NaN and ``warning`` says why. Where the
        standard error is 0 (a group whose units all got the same, such as 0, beside a group
        whose units did too or whose mean is 0) the estimate has no interval and no p-value, and
        ``warning`` says why.

    References
    ----------
    .. [1] Casella, G. & Berger, R. L. (2002). Statistical Inference (2nd ed.). Pacific Grove, CA:
           Duxbury.
    """
    a, b = levels
    d = _check(df, value, [group], count)
    na, ma, var_a = _mean_var(*_amounts(d, value, group, a))
    nb, mb, var_b = _mean_var(*_amounts(d, value, group, b))
    base = dict(outcome=value, comparison=f"{a} − {b}", group_a=a, group_b=b, measure=SHARE_GAP,
                n_a=na, n_b=nb, conf_level=conf_level,
                method="andel av resursen − andel av enheterna (deltametoden)")
    if na < 2 or nb < 2:
        warnings.warn(MSG_TOO_FEW, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**base, warning=MSG_TOO_FEW)], columns=COMPARISON_COLUMNS)
    total = na * ma + nb * mb
    if total <= 0:
        msg = "Resursen summerar till 0; andelar av den kan inte beräknas."
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**base, warning=msg)], columns=COMPARISON_COLUMNS)
    share_res, share_n = na * ma / total, na / (na + nb)
    se = na * nb / total ** 2 * np.sqrt(mb ** 2 * var_a / na + ma ** 2 * var_b / nb)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    gap = share_res - share_n
    if se <= 1e-9 * max(abs(gap), 1e-3):
        # every unit of a group got the same (often 0: the share is then 0 whatever the other
        # group's spread); the delta method's variance vanishes there (up to rounding: 1e-17
        # for amounts of 0.1) and its interval would be the estimate itself, which the data do
        # not support: no interval is given
        msg = ("Alla enheter i en av grupperna fick lika mycket (till exempel 0); intervallet kan "
               "inte beräknas med deltametoden.")
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**base, estimate=100 * gap, warning=msg)], columns=COMPARISON_COLUMNS)
    p = float(2 * sps.norm.sf(abs(gap / se))) if se > 0 else (1.0 if gap == 0 else 0.0)
    row = _row(**base, estimate=100 * gap, ci_low=100 * (gap - z * se), ci_high=100 * (gap + z * se),
               p_value=p, test="z-test (deltametoden)")
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def share_if_equal(total_a: float, n_a: float, total: float, difference: float) -> float:
    """Group ``a``'s share of the resource had each of its ``n_a`` units received
    ``difference`` less (the adjusted difference a − b): :math:`(S_a - n_a\\delta)/(S - n_a\\delta)`.

    The other group's units keep what they got, so this is the share ``a`` would have had if
    granted like ``b`` at the same need. It decreases as ``difference`` grows.

    Parameters
    ----------
    total_a : float
        Group ``a``'s summed resource :math:`S_a`.
    n_a : float
        Group ``a``'s number of units.
    total : float
        Both groups' summed resource :math:`S`.
    difference : float
        The adjusted difference :math:`\\delta` per unit, a − b.

    Returns
    -------
    float
        The counterfactual share of the resource.

    References
    ----------
    .. [1] Oaxaca, R. (1973). Male–female wage differentials in urban labor markets. International
           Economic Review, 14(3), 693–709.
    .. [2] Blinder, A. S. (1973). Wage discrimination: reduced form and structural estimates. The
           Journal of Human Resources, 8(4), 436–455.
    """
    return (total_a - n_a * difference) / (total - n_a * difference)


def adjusted_resource_share_gap(df: pd.DataFrame, value: str, group: str = "kon",
                                covariates: Sequence[str] = (),
                                *, levels: Sequence[Hashable],
                                conf_level: float = 0.95, count: str | None = None) -> pd.DataFrame:
    """The share of the resource group ``a`` has, minus the share it would have had if granted
    like group ``b`` at the same need, in percentage points.

    The adjusted difference :math:`\\hat\\delta` (linear regression with ``covariates``, robust
    HC3 errors, :func:`jamtools.stats.adjusted_amount_difference`) is what a unit of ``a`` gets
    more than a unit of ``b`` with the same covariates. Removing it from each of ``a``'s units
    gives the share :func:`share_if_equal`; the gap is
    :math:`100\\,(S_a/S - \\text{share\\_if\\_equal}(\\hat\\delta))`. The share is a monotone
    function of :math:`\\delta`, so the interval is the image of :math:`\\hat\\delta`'s interval
    and the p-value is its p-value. Amounts are not negative, so :math:`\\delta` is taken at most
    :math:`S_a/n_a` (``a``'s units would otherwise have got less than nothing): on small data
    whose interval for :math:`\\delta` reaches past it, the gap's limit is then
    :math:`100\\,S_a/S`, and the gap always lies within ±100 percentage points. Zero means "the same share as units of the other group with
    the same need would have given"; positive means group ``a`` gets more than that.
    Returns one row, measure :data:`SHARE_GAP`, ``adjusted=True``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit (client, decision, application) with the amount it received.
    value : str
        The resource column (hours, interventions, kronor).
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
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure :data:`SHARE_GAP`, ``adjusted=True``). When no
        adjusted comparison can be made the estimate is NaN and ``warning`` says why.

    References
    ----------
    .. [1] MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
           estimators with improved finite sample properties. Journal of Econometrics, 29(3),
           305–325.
    .. [2] Oaxaca, R. (1973). Male–female wage differentials in urban labor markets. International
           Economic Review, 14(3), 693–709.
    """
    a, b = levels
    covariates = list(covariates)
    d = _check(df, value, [group, *covariates], count)
    d = d[d[group].isin([a, b])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adj = adjusted_amount_difference(d, value, group, covariates, count="_n",
                                         levels=levels, conf_level=conf_level)
    r = adj.iloc[0]
    base = dict(outcome=value, comparison=f"{a} − {b}", group_a=a, group_b=b, measure=SHARE_GAP,
                n_a=r["n_a"], n_b=r["n_b"], conf_level=conf_level, adjusted=True,
                adjusted_for=", ".join(covariates),
                method="andel av resursen − andel vid samma tilldelning som " + str(b)
                       + " med samma behov (linjär regression)")
    amount = d[value] * d["_n"]
    total_a = float(amount[d[group] == a].sum())
    total = float(amount.sum())
    if pd.isna(r["estimate"]) or total <= 0:
        msg = r["warning"] or "Ingen justerad jämförelse kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**base, warning=msg)], columns=COMPARISON_COLUMNS)
    n_a = float(r["n_a"])
    actual = total_a / total

    def gap(delta):
        # Amounts are not negative: a's units cannot have got less than nothing at the same
        # need, so delta is at most their mean (the share then 0); the gap stays in ±100 pp.
        return 100 * (actual - share_if_equal(total_a, n_a, total, min(delta, total_a / n_a)))

    row = _row(**base, estimate=gap(r["estimate"]), ci_low=gap(r["ci_low"]), ci_high=gap(r["ci_high"]),
               p_value=r["p_value"], test=r["test"])
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def gini(values: ArrayLike, counts: ArrayLike | None = None) -> float:
    """The Gini coefficient of non-negative amounts: :math:`\\sum_i\\sum_j |x_i - x_j| / (2n^2\\bar x)`.

    0 when everyone gets the same, towards 1 when one unit gets everything. NaN for no units or
    a total of 0. Example: ``gini([1, 2, 3, 4]) == 0.25``.

    Parameters
    ----------
    values : array-like of float
        Amounts ≥ 0, one per unit (or per row of an aggregated table).
    counts : array-like of int, optional
        The number of units holding each amount (default one each).

    Returns
    -------
    float
        The Gini coefficient, in [0, 1); NaN for no units or a total of 0.

    Raises
    ------
    ValueError
        When an amount is negative.

    References
    ----------
    .. [1] Gini, C. (1912). Variabilità e mutabilità. Bologna: Tipografia di Paolo Cuppini.
    """
    x, w = _sorted(values, counts)
    n, total = float(w.sum()), float((w * x).sum())
    if n == 0 or total <= 0:
        return float("nan")
    if (x < 0).any():
        raise ValueError("Gini-koefficienten kräver belopp ≥ 0.")
    # sum_i sum_j |x_i - x_j| = 2 * sum_i (2i - n - 1) x_(i), i = 1..n (sorted); a block of w
    # units with the same amount after s units contributes w (2s + w - n) x.
    before = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    return float(np.sum(w * (2 * before + w - n) * x) / (n * total))


def _sorted(values: ArrayLike, counts: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    """Amounts, smallest first, with their numbers of units (one each without ``counts``)."""
    x = np.asarray(values, float)
    w = np.ones(len(x)) if counts is None else np.asarray(counts, float)
    order = np.argsort(x, kind="stable")
    return x[order], w[order]


def lorenz_points(values: ArrayLike, n_points: int = 10, counts: ArrayLike | None = None) -> pd.DataFrame:
    """The Lorenz curve at the shares 0, 1/k, …, 1 of the units (``k = n_points``).

    Units are sorted by amount, smallest first; ``andel_resurs`` is the share of the summed
    amount held by the first ``andel_enheter`` of them, read off the empirical curve (the
    polygon through :math:`(i/n, \\sum_{j\\le i} x_{(j)}/S)`) by linear interpolation.
    Example: for ``[1, 2, 3, 4]`` and ``n_points=2`` the point at 0.5 is 3/10.

    Parameters
    ----------
    values : array-like of float
        Amounts ≥ 0, one per unit (or per row of an aggregated table).
    n_points : int, default 10
        The number of steps ``k`` of the grid.
    counts : array-like of int, optional
        The number of units holding each amount (default one each).

    Returns
    -------
    pandas.DataFrame
        ``k + 1`` rows: ``andel_enheter`` (0, 1/k, …, 1) and ``andel_resurs`` (NaN for no units
        or a total of 0).

    References
    ----------
    .. [1] Lorenz, M. O. (1905). Methods of measuring the concentration of wealth. Publications of
           the American Statistical Association, 9(70), 209–219.
    """
    x, w = _sorted(values, counts)
    grid = np.linspace(0, 1, n_points + 1)
    n, total = float(w.sum()), float((w * x).sum())
    if n == 0 or total <= 0:
        return pd.DataFrame({"andel_enheter": grid, "andel_resurs": np.nan})
    cum_n = np.concatenate([[0.0], np.cumsum(w)]) / n
    cum_x = np.concatenate([[0.0], np.cumsum(w * x)]) / total
    return pd.DataFrame({"andel_enheter": grid, "andel_resurs": np.interp(grid, cum_n, cum_x)})


def lorenz_by_group(df: pd.DataFrame, value: str, group: str = "kon",
                    *, levels: Sequence[Hashable],
                    n_points: int = 10, count: str | None = None) -> pd.DataFrame:
    """:func:`lorenz_points` and :func:`gini` within each group of ``levels``.

    One row per group and point: ``group``, ``n`` (the group's units), ``andel_enheter``,
    ``andel_resurs``, ``gini`` (the same on every row of a group). Each step between two points
    summarises about ``n / n_points`` units, which is what disclosure needs to know.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit (client, decision, application) with the amount it received.
    value : str
        The resource column (hours, interventions, kronor).
    group : str, default 'kon'
        The group column.
    levels : sequence of hashables
        Required, no default. The groups, in the order of the result.
    n_points : int, default 10
        The number of steps of the grid.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).

    Returns
    -------
    pandas.DataFrame
        The rows described above.

    Raises
    ------
    ValueError
        When a column is missing, or an amount is missing, not a number or negative.

    References
    ----------
    .. [1] Lorenz, M. O. (1905). Methods of measuring the concentration of wealth. Publications of
           the American Statistical Association, 9(70), 209–219.
    .. [2] Gini, C. (1912). Variabilità e mutabilità. Bologna: Tipografia di Paolo Cuppini.
    """
    d = _check(df, value, [group], count)
    parts = []
    for lvl in levels:
        x, w = _amounts(d, value, group, lvl)
        pts = lorenz_points(x, n_points, counts=w)
        pts.insert(0, group, lvl)
        pts.insert(1, "n", float(w.sum()))
        pts["gini"] = gini(x, w)
        parts.append(pts)
    return pd.concat(parts, ignore_index=True)
