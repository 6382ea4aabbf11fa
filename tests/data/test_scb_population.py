"""Statistics Sweden's population export as Statistikdatabasen writes it (a probe's
BE0101N1_befolkning.csv): sex as "kvinnor"/"män", age as "60 år" and the open top group
"100+ år". Every value was a problem and both columns stopped as "mostly invalid". Also: a
column whose header reads as a model name can be left out (``Ålder: null``), and the check's
summary counts each row with problems once."""
from __future__ import annotations

import pandas as pd

from jamtools.data.check import check_table
from jamtools.data.model import TABLES
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config

SCB = ("region,ålder,kön,år,Folkmängd\n"
       "0180 Testkommun,60 år,kvinnor,2024,900\n"
       "0180 Testkommun,61 år,män,2024,880\n"
       "0180 Testkommun,100+ år,kvinnor,2024,300\n"
       "0180 Testkommun,100+ år,MÄN,2024,120\n")


def test_sex_in_the_plural_and_ages_with_years_are_read():
    raw = pd.DataFrame({"ar": ["2024"] * 4, "kon": ["kvinnor", "män", "Kvinnor", "MÄN"],
                        "alder": ["60 år", "61 år", "100+ år", "7"], "antal": ["1"] * 4})
    checked = check_table(raw, TABLES["befolkning"], source="b.csv")
    assert checked.data["kon"].tolist() == ["kvinna", "man", "kvinna", "man"]
    assert checked.data["alder"].tolist() == [60, 61, 100, 7]
    assert [(p.kind, p.severity, p.count, p.rows) for p in checked.problems if p.column == "alder"] == \
        [("open_age", "info", 1, (4,))]
    assert not checked.masks


def test_children_in_the_plural():
    raw = pd.DataFrame({"insats_id": ["a", "b", "c"], "kon": ["flickor", "Pojkar", "kvinnor"]})
    checked = check_table(raw, TABLES["bof_insatser"], source="i.csv")
    assert checked.data["kon"].tolist() == ["flicka", "pojke", "flicka"]


def test_the_open_group_is_said_as_information_with_its_rows(tmp_path):
    (tmp_path / "befolkning.csv").write_text(SCB, encoding="utf-8")
    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  befolkning:\n    file: befolkning.csv\n    columns: {Folkmängd: antal}\n",
        encoding="utf-8")
    result = check_inputs(load_config(tmp_path / "jamtools.yml"))
    t = result.tables["befolkning"]
    assert t.error is None and {"kon", "alder", "antal", "ar"} <= set(t.columns)
    assert [(p.kind, p.count) for p in t.problems if p.severity != "info" or p.kind == "open_age"] == \
        [("open_age", 2)]
    message = next(p for p in t.problems if p.kind == "open_age").message()
    assert "öppen åldersgrupp" in message and "'100+ år'" in message and "rad 4, 5" in message


def test_a_column_mapped_to_nothing_is_left_out(tmp_path):
    (tmp_path / "befolkning.csv").write_text(SCB.replace("60 år", "sextio"), encoding="utf-8")
    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  befolkning:\n    file: befolkning.csv\n    columns: {Folkmängd: antal, ålder: null}\n",
        encoding="utf-8")
    result = check_inputs(load_config(tmp_path / "jamtools.yml"))
    t = result.tables["befolkning"]
    assert t.error is None and "alder" not in t.columns and {"kon", "antal"} <= set(t.columns)
    assert not [p for p in t.problems if p.column == "alder"]


def test_a_mapping_outside_the_model_says_how_to_leave_a_column_out(tmp_path):
    import pytest

    from jamtools.run.params import ParameterError

    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  befolkning:\n    file: b.csv\n    columns: {ålder: aldersgrupp}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="ålder: aldersgrupp.*'Kolumnnamn: null'"):
        load_config(tmp_path / "jamtools.yml")


def test_the_summary_counts_each_row_once(tmp_path):
    # row 2: three problems (sex, age, count), row 3: one; four problems in two rows
    (tmp_path / "befolkning.csv").write_text(
        "ar,kon,alder,antal\n2024,x,-5,-1\n2024,kvinna,7,-3\n2024,man,8,10\n", encoding="utf-8")
    (tmp_path / "jamtools.yml").write_text("tables:\n  befolkning: {file: befolkning.csv}\n",
                                           encoding="utf-8")
    result = check_inputs(load_config(tmp_path / "jamtools.yml"))
    assert sum(p.count for p in result.tables["befolkning"].problems if p.severity == "rader") == 4
    assert result.tables["befolkning"].problem_rows == 2
    line = result.summary_line()
    assert "(2 rader med minst ett problem; de lämnas utanför där kolumnen används)" in line
    again = type(result).from_dict(result.as_dict())
    assert again.summary_line() == line
