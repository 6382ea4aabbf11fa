"""The id lookups of :mod:`jamtools.data.check` (Arrow hash lookups) against pandas on the
same values: is_in, not_in and occurrences, with missing values, numbers as ids, Arrow and
object strings, an index of its own and empty sets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.data.check import is_in, not_in, occurrences

RNG = np.random.default_rng(5)
IDS = [f"P{i:04d}" for i in RNG.integers(0, 300, 2000)]


def _values(kind: str) -> pd.Series:
    raw = pd.Series(IDS[:1000], index=RNG.permutation(1000) + 10)
    raw[raw.index[::17]] = None
    if kind == "arrow":
        return raw.astype("string[pyarrow]")
    if kind == "object":
        return raw.astype(object)
    return pd.Series(RNG.integers(0, 300, 1000), index=raw.index).astype("Int64").where(raw.notna())


@pytest.mark.parametrize("kind", ["arrow", "object", "numbers"])
def test_lookups_equal_pandas(kind):
    values = _values(kind)
    other = pd.Series(IDS[1000:] + [None], dtype=object)
    if kind == "numbers":
        other = pd.Series(RNG.integers(0, 300, 1000)).astype("Int64")
    text = values.astype("string")  # what the lookups compare: the values as text
    known = set(other.dropna().astype(str))
    expect_in = text.isin(known).fillna(False).astype(bool) & values.notna()
    pd.testing.assert_series_equal(is_in(values, other), expect_in, check_names=False)
    pd.testing.assert_series_equal(not_in(values, other), values.notna() & ~expect_in, check_names=False)
    counts = other.dropna().astype(str).value_counts()
    expect_n = text.map(counts).fillna(0).astype("int64")
    pd.testing.assert_series_equal(occurrences(values, other), expect_n, check_names=False)
    assert expect_in.any() and (~expect_in).any() and expect_n.max() > 1  # the case is not trivial


def test_empty_and_missing():
    values = pd.Series(["a", None, "b"], dtype="string[pyarrow]")
    assert not is_in(values, []).any()
    assert not_in(values, []).tolist() == [True, False, True]
    assert occurrences(values, pd.Series([], dtype=object)).tolist() == [0, 0, 0]
    assert is_in(values, pd.Series([None, "b"])).tolist() == [False, False, True]  # missing never matches
