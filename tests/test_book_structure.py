"""The book's structure: every question notebook is a chapter, declares the run parameters
(papermill only sees plain assignments in a cell tagged `parameters`), and the results schema
is documented field by field."""
from __future__ import annotations

import re
from pathlib import Path

import papermill
import yaml

from jamtools.run.params import RUN_PARAMETERS
from jamtools.run.catalogue import QUESTIONS, part
from jamtools.present.results import SCHEMA
from jamtools.run.runner import _toc_notebook_ids

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_a_question_and_declares_run_parameters():
    assert NOTEBOOKS, "no notebooks"
    for nb in NOTEBOOKS:
        assert nb.stem in QUESTIONS, f"{nb.name} is not in the question catalogue"
        declared = papermill.inspect_notebook(str(nb))
        missing = set(RUN_PARAMETERS) - set(declared)
        assert not missing, f"{nb.name}: parameters cell lacks {missing}"


def test_toc_lists_every_notebook_under_its_part():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert set(_toc_notebook_ids(ROOT / "_toc.yml")) == {nb.stem for nb in NOTEBOOKS}
    for section in toc["parts"]:
        for chapter in section["chapters"]:
            f = chapter["file"]
            if f.startswith("notebooks/"):
                assert section["caption"] == part(Path(f).stem), f
            else:
                assert (ROOT / f"{f}.md").exists() or (ROOT / f).exists(), f


def test_results_schema_is_documented_field_by_field():
    chapter = (ROOT / "book" / "egna_data.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", chapter))
    fields = set(SCHEMA["properties"]) | set(SCHEMA["properties"]["comparisons"]["items"]["properties"])
    assert not fields - documented, f"undocumented results fields: {fields - documented}"


def test_every_chapter_parameter_is_documented():
    """A parameter a chapter declares beyond the run's own is explained in the own-data chapter."""
    chapter = (ROOT / "book" / "egna_data.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", chapter))
    extra = {name for nb in NOTEBOOKS for name in papermill.inspect_notebook(str(nb))} - set(RUN_PARAMETERS)
    assert extra and not extra - documented, f"undocumented chapter parameters: {extra - documented}"
