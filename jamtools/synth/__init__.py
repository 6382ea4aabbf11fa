"""Seeded synthetic data with documented, planted effects (one module per domain).

``generate(out, seed, scale)`` writes every table of the data model as CSV into ``out`` and
``planted.json`` with the values the notebooks must recover. The same seed gives identical
files; each domain draws from its own stream derived from the seed, so adding a domain does
not change the others.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from jamtools.synth import bof, eb, ht, ks_ru_pop, um

#: Domain generators, in a fixed order; each returns (tables, planted values).
DOMAINS = {"bof": bof.generate, "ht": ht.generate, "eb": eb.generate, "ks_ru_pop": ks_ru_pop.generate,
           "um": um.generate}


def generate(out: str | Path, *, seed: int = 20261124, scale: float = 1.0) -> dict:
    """Generate every table into ``out``; return the planted values (also in planted.json)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    planted: dict = {"seed": seed, "scale": scale, "questions": {}}
    for index, (domain, make) in enumerate(DOMAINS.items()):
        rng = np.random.default_rng([seed, index])
        tables, values = make(rng, scale)
        for name, frame in tables.items():
            frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
        planted["questions"].update(values)
    (out / "planted.json").write_text(json.dumps(planted, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return planted
