"""Median and quartiles of a small group are single persons' values: a probe read 25,8, 30,0
and 39,8 hours off a group of three (n, mean, median and quartiles) in ht_01 at threshold 3."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.disclosure.analyses import ORDER_STATISTICS, disclose_amount_summary, order_min
from jamtools.present.report import amount_summary_table
from jamtools.stats.amounts import describe_amounts


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_small_groups_lose_their_order_statistics_and_the_table_says_why(threshold):
    rng = np.random.default_rng(threshold)
    sizes = {"kvinna": order_min(threshold), "man": threshold}  # the men shown, but few
    rows = pd.DataFrame([{"kon": k, "timmar": float(rng.gamma(3, 8))} for k, n in sizes.items() for _ in range(n)])
    out = disclose_amount_summary(describe_amounts(rows, "timmar", "kon"), threshold=threshold)
    men, women = out[out["kon"] == "man"].iloc[0], out[out["kon"] == "kvinna"].iloc[0]
    assert not men["suppressed"] and men["order_hidden"] and men[list(ORDER_STATISTICS)].isna().all()
    assert not np.isnan(men["mean"]) and men["n"] == threshold
    assert not women["order_hidden"] and women[list(ORDER_STATISTICS)].notna().all()
    table = amount_summary_table(out)
    assert "Median och kvartiler visas bara för grupper med minst" in table.note
    shown = table.frame.set_index("Kön").loc["Män"]
    assert shown["Median (timmar)"] == ".." and shown["Mittersta hälften (kvartiler)"] == ".."


def test_a_difference_of_medians_does_not_give_a_hidden_median_back():
    """A review: 40 women and 4 men at threshold 3: the men's median hidden, but the women's
    median less the difference of medians gave it back."""
    from jamtools.disclosure.analyses import amount_outcome

    rng = np.random.default_rng(4)
    rows = pd.DataFrame({"kon": ["kvinna"] * 40 + ["man"] * 4, "timmar": rng.gamma(3, 8, 44).round(1)})
    res = amount_outcome(rows, "timmar", levels=("kvinna", "man"), threshold=3, n_boot=199)
    medians = res.comparisons[res.comparisons["measure"] == "median_difference"]
    assert len(medians) and medians["suppressed"].all() and medians["estimate"].isna().all()
    means = res.comparisons[res.comparisons["measure"] == "mean_difference"]
    assert not means["suppressed"].any()
