"""The check says when it skipped blank lines in a CSV export: an info line (not a problem)
naming the file, how many, and the first rows, as a spreadsheet numbers them."""
from __future__ import annotations

from jamtools.run.check import check_inputs
from jamtools.run.config import load_config


def _export(folder, lines):
    header = "BeslutsNr;Kön;Ålder;Beslutsdatum;Timmar/mån"
    (folder / "Hemtjanst.csv").write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode("cp1252"))
    (folder / "jamtools.yml").write_text(
        "tables:\n  ht_beslut:\n    file: Hemtjanst.csv\n"
        "    columns: {BeslutsNr: beslut_id, Kön: kon, Ålder: alder, Beslutsdatum: beslutsdatum, "
        "\"Timmar/mån\": beviljade_timmar}\n    values:\n      kon: {K: kvinna, M: man}\n",
        encoding="utf-8")
    return load_config(folder / "jamtools.yml")


ROWS = [f"B{i};{'K' if i % 2 else 'M'};{70 + i};2024-03-0{1 + i % 9};{10 + i},5" for i in range(12)]


def test_the_check_says_the_blank_lines_it_skipped(tmp_path):
    lines = ROWS[:3] + [""] + ROWS[3:5] + ["", ""] + ROWS[5:] + [""]
    report = check_inputs(_export(tmp_path, lines))
    table = report.tables["ht_beslut"]
    assert table.rows == 12
    said = [p for p in table.problems if p.kind == "blank_lines"]
    assert len(said) == 1 and said[0].severity == "info" and said[0].count == 4
    # the header is row 1: rows 2–4, a blank line on row 5, rows 6–7, blank lines on 8 and 9
    assert said[0].rows == (5, 8, 9, 17)
    assert said[0].message().startswith("Hemtjanst.csv: 4 tomma rader hoppades över (rad 5, 8, 9, 17).")
    assert "[info] Hemtjanst.csv: 4 tomma rader" in report.text()
    assert report.n_problems() == {"fel": 0, "rader": 0}  # not a problem
    assert said[0].message() in {p["message"] for p in report.as_dict()["tables"]["ht_beslut"]["problems"]}
    # the book's page: no row numbers
    assert "4 tomma rader hoppades över." in report.markdown()


def test_no_blank_line_no_line(tmp_path):
    table = check_inputs(_export(tmp_path, ROWS)).tables["ht_beslut"]
    assert not [p for p in table.problems if p.kind == "blank_lines"]
