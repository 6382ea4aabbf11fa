"""The summary chapter (r4_05_realisera) runs after the chapters it summarises and shows exactly
their published numbers, ranked, with an action plan to fill in."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd

from jamtools.present import results as results_mod

from jamtools.chapters import summary

ROOT = Path(__file__).resolve().parents[1]


def test_summary_chapter_collects_the_run_results(tmp_path):
    out = tmp_path / "ut"
    # Listed first on purpose: the runner still runs the summary last.
    only = "r4_05_realisera,bof_01_utredning_inleds,bof_02_utredning_till_insats"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--only", only, "--out", str(out),
                           "--no-book"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results_mod.read(out / "results" / "r4_05_realisera.json")
    bof01 = results_mod.read(out / "results" / "bof_01_utredning_inleds.json")
    [adj] = [c for c in bof01["comparisons"] if c["measure"] == "risk_difference_pp" and c["adjusted"]]
    # The chapter shows bof_01's own adjusted estimate, first in rank, as a remaining gap.
    gaps = summary.gaps(out / "results", exclude=["r4_05_realisera"])
    first = gaps.iloc[0]
    assert first["question_id"] == "bof_01_utredning_inleds" and first["verdict"] == "kvarstar"
    assert first["adjusted_estimate"] == adj["estimate"]
    nb = nbformat.read(out / "notebooks" / "r4_05_realisera.ipynb", as_version=4)
    shown = "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells
                      if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"{adj['estimate']:+.1f}".replace(".", ",") in shown
    # bof_02's crude gap disappears after adjustment (planted): reported as such.
    bof02 = gaps[(gaps.question_id == "bof_02_utredning_till_insats") & (gaps.measure == "risk_difference_pp")]
    assert bof02["verdict"].tolist() == ["forsvinner"]
    plan = pd.read_csv(out / "results" / "r4_05_handlingsplan.csv", sep=";", encoding="utf-8-sig")
    assert len(plan) == (gaps["verdict"].isin(["kvarstar", "tydlig", "forsvinner"])).sum() >= 2
    assert plan[["Mål", "Åtgärd", "Ansvarig"]].isna().all().all()
