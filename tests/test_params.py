"""Parameter validation: every mistake is named, with what to do."""
from __future__ import annotations

import pytest

from jamtools.run.params import ParameterError, check_parameters
from jamtools.run.params import parameter_problems as run_problems


def test_valid_parameters(tmp_path):
    p = check_parameters(data_dir=tmp_path, period_start="2024-01-01", period_end="2024-12-31",
                         threshold=5, conf_level=0.9, organisation="X", enhet="Norr", alder_min=0)
    assert p.period == ("2024-01-01", "2024-12-31") and p.threshold == 5
    assert p.extra["enhet"] == "Norr"


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": 0}, "threshold"),
    ({"threshold": -1}, "threshold"),
    ({"threshold": 2.5}, "threshold"),
    ({"threshold": True}, "threshold"),
    ({"conf_level": 95}, "conf_level"),
    ({"conf_level": 1.0}, "conf_level"),
    ({"period_start": "2024-13-01"}, "period_start"),
    ({"period_start": "2024-06-01", "period_end": "2024-01-01"}, "efter"),
    ({"alder_min": -3}, "alder_min"),
    ({"alder_min": 70, "alder_max": 65}, "alder_min \\(70\\).*alder_max \\(65\\)"),
    ({"enhet": 5}, "enhet"),
])
def test_bad_parameters_are_named(tmp_path, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        check_parameters(data_dir=tmp_path, **kwargs)


def test_every_bad_parameter_is_named_at_once(tmp_path):
    with pytest.raises(ParameterError) as err:
        check_parameters(data_dir=tmp_path, threshold=0, conf_level=2, period_start="igår")
    assert all(name in str(err.value) for name in ("threshold = 0", "conf_level = 2", "period_start = 'igår'"))


@pytest.mark.parametrize("question_id, extra, message", [
    ("r4_02_resurser", {"tabell": 5}, "tabell = 5 känns inte igen"),
    ("ru_01_projektmedel", {"beloppsgranser": ["200 000 euro"]}, "beloppsgranser"),
    ("ht_02_forandring_over_tid", {"nytt_arbetssatt_ar": "år 2023"}, "nytt_arbetssatt_ar"),
])
def test_setup_checks_the_chapters_own_parameters_by_its_rules(tmp_path, question_id, extra, message):
    """A value set by hand in a notebook's parameters cell stops at its first cell, naming it,
    by the rule the configuration is checked with (not with a Python error inside the chapter)."""
    from jamtools.run import notebook

    with pytest.raises(ParameterError, match=message):
        notebook.setup(question_id, {"data_dir": str(tmp_path), **extra})
    good = {"beloppsgranser": ["200 000", 400000]} if question_id == "ru_01_projektmedel" else {}
    assert notebook.setup(question_id, {"data_dir": str(tmp_path), **good}).question_id == question_id


def test_missing_data_dir_says_how_to_make_data(tmp_path):
    with pytest.raises(ParameterError, match="jamtools synth"):
        check_parameters(data_dir=tmp_path / "finns-inte")


def test_setup_freezes_the_imports_for_the_garbage_collector(tmp_path, monkeypatch):
    """After ``setup`` the objects of the imports are out of the collector's way (gc.freeze):
    a full collection no longer scans them, and what the chapter creates is still collected."""
    import gc

    from jamtools.run import notebook

    gc.unfreeze()
    monkeypatch.setattr(notebook, "_FROZEN", False)
    before = len(gc.get_objects())
    try:
        notebook.setup("bof_02_utredning_till_insats", {"data_dir": str(tmp_path), "threshold": 5})
        frozen = gc.get_freeze_count()
        assert frozen >= before
        cycle = []
        cycle.append(cycle)  # garbage made after setup: still found by a collection
        del cycle
        assert gc.collect() >= 1
        # once per process: a second setup (a chapter's objects alive) freezes nothing more
        kept = [[] for _ in range(1000)]
        notebook.setup("bof_02_utredning_till_insats", {"data_dir": str(tmp_path), "threshold": 5})
        assert gc.get_freeze_count() == frozen and kept
    finally:
        gc.unfreeze()


def test_setup_keeps_the_statistics_warnings_off_the_notebook(tmp_path):
    """In a chapter's kernel the statistics' UserWarnings (said in the chapter's text) do not
    reach stderr; other warnings still do."""
    import warnings

    import pandas as pd

    from jamtools.disclosure import analyses
    from jamtools.run import notebook

    rows = pd.DataFrame({"kon": ["kvinna"] * 10, "utfall": [1, 0] * 5})
    with warnings.catch_warnings(record=True) as before:
        warnings.simplefilter("default")
        analyses.binary_outcome(rows, "utfall", levels=("kvinna", "man"))
    assert any("saknas" in str(w.message) for w in before)  # the case warns
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        notebook.setup("bof_02_utredning_till_insats", {"data_dir": str(tmp_path), "threshold": 5})
        analyses.binary_outcome(rows, "utfall", levels=("kvinna", "man"))
        warnings.warn("en annan varning", RuntimeWarning)
    assert [str(w.message) for w in seen] == ["en annan varning"]


def test_the_shared_parameter_rules_doc_examples():
    """The rules several parameters share (jamtools.present.parameters): their examples hold."""
    import doctest

    from jamtools.present import parameters

    assert doctest.testmod(parameters).failed == 0


def test_the_two_change_years_and_the_whole_numbers_share_one_rule():
    """ks's and ht's year, um's word count and baseline and the run's threshold are the shared
    rules with the chapter's own words: the same values pass and fail, the messages differ only
    in the parameter and what it means."""
    from jamtools.chapters import ht, ks, um
    from jamtools.run.params import parameter_problems as run_problems

    for value in (2024, "2024", " 2024"):
        assert ks.change_year(value) == ht.change_year(value) == 2024
    for value in (2024.5, "2024a", True, None, [2024]):
        with pytest.raises(ValueError, match="ska vara ett årtal, till exempel 2024: det första läsåret"):
            ks.change_year(value)
        with pytest.raises(ValueError, match="ska vara ett årtal, till exempel 2023: det första året"):
            ht.change_year(value)
    for value in (0, -3, 1.5, True, "15"):
        with pytest.raises(ValueError, match=f"antal_ord = {value!r} ska vara ett heltal ≥ 1: hur många"):
            um.word_count(value)
        assert f"threshold = {value!r} ska vara ett heltal ≥ 3: det minsta" in run_problems({"threshold": value})["threshold"]
        with pytest.raises(ValueError, match="baslinje_manader"):
            um.baseline_months(value)
    assert um.word_count(1) == 1 and um.baseline_months(1) == 1 and run_problems({"threshold": 3}) == {}


@pytest.mark.parametrize("value", [1, 2])
def test_a_threshold_that_protects_no_one_is_refused(value):
    """A probe set hl_01's threshold to 1: accepted, and only the leak scan objected, after the
    small counts were in the results file."""
    assert "skyddar inte små grupper" in run_problems({"threshold": value})["threshold"]


def test_a_chapter_may_not_protect_less_than_the_run(tmp_path):
    from jamtools.run.config import load_config

    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("threshold: 5\nnotebooks:\n  hl_01_konsuppdelad_statistik: {threshold: 3}\n"
                   "  bof_02_utredning_till_insats: {threshold: 10}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_config(cfg)
    assert "hl_01_konsuppdelad_statistik" in str(err.value) and "lägre än körningens threshold (5)" in str(err.value)
    assert "bof_02" not in str(err.value)  # protecting more is allowed
