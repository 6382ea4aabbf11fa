"""Disclosure of control charts (:mod:`jamtools.stats.control`) before they are shown.

A month and sex whose denominator, numerator or their difference is small is hidden (with
complementary suppression against the month and sex totals), and with it that month's gap. The
gap's EWMA is then recomputed with the hidden months left out, because consecutive EWMA values
would otherwise give a hidden month's value back.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.stats.control import ewma


def disclose_charts(chart: pd.DataFrame, gap: pd.DataFrame, *, time: str,
                    group: str = "kon", threshold: int = disclosure.DEFAULT_THRESHOLD):
    """Disclose a p-chart table and its gap table.

    Parameters
    ----------
    chart : pandas.DataFrame
        :func:`jamtools.stats.control.p_chart`.
    gap : pandas.DataFrame
        :func:`jamtools.stats.control.gap_chart` of the same data.
    time, group : str
        The period and group columns.
    threshold : int

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Both tables, marked as disclosed: hidden cells are NaN with ``suppressed`` and
        ``suppression_reason``; a hidden month has no signal; the gap's ``ewma``,
        ``ewma_limit``, ``ewma_signal``, ``flagged`` and ``direction`` are recomputed without the
        hidden months.
    """
    c = chart.copy()
    c["non_events"] = c["n"] - c["events"]
    derived = ["share", "sd", "lcl", "ucl", "z"]
    c = disclosure.disclose_table(c, count_cols=["n", "events", "non_events"], by=[time, group],
                                  derived_cols=derived, threshold=threshold)
    c["signal"] = c["signal"].where(~c["suppressed"], "")
    hidden_times = set(c.loc[c["suppressed"], time])
    g = gap.copy()
    for side in ("a", "b"):
        g[f"non_events_{side}"] = g[f"n_{side}"] - g[f"events_{side}"]
    gap_derived = ["share_a", "share_b", "gap", "sd", "lcl", "ucl", "z", "ewma", "ewma_limit"]
    g = disclosure.disclose_table(g, count_cols=["n_a", "events_a", "non_events_a", "n_b",
                                                 "events_b", "non_events_b"], by=[time],
                                  derived_cols=gap_derived, margins=False, threshold=threshold)
    extra = g[time].isin(hidden_times) & ~g["suppressed"]
    if extra.any():
        for col in ["n_a", "events_a", "non_events_a", "n_b", "events_b", "non_events_b",
                    *gap_derived]:
            g[col] = g[col].where(~extra, np.nan)
        g.loc[extra, "suppressed"] = True
        g.loc[extra, "suppression_reason"] = disclosure.REASON_GROUP
    if g["suppressed"].any():
        lam, lim = float(gap["ewma_lambda"].iloc[0]), float(gap["ewma_l"].iloc[0])
        smooth = ewma(g["z"].to_numpy(dtype=float), lam=lam, limit=lim)
        g["ewma"], g["ewma_limit"], g["ewma_signal"] = (smooth["ewma"].to_numpy(),
                                                        smooth["limit"].to_numpy(),
                                                        smooth["signal"].to_numpy())
    g["signal"] = g["signal"].where(~g["suppressed"], "")
    g["flagged"] = (g["signal"] != "") | (g["ewma_signal"] != "")
    g["direction"] = np.where(g["signal"] != "", g["signal"], g["ewma_signal"])
    return c, g


__all__ = ["disclose_charts"]
