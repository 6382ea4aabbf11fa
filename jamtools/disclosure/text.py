"""Disclosure of words counted in free-text notes: the word itself is the information.

:func:`jamtools.stats.text.count_words` drops digits, names, street names, listed words and single letters
while counting (rules 1–4). This module applies the fifth rule before any word is shown:

5. **Threshold**: a word is shown only if, for each sex, it occurs either not at all, or in
   notes about at least ``threshold`` different persons *and* at least ``threshold`` times;
   and in notes about at least ``threshold`` persons in all. A word that fails is left out
   altogether (not shown with a hidden cell), and only *how many* words were left out is kept.
"""
from __future__ import annotations

import pandas as pd

from jamtools import disclosure

#: Rule 5 in the words of the exclusion table (``{t}`` is the threshold).
RULE_THRESHOLD = "används om färre än {t} personer eller färre än {t} gånger (för något kön)"


def passes_threshold(words: pd.DataFrame, levels, threshold: int) -> pd.Series:
    """Rule 5: per level zero or (≥ threshold persons and ≥ threshold times); ≥ threshold
    persons in all.

    Parameters
    ----------
    words : pandas.DataFrame
        One row per word with ``count_<level>``, ``persons_<level>`` and ``persons_all``.
    levels : iterable of str
    threshold : int

    Returns
    -------
    pandas.Series of bool
        True for the words that may be shown.
    """
    ok = words["persons_all"] >= threshold
    for lvl in levels:
        c, p = words[f"count_{lvl}"], words[f"persons_{lvl}"]
        ok &= (c == 0) | ((p >= threshold) & (c >= threshold))
    return ok


def disclose_words(words: pd.DataFrame, *, threshold: int = disclosure.DEFAULT_THRESHOLD
                   ) -> pd.DataFrame:
    """Keep only the words that may be shown (rule 5), without the person and note counts.

    Parameters
    ----------
    words : pandas.DataFrame
        :func:`jamtools.stats.text.distinctive_words` (``attrs["levels"]`` names the levels).
    threshold : int

    Returns
    -------
    pandas.DataFrame
        The shown words, carrying the disclosure mark, so the tables and figures of
        :mod:`jamtools.present.text` accept it; ``attrs["hidden_words"]`` holds only *how many*
        words were left out, never which, and ``attrs["shown_words"]`` how many are shown.
    """
    levels = words.attrs.get("levels") or tuple(c[len("count_"):] for c in words.columns
                                                if c.startswith("count_"))
    ok = passes_threshold(words, levels, threshold)
    shown = words[ok].drop(columns=[c for c in words.columns
                                    if c.startswith(("persons_", "notes_"))])
    count_cols = [f"count_{lvl}" for lvl in levels]
    out = disclosure.disclose_table(shown.reset_index(drop=True), count_cols=count_cols,
                                    by=["word"], margins=False, threshold=threshold)
    out.attrs["levels"] = tuple(levels)
    out.attrs["hidden_words"] = int((~ok).sum())
    out.attrs["shown_words"] = int(ok.sum())
    return out


__all__ = ["RULE_THRESHOLD", "disclose_words", "passes_threshold"]
