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
    """Windows-1252 without a byte of 0x80-0x9F is Latin-1, which the engine's CSV reader
    decodes itself; with such a byte (the euro sign) Python decodes it, as it decodes a
    workbook: no extension of the engine is loaded (they are downloaded when first used)."""
    import duckdb

    from jamtools.data.engine import shared

    frame = _export(10)
    frame.to_csv(tmp_path / "a.csv", sep=";", index=False, encoding="cp1252")
    frame.to_excel(tmp_path / "b.xlsx", index=False)
    assert open_source({"file": "a.csv"}, tmp_path).kind == "csv"
    assert open_source({"file": "a.csv"}, tmp_path).csv_options["encoding"] == "latin-1"
    assert open_source({"file": "b.xlsx"}, tmp_path).kind == "arrow"
    frame.assign(enhet=frame["enhet"].str.replace("Norr", "Norr €")).to_csv(
        tmp_path / "d.csv", sep=";", index=False, encoding="cp1252")
    assert open_source({"file": "d.csv"}, tmp_path).kind == "arrow"
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
    for con in (shared(), duckdb.default_connection()):
        assert not con.sql("SELECT extension_name FROM duckdb_extensions() WHERE loaded AND "
                           "install_mode NOT IN ('STATICALLY_LINKED')").fetchall()


@pytest.mark.parametrize("blank", [" \t", ""])
def test_a_csv_the_engine_parses_differently_goes_to_the_python_reader(tmp_path, blank):
    """A blank line (spaces and tabs, or empty, also at the end), or a quote after spaces, is
    read as pandas reads it (same rows), by the Python reader. (The engine mostly skips an
    empty line, but not one ended by CRLF at the edge of its buffer, which became a row of
    missing values.) The rows after the blank line keep their row numbers in the file."""
    from jamtools.data import readers

    frame = _export(6)
    text = frame.to_csv(sep=";", index=False)
    lines = text.splitlines()
    frame["alder"] = frame["alder"].astype(object)
    frame.loc[4, "alder"] = "åttio"  # a problem after the blank line: its row number
    lines[5] = ";".join(frame.loc[4].astype(str))
    (tmp_path / "ht_beslut.csv").write_text("\n".join(lines[:3] + [blank] + lines[3:]) + "\n\n\n",
                                            encoding="utf-8")
    assert open_source({"file": "ht_beslut.csv"}, tmp_path).kind == "arrow"
    res = data.load_table("ht_beslut", data_dir=tmp_path, columns=["beviljade_timmar", "alder"])
    assert res.data["beviljade_timmar"].tolist() == frame["beviljade_timmar"].drop(4).tolist()
    python = readers.read_csv(tmp_path / "ht_beslut.csv")
    assert python["alder"].tolist() == frame["alder"].astype(str).tolist()
    rows = {p.column: p.rows for p in res.checked.problems}
    # line 7 of the file (the header, two rows, the blank line, three rows): it was 6, the
    # rows pandas read, so that an analyst who went to row 6 found the row before
    assert rows["alder"] == (7,), rows


def _reads_the_same(data: bytes) -> bool:
    """The rule :func:`readers._scan_csv` applies, on the whole file at once: no line of
    spaces and tabs only (``\\r`` before its line break allowed) and no quote after a
    separator and spaces."""
    import re

    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()  # (after the last line break, nothing is a line; spaces there are one)
    return not any(re.fullmatch(rb"[ \t]*\r?", line) for line in lines) and not _spaced_quote(data)


def _spaced_quote(data: bytes) -> bool:
    """A quote after spaces, after a separator or at a line's start (pandas reads a quoted
    field there; the engine's reader, at a line's start, the quotes as text), or spaces after
    a quote before a separator or a line's end (pandas keeps them, the engine does not)."""
    import re

    return re.search(rb"(^|[;,\t\n]) +\"|\" +([;,\t\r\n]|$)", data) is not None


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 65, 1 << 24])
def test_the_scan_finds_what_the_engine_reads_otherwise_in_any_chunk(tmp_path, monkeypatch, chunk):
    """Blank lines and spaced quotes anywhere: first line, last line, on a chunk's edge, and
    the line breaks and spaces around them that are not one (e.g. a chunk's end just after a
    line break, which ``(^|\\n)`` on the chunk and its predecessor's end took for a blank line)."""
    import random
    import re

    from jamtools.data import readers

    monkeypatch.setattr(readers, "_CHUNK", chunk)
    rng = random.Random(chunk)
    pieces = [b"a;b", b"1;2", b";", b" ", b"\t", b"\r", b'"x"', b'; "y"', b"\n", b"\n", b"\r\n", b"\xc3\xb6",
              b'"" ']
    cases = [b"a;b\n\n1;2\n", b"\na;b\n1;2\n", b"  \na;b\n", b"\r\na;b\n", b"a;b\n1;2\n \t\n",
             b'a;b\n1; "2"\n', b'a;b\n1;"2" \n', b"a;b\n1;2", b"a;b\n1;2\n", b"a;b\r\n1;2\r\n",
             b'a;b\n  "1";2\n', b' "a";b\n1;2\n', b"a;b\n1;2\r", b"a;b\n" + b"1;2\n" * 6000 + b" \r \n5;6\n",
             b'a;b\n1;2\n3;4;"" \n', b'a;b\n"x"  ;2\n', b'a;b\n1;"x" ', b'a;b\n1;"x""" \r\n', b'a;b\n"x" y;2\n']
    cases += [b"a;b\n" + b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    cases += [b"a;b\n" + b"1;2\n" * 70 + b"\n3;4\n", b"a;b\n" + b"1;2\n" * 70 + b"3; \"4\"\n",
              b"a;b\n1;2\n" + b" " * 150 + b"\n3;4\n", b"a;b\n1;" + b" " * 150 + b'"2"\n',
              b"a;b\n1;2\n" + b" " * 150 + b"3;4\n", b"a;b\n1;" + b" " * 150 + b'2"\n']
    seen = set()
    for i, data in enumerate(cases):
        # the same in Windows-1252 (read by the engine as Latin-1), found or given, with the
        # byte that is not UTF-8 anywhere; with a byte of 0x80-0x9F the engine reads only a copy
        # in UTF-8, so nothing is said of what the file holds
        latin = data.replace(b"\xc3\xb6", b"\xf6")
        at = rng.randint(4, len(latin))
        for variant, given, engine in ((data, None, "utf-8"), (latin[:at] + b"\xf6" + latin[at:], None, "latin-1"),
                                       (latin, "cp1252", "latin-1"), (latin, "latin-1", "latin-1"),
                                       (latin[:at] + b"\x80" + latin[at:], "latin-1", None),
                                       (latin[:at] + b"\x80" + latin[at:], None, None)):
            no_cr = re.search(rb"\r(?!\n)", variant) is None  # (anywhere: pandas ends a line there)
            expected = _reads_the_same(variant) and no_cr
            path = tmp_path / f"{i}.csv"
            path.write_bytes(variant)
            scan = readers._scan_csv(path, given, path.name)
            assert scan.encoding == (given or ("utf-8" if engine == "utf-8" else "cp1252"))
            assert scan.engine_encoding == engine, (variant, given)
            assert scan.engine_ok == (expected and engine is not None), (variant, given)
            # blank lines without spaced quotes: the engine may read the export's copy without them
            assert scan.blank_lines == (not expected and no_cr and not _spaced_quote(variant)
                                        and engine is not None), (variant, given)
            seen.add((expected, scan.blank_lines))
    assert {(True, False), (False, True), (False, False)} <= seen
    # UTF-8 with a byte of 0x80-0x9F (the second of Ö's), then a byte that is not UTF-8: not
    # Latin-1 to Windows-1252, whichever chunk the byte is in
    path = tmp_path / "mixed.csv"
    path.write_bytes("a;b\n1;Öster\n".encode() * 10 + b"2;S\xf6der\n")
    assert readers._scan_csv(path, None, path.name).engine_encoding is None
    path.write_bytes(b"a;b\n1;Oster\n" * 10 + b"2;S\xf6der\n")  # (ASCII before: it is Latin-1)
    assert readers._scan_csv(path, None, path.name).engine_encoding == "latin-1"
    # found by review: a UTF-8 mark on a file that is not UTF-8 (Python's reader refuses it as
    # UTF-8 with a mark), and Latin-9 (not Latin-1 at 0xA4, the euro sign): never as Latin-1
    path.write_bytes(b"\xef\xbb\xbfa;b\n1;\xf6\n")
    assert readers._scan_csv(path, None, path.name).engine_encoding is None
    path.write_bytes(b"a;b\n1;\xa4\n")
    for given in ("iso-8859-15", "latin-9", "cp1250", "utf-8"):
        assert readers._scan_csv(path, given, path.name).engine_encoding is None, given
    for given in ("latin1", "l1", "ISO8859-1", "cp819", "CP1252", "windows-1252"):
        assert readers._scan_csv(path, given, path.name).engine_encoding == "latin-1", given


def test_text_of_a_value_is_pythons_strip():
    """The engine's text of a VARCHAR value (``check.sql_text``: a fast path for visible ASCII
    at both ends, the general test, then the trim) is pandas' ``str.strip()`` with empty as
    missing, as the readers write it, for every kind of end a value can have."""
    import random

    import pyarrow as pa

    from jamtools.data.check import sql_text
    from jamtools.data.engine import connect

    ends = [" ", "\t", "\n", "\xa0", "\x85", "\u1680", "\u2007", "\u3000", "\u200b", "\x01", "\x1f",
            "!", "~", "\x7f", "a", "Z", "0", "Å", "ö", "é", "e\u0301", "\u0301", "€", "😀", "\ufeff",
            "\u167f", "\u1681", "\x84", "\x86", "\x9f", "\xa1"]
    values = ["", None, "a", "~", "!", "ab", " a ", "  ", "\xa0\xa0"]
    values += [x + "mitt" + y for x in ends for y in ends]
    values += [x for x in ends] + [x + y for x in ends for y in ends]
    rng = random.Random(7)
    values += ["".join(rng.choice(ends) for _ in range(rng.randint(1, 5))) for _ in range(2000)]
    con = connect(memory_limit="256MB", threads=1)
    con.register("v", pa.table({"q": pa.array(values, pa.string())}))
    got = [r[0] for r in con.execute(f"SELECT {sql_text('q', 'VARCHAR')} FROM v").fetchall()]
    want = [None if v is None or not v.strip() else v.strip() for v in values]
    bad = [(v, g, w) for v, g, w in zip(values, got, want) if g != w]
    assert not bad, bad[:5]


def test_release_closes_the_shared_connection_and_forgets_what_loads_kept():
    """release_engine: the ids kept for checks of references and the counts of missing
    references are forgotten, this process's shared connection is closed (its tables gone) and
    the next use opens a new one that works."""
    import duckdb

    from jamtools.data import links
    from jamtools.data.load import _KNOWN_IDS, release_engine
    from tests.conftest import SYNTHETIC

    data.load_table("eb_insatser", data_dir=SYNTHETIC, columns=["kon", "planering_id"], cells=True, linked=True)
    before = engine.shared()
    assert len(_KNOWN_IDS) and len(links._MISSING)
    release_engine()
    assert not _KNOWN_IDS and not links._MISSING
    with pytest.raises(duckdb.ConnectionException):
        before.execute("SELECT 1")
    after = engine.shared()
    assert after is not before and after.execute("SELECT 42").fetchall() == [(42,)]
    loaded = data.load_table("eb_insatser", data_dir=SYNTHETIC, columns=["kon", "planering_id"],
                             cells=True, linked=True)
    assert loaded.rows.con is after and loaded.n_rows() > 0


def test_ids_are_kept_for_checks_of_references_only_for_the_tables_named():
    """load_table(keep_ids_for=...): eb_insatser's load checks its references to eb_planering
    and eb_klienter. Without keep_ids_for every id it read for them, and its own planering ids
    (nothing refers to those), stay in the engine for later loads; with the tables the caller
    will still load, only the ids one of them refers to (eb_utfall refers to eb_klienter's
    person ids, not to eb_planering's); with none, no id stays. The references are checked
    alike in every case."""
    from jamtools.data.load import _KNOWN_IDS, release_engine
    from tests.conftest import SYNTHETIC

    def kept_after(**kw):
        release_engine()
        loaded = data.load_table("eb_insatser", data_dir=SYNTHETIC, cells=True, linked=True,
                                 columns=["kon", "planering_id", "person_id"], **kw)
        kept = sorted((k[0], k[1]) for k, v in _KNOWN_IDS.items() if v is not None)
        return kept, loaded.quality(), engine.shared().execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0]

    every, account, _ = kept_after()
    assert every == [("eb_klienter", "person_id"), ("eb_planering", "planering_id")]
    some, account_some, _ = kept_after(keep_ids_for=("eb_utfall",))
    assert some == [("eb_klienter", "person_id")]
    none, account_none, tables = kept_after(keep_ids_for=())
    assert none == [] and tables == 1  # only the load's own rows
    pd.testing.assert_frame_equal(account, account_some)
    pd.testing.assert_frame_equal(account, account_none)
    release_engine()


def test_the_run_gives_the_engine_back_before_the_kernels_start(monkeypatch, tmp_path):
    """The runner releases the engine (its check's memory) before it starts a kernel."""
    from jamtools.run import runner
    from jamtools.run.config import load_config

    calls = []
    monkeypatch.setattr(runner, "release_engine", lambda: calls.append("release"))

    def kernel():
        calls.append("kernel")
        raise RuntimeError("stop before any kernel")

    monkeypatch.setattr(runner, "ensure_kernel", kernel)
    with pytest.raises(RuntimeError, match="stop before any kernel"):
        runner.run(load_config(None), tmp_path / "out", only=["bof_02_utredning_till_insats"], build=False,
                   cache=False, progress=False)
    assert calls == ["release", "kernel"]
