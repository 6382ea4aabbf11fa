"""The protection of a selection's count counts the rows by sex once per analysis, and a data
table not at all (its LoadResult's account holds the counts).

A reviewer measured on 2 M rows: ``hidden_in_selection`` grouped all rows by sex three times
(its own count, ``hidden_beside_selections`` and ``_all_rows``: 0.65 → 1.9 s), an amount's
analysis twice more, and ``quality_table`` scanned every row even when nothing was analysed
before it. A spy counts the group-bys of the rows by sex (``_units_by_sex`` and
``amount_cells``); a timed test would depend on the machine.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jamtools.disclosure as D
from jamtools.data.load import LoadResult, forget_shown
from jamtools.data.model import TABLES
from jamtools.disclosure import analyses as analysis
from jamtools.present.report import quality_table

SEXES = ("kvinna", "man")


@pytest.fixture(autouse=True)
def _new_run():
    forget_shown()
    yield
    forget_shown()


@pytest.fixture
def scans(monkeypatch):
    """The number of group-bys of an analysis' rows by sex, by the function that made them."""
    calls: list[str] = []
    for name in ("_units_by_sex", "amount_cells"):
        real = getattr(D, name)
        monkeypatch.setattr(D, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    return calls


def _loaded() -> LoadResult:
    """300 women and 330 men; 10 men left out by the load, 3 men without ``forflyttning``."""
    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 330, "y": [0, 1] * 315, "z": 1.0,
                          "belopp": np.arange(630) * 10.0, "forflyttning": 1.0})
    frame.loc[300:302, "forflyttning"] = np.nan
    frame.loc[320:329, "z"] = np.nan
    loaded = LoadResult(table=TABLES["eb_utfall"], data=frame, source="eb_utfall.csv")
    loaded._record("Inlästa rader", frame, "inlästa")
    return loaded.exclude(loaded.data["z"].isna(), "Saknar värde (z)")


def _select(whole: LoadResult) -> LoadResult:
    return whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")


def test_an_analysis_counts_its_rows_by_sex_once(scans):
    whole = _loaded()
    selection = _select(whole)
    result = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5, total_shown=False)
    assert scans == ["_units_by_sex"]
    assert not result.shares["suppressed"].any()            # nothing shown before: nothing hidden
    scans.clear()
    # the whole after its selection: compared with it, and recorded, on one count
    assert D.hidden_in_selection(whole.data, 5) == {"man"}  # 320 beside 317: 3 men
    assert scans == ["_units_by_sex"]


def test_an_amount_analysis_counts_its_rows_by_sex_once(scans):
    whole = _loaded()
    first = analysis.amount_outcome(_select(whole).data, "belopp", levels=SEXES, threshold=5, n_boot=10)
    assert scans == ["amount_cells"]
    scans.clear()
    later = analysis.amount_outcome(whole.data, "belopp", levels=SEXES, threshold=5, n_boot=10)
    assert scans == ["amount_cells"]
    men = later.summary.set_index("kon").loc["man"]
    assert bool(men["suppressed"])                           # 320 beside 317: hidden all the same
    assert not first.summary["suppressed"].any()
    scans.clear()
    # by a category: one more group-by, of the category's cells
    analysis.amount_outcome(whole.data.assign(grupp="a"), "belopp", levels=SEXES, threshold=5, n_boot=10,
                            by="grupp")
    assert scans == ["amount_cells", "amount_cells"]


def test_a_data_table_takes_its_counts_from_the_account(scans):
    whole = _loaded()
    quality_table(whole, threshold=5)                        # nothing analysed before it
    assert scans == []
    forget_shown()
    analysis.binary_outcome(_select(whole).data, "y", levels=SEXES, threshold=5, total_shown=False)
    scans.clear()
    table = quality_table(whole, threshold=5)                # a selection analysed before it
    assert scans == []
    assert table.hidden_beside == {"man"}
