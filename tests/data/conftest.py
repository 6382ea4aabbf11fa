"""Fixtures of the data-layer tests: one fresh copy of the synthetic data per session."""
from __future__ import annotations

import json
import os

import pytest

SEED = int(os.environ.get("JAMTOOLS_TEST_SEED", "20261124"))  # other seeds: a robustness check


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """(directory, planted values) of the synthetic data generated at the published seed."""
    from jamtools.data.synth import generate

    out = tmp_path_factory.mktemp("synthetic")
    generate(out, seed=SEED, scale=1)
    return out, json.loads((out / "planted.json").read_text(encoding="utf-8"))["questions"]
