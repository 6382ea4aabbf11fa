"""The runner: execute every question notebook with papermill, then build the book.

``run(...)`` writes, into ``out``:

- ``notebooks/<id>.ipynb``: the executed copies;
- ``results/<id>.json``: each notebook's machine-readable result (see ``jamtools.results``);
- ``manifest.json``: versions, parameters, input files with SHA-256, times, and per-notebook
  status, duration and error;
- ``html/``: the Jupyter Book, built from the executed copies (execution is off in
  ``_config.yml``: papermill already ran everything).

A notebook that fails does not stop the others; the run reports which failed and why and
returns a non-zero exit code. Known papermill traps are handled here: the kernel is named
explicitly (``jamtools``, installed into the running Python's prefix), parameters are passed as
typed Python values, and a parameter the notebook does not declare is an error.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path

import nbformat
import yaml

from jamtools.config import ROOT, RunConfig
from jamtools.questions import QUESTIONS, SUMMARIES

KERNEL_NAME = "jamtools"
#: Environment variable that carries the run's pseudonymisation key to the kernels.
PSEUDONYM_KEY_ENV = "JAMTOOLS_PSEUDONYM_KEY"
NOTEBOOK_DIR = ROOT / "notebooks"
PACKAGES = ("jamtools", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib",
            "papermill", "nbclient", "ipykernel", "jupyter-book", "sphinx", "myst-nb", "duckdb",
            "pyarrow")


#: Seconds a kernel may take to start (papermill's default, 60, is too short on a busy machine).
KERNEL_START_TIMEOUT = 180
#: Messages of a kernel that failed to start, after which it is started again.
KERNEL_START_FAILURES = ("Kernel died before replying", "Kernel didn't respond")


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
    """The source notebooks to run, sorted; ``only`` selects by id (unknown ids are an error)."""
    found = {p.stem: p for p in sorted(Path(notebook_dir).glob("*.ipynb"))}
    if not only:
        return list(found.values())
    unknown = [i for i in only if i not in found]
    if unknown:
        raise RunError(f"Okända notebooks: {', '.join(unknown)}. Finns: {', '.join(found)}.")
    return [found[i] for i in only]


def check_notebook_parameters(path: Path, params: dict) -> None:
    """Every parameter passed must be declared in the notebook's ``parameters`` cell."""
    import tempfile

    import papermill

    nb = nbformat.read(path, as_version=4)
    # papermill infers the language from the stored kernelspec; the run never uses it.
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "python", "display_name": "Python"}
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / path.name
        nbformat.write(nb, probe)
        try:
            declared = papermill.inspect_notebook(str(probe))
        except Exception as exc:
            raise RunError(f"{path.stem}: parametercellen kan inte läsas: {exc}") from None
    if not declared:
        raise RunError(f"{path.name} har ingen cell taggad 'parameters'.")
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise RunError(
            f"{path.stem}: okänd parameter {', '.join(unknown)}. Notebooken har parametrarna "
            f"{', '.join(declared)}. Kontrollera stavningen i jamtools.yml."
        )


def _execute(source: str, target: str, params: dict, cwd: str, key: str) -> dict:
    """Execute one notebook (in a worker process); return its status record.

    The run's pseudonym key reaches the kernel through the environment, never as a papermill
    parameter: parameters are written into the executed notebook, the environment is not.
    """
    import papermill

    os.environ[PSEUDONYM_KEY_ENV] = key
    from papermill.exceptions import PapermillExecutionError

    start = time.time()
    record = {"id": Path(source).stem, "status": "ok", "error": None}
    # A kernel that dies or does not answer before it runs any cell (jupyter_client's known port
    # race when several kernels start at once; a busy machine) is started again; a failing cell
    # is never retried.
    for attempt in range(3):
        record.update(status="ok", error=None)
        try:
            papermill.execute_notebook(source, target, parameters=params, kernel_name=KERNEL_NAME,
                                       language="python", cwd=cwd, progress_bar=False,
                                       log_output=False, request_save_on_cell_execute=False,
                                       start_timeout=KERNEL_START_TIMEOUT)
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
    record["kernel_starts"] = attempt + 1
    record["duration_s"] = round(time.time() - start, 2)
    return record


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _input_files(data_dir: Path) -> list[dict]:
    files = []
    if data_dir.is_dir():
        for p in sorted(data_dir.iterdir()):
            if p.is_file() and not p.name.startswith("."):
                files.append({"name": p.name, "sha256": _sha256(p), "bytes": p.stat().st_size})
    return files


def _placeholder(notebook_id: str, reason: str) -> nbformat.NotebookNode:
    title = QUESTIONS.get(notebook_id, notebook_id)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        f"# {title}\n\n```{{warning}}\nDet här kapitlet saknar resultat i den här körningen: "
        f"{reason}\n```\n")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _stage_book(out: Path, executed: dict[str, str], all_ids: list[str], config: RunConfig,
                reasons: dict[str, str]) -> Path:
    """Copy the book sources and the executed notebooks into ``out/_book`` for the build."""
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
    if config.source is not None and organisation:
        cfg["title"] = f"{cfg.get('title', 'Jämställdhetsanalys')} – {organisation}"
    (stage / "_config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")
    (stage / "notebooks").mkdir()
    toc_ids = _toc_notebook_ids(stage / "_toc.yml")
    for nb_id in sorted(set(all_ids) | set(toc_ids)):
        target = stage / "notebooks" / f"{nb_id}.ipynb"
        if nb_id in executed:
            nb = nbformat.read(executed[nb_id], as_version=4)
            for cell in nb.cells:  # papermill's injected values (paths) are not for readers
                tags = cell.metadata.get("tags", [])
                if "injected-parameters" in tags and "remove-cell" not in tags:
                    cell.metadata["tags"] = [*tags, "remove-cell"]
            nbformat.write(nb, target)
        else:
            reason = reasons.get(nb_id, "notebooken kördes inte (se manifest.json).")
            nbformat.write(_placeholder(nb_id, reason), target)
    return stage


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
    """Leak scan of the outputs (``jamtools.scan``); returns the findings as records.

    Besides the patterns (personnummer, small counts, row-level tables) it looks for the run's
    pseudonym key and for every value of the input's sensitive columns (names, free text).
    """
    from jamtools import data, scan

    sensitive = data.sensitive_values(config) if hasattr(data, "sensitive_values") else set()
    findings = scan.scan_paths([p for p in paths if p.exists()],
                               threshold=int(config.parameters["threshold"]),
                               sensitive_values=sorted(sensitive), secret_keys=[key])
    return findings.to_dict("records") if len(findings) else []


def run(config: RunConfig, out: str | Path, *, only: list[str] | None = None, jobs: int = 1,
        build: bool = True, notebook_dir: Path = NOTEBOOK_DIR, progress: bool = True) -> int:
    """Execute the notebooks, write results and manifest, scan for leaks, build the book.

    Returns the exit code: 0 when every notebook ran, the scan found nothing and the book built.
    """
    from tqdm import tqdm

    out = Path(out).resolve()
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "results").mkdir(parents=True, exist_ok=True)
    notebooks = list_notebooks(notebook_dir, only)
    jobs_params = {}
    for nb in notebooks:
        params = config.for_notebook(nb.stem)
        params["results_path"] = str(out / "results" / f"{nb.stem}.json")
        if nb.stem in SUMMARIES:
            params["results_dir"] = str(out / "results")
        check_notebook_parameters(nb, params)
        jobs_params[nb.stem] = params
    ensure_kernel()
    key = secrets.token_hex(32)
    started = dt.datetime.now(dt.timezone.utc)
    records: dict[str, dict] = {}
    bar = tqdm(total=len(notebooks), desc="Notebooks klara", unit="nb", disable=not progress,
               file=sys.stderr, postfix=f"kör {min(len(notebooks), jobs)}")
    # Chapters that summarise the others' results run last, when those results are written.
    rounds = [[nb for nb in notebooks if nb.stem not in SUMMARIES],
              [nb for nb in notebooks if nb.stem in SUMMARIES]]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for batch in rounds:
            futures = {}
            for nb in batch:
                target = out / "notebooks" / nb.name
                futures[pool.submit(_execute, str(nb), str(target), jobs_params[nb.stem],
                                    str(out / "notebooks"), key)] = nb.stem
            pending = set(futures.values())
            for fut in as_completed(futures):
                nb_id = futures[fut]
                records[nb_id] = fut.result()
                pending.discard(nb_id)
                bar.update(1)
                bar.set_postfix_str(f"kör {min(len(pending), jobs)}")
    bar.close()
    failed = {k: r for k, r in records.items() if r["status"] != "ok"}
    for nb_id, rec in sorted(failed.items()):
        err = rec["error"]
        where = f"cell {err['cell']}" if err.get("cell") is not None else "vid start"
        print(f"MISSLYCKADES: {nb_id} ({where}): {err['ename']}: {err['evalue']}", file=sys.stderr)
    ok_ids = {k: str(out / "notebooks" / f"{k}.ipynb") for k, r in records.items() if r["status"] == "ok"}

    findings = _scan([out / "notebooks", out / "results"], config, key) if ok_ids else []
    manifest = {
        "jamtools_run": 1,
        "started": started.isoformat(timespec="seconds"),
        "versions": _versions(),
        "config_file": str(config.source) if config.source else None,
        "parameters": {k: v for k, v in config.parameters.items()},
        "notebook_parameters": config.notebook_parameters,
        "input_files": _input_files(config.data_dir),
        "notebooks": [records[nb.stem] for nb in notebooks],
        "leak_scan": {"findings": findings},
        "book": None,
    }
    code = 1 if failed else 0
    if findings:
        code = 1
        print("Läckagekontrollen hittade uppgifter som inte får publiceras; boken byggs inte:",
              file=sys.stderr)
        for f in findings:
            print(f"  {f['file']} ({f['location']}): {f['kind']}: {f['message']}", file=sys.stderr)
    elif build:
        reasons = {k: f"notebooken misslyckades ({r['error']['ename']}: {r['error']['evalue']})"
                   for k, r in failed.items()}
        stage = _stage_book(out, ok_ids, [nb.stem for nb in notebooks], config, reasons)
        ok, tail = build_book(stage, out / "html", log=out / "book-build.log")
        manifest["book"] = {"built": ok, "log": "book-build.log"}
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
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    n_ok = len(records) - len(failed)
    print(f"{n_ok} av {len(records)} notebooks kördes utan fel; resultat i {out}", file=sys.stderr)
    return code
