"""Kulturskolan: data preparation for the instrument-choice chapter (ks_01).

The chapter compares girls' and boys' choices of instrument, before and after the year the
school began working for free choices. An export without the school year (``ar``, or the
term's start date it is derived from) can still answer the first part for the whole period:
:func:`prepare_pupils` then puts every row in one phase, :data:`WHOLE_PERIOD`.
"""
from __future__ import annotations

import pandas as pd

#: The reader's names of the instruments (the data model's codes lack å, ä and ö).
INSTRUMENTS = {"piano": "Piano", "gitarr": "Gitarr", "fiol": "Fiol", "cello": "Cello",
               "flojt": "Flöjt", "trummor": "Trummor", "elbas": "Elbas", "sang": "Sång",
               "trumpet": "Trumpet", "klarinett": "Klarinett"}
#: The one phase of a table without years.
WHOLE_PERIOD = "hela perioden"


def phases(change_year: int) -> list[str]:
    """The two phases' labels, before and from ``change_year``.

    Examples
    --------
    >>> phases(2024)
    ['före 2024', 'från 2024']
    """
    return [f"före {change_year}", f"från {change_year}"]


def prepare_pupils(data: pd.DataFrame, change_year: int) -> pd.DataFrame:
    """The pupils as the chapter analyses them: the instrument under its reader's name
    (:data:`INSTRUMENTS`; an unknown code is kept as it is) and the phase ``fas``, an ordered
    categorical: before or from ``change_year`` by the school year ``ar``, or
    :data:`WHOLE_PERIOD` for every row when the table has no year. A row without a year has no
    phase (missing). The input is not modified.

    Parameters
    ----------
    data : DataFrame
        One row per pupil and term with ``kon`` and ``instrument``, optionally ``ar``.
    change_year : int
        The first school year of the new way of working (parameter ``forandring_ar``).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> d = pd.DataFrame({"instrument": ["flojt", "sang"], "ar": [2023, 2024]})
    >>> prepare_pupils(d, 2024)[["instrument", "fas"]].values.tolist()
    [['Flöjt', 'före 2024'], ['Sång', 'från 2024']]
    >>> prepare_pupils(d[["instrument"]], 2024)["fas"].tolist()
    ['hela perioden', 'hela perioden']
    """
    out = data.copy()
    out["instrument"] = out["instrument"].map(lambda v: INSTRUMENTS.get(v, v))
    if "ar" in out.columns and out["ar"].notna().any():
        labels = phases(change_year)
        year = pd.to_numeric(out["ar"], errors="coerce")
        fas = pd.Series(labels[0], index=out.index).where(year < change_year, labels[1])
        out["fas"] = pd.Categorical(fas.where(year.notna()), categories=labels, ordered=True)
    else:
        out["fas"] = pd.Categorical([WHOLE_PERIOD] * len(out), categories=[WHOLE_PERIOD],
                                    ordered=True)
    return out


__all__ = ["INSTRUMENTS", "WHOLE_PERIOD", "phases", "prepare_pupils"]
