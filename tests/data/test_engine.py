"""The engine connection (memory limit, threads, offline) and what the engine load reads: only
the columns a chapter uses, through DuckDB for Parquet and UTF-8 CSV, through the Python readers
for what DuckDB could only read with a downloaded extension (Windows-1252, XLSX)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import data
from jamtools.data import engine
from jamtools.data.load import check_source, table_sources
from jamtools.data.readers import open_source


def test_connect_bounds_memory_and_threads(monkeypatch):
    con = engine.connect()
    try:
        limit, threads, auto = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('autoinstall_known_extensions')").fetchall()[0]
    finally:
        con.close()
    assert threads == 2 and auto is False
    assert limit.endswith("MiB") and 900 < float(limit.split()[0]) <= 1000  # 1GB
    monkeypatch.setenv(engine.MEMORY_ENV, "300MB")
    con = engine.connect()
    try:
        assert float(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0].split()[0]) < 300
        assert con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] == \
            str(engine.temp_directory())
    finally:
        con.close()


def _export(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "beslut_id": [f"H{i}" for i in range(n)], "person_id": [f"P{i}" for i in range(n)],
        "kon": rng.choice(["kvinna", "man"], n), "alder": rng.integers(65, 99, n),
        "beslutsdatum": "2024-03-01", "enhet": rng.choice(["Söder", "Norr"], n),
        "adl_beroende": rng.integers(0, 7, n), "ensamboende": rng.integers(0, 2, n),
        "beviljade_timmar": np.round(rng.gamma(2, 10, n), 1)})


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_chapter_reads_only_its_columns(tmp_path, fmt):
    """A column the chapter does not use is not read: garbage there (an error for the whole
    check) does not stop the load, and the load's data lack the column; asking whether the
    table has it runs the whole check once."""
    frame = _export()
    frame["adl_beroende"] = ["sju"] * 40 + ["2"] * (len(frame) - 40)  # most values invalid
    path = tmp_path / f"ht_beslut.{fmt}"
    frame.to_parquet(path) if fmt == "parquet" else frame.to_csv(path, sep=";", index=False)
    assert open_source({"file": str(path)}, tmp_path).kind == fmt  # the engine scans the file
    with pytest.raises(data.DataValidationError, match="most values invalid"):
        data.load_table("ht_beslut", data_dir=tmp_path, columns=["adl_beroende"])
    res = data.load_table("ht_beslut", data_dir=tmp_path, columns=["beviljade_timmar"])
    assert len(res.data) == len(frame)
    assert "adl_beroende" not in res.data.columns and "alder" not in res.data.columns
    assert {"beviljade_timmar", "kon", "beslut_id", "beslutsdatum", "ar"} >= set(res.data.columns) - {"person_id"}
    assert res.checked.complete is not None
    assert res.has("alder") and res.has("adl_beroende")  # from the whole check, made when asked
    whole = check_source("ht_beslut", table_sources(data_dir=tmp_path)["ht_beslut"])
    assert "adl_beroende" in whole.failed_columns()
    assert res.checked.full().problems == whole.problems


def test_cp1252_and_xlsx_are_read_without_the_engines_extensions(tmp_path):
    frame = _export(10)
    frame.to_csv(tmp_path / "a.csv", sep=";", index=False, encoding="cp1252")
    frame.to_excel(tmp_path / "b.xlsx", index=False)
    assert open_source({"file": "a.csv"}, tmp_path).kind == "arrow"
    assert open_source({"file": "b.xlsx"}, tmp_path).kind == "arrow"
    frame.to_csv(tmp_path / "c.csv", sep=";", index=False, encoding="utf-8")
    assert open_source({"file": "c.csv"}, tmp_path).kind == "csv"
    loaded = []
    for name in ("a.csv", "b.xlsx", "c.csv"):
        cfg_dir = tmp_path / name.replace(".", "_")
        cfg_dir.mkdir()
        (cfg_dir / ("ht_beslut" + name[1:])).write_bytes((tmp_path / name).read_bytes())
        loaded.append(data.load_table("ht_beslut", data_dir=cfg_dir, columns=["enhet"]).data)
    for other in loaded[1:]:
        pd.testing.assert_frame_equal(other, loaded[0])
    assert set(loaded[0]["enhet"]) == {"Söder", "Norr"}


def test_a_csv_the_engine_parses_differently_goes_to_the_python_reader(tmp_path):
    """A blank line, or a quote after spaces, is read as pandas reads it (same row numbers)."""
    frame = _export(6)
    text = frame.to_csv(sep=";", index=False)
    lines = text.splitlines()
    (tmp_path / "ht_beslut.csv").write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")
    assert open_source({"file": "ht_beslut.csv"}, tmp_path).kind == "arrow"
    res = data.load_table("ht_beslut", data_dir=tmp_path, columns=["beviljade_timmar"])
    assert res.data["beviljade_timmar"].tolist() == frame["beviljade_timmar"].tolist()
