"""A ``sql:`` table is aggregated in its database: a chapter's load sends ``GROUP BY`` over the
columns it uses, and no row of a person leaves the database unless the chapter needs ids.

The same messy export is written as a CSV file and as a database table (PostgreSQL under CI,
where the server is started by ``.ci/services``; SQLite everywhere); loads and the run's check
must give the same data, counts and problems from both. The statements are caught as the
driver executes them (SQLAlchemy's ``before_cursor_execute``), not taken from the log.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from jamtools import data
from jamtools.data.load import identifying_columns
from jamtools.data.model import TABLES
from jamtools.data.readers import GROUP_COUNT, SQL_LOG_ENV
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from tests.helpers import PG_URL, pg_available


#: What ht_01 reads of ht_beslut (catalogue: hours required, need covariates optional).
HT_01 = dict(columns=("kon", "beviljade_timmar"), optional=("adl_beroende", "ensamboende", "alder"))


def _export(*, duplicate: bool = True) -> pd.DataFrame:
    """Home-help decisions with the problems an export has: a word for hours, an unknown sex
    code, an impossible date, blanks, a duplicate key (unless not ``duplicate``), decimal
    strings."""
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({
        "beslut_id": [f"H{i:05d}" for i in range(n)],
        "person_id": [f"P{i % 200:05d}" for i in range(n)],
        "kon": rng.choice(["kvinna", "man"], n),
        "alder": rng.integers(65, 99, n).astype(str),
        "beslutsdatum": pd.date_range("2024-01-03", periods=n, freq="D").strftime("%Y-%m-%d"),
        "enhet": rng.choice(["Södra", "Norra"], n),
        "adl_beroende": rng.integers(0, 7, n).astype(str),
        "ensamboende": rng.choice(["1", "0"], n),
        "beviljade_timmar": [f"{v:.1f}" for v in rng.gamma(2, 8, n)],
    })
    df.loc[3, "beviljade_timmar"] = "tolv"
    df.loc[7, "kon"] = "X"
    df.loc[11, "beslutsdatum"] = "2023-13-45"
    df.loc[13, "alder"] = None
    df.loc[17, "adl_beroende"] = "nio"
    if duplicate:
        df.loc[19, "beslut_id"] = "H00018"  # a duplicate key
    df.loc[23, "beviljade_timmar"] = None
    return df


def _databases(tmp_path_factory) -> dict[str, str]:
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'export.db'}"}
    if pg_available() or os.environ.get("CI"):
        urls["postgres"] = PG_URL
    return urls


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The export with a duplicate key, as a file and in each database."""
    return _setup(tmp_path_factory, duplicate=True)


@pytest.fixture(scope="module")
def unique(tmp_path_factory):
    """The export without the duplicate key: a chapter's load is grouped in the database (with
    a repeated key its rows are read with the key, :func:`test_a_repeated_key_is_counted_there_then_read`)."""
    return _setup(tmp_path_factory, duplicate=False)


def _setup(tmp_path_factory, *, duplicate: bool):
    d = tmp_path_factory.mktemp("sql")
    df = _export(duplicate=duplicate)
    # (one PostgreSQL database serves both fixtures: a table of its own each)
    table = "hemtjanst" if duplicate else "hemtjanst_utan_dubbletter"
    df.to_csv(d / "ht_beslut.csv", index=False)
    (d / "files.yml").write_text(yaml.safe_dump({"tables": {"ht_beslut": {"file": "ht_beslut.csv"}}}),
                                 encoding="utf-8")
    configs = {}
    for name, url in _databases(tmp_path_factory).items():
        engine = sa.create_engine(url)
        with engine.begin() as con:
            df.to_sql(table, con, if_exists="replace", index=False)
        engine.dispose()
        cfg = d / f"{name}.yml"
        cfg.write_text(yaml.safe_dump({"tables": {"ht_beslut": {"sql": {
            "url": url, "query": f"SELECT * FROM {table};", "name": "hemtjänstbeslut"}}}},
            allow_unicode=True), encoding="utf-8")
        configs[name] = load_config(cfg)
    return d, load_config(d / "files.yml"), configs


@pytest.fixture
def statements():
    """Every statement any SQLAlchemy engine executes while the test runs."""
    sent: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listen)
    yield sent
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", listen)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    cols = sorted(frame.columns)
    return frame[cols].sort_values(cols).reset_index(drop=True)


def _reads(statements: list[str]) -> list[str]:
    """The statements that read the table's values; the count of repeated keys (one number,
    sent before a load that does not ask for the key) is left out, after checking that it is
    one count of the key alone."""
    counts = [s for s in statements if "upprepade" in s]
    for c in counts:
        assert c.upper().startswith("SELECT COUNT(*)") and "HAVING" in c.upper() and "kon" not in c, c
    return [s for s in statements if "hemtjanst" in s and "LIMIT" not in s.upper() and s not in counts]


def test_postgres_is_tested_under_ci(setup):
    """Under CI the grouped path must run against a real PostgreSQL: no skipping into green."""
    _, _, configs = setup
    if not os.environ.get("CI") and "postgres" not in configs:
        pytest.skip("no PostgreSQL server on localhost:5432 outside CI")
    assert "postgres" in configs


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_chapter_load_sends_group_by_and_gives_the_file_result(unique, statements, db):
    _, files, configs = unique
    if db not in configs:
        pytest.skip("no PostgreSQL server outside CI (test_postgres_is_tested_under_ci fails under CI)")
    from_file = data.load_table("ht_beslut", config=files, **HT_01)
    statements.clear()
    from_db = data.load_table("ht_beslut", config=configs[db], **HT_01)
    # one statement reads the rows' values, and it counts combinations: no key, no id
    reads = _reads(statements)
    assert len(reads) == 1 and "GROUP BY" in reads[0] and "count(" in reads[0].lower()
    ids = identifying_columns(TABLES["ht_beslut"])
    selected = reads[0].upper().split("FROM")[0]
    assert not [c for c in ids if c.upper() in selected], selected
    # ... and yet the same data, the same account of rows and the same problems (minus rows)
    assert len(from_db.data) == len(from_file.data) == 296  # tolv, X, no hours, nio
    pd.testing.assert_frame_equal(_sorted(from_db.data), _sorted(from_file.data.drop(columns="beslut_id")))
    assert [(e["typ"], e["antal"], e["per_kon"]) for e in from_db.log] == \
           [(e["typ"], e["antal"], e["per_kon"]) for e in from_file.log]
    problems = lambda r: [(p.column, p.kind, p.count, p.example) for p in r.checked.problems]  # noqa: E731
    assert problems(from_db) == problems(from_file) and len(problems(from_db)) == 3
    assert all(p.rows == () for p in from_db.checked.problems)  # a database has no row numbers
    assert all(p.rows for p in from_file.checked.problems if p.count)


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_amounts_summed_from_a_database_equal_the_file(unique, statements, db):
    """A cell table with the hours summed per cell (as ht_02 reads it): the database still
    sends counts per combination, and the engine sums them as it sums a file's."""
    _, files, configs = unique
    if db not in configs:
        pytest.skip("no PostgreSQL server outside CI (test_postgres_is_tested_under_ci fails under CI)")
    kwargs = dict(HT_01, cells=True, sums=["beviljade_timmar"])
    from_file = data.load_table("ht_beslut", config=files, **kwargs)
    statements.clear()
    from_db = data.load_table("ht_beslut", config=configs[db], **kwargs)
    reads = _reads(statements)
    assert len(reads) == 1 and "GROUP BY" in reads[0]
    assert from_db.spread("beviljade_timmar") == from_file.spread("beviljade_timmar") is not None
    pd.testing.assert_frame_equal(_sorted(from_db.data), _sorted(from_file.data), check_exact=False, rtol=1e-12)
    assert [(e["typ"], e["antal"], e["per_kon"]) for e in from_db.log] == \
           [(e["typ"], e["antal"], e["per_kon"]) for e in from_file.log]


def test_a_load_that_needs_ids_reads_only_its_columns(unique, statements):
    _, files, configs = unique
    statements.clear()
    loaded = data.load_table("ht_beslut", config=configs["sqlite"], columns=("kon", "person_id"))
    reads = _reads(statements)
    assert len(reads) == 1 and "GROUP BY" not in reads[0]
    selected = reads[0].split("FROM")[0]
    assert "person_id" in selected and "beviljade_timmar" not in selected and "beslutsdatum" not in selected
    assert len(loaded.data) == len(data.load_table("ht_beslut", config=files, columns=("kon", "person_id")).data)


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_run_check_groups_every_column_but_the_ids(setup, statements, db, tmp_path, monkeypatch):
    _, files, configs = setup
    if db not in configs:
        pytest.skip("no PostgreSQL server outside CI (test_postgres_is_tested_under_ci fails under CI)")
    log = tmp_path / "sql.jsonl"
    monkeypatch.setenv(SQL_LOG_ENV, str(log))
    statements.clear()
    from_db = check_inputs(configs[db]).tables["ht_beslut"]
    from_file = check_inputs(files).tables["ht_beslut"]
    key = lambda t: [(p.column, p.kind, p.count) for p in t.problems]  # noqa: E731
    assert sorted(key(from_db)) == sorted(key(from_file))
    assert {"duplicate_id", "not_a_number", "bad_date", "unknown_sex"} <= {p.kind for p in from_db.problems}
    assert from_db.rows == from_file.rows == 300 and from_db.columns == from_file.columns
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    reads = _reads(statements)
    assert [r["statement"] for r in logged] == reads  # the log is what was sent
    ids = identifying_columns(TABLES["ht_beslut"])
    for r in logged:  # grouped by one column (with sex), or the ids with sex as rows
        if r["grouped"]:
            assert not set(r["columns"]) & ids and len(set(r["columns"]) - {"kon", "ar"}) <= 1, r
        else:
            assert set(r["columns"]) <= ids | {"kon"}, r
    assert sum(r["grouped"] for r in logged) >= 6


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_a_linked_load_from_a_database_equals_the_file(setup, statements, db):
    """A load that follows ids (``linked=True``) reads the rows' ids and values it needs from the
    database (ids cannot be counted there), then keeps the ids in the engine as for a file:
    the same cells, account and problems, and the same links (persons counted once)."""
    from jamtools.data.links import first_per_id

    _, files, configs = setup
    if db not in configs:
        pytest.skip("no PostgreSQL server outside CI (test_postgres_is_tested_under_ci fails under CI)")
    need = dict(columns=("kon", "person_id", "beslutsdatum"), optional=("beslut_id",), cells=True, linked=True)
    from_file = data.load_table("ht_beslut", config=files, **need)
    statements.clear()
    from_db = data.load_table("ht_beslut", config=configs[db], **need)
    reads = _reads(statements)
    assert len(reads) == 1 and "beviljade_timmar" not in reads[0].split("FROM")[0]
    assert from_db.rows is not None and "person_id" not in from_db.data
    assert [(e["typ"], e["antal"], e["per_kon"]) for e in from_db.log] == \
           [(e["typ"], e["antal"], e["per_kon"]) for e in from_file.log]
    pd.testing.assert_frame_equal(_sorted(from_db.data), _sorted(from_file.data))
    persons = [first_per_id(r, "person_id", order="beslutsdatum") for r in (from_db, from_file)]
    assert persons[0].n_rows() == persons[1].n_rows() == 200  # P00000 .. P00199
    problems = lambda r: [(p.column, p.kind, p.count) for p in r.checked.problems]  # noqa: E731
    assert problems(from_db) == problems(from_file) and ("beslut_id", "duplicate_id", 2) in problems(from_db)


def test_book_section_lists_what_was_sent(tmp_path):
    from jamtools.run.runner import sql_markdown

    assert sql_markdown(tmp_path, ["ht_01_hemtjanst_timmar"]) == ""
    rec = {"table": "ht_beslut", "source": "SQL (beslut)", "grouped": True, "columns": ["kon", "alder"],
           "statement": "SELECT kalla.kon, kalla.alder, count(*) AS jamtools_antal_rader FROM (x) AS kalla GROUP BY kalla.kon, kalla.alder"}
    (tmp_path / "ht_01_hemtjanst_timmar.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    (tmp_path / "kontroll.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    text = sql_markdown(tmp_path, ["ht_01_hemtjanst_timmar"])
    assert "## Frågor till databasen" in text and rec["statement"] in text
    assert text.count(rec["statement"]) == 1  # one statement sent twice is listed once, with both senders
    assert "kontrollen av indata" in text and "hemtjänst" in text.lower()


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_a_repeated_key_is_counted_there_then_read(setup, statements, db):
    """A chapter's load that does not ask for the key (ht_01's): the database counts the key's
    repeated values and sends the number; there is one, so the rows are read with the key, and
    both rows of the duplicated decision are left out, as from the file."""
    _, files, configs = setup
    if db not in configs:
        pytest.skip("no PostgreSQL server outside CI (test_postgres_is_tested_under_ci fails under CI)")
    from_file = data.load_table("ht_beslut", config=files, **HT_01, cells=True)
    statements.clear()
    from_db = data.load_table("ht_beslut", config=configs[db], **HT_01, cells=True)
    assert len([s for s in statements if "upprepade" in s]) == 1
    (read,) = _reads(statements)
    assert "GROUP BY" not in read and "beslut_id" in read.split("FROM")[0]
    step = "Dubbletter av id (beslut_id)"
    assert from_db.excluded_by_reason()[step] == from_file.excluded_by_reason()[step] == 2
    assert [(e["typ"], e["antal"], e["per_kon"]) for e in from_db.log] == \
           [(e["typ"], e["antal"], e["per_kon"]) for e in from_file.log]
    assert len(from_db.data) == len(from_file.data) == 294  # tolv, X, no hours, nio, the pair
