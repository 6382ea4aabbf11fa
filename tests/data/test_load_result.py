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
        for options, note, name in ((dict(age=(65, 80)), "Åldersintervallet kunde inte väljas", "age"),
                                    (dict(period=("2023-01-01", "2023-12-31")), "Perioden kunde inte väljas",
                                     "period")):
            loaded = load_table("ht_beslut", **kw, **options)
            if label == "empty":
                assert loaded.n_rows() == n and any(note in t for t in loaded.notes), options
                assert loaded.unapplied == (name,)  # (the chapter's heading does not claim it)
            else:
                assert loaded.n_rows() < n - 9 and not any(note in t for t in loaded.notes)
                assert loaded.unapplied == ()
                assert sum(loaded.excluded_by_reason().values()) == n - loaded.n_rows()
        if label == "empty":
            with pytest.raises(DataValidationError, match="Enheten 'Norr' kan inte väljas"):
                load_table("ht_beslut", **kw, unit="Norr")
        else:
            assert load_table("ht_beslut", **kw, unit="Norr").n_rows() == n - 10


@pytest.mark.parametrize("blank", ["", "  "])
@pytest.mark.parametrize("mode", ["rows", "cells", "linked"])
def test_a_key_without_any_value_is_as_none(tmp_path, blank, mode):
    """A key column given but empty in every row (empty or only spaces) identifies no row: the
    load is the one without the column (every row kept, numbered by its row), with its own
    note, not a missing id in every row (which left every row out). A key partly empty still
    leaves out the rows without one, each counted."""
    import numpy as np

    from jamtools.data.load import MissingColumns, load_table

    rng = np.random.default_rng(7)
    n = 40
    frame = pd.DataFrame({"beslut_id": [f"b{i}" for i in range(n)],
                          "kon": rng.choice(["kvinna", "man"], n),
                          "beviljade_timmar": rng.uniform(1, 50, n).round(1)})
    kw = dict(columns=["kon", "beviljade_timmar"], optional=["beslut_id"])
    if mode != "rows":
        kw.update(cells=True, linked=mode == "linked")
    loads = {}
    for label, data in (("empty", frame.assign(beslut_id=blank)), ("absent", frame.drop(columns="beslut_id")),
                        ("partly", frame.assign(beslut_id=[blank] * 5 + frame["beslut_id"][5:].tolist()))):
        folder = tmp_path / label
        folder.mkdir()
        data.to_csv(folder / "ht_beslut.csv", index=False)
        loads[label] = load_table("ht_beslut", data_dir=folder, **kw)
    empty, absent, partly = loads["empty"], loads["absent"], loads["partly"]
    assert empty.n_rows() == absent.n_rows() == n and not any(empty.excluded_by_reason().values())
    assert not empty.has("beslut_id")
    kinds = {p.kind for p in empty.checked.problems}
    assert "empty_key" in kinds and "missing_id" not in kinds
    assert {p.kind for p in absent.checked.problems} == {"row_ids"}
    assert empty.counts_by_sex() == absent.counts_by_sex()
    if mode != "cells":  # (with the column given, a load that may use it reads rows, not cells)
        pd.testing.assert_frame_equal(empty.data, absent.data)
    if mode == "rows":
        assert empty.data["beslut_id"].tolist() == [f"rad {i + 2}" for i in range(n)]
    assert partly.n_rows() == n - 5 and {k: v for k, v in partly.excluded_by_reason().items() if v} == {"Saknat id (beslut_id)": 5}
    # a chapter that needs the id is told that the column has no value; without the column,
    # that it is missing (it is numbered from the row position all the same)
    with pytest.raises(MissingColumns, match=r"beslut_id \(inget värde på någon rad\)"):
        load_table("ht_beslut", data_dir=tmp_path / "empty", columns=["kon", "beslut_id"])
    with pytest.raises(MissingColumns) as absent_error:
        load_table("ht_beslut", data_dir=tmp_path / "absent", columns=["kon", "beslut_id"])
    assert "beslut_id" in str(absent_error.value) and "inget värde" not in str(absent_error.value)


@pytest.mark.parametrize("key", ["values", "nulls"])
def test_a_typed_key_in_parquet(tmp_path, key):
    """The search for a value reads a typed key as its text: an integer key with values is the
    key; one that is null in every row is as none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jamtools.data.load import load_table

    n = 30
    ids = pa.array(range(1, n + 1), pa.int64()) if key == "values" else pa.nulls(n, pa.int64())
    pq.write_table(pa.table({"beslut_id": ids, "kon": pa.array(["kvinna", "man"] * (n // 2)),
                             "beviljade_timmar": pa.array([float(i) for i in range(n)])}),
                   tmp_path / "ht_beslut.parquet")
    loaded = load_table("ht_beslut", data_dir=tmp_path)
    assert loaded.n_rows() == n
    kinds = {p.kind for p in loaded.checked.problems}
    if key == "values":
        assert loaded.has("beslut_id") and not kinds & {"empty_key", "row_ids"}
    else:
        assert not loaded.has("beslut_id") and "empty_key" in kinds


def test_a_chapter_needing_a_column_without_values_says_so(tmp_path):
    """The run's check: a chapter that needs a column the export gives empty in every row (an
    id, or another column) names it as without values, not as missing from the export."""
    import yaml

    from jamtools.run import check as run_check
    from jamtools.run.config import load_config

    plans = pd.DataFrame({"planering_id": [""] * 6, "kon": ["kvinna", "man"] * 3})
    offers = pd.DataFrame({"insats_id": [f"i{i}" for i in range(6)], "planering_id": [f"p{i}" for i in range(6)],
                           "kon": ["kvinna", "man"] * 3, "insatstyp": [""] * 6})
    plans.to_csv(tmp_path / "eb_planering.csv", index=False, sep=";")
    offers.to_csv(tmp_path / "eb_insatser.csv", index=False, sep=";")
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": str(tmp_path)}), encoding="utf-8")
    ready = run_check.check_inputs(load_config(cfg), chapters=["eb_03_insatser"]).chapters["eb_03_insatser"]
    assert not ready.can_run
    assert ready.missing == ("eb_planering: planering_id (inget värde på någon rad)",
                             "eb_insatser: insatstyp (inget värde på någon rad)")


def test_a_reference_to_a_key_without_any_value_says_so(tmp_path):
    """The run's check: a reference to a key given but empty in every row is not checked, and
    says that the key has no values (not that the column is missing)."""
    import yaml

    from jamtools.run import check as run_check
    from jamtools.run.config import load_config

    clients = pd.DataFrame({"person_id": ["  "] * 6, "kon": ["kvinna", "man"] * 3,
                            "bistand_beviljat": [1, 0, 1, 1, 0, 1]})
    outcomes = pd.DataFrame({"person_id": ["p1", "p2", "p3"], "kon": ["kvinna", "man", "man"],
                             "sjalvforsorjande": [1, 0, 1]})
    clients.to_csv(tmp_path / "eb_klienter.csv", index=False, sep=";")
    outcomes.to_csv(tmp_path / "eb_utfall.csv", index=False, sep=";")
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": str(tmp_path)}), encoding="utf-8")
    found = run_check.check_inputs(load_config(cfg)).as_dict()["tables"]
    messages = [p["message"] for t in found.values() for p in t["problems"]]
    assert any("eb_klienter har inga värden i kolumnen person_id" in m for m in messages), messages
    assert any("id-kolumnen är tom på varje rad" in m for m in messages), messages
    assert not any("eb_klienter saknar kolumnen" in m for m in messages), messages


@pytest.mark.parametrize("cells", [False, True])
def test_a_unit_the_table_lacks_stops_with_its_units_and_case_does_not_matter(tmp_path, cells):
    """A probe's `enhet: Nord` (the data have Norr and Söder) left every row out without a word,
    and the chapter's text spoke of groups with too few units."""
    from jamtools.data.load import DataValidationError, load_table

    pd.DataFrame({"beslut_id": [f"b{i}" for i in range(8)], "kon": ["kvinna", "man"] * 4,
                  "enhet": ["Norr", "Söder"] * 4, "beviljade_timmar": [5.0] * 8}
                 ).to_csv(tmp_path / "ht_beslut.csv", index=False)
    kw = dict(data_dir=tmp_path, columns=["kon", "beviljade_timmar"], optional=["enhet"], cells=cells)
    with pytest.raises(DataValidationError, match="'Nord'.*enheterna där är Norr, Söder"):
        load_table("ht_beslut", **kw, unit="Nord")
    assert load_table("ht_beslut", **kw, unit="söder").n_rows() == 4
    assert load_table("ht_beslut", **kw, unit="Norr").n_rows() == 4
