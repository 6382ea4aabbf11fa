"""The engine's cell tables (``check_view(..., cells=True)``, ``load_table(..., cells=True)``)
give what the row-level check and load give: the same problems (counts, first row numbers,
examples, messages), the same derived columns, and, counted with their weights, the same
rows per combination of values, per problem and per step of the account. Checked on the
bad-file and personnummer fixtures, every demo table and messy values written the many ways
exports write them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jamtools import stats
from jamtools.data import check
from jamtools.data.load import identifying_columns, load_table
from jamtools.data.model import TABLES
from jamtools.data.readers import Source, read_source
from tests.data.test_engine_equivalence import TODAY, _fixture_cases, _messy
from tests.helpers import CountingEngine

FIXTURES = Path(__file__).parent / "fixtures"


def _check(raw: pd.DataFrame, table: str, *, cells: bool, values: bool = True,
           sums: tuple[str, ...] = (), blank: tuple[str, ...] = ()) -> check.CheckedTable:
    from jamtools.data.engine import shared, unique_name

    raw = raw.reset_index(drop=True)
    columns = [str(c) for c in raw.columns]
    con, view = shared(), unique_name("raw")
    drop = Source("f.csv", columns, kind="arrow", frame=raw).view(con, columns, view)
    try:
        return check.check_view(con, view, TABLES[table], source="f.csv",
                                types={c: "VARCHAR" for c in columns}, today=TODAY, cells=cells,
                                values=values, duplicates=False,  # as a load without the key
                                sums=sums, blank=blank)
    finally:
        drop()


def assert_cells_equal_rows(raw: pd.DataFrame, table: str) -> check.CheckedTable:
    """The check of ``raw`` as cells against its check as rows, without the columns that
    tell rows apart (as :func:`load_table` reads them for cells: the personnummer stays, for
    sex and age)."""
    ids = identifying_columns(TABLES[table]) - {"personnummer"}
    raw = raw[[c for c in raw.columns if c not in ids]]
    rows = _check(raw, table, cells=False)
    cells = _check(raw, table, cells=True)
    assert rows.weight is None and cells.weight == check.CELL_COUNT
    assert [p.as_dict() for p in cells.problems] == [p.as_dict() for p in rows.problems]
    assert cells.derived == rows.derived and cells.depends == rows.depends
    assert cells.present == rows.present and cells.rows_read == rows.rows_read
    assert cells.sex_flags == rows.sex_flags
    weights = cells.data[check.CELL_COUNT]
    assert len(cells.data) <= len(rows.data) and int(weights.sum()) == len(rows.data)
    assert (weights > 0).all()
    # no column that tells rows apart reaches the cell table
    assert not set(cells.data.columns) & identifying_columns(TABLES[table])
    keys = [c for c in cells.data.columns if c != check.CELL_COUNT]
    assert set(keys) == set(rows.data.columns) - identifying_columns(TABLES[table])
    with pytest.raises(ValueError):
        _check(raw.assign(**{TABLES[table].key: "x"}), table, cells=True)
    # grouped by the problems only (the run's check): the same problems, columns and account,
    # one cell per combination of problems
    problems = _check(raw, table, cells=True, values=False)
    assert [p.as_dict() for p in problems.problems] == [p.as_dict() for p in rows.problems]
    assert problems.derived == rows.derived and problems.present == rows.present
    assert problems.rows_read == rows.rows_read and problems.sex_flags == rows.sex_flags
    assert int(problems.data[check.CELL_COUNT].sum()) == len(rows.data)
    assert len(problems.data) <= len(cells.data)
    if not rows.problems:
        assert len(problems.data) <= 1
    for c in keys:
        assert cells.data[c].dtype == rows.data[c].dtype, c
    if keys:
        want = rows.data.groupby(keys, dropna=False, observed=True).size()
        got = cells.data.groupby(keys, dropna=False, observed=True)[check.CELL_COUNT].sum()
        pd.testing.assert_series_equal(got[got > 0].sort_index(), want.sort_index(),
                                       check_names=False, check_dtype=False)
    every = [c.name for c in TABLES[table].columns]
    for columns in (every, ["kon"], keys[:1]):
        want = [(r, int(m.sum())) for r, m in rows.bad_rows(columns)]
        got = [(r, int(weights[m.to_numpy()].sum())) for r, m in cells.bad_rows(columns)]
        assert got == want, columns
    t = TABLES[table]
    for amount in [c for c in keys if t.column(c).dtype in ("int", "float")
                   and c not in (t.date_column, t.age_column, t.unit_column)]:  # read by filters
        assert_sums_equal_rows(raw, table, amount, rows)
    return cells


def assert_sums_equal_rows(raw: pd.DataFrame, table: str, amount: str, rows: check.CheckedTable) -> None:
    """The cell table with ``amount`` summed per cell (``sums=``) against the rows: the same
    problems and account, and per combination of the other columns the rows' count, their
    mean amount and the sum of squares about it (missing where the rows have no amount)."""
    import numpy as np

    summed = _check(raw, table, cells=True, sums=(amount,))
    spread = check.SPREAD + amount
    assert [p.as_dict() for p in summed.problems] == [p.as_dict() for p in rows.problems]
    assert summed.present == rows.present and summed.rows_read == rows.rows_read
    assert summed.derived == rows.derived and summed.sex_flags == rows.sex_flags
    weights = summed.data[check.CELL_COUNT]
    assert int(weights.sum()) == len(rows.data) and (weights > 0).all()
    for columns in ([c.name for c in TABLES[table].columns], [amount]):
        want = [(r, int(m.sum())) for r, m in rows.bad_rows(columns)]
        got = [(r, int(weights[m.to_numpy()].sum())) for r, m in summed.bad_rows(columns)]
        assert got == want, columns
    others = [c for c in summed.data.columns if c not in (check.CELL_COUNT, amount, spread)]
    assert set(others) == set(rows.data.columns) - identifying_columns(TABLES[table]) - {amount}
    # the problems' flags are part of a cell: compare per combination of values and problems
    flags = sorted({k for k in rows.masks} | {k for k in summed.masks})
    def frame(data, masks, weight):
        out = data[others].copy()
        for i, k in enumerate(flags):
            out[f"__p{i}"] = masks[k].to_numpy() if k in masks else False
        out["__n"] = data[weight] if weight else 1
        return out
    r = frame(rows.data, rows.masks, None)
    r["__y"] = rows.data[amount].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    c = frame(summed.data, summed.masks, check.CELL_COUNT)
    c["__y"] = summed.data[amount].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    c["__ss"] = summed.data[spread].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    assert (np.isnan(c["__y"]) == np.isnan(c["__ss"])).all()
    by = [k for k in r.columns if k not in ("__n", "__y")]

    def text(index):  # <NA> and NaN as text, to compare
        return [tuple(map(str, k if isinstance(k, tuple) else (k,))) for k in index]

    # the rows per combination, with and without an amount, are the cells' (which may also be
    # told apart by flags that are no problem, such as whether the amount was given)
    for part in (r, c):
        part["__has"] = ~np.isnan(part["__y"].to_numpy(dtype=float))
    counts = [part.groupby([*by, "__has"], dropna=False, observed=True)["__n"].sum() for part in (r, c)]
    assert sorted(zip(text(counts[0].index), counts[0])) == sorted(zip(text(counts[1].index), counts[1]))
    # the amounts' moments per combination: from the rows, and from the cells' means and sums
    want = stats.amount_moments(r[r["__has"]], "__y", by).data
    got = stats.amount_moments(c[c["__has"]], "__y", by, count="__n", spread="__ss").data
    assert text(want[by].itertuples(index=False)) == text(got[by].itertuples(index=False))
    np.testing.assert_array_equal(got["n"].to_numpy(), want["n"].to_numpy())
    scale = float(np.nanmax(np.abs(r["__y"]), initial=1.0))
    for m, atol in (("mean_y", 1e-12 * scale), ("sum_y", 1e-9 * scale), ("ss_y", 1e-9 * scale ** 2),
                    ("sum_y2", 1e-9 * scale ** 2)):
        np.testing.assert_allclose(got[m].to_numpy(), want[m].to_numpy(), rtol=1e-9, atol=atol, err_msg=m)


@pytest.mark.parametrize("path,table", _fixture_cases())
def test_fixture_files_give_the_same_cells(path, table):
    raw, _ = read_source({"file": str(path)}, path.parent)
    if table == "eb_klienter" and "personnummer" in raw.columns:
        raw = raw.rename(columns={"Kon": "kon"})
    assert_cells_equal_rows(raw, table)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_demo_tables_give_the_same_cells(demo, table):
    folder, _ = demo
    raw, _ = read_source({"file": str(folder / f"{table}.csv")}, folder)
    assert_cells_equal_rows(raw, table)


@pytest.mark.parametrize("seed", [0, 1])
def test_messy_values_give_the_same_cells(seed, monkeypatch):
    monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", "a key for the test")
    raw = _messy(seed=seed)
    cells = assert_cells_equal_rows(raw, "ht_beslut")
    assert "person_id" not in cells.data and cells.derived["person_id"] == "personnummer"
    assert_cells_equal_rows(raw.drop(columns=["kon", "alder"]), "ht_beslut")
    assert_cells_equal_rows(raw.drop(columns=["beslutsdatum", "beslut_id"]), "ht_beslut")
    # without the personnummer the check has two phases (the rows' combinations first)
    assert_cells_equal_rows(raw.drop(columns=["personnummer"]), "ht_beslut")
    clients = raw.drop(columns=["beslut_id"]).rename(columns={"beslutsdatum": "ansokningsdatum"})
    assert_cells_equal_rows(clients, "eb_klienter")


@pytest.mark.parametrize("seed", [0, 1])
def test_blank_required_ids_are_the_same_problem_as_rows_and_as_cells(seed, monkeypatch):
    """A blank value in an id a chapter needs that is not the key (the run's check's
    ``blank``): a note's personnummer (the person's id comes from it) and an offer's planning
    are the same ``missing_value`` in the check of rows and in the check of cells, by problems
    (the run's) or by values; the key's own blanks stay a missing id only."""
    monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", "a key for the test")
    raw = _messy(seed=seed)
    notes = pd.DataFrame({"anteckning_id": raw["beslut_id"], "personnummer": raw["personnummer"],
                          "kon": raw["kon"], "datum": raw["beslutsdatum"],
                          "anteckning": raw["enhet"]})
    blank = ("person_id", "anteckning", "anteckning_id")
    rows = _check(notes, "um_anteckningar", cells=False, blank=blank)
    found = {(p.column, p.kind): p.count for p in rows.problems if p.kind in ("missing_value", "missing_id")}
    assert found == {("person_id", "missing_value"): int(notes["personnummer"].isna().sum()),
                     ("anteckning", "missing_value"): int(notes["anteckning"].isna().sum()),
                     ("anteckning_id", "missing_id"): int(notes["anteckning_id"].isna().sum())}
    problems = _check(notes, "um_anteckningar", cells=True, values=False, blank=blank)
    assert [p.as_dict() for p in problems.problems] == [p.as_dict() for p in rows.problems]
    # by values, without the columns that tell rows apart (the personnummer stays)
    kept = notes[["personnummer", "kon", "datum"]]
    by_values = _check(kept, "um_anteckningar", cells=True, blank=blank)
    assert [p.as_dict() for p in by_values.problems] == [
        p.as_dict() for p in _check(kept, "um_anteckningar", cells=False, blank=blank).problems]
    assert [p.count for p in by_values.problems if p.kind == "missing_value"] == [found[("person_id", "missing_value")]]
    offers = pd.DataFrame({"insats_id": raw["beslut_id"], "planering_id": raw["enhet"], "kon": raw["kon"],
                           "startdatum": raw["beslutsdatum"]})
    rows = _check(offers, "eb_insatser", cells=False, blank=("planering_id",))
    assert [(p.column, p.count) for p in rows.problems if p.kind == "missing_value"] == [
        ("planering_id", int(offers["planering_id"].isna().sum()))]
    problems = _check(offers, "eb_insatser", cells=True, values=False, blank=("planering_id",))
    assert [p.as_dict() for p in problems.problems] == [p.as_dict() for p in rows.problems]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_refusals_blank_amount_read_as_0_is_the_same_as_rows_and_as_cells(seed):
    """A blank amount granted where the application was refused is 0 (the model): the same
    values, problems and count of values read so in the check of rows and of cells, with or
    without the amount as a required column."""
    raw = _messy(seed=seed)
    apps = pd.DataFrame({"ansokan_id": raw["beslut_id"], "kon": raw["kon"],
                         "beviljad": raw["ensamboende"], "sokt_belopp": raw["adl_beroende"],
                         "beviljat_belopp": raw["beviljade_timmar"]})
    rows = assert_cells_equal_rows(apps, "ru_ansokningar")
    zero = [p for p in rows.problems if p.kind == "derived" and p.column == "beviljat_belopp"]
    refused_blank = apps["beviljat_belopp"].isna() & apps["beviljad"].str.strip().str.lower().isin(
        ["0", "nej", "false", "0.0", "n", "falskt"]).fillna(False)
    assert [p.count for p in zero] == [int(refused_blank.sum())] and zero[0].count > 0
    apps = apps.drop(columns=["ansokan_id"])
    by_rows = _check(apps, "ru_ansokningar", cells=False, blank=("beviljat_belopp",))
    missing = [p.count for p in by_rows.problems if p.kind == "missing_value"]
    assert missing == [int((apps["beviljat_belopp"].isna() & ~refused_blank).sum())]
    for values in (True, False):
        cells = _check(apps, "ru_ansokningar", cells=True, values=values, blank=("beviljat_belopp",))
        assert [p.as_dict() for p in cells.problems] == [p.as_dict() for p in by_rows.problems]


def test_cells_are_fewer_than_rows_for_coarse_columns(demo):
    folder, _ = demo
    raw, _ = read_source({"file": str(folder / "ks_elever.csv")}, folder)
    cells = assert_cells_equal_rows(raw[["kon", "alder", "program"]] if "program" in raw else
                                    raw[["kon", "alder"]], "ks_elever")
    assert len(cells.data) < len(raw) / 20


def _compare_loads(kwargs: dict) -> tuple:
    rows = load_table(**kwargs)
    cells = load_table(**kwargs, cells=True)
    # a file whose key repeats is read as rows (the duplicates are left out of every load,
    # tests/data/test_duplicates_everywhere.py); else as cells
    repeats = any(step.startswith("Dubbletter av id") and n for step, n in rows.excluded_by_reason().items())
    assert cells.weight == (None if repeats else check.CELL_COUNT) and rows.weight is None
    pd.testing.assert_frame_equal(cells.quality(), rows.quality())
    assert cells.log == rows.log and cells.notes == rows.notes
    assert cells.counts_by_sex() == rows.counts_by_sex()
    assert cells.n_rows() == rows.n_rows() == len(rows.data)
    assert repr(cells) == repr(rows)
    return rows, cells


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("filters", [{}, {"period": ("2021-01-01", "2022-12-31")}, {"age": (20, 70)},
                                     {"unit": "Norr"}])
def test_demo_loads_give_the_same_account(demo, table, filters):
    folder, _ = demo
    t = TABLES[table]
    optional = [c.name for c in t.columns if c.name not in identifying_columns(t)]
    kwargs = dict(name=table, data_dir=folder, columns=["kon"], optional=optional, **filters)
    try:
        load_table(**kwargs)
    except Exception as exc:  # a filter the table cannot take: both paths refuse it alike
        with pytest.raises(type(exc)):
            load_table(**kwargs, cells=True)
        return
    _compare_loads(kwargs)


def test_bad_fixture_loads_give_the_same_account(tmp_path):
    import yaml

    from tests.data.test_bad_files import EXPECTED, _config

    compared = 0
    for name, spec in EXPECTED.items():
        if spec["kind"] == "error":
            continue
        table = spec["table"]
        t = TABLES[table]
        content = [c.name for c in t.columns if c.name not in identifying_columns(t)]
        config = _config(tmp_path, table, name, spec.get("options"), spec.get("also"))
        for required in (["kon"], content[:2]):
            kwargs = dict(name=table, config=config, columns=required, optional=content)
            try:
                load_table(**kwargs)
            except Exception as exc:
                with pytest.raises(type(exc)):
                    load_table(**kwargs, cells=True)
                continue
            _compare_loads(kwargs)
            compared += 1
    assert compared >= 5


def test_a_load_that_needs_ids_reads_rows(demo):
    folder, _ = demo
    loaded = load_table("ht_beslut", data_dir=folder, columns=["beslut_id", "beviljade_timmar"],
                        cells=True)
    assert loaded.weight is None and loaded.data["beslut_id"].is_unique


@pytest.mark.parametrize("cells", [False, True])
def test_a_column_read_for_its_presence_only(demo, tmp_path, cells):
    """``presence=``: an end date read as whether it is given. The same rows, account and
    problems as with the dates, the column True where a date is given and missing where not;
    a cell table has fewer cells. A date that cannot be read is still a problem and leaves its
    row out. The table's date column (the period needs it) is refused."""
    folder, _ = demo
    kwargs = dict(name="eb_utfall", data_dir=folder, columns=["kon", "sjalvforsorjande"],
                  optional=["slutdatum", "dagar", "hushallstyp"], cells=cells)
    dates = load_table(**kwargs)
    given = load_table(**kwargs, presence=["slutdatum"])
    assert str(given.data["slutdatum"].dtype) == "boolean"
    assert given.data["slutdatum"].isna().any() and given.data["slutdatum"].fillna(True).all()
    assert given.log == dates.log and given.n_rows() == dates.n_rows()
    pd.testing.assert_frame_equal(given.quality(), dates.quality())
    if cells:
        assert len(given.data) < len(dates.data)
        w = given.data[check.CELL_COUNT]
        assert int(w[given.data["slutdatum"].notna()].sum()) == int(
            dates.data.loc[dates.data["slutdatum"].notna(), check.CELL_COUNT].sum())
    else:
        assert (given.data["slutdatum"].notna() == dates.data["slutdatum"].notna()).all()
    raw = pd.read_csv(folder / "eb_utfall.csv", dtype=str)
    raw.loc[3, "slutdatum"] = "2024-13-45"
    raw.to_csv(tmp_path / "eb_utfall.csv", index=False)
    bad = load_table(**{**kwargs, "data_dir": tmp_path}, presence=["slutdatum"])
    assert bad.excluded_by_reason() == load_table(**{**kwargs, "data_dir": tmp_path}).excluded_by_reason()
    assert any("slutdatum" in reason for reason in bad.excluded_by_reason())
    with pytest.raises(ValueError):
        load_table(**kwargs, presence=["startdatum"])


@pytest.mark.parametrize("fmt", ["csv", "parquet-dates"])
def test_presence_groups_valid_dates_together_and_checks_every_other_form(demo, tmp_path, fmt):
    """A date read for its presence is grouped by validity when valid (one stand-in per
    combination is checked, not every distinct date), and as read otherwise. Dates of every form
    (compact, with a time, with spaces, impossible, words, blank, a Parquet date type): the cell
    table with ``presence`` keeps the same rows, problems, first rows and examples as the rows,
    and its given/missing count per sex is the rows' own."""
    folder, _ = demo
    raw = pd.read_csv(folder / "eb_utfall.csv", dtype=str)
    forms = ["20240105", "2024-01-05 10:30", " 2024-01-05 ", "2024-02-30", "igår", "", "2024-1-5",
             "2023-12-31T08:00:00", "0000-00-00"]
    for i, text in enumerate(forms):
        raw.loc[5 + 7 * i, "slutdatum"] = text
    if fmt == "csv":
        raw.to_csv(tmp_path / "eb_utfall.csv", index=False)
    else:  # a real date type: every given value is valid
        typed = raw.copy()
        typed["slutdatum"] = pd.to_datetime(typed["slutdatum"], format="%Y-%m-%d", errors="coerce").dt.date
        typed.to_parquet(tmp_path / "eb_utfall.parquet", index=False)
    kwargs = dict(name="eb_utfall", data_dir=tmp_path, columns=["kon", "sjalvforsorjande"],
                  optional=["slutdatum", "dagar", "hushallstyp"])
    rows = load_table(**kwargs)
    given = load_table(**kwargs, cells=True, presence=["slutdatum"])
    pd.testing.assert_frame_equal(given.quality(), rows.quality())
    assert given.log == rows.log and given.n_rows() == rows.n_rows() == len(rows.data)
    assert repr(given) == repr(rows)
    w = given.data[check.CELL_COUNT]
    for sex in ("kvinna", "man"):
        mine = given.data["kon"] == sex
        assert int(w[mine & given.data["slutdatum"].notna()].sum()) == int(
            (rows.data["slutdatum"].notna() & (rows.data["kon"] == sex)).sum())
    if fmt == "csv":
        assert any("slutdatum" in reason for reason in given.excluded_by_reason())
        # a cell per combination of the other values, given/missing and the dates' forms (a
        # compact or timed date is noted), not per date
        grouped = rows.data.assign(slutdatum=rows.data["slutdatum"].notna()).groupby(
            ["kon", "sjalvforsorjande", "dagar", "hushallstyp", "slutdatum"], dropna=False).ngroups
        assert grouped <= len(given.data) <= grouped + len(forms)
        assert len(given.data) < len(load_table(**kwargs, cells=True).data)


def test_a_date_read_only_for_the_year_makes_no_cells(demo, tmp_path):
    """An export without ``ar``: the date is read to derive the year, and a cell table keeps
    the year, not the date (the row path keeps both). The rows per year and the account are
    the same; a date that cannot be read is still a problem of the year."""
    folder, _ = demo
    raw = pd.read_csv(folder / "ht_beslut.csv", dtype=str).drop(columns=["ar"])
    raw.loc[5, "beslutsdatum"] = "2023-02-30"
    raw.to_csv(tmp_path / "ht_beslut.csv", index=False)
    kwargs = dict(name="ht_beslut", data_dir=tmp_path, columns=["kon", "ar", "beviljade_timmar"])
    rows, cells = _compare_loads(kwargs)
    assert "beslutsdatum" in rows.data and "beslutsdatum" not in cells.data
    assert len(cells.data) < len(rows.data)
    assert cells.data.groupby("ar")[check.CELL_COUNT].sum().to_dict() == rows.data["ar"].value_counts().to_dict()
    assert any("beslutsdatum" in reason for reason in cells.excluded_by_reason())


@pytest.mark.parametrize("filters", [{}, {"period": ("2021-01-01", "2022-12-31")}, {"age": (70, 90)}])
def test_a_load_with_amounts_summed_gives_the_account_and_sums_of_the_cells(demo, filters):
    """``load_table(..., cells=True, sums=...)`` as ht_02 reads its table: the same account as
    the cell table with the amounts' values, far fewer cells, and the same sums per year × sex
    × need; a load that gives rows, or keeps ids, gives the amounts themselves."""
    import numpy as np

    folder, _ = demo
    kwargs = dict(name="ht_beslut", data_dir=folder, columns=["kon", "beviljade_timmar", "ar"],
                  optional=["adl_beroende", "ensamboende", "alder"], cells=True, **filters)
    plain = load_table(**kwargs)
    summed = load_table(**kwargs, sums=["beviljade_timmar"])
    pd.testing.assert_frame_equal(summed.quality(), plain.quality())
    assert summed.log == plain.log and summed.counts_by_sex() == plain.counts_by_sex()
    assert plain.spread("beviljade_timmar") is None
    spread = summed.spread("beviljade_timmar")
    assert spread == check.SPREAD + "beviljade_timmar"
    assert len(summed.data) < len(plain.data)
    assert summed.has("beviljade_timmar") and not summed.has(spread)
    keys = ["ar", "kon", "adl_beroende", "ensamboende", "alder"]
    want = stats.amount_moments(plain.data, "beviljade_timmar", keys, count=plain.weight).data
    got = stats.amount_moments(summed.data, "beviljade_timmar", keys, count=summed.weight, spread=spread).data
    pd.testing.assert_frame_equal(got[keys], want[keys])
    for m in ("n", "sum_y", "sum_y2", "mean_y", "ss_y"):
        np.testing.assert_allclose(got[m], want[m], rtol=1e-10, atol=1e-8, err_msg=m)
    with pytest.raises(ValueError, match="medelvärde"):  # the cells' means are not amounts
        stats.amount_moments(summed.data, "beviljade_timmar", keys, count=summed.weight)
    rows = load_table(**{**kwargs, "cells": False}, sums=["beviljade_timmar"])
    assert rows.weight is None and rows.spread("beviljade_timmar") is None
    ids = load_table(**{**kwargs, "columns": ["kon", "beviljade_timmar", "ar", "person_id"]},
                     sums=["beviljade_timmar"], linked=True)
    assert ids.spread("beviljade_timmar") is None and ids.n_rows() == plain.n_rows()


@pytest.mark.parametrize("with_pnr", [False, True])
def test_equal_amounts_summed_in_the_engine_are_the_amount_and_no_spread(with_pnr, monkeypatch):
    """Amounts that binary fractions cannot hold (100.1, 0.7), three times in a cell: the
    cell's mean is the amount and its spread exactly 0, on both paths of the check (sums taken
    from the amounts less the cell's least; plain sums give 0.6999999999999998 and -4.7e-10)."""
    monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", "a key for the test")
    raw = pd.DataFrame({"kon": ["kvinna"] * 3 + ["man"] * 3 + ["kvinna"] * 2,
                        "adl_beroende": ["2"] * 3 + ["1"] * 3 + ["3"] * 2,
                        "beviljade_timmar": ["100,1"] * 3 + ["0,7"] * 3 + ["5,5", "7,5"]})
    if with_pnr:
        raw["personnummer"] = ["19121212-1212"] * len(raw)
    summed = _check(raw, "ht_beslut", cells=True, sums=("beviljade_timmar",))
    data = summed.data.set_index("adl_beroende")
    spread = check.SPREAD + "beviljade_timmar"
    assert data.loc[2, "beviljade_timmar"] == 100.1 and data.loc[2, spread] == 0.0
    assert data.loc[1, "beviljade_timmar"] == 0.7 and data.loc[1, spread] == 0.0
    assert data.loc[3, "beviljade_timmar"] == 6.5 and data.loc[3, spread] == 2.0
    assert data.loc[2, check.CELL_COUNT] == 3


def test_sums_refuse_what_a_filter_or_a_statistic_of_amounts_reads(demo, tmp_path):
    """A summed amount is each cell's mean: a filter's column cannot be summed, functions that
    need the amounts themselves (medians, quartiles) refuse the cells' means, and a table with
    no rows gives the same answer with and without sums."""
    from jamtools.disclosure import analyses

    folder, _ = demo
    kwargs = dict(name="ht_beslut", data_dir=folder, columns=["kon", "beviljade_timmar", "alder"], cells=True)
    with pytest.raises(ValueError, match="filter"):
        load_table(**kwargs, age=(70, 90), sums=["alder"])
    with pytest.raises(ValueError, match="sums="):  # not even without the filter: alder is the age
        _check(pd.DataFrame({"kon": ["man"], "alder": ["70"]}), "ht_beslut", cells=True, sums=("alder",))
    summed = load_table(**kwargs, sums=["beviljade_timmar"])
    with pytest.raises(ValueError, match="medelvärde"):
        analyses.amount_outcome(summed.data, "beviljade_timmar", levels=("kvinna", "man"),
                                weight=summed.weight)
    # no rows: no cells, as without sums (and the load's own message for the missing columns)
    empty = pd.DataFrame({"kon": pd.Series([], dtype="string"),
                          "beviljade_timmar": pd.Series([], dtype="string")})
    assert len(_check(empty, "ht_beslut", cells=True, sums=("beviljade_timmar",)).data) == 0
    (tmp_path / "ht_beslut.csv").write_text("kon;beviljade_timmar\n", encoding="utf-8")
    for sums in ([], ["beviljade_timmar"]):
        with pytest.raises(Exception) as caught:
            load_table("ht_beslut", data_dir=tmp_path, columns=["kon", "beviljade_timmar"], cells=True,
                       sums=sums)
        assert type(caught.value).__name__ == "MissingColumns"


@pytest.mark.parametrize("period", [("2024-01-01", "2024-12-31"), ("2024-03-05", None), (None, "2024-06-30"),
                                    ("2024-12-31", "2024-01-01"), ("2024-06-01", ""),
                                    ("2024-01-01 00:00:00.0000005", "2024-12-31 10:00:00.5")])
@pytest.mark.parametrize("pnr,fmt", [(False, "csv"), (True, "csv"), (False, "parquet-date"),
                                     (False, "parquet-timestamp"), (True, "parquet-timestamp")])
def test_a_date_read_only_for_the_period_makes_no_cells(tmp_path, period, pnr, fmt, monkeypatch):
    """A cell table whose date serves only the period (ht_02 with a period): the rows left out,
    and why, are those of the rows' load (dates on the bounds, a time on the last day, before,
    after, missing, unreadable, compact; bounds finer than the engine's microseconds, an empty
    bound; a CSV's text and Parquet's date and timestamp types), the year and the age at the
    date are those of the real dates, one cell per class of date (at most three stand-ins)
    instead of one per date, and no column of stand-ins in the result."""
    monkeypatch.setenv("JAMTOOLS_PSEUDONYM_KEY", "a key for the test")
    dates = ["2024-01-01", "2024-12-31", "2024-12-31 10:00", "2023-12-31", "2025-01-01", "", "2024-02-30",
             "20240305", "2024-03-05T00:00:00", "2024-06-30", "2024-07-01", "1999-01-01"] * 3
    n = len(dates)
    frame = pd.DataFrame({"kon": ["kvinna", "man", "K"] * (n // 3), "beslutsdatum": dates,
                          "beviljade_timmar": [f"{10 + i % 7},5" for i in range(n)],
                          "adl_beroende": [str(i % 3) for i in range(n)]})
    if pnr:  # sex and age from the personnummer, the age at the decision's date
        frame = frame.drop(columns=["kon"]).assign(personnummer=["19400101-0026", "19400630-0034"] * (n // 2))
    if fmt == "csv":
        frame.to_csv(tmp_path / "ht_beslut.csv", sep=";", index=False)
    else:  # a date type: every given value is valid (a timestamp keeps its time of day)
        stamps = pd.to_datetime(frame["beslutsdatum"], format="mixed", errors="coerce")
        frame = frame.assign(beslutsdatum=stamps.dt.date if fmt == "parquet-date" else stamps,
                             beviljade_timmar=frame["beviljade_timmar"].str.replace(",", ".").astype(float))
        frame.to_parquet(tmp_path / "ht_beslut.parquet", index=False)
    kwargs = dict(name="ht_beslut", data_dir=tmp_path, columns=["kon", "beviljade_timmar"],
                  optional=["adl_beroende", "ar", "alder"], period=period)
    rows = load_table(**kwargs)
    cells = load_table(**kwargs, cells=True)
    assert cells.log == rows.log and cells.counts_by_sex() == rows.counts_by_sex()
    pd.testing.assert_frame_equal(cells.quality(), rows.quality())
    assert "beslutsdatum" not in cells.data and "beslutsdatum" in rows.data
    by = [c for c in cells.data.columns if c != cells.weight]
    assert {"ar", "alder"} <= set(by) if pnr else "ar" in by
    want = rows.data.groupby(by, dropna=False).size()
    got = cells.data.groupby(by, dropna=False)[cells.weight].sum()
    pd.testing.assert_series_equal(got[got > 0].sort_index(), want.sort_index(), check_names=False,
                                   check_dtype=False)
    assert cells.checked.data["beslutsdatum"].dropna().nunique() <= 3  # before, in, after
    # without the year asked for, the cells keep no year (it would split them)
    plain = load_table(**{**kwargs, "optional": ["adl_beroende", "alder"]}, cells=True)
    assert "ar" not in plain.data and plain.log == rows.log
    # the chapter that reads the date itself keeps it, with a cell per date
    dated = load_table(**{**kwargs, "optional": ["adl_beroende", "ar", "alder", "beslutsdatum"]}, cells=True)
    assert "beslutsdatum" in dated.data and dated.log == rows.log
    assert len(cells.data) <= len(dated.data)


def test_a_cell_load_that_became_rows_keeps_its_dates(demo):
    """A load asked for cells that reads an id without keeping it in the engine gives rows:
    its dates are real, and stay."""
    folder, _ = demo
    loaded = load_table("ht_beslut", data_dir=folder, columns=["kon", "person_id"], cells=True,
                        period=("2023-01-01", "2023-12-31"))
    assert loaded.weight is None and loaded.data["beslutsdatum"].notna().all()

@pytest.mark.parametrize("fmt", ["csv", "parquet-date", "parquet-timestamp"])
@pytest.mark.parametrize("period", [("2021-03-01", "2022-06-30"), ("2021-03-01 12:00:00", None),
                                    (None, "2022-06-30 23:59:59.999999")])
def test_the_periods_date_is_grouped_by_its_class_before_the_checks(fmt, period):
    """The check's first phase groups a date read only for the period by whether it is
    before, in or after the period (and by its year, when the year is derived from it), not
    by the date: the checks then run once per class and not once per date. Counted on the
    engine table the first phase makes, for 1,100 days of valid dates (and a few others read
    as they are); the cells are those of the rows, with the rows' filter."""
    from jamtools.data.engine import shared, unique_name

    days = pd.date_range("2020-01-01", periods=1100, freq="D")
    n = len(days) * 2
    stamps = pd.Series(list(days) * 2)
    if fmt != "parquet-date":  # times of day (the CSV's ISO and YYYYMMDD forms leave them out)
        stamps = stamps + pd.to_timedelta([(i * 7) % 24 for i in range(n)], unit="h")
    raw = pd.DataFrame({"kon": ["kvinna", "man"] * (n // 2), "adl_beroende": [str(i % 3) for i in range(n)]})
    # problems on valid dates of every class: each row's first row numbers come from its own class
    raw.loc[[150, 400, 700, 1000, 1500, 2100], "kon"] = "X"
    raw.loc[[90, 600, 1300, 2000], "adl_beroende"] = "sju"
    if fmt == "csv":  # ISO dates, YYYYMMDD and ISO dates with a time of day, a third each
        forms = ["%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"]
        text = pd.Series([d.strftime(forms[i % 3]) for i, d in enumerate(stamps)])
        text[:4] = ["2021-04-05 25:00", "2022-02-30", "igår", None]  # read as they are
        raw["beslutsdatum"], types = text, {"kon": "VARCHAR", "adl_beroende": "VARCHAR", "beslutsdatum": "VARCHAR"}
    else:
        raw["beslutsdatum"] = stamps.dt.date if fmt == "parquet-date" else stamps
        types = {"kon": "VARCHAR", "adl_beroende": "VARCHAR",
                 "beslutsdatum": "DATE" if fmt == "parquet-date" else "TIMESTAMP"}
    sizes = []

    con, view = shared(), unique_name("raw")
    con.register(view, raw.assign(__row=range(n)))
    bounds = tuple(None if b is None else pd.Timestamp(b).isoformat(sep=" ") for b in period)
    try:
        cells = check.check_view(CountingEngine(con, sizes), view, TABLES["ht_beslut"], source="f", types=types,
                                 in_source={"kon", "adl_beroende", "beslutsdatum"}, today=TODAY,
                                 cells=True, duplicates=False, period=bounds)
        rows = check.check_view(con, view, TABLES["ht_beslut"], source="f", types=types,
                                in_source={"kon", "adl_beroende", "beslutsdatum"}, today=TODAY,
                                duplicates=False)
    finally:
        con.unregister(view)
    # sex (and the unknown), ADL (and the word), year (2020-2023), side of the period (two per
    # year at most) and form (three in the CSV), and the four read as they are
    assert sizes and sizes[0] <= 3 * 4 * 4 * 2 * 3 + 4 < n // 4, sizes
    # each cell's rows are those of the rows' check, with the period's filter
    start, end = (None if b is None else pd.Timestamp(b) for b in period)

    def side(dates: pd.Series) -> pd.Series:  # -1 before, 0 in, 1 after, missing without a date
        out = pd.Series(0.0, index=dates.index).where(dates.notna())
        if start is not None:
            out[dates < start] = -1
        if end is not None:
            out[dates > end] = 1
        return out

    by = ["kon", "adl_beroende", "ar", "side"]
    assert any(p.kind == "unknown_sex" for p in rows.problems)
    want = rows.data.assign(side=side(rows.data["beslutsdatum"])).groupby(by, dropna=False).size()
    got = cells.data.assign(side=side(cells.data["beslutsdatum"])).groupby(by, dropna=False)[cells.weight].sum()
    pd.testing.assert_series_equal(got[got > 0].sort_index(), want.sort_index(), check_names=False,
                                   check_dtype=False)
    assert [p.as_dict() for p in cells.problems] == [p.as_dict() for p in rows.problems]
    assert cells.sex_flags == rows.sex_flags and cells.rows_read == rows.rows_read
