"""The golden test: every chapter's results JSON on the default synthetic data, number by number.

The files in ``tests/golden/`` were written by ``python -m tests.golden.update`` from a run of
every chapter on the synthetic data of ``make data`` (seed 20261124, scale 1). A refactoring must
leave them unchanged; a change that moves a number on purpose rewrites them and says why in the
commit.

Tolerance: numbers agree to a relative 1e-6 (absolute 1e-9 near zero). The bootstraps are seeded,
so on one machine the numbers are identical; the tolerance absorbs only floating-point differences
between BLAS builds. Strings, booleans, nulls and counts must be equal.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
REL, ABS = 1e-6, 1e-9
# Run-specific values that are not results.
_NOT_COMPARED = {"organisation"}


def _golden_ids() -> list[str]:
    return sorted(p.stem for p in GOLDEN.glob("*.json"))


def _diff(expected, actual, where: str, out: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key in _NOT_COMPARED:
                continue
            if key not in actual or key not in expected:
                out.append(f"{where}.{key}: finns bara i {'golden' if key in expected else 'körningen'}")
                continue
            _diff(expected[key], actual[key], f"{where}.{key}", out)
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(f"{where}: {len(expected)} poster i golden, {len(actual)} i körningen")
        for i, (e, a) in enumerate(zip(expected, actual)):
            label = e.get("comparison", "") + " " + e.get("outcome", "") if isinstance(e, dict) else ""
            _diff(e, a, f"{where}[{i}{' ' + label.strip() if label.strip() else ''}]", out)
    elif isinstance(expected, bool) or isinstance(actual, bool) or expected is None or actual is None:
        if expected != actual:
            out.append(f"{where}: {expected!r} ≠ {actual!r}")
    elif isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if isinstance(expected, int) and isinstance(actual, int):
            if expected != actual:
                out.append(f"{where}: {expected} ≠ {actual}")
        elif not math.isclose(expected, actual, rel_tol=REL, abs_tol=ABS):
            out.append(f"{where}: {expected!r} ≠ {actual!r}")
    elif expected != actual:
        out.append(f"{where}: {expected!r} ≠ {actual!r}")


def test_every_chapter_has_a_golden_file(chapter_results):
    assert len(_golden_ids()) == 25
    assert sorted(chapter_results) == _golden_ids()


@pytest.mark.parametrize("question_id", _golden_ids())
def test_results_equal_golden(question_id, chapter_results, synthetic_run):
    expected = json.loads((GOLDEN / f"{question_id}.json").read_text(encoding="utf-8"))
    actual = json.loads((synthetic_run / "results" / f"{question_id}.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    _diff(expected, actual, question_id, problems)
    assert not problems, "\n".join(problems[:40])


def test_diff_finds_a_moved_number():
    """The comparison itself can fail: a moved estimate, a lost row and a changed label are found."""
    base = {"comparisons": [{"comparison": "a", "outcome": "y", "estimate": 1.0, "n_a": 3}]}
    moved = {"comparisons": [{"comparison": "a", "outcome": "y", "estimate": 1.00001, "n_a": 3}]}
    out: list[str] = []
    _diff(base, moved, "q", out)
    assert out and "estimate" in out[0]
    out = []
    _diff(base, {"comparisons": []}, "q", out)
    assert out
    out = []
    _diff(base, {"comparisons": [{"comparison": "b", "outcome": "y", "estimate": 1.0, "n_a": 3}]}, "q", out)
    assert out
    out = []
    _diff(base, {"comparisons": [{"comparison": "a", "outcome": "y", "estimate": 1.0 + 1e-12, "n_a": 3}]}, "q", out)
    assert not out
