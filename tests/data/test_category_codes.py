"""Category codes as analysts write them: a probe's "Kvinnor", "Alla" and "Unga" (ru_01's target
groups) and "Piano", "Gitarr" (ks_01) were every one an unknown code, and the column stopped as
"mostly invalid", while sex codes are read whatever their case. And an instrument the model does
not list ("Saxofon") was left out as an unknown code."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data.check import check_table, code_key
from jamtools.data.model import TABLES


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_code_of_the_model_is_its_own_key(table):
    for col in TABLES[table].columns:
        for code in col.allowed or ():
            assert code_key(code) == code, (table, col.name, code)


def test_codes_are_read_whatever_their_case_accents_and_spaces():
    raw = pd.DataFrame({"utredning_id": [f"U{i}" for i in range(6)], "kon": ["flicka"] * 6,
                        "startdatum": ["2024-01-02"] * 6,
                        "anmalare": ["Hälso- och sjukvård", "POLIS", " skola ", "Förskola", "Socialtjänsten",
                                     "grannen"]})
    checked = check_table(raw, TABLES["bof_utredningar"], source="t.csv")
    assert checked.data["anmalare"].tolist()[:5] == ["halso_och_sjukvard", "polis", "skola", "forskola",
                                                     "socialtjansten"]
    assert pd.isna(checked.data["anmalare"].iloc[5])
    problem = next(p for p in checked.problems if p.column == "anmalare")
    assert problem.kind == "unknown_code" and problem.count == 1 and problem.rows == (7,)


def test_target_groups_in_the_probes_words():
    raw = pd.DataFrame({"ansokan_id": list("abcde"), "kon": ["kvinna"] * 5,
                        "malgrupp": ["Kvinnor", "Män", "ALLA", "Unga", "okänd"]})
    checked = check_table(raw, TABLES["ru_ansokningar"], source="t.csv")
    assert checked.data["malgrupp"].tolist()[:4] == ["kvinnor", "man", "alla", "unga"]
    assert [(p.kind, p.count) for p in checked.problems if p.column == "malgrupp"] == [("unknown_code", 1)]


def test_an_instrument_the_model_does_not_list_is_kept():
    raw = pd.DataFrame({"elev_id": list("abcd"), "kon": ["flicka", "pojke", "flicka", "pojke"],
                        "instrument": ["Sång", "Saxofon", "flöjt", "Piano"]})
    checked = check_table(raw, TABLES["ks_elever"], source="t.csv")
    assert checked.data["instrument"].tolist() == ["sang", "Saxofon", "flojt", "piano"]
    assert [p.kind for p in checked.problems if p.column == "instrument"] == ["unlisted_code"]


def test_no_break_spaces_and_en_dashes_are_spaces_in_the_engine_too():
    """A review: the engine's ``\\s`` is ASCII only, so 'Placering\\xa0HVB' from a spreadsheet
    was an unknown code where ``code_key`` read it."""
    raw = pd.DataFrame({"insats_id": list("abc"), "utredning_id": ["u1", "u2", "u3"], "kon": ["flicka"] * 3,
                        "insatstyp": ["Placering\u00a0HVB", "placering – hvb", "Kontaktperson-familj"]})
    checked = check_table(raw, TABLES["bof_insatser"], source="t.csv")
    assert checked.data["insatstyp"].tolist() == ["placering_hvb", "placering_hvb", "kontaktperson_familj"]
    assert code_key("Placering\u00a0HVB") == code_key("placering – hvb") == "placering_hvb"


def test_an_unlisted_instrument_is_one_instrument_whatever_its_case_and_is_named():
    raw = pd.DataFrame({"elev_id": list("abcd"), "kon": ["flicka", "pojke", "flicka", "pojke"],
                        "instrument": ["Saxofon", "saxofon", "SAXOFON", "Piano"]})
    checked = check_table(raw, TABLES["ks_elever"], source="t.csv")
    assert checked.data["instrument"].tolist() == ["Saxofon", "Saxofon", "Saxofon", "piano"]
    info = [p for p in checked.problems if p.column == "instrument"]
    assert [(p.kind, p.severity, p.count, p.rows) for p in info] == [("unlisted_code", "info", 3, (2, 3, 4))]


def test_um_02s_indicator_is_read_as_the_column_is():
    from jamtools.chapters.um import indicator_name

    assert indicator_name("Uppföljning i tid") == "uppfoljning_i_tid"
    with pytest.raises(ValueError, match="uppfoljning_i_tid, genomforandeplan_finns"):
        indicator_name("brukarnöjdhet")
