"""Rewrite the golden results from a run: ``python -m tests.golden.update <run folder>``.

Only on purpose: the commit that changes a golden file says why the numbers changed (a method
that changed, a planted effect that moved). The run must be on the default synthetic data
(``make data``; ``python -m jamtools run --no-book --out <folder>``).
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(run_folder: str) -> None:
    results = sorted((Path(run_folder) / "results").glob("*.json"))
    if not results:
        sys.exit(f"Inga resultatfiler i {run_folder}/results")
    for old in HERE.glob("*.json"):
        old.unlink()
    for path in results:
        json.loads(path.read_text(encoding="utf-8"))  # valid JSON only
        shutil.copy(path, HERE / path.name)
    print(f"{len(results)} resultatfiler skrivna till {HERE}")


if __name__ == "__main__":
    main(*sys.argv[1:])
