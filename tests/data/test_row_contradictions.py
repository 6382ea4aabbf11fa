"""Rules across the columns of a row (probes): an end date before its start date
(eb_utfall row 15 of a probe's workbook), days that are not those between the dates, and a
mother contacted where the export says there is no mother (bof_05 then dropped the mother
without counting her). Each is an impossible value: named with its rows, left out where the
column is used, and counted."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.data.check import check_table
from jamtools.data.model import TABLES
from tests.helpers import CountingEngine


def _problems(checked, column):
    return [(p.kind, p.count, p.rows, p.detail) for p in checked.problems if p.column == column]


def test_an_end_before_its_start_and_days_that_do_not_match():
    raw = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "kon": ["kvinna"] * 4,
                        "startdatum": ["2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01"],
                        "slutdatum": ["2024-03-11", "2024-02-01", None, "2024-03-31"],
                        "dagar": ["10", "148", "400", "31"]})
    checked = check_table(raw, TABLES["eb_utfall"], source="u.csv")
    assert _problems(checked, "slutdatum") == [("impossible", 1, (3,), "inte före startdatum")]
    # the end before the start is no end to count to: its days are not checked against it
    assert _problems(checked, "dagar") == [
        ("impossible", 1, (5,), "tillåtet 0–3660, dagarna från startdatum till slutdatum")]
    assert checked.data["dagar"].tolist()[:3] == [10, 148, 400]
    assert pd.isna(checked.data["slutdatum"].iloc[1]) and pd.isna(checked.data["dagar"].iloc[3])
    reasons = [r for r, m in checked.bad_rows(["slutdatum", "dagar"])]
    assert reasons == ["Omöjligt värde (slutdatum)", "Omöjligt värde (dagar)"]


def test_a_parent_contacted_who_is_not_there():
    raw = pd.DataFrame({"utredning_id": ["u1", "u2", "u3"], "kon": ["flicka"] * 3,
                        "startdatum": ["2024-01-02"] * 3,
                        "mamma_finns": ["1", "0", "0"], "mamma_kontaktad": ["1", "1", "0"],
                        "pappa_finns": ["0", "1", "1"], "pappa_samtal": ["1", "1", "0"]})
    checked = check_table(raw, TABLES["bof_utredningar"], source="u.csv",
                          export_names={"mamma_finns": "Mamma finns"})
    assert _problems(checked, "mamma_kontaktad") == [("impossible", 1, (3,), "1 bara där Mamma finns är 1")]
    assert _problems(checked, "pappa_samtal") == [("impossible", 1, (2,), "1 bara där pappa_finns är 1")]
    assert checked.data["mamma_kontaktad"].isna().tolist() == [False, True, False]
    assert checked.masks[("mamma_kontaktad", "impossible")].tolist() == [False, True, False]


# --- The rules on dates a cell table groups by their form (presence, period) -------------------

#: Dates written the ways exports write them, each read by the check as that day (or not at all).
_FORMS = (lambda d: d.strftime("%Y-%m-%d"), lambda d: d.strftime("%Y%m%d"),
          lambda d: d.strftime("%Y-%m-%d 00:00"), lambda d: d.strftime(" %Y-%m-%d "),
          lambda d: d.strftime("%Y-%m-%dT08:30:00"), lambda d: d.strftime("%Y-%m-%d"))
_ODD = {7: "2024-02-30", 19: "igår", 31: "", 43: None, 55: "2024-1-5", 67: "20241301"}


def _outcomes(n: int = 420, seed: int = 3) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """eb_utfall's rows with dates of every form (and unreadable and missing ones), ends before
    their starts and days that are not those between the dates; and the dates themselves."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start = pd.Series(pd.Timestamp("2023-10-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"))
    length = pd.Series(rng.integers(-12, 300, n))
    end = start + pd.to_timedelta(length, unit="D")
    end[::9] = pd.NaT  # ongoing
    days = length.astype("string")
    days[::13] = (length[::13] + 1).astype("string")  # not the days between the dates
    days[3::17], days[4::23], days[6::29] = "tre", "12,0", None

    def written(dates: pd.Series, shift: int) -> list:
        out = [None if pd.isna(d) else _FORMS[(i + shift) % len(_FORMS)](d) for i, d in enumerate(dates)]
        for i, text in _ODD.items():
            out[(i + shift) % n] = text
        return out

    raw = pd.DataFrame({"person_id": [f"p{i}" for i in range(n)],
                        "kon": [["kvinna", "man"][i % 2] if i % 15 else "X" for i in range(n)],
                        "startdatum": written(start, 0), "slutdatum": written(end, 4),
                        "dagar": days, "sjalvforsorjande": [str(i % 2) for i in range(n)],
                        "hushallstyp": "ensamstaende_utan_barn"})
    return raw, start, end


@pytest.mark.parametrize("linked", [False, True])
@pytest.mark.parametrize("fmt", ["csv", "parquet-start-date", "parquet-end-date"])
def test_rules_on_dates_grouped_by_form_are_the_rows_rules(tmp_path, fmt, linked):
    """A cell table that reads the end date only for whether it is given (``presence``) and the
    start date only for the period groups valid dates by their form and class, not by their
    value: the end before its start and the days between the dates are decided per row before
    the grouping. The counts per problem, first rows, examples, rows with problems and kept
    rows are those of the rows' check, whatever the dates' forms (ISO, YYYYMMDD, with a time,
    with spaces, a Parquet date type, unreadable, missing), with ids kept in the engine or not."""
    import numpy as np

    from jamtools.data import check
    from jamtools.data.load import load_table

    raw, start, end = _outcomes()
    if fmt == "csv":
        raw.to_csv(tmp_path / "eb_utfall.csv", index=False)
    else:  # one of the dates a date type (the other as written)
        column, dates = ("startdatum", start) if fmt == "parquet-start-date" else ("slutdatum", end)
        typed = dates.dt.date.astype(object).where(dates.notna(), None)
        typed[11::13] = None
        raw.assign(**{column: typed}).to_parquet(tmp_path / "eb_utfall.parquet", index=False)
    # (with the id asked for, a linked cell table keeps it in the engine)
    kwargs = dict(name="eb_utfall", data_dir=tmp_path, columns=["kon", "sjalvforsorjande", *(["person_id"] * linked)],
                  optional=["dagar", "slutdatum", "hushallstyp"], period=("2024-01-01", "2024-06-30"))
    rows = load_table(**kwargs)
    cells = load_table(**kwargs, cells=True, presence=["slutdatum"], linked=linked)
    assert rows.weight is None and cells.weight == check.CELL_COUNT
    problems = lambda r: [p.as_dict() for p in r.checked.problems]  # noqa: E731
    assert problems(cells) == problems(rows)
    kinds = {(p.column, p.kind): p.count for p in rows.checked.problems}
    assert kinds[("slutdatum", "impossible")] > 5 and kinds[("dagar", "impossible")] > 20
    if fmt != "parquet-end-date":
        assert kinds[("slutdatum", "bad_date")] > 0
    np.testing.assert_array_equal(cells.checked.problem_rows, rows.checked.problem_rows)
    pd.testing.assert_frame_equal(cells.quality(), rows.quality())
    assert cells.log == rows.log and cells.n_rows() == rows.n_rows() == len(rows.data)
    assert any(n for step, n in rows.excluded_by_reason().items() if "perioden" in step)
    # the kept rows, per combination of the values the cell table holds
    by = ["kon", "sjalvforsorjande", "dagar", "given"]
    want = rows.data.assign(given=rows.data["slutdatum"].notna()).groupby(by, dropna=False).size()
    got = cells.data.assign(given=cells.data["slutdatum"].notna()).groupby(by, dropna=False)[cells.weight].sum()
    pd.testing.assert_series_equal(got[got > 0].sort_index(), want.sort_index(), check_names=False,
                                   check_dtype=False)


def test_rules_on_dates_grouped_by_form_make_no_combination_per_date():
    """2,000 rows with 2,000 distinct pairs of dates, in one form: with the end read for its
    presence and the start for the period, the check's first phase has a handful of
    combinations (sex, side of the period, given, each rule's outcome), not one per pair; and
    its problems are the rows'."""
    from jamtools.data import check
    from jamtools.data.engine import shared, unique_name
    from tests.data.test_engine_equivalence import TODAY

    n = 2000
    start = pd.Series(pd.date_range("2020-01-01", periods=n, freq="D"))
    end = start + pd.Timedelta(days=30)
    end[::97] = start[::97] - pd.Timedelta(days=2)  # an end before its start
    days = pd.Series(["30"] * n)
    days[5::101] = "31"  # not the days between the dates
    raw = pd.DataFrame({"kon": ["kvinna", "man"] * (n // 2), "startdatum": start.dt.strftime("%Y-%m-%d"),
                        "slutdatum": end.dt.strftime("%Y-%m-%d"), "dagar": days})
    types = {c: "VARCHAR" for c in raw.columns}
    sizes = []

    con, view = shared(), unique_name("raw")
    con.register(view, raw.assign(__row=range(n)))
    kwargs = dict(source="f", types=types, in_source=set(raw.columns), today=TODAY, duplicates=False)
    try:
        cells = check.check_view(CountingEngine(con, sizes), view, TABLES["eb_utfall"], cells=True, presence=("slutdatum",),
                                 period=("2021-01-01 00:00:00", "2022-12-31 00:00:00"), **kwargs)
        rows = check.check_view(con, view, TABLES["eb_utfall"], **kwargs)
    finally:
        con.unregister(view)
    # sex, side of the period (3), the end's rule, the days (30, 31) and their rule
    assert sizes and sizes[0] <= 2 * 3 * 2 * 2 * 2, sizes
    assert [p.as_dict() for p in cells.problems] == [p.as_dict() for p in rows.problems]
    counts = {(p.column, p.kind): p.count for p in rows.problems}
    assert counts[("slutdatum", "impossible")] == len(range(0, n, 97))
    # (an end before its start is no end to count the days to)
    assert counts[("dagar", "impossible")] == len(set(range(5, n, 101)) - set(range(0, n, 97)))
    assert int(cells.data[cells.weight].sum()) == n
