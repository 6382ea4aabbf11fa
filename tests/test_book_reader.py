"""The reader's copy of a chapter: numbered figures and tables, no paths, build facts, PDFs; the
leak scan reads the new outputs (PDF, XLSX, CSV)."""
from __future__ import annotations

import base64
import json
import re

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure

from jamtools.present.page import figure
from jamtools.present.plots import Plot
from jamtools.present.report import Table
from jamtools.run import book, pdf, scan
from jamtools.run.catalogue import CHAPTERS


def _output(obj) -> nbformat.NotebookNode:
    """The display_data output IPython makes of ``obj`` (its mime bundle and metadata)."""
    from IPython.core.formatters import DisplayFormatter

    data, meta = DisplayFormatter().format(obj)
    data = {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in data.items()}
    return nbformat.v4.new_output("display_data", data=data, metadata=meta)


def _plot() -> Plot:
    fig = Figure(figsize=(3, 2))
    fig.subplots().plot([0, 1], [0, 1])
    return Plot(fig)


def _notebook(*outputs) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell('data_dir = "/home/analytiker/hemligt/export"')
    injected.metadata["tags"] = ["injected-parameters"]
    shown = nbformat.v4.new_code_cell("page.show('resultat')")
    shown.outputs = list(outputs)
    nb.cells = [nbformat.v4.new_markdown_cell("# En fråga?"), injected, shown]
    return nb


def test_figure_becomes_a_numbered_figure_with_its_alt_and_caption(tmp_path):
    plot, caption = figure(_plot(), caption="Andel med insats efter kön.",
                           alt="Punktdiagram: flickor 40 %, pojkar 50 %.", name="andelar")
    nb = _notebook(_output(plot), _output(caption))
    made = book.reader_notebook(nb, "bof_02_x", tmp_path, build_line="*Byggd i dag.*")
    outputs = nb.cells[1].outputs
    assert len(outputs) == 1, "the separate caption is dropped: the figure carries it"
    md = outputs[0]["data"]["text/markdown"]
    assert md.startswith("```{figure} _figurer/bof_02_x-andelar.png\n")
    assert ":name: bof_02_x-andelar" in md and ":alt: Punktdiagram: flickor 40 %, pojkar 50 %." in md
    assert "Andel med insats efter kön\\." in md
    assert (tmp_path / "_figurer" / "bof_02_x-andelar.png").read_bytes()[:4] == b"\x89PNG"
    assert made.figures == ["bof_02_x-andelar"] and made.missing == []
    assert not any("/home/analytiker" in c.source for c in nb.cells), "injected paths removed"
    assert nb.cells[-1].source == "*Byggd i dag.*"


def test_a_reference_to_a_figure_these_data_do_not_draw_is_written_in_words(tmp_path):
    """The prose refers to figures by label; a figure the data do not draw (a group that is
    absent) would leave the label undefined and stop the book's build. Such a reference becomes
    words; one to a figure that is drawn, or to another chapter, stays a reference."""
    plot, caption = figure(_plot(), caption="Andel.", alt="Punktdiagram.", name="andelar")
    nb = _notebook(_output(plot), _output(caption))
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(
        "Se {numref}`bof_02_x-andelar`, {numref}`bof_02_x-per-ar` och {numref}`ht_01_y-timmar`. "
        "{numref}`bof_02_x-tabell` visar resten."))
    book.reader_notebook(nb, "bof_02_x", tmp_path)
    assert nb.cells[1].source == (
        "Se {numref}`bof_02_x-andelar`, figuren eller tabellen (visas inte med dessa data) och "
        "{numref}`ht_01_y-timmar`. Figuren eller tabellen (visas inte med dessa data) visar resten.")


def test_table_becomes_a_list_table_with_cells_shown_literally(tmp_path):
    frame = pd.DataFrame({"Kön": ["flickor", "pojkar"], "Skillnad": ["−3,2 (−5,1 till −1,2)", "-4 *x* $y$"]})
    nb = _notebook(_output(Table(frame, "Skillnad efter kön", "'..' = dold uppgift.")))
    made = book.reader_notebook(nb, "bof_02_x", tmp_path)
    md = nb.cells[1].outputs[0]["data"]["text/markdown"]
    assert md.startswith("```{list-table} Skillnad efter kön\n:name: bof_02_x-tabell-1\n")
    assert ":class: jamtools-disclosed" in md and ":header-rows: 1" in md
    # Markdown markup in a cell is escaped: a leading '-' is no list, '*x*' no emphasis, '$y$' no math.
    assert r"  - \-4 \*x\* \$y\$" in md
    assert made.tables == ["bof_02_x-tabell-1"]


def test_missing_caption_or_alt_is_reported_and_labels_are_unique(tmp_path):
    nb = _notebook(_output(_plot()), _output(Table(pd.DataFrame({"a": [1]}))),
                   _output(Table(pd.DataFrame({"a": [1]}), "Rubrik", name="t")),
                   _output(Table(pd.DataFrame({"a": [1]}), "Rubrik", name="t")))
    made = book.reader_notebook(nb, "q", tmp_path)
    assert made.missing == ["q-figur-1 (figur utan bildtext)", "q-tabell-1 (tabell utan rubrik)"]
    assert made.tables == ["q-tabell-1", "q-t", "q-t-2"]


def test_reader_copy_builds_into_numbered_figure_and_table(tmp_path):
    """A tiny book with the project's Sphinx settings: the rewritten outputs get numbers."""
    import shutil
    import subprocess
    import sys

    import yaml

    from jamtools.run.config import ROOT

    plot, caption = figure(_plot(), caption="En stigande linje.", alt="En linje som stiger från 0 till 1.",
                           name="linje")
    nb = _notebook(_output(plot), _output(caption), _output(Table(pd.DataFrame({"a": ["1"]}), "En tabell")),
                   _output(Table(pd.DataFrame(columns=["a", "b"]), "En tom tabell", "Inga rader.")))
    (tmp_path / "notebooks").mkdir()
    book.reader_notebook(nb, "q", tmp_path / "notebooks")
    nb.cells.append(nbformat.v4.new_markdown_cell("Se {numref}`q-linje`."))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "notebooks" / "q.ipynb")
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: notebooks/q\n", encoding="utf-8")
    if (ROOT / "references.bib").exists():
        shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    for static in cfg["sphinx"]["config"].get("html_static_path", []):
        shutil.copytree(ROOT / static, tmp_path / static)
    jb = shutil.which("jupyter-book", path=str(__import__("pathlib").Path(sys.executable).parent))
    proc = subprocess.run([jb, "build", str(tmp_path), "-W", "-n"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    html = (tmp_path / "_build" / "html" / "notebooks" / "q.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="caption-number">Figur 1 </span>', html)
    assert re.search(r'<span class="caption-number">Tabell 1 </span>', html)
    assert re.search(r'<span class="caption-number">Tabell 2 </span><span class="caption-text">En tom tabell', html)
    assert 'alt="En linje som stiger från 0 till 1."' in html
    assert "Figur 1" in html.split("Se ", 1)[1][:400], "the cross-reference shows the number"


# --- the leak scan reads the new outputs ---------------------------------------------------

def _pdf_with(text: str, path):
    fig = Figure(figsize=(4, 2))
    fig.text(0.1, 0.5, text)
    fig.savefig(path, format="pdf")


def test_scan_finds_a_personnummer_in_a_pdf(tmp_path):
    _pdf_with("Klient 19121212-1212 fick bistånd", tmp_path / "kapitel.pdf")
    _pdf_with("Inga uppgifter om personer", tmp_path / "ren.pdf")
    found = scan.scan_paths([tmp_path], threshold=5)
    assert set(found["file"].map(lambda f: f.rsplit("/", 1)[-1])) == {"kapitel.pdf"}
    assert found["kind"].iloc[0] == "personnummer"


def test_scan_finds_small_counts_and_ids_in_downloads(tmp_path):
    frame = pd.DataFrame({"Utfall": ["insats", "placering"], "Antal flickor": [3, 40]})
    frame.to_csv(tmp_path / "tabell.csv", sep=";", index=False, encoding="utf-8-sig")
    frame.to_excel(tmp_path / "tabell.xlsx", index=False)
    pd.DataFrame({"person_id": ["a1"], "Utfall": ["x"]}).to_csv(tmp_path / "rader.csv", sep=";", index=False)
    pd.DataFrame({"Utfall": ["x"], "Antal flickor": [12]}).to_csv(tmp_path / "ok.csv", sep=";", index=False)
    found = scan.scan_paths([tmp_path], threshold=5)
    by_file = found.groupby(found["file"].map(lambda f: f.rsplit("/", 1)[-1]))["kind"].apply(set).to_dict()
    assert by_file == {"tabell.csv": {"small_count"}, "tabell.xlsx": {"small_count"},
                       "rader.csv": {"row_level_table"}}


# --- the suite's own book ------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(synthetic_run):
    html = synthetic_run / "html"
    assert (html / "index.html").exists(), "the suite's run builds the book"
    return synthetic_run


def test_every_figure_and_table_in_the_book_has_number_caption_and_alt(built):
    from bs4 import BeautifulSoup

    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["book"]["uncaptioned"] == []
    problems = []
    for page in sorted((built / "html" / "notebooks").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article") or soup
        for img in article.find_all("img"):
            fig = img.find_parent("figure")
            alt = img.get("alt", "")
            if fig is None or not fig.find(class_="caption-number"):
                problems.append(f"{page.name}: bild utan numrerad bildtext ({img.get('src')})")
            if len(alt) < 20 or " " not in alt or alt.endswith(".png") or "/" in alt.split(" ")[0]:
                problems.append(f"{page.name}: alt-text {alt[:40]!r}")
        for table in article.find_all("table"):
            cap = table.find("caption")
            if cap is None or not cap.find(class_="caption-number"):
                problems.append(f"{page.name}: tabell utan nummer ({table.get_text(' ', strip=True)[:50]!r})")
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} i allt)"


def test_every_chapter_figure_is_the_books_width(built):
    """No figure the chapters draw reaches outside the book's 6 inches (an axis label centred
    under axes pushed right by long category labels, say), so none is saved wider than the
    page, with smaller text, after a second drawing. (r4_05's summary is narrower on purpose.)"""
    import io

    from PIL import Image

    from jamtools.present.plots import FIGURE_DPI, FIGURE_WIDTH

    wide, seen = [], 0
    for path in sorted((built / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                if png is None:
                    continue
                seen += 1
                width = Image.open(io.BytesIO(base64.b64decode(png))).size[0]
                if width > round(FIGURE_WIDTH * FIGURE_DPI):
                    name = output.get("metadata", {}).get("jamtools", {}).get("name")
                    wide.append(f"{path.stem}: {name} {width} px")
    assert seen > 40, "the run's notebooks hold the chapters' figures"
    assert not wide, "\n".join(wide)


def test_chapters_end_with_build_facts_and_no_build_paths(built):
    for nb_id in CHAPTERS:
        page = built / "html" / "notebooks" / f"{nb_id}.html"
        if not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        assert "Byggd " in text and "jamtools" in text, nb_id
        staged = (built / "_book" / "notebooks" / f"{nb_id}.ipynb").read_text(encoding="utf-8")
        assert str(built) not in staged, f"{nb_id}: the build machine's path in the downloadable notebook"


def test_pdfs_of_the_whole_book_and_each_chapter(built, monkeypatch):
    monkeypatch.delenv("JAMTOOLS_PDF", raising=False)  # the suite's whole-book run makes them
    reason = pdf.unavailable_reason()
    if reason and not pdf.required():
        pytest.skip(f"PDF:er görs inte här: {reason}")
    assert reason is None, reason
    folder = built / "html" / "pdf"
    from pypdf import PdfReader

    whole = PdfReader(str(folder / pdf.BOOK_PDF))
    chapters = [p for p in folder.glob("*.pdf") if p.name != pdf.BOOK_PDF]
    assert len(whole.pages) >= sum(1 for _ in chapters)
    for nb_id in CHAPTERS:
        if (built / "html" / "notebooks" / f"{nb_id}.html").exists():
            text = PdfReader(str(folder / f"{nb_id}.pdf")).pages[0].extract_text()
            assert text.strip(), nb_id
    front = (built / "html" / "book" / "intro.html").read_text(encoding="utf-8")
    assert 'href="../pdf/handbok.pdf"' in front
    chapter = (built / "html" / "notebooks" / "bof_02_utredning_till_insats.html").read_text(encoding="utf-8")
    assert 'href="../pdf/bof_02_utredning_till_insats.pdf"' in chapter


def test_pdfs_can_be_switched_off_and_are_required_in_ci(monkeypatch):
    monkeypatch.setenv("JAMTOOLS_PDF", "skip")
    monkeypatch.setenv("CI", "true")
    assert pdf.unavailable_reason().startswith("PDF:erna är avstängda") and not pdf.required()
    monkeypatch.delenv("JAMTOOLS_PDF")
    assert pdf.required()


def test_accessible_html_names_toggles_and_makes_scroll_boxes_reachable():
    from jamtools.run.bookassets import accessible_html

    page = ('<summary><span class="toctree-toggle" role="presentation"></span></summary>'
            '<div class="pst-scrollable-table-container"><table class="jamtools-disclosed table">'
            '</table></div><div role="list" class="citation-list">'
            '<div class="citation" id="id8" role="doc-biblioentry"></div></div>')
    fixed = accessible_html(page)
    assert '<summary aria-label="Visa eller dölj underavsnitten">' in fixed
    assert '<div class="pst-scrollable-table-container" tabindex="0"' in fixed
    assert '<table class="jamtools-disclosed table" tabindex="0">' in fixed
    assert 'id="id8" role="listitem"' in fixed
    assert accessible_html(fixed) == fixed, "running it twice changes nothing more"
