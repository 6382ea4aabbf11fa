"""Leak scan: look through a run's outputs for what must never be published.

Checks executed notebooks (every output of every cell), results JSON and built HTML for
personnummer and samordningsnummer (valid date and check digit), the run's secret keys and
values of the input's sensitive columns. ``python -m jamtools scan DIR`` prints the findings
and exits 1 when there are any.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

import pandas as pd

from jamtools.disclosure import DEFAULT_THRESHOLD

PNR = re.compile(r"(?<![\dA-Fa-f])((?:19|20)?\d{6})([-+]?)(\d{4})(?![\dA-Fa-f])")
COLUMNS = ["file", "location", "kind", "excerpt", "message"]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def classify_personnummer(text: str) -> str | None:
    """'personnummer', 'samordningsnummer' or None for a candidate like 'YYMMDD-NNNN'."""
    m = PNR.fullmatch(text)
    if not m:
        return None
    date, _, tail = m.groups()
    short = date[-6:]
    if not _luhn_ok(short + tail):
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
    else:
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            yield f"line {n}", line


def scan_paths(paths, *, threshold: int = DEFAULT_THRESHOLD, sensitive_values=(),
               secret_keys=()) -> pd.DataFrame:
    """Scan files and directories; one row per finding (see :data:`COLUMNS`)."""
    files: list[Path] = []
    for p in ([paths] if isinstance(paths, (str, Path)) else paths):
        p = Path(p)
        if p.is_dir():
            files += [f for f in sorted(p.rglob("*")) if f.is_file()
                      and f.suffix in {".ipynb", ".json", ".html", ".csv", ".md", ".txt", ".js"}]
        elif p.is_file():
            files.append(p)
    sensitive = [v for v in sensitive_values if v and len(str(v)) >= 4]
    rows = []
    for f in files:
        for loc, text in _texts(f):
            if not text:
                continue
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
            for value in sensitive:
                if str(value) in text:
                    rows.append([str(f), loc, "sensitive_value", _mask(str(value)),
                                 "Ett värde ur en känslig kolumn (namn eller fritext) syns i utdata."])
    return pd.DataFrame(rows, columns=COLUMNS)


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
