"""Within-pair comparisons: the two partners of one household compared with each other.

When a woman and a man who live together with the same children are both clients, comparing
*them* holds everything they share fixed: the household, the children, the unit, often the
case worker. Such a comparison is **paired**: each pair contributes one mother and one father,
so the two shares are not independent and the interval for their difference must use the
pairs, not the two groups (Newcombe 1998c). What carries the information is the **discordant**
pairs: those where only the mother, or only the father, had the outcome.

- :func:`pair_up` finds the pairs (exactly one member of each level sharing ``pair``, the
  outcome known for both);
- :func:`paired_difference` compares them: the difference of the two shares in percentage
  points with Newcombe's square-and-add interval (:func:`newcombe_paired_interval`) and
  McNemar's test (:func:`mcnemar`), in the library's common comparison layout (measure
  :data:`MEASURE`).

Disclosure control of the result is :func:`jamtools.disclosure.paired.disclose_paired`; the
sentences and the 2 × 2 table are in :mod:`jamtools.present.paired`.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from jamtools.stats.binary import COMPARISON_COLUMNS

#: The measure of a within-pair difference in percentage points.
MEASURE = "paired_difference_pp"


def pair_up(data: pd.DataFrame, pair: str, outcome: str, *, group: str = "kon",
            levels: Sequence[Hashable]) -> pd.DataFrame:
    """One row per pair: the outcome (0/1) of its ``a`` member and of its ``b`` member.

    A pair is a value of ``pair`` (e.g. ``hushall_id``) with exactly one row of each of the two
    ``levels`` and no other rows, where both rows have the outcome recorded. Everything else
    (single clients, households with two women, a missing outcome) is left out.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, with the columns ``pair``, ``outcome`` and ``group``.
    pair : str
        The column that links the members of a pair (a household id).
    outcome : str
        The 0/1 (or boolean) outcome; ValueError when it has other values.
    group : str, default "kon"
        The column that tells the two members apart.
    levels : pair of hashables
        Required, no default. The two members' values of ``group``, ``(a, b)``, in the order of
        the difference ``a − b``: ``b`` (the second) is the reference.

    Returns
    -------
    pandas.DataFrame
        Index ``pair``; columns ``a`` and ``b`` (int 0/1), named by the levels in
        ``attrs["levels"]``.

    References
    ----------
    .. [1] Agresti, A. (2013). Categorical Data Analysis (3rd ed.), ch. 11: Analyzing repeated
           categorical response data (matched pairs). Hoboken, NJ: Wiley.
    """
    a, b = levels
    missing = [c for c in (pair, outcome, group) if c not in data.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    rows = data[data[pair].notna()]
    size = rows.groupby(pair)[group].transform("size")
    n_a = rows[group].eq(a).groupby(rows[pair]).transform("sum")
    n_b = rows[group].eq(b).groupby(rows[pair]).transform("sum")
    rows = rows[(size == 2) & (n_a == 1) & (n_b == 1)]
    y = pd.to_numeric(rows[outcome].astype("Float64"), errors="coerce")
    if not y.dropna().isin([0.0, 1.0]).all():
        raise ValueError(f"Utfallet '{outcome}' ska vara 0/1 (binary outcome).")
    frame = pd.DataFrame({pair: rows[pair].to_numpy(), "level": rows[group].to_numpy(),
                          "y": y.to_numpy(dtype=float, na_value=np.nan)})
    wide = frame.pivot(index=pair, columns="level", values="y").reindex(columns=[a, b])
    wide = wide.dropna().astype(int)
    wide.columns = ["a", "b"]
    wide.attrs["levels"] = (a, b)
    return wide


def newcombe_paired_interval(n11: float, n10: float, n01: float, n00: float, *,
                             conf_level: float = 0.95) -> tuple[float, float, float]:
    """Difference of two paired shares with Newcombe's square-and-add interval.

    The 2 × 2 table of pairs: ``n11`` both had the outcome, ``n10`` only the first member,
    ``n01`` only the second, ``n00`` neither. The difference is
    :math:`\\hat\\delta = (n_{10} - n_{01})/N`. Each share gets its Wilson interval
    :math:`[l_i, u_i]`; they are combined with the estimated correlation :math:`\\hat\\phi`
    between the shares (Newcombe 1998c, method 10):

    .. math::
        L = \\hat\\delta - \\sqrt{(\\hat p_1 - l_1)^2 + (u_2 - \\hat p_2)^2
            - 2\\hat\\phi(\\hat p_1 - l_1)(u_2 - \\hat p_2)}

    and :math:`U` likewise, where :math:`\\hat\\phi` is the phi coefficient with
    :math:`A = n_{11}n_{00} - n_{10}n_{01}` reduced by :math:`N/2` when :math:`A > N/2`, set to
    0 when :math:`0 \\le A \\le N/2`, and 0 when a margin is empty. Newcombe's comparison of
    ten methods found its coverage close to nominal [1]_; Fagerland, Lydersen & Laake (2014)
    recommend it for moderate and large samples.

    Parameters
    ----------
    n11, n10, n01, n00 : float
        The counts of pairs in the four cells (both, only the first, only the second, neither).
    conf_level : float, default 0.95
        Level of the interval.

    Returns
    -------
    tuple of float
        ``(estimate, low, high)`` as shares (0–1); NaN for all three when there are no pairs.

    References
    ----------
    .. [1] Newcombe, R. G. (1998c). Improved confidence intervals for the difference between
           binomial proportions based on paired data. Statistics in Medicine, 17(22), 2635–2650.
    """
    n = n11 + n10 + n01 + n00
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    r1, r2, c1, c2 = n11 + n10, n01 + n00, n11 + n01, n10 + n00
    p1, p2 = r1 / n, c1 / n
    alpha = 1 - conf_level
    l1, u1 = proportion_confint(r1, n, alpha=alpha, method="wilson")
    l2, u2 = proportion_confint(c1, n, alpha=alpha, method="wilson")
    if min(r1, r2, c1, c2) == 0:
        phi = 0.0
    else:
        big_a = n11 * n00 - n10 * n01
        root = math.sqrt(r1 * r2 * c1 * c2)
        phi = (big_a - n / 2) / root if big_a > n / 2 else (0.0 if big_a >= 0 else big_a / root)
    est = p1 - p2
    low = est - math.sqrt(max(0.0, (p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)))
    high = est + math.sqrt(max(0.0, (p2 - l2) ** 2 + (u1 - p1) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1)))
    return (float(est), float(max(-1.0, low)), float(min(1.0, high)))


def mcnemar(n10: float, n01: float) -> tuple[float, float]:
    """McNemar's test of equal paired shares, asymptotic and without continuity correction.

    :math:`\\chi^2 = (n_{10} - n_{01})^2/(n_{10} + n_{01})` on 1 degree of freedom (McNemar
    1947) [1]_. Fagerland, Lydersen & Laake (2013) found this version (not the corrected one,
    and not the exact conditional one) close to the nominal level.

    Parameters
    ----------
    n10, n01 : float
        The discordant pairs: only the first member, only the second had the outcome.

    Returns
    -------
    tuple of float
        ``(chi2, p)``; ``(NaN, NaN)`` when there are no discordant pairs.

    References
    ----------
    .. [1] McNemar, Q. (1947). Note on the sampling error of the difference between correlated
           proportions or percentages. Psychometrika, 12(2), 153–157.
    """
    d = n10 + n01
    if d <= 0:
        return (math.nan, math.nan)
    chi2 = (n10 - n01) ** 2 / d
    return (float(chi2), float(sps.chi2.sf(chi2, 1)))


def paired_difference(pairs: pd.DataFrame, *, outcome: str, pair: str = "hushall_id",
                      conf_level: float = 0.95) -> pd.DataFrame:
    """The within-pair difference a − b in percentage points, with its interval and test.

    Parameters
    ----------
    pairs : pandas.DataFrame
        The result of :func:`pair_up` (one row per pair, columns ``a`` and ``b``).
    outcome : str
        The outcome's name, recorded in the result.
    pair : str, default "hushall_id"
        The column that defined the pairs, recorded as what the comparison holds fixed.
    conf_level : float, default 0.95
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row in the layout of :data:`jamtools.stats.COMPARISON_COLUMNS`: measure
        :data:`MEASURE`, ``n_a = n_b`` = the number of pairs, ``events_a``/``events_b``
        the members with the outcome, ``adjusted = True`` with ``adjusted_for = pair`` (the
        pair holds what its members share fixed), Newcombe's interval
        (:func:`newcombe_paired_interval`) and McNemar's p-value (:func:`mcnemar`); plus
        ``pairs``, ``discordant_a`` (only ``a`` had the outcome) and ``discordant_b``.

    References
    ----------
    .. [1] Newcombe, R. G. (1998c). Improved confidence intervals for the difference between
           binomial proportions based on paired data. Statistics in Medicine, 17(22), 2635–2650.
    .. [2] McNemar, Q. (1947). Note on the sampling error of the difference between correlated
           proportions or percentages. Psychometrika, 12(2), 153–157.
    """
    a, b = pairs.attrs.get("levels", ("a", "b"))
    n = float(len(pairs))
    n11 = float(((pairs["a"] == 1) & (pairs["b"] == 1)).sum())
    n10 = float(((pairs["a"] == 1) & (pairs["b"] == 0)).sum())
    n01 = float(((pairs["a"] == 0) & (pairs["b"] == 1)).sum())
    n00 = n - n11 - n10 - n01
    est, lo, hi = newcombe_paired_interval(n11, n10, n01, n00, conf_level=conf_level)
    _, p = mcnemar(n10, n01)
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=outcome, comparison=f"{a} − {b} (inom par)", group_a=a, group_b=b,
               measure=MEASURE, estimate=100 * est, ci_low=100 * lo, ci_high=100 * hi,
               conf_level=conf_level, p_value=p, test="McNemars test", n_a=n, n_b=n,
               events_a=n11 + n10, events_b=n11 + n01, adjusted=True, adjusted_for=pair,
               method="Newcombe (square-and-add, parade data)",
               warning="" if n > 0 else "Inga par i data.")
    row.update(pairs=n, discordant_a=n10, discordant_b=n01)
    return pd.DataFrame([row])


__all__ = ["MEASURE", "pair_up", "newcombe_paired_interval", "mcnemar", "paired_difference"]
