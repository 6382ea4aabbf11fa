"""Amounts as a spreadsheet's currency format writes them: a probe's "150 000 kr" made the whole
column "most values invalid", and the example was printed as '150\\xa0000 kr'."""
from __future__ import annotations

import pandas as pd

from jamtools.data.check import check_table
from jamtools.data.model import TABLES


def test_a_currency_after_an_amount_is_read():
    raw = pd.DataFrame({"ansokan_id": list("abcdefg"), "kon": ["kvinna"] * 7,
                        "sokt_belopp": ["150\u00a0000 kr", "20 000 kr", "1 200:-", "3 500 SEK", "12 kronor",
                                        "7kr.", "tjugo kr"]})
    checked = check_table(raw, TABLES["ru_ansokningar"], source="t.csv")
    assert checked.data["sokt_belopp"].tolist()[:6] == [150000.0, 20000.0, 1200.0, 3500.0, 12.0, 7.0]
    problem = next(p for p in checked.problems if p.column == "sokt_belopp")
    assert problem.kind == "not_a_number" and problem.count == 1 and problem.example == "'tjugo kr'"


def test_an_example_with_a_no_break_space_is_written_with_a_space():
    raw = pd.DataFrame({"ansokan_id": list("ab"), "kon": ["kvinna"] * 2,
                        "sokt_belopp": ["150\u00a0000 euro", "200"]})
    checked = check_table(raw, TABLES["ru_ansokningar"], source="t.csv")
    problem = next(p for p in checked.problems if p.column == "sokt_belopp")
    assert problem.example == "'150 000 euro'"
