"""A sum of money over many units of which few have any gives those few's amounts: a probe ran
ru_01 at threshold 10 on 16 women's applications, the number granted hidden, and the table of
funds showed the women's 2,4 million kr granted. The contributors rule for magnitude tables
(Hundepool et al. 2012, §4.2) hides a group's sum, mean and share when fewer than the threshold
of its units have an amount other than 0."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters.ru import funds_table
from jamtools.disclosure.analyses import amount_outcome, disclose_amount_summary
from jamtools.stats.amounts import describe_amounts


def _applications(granted_women: int, granted_men: int, *, women=16, men=24, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for sex, n, k in (("kvinna", women, granted_women), ("man", men, granted_men)):
        for i in range(n):
            rows.append({"kon": sex, "beviljad": int(i < k),
                         "beviljat_belopp": float(rng.integers(50, 400) * 1000) if i < k else 0.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_a_sum_of_few_contributors_is_hidden_with_its_complement(threshold):
    rows = _applications(threshold - 1, 20)
    out = disclose_amount_summary(describe_amounts(rows, "beviljat_belopp", "kon"), threshold=threshold)
    women = out[out["kon"] == "kvinna"].iloc[0]
    assert women["suppressed"]
    assert women["suppression_reason"] == disclosure.REASON_HIDDEN  # the one reason (test_reason_bounds)
    assert np.isnan(women["sum"]) and np.isnan(women["mean"]) and np.isnan(women["share_of_total"])
    # the men's share of the money is 1 less the women's: hidden too
    assert np.isnan(out.loc[out["kon"] == "man", "share_of_total"]).all()
    # the number of units with an amount is used, not published (with n it gives the zeros)
    assert "n_nonzero" not in out.columns


def test_enough_contributors_hide_nothing():
    out = disclose_amount_summary(describe_amounts(_applications(10, 20), "beviljat_belopp", "kon"),
                                  threshold=10)
    assert not out["suppressed"].any() and out["sum"].notna().all()


def test_no_contributors_at_all_is_a_sum_of_zero_shown():
    out = disclose_amount_summary(describe_amounts(_applications(0, 20), "beviljat_belopp", "kon"),
                                  threshold=10)
    assert not out["suppressed"].any()
    assert out.loc[out["kon"] == "kvinna", "sum"].iloc[0] == 0


def test_the_probes_table_of_funds_no_longer_shows_the_money():
    table = funds_table(_applications(9, 15), threshold=10)
    women = table.frame.set_index("Projektledare").loc["Kvinnor"]
    assert women["Beviljat totalt (miljoner kr)"] == ".."
    assert women["Andel av beviljade medel"] == ".."
    control = funds_table(_applications(12, 15), threshold=10).frame.set_index("Projektledare")
    assert control.loc["Kvinnor", "Beviljat totalt (miljoner kr)"] != ".."


def test_the_comparisons_of_a_group_of_few_contributors_are_hidden():
    rows = _applications(2, 20, women=30, men=30)
    res = amount_outcome(rows, "beviljat_belopp", levels=("kvinna", "man"), threshold=5, n_boot=199)
    assert res.summary.loc[res.summary["kon"] == "kvinna", "suppressed"].all()
    assert res.comparisons["suppressed"].all() and res.comparisons["estimate"].isna().all()


def test_a_sex_without_units_beside_few_contributors_does_not_stop_the_chapter():
    """A review: with no men at all, the men's missing count of contributors reached the
    protection as NaN, and r4_02 stopped ("b_eq must not contain nan")."""
    from jamtools.chapters.resources import RESOURCE_TABLES, effective_spec, resource_distribution

    women = pd.DataFrame({"kon": ["kvinna"] * 20, "beviljat_belopp": [250000.0] * 3 + [0.0] * 17})
    res = resource_distribution(women, effective_spec(RESOURCE_TABLES["ru_ansokningar"], ()), threshold=5)
    summary = res.amounts.summary.set_index("kon")
    assert summary.loc["kvinna", "suppressed"] and summary.loc["man", "n"] == 0
    counts = pd.DataFrame({"kon": ["kvinna"] * 20, "insatser": [4.0] * 3 + [0.0] * 17})
    out = amount_outcome(counts, "insatser", levels=("kvinna", "man"), threshold=5, n_boot=99,
                         sum_is_count=True)
    # a sum that is a count (12 interventions) is protected as a count, not by its contributors
    women = out.summary.set_index("kon").loc["kvinna"]
    assert not women["suppressed"] and women["sum"] == 12


def test_categories_with_few_contributors_are_hidden_and_cannot_be_subtracted():
    """``by``: a need level where few women have an amount is hidden, and so is another of the
    women's levels, since their sums add up to the women's sum shown in the overall summary."""
    rng = np.random.default_rng(7)
    rows = []
    for sex in ("kvinna", "man"):
        for level, k in (("låg", 3 if sex == "kvinna" else 12), ("medel", 15), ("hög", 20)):
            rows += [{"kon": sex, "behov": level, "kr": float(rng.integers(1, 50)) * 1000 if i < k else 0.0}
                     for i in range(30)]
    data = pd.DataFrame(rows)
    res = amount_outcome(data, "kr", levels=("kvinna", "man"), by="behov", threshold=5, n_boot=99)
    by = res.by_summary.set_index(["behov", "kon"])
    assert by.loc[("låg", "kvinna"), "suppressed"]
    assert by.loc[("låg", "kvinna"), "suppression_reason"] == disclosure.REASON_HIDDEN
    women = by.xs("kvinna", level="kon")
    assert women["suppressed"].sum() >= 2  # the complement in the women's row of levels
    assert "n_nonzero" not in res.by_summary.columns


def test_the_contributors_column_never_leaves_the_disclosure():
    """A review: with ``sum_is_count`` the contributors rule is skipped, and ``n_nonzero`` was
    left in the disclosed summary of a hidden row."""
    counts = pd.DataFrame({"kon": ["kvinna"] * 20 + ["man"] * 2, "insatser": [4.0] * 3 + [0.0] * 17 + [1.0, 0.0]})
    out = amount_outcome(counts, "insatser", levels=("kvinna", "man"), threshold=5, n_boot=99,
                         sum_is_count=True)
    assert "n_nonzero" not in out.summary.columns


def test_a_hidden_groups_unusual_amount_is_not_told():
    from jamtools.present.report import unusual_amounts_text

    data = pd.DataFrame({"kon": ["kvinna", "man"], "sokt_belopp": [9e8, 1e5], "beviljat_belopp": [0.0, 1e5]})
    assert unusual_amounts_text(data, "ru_ansokningar")
    assert unusual_amounts_text(data, "ru_ansokningar", hidden=True) == ""
