"""A blank personnummer where it is the table's key (eb_klienter, eb_utfall: one row per
person_id, made from the number) is a missing id. The probe found the check silent about six
applicants without a personnummer: eb_07 counted them as 18 women applicants while r4_01 showed
12 women clients and 18 analysed rows, with nothing naming the rows or what to do. Now the check
names the rows (saknat id), and the chapters that use the id leave them out as they do for a
blank id column."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data import facts as run_facts
from jamtools.data import load_table
from jamtools.data.load import release_engine
from tests.conftest import SYNTHETIC

MODES = {
    "rows": dict(columns=["person_id", "bistand_beviljat"]),
    "cells": dict(columns=["person_id", "bistand_beviljat"], cells=True),
    "linked": dict(columns=["person_id", "hushall_id", "bistand_beviljat"], cells=True, linked=True),
}


def _export(folder, blank: int):
    from tests.owndata.harness import personnummer_for

    eb = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str, keep_default_na=False).head(200)
    born = pd.to_datetime(eb["ansokningsdatum"]) - pd.to_timedelta(eb["alder"].astype(int) * 365.25 + 30, "D")
    eb["personnummer"] = personnummer_for(born, eb["kon"])
    eb = eb.drop(columns=["person_id"])
    eb.loc[eb.index[-blank:], "personnummer"] = ""  # kon is given: the rows keep their sex
    eb.to_csv(folder / "eb_klienter.csv", index=False)
    return eb


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_blank_personnummer_is_a_missing_id_named_and_left_out(tmp_path, monkeypatch, mode):
    eb = _export(tmp_path, blank=4)
    monkeypatch.delenv(run_facts.FACTS_ENV, raising=False)
    release_engine()
    loaded = load_table("eb_klienter", data_dir=tmp_path, **MODES[mode])
    release_engine()
    missing = [p for p in loaded.checked.problems if p.kind == "missing_id"]
    assert len(missing) == 1 and missing[0].count == 4 and missing[0].column == "person_id"
    assert missing[0].rows == (198, 199, 200, 201)  # as a spreadsheet numbers them
    assert "saknat id, missing id (personnumret saknas): 4 rader, till exempel rad 198" in missing[0].message()
    assert loaded.excluded_by_reason()["Saknat id (person_id)"] == 4
    assert loaded.n_rows() == len(eb) - 4
