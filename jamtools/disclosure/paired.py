"""Disclosure control for within-pair comparisons (:mod:`jamtools.stats.paired`).

A paired comparison gives more away than an ordinary one: its difference is
:math:`(n_{10} - n_{01})/N` and McNemar's statistic rests on :math:`n_{10} + n_{01}`, so
together they reveal both discordant counts (the pairs where only one member had the outcome).

- :func:`disclose_paired` hides a comparison that rests on a small discordant count, besides
  what :func:`jamtools.disclosure.disclose_comparisons` hides;
- :func:`disclose_pair_table` makes the pairs' 2 × 2 table with its totals safe to show (small
  cells, and the cells and totals that would give them away, are hidden).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.disclosure import _mark

#: The label of the totals row and column of :func:`disclose_pair_table`.
TOTAL = "summa"


def disclose_paired(comparisons: pd.DataFrame, *, threshold: int = disclosure.DEFAULT_THRESHOLD
                    ) -> pd.DataFrame:
    """Disclosure control for paired comparisons.

    As :func:`jamtools.disclosure.disclose_comparisons` (small numbers of pairs or of members
    with and without the outcome), and also when a discordant count (only ``a``, only ``b``) is
    small: the difference gives :math:`n_{10} - n_{01}` and McNemar's statistic
    :math:`n_{10} + n_{01}`, so together they reveal both.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Rows of :func:`jamtools.stats.paired.paired_difference` (with ``discordant_a`` and
        ``discordant_b``).
    threshold : int
        Smallest count that may be shown.

    Returns
    -------
    pandas.DataFrame
        The same rows, a hidden one with its estimate, interval, p-value and counts set to NaN,
        ``suppressed`` True and a ``suppression_reason``. Marked as disclosed.
    """
    out = disclosure.disclose_comparisons(comparisons, threshold=threshold)
    small = np.zeros(len(out), bool)
    for col in ("discordant_a", "discordant_b"):
        if col in comparisons:
            small |= disclosure.is_small(comparisons[col].to_numpy(dtype=float), threshold)
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b",
                "pairs", "discordant_a", "discordant_b"):
        if col in out:
            out[col] = out[col].astype(float).where(~(small | out["suppressed"].to_numpy()), np.nan)
    newly = small & ~out["suppressed"].to_numpy()
    out.loc[newly, "suppression_reason"] = disclosure.REASON_HIDDEN
    out["suppressed"] = out["suppressed"].to_numpy() | small
    if "warning" in out:  # as disclosure._mark: a hidden row's warning speaks of its counts
        out["warning"] = out["warning"].astype(object).where(~out["suppressed"].to_numpy(bool), "")
    return out


def disclose_pair_table(pairs: pd.DataFrame, *, threshold: int = disclosure.DEFAULT_THRESHOLD
                        ) -> pd.DataFrame:
    """The pairs' 2 × 2 table with its totals, after disclosure control.

    The four cells (``a`` had the outcome or not × ``b`` had it or not) go through
    :func:`jamtools.disclosure.disclose_table` with their row and column totals as published:
    small cells, the cells that would give them away, and the totals that would, are hidden.

    Parameters
    ----------
    pairs : pandas.DataFrame
        One row per pair with 0/1 columns ``a`` and ``b`` (:func:`jamtools.stats.paired.pair_up`).
    threshold : int
        Smallest count that may be shown.

    Returns
    -------
    pandas.DataFrame
        Index ``a`` and columns ``b``, each ``1, 0,`` :data:`TOTAL` (float counts; NaN where
        hidden). Marked as disclosed.
    """
    cells = pd.DataFrame([{"a": ya, "b": yb, "antal": float(((pairs["a"] == ya) & (pairs["b"] == yb)).sum())}
                          for ya in (1, 0) for yb in (1, 0)])
    shown = disclosure.disclose_table(cells, count_cols=["antal"], by=["a", "b"], threshold=threshold)
    grid = shown.pivot(index="a", columns="b", values="antal").reindex(index=[1, 0], columns=[1, 0])
    totals = shown.attrs[disclosure.ATTR]["totals"][0]
    mask = np.asarray(totals["mask"])  # rows/columns in the pivot's sorted order (0, 1) + total
    counts = cells.pivot(index="a", columns="b", values="antal").reindex(index=[0, 1], columns=[0, 1])
    ext = disclosure.extend_with_totals(counts.to_numpy())
    ext = np.where(mask, np.nan, ext)
    out = pd.DataFrame(
        [[grid.loc[1, 1], grid.loc[1, 0], ext[1, -1]],
         [grid.loc[0, 1], grid.loc[0, 0], ext[0, -1]],
         [ext[-1, 1], ext[-1, 0], ext[-1, -1]]],
        index=pd.Index([1, 0, TOTAL], name="a", dtype="object"),
        columns=pd.Index([1, 0, TOTAL], name="b", dtype="object"), dtype=float)
    return _mark(out, threshold)


__all__ = ["TOTAL", "disclose_paired", "disclose_pair_table"]
