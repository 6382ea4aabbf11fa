"""Ekonomiskt bistånd: the adult age groups and the summary sentence its chapters need.

What the rest of the library does not yet have for the social-assistance chapters:

- :func:`age_group`, the age groups for adult clients (the book's only grouping so far,
  :func:`jamtools.data.age_group_bof`, is for children);
- :func:`summary`, one line per outcome with the crude and the adjusted difference and what
  each shows, for chapters that compare several yes/no outcomes at once.
"""
from __future__ import annotations

import pandas as pd

from jamtools import report

#: Upper bounds (inclusive) of the adult age groups, and their labels.
AGE_BINS = (-1, 24, 34, 44, 54, 200)
AGE_LABELS = ("under 25 år", "25–34 år", "35–44 år", "45–54 år", "55 år och äldre")

def age_group(age) -> pd.Series:
    """Age groups for adult clients: under 25, 25–34, 35–44, 45–54, and 55 years and older.

    Parameters
    ----------
    age : array-like of int
        Age in whole years; missing values stay missing.

    Returns
    -------
    pandas.Series of string
        One label of :data:`AGE_LABELS` per row (``<NA>`` where the age is missing).

    Examples
    --------
    >>> list(age_group([18, 25, 44, 55, 70]))
    ['under 25 år', '25–34 år', '35–44 år', '55 år och äldre', '55 år och äldre']
    """
    values = pd.Series(age)
    return pd.cut(pd.to_numeric(values, errors="coerce"), bins=list(AGE_BINS),
                  labels=list(AGE_LABELS)).astype("string")



def _verdict(row, a: str, b: str) -> str:
    if row["ci_low"] > 0:
        return f"tydligt högre för {a} än för {b}"
    if row["ci_high"] < 0:
        return f"tydligt lägre för {a} än för {b}"
    return "ingen tydlig skillnad"


def summary(comparisons: pd.DataFrame, key: str, *, measure: str = "risk_difference_pp") -> str:
    """One Markdown line per outcome: the crude and the adjusted difference, each with its
    interval and what it shows ("tydligt högre för kvinnor än för män" or "ingen tydlig
    skillnad" when the interval covers 0).

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Disclosed comparisons stacked with :func:`jamtools.disclosure.stack`, one block per
        outcome under the column ``key``.
    key : str
        The column that names the outcome (its values are shown as they are).
    measure : str
        Which measure to summarise; percentage points by default.

    Returns
    -------
    str
        A Markdown list; a hidden comparison is said to be hidden (röjandekontroll).
    """
    from jamtools import disclosure

    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    rows = comparisons[comparisons["measure"] == measure]
    lines = []
    for name, sub in rows.groupby(key, sort=False):
        parts = []
        for _, r in sub.sort_values("adjusted", kind="stable").iterrows():
            kind = "justerat" if bool(r["adjusted"]) else "utan justering"
            a = report.SEX_LABELS.get(r["group_a"], str(r["group_a"]))
            b = report.SEX_LABELS.get(r["group_b"], str(r["group_b"]))
            if bool(r.get("suppressed", False)) or pd.isna(r["estimate"]):
                parts.append(f"{kind}: visas inte (röjandekontroll)")
                continue
            conf = report.number(100 * float(r["conf_level"]), 1)
            parts.append(f"{kind} {report.number(r['estimate'], 1, signed=True)} procentenheter "
                         f"({conf} % KI {report.number(r['ci_low'], 1)} till "
                         f"{report.number(r['ci_high'], 1)}): {_verdict(r, a, b)}")
        lines.append(f"- **{name}**: " + "; ".join(parts) + ".")
    return "\n".join(lines)
