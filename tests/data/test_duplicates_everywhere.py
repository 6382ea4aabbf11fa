"""A row whose key repeats is a duplicate record, left out of every load of the table, whatever
columns a chapter asks for: a decision exported twice counted its hours twice in ht_01 and r4_02
(they read ``ht_beslut`` without ``beslut_id``), and bof_02 counted two duplicated investigations
that bof_03 (which reads the key) left out. Checked for each way a chapter reads a file: rows,
a cell table, a linked cell table; without and with the run's facts about the file; and a file
without repeats still gives a cell table (the key is not read into it)."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data import facts as run_facts
from jamtools.data import load_table
from jamtools.data.load import release_engine
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from tests.conftest import SYNTHETIC

STEP = "Dubbletter av id (beslut_id)"
MODES = {
    "rows": dict(columns=["beviljade_timmar"]),
    "cells": dict(columns=["beviljade_timmar"], cells=True),
    "linked": dict(columns=["person_id", "alder"], cells=True, linked=True),
}


def _export(folder, *, women: int, men: int):
    """ht_beslut with the first ``women`` women's and ``men`` men's rows written twice."""
    ht = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str, keep_default_na=False)
    twice = pd.concat([ht[ht["kon"] == "kvinna"].head(women), ht[ht["kon"] == "man"].head(men)])
    pd.concat([ht, twice], ignore_index=True).to_csv(folder / "ht_beslut.csv", index=False)
    (folder / "jamtools.yml").write_text(f"data_dir: {folder}\n", encoding="utf-8")
    return ht


@pytest.mark.parametrize("facts", [False, True], ids=["utan_fakta", "med_fakta"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_copy_of_a_repeated_key_is_left_out_whatever_the_columns(tmp_path, monkeypatch, mode, facts):
    ht = _export(tmp_path, women=2, men=1)
    if facts:
        path = tmp_path / "facts.json"
        check_inputs(load_config(tmp_path / "jamtools.yml")).facts.write(path)
        monkeypatch.setenv(run_facts.FACTS_ENV, str(path))
    else:
        monkeypatch.delenv(run_facts.FACTS_ENV, raising=False)
    release_engine()
    loaded = load_table("ht_beslut", data_dir=tmp_path, **MODES[mode])
    release_engine()
    assert loaded.excluded_by_reason()[STEP] == 6  # both copies of each: which one holds is unknown
    counts = loaded.counts_by_sex()["analysed"]
    expected = ht["kon"].value_counts()
    assert counts == {"kvinna": expected["kvinna"] - 2, "man": expected["man"] - 1}


@pytest.mark.parametrize("mode", ["cells", "linked"])
def test_a_file_without_repeats_still_gives_a_cell_table(tmp_path, monkeypatch, mode):
    _export(tmp_path, women=0, men=0)
    monkeypatch.delenv(run_facts.FACTS_ENV, raising=False)
    release_engine()
    loaded = load_table("ht_beslut", data_dir=tmp_path, **MODES[mode])
    release_engine()
    assert loaded.weight is not None and len(loaded.data) < loaded.n_rows()
    assert STEP not in loaded.excluded_by_reason() and "beslut_id" not in loaded.data


@pytest.mark.parametrize("mode", ["rows", "cells", "linked"])
def test_a_key_the_personnummer_gives_is_searched_too(tmp_path, monkeypatch, mode):
    """An export with personnummer and no person_id: the key is the pseudonym the engine makes
    of the number, and one client written twice is left out of every load (the review found 4
    rows kept where a load did not ask for person_id)."""
    from tests.owndata.harness import personnummer_for

    eb = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str, keep_default_na=False).head(300)
    born = pd.to_datetime(eb["ansokningsdatum"]) - pd.to_timedelta(eb["alder"].astype(int) * 365.25 + 30, "D")
    eb["personnummer"] = personnummer_for(born, eb["kon"])
    eb = eb.drop(columns=["person_id"])
    pd.concat([eb, eb.head(1)], ignore_index=True).to_csv(tmp_path / "eb_klienter.csv", index=False)
    monkeypatch.delenv(run_facts.FACTS_ENV, raising=False)
    kwargs = {"rows": dict(columns=["bistand_beviljat"]),
              "cells": dict(columns=["bistand_beviljat"], cells=True),
              "linked": dict(columns=["hushall_id", "bistand_beviljat"], cells=True, linked=True)}[mode]
    release_engine()
    loaded = load_table("eb_klienter", data_dir=tmp_path, **kwargs)
    release_engine()
    assert loaded.excluded_by_reason()["Dubbletter av id (person_id)"] == 2
    assert loaded.n_rows() + 2 <= 301 and "personnummer" not in loaded.data
