"""The chapter catalogue: one entry per question, every column it names exists in the data
model, and readiness follows the declarations."""
from __future__ import annotations

from pathlib import Path

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


def test_the_catalogue_is_the_one_chapter_list(tmp_path):
    """The notebooks, the table of contents' question parts and each notebook's title all follow
    the catalogue; a toc that lists a chapter under another part is rewritten by `toc`."""
    import json
    import shutil

    import yaml

    from jamtools.run.catalogue import CHAPTERS, toc_parts, write_toc

    root = Path(__file__).resolve().parents[1]
    assert sorted(p.stem for p in (root / "notebooks").glob("*.ipynb")) == sorted(CHAPTERS)
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    captions = {part["caption"] for part in toc_parts()}
    assert [p for p in toc["parts"] if p["caption"] in captions] == toc_parts()
    for chapter in CHAPTERS.values():
        nb = json.loads((root / "notebooks" / f"{chapter.id}.ipynb").read_text(encoding="utf-8"))
        first = "".join(nb["cells"][0]["source"]).splitlines()[0]
        assert first == f"# {chapter.title}", chapter.id
    # write_toc repairs a toc that disagrees, and leaves the other parts alone
    broken = tmp_path / "_toc.yml"
    shutil.copy(root / "_toc.yml", broken)
    data = yaml.safe_load(broken.read_text(encoding="utf-8"))
    moved = data["parts"][1]["chapters"].pop()
    data["parts"][2]["chapters"].append(moved)
    broken.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert write_toc(broken)
    assert yaml.safe_load(broken.read_text(encoding="utf-8")) == toc
    assert not write_toc(broken)

