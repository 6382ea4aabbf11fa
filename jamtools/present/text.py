"""Words in free-text case notes: tokens, distinctive words by sex, and the privacy filter.

Free text is the most sensitive data the handbook touches: real notes hold names, addresses,
telephone numbers and rare details that identify a person on their own. This module counts
words and lets **only words** out, and only words that pass every rule below. No note, no
excerpt and no line of context (concordance) is ever returned by any function here.

The rules (:func:`count_words` applies the first three, :func:`disclose_words` the last):

1. **Digits**: a token containing a digit (dates, telephone and personal identity numbers,
   flat numbers) is never counted. E-mail and web addresses are removed before tokenising.
2. **Names**: a word that is written with a capital initial anywhere except at the start of a
   sentence, or that never occurs in lower case, is treated as a name (or an abbreviation) and
   never counted. Words on an explicit exclusion list (for example staff names or local place
   names) are dropped the same way.
3. **Short tokens**: single letters are not counted.
4. **Threshold**: a word is shown only if, for each sex, it occurs either not at all, or in
   notes about at least ``threshold`` different persons *and* at least ``threshold`` times;
   and in notes about at least ``threshold`` persons in all. A word that fails is left out
   altogether (not shown with a hidden cell): the word itself is the information.

Distinctive words are ranked by the **weighted log-odds ratio with an informative Dirichlet
prior** (Monroe, Colaresi & Quinn 2008, "Fightin' words", *Political Analysis* 16(4),
372–403), :func:`log_odds_dirichlet`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from scipy import stats as sps

from jamtools import disclosure

from jamtools.present import report
from jamtools.present.plots import SEX_COLORS, Plot
from jamtools.present.report import SEX_LABELS, Table, number

#: E-mail and web addresses, removed before tokenising (they hold names in lower case).
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+", re.I)
#: A token: letters, digits and inner hyphens or apostrophes ("x-tra", "barn-och-unga").
TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
#: What ends a sentence (the next word may carry a capital without being a name), and what
#: may stand between that mark and the word (spaces, quotes, list bullets and dashes).
SENTENCE_END = ".!?:;…\n\r"
BETWEEN = " \t\"'”»(*•-–—"

#: Words about responsibility and care (matched as word beginnings: "ansvar" also finds
#: "ansvarar", "ansvarstagande"). A chapter may pass its own list.
RESPONSIBILITY_STEMS = ("ansvar", "omsorg", "omvårdnad", "föräldraförmåg")

RULE_DIGITS = "innehåller siffror"
RULE_NAME = "ser ut som ett namn (stor bokstav mitt i en mening, eller aldrig med liten)"
RULE_LIST = "står på listan över uteslutna ord"
RULE_SHORT = "en enda bokstav"
RULE_THRESHOLD = "används om färre än {t} personer eller färre än {t} gånger (för något kön)"


@dataclass(frozen=True)
class Token:
    """One token of a note: the word in lower case and how it was written."""

    word: str
    capitalised: bool
    sentence_start: bool
    has_digit: bool


def tokenize(text: str) -> list[Token]:
    """Split a note into tokens (e-mail and web addresses are removed first).

    A token is a run of letters and digits, with inner hyphens or apostrophes. For each token
    the lower-case word is kept, with whether it began with a capital letter, whether it
    stood first in the note or after a sentence-ending mark (``. ! ? :`` ...), and whether it
    contains a digit.

    >>> [t.word for t in tokenize("Mamma ringde. Hon har 2 barn.")]
    ['mamma', 'ringde', 'hon', 'har', '2', 'barn']
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    text = ADDRESS.sub(" ", str(text))
    out = []
    for m in TOKEN.finditer(text):
        raw = m.group(0)
        window = text[max(0, m.start() - 20):m.start()]
        rest = window.rstrip(BETWEEN)
        start = (m.start() <= 20) if not rest else rest[-1] in SENTENCE_END
        out.append(Token(raw.lower(), raw[:1].isupper(), start, any(c.isdigit() for c in raw)))
    return out


@dataclass
class WordCounts:
    """Word counts by group, after the lexical privacy rules.

    ``counts`` has one row per word kept, with ``count_<level>`` (occurrences),
    ``notes_<level>`` (notes containing it) and ``persons_<level>`` (different persons whose
    notes contain it) for each level, and ``persons_all``. ``totals`` and ``n_notes`` hold the
    number of tokens counted and of notes per level. ``excluded`` says how many word types and
    tokens each rule removed (aggregates only; the words themselves are not kept).
    """

    levels: tuple
    counts: pd.DataFrame
    totals: dict
    n_notes: dict
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)


def count_words(data: pd.DataFrame, *, text: str = "anteckning", group: str = "kon",
                levels=("kvinna", "man"), person: str = "person_id", exclude=(),
                min_length: int = 2) -> WordCounts:
    """Count words per group, dropping digits, names, listed words and single letters.

    Parameters
    ----------
    data : DataFrame with one row per note.
    text : the free-text column.
    group, levels : the group column (the sex of the person described) and its levels.
    person : the column that identifies the person described (a pseudonym); persons are
        counted per group.
    exclude : words never to count (compared in lower case), e.g. staff or place names.
    min_length : shortest word counted (in characters).

    Returns
    -------
    WordCounts
    """
    levels = tuple(levels)
    rows = data[data[group].isin(levels)]
    exclude = {str(w).lower() for w in exclude}
    count: dict[tuple[str, str], int] = {}
    notes: dict[tuple[str, str], int] = {}
    persons: dict[tuple[str, str], set] = {}
    persons_all: dict[str, set] = {}
    lower_seen: set[str] = set()
    capital_inside: set[str] = set()
    digits: set[str] = set()
    n_notes = {lvl: 0 for lvl in levels}
    for note, lvl, who in zip(rows[text], rows[group], rows[person]):
        n_notes[lvl] += 1
        seen = set()
        for tok in tokenize(note):
            w = tok.word
            if tok.has_digit:
                digits.add(w)
            if not tok.capitalised:
                lower_seen.add(w)
            elif not tok.sentence_start:
                capital_inside.add(w)
            count[(w, lvl)] = count.get((w, lvl), 0) + 1
            seen.add(w)
        for w in seen:
            notes[(w, lvl)] = notes.get((w, lvl), 0) + 1
            persons.setdefault((w, lvl), set()).add(who)
            persons_all.setdefault(w, set()).add((lvl, who))
    words = sorted({w for w, _ in count})
    rule = {}
    for w in words:
        if w in digits:
            rule[w] = RULE_DIGITS
        elif w in capital_inside or w not in lower_seen:
            rule[w] = RULE_NAME
        elif w in exclude:
            rule[w] = RULE_LIST
        elif len(w) < min_length:
            rule[w] = RULE_SHORT
    kept = [w for w in words if w not in rule]
    table = pd.DataFrame({"word": kept})
    for lvl in levels:
        table[f"count_{lvl}"] = [count.get((w, lvl), 0) for w in kept]
        table[f"notes_{lvl}"] = [notes.get((w, lvl), 0) for w in kept]
        table[f"persons_{lvl}"] = [len(persons.get((w, lvl), ())) for w in kept]
    table["persons_all"] = [len(persons_all.get(w, ())) for w in kept]
    totals = {lvl: int(table[f"count_{lvl}"].sum()) for lvl in levels}
    excl = []
    for name in (RULE_DIGITS, RULE_NAME, RULE_LIST, RULE_SHORT):
        ws = [w for w, r in rule.items() if r == name]
        excl.append({"rule": name, "types": len(ws),
                     "tokens": int(sum(count.get((w, lvl), 0) for w in ws for lvl in levels))})
    return WordCounts(levels, table, totals, n_notes, pd.DataFrame(excl))


def log_odds_dirichlet(y_a, y_b, *, prior=None, prior_strength: float | None = None,
                       conf_level: float = 0.95) -> pd.DataFrame:
    """Weighted log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008).

    For word :math:`w` with counts :math:`y_{aw}`, :math:`y_{bw}` in the two groups' texts
    (totals :math:`n_a`, :math:`n_b`) and prior counts :math:`\\alpha_w` (sum
    :math:`\\alpha_0`):

    .. math::

        \\hat\\delta_w = \\log\\frac{y_{aw}+\\alpha_w}{n_a+\\alpha_0-y_{aw}-\\alpha_w}
                       - \\log\\frac{y_{bw}+\\alpha_w}{n_b+\\alpha_0-y_{bw}-\\alpha_w},\\qquad
        \\sigma^2(\\hat\\delta_w) \\approx \\frac{1}{y_{aw}+\\alpha_w} + \\frac{1}{y_{bw}+\\alpha_w},

    and :math:`z_w = \\hat\\delta_w/\\sigma`. A positive :math:`\\delta` means the word is used
    relatively more in group a's texts. The prior pulls rare words towards no difference, so
    that a word seen a few times in one group does not top the list, while :math:`z` weighs the
    difference by how much evidence there is.

    Parameters
    ----------
    y_a, y_b : Series of counts indexed by word (same index).
    prior : Series of prior counts :math:`\\alpha_w`; default the word's count in both groups
        together (the material itself as background corpus, so :math:`\\alpha_0` is the
        number of words counted).
    prior_strength : if given, the prior is rescaled to sum to this :math:`\\alpha_0`
        (keeping its shape): smaller values let the data speak more.
    conf_level : level of the interval :math:`\\hat\\delta \\pm z_{1-\\alpha/2}\\sigma`.

    Returns
    -------
    DataFrame
        Indexed by word: ``delta``, ``se``, ``z``, ``ci_low``, ``ci_high``, ``p_value``
        (two-sided, normal approximation; a ranking aid rather than a test, since every word
        of the vocabulary is compared), ``alpha``.
    """
    y_a = pd.Series(y_a, dtype=float)
    y_b = pd.Series(y_b, dtype=float).reindex(y_a.index).fillna(0.0)
    alpha = (y_a + y_b) if prior is None else pd.Series(prior, dtype=float).reindex(y_a.index)
    if prior_strength is not None:
        alpha = alpha / alpha.sum() * float(prior_strength)
    if (alpha <= 0).any() or alpha.isna().any():
        raise ValueError("Priorn måste vara positiv för varje ord (alpha_w > 0).")
    n_a, n_b, a0 = y_a.sum(), y_b.sum(), alpha.sum()
    delta = (np.log((y_a + alpha) / (n_a + a0 - y_a - alpha))
             - np.log((y_b + alpha) / (n_b + a0 - y_b - alpha)))
    se = np.sqrt(1.0 / (y_a + alpha) + 1.0 / (y_b + alpha))
    z = delta / se
    q = sps.norm.ppf(0.5 + conf_level / 2)
    return pd.DataFrame({"delta": delta, "se": se, "z": z, "ci_low": delta - q * se,
                         "ci_high": delta + q * se, "p_value": 2 * sps.norm.sf(np.abs(z)),
                         "alpha": alpha}, index=y_a.index)


def distinctive_words(counts: WordCounts, *, prior_strength: float | None = None,
                      conf_level: float = 0.95) -> pd.DataFrame:
    """Every counted word with its counts, rate per 10 000 words and log-odds ratio (a − b).

    Not disclosed: pass the result through :func:`disclose_words` before showing anything.
    """
    a, b = counts.levels
    t = counts.counts.set_index("word")
    lo = log_odds_dirichlet(t[f"count_{a}"], t[f"count_{b}"], prior_strength=prior_strength,
                            conf_level=conf_level)
    out = t.join(lo)
    for lvl in (a, b):
        out[f"rate_{lvl}"] = 1e4 * out[f"count_{lvl}"] / max(counts.totals[lvl], 1)
    out["total_" + a], out["total_" + b] = counts.totals[a], counts.totals[b]
    out["conf_level"] = conf_level
    out.attrs["levels"] = (a, b)
    return out.reset_index()


def passes_threshold(words: pd.DataFrame, levels, threshold: int) -> pd.Series:
    """Rule 4: per level zero or (≥ threshold persons and ≥ threshold times); ≥ threshold
    persons in all."""
    ok = words["persons_all"] >= threshold
    for lvl in levels:
        c, p = words[f"count_{lvl}"], words[f"persons_{lvl}"]
        ok &= (c == 0) | ((p >= threshold) & (c >= threshold))
    return ok


def disclose_words(words: pd.DataFrame, *, threshold: int = disclosure.DEFAULT_THRESHOLD
                   ) -> pd.DataFrame:
    """Keep only the words that may be shown (rule 4), without the person counts.

    The result carries the disclosure mark, so :mod:`jamtools.present.report`-style tables and the
    figures here accept it; ``attrs["hidden_words"]`` holds only *how many* words were left
    out, never which.
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


def top_words(disclosed: pd.DataFrame, k: int = 15) -> pd.DataFrame:
    """The ``k`` shown words with the largest z for each side (a first, then b), with ``side``."""
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
    from jamtools.stats import COMPARISON_COLUMNS

    out = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return disclosure.disclose_comparisons(out, threshold=top.attrs[disclosure.ATTR]["threshold"])


def contains_stem(data: pd.DataFrame, stems=RESPONSIBILITY_STEMS, *, text: str = "anteckning"
                  ) -> pd.Series:
    """1 for each note with a word beginning with one of ``stems`` (lower case), else 0.

    Digits and names follow the same rules as in :func:`count_words` only in that a token
    with a digit never matches.
    """
    stems = tuple(str(s).lower() for s in stems)
    return data[text].map(lambda note: int(any(t.word.startswith(stems) and not t.has_digit
                                               for t in tokenize(note)))).astype(int)


# --- What a reader sees --------------------------------------------------------------------


#: |z| from which a word counts as clearly more used about one group (two-sided 5 %).
CLEAR_Z = 1.96


def word_table(top: pd.DataFrame, *, labels: dict | None = None, caption: str = "") -> Table:
    """The top words of each side as a Swedish table (counts, rate per 10 000 words, z).

    ``labels`` names the groups (default :data:`jamtools.present.report.SEX_LABELS`, e.g. "kvinnor";
    pass ``{"kvinna": "mammor", "man": "pappor"}`` for parents). A word with
    :math:`|z| <` :data:`CLEAR_Z` is marked as showing no clear difference.
    """
    disclosure.require_disclosed(top, "ordlistan")
    a, b = top.attrs["levels"]
    names = {**SEX_LABELS, **(labels or {})}
    la, lb = names.get(a, a), names.get(b, b)
    frame = pd.DataFrame({
        "Används mer om": [names.get(s, s) if abs(z) >= CLEAR_Z else "ingen tydlig skillnad"
                           for s, z in zip(top["side"], top["z"])],
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
    """Horizontal bars of z for the top words of each side, coloured by the side's sex."""
    disclosure.require_disclosed(top, "ordlistan")
    a, b = top.attrs["levels"]
    fig = Figure(figsize=(7.5, 1.2 + 0.28 * max(len(top), 1)))
    ax = fig.subplots()
    if top.empty:
        ax.text(0.5, 0.5, "Inga ord att visa i urvalet", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "Inga ord att visa")
    order = top.sort_values("z", ascending=True).reset_index(drop=True)
    colors = [SEX_COLORS.get(s, "#333333") if abs(z) >= CLEAR_Z else "#BBBBBB"
              for s, z in zip(order["side"], order["z"])]
    ax.barh(range(len(order)), order["z"], color=colors)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order["word"])
    ax.axvline(0, color="#888888", linewidth=1)
    for x in (-1.96, 1.96):
        ax.axvline(x, color="#888888", linestyle=":", linewidth=1)
    ax.set_xlabel(f"z (vänster: används mer om {SEX_LABELS.get(b, b)}, höger: om "
                  f"{SEX_LABELS.get(a, a)}); prickade linjer ±1,96")
    handles = [Patch(color=SEX_COLORS.get(s, "#333"), label=f"Mer om {SEX_LABELS.get(s, s)}")
               for s in (a, b)]
    handles.append(Patch(color="#BBBBBB", label="Ingen tydlig skillnad"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or "Ord som skiljer anteckningarna åt")


def exclusion_table(counts: WordCounts, disclosed: pd.DataFrame, *, caption: str = "") -> Table:
    """How many different words each privacy rule left out, and how many were shown."""
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
    return Table(frame[["Regel", "Antal olika ord"]], caption, note)


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
    for side, other in ((a, b), (b, a)):
        sub = top[(top["side"] == side) & (top["z"].abs() >= CLEAR_Z)].head(k)
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


# --- The chapter's selection of notes -------------------------------------------------------

#: Why a note without text is left out (the data table of the chapter shows it).
REASON_NO_TEXT = "Anteckning utan text"
#: The role of a parent in ``um_anteckningar``.
PARENT = "foralder"


def select_notes(loaded, role: str | None = None) -> str:
    """Leave out, in ``loaded`` (a :class:`~jamtools.data.LoadResult` of ``um_anteckningar``),
    the notes the chapter cannot use, each counted with its reason: notes without text
    (:data:`REASON_NO_TEXT`), and with ``role`` the notes about persons in another role.

    Parameters
    ----------
    loaded : LoadResult
        The loaded notes; changed in place (its rows and its account of them).
    role : str or None
        A role of the data model (``foralder``, ``klient``) or None for every note.

    Returns
    -------
    str
        A Swedish sentence when the role could not be chosen (the table has no role, so every
        note is kept), else an empty string. The notes' text is never part of it.
    """
    text = loaded.data["anteckning"].astype("string").str.strip()
    loaded.exclude(text.isna() | (text == ""), REASON_NO_TEXT)
    if role is None:
        return ""
    if not loaded.has("roll"):
        return (f"Rollen ({report.label(role).lower()}) kunde inte väljas: data saknar uppgift "
                "om roll, så alla anteckningar ingår.")
    loaded.exclude(loaded.data["roll"] != role, f"Annan roll än {report.label(role).lower()}")
    return ""


def parent_notes(data: pd.DataFrame) -> pd.DataFrame | None:
    """The notes about parents (role :data:`PARENT`), or None when ``data`` has no role."""
    if "roll" not in data.columns or not data["roll"].notna().any():
        return None
    return data[data["roll"] == PARENT]
