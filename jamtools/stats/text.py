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
3. **Addresses**: a word that ends like a Swedish street name (``-gatan``, ``-vägen``,
   ``-gränd``, ``-stigen``, ``-allén``, ``-torget``, ``-backen``: "björkvägen") is never counted,
   in any case: the residents of an address written in lower case in every note about a
   household are several persons, so the threshold alone would show it
   (:data:`STREET_SUFFIXES`).
4. **Short tokens**: single letters are not counted.

The fifth rule, the threshold on persons and occurrences, is disclosure control
(:func:`jamtools.disclosure.text.disclose_words`); nothing from :func:`distinctive_words` may be
shown before it.

Distinctive words are ranked by the **weighted log-odds ratio with an informative Dirichlet
prior** (Monroe, Colaresi & Quinn 2008, "Fightin' words", *Political Analysis* 16(4),
372–403), :func:`log_odds_dirichlet`.
"""
from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats as sps

from jamtools.data.pseudonym import PERSON, PERSONS_UP_TO  # noqa: F401  (re-exported)
from jamtools.data.pseudonym import numbered_persons_sql, person_hash_sql, person_key_sql, person_keys

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

#: Endings of Swedish street names: a word longer than the ending that ends with it is taken
#: for (part of) an address and never counted. A common word with such an ending
#: ("skolvägen") is lost with them: a word too few is safe, an address shown is not.
STREET_SUFFIXES = ("gatan", "vägen", "gränd", "gränden", "stigen", "allén", "torget", "backen")

RULE_DIGITS = "innehåller siffror"
RULE_NAME = "ser ut som ett namn (stor bokstav mitt i en mening, eller aldrig med liten)"
RULE_ADDRESS = "ser ut som ett gatunamn (slutar på -gatan, -vägen, -gränd och liknande)"
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
        One note; None, NaN or pandas' NA gives no tokens.

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
    if _missing(text):
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


def _street_name(word: str) -> bool:
    """Whether a (lower-case) word ends like a Swedish street name and is longer than the
    ending (:data:`STREET_SUFFIXES`): "storgatan" and "björkvägen" are, "vägen" alone is not.

    Examples
    --------
    >>> _street_name("björkvägen"), _street_name("vägen"), _street_name("samtal")
    (True, False, False)
    """
    return any(word.endswith(s) and len(word) > len(s) for s in STREET_SUFFIXES)


#: The lexical rules in the order they are applied (a word left out by one is counted there).
RULES = (RULE_DIGITS, RULE_NAME, RULE_ADDRESS, RULE_LIST, RULE_SHORT)


@dataclass
class WordCounts:
    """Word counts by group, after the lexical privacy rules.

    ``counts`` has one row per word kept, with ``count_<level>`` (occurrences),
    ``persons_<level>`` (different persons whose notes contain it) and, when asked for
    (``count_words(..., notes=True)``), ``notes_<level>`` (notes containing it) for each
    level, and ``persons_all``. ``totals`` and ``n_notes`` hold the
    number of tokens counted and of notes per level. ``excluded`` says how many word types and
    tokens each rule removed (aggregates only; the words themselves are not kept).
    """

    levels: tuple
    counts: pd.DataFrame
    totals: dict
    n_notes: dict
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: With ``count_words(..., by=...)``: the same counts for the notes of each value of that
    #: column (the rules applied to each part's own tokens); see :meth:`part`.
    parts: dict = field(default_factory=dict)
    #: A part's counts when no note has its value (:meth:`part`).
    _empty: WordCounts | None = field(default=None, repr=False)

    def part(self, value: Hashable) -> WordCounts:
        """The counts for the notes whose ``by`` column (see :func:`count_words`) is ``value``:
        as :func:`count_words` gives them for those notes alone, empty when no note has it."""
        if value in self.parts:
            return self.parts[value]
        if self._empty is None:
            raise KeyError(f"{value!r}: the counts were not made by=... a column with it")
        return self._empty


def count_words(data: pd.DataFrame | str, *, text: str = "anteckning", group: str = "kon",
                levels: Sequence[Hashable], person: str = "person_id",
                exclude: Iterable[str] = (), min_length: int = 2,
                notes: bool = False, by: str | None = None) -> WordCounts:
    """Count words per group, dropping digits, names, listed words and single letters.

    The notes are tokenised and counted in the query engine, and only the counts per word
    reach pandas. The notes may already be there: ``data`` is then the name of an engine table
    or view (:func:`jamtools.data.links.rows_view`), and the text never leaves the engine.
    Either way the same query counts.

    Parameters
    ----------
    data : pandas.DataFrame or str
        One row per note; or the name of a table or view of the engine's shared connection
        (:func:`jamtools.data.engine.shared`) with one row per note, the columns ``text``,
        ``group`` and ``person`` and a unique note number ``__row`` (as
        :func:`jamtools.data.links.rows_view` makes it from a linked load).
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
    notes : bool
        Also count the notes that contain each word (``notes_<level>``). A distinct count over
        every token, about a quarter of the query's time on a register's notes; the chapter
        does not show it, so it is left out unless asked for.
    by : str, optional
        A column whose values divide the notes into parts (a person's role, say): the words
        of each part are counted too, in the same pass over the tokens, and
        :meth:`WordCounts.part` gives a part's counts exactly as ``count_words`` on that
        part's notes alone gives them (the rules are applied to the part's own tokens). Notes
        without a value belong to no part. Counting the parts this way instead of once per
        part saves tokenising the notes again: the tokenising is most of the time.

    Returns
    -------
    WordCounts
        The kept words' counts per group (occurrences, persons, and notes with ``notes``), the
        totals, and how
        many word types and tokens each rule (:data:`RULES`: :data:`RULE_DIGITS`,
        :data:`RULE_NAME`, :data:`RULE_ADDRESS`, :data:`RULE_LIST`, :data:`RULE_SHORT`) left out.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval.
           Cambridge: Cambridge University Press. Ch. 2.2 (tokens, normalisation and stop lists).
    .. [2] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature
           selection and evaluation for identifying the content of political conflict. Political
           Analysis, 16(4), 372–403. (Word counts per group as the input.)
    """
    levels = tuple(levels)
    query = _WordQuery(data, by, notes)
    with _notes(query.data, text, levels=levels, group=group, person=person,
                columns=query.carried) as src:
        agg = _token_query(src, query.select, other=query.other, where=query.where,
                           group=query.group)
        per_level = _engine_sql(query.per_level(src))
    return query.result(agg, per_level, levels=levels, exclude=exclude, min_length=min_length)


class _WordQuery:
    """The engine's counting of words for :func:`count_words` (and
    :func:`count_words_and_stems`): one pass over the tokens, per word and level (and with
    ``by`` per word, level and part as well: one grouping set each, so that the tokenising,
    most of the time, is done once). The persons (and with ``notes`` the notes) are distinct
    counts (notes of no known person, ``who`` NULL, add no person where some person is known and
    are one person where none is: the fewest there can be). Notes of a group
    outside the levels (``lvl`` NULL) are not counted."""

    def __init__(self, data, by: str | None, notes: bool) -> None:
        from jamtools.data.engine import ident

        if by is not None and (str(by).lower() in _TOKEN_COLUMNS or str(by).startswith("__")):
            raise ValueError(f"count_words cannot count by {by!r}: the tokeniser has a column of "
                             f"that name ({', '.join(sorted(_TOKEN_COLUMNS))}), or it begins "
                             "with '__'.")
        self.by, self.notes, self.data, self.values = by, notes, data, None
        if by is not None and isinstance(data, pd.DataFrame):
            # the parts by the position of their value (a missing value none), under a name of
            # their own: any value a dictionary can hold is a part's key as it is in the frame
            codes, self.values = pd.factorize(data[by])
            self.data = data.assign(__part=pd.array(np.where(codes < 0, None, codes), dtype="Int64"))
            by = "__part"
        self.carried = () if by is None else (by,)
        part = "" if by is None else ident(by)
        mark = "" if by is None else f", {part} AS __by, GROUPING({part}) AS __g"
        self.columns = ["word", "lvl", *(() if by is None else ("__by", "__g")), "n",
                        *(("notes",) if notes else ()), "persons", "lower_seen", "capital_inside",
                        "odd_digit", "safe"]
        self.select = (f"word, lvl{mark}, count(*) AS n, "
                       + ("count(DISTINCT rid) AS notes, " if notes else "")
                       + "greatest(count(DISTINCT who), 1) AS persons, "
                       "bool_or(NOT cap) AS lower_seen, bool_or(cap AND NOT ss) AS capital_inside, "
                       "bool_or(odd_digit) AS odd_digit, bool_or(odd_digit IS NULL) AS safe")
        self.other = ("lvl", "who", *self.carried)
        self.where = "WHERE lvl IS NOT NULL"
        self.group = ("GROUP BY word, lvl" if by is None else
                      f"GROUP BY GROUPING SETS ((word, lvl), (word, lvl, {part}))")
        self._levels = ("SELECT lvl, count(*) AS n FROM {src} WHERE lvl IS NOT NULL GROUP BY lvl"
                        if by is None else
                        f"SELECT lvl{mark}, count(*) AS n FROM {{src}} WHERE lvl IS NOT NULL "
                        f"GROUP BY GROUPING SETS ((lvl), (lvl, {part}))")

    def _key(self, value):
        """A part's key: the value in the frame, or as the engine gives it."""
        return _plain(value) if self.values is None else self.values[int(value)]

    def per_level(self, src: str) -> str:
        """SQL of the notes per level (and part) of the notes ``src``."""
        return self._levels.format(src=src)

    def result(self, agg: pd.DataFrame, per_level: pd.DataFrame, *, levels: tuple,
               exclude: Iterable[str], min_length: int) -> WordCounts:
        """The :class:`WordCounts` (with its parts) from the engine's counts."""
        rules = dict(levels=levels, exclude={str(w).lower() for w in exclude},
                     min_length=min_length, notes=self.notes)
        if self.by is None:
            return _word_counts(agg, per_level, **rules)
        whole = _word_counts(agg[agg["__g"] == 1], per_level[per_level["__g"] == 1], **rules)
        agg, per_level = agg[agg["__g"] == 0], per_level[per_level["__g"] == 0]
        whole.parts = {self._key(v): _word_counts(agg[agg["__by"] == v],
                                                  per_level[per_level["__by"] == v], **rules)
                       for v in per_level["__by"].dropna().unique()}
        whole._empty = _word_counts(agg.iloc[:0], per_level.iloc[:0], **rules)
        return whole


def _plain(value):
    """A value from the engine as a plain Python value (a dictionary key)."""
    return value.item() if isinstance(value, np.generic) else value


def _word_counts(agg: pd.DataFrame, per_level: pd.DataFrame, *, levels: tuple, exclude: set,
                 min_length: int, notes: bool) -> WordCounts:
    """:func:`count_words`' result from the engine's counts per word and level (``agg``) and
    its notes per level (``per_level``): the rules applied, the kept words' table, the totals."""
    found = dict(zip(per_level["lvl"].astype(int), per_level["n"].astype(int)))
    n_notes = {lvl: found.get(i, 0) for i, lvl in enumerate(levels)}
    flags = (agg[["word", "lower_seen", "capital_inside", "odd_digit", "safe"]]
             .fillna({"lower_seen": False, "capital_inside": False, "odd_digit": False})
             .astype({"odd_digit": bool}).groupby("word").any())
    # A token has a digit as its word has (safe characters), else as looked up.
    flags["digits"] = flags["odd_digit"] | (flags["safe"] & np.array(
        [any(c.isdigit() for c in w) for w in flags.index], dtype=bool))
    words = sorted(flags.index)
    rule = {}
    for w, lower_seen, capital_inside, digits in zip(flags.index, flags["lower_seen"],
                                                      flags["capital_inside"], flags["digits"]):
        if digits:
            rule[w] = RULE_DIGITS
        elif capital_inside or not lower_seen:
            rule[w] = RULE_NAME
        elif _street_name(w):
            rule[w] = RULE_ADDRESS
        elif w in exclude:
            rule[w] = RULE_LIST
        elif len(w) < min_length:
            rule[w] = RULE_SHORT
    kept = [w for w in words if w not in rule]
    table = pd.DataFrame({"word": kept})
    for i, lvl in enumerate(levels):
        sub = agg[agg["lvl"] == i].set_index("word")
        for col, name in (("n", "count"), *((("notes", "notes"),) if notes else ()),
                          ("persons", "persons")):
            table[f"{name}_{lvl}"] = [int(v) for v in sub[col].reindex(kept, fill_value=0)]
    table["persons_all"] = [int(v) for v in
                            table[[f"persons_{lvl}" for lvl in levels]].sum(axis=1)]
    totals = {lvl: int(table[f"count_{lvl}"].sum()) for lvl in levels}
    tokens = agg.groupby("word")["n"].sum()
    excl = []
    for name in RULES:
        ws = [w for w, r in rule.items() if r == name]
        excl.append({"rule": name, "types": len(ws), "tokens": int(tokens.reindex(ws).sum())})
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


def contains_stem(data: pd.DataFrame | str, stems: Iterable[str] = RESPONSIBILITY_STEMS, *,
                  text: str = "anteckning", by: str | Sequence[str] | None = None,
                  name: str = "has_stem", weight: str = "n") -> pd.Series | pd.DataFrame:
    """Whether each note holds a word that begins with one of ``stems``.

    A token with a digit never matches (as in :func:`count_words`); other tokens match in
    lower case, so "Omsorgen" matches the stem "omsorg". The tokens are found in the query
    engine, by the same query whether the notes are a DataFrame or already in the engine.

    Parameters
    ----------
    data : pandas.DataFrame or str
        One row per note; or the name of an engine table or view with one row per note, the
        column ``text`` and a unique note number ``__row`` (see :func:`count_words`).
    stems : iterable of str
        Word beginnings (default :data:`RESPONSIBILITY_STEMS`).
    text : str
        The free-text column.
    by : str or sequence of str, optional
        Count the notes instead of flagging each: per combination of these columns and of the
        flag. Required for notes in the engine, where the flag stays: only the counts leave.
    name, weight : str
        With ``by``: the names of the flag column and of the count column.

    Returns
    -------
    pandas.Series of int, or pandas.DataFrame
        Without ``by``: 1 for each note with such a word, else 0 (a note without text is 0),
        on ``data``'s index. With ``by``: one row per combination of the ``by`` columns and
        ``name`` (0/1) that occurs, in that order, with its number of notes in ``weight`` (a
        cell table, as :func:`jamtools.stats.collapse` takes it with ``weights``).

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval.
           Cambridge: Cambridge University Press. Ch. 2.2.4, "Stemming and lemmatization" (matching
           word forms by their stem).
    """
    from jamtools.data.engine import ident

    stems = tuple(str(s).lower() for s in stems)
    by = _stem_keys(by, name=name, weight=weight)
    if by is None and not isinstance(data, pd.DataFrame):
        raise ValueError("contains_stem on notes in the engine counts them: give by=.")
    found, holds = _stem_conditions(stems)
    with _notes(data, text, columns=by or ()) as src, _tokens(src, by or (), keep=holds) as tok:
        if by is None:
            rids = _engine_sql(f"WITH tok AS ({tok}) SELECT DISTINCT rid FROM tok WHERE {found}")
            return _stem_flags(rids["rid"], data, text)
        # The notes with such a word per combination (only they are tokenised), and the rest.
        keys = ", ".join(ident(c) for c in by)
        counted = _engine_sql(
            f"WITH tok AS ({tok}), hits AS (SELECT {keys}, count(DISTINCT rid) AS __k FROM tok "
            f"WHERE {found} GROUP BY {keys}), {_stem_counts_sql('hits', src, by, name, weight)}")
    return _typed_stem_counts(counted, data, by, name, weight)


def _stem_keys(by, *, name: str, weight: str) -> list[str] | None:
    """``contains_stem``'s ``by`` as a list (None without), refused when a column has the name of
    one of the tokeniser's own, or of the flag or count column (``name``, ``weight``)."""
    by = None if by is None else [by] if isinstance(by, str) else list(by)
    taken = sorted(c for c in by or ()
                   if str(c).lower() in _TOKEN_COLUMNS | {str(name).lower(), str(weight).lower()})
    if taken:
        raise ValueError(f"contains_stem cannot count by {taken}: the tokeniser's own columns "
                         f"({', '.join(sorted(_TOKEN_COLUMNS))}) or the flag and count columns "
                         f"({name!r}, {weight!r}) have those names.")
    return by


def _stem_conditions(stems: tuple[str, ...]) -> tuple[str, str]:
    """SQL of (a token of ``tok`` that begins with one of ``stems`` and has no digit, a note
    whose lower case ``lowered`` may hold one)."""
    from jamtools.data.engine import literal

    begins = " OR ".join(f"starts_with(word, {literal(s)})" for s in stems) or "false"
    # Only a note whose lower case holds a stem can have such a word.
    holds = " OR ".join(f"contains(lowered, {literal(s)})" for s in stems) or "false"
    # A token has a digit as its word has (safe characters), else as looked up.
    digit = f"coalesce(odd_digit, regexp_matches(word, {literal(_patterns()['digit'])}))"
    return f"({begins}) AND NOT {digit}", holds


def _stem_flags(rids: pd.Series, data: pd.DataFrame, text: str) -> pd.Series:
    """1 for each note of ``data`` whose number (``rid``, its position) is in ``rids``, else 0."""
    out = np.zeros(len(data), dtype=int)
    out[rids.to_numpy(dtype=np.int64)] = 1
    return pd.Series(out, index=data.index, name=data[text].name)


def _stem_counts_sql(hits: str, src: str, by: list[str], name: str, weight: str) -> str:
    """The end of a ``WITH`` (after ``hits``, the notes with a stem word per combination of
    ``by`` as ``__k``): every combination of the notes ``src`` with the flag 0/1 and its number
    of notes, ordered."""
    from jamtools.data.engine import ident

    keys = ", ".join(ident(c) for c in by)
    same = " AND ".join(f"t.{ident(c)} IS NOT DISTINCT FROM h.{ident(c)}" for c in by)
    k = "coalesce(h.__k, 0)"
    return (f"totals AS (SELECT {keys}, count(*) AS __n FROM {src} "
            f"GROUP BY {keys}) SELECT * FROM (SELECT {', '.join(f't.{ident(c)}' for c in by)}, "
            f"f.flag AS {ident(name)}, CASE WHEN f.flag = 1 THEN {k} ELSE t.__n - {k} END "
            f"AS {ident(weight)} FROM totals t LEFT JOIN {hits} h ON {same} "
            f"CROSS JOIN (VALUES (0), (1)) f(flag)) WHERE {ident(weight)} > 0 ORDER BY ALL")


def _typed_stem_counts(counted: pd.DataFrame, data, by: list[str], name: str,
                       weight: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):  # the columns' own types
        for c in by:
            counted[c] = counted[c].astype(data[c].dtype)
    counted[name] = counted[name].astype("int64")
    counted[weight] = counted[weight].astype("int64")
    return counted


def count_words_and_stems(data: pd.DataFrame | str, stems: Iterable[str] = RESPONSIBILITY_STEMS,
                          *, levels: Sequence[Hashable], text: str = "anteckning",
                          group: str = "kon", person: str = "person_id",
                          exclude: Iterable[str] = (), min_length: int = 2, notes: bool = False,
                          by: str | None = None, stems_by: str | Sequence[str] | None = None,
                          name: str = "has_stem", weight: str = "n", per_person: int | None = None,
                          ) -> tuple[WordCounts, pd.Series | pd.DataFrame]:
    """:func:`count_words` and :func:`contains_stem` in one pass over the notes' tokens.

    The tokenising is most of the time of either, so counting words and finding the notes with
    a word that begins with a stem in the same pass takes about the time of the first alone.
    The results are those of ``count_words(data, levels=levels, text=text, group=group,
    person=person, exclude=exclude, min_length=min_length, notes=notes, by=by)`` and
    ``contains_stem(data, stems, text=text, by=stems_by, name=name, weight=weight)``: the
    words of the notes of the ``levels``, the stems of every note.

    Parameters
    ----------
    data : pandas.DataFrame or str
        As for :func:`count_words`.
    stems : iterable of str
        As for :func:`contains_stem`.
    levels, text, group, person, exclude, min_length, notes, by
        As for :func:`count_words`.
    stems_by, name, weight
        ``by``, ``name`` and ``weight`` of :func:`contains_stem`.
    per_person : int, optional
        With ``stems_by``: count the notes per person as well, in a column :data:`PERSON`
        that numbers persons (1, 2, …: the same person the same number in every cell; the
        notes of no known person are :data:`~jamtools.data.pseudonym.UNKNOWN_PERSON`, no person
        of their own, as in :func:`count_words`), for up to ``per_person``
        persons of each combination of the ``stems_by`` columns and the flag; the notes of its
        further persons are counted under the person 0. The distinct persons of any union of
        such combinations with the same flag are then exact up to ``per_person`` (at least
        ``per_person`` when one of them has more): what
        :func:`jamtools.disclosure.analyses.binary_outcome`'s ``persons`` needs with
        ``per_person`` its threshold, or below: a higher threshold is refused, as the count
        of persons could then be one too many, :data:`PERSONS_UP_TO` in the table's ``attrs``
        records ``per_person`` (:func:`persons_up_to`). Only these numbers leave the engine,
        never a person's id (an id written two ways is one person,
        :func:`jamtools.data.pseudonym.person_keys`), and the table is at most ``per_person``
        + 1 rows per combination and flag, whatever the number of persons.

    Returns
    -------
    (WordCounts, pandas.Series or pandas.DataFrame)
        What the two functions return.

    References
    ----------
    .. [1] Manning, C. D., Raghavan, P. & Schütze, H. (2008). Introduction to Information Retrieval.
           Cambridge: Cambridge University Press. Ch. 2.2 (tokens, normalisation and stop lists;
           matching word forms by their stem).
    """
    from jamtools.data import engine
    from jamtools.data.engine import ident

    levels, stems = tuple(levels), tuple(str(s).lower() for s in stems)
    keys = _stem_keys(stems_by, name=name, weight=weight)
    if keys is None and not isinstance(data, pd.DataFrame):
        raise ValueError("contains_stem on notes in the engine counts them: give stems_by=.")
    if per_person is not None and keys is None:
        raise ValueError("per_person counts the notes per person: give stems_by=.")
    query = _WordQuery(data, by, notes)
    carried = list(dict.fromkeys([*query.carried, *(keys or ())]))
    cells = list(keys or ())
    if per_person is not None:
        keys = [*keys, PERSON]
    found, _ = _stem_conditions(stems)
    # the hits under names of their own (``__s_``), beside the words' columns
    renamed = [f"{ident(c)} AS {ident('__s_' + c)}" for c in keys or ()]
    hits = (f"SELECT true AS __stem, rid AS __s_rid FROM tok WHERE {found} GROUP BY rid"
            if keys is None else
            f"SELECT true AS __stem, {', '.join(renamed)}, count(DISTINCT rid) AS __k "
            f"FROM tok WHERE {found} GROUP BY {', '.join(ident(c) for c in keys)}")
    con = engine.shared()
    both = engine.unique_name("jt_words_stems")
    with contextlib.ExitStack() as stack:
        src = stack.enter_context(_notes(query.data, text, levels=levels, group=group,
                                         person=person, columns=carried, every=True))
        if per_person is not None:
            src = _hashed_persons(src)
        tok = stack.enter_context(_tokens(src, ("lvl", "who", *carried,
                                                *((PERSON,) if per_person is not None else ()))))
        con.execute(f"CREATE TEMP TABLE {ident(both)} AS WITH tok AS ({tok}) "
                    f"SELECT {query.select} FROM tok {query.where} {query.group} "
                    f"UNION ALL BY NAME {hits}")
        try:
            agg = _engine_sql(f"SELECT {', '.join(query.columns)} FROM {ident(both)} "
                              "WHERE __stem IS NULL")
            per_level = _engine_sql(query.per_level(src))
            if keys is None:
                rids = _engine_sql(f"SELECT __s_rid AS rid FROM {ident(both)} WHERE __stem")
            else:
                own = ", ".join(f"{ident('__s_' + c)} AS {ident(c)}" for c in keys)
                counts_sql = (f"WITH hits AS (SELECT {own}, __k FROM {ident(both)} WHERE __stem), "
                              f"{_stem_counts_sql('hits', src, keys, name, weight)}")
                if per_person is not None:
                    counts_sql = numbered_persons_sql(counts_sql, cells=[*cells, name], person=PERSON,
                                                      weight=weight, cap=int(per_person))
                counted = _engine_sql(counts_sql)
        finally:
            con.execute(f"DROP TABLE IF EXISTS {ident(both)}")
    words = query.result(agg, per_level, levels=levels, exclude=exclude, min_length=min_length)
    if keys is None:
        return words, _stem_flags(rids["rid"], data, text)
    if per_person is not None:
        counted[PERSON] = counted[PERSON].astype("int64")
    counted = _typed_stem_counts(counted, data, [k for k in keys if k != PERSON], name, weight)
    if per_person is not None:
        counted.attrs[PERSONS_UP_TO] = {PERSON: int(per_person)}
    return words, counted


#: :data:`PERSON`, the column of :func:`count_words_and_stems` (``per_person``) that numbers the
#: persons, and :data:`PERSONS_UP_TO`, the key of a table's ``attrs`` that records its cap
#: (:func:`persons_up_to`), are defined with the pseudonyms (imported above): a cell table
#: loaded with ``load_table(..., persons=...)`` numbers persons the same way.


def persons_up_to(data: pd.DataFrame, persons: str) -> int | None:
    """The most persons per cell that ``data``'s column ``persons`` numbers (distinct persons
    counted from it are exact up to that number), or None for a column of ids (every person).

    Parameters
    ----------
    data : pandas.DataFrame
        A table, such as the counts of :func:`count_words_and_stems` with ``per_person``, whose
        ``attrs`` record the cap (:data:`PERSONS_UP_TO`).
    persons : str
        The column that identifies the persons.

    Returns
    -------
    int or None
        The cap; None where the column is not capped.

    Raises
    ------
    ValueError
        The column is :data:`PERSON` and ``data`` no longer records its cap (a table built
        anew from the counts): without it no threshold can be checked against it.

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S.,
           Spicer, K. & de Wolf, P.-P. (2012). Statistical Disclosure Control. Chichester:
           Wiley. Ch. 5 (the threshold rule on the contributors to a cell).
    """
    cap = (data.attrs.get(PERSONS_UP_TO) or {}).get(persons)
    if cap is None and persons == PERSON:
        raise ValueError(f"The persons of {PERSON!r} are numbered up to a cap per cell that "
                         f"the table no longer records (attrs[{PERSONS_UP_TO!r}]): keep it "
                         "with the counts.")
    return None if cap is None else int(cap)


def _hashed_persons(src: str) -> str:
    """The notes ``src`` (with ``who``, see :func:`_notes`) with :data:`PERSON`: the person's
    hash (:func:`jamtools.data.pseudonym.person_hash_sql`), in the engine only
    (:func:`~jamtools.data.pseudonym.numbered_persons_sql` numbers them before anything leaves it)."""
    return f"(SELECT *, {person_hash_sql('who')} AS {PERSON} FROM {src})"


# --- Counting in the engine ---------------------------------------------------------------
#
# count_words and contains_stem run the tokeniser above in the query engine (DuckDB's RE2
# regular expressions over the whole column), not note by note in Python. The result is the
# same, token for token: the character classes are Python's own (read off ``re`` and ``str`` for
# every code point of this Python), and the lower-case form is DuckDB's ``lower`` only for words
# whose characters lower-case the same in both; any other word (e.g. "İ", or a Greek capital
# sigma, whose lower case depends on its place in the word) is lower-cased by Python.


def _points(chars: Iterable[str] | str) -> np.ndarray:
    """The distinct code points of ``chars``, sorted (UTF-32 of the joined text, read as integers)."""
    text = chars if isinstance(chars, str) else "".join(chars)
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    if len(points) > 1 and bool(np.all(points[1:] > points[:-1])):
        return points  # already sorted and distinct (the characters of a scan in order)
    return np.unique(points)


def _class(chars: Iterable[str] | str, *, negate: bool = False) -> str:
    """An RE2 character class of exactly ``chars`` (code points as ``\\x{...}`` ranges)."""
    points = _points(chars)
    # the runs of consecutive code points: a run ends where the next point is not one more
    ends = np.flatnonzero(np.diff(points) != 1)
    starts = np.concatenate([[0], ends + 1]) if len(points) else np.array([], dtype=np.int64)
    stops = np.concatenate([ends, [len(points) - 1]]) if len(points) else starts
    parts = [f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}"
             for a, b in zip(points[starts].tolist(), points[stops].tolist())]
    return ("[^" if negate else "[") + "".join(parts) + "]"


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, str]:
    """The tokeniser's regular expressions in RE2 syntax, built from Python's own definitions.

    ``piece`` is a token with the non-token characters before it (so that the sentence-start
    rule can look back), ``token`` the token itself, ``address`` :data:`ADDRESS`, ``upper`` /
    ``digit`` the tests of :class:`Token`'s ``capitalised`` / ``has_digit``, ``after_end`` /
    ``first`` the two ways a token starts a sentence, ``unsafe`` the characters whose lower
    case DuckDB and Python do not agree on, and ``digit`` the characters ``str.isdigit`` calls
    digits (for the words of safe characters).
    """
    # every code point but the surrogates, as one text (from UTF-32: a loop over chr takes 0.2 s)
    codes = np.concatenate([np.arange(0xD800), np.arange(0xE000, 0x110000)]).astype("<u4")
    every = codes.tobytes().decode("utf-32-le")
    alnum = "".join(re.findall(r"[^\W_]+", every))      # the token rule's [^\W_]
    space = "".join(re.findall(r"\s+", every))          # ADDRESS's \s
    a, na = _class(alnum), _class(alnum, negate=True)
    joiners = "-'’"
    token = f"{a}+(?:{_class(joiners)}{a}+)*"
    between, end = _class(BETWEEN), _class(SENTENCE_END)
    nonspace = _class(space, negate=True)
    # Lower case: DuckDB's per character, compared with Python's for every token character.
    from jamtools.data import engine

    con = engine.shared()
    chars = alnum + joiners
    c_arr = np.frombuffer(chars.encode("utf-32-le"), dtype="<U1")  # one character each
    name = engine.unique_name("jt_chars")
    con.register(name, pa.table({"c": pa.array(c_arr, pa.string())}))
    try:
        duck = con.sql(f"SELECT lower(c) FROM {name}").fetchnumpy()  # order kept
    finally:
        con.unregister(name)
    lowered = duck[next(iter(duck))].tolist()
    # Safe: DuckDB's lower case is Python's, one character, which changes exactly when the
    # character is upper case (str.isupper) and is a digit exactly when the character is.
    # Element-wise over arrays (a loop over the 130 000 characters takes a quarter second).
    # Python's lower case of each character, from one call on them all: str.lower depends on
    # the context only for the capital sigma, which is unsafe anyway.
    py_lower = "\0".join(chars).lower().split("\0")
    d_arr = np.array(lowered)

    def each(test, values):
        return np.fromiter(map(test, values), dtype=bool, count=len(values))

    digit = each(str.isdigit, chars)
    bad = ((np.array(py_lower) != d_arr) | (np.char.str_len(d_arr) != 1)
           | (each(str.isupper, chars) != (d_arr != c_arr))
           | (digit != each(str.isdigit, lowered)))
    unsafe = set(c_arr[bad].tolist()) | {"\u03a3"}
    return {
        "piece": f"{na}*{token}",
        "token": token,
        "address": f"(?i){nonspace}+@{nonspace}+|https?://{nonspace}+|www\\.{nonspace}+",
        "after_end": f"{end}{between}{{0,19}}$",
        "first": f"^{between}{{0,20}}$",
        "unsafe": _class(unsafe),
        # str.isdigit implies str.isalnum, which re's \\w is (less "_"): the digits are in alnum
        "digit": _class("".join(c_arr[digit].tolist())),
    }


#: The columns the tokens' SQL makes (:func:`_notes`, :func:`_tokens`, :func:`_tokens_sql`):
#: no column counted by may have one of these names.
_TOKEN_COLUMNS = frozenset({"rid", "txt", "lvl", "who", "odd", "lowered", "ps", "piece", "pos", "raw",
                            "word", "cap", "ss", "odd_digit", "m_raw", "m_word", "m_cap", "m_digit",
                            "__k", "__n"})


def _as_text(values: pd.Series) -> pa.Array:
    """The notes as an Arrow string array: what :func:`tokenize` reads (missing is null)."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array([None if _missing(v) else str(v) for v in values], pa.large_string())
    return arr


def _missing(value) -> bool:
    """A missing note: None, pandas' NA or a float NaN (no tokens)."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _tokens_sql(src: str, other: str) -> str:
    """SQL of the tokens of the notes in ``src``: its ``other`` columns, ``piece`` (the token
    with the characters before it), ``pos`` (1 for a note's first token) and ``raw``."""
    from jamtools.data.engine import literal

    p = _patterns()
    # An address holds "@", "://" or "www." (in any case): only such a note is searched for one.
    maybe = "contains(txt, '@') OR contains(txt, '://') OR regexp_matches(txt, '(?i)www\\.')"
    cleaned = (f"CASE WHEN {maybe} THEN regexp_replace(txt, {literal(p['address'])}, ' ', 'g') "
               "ELSE txt END")
    pieces = (f"SELECT {other}, unnest(ps) AS piece, generate_subscripts(ps, 1) AS pos "
              f"FROM (SELECT {other}, regexp_extract_all({cleaned}, {literal(p['piece'])}) AS ps "
              f"FROM {src})")
    # Most pieces are a space and a word of plain letters: the word without a regex search.
    plain = literal(" ?[0-9A-Za-zÅÄÖåäöÉé]+")
    return (f"SELECT *, CASE WHEN regexp_full_match(piece, {plain}) THEN ltrim(piece, ' ') "
            f"ELSE regexp_extract(piece, {literal(p['token'])}) END AS raw FROM ({pieces})")


@contextlib.contextmanager
def _notes(data, text: str, *, levels=None, group: str = "", person: str = "", columns=(),
           every: bool = False):
    """The notes as an engine relation (SQL for a ``FROM``): ``rid`` (a unique note number),
    ``txt`` (the text), with ``levels`` ``lvl`` (the position of the note's ``group`` among
    ``levels``; notes of other groups left out, or with ``every`` kept with ``lvl`` NULL) and
    ``who`` (the person, missing as NULL or one id; its id as
    :func:`jamtools.data.pseudonym.person_keys` gives it, so that an id written two ways is one
    person), and ``columns`` under their own names.

    ``data`` is a DataFrame (registered as an Arrow table for the ``with`` block; ``rid`` is the
    row's position) or the name of an engine table or view with ``__row`` (see
    :func:`count_words`)."""
    from jamtools.data import engine

    con = engine.shared()
    if isinstance(data, pd.DataFrame):
        rows = data if levels is None or every else data[data[group].isin(levels)]
        table = {"rid": pa.array(np.arange(len(rows), dtype=np.int64)), "txt": _as_text(rows[text])}
        if levels is not None:
            at = pd.Index(levels).get_indexer(rows[group]).astype(np.int64)
            inside = rows[group].isin(levels).to_numpy(dtype=bool)  # (as the rows are chosen)
            table["lvl"] = pa.array(at, mask=(at < 0) | ~inside)
            # (missing: NULL, no person of its own; an id written two ways one person,
            # :func:`person_keys`)
            who = pd.factorize(person_keys(rows[person]))[0].astype(np.int64)
            table["who"] = pa.array(who, mask=who < 0)
        table.update({c: pa.Array.from_pandas(rows[c]) for c in columns})
        name = engine.unique_name("jt_notes")
        con.register(name, pa.table(table))
        try:
            yield engine.ident(name)
        finally:
            con.unregister(name)
        return
    sel = ["__row AS rid", f"CAST({engine.ident(text)} AS VARCHAR) AS txt"]
    where = ""
    if levels is not None:
        g = f"CAST({engine.ident(group)} AS VARCHAR)"
        whens = " ".join(f"WHEN {g} = {engine.literal(str(v))} THEN {i}" for i, v in enumerate(levels))
        sel += [f"(CASE {whens} END)::BIGINT AS lvl", f"{person_key_sql(engine.ident(person))} AS who"]
        if not every:
            where = f" WHERE {g} IN ({', '.join(engine.literal(str(v)) for v in levels)})"
    sel += [engine.ident(c) for c in columns]
    yield f"(SELECT {', '.join(sel)} FROM {engine.ident(data)}{where})"


def _engine_sql(sql: str) -> pd.DataFrame:
    """The result of ``sql`` on the engine's shared connection (aggregates only)."""
    from jamtools.data import engine

    return engine.shared().sql(sql).df()


@contextlib.contextmanager
def _tokens(src: str, other=(), *, keep: str = ""):
    """SQL of ``tok``: one row per token of the notes of the relation ``src`` (see
    :func:`_notes`: ``rid``, ``txt`` and the ``other`` columns), as :func:`tokenize` finds them,
    with the ``other`` columns and ``raw`` (the token as written), ``word`` (its lower case,
    Python's), ``cap`` and ``ss`` (as :class:`Token`'s ``capitalised`` and ``sentence_start``;
    ``ss`` only for capitalised tokens) and ``odd_digit`` (null, or for a word with characters
    outside the safe set whether the token has a digit). ``keep`` is an SQL condition on
    ``txt`` and ``lowered`` (DuckDB's lower case of the note) that every note with a wanted
    token meets, to skip the others. What the SQL needs stays registered for the ``with``
    block."""
    from jamtools.data import engine

    p = {k: engine.literal(v) for k, v in _patterns().items()}
    con = engine.shared()
    other = ", ".join(["rid", *(engine.ident(c) for c in other)])
    src = f"(SELECT *, coalesce(regexp_matches(txt, {p['unsafe']}), false) AS odd FROM {src})"
    lookup = None
    try:
        # Tokens with characters outside the safe set: Python's answers, looked up.
        found = con.sql(f"SELECT DISTINCT raw FROM "
                        f"({_tokens_sql(f'(SELECT * FROM {src} WHERE odd)', other)}) "
                        f"WHERE regexp_matches(raw, {p['unsafe']})").fetchall()
        word, cap, digit, join = "lower(raw)", "NULL::BOOLEAN", "NULL::BOOLEAN", ""
        if found:
            raws = [r for (r,) in found]
            lookup = engine.unique_name("jt_lower")
            con.register(lookup, pa.table({
                "m_raw": pa.array(raws, pa.string()),
                "m_word": pa.array([r.lower() for r in raws], pa.string()),
                "m_cap": pa.array([r[:1].isupper() for r in raws], pa.bool_()),
                "m_digit": pa.array([any(c.isdigit() for c in r) for r in raws], pa.bool_())}))
            word, cap, digit = "coalesce(m_word, lower(raw))", "m_cap", "m_digit"
            join = f"LEFT JOIN {lookup} ON raw = m_raw"
        if keep:
            src = (f"(SELECT * FROM (SELECT *, lower(txt) AS lowered FROM {src}) "
                   f"WHERE odd OR {keep})")
        # The characters before the token (the token occurs once in its piece, at the end).
        gap = "replace(piece, raw, '')"
        yield (f"SELECT *, CASE WHEN cap THEN regexp_matches({gap}, {p['after_end']}) "
               f"OR (pos = 1 AND regexp_matches({gap}, {p['first']})) END AS ss "
               f"FROM (SELECT *, coalesce({cap}, substring(raw, 1, 1) <> substring(word, 1, 1)) "
               f"AS cap FROM (SELECT *, {word} AS word, {digit} AS odd_digit "
               f"FROM ({_tokens_sql(src, other)}) {join}))")
    finally:
        if lookup is not None:
            con.unregister(lookup)


def _token_query(src: str, select: str, *, other=(), where: str = "", group: str = "",
                 keep: str = "") -> pd.DataFrame:
    """``SELECT select FROM tok where group`` over the tokens of the notes of ``src`` (see
    :func:`_tokens`), in the engine; only the result reaches pandas."""
    with _tokens(src, other, keep=keep) as tok:
        return _engine_sql(f"WITH tok AS ({tok}) SELECT {select} FROM tok {where} {group}")


__all__ = ["ADDRESS", "PERSON", "RESPONSIBILITY_STEMS", "RULES", "RULE_ADDRESS", "RULE_DIGITS", "RULE_LIST",
           "RULE_NAME", "RULE_SHORT", "STREET_SUFFIXES", "Token", "WordCounts", "contains_stem", "count_words",
           "count_words_and_stems", "distinctive_words", "log_odds_dirichlet", "tokenize"]
