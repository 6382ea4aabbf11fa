"""The kulturskola and project-fund chapters recover the effects planted in the synthetic data
(data/synthetic/README.md, values in planted.json).

- ks_01: the dissimilarity index before and after the change year covers the planted 0.46 and
  0.23, and its drop is found and covers the planted change.
- ru_01: applications led by women are granted less often, also at equal target group and
  amount. At the published seed the estimate lies about 2.6–2.8 standard errors from the planted
  value (a chance deviation in the drawn outcomes: the crude and the adjusted intervals both
  miss it), so what is asserted at this seed is the sign and a distance of less than 3 standard
  errors; that the method recovers the planted value is checked over 40 other seeds.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jamtools.disclosure import analyses as analysis

IDS = ["ks_01_instrumentval", "ru_01_projektmedel"]


@pytest.fixture(scope="module")
def ks_ru_results(chapter_results):
    return {nb: chapter_results[nb] for nb in IDS}


def _covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def _one(res, **match):
    rows = [c for c in res["comparisons"] if all(c[k] == v for k, v in match.items())]
    assert len(rows) == 1, (match, rows)
    return rows[0]


def _se(row):
    return (row["ci_high"] - row["ci_low"]) / (2 * 1.96)


def test_ks_01_segregation_before_and_after(ks_ru_results, planted):
    truth = planted["ks_01_instrumentval"]
    year = truth["change_year"]
    res = ks_ru_results["ks_01_instrumentval"]
    before = _one(res, measure="dissimilarity_index", comparison=f"flicka / pojke, före {year}")
    after = _one(res, measure="dissimilarity_index", comparison=f"flicka / pojke, från {year}")
    assert _covers(before, truth["dissimilarity_before"])
    assert _covers(after, truth["dissimilarity_after"])
    assert after["ci_high"] < before["ci_low"]
    # Both periods differ clearly from equal distributions (chi-square test per period).
    for phase in (f"före {year}", f"från {year}"):
        assert _one(res, measure="cramers_v", comparison=f"flicka / pojke, {phase}")["p_value"] < 0.001


def test_ks_01_the_drop_is_found(ks_ru_results, planted):
    truth = planted["ks_01_instrumentval"]
    res = ks_ru_results["ks_01_instrumentval"]
    change = _one(res, measure="dissimilarity_change")
    planted_change = truth["dissimilarity_after"] - truth["dissimilarity_before"]
    assert _covers(change, planted_change)
    assert change["ci_high"] < 0 and change["p_value"] < 0.01
    assert change["comparison"] == f"flicka / pojke, efter − före {truth['change_year']}"


def test_ks_01_year_by_year(ks_ru_results, planted):
    """Each school year's index lies within 3 standard errors of the value planted for its
    phase, and every year after the change lies below every year before it. (Measured at this
    seed: 2021 comes out at 0.52, 95 % KI 0.465–0.573, just above the planted 0.46; the other
    four years' intervals cover their planted values.)"""
    truth = planted["ks_01_instrumentval"]
    res = ks_ru_results["ks_01_instrumentval"]
    years = {int(c["comparison"].rsplit(", ", 1)[1]): c for c in res["comparisons"]
             if c["measure"] == "dissimilarity_index" and c["comparison"].rsplit(", ", 1)[1].isdigit()}
    assert sorted(years) == [2021, 2022, 2023, 2024, 2025]
    for y, row in years.items():
        phase = "dissimilarity_after" if y >= truth["change_year"] else "dissimilarity_before"
        assert abs(row["estimate"] - truth[phase]) < 3 * _se(row), y
    assert max(r["ci_high"] for y, r in years.items() if y >= truth["change_year"]) < \
        min(r["ci_low"] for y, r in years.items() if y < truth["change_year"])


def test_ru_01_granted_less_often_when_led_by_a_woman(ks_ru_results, planted):
    """Measured at the published seed: crude −25.0 pp (95 % KI −32.6 to −17.0), adjusted for
    target group and amount band −24.9 pp (−32.7 to −17.1); planted −14.4 and −14.6 pp. Both
    intervals miss the planted values (2.7 and 2.6 standard errors away: the outcomes drawn at
    this seed happen to favour men more than the model does). Asserted: the gap is found
    negative, crude and adjusted, and each estimate is within 3 standard errors of its planted
    value, which a method that ignored the planted effect (0) or doubled it would break."""
    truth = planted["ru_01_projektmedel"]["beviljad"]
    res = ks_ru_results["ru_01_projektmedel"]
    crude = _one(res, outcome="beviljad", measure="risk_difference_pp", adjusted=False)
    adj = _one(res, outcome="beviljad", measure="risk_difference_pp", adjusted=True)
    assert set(adj["adjusted_for"]) == {"malgrupp", "beloppsklass"}
    assert crude["ci_high"] < 0 and adj["ci_high"] < 0
    assert abs(crude["estimate"] - truth["crude_rd_pp"]) < 3 * _se(crude)
    assert abs(adj["estimate"] - truth["adjusted_rd_pp"]) < 3 * _se(adj)
    # Crude and adjusted nearly agree: target group and amount are independent of sex here.
    assert abs(crude["estimate"] - adj["estimate"]) < 2


def test_ru_01_no_gap_in_the_share_of_the_amount_granted(ks_ru_results):
    """Granted applications get a uniform 60–100 % of the amount applied for, whatever the sex:
    no difference is reported."""
    res = ks_ru_results["ru_01_projektmedel"]
    share = _one(res, outcome="andel_av_sokt", measure="mean_difference")
    assert _covers(share, 0.0)


def test_every_comparison_says_how_p_values_were_adjusted(ks_ru_results):
    for nb, res in ks_ru_results.items():
        assert res["comparisons"], nb
        assert {c["p_adjust_method"] for c in res["comparisons"]} == {"Holm"}, nb


def test_ru_01_method_recovers_the_planted_gap_over_seeds():
    """The chapter's comparison (binary_outcome adjusted for target group and the default amount
    bands) on the generator's project-fund table at 40 seeds: the adjusted 95 % interval covers
    the planted value at least 34 times (measured: 37), the estimates centre on it (mean
    deviation −0.2 pp, sd 4.3 pp) and the gap is found negative at least 34 times (measured: 38)."""
    from jamtools.data.synth import ks_ru_pop

    hits = negative = 0
    deviations = []
    for seed in range(40):
        tables, truth = ks_ru_pop.generate(np.random.default_rng(seed))
        a = tables["ru_ansokningar"].copy()
        a["beloppsklass"] = pd.cut(a["sokt_belopp"], [0, 2e5, 4e5, 8e5, np.inf], right=False).astype(str)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            comp = analysis.binary_outcome(a, "beviljad", covariates=["malgrupp", "beloppsklass"],
                                           levels=("kvinna", "man")).comparisons
        adj = comp[(comp["measure"] == "risk_difference_pp") & comp["adjusted"]].iloc[0]
        planted_adj = truth["ru_01_projektmedel"]["beviljad"]["adjusted_rd_pp"]
        hits += adj["ci_low"] <= planted_adj <= adj["ci_high"]
        negative += adj["ci_high"] < 0
        deviations.append(adj["estimate"] - planted_adj)
    assert hits >= 34 and negative >= 34
    assert abs(np.mean(deviations)) < 2
