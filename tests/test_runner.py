"""The runner end to end: papermill execution, results JSON, manifest, book build, failures."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jamtools.present import results as results_mod
from jamtools.run.config import load_config
from jamtools.run.runner import RunError, check_notebook_parameters, list_notebooks, run

ROOT = Path(__file__).resolve().parents[1]
PILOT = "bof_02_utredning_till_insats"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One real run of the pilot through the CLI, with the book built (warnings as errors)."""
    out = tmp_path_factory.mktemp("run") / "demo"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--only", PILOT, "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    return out, proc


def test_run_writes_notebook_results_manifest_and_book(demo_run):
    out, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "notebooks" / f"{PILOT}.ipynb").exists()
    assert (out / "results" / f"{PILOT}.json").exists()
    assert (out / "html" / "index.html").exists()
    page = (out / "html" / "notebooks" / f"{PILOT}.html").read_text(encoding="utf-8")
    assert "jamtools-disclosed" in page, "the chapter shows no disclosed table"
    assert "<img" in page and "image/png" in page or ".png" in page, "the chapter shows no figure"
    assert "Leder lika stor del av pojkars som flickors utredningar till insats?" in page


def test_manifest_records_versions_inputs_and_status(demo_run):
    out, _ = demo_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["versions"]["pandas"] and manifest["versions"]["papermill"]
    assert manifest["parameters"]["threshold"] == 5
    [nb] = manifest["notebooks"]
    assert nb["id"] == PILOT and nb["status"] == "ok" and nb["duration_s"] > 0
    files = {f["name"]: f["sha256"] for f in manifest["input_files"]}
    csv = ROOT / "data" / "synthetic" / "bof_utredningar.csv"
    assert files["bof_utredningar.csv"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert manifest["started"] <= manifest["finished"]
    assert manifest["book"]["built"] is True


def test_pilot_recovers_planted_effect(demo_run, planted):
    """The crude and the adjusted girl − boy differences each cover their planted value."""
    out, _ = demo_run
    res = results_mod.read(out / "results" / f"{PILOT}.json")
    truth = planted[PILOT]["insats_beviljad"]
    rd = [c for c in res["comparisons"] if c["measure"] == "risk_difference_pp"
          and c["outcome"] == "insats_beviljad"]
    crude = next(c for c in rd if not c["adjusted"])
    adjusted = next(c for c in rd if c["adjusted"])
    assert crude["ci_low"] <= truth["crude_rd_pp"] <= crude["ci_high"], crude
    assert adjusted["ci_low"] <= truth["adjusted_rd_pp"] <= adjusted["ci_high"], adjusted
    # The planted crude gap is real: its interval excludes zero; the adjusted one does not.
    assert crude["ci_high"] < 0
    assert adjusted["ci_low"] < 0 < adjusted["ci_high"]
    assert set(adjusted["adjusted_for"]) == {"aldersgrupp", "anmalningsorsak"}
    assert sum(v for v in res["counts"]["bof_utredningar"]["analysed"].values() if v) > 1000


def test_an_unchanged_rerun_reuses_the_chapter_the_check_and_the_book(demo_run):
    """The same command into the same --out again: no notebook executed, no book built (the
    run cache; tests/test_run_cache.py covers what makes a chapter run again)."""
    out, first = demo_run
    assert first.returncode == 0, first.stderr[-3000:]
    before = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for _ in range(3):  # a run after an edit of jamtools' sources (while the test ran) reruns
        proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--only", PILOT, "--out",
                               str(out)], capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        if manifest["cache"]["code"] == before["cache"]["code"]:
            break
        assert manifest["chapters_reused"] == [] and "1 körs" in proc.stderr
        before = manifest
    else:
        pytest.fail("jamtools' sources changed before each of three reruns")
    [nb] = manifest["notebooks"]
    assert manifest["chapters_reused"] == [PILOT] and nb["reused"] is True
    assert nb["duration_s"] == before["notebooks"][0]["duration_s"]  # the first run's record
    assert manifest["check"]["reused"] is True and manifest["leak_scan"]["reused"] is True, proc.stderr
    assert manifest["book"]["built"] is True and manifest["book"]["reused"] is True, proc.stderr
    assert (out / "html" / "index.html").exists()
    assert "Cache: 1 av 1 kapitel återanvänds från förra körningen; kontrollen återanvänds; boken " \
           "och läckagekontrollen återanvänds." in proc.stderr
    # bof_02 reads bof_utredningar, and the reports its investigations refer to
    assert "Kontroll: 2 tabeller lästa (bara de som de valda kapitlen använder)" in proc.stderr


def _trivial_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = "\n".join(f"{k} = {v!r}" for k, v in {
        "data_dir": "../data/synthetic", "period_start": None, "period_end": None, "threshold": 5,
        "conf_level": 0.95, "organisation": "", "results_path": None, "config_file": None}.items())
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print('ok', threshold)")]
    nbformat.write(nb, path)


def test_failing_notebook_is_reported_and_others_still_run(tmp_path):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    # A value set by hand in the notebook (jamtools.yml's values are checked before any runs).
    nb = nbformat.read(ROOT / "notebooks" / f"{PILOT}.ipynb", as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "setup(" in c.source)
    nb.cells[first].source = "threshold = -1  # ändrat för hand\n" + nb.cells[first].source
    nbformat.write(nb, nbdir / f"{PILOT}.ipynb")
    _trivial_notebook(nbdir / "zz_ok.ipynb")
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(f"data_dir: {ROOT / 'data' / 'synthetic'}\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--config", str(cfg), "--out",
                           str(out), "--no-book", "--notebooks", str(nbdir)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0
    assert PILOT in proc.stderr and "ParameterError" in proc.stderr and "cell" in proc.stderr
    assert "threshold" in proc.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    status = {n["id"]: n for n in manifest["notebooks"]}
    assert status[PILOT]["status"] == "failed" and status[PILOT]["error"]["ename"] == "ParameterError"
    assert status["zz_ok"]["status"] == "ok"
    assert (out / "notebooks" / "zz_ok.ipynb").exists()


def test_unknown_parameter_is_an_error_not_a_warning(tmp_path):
    from jamtools.run.params import ParameterError

    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(f"data_dir: {ROOT / 'data' / 'synthetic'}\nnotebooks:\n  {PILOT}:\n    tröskel: 3\n",
                   encoding="utf-8")
    with pytest.raises(ParameterError, match=f"'notebooks: {PILOT}'.*okänd parameter tröskel"):
        load_config(cfg)  # when the file is read, by the catalogue's parameters
    nb = ROOT / "notebooks" / f"{PILOT}.ipynb"
    with pytest.raises(RunError, match="okänd parameter tröskel"):  # a notebook the catalogue lacks
        check_notebook_parameters(nb, {**load_config(None).for_notebook(PILOT), "tröskel": 3})
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--config", str(cfg), "--out",
                           str(tmp_path / "o"), "--only", PILOT], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "tröskel" in proc.stderr


def test_unknown_config_key_and_unknown_notebook_are_errors(tmp_path):
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("treshold: 3\n", encoding="utf-8")
    with pytest.raises(Exception, match="treshold"):
        load_config(cfg)
    with pytest.raises(RunError, match="finns_inte"):
        list_notebooks(only=["finns_inte"])


def test_only_takes_the_beginning_of_one_id():
    # an analyst writes the chapter's number, as the book's headings show it
    assert [p.stem for p in list_notebooks(only=["um_01", "ht_02_forandring_over_tid", "um_01"])] \
        == ["um_01_sprakbruk", "ht_02_forandring_over_tid"]
    with pytest.raises(RunError) as err:  # every problem in one message
        list_notebooks(only=["um", "xx_09"])
    assert "um_01_sprakbruk" in str(err.value) and "um_02" in str(err.value) \
        and "xx_09" in str(err.value)


def test_kernels_side_by_side_share_the_cores(monkeypatch):
    from jamtools.run import runner
    monkeypatch.setattr(runner, "usable_cores", lambda: 2)
    assert runner.threads_per_kernel(1) == 2 and runner.threads_per_kernel(2) == 1
    assert runner.threads_per_kernel(8) == 1
    # fewer notebooks than jobs: each gets the cores the others would have had
    assert runner.threads_per_kernel(2, 1) == 2 and runner.threads_per_kernel(2, 25) == 1
    assert runner.threads_per_kernel(2, 0) == 2 and runner.threads_per_kernel(1, 3) == 2


def test_the_cores_are_those_the_process_may_run_on(monkeypatch, tmp_path):
    """A container or ``taskset`` may allow fewer cores than the machine has: the kernels' share
    and the default ``--jobs`` follow the process's CPU affinity and its control group's CPU
    quota, not the machine's count."""
    from jamtools.run import machine, runner
    from jamtools.run.cli import build_parser

    none = tmp_path / "no-cpu.max"
    monkeypatch.setattr(machine, "CGROUP_CPU_MAX", none)
    monkeypatch.setattr(machine.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert machine.usable_cores() == 1 and runner.threads_per_kernel(1) == 1
    assert build_parser().parse_args(["run"]).jobs == 1
    monkeypatch.delattr(machine.os, "sched_getaffinity", raising=False)  # not on Linux
    assert machine.usable_cores() == 8
    # a container's CPU quota (cgroup v2): 1.5 CPUs of 8 cores give 2; none ("max"), all 8
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")
    assert machine.usable_cores(cpu_max=quota) == 2 and machine.cgroup_quota(quota) == 2
    quota.write_text("max 100000\n")
    assert machine.usable_cores(cpu_max=quota) == 8 and machine.cgroup_quota(quota) is None


def test_each_notebook_gets_its_own_share_and_a_users_setting_stays(monkeypatch):
    from jamtools.run import runner
    for name in runner.THREAD_ENVS:  # set, then removed: monkeypatch restores each afterwards
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setattr(runner, "_USER_THREAD_ENVS", frozenset({"OMP_NUM_THREADS"}))
    runner._set_threads(1)  # a round of many notebooks
    assert runner.os.environ["JAMTOOLS_DUCKDB_THREADS"] == "1"
    runner._set_threads(2)  # then one alone, in the same worker
    assert runner.os.environ["JAMTOOLS_DUCKDB_THREADS"] == "2"
    assert runner.os.environ["OPENBLAS_NUM_THREADS"] == "2"
    assert runner.os.environ["OMP_NUM_THREADS"] == "3"  # the user's own


def test_a_run_keeps_decoded_workbooks_in_a_private_folder_it_removes(monkeypatch, tmp_path):
    """run() gives the run (its check, kernels and scan inherit it) a folder for decoded
    exports: marked as the run's, only its user may read it, it is not in the output, and it
    is gone, with the environment as it was, when the run ends, also when the run fails."""
    import os
    import stat

    from jamtools.data.facts import FACTS_ENV, Facts, current
    from jamtools.data.readers import DECODED_ENV, DECODED_MARK, _private
    from jamtools.run import runner

    seen = []

    def fake_run(config, out, **kwargs):
        folder = Path(os.environ[DECODED_ENV])
        seen.append((folder, stat.S_IMODE(folder.stat().st_mode), _private(folder),
                     (folder / DECODED_MARK).read_text()))
        # the check's facts for the kernels go in the same folder, readable by the user only
        runner._write_facts(Facts({"abc"}))
        facts = Path(os.environ[FACTS_ENV])
        assert facts.parent == folder and stat.S_IMODE(facts.stat().st_mode) == 0o600
        assert current().key_unique("abc")
        if len(seen) == 2:
            raise RuntimeError("the run failed")
        return 0

    monkeypatch.setattr(runner, "_run", fake_run)
    monkeypatch.delenv(DECODED_ENV, raising=False)
    assert runner.run(None, tmp_path / "ut") == 0
    folder, mode, private, pid = seen[0]
    assert mode == 0o700 and private and pid == str(os.getpid())
    assert not folder.exists() and DECODED_ENV not in os.environ and FACTS_ENV not in os.environ
    assert tmp_path / "ut" not in folder.parents
    monkeypatch.setenv(DECODED_ENV, "/the/users/own")
    with pytest.raises(RuntimeError):
        runner.run(None, tmp_path / "ut")
    assert not seen[1][0].exists() and os.environ[DECODED_ENV] == "/the/users/own"


def test_a_new_run_removes_the_folder_a_killed_run_left():
    """A run killed outright cannot remove its folder of decoded exports; the next run does,
    and leaves the folder of a run still going."""
    import shutil
    import subprocess

    from jamtools.data.readers import DECODED_MARK, run_folder

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left, going = run_folder(), run_folder()
    try:
        (left / DECODED_MARK).write_text(gone)
        (left / "export.parquet").write_bytes(b"values")
        new = run_folder()
        assert not left.exists() and going.exists() and new.exists()
    finally:
        for folder in (left, going, new):
            shutil.rmtree(folder, ignore_errors=True)


def test_the_longest_chapters_start_first():
    """Side by side, the longest chapters start first: by the earlier run's times when every
    chapter has one, else by the bytes of the tables each reads (None: every table; a table
    read with SQL counts 0); ties keep the catalogue's order."""
    from jamtools.run.runner import longest_first

    chapters = ["a", "b", "c", "d"]
    sizes = {"t1": 100, "t2": 10, "t3": 0}
    reads = {"a": {"t2"}, "b": None, "c": {"t1", "t3"}, "d": {"t2"}}
    assert longest_first(chapters, seconds={}, reads=reads, sizes=sizes) == ["b", "c", "a", "d"]
    seconds = {"a": 3.0, "b": 1.0, "c": 2.0, "d": 9.5}
    assert longest_first(chapters, seconds=seconds, reads=reads, sizes=sizes) == ["d", "a", "c", "b"]
    # one chapter without a time (new since the earlier run): all by bytes, not mixed units
    assert longest_first(chapters, seconds={**seconds, "d": None}, reads=reads,
                         sizes=sizes) == ["b", "c", "a", "d"]
    assert longest_first([], seconds={}, reads={}, sizes={}) == []


def test_the_earlier_times_are_read_also_without_the_cache(tmp_path):
    from jamtools.run.runner import _earlier_seconds

    assert _earlier_seconds(tmp_path) == {}
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert _earlier_seconds(tmp_path) == {}
    (tmp_path / "manifest.json").write_text(json.dumps({"notebooks": [
        {"id": "a", "duration_s": 2.5}, {"id": "b", "duration_s": None}, {"id": "c"}]}),
        encoding="utf-8")
    assert _earlier_seconds(tmp_path) == {"a": 2.5}


def test_the_memory_a_run_may_take_is_also_its_containers(monkeypatch, tmp_path):
    """What a run may still take in memory (the budget for decoding workbooks side by side) is
    what the system has available, and no more than what its control group's limit leaves:
    inside a container psutil reads the host's memory."""
    import types

    import psutil

    from jamtools.run import machine

    monkeypatch.setattr(psutil, "virtual_memory", lambda: types.SimpleNamespace(available=20e9))
    assert machine.available_memory(cgroup=tmp_path / "none") == 20e9  # no control group
    group = tmp_path / "group"
    group.mkdir()
    (group / "memory.max").write_text("max\n")
    (group / "memory.current").write_text("1000\n")
    assert machine.available_memory(cgroup=group) == 20e9  # no limit
    (group / "memory.max").write_text(f"{8 * 2**30}\n")
    (group / "memory.current").write_text(f"{3 * 2**30}\n")
    assert machine.available_memory(cgroup=group) == 5 * 2**30  # the container's 8 GB, 3 taken
    (group / "memory.current").write_text(f"{9 * 2**30}\n")
    assert machine.available_memory(cgroup=group) == 0
    assert machine.available_memory() > 0  # this machine's own


def test_a_busy_machine_gives_a_cell_time_to_send_its_output(tmp_path, monkeypatch):
    """papermill waits 4 s for a cell's output after the kernel is done and then fails the
    chapter ('Timeout waiting for IOPub output'): r4_01's cell of six figures failed so in a
    `make book` beside a test run. The runner waits longer, and as long to start a kernel."""
    import papermill

    from jamtools.run import runner

    seen = {}

    def execute(source, target, **kw):
        seen.update(kw)
        nbformat.write(nbformat.v4.new_notebook(), target)

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(runner, "_quiet", lambda log: None)  # keeps the test's own stdout
    for name in (runner.PSEUDONYM_KEY_ENV, runner.SQL_LOG_ENV):  # restored after the test
        monkeypatch.setenv(name, "")
    cwd = tmp_path / "notebooks"
    cwd.mkdir()
    runner._execute(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), {}, str(cwd), key="k")
    assert seen["iopub_timeout"] >= 60 and seen["start_timeout"] >= 60
