"""The input's sensitive values, for the leak scan of a run's outputs (``jamtools.run.scan``).

Read through the engine: a source is opened without reading its rows
(:func:`jamtools.data.readers.open_source`), its sensitive columns are picked by name, and only
those are read, as distinct, trimmed text of at least :data:`MIN_LENGTH` characters. A register
of a million rows is never held whole in memory for it; the values themselves (a million free
text notes, four written forms of a million personnummer) are what the scan needs.
"""
from __future__ import annotations

import re
from pathlib import Path

from jamtools.data.load import DEMO_DATA_DIR, SENSITIVE_NAME, SUFFIXES, table_sources
from jamtools.data.model import TABLES, Table

#: :data:`SENSITIVE_NAME` without the words of free text: the names that say personnummer,
#: samordningsnummer, name or address.
NOT_TEXT_NAME = re.compile(r"(personnummer|samordningsnummer|personnr|pnr|namn(?!are)|name|adress)",
                           re.I)
#: Shorter values are left out: they would match everywhere.
MIN_LENGTH = 4
#: The longest text a personnummer can be written as once trimmed (``19900101 - 2385``:
#: century, six digits, space, separator, space, four digits); longer values are no number and
#: need no look for their written forms.
PNR_MAX_LENGTH = 15


def sensitive_columns(columns, mapping: dict | None = None, table: Table | None = None) -> list[str]:
    """The columns of a source (its own names, in its order) whose values are sensitive.

    A column is sensitive when the model's ``table`` marks it ``sensitive``, or when its name
    says personnummer, samordningsnummer, name, address or free text
    (:data:`jamtools.data.load.SENSITIVE_NAME`; never an ``*_id``), under its own name or under
    the name the configuration's column ``mapping`` (export name -> model name) gives it.
    """
    marked = {c.name for c in table.columns if c.sensitive} if table is not None else set()
    mapping = {str(k): str(v) for k, v in (mapping or {}).items()}

    def named(name: str) -> bool:
        return name in marked or bool(SENSITIVE_NAME.search(name) and not name.endswith("_id"))

    def sensitive(column: str) -> bool:
        model = mapping.get(column)
        if model is not None and model.endswith("_id") and model not in marked:
            # mapped onto an id: a name that says free text does not make it so (a note's id
            # under the header "Anteckning": its values, "A259", were taken for notes and found
            # in the book's scripts); one that says personnummer, name or address still does
            return bool(NOT_TEXT_NAME.search(column))
        return named(column) or (model is not None and named(model))

    return [str(c) for c in columns if sensitive(str(c))]


def _sources(config) -> list[tuple[dict, Path, Table | None]]:
    """(spec, base folder, model table or None) of every source the run has: the tables of
    :func:`jamtools.data.load.table_sources` and the other CSV, Parquet and XLSX files of the
    data folder (which may hold names too)."""
    found = table_sources(config, data_dir=DEMO_DATA_DIR)
    out = [(spec, spec["_base"], TABLES.get(name)) for name, spec in found.items()]
    # A file a table reads whole (every CSV and Parquet; a workbook's first sheet) is read once,
    # whatever the table is called.
    read = {_resolved(spec) for spec in found.values()
            if "file" in spec and spec.get("sheet") in (None, 0)}
    data_dir = config.data_dir if config is not None else DEMO_DATA_DIR
    if data_dir is not None and Path(data_dir).is_dir():
        for path in sorted(Path(data_dir).iterdir()):
            if path.suffix.lower() in SUFFIXES and path.stem not in found and \
                    _resolved({"file": str(path), "_base": data_dir}) not in read:
                out.append(({"file": str(path)}, Path(data_dir), TABLES.get(path.stem)))
    return out


def _resolved(spec: dict) -> str:
    """The resolved path of a file source (:func:`~jamtools.data.readers.source_path`)."""
    from jamtools.data.readers import source_path

    try:
        return str(source_path(spec).resolve())
    except (OSError, RuntimeError):
        return str(spec["file"])


def _distinct_texts(src, columns: list[str]) -> list[list[str]]:
    """Per column: its distinct values as the readers write them as text (trimmed, dates as
    YYYY-MM-DD, integral numbers without decimals), at least :data:`MIN_LENGTH` long."""
    from jamtools.data.check import sql_text
    from jamtools.data.engine import ident, shared, unique_name
    from jamtools.data.readers import _as_text

    con = shared()
    view = unique_name("sensitive")
    drop = src.view(con, columns, view)
    out = []
    try:
        for c in columns:
            q = ident(c)
            if src.types.get(c, "VARCHAR").upper() == "VARCHAR":
                rel = con.sql(f"SELECT DISTINCT v FROM (SELECT {sql_text(q, 'VARCHAR')} AS v "
                              f"FROM {ident(view)}) WHERE length(v) >= {MIN_LENGTH}")
                out.append(rel.to_arrow_table().column(0).to_pylist())
            else:  # a typed column (a personnummer kept as a number): the readers' own rules,
                # which look at the whole column (floats), over its distinct values
                frame = con.sql(f"SELECT DISTINCT {q} FROM {ident(view)} WHERE {q} IS NOT NULL"
                                ).to_arrow_table().to_pandas()
                text = _as_text(frame).iloc[:, 0].dropna()
                out.append([v for v in text.astype(str) if len(v) >= MIN_LENGTH])
    finally:
        drop()
    return out


def _mapping(spec: dict, headers, table: Table | None) -> dict:
    """The columns read as the model's, as the loader reads them
    (:func:`jamtools.data.load.column_mapping`): a header "Anteckning" is the notes' text."""
    if table is None:
        return dict(spec.get("columns") or {})
    from jamtools.data.load import column_mapping

    return column_mapping(spec, headers, table)


def _source_values(spec: dict, base: Path, table: Table | None) -> list[list[str]]:
    import duckdb

    from jamtools.data.readers import SourceError, open_source

    try:
        src = open_source(spec, base)
    except SourceError:
        return []  # the loader reports unreadable sources; nothing of them can leak
    columns = sensitive_columns(src.columns, _mapping(spec, src.columns, table), table)
    if not columns:
        return []
    try:
        return _distinct_texts(src, columns)
    except SourceError:  # (columns the engine does not tell apart: no load reads them either)
        return []
    except duckdb.Error:
        if src.kind not in ("csv", "parquet"):
            raise
        try:  # the engine refused the file: read it as the readers do, or not at all
            src = src.fallback()
        except SourceError:
            return []
        return _distinct_texts(src, sensitive_columns(src.columns, _mapping(spec, src.columns, table), table))


def sensitive_values(config=None) -> set[str]:
    """Every value of the input's sensitive columns, for the leak scan of a run's outputs.

    Sensitive columns are those the model marks ``sensitive`` (free text) and any column whose
    name (in the export, or after the column mapping of ``jamtools.yml``) says personnummer,
    samordningsnummer, name, address or free text, whether or not the model uses it (see
    :func:`sensitive_columns`). Sources are the files of the run's ``data_dir`` (CSV, Parquet,
    XLSX) and every table under ``tables`` in ``jamtools.yml`` (files or SQL). Only those
    columns are read, in the engine. Values shorter than four characters are left out (they
    would match everywhere). A personnummer is also returned in its other written forms (with
    and without century and hyphen), so that the scan finds it however an output writes it.

    Parameters
    ----------
    config : RunConfig or None
        The run's configuration; None reads the synthetic demo data.

    Returns
    -------
    set of str
    """
    from jamtools.data.personnummer import written_forms

    values: set[str] = set()
    for spec, base, table in _sources(config):
        for column in _source_values(spec, base, table):
            values.update(column)
            for v in column:
                if len(v) <= PNR_MAX_LENGTH:
                    values |= written_forms(v)
    return values
