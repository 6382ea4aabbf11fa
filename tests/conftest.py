"""Shared test setup: the synthetic demo data and the `jamtools` kernel exist before any test
runs."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The suite's many small runs build books without PDFs; its one run of the whole handbook
# (``synthetic_run``) makes them, and in CI must (jamtools.run.pdf).
os.environ.setdefault("JAMTOOLS_PDF", "skip")
SYNTHETIC = ROOT / "data" / "synthetic"
SEED = 20261124


def pytest_sessionstart(session):
    import os

    from jamtools.run.runner import ensure_kernel
    from jamtools.data.synth import generate

    if os.environ.get("JAMTOOLS_NO_SYNTHETIC"):  # the own-data tests, in a copy without demo data
        ensure_kernel()
        return

    planted = SYNTHETIC / "planted.json"
    sources = (ROOT / "jamtools" / "data" / "synth").glob("*.py")
    if not planted.exists() or any(p.stat().st_mtime > planted.stat().st_mtime for p in sources):
        generate(SYNTHETIC, seed=SEED, scale=1)  # deterministic: same seed, same files
    ensure_kernel()


@pytest.fixture(scope="session")
def planted() -> dict:
    """The effects planted in the synthetic data (written by the generator)."""
    return json.loads((SYNTHETIC / "planted.json").read_text(encoding="utf-8"))["questions"]


def run_chapters(out: Path, ids=None, *extra: str, book: bool = False) -> Path:
    """Run chapters with ``python -m jamtools run`` into ``out`` (all when ``ids`` is None), with
    the book only when ``book`` (else ``--no-book``); fail the test with the run's own messages
    when it does not succeed. When only the book failed (every chapter ran, no leak found) the
    chapters' tests still run: tests/test_browser.py reports the book's failure."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "jamtools", "run", "--out", str(out), *extra]
    if not book:
        cmd.append("--no-book")
    if ids:
        cmd += ["--only", ",".join(ids)]
    env = dict(os.environ)
    if book:  # the whole book, with its PDFs
        env.pop("JAMTOOLS_PDF", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode != 0 and book and _only_the_book_failed(out):
        return out
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return out


def _only_the_book_failed(out: Path) -> bool:
    manifest = out / "manifest.json"
    if not manifest.exists():
        return False
    m = json.loads(manifest.read_text(encoding="utf-8"))
    scan = m.get("leak_scan") or {}
    chapters_ran = all(nb.get("status") in ("ok", "no_rows") for nb in m.get("notebooks") or [{}])
    return chapters_ran and not scan.get("findings") and not scan.get("html_findings")


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory) -> Path:
    """Every chapter, run once on the synthetic data for all the tests that read its output,
    and the book built from them (``html/``, read by tests/test_browser.py)."""
    return run_chapters(tmp_path_factory.mktemp("kapitel"), None, "--jobs", "2", book=True)


@pytest.fixture(scope="session")
def chapter_results(synthetic_run) -> dict:
    """Each chapter's results file of :func:`synthetic_run`, validated, by question id."""
    from jamtools.present import results

    return {p.stem: results.read(p) for p in sorted((synthetic_run / "results").glob("*.json"))}
