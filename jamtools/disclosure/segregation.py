"""Disclosure of the dissimilarity index (:func:`jamtools.stats.categorical.dissimilarity_by_period`
and :func:`jamtools.stats.categorical.dissimilarity_change`).

A dissimilarity row carries, besides the comparison layout's own numbers, the uncorrected index,
the level chance alone gives, the bias and the two phases' indexes (:data:`EXTRA_NUMBERS`). A
row resting on a group smaller than the threshold is hidden with all of them.
"""
from __future__ import annotations

import pandas as pd

from jamtools.disclosure import DEFAULT_THRESHOLD, disclose_comparisons

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


__all__ = ["EXTRA_NUMBERS", "disclose_dissimilarity"]
