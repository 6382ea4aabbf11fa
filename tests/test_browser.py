"""The reader's book in a real browser (Debian's Chromium under Playwright, nothing downloaded).

The book the suite's run built (``synthetic_run``/html) is served on 127.0.0.1 and every page
is opened at a desktop and at a phone width. The test fails, listing every problem of every
page grouped by kind, on: a request to another host (aborted), a console error, a broken image,
raw TeX, an image without a real alt text, a page wider than a 390 px phone, or an axe-core
WCAG 2.1 A/AA violation of impact serious or critical (the DOS law). Screenshots of each page's
first screen go to ``_build/screenshots/``. The search page must find "utredning".

The planted-defect tests show that each check can fail: they plant one defect in a copy of a
real page and see it reported, and not reported on the untouched copy.

Without Chromium or Playwright the tests skip locally and fail in CI (``CI`` or
``JAMTOOLS_REQUIRE_BROWSER`` set, as ``.ci/run`` does). ``JAMTOOLS_BROWSER_BOOK=<html folder>``
checks an already built book instead of the suite's run (to iterate without the full run).
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import checks

REQUIRED = bool(os.environ.get("CI") or os.environ.get("JAMTOOLS_REQUIRE_BROWSER"))
BOOK_ENV = "JAMTOOLS_BROWSER_BOOK"
QUERY = "utredning"

#: A 1 × 1 PNG, so planted images load without a file.
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
         "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def browser():
    why = checks.browser_missing()
    if why:
        if REQUIRED:
            pytest.fail(f"The browser test cannot run: {why}.", pytrace=False)
        pytest.skip(why)
    with checks.launch() as b:
        yield b


def _book_failure(run: Path) -> str:
    """Why the run in ``run`` has no good book: its manifest's verdict and its build log's end."""
    manifest = run / "manifest.json"
    m = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    log = run / "book-build.log"
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
    return (f"The run in {run} has no good book (manifest: book = {m.get('book')}, exit code "
            f"{m.get('exit_code')}). The end of its book-build.log:\n{tail}")


@pytest.fixture(scope="module")
def book_html(request) -> Path:
    """The built book's HTML folder: the suite's run, or ``$JAMTOOLS_BROWSER_BOOK``."""
    if os.environ.get(BOOK_ENV):
        html = Path(os.environ[BOOK_ENV])
    else:
        html = request.getfixturevalue("synthetic_run") / "html"
    if not (html / "index.html").is_file():
        pytest.fail(_book_failure(html.parent), pytrace=False)
    return html


def test_the_run_built_the_book(book_html):
    """The suite's run goes on when only its book fails (the chapters' tests still run); this
    test is where that failure shows."""
    manifest = book_html.parent / "manifest.json"
    if os.environ.get(BOOK_ENV) and not manifest.exists():
        return  # a book built elsewhere, without a run's manifest
    m = json.loads(manifest.read_text(encoding="utf-8"))
    if not (m["book"] and m["book"]["built"] and m["exit_code"] == 0):
        pytest.fail(_book_failure(book_html.parent), pytrace=False)


@pytest.fixture(scope="module")
def book_url(book_html):
    with checks.serve(book_html) as url:
        yield url


def test_every_page_of_the_book_in_the_browser(browser, book_html, book_url):
    pages = checks.book_pages(book_html)
    chapters = [p for p in pages if p.startswith("notebooks/")]
    assert "index.html" in pages and chapters, f"the book has no start page or no chapters: {pages}"
    found = checks.sweep(browser, book_url, pages, screenshots=checks.SCREENSHOTS)
    if found.problems:
        pytest.fail(checks.report(found.problems, pages=len(pages)), pytrace=False)
    assert len(list(checks.SCREENSHOTS.glob("*.png"))) == 2 * len(pages)


def test_search_finds_utredning(browser, book_url):
    hits, _ = checks.search_hits(browser, book_url, QUERY)  # its page's errors: the sweep's
    assert hits >= 1, f"the book's search finds nothing for {QUERY!r}"


# ----------------------------------------------------------------------------------------------
# Each check can fail: defects planted in a copy of a real page


@dataclass(frozen=True)
class Defect:
    name: str
    kind: str        # the check that must catch it
    html: str        # planted right after the opening <article> (or <body>) tag ...
    head: bool       # ... or before </head>
    marker: str      # text the caught problem must contain
    also: frozenset = frozenset()  # other kinds it may cause (a missing image logs a 404)


DEFECTS = [
    Defect("cdn-script", checks.FOREIGN, '<script src="https://cdn.jsdelivr.net/npm/planted-cdn@1.0.0'
           '/planted.min.js"></script>', True, "cdn.jsdelivr.net/npm/planted-cdn"),
    # in a block MathJax skips, as myst-nb marks a notebook's page: the TeX stays as typed
    Defect("raw-tex", checks.RAW_TEX, '<p id="planted-tex" class="tex2jax_ignore mathjax_ignore">'
           'Andelen är $$x^2$$ i exemplet.</p>', False, "$$x^2$$"),
    Defect("file-path-alt", checks.ALT_TEXT, f'<img id="planted-alt" src="{PIXEL}" '
           'alt="_images/foo.png">', False, "'_images/foo.png'"),
    Defect("wide-table", checks.TOO_WIDE, '<table id="planted-wide" style="width:500px;'
           'min-width:500px"><tr><td>En bred tabell utan rullningsruta</td></tr></table>',
           False, "#planted-wide"),
    Defect("console-error", checks.CONSOLE, '<script>console.error("planted console error")'
           '</script>', False, "planted console error"),
    Defect("uncaught-error", checks.CONSOLE, '<script>throw new Error("planted page error")'
           '</script>', False, "planted page error"),
    Defect("broken-image", checks.BROKEN_IMAGE, '<img src="_images/planted-missing.png" '
           'alt="Ett diagram som inte finns på servern och därför inte visas">', False,
           "planted-missing.png", frozenset({checks.CONSOLE})),
    Defect("axe-unnamed-button", checks.AXE, '<button id="planted-axe"></button>', False,
           "#planted-axe"),
    Defect("unfocusable-scroll-box", checks.AXE, '<div id="planted-scroll" style="overflow-x:auto">'
           '<table style="width:500px;min-width:500px"><tr><td>En bred tabell i en rullningsruta '
           'som tangentbordet inte når</td></tr></table></div>', False, "#planted-scroll"),
]


def _plant(page: str, defect: Defect) -> str:
    if defect.head:
        assert "</head>" in page
        return page.replace("</head>", defect.html + "</head>", 1)
    opening = re.search(r"<article\b[^>]*>", page) or re.search(r"<body\b[^>]*>", page)
    assert opening, "the page has no <article> or <body>"
    return page[:opening.end()] + defect.html + page[opening.end():]


@pytest.fixture(scope="module")
def planted_book(book_html, tmp_path_factory) -> tuple[Path, str]:
    """A copy of the book with, beside one real chapter page, one copy of it per defect
    (``planted-<defect>.html`` in the same folder, so its links and images still resolve)."""
    copy = tmp_path_factory.mktemp("planted") / "html"
    shutil.copytree(book_html, copy)
    # the chapter with the most figures (the first of them on a tie): a page like a reader's
    chapters = sorted((copy / "notebooks").glob("*.html"))
    chapter = max(chapters, key=lambda p: p.read_text(encoding="utf-8").count("<img"))
    text = chapter.read_text(encoding="utf-8")
    for defect in DEFECTS:
        (chapter.parent / f"planted-{defect.name}.html").write_text(_plant(text, defect),
                                                                    encoding="utf-8")
    return copy, chapter.relative_to(copy).as_posix()


@pytest.fixture(scope="module")
def planted_results(browser, planted_book) -> dict[str, list[checks.Problem]]:
    """The sweep's problems on the untouched page (key ``clean``) and on each planted copy."""
    folder, page = planted_book
    folder_of = page.rsplit("/", 1)[0]
    names = {"clean": page} | {d.name: f"{folder_of}/planted-{d.name}.html" for d in DEFECTS}
    with checks.serve(folder) as url:
        found = checks.sweep(browser, url, names.values())
    return {key: [p for p in found.problems if p.page == name] for key, name in names.items()}


def _with_marker(problems, defect: Defect):
    return [p for p in problems if p.kind == defect.kind and defect.marker in p.what + p.where]


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_a_planted_defect_is_caught(planted_results, defect):
    planted, clean = planted_results[defect.name], planted_results["clean"]
    assert _with_marker(planted, defect), (
        f"the planted {defect.name} was not reported as {defect.kind!r}; found:\n"
        + checks.report(planted))
    assert not _with_marker(clean, defect)
    assert {p.kind for p in planted} - {p.kind for p in clean} <= {defect.kind} | defect.also, (
        "planting one defect changed other checks' results:\n" + checks.report(planted))


def test_a_page_without_defects_passes_every_check(browser, tmp_path):
    """No false alarms: real alt texts, a decorative image, a wide table in a scroll box, a
    price in kronor and code with TeX in it pass."""
    (tmp_path / "ok.html").write_text(f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Prov</title></head>
<body><main><h1>Prov</h1>
<p>Andelen kvinnor var 42 procent; avgiften är 5 kr.</p>
<img src="{PIXEL}" alt="Stapeldiagram över andelen kvinnor och män med insats per år">
<img src="{PIXEL}" alt="" role="presentation">
<div style="overflow-x:auto" tabindex="0" role="region" aria-label="Tabell över antal per år">
<table style="width:500px;min-width:500px"><tr><th>År</th><th>Antal</th></tr>
<tr><td>2024</td><td>12</td></tr></table></div>
<pre><code>$$x^2$$ \\frac{{a}}{{b}}</code></pre>
</main></body></html>""", encoding="utf-8")
    with checks.serve(tmp_path) as url:
        found = checks.sweep(browser, url, ["ok.html"])
    assert not found.problems, checks.report(found.problems)


def test_search_check_can_fail(browser, book_url):
    hits, _ = checks.search_hits(browser, book_url, "qqxzjvwk")
    assert hits == 0


@pytest.mark.parametrize("alt, reason", [
    (None, checks.ALT_MISSING), ("", checks.ALT_EMPTY), ("  ", checks.ALT_EMPTY),
    ("_images/foo.png", checks.ALT_FILE), ("../_images/abc123.svg", checks.ALT_FILE),
    ("figur_1.png", checks.ALT_FILE), ("<Figure size 640x480 with 1 Axes>", checks.ALT_REPR),
    ("Figur 1", checks.ALT_SHORT), ("Stapeldiagram_över_andelar", checks.ALT_SHORT),
    ("C:\\figurer\\figur1", checks.ALT_FILE),
    ("Stapeldiagram över andelen kvinnor och män per år", None),
    ("Kvoten kvinnor / män per år, 0,79 (95 % KI 0,74 till 0,85).", None),
])
def test_alt_text_rules(alt, reason):
    assert checks.alt_problem(alt) == reason
