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
    # each finding as the results files say: the hiding chapters record the count hidden, the
    # showing ones a number
    shown = {(r["question_id"], t, s) for r in records for t, c in (r.get("counts") or {}).items()
             for s, v in (c.get("analysed") or {}).items() if v is not None}
    by_chapter = {(r["question_id"], t, s) for r in records for t, c in (r.get("counts") or {}).items()
                  for s, v in (c.get("analysed") or {}).items() if v is None}
    for f in (f for f in crossed if f["count"] == "analysed"):
        assert all((q, f["table"], f["sex"]) in shown for q in f["shown_by"]), f
        assert all((q, f["table"], f["sex"]) in by_chapter for q in f["hidden_by"]), f
    # What the planted data give, written out: the chapters of the unit "Lilla" (two children,
    # two rows of each other table) hide both sexes' rows analysed of their tables, and hl_01
    # (the whole organisation) shows them: named as other selections; their rows read are the
    # file's, the same rows: named as such (bof_insatser: only the girls are hidden).
    both = [(t, s) for t, sexes in [("bof_aktualiseringar", ("flicka", "pojke")),
                                    ("bof_utredningar", ("flicka", "pojke")), ("bof_insatser", ("flicka",)),
                                    ("eb_planering", ("kvinna", "man")), ("eb_insatser", ("kvinna", "man")),
                                    ("eb_utfall", ("kvinna", "man")), ("eb_klienter", ("kvinna", "man")),
                                    ("ht_beslut", ("kvinna", "man")), ("um_indikatorer", ("kvinna", "man"))]
            for s in sexes]
    analysed = {(f["table"], f["sex"]): f for f in crossed if f["count"] == "analysed"}
    read = {(f["table"], f["sex"]): f for f in crossed if f["count"] == "read"}
    assert set(analysed) == set(both) and set(read) == set(both)
    assert all("hl_01_konsuppdelad_statistik" in f["shown_by"] and f["same_selection"] is False
               for f in analysed.values())
    assert all(f["same_selection"] is True and set(analysed[k]["hidden_by"]) <= set(f["hidden_by"])
               for k, f in read.items())
    pilot = analysed[("bof_utredningar", "flicka")]
    assert (pilot["hidden_by"], pilot["shown_by"]) == (
        [PILOT, "bof_05_bemotande_av_foraldrar", "bof_06_processkarta"], ["hl_01_konsuppdelad_statistik"])
    # steps of the data tables: the rows of other units, of the pilot's file, follow by difference
    steps = {(f["table"], f["sex"], f["step"]): f for f in crossed if f["count"] == "step"}
    other_units = steps[("bof_utredningar", "okant", "Annan enhet än Lilla")]
    assert other_units["by_difference"] is True and other_units["hidden_by"][0] == PILOT
    # and the book's data page names them
    assert "inte ska publiceras tillsammans" in page
    assert "| Utredningar om barn (`bof_utredningar`) | Flickor | analyserade rader (olika urval) |" in page
