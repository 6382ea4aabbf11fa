"""The check's row numbers are the rows of the file as a spreadsheet shows them (the header is
row 1), also after blank lines, which the readers skip: a row after an empty line, several, a
line of spaces or of a carriage return keeps its number, whichever reader reads the export
(Python outside a run; in a run the engine, from its copy without the blank lines, or Python
when the quotes do not say where a note ends). A quoted note over two lines is one row, as in a
spreadsheet. A line of separators only (``;;;``) is a row with every value missing, not a blank
line. A workbook's empty row is a row too."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools import data
from jamtools.data import readers
from jamtools.data.load import check_source

HEADER = "beslut_id;person_id;kon;alder;beslutsdatum;enhet;adl_beroende;ensamboende;beviljade_timmar"


def _row(i: int, *, alder: str = "70", enhet: str = "Norr", beslut: str | None = None) -> str:
    return f"{beslut or f'H{i}'};P{i};kvinna;{alder};2024-03-01;{enhet};2;0;10,5"


def _file_rows() -> tuple[list[str], dict[str, tuple[int, ...]]]:
    """An export's lines (each a row of a spreadsheet: the note over two lines is one) and the
    rows the check names, as a spreadsheet numbers them."""
    lines = [
        "",                                     # 1 a blank line before the header
        HEADER,                                 # 2
        _row(0),                                # 3
        _row(1),                                # 4
        "",                                     # 5 an empty line
        _row(2, beslut="H1"),                   # 6 the id of row 4 again
        "   ",                                  # 7 spaces only
        "\t",                                   # 8 a tab
        _row(3, enhet='"Sö\nder"'),             # 9 a note over two lines: one row
        "",                                     # 10
        "\r",                                   # 11 a carriage return only (CRLF)
        ";;;;;;;;",                             # 12 separators only: a row, every value missing
        _row(4, alder="åttio"),                 # 13
        _row(5),                                # 14
        "", "",                                 # 15, 16 at the end
    ]
    rows = {"alder": (13,), "beslut_id": (4, 6), "missing_id": (12,)}
    return lines, rows


def _problems(checked) -> dict[str, tuple[int, ...]]:
    out = {}
    for p in checked.problems:
        if p.kind == "missing_id":
            out["missing_id"] = p.rows
        elif p.kind in ("not_a_number", "duplicate_id"):
            out[p.column] = p.rows
    return out


def _run_folder(tmp_path):
    folder = tmp_path / "decoded"
    folder.mkdir()
    folder.chmod(0o700)
    (folder / readers.DECODED_MARK).write_text("1")
    return folder


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
@pytest.mark.parametrize("in_run", [False, True, "many"])
def test_rows_after_blank_lines_keep_their_numbers_in_the_file(tmp_path, monkeypatch, encoding, in_run):
    """Every reader of the export gives the row numbers of the file, whether the check reads
    rows or cells, some columns or all. In a run the engine shifts the positions in its copy
    without blank lines as it reads them; with blank lines at many places (``many``: more
    than ``readers._FEW_GAPS``) the copy keeps the numbers as a column."""
    if in_run == "many":
        monkeypatch.setattr(readers, "_FEW_GAPS", 1)
    lines, want = _file_rows()
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "ht_beslut.csv").write_bytes("\n".join(lines).encode(encoding))
    if in_run:
        monkeypatch.setenv(readers.DECODED_ENV, str(_run_folder(tmp_path)))
    else:
        monkeypatch.delenv(readers.DECODED_ENV, raising=False)
    src = readers.open_source({"file": "ht_beslut.csv"}, folder)
    # in a run the engine reads its copy without the blank lines, with the rows' numbers
    assert (src.kind, src.row_column) == {False: ("arrow", None), True: ("parquet", None),
                                          "many": ("parquet", readers.ROW_COLUMN)}[in_run]
    assert (src.gaps is not None) is (in_run is True)
    spec = {"file": "ht_beslut.csv", "_base": folder}
    for checked in (check_source("ht_beslut", spec), check_source("ht_beslut", spec, cells=True, values=False),
                    data.load_table("ht_beslut", data_dir=folder,
                                    columns=["alder", "beviljade_timmar"]).checked):
        got = _problems(checked)
        assert got == {k: v for k, v in want.items() if k in got} and "alder" in got, got
    assert _problems(check_source("ht_beslut", spec)) == want
    res = data.load_table("ht_beslut", data_dir=folder, columns=["beviljade_timmar"])
    assert len(res.checked.data) == 7  # the row of separators is a row; blank lines are not


def test_the_python_reader_numbers_its_rows_as_the_file_does(tmp_path):
    """:func:`readers.read_csv` gives each row its number in the file (less 2, as positions
    were: the row after the header is 0) as the frame's index, named
    :data:`readers.ROW_COLUMN`, and the frame of an export without blank lines keeps its
    positions; the check of that frame names the file's rows."""
    from jamtools.data.check import check_table
    from jamtools.data.model import TABLES

    lines, want = _file_rows()
    path = tmp_path / "ht_beslut.csv"
    path.write_text("\r\n".join("" if line == "\r" else line for line in lines), encoding="utf-8")  # (CRLF)
    frame = readers.read_csv(path)
    assert frame.index.name == readers.ROW_COLUMN
    assert (frame.index + 2).tolist() == [3, 4, 6, 9, 12, 13, 14]
    assert frame["enhet"].tolist()[3] == "Sö\nder"
    assert _problems(check_table(frame, TABLES["ht_beslut"], source="ht_beslut.csv")) == want
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join([HEADER, _row(0), _row(1)]) + "\n\n", encoding="utf-8")
    assert isinstance(readers.read_csv(plain).index, pd.RangeIndex)


@pytest.mark.parametrize("text", [
    'a;b\n1;2\n\n3;"x\n\ny"\n4;5\n',     # a blank line inside a note is the note's
    'a;b\n1;"x\ny"\n\n\n3;4\n  \n5;6',   # a note over two lines, then blank lines
])
def test_row_numbers_count_a_note_over_lines_as_one_row(tmp_path, text):
    """A quoted field with line breaks is one row (a spreadsheet's), and a blank line inside it
    is part of it, not a blank line skipped."""
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    frame = readers.read_csv(path)
    import csv
    import io

    # the spreadsheet's rows: Python's CSV reader's records (a blank line is one with no field)
    records = list(csv.reader(io.StringIO(text), delimiter=";"))
    kept = [i + 1 for i, r in enumerate(records) if i and r and any(f.strip() for f in r)]
    assert (frame.index + 2).tolist() == kept


def test_a_quote_within_a_field_leaves_the_rows_numbered_by_position(tmp_path):
    """When a quote stands where a quoted field does not have it (``5" skärm``), the quotes do
    not say which lines are inside a note, and the rows are numbered by their position, as
    before (nothing is read otherwise)."""
    path = tmp_path / "x.csv"
    path.write_text('a;b\n5" skärm;1\n\n3;4\n', encoding="utf-8")
    frame = readers.read_csv(path)
    assert frame["a"].tolist() == ['5" skärm', "3"]
    assert isinstance(frame.index, pd.RangeIndex)


def test_row_gaps_from_blank_records():
    """:func:`readers.row_gaps` and :func:`readers.row_numbers`: blank lines before the header
    move every row; one after a row moves the rows after it; those at the end none."""
    import numpy as np

    gaps = readers.row_gaps([0, 3, 4, 7, 9, 10], total=11)  # header at record 1
    assert gaps.lead == 1 and gaps.before.tolist() == [1, 1, 3] and gaps.blank_rows.tolist() == [1, 4, 5, 8, 10, 11]
    # records 2, 5, 6, 8: rows 3, 6, 7, 9
    assert (readers.row_numbers(np.arange(4), gaps) + 2).tolist() == [3, 6, 7, 9]
    assert not readers.row_gaps([5, 6], total=7).shifts  # (only at the end)


def test_an_empty_row_in_a_workbook_is_a_row_with_its_number(tmp_path):
    """A workbook's empty row inside the table is read as a row with every value missing (as
    ``;;;`` in a CSV export), so that the rows after it keep Excel's numbers."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    sheet.append(_row(0).split(";"))
    sheet.append([])                                  # row 3: empty
    sheet.append(_row(1, alder="åttio").split(";"))   # row 4
    book.save(tmp_path / "ht_beslut.xlsx")
    checked = check_source("ht_beslut", {"file": "ht_beslut.xlsx", "_base": tmp_path})
    got = _problems(checked)
    assert got["alder"] == (4,) and got["missing_id"] == (3,), got


def test_a_row_too_long_is_named_by_its_row_after_a_note_over_lines(tmp_path):
    """The rows with more fields than the header are named as the check names rows: a note
    over two lines is one row (it was named by the line its row ended on)."""
    path = tmp_path / "x.csv"
    path.write_text('a;b;c\n1;"x\ny";3\n\n4;5;6;7\n', encoding="utf-8")
    with pytest.raises(readers.SourceError, match=r"rad 4\b"):
        readers.read_csv(path)
