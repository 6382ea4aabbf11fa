"""Downloads (jamtools.present.downloads): the same frame back from the CSV that Swedish Excel
opens (';', decimal comma, UTF-8 with BOM) and from the XLSX."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from jamtools.present import downloads


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Utfall": ["Självförsörjande", "Beviljade timmar; per månad", "Åtgärd \"A\""],
        "Skattning": [-4.6, 1.25, math.nan],
        "Konfidensnivå (%)": [98.3, 95.0, 95.0],
        "Rang": [1, 2, 3],
        "Mål": ["", "", ""],
    })


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a file gives it back: an empty text cell is an empty cell (NaN)."""
    return frame.astype(object).replace("", np.nan).infer_objects()


def test_csv_reads_back_as_swedish_excel_reads_it(tmp_path):
    frame = _frame()
    paths = downloads.write_downloads(frame, "tabell", tmp_path / "nedladdningar")
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                          # UTF-8 with BOM
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "Utfall;Skattning;Konfidensnivå (%);Rang;Mål"
    assert "Självförsörjande;-4,6;98,3;1;" in text                  # decimal comma
    back = pd.read_csv(paths["csv"], sep=";", decimal=",", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, _as_read(frame), check_dtype=False)


def test_xlsx_reads_back(tmp_path):
    frame = _frame()
    paths = downloads.write_downloads(frame, "tabell", tmp_path, sheet="En mycket lång bladrubrik som är för lång")
    book = load_workbook(paths["xlsx"])
    [ws] = book.worksheets
    assert ws.title == "En mycket lång bladrubrik som ä"[:31] and ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(frame.columns)
    assert rows[1][1] == -4.6 and isinstance(rows[1][1], float) and rows[3][1] is None
    back = pd.read_excel(paths["xlsx"])
    pd.testing.assert_frame_equal(back, _as_read(frame), check_dtype=False)
    assert np.isnan(back.loc[2, "Skattning"])


def test_links_are_myst_download_roles():
    text = downloads.links("handlingsplan", "Handlingsplanen")
    assert text.splitlines() == [
        "- {download}`Handlingsplanen (Excel) <nedladdningar/handlingsplan.xlsx>`",
        "- {download}`Handlingsplanen (CSV för svenska Excel) <nedladdningar/handlingsplan.csv>`"]
