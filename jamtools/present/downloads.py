"""Tables a reader downloads: the same disclosed values as the page, as XLSX and as CSV for
Swedish Excel.

A page shows a short table; the whole table (and a plan to fill in) is offered as files next to
the page, in the folder :data:`FOLDER` beside the executed notebook, and linked with MyST's
``{download}`` role, which copies the file into the built book. Two formats of each table:

- XLSX (``openpyxl``): opens in any spreadsheet program, numbers stay numbers;
- CSV as Swedish Excel reads it by double-click: ``;`` between fields, decimal comma, UTF-8 with a
  byte-order mark (without it Excel reads UTF-8 as Windows-1252 and breaks å, ä, ö).

Only reader frames go here: Swedish column headers, values already disclosed and rounded as the
page shows them (the run's leak scan also reads the files, :mod:`jamtools.run.scan`).

References
----------
Microsoft, "Import or export text (.txt or .csv) files": Excel uses the list separator and decimal
symbol of the regional settings (``;`` and ``,`` in Swedish) when it opens a CSV file.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

#: The folder of downloads, beside the executed notebook (the book's staging copies it).
FOLDER = "nedladdningar"

#: Excel's limit on a sheet name.
_SHEET_MAX = 31


def write_downloads(frame: pd.DataFrame, stem: str, folder: str | Path, *,
                    sheet: str = "Tabell") -> dict[str, Path]:
    """Write ``frame`` as ``<stem>.xlsx`` and ``<stem>.csv`` in ``folder``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A reader frame: Swedish headers, disclosed values (numbers as numbers, missing as NaN,
        text as text). The index is not written.
    stem : str
        The file name without suffix (no spaces; it is part of the link on the page).
    folder : str or Path
        Where to write; created when missing.
    sheet : str, default "Tabell"
        The XLSX sheet's name (cut to Excel's 31 characters).

    Returns
    -------
    dict
        ``{"xlsx": path, "csv": path}``.

    Notes
    -----
    The CSV reads back with ``pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")``
    and the XLSX with ``pd.read_excel(path)``; both give ``frame`` again (tested).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"xlsx": folder / f"{stem}.xlsx", "csv": folder / f"{stem}.csv"}
    frame.to_csv(paths["csv"], sep=";", decimal=",", index=False, encoding="utf-8-sig")
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as writer:
        name = sheet[:_SHEET_MAX]
        frame.to_excel(writer, sheet_name=name, index=False)
        _layout(writer.sheets[name], frame)
    return paths


def _layout(ws, frame: pd.DataFrame) -> None:
    """Readable sheet: bold, frozen header; columns as wide as their text (at most 60
    characters, longer text wraps)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for k, column in enumerate(frame.columns, start=1):
        texts = [str(column)] + [str(v) for v in frame[column] if not pd.isna(v)]
        width = min(60, max(8, max(len(t) for t in texts) + 2))
        ws.column_dimensions[get_column_letter(k)].width = width
        if width == 60:
            for row in ws.iter_rows(min_row=2, min_col=k, max_col=k):
                for cell in row:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


def links(stem: str, text: str, *, folder: str = FOLDER) -> str:
    """The page's Markdown list of the two files of ``stem``, as MyST ``{download}`` links.

    Parameters
    ----------
    stem : str
        The files' name without suffix (as given to :func:`write_downloads`).
    text : str
        What the file holds, in Swedish ("Hela tabellen").
    folder : str
        The folder relative to the page.

    Returns
    -------
    str

    Examples
    --------
    >>> print(links("plan", "Handlingsplanen"))
    - {download}`Handlingsplanen (Excel) <nedladdningar/plan.xlsx>`
    - {download}`Handlingsplanen (CSV för svenska Excel) <nedladdningar/plan.csv>`
    """
    return (f"- {{download}}`{text} (Excel) <{folder}/{stem}.xlsx>`\n"
            f"- {{download}}`{text} (CSV för svenska Excel) <{folder}/{stem}.csv>`")


__all__ = ["FOLDER", "write_downloads", "links"]
