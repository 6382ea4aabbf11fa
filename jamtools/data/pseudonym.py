"""Personnummer replaced on load by a keyed pseudonym.

The key is per run: the runner puts a random key in the environment variable
``JAMTOOLS_PSEUDONYM_KEY`` for the kernels; without it (interactive use, nbval) a random key is
made per process. The key is never written anywhere, so a pseudonym cannot be turned back into
a personnummer, yet the same person gets the same pseudonym in every table of the run, however
the number is written (with or without century or hyphen).

The number's validation lives in :mod:`jamtools.data.personnummer` (re-exported here).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence

import numpy as np
import pandas as pd

from jamtools.data.personnummer import (age_at, birth_date_and_sex, luhn_ok, normalise, parse,
                                        written_forms)

__all__ = ["KEY_ENV", "PERSON", "PERSONS_UP_TO", "UNKNOWN_PERSON", "pseudonymise", "person_keys", "person_key_sql",
           "person_hash_sql", "numbered_persons_sql",
           "luhn_ok", "parse", "normalise", "birth_date_and_sex", "age_at", "written_forms"]

KEY_ENV = "JAMTOOLS_PSEUDONYM_KEY"

#: The column of a table of counts that numbers persons (1, 2, …, the same person the same
#: number in every cell, up to a cap per cell; a cell's further persons are the person 0): the
#: notes' counts of :func:`jamtools.stats.text.count_words_and_stems` (``per_person``) and a
#: cell table loaded with ``load_table(..., persons=...)``. Never an id.
PERSON = "__person"
#: The key of a table's ``attrs`` that holds, for a column of numbered persons such as
#: :data:`PERSON`, the most persons per cell it numbers: distinct persons counted from it are
#: exact only up to that number (:func:`jamtools.stats.text.persons_up_to`).
PERSONS_UP_TO = "persons_up_to"
#: The number :data:`PERSON` gives the rows of no known person (a missing or unreadable id):
#: they may be persons already counted, so they add no person where some person is known, and
#: are one person where none is (the fewest there can be).
UNKNOWN_PERSON = -1
_PROCESS_KEY = secrets.token_hex(32)


def _key() -> bytes:
    return (os.environ.get(KEY_ENV) or _PROCESS_KEY).encode()


def pseudonymise(values: pd.Series) -> pd.Series:
    """Keyed pseudonyms for personnummer: ``"P"`` + the first 16 hex digits of
    HMAC-SHA-256(key, YYYYMMDDNNNC) (RFC 2104). Missing values and invalid numbers give NA.

    HMAC with a secret key, rather than a plain hash, is what makes the pseudonym
    irreversible: the number space is small enough to hash every possible number.
    """
    key = _key()
    cache: dict = {}

    def one(v):
        if v in cache:
            return cache[v]
        parsed = parse(v) if not pd.isna(v) else None
        out = pd.NA if parsed is None else \
            "P" + hmac.new(key, parsed.digits12.encode(), hashlib.sha256).hexdigest()[:16]
        cache[v] = out
        return out

    return values.map(one).astype("string")


#: What :func:`person_keys` removes from an id: white space (every character Python's
#: ``str.strip`` removes) and the separators a personnummer is written with (hyphen, plus, en
#: dash, minus sign).
_ID_NOISE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
             "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000-+\u2013\u2212")
#: A personnummer with its century (``YYYYMMDDNNNN`` once the noise is removed): one person with
#: the ten digits without it.
_CENTURY_FORM = "(18|19|20)[0-9]{10}"
#: An id of digits only with leading zeros (``007``): one person with ``7``, as a spreadsheet
#: that read the column as numbers writes it.
_ZEROS_FORM = "0+([0-9]+)"


_NOISE_TABLE = str.maketrans("", "", _ID_NOISE)
_CENTURY_RE = re.compile(_CENTURY_FORM)
_ZEROS_RE = re.compile(_ZEROS_FORM)


def _person_key(value) -> str:
    """One id's key (:func:`person_keys`)."""
    key = str(value).translate(_NOISE_TABLE).lower()
    key = key[2:] if _CENTURY_RE.fullmatch(key) else key
    zeros = _ZEROS_RE.fullmatch(key)
    return zeros.group(1) if zeros else key


def person_keys(values: pd.Series) -> pd.Series:
    """One key per person however the id is written, for counting distinct persons: the id in
    lower case, without white space or the separators of a personnummer (``-``, ``+``, en dash,
    minus), and a number of twelve digits beginning 18, 19 or 20 (a personnummer with its
    century) as its last ten, and one of digits only without its leading zeros (``007`` as
    ``7``, as a spreadsheet that read the column as numbers writes it). ``19121212-1212``,
    ``121212 1212`` and ``1212121212`` are one person, as are ``K-12`` and ``k12``, and
    ``007`` and ``7``; missing stays missing.

    An id the load made from a personnummer is a pseudonym (:func:`pseudonymise`) and already
    one form; an id the export gives is only trimmed by the load, and may be written two ways.
    Two persons whose ids differ only so become one: counts of persons can only be smaller,
    the safe side where a count too small hides (the disclosure of shares by persons).
    :func:`person_key_sql` is the same in the engine.
    """
    # computed once per distinct id and mapped back: the cost grows with the ids, not the rows
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    keys = np.array([_person_key(v) for v in uniques] + [pd.NA], dtype=object)
    out = pd.Series(keys[codes], index=values.index, dtype="string")
    return out.mask(out == "")  # (nothing but separators or spaces: no id)


#: The separators most ids have (replaced one by one in the engine, a cheaper step than a regular
#: expression); the rest of :data:`_ID_NOISE` only where an id has one of them.
_COMMON_NOISE = "- +"
_RARE_NOISE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _ID_NOISE if c not in _COMMON_NOISE) + "]"


def person_key_sql(expr: str) -> str:
    """:func:`person_keys` as SQL over the engine's expression ``expr`` (NULL stays NULL).

    Each step is guarded by a cheap test, so that an id without what the step removes skips its
    regular expression (about 0.5 s instead of 0.75 s of CPU for 1.25 M ids)."""
    from jamtools.data.engine import literal

    key = f"CAST({expr} AS VARCHAR)"
    for c in _COMMON_NOISE:
        key = f"replace({key}, {literal(c)}, '')"
    key, rare = f"lower({key})", literal(_RARE_NOISE_CLASS)
    key = f"CASE WHEN regexp_matches({key}, {rare}) THEN regexp_replace({key}, {rare}, '', 'g') ELSE {key} END"
    key = (f"CASE WHEN length({key}) = 12 AND regexp_full_match({key}, {literal(_CENTURY_FORM)}) "
           f"THEN substr({key}, 3) ELSE {key} END")
    key = (f"CASE WHEN starts_with({key}, '0') THEN regexp_replace({key}, {literal('^' + _ZEROS_FORM + '$')}, '\\1') "
           f"ELSE {key} END")
    return f"nullif({key}, '')"


def person_hash_sql(key: str) -> str:
    """A person's number in the engine: a 62-bit hash (1 or more) of the SQL expression ``key``
    (a person's key, :func:`person_key_sql`, or a pseudonym), NULL for no key. Two persons with
    one hash count as one, which can only hide more. ``key`` is read twice: make it a column
    first rather than an expression computed twice. Never leaves the engine:
    :func:`numbered_persons_sql` numbers the persons before anything does."""
    return f"CASE WHEN {key} IS NOT NULL THEN CAST((hash({key}) >> 2) + 1 AS BIGINT) END"


def numbered_persons_sql(relation: str, *, cells: Sequence[str], person: str, cap: int,
                         weight: str | None = None, name: str = PERSON) -> str:
    """SQL that numbers each cell's persons, for counting distinct persons after the engine.

    Per cell (a distinct combination of ``cells``, NULL a value like any other), the first
    ``cap`` persons by their hash (:func:`person_hash_sql`) are numbered 1, 2, … by their rank
    among all persons so kept in some cell: the same person has the same number in every cell.
    The cell's further persons are the person 0; the rows of no known person (a NULL hash) are
    :data:`UNKNOWN_PERSON`. The distinct persons of any union of cells are then exact up to
    ``cap`` (at least ``cap`` when one cell has more), what a threshold of at most ``cap``
    needs (:func:`jamtools.disclosure.analyses.binary_outcome`'s ``persons``), and the result
    has at most ``cap`` + 2 rows per cell, however many persons.

    Parameters
    ----------
    relation : str
        A query (or table name) with the columns ``cells``, ``person`` and ``weight``.
    cells : sequence of str
        The columns of a cell (names, quoted here).
    person : str
        The column of the persons' hashes.
    cap : int
        The most persons numbered per cell.
    weight : str, optional
        A column of counts to add up; by default each row counts once.
    name : str
        The result's column of numbered persons.

    Returns
    -------
    str
        A query with the columns ``cells``, ``name`` and ``weight`` (or ``"n"``), a BIGINT sum,
        one row per cell and numbered person, ordered.

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S.,
           Spicer, K. & de Wolf, P.-P. (2012). Statistical Disclosure Control. Chichester:
           Wiley. Ch. 5 (the threshold rule on the contributors to a cell).
    """
    from jamtools.data.engine import ident

    cap = int(cap)
    if cap < 1:
        raise ValueError(f"cap must be at least 1, not {cap}.")
    cols = [ident(c) for c in cells]
    part = ", ".join(cols)
    total = "count(*)" if weight is None else f"sum({ident(weight)})"
    out = ident("n" if weight is None else weight)
    same = " AND ".join([*(f"pp.{c} IS NOT DISTINCT FROM kept.{c}" for c in cols), "pp.__p = kept.__p"])
    # each cell's persons once (pp), its first ``cap`` by hash (a top-k per cell, not a sort of
    # every person), numbered by their rank among all persons kept in some cell
    return (f"WITH pp AS (SELECT {part}, {ident(person)} AS __p, {total} AS __n FROM ({relation}) "
            f"GROUP BY ALL), "
            f"top AS (SELECT {part}, unnest(min(__p, {cap})) AS __p FROM pp GROUP BY {part}), "
            "ranks AS (SELECT __p, dense_rank() OVER (ORDER BY __p) AS __num "
            "FROM (SELECT DISTINCT __p FROM top)), "
            "kept AS (SELECT top.*, ranks.__num FROM top JOIN ranks USING (__p)) "
            f"SELECT {', '.join(f'pp.{c}' for c in cols)}, CASE WHEN pp.__p IS NULL THEN {UNKNOWN_PERSON} "
            f"ELSE coalesce(kept.__num, 0) END AS {ident(name)}, CAST(sum(pp.__n) AS BIGINT) AS {out} "
            f"FROM pp LEFT JOIN kept ON {same} GROUP BY ALL ORDER BY ALL")
