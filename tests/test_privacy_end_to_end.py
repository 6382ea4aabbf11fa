"""Privacy end to end: personnummer, names and a unit with two children in the input; a run of
every notebook and the book leaks none of it; a leaky notebook stops the build."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from jamtools.run import scan
from jamtools.data.pseudonym import luhn_ok
from tests.helpers import Background

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
PILOT = "bof_02_utredning_till_insats"
THRESHOLD = 5
# A personnummer written as YYMMDD-NNNN, YYYYMMDDNNNN, with '+' or without separator.
PNR_BYTES = re.compile(rb"(?<![0-9])([0-9]{8}|[0-9]{6})[-+]?([0-9]{4})(?![0-9])")


def _numbers_in(raw: bytes) -> set[str]:
    """Every personnummer-shaped digit run in ``raw``, in its 10-digit form."""
    return {(m.group(1)[-6:] + m.group(2)).decode() for m in PNR_BYTES.finditer(raw)}


def _ten_digits(pnr: str) -> str:
    digits = pnr.replace("-", "").replace("+", "")
    return digits[-10:]


def _pnr(k: int) -> str:
    """A valid personnummer (correct check digit) for a child born 2008–2017."""
    date = f"{8 + k % 10:02d}{1 + k % 12:02d}{1 + k % 28:02d}"
    serial = f"{k % 1000:03d}"
    digit = next(d for d in range(10) if luhn_ok(date + serial + str(d)))
    return f"20{date}-{serial}{digit}"


def make_planted_input(data: Path) -> set[str]:
    """The synthetic tables in ``data``, with personnummer and names in bof_utredningar and a
    unit of two children; returns the planted secrets."""
    data.mkdir(parents=True, exist_ok=True)
    for f in SYNTHETIC.glob("*.csv"):
        shutil.copy(f, data)
    utr = pd.read_csv(data / "bof_utredningar.csv", dtype=str)
    people = {p: k for k, p in enumerate(utr["person_id"].unique())}
    utr["personnummer"] = utr["person_id"].map(lambda p: _pnr(people[p]))
    utr["namn"] = utr["person_id"].map(lambda p: f"Testbarn{people[p]} Exempelsson")
    utr.loc[utr.index[:2], "enhet"] = "Lilla"  # a unit with two children
    utr.to_csv(data / "bof_utredningar.csv", index=False)
    akt = pd.read_csv(data / "bof_aktualiseringar.csv", dtype=str)
    akt.loc[akt["aktualisering_id"].isin(utr["aktualisering_id"].iloc[:2]), "enhet"] = "Lilla"
    akt.to_csv(data / "bof_aktualiseringar.csv", index=False)
    # ... and in every other table with units, so that every chapter that takes a unit has it
    # (a unit a table lacks stops the chapter, or leaves an optional table out)
    for f in data.glob("*.csv"):
        if f.name not in ("bof_utredningar.csv", "bof_aktualiseringar.csv"):
            other = pd.read_csv(f, dtype=str)
            if "enhet" in other.columns:
                other.loc[other.index[:2], "enhet"] = "Lilla"
                other.to_csv(f, index=False)
    return set(utr["personnummer"]) | set(utr["namn"])


class PlantedRun:
    """Every notebook and the book on the planted input, the unit "Lilla" chosen wherever a
    notebook takes a unit: ``python -m jamtools run`` started in ``folder``
    (:class:`tests.helpers.Background`), awaited by :meth:`result`."""

    def __init__(self, folder: Path):
        self.data = folder / "indata"
        self.secrets = make_planted_input(self.data)
        notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
        per_nb = {nb.stem: {"enhet": "Lilla"} for nb in notebooks
                  if "enhet" in papermill.inspect_notebook(str(nb))}
        cfg = folder / "jamtools.yml"
        cfg.write_text(json.dumps({"data_dir": str(self.data), "threshold": THRESHOLD,
                                   "organisation": "Testkommunen", "notebooks": per_nb}),
                       encoding="utf-8")
        self.out = folder / "ut"
        self.run = Background([sys.executable, "-m", "jamtools", "run", "--config", str(cfg),
                               "--out", str(self.out)], logs=folder, cwd=ROOT, remove=folder)
        self.result, self.stop = self.run.result, self.run.stop


#: Started by tests/conftest.py when this module's tests are collected, so that the run (minutes)
#: goes on beside the rest of the suite; None when the module is run on its own.
RUNNING: PlantedRun | None = None


def start() -> PlantedRun:
    """Start :class:`PlantedRun` in a fresh folder (see :data:`RUNNING`)."""
    import tempfile

    global RUNNING
    RUNNING = PlantedRun(Path(tempfile.mkdtemp(prefix="jamtools-planted-")))
    return RUNNING


@pytest.fixture(scope="module")
def planted_run() -> PlantedRun:
    return RUNNING or start()


@pytest.fixture(scope="module")
def planted_input(planted_run):
    return planted_run.data, planted_run.secrets


@pytest.fixture(scope="module")
def small_unit_run(planted_run):
    return planted_run.out, planted_run.result()


def test_run_on_planted_input_succeeds_and_scan_finds_nothing(small_unit_run, planted_input):
    out, proc = small_unit_run
    data, secrets = planted_input
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "html" / "index.html").exists()
    findings = scan.scan_paths([out], threshold=THRESHOLD, sensitive_values=sorted(secrets))
    assert findings.empty, findings.to_string()
    # No personnummer (in any written form) or name appears in any file of the output, text or
    # binary: every candidate digit run is normalised to its 10-digit form and looked up.
    numbers = {_ten_digits(p) for p in secrets if p[:2] == "20"}
    names = {n.encode() for n in secrets if n[:2] != "20"}
    # The grep finds them where they are: in the input, in both written forms.
    raw_input = (data / "bof_utredningar.csv").read_bytes()
    assert len(_numbers_in(raw_input) & numbers) > 100
    assert len(_numbers_in(raw_input.replace(b"-", b"")) & numbers) > 100
    files = [f for f in out.rglob("*") if f.is_file()]
    assert len(files) > 50  # the whole output: notebooks, results, html, images, logs
    for f in files:
        raw = f.read_bytes()
        assert b"Exempelsson" not in raw and not any(n in raw for n in names), f
        found = _numbers_in(raw) & numbers
        assert not found, f"{f}: {len(found)} personnummer"


def test_two_children_appear_nowhere_as_a_small_count(small_unit_run):
    out, _ = small_unit_run
    res = json.loads((out / "results" / f"{PILOT}.json").read_text(encoding="utf-8"))
    analysed = res["counts"]["bof_utredningar"]["analysed"]
    assert all(v is None or v == 0 or v >= THRESHOLD for v in analysed.values()), analysed
    for comp in res["comparisons"]:
        for key in ("n_a", "n_b", "events_a", "events_b"):
            assert comp[key] is None or comp[key] == 0 or comp[key] >= THRESHOLD, comp
        assert comp["suppressed"] and comp["estimate"] is None
    page = (out / "html" / "notebooks" / f"{PILOT}.html").read_text(encoding="utf-8")
    assert ".." in page  # suppressed cells are shown as '..'


def test_leaky_notebook_stops_the_build_naming_notebook_and_cell(tmp_path):
    """Two leaks: the loaded table itself (the chapter reads the engine's cell table, whose
    counts have not passed disclosure) and a table read row by row past the loader."""
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    nb = nbformat.read(ROOT / "notebooks" / f"{PILOT}.ipynb", as_version=4)
    leaks = [nbformat.v4.new_code_cell('ctx.load("bof_utredningar").data.head()'),
             nbformat.v4.new_code_cell(f'pd.read_csv({str(SYNTHETIC / "bof_utredningar.csv")!r}).head()')]
    nb.cells[1:1] = [nbformat.v4.new_code_cell("import pandas as pd")]
    for leak in leaks:
        leak.pop("id", None)
        nb.cells.append(leak)
    # papermill adds its injected-parameters cell; cells are numbered from 1
    cells_loaded, cells_rows = len(nb.cells), len(nb.cells) + 1
    for cell in nb.cells:
        cell.pop("id", None)
    nbformat.write(nb, nbdir / f"{PILOT}.ipynb")
    out = tmp_path / "ut"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--out", str(out),
                           "--notebooks", str(nbdir)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0
    assert "boken byggs inte" in proc.stderr
    assert f"{PILOT}.ipynb (cell {cells_loaded}): cell_table" in proc.stderr, proc.stderr[-2000:]
    assert f"{PILOT}.ipynb (cell {cells_rows}): row_level_table" in proc.stderr, proc.stderr[-2000:]
    assert not (out / "html").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["leak_scan"]["findings"] and manifest["book"] is None


def test_the_data_page_hides_totals_chapters_hide_and_the_run_names_crossings(small_unit_run):
    """The run's data page shows no table's number of rows of which a chapter hides a count
    (with the rows the chapters show, the total would give it back), and the manifest names
    every table and sex that one chapter hides and another shows, as the results files say."""
    out, _ = small_unit_run
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "results").glob("*.json"))]
    hidden = {(t, s): [] for r in records for t, c in (r.get("counts") or {}).items()
              for s, v in (c.get("analysed") or {}).items() if v is None}
    assert hidden  # the unit "Lilla" is small: chapters hide counts
    page = (out / "_book" / "book" / "korningens_data.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line.split("|")[3].strip() for line in page.splitlines()
            if line.startswith("| `")}
    for table, _ in hidden:
        assert rows[table] == "..", (table, rows)
    assert "'..' = antalet rader visas inte" in page
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    crossed = manifest["disclosure_across_chapters"]
    shown = {(r["question_id"], t, s) for r in records for t, c in (r.get("counts") or {}).items()
             for s, v in (c.get("analysed") or {}).items() if v is not None}
    for f in (f for f in crossed if f["count"] == "analysed"):
        assert all((q, f["table"], f["sex"]) in shown for q in f["shown_by"])
        assert (f["table"], f["sex"]) in hidden
    expected = {k for k in hidden if any((q, *k) in shown for q in {r["question_id"] for r in records})}
    assert {(f["table"], f["sex"]) for f in crossed if f["count"] == "analysed"} == expected
    # rows read (analysed plus left out, a sex absent from "excluded" had none left out): one
    # chapter hides them, another shows them, and the hiding chapter was not named already for
    # the rows analysed of its own selection beside every chapter that shows the rows read
    read, analysed_by = {}, {}
    for r in records:
        selection = json.dumps([r.get("period"), r.get("filters") or {}], sort_keys=True)
        for t, c in (r.get("counts") or {}).items():
            analysed, excluded = c.get("analysed") or {}, c.get("excluded") or {}
            for s in {*analysed, *excluded}:
                a, e = analysed.get(s, 0), excluded.get(s, 0)
                read.setdefault((t, s), {})[r["question_id"]] = None if a is None or e is None else a + e
            for s, a in analysed.items():
                analysed_by.setdefault((t, s), {})[r["question_id"]] = (selection, a)

    def named(k, q, showers):
        selection, a = analysed_by.get(k, {}).get(q, (None, 0))
        return a is None and showers <= {o for o, (sel, v) in analysed_by[k].items()
                                          if v is not None and sel == selection}

    expected_read = {k for k, by in read.items()
                     if any(v is None and not named(k, q, {o for o, w in by.items() if w is not None})
                            for q, v in by.items())
                     and any(v is not None for v in by.values())}
    assert {(f["table"], f["sex"]) for f in crossed if f["count"] == "read"} == expected_read
    if crossed:
        assert "inte ska publiceras tillsammans" in page
