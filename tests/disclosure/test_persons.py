"""binary_outcome counts persons, not only units, when a person can have several units.

um_01 shows the share of notes with a word about responsibility or care: "7 notes with the
word" passed the threshold on notes, though the seven were one woman's notes, so the page told
a reader about one person's case notes. With ``persons`` a count with or without the outcome
that rests on fewer than ``threshold`` different persons is hidden, and protected, as a small
one."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.disclosure import analyses


def _notes() -> pd.DataFrame:
    """Women: one person's 7 notes with the word, 20 notes without it about 10 persons; men:
    10 notes with it about 10 persons and 20 without about 10 others. By notes every count
    passes the threshold 5."""
    rows = ([("kvinna", "k0", 1)] * 7 + [("kvinna", f"k{i % 10 + 1}", 0) for i in range(20)]
            + [("man", f"m{i}", 1) for i in range(10)]
            + [("man", f"m{i % 10 + 10}", 0) for i in range(20)])
    frame = pd.DataFrame(rows, columns=["kon", "person_id", "ord"])
    frame["roll"] = ["klient" if i % 2 else "foralder" for i in range(len(frame))]
    return frame


def test_a_count_of_notes_about_one_person_is_hidden():
    notes = _notes()
    shares = analyses.binary_outcome(notes, "ord", levels=("kvinna", "man"), threshold=5,
                                     persons="person_id").shares.set_index("kon")
    assert bool(shares.loc["kvinna", "suppressed"])
    assert shares.loc["kvinna", ["n", "events", "share", "ci_low", "ci_high"]].isna().all()
    assert shares.loc["kvinna", "suppression_reason"] == disclosure.REASON_HIDDEN
    # the page shows the sexes' total: the men's row would give the women's back
    assert bool(shares.loc["man", "suppressed"])
    # the person counts are used, never shown
    assert not {disclosure.PERSONS_EVENTS, disclosure.PERSONS_OTHERS} & set(shares.columns)
    # by notes alone both rows were shown (the rule this test is about)
    by_notes = analyses.binary_outcome(notes, "ord", levels=("kvinna", "man"),
                                       threshold=5).shares
    assert not by_notes["suppressed"].any()


def test_enough_persons_leave_the_row_shown():
    notes = _notes()
    notes.loc[notes["person_id"] == "k0", "person_id"] = [f"x{i}" for i in range(7)]
    result = analyses.binary_outcome(notes, "ord", levels=("kvinna", "man"), threshold=5,
                                     persons="person_id")
    assert not result.shares["suppressed"].any()
    assert result.shares.set_index("kon").loc["kvinna", "events"] == 7
    assert not result.comparisons["suppressed"].any()


def test_by_category_and_on_a_cell_table_with_a_person_column():
    # the notes as cells (one row per sex, role, person and flag, with the number of notes):
    # the distinct persons are counted from the cells as from the rows
    notes = _notes()
    cells = notes.groupby(["kon", "roll", "person_id", "ord"]).size().rename("n").reset_index()
    a = analyses.binary_outcome(notes, "ord", levels=("kvinna", "man"), by="roll", threshold=5,
                                persons="person_id")
    b = analyses.binary_outcome(cells, "ord", levels=("kvinna", "man"), by="roll", threshold=5,
                                persons="person_id", weight="n")
    pd.testing.assert_frame_equal(a.by_shares, b.by_shares, check_dtype=False)
    women = a.by_shares[a.by_shares["kon"] == "kvinna"]
    assert women["suppressed"].all()
    # the comparison rests on the hidden rows: hidden too
    assert a.comparisons["suppressed"].all()


def test_a_person_column_the_data_lack_is_refused():
    with pytest.raises(ValueError, match="person"):
        analyses.binary_outcome(_notes().drop(columns="person_id"), "ord",
                                levels=("kvinna", "man"), persons="person_id")


def test_a_missing_category_and_a_missing_person_are_counted_on_the_safe_side():
    # one woman's 6 notes with the word have no role: the row of the missing role is matched to
    # her (one person) and hidden; the men's notes without a person id are one person
    from jamtools import stats

    notes = pd.DataFrame({
        "kon": ["kvinna"] * 12 + ["man"] * 12,
        "roll": [None] * 6 + ["klient"] * 6 + [None] * 6 + ["klient"] * 6,
        "person_id": ["a"] * 6 + [f"b{i}" for i in range(6)] + [f"c{i}" for i in range(6)]
                     + [None] * 6,
        "ord": ([1] * 6 + [0] * 6) * 2})
    shares = stats.share_by_group(stats.collapse(notes, "ord", ["kon", "roll"]), "kon",
                                  by=["roll"])
    persons = analyses._with_persons(shares, notes, "ord", "person_id", ["kon", "roll"])
    missing = persons[persons["roll"].isna()].set_index("kon")
    assert missing.loc["kvinna", disclosure.PERSONS_EVENTS] == 1
    assert missing.loc["man", disclosure.PERSONS_EVENTS] == 6
    klient = persons[persons["roll"] == "klient"].set_index("kon")
    assert klient.loc["man", disclosure.PERSONS_OTHERS] == 1  # six notes without an id
    assert klient.loc["kvinna", disclosure.PERSONS_OTHERS] == 6
    # a row whose persons cannot be matched (a key the rows do not have) is one person's
    odd = pd.concat([shares, shares.iloc[[0]].assign(roll="foralder")], ignore_index=True)
    unmatched = analyses._with_persons(odd, notes, "ord", "person_id", ["kon", "roll"]).iloc[-1]
    assert unmatched[disclosure.PERSONS_OTHERS] == 1 and unmatched[disclosure.PERSONS_EVENTS] == 0
    by = analyses.binary_outcome(notes, "ord", levels=("kvinna", "man"), by="roll", threshold=3,
                                 persons="person_id").by_shares
    assert by["suppressed"].all()
