"""Within-pair comparisons (jamtools.stats.paired; disclosure in jamtools.disclosure.paired, words and
table in jamtools.present.paired) against published and hand-computed values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.disclosure.paired import disclose_pair_table, disclose_paired
from jamtools.present import paired
from jamtools.stats import paired as stats_paired

# Fagerland, Lydersen & Laake (2017), Statistical Analysis of Contingency Tables, ch. 8:
# complete response before and after consolidation therapy (Cavo et al. 2012), the paired
# table [[59, 6], [16, 80]]. The book (and its R package contingencytables, whose tests carry
# the values) gives for the Newcombe square-and-add interval: estimate −0.0621, 95 % CI
# −0.1186 to −0.0046.
CAVO = (59, 6, 16, 80)


def test_newcombe_square_and_add_reference():
    est, lo, hi = stats_paired.newcombe_paired_interval(*CAVO)
    assert est == pytest.approx(-0.0621, abs=5e-5)
    assert lo == pytest.approx(-0.1186, abs=5e-5)
    assert hi == pytest.approx(-0.0046, abs=5e-5)


def test_mcnemar_by_hand():
    # (6 − 16)² / (6 + 16) = 100/22 = 4.545; z = 2.132, p = 0.0330 on 1 df.
    chi2, p = stats_paired.mcnemar(6, 16)
    assert chi2 == pytest.approx(100 / 22)
    assert p == pytest.approx(math.erfc(math.sqrt(100 / 22) / math.sqrt(2)))
    assert p == pytest.approx(0.0330, abs=5e-5)
    assert all(math.isnan(v) for v in stats_paired.mcnemar(0, 0))


def _households():
    # Four couples (one woman, one man each), a single client, a same-sex household, and a
    # couple with a missing outcome: only the four couples are pairs.
    rows = [("H1", "kvinna", 1), ("H1", "man", 0), ("H2", "kvinna", 1), ("H2", "man", 0),
            ("H3", "kvinna", 1), ("H3", "man", 1), ("H4", "kvinna", 0), ("H4", "man", 1),
            ("H5", "kvinna", 1), ("H6", "kvinna", 1), ("H6", "kvinna", 0),
            ("H7", "kvinna", 1), ("H7", "man", None)]
    return pd.DataFrame(rows, columns=["hushall_id", "kon", "y"]).astype({"y": "boolean"})


def test_pair_up_keeps_only_complete_woman_man_pairs():
    pairs = stats_paired.pair_up(_households(), "hushall_id", "y", levels=("kvinna", "man"))
    assert list(pairs.index) == ["H1", "H2", "H3", "H4"]
    assert pairs["a"].tolist() == [1, 1, 1, 0] and pairs["b"].tolist() == [0, 0, 1, 1]


def test_paired_difference_row():
    pairs = stats_paired.pair_up(_households(), "hushall_id", "y", levels=("kvinna", "man"))
    row = stats_paired.paired_difference(pairs, outcome="y").iloc[0]
    # Mothers 3 of 4, fathers 2 of 4: +25 pp; discordant 2 (only mother) and 1 (only father).
    assert row.estimate == pytest.approx(25.0)
    assert (row.pairs, row.discordant_a, row.discordant_b) == (4, 2, 1)
    assert (row.n_a, row.events_a, row.n_b, row.events_b) == (4, 3, 4, 2)
    assert row.measure == stats_paired.MEASURE and row.adjusted and row.adjusted_for == "hushall_id"
    assert row.ci_low < 25 < row.ci_high


def test_disclosure_hides_small_discordant_counts():
    big = pd.DataFrame({"a": [1] * 40 + [0] * 30 + [1] * 3 + [0] * 10,
                        "b": [0] * 40 + [0] * 30 + [1] * 3 + [1] * 10})
    big.attrs["levels"] = ("kvinna", "man")
    ok = disclose_paired(stats_paired.paired_difference(big, outcome="y"), threshold=5)
    assert not ok["suppressed"].iloc[0] and disclosure.is_disclosed(ok)
    small = pd.DataFrame({"a": [1] * 40 + [0] * 30 + [0] * 3, "b": [0] * 40 + [0] * 30 + [1] * 3})
    small.attrs["levels"] = ("kvinna", "man")
    hidden = disclose_paired(stats_paired.paired_difference(small, outcome="y"), threshold=5)
    assert hidden["suppressed"].iloc[0]
    assert hidden[["estimate", "ci_low", "ci_high", "p_value", "discordant_b"]].isna().all(axis=None)
    text = paired.describe_paired(hidden, verb="gällde")
    assert "visas inte" in text


def test_paired_table_hides_small_cells_and_their_complements():
    small = pd.DataFrame({"a": [1] * 40 + [0] * 30 + [0] * 3 + [1] * 20,
                          "b": [0] * 40 + [0] * 30 + [1] * 3 + [1] * 20})
    table = paired.paired_table(disclose_pair_table(small, threshold=5))
    values = table.frame.drop(columns="").to_numpy().ravel().tolist()
    assert "3" not in values and values.count("..") >= 2 and table.note


def test_pair_table_disclosure():
    """The 2 × 2 table with totals: disclosed, the small cell and enough others hidden that it
    cannot be worked out from the shown cells and totals; without small cells all is shown."""
    small = pd.DataFrame({"a": [1] * 40 + [0] * 30 + [0] * 3 + [1] * 20,
                          "b": [0] * 40 + [0] * 30 + [1] * 3 + [1] * 20})
    shown = disclose_pair_table(small, threshold=5)
    assert disclosure.is_disclosed(shown)
    assert list(shown.index) == [1, 0, "summa"] and list(shown.columns) == [1, 0, "summa"]
    assert np.isnan(shown.loc[0, 1]) and shown.isna().sum(axis=None) >= 2
    for row in shown.index:  # a hidden cell never stands alone in its row or column
        assert shown.loc[row].isna().sum() != 1
    for col in shown.columns:
        assert shown[col].isna().sum() != 1
    big = pd.DataFrame({"a": [1] * 40 + [0] * 30 + [0] * 10, "b": [1] * 40 + [0] * 30 + [1] * 10})
    full = disclose_pair_table(big, threshold=5)
    assert not full.isna().any(axis=None)
    assert (full.loc[1, 1], full.loc[0, 1], full.loc[0, 0], full.loc["summa", "summa"]) == (40, 10, 30, 80)
    assert (full.loc[1, "summa"], full.loc["summa", 1]) == (40, 50)
    table = paired.paired_table(full)
    assert table.frame["Summa"].tolist() == ["40", "40", "80"] and not table.note
    with pytest.raises(disclosure.NotDisclosedError):
        paired.paired_table(pd.DataFrame(full.to_numpy(), index=full.index, columns=full.columns))
