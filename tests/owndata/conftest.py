"""Own-data tests: exports made the way organisations write them, run in-process.

These tests never read the project's ``data/synthetic/``: the rows they turn into exports are
generated afresh by the generator (same seed) into a temporary folder, and every chapter run is
guarded by an audit hook that fails on any read under ``data/synthetic/``. The suite runs them
once, in a copy of the project without ``data/synthetic/`` (``tests/test_owndata_in_copy.py``);
set ``JAMTOOLS_OWNDATA=1`` to run them here directly while developing.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SEED = 20261124
HERE = Path(__file__).resolve().parent

if not os.environ.get("JAMTOOLS_OWNDATA"):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Path:
    """Demo rows generated afresh (the generator, not data/synthetic/), to make exports from."""
    from jamtools.data.synth import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=SEED, scale=1)
    return out


@pytest.fixture(scope="session")
def planted_demo(demo) -> dict:
    return json.loads((demo / "planted.json").read_text(encoding="utf-8"))["questions"]


@pytest.fixture(autouse=True)
def _no_synthetic_reads():
    from tests.owndata.harness import guard_synthetic

    with guard_synthetic():
        yield
