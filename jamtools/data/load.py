"""Load a table of the data model, validate it, and keep an account of every row left out.

``load_table`` returns a :class:`LoadResult`: the typed DataFrame plus a log of each step
(rows read, rows excluded and why, unknown sex), so that every notebook can show how many
rows were read and how many were left out. Nothing is dropped silently.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jamtools.data.model import CHILD_SEXES, TABLES, Table

UNKNOWN_SEX = "okant"

#: Input codes for sex that are mapped onto the model's canonical values (adults).
SEX_CODES_ADULT = {
    "k": "kvinna", "kvinna": "kvinna", "f": "kvinna", "female": "kvinna", "2": "kvinna",
    "m": "man", "man": "man", "male": "man", "1": "man",
}
#: The same for children.
SEX_CODES_CHILD = {
    "f": "flicka", "flicka": "flicka", "k": "flicka", "kvinna": "flicka", "2": "flicka",
    "p": "pojke", "pojke": "pojke", "m": "pojke", "man": "pojke", "1": "pojke",
}


class DataValidationError(ValueError):
    """Raised when an input file cannot be used as it is. The message says what to do."""


def _example(values: pd.Series, k: int = 3) -> str:
    return ", ".join(repr(str(v)) for v in values.drop_duplicates().head(k))


def _rows(index: pd.Index, k: int = 5) -> str:
    # Row numbers as the analyst sees them in a spreadsheet: header is row 1, data from row 2.
    rows = [str(int(i) + 2) for i in index[:k]]
    more = f" (och {len(index) - k} till)" if len(index) > k else ""
    return ", ".join(rows) + more


def _bad(file: str, column: str, bad: pd.Series, what: str, todo: str) -> DataValidationError:
    return DataValidationError(
        f"Fel i filen {file}, kolumn '{column}' ({what}): {len(bad)} rader, "
        f"till exempel rad {_rows(bad.index)} med värdet {_example(bad)}. {todo}"
    )


@dataclass
class LoadResult:
    """A loaded, validated table and the account of its rows.

    ``data`` holds the rows kept for analysis. ``log`` has one entry per step: the step's name
    (Swedish), and the number of rows by sex that it read or excluded.
    """

    table: Table
    data: pd.DataFrame
    source: str
    log: list[dict] = field(default_factory=list)

    def __repr__(self) -> str:  # never the rows: a LoadResult may end up displayed in a notebook
        return f"LoadResult({self.table.name}: {len(self.data)} rader för analys, källa {self.source})"

    def _counts(self, frame: pd.DataFrame) -> dict[str, int]:
        counts = frame["kon"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def _record(self, step: str, frame: pd.DataFrame, kind: str) -> None:
        self.log.append({"steg": step, "typ": kind, "antal": len(frame), "per_kon": self._counts(frame)})

    def exclude(self, mask, reason: str) -> "LoadResult":
        """Remove the rows where ``mask`` is true, recording how many (by sex) and why."""
        mask = pd.Series(mask, index=self.data.index).fillna(False).astype(bool)
        self._record(reason, self.data[mask], "exkluderade")
        self.data = self.data[~mask].copy()
        return self

    def quality(self) -> pd.DataFrame:
        """The data-quality account as a tidy table: one row per step and sex.

        Columns: ``steg``, ``typ`` (inlästa | exkluderade | analyserade), ``kon``, ``antal``.
        Unknown sex is its own level (``okant``), never silently dropped.
        """
        sexes = list(self.table.sex_values) + [UNKNOWN_SEX]
        rows = []
        entries = self.log + [{"steg": "Analyserade rader", "typ": "analyserade",
                               "antal": len(self.data), "per_kon": self._counts(self.data)}]
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


def _read(path: Path) -> pd.DataFrame:
    from jamtools.data.readers import SourceError, read_source

    try:
        return read_source({"file": str(Path(path).resolve())}, Path(path).parent)[0]
    except SourceError as exc:
        raise DataValidationError(str(exc)) from None


def _coerce(frame: pd.DataFrame, table: Table, file: str) -> pd.DataFrame:
    out = frame.copy()
    for col in table.columns:
        if col.name not in out.columns:
            out[col.name] = pd.NA
            continue
        raw = out[col.name]
        present = raw.notna()
        if col.dtype in ("int", "float"):
            # Decimal comma and spaces as thousands separators, as Swedish exports write them.
            text = (raw.astype("string").str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
                    .str.replace(",", ".", regex=False).str.replace("\u2212", "-", regex=False))
            num = pd.to_numeric(text, errors="coerce")
            bad = raw[present & num.isna()]
            if len(bad):
                raise _bad(file, col.name, bad, "ska vara ett tal, wrong type",
                           "Rätta värdena eller koppla kolumnen till rätt fält i jamtools.yml.")
            if col.dtype == "int":
                nonint = raw[present & (num.round() != num)]
                if len(nonint):
                    raise _bad(file, col.name, nonint, "ska vara ett heltal, not an integer",
                               "Rätta värdena.")
            lo = num < col.min if col.min is not None else pd.Series(False, index=num.index)
            hi = num > col.max if col.max is not None else pd.Series(False, index=num.index)
            impossible = raw[(lo | hi).fillna(False)]
            if len(impossible):
                raise _bad(file, col.name, impossible,
                           f"omöjligt värde, impossible value; tillåtet {col.min:g}–{col.max:g}",
                           "Kontrollera exporten; omöjliga värden tas inte med gissningsvis.")
            out[col.name] = num.astype("Int64") if col.dtype == "int" else num.astype("Float64")
        elif col.dtype == "bool":
            text = raw.astype("string").str.strip().str.lower()
            mapping = {"1": True, "0": False, "ja": True, "nej": False, "true": True,
                       "false": False, "1.0": True, "0.0": False}
            mapped = text.map(mapping)
            bad = raw[present & mapped.isna()]
            if len(bad):
                raise _bad(file, col.name, bad, "ska vara 1/0 eller ja/nej, not a yes/no value",
                           "Rätta värdena eller lägg till en omkodning i jamtools.yml.")
            out[col.name] = mapped.astype("boolean")
        elif col.dtype == "date":
            dates = pd.to_datetime(raw, errors="coerce", format="ISO8601")
            bad = raw[present & dates.isna()]
            if len(bad):
                raise _bad(file, col.name, bad, "datum som inte kan läsas, unparseable date",
                           "Använd formatet ÅÅÅÅ-MM-DD.")
            out[col.name] = dates
        elif col.dtype == "category" and col.allowed is not None and col.name != "kon":
            text = raw.astype("string").str.strip()
            bad = raw[present & ~text.isin(col.allowed)]
            if len(bad):
                raise _bad(file, col.name, bad, "okänd kod, unknown code",
                           f"Tillåtna värden är {', '.join(col.allowed)}; lägg till en "
                           "omkodning i jamtools.yml.")
            out[col.name] = text
        else:
            out[col.name] = raw.astype("string")
    return out


def _map_sex(values: pd.Series, table: Table) -> pd.Series:
    codes = SEX_CODES_CHILD if table.sex_values == ("flicka", "pojke") else SEX_CODES_ADULT
    text = values.astype("string").str.strip().str.lower()
    return text.map(codes).fillna(UNKNOWN_SEX).astype("string")


def _ids(table_name: str, column: str, data_dir: Path, config) -> set | None:
    """The ids of another table (for reference checks); None when that table is not supplied."""
    spec = _table_spec(table_name, config)
    try:
        if spec is not None:
            from jamtools.data.readers import read_source

            frame = _map_columns(read_source(spec, spec["_base"])[0], spec, table_name)
        else:
            path = next((p for p in (data_dir / f"{table_name}.parquet", data_dir / f"{table_name}.csv",
                                     data_dir / f"{table_name}.xlsx") if p.exists()), None)
            if path is None:
                return None
            frame = _read(path)
        if column == "person_id" and "personnummer" in frame.columns:
            from jamtools.data.pseudonym import pseudonymise

            frame["person_id"] = pseudonymise(frame["personnummer"])  # same key: same pseudonyms
    except Exception:  # an unreadable table is reported when it is loaded itself
        return None
    return set(frame[column].dropna().astype(str)) if column in frame.columns else None


def _table_spec(name: str, config) -> dict | None:
    """The ``tables: <name>:`` entry of jamtools.yml, with the file's folder as ``_base``."""
    if config is None:
        return None
    from jamtools.config import load_config

    cfg = config if hasattr(config, "tables") else load_config(config)
    spec = (cfg.tables or {}).get(name)
    if spec is None:
        return None
    if not isinstance(spec, dict) or not ({"file", "sql"} & set(spec)):
        raise DataValidationError(f"'tables: {name}' i jamtools.yml ska ha 'file' eller 'sql'.")
    spec = dict(spec)
    spec["_base"] = cfg.source.parent if cfg.source else Path.cwd()
    return spec


def _map_columns(raw: pd.DataFrame, spec: dict, source: str) -> pd.DataFrame:
    """Rename the organisation's columns to the model's and recode its values."""
    columns = spec.get("columns") or {}
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"Kolumnmappningen i jamtools.yml nämner kolumner som saknas i {source}: "
            f"{', '.join(missing)}. Kolumnerna i källan är: {', '.join(map(str, raw.columns))}."
        )
    out = raw.rename(columns=columns)
    for col, mapping in (spec.get("values") or {}).items():
        if col not in out.columns:
            raise DataValidationError(f"Värdemappningen i jamtools.yml gäller kolumnen {col}, "
                                      f"som inte finns i {source} efter kolumnmappningen.")
        text = out[col].astype("string").str.strip()
        mapped = text.map({str(k): str(v) for k, v in mapping.items()})
        out[col] = mapped.fillna(text)
    return out


def _replace_personnummer(raw: pd.DataFrame, file: str, table: Table) -> pd.DataFrame:
    """Replace the personnummer column by a keyed pseudonym in ``person_id``.

    When the export has no sex or age column, they are derived from the number first: legal
    sex from the ninth digit, age in whole years at the row's date (the table's date column)
    or, without one, today. Samordningsnummer are handled the same way.
    """
    from jamtools.data.personnummer import age_at, parse
    from jamtools.data.pseudonym import pseudonymise

    raw = raw.copy()
    pnr = raw["personnummer"]
    parsed = pnr.map(lambda v: parse(v) if pd.notna(v) else None)
    pseudo = pseudonymise(pnr)
    bad = pnr[pnr.notna() & pseudo.isna()]
    if len(bad):
        raise DataValidationError(
            f"Fel i filen {file}, kolumn 'personnummer' (ogiltigt personnummer, invalid personal "
            f"identity number): {len(bad)} rader, till exempel rad {_rows(bad.index)}. "
            "Kontrollera formatet ÅÅÅÅMMDD-NNNN, datumet och kontrollsiffran. (Värdena visas "
            "inte här av sekretesskäl.)"
        )
    if "kon" not in raw.columns:
        codes = ({"kvinna": "flicka", "man": "pojke"} if table.sex_values == CHILD_SEXES
                 else {"kvinna": "kvinna", "man": "man"})
        raw["kon"] = parsed.map(lambda d: codes[d.sex] if d is not None else pd.NA).astype("string")
    if "alder" not in raw.columns and table.age_column:
        ref = (pd.to_datetime(raw[table.date_column], errors="coerce", format="ISO8601")
               if table.date_column and table.date_column in raw.columns
               else pd.Series(pd.Timestamp.today().normalize(), index=raw.index))
        raw["alder"] = pd.array([str(age_at(d.born, at)) if d is not None and pd.notna(at) else pd.NA
                                 for d, at in zip(parsed, ref)], dtype="string")
    out = raw.drop(columns=["personnummer"])
    out["person_id"] = pseudo
    return out


#: Column names (in the export or after mapping) whose values are treated as sensitive even
#: when the model does not know the column: names, personal identity numbers, free text.
SENSITIVE_NAME = re.compile(r"(personnummer|samordningsnummer|personnr|pnr|namn|name|fritext|"
                            r"anteckning|journal|adress)", re.I)


def _sensitive_columns(frame: pd.DataFrame, table: Table | None) -> list[str]:
    marked = {c.name for c in table.columns if c.sensitive} if table is not None else set()
    return [c for c in frame.columns
            if c in marked or (SENSITIVE_NAME.search(str(c)) and not str(c).endswith("_id"))]


def sensitive_values(config=None) -> set[str]:
    """Every value of the input's sensitive columns, for the leak scan of a run's outputs.

    Sensitive columns are those the model marks ``sensitive`` (free text) and any column whose
    name (in the export, or after the column mapping of ``jamtools.yml``) says personnummer,
    samordningsnummer, name, address or free text, whether or not the model uses it. Sources
    are the files of the run's ``data_dir`` (CSV, Parquet, XLSX) and every table under
    ``tables`` in ``jamtools.yml`` (files or SQL). Values shorter than four characters are
    left out (they would match everywhere). A personnummer is also returned in its other
    written forms (with and without century and hyphen), so that the scan finds it however an
    output writes it.

    Parameters
    ----------
    config : RunConfig, path to jamtools.yml, or None (the synthetic demo data).

    Returns
    -------
    set of str
    """
    from jamtools.config import load_config
    from jamtools.data.personnummer import written_forms
    from jamtools.data.readers import SourceError, read_source

    cfg = config if config is not None and hasattr(config, "parameters") else load_config(config)
    data_dir = Path(cfg.parameters["data_dir"])
    sources: list[tuple[dict, Path, Table | None]] = []
    configured = set()
    for name in (cfg.tables or {}):
        spec = _table_spec(name, cfg)
        configured.add(name)
        sources.append((spec, spec["_base"], TABLES.get(name)))
    if data_dir.is_dir():
        for path in sorted(data_dir.iterdir()):
            if path.suffix.lower() in (".csv", ".parquet", ".xlsx") and path.stem not in configured:
                sources.append(({"file": str(path)}, data_dir, TABLES.get(path.stem)))
    values: set[str] = set()
    for spec, base, table in sources:
        try:
            raw, _ = read_source(spec, base)
        except SourceError:
            continue  # the loader reports unreadable sources; nothing of them can leak
        frames = [raw]
        if spec.get("columns"):
            frames.append(raw.rename(columns=spec["columns"]))
        for frame in frames:
            for col in _sensitive_columns(frame, table):
                for v in frame[col].dropna().astype(str):
                    v = v.strip()
                    if len(v) >= 4:
                        values.add(v)
                        values |= written_forms(v)
    return values


def load_table(
    name: str,
    *,
    data_dir: str | Path,
    config: str | Path | None = None,
    period: tuple[str | None, str | None] | None = None,
    unit: str | None = None,
    age: tuple[int | None, int | None] | None = None,
) -> LoadResult:
    """Load table ``name`` of the data model, validate it, and account for every row.

    The source is the table's entry under ``tables`` in ``jamtools.yml`` (a CSV, XLSX or
    Parquet file, or an SQL query, with the organisation's column names and codes mapped onto
    the model's), else ``<data_dir>/<name>.parquet``, ``.csv`` or ``.xlsx``. Steps, in order:

    1. read (encoding and separator detected; decimal comma and thousands spaces accepted);
    2. a ``personnummer`` column is checked (date and check digit) and replaced by a keyed
       pseudonym in ``person_id``; sex and age are derived from it when absent;
    3. required columns, types, ranges, allowed codes, missing and duplicate ids: each problem
       stops the load with a :class:`DataValidationError` naming file, column, rows (header =
       row 1) and example values;
    4. sex codes mapped onto the model's values; unknown codes become ``okant``, are warned
       about, and are excluded and counted separately;
    5. references to other tables' ids (when those tables are supplied): rows pointing to an id
       that does not exist are warned about and excluded;
    6. the optional filters (period on the table's date column, unit, age range).

    Every exclusion is recorded by sex in the returned result's log (:meth:`LoadResult.quality`).

    Parameters
    ----------
    name : a table of :data:`jamtools.data.model.TABLES`.
    data_dir : folder of the input files (used when ``config`` does not name the table's source).
    config : RunConfig or path to ``jamtools.yml``; None uses ``data_dir`` only.
    period : (start, end) as ISO dates, either may be None; inclusive.
    unit : keep only this value of the table's unit column.
    age : (min, max) age in whole years, inclusive; either may be None.

    Returns
    -------
    LoadResult
        ``.data`` (typed DataFrame of the model's columns), ``.quality()``, ``.counts_by_sex()``.

    Raises
    ------
    DataValidationError
        When the input cannot be used as it is; the message (Swedish, with the English key term)
        says where and what to do.
    """
    if name not in TABLES:
        raise DataValidationError(f"Okänd tabell {name!r}. Tabellerna i datamodellen: {', '.join(TABLES)}.")
    table = TABLES[name]
    data_dir = Path(data_dir)
    spec = _table_spec(name, config)
    if spec is not None:
        from jamtools.data.readers import SourceError, read_source

        try:
            raw, source_name = read_source(spec, spec["_base"])
        except SourceError as exc:
            raise DataValidationError(str(exc)) from None
        raw = _map_columns(raw, spec, source_name)
        path = Path(source_name)
    else:
        candidates = [data_dir / f"{name}.parquet", data_dir / f"{name}.csv", data_dir / f"{name}.xlsx"]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            raise DataValidationError(
                f"Hittar ingen fil för tabellen {name} i {data_dir} (letade efter {name}.csv, "
                f"{name}.parquet och {name}.xlsx). Ange rätt datakatalog (parametern data_dir) "
                "eller filen under 'tables' i jamtools.yml, eller skapa syntetiska data med: "
                "python -m jamtools synth --out data/synthetic"
            )
        raw = _read(path)
    if "personnummer" in raw.columns:
        raw = _replace_personnummer(raw, path.name, table)
    missing = [c for c in table.required_columns if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"Filen {path.name} saknar obligatoriska kolumner (missing required columns): "
            f"{', '.join(missing)}. "
            f"Kolumnerna i filen är: {', '.join(map(str, raw.columns))}. Byt namn på kolumnerna "
            "eller ange en kolumnmappning i jamtools.yml."
        )
    # Only the model's columns go further: names, free text and other columns of the export
    # never leave the loader.
    data = _coerce(raw[[c.name for c in table.columns if c.name in raw.columns]], table, path.name)
    no_id = data.loc[data[table.key].isna(), table.key]
    if len(no_id):
        raise _bad(path.name, table.key, no_id.fillna("(tomt)"), "saknat id, missing id",
                   "Varje rad ska ha ett id; rätta exporten.")
    dup = data[table.key][data[table.key].duplicated(keep=False)]
    if len(dup):
        raise _bad(path.name, table.key, dup, "dubbletter av id, duplicate id",
                   "Varje rad ska ha ett unikt id; ta bort dubbletterna i exporten.")
    data["kon"] = _map_sex(raw["kon"], table)
    unknown = raw.loc[data["kon"] == UNKNOWN_SEX, "kon"]
    if len(unknown):
        warnings.warn(
            f"Varning i filen {path.name}, kolumn 'kon' (okänd könskod, unknown sex code): "
            f"{len(unknown)} rader, till exempel rad {_rows(unknown.index)} med värdet "
            f"{_example(unknown.fillna('(tomt)'))}. Raderna räknas som okänt kön och redovisas "
            "separat; lägg till en omkodning under 'values: kon:' i jamtools.yml om koden betyder "
            f"{' eller '.join(table.sex_values)}.", UserWarning, stacklevel=2)
    result = LoadResult(table=table, data=data, source=path.name)
    result._record(f"Inlästa rader ({path.name})", data, "inlästa")
    result.exclude(data["kon"] == UNKNOWN_SEX, "Okänt eller annat kön (redovisas separat)")
    for col in table.columns:
        if col.references:
            ref_table, ref_col = col.references.split(".")
            known = _ids(ref_table, ref_col, data_dir, config)
            if known is None:
                continue
            dangling = result.data[col.name].notna() & ~result.data[col.name].isin(known)
            if dangling.any():
                bad = result.data.loc[dangling, col.name]
                warnings.warn(
                    f"Varning i filen {path.name}, kolumn '{col.name}' (referens till id som inte "
                    f"finns, dangling reference): {len(bad)} rader, till exempel rad "
                    f"{_rows(bad.index)} med värdet {_example(bad)}, saknas i {ref_table}. Raderna "
                    "lämnas utanför och redovisas i datatabellen.", UserWarning, stacklevel=2)
                result.exclude(dangling, f"Hänvisar till {ref_table} som saknas")
    if period is not None and table.date_column:
        start, end = period
        dates = result.data[table.date_column]
        outside = pd.Series(False, index=dates.index)
        if start:
            outside |= dates < pd.Timestamp(start)
        if end:
            outside |= dates > pd.Timestamp(end)
        result.exclude(outside | dates.isna(), "Utanför den valda perioden")
    if unit and table.unit_column:
        result.exclude(result.data[table.unit_column] != unit, f"Annan enhet än {unit}")
    if age is not None and table.age_column:
        lo, hi = age
        ages = result.data[table.age_column]
        out = pd.Series(False, index=ages.index)
        if lo is not None:
            out |= ages < lo
        if hi is not None:
            out |= ages > hi
        result.exclude(out | ages.isna(), "Utanför det valda åldersintervallet")
    return result
