"""A category is listed only when someone has it, and zeros are shown: a reader who sees a
'..' beside shown zeros in a category's row knows the '..' is at least 1. The attacker of the
complementary suppression must know it too, and a distribution's group sizes are shown (beside
the index, and by every share shown) whatever its table hides.

pum38's kulturskola of 30 pupils: from 2024, 3 boys in all (shown beside the index and by the
shares), girls 0 in elbas, gitarr and piano, the boys' three counts hidden. Each hidden count
could be 0 to 3 for an attacker allowed zeros; but each is at least 1, and three of them add up
to 3: one boy in each instrument, every hidden count given back.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.stats.categorical import distribution_by_group


def _pupils(rows):
    return pd.DataFrame([(sex, instrument) for sex, instrument, n in rows for _ in range(n)],
                        columns=["kon", "instrument"])


def _bounds_given_back(shown: pd.DataFrame) -> list:
    """The hidden counts a reader pins from what the table shows: each group's size (shown
    beside the index and by any shown share), the counts shown, and that an instrument listed
    has a pupil: a '..' whose row shows only zeros beside it is at least 1."""
    only = shown.groupby("instrument")["events"].transform(
        lambda v: v.isna().sum() == 1 and (v.dropna() == 0).all())
    given = []
    for sex, part in shown.groupby("kon"):
        size = part["n"].dropna()
        hidden = part["events"].isna()
        if size.empty or not hidden.any():
            continue
        rest = float(size.iloc[0]) - part.loc[~hidden, "events"].sum()
        at_least_one = int((hidden & only[part.index]).sum())
        if at_least_one and rest <= at_least_one:  # each of them is then exactly 1
            given.append((sex, at_least_one, rest))
    return given


def test_hidden_counts_known_to_be_nonzero_are_not_given_back_by_the_group_size():
    pupils = _pupils([("flicka", "sang", 7), ("pojke", "elbas", 1), ("pojke", "gitarr", 1),
                      ("pojke", "piano", 1)])
    dist = distribution_by_group(pupils, "instrument")
    shown = disclosure.disclose_distribution(dist, "instrument", threshold=3)
    assert _bounds_given_back(shown) == []


def test_a_listed_row_has_someone_in_the_attackers_bounds():
    # a column of three hidden 1s beside its total 3, each beside a shown 0 in its row: each is
    # 1 once a listed row is known to have someone
    # (the rows' totals hidden, as a category's total of 1 is: only the column can tell)
    counts = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 7.0]])
    hidden = np.zeros((5, 3), bool)
    hidden[:3, 0] = True
    hidden[:3, 2] = True
    ext = disclosure.extend_with_totals(counts)
    lo, hi = disclosure.cell_bounds(ext, hidden, listed_rows=True)
    assert (lo[:3, 0] == 1).all() and (hi[:3, 0] == 1).all()
    assert disclosure.pinned(ext, hidden, listed_rows=True)[:3, 0].all()
    # without it (a table whose rows may be empty) a hidden count may be 0
    assert not disclosure.pinned(ext, hidden)[:3, 0].any()
