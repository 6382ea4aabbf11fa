"""The Umeå chapters' selection of rows (jamtools.chapters.um: select_notes, parent_notes,
select_indicator) on loaded tables with and without the optional columns. Each returns a new
LoadResult and leaves the loaded one unchanged."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.chapters import um
from jamtools.data.load import LoadResult
from jamtools.data.model import TABLES


def _loaded(table, frame):
    res = LoadResult(table=TABLES[table], data=frame.copy(), source="test.csv")
    res._record("Inlästa rader (test.csv)", res.data, "inlästa")
    return res


NOTES = pd.DataFrame({
    "kon": ["kvinna", "man", "kvinna", "man", "kvinna"],
    "person_id": ["a", "b", "c", "d", "e"],
    "roll": ["foralder", "klient", "klient", "foralder", "foralder"],
    "anteckning": ["ansvar för barnen", "  ", None, "arbete och ekonomi", "omsorg"],
})


def test_notes_without_text_are_left_out_and_counted():
    loaded = _loaded("um_anteckningar", NOTES)
    res, sentence = um.select_notes(loaded)
    assert sentence == ""
    assert list(res.data["person_id"]) == ["a", "d", "e"]
    assert res.excluded_by_reason()[um.REASON_NO_TEXT] == 2
    # The loaded table is left as it was.
    assert len(loaded.data) == 5 and um.REASON_NO_TEXT not in loaded.excluded_by_reason()


def test_a_role_is_chosen_when_the_table_has_roles():
    res, sentence = um.select_notes(_loaded("um_anteckningar", NOTES), "foralder")
    assert sentence == ""
    assert list(res.data["person_id"]) == ["a", "d", "e"]
    res, _ = um.select_notes(_loaded("um_anteckningar", NOTES), "klient")
    assert res.data.empty and res.excluded_by_reason()["Annan roll än klient"] == 3


def test_without_roles_every_note_is_kept_and_the_sentence_says_so():
    res, sentence = um.select_notes(_loaded("um_anteckningar", NOTES.drop(columns="roll")),
                                    "foralder")
    assert "kunde inte väljas" in sentence and "förälder" in sentence
    assert len(res.data) == 3
    # The sentence never holds a note's text.
    assert not any(str(n) in sentence for n in NOTES["anteckning"].dropna() if str(n).strip())


def test_parent_notes_need_roles():
    assert list(um.parent_notes(NOTES)["person_id"]) == ["a", "d", "e"]
    assert um.parent_notes(NOTES.drop(columns="roll")) is None
    assert um.parent_notes(NOTES.assign(roll=pd.NA)) is None


INDICATORS = pd.DataFrame({
    "manad": pd.to_datetime(["2024-01-01"] * 4),
    "indikator": ["uppfoljning_i_tid", "uppfoljning_i_tid", "genomforandeplan_finns",
                  "genomforandeplan_finns"],
    "kon": ["kvinna", "man", "kvinna", "man"],
    "taljare": [5, 6, 7, 8], "namnare": [10, 10, 10, 10],
})


@pytest.mark.parametrize("with_column", [True, False])
def test_select_indicator(with_column):
    frame = INDICATORS if with_column else INDICATORS.drop(columns="indikator").iloc[:2]
    loaded = _loaded("um_indikatorer", frame)
    res = um.select_indicator(loaded, "uppfoljning_i_tid")
    assert list(res.data["taljare"]) == [5, 6]
    assert res.excluded_by_reason().get("Annan indikator", 0) == (2 if with_column else 0)
    assert len(loaded.data) == len(frame)  # the loaded table is left as it was


def test_indicator_text():
    assert um.indicator_text("uppfoljning_i_tid") == "andelen ärenden som följdes upp i tid"
    assert um.indicator_text("egen_indikator") == "egen indikator"
