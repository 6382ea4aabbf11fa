"""Personnummer in the input: recognised with the check digit, sex and age derived, replaced by
a keyed pseudonym that links the same person across tables, and never passed on."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jamtools import data
from jamtools.data.pseudonym import birth_date_and_sex, luhn_ok



def _valid(date8: str, serial: str) -> str:
    """A 12-digit personnummer with the correct check digit for a made-up person."""
    digit = next(d for d in range(10) if luhn_ok(date8[2:] + serial + str(d)))
    return f"{date8}-{serial}{digit}"


# 19121212-1212 is the tax agency's long-published test number (a man: 1 is odd). The other two
# are made up here with valid check digits (second-to-last digit even = woman, odd = man).
TOLVAN = "19121212-1212"
WOMAN = _valid("19460806", "238")
MAN = _valid("19390213", "565")


def test_check_digit_and_derivation():
    assert luhn_ok("1212121212") and birth_date_and_sex(TOLVAN) == (dt.date(1912, 12, 12), "man")
    assert not luhn_ok("1212121213")
    born, sex = birth_date_and_sex(WOMAN)
    assert born == dt.date(1946, 8, 6) and sex == "kvinna"
    assert birth_date_and_sex(MAN) == (dt.date(1939, 2, 13), "man")
    short = WOMAN[2:]
    assert birth_date_and_sex(short, today=dt.date(2026, 1, 1))[0] == dt.date(1946, 8, 6)
    assert birth_date_and_sex("121212+1212", today=dt.date(2026, 1, 1))[0] == dt.date(1912, 12, 12)
    wrong = WOMAN[:-1] + str((int(WOMAN[-1]) + 1) % 10)
    assert birth_date_and_sex(wrong) is None  # wrong check digit


def test_samordningsnummer_day_plus_60():
    for last in range(10):
        if luhn_ok("460866238" + str(last)):
            born, _ = birth_date_and_sex(f"19460866-238{last}")
            assert born == dt.date(1946, 8, 6)
            return
    pytest.fail("no valid check digit found")


def test_fixture_loads_links_across_tables_and_derives_sex_and_age(tmp_path):
    beslut = pd.DataFrame({
        "beslut_id": ["H1", "H2", "H3"], "personnummer": [WOMAN, MAN, WOMAN],
        "beslutsdatum": ["2024-08-05", "2024-02-13", "2025-09-01"], "ar": ["2024", "2024", "2025"],
        "adl_beroende": ["3", "1", "4"], "ensamboende": ["1", "0", "1"],
        "beviljade_timmar": ["30", "10", "42,5"],
    })
    beslut.to_csv(tmp_path / "ht_beslut.csv", index=False, sep=";")
    res = data.load_table("ht_beslut", data_dir=tmp_path)
    d = res.data
    assert "personnummer" not in d.columns
    assert d.kon.tolist() == ["kvinna", "man", "kvinna"]
    # Age at the decision date: one day before her 78th birthday, on his 85th, after her 79th.
    assert d.alder.tolist() == [77, 85, 79]
    assert d.person_id[0] == d.person_id[2] != d.person_id[1]
    assert not d.astype(str).apply(lambda c: c.str.contains(WOMAN[-4:] + "|" + MAN[-4:])).any().any()
    # The same person gets the same pseudonym in another table read in the same run.
    again = data.load_table("ht_beslut", data_dir=tmp_path).data
    assert again.person_id.tolist() == d.person_id.tolist()


def test_invalid_personnummer_is_an_error_that_does_not_echo_the_number(tmp_path):
    wrong = WOMAN[:-1] + str((int(WOMAN[-1]) + 1) % 10)
    pd.DataFrame({"beslut_id": ["H1"], "personnummer": [wrong], "beslutsdatum": ["2024-01-01"],
                  "ar": ["2024"], "adl_beroende": ["1"], "ensamboende": ["1"],
                  "beviljade_timmar": ["3"]}).to_csv(tmp_path / "ht_beslut.csv", index=False)
    with pytest.raises(data.DataValidationError, match="personnummer.*rad 2") as err:
        data.load_table("ht_beslut", data_dir=tmp_path)
    assert wrong[-4:] not in str(err.value)


def test_sensitive_values_cover_every_source_and_written_form(tmp_path):
    """The leak scan gets the personnummer (in all written forms), names and free text of every
    source: mapped files from jamtools.yml and the files of data_dir; never ids or codes."""
    from jamtools.config import load_config
    from jamtools.data.pseudonym import written_forms

    exports = tmp_path / "exporter"
    exports.mkdir()
    pd.DataFrame({"Nr": ["H1", "H2"], "Personnr": [WOMAN, MAN], "Namn": ["Greta Exempel", "Olle Prov"],
                  "Datum": ["2024-01-02", "2024-02-03"]}).to_csv(exports / "Hemtjanst.csv", sep=";",
                                                                  index=False, encoding="cp1252")
    pd.DataFrame({"anteckning_id": ["J1"], "person_id": ["JP1"], "kon": ["kvinna"],
                  "roll": ["foralder"], "datum": ["2024-01-01"],
                  "anteckning": ["Mamman berättar om oron för hemmet"]}).to_csv(
        exports / "um_anteckningar.csv", index=False)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("data_dir: exporter\ntables:\n  ht_beslut:\n    file: exporter/Hemtjanst.csv\n"
                   "    columns: {Nr: beslut_id, Personnr: personnummer, Datum: beslutsdatum}\n",
                   encoding="utf-8")
    values = data.sensitive_values(load_config(cfg))
    assert {"Greta Exempel", "Olle Prov", "Mamman berättar om oron för hemmet"} <= values
    assert written_forms(WOMAN) | written_forms(MAN) <= values
    assert WOMAN.replace("-", "")[2:] in values  # YYMMDDNNNN
    assert not values & {"H1", "J1", "JP1", "kvinna", "foralder", "2024-01-02"}
