"""Every public function of the statistics layer is documented in numpydoc style.

For each function defined in a module of :mod:`jamtools.stats` (found by importing the modules,
not from ``__init__``'s re-exports) the docstring must have the sections ``Parameters`` (when
the function takes any), ``Returns`` and ``References`` with numpydoc underlines, and every
reference (``.. [n] Surname, I. (year). Title. ...``) must name a work that the book's reference
list holds: the BibTeX file ``references.bib`` (rendered on the page *Referenser*) must have an
entry of that year with that surname among its authors.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import jamtools.stats

BOOK_REFERENCES = Path(__file__).resolve().parents[1] / "references.bib"
SECTIONS = ("Parameters", "Returns", "References")
#: One reference entry: ``.. [n]`` followed by the text up to the next entry or section.
ENTRY = re.compile(r"^\.\. \[(\d+)\]\s+(.*?)(?=^\.\. \[\d+\]|\Z)", re.M | re.S)
#: The first author's surname (before the first comma) and the year in parentheses.
AUTHOR_YEAR = re.compile(r"^(?P<surname>[^,()]+?),.*?\((?P<year>\d{4})[a-z]?\)", re.S)


def public_functions() -> list[tuple[str, object]]:
    """(``module.name``, function) for every public function defined in a jamtools.stats module."""
    found = []
    for info in pkgutil.iter_modules(jamtools.stats.__path__):
        module = importlib.import_module(f"jamtools.stats.{info.name}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and func.__module__ == module.__name__:
                found.append((f"{info.name}.{name}", func))
    return sorted(found, key=lambda item: item[0])


def section(doc: str, title: str) -> str | None:
    """The body of a numpydoc section (title line, underline of at least as many dashes), or
    None when the docstring has no such section."""
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines[:-1]):
        under = lines[i + 1].strip()
        if line.strip() == title and under and set(under) == {"-"} and len(under) >= len(title):
            body = []
            for j in range(i + 2, len(lines)):
                nxt = lines[j + 1].strip() if j + 1 < len(lines) else ""
                if lines[j].strip() and nxt and set(nxt) == {"-"} and not lines[j].startswith(" "):
                    break  # the next section starts
                body.append(lines[j])
            return "\n".join(body)
    return None


def references(doc: str) -> list[tuple[str, str]]:
    """(surname, year) of each numbered entry of the References section; an entry without a
    recognisable ``Surname, ... (year)`` gives ``("", "")``."""
    body = section(doc, "References") or ""
    out = []
    for _, text in ENTRY.findall(body):
        m = AUTHOR_YEAR.match(" ".join(text.split()))
        out.append((m["surname"].strip(), m["year"]) if m else ("", ""))
    return out


@functools.lru_cache(maxsize=4)
def bib_works(bib: str) -> tuple[tuple[str, str], ...]:
    """(author field, year) of each entry of a BibTeX text (pybtex's parser: what the book's
    build reads); the year is its four digits (``1998b`` is 1998)."""
    from pybtex.database import parse_string

    works = []
    for entry in parse_string(bib, "bibtex").entries.values():
        authors = " and ".join(str(p) for p in entry.persons.get("author", []))
        works.append((authors, entry.fields.get("year", "")[:4]))
    return tuple(works)


def book_has(book: str, surname: str, year: str) -> bool:
    """Whether the book's BibTeX list has a work of ``year`` with ``surname`` among its authors."""
    pattern = re.compile(r"(?<![\w'-])" + re.escape(surname) + r"(?![\w'-])")
    return any(y == year and pattern.search(authors) for authors, y in bib_works(book))


def doc_problems(doc: str | None, book: str, *, has_parameters: bool = True) -> list[str]:
    """What is missing from a docstring: sections, numbered references, works in the book."""
    if not doc:
        return ["ingen docstring"]
    problems = [f"saknar avsnittet {title}" for title in SECTIONS
                if section(doc, title) is None and (title != "Parameters" or has_parameters)]
    if section(doc, "References") is not None:
        refs = references(doc)
        if not refs:
            problems.append("References har inga numrerade poster (.. [1] Efternamn, X. (år). ...)")
        for surname, year in refs:
            if not surname:
                problems.append("en referens saknar 'Efternamn, ... (år)'")
            elif not book_has(book, surname, year):
                problems.append(f"{surname} ({year}) finns inte i references.bib")
    return problems


@pytest.fixture(scope="module")
def book() -> str:
    return BOOK_REFERENCES.read_text(encoding="utf-8")


FUNCTIONS = public_functions()


def test_the_statistics_layer_has_public_functions():
    assert len(FUNCTIONS) > 30


@pytest.mark.parametrize("name,func", FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_public_function_is_documented(name, func, book):
    has_parameters = bool(inspect.signature(func).parameters)
    assert doc_problems(func.__doc__, book, has_parameters=has_parameters) == [], name


# --- the checker itself -----------------------------------------------------------------------

FAKE_BOOK = """
@article{wilson1927, author = {Wilson, Edwin B.}, title = {Probable inference}, year = {1927}}
@article{brown2001, author = {Brown, Lawrence D. and Cai, T. Tony and DasGupta, Anirban},
  title = {Interval estimation}, year = {2001}}
"""

GOOD = '''Share with an interval.

    Parameters
    ----------
    x : int
        Events.

    Returns
    -------
    float
        The share.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
           inference. Journal of the American Statistical Association, 22(158), 209–212.
    .. [2] Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial
           proportion. Statistical Science, 16(2), 101–133.
    '''


def test_checker_accepts_a_complete_docstring():
    assert doc_problems(GOOD, FAKE_BOOK) == []
    assert references(GOOD) == [("Wilson", "1927"), ("Brown", "2001")]


def test_checker_finds_a_missing_section():
    no_returns = GOOD.replace("Returns\n    -------\n", "")
    assert doc_problems(no_returns, FAKE_BOOK) == ["saknar avsnittet Returns"]
    no_parameters = GOOD.replace("Parameters\n    ----------\n", "")
    assert doc_problems(no_parameters, FAKE_BOOK) == ["saknar avsnittet Parameters"]
    assert doc_problems(no_parameters, FAKE_BOOK, has_parameters=False) == []
    no_underline = GOOD.replace("References\n    ----------\n", "References\n")
    assert "saknar avsnittet References" in doc_problems(no_underline, FAKE_BOOK)
    assert doc_problems(None, FAKE_BOOK) == ["ingen docstring"]
    assert len(doc_problems("Only a summary.", FAKE_BOOK)) == 3


def test_checker_finds_references_not_in_the_book_or_not_numbered():
    other = GOOD.replace("Brown, L. D., Cai, T. T. & DasGupta, A. (2001)", "Agresti, A. (2013)")
    assert doc_problems(other, FAKE_BOOK) == ["Agresti (2013) finns inte i references.bib"]
    wrong_year = GOOD.replace("Wilson, E. B. (1927)", "Wilson, E. B. (1928)")
    assert doc_problems(wrong_year, FAKE_BOOK) == ["Wilson (1928) finns inte i references.bib"]
    unnumbered = GOOD.replace(".. [1] ", "").replace(".. [2] ", "")
    assert doc_problems(unnumbered, FAKE_BOOK) == [
        "References har inga numrerade poster (.. [1] Efternamn, X. (år). ...)"]


def test_book_lookup_needs_surname_then_year_in_one_work():
    assert book_has(FAKE_BOOK, "Cai", "2001")
    assert not book_has(FAKE_BOOK, "Wilson", "2001")
    assert not book_has(FAKE_BOOK, "Wils", "1927")
