"""A numerator above its denominator (um_indikatorer) and a grant above the amount applied for
(ru_ansokningar) are impossible values: a probe's row with 60 of 42 reached um_02 as 107,4 %
and set off its control chart's first signal. The check now names the rows, and the chapters
leave them out under "Omöjligt värde"."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data import load_table
from jamtools.data.check import check_table
from jamtools.data.model import TABLES
from tests.conftest import SYNTHETIC


def test_a_numerator_above_its_denominator_is_an_impossible_value():
    raw = pd.DataFrame({"rad_id": ["a", "b", "c"], "manad": ["2024-01-01"] * 3, "enhet": ["N"] * 3,
                        "indikator": ["x"] * 3, "kon": ["kvinna", "man", "man"],
                        "taljare": ["60", "42", "3"], "namnare": ["42", "42", ""]})
    checked = check_table(raw, TABLES["um_indikatorer"], source="t.csv")
    problem = next(p for p in checked.problems if p.column == "taljare" and p.kind == "impossible")
    assert problem.count == 1 and problem.rows == (2,) and "högst namnare" in problem.detail
    # equal is allowed, and without a denominator nothing is compared
    assert checked.masks[("taljare", "impossible")].tolist() == [True, False, False]


def test_a_grant_above_the_application_leaves_the_chapters_rows(tmp_path):
    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False)
    granted = raw.index[raw["beviljat_belopp"].astype(float) > 0][:3]
    raw.loc[granted, "beviljat_belopp"] = (raw.loc[granted, "sokt_belopp"].astype(float) * 2).astype(str)
    raw.to_csv(tmp_path / "ru_ansokningar.csv", index=False)
    loaded = load_table("ru_ansokningar", data_dir=tmp_path)
    assert loaded.excluded_by_reason()["Omöjligt värde (beviljat_belopp)"] == 3
    assert loaded.n_rows() == len(raw) - 3


def test_money_granted_to_a_rejected_application_is_an_impossible_value(tmp_path):
    """A probe: ``beviljad`` 0 beside a granted amount was read as it stood, so ru_01 counted
    money granted to a rejection. The amount must be 0 where the application was rejected."""
    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False)
    rejected = raw.index[raw["beviljad"].astype(int) == 0][:2]
    granted = raw.index[raw["beviljad"].astype(int) == 1][:1]
    raw.loc[rejected, "beviljat_belopp"] = "1000.0"
    raw.loc[granted, "beviljat_belopp"] = "0.0"  # granted nothing: allowed
    checked = check_table(raw, TABLES["ru_ansokningar"], source="t.csv")
    problem = next(p for p in checked.problems if p.column == "beviljat_belopp" and p.kind == "impossible")
    assert problem.count == 2 and "0 där 'beviljad' är nej (avslag)" in problem.detail
    assert problem.rows == tuple(int(i) + 2 for i in rejected)  # the file's row numbers
    raw.to_csv(tmp_path / "ru_ansokningar.csv", index=False)
    loaded = load_table("ru_ansokningar", data_dir=tmp_path)
    assert loaded.excluded_by_reason()["Omöjligt värde (beviljat_belopp)"] == 2
    # without the yes/no column nothing is compared
    checked = check_table(raw.drop(columns=["beviljad"]), TABLES["ru_ansokningar"], source="t.csv")
    assert not any(p.column == "beviljat_belopp" and p.kind == "impossible" for p in checked.problems)


def test_an_amount_in_ore_is_named_and_kept(tmp_path):
    """A probe: one application of 1e9 kr (the model's largest possible) was 96 % of ru_01's
    money, without a word. The check names the rows above 10 million kr and keeps them."""
    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False)
    granted = raw.index[raw["beviljad"].astype(int) == 1][:2]
    raw.loc[granted, "sokt_belopp"] = "900000000"
    raw.loc[granted[:1], "beviljat_belopp"] = "800000000"
    checked = check_table(raw, TABLES["ru_ansokningar"], source="t.csv")
    large = {p.column: p for p in checked.problems if p.kind == "unusually_large"}
    assert set(large) == {"sokt_belopp", "beviljat_belopp"}
    assert large["sokt_belopp"].count == 2 and large["sokt_belopp"].severity == "info"
    assert large["sokt_belopp"].rows == tuple(int(i) + 2 for i in granted)
    message = large["beviljat_belopp"].message()
    assert "över 10 000 000" in message and "1 rad" in message and f"rad {granted[0] + 2}" in message
    # the book's page: no row numbers, a small count as "färre än"
    assert "rad " + str(granted[0] + 2) not in large["beviljat_belopp"].message(threshold=5)
    assert "färre än 5 rader" in large["beviljat_belopp"].message(threshold=5)
    raw.to_csv(tmp_path / "ru_ansokningar.csv", index=False)
    loaded = load_table("ru_ansokningar", data_dir=tmp_path)
    assert loaded.n_rows() == len(raw) and not any(loaded.excluded_by_reason().values())
    # below the bound: nothing said
    raw.loc[granted, "sokt_belopp"] = "9000000"
    raw.loc[granted[:1], "beviljat_belopp"] = "8000000"
    checked = check_table(raw, TABLES["ru_ansokningar"], source="t.csv")
    assert not any(p.kind == "unusually_large" for p in checked.problems)


def _rejected_with_money(tmp_path):
    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False)
    rejected = raw.index[raw["beviljad"].astype(int) == 0][:3]
    raw.loc[rejected, "beviljat_belopp"] = "5000.0"
    return raw, rejected


@pytest.mark.parametrize("cells", [False, True])
def test_a_rule_between_two_columns_holds_when_a_chapter_reads_only_one(tmp_path, cells):
    """A review: r4_02 reads the granted amount, not ``beviljad``, and analysed the three
    rejections given money that ru_01 left out. The other column of a rule is read too."""
    raw, rejected = _rejected_with_money(tmp_path)
    raw.to_csv(tmp_path / "ru_ansokningar.csv", index=False)
    loaded = load_table("ru_ansokningar", data_dir=tmp_path,
                        columns=["beviljat_belopp", "malgrupp", "sokt_belopp"], cells=cells)
    assert loaded.excluded_by_reason()["Omöjligt värde (beviljat_belopp)"] == 3
    assert loaded.n_rows() == len(raw) - 3


def test_a_database_tables_check_finds_the_rules_between_columns(tmp_path):
    """The run's check of a ``sql:`` table takes its columns one at a time: each with the other
    column of its rules, so that it finds what the file's check finds."""
    import sqlalchemy as sa
    import yaml

    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config

    raw, rejected = _rejected_with_money(tmp_path)
    raw.loc[rejected[:1], "beviljat_belopp"] = "99999999"  # above the application too
    raw.to_csv(tmp_path / "ru_ansokningar.csv", index=False)
    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        raw.to_sql("projektmedel", con, index=False)
    engine.dispose()
    (tmp_path / "files.yml").write_text(yaml.safe_dump(
        {"tables": {"ru_ansokningar": {"file": "ru_ansokningar.csv"}}}), encoding="utf-8")
    (tmp_path / "db.yml").write_text(yaml.safe_dump(
        {"tables": {"ru_ansokningar": {"sql": {"url": url, "query": "SELECT * FROM projektmedel"}}}}),
        encoding="utf-8")

    def impossible(cfg):
        table = check_inputs(load_config(tmp_path / cfg)).tables["ru_ansokningar"]
        return [(p.column, p.count, p.rows) for p in table.problems if p.kind == "impossible"]

    from_file = impossible("files.yml")
    assert from_file == [("beviljat_belopp", 3, tuple(int(i) + 2 for i in rejected))]
    # (grouped in the database, a column's part sends counts, not row numbers)
    assert [(c, n) for c, n, _ in impossible("db.yml")] == [("beviljat_belopp", 3)]


def test_the_run_and_the_pages_say_that_amounts_are_unusually_large(tmp_path):
    """A probe's export in öre: only ``check`` named the amounts; the run's summary said "1
    slags radproblem" and ru_01 showed 70 % of the money for the women without a word."""
    import yaml

    from jamtools.present.report import unusual_amounts_text
    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config

    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False)
    raw.loc[raw.index[:3], "sokt_belopp"] = "900000000"
    raw.to_csv(tmp_path / "ru_ansokningar.csv", index=False)
    (tmp_path / "c.yml").write_text(yaml.safe_dump(
        {"tables": {"ru_ansokningar": {"file": "ru_ansokningar.csv"}}}), encoding="utf-8")
    summary = check_inputs(load_config(tmp_path / "c.yml")).summary_line()
    assert "3 värden ovanligt stora att kontrollera" in summary
    loaded = load_table("ru_ansokningar", data_dir=tmp_path)
    text = unusual_amounts_text(loaded.data, "ru_ansokningar")
    assert "sökt belopp över 10 000 000 kronor" in text and "900" not in text
    assert unusual_amounts_text(pd.read_csv(SYNTHETIC / "ru_ansokningar.csv"), "ru_ansokningar") == ""
