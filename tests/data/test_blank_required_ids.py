"""A blank value in an id column a chapter needs that is not the table's key: the check said
nothing while the chapter's load left the rows out ("Saknar värde"). um_01 needs the person of
each note (a blank personnummer gives none), eb_03 and eb_07 the planning of each offer
(a blank ``planering_id``). The run's check now names file, column, rows and what to do, with
the load's count; an export without blanks has no such problem."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.run import catalogue
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from jamtools.run.notebook import setup
from tests.conftest import SYNTHETIC
from tests.owndata.harness import personnummer_for, write_config, write_export


def _loaded(cfg, chapter: str, table: str):
    ctx = setup(chapter, {"data_dir": None, "results_path": None, "config_file": str(cfg)})
    return catalogue.load(chapter, table, ctx.params)


def _notes(folder, blank: list[int]):
    """Notes as an export with the personnummer (no person id), ``blank`` rows without it."""
    um = pd.read_csv(SYNTHETIC / "um_anteckningar.csv", dtype=str, keep_default_na=False).head(200)
    born = pd.Series(pd.Timestamp("1970-01-01"), index=um.index) + pd.to_timedelta(um.index * 37, "D")
    um["personnummer"] = personnummer_for(born, um["kon"])
    um = um[["anteckning_id", "personnummer", "kon", "roll", "datum", "anteckning"]]
    um.loc[blank, "personnummer"] = ""
    write_export(um.rename(columns={"personnummer": "Personnr", "anteckning": "Text"}),
                 folder / "Anteckningar.csv")
    return load_config(write_config(folder / "jamtools.yml", {"um_anteckningar": {
        "file": "Anteckningar.csv", "columns": {"Personnr": "personnummer", "Text": "anteckning"}}}))


@pytest.mark.parametrize("blank", [[10, 20, 30], []])
def test_a_blank_personnummer_where_a_chapter_needs_the_person_is_named(tmp_path, blank):
    cfg = _notes(tmp_path, blank)
    table = check_inputs(cfg, chapters=["um_01_sprakbruk"]).tables["um_anteckningar"]
    found = [p for p in table.problems if p.kind == "missing_value"]
    loaded = _loaded(cfg.source, "um_01_sprakbruk", "um_anteckningar")
    left = loaded.excluded_by_reason().get("Saknar värde (person_id)", 0)
    assert left == len(blank)
    if not blank:  # no false alarm
        assert not found and table.problem_rows == 0
        return
    assert [(p.column, p.count, p.rows, p.severity) for p in found] == [
        ("person_id", left, (12, 22, 32), "rader")], [p.message() for p in table.problems]
    message = found[0].message()
    # the column to fill in is the export's own ('Personnr'), as the info beside it and an
    # invalid personnummer's message say, not the data model's 'personnummer'
    assert message.startswith("Anteckningar.csv, kolumn 'person_id' (härledd från 'Personnr'): "
                              "värde saknas, missing value (personnumret saknas): 3 rader, till "
                              "exempel rad 12, 22, 32.")
    assert "fyll i" in message and table.problem_rows == 3
    said = [p.message() for p in table.problems] + table_lines(cfg)
    derived = [m for m in said if "härledd" in m]
    assert len(derived) >= 3 and all("'Personnr'" in m and "'personnummer'" not in m for m in derived), derived
    assert not any("derived column" in m for m in said), said


def table_lines(cfg) -> list[str]:
    """The lines of the book's page of the check (counts below the threshold hidden)."""
    chk = check_inputs(cfg, chapters=["um_01_sprakbruk"])
    return [line for line in chk.markdown(threshold=5).splitlines() if "Anteckningar" in line]


def _plannings(folder, blank: list[int]):
    """Plannings and offers with the columns eb_03 needs; ``blank`` offers without a planning."""
    plan = pd.read_csv(SYNTHETIC / "eb_planering.csv", dtype=str, keep_default_na=False).head(300)
    offers = pd.read_csv(SYNTHETIC / "eb_insatser.csv", dtype=str, keep_default_na=False)
    offers = offers[offers["planering_id"].isin(plan["planering_id"])].reset_index(drop=True)
    offers = offers[["insats_id", "planering_id", "kon", "insatstyp"]]
    offers.loc[blank, "planering_id"] = ""
    if blank:  # and two plannings without their id (none of them has offers)
        plan.loc[plan.index[~plan["planering_id"].isin(offers["planering_id"])][:2], "planering_id"] = ""
    write_export(plan[["planering_id", "person_id", "kon", "fodd_i_sverige"]], folder / "Planering.csv")
    write_export(offers.rename(columns={"planering_id": "Planering"}), folder / "Insatser.csv")
    return load_config(write_config(folder / "jamtools.yml", {
        "eb_planering": {"file": "Planering.csv"},
        "eb_insatser": {"file": "Insatser.csv", "columns": {"Planering": "planering_id"}}}))


@pytest.mark.parametrize("blank", [[5, 6, 7, 40], []])
def test_a_blank_planning_id_of_an_offer_is_named(tmp_path, blank):
    cfg = _plannings(tmp_path, blank)
    table = check_inputs(cfg, chapters=["eb_03_insatser"]).tables["eb_insatser"]
    found = [p for p in table.problems if p.kind == "missing_value"]
    loaded = _loaded(cfg.source, "eb_03_insatser", "eb_insatser")
    left = loaded.excluded_by_reason().get("Saknar värde (planering_id)", 0)
    assert left == len(blank)
    if not blank:
        assert not found and table.problem_rows == 0
        return
    assert [(p.column, p.count, p.rows, p.severity) for p in found] == [
        ("planering_id", left, (7, 8, 9, 42), "rader")], [p.message() for p in table.problems]
    assert found[0].message().startswith("Insatser.csv, kolumn 'Planering' (planering_id i datamodellen): "
                                         "värde saknas, missing value: 4 rader, till exempel rad 7, 8, 9, 42.")
    assert table.problem_rows == 4
    # a blank key (the plannings', which eb_03 needs too) is a missing id, said once
    plan = check_inputs(cfg, chapters=["eb_03_insatser"]).tables["eb_planering"]
    assert [(p.column, p.kind, p.count) for p in plan.problems if p.severity == "rader"] == [
        ("planering_id", "missing_id", 2)]


def test_a_database_tables_blank_planning_ids_are_named_as_the_files(tmp_path):
    """A ``sql:`` table's ids are checked as rows in their own part: the same blanks."""
    import sqlalchemy as sa
    import yaml

    _plannings(tmp_path, [5, 6, 7, 40])
    offers = pd.read_csv(tmp_path / "Insatser.csv", sep=";", dtype=str, encoding="cp1252")
    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        offers.to_sql("insatser", con, index=False)
    engine.dispose()
    (tmp_path / "db.yml").write_text(yaml.safe_dump({"tables": {
        "eb_planering": {"file": "Planering.csv"},
        "eb_insatser": {"sql": {"url": url, "query": "SELECT * FROM insatser"},
                        "columns": {"Planering": "planering_id"}}}}), encoding="utf-8")
    table = check_inputs(load_config(tmp_path / "db.yml"), chapters=["eb_03_insatser"]).tables["eb_insatser"]
    assert [(p.column, p.count) for p in table.problems if p.kind == "missing_value"] == [("planering_id", 4)]
    assert _loaded(tmp_path / "db.yml", "eb_03_insatser", "eb_insatser").excluded_by_reason()[
        "Saknar värde (planering_id)"] == 4
