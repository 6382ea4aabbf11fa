"""The home-help chapters recover the effects planted in the synthetic data
(data/synthetic/README.md, section Hemtjänst; values in planted.json): each planted value lies
inside the interval the chapter publishes, the crude gap is positive while the gap at equal need
is negative, and the adjusted gap shrinks after the new working method."""
from __future__ import annotations


import pytest


HT = ["ht_01_hemtjanst_timmar", "ht_02_forandring_over_tid"]
NEED = {"adl_beroende", "alder", "ensamboende"}


@pytest.fixture(scope="module")
def ht_results(chapter_results):
    return {nb: chapter_results[nb] for nb in HT}


def _one(res, *, measure, adjusted=None, comparison=None):
    rows = [c for c in res["comparisons"] if c["measure"] == measure
            and (adjusted is None or c["adjusted"] is adjusted)
            and (comparison is None or c["comparison"] == comparison)]
    assert len(rows) == 1, (measure, adjusted, comparison, rows)
    return rows[0]


def _covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def test_ht_01_crude_and_adjusted_gap(ht_results, planted):
    truth = planted["ht_01_hemtjanst_timmar"]["beviljade_timmar"]
    res = ht_results["ht_01_hemtjanst_timmar"]
    crude = _one(res, measure="mean_difference", adjusted=False)
    adjusted = _one(res, measure="mean_difference", adjusted=True)
    assert _covers(crude, truth["crude_mean_difference"])
    assert _covers(adjusted, truth["adjusted_mean_difference"])
    # As planted: crude, women get more hours (more need); at equal need, fewer.
    assert crude["ci_low"] > 0 and adjusted["ci_high"] < 0
    assert set(adjusted["adjusted_for"]) == NEED
    assert (crude["group_a"], crude["group_b"]) == ("kvinna", "man")
    assert crude["n_a"] + crude["n_b"] == sum(res["counts"]["ht_beslut"]["analysed"].values())


def test_ht_01_decomposition(ht_results, planted):
    """The Oaxaca–Blinder split adds up to the crude gap; its unexplained part (the gap at
    equal need) covers the planted adjusted gap and the explained part (women's larger need)
    is positive."""
    truth = planted["ht_01_hemtjanst_timmar"]["beviljade_timmar"]
    res = ht_results["ht_01_hemtjanst_timmar"]
    gap = _one(res, measure="oaxaca_gap")
    explained, unexplained = _one(res, measure="oaxaca_explained"), _one(res, measure="oaxaca_unexplained")
    assert explained["estimate"] + unexplained["estimate"] == pytest.approx(gap["estimate"])
    assert gap["estimate"] == pytest.approx(_one(res, measure="mean_difference", adjusted=False)["estimate"])
    assert _covers(unexplained, truth["adjusted_mean_difference"])
    assert explained["ci_low"] > 0


def test_ht_02_change_after_new_working_method(ht_results, planted):
    truth = planted["ht_02_forandring_over_tid"]["beviljade_timmar"]
    res = ht_results["ht_02_forandring_over_tid"]
    year = truth["change_year"]
    change = _one(res, measure="gap_change")
    assert _covers(change, truth["gap_change"]) and change["ci_low"] > 0
    assert set(change["adjusted_for"]) == NEED
    before = _one(res, measure="mean_difference", adjusted=True, comparison=f"kvinna − man (före {year})")
    after = _one(res, measure="mean_difference", adjusted=True, comparison=f"kvinna − man (från {year})")
    assert _covers(before, truth["adjusted_gap_before"]) and _covers(after, truth["adjusted_gap_after"])
    assert before["ci_high"] < 0  # before the change women clearly got fewer hours at equal need


def test_ht_02_gap_per_year(ht_results, planted):
    """One adjusted gap per year 2020–2025; every year after the change lies above every year
    before it (the planted gap moves from −4 to −0.5 hours)."""
    year = planted["ht_02_forandring_over_tid"]["beviljade_timmar"]["change_year"]
    res = ht_results["ht_02_forandring_over_tid"]
    per_year = {int(c["comparison"].rsplit("(", 1)[1].rstrip(")")): c for c in res["comparisons"]
                if c["adjusted"] and c["measure"] == "mean_difference"
                and c["comparison"].rsplit("(", 1)[1].rstrip(")").isdigit()}
    assert sorted(per_year) == list(range(2020, 2026))
    before = [c["estimate"] for y, c in per_year.items() if y < year]
    after = [c["estimate"] for y, c in per_year.items() if y >= year]
    assert max(before) < min(after)


def test_every_comparison_says_how_p_values_were_adjusted(ht_results):
    for nb, res in ht_results.items():
        assert res["comparisons"], nb
        assert {c["p_adjust_method"] for c in res["comparisons"]} == {"Holm"}, nb
        assert not any(c["suppressed"] for c in res["comparisons"]), nb
