"""The data-model chapter matches the model; the synthetic data are deterministic per seed."""
from __future__ import annotations

import filecmp
from pathlib import Path

from jamtools.data.doc import render
from jamtools.synth import generate

ROOT = Path(__file__).resolve().parents[2]


def test_datamodel_chapter_is_generated_from_the_model():
    committed = (ROOT / "book" / "datamodell.md").read_text(encoding="utf-8")
    assert committed == render(), "regenerate: python -m jamtools model-doc > book/datamodell.md"


def test_same_seed_identical_files_other_seed_different(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=7, scale=0.2)
    generate(b, seed=7, scale=0.2)
    generate(c, seed=8, scale=0.2)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and len(names) >= 4
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors
    _, differ, _ = filecmp.cmpfiles(a, c, [n for n in names if n.endswith(".csv")], shallow=False)
    assert len(differ) == len([n for n in names if n.endswith(".csv")])
