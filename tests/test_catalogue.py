"""The chapter catalogue: one entry per question, every column it names exists in the data
model, and readiness follows the declarations."""
from __future__ import annotations

from pathlib import Path

import pytest

from jamtools.run import catalogue
from jamtools.data.model import TABLES
from jamtools.run.catalogue import QUESTIONS

ROOT = Path(__file__).resolve().parents[1]


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


def _all_tables(without=(), lacking=()):
    """Every table of the model with all its columns, but the tables ``without`` and the
    ``(table, column)`` pairs ``lacking``."""
    tables = {name: {c.name for c in t.columns} for name, t in TABLES.items() if name not in without}
    for table, column in lacking:
        tables[table].discard(column)
    return tables


@pytest.mark.parametrize("chapter_id, parameters, tables, status, words", [
    # r4_02 set to the project funds, which the run lacks: it has nothing to show
    ("r4_02_resurser", {"tabell": "ru_ansokningar"}, _all_tables(["ru_ansokningar"]), "kan_inte_koras",
     "saknar tabellen ru_ansokningar, som parametern tabell väljer (de resurser kapitlet visar)"),
    ("r4_02_resurser", {"tabell": ["ht_beslut", "ru_ansokningar"]}, _all_tables(["ru_ansokningar"]),
     "kan_koras_utan", "utan tabellen ru_ansokningar (som parametern tabell väljer: projektmedlen utelämnas)"),
    ("r4_02_resurser", {"tabell": ["ht_beslut", "ru_ansokningar"]}, _all_tables(["ru_ansokningar", "ht_beslut"]),
     "kan_inte_koras", "minst en av tabellerna ht_beslut, ru_ansokningar, som parametern tabell väljer"),
    # the interventions need the plannings too
    ("r4_02_resurser", {"tabell": "eb_insatser"}, _all_tables(["eb_planering"]), "kan_inte_koras",
     "saknar tabellen eb_insatser, som parametern tabell väljer"),
    ("r4_02_resurser", {}, _all_tables(["eb_planering", "ht_beslut", "ru_ansokningar"]), "kan_inte_koras",
     "minst en av tabellerna ht_beslut, eb_insatser, ru_ansokningar"),
    # r4_01 set to a client table the catalogue does not declare
    ("r4_01_representation", {"tabell": "ks_elever"}, _all_tables(["ks_elever"]), "kan_inte_koras",
     "saknar tabellen ks_elever, som parametern tabell väljer (de klienttabeller kapitlet visar)"),
    ("r4_01_representation", {"tabell": ["ks_elever", "ht_beslut"]}, _all_tables(["ks_elever"]),
     "kan_koras_utan", "tabellen ks_elever (som parametern tabell väljer: kulturskolans elever utelämnas)"),
    ("r4_01_representation", {"tabell": "ks_elever"}, _all_tables(["ht_beslut", "eb_klienter"]), "kan_koras", ""),
    # r4_03's goal table and indicators
    ("r4_03_resultat", {"tabell": "eb_klienter", "malindikatorer": "bistand_beviljat"},
     _all_tables(["eb_klienter", "um_indikatorer"]), "kan_inte_koras",
     "minst en av tabellerna eb_klienter (som parametern tabell väljer: tabellen med målindikatorerna), "
     "um_indikatorer"),
    ("r4_03_resultat", {"tabell": "eb_klienter", "malindikatorer": "bistand_beviljat"},
     _all_tables(lacking=[("eb_klienter", "bistand_beviljat")]), "kan_koras_utan",
     "saknar bistand_beviljat, som parametern malindikatorer väljer (målindikatorerna)"),
    # r4_04's outcome
    ("r4_04_olika_grupper", {"utfall": "sjalvforsorjande"}, _all_tables(lacking=[("eb_utfall", "sjalvforsorjande")]),
     "kan_inte_koras", "saknar eb_utfall: sjalvforsorjande, som parametern utfall väljer (utfallet som jämförs)"),
    ("r4_04_olika_grupper", {}, _all_tables(lacking=[("eb_utfall", "sjalvforsorjande")]), "kan_koras_utan", ""),
])
def test_readiness_follows_the_chapters_parameters(chapter_id, parameters, tables, status, words):
    """A table or column that a chapter's parameter in jamtools.yml names, and the run lacks, is
    said by the check as a table the chapter lacks, with what the parameter chooses in words
    (the check said 'kan köras' for r4_02 set to a table the run lacks; its page then said so)."""
    r = catalogue.readiness(chapter_id, tables, parameters=parameters)
    assert r.status == status and words in r.text(), r.text()


def test_the_check_of_a_run_says_a_chapter_set_to_a_table_the_run_lacks_cannot_run(tmp_path):
    """``jamtools check`` (and the run's check) reads the chapters' parameters from jamtools.yml."""
    import shutil

    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config

    data = tmp_path / "data"
    data.mkdir()
    for name in ("ht_beslut", "eb_planering", "eb_insatser"):
        shutil.copy(ROOT / "data" / "synthetic" / f"{name}.csv", data)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("data_dir: data\nnotebooks:\n  r4_02_resurser: {tabell: ru_ansokningar}\n", encoding="utf-8")
    report = check_inputs(load_config(cfg), chapters=["r4_02_resurser"])
    r = report.chapters["r4_02_resurser"]
    assert not r.can_run and "de resurser kapitlet visar" in r.text()
    assert "r4_02_resurser" in report.skipped
    cfg.write_text("data_dir: data\n", encoding="utf-8")  # without the parameter: the others
    assert check_inputs(load_config(cfg), chapters=["r4_02_resurser"]).chapters["r4_02_resurser"].can_run


@pytest.mark.parametrize("chapter_id, values, messages", [
    ("r4_03_resultat", {"tabell": "hemtjanst", "malindikatorer": 5, "justera_for": 5},
     ["tabell = 'hemtjanst'", "malindikatorer = 5", "justera_for = 5"]),
    ("r4_03_resultat", {"malindikatorer": ["klar"], "justera_for": ["behov"]},
     ["malindikatorer.*: klar\\.", "justera_for.*: behov\\."]),
    ("r4_01_representation", {"tabell": ["hemtjanst", "ht_beslut", "ekonomi"], "aldersgranser": 18, "alder_max": "80"},
     ["tabell = .*: hemtjanst, ekonomi\\.", "aldersgranser = 18", "alder_max = '80'"]),
    ("r4_01_representation", {"alder_max": 10}, ["alder_max = 10.*ht_beslut.*eb_klienter.*bof_aktualiseringar"]),
    ("r4_02_resurser", {"tabell": ["ht_beslut", "hemtjanst", "pengar"], "alder_min": -1},
     ["tabell = .*känns inte igen: hemtjanst, pengar\\.", "alder_min = -1"]),
    ("um_01_sprakbruk", {"roll": "mamma", "antal_ord": 0, "ansvarsord": [], "prior_styrka": 0},
     ["roll = 'mamma'", "antal_ord = 0", "ansvarsord = \\[\\]", "prior_styrka = 0"]),
])
def test_every_problem_of_a_chapters_parameters_is_named_at_once(chapter_id, values, messages):
    """All problems in one pass: r4_03 said only the first of its three parameters' problems,
    r4_01 only the table's (and of a list only its first bad name)."""
    import re

    problems = catalogue.parameter_problems(chapter_id, values)
    assert len(problems) == len(messages), problems
    for message in messages:
        assert sum(bool(re.search(message, problem)) for problem in problems) == 1, (message, problems)


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



def _parameters_cell(chapter_id: str) -> dict:
    """The names and values of a notebook's parameters cell (its defaults)."""
    import ast
    import json

    root = Path(__file__).resolve().parents[1]
    nb = json.loads((root / "notebooks" / f"{chapter_id}.ipynb").read_text(encoding="utf-8"))
    [cell] = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    tree = ast.parse("".join(cell["source"]))
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign)}


@pytest.mark.parametrize("chapter_id", list(QUESTIONS))
def test_the_catalogue_declares_each_notebooks_own_parameters(chapter_id):
    """The chapter's own parameters in the catalogue are its notebook's (names, order and
    defaults), each default passes the chapter's rules, and every rule is a function of the
    chapter modules that takes the parameters by their names."""
    import inspect

    from jamtools.run.params import RUN_PARAMETERS

    cell = _parameters_cell(chapter_id)
    own = {k: v for k, v in cell.items() if k not in RUN_PARAMETERS}
    declared = catalogue.CHAPTERS[chapter_id].parameters
    assert list(own) == list(declared), chapter_id
    assert {k: p.default for k, p in declared.items()} == own, chapter_id
    assert catalogue.parameter_problems(chapter_id, own) == []
    assert catalogue.parameter_problems(chapter_id, cell, defaults=False) == []
    for p in declared.values():
        if p.rule:
            assert callable(catalogue._rule(p.rule)), p.rule
    together = catalogue.CHAPTERS[chapter_id].together
    if together:  # called with the chapter's own names, with the notebooks' defaults
        signature = inspect.signature(catalogue._rule(together)).parameters
        assert set(signature) <= set(declared), together
        assert {k: s.default for k, s in signature.items()} == {k: own[k] for k in signature}


@pytest.mark.parametrize("chapter_id, values, message", [
    ("r4_02_resurser", {"tabell": 5}, "tabell = 5 känns inte igen"),
    ("r4_02_resurser", {"tabell": "hemtjanst"}, "tabell = 'hemtjanst' känns inte igen.*ht_beslut"),
    ("r4_01_representation", {"tabell": ["ht_beslut", 7]}, "tabell = \\['ht_beslut', 7\\].*: 7\\."),
    ("r4_01_representation", {"aldersgranser": 18}, "aldersgranser = 18"),
    ("r4_01_representation", {"aldersgranser": [30, 18]}, "aldersgranser.*stigande"),
    ("r4_01_representation", {"alder_max": 10}, "alder_max = 10.*ht_beslut"),
    ("r4_03_resultat", {"tabell": "hemtjanst"}, "tabell = 'hemtjanst'.*datamodellen"),
    ("r4_03_resultat", {"malindikatorer": ["klar"]}, "malindikatorer.*klar"),
    ("r4_03_resultat", {"justera_for": 5}, "justera_for = 5"),
    ("r4_04_olika_grupper", {"utfall": "arbete"}, "utfall = 'arbete'.*forflyttning"),
    ("ru_01_projektmedel", {"beloppsgranser": ["200 000 euro"]}, "beloppsgranser.*'200 000 euro'"),
    ("ru_01_projektmedel", {"beloppsgranser": [200000, "-200 000"]}, "beloppsgranser.*'-200 000'"),
    ("ru_01_projektmedel", {"beloppsgranser": None}, "beloppsgranser = None"),
    ("ht_02_forandring_over_tid", {"nytt_arbetssatt_ar": "år 2023"}, "nytt_arbetssatt_ar = 'år 2023'"),
    ("ks_01_instrumentval", {"forandring_ar": 2024.5}, "forandring_ar = 2024.5"),
    ("um_01_sprakbruk", {"roll": "mamma"}, "roll = 'mamma'.*foralder"),
    ("um_01_sprakbruk", {"antal_ord": 0}, "antal_ord = 0"),
    ("um_01_sprakbruk", {"ansvarsord": []}, "ansvarsord = \\[\\]"),
    ("um_01_sprakbruk", {"uteslutna_ord": [3]}, "uteslutna_ord = \\[3\\]"),
    ("um_01_sprakbruk", {"prior_styrka": -1}, "prior_styrka = -1"),
    ("um_02_kvalitetsuppfoljning", {"indikator": 3}, "indikator = 3"),
    ("um_02_kvalitetsuppfoljning", {"baslinje_manader": 0}, "baslinje_manader = 0"),
    ("bof_02_utredning_till_insats", {"enhet": 5}, "enhet = 5"),
    ("bof_02_utredning_till_insats", {"alder_min": 20}, "alder_min \\(20\\).*alder_max \\(17\\)"),
    ("bof_02_utredning_till_insats", {"threshold": 0}, "threshold = 0"),
])
def test_a_bad_chapter_parameter_is_named_by_the_chapters_own_rule(chapter_id, values, message):
    import re

    problems = catalogue.parameter_problems(chapter_id, values)
    assert len(problems) == 1 and re.search(message, problems[0]), problems


def test_good_chapter_parameters_pass():
    good = {"ru_01_projektmedel": {"beloppsgranser": ["200 000", 400000, "1 000 000"]},
            "r4_02_resurser": {"tabell": ["ht_beslut", "ru_ansokningar"]},
            "r4_01_representation": {"tabell": "eb_klienter", "aldersgranser": [18, 30, 65], "alder_max": 80},
            "r4_03_resultat": {"malindikatorer": ["forflyttning"], "justera_for": ["hushallstyp"]},
            "um_01_sprakbruk": {"roll": None, "ansvarsord": "ansvar", "uteslutna_ord": None, "prior_styrka": 200},
            "um_02_kvalitetsuppfoljning": {"baslinje_manader": ["2023-01-01", None]},
            "ht_02_forandring_over_tid": {"nytt_arbetssatt_ar": 2022, "alder_min": 70, "enhet": "Norr"}}
    for chapter_id, values in good.items():
        assert catalogue.parameter_problems(chapter_id, values) == [], chapter_id
