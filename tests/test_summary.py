"""The summary of all chapters (jamtools.chapters.summary): verdicts, the measure chosen, the strength of
evidence and the Holm adjustment, checked on hand-made results files with known answers."""
from __future__ import annotations

import json
import math

import pytest

from jamtools.chapters import summary
from jamtools.present.results import SCHEMA_VERSION


def _comp(outcome, measure, est, lo, hi, p, adjusted, comparison="kvinna − man"):
    return {"outcome": outcome, "comparison": comparison, "group_a": "kvinna", "group_b": "man",
            "measure": measure, "estimate": est, "ci_low": lo, "ci_high": hi, "p_value": p,
            "adjusted": adjusted, "adjusted_for": ["alder"] if adjusted else [],
            "suppressed": est is None}


def _write(folder, qid, comparisons):
    data = {"schema_version": SCHEMA_VERSION, "question_id": qid, "question": f"Fråga {qid}?",
            "organisation": "Test", "period": {"start": None, "end": None}, "conf_level": 0.95,
            "threshold": 5, "counts": {}, "comparisons": comparisons}
    (folder / f"{qid}.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def results_dir(tmp_path):
    _write(tmp_path, "eb_01_krav", [
        # remains after adjustment; the odds ratio of the same comparison is not the one shown
        _comp("krav", "risk_difference_pp", -15.0, -20.0, -10.0, 0.01, False),
        _comp("krav", "odds_ratio", 0.5, 0.4, 0.6, 0.01, False, comparison="kvinna / man"),
        _comp("krav", "risk_difference_pp", -10.0, -16.0, -4.0, 0.03, True),
        # clear crude, gone after adjustment
        _comp("sanktion", "risk_difference_pp", -6.0, -9.0, -3.0, 0.04, False),
        _comp("sanktion", "risk_difference_pp", -1.0, -5.0, 3.0, 0.6, True),
    ])
    _write(tmp_path, "eb_06_sjalvforsorjning", [
        _comp("sjalvforsorjande", "hazard_ratio", 0.75, 0.6, 0.9, 0.002, True),
    ])
    _write(tmp_path, "bof_05_bemotande_av_foraldrar", [
        _comp("kontaktad", "risk_difference_pp", None, None, None, None, False),
    ])
    _write(tmp_path, "hl_01_konsuppdelad_statistik", [  # an audit, not a gap: left out
        _comp("ht_beslut", "share_known_sex", 0.8, 0.78, 0.82, None, False),
    ])
    _write(tmp_path, "r4_05_realisera", [
        _comp("x", "risk_difference_pp", 50.0, 40.0, 60.0, 0.0001, False),
    ])
    return tmp_path


def test_verdicts_measures_and_ranking(results_dir):
    table = summary.gaps(results_dir, exclude=["r4_05_realisera"])
    assert list(table.columns) == summary.COLUMNS
    assert len(table) == 4 and "r4_05_realisera" not in set(table.question_id)
    assert "hl_01_konsuppdelad_statistik" not in set(table.question_id)
    by = table.set_index("outcome")
    assert by.loc["krav", "measure"] == "risk_difference_pp"          # not the odds ratio
    assert by.loc["krav", "verdict"] == "kvarstar"
    assert by.loc["krav", "crude_estimate"] == -15.0 and by.loc["krav", "adjusted_estimate"] == -10.0
    assert by.loc["sanktion", "verdict"] == "forsvinner"
    assert by.loc["sjalvforsorjande", "verdict"] == "kvarstar"
    assert by.loc["sjalvforsorjande", "null_value"] == 1.0
    assert by.loc["kontaktad", "verdict"] == "dold"
    # Ranking: remaining gaps first (strongest first), then gone-after-adjustment, then hidden.
    assert table["outcome"].tolist() == ["krav", "sjalvforsorjande", "sanktion", "kontaktad"]  # 3.27 > 2.78 SE
    assert table["rank"].tolist() == [1, 2, 3, 4]


def test_strength_is_distance_in_standard_errors(results_dir):
    by = summary.gaps(results_dir).set_index("outcome")
    z = 1.959963984540054
    # adjusted krav: |−10| / (12 / (2·z))
    assert by.loc["krav", "strength"] == pytest.approx(10 / (12 / (2 * z)))
    # hazard ratio on the log scale: |log 0.75| / ((log 0.9 − log 0.6) / (2·z)) = 2.781…
    expected = abs(math.log(0.75)) / ((math.log(0.9) - math.log(0.6)) / (2 * z))
    assert by.loc["sjalvforsorjande", "strength"] == pytest.approx(expected)
    assert expected == pytest.approx(2.7812, abs=1e-4)


def test_holm_over_the_whole_summary(results_dir):
    table = summary.gaps(results_dir, exclude=["r4_05_realisera"]).set_index("outcome")
    # p shown: krav 0.03 (adjusted), sanktion 0.6 (adjusted), sjalvforsorjande 0.002; hidden: none.
    # Holm with m = 3: 0.002·3 = 0.006; 0.03·2 = 0.06; max(0.6·1, 0.06) = 0.6.
    assert table.loc["sjalvforsorjande", "p_holm"] == pytest.approx(0.006)
    assert table.loc["krav", "p_holm"] == pytest.approx(0.06)
    assert table.loc["sanktion", "p_holm"] == pytest.approx(0.6)
    assert math.isnan(table.loc["kontaktad", "p_holm"])


def test_no_results_gives_an_empty_table(tmp_path):
    for folder in (tmp_path, None, tmp_path / "finns_inte"):
        table = summary.gaps(folder)
        assert table.empty and list(table.columns) == summary.COLUMNS


def test_a_file_that_breaks_the_schema_is_an_error(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"question_id": "x"}), encoding="utf-8")
    with pytest.raises(Exception, match="required"):
        summary.gaps(tmp_path)


def test_per_period_comparisons_stay_apart(tmp_path):
    _write(tmp_path, "ht_02_forandring_over_tid", [
        _comp("timmar", "mean_difference", -4.0, -5.0, -3.0, 0.001, True, comparison="kvinna − man (2022)"),
        _comp("timmar", "mean_difference", -0.5, -1.5, 0.5, 0.3, True, comparison="kvinna − man (2023)"),
    ])
    table = summary.gaps(tmp_path)
    assert sorted(table["comparison"]) == ["kvinna − man (2022)", "kvinna − man (2023)"]
    assert table.set_index("comparison")["verdict"].to_dict() == {
        "kvinna − man (2022)": "kvarstar", "kvinna − man (2023)": "otydlig"}


def test_two_unlisted_measures_of_one_comparison_are_never_mixed(tmp_path):
    _write(tmp_path, "r4_04_olika_grupper", [
        _comp("forflyttning", "interaction_pp", -16.0, -24.0, -8.0, 0.001, True,
              comparison="(kvinna − man, utrikes) − (kvinna − man, inrikes)"),
        _comp("forflyttning", "interaction_odds_ratio", 0.52, 0.37, 0.73, 0.001, True,
              comparison="(kvinna / man, utrikes) / (kvinna / man, inrikes)"),
    ])
    [row] = summary.gaps(tmp_path).to_dict("records")
    assert row["measure"] == "interaction_pp" and row["adjusted_estimate"] == -16.0
    assert row["null_value"] == 0.0 and row["verdict"] == "kvarstar"
