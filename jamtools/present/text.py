"""Words in free-text case notes as a reader sees them: tables, figure and sentences.

The counting (with the lexical privacy rules 1–3) and the distinctive-word statistic are in
:mod:`jamtools.stats.text`; the threshold rule (4) that lets a word be shown is in
:mod:`jamtools.disclosure.text`. Everything here takes the disclosed word table, so no note, no
excerpt and no line of context (concordance) ever reaches a reader, only words that passed every
rule. Whether a word is *clearly* used more about one sex is the handbook's one verdict rule
(:func:`jamtools.present.sentences.direction`): its interval for the log-odds ratio does not
cover 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from scipy import stats as sps

from jamtools import disclosure
from jamtools.disclosure.text import RULE_THRESHOLD
from jamtools.present.plots import (SEX_COLORS, SEX_HATCHES, Plot, key, new_figure, set_title,
                                    title_height, wrap)
from jamtools.present.report import SEX_LABELS, Table, number
from jamtools.present.sentences import direction
from jamtools.stats import COMPARISON_COLUMNS
from jamtools.stats.text import WordCounts

#: The colour of a word without a clear difference.
UNCLEAR_COLOR = "#BBBBBB"


def top_words(disclosed: pd.DataFrame, k: int = 15) -> pd.DataFrame:
    """The ``k`` shown words with the largest z for each side (a first, then b), with ``side``.

    Parameters
    ----------
    disclosed : pandas.DataFrame
        :func:`jamtools.disclosure.text.disclose_words`.
    k : int
        Words per side.

    Returns
    -------
    pandas.DataFrame
        The words used more about a (z > 0, largest first), then those used more about b
        (z < 0, smallest first), with ``side``; the disclosure mark and levels kept.
    """
    disclosure.require_disclosed(disclosed, "ordlistan")
    a, b = disclosed.attrs["levels"]
    pos = disclosed[disclosed["z"] > 0].nlargest(k, "z").assign(side=a)
    neg = disclosed[disclosed["z"] < 0].nsmallest(k, "z").assign(side=b)
    out = pd.concat([pos, neg], ignore_index=True)
    out.attrs.update(disclosed.attrs)
    return out


def word_comparisons(top: pd.DataFrame, *, outcome: str = "ordval") -> pd.DataFrame:
    """The shown top words as rows in the library's comparison layout (for results JSON).

    ``measure`` is ``log_odds_ratio_dirichlet`` (a − b, natural log), with the interval
    :math:`\\hat\\delta \\pm z\\sigma`; ``n`` is the number of words counted per group and
    ``events`` the word's count. ``p_value`` is left empty: with thousands of words compared
    the z-score ranks words, it does not test one.
    """
    disclosure.require_disclosed(top, "ordlistan")
    a, b = top.attrs["levels"]
    rows = []
    for _, r in top.iterrows():
        rows.append({"outcome": outcome, "comparison": f"{r['word']}: {a} − {b}", "group_a": a,
                     "group_b": b, "measure": "log_odds_ratio_dirichlet", "estimate": r["delta"],
                     "ci_low": r["ci_low"], "ci_high": r["ci_high"], "conf_level": r["conf_level"],
                     "p_value": np.nan, "test": f"z = {r['z']:.2f}", "n_a": r[f"total_{a}"],
                     "events_a": r[f"count_{a}"], "n_b": r[f"total_{b}"],
                     "events_b": r[f"count_{b}"], "adjusted": False, "adjusted_for": "",
                     "method": "Monroe, Colaresi & Quinn (2008), informativ Dirichlet-prior",
                     "mdd_pp": np.nan, "warning": ""})
    out = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return disclosure.disclose_comparisons(out, threshold=top.attrs[disclosure.ATTR]["threshold"])


# --- What a reader sees --------------------------------------------------------------------

def clear(top: pd.DataFrame) -> pd.Series:
    """Whether each word is clearly used more about one sex: its interval for the log-odds
    ratio does not cover 0 (:func:`jamtools.present.sentences.direction`, the one verdict
    rule; at the 95 % level the same as :math:`|z| \\geq 1.96`)."""
    return pd.Series([direction(lo, hi) != "oklar" for lo, hi in zip(top["ci_low"], top["ci_high"])],
                     index=top.index, dtype=bool)


def _z_limit(top: pd.DataFrame) -> float:
    """The |z| beyond which a word's interval excludes 0, at the words' confidence level."""
    level = float(top["conf_level"].iloc[0]) if len(top) else 0.95
    return float(sps.norm.ppf(0.5 + level / 2))


def word_table(top: pd.DataFrame, *, labels: dict | None = None, caption: str = "") -> Table:
    """The top words of each side as a Swedish table (counts, rate per 10 000 words, z).

    ``labels`` names the groups (default :data:`jamtools.present.report.SEX_LABELS`, e.g. "kvinnor";
    pass ``{"kvinna": "mammor", "man": "pappor"}`` for parents). A word whose interval covers
    0 (:func:`clear`) is marked as showing no clear difference.
    """
    disclosure.require_disclosed(top, "ordlistan")
    a, b = top.attrs["levels"]
    names = {**SEX_LABELS, **(labels or {})}
    la, lb = names.get(a, a), names.get(b, b)
    frame = pd.DataFrame({
        "Används mer om": [names.get(s, s) if c else "ingen tydlig skillnad"
                           for s, c in zip(top["side"], clear(top))],
        "Ord": top["word"],
        f"Antal gånger, {la}": top[f"count_{a}"].map(lambda v: number(v, 0)),
        f"Antal gånger, {lb}": top[f"count_{b}"].map(lambda v: number(v, 0)),
        f"Per 10 000 ord, {la}": top[f"rate_{a}"].map(lambda v: number(v, 1)),
        f"Per 10 000 ord, {lb}": top[f"rate_{b}"].map(lambda v: number(v, 1)),
        "Log-oddskvot": top["delta"].map(lambda v: number(v, 2, signed=True)),
        "z": top["z"].map(lambda v: number(v, 1, signed=True)),
    })
    note = (f"Bara ord som används om minst {top.attrs[disclosure.ATTR]['threshold']} olika "
            "personer och minst lika många gånger för varje kön där ordet förekommer visas; ord "
            "med siffror och ord som ser ut som namn visas aldrig.")
    return Table(frame, caption, note)


def words_plot(top: pd.DataFrame, *, title: str = "") -> Plot:
    """Horizontal bars of z for the top words of each side, in the side's colour and hatch
    (grey for a word without a clear difference); the side also shows in the bar's direction."""
    disclosure.require_disclosed(top, "ordlistan")
    a, b = top.attrs["levels"]
    fig = new_figure(2.4 + 0.3 * max(len(top), 1)
                     + title_height(title))
    ax = fig.subplots()
    if top.empty:
        ax.text(0.5, 0.5, "Inga ord att visa i urvalet", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "Inga ord att visa")
    order = top.sort_values("z", ascending=True).reset_index(drop=True)
    is_clear = list(clear(order))
    for i, (side, z, c) in enumerate(zip(order["side"], order["z"], is_clear)):
        color = SEX_COLORS.get(side, "#333333") if c else UNCLEAR_COLOR
        ax.barh(i, z, color=color, edgecolor="white" if c else UNCLEAR_COLOR,
                hatch=SEX_HATCHES.get(side, "") if c else "", linewidth=0)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order["word"])
    ax.axvline(0, color="#888888", linewidth=1)
    limit = _z_limit(order)
    for x in (-limit, limit):
        ax.axvline(x, color="#888888", linestyle=":", linewidth=1)
    ax.set_xlabel(wrap(f"z (vänster: används mer om {SEX_LABELS.get(b, b)}, höger: om "
                       f"{SEX_LABELS.get(a, a)}); prickade linjer ±{number(limit, 2)}", 52))
    handles = [Patch(facecolor=SEX_COLORS.get(s, "#333"), edgecolor="white",
                     hatch=SEX_HATCHES.get(s, ""), label=f"Mer om {SEX_LABELS.get(s, s)}")
               for s in (a, b)]
    handles.append(Patch(color=UNCLEAR_COLOR, label="Ingen tydlig skillnad"))
    key(fig, handles)
    set_title(fig, title)
    return Plot(fig, title or "Ord som skiljer anteckningarna åt")


def words_alt(top: pd.DataFrame) -> str:
    """Alt text of :func:`words_plot`: the words clearly used more about each sex, and those
    without a clear difference, each with its z.

    Parameters
    ----------
    top : pandas.DataFrame
        :func:`top_words` (disclosed).

    Returns
    -------
    str
    """
    disclosure.require_disclosed(top, "ordlistan")
    if top.empty:
        return "Inga ord att visa i urvalet."
    a, b = top.attrs["levels"]
    is_clear = clear(top)

    def listed(rows: pd.DataFrame) -> str:
        return ", ".join(f"{w} (z {number(z, 1, signed=True)})" for w, z in zip(rows["word"], rows["z"]))

    parts = [f"mer om {SEX_LABELS.get(side, side)}: {listed(top[(top['side'] == side) & is_clear])}"
             for side in (a, b) if ((top["side"] == side) & is_clear).any()]
    if (~is_clear).any():
        parts.append(f"ingen tydlig skillnad: {listed(top[~is_clear])}")
    return ("Liggande stapeldiagram med z för de mest utmärkande orden, " + "; ".join(parts)
            + ".")


def exclusion_table(counts: WordCounts, disclosed: pd.DataFrame, *, caption: str = "",
                    name: str | None = None) -> Table:
    """How many different words each privacy rule left out, and how many were shown (a table
    labelled ``name``)."""
    disclosure.require_disclosed(disclosed, "ordlistan")
    t = disclosed.attrs[disclosure.ATTR]["threshold"]
    rows = [{"Regel": f"Visas inte: {r['rule']}", "Antal olika ord": r["types"]}
            for _, r in counts.excluded.iterrows()]
    rows.append({"Regel": "Visas inte: " + RULE_THRESHOLD.format(t=t),
                 "Antal olika ord": disclosed.attrs["hidden_words"]})
    rows.append({"Regel": "Får visas", "Antal olika ord": disclosed.attrs["shown_words"]})
    frame = disclosure.disclose_table(pd.DataFrame(rows), count_cols=["Antal olika ord"],
                                      by=["Regel"], margins=False, threshold=t)
    note = "Tabellen räknar olika ord (ordformer), inte personer."
    if frame["suppressed"].any():
        note += f" '..' = färre än {t} (små antal visas inte, som i alla tabeller i boken)."
    frame["Antal olika ord"] = frame["Antal olika ord"].map(lambda v: number(v, 0))
    return Table(frame[["Regel", "Antal olika ord"]], caption, note, name=name)


def without_notes(counts: WordCounts) -> str | None:
    """The sentence for a comparison of words that cannot be made because the notes of a group
    have no word counted (no notes about men in the selection, say); None when both have."""
    empty = [level for level in counts.levels if not counts.totals.get(level)]
    if not empty:
        return None
    who = " och ".join(SEX_LABELS.get(level, level) for level in empty)
    return (f"Det finns inga ord att räkna i anteckningar om {who} i urvalet, så orden kan inte "
            "jämföras mellan könen.")


def describe_words(top: pd.DataFrame, counts: WordCounts, *, k: int = 5) -> str:
    """A short Swedish text: the most distinctive shown words on each side, and what the
    numbers rest on."""
    disclosure.require_disclosed(top, "ordlistan")
    a, b = top.attrs["levels"]
    t = top.attrs[disclosure.ATTR]["threshold"]
    text = [f"Analysen bygger på {number(counts.totals[a], 0)} ord i anteckningar om "
            f"{SEX_LABELS.get(a, a)} och {number(counts.totals[b], 0)} ord i anteckningar om "
            f"{SEX_LABELS.get(b, b)}.",
            f"{number(top.attrs['shown_words'], 0)} olika ord klarar integritetsreglerna och kan "
            f"jämföras; {number(top.attrs['hidden_words'], 0)} används om färre än {t} personer "
            "eller för få gånger och visas inte."]
    missing = without_notes(counts)
    if missing:
        text.append(missing)
    for side, other in ((a, b), (b, a)) if not missing else ():
        sub = top[(top["side"] == side) & clear(top)].head(k)
        who = SEX_LABELS.get(side, side)
        if sub.empty:
            text.append(f"Inget ord används tydligt oftare om {who} än om "
                        f"{SEX_LABELS.get(other, other)}.")
        else:
            words = ", ".join(f"*{w}*" for w in sub["word"])
            text.append(f"Ord som tydligast oftare används om {who}: {words}.")
    text.append("Ett ord kan skilja sig för att verksamheten möter olika situationer, inte bara "
                "för att den beskriver dem olika; orden är en ingång till samtal och till att läsa "
                "egna anteckningar, inte ett bevis.")
    return "\n\n".join(text)


__all__ = ["UNCLEAR_COLOR", "clear", "describe_words", "exclusion_table", "top_words", "without_notes",
           "word_comparisons", "word_table", "words_alt", "words_plot"]
