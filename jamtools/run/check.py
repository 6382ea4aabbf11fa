"""``python -m jamtools check``: every table of a run read once, every problem reported in one pass,
and per chapter whether it can run.

:func:`check_inputs` returns an :class:`InputCheck`: per table its source, rows, columns (given
and derived) and problems (:class:`jamtools.data.check.Problem`); per chapter its
:class:`~jamtools.run.catalogue.Readiness`. Views: :meth:`InputCheck.text` (the terminal),
:meth:`InputCheck.summary_line` (what every ``run`` prints first), :meth:`InputCheck.as_dict`
(``check.json``) and :meth:`InputCheck.markdown` (the book's page about the run's data).
:meth:`InputCheck.from_dict` reads ``check.json`` back (the runner reuses an unchanged check).

With ``chapters`` (a run with ``--only``) the check reads only the tables those chapters may read
(:func:`chapter_tables`) and says so; without, every table the run has.

No value of a personnummer or of a sensitive column ever appears in any of them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jamtools.run import catalogue
from jamtools.data.check import dangling_references
from jamtools.data.engine import ident, shared, unique_name
from jamtools.data.facts import Facts, source_key
from jamtools.data.load import DataValidationError, check_source_parts, table_sources
from jamtools.data.model import TABLES
from jamtools.data.check import Problem, Window
from jamtools.data.readers import blank_lines, decode_workbooks
from jamtools.run.machine import available_memory

CHECK_VERSION = 1


@dataclass
class TableCheck:
    """One table as the check saw it."""

    name: str
    source: str
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)
    problems: list = field(default_factory=list)
    error: str | None = None
    file: str | None = None
    #: The rows with at least one row problem, each once (None: not known, a check.json of
    #: before it was counted).
    problem_rows: int | None = None
    #: ... and which they are (0 = the first data row), while the check runs.
    row_set: object = field(default=None, repr=False, compare=False)

    @property
    def failed(self) -> set[str]:
        return {p.column for p in self.problems if p.severity == "fel"}

    def as_dict(self) -> dict:
        return {"table": self.name, "source": self.source, "rows": self.rows,
                "columns": self.columns, "derived": self.derived, "error": self.error,
                "file": self.file, "problem_rows": self.problem_rows,
                "problems": [p.as_dict() for p in self.problems]}

    @classmethod
    def from_dict(cls, d: dict) -> "TableCheck":
        import dataclasses

        from jamtools.data.check import Problem

        fields = {f.name for f in dataclasses.fields(Problem)} - {"rows"}
        problems = [Problem(**{k: v for k, v in p.items() if k in fields}, rows=tuple(p.get("rows") or ()))
                    for p in d.get("problems", [])]
        return cls(d["table"], d["source"], d.get("rows", 0), list(d.get("columns", [])),
                   dict(d.get("derived", {})), problems, d.get("error"), d.get("file"),
                   d.get("problem_rows"))


@dataclass
class InputCheck:
    """The whole check of a run's inputs."""

    demo: bool
    config_file: str | None
    tables: dict[str, TableCheck]
    chapters: dict[str, catalogue.Readiness]
    #: The chapters the check was limited to (a run with ``--only``); None: every table.
    scope: list[str] | None = None
    #: What the check found absent in whole files (no repeated key, no reference to a row
    #: another file lacks), for the kernels (:mod:`jamtools.data.facts`); not in ``check.json``.
    facts: Facts = field(default_factory=Facts, compare=False, repr=False)

    @property
    def runnable(self) -> list[str]:
        return [k for k, r in self.chapters.items() if r.can_run]

    @property
    def skipped(self) -> dict[str, str]:
        return {k: r.text() for k, r in self.chapters.items() if not r.can_run}

    def n_problems(self) -> dict[str, int]:
        out = {"fel": 0, "rader": 0}
        for t in self.tables.values():
            out["fel"] += int(t.error is not None)
            for p in t.problems:
                if p.severity in out:
                    out[p.severity] += 1
        return out

    def rows_with_problems(self) -> tuple[int, bool]:
        """The rows with at least one row problem, each counted once, and whether that is exact
        (False: a check.json without the count; then the sum over problems, at most that many)."""
        exact = all(t.problem_rows is not None for t in self.tables.values() if t.error is None)
        if exact:
            return sum(t.problem_rows for t in self.tables.values() if t.error is None), True
        return sum(p.count for t in self.tables.values() for p in t.problems if p.severity == "rader"), False

    def summary_line(self) -> str:
        """One line: tables, problems, chapters that can run."""
        n = self.n_problems()
        readable = sum(1 for t in self.tables.values() if t.error is None)
        parts = ["1 tabell läst" if readable == 1 else f"{readable} tabeller lästa"]
        if self.scope is not None:
            parts[0] += " (bara de som de valda kapitlen använder)"
        if n["fel"]:
            parts.append(f"{n['fel']} fel")
        if n["rader"]:
            dups = any(p.kind == "duplicate_id" for t in self.tables.values() for p in t.problems)
            n_rows, exact = self.rows_with_problems()
            parts.append(f"{n['rader']} slags radproblem ({'' if exact else 'högst '}"
                         f"{n_rows} {'rad' if n_rows == 1 else 'rader'} med minst ett problem; de lämnas "
                         "utanför där kolumnen används" + ("; dubbletter av id i alla kapitel som läser "
                                                          "tabellen" if dups else "") + ")")
        large = sum(p.count for t in self.tables.values() for p in t.problems if p.kind == "unusually_large")
        if large:  # kept, but one of them can be most of the money: said in the summary too
            parts.append(f"{large} {'värde' if large == 1 else 'värden'} ovanligt stora att "
                         "kontrollera (räknas med)")
        skipped = self.skipped
        chap = f"{len(self.runnable)} av {len(self.chapters)} kapitel kan köras"
        if skipped:
            chap += f"; {len(skipped)} saknar data"
        return "Kontroll: " + ", ".join(parts) + ". " + chap + "."

    def text(self) -> str:
        """The whole report as the terminal shows it."""
        lines = [f"Kontroll av {'de syntetiska demodata' if self.demo else self.config_file}", ""]
        if self.scope is not None:
            lines += [f"Bara tabellerna som kapitlen {', '.join(self.scope)} använder.", ""]
        if not self.tables:
            lines += ["Inga tabeller hittades.", ""]
        for t in self.tables.values():
            head = f"{t.name} ({t.source})"
            if t.error:
                lines += [f"{head}: KAN INTE LÄSAS", f"  {t.error}", ""]
                continue
            lines.append(f"{head}: {t.rows} rader, kolumner: {', '.join(t.columns)}")
            for p in t.problems:
                mark = {"fel": "FEL", "rader": "rader", "info": "info"}[p.severity]
                lines.append(f"  [{mark}] {p.message()}")
            lines.append("")
        lines.append("Kapitel:")
        for k, r in self.chapters.items():
            lines.append(f"  {k}: {r.text()}")
        lines += ["", self.summary_line()]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"check_version": CHECK_VERSION, "demo": self.demo, "config_file": self.config_file,
                "summary": self.summary_line(), "scope": self.scope,
                "tables": {k: t.as_dict() for k, t in self.tables.items()},
                "chapters": {k: r.as_dict() for k, r in self.chapters.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "InputCheck":
        """The check as :meth:`as_dict` wrote it (``check.json``); a ValueError when the file is
        of another check version."""
        if d.get("check_version") != CHECK_VERSION:
            raise ValueError(f"check.json har version {d.get('check_version')}, inte {CHECK_VERSION}")
        chapters = {k: catalogue.Readiness(
            r["chapter"], r["status"], tuple(r.get("missing", ())), tuple(r.get("left_out", ())),
            {t: tuple(c) for t, c in r.get("adjusted_for", {}).items()},
            tuple(r.get("no_adjustment", ()))) for k, r in d["chapters"].items()}
        return cls(d["demo"], d.get("config_file"),
                   {k: TableCheck.from_dict(t) for k, t in d["tables"].items()}, chapters,
                   d.get("scope"))

    @classmethod
    def read(cls, path: Path) -> "InputCheck":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def write(self, path: Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def markdown(self, *, threshold: int = 5, hidden: Iterable[str] = (),
                 across: Iterable[dict] = ()) -> str:
        """The book's page about the run's data (MyST Markdown, Swedish).

        Unlike the terminal and ``check.json`` (for the analyst), the page shows no row numbers
        or example values, and counts below ``threshold`` as "färre än …": it is published with
        the book.

        A table's number of rows is the sum of what the chapters' data tables show (rows read
        by sex, and of unknown sex) and what they hide. It is not shown (``..``) where the check
        found fewer than ``threshold`` rows with a problem, or a chapter hid a count of the
        table's rows (``hidden``: table names, :func:`hidden_tables`): with the rows the
        chapters show, the total would give the small count back (one row of an unknown sex
        code: 3 000 rows less 1 427 women and 1 572 men analysed).

        ``across``: what :func:`across_chapters` found; the page names the chapters that should
        not be published together as they are (titles and tables, no counts)."""
        out = ["# Körningens data", ""]
        if self.demo:
            out += ["Den här boken är byggd på **syntetiska demodata** med planterade effekter, inte "
                    "på någon verksamhets uppgifter.", ""]
        which = ("varje tabell som körningens kapitel använder" if self.scope is not None
                 else "varje tabell")
        out += [f"Innan kapitlen kördes lästes {which} en gång och kontrollerades mot "
                "datamodellen. Rader med problem i en kolumn lämnas utanför de kapitel som använder "
                "kolumnen och räknas i varje kapitels datatabell; rader vars id upprepas (dubbletter) "
                "lämnas utanför i alla kapitel som läser tabellen. Radnummer och exempelvärden finns i "
                "kontrollen i terminalen och i `check.json`, inte här.", "", "## Tabeller", "",
                "| Tabell | Källa | Rader | Kolumner |", "|---|---|---|---|"]
        hidden = set(hidden)
        withheld = False
        for t in self.tables.values():
            cols = ", ".join(f"`{c}`" for c in t.columns) if not t.error else "kan inte läsas"
            small = t.name in hidden or any(p.severity == "rader" and 0 < p.count < threshold
                                            for p in t.problems)
            withheld |= small and not t.error
            rows = "" if t.error else (".." if small else t.rows)
            out.append(f"| `{t.name}` | {_md(t.source)} | {rows} | {cols} |")
        if withheld:
            out += ["", "'..' = antalet rader visas inte: en del av dem har ett problem eller döljs i "
                    f"ett kapitel eftersom de är färre än {threshold}, och tillsammans med de rader "
                    "som kapitlen visar skulle totalen göra det möjligt att räkna ut hur många "
                    "(röjandekontroll). Antalet finns i kontrollen i terminalen och i `check.json`."]
        across = list(across)
        if across:
            out += ["", "## Före publicering: kapitel som inte ska publiceras tillsammans", "",
                    ":::{warning}",
                    "Ett kapitel döljer antalet rader för ett kön för att skydda ett litet antal, "
                    "men ett annat kapitel i körningen visar antalet rader i samma tabell, eller "
                    "antal som ger det genom subtraktion (inlästa minus analyserade minus de andra "
                    "skälen att lämna rader utanför). Räknar "
                    "kapitlen samma rader kan det lilla antalet räknas fram ur skillnaden. Publicera "
                    "dem inte tillsammans som de är: publicera dem var för sig, eller avrunda "
                    "antalen (se sidan om röjandekontroll).", ":::", "",
                    "| Tabell | Kön | Uppgift | Döljs i | Visas i |", "|---|---|---|---|---|"]
            from jamtools.present.report import SEX_LABELS, TABLE_LABELS
            for f in across:
                table = TABLE_LABELS.get(f["table"], "")
                table = f"{table[:1].upper() + table[1:]} (`{f['table']}`)" if table else f"`{f['table']}`"
                titles = [", ".join(_md(catalogue.QUESTIONS.get(k, k)) for k in f[side])
                          for side in ("hidden_by", "shown_by")]
                note = "" if f.get("same_selection", True) else " (olika urval)"
                out.append(f"| {_md(table)} | {_md(SEX_LABELS.get(f['sex'], f['sex']).capitalize())} | "
                           f"{_md(_count_words(f))}{note} | {titles[0]} | {titles[1]} |")
        problems = [(t, p) for t in self.tables.values() for p in t.problems]
        errors = [t for t in self.tables.values() if t.error]
        if problems or errors:
            out += ["", "## Vad kontrollen hittade", ""]
            for t in errors:
                out.append(f"- **{t.name}**: {_md(t.error)}")
            for t, p in problems:
                kind = {"fel": "Fel", "rader": "Rader lämnas utanför", "info": "Upplysning"}[p.severity]
                out.append(f"- **{kind}** – {_md(p.message(threshold=threshold))}")
        out += ["", "## Kapitel", "", "| Kapitel | Status |", "|---|---|"]
        for k, r in self.chapters.items():
            out.append(f"| {_md(catalogue.QUESTIONS[k])} | {_md(r.text())} |")
        return "\n".join(out) + "\n"


def read_results(paths: Iterable[Path]) -> list[tuple[str, dict]]:
    """The chapters' results files that exist, read once: ``(file stem, contents)`` each, for
    :func:`hidden_tables` and :func:`across_chapters`."""
    return [(path.stem, json.loads(path.read_text(encoding="utf-8"))) for path in paths if path.exists()]


def _results(results) -> Iterable[tuple[str, dict]]:
    """``results`` as :func:`read_results` gives them: paths are read (a missing one left out)."""
    for item in results:
        if isinstance(item, tuple):
            yield item
        else:
            yield from read_results([item])


def hidden_tables(results: Iterable[Path] | Iterable[tuple[str, dict]]) -> set[str]:
    """The tables of which a chapter's results file records a hidden count (analysed or
    excluded rows of a sex written as none), for :meth:`InputCheck.markdown`. ``results``:
    the files' paths, or their contents from :func:`read_results`."""
    out: set[str] = set()
    for _, data in _results(results):
        counts = data.get("counts") or {}
        out |= {table for table, record in counts.items()
                if any(v is None for values in record.values() for v in (values or {}).values())}
    return out


def _record_counts(record: dict) -> Iterable[tuple[str, str, int | None]]:
    """``(kind, sex, value)`` of one table's record in a results file: the rows analysed, and
    the rows read (analysed plus left out; None where either is hidden). A sex missing from
    ``excluded`` had none left out (:func:`jamtools.disclosure.disclose_counts_by_sex`)."""
    analysed = (record or {}).get("analysed") or {}
    excluded = (record or {}).get("excluded") or {}
    for sex, value in analysed.items():
        yield "analysed", sex, value
        left_out = excluded.get(sex, 0)
        yield "read", sex, None if value is None or left_out is None else value + left_out
    for sex in [s for s in excluded if s not in analysed]:  # e.g. unknown sex: every row left out
        yield "read", sex, excluded[sex]


def across_chapters(results: Iterable[Path] | Iterable[tuple[str, dict]]) -> list[dict]:
    """Counts one chapter hides and another shows: for each table and sex, the chapters whose
    results file records the rows analysed (or the rows read) as hidden, and those that record
    a number.

    Each page and its results file are protected as one linked table; two chapters of a run are
    not (a count of applicants one page hides to protect four refused, another page shows).
    Where the chapters count the same rows, the hidden count is shown after all. Rows read are
    the same kind of count: a chapter that leaves out one row for a column only it uses hides its
    rows read, and a chapter that reads the table without that column shows them (one chapter's
    rows read less another's rows analysed gives the one row). Suppression alone cannot mend
    that in the run: nearly every chapter that reads a table shows its rows by sex, or numbers
    that sum to them. The runner tells the analyst (terminal, manifest and the book's page on
    the run's data), who publishes such chapters apart or rounded (the book's page on
    disclosure).

    Parameters
    ----------
    results : iterable of pathlib.Path or of (str, dict)
        The files' paths, or their contents from :func:`read_results`.

    The same holds for the steps of the chapters' data tables (``data_tables`` of the results
    file: rows left out per reason, by sex): a count of a reason one chapter hides and another
    shows (same table, sex and reason), and a hidden count that follows from another chapter's
    steps by subtraction. bof_02 hid the girls' rows "Inte ja/nej" and "Utanför den valda
    perioden" and showed 1 772 read and 270 analysed; bof_06 showed 1 501 outside the period;
    1 772 − 270 − 1 501 gave back the one row. Such a count is named where the chapter's rows
    analysed are shown, its rows read are shown (the file's, by any chapter) and every other
    count it hides is shown by a chapter with the same selection (:func:`_across_steps`).

    Returns
    -------
    list of dict
        ``table``, ``sex``, ``count`` ("analysed", "read" or "step"), ``hidden_by`` and ``shown_by``
        (chapter ids), one per table, sex and count that some chapter hides and another shows;
        ``same_selection``: whether some hiding and some showing chapter select the same rows
        (the same period and filters: unit, ages; always true for rows read, which are the whole
        file's, before any selection). Chapters with different selections count
        different rows, but a table a chapter reads unfiltered is still counted as its
        selection says, so both kinds are named. A count of rows read is named for the chapters
        not already named as hiding the rows analysed of the same table and sex, with the same
        selection, beside every chapter that shows the rows read (r4_01 hid the women's rows read
        and showed those analysed, hl_01 showed the rows read: the one row left out followed,
        while only eb_07's hidden rows analysed were named; eb_07 of one unit hid its rows
        analysed and read, r4_01 of the whole showed 35 read: only the weaker "olika urval" was
        named). A step ("step") also has ``step``
        (the reason, as the loader names it) and ``by_difference`` (True: it follows from the
        hiding chapter's rows read less its rows analysed and the steps the other chapters show;
        False: another chapter shows it). Steps follow the counts.
    """
    hidden: dict[tuple, list[tuple]] = {}
    shown: dict[tuple, list[tuple]] = {}
    chapters = []
    for stem, data in _results(results):
        chapter = data.get("question_id") or stem
        selection = json.dumps([data.get("period"), data.get("filters") or {}], sort_keys=True)
        chapters.append((chapter, selection, data))
        for table, record in (data.get("counts") or {}).items():
            for kind, sex, value in _record_counts(record):
                (hidden if value is None else shown).setdefault((table, sex, kind), []).append((chapter, selection))
    found = []
    for (table, sex, kind), who in sorted(hidden.items(), key=lambda item: item[0][2] == "read"):
        showing = shown.get((table, sex, kind))
        if kind == "read" and showing:
            # not again for a chapter already named as hiding the rows analysed of the same
            # rows (same selection) beside every chapter that shows the rows read; a finding of
            # other rows ("olika urval") is weaker than one of rows read, always the same rows
            showers = {c for c, _ in showing}
            analysed = shown.get((table, sex, "analysed"), [])
            named = {(c, s) for c, s in hidden.get((table, sex, "analysed"), [])
                     if showers <= {o for o, t in analysed if t == s}}
            who = [(c, s) for c, s in who if (c, s) not in named]
        if not showing or not who:
            continue
        found.append({"table": table, "sex": sex, "count": kind,
                      "hidden_by": list(dict.fromkeys(c for c, _ in who)),
                      "shown_by": list(dict.fromkeys(c for c, _ in showing)),
                      # (rows read are the whole file's, before any period, unit or age)
                      "same_selection": kind == "read" or bool({s for _, s in who} & {s for _, s in showing})})
    return found + _across_steps(chapters)


def _step_id(reason: str) -> str:
    """A reason's identity across chapters: the loader's words (model names, not the reader's),
    whatever the case and spacing."""
    return " ".join(str(reason).split()).casefold()


def _across_steps(chapters: list[tuple[str, str, dict]]) -> list[dict]:
    """The steps of :func:`across_chapters`: ``chapters`` are ``(id, selection, results)``.

    For each data table a chapter publishes and each sex, a hidden count of a reason is named
    when another chapter shows the count of the same table, sex and reason; and, where the
    chapter shows its rows analysed, its rows read are shown (by it, or by another chapter: the
    whole file's rows) and every other count it hides is shown by another chapter of the same
    selection, the one left over (read − analysed − the shown steps)."""
    shown: dict[tuple, list[tuple[str, str]]] = {}
    read: dict[tuple, list[str]] = {}  # (rows read are the whole file's, whatever the selection)
    tables = []
    for chapter, selection, data in chapters:
        for t in data.get("data_tables") or []:
            steps = {_step_id(reason): (str(reason), counts or {}) for reason, counts in (t.get("steps") or {}).items()}
            tables.append((chapter, selection, t, steps))
            for sex, value in (t.get("read") or {}).items():
                if value is not None:
                    read.setdefault((t.get("table"), sex), []).append(chapter)
            for sid, (_, counts) in steps.items():
                for sex, value in counts.items():
                    if value is not None:
                        shown.setdefault((t.get("table"), sex, sid), []).append((chapter, selection))
    found: dict[tuple, dict] = {}

    def name(table, sex, sid, reason, chapter, by, same, derived):
        f = found.setdefault((table, sex, sid, derived), {
            "table": table, "sex": sex, "count": "step", "step": reason, "hidden_by": [],
            "shown_by": [], "same_selection": False, "by_difference": derived})
        f["hidden_by"] = list(dict.fromkeys([*f["hidden_by"], chapter]))
        f["shown_by"] = list(dict.fromkeys([*f["shown_by"], *by]))
        f["same_selection"] = f["same_selection"] or same

    for chapter, selection, t, steps in tables:
        table = t.get("table")
        for sex in dict.fromkeys(s for _, counts in steps.values() for s in counts):
            hidden = [sid for sid, (_, counts) in steps.items() if sex in counts and counts[sex] is None]
            elsewhere = {sid: [(c, s) for c, s in shown.get((table, sex, sid), []) if c != chapter]
                         for sid in hidden}
            for sid in hidden:
                if elsewhere[sid]:
                    name(table, sex, sid, steps[sid][0], chapter, [c for c, _ in elsewhere[sid]],
                         any(s == selection for _, s in elsewhere[sid]), False)
            total = [] if (t.get("read") or {}).get(sex) is not None else \
                [c for c in read.get((table, sex), []) if c != chapter][:1]
            if (t.get("read") or {}).get(sex) is None and not total \
                    or (t.get("analysed") or {}).get(sex) is None:
                continue
            same = {sid: [c for c, s in elsewhere[sid] if s == selection] for sid in hidden}
            left = [sid for sid in hidden if not same[sid]]
            if len(left) == 1 and (len(hidden) > 1 or total):
                name(table, sex, left[0], steps[left[0]][0], chapter,
                     [*total, *(c for sid in hidden for c in same[sid])], True, True)
    return list(found.values())


_COUNT_WORDS = {"analysed": "analyserade rader", "read": "inlästa rader"}


def _count_words(f: dict) -> str:
    """What count a finding of :func:`across_chapters` is, in Swedish words: "analyserade
    rader", "inlästa rader", or a data table's step ("rader utanför: Utanför den valda
    perioden", and how it is found)."""
    if f.get("count") != "step":
        return _COUNT_WORDS[f.get("count", "analysed")]
    from jamtools.present.report import step_words

    how = ("; räknas fram som inlästa minus analyserade och de andra stegen" if f.get("by_difference")
           else "")
    return f"rader utanför: {step_words(f['step'])}{how}"


def across_chapters_text(found: list[dict]) -> list[str]:
    """The terminal's lines about :func:`across_chapters` (Swedish)."""
    if not found:
        return []
    lines = ["Röjandekontroll mellan kapitel: ett kapitel döljer antalet analyserade eller inlästa "
             "rader, eller rader som lämnas utanför av ett skäl, för ett kön för att skydda ett "
             "litet antal, men ett annat kapitel i samma körning visar antalet, eller antal som ger "
             "det genom subtraktion, i samma tabell. Räknar kapitlen samma rader kan det lilla "
             "antalet räknas fram. Publicera inte kapitlen tillsammans som de är (se bokens sida om "
             "röjandekontroll: avrunda, eller publicera dem var för sig):"]
    for f in found:
        lines.append(f"  {f['table']} ({f['sex']}, {_count_words(f)}): "
                     f"döljs i {', '.join(f['hidden_by'])}; visas i {', '.join(f['shown_by'])}"
                     + ("" if f.get("same_selection", True) else
                        " (kapitlen väljer olika rader: enhet, ålder eller period)"))
    return lines


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def chapter_tables(chapter_id: str, params: dict | None = None) -> set[str] | None:
    """The tables chapter ``chapter_id`` may read; None when it may read any (the audit, or a
    notebook the catalogue does not know).

    The catalogue's tables (:data:`jamtools.run.catalogue.CHAPTERS`), any table named by a
    parameter's value (``tabell: eb_insatser``), and the tables those refer to (loading a table
    checks its ids against the referred table when the run has it). The summary reads results,
    no table: the empty set.
    """
    ch = catalogue.CHAPTERS.get(chapter_id)
    if ch is None or ch.reads_all_tables:
        return None
    names = {n.table for n in ch.needs}
    for value in (params or {}).values():
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(v, str) and v in TABLES:
                names.add(v)
    todo = list(names)
    while todo:  # the tables referred to, and those they refer to
        for col in TABLES[todo.pop()].columns:
            ref = col.references.split(".")[0] if col.references else None
            if ref and ref not in names:
                names.add(ref)
                todo.append(ref)
    return names


def scope_tables(config, chapters: list[str] | None) -> set[str] | None:
    """The tables a check for ``chapters`` reads (their :func:`chapter_tables` together, with
    each chapter's parameters from ``config``); None: every table (no ``chapters``, or one of
    them may read any table)."""
    if chapters is None:
        return None
    unknown = [c for c in chapters if c not in catalogue.CHAPTERS]
    if unknown:
        raise KeyError(f"Okända kapitel: {', '.join(unknown)}")
    wanted: set[str] = set()
    for cid in chapters:
        needs = chapter_tables(cid, config.for_notebook(cid))
        if needs is None:
            return None
        wanted |= needs
    return wanted


def check_inputs(config, *, chapters: list[str] | None = None, jobs: int = 1) -> InputCheck:
    """Read every table the run has once; check it; say per chapter whether it can run.

    Parameters
    ----------
    config : RunConfig
        The run's configuration (:func:`jamtools.run.config.load_config`; without a file, the
        synthetic demo data).
    chapters : list of str, optional
        Check only for these chapters (a run with ``--only``): only the tables they may read
        (:func:`chapter_tables`) are read, and only they are in :attr:`InputCheck.chapters`.
        None (the default): every table and every chapter.
    jobs : int
        In a run, the workbooks among the tables are first decoded this many at a time, within
        half the memory available (:func:`jamtools.data.readers.decode_workbooks`,
        :func:`jamtools.run.machine.available_memory`); the tables are then checked one after
        another, as with 1.
    """
    demo = config.source is None
    sources = table_sources(None if demo else config, data_dir=config.data_dir)
    wanted = scope_tables(config, chapters)
    if jobs > 1:  # (in half the memory this machine, or its container, has available)
        decode_workbooks([sources[n] for n in TABLES if n in sources and (wanted is None or n in wanted)],
                         jobs=jobs, memory=available_memory() / 2)
    tables: dict[str, TableCheck] = {}
    empty: dict[str, set[str]] = {}
    checked_tables = {}
    facts, versions = Facts(), {}
    linked: dict[str, set[str]] = {}  # table -> its columns that refer or are referred to
    for name, model in TABLES.items():
        for col in model.columns:
            if col.references:
                ref_table, ref_col = col.references.split(".")
                linked.setdefault(name, set()).add(col.name)
                linked.setdefault(ref_table, set()).add(ref_col)
    # the columns the chapters cannot do without in a row: a blank there is a row problem
    ids = [c for c in catalogue.CHAPTERS if chapters is None or c in chapters]
    required = catalogue.required_columns(ids, config.notebook_parameters)
    # the codes and years the chapters' parameters choose rows by, gathered in the same read, and
    # the rows the chapters' loads keep (period, unit, ages) they are looked for in: the same
    # read says whether those rows exist, and which values they have
    distinct: dict[str, set[str]] = {}
    windows: dict[str, list] = {}
    for cid in ids:
        if catalogue.CHAPTERS[cid].reads_results or catalogue.CHAPTERS[cid].reads_all_tables:
            continue
        for table, column in catalogue.value_columns(cid, config.notebook_parameters.get(cid, {})):
            distinct.setdefault(table, set()).add(column)
        for table, chosen in _windows(cid, config).items():
            for w in chosen:
                if w not in windows.setdefault(table, []):
                    windows[table].append(w)
    gathered: dict[str, dict] = {}  # table -> column -> value -> in each window
    rows_in: dict[str, tuple] = {}  # table -> whether any row is in each window
    for name in TABLES:
        if name not in sources or (wanted is not None and name not in wanted):
            continue
        spec = sources[name]
        shown = Path(str(spec["file"])).name if "file" in spec else f"SQL ({spec['sql'].get('name', 'fråga')})"
        saved = unique_name(f"ids_{name}") if name in linked else None
        version = source_key(name, spec)  # the file as it is before the check reads it
        try:
            parts = check_source_parts(name, spec, save=saved, blank=tuple(sorted(required.get(name, ()))),
                                       distinct=tuple(sorted(distinct.get(name, ()))),
                                       windows=tuple(windows.get(name, ())))
        except DataValidationError as exc:
            tables[name] = TableCheck(name, shown, error=str(exc),
                                      file=str(spec.get("file")) if "file" in spec else None)
            continue
        order = [c.name for c in TABLES[name].columns]
        present = set().union(*(p.present for p in parts))
        derived = {k: v for p in parts for k, v in p.derived.items()}
        # columns the export gives without a value in any row (an empty id column is numbered)
        empty[name] = ({c for p in parts for c in p.data.columns if c in order and c not in p.derived}
                       | {q.column for p in parts for q in p.problems if q.kind == "empty_key"}) - present
        seen, problems = set(), []
        for p in parts:  # a column both parts read (sex) has its problems once
            for problem in p.problems:
                key = (problem.column, problem.kind)
                if key not in seen:
                    seen.add(key)
                    problems.append(problem)
        gaps = blank_lines(spec)  # said, not a problem: the rows keep their numbers in the file
        if gaps is not None and len(gaps.blank_rows):
            problems.append(Problem(name, parts[0].source, "", "blank_lines", "info", len(gaps.blank_rows),
                                    tuple(int(r) for r in gaps.blank_rows[:5])))
        t = TableCheck(name, parts[0].source, parts[0].rows_read,
                       sorted(present, key=lambda c: order.index(c) if c in order else len(order)),
                       derived, problems, file=str(spec.get("file")) if "file" in spec else None)
        t.row_set = np.unique(np.concatenate([p.problem_rows for p in parts if p.problem_rows is not None]
                                             or [np.zeros(0, dtype=np.int64)]))
        t.problem_rows = int(len(t.row_set))
        tables[name] = t
        gathered[name] = {c: found for p in parts for c, found in p.seen.items()}
        rows_in[name] = parts[0].rows_in
        # What the check found absent, for the kernels (jamtools.data.facts): only about the file
        # it read (the same version after the read as before), and only about ids as the file
        # gives them (not derived: a personnummer's pseudonym depends on the day's date too).
        if version is not None and source_key(name, spec) == version:
            versions[name] = version
        key = TABLES[name].key
        if (name in versions and key in present and key not in derived
                and any(p.key_unique and (key in p.data.columns or key in p.row_columns) for p in parts)
                and not any(p.column == key and p.kind == "duplicate_id" for p in problems)):
            facts.unique_keys.add(version)  # searched and found repeated nowhere
        # The ids the references between tables follow stay in the engine (a register-sized
        # table would otherwise stay in memory for the whole run).
        checked_tables[name] = _Linked(present, saved)
        del parts
    try:
        _reference_notes(tables, checked_tables, sources, facts, versions)
    finally:
        for t in tables.values():
            t.row_set = None  # counted: the rows themselves are not kept
        for linked_table in checked_tables.values():
            if linked_table.engine_table:
                shared().execute(f"DROP TABLE IF EXISTS {ident(linked_table.engine_table)}")
    present = {k: set(t.columns) for k, t in tables.items() if t.error is None}
    failed = {k: t.failed for k, t in tables.items() if t.error is None}
    ready: dict[str, catalogue.Readiness] = {}
    for cid in ids:
        if catalogue.CHAPTERS[cid].reads_results:
            continue
        # with the chapter's parameters: a table or column one of them names is needed too
        ready[cid] = catalogue.readiness(cid, present, failed=failed, empty=empty,
                                         parameters=config.notebook_parameters.get(cid, {}),
                                         values=_chapter_values(cid, config, present, failed, gathered, windows),
                                         rows=_chapter_rows(cid, config, present, failed, rows_in, windows))
    any_run = any(r.can_run for r in ready.values())
    for cid in ids:
        if catalogue.CHAPTERS[cid].reads_results:
            ready[cid] = catalogue.readiness(cid, present, failed=failed, empty=empty, results=any_run)
    ready = {k: ready[k] for k in ids}
    return InputCheck(demo, str(config.source) if config.source else None, tables, ready,
                      None if chapters is None else ids, facts=facts)


#: The window of every row with a date the check and the load read (both read the same
#: dates: 1600-01-01 too): a value whose rows are in none of it has no row with a readable
#: date (said apart from a value only outside the period).
_ANY_DATE = Window(dated=True)


def _period(config, chapter_id: str) -> tuple | None:
    """The period chapter ``chapter_id`` chooses rows by (``period_start``, ``period_end`` of
    the run or of the chapter); None: every row."""
    params = config.for_notebook(chapter_id)
    period = (params.get("period_start") or None, params.get("period_end") or None)
    return period if any(period) else None


def _windows(chapter_id: str, config) -> dict[str, tuple]:
    """Per table chapter ``chapter_id`` reads with a row filter, the windows the check gathers
    for it (:class:`jamtools.data.check.Window`): the rows its load keeps (its period, unit and
    ages, :func:`jamtools.run.catalogue.row_filters`); with a unit or ages and a period, the
    period's rows too (a code of another unit); with a period, every dated row (a code without
    a readable date)."""
    period = _period(config, chapter_id)
    out = {}
    for table, f in catalogue.row_filters(chapter_id, config.notebook_parameters.get(chapter_id, {})).items():
        chosen = Window(*(period if f["period"] and period else (None, None)), f["unit"], f["age"])
        if chosen == Window():
            continue  # (every row: nothing to look for)
        whole = Window(chosen.start, chosen.end)
        out[table] = tuple(dict.fromkeys([chosen, *([whole] if whole != chosen else []),
                                          *([_ANY_DATE] if whole != Window() else [])]))
    return out


def _usable_windows(chapter_id: str, config, table: str, present: dict, failed: dict, windows: dict):
    """``(chosen, whole, dated)``: the positions in ``windows[table]`` of :func:`_windows`' for
    the chapter (whole and dated None where the chapter has none), or None where the run lacks
    the table or cannot read a column a filter needs (the load says so itself)."""
    mine = _windows(chapter_id, config).get(table)
    usable = present.get(table, set()) - failed.get(table, set())
    model = TABLES[table]
    if not mine or table not in present or any(w not in windows.get(table, ()) for w in mine):
        return None
    chosen = mine[0]
    if (chosen.start or chosen.end) and model.date_column not in usable:
        return None  # (the load keeps every row, or stops: said apart)
    if (chosen.unit is not None and model.unit_column not in usable) or (
            chosen.age is not None and model.age_column not in usable):
        return None
    index = windows[table].index
    whole = Window(chosen.start, chosen.end)
    return (index(chosen), index(whole) if whole in mine else None,
            index(_ANY_DATE) if _ANY_DATE in mine else None)


def _chapter_values(chapter_id: str, config, present: dict, failed: dict, seen: dict,
                    windows: dict) -> dict:
    """The values (codes, years) of the columns chapter ``chapter_id`` chooses rows by with its
    parameters (:func:`jamtools.run.catalogue.value_columns`), per table and column, as its
    period, unit and ages see them (:class:`jamtools.run.catalogue.Seen`), from what the
    check's one read of each table gathered (``seen``: table -> column -> value -> in each
    window of ``windows``); where the run has the table and can read the column. A filter
    counts where the table has its column (else the chapter's load keeps every row)."""
    out: dict[str, dict] = {}
    for table, column in catalogue.value_columns(chapter_id, config.notebook_parameters.get(chapter_id, {})):
        usable = present.get(table, set()) - failed.get(table, set())
        if column not in usable or column not in seen.get(table, {}):
            continue
        found = seen[table][column]
        at = _usable_windows(chapter_id, config, table, present, failed, windows)
        if at is None:
            out.setdefault(table, {})[column] = catalogue.Seen(tuple(sorted(found, key=str)))
            continue
        i, k, j = at
        chosen = windows[table][i]

        def having(test):
            return tuple(sorted((v for v, w in found.items() if test(w)), key=str))

        period = (chosen.start, chosen.end) if chosen.start or chosen.end else None
        period = _period(config, chapter_id) if period else None  # (as the analyst wrote it)
        out.setdefault(table, {})[column] = catalogue.Seen(
            having(lambda w: w[i]),
            having(lambda w: not w[i] and (k is None or not w[k]) and j is not None and w[j]),
            period,
            having(lambda w: not w[i] and (k is None or not w[k]) and j is not None and not w[j]),
            chosen.unit, chosen.age,
            having(lambda w: not w[i] and k is not None and w[k]))
    return out


def _chapter_rows(chapter_id: str, config, present: dict, failed: dict, rows_in: dict,
                  windows: dict) -> dict:
    """Per table chapter ``chapter_id`` reads with a row filter, whether its load keeps any row
    (:class:`jamtools.run.catalogue.Selected`), from the check's one read of each table
    (``rows_in``: table -> whether any row is in each window of ``windows``)."""
    out = {}
    for table in _windows(chapter_id, config):
        at = _usable_windows(chapter_id, config, table, present, failed, windows)
        flags = rows_in.get(table, ())
        if at is None or len(flags) != len(windows.get(table, ())):
            continue
        i, k, j = at
        chosen = windows[table][i]
        out[table] = catalogue.Selected(
            _period(config, chapter_id) if chosen.start or chosen.end else None, chosen.unit, chosen.age,
            flags[i], flags[k] if k is not None else flags[i], flags[j] if j is not None else True)
    return out


@dataclass
class _Linked:
    """What the references between tables need of a checked table: the columns it has, and
    the engine table of its checked ids, row by row (``__row``, ``v_<column>``; see
    :func:`jamtools.data.load.check_source_parts`)."""

    present: set
    engine_table: str | None


def _reference_notes(tables: dict[str, TableCheck], checked_tables: dict, sources: dict,
                     facts: Facts | None = None, versions: dict | None = None) -> None:
    """References between tables: checked when both are supplied, else said to be skipped.
    A reference found complete between two files whose version the check read (``versions``,
    by table: :func:`jamtools.data.facts.source_key`), by ids neither derives, is added to
    ``facts``."""
    from jamtools.data.check import Problem

    for name, t in tables.items():
        if t.error:
            continue
        for col in TABLES[name].columns:
            if not col.references or col.name not in t.columns or t.derived.get(col.name) == "radnumret":
                continue
            ref_table, ref_col = col.references.split(".")
            if ref_table not in sources or ref_table == name or tables.get(ref_table, t).error:
                if ref_table != name:
                    t.problems.append(Problem(name, t.source, col.name, "reference_not_checked", "info",
                                              detail=f"tabellen {ref_table} finns inte med"))
                continue
            ref = checked_tables.get(ref_table)  # checked above: not read a second time
            if ref is None or ref_col not in ref.present:
                empty = any(p.kind == "empty_key" and p.column == ref_col for p in tables[ref_table].problems)
                t.problems.append(Problem(name, t.source, col.name, "reference_not_checked", "info",
                                          detail=f"{ref_table} har inga värden i kolumnen {ref_col}" if empty
                                          else f"{ref_table} saknar kolumnen {ref_col}"))
                continue
            every_row: list = []
            n, rows, example = dangling_references(shared(), checked_tables[name].engine_table, col.name,
                                                   ref.engine_table, ref_col, hide=col.name == "person_id",
                                                   every_row=every_row)
            if n and t.row_set is not None:  # these rows too, each once
                t.row_set = np.union1d(t.row_set, every_row[0])
                t.problem_rows = int(len(t.row_set))
            if n:
                t.problems.append(Problem(name, t.source, col.name, "dangling_reference", "rader",
                                          n, rows, example, f"saknas i {ref_table}"))
            elif (facts is not None and name in (versions or {}) and ref_table in versions
                  and col.name not in t.derived and ref_col not in tables[ref_table].derived):
                facts.references.add((versions[name], col.name, versions[ref_table], ref_col))
