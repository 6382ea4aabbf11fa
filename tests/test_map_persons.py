"""A process map protects across its page a count that rests on few persons, not only a count of
few rows (:func:`jamtools.disclosure.linked.protect_map` with :func:`map_counts`' ``persons``).

A step hides a share whose count with or without the outcome rests on fewer than the threshold
persons (six reports of one girl). The same count must not come back as the difference of two
counts the page shows elsewhere: the data table's rows less the next step's denominator.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters import bof
from jamtools.data.pseudonym import PERSON, UNKNOWN_PERSON
from jamtools.disclosure import PERSONS_EVENTS, PERSONS_OTHERS, linked
from jamtools.present.report import Table

sys.path.insert(0, str(Path(__file__).parent))
from test_persons_more_chapters import _hidden, _run  # noqa: E402  (the bof_06 runs on cells and rows)

STEP_1 = bof.STEPS["utredning_inledd"]


def _export(folder, *, one_girl: bool) -> None:
    """bof_aktualiseringar: 40 girls' reports, of which 6 opened no investigation (one girl's
    six, or six girls'), 57 boys' (27 opened); bof_utredningar: one investigation per opened
    report, 21 of the girls' 34 and 11 of the boys' 27 led to insats."""
    girls = ([("f0", "flicka", 0)] * 6 if one_girl else [(f"f{i}", "flicka", 0) for i in range(6)])
    rows = (girls + [(f"g{i}", "flicka", 1) for i in range(34)]
            + [(f"b{i}", "pojke", 1) for i in range(27)] + [(f"c{i}", "pojke", 0) for i in range(30)])
    reports = pd.DataFrame(rows, columns=["person_id", "kon", "utredning_inledd"])
    reports.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(reports))])
    reports["enhet"], reports["datum"] = "X", "2024-03-01"
    reports.to_csv(folder / "bof_aktualiseringar.csv", sep=";", index=False)
    opened = reports[reports["utredning_inledd"] == 1]
    u = opened[["aktualisering_id", "person_id", "kon", "enhet"]].assign(
        startdatum="2024-03-02", insats_beviljad=[1] * 21 + [0] * 13 + [1] * 11 + [0] * 16)
    u.insert(0, "utredning_id", [f"u{i}" for i in range(len(u))])
    u.to_csv(folder / "bof_utredningar.csv", sep=";", index=False)


def _shown_by_sex(page) -> dict[str, set[float]]:
    """Every count of the page a reader can combine, by sex: the data tables (columns Flickor,
    Pojkar), the step table's counts, the results file's counts and the comparisons' counts."""
    seen: dict[str, set[float]] = {"flicka": set(), "pojke": set()}
    columns = {"Flickor": "flicka", "Pojkar": "pojke"}
    for part in page.parts.values():
        for item in part:
            if not isinstance(item, Table):
                continue
            frame = item.frame
            for col, sex in columns.items():  # a data table
                if col in frame:
                    seen[sex] |= {float(v) for v in (re.sub(r"\s", "", str(x)) for x in frame[col])
                                  if re.fullmatch(r"\d+", v)}
            if "Kön" in frame:  # the step table: its counts
                for _, row in frame.iterrows():
                    sex = columns.get(row["Kön"])
                    values = [re.sub(r"\s", "", str(row.get(col, ""))) for col in ("Antal", "Antal med utfallet")]
                    values = [float(v) for v in values if re.fullmatch(r"\d+", v)]
                    if sex:  # a step shown also shows its denominator less its outcome
                        seen[sex] |= set(values) | ({values[0] - values[1]} if len(values) == 2 else set())
    for record in page.counts.values():
        for values in record.values():
            for sex, v in values.items():
                if v is not None and sex in seen:
                    seen[sex].add(float(v))
    comparisons = page.comparisons
    for a, b in (("n_a", "events_a"), ("n_b", "events_b")):
        sex = "flicka" if a == "n_a" else "pojke"  # bof's levels: flicka − pojke
        for n, e in zip(comparisons[a], comparisons[b]):
            if pd.notna(n) and pd.notna(e):
                seen[sex] |= {float(n), float(e), float(n) - float(e)}
    return seen


@pytest.mark.parametrize("rows", [False, True])
def test_one_girls_six_reports_cannot_be_computed_from_the_page(tmp_path, monkeypatch, rows):
    """One girl's 6 reports without an investigation, among 40 girls' reports: step 1 hides the
    girls' share (6 rests on one girl), and no two counts the page shows for girls differ by 6
    (the data table's 40 reports less step 2's 34 investigations gave it back)."""
    _export(tmp_path, one_girl=True)
    page, got = _run(monkeypatch, tmp_path, "bof_06_processkarta", bof.process_map, rows)
    assert _hidden(got["utredning_inledd"][-1].shares, "kon", "flicka")
    karta = page.comparisons[page.comparisons["steg"] == STEP_1]
    assert karta["suppressed"].astype(bool).all()
    girls = _shown_by_sex(page)["flicka"]
    assert girls, "the page shows some counts of girls"
    assert 6.0 not in girls
    assert not [(a, b) for a in girls for b in girls if a - b == 6], sorted(girls)
    # the step 2 is shown (the cheaper side is hidden: the reports' data table)
    assert not _hidden(got["insats_beviljad"][-1].shares, "kon", "flicka")
    assert page.counts["bof_aktualiseringar"]["analysed"]["flicka"] is None


@pytest.mark.parametrize("rows", [False, True])
def test_six_girls_reports_are_shown(tmp_path, monkeypatch, rows):
    """Six girls' reports without an investigation: nothing is hidden for persons."""
    _export(tmp_path, one_girl=False)
    page, got = _run(monkeypatch, tmp_path, "bof_06_processkarta", bof.process_map, rows)
    assert not _hidden(got["utredning_inledd"][-1].shares, "kon", "flicka")
    assert page.counts["bof_aktualiseringar"]["analysed"]["flicka"] == 40
    girls = _shown_by_sex(page)["flicka"]
    assert {40.0, 34.0} <= girls


# --- the library: protect_map and map_counts with persons ------------------------------------

def _counts(persons_others: int) -> pd.DataFrame:
    """Step 1 (reports → investigation) and step 2 (investigations → insats) of girls and boys,
    with the persons of each count: the girls' 6 reports without an investigation rest on
    ``persons_others`` girls."""
    return pd.DataFrame([
        {"steg": "1", "kon": "flicka", "n": 40.0, "events": 34.0, PERSONS_EVENTS: 34, PERSONS_OTHERS: persons_others},
        {"steg": "1", "kon": "pojke", "n": 57.0, "events": 27.0, PERSONS_EVENTS: 27, PERSONS_OTHERS: 30},
        {"steg": "2", "kon": "flicka", "n": 34.0, "events": 20.0, PERSONS_EVENTS: 20, PERSONS_OTHERS: 14},
        {"steg": "2", "kon": "pojke", "n": 27.0, "events": 11.0, PERSONS_EVENTS: 11, PERSONS_OTHERS: 16}])


def _shares(counts: pd.DataFrame) -> pd.DataFrame:
    return disclosure.stack({s: disclosure.disclose_shares(
        counts[counts["steg"] == s].drop(columns="steg").assign(
            share=lambda t: t["events"] / t["n"], ci_low=0.0, ci_high=1.0), threshold=5)
        for s in ("1", "2")}, "steg")


OTHERS = {"data:anmalningar": {"flicka": [40.0, 40.0], "pojke": [57.0, 57.0]},
          "data:utredningar": {"flicka": [34.0, 34.0], "pojke": [27.0, 27.0]}}


def test_protect_map_protects_a_count_of_few_persons():
    counts = _counts(persons_others=1)
    shares = _shares(counts)
    assert set(shares.loc[shares["suppressed"].astype(bool), "steg"]) == {"1"}
    steps, others = linked.protect_map(counts, shares, others=OTHERS, threshold=5)
    # 40 − 34 = 6 one girl's: the reports (data table) or the investigations (step 2 and their
    # data table) are hidden wherever shown
    assert "1" in steps
    shown = {name: by for name, by in {**linked.step_displays(counts), **OTHERS}.items()
             if name not in steps | others}
    girls = {v for by in shown.values() for v in by["flicka"]}
    assert not {40.0, 34.0} <= girls
    assert others == {"data:anmalningar"} and steps == {"1"}


def test_protect_map_without_persons_is_unchanged():
    """Without the persons columns (or with enough persons) nothing more is hidden."""
    for counts in (_counts(persons_others=6),
                   _counts(persons_others=1).drop(columns=[PERSONS_EVENTS, PERSONS_OTHERS])):
        shares = _shares(counts)
        assert not shares["suppressed"].astype(bool).any()
        assert linked.protect_map(counts, shares, others=OTHERS, threshold=5) == (set(), set())
    # a step hidden for persons, whose counts' persons the map is not given: as before
    counts = _counts(persons_others=1)
    shares = _shares(counts)
    plain = counts.drop(columns=[PERSONS_EVENTS, PERSONS_OTHERS])
    assert linked.protect_map(plain, shares, others=OTHERS, threshold=5) == ({"1"}, set())


def test_map_counts_counts_the_persons_of_rows_and_cells():
    """map_counts' persons: the distinct persons with and without the outcome by sex, from ids
    on rows and from numbered persons on a cell table; -1 for a step that counts rows."""
    rows = pd.DataFrame({"kon": ["flicka"] * 10 + ["pojke"] * 7,
                         "person_id": ["f0"] * 6 + ["g1", "g2", "g3", "g4"] + [f"b{i}" for i in range(7)],
                         "utfall": [0] * 6 + [1] * 4 + [1] * 7})
    cells = pd.DataFrame({"kon": ["flicka", "flicka", "flicka", "flicka", "pojke", "pojke"],
                          PERSON: [1, 2, UNKNOWN_PERSON, 3, 1, 2],
                          "utfall": [0, 1, 1, 0, 1, 1], "antal": [6, 4, 2, 0, 3, 4]})
    counted = linked.map_counts({"rader": (rows, "utfall", None), "celler": (cells, "utfall", "antal"),
                                 "utan": (rows, "utfall", None)},
                                levels=["flicka", "pojke"],
                                persons={"rader": "person_id", "celler": PERSON, "utan": None})
    got = counted.set_index(["steg", "kon"])[["n", "events", PERSONS_EVENTS, PERSONS_OTHERS]]
    assert got.loc[("rader", "flicka")].tolist() == [10, 4, 4, 1]
    assert got.loc[("rader", "pojke")].tolist() == [7, 7, 7, 0]
    # the cell of person 3 has no units: no one's; the unknown person adds none beside person 2
    assert got.loc[("celler", "flicka")].tolist() == [12, 6, 1, 1]
    assert got.loc[("celler", "pojke")].tolist() == [7, 7, 2, 0]
    assert got.loc[("utan", "flicka")].tolist() == [10, 4, -1, -1]
    # without persons: the columns as before
    plain = linked.map_counts({"rader": (rows, "utfall", None)}, levels=["flicka", "pojke"])
    assert list(plain.columns) == ["steg", "kon", "n", "events"]
