"""Runs through a real kernel: a notebook opened by hand (as in JupyterLab) with only
``config_file`` set, and a chapter left with no rows to analyse."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat

from tests.owndata.harness import NOTEBOOKS, demo_table, write_config, write_export


def _export(demo, tmp_path, change=None, **top):
    rows = demo_table(demo, "bof_utredningar")
    frame = rows[["kon", "alder", "startdatum", "anmalningsorsak", "insats_beviljad"]].rename(
        columns={"kon": "Kön", "alder": "Ålder", "startdatum": "Start", "anmalningsorsak": "Orsak",
                 "insats_beviljad": "Insats"})
    frame["Kön"] = frame["Kön"].map({"flicka": "F", "pojke": "P"})
    if change is not None:
        frame = change(frame)
    write_export(frame, tmp_path / "Utredningar.xlsx", fmt="xlsx")
    return write_config(tmp_path / "jamtools.yml", {"bof_utredningar": {
        "file": "Utredningar.xlsx", "sheet": "Export",
        "columns": {"Kön": "kon", "Ålder": "alder", "Start": "startdatum", "Orsak": "anmalningsorsak",
                    "Insats": "insats_beviljad"},
        "values": {"kon": {"F": "flicka", "P": "pojke"}}}}, organisation="Handkommunen", **top)


def test_a_notebook_opened_by_hand_with_config_file_reads_only_that_configuration(demo, tmp_path):
    """As in JupyterLab: the source notebook, its parameters cell edited by hand (only
    config_file), executed by a real kernel from the notebooks folder."""
    from nbclient import NotebookClient

    cfg = _export(demo, tmp_path)
    nb = nbformat.read(NOTEBOOKS / "bof_02_utredning_till_insats.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "config_file = None" in cell.source
    cell.source = cell.source.replace("config_file = None", f"config_file = {str(cfg)!r}")
    NotebookClient(nb, kernel_name="jamtools", timeout=600,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    shown = "\n".join(str(o.get("data", {}).get("text/markdown", "")) + str(o.get("data", {}).get("text/html", ""))
                      for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Handkommunen" in shown and "Exempelkommunen" not in shown
    assert "Utredningar.xlsx" in shown and "bof_utredningar.csv" not in shown


def _three_in_1990_without_decision(frame):
    """Three investigations in 1990 (the period below), none with its decision filled in: the
    check finds rows in the period, and the chapter's load leaves them out ('Saknar värde')."""
    frame = frame.copy()
    frame["Start"] = frame["Start"].astype(object)
    frame.loc[frame.index[:3], "Start"] = "1990-06-01"
    frame["Insats"] = frame["Insats"].astype(object)
    frame.loc[frame.index[:3], "Insats"] = None
    return frame


def test_a_chapter_with_no_rows_left_is_reported_as_such(demo, tmp_path):
    """The period has rows, but none the chapter can use: it runs and says so (INGA RADER). A
    period without any row is found by the check before the run (kan inte köras)."""
    cfg = _export(demo, tmp_path, _three_in_1990_without_decision,
                  period={"start": "1990-01-01", "end": "1990-12-31"})
    out = tmp_path / "korning"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--config", str(cfg), "--out", str(out),
                           "--only", "bof_02_utredning_till_insats", "--no-book"],
                          capture_output=True, text=True, timeout=900)
    terminal = proc.stdout + proc.stderr
    assert "INGA RADER: bof_02_utredning_till_insats" in terminal, terminal[-3000:]
    assert "0 kapitel kördes utan fel; 1 hade inga rader att analysera" in terminal
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["notebooks"][0]["status"] == "no_rows"
    nb = nbformat.read(out / "notebooks" / "bof_02_utredning_till_insats.ipynb", as_version=4)
    text = json.dumps([o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])],
                      ensure_ascii=False)
    assert "Det finns inga rader att analysera" in text and "Utanför den valda perioden" in text
    # no row at all in the period: the check says so, and the chapter is not run
    (tmp_path / "tom").mkdir()
    empty = _export(demo, tmp_path / "tom", period={"start": "1980-01-01", "end": "1980-12-31"})
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--config", str(empty), "--out",
                           str(tmp_path / "tom" / "korning"), "--only", "bof_02_utredning_till_insats", "--no-book"],
                          capture_output=True, text=True, timeout=900)
    terminal = proc.stdout + proc.stderr
    assert ("bof_02_utredning_till_insats (kan inte köras: saknar rader i bof_utredningar (under perioden "
            "1980-01-01 – 1980-12-31 har tabellen inga rader, bara utanför den") in terminal, terminal[-3000:]
    assert "för litet" not in text
