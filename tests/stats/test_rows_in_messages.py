"""A message that refuses rows counts the rows and says "1 rad" / "N rader": amount_outcome
refusing 3 blank amounts said "på 1 rader", because the rows were first made into one
combination per amount (the blank ones into one), and the statistics layer wrote "rader" after
any count."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.disclosure import analyses as analysis


def _amounts(blank: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 320, "v": rng.gamma(2, 100, 620)})
    frame.loc[300:300 + blank - 1, "v"] = np.nan
    return frame


@pytest.mark.parametrize("blank, said", [(3, "på 3 rader;"), (1, "på 1 rad;")])
def test_amount_outcome_counts_the_blank_rows(blank, said):
    with pytest.raises(ValueError) as err:
        analysis.amount_outcome(_amounts(blank), "v", levels=["kvinna", "man"], threshold=5, n_boot=10)
    assert said in str(err.value) and "nan" not in str(err.value).lower(), str(err.value)


def test_a_counted_table_counts_its_rows_and_a_value_is_an_example():
    frame = pd.DataFrame({"kon": ["kvinna", "kvinna", "man", "man"], "v": [10.0, None, "tio", 5.0],
                          "n": [4, 3, 2, 6]})
    with pytest.raises(ValueError) as err:
        stats.describe_amounts(frame, "v", "kon", count="n")
    assert "på 5 rader (till exempel 'tio')" in str(err.value), str(err.value)


def test_one_row_is_one_rad():
    frame = pd.DataFrame({"kon": ["kvinna", "man"] * 3, "v": [1.0, 2.0, None, 3.0, 4.0, 5.0],
                          "t": [1.0, 2.0, None, 3.0, 4.0, 5.0], "e": [1, 0, 1, 1, 0, 1]})
    with pytest.raises(ValueError, match="på 1 rad[.]"):
        stats.cells.cell_table(frame, "v", "kon")
    with pytest.raises(ValueError, match="^1 rad har saknad"):
        stats.survival.kaplan_meier(frame, "t", "e", "kon")
    with pytest.raises(ValueError, match=": 1 rad har annat värde"):
        stats.aggregate.collapse(frame.assign(e=[1, 0, None, 1, 0, 1]), "e", "kon")
    with pytest.raises(ValueError, match="^1 rad har saknad"):
        stats.competing.cumulative_incidence(frame.assign(s=[1, 0, 2, 1, 0, 1]), "t", "s", "kon")
