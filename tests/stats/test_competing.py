"""Cumulative incidence with competing events (jamtools.stats.competing) against values worked
out by hand, the disclosure rule for curves (jamtools.disclosure.curves), and their figure, table
and words (jamtools.present.curves)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.disclosure import curves as curve_disclosure
from jamtools.present import curves
from jamtools.stats.competing import cumulative_incidence

# Five people: times 1..5; status 1 = the event of interest, 2 = a competing end, 0 = censored.
# By hand (Aalen–Johansen): t=1: 5 at risk, one event 1 -> F1 = 1/5 = 0.2, S = 0.8;
# t=2: 4 at risk, one event 2 -> F2 = 0.8 * 1/4 = 0.2, S = 0.6; t=3 censored;
# t=4: 2 at risk, event 1 -> F1 = 0.2 + 0.6 * 1/2 = 0.5, S = 0.3; t=5: 1 at risk -> F1 = 0.8.
# With the competing end treated as censoring, 1 − Kaplan–Meier: 0.2, 0.2, 0.2,
# 1 − 0.8 * 1/2 = 0.6, 1.0 (overstated: 1.0 against 0.8).
SMALL = pd.DataFrame({"kon": "kvinna", "dagar": [1, 2, 3, 4, 5], "status": [1, 2, 0, 1, 1]})


def test_aalen_johansen_by_hand():
    out = cumulative_incidence(SMALL, "dagar", "status")
    f1 = out[out.cause == 1].set_index("time")
    f2 = out[out.cause == 2].set_index("time")
    assert f1["cif"].tolist() == pytest.approx([0.2, 0.2, 0.2, 0.5, 0.8])
    assert f2["cif"].tolist() == pytest.approx([0.0, 0.2, 0.2, 0.2, 0.2])
    assert f1["at_risk"].tolist() == [5, 4, 3, 2, 1]
    assert f1["events"].tolist() == [1, 0, 0, 1, 1] and f2["events"].tolist() == [0, 1, 0, 0, 0]
    assert f1["censored"].tolist() == [0, 0, 1, 0, 0]


def test_one_cause_is_one_minus_kaplan_meier():
    naive = SMALL.assign(status=(SMALL.status == 1).astype(int))
    out = cumulative_incidence(naive, "dagar", "status")
    assert out["cif"].tolist() == pytest.approx([0.2, 0.2, 0.2, 0.6, 1.0])
    assert set(out["cause"]) == {1}


def test_without_censoring_the_variance_is_binomial():
    # No censoring: F(t) is an ordinary share, so its standard error is sqrt(F(1 − F)/n).
    df = pd.DataFrame({"kon": "man", "t": [1, 2, 3, 4], "s": [1, 1, 2, 1]})
    out = cumulative_incidence(df, "t", "s")
    f1 = out[out.cause == 1]
    assert f1["cif"].tolist()[:3] == pytest.approx([0.25, 0.5, 0.5])
    assert f1["se"].tolist()[:2] == pytest.approx([np.sqrt(0.25 * 0.75 / 4), np.sqrt(0.25 / 4)])
    first = f1.iloc[:3]  # at the last time all still followed end: the variance is undefined
    assert (first["ci_low"] <= first["cif"]).all() and (first["cif"] <= first["ci_high"]).all()
    assert np.isnan(f1["se"].iloc[-1])


def test_no_events_yet_gives_an_interval_with_width():
    # Five men, none with an event before day 400: Greenwood's variance is 0 there, and the
    # interval must not be 0–0 but 0 to the exact limit for 0 of the 5 still followed.
    men = pd.DataFrame({"kon": "man", "dagar": [400, 420, 450, 500, 520], "status": [1, 1, 0, 1, 1]})
    out = cumulative_incidence(men, "dagar", "status", times=[0, 182, 365])
    assert out["cif"].tolist() == [0.0, 0.0, 0.0]
    assert out["ci_low"].tolist() == [0.0, 0.0, 0.0]
    assert out["ci_high"].tolist() == pytest.approx([1 - 0.025 ** (1 / 5)] * 3)
    # A cause nobody in a group had (filled in as 0) gets the same upper limit.
    both = pd.concat([men, pd.DataFrame({"kon": "kvinna", "dagar": [10, 20], "status": [2, 1]})])
    other = cumulative_incidence(both, "dagar", "status", times=[182])
    row = other[(other.kon == "man") & (other.cause == 2)].iloc[0]
    assert row["cif"] == 0 and row["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 5))
    table = curves.curve_table(curve_disclosure.disclose_curve(out, threshold=5), [182],
                               columns={"Andel": {"cause": 1}})
    assert table.frame["Andel"].tolist() == ["0,0\u00a0% (0,0–52,2\u00a0%)"]
    assert "fortfarande följs" in table.note


def test_on_a_grid_values_and_cumulative_counts():
    out = cumulative_incidence(SMALL, "dagar", "status", times=[0, 1.5, 4.5, 10])
    f1 = out[out.cause == 1]
    assert f1["cif"].tolist() == pytest.approx([0.0, 0.2, 0.5, 0.8])
    assert f1["at_risk"].tolist() == [5, 4, 1, 0]        # still followed: duration >= time
    assert f1["events"].tolist() == [0, 1, 2, 3]         # cumulative up to the time
    assert f1["events_all"].tolist() == [0, 1, 3, 4]
    assert f1["censored"].tolist() == [0, 0, 1, 1]


def test_groups_each_get_every_cause_and_bad_status_is_an_error():
    df = pd.concat([SMALL, pd.DataFrame({"kon": "man", "dagar": [1, 2], "status": [1, 0]})])
    out = cumulative_incidence(df, "dagar", "status")
    assert set(map(tuple, out[["kon", "cause"]].drop_duplicates().to_numpy())) == {
        ("kvinna", 1), ("kvinna", 2), ("man", 1), ("man", 2)}
    assert (out.loc[(out.kon == "man") & (out.cause == 2), "cif"] == 0).all()
    with pytest.raises(ValueError, match="status"):
        cumulative_incidence(df.assign(status=-1), "dagar", "status")


def _grid_curve(n_at_risk, events):
    """A hand-made curve on a grid: at-risk counts and cumulative events."""
    n0 = n_at_risk[0]
    return pd.DataFrame({"kon": "kvinna", "cause": 1, "time": np.arange(len(n_at_risk)) * 30.0,
                         "at_risk": np.array(n_at_risk, float), "events": np.array(events, float),
                         "events_all": np.array(events, float),
                         "censored": n0 - np.array(n_at_risk, float) - np.array(events, float),
                         "cif": np.array(events, float) / n0, "se": 0.01,
                         "ci_low": 0.0, "ci_high": 1.0, "conf_level": 0.95})


def test_curve_disclosure_rules():
    # at risk 100, 95, 93, 80, 4: the step to 93 has 2 events (hidden: rule 3), the next point
    # counts from the last shown one (8 more events: shown); at 4 at risk the curve stops.
    raw = _grid_curve([100, 95, 93, 80, 4], [0, 5, 7, 20, 20])
    # The last point: 4 at risk (rule 1); left between 80 and 4 is 76 (fine otherwise).
    out = curve_disclosure.disclose_curve(raw, threshold=5)
    assert disclosure.is_disclosed(out)
    assert out["suppressed"].tolist() == [False, False, True, False, True]
    # one reason for both rules (tests/disclosure/test_reason_bounds.py)
    assert out["suppression_reason"].tolist() == ["", "", disclosure.REASON_HIDDEN, "", disclosure.REASON_HIDDEN]
    assert out.loc[out.suppressed, ["cif", "at_risk", "events"]].isna().all().all()
    # Rule 2: a cumulative count of 1 to 4 events is never shown.
    small = curve_disclosure.disclose_curve(_grid_curve([100, 97, 90], [0, 3, 10]), threshold=5)
    assert small["suppressed"].tolist() == [False, True, False]


def test_curve_plot_and_table_refuse_undisclosed_and_show_only_passed_points():
    raw = _grid_curve([100, 95, 93, 80, 4], [0, 5, 7, 20, 20])
    with pytest.raises(disclosure.NotDisclosedError):
        curves.curve_plot(raw)
    shown = curve_disclosure.disclose_curve(raw, threshold=5)
    curves.curve_plot(shown, panels={1: "Händelsen"})
    table = curves.curve_table(shown, [30.0, 60.0], columns={"Andel": {"cause": 1}})
    assert table.frame["Andel"].tolist()[1] == disclosure.SUPPRESSED_MARK
    assert table.frame["I risk (följs fortfarande)"].tolist() == ["95", ".."]


def test_curve_plot_draws_no_line_through_hidden_points():
    # Shown at 0 and 30 days (no events), hidden at 60-120 (1-4 events), shown at 150 (5),
    # hidden at 180 (a step of 3). A step drawn on from 30 days would show the hidden points
    # at 0 % until 150 days: the line must break there, and the key must say so.
    raw = _grid_curve([28, 28, 27, 26, 24, 23, 20], [0, 0, 1, 2, 4, 5, 8])
    shown = curve_disclosure.disclose_curve(raw, threshold=5)
    assert shown["suppressed"].tolist() == [False, False, True, True, True, False, True]
    plot = curves.curve_plot(shown, panels={1: "Händelsen"})
    ax = plot.fig.axes[0]
    for line in ax.lines:
        x = np.asarray(line.get_xdata(), float)
        assert not (x.min() <= 30 and x.max() >= 60) and not (x.min() < 150 < x.max()), x
    assert any(150 in np.asarray(line.get_xdata(), float) for line in ax.lines)  # the lone point
    labels = [t.get_text() for legend in plot.fig.legends for t in legend.get_texts()]
    assert curves.GAP_NOTE in labels
    assert "avbrott" in curves.curve_alt(shown, panels={1: "Händelsen"})
    # A curve shown throughout has no such note.
    whole = curve_disclosure.disclose_curve(_grid_curve([100, 95, 90], [0, 5, 10]), threshold=5)
    labels = [t.get_text() for legend in curves.curve_plot(whole, panels={1: "H"}).fig.legends
              for t in legend.get_texts()]
    assert curves.GAP_NOTE not in labels


def test_curve_alt_names_the_last_shown_point():
    shown = curve_disclosure.disclose_curve(_grid_curve([100, 95, 93, 80, 4], [0, 5, 7, 20, 20]),
                                            threshold=5)
    text = curves.curve_alt(shown, panels={1: "Händelsen"})
    # The last shown point is at 90 days (the 120-day point rests on 4 at risk): 20 of 100.
    assert "Händelsen: kvinnor 20,0\u00a0% efter 90 dagar" in text
    hidden = shown.assign(suppressed=True)
    assert "kvinnor visas inte" in curves.curve_alt(hidden, panels={1: "Händelsen"})
    with pytest.raises(disclosure.NotDisclosedError):
        curves.curve_alt(_grid_curve([100], [0]), panels={1: "Händelsen"})


def test_hazard_ratio_in_words():
    rows = pd.DataFrame([
        {"measure": "hazard_ratio", "group_a": "kvinna", "group_b": "man", "adjusted": False,
         "adjusted_for": "", "estimate": 0.70, "ci_low": 0.58, "ci_high": 0.86, "conf_level": 0.95,
         "n_a": 100.0, "n_b": 100.0, "events_a": 20.0, "events_b": 30.0, "p_value": 0.001},
        {"measure": "hazard_ratio", "group_a": "kvinna", "group_b": "man", "adjusted": True,
         "adjusted_for": "hushallstyp", "estimate": 0.9, "ci_low": 0.7, "ci_high": 1.2,
         "conf_level": 0.95, "n_a": 100.0, "n_b": 100.0, "events_a": 20.0, "events_b": 30.0,
         "p_value": 0.4}])
    text = curves.describe_hazard_ratio(disclosure.disclose_comparisons(rows, threshold=5))
    first, second = text.split("\n\n")
    assert "0,70" in first and "tydligt långsammare" in first
    assert "hushållstyp" in second and "ingen tydlig skillnad" in second
    with pytest.raises(disclosure.NotDisclosedError):
        curves.describe_hazard_ratio(rows)
