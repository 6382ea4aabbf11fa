"""Frozen copy of ``jamtools/data/check.py`` as it was before the engine rewrite (issue #13):
the pandas check, kept only as the oracle that ``test_engine_equivalence.py`` compares the
engine check with. Do not change it; it is not used by jamtools."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from jamtools.data.model import BOF_REASONS, CHILD_SEXES, UNKNOWN_SEX, Table

#: Share of a column's filled-in values that may fail before the column is an error (wrong
#: mapping or coding) rather than a few bad rows to leave out. Documented in the chapter
#: *Kör handboken på egna data*.
FAIL_SHARE = 0.20
#: ... and more than this many values: in a tiny table one bad row is not a wrong mapping.
FAIL_MIN = 5


#: Input codes for sex that are mapped onto the model's canonical values (adults).
#: (changed on purpose since the copy was frozen: Statistics Sweden's plurals "kvinnor", "män"
#: and the children's "flickor", "pojkar" are sex codes, as in the engine check)
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
    # (changed on purpose since the copy was frozen: a blank sex is a missing sex, its own kind,
    # as hl_01 and the load's reasons say, not an unknown code '(tomt)')
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
    # (added on purpose since the copy was frozen, as in the engine check)
    "open_age": ("öppen åldersgrupp, open-ended age group",
                 "Värdet betyder den åldern eller äldre (SCB skriver '100+ år' för 100 år eller "
                 "äldre). Raderna räknas med och läses som gruppens lägsta ålder; det spelar roll "
                 "bara för en åldersgrupp som börjar över den åldern."),
    "reference_not_checked": ("referensen kontrolleras inte, reference not checked", ""),
    "period_not_applied": ("perioden kan inte väljas, no date column", ""),
}

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

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def todo(self) -> str:
        return KINDS[self.kind][1]

    def where(self) -> str:
        """``kolumn 'Ålder' (alder)`` / ``kolumn 'alder' (härledd från 'personnummer')``."""
        name = f"kolumn '{self.export_column or self.column}'"
        if self.export_column and self.export_column != self.column:
            name += f" ({self.column} i datamodellen)"
        if self.derived_from:
            name += f" (härledd från '{self.derived_from}')"
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
        # (changed on purpose since the copy was frozen: the export's own column whose blanks
        # a personnummer filled says how many values came from it, not that all did)
        if self.kind == "derived" and self.count:
            name = f"kolumn '{self.export_column or self.column}'"
            if self.export_column and self.export_column != self.column:
                name += f" ({self.column} i datamodellen)"
            n = (f"färre än {threshold} värden" if threshold is not None and self.count < threshold
                 else f"{self.count} värde" if self.count == 1 else f"{self.count} värden")
            done = "härlett" if self.count == 1 and not n.startswith("färre") else "härledda"
            # (changed on purpose since the copy was frozen: no English in a derived column's
            # message, as in the engine check)
            return f"{self.source}, {name}: {n} {done} {self.detail}."
        if self.kind == "derived":
            return f"{self.source}, kolumn '{self.column}': {self.detail}."
        head = f"{self.source}, {self.where()}: {self.label}"
        if self.detail:
            head += f" ({self.detail})"
        # (changed on purpose since the copy was frozen: an info with a count has its rows)
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

    @property
    def present(self) -> set[str]:
        """The model's columns the table has (given or derived), with at least one value. An id
        numbered from the row position is not among them: it identifies a row, but links to
        nothing and says nothing about a person."""
        given = {c for c in self.data.columns if self.data[c].notna().any()} | set(self.derived)
        return {c for c in given if self.derived.get(c) != "radnumret"}

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

    def bad_rows(self, columns) -> list[tuple[str, pd.Series]]:
        """``(reason, mask)`` for the row problems that touch ``columns``, in check order.

        A row with several problems is counted under the first; the reason names the kind and
        the column, e.g. ``"Datum som inte kan läsas (beslutsdatum)"``.
        """
        touched = set()
        for c in columns:
            touched |= self.sources_of(c)
        out = []
        for (column, kind), mask in self.masks.items():
            if column in touched and kind in EXCLUSION_LABELS:
                out.append((f"{EXCLUSION_LABELS[kind]} ({column})", mask))
        return out


def first_rows(mask: pd.Series, k: int = 5, numbers=None) -> tuple[int, ...]:
    idx = np.flatnonzero(mask.to_numpy(dtype=bool))[:k]
    if numbers is not None:  # (deliberate change: see ``numbers`` in check_table)
        return tuple(int(numbers[i]) + 2 for i in idx)
    return tuple(int(mask.index[i]) + 2 for i in idx)


def harmless_example(values: pd.Series, *, hide: bool) -> str | None:
    if hide or values.empty:
        return None
    # (changed on purpose since the copy was frozen: a no-break space is quoted as a space)
    shown = [repr(str(v)[:30].replace("\u00a0", " ").replace("\u202f", " "))
             for v in values.dropna().drop_duplicates().head(3)]
    return ", ".join(shown) if shown else "'(tomt)'"


class _Checker:
    def __init__(self, table: Table, source: str, export_names: dict[str, str]):
        self.table, self.source, self.export_names = table, source, export_names
        self.problems: list[Problem] = []
        self.masks: dict[tuple[str, str], pd.Series] = {}
        self.derived: dict[str, str] = {}
        self.depends: dict[str, set[str]] = {}
        self.numbers = None  # the rows' numbers in the file, when not their positions
        # (changed on purpose since the copy was frozen: the export's own columns whose blanks
        # a personnummer filled, with how many; their problems are the export's, not derived)
        self.filled: dict[str, int] = {}

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
            self.table.name, self.source, column, kind, severity, n, first_rows(mask, numbers=self.numbers), example,
            detail, self.export_names.get(column),
            None if column in self.filled else self.derived.get(column)))

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
                first_rows(failed & filled, numbers=self.numbers), None,
                f"{share} % av de ifyllda värdena, gränsen är {round(100 * FAIL_SHARE)} %",
                self.export_names.get(column), None if column in self.filled else self.derived.get(column)))


def parse_dates(text: pd.Series) -> pd.Series:
    """ISO dates (``2024-03-05``, with or without a time) and ``20240305``; else NaT."""
    text = text.astype("string").str.strip()
    compact = text.str.fullmatch(r"\d{8}").fillna(False)
    out = pd.to_datetime(text.where(~compact), errors="coerce", format="ISO8601")
    if compact.any():
        out = out.where(~compact, pd.to_datetime(text.where(compact), errors="coerce", format="%Y%m%d"))
    return out


def _numbers(raw: pd.Series) -> pd.Series:
    # Decimal comma and spaces as thousands separators, as Swedish exports write them.
    text = (raw.astype("string").str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
            .str.replace(",", ".", regex=False).str.replace("\u2212", "-", regex=False))
    return pd.to_numeric(text, errors="coerce")


def _personnummer(values: pd.Series) -> pd.DataFrame:
    """Parsed numbers: ``valid``, ``born`` (datetime), ``sex`` (kvinna/man), ``pseudo``."""
    from jamtools.data.personnummer import parse
    from jamtools.data.pseudonym import pseudonymise

    uniq = values.dropna().unique()
    parsed = {v: parse(v) for v in uniq}
    born = values.map(lambda v: parsed[v].born if v in parsed and parsed[v] else None)
    sex = values.map(lambda v: parsed[v].sex if v in parsed and parsed[v] else None)
    return pd.DataFrame({"valid": values.map(lambda v: bool(parsed.get(v))).astype(bool),
                         "born": pd.to_datetime(born), "sex": sex.astype("string"),
                         "pseudo": pseudonymise(values)}, index=values.index)


def _ages(born: pd.Series, at: pd.Series) -> pd.Series:
    """Whole years from ``born`` to ``at`` (vectorised ``personnummer.age_at``)."""
    years = at.dt.year - born.dt.year
    before = (at.dt.month < born.dt.month) | ((at.dt.month == born.dt.month) & (at.dt.day < born.dt.day))
    return (years - before.astype("Int64")).astype("Int64")


def check_table(raw: pd.DataFrame, table: Table, *, source: str,
                export_names: dict[str, str] | None = None,
                today: pd.Timestamp | None = None) -> CheckedTable:
    """Check and type one table; derive what can be derived; record every problem.

    Parameters
    ----------
    raw : DataFrame
        The table as read: text columns named as in the data model (after the configuration's
        column mapping and value recoding); index = row position (0 = the first data row).
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
    export_names = dict(export_names or {})
    chk = _Checker(table, source, export_names)
    # Deliberate change of presentation (row numbers after blank lines, not in the frozen
    # original): the readers give the rows of a CSV export with blank lines their numbers in
    # the file (an index named ROW_COLUMN, which skips the blank lines' numbers); the rows named
    # and the ids numbered from the row are those. Any other index: positions, as before.
    from jamtools.data.readers import ROW_COLUMN

    chk.numbers = raw.index.to_numpy() if raw.index.name == ROW_COLUMN else None
    raw = raw.reset_index(drop=True)
    out = pd.DataFrame(index=raw.index)
    model = {c.name: c for c in table.columns}

    pnr = None
    if "personnummer" in raw.columns:
        pnr = _personnummer(raw["personnummer"])
        filled = raw["personnummer"].notna()
        chk.rows("personnummer", "bad_personnummer", filled & ~pnr["valid"], None)
        chk.mostly_invalid("personnummer", filled, ~pnr["valid"])

    for name, col in model.items():
        if name not in raw.columns or name == "kon":
            continue
        values = raw[name]
        filled = values.notna()
        if col.dtype in ("int", "float"):
            open_age = None
            if name == table.age_column:
                # (changed on purpose since the copy was frozen: an age written as Statistics
                # Sweden writes it, "60 år", is 60, and "100+ år" is 100, an open group said
                # as info, as in the engine check)
                from jamtools.data.check import AGE_TEXT
                text = values.astype("string").str.strip()
                parts = text.str.extract("^" + AGE_TEXT + "$")
                open_age = (parts[1] == "+").fillna(False).astype(bool)
                values_read = text.where(parts[0].isna(), parts[0])
            num = _numbers(values if open_age is None else values_read)
            wrong = filled & num.isna()
            # (changed on purpose since the copy was frozen: an age the export gives is not
            # replaced by the personnummer's, not even a wrong one, and the check says so)
            kept = ("personnumret ersätter inte ett ifyllt värde: rätta åldern eller töm cellen, "
                    "så används åldern från personnumret"
                    if name == "alder" and pnr is not None and table.age_column else "")
            chk.rows(name, "not_a_number", wrong, values, detail=kept)
            failed = wrong.copy()
            if col.dtype == "int":
                nonint = filled & num.notna() & (num.round() != num)
                chk.rows(name, "not_an_integer", nonint, values)
                failed |= nonint
                num = num.where(~nonint)
            lo = num < col.min if col.min is not None else pd.Series(False, index=num.index)
            hi = num > col.max if col.max is not None else pd.Series(False, index=num.index)
            bad = (lo | hi).fillna(False)
            detail = f"tillåtet {col.min:g}–{col.max:g}" if col.min is not None else ""
            # (changed on purpose since the copy was frozen: rules across the columns of a row,
            # as in the engine check: days that are not those between the row's dates)
            if col.days_between and all(c in out.columns for c in col.days_between):
                start, end = (out[c].dt.normalize() for c in col.days_between)
                between = (end - start).dt.days.astype("Float64")
                bad = bad | (num.notna() & ~bad & between.notna() & (num != between)).fillna(False)
                names = [export_names.get(c, c) for c in col.days_between]
                detail = ", ".join(x for x in (detail, f"dagarna från {names[0]} till {names[1]}") if x)
            chk.rows(name, "impossible", bad, values, detail=", ".join(x for x in (detail, kept) if x))
            if open_age is not None and open_age.any():
                chk.problems.append(Problem(
                    table.name, source, name, "open_age", "info", int(open_age.sum()),
                    first_rows(open_age), harmless_example(values[open_age], hide=False), "",
                    export_names.get(name), chk.derived.get(name)))
            failed |= bad
            num = num.where(~bad)
            out[name] = num.round().astype("Int64") if col.dtype == "int" else num.astype("Float64")
        elif col.dtype == "bool":
            mapped = values.astype("string").str.strip().str.lower().map(_BOOL)
            failed = filled & mapped.isna()
            chk.rows(name, "not_yes_no", failed, values)
            out[name] = mapped.astype("boolean")
            if col.only_if and col.only_if in out.columns:  # (changed on purpose, as the engine)
                bad = (out[name] & ~out[col.only_if]).fillna(False).astype(bool)
                chk.rows(name, "impossible", bad, values,
                         detail=f"1 bara där {export_names.get(col.only_if, col.only_if)} är 1")
                failed = failed | bad
                out[name] = out[name].where(~bad)
        elif col.dtype == "date":
            dates = parse_dates(values)
            failed = filled & dates.isna()
            chk.rows(name, "bad_date", failed, values)
            out[name] = dates
            if col.not_before and col.not_before in out.columns:  # (changed on purpose, as the engine)
                bad = (dates.dt.normalize() < out[col.not_before].dt.normalize()).fillna(False)
                chk.rows(name, "impossible", bad, values,
                         detail=f"inte före {export_names.get(col.not_before, col.not_before)}")
                failed = failed | bad
                out[name] = dates.where(~bad)
        elif col.dtype == "category" and col.allowed is not None:
            text = values.astype("string").str.strip()
            failed = filled & ~text.isin(col.allowed)
            chk.rows(name, "unknown_code", failed, values,
                     detail=f"tillåtna värden: {', '.join(col.allowed)}")
            out[name] = text.where(~failed)
        else:
            out[name] = values.astype("string")
            failed = pd.Series(False, index=values.index)
        chk.mostly_invalid(name, filled, failed)

    # Derivations. Each is said in the check (kind "derived"), and a derived column's problems
    # are its source's problems (CheckedTable.sources_of).
    if pnr is not None:
        out["person_id"] = pnr["pseudo"]
        chk.derived["person_id"] = "personnummer"
    _derive_sex(raw, table, out, pnr, chk)
    _derive_age(table, out, pnr, chk, today)
    if "ar" in model and "ar" not in raw.columns and table.date_column in out.columns:
        out["ar"] = out[table.date_column].dt.year.astype("Int64")
        chk.derived["ar"] = table.date_column
    if ("orsakstyp" in model and "orsakstyp" not in raw.columns
            and "anmalningsorsak" in out.columns):
        out["orsakstyp"] = out["anmalningsorsak"].map(BOF_REASONS).astype("string")
        chk.derived["orsakstyp"] = "anmalningsorsak"
    _check_key(raw, table, out, chk)
    for column, src in chk.derived.items():
        if column in chk.filled:  # (changed on purpose, as above: how many were filled)
            chk.problems.append(Problem(
                table.name, source, column, "derived", "info", chk.filled[column],
                detail=f"från '{export_names.get(src, src)}' där kolumnen är tom; övriga "
                       "värden är exportens egna",
                export_column=export_names.get(column), derived_from=src))
        elif column != table.key:
            chk.info(column, "derived", f"härledd från '{export_names.get(src, src)}'")

    order = [c for c in model if c in out.columns]
    return CheckedTable(table=table, source=source, data=out[order], problems=chk.problems,
                        masks=chk.masks, derived=chk.derived, export_names=export_names,
                        rows_read=len(raw), depends=chk.depends)


def _derive_sex(raw, table: Table, out: pd.DataFrame, pnr, chk: _Checker) -> None:
    codes = SEX_CODES_CHILD if table.sex_values == CHILD_SEXES else SEX_CODES_ADULT
    from_pnr = None
    if pnr is not None:
        canon = ({"kvinna": "flicka", "man": "pojke"} if table.sex_values == CHILD_SEXES
                 else {"kvinna": "kvinna", "man": "man"})
        from_pnr = pnr["sex"].map(canon).astype("string")
    if "kon" in raw.columns:
        text = raw["kon"].astype("string").str.strip()
        mapped = text.str.lower().map(codes).astype("string")
        blank = text.isna()
        if from_pnr is not None:
            filled_from_pnr = blank & from_pnr.notna()
            if filled_from_pnr.any():
                chk.derived["kon"] = "personnummer"
                chk.filled["kon"] = int(filled_from_pnr.sum())
            mapped = mapped.where(~filled_from_pnr, from_pnr)
            mismatch = mapped.notna() & from_pnr.notna() & (mapped != from_pnr)
            chk.rows("kon", "sex_mismatch", mismatch, None)
        # (changed on purpose since the copy was frozen: a blank sex is its own kind, and its
        # mask stays for the load's reasons)
        missing = blank & (from_pnr.isna() if from_pnr is not None else True)
        chk.rows("kon", "missing_sex", missing, None)
        unknown = ~blank & mapped.isna()
        chk.rows("kon", "unknown_sex", unknown, text, severity="rader")
        chk.mostly_invalid("kon", text.notna(), text.notna() & mapped.isna())
        out["kon"] = mapped.fillna(UNKNOWN_SEX).astype("string")
        # unknown sex is kept as its own level (counted separately), not a row problem mask
        chk.masks.pop(("kon", "unknown_sex"), None)
    elif from_pnr is not None:
        out["kon"] = from_pnr.fillna(UNKNOWN_SEX).astype("string")
        chk.derived["kon"] = "personnummer"
        # (changed on purpose, as above: no personnummer is a missing sex; an invalid one another code)
        missing = from_pnr.isna() & ~(raw["personnummer"].notna() & ~pnr["valid"])
        if missing.any():
            chk.masks[("kon", "missing_sex")] = missing


def _derive_age(table: Table, out: pd.DataFrame, pnr, chk: _Checker, today) -> None:
    if pnr is None or not table.age_column or "alder" not in {c.name for c in table.columns}:
        return
    if table.date_column and table.date_column in out.columns:
        at = out[table.date_column]
        chk.depends["alder"] = {"personnummer", table.date_column}
    else:
        at = pd.Series(pd.Timestamp(today or pd.Timestamp.today().normalize()), index=out.index)
    ages = _ages(pnr["born"], at)
    if "alder" in out.columns:
        # (changed on purpose since the copy was frozen: only a blank cell is filled, not an
        # impossible value, and the check says how many)
        none = pd.Series(False, index=out.index)
        blank = (out["alder"].isna() & ~chk.masks.get(("alder", "not_a_number"), none)
                 & ~chk.masks.get(("alder", "not_an_integer"), none)
                 & ~chk.masks.get(("alder", "impossible"), none))
        if (blank & ages.notna()).any():
            out["alder"] = out["alder"].where(~blank, ages)
            chk.derived["alder"] = "personnummer"
            chk.filled["alder"] = int((blank & ages.notna()).sum())
    else:
        col = table.column("alder")
        bad = ((ages < col.min) | (ages > col.max)).fillna(False) if col.min is not None else \
            pd.Series(False, index=out.index)
        chk.derived["alder"] = "personnummer"
        chk.rows("alder", "impossible", bad, None, detail=f"tillåtet {col.min:g}–{col.max:g}")
        out["alder"] = ages.where(~bad)


def _check_key(raw, table: Table, out: pd.DataFrame, chk: _Checker) -> None:
    key = table.key
    if key in raw.columns:
        ids = out[key]
        chk.rows(key, "missing_id", ids.isna(), None)
        dup = ids.notna() & ids.duplicated(keep=False)
        chk.rows(key, "duplicate_id", dup, ids)
    elif key == "person_id" and "person_id" in out.columns:
        # (changed on purpose since the copy was frozen: a blank personnummer is a missing id)
        chk.rows("person_id", "missing_id", raw["personnummer"].isna(), None, detail="personnumret saknas")
        dup = out["person_id"].notna() & out["person_id"].duplicated(keep=False)
        chk.rows("person_id", "duplicate_id", dup, None)
    else:
        numbers = range(len(out)) if chk.numbers is None else chk.numbers  # (deliberate: above)
        out[key] = pd.array([f"rad {i + 2}" for i in numbers], dtype="string")
        chk.derived[key] = "radnumret"
        chk.info(key, "row_ids")
