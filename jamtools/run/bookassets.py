"""Sphinx extension for the book: Swedish page chrome, Swedish references, no other host.

The book's ``_config.yml`` loads this module as a Sphinx extension (``sphinx.config.extensions``),
so everything here happens inside ``jupyter-book build``; nothing needs to be called after it.

* **Swedish chrome.** The themes (pydata-sphinx-theme 0.17, sphinx-book-theme 1.3) pass most of
  their labels through Sphinx's message catalogue, but carry no Swedish for them; Sphinx's own
  Swedish catalogue lacks some too. :data:`CATALOGUE_SV` is added to the catalogue as a
  fallback (used only where no translation exists). The few labels the templates hard-code in
  English (:data:`ATTRIBUTES_SV`) and the search page's script messages (:data:`SEARCH_SV`) are
  translated in the built files when the build finishes (:func:`translate_built_html`).
* **References.** A pybtex style (``jamtools_sv``) writes the reference list the way Swedish
  reports do (``Wilson, E. B. (1927). Titel. *Tidskrift* 22:209–212.``) and a citation style
  (``jamtools_author_year``) writes ``(Wilson 1927)``, ``Brown m.fl. (2001)``.
* **Offline.** :func:`external_references` lists every script, style sheet, image or font the
  built pages would fetch from another host; the build's own MathJax comes from
  ``sphinx-mathjax-offline``.
"""
from __future__ import annotations

import gettext
import html
import json
import re
from pathlib import Path
from typing import Any

#: English theme and Sphinx labels that reach the page through ``_()`` without a Swedish
#: translation, and their Swedish. Added to Sphinx's catalogue as a fallback.
CATALOGUE_SV: dict[str, str] = {
    "Announcement": "Meddelande",
    "Back to top": "Till början",
    "Breadcrumb": "Sökväg",
    "Click to collapse": "Klicka för att fälla ihop",
    "Click to expand": "Klicka för att fälla ut",
    "Collapse Sidebar": "Dölj sidopanelen",
    "Color mode": "Färgläge",
    "Dark": "Mörkt",
    "Edit": "Redigera",
    "Error": "Fel",
    "Expand Sidebar": "Visa sidopanelen",
    "Home": "Startsidan",
    "Light": "Ljust",
    "Link to this code": "Länk till koden",
    "Link to this definition": "Länk till definitionen",
    "Link to this equation": "Länk till formeln",
    "Link to this heading": "Länk till rubriken",
    "Link to this image": "Länk till bilden",
    "Link to this table": "Länk till tabellen",
    "Link to this term": "Länk till termen",
    "On this page": "På den här sidan",
    "Please activate JavaScript to enable the search functionality.":
        "Aktivera JavaScript för att kunna söka.",
    "Section Navigation": "Navigering i avsnittet",
    "Show Source": "Visa källan",
    "Site navigation": "Bokens navigering",
    "Skip to main content": "Hoppa till huvudinnehållet",
    "System Settings": "Systemets inställning",
    "Version warning": "Versionsvarning",
    "next page": "nästa sida",
    "previous page": "föregående sida",
}

#: Labels the theme templates hard-code in English (``aria-label``, ``title``, ``placeholder``,
#: ``data-bs-title`` attributes); replaced in the built pages.
ATTRIBUTES_SV: dict[str, str] = {
    "Toggle primary sidebar": "Visa eller dölj innehållsförteckningen",
    "Toggle secondary sidebar": "Visa eller dölj sidans innehåll",
    "Main": "Bokens innehåll",
    "Page": "Sidan",
    "Search this book...": "Sök i boken …",
    "Search the docs ...": "Sök i boken …",
}

#: Messages of Sphinx's search script (``_static/translations.js``) that Sphinx's Swedish
#: catalogue leaves empty.
SEARCH_SV: dict[str, str] = {
    ", in ": ", i ",
    "Preparing search...": "Förbereder sökningen …",
    "Searching": "Söker",
    "Search finished, found ${resultCount} page(s) matching the search query.":
        "Sökningen är klar: ${resultCount} sidor matchar.",
    "Searching for multiple words only shows matches that contain\n    all words.":
        "En sökning på flera ord visar bara sidor som innehåller alla orden.",
    "Your search did not match any documents. Please make sure that all words are spelled "
    "correctly and that you've selected enough categories.":
        "Sökningen gav inga träffar. Kontrollera att orden är rätt stavade.",
    "Hide Search Matches": "Dölj sökträffarna",
}

#: The copy button's messages in Swedish (sphinx-copybutton has none).
COPYBUTTON_SV = {"copy": "Kopiera", "copy_to_clipboard": "Kopiera",
                 "copy_success": "Kopierat!", "copy_failure": "Det gick inte att kopiera"}

#: Every English label this module translates: a built page should contain none of them.
ENGLISH_CHROME: tuple[str, ...] = tuple(sorted(set(CATALOGUE_SV) | set(ATTRIBUTES_SV)))

_ATTRIBUTE = re.compile(r'\b(aria-label|title|placeholder|data-bs-title|alt)="([^"]*)"')
#: A reference to another host in an attribute that makes the browser fetch it.
_FETCHING = re.compile(
    r'<(script|link|img|iframe|source|video|audio)\b[^>]*?\b(src|href)="((?:https?:)?//[^"]+)"',
    re.I)
_CSS_URL = re.compile(r'url\(\s*["\']?((?:https?:)?//[^"\')]+)', re.I)
_CSS_IMPORT = re.compile(r'@import\s+["\']((?:https?:)?//[^"\']+)', re.I)


class _Fallback(gettext.NullTranslations):
    """A message catalogue from a dict, consulted after the catalogues Sphinx found."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        if message in self._messages:
            return self._messages[message]
        return self._fallback.gettext(message) if self._fallback else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self._fallback:
            return self._fallback.ngettext(singular, plural, n)
        return singular if n == 1 else plural


def _add_catalogue(app: Any) -> None:
    """Make :data:`CATALOGUE_SV` the last fallback of Sphinx's own ('sphinx') catalogue."""
    from sphinx import locale

    if not str(app.config.language or "").startswith("sv"):
        return
    translator = locale.get_translator("sphinx", "general")
    if isinstance(translator, gettext.NullTranslations):
        translator.add_fallback(_Fallback(CATALOGUE_SV))


def _set_theme_options(app: Any, config: Any) -> None:
    """The search field's placeholder (a theme option, not a catalogue message) and a named
    colour mode (a template variable; left empty, the theme's script logs "Got invalid theme
    mode" on a reader's first visit)."""
    options = config.html_theme_options
    if isinstance(options, dict):
        options["search_bar_text"] = ATTRIBUTES_SV["Search this book..."]
    context = config.html_context
    if isinstance(context, dict):
        context.setdefault("default_mode", "light")


def translate_html(text: str) -> str:
    """Replace the English labels of :data:`ATTRIBUTES_SV` and :data:`CATALOGUE_SV` in one
    page's HTML: attribute values (``aria-label``, ``title``, ``placeholder``,
    ``data-bs-title``, ``alt``) that are exactly one of them."""
    table = {**CATALOGUE_SV, **ATTRIBUTES_SV}

    def swap(m: re.Match) -> str:
        value = m.group(2)
        return f'{m.group(1)}="{table[value]}"' if value in table else m.group(0)

    return _ATTRIBUTE.sub(swap, text)


_TABLE = re.compile(r"<table\b[^>]*\bjamtools-disclosed\b[^>]*>.*?</table>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
#: What a numeric cell may hold besides digits: signs, separators, brackets, units.
_NUMERIC_REST = re.compile(
    r"[\d\s\u00a0\u202f.,:;()\[\]%‰<>≤≥±×+\-−–—]|\b(?:pe|procentenheter|kr|tkr|år|dagar|"
    r"timmar|tim|h|st|ggr|till)\b")
#: Two numbers joined by a dash, semicolon or "till": an interval.
_INTERVAL = re.compile(r"\d\s*(?:[–—\-;]|till)\s*[−\-]?\s*\d")
#: Marks that stand for a suppressed or missing value; neutral when deciding a column's kind.
_NEUTRAL = {"", "..", "…", "–", "—", "-", "−"}


def _cell_text(inner: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", inner)).split())


def _is_numeric(text: str) -> bool:
    """A number, a share, a p-value or an interval, in Swedish notation."""
    return any(ch.isdigit() for ch in text) and not _NUMERIC_REST.sub("", text).strip()


def _add_class(attrs: str, name: str) -> str:
    m = re.search(r'\bclass="([^"]*)"', attrs)
    if m:
        if name in m.group(1).split():
            return attrs
        return attrs[:m.start(1)] + m.group(1) + " " + name + attrs[m.end(1):]
    return f'{attrs} class="{name}"'


def mark_table_cells(text: str) -> str:
    """Mark the cells of every ``jamtools-disclosed`` table in a page for the style sheet.

    A column whose cells (the first column aside) are all numbers, p-values or intervals, or
    suppression marks (``..``), gets ``jt-num`` on each cell, its header included (right-aligned,
    never wrapped); a cell holding an interval also gets ``jt-interval``. Tables with merged
    cells (``colspan``) are left as they are."""

    def table(m: re.Match) -> str:
        block = m.group(0)
        if "colspan" in block:
            return block
        rows = [[(c.group(1), c.group(3)) for c in _CELL.finditer(r.group(0))]
                for r in _ROW.finditer(block)]
        width = max((len(r) for r in rows), default=0)
        numeric = set()
        for j in range(1, width):
            texts = [_cell_text(r[j][1]) for r in rows if len(r) > j and r[j][0] == "td"]
            values = [t for t in texts if t not in _NEUTRAL]
            if values and all(_is_numeric(t) for t in values):
                numeric.add(j)

        def row(rm: re.Match) -> str:
            index = iter(range(10**6))

            def cell(cm: re.Match) -> str:
                j, attrs = next(index), cm.group(2)
                content = _cell_text(cm.group(3))
                if j in numeric:
                    attrs = _add_class(attrs, "jt-num")
                if j > 0 and cm.group(1) == "td" and _is_numeric(content) and _INTERVAL.search(content):
                    attrs = _add_class(attrs, "jt-interval")
                return f"<{cm.group(1)}{attrs}>{cm.group(3)}</{cm.group(1)}>"

            return _CELL.sub(cell, rm.group(0))

        return _ROW.sub(row, block)

    return _TABLE.sub(table, text)


def _translations_js(path: Path) -> None:
    """Fill the empty messages of Sphinx's Swedish search script with :data:`SEARCH_SV`."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r"Documentation\.addTranslations\((\{.*\})\);", text, re.S)
    if m is None:
        return
    data = json.loads(m.group(1))
    messages = data.setdefault("messages", {})
    for english, swedish in SEARCH_SV.items():
        if not messages.get(english):
            messages[english] = swedish
    path.write_text("Documentation.addTranslations("
                    + json.dumps(data, ensure_ascii=False, indent=4) + ");\n", encoding="utf-8")


def _copybutton_js(path: Path) -> None:
    """Give sphinx-copybutton Swedish messages (it chooses them by the page's ``lang``)."""
    text = path.read_text(encoding="utf-8")
    if "'sv':" in text or "const messages = {" not in text:
        return
    entry = "  'sv': " + json.dumps(COPYBUTTON_SV, ensure_ascii=False) + ",\n"
    path.write_text(text.replace("const messages = {\n", "const messages = {\n" + entry, 1),
                    encoding="utf-8")


def accessible_html(text: str) -> str:
    """Repairs of the theme's and extensions' markup that axe (WCAG 2.1 AA) finds on every page:
    the sidebar's expand toggles (a ``<summary>`` holding only an icon) get a Swedish name, the
    theme's table scroll boxes can be reached by keyboard (``tabindex="0"``, with a name), and
    the reference list's entries are list items of their ``role="list"`` container."""
    text = text.replace('<summary><span class="toctree-toggle" role="presentation">',
                        '<summary aria-label="Visa eller dölj underavsnitten">'
                        '<span class="toctree-toggle" role="presentation">')
    text = text.replace('<div class="pst-scrollable-table-container">',
                        '<div class="pst-scrollable-table-container" tabindex="0" role="region" '
                        'aria-label="Tabell som kan rullas i sidled">')
    text = re.sub(r'(<div class="citation" id="[^"]*") role="doc-biblioentry"', r'\1 role="listitem"',
                  text)
    # The handbook's tables are their own scroll boxes (jamtools.css): reachable by keyboard too.
    text = re.sub(r'<table class="([^"]*\bjamtools-disclosed\b[^"]*)"(?![^>]*tabindex)',
                  r'<table class="\1" tabindex="0"', text)
    return text


def translate_built_html(html_dir: str | Path) -> int:
    """Finish a built book: Swedish chrome and marked table cells; returns the number of pages
    changed.

    Pages: :func:`translate_html` and :func:`mark_table_cells`; ``_static/translations.js``: the search messages of
    :data:`SEARCH_SV`; ``_static/copybutton.js``: Swedish copy-button messages. Running it
    twice changes nothing more.
    """
    html_dir = Path(html_dir)
    changed = 0
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = accessible_html(mark_table_cells(translate_html(text)))
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    static = html_dir / "_static"
    if (static / "translations.js").exists():
        _translations_js(static / "translations.js")
    if (static / "copybutton.js").exists():
        _copybutton_js(static / "copybutton.js")
    return changed


def english_chrome(text: str) -> list[str]:
    """The English labels of :data:`ENGLISH_CHROME` still present in a page, as attribute
    values or as whole visible texts (the test of a built book)."""
    found = {m.group(2) for m in _ATTRIBUTE.finditer(text)} & set(ENGLISH_CHROME)
    visible = re.sub(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", "", text, flags=re.S)
    texts = {t.strip() for t in re.findall(r">([^<>]+)<", visible)}
    found |= texts & set(ENGLISH_CHROME)
    return sorted(found)


def external_references(html_dir: str | Path) -> list[tuple[str, str]]:
    """(file, URL) for every resource a built page or style sheet would fetch from another
    host: ``src``/``href`` of script, link, img, iframe, source, video and audio elements, and
    ``url(...)``/``@import`` in CSS. Links a reader may follow (``<a href>``) are not requests."""
    html_dir = Path(html_dir)
    found = []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix == ".html":
            for m in _FETCHING.finditer(path.read_text(encoding="utf-8", errors="replace")):
                found.append((str(path.relative_to(html_dir)), m.group(3)))
        elif path.suffix == ".css":
            text = path.read_text(encoding="utf-8", errors="replace")
            for m in [*_CSS_URL.finditer(text), *_CSS_IMPORT.finditer(text)]:
                found.append((str(path.relative_to(html_dir)), m.group(1)))
    return found


def _build_finished(app: Any, exc: Exception | None) -> None:
    if exc is None and app.builder.format == "html":
        translate_built_html(app.outdir)


def _register_styles() -> None:
    """Register the Swedish pybtex style and citation style (idempotent)."""
    from dataclasses import dataclass, field

    import pybtex.plugin
    from pybtex.richtext import Symbol, Text
    from pybtex.style.formatting import BaseStyle, toplevel
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.template import (join, names, optional, optional_field,
                                       sentence, tag, words)
    from pybtex.style.template import field as bib_field
    import sphinxcontrib.bibtex.plugin
    from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    def dashify(text):
        return Text(Symbol("ndash")).join(text.split(re.compile(r"-+")))

    def edition(text):
        n = str(text)
        return f"{n}:{'a' if n in ('1', '2') else 'e'} uppl." if n.isdigit() else f"{n} uppl."

    class KeyLabels(BaseLabelStyle):
        """Each entry's key as its label: unique across the page's several lists (the labels
        are not shown; entries begin with author and year)."""

        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                yield entry.key

    class SwedishStyle(BaseStyle):
        """Reference list entries as in Swedish reports: ``Efternamn, F. (år). Titel.``"""

        default_name_style = "lastfirst"
        default_label_style = "jamtools_key"
        default_sorting_style = "author_year_title"

        def __init__(self, **kwargs):
            kwargs.setdefault("abbreviate_names", True)
            super().__init__(**kwargs)

        def head(self):
            authors = names("author", sep=", ", sep2=" & ", last_sep=" & ")
            return sentence(add_period=True)[
                words[authors, optional[join["(", bib_field("year"), ")"]]]]

        def tail(self):
            return sentence[optional_field("note")]

        def get_article_template(self, e):
            volume = optional[join[bib_field("volume"), optional["(", bib_field("number"), ")"],
                                   optional[":", bib_field("pages", apply_func=dashify)]]]
            return toplevel[self.head(), sentence[bib_field("title")],
                            sentence[words[tag("em")[bib_field("journal")], volume]],
                            self.tail()]

        def get_book_template(self, e):
            return toplevel[self.head(), sentence[tag("em")[bib_field("title")]],
                            sentence[optional_field("series")],
                            sentence[optional[bib_field("edition", apply_func=edition)],
                                     optional_field("address"), optional_field("publisher")],
                            self.tail()]

        def get_misc_template(self, e):
            return toplevel[self.head(), sentence[tag("em")[bib_field("title")]],
                            sentence[optional_field("howpublished")], self.tail()]

    def round_brackets() -> BracketStyle:
        return BracketStyle(left="(", right=")", sep="; ", sep2="; ", last_sep="; ")

    def swedish_persons() -> PersonStyle:
        return PersonStyle(sep=", ", sep2=" och ", last_sep=" och ", other=" m.fl.")

    @dataclass
    class SwedishAuthorYear(AuthorYearReferenceStyle):
        """``(Wilson 1927)``, ``Brown m.fl. (2001)``, ``(Newcombe 1998b, metod 10)``."""

        bracket_parenthetical: BracketStyle = field(default_factory=round_brackets)
        bracket_textual: BracketStyle = field(default_factory=round_brackets)
        bracket_author: BracketStyle = field(default_factory=round_brackets)
        bracket_label: BracketStyle = field(default_factory=round_brackets)
        bracket_year: BracketStyle = field(default_factory=round_brackets)
        person: PersonStyle = field(default_factory=swedish_persons)
        author_year_sep: str = " "

    pybtex.plugin.register_plugin("pybtex.style.labels", "jamtools_key", KeyLabels, force=True)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "jamtools_sv", SwedishStyle,
                                  force=True)
    sphinxcontrib.bibtex.plugin.register_plugin("sphinxcontrib.bibtex.style.referencing",
                                                "jamtools_author_year", SwedishAuthorYear,
                                                force=True)


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point: register the styles, the Swedish fallback catalogue and the
    post-build translation."""
    _register_styles()
    _add_catalogue(app)
    app.connect("config-inited", _set_theme_options)
    app.connect("build-finished", _build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
