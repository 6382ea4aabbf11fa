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
    assert not [p for p in checked.problems if p.column == "instrument"]
