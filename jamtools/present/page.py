"""One chapter's page: every part a notebook shows, made once by the chapter's composition.

A chapter composition (``jamtools.chapters.<family>``) returns a :class:`Page`: the short answer,
named parts in the order the page shows them (Markdown text, disclosed tables, figures with their
Swedish caption and alt text), and the disclosed counts and comparisons that go to the results
file. The notebook only calls ``page.show("<part>")`` between its paragraphs, so the table, the
figure and the sentence of a part all come from the same disclosed object.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from jamtools.disclosure import SUPPRESSED_MARK


@dataclass(frozen=True)
class Caption:
    """A figure's or table's caption shown under it (the book numbers them)."""

    text: str

    def _repr_markdown_(self) -> str:
        return f"*{self.text}*"

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Marked, so the book's staging can drop it: there the figure carries its caption.
        return ({"text/markdown": self._repr_markdown_(), "text/plain": self.text},
                {"jamtools": {"kind": "caption"}})

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Page:
    """Everything one chapter shows, from one disclosed result.

    Parameters
    ----------
    question_id : str
        The chapter's id.
    short_answer : str
        *Svar i korthet*: one or two sentences with the crude and the same-need result.
    parts : mapping of str to iterable
        Named parts in page order; each item is a Markdown string or an object the notebook
        displays (a disclosed table, a figure). A part may be empty (nothing to show).
    counts : mapping of str to dict
        Per table, the disclosed rows by sex (``analysed``/``excluded``) for the results file.
    comparisons : pandas.DataFrame
        The disclosed comparisons for the results file (p-values already adjusted).
    """

    question_id: str
    short_answer: str
    parts: Mapping[str, tuple] = field(default_factory=dict)
    counts: Mapping[str, dict] = field(default_factory=dict)
    comparisons: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        frozen = {name: tuple(items) if not isinstance(items, (str, bytes)) else (items,)
                  for name, items in dict(self.parts).items()}
        hidden = link_rows_read([item for items in frozen.values() for item in items])
        object.__setattr__(self, "parts", MappingProxyType(frozen))
        object.__setattr__(self, "counts", MappingProxyType(_link_counts(dict(self.counts), hidden)))

    def part(self, name: str) -> tuple:
        """The items of part ``name``; KeyError naming the parts there are."""
        try:
            return self.parts[name]
        except KeyError:
            raise KeyError(f"Sidan {self.question_id} har ingen del {name!r}; "
                           f"delarna är {', '.join(self.parts)}.") from None

    def show(self, name: str) -> None:
        """Display part ``name`` in the notebook: Markdown for text, the object itself otherwise."""
        from IPython.display import Markdown, display

        for item in self.part(name):
            display(Markdown(item) if isinstance(item, str) else item)

    def show_answer(self) -> None:
        """Display *Svar i korthet*."""
        from IPython.display import Markdown, display

        display(Markdown(f"**Svar i korthet.** {self.short_answer}"))


#: The first row of a data table (:func:`jamtools.present.report.quality_table`): the rows read
#: of one file, by sex.
ROWS_READ = "Inlästa rader ("


def _link_counts(counts: dict, hidden: dict) -> dict:
    """The results file's ``counts`` with a table's rows left out hidden (None) for every sex
    whose rows read a data table of the page hides (``hidden``, :func:`link_rows_read`): its
    rows analysed plus left out would be the rows read (eb_02: a selection's 278 + 696 gave 974
    beside the page's 972 analysed, 2 duplicates)."""
    out = dict(counts)
    for table, sexes in hidden.items():
        record = out.get(table)
        if not sexes or not isinstance(record, dict) or "excluded" not in record:
            continue
        out[table] = {**record, "excluded": {**(record.get("excluded") or {}), **{s: None for s in sexes}}}
    return out


def link_rows_read(items: Iterable) -> dict[str, set[str]]:
    """Hide a file's rows read of a sex in every data table of a page where one hides them.

    Two data tables of one file on a page (the chapter's rows, and a selection of them: the
    planning of clients born abroad) show the same rows read by sex. Each is disclosed alone,
    so one may hide a sex's rows read to protect a small count of left-out rows, which the
    other then shows: 1 162 rows read in the second less 1 160 analysed in the first gave back
    2 duplicates. Where any table hides a cell of a file's rows read, every table of that file
    on the page hides it (and carries the note of what '..' means). The tables are changed in
    place, before anything is shown.

    Returns the sexes (codes) whose rows read are hidden, per data table (model name), for the
    results file's counts (:func:`_link_counts`).
    """
    tables = [t for t in items if isinstance(getattr(t, "frame", None), pd.DataFrame)
              and "Steg" in t.frame.columns and len(t.frame)
              and str(t.frame["Steg"].iloc[0]).startswith(ROWS_READ)]
    by_file: dict[str, list] = {}
    for t in tables:
        by_file.setdefault(str(t.frame["Steg"].iloc[0]), []).append(t)
    out: dict[str, set[str]] = {}
    for group in by_file.values():
        columns = {c for t in group for c in t.frame.columns if c != "Steg"}
        hidden = {c for c in columns for t in group if c in t.frame.columns
                  and str(t.frame[c].iloc[0]) == SUPPRESSED_MARK}
        for t in group:
            codes = getattr(t, "sex_codes", {})
            if getattr(t, "data_table", None):
                out.setdefault(t.data_table, set()).update(codes[c] for c in hidden if c in codes)
        if len(group) < 2:
            continue
        notes = [n for t in group for n in [_mark_note(t.note)] if n]
        for t in group:
            changed = False
            for c in hidden & set(t.frame.columns):
                if str(t.frame[c].iloc[0]) != SUPPRESSED_MARK:
                    t.frame.iloc[0, list(t.frame.columns).index(c)] = SUPPRESSED_MARK
                    changed = True
            if changed and not _mark_note(t.note) and notes:
                t.note = f"{t.note} {notes[0]}".strip()
    return out


def _mark_note(note: str) -> str:
    """The sentence of ``note`` that says what '..' means, or ''."""
    import re

    m = re.search(r"'\.\.' = [^']*?\(röjandekontroll\)\.", note or "")
    return m.group(0) if m else ""


def figure(plot, *, caption: str, alt: str, name: str | None = None):
    """A figure with its Swedish caption and alt text, as two items of a part.

    Parameters
    ----------
    plot : jamtools.present.plots.Plot
        The drawn figure.
    caption : str
        What the figure shows, in a sentence the book prints under it.
    alt : str
        The text a screen reader reads instead of the image (what it shows, not its file).
    name : str, optional
        A short name, unique within the chapter (``"timmar"``); the book labels the figure
        ``<chapter id>-<name>`` so the chapter's prose can refer to it by number
        (``{numref}`ht_01_hemtjanst_timmar-timmar```). Without it the book numbers it by order.

    Returns
    -------
    tuple
        ``(plot, Caption)``, to be spread into a part: ``parts={"resultat": [*figure(...)]}``.
    """
    plot.alt = alt
    plot.caption = caption
    plot.name = name
    return (plot, Caption(caption))


def items(*groups: Iterable) -> tuple:
    """Flatten items and groups of items (None left out) into one part."""
    out: list = []
    for g in groups:
        if g is None:
            continue
        if isinstance(g, (str, bytes)) or not isinstance(g, (list, tuple)):
            out.append(g)
        else:
            out.extend(x for x in g if x is not None)
    return tuple(out)


__all__ = ["Page", "Caption", "figure", "items"]
