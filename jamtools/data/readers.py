"""Readers for what Swedish exports really look like.

CSV with ``;`` or ``,`` (detected), decimal comma, UTF-8 with or without BOM or
Windows-1252/Latin-1 (detected, or set in the configuration); Excel ``.xlsx`` (a named sheet);
Parquet; and SQL through SQLAlchemy. Every reader returns text columns (missing values as NA),
so that one validation step (``jamtools.data.load``) types them all the same way, whatever the
source.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd


class SourceError(ValueError):
    """The source cannot be read; the message says which and what to do."""


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when the bytes decode as UTF-8, else ``cp1252``.

    Windows-1252 is a superset of Latin-1 for the printable range that Swedish exports use
    (å, ä, ö, é), so one fallback covers both.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def detect_separator(sample: str) -> str:
    """``;``, ``,`` or tab, from the first lines (csv.Sniffer, restricted to those three)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(";,\t", key=first.count)


def _one_as_text(v):
    if pd.isna(v):
        return pd.NA
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v == round(v):
        return str(int(v))
    return v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)


def _column_as_text(s: pd.Series) -> pd.Series:
    """One column as text, vectorised for the common column types (millions of rows)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d")
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean").astype("Int8").astype("string")
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(s):
        present = s.dropna()
        if present.eq(present.round()).all() and present.abs().lt(2**53).all():
            return s.astype("Float64").astype("Int64").astype("string")
        return s.astype("string")
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("string", "empty"):
        return s.astype("string")
    if kind in ("date", "datetime", "datetime64"):
        return pd.to_datetime(s).dt.strftime("%Y-%m-%d")
    return s.map(_one_as_text)  # mixed columns (a spreadsheet with numbers and text)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text; dates as YYYY-MM-DD; integral numbers without decimals; booleans
    as 1/0; missing values stay NA; surrounding spaces removed."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        text = _column_as_text(frame[col])
        out[str(col)] = text.astype("string").str.strip().replace("", pd.NA)
    return out


def read_csv(path: Path, *, encoding: str | None = None, separator: str | None = None) -> pd.DataFrame:
    raw = Path(path).read_bytes()
    enc = encoding or detect_encoding(raw)
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"Filen {Path(path).name} kan inte läsas med teckenkodningen {enc} "
                          f"({exc}). Ange rätt 'encoding' i jamtools.yml, till exempel cp1252.") from None
    text = text.lstrip("\ufeff")
    sep = separator or detect_separator(text[:5000])
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                        na_values=[""], skipinitialspace=True)
    return _as_text(frame)


def read_excel(path: Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
    except ValueError as exc:
        raise SourceError(f"Bladet {sheet!r} finns inte i {Path(path).name} ({exc}). Ange rätt "
                          "'sheet' i jamtools.yml.") from None
    return _as_text(frame)


def read_parquet(path: Path) -> pd.DataFrame:
    return _as_text(pd.read_parquet(path))


def read_sql(url: str, query: str) -> pd.DataFrame:
    """Run ``query`` against the database at the SQLAlchemy ``url``."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as con:
            frame = pd.read_sql(sqlalchemy.text(query), con)
    except Exception as exc:  # connection refused, bad query, missing driver ...
        raise SourceError(f"SQL-källan kunde inte läsas ({type(exc).__name__}: {exc}). "
                          "Kontrollera 'url' och 'query' i jamtools.yml.") from None
    return _as_text(frame)


def read_source(spec: dict, base: Path) -> tuple[pd.DataFrame, str]:
    """Read one table's source as described in the configuration; return it and its name."""
    if "sql" in spec:
        sql = spec["sql"]
        return read_sql(sql["url"], sql["query"]), f"SQL ({sql.get('name', 'fråga')})"
    path = Path(spec["file"])
    path = path if path.is_absolute() else base / path
    if not path.exists():
        raise SourceError(f"Filen {path} finns inte. Kontrollera 'file' i jamtools.yml.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return read_excel(path, sheet=spec.get("sheet")), path.name
    if suffix == ".parquet":
        return read_parquet(path), path.name
    return read_csv(path, encoding=spec.get("encoding"), separator=spec.get("separator")), path.name
