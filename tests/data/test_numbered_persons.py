"""The one numbering of each cell's persons in the engine (``numbered_persons_sql``), used by
the capped cell tables of the load (bof_01, bof_02) and by um_01's notes: checked against a
count of distinct persons made in pandas, for every union of cells."""
from __future__ import annotations

import itertools

import duckdb
import numpy as np
import pandas as pd
import pytest

from jamtools.data.pseudonym import PERSON, UNKNOWN_PERSON, numbered_persons_sql


def _rows(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    rows = pd.DataFrame({
        "kon": rng.choice(["flicka", "pojke", None], n, p=[0.45, 0.45, 0.1]),
        "enhet": rng.choice(["A", "B", "C"], n),
        # few persons in some cells, many in others; NULL: no known person
        "p": pd.array(rng.choice([*range(1, 30), None], n), dtype="Int64"),
        "w": rng.integers(1, 4, n),
    })
    return rows


def _numbered(rows: pd.DataFrame, cap: int, *, weight: str | None) -> pd.DataFrame:
    sql = numbered_persons_sql("SELECT * FROM rows", cells=["kon", "enhet"], person="p", cap=cap,
                               weight=weight)
    return duckdb.connect().register("rows", rows).sql(sql).df()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("cap", [1, 3, 5])
def test_any_union_of_cells_counts_its_persons_up_to_the_cap(seed, cap):
    rows = _rows(seed)
    got = _numbered(rows, cap, weight=None)
    cell = lambda d: list(zip(d["kon"].fillna("-"), d["enhet"]))  # noqa: E731  (NULL a value)
    cells = sorted(set(cell(rows)))
    assert ("-", "A") in cells
    assert len(got) <= len(cells) * (cap + 2)
    for k in (1, 2, 3):
        for union in itertools.combinations(cells, k):
            inside = [c in union for c in cell(rows)]
            truth = rows.loc[inside, "p"].dropna().nunique()
            numbers = got.loc[[c in union for c in cell(got)], PERSON]
            counted = len(set(numbers) - {0, UNKNOWN_PERSON})
            # exact below the cap, at least the cap above it
            assert counted == truth if truth < cap else counted >= cap, (union, truth, counted)


def test_the_same_person_has_one_number_and_rows_add_up():
    rows = _rows(7)
    got = _numbered(rows, 100, weight="w")
    # with a cap above every cell's persons, each person has exactly one number
    assert got[PERSON].ne(0).all()
    assert got["w"].sum() == rows["w"].sum()
    per_number = got[got[PERSON] > 0].groupby(PERSON).size()
    per_person = rows.dropna(subset=["p"]).groupby("p")[["kon", "enhet"]].apply(
        lambda d: len(d.drop_duplicates()))
    assert sorted(per_number) == sorted(per_person)


def test_rows_of_no_known_person_are_the_unknown_person():
    rows = pd.DataFrame({"kon": ["flicka"] * 3 + ["pojke"] * 2, "enhet": ["A"] * 5,
                         "p": pd.array([None, None, 5, None, None], dtype="Int64")})
    got = _numbered(rows, 3, weight=None).set_index(["kon", PERSON])["n"]
    assert got.to_dict() == {("flicka", UNKNOWN_PERSON): 2, ("flicka", 1): 1, ("pojke", UNKNOWN_PERSON): 2}


def test_a_cap_below_one_is_refused():
    with pytest.raises(ValueError, match="cap"):
        numbered_persons_sql("t", cells=["kon"], person="p", cap=0)
