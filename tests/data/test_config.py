"""jamtools.yml: the commented example loads; every mistake in 'tables' is an error naming it."""
from __future__ import annotations

from pathlib import Path

import pytest

from jamtools.run.config import load_config
from jamtools.data.model import TABLES
from jamtools.run.params import ParameterError

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_configuration_loads_and_maps_onto_the_model(tmp_path):
    import shutil

    shutil.copy(ROOT / "jamtools.example.yml", tmp_path / "jamtools.yml")
    with pytest.raises(ParameterError, match="data_dir.*exporter"):  # its folder is not there yet
        load_config(tmp_path / "jamtools.yml")
    (tmp_path / "exporter").mkdir()
    cfg = load_config(tmp_path / "jamtools.yml")
    assert cfg.parameters["organisation"] and cfg.parameters["threshold"] >= 3
    assert cfg.tables, "the example shows at least one table"
    for name, spec in cfg.tables.items():
        model = {c.name for c in TABLES[name].columns} | {"personnummer"}
        assert set(spec.get("columns", {}).values()) <= model


@pytest.mark.parametrize("tables, message", [
    ("  hemtjanst: {file: a.csv}\n", "Okänd tabell 'hemtjanst'"),
    ("  ht_beslut: {file: a.csv, encodng: cp1252}\n", "Okända nycklar.*encodng"),
    ("  ht_beslut: {sheet: Blad1}\n", "antingen 'file' eller 'sql'"),
    ("  ht_beslut: {file: a.csv, sql: {url: x, query: y}}\n", "antingen 'file' eller 'sql'"),
    ("  ht_beslut: {sql: {url: x}}\n", "url och query"),
    ("  ht_beslut: {file: a.csv, columns: {Timmar: timmar}}\n", "Timmar: timmar"),
    ("  ht_beslut: {file: a.csv, values: {kon: {K: kvinnor}}}\n", "K: kvinnor"),
    ("  bof_insatser: {file: a.csv, values: {insatstyp: {HVB: hvb}}}\n", "HVB: hvb"),
    ("  ht_beslut: {file: a.csv, values: {timmar: {a: b}}}\n", "timmar är ingen kolumn"),
])
def test_mistakes_in_tables_are_errors(tmp_path, tables, message):
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("tables:\n" + tables, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_config(cfg)


def test_a_correct_mapping_is_accepted(tmp_path):
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("tables:\n  bof_insatser:\n    file: a.csv\n    encoding: cp1252\n    separator: ';'\n"
                   "    columns: {Pnr: personnummer, Typ: insatstyp}\n"
                   "    values: {kon: {F: flicka, '2': kvinna}, insatstyp: {HVB: placering_hvb}}\n",
                   encoding="utf-8")
    assert load_config(cfg).tables["bof_insatser"]["values"]["insatstyp"] == {"HVB": "placering_hvb"}
