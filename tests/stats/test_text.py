"""Words in free-text notes: the tokeniser, the privacy rules and the weighted log-odds ratio with
an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008) checked by hand on a two-word
corpus (jamtools.stats.text); the threshold rule (jamtools.disclosure.text); and what a reader
sees of the words (jamtools.present.text), with the one verdict rule."""
from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pytest

from jamtools import disclosure
from jamtools.disclosure import text as disclose_text
from jamtools.present import text as show
from jamtools.stats import text

# --- Monroe et al. on a two-word toy corpus -----------------------------------------------------

# Group a: word x 3 times, word y once (n_a = 4); group b: x once, y 3 times (n_b = 4).

Y_A = pd.Series({"x": 3, "y": 1})
Y_B = pd.Series({"x": 1, "y": 3})


def test_log_odds_with_a_flat_prior_of_one_by_hand():
    # alpha = (1, 1), alpha_0 = 2:
    # delta_x = log((3+1)/(4+2-3-1)) - log((1+1)/(4+2-1-1)) = log(4/2) - log(2/4) = 2 log 2
    # var_x = 1/(3+1) + 1/(1+1) = 0.75
    out = text.log_odds_dirichlet(Y_A, Y_B, prior=pd.Series({"x": 1.0, "y": 1.0}))
    assert out.loc["x", "delta"] == pytest.approx(2 * math.log(2))
    assert out.loc["x", "se"] == pytest.approx(math.sqrt(0.75))
    assert out.loc["x", "z"] == pytest.approx(2 * math.log(2) / math.sqrt(0.75))  # 1.600755
    assert out.loc["x", "z"] == pytest.approx(1.600755, abs=1e-6)
    # symmetric corpus: y is as distinctive for b as x is for a
    assert out.loc["y", "delta"] == pytest.approx(-out.loc["x", "delta"])
    assert out.loc["x", "ci_low"] == pytest.approx(2 * math.log(2) - 1.959964 * math.sqrt(0.75),
                                                   abs=1e-5)


def test_log_odds_default_prior_is_the_corpus_counts():
    # alpha = (4, 4), alpha_0 = 8:
    # delta_x = log(7/5) - log(5/7) = 2 log 1.4; var_x = 1/7 + 1/5
    out = text.log_odds_dirichlet(Y_A, Y_B)
    assert out.loc["x", "delta"] == pytest.approx(2 * math.log(1.4))
    assert out.loc["x", "z"] == pytest.approx(2 * math.log(1.4) / math.sqrt(1 / 7 + 1 / 5))
    assert out.loc["x", "alpha"] == 4


def test_prior_strength_rescales_the_prior():
    # corpus counts (4, 4) rescaled to alpha_0 = 2 is the flat prior of one
    rescaled = text.log_odds_dirichlet(Y_A, Y_B, prior_strength=2)
    flat = text.log_odds_dirichlet(Y_A, Y_B, prior=pd.Series({"x": 1.0, "y": 1.0}))
    pd.testing.assert_series_equal(rescaled["delta"], flat["delta"])


def test_a_stronger_prior_shrinks_towards_no_difference():
    weak = text.log_odds_dirichlet(Y_A, Y_B, prior_strength=0.5)
    strong = text.log_odds_dirichlet(Y_A, Y_B, prior_strength=100)
    assert abs(strong.loc["x", "delta"]) < abs(weak.loc["x", "delta"])


def test_prior_must_be_positive():
    with pytest.raises(ValueError):
        text.log_odds_dirichlet(Y_A, Y_B, prior=pd.Series({"x": 0.0, "y": 1.0}))


# --- Tokens ----------------------------------------------------------------------------------

def test_tokenize_marks_capitals_sentence_starts_and_digits():
    toks = text.tokenize("Mamma ringde. Hon har 2 barn och bor hos Anna.")
    words = [t.word for t in toks]
    assert words == ["mamma", "ringde", "hon", "har", "2", "barn", "och", "bor", "hos", "anna"]
    by = {t.word: t for t in toks}
    assert by["mamma"].sentence_start and by["hon"].sentence_start
    assert by["anna"].capitalised and not by["anna"].sentence_start
    assert by["2"].has_digit and not by["barn"].has_digit


def test_tokenize_removes_email_and_web_addresses():
    words = [t.word for t in text.tokenize("Mejl till kalle.kula@exempel.se och www.exempel.se/x i dag")]
    assert words == ["mejl", "till", "och", "i", "dag"]


# --- The privacy rules -----------------------------------------------------------------------

def _notes(rows):
    return pd.DataFrame(rows, columns=["person_id", "kon", "anteckning"])


def test_a_street_name_in_lower_case_is_never_counted_however_many_persons():
    """A household's address written in lower case in the notes about each of its members is
    about several persons: the threshold alone would show it (pum38: 'björkvägen' stood in
    um_01's word table). A word ending like a street name is left out by its own rule, in the
    exclusion table's counts; the bare ending ('vägen') is an ordinary word."""
    notes = _notes([
        (f"P{i}", "kvinna" if i % 2 else "man",
         "familjen bor på björkvägen, samtal om vägen till skolan och storgatan")
        for i in range(12)])
    counts = text.count_words(notes, levels=("kvinna", "man"))
    kept = set(counts.counts["word"])
    assert "björkvägen" not in kept and "storgatan" not in kept
    assert {"vägen", "samtal", "familjen"} <= kept
    rules = counts.excluded.set_index("rule")
    assert rules.loc[text.RULE_ADDRESS, "types"] == 2
    assert rules.loc[text.RULE_ADDRESS, "tokens"] == 24


def test_count_words_drops_digits_names_listed_words_and_single_letters():
    notes = _notes([
        ("P1", "kvinna", "Samtal med Lisa om lgh1204 och ansvar."),
        ("P2", "kvinna", "Bertilsson ringde om ansvar i hemmet."),
        ("P3", "man", "Samtal om arbete. Pelle kom x gånger."),
        ("P4", "man", "samtal om arbete med pelle och Pelle."),
    ])
    counts = text.count_words(notes, exclude=["hemmet"], levels=("kvinna", "man"))
    kept = set(counts.counts["word"])
    assert {"samtal", "ansvar", "arbete", "ringde"} <= kept
    assert "lisa" not in kept          # capital mid-sentence
    assert "bertilsson" not in kept    # only ever at a sentence start, never in lower case
    assert "pelle" not in kept         # capital mid-sentence once is enough, lower case or not
    assert "lgh1204" not in kept       # digits
    assert "hemmet" not in kept        # on the exclusion list
    assert "x" not in kept and "i" not in kept  # single letters
    rules = counts.excluded.set_index("rule")["types"]
    assert rules[text.RULE_DIGITS] == 1 and rules[text.RULE_NAME] == 3
    assert rules[text.RULE_LIST] == 1 and rules[text.RULE_SHORT] == 2
    # 'samtal' is counted at the start of a sentence too: it also occurs in lower case
    row = counts.counts.set_index("word").loc["samtal"]
    assert (row["count_kvinna"], row["count_man"], row["persons_man"]) == (1, 2, 2)
    # names and digits are not in the totals either
    assert counts.totals["kvinna"] == int(counts.counts["count_kvinna"].sum())


def _words(rows):
    """A word table as distinctive_words returns it, for the threshold rule."""
    frame = pd.DataFrame(rows, columns=["word", "count_kvinna", "persons_kvinna", "count_man",
                                        "persons_man"])
    frame["persons_all"] = frame["persons_kvinna"] + frame["persons_man"]
    for col in ("notes_kvinna", "notes_man"):
        frame[col] = 0
    for col in ("delta", "se", "z", "ci_low", "ci_high", "p_value", "rate_kvinna", "rate_man"):
        frame[col] = 0.0
    frame["total_kvinna"], frame["total_man"], frame["conf_level"] = 1000, 1000, 0.95
    frame.attrs["levels"] = ("kvinna", "man")
    return frame


def test_threshold_rule_per_sex_persons_and_times():
    words = _words([
        ("ok", 20, 10, 15, 8),          # shown
        ("only_women", 30, 12, 0, 0),   # zero for men is shown
        ("few_people", 40, 4, 0, 0),    # used often, but about 4 women only
        ("one_man", 30, 12, 6, 1),      # 6 times about a single man: hidden altogether
        ("few_times", 4, 4, 9, 6),      # 4 times about women
        ("five", 5, 5, 0, 0),           # exactly at the threshold: shown
    ])
    out = disclose_text.disclose_words(words, threshold=5)
    assert set(out["word"]) == {"ok", "only_women", "five"}
    assert disclosure.is_disclosed(out)
    assert not any(c.startswith(("persons_", "notes_")) for c in out.columns)
    assert out.attrs["hidden_words"] == 3 and out.attrs["shown_words"] == 3


def test_contains_stem_matches_word_beginnings():
    notes = pd.DataFrame({"anteckning": ["Hon ansvarar för barnen", "Omsorgen brister",
                                         "Pappa tog ledigt", "oansvarigt beteende", None]})
    flags = text.contains_stem(notes, ["ansvar", "omsorg"])
    assert list(flags) == [1, 1, 0, 0, 0]


def test_contains_stem_refuses_to_count_by_a_name_the_tokeniser_uses():
    """A column named as one of the tokens' own (``word``, ``pos`` ...) would be mixed up with
    it in the engine's query: refused with the names, instead of a wrong count."""
    notes = pd.DataFrame({"anteckning": ["Hon ansvarar", "Omsorgen brister"], "word": ["a", "b"],
                          "kon": ["kvinna", "man"]})
    with pytest.raises(ValueError, match="word"):
        text.contains_stem(notes, ["ansvar"], by=["kon", "word"])
    with pytest.raises(ValueError, match="Pos"):  # the engine's names are not case-sensitive
        text.contains_stem(notes.rename(columns={"word": "Pos"}), ["ansvar"], by=["kon", "Pos"])
    counted = text.contains_stem(notes, ["ansvar"], by="kon", name="f", weight="antal")
    assert counted[["kon", "f", "antal"]].values.tolist() == [["kvinna", 1, 1], ["man", 0, 1]]


def test_the_engine_patterns_are_those_of_a_plain_loop_over_every_code_point():
    """The tokeniser's RE2 classes are built with arrays (a loop over the 1.1 million code
    points took most of a second in every kernel that counts words): they are exactly those a
    plain loop over every character builds, with Python's own per-character tests and DuckDB's
    lower case."""
    import re

    from jamtools.data import engine

    def plain_class(chars, negate=False):
        points, parts, i = sorted({ord(c) for c in chars}), [], 0
        while i < len(points):
            j = i
            while j + 1 < len(points) and points[j + 1] == points[j] + 1:
                j += 1
            a, b = points[i], points[j]
            parts.append(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}")
            i = j + 1
        return ("[^" if negate else "[") + "".join(parts) + "]"

    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    alnum = [c for c in every if re.fullmatch(r"[^\W_]", c)]
    chars = alnum + list("-'’")
    con = engine.connect()
    con.register("chars", pa.table({"c": chars}))
    duck = con.sql("SELECT lower(c) FROM chars").fetchnumpy()
    duck = duck[next(iter(duck))].tolist()
    con.close()
    unsafe = {c for c, d in zip(chars, duck) if c.lower() != d or len(d) != 1
              or c.isupper() != (d != c) or c.isdigit() != d.isdigit()} | {"\u03a3"}
    got = text._patterns()
    assert got["token"].startswith(plain_class(alnum) + "+")
    assert got["piece"].startswith(plain_class(alnum, negate=True) + "*")
    assert got["unsafe"] == plain_class(unsafe)
    assert got["digit"] == plain_class(c for c in every if c.isdigit())
    assert got["address"].startswith("(?i)" + plain_class(
        [c for c in every if re.fullmatch(r"\s", c)], negate=True))
    for x in ["", "a", "ba", "aab", "ac", "abcå", "zyx\U0001F600"]:
        assert text._class(x) == plain_class(x) and text._class(x, negate=True) == plain_class(x, True)


def test_distinctive_words_end_to_end_on_a_small_corpus():
    rows = []
    for i in range(12):
        rows.append((f"K{i}", "kvinna", "samtal om omsorg och barnet"))
        rows.append((f"M{i}", "man", "samtal om arbete och barnet"))
    counts = text.count_words(_notes(rows), levels=("kvinna", "man"))
    words = text.distinctive_words(counts)
    shown = disclose_text.disclose_words(words, threshold=5)
    top = show.top_words(shown, 1)
    assert list(top["word"]) == ["omsorg", "arbete"]
    assert list(top["side"]) == ["kvinna", "man"]
    comps = show.word_comparisons(top)
    assert list(comps["measure"].unique()) == ["log_odds_ratio_dirichlet"]
    assert comps.loc[0, "events_a"] == 12 and comps.loc[0, "events_b"] == 0


def test_a_word_is_clear_when_its_interval_excludes_zero():
    """The one verdict rule (present.sentences.direction) decides which words the table, the
    figure and the sentences call clear: at 95 % that is |z| ≥ 1.96."""
    rows = []
    for i in range(12):  # 'stöd' in 7 notes about women and 5 about men: no clear difference
        rows.append((f"K{i}", "kvinna", "samtal om omsorg och barnet" + (" stöd" if i < 7 else "")))
        rows.append((f"M{i}", "man", "samtal om arbete och barnet" + (" stöd" if i < 5 else "")))
    counts = text.count_words(_notes(rows), levels=("kvinna", "man"))
    top = show.top_words(disclose_text.disclose_words(text.distinctive_words(counts),
                                                      threshold=5), 5)
    clear = show.clear(top)
    assert list(clear) == list(top["z"].abs() >= 1.96)
    assert set(top.loc[clear, "word"]) == {"omsorg", "arbete"}
    table = show.word_table(top).frame.set_index("Ord")
    assert table.loc["omsorg", "Används mer om"] == "kvinnor"
    assert table.loc["arbete", "Används mer om"] == "män"
    assert (table.drop(index=["omsorg", "arbete"])["Används mer om"]
            == "ingen tydlig skillnad").all()
    alt = show.words_alt(top)
    assert "mer om kvinnor: omsorg (z +" in alt and "mer om män: arbete (z −" in alt
    assert "ingen tydlig skillnad: " in alt
    # a wider interval (99 %) makes fewer words clear, through the same rule
    wide = show.top_words(disclose_text.disclose_words(
        text.distinctive_words(counts, conf_level=0.99), threshold=5), 5)
    assert list(show.clear(wide)) == list(wide["z"].abs() >= 2.5758293035489)


def test_words_alt_without_words():
    empty = show.top_words(disclose_text.disclose_words(_words([("few", 1, 1, 0, 0)]),
                                                        threshold=5), 5)
    assert show.words_alt(empty) == "Inga ord att visa i urvalet."
