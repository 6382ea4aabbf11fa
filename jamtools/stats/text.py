"""Words in free-text case notes: tokens, word counts by sex, and distinctive words.

Free text is the most sensitive data the handbook touches: real notes hold names, addresses,
telephone numbers and rare details that identify a person on their own. This module counts
words and keeps **only words**: no function here returns a note, an excerpt or a line of
context (concordance). :func:`count_words` applies the lexical privacy rules while counting:

1. **Digits**: a token containing a digit (dates, telephone and personal identity numbers,
   flat numbers) is never counted. E-mail and web addresses are removed before tokenising.
2. **Names**: a word that is written with a capital initial anywhere except at the start of a
   sentence, or that never occurs in lower case, is treated as a name (or an abbreviation) and
   never counted. Words on an explicit exclusion list (for example staff names or local place
   names) are dropped the same way.
3. **Short tokens**: single letters are not counted.

The fourth rule, the threshold on persons and occurrences, is disclosure control
(:func:`jamtools.disclosure.text.disclose_words`); nothing from :func:`distinctive_words` may be
shown before it.

Distinctive words are ranked by the **weighted log-odds ratio with an informative Dirichlet
prior** (Monroe, Colaresi & Quinn 2008, "Fightin' words", *Political Analysis* 16(4),
372–403), :func:`log_odds_dirichlet`.
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

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

    Parameters
    ----------
    text : str or None
        One note; None or NaN gives no tokens.

    Returns
    -------
    list of Token
        In the order of the note.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval.
           Cambridge: Cambridge University Press. Ch. 2.2, "Determining the vocabulary of terms"
           (tokenization).

    Examples
    --------
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
                levels: Sequence[Hashable], person: str = "person_id",
                exclude: Iterable[str] = (), min_length: int = 2) -> WordCounts:
    """Count words per group, dropping digits, names, listed words and single letters.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per note.
    text : str
        The free-text column.
    group, levels : str, tuple
        The group column (the sex of the person described) and its levels (required, no
        default), in the order of the count columns; rows of other groups are not counted.
    person : str
        The column that identifies the person described (a pseudonym); persons are counted
        per group.
    exclude : iterable of str
        Words never to count (compared in lower case), e.g. staff or place names.
    min_length : int
        Shortest word counted (in characters).

    Returns
    -------
    WordCounts
        The kept words' counts per group (occurrences, notes, persons), the totals, and how
        many word types and tokens each rule (:data:`RULE_DIGITS`, :data:`RULE_NAME`,
        :data:`RULE_LIST`, :data:`RULE_SHORT`) left out.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval.
           Cambridge: Cambridge University Press. Ch. 2.2 (tokens, normalisation and stop lists).
    .. [2] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature
           selection and evaluation for identifying the content of political conflict. Political
           Analysis, 16(4), 372–403. (Word counts per group as the input.)
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


def log_odds_dirichlet(y_a: pd.Series, y_b: pd.Series, *, prior: pd.Series | None = None,
                       prior_strength: float | None = None,
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
    y_a, y_b : pandas.Series
        Counts indexed by word (``y_b`` is aligned on ``y_a``'s index; missing words count 0).
    prior : pandas.Series, optional
        Prior counts :math:`\\alpha_w`; default the word's count in both groups together (the
        material itself as background corpus, so :math:`\\alpha_0` is the number of words
        counted).
    prior_strength : float, optional
        If given, the prior is rescaled to sum to this :math:`\\alpha_0` (keeping its shape):
        smaller values let the data speak more.
    conf_level : float
        Level of the interval :math:`\\hat\\delta \\pm z_{1-\\alpha/2}\\sigma`.

    Returns
    -------
    pandas.DataFrame
        Indexed by word: ``delta``, ``se``, ``z``, ``ci_low``, ``ci_high``, ``p_value``
        (two-sided, normal approximation; a ranking aid rather than a test, since every word
        of the vocabulary is compared), ``alpha``.

    Raises
    ------
    ValueError
        When a prior count is zero, negative or missing.

    References
    ----------
    .. [1] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature
           selection and evaluation for identifying the content of political conflict. Political
           Analysis, 16(4), 372–403.
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

    Not disclosed: pass the result through :func:`jamtools.disclosure.text.disclose_words`
    before showing anything.

    Parameters
    ----------
    counts : WordCounts
        From :func:`count_words`, with two levels (a, b).
    prior_strength, conf_level : float
        As for :func:`log_odds_dirichlet` (the default prior is the material's own counts).

    Returns
    -------
    pandas.DataFrame
        One row per word: ``word``, the columns of ``counts.counts``, those of
        :func:`log_odds_dirichlet`, ``rate_<level>`` (per 10 000 words counted for the level),
        ``total_<level>`` and ``conf_level``; ``attrs["levels"]`` is (a, b).

    References
    ----------
    .. [1] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature
           selection and evaluation for identifying the content of political conflict. Political
           Analysis, 16(4), 372–403.
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


def contains_stem(data: pd.DataFrame, stems: Iterable[str] = RESPONSIBILITY_STEMS, *,
                  text: str = "anteckning") -> pd.Series:
    """Whether each note holds a word that begins with one of ``stems``.

    A token with a digit never matches (as in :func:`count_words`); other tokens match in
    lower case, so "Omsorgen" matches the stem "omsorg".

    Parameters
    ----------
    data : pandas.DataFrame
        One row per note.
    stems : iterable of str
        Word beginnings (default :data:`RESPONSIBILITY_STEMS`).
    text : str
        The free-text column.

    Returns
    -------
    pandas.Series of int
        1 for each note with such a word, else 0 (a note without text is 0), on ``data``'s
        index.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval.
           Cambridge: Cambridge University Press. Ch. 2.2.4, "Stemming and lemmatization" (matching
           word forms by their stem).
    """
    stems = tuple(str(s).lower() for s in stems)
    return data[text].map(lambda note: int(any(t.word.startswith(stems) and not t.has_digit
                                               for t in tokenize(note)))).astype(int)


__all__ = ["ADDRESS", "RESPONSIBILITY_STEMS", "RULE_DIGITS", "RULE_LIST", "RULE_NAME",
           "RULE_SHORT", "Token", "WordCounts", "contains_stem", "count_words",
           "distinctive_words", "log_odds_dirichlet", "tokenize"]
