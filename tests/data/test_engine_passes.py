"""How often the engine goes through a source's rows when it loads a table: a linked cell table
(``linked=True``) matches its rows to their cells without joining every row by all the cell's
values (issue 13, register scale)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from jamtools import data
from jamtools.data import check


class _Plans:
    """A connection that, before each ``CREATE ... TABLE ... AS SELECT``, keeps the engine's plan
    of its query (``EXPLAIN (FORMAT json)``)."""

    def __init__(self, con, plans: list):
        self._con, self._plans = con, plans

    def execute(self, sql, *args, **kwargs):
        if sql.startswith("CREATE OR REPLACE TEMP TABLE") and " AS " in sql:
            query = sql[sql.index(" AS ") + 4:]
            self._plans.append(json.loads(self._con.sql(f"EXPLAIN (FORMAT json) {query}").fetchall()[0][1]))
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _nodes(node):
    yield node
    for child in node.get("children", []):
        yield from _nodes(child)


def _reads_file(node) -> bool:  # the scan of the file (the rows as read) is below ``node``
    return any("READ_PARQUET" in n["name"] + json.dumps(n.get("extra_info", {})) for n in _nodes(node))


def test_a_linked_cell_table_joins_the_rows_to_their_combination_not_to_the_cells_values(tmp_path, monkeypatch):
    """The rows of a linked cell table find their cell through their combination of values
    (one integer, its hash): the combinations find their cells first. No join of the rows as
    read (the file's scan below it) compares the cell's values (``IS NOT DISTINCT FROM`` on
    each), which at 1 M rows of ht_beslut made the table in 0.35 s instead of 0.23 s. The ids
    and cells are those of the rows."""
    n = 30_000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "beslut_id": [f"H{i}" for i in range(n)], "person_id": [f"P{i % 9000}" for i in range(n)],
        "kon": rng.choice(["kvinna", "man"], n), "alder": rng.integers(65, 99, n),
        "beslutsdatum": pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "beviljade_timmar": np.round(rng.gamma(2, 10, n), 1)})
    frame.to_parquet(tmp_path / "ht_beslut.parquet")
    plans: list = []
    original = check._keep_ids
    monkeypatch.setattr(check, "_keep_ids", lambda con, *a, **k: original(_Plans(con, plans), *a, **k))
    loaded = data.load_table("ht_beslut", data_dir=tmp_path, columns=["kon", "alder", "person_id", "beslutsdatum"],
                             cells=True, linked=True)
    assert len(plans) == 1  # the table of the rows' cells and ids
    joins = [n for p in plans[0] for n in _nodes(p) if "JOIN" in n["name"]]
    by_values = [n for n in joins if "IS NOT DISTINCT FROM" in json.dumps(n.get("extra_info", {}))]
    assert by_values  # the combinations are matched to their cells by their values ...
    assert not any(_reads_file(n) for n in by_values)  # ... not the rows as read
    # the rows' cells and ids: every row once, each in the cell of its values
    rows = loaded.rows.con.sql(f"SELECT __row, __cell, v_person_id FROM {loaded.rows.name}").df()
    assert sorted(rows["__row"]) == list(range(n))
    cells = loaded.data.iloc[rows.sort_values("__row")["__cell"].to_numpy()].reset_index(drop=True)
    assert (cells["kon"].to_numpy() == frame["kon"].to_numpy()).all()
    assert (cells["alder"].to_numpy() == frame["alder"].to_numpy()).all()
    assert (rows.sort_values("__row")["v_person_id"].to_numpy() == frame["person_id"].to_numpy()).all()
    assert int(loaded.data[loaded.weight].sum()) == n


def test_a_linked_cell_tables_rows_make_each_ids_text_once(tmp_path, monkeypatch):
    """Each row's id is made text (trimmed, blank as missing) once in each pass over the rows:
    the grouping of the rows, then the table of their cells and ids, which keeps the text the
    row's combination was found with (before: made a second time there, some 15 % of that
    pass's CPU on 1 M rows of ht_beslut). Counted by a function of the engine around the id's
    text; the ids kept are those of the rows."""
    from duckdb.sqltypes import VARCHAR

    from jamtools.data import engine

    n = 20_000
    rng = np.random.default_rng(4)
    ids = [f" P{i % 7000} " if i % 5 else f"P{i % 7000}" for i in range(n)]
    ids[7] = "  "  # blank: a missing id
    pd.DataFrame({"beslut_id": [f"H{i}" for i in range(n)], "person_id": ids,
                  "kon": rng.choice(["kvinna", "man"], n), "alder": rng.integers(65, 99, n)}
                 ).to_parquet(tmp_path / "ht_beslut.parquet")
    made = [0]

    def counted(values):
        made[0] += len(values)
        return values

    engine.shared().create_function("jt_counted", counted, [VARCHAR], VARCHAR, type="arrow",
                                    side_effects=True)
    original = check.sql_text
    monkeypatch.setattr(check, "sql_text", lambda q, t: f"jt_counted({original(q, t)})"
                        if q == '"person_id"' else original(q, t))
    loaded = data.load_table("ht_beslut", data_dir=tmp_path, columns=["kon", "alder", "person_id"],
                             cells=True, linked=True)
    assert made[0] <= 2 * n + 4096  # two passes (and the search for a first given id)
    kept = loaded.rows.con.sql(f"SELECT __row, v_person_id FROM {loaded.rows.name} ORDER BY __row").to_arrow_table()
    assert kept.column("v_person_id").to_pylist() == [None if not i.strip() else i.strip() for i in ids]
