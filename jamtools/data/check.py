"""Check one table of an export against the data model: every problem of every row, in one pass.

:func:`check_table` takes a table as read (text columns, already renamed to the model's names
by the configuration's mapping) and returns a :class:`CheckedTable`: the typed data, the
columns derived from others (year from a date, reason type from the reason, sex and age from a
personnummer, a row-position id), and a list of :class:`Problem` — one per table, column and
kind of problem, with its count, the first row numbers as a spreadsheet shows them (header =
row 1) and a harmless example value. Nothing stops at the first bad row: a bad value becomes
missing in the typed data and its row is marked (``CheckedTable.masks``), so that a chapter
leaves out exactly the rows whose problems touch the columns it uses
(:meth:`CheckedTable.bad_rows`).

Every rule runs in the query engine (DuckDB, :mod:`jamtools.data.engine`): one SQL query gives
each column's typed value and a flag per kind of problem, and counts, first rows and examples
come from the flags (:func:`check_view`). :func:`check_table` checks a frame already read;
:func:`jamtools.data.load.check_source` scans the source itself, reading only the columns asked
for.

A column where more than :data:`FAIL_SHARE` of the filled-in values (and more than
:data:`FAIL_MIN` values) fail is an error rather than a row problem: such a column is almost always mapped to the wrong export column or coded
differently, and leaving out a fifth of the rows would change the answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from jamtools.data.model import BOF_REASONS, CHILD_SEXES, UNKNOWN_SEX, Table

#: Share of a column's filled-in values that may fail before the column is an error (wrong
#: mapping or coding) rather than a few bad rows to leave out. Documented in the chapter
#: *Kör handboken på egna data*.
FAIL_SHARE = 0.20
#: ... and more than this many values: in a tiny table one bad row is not a wrong mapping.
FAIL_MIN = 5
#: The column of a cell table (:func:`check_view` with ``cells=True``) that holds how many rows
#: of the source each of its rows stands for.
CELL_COUNT = "antal_rader"
#: In a cell table whose ids stay in the engine (``check_view(..., ids=...)``), the prefix of
#: the boolean column that says whether the cell's rows have the id (``__given_person_id``).
GIVEN = "__given_"
#: With ``check_view(..., sums=...)``: the prefix of a cell's sum of squares of an amount about
#: the cell's mean (the amount's column holds the mean).
SPREAD = "__ss_"


class Window(NamedTuple):
    """The rows a chapter's load keeps of a table (its row filters), for the values the run's
    check gathers (:func:`check_view`'s ``windows``): a row is in the window when its date is in
    the period ``start`` – ``end`` (inclusive, either may be None: as
    :func:`jamtools.data.load_table`'s ``period``; a row without a readable date is in no
    period), its unit is ``unit`` (compared as :func:`code_key` writes it, as the load finds
    the unit a parameter names; where the table writes it in two ways, the load keeps the one
    written as the parameter is, the window both; None: any) and its
    age is within ``age`` (``(lowest, highest)``, either may be None; a row without an age is
    outside an age range). ``dated``: a row must have a readable date (a window without a
    period: whether a value has a dated row at all). A filter the table cannot apply (no date,
    unit or age column read) keeps every row, as the load does. A plain ``(start, end)`` is a
    window of a period alone."""

    start: object = None
    end: object = None
    unit: str | None = None
    age: tuple | None = None
    dated: bool = False

    @classmethod
    def of(cls, window) -> "Window":
        """``window`` (a :class:`Window`, or ``(start, end)`` and the other fields in order)."""
        return window if isinstance(window, cls) else cls(*window)

    @property
    def ages(self) -> tuple:
        """``(lowest, highest)``, None where open."""
        return tuple(self.age) if self.age is not None else (None, None)


#: Input codes for sex that are mapped onto the model's canonical values (adults).
#: The plurals are Statistics Sweden's (Statistikdatabasen writes "kvinnor", "män").
SEX_CODES_ADULT = {
    "k": "kvinna", "kvinna": "kvinna", "f": "kvinna", "female": "kvinna", "2": "kvinna",
    "kvinnor": "kvinna",
    "m": "man", "man": "man", "male": "man", "1": "man", "män": "man",
}
#: The same for children.
SEX_CODES_CHILD = {
    "f": "flicka", "flicka": "flicka", "k": "flicka", "kvinna": "flicka", "2": "flicka",
    "flickor": "flicka", "kvinnor": "flicka",
    "p": "pojke", "pojke": "pojke", "m": "pojke", "man": "pojke", "1": "pojke", "pojkar": "pojke",
    "män": "pojke",
}
_BOOL = {"1": True, "0": False, "ja": True, "nej": False, "true": True, "false": False,
         "1.0": True, "0.0": False, "j": True, "n": False, "sant": True, "falskt": False}

Severity = Literal["rader", "fel", "info"]

#: Every kind of problem: (Swedish description with the English key term, what to do).
KINDS: dict[str, tuple[str, str]] = {
    "missing_id": ("saknat id, missing id", "Varje rad ska ha ett id; rätta exporten."),
    "duplicate_id": ("dubbletter av id, duplicate id",
                     "Varje rad ska ha ett unikt id; ta bort dubbletterna i exporten. Alla rader "
                     "med samma id lämnas utanför i varje kapitel som läser tabellen, eftersom det inte "
                     "går att veta vilken som gäller."),
    "not_a_number": ("ska vara ett tal, wrong type",
                     "Rätta värdena eller koppla kolumnen till rätt fält i jamtools.yml."),
    "not_an_integer": ("ska vara ett heltal, not an integer", "Rätta värdena."),
    "impossible": ("omöjligt värde, impossible value",
                   "Kontrollera exporten; omöjliga värden tas inte med gissningsvis."),
    "not_yes_no": ("ska vara 1/0 eller ja/nej, not a yes/no value",
                   "Rätta värdena eller lägg till en omkodning under 'values' i jamtools.yml."),
    "bad_date": ("datum som inte kan läsas, unparseable date",
                 "Använd formatet ÅÅÅÅ-MM-DD (eller ÅÅÅÅMMDD)."),
    "unknown_code": ("okänd kod, unknown code", "Lägg till en omkodning under 'values' i jamtools.yml."),
    "missing_sex": ("kön saknas, missing sex",
                    "Raderna räknas som okänt kön (kön saknas) och redovisas separat; fyll i kön i "
                    "exporten, eller ta med personnumret: det ger kön där kolumnen är tom."),
    "unknown_sex": ("okänd könskod, unknown sex code",
                    "Raderna räknas som okänt kön och redovisas separat; lägg till en omkodning "
                    "under 'values: kon:' i jamtools.yml om koden betyder ett av könen."),
    "bad_personnummer": ("ogiltigt personnummer, invalid personal identity number",
                         "Kontrollera formatet ÅÅÅÅMMDD-NNNN, datumet och kontrollsiffran. (Värdena "
                         "visas inte här av sekretesskäl.)"),
    "sex_mismatch": ("kön stämmer inte med personnumret, sex and personal identity number disagree",
                     "Kontrollera kolumnen för kön och personnumret i exporten; raderna ingår inte "
                     "i jämförelser mellan könen."),
    "dangling_reference": ("referens till id som inte finns, dangling reference",
                           "Kontrollera att båda tabellerna kommer från samma uttag."),
    "mostly_invalid": ("de flesta värdena kan inte tolkas, most values invalid",
                       "Kolumnen är troligen kopplad till fel fält eller kodad på annat sätt: "
                       "kontrollera 'columns' och 'values' i jamtools.yml."),
    "derived": ("härledd kolumn, derived column", ""),
    "row_ids": ("id från radnumret, row-position id",
                "Exporten har ingen id-kolumn: raden numreras, och dubbletter kan då inte upptäckas."),
    "empty_key": ("id-kolumnen är tom på varje rad, id column empty",
                  "Raderna numreras i stället, som när exporten saknar kolumnen, och dubbletter kan då "
                  "inte upptäckas. Fyll i id:t i exporten om andra tabeller hänvisar till det."),
    "unusually_large": ("ovanligt stort värde, unusually large value",
                        "Kontrollera att värdena är rätt (till exempel inte i ören eller med en nolla "
                        "för mycket). Raderna räknas med som de står."),
    "unlisted_code": ("värde som modellen inte listar, unlisted value",
                      "Raderna räknas med under sitt eget namn. Är värdet en annan stavning av ett "
                      "listat värde, skriv en omkodning under 'values' i jamtools.yml."),
    "open_age": ("öppen åldersgrupp, open-ended age group",
                 "Värdet betyder den åldern eller äldre (SCB skriver '100+ år' för 100 år eller "
                 "äldre). Raderna räknas med och läses som gruppens lägsta ålder; det spelar roll "
                 "bara för en åldersgrupp som börjar över den åldern."),
    "missing_value": ("värde saknas, missing value",
                      "Raderna lämnas utanför i de kapitel som inte kan vara utan värdet (de som "
                      "behöver kolumnen); fyll i värdet i exporten."),
    "blank_lines": ("tomma rader, blank lines",
                    "De räknas inte som rader; övriga rader behåller sina radnummer i filen. "
                    "Inget behöver göras om raderna verkligen är tomma."),
    "reference_not_checked": ("referensen kontrolleras inte, reference not checked", ""),
    "period_not_applied": ("perioden kan inte väljas, no date column", ""),
}

#: The detail of a missing id where the key is the personnummer's pseudonym (the cell to fill).
PNR_MISSING = "personnumret saknas"

#: Reasons for leaving rows out, as a chapter's data table shows them, by kind.
EXCLUSION_LABELS = {
    "missing_id": "Saknat id",
    "duplicate_id": "Dubbletter av id",
    "not_a_number": "Inte ett tal",
    "not_an_integer": "Inte ett heltal",
    "impossible": "Omöjligt värde",
    "not_yes_no": "Inte ja/nej",
    "bad_date": "Datum som inte kan läsas",
    "unknown_code": "Okänd kod",
    "bad_personnummer": "Ogiltigt personnummer",
    "sex_mismatch": "Kön stämmer inte med personnumret",
    "dangling_reference": "Hänvisar till id som saknas",
}


@dataclass(frozen=True)
class Problem:
    """One kind of problem in one column of one table.

    ``rows`` are the first row numbers as a spreadsheet shows them (header = row 1; for SQL
    and Parquet, the row's position + 1 after a header). ``example`` is a harmless example
    value: never a personnummer or a sensitive column's value. ``column`` is the model's name;
    ``export_column`` the export's own name when the configuration maps one, and
    ``derived_from`` the column a derived value comes from.
    """

    table: str
    source: str
    column: str
    kind: str
    severity: Severity
    count: int = 0
    rows: tuple[int, ...] = ()
    example: str | None = None
    detail: str = ""
    export_column: str | None = None
    derived_from: str | None = None
    #: The export's own name of ``derived_from`` (the column the analyst fills in), when the
    #: configuration maps one.
    derived_export: str | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def todo(self) -> str:
        return KINDS[self.kind][1]

    def where(self) -> str:
        """``kolumn 'Ålder' (alder i datamodellen)`` / ``kolumn 'alder' (härledd från 'Personnr')``:
        the export's own names, the source of a derived column too."""
        name = f"kolumn '{self.export_column or self.column}'"
        if self.export_column and self.export_column != self.column:
            name += f" ({self.column} i datamodellen)"
        if self.derived_from:
            name += f" (härledd från '{self.derived_export or self.derived_from}')"
        return name

    def rows_text(self) -> str:
        if not self.rows:
            return ""
        more = f" (och {self.count - len(self.rows)} till)" if self.count > len(self.rows) else ""
        return f"rad {', '.join(map(str, self.rows))}{more}"

    def message(self, *, threshold: int | None = None) -> str:
        """One line, as the terminal and ``check.json`` show it.

        With ``threshold`` (the book's page): no row numbers and no example value (a value typed
        into the wrong column could be a name), and a count below the threshold is written as
        "färre än <threshold>".
        """
        if self.kind == "blank_lines":  # about the file, not a column
            n = f"{self.count} tom rad" if self.count == 1 else f"{self.count} tomma rader"
            shown = f" ({self.rows_text()})" if self.rows and threshold is None else ""
            return f"{self.source}: {n} hoppades över{shown}. {self.todo}"
        if self.kind == "derived" and self.count:  # the export's own column, blanks filled
            name = f"kolumn '{self.export_column or self.column}'"
            if self.export_column and self.export_column != self.column:
                name += f" ({self.column} i datamodellen)"
            n = (f"färre än {threshold} värden" if threshold is not None and self.count < threshold
                 else f"{self.count} värde" if self.count == 1 else f"{self.count} värden")
            done = "härlett" if self.count == 1 and not n.startswith("färre") else "härledda"
            return f"{self.source}, {name}: {n} {done} {self.detail}."
        if self.kind == "derived":
            return f"{self.source}, kolumn '{self.column}': {self.detail}."
        head = f"{self.source}, {self.where()}: {self.label}"
        if self.detail:
            head += f" ({self.detail})"
        if self.severity == "info" and not self.count:
            return f"{head}. {self.todo}".strip()
        if threshold is not None and 0 < self.count < threshold:
            parts = [f"färre än {threshold} rader"]
        else:
            parts = [(f"{self.count} rad" if self.count == 1 else f"{self.count} rader") if self.count else ""]
        if self.rows and threshold is None:
            parts.append(f"till exempel {self.rows_text()}")
        if self.example is not None and threshold is None:
            parts.append(f"med värdet {self.example}")
        body = ", ".join(p for p in parts[:2] if p) + (f" {parts[2]}" if len(parts) > 2 else "")
        return f"{head}: {body}. {self.todo}".strip()

    def as_dict(self) -> dict:
        return {"table": self.table, "source": self.source, "column": self.column,
                "export_column": self.export_column, "derived_from": self.derived_from,
                "kind": self.kind, "severity": self.severity, "label": self.label,
                "count": self.count, "rows": list(self.rows), "example": self.example,
                "detail": self.detail, "todo": self.todo, "message": self.message()}


@dataclass
class CheckedTable:
    """A checked table: typed data, derived columns, problems, and which rows have which."""

    table: Table
    source: str
    data: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    masks: dict[tuple[str, str], pd.Series] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    export_names: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    #: Derived column -> every column its value depends on (age: personnummer and the date).
    depends: dict[str, set[str]] = field(default_factory=dict)
    #: For a check of some of the source's columns only: makes the check of every column.
    complete: object = field(default=None, repr=False, compare=False)
    #: Rows per sex flag of the check (``kon|filled``: a sex code given, ``kon|failed``: given but
    #: neither the model's nor mapped, ``kon|unknown_sex``); empty when the table has no sex column.
    sex_flags: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    #: For a ``sql:`` source: the statements sent to the database
    #: (:class:`jamtools.data.readers.SqlStatement`).
    sql: list = field(default_factory=list, repr=False, compare=False)
    #: For a cell table (``check_view(..., cells=True)``): the column holding each row's number
    #: of source rows (:data:`CELL_COUNT`); None when every row is one row of the source.
    weight: str | None = None
    #: For a cell table whose ids stay in the engine (``check_view(..., ids=...)``): the engine
    #: table of its rows (``__row``, ``__cell``, ``v_<id>``), and per id column whether it has a
    #: value.
    rows: str | None = None
    row_columns: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    #: Whether the key's repeated values were searched (or the key is the row number): once
    #: the rows with the key's problems (``missing_id``, ``duplicate_id``) are left out, no two
    #: kept rows share a key. False when the search was left out (``duplicates=False``).
    key_unique: bool = field(default=False, compare=False)
    #: For a check of a whole file (:func:`jamtools.data.load.check_source`): the file's
    #: :func:`jamtools.data.facts.source_key`, which names it in what the run's check found.
    source_key: str | None = field(default=None, compare=False)
    #: The rows (0 = the first data row) with at least one row problem (severity "rader"),
    #: each once, however many problems it has: the check's summary counts them.
    problem_rows: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: For the columns a check was asked the values of (``check_view(..., distinct=...)``):
    #: column -> each checked value the rows have (codes, years) -> per period of ``windows``
    #: whether a row with the value has a date in it. Values only, never of an identifying or
    #: sensitive column.
    seen: dict = field(default_factory=dict, repr=False, compare=False)
    #: Per window of ``check_view(..., windows=...)``: whether any row is in it, whatever its
    #: values (a chapter's load of its period, unit and ages finds rows); empty without windows.
    rows_in: tuple = field(default=(), repr=False, compare=False)

    def full(self) -> "CheckedTable":
        """The check of every column of the source (this one when it is)."""
        if self.complete is None:
            return self
        if not isinstance(self.complete, CheckedTable):
            self.complete = self.complete()
        return self.complete

    @property
    def present(self) -> set[str]:
        """The model's columns the table has (given or derived), with at least one value. An id
        numbered from the row position is not among them: it identifies a row, but links to
        nothing and says nothing about a person."""
        given = {c for c in self.data.columns if c != self.weight and not c.startswith(SPREAD)
                 and self.data[c].notna().any()} | set(self.derived)
        given |= {c for c, filled in self.row_columns.items() if filled}
        return {c for c in given if self.derived.get(c) != "radnumret"}

    def has_value(self, column: str) -> bool:
        """``column in self.present``, looking at that column only."""
        if self.derived.get(column) == "radnumret":
            return False
        if column in self.derived or self.row_columns.get(column):
            return True
        return (column in self.data.columns and column != self.weight and not column.startswith(SPREAD)
                and bool(self.data[column].notna().any()))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "fel"]

    def failed_columns(self) -> set[str]:
        """Columns that are errors (most values invalid): chapters that need them cannot run."""
        return {p.column for p in self.errors}

    def sources_of(self, column: str) -> set[str]:
        """The column and the columns it was derived from (their problems are its problems)."""
        out = {column}
        if column in self.derived:
            out.add(self.derived[column])
        return out | self.depends.get(column, set())

    def bad_rows(self, columns, *, duplicates_of: str | None = None) -> list[tuple[str, pd.Series]]:
        """``(reason, mask)`` for the row problems that touch ``columns``, in check order, and
        the repeated values of ``duplicates_of`` (the table's key: a row whose key repeats is a
        duplicate record, whatever columns a caller uses).

        A row with several problems is counted under the first; the reason names the kind and
        the column, e.g. ``"Datum som inte kan läsas (beslutsdatum)"``.
        """
        touched = set()
        for c in columns:
            touched |= self.sources_of(c)
        out = []
        for (column, kind), mask in self.masks.items():
            if (column in touched or column == duplicates_of and kind == "duplicate_id") \
                    and kind in EXCLUSION_LABELS:
                out.append((f"{EXCLUSION_LABELS[kind]} ({column})", mask))
        return out


def number_text(value: float) -> str:
    """A bound as the check's messages write it: ``10 000 000`` (a space between thousands)."""
    return f"{value:,.0f}".replace(",", " ")


def first_rows(mask: pd.Series, k: int = 5) -> tuple[int, ...]:
    idx = np.flatnonzero(mask.to_numpy(dtype=bool))[:k]
    return tuple(int(mask.index[i]) + 2 for i in idx)


def example_text(value) -> str:
    """One example value as messages quote it: its first 30 characters in quotes, a no-break
    space written as a space (``repr`` alone wrote '150\\xa0000 kr')."""
    return repr(str(value)[:30].replace("\u00a0", " ").replace("\u202f", " "))


def harmless_example(values: pd.Series, *, hide: bool) -> str | None:
    if hide or values.empty:
        return None
    shown = [example_text(v) for v in values.dropna().drop_duplicates().head(3)]
    return ", ".join(shown) if shown else "'(tomt)'"


def as_text(values: pd.Series):
    """The values as an Arrow string array, written as ``astype(str)`` writes them (nulls stay
    null). A column already held as Arrow strings is handed over without a copy."""
    import pyarrow as pa

    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow" or (
            isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_string(values.dtype.pyarrow_dtype)):
        arr = pa.array(values.array)
        return arr.cast(pa.string()) if arr.type != pa.string() else arr
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        return pa.array(values.astype("string").to_numpy(dtype=object, na_value=None), type=pa.string())
    text = values.astype(str).to_numpy(dtype=object)
    text[values.isna().to_numpy()] = None
    return pa.array(text, type=pa.string())


def distinct_text(values: pd.Series):
    """The distinct filled-in values, as Arrow strings (:func:`as_text`): the ids another table
    may refer to."""
    import pyarrow.compute as pc

    return pc.unique(as_text(values.dropna()))


def is_in(values: pd.Series, known) -> pd.Series:
    """True where a value is among ``known``, both compared as text (:func:`as_text`); a
    missing value is never among them. ``known`` is a Series, Index or any collection of values,
    or the Arrow array of :func:`distinct_text`. Arrow's hash lookup: pandas' ``isin`` on Arrow
    strings turns every value of ``known`` into a Python object first (20 s for three
    references at a million rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(known, (pa.Array, pa.ChunkedArray)):
        if not isinstance(known, (pd.Series, pd.Index)):
            known = pd.Series(list(known), dtype="object")
        known = distinct_text(pd.Series(known))
    inside = pc.is_in(as_text(values), value_set=known).fill_null(False)
    return pd.Series(inside.to_numpy(zero_copy_only=False).astype(bool), index=values.index)


def occurrences(values: pd.Series, other: pd.Series) -> pd.Series:
    """How many times each value occurs in ``other`` (0 when never, and for a missing value),
    compared as text (:func:`as_text`): e.g. the interventions offered at each planning.
    Arrow's hash lookup, where ``values.map(other.value_counts())`` walks Arrow strings in
    Python."""
    import numpy as np
    import pyarrow.compute as pc

    counted = pc.value_counts(as_text(other.dropna()))
    where = pc.index_in(as_text(values), value_set=counted.field("values"))
    n = np.asarray(counted.field("counts").to_numpy(zero_copy_only=False), dtype="int64")
    pos = np.asarray(where.fill_null(-1).to_numpy(zero_copy_only=False), dtype="int64")
    out = np.where(pos >= 0, n[np.clip(pos, 0, None)] if len(n) else 0, 0)
    return pd.Series(out, index=values.index, dtype="int64")


def not_in(values: pd.Series, known) -> pd.Series:
    """True where a value is given and is not among ``known`` (:func:`is_in`): a reference to a
    row another table lacks."""
    return pd.Series(values.notna().to_numpy() & ~is_in(values, known).to_numpy(), index=values.index)


class _Checker:
    def __init__(self, table: Table, source: str, export_names: dict[str, str]):
        self.table, self.source, self.export_names = table, source, export_names
        self.problems: list[Problem] = []
        self.masks: dict[tuple[str, str], pd.Series] = {}
        self.derived: dict[str, str] = {}
        self.depends: dict[str, set[str]] = {}

    def sensitive(self, column: str) -> bool:
        if column in ("personnummer", "person_id"):
            return True
        try:
            return self.table.column(column).sensitive
        except KeyError:
            return False

    def rows(self, column: str, kind: str, mask: pd.Series, raw: pd.Series | None, *,
             detail: str = "", severity: Severity = "rader") -> None:
        mask = mask.fillna(False).astype(bool)
        n = int(mask.sum())
        if not n:
            return
        self.masks[(column, kind)] = mask if (column, kind) not in self.masks else \
            self.masks[(column, kind)] | mask
        example = harmless_example(raw[mask], hide=self.sensitive(column)) if raw is not None else None
        self.problems.append(Problem(
            self.table.name, self.source, column, kind, severity, n, first_rows(mask), example,
            detail, self.export_names.get(column), self.derived.get(column)))

    def info(self, column: str, kind: str, detail: str = "", count: int = 0) -> None:
        self.problems.append(Problem(self.table.name, self.source, column, kind, "info", count,
                                     detail=detail, export_column=self.export_names.get(column),
                                     derived_from=self.derived.get(column)))

    def mostly_invalid(self, column: str, filled: pd.Series, failed: pd.Series) -> None:
        n_filled = int(filled.sum())
        n_failed = int((failed & filled).sum())
        if n_filled and n_failed > FAIL_MIN and n_failed / n_filled > FAIL_SHARE:
            share = round(100 * n_failed / n_filled)
            self.problems.append(Problem(
                self.table.name, self.source, column, "mostly_invalid", "fel", n_failed,
                first_rows(failed & filled), None,
                f"{share} % av de ifyllda värdena, gränsen är {round(100 * FAIL_SHARE)} %",
                self.export_names.get(column), self.derived.get(column)))


def parse_dates(text: pd.Series) -> pd.Series:
    """ISO dates (``2024-03-05``, with or without a time) and ``20240305``; else NaT."""
    text = text.astype("string").str.strip()
    compact = text.str.fullmatch(r"\d{8}").fillna(False)
    out = pd.to_datetime(text.where(~compact), errors="coerce", format="ISO8601")
    if compact.any():
        out = out.where(~compact, pd.to_datetime(text.where(compact), errors="coerce", format="%Y%m%d"))
    return out


def parse_numbers(raw: pd.Series) -> pd.Series:
    """Numbers written as text, as Swedish exports write them: decimal comma, spaces (also
    no-break ones) between thousands, a minus sign, and a currency after the amount as a
    spreadsheet's format writes it ("150 000 kr", "1 200:-", "1 200,-"); else missing.

    Examples
    --------
    >>> parse_numbers(pd.Series(["200 000", "12,5", "\u2212 3", "1 200:-", "tvåhundra"])).tolist()
    [200000.0, 12.5, -3.0, 1200.0, <NA>]
    """
    text = (raw.astype("string").str.strip()
            .str.replace(r"(?i)[\s\u00a0\u202f]*(kr|kronor|sek|:-|,-)\.?$", "", regex=True)
            .str.replace(r"[\s\u00a0\u202f]", "", regex=True)
            .str.replace(",", ".", regex=False).str.replace("\u2212", "-", regex=False))
    return pd.to_numeric(text, errors="coerce")


def check_table(raw: pd.DataFrame, table: Table, *, source: str,
                export_names: dict[str, str] | None = None,
                today: pd.Timestamp | None = None) -> CheckedTable:
    """Check and type one table; derive what can be derived; record every problem.

    Parameters
    ----------
    raw : DataFrame
        The table as read: text columns named as in the data model (after the configuration's
        column mapping and value recoding); index = row position (0 = the first data row), or,
        when named :data:`jamtools.data.readers.ROW_COLUMN`, the rows' numbers in the file as
        the readers give them for an export with blank lines (row ``n`` is ``rad n + 2``).
    table : Table
        The data model's description of the table.
    source : str
        The file name (or SQL source name) that messages name.
    export_names : dict, optional
        Model column -> the export's own column name, so messages name what the analyst sees.
    today : Timestamp, optional
        The date ages are computed at when the table has no date column (default: today).

    Returns
    -------
    CheckedTable
        ``data`` holds the model's columns, typed (``Int64``, ``Float64``, ``boolean``,
        datetime, ``string``); a value that fails its rule is missing there and its row marked
        in ``masks``. Columns the export lacks are absent, not empty.
    """
    from jamtools.data.engine import shared, unique_name
    from jamtools.data.readers import Source

    from jamtools.data.readers import ROW_COLUMN

    numbered = raw.index if raw.index.name == ROW_COLUMN else None  # (the file's blank lines)
    raw = raw.reset_index(drop=True)
    frame = pd.DataFrame({str(c): raw[c] for c in raw.columns}, index=raw.index)
    if numbered is not None:
        frame.index = numbered
    columns = list(frame.columns)
    con, view = shared(), unique_name("raw")
    drop = Source(source, columns, kind="arrow", frame=frame).view(con, columns, view)
    try:
        return check_view(con, view, table, source=source, types={c: "VARCHAR" for c in columns},
                          export_names=export_names, today=today)
    finally:
        drop()


# --- The check as engine work ----------------------------------------------------------------
#
# ``check_view`` does what ``check_table`` describes, as one SQL query over a view of the
# source (DuckDB, :mod:`jamtools.data.engine`): every rule is a column expression (a typed value
# and a flag per kind of problem), so the cost per row is the engine's. The rare values the
# fast SQL forms do not cover (a number written as ``1 234,5e3``, a date with a time zone, a
# personnummer in non-ASCII digits) are handed to the Python rules above (``parse_numbers``,
# ``parse_dates``, ``personnummer.parse``) one value at a time, so that the result is the same
# as theirs. Counts, first rows and examples come from the flags; examples are read back from
# the source only for the kinds that occur.

#: Flags that are not problems (a value is given, a date was written as ISO, a value was
#: derived): a cell table does not list their rows.
_NOT_PROBLEMS = ("filled", "iso_parsed", "from_pnr")

_INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
              "UINTEGER", "UBIGINT", "UHUGEINT")
_FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")
_FAST_NUMBER = r"[+-]?(\d{1,15}(\.\d{0,6})?|\.\d{1,6})([eE][+-]?\d{1,2})?"
_PY_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"
#: An age as Statistics Sweden writes it: "60 år", and the open top group "100+ år" (100 or
#: older); group 1 is the number, group 2 the plus of an open group. RE2 and Python alike.
AGE_TEXT = "([0-9]{1,3})[ \t\u00a0\u202f]*(\\+)?[ \t\u00a0\u202f]*(?i:år|ar)?\\.?"
_FAST_PNR = (rf"{_PY_SPACE}*(18|19|20)?(\d{{2}})(\d{{2}})(\d{{2}}){_PY_SPACE}?([-+]?){_PY_SPACE}?"
             rf"(\d{{4}}){_PY_SPACE}*")


def _not_before(col, cols, model) -> bool:
    """Whether the rule :attr:`Column.not_before` applies: both dates are read."""
    return (col.not_before is not None and col.name in cols and col.not_before in cols
            and model[col.not_before].dtype == "date")


def _only_if(col, cols, model) -> bool:
    """Whether the rule :attr:`Column.only_if` applies: both yes/no columns are read."""
    return (col.only_if is not None and col.name in cols and col.only_if in cols
            and model[col.only_if].dtype == "bool")


def _days_between(col, cols, model) -> bool:
    """Whether the rule :attr:`Column.days_between` applies: the days and both dates are read."""
    return (col.days_between is not None and col.name in cols
            and all(c in cols and model[c].dtype == "date" for c in col.days_between))


def _date_sql(s: str, t: str, duck_type: str) -> tuple[str, str]:
    """SQL for the value the check reads from a date column (a ``TIMESTAMP``, NULL where none
    can be read) and for whether its text is compact (YYYYMMDD): ``s`` is the column as the view
    holds it, ``t`` its text (:func:`sql_text`), ``duck_type`` its DuckDB type. The one parse of
    a date's value, for each combination of the check's later layers and for each row of the
    rules across a row's columns (:func:`check_view`)."""
    from jamtools.data.engine import literal

    if _kind(duck_type) == "date":
        return f"CAST(CAST({s} AS DATE) AS TIMESTAMP)", "false"
    digits = "[0-9]" * 4  # (GLOB's ranges, as the regular expressions', are ASCII only: cheaper)
    compact = f"({t} GLOB '{digits}{digits}')"
    return (f"(CASE WHEN {t} IS NULL THEN NULL WHEN {t} GLOB '{digits}-[0-9][0-9]-[0-9][0-9]' "
            f"THEN CAST(TRY_CAST({t} AS DATE) AS TIMESTAMP) "
            f"WHEN {compact} THEN try_strptime({t}, '%Y%m%d') "
            f"WHEN regexp_full_match({t}, {literal(_ISO_TIME)}) THEN TRY_CAST({t} AS TIMESTAMP) "
            f"ELSE jt_date({t}) END)"), compact


def _number_sql(s: str, t: str, duck_type: str) -> str:
    """SQL for the number the check reads from a number column (a ``DOUBLE``, NULL where none
    can be read): ``s`` is the column as the view holds it, ``t`` its text (:func:`sql_text`;
    an age's text with its '60 år' read as '60'), ``duck_type`` its DuckDB type. The one parse of
    a number, as :func:`_date_sql` of a date."""
    from jamtools.data.engine import WHITESPACE, literal

    if _kind(duck_type) in ("int", "float"):
        return f"(CASE WHEN isnan(CAST({s} AS DOUBLE)) THEN NULL ELSE CAST({s} AS DOUBLE) END)"
    x = (f"replace(replace(regexp_replace({t}, {literal('[' + WHITESPACE + ']')}, '', 'g'), ',', '.'), "
         f"{literal(chr(0x2212))}, '-')")
    return (f"(CASE WHEN {t} IS NULL THEN NULL WHEN regexp_full_match({x}, {literal(_FAST_NUMBER)}) "
            f"THEN CAST({x} AS DOUBLE) ELSE jt_number({t}) END)")


def _age_text(t: str) -> str:
    """SQL for an age's text ``t`` with an age written '60 år' or '100+ år' (SCB) as its number."""
    from jamtools.data.engine import literal

    return (f"(CASE WHEN regexp_full_match({t}, {literal(AGE_TEXT)}) "
            f"THEN regexp_extract({t}, {literal(AGE_TEXT)}, 1) ELSE {t} END)")


def _whole(n: str) -> str:
    """SQL for an integer column's number as its rules read it: NULL when not whole."""
    return f"(CASE WHEN {n} <> round({n}) THEN NULL ELSE {n} END)"


def _not_before_sql(col, date) -> str:
    """SQL for the rule :attr:`Column.not_before` of ``col`` (true where broken, never NULL):
    ``date(c)`` gives column ``c``'s date value as :func:`_date_sql` reads it."""
    return f"coalesce(CAST({date(col.name)} AS DATE) < CAST({date(col.not_before)} AS DATE), false)"


def _days_between_sql(col, days: str, date, cols, model) -> str:
    """SQL for the rule :attr:`Column.days_between` of ``col`` (true where broken, never NULL):
    ``days`` is the column's whole number (:func:`_whole`), ``date(c)`` a date's value. The
    dates as checked: an end before its start (:attr:`Column.not_before`) is no end to count to."""
    def checked(c: str) -> str:
        if _not_before(model[c], cols, model):
            return f"(CASE WHEN {_not_before_sql(model[c], date)} THEN NULL ELSE {date(c)} END)"
        return date(c)

    start, end = (checked(c) for c in col.days_between)
    return f"coalesce({days} <> date_diff('day', CAST({start} AS DATE), CAST({end} AS DATE)), false)"


def _kind(duck_type: str) -> str:
    t = duck_type.upper()
    if t in _INT_TYPES:
        return "int"
    if t in _FLOAT_TYPES:
        return "float"
    if t == "BOOLEAN":
        return "bool"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    if t == "VARCHAR":
        return "text"
    return "other"


def sql_text(q: str, duck_type: str) -> str:
    """SQL for column ``q`` of type ``duck_type`` as the readers write it as text
    (:func:`jamtools.data.readers.read_source`): stripped, empty as NULL, integral numbers
    without decimals, booleans as 1/0, dates as YYYY-MM-DD."""
    from jamtools.data.engine import WHITESPACE, literal

    ws = literal(WHITESPACE)
    k = _kind(duck_type)
    if k == "text":  # most values start and end with a visible character: no trim needed
        # First the common case, a visible ASCII character at both ends, by two cheap ranges
        # (much cheaper in the engine than the general test, whose IN list is slow); then the
        # general test for the other characters, then the trim.
        ascii_ends = f"ascii({q}) BETWEEN 33 AND 126 AND ord({q}[-1]) BETWEEN 33 AND 126"
        plain = " AND ".join(f"ord({q}[{i}]) > 32 AND ord({q}[{i}]) < 5760 AND ord({q}[{i}]) NOT IN (133, 160)"
                             for i in (1, -1))
        return (f"(CASE WHEN {ascii_ends} THEN {q} WHEN {q} = '' THEN NULL WHEN {plain} THEN {q} "
                f"ELSE NULLIF(trim({q}, {ws}), '') END)")
    if k == "int":
        return f"CAST({q} AS VARCHAR)"
    if k == "float":
        return (f"(CASE WHEN isnan({q}) THEN NULL WHEN {q} = round({q}) AND abs({q}) < 9007199254740992 "
                f"THEN CAST(CAST({q} AS BIGINT) AS VARCHAR) ELSE CAST({q} AS VARCHAR) END)")
    if k == "bool":
        return f"(CASE WHEN {q} IS NULL THEN NULL WHEN {q} THEN '1' ELSE '0' END)"
    if k == "date":
        return f"strftime({q}, '%Y-%m-%d')"
    return f"NULLIF(trim(CAST({q} AS VARCHAR), {ws}), '')"


def code_key(value: str) -> str:
    """A category code as the check compares it: lower case, without accents (å, ä, ö as a, a,
    o), spaces (no-break ones too), hyphens and en dashes as one underscore. The model's codes
    are their own keys.

    >>> code_key(" Hälso- och sjukvård "), code_key("Placering HVB"), code_key("Sång")
    ('halso_och_sjukvard', 'placering_hvb', 'sang')
    """
    import re
    import unicodedata

    text = unicodedata.normalize("NFKD", str(value).strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\u00a0\u202f\u2013-]+", "_", text)


#: What :func:`code_key` makes one underscore, as the engine's regular expression (RE2, whose
#: ``\s`` is ASCII only): white space, no-break spaces, hyphens and en dashes. Ligatures and
#: full-width letters are not folded (the model's codes are ASCII).
_CODE_SPACES = r"[\s\x{00A0}\x{202F}\x{2013}-]+"


def _case(expr: str, mapping: dict, default: str = "NULL") -> str:
    from jamtools.data.engine import literal

    whens = " ".join(f"WHEN {literal(k)} THEN {v}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} ELSE {default} END)"


_FALLBACKS_ON: set[int] = set()


def _register_fallbacks(con) -> None:
    """Python functions for the values the SQL forms do not cover (the rules above), called
    by the engine on a batch of such values at a time."""
    if id(con) in _FALLBACKS_ON:
        return
    _FALLBACKS_ON.add(id(con))
    import duckdb
    import pyarrow as pa

    from jamtools.data.personnummer import parse

    def number(values):
        out = parse_numbers(pd.Series(values.to_pylist(), dtype="string"))
        return pa.array(out.astype("float64").where(out.notna(), None), type=pa.float64(), from_pandas=True)

    def date(values):
        out = parse_dates(pd.Series(values.to_pylist(), dtype="string"))
        return pa.array(out.astype("datetime64[us]"), type=pa.timestamp("us"), from_pandas=True)

    def pnr(values):
        parsed = [parse(v) if v is not None else None for v in values.to_pylist()]
        return pa.array([f"{p.born.isoformat()}|{p.sex}|{p.digits12}" if p else None for p in parsed],
                        type=pa.string())

    for name, fn, ret in (("jt_number", number, duckdb.sqltype("DOUBLE")),
                          ("jt_date", date, duckdb.sqltype("TIMESTAMP")),
                          ("jt_pnr", pnr, duckdb.sqltype("VARCHAR"))):
        try:
            con.remove_function(name)
        except Exception:
            pass
        con.create_function(name, fn, [duckdb.sqltype("VARCHAR")], ret, type="arrow",
                            null_handling="special", side_effects=False)


def _hmac_pads() -> tuple[bytes, bytes]:
    """HMAC-SHA-256's inner and outer key blocks (RFC 2104) for the run's pseudonym key."""
    import hashlib

    from jamtools.data.pseudonym import _key

    key = _key()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def check_view(con, view: str, table: Table, *, source: str, types: dict[str, str],
               in_source: set[str] | None = None, read_view=None,
               export_names: dict[str, str] | None = None,
               today: pd.Timestamp | None = None, duplicates: bool = True,
               cells: bool = False, values: bool = True, save: str | None = None,
               presence: tuple[str, ...] = (), keep: set[str] | None = None,
               ids: tuple[str, ...] = (), key_repeats: bool | None = None,
               sums: tuple[str, ...] = (), period: tuple[str | None, str | None] | None = None,
               blank: tuple[str, ...] = (), distinct: tuple[str, ...] = (),
               windows: tuple[tuple[str | None, str | None], ...] = ()) -> CheckedTable:
    """:func:`check_table` over the engine view ``view`` (``__row`` and model-named columns).

    ``types`` gives the DuckDB type of each column of the view; ``in_source`` the model's
    columns the whole source has (default: the view's), so that a column left out of the view
    (not read) is neither derived nor numbered from the row position. ``read_view`` is the
    view to read example values from (default ``view``). ``duplicates=False`` leaves out the
    search for duplicate ids (for a load that does not use the key).

    ``cells=True`` returns a cell table instead of rows: the engine groups the rows by their
    checked values and by which rules each row breaks, and sends one row per combination with
    the number of rows in :data:`CELL_COUNT` (the result's ``weight``). Every row of a cell has
    the same problems, so the masks (per cell), the counts per problem, the first row numbers
    and the examples are those of the row-level check. No column that tells rows apart is
    made: the key is not numbered from the row position and a personnummer gives sex and age,
    not a pseudonym.

    ``values=False`` (with ``cells=True``) groups the rows by their problems only, for a check
    that needs the problems and not the values (the run's check of its inputs): one cell per
    combination of problems, whatever the number of rows or of distinct values. Each column
    of such a cell holds one of its values in the cell (DuckDB's ``any_value``, NULL only when
    all are), so that the result says which columns have values; the values themselves mean
    nothing. In this mode the key may be among the columns: missing and repeated ids are found
    in the engine (a repeated id by a window over the key), and a personnummer gives the
    pseudonym, which never leaves the engine. ``save`` (with ``values=False``) names an engine
    table to keep the checked rows in, for checks across tables (the references between
    tables, :func:`dangling_references`): ``__row`` and each model column's value as
    ``v_<column>``. The caller drops it.

    ``presence`` names columns whose values a caller does not need, only whether each row has
    one: they are checked as usual (a row with an unreadable value has its problem), and hold
    True where a value is given, missing (``<NA>``) where not. A cell table then has a cell per
    given/missing, not per value (an end date in a table of outcomes); its check groups a valid
    date by its form (ISO, YYYYMMDD, ISO with a time of day, a date type), not by its value.
    A rule across a row's columns that compares such a date (:attr:`Column.not_before`,
    :attr:`Column.days_between`) is decided for each row before the grouping, from the row's
    own values, and the check groups by its outcome: the cells stay as few and the problems
    are those of the row-level check.

    ``keep`` (with ``cells=True``): the model columns the cell table keeps, default every one
    the view has. The others are checked and derived from as usual (a date read only for the
    year, or for the age a personnummer gives) but make no cells of their own.

    ``ids`` (with ``cells=True`` and ``save``): identifying columns (key, ids, the pseudonym a
    personnummer gives) that a caller follows between tables. They make no cells: the engine
    keeps them in the table ``save``, one row per source row that reaches the cell table, with
    ``__row``, ``__cell`` (the row's cell, the position in the result) and ``v_<column>`` as
    text; the result's ``rows`` names it and ``row_columns`` says which of them has a value.
    Missing and repeated keys are found in the engine, as with ``values=False``, and each cell
    says whether its rows have each id (:data:`GIVEN`). ``key_repeats=False`` (with ``ids``
    that include the key): the caller knows that no value of the key repeats in the view (the
    run's check found none in the same file, :mod:`jamtools.data.facts`), so the search is
    left out and the result is the one a search that found none gives.

    ``blank``: columns whose blank cells are a row problem (``missing_value``): a chapter needs
    a value there and leaves the row out (the run's check names the columns its chapters
    require, :func:`jamtools.run.catalogue.required_columns`). Said where some rows have a
    value and others not (a column blank on every row is one the export lacks); a cell a
    personnummer fills is not blank. The load leaves such rows out itself, as "Saknar värde".
    An id that is not the key is such a column too (a blank key is a missing id); the person's
    id made from a personnummer is blank where the personnummer is (said with
    :data:`PNR_MISSING`).

    An amount the model makes 0 where a yes/no column of the row is no
    (:attr:`~jamtools.data.model.Column.zero_unless`: a refused application's amount granted)
    is read as 0 where it is blank there, when both are read and the export gives the amount
    on some row (a column blank on every row is one it lacks); the check says how many values
    it read so (``derived``, with the count), and such a cell is not blank.

    ``sums`` (with ``cells=True``, values and no ``ids``): amount columns (numbers) whose values
    make no cells. Each cell holds instead its rows' mean in the column, missing when its rows
    have no valid amount (every row of a cell has the same problems, so either all or none
    have one), and the sum of squares about that mean in :data:`SPREAD` + the column. Both
    are taken from the amounts less the cell's least, so that equal amounts give exactly the
    amount and no spread (:func:`jamtools.stats.amount_moments` with ``spread=`` combines
    cells). For a caller that needs only means and second moments of the amount (a linear
    model, a difference of means), a cell table then grows with the other columns' values,
    not with the amounts'.

    ``period`` (with ``cells=True``): ``(start, end)`` as ``TIMESTAMP`` literals' text, either
    may be None, for a table whose date column a caller reads only to keep the rows of that
    period (inclusive, compared as timestamps, as :func:`jamtools.data.load_table`'s period
    does). The date is checked as usual, but a cell holds, instead of the date, one stand-in
    per class: ``start`` or ``end`` for a date in the period, a day before ``start`` for one
    before it, a day after ``end`` for one after it, missing for none; so the period's filter
    leaves out the same rows and the cell table has no cell per date. The check itself groups a
    valid date by its form and that class (and its year, when the year is derived from it and
    kept), so that its rules run once per class, not once per date.

    ``distinct`` (with ``cells=True, values=False``): columns (codes, years; never an
    identifying or sensitive one) whose checked values the cells are grouped by too, so that
    the same scan says which values the rows have (the run's check of its inputs: the codes
    and years its chapters' parameters choose rows by). ``windows``: the rows the chapters'
    loads keep (:class:`Window`: a period, its bounds as ``TIMESTAMP`` literals' text, either
    may be None, inclusive as the period of :func:`jamtools.data.load_table`; a unit; an age
    range; or any readable date), or plain periods ``(start, end)``; the cells are grouped by
    whether the row is in each of them as well (a row without a valid date is in no period).
    The result's :attr:`CheckedTable.seen` gives, per column, each value with, per window,
    whether a row with it is in the window (True for each when the table cannot apply the
    window's filters); :attr:`CheckedTable.rows_in`, per window, whether any row is in it,
    whatever its values (``windows`` without ``distinct`` give only that). A value the check
    cannot read (an unknown code) is not among them.
    """
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from jamtools.data.engine import WHITESPACE, ident, literal, unique_name

    export_names = dict(export_names or {})
    chk = _Checker(table, source, export_names)
    model = {c.name: c for c in table.columns}
    cols = [c for c in types if c in model or c == "personnummer"]
    in_source = set(cols) if in_source is None else set(in_source)
    ws = literal(WHITESPACE)
    _register_fallbacks(con)
    chk_name = unique_name("chk")
    # A key given but empty in every row identifies no row: it is read as if the export had no
    # such column (the row is numbered), not as a missing id in every row, which would leave
    # every row out. (The search stops at the first row with a value.)
    empty_key = table.key in cols and not con.sql(
        f"SELECT 1 FROM {ident(view)} WHERE {sql_text(ident(table.key), types[table.key])} "
        "IS NOT NULL LIMIT 1").fetchall()
    if empty_key:
        cols.remove(table.key)
        in_source.discard(table.key)
    # An amount that the model makes 0 where a yes/no column is no (a refused application's
    # amount granted) and that the export leaves blank there is read as 0, as the model says,
    # and said once with its count; only where the export gives the amount on some row (a
    # column blank on every row is one the export lacks): whether it does is the scan's own
    # count of the column's values, and without any the zeros are taken back (no other read).
    zero_fill = [c for c, col in model.items() if col.zero_unless is not None and c in cols
                 and col.zero_unless in cols and model[col.zero_unless].dtype == "bool"
                 and col.dtype in ("int", "float")]

    def text(c: str) -> str:
        return sql_text(ident(c), types[c])

    def filled(c: str) -> str:  # the text is not NULL (without making the text of a number)
        k, q = _kind(types[c]), s(c)
        if k == "float":
            return f"({q} IS NOT NULL AND NOT isnan({q}))"
        return f"{q} IS NOT NULL" if k in ("int", "bool", "date") else f"{t(c)} IS NOT NULL"

    # A cell table without a personnummer is checked in two phases: the engine first groups the
    # rows by their values as read (a bare GROUP BY), and the checks run once per distinct
    # combination, not once per row; every rule is a function of the row's values, so the
    # cells, counts and flags are the same. Only the rows of combinations with a problem are
    # looked up again, for their row numbers.
    # With ids kept in the engine, the first phase groups by whether each row has its id (and
    # whether its key repeats) instead of by the id; the rows' ids are joined to their cells
    # afterwards.
    ids = tuple(ids)
    two_phase = cells and values and "personnummer" not in cols and (save is None or bool(ids))
    id_given = [c for c in ids if c in cols] if two_phase else []
    plain = [c for c in cols if c not in id_given]
    # A date read only for whether it is given (``presence``) is grouped by its form when it is
    # valid (an ISO date, YYYYMMDD, an ISO date with a time of day; a date type), not by its
    # value: every valid date of a form gives the same flags and the same value (given), so one
    # stand-in per combination is checked; an invalid one, or one in another form, is grouped
    # as read. A date read only for the period (``period``) likewise, and by whether it is
    # before, in or after the period (and by its year when the year is derived from it and
    # kept): every date of such a group gives the same flags, the same stand-in (and year).
    valid: dict[str, str] = {}
    by_period = (period is not None and any(period) and cells and values and table.date_column
                 and table.date_column not in presence)
    days = _bound_days(con, period) if two_phase and by_period else None
    if two_phase:
        for c in (*presence, *([table.date_column] if days is not None else [])):
            k = _kind(types.get(c, ""))
            if (c in plain and (c != table.date_column or days is not None) and model[c].dtype == "date"
                    and k in ("text", "date")):
                valid[c] = k

    def form(c: str, q: str) -> str:  # the rules' own tests (layer 3): 0 for any other value
        if valid[c] == "date":
            return f"(CASE WHEN {q} IS NULL THEN 0 ELSE 1 END)"
        digits = "[0-9]" * 4
        return (f"(CASE WHEN {q} GLOB '{digits}-[0-9][0-9]-[0-9][0-9]' AND TRY_CAST({q} AS DATE) IS NOT NULL THEN 1 "
                f"WHEN {q} GLOB '{digits}[0-9][0-9][0-9][0-9]' AND try_strptime({q}, '%Y%m%d') IS NOT NULL THEN 2 "
                f"WHEN regexp_full_match({q}, {literal(_ISO_TIME)}) AND TRY_CAST({q} AS TIMESTAMP) IS NOT NULL "
                "THEN 3 ELSE 0 END)")

    def grades(c: str, q: str, f: str) -> list[str]:  # what tells apart the groups of form ``f``
        if days is None or c != table.date_column:
            return []
        # The rules read a date as its midnight (with a time: as that time), and the stand-ins
        # compare that with the bounds: before the start is before its day (the next day when
        # the start has a time of day), after the end is after the end's day. A valid ISO or
        # YYYYMMDD text compares as its date; a date with a time as the stand-ins compare it.
        first, last = days
        stamps = [None if not p else f"TIMESTAMP {literal(p)}" for p in period]

        def side(d: str, lo: str | None, hi: str | None) -> str:
            return ("(CASE" + (f" WHEN {d} < {lo} THEN -1" if lo else "")
                    + (f" WHEN {d} > {hi} THEN 1" if hi else "") + " ELSE 0 END)")

        def text(b, sep: str) -> str | None:
            return None if b is None else literal(f"{b.year:04d}{sep}{b.month:02d}{sep}{b.day:02d}")

        if valid[c] == "date":
            return [side(f"CAST({q} AS DATE)", first and f"DATE {text(first, '-')}",
                         last and f"DATE {text(last, '-')}"), *([f"year({q})"] if by_year else [])]
        sides = (f"(CASE {f} WHEN 1 THEN {side(q, text(first, '-'), text(last, '-'))} "
                 f"WHEN 2 THEN {side(q, text(first, ''), text(last, ''))} "
                 f"WHEN 3 THEN {side(f'TRY_CAST({q} AS TIMESTAMP)', *stamps)} END)")
        return [sides, *([f"left({q}, 4)"] if by_year else [])]  # every form starts with the year

    # A rule across a row's columns that compares such a date (an end before its start, days
    # that are not those between the dates) is decided per row before the first phase, from the
    # row's own values parsed as the later layers parse them, and its outcome is carried as a
    # flag the first phase groups by (``__x_<column>``): the stand-in of a date grouped by its
    # form says nothing of the row's own date. The later layers read the flag.
    crossed: dict[str, str] = {}  # column -> its carried flag
    for col in model.values():
        if ((_not_before(col, cols, model) and {col.name, col.not_before} & set(valid))
                or (_days_between(col, cols, model) and set(col.days_between) & set(valid))):
            crossed[col.name] = "__x_" + col.name

    def with_crossed(source: str) -> str:  # ``source``'s rows with the carried rules' outcomes
        if not crossed:
            return source
        read: list[str] = []  # the columns the rules compare, each parsed once per row
        for n in crossed:
            col = model[n]
            for c in (n, col.not_before, *(col.days_between or ())):
                if c is not None:
                    read += [c, *([model[c].not_before] if _not_before(model[c], cols, model) else [])]
        read = list(dict.fromkeys(read))
        texts_ = "".join(f", {sql_text(ident(c), types[c])} AS {ident('__xt_' + c)}" for c in read)

        def parsed(c: str) -> str:  # as layer 3 parses it
            q, tq = ident(c), ident("__xt_" + c)
            if model[c].dtype == "date":
                return _date_sql(q, tq, types[c])[0]
            if c == table.age_column and _kind(types[c]) == "text":
                tq = _age_text(tq)
            return _number_sql(q, tq, types[c])

        values_ = "".join(f", {parsed(c)} AS {ident('__xv_' + c)}" for c in read)

        def value(c: str) -> str:
            return ident("__xv_" + c)

        def rule(n: str) -> str:
            col = model[n]
            if col.dtype == "date":
                return _not_before_sql(col, value)
            return _days_between_sql(col, _whole(value(n)) if col.dtype == "int" else value(n),
                                     value, cols, model)

        outcomes = "".join(f", {rule(n)} AS {ident(x)}" for n, x in crossed.items())
        made = ", ".join(ident(p + c) for p in ("__xt_", "__xv_") for c in read)
        return (f"(SELECT * EXCLUDE ({made}){outcomes} FROM "
                f"(SELECT *{values_} FROM (SELECT *{texts_} FROM {source})))")

    carry = (["__n0", *(f"__null_{c}" for c in id_given), *crossed.values(),
              *(["__dup", "__h"] if id_given else [])] if two_phase else [])
    sel: list[str] = ["__row", *carry]      # layer 1: text and parsed values
    out_cols: dict[str, str] = {}   # layer 2: model column -> value expression
    flags: dict[str, str] = {}      # layer 2: flag name -> boolean expression
    texts = {c: text(c) for c in cols}
    for c in cols:
        sel.append(f"{texts[c]} AS {ident('t_' + c)}")
        sel.append(f"{ident(c)} AS {ident('s_' + c)}")

    def t(c):
        return ident("t_" + c)

    def s(c):
        return ident("s_" + c)

    pnr = "personnummer" in cols
    today_date = dt.date.today()
    if pnr:
        x = t("personnummer")
        m = f"regexp_extract({x}, {literal(_FAST_PNR)}, ['c', 'yy', 'mm', 'dd', 'sep', 'tail'])"
        sel.append(f"{m} AS __pm")
        sel.append(f"regexp_full_match({x}, {literal(_FAST_PNR)}) AS __pfast")
        sel.append(f"(regexp_matches({x}, '[^\\x00-\\x7f]')) AS __pother")
    by_year = "ar" in model and "ar" not in in_source and (keep is None or "ar" in keep)

    def with_classes(source: str) -> str:  # ``source``'s rows with each valid column's form and grades
        if not valid:
            return source
        inner = "".join(f", {form(c, ident(c))} AS {ident('__f_' + c)}" for c in valid)
        outer = "".join(f", CASE WHEN {ident('__f_' + c)} > 0 THEN NULL ELSE {ident(c)} END AS {ident('__raw_' + c)}"
                        + "".join(f", CASE WHEN {ident('__f_' + c)} > 0 THEN {g} END AS {ident(f'__g{i}_' + c)}"
                                  for i, g in enumerate(grades(c, ident(c), ident('__f_' + c))))
                        for c in valid)
        return f"(SELECT *{outer} FROM (SELECT *{inner} FROM {with_crossed(source)}))"

    # what the first phase groups by: the values as read (a valid date by its form and grades),
    # and the carried flags
    groups = ([ident(c) if c not in valid else ", ".join(
                  [ident('__f_' + c), ident('__raw_' + c)]
                  + [ident(f'__g{i}_' + c) for i in range(len(grades(c, ident(c), "1")))]) for c in plain]
              + [c for c in carry if c not in ("__n0", "__h")])
    rows_from, aug, dups = ident(view), view, None
    # each id's text once per row (``__t_<id>``): whether it is missing, and the id the table
    # of the rows keeps (:func:`_keep_ids`), not made again for each
    id_text = {c: ident("__t_" + c) for c in id_given}
    if id_given:  # the rows with, per id, whether it is missing, and whether the key repeats
        aug = unique_name("aug")
        dup = "false"
        if duplicates and table.key in id_given and key_repeats is not False:
            dups = _repeated_keys(con, view, texts[table.key])
            if dups:
                dup = f"coalesce({id_text[table.key]} IN (SELECT v FROM {ident(dups)}), false)"
        written = "".join(f", {texts[c]} AS {id_text[c]}" for c in id_given)
        nulls = "".join(f"{id_text[c]} IS NULL AS __null_{c}, " for c in id_given)
        # ... and a hash of what the first phase groups by (``__h``, grouped by too), so that
        # each row finds its combination again by one integer (see the join to the cells)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(aug)} AS SELECT *, {_combo_hash(groups)} AS __h "
                    f"FROM {with_classes(f'(SELECT *, {nulls}{dup} AS __dup FROM (SELECT *{written} FROM {ident(view)}))')}")
        groups.append("__h")
    if two_phase:
        stand_in = "".join(f", any_value({ident(c)}) AS {ident(c)}" for c in [*id_given, *valid])  # as its rows
        raw = ", ".join(groups)
        grouped_from = with_classes(ident(aug)) if not id_given else ident(aug)
        rows_from = (f"(SELECT min(__row) AS __row, count(*) AS __n0{', ' + raw if raw else ''}{stand_in} "
                     f"FROM {grouped_from}{' GROUP BY ' + raw if raw else ''})")
    layer1 = f"SELECT {', '.join(sel)} FROM {rows_from}"

    sel2: list[str] = ["*"]
    if pnr:
        ten = "(__pm.yy || __pm.mm || __pm.dd || __pm.tail)"
        luhn = " + ".join(
            f"((CAST(substr({ten}, {i + 1}, 1) AS INTEGER) * {2 if i % 2 == 0 else 1}) "
            f"- CASE WHEN CAST(substr({ten}, {i + 1}, 1) AS INTEGER) * {2 if i % 2 == 0 else 1} > 9 "
            "THEN 9 ELSE 0 END)" for i in range(10))
        base = f"({today_date.year // 100 * 100} + CAST(__pm.yy AS INTEGER))"
        year = (f"(CASE WHEN __pm.c <> '' THEN CAST(__pm.c || __pm.yy AS INTEGER) ELSE "
                f"{base} - CASE WHEN {base} > {today_date.year} THEN 100 ELSE 0 END "
                f"- CASE WHEN __pm.sep = '+' THEN 100 ELSE 0 END END)")
        day = "(CAST(__pm.dd AS INTEGER) - CASE WHEN CAST(__pm.dd AS INTEGER) > 60 THEN 60 ELSE 0 END)"
        born = (f"TRY_CAST(lpad(CAST({year} AS VARCHAR), 4, '0') || '-' || __pm.mm || '-' || "
                f"lpad(CAST({day} AS VARCHAR), 2, '0') AS DATE)")
        ok = f"(({luhn}) % 10 = 0 AND {born} <= DATE {literal(today_date.isoformat())})"
        fast12 = f"(CASE WHEN {ok} THEN lpad(CAST({year} // 100 AS VARCHAR), 2, '0') || {ten} END)"
        other = f"jt_pnr({t('personnummer')})"
        sel2.append(f"(CASE WHEN {t('personnummer')} IS NULL THEN NULL WHEN __pfast THEN {fast12} "
                    f"WHEN __pother THEN split_part({other}, '|', 3) END) AS __p12")
        sel2.append(f"(CASE WHEN {t('personnummer')} IS NULL THEN NULL WHEN __pfast THEN (CASE WHEN {ok} THEN {born} END) "
                    f"WHEN __pother THEN CAST(NULLIF(split_part({other}, '|', 1), '') AS DATE) END) AS __pborn")
        sex = f"(CASE WHEN CAST(substr(__pm.tail, 3, 1) AS INTEGER) % 2 = 1 THEN 'man' ELSE 'kvinna' END)"
        sel2.append(f"(CASE WHEN {t('personnummer')} IS NULL THEN NULL WHEN __pfast THEN (CASE WHEN {ok} THEN {sex} END) "
                    f"WHEN __pother THEN NULLIF(split_part({other}, '|', 2), '') END) AS __psex")
    layer2 = f"SELECT {', '.join(sel2)} FROM ({layer1})"

    sel3: list[str] = ["__row", *carry]
    if pnr:
        d12 = "__p12"
        sel3 += ["__p12", "__pborn", "__psex"]
        flags["pnr_filled"] = f"{t('personnummer')} IS NOT NULL"
        flags["pnr_bad"] = f"{t('personnummer')} IS NOT NULL AND {d12} IS NULL"
        if "person_id" in model:
            ipad, opad = _hmac_pads()
            inner = f"unhex(sha256(from_hex({literal(ipad.hex())}) || encode({d12})))"
            sel3.append(f"('P' || substr(sha256(from_hex({literal(opad.hex())}) || {inner}), 1, 16)) AS __ppseudo")

    date_unit: dict[str, str] = {}
    for name, col in model.items():
        if name not in cols or name == "kon":
            continue
        k = _kind(types[name])
        tt = t(name)
        flags[f"{name}|filled"] = filled(name)
        if col.dtype in ("int", "float"):
            if name == table.age_column and k == "text":  # "60 år", "100+ år" (SCB)
                flags[f"{name}|open_age"] = (f"coalesce(regexp_full_match({tt}, {literal(AGE_TEXT)}) "
                                             f"AND regexp_extract({tt}, {literal(AGE_TEXT)}, 2) = '+', false)")
                tt = _age_text(tt)
            sel3.append(f"{_number_sql(s(name), tt, types[name])} AS {ident('n_' + name)}")
        elif col.dtype == "date":
            val, compact = _date_sql(s(name), tt, types[name])
            sel3.append(f"{val} AS {ident('v_' + name)}")
            flags[f"{name}|iso_parsed"] = f"{ident('v_' + name)} IS NOT NULL AND NOT coalesce({compact}, false)"
            date_unit[name] = name
        elif col.dtype == "bool":
            if k in ("int", "float"):
                val = f"(CASE WHEN {s(name)} = 1 THEN true WHEN {s(name)} = 0 THEN false END)"
            elif k == "bool":
                val = s(name)
            else:
                val = _case(f"lower({tt})", {a: "true" if b else "false" for a, b in _BOOL.items()})
            sel3.append(f"{val} AS {ident('v_' + name)}")
    for c in cols:
        sel3 += [t(c), s(c)]
    layer3 = f"SELECT {', '.join(sel3)} FROM ({layer2})"

    # layer 4: the model's values, the flags of each rule
    sel4: list[str] = ["__row", *carry] + ([s(c) for c in cols] if two_phase else [])
    for name, col in model.items():
        if name not in cols or name == "kon":
            continue
        tt = t(name)
        v = ident("v_" + name)
        if col.dtype in ("int", "float"):
            n = ident("n_" + name)
            flags[f"{name}|not_a_number"] = f"{filled(name)} AND {n} IS NULL"
            n2 = n
            if col.dtype == "int":
                flags[f"{name}|not_an_integer"] = f"{filled(name)} AND {n} IS NOT NULL AND {n} <> round({n})"
                n2 = _whole(n)
            bad = []
            if col.min is not None:
                bad.append(f"{n2} < {float(col.min)!r}")
            if col.max is not None:
                bad.append(f"{n2} > {float(col.max)!r}")
            if col.at_most is not None and col.at_most in cols and model[col.at_most].dtype in ("int", "float"):
                bad.append(f"{n2} > {ident('n_' + col.at_most)}")  # a numerator above its denominator
            if col.zero_unless is not None and col.zero_unless in cols and model[col.zero_unless].dtype == "bool":
                bad.append(f"({n2} <> 0 AND {ident('v_' + col.zero_unless)} = false)")  # money for a no
            if _days_between(col, cols, model):  # days that are not those between the dates
                # (each row's outcome, carried from before the first phase, when a date is
                # grouped by its form and not by its value)
                bad.append(ident(crossed[name]) if name in crossed
                           else _days_between_sql(col, n2, lambda c: ident("v_" + c), cols, model))
            badx = f"coalesce({' OR '.join(bad)}, false)" if bad else "false"
            flags[f"{name}|impossible"] = badx
            if col.warn_above is not None:  # possible, but the check names the rows (kept)
                flags[f"{name}|unusually_large"] = f"coalesce({n2} > {float(col.warn_above)!r}, false) AND NOT {badx}"
            flags[f"{name}|failed"] = (f"{filled(name)} AND ({n2} IS NULL OR {badx})")
            value = f"(CASE WHEN {badx} THEN NULL ELSE {n2} END)"
            if name in zero_fill:  # blank where the yes/no is no: 0, as the model says
                zero = f"NOT ({filled(name)}) AND coalesce({ident('v_' + col.zero_unless)} = false, false)"
                flags[f"{name}|zero"] = zero
                value = f"(CASE WHEN {zero} THEN 0 ELSE {value} END)"
            out_cols[name] = (f"CAST(round({value}) AS BIGINT)" if col.dtype == "int"
                              else f"CAST({value} AS DOUBLE)")
        elif col.dtype == "bool":
            flags[f"{name}|not_yes_no"] = flags[f"{name}|failed"] = f"{filled(name)} AND {v} IS NULL"
            out_cols[name] = v
            if _only_if(col, cols, model):  # yes where the other is no
                bad = f"coalesce({v} AND {ident('v_' + col.only_if)} = false, false)"
                flags[f"{name}|impossible"] = bad
                flags[f"{name}|failed"] = f"{filled(name)} AND ({v} IS NULL OR {bad})"
                out_cols[name] = f"(CASE WHEN {bad} THEN NULL ELSE {v} END)"
        elif col.dtype == "date":
            flags[f"{name}|bad_date"] = flags[f"{name}|failed"] = f"{filled(name)} AND {v} IS NULL"
            out_cols[name] = v
            if _not_before(col, cols, model):  # before the date it cannot be before (as crossed above)
                bad = (ident(crossed[name]) if name in crossed
                       else _not_before_sql(col, lambda c: ident("v_" + c)))
                flags[f"{name}|impossible"] = bad
                flags[f"{name}|failed"] = f"{filled(name)} AND ({v} IS NULL OR {bad})"
                out_cols[name] = f"(CASE WHEN {bad} THEN NULL ELSE {v} END)"
        elif col.dtype == "category" and col.allowed is not None:
            # A code is read whatever its case, å/ä/ö and spaces or hyphens ("Sång", "Placering
            # HVB", "Hälso- och sjukvård"), as :func:`code_key` writes the model's codes.
            key = f"regexp_replace(strip_accents(lower({tt})), '{_CODE_SPACES}', '_', 'g')"
            known = {code_key(a): literal(a) for a in col.allowed}
            if col.open_codes:  # another value is kept, capitalised (an instrument not listed:
                # "saxofon" and "Saxofon" one instrument), and named by the check
                out_cols[name] = _case(key, known, default=f"(upper(left({tt}, 1)) || lower(substr({tt}, 2)))")
                flags[f"{name}|unlisted"] = (
                    f"{tt} IS NOT NULL AND {key} NOT IN ({', '.join(literal(k) for k in known)})")
                flags[f"{name}|failed"] = "false"
            else:
                out_cols[name] = _case(key, known)
                flags[f"{name}|unknown_code"] = flags[f"{name}|failed"] = (
                    f"{tt} IS NOT NULL AND {key} NOT IN ({', '.join(literal(k) for k in known)})")
        else:
            out_cols[name] = tt
            flags[f"{name}|failed"] = "false"
    # derivations
    derived_order: list[tuple[str, str]] = []
    if pnr and "person_id" in model and (not cells or not values or "person_id" in ids):
        out_cols["person_id"] = "__ppseudo"  # grouped by problems only: it stays in the engine
    child = table.sex_values == CHILD_SEXES
    codes = SEX_CODES_CHILD if child else SEX_CODES_ADULT
    from_pnr = None
    if pnr:
        canon = {"kvinna": "flicka", "man": "pojke"} if child else {"kvinna": "kvinna", "man": "man"}
        from_pnr = _case("__psex", {k: literal(v) for k, v in canon.items()})
    if "kon" in cols:
        kt = t("kon")
        mapped = _case(f"lower({kt})", {k: literal(v) for k, v in codes.items()})
        if from_pnr is not None:
            flags["kon|from_pnr"] = f"{kt} IS NULL AND {from_pnr} IS NOT NULL"
            mapped = f"(CASE WHEN {kt} IS NULL AND {from_pnr} IS NOT NULL THEN {from_pnr} ELSE {mapped} END)"
            flags["kon|sex_mismatch"] = f"{mapped} IS NOT NULL AND {from_pnr} IS NOT NULL AND {mapped} <> {from_pnr}"
            # a blank sex is a missing sex (not an unknown code), as hl_01 and the load say
            flags["kon|missing_sex"] = f"{kt} IS NULL AND {from_pnr} IS NULL"
        else:
            flags["kon|missing_sex"] = f"{kt} IS NULL"
        flags["kon|unknown_sex"] = f"{kt} IS NOT NULL AND {mapped} IS NULL"
        flags["kon|filled"] = f"{kt} IS NOT NULL"
        flags["kon|failed"] = f"{kt} IS NOT NULL AND {mapped} IS NULL"
        out_cols["kon"] = f"coalesce({mapped}, {literal(UNKNOWN_SEX)})"
    elif from_pnr is not None:
        out_cols["kon"] = f"coalesce({from_pnr}, {literal(UNKNOWN_SEX)})"
        # sex from the personnummer alone: missing where none is given (an invalid one is
        # another code, as hl_01 counts them)
        flags["kon|missing_sex"] = f"{from_pnr} IS NULL AND NOT ({flags['pnr_bad']})"
    age = pnr and table.age_column and "alder" in model and ("alder" in cols or "alder" not in in_source)
    if age:
        if table.date_column and table.date_column in out_cols:
            at = ident("v_" + table.date_column)
        else:
            now = pd.Timestamp(today or pd.Timestamp.today().normalize())
            at = f"TIMESTAMP {literal(now.strftime('%Y-%m-%d %H:%M:%S'))}"
        ages = (f"(year({at}) - year(__pborn) - CASE WHEN month({at}) < month(__pborn) OR (month({at}) = "
                f"month(__pborn) AND day({at}) < day(__pborn)) THEN 1 ELSE 0 END)")
        if "alder" in out_cols:
            # only a blank cell: an age the export gives, even an unreadable or impossible one,
            # is not replaced (the check says so; the row is left out where age is used)
            blank = f"(NOT ({filled('alder')}))"
            flags["alder|from_pnr"] = f"{blank} AND {ages} IS NOT NULL"
            out_cols["alder"] = f"(CASE WHEN {blank} THEN {ages} ELSE {out_cols['alder']} END)"
        else:
            col = table.column("alder")
            bad = (f"coalesce({ages} < {float(col.min)!r} OR {ages} > {float(col.max)!r}, false)"
                   if col.min is not None else "false")
            flags["alder|impossible"] = bad
            out_cols["alder"] = f"(CASE WHEN {bad} THEN NULL ELSE {ages} END)"
    if "ar" in model and "ar" not in in_source and table.date_column in out_cols:
        out_cols["ar"] = f"CAST(year({ident('v_' + table.date_column)}) AS BIGINT)"
    if "orsakstyp" in model and "orsakstyp" not in in_source and "anmalningsorsak" in out_cols:
        out_cols["orsakstyp"] = _case(out_cols["anmalningsorsak"], {k: literal(v) for k, v in BOF_REASONS.items()})
    key = table.key
    pseudonym = pnr and "person_id" in model  # the key made from the personnummer (not in a cell table)
    row_ids = key in model and key not in in_source and not (key == "person_id" and pseudonym)
    if row_ids and (not cells or key in ids):
        out_cols[key] = "('rad ' || CAST(__row + 2 AS VARCHAR))"
    for name in presence:  # whether a value is given, not which
        if name in out_cols:
            out_cols[name] = f"(CASE WHEN ({out_cols[name]}) IS NOT NULL THEN true END)"
    stand_ins = period is not None and cells and values and any(period) and table.date_column in out_cols
    if stand_ins:
        # whether the date is before, in or after the period, not which
        start, end = (None if not p else f"TIMESTAMP {literal(p)}" for p in period)
        date = f"({out_cols[table.date_column]})"
        out_cols[table.date_column] = (
            f"(CASE WHEN {date} IS NULL THEN NULL"
            + (f" WHEN {date} < {start} THEN {start} - INTERVAL 1 DAY" if start else "")
            + (f" WHEN {date} > {end} THEN {end} + INTERVAL 1 DAY" if end else "")
            + f" ELSE {start or end} END)")
    for name, expr in out_cols.items():
        sel4.append(f"{expr} AS {ident('v_' + name)}")
    given = [c for c in ids if c in out_cols]  # kept in the engine: the cells say whether given
    for name in given:
        sel4.append(f"(({out_cols[name]}) IS NOT NULL) AS {ident(GIVEN + name)}")
    by_problems = cells and not values
    in_engine = by_problems or key in ids  # missing and repeated keys found in the engine
    engine_dups = in_engine and duplicates and key in out_cols and (
        key in cols or key == "person_id" and key not in in_source)
    for name in blank:  # a blank cell where a chapter needs a value (not one a personnummer fills)
        if name in (key, "kon") or name not in model or name in ids:
            continue  # (a blank key is a missing id, a blank sex its own problem)
        if name in cols:
            flags[f"{name}|blank"] = (f"NOT ({filled(name)})" + "".join(
                f" AND NOT ({flags[f'{name}|{how}']})" for how in ("from_pnr", "zero")
                if f"{name}|{how}" in flags))
        elif name == "person_id" and pseudonym and name not in in_source:
            # the person's id is the personnummer's pseudonym: a blank personnummer leaves the
            # row without one (an invalid one is its own problem), as the load finds it blank
            flags["person_id|blank"] = f"{t('personnummer')} IS NULL"
    if in_engine and key in cols:
        flags["__key_missing"] = f"({out_cols[key]}) IS NULL"
    elif key == "person_id" and pseudonym and key not in in_source:
        # the key is the personnummer's pseudonym: a blank personnummer is a missing id (an
        # invalid one is its own problem), so that the row is named and left out where the id
        # is used, as when the export's id column is blank
        flags["__key_missing"] = f"{t('personnummer')} IS NULL"
    if engine_dups and key in id_given:  # found before the first phase
        flags["__key_dup"] = "__dup"
    elif engine_dups:  # the rows whose id occurs more than once
        k = out_cols[key]
        flags["__key_dup"] = f"(({k}) IS NOT NULL AND count(*) OVER (PARTITION BY {k}) > 1)"
    flag_names = list(flags)
    for word in range(0, len(flag_names), 62):  # the flags as bits of a few integers
        bits = " + ".join(f"(CASE WHEN {flags[name]} THEN {1 << (i - word)} ELSE 0 END)"
                          for i, name in enumerate(flag_names[word:word + 62], start=word))
        sel4.append(f"CAST({bits} AS BIGINT) AS __bits{word // 62}")
    distinct = tuple(c for c in dict.fromkeys(distinct) if c in out_cols)
    if distinct or windows:
        private = [c for c in distinct if c in (key, "personnummer") or c.endswith("_id")
                   or (c in model and model[c].sensitive)]
        if not (cells and not values) or private:
            raise ValueError(f"distinct= groups the cells of a check by problems by codes or years "
                             f"(cells=True, values=False), not by {private or list(distinct)}.")
    windows = tuple(Window.of(w) for w in windows)
    in_window = [f"__in{i}" for i in range(len(windows))]
    dated = bool(table.date_column and table.date_column in out_cols and table.date_column not in presence)
    unit_col = table.unit_column if table.unit_column in out_cols else None
    age_col = table.age_column if table.age_column in out_cols else None
    for name, w in zip(in_window, windows):
        inside = []  # (each filter as the load applies it; one the table cannot apply keeps every row)
        if dated and (w.start or w.end or w.dated):
            d = f"({out_cols[table.date_column]})"
            inside.append(" AND ".join([f"{d} IS NOT NULL",
                                        *([f"{d} >= TIMESTAMP {literal(w.start)}"] if w.start else []),
                                        *([f"{d} <= TIMESTAMP {literal(w.end)}"] if w.end else [])]))
        if unit_col and w.unit is not None:
            u = f"({out_cols[unit_col]})"
            inside.append(f"regexp_replace(strip_accents(lower({u})), '{_CODE_SPACES}', '_', 'g') = "
                          f"{literal(code_key(w.unit))}")
        lo, hi = w.ages
        if age_col and (lo is not None or hi is not None):
            a = f"({out_cols[age_col]})"
            inside.append(" AND ".join([f"{a} IS NOT NULL", *([f"{a} >= {int(lo)}"] if lo is not None else []),
                                        *([f"{a} <= {int(hi)}"] if hi is not None else [])]))
        sel4.append(f"coalesce({' AND '.join(f'({c})' for c in inside) or 'true'}, false) AS {name}")
    seen: dict[str, dict] = {}
    rows_in: tuple = ()
    query = f"SELECT {', '.join(sel4)} FROM ({layer3})"
    n_words = (len(flag_names) + 61) // 62
    if cells and values and table.key in cols and table.key not in ids:
        raise ValueError("A cell table has no key: check its rows instead (cells=False), or keep it "
                         "in the engine (ids=).")
    if ids and not (cells and values and save):
        raise ValueError("ids= keeps identifying columns of a cell table in the engine: it needs "
                         "cells=True, values=True and save=.")
    if values is False and not cells:
        raise ValueError("values=False groups rows by their problems: it needs cells=True.")
    if save is not None and not by_problems and not ids:
        raise ValueError("save= keeps the rows of a check grouped by problems (cells=True, values=False).")
    rows_view = ((unique_name("chkrows") if ids else save) or unique_name("chkrows")) if cells else None
    row_columns: dict[str, bool] = {}
    sums = tuple(dict.fromkeys(sums))
    if sums:
        # an amount, not a column a filter reads (the date, the age, the unit)
        wrong = [c for c in sums if c not in out_cols or model[c].dtype not in ("int", "float")
                 or c in presence or c in ids or (keep is not None and c not in keep)
                 or c in (table.date_column, table.age_column, table.unit_column)]
        if wrong or not (cells and values) or ids:
            raise ValueError(f"sums= needs a cell table with values and no ids, and amount columns it "
                             f"keeps: not {wrong or list(sums)}.")
    if cells:  # one row per combination of values and problems, with its number of rows
        shown = [c for c in out_cols if (keep is None or c in keep) and c not in ids]
        keys = ([f"v_{c}" for c in shown if c not in sums] if values else
                [f"v_{c}" for c in distinct] + in_window) + [GIVEN + c for c in given] + [
            f"__bits{w}" for w in range(n_words)]
        anys = "" if values else "".join(f"any_value({ident('v_' + c)}) AS {ident('v_' + c)}, "
                                         for c in out_cols if c not in distinct)
        # the rows of a cell with a problem are listed (every row of a cell has the same ones),
        # for the first row numbers and the examples: a clean register sends almost none
        listed = [i for i, name in enumerate(flag_names) if not name.endswith(_NOT_PROBLEMS)]
        masks = [sum(1 << (i % 62) for i in listed if i // 62 == w) for w in range(n_words)]
        any_flag = " OR ".join(f"(__bits{w} & {m}) <> 0" for w, m in enumerate(masks) if m) or "false"
        by = "GROUP BY ALL" if keys else ""
        if two_phase:  # the combinations' counts add up; the rows of those with a problem are listed
            grouped = (f"SELECT {''.join(ident(k) + ', ' for k in keys)}sum(__n0) AS __n, min(__row) AS __row "
                       f"FROM {ident(rows_view)} {by}")
            if sums:  # the amounts' distinct values per cell first, then their sums per cell
                grouped = _cell_sums(keys, sums, ident(rows_view), "__n0")
            def same_class(c: str) -> str:  # a row of the combination's form and grades
                fc, fr = form(c, "c." + s(c)), form(c, "r." + ident(c))
                return (f"(CASE WHEN {fc} > 0 THEN {fr} = {fc}"
                        + "".join(f" AND {a} = {b}" for a, b in zip(grades(c, "c." + s(c), fc),
                                                                    grades(c, "r." + ident(c), fr)))
                        + f" ELSE c.{s(c)} IS NOT DISTINCT FROM r.{ident(c)} END)")

            same_raw = " AND ".join([f"c.{s(c)} IS NOT DISTINCT FROM r.{ident(c)}" if c not in valid else
                                     same_class(c) for c in plain]
                                    + [f"c.{c} = r.{c}" for c in carry if c != "__n0"]) or "true"
            same_cell = " AND ".join(f"g.{ident(k)} IS NOT DISTINCT FROM f.{ident(k)}" for k in keys) or "true"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(rows_view)} AS {query}")
            # A row's combination by its hash alone when no two combinations share one (else by
            # the values as well): a join on one integer instead of on every column read
            same_row = same_raw
            if id_given and not con.sql(f"SELECT count(*) FROM (SELECT __h FROM {ident(rows_view)} "
                                        "GROUP BY __h HAVING count(*) > 1)").fetchall()[0][0]:
                same_row = "c.__h = r.__h"
            # the rows as the first phase grouped them: with the carried rules' outcomes (made per
            # row again without ids; the view with ids has them)
            each_row = with_crossed(ident(aug)) if crossed and not id_given else ident(aug)
            flagged = (f"SELECT {''.join('c.' + ident(k) + ', ' for k in keys)}list(r.__row ORDER BY r.__row) "
                       f"AS __flagged FROM (SELECT * FROM {ident(rows_view)} WHERE {any_flag}) c "
                       f"JOIN {each_row} r ON {same_row} {by}")
            res = con.sql(f"SELECT g.*, f.__flagged FROM ({grouped}) g LEFT JOIN ({flagged}) f ON {same_cell} "
                          "ORDER BY g.__row").to_arrow_table()
            if ids:  # each row's cell, by its combination's, with its ids
                numbered = {key: "('rad ' || CAST(r.__row + 2 AS VARCHAR))"} if key in given and key not in cols else {}
                _keep_ids(con, rows_view, save, res, keys, given, rows=aug, same=same_row,
                          texts={c: numbered.get(c) or f"r.{id_text[c]}" for c in given})
                row_columns = {c: bool(pc.any(res.column(GIVEN + c)).as_py()) for c in given}
            con.execute(f"DROP TABLE IF EXISTS {ident(rows_view)}")
            if aug != view:
                con.execute(f"DROP VIEW IF EXISTS {ident(aug)}")
            if dups:
                con.execute(f"DROP TABLE IF EXISTS {ident(dups)}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP {'TABLE' if save else 'VIEW'} {ident(rows_view)} AS {query}")
            moments = ""
            if sums:  # each cell's sums of its amounts (one per row here), with the rows' list
                moments = "".join(", " + m for m in _sum_columns(sums, "1"))
                rows_from_s = f"(SELECT *, {_least(keys, sums)} FROM {ident(rows_view)})"
            else:
                rows_from_s = ident(rows_view)
            res = con.sql(f"SELECT {''.join(ident(k) + ', ' for k in keys)}{anys}count(*) AS __n, "
                          f"min(__row) AS __row, list(__row ORDER BY __row) FILTER (WHERE {any_flag}) AS __flagged"
                          f"{moments} FROM {rows_from_s} {by} HAVING count(*) > 0 ORDER BY __row").to_arrow_table()
            if ids:  # each row's cell, by its cell's values and problems, with its ids
                _keep_ids(con, rows_view, save, res, keys, given)
                row_columns = {c: bool(pc.any(res.column(GIVEN + c)).as_py()) for c in given}
            elif not save:
                con.execute(f"DROP VIEW IF EXISTS {ident(rows_view)}")
        weights = np.asarray(res.column("__n").to_numpy(), dtype=np.int64)
        for c in distinct:  # each value the rows have, and whether in each window
            found: dict = {}
            flags_in = [res.column(w).to_pylist() for w in in_window]
            for i, v in enumerate(res.column("v_" + c).to_pylist()):
                if v is not None and weights[i] > 0:
                    had = found.get(v, (False,) * len(in_window))
                    found[v] = tuple(a or bool(f[i]) for a, f in zip(had, flags_in))
            seen[c] = found
        rows_in = tuple(bool(any(bool(f) and n > 0 for f, n in zip(res.column(w).to_pylist(), weights)))
                        for w in in_window)
        if in_window:
            res = res.drop_columns(in_window)
        if sums:
            if pc.all(res.column("__same")).as_py() is False:  # a rule of the check, not of the data
                # (no cells at all: no answer, which is no mix)
                raise RuntimeError("A cell mixes rows with and without a valid amount.")
            res = res.drop_columns(["__same"])
    else:
        res = con.sql(query).to_arrow_table()
        weights = None
    index = pd.RangeIndex(res.num_rows)
    row_numbers = None if cells else np.asarray(res.column("__row").to_numpy(), dtype=np.int64)
    words = [np.asarray(res.column(f"__bits{w}").to_numpy()) for w in range(n_words)]
    flag_col = {}
    for i, name in enumerate(flag_names):
        arr = (words[i // 62] >> np.int64(i % 62)) & 1
        flag_col[name] = pa.chunked_array([pa.array(arr.astype(bool))])
    counts = {name: int(np.count_nonzero(arr.chunk(0).to_numpy(zero_copy_only=False))) if weights is None
              else int(weights[np.asarray(arr.chunk(0).to_numpy(zero_copy_only=False), dtype=bool)].sum())
              for name, arr in flag_col.items()}
    n_rows = res.num_rows if weights is None else int(weights.sum())
    res = res.select([c for c in res.column_names if not c.startswith("__bits")])
    for name in zero_fill:  # no value on any row: the export lacks the amount, no zeros
        zero = f"{name}|zero"
        if counts.get(f"{name}|filled", 0) or not counts.get(zero, 0):
            continue
        for c in ("v_" + name, GIVEN + name, SPREAD + name):
            if c in res.column_names:
                kept = res.column(c)
                res = res.set_column(res.column_names.index(c), c, pa.nulls(len(res), kept.type)
                                     if c != GIVEN + name else pa.array(np.zeros(len(res), dtype=bool)))
        blank = f"{name}|blank"
        if blank in flag_col:  # every row is blank
            flag_col[blank] = pa.chunked_array([pa.array(np.ones(len(res), dtype=bool))])
            counts[blank] = n_rows
        flag_col[zero] = pa.chunked_array([pa.array(np.zeros(len(res), dtype=bool))])
        counts[zero] = 0
    if cells:  # the rows with a problem, with their flags, for the first rows and the examples
        lists = res.column("__flagged")
        per_cell = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        order = np.argsort(flat, kind="stable")
        flagged_rows, cell_of = flat[order], np.repeat(np.arange(res.num_rows), per_cell)[order]
        flagged = {"__row": flagged_rows}
        for i in listed:
            if counts[flag_names[i]]:
                flagged[f"__f{i}"] = np.asarray(flag_col[flag_names[i]].to_numpy(zero_copy_only=False),
                                                dtype=bool)[cell_of]
        res = res.drop_columns(["__flagged"])
        con.register(chk_name, pa.table(flagged))
    else:
        for i, name in enumerate(flag_names):  # the flags that occur, for the examples' queries
            if counts[name]:
                res = res.append_column(f"__f{i}", flag_col[name])
        con.register(chk_name, res)

    def mask(name: str) -> pd.Series:
        return pd.Series(np.asarray(flag_col[name].to_numpy(zero_copy_only=False), dtype=bool), index=index)

    def first(name: str, k: int = 5) -> tuple[int, ...]:
        if cells:
            i = flag_names.index(name)
            assert i in listed, name  # only problems have their rows listed
            return tuple(int(r) + 2 for r in flagged_rows[flagged[f"__f{i}"]][:k]) if f"__f{i}" in flagged else ()
        arr = np.asarray(flag_col[name].to_numpy(zero_copy_only=False), dtype=bool)
        # (the rows' numbers: their positions, unless the source's blank lines skip some)
        return tuple(int(r) + 2 for r in row_numbers[np.flatnonzero(arr)[:k]])

    def example(name: str, column: str, *, blank: str | None = None) -> str | None:
        i = flag_names.index(name)
        expr = texts[column]
        src_view = read_view or view
        value = f"coalesce({expr}, {literal(blank)})" if blank is not None else expr
        rows = con.sql(
            f"SELECT v FROM (SELECT v, min(r) AS r FROM (SELECT s.__row AS r, {value} AS v FROM "
            f"{ident(src_view)} s SEMI JOIN (SELECT __row FROM {chk_name} WHERE __f{i}) f ON s.__row = f.__row) "
            "WHERE v IS NOT NULL GROUP BY v) ORDER BY r LIMIT 3").fetchall()
        shown = [example_text(r[0]) for r in rows]
        return ", ".join(shown) if shown else "'(tomt)'"

    problem_rows: list[np.ndarray] = []  # the rows (0 = the first) of each row problem
    # The export's own columns whose blank cells the personnummer filled: their problems are
    # about the export's values (not "härledd från personnummer"), and the check says how many
    # values came from the personnummer.
    filled_in = {c: counts[f"{c}|from_pnr"] for c in ("kon", "alder") if counts.get(f"{c}|from_pnr", 0)}

    def origin(column: str) -> str | None:
        return None if column in filled_in else chk.derived.get(column)

    def rows(column: str, kind: str, name: str, *, with_example: bool = True, detail: str = "",
             blank: str | None = None) -> None:
        n = counts.get(name, 0)
        if not n:
            return
        m = mask(name)
        if cells:
            i = flag_names.index(name)
            if f"__f{i}" in flagged:
                problem_rows.append(flagged_rows[flagged[f"__f{i}"]])
        else:
            problem_rows.append(np.flatnonzero(m.to_numpy(dtype=bool)))
        chk.masks[(column, kind)] = m if (column, kind) not in chk.masks else chk.masks[(column, kind)] | m
        ex = (example(name, column, blank=blank) if with_example and not chk.sensitive(column) else None)
        chk.problems.append(Problem(table.name, source, column, kind, "rader", n, first(name), ex,
                                    detail, export_names.get(column), origin(column)))

    def mostly(column: str, filled: str, failed: str) -> None:
        n_filled, n_failed = counts.get(filled, 0), counts.get(failed, 0)
        if n_filled and n_failed > FAIL_MIN and n_failed / n_filled > FAIL_SHARE:
            share = round(100 * n_failed / n_filled)
            chk.problems.append(Problem(
                table.name, source, column, "mostly_invalid", "fel", n_failed, first(failed), None,
                f"{share} % av de ifyllda värdena, gränsen är {round(100 * FAIL_SHARE)} %",
                export_names.get(column), origin(column)))

    if pnr:
        rows("personnummer", "bad_personnummer", "pnr_bad", with_example=False)
        mostly("personnummer", "pnr_filled", "pnr_bad")
    for name, col in model.items():
        if name not in cols or name == "kon":
            continue
        if col.dtype in ("int", "float"):
            # an age the export gives is not replaced by the personnummer's, not even a wrong one
            kept = ("personnumret ersätter inte ett ifyllt värde: rätta åldern eller töm cellen, "
                    "så används åldern från personnumret" if name == "alder" and "alder|from_pnr" in flags
                    else "")
            rows(name, "not_a_number", f"{name}|not_a_number", detail=kept)
            if col.dtype == "int":
                rows(name, "not_an_integer", f"{name}|not_an_integer")
            bound = (f"högst {export_names.get(col.at_most, col.at_most)}"
                     if col.at_most is not None and col.at_most in cols else "")
            # (said as the export's yes/no: "Nej", "0" or "N" alike is a no, a refusal)
            zero = (f"0 där '{export_names.get(col.zero_unless, col.zero_unless)}' är nej (avslag)"
                    if col.zero_unless is not None and col.zero_unless in cols else "")
            days = (f"dagarna från {export_names.get(col.days_between[0], col.days_between[0])} till "
                    f"{export_names.get(col.days_between[1], col.days_between[1])}"
                    if _days_between(col, cols, model) else "")
            rows(name, "impossible", f"{name}|impossible",
                 detail=", ".join(x for x in (f"tillåtet {col.min:g}–{col.max:g}" if col.min is not None else "",
                                              bound, zero, days, kept) if x))
            if counts.get(f"{name}|open_age", 0):  # kept, read as the group's lowest age
                flag = f"{name}|open_age"
                chk.problems.append(Problem(table.name, source, name, "open_age", "info",
                                            counts[flag], first(flag), example(flag, name), "",
                                            export_names.get(name), origin(name)))
            if col.warn_above is not None and counts.get(f"{name}|unusually_large", 0):
                flag = f"{name}|unusually_large"
                chk.problems.append(Problem(table.name, source, name, "unusually_large", "info",
                                            counts[flag], first(flag), None,
                                            f"över {number_text(col.warn_above)}",
                                            export_names.get(name), origin(name)))
        elif col.dtype == "bool":
            rows(name, "not_yes_no", f"{name}|not_yes_no")
            if _only_if(col, cols, model):
                rows(name, "impossible", f"{name}|impossible",
                     detail=f"1 bara där {export_names.get(col.only_if, col.only_if)} är 1")
        elif col.dtype == "date":
            rows(name, "bad_date", f"{name}|bad_date")
            if _not_before(col, cols, model):
                rows(name, "impossible", f"{name}|impossible",
                     detail=f"inte före {export_names.get(col.not_before, col.not_before)}")
        elif col.dtype == "category" and col.allowed is not None and col.open_codes:
            flag = f"{name}|unlisted"
            if counts.get(flag, 0):  # kept under its own name, but a misspelling is said
                chk.problems.append(Problem(table.name, source, name, "unlisted_code", "info",
                                            counts[flag], first(flag),
                                            example(flag, name) if not chk.sensitive(name) else None,
                                            f"listade värden: {', '.join(col.allowed)}",
                                            export_names.get(name), origin(name)))
        elif col.dtype == "category" and col.allowed is not None:
            rows(name, "unknown_code", f"{name}|unknown_code",
                 detail=f"tillåtna värden: {', '.join(col.allowed)}")
        mostly(name, f"{name}|filled", f"{name}|failed")
        if counts.get(f"{name}|zero", 0):  # read as 0, said once (kept)
            other = export_names.get(col.zero_unless, col.zero_unless)
            chk.problems.append(Problem(
                table.name, source, name, "derived", "info", counts[f"{name}|zero"],
                detail=f"som 0 där kolumnen är tom och '{other}' är nej (vid ett avslag är "
                       "beloppet 0 i datamodellen); övriga värden är exportens egna",
                export_column=export_names.get(name), derived_from=col.zero_unless))
        if 0 < counts.get(f"{name}|blank", 0) < n_rows:  # (blank on every row: the export lacks it)
            rows(name, "missing_value", f"{name}|blank", with_example=False)
    if pnr and "person_id" in model:
        chk.derived["person_id"] = "personnummer"
        if 0 < counts.get("person_id|blank", 0) < n_rows:  # a blank personnummer: no person
            rows("person_id", "missing_value", "person_id|blank", with_example=False, detail=PNR_MISSING)
    if "kon" in cols:
        if pnr:
            if counts.get("kon|from_pnr", 0):
                chk.derived["kon"] = "personnummer"
            rows("kon", "sex_mismatch", "kon|sex_mismatch", with_example=False)
        rows("kon", "missing_sex", "kon|missing_sex", with_example=False)
        rows("kon", "unknown_sex", "kon|unknown_sex")
        mostly("kon", "kon|filled", "kon|failed")
        # unknown sex is kept as its own level (counted separately), not a row problem; the
        # mask of a missing sex stays: the load's reasons tell it from another code
        chk.masks.pop(("kon", "unknown_sex"), None)
    elif pnr:
        chk.derived["kon"] = "personnummer"
        if counts.get("kon|missing_sex", 0):
            chk.masks[("kon", "missing_sex")] = mask("kon|missing_sex")
    if age:
        if table.date_column and table.date_column in out_cols:
            chk.depends["alder"] = {"personnummer", table.date_column}
        if "alder|from_pnr" in flags:
            if counts.get("alder|from_pnr", 0):
                chk.derived["alder"] = "personnummer"
        else:
            col = table.column("alder")
            chk.derived["alder"] = "personnummer"
            rows("alder", "impossible", "alder|impossible", with_example=False,
                 detail=f"tillåtet {col.min:g}–{col.max:g}")
    if "ar" in out_cols and "ar" not in cols:
        chk.derived["ar"] = table.date_column
    if "orsakstyp" in out_cols and "orsakstyp" not in cols:
        chk.derived["orsakstyp"] = "anmalningsorsak"
    # the key: missing and duplicate ids (a second, small query: the rows whose id repeats)
    # whether no two rows without the key's problems share a key (the repeats were searched)
    key_unique = (engine_dups if in_engine else duplicates) if key in cols else row_ids
    if key not in cols and "__key_missing" in flags:  # a blank personnummer (the key's source)
        rows(key, "missing_id", "__key_missing", with_example=False, detail=PNR_MISSING)
    if key in cols and in_engine:  # flagged in the engine, in the same order as below
        rows(key, "missing_id", "__key_missing", with_example=False)
        if engine_dups:
            rows(key, "duplicate_id", "__key_dup")
    elif key in cols:
        kv = ident("v_" + key)
        missing = con.sql(f"SELECT count(*) FROM {chk_name} WHERE {kv} IS NULL").fetchall()[0][0]
        if missing:
            flag_col["__key_missing"] = pa.chunked_array([pc.is_null(res.column("v_" + key))])
            counts["__key_missing"] = int(missing)
            flag_names.append("__key_missing")
            rows(key, "missing_id", "__key_missing", with_example=False)
        if duplicates:
            _duplicates(con, chk_name, res, key, flag_col, counts, flag_names)
        if counts.get("__key_dup"):
            con.register(chk_name, res.append_column("__f" + str(flag_names.index("__key_dup")),
                                                    flag_col["__key_dup"]))
            rows(key, "duplicate_id", "__key_dup")
    elif row_ids:
        chk.derived[key] = "radnumret"
        chk.info(key, "empty_key" if empty_key else "row_ids")
    elif key == "person_id" and key not in in_source and "person_id" in out_cols and duplicates:
        key_unique = True
        if not in_engine:
            _duplicates(con, chk_name, res, key, flag_col, counts, flag_names)
        if counts.get("__key_dup"):
            rows("person_id", "duplicate_id", "__key_dup", with_example=False)
    for column, src in chk.derived.items():
        if column in filled_in:  # the export's column, its blanks filled: how many, not the column
            chk.problems.append(Problem(
                table.name, source, column, "derived", "info", filled_in[column],
                detail=f"från '{export_names.get(src, src)}' där kolumnen är tom; övriga "
                       "värden är exportens egna",
                export_column=export_names.get(column), derived_from=src))
        elif column != key:
            chk.info(column, "derived", f"härledd från '{export_names.get(src, src)}'")

    data = _to_pandas(res, [c for c in model if c in out_cols and c not in ids and (
        not cells or not values or keep is None or c in keep)], date_unit,
        # the period's stand-ins may fall between seconds (a bound with a time of day)
        {**counts, f"{table.date_column}|iso_parsed": 1} if stand_ins else counts)
    for c in given:
        data[GIVEN + c] = np.asarray(res.column(GIVEN + c).to_numpy(zero_copy_only=False), dtype=bool)
    for c in sums:
        data[SPREAD + c] = res.column(SPREAD + c).to_pandas(types_mapper={pa.float64(): pd.Float64Dtype()}.get)
    if cells:
        data[CELL_COUNT] = weights
    con.unregister(chk_name)
    # a derived column's problems name its source as the export does (the column to fill in)
    problems = [replace(p, derived_export=export_names[p.derived_from])
                if p.derived_from in export_names else p for p in chk.problems]
    return CheckedTable(table=table, source=source, data=data, problems=problems,
                        masks=chk.masks, derived=chk.derived, export_names=export_names,
                        rows_read=n_rows, depends=chk.depends,
                        sex_flags={k: v for k, v in counts.items() if k.startswith("kon|")},
                        weight=CELL_COUNT if cells else None, rows=save if ids else None,
                        row_columns=row_columns, key_unique=bool(key_unique), seen=seen,
                        rows_in=rows_in,
                        problem_rows=np.unique(np.concatenate(problem_rows)).astype(np.int64)
                        if problem_rows else np.zeros(0, dtype=np.int64))


#: A date with a time of day as the check reads it (layer 3 of :func:`check_view`).
_ISO_TIME = "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?"


def _bound_days(con, period) -> tuple | None:
    """The days a date must be before (the start's day, or the next when the start has a time of
    day) or after (the end's day) to be outside ``period``, read by the engine as the period's
    stand-ins read the bounds (``TIMESTAMP '...'``); None when a bound has no day Python can
    hold (the first phase then groups the dates as read)."""
    import datetime as dt

    import duckdb

    from jamtools.data.engine import literal

    out = []
    for i, p in enumerate(period):
        if not p:
            out.append(None)
            continue
        t = f"TIMESTAMP {literal(p)}"
        try:
            (day, timed), = con.sql(f"SELECT CAST({t} AS DATE), {t} > CAST(CAST({t} AS DATE) AS TIMESTAMP)"
                                    ).fetchall()
            if not isinstance(day, dt.date):  # a day beyond Python's (given as text)
                return None
            out.append(day + dt.timedelta(days=1) if i == 0 and timed else day)
        except (ArithmeticError, ValueError, duckdb.Error):  # out of Python's dates; not a timestamp
            return None  # (the stand-ins then say so, or compare it)
    return tuple(out)


def _least(keys: list[str], sums) -> str:
    """Window columns: each row's cell's least amount of each column of ``sums``."""
    from jamtools.data.engine import ident

    part = f"PARTITION BY {', '.join(ident(k) for k in keys)}" if keys else ""
    return ", ".join(f"min({ident('v_' + c)}) OVER ({part}) AS {ident('__least_' + c)}" for c in sums)


def _sum_columns(sums, weight: str) -> list[str]:
    """Per cell, from rows with ``__least_<c>`` (:func:`_least`) and ``weight`` units each: the
    mean of each amount ``c`` as ``v_<c>`` and its sum of squares about the mean as
    :data:`SPREAD` + ``c``, both from the amounts less the least (so that equal amounts give
    exactly the amount and 0), missing without amounts. ``fsum`` (compensated) adds them."""
    from jamtools.data.engine import ident

    out = []
    for c in sums:
        v, least = ident("v_" + c), ident("__least_" + c)
        n = f"sum({weight}) FILTER (WHERE {v} IS NOT NULL)"
        d1 = f"fsum({weight} * ({v} - {least}))"
        d2 = f"fsum({weight} * ({v} - {least}) * ({v} - {least}))"
        out.append(f"min({least}) + {d1} / {n} AS {v}")
        out.append(f"CASE WHEN count({v}) > 0 THEN greatest({d2} - {d1} * {d1} / {n}, 0.0) END "
                   f"AS {ident(SPREAD + c)}")  # (greatest skips a NULL)
    # every row of a cell has the same problems, so all or none of them have each amount
    out.append("(" + " AND ".join(f"bool_and({ident('v_' + c)} IS NULL) = bool_or({ident('v_' + c)} IS NULL)"
                                  for c in sums) + ") AS __same")
    return out


def _cell_sums(keys: list[str], sums, rows: str, weight: str) -> str:
    """The two-phase check's cells (``keys``) from its combinations ``rows`` (``weight`` rows
    each), with the amounts ``sums`` summed per cell (:func:`_sum_columns`) instead of grouped
    by: first their distinct values per cell, then the cell's sums over them."""
    from jamtools.data.engine import ident

    by = ", ".join(ident(k) for k in keys)
    amounts = ", ".join(ident("v_" + c) for c in sums)
    distinct = (f"SELECT {by + ', ' if by else ''}{amounts}, sum({weight}) AS __w, min(__row) AS __row "
                f"FROM {rows} GROUP BY ALL")
    return (f"SELECT {by + ', ' if by else ''}sum(__w) AS __n, min(__row) AS __row, "
            f"{', '.join(_sum_columns(sums, '__w'))} "
            f"FROM (SELECT *, {_least(keys, sums)} FROM ({distinct})){' GROUP BY ' + by if by else ''}")


def _keep_ids(con, rows_view: str, save: str, res, keys: list[str], ids: list[str], *,
              rows: str | None = None, same: str = "", texts: dict | None = None) -> None:
    """``check_view(..., ids=...)``: the table ``save`` with each checked row's ``__row``, its
    cell (the position of its values and problems in ``res``) and its ids. ``rows_view`` holds
    the checked rows (dropped here), or with ``rows`` the checked combinations of a two-phase
    check: then the rows of ``rows`` are matched to their combination by ``same`` (``c.`` the
    combination, ``r.`` the row) and their ids written by ``texts`` (column -> SQL over ``r``)."""
    import numpy as np
    import pyarrow as pa

    from jamtools.data.engine import ident, unique_name

    cells = unique_name("cellkeys")
    con.register(cells, pa.table({**{k: res.column(k) for k in keys},
                                  "__cell": pa.array(np.arange(res.num_rows, dtype=np.int64))}))
    same_cell = " AND ".join(f"r.{ident(k)} IS NOT DISTINCT FROM c.{ident(k)}" for k in keys) or "true"
    try:
        if rows is None:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(save)} AS SELECT r.__row, c.__cell"
                        f"{''.join(', r.' + ident('v_' + c) for c in ids)} FROM {ident(rows_view)} r "
                        f"JOIN {ident(cells)} c ON {same_cell}")
        else:
            combos = (f"SELECT c.*, k.__cell FROM {ident(rows_view)} c JOIN {ident(cells)} k ON "
                      + (" AND ".join(f"c.{ident(k)} IS NOT DISTINCT FROM k.{ident(k)}" for k in keys) or "true"))
            written = "".join(f", {texts[c]} AS {ident('v_' + c)}" for c in ids)
            # The combinations find their cells first (a few against a few), then the rows their
            # combination: as one join the engine may match every row to its combination and
            # then every row, by all the cell's values, to its cell (0.35 s instead of 0.23 s
            # for 1 M rows of ht_beslut)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(save)} AS WITH __combos AS MATERIALIZED ({combos}) "
                        f"SELECT r.__row, c.__cell{written} FROM {ident(rows)} r JOIN __combos c ON {same}")
    finally:
        con.unregister(cells)
        if rows is None:
            con.execute(f"DROP TABLE IF EXISTS {ident(rows_view)}")


def dangling_references(con, rows: str, column: str, known: str, known_column: str, *,
                        hide: bool, every_row: list | None = None) -> tuple[int, tuple[int, ...], str | None]:
    """The references of one table to rows another lacks, in the engine.

    ``rows`` and ``known`` are engine tables of checked rows (``check_view(..., save=...)``):
    a row of ``rows`` whose ``column`` is given and whose text is not among the texts of
    ``known_column`` in ``known`` refers to a row that is missing (as :func:`not_in` on the
    loaded columns).

    Returns
    -------
    count, first_rows, example : int, tuple of int, str or None
        The number of such rows, the first five row numbers (as :func:`first_rows` writes
        them) and up to three of their values in row order (as :func:`harmless_example`; None
        with ``hide``, for an id made from a personnummer). With ``every_row`` (a list), the
        rows themselves (0 = the first) are appended to it, as one integer array.
    """
    from jamtools.data.engine import ident

    v, k = ident("v_" + column), ident("v_" + known_column)
    dangling = (f"SELECT __row, CAST({v} AS VARCHAR) AS v FROM {ident(rows)} WHERE {v} IS NOT NULL "
                f"AND CAST({v} AS VARCHAR) NOT IN (SELECT CAST({k} AS VARCHAR) FROM {ident(known)} "
                f"WHERE {k} IS NOT NULL)")
    n, first = con.sql(f"SELECT count(*), list(__row ORDER BY __row)[1:5] FROM ({dangling})").fetchall()[0]
    if not n:
        return 0, (), None
    if every_row is not None:
        every_row.append(np.asarray([r[0] for r in con.sql(f"SELECT __row FROM ({dangling})").fetchall()],
                                    dtype=np.int64))
    example = None
    if not hide:
        values = con.sql(f"SELECT v FROM ({dangling}) GROUP BY v ORDER BY min(__row) LIMIT 3").fetchall()
        example = ", ".join(example_text(r[0]) for r in values)
    return int(n), tuple(int(r) + 2 for r in first), example


def _combo_hash(columns: list[str]) -> str:
    """SQL of a 64-bit hash of the values of ``columns`` (SQL expressions) of a row: the
    combination a two-phase check with ids (:func:`check_view`) groups the row into, which the
    row finds again by this one integer when no two combinations share a hash (tests replace
    it with a coarse one, under which they do)."""
    return f"hash({', '.join(columns)})"


#: The engine's function that hashes a key value in :func:`_repeated_keys` (tests set a coarse
#: one, such as ``length``, under which different ids collide).
_KEY_HASH = "hash"


def _repeated_keys(con, view: str, key_text: str) -> str | None:
    """The name of an engine table of the key values (``key_text``, an SQL expression over
    ``view``) that more than one row has, or None when no value repeats (then no table).

    Exact, in two steps: first the rows are grouped by a 64-bit hash of their value, an integer
    per row, which is quicker than grouping the text (0.6 s against 0.8-1.0 s for 8 million
    distinct ids of 14 characters); only when some hash repeats are the rows with such a hash
    grouped by their value, so two ids that share a hash but differ are never taken as one."""
    import pyarrow as pa

    from jamtools.data.engine import ident, unique_name

    values = f"SELECT {key_text} AS v FROM {ident(view)}"
    hashes = con.sql(f"SELECT {_KEY_HASH}(v) AS h FROM ({values}) WHERE v IS NOT NULL GROUP BY 1 "
                     "HAVING count(*) > 1").to_arrow_table()
    if hashes.num_rows == 0:
        return None
    name, candidates = unique_name("dups"), unique_name("duphash")
    con.register(candidates, pa.table({"h": hashes.column("h")}))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT v FROM ({values}) "
                    f"WHERE v IS NOT NULL AND {_KEY_HASH}(v) IN (SELECT h FROM {ident(candidates)}) "
                    "GROUP BY v HAVING count(*) > 1")
    finally:
        con.unregister(candidates)
    return name


def _duplicates(con, chk_name: str, res, key: str, flag_col: dict, counts: dict, flag_names: list) -> None:
    """The rows whose ``key`` value occurs more than once, as flag ``__key_dup``."""
    import numpy as np
    import pyarrow as pa

    from jamtools.data.engine import ident

    kv = ident("v_" + key)
    rows = con.sql(f"SELECT __row FROM {chk_name} WHERE {kv} IN (SELECT {kv} FROM {chk_name} WHERE {kv} IS NOT NULL "
                   f"GROUP BY {kv} HAVING count(*) > 1)").to_arrow_table().column(0).to_numpy()
    if len(rows):
        numbers = res.column("__row").to_numpy()
        if numbers.size and numbers.max() == res.num_rows - 1:  # (the rows' positions)
            arr = np.zeros(res.num_rows, dtype=bool)
            arr[rows] = True
        else:  # numbers that skip the blank lines of the file (jamtools.data.readers.RowGaps)
            arr = np.isin(numbers, rows)
        flag_col["__key_dup"] = pa.chunked_array([pa.array(arr)])
        counts["__key_dup"] = int(len(rows))
        flag_names.append("__key_dup")


def _to_pandas(res, columns: list[str], date_unit: dict, counts: dict) -> pd.DataFrame:
    """The typed values as the chapters expect them: ``Int64``, ``Float64``, ``boolean``,
    ``datetime64`` and Arrow-backed ``string``."""
    import pyarrow as pa

    mapper = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(),
              pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    out = {}
    for c in columns:
        arr = res.column("v_" + c)
        if pa.types.is_null(arr.type):
            arr = arr.cast(pa.string())
        if pa.types.is_timestamp(arr.type):
            unit = "us" if counts.get(f"{c}|iso_parsed", 0) else "s"
            out[c] = pd.Series(arr.cast(pa.timestamp(unit)).to_pandas(), name=c)
        else:
            out[c] = arr.to_pandas(types_mapper=mapper.get)
    frame = pd.DataFrame(out, index=pd.RangeIndex(res.num_rows), copy=False)
    for c in columns:
        if pd.api.types.is_object_dtype(frame[c].dtype) or frame[c].dtype == "str":
            frame[c] = frame[c].astype("string")
    return frame
