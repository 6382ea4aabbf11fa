"""The disclosed analyses on a cell table (one row per combination of values with its number
of rows, as ``load_table(..., cells=True)`` gives it, ``weight=``) give exactly what they give on
the rows the table counts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.disclosure import analyses as analysis

LEVELS = ("kvinna", "man")


def _rows(seed: int = 5, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    woman = rng.random(n) < 0.55
    adl = rng.integers(0, 5, n)
    alone = (rng.random(n) < np.where(woman, 0.7, 0.4)).astype(int)
    year = rng.integers(2020, 2024, n)
    hours = np.round(8 + 6 * adl + 4 * alone - 2 * woman + rng.normal(0, 3, n)).clip(0, None)
    kind = np.where(adl > 2, "hög", "låg")
    granted = rng.random(n) < np.where(woman, 0.6, 0.5)
    return pd.DataFrame({"kon": np.where(woman, "kvinna", "man"), "adl": adl, "ensam": alone,
                         "ar": year, "timmar": hours, "grupp": kind, "beviljad": granted})


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    cells = rows.groupby(list(rows.columns), observed=True).size().rename("antal_rader").reset_index()
    assert len(cells) < len(rows) / 2
    return cells.sample(frac=1.0, random_state=1).reset_index(drop=True)  # order does not matter


def _same(a: pd.DataFrame | None, b: pd.DataFrame | None) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_exact=False, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("threshold", [3, 400])
def test_amount_outcome_on_cells_equals_rows(threshold):
    rows = _rows()
    cells = _cells(rows)
    kw = dict(covariates=["adl", "ensam"], levels=LEVELS, by="grupp", decompose=True,
              threshold=threshold, n_boot=199)
    got = analysis.amount_outcome(cells, "timmar", weight="antal_rader", **kw)
    want = analysis.amount_outcome(rows, "timmar", **kw)
    for part in ("summary", "comparisons", "by_summary", "decomposition"):
        _same(getattr(got, part), getattr(want, part))


def test_amount_change_on_cells_equals_rows():
    rows = _rows()
    cells = _cells(rows)
    kw = dict(covariates=["adl"], levels=LEVELS)
    got = analysis.amount_change(cells, "timmar", "ar", 2022, weight="antal_rader", **kw)
    want = analysis.amount_change(rows, "timmar", "ar", 2022, **kw)
    for part in ("by_period", "phases", "change"):
        _same(getattr(got, part), getattr(want, part))
    few = rows[(rows.ar < 2022) | (rows.kon == "kvinna")]  # no man after: not estimable
    got = analysis.amount_change(_cells(few), "timmar", "ar", 2022, weight="antal_rader", **kw)
    _same(got.change, analysis.amount_change(few, "timmar", "ar", 2022, **kw).change)


def test_binary_outcome_on_cells_equals_rows():
    rows = _rows()
    cells = _cells(rows)
    kw = dict(covariates=["adl", "ensam"], levels=LEVELS, by="grupp")
    got = analysis.binary_outcome(cells, "beviljad", weight="antal_rader", **kw)
    want = analysis.binary_outcome(rows, "beviljad", **kw)
    for part in ("shares", "comparisons", "by_shares"):
        _same(getattr(got, part), getattr(want, part))


def test_an_amount_that_counts_records_is_protected_as_a_count():
    """A client's number of interventions: 6 men with 4 interventions between them. Their
    mean (0.67) times their number (6) gives the 4 interventions a table of interventions
    hides, so the sum is protected as a count: the men's row is hidden, and the women's too
    (their share of the total would give it). An amount that is not a count (hours) is not."""
    import numpy as np
    import pandas as pd

    from jamtools.disclosure.analyses import disclose_amount_summary

    summary = pd.DataFrame({"kon": ["kvinna", "man"], "n": [6.0, 6.0], "sum": [8.0, 4.0],
                            "mean": [8 / 6, 4 / 6], "share_of_total": [8 / 12, 4 / 12],
                            "share_of_n": [0.5, 0.5]})
    counted = disclose_amount_summary(summary, threshold=5, sum_is_count=True).set_index("kon")
    assert counted["suppressed"].all()
    assert counted[["sum", "mean", "share_of_total"]].isna().all().all()
    hours = disclose_amount_summary(summary, threshold=5).set_index("kon")
    assert not hours["suppressed"].any() and np.isclose(hours.loc["man", "mean"], 4 / 6)


def test_the_interventions_per_client_are_protected_as_counts():
    """r4_02's interventions per client: the resource counts rows of a table the page shows."""
    import pandas as pd

    from jamtools.chapters import resources

    spec = resources.RESOURCE_TABLES["eb_insatser"]
    frame = pd.DataFrame({"kon": ["kvinna"] * 6 + ["man"] * 6,
                          spec.value: [2, 2, 1, 1, 1, 1] + [1, 1, 1, 1, 0, 0],
                          "ohalsa": [0, 1] * 6, "hushallstyp": ["a"] * 12, "aldersgrupp": ["x"] * 12})
    result = resources.resource_distribution(frame, spec, threshold=5)
    assert result.amounts.summary["suppressed"].all()
