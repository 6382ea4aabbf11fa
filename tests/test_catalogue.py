"""The chapter catalogue: one entry per question, every column it names exists in the data
model, and readiness follows the declarations."""
from __future__ import annotations

import pytest

from jamtools.run import catalogue
from jamtools.data.model import TABLES
from jamtools.run.catalogue import QUESTIONS


def test_every_question_has_exactly_one_entry():
    assert list(catalogue.CHAPTERS) == list(QUESTIONS)


@pytest.mark.parametrize("chapter_id", list(QUESTIONS))
def test_every_named_table_and_column_is_in_the_model(chapter_id):
    ch = catalogue.CHAPTERS[chapter_id]
    assert ch.needs or ch.reads_results or ch.reads_all_tables
    for need in ch.needs:
        model = {c.name for c in TABLES[need.table].columns}
        for col in (*need.required, *need.optional, *need.blank_ok):
            assert col in model, (chapter_id, need.table, col)
        for col in need.covariates:
            assert catalogue.DERIVED.get(col, col) in model, (chapter_id, need.table, col)
        assert set(need.blank_ok) <= set(need.required)
        for what in (*need.optional.values(), need.without):
            assert not what or (what[0].islower() and not what.endswith(".")), what


def test_readiness_follows_the_declarations():
    everything = {name: {c.name for c in t.columns} for name, t in TABLES.items()}
    assert all(catalogue.readiness(k, everything).status == "kan_koras" for k in QUESTIONS)
    nothing = {}
    statuses = {k: catalogue.readiness(k, nothing, results=False) for k in QUESTIONS}
    assert not any(r.can_run for r in statuses.values())
    # one table with only sex and hours: ht_01 runs without its covariates, and says so
    only_hours = {"ht_beslut": {"kon", "beviljade_timmar"}}
    r = catalogue.readiness("ht_01_hemtjanst_timmar", only_hours)
    assert r.status == "kan_koras_utan" and r.no_adjustment == ("ht_beslut",)
    assert "ingen justering" in r.text()
    # a required column that is an error (most values invalid) stops the chapter
    r = catalogue.readiness("ht_01_hemtjanst_timmar", only_hours, failed={"ht_beslut": {"beviljade_timmar"}})
    assert not r.can_run and "ogiltiga värden" in r.text()
    assert not catalogue.readiness("bof_02_utredning_till_insats", only_hours).can_run
