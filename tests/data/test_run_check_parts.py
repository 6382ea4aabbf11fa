"""The run's check of its inputs reads a table in parts whose memory does not grow with the
rows (:func:`jamtools.data.load.check_source_parts`: a cell table per column, the identifying
columns as rows). Its report must be the report of the whole table checked as rows: the same
columns, derived columns, rows, problems (counts, first row numbers, examples), references
and chapters that can run. Checked on every bad-file fixture, the personnummer fixture, a
reference to a missing row, and the demo data."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from jamtools.data import load
from jamtools.run import check as run_check
from jamtools.run.config import load_config

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = yaml.safe_load((FIXTURES / "bad" / "expected.yml").read_text(encoding="utf-8"))


def _whole(name: str, spec: dict, *, save=None, blank=(), distinct=(), windows=()):
    """The reference: every column of the table in one row-level check (its ids handed to the
    engine as rows for the references, as a ``sql:`` source's are; the same columns' blanks
    said as row problems; the values of ``distinct`` in each period of ``windows`` from its
    rows, in pandas; and whether any row is in each window)."""
    checked = load.check_source(name, spec, blank=blank)
    if save:
        load._save_rows(checked, save)
    rows_in: list = []
    checked.seen = load.values_seen(checked, distinct, windows, rows_in=rows_in)
    checked.rows_in = tuple(rows_in)
    return [checked]


def assert_parts_equal_whole(config, monkeypatch):
    parts = run_check.check_inputs(config).as_dict()
    with monkeypatch.context() as m:
        m.setattr(run_check, "check_source_parts", _whole)
        whole = run_check.check_inputs(config).as_dict()
    assert parts["tables"].keys() == whole["tables"].keys()
    for name in whole["tables"]:
        got, want = parts["tables"][name], whole["tables"][name]
        assert {k: v for k, v in got.items() if k != "problems"} == \
            {k: v for k, v in want.items() if k != "problems"}, name
        key = lambda p: (p["column"] or "", p["kind"])  # noqa: E731 - the order of the parts
        assert sorted(got["problems"], key=key) == sorted(want["problems"], key=key), name
    assert parts["chapters"] == whole["chapters"]
    return parts


def _config(tmp_path, table: str, file: str, options=None, also=None):
    tables = {table: {"file": str(FIXTURES / "bad" / file), **(options or {})}}
    for other, other_file in (also or {}).items():
        tables[other] = {"file": str(FIXTURES / "bad" / other_file)}
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": str(tmp_path), "tables": tables}, allow_unicode=True),
                   encoding="utf-8")
    return load_config(cfg)


@pytest.mark.parametrize("file", sorted(f for f, s in EXPECTED.items() if s["kind"] != "error")
                         + ["ht_korrekt.csv"])
def test_bad_files_are_reported_as_the_whole_table_check_reports_them(tmp_path, monkeypatch, file):
    spec = EXPECTED.get(file, {"table": "ht_beslut"})
    report = assert_parts_equal_whole(
        _config(tmp_path, spec["table"], file, spec.get("options"), spec.get("also")), monkeypatch)
    if file != "ht_korrekt.csv":
        assert any(p["severity"] == "rader" or p["kind"] != "derived"
                   for p in report["tables"][spec["table"]]["problems"])


def test_personnummer_exports_and_a_dangling_reference(tmp_path, monkeypatch):
    """Sex, age and the pseudonym derived from personnummer; a planning for a client that is
    not in the client table (the reference follows the pseudonym, in the identifying part)."""
    for f in ("Klienter.csv", "jamtools.yml", "eb_planering.csv", "bof_aktualiseringar.csv"):
        shutil.copy(FIXTURES / "personnummer" / f, tmp_path / f)
    frame = pd.read_csv(tmp_path / "eb_planering.csv", dtype=str)
    frame.loc[1, "personnummer"] = "191401682396"  # a valid samordningsnummer, no client
    frame.to_csv(tmp_path / "eb_planering.csv", index=False)
    report = assert_parts_equal_whole(load_config(tmp_path / "jamtools.yml"), monkeypatch)
    kinds = {p["kind"] for p in report["tables"]["eb_planering"]["problems"]}
    assert "dangling_reference" in kinds


def test_the_demo_data(monkeypatch):
    report = assert_parts_equal_whole(load_config(None), monkeypatch)
    assert len(report["tables"]) >= 10


def test_dangling_references_in_the_engine_equal_the_row_level_rule():
    """:func:`dangling_references` against :func:`not_in`, :func:`first_rows` and
    :func:`harmless_example` on the loaded columns: gaps, repeats, empty values, numbers
    written as text, and long values (shown cut at 30 characters)."""
    import numpy as np

    from jamtools.data.check import dangling_references, first_rows, harmless_example, not_in
    from jamtools.data.engine import shared, unique_name

    rng = np.random.default_rng(7)
    known = pd.Series([f"U{i}" for i in range(0, 400, 3)] + ["12", None], dtype="string")
    values = pd.Series([f"U{i}" for i in rng.integers(0, 400, 900)] + ["12", "12.0", None, "x" * 40, "U1"],
                       dtype="string")
    con = shared()
    tables = []
    for frame in (values, known):
        name = unique_name("t")
        con.register(name + "_src", pd.DataFrame({"__row": np.arange(len(frame)), "v_c": frame}))
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_src")
        con.unregister(name + "_src")
        tables.append(name)
    try:
        mask = not_in(values, known.dropna().to_numpy())
        for hide in (False, True):
            n, rows, example = dangling_references(con, tables[0], "c", tables[1], "c", hide=hide)
            assert n == int(mask.sum()) > 100
            assert rows == first_rows(mask)
            assert example == harmless_example(values[mask], hide=hide)
        assert dangling_references(con, tables[1], "c", tables[1], "c", hide=False) == (0, (), None)
    finally:
        for name in tables:
            con.execute(f"DROP TABLE {name}")
