"""Disclosure of Lorenz curves: the points between which too few units hold any of the amount.

A Lorenz curve's points are cumulative shares of a group's summed amount, so the difference of
two neighbouring points, times the group's sum (its mean times its number, both shown beside the
curve), is the amount of the units between them. Among many units with nothing (rejected
applications, clients without an intervention) the step where the units with an amount begin
can hold only one or two of them, and then gives back their amounts: a review found a single
grant of 123 456 kr in the ninth tenth of a group's applications.

:func:`hide_thin_steps` hides the points that end such a step, so that the step merges with the
next; the curve is drawn through the points shown (a coarser curve of the same units).
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from jamtools.disclosure import REASON_HIDDEN

#: The column of :func:`hide_thin_steps`'s result that marks a hidden point.
POINT_HIDDEN = "punkt_dold"


def contributors_between(a: float, b: float, n: float, nonzero: float) -> int:
    """The units with an amount other than 0 among those a Lorenz curve's step from the share
    ``a`` to the share ``b`` of ``n`` units sorted smallest first draws on (a unit cut by a
    point counts on both sides): the last ``nonzero`` units are those with an amount.

    >>> contributors_between(0.8, 0.9, 100, 12)   # units 80..89, those with an amount 88, 89
    2
    >>> contributors_between(0.25, 0.5, 10, 10)   # units 2..4 (unit 2 cut by the point at 2.5)
    3
    """
    first = max(math.floor(a * n + 1e-9), int(round(n - nonzero)))
    last = math.ceil(b * n - 1e-9) - 1
    return max(0, last - first + 1)


def hide_thin_steps(lorenz: pd.DataFrame, nonzero: Mapping, *, group: str = "kon",
                    threshold: int) -> pd.DataFrame:
    """``lorenz`` (disclosed by :func:`jamtools.disclosure.disclose_table`) with the points hidden
    that end a step of between 1 and ``threshold`` − 1 units with an amount.

    Walking up each shown curve from 0, a step with too few such units is merged with the next
    by hiding its upper point (``andel_resurs`` missing, :data:`POINT_HIDDEN` true). The last
    point (1, the whole) cannot be hidden: when the last step is still too thin, the whole curve
    is hidden, as a group too small for it is.

    Parameters
    ----------
    lorenz : pandas.DataFrame
        :func:`jamtools.stats.concentration.lorenz_by_group`'s rows, disclosed (``suppressed``).
    nonzero : mapping
        Per group: its number of units with an amount other than 0.
    group : str, default 'kon'
    threshold : int
        The fewest units with an amount a step may rest on.

    Returns
    -------
    pandas.DataFrame
        ``lorenz`` with :data:`POINT_HIDDEN`; its disclosure marks are kept.
    """
    out = lorenz.copy()
    out[POINT_HIDDEN] = False
    for lvl, sub in out.groupby(group, sort=False):
        if sub["suppressed"].astype(bool).any() or sub["andel_resurs"].isna().all():
            continue
        n = float(sub["n"].iloc[0])
        nz = float(nonzero.get(lvl, 0) or 0)
        shares = sub["andel_enheter"].to_numpy(float)
        idx = sub.index.to_numpy()
        prev, hide_all = 0, False
        for j in range(1, len(shares)):
            c = contributors_between(shares[prev], shares[j], n, nz)
            if 0 < c < threshold:
                if j == len(shares) - 1:
                    hide_all = True
                    break
                out.loc[idx[j], POINT_HIDDEN] = True
                continue
            prev = j
        if hide_all:
            out.loc[idx, ["andel_resurs", "gini"]] = np.nan
            out.loc[idx, "suppressed"] = True
            out.loc[idx, "suppression_reason"] = REASON_HIDDEN
            out.loc[idx, POINT_HIDDEN] = False
    out["andel_resurs"] = out["andel_resurs"].where(~out[POINT_HIDDEN], np.nan)
    out.attrs = dict(lorenz.attrs)
    return out
