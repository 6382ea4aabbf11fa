"""A data table (rows read and analysed by sex) and the results file's counts do not show a
count of rows that rests on fewer persons than the threshold.

The shares hide a sex whose rows are one girl's six investigations (binary_outcome with
persons), but the data table counted rows: it showed the girls' 6 rows analysed, and the
results file its counts, so a reader had the number the share hid (and, beside the map of
bof_06, the hidden share itself). The data table now hides that sex's rows read and analysed,
as it does beside an analysed selection, and the results file's counts with them, on the cell
path and on the rows path."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters import bof
from jamtools.run import catalogue
from jamtools.run.notebook import setup

CHILD = {"enhet": None, "alder_min": 0, "alder_max": 17}


def _investigations(folder, girls: list[str]) -> None:
    """bof_utredningar: the girls' investigations (three with an insats, the rest without),
    and 20 boys' (each of another boy)."""
    rows = ([(p, "flicka", int(i < 3)) for i, p in enumerate(girls)]
            + [(f"b{i}", "pojke", i % 2) for i in range(20)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "insats_beviljad"])
    frame.insert(0, "utredning_id", [f"u{i}" for i in range(len(frame))])
    frame["startdatum"] = "2024-03-01"
    frame.to_csv(folder / "bof_utredningar.csv", sep=";", index=False)


def _page(monkeypatch, folder, rows: bool):
    cid = "bof_02_utredning_till_insats"
    with monkeypatch.context() as m:
        if rows:
            entry = catalogue.CHAPTERS[cid]
            m.setitem(catalogue.CHAPTERS, cid, dataclasses.replace(
                entry, needs=tuple(dataclasses.replace(n, cells=False, linked=False) for n in entry.needs)))
        page = bof.investigation_to_insats(setup(cid, {"data_dir": str(folder), **CHILD}))
    plt.close("all")
    return page


def _data_table(page):
    return next(t for t in page.part("data") if getattr(t, "data_table", None) == "bof_utredningar")


@pytest.mark.parametrize("rows", [False, True])
def test_one_girls_six_investigations_are_not_counted_in_the_data_table(tmp_path, monkeypatch, rows):
    _investigations(tmp_path, ["f0"] * 6)
    page = _page(monkeypatch, tmp_path, rows)
    frame = _data_table(page).frame
    girls = frame["Flickor"].astype(str).tolist()
    assert girls[0] == girls[-1] == disclosure.SUPPRESSED_MARK, frame  # rows read and analysed
    assert "6" not in set(frame["Flickor"].astype(str))
    assert frame["Pojkar"].astype(str).iloc[-1] == "20"
    counts = page.counts["bof_utredningar"]
    assert counts["analysed"]["flicka"] is None and counts["analysed"]["pojke"] == 20


@pytest.mark.parametrize("rows", [False, True])
def test_six_girls_investigations_are_shown(tmp_path, monkeypatch, rows):
    _investigations(tmp_path, [f"f{i}" for i in range(6)])
    page = _page(monkeypatch, tmp_path, rows)
    frame = _data_table(page).frame
    assert frame["Flickor"].astype(str).iloc[-1] == "6"
    assert page.counts["bof_utredningar"]["analysed"]["flicka"] == 6


def test_the_rule_counts_persons_of_rows_and_of_numbered_cells():
    rows = pd.DataFrame({"kon": ["flicka"] * 6 + ["pojke"] * 6,
                         "person_id": ["f0"] * 6 + [f"b{i}" for i in range(6)]})
    assert disclosure.hidden_for_few_persons(rows, 5, persons="person_id") == {"flicka"}
    assert disclosure.hidden_for_few_persons(rows, 5, persons=None) == set()
    cells = pd.DataFrame({"kon": ["flicka", "flicka", "pojke"], "__person": [1, -1, 0],
                          "n": [4, 2, 30]})
    # (one known girl and rows of no known girl: one; the boys' further persons: one, the
    # cell's first ones numbered elsewhere — only the girls are asked about here)
    assert "flicka" in disclosure.hidden_for_few_persons(cells, 5, persons="__person", weight="n")
