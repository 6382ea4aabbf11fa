"""Headers that differ from the data model's names only in case, å/ä/ö or spaces are read as
the model's columns without a mapping in jamtools.yml. A probe's export had the header
"Personnummer": it was ignored without a word, so the chapter said it lacked sex."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data import load_table
from jamtools.data.load import column_mapping
from jamtools.data.sensitive import sensitive_values
from jamtools.run.config import load_config
from tests.conftest import SYNTHETIC


def test_folded_headers_are_the_models_columns():
    assert column_mapping({}, ["Personnummer", "Kön", "Ålder", "Antal barn", "Enhet"], "eb_klienter") == {
        "Personnummer": "personnummer", "Kön": "kon", "Ålder": "alder", "Antal barn": "antal_barn",
        "Enhet": "enhet"}


def test_the_configuration_and_exact_names_win_and_ambiguous_headers_are_left():
    # mapped by the configuration: kept; an exact model name beside a folded one: the exact one
    assert column_mapping({"columns": {"Kundkön": "kon"}}, ["Kundkön", "Kön"], "ht_beslut") == {"Kundkön": "kon"}
    assert column_mapping({}, ["kon", "Kön"], "ht_beslut") == {}
    # two headers that fold to one name: neither is guessed
    assert column_mapping({}, ["Kön", "KÖN"], "ht_beslut") == {}
    # a header that is no model column stays as it is
    assert column_mapping({}, ["Handläggare"], "ht_beslut") == {}


@pytest.mark.parametrize("enc", ["utf-8", "cp1252"])
def test_a_swedish_export_without_a_mapping_loads_and_its_personnummer_is_scanned(tmp_path, enc):
    raw = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str, keep_default_na=False).head(200)
    raw = raw.rename(columns={"kon": "Kön", "alder": "Ålder", "beviljade_timmar": "Beviljade timmar"})
    (tmp_path / "ht_beslut.csv").write_text(raw.to_csv(sep=";", index=False), encoding=enc)
    loaded = load_table("ht_beslut", data_dir=tmp_path)
    assert {"kon", "alder", "beviljade_timmar"} <= set(loaded.data.columns)
    assert loaded.counts_by_sex()["analysed"] == raw["Kön"].value_counts().to_dict()

    folder = tmp_path / "pnr"
    folder.mkdir()
    pnr = pd.DataFrame({"Personnummer": ["19370609-6291", "19451224-1232"], "beviljade_timmar": ["10", "12"],
                        "beslut_id": ["a", "b"], "beslutsdatum": ["2024-01-01", "2024-02-01"]})
    (folder / "ht_beslut.csv").write_text(pnr.to_csv(index=False), encoding=enc)
    (folder / "jamtools.yml").write_text(f"data_dir: {folder}\n", encoding="utf-8")
    loaded = load_table("ht_beslut", config=load_config(folder / "jamtools.yml"))
    assert set(loaded.data["kon"].dropna()) <= {"kvinna", "man"} and loaded.data["kon"].notna().all()
    assert "19370609-6291" in sensitive_values(load_config(folder / "jamtools.yml"))


def test_a_mapping_onto_a_name_another_column_has_stops_with_a_clear_error(tmp_path):
    from jamtools.data import DataValidationError

    raw = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str, keep_default_na=False).head(50)
    raw["Kön"] = raw["kon"]
    raw.to_csv(tmp_path / "ht_beslut.csv", index=False)
    (tmp_path / "jamtools.yml").write_text(
        f"tables:\n  ht_beslut:\n    file: {tmp_path / 'ht_beslut.csv'}\n    columns: {{Kön: kon}}\n",
        encoding="utf-8")
    with pytest.raises(DataValidationError, match="redan har: Kön: kon"):
        load_table("ht_beslut", config=load_config(tmp_path / "jamtools.yml"))
