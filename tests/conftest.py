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


#: Runs started when the tests are collected, by name (see pytest_collection_modifyitems).
_BACKGROUND: dict = {}
#: Test modules with a long run of their own that starts when they are collected: each has
#: ``start()`` and ``RUNNING`` (with ``stop()``), and its tests wait for the run's result.
BACKGROUND_MODULES = ("test_owndata_in_copy", "test_privacy_end_to_end")


def pytest_collection_modifyitems(session, config, items):
    """Long runs start as soon as the tests are collected, beside the rest of the suite: those
    of :data:`BACKGROUND_MODULES` (the own-data tests in a copy, every chapter on planted
    personal data) and the suite's one run of every chapter with the book
    (:func:`synthetic_run`), which the first tests do not need."""
    import importlib
    import tempfile

    if os.environ.get("JAMTOOLS_NO_SYNTHETIC") or config.option.collectonly:
        return
    for module in BACKGROUND_MODULES:
        if any(item.nodeid.startswith(f"tests/{module}.py::") for item in items):
            importlib.import_module(f"tests.{module}").start()
    if any("synthetic_run" in getattr(item, "fixturenames", ()) for item in items):
        folder = Path(tempfile.mkdtemp(prefix="jamtools-kapitel-"))
        _BACKGROUND["synthetic_run"] = _start_synthetic_run(folder)
        _BACKGROUND["folders"] = [folder]


def pytest_sessionfinish(session, exitstatus):
    import shutil
    import sys

    for name in BACKGROUND_MODULES:
        module = sys.modules.get(f"tests.{name}")
        if module is not None and module.RUNNING is not None:
            module.RUNNING.stop()
    if "synthetic_run" in _BACKGROUND:
        _BACKGROUND["synthetic_run"].stop()
    for folder in _BACKGROUND.get("folders", ()):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def planted() -> dict:
    """The effects planted in the synthetic data (written by the generator)."""
    return json.loads((SYNTHETIC / "planted.json").read_text(encoding="utf-8"))["questions"]


class StartedRun:
    """``python -m jamtools run`` started by :func:`start_chapters`
    (:class:`tests.helpers.Background`, its output in ``.<out>.logs`` beside ``out``);
    :meth:`finish` waits for it and checks it as :func:`run_chapters` does."""

    def __init__(self, out: Path, cmd: list[str], env: dict, book: bool):
        from tests.helpers import Background

        self.out, self.book = out, book
        self.run = Background(cmd, logs=out.parent / f".{out.name}.logs", cwd=ROOT, env=env)
        self.stop = self.run.stop

    def finish(self) -> Path:
        proc = self.run.result()
        if proc.returncode != 0 and self.book and _only_the_book_failed(self.out):
            return self.out
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        return self.out


def start_chapters(out: Path, ids=None, *extra: str, book: bool = False) -> StartedRun:
    """Start :func:`run_chapters`'s run without waiting for it."""
    import sys

    cmd = [sys.executable, "-m", "jamtools", "run", "--out", str(out), *extra]
    if not book:
        cmd.append("--no-book")
    if ids:
        cmd += ["--only", ",".join(ids)]
    env = dict(os.environ)
    if book:  # the whole book, with its PDFs
        env.pop("JAMTOOLS_PDF", None)
    return StartedRun(out, cmd, env, book)


def run_chapters(out: Path, ids=None, *extra: str, book: bool = False) -> Path:
    """Run chapters with ``python -m jamtools run`` into ``out`` (all when ``ids`` is None), with
    the book only when ``book`` (else ``--no-book``); fail the test with the run's own messages
    when it does not succeed. When only the book failed (every chapter ran, no leak found) the
    chapters' tests still run: tests/test_browser.py reports the book's failure."""
    return start_chapters(out, ids, *extra, book=book).finish()


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
    and the book built from them (``html/``, read by tests/test_browser.py). Started when the
    tests are collected (:func:`pytest_collection_modifyitems`), so that it runs beside the
    tests that come before its first reader."""
    started = _BACKGROUND.get("synthetic_run") or _start_synthetic_run(tmp_path_factory.mktemp("kapitel"))
    return started.finish()


def _start_synthetic_run(folder: Path) -> StartedRun:
    return start_chapters(folder / "kapitel", None, "--jobs", "2", book=True)


@pytest.fixture(scope="session")
def chapter_results(synthetic_run) -> dict:
    """Each chapter's results file of :func:`synthetic_run`, validated, by question id."""
    from jamtools.present import results

    return {p.stem: results.read(p) for p in sorted((synthetic_run / "results").glob("*.json"))}
