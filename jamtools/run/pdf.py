"""PDFs of the built book, made offline with headless Chromium: one per chapter and the whole book.

Chromium prints each built HTML page (print media, A4) through Playwright; the whole book is the
pages in table-of-contents order, merged with pypdf. Nothing is fetched from the network: the
browser is the system's (Debian's ``chromium``, never a downloaded one) and every request to
another host is aborted. Where Chromium or Playwright is absent (an analyst's laptop) the PDFs
are skipped with a message; :func:`required` says when they may not be (in CI).

References
----------
Playwright for Python, ``Page.pdf`` (https://playwright.dev/python/docs/api/class-page#page-pdf);
pypdf, ``PdfWriter`` (https://pypdf.readthedocs.io).
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
#: The whole book's file name, in ``<html>/pdf/``.
BOOK_PDF = "handbok.pdf"
PDF_FOLDER = "pdf"


def chromium_path() -> str | None:
    """The system's Chromium (``JAMTOOLS_CHROMIUM`` overrides), or None."""
    env = os.environ.get("JAMTOOLS_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def switched_off() -> bool:
    """PDFs switched off for this run: ``JAMTOOLS_PDF=skip`` (the test suite's many small runs;
    its one run of the whole book makes them)."""
    return os.environ.get("JAMTOOLS_PDF", "").strip().lower() in {"0", "skip", "off", "nej"}


def unavailable_reason() -> str | None:
    """Why PDFs cannot be made here (None when they can)."""
    if switched_off():
        return "PDF:erna är avstängda för den här körningen (JAMTOOLS_PDF=skip)"
    if chromium_path() is None:
        return "Chromium finns inte på den här datorn (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
        import pypdf  # noqa: F401
    except ImportError as exc:
        return f"Python-paketet {exc.name} saknas (make setup installerar det)"
    return None


def required() -> bool:
    """PDFs are required in CI (``CI`` set) and when ``JAMTOOLS_REQUIRE_PDF`` is set, unless
    switched off for the run (:func:`switched_off`)."""
    return not switched_off() and bool(os.environ.get("CI") or os.environ.get("JAMTOOLS_REQUIRE_PDF"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - no request log on the console
        pass


def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; returns (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def make_pdfs(html: Path, pages: list[str]) -> dict[str, Path]:
    """Print each page of ``pages`` (paths relative to ``html``, without ``.html``, in book order)
    to ``html/pdf/<stem>.pdf`` and merge them into ``html/pdf/handbok.pdf``.

    Returns the PDFs by page (the whole book under ``BOOK_PDF``). Raises RuntimeError when
    Chromium or Playwright is missing, or when a page asks for another host.
    """
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright
    from pypdf import PdfWriter

    out = html / PDF_FOLDER
    out.mkdir(exist_ok=True)
    server, base = serve(html)
    outside: list[str] = []
    made: dict[str, Path] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            context = browser.new_context()

            def route(r):
                if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:")):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.emulate_media(media="print")
            for rel in pages:
                page.goto(f"{base}/{rel}.html", wait_until="networkidle")
                page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                              " ? MathJax.startup.promise : null")
                target = out / f"{Path(rel).name}.pdf"
                page.pdf(path=str(target), format="A4", print_background=True,
                         margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
                made[rel] = target
            browser.close()
    finally:
        server.shutdown()
    if outside:
        raise RuntimeError("Sidorna begär filer från andra värdar: " + ", ".join(sorted(set(outside))[:5]))
    writer = PdfWriter()
    for rel in pages:
        writer.append(str(made[rel]))
    writer.add_metadata({"/Title": "Jämställdhetsanalys i socialtjänsten – metodhandbok"})
    book = out / BOOK_PDF
    with open(book, "wb") as fh:
        writer.write(fh)
    made[BOOK_PDF] = book
    return made


def book_pages(toc: dict) -> list[str]:
    """The book's pages in table-of-contents order (root first), as paths without suffix."""
    pages = [str(toc["root"])]

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                pages.append(str(Path(node["file"]).with_suffix("")))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(p).with_suffix("")) if p.endswith((".md", ".ipynb")) else p for p in pages]


__all__ = ["make_pdfs", "book_pages", "unavailable_reason", "required", "chromium_path", "serve",
           "BOOK_PDF", "PDF_FOLDER"]
