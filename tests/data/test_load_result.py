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


@pytest.mark.parametrize("cells", [False, True])
def test_a_filters_column_without_any_value_is_as_none(tmp_path, cells):
    """An age, date or unit column present in the export but empty in every row: the age range
    and the period cannot be chosen, and every row is kept with a note, as when the column is
    not there (each row was left out for it); a unit cannot be chosen and says so. A column
    partly empty leaves out only its empty rows, each counted."""
    import numpy as np

    from jamtools.data.load import DataValidationError, load_table

    rng = np.random.default_rng(4)
    n = 60
    frame = pd.DataFrame({"beslut_id": [f"b{i}" for i in range(n)],
                          "kon": rng.choice(["kvinna", "man"], n),
                          "alder": rng.integers(65, 95, n).astype(float),
                          "beslutsdatum": ["2023-05-01"] * n, "enhet": ["Norr"] * n,
                          "beviljade_timmar": rng.uniform(1, 50, n).round(1)})
    for label, blank in (("empty", slice(None)), ("partly", slice(0, 10))):
        data = frame.copy()
        data.loc[data.index[blank], ["alder", "beslutsdatum", "enhet"]] = np.nan
        folder = tmp_path / label
        folder.mkdir()
        data.to_csv(folder / "ht_beslut.csv", index=False)
        kw = dict(data_dir=folder, columns=["kon", "beviljade_timmar"],
                  optional=["alder", "beslutsdatum", "enhet"], cells=cells)
        for options, note in ((dict(age=(65, 80)), "Åldersintervallet kunde inte väljas"),
                              (dict(period=("2023-01-01", "2023-12-31")), "Perioden kunde inte väljas")):
            loaded = load_table("ht_beslut", **kw, **options)
            if label == "empty":
                assert loaded.n_rows() == n and any(note in t for t in loaded.notes), options
            else:
                assert loaded.n_rows() < n - 9 and not any(note in t for t in loaded.notes)
                assert sum(loaded.excluded_by_reason().values()) == n - loaded.n_rows()
        if label == "empty":
            with pytest.raises(DataValidationError, match="Enheten 'Norr' kan inte väljas"):
                load_table("ht_beslut", **kw, unit="Norr")
        else:
            assert load_table("ht_beslut", **kw, unit="Norr").n_rows() == n - 10
