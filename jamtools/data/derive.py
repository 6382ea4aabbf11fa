"""Columns derived from the export's own columns: the one age grouping of the handbook.

Every chapter that groups ages uses :func:`age_group`, with the bounds of the table's population
(:data:`CHILD_AGE_GROUPS`, :data:`ADULT_AGE_GROUPS`, :data:`HOME_CARE_AGE_GROUPS`) or with bounds
an analyst chose (r4_01's parameters).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Children throughout the book: 0–6, 7–12, 13–15, 16–17 (and 18+ for the odd older record).
CHILD_AGE_GROUPS = {"bounds": (0, 7, 13, 16, 18)}
#: Adult clients of ekonomiskt bistånd.
ADULT_AGE_GROUPS = {"bounds": (0, 25, 35, 45, 55),
                    "labels": ("under 25 år", "25–34 år", "35–44 år", "45–54 år", "55 år och äldre")}
#: Home-care users (hemtjänst).
HOME_CARE_AGE_GROUPS = {"bounds": (0, 65, 75, 85),
                        "labels": ("under 65 år", "65–74 år", "75–84 år", "85 år och äldre")}


def age_bands(bounds: Sequence[int], upper: int | None = None) -> list[str]:
    """Labels of the age groups that start at ``bounds``.

    Parameters
    ----------
    bounds : sequence of int
        Ascending first ages of the groups.
    upper : int, optional
        The highest age of the last group; None leaves it open.

    Returns
    -------
    list of str
        '18–24 år', …, and the last one open ('65+ år') or closed at ``upper`` ('16–17 år').
    """
    bounds = [int(b) for b in bounds]
    if not bounds or bounds != sorted(set(bounds)):
        raise ValueError(f"Åldersgränserna ska vara stigande heltal, inte {bounds!r}.")
    if upper is not None and upper < bounds[-1]:
        raise ValueError(f"Högsta ålder {upper} ligger under den sista åldersgränsen {bounds[-1]}.")
    labels = [f"{lo}–{hi - 1} år" for lo, hi in zip(bounds[:-1], bounds[1:])]
    last = bounds[-1]
    labels.append(f"{last}+ år" if upper is None else
                  (f"{last} år" if upper == last else f"{last}–{upper} år"))
    return labels


def age_group(age, *, bounds: Sequence[int], upper: int | None = None,
              labels: Sequence[str] | None = None) -> pd.Series:
    """The age group of each age in whole years.

    Parameters
    ----------
    age : array-like of number
        Ages; missing or unreadable values stay missing. A Series keeps its index.
    bounds : sequence of int
        Ascending first ages of the groups (a group runs up to the next bound minus one).
    upper : int, optional
        The highest age of the last group; ages above it, and below the first bound, are missing.
    labels : sequence of str, optional
        One label per group; by default :func:`age_bands`.

    Returns
    -------
    pandas.Series of string
        One label per age (``<NA>`` where the age is missing or outside the groups).

    Examples
    --------
    >>> list(age_group([6, 7, 17, 18], **CHILD_AGE_GROUPS))
    ['0–6 år', '7–12 år', '16–17 år', '18+ år']
    >>> list(age_group([24, 25, 70], **ADULT_AGE_GROUPS))
    ['under 25 år', '25–34 år', '55 år och äldre']
    """
    bounds = [int(b) for b in bounds]
    names = list(labels) if labels is not None else age_bands(bounds, upper)
    if len(names) != len(bounds):
        raise ValueError(f"{len(bounds)} åldersgrupper men {len(names)} namn.")
    edges = [b - 0.5 for b in bounds] + [(upper + 0.5) if upper is not None else np.inf]
    values = age if isinstance(age, pd.Series) else pd.Series(age)
    values = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.cut(values, bins=edges, labels=names, right=False).astype("string")


#: ``fodelseland``: born in Sweden or abroad.
BIRTH_LEVELS = ("inrikes_fodd", "utrikes_fodd")


def birth_country(born_in_sweden) -> pd.Series:
    """``fodelseland`` from a 1/0 (true/false) ``fodd_i_sverige``: ``inrikes_fodd`` or
    ``utrikes_fodd``; missing stays missing."""
    s = pd.Series(born_in_sweden)
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    known = s.notna()
    out[known] = np.where(s[known].astype(bool), BIRTH_LEVELS[0], BIRTH_LEVELS[1])
    return out



def yes_no(values, index=None) -> pd.Series:
    """Yes/no values (bool, 0/1, '1'/'0', 'true'/'false', 1.0/0.0) as a nullable boolean.

    Parameters
    ----------
    values : array-like
        The values; anything else, and missing values, become missing.
    index : index, optional
        The index for values that are not a Series (a Series keeps its own).

    Returns
    -------
    pandas.Series of boolean

    Examples
    --------
    >>> yes_no([1, "0", "true", None]).tolist()
    [True, False, True, <NA>]
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values, index=index)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    text = s.astype("string").str.strip().str.lower()
    mapped = text.map({"1": True, "0": False, "true": True, "false": False, "1.0": True,
                       "0.0": False})
    return mapped.astype("boolean")


__all__ = ["yes_no", "birth_country", "BIRTH_LEVELS", "age_group", "age_bands", "CHILD_AGE_GROUPS", "ADULT_AGE_GROUPS", "HOME_CARE_AGE_GROUPS"]
