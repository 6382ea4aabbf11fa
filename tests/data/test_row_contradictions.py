"""Rules across the columns of a row (probes): an end date before its start date
(eb_utfall row 15 of a probe's workbook), days that are not those between the dates, and a
mother contacted where the export says there is no mother (bof_05 then dropped the mother
without counting her). Each is an impossible value: named with its rows, left out where the
column is used, and counted."""
from __future__ import annotations

import pandas as pd

from jamtools.data.check import check_table
from jamtools.data.model import TABLES


def _problems(checked, column):
    return [(p.kind, p.count, p.rows, p.detail) for p in checked.problems if p.column == column]


def test_an_end_before_its_start_and_days_that_do_not_match():
    raw = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "kon": ["kvinna"] * 4,
                        "startdatum": ["2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01"],
                        "slutdatum": ["2024-03-11", "2024-02-01", None, "2024-03-31"],
                        "dagar": ["10", "148", "400", "31"]})
    checked = check_table(raw, TABLES["eb_utfall"], source="u.csv")
    assert _problems(checked, "slutdatum") == [("impossible", 1, (3,), "inte före startdatum")]
    # the end before the start is no end to count to: its days are not checked against it
    assert _problems(checked, "dagar") == [
        ("impossible", 1, (5,), "tillåtet 0–3660, dagarna från startdatum till slutdatum")]
    assert checked.data["dagar"].tolist()[:3] == [10, 148, 400]
    assert pd.isna(checked.data["slutdatum"].iloc[1]) and pd.isna(checked.data["dagar"].iloc[3])
    reasons = [r for r, m in checked.bad_rows(["slutdatum", "dagar"])]
    assert reasons == ["Omöjligt värde (slutdatum)", "Omöjligt värde (dagar)"]


def test_a_parent_contacted_who_is_not_there():
    raw = pd.DataFrame({"utredning_id": ["u1", "u2", "u3"], "kon": ["flicka"] * 3,
                        "startdatum": ["2024-01-02"] * 3,
                        "mamma_finns": ["1", "0", "0"], "mamma_kontaktad": ["1", "1", "0"],
                        "pappa_finns": ["0", "1", "1"], "pappa_samtal": ["1", "1", "0"]})
    checked = check_table(raw, TABLES["bof_utredningar"], source="u.csv",
                          export_names={"mamma_finns": "Mamma finns"})
    assert _problems(checked, "mamma_kontaktad") == [("impossible", 1, (3,), "1 bara där Mamma finns är 1")]
    assert _problems(checked, "pappa_samtal") == [("impossible", 1, (2,), "1 bara där pappa_finns är 1")]
    assert checked.data["mamma_kontaktad"].isna().tolist() == [False, True, False]
    assert checked.masks[("mamma_kontaktad", "impossible")].tolist() == [False, True, False]
