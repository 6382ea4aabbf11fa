"""Disclosure of the dissimilarity index (:func:`jamtools.stats.categorical.dissimilarity_by_period`
and :func:`jamtools.stats.categorical.dissimilarity_change`).

A dissimilarity row carries, besides the comparison layout's own numbers, the uncorrected index,
the level chance alone gives, the bias and the two phases' indexes (:data:`EXTRA_NUMBERS`). A
row resting on a group smaller than the threshold is hidden with all of them.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from jamtools.disclosure import (DEFAULT_THRESHOLD, REASON_HIDDEN, disclose_comparisons,
                                 hide_adjusted_over_hidden_strata)

#: Columns of a dissimilarity row that carry numbers besides the comparison layout's own.
EXTRA_NUMBERS = ("d_naive", "d_random", "bias", "d_before", "d_after")


def disclose_dissimilarity(rows: pd.DataFrame, *,
                           threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Disclose dissimilarity rows.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of :func:`~jamtools.stats.categorical.dissimilarity_by_period` or
        :func:`~jamtools.stats.categorical.dissimilarity_change` (may be empty).
    threshold : int
        The smallest group that may be shown.

    Returns
    -------
    pandas.DataFrame
        :func:`jamtools.disclosure.disclose_comparisons` of ``rows``; a hidden row also has
        its :data:`EXTRA_NUMBERS` (chance level, uncorrected index, …) set to NaN.
    """
    out = disclose_comparisons(rows, threshold=threshold)
    for col in EXTRA_NUMBERS:
        if col in out:
            out[col] = out[col].astype(float).where(~out["suppressed"], float("nan"))
    return out


def _period_of(rows: pd.DataFrame, period: str) -> pd.Series:
    """Each row's period: its ``period`` column, or the text after the comparison's last comma
    (an independence test per period, ``"flicka / pojke, före 2024"``)."""
    if period in rows:
        return rows[period].astype(str)
    return rows["comparison"].astype(str).str.rsplit(", ", n=1).str[-1]


def hide_over_hidden_cells(rows: pd.DataFrame, distributions: Mapping, *,
                           period: str = "period") -> pd.DataFrame:
    """Rows of a period hidden when the distribution of its cells hides a cell.

    The dissimilarity index, Cramér's V and its p-value are functions of every cell of the
    period's distribution: beside the cells and the group sizes shown they give a hidden cell
    back (bof_03's measures are hidden the same way,
    :func:`jamtools.disclosure.hide_adjusted_over_hidden_strata`). A cell hidden because it
    rests on few persons is hidden here as one small by its rows.

    Parameters
    ----------
    rows : pandas.DataFrame
        Disclosed rows per period: dissimilarity rows (:func:`disclose_dissimilarity`, with
        ``period``) or independence tests (their ``comparison`` ends with the period).
    distributions : mapping
        Period -> the disclosed distribution of its cells
        (:func:`jamtools.disclosure.disclose_distribution`, by persons where they are counted):
        the one the page shows, or, for a period whose cells the page does not show (a school
        year, whose cells add up to its phase's), the one it would show.
    period : str, default 'period'

    Returns
    -------
    pandas.DataFrame
        ``rows`` with the rows of such periods hidden (reason
        :data:`jamtools.disclosure.REASON_STRATA`), their :data:`EXTRA_NUMBERS` too. A row
        whose estimate could not be computed is hidden too (:func:`hide_rows`): it shows the
        groups' sizes, which the distribution hides where a group has few persons.
    """
    out = rows
    over_hidden = np.zeros(len(rows), bool)
    for value, dist in distributions.items():
        of_period = (_period_of(out, period) == str(value)).to_numpy()
        out = hide_adjusted_over_hidden_strata(out, dist, rows=of_period)
        if len(dist) and dist["suppressed"].fillna(False).astype(bool).any():
            over_hidden |= of_period
    out = hide_rows(out, over_hidden)  # (the rows not computed; the others are hidden already)
    for col in EXTRA_NUMBERS:
        if col in out:
            out[col] = out[col].astype(float).where(~out["suppressed"].astype(bool), float("nan"))
    return out


#: The numbers a hidden row loses (:func:`disclose_comparisons`' and :data:`EXTRA_NUMBERS`).
_HIDDEN_NUMBERS = ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b",
                   "mdd_pp", "p_adjusted", *EXTRA_NUMBERS)


def hide_rows(rows: pd.DataFrame, which=None) -> pd.DataFrame:
    """Every row of disclosed ``rows`` hidden (dissimilarity rows: the change between two phases,
    when a phase is hidden by :func:`protect_periods`; or comparisons), or the rows of the mask
    ``which``: their numbers and counts missing (a row whose estimate could not be computed
    still showed its counts), with the reason of a hidden count."""
    out = rows.copy()
    chosen = np.ones(len(out), bool) if which is None else np.asarray(which, bool)
    for i, hide in zip(out.index, chosen):
        if hide and not out.at[i, "suppressed"]:
            _hide_row(out, i)
    out.attrs = dict(rows.attrs)
    return out


def _hide_row(rows: pd.DataFrame, i) -> None:
    for col in _HIDDEN_NUMBERS:
        if col in rows:
            rows[col] = rows[col].astype(float)
            rows.at[i, col] = float("nan")
    rows.at[i, "suppressed"] = True
    rows.at[i, "suppression_reason"] = REASON_HIDDEN
    if "warning" in rows:
        rows.at[i, "warning"] = ""


def protect_periods(parts: pd.DataFrame, wholes: pd.DataFrame, part_of, *,
                    period: str = "period", threshold: int = DEFAULT_THRESHOLD
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disclosed rows per year (``parts``) beside rows per phase (``wholes``) whose groups are
    the sums of their years': no hidden year follows from its phase less the years shown.

    A probe's kulturskola of 55 pupils showed 2024 (5 girls) and "från 2024" (9 girls) and hid
    2025: 9 − 5 = 4 girls. Where a phase shown has exactly one hidden year, or hidden years
    whose pupils of one sex add up to fewer than ``threshold`` (two hidden years of 1 girl each
    beside the phase's 22 and a shown year's 20), the year of the phase with the fewest pupils
    shown is hidden too; where none is left, the phase is hidden. Repeated until no phase gives a
    hidden year back (Hundepool et al. 2012, §4.3 on linked tables).

    Parameters
    ----------
    parts, wholes : pandas.DataFrame
        Disclosed rows per year and per phase (:func:`disclose_dissimilarity`, or
        :func:`jamtools.disclosure.analyses.amount_gap_by_period`'s crude and adjusted gap),
        each with ``period``, ``n_a``, ``n_b`` and ``suppressed``; the rows of one period share
        its counts and are hidden together.
    part_of : callable
        A year's phase (as ``wholes[period]`` names it).
    period : str, default 'period'
    threshold : int
        The smallest group that may be shown.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Both, with the rows hidden besides marked with the one reason of a hidden count
        (:data:`jamtools.disclosure.REASON_HIDDEN`).
    """
    attrs_parts, attrs_wholes = dict(parts.attrs), dict(wholes.attrs)
    index_parts, index_wholes = parts.index, wholes.index
    # (by position: a repeated index label would make every year look up the same rows)
    parts, wholes = parts.reset_index(drop=True), wholes.reset_index(drop=True)
    # A period may have several rows (ht_02's crude and adjusted gap): they share its counts
    # and are hidden together.
    years = list(dict.fromkeys(parts[period])) if len(parts) else []
    rows_of = {y: parts.index[parts[period] == y] for y in years}
    for y, rows in rows_of.items():
        shown = parts.loc[rows][~parts.loc[rows, "suppressed"].astype(bool)]
        if len(shown) and (shown[["n_a", "n_b"]].nunique() > 1).any():
            raise ValueError(f"Perioden {y} har rader med olika antal: de ska ha periodens antal.")

    def year_hidden(y) -> bool:
        return bool(parts.loc[rows_of[y], "suppressed"].astype(bool).any())

    def count(y, side) -> float:
        return float(parts.at[rows_of[y][0], side])

    changed = True
    while changed:
        changed = False
        for name in list(dict.fromkeys(wholes.loc[~wholes["suppressed"].astype(bool), period])):
            whole = wholes.index[wholes[period] == name]
            if wholes.loc[whole, "suppressed"].astype(bool).any():
                continue
            members = [y for y in years if part_of(y) == name]
            hidden = [y for y in members if year_hidden(y)]
            shown = [y for y in members if not year_hidden(y)]
            # each sex's units of the hidden years: the phase's less the years shown
            rest = [float(wholes.at[whole[0], side]) - sum(count(y, side) for y in shown)
                    for side in ("n_a", "n_b")]
            if not (len(hidden) == 1 or any(0 < r < threshold for r in rest)):
                continue
            if shown:
                fewest = min(shown, key=lambda y: (count(y, "n_a") + count(y, "n_b"), str(y)))
                for i in rows_of[fewest]:
                    _hide_row(parts, i)
            else:
                for i in whole:
                    _hide_row(wholes, i)
            changed = True
    parts.index, wholes.index = index_parts, index_wholes
    parts.attrs, wholes.attrs = attrs_parts, attrs_wholes
    return parts, wholes


__all__ = ["EXTRA_NUMBERS", "disclose_dissimilarity", "hide_over_hidden_cells", "hide_rows",
           "protect_periods"]
