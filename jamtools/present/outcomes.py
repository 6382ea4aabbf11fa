"""Several yes/no outcomes (or steps) compared at once: their summary line per outcome, the rows
a figure and a table show, and what a simultaneous interval means.

Used by the chapters that compare many outcomes side by side (ekonomiskt bistånd's chapters,
r4_03's goals); the verdict of each line is :func:`jamtools.present.sentences.verdict`.
"""
from __future__ import annotations

import re

import pandas as pd

from jamtools import disclosure
from jamtools.present import report
from jamtools.present.sentences import all_of, verdict, why_not_computed


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
        A Markdown list; a hidden comparison is said to be hidden (röjandekontroll), one
        that cannot be computed (a group without rows) to be so, with the statistic's reason.
    """
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    rows = comparisons[comparisons["measure"] == measure]
    lines = []
    for name, sub in rows.groupby(key, sort=False):
        parts = []
        for _, r in sub.sort_values("adjusted", kind="stable").iterrows():
            kind = "justerat" if bool(r["adjusted"]) else "utan justering"
            a = report.SEX_LABELS.get(r["group_a"], str(r["group_a"]))
            b = report.SEX_LABELS.get(r["group_b"], str(r["group_b"]))
            if bool(r.get("suppressed", False)):
                parts.append(f"{kind}: visas inte (röjandekontroll)")
                continue
            if pd.isna(r["estimate"]):  # nothing to hide: nothing to compare (the warning says why)
                why = why_not_computed(r).removeprefix(": ")
                parts.append(f"{kind}: kan inte beräknas" + (f" ({why})" if why else ""))
                continue
            conf = report.conf_percent(r["conf_level"])
            parts.append(f"{kind} {report.number(r['estimate'], 1, signed=True)} procentenheter "
                         f"({conf} % KI {report.interval(r, 1)}): {verdict(r['ci_low'], r['ci_high'], a=a, b=b, between=False)}")
        lines.append(f"- **{name}**: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def difference_rows(comparisons: pd.DataFrame, key: str, *, sexes: str = "kvinnor − män") -> pd.DataFrame:
    """The percentage-point rows of stacked comparisons, labelled for a figure and a table:
    ``rad`` = "<outcome>, ojusterat|justerat" and ``comparison`` = "<outcome>: kvinnor − män".

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Disclosed comparisons stacked with :func:`jamtools.disclosure.stack` under ``key``.
    key : str
        The column naming the outcome (or step).
    sexes : str
        How the comparison is written after the outcome.

    Returns
    -------
    pandas.DataFrame
        Still disclosed; empty when there are no such rows.
    """
    rows = comparisons[comparisons["measure"] == "risk_difference_pp"] if len(comparisons) else comparisons
    if "measure" not in rows.columns or rows.empty:
        return rows.assign(rad=pd.Series(dtype="object"), comparison=pd.Series(dtype="object"))
    kind = rows["adjusted"].astype(bool).map({False: ", ojusterat", True: ", justerat"})
    return rows.assign(rad=rows[key].astype(str) + kind, comparison=rows[key].astype(str) + ": " + sexes)


def comparison_labels(comparisons: pd.DataFrame, key: str) -> pd.DataFrame:
    """Comparisons labelled for a table: ``comparison`` = "<outcome>: kvinnor − män" (the
    sexes in the plural, e.g. "kvinnor / män" for a ratio), still disclosed.

    Examples
    --------
    >>> t = pd.DataFrame({"utfall": ["Takt"], "comparison": ["kvinna / man"]})
    >>> comparison_labels(t, "utfall")["comparison"].tolist()
    ['Takt: kvinnor / män']
    """
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, report.SEX_LABELS)) + r")\b")
    words = comparisons["comparison"].astype(str).map(
        lambda text: pattern.sub(lambda m: report.SEX_LABELS[m.group(1)], text))
    return comparisons.assign(comparison=comparisons[key].astype(str) + ": " + words)


def simultaneous_text(conf_level: float, k: int, level: float, *, what: str = "jämförelser",
                      decimals: int = 1) -> str:
    """What the simultaneous (Bonferroni) level means, for ``k`` comparisons at ``level``; with
    one comparison, that the interval is an ordinary one."""
    conf = report.conf_percent(conf_level)
    if k <= 1:
        return (f"Kapitlet gör här bara en jämförelse, så intervallet är ett vanligt "
                f"{conf}-procentigt intervall.")
    exact, shown = report.number(100 * level, decimals), report.conf_percent(level)
    return (f"Med {conf} procents säkerhet för {all_of(k, what)} tillsammans är varje enskilt "
            f"intervall ett {exact}-procentigt intervall"
            + (f"; i texter och tabeller står det avrundat som {shown} %." if exact != shown else "."))


def unlinked_text(table: str, column: str, what: str) -> str:
    """The sentence for a table whose id ``column`` cannot link it (see :func:`linkable`)."""
    name = {"person_id": "klient-id eller personnummer", "planering_id": "planerings-id"}.get(column, column)
    return (f"Uppgifterna om {report.TABLE_LABELS.get(table, table)} saknar {name}, så de kan "
            f"inte knytas till de andra tabellerna: {what}.")


def unmatched_text(table: str, other: str, what: str) -> str:
    """The sentence for a table most of whose rows refer to ids ``other`` lacks
    (:func:`jamtools.data.links.mostly_unmatched`): the link would follow only a few rows, and
    a step built on it would count the rest as not going on."""
    return (f"Mer än var femte rad i {report.TABLE_LABELS.get(table, table)} hänvisar till id som inte "
            f"finns i {report.TABLE_LABELS.get(other, other)}. Id:n är troligen skrivna på olika sätt "
            "i de två filerna (till exempel inledande nollor som försvunnit när filen sparades i "
            f"Excel, eller olika uttag): {what}. Kontrollen av indata visar vilka rader det gäller.")


__all__ = ["summary", "difference_rows", "comparison_labels", "simultaneous_text", "unlinked_text",
           "unmatched_text"]
