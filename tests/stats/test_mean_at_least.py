"""An amount cannot be below 0, so neither can its mean: a probe's r4_02 showed a small group's
mean of kronor with an interval starting below 0. ``at_least`` cuts the t interval there."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps

from jamtools.disclosure.analyses import amount_outcome
from jamtools.stats.amounts import describe_amounts


def _rows():
    return pd.DataFrame({"kon": ["kvinna"] * 3 + ["man"] * 40,
                         "kr": [0.0, 0.0, 900.0] + list(np.linspace(100, 2000, 40))})


def test_the_interval_of_a_mean_of_amounts_starts_at_0_at_the_lowest():
    plain = describe_amounts(_rows(), "kr").set_index("kon")
    cut = describe_amounts(_rows(), "kr", at_least=0.0).set_index("kon")
    # the reference: scipy's t interval of the three women's amounts
    lo, hi = sps.t.interval(0.95, 2, loc=300.0, scale=sps.sem([0.0, 0.0, 900.0]))
    assert plain.loc["kvinna", "mean_ci_low"] == pytest.approx(lo) and lo < 0
    assert cut.loc["kvinna", "mean_ci_low"] == 0.0
    assert cut.loc["kvinna", "mean_ci_high"] == pytest.approx(hi)
    # a group whose interval is above 0 is untouched
    assert cut.loc["man", ["mean_ci_low", "mean_ci_high"]].tolist() == \
        plain.loc["man", ["mean_ci_low", "mean_ci_high"]].tolist()


def test_a_value_below_the_least_possible_is_an_error():
    rows = _rows().assign(kr=lambda d: d["kr"] - 50)
    with pytest.raises(ValueError, match="mindre än 0"):
        describe_amounts(rows, "kr", at_least=0.0)


def test_amount_outcome_passes_it_on():
    rows = pd.DataFrame({"kon": ["kvinna"] * 4 + ["man"] * 40,
                         "kr": [0.0, 10.0, 20.0, 1500.0] + list(np.linspace(100, 2000, 40))})
    res = amount_outcome(rows, "kr", levels=("kvinna", "man"), threshold=3, n_boot=99, at_least=0.0)
    women = res.summary.set_index("kon").loc["kvinna"]
    assert women["mean_ci_low"] == 0.0


def test_the_ratio_of_means_does_not_start_below_0():
    """A probe's r4_02: 0,29 (−0,08 till 0,91) for a ratio of two means of kronor."""
    from jamtools.stats.amounts import compare_amounts

    rows = pd.DataFrame({"kon": ["kvinna"] * 4 + ["man"] * 6,
                         "kr": [0.0, 0.0, 0.0, 2400.0, 1500.0, 2500.0, 1800.0, 2200.0, 2100.0, 2300.0]})
    plain = compare_amounts(rows, "kr", levels=("kvinna", "man")).set_index("measure")
    cut = compare_amounts(rows, "kr", levels=("kvinna", "man"), at_least=0.0).set_index("measure")
    assert plain.loc["ratio_of_means", "ci_low"] < 0
    assert cut.loc["ratio_of_means", "ci_low"] == 0.0
    assert cut.loc["ratio_of_means", "ci_high"] == plain.loc["ratio_of_means", "ci_high"]
    assert cut.loc["mean_difference", "ci_low"] == plain.loc["mean_difference", "ci_low"]  # may be < 0


def test_an_oaxaca_split_of_a_group_as_small_as_its_model_has_no_interval():
    """A probe's ht_01 with 7 men: "Förklarad +2,8 (2,8 till 2,8)". HC1's factor n/(n − k) is
    not a number for a model with no residual degrees of freedom, and max(0, nan) made the
    standard error 0. The whole gap's interval is Welch's t, as the crude comparison's."""
    from jamtools.stats.amounts import oaxaca_blinder

    rng = np.random.default_rng(5)
    women = pd.DataFrame({"kon": "kvinna", "adl": rng.integers(0, 7, 40), "alder": rng.integers(65, 95, 40)})
    men = pd.DataFrame({"kon": "man", "adl": np.arange(7), "alder": 70 + np.arange(7)})
    data = pd.concat([women, men], ignore_index=True)
    data["adl"] = data["adl"].astype(str)
    data["h"] = rng.gamma(3, 8, len(data)).round(1)
    out = oaxaca_blinder(data, "h", "kon", ["adl", "alder"], levels=("kvinna", "man")).set_index("measure")
    for part in ("oaxaca_explained", "oaxaca_unexplained"):
        assert np.isnan(out.loc[part, "ci_low"]) and np.isnan(out.loc[part, "ci_high"])
        assert not np.isnan(out.loc[part, "estimate"])
    welch = sps.ttest_ind(data.loc[data.kon == "kvinna", "h"], data.loc[data.kon == "man", "h"],
                          equal_var=False).confidence_interval(0.95)
    assert out.loc["oaxaca_gap", ["ci_low", "ci_high"]].tolist() == pytest.approx([welch.low, welch.high])
