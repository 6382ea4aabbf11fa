"""Control charts (jamtools.stats.control): p-chart limits, the gap's band and the EWMA, checked
against values computed by hand; and their disclosure (jamtools.present.control_charts)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jamtools.present import control_charts
from jamtools.stats import control


def _counts(rows):
    return pd.DataFrame(rows, columns=["manad", "kon", "taljare", "namnare"])


def test_p_chart_limits_from_the_baseline_by_hand():
    # Baseline: 8/20 and 12/20 -> p̄ = 0.5. Third month n = 25: sd = sqrt(0.25/25) = 0.1,
    # limits 0.5 ± 0.3 = (0.2, 0.8); 21/25 = 0.84 lies above.
    data = _counts([("2024-01-01", "kvinna", 8, 20), ("2024-02-01", "kvinna", 12, 20),
                    ("2024-03-01", "kvinna", 21, 25)])
    out = control.p_chart(data, time="manad", levels=("kvinna",), baseline=2)
    third = out.iloc[2]
    assert third["center"] == pytest.approx(0.5)
    assert third["sd"] == pytest.approx(0.1)
    assert (third["lcl"], third["ucl"]) == (pytest.approx(0.2), pytest.approx(0.8))
    assert third["z"] == pytest.approx(3.4)
    assert third["signal"] == "over"
    assert list(out["baseline"]) == [True, True, False]
    assert list(out["signal"][:2]) == ["", ""]


def test_p_chart_sums_units_and_clips_limits():
    # Two units in the same month are summed: 9/10 + 9/10 = 18/20 = 0.9; sd = sqrt(.09/20),
    # upper limit 0.9 + 3*0.067 > 1 is clipped to 1.
    data = _counts([("2024-01-01", "man", 9, 10), ("2024-01-01", "man", 9, 10)])
    out = control.p_chart(data, time="manad", levels=("man",), baseline=1)
    assert out.loc[0, "n"] == 20 and out.loc[0, "share"] == pytest.approx(0.9)
    assert out.loc[0, "ucl"] == 1.0
    assert out.loc[0, "lcl"] == pytest.approx(0.9 - 3 * math.sqrt(0.09 / 20))


def test_baseline_as_dates_and_bad_baseline():
    data = _counts([(f"2024-{m:02d}-01", "kvinna", 5, 10) for m in range(1, 5)])
    out = control.p_chart(data, time="manad", levels=("kvinna",),
                          baseline=("2024-02-01", "2024-03-01"))
    assert list(out["baseline"]) == [False, True, True, False]
    for bad in (0, "tolv", (None,)):
        with pytest.raises(ValueError, match="baseline"):
            control.p_chart(data, time="manad", levels=("kvinna",), baseline=bad)


def test_gap_band_by_hand():
    # Baseline 80/100 vs 60/100: centre 0.2, sd = sqrt(.16/100 + .24/100) = 0.063246, band
    # 0.2 ± 0.189737. Month 2: 70/100 vs 70/100 -> gap 0 < 0.010263: below the band,
    # z = -0.2/0.063246 = -3.1623.
    data = _counts([("2024-01-01", "kvinna", 80, 100), ("2024-01-01", "man", 60, 100),
                    ("2024-02-01", "kvinna", 70, 100), ("2024-02-01", "man", 70, 100)])
    out = control.gap_chart(data, time="manad", baseline=1)
    second = out.iloc[1]
    assert second["center"] == pytest.approx(0.2)
    assert second["sd"] == pytest.approx(math.sqrt(0.004))
    assert second["lcl"] == pytest.approx(0.2 - 3 * math.sqrt(0.004))
    assert second["ucl"] == pytest.approx(0.389737, abs=1e-6)
    assert second["z"] == pytest.approx(-math.sqrt(10))
    assert second["signal"] == "under" and second["flagged"] and second["direction"] == "under"
    assert not out.iloc[0]["flagged"]


def test_ewma_by_hand():
    # lambda 0.5: w = 0.5, 0.75, 0.875; limits L*sqrt(1/3*(1 - 0.25^t)): 1.5, 1.677051, 1.718466
    out = control.ewma([1.0, 1.0, 1.0], lam=0.5, limit=3.0)
    assert list(out["ewma"]) == pytest.approx([0.5, 0.75, 0.875])
    assert list(out["limit"]) == pytest.approx([1.5, 1.677051, 1.718466], abs=1e-6)
    assert list(out["signal"]) == ["", "", ""]
    assert control.ewma([4.0], lam=0.5, limit=3.0)["signal"].iloc[0] == "over"


def test_ewma_with_weight_one_is_the_shewhart_rule():
    z = [0.5, -3.2, 2.9, 3.1]
    out = control.ewma(z, lam=1.0, limit=3.0)
    assert list(out["limit"]) == pytest.approx([3.0] * 4)
    assert list(out["signal"]) == ["", "under", "", "over"]


def test_ewma_skips_missing_values():
    out = control.ewma([1.0, np.nan, 1.0], lam=0.5, limit=3.0)
    assert np.isnan(out["ewma"].iloc[1]) and out["signal"].iloc[1] == ""
    assert out["ewma"].iloc[2] == pytest.approx(0.75)  # as if the missing value were not there
    with pytest.raises(ValueError):
        control.ewma([1.0], lam=0.0)


def test_a_lasting_shift_is_found_by_the_ewma_before_the_band():
    # A shift of 2 sd from month 1: the 3-sigma band never signals, the EWMA does.
    z = [2.0] * 12
    band = [abs(v) > 3 for v in z]
    smooth = control.ewma(z)
    assert not any(band)
    first = smooth.index[smooth["signal"] == "over"][0]
    assert first <= 3


def test_disclosure_hides_a_small_month_and_leaves_it_out_of_the_ewma():
    rows = []
    for m in range(1, 7):
        month = f"2024-{m:02d}-01"
        n_women = 3 if m == 4 else 50
        rows += [(month, "kvinna", round(0.8 * n_women), n_women), (month, "man", 40, 50)]
    data = _counts(rows)
    chart = control.p_chart(data, time="manad", baseline=3)
    gap = control.gap_chart(data, time="manad", baseline=3)
    shown_chart, shown_gap = control_charts.disclose_charts(chart, gap, time="manad", threshold=5)
    april = shown_gap["manad"] == "2024-04-01"
    assert shown_gap.loc[april, "suppressed"].all()
    assert shown_gap.loc[april, ["gap", "n_a", "ewma", "lcl"]].isna().all(axis=None)
    assert shown_chart.loc[(shown_chart["manad"] == "2024-04-01")
                           & (shown_chart["kon"] == "kvinna"), "share"].isna().all()
    # Complementary suppression hides at least one more month (the totals per sex are shown).
    hidden = shown_gap["suppressed"].to_numpy()
    assert hidden.sum() >= 2
    # The EWMA after a hidden month is computed as if it did not exist, so consecutive values
    # cannot give it back.
    expected = control.ewma(gap["z"].where(~hidden).to_numpy())
    assert shown_gap["ewma"].to_numpy() == pytest.approx(expected["ewma"].to_numpy(), nan_ok=True)
    comps = control_charts.gap_comparisons(shown_gap, time="manad", outcome="x")
    assert comps.loc[april.to_numpy(), "suppressed"].all()
