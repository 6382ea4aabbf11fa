"""The reader's copy of an executed notebook: numbered figures and tables, no paths, build facts.

The chapters' figures (:class:`jamtools.present.plots.Plot`) and tables
(:class:`jamtools.present.report.Table`) leave their caption, alt text and name as output
metadata (``{"jamtools": {...}}``). When the book is staged, :func:`reader_notebook` rewrites
those outputs into MyST directives that Sphinx numbers (``numfig``): a ``{figure}`` with its alt
text and caption, a ``{list-table}`` with its caption. Each gets the label
``<chapter id>-<name>``, so the chapter's prose can say {numref}`...` instead of "figuren nedan".
JupyterLab, which does not read the metadata, keeps showing the PNG and the HTML table.

It also removes what is not for readers: papermill's injected parameters (the build machine's
paths) and the figure captions' separate Markdown (the figure carries its caption), and adds the
line *Byggd ... från ... (jamtools ...)* at the end of the page, with a link to its PDF.

References
----------
Sphinx, "numfig" configuration value; MyST-NB, "Render priority" and "Markdown outputs"
(``nb_render_markdown_format = "myst"``), https://myst-nb.readthedocs.io.
"""
from __future__ import annotations

import base64
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

FIGURE_FOLDER = "_figurer"
_PUNCT = set(string.punctuation)


def escape(text: str) -> str:
    """Markdown-escape ``text`` so MyST shows it literally (every ASCII punctuation character is
    backslash-escaped, CommonMark's rule), and keep it on one line."""
    text = " ".join(str(text).split())
    return "".join(f"\\{ch}" if ch in _PUNCT else ch for ch in text)


def _option(text: str) -> str:
    """A directive option value: one line, as is (options are not parsed as Markdown)."""
    return " ".join(str(text).split())


def _label(chapter_id: str, name: str | None, kind: str, number: int, seen: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", f"{chapter_id}-{name or f'{kind}-{number}'}".lower())
    label, k = base, 2
    while label in seen:
        label, k = f"{base}-{k}", k + 1
    seen.add(label)
    return label


def figure_markdown(path: str, *, label: str, caption: str, alt: str) -> str:
    """A numbered MyST figure: the image at ``path`` with its alt text and caption."""
    return (f"```{{figure}} {path}\n:name: {label}\n:alt: {_option(alt)}\n:width: 100%\n\n"
            f"{escape(caption)}\n```\n")


def table_markdown(columns: list[str], rows: list[list[str]], *, label: str, caption: str,
                   note: str = "") -> str:
    """A numbered MyST list-table (class ``jamtools-disclosed``) with its caption and note."""
    if not columns:  # nothing to tabulate: the caption and the note as text
        return f"**{escape(caption)}**\n\n" + (f"*{escape(note)}*\n" if note else "")
    # A table without rows keeps its column names (as a first row: a list-table needs a body).
    lines = [f"```{{list-table}} {escape(caption)}", f":name: {label}",
             f":header-rows: {1 if rows else 0}", ":class: jamtools-disclosed", ""]
    for row in [columns, *rows]:
        cells = [escape(v) if str(v).strip() else "\u00a0" for v in row]
        lines.append(f"* - {cells[0]}")
        lines.extend(f"  - {c}" for c in cells[1:])
    lines.append("```")
    text = "\n".join(lines) + "\n"
    if note:
        text += f"\n*{escape(note)}*\n"
    return text


@dataclass
class ReaderReport:
    """What :func:`reader_notebook` did: labels made, and items that lacked a caption or alt."""

    figures: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def reader_notebook(nb: nbformat.NotebookNode, chapter_id: str, folder: Path, *,
                    build_line: str | None = None) -> ReaderReport:
    """Rewrite executed notebook ``nb`` (in place) into the book's reader copy.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (a copy staged for the book; the run's own copy is not touched).
    chapter_id : str
        The chapter's id; labels are ``<chapter_id>-<name>``.
    folder : pathlib.Path
        The staged notebook's folder; figures are written to ``folder/_figurer/``.
    build_line : str, optional
        Markdown added as the page's last cell (when it was built, from which data, its PDF).

    Returns
    -------
    ReaderReport
        The labels made and the figures/tables that had no caption or alt text.
    """
    report = ReaderReport()
    seen: set[str] = set()
    nb.metadata.pop("papermill", None)  # the run's input and output paths and its parameters
    (folder / FIGURE_FOLDER).mkdir(parents=True, exist_ok=True)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue  # the build machine's paths
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    continue  # library warnings (with the code's paths); the text says what matters
                meta = (out.get("metadata") or {}).get("jamtools")
                if not meta:
                    outputs.append(out)
                    continue
                kind = meta.get("kind")
                if kind == "caption":
                    continue
                if kind == "figure" and "image/png" in out.get("data", {}):
                    label = _label(chapter_id, meta.get("name"), "figur", len(report.figures) + 1, seen)
                    image = folder / FIGURE_FOLDER / f"{label}.png"
                    image.write_bytes(base64.b64decode(out["data"]["image/png"]))
                    if not meta.get("caption") or not meta.get("alt"):
                        report.missing.append(f"{label} (figur utan {'bildtext' if not meta.get('caption') else 'alt-text'})")
                    md = figure_markdown(f"{FIGURE_FOLDER}/{image.name}", label=label,
                                         caption=meta.get("caption") or "",
                                         alt=meta.get("alt") or "")
                    report.figures.append(label)
                elif kind == "table":
                    label = _label(chapter_id, meta.get("name"), "tabell", len(report.tables) + 1, seen)
                    if not meta.get("caption"):
                        report.missing.append(f"{label} (tabell utan rubrik)")
                    md = table_markdown(meta.get("columns", []), meta.get("rows", []), label=label,
                                        caption=meta.get("caption") or "", note=meta.get("note") or "")
                    report.tables.append(label)
                else:
                    outputs.append(out)
                    continue
                outputs.append(nbformat.v4.new_output(
                    "display_data", data={"text/markdown": md, "text/plain": meta.get("caption") or ""}))
            cell["outputs"] = outputs
        cells.append(cell)
    if build_line:  # last: the answer comes first, the build facts close the page
        cells.append(nbformat.v4.new_markdown_cell(build_line))
    nb.cells = cells
    _unresolved_references(nb, chapter_id, set(report.figures) | set(report.tables))
    return report


_NUMREF = re.compile(r"\{numref\}`([^`<>]+)`")


def _unresolved_references(nb: nbformat.NotebookNode, chapter_id: str, labels: set[str]) -> None:
    """A chapter's prose refers to its figures and tables by label; one that these data do not
    draw (a figure of a group that is absent) would stop the book's build (an undefined label).
    Such a reference is written as words instead, which cannot tell a figure from a table:
    "figuren eller tabellen (visas inte med dessa data)", capitalised where a sentence begins.
    A chapter whose prose must read well without the figure draws one that says why it is
    empty (ht_02), so that this is a last resort that keeps the book building."""
    def words(match: re.Match) -> str:
        label = match.group(1)
        if not label.startswith(f"{chapter_id}-") or label in labels:
            return match.group(0)
        before = match.string[:match.start()].rstrip(" *_")
        starts = not before or before.endswith((".", "!", "?", ":", "\n", "-", "("))
        return ("Figuren" if starts else "figuren") + " eller tabellen (visas inte med dessa data)"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _NUMREF.sub(words, cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if isinstance(data.get("text/markdown"), str):
                data["text/markdown"] = _NUMREF.sub(words, data["text/markdown"])


__all__ = ["reader_notebook", "figure_markdown", "table_markdown", "escape", "ReaderReport",
           "FIGURE_FOLDER"]
