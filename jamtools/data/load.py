"""Load a table of the data model: find its source, read it, check it, and keep an account of
every row left out.

Where a table comes from is decided once, by :func:`table_sources`: with a configuration
(``jamtools.yml``), only the tables it names under ``tables`` or finds as
``<data_dir>/<table>.csv|.parquet|.xlsx`` in its own ``data_dir``; without one, the files of the
given folder (the synthetic demo data). A user's run never falls back to the demo data.

``load_table`` returns a :class:`LoadResult`: the typed DataFrame plus a log of each step (rows
read, rows left out and why, unknown sex), so that every chapter can show how many rows were
read and how many were left out. A row-level problem (see :mod:`jamtools.data.check`) leaves
out only that row, and only from chapters that use the column; nothing is dropped silently.
"""
from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jamtools.data.check import (GIVEN, SPREAD, SEX_CODES_ADULT, SEX_CODES_CHILD, UNKNOWN_SEX,  # noqa: F401
                                 CheckedTable, Problem, check_table, distinct_text, not_in)
from jamtools.data.model import TABLES, Table
from jamtools.data.pseudonym import PERSON, PERSONS_UP_TO

#: The load's two reasons for a row of unknown sex (counted, and shown separately), in the words
#: of the check (``missing_sex``, ``unknown_sex``) and of hl_01: no sex given, or a code that
#: is none of the sexes. Both begin "Okänt", as the data table's line of unknown sex does.
UNKNOWN_SEX_STEPS = ("Okänt kön: kön saknas (redovisas separat)",
                     "Okänt kön: annan kod (redovisas separat)")
from jamtools.data import facts as run_facts

SUFFIXES = (".parquet", ".csv", ".xlsx")


class DataValidationError(ValueError):
    """Raised when an input cannot be used as it is. The message says what to do."""


class TableNotSupplied(DataValidationError):
    """The run has no source for a table (not named in the configuration, not in its folder)."""


class MissingColumns(DataValidationError):
    """The table lacks a column the caller cannot do without (``columns``: the model's names)."""

    def __init__(self, message: str, columns=()):
        super().__init__(message)
        self.columns = tuple(columns)


class UnusableColumns(DataValidationError):
    """A column the caller cannot do without is an error of the check (most of its values
    cannot be read): ``columns`` are the model's names, ``names`` the export's own (as the
    check names them), ``source`` the file."""

    def __init__(self, message: str, columns=(), names=(), source: str = ""):
        super().__init__(message)
        self.columns = tuple(columns)
        self.names = tuple(names)
        self.source = source


class UnknownUnit(DataValidationError):
    """The unit a chapter chose (``enhet``) is not among the table's: ``unit`` as chosen,
    ``units`` those the table has."""

    def __init__(self, message: str, unit: str = "", units=()):
        super().__init__(message)
        self.unit = unit
        self.units = tuple(units)


@dataclass
class LoadResult:
    """A loaded, checked table and the account of its rows.

    ``data`` holds the rows kept for analysis. ``log`` has one entry per step: the step's name
    (Swedish), and the number of rows by sex that it read or excluded. ``checked`` is the
    table's check (problems, derived columns); ``notes`` are sentences about what could not be
    done (for example a period on a table without dates).

    With ``weight`` (a load with ``cells=True``), ``data`` is a cell table: each row stands for
    as many rows of the source as its ``weight`` column says, and every count here (the log,
    :meth:`quality`, :meth:`counts_by_sex`, :meth:`n_rows`) counts source rows, not cells.
    """

    table: Table
    data: pd.DataFrame
    source: str
    log: list[dict] = field(default_factory=list)
    checked: CheckedTable | None = None
    notes: list[str] = field(default_factory=list)
    weight: str | None = None
    #: With ``linked=True``: the engine's table of the rows and their ids
    #: (:class:`jamtools.data.links.EngineRows`); ``data`` is then a cell table whose index is
    #: each cell's number there.
    rows: object = field(default=None, repr=False)
    #: Ids of ``rows`` of which no two rows of the kept cells share a value: the table's key,
    #: once the load left out its missing and repeated values (the check searched them). By
    #: such an id every row is its own first (:func:`jamtools.data.links.first_per_id`), and
    #: a split by another table's id reads this table's rows without grouping them per id.
    #: Kept by every step that keeps a subset of the rows (``exclude``, the splits); anything
    #: that could give a row twice must set it to ``()``.
    unique: tuple[str, ...] = ()
    #: The row filters asked for that the table could not apply ("period", "unit", "age"):
    #: every row is kept for them (the table lacks the column), and ``notes`` says so.
    unapplied: tuple[str, ...] = ()
    #: Optional columns the table has but the load could not use, because the check found most
    #: of their values unreadable (an error of the check): the model's name -> the export's own
    #: name. :meth:`has` says False for them, and the chapter says why they are left out.
    unusable: dict = field(default_factory=dict)
    #: With ``load_table(..., persons=...)``: the column of ``data`` that tells whose each row
    #: is, for counting persons rather than rows (``binary_outcome(persons=...)``): ``person_id``
    #: for rows, :data:`PERSON` for a cell table (persons numbered up to a cap per cell, the cap
    #: in ``data.attrs``, :data:`PERSONS_UP_TO`). None when rows are persons (the table's key is
    #: the person) or the table has no person ids to count.
    persons: str | None = None
    #: With ``load_table(..., linked=True, persons=...)``: the cap up to which the persons are
    #: numbered once the chapter has followed the ids (:func:`count_persons`); ``persons`` is
    #: None until then. None otherwise.
    persons_up_to: int | None = None

    def __post_init__(self) -> None:
        _tag(self)

    def __repr__(self) -> str:  # never the rows: a LoadResult may end up displayed in a notebook
        return f"LoadResult({self.table.name}: {self.n_rows()} rader för analys, källa {self.source})"

    def n_rows(self, frame: pd.DataFrame | None = None) -> int:
        """The number of source rows in ``frame`` (default: the rows kept for analysis)."""
        frame = self.data if frame is None else frame
        return int(frame[self.weight].sum()) if self.weight else len(frame)

    def has(self, column: str) -> bool:
        """True when the table has ``column``: given or derived, with at least one value in the
        table as read (so also after filters have left no row), and not merely numbered from the
        row position. Columns a chapter computes after loading count when they hold a value.
        False for a column the load could not use (:attr:`unusable`)."""
        if column in self.unusable:
            return False
        checked = self.checked
        if (checked is not None and checked.complete is not None and column not in checked.data.columns
                and column not in checked.derived and column not in checked.row_columns
                and any(c.name == column for c in self.table.columns)):
            checked = checked.full()  # a column the load did not read: the whole check says
        if checked is not None and column in {*checked.data.columns, *checked.derived, *checked.row_columns}:
            return checked.has_value(column)
        return column in self.data.columns and bool(self.data[column].notna().any())

    def spread(self, column: str) -> str | None:
        """The column with each cell's sum of squares of the amount ``column`` about the cell's
        mean, when the load held the amount as sums (``load_table(..., sums=...)``; ``column``
        is then each cell's mean); None when ``column`` holds the rows' amounts."""
        name = SPREAD + column
        return name if name in self.data.columns else None

    def _counts(self, frame: pd.DataFrame) -> dict[str, int]:
        if self.weight:
            counts = frame.groupby("kon", observed=True, sort=False)[self.weight].sum()
            counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
        else:
            counts = frame["kon"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def _record(self, step: str, frame: pd.DataFrame, kind: str) -> None:
        self.log.append({"steg": step, "typ": kind, "antal": self.n_rows(frame),
                         "per_kon": self._counts(frame)})
        _tag(self)

    def exclude(self, mask, reason: str) -> "LoadResult":
        """A new result without the rows where ``mask`` is true, its account recording how many
        (by sex) and why. The original is left unchanged, so a chapter can take a subset of a
        table (``asked = plan.exclude(...)``) and still show the whole table elsewhere.

        Parameters
        ----------
        mask : array-like of bool
            True for the rows to leave out (aligned on the data's index; missing = keep).
        reason : str
            The Swedish reason shown in the data table ("Uppgift om X saknas").

        Returns
        -------
        LoadResult
        """
        mask = pd.Series(mask, index=self.data.index).reindex(self.data.index).fillna(False).astype(bool)
        out = dataclasses.replace(self, data=self.data[~mask], log=list(self.log),
                                  notes=list(self.notes))
        out._record(reason, self.data[mask], "exkluderade")
        return out

    def with_data(self, data: pd.DataFrame) -> "LoadResult":
        """A new result with ``data`` (the same rows, with columns a chapter derived) and the
        same account; the original is left unchanged."""
        if len(data) != len(self.data) or not data.index.equals(self.data.index):
            raise ValueError("with_data keeps the rows; use exclude to leave rows out.")
        return dataclasses.replace(self, data=data, log=list(self.log), notes=list(self.notes))

    def excluded_by_reason(self) -> dict[str, int]:
        """Rows left out, per reason (every reason, also those with no rows)."""
        return {e["steg"]: int(e["antal"]) for e in self.log if e["typ"] == "exkluderade"}

    def quality(self) -> pd.DataFrame:
        """The data-quality account as a tidy table: one row per step and sex.

        Columns: ``steg``, ``typ`` (inlästa | exkluderade | analyserade), ``kon``, ``antal``.
        Unknown sex is its own level (``okant``), never silently dropped. Exclusion steps that
        left out no row are not shown.
        """
        sexes = list(self.table.sex_values) + [UNKNOWN_SEX]
        rows = []
        entries = [e for e in self.log if e["typ"] != "exkluderade" or e["antal"] > 0
                   or e["steg"].startswith("Okänt")]
        entries += [{"steg": "Analyserade rader", "typ": "analyserade",
                     "antal": self.n_rows(), "per_kon": self._counts(self.data)}]
        for entry in entries:
            for sex in sexes:
                rows.append({"steg": entry["steg"], "typ": entry["typ"], "kon": sex,
                             "antal": int(entry["per_kon"].get(sex, 0))})
        return pd.DataFrame(rows)

    def counts_by_sex(self) -> dict[str, dict[str, int]]:
        """Analysed and excluded rows by sex, as the results JSON records them."""
        excluded: dict[str, int] = {}
        for entry in self.log:
            if entry["typ"] == "exkluderade":
                for sex, n in entry["per_kon"].items():
                    excluded[sex] = excluded.get(sex, 0) + n
        return {"analysed": self._counts(self.data), "excluded": excluded}


# --- Which rows a frame holds: a selection of rows another count of the page shows -------------

#: Where a LoadResult's ``data`` carries its rows' account (:func:`rows_of`): the table, the
#: source and the steps of its log. A frame a chapter derives from ``data`` (a pandas filter, a
#: column assigned) carries it too (pandas keeps ``attrs``), so an analysis can tell which
#: rows, and a selection of which, it is given.
ROWS_ATTR = "jamtools_rows"

#: The rows whose count by sex a chapter has shown or analysed (:func:`mark_shown`), as
#: :func:`rows_of` keys, for this chapter's run (:func:`forget_shown` at its start).
_SHOWN: set = set()


def _steps(log) -> tuple:
    return tuple((e["steg"], e["typ"], tuple(sorted((str(k), int(v)) for k, v in e["per_kon"].items())))
                 for e in log)


class _Account(tuple):
    """A :data:`ROWS_ATTR` account: ``(table, source, steps)``, immutable all through. pandas
    deep-copies a frame's ``attrs`` into every frame it derives (each column read, each
    filter): copying the account as itself keeps that one call instead of one per step and
    count (a chapter derives a few thousand frames)."""

    __slots__ = ()

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _tag(result: "LoadResult") -> None:
    if isinstance(result.data, pd.DataFrame):
        result.data.attrs[ROWS_ATTR] = _Account((result.table.name, str(result.source), _steps(result.log)))


def counts_after(steps: tuple) -> dict[str, int]:
    """The rows by sex that ``steps`` (a :data:`ROWS_ATTR` log) leave: those read less those
    left out."""
    out: dict[str, int] = {}
    for _, kind, per_sex in steps:
        sign = 1 if kind == "inlästa" else -1 if kind == "exkluderade" else 0
        for sex, n in per_sex:
            out[sex] = out.get(sex, 0) + sign * n
    return {k: v for k, v in out.items() if v}


def rows_of(frame) -> tuple | None:
    """The account (:data:`ROWS_ATTR`) of the LoadResult ``frame`` came from, or None."""
    attrs = getattr(frame, "attrs", None) or {}
    return attrs.get(ROWS_ATTR)


def mark_shown(rows) -> None:
    """Record that the page shows the count by sex of ``rows`` (a LoadResult, or a frame of its
    rows): a data table of them, or an analysis of all of them. A selection of them analysed
    later is then protected against this count (:func:`shown_wholes`)."""
    key = rows_of(rows.data if isinstance(rows, LoadResult) else rows)
    if key is not None:
        _SHOWN.add(key)


def forget_shown() -> None:
    """Start a chapter's run: no count of rows, and no amount, shown yet."""
    _SHOWN.clear()
    _AMOUNTS.clear()
    _ANALYSED.clear()


#: The counts by sex a chapter's analyses have shown (:func:`mark_analysed`): the
#: :func:`rows_of` key of the rows analysed, their count by sex, and the sexes whose count the
#: analysis shows.
_ANALYSED: list = []


def mark_analysed(frame, counts: dict, shown) -> None:
    """Record that an analysis of ``frame``'s rows (``counts`` rows by sex) shows the count of
    the sexes ``shown``. Rows they were selected from, shown later (a data table made at the
    end of the page, an analysis of all of them), are then protected against it
    (:func:`analysed_selections`): the protection does not depend on the order."""
    key = rows_of(frame)
    if key is not None:
        _ANALYSED.append((key, dict(counts), frozenset(shown)))


def analysed_selections(frame, counts: dict) -> list[tuple[dict[str, int], frozenset]]:
    """The analyses so far of selections of ``frame``'s rows (``counts`` rows by sex, all the
    rows of its account; a pandas filter of them is compared with nothing): each as (its rows
    by sex, the sexes whose count it shows). A selection is an analysis of the rows after
    further steps of the same account, or of fewer of the same rows (a pandas filter)."""
    key = rows_of(frame)
    if key is None:
        return []
    table, source, steps = key
    if {s: n for s, n in counts.items() if n} != counts_after(steps):
        return []
    return [(other, shown) for (t, src, st), other, shown in _ANALYSED
            if (t, src) == (table, source) and st[:len(steps)] == steps
            and (len(st) > len(steps) or {s: n for s, n in other.items() if n} != counts_after(steps))]


def selections_analysed(frame) -> bool:
    """Whether an analysis so far had rows of ``frame``'s account or of a selection of them
    (:func:`mark_analysed`): without one, :func:`analysed_selections` finds nothing, and
    ``frame``'s rows need not be counted to ask it."""
    key = rows_of(frame)
    if key is None:
        return False
    table, source, steps = key
    return any((t, src) == (table, source) and st[:len(steps)] == steps
               for (t, src, st), _, _ in _ANALYSED)


#: The amounts a chapter has shown (:func:`mark_amount_shown`): per analysis, the
#: :func:`rows_of` key of its rows, the amount's column, whether the rows were all of their
#: LoadResult's, and the units per cell whose sum or mean was shown.
_AMOUNTS: list = []


def mark_amount_shown(frame, value: str, cells: dict, full: bool) -> None:
    """Record that the page shows the amount ``value`` of ``frame``'s rows (a sum or a mean
    beside its count) in ``cells``: cell -> (units, units with an amount other than 0), a cell
    a tuple (sex, or category and sex). ``full``: ``frame`` holds all of its LoadResult's rows
    (not a pandas filter of them). An analysis of the same rows' amount later, on a selection
    of them or on the rows they were selected from, is protected against it
    (:func:`amounts_shown`, :func:`jamtools.disclosure.hidden_amounts_in_selection`)."""
    key = rows_of(frame)
    if key is not None and cells:
        _AMOUNTS.append((key, value, bool(full), dict(cells)))


def amounts_shown(frame, value: str) -> list[tuple[tuple, bool, dict]]:
    """The amounts ``value`` shown so far in this chapter's run of rows of the same table and
    source as ``frame``: each as (steps of its rows' account, whether all of their rows, cells)."""
    key = rows_of(frame)
    if key is None:
        return []
    table, source, _ = key
    return [(k[2], full, cells) for k, v, full, cells in _AMOUNTS
            if v == value and k[:2] == (table, source)]


def shown_wholes(frame, counts: dict) -> list[dict[str, int]]:
    """The counts by sex of the rows the page shows (:func:`mark_shown`) of which ``frame``,
    with ``counts`` rows by sex, is a selection: the rows it came from after any step of its
    log, and those rows themselves when ``frame`` holds fewer of them (a pandas filter)."""
    key = rows_of(frame)
    if key is None:
        return []
    table, source, steps = key
    out = []
    for k in range(1, len(steps) + 1):
        whole = counts_after(steps[:k])
        if k == len(steps) and whole == {s: n for s, n in counts.items() if n}:
            continue  # the frame is these rows, not a selection of them
        if (table, source, steps[:k]) in _SHOWN:
            out.append(whole)
    return out


def without_account(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (the same rows, not copied) without the account of its rows (:data:`ROWS_ATTR`).

    For the steps of a process map only: the map is disclosed as one linked table
    (:func:`jamtools.disclosure.linked.protect_map`), which decides which count a small
    difference between two steps hides wherever it is shown (four women refused aid: the
    applicants, not the later steps). Analysed with their account, a later step would be
    hidden as a selection of the earlier one (:func:`jamtools.disclosure.hidden_in_selection`),
    the opposite choice.
    """
    out = frame.copy(deep=False)
    out.attrs = {k: v for k, v in frame.attrs.items() if k != ROWS_ATTR}
    return out


def _map_sex(values: pd.Series, table: Table) -> pd.Series:
    """Sex codes mapped onto the table's canonical values; unknown codes become ``okant``."""
    codes = SEX_CODES_CHILD if table.sex_values == ("flicka", "pojke") else SEX_CODES_ADULT
    text = values.astype("string").str.strip().str.lower()
    return text.map(codes).fillna(UNKNOWN_SEX).astype("string")


#: The synthetic demo data, read when no configuration is given.
DEMO_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "synthetic"


def _config(config):
    """The run's configuration (``jamtools.run.config.RunConfig``, read by the run layer), or
    None. The data layer reads no configuration files itself."""
    if config is None or hasattr(config, "tables"):
        return config
    raise TypeError("Ge en inläst konfiguration (jamtools.run.config.load_config), "
                    f"inte {type(config).__name__}.")


def table_sources(config=None, *, data_dir=None) -> dict[str, dict]:
    """Every table the run has, by name: its source as a spec (``file`` or ``sql``, the
    configuration's ``columns``/``values``/``sheet``/``encoding``/``separator``) with the folder
    that relative paths start from as ``_base``.

    With ``config`` (a RunConfig): the tables named under
    ``tables``, then ``<data_dir>/<table>.parquet|.csv|.xlsx`` for the others, where
    ``data_dir`` is the configuration's own (none when it sets none). ``data_dir`` given here is
    ignored then: a configured run never reads the demo data. Without ``config``: the files of
    ``data_dir``.
    """
    cfg = _config(config)
    out: dict[str, dict] = {}
    if cfg is not None:
        base = cfg.source.parent if cfg.source else Path.cwd()
        for name, spec in (cfg.tables or {}).items():
            if not isinstance(spec, dict) or not ({"file", "sql"} & set(spec)):
                raise DataValidationError(f"'tables: {name}' i jamtools.yml ska ha 'file' eller 'sql'.")
            out[name] = {**spec, "_base": base}
        folder = cfg.data_dir
    else:
        folder = Path(data_dir) if data_dir is not None else None
    if folder is not None and folder.is_dir():
        for name in TABLES:
            if name in out:
                continue
            path = next((folder / f"{name}{s}" for s in SUFFIXES if (folder / f"{name}{s}").exists()), None)
            if path is not None:
                out[name] = {"file": str(path.resolve()), "_base": folder}
    return out


def _table_spec(name: str, config) -> dict | None:
    """The configured source of table ``name`` (see :func:`table_sources`), or None."""
    cfg = _config(config)
    return table_sources(cfg).get(name) if cfg is not None else None


def _folded(name: str) -> str:
    """A header as the data model would spell it: lower case, å/ä/ö and other accents without
    their marks, spaces and hyphens as ``_`` ("Kön" -> "kon", "Antal barn" -> "antal_barn")."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", str(name).strip().lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", plain)


#: The prefix of the name a column mapped to nothing (``columns: {Ålder: null}``) is read
#: under: no model column has it, so the column is left out.
LEFT_OUT = "__utelamnad__"


def column_mapping(spec: dict, headers, table: Table | str) -> dict[str, str]:
    """The export's columns that are read as the model's (export name -> model name): those the
    configuration's ``columns`` maps, and a header that differs from a model column only in
    case, å/ä/ö or spaces ("Personnummer", "Kön", "Ålder", "Antal barn"), when no other header
    is that column already and no other header is spelt so. A probe's export with the header
    "Personnummer" was otherwise read without it: no sex, and no word about why. A column the
    configuration maps to nothing (``Ålder: null``, or ``~``) is left out, whatever its header.

    Examples
    --------
    >>> column_mapping({}, ["Personnummer", "Kön", "kon_kod", "Ålder"], "ht_beslut")
    {'Personnummer': 'personnummer', 'Kön': 'kon', 'Ålder': 'alder'}
    >>> column_mapping({"columns": {"Kön": "kon"}}, ["Kön", "kon"], "ht_beslut")
    {'Kön': 'kon'}
    >>> column_mapping({"columns": {"ålder": None}}, ["ålder", "Kön"], "befolkning")
    {'ålder': '__utelamnad__ålder', 'Kön': 'kon'}
    """
    table = TABLES[table] if isinstance(table, str) else table
    given = spec.get("columns") or {}
    mapping = {str(k): str(v) for k, v in given.items() if v is not None}
    # a column mapped to nothing (``Ålder: null``) is left out: read under a name no model has
    mapping.update({str(k): LEFT_OUT + str(k) for k, v in given.items() if v is None})
    headers = [str(h) for h in headers]
    model = {c.name for c in table.columns} | {"personnummer"}
    taken = set(mapping.values()) | {h for h in headers if h not in mapping and h in model}
    folds: dict[str, list[str]] = {}
    for h in headers:
        if h not in mapping and h not in model:
            folds.setdefault(_folded(h), []).append(h)
    for name, hs in folds.items():
        if name in model and name not in taken and len(hs) == 1:
            mapping[hs[0]] = name
    return mapping


def _refuse_clash(mapping: dict, headers, source: str) -> None:
    """Stop when the mapping gives a column a name another column of the export already has
    (``Kön: kon`` beside a column ``kon``): the two would be read as one, and which one wins
    would depend on their order."""
    unmapped = {str(h) for h in headers if str(h) not in mapping}
    clash = sorted({f"{k}: {v}" for k, v in mapping.items() if v in unmapped})
    if clash:
        raise DataValidationError(
            f"Kolumnmappningen i jamtools.yml ger en kolumn ett namn som en annan kolumn i {source} "
            f"redan har: {', '.join(clash)}. Byt namn på den andra kolumnen i exporten, eller "
            "mappa den också till ett annat namn under 'columns'.")


def recode(text: pd.Series, mapping: dict) -> pd.Series:
    """``text`` (stripped strings) with the codes of a ``values:`` mapping replaced: a value is
    one of the mapping's codes whatever its case, accents and spaces or hyphens, as the check
    reads the model's own codes (:func:`jamtools.data.check.code_key`), so that ``Familjehem``
    under ``values`` also takes ``familjehem`` and ``FAMILJEHEM``. Other values are kept."""
    from jamtools.data.check import code_key

    exact = {str(k): str(v) for k, v in mapping.items()}
    keyed = {code_key(k): v for k, v in exact.items()}
    found = text.map(exact)
    rest = found.isna() & text.notna()
    if rest.any():  # (each distinct value folded once)
        distinct = text[rest].unique()
        found[rest] = text[rest].map(dict(zip(distinct, (keyed.get(code_key(v)) for v in distinct))))
    return found.fillna(text)


def recode_sql(text: str, mapping: dict) -> str:
    """:func:`recode` in the engine: the SQL of the text ``text`` with the mapping's codes
    replaced. A value written as in the mapping is looked up directly; only the others are
    folded (lower case, accents, spaces) and looked up again."""
    from jamtools.data.check import _CODE_SPACES, code_key
    from jamtools.data.engine import literal

    exact = " ".join(f"WHEN {literal(str(k))} THEN {literal(str(v))}" for k, v in mapping.items())
    keyed = " ".join(f"WHEN {literal(code_key(k))} THEN {literal(str(v))}" for k, v in mapping.items())
    folded = f"regexp_replace(strip_accents(lower({text})), '{_CODE_SPACES}', '_', 'g')"
    return f"(CASE {text} {exact} ELSE (CASE {folded} {keyed} ELSE {text} END) END)"


def _map_columns(raw: pd.DataFrame, spec: dict, source: str, table: Table | str,
                 columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Rename the organisation's columns to the model's and recode its values. ``columns``:
    the mapping (:func:`column_mapping`) when the caller has it already."""
    columns = column_mapping(spec, raw.columns, table) if columns is None else columns
    _refuse_clash(columns, raw.columns, source)
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"Kolumnmappningen i jamtools.yml nämner kolumner som saknas i {source}: "
            f"{', '.join(map(str, missing))}. Kolumnerna i källan är: {', '.join(map(str, raw.columns))}."
        )
    out = raw.rename(columns={str(k): str(v) for k, v in columns.items()})
    for col, mapping in (spec.get("values") or {}).items():
        if col not in out.columns:
            raise DataValidationError(f"Värdemappningen i jamtools.yml gäller kolumnen {col}, "
                                      f"som inte finns i {source} efter kolumnmappningen.")
        text = out[col].astype("string").str.strip()
        out[col] = recode(text, mapping)
    return out


def _chosen_unit(unit, units: pd.Series, table: str) -> str:
    """The unit of the table that the parameter ``enhet`` names: as written, or the one unit
    written the same whatever its case, accents and spaces (``norr`` for ``Norr``,
    :func:`jamtools.data.check.code_key`). A unit the table does not have stops the chapter
    with the units it has: a misspelt unit would otherwise leave every row out."""
    from jamtools.data.check import code_key

    present = sorted({str(u) for u in units.dropna().unique()})
    if str(unit) in present:
        return str(unit)
    alike = [u for u in present if code_key(u) == code_key(unit)]
    if len(alike) == 1:
        return alike[0]
    listed = ", ".join(present[:20]) + (f" och {len(present) - 20} till" if len(present) > 20 else "")
    raise UnknownUnit(
        f"Enheten {unit!r} (parametern enhet) finns inte bland de rader i tabellen {table} som kan användas"
        + (f"; enheterna där är {listed}." if present else ", som inte har någon enhet ifylld.")
        + " Rätta enhet i jamtools.yml (eller ta bort den för alla enheter).", unit=str(unit), units=present)


def read_table(name: str, spec: dict) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """Read one table's source and map its columns: (raw text frame, source name, model column
    -> export column). Raises :class:`DataValidationError` when the source cannot be read."""
    from jamtools.data.readers import SourceError, read_source

    try:
        raw, source_name = read_source(spec, spec["_base"])
    except SourceError as exc:
        raise DataValidationError(str(exc)) from None
    mapping = column_mapping(spec, raw.columns, name)
    raw = _map_columns(raw, spec, source_name, name, mapping)
    export_names = {str(v): str(k) for k, v in mapping.items()}
    return raw, Path(source_name).name if "sql" not in spec else source_name, export_names


def check_source(name: str, spec: dict, columns=None, *, cells: bool = False,
                 values: bool = True, save: str | None = None,
                 presence: tuple[str, ...] = (), linked: bool = False,
                 duplicates: bool | None = None, sums: tuple[str, ...] = (),
                 period: tuple[str | None, str | None] | None = None,
                 blank: tuple[str, ...] = (), distinct: tuple[str, ...] = (),
                 windows: tuple = ()) -> CheckedTable:
    """Read and check one table (see :func:`jamtools.data.check.check_table`) in the engine.

    With ``columns`` (the model's columns a caller uses), only those are read, with what their
    checks and derivations need (:func:`columns_to_read`); the result's
    :meth:`~jamtools.data.check.CheckedTable.full` checks the rest when asked. Without, every
    column. ``cells=True`` (with ``columns`` that include no identifying column,
    :func:`identifying_columns`) returns the engine's cell table: one row per combination of
    values and problems, with its number of rows (``weight``); else rows. ``values=False``
    (with ``cells=True``) groups by the problems only (see
    :func:`jamtools.data.check.check_view`): the problems of the columns without their values,
    identifying columns included; ``save`` then keeps the checked rows in the engine.
    ``presence``: columns read as whether a value is given (see ``check_view``). ``linked``
    (with ``cells=True``): the identifying columns among ``columns`` stay in the engine, in
    the table the result's ``rows`` names (``check_view(..., ids=...)``), and the rest is a
    cell table. ``duplicates=False`` leaves out the search for repeated keys (default: made
    when the key is among ``columns``, or without ``columns``; a file's key that ``columns``
    leaves out is searched too unless the run's check found it repeated nowhere, and where it
    repeats it is read: kept in the engine with ``linked``, else the rows instead of a cell
    table; a ``sql:`` source counts its repeated keys and sends the number, and its rows are
    read with the key only when some repeat). ``sums``: amount columns a cell
    table holds as each cell's mean and sum of squares instead of making cells (see
    ``check_view``); only for a cell table with values and no ids kept, else the rows' values.
    ``period``: a cell table reads the date only to keep that period's rows (see
    ``check_view``). ``blank``: columns whose blank cells are a row problem (see
    ``check_view``). ``distinct`` and ``windows`` (with ``cells=True, values=False``): the
    codes or years whose values the same scan gathers, and in which periods (see
    ``check_view``; the result's ``seen``)."""
    import duckdb

    from jamtools.data.readers import SourceError, open_source

    try:
        src = open_source(spec, spec["_base"], table=name)
    except SourceError as exc:
        raise DataValidationError(str(exc)) from None
    try:
        return _check_open_source(name, spec, src, columns, cells=cells, keep_values=values, save=save,
                                  presence=presence, linked=linked, duplicates=duplicates, sums=sums,
                                  period=period, blank=blank, distinct=distinct, windows=windows)
    except duckdb.Error:
        if src.kind != "csv":
            raise
        try:  # the engine's CSV reader refused the file: the readers above say why, or read it
            src = src.fallback()
        except SourceError as exc:
            raise DataValidationError(str(exc)) from None
        return _check_open_source(name, spec, src, columns, cells=cells, keep_values=values, save=save,
                                  presence=presence, linked=linked, duplicates=duplicates, sums=sums,
                                  period=period, blank=blank, distinct=distinct, windows=windows)


def columns_to_read(table: Table, wanted, in_source, *, key: bool = True) -> set[str]:
    """The model's columns to read for ``wanted``: each one present, and what its checks and
    derivations need (the personnummer for sex, age and the pseudonym; the date for the age
    derived from a personnummer and for the year; the reason for the reason type; the other
    column of a rule between two, ``Column.at_most`` and ``Column.zero_unless``). The table's
    key is always read, and with the date the year, with the reason its type, given or derived,
    as chapters expect them together. ``key=False`` (a ``sql:`` source) reads the key only
    when it is wanted, so that the database can count combinations of values instead of
    sending rows (:func:`identifying_columns`)."""
    wanted, in_source = set(wanted) | {"kon"}, set(in_source)
    need = set(wanted) | ({table.key} if key else set())  # the key links tables (chapters follow rows by it)
    if table.date_column in wanted:
        need.add("ar")  # a chapter that has the date has the year
    if "anmalningsorsak" in wanted:
        need.add("orsakstyp")  # ... and with the reason its type
    pnr = "personnummer" in in_source
    if pnr:
        need.add("personnummer")
    if table.date_column and ("ar" in wanted and "ar" not in in_source or pnr):
        need.add(table.date_column)  # with a personnummer, age is derived at the date
    if "orsakstyp" in wanted and "orsakstyp" not in in_source:
        need.add("anmalningsorsak")
    for col in table.columns:  # a rule between two columns needs both (a grant above the
        if col.name in wanted:  # application, money for a rejection: impossible values)
            need.update(p for p in (col.at_most, col.zero_unless) if p)
    return need & in_source


def identifying_columns(table: Table) -> set[str]:
    """The model's columns that tell rows apart: the key, ids (``*_id``), the personnummer and
    free text. A ``sql:`` source whose columns to read include none of them is read grouped:
    the database counts the rows of each combination of values and sends the counts
    (:func:`jamtools.data.readers.sql_statement`), so that no row of a person leaves it."""
    out = {table.key, "personnummer"}
    out |= {c.name for c in table.columns if c.name.endswith("_id") or c.sensitive}
    return out


def _check_open_source(name: str, spec: dict, src, columns, *, cells: bool = False,
                       keep_values: bool = True, save: str | None = None,
                       presence: tuple[str, ...] = (), linked: bool = False,
                       duplicates: bool | None = None, sums: tuple[str, ...] = (),
                       period: tuple[str | None, str | None] | None = None,
                       blank: tuple[str, ...] = (), distinct: tuple[str, ...] = (),
                       windows: tuple = ()) -> CheckedTable:
    from jamtools.data.check import check_view, sql_text
    from jamtools.data.engine import ident, literal, shared, unique_name
    from jamtools.data.readers import SourceError

    table = TABLES[name]
    mapping = column_mapping(spec, src.columns, table)
    missing = [c for c in mapping if c not in src.columns]
    if missing:
        raise DataValidationError(
            f"Kolumnmappningen i jamtools.yml nämner kolumner som saknas i {src.name}: "
            f"{', '.join(missing)}. Kolumnerna i källan är: {', '.join(src.columns)}.")
    _refuse_clash(mapping, src.columns, src.name)
    renamed = [mapping.get(c, c) for c in src.columns]
    values = spec.get("values") or {}
    for col in values:
        if col not in renamed:
            raise DataValidationError(f"Värdemappningen i jamtools.yml gäller kolumnen {col}, "
                                      f"som inte finns i {src.name} efter kolumnmappningen.")
    export_names = {v: k for k, v in mapping.items()}
    model = {c.name for c in table.columns} | {"personnummer"}
    first = {}
    for export, model_name in zip(src.columns, renamed):
        first.setdefault(model_name, export)
    in_source = {c for c in first if c in model}
    sql = src.kind == "sql"
    ids: list[str] = []
    if cells and not keep_values:  # grouped by problems: ids stay in the engine
        pass
    elif cells and columns is not None:  # an id the chapter would use, given or derived: rows
        available = in_source | ({"person_id"} if "personnummer" in in_source else set())
        asked = set(columns) & identifying_columns(table)
        if linked:  # ... or kept in the engine, numbered from the row position when not given
            ids = [c.name for c in table.columns if c.name in asked and (c.name in available or c.name == table.key)]
        else:
            cells = not asked & available
    else:
        cells = False
    # A row whose key repeats is a duplicate record: every chapter leaves it out, not only those
    # that use the key (a decision exported twice counted its hours twice in ht_01 and r4_02,
    # and bof_02 counted 2 duplicated investigations that bof_03 left out). Where a chapter does
    # not ask for the key, it is searched when the file may repeat it (the run's check found no
    # repeat: nothing to do), and when it does, the key is read: kept in the engine with a
    # linked cell table, or the rows are read instead of a cell table.
    key_repeats_found = None
    # (a key the personnummer gives, the pseudonym, is made in the engine: not searched before;
    # a database with only personnummer is not asked)
    derived_key = table.key == "person_id" and table.key not in in_source and "personnummer" in in_source
    if (columns is not None and (table.key in in_source or derived_key and not sql)
            and table.key not in columns and duplicates is not False and not (cells and not keep_values)):
        key_repeats_found = (src.key_repeats(first[table.key]) if sql else
                             not run_facts.current().key_unique(run_facts.source_key(name, spec))
                             and (not cells or derived_key or _repeats(src, first[table.key])))
        # (rows: the check itself searches; a pseudonym is made in the engine, not searched before)
        if key_repeats_found:
            duplicates = True
            if ids:
                ids = [c.name for c in table.columns if c.name in ids or c.name == table.key]
            elif cells:
                cells = False
    read = in_source if columns is None else columns_to_read(table, {*columns, *ids}, in_source,
                                                             key=not (sql or cells) or bool(key_repeats_found))
    read = [c for c in first if c in read]
    grouped = sql and not set(read) & identifying_columns(table)
    keep = None  # a cell table keeps what was asked for (with the year of a date, the type of a reason)
    if cells and keep_values and columns is not None:
        keep = set(columns) | {"kon"}
        # (not the year of a date read only for the period: its cells would split by year)
        keep |= ({"ar"} if table.date_column in keep and period is None else set()) | (
            {"orsakstyp"} if "anmalningsorsak" in keep else set())
    con = shared()
    raw_view, view = unique_name("src"), unique_name("model")
    try:
        drop = src.view(con, [first[c] for c in read], raw_view, grouped=grouped)
    except SourceError as exc:  # (columns the engine does not tell apart)
        raise DataValidationError(str(exc)) from None
    try:
        selects, types = ["__row"], {}
        for c in read:
            q = ident(first[c])
            if c in values:
                selects.append(f"{recode_sql(sql_text(q, src.types.get(first[c], 'VARCHAR')), values[c])} "
                               f"AS {ident(c)}")
                types[c] = "VARCHAR"
            else:
                selects.append(f"{q} AS {ident(c)}")
                types[c] = src.types.get(first[c], "VARCHAR")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT {', '.join(selects)} "
                    f"FROM {ident(raw_view)}")
        shown = Path(src.name).name if "sql" not in spec else src.name
        # what the run's check found in this file (jamtools.data.facts): a key it found
        # repeated nowhere is not searched again
        known = run_facts.source_key(name, spec) if ids and not sql and not key_repeats_found else None

        def check(key_repeats):
            return check_view(con, view, table, source=shown, types=types, in_source=in_source,
                              export_names=export_names,
                              duplicates=(columns is None or table.key in columns) if duplicates is None
                              else duplicates, cells=cells,
                              values=keep_values or not cells,
                              save=(unique_name("linked") if ids else save) if cells else None,
                              presence=tuple(presence), keep=keep, ids=tuple(ids), key_repeats=key_repeats,
                              sums=tuple(c for c in sums if c in keep and c in read) if keep is not None and not ids else (),
                              period=period if keep is not None else None, blank=tuple(blank),
                              distinct=tuple(distinct), windows=tuple(windows))

        trusted = run_facts.current().key_unique(known)
        checked = check(False if trusted else None)
        if known is not None and run_facts.source_key(name, spec) != known:
            known = None  # the file changed while it was read: no fact holds for what was read
            if trusted:
                checked = check(None)
        checked.source_key = known
    finally:
        con.execute(f"DROP VIEW IF EXISTS {ident(view)}")
        drop()
    if grouped:  # the database sent counts, not rows: there are no row numbers to show
        checked.problems = [dataclasses.replace(p, rows=()) for p in checked.problems]
    checked.sql = list(src.sent)
    if columns is not None and (set(read) != in_source or presence):
        checked.complete = lambda: check_source(name, spec)
    return checked


def _repeats(src, key: str) -> bool:
    """Whether some value of the export's column ``key`` (the table's key) occurs on more than
    one row, as :func:`jamtools.data.check.check_view` compares them (its text)."""
    from jamtools.data.check import _repeated_keys, sql_text
    from jamtools.data.engine import ident, shared, unique_name

    con, view = shared(), unique_name("keyrep")
    drop = src.view(con, [key], view)
    try:
        found = _repeated_keys(con, view, sql_text(ident(key), src.types.get(key, "VARCHAR")))
        if found is None:
            return False
        try:  # (a table of the values that repeat: empty when only their hashes did)
            return bool(con.sql(f"SELECT count(*) FROM {ident(found)}").fetchall()[0][0])
        finally:
            con.execute(f"DROP TABLE IF EXISTS {ident(found)}")
    finally:
        drop()


def period_bounds(period) -> tuple:
    """A period ``(start, end)`` (ISO dates or times, either may be None) as the bounds a load
    compares dates with, on the engine's grid of microseconds (a date on it is before a bound
    exactly when it is before the bound rounded up), the same in the engine and in pandas.
    Both ends are inclusive: an end given as a date without a time of day (``"2024-12-31"``,
    a ``datetime.date``) is the whole day, up to its last microsecond, so that a note written
    at 14:00 on the last day is in the period; an end with a time is that time."""
    start, end = period if period is not None else (None, None)
    if not end:
        last = None
    elif _whole_day(end):
        last = pd.Timestamp(end).normalize() + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    else:
        last = pd.Timestamp(end).floor("us")
    return (pd.Timestamp(start).ceil("us") if start else None, last)


def _whole_day(value) -> bool:
    """Whether a period's end names a day, not a time: a date (not a datetime), or an ISO date
    written without a time."""
    import datetime

    if isinstance(value, datetime.datetime):  # (pd.Timestamp too)
        return False
    if isinstance(value, datetime.date):
        return True
    return bool(re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", str(value)))


def values_seen(checked: CheckedTable, columns, windows=(), *, rows_in: list | None = None) -> dict:
    """What :attr:`CheckedTable.seen` says, from a check whose data hold the values (rows, or
    a cell table with values): per column of ``columns`` that the data have, each value with,
    per window of ``windows`` (:class:`jamtools.data.check.Window`, or a period ``(start,
    end)``, as :func:`period_bounds` reads it), whether a row with it is in the window (a
    filter the data cannot apply keeps every row, as in ``check_view``). ``rows_in`` (a list):
    filled with, per window, whether any row is in it (:attr:`CheckedTable.rows_in`)."""
    from jamtools.data.check import Window, code_key

    data, table = checked.data, checked.table
    date = table.date_column
    rows = (pd.Series(True, index=data.index) if checked.weight is None
            else data[checked.weight].to_numpy() > 0)
    inside = []
    dates = pd.to_datetime(data[date], errors="coerce") if windows and date and date in data.columns else None
    for window in map(Window.of, windows):
        out = pd.Series(False, index=data.index)
        if dates is not None and (window.start or window.end or window.dated):
            lo, hi = period_bounds(window[:2])
            out |= dates.isna()
            if lo is not None:
                out |= dates < lo
            if hi is not None:
                out |= dates > hi
        if window.unit is not None and table.unit_column and table.unit_column in data.columns:
            units = data[table.unit_column]
            # (each distinct unit folded once: the cost grows with the units, not the rows)
            chosen = {u for u in units.dropna().unique() if code_key(u) == code_key(window.unit)}
            out |= ~units.isin(chosen).to_numpy(dtype=bool)
        lo, hi = window.ages
        if (lo is not None or hi is not None) and table.age_column and table.age_column in data.columns:
            ages = pd.to_numeric(data[table.age_column], errors="coerce")
            out |= ages.isna()
            if lo is not None:
                out |= ages < lo
            if hi is not None:
                out |= ages > hi
        inside.append(~out.to_numpy(dtype=bool))
    keep = np.asarray(rows, dtype=bool)
    if rows_in is not None:
        rows_in[:] = [bool((w & keep).any()) for w in inside]
    flags = pd.DataFrame({f"__in{i}": w for i, w in enumerate(inside)}, index=data.index)
    out: dict = {}
    for c in columns:
        if c not in data.columns:
            continue
        # grouped (the cost grows with the distinct values, not the rows): per value, whether
        # any of its rows is in each window
        mask = keep & pd.notna(data[c]).to_numpy(dtype=bool)
        grouped = (flags[mask].groupby(data[c][mask], sort=False, observed=True).any()
                   if inside else None)
        values = pd.unique(data[c][mask]) if grouped is None else grouped.index
        within = grouped.to_numpy(dtype=bool) if grouped is not None else None
        found: dict = {}
        for j, v in enumerate(values):
            v = v.item() if hasattr(v, "item") else v
            found[v] = tuple(bool(b) for b in within[j]) if within is not None else ()
        out[c] = found
    return out


def check_source_parts(name: str, spec: dict, *, save: str | None = None,
                       blank: tuple[str, ...] = (), distinct: tuple[str, ...] = (),
                       windows: tuple = ()) -> list[CheckedTable]:
    """The check of every column of a table (:func:`check_source` without ``columns``), for the
    run's check of its inputs, in parts whose memory does not grow with the rows.

    The columns that do not tell rows apart on their own are checked as a cell table. A file's
    are checked together, in one scan, and its rows grouped in the engine by their problems
    only (``cells=True, values=False``): the cells are the combinations of problems, however
    many rows and values there are. A ``sql:`` source's are checked one column at a time, with
    sex and what the column's checks need, grouped in the database (it counts the rows of each
    value and sends the counts, so that it sends no row of a person with its values).

    The identifying columns (:func:`identifying_columns`: key, ids, with a personnummer the
    pseudonym derived from it) are checked together in the last part. A file's are grouped by
    their problems too, the missing and repeated ids found in the engine; a ``sql:`` source's
    are read as rows. ``save`` names an engine table that keeps them, row by row, for the
    references between tables (:func:`jamtools.data.check.dangling_references`; ``__row`` and
    ``v_<column>``); the caller drops it. A ``sql:`` source with personnummer is read as rows,
    all its other columns in one part: sex and age are derived from it here, not in the
    database.

    Together the parts find what :func:`check_source` finds on the whole table: the same
    problems with the same counts, first rows and examples (a problem of a column several parts
    read, such as sex, is in each of them). ``blank``: the columns whose blank cells are a row
    problem (``missing_value``, see :func:`jamtools.data.check.check_view`): content columns,
    and ids that are not the key (a planning's id in the offers, the person's id or the
    personnummer it comes from in the notes), checked in the ids' part.

    ``distinct``: columns of codes or years (never an identifying or sensitive one) whose
    values the same read gathers, with, per period of ``windows`` (``(start, end)``: ISO dates,
    either may be None, inclusive as :func:`load_table`'s ``period``), whether a row with the
    value has a date in it: the first part's :attr:`CheckedTable.seen` (a file's cells of
    problems are grouped by them too; a ``sql:`` source's values are read with its date).
    ``windows`` may also choose a unit and ages (:class:`jamtools.data.check.Window`), and the
    first part's :attr:`CheckedTable.rows_in` says whether any row is in each window. A
    ``sql:`` source reads its unit and age with the date only where it has gathered values;
    otherwise its windows are its periods (a column per grouped read: no finer counts leave
    the database).
    """
    from jamtools.data.readers import SourceError, open_source

    from jamtools.data.check import Window

    table = TABLES[name]
    distinct, windows = tuple(distinct), tuple(Window.of(w) for w in windows)
    private = set(distinct) & (identifying_columns(table) | {c.name for c in table.columns if c.sensitive})
    if private:
        raise ValueError(f"{name}: the values of {sorted(private)} are not read for the check.")
    try:
        src = open_source(spec, spec["_base"], table=name)
    except SourceError as exc:
        raise DataValidationError(str(exc)) from None
    mapping = column_mapping(spec, src.columns, table)
    model = {c.name for c in table.columns} | {"personnummer"}
    in_source = {mapping.get(c, c) for c in src.columns} & model
    pnr = "personnummer" in in_source
    sql = "sql" in spec
    available = in_source | ({"person_id"} if pnr and not sql else set())
    ids = identifying_columns(table) & available - {"personnummer"}
    order = [c.name for c in table.columns]
    content = [c for c in order if c in in_source - ids - {"personnummer"}]
    # (the key's repeats are the ids' part's: not searched with the content)
    date = table.date_column if windows and table.date_column in in_source else None
    # (a database's columns whose values are gathered are read in the date's part, for the
    # periods, with the unit and the age the windows choose by: no column is read twice. Without
    # gathered values the date is read alone, grouped, as every other column: the windows' unit
    # and ages are then not applied, and a window's rows are those of its period)
    filters = {date, *([table.unit_column] if distinct and any(w.unit is not None for w in windows) else []),
               *([table.age_column] if distinct and any(w.age is not None for w in windows) else [])} - {None}
    together = [c for c in content if windows and (c in filters or c in distinct)]
    if sql and pnr:
        parts = [_check_open_source(name, spec, src, content, duplicates=False, blank=blank)]
    elif sql:
        groups = [together if c in together[:1] else [c] for c in content
                  if c not in together[1:]]
        parts = [_check_open_source(name, spec, src, g, duplicates=False, blank=blank) for g in groups]
    else:
        stamps = tuple(w._replace(**dict(zip(("start", "end"), (
            None if b is None else b.isoformat(sep=" ") for b in period_bounds(w[:2])))))
                       for w in windows)
        parts = [check_source(name, spec, columns=content, cells=True, values=False, blank=blank,
                              distinct=distinct, windows=stamps)] if content else []
        ids.add(table.key)  # given or numbered: the account of the key is this part's
    if ids and not sql:
        parts.append(check_source(name, spec, columns=sorted(ids), cells=True, values=False, save=save,
                                  blank=blank))
    elif ids:
        parts.append(_check_open_source(name, spec, src, sorted(ids), blank=blank))
    if sql and save and parts:  # the rows with the ids (with a personnummer, every part has the pseudonym)
        _save_rows(parts[-1], save)
    if not parts:  # nothing but sex (and perhaps a personnummer)
        parts = [check_source(name, spec, columns=["kon"], cells=True, values=False)]
    for part in parts:
        part.complete = None  # together the parts are the whole check
    if sql and windows:  # the values as the database sent them (counts of each combination)
        seen: dict = {}
        rows_in: list = []
        for part in parts:
            if not set(together) <= set(part.data.columns):
                continue  # (the part of the date, the unit and the age: every window's filters)
            found_in: list = []
            for c, found in values_seen(part, [c for c in distinct if c not in seen],
                                        windows, rows_in=found_in).items():
                seen[c] = found
            rows_in = rows_in or found_in
        parts[0].seen, parts[0].rows_in = seen, tuple(rows_in)
    elif sql and distinct:
        parts[0].seen = {c: found for part in parts for c, found in values_seen(part, distinct).items()}
    elif parts and windows:
        parts[0].rows_in = next((p.rows_in for p in parts if p.rows_in), ())
    return parts


def _save_rows(checked: CheckedTable, save: str) -> None:
    """Keep a row-level check's values in the engine as ``check_view(..., save=...)`` does."""
    import pyarrow as pa

    from jamtools.data.check import as_text
    from jamtools.data.engine import ident, shared, unique_name

    con, view = shared(), unique_name("rows")
    frame = checked.data
    arrow = pa.table({"__row": pa.array(frame.index.to_numpy(), type=pa.int64()),
                      **{f"v_{c}": as_text(frame[c]) for c in frame.columns}})
    con.register(view, arrow)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(save)} AS SELECT * FROM {ident(view)}")
    finally:
        con.unregister(view)


def _ids(table_name: str, column: str, sources: dict[str, dict]):
    """The distinct ids of another table, as Arrow strings (for reference checks); None when that
    table is not supplied."""
    spec = sources.get(table_name)
    if spec is None:
        return None
    try:
        checked = check_source(table_name, spec, columns=[column])
    except DataValidationError:  # an unreadable table is reported when it is loaded itself
        return None
    if column not in checked.data.columns or checked.derived.get(column) == "radnumret":
        return None
    return distinct_text(checked.data[column])


#: Column names (in the export or after mapping) whose values are treated as sensitive even
#: when the model does not know the column: names, personal identity numbers, free text.
SENSITIVE_NAME = re.compile(r"(personnummer|samordningsnummer|personnr|pnr|namn(?!are)|name|"
                            r"fritext|anteckning|journal|adress)", re.I)
# "namn" but not "nämnare"/"namnare" (a denominator, whose values are counts, not names).


def sensitive_values(config=None) -> set[str]:
    """Every value of the input's sensitive columns, for the leak scan of a run's outputs:
    names, free text and personnummer (in every written form), four characters or longer.

    See :func:`jamtools.data.sensitive.sensitive_values`, which reads only those columns, in
    the engine.

    Parameters
    ----------
    config : RunConfig or None
        The run's configuration; None reads the synthetic demo data.

    Returns
    -------
    set of str
    """
    from jamtools.data.sensitive import sensitive_values as read_sensitive

    return read_sensitive(config)


def _filter_columns(table: Table, period, unit, age) -> set[str]:
    """The columns the optional filters of :func:`load_table` read (date, unit, age)."""
    out = set()
    if period is not None and any(period) and table.date_column:
        out.add(table.date_column)
    if unit and table.unit_column:
        out.add(table.unit_column)
    if age is not None and table.age_column and any(a is not None for a in age):
        out.add(table.age_column)
    return out


def load_table_if_present(name: str, **kwargs) -> LoadResult | None:
    """:func:`load_table`, or None when the run has no such table or it lacks one of the
    ``columns`` (for a part of a chapter that is left out, and said to be, without it)."""
    try:
        return load_table(name, **kwargs)
    except (TableNotSupplied, MissingColumns):
        return None


def load_table(
    name: str,
    *,
    data_dir: str | Path | None = None,
    config=None,
    columns: list[str] | tuple[str, ...] | None = None,
    optional: list[str] | tuple[str, ...] = (),
    blank_ok: list[str] | tuple[str, ...] = (),
    period: tuple[str | None, str | None] | None = None,
    unit: str | None = None,
    age: tuple[int | None, int | None] | None = None,
    cells: bool = False,
    presence: list[str] | tuple[str, ...] = (),
    linked: bool = False,
    keep_ids_for: Collection[str] | None = None,
    sums: list[str] | tuple[str, ...] = (),
    persons: int | None = None,
) -> LoadResult:
    """Load table ``name`` of the data model, check it, and account for every row.

    The source is found by :func:`table_sources`: the table's entry under ``tables`` in
    ``jamtools.yml`` (CSV, XLSX, Parquet or SQL, with the organisation's column names and codes
    mapped onto the model's) or ``<data_dir>/<name>.parquet|.csv|.xlsx`` — the configuration's
    ``data_dir`` when a configuration is given, else the ``data_dir`` argument. Steps:

    1. read (encoding and separator detected; decimal comma and thousands spaces accepted);
    2. check every column and derive what can be derived (:func:`jamtools.data.check.check_table`):
       a personnummer becomes a keyed pseudonym in ``person_id`` and gives sex and age where the
       export has none (or leaves them blank); the year comes from the date, the reason type
       from the reason, a missing id from the row's position, a blank amount granted on a
       refusal is 0 (``Column.zero_unless``);
    3. structural problems stop the load with a :class:`DataValidationError`: a column the
       caller needs is absent, or most of its values fail (:data:`~jamtools.data.check.FAIL_SHARE`);
    4. rows whose problems touch the columns used (``columns`` + the ``optional`` ones present +
       those the filters use) are left out, counted per reason, and so are rows with a blank
       value in one of ``columns``;
    5. unknown sex codes become ``okant`` and are left out, counted separately;
    6. references to other tables' ids, for used columns, when that table is supplied too;
    7. the optional filters (period on the table's date column, unit, age range).

    Parameters
    ----------
    name : a table of :data:`jamtools.data.model.TABLES`.
    data_dir : folder of the input files; used only without ``config``.
    config : RunConfig or path to ``jamtools.yml``; with it only the configuration's tables exist.
    columns : the columns the caller cannot do without (None: every column the table has, and
        none is required).
    optional : columns used when present.
    blank_ok : columns of ``columns`` whose blank values mean something (their rows are kept).
    period : (start, end) as ISO dates, either may be None; inclusive. With ``cells=True`` a
        date column read only for the period (not among ``columns`` or ``optional``) makes no
        cells, and is not in the result's ``data``; nor is the year (``ar``) unless asked for.
    unit : keep only this value of the table's unit column.
    age : (min, max) age in whole years, inclusive; either may be None.
    cells : return a cell table instead of rows when the columns allow it (none of them tells
        rows apart, :func:`identifying_columns`): the engine checks the rows and counts them per
        combination of the columns' values and problems, and only those combinations reach
        pandas; the result's ``weight`` names the column with each combination's number of
        rows. The account, the problems and the rows left out are the same as for rows.
    presence : columns the caller uses only to see whether a row has a value (an end date):
        they are checked as usual and hold True where a value is given, ``<NA>`` where not, so
        that a cell table has no cell per value. Not the table's date column (the period
        filter needs its dates).
    linked : with ``cells=True``, the identifying columns among ``columns`` (ids, the pseudonym
        of a personnummer) stay in the engine instead of making the table rows: ``data`` is a
        cell table and the result's ``rows`` holds each row's ids, to follow rows between
        tables with :mod:`jamtools.data.links`. ``data`` has a boolean column
        ``__given_<id>`` (:data:`jamtools.data.check.GIVEN`) per id, whether the cell's rows
        have it; missing ids, repeated keys and references to rows another table lacks are
        left out and counted as for rows.
    keep_ids_for : with ``linked=True``, the tables the caller will still load, whose references
        are then checked: of this table's ids, and of the ids of other tables read to check this
        table's references, only those one of them refers to stay in the engine for their
        checks (:func:`_remember_ids`, :func:`_engine_ids`). None (default): every id some
        table refers to. An empty tuple keeps none, so that each goes with its result (a chapter
        that reads several large tables, one at a time, holds one table's rows at a time); a
        later load that refers to them reads them again.
    sums : with ``cells=True``, amount columns the caller uses only through means and second
        moments (differences of means, linear models): they make no cells, and each cell holds
        its rows' mean amount in the column and the sum of squares about it in the column
        :meth:`LoadResult.spread` names (:func:`jamtools.stats.amount_moments` with
        ``spread=``). A cell table then grows with the other columns' values, not with the
        amounts'. Ignored when the result is rows, or keeps ids in the engine: then the
        column holds the rows' amounts and ``spread`` is None.
    persons : for a table where a person can have several rows (``person_id`` in the model, not
        its key): count persons as well as rows, for a disclosure threshold up to ``persons``
        (the run's threshold). The result's :attr:`LoadResult.persons` names the column: rows
        keep ``person_id`` (read for it, though no row is left out for a problem in it); a cell
        table has :data:`PERSON` instead, numbering up to ``persons`` persons per cell (1, 2, …,
        the same person the same number in every cell; rows of no known person
        :data:`~jamtools.data.pseudonym.UNKNOWN_PERSON`, no person of their own; an id
        written two ways one, :func:`jamtools.data.pseudonym.person_key_sql`), the rows of a
        cell's further persons under the person 0, and ``weight`` counting each one's rows.
        The distinct persons of any union of cells are then exact up to ``persons``, at least
        ``persons`` where there are more: enough to decide "fewer than the threshold" for any
        threshold up to ``persons``, which ``data.attrs`` records (:data:`PERSONS_UP_TO`).
        The ids stay in the engine (the load keeps them there as ``linked`` does) and only
        these numbers reach pandas. With ``linked`` the persons' ids stay in the engine with the
        other ids, and the persons are numbered when the chapter has followed them
        (:func:`count_persons`, :attr:`LoadResult.persons_up_to`): a cell split by a link is
        then numbered as it is.

    Returns
    -------
    LoadResult

    Raises
    ------
    TableNotSupplied
        When the run has no source for the table.
    DataValidationError
        When the input cannot be used as it is; the message (Swedish, with the English key
        term) says where and what to do.
    """
    if name not in TABLES:
        raise DataValidationError(f"Okänd tabell {name!r}. Tabellerna i datamodellen: {', '.join(TABLES)}.")
    table = TABLES[name]
    cfg = _config(config)
    sources = table_sources(cfg, data_dir=data_dir)
    if name not in sources:
        if cfg is not None:
            where = (f"under 'tables' i {cfg.source}" + (f" eller som {name}.csv, .parquet eller .xlsx i "
                     f"{cfg.data_dir}" if cfg.data_dir is not None else ""))
            raise TableNotSupplied(f"Tabellen {name} finns inte i körningens data: den nämns inte "
                                   f"{where}. Lägg till den, eller kör bara de kapitel som data räcker till.")
        raise TableNotSupplied(
            f"Hittar ingen fil för tabellen {name} i {data_dir} (letade efter {name}.csv, "
            f"{name}.parquet och {name}.xlsx). Ange rätt datakatalog (parametern data_dir) "
            "eller filen under 'tables' i jamtools.yml, eller skapa syntetiska data med: "
            "python -m jamtools synth --out data/synthetic")
    filters = _filter_columns(table, period, unit, age)
    if set(presence) & (filters | {table.date_column}):
        raise ValueError(f"presence= cannot take {sorted(set(presence) & (filters | {table.date_column}))}: "
                         "a filter or the period needs their values.")
    wanted = None if columns is None else {*columns, *optional, "kon", *filters}
    if linked and not cells:
        raise ValueError("linked=True keeps the ids of a cell table in the engine: it needs cells=True.")
    read_by_filters = set(sums) & (filters | {table.date_column, table.unit_column, table.age_column})
    if read_by_filters:
        raise ValueError(f"sums= cannot take {sorted(read_by_filters)}: a filter needs their values.")
    if isinstance(keep_ids_for, str):  # one table's name, not its letters
        keep_ids_for = (keep_ids_for,)
    # persons counted where a person can have several rows (rows are persons where the person
    # is the key); the ids are read for it but leave no row out (not among the columns used)
    by_person = (persons is not None and table.key != PERSON_ID
                 and any(c.name == PERSON_ID for c in table.columns))
    if persons is not None and int(persons) < 1:
        raise ValueError(f"persons= is a number of persons per cell (the threshold), not {persons!r}.")
    if by_person and wanted is not None:
        wanted = {*wanted, PERSON_ID}
    # a date read only for the period: a cell table holds whether each date is in it, not the date
    for_period = (cells and columns is not None and table.date_column in filters
                  and table.date_column not in {*columns, *optional})
    # the bounds on the engine's grid of microseconds (a date on it is before a bound exactly when
    # it is before the bound rounded up), the same in the engine and in the filter below
    start, end = period if period is not None else (None, None)
    bounds = period_bounds(period)
    stamps = tuple(None if b is None else b.isoformat(sep=" ") for b in bounds) if for_period else None
    checked = check_source(name, sources[name], columns=wanted, cells=cells, presence=tuple(presence),
                           linked=linked or (by_person and cells), sums=tuple(sums), period=stamps)
    engine_rows = None
    if checked.rows is not None:  # dropped with the object, also when the load stops below
        from jamtools.data.links import EngineRows

        # its rows fall in the check's cells, each cell with a row (_keep_ids)
        engine_rows = EngineRows(checked.rows, tuple(checked.row_columns),
                                 cells=checked.data.index.to_numpy(copy=True), source=checked.source_key)
    data = checked.data
    needed = list(columns) if columns is not None else []
    missing = [c for c in dict.fromkeys(needed + ["kon"]) if c not in checked.present]
    if missing:
        full = checked.full()
        every = full.data.columns
        # a column the export has without a value in any row is named as such (not a key the
        # load numbered from the row position because the export lacks it, nor a derived one)
        empty = {p.column for p in full.problems if p.kind == "empty_key"} | {
            c for c in every if c not in full.derived}
        named = [f"{c} (inget värde på någon rad)" if c in empty else c for c in missing]
        raise MissingColumns(
            f"Filen {checked.source} saknar kolumner som behövs (missing required columns): "
            f"{', '.join(named)}. Kolumnerna efter mappningen är: {', '.join(map(str, every))}. "
            "Byt namn på kolumnerna eller ange en kolumnmappning under 'columns' i jamtools.yml"
            + (", eller fyll i värdena i exporten." if empty & set(missing) else "."), columns=missing)
    used = set(data.columns) if columns is None else (
        set(needed) | {c for c in optional if c in data.columns or c in checked.row_columns} | {"kon"})
    used |= filters
    bad = checked.failed_columns()
    failed_of = {c: bad & checked.sources_of(c) for c in used}
    # An optional column that is an error of the check (most values unreadable) is left out as
    # one the table lacks, as the check's readiness says ("kan köras utan ..."); one the caller
    # needs (or a filter uses) stops the load.
    unusable = {} if columns is None else {
        c: next((p.export_column or p.column for p in checked.errors if p.column in f), c)
        for c, f in failed_of.items() if f and c not in {*needed, "kon", *filters}}
    failed = sorted({s for c, f in failed_of.items() if c not in unusable for s in f})
    if failed:
        errors = [p.message() for p in checked.errors if p.column in failed]
        stopped = [c for c, f in failed_of.items() if f and c not in unusable]
        raise UnusableColumns(" ".join(errors), columns=stopped, source=checked.source,
                              names=[p.export_column or p.column for p in checked.errors if p.column in failed])
    if unusable:
        used -= set(unusable)
        data = data.drop(columns=[c for c in unusable if c in data.columns])

    engine_refs = {}
    if engine_rows is not None:
        _remember_ids(name, sources[name], checked, engine_rows, keep_ids_for)
        data, engine_rows, engine_refs = _engine_references(
            table, checked, data, engine_rows, used if columns is not None else set(), sources,
            keep_ids_for)
    # The key is unique in the kept cells when its repeats were searched and the rows with them
    # are left out below (the key is among the columns whose problems leave rows out).
    unique = (table.key,) if (engine_rows is not None and checked.key_unique
                              and table.key in engine_rows.columns
                              and any(table.key in checked.sources_of(c) for c in used)) else ()
    result = _Pending(LoadResult(table=table, data=data, source=checked.source, checked=checked,
                                 weight=checked.weight, rows=engine_rows, unique=unique,
                                 unusable=unusable))
    result._record(f"Inlästa rader ({checked.source})", data, "inlästa")
    for reason, mask in checked.bad_rows(used, duplicates_of=table.key):
        result = result.exclude(mask, reason)
    for col in needed:  # a blank value where the chapter cannot do without one
        if col != "kon" and col not in blank_ok:
            blank = (~result.data[GIVEN + col] if col in checked.row_columns else result.data[col].isna())
            result = result.exclude(blank, f"Saknar värde ({col})")
    # unknown sex, in the words of the check and of hl_01: a blank sex (kön saknas) or a code
    # that is none of the sexes (annan kod)
    unknown = result.data["kon"] == UNKNOWN_SEX
    missing = checked.masks.get(("kon", "missing_sex"))
    missing = (missing.reindex(unknown.index, fill_value=False).astype(bool) if missing is not None
               else pd.Series(False, index=unknown.index))
    result = result.exclude(unknown & missing, UNKNOWN_SEX_STEPS[0])
    result = result.exclude(unknown & ~missing, UNKNOWN_SEX_STEPS[1])
    for col in table.columns:
        if col.name in engine_refs:
            ref_table, reason = engine_refs[col.name]
            if reason is None:
                result.notes.append(f"Kolumnen {col.name} hänvisar till tabellen {ref_table}, som "
                                    "inte finns med i data; hänvisningarna har inte kontrollerats.")
            else:
                result = result.exclude(result.data[DANGLING + col.name] == 1, reason)
        if col.references and col.name in used and columns is not None and col.name in result.data:
            ref_table, ref_col = col.references.split(".")
            known = _ids(ref_table, ref_col, sources)
            if known is None:
                result.notes.append(f"Kolumnen {col.name} hänvisar till tabellen {ref_table}, som "
                                    "inte finns med i data; hänvisningarna har inte kontrollerats.")
                continue
            dangling = not_in(result.data[col.name], known)
            result = result.exclude(dangling, f"Hänvisar till {ref_table} som saknas")
    if period is not None and any(period):
        # (a column without any value is as none: each row would be left out for it)
        if table.date_column and table.date_column in result.data.columns and result.has(table.date_column):
            dates = result.data[table.date_column]
            outside = pd.Series(False, index=dates.index)
            if start:
                outside |= dates < bounds[0]
            if end:
                outside |= dates > bounds[1]
            result = result.exclude(dates.isna(), f"Saknar datum ({table.date_column}), behövs för perioden")
            result = result.exclude(outside, "Utanför den valda perioden")
        elif table.date_column:
            result.notes.append(f"Perioden kunde inte väljas: tabellen saknar datumkolumnen "
                                f"{table.date_column}, så alla rader ingår.")
            result.unapplied.append("period")
    if unit and not table.unit_column:
        result.notes.append(f"Enheten {unit} kan inte väljas: tabellen har ingen uppgift om enhet, "
                            "så alla rader ingår.")
        result.unapplied.append("unit")
    if unit and table.unit_column:
        if table.unit_column in result.data.columns and result.has(table.unit_column):
            units = result.data[table.unit_column]
            unit = _chosen_unit(unit, units, name)
            # (a missing unit compares as missing, which is no exclusion: said first)
            result = result.exclude(units.isna(), "Saknar enhet, behövs för valet av enhet")
            result = result.exclude(units != unit, f"Annan enhet än {unit}")
        else:
            raise DataValidationError(f"Enheten {unit!r} kan inte väljas: tabellen {name} saknar "
                                      f"kolumnen {table.unit_column}.")
    if age is not None and table.age_column and any(a is not None for a in age):
        if table.age_column in result.data.columns and result.has(table.age_column):
            lo, hi = age
            ages = result.data[table.age_column]
            out = pd.Series(False, index=ages.index)
            if lo is not None:
                out |= ages < lo
            if hi is not None:
                out |= ages > hi
            result = result.exclude(ages.isna(), "Saknar ålder, behövs för åldersurvalet")
            result = result.exclude(out, "Utanför det valda åldersintervallet")
        else:
            result.notes.append("Åldersintervallet kunde inte väljas: tabellen saknar ålder, så "
                                "alla åldrar ingår.")
            result.unapplied.append("age")
    out = result.finish()
    if for_period and checked.weight is not None and table.date_column in out.data.columns:
        # a cell table's stand-ins are no dates (a load that became rows kept its dates)
        out.data = out.data.drop(columns=[table.date_column])
    if any(c.startswith(DANGLING) for c in out.data.columns):
        out.data = out.data.drop(columns=[c for c in out.data.columns if c.startswith(DANGLING)])
    if by_person and linked and out.rows is not None:
        # numbered once the ids are followed (the links split the cells): count_persons
        return dataclasses.replace(out, persons_up_to=int(persons))
    if by_person:
        out = _with_persons(out, int(persons))
    return out


def persons_column(frame: pd.DataFrame) -> str | None:
    """The column of ``frame`` (a load's data with its persons counted, :func:`load_table`'s or
    :func:`count_persons`' ``persons``, or a selection of it) that identifies the persons:
    :data:`PERSON` on a cell table, ``person_id`` on rows; None when there is none (the export
    has no person ids, or none were asked for: rows are then counted)."""
    return next((c for c in (PERSON, PERSON_ID) if c in frame.columns), None)


def count_persons(loaded: LoadResult) -> LoadResult:
    """A load with ``linked=True`` and ``persons`` (:func:`load_table`) with its persons counted,
    once the chapter has followed its ids: a cell table gets :data:`PERSON` (numbered up to
    :attr:`LoadResult.persons_up_to` per cell, as :func:`load_table` numbers a cell table's
    persons) and lets its rows in the engine go, so nothing is followed further. A split by a
    link (:mod:`jamtools.data.links`) must keep the rows (``follow=True``). Unchanged when the
    persons are counted already, none were asked for, or the table has no person ids.

    Parameters
    ----------
    loaded : LoadResult

    Returns
    -------
    LoadResult
        With :attr:`LoadResult.persons` the column of the persons (None when the export has
        no person ids: then rows are counted).
    """
    cap = loaded.persons_up_to
    if cap is None or loaded.persons is not None:
        return loaded
    if loaded.rows is None:
        raise ValueError("count_persons numbers the persons of a linked cell table by its rows in "
                         "the engine: a split that let them go (follow=False) has none.")
    return dataclasses.replace(_with_persons(loaded, cap), persons_up_to=None)


#: The person column a cell table counts persons by (``load_table(..., persons=...)``).
PERSON_ID = "person_id"


def _with_persons(out: LoadResult, cap: int) -> LoadResult:
    """``out`` with :attr:`LoadResult.persons` (see :func:`load_table`'s ``persons``): rows keep
    ``person_id``; a cell table whose ids the load kept in the engine gets its cells per
    numbered person (:data:`PERSON`, up to ``cap`` per cell), and no longer keeps the ids.
    Unchanged (``persons`` None) when the table has no person ids."""
    rows = out.rows
    if rows is None:  # rows (or a cell table of a source without person ids)
        if out.weight is None and PERSON_ID in out.data.columns and out.has(PERSON_ID):
            return dataclasses.replace(out, persons=PERSON_ID)
        return out
    data = out.data.drop(columns=[c for c in out.data.columns if c.startswith(GIVEN)])
    if PERSON_ID not in rows.columns or not out.has(PERSON_ID):
        return dataclasses.replace(out, data=data, rows=None, unique=())
    numbered = _numbered_persons(out, cap)
    # each cell once per numbered person, with that person's rows (the same values in all)
    expanded = data.loc[numbered["__cell"].to_numpy()].reset_index(drop=True)
    expanded[out.weight] = numbered[out.weight].to_numpy()
    expanded[PERSON] = numbered[PERSON].to_numpy()
    expanded.attrs = dict(data.attrs)
    expanded.attrs[PERSONS_UP_TO] = {PERSON: int(cap)}
    return dataclasses.replace(out, data=expanded, rows=None, unique=(), persons=PERSON)


def _numbered_persons(out: LoadResult, cap: int) -> pd.DataFrame:
    """Per cell of ``out.data`` (its index, the engine rows' ``__cell``): its persons numbered
    up to ``cap`` (:func:`jamtools.data.pseudonym.numbered_persons_sql`), and each one's number
    of rows. Columns ``__cell``, :data:`PERSON` and the result's ``weight``."""
    from jamtools.data.engine import ident
    from jamtools.data.links import _Cells
    from jamtools.data.pseudonym import numbered_persons_sql, person_hash_sql, person_key_sql

    rows = out.rows
    v = "r." + ident("v_" + PERSON_ID)
    # pseudonyms the load made from a personnummer are one form each: no key to make (the
    # regular expressions of an export's own ids cost 0.4 s per million rows)
    pseudonyms = out.checked is not None and out.checked.derived.get(PERSON_ID) == "personnummer"
    key = v if pseudonyms else person_key_sql(v)
    with _Cells(out) as kept:
        # (the key a column of its own: the hash's NULL test and the hash then read it once)
        per_row = (f"SELECT __cell, {person_hash_sql('k')} AS p FROM (SELECT r.__cell, {key} AS k "
                   f"FROM {ident(rows.name)} r JOIN {ident(kept)} c ON r.__cell = c.__cell)")
        got = rows.con.sql(numbered_persons_sql(per_row, cells=["__cell"], person="p", cap=cap)).df()
    return pd.DataFrame({"__cell": got["__cell"].to_numpy(dtype="int64"),
                         PERSON: got[PERSON].to_numpy(dtype="int64"),
                         out.weight: got["n"].to_numpy(dtype="int64")})


#: With ``linked=True``: the prefix of the 0/1 column marking rows whose id refers to a row
#: another table lacks (left out by the load, then dropped).
DANGLING = "__dangling_"


def _engine_references(table: Table, checked: CheckedTable, data: pd.DataFrame, rows, used: set,
                       sources: dict, referring: Collection[str] | None = None):
    """For a load with ``linked=True``: split the cells by whether each row's id refers to a row
    the referenced table lacks (a column :data:`DANGLING` + id, 1 for those), in the engine. The
    check's masks follow the cells. Returns (data, rows, {column: (table, reason or None)}),
    reason None when the referenced table is not in the run (nothing is checked)."""
    from jamtools.data.links import flag_in, missing_count

    refs: dict[str, tuple[str, str | None]] = {}
    probe = LoadResult(table=table, data=data.assign(__cell_before=data.index), source=checked.source,
                       weight=checked.weight, rows=rows)
    for col in table.columns:
        if not (col.references and col.name in used and col.name in checked.row_columns):
            continue
        ref_table, ref_col = col.references.split(".")
        # kept for another load only when one of ``referring`` refers to the same ids
        keep = referring is None or (ref_table, ref_col) in _referred(
            [t for t in referring if t != table.name])
        known = _engine_ids(ref_table, ref_col, sources, keep=keep)
        if known is None:
            refs[col.name] = (ref_table, None)
            continue
        refs[col.name] = (ref_table, f"Hänvisar till {ref_table} som saknas")
        if not missing_count(probe, col.name, known, ref_col):  # nothing to split (the usual case)
            probe.data[DANGLING + col.name] = 0
            continue
        probe = flag_in(probe, col.name, known, ref_col, name=DANGLING + col.name)
        given = probe.data[GIVEN + col.name].to_numpy(dtype=bool)
        probe.data[DANGLING + col.name] = (given & (probe.data[DANGLING + col.name] == 0).to_numpy()).astype("int64")
    before = probe.data.pop("__cell_before")
    if probe.rows is rows:  # not split: the same cells
        return probe.data, rows, refs
    # the check's cells and masks follow the split (a caller may read them together)
    checked.masks = {k: pd.Series(m.reindex(before).to_numpy(), index=probe.data.index)
                     for k, m in checked.masks.items()}
    checked.data = probe.data.drop(columns=[c for c in probe.data.columns if c.startswith(DANGLING)])
    return probe.data, probe.rows, refs


def _ids_key(table_name: str, column: str, spec: dict):
    """The key of a file's ids in :data:`_KNOWN_IDS`: the table, the column, the file's version
    (:func:`jamtools.data.facts.source_key`: entry, path and state), the key the pseudonyms of
    a personnummer are made with, and the thread's engine connection; None for a source that
    is not a file."""
    import hashlib

    from jamtools.data.engine import shared
    from jamtools.data.pseudonym import _key

    version = run_facts.source_key(table_name, spec)
    if version is None:
        return None
    return (table_name, column, version, hashlib.sha256(_key()).hexdigest(), id(shared()))


def _referred(referring: Collection[str] | None) -> set[tuple[str, str]]:
    """The (table, column) pairs whose ids a table of ``referring`` refers to (None: any table
    of the data model)."""
    return {tuple(c.references.split(".")) for t in TABLES.values() for c in t.columns
            if c.references and (referring is None or t.name in referring)}


def _remember_ids(table_name: str, spec: dict, checked: CheckedTable, rows,
                  referring: Collection[str] | None = None) -> None:
    """A linked load's rows hold every row's ids as read: the ids other tables' references are
    checked against (:func:`_engine_ids`). Only ids another table refers to are remembered
    (with ``referring``, only ids one of those tables refers to); the rows' table then stays in
    the engine while :data:`_KNOWN_IDS` holds it (its last 16)."""
    from jamtools.data.links import IdSet

    referred = _referred(referring)
    for column in checked.row_columns:
        if (table_name, column) not in referred:
            continue
        key = _ids_key(table_name, column, spec)
        if key is not None and checked.derived.get(column) != "radnumret":
            _KNOWN_IDS[key] = IdSet(rows.name, column, owner=rows)


def _engine_ids(table_name: str, column: str, sources: dict[str, dict], *, keep: bool = True):
    """The ids of another table, in the engine (:class:`jamtools.data.links.IdSet`), for the
    references of a load with ``linked=True``: every row's id as read, as :func:`_ids` gives
    them for rows. None when that table is not supplied or its ids are numbered from the row
    position. A file's are kept for the process while it is unchanged, and a linked load of
    that table gives them too (:func:`_remember_ids`): a chapter that follows several tables to
    the same one reads its ids once. Without ``keep`` (no other table will refer to them) ids
    read here are not kept: they go with the load that checked its references against them."""
    from jamtools.data.links import IdSet

    spec = sources.get(table_name)
    if spec is None:
        return None
    key = _ids_key(table_name, column, spec)
    if key is not None and key in _KNOWN_IDS:
        return _KNOWN_IDS[key]
    try:
        checked = check_source(table_name, spec, columns=[column], cells=True, linked=True, duplicates=False)
    except DataValidationError:  # an unreadable table is reported when it is loaded itself
        return None
    known = None
    if checked.rows is not None:
        known = IdSet(checked.rows, column, source=checked.source_key)  # dropped with it
        if column not in checked.row_columns or checked.derived.get(column) == "radnumret":
            known = None
    if key is not None and keep:
        _KNOWN_IDS[key] = known
    return known


class _Recent(dict):
    """A dict that keeps only its last :attr:`size` entries (the engine tables they hold)."""

    size = 16

    def __setitem__(self, key, value):
        self.pop(key, None)
        super().__setitem__(key, value)
        while len(self) > self.size:
            del self[next(iter(self))]


#: :func:`_engine_ids` of this process, by table, column, source and file state.
_KNOWN_IDS: dict = _Recent()


def release_engine() -> None:
    """Forget what this process keeps in the engine between loads (the ids kept for checks of
    references, the counts of missing references, which connections have the check's Python
    functions: all keyed by the connection) and close its engine connections
    (:func:`jamtools.data.engine.release`): the next load starts afresh on a new one."""
    from jamtools.data import check, links
    from jamtools.data.engine import release

    _KNOWN_IDS.clear()
    links._MISSING.clear()
    check._FALLBACKS_ON.clear()
    release()


class _Pending:
    """:func:`load_table`'s exclusions, made once: each step is recorded (rows and sex) as
    :meth:`LoadResult.exclude` records it, but the rows are taken out in one go at the end
    (a register-sized table is not copied once per step). ``data`` is the whole table; a mask
    on it counts only the rows no earlier step left out."""

    def __init__(self, result: LoadResult):
        import numpy as np

        self._result, self.data, self.notes = result, result.data, result.notes
        self.unapplied: list[str] = []  # the filters the table could not apply
        self._keep = np.ones(len(result.data), dtype=bool)

    def _record(self, step: str, frame: pd.DataFrame, kind: str) -> None:
        self._result._record(step, frame, kind)

    def exclude(self, mask, reason: str) -> "_Pending":
        mask = pd.Series(mask, index=self.data.index).reindex(self.data.index).fillna(False).astype(bool)
        hit = mask.to_numpy(dtype=bool) & self._keep
        cols = ["kon", self._result.weight] if self._result.weight else ["kon"]
        self._result._record(reason, self.data[cols][hit] if hit.any() else self.data[cols].iloc[:0],
                             "exkluderade")
        self._keep &= ~hit
        return self

    def has(self, column: str) -> bool:
        """:meth:`LoadResult.has` of the table as loaded (before these exclusions)."""
        return self._result.has(column)

    def finish(self) -> LoadResult:
        data = self.data[self._keep] if not self._keep.all() else self.data.copy(deep=False)
        return dataclasses.replace(self._result, data=data, log=list(self._result.log),
                                   notes=list(self._result.notes),
                                   unapplied=tuple(dict.fromkeys([*self._result.unapplied, *self.unapplied])))
