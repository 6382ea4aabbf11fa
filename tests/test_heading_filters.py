"""The line that opens a chapter's data section, and the results file's period and filters,
claim only the row filters the data could apply (jamtools.run.notebook.ChapterRun)."""
from __future__ import annotations

import json
from types import SimpleNamespace

from jamtools.present.page import Page
from jamtools.run import catalogue, notebook
from jamtools.run.params import check_parameters

QID = "eb_01_krav"


def _ctx(tmp_path, **extra):
    params = check_parameters(data_dir=tmp_path, period_start="2024-01-01", period_end="2024-06-30",
                              organisation="Småby kommun", results_path=tmp_path / f"{QID}.json",
                              **extra)
    return notebook.ChapterRun(QID, "Frågan", params)


def _load(monkeypatch, ctx, **unapplied):
    """Load each table named in ``unapplied`` with the filters it could not apply."""
    monkeypatch.setattr(catalogue, "load", lambda qid, table, params, **filters:
                        SimpleNamespace(unapplied=unapplied[table]))
    for table in unapplied:
        ctx.load(table, **ctx.filters)


def test_a_period_no_table_could_apply_is_not_claimed(tmp_path, monkeypatch):
    ctx = _ctx(tmp_path)
    assert ctx.heading == "**Småby kommun**, 2024-01-01 – 2024-06-30."  # nothing loaded yet
    _load(monkeypatch, ctx, eb_planering=("period",))
    assert ctx.heading == ("**Småby kommun**, hela perioden i data (perioden 2024-01-01 – "
                           "2024-06-30 kunde inte väljas: data saknar datum).")
    ctx.finish(Page(question_id=QID, short_answer=""))
    data = json.loads((tmp_path / f"{QID}.json").read_text())
    assert data["period"] == {"start": None, "end": None}
    assert data["not_applied"] == {"period": {"start": "2024-01-01", "end": "2024-06-30"}}


def test_a_period_some_tables_applied_is_said_so(tmp_path, monkeypatch):
    ctx = _ctx(tmp_path)
    _load(monkeypatch, ctx, eb_planering=(), eb_klienter=("period",))
    assert ctx.heading == ("**Småby kommun**, 2024-01-01 – 2024-06-30 (perioden kunde inte väljas "
                           "i en del av data, där ingår alla rader).")
    ctx.finish(Page(question_id=QID, short_answer=""))
    data = json.loads((tmp_path / f"{QID}.json").read_text())
    assert data["period"] == {"start": "2024-01-01", "end": "2024-06-30"}
    assert data["not_applied"]["period"]["tables"] == ["eb_klienter"]


def test_the_heading_says_the_chosen_unit_and_ages(tmp_path, monkeypatch):
    ctx = _ctx(tmp_path, enhet="Centrum", alder_min=12)
    _load(monkeypatch, ctx, eb_planering=())
    assert ctx.heading == ("**Småby kommun**, 2024-01-01 – 2024-06-30, enheten Centrum, "
                           "åldern 12 år och äldre.")
    both = _ctx(tmp_path, alder_min=30, alder_max=70)
    assert both.heading.endswith(", åldern 30–70 år.")
    # An age range the data could not apply: all ages, and why; not in the results' filters.
    _load(monkeypatch, both, eb_planering=("age",))
    assert both.heading == ("**Småby kommun**, 2024-01-01 – 2024-06-30, alla åldrar (åldern "
                            "30–70 år kunde inte väljas: data saknar uppgift om ålder).")
    both.finish(Page(question_id=QID, short_answer=""))
    data = json.loads((tmp_path / f"{QID}.json").read_text())
    assert "filters" not in data
    assert data["not_applied"] == {"alder_min": 30, "alder_max": 70}
