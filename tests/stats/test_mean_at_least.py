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
