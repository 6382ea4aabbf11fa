"""What the run's check found absent in whole files (:mod:`jamtools.data.facts`) spares the
kernels' linked loads two searches over every row: for repeated keys and for references to rows
another table lacks. A fact must say only what a search would find, apply only to the files it
was found in, and change no result: each is checked here against the searches themselves, on the
demo tables and on copies with repeated keys and missing references, and after a file changed."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest
import yaml

from jamtools.data import check as data_check
from jamtools.data import facts as run_facts
from jamtools.data import links, load_table
from jamtools.data.load import release_engine, table_sources
from jamtools.data.model import TABLES
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from tests.conftest import SYNTHETIC
from tests.data.test_links import NEEDS, _bad_copy, _by


def _config(folder):
    cfg = folder / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": str(folder)}), encoding="utf-8")
    return load_config(cfg)


def _demo_copy(folder):
    for name in NEEDS:
        shutil.copy(SYNTHETIC / f"{name}.csv", folder / f"{name}.csv")
    return folder


@pytest.fixture(params=["demo", "felaktiga_rader"])
def folder(request, tmp_path):
    return _demo_copy(tmp_path) if request.param == "demo" else _bad_copy(tmp_path)


def _facts_file(folder, tmp_path):
    facts = check_inputs(_config(folder)).facts
    path = tmp_path / "facts.json"
    facts.write(path)
    return facts, path


def _loads(folder, monkeypatch, facts_path=None):
    """Every table of :data:`NEEDS` loaded linked, from a fresh engine, and what each call of
    the two searches was asked."""
    from jamtools.data import engine

    searched = {"keys": 0, "references": 0, "anti_joins": 0}
    repeated, missing, connect = data_check._repeated_keys, links.missing_count, engine.connect

    class Counted:  # the engine connection, counting the anti joins of missing_count it is sent
        def __init__(self, con):
            self._con = con

        def sql(self, query, *args, **kwargs):
            searched["anti_joins"] += " ANTI JOIN " in query
            return self._con.sql(query, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._con, name)

    def count_keys(*args, **kwargs):
        searched["keys"] += 1
        return repeated(*args, **kwargs)

    def count_references(*args, **kwargs):
        searched["references"] += 1
        return missing(*args, **kwargs)

    release_engine()
    out = {}
    with monkeypatch.context() as m:
        if facts_path is None:
            m.delenv(run_facts.FACTS_ENV, raising=False)
        else:
            m.setenv(run_facts.FACTS_ENV, str(facts_path))
        m.setattr(data_check, "_repeated_keys", count_keys)
        m.setattr(links, "missing_count", count_references)
        m.setattr(engine, "connect", lambda **kw: Counted(connect(**kw)))
        for name, needs in NEEDS.items():
            loaded = load_table(name, data_dir=folder, cells=True, linked=True, **needs)
            out[name] = {"cells": _by(loaded, [c for c in loaded.data.columns if not c.startswith("__")
                                               and c != loaded.weight]),
                         "left_out": dict(loaded.excluded_by_reason()),
                         "problems": sorted((p.column or "", p.kind, p.count, p.rows)
                                            for p in loaded.checked.problems)}
    release_engine()
    return out, searched


def test_the_facts_say_what_a_search_of_the_rows_finds(folder, tmp_path):
    """A key is a fact exactly when no value repeats in the file; a reference when every id
    the column gives is among the other file's (plain pandas on the files, not the engine)."""
    facts, _ = _facts_file(folder, tmp_path)
    sources = table_sources(None, data_dir=folder)

    def ids(name, column):
        values = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)[column].str.strip()
        return values[values != ""]

    for name in NEEDS:
        table = TABLES[name]
        here = run_facts.source_key(name, sources[name])
        assert facts.key_unique(here) is not bool(ids(name, table.key).duplicated().any()), name
        for col in table.columns:
            other, other_col = (col.references or ".").split(".")
            if other in NEEDS:
                complete = ids(name, col.name).isin(set(ids(other, other_col))).all()
                assert facts.references_found(here, col.name, run_facts.source_key(other, sources[other]),
                                              other_col) is bool(complete), (name, col.name)
    assert facts.unique_keys  # (in the copy with bad rows, some; every reference there misses one)


def test_with_the_facts_the_loads_are_the_same_and_search_less(folder, tmp_path, monkeypatch):
    facts, path = _facts_file(folder, tmp_path)
    without, searched = _loads(folder, monkeypatch)
    with_facts, searched_with = _loads(folder, monkeypatch, path)
    assert with_facts == without
    # (in the copy with bad rows the tables whose keys are searched are those that repeat one)
    assert searched_with["keys"] <= searched["keys"]
    assert searched_with["references"] == searched["references"]  # asked as often
    assert searched_with["anti_joins"] <= searched["anti_joins"]


@pytest.fixture
def demo(tmp_path):
    (tmp_path / "demo").mkdir()
    return _demo_copy(tmp_path / "demo")


def test_demo_tables_with_the_facts_search_nothing_again(demo, tmp_path, monkeypatch):
    _, path = _facts_file(demo, tmp_path)
    _, searched = _loads(demo, monkeypatch)
    assert searched["keys"] and searched["anti_joins"]
    _, searched = _loads(demo, monkeypatch, path)
    assert searched["keys"] == 0 and searched["anti_joins"] == 0


def test_a_file_changed_after_the_check_is_searched_again(demo, tmp_path, monkeypatch):
    facts, path = _facts_file(demo, tmp_path)
    assert facts.unique_keys and facts.references
    plans = pd.read_csv(demo / "eb_planering.csv", dtype=str, keep_default_na=False)
    extra = plans.iloc[[0, 1]].copy()
    extra.iloc[1, extra.columns.get_loc("planering_id")] = "PL9999999"  # a new planning ...
    extra.iloc[1, extra.columns.get_loc("person_id")] = "E9999999"  # ... of an applicant no table has
    pd.concat([plans, extra]).to_csv(demo / "eb_planering.csv", index=False)  # and row 0's key twice
    without, _ = _loads(demo, monkeypatch)
    with_facts, searched = _loads(demo, monkeypatch, path)
    assert with_facts == without
    assert searched["keys"] >= 1
    planned = with_facts["eb_planering"]
    assert any(kind == "duplicate_id" and n == 2 for _, kind, n, _ in planned["problems"])
    assert planned["left_out"].get("Hänvisar till eb_klienter som saknas") == 1


def test_no_facts_without_the_variable_or_with_a_file_that_is_not_there(tmp_path, monkeypatch):
    monkeypatch.delenv(run_facts.FACTS_ENV, raising=False)
    assert run_facts.current() == run_facts.Facts()
    monkeypatch.setenv(run_facts.FACTS_ENV, str(tmp_path / "saknas.json"))
    assert run_facts.current() == run_facts.Facts()
    (tmp_path / "trasig.json").write_text("{", encoding="utf-8")
    monkeypatch.setenv(run_facts.FACTS_ENV, str(tmp_path / "trasig.json"))
    assert run_facts.current() == run_facts.Facts()


def test_a_source_key_names_one_version_of_one_file(demo):
    sources = table_sources(None, data_dir=demo)
    spec = sources["eb_klienter"]
    first = run_facts.source_key("eb_klienter", spec)
    assert first == run_facts.source_key("eb_klienter", dict(spec))
    assert run_facts.source_key("eb_planering", spec) != first  # another table
    assert run_facts.source_key("eb_klienter", {**spec, "columns": {"a": "kon"}}) != first  # mapped
    path = demo / "eb_klienter.csv"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # the same bytes, touched
    assert run_facts.source_key("eb_klienter", spec) != first
    assert run_facts.source_key("eb_klienter", {"sql": {"query": "SELECT 1"}}) is None


def test_ids_a_personnummer_gives_have_no_facts(tmp_path):
    """A pseudonym's validity depends on the day (a birth date not after today): the check
    keeps no fact about a key or reference made from a personnummer, only about ids given."""
    from tests.data.test_personnummer import FIXTURE

    shutil.copytree(FIXTURE, tmp_path / "pnr")
    config = load_config(tmp_path / "pnr" / "jamtools.yml")
    checked = check_inputs(config)
    sources = table_sources(config, data_dir=config.data_dir)
    planned = checked.tables["eb_planering"]
    assert planned.derived.get("person_id") and checked.tables["eb_klienter"].derived.get("person_id")
    # every applicant planned is an applicant: a search finds nothing, yet no fact is kept
    assert not any(p.kind == "dangling_reference" for p in planned.problems)
    for name in ("eb_klienter", "eb_planering"):
        here = run_facts.source_key(name, sources[name])
        assert here and not any(r[0] == here and r[1] == "person_id" for r in checked.facts.references)
        if TABLES[name].key == "person_id":
            assert not checked.facts.key_unique(here)


def test_a_file_changed_while_the_check_reads_it_has_no_fact(demo, monkeypatch):
    """The check keeps a fact only about the version of the file it read."""
    from jamtools.run import check as run_check

    real = run_check.check_source_parts

    def read_then_change(name, spec, **kwargs):
        parts = real(name, spec, **kwargs)
        if name == "eb_planering":
            path = demo / "eb_planering.csv"
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        return parts

    monkeypatch.setattr(run_check, "check_source_parts", read_then_change)
    facts = check_inputs(_config(demo)).facts
    sources = table_sources(None, data_dir=demo)
    changed = run_facts.source_key("eb_planering", sources["eb_planering"])
    assert facts.unique_keys and not facts.key_unique(changed)
    assert all(changed not in (r[0], r[2]) for r in facts.references)
    assert facts.key_unique(run_facts.source_key("eb_klienter", sources["eb_klienter"]))


def test_the_kernels_name_the_files_as_the_run_does(tmp_path, monkeypatch):
    """The run's check and a chapter's kernel (its parameters as the runner gives them, in the
    notebooks' folder) find the same files under the same entries: the same digests, so that
    the facts apply (a configuration with a relative file, a mapping, and data_dir)."""
    from jamtools.run.params import check_parameters

    (tmp_path / "data" / "export").mkdir(parents=True)
    for name in NEEDS:
        shutil.copy(SYNTHETIC / f"{name}.csv", tmp_path / "data" / f"{name}.csv")
    klienter = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str, keep_default_na=False)
    klienter.rename(columns={"person_id": "Klient-id"}).to_csv(
        tmp_path / "data" / "export" / "klienter.csv", index=False)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"data_dir": "data", "tables": {"eb_klienter": {
        "file": "data/export/klienter.csv", "columns": {"Klient-id": "person_id"}}}}), encoding="utf-8")
    config = load_config(cfg)
    run_side = table_sources(config, data_dir=config.data_dir)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")  # where papermill runs a kernel
    params = check_parameters(**config.for_notebook("eb_07_processkarta"))
    kernel_side = table_sources(params.config, data_dir=params.data_dir)
    assert set(run_side) == set(kernel_side) >= {"eb_klienter", "eb_planering"}
    for name in run_side:
        here = run_facts.source_key(name, run_side[name])
        assert here is not None and here == run_facts.source_key(name, kernel_side[name]), name
