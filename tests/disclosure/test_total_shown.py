"""binary_outcome hides both groups' shares when one is hidden and the page shows their total
(the default), and only the hidden one when the page shows no total (eb's comparisons).

A reviewer's bof_05 scenario: 20 fathers of whom 11 contacted are shown in one table; split by
the child's sex, girls' fathers are 10 with 4 not contacted (small, hidden). Had the boys' row
(10, 5) been shown beside it, the girls' row would follow as 20 − 10 and 9 − 5."""
from __future__ import annotations

import pandas as pd

from jamtools.disclosure import analyses


def _fathers() -> pd.DataFrame:
    return pd.DataFrame({"kon": ["flicka"] * 10 + ["pojke"] * 10,
                         "kontaktad": [1] * 6 + [0] * 4 + [1] * 5 + [0] * 5})


def test_a_total_shown_hides_the_other_group_too():
    shares = analyses.binary_outcome(_fathers(), "kontaktad", levels=("flicka", "pojke"),
                                     threshold=5).shares.set_index("kon")
    assert shares["suppressed"].all()
    assert shares[["n", "events", "share"]].isna().all().all()


def test_without_a_total_only_the_small_group_is_hidden():
    shares = analyses.binary_outcome(_fathers(), "kontaktad", levels=("flicka", "pojke"),
                                     threshold=5, total_shown=False).shares.set_index("kon")
    assert bool(shares.loc["flicka", "suppressed"]) and not bool(shares.loc["pojke", "suppressed"])
    assert shares.loc["pojke", "n"] == 10 and shares.loc["pojke", "events"] == 5
