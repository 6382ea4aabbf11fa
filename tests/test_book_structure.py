"""The book's structure: every question notebook is a chapter, declares the run parameters
(papermill only sees plain assignments in a cell tagged `parameters`), and the results schema
is documented field by field."""
from __future__ import annotations

import re
from pathlib import Path

import papermill
import pytest
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


# --- references, glossary and the built book's chrome --------------------------------------

BIB = ROOT / "references.bib"
GLOSSARY = ROOT / "book" / "ordlista.md"
PROSE = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "book" / "metoder").glob("*.md"))
#: A citation role: {cite}, {cite:p}, {cite:t}, {cite:alp}, ... and its targets.
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
TERM = re.compile(r"\{term\}`([^`]+)`")


def _sources() -> dict[str, str]:
    """The Markdown a reader sees: the prose pages and the notebooks' markdown cells."""
    import nbformat

    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in PROSE}
    for nb in NOTEBOOKS:
        cells = nbformat.read(nb, as_version=4).cells
        texts[f"notebooks/{nb.name}"] = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    return texts


def _bib_keys() -> dict[str, str]:
    """Each BibTeX key with its keywords."""
    from pybtex.database import parse_file

    return {k: e.fields.get("keywords", "") for k, e in parse_file(str(BIB)).entries.items()}


def _glossary_terms() -> set[str]:
    """The terms of the glossary page (lower case: Sphinx matches terms case-insensitively)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "book/ordlista.md has no {glossary} block"
    return {line.strip().lower() for line in block.group(1).splitlines()
            if line.strip() and not line.startswith((" ", "\t"))}


def cited_keys(text: str) -> set[str]:
    """The BibTeX keys cited in a Markdown text (pre- and post-texts in braces removed)."""
    from sphinxcontrib.bibtex.citation_target import parse_citation_targets

    return {t.key for m in CITE.finditer(text) for t in parse_citation_targets(m.group(1))}


def term_targets(text: str) -> set[str]:
    """The glossary terms a Markdown text links to (``{term}`text <term>``` or ``{term}`term```)."""
    out = set()
    for m in TERM.finditer(text):
        explicit = re.search(r"<([^<>]+)>\s*$", m.group(1))
        out.add(" ".join((explicit.group(1) if explicit else m.group(1)).split()).lower())
    return out


def test_every_cited_work_is_in_the_reference_list():
    keys = _bib_keys()
    cited = {}
    for name, text in _sources().items():
        for key in cited_keys(text):
            cited.setdefault(key, []).append(name)
    assert len(cited) > 30
    missing = {k: v for k, v in cited.items() if k not in keys}
    assert not missing, f"cited but not in references.bib: {missing}"


def test_every_work_in_the_reference_list_is_shown_on_the_reference_page():
    """The page shows the entries whose keywords match one of its {bibliography} filters."""
    page = (ROOT / "book" / "referenser.md").read_text(encoding="utf-8")
    filters = re.findall(r':filter: keywords % "([^"]+)"', page)
    assert filters
    unlisted = [k for k, kw in _bib_keys().items() if sum(bool(re.search(f, kw)) for f in filters) != 1]
    assert not unlisted, f"entries in no (or several) sections of Referenser: {unlisted}"


def test_glossary_terms_have_english_and_every_link_finds_its_term():
    text = GLOSSARY.read_text(encoding="utf-8")
    terms = _glossary_terms()
    assert 25 <= len(terms) <= 60
    definitions = re.findall(r"^  \*Engelska: [^*]+\.\*", text, re.M)
    entries = re.findall(r"\n\n(?=\S)", re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S).group(1))
    assert len(definitions) == len(entries) + 1, "every glossary entry starts with *Engelska: ...*"
    linked = {}
    for name, body in _sources().items():
        for target in term_targets(body):
            linked.setdefault(target, []).append(name)
    unknown = {t: v for t, v in linked.items() if t not in terms}
    assert not unknown, f"{{term}} links to no glossary term: {unknown}"
    prose_links = set().union(*(term_targets(p.read_text(encoding="utf-8")) for p in PROSE))
    assert len(prose_links) >= 25, "the prose pages link most glossary terms"


def test_glossary_is_in_a_part_the_toc_generator_keeps(tmp_path):
    from jamtools.run.catalogue import write_toc

    copy = tmp_path / "_toc.yml"
    copy.write_text((ROOT / "_toc.yml").read_text(encoding="utf-8"), encoding="utf-8")
    write_toc(copy)
    files = [c["file"] for p in yaml.safe_load(copy.read_text(encoding="utf-8"))["parts"]
             for c in p["chapters"]]
    assert "book/ordlista" in files and "book/referenser" in files


def test_cite_and_term_parsers():
    text = ("a {cite:p}`wilson1927` b {cite:p}`{EWMA,}roberts1959` {cite:p}`lucas1990,montgomery2009` "
            "{cite:t}`newcombe1998b{metod 10}` {term}`p-värdet <p-värde>` {term}`Median`")
    assert cited_keys(text) == {"wilson1927", "roberts1959", "lucas1990", "montgomery2009",
                                "newcombe1998b"}
    assert term_targets(text) == {"p-värde", "median"}


def test_book_config_is_offline_and_without_thebe():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]
    extensions = cfg["extensions"]
    assert "sphinx_thebe" not in extensions
    assert {"sphinx-mathjax-offline", "sphinxcontrib.bibtex", "jamtools.run.bookassets"} <= set(extensions)
    for css in cfg["html_css_files"]:
        assert any((ROOT / d / css).is_file() for d in cfg["html_static_path"]), css


# --- the finishing pass, on strings ---------------------------------------------------------

def test_table_cells_are_marked_by_column_kind():
    from jamtools.run.bookassets import mark_table_cells

    page = ('<table class="table jamtools-disclosed"><thead><tr><th><p>Kön</p></th><th><p>Andel</p></th>'
            '<th><p>95 % KI</p></th><th><p>Test</p></th></tr></thead><tbody>'
            '<tr><td><p>kvinnor</p></td><td><p>12,3 %</p></td><td><p>10,1 till 14,5</p></td><td><p>Wilson</p></td></tr>'
            '<tr><td><p>män</p></td><td><p>..</p></td><td><p>−1,2–3,4</p></td><td><p>12</p></td></tr>'
            '</tbody></table><table class="other"><tr><td>1</td></tr></table>')
    out = mark_table_cells(page)
    cells = re.findall(r'<(t[dh])( class="[^"]*")?><p>([^<]*)</p>', out)
    classes = {text: cls for _, cls, text in cells}
    assert classes["Andel"] == classes["12,3 %"] == classes[".."] == ' class="jt-num"'
    assert classes["10,1 till 14,5"] == classes["−1,2–3,4"] == ' class="jt-num jt-interval"'
    assert classes["95 % KI"] == ' class="jt-num"'
    assert classes["Kön"] == classes["kvinnor"] == classes["Test"] == classes["12"] == ""
    assert '<table class="other"><tr><td>1</td></tr></table>' in out
    assert mark_table_cells(out) == out  # a second pass adds nothing


def test_chrome_translation_and_its_check():
    from jamtools.run.bookassets import ENGLISH_CHROME, english_chrome, translate_html

    page = ('<button title="Toggle secondary sidebar" aria-label="Color mode">x</button>'
            '<nav aria-label="Main"></nav><input placeholder="Search this book..."/>'
            '<a title="Back to top">Back to top</a><!-- Back to top --><p>Main</p>')
    assert set(english_chrome(page)) == {"Toggle secondary sidebar", "Color mode", "Main",
                                         "Search this book...", "Back to top"}
    swedish = translate_html(page)
    assert english_chrome(swedish) == ["Back to top", "Main"]  # visible texts are not rewritten
    assert 'title="Visa eller dölj sidans innehåll"' in swedish and "Färgläge" in swedish
    assert len(ENGLISH_CHROME) > 20


# --- a built book: offline, Swedish, numbered, marked tables --------------------------------

@pytest.fixture(scope="module")
def small_book(tmp_path_factory) -> Path:
    """The book built as the runner builds it (``jupyter-book build -W -n``), from the prose
    pages and a stand-in for each chapter; the first chapter shows a table twice, as the
    chapters' HTML and as the staged list-table. Returns the HTML folder."""
    import shutil
    import subprocess
    import sys

    import nbformat

    from jamtools.present.report import Table
    from jamtools.run.book import table_markdown
    import pandas as pd

    stage = tmp_path_factory.mktemp("bok")
    shutil.copytree(ROOT / "book", stage / "book")
    for name in ("_toc.yml", "_config.yml", "references.bib"):
        shutil.copy(ROOT / name, stage / name)
    (stage / "notebooks").mkdir()
    frame = pd.DataFrame({"Kön": ["kvinnor", "män"], "Andel": ["41,2 %", ".."],
                          "95 % KI": ["38,0 till 44,5", ".."], "Test": ["Wilson", "Wilson"]})
    table = Table(frame, caption="Andel med utfallet")
    for i, nb_id in enumerate(_toc_notebook_ids(ROOT / "_toc.yml")):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(f"# Kapitel {i + 1}\n\nText.")]
        if i == 0:
            code = nbformat.v4.new_code_cell("visa()")
            md = table_markdown(list(frame.columns), frame.values.tolist(), label=f"{nb_id}-andel",
                                caption="Andel med utfallet")
            code.outputs = [
                nbformat.v4.new_output("display_data", data={"text/html": table._repr_html_(),
                                                             "text/plain": "tabell"}),
                nbformat.v4.new_output("display_data", data={"text/markdown": md,
                                                             "text/plain": "tabell"})]
            nb.cells.append(code)
        nbformat.write(nb, stage / "notebooks" / f"{nb_id}.ipynb")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(stage), "--path-output", str(stage), "-W", "-n",
                           "--keep-going"], capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return stage / "_build" / "html"


def _pages(html: Path) -> list[Path]:
    return [p for p in sorted(html.rglob("*.html")) if "_static" not in p.parts]


def test_built_book_fetches_nothing_from_another_host(small_book):
    from jamtools.run.bookassets import external_references

    assert external_references(small_book) == []
    page = (small_book / "book" / "metoder" / "andelar.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', page)
    assert scripts and all(not s.startswith(("http", "//")) for s in scripts)
    assert (small_book / "book" / "metoder" / scripts[0].split("?")[0]).resolve().is_file()
    assert r"\(" in page or "\\[" in page  # formulas are left to the local MathJax
    for p in _pages(small_book):
        assert "THEBE_JS_URL" not in p.read_text(encoding="utf-8"), p


def test_built_book_has_no_english_chrome(small_book):
    from jamtools.run.bookassets import english_chrome

    left = {str(p.relative_to(small_book)): english_chrome(p.read_text(encoding="utf-8"))
            for p in _pages(small_book)}
    assert len(left) > 40
    assert not {k: v for k, v in left.items() if v}
    search = (small_book / "_static" / "translations.js").read_text(encoding="utf-8")
    assert '"Searching": "Söker"' in search


def test_built_book_links_citations_and_terms(small_book):
    refs = (small_book / "book" / "referenser.html").read_text(encoding="utf-8")
    # Each entry is a list item of the reference list (bookassets.accessible_html, for axe).
    assert refs.count('class="citation" id="') == refs.count('role="listitem"') == len(_bib_keys())
    andelar = (small_book / "book" / "metoder" / "andelar.html").read_text(encoding="utf-8")
    assert re.search(r'href="\.\./referenser\.html#[^"]+"[^>]*>Wilson 1927<', andelar)
    assert 'href="../ordlista.html#term-konfidensintervall"' in andelar
    glossary = (small_book / "book" / "ordlista.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<dt id="term-', glossary)) == len(_glossary_terms())


def test_built_book_tables_are_numbered_and_marked(small_book):
    first = _toc_notebook_ids(ROOT / "_toc.yml")[0]
    page = (small_book / "notebooks" / f"{first}.html").read_text(encoding="utf-8")
    tables = re.findall(r"<table\b[^>]*jamtools-disclosed.*?</table>", page, re.S)
    assert len(tables) == 2
    assert "Tabell 1" in tables[1]
    for t in tables:
        assert re.search(r'class="jt-num jt-interval"><p>38,0 till 44,5<|class="jt-num jt-interval">38,0 till 44,5<', t)
        assert re.search(r'<td>(<p>)?kvinnor<', t)
    css = (small_book / "_static" / "jamtools.css").read_text(encoding="utf-8")
    assert "overflow-x: auto" in css and ".jt-interval" in css
    assert "jamtools.css" in page
