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

from jamtools.disclosure import REASON_HIDDEN, SUPPRESSED_MARK, selection_gives_back
from jamtools.present.report import SEX_LABELS, SUPPRESSION_NOTE, number


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

    Attributes
    ----------
    data_tables : tuple of dict
        Every data table the page shows, its steps as published (:func:`published_steps`),
        for the results file; made from the parts, not given.
    """

    question_id: str
    short_answer: str
    parts: Mapping[str, tuple] = field(default_factory=dict)
    counts: Mapping[str, dict] = field(default_factory=dict)
    comparisons: pd.DataFrame | None = None
    data_tables: tuple = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        frozen = {name: tuple(items) if not isinstance(items, (str, bytes)) else (items,)
                  for name, items in dict(self.parts).items()}
        shown = [item for items in frozen.values() for item in items]
        link_data_tables(shown)
        hidden = link_rows_read(shown)
        selections = link_selections(shown)
        object.__setattr__(self, "parts", MappingProxyType(frozen))
        counts = _hide_beside_selections(_link_counts(dict(self.counts), hidden), shown)
        object.__setattr__(self, "counts", MappingProxyType(counts))
        if selections and self.comparisons is not None:
            object.__setattr__(self, "comparisons", _hide_selection_n(self.comparisons, selections))
        object.__setattr__(self, "data_tables", tuple(published_steps(shown)))

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


def _hide_beside_selections(counts: dict, items: Iterable) -> dict:
    """The results file's ``counts`` with a table's rows analysed and left out hidden (None) for
    every sex whose rows analysed a data table of the page hides beside an analysis of a
    selection of them made before it (``hidden_beside``,
    :func:`jamtools.disclosure.hidden_beside_selections`)."""
    out = dict(counts)
    for t in items:
        sexes, table = getattr(t, "hidden_beside", None), getattr(t, "data_table", None)
        record = out.get(table)
        if not sexes or not isinstance(record, dict):
            continue
        out[table] = {**record, **{part: {**(record.get(part) or {}), **{s: None for s in sexes}}
                                   for part in ("analysed", "excluded")}}
    return out


def published_steps(items: Iterable) -> list[dict]:
    """The steps of every data table among ``items`` as the page publishes them, for the results
    file: per table, its rows read, rows left out per reason and rows analysed, by sex, the
    number where the page shows it and None where it shows '..'.

    Read after the page's tables are linked (:func:`link_data_tables`, :func:`link_rows_read`,
    :func:`link_selections`), from the cells shown: a number is written only where the cell
    shows exactly that number, so nothing the page hides reaches the file. A reason is the
    loader's (``"Inte ja/nej (beslut)"``, ``"Utanför den valda perioden"``: model names, not the
    reader's words), the same in every chapter that leaves rows out for it, so that the run can
    compare chapters (:func:`jamtools.run.check.across_chapters`). A reason that left out no row
    is not shown, and not written.

    Returns
    -------
    list of dict
        ``table`` (model name), ``read`` and ``analysed`` ({sex code: n or None}) and ``steps``
        ({reason: {sex code: n or None}}), in the order the page shows the tables.
    """
    out = []
    for t in items:
        frame, long = getattr(t, "frame", None), getattr(t, "quality", None)
        ids = getattr(t, "step_ids", None)
        if not isinstance(frame, pd.DataFrame) or long is None or ids is None or len(frame) != len(ids) \
                or not getattr(t, "data_table", None):
            continue
        values = {(str(r.steg), str(r.kon)): int(r.antal) for r in long.itertuples()}
        kinds = {str(r.steg): str(r.typ) for r in long.itertuples()}
        entry = {"table": t.data_table, "read": {}, "steps": {}, "analysed": {}}
        for i, step in enumerate(ids):
            counts = {}
            for label, sex in getattr(t, "sex_codes", {}).items():
                n = values.get((str(step), sex))
                shown = label in frame.columns and n is not None and str(frame[label].iloc[i]) == number(n, 0)
                counts[sex] = n if shown else None
            kind = kinds.get(str(step))
            if kind == "inlästa":
                entry["read"] = counts
            elif kind == "analyserade":
                entry["analysed"] = counts
            else:
                entry["steps"][str(step)] = counts
        out.append(entry)
    return out


def link_data_tables(items: Iterable, *, max_rounds: int = 20) -> int:
    """Hide a count in every data table of a page that shows it where one table hides it.

    A chapter may show several data tables of one file (its rows, and a selection of them: the
    plannings with an activity requirement). Their first steps are the same rows, counted alike.
    Each table is disclosed alone, so a count one hides (30 women outside the period, hidden to
    protect a few rows with an unreadable date) the next one showed. Where a table hides a
    count of a sex in a step that another table of the same file shows with the same number
    (as in :mod:`jamtools.disclosure.linked`, equal counts of the same sex are taken as the
    same count), that table is disclosed again with it hidden
    (:func:`jamtools.disclosure.disclose_quality`'s ``hidden``), which protects it in turn,
    until no table hides more. The tables are changed in place, before anything is shown.

    Returns the number of tables disclosed again.
    """
    tables = [t for t in items if getattr(t, "quality", None) is not None
              and getattr(t, "redisclose", None) is not None and len(t.frame)]
    by_file: dict[tuple, list] = {}
    for t in tables:
        by_file.setdefault((t.data_table, str(t.frame["Steg"].iloc[0])), []).append(t)
    changed: set[int] = set()
    for group in by_file.values():
        if len(group) < 2:
            continue
        for _ in range(max_rounds):
            more = False
            for t in group:
                hidden_elsewhere = {(r.steg, r.kon, float(r.antal))
                                    for o in group if o is not t
                                    for r, h in zip(o.quality.itertuples(), o.quality_hidden) if h}
                want = t.quality_hidden | [(r.steg, r.kon, float(r.antal)) in hidden_elsewhere
                                           and r.antal > 0 for r in t.quality.itertuples()]
                if (want == t.quality_hidden).all():
                    continue
                disclosed, frame = t.redisclose(want)
                t.quality_hidden = disclosed["suppressed"].to_numpy(dtype=bool)
                t.frame = frame
                t.note = _with_mark_note(t.note, t.threshold)
                changed.add(id(t))
                more = True
            if not more:
                break
    return len(changed)


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


#: The last row of a data table: the rows analysed, by sex.
ROWS_ANALYSED = "Analyserade rader"
#: The columns of a table of shares that count a sex's rows (:func:`report.share_table`).
COUNT_COLUMNS = ("Antal", "Antal med utfallet")
#: A table's column of why a row is hidden (for a row :func:`link_selections` hides, the one
#: reason of a hidden count).
REMARK = "Anmärkning"


def link_selections(items: Iterable) -> set[tuple[str, int]]:
    """Hide a selection's rows analysed where, beside the rows it was selected from, they would
    give back the few rows it leaves out.

    A page may show the rows a chapter analyses and a selection of them (eb_06: the clients
    with a time to exit, for the curves and the pace). Each data table hides its own small
    steps, but 1 391 men analysed in one and 1 389 in the other gave back the 2 men without a
    time (before eb_06 left them out of the whole). Where a data table's steps continue another's of the same file on the page (its rows
    are a subset of the other's) and leave out between 1 and the threshold − 1 of a sex
    (:func:`jamtools.disclosure.selection_gives_back`), the selection's count of that sex is
    hidden: in its data table, and in every table of shares that shows a count of the sex equal
    to it (with its count with the outcome, share and interval: a share and its interval give
    the count back). The tables are changed in place, before anything is shown.

    This is the last line only: a share and its interval can pin the hidden count again (of
    1 387–1 390 only 1 389 gives 64,1 % and 61,0–67,2 %). A chapter therefore leaves such few
    rows out of its whole page before it computes anything
    (:meth:`jamtools.run.notebook.ChapterRun.without_few`), and then this finds nothing; where it
    cannot (the few are the outcome's: 4 of 33 men without a requirement of activity), the
    analysis of the selection hides the sex itself, before its sentences are made
    (:func:`jamtools.disclosure.hidden_in_selection`) where the rows it was selected from were
    shown or analysed before it, and those rows hide the sex where they are shown after it
    (:func:`jamtools.disclosure.hidden_beside_selections`).

    Returns the hidden counts as ``(sex code, rows analysed)``, for the comparisons of the
    results file (:func:`_hide_selection_n`).
    """
    tables = [t for t in items if getattr(t, "steps", None) is not None
              and isinstance(getattr(t, "frame", None), pd.DataFrame) and len(t.frame)
              and str(t.frame["Steg"].iloc[-1]) == ROWS_ANALYSED]
    out: set[tuple[str, int]] = set()
    threshold = None
    for sel in tables:
        for whole in tables:
            n = len(whole.steps)
            if whole is sel or whole.data_table != sel.data_table or len(sel.steps) <= n \
                    or sel.steps[:n] != whole.steps:
                continue
            for sex in selection_gives_back(whole.analysed, sel.analysed, sel.threshold):
                out.add((sex, int(sel.analysed.get(sex, 0))))
                threshold = sel.threshold
                label = next((c for c, code in sel.sex_codes.items() if code == sex), None)
                if label is not None and str(sel.frame[label].iloc[-1]) != SUPPRESSED_MARK:
                    sel.frame.iloc[-1, list(sel.frame.columns).index(label)] = SUPPRESSED_MARK
                    sel.note = _with_mark_note(sel.note, sel.threshold)
    if not out:
        return out
    for t in items:
        frame = getattr(t, "frame", None)
        if not isinstance(frame, pd.DataFrame) or "Kön" not in frame.columns or "Antal" not in frame.columns:
            continue
        for sex, n in out:
            rows = ((frame["Kön"].astype(str) == SEX_LABELS.get(sex, sex).capitalize())
                    & (frame["Antal"].astype(str) == number(n, 0)))
            if rows.any():
                start = list(frame.columns).index("Antal")
                for c in list(frame.columns)[start:]:
                    frame.loc[rows, c] = REASON_HIDDEN if c == REMARK else SUPPRESSED_MARK
                t.note = _with_mark_note(getattr(t, "note", ""), threshold)
    return out


def _hide_selection_n(comparisons: pd.DataFrame, hidden: set[tuple[str, int]]) -> pd.DataFrame:
    """The comparisons with a group whose count is a selection's hidden rows analysed
    (:func:`link_selections`), hidden whole: an estimate, an interval or a p-value is a
    function of the counts and gives the hidden one back, and a comparison is shown whole or
    not at all. It has the one reason of a hidden count: a reason of its own ("gruppens antal
    bredvid hela kapitlets antal skulle ge ett litet antal") told that the hidden count was the
    whole's less 1 to threshold − 1, where its data table's '..' leaves it small or large."""
    out = comparisons.copy()
    out.attrs = dict(comparisons.attrs)
    for side in ("a", "b"):
        group, n = f"group_{side}", f"n_{side}"
        if group not in out.columns or n not in out.columns:
            continue
        for sex, count in hidden:
            rows = (out[group].astype(str) == sex) & (pd.to_numeric(out[n], errors="coerce") == count)
            for c in (n, f"events_{side}", "mdd_pp", "estimate", "ci_low", "ci_high", "p_value",
                      "p_adjusted"):
                if c in out.columns:
                    out.loc[rows, c] = float("nan")
            if rows.any():
                out["suppressed"] = (out["suppressed"].fillna(False).astype(bool) if "suppressed" in out
                                     else False)
                out.loc[rows, "suppressed"] = True
                out["suppression_reason"] = (out["suppression_reason"].astype(object)
                                             if "suppression_reason" in out else "")
                out.loc[rows, "suppression_reason"] = REASON_HIDDEN
                if "warning" in out.columns:
                    out["warning"] = out["warning"].astype(object)
                    out.loc[rows, "warning"] = ""
    return out


def _with_mark_note(note: str, threshold) -> str:
    """``note`` with the sentence of what '..' means, when it has none."""
    if _mark_note(note):
        return note
    return f"{note or ''} {SUPPRESSION_NOTE.format(t=threshold)}".strip()


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
