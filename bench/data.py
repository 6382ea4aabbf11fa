"""The bench's data: synthetic tables per scale, and the analyst's formats made from them.

``data/bench/rows-<N>/`` holds the Parquet tables of ``python -m jamtools synth --seed 1
--scale N/4000`` (N rows of ``ht_beslut``; the other tables grow in proportion). A stamp file
(``.bench-stamp.json``) records the seed, the scale, the tables written and a hash of the
generator's source; a folder whose stamp matches is reused, so the 10-million-row tables are
made once. ``rows-<N>-csv/`` and ``rows-<N>-xlsx/`` hold the tables some chapters need as an
analyst's export: CSV in Windows-1252 with ``;`` and decimal comma, and XLSX.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

from bench.measure import Measurement, run_measured
from bench.tasks import last_json

ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = ROOT / "data" / "bench"
SEED = 1
#: ``ht_beslut`` rows at scale 1.
ROWS_PER_SCALE = 4000
STAMP = ".bench-stamp.json"


def python() -> str:
    """The project's Python (``.venv/bin/python``), else this one."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def scale_for(rows: int) -> float:
    return rows / ROWS_PER_SCALE


def generator_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "jamtools" / "data" / "synth").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_stamp(folder: Path) -> dict | None:
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stamp_covers(stamp: dict | None, *, scale: float, tables: list[str] | None, generator: str) -> bool:
    """True when a folder's stamp says it holds ``tables`` (None: all) at ``scale`` from this
    generator and seed."""
    if not stamp or stamp.get("seed") != SEED or stamp.get("scale") != scale:
        return False
    if stamp.get("generator") != generator:
        return False
    have = stamp.get("tables")
    return have is None or (tables is not None and set(tables) <= set(have))


def table_rows(folder: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {p.stem: pq.ParquetFile(p).metadata.num_rows for p in sorted(folder.glob("*.parquet"))}


def synth(rows: int, tables: list[str] | None = None, *, root: Path = DATA_ROOT,
          timeout: float | None = None) -> dict:
    """Make (or reuse) ``root/rows-<rows>``; return the record of what was done."""
    folder = root / f"rows-{rows}"
    scale = scale_for(rows)
    generator = generator_hash()
    stamp = read_stamp(folder)
    record = {"rows": rows, "scale": scale, "dir": str(folder), "tables": tables}
    if stamp_covers(stamp, scale=scale, tables=tables, generator=generator):
        return {**record, "reused": True, "status": "ok", "wall_s": stamp.get("wall_s"),
                "peak_tree_mb": stamp.get("peak_tree_mb"), "table_rows": stamp.get("table_rows")}
    if stamp is not None:
        # the bench's own folder with another scale, tables or generator: start afresh
        shutil.rmtree(folder, ignore_errors=True)
    cmd = [python(), "-m", "jamtools", "synth", "--seed", str(SEED), "--scale", repr(scale),
           "--format", "parquet", "--out", str(folder)]
    if tables:
        cmd += ["--tables", ",".join(tables)]
    m = run_measured(cmd, timeout=timeout, cwd=ROOT)
    record.update(reused=False, wall_s=m.wall_s, peak_tree_mb=m.peak_tree_mb,
                  status="ok" if m.ok else "failed", reason=m.failure())
    if m.ok:
        record["table_rows"] = table_rows(folder)
        (folder / STAMP).write_text(json.dumps({
            "seed": SEED, "scale": scale, "tables": tables, "generator": generator,
            "wall_s": m.wall_s, "peak_tree_mb": m.peak_tree_mb,
            "table_rows": record["table_rows"]}, indent=2) + "\n", encoding="utf-8")
    return record


def analyst_copy(rows: int, fmt: str, tables: list[str], *, root: Path = DATA_ROOT,
                 timeout: float | None = None) -> dict:
    """Make (or reuse) ``root/rows-<rows>-<fmt>`` with ``tables`` converted from the Parquet
    folder ``root/rows-<rows>`` (which must exist)."""
    src = root / f"rows-{rows}"
    dst = root / f"rows-{rows}-{fmt}"
    source_stamp = read_stamp(src) or {}
    key = {"source": hashlib.sha256(json.dumps(source_stamp, sort_keys=True).encode()).hexdigest()[:16],
           "format": fmt, "tables": sorted(tables)}
    stamp = read_stamp(dst)
    record = {"rows": rows, "format": fmt, "dir": str(dst), "tables": sorted(tables)}
    if stamp and {k: stamp.get(k) for k in key} == key:
        return {**record, "reused": True, "status": "ok", **{k: stamp.get(k) for k in ("wall_s", "convert")}}
    if stamp is not None:
        shutil.rmtree(dst, ignore_errors=True)
    m: Measurement = run_measured([python(), "-m", "bench.tasks", "convert", "--src", str(src),
                                   "--dst", str(dst), "--format", fmt, "--tables", ",".join(sorted(tables))],
                                  timeout=timeout, cwd=ROOT)
    inner = last_json(m.stdout) if m.ok else None
    record.update(reused=False, wall_s=m.wall_s, peak_tree_mb=m.peak_tree_mb, convert=inner,
                  status="ok" if inner else "failed", reason=None if inner else m.failure())
    if inner:
        (dst / STAMP).write_text(json.dumps({**key, "wall_s": m.wall_s, "convert": inner}, indent=2)
                                 + "\n", encoding="utf-8")
    return record
