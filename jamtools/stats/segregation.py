"""Segregation between the sexes over categories, period by period.

A chapter that asks whether girls and boys choose (instruments, types of insats) alike, and
whether that changed, compares the two distributions within each period: the share of each
category within each sex (:func:`distribution_by_period`) and the chi-square test of
independence with Cramér's V (:func:`independence_by_period`). The dissimilarity index per
period and its change are :func:`jamtools.stats.categorical.dissimilarity_by_period` and
:func:`jamtools.stats.categorical.dissimilarity_change`.

Every period is analysed on its own rows: the functions only split the data and label the
rows, the statistics are those of :mod:`jamtools.stats.categorical`.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence

import pandas as pd

from jamtools.stats.categorical import distribution_by_group, independence_test


def _periods(data: pd.DataFrame, period: str):
    """(period, rows) for every period that has rows, in the period's order (a categorical's
    categories, otherwise sorted)."""
    return list(data.groupby(period, observed=True))


def distribution_by_period(data: pd.DataFrame, category: str, period: str, group: str = "kon", *,
                           count: str | None = None, conf_level: float = 0.95,
                           persons: str | None = None) -> dict:
    """The share of each category within each group, separately for each period.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (or counted rows, see ``count``) with ``category``, ``group`` and
        ``period``; rows without a period are left out.
    category : str
        The category column, e.g. ``instrument``.
    period : str
        The period column, e.g. the phase before or after a change; an ordered categorical
        keeps its order.
    group : str, default "kon"
        The groups compared.
    count : str, optional
        The column of counts when ``data`` is already counted.
    conf_level : float, default 0.95
        Level of the Wilson intervals.
    persons : str, optional
        The column that identifies the persons, when a person can have several rows (a pupil
        in several terms): each period's distinct persons per cell and group are counted
        (:func:`jamtools.stats.categorical.distribution_by_group`'s ``persons``).

    Returns
    -------
    dict
        Period -> :func:`jamtools.stats.categorical.distribution_by_group` of its rows (``n``,
        ``events``, ``share``, ``ci_low``, ``ci_high``, ``adj_residual`` per category × group),
        for every period that has rows, in period order; empty when no row has a period.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
           inference. Journal of the American Statistical Association, 22(158), 209–212.
    .. [2] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley. (Adjusted
           standardised residuals.)

    Examples
    --------
    >>> d = pd.DataFrame({"kon": ["flicka", "pojke", "flicka", "pojke"],
    ...                   "instrument": ["fiol", "elbas", "fiol", "fiol"],
    ...                   "fas": ["före", "före", "från", "från"]})
    >>> out = distribution_by_period(d, "instrument", "fas")
    >>> boys = out["från"].query("kon == 'pojke' and instrument == 'fiol'")
    >>> list(out), float(boys["share"].iloc[0])
    (['från', 'före'], 1.0)
    """
    return {value: distribution_by_group(rows, category, group, count=count, conf_level=conf_level,
                                         persons=persons)
            for value, rows in _periods(data, period)}


def independence_by_period(data: pd.DataFrame, category: str, period: str, group: str = "kon", *,
                           levels: Sequence[Hashable],
                           count: str | None = None) -> pd.DataFrame:
    """The chi-square test of independence between category and group, with Cramér's V, for
    each period.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (or counted rows, see ``count``) with ``category``, ``group`` and
        ``period``; rows without a period are left out.
    category : str
        The category column, e.g. ``instrument``.
    period : str
        The period column; an ordered categorical keeps its order.
    group : str, default "kon"
        The groups compared.
    levels : sequence of two hashables
        Required, no default. The two groups, ``(a, b)``, in the order the comparison is written
        (``"a / b, <period>"``, e.g. ``"flicka / pojke, 2024"``); the test is symmetric in them.
    count : str, optional
        The column of counts when ``data`` is already counted.

    Returns
    -------
    pandas.DataFrame
        One row per period with rows, in period order, in the library's comparison layout
        (measure ``cramers_v``, :func:`jamtools.stats.categorical.independence_test`), with
        ``comparison`` = ``"<a> / <b>, <period>"``. When no row has a period, the one test of
        all of ``data`` (for no rows at all: an empty estimate with a warning).

    References
    ----------
    .. [1] Pearson, K. (1900). On the criterion that a given system of deviations from the probable
           in the case of a correlated system of variables is such that it can be reasonably
           supposed to have arisen from random sampling. Philosophical Magazine, Series 5, 50(302),
           157–175.
    .. [2] Cramér, H. (1946). Mathematical Methods of Statistics. Princeton, NJ: Princeton
           University Press.

    Examples
    --------
    >>> d = pd.DataFrame({"kon": ["flicka"] * 6 + ["pojke"] * 6,
    ...                   "instrument": ["fiol"] * 5 + ["elbas"] + ["elbas"] * 5 + ["fiol"],
    ...                   "fas": ["hela perioden"] * 12})
    >>> independence_by_period(d, "instrument", "fas")["comparison"].tolist()
    ['flicka / pojke, hela perioden']
    """
    a, b = levels
    tests = [independence_test(rows, category, group, count=count)
             .assign(comparison=f"{a} / {b}, {value}")
             for value, rows in _periods(data, period)]
    if not tests:
        return independence_test(data, category, group, count=count)
    return pd.concat(tests, ignore_index=True)


__all__ = ["distribution_by_period", "independence_by_period"]
