"""A ``values:`` mapping's codes are read as the model's own codes are: whatever their case,
accents and spaces. An analyst who wrote ``Kv: kvinna`` found the rows written ``KV`` or ``kv``
left out as unknown codes, although the book says codes are read that way."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from jamtools import data
from jamtools.data.load import read_table, recode, table_sources
from jamtools.run.config import load_config
from jamtools.run.params import ParameterError

KON = ["Kv", "KV", " kv ", "Mä", "MÄ", "ma", "Kv", "Mä"]


def _write(d, fmt: str) -> dict:
    df = pd.DataFrame({"BeslutsNr": [f"H{i}" for i in range(len(KON))], "Kön": KON,
                       "Beslutsdatum": "2024-03-01", "Timmar": [10.5] * len(KON)})
    if fmt == "cp1252":
        df.to_csv(d / "x.csv", sep=";", index=False, encoding="cp1252")
        return {"file": "x.csv"}
    if fmt == "xlsx":
        df.to_excel(d / "x.xlsx", index=False)
        return {"file": "x.xlsx"}
    df.to_parquet(d / "x.parquet", index=False)
    return {"file": "x.parquet"}


@pytest.mark.parametrize("fmt", ["cp1252", "xlsx", "parquet"])
def test_mapped_codes_are_read_whatever_their_case_accents_and_spaces(tmp_path, fmt):
    spec = {**_write(tmp_path, fmt),
            "columns": {"BeslutsNr": "beslut_id", "Kön": "kon", "Beslutsdatum": "beslutsdatum",
                        "Timmar": "beviljade_timmar"},
            "values": {"kon": {"Kv": "kvinna", "Mä": "man"}}}
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"tables": {"ht_beslut": spec}}, allow_unicode=True), encoding="utf-8")
    config = load_config(cfg)
    loaded = data.load_table("ht_beslut", data_dir=tmp_path, config=config)
    assert loaded.data["kon"].tolist() == ["kvinna"] * 3 + ["man"] * 3 + ["kvinna", "man"]
    assert not [p for p in loaded.checked.problems if p.column == "kon"]
    # the frame read without the engine maps them the same way
    raw, _, _ = read_table("ht_beslut", table_sources(config)["ht_beslut"])
    assert raw["kon"].tolist() == ["kvinna"] * 3 + ["man"] * 3 + ["kvinna", "man"]


def test_recode_keeps_other_values_and_missing():
    text = pd.Series(["KV", "annat", None, "Kv"], dtype="string")
    out = recode(text, {"Kv": "kvinna"})
    assert out.iloc[[0, 1, 3]].tolist() == ["kvinna", "annat", "kvinna"] and pd.isna(out.iloc[2])


def test_two_codes_that_read_as_one_mapped_apart_are_refused(tmp_path):
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"tables": {"ht_beslut": {
        "file": "x.csv", "values": {"kon": {"Kv": "kvinna", "KV": "man", "M": "man"}}}}}),
        encoding="utf-8")
    (tmp_path / "x.csv").write_text("beslut_id;kon\nH1;Kv\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="samma kod olika värden: (KV: man och Kv: kvinna|Kv: kvinna och KV: man)"):
        load_config(cfg)
