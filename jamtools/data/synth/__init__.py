"""Seeded synthetic data with documented, planted effects (one module per domain).

``generate(out, seed, scale)`` writes every table of the data model into ``out`` and
``planted.json`` with the values the notebooks must recover. The same seed gives identical
files; each domain draws from its own stream derived from the seed, so adding a domain does
not change the others.

Large scales (the benchmark: ten million rows per table and more) are generated in chunks of
at most ``CHUNK_SCALE``, each from its own stream ``[seed, domain, chunk]`` and appended to
the file, so memory stays bounded at any scale. Ids get a chunk prefix (``c0003-``) in every
id column, so keys stay unique and references stay within their chunk; the aggregate tables
(population, monthly indicators) are summed over chunks; planted values are combined over
chunks (counts summed, shares and differences averaged, weighted by the chunk's scale). Above
``CSV_MAX_SCALE`` the files are Parquet, not CSV.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from jamtools.data.model import TABLES
from jamtools.data.synth import bof, eb, ht, ks_ru_pop, um

#: Domain generators, in a fixed order; each returns (tables, planted values).
DOMAINS = {"bof": bof.generate, "ht": ht.generate, "eb": eb.generate, "ks_ru_pop": ks_ru_pop.generate,
           "um": um.generate}

#: The tables each domain writes (a domain's tables refer to each other, so they come together).
DOMAIN_TABLES = {
    "bof": ("bof_aktualiseringar", "bof_utredningar", "bof_insatser"),
    "ht": ("ht_beslut",),
    "eb": ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall"),
    "ks_ru_pop": ("ks_elever", "ru_ansokningar", "befolkning"),
    "um": ("um_anteckningar", "um_indikatorer"),
}

#: Largest scale generated in one piece (about 600 000 reports, 500 000 pupils).
CHUNK_SCALE = 100.0
#: Largest scale written as CSV when the format is "auto"; above it, Parquet.
CSV_MAX_SCALE = 10.0
#: Tables of counts whose rows do not grow with the scale: summed over chunks.
AGGREGATE_COUNTS = {"befolkning": ("antal",), "um_indikatorer": ("taljare", "namnare")}


def _domains_for(tables) -> set[str]:
    """The domains that write ``tables`` (all domains when ``tables`` is None)."""
    if tables is None:
        return set(DOMAINS)
    owner = {t: d for d, ts in DOMAIN_TABLES.items() for t in ts}
    unknown = [t for t in tables if t not in owner]
    if unknown:
        raise ValueError(f"Okänd tabell {', '.join(unknown)}. Tabellerna är: {', '.join(owner)}.")
    return {owner[t] for t in tables}


def _chunks(scale: float, chunk_scale: float) -> list[float]:
    k = max(1, math.ceil(scale / chunk_scale - 1e-9))
    return [chunk_scale] * (k - 1) + [scale - chunk_scale * (k - 1)]


def _combine(values: list, weights: list[float]):
    """Planted values of several chunks as one: equal values kept, counts summed, rest averaged."""
    first = values[0]
    if isinstance(first, dict):
        return {key: _combine([v[key] for v in values], weights) for key in first}
    if all(v == first for v in values):
        return first
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return int(sum(values))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return round(float(np.average(values, weights=weights)), 4)
    return first


def _prefix_ids(name: str, frame: pd.DataFrame, chunk: int) -> pd.DataFrame:
    table = TABLES.get(name)
    if table is None:
        return frame
    frame = frame.copy()
    for col in table.columns:
        if col.dtype == "id" and col.name in frame.columns:
            frame[col.name] = f"c{chunk:04d}-" + frame[col.name].astype("string")
    return frame


class _Writer:
    """Writes one table, chunk after chunk, as CSV or Parquet."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt, self.parquet, self.schema = path, fmt, None, None

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            first = self.schema is None
            frame.to_csv(self.path, index=False, lineterminator="\n", mode="w" if first else "a",
                         header=first)
            self.schema = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.parquet is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self.schema = table.schema
            self.parquet = pq.ParquetWriter(self.path, self.schema)
        else:
            table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
        self.parquet.write_table(table)

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()


def generate(out: str | Path, *, seed: int = 20261124, scale: float = 1.0, fmt: str = "auto",
             chunk_scale: float = CHUNK_SCALE, tables=None) -> dict:
    """Generate every table into ``out``; return the planted values (also in planted.json).

    Parameters
    ----------
    out : folder to write into (created if needed).
    seed : the seed; the same seed gives identical files.
    scale : 1 gives the published demo data (about 30 000 rows in all); the row count of each
        table grows in proportion (the population and indicator tables keep their rows and
        scale their counts).
    fmt : ``"csv"``, ``"parquet"`` or ``"auto"`` (CSV up to ``CSV_MAX_SCALE``, else Parquet).
        Writing a table removes the same table's file in the other format from ``out``, so that
        the loader (which prefers Parquet) never reads a stale file.
    chunk_scale : the largest scale generated in one piece.
    tables : only the domains that write these tables (:data:`DOMAIN_TABLES`), e.g. to reach
        ten million rows of a small table without generating the others at that scale; each
        domain draws the same rows as in a full run. ``planted.json`` then holds only those
        domains' questions. None (the default) writes every table.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if fmt == "auto":
        fmt = "csv" if scale <= CSV_MAX_SCALE else "parquet"
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use csv, parquet or auto")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chunks = _chunks(scale, chunk_scale)
    planted: dict = {"seed": seed, "scale": scale, "chunks": len(chunks), "questions": {}}
    wanted = _domains_for(tables)
    for index, (domain, make) in enumerate(DOMAINS.items()):
        if domain not in wanted:
            continue  # the index stays: each domain keeps its own random stream
        writers: dict[str, _Writer] = {}
        aggregates: dict[str, pd.DataFrame] = {}
        values_per_chunk = []
        for c, chunk in enumerate(chunks):
            rng = np.random.default_rng([seed, index] if len(chunks) == 1 else [seed, index, c])
            tables, values = make(rng, chunk)
            values_per_chunk.append(values)
            for name, frame in tables.items():
                if name in AGGREGATE_COUNTS:
                    if name in aggregates:
                        for col in AGGREGATE_COUNTS[name]:
                            aggregates[name][col] += frame[col].to_numpy()
                    else:
                        aggregates[name] = frame.copy()
                    continue
                if len(chunks) > 1:
                    frame = _prefix_ids(name, frame, c)
                if name not in writers:
                    writers[name] = _Writer(out / f"{name}.{fmt}", fmt)
                writers[name].write(frame)
            del tables
        for name, frame in aggregates.items():
            writers[name] = _Writer(out / f"{name}.{fmt}", fmt)
            writers[name].write(frame)
        for name, writer in writers.items():
            writer.close()
            other = out / f"{name}.{'parquet' if fmt == 'csv' else 'csv'}"
            other.unlink(missing_ok=True)
        planted["questions"].update(_combine(values_per_chunk, chunks))
    (out / "planted.json").write_text(json.dumps(planted, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return planted
