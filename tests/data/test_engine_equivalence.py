"""The engine check (DuckDB, ``jamtools.data.check.check_table``) gives exactly what the pandas
check gave before it (``tests/data/reference_check.py``, a frozen copy): the same typed data
(values and dtypes), problems (counts, first rows, examples, messages), masks, derived columns
and dependencies, on the bad-file fixtures, the personnummer fixtures, the demo data and a
table of messy values written the many ways exports write them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.data import check
from jamtools.data.model import TABLES
from jamtools.data.readers import read_source
from tests.data import reference_check as reference

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = pd.Timestamp("2025-06-30")


def assert_same(raw: pd.DataFrame, table: str, *, export_names=None):
    t = TABLES[table]
    got = check.check_table(raw, t, source="f.csv", export_names=export_names, today=TODAY)
    want = reference.check_table(raw, t, source="f.csv", export_names=export_names, today=TODAY)
    pd.testing.assert_frame_equal(got.data, want.data, check_exact=True)
    assert [p.as_dict() for p in got.problems] == [p.as_dict() for p in want.problems]
    assert list(got.masks) == list(want.masks)
    for k in want.masks:
        assert got.masks[k].tolist() == want.masks[k].tolist(), k
    assert got.derived == want.derived and got.depends == want.depends
    assert got.present == want.present and got.rows_read == want.rows_read
    for cols in ([c.name for c in t.columns], ["kon"]):
        assert [(r, m.tolist()) for r, m in got.bad_rows(cols)] == \
            [(r, m.tolist()) for r, m in want.bad_rows(cols)]
    return got


def _fixture_cases():
    import yaml

    expected = yaml.safe_load((FIXTURES / "bad" / "expected.yml").read_text(encoding="utf-8"))
    unreadable = {f for f, spec in expected.items() if spec["kind"] == "error" and f != "ht_saknad_kolumn.csv"}
    out = []
    for path in sorted((FIXTURES / "bad").iterdir()) + sorted((FIXTURES / "personnummer").iterdir()):
        if path.suffix not in (".csv", ".xlsx", ".parquet") or path.name in unreadable:
            continue
        stem = path.stem
        table = next((t for t in TABLES if stem.startswith(t)), None)
        table = table or ("bof_insatser" if stem.startswith("bof_insatser") else
                          "eb_klienter" if stem == "Klienter" else "ht_beslut")
        out.append(pytest.param(path, table, id=path.name))
    return out


@pytest.mark.parametrize("path,table", _fixture_cases())
def test_fixture_files_check_the_same(path, table):
    raw, _ = read_source({"file": str(path)}, path.parent)
    if table == "eb_klienter" and "personnummer" in raw.columns:
        raw = raw.rename(columns={"Kon": "kon"})
    assert_same(raw, table)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_demo_tables_check_the_same(demo, table):
    folder, _ = demo
    path = folder / f"{table}.csv"
    raw, _ = read_source({"file": str(path)}, folder)
    assert_same(raw, table)


def _messy(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Values as exports write them, good and bad, many times over."""
    rng = np.random.default_rng(seed)
    numbers = ["20,5", "1 234,5", "1\u00a0234", "−3", "-3", "4.0", "1e3", "3,5e1", "+7", ".5", "5.",
               "sjuttio", "NaN", "nan", "inf", "-inf", " 12 ", "0x1A", "1_000", "2.5.1", "", None,
               "12345678901234567890", "0,0000001", "7\u202f000", "140", "-1", "6", "2,5", "1.0e400",
               "60 år", "100+ år", "7+", "7 ÅR", "3\u00a0år"]
    dates = ["2024-01-05", "20240105", "2024-02-30", "2024-13-01", "5/2 -24", "2024-03-05 10:00",
             "2024-03-05T10:00:00", "2024-03", "2024", "", None, "19991231", "2024-1-5", "  2024-06-01 ",
             "2024-03-05T10:00:00.123456", "00010101"]
    bools = ["1", "0", "ja", "Nej", "JA", "true", "False", "1.0", "0.0", "j", "n", "sant", "falskt",
             "kanske", "2", "", None, " ja "]
    sexes = ["kvinna", "man", "K", "m", "F", "1", "2", "X", "", None, " Kvinna ", "female", "okänd",
             "kvinnor", "MÄN", "Pojkar"]
    pnrs = ["19121212-1212", "121212-1212", "191212121212", "1212121212", "19121212-1213",
            "20000229-1234", "19000229-1234", "121212+1212", "19701063-2391", "19701063-2392",
            "abc", "", None, "１２１２１２-１２１２", " 19121212 - 1212 ", "18991231-1234",
            "20991231-1234", "640823-3234", "640823-3235", "19640823-3234"]
    pick = lambda values: pd.array([values[i] for i in rng.integers(0, len(values), n)], dtype="string")  # noqa: E731
    frame = pd.DataFrame({
        "beslut_id": pd.array([f"H{i}" if i % 17 else None for i in rng.integers(0, n // 2, n)],
                              dtype="string"),
        "personnummer": pick(pnrs), "kon": pick(sexes), "alder": pick(numbers),
        "beslutsdatum": pick(dates), "enhet": pick(["A", "B", "Östermalm", "", None]),
        "adl_beroende": pick(numbers), "ensamboende": pick(bools), "beviljade_timmar": pick(numbers),
    })
    return frame.apply(lambda s: s.str.strip().replace("", pd.NA))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_messy_values_check_the_same(seed, monkeypatch):
    monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", "a key for the test")
    raw = _messy(seed=seed)
    assert_same(raw, "ht_beslut")
    assert_same(raw.drop(columns=["kon", "alder"]), "ht_beslut")
    assert_same(raw.drop(columns=["beslutsdatum", "beslut_id"]), "ht_beslut")
    child = raw.rename(columns={"beslut_id": "utredning_id", "beslutsdatum": "startdatum",
                                "ensamboende": "insats_beviljad"})
    assert_same(child.drop(columns=["alder"]), "bof_utredningar")
    # the rules across a row's columns: an end before its start, a parent contacted who is not there
    shuffled = lambda c: raw[c].sample(frac=1, random_state=seed).to_numpy()  # noqa: E731
    child = child.assign(slutdatum=shuffled("beslutsdatum"), mamma_finns=shuffled("ensamboende"),
                         mamma_kontaktad=raw["ensamboende"].to_numpy())
    assert_same(child.drop(columns=["alder"]), "bof_utredningar")
    # ... and days that are not those between the dates (some are, some not)
    start = pd.to_datetime(raw["beslutsdatum"], errors="coerce", format="%Y-%m-%d")
    end = pd.to_datetime(pd.Series(shuffled("beslutsdatum")), errors="coerce", format="%Y-%m-%d")
    days = (end - start).dt.days.astype("Int64").astype("string")
    outcomes = raw.drop(columns=["beslut_id"]).rename(columns={"beslutsdatum": "startdatum"}).assign(
        slutdatum=shuffled("beslutsdatum"), dagar=days.where(days.index % 3 > 0, raw["adl_beroende"]))
    assert_same(outcomes, "eb_utfall")
    clients = raw.drop(columns=["beslut_id"]).rename(columns={"beslutsdatum": "ansokningsdatum"})
    assert_same(clients, "eb_klienter")


def test_a_long_key_hmac_equals_python(monkeypatch):
    monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", "k" * 100)
    raw = _messy(seed=3)
    got = assert_same(raw, "ht_beslut")
    assert got.data["person_id"].notna().any()


@pytest.mark.parametrize("table", ["ht_beslut", "bof_insatser"])
def test_an_export_with_blank_lines_checks_the_same(demo, tmp_path, table):
    """A demo export with blank lines (before the header, between rows, at the end): both
    checks name the rows by their numbers in the file, which the readers give (the index), and
    number the ids of a table without an id column from them."""
    folder, _ = demo
    lines = (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    for at in (len(lines) - 3, 40, 7, 3, 0):  # (from the end: the earlier places stay)
        lines.insert(at, "" if at % 2 else "  ")
    path = tmp_path / f"{table}.csv"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    raw, _ = read_source({"file": str(path)}, tmp_path)
    assert raw.index[0] == 1 and raw.index[-1] == len(lines) - 2  # (the header is line 2)
    raw.iloc[45, raw.columns.get_loc("alder")] = "åttio"  # (a problem after the blank lines)
    got = assert_same(raw, table)
    key = raw[TABLES[table].key].iloc[45]  # (the row's line in the file, by its id)
    line = next(i for i, text in enumerate(lines, start=1) if text.startswith(f"{key},"))
    assert [p.rows for p in got.problems if p.column == "alder"] == [(line,)] and line > 47
    keyless = raw.drop(columns=[TABLES[table].key])
    got = assert_same(keyless, table)
    assert got.data[TABLES[table].key].iloc[0] == "rad 3"
