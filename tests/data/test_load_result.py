"""A loaded table is an immutable result: excluding rows gives a new one."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data import LoadResult, TABLES


def _loaded() -> LoadResult:
    frame = pd.DataFrame({"kon": ["kvinna", "man", "kvinna", "man"], "x": [1, None, 3, 4]})
    res = LoadResult(TABLES["ht_beslut"], frame, "test")
    res._record("Inlästa rader", frame, "inlästa")
    return res


def test_exclude_returns_a_new_result_and_leaves_the_original():
    whole = _loaded()
    subset = whole.exclude(whole.data["x"].isna(), "Uppgift om x saknas")
    assert subset is not whole
    assert len(whole.data) == 4 and len(subset.data) == 3
    assert whole.excluded_by_reason() == {}
    assert subset.excluded_by_reason() == {"Uppgift om x saknas": 1}
    assert subset.counts_by_sex()["excluded"] == {"man": 1}
    # a second subset of the original does not carry the first one's step
    other = whole.exclude(whole.data["kon"] == "kvinna", "Kvinnor utanför")
    assert set(other.excluded_by_reason()) == {"Kvinnor utanför"}


def test_with_data_keeps_the_rows():
    whole = _loaded()
    more = whole.with_data(whole.data.assign(y=1))
    assert "y" in more.data and "y" not in whole.data
    with pytest.raises(ValueError):
        whole.with_data(whole.data.head(2))
