"""The runner: execute every question notebook with papermill, then build the book.

``run(...)`` writes, into ``out``:

- ``notebooks/<id>.ipynb``: the executed copies;
- ``results/<id>.json``: each notebook's machine-readable result (see ``jamtools.present.results``);
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

from jamtools.run import book, pdf
from jamtools.run.config import ROOT, RunConfig
from jamtools.run.catalogue import QUESTIONS, SUMMARIES

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
    """The source notebooks to run, in the catalogue's order (others, as in a test folder,
    after them by name); ``only`` selects by id (unknown ids are an error)."""
    files = {p.stem: p for p in sorted(Path(notebook_dir).glob("*.ipynb"))}
    found = {q: files[q] for q in QUESTIONS if q in files}
    found.update({i: p for i, p in files.items() if i not in found})
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


def _execute(source: str, target: str, params: dict, cwd: str, key: str) -> dict:
    """Execute one notebook (in a worker process); return its status record.

    The run's pseudonym key reaches the kernel through the environment, never as a papermill
    parameter: parameters are written into the executed notebook, the environment is not.
    """
    import papermill

    os.environ[PSEUDONYM_KEY_ENV] = key
    _quiet(Path(cwd).parent / "kernels.log")
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
    if record["status"] == "ok" or Path(target).exists():
        tag_cells(Path(target))
    record["kernel_starts"] = attempt + 1
    record["duration_s"] = round(time.time() - start, 2)
    return record


#: Cell tags the runner sets on every executed notebook (as cal-itp's portfolio does): the
#: reader's book shows a chapter's prose and outputs, never its code. The source notebooks carry
#: no display tags; only ``parameters`` (which papermill needs) is kept.
CODE_TAGS = ("remove-input",)
PARAMETER_TAGS = ("remove-cell",)


def tag_cells(path: Path) -> None:
    """Set the display tags of an executed notebook in place: the parameters cells (the
    notebook's and papermill's injected one) are removed from the book, every other code cell
    shows its output only."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t in ("parameters", "injected-parameters")]
        tags += PARAMETER_TAGS if tags else CODE_TAGS
        cell.metadata["tags"] = tags
    nbformat.write(nb, path)


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


def _input_files(config: RunConfig) -> list[dict]:
    """Exactly the sources the run reads: each table's file (name, path, SHA-256, size) or SQL
    query (the URL without its password)."""
    from jamtools.data.load import table_sources

    out = []
    sources = table_sources(None if config.source is None else config, data_dir=config.data_dir)
    for name, spec in sources.items():
        if "file" in spec:
            path = Path(str(spec["file"]))
            path = path if path.is_absolute() else Path(spec["_base"]) / path
            entry = {"table": name, "name": path.name, "path": str(path.resolve())}
            if path.is_file():
                entry.update(sha256=_sha256(path), bytes=path.stat().st_size)
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


def _placeholder(notebook_id: str, reason: str) -> nbformat.NotebookNode:
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


def describe_build(config: RunConfig, started: dt.datetime) -> str:
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
        files = [f["name"] for f in _input_files(config)]
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
                               sensitive_values=sorted(sensitive), secret_keys=[key])
    return findings.to_dict("records") if len(findings) else []


def run(config: RunConfig, out: str | Path, *, only: list[str] | None = None, jobs: int = 1,
        build: bool = True, notebook_dir: Path = NOTEBOOK_DIR, progress: bool = True) -> int:
    """Execute the notebooks, write results and manifest, scan for leaks, build the book.

    Returns the exit code: 0 when every notebook ran, the scan found nothing and the book built.
    """
    from tqdm import tqdm

    from jamtools.run.catalogue import CHAPTERS
    from jamtools.run.check import check_inputs

    out = Path(out).resolve()
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "results").mkdir(parents=True, exist_ok=True)
    for stale in (out / "results").glob("*.json"):  # a summary must never read an earlier run
        stale.unlink()
    requested = list_notebooks(notebook_dir, only)
    # The check comes first: every table read once, every problem reported, and only the
    # chapters the data can answer are run.
    report = check_inputs(config)
    report.write(out / "check.json")
    print(report.summary_line(), file=sys.stderr)
    skipped = {nb.stem: report.chapters[nb.stem].text() for nb in requested
               if nb.stem in CHAPTERS and not report.chapters[nb.stem].can_run}
    notebooks = [nb for nb in requested if nb.stem not in skipped]
    if skipped:
        print(f"{len(notebooks)} kapitel körs; {len(skipped)} saknar data: "
              + "; ".join(f"{k} ({v})" for k, v in skipped.items()), file=sys.stderr)
    if not notebooks:
        print("Inget kapitel kan köras med de här data; se kontrollen ovan (python -m jamtools "
              "check) och check.json.", file=sys.stderr)
    jobs_params = {}
    for nb in requested:  # every requested chapter's parameters are checked, also skipped ones
        params = config.for_notebook(nb.stem)
        params["results_path"] = str(out / "results" / f"{nb.stem}.json")
        if nb.stem in SUMMARIES:
            params["results_dir"] = str(out / "results")
        check_notebook_parameters(nb, params)
        if nb.stem not in skipped:
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
    for nb_id, rec in records.items():
        if rec["status"] == "ok" and _no_rows(out / "results" / f"{nb_id}.json"):
            rec["status"] = "no_rows"
            print(f"INGA RADER: {nb_id} kördes, men inga rader återstod att analysera (se kapitlets "
                  "datatabell för varför).", file=sys.stderr)
    ok_ids = {k: str(out / "notebooks" / f"{k}.ipynb") for k, r in records.items()
              if r["status"] in ("ok", "no_rows")}

    findings = _scan([out / "notebooks", out / "results"], config, key) if ok_ids else []
    manifest = {
        "jamtools_run": 1,
        "started": started.isoformat(timespec="seconds"),
        "versions": _versions(),
        "config_file": str(config.source) if config.source else None,
        "parameters": {k: v for k, v in config.parameters.items()},
        "notebook_parameters": config.notebook_parameters,
        "input_files": _input_files(config),
        "check": {"file": "check.json", "summary": report.summary_line()},
        "notebooks": [records[nb.stem] for nb in notebooks],
        "chapters_skipped": [{"id": k, "title": QUESTIONS.get(k, k), "reason": v}
                             for k, v in skipped.items()],
        "leak_scan": {"findings": findings},
        "book": None,
    }
    code = 1 if failed or not notebooks else 0
    if findings:
        code = 1
        print("Läckagekontrollen hittade uppgifter som inte får publiceras; boken byggs inte:",
              file=sys.stderr)
        for f in findings:
            print(f"  {f['file']} ({f['location']}): {f['kind']}: {f['message']}", file=sys.stderr)
    elif build:
        reasons = {k: f"notebooken misslyckades ({r['error']['ename']}: {r['error']['evalue']})"
                   for k, r in failed.items()}
        no_pdf = pdf.unavailable_reason()
        if no_pdf and pdf.required():
            print(f"PDF:erna krävs här (CI) men kan inte göras: {no_pdf}.", file=sys.stderr)
            code = 1
        missing: list[str] = []
        stage = _stage_book(out, ok_ids, [nb.stem for nb in notebooks], config, reasons,
                            skipped=skipped, check_page=report.markdown(threshold=int(config.parameters["threshold"])),
                            build_line=describe_build(config, started), pdfs=no_pdf is None,
                            missing=missing)
        ok, tail = build_book(stage, out / "html", log=out / "book-build.log")
        manifest["book"] = {"built": ok, "log": "book-build.log", "uncaptioned": missing}
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
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    n_ok = sum(1 for r in records.values() if r["status"] == "ok")
    n_empty = sum(1 for r in records.values() if r["status"] == "no_rows")
    line = f"{n_ok} kapitel kördes utan fel"
    if n_empty:
        line += f"; {n_empty} hade inga rader att analysera"
    if failed:
        line += f"; {len(failed)} misslyckades"
    if skipped:
        line += f"; {len(skipped)} saknar data: {', '.join(skipped)}"
    print(f"{line}. Resultat i {out}", file=sys.stderr)
    return code


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
