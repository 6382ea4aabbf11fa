"""The bench's measurements that are not a ``python -m jamtools`` command, each run in its own
process by :mod:`bench.__main__` (``python -m bench.tasks <task> ...``). Each prints one JSON
line on stdout, last: the times measured inside the process with ``time.perf_counter``, around
the work alone (the interpreter's start and the imports are in the process's wall time).

- ``floor``: papermill executes a notebook that does only what every chapter notebook does
  before its chapter: the parameters cell, the imports and ``setup(...)``; same kernel and
  options as the runner (:func:`jamtools.run.runner._execute`).
- ``load``: :func:`jamtools.data.load.load_table` (read + check + account) of a table, then a
  pandas groupby to cells (n, sum and sum of squares of an amount by three keys); with
  ``--cells`` the load is the engine's cell table (``cells=True``, what the chapters read) and
  the groupby sums its weights.
- ``duckdb``: the same cells straight from the Parquet file with DuckDB.
- ``convert``: Parquet tables to an analyst's formats, CSV (cp1252, ``;``, decimal comma) or
  XLSX (XlsxWriter, streaming).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

KEYS = ["kon", "adl_beroende", "ensamboende"]
AMOUNT = "beviljade_timmar"
#: The chapter whose notebook gives the floor's imports and setup call.
FLOOR_SOURCE = "bof_02_utredning_till_insats"


def floor_notebook(source: Path):
    """A notebook with ``source``'s parameters cell and, of its first code cell after that, only
    the imports and the ``setup(...)`` line: the work every chapter does before its own."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    cells = nb.cells
    params_at = next(i for i, c in enumerate(cells)
                     if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))
    first = next(c for c in cells[params_at + 1:] if c.cell_type == "code")
    keep = [ln for ln in first.source.splitlines()
            if ln.startswith(("import ", "from ")) or "= setup(" in ln]
    if not any("= setup(" in ln for ln in keep):
        raise ValueError(f"{source.name}: ingen setup(...)-rad i första kodcellen")
    out = nbformat.v4.new_notebook()
    out.metadata = nb.metadata
    params = nbformat.v4.new_code_cell(cells[params_at].source)
    params.metadata["tags"] = ["parameters"]
    out.cells = [nbformat.v4.new_markdown_cell("# Golvet: bara importer och setup"), params,
                 nbformat.v4.new_code_cell("\n".join(keep))]
    return out


def task_floor(args) -> dict:
    import nbformat
    import papermill

    from jamtools.run.config import load_config
    from jamtools.run.runner import KERNEL_NAME, KERNEL_START_TIMEOUT

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    source = work / "golv.ipynb"
    nbformat.write(floor_notebook(Path(args.source)), source)
    params = load_config(args.config).for_notebook(Path(args.source).stem)
    params["results_path"] = str(work / "golv-results.json")
    start = time.perf_counter()
    papermill.execute_notebook(str(source), str(work / "golv-utford.ipynb"), parameters=params,
                               kernel_name=KERNEL_NAME, language="python", cwd=str(work),
                               progress_bar=False, log_output=False,
                               request_save_on_cell_execute=False, start_timeout=KERNEL_START_TIMEOUT)
    return {"papermill_s": time.perf_counter() - start}


def task_load(args) -> dict:
    import pandas as pd

    from jamtools.data.load import load_table
    from jamtools.run.config import load_config

    # The modules the load imports on first use, imported before the clock starts, as
    # task_duckdb imports duckdb: both sides time the connection, the query and the result.
    import duckdb  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import jamtools.data.check  # noqa: F401
    import jamtools.data.engine  # noqa: F401
    import jamtools.data.readers  # noqa: F401

    config = load_config(args.config)
    start = time.perf_counter()
    loaded = load_table(args.table, config=config, columns=[AMOUNT, "adl_beroende", "ensamboende"],
                        cells=args.cells)
    t_load = time.perf_counter() - start
    df = loaded.data
    amount = df[AMOUNT].astype("float64")
    units = df[loaded.weight].astype("float64") if loaded.weight else pd.Series(1.0, index=df.index)
    cells = (pd.DataFrame({**{k: df[k] for k in KEYS}, "n": units, "x": amount * units,
                           "x2": amount * amount * units})
             .groupby(KEYS, observed=True, dropna=False)
             .agg(n=("n", "sum"), sum=("x", "sum"), sumsq=("x2", "sum")))
    total = time.perf_counter() - start
    return {"load_s": t_load, "aggregate_s": total - t_load, "total_s": total,
            "rows": int(len(df)), "cells": int(len(cells)), "n": int(cells["n"].sum()),
            "sum": float(cells["sum"].sum())}


def task_duckdb(args) -> dict:
    import duckdb
    import pandas  # noqa: F401  (the result's DataFrame; imported before the clock starts)

    path = str(Path(args.file).resolve()).replace("'", "''")
    query = (f"SELECT kon, adl_beroende, ensamboende, count(*) AS n, sum({AMOUNT}) AS sum, "
             f"sum({AMOUNT}*{AMOUNT}) AS sumsq FROM read_parquet('{path}') GROUP BY ALL")
    start = time.perf_counter()
    con = duckdb.connect()
    cells = con.sql(query).df()
    total = time.perf_counter() - start
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return {"total_s": total, "cells": int(len(cells)), "n": int(cells["n"].sum()),
            "sum": float(cells["sum"].sum()), "threads": int(threads)}


def task_least(args) -> dict:
    """One bare query over one column of a Parquet file, on an engine connection with the
    run's settings (memory limit, threads): ``ids``, the number of rows of each value (a hash
    aggregate over every value, about what a check for repeated keys or a link by id costs);
    ``words``, per word (runs of Unicode letters, lower case) and sex the number of times it
    is used and of distinct persons described, as um_01 counts them (a word is shown only when
    used about enough persons, and enough times, for each sex); the sex and the person are the
    file's ``kon`` and ``person_id`` where it has them. ``rows`` is then the number of words
    counted, and ``persons`` the persons per word and sex, summed."""
    import pyarrow.parquet as pq

    from jamtools.data.engine import connect, ident

    path = str(Path(args.file).resolve()).replace("'", "''")
    col = ident(args.column)
    if args.kind == "ids":
        query = (f"SELECT count(*) AS n, sum(k) AS rows FROM (SELECT {col}, count(*) AS k FROM "
                 f"read_parquet('{path}') WHERE {col} IS NOT NULL GROUP BY {col})")
    else:
        names = set(pq.read_schema(args.file).names)
        sex = ", kon" if "kon" in names else ""
        person = ", person_id" if "person_id" in names else ""
        per_person = ", count(DISTINCT person_id) AS persons" if person else ""
        query = (f"SELECT count(*) AS n, sum(k) AS rows{', sum(persons)' if person else ''} "
                 f"FROM (SELECT w{sex}, count(*) AS k{per_person} "
                 f"FROM (SELECT {(sex + person).lstrip(', ') or 'NULL AS none'}, "
                 f"unnest(regexp_extract_all(lower({col}), '\\p{{L}}+')) AS w "
                 f"FROM read_parquet('{path}')) GROUP BY w{sex})")
    con = connect()
    start = time.perf_counter()
    n, rows, *persons = con.execute(query).fetchall()[0]
    total = time.perf_counter() - start
    con.close()
    out = {"total_s": total, "groups": int(n or 0), "rows": int(rows or 0)}
    if persons:  # the persons per word and sex, summed: the result is read, so it is computed
        out["persons"] = int(persons[0] or 0)
    return out


def _write_xlsx(frame, target: Path) -> None:
    """One sheet with a header row, written row by row with XlsxWriter's streaming mode
    (``constant_memory``): pandas' ``to_excel`` with openpyxl builds every cell as an object
    first (about three times as long here on 100 thousand rows), and streaming needs the rows
    in order, which pandas' writer does not give. As pandas writes them: a blank where a value
    is missing (NaN, NaT, NA), dates as dates, infinity as text, text never as a formula or a
    link."""
    import math

    import pandas as pd
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {
        "constant_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_formulas": False,
        "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, [str(c) for c in frame.columns])

    def cell(v):
        if pd.api.types.is_scalar(v) and pd.isna(v):
            return None
        if isinstance(v, float) and math.isinf(v):
            return str(v)
        return v.to_pydatetime() if isinstance(v, pd.Timestamp) else v

    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        sheet.write_row(i, 0, [cell(v) for v in row])
    book.close()


def task_convert(args) -> dict:
    import pandas as pd

    src, dst = Path(args.src), Path(args.dst)
    dst.mkdir(parents=True, exist_ok=True)
    out = {}
    for table in args.tables.split(","):
        start = time.perf_counter()
        frame = pd.read_parquet(src / f"{table}.parquet")
        target = dst / f"{table}.{args.format}"
        if args.format == "csv":
            frame.to_csv(target, sep=";", decimal=",", encoding="cp1252", index=False)
        else:
            _write_xlsx(frame, target)
        out[table] = {"rows": int(len(frame)), "seconds": time.perf_counter() - start,
                      "bytes": target.stat().st_size}
    return {"tables": out, "total_s": sum(t["seconds"] for t in out.values())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tasks")
    sub = parser.add_subparsers(dest="task", required=True)
    p = sub.add_parser("floor")
    p.add_argument("--source", required=True, help="kapitelnotebooken vars importer golvet gör")
    p.add_argument("--config", required=True)
    p.add_argument("--work", required=True)
    p.set_defaults(func=task_floor)
    p = sub.add_parser("load")
    p.add_argument("--config", required=True)
    p.add_argument("--table", default="ht_beslut")
    p.add_argument("--cells", action="store_true", help="läs som celltabell (cells=True)")
    p.set_defaults(func=task_load)
    p = sub.add_parser("duckdb")
    p.add_argument("--file", required=True)
    p.set_defaults(func=task_duckdb)
    p = sub.add_parser("least")
    p.add_argument("--file", required=True)
    p.add_argument("--column", required=True)
    p.add_argument("--kind", choices=("ids", "words"), required=True)
    p.set_defaults(func=task_least)
    p = sub.add_parser("convert")
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--format", choices=("csv", "xlsx"), required=True)
    p.add_argument("--tables", required=True)
    p.set_defaults(func=task_convert)
    args = parser.parse_args(argv)
    result = args.func(args)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


def last_json(stdout: str) -> dict | None:
    """The JSON line a task printed last (None when there is none)."""
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


if __name__ == "__main__":
    raise SystemExit(main())
