"""The runner: execute every question notebook with papermill, then build the book.

``run(...)`` writes, into ``out``:

- ``notebooks/<id>.ipynb``: the executed copies;
- ``results/<id>.json``: each notebook's machine-readable result (see ``jamtools.present.results``);
- ``manifest.json``: versions, parameters, input files with SHA-256, times, and per-notebook
  status, duration (``duration_s``), the kernel's peak memory (``peak_mb``), error and cache key;
  the whole run's peak memory (``peak_mb``);
- ``html/``: the Jupyter Book, built from the executed copies (execution is off in
  ``_config.yml``: papermill already ran everything).

A run into an ``out`` that holds an earlier run reuses what has not changed (the run cache): a
chapter whose key (:func:`_chapter_key`: the notebook's content, its parameters, the content
of the tables it may read, its part of ``jamtools.yml``, the jamtools sources and the
packages' versions) equals the earlier run's, which ran without error and left its executed
notebook and results, is not executed again; the summary chapters run again when any chapter
did; the input check is reused when the tables and the configuration are unchanged; the leak
scan and the book only when nothing ran again. A table read with SQL cannot be hashed: the
chapters that read one always run. ``cache=False`` (``--no-cache``) runs everything.

A notebook that fails does not stop the others; the run reports which failed and why and
returns a non-zero exit code. Known papermill traps are handled here: the kernel is named
explicitly (``jamtools``, installed into the running Python's prefix), parameters are passed as
typed Python values, and a parameter the notebook does not declare is an error.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path

import yaml

from jamtools.data.facts import Facts
from jamtools.data.readers import SQL_LOG_ENV, source_path
from jamtools.data.load import release_engine
from jamtools.run import pdf
from jamtools.run.config import ROOT, RunConfig, read_yaml
from jamtools.run.machine import usable_cores
from jamtools.run.catalogue import QUESTIONS, SUMMARIES

KERNEL_NAME = "jamtools"
#: Environment variable that carries the run's pseudonymisation key to the kernels.
PSEUDONYM_KEY_ENV = "JAMTOOLS_PSEUDONYM_KEY"
#: The statements sent to ``sql:`` sources are logged (jamtools.data.readers.SQL_LOG_ENV) in
#: ``<out>/sql/<notebook>.jsonl`` per chapter and ``<out>/sql/kontroll.jsonl`` for the check.
SQL_CHECK_LOG = "kontroll"
NOTEBOOK_DIR = ROOT / "notebooks"
PACKAGES = ("jamtools", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib",
            "papermill", "nbclient", "ipykernel", "jupyter-book", "sphinx", "myst-nb", "duckdb",
            "pyarrow", "python-calamine")


#: Seconds a kernel may take to start (papermill's default, 60, is too short on a busy machine).
KERNEL_START_TIMEOUT = 180
#: Seconds to wait for a cell's output after the kernel says it is done. papermill's 4 failed
#: r4_01 ('Timeout waiting for IOPub output' on a cell showing six figures) in a `make book`
#: beside a test run on this project's 2-core machine: a busy machine is no failed chapter.
IOPUB_TIMEOUT = 120
#: Messages of a kernel that failed to start, after which it is started again.
KERNEL_START_FAILURES = ("Kernel died before replying", "Kernel didn't respond")
#: The run cache's format: an earlier run with another (or none) is not reused.
CACHE_VERSION = 1
#: Seconds between two samples of the memory in use (the manifest's ``peak_mb``).
MEMORY_INTERVAL = 0.05
#: Seconds between two listings of the sampled process tree. Listing the descendants of a
#: process reads every process of the machine (psutil's parent map); reading the memory of the
#: listed ones is cheap. Listing at every sample took a few per cent of a core per sampler here,
#: more on a desktop with hundreds of processes, from the notebooks it measures.
TREE_INTERVAL = 0.5
#: Statuses of an earlier run's chapter that may be reused (``no_rows``: it ran, the data left
#: no rows; running it again on the same data gives the same).
REUSABLE = ("ok", "no_rows")


class RunError(RuntimeError):
    """The run cannot start (bad notebook list, unknown parameter, ...)."""


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Install (or refresh) a kernelspec ``name`` that runs *this* Python; return its name.

    A notebook's stored kernelspec must not decide which Python runs it: in a fresh virtualenv
    the generic ``python3`` kernel may point at another interpreter without the packages.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
        if spec.argv and Path(spec.argv[0]) == Path(sys.executable):
            return name
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=name, display_name="Python (jamtools)", prefix=sys.prefix)
    return name


def list_notebooks(notebook_dir: Path = NOTEBOOK_DIR, only: list[str] | None = None) -> list[Path]:
    """The source notebooks to run, in the catalogue's order (others, as in a test folder,
    after them by name); ``only`` selects by id, or by the beginning of exactly one id (``um_01``
    for ``um_01_sprakbruk``), in the order given, each once. An id that matches none, or the
    beginning of several, is an error naming them all."""
    files = {p.stem: p for p in sorted(Path(notebook_dir).glob("*.ipynb"))}
    found = {q: files[q] for q in QUESTIONS if q in files}
    found.update({i: p for i, p in files.items() if i not in found})
    if not only:
        return list(found.values())
    chosen, unknown, unclear = [], [], []
    for given in only:
        matches = [given] if given in found else [i for i in found if i.startswith(given)]
        if len(matches) == 1:
            chosen += [m for m in matches if m not in chosen]
        elif matches:
            unclear.append(f"{given} (kan vara {', '.join(matches)})")
        else:
            unknown.append(given)
    problems = ([f"Okända kapitel: {', '.join(unknown)}."] if unknown else []) + \
        ([f"Tvetydiga kapitel: {'; '.join(unclear)}."] if unclear else [])
    if problems:
        raise RunError(" ".join(problems) + " Ange kapitlets id eller dess början, till exempel "
                       f"um_01. Finns: {', '.join(found)}.")
    return [found[i] for i in chosen]


def check_notebook_parameters(path: Path, params: dict, *,
                              declared: list[str] | None = None) -> list[str]:
    """Every parameter passed must be declared in the notebook's ``parameters`` cell; returns
    the declared names. ``declared`` (the names an earlier run read from the same notebook
    content) saves reading the notebook with papermill."""
    if declared is None:
        declared = _declared_parameters(path)
    _check_declared(path, params, declared)
    return list(declared)


def _declared_parameters(path: Path) -> list[str]:
    import nbformat
    import papermill

    nb = nbformat.read(path, as_version=4)
    # papermill infers the language from the stored kernelspec; the run never uses it.
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "python", "display_name": "Python"}
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / path.name
        nbformat.write(nb, probe)
        try:
            return list(papermill.inspect_notebook(str(probe)))
        except Exception as exc:
            raise RunError(f"{path.stem}: parametercellen kan inte läsas: {exc}") from None


def _check_declared(path: Path, params: dict, declared: list[str]) -> None:
    if not declared:
        raise RunError(f"{path.name} har ingen cell taggad 'parameters'.")
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise RunError(
            f"{path.stem}: okänd parameter {', '.join(unknown)}. Notebooken har parametrarna "
            f"{', '.join(declared)}. Kontrollera stavningen i jamtools.yml."
        )


def _quiet(log: Path) -> None:
    """Send this worker's (and so its kernels') stdout and stderr to ``log``.

    The analyst's terminal shows the check, the progress bar and the outcome; the kernels'
    chatter (``Kernel is running over TCP without encryption``, ``KeyboardInterrupt caught in
    kernel``) goes to ``<out>/kernels.log``, kept for when something needs explaining.
    """
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


#: Thread settings of the numeric libraries and the engine, set per kernel by the runner.
THREAD_ENVS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "JAMTOOLS_DUCKDB_THREADS")


#: The thread settings the user gave (in the environment the run, and so each worker, started
#: with): kept as they are.
_USER_THREAD_ENVS = frozenset(n for n in THREAD_ENVS if n in os.environ)


def threads_per_kernel(jobs: int, notebooks: int | None = None) -> int:
    """The cores each of the notebooks run side by side may use: all of them divided evenly
    (at least one), so that two kernels on two cores do not each start two BLAS and two engine
    threads and slow each other down. Side by side run ``jobs`` of them, or fewer when fewer
    are to run (``notebooks``): one chapter alone (``--only``) gets every core."""
    side_by_side = min(max(1, jobs), max(1, notebooks)) if notebooks is not None else max(1, jobs)
    return max(1, usable_cores() // side_by_side)


def _set_threads(threads: int) -> None:
    """The thread settings the next kernel inherits: ``threads`` each, per notebook (a worker
    runs several, not all with the same share), except those the user set."""
    if threads:
        for name in THREAD_ENVS:
            if name not in _USER_THREAD_ENVS:
                os.environ[name] = str(threads)


def _execute(source: str, target: str, params: dict, cwd: str, key: str, threads: int = 0) -> dict:
    """Execute one notebook (in a worker process); return its status record.

    The run's pseudonym key reaches the kernel through the environment, never as a papermill
    parameter: parameters are written into the executed notebook, the environment is not.
    """
    import papermill

    os.environ[PSEUDONYM_KEY_ENV] = key
    sql_log = Path(cwd).parent / "sql" / f"{Path(source).stem}.jsonl"
    sql_log.unlink(missing_ok=True)  # the statements this run of the chapter sends
    os.environ[SQL_LOG_ENV] = str(sql_log)
    _set_threads(threads)
    _quiet(Path(cwd).parent / "kernels.log")
    from papermill.exceptions import PapermillExecutionError

    start = time.time()
    record = {"id": Path(source).stem, "status": "ok", "error": None}
    memory = PeakMemory(os.getpid(), include_self=False).start()  # the kernel and its children
    # A kernel that dies or does not answer before it runs any cell (jupyter_client's known port
    # race when several kernels start at once; a busy machine) is started again; a failing cell
    # is never retried.
    for attempt in range(3):
        record.update(status="ok", error=None)
        try:
            papermill.execute_notebook(source, target, parameters=params, kernel_name=KERNEL_NAME,
                                       language="python", cwd=cwd, progress_bar=False,
                                       log_output=False, request_save_on_cell_execute=False,
                                       start_timeout=KERNEL_START_TIMEOUT, iopub_timeout=IOPUB_TIMEOUT)
        except PapermillExecutionError as exc:
            record.update(status="failed", error={
                # the cell's position in the executed notebook (1-based), as the leak scan names it
                "cell": exc.cell_index + 1, "cell_index": exc.cell_index, "ename": exc.ename,
                "evalue": str(exc.evalue)})
        except Exception as exc:  # the kernel died, the file could not be written, ...
            record.update(status="failed", error={"cell": None, "cell_index": None,
                                                  "ename": type(exc).__name__, "evalue": str(exc)})
            if any(m in str(exc) for m in KERNEL_START_FAILURES) and attempt < 2:
                time.sleep(1 + attempt)
                continue
        break
    record["peak_mb"] = memory.stop()
    if record["status"] == "ok" or Path(target).exists():
        tag_cells(Path(target))
    record["kernel_starts"] = attempt + 1
    record["duration_s"] = round(time.time() - start, 2)
    return record


class PeakMemory:
    """The peak of the summed resident memory (RSS) of a process's descendants (and, with
    ``include_self``, the process itself), sampled with psutil every :data:`MEMORY_INTERVAL`
    seconds in a background thread. A sum of RSS counts pages that processes share more than
    once: an upper bound of what the tree used. :meth:`stop` returns the peak in MiB (None when
    nothing could be sampled).

    The tree is listed again every ``tree_interval`` seconds (:data:`TREE_INTERVAL`), and at
    every sample while no process has been found (the kernel not yet started), and the memory of
    the listed processes read at every sample: a process that starts and ends between two
    listings (shorter-lived than ``tree_interval``, beside a process already found) may be
    missed; a kernel lives longer. (Listing only every ``tree_interval`` from the start, a
    kernel that started just after the first listing and ran a short notebook on a busy machine
    was once missed: its peak was None.)"""

    def __init__(self, pid: int, *, include_self: bool, interval: float = MEMORY_INTERVAL,
                 tree_interval: float = TREE_INTERVAL):
        import threading

        self.pid, self.include_self, self.interval = pid, include_self, interval
        self.tree_interval = tree_interval
        self.peak = 0
        self._procs: list | None = None
        self._listed = 0.0
        self.listings = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="jamtools-peak-memory", daemon=True)

    def start(self) -> "PeakMemory":
        self._thread.start()
        return self

    def sample(self) -> int:
        import psutil

        now = time.monotonic()
        if not self._procs or now - self._listed >= self.tree_interval:
            try:
                root = psutil.Process(self.pid)
                self._procs = root.children(recursive=True) + ([root] if self.include_self else [])
            except psutil.Error:
                return 0
            self._listed = now
            self.listings += 1
        total, alive = 0, []
        for proc in self._procs:
            try:
                total += proc.memory_info().rss
                alive.append(proc)
            except psutil.Error:  # ended since the listing
                pass
        self._procs = alive
        self.peak = max(self.peak, total)
        return total

    def _watch(self) -> None:
        while True:
            self.sample()
            if self._done.wait(self.interval):
                return

    def stop(self) -> float | None:
        self._done.set()
        self._thread.join()
        return round(self.peak / 2**20, 1) if self.peak else None


#: Cell tags the runner sets on every executed notebook (as cal-itp's portfolio does): the
#: reader's book shows a chapter's prose and outputs, never its code. The source notebooks carry
#: no display tags; only ``parameters`` (which papermill needs) is kept.
CODE_TAGS = ("remove-input",)
PARAMETER_TAGS = ("remove-cell",)


def tag_cells(path: Path) -> None:
    """Set the display tags of an executed notebook in place: the parameters cells (the
    notebook's and papermill's injected one) are removed from the book, every other code cell
    shows its output only."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t in ("parameters", "injected-parameters")]
        tags += PARAMETER_TAGS if tags else CODE_TAGS
        cell.metadata["tags"] = tags
    nbformat.write(nb, path)


class Digests:
    """Each file read once per run, in chunks: its SHA-256 (the manifest's ``input_files``, and
    the run cache's keys) and its size. One hash, not two: at register scale hashing the inputs
    is part of every run (SHA-256 runs at about 2.5 times BLAKE2b's speed here, with the
    processor's SHA instructions)."""

    def __init__(self):
        self._memo: dict[Path, tuple[str, int]] = {}

    def __call__(self, path: Path) -> tuple[str, int]:
        path = Path(path).resolve()
        if path not in self._memo:
            sha, size = hashlib.sha256(), 0
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    sha.update(chunk)
                    size += len(chunk)
            self._memo[path] = (sha.hexdigest(), size)
        return self._memo[path]

    def content(self, path: Path) -> str:
        """The SHA-256 of the file's content."""
        return self(path)[0]


def _digest(value) -> str:
    """BLAKE2b of a JSON-able value (keys sorted): the cache's keys."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=32).hexdigest()


def _tree_digest(*paths: Path) -> str:
    """BLAKE2b of files and folders: each file's name (relative to the folder given) and
    content; compiled files are left out, a path that does not exist counts as such."""
    h = hashlib.blake2b(digest_size=32)
    for root in map(Path, paths):
        if root.is_file():
            files = [(root.name, root)]
        elif root.is_dir():
            files = [(f"{root.name}/{f.relative_to(root).as_posix()}", f) for f in sorted(root.rglob("*"))
                     if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo")]
        else:
            files = [(f"{root.name} (saknas)", None)]
        for name, f in files:
            h.update(name.encode("utf-8") + b"\0")
            if f is not None:
                with open(f, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
            h.update(b"\0")
    return h.hexdigest()


def code_version() -> dict:
    """The jamtools that runs: its package version and a BLAKE2b of every file of the package
    (a change in any module, chapter or template changes it)."""
    try:
        version = metadata.version("jamtools")
    except metadata.PackageNotFoundError:
        import jamtools

        version = getattr(jamtools, "__version__", None)
    return {"version": version, "sources": _tree_digest(Path(__file__).resolve().parents[1])}


def _table_files(config: RunConfig):
    """Each table the run has: its name, its source's entry and its file (resolved; None for a
    table read with SQL)."""
    from jamtools.data.load import table_sources

    for name, spec in table_sources(None if config.source is None else config,
                                    data_dir=config.data_dir).items():
        path = None
        if "file" in spec:
            path = source_path(spec).resolve()
        yield name, spec, path


def table_digests(config: RunConfig, digests: Digests, *,
                  tables: set[str] | None = None) -> dict[str, str | None]:
    """Per table the run has (with ``tables``, only those: a run with ``--only`` neither reads
    nor hashes the others): a digest of its file's content and of its source's description
    (path, sheet, mappings); None for a table read with SQL, whose content cannot be hashed
    without reading the whole table from the database."""
    out: dict[str, str | None] = {}
    for name, spec, path in _table_files(config):
        if tables is not None and name not in tables:
            continue
        if path is None:
            out[name] = None
            continue
        out[name] = _digest({"path": str(path),
                             "content": digests.content(path) if path.is_file() else "saknas",
                             "spec": {k: v for k, v in spec.items() if k not in ("_base", "file")}})
    return out


def longest_first(chapters: list[str], *, seconds: dict[str, float], reads: dict[str, set[str] | None],
                  sizes: dict[str, int]) -> list[str]:
    """``chapters`` in the order to start them side by side: the longest first, so that the
    last to finish is a short one and no long chapter runs alone at the end, on its share of
    the cores (a greedy longest-first schedule). The length is the chapter's time in the
    earlier run in the same output folder (``seconds``) when every chapter has one, else the
    bytes of the tables it reads (``reads``: None for every table; ``sizes`` per table, a
    table read with SQL counts 0). Ties keep the catalogue's order."""
    if chapters and all(seconds.get(c) is not None for c in chapters):
        length = {c: float(seconds[c]) for c in chapters}
    else:
        length = {c: float(sum(sizes.get(t, 0) for t in (sizes if reads.get(c) is None else reads[c])))
                  for c in chapters}
    return sorted(chapters, key=lambda c: -length[c])  # sorted is stable: ties keep the order


def _earlier_seconds(out: Path) -> dict[str, float]:
    """Each chapter's time in the earlier run's manifest in ``out`` (a hint for the order of
    the chapters only, also when the cache is off), or nothing."""
    try:
        earlier = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return {r["id"]: float(r["duration_s"]) for r in earlier.get("notebooks") or []
                if isinstance(r.get("duration_s"), (int, float))}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def outside_tables(config: RunConfig, tables: set[str] | None) -> dict[str, dict | None]:
    """The sources of a run with ``--only`` outside its ``tables``, which it does not hash: per
    table the file's path, size and modification time (None for a table read with SQL). The
    leak scan reads their identifying values, so its cache key needs them; a changed size or
    time counts as a change (at worst the scan runs again)."""
    if tables is None:
        return {}
    out: dict[str, dict | None] = {}
    for name, _, path in _table_files(config):
        if name in tables:
            continue
        if path is None:
            out[name] = None
            continue
        stat = path.stat() if path.is_file() else None
        out[name] = {"path": str(path), "bytes": stat.st_size if stat else None,
                     "mtime_ns": stat.st_mtime_ns if stat else None}
    return out


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _input_files(config: RunConfig, digests: Digests | None = None, *,
                 tables: set[str] | None = None) -> list[dict]:
    """The sources the run's results come from (with ``tables``, those of a run with ``--only``;
    its leak scan also looks for the identifying values of the other sources, which shape no
    result): each table's file (name, path, SHA-256, size) or SQL query (the URL without its
    password)."""
    from jamtools.data.load import table_sources

    digests = digests or Digests()
    out = []
    sources = table_sources(None if config.source is None else config, data_dir=config.data_dir)
    for name, spec in sources.items():
        if tables is not None and name not in tables:
            continue
        if "file" in spec:
            path = source_path(spec)
            entry = {"table": name, "name": path.name, "path": str(path.resolve())}
            if path.is_file():
                sha, size = digests(path)
                entry.update(sha256=sha, bytes=size)
            out.append(entry)
        else:
            import sqlalchemy

            try:
                url = sqlalchemy.engine.make_url(str(spec["sql"]["url"])).render_as_string(hide_password=True)
            except Exception:
                url = "(kan inte tolkas)"
            out.append({"table": name, "name": f"SQL ({spec['sql'].get('name', 'fråga')})",
                        "url": url, "query": str(spec["sql"]["query"])})
    return out


def _placeholder(notebook_id: str, reason: str):
    import nbformat

    title = QUESTIONS.get(notebook_id, notebook_id)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        f"# {title}\n\n```{{warning}}\nDet här kapitlet saknar resultat i den här körningen: "
        f"{reason}\n```\n")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _stage_book(out: Path, executed: dict[str, str], all_ids: list[str], config: RunConfig,
                reasons: dict[str, str], *, skipped: dict[str, str] | None = None,
                check_page: str | None = None, build_line: str = "", pdfs: bool = False,
                missing: list[str] | None = None) -> Path:
    """Copy the book sources and the executed notebooks into ``out/_book`` for the build.

    The table of contents is the project's, with the chapters the run's data could not answer
    (``skipped``) and those not run moved out of their parts into a last part, *Utan data i den
    här körningen*, where a short page each says why: no chapter is built from absent data,
    and the prose chapters' links to them still resolve. ``check_page`` (the check's Markdown)
    becomes the page *Körningens data*. Each executed notebook becomes its reader copy
    (:func:`jamtools.run.book.reader_notebook`: numbered figures and tables, no paths, the
    ``build_line`` last, a link to its PDF when ``pdfs``); what lacked a caption or alt text is
    added to ``missing``.
    """
    import nbformat

    from jamtools.run import book

    skipped = dict(skipped or {})
    missing = missing if missing is not None else []
    stage = out / "_book"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(ROOT / "book", stage / "book")
    for extra in ("_toc.yml", "references.bib"):
        if (ROOT / extra).exists():
            shutil.copy(ROOT / extra, stage / extra)
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    organisation = config.parameters.get("organisation")
    if config.source is not None:
        # A private book: the organisation's title, and a footer about its data, not the demo's.
        if organisation:
            cfg["title"] = f"{cfg.get('title', 'Jämställdhetsanalys')} – {organisation}"
        html = cfg.setdefault("html", {})
        html["extra_footer"] = (f"Resultaten bygger på data från {organisation or 'den egna organisationen'}"
                                " och visas bara efter röjandekontroll. Boken är privat.")
    (stage / "_config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")
    (stage / "notebooks").mkdir()
    toc_ids = _toc_notebook_ids(stage / "_toc.yml")
    not_run = [i for i in toc_ids if i not in executed]
    if check_page is not None or not_run:
        _restage_toc(stage / "_toc.yml", not_run, with_check=check_page is not None)
    if check_page is not None:
        (stage / "book" / "korningens_data.md").write_text(check_page, encoding="utf-8")
    for nb_id in not_run:
        if nb_id in skipped:
            reasons.setdefault(nb_id, f"data saknas för kapitlet: {skipped[nb_id]}. Se sidan "
                                      "Körningens data.")
    downloads = out / "notebooks" / "nedladdningar"
    if downloads.is_dir():  # files a chapter offers for download (the summary's tables)
        shutil.copytree(downloads, stage / "notebooks" / "nedladdningar")
    if pdfs:
        intro = stage / f"{yaml.safe_load((stage / '_toc.yml').read_text(encoding='utf-8'))['root']}.md"
        if intro.exists():
            depth = "../" * (len(Path(intro.relative_to(stage)).parts) - 1)
            intro.write_text(intro.read_text(encoding="utf-8").rstrip() + "\n\n" + _pdf_link(
                f"{depth}{pdf.PDF_FOLDER}/{pdf.BOOK_PDF}", "Hela boken som PDF") + "\n",
                encoding="utf-8")
    for nb_id in sorted(set(all_ids) | set(toc_ids)):
        target = stage / "notebooks" / f"{nb_id}.ipynb"
        if nb_id in executed:
            nb = nbformat.read(executed[nb_id], as_version=4)
            line = build_line
            if pdfs:
                line += " " + _pdf_link(f"../{pdf.PDF_FOLDER}/{nb_id}.pdf", "Kapitlet som PDF") + "."
            made = book.reader_notebook(nb, nb_id, stage / "notebooks", build_line=line)
            missing.extend(made.missing)
            nbformat.write(nb, target)
        else:
            reason = reasons.get(nb_id, "notebooken kördes inte (se manifest.json).")
            nbformat.write(_placeholder(nb_id, reason), target)
    return stage


def _pdf_link(href: str, text: str) -> str:
    # Raw HTML: the PDFs are printed from the built site, after Sphinx has checked its links.
    return f'<a class="jamtools-pdf" href="{href}">{text}</a>'


def describe_build(config: RunConfig, started: dt.datetime, digests: Digests | None = None, *,
                   tables: set[str] | None = None) -> str:
    """The line each chapter ends with: when the book was built, from which data, by which
    jamtools (the same facts as ``manifest.json``)."""
    try:
        version = metadata.version("jamtools")
    except metadata.PackageNotFoundError:  # a copy not installed
        version = "okänd version"
    if config.source is None:
        data = "de syntetiska demodata (inte verkliga personer)"
    else:
        organisation = config.parameters.get("organisation")
        files = [f["name"] for f in _input_files(config, digests, tables=tables)]
        data = (f"{organisation}s data" if organisation else "egna data") + (
            f" ({', '.join(files)})" if files else "")
    return (f"*Byggd {started.astimezone().strftime('%Y-%m-%d %H:%M')} från {data} med jamtools "
            f"{version}; detaljer i körningens manifest.json.*")


def _restage_toc(toc: Path, not_run: list[str], *, with_check: bool) -> None:
    """Move the chapters in ``not_run`` to a last part; add the run's data page first."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    moved = []
    for part in data.get("parts", []):
        kept = []
        for chapter in part.get("chapters", []):
            stem = Path(str(chapter.get("file", ""))).stem
            if str(chapter.get("file", "")).startswith("notebooks/") and stem in not_run:
                moved.append({"file": f"notebooks/{stem}"})
            else:
                kept.append(chapter)
        part["chapters"] = kept
    data["parts"] = [p for p in data.get("parts", []) if p.get("chapters")]
    if with_check and data["parts"]:
        data["parts"][0]["chapters"].insert(0, {"file": "book/korningens_data"})
    if moved:
        data["parts"].append({"caption": "Utan data i den här körningen", "chapters": moved})
    toc.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _toc_notebook_ids(toc: Path) -> list[str]:
    ids: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "file" and isinstance(value, str) and value.startswith("notebooks/"):
                    ids.append(Path(value).stem)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return ids


def build_book(stage: Path, html_out: Path, *, log: Path) -> tuple[bool, str]:
    """Build the staged book with warnings as errors; move the HTML to ``html_out``."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(stage), "--path-output",
           str(stage), "-W", "-n", "--keep-going", "--all"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log.write_text(proc.stdout + "\n" + proc.stderr, encoding="utf-8")
    built = stage / "_build" / "html"
    if proc.returncode != 0 or not (built / "index.html").exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        return False, tail
    if html_out.exists():
        shutil.rmtree(html_out)
    shutil.move(str(built), str(html_out))
    return True, ""


def _scan(paths: list[Path], config: RunConfig, key: str) -> list[dict]:
    """Leak scan of the outputs (``jamtools.run.scan``); returns the findings as records.

    Besides the patterns (personnummer, small counts, row-level tables) it looks for the run's
    pseudonym key and for every value of the input's sensitive columns (names, free text).
    """
    from jamtools import data
    from jamtools.run import scan

    sensitive = data.sensitive_values(config) if hasattr(data, "sensitive_values") else set()
    findings = scan.scan_paths([p for p in paths if p.exists()],
                               threshold=int(config.parameters["threshold"]),
                               sensitive_values=sensitive, secret_keys=[key])
    return findings.to_dict("records") if len(findings) else []


def run(config: RunConfig, out: str | Path, *, only: list[str] | None = None, jobs: int = 1,
        build: bool = True, notebook_dir: Path = NOTEBOOK_DIR, progress: bool = True,
        cache: bool = True) -> int:
    """Execute the notebooks, write results and manifest, scan for leaks, build the book.

    With ``cache`` (the default), what an earlier run into ``out`` left and that has not changed
    is reused (see the module's description); ``cache=False`` runs everything (the keys are
    still written, for the next run).

    Returns the exit code: 0 when every notebook ran, the scan found nothing and the book built.
    """
    memory = PeakMemory(os.getpid(), include_self=True, interval=2 * MEMORY_INTERVAL).start()
    try:
        with _decoded_sources():
            return _run(config, Path(out).resolve(), only=only, jobs=jobs, build=build,
                        notebook_dir=notebook_dir, progress=progress, cache=cache, memory=memory)
    finally:
        memory.stop()


#: The file in the run's folder (:func:`_decoded_sources`) with what the run's check found
#: absent in whole files, for the kernels (:mod:`jamtools.data.facts`).
FACTS_FILE = "facts.json"


def _write_facts(facts: Facts) -> None:
    """Write ``facts`` where the kernels of this run look for them (:data:`FACTS_FILE` in the
    run's folder, named by :data:`jamtools.data.facts.FACTS_ENV`)."""
    from jamtools.data.facts import FACTS_ENV

    name = os.environ.get(FACTS_ENV)
    if name and Path(name).parent.is_dir():
        try:
            facts.write(Path(name))
        except OSError:  # a file not written, or not whole, gives the kernels no facts: they search
            pass


@contextlib.contextmanager
def _decoded_sources():
    """A folder for the run's decoded exports (:data:`jamtools.data.readers.DECODED_ENV`),
    which the run's check, the kernels and the leak scan inherit. It holds the export's own
    values, so it is made readable by this user only, in the system's temporary folder, never
    in the output, and is removed when the run ends, also when it is stopped (SIGTERM, SIGHUP
    end it as an interrupt would). A run killed outright leaves it: the next run removes it
    (:func:`jamtools.data.readers.run_folder`). A folder that cannot be removed is named in a
    warning."""
    import signal
    import threading
    import warnings

    from jamtools.data.facts import FACTS_ENV
    from jamtools.data.readers import DECODED_ENV, run_folder

    before, before_facts = os.environ.get(DECODED_ENV), os.environ.get(FACTS_ENV)
    folder = run_folder()
    os.environ[DECODED_ENV] = str(folder)
    # what the run's check finds absent, for the kernels (written by _run when it is known)
    os.environ[FACTS_ENV] = str(folder / FACTS_FILE)
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        def stop(signum, frame):
            raise SystemExit(128 + signum)
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                handlers[name] = signal.signal(getattr(signal, name), stop)
    try:
        yield folder
    finally:
        for name, handler in handlers.items():
            signal.signal(getattr(signal, name), handler)
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            warnings.warn(f"Mappen {folder} med avkodade exportfiler kunde inte tas bort. Den innehåller "
                          "uppgifter ur exporterna: ta bort den för hand.", stacklevel=2)
        for name, value in ((DECODED_ENV, before), (FACTS_ENV, before_facts)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _previous_run(out: Path, cache: bool) -> tuple[dict | None, str]:
    """The earlier run's manifest in ``out`` when it may be reused, else None and why not."""
    if not cache:
        return None, "avstängd (--no-cache); allt körs"
    path = out / "manifest.json"
    if not path.is_file():
        return None, f"ingen tidigare körning i {out}; allt körs"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, "förra körningens manifest.json kan inte läsas; allt körs"
    if (previous.get("cache") or {}).get("version") != CACHE_VERSION:
        return None, "förra körningen gjordes utan cache (eller med en annan version av den); allt körs"
    scan = previous.get("leak_scan") or {}
    if scan.get("findings") or scan.get("html_findings"):
        return None, "förra körningens läckagekontroll hittade uppgifter; allt körs"
    return previous, ""


def _config_digest(config: RunConfig) -> str | None:
    """SHA-256 of the configuration file's content (None for the demo run without one)."""
    return None if config.source is None else Digests().content(config.source)


def _config_part(config: RunConfig, raw: dict | None, notebook_id: str) -> dict | None:
    """What a chapter can read of ``jamtools.yml``: everything but the other chapters'
    parameters (a parameter for one chapter does not make the others run again)."""
    if raw is None:
        return None
    part = dict(raw)
    notebooks = part.get("notebooks") or {}
    part["notebooks"] = {notebook_id: notebooks[notebook_id]} if notebook_id in notebooks else {}
    return part


def _chapter_key(notebook_id: str, *, notebook: str, params: dict, config_part, tables: dict,
                 code: dict, versions: dict, chapters: dict | None = None) -> str | None:
    """A chapter's cache key; None when one of its tables is read with SQL (never reused).

    ``tables`` are the digests of the tables the chapter may read (absent ones as such);
    ``chapters`` (the summaries) the keys of the chapters whose results it reads."""
    if any(d is None for d in tables.values()) or (chapters and any(k is None for k in chapters.values())):
        return None
    return _digest({"cache": CACHE_VERSION, "id": notebook_id, "notebook": notebook,
                    "parameters": params, "config": config_part, "tables": tables, "code": code,
                    "versions": versions, "chapters": chapters})


def _cache_line(previous: dict | None, why_not: str, *, n_chapters: int, reused: list[str],
                rerun: list[str], check_reused: bool, book_reused: bool | None,
                sql: list[str]) -> str:
    """The one Swedish line that says what the run reuses."""
    if previous is None:
        line = f"Cache: {why_not}"
    else:
        line = f"Cache: {len(reused)} av {n_chapters} kapitel återanvänds från förra körningen"
        if rerun:
            shown = ", ".join(rerun[:4]) + (f" och {len(rerun) - 4} till" if len(rerun) > 4 else "")
            line += f", {len(rerun)} körs ({shown})"
        line += "; kontrollen " + ("återanvänds" if check_reused else "görs om")
        if book_reused is not None:
            line += "; boken " + ("och läckagekontrollen återanvänds" if book_reused else "byggs om")
        elif not rerun:
            line += "; läckagekontrollen återanvänds"
    if sql:
        line += (f"; SQL-tabellerna {', '.join(sql)} kan inte hashas (det skulle kräva att hela "
                 "tabellen läses från databasen), så kapitlen som läser dem körs alltid")
    return line + "."


def _run(config: RunConfig, out: Path, *, only, jobs, build, notebook_dir, progress, cache,
         memory: PeakMemory) -> int:
    from tqdm import tqdm

    from jamtools.run.catalogue import CHAPTERS
    from jamtools.run.check import (InputCheck, across_chapters, across_chapters_text, chapter_tables,
                                    check_inputs, hidden_tables, read_results, scope_tables)

    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "results").mkdir(parents=True, exist_ok=True)
    requested = list_notebooks(notebook_dir, only)
    previous, why_not = _previous_run(out, cache)
    digests = Digests()
    sources_version, versions = code_version(), _versions()
    # The check comes first: every table (with --only: every table the chapters asked for may
    # read; the others are neither read nor hashed) read once, every problem reported, and only
    # the chapters the data can answer run. Unchanged tables and configuration: the earlier
    # run's check.json is the check.
    scope = ([nb.stem for nb in requested] if only and all(nb.stem in CHAPTERS for nb in requested)
             else None)
    in_scope = scope_tables(config, scope)
    tables = table_digests(config, digests, tables=in_scope)
    config_digest = _config_digest(config)
    config_raw = (read_yaml(config.source) or {}) if config.source else None
    sql = sorted(t for t, d in tables.items() if d is None)
    check_tables = tables
    check_key = None if any(d is None for d in check_tables.values()) else _digest(
        {"cache": CACHE_VERSION, "tables": check_tables, "config": config_digest, "code": sources_version,
         "scope": scope})
    report, check_reused = None, False
    if (previous is not None and check_key is not None and (out / "check.json").is_file()
            and (previous.get("check") or {}).get("key") == check_key):
        try:
            report, check_reused = InputCheck.read(out / "check.json"), True
        except (OSError, ValueError, KeyError, TypeError):
            report = None
    check_s = None  # the check's own time (None when an earlier run's is reused)
    if report is None:
        check_started = time.perf_counter()
        check_log = out / "sql" / f"{SQL_CHECK_LOG}.jsonl"
        check_log.unlink(missing_ok=True)
        before_env = os.environ.get(SQL_LOG_ENV)
        os.environ[SQL_LOG_ENV] = str(check_log)
        try:
            report = check_inputs(config, chapters=scope, jobs=jobs)
        finally:
            if before_env is None:
                os.environ.pop(SQL_LOG_ENV, None)
            else:
                os.environ[SQL_LOG_ENV] = before_env
        report.write(out / "check.json")
        check_s = round(time.perf_counter() - check_started, 2)
    if check_reused:  # the earlier run's findings, for files still as they were (data.facts)
        report.facts = Facts.from_dict((previous.get("check") or {}).get("facts"))
    _write_facts(report.facts)
    print(report.summary_line(), file=sys.stderr)
    skipped = {nb.stem: report.chapters[nb.stem].text() for nb in requested
               if nb.stem in CHAPTERS and not report.chapters[nb.stem].can_run}
    notebooks = [nb for nb in requested if nb.stem not in skipped]

    prev_cache = (previous or {}).get("cache") or {}
    prev_declared = prev_cache.get("declared") or {}
    declared: dict[str, dict] = {}
    jobs_params = {}
    for nb in requested:  # every requested chapter's parameters are checked, also skipped ones
        params = config.for_notebook(nb.stem)
        params["results_path"] = str(out / "results" / f"{nb.stem}.json")
        if nb.stem in SUMMARIES:
            params["results_dir"] = str(out / "results")
        content = digests.content(nb)
        known = prev_declared.get(nb.stem) or {}
        names = check_notebook_parameters(
            nb, params, declared=known.get("declared") if known.get("notebook") == content else None)
        declared[nb.stem] = {"notebook": content, "declared": names}
        if nb.stem not in skipped:
            jobs_params[nb.stem] = params

    # The cache: which chapters' earlier results stand.
    keys: dict[str, str | None] = {}
    for nb in notebooks:
        if nb.stem in SUMMARIES:
            continue
        reads = chapter_tables(nb.stem, jobs_params[nb.stem])
        keys[nb.stem] = _chapter_key(
            nb.stem, notebook=declared[nb.stem]["notebook"], params=jobs_params[nb.stem],
            config_part=_config_part(config, config_raw, nb.stem), code=sources_version, versions=versions,
            tables={t: tables.get(t, "finns inte") for t in (sorted(reads) if reads is not None else tables)})
    first_round = dict(keys)
    for nb in notebooks:
        if nb.stem in SUMMARIES:
            keys[nb.stem] = _chapter_key(
                nb.stem, notebook=declared[nb.stem]["notebook"], params=jobs_params[nb.stem],
                config_part=_config_part(config, config_raw, nb.stem), code=sources_version, versions=versions,
                tables={}, chapters=first_round)
    before = {r.get("id"): r for r in (previous or {}).get("notebooks") or []}

    def reusable(nb_id: str) -> bool:
        rec = before.get(nb_id)
        return bool(keys[nb_id] and rec and rec.get("cache_key") == keys[nb_id]
                    and rec.get("status") in REUSABLE
                    and (out / "notebooks" / f"{nb_id}.ipynb").is_file()
                    and (out / "results" / f"{nb_id}.json").is_file())

    reused = [nb.stem for nb in notebooks if nb.stem not in SUMMARIES and reusable(nb.stem)]
    first = [nb for nb in notebooks if nb.stem not in SUMMARIES and nb.stem not in reused]
    # A summary reads every chapter's results: it runs again when any chapter did.
    reused += [nb.stem for nb in notebooks if nb.stem in SUMMARIES and not first and reusable(nb.stem)]
    to_run = [nb for nb in notebooks if nb.stem not in reused]
    # The longest chapters start first (by the earlier run's times, or the bytes they read).
    by_id = {nb.stem: nb for nb in to_run}
    sizes = {name: (path.stat().st_size if path is not None and path.is_file() else 0)
             for name, _, path in _table_files(config)}
    first_ids = [nb.stem for nb in to_run if nb.stem not in SUMMARIES]
    first_ids = longest_first(first_ids, seconds=_earlier_seconds(out), sizes=sizes,
                              reads={c: chapter_tables(c, jobs_params[c]) for c in first_ids})
    rounds = [[by_id[c] for c in first_ids], [nb for nb in to_run if nb.stem in SUMMARIES]]
    # The leak scan is reused when nothing ran again and the earlier run, whose scan found
    # nothing, ended well on the same data and configuration. The scan looks for the sensitive
    # values of every source, also those outside --only's tables, which are not hashed: for
    # them their size and modification time stand in.
    others = outside_tables(config, in_scope)
    scan_key = _digest({"tables": tables, "others": others, "config": config_digest,
                        "code": sources_version, "threshold": config.parameters.get("threshold")}
                       ) if not sql and None not in others.values() else None
    scan_reused = bool(previous is not None and not to_run and notebooks and scan_key
                       and prev_cache.get("scan_key") == scan_key and previous.get("exit_code") == 0)
    no_pdf = pdf.unavailable_reason() if build else None
    # The book: the same chapters with the same outcomes, check, configuration and sources.
    book_parts = None
    if build and all(keys.get(nb.stem) for nb in notebooks):
        book_parts = {"chapters": {nb.stem: keys[nb.stem] for nb in notebooks}, "skipped": skipped,
                      "check": report.as_dict(), "config": config_digest, "code": sources_version,
                      "sources": _tree_digest(ROOT / "book", ROOT / "_toc.yml", ROOT / "_config.yml",
                                              ROOT / "references.bib"),
                      "pdf": no_pdf is None, "threshold": config.parameters.get("threshold")}

    def book_key_for(statuses: dict) -> str | None:
        return None if book_parts is None else _digest({**book_parts, "statuses": statuses})

    book_key = None if to_run else book_key_for({k: before[k].get("status") for k in reused})
    prev_book = (previous or {}).get("book") or {}
    book_reused = bool(build and scan_reused and book_key and prev_cache.get("book_key") == book_key
                       and prev_book.get("built") is True and not prev_book.get("pdf_error")
                       and (out / "html" / "index.html").is_file())
    print(_cache_line(previous, why_not, n_chapters=len(notebooks), reused=reused,
                      rerun=[nb.stem for nb in to_run], check_reused=check_reused,
                      book_reused=book_reused if build else None, sql=sql), file=sys.stderr)

    for stale in (out / "results").glob("*.json"):  # a summary must never read an earlier run
        if stale.stem not in reused:
            stale.unlink()
    for nb in to_run:  # nor the book an earlier copy of a chapter that fails now
        (out / "notebooks" / nb.name).unlink(missing_ok=True)
    if skipped:
        print(f"{len(notebooks)} kapitel körs; {len(skipped)} saknar data: "
              + "; ".join(f"{k} ({v})" for k, v in skipped.items()), file=sys.stderr)
    if not notebooks:
        print("Inget kapitel kan köras med de här data; se kontrollen ovan (python -m jamtools "
              "check) och check.json.", file=sys.stderr)
    key = secrets.token_hex(32)
    started = dt.datetime.now(dt.timezone.utc)
    records: dict[str, dict] = {k: {**before[k], "reused": True} for k in reused}
    if to_run:
        # The check above leaves the engine's memory in this process (some 800 MB at ten million
        # rows); given back before the kernels start, they run faster beside it
        # (jamtools.data.engine.release).
        release_engine()
        ensure_kernel()
        bar = tqdm(total=len(to_run), desc="Notebooks klara", unit="nb", disable=not progress,
                   file=sys.stderr, postfix=f"kör {min(len(to_run), jobs)}")
        # Chapters that summarise the others' results run last, when those results are written.
        # The workers start as fresh interpreters ("spawn"), not as forks of this process: a
        # fork would carry this process's memory (the check of register-sized tables) into each
        # worker for the whole run.
        import multiprocessing

        with ProcessPoolExecutor(max_workers=max(1, jobs),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            for batch in rounds:
                futures = {}
                for nb in batch:
                    target = out / "notebooks" / nb.name
                    futures[pool.submit(_execute, str(nb), str(target), jobs_params[nb.stem],
                                        str(out / "notebooks"), key,
                                        threads_per_kernel(jobs, len(batch)))] = nb.stem
                pending = set(futures.values())
                for fut in as_completed(futures):
                    nb_id = futures[fut]
                    records[nb_id] = {**fut.result(), "cache_key": keys[nb_id], "reused": False}
                    pending.discard(nb_id)
                    bar.update(1)
                    bar.set_postfix_str(f"kör {min(len(pending), jobs)}")
        bar.close()
    executed = {nb.stem for nb in to_run}
    failed = {k: r for k, r in records.items() if r["status"] != "ok" and r["status"] != "no_rows"}
    for nb_id, rec in sorted(failed.items()):
        err = rec["error"]
        where = f"cell {err['cell']}" if err.get("cell") is not None else "vid start"
        print(f"MISSLYCKADES: {nb_id} ({where}): {err['ename']}: {err['evalue']}", file=sys.stderr)
    for nb_id, rec in records.items():
        if nb_id in executed and rec["status"] == "ok" and _no_rows(out / "results" / f"{nb_id}.json"):
            rec["status"] = "no_rows"
            print(f"INGA RADER: {nb_id} kördes, men inga rader återstod att analysera (se kapitlets "
                  "datatabell för varför).", file=sys.stderr)
    ok_ids = {k: str(out / "notebooks" / f"{k}.ipynb") for k, r in records.items()
              if r["status"] in ("ok", "no_rows")}

    if scan_reused:
        findings = []
    else:
        findings = _scan([out / "notebooks", out / "results"], config, key) if ok_ids else []
    results = read_results(out / "results" / f"{nb.stem}.json" for nb in notebooks)  # once, for both
    crossed = across_chapters(results)
    for line in across_chapters_text(crossed):
        print(line, file=sys.stderr)
    manifest = {
        "jamtools_run": 1,
        "started": started.isoformat(timespec="seconds"),
        "versions": versions,
        "config_file": str(config.source) if config.source else None,
        "parameters": {k: v for k, v in config.parameters.items()},
        "notebook_parameters": config.notebook_parameters,
        "input_files": _input_files(config, digests, tables=in_scope),
        "check": {"file": "check.json", "summary": report.summary_line(), "key": check_key,
                  "reused": check_reused, "duration_s": check_s, "facts": report.facts.as_dict()},
        "notebooks": [records[nb.stem] for nb in notebooks],
        "disclosure_across_chapters": crossed,
        "chapters_reused": [k for k in reused],
        "chapters_skipped": [{"id": k, "title": QUESTIONS.get(k, k), "reason": v}
                             for k, v in skipped.items()],
        "leak_scan": {"findings": findings, "reused": scan_reused},
        "book": None,
        "cache": {"version": CACHE_VERSION, "enabled": cache, "code": sources_version, "tables": tables,
                  "config": config_digest, "scan_key": scan_key,
                  "book_key": book_key_for({k: r["status"] for k, r in records.items()}),
                  "declared": declared},
    }
    code = 1 if failed or not notebooks else 0
    if findings:
        code = 1
        print("Läckagekontrollen hittade uppgifter som inte får publiceras; boken byggs inte:",
              file=sys.stderr)
        for f in findings:
            print(f"  {f['file']} ({f['location']}): {f['kind']}: {f['message']}", file=sys.stderr)
    elif build and book_reused:
        manifest["book"] = {**prev_book, "reused": True}
        manifest["leak_scan"]["html_findings"] = []
        print(f"Boken: {out / 'html' / 'index.html'} (oförändrad sedan förra körningen)")
    elif build:
        reasons = {k: f"notebooken misslyckades ({r['error']['ename']}: {r['error']['evalue']})"
                   for k, r in failed.items()}
        if no_pdf and pdf.required():
            print(f"PDF:erna krävs här (CI) men kan inte göras: {no_pdf}.", file=sys.stderr)
            code = 1
        missing: list[str] = []
        stage = _stage_book(out, ok_ids, [nb.stem for nb in notebooks], config, reasons,
                            skipped=skipped, check_page=report.markdown(
                                threshold=int(config.parameters["threshold"]),
                                hidden=hidden_tables(results), across=crossed)
                            + sql_markdown(out / "sql", [nb.stem for nb in notebooks]),
                            build_line=describe_build(config, started, digests, tables=in_scope), pdfs=no_pdf is None,
                            missing=missing)
        ok, tail = build_book(stage, out / "html", log=out / "book-build.log")
        manifest["book"] = {"built": ok, "log": "book-build.log", "uncaptioned": missing, "reused": False}
        if missing:
            print("Figurer eller tabeller utan bildtext/alt-text: " + "; ".join(missing), file=sys.stderr)
        if ok and no_pdf is None:
            try:
                made = pdf.make_pdfs(out / "html", pdf.book_pages(
                    yaml.safe_load((stage / "_toc.yml").read_text(encoding="utf-8"))))
                manifest["book"]["pdf"] = sorted(str(p.relative_to(out / "html")) for p in made.values())
            except Exception as exc:  # a PDF failure is reported, the site stays
                code = 1
                manifest["book"]["pdf_error"] = str(exc)
                print(f"PDF:erna kunde inte göras: {exc}", file=sys.stderr)
        elif ok:
            manifest["book"]["pdf"] = None
            print(f"PDF:erna hoppades över: {no_pdf}.", file=sys.stderr)
        if not ok:
            code = 1
            print(f"Bokbygget misslyckades (se {out / 'book-build.log'}):\n{tail}", file=sys.stderr)
        else:
            html_findings = _scan([out / "html"], config, key)
            manifest["leak_scan"]["html_findings"] = html_findings
            if html_findings:
                code = 1
                shutil.rmtree(out / "html")
                print("Läckagekontrollen hittade uppgifter i den byggda boken; den togs bort:",
                      file=sys.stderr)
                for f in html_findings:
                    print(f"  {f['file']} ({f['location']}): {f['kind']}: {f['message']}",
                          file=sys.stderr)
            else:
                print(f"Boken: {out / 'html' / 'index.html'}")
    manifest["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    manifest["exit_code"] = code
    manifest["peak_mb"] = memory.stop()
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    n_ok = sum(1 for r in records.values() if r["status"] == "ok")
    n_empty = sum(1 for r in records.values() if r["status"] == "no_rows")
    line = f"{n_ok} kapitel kördes utan fel"
    if reused:
        line += f" ({len(reused)} av dem i en tidigare körning, återanvända)"
    if n_empty:
        line += f"; {n_empty} hade inga rader att analysera"
    if failed:
        line += f"; {len(failed)} misslyckades"
    if skipped:
        line += f"; {len(skipped)} saknar data: {', '.join(skipped)}"
    print(f"{line}. Resultat i {out}", file=sys.stderr)
    return code


def sql_statements(folder: Path, chapters: list[str]) -> list[dict]:
    """The statements this run's check and ``chapters`` sent to ``sql:`` sources, from their
    logs in ``folder``: one record per distinct statement, with the table, whether it returned
    counts (``grouped``) or rows, and who sent it (``senders``: ``kontroll`` or chapter ids)."""
    out: dict[str, dict] = {}
    for sender in [SQL_CHECK_LOG, *chapters]:
        log = folder / f"{sender}.jsonl"
        if not log.is_file():
            continue
        for line in log.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            entry = out.setdefault(rec["statement"], {**rec, "senders": []})
            if sender not in entry["senders"]:
                entry["senders"].append(sender)
    return list(out.values())


def sql_markdown(folder: Path, chapters: list[str]) -> str:
    """The book's section *Frågor till databasen*: every statement the run sent to a ``sql:``
    source, as sent, and whether the database returned counts or rows. Empty without such a
    source."""
    from jamtools.run.check import _md  # the check page's escaping: this section ends that page

    records = sql_statements(folder, chapters)
    if not records:
        return ""
    out = ["", "## Frågor till databasen", "",
           "Tabeller som hämtas med `sql:` i jamtools.yml läses med de här frågorna, exakt som de "
           "skickades. En fråga med `GROUP BY` låter databasen räkna raderna för varje "
           "kombination av värden: bara kombinationerna och deras antal lämnar databasen, aldrig "
           "id-kolumner eller personnummer. (Med finfördelade kolumner, som belopp eller datum, "
           "förekommer många kombinationer bara en gång.) En fråga utan `GROUP BY` hämtar rader, "
           "men bara de kolumner som behövs. Det gäller id-kolumnerna när kontrollen prövar dem "
           "och när ett kapitel följer ärenden eller personer mellan tabeller, och tabeller med "
           "personnummer, där kön och ålder härleds här och inte i databasen.", ""]
    for rec in records:
        who = ", ".join("kontrollen av indata" if s == SQL_CHECK_LOG else QUESTIONS.get(s, s)
                        for s in rec["senders"])
        kind = ("antal per kombination av värden" if rec["grouped"]
                else "rader med kolumnerna " + ", ".join(f"`{c}`" for c in rec["columns"]))
        out += [f"**{rec['table']}** ({_md(rec['source'])}), {kind}. Skickad av: {_md(who)}.", "",
                "```sql", rec["statement"], "```", ""]
    return "\n".join(out)


def _no_rows(results_file: Path) -> bool:
    """True when a chapter's results say it analysed no row at all (every table's analysed
    counts are zero); a chapter without counts (the summary) is never 'no rows'."""
    if not results_file.exists():
        return False
    counts = json.loads(results_file.read_text(encoding="utf-8")).get("counts") or {}
    if not counts:
        return False
    return all(not any((v or 0) > 0 or v is None for v in c.get("analysed", {}).values())
               for c in counts.values())
