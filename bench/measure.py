"""Run one measurement in its own subprocess: wall time by ``time.perf_counter`` and peak memory
by sampling the resident set size (RSS) of the whole process tree every 50 ms with psutil.

Two peaks are kept: the tree's (every process the command started, summed: the runner, its
workers and the Jupyter kernels) and the kernels' (the processes running ``ipykernel_launcher``,
summed), which is what a notebook itself holds. RSS summed over forked processes counts pages
they share more than once, so the tree's peak is an upper bound.

A command that runs past its timeout is stopped, every process of its tree by its own id
(terminate, then kill); its record says so instead of raising.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

#: Seconds between two samples of a measured process tree. Each sample walks every process of
#: the machine to find the tree's (psutil), which takes CPU from what is measured: at 0.05 s,
#: with both cores busy (``--jobs 2``), each notebook took 1.1–1.6× its time alone and the
#: speed-up measured 1.34–1.53×; at 0.5 s, 1.82× with the notebooks' times unchanged. A
#: chapter's own peak comes from the run's manifest, sampled by the run itself.
SAMPLE_S = 0.5
MB = 1024 * 1024
KERNEL_MARK = "ipykernel_launcher"


@dataclass
class Measurement:
    """What one subprocess did: its command, exit code, wall time and peaks (MB)."""

    cmd: list[str]
    returncode: int | None
    wall_s: float
    peak_tree_mb: float
    peak_kernel_mb: float | None
    timed_out: bool = False
    stdout: str = ""
    stderr: str = ""
    samples: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def failure(self) -> str | None:
        """Why the command failed, in a few words (None when it did not)."""
        if self.timed_out:
            return f"tidsgränsen nåddes ({self.wall_s:.0f} s)"
        if self.returncode is None or self.returncode == 0:
            return None
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = str(-self.returncode)
            hint = " (troligen slut på minne)" if self.returncode == -signal.SIGKILL else ""
            return f"avbröts av signal {name}{hint}"
        tail = last_line(self.stderr) or last_line(self.stdout)
        return f"slutkod {self.returncode}" + (f": {tail}" if tail else "")

    def record(self) -> dict:
        out = asdict(self)
        out["stdout"] = tail_text(self.stdout)
        out["stderr"] = tail_text(self.stderr)
        return out


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def tail_text(text: str, limit: int = 2000) -> str:
    text = text or ""
    return text if len(text) <= limit else "…" + text[-limit:]


class TreeSampler(threading.Thread):
    """Sample the RSS of a process and all its descendants every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = SAMPLE_S):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_tree = 0
        self.peak_kernel = 0
        self.samples = 0
        self._kernel: dict[int, bool] = {}
        self._halt = threading.Event()
        self.known: dict[int, psutil.Process] = {pid: self.root}

    def _is_kernel(self, proc: psutil.Process) -> bool:
        if proc.pid not in self._kernel:
            try:
                self._kernel[proc.pid] = any(KERNEL_MARK in part for part in proc.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                return False
        return self._kernel[proc.pid]

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return
        tree = kernel = 0
        for proc in procs:
            try:
                rss = proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            self.known.setdefault(proc.pid, proc)
            tree += rss
            if self._is_kernel(proc):
                kernel += rss
        self.samples += 1
        self.peak_tree = max(self.peak_tree, tree)
        self.peak_kernel = max(self.peak_kernel, kernel)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def stop_tree(root_pid: int, known: dict[int, psutil.Process] | None = None, grace: float = 5.0) -> None:
    """Terminate the process ``root_pid`` and every descendant (each by its own id), then kill
    those still alive after ``grace`` seconds."""
    procs: list[psutil.Process] = []
    try:
        root = psutil.Process(root_pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        pass
    seen = {p.pid for p in procs}
    # descendants seen earlier whose parent already died (a kernel whose worker was killed)
    procs += [p for pid, p in (known or {}).items() if pid not in seen and p.is_running()]
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def run_measured(cmd: list[str], *, timeout: float | None = None, cwd: str | Path | None = None,
                 env: dict | None = None, interval: float = SAMPLE_S) -> Measurement:
    """Run ``cmd`` in a subprocess; measure wall time and peak RSS of its tree.

    Output is collected in temporary files (not pipes, which a chatty child could fill).
    """
    import tempfile

    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        sampler = TreeSampler(proc.pid, interval)
        sampler.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_tree(proc.pid, sampler.known)
            proc.wait()
        wall = time.perf_counter() - start
        sampler.stop()
        # kernels outliving their parent (they notice it gone within a second or so)
        leftovers = [p for pid, p in sampler.known.items() if pid != proc.pid and _alive(p)]
        if leftovers:
            psutil.wait_procs(leftovers, timeout=3)
            stop_tree(proc.pid, {p.pid: p for p in leftovers if _alive(p)}, grace=2)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Measurement(cmd=[str(c) for c in cmd], returncode=proc.returncode, wall_s=wall,
                       peak_tree_mb=sampler.peak_tree / MB,
                       peak_kernel_mb=(sampler.peak_kernel / MB) if sampler.peak_kernel else None,
                       timed_out=timed_out, stdout=stdout, stderr=stderr, samples=sampler.samples)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
