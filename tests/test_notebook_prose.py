"""A chapter's prose as a reader meets it: the answer first, figures and tables cited by number.

Read from the source notebooks (no run needed):

- the first cell is the chapter's title alone; the cell that shows *Svar i korthet* comes next
  (after the parameters), and only then ``## Varför frågan är viktig``;
- the prose never points at "figuren nedan" or "tabellen ovan": it cites a figure or table by
  its number, with {numref}`<chapter id>-<name>`;
- every such label is the chapter's own and names a figure or table the chapter module gives
  that name (``figure(..., name=...)`` or a table's ``name=``), so the book's cross-reference
  cannot dangle;
- outside *Data som används* (where analysts need the data model's names) the prose uses Swedish
  words, not the data model's column names in backticks (a parameter keeps its name).
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from jamtools.data.model import TABLES
from jamtools.run.catalogue import SUMMARIES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
QUESTIONS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))  # the summary too: answer first
WHY = "## Varför frågan är viktig"
#: Pointing words a reader on a phone or in a PDF cannot follow.
POINTING = re.compile(r"\b(figur|tabell|diagram)(en|erna|et)?\s+(nedan|ovan)\b", re.IGNORECASE)
NUMREF = re.compile(r"\{numref\}`([^`]+)`")


def _cells(question_id: str) -> list[dict]:
    return json.loads((NOTEBOOKS / f"{question_id}.ipynb").read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _prose(question_id: str) -> str:
    return "\n\n".join(_source(c) for c in _cells(question_id) if c["cell_type"] == "markdown")


def _names_given() -> set[str]:
    """Every literal or f-string prefix passed as ``name=`` in the chapter and present modules."""
    names = set()
    for path in [*(ROOT / "jamtools" / "chapters").glob("*.py"),
                 *(ROOT / "jamtools" / "present").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "name":
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    names.add(node.value.value)
    return names


def test_there_are_question_chapters():
    assert len(QUESTIONS) >= 20


@pytest.mark.parametrize("question_id", QUESTIONS)
def test_the_answer_comes_first(question_id):
    cells = _cells(question_id)
    title = _source(cells[0])
    assert title.startswith("# ") and "\n" not in title.strip(), "the first cell is the title alone"
    answer = next(i for i, c in enumerate(cells)
                  if c["cell_type"] == "code" and "show_answer()" in _source(c))
    assert all(c["cell_type"] == "code" for c in cells[1:answer]), \
        "only the parameters come between the title and the answer"
    why = next(i for i, c in enumerate(cells) if _source(c).startswith(WHY))
    assert why == answer + 1, "'Varför frågan är viktig' follows the answer"
    assert len(_source(cells[why])) > len(WHY) + 200, "the section keeps the old introduction"


@pytest.mark.parametrize("question_id", QUESTIONS)
def test_figures_and_tables_are_cited_by_number(question_id):
    prose = _prose(question_id)
    pointing = POINTING.findall(prose)
    assert not pointing, f"points instead of citing: {pointing}"
    given = _names_given()
    for label in NUMREF.findall(prose):
        chapter, _, name = label.partition(f"{question_id}-")
        assert chapter == "" and name, f"{label} is not this chapter's label"
        assert name in given, f"no figure or table is named {name!r}"


def test_the_pointing_rule_finds_pointing_words():
    assert POINTING.findall("Tabellen nedan visar hur många. Se figuren ovan.")
    assert not POINTING.findall("{numref}`x-y` visar hur många; tabellerna i data")


COLUMNS = {c.name for t in TABLES.values() for c in t.columns}


@pytest.mark.parametrize("question_id", QUESTIONS)
def test_column_names_stay_in_the_data_section(question_id):
    found = []
    for cell in _cells(question_id):
        if cell["cell_type"] != "markdown":
            continue
        section = ""
        for line in _source(cell).split("\n"):
            if line.startswith("#"):
                section = line
            if "Data som används" in section:
                continue
            # a parameter is named as the analyst writes it ("parametern `enhet`")
            found += [m for m in re.findall(r"(?<!parametern )`([^`]+)`", line) if m in COLUMNS]
    assert not found, f"column names in the prose: {found}"


# --- glossary links and citations ------------------------------------------------------------

CHAPTERS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("chapter_id", CHAPTERS)
def test_chapter_links_the_glossary_and_cites_only_known_works(chapter_id):
    """Every chapter links at least one glossary term; every {term} target is a glossary term
    and every {cite} key is in references.bib (the book is built with -W, so a stray one fails
    there too, but only after every notebook has run)."""
    from tests.test_book_structure import _bib_keys, _glossary_terms, cited_keys, term_targets

    prose = _prose(chapter_id)
    targets = term_targets(prose)
    assert targets, "the chapter links no glossary term ({term}`...`)"
    unknown = targets - _glossary_terms()
    assert not unknown, f"{{term}} targets not in book/ordlista.md: {sorted(unknown)}"
    missing = cited_keys(prose) - set(_bib_keys())
    assert not missing, f"cited keys not in references.bib: {sorted(missing)}"


def test_the_glossary_link_check_can_fail():
    from tests.test_book_structure import _glossary_terms, term_targets

    assert term_targets("{term}`Konfidensintervallet <konfidensintervall>`") <= _glossary_terms()
    assert not term_targets("{term}`konfidensintervallet`") <= _glossary_terms()


@pytest.mark.parametrize("question_id", QUESTIONS)
def test_notebook_is_valid_nbformat(question_id):
    """A hand-edited notebook must still be valid (e.g. no cell ids in an nbformat 4.4 file)."""
    import nbformat

    nbformat.validate(nbformat.read(NOTEBOOKS / f"{question_id}.ipynb", as_version=4))
