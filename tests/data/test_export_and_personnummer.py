"""An export with its own sex and age columns and a personnummer: the export's values win, the
personnummer fills blank cells only, and the check, the load and hl_01 say the same thing.

- the check says how many values came from the personnummer (not that the whole column did);
- an impossible age is not replaced by the personnummer's: the value is missing, the row is
  left out where age is used, and the check says so and what to do;
- a blank sex is a missing sex ("kön saknas") in the check, the load's reasons and hl_01, and
  a code that is none of the sexes is another code.
"""
from __future__ import annotations

import pandas as pd

from jamtools.data.check import check_table
from jamtools.data.model import TABLES
from jamtools.data.personnummer import luhn_ok


def _pnr(year: int, man: bool, serial: int) -> str:
    tail = f"{serial:02d}{1 if man else 2}"
    for c in range(10):
        ten = f"{year % 100:02d}0315{tail}{c}"
        if luhn_ok(ten):
            return f"{year}0315-{tail}{c}"
    raise AssertionError


def _rows(n: int = 12) -> pd.DataFrame:
    rows = []
    for i in range(n):
        man = i % 2 == 0
        year = 1960 + i
        rows.append({"personnummer": _pnr(year, man, i), "kon": "M" if man else "K",
                     "alder": str(2024 - year - 1), "ansokningsdatum": "2024-02-01"})
    raw = pd.DataFrame(rows, dtype="string")
    raw.loc[0, "kon"] = pd.NA                                # blank sex: the personnummer's
    raw.loc[1, ["kon", "personnummer"]] = pd.NA              # blank sex, no personnummer
    raw.loc[2, "alder"] = pd.NA                              # blank age: the personnummer's
    raw.loc[3, "alder"] = "217"                              # impossible age
    raw.loc[4, "kon"] = "X"                                  # a code that is none of the sexes
    return raw


def _check(raw):
    return check_table(raw, TABLES["eb_klienter"], source="Klienter.csv",
                       export_names={"kon": "Kön", "alder": "Ålder", "personnummer": "Personnummer"},
                       today=pd.Timestamp("2025-06-30"))


def test_the_check_counts_the_values_a_personnummer_filled():
    chk = _check(_rows())
    derived = {p.column: p for p in chk.problems if p.kind == "derived"}
    for column, name in (("kon", "Kön"), ("alder", "Ålder")):
        p = derived[column]
        assert p.count == 1
        assert p.message() == (f"Klienter.csv, kolumn '{name}' ({column} i datamodellen): 1 värde härlett "
                               "från 'Personnummer' där kolumnen är tom; övriga värden är exportens "
                               "egna.")
        # on the book's page, a small count is not shown
        assert "färre än 5 värden härledda" in p.message(threshold=5)
    # the export's own column's problems are not said to be derived (the id made from the
    # personnummer is: the row without one has no id)
    assert not any("härledd" in p.message() for p in chk.problems
                   if p.kind != "derived" and p.column != "person_id")
    assert [p.rows for p in chk.problems if p.kind == "missing_id"] == [(3,)]
    # the values: the export's, and the personnummer's only in the blank cells
    assert chk.data.loc[0, "kon"] == "man" and chk.data.loc[2, "alder"] == 2024 - 1962 - 1
    # a column the export lacks is still derived as a whole
    whole = _check(_rows().drop(columns=["kon"]))
    said = {p.column: p.message() for p in whole.problems if p.kind == "derived"}
    assert said["kon"] == "Klienter.csv, kolumn 'kon': härledd från 'Personnummer'."


def test_an_impossible_age_is_not_replaced_and_the_row_is_left_out():
    chk = _check(_rows())
    assert pd.isna(chk.data.loc[3, "alder"])  # not the personnummer's age
    p = next(p for p in chk.problems if p.column == "alder" and p.kind == "impossible")
    assert p.rows == (5,) and "ersätter inte ett ifyllt värde" in p.message()
    assert "töm cellen, så används åldern från personnumret" in p.message()
    left_out = dict(chk.bad_rows(["alder"]))
    assert left_out["Omöjligt värde (alder)"].tolist() == [i == 3 for i in range(12)]
    # emptied, the cell gets the personnummer's age and no row is left out
    raw = _rows()
    raw.loc[3, "alder"] = pd.NA
    emptied = _check(raw)
    assert emptied.data.loc[3, "alder"] == 2024 - 1963 - 1 and not emptied.bad_rows(["alder"])
    assert next(p for p in emptied.problems if p.column == "alder" and p.kind == "derived").count == 2


def test_a_blank_sex_is_a_missing_sex_and_another_code_is_another_code():
    chk = _check(_rows())
    kinds = {p.kind: p for p in chk.problems if p.column == "kon"}
    assert kinds["missing_sex"].count == 1 and kinds["missing_sex"].rows == (3,)
    assert "kön saknas" in kinds["missing_sex"].message() and "(tomt)" not in kinds["missing_sex"].message()
    assert kinds["unknown_sex"].count == 1 and kinds["unknown_sex"].example == "'X'"
    assert chk.masks[("kon", "missing_sex")].tolist() == [i == 1 for i in range(12)]
    assert ("kon", "unknown_sex") not in chk.masks


def test_the_load_and_hl_01_count_a_blank_sex_as_the_check_does(tmp_path):
    from jamtools.chapters.audit import audit_one
    from jamtools.data import load_table
    from jamtools.data.load import UNKNOWN_SEX_STEPS
    from jamtools.run.config import load_config

    raw = _rows()
    export = raw.rename(columns={"personnummer": "Personnummer", "kon": "Kön", "alder": "Ålder",
                                 "ansokningsdatum": "Ansökningsdatum"})
    export.to_csv(tmp_path / "Klienter.csv", sep=";", index=False, encoding="cp1252")
    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  eb_klienter:\n    file: Klienter.csv\n"
        "    columns: {Personnummer: personnummer, Kön: kon, Ålder: alder, Ansökningsdatum: ansokningsdatum}\n"
        "    values:\n      kon: {K: kvinna, M: man}\n", encoding="utf-8")
    cfg = load_config(tmp_path / "jamtools.yml")
    loaded = load_table("eb_klienter", config=cfg, columns=("kon", "alder"))
    reasons = loaded.excluded_by_reason()
    assert reasons[UNKNOWN_SEX_STEPS[0]] == 1 and reasons[UNKNOWN_SEX_STEPS[1]] == 1
    assert "kön saknas" in UNKNOWN_SEX_STEPS[0] and "annan kod" in UNKNOWN_SEX_STEPS[1]
    assert reasons["Omöjligt värde (alder)"] == 1
    audit = audit_one("eb_klienter", config=cfg)
    assert audit.completeness["saknas"] == 1 and audit.completeness["annan_kod"] == 1
