"""The word counting of jamtools.stats.text (count_words, contains_stem), which runs the
tokeniser in the query engine, against a plain Python reference: the tokeniser
``text.tokenize`` (Python's ``re``) note by note, counted with dictionaries and sets. Messy text
(Swedish letters, punctuation, digits, addresses, empty and missing notes, mixed case, long runs
of spaces before a word, letters whose lower case differs between DuckDB and Python) must give
identical tables."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from jamtools.stats import text

LEVELS = ("kvinna", "man")


def _fewest(persons, who) -> int:
    """The fewest persons there can be: the known ones; a note of no known person (a missing
    id) may be a known person's, and is one person only where no person is known."""
    known = {p for p in persons if not pd.isna(who(p))}
    return len(known) or int(bool(persons))


def reference_count(data, *, levels, exclude=(), min_length=2, text_col="anteckning",
                    group="kon", person="person_id", with_notes=False):
    """count_words as a loop over notes and tokens (the handbook's first implementation)."""
    rows = data[data[group].isin(levels)]
    exclude = {str(w).lower() for w in exclude}
    count, notes, persons, persons_all = {}, {}, {}, {}
    lower_seen, capital_inside, digits = set(), set(), set()
    n_notes = {lvl: 0 for lvl in levels}
    for note, lvl, who in zip(rows[text_col], rows[group], rows[person]):
        n_notes[lvl] += 1
        seen = set()
        for tok in text.tokenize(note):
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
            rule[w] = text.RULE_DIGITS
        elif w in capital_inside or w not in lower_seen:
            rule[w] = text.RULE_NAME
        elif any(w.endswith(s) and len(w) > len(s) for s in text.STREET_SUFFIXES):
            rule[w] = text.RULE_ADDRESS
        elif w in exclude:
            rule[w] = text.RULE_LIST
        elif len(w) < min_length:
            rule[w] = text.RULE_SHORT
    kept = [w for w in words if w not in rule]
    table = pd.DataFrame({"word": kept})
    for lvl in levels:
        table[f"count_{lvl}"] = [count.get((w, lvl), 0) for w in kept]
        if with_notes:
            table[f"notes_{lvl}"] = [notes.get((w, lvl), 0) for w in kept]
        table[f"persons_{lvl}"] = [_fewest(persons.get((w, lvl), ()), lambda who: who) for w in kept]
    # (a person is of one level: the fewest of each level, added up)
    table["persons_all"] = [sum(_fewest({p for p in persons_all.get(w, ()) if p[0] == lvl}, lambda pair: pair[1])
                                for lvl in levels) for w in kept]
    totals = {lvl: int(table[f"count_{lvl}"].sum()) for lvl in levels}
    excl = []
    for name in text.RULES:
        ws = [w for w, r in rule.items() if r == name]
        excl.append({"rule": name, "types": len(ws),
                     "tokens": int(sum(count.get((w, lvl), 0) for w in ws for lvl in levels))})
    return table, totals, n_notes, pd.DataFrame(excl)


def reference_stem(data, stems, text_col="anteckning"):
    stems = tuple(s.lower() for s in stems)
    return [int(any(t.word.startswith(stems) and not t.has_digit for t in text.tokenize(n)))
            for n in data[text_col]]


MESSY = [
    "Mamma ringde. Hon har 2 barn och bor hos Anna på Storgatan 12B.",
    "ÅSA och Örjan träffades; Åsa sa: \"Ansvar är viktigt!\" – ansvaret ligger hos mamma.",
    "",
    None,
    "   ",
    "föräldraförmågan brister?   Föräldraförmåga diskuterades… OMSORG, omsorgen & "
    "omvårdnad.",
    "Mejl till kalle.kula@exempel.se och www.exempel.se/x samt HTTPS://Sida.se/ansvar i dag",
    "x-tra stöd, barn-och-unga; o'boy ’tis mammas’ sak - och -- sådant",
    "tel 070-123 45 67, pnr 19800101-1234. 3:e gången ²-fel a1 1a ansvar2",
    "Ett\nNytt stycke\r\nmed radbrytning.\tTab\tFörst.\n\n• Punkt ett\n• Punkt två",
    "Är du där? Ja! (Pappa) ringde. »Hon« sa ”Nej”. *Viktigt* — Kanske.",
    "İbrahim och ΟΔΟΣ möttes i ΣΟΦΙΑ; Straße och STRASSE; ǅemal och ﬁlm.",
    "                     Tjugoett mellanslag före första ordet.",
    "                    Tjugo mellanslag före första ordet.",
    ".                    Punkt och tjugo mellanslag före Ordet.",
    ".                   Punkt och nitton mellanslag före Ordet.",
    "under_streck och snake_case_ord, e.g. i.e. t.ex. bl.a. osv.",
    "emoji 😀 ansvar🙂omsorg ½ ⅓ ٣ ansvar٣ ① café cafe\u0301 naïve",
    "MAMMA PAPPA barn Barn barn. Barn",
    "omsorg",
    "ANSVAR",
    "httpſ://exempel.se ansvar",
    "punkt tjugo tjugoett ordet i gemener, så att mellanslagsregeln avgör om de räknas",
]


def _frame(notes, seed=0):
    rng = random.Random(seed)
    return pd.DataFrame({
        "person_id": [rng.choice(["P1", "P2", "P3", "P4", "P5", None]) for _ in notes],
        "kon": [rng.choice(["kvinna", "man", "man", "kvinna", "okänt"]) for _ in notes],
        "anteckning": notes,
    })


def _random_notes(n, seed):
    """Notes put together from tricky pieces, so that capitals, sentence ends and spaces meet in
    many combinations."""
    rng = random.Random(seed)
    words = ["ansvar", "Ansvar", "omsorg", "mamma", "Mamma", "pappa", "barn", "Barn", "Åsa",
             "åsa", "öl", "ÖL", "x", "X", "a1", "12", "ex-man", "o'boy", "Lisa", "lisa", "stöd",
             "İz", "ΣΑΣ", "σας", "straße", "hem", "Hem", "möte", "MÖTE", "²", "e-post"]
    seps = [" ", "  ", ". ", "! ", "? ", ", ", ": ", "; ", "\n", " – ", " (", ") ", " \"", "\" ",
            "…", " • ", "-", "_", " " * 19, " " * 21, ".\t", " kalle@x.se ", " www.a.se "]
    notes = []
    for _ in range(n):
        k = rng.randint(0, 12)
        parts = [rng.choice(seps) if rng.random() < 0.3 else ""]
        for _ in range(k):
            parts += [rng.choice(words), rng.choice(seps)]
        notes.append("".join(parts) if rng.random() > 0.05 else None)
    return notes


@pytest.mark.parametrize("notes,exclude,with_notes", [
    (MESSY, (), True),
    (MESSY, ("storgatan", "MAMMA"), False),
    (_random_notes(400, 1), ("hem",), True),
    (_random_notes(400, 2), (), False),
])
def test_count_words_matches_the_python_tokeniser(notes, exclude, with_notes):
    data = _frame(notes)
    got = text.count_words(data, levels=LEVELS, exclude=exclude, notes=with_notes)
    table, totals, n_notes, excl = reference_count(data, levels=LEVELS, exclude=exclude,
                                                   with_notes=with_notes)
    assert len(table) > 5
    pd.testing.assert_frame_equal(got.counts, table)
    pd.testing.assert_frame_equal(got.excluded, excl)
    assert got.totals == totals and got.n_notes == n_notes


def test_count_words_on_arrow_strings_and_an_index_of_its_own():
    data = _frame(MESSY * 3, seed=5).astype({"anteckning": "string[pyarrow]",
                                            "person_id": "string[pyarrow]"})
    data.index = np.arange(len(data))[::-1] * 7
    got = text.count_words(data, levels=LEVELS, min_length=3)
    table, *_ = reference_count(data, levels=LEVELS, min_length=3)
    pd.testing.assert_frame_equal(got.counts, table)


def test_count_words_without_any_words():
    data = _frame(["", None, "12 34", "  "])
    got = text.count_words(data, levels=LEVELS)
    table, totals, n_notes, excl = reference_count(data, levels=LEVELS)
    assert got.counts.empty and list(got.counts.columns) == list(table.columns)
    pd.testing.assert_frame_equal(got.excluded, excl)
    assert got.totals == totals and got.n_notes == n_notes


@pytest.mark.parametrize("notes", [MESSY, _random_notes(300, 3)])
def test_contains_stem_matches_the_python_tokeniser(notes):
    data = _frame(notes)
    data.index = data.index + 100
    stems = ["ansvar", "Omsorg", "föräldraförmåg", "i̇"]
    got = text.contains_stem(data, stems)
    assert list(got.index) == list(data.index)
    assert got.tolist() == reference_stem(data, stems)
    assert got.sum() > 0 and got.dtype == np.dtype(int)


def test_a_missing_note_has_no_tokens():
    assert text.tokenize(pd.NA) == [] and text.tokenize(None) == []
    assert text.tokenize(float("nan")) == []


@pytest.mark.parametrize("seed", [4, 5])
def test_count_words_by_a_column_counts_each_part_as_its_own_notes(seed):
    # each part as count_words on its notes alone (the rules on the part's own tokens: a word
    # a name in one part only, a person in two parts); missing values belong to no part
    rng = random.Random(seed)
    data = _frame(_random_notes(500, seed) + MESSY, seed=seed)
    data["roll"] = [rng.choice(["foralder", "klient", "klient", None]) for _ in range(len(data))]
    data.loc[data.index[:3], "roll"] = "ensam"  # a part of three notes
    data.loc[data.index[3:5], ["roll", "anteckning"]] = ["tom", "… — !"]  # notes without words
    exclude = ("omsorg", "stöd")  # never capitalised: left out by the list
    got = text.count_words(data, levels=LEVELS, exclude=exclude, notes=True, by="roll")
    table, totals, n_notes, excl = reference_count(data, levels=LEVELS, exclude=exclude,
                                                   with_notes=True)
    pd.testing.assert_frame_equal(got.counts, table)  # the whole, as without by
    pd.testing.assert_frame_equal(got.excluded, excl)
    assert got.totals == totals and got.n_notes == n_notes
    assert set(got.parts) == {"foralder", "klient", "ensam", "tom"}
    assert got.part("tom").n_notes == {lvl: int((data.loc[data.index[3:5], "kon"] == lvl).sum())
                                       for lvl in LEVELS} and got.part("tom").counts.empty
    assert got.excluded.set_index("rule").loc[text.RULE_LIST, "types"] == 2
    for value in ("foralder", "klient", "ensam", "tom"):
        part = data[data["roll"] == value]
        ptable, ptotals, pn, pexcl = reference_count(part, levels=LEVELS, exclude=exclude,
                                                     with_notes=True)
        got_part = got.part(value)
        pd.testing.assert_frame_equal(got_part.counts, ptable)
        pd.testing.assert_frame_equal(got_part.excluded, pexcl)
        assert got_part.totals == ptotals and got_part.n_notes == pn
        alone = text.count_words(part, levels=LEVELS, exclude=exclude, notes=True)
        pd.testing.assert_frame_equal(got_part.counts, alone.counts)
        pd.testing.assert_frame_equal(got_part.excluded, alone.excluded)
    # the parts differ from the whole, and rules differ between parts
    assert not got.part("ensam").counts.equals(got.counts)
    # a value no note has: the counts of no notes
    none = got.part("ingen")
    alone = text.count_words(data.iloc[:0], levels=LEVELS, exclude=exclude, notes=True)
    pd.testing.assert_frame_equal(none.counts, alone.counts)
    pd.testing.assert_frame_equal(none.excluded, alone.excluded)
    assert none.totals == alone.totals and none.n_notes == alone.n_notes == {"kvinna": 0, "man": 0}
    with pytest.raises(KeyError):
        text.count_words(data, levels=LEVELS).part("foralder")
    with pytest.raises(ValueError, match="cannot count by"):
        text.count_words(data.rename(columns={"roll": "Word"}), levels=LEVELS, by="Word")


@pytest.mark.parametrize("seed", [6, 7])
def test_words_and_stems_in_one_pass_are_the_two_functions_results(seed):
    # notes of a sex outside the levels have stems but no counted words; a part by role; stem
    # counts by columns named as the words' own columns of the engine's table (n, persons, word
    # is refused as the tokeniser's), by a column with missing values, and per note
    rng = random.Random(seed)
    data = _frame(_random_notes(400, seed) + MESSY, seed=seed)
    data["roll"] = [rng.choice(["foralder", "klient", None]) for _ in range(len(data))]
    data["n"] = [rng.choice([1, 2]) for _ in range(len(data))]
    data["persons"] = [rng.choice(["a", "b", None]) for _ in range(len(data))]
    data.index = data.index * 3 + 7
    assert (~data["kon"].isin(LEVELS)).sum() > 20
    stems = ["ansvar", "Omsorg", "föräldraförmåg", "i̇", "mamm"]
    options = dict(levels=LEVELS, exclude=("Omsorg", "stöd"), notes=True, by="roll")
    for stems_by in (None, "kon", ["roll", "n", "persons"], ["kon", "roll"]):
        words, flags = text.count_words_and_stems(data, stems, stems_by=stems_by, name="f",
                                                  weight="antal", **options)
        alone = text.count_words(data, **options)
        pd.testing.assert_frame_equal(words.counts, alone.counts)
        pd.testing.assert_frame_equal(words.excluded, alone.excluded)
        assert words.totals == alone.totals and words.n_notes == alone.n_notes
        assert set(words.parts) == set(alone.parts) == {"foralder", "klient"}
        for value in words.parts:
            pd.testing.assert_frame_equal(words.part(value).counts, alone.part(value).counts)
            assert words.part(value).n_notes == alone.part(value).n_notes
        assert words.excluded.set_index("rule").loc[text.RULE_LIST, "types"] == 2
        expected = text.contains_stem(data, stems, by=stems_by, name="f", weight="antal")
        if stems_by is None:
            pd.testing.assert_series_equal(flags, expected)
            assert flags.tolist() == reference_stem(data, stems)
        else:
            pd.testing.assert_frame_equal(flags, expected)
            assert flags["antal"].sum() == len(data) and flags["f"].sum() > 0
    with pytest.raises(ValueError, match="cannot count by"):
        text.count_words_and_stems(data.rename(columns={"roll": "word"}), stems,
                                   levels=LEVELS, stems_by="word")



def _engine_tables(prefix: str) -> int:
    from jamtools.data import engine

    return engine.shared().sql("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE "
                               f"'{prefix}%'").fetchall()[0][0]


@pytest.mark.parametrize("values", [
    [__import__("datetime").date(2024, 1, d) for d in (1, 2, 3)],
    list(pd.period_range("2024-01", periods=3, freq="M")),
    ["foralder", 1, None],
    [("a", 1), ("b", 2), None],
    [True, False, None],
])
def test_a_part_is_found_by_its_value_as_it_is_in_the_frame(values):
    # values the engine would give back as another type (a date as a timestamp, a period as an
    # integer) or could not hold (a mix of types, tuples): the parts are keyed by the frame's own
    rng = random.Random(8)
    data = _frame(_random_notes(200, 8), seed=8)
    data["del"] = pd.Series([rng.choice(values) for _ in range(len(data))], dtype=object)
    got = text.count_words(data, levels=LEVELS, by="del")
    wanted = {v for v in values if v is not None}
    assert set(got.parts) == wanted
    for value in wanted:
        alone = text.count_words(data[data["del"].map(lambda v, w=value: v is not None and v == w)],
                                 levels=LEVELS)
        pd.testing.assert_frame_equal(got.part(value).counts, alone.counts)
        assert got.part(value).n_notes == alone.n_notes


def test_words_and_stems_by_names_that_differ_in_case_and_refusals():
    data = _frame(_random_notes(200, 9), seed=9)
    rng = random.Random(9)
    data["Roll"] = [rng.choice(["foralder", "klient"]) for _ in range(len(data))]
    data["roll"] = [rng.choice(["x", "y", None]) for _ in range(len(data))]
    words, flags = text.count_words_and_stems(data, ["ansvar"], levels=LEVELS, by="Roll",
                                              stems_by="roll")
    pd.testing.assert_frame_equal(words.part("klient").counts, text.count_words(
        data[data["Roll"] == "klient"], levels=LEVELS).counts)
    pd.testing.assert_frame_equal(flags, text.contains_stem(data, ["ansvar"], by="roll"))
    assert _engine_tables("jt_words_stems") == 0  # the engine's table of both is dropped
    for bad in ({"by": "__x"}, {"by": "lvl"}, {"stems_by": "n"}, {"stems_by": ["kon", "has_stem"]},
                {"stems_by": "antal", "weight": "antal"}):
        with pytest.raises(ValueError, match="cannot count by"):
            text.count_words_and_stems(data.assign(__x=1, lvl=1, n=1, has_stem=1, antal=1),
                                       ["ansvar"], levels=LEVELS, **bad)
    with pytest.raises(ValueError, match="cannot count by"):
        text.contains_stem(data.assign(n=1), ["ansvar"], by=["kon", "n"])


def test_notes_of_a_group_outside_the_levels_are_the_same_notes_in_both():
    # levels with a missing value: which notes are of the levels is decided as count_words
    # decides it (isin), in the pass that keeps every note for the stems as well
    data = _frame(_random_notes(150, 10), seed=10)
    data["kon"] = [v if i % 7 else None for i, v in enumerate(data["kon"])]
    levels = (None, "kvinna")
    words, _ = text.count_words_and_stems(data, ["ansvar"], levels=levels)
    alone = text.count_words(data, levels=levels)
    pd.testing.assert_frame_equal(words.counts, alone.counts)
    assert words.n_notes == alone.n_notes
