"""Checks of a built book in a real browser: Debian's Chromium (``/usr/bin/chromium``), driven
by Playwright; no browser is downloaded and nothing leaves the machine.

The book is served from its folder on 127.0.0.1 (:func:`serve`); every request to another host
is aborted and reported. Each check takes a loaded page and returns the :class:`Problem` records
it finds, all of them: nothing stops at the first defect. :func:`sweep` runs every check over
the pages of a book, at a desktop and at a phone viewport, and :func:`report` groups what it
found by kind, with the pages, for one failure message (the way Frictionless reports a table).

The planted-defect tests (``tests/test_browser.py``) call the same functions on a doctored copy
of a real page, so a check that cannot fail is caught as well.

The accessibility check runs axe-core, read from the copy bundled in the pinned
``axe-playwright-python`` wheel (``axe.min.js``), against WCAG 2.1 A and AA: Swedish public
bodies publish under the law on accessibility of digital public services (DOS-lagen).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import threading
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's switches: no sandbox (CI runs as root), and none of its own traffic to Google.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-dev-shm-usage"]  # a container's small /dev/shm
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
PHONE_WIDTH = 390
PHONE = {"width": PHONE_WIDTH, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: axe-core's tags for WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = frozenset({"serious", "critical"})
#: An alt text shorter than this, or without a space, does not describe a figure.
MIN_ALT_CHARS = 20
SCREENSHOTS = ROOT / "_build" / "screenshots"
TIMEOUT_MS = 30_000

# The kinds of problem, in the order the report lists them (tests assert on these names).
FOREIGN = "request to another host (aborted)"
CONSOLE = "console error"
BROKEN_IMAGE = "broken image"
RAW_TEX = "raw TeX shown as text"
ALT_TEXT = "image without a real alt text"
TOO_WIDE = f"page wider than a {PHONE_WIDTH} px phone"
AXE = "axe: WCAG 2.1 A/AA violation, serious or critical"
UNCHECKED = "page could not be checked"
KINDS = (FOREIGN, CONSOLE, BROKEN_IMAGE, RAW_TEX, ALT_TEXT, TOO_WIDE, AXE, UNCHECKED)

# Reasons an alt text is not a real one.
ALT_MISSING = "no alt attribute"
ALT_EMPTY = "empty alt text on an image that is not marked decorative (role=presentation)"
ALT_FILE = "a file name or path as alt text"
ALT_REPR = "a Python repr as alt text"
ALT_SHORT = f"alt text too short to describe the image (under {MIN_ALT_CHARS} characters or one word)"


@dataclass(frozen=True)
class Problem:
    """One defect on one page.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    what : str
        The defect, worded the same on every page it occurs on (the report groups by it).
    page : str
        The page, relative to the book's root (``notebooks/eb_01.html``).
    where : str
        What is particular to this page: a selector, a snippet, a width.
    """

    kind: str
    what: str
    page: str
    where: str = ""


# ----------------------------------------------------------------------------------------------
# Browser, server and pages

def browser_missing() -> str | None:
    """Why the browser test cannot run on this machine, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements.txt)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)"
    try:
        axe_source()
    except (ImportError, OSError) as exc:
        return f"axe-core is not available from axe-playwright-python: {exc}"
    return None


@functools.cache
def axe_source() -> str:
    """axe-core's script, from the copy inside the pinned ``axe-playwright-python`` package."""
    from importlib.resources import files

    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


@contextlib.contextmanager
def launch() -> Iterator:
    """Debian's Chromium, headless, under Playwright (never a browser Playwright downloads)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port, in a thread; yield the base URL (ending
    in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def book_pages(html: Path) -> list[str]:
    """Every HTML page of a built book, relative to its root (Sphinx's own folders, whose names
    start with ``_``, hold no pages)."""
    html = Path(html)
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not any(part.startswith("_") for part in p.relative_to(html).parts[:-1]))


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs never leave it)."""
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in LOCAL_HOSTS


class Tab:
    """One page of the book open in a new tab of ``context``.

    Every request to another host is aborted and recorded; console errors and uncaught
    exceptions are recorded while the tab is open. Checks add their problems to
    :attr:`problems` too.
    """

    def __init__(self, context, base_url: str, name: str):
        self.name = name
        self.base_url = base_url
        self.problems: list[Problem] = []
        self.recording = True  # console errors; off once axe runs (see axe_violations)
        self._foreign: set[str] = set()
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        # Only requests outside the served book reach Python (_route decides, as before):
        # a request for one of the book's own files goes on inside Playwright, without a
        # round trip to this process for each of a page's ~30 files.
        self.page.route(re.compile("^(?!" + re.escape(base_url) + ")"), self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", self._pageerror)

    def _route(self, route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
            return
        if url not in self._foreign:
            self._foreign.add(url)
            self.problems.append(Problem(FOREIGN, url, self.name))
        route.abort("blockedbyclient")

    def local(self, text: str) -> str:
        """``text`` with the server's address replaced by ``/`` (messages stay readable)."""
        return text.replace(self.base_url, "/")

    def _console(self, message) -> None:
        if message.type != "error" or not self.recording:
            return
        source = (message.location or {}).get("url", "")
        # The aborted requests to other hosts are reported once, as such.
        if source and not is_local(source) and message.text.startswith("Failed to load resource"):
            return
        where = f"at {self.local(source)}" if source else ""
        self.problems.append(Problem(CONSOLE, self.local(message.text), self.name, where))

    def _pageerror(self, error) -> None:
        if not self.recording:
            return
        self.problems.append(Problem(CONSOLE, f"uncaught {error.name}: {self.local(error.message)}",
                                     self.name))

    def open(self, query: str = "") -> "Tab":
        """Load the page and wait until it is what a reader sees: MathJax has typeset and every
        image (lazy ones too) has loaded or failed."""
        url = self.base_url + self.name + query
        with _DIRECT.open(url, timeout=TIMEOUT_MS / 1000) as response:
            redirect = bool(_REFRESH.search(response.read().decode("utf-8", "replace")))
        self.page.goto(url, wait_until="load")
        if redirect:
            # a redirect page (the book's index.html): check where it sends the reader
            self.page.wait_for_url(lambda now: now != url)
            self.page.wait_for_load_state("load")
        self.page.evaluate(_READY_JS, TIMEOUT_MS // 2)
        return self

    def close(self) -> None:
        self.page.close()


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, no proxy
_REFRESH = re.compile(r"<meta[^>]+http-equiv=[\"']?refresh", re.IGNORECASE)

_READY_JS = """async (ms) => {
  const wait = (p) => Promise.race([p, new Promise(r => setTimeout(r, ms))]);
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { await wait(mj.startup.promise); }
  await wait(Promise.all([...document.images].map(img => {
    img.loading = 'eager';
    if (img.complete) return null;
    return new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); });
  })));
}"""

# A short CSS-like name of an element, with its nearest ancestor that has an id for context.
_DESCRIBE_JS = """
const describe = (el) => {
  const one = (e) => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    const cls = [...e.classList].slice(0, 2);
    if (cls.length) s += '.' + cls.join('.');
    return s;
  };
  let anchor = el.parentElement;
  while (anchor && !anchor.id) anchor = anchor.parentElement;
  return (anchor && anchor !== el ? one(anchor) + ' … ' : '') + one(el);
};
"""


# ----------------------------------------------------------------------------------------------
# The checks: each takes an open Tab and returns its problems

def broken_images(tab: Tab) -> list[Problem]:
    """Images that did not load (``complete`` with no natural width, or never complete)."""
    srcs = tab.page.evaluate("""() => [...document.images]
        .filter(i => !i.complete || i.naturalWidth === 0)
        .map(i => i.getAttribute('src') || '(no src)')""")
    return [Problem(BROKEN_IMAGE, "the image does not load", tab.name, tab.local(s)) for s in srcs]


#: TeX the reader must never see as text: display or inline delimiters, environments, commands,
#: or $…$ around TeX's ^, _ or a backslash.
RAW_TEX_PATTERN = (r"\$\$|\\\(|\\\[|\\(begin|end)\{|"
                   r"\\(frac|dfrac|sqrt|sum|prod|cdot|times|leq?|geq?|hat|bar|mathrm|mathbf|text|"
                   r"operatorname|alpha|beta|gamma|delta|mu|sigma|pi|theta|lambda|log|exp)(?![A-Za-z])|"
                   r"\$[^$\n]*[\\^_][^$\n]*\$")

_RAW_TEX_JS = _DESCRIBE_JS + """(pattern) => {
  const re = new RegExp(pattern);
  const skip = 'script,style,noscript,template,textarea,code,pre,kbd,samp,'
             + 'mjx-container,mjx-assistive-mml,.MathJax,.MathJax_Preview';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.textContent;
    const m = re.exec(text);
    if (!m) continue;
    const start = Math.max(0, m.index - 30);
    found.push({snippet: text.slice(start, m.index + 40).replace(/\\s+/g, ' ').trim(),
                where: describe(parent)});
  }
  return found;
}"""


RAW_TEX_WHAT = "TeX source on the page (MathJax did not typeset it, or it is not marked as math)"


def raw_tex(tab: Tab) -> list[Problem]:
    """Text nodes that show TeX source (``$$``, ``\\(``, ``\\begin{``, ``\\frac``, ...) after
    MathJax has run; text inside code blocks and MathJax's own output does not count. Math that
    MathJax never typeset (it was not loaded) counts: the reader sees its source."""
    found = tab.page.evaluate(_RAW_TEX_JS, RAW_TEX_PATTERN)
    return [Problem(RAW_TEX, RAW_TEX_WHAT, tab.name, f"“{f['snippet']}” in {f['where']}")
            for f in found]


def alt_problem(alt: str | None) -> str | None:
    """Why ``alt`` is not a real alt text for a figure, or None when it is one.

    A real alt text is a sentence that says what the image shows: present, not empty, not a
    file name or path, not a Python repr, at least :data:`MIN_ALT_CHARS` characters and more
    than one word.
    """
    if alt is None:
        return ALT_MISSING
    text = alt.strip()
    if not text:
        return ALT_EMPTY
    # a path or file name (a slash in a sentence, "kvinnor / män", is prose)
    if ("_images" in text or re.search(r"\.(png|svg|jpe?g|gif|webp|pdf)$", text, re.IGNORECASE)
            or (" " not in text and ("/" in text or "\\" in text))):
        return ALT_FILE
    if re.match(r"<\w+[^>]*>$", text) or text.startswith("<Figure") or "Figure size" in text:
        return ALT_REPR
    if len(text) < MIN_ALT_CHARS or " " not in text:
        return ALT_SHORT
    return None


def _short(text: str | None, n: int = 60) -> str | None:
    if text is None or len(text) <= n:
        return text
    return text[: n // 2 - 1] + "…" + text[-(n // 2):]


def alt_texts(tab: Tab) -> list[Problem]:
    """Images without a real alt text (:func:`alt_problem`). An image is exempt only when it is
    marked decorative: ``role="presentation"``/``"none"`` or inside ``aria-hidden="true"``."""
    images = tab.page.evaluate("""() => [...document.images].map(img => ({
        src: img.getAttribute('src') || '', alt: img.getAttribute('alt'),
        decorative: ['presentation', 'none'].includes(img.getAttribute('role'))
                    || !!img.closest('[aria-hidden="true"]')}))""")
    problems = []
    for img in images:
        reason = None if img["decorative"] else alt_problem(img["alt"])
        if reason:
            src = tab.local(img["src"])
            where = f"alt={_short(img['alt'])!r}" + ("" if img["alt"] == img["src"] else
                                                    f" src={_short(src)}")
            problems.append(Problem(ALT_TEXT, reason, tab.name, where))
    return problems


_WIDTH_JS = _DESCRIBE_JS + """(limit) => {
  const doc = document.documentElement;
  const width = Math.max(doc.scrollWidth, document.body ? document.body.scrollWidth : 0);
  if (width <= limit) return {width, culprits: []};
  const sticksOut = (r) => r.width > 0 && r.right > limit + 0.5;
  // inside a scrolling or clipping box, or fixed to the screen: it does not widen the page
  const contained = (el, ownBox) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.position === 'fixed') return true;
      if ((a !== el || ownBox) && cs.overflowX !== 'visible') return true;
    }
    return false;
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!sticksOut(r) || contained(el, false)) continue;
    const parent = el.parentElement;   // report the outermost element that sticks out
    if (parent !== document.body && sticksOut(parent.getBoundingClientRect())) continue;
    culprits.push({what: describe(el), width: Math.round(r.width), right: Math.round(r.right)});
  }
  // text that runs out of its box (a long word, a path, a formula) inside a box that fits
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim() || sticksOut(parent.getBoundingClientRect())) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (!sticksOut(r) || contained(parent, true)) continue;
    const text = node.textContent.trim().replace(/\\s+/g, ' ');
    const word = text.split(' ').reduce((a, b) => (b.length > a.length ? b : a), '');
    culprits.push({what: describe(parent) + ' text “' + (text.length > 40 ? text.slice(0, 40) + '…' : text)
                         + '” (longest word “' + word + '”)',
                   width: Math.round(r.width), right: Math.round(r.right)});
  }
  culprits.sort((a, b) => b.right - a.right);
  return {width, culprits};
}"""


def too_wide(tab: Tab, limit: int = PHONE_WIDTH) -> list[Problem]:
    """The page scrolls sideways at a phone's width: ``scrollWidth`` over ``limit`` px. Names
    the elements that stick out (outermost first, widest first), outside any scroll box."""
    result = tab.page.evaluate(_WIDTH_JS, limit)
    if result["width"] <= limit:
        return []
    named = [f"{c['what']} ({c['width']} px wide, reaches {c['right']} px)"
             for c in result["culprits"]]
    shown = "; ".join(named[:4]) + (f"; +{len(named) - 4} more" if len(named) > 4 else "")
    return [Problem(TOO_WIDE, f"wider than {limit} px", tab.name,
                    f"{result['width']} px wide; widest: {shown or 'no single element'}")]


_AXE_JS = """async ([tags, rules]) => {
  const runOnly = rules ? {type: 'rule', values: rules} : {type: 'tag', values: tags};
  const r = await axe.run(document, {runOnly, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, tags: v.tags,
                                 nodes: v.nodes.map(n => n.target.join(' '))}));
}"""

#: The rules whose outcome depends on the width, run again at the phone's: a table that scrolls
#: sideways there must be reachable by keyboard (WCAG 2.1.1).
AXE_PHONE_RULES = ["scrollable-region-focusable"]


def axe_violations(tab: Tab, rules: list[str] | None = None) -> list[Problem]:
    """axe-core's WCAG 2.1 A/AA violations (all rules with :data:`AXE_TAGS`, or only ``rules``
    among them) of impact serious or critical: one problem per rule and page, with the
    selectors of (up to three of) the elements concerned."""
    # axe re-reads the style sheets and resolves their @imports against the page, not the sheet
    # (a 404 for ../basic.css): what it causes in the console is not the page's doing. Checks
    # run in order, axe last.
    tab.recording = False
    if not tab.page.evaluate("() => typeof window.axe === 'object'"):
        tab.page.evaluate(axe_source())
    problems = []
    for v in tab.page.evaluate(_AXE_JS, [AXE_TAGS, rules]):
        if v["impact"] not in AXE_FAILING_IMPACTS or not set(v["tags"]) & set(AXE_TAGS):
            continue
        nodes = v["nodes"]
        where = "; ".join(nodes[:3]) + (f"; +{len(nodes) - 3} more" if len(nodes) > 3 else "")
        problems.append(Problem(AXE, f"{v['id']} ({v['impact']}): {v['help']}", tab.name, where))
    return problems


def axe_phone_violations(tab: Tab) -> list[Problem]:
    """:func:`axe_violations` of the width-dependent rules (:data:`AXE_PHONE_RULES`)."""
    return axe_violations(tab, AXE_PHONE_RULES)


DESKTOP_CHECKS = (broken_images, raw_tex, alt_texts, axe_violations)
PHONE_CHECKS = (too_wide, axe_phone_violations)


# ----------------------------------------------------------------------------------------------
# The sweep, the search and the report

def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name.removesuffix(".html"))


@dataclass
class Sweep:
    """What :func:`sweep` found, and how many pages it looked at."""

    problems: list[Problem] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


def check_page(context, base_url: str, name: str, checks: Iterable,
               screenshot: Path | None = None) -> list[Problem]:
    """Open one page in ``context``, run ``checks`` on it, optionally save a screenshot of its
    first screen; every problem found, including the tab's requests and console errors. A page
    that cannot be loaded or checked is a problem, not a crash."""
    tab = Tab(context, base_url, name)
    try:
        tab.open()
        for check in checks:
            tab.problems.extend(check(tab))
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            tab.page.screenshot(path=str(screenshot))
    except Exception as exc:  # noqa: BLE001 - every page must be reported, whatever happens
        tab.problems.append(Problem(UNCHECKED, f"{type(exc).__name__}: {str(exc).splitlines()[0]}",
                                    name))
    finally:
        tab.close()
    return tab.problems


def sweep(browser, base_url: str, pages: Iterable[str], *,
          screenshots: Path | None = None) -> Sweep:
    """Every check on every page: the desktop checks (:data:`DESKTOP_CHECKS`) at 1280 px, the
    phone checks (:data:`PHONE_CHECKS`) at 390 × 844; requests to other hosts and console
    errors at both. Screenshots of each page's first screen go to ``screenshots`` (emptied first)
    as ``<page>.desktop.png`` and ``<page>.phone.png``."""
    if screenshots is not None:
        shutil.rmtree(screenshots, ignore_errors=True)
        screenshots.mkdir(parents=True)
    result = Sweep(pages=list(pages))
    desktop = browser.new_context(viewport=DESKTOP, locale="sv-SE")
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="sv-SE")
    try:
        for name in result.pages:
            for context, checks, label in ((desktop, DESKTOP_CHECKS, "desktop"),
                                           (phone, PHONE_CHECKS, "phone")):
                shot = screenshots / f"{_slug(name)}.{label}.png" if screenshots else None
                result.problems.extend(check_page(context, base_url, name, checks, shot))
    finally:
        desktop.close()
        phone.close()
    result.problems = sorted(set(result.problems), key=result.problems.index)
    return result


#: Sphinx's search is done when its heading turns from "Searching" to "Search Results" (in the
#: book's language; the summary line is no sign: its Swedish translation is empty).
_SEARCH_DONE_JS = """() => {
  const title = document.querySelector('#search-results h2');
  return !!title && typeof Documentation === 'object'
         && title.textContent === Documentation.gettext('Search Results');
}"""


def search_hits(browser, base_url: str, query: str) -> tuple[int, list[Problem]]:
    """The number of results the book's own search page (``search.html?q=``) lists for
    ``query``, with the problems met on the way (requests to other hosts, console errors)."""
    context = browser.new_context(viewport=DESKTOP, locale="sv-SE")
    tab = Tab(context, base_url, "search.html")
    try:
        tab.open(f"?q={quote(query)}")
        tab.page.wait_for_function(_SEARCH_DONE_JS, timeout=TIMEOUT_MS)
        return tab.page.locator("#search-results ul.search li").count(), tab.problems
    finally:
        tab.close()
        context.close()


def _pages(pages: list[str], n: int = 12) -> str:
    shown = ", ".join(pages[:n]) + (f" and {len(pages) - n} more" if len(pages) > n else "")
    return f"{len(pages)} page{'s' if len(pages) != 1 else ''}: {shown}"


def report(problems: Iterable[Problem], *, pages: int | None = None) -> str:
    """Every problem, grouped by kind, then by defect, then by what is particular to a page
    (pages with the same particulars share a line); one message for a failing test."""
    problems = list(dict.fromkeys(problems))
    kinds = [k for k in KINDS if any(p.kind == k for p in problems)]
    kinds += sorted({p.kind for p in problems} - set(kinds))
    lines = [f"{len(problems)} problems of {len(kinds)} kinds on {len({p.page for p in problems})}"
             + (f" of {pages}" if pages is not None else "") + " pages. Per kind: "
             + "; ".join(f"{k}: {sum(p.kind == k for p in problems)}" for k in kinds)]
    for kind in kinds:
        mine = [p for p in problems if p.kind == kind]
        lines += ["", f"== {kind}: {len(mine)} on {len({p.page for p in mine})} pages =="]
        for what in dict.fromkeys(p.what for p in mine):
            lines.append(f"- {what}")
            by_page: dict[str, list[str]] = {}
            for p in mine:
                if p.what == what:
                    by_page.setdefault(p.page, []).append(p.where)
            same: dict[tuple, list[str]] = {}  # the same particulars on several pages: one line
            for page, wheres in by_page.items():
                same.setdefault(tuple(w for w in wheres if w), []).append(page)
            for wheres, on in same.items():
                if not wheres:
                    lines.append(f"    on {_pages(on)}")
                    continue
                shown = " | ".join(wheres[:4]) + (f" | +{len(wheres) - 4} more"
                                                  if len(wheres) > 4 else "")
                lines.append(f"    {shown}\n      on {_pages(on)}" if len(on) > 1
                             else f"    {on[0]}: {shown}")
    return "\n".join(lines)
