"""Shared test setup: the synthetic demo data and the `jamtools` kernel exist before any test
(nbval included) runs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
SEED = 20261124


def pytest_sessionstart(session):
    from jamtools.runner import ensure_kernel
    from jamtools.synth import generate

    planted = SYNTHETIC / "planted.json"
    sources = (ROOT / "jamtools" / "synth").glob("*.py")
    if not planted.exists() or any(p.stat().st_mtime > planted.stat().st_mtime for p in sources):
        generate(SYNTHETIC, seed=SEED, scale=1)  # deterministic: same seed, same files
    ensure_kernel()


@pytest.fixture(scope="session")
def planted() -> dict:
    """The effects planted in the synthetic data (written by the generator)."""
    return json.loads((SYNTHETIC / "planted.json").read_text(encoding="utf-8"))["questions"]
