"""Within-pair comparisons shown: the pairs' 2 × 2 table and the result in Swedish.

When a woman and a man who live together with the same children are both clients, the chapter
compares them with each other (:mod:`jamtools.stats.paired`; disclosure control in
:mod:`jamtools.disclosure.paired`). This module shows the result:

- :func:`paired_table` shows the pairs' disclosed 2 × 2 table
  (:func:`jamtools.disclosure.paired.disclose_pair_table`);
- :func:`describe_paired` says the result in Swedish (the verdict by
  :func:`jamtools.present.sentences.direction`).
"""
from __future__ import annotations

import pandas as pd

from jamtools import disclosure
from jamtools.disclosure.paired import TOTAL
from jamtools.present import report
from jamtools.present.sentences import direction, why_not_computed


def paired_table(table: pd.DataFrame, *, labels=("mamman", "pappan"), caption: str = "") -> report.Table:
    """The pairs' disclosed 2 × 2 table: rows ``a`` had the outcome or not, columns ``b``, with
    the totals; hidden cells shown as '..'.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`jamtools.disclosure.paired.disclose_pair_table` (NotDisclosedError for anything
        else).
    labels : pair of str
        The members in words ("mamman", "pappan").
    caption : str

    Returns
    -------
    jamtools.present.report.Table
        With the suppression note when a cell or total is hidden.
    """
    disclosure.require_disclosed(table, "tabellen över par")
    threshold = table.attrs[disclosure.ATTR]["threshold"]
    la, lb = labels

    def cell(a, b):
        return report.number(table.loc[a, b], 0)

    yes_no = {1: "ja", 0: "nej"}
    frame = pd.DataFrame({
        "": [f"{la.capitalize()}: {yes_no[y]}" for y in (1, 0)] + ["Summa"],
        f"{lb.capitalize()}: ja": [cell(1, 1), cell(0, 1), cell(TOTAL, 1)],
        f"{lb.capitalize()}: nej": [cell(1, 0), cell(0, 0), cell(TOTAL, 0)],
        "Summa": [cell(1, TOTAL), cell(0, TOTAL), cell(TOTAL, TOTAL)],
    })
    note = report.SUPPRESSION_NOTE.format(t=threshold) if table.isna().any(axis=None) else ""
    return report.Table(frame, caption, note)


def describe_paired(comparison: pd.DataFrame, *, verb: str, what: str = "",
                    labels=("mamman", "pappan")) -> str:
    """The within-pair result in Swedish: how many pairs, how many were discordant each way,
    the difference with its interval, and what it shows ("ingen tydlig skillnad" when the
    interval covers 0, :func:`jamtools.present.sentences.direction`). A hidden comparison is
    said to be hidden.

    Parameters
    ----------
    comparison : pandas.DataFrame
        One disclosed row of :func:`jamtools.stats.paired.paired_difference`
        (:func:`jamtools.disclosure.paired.disclose_paired`).
    verb, what : str
        They make the sentence "I 44 av de 81 paren <verb> bara mamman <what>", e.g.
        "undantogs" and "från aktivitet för att ta hand om barnen".
    labels : pair of str
        The members in words.

    Returns
    -------
    str
        Markdown.
    """
    disclosure.require_disclosed(comparison, "jämförelsen inom par")
    r = comparison.iloc[0]
    la, lb = labels
    if bool(r["suppressed"]):
        return ("Jämförelsen inom par visas inte: den bygger på för få par eller för få par där "
                "bara den ena hade utfallet (röjandekontroll).")
    if pd.isna(r["estimate"]):
        return f"Jämförelsen inom par kan inte beräknas{why_not_computed(r)}."
    conf = report.conf_percent(r["conf_level"])
    ci = f"{report.interval(r)}"
    verdict = {"oklar": f"det finns ingen tydlig skillnad mellan {la} och {lb} i samma hushåll",
               "högre": f"det gäller tydligt oftare {la} än {lb} i samma hushåll",
               "lägre": f"det gäller tydligt mer sällan {la} än {lb} i samma hushåll"}[
        direction(r["ci_low"], r["ci_high"])]
    p_text = report.p_words(r["p_value"])
    what = f" {what}" if what else ""
    return (f"I {report.number(r['discordant_a'], 0)} av de {report.number(r['pairs'], 0)} paren "
            f"{verb} bara {la}{what}, i {report.number(r['discordant_b'], 0)} bara {lb}. "
            f"Skillnaden inom paren är {report.number(r['estimate'], 1, signed=True)} "
            f"procentenheter ({conf} % KI {ci}; McNemars test {p_text}): {verdict}.")


__all__ = ["paired_table", "describe_paired"]
