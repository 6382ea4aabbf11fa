"""The same data as ;-CSV with decimal comma in Windows-1252, UTF-8-BOM CSV, XLSX, Parquet and a
PostgreSQL table load to identical DataFrames, through a jamtools.yml with column and code
mappings as an organisation would write it."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from jamtools.run.config import load_config
from tests.helpers import PG_URL, pg_available

from jamtools import data



def _export() -> pd.DataFrame:
    """A home-help export with the organisation's own names and codes (Swedish letters too)."""
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame({
        "BeslutsNr": [f"H{i:04d}" for i in range(n)],
        "Brukare": [f"P{i % 30:04d}" for i in range(n)],
        "Kön": rng.choice(["K", "M"], n),
        "Ålder": rng.integers(65, 99, n),
        "Beslutsdatum": pd.date_range("2024-01-03", periods=n, freq="7D").strftime("%Y-%m-%d"),
        "År": 2024,
        "Enhet": rng.choice(["Södermalm", "Östermalm"], n),
        "ADL": rng.integers(0, 7, n),
        "Bor ensam": rng.choice(["Ja", "Nej"], n),
        "Timmar/mån": np.round(rng.gamma(2, 15, n), 1),
    })


MAPPING = {
    "columns": {"BeslutsNr": "beslut_id", "Brukare": "person_id", "Kön": "kon", "Ålder": "alder",
                "Beslutsdatum": "beslutsdatum", "År": "ar", "Enhet": "enhet", "ADL": "adl_beroende",
                "Bor ensam": "ensamboende", "Timmar/mån": "beviljade_timmar"},
    "values": {"kon": {"K": "kvinna", "M": "man"}},
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    df = _export()
    sv = df.copy()
    sv["Timmar/mån"] = sv["Timmar/mån"].map(lambda v: f"{v:.1f}".replace(".", ","))
    sv.to_csv(d / "semikolon_cp1252.csv", sep=";", index=False, encoding="cp1252")
    df.to_csv(d / "utf8_bom.csv", sep=",", index=False, encoding="utf-8-sig")
    df.to_excel(d / "export.xlsx", sheet_name="Beslut 2024", index=False)
    df.to_parquet(d / "export.parquet", index=False)
    specs = {
        "cp1252": {"file": "semikolon_cp1252.csv"},
        "bom": {"file": "utf8_bom.csv"},
        "xlsx": {"file": "export.xlsx", "sheet": "Beslut 2024"},
        "parquet": {"file": "export.parquet"},
    }
    if pg_available() or os.environ.get("CI"):
        import sqlalchemy
        engine = sqlalchemy.create_engine(PG_URL)
        with engine.begin() as con:
            df.to_sql("hemtjanst_export", con, if_exists="replace", index=False)
        engine.dispose()
        specs["postgres"] = {"sql": {"url": PG_URL, "query": 'SELECT * FROM hemtjanst_export ORDER BY "BeslutsNr"'}}
    return d, specs


def _load(d, spec):
    cfg = d / f"jamtools_{abs(hash(str(spec)))}.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": ".", "tables": {"ht_beslut": {**spec, **MAPPING}}},
                                  allow_unicode=True), encoding="utf-8")
    return data.load_table("ht_beslut", data_dir=d, config=load_config(cfg)).data.reset_index(drop=True)


def test_every_format_loads_to_the_same_frame(sources):
    d, specs = sources
    frames = {name: _load(d, spec) for name, spec in specs.items()}
    reference = frames.pop("parquet")
    assert len(reference) == 40 and set(reference.kon) == {"kvinna", "man"}
    assert reference["beviljade_timmar"].dtype == "Float64" and reference["enhet"].str.contains("ö|Ö").any()
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, reference, obj=name)


def test_postgres_is_tested_under_ci(sources):
    """Under CI the SQL path must be exercised: no skipping into green."""
    _, specs = sources
    if not os.environ.get("CI") and "postgres" not in specs:
        pytest.skip("no PostgreSQL server on localhost:5432 outside CI")
    assert "postgres" in specs


def test_encoding_and_separator_detection(sources):
    from jamtools.data.readers import detect_encoding, detect_separator
    d, _ = sources
    assert detect_encoding((d / "semikolon_cp1252.csv").read_bytes()) == "cp1252"
    assert detect_encoding((d / "utf8_bom.csv").read_bytes()) == "utf-8-sig"
    assert detect_separator("a;b;c\n1,5;2;3\n") == ";"
    assert detect_separator("a,b,c\n1,2,3\n") == ","


def test_the_xlsx_reader_gives_every_cell_as_openpyxl_would(tmp_path):
    """The workbook reader is calamine (fast); each cell must become the same text as with
    openpyxl, the reader it replaced: dates, date-times, times, decimals, integers written as
    floats, large and tiny numbers, booleans, blanks, text with spaces and Swedish letters,
    formulas without a cached value."""
    import datetime as dt

    from openpyxl import Workbook

    from jamtools.data.readers import _as_text, read_excel

    wb = Workbook()
    ws = wb.active
    ws.title = "Beslut"
    ws.append(["id", "datum", "tid", "belopp", "heltal", "text", "sant", "tom", "andel", "stort"])
    for row in (
        ["a1", dt.date(2024, 1, 5), dt.datetime(2024, 1, 5, 13, 30), 12.5, 3, "Ö-text", True,
         None, 0.25, 12345678901234],
        ["a2", dt.datetime(2024, 2, 29), dt.time(8, 15), -0.1, 0, "  mellanslag ", False, "",
         1e-7, 1.5e15],
        ["a3", "2024-03-01", "13:00", "12,5", "007", "=1+1", None, None, 100, 2 ** 53],
        [4, 20240105, 45000, 1 / 3, 1e20, "x", 1, 0, 3.0, -0.0],
    ):
        ws.append(row)
    path = tmp_path / "export.xlsx"
    wb.save(path)
    expected = _as_text(pd.read_excel(path, sheet_name="Beslut", dtype=object, engine="openpyxl"))
    pd.testing.assert_frame_equal(read_excel(path, sheet="Beslut"), expected)




def _random_cell(rng, kind):
    """A cell of a messy export (of a ``kind`` of column; ``kind!`` never empty): missing, or text
    (with the texts pandas reads as missing, bare or among spaces, number-like and error-like
    text, control characters), a number of any size, a date, date-time, time or duration, a
    boolean, or any of these."""
    import datetime as dt

    if kind.endswith("!"):  # a column without empty cells
        kind = kind[:-1]
    elif rng.random() < 0.15:
        return None
    if kind == "text":
        return rng.choice(["ja", "Nej", "  Ö-text ", "NA", "n/a", "null", "None", "nan", "#N/A",
                           "", " ", "007", "12,5", "1e5", "True", "åäö", "x" * rng.randint(1, 40),
                           "#DIV/0!", "-", "=1+1", "<NA>", "2024-01-05", "NULL", "abc", " NA ",
                           "\u00a0n/a", "NA\u2007", "\x1cx\x1f", "\ufeffa"])
    if kind == "number":
        return rng.choice([0, 1, -3, 12.5, -0.0, 1 / 3, 1e-7, 2 ** 53, 2 ** 53 + 2, 2.0 ** 63,
                           1e20, -1e20, 12345678901234, 0.1, 99.0, 3.0, 1e9, 1e16, 1e-5,
                           rng.randint(-10 ** 6, 10 ** 6), rng.random() * 1000])
    if kind == "date":
        return rng.choice([dt.date(2024, 1, 5), dt.datetime(2024, 2, 29), dt.datetime(2023, 7, 1, 13, 30),
                           dt.time(8, 15), dt.date(1900, 3, 1), dt.datetime(2024, 12, 31, 23, 59, 59),
                           dt.timedelta(hours=30, minutes=5), dt.date(1904, 1, 2)])
    if kind == "day":  # dates and date-times only
        return rng.choice([dt.date(2024, 1, 5), dt.datetime(2024, 2, 29), dt.datetime(2023, 7, 1, 13, 30),
                           dt.date(1900, 3, 1), dt.datetime(1999, 12, 31, 23, 59, 59), dt.date(1904, 1, 2),
                           dt.date(9999, 12, 31)])
    if kind == "bool":
        return rng.choice([True, False])
    return _random_cell(rng, rng.choice(["text", "number", "date", "bool"]))


def _random_workbook(path, seed):
    """A sheet ``Blad`` of 0 to 400 rows and 1 to 7 columns of one kind each or mixed; some with
    an empty, repeated, non-text or byte-order-marked header cell, a stray cell beside the table
    or far below it, or the table moved down or right; written by openpyxl (shared strings,
    sometimes in the 1904 date system, formulas without values) or by XlsxWriter's streaming
    mode (inline strings, formulas with cached values, a chart sheet before the table)."""
    import random

    rng = random.Random(seed)
    ncol = rng.randint(1, 7)
    kinds = [rng.choice(["text", "number", "date", "bool", "mixed", "mixed", "text!", "number!",
                         "day", "day!"]) for _ in range(ncol)]
    header = [f"kol_{j}" for j in range(ncol)]
    shape = rng.random()
    if shape < 0.1:
        header[rng.randrange(ncol)] = None
    elif shape < 0.2 and ncol > 1:
        header[1] = header[0]
    elif shape < 0.3:
        header[0] = rng.choice([2024, 1.5, True, "NA", " ", "kol.1", "\ufeffkol_0", "\ufeff\"kol\"x"])
    elif shape < 0.35 and ncol > 1:
        header[1] = header[0] + ".b"  # a name with a dot is not pandas' renaming
    grid = [header] + [[_random_cell(rng, k) for k in kinds]
                       for _ in range(rng.choice([0, 1, 3, 50, 400]))]
    stray = (rng.randint(0, 59), ncol - 1 + rng.randint(1, 3), rng.choice(["x", 5])) \
        if rng.random() < 0.2 else None
    down, right = (rng.randint(1, 2) if rng.random() < 0.1 else 0), (1 if rng.random() < 0.1 else 0)
    cells = {(i + down, j + right): v for i, row in enumerate(grid) for j, v in enumerate(row)
             if v is not None}
    if stray:
        cells[stray[:2]] = stray[2]
    if rng.random() < 0.5:
        from openpyxl import Workbook
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        wb = Workbook()
        ws = wb.active
        ws.title = "Blad"
        if rng.random() < 0.2:
            wb.epoch = CALENDAR_MAC_1904
        for (i, j), v in cells.items():  # (openpyxl refuses control characters)
            ws.cell(row=i + 1, column=j + 1, value=v.translate({0x1c: None, 0x1f: None})
                    if isinstance(v, str) else v)
        wb.save(path)
    else:
        import datetime as dt

        import xlsxwriter

        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
        if rng.random() < 0.2:
            chart = book.add_chart({"type": "column"})
            chart.add_series({"values": "=Blad!$A$2:$A$3"})
            book.add_chartsheet("Diagram").set_chart(chart)
        ws = book.add_worksheet("Blad")
        dates = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for (i, j) in sorted(cells):
            v = cells[(i, j)]
            if isinstance(v, (dt.date, dt.time, dt.timedelta)):
                ws.write_datetime(i, j, v, dates)
            elif isinstance(v, str) and v.startswith("=") and len(v) > 1:
                ws.write_formula(i, j, v, None, 2)  # a formula with its cached value
            elif isinstance(v, str) and v.startswith("#") and rng.random() < 0.5:
                ws.write_formula(i, j, "=NA()", None, v)  # an error, as a formula's value
            else:
                ws.write(i, j, v)
        book.close()


@pytest.mark.parametrize("seed", range(120))
def test_a_sheet_is_read_a_column_at_a_time_as_pandas_reads_it_a_cell_at_a_time(tmp_path, monkeypatch, seed):
    """The workbook reader builds pandas' frame of a sheet (``read_excel(dtype=object)`` with
    calamine) a column at a time: the same cells of the same types (integral numbers as int,
    dates as date-times at midnight, pandas' missing texts as NaN), and the same text after
    (:func:`readers._as_text`); a sheet whose header pandas would rename is read by pandas. The
    collector is on again after the read. Taken in blocks of rows (one row, seven, fifty-one),
    so that a column is of one kind in one block and mixed in another, the sheet gives the same
    frame and text."""
    import gc

    from python_calamine import CalamineWorkbook

    from jamtools.data import readers
    from jamtools.data.readers import _as_text, _read_excel, _sheet_frame

    path = tmp_path / "export.xlsx"
    _random_workbook(path, seed)
    expected = pd.read_excel(path, sheet_name="Blad", dtype=object, engine="calamine")
    got = _sheet_frame(CalamineWorkbook.from_path(str(path)), "Blad")
    assert gc.isenabled()
    if got is not None:
        pd.testing.assert_frame_equal(got, expected)
        kind = lambda v: type(v).__name__  # noqa: E731  (1 == 1.0 == True: the types too)
        pd.testing.assert_frame_equal(got.map(kind), expected.map(kind))
    for sheet in ("Blad", 0, None):  # (the first worksheet, after a chart sheet too)
        pd.testing.assert_frame_equal(_read_excel(path, sheet=sheet), _as_text(expected))
    if got is not None:  # the columns of one kind written as text at once: the same text
        made = _sheet_frame(CalamineWorkbook.from_path(str(path)), "Blad", text=True)
        pd.testing.assert_frame_equal(made, _as_text(expected))
        pd.testing.assert_frame_equal(_as_text(made), _as_text(expected))
    width = len(expected.columns) or 1
    # a row (short sheets), seven rows, fifty rows and a bit
    for cells in ((1,) if len(expected) <= 50 else ()) + (7 * width, 50 * width + 1):
        monkeypatch.setattr(readers, "_SHEET_CHUNK_CELLS", cells)
        if got is not None:
            pd.testing.assert_frame_equal(_sheet_frame(CalamineWorkbook.from_path(str(path)), "Blad"),
                                          expected)
        pd.testing.assert_frame_equal(_read_excel(path), _as_text(expected))


def test_the_sheet_reader_takes_each_kind_of_sheet_its_own_way():
    """Which sheets the column-at-a-time reader reads (plain distinct text headers, whatever the
    cells) and which it leaves to pandas (an empty, repeated, non-text or byte-order-marked
    header cell, or a table that does not start in A1), over the random workbooks above; and
    the texts it reads as missing are pandas' own."""
    import re
    import tempfile

    from pandas._libs.parsers import STR_NA_VALUES
    from python_calamine import CalamineWorkbook

    from jamtools.data.readers import _MISSING_TEXTS, _sheet_frame

    assert set(_MISSING_TEXTS) == set(STR_NA_VALUES) and len(_MISSING_TEXTS) == len(STR_NA_VALUES)
    own = pandas = 0
    with tempfile.TemporaryDirectory() as d:
        for seed in range(120):
            path = Path(d) / f"{seed}.xlsx"
            _random_workbook(path, seed)
            book = CalamineWorkbook.from_path(str(path))
            first = book.get_sheet_by_name("Blad").to_python(skip_empty_area=False)[:1]
            header = pd.read_excel(path, sheet_name="Blad", dtype=object, engine="calamine").columns
            plain = all(isinstance(h, str) and not h.startswith("Unnamed: ") for h in header) and \
                not any(re.search(r"\.\d+$", h) and h.rsplit(".", 1)[0] in header for h in header) and \
                not str(first[0][0] if first and first[0] else "").startswith("\ufeff")
            frame = _sheet_frame(book, "Blad")
            assert (frame is not None) == plain, (seed, list(header))
            own, pandas = own + plain, pandas + (not plain)
    assert own >= 30 and pandas >= 10


def test_a_long_sheet_never_holds_all_its_cells_as_python_objects_at_once(tmp_path, monkeypatch):
    """A sheet is taken from the workbook's parse a block of rows at a time: reading 20 000 rows
    of ten columns (texts, numbers, dates, empty cells, and two columns of texts and numbers,
    each block written as text before the next) in blocks of 10 000 cells allocates at
    its peak a small part of what taking every row at once does (Python's own allocations,
    measured by ``tracemalloc``; calamine's parse and Arrow's text are outside both), and gives
    the same text."""
    import datetime as dt
    import tracemalloc

    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from jamtools.data import readers

    path = tmp_path / "lang.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("Blad")
    days = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [f"kol_{j}" for j in range(10)])
    for i in range(1, 20_001):
        ws.write_row(i, 0, [f"id{i}", "kvinna" if i % 3 else "man", i % 97, i / 7,
                            "" if i % 5 else "NA", f"text {i % 11}", i * 1.5])
        ws.write_datetime(i, 7, dt.datetime(2024, 1, 1) + dt.timedelta(days=i % 400), days)
        ws.write_row(i, 8, [f"x{i}" if i % 2 else i, i / 3 if i % 3 else "sju"])  # mixed columns
    book.close()

    def peak(cells):
        monkeypatch.setattr(readers, "_SHEET_CHUNK_CELLS", cells)
        workbook = CalamineWorkbook.from_path(str(path))
        tracemalloc.start()
        try:
            frame = readers._sheet_frame(workbook, "Blad", text=True)
            return tracemalloc.get_traced_memory()[1], frame
        finally:
            tracemalloc.stop()

    whole, expected = peak(10 ** 9)
    blocks, got = peak(10_000)
    pd.testing.assert_frame_equal(got, expected)
    assert got.shape == (20_000, 10)
    assert blocks < whole / 4, (blocks, whole)


def test_old_excel_workbooks_are_read_a_column_at_a_time_as_pandas_reads_them():
    """An old ``.xls`` workbook (one shipped with statsmodels' tests: integers, decimals, dates
    and texts) gives pandas' frame and text."""
    import statsmodels
    from python_calamine import CalamineWorkbook

    from jamtools.data.readers import _as_text, _read_excel, _sheet_frame

    books = sorted(p for p in Path(statsmodels.__file__).parent.rglob("*.xls") if p.is_file())
    assert books, "statsmodels ships .xls files with its tests"
    taken = 0
    for path in books:
        for sheet in pd.ExcelFile(path, engine="calamine").sheet_names:
            expected = pd.read_excel(path, sheet_name=sheet, dtype=object, engine="calamine")
            got = _sheet_frame(CalamineWorkbook.from_path(str(path)), sheet)
            if got is not None:
                taken += 1
                pd.testing.assert_frame_equal(got, expected)
            pd.testing.assert_frame_equal(_read_excel(path, sheet=sheet), _as_text(expected))
    assert taken


@pytest.mark.parametrize("seed", range(6))
def test_a_column_of_numbers_is_written_as_each_number_is(seed):
    """A spreadsheet's numbers (``int`` for integral values, ``float`` for others, or floats
    only) are written as text a column at a time: each value exactly as
    :func:`readers._one_as_text` writes it alone (no ``.0``, Python's shortest float, missing
    values missing), including sizes around 2**53, tiny and huge floats, -0.0 and NumPy scalars."""
    from jamtools.data import readers

    rng = np.random.default_rng(seed)
    edge = [0, -0.0, 0.5, -7, 1e-7, 1 / 3, 2.5e-300, 1e15 + 0.5, 2 ** 53 - 1, float(2 ** 53 - 1),
            2 ** 53, 2 ** 53 + 1, float(2 ** 53), 2 ** 70, 1e20, 12345678901234, np.int64(42), np.float64(42.25),
            np.int32(-3), np.float32(0.1), np.float32(2.0), np.float16(0.3), np.longdouble(0.1),
            float("nan"), None, pd.NA]
    pool = [*edge, *rng.integers(-10 ** 6, 10 ** 6, 50).tolist(), *(rng.normal(0, 1e4, 50)).tolist(),
            *rng.integers(0, 200, 50).astype(float).tolist()]
    kinds = set()
    for size in (1, 5, 40, 300):
        for only in ("int", "float", "mixed"):
            values = [pool[i] for i in rng.integers(0, len(pool), size)]
            if only == "int":
                values = [v for v in values if isinstance(v, (int, np.integer)) or v is None]
            elif only == "float":
                values = [v for v in values if isinstance(v, float) or v is None]
            s = pd.Series(values, dtype=object, index=rng.permutation(len(values)) + 10)
            kinds.add(pd.api.types.infer_dtype(s, skipna=True))
            got = readers._column_as_text(s)
            expected = s.map(readers._one_as_text).astype("string")
            pd.testing.assert_series_equal(got.astype("string"), expected, check_names=False)
    assert {"integer", "floating", "mixed-integer-float"} <= kinds
    # decimals of every size a register holds, and sums of cents
    wide = (rng.uniform(-1, 1, 30_000) * 10.0 ** rng.integers(-8, 16, 30_000)).tolist()
    wide += (rng.integers(0, 10 ** 7, 10_000) / 100).tolist()
    s = pd.Series(wide, dtype=object)
    pd.testing.assert_series_equal(readers._column_as_text(s).astype("string"),
                                   s.map(readers._one_as_text).astype("string"))
    # the common case takes the column path, not a value at a time
    column = pd.Series([1, 2.5, None, 40, 7.0], dtype=object)
    assert readers._numbers_as_text(column).tolist() == ["1", "2.5", pd.NA, "40", "7"]
    assert readers._numbers_as_text(pd.Series([2 ** 60, 1], dtype=object)) is None
def _run_folder(tmp_path):
    """A folder as a run makes it: marked, closed to others."""
    from jamtools.data import readers

    folder = tmp_path / "decoded"
    folder.mkdir()
    folder.chmod(0o700)
    (folder / readers.DECODED_MARK).write_text("1")
    return folder


def test_a_run_parses_a_workbook_once_and_reads_its_decoded_copy_after(tmp_path, monkeypatch):
    """In a run (the folder of decoded exports set), a sheet is parsed once: later readers
    get the same frame back from the decoded copy. A changed workbook (also one changed in
    its time only), another sheet, or a damaged copy are parsed again; outside a run nothing
    is kept."""
    import os

    from openpyxl import Workbook

    from jamtools.data import readers

    def workbook(values):
        wb = Workbook()
        ws = wb.active
        ws.title = "Beslut"
        ws.append(["id", "enhet", "belopp"])
        for row in values:
            ws.append(row)
        wb.create_sheet("Annat").append(["x"])
        wb.save(tmp_path / "export.xlsx")
        return tmp_path / "export.xlsx"

    parsed = []
    real = readers._read_excel
    monkeypatch.setattr(readers, "_read_excel", lambda path, sheet=None: parsed.append(sheet) or real(path, sheet=sheet))
    path = workbook([["a1", "Södra", 12.5], ["a2", None, 3], ["a3", " Norr ", None]])
    monkeypatch.delenv(readers.DECODED_ENV, raising=False)
    plain = readers.read_excel(path, sheet="Beslut")
    readers.read_excel(path, sheet="Beslut")
    assert len(parsed) == 2  # outside a run: parsed each time

    folder = _run_folder(tmp_path)
    monkeypatch.setenv(readers.DECODED_ENV, str(folder))
    parsed.clear()
    first = readers.read_excel(path, sheet="Beslut")
    again = readers.read_excel(path, sheet="Beslut")
    assert parsed == ["Beslut"] and len(list(folder.glob("*.parquet"))) == 1
    pd.testing.assert_frame_equal(first, plain)
    pd.testing.assert_frame_equal(again, plain)
    readers.read_excel(path, sheet="Annat")
    assert parsed == ["Beslut", "Annat"]

    changed = workbook([["a1", "Västra", 1.0]])  # the same file, new content
    assert readers.read_excel(changed, sheet="Beslut")["enhet"].tolist() == ["Västra"]
    assert parsed[-1] == "Beslut" and len(parsed) == 3
    st = os.stat(changed)
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # only its time changed
    readers.read_excel(changed, sheet="Beslut")
    assert len(parsed) == 4

    for copy in folder.glob("*.parquet"):  # damaged copies: parsed again, nothing wrong read
        copy.write_bytes(b"not parquet")
    assert readers.read_excel(changed, sheet="Beslut")["enhet"].tolist() == ["Västra"]
    assert len(parsed) == 5


def test_in_a_run_the_engine_reads_a_decoded_export_from_its_copy_not_from_pandas(tmp_path, monkeypatch):
    """In a run, an export decoded in Python (a workbook; a CSV export the engine's reader does
    not take) is handed to the engine as the run's copy (kind ``parquet``), from which it reads
    only the columns it needs, not as a frame read back into pandas in every process: the same
    check and load as outside a run, and after the first decoding no copy read by pandas. A
    damaged copy is decoded again; a copy with a column named as the engine's row number is
    handed over as a frame."""
    from jamtools.data import readers
    from jamtools.run.check import check_inputs

    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame({"beslut_id": [f"H{i}" for i in range(n)], "person_id": [f"P{i % 170}" for i in range(n)],
                          "kon": rng.choice(["kvinna", "man", "kvinna", "man", "man", "okänt"], n), "alder": rng.integers(60, 101, n).astype(str),
                          "beslutsdatum": "2024-03-01", "ar": "2024", "enhet": rng.choice(["Södra", "Norra", ""], n),
                          "adl_beroende": rng.choice(["1", "0"], n), "ensamboende": rng.choice(["1", "0"] * 8 + ["x"], n),
                          "beviljade_timmar": [f"{v:.1f}".replace(".", ",") for v in rng.gamma(2, 10, n)]})
    frame.loc[7, "alder"] = "åttio"
    frame.loc[11, "beslut_id"] = "H10"  # a repeated key
    folders = {}
    for name in ("xlsx", "csv", "rownumber"):
        folder = tmp_path / name
        folder.mkdir()
        if name == "xlsx":
            frame.to_excel(folder / "Beslut.xlsx", sheet_name="Beslut", index=False)
            spec = {"file": "Beslut.xlsx", "sheet": "Beslut"}
        else:
            out = frame.assign(FILE_ROW_NUMBER="1") if name == "rownumber" else frame  # (any case)
            text = ";".join(out.columns) + "\n" + "".join(";".join(r) + "\n" for r in out.itertuples(index=False))
            (folder / "Beslut.csv").write_bytes(text.replace(";Södra;", '; "Södra";', 1).encode("cp1252"))  # (Python's)
            spec = {"file": "Beslut.csv"}
        (folder / "jamtools.yml").write_text(yaml.safe_dump({"data_dir": ".", "tables": {"ht_beslut": spec}},
                                                            allow_unicode=True), encoding="utf-8")
        folders[name] = (folder, spec)

    def outcome(folder):
        cfg = load_config(folder / "jamtools.yml")
        checked = check_inputs(cfg).tables["ht_beslut"]
        res = data.load_table("ht_beslut", config=cfg, columns=["beviljade_timmar", "alder", "enhet"])
        return ([(p.kind, p.column, p.count, p.rows, p.example) for p in checked.problems],
                res.data.reset_index(drop=True), res.excluded_by_reason())

    run = _run_folder(tmp_path)
    for name, (folder, spec) in folders.items():
        monkeypatch.delenv(readers.DECODED_ENV, raising=False)
        outside = outcome(folder)
        assert readers.open_source(spec, folder).kind == "arrow"
        monkeypatch.setenv(readers.DECODED_ENV, str(run))
        inside = outcome(folder)
        assert inside[0] == outside[0] and inside[2] == outside[2], name
        pd.testing.assert_frame_equal(inside[1], outside[1], obj=name)
        assert ("not_a_number", "alder", 1, (9,), "'åttio'") in inside[0], inside[0]
        src = readers.open_source(spec, folder)
        assert src.decoded and src.name == spec["file"]
        if name == "rownumber":
            assert src.kind == "arrow"
            continue
        assert src.kind == "parquet" and src.path.parent == run
        read_back = []
        real = pd.read_parquet
        monkeypatch.setattr(pd, "read_parquet", lambda *a, **k: read_back.append(a) or real(*a, **k))
        again = outcome(folder)
        monkeypatch.setattr(pd, "read_parquet", real)
        assert read_back == [] and again[0] == inside[0], name
        src.path.write_bytes(b"not parquet")  # damaged: decoded again
        assert readers.open_source(spec, folder).kind == "parquet"
        assert outcome(folder)[0] == inside[0]


def test_a_run_that_cannot_write_its_copy_reads_the_export_without_one(tmp_path, monkeypatch):
    """A copy that cannot be written (a full disk; a fault of the Parquet writer) is not a
    fault of the export: the export decoded in Python is read without a copy kept, as outside
    a run, and nothing half written is left in the run's folder. A codec that does not give
    text, or a separator of more than one character, in ``jamtools.yml`` gets the readers'
    message."""
    import errno

    import pyarrow as pa
    import pyarrow.parquet as pq

    from jamtools.data import readers

    (tmp_path / "e.csv").write_bytes("id;enhet\nH1; \"Södra\"\nH2;Norra\n".encode("cp1252"))
    expected = readers._read_csv(tmp_path / "e.csv")
    run = _run_folder(tmp_path)
    monkeypatch.setenv(readers.DECODED_ENV, str(run))
    for fault in (OSError(errno.ENOSPC, "No space left on device"), pa.ArrowInvalid("simulated")):
        def fail(*a, **k):
            raise fault

        with monkeypatch.context() as m:
            m.setattr(pq.ParquetWriter, "write_table", fail)
            m.setattr(pd.DataFrame, "to_parquet", fail)
            src = readers.open_source({"file": "e.csv"}, tmp_path)
            assert src.kind == "arrow" and src.decoded, fault
            pd.testing.assert_frame_equal(src.frame, expected)
            pd.testing.assert_frame_equal(readers.read_csv(tmp_path / "e.csv"), expected)
        assert not [f.name for f in run.iterdir() if ".part" in f.name or f.suffix == ".parquet"], fault
    src = readers.open_source({"file": "e.csv"}, tmp_path)  # the disk has room again: a copy
    assert src.kind == "parquet" and src.decoded
    for encoding in ("base64", "rot13", "hex"):
        with pytest.raises(readers.SourceError, match=f"teckenkodningen {encoding}"):
            readers.open_source({"file": "e.csv", "encoding": encoding}, tmp_path)
    with pytest.raises(readers.SourceError, match="ett enda tecken"):
        readers.open_source({"file": "e.csv", "separator": ";;"}, tmp_path)
    with pytest.raises(readers.SourceError, match="ett enda tecken"):
        readers.read_csv(tmp_path / "e.csv", separator="")


def test_two_chapters_side_by_side_decode_an_export_once(tmp_path):
    """Two processes (two chapters' kernels) that want the same export at the same time: one
    decodes it, the other waits for its copy and reads that; both get the same frame. Without
    the lock both would decode it."""
    folder = _run_folder(tmp_path)
    export = tmp_path / "export.csv"
    export.write_text("id;belopp\na1;12,5\n", encoding="cp1252")
    log = tmp_path / "decoded.log"
    code = (
        "import sys, time, pandas as pd\n"
        "from jamtools.data import readers\n"
        "def decode():\n"
        f"    open({str(log)!r}, 'a').write('x')\n"
        "    time.sleep(1.0)\n"
        "    return pd.DataFrame({'id': ['a1'], 'belopp': ['12,5']})\n"
        f"frame = readers._decoded({str(export)!r}, ('csv', 'cp1252', ';'), decode)\n"
        "print(frame.to_json())\n")
    outs = _twice_at_once(code, folder)
    assert outs[0] == outs[1] and "a1" in outs[0]
    assert log.read_text() == "x"  # decoded once
    assert len(list(folder.glob("*.parquet"))) == 1


def _twice_at_once(code: str, folder) -> list[str]:
    """What ``code`` prints, run by two processes at the same time in the run folder ``folder``
    (two chapters' kernels side by side)."""
    import subprocess
    import sys

    from jamtools.data import readers

    env = {**os.environ, readers.DECODED_ENV: str(folder)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    return outs


def _small_workbook(path, rows, sheet="Blad"):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["id", "enhet", "timmar"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _within(seconds, call):
    """``call()``'s result, or a failure when it has not returned within ``seconds`` (a wrong
    rule of memory would leave a decode waiting for ever: it fails instead of hanging)."""
    import threading

    out = {}
    worker = threading.Thread(target=lambda: out.update(result=call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"not done after {seconds} s"
    return out["result"]


def test_a_runs_workbooks_are_decoded_side_by_side_before_its_check(tmp_path, monkeypatch):
    """In a run with two jobs, the workbooks the tables name are decoded two at a time (each
    parse waits for the other to start: one after another, the wait runs out), once each per
    sheet (a table that names the same sheet again, a CSV and a missing or broken file are left
    to their readers; another sheet of the same workbook, and an old ``.xls``, are decoded), and
    the check's own reads then take the run's copies. With one job, outside a run, in a folder
    that is not a run's own, or with one workbook nothing is decoded ahead."""
    import shutil
    import threading

    import statsmodels

    from jamtools.data import readers

    a = _small_workbook(tmp_path / "a.xlsx", [["a1", "Norr", 1.5], ["a2", "Söder", 2]])
    b = _small_workbook(tmp_path / "b.xlsx", [["b1", " Väster ", None]], sheet="Beslut")
    broken = tmp_path / "trasig.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    (tmp_path / "c.csv").write_text("id;enhet\nc1;Norr\n", encoding="utf-8")
    specs = [{"file": "a.xlsx", "_base": tmp_path}, {"file": str(b), "sheet": "Beslut"},
             {"file": "a.xlsx", "_base": tmp_path}, {"file": "c.csv", "_base": tmp_path},
             {"file": "saknas.xlsx", "_base": tmp_path}, {"file": "trasig.xlsx", "_base": tmp_path},
             {"sql": {"url": "sqlite://", "query": "SELECT 1"}}]
    together = threading.Barrier(2, timeout=20)
    parsed, real = [], readers._read_excel

    def parse(path, sheet=None):
        parsed.append((Path(path).name, sheet))
        if Path(path).suffix == ".xlsx" and Path(path).name != "trasig.xlsx":
            together.wait()  # both real workbooks parse at the same time, or this times out
        return real(path, sheet=sheet)

    monkeypatch.setattr(readers, "_read_excel", parse)
    monkeypatch.delenv(readers.DECODED_ENV, raising=False)
    plenty = 1e15
    assert readers.decode_workbooks(specs, jobs=2, memory=plenty) == 0 and parsed == []  # outside a run
    (tmp_path / "open").mkdir()
    folder = _run_folder(tmp_path / "open")
    folder.chmod(0o755)  # not a run's own folder: nothing would be kept
    monkeypatch.setenv(readers.DECODED_ENV, str(folder))
    assert readers.decode_workbooks(specs, jobs=2, memory=plenty) == 0 and parsed == []
    folder = _run_folder(tmp_path)
    monkeypatch.setenv(readers.DECODED_ENV, str(folder))
    assert readers.decode_workbooks(specs, jobs=1, memory=plenty) == 0 and parsed == []
    assert readers.decode_workbooks(specs[:1] + specs[2:4], jobs=2, memory=plenty) == 0 and parsed == []

    assert _within(60, lambda: readers.decode_workbooks(specs, jobs=2, memory=plenty)) == 2
    assert sorted(parsed) == [("a.xlsx", None), ("b.xlsx", "Beslut"), ("trasig.xlsx", None)]
    assert len(list(folder.glob("*.parquet"))) == 2
    parsed.clear()
    assert readers.read_excel(a)["enhet"].tolist() == ["Norr", "Söder"]
    assert readers.read_excel(b, sheet="Beslut")["enhet"].tolist() == ["Väster"]
    assert parsed == []  # the copies

    old = next(p for p in sorted(Path(statsmodels.__file__).parent.rglob("*.xls")) if p.is_file())
    shutil.copy(old, tmp_path / "gammal.xls")
    both = [{"file": "gammal.xls", "_base": tmp_path}, {"file": "b.xlsx", "_base": tmp_path, "sheet": 0},
            {"file": "b.xlsx", "_base": tmp_path, "sheet": "Beslut"}]
    together = threading.Barrier(1)  # (no partner needed now)
    assert _within(60, lambda: readers.decode_workbooks(both, jobs=2, memory=plenty)) == 3
    assert sorted(parsed) == [("b.xlsx", 0), ("gammal.xls", None)]  # (Beslut: its copy, kept)


def test_a_runs_check_with_two_jobs_decodes_its_workbooks_ahead_and_finds_the_same(tmp_path, monkeypatch):
    """The run's check with two jobs (as the runner calls it) decodes the workbooks of its
    tables side by side first, only those its chapters read, and then finds exactly what the
    check with one job finds, each workbook parsed once; the runner gives the check its jobs."""
    import threading

    import yaml

    from jamtools.data import readers
    from jamtools.run import runner
    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config
    from tests.conftest import SYNTHETIC

    data = tmp_path / "data"
    data.mkdir()
    for name in ("ht_beslut", "bof_utredningar", "eb_klienter"):
        frame = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False).head(300)
        frame.loc[3, "alder"] = "åttio"  # a row with a problem
        frame.to_excel(data / f"{name}.xlsx", index=False)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": str(data)}), encoding="utf-8")
    config = load_config(cfg)
    parsed, real = [], readers._read_excel
    monkeypatch.setattr(readers, "_read_excel", lambda path, sheet=None: parsed.append(
        (Path(path).name, threading.current_thread().name.startswith("arbetsbok"))) or real(path, sheet=sheet))
    checked = {}
    scope = ["ht_01_hemtjanst_timmar", "bof_02_utredning_till_insats"]
    for jobs in (1, 2):
        (tmp_path / str(jobs)).mkdir()
        monkeypatch.setenv(readers.DECODED_ENV, str(_run_folder(tmp_path / str(jobs))))
        parsed.clear()
        checked[jobs] = check_inputs(config, chapters=scope, jobs=jobs).as_dict()
        assert sorted(parsed) == [("bof_utredningar.xlsx", jobs == 2), ("ht_beslut.xlsx", jobs == 2)]
    assert checked[1] == checked[2]
    assert set(checked[1]["tables"]) == {"ht_beslut", "bof_utredningar"}
    assert checked[1]["tables"]["ht_beslut"]["rows"] == 300
    assert all(t["problems"] for t in checked[1]["tables"].values())

    asked = []

    class Stop(Exception):
        pass

    def check(config, **options):
        asked.append(options)
        raise Stop

    from jamtools.run import check as run_check

    monkeypatch.setattr(run_check, "check_inputs", check)  # (the runner imports it when it runs)
    with pytest.raises(Stop):
        runner.run(config, tmp_path / "ut", only=scope, jobs=2, build=False, progress=False)
    assert asked and asked[0]["jobs"] == 2


def test_workbooks_too_large_to_parse_together_are_parsed_one_after_another(tmp_path, monkeypatch):
    """Workbooks whose parses would together take more than the memory given are decoded one
    at a time, the largest first; those that fit together are decoded side by side, no more at
    once than the jobs; and an interrupt starts no further parse."""
    import _thread
    import threading
    import time

    from jamtools.data import readers

    for name in ("a", "b", "c"):
        _small_workbook(tmp_path / f"{name}.xlsx", [[f"{name}{i}", "Norr", i] for i in range(20 * (ord(name) - 96))])
    specs = [{"file": f"{name}.xlsx", "_base": tmp_path} for name in ("a", "b", "c")]
    now, most, order, lock, real = [0], [0], [], threading.Lock(), readers._read_excel
    stop_after_first = [False]

    def parse(path, sheet=None):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
            order.append(Path(path).name)
        if stop_after_first[0]:
            _thread.interrupt_main()  # Ctrl-C while the first parse runs (a second long)
            time.sleep(1.0)
        time.sleep(0.3)
        try:
            return real(path, sheet=sheet)
        finally:
            with lock:
                now[0] -= 1

    def fresh_run(name):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(readers.DECODED_ENV, str(_run_folder(tmp_path / name)))
        most[0], order[:] = 0, []

    monkeypatch.setattr(readers, "_read_excel", parse)
    size = max((tmp_path / f"{n}.xlsx").stat().st_size for n in "abc")
    monkeypatch.setattr(readers, "WORKBOOK_PEAK_PER_BYTE", 1001 / size)  # each over half of 2000
    fresh_run("ett")
    assert _within(60, lambda: readers.decode_workbooks(specs, jobs=2, memory=1000)) == 3
    assert most[0] == 1 and order[0] == "c.xlsx" and sorted(order) == ["a.xlsx", "b.xlsx", "c.xlsx"]
    monkeypatch.setattr(readers, "WORKBOOK_PEAK_PER_BYTE", 333 / size)  # all three fit in 1000
    fresh_run("tre")
    assert _within(60, lambda: readers.decode_workbooks(specs, jobs=3, memory=1000)) == 3
    assert most[0] == 3
    fresh_run("två")
    assert _within(60, lambda: readers.decode_workbooks(specs, jobs=2, memory=1000)) == 3
    assert most[0] == 2  # no more at once than the jobs

    monkeypatch.setattr(readers, "WORKBOOK_PEAK_PER_BYTE", 1001 / size)  # one at a time again
    fresh_run("avbruten")
    stop_after_first[0] = True
    with pytest.raises(KeyboardInterrupt):
        readers.decode_workbooks(specs, jobs=2, memory=1000)
    time.sleep(0.5)
    assert order == ["c.xlsx"]  # the one under way ended; the others never started


def test_a_folder_whose_file_system_has_no_locks_still_keeps_the_decoded_copy(tmp_path, monkeypatch):
    """Where the run's folder cannot be locked (some network mounts refuse ``flock``), an
    export is decoded and kept as without the lock, not refused."""
    import errno
    import fcntl

    from jamtools.data import readers

    def refuse(*args):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refuse)
    folder = _run_folder(tmp_path)
    monkeypatch.setenv(readers.DECODED_ENV, str(folder))
    export = tmp_path / "export.csv"
    export.write_text("id\na1\n", encoding="cp1252")
    frame = pd.DataFrame({"id": ["a1"]})
    got = readers._decoded(export, ("csv", "cp1252", ";"), lambda: frame)
    pd.testing.assert_frame_equal(got, frame)
    assert len(list(folder.glob("*.parquet"))) == 1


def test_decoded_exports_are_kept_only_in_a_runs_own_folder(tmp_path, monkeypatch):
    """A folder set by hand (not marked as a run's, or open to others) keeps nothing; nor is
    a file kept that changed while it was decoded."""
    from jamtools.data import readers

    path = tmp_path / "export.csv"
    path.write_bytes("id;enhet\na1;Södra\n".encode("cp1252"))
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    (shared / readers.DECODED_MARK).write_text("1")
    unmarked = tmp_path / "unmarked"
    unmarked.mkdir()
    unmarked.chmod(0o700)
    for folder in (shared, unmarked):
        monkeypatch.setenv(readers.DECODED_ENV, str(folder))
        assert readers.read_csv(path)["enhet"].tolist() == ["Södra"]
        assert not list(folder.glob("*.parquet")), folder.name
    folder = _run_folder(tmp_path)
    monkeypatch.setenv(readers.DECODED_ENV, str(folder))
    real = readers._read_csv

    def changing(p, **kw):  # the export is written again while it is read
        frame = real(p, **kw)
        path.write_bytes("id;enhet\na1;Norra\n".encode("cp1252"))
        return frame

    monkeypatch.setattr(readers, "_read_csv", changing)
    readers.read_csv(path)
    assert not list(folder.glob("*.parquet"))
    monkeypatch.setattr(readers, "_read_csv", real)
    assert readers.read_csv(path)["enhet"].tolist() == ["Norra"]
    assert len(list(folder.glob("*.parquet"))) == 1


def test_a_run_decodes_a_windows_1252_csv_once(tmp_path, monkeypatch):
    """The same for a CSV export the engine's reader cannot take (Windows-1252): decoded once
    per run and file; read with another encoding or separator, decoded again."""
    from jamtools.data import readers

    path = tmp_path / "export.csv"
    path.write_bytes("id;enhet;belopp\na1;Södra;12,5\na2;;3\n".encode("cp1252"))
    decoded = []
    real = readers._read_csv
    monkeypatch.setattr(readers, "_read_csv", lambda p, **kw: decoded.append(kw) or real(p, **kw))
    monkeypatch.delenv(readers.DECODED_ENV, raising=False)
    plain = readers.read_csv(path)
    monkeypatch.setenv(readers.DECODED_ENV, str(_run_folder(tmp_path)))
    decoded.clear()
    first, again = readers.read_csv(path), readers.read_csv(path)
    assert len(decoded) == 1
    pd.testing.assert_frame_equal(first, plain)
    pd.testing.assert_frame_equal(again, plain)
    assert again["enhet"].tolist()[0] == "Södra"
    readers.read_csv(path, encoding="latin-1")
    readers.read_csv(path, separator=";")
    assert len(decoded) == 3


def _messy_cp1252(path):
    """An export in Windows-1252 with what analysts' exports hold: Swedish letters, a
    no-break space and an en dash (one byte each in Windows-1252, more in UTF-8), decimal
    commas, quoted fields with the separator and quotes inside, values in spaces, a short row,
    carriage returns, and the rows the check leaves out."""
    rows = ["beslut_id;person_id;kon;alder;beslutsdatum;ar;enhet;adl_beroende;ensamboende;beviljade_timmar"]
    for i in range(60):
        unit = ['Södra', '"Norra; Öst"', ' Västra\xa0', 'Öst–Syd', '"Den ""nya"" enheten"'][i % 5]
        sex = ["kvinna", "man", "Kvinna ", "okänd" if i == 23 else ""][i % 4]
        rows.append(f"H{i};P{i % 17};{sex};{60 + i % 40};2023-0{1 + i % 9}-1{i % 10};2023;{unit};"
                    f"{i % 4};{i % 2};{i % 7},{i % 10}")
    rows[7] = "H6;P6;man;sjuttio;2023-02-10;2023;Södra;1;0;3,5"
    rows[9] = "H8;P8;kvinna;70;5/2 -24;2023;Södra;1;0;-3"
    rows[11] = "H10; P10 ;kvinna ;70;2023-02-10;2023; Södra;1;0; 4,5"
    rows[13] = "H12;P12;man;71;2023-02-10"
    rows[15] = "H1;P1;man;71;2023-02-10;2023;Södra;1;0;2"
    path.write_bytes("\r\n".join(rows).encode("cp1252") + b"\r\n")
    return path


def test_in_a_run_the_engine_reads_a_csv_export_once_and_as_python_does(tmp_path, monkeypatch):
    """In a run, a CSV export is read by the engine once and kept as Parquet in the run's
    folder (:func:`readers._parquet_copy`); one in Windows-1252 goes there through a copy in
    UTF-8 (:func:`readers._engine_copy`) instead of being parsed in Python. Every CSV of the
    bad-file fixtures written in Windows-1252, the personnummer fixture (Windows-1252, CRLF,
    the organisation's own headers) and a messy export in both encodings give the same check
    (problems, rows, examples, messages) and the same loads as outside a run, where Python
    parses the ones in Windows-1252 and the engine reads the others from the file."""
    from jamtools.data import DataValidationError, readers
    from jamtools.run.check import check_inputs

    bad = Path(__file__).parent / "fixtures" / "bad"
    expected = yaml.safe_load((bad / "expected.yml").read_text(encoding="utf-8"))
    cases = []
    for file in sorted(p.name for p in bad.glob("*.csv")):
        raw = (bad / file).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        if "\x00" in text or not text.strip():
            continue
        folder = tmp_path / file.replace(".", "_")
        folder.mkdir()
        (folder / file).write_bytes(text.encode("cp1252"))
        spec = expected.get(file, {"table": "bof_utredningar" if file.startswith("bof_utr") else "ht_beslut"})
        tables = {spec["table"]: {"file": file, **(spec.get("options") or {})}}
        for other, other_file in (spec.get("also") or {}).items():
            (folder / other_file).write_bytes((bad / other_file).read_bytes())
            tables[other] = {"file": other_file}
        (folder / "jamtools.yml").write_text(yaml.safe_dump({"data_dir": ".", "tables": tables}, allow_unicode=True),
                                             encoding="utf-8")
        cases.append((folder, spec["table"]))
    messy = tmp_path / "messy"
    messy.mkdir()
    _messy_cp1252(messy / "Beslut.csv")
    (messy / "jamtools.yml").write_text("data_dir: .\ntables:\n  ht_beslut: {file: Beslut.csv}\n", encoding="utf-8")
    cases.append((messy, "ht_beslut"))
    notes = tmp_path / "notes"  # notes over several lines (quoted)
    notes.mkdir()
    rows = ['J1;P1;kvinna;foralder;2024-01-05;"Mamma ringde.\nHon vill ha ett möte."',
            'J2;P2;man;foralder;2024-02-01;"Första raden\r\nandra raden"',
            "J3;P3;kvinna;barn;2024-03-01;kort anteckning", "J4;P4;man;foralder;2024-04-01;",
            'J5;P5;kvinna;foralder;2024-05-01;"Citat ""inom"" texten; med semikolon"',
            "J6;P6;okänt;foralder;2024-13-01;ålder okänd"]
    rows += [f"J{i};P{i};{'kvinna' if i % 2 else 'man'};foralder;2024-06-{i % 28 + 1:02d};samtal om ansvar"
             for i in range(7, 40)]
    (notes / "Anteckningar.csv").write_bytes(
        ("anteckning_id;person_id;kon;roll;datum;anteckning\n" + "\n".join(rows) + "\n").encode("cp1252"))
    (notes / "jamtools.yml").write_text("data_dir: .\ntables:\n  um_anteckningar: {file: Anteckningar.csv}\n",
                                        encoding="utf-8")
    cases.append((notes, "um_anteckningar"))
    short = tmp_path / "notes_short"  # and a row short of its note: pandas' reader (null padding)
    short.mkdir()
    (short / "Anteckningar.csv").write_bytes((notes / "Anteckningar.csv").read_bytes().replace(
        b"2024-04-01;\n", b"2024-04-01\n"))
    (short / "jamtools.yml").write_bytes((notes / "jamtools.yml").read_bytes())
    cases.append((short, "um_anteckningar"))
    messy8 = tmp_path / "messy8"  # the same in UTF-8
    messy8.mkdir()
    (messy8 / "Beslut.csv").write_text((messy / "Beslut.csv").read_bytes().decode("cp1252"), encoding="utf-8",
                                       newline="")
    (messy8 / "jamtools.yml").write_bytes((messy / "jamtools.yml").read_bytes())
    cases.append((messy8, "ht_beslut"))
    pnr = tmp_path / "pnr"
    import shutil
    shutil.copytree(Path(__file__).parent / "fixtures" / "personnummer", pnr)
    cases.append((pnr, "eb_klienter"))

    def outcome(folder, table):
        cfg = load_config(folder / "jamtools.yml")
        checked = check_inputs(cfg).tables[table]
        problems = [(p.kind, p.column, p.count, p.rows, p.example, p.message()) for p in checked.problems]
        try:
            res = data.load_table(table, config=cfg)
        except DataValidationError as exc:  # a file that stops: its message
            return (problems, checked.error, str(exc))
        return (problems, res.data.reset_index(drop=True), res.excluded_by_reason())

    run = _run_folder(tmp_path)
    engine, loads, by_engine = 0, {}, set()
    for folder, table in cases:
        monkeypatch.delenv(readers.DECODED_ENV, raising=False)
        python = outcome(folder, table)
        monkeypatch.setenv(readers.DECODED_ENV, str(run))
        in_run = outcome(folder, table)
        made = set(run.iterdir())
        assert outcome(folder, table)[0] == in_run[0] and set(run.iterdir()) == made  # made once
        spec = (yaml.safe_load((folder / "jamtools.yml").read_text(encoding="utf-8"))["tables"][table])
        try:
            src = readers.open_source(spec, folder)
            engine += src.kind == "parquet" and src.path.parent == run and not src.decoded
            if src.kind == "parquet" and src.path.parent == run and not src.decoded:
                by_engine.add(folder.name)
        except readers.SourceError:  # (a file that stops)
            pass
        assert in_run[0] == python[0], folder.name
        loads[folder.name] = in_run[1]
        if isinstance(python[1], pd.DataFrame):
            pd.testing.assert_frame_equal(in_run[1], python[1], obj=folder.name)
        else:
            assert in_run[1:] == python[1:], folder.name
        assert in_run[2] == python[2], folder.name
    assert engine >= len(cases) - 4, engine  # most go to the engine (not: a blank line, a quote after spaces)
    assert all(isinstance(loads[k], pd.DataFrame) for k in ("messy", "messy8", "pnr", "notes", "notes_short"))
    assert "notes" in by_engine and "notes_short" not in by_engine  # line breaks in notes: the engine
    pd.testing.assert_frame_equal(loads["notes"], loads["notes_short"])  # (unless a row is short)
    assert "Mamma ringde.\nHon vill ha ett möte." in set(loads["notes"]["anteckning"])
    pd.testing.assert_frame_equal(loads["messy8"], loads["messy"])
    assert {"Norra; Öst", "Västra", "Öst–Syd", 'Den "nya" enheten'} <= set(loads["messy"]["enhet"])
    # the exports in Windows-1252 are read by the engine from their copy, never parsed in Python
    parsed = []
    real = readers._read_csv
    monkeypatch.setattr(readers, "_read_csv", lambda *a, **k: parsed.append(a) or real(*a, **k))
    for folder, file in ((messy, "Beslut.csv"), (messy8, "Beslut.csv"), (pnr, "Klienter.csv")):
        src = readers.open_source({"file": file}, folder)
        assert src.kind == "parquet" and src.path.parent == run and src.name == file and not src.decoded
        assert outcome(folder, "eb_klienter" if folder is pnr else "ht_beslut")[0]
    assert parsed == []
    # an export written again during the run is read again (the copies are keyed on the file)
    changed = (messy8 / "Beslut.csv").read_text(encoding="utf-8").replace("Södra", "Mellersta")
    (messy8 / "Beslut.csv").write_text(changed, encoding="utf-8", newline="")
    assert "Mellersta" in set(data.load_table("ht_beslut", config=load_config(messy8 / "jamtools.yml")).data["enhet"])
    for copy in run.glob("*.parquet"):  # damaged copies: read again, nothing wrong read
        copy.write_bytes(b"not parquet")
    again = data.load_table("ht_beslut", config=load_config(messy / "jamtools.yml")).data
    pd.testing.assert_frame_equal(again.reset_index(drop=True), loads["messy"])
    monkeypatch.delenv(readers.DECODED_ENV, raising=False)
    assert readers.open_source({"file": "Beslut.csv"}, messy).kind == "arrow"  # outside a run: Python
    assert parsed


def test_the_runs_copies_of_a_csv_export_are_kept_only_where_they_may_be(tmp_path, monkeypatch):
    """The run's copies of a CSV export: made once (the same file, not written again); made
    again when a Windows-1252 export changes; never in a folder that is not a run's own; a line
    of spaces taken out of the copy in UTF-8, but not a blank line inside quotes or after a
    quote within a field (Python reads those); a line break inside quotes is read by the engine; an
    export the engine refuses (a line break inside quotes and a row short of a field) is
    remembered and read in Python; and a column named as the engine's own row
    number (``file_row_number``, in a CSV or a Parquet export) is read as any other. Each the
    same as outside a run."""
    from jamtools.data import readers

    def export(folder, text, encoding="cp1252"):
        folder.mkdir(exist_ok=True)
        (folder / "ht_beslut.csv").write_bytes(text.encode(encoding))
        return folder

    head = "beslut_id;person_id;kon;alder;beslutsdatum;ar;enhet;adl_beroende;ensamboende;beviljade_timmar\n"
    rows = "".join(f"H{i};P{i};{'kvinna' if i % 2 else 'man'};7{i % 10};2023-01-0{1 + i % 9};2023;Södra;1;0;{i},5\n"
                   for i in range(30))

    def load(folder):
        res = data.load_table("ht_beslut", data_dir=folder)
        return res.data.reset_index(drop=True), res.excluded_by_reason()

    def same_in_and_out_of_a_run(folder, run):
        monkeypatch.delenv(readers.DECODED_ENV, raising=False)
        outside = load(folder)
        monkeypatch.setenv(readers.DECODED_ENV, str(run))
        inside = load(folder)
        pd.testing.assert_frame_equal(inside[0], outside[0])
        assert inside[1] == outside[1]
        return inside[0]

    run = _run_folder(tmp_path)
    # (a dash, a byte of 0x80-0x9F: the engine reads a copy in UTF-8)
    plain = export(tmp_path / "plain", head + rows.replace("Södra", "Södra–", 1))
    same_in_and_out_of_a_run(plain, run)
    copies = {c: (c.stat().st_ino, c.stat().st_mtime_ns) for c in run.iterdir() if c.suffix in (".csv", ".parquet")}
    assert sorted(c.suffix for c in copies) == [".csv", ".parquet"]
    # without one it reads the export itself, as Latin-1: no copy in UTF-8
    latin = export(tmp_path / "latin", head + rows)
    assert "Södra" in set(same_in_and_out_of_a_run(latin, run)["enhet"])
    src = readers.open_source({"file": "ht_beslut.csv"}, latin)
    assert src.kind == "parquet" and not src.decoded
    assert sorted(c.suffix for c in run.iterdir() if c.suffix in (".csv", ".parquet")) == [".csv", ".parquet", ".parquet"]
    load(plain)
    assert {c: (c.stat().st_ino, c.stat().st_mtime_ns) for c in copies} == copies  # made once
    (plain / "ht_beslut.csv").write_bytes((head + rows.replace("Södra", "Västra")).encode("cp1252"))
    assert set(load(plain)[0]["enhet"]) == {"Västra"}  # an export written again is read again

    lines = rows.splitlines(keepends=True)
    spaces = export(tmp_path / "spaces", head + "".join(lines[:5]) + " \t \n" + "".join(lines[5:]))
    same_in_and_out_of_a_run(spaces, run)
    src = readers.open_source({"file": "ht_beslut.csv"}, spaces)
    assert src.kind == "parquet" and not src.decoded  # the engine reads its copy without it
    # a blank line inside a quoted field, or after a quote within a field: Python reads it
    for name, text in (("in_quotes", rows.replace("Södra", '"Söd\n\nra"', 1)),
                       ("odd_quote", rows.replace("Södra", 'Söd"ra', 1) + "\n")):
        odd = export(tmp_path / name, head + text)
        same_in_and_out_of_a_run(odd, run)
        assert readers.open_source({"file": "ht_beslut.csv"}, odd).decoded, name
    # remembered for the run: the copy is not tried again
    assert len(list(run.glob("*.doubt"))) == 2
    with monkeypatch.context() as m:
        m.setattr(readers, "_BlankLines", None)
        assert readers.open_source({"file": "ht_beslut.csv"}, odd).decoded

    # a line break inside quotes: the engine reads it (without short rows), as Python does
    broken = export(tmp_path / "broken", head + rows.replace("Södra", '"Söd\r\nra"', 1))
    assert "Söd\r\nra" in set(same_in_and_out_of_a_run(broken, run)["enhet"])
    assert not readers.open_source({"file": "ht_beslut.csv"}, broken).decoded
    assert not list(run.glob("*.refused"))

    copies_made = []
    real_copy = readers._parquet_copy
    monkeypatch.setattr(readers, "_parquet_copy", lambda *a, **k: copies_made.append(a) or real_copy(*a, **k))
    short = rows.replace(";1;0;3,5\n", ";1;0\n", 1)  # and a row short of its last field
    assert short != rows
    quoted = export(tmp_path / "quoted", head + short.replace("Södra", '"Söd\nra"', 1))
    assert "Söd\nra" in set(same_in_and_out_of_a_run(quoted, run)["enhet"])
    assert len(list(run.glob("*.refused"))) == 1 and len(copies_made) == 1
    assert readers.open_source({"file": "ht_beslut.csv"}, quoted).decoded  # remembered:
    assert len(copies_made) == 1  # not tried again
    quoted2 = export(tmp_path / "quoted2", head + short.replace("Södra", '"Väs\ntra"', 1))
    assert readers.open_source({"file": "ht_beslut.csv"}, quoted2).decoded  # at once, the first time

    def refuse_once(*a):  # a passing cause (the engine's memory) is not remembered
        raise __import__("duckdb").OutOfMemoryException("out of memory")

    passing = export(tmp_path / "passing", head + rows)
    marks = set(run.glob("*.refused"))
    monkeypatch.setattr(readers, "_csv_sql", lambda *a, **k: refuse_once())
    assert readers.open_source({"file": "ht_beslut.csv"}, passing).kind == "csv"
    monkeypatch.undo()
    monkeypatch.setenv(readers.DECODED_ENV, str(run))
    assert readers.open_source({"file": "ht_beslut.csv"}, passing).kind == "parquet"
    assert set(run.glob("*.refused")) == marks

    # one file read with two separators in one run: each its own copy and columns
    both = export(tmp_path / "both", "a;b,c\n1;2,3\n", encoding="utf-8")
    assert readers.open_source({"file": "ht_beslut.csv", "separator": ";"}, both).columns == ["a", "b,c"]
    assert readers.open_source({"file": "ht_beslut.csv", "separator": ","}, both).columns == ["a;b", "c"]
    assert readers.open_source({"file": "ht_beslut.csv", "separator": ";"}, both).columns == ["a", "b,c"]

    # a byte Windows-1252 has no character for: the readers' message, in a run too
    undefined = export(tmp_path / "undefined", head, encoding="utf-8")
    (undefined / "ht_beslut.csv").write_bytes((head + rows).encode("cp1252").replace(b"S\xf6dra", b"S\x81dra", 1))
    for where in (None, run):
        monkeypatch.setenv(readers.DECODED_ENV, str(where)) if where else monkeypatch.delenv(readers.DECODED_ENV)
        with pytest.raises(readers.SourceError, match="teckenkodningen"):
            readers.open_source({"file": "ht_beslut.csv"}, undefined)
    monkeypatch.setenv(readers.DECODED_ENV, str(run))

    named = export(tmp_path / "named", head.replace("\n", ";File_Row_Number\n")
                   + rows.replace("\n", ";x\n"), encoding="utf-8")
    same_in_and_out_of_a_run(named, run)
    frame = pd.read_csv(named / "ht_beslut.csv", sep=";", dtype=str)
    for folder, written in (("pq", frame), ("pq_index", frame.drop(columns="File_Row_Number").set_axis(
            pd.Index([f"r{i}" for i in range(30)], name="file_row_number")))):
        (tmp_path / folder).mkdir()
        written.to_parquet(tmp_path / folder / "ht_beslut.parquet")
        assert len(load(tmp_path / folder)[0]) == 30

    euro = export(tmp_path / "euro", head + rows.replace("Södra", "Södra–"))
    for folder in (tmp_path / "shared", tmp_path / "unmarked"):  # not a run's own folder
        folder.mkdir()
        folder.chmod(0o777 if folder.name == "shared" else 0o700)
        if folder.name == "shared":
            (folder / readers.DECODED_MARK).write_text("1")
        monkeypatch.setenv(readers.DECODED_ENV, str(folder))
        assert set(load(plain)[0]["enhet"]) == {"Västra"}
        # the engine reads the export itself (Latin-1), or Python does (a byte of 0x80-0x9F)
        assert readers.open_source({"file": "ht_beslut.csv"}, plain).kind == "csv"
        assert readers.open_source({"file": "ht_beslut.csv"}, euro).kind == "arrow"
        assert [c.name for c in folder.iterdir()] in ([readers.DECODED_MARK], [])


def test_a_runs_copy_is_written_once_and_only_of_an_unchanged_file(tmp_path):
    """:func:`readers._made_once`: two processes that want the same copy at once write it once
    (the other waits and takes it); a file that changes while its copy is written gets none."""
    from jamtools.data import readers

    folder = _run_folder(tmp_path)
    export = tmp_path / "export.csv"
    export.write_text("id\na1\n", encoding="utf-8")
    log = tmp_path / "written.log"
    code = (
        "import time\n"
        "from pathlib import Path\n"
        "from jamtools.data import readers\n"
        f"export = Path({str(export)!r})\n"
        "place = readers._run_copy(export, ('test',), '.txt')\n"
        "def write(part):\n"
        f"    open({str(log)!r}, 'a').write('x')\n"
        "    time.sleep(1.0)\n"
        "    part.write_text('copy')\n"
        "print(readers._made_once(place, export, write).read_text())\n")
    assert _twice_at_once(code, folder) == ["copy\n", "copy\n"]
    assert log.read_text() == "x"  # written once

    os.environ[readers.DECODED_ENV] = str(folder)
    try:
        place = readers._run_copy(export, ("changing",), ".txt")

        def changing(part):
            part.write_text("copy")
            export.write_text("id\na2\n", encoding="utf-8")

        assert readers._made_once(place, export, changing) is None
        assert not place[0].exists() and not list(folder.glob("*.part*"))
    finally:
        del os.environ[readers.DECODED_ENV]


def test_rows_longer_than_the_header_are_found_without_holding_the_export(tmp_path, monkeypatch):
    """A large export with a row too long is refused with the rows named, holding a small part
    of the file at any time (Python's allocations, ``tracemalloc``): pandas reads it a part at a
    time and stops at the first such row, and the CSV reader then names them a line at a time.
    (Whether the reading in parts says what the reading of the whole file says, on messy
    exports with such rows too: ``test_a_csv_export_read_in_parts_is_read_as_when_it_was_read_whole``.)"""
    import tracemalloc

    from jamtools.data import readers

    path = tmp_path / "stor.csv"
    with open(path, "w", encoding="cp1252", newline="") as f:
        f.write("beslut_id;kon;enhet;timmar\n")
        for i in range(800_000):
            f.write(f"H{i};kvinna;Södra;{i % 50},5{';extra' if i in (70_000, 799_998) else ''}\n")
    # (parts of 20,000 rows and blocks of 1 MB: the export is 40 parts, 20 MB)
    monkeypatch.setattr(readers, "_CSV_PART_ROWS", 20_000)
    monkeypatch.setattr(readers, "_CHUNK", 1 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(readers.SourceError, match="rad 70002, 800000"):
            readers._read_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < path.stat().st_size / 4, (peak, path.stat().st_size)  # (whole: over 2x)


def test_the_collector_paused_by_threads_side_by_side_is_off_while_any_pauses_and_on_after():
    """Workbooks decoded side by side each pause Python's garbage collector while taking a
    block of rows: it is off while any thread is inside a pause, on again when the last one
    leaves (in either order), and left off when it was off before."""
    import gc
    import random
    import threading
    import time

    from jamtools.data import readers

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first():
        with readers._collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with readers._collector_paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first has left: still off for this one

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert seen == [False] and gc.isenabled()

    wrong = []

    def many(seed):
        rng = random.Random(seed)
        for _ in range(200):
            with readers._collector_paused():
                if gc.isenabled():
                    wrong.append(seed)
                time.sleep(rng.random() / 5000)

    threads = [threading.Thread(target=many, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not wrong and gc.isenabled()
    gc.disable()
    try:
        with readers._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _messy_lines(rng, sep: str, width: int) -> list[str]:
    """Random lines of a CSV export with separator ``sep`` and ``width`` fields: values plain,
    quoted (quotes written twice inside, separators, line breaks, in some exports blank lines
    in notes), with spaces; blank lines of every kind; in some exports a quote within a field or
    after spaces (pandas reads those otherwise than a quoted field), a short or a long row."""
    odd, ragged, blank_notes = rng.random() < 0.25, rng.random() < 0.2, rng.random() < 0.2

    def value():
        kind = rng.random()
        if kind < 0.5:
            return rng.choice(["1", "kvinna", "man", "Södra", "2024-01-05", "3,5", "", " x ", "Åsa",
                               "5 €", "Anna’s"])  # (the last two: bytes 0x80-0x9f in Windows-1252)
        if kind < 0.9 or not odd:
            inner = rng.choice(["a", f"b{sep}c", 'sa ""ja""', "rad 1\nrad 2", "rad\r\nny", "", '""', "ö"])
            if blank_notes and rng.random() < 0.2:
                inner = rng.choice(["x\n\ny", "x\n  \ny", "x\r\n\r\ny"])  # a blank line in a note
            return f'"{inner}"'
        return rng.choice(['5" skärm', 'x"', ' "y"', '"z" ', 'a""b'])  # read as text, or after spaces

    blanks = ["", " ", "  ", "\t", " \t ", "\r"]
    lines = []
    for _ in range(rng.randint(1, 25)):
        if rng.random() < 0.2:
            lines.append(rng.choice(blanks))
            continue
        n = width + (ragged and rng.random() < 0.1) - (ragged and rng.random() < 0.1)
        lines.append(sep.join(value() for _ in range(n)))
    return lines


@pytest.mark.parametrize("seed", range(6))
def test_blank_lines_are_taken_out_of_the_engines_copy_as_pythons_reader_skips_them(tmp_path, monkeypatch, seed):
    """In a run, a CSV export with blank lines is read by the engine from a copy without them
    (:func:`readers._engine_copy`) whenever its quotes say which lines are inside a quoted
    field, and then gives the rows Python's reader gives outside a run (pandas skips blank
    lines): the same values in the same order, so the same row numbers; an export Python
    refuses is refused in a run with the same message. Random exports (separators ``;``,
    ``,`` and tab; UTF-8, with a byte-order mark, Windows-1252; LF and CRLF; blank lines before
    the header, between rows, inside notes and at the end, with and without a last line break),
    read in pieces of a few bytes to a whole file, so that blank lines, quotes and line
    breaks fall on the pieces' edges."""
    import random

    import duckdb

    from jamtools.data import readers

    rng = random.Random(seed)
    run = _run_folder(tmp_path)
    read_by_engine = with_blanks = 0
    # quotes that pandas reads as text (within a field, after a closing quote), and then a
    # blank line inside a note: counted, the quotes would put it outside
    fixed = ['a;b\n5" skärm;1\n2;"x\n\ny"\n3;4\n', 'a;b\nx";1\n2;"p\n\nq"\n',
             'a;b\n"x"y";1\n2;"p\n \nq"\n', 'a;b\n"x" "";1\n2;"p\n\nq"\n',
             'a;b\nx";"\n\nq\n\nr"\n',  # (the engine's reader takes a quote at a field's end)
             '\n\ufeffkon;antal\nkvinna;3\n',  # a mark after a blank first line: part of the name
             'a;b\n\n' + "1;2\n" * 6000 + ' \r \n5;6\n']  # a line's end for pandas after 20 kB
    # found by review: a quote after spaces at a line's start; one column with a separator
    # before a CRLF in an LF file, with and without a blank line
    also = ['a;b\n  "1";2\n3;4\n', '\ufeffk0;k1\n\nab;ab;;\n 1; x \n  "x""y";\n', 'k0\nx;\r\nab\n',
            'k0\n;\r\n,\n\nab\n', 'a;b\n1;2\r\n\r\n3;4\r\n']
    for i in range(70 + len(also)):
        monkeypatch.setattr(readers, "_CHUNK", rng.choice([1, 2, 5, 16, 64, 1 << 24]))
        sep = rng.choice([";", ";", ",", "\t"])
        width = rng.randint(1, 4)
        header = sep.join(f"kol{j}" for j in range(width))
        lines = [header] + _messy_lines(rng, sep, width)
        lead = [rng.choice(["", "  ", "\r"]) for _ in range(rng.choice([0, 0, 0, 1, 2]))]
        eol = rng.choice(["\n", "\r\n"])
        text = eol.join(lead + lines) + rng.choice([eol, "", eol + eol, eol + "  "])
        if i < len(fixed):
            text = fixed[i]
        elif i >= 70:
            text = also[i - 70]
        encoding = rng.choice(["utf-8", "utf-8-sig", "cp1252"])
        if "\ufeff" in text:
            encoding = "utf-8"
        # the encoding found, or given in jamtools.yml (UTF-8 for one with a mark too)
        given = rng.choice([None, {"utf-8-sig": "utf-8"}.get(encoding, encoding)])
        folder = tmp_path / f"e{i}"
        folder.mkdir()
        path = folder / "export.csv"
        path.write_bytes(text.encode(encoding))

        def normal(frame):
            return [[None if pd.isna(v) or not str(v).strip() else str(v).strip() for v in row]
                    for row in frame.itertuples(index=False)]

        monkeypatch.delenv(readers.DECODED_ENV, raising=False)
        try:
            read = readers.read_csv(path, encoding=given)
            # (and the rows' numbers: the blank lines the engine's copy lacks are counted)
            python = ("rows", list(read.columns), normal(read), read.index.tolist())
        except readers.SourceError as exc:
            python = ("error", str(exc))
        monkeypatch.setenv(readers.DECODED_ENV, str(run))
        try:
            src = readers.open_source({"file": "export.csv", "encoding": given}, folder)
            if src.kind == "parquet":
                con = duckdb.connect()
                src.view(con, src.columns, "v")  # (the rows' numbers as the engine reads them)
                rows = con.sql("SELECT * FROM v ORDER BY __row").df()
                in_run = ("rows", src.columns, normal(rows.drop(columns=["__row"])), rows["__row"].tolist())
                read_by_engine += 1
                blank = any(not line.strip(" \t\r") for line in text.replace("\r\n", "\n").split("\n")[:-1])
                with_blanks += blank
            else:
                in_run = ("rows", src.columns, normal(src.frame), src.frame.index.tolist())
        except readers.SourceError as exc:
            in_run = ("error", str(exc))
        assert in_run == python, (i, text)
        if i < len(fixed):  # (the engine's reader refuses most such quotes too: not left to it)
            assert readers._engine_copy(path, "utf-8" if encoding == "utf-8" else encoding, ";") is None, text
    assert read_by_engine >= 12 and with_blanks >= 6, (read_by_engine, with_blanks)
    regular = tmp_path / "regular.csv"
    regular.write_bytes(b'\xef\xbb\xbf\r\na;b\r\n\r\n1;"x\r\ny"\r\n \t\r\n2;""""\r\n\r\n  ')
    copy = readers._engine_copy(regular, "utf-8-sig", ";")
    assert copy.read_bytes() == b'a;b\r\n1;"x\r\ny"\r\n2;""""\r\n'
    monkeypatch.delenv(readers.DECODED_ENV)
    assert readers._engine_copy(regular, "utf-8-sig", ";") is None  # outside a run: none


@pytest.mark.parametrize("seed", range(4))
def test_windows_1252_without_a_byte_of_0x80_0x9f_is_read_by_the_engine_as_python_reads_it(
        tmp_path, monkeypatch, seed):
    """An export in Windows-1252 (found, or given as ``cp1252`` or ``latin-1``) without a
    byte of 0x80-0x9F is read by the engine itself as Latin-1, in a run (its Parquet copy) and
    outside one (the CSV): random exports without blank lines (separators, quotes, notes over
    several lines, every character of 0xA0-0xFF, the no-break space among them) give the rows
    and values Python's reader gives, or the same message. With such a byte (a euro sign, a
    dash) the engine reads only the copy in UTF-8 (in a run), or Python reads the export."""
    import random

    import duckdb

    from jamtools.data import readers
    from jamtools.data.engine import connect

    rng = random.Random(seed)
    run = _run_folder(tmp_path)
    high = "".join(chr(c) for c in range(0xA0, 0x100))
    direct = copied = outside = 0

    def normal(frame):
        return [[None if pd.isna(v) or not str(v).strip() else str(v).strip() for v in row]
                for row in frame.itertuples(index=False)]

    for i in range(100):
        monkeypatch.setattr(readers, "_CHUNK", rng.choice([1, 7, 64, 1 << 24]))
        sep = rng.choice([";", ";", ",", "\t"])
        width = rng.randint(2, 4)
        lines = [line for line in _messy_lines(rng, sep, width) if line.strip(" \t\r")]
        lines = [line.replace("5 €", rng.choice(["5 kr", high[rng.randint(0, 95):][:3]]))
                 .replace("Anna’s", "Anna's") for line in lines]
        lines.append(sep.join([high] + ["x"] * (width - 1)))
        c1 = rng.random() < 0.3
        if c1:
            lines.append(sep.join(["5 €–"] + ["y"] * (width - 1)))
        eol = rng.choice(["\n", "\r\n"])
        text = eol.join([sep.join(f"kol{j}" for j in range(width))] + lines) + rng.choice([eol, ""])
        given = rng.choice([None, "cp1252", "latin-1", "windows-1252"])
        path = tmp_path / f"e{i}" / "export.csv"
        path.parent.mkdir()
        path.write_bytes(text.encode("cp1252"))

        monkeypatch.delenv(readers.DECODED_ENV, raising=False)
        try:
            python = ("rows", normal(readers.read_csv(path, encoding=given)))
        except readers.SourceError as exc:
            python = ("error", str(exc))
        scan = readers._scan_csv(path, given, path.name)
        assert scan.engine_encoding == (None if c1 else "latin-1"), text
        for where in (None, run):
            if where is None:
                monkeypatch.delenv(readers.DECODED_ENV, raising=False)
            else:
                monkeypatch.setenv(readers.DECODED_ENV, str(where))
            try:
                src = readers.open_source({"file": "export.csv", "encoding": given}, path.parent)
                if src.kind in ("csv", "parquet"):
                    con = connect()
                    try:
                        src.view(con, src.columns, "v")
                        got = ("rows", normal(con.sql("SELECT * EXCLUDE (__row) FROM v ORDER BY __row").df()))
                        # read by the engine, from the export itself or from its copy in UTF-8
                        direct += scan.engine_ok and not src.decoded
                        outside += scan.engine_ok and where is None
                        copied += not scan.engine_ok and not src.decoded
                    except duckdb.Error:  # the engine refused it: the readers in Python say why
                        got = ("rows", normal(src.fallback().frame))
                else:
                    got = ("rows", normal(src.frame))
                    assert where is not None or c1 or not scan.engine_ok, text
            except readers.SourceError as exc:
                got = ("error", str(exc))
            assert got == python, (i, where, text)
    # (outside a run too: the engine reads the export, in Latin-1)
    assert direct >= 10 and outside >= 2 and copied >= 1, (direct, outside, copied)


def test_windows_1252_is_decoded_a_piece_at_a_time_as_the_codec_decodes_it():
    """The engine's copy and the facts of an export decode Windows-1252 (and Latin-1) a piece
    at a time, a piece without a byte of 0x80-0x9F as Latin-1 (:class:`readers._OneByteDecoder`):
    random bytes, every byte value among them, cut at random, give the codec's text, or its
    error where the codec has none for a byte (0x81, 0x8d, 0x8f, 0x90, 0x9d in Windows-1252)."""
    import codecs
    import random

    from jamtools.data import readers

    rng = random.Random(7)
    fast = 0
    for i in range(400):
        encoding = rng.choice(["cp1252", "windows-1252", "latin-1", "ISO-8859-1"])
        c1 = rng.random() < 0.5
        data = bytes(rng.choice(range(256) if c1 else [*range(0x80), *range(0xa0, 256)])
                     for _ in range(rng.randint(0, 60)))
        if i % 50 == 0:
            data = bytes(range(256))
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(0, 4))))
        pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
        try:
            expected = data.decode(encoding)
        except UnicodeDecodeError:
            expected = "error"
        decoder = readers._piece_decoder(encoding)
        assert isinstance(decoder, readers._OneByteDecoder)
        try:
            got = "".join(decoder.decode(p) for p in pieces) + decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            got = "error"
        assert got == expected, (encoding, data)
        fast += not c1 and bool(data)
    assert fast > 100
    # other encodings keep their codec's own decoder
    assert not isinstance(readers._piece_decoder("utf-8"), readers._OneByteDecoder)
    assert not isinstance(readers._piece_decoder("iso-8859-15"), readers._OneByteDecoder)
    with pytest.raises(LookupError):
        readers._piece_decoder("nosuch")
    assert codecs.lookup("iso-8859-15").decode(b"\xa4")[0] != b"\xa4".decode("latin-1")  # (why not it)


@pytest.mark.parametrize(("piece", "blank"), [
    (b"a;b\n1;2\n", False), (b"a;b\n1;2", False), (b"1;2\r\n3;4\r\n", False), (b"", False),
    (b"a;b\n\n1;2\n", True), (b"a;b\n \t\r\n1;2\n", True), (b"\n1;2\n", True), (b"  \r\n1;2\n", True),
    (b"1;2\n  ", True), (b"1;2\n\r\n", True), (b"1;2\n\n", True), (b"1;2\r\n\r\n", True)])
def test_a_piece_is_looked_at_closer_only_when_it_may_hold_a_blank_line(piece, blank):
    """:class:`readers._BlankLines` looks at a piece's lines one by one only when a pattern
    finds a blank line in it; the line break that ends a piece (every piece but the last ends
    with one) is not one. (Without this every piece was looked at closer, 35 % of the copy of
    a large export; the copies' rows: the random test above.)"""
    from jamtools.data import readers

    assert readers._blank_line_in(piece) is blank


def test_rows_longer_than_the_header_by_empty_fields_only_are_read_as_the_engine_reads_them(tmp_path, monkeypatch):
    """Some rows ending with the separator (``4;5;6;`` under three columns) or an empty quoted
    field: the engine reads them without the empty fields, and so now does Python's reader
    (pandas refused the file); a field of a space is a field, and the row too long in both. A
    blank line before the header is skipped when rows too long are named (the CSV reader took
    it for a header of no field, and named every row)."""
    import duckdb

    from jamtools.data import readers
    from jamtools.data.engine import connect

    run = _run_folder(tmp_path)

    def both(name, text):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "e.csv").write_text(text, encoding="utf-8")
        out = []
        for env in (None, str(run)):
            if env is None:
                monkeypatch.delenv(readers.DECODED_ENV, raising=False)
            else:
                monkeypatch.setenv(readers.DECODED_ENV, env)
            try:
                src = readers.open_source({"file": "e.csv"}, folder)
                con = connect()
                try:
                    src.view(con, src.columns, "v")
                    frame = con.sql("SELECT * EXCLUDE (__row) FROM v ORDER BY __row").df()
                except duckdb.Error:  # the engine refused it: the readers in Python say why
                    frame = src.fallback().frame
                out.append([[None if pd.isna(v) else v for v in r] for r in frame.itertuples(index=False)])
            except readers.SourceError as exc:
                out.append(str(exc))
        assert out[0] == out[1], name
        return out[0]

    rows = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["x", "y", "z"]]
    assert both("trailing", 'a;b;c\n1;2;3\n4;5;6;\n7;8;9;;\n"x";"y";"z";""\n') == rows
    assert both("first", "a;b;c\n1;2;3;\n4;5;6\n") == rows[:2]
    for name, text in (("space", "a;b;c\n1;2;3\n4;5;6; \n"), ("value", "a;b;c\n1;2;3\n4;5;6;x\n")):
        message = both(name, text)
        assert "rad 3" in message and "fler fält" in message, message
    message = both("blank_first", "\n  \na;b;c\n1;2;3\n4;5;6;x\n7;8;9\n")
    assert "rad 5" in message and "rad 4" not in message and "rad 6" not in message, message
    assert both("empty_name", '""\nkon;enhet;antal\nkvinna;Södra;3\n').startswith("Filen e.csv har rader med fler")
    # found by review: rows the CSV reader above does not see as too long (lines ended by a
    # carriage return; one such return; a field longer than it takes; a header whose quoted
    # name holds the separator after a space): pandas refuses them, and no field with a
    # value is dropped to read them
    for name, text in (("cr", "kon;enhet;antal\rkvinna;Sodra;3\rman;Norra;Ost;5\r"),
                       ("stray_cr", "a;b\n1;2\r3;4\n5;6;7\n"),
                       ("long_field", 'a;b\n1;"' + "z" * 140_000 + '"\n3;4;5\n'),
                       ("spaced_header", 'kon; "enhet;namn";antal\nkvinna;Sodra;3;9\n')):
        message = both(name, text)
        assert isinstance(message, str) and "kan inte tolkas" in message, (name, message)
    # the longest row decides how many columns are read; repeated names as pandas names them
    assert both("many", "a;b;c\n1;2;3;;;;;\n4;5;6\n") == rows[:2]
    assert both("repeated", "a;a;b\n1;2;3;\n4;5;6\n") == rows[:2]
    # rows ever longer by empty fields: read once more with as many columns as the longest
    # (the CSV reader counts them), not once more per longer row (found by review: 191 s for
    # 3 million rows and 30 widths)
    parses = []
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: parses.append(k.get("names")) or real(*a, **k))
    text = "a;b\n" + "1;2\n" * 50 + "".join("3;4" + ";" * k + "\n" for k in range(1, 31))
    (tmp_path / "wider.csv").write_text(text, encoding="utf-8")
    monkeypatch.delenv(readers.DECODED_ENV, raising=False)
    frame = readers._read_csv(tmp_path / "wider.csv")
    assert len(frame) == 80 and list(frame.columns) == ["a", "b"]
    assert len([n for n in parses if n is not None]) == 1, parses


@pytest.mark.parametrize("seed", range(4))
def test_a_csv_export_read_in_parts_is_read_as_when_it_was_read_whole(tmp_path, monkeypatch, seed):
    """Python's CSV reader reads an export a few rows at a time from disk
    (:data:`readers._CSV_PART_ROWS`, here 1 to 7), found its encoding and first lines in a
    pass of its own (:func:`readers._csv_stream_facts`): on random messy exports (extra
    fields, trailing separators and empty fields, spaces before quotes, quoted separators and
    line breaks, carriage returns, byte-order marks, Windows-1252, NUL characters, undecodable
    bytes, empty files, blank lines, header only) it gives exactly the frame, or says exactly
    what, it did when it held the file whole and parsed it at once; in a run, the copy it writes
    a part at a time is that frame."""
    import random

    from jamtools.data import readers

    rng = random.Random(seed)
    pieces = ["1;2", "1;2;3", "1;2;", "1;2;;", "1;2; ", "1; 2;x", '1;"2;x"', '1; "2;x";y', '"a\nb";2',
              '"a;b";c;d', "Söder;2", "1", "", " ", "\r", "\t", ";", '"', "x\x00", "é;€", '"x\ry";2',
              "1;" + "z" * 40, '"Citat ""x"" här";7', "\ufeff1;2"]
    run = _run_folder(tmp_path)
    real_facts = readers._csv_stream_facts
    frames = said = 0
    for i in range(120):
        body = "\n".join(rng.choice(pieces[:-1] if rng.random() < 0.8 else pieces) for _ in range(rng.randint(0, 14)))
        text = (rng.choice(["", "\ufeff", "\ufeff\ufeff"]) + rng.choice(["", "", "", "\n", "\r\n", " \n"])
                + rng.choice(["a;b", "a;b;c", "a,b", "a;b;", '"a;b";c', ""]) + "\n" + body)
        text += rng.choice(["", "\n", "\r\n"])
        path = tmp_path / f"{i}.csv"
        encoding = rng.choice(["utf-8", "cp1252", "utf-8"])
        try:
            raw = text.encode(encoding)
        except UnicodeEncodeError:
            raw = text.encode("utf-8")
        if rng.random() < 0.05:
            raw += b"\x81\xff"  # undecodable in UTF-8 and in Windows-1252
        path.write_bytes(raw)
        sep = rng.choice([None, None, ";"])
        enc = rng.choice([None, None, "utf-8", "cp1252", "latin-1", "utf-7", "utf-16", "nosuch"])

        def outcome(rows, facts):
            monkeypatch.setattr(readers, "_CSV_PART_ROWS", rows)
            monkeypatch.setattr(readers, "_csv_stream_facts", facts)
            try:
                return readers._read_csv(path, encoding=enc, separator=sep)
            except readers.SourceError as exc:
                return str(exc)

        whole = outcome(10**9, lambda *a: (None, ""))  # the text held whole, parsed at once
        now = outcome(rng.choice([1, 2, 3, 7]), real_facts)
        if isinstance(whole, str):
            assert now == whole, (text, whole, now)
            said += 1
            continue
        pd.testing.assert_frame_equal(now, whole, obj=repr(text))
        frames += 1
        monkeypatch.setenv(readers.DECODED_ENV, str(run))  # in a run: the copy, a part at a time
        copy, frame = readers._decoded_copy(path, ("csv", enc, sep, i), lambda: None, parts=lambda sink: readers._read_csv(
            path, encoding=enc, separator=sep, sink=sink))
        monkeypatch.delenv(readers.DECODED_ENV)
        if copy is not None:
            pd.testing.assert_frame_equal(pd.read_parquet(copy), whole, obj=repr(text))
        else:
            assert whole.shape[1] == 0 and frame is None
    assert frames >= 20 and said >= 20, (frames, said)


def test_a_csv_export_read_in_python_in_a_run_is_never_held_whole(tmp_path, monkeypatch):
    """A large export that Python's reader reads (a quote after a space), in a run: written to
    the run's copy a part at a time, its Python allocations (``tracemalloc``) peak at a small
    part of reading it whole, and the copy holds every row."""
    import tracemalloc

    import pyarrow.parquet as pq

    from jamtools.data import readers

    path = tmp_path / "stor.csv"
    with open(path, "w", encoding="cp1252", newline="") as f:
        f.write("beslut_id;kon;enhet;timmar\n")
        spaced = ' "Södra"'  # (a quote after a space: Python's reader)
        for i in range(300_000):
            f.write(f"H{i};kvinna;{spaced if i == 5 else 'Norra'};{i % 50},5\n")
    monkeypatch.setattr(readers, "_CHUNK", 1 << 20)  # (the blocks its first pass decodes)
    facts = readers._csv_stream_facts
    monkeypatch.setattr(readers, "_csv_stream_facts", lambda *a: (None, ""))  # the text whole
    monkeypatch.setattr(readers, "_CSV_PART_ROWS", 10**9)  # ... parsed at once
    tracemalloc.start()
    try:
        whole = readers._read_csv(path)
        _, held = tracemalloc.get_traced_memory()
        del whole
        monkeypatch.setattr(readers, "_csv_stream_facts", facts)
        monkeypatch.setattr(readers, "_CSV_PART_ROWS", 20_000)
        tracemalloc.reset_peak()
        monkeypatch.setenv(readers.DECODED_ENV, str(_run_folder(tmp_path)))
        src = readers.open_source({"file": "stor.csv"}, tmp_path)
        _, parts = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert src.kind == "parquet" and src.decoded and pq.read_metadata(src.path).num_rows == 300_000
    assert parts < held / 4, (parts, held)


def test_columns_whose_names_differ_only_in_case_stop_with_a_message(tmp_path, monkeypatch):
    """The engine does not tell ``Kon`` from ``kon`` (``SELECT "kon"`` gives the first): an
    export with such columns, in any format, in and out of a run, stops with a message naming
    both when one of them is read, instead of one column's values read as the other's; the
    other columns are read. Names that differ in a letter outside A-Z (``Ä``, ``ä``), which
    the engine tells apart, are read."""
    from jamtools.data import readers
    from jamtools.data.engine import connect

    run = _run_folder(tmp_path)
    frame = pd.DataFrame({"beslut_id": ["H1", "H2"], "Kon": ["x", "y"], "kon": ["kvinna", "man"],
                          "Ä": ["1", "2"], "ä": ["3", "4"]})
    frame.to_parquet(tmp_path / "e.parquet", index=False)
    frame.to_excel(tmp_path / "e.xlsx", index=False)
    (tmp_path / "e.csv").write_text(frame.to_csv(sep=";", index=False), encoding="utf-8")
    (tmp_path / "w.csv").write_bytes(frame.to_csv(sep=";", index=False).encode("cp1252"))
    for env in (None, str(run)):
        if env:
            monkeypatch.setenv(readers.DECODED_ENV, env)
        for file in ("e.parquet", "e.xlsx", "e.csv", "w.csv"):
            src = readers.open_source({"file": file}, tmp_path)
            assert src.columns == list(frame.columns), (file, src.columns)
            con = connect()
            for wanted in (["kon"], ["Kon"], ["beslut_id", "kon"]):
                with pytest.raises(readers.SourceError, match="'Kon' och 'kon'"):
                    src.view(con, wanted, "v")
            src.view(con, ["beslut_id", "Ä", "ä"], "v")  # the others are read
            assert con.sql('SELECT beslut_id, "Ä", "ä" FROM v ORDER BY __row').fetchall() == [
                ("H1", "1", "3"), ("H2", "2", "4")], file
    (tmp_path / "ht_beslut.csv").write_bytes((tmp_path / "w.csv").read_bytes())
    with pytest.raises(data.DataValidationError, match="'Kon' och 'kon'"):  # a load says so
        data.load_table("ht_beslut", data_dir=tmp_path)