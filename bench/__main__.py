"""``make bench`` (``python -m bench``): how the handbook's run scales with the data.

One run measures, each measurement in its own process (wall time by ``time.perf_counter``, peak
memory by psutil sampling of the process tree, :mod:`bench.measure`), and writes
``bench.md``, ``bench.json`` and ``bench.png`` into ``--out`` (``_build/bench``) after every
section, so that an interrupted run leaves what it measured:

1. ``micro``: the two micro-measurements of :mod:`bench.micro` (collapsed against row-level
   logistic fit; the leak scan's Aho–Corasick search);
2. ``synth``: synthetic Parquet tables per scale (``--scales``, N rows of ``ht_beslut``), made
   once into ``data/bench/rows-N`` (:mod:`bench.data`);
3. ``floor``: papermill executing a notebook that does only the chapters' imports and setup
   (run again before and after each scale's chapters; the floor is the shortest run, and the
   report says when the runs before and after a scale's chapters differ by more than a quarter);
4. ``check``: ``python -m jamtools check`` of every table at each scale, the part of every run
   that reads all tables whatever ``--only`` says;
5. ``chapters``: every chapter (``--chapters``) alone at every scale, ``python -m jamtools run
   --only <id> --no-book``, ``--chapter-repeats`` times (default 2; the chapter's time is its
   shortest run, as the floor's, and every run is listed), against the floor and the targets
   (1 million rows: ≤ 1.5× the floor and < 2 GB; 10 million: ≤ 3× and < 2 GB). The floor
   notebook runs once just before each chapter run, and the chapter is compared with the
   shortest of those runs: as many runs as the chapter's, at the same moments, so that a
   moment when the machine was slow or fast counts for both (``--no-paired-floor``: only the
   whole bench's shortest floor, which the report gives beside it). By default each run's ``data_dir`` holds
   links to only the tables the chapter reads (``--chapter-data needed``), so that its command
   does not check every table again; ``--chapter-data all`` gives it the scale's whole folder;
6. ``analyst``: ``ht_01`` and ``bof_02`` on their tables as cp1252 ``;``-CSV with decimal comma
   and as XLSX (``--analyst-rows``);
7. ``jobs``: the chapters with ``--jobs 1`` and ``--jobs 2`` (no book) at ``--jobs-rows``;
8. ``whole``: the whole run with the book and ``--jobs 2`` at ``--whole-rows``, then the same
   command again into the same folder (nothing changed);
9. ``load``: reading, checking and aggregating ``ht_beslut`` at ``--load-rows`` against DuckDB;
10. ``bounds``: at the largest scale, close to the least engine work of each chapter that
    follows ids between tables (or counts words): one bare DuckDB ``GROUP BY`` over every id
    column it follows or whose key its check searches for repeats, and for free text one bare
    tokenising query (:func:`least_work`). The floor plus that sum is about the least time the
    chapter can take here while it does that work in the engine; its ratio to the floor says
    whether the scale's target is within reach on this machine.

The sizes of 6–9 default to 500 thousand, 100 thousand, 1 million and 10 million rows, but
never above the largest of ``--scales``. ``--quick`` measures 10 and 100 thousand rows, three
chapters (so nothing at 500 thousand or 10 million) and the whole run of those three. A
chapter that fails, is stopped by its timeout (``--timeout``) or is killed for memory is
recorded as such; the bench goes on. ``--period START,END`` writes that period into every
run's ``jamtools.yml``, as an analyst who analyses some years does: the chapters then read
every row and leave the others out (the report says so).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import psutil

from bench import data, report
from bench.measure import Measurement, run_measured
from bench.tasks import FLOOR_SOURCE, last_json

ROOT = data.ROOT
NOTEBOOKS = ROOT / "notebooks"
SECTIONS = ("micro", "synth", "floor", "check", "chapters", "analyst", "jobs", "whole", "load", "bounds")
DEFAULT_SCALES = (10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SCALES = (10_000, 100_000)
QUICK_CHAPTERS = ("ht_01_hemtjanst_timmar", "bof_02_utredning_till_insats", "bof_03_typ_av_insats")
ANALYST_CHAPTERS = ("ht_01_hemtjanst_timmar", "bof_02_utredning_till_insats")
DEFAULT_ANALYST_ROWS = (10_000, 100_000, 500_000)
TARGET_RATIO = {rows: t["ratio"] for rows, t in report.TARGETS.items()}


def parse_rows(text: str) -> int:
    """``10000``, ``10_000``, ``10k`` or ``1M``."""
    t = text.strip().lower().replace("_", "").replace(" ", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    value = float(t) * mult
    if value <= 0 or value != int(value):
        raise argparse.ArgumentTypeError(f"ogiltigt antal rader: {text}")
    return int(value)


def rows_list(text: str) -> list[int]:
    return [parse_rows(p) for p in text.split(",") if p.strip()]


def period_arg(text: str) -> tuple[str | None, str | None]:
    """``2021-01-01,2024-12-31`` (either end may be left empty): the period of every run,
    checked as the runs check their parameters (:func:`jamtools.run.params.check_parameters`)."""
    from jamtools.run.params import ParameterError, check_parameters

    parts = [p.strip() or None for p in text.split(",")]
    if len(parts) != 2 or not any(parts):
        raise argparse.ArgumentTypeError("--period: START,END (ISO dates, one may be empty)")
    try:
        return check_parameters(data_dir=".", period_start=parts[0], period_end=parts[1]).period
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(f"--period: {exc}") from None


def config_text(folder: Path, period: tuple[str | None, str | None] | None = None) -> str:
    """The bench's jamtools.yml: ``data_dir`` and, when given, the period."""
    text = f"# skriven av python -m bench\ndata_dir: {json.dumps(str(folder))}\n"
    if period is not None:
        text += "period:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in zip(("start", "end"), period)
                                     if v is not None)
    return text


def all_chapters() -> list[str]:
    """The notebooks' ids in the book's order (as the runner lists them)."""
    from jamtools.run.catalogue import QUESTIONS

    files = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    return [q for q in QUESTIONS if q in files] + sorted(files - set(QUESTIONS))


def chapter_tables(chapters: list[str]) -> list[str]:
    from jamtools.run.catalogue import CHAPTERS

    return sorted({n.table for c in chapters if c in CHAPTERS for n in CHAPTERS[c].needs})


def reads_own_tables(chapter: str) -> bool:
    """True for a chapter that reads only the tables the catalogue lists for it (not the
    audit, which reads every table, nor the summary, which reads the others' results)."""
    from jamtools.run.catalogue import CHAPTERS

    c = CHAPTERS.get(chapter)
    return bool(c and c.needs and not c.reads_all_tables and not c.reads_results)


def merge_run(record: dict, again: dict) -> dict:
    """Add ``again``, another run of ``record``'s chapter at its scale, to ``record``.

    The chapter's time is the shortest of its runs, as the floor's is (a busy machine can only
    add time), so that the two are compared alike; ``runs_s`` keeps every run's time (None for
    a run without one), ``peak_mb`` and ``peak_tree_mb`` are the largest peaks. A run that did
    not finish decides the status: the chapter then failed, with that run's reason. The floor
    runs beside the chapter's (``floor_runs_s``, one just before each of its runs) are pooled
    too (:func:`bench.report.paired_floor` takes their shortest)."""
    record["runs_s"] = [*record.get("runs_s", []), again.get("notebook_s")]
    if "floor_runs_s" in again:  # the floor run just before each chapter run
        record["floor_runs_s"] = [*record.get("floor_runs_s", []), *again["floor_runs_s"]]
    if again.get("peak_mb") is not None and (record.get("peak_mb") is None
                                             or again["peak_mb"] > record["peak_mb"]):
        record.update(peak_mb=again["peak_mb"], peak_source=again.get("peak_source"))
    record["peak_tree_mb"] = max((p for p in (record.get("peak_tree_mb"), again.get("peak_tree_mb"))
                                  if p is not None), default=None)
    record["loadavg"] = max(record.get("loadavg") or 0, again.get("loadavg") or 0)
    if again.get("status") not in report.OK:
        record.update(status=again.get("status"), reason=again.get("reason"), notebook_s=None)
    elif record.get("status") in report.OK:
        times = [t for t in record["runs_s"] if t is not None]
        record["notebook_s"] = min(times) if times else None
        record["wall_s"] = min((w for w in (record.get("wall_s"), again.get("wall_s")) if w is not None),
                               default=None)
        record["reason"] = record.get("reason") or again.get("reason")
    return record


def least_work(chapter: str) -> list[tuple[str, str, str]]:
    """Close to the least engine work ``chapter`` does, as (table, column, kind).

    ``kind`` is ``ids`` for an id column of a table the chapter reads with its ids kept in
    the engine (the catalogue's ``linked``): its key when the chapter reads it (the check
    then looks for repeated keys) and every other id column the chapter reads (the ids it
    follows to another table). A link hashes one side and probes the other; one bare
    ``GROUP BY`` per column costs about the same, so the bound is close to the least work,
    not a proof of it.
    The audit, which reads every table, counts persons: the ``person_id`` of each table (its
    keys are left out, so the bound stays low). ``words`` is a free-text column whose words
    the chapter counts. Chapters that read only cells (no ids) have none.
    """
    from jamtools.data.model import TABLES
    from jamtools.run.catalogue import CHAPTERS

    c = CHAPTERS.get(chapter)
    if c is None:
        return []
    out: list[tuple[str, str, str]] = []
    if c.reads_all_tables:
        for name in c.any_of:
            t = TABLES[name]
            cols = {col.name: col for col in t.columns}
            if "person_id" in cols:
                out.append((name, "person_id", "ids"))
        return out
    for need in c.needs:
        if not need.linked:
            continue
        t = TABLES[need.table]
        cols = {col.name: col for col in t.columns}
        # the key only when read: the check searches for repeated keys among the columns read
        # (jamtools.data.load.load_table's ``duplicates``)
        for col in dict.fromkeys([*([t.key] if t.key in need.columns else []), *need.columns]):
            if col in cols and cols[col].dtype == "id":
                out.append((need.table, col, "ids"))
            elif col in cols and cols[col].sensitive and cols[col].dtype == "str":
                out.append((need.table, col, "words"))
    return out


def machine_info() -> dict:
    from importlib import metadata

    versions = {}
    for pkg in ("jamtools", "pandas", "numpy", "pyarrow", "duckdb", "statsmodels", "papermill",
                "nbclient", "ipykernel", "matplotlib", "openpyxl", "python-calamine", "XlsxWriter",
                "psutil", "jupyter-book"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = "?"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        git = head + (" (med ändringar som inte är incheckade)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu_logical": os.cpu_count(), "cpu_physical": psutil.cpu_count(logical=False),
            "cpu_model": model, "ram_mb": psutil.virtual_memory().total / 2**20,
            "loadavg": list(os.getloadavg()), "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions, "git": git,
            "env": {k: os.environ.get(k) for k in ("JAMTOOLS_PDF", "CI", "PYTHONDONTWRITEBYTECODE")}}


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = Path(args.out).resolve()
        self.work = self.out / "work"
        self.results: dict = {
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "command": "python -m bench " + " ".join(sys.argv[1:] if args.argv is None else args.argv),
            "options": {k: v for k, v in vars(args).items() if k != "argv"},
            "chapters": [], "synth": [], "conversions": [],
        }
        self.data_dirs: dict[int, Path] = {}
        self.data_failed: set[int] = set()  # a scale whose synth failed is not tried again

    # --- helpers ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, flush=True)

    def save(self) -> None:
        report.write(self.results, self.out)

    def config_for(self, folder: Path, name: str | None = None) -> Path:
        """A jamtools.yml with ``data_dir: folder`` (and ``--period``'s period, as an analyst
        who analyses some years sets it)."""
        self.work.mkdir(parents=True, exist_ok=True)
        cfg = self.work / f"jamtools-{name or folder.name}.yml"
        cfg.write_text(config_text(folder, getattr(self.args, "period", None)), encoding="utf-8")
        return cfg

    def ensure_data(self, rows: int, tables: list[str] | None = None) -> Path | None:
        """The folder of the Parquet tables at ``rows`` (made when needed); None when synth failed."""
        if rows in self.data_dirs:  # every table: also those of any subset
            return self.data_dirs[rows]
        if rows in self.data_failed:
            return None
        self.say(f"Syntetiska data, {report.rows_label(rows)} rader"
                 + (f" ({', '.join(tables)})" if tables else "") + " …")
        rec = data.synth(rows, tables, timeout=self.args.synth_timeout)
        self.results["synth"] = [s for s in self.results["synth"] if s["rows"] != rows] + [rec]
        self.results["synth"].sort(key=lambda s: s["rows"])
        took = "" if rec.get("wall_s") is None else f", {rec['wall_s']:.1f} s"
        self.say(f"  {'återanvänd' if rec.get('reused') else rec['status']}{took}"
                 + (f": {rec['reason']}" if rec.get("reason") else ""))
        if rec["status"] != "ok":
            self.data_failed.add(rows)
            return None
        if tables is None:
            self.data_dirs[rows] = Path(rec["dir"])
        return Path(rec["dir"])

    def jamtools_run(self, cfg: Path, out: Path, *, only: list[str] | None, jobs: int = 1,
                     book: bool = False, fresh: bool = True) -> tuple[Measurement, dict | None]:
        if fresh and out.exists():
            shutil.rmtree(out)  # the bench's own earlier run
        cmd = [data.python(), "-m", "jamtools", "run", "--config", str(cfg), "--out", str(out),
               "--jobs", str(jobs)]
        if only:
            cmd += ["--only", ",".join(only)]
        if not book:
            cmd.append("--no-book")
        m = run_measured(cmd, timeout=self.args.timeout if only and len(only) == 1 else self.args.run_timeout,
                         cwd=ROOT)
        try:
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = None
        return m, manifest

    # --- sections --------------------------------------------------------------------------
    def micro(self) -> None:
        self.say(f"Mikromätningar ({report.rows_label(self.args.micro_rows)} rader) …")
        self.work.mkdir(parents=True, exist_ok=True)
        target = self.work / "micro.json"
        target.unlink(missing_ok=True)
        m = run_measured([data.python(), "-m", "bench.micro", "--rows", str(self.args.micro_rows),
                          "--json", str(target)], timeout=self.args.run_timeout, cwd=ROOT)
        numbers = json.loads(target.read_text(encoding="utf-8")) if target.exists() else None
        self.results["micro"] = {"wall_s": m.wall_s, "peak_tree_mb": m.peak_tree_mb, "numbers": numbers,
                                 "output": m.stdout, "status": "ok" if m.ok else "failed",
                                 "reason": m.failure()}
        self.say(m.stdout.rstrip() if m.ok else f"  misslyckades: {m.failure()}")

    def synth(self) -> None:
        for rows in self.args.scales:
            self.ensure_data(rows)
            self.save()

    def floor(self, repeats: int | None = None, when: str = "före kapitlen") -> None:
        """Run the floor notebook ``repeats`` times (``--floor-repeats``); the runs are pooled
        with earlier ones and the floor is their minimum: the least time the fixed work takes
        (the machine is shared, and a busy moment only ever adds time)."""
        rows = min(self.args.scales)
        folder = self.ensure_data(rows)
        if folder is None:
            return
        floor = self.results.setdefault("floor", {"source": FLOOR_SOURCE, "runs": []})
        runs = floor["runs"]
        for _ in range(self.args.floor_repeats if repeats is None else repeats):
            run = self.floor_run(folder, when)
            runs.append(run)
            self.say(f"Golvet, körning {len(runs)} ({when}): "
                     + (f"{run['papermill_s']:.2f} s" if run["status"] == "ok"
                        else f"misslyckades: {run['reason']}"))
        times = [r["papermill_s"] for r in runs if r["papermill_s"] is not None]
        kernels = [r["peak_kernel_mb"] for r in runs if r["peak_kernel_mb"] is not None]
        floor.update(floor_s=min(times) if times else None,
                     median_s=statistics.median(times) if times else None,
                     peak_kernel_mb=max(kernels) if kernels else None)

    def floor_run(self, folder: Path, when: str) -> dict:
        """One run of the floor notebook (its config on ``folder``, the smallest scale's)."""
        m = run_measured([data.python(), "-m", "bench.tasks", "floor",
                          "--source", str(NOTEBOOKS / f"{FLOOR_SOURCE}.ipynb"),
                          "--config", str(self.config_for(folder)), "--work", str(self.work / "golv")],
                         timeout=self.args.timeout, cwd=ROOT)
        inner = last_json(m.stdout) if m.ok else None
        return {"papermill_s": (inner or {}).get("papermill_s"), "wall_s": m.wall_s,
                "peak_tree_mb": m.peak_tree_mb, "peak_kernel_mb": m.peak_kernel_mb,
                "status": "ok" if inner else "failed", "reason": None if inner else m.failure(),
                "loadavg": os.getloadavg()[0], "when": when}

    def chapter_record(self, chapter: str, rows: int, fmt: str, m: Measurement,
                       manifest: dict | None) -> dict:
        rec = {"chapter": chapter, "rows": rows, "format": fmt, "wall_s": m.wall_s, "runs_s": [],
               "peak_tree_mb": m.peak_tree_mb, "returncode": m.returncode,
               "loadavg": os.getloadavg()[0], "notebook_s": None, "peak_mb": None,
               "peak_source": None, "reason": None}
        nb = next((r for r in (manifest or {}).get("notebooks", []) if r.get("id") == chapter), None)
        skipped = next((r for r in (manifest or {}).get("chapters_skipped", []) if r.get("id") == chapter), None)
        if m.timed_out:
            rec.update(status="timeout", reason=m.failure())
        elif nb is not None:
            rec["status"] = nb.get("status", "failed")
            rec["notebook_s"] = nb.get("duration_s")
            if nb.get("error"):
                err = nb["error"]
                where = f"cell {err['cell']}: " if err.get("cell") is not None else ""
                rec["reason"] = f"{where}{err.get('ename')}: {err.get('evalue')}"[:300]
            if nb.get("reused"):
                rec["reason"] = "återanvänd ur en tidigare körning (run cache): tiden är den körningens"
            if nb.get("peak_mb") is not None:
                rec.update(peak_mb=nb["peak_mb"], peak_source="manifest")
            if m.returncode not in (0, None) and rec["status"] in report.OK:
                findings = len((manifest or {}).get("leak_scan", {}).get("findings") or [])
                rec["reason"] = f"slutkod {m.returncode}" + (f" ({findings} läckagefynd)" if findings else "")
        elif skipped is not None:
            rec.update(status="skipped", reason=skipped.get("reason"))
        else:
            rec.update(status="failed", reason=m.failure() or "inget manifest")
        rec["runs_s"] = [rec["notebook_s"]]
        if rec["peak_mb"] is None:
            if m.peak_kernel_mb is not None:
                rec.update(peak_mb=m.peak_kernel_mb, peak_source="psutil, kärnan")
            else:
                rec.update(peak_mb=m.peak_tree_mb, peak_source="psutil, trädet")
        return rec

    def chapter_folder(self, folder: Path, chapter: str) -> Path:
        """With ``--chapter-data needed``: a folder of links to only the tables ``chapter``
        reads (the run's check reads every table of its folder, whatever ``--only`` says; the
        check of them all is measured by itself, in ``check``). Else ``folder`` itself."""
        if self.args.chapter_data == "all" or not reads_own_tables(chapter):
            return folder
        sub = self.work / "data" / folder.name / chapter
        if sub.exists():
            shutil.rmtree(sub)  # the bench's own links
        sub.mkdir(parents=True)
        for table in chapter_tables([chapter]):
            for path in folder.glob(f"{table}.*"):
                if path.suffix in (".parquet", ".csv", ".xlsx"):
                    (sub / path.name).symlink_to(path.resolve())
        return sub

    def run_chapters(self, folder: Path, rows: int, fmt: str, chapters: list[str], *,
                     again: bool = False) -> None:
        """Run each of ``chapters`` once; with ``again``, as another run of the chapters'
        records already made at this scale and format (:func:`merge_run`)."""
        for chapter in chapters:
            earlier = next((r for r in self.results["chapters"] if again and r["chapter"] == chapter
                            and r["rows"] == rows and r["format"] == fmt), None)
            if earlier is not None and earlier.get("status") not in report.OK:
                continue  # failed, stopped or skipped: not run again (its run decides)
            data_dir = self.chapter_folder(folder, chapter)
            cfg = self.config_for(data_dir, f"{folder.name}-{data_dir.name}")
            out = self.work / "runs" / f"{folder.name}" / chapter
            beside = None
            if self.args.paired_floor and fmt == "parquet":  # the floor just before (targets)
                small = self.ensure_data(min(self.args.scales))
                beside = self.floor_run(small, f"bredvid {chapter}") if small else None
            m, manifest = self.jamtools_run(cfg, out, only=[chapter])
            rec = self.chapter_record(chapter, rows, fmt, m, manifest)
            rec["data"] = "alla tabeller" if data_dir == folder else "kapitlets tabeller"
            if beside is not None:
                rec["floor_runs_s"] = [beside["papermill_s"]]
            if earlier is None:
                self.results["chapters"].append(rec)
            else:
                merge_run(earlier, rec)
            pooled = earlier if earlier is not None else rec  # the chapter's runs so far
            floor_s = report.paired_floor(pooled) or report.least_floor(self.results)
            ratio = (f", hittills {pooled['notebook_s'] / floor_s:.2f}× golvet" if floor_s and pooled.get("notebook_s")
                     and rec["notebook_s"] else "")
            self.say(f"  {chapter}: {rec['status']}"
                     + (f", {rec['notebook_s']:.1f} s{ratio}" if rec["notebook_s"] is not None else "")
                     + f", topp {rec['peak_mb']:.0f} MB ({rec['peak_source']}), kommandot {m.wall_s:.1f} s"
                     + (f" — {rec['reason']}" if rec["reason"] else ""))
            if rec["status"] in report.OK and not rec["reason"]:
                shutil.rmtree(out, ignore_errors=True)  # kept only when something went wrong
            self.save()

    def chapters(self) -> None:
        for rows in self.args.scales:
            folder = self.ensure_data(rows)
            if folder is None:
                continue
            self.floor(repeats=1, when=f"före {report.rows_label(rows)} rader")
            for repeat in range(max(1, self.args.chapter_repeats)):
                self.say(f"Kapitel vid {report.rows_label(rows)} rader"
                         + (f", körning {repeat + 1} av {self.args.chapter_repeats}:"
                            if self.args.chapter_repeats > 1 else ":"))
                self.run_chapters(folder, rows, "parquet", self.args.chapters, again=repeat > 0)
            # again after them: whether the machine's speed moved while they ran
            self.floor(repeats=1, when=f"efter {report.rows_label(rows)} rader")

    def analyst(self) -> None:
        chapters = [c for c in ANALYST_CHAPTERS if c in self.args.analyst_chapters]
        tables = chapter_tables(chapters)
        for rows in self.args.analyst_rows:
            folder = self.data_dirs.get(rows) or self.ensure_data(rows, tables)
            if folder is None:
                continue
            for fmt in self.args.analyst_formats:
                if fmt == "xlsx" and rows > self.args.xlsx_max_rows:
                    continue
                self.say(f"{fmt.upper()}, {report.rows_label(rows)} rader ({', '.join(tables)}) …")
                conv = data.analyst_copy(rows, fmt, tables, timeout=self.args.run_timeout)
                self.results["conversions"].append(conv)
                if conv["status"] != "ok":
                    self.say(f"  konverteringen misslyckades: {conv['reason']}")
                    for chapter in chapters:
                        self.results["chapters"].append({
                            "chapter": chapter, "rows": rows, "format": fmt, "status": "failed",
                            "reason": f"konverteringen misslyckades: {conv['reason']}",
                            "notebook_s": None, "peak_mb": None, "wall_s": None})
                    continue
                self.run_chapters(Path(conv["dir"]), rows, fmt, chapters)
                if len(chapters) > 1:
                    self.analyst_together(Path(conv["dir"]), rows, fmt, chapters)

    def analyst_together(self, folder: Path, rows: int, fmt: str, chapters: list[str]) -> None:
        """The analyst's chapters in one run (their exports in one folder, no book), with
        ``--jobs 1`` and then ``--jobs 2``: the run's check reads every export (with two jobs,
        workbooks are decoded side by side first), then the chapters run."""
        cfg = self.config_for(folder, f"{folder.name}-tillsammans")
        for jobs in (1, 2):
            m, manifest = self.jamtools_run(cfg, self.work / "runs" / f"{folder.name}-tillsammans-{jobs}",
                                            only=chapters, jobs=jobs)
            rec = {**self.run_record(rows, m, manifest), "format": fmt, "jobs": jobs,
                   "check_s": ((manifest or {}).get("check") or {}).get("duration_s")}
            self.results.setdefault("analyst_together", []).append(rec)
            self.say(f"  {', '.join(chapters)} tillsammans, --jobs {jobs}: kommandot {m.wall_s:.1f} s, "
                     f"kontrollen {rec['check_s'] if rec['check_s'] is not None else '–'} s, topp "
                     f"{m.peak_tree_mb:.0f} MB" + (f" — {rec['reason']}" if rec["status"] != "ok" else ""))
            self.save()

    def run_record(self, rows: int, m: Measurement, manifest: dict | None) -> dict:
        nbs = (manifest or {}).get("notebooks", [])
        return {"rows": rows, "wall_s": m.wall_s, "peak_tree_mb": m.peak_tree_mb,
                "peak_kernel_mb": m.peak_kernel_mb, "returncode": m.returncode,
                "status": "ok" if m.ok else ("timeout" if m.timed_out else "failed"),
                "reason": m.failure(), "loadavg": os.getloadavg()[0],
                "chapters_ok": sum(1 for r in nbs if r.get("status") in report.OK),
                "chapters": len(nbs),
                # the run cache's reused chapters keep their earlier duration: not counted
                "reused": sum(1 for r in nbs if r.get("reused")),
                "notebooks_s": sum(r.get("duration_s") or 0 for r in nbs if not r.get("reused")) if nbs else None,
                "durations": {r["id"]: r.get("duration_s") for r in nbs if not r.get("reused")},
                "manifest_peak_mb": (manifest or {}).get("peak_mb"),
                "check_reused": ((manifest or {}).get("check") or {}).get("reused"),
                "book": (manifest or {}).get("book")}

    def check(self) -> None:
        """``python -m jamtools check`` on every table at each scale: the part of every run
        that reads all tables, whichever chapters it runs."""
        res = self.results.setdefault("check", [])
        for rows in self.args.scales:
            folder = self.ensure_data(rows)
            if folder is None:
                continue
            out = self.work / "check" / folder.name
            m = run_measured([data.python(), "-m", "jamtools", "check", "--config",
                              str(self.config_for(folder)), "--out", str(out)],
                             timeout=self.args.run_timeout, cwd=ROOT)
            # exit code 1 means some chapter cannot run: still a complete check
            done = (out / "check.json").exists() and not m.timed_out and m.returncode in (0, 1)
            res.append({"rows": rows, "wall_s": m.wall_s, "peak_tree_mb": m.peak_tree_mb,
                        "status": "ok" if done else ("timeout" if m.timed_out else "failed"),
                        "reason": None if done else m.failure(), "loadavg": os.getloadavg()[0]})
            self.say(f"Kontroll av alla tabeller, {report.rows_label(rows)} rader: {m.wall_s:.1f} s, "
                     f"topp {m.peak_tree_mb:.0f} MB" + ("" if done else f" — {m.failure()}"))
            self.save()

    def jobs(self) -> None:
        rows = self.args.jobs_rows
        folder = self.ensure_data(rows)
        if folder is None:
            return
        cfg = self.config_for(folder)
        only = None if self.args.chapters == all_chapters() else self.args.chapters
        res = {"rows": rows}
        for jobs in (1, 2):
            self.say(f"--jobs {jobs}, {report.rows_label(rows)} rader, utan bok …")
            m, manifest = self.jamtools_run(cfg, self.work / "runs" / f"jobs{jobs}-{rows}", only=only, jobs=jobs)
            res[f"jobs{jobs}"] = rec = self.run_record(rows, m, manifest)
            self.say(f"  {rec['wall_s']:.1f} s, {rec['chapters_ok']}/{rec['chapters']} kapitel ok, "
                     f"topp {rec['peak_tree_mb']:.0f} MB" + (f" — {rec['reason']}" if rec["reason"] else ""))
        j1, j2 = res["jobs1"], res["jobs2"]
        if j1["chapters_ok"] and j1["chapters_ok"] == j2["chapters_ok"]:
            res["speedup"] = j1["wall_s"] / j2["wall_s"]
            res["ideal_speedup"] = report.ideal_speedup([d for d in j1["durations"].values() if d])
            self.say(f"  uppsnabbning {res['speedup']:.2f}× (bästa möjliga {res['ideal_speedup']:.2f}×)")
        else:
            res["speedup"] = None
            res["reason"] = "körningarna gav olika antal kapitel utan fel"
        self.results["jobs"] = res

    def whole(self) -> None:
        rows = self.args.whole_rows
        folder = self.ensure_data(rows)
        if folder is None:
            return
        cfg = self.config_for(folder)
        only = None if self.args.chapters == all_chapters() else self.args.chapters
        out = self.work / "runs" / f"whole-{rows}"
        self.say(f"Hela körningen med bok, --jobs 2, {report.rows_label(rows)} rader …")
        m, manifest = self.jamtools_run(cfg, out, only=only, jobs=2, book=True)
        res = {"rows": rows, "only": only, "run": self.run_record(rows, m, manifest)}
        self.say(f"  {m.wall_s:.1f} s, topp {m.peak_tree_mb:.0f} MB" + (f" — {m.failure()}" if m.failure() else ""))
        self.say("Omkörning utan ändringar, samma --out …")
        m, manifest = self.jamtools_run(cfg, out, only=only, jobs=2, book=True, fresh=False)
        res["rerun"] = self.run_record(rows, m, manifest)
        self.say(f"  {m.wall_s:.1f} s" + (f" — {m.failure()}" if m.failure() else ""))
        self.results["whole"] = res

    def load(self) -> None:
        rows = self.args.load_rows
        folder = self.ensure_data(rows) if rows in self.data_dirs or rows in self.args.scales \
            else self.ensure_data(rows, ["ht_beslut"])
        if folder is None:
            return
        cfg = self.config_for(folder)
        runs = []
        self.say(f"Läsa + kontrollera + aggregera ht_beslut, {report.rows_label(rows)} rader …")
        for i in range(self.args.load_repeats):
            for path, cmd in (("pandas", ["load", "--config", str(cfg)]),
                              ("celler", ["load", "--cells", "--config", str(cfg)]),
                              ("duckdb", ["duckdb", "--file", str(folder / "ht_beslut.parquet")])):
                m = run_measured([data.python(), "-m", "bench.tasks", *cmd], timeout=self.args.run_timeout, cwd=ROOT)
                inner = last_json(m.stdout) if m.ok else None
                runs.append({"path": path, "repeat": i + 1, "wall_s": m.wall_s, "peak_tree_mb": m.peak_tree_mb,
                             "status": "ok" if inner else "failed", "reason": None if inner else m.failure(),
                             **(inner or {})})
                self.say(f"  {path}: " + (f"{inner['total_s']:.2f} s, topp {m.peak_tree_mb:.0f} MB"
                                          if inner else f"misslyckades: {m.failure()}"))
        best = {p: min((r["total_s"] for r in runs if r["path"] == p and r["status"] == "ok"), default=None)
                for p in ("pandas", "celler", "duckdb")}
        res = {"rows": rows, "repeats": self.args.load_repeats, "runs": runs,
               "pandas_s": best["pandas"], "cells_s": best["celler"], "duckdb_s": best["duckdb"]}
        # the target is the chapters' path: the engine's cell table
        res["ratio"] = best["celler"] / best["duckdb"] if best["celler"] and best["duckdb"] else None
        res["ratio_rows"] = best["pandas"] / best["duckdb"] if best["pandas"] and best["duckdb"] else None
        if res["ratio"] is None:
            res["reason"] = next((r["reason"] for r in runs if r["reason"]), "ingen mätning lyckades")
        self.results["load"] = res

    def bounds(self) -> None:
        """The least work of the chapters that follow ids (:func:`least_work`), at the largest
        scale, each bare query in its own process with the engine's own settings."""
        import pyarrow.parquet as pq

        rows = max(self.args.scales)
        folder = self.ensure_data(rows)
        if folder is None:
            return
        needs = {c: least_work(c) for c in self.args.chapters}
        parts: dict[tuple[str, str, str], dict] = {}
        self.say(f"Minsta motorarbete per kapitel, {report.rows_label(rows)} rader:")
        for table, column, kind in dict.fromkeys(p for ps in needs.values() for p in ps):
            path = folder / f"{table}.parquet"
            if not path.exists() or column not in pq.read_schema(path).names:
                continue  # a table or column the data lack (a key made from the row number)
            m = run_measured([data.python(), "-m", "bench.tasks", "least", "--file", str(path),
                              "--column", column, "--kind", kind], timeout=self.args.run_timeout, cwd=ROOT)
            inner = last_json(m.stdout) if m.ok else None
            parts[(table, column, kind)] = {"table": table, "column": column, "kind": kind,
                                            "total_s": (inner or {}).get("total_s"),
                                            "rows": (inner or {}).get("rows"),
                                            "status": "ok" if inner else "failed",
                                            "reason": None if inner else m.failure()}
            self.say(f"  {table}.{column} ({kind}): "
                     + (f"{inner['total_s']:.2f} s" if inner else f"misslyckades: {m.failure()}"))
        floor_s = (self.results.get("floor") or {}).get("floor_s")
        measured = {c["chapter"]: c.get("notebook_s") for c in self.results.get("chapters", [])
                    if c.get("rows") == rows and c.get("format", "parquet") == "parquet"
                    and c.get("status") in report.OK}
        self.results["bounds"] = {
            "rows": rows, "floor_s": floor_s, "parts": list(parts.values()),
            "chapters": [report.bound_record(c, [parts[p] for p in ps if p in parts], floor_s,
                                             measured.get(c), TARGET_RATIO.get(rows))
                         for c, ps in needs.items() if any(p in parts for p in ps)]}

    def run(self) -> int:
        self.results["machine"] = machine_info()
        self.say(f"Mätningen skrivs till {self.out}")
        k = run_measured([data.python(), "-m", "jamtools", "kernel"], timeout=300, cwd=ROOT)
        if not k.ok:
            self.say(f"Kärnan jamtools kunde inte installeras: {k.failure()}")
        order = [s for s in SECTIONS if s in self.args.sections]
        if "chapters" in order or "analyst" in order or "bounds" in order:  # the ratios need the floor
            if "floor" not in order:
                order.insert(0, "floor")
        for section in order:
            getattr(self, section)()
            self.save()
        self.results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        paths = report.write(self.results, self.out)
        self.say("")
        self.say(report.summary_markdown(report.summary(self.results["chapters"],
                                                        (self.results.get("floor") or {}).get("floor_s"))))
        for t in report.targets(self.results):
            self.say(f"- {t['target']}: {t['value']} — {report.yes_no(t['met'])}")
        self.say(f"\nRapporten: {paths['md']}, {paths['json']}, {paths['png']}")
        return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", type=rows_list, help="rader per tabell (ht_beslut), kommaseparerade; "
                   "standard 10_000,100_000,1_000_000,10_000_000 (10k och 1M går också)")
    p.add_argument("--chapters", help="kommaseparerade kapitel-id (standard: alla)")
    p.add_argument("--period", type=period_arg, default=None,
                   help="perioden i varje körnings jamtools.yml, START,SLUT (ISO-datum; en får vara tom), "
                        "som en analytiker som väljer några år")
    p.add_argument("--quick", action="store_true",
                   help="10k och 100k, tre kapitel, ingen XLSX vid 500k, inget vid 10M")
    p.add_argument("--out", default=str(ROOT / "_build" / "bench"))
    p.add_argument("--timeout", type=float, default=600, help="sekunder per kapitelkörning (600)")
    p.add_argument("--run-timeout", type=float, default=7200,
                   help="sekunder för en körning av flera kapitel, konvertering, läsning (7200)")
    p.add_argument("--synth-timeout", type=float, default=7200)
    p.add_argument("--chapter-data", choices=("needed", "all"), default="needed",
                   help="kapitlets körning ser bara de tabeller kapitlet läser (needed, standard) "
                        "eller alla tabeller i skalans mapp (all; körningens kontroll läser då "
                        "alla, vid 10 miljoner rader flera minuter per kapitel)")
    p.add_argument("--sections", help=f"bara dessa delar, kommaseparerade: {', '.join(SECTIONS)}")
    p.add_argument("--analyst-rows", type=rows_list,
                   help="rader för CSV/XLSX (10k,100k,500k; de storlekar som inte är större än "
                        "den största skalan)")
    p.add_argument("--analyst-formats", default="csv,xlsx")
    p.add_argument("--analyst-chapters", default=",".join(ANALYST_CHAPTERS))
    p.add_argument("--xlsx-max-rows", type=parse_rows, default=None,
                   help="största antal rader som skrivs som XLSX (standard: alla)")
    p.add_argument("--whole-rows", type=parse_rows,
                   help="hela körningen med bok (1M, högst den största skalan)")
    p.add_argument("--jobs-rows", type=parse_rows,
                   help="--jobs 1 mot 2 (100k, högst den största skalan)")
    p.add_argument("--load-rows", type=parse_rows,
                   help="läsa+aggregera ht_beslut (10M, högst den största skalan)")
    p.add_argument("--load-repeats", type=int, default=2)
    p.add_argument("--floor-repeats", type=int, default=3)
    p.add_argument("--chapter-repeats", type=int, default=2,
                   help="körningar av varje kapitel per skala (standard 2): kapitlets tid är den "
                        "kortaste, som golvets, och alla körningar står i rapporten")
    p.add_argument("--no-paired-floor", dest="paired_floor", action="store_false",
                   help="kör inte golvet strax före varje kapitelkörning (kapitlen jämförs då "
                        "bara med hela mätningens kortaste golv)")
    p.add_argument("--micro-rows", type=parse_rows, help="mikromätningens rader (1M; --quick 100k)")
    return p


def parse_args(argv=None):
    args = build_parser().parse_args(argv)
    args.argv = argv
    quick = args.quick
    args.scales = sorted(args.scales or (QUICK_SCALES if quick else DEFAULT_SCALES))
    every = all_chapters()
    if args.chapters:
        args.chapters = [c.strip() for c in args.chapters.split(",") if c.strip()]
        unknown = [c for c in args.chapters if c not in every]
        if unknown:
            raise SystemExit(f"Okända kapitel: {', '.join(unknown)}. Finns: {', '.join(every)}.")
    else:
        args.chapters = list(QUICK_CHAPTERS) if quick else every
    # The other sizes default to their standard, but never above the largest scale measured:
    # --quick (or --scales 10k) makes nothing at 500 thousand or 10 million rows.
    cap = max(args.scales)
    args.analyst_rows = sorted(args.analyst_rows or ([r for r in DEFAULT_ANALYST_ROWS if r <= cap]
                                                     or [min(args.scales)]))
    args.analyst_formats = [f.strip() for f in args.analyst_formats.split(",") if f.strip()]
    args.analyst_chapters = [c.strip() for c in args.analyst_chapters.split(",") if c.strip()]
    if args.xlsx_max_rows is None:
        args.xlsx_max_rows = 10**12
    args.whole_rows = args.whole_rows or min(1_000_000, cap)
    args.jobs_rows = args.jobs_rows or min(100_000, cap)
    args.load_rows = args.load_rows or min(10_000_000, cap)
    args.micro_rows = args.micro_rows or (100_000 if quick else 1_000_000)
    args.sections = ([s.strip() for s in args.sections.split(",") if s.strip()] if args.sections
                     else list(SECTIONS))
    bad = [s for s in args.sections if s not in SECTIONS]
    if bad:
        raise SystemExit(f"Okända delar: {', '.join(bad)}. Finns: {', '.join(SECTIONS)}.")
    return args


def main(argv=None) -> int:
    return Bench(parse_args(argv)).run()


if __name__ == "__main__":
    raise SystemExit(main())
