"""The Umeå chapters' selection of rows (jamtools.present.text.select_notes, jamtools.present.text.parent_notes,
jamtools.present.control_charts.select_indicator) on loaded tables with and without the optional
columns."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.present import control_charts

from jamtools.present import text
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
    res = _loaded("um_anteckningar", NOTES)
    assert text.select_notes(res) == ""
    assert list(res.data["person_id"]) == ["a", "d", "e"]
    assert res.excluded_by_reason()[text.REASON_NO_TEXT] == 2


def test_a_role_is_chosen_when_the_table_has_roles():
    res = _loaded("um_anteckningar", NOTES)
    assert text.select_notes(res, "foralder") == ""
    assert list(res.data["person_id"]) == ["a", "d", "e"]
    res = _loaded("um_anteckningar", NOTES)
    text.select_notes(res, "klient")
    assert res.data.empty and res.excluded_by_reason()["Annan roll än klient"] == 3


def test_without_roles_every_note_is_kept_and_the_sentence_says_so():
    res = _loaded("um_anteckningar", NOTES.drop(columns="roll"))
    sentence = text.select_notes(res, "foralder")
    assert "kunde inte väljas" in sentence and "förälder" in sentence
    assert len(res.data) == 3
    # The sentence never holds a note's text.
    assert not any(str(n) in sentence for n in NOTES["anteckning"].dropna() if str(n).strip())


def test_parent_notes_need_roles():
    assert list(text.parent_notes(NOTES)["person_id"]) == ["a", "d", "e"]
    assert text.parent_notes(NOTES.drop(columns="roll")) is None
    assert text.parent_notes(NOTES.assign(roll=pd.NA)) is None


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
    res = _loaded("um_indikatorer", frame)
    control_charts.select_indicator(res, "uppfoljning_i_tid")
    assert list(res.data["taljare"]) == [5, 6]
    assert res.excluded_by_reason().get("Annan indikator", 0) == (2 if with_column else 0)


def test_indicator_text():
    assert control_charts.indicator_text("uppfoljning_i_tid") == "andelen ärenden som följdes upp i tid"
    assert control_charts.indicator_text("egen_indikator") == "egen indikator"
