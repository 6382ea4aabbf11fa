"""Hemtjänst: data preparation for the home-help chapters (ht_01, ht_02).

The chapters compare the hours granted to women and men, crude and among decisions with the
same need. What "the same need" can mean depends on what the organisation's export holds: the
ADL dependency (``adl_beroende``), whether the person lives alone (``ensamboende``) and the age
(``alder``) are each optional. :func:`need_group` builds the need groups the chapters show
from whichever of them a table has.
"""
from __future__ import annotations

import pandas as pd

from jamtools.data.derive import HOME_CARE_AGE_GROUPS, age_group

#: ADL levels as shown: 5 and 6 activities together (they are few).
ADL_LEVELS = ("0", "1", "2", "3", "4", "5–6")
#: How living alone is written in a need group.
LIVING = {True: "bor ensam", False: "bor med någon"}
#: Age bands for home help in elder care (bounds in whole years, lower inclusive).
AGE_LABELS = tuple(HOME_CARE_AGE_GROUPS["labels"])
#: The need covariates a need group may be built from, in the order they are written.
NEED_COLUMNS = ("adl_beroende", "ensamboende", "alder")
#: The name of the need-group column by what it is built from; each has a Swedish label in
#: :data:`jamtools.present.report.COLUMN_LABELS` (or reads as one), so a table's header says what the
#: groups are.
GROUP_NAMES = {("adl_beroende", "ensamboende"): "behovsgrupp", ("adl_beroende",): "behovsniva",
               ("ensamboende",): "boendeform", ("alder",): "aldersgrupp"}
#: What the groups are, in a caption ("… efter <text> och kön").
GROUP_TEXTS = {"behovsgrupp": "behov (ADL-beroende och boende)", "behovsniva": "ADL-beroende",
               "boendeform": "boendeform", "aldersgrupp": "åldersgrupp"}


def _present(data: pd.DataFrame, column: str) -> bool:
    return column in data.columns and bool(data[column].notna().any())


def need_group_columns(data: pd.DataFrame) -> list[str]:
    """The columns :func:`need_group` uses for ``data``: ADL dependency and living alone,
    whichever the table has; the age only when it has neither.

    Examples
    --------
    >>> need_group_columns(pd.DataFrame({"adl_beroende": [1], "alder": [80]}))
    ['adl_beroende']
    >>> need_group_columns(pd.DataFrame({"alder": [80]}))
    ['alder']
    >>> need_group_columns(pd.DataFrame({"kon": ["man"]}))
    []
    """
    cols = [c for c in ("adl_beroende", "ensamboende") if _present(data, c)]
    if not cols and _present(data, "alder"):
        cols = ["alder"]
    return cols


def need_group(data: pd.DataFrame) -> pd.Series | None:
    """The need group of each decision, as an ordered categorical; None when ``data`` has
    none of the need columns.

    The group combines the ADL dependency (0, 1, 2, 3, 4 and 5–6 activities) and the living
    situation ("bor ensam" / "bor med någon"), or whichever of the two the table has, e.g.
    ``"ADL 2, bor ensam"``, ``"ADL 2"`` or ``"bor ensam"``. A table with neither but with the
    age is grouped by age band (``"75–84 år"``): the age is the only need-related information
    left. A decision with a missing value in a column used has no group (missing).

    Parameters
    ----------
    data : DataFrame
        One row per decision, with any subset of ``adl_beroende`` (int 0–6), ``ensamboende``
        (bool) and ``alder`` (int); other columns are ignored.

    Returns
    -------
    pandas.Series (ordered Categorical) or None
        Every possible group is a category, in need order (ADL level, then living alone
        before living with someone), so tables and figures show them in the same order
        whatever the data hold. The series' name says what the groups are built from
        (:data:`GROUP_NAMES`: ``behovsgrupp``, ``behovsniva``, ``boendeform`` or
        ``aldersgrupp``); use it as the column name.

    Examples
    --------
    >>> d = pd.DataFrame({"adl_beroende": [0, 6, 2], "ensamboende": [True, False, None]})
    >>> list(need_group(d).astype(object))
    ['ADL 0, bor ensam', 'ADL 5–6, bor med någon', nan]
    >>> list(need_group(d[["ensamboende"]]).astype(object))
    ['bor ensam', 'bor med någon', nan]
    >>> list(need_group(pd.DataFrame({"alder": [70, 90]})).astype(object))
    ['65–74 år', '85 år och äldre']
    >>> need_group(pd.DataFrame({"beviljade_timmar": [3.0]})) is None
    True
    """
    cols = need_group_columns(data)
    if not cols:
        return None
    parts: list[pd.Series] = []
    levels: list[list[str]] = []
    if "adl_beroende" in cols:
        adl = pd.to_numeric(data["adl_beroende"], errors="coerce").clip(upper=5)
        parts.append(adl.map(lambda v: None if pd.isna(v) else f"ADL {ADL_LEVELS[int(v)]}"))
        levels.append([f"ADL {n}" for n in ADL_LEVELS])
    if "ensamboende" in cols:
        alone = data["ensamboende"].astype("boolean")
        parts.append(alone.map(lambda v: None if pd.isna(v) else LIVING[bool(v)]).astype(object))
        levels.append(list(LIVING.values()))
    if cols == ["alder"]:
        age = pd.to_numeric(data["alder"], errors="coerce")
        parts.append(age_group(age, **HOME_CARE_AGE_GROUPS).astype(object).where(age.notna(), None))
        levels.append(list(AGE_LABELS))
    label = [None if any(pd.isna(v) for v in values) else ", ".join(values)
             for values in zip(*(part.astype(object) for part in parts))]
    categories = levels[0]
    for more in levels[1:]:
        categories = [f"{a}, {b}" for a in categories for b in more]
    return pd.Series(pd.Categorical(label, categories=categories, ordered=True),
                     index=data.index, name=GROUP_NAMES[tuple(cols)])


def need_group_text(data: pd.DataFrame) -> str:
    """What the need groups of :func:`need_group` are made of, in Swedish, for a caption
    ("… efter <text> och kön"); empty when ``data`` has no need column.

    Examples
    --------
    >>> need_group_text(pd.DataFrame({"adl_beroende": [1], "ensamboende": [True]}))
    'behov (ADL-beroende och boende)'
    >>> need_group_text(pd.DataFrame({"alder": [80]}))
    'åldersgrupp'
    >>> need_group_text(pd.DataFrame({"kon": ["man"]}))
    ''
    """
    cols = tuple(need_group_columns(data))
    return GROUP_TEXTS[GROUP_NAMES[cols]] if cols else ""


__all__ = ["need_group", "need_group_columns", "need_group_text", "ADL_LEVELS", "AGE_LABELS",
           "LIVING", "NEED_COLUMNS", "GROUP_NAMES"]
