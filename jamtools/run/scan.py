"""Leak scan: look through a run's outputs for what must never be published.

Checks executed notebooks (every output of every cell), results JSON, built HTML (the whole
page as published: content behind hide-* toggles is published too), the book's PDFs (their
text, read with pypdf) and the downloads (CSV and XLSX: every cell) for

- personnummer and samordningsnummer (valid date and check digit);
- the run's secret keys (the pseudonymisation key) and values of the input's sensitive columns
  (names, free text);
- row-level tables: a displayed table with an id-like column (``*_id``, person, personnummer,
  namn), i.e. one row per person or case;
- cell tables: a displayed table with the engine's row count (:data:`~jamtools.data.check.CELL_COUNT`),
  i.e. the loaded cells themselves, which have not passed disclosure control (a cell of one row is
  one person);
- small counts: in tables rendered by ``jamtools.present.report`` (class ``jamtools-disclosed``),
  in the count columns of downloaded CSV and XLSX tables and in the count fields of results JSON,
  a count from 1 to threshold − 1.

``python -m jamtools scan DIR`` prints the findings and exits 1 when there are any.
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import re
import sys
from pathlib import Path

from html.parser import HTMLParser

import ahocorasick
import numpy as np
import pandas as pd

from jamtools.data.check import CELL_COUNT
from jamtools.data.pseudonym import luhn_ok
from jamtools.disclosure import DEFAULT_THRESHOLD

PNR = re.compile(r"(?<![\dA-Fa-f])((?:19|20)?\d{6})([-+]?)(\d{4})(?![\dA-Fa-f])")
COLUMNS = ["file", "location", "kind", "excerpt", "message"]
ID_HEADER = re.compile(r"(_id$|^id$|^person(_?id|_?nr)?$|personnummer|samordningsnummer|^namn$|namn$|fornamn|"
                       r"efternamn)", re.I)
COUNT_HEADER = re.compile(r"^(antal|n$|flickor|pojkar|kvinnor|män|okänt kön)", re.I)
COUNT_KEYS = {"n_a", "n_b", "events_a", "events_b"}
_CELL_MESSAGE = ("Den inlästa celltabellen visas (en rad per kombination av värden med antal rader, "
                 "ej röjandekontrollerad; en cell med en rad är en person). Visa bara sammanräknade, "
                 "röjandekontrollerade tabeller (jamtools.present.report).")
#: The kinds of file the scan reads.
SCANNED = {".ipynb", ".json", ".html", ".csv", ".md", ".txt", ".js", ".pdf", ".xlsx"}


class _Tables(HTMLParser):
    """Collects every <table> of an HTML text: its class, header row and body rows.

    The header is the first row made only of <th> cells (pandas and jamtools.present.report both
    write one); the other rows are the body."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[tuple[str, str]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"class": dict(attrs).get("class") or "", "header": [], "rows": []})
        elif self._stack and tag == "tr":
            self._row = []
        elif self._stack and tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._kind = tag

    def handle_endtag(self, tag):
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._kind, " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            cells = [text for _, text in self._row]
            if not table["header"] and self._row and all(k == "th" for k, _ in self._row):
                table["header"] = cells
            else:
                table["rows"].append(cells)
            self._row = None
        elif tag == "table":
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(text: str) -> list[dict]:
    parser = _Tables()
    try:
        parser.feed(text)
    except Exception:  # malformed HTML: scan what was parsed
        pass
    return parser.tables


def _as_count(text: str):
    t = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").strip()
    return int(t) if t.isdigit() else None


def classify_personnummer(text: str) -> str | None:
    """'personnummer', 'samordningsnummer' or None for a candidate like 'YYMMDD-NNNN'."""
    m = PNR.fullmatch(text)
    if not m:
        return None
    date, _, tail = m.groups()
    short = date[-6:]
    if not luhn_ok(short + tail):
        return None
    yy, mm, dd = int(short[:2]), int(short[2:4]), int(short[4:6])
    kind = "personnummer"
    if dd > 60:
        dd -= 60
        kind = "samordningsnummer"
    year = int(date[:4]) if len(date) == 8 else 2000 + yy
    try:
        dt.date(year, mm, dd)
    except ValueError:
        return None
    return kind


def _mask(s: str) -> str:
    return s[:2] + "*" * (len(s) - 2)


def _texts(path: Path):
    """(location, text) pairs of a file as published."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb.get("cells", []), start=1):
            for out in cell.get("outputs", []):
                parts = []
                if "text" in out:
                    parts.append("".join(out["text"]) if isinstance(out["text"], list) else out["text"])
                for mime, val in (out.get("data") or {}).items():
                    if mime.startswith("text/") or mime.endswith("json"):
                        parts.append("".join(val) if isinstance(val, list) else str(val))
                if out.get("output_type") == "error":
                    parts.append(out.get("evalue", "") + "\n".join(out.get("traceback", [])))
                yield f"cell {i}", "\n".join(parts)
    elif path.suffix == ".pdf":
        from pypdf import PdfReader

        for n, page in enumerate(PdfReader(str(path)).pages, 1):
            yield f"sida {n}", page.extract_text() or ""
    elif path.suffix == ".xlsx":
        for sheet, rows in _sheets(path):
            yield f"blad {sheet}", "\n".join("\t".join(row) for row in rows)
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            yield "sidan", text
            return
        for n, line in enumerate(text.splitlines(), 1):
            yield f"line {n}", line


def scan_paths(paths, *, threshold: int = DEFAULT_THRESHOLD, sensitive_values=(),
               secret_keys=()) -> pd.DataFrame:
    """Scan files and directories; one row per finding (see :data:`COLUMNS`)."""
    files: list[Path] = []
    for p in ([paths] if isinstance(paths, (str, Path)) else paths):
        p = Path(p)
        if p.is_dir():
            files += [f for f in sorted(p.rglob("*")) if f.is_file()
                      and f.suffix in SCANNED]
        elif p.is_file():
            files.append(p)
    index = _Values(sensitive_values)
    rows = []
    for f in files:
        texts = [(loc, text) for loc, text in _texts(f) if text]
        # One pass over the file finds every sensitive value in it (see _Values); only the
        # values found are then located line by line.
        present = sorted(index.found("\n".join(text for _, text in texts)))
        for loc, text in texts:
            for m in PNR.finditer(text):
                kind = classify_personnummer(m.group(0))
                if kind:
                    rows.append([str(f), loc, kind, _mask(m.group(0)),
                                 f"Ett {kind} syns i utdata. Ta bort det ur källan; "
                                 "personnummer ska ersättas med pseudonymer vid inläsning."])
            for key in secret_keys:
                if key and key in text:
                    rows.append([str(f), loc, "secret_key", _mask(key),
                                 "Körningens pseudonymnyckel syns i utdata. Den får aldrig skrivas ut."])
            for value in present:
                if _occurs(str(value), text):
                    rows.append([str(f), loc, "sensitive_value", _mask(str(value)),
                                 "Ett värde ur en känslig kolumn (namn eller fritext) syns i utdata."])
            if "<table" in text:
                rows += _table_findings(f, loc, text, threshold)
            elif f.suffix == ".ipynb" and _plain_row_level(text):
                rows.append([str(f), loc, "row_level_table", text.splitlines()[0][:60],
                             "En tabell med en rad per person eller ärende visas. Visa bara "
                             "sammanräknade, röjandekontrollerade tabeller (jamtools.present.report)."])
            elif f.suffix == ".ipynb" and _plain_cells(text):
                rows.append([str(f), loc, "cell_table", text.splitlines()[0][:60], _CELL_MESSAGE])
        if f.suffix == ".json":
            rows += _json_findings(f, threshold)
        if f.suffix in {".csv", ".xlsx"}:
            rows += _download_findings(f, threshold)
    return pd.DataFrame(rows, columns=COLUMNS)


def _sheets(path: Path):
    """(sheet name, rows of cell texts) of an XLSX file."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in book.worksheets:
            yield ws.title, [["" if v is None else str(v) for v in row]
                             for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _download_findings(f: Path, threshold: int) -> list[list]:
    """A downloadable table (CSV with ';' or ',', or XLSX): an id-like column, or a small count in
    a count column, as in the book's own tables."""
    import csv

    if f.suffix == ".xlsx":
        tables = [(f"blad {name}", rows) for name, rows in _sheets(f)]
    else:
        text = f.read_text(encoding="utf-8-sig", errors="replace")
        delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
        tables = [("filen", list(csv.reader(text.splitlines(), delimiter=delimiter)))]
    out = []
    for loc, rows in tables:
        if not rows:
            continue
        html = "<table class=\"jamtools-disclosed\"><thead><tr>" + "".join(
            f"<th>{_html_escape(h)}</th>" for h in rows[0]) + "</tr></thead><tbody>" + "".join(
            "<tr>" + "".join(f"<td>{_html_escape(v)}</td>" for v in row) + "</tr>" for row in rows[1:]
        ) + "</tbody></table>"
        out += _table_findings(f, loc, html, threshold)
    return out


def _html_escape(v) -> str:
    import html

    return html.escape(str(v))


def _automaton(values):
    """An Aho–Corasick automaton over the sensitive values (pyahocorasick), or None."""
    if not values:
        return None
    automaton = ahocorasick.Automaton()
    for value in values:
        automaton.add_word(value, value)
    automaton.make_automaton()
    return automaton


def _bounded(text: str, start: int, end: int) -> bool:
    """True when the match ``text[start:end]`` is not part of a longer number: a value that
    begins (ends) with a digit must not follow (precede) another digit. Otherwise the digits of
    any long decimal number (an estimate written with 16 digits) would contain some count or
    number of the input by chance."""
    if text[start].isdigit() and start > 0 and text[start - 1].isdigit():
        return False
    if text[end - 1].isdigit() and end < len(text) and text[end].isdigit():
        return False
    return True


def _occurs(value: str, text: str) -> bool:
    """``value in text``, with the number boundaries of :func:`_bounded`."""
    start = text.find(value)
    while start >= 0:
        if _bounded(text, start, start + len(value)):
            return True
        start = text.find(value, start + 1)
    return False


#: A value written as a personnummer may be (6 or 8 digits, a separator or none, 4 digits):
#: such values are kept in a set and found with :data:`_NUMBER`, not in the automaton.
NUMBER_SHAPE = re.compile(r"(?:[0-9]{8}|[0-9]{6})[-+]?[0-9]{4}")
# Every occurrence of such a value that no other ASCII digit touches: at one start only one
# shape fits (the length of the digit run decides), and two such occurrences never overlap (after
# the separator come exactly four digits), so finditer sees each one.
_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{8}|[0-9]{6})[-+]?[0-9]{4}(?![0-9])")
#: Values at least this long are found by a hash of their first FRAGMENT characters (see
#: :class:`_Values`); shorter ones by the automaton.
FRAGMENT = 12
_BASE = np.uint64(1_000_003)
_CHUNK = 1 << 22
_FILTER_BITS = 24
_FEW = 8


def _codes(text: str) -> np.ndarray:
    """The code points of ``text``, one per character (as Python indexes it)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _window_hashes(codes: np.ndarray, width: int) -> np.ndarray:
    """A polynomial hash (mod 2**64) of every window of ``width`` code points."""
    n = len(codes) - width + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    for j in range(width):
        h *= _BASE
        h += codes[j:j + n]
    return h


class _Values:
    """The sensitive values, indexed to find those that occur in a text.

    Three kinds, so that a register's values fit in memory (a million free-text notes and four
    written forms of a million personnummer would make an automaton of gigabytes):

    - written like a personnummer (:data:`NUMBER_SHAPE`, valid or not): a set, looked up for
      every such digit run of the text;
    - at least :data:`FRAGMENT` characters (free text, most names): a sorted array of the
      hashes of their first FRAGMENT characters; every window of the text is hashed and a hit
      is confirmed against the value itself;
    - the rest (short names, words): an Aho–Corasick automaton (pyahocorasick).

    Whichever the kind, a value is found exactly where ``value in text`` holds and the
    occurrence is not part of a longer number (:func:`_bounded`)."""

    def __init__(self, values=()):
        numbers: set[str] = set()
        short: set[str] = set()
        long: set[str] = set()
        for v in values:
            if not v:
                continue
            v = str(v)
            if len(v) < 4:
                continue
            if len(v) <= 13 and v[0] in "0123456789" and NUMBER_SHAPE.fullmatch(v):
                numbers.add(v)
            elif len(v) < FRAGMENT:
                short.add(v)
            else:
                long.add(v)
        self.numbers = numbers
        self.automaton = _automaton(sorted(short))
        self.long = sorted(long)
        if self.long:
            matrix = _codes("".join(v[:FRAGMENT] for v in self.long)).reshape(-1, FRAGMENT)
            h = np.zeros(len(self.long), dtype=np.uint64)
            for j in range(FRAGMENT):
                h *= _BASE
                h += matrix[:, j]
            del matrix
            self.order = np.argsort(h, kind="stable")
            self.keys = h[self.order]
            self.filter = np.zeros(1 << _FILTER_BITS, dtype=bool)
            self.filter[self.keys & np.uint64((1 << _FILTER_BITS) - 1)] = True
            # Many values may begin alike (notes opening with the same words): for those, a hit
            # tries each length such values have instead of each value.
            starts = np.flatnonzero(np.r_[True, self.keys[1:] != self.keys[:-1]])
            ends = np.r_[starts[1:], len(self.keys)]
            lengths = np.fromiter(map(len, self.long), dtype=np.int64, count=len(self.long))[self.order]
            self.lengths = {int(self.keys[a]): np.unique(lengths[a:b]).tolist()
                            for a, b in zip(starts.tolist(), ends.tolist()) if b - a > _FEW}

    def __len__(self) -> int:
        return len(self.numbers) + len(self.long) + (len(self.automaton) if self.automaton else 0)

    def found(self, text: str) -> set[str]:
        out: set[str] = set()
        if self.automaton is not None:
            out.update(value for end, value in self.automaton.iter(text)
                       if _bounded(text, end - len(value) + 1, end + 1))
        if self.numbers:
            out.update(m.group(0) for m in _NUMBER.finditer(text)
                       if m.group(0) in self.numbers and _bounded(text, m.start(), m.end()))
        if self.long and len(text) >= FRAGMENT:
            out |= self._long_found(text)
        return out

    def _long_found(self, text: str) -> set[str]:
        codes = _codes(text)
        keys, mask = self.keys, np.uint64((1 << _FILTER_BITS) - 1)
        out: set[str] = set()
        for start in range(0, len(codes) - FRAGMENT + 1, _CHUNK):
            h = _window_hashes(codes[start:start + _CHUNK + FRAGMENT - 1].astype(np.uint64), FRAGMENT)
            where = np.nonzero(self.filter[h & mask])[0]
            if not len(where):
                continue
            h = h[where]
            first = np.searchsorted(keys, h, side="left")
            last = np.searchsorted(keys, h, side="right")
            for pos, a, b, key in zip((where + start).tolist(), first.tolist(), last.tolist(), h.tolist()):
                if b - a > _FEW:
                    for n in self.lengths[key]:
                        value = text[pos:pos + n]
                        i = bisect.bisect_left(self.long, value)
                        if (len(value) == n and i < len(self.long) and self.long[i] == value
                                and _bounded(text, pos, pos + n)):
                            out.add(value)
                    continue
                for k in range(a, b):
                    value = self.long[self.order[k]]
                    if text.startswith(value, pos) and _bounded(text, pos, pos + len(value)):
                        out.add(value)
        return out


def _plain_row_level(text: str) -> bool:
    """A DataFrame printed as text whose header has an id-like column."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return any(ID_HEADER.search(tok) for tok in first.split()) and len(text.splitlines()) > 2


def _plain_cells(text: str) -> bool:
    """A DataFrame printed as text with the engine's row count among its column names."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return CELL_COUNT in first.split() and len(text.splitlines()) > 2


def _table_findings(f: Path, loc: str, text: str, threshold: int) -> list[list]:
    out = []
    for table in _tables(text):
        header = table["header"] or (table["rows"][0] if table["rows"] else [])
        if any(ID_HEADER.search(h) for h in header):
            out.append([str(f), loc, "row_level_table", ", ".join(header)[:60],
                        "En tabell med en rad per person eller ärende visas. Visa bara "
                        "sammanräknade, röjandekontrollerade tabeller (jamtools.present.report)."])
            continue
        if any(h.strip() == CELL_COUNT for h in header):
            out.append([str(f), loc, "cell_table", ", ".join(header)[:60], _CELL_MESSAGE])
            continue
        if "jamtools-disclosed" in table["class"]:
            cols = [k for k, h in enumerate(header) if COUNT_HEADER.search(h)]
            for row in table["rows"]:
                for k in cols:
                    if k < len(row):
                        v = _as_count(row[k])
                        if v is not None and 0 < v < threshold:
                            out.append([str(f), loc, "small_count", f"{header[k]}={v}",
                                        f"Ett antal under tröskeln {threshold} visas."])
    return out


def _json_findings(f: Path, threshold: int) -> list[list]:
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return []
    out = []

    def walk(node, path, keys=()):
        if isinstance(node, dict):
            for k, v in node.items():
                here = f"{path}.{k}" if path else k
                # (a data table's rows read, and its rows left out per reason: data_tables)
                counts_context = (k in COUNT_KEYS or path.endswith(("analysed", "excluded"))
                                  or keys[-1:] == ("read",) or keys[-2:-1] == ("steps",))
                if counts_context and isinstance(v, (int, float)) and not isinstance(v, bool) \
                        and 0 < v < threshold:
                    out.append([str(f), here, "small_count", f"{k}={v}",
                                f"Ett antal under tröskeln {threshold} finns i resultatfilen."])
                else:
                    walk(v, here, (*keys, str(k)))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]", keys)

    walk(data, "")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jamtools scan")
    parser.add_argument("dir")
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    args = parser.parse_args(argv)
    findings = scan_paths([args.dir], threshold=args.threshold)
    for r in findings.itertuples():
        print(f"{r.file} ({r.location}): {r.kind}: {r.excerpt}: {r.message}")
    print(f"{len(findings)} fynd i {args.dir}")
    return 1 if len(findings) else 0
