"""The run cache: an unchanged rerun into the same ``--out`` executes no notebook; a changed data
file, parameter or jamtools reruns exactly the chapters it touches (and the summary); the
kernels' peak memory in the manifest; the check limited to the chapters of ``--only``.

The runs are in-process (``runner.run``) on small copies of two demo tables, with the pilot
chapter and two stand-ins (trivial notebooks under catalogue ids: ``ht_01`` reading
``ht_beslut``, and the summary ``r4_05``). The jamtools sources' digest is fixed for the
sequence, so that an edit elsewhere in the package while the test runs cannot change its keys
(a test below changes it on purpose).
"""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import time
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from jamtools.run import runner
from jamtools.run.check import InputCheck, chapter_tables, check_inputs
from jamtools.run.cli import build_parser
from jamtools.run.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
PILOT = "bof_02_utredning_till_insats"
HT = "ht_01_hemtjanst_timmar"
SUMMARY = "r4_05_realisera"
CODE = {"version": "test", "sources": "fixed"}


def _stand_in(path: Path, *, summary: bool = False) -> None:
    """A notebook that only writes an empty results file (as every chapter writes one)."""
    nb = nbformat.v4.new_notebook()
    params = {"data_dir": None, "period_start": None, "period_end": None, "threshold": 5,
              "conf_level": 0.95, "organisation": "", "results_path": None, "config_file": None}
    if summary:
        params["results_dir"] = None
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items()))
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(
        "import json\njson.dump({}, open(results_path, 'w'))\nprint('klar', threshold)")]
    nbformat.write(nb, path)


def _config(folder: Path, notebooks: dict | None = None) -> Path:
    cfg = folder / "jamtools.yml"
    cfg.write_text(json.dumps({"data_dir": "data", "organisation": "Testkommunen",
                               "notebooks": notebooks or {}}), encoding="utf-8")
    return cfg


def _run(folder: Path, out: Path, **kw) -> tuple[int, dict, str]:
    terminal = io.StringIO()
    with contextlib.redirect_stderr(terminal):
        code = runner.run(load_config(folder / "jamtools.yml"), out, build=False, progress=False,
                          notebook_dir=folder / "notebooks", **kw)
    return code, json.loads((out / "manifest.json").read_text(encoding="utf-8")), terminal.getvalue()


def _executed(manifest: dict) -> set[str]:
    return {n["id"] for n in manifest["notebooks"] if not n["reused"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Eight runs into one ``out``: a first, an unchanged one (a data file touched), a data file
    changed, a chapter's parameter changed, jamtools changed with ``--only``, ``--no-cache``,
    ``--only`` once more unchanged, and ``--only`` after a change to a table outside it; each
    run's exit code and manifest."""
    folder = tmp_path_factory.mktemp("cache")
    (folder / "data").mkdir()
    pd.read_csv(SYNTHETIC / "bof_utredningar.csv", dtype=str).head(400).to_csv(
        folder / "data" / "bof_utredningar.csv", index=False)
    ht = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str).head(200)
    ht.to_csv(folder / "data" / "ht_beslut.csv", index=False)
    (folder / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / f"{PILOT}.ipynb", folder / "notebooks")
    _stand_in(folder / "notebooks" / f"{HT}.ipynb")
    _stand_in(folder / "notebooks" / f"{SUMMARY}.ipynb", summary=True)
    _config(folder)
    out = folder / "out"
    seen = {"out": out}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "code_version", lambda: CODE)
        seen["first"] = _run(folder, out)
        # the same content, a new modification time: content decides, not the clock
        (folder / "data" / "ht_beslut.csv").touch()
        seen["unchanged"] = _run(folder, out)
        ht.assign(beviljade_timmar="1.0").to_csv(folder / "data" / "ht_beslut.csv", index=False)
        seen["ht_data"] = _run(folder, out)
        _config(folder, {PILOT: {"threshold": 6}})
        seen["pilot_parameter"] = _run(folder, out)
        mp.setattr(runner, "code_version", lambda: {**CODE, "sources": "changed"})
        seen["code"] = _run(folder, out, only=[HT])
        seen["no_cache"] = _run(folder, out, only=[HT], cache=False)
        seen["only_again"] = _run(folder, out, only=[HT])
        # a table outside --only changed: not hashed, but the leak scan reads it
        pd.read_csv(SYNTHETIC / "bof_utredningar.csv", dtype=str).head(300).to_csv(
            folder / "data" / "bof_utredningar.csv", index=False)
        seen["only_other_changed"] = _run(folder, out, only=[HT])
    return seen


def test_a_first_run_executes_everything_and_writes_its_keys(runs):
    code, m, _ = runs["first"]
    assert code == 0
    assert _executed(m) == {PILOT, HT, SUMMARY} and m["chapters_reused"] == []
    assert all(n["cache_key"] for n in m["notebooks"])
    assert len({n["cache_key"] for n in m["notebooks"]}) == 3
    assert m["check"]["reused"] is False and m["leak_scan"]["reused"] is False
    assert m["check"]["duration_s"] > 0  # the check's own time


def test_an_unchanged_rerun_executes_no_notebook(runs):
    first = runs["first"][1]
    code, m, _ = runs["unchanged"]
    assert code == 0
    assert _executed(m) == set() and set(m["chapters_reused"]) == {PILOT, HT, SUMMARY}
    # the reused records are the first run's (its status, duration and memory)
    before = {n["id"]: n for n in first["notebooks"]}
    for n in m["notebooks"]:
        assert n["status"] == "ok" and n["duration_s"] == before[n["id"]]["duration_s"]
        assert n["cache_key"] == before[n["id"]]["cache_key"]
    assert m["check"]["reused"] is True and m["check"]["summary"] == first["check"]["summary"]
    assert m["check"]["duration_s"] is None  # not checked again
    # what the check found absent in the files (for the kernels, jamtools.data.facts) with it
    assert m["check"]["facts"] == first["check"]["facts"] and first["check"]["facts"]["unique_keys"]
    assert m["leak_scan"]["reused"] is True
    assert m["exit_code"] == 0
    assert ("Cache: 3 av 3 kapitel återanvänds från förra körningen; kontrollen återanvänds; "
            "läckagekontrollen återanvänds.") in runs["unchanged"][2]
    assert "Cache: ingen tidigare körning" in runs["first"][2]


def test_a_changed_data_file_reruns_the_chapters_reading_it_and_the_summary(runs):
    code, m, _ = runs["ht_data"]
    assert code == 0
    assert _executed(m) == {HT, SUMMARY} and m["chapters_reused"] == [PILOT]
    assert f"1 av 3 kapitel återanvänds från förra körningen, 2 körs ({HT}, {SUMMARY})" in runs["ht_data"][2]
    assert m["check"]["reused"] is False  # a table changed: checked again
    assert m["leak_scan"]["reused"] is False


def test_a_changed_parameter_reruns_that_chapter_and_the_summary_only(runs):
    code, m, _ = runs["pilot_parameter"]
    assert code == 0
    assert _executed(m) == {PILOT, SUMMARY} and m["chapters_reused"] == [HT]
    pilot = next(n for n in m["notebooks"] if n["id"] == PILOT)
    assert pilot["status"] == "ok"
    nb = nbformat.read(runs["out"] / "notebooks" / f"{PILOT}.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "threshold = 6" in injected.source


def test_a_change_in_jamtools_or_no_cache_reruns(runs):
    code, m, _ = runs["code"]
    assert code == 0 and _executed(m) == {HT} and m["chapters_reused"] == []
    code, m, _ = runs["no_cache"]
    assert code == 0 and _executed(m) == {HT} and m["cache"]["enabled"] is False
    assert "Cache: avstängd (--no-cache)" in runs["no_cache"][2]
    assert m["notebooks"][0]["cache_key"] == runs["code"][1]["notebooks"][0]["cache_key"]
    assert build_parser().parse_args(["run", "--no-cache"]).no_cache is True
    assert build_parser().parse_args(["run"]).no_cache is False


def test_only_checks_the_tables_of_the_chapters_asked_for(runs):
    _, m, _ = runs["code"]  # --only ht_01: its table only
    assert m["check"]["summary"].startswith("Kontroll: 1 tabell läst (bara de som de valda kapitlen")
    assert "1 av 1 kapitel kan köras" in m["check"]["summary"]
    _, full, _ = runs["first"]
    assert full["check"]["summary"].startswith("Kontroll: 2 tabeller lästa")
    assert "bara de som" not in full["check"]["summary"]
    # ... and hashes and lists only that table: the others are not read
    assert [f["name"] for f in m["input_files"]] == ["ht_beslut.csv"]
    assert set(m["cache"]["tables"]) == {"ht_beslut"}
    assert {f["name"] for f in full["input_files"]} == {"bof_utredningar.csv", "ht_beslut.csv"}
    # the leak scan looks at every source, also the ones --only does not hash: unchanged, it
    # is reused; a change outside the chosen chapters' tables makes it run again
    _, again, _ = runs["only_again"]
    assert _executed(again) == set() and again["chapters_reused"] == [HT]
    assert again["leak_scan"]["reused"] is True
    _, other, _ = runs["only_other_changed"]
    assert _executed(other) == set() and other["chapters_reused"] == [HT]
    assert other["leak_scan"]["reused"] is False
    assert other["cache"]["scan_key"] != again["cache"]["scan_key"]


def test_only_hashes_no_file_outside_its_tables(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    for table in ("bof_utredningar", "ht_beslut"):
        pd.read_csv(SYNTHETIC / f"{table}.csv", dtype=str).head(50).to_csv(
            tmp_path / "data" / f"{table}.csv", index=False)
    config = load_config(_config(tmp_path))
    hashed = []
    real = runner.Digests.__call__
    monkeypatch.setattr(runner.Digests, "__call__",
                        lambda self, path: hashed.append(Path(path).name) or real(self, path))
    assert set(runner.table_digests(config, runner.Digests(), tables={"ht_beslut"})) == {"ht_beslut"}
    assert hashed == ["ht_beslut.csv"]
    files = runner._input_files(config, runner.Digests(), tables={"ht_beslut"})
    assert [f["name"] for f in files] == ["ht_beslut.csv"]
    assert files[0]["sha256"] == runner.Digests().content(tmp_path / "data" / "ht_beslut.csv")


def test_manifest_records_each_kernels_duration_and_peak_memory(runs):
    _, m, _ = runs["first"]
    for n in m["notebooks"]:
        # a Python kernel with ipykernel loaded holds tens of MB; the pilot's pandas more
        assert n["duration_s"] > 0 and n["peak_mb"] > 20, n
    pilot = next(n for n in m["notebooks"] if n["id"] == PILOT)
    stand_in = next(n for n in m["notebooks"] if n["id"] == HT)
    assert pilot["peak_mb"] > stand_in["peak_mb"]
    assert m["peak_mb"] > stand_in["peak_mb"]


def test_peak_memory_sees_a_childs_allocation():
    """200 MB allocated by a child process (started after the sampler, living longer than the
    interval between two listings of the tree) are in the peak of the parent's descendants;
    the tree is listed about once per ``tree_interval``, not at every sample."""
    memory = runner.PeakMemory(__import__("os").getpid(), include_self=False).start()
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", "import time; b = bytearray(200 * 2**20); b[::4096] = "
                    f"b'x' * len(b[::4096]); time.sleep({2 * runner.TREE_INTERVAL})"], check=True)
    elapsed = time.monotonic() - start
    assert memory.stop() >= 200
    assert memory.listings <= elapsed / runner.TREE_INTERVAL + 2 < elapsed / runner.MEMORY_INTERVAL


def test_peak_memory_finds_a_short_kernel_started_after_the_first_listing():
    """A child that starts after the sampler's first listing (nothing to list yet) and lives
    shorter than ``tree_interval`` is found: while no process is found the tree is listed at
    every sample (a short notebook's kernel on a busy machine was once missed: peak None)."""
    # in a process of its own, whose only child is the short one (this one has others)
    script = ("import os, subprocess, sys, time\n"
              "from jamtools.run.runner import PeakMemory\n"
              "memory = PeakMemory(os.getpid(), include_self=False, tree_interval=60).start()\n"
              "time.sleep(0.2)  # the first listings find nothing\n"
              "subprocess.run([sys.executable, '-c', 'import time; b = bytearray(100 * 2**20); "
              "b[::4096] = b\"x\" * len(b[::4096]); time.sleep(0.3)'], check=True)\n"
              "print(memory.stop() or 0)\n")
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                          cwd=ROOT)
    assert float(done.stdout.strip()) >= 100


def test_check_for_chapters_reads_only_their_tables_and_round_trips(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ("bof_utredningar", "ht_beslut", "bof_insatser"):
        pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str).head(100).to_csv(
            tmp_path / "data" / f"{name}.csv", index=False)
    config = load_config(_config(tmp_path))
    report = check_inputs(config, chapters=[HT])
    assert list(report.tables) == ["ht_beslut"] and list(report.chapters) == [HT]
    assert report.summary_line().startswith("Kontroll: 1 tabell läst (bara de som")
    assert "varje tabell som körningens kapitel använder" in report.markdown()
    # bof_03 reads bof_insatser, and bof_utredningar through the catalogue and the reference
    assert chapter_tables("bof_03_typ_av_insats") >= {"bof_insatser", "bof_utredningar"}
    assert chapter_tables("hl_01_konsuppdelad_statistik") is None  # reads every table
    assert "eb_insatser" in chapter_tables("r4_02_resurser", {"tabell": "eb_insatser"})
    full = check_inputs(config)
    assert set(full.tables) == {"bof_utredningar", "ht_beslut", "bof_insatser"}
    assert full.summary_line().startswith("Kontroll: 3 tabeller lästa,")  # and its problems
    assert "bara de som" not in full.summary_line() and len(full.chapters) == 25
    # check.json read back is the same check (the runner reuses an unchanged one)
    for r in (report, full):
        again = InputCheck.read(r.write(tmp_path / "check.json"))
        assert again.as_dict() == r.as_dict()
        assert again.markdown(threshold=5) == r.markdown(threshold=5) and again.text() == r.text()


def test_a_table_read_with_sql_cannot_be_hashed_so_its_chapters_always_run(tmp_path):
    import sqlite3

    rows = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str).head(50)
    with sqlite3.connect(tmp_path / "ht.db") as con:
        rows.to_sql("beslut", con, index=False)
    (tmp_path / "jamtools.yml").write_text(json.dumps({"tables": {"ht_beslut": {"sql": {
        "url": f"sqlite:///{tmp_path / 'ht.db'}", "query": "select * from beslut"}}}}), encoding="utf-8")
    config = load_config(tmp_path / "jamtools.yml")
    tables = runner.table_digests(config, runner.Digests())
    assert tables == {"ht_beslut": None}
    key = runner._chapter_key(HT, notebook="n", params={}, config_part=None, code=CODE, versions={},
                              tables={"ht_beslut": tables["ht_beslut"]})
    assert key is None  # never equal to an earlier run's
    line = runner._cache_line({"cache": {}}, "", n_chapters=1, reused=[], rerun=[HT],
                              check_reused=False, book_reused=None, sql=["ht_beslut"])
    assert "SQL-tabellerna ht_beslut kan inte hashas" in line and "körs alltid" in line
