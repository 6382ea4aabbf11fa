"""Control charts (jamtools.stats.control): p-chart limits, the gap's band, the EWMA and the yearly
gaps, checked against values computed by hand; their disclosure (jamtools.disclosure.control);
and the sentences a reader gets (jamtools.present.control_charts)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.disclosure.control import disclose_charts
from jamtools.present import control_charts
from jamtools.stats import COMPARISON_COLUMNS, control


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
    out = control.gap_chart(data, time="manad", baseline=1, levels=("kvinna", "man"))
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
    chart = control.p_chart(data, time="manad", baseline=3, levels=("kvinna", "man"))
    gap = control.gap_chart(data, time="manad", baseline=3, levels=("kvinna", "man"))
    shown_chart, shown_gap = disclose_charts(chart, gap, time="manad", threshold=5)
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


def test_yearly_gaps_sum_the_months_of_each_year():
    # 2024: women 30/50 + 20/50 = 50/100, men 40/100 -> +10 pp; 2025: 70/100 vs 40/100 -> +30 pp.
    data = _counts([("2024-01-01", "kvinna", 30, 50), ("2024-07-01", "kvinna", 20, 50),
                    ("2024-01-01", "man", 20, 50), ("2024-07-01", "man", 20, 50),
                    ("2025-01-01", "kvinna", 70, 100), ("2025-01-01", "man", 40, 100)])
    out = control.yearly_gaps(data, time="manad", outcome="uppfoljning_i_tid", levels=("kvinna", "man"))
    assert list(out.columns) == COMPARISON_COLUMNS
    assert list(out["comparison"]) == ["kvinna − man 2024", "kvinna − man 2025"]
    assert list(out["estimate"]) == [pytest.approx(10.0), pytest.approx(30.0)]
    assert list(out["n_a"]) == [100, 100] and list(out["events_a"]) == [50, 70]
    assert (out["outcome"] == "uppfoljning_i_tid").all()
    assert (out["measure"] == "risk_difference_pp").all()
    assert (out["ci_low"] < out["estimate"]).all() and (out["estimate"] < out["ci_high"]).all()
    empty = control.yearly_gaps(data.iloc[:0], time="manad", levels=("kvinna", "man"))
    assert empty.empty and list(empty.columns) == COMPARISON_COLUMNS


def _charts(data, baseline: int):
    """The p chart and the gap chart of ``data``, disclosed together as the chapter does."""
    return disclose_charts(control.p_chart(data, time="manad", baseline=baseline, levels=("kvinna", "man")),
                           control.gap_chart(data, time="manad", baseline=baseline, levels=("kvinna", "man")),
                           time="manad", threshold=5)


def test_the_short_answer_uses_the_one_verdict_rule():
    rows = []
    for m in range(1, 13):
        month = f"2024-{m:02d}-01"
        rows += [(month, "kvinna", 40 if m <= 6 else 45, 50), (month, "man", 40, 50)]
    data = _counts(rows)
    chart, gap = _charts(data, baseline=6)
    yearly = disclosure.disclose_comparisons(control.yearly_gaps(data, time="manad",
                                                                 levels=("kvinna", "man")),
                                             threshold=5)
    text = control_charts.control_answer(gap, yearly, time="manad", indicator_text="andelen")
    assert "Under 2024 var skillnaden +5,0 procentenheter" in text
    r = yearly.iloc[0]
    expected = ("andelen är tydligt högre för kvinnor än för män" if r["ci_low"] > 0 else
                "det finns ingen tydlig skillnad mellan kvinnor och män")
    assert expected in text
    alt = control_charts.control_alt(chart, gap, time="manad", indicator_text="andelen")
    assert alt.startswith("Tre linjediagram per månad, jan 2024 – dec 2024.")
    # counts of months in words, never "0 månader"
    assert "0 månader" not in alt and "kvinnornas andel utanför gränserna ingen månad" in alt
    assert "(EWMA): ingen signal" in alt and "utanför bandet ingen månad" in alt


def test_months_in_the_alt_text_are_counted_in_words():
    """One sex with signals and the other without: each panel's months in words."""
    rows = []
    for m in range(1, 25):
        month = f"{2023 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}-01"
        rows += [(month, "kvinna", 100 if m <= 22 else 150, 200), (month, "man", 100, 200)]
    data = _counts(rows)
    chart, gap = _charts(data, baseline=12)
    alt = control_charts.control_alt(chart, gap, time="manad", indicator_text="andelen")
    signals = (chart["signal"] != "").groupby(chart["kon"]).sum()
    assert signals["kvinna"] == 2 and signals["man"] == 0
    assert "kvinnornas andel utanför gränserna 2 månader och männens andel utanför gränserna ingen månad" in alt
    band, ewma = int((gap["signal"] != "").sum()), int((gap["ewma_signal"] != "").sum())
    assert band >= 1 and f"utanför bandet {band} {'månad' if band == 1 else 'månader'}" in alt
    assert ("(EWMA): ingen signal" in alt) == (ewma == 0)
    assert ewma == 0 or f"(EWMA): signal {ewma} {'månad' if ewma == 1 else 'månader'}" in alt
