"""One deliberately bad file per failure kind (tests/data/fixtures/bad, described in its
expected.yml): each gives a clear error or warning that names the file, the column and the
rows (and an example value); no file ends in a raw traceback of some other exception."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from jamtools import data
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from jamtools.data import TABLES, DataValidationError
from jamtools.run.params import ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yml").read_text(encoding="utf-8"))


def _config(tmp_path, table: str, file: str, options: dict | None = None, also: dict | None = None):
    tables = {table: {"file": str(FIXTURES / file), **(options or {})}}
    for other, other_file in (also or {}).items():
        tables[other] = {"file": str(FIXTURES / other_file)}
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": str(tmp_path), "tables": tables}, allow_unicode=True),
                   encoding="utf-8")
    return load_config(cfg)


def test_every_fixture_is_described():
    files = {p.name for p in FIXTURES.iterdir()} - {"expected.yml", "README.md", "ht_korrekt.csv",
                                                     "bof_utredningar.csv"}
    assert files == set(EXPECTED)
    assert len(EXPECTED) >= 15


def test_the_good_file_loads_cleanly(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = _config(tmp_path, "ht_beslut", "ht_korrekt.csv")
        res = data.load_table("ht_beslut", config=cfg)
    assert [p.kind for p in check_inputs(load_config(cfg)).tables["ht_beslut"].problems] == []
    assert res.data["beviljade_timmar"].tolist() == [20.5, 4.0, 61.0, 12.0]
    assert res.data["alder"].tolist() == [81, 77, 90, 68]


@pytest.mark.parametrize("file", sorted(EXPECTED))
def test_bad_file_gives_its_clear_message(tmp_path, file):
    """A file that cannot be used stops with its message; a row-level problem is named by the
    check (file, column, rows, example) and leaves out exactly those rows."""
    spec = EXPECTED[file]
    cfg = _config(tmp_path, spec["table"], file, spec.get("options"), spec.get("also"))
    if spec["kind"] == "error":
        with pytest.raises(DataValidationError) as err:
            data.load_table(spec["table"], config=cfg)
        message = str(err.value)
    else:
        report = check_inputs(load_config(cfg))
        table = report.tables[spec["table"]]
        message = " ".join(p.message() for p in table.problems)
        used = [c.name for c in TABLES[spec["table"]].columns if c.name in table.columns]
        res = data.load_table(spec["table"], config=cfg, columns=used)
        excluded = sum(n for step, n in res.excluded_by_reason().items() if not step.startswith("Okänt"))
        assert excluded == spec["excluded"], res.excluded_by_reason()
        if "kept" in spec:
            assert len(res.data) == spec["kept"]
        if "unknown_sex" in spec:
            q = res.quality()
            assert q.loc[(q.kon == "okant") & (q.typ == "inlästa"), "antal"].item() == spec["unknown_sex"]
    for text in spec["contains"]:
        assert text in message, f"{file}: {text!r} missing from: {message}"
    for text in spec.get("never_contains", []):
        assert text not in message


def test_excluded_rows_are_accounted_for_by_sex(tmp_path):
    """The data-quality table: rows read, rows excluded and why, unknown sex separately."""
    cfg = _config(tmp_path, "bof_insatser", "bof_insatser_okand_utredning.csv",
                  also={"bof_utredningar": "bof_utredningar.csv"})
    res = data.load_table("bof_insatser", config=cfg, columns=["utredning_id"])
    q = res.quality().pivot_table(index="steg", columns="kon", values="antal", aggfunc="sum")
    assert q.loc["Hänvisar till bof_utredningar som saknas"].to_dict() == {"flicka": 0, "okant": 0, "pojke": 1}
    assert q.loc["Analyserade rader"].to_dict() == {"flicka": 1, "okant": 0, "pojke": 1}
    assert res.counts_by_sex() == {"analysed": {"flicka": 1, "pojke": 1}, "excluded": {"pojke": 1}}
    # a chapter that does not use the reference keeps the row
    assert len(data.load_table("bof_insatser", config=cfg, columns=["insatstyp"]).data) == 3


def test_encoding_is_detected_when_not_set(tmp_path):
    res = data.load_table("ht_beslut", data_dir=tmp_path,
                          config=_config(tmp_path, "ht_beslut", "ht_cp1252.csv"))
    assert res.data["enhet"].tolist() == ["Östermalm", "Södermalm"]


def test_missing_file_and_bad_mapping(tmp_path):
    with pytest.raises(DataValidationError, match="Hittar ingen fil för tabellen ht_beslut"):
        data.load_table("ht_beslut", data_dir=tmp_path)
    with pytest.raises(DataValidationError, match="finns inte i körningens data"):
        data.load_table("bof_utredningar", config=_config(tmp_path, "ht_beslut", "ht_korrekt.csv"))
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(f"tables:\n  ht_beslut:\n    file: {FIXTURES / 'ht_korrekt.csv'}\n"
                   "    columns: {Kön: kon}\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="Kön"):
        data.load_table("ht_beslut", data_dir=tmp_path, config=load_config(cfg))
    cfg.write_text(f"tables:\n  ht_beslut:\n    file: {FIXTURES / 'ht_korrekt.csv'}\n    sheet: 1\n"
                   "    sql: {url: 'x'}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="antingen 'file' eller 'sql'"):
        data.load_table("ht_beslut", data_dir=tmp_path, config=load_config(cfg))


def test_garbage_in_every_column_is_a_validation_error(tmp_path):
    """A column where most values fail is an error (a wrong mapping), not rows to leave out."""
    garbage = pd.DataFrame({c: ["\x01??", "", "NaN"] * 4 for c in pd.read_csv(
        FIXTURES / "ht_korrekt.csv", sep=";").columns})
    garbage.to_csv(tmp_path / "ht_beslut.csv", sep=";", index=False)
    with pytest.raises(DataValidationError, match="most values invalid"):
        data.load_table("ht_beslut", data_dir=tmp_path)
