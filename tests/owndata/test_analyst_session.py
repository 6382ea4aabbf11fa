"""The analyst's session, end to end, as plain commands (no make): an export with Swedish
headers and personnummer only → ``init`` → the skeleton filled in → ``check`` → ``run`` → a
private book. Runs (like every own-data test) in a copy of the project without data/synthetic/."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.owndata.harness import demo_table, personnummer_for, write_export

HEADERS = {"beslut_id": "Beslutsnr", "beslutsdatum": "Beslutsdatum", "enhet": "Enhet",
           "adl_beroende": "ADL", "ensamboende": "Bor ensam", "beviljade_timmar": "Timmar/mån"}


def _jamtools(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jamtools", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=1500)


def _fill_in(skeleton: str, table: str, file: str, columns: dict, values: dict) -> str:
    """What the analyst does with the skeleton: uncomment one table's block, name the file, keep
    the mapping lines of the columns the export has (with the export's names), set the codes."""
    lines = skeleton.splitlines()
    start = lines.index(f"  # {table}:")
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    block = []
    for line in lines[start:end]:
        line = "  " + line[4:]                                  # '  # x' -> '  x'
        m = re.match(r"^(\s+)Er kolumn: (\w+)", line)
        if m:
            if m.group(2) in columns:
                block.append(f"{m.group(1)}{columns[m.group(2)]}: {m.group(2)}")
            continue
        m = re.match(r"^(\s+)Personnummer: personnummer", line)
        if m and "personnummer" in columns:
            block.append(f"{m.group(1)}{columns['personnummer']}: personnummer")
            continue
        if m:
            continue
        if line.strip().startswith("file:"):
            line = line.split("file:")[0] + f"file: {file}"
        if re.match(r"^\s+values:", line):
            block.append(line)
            block += [f"      {col}: {json.dumps(codes, ensure_ascii=False)}" for col, codes in values.items()]
            continue
        if re.match(r"^\s{6}\w+: \{", line):                   # the skeleton's example codes
            continue
        block.append(line)
    text = "\n".join(lines[:start] + block + lines[end:]) + "\n"
    return text.replace('organisation: "Vår kommun, socialförvaltningen"', 'organisation: "Provkommunen"')


def test_export_to_private_book(demo, tmp_path):
    work = tmp_path / "analys"
    # 1. The export: Swedish headers, Windows-1252, ';', decimal comma; personnummer, no sex or age.
    rows = demo_table(demo, "ht_beslut")
    born = pd.to_datetime(rows["beslutsdatum"]) - pd.to_timedelta(rows["alder"].astype(int) * 365.25 + 40, "D")
    export = rows[list(HEADERS)].rename(columns=HEADERS)
    export.insert(0, "Personnummer", personnummer_for(born, rows["kon"]))
    export["Bor ensam"] = export["Bor ensam"].map({"1": "Ja", "0": "Nej"})
    (work / "exporter").mkdir(parents=True)
    write_export(export, work / "exporter" / "Hemtjänst 2022-2025.csv", fmt="csv-sv")

    # 2. init
    proc = _jamtools("init", str(work), cwd=work)
    assert proc.returncode == 0, proc.stderr
    skeleton = (work / "jamtools.yml").read_text(encoding="utf-8")
    assert (work / "mallar" / "ht_beslut.csv").read_text(encoding="utf-8-sig").startswith("beslut_id;")

    # 3. the analyst fills in the skeleton
    mapping = {v: k for k, v in HEADERS.items()} | {"Personnummer": "personnummer"}
    filled = _fill_in(skeleton, "ht_beslut", "exporter/Hemtjänst 2022-2025.csv",
                      {model: export_name for export_name, model in mapping.items()},
                      {"ensamboende": {"Ja": "1", "Nej": "0"}})
    (work / "jamtools.yml").write_text(filled, encoding="utf-8")

    # 4. check
    proc = _jamtools("check", "--config", "jamtools.yml", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ht_01_hemtjanst_timmar: kan köras" in proc.stdout
    assert "härledd från 'Personnummer'" in proc.stdout and "härledd från 'Beslutsdatum'" in proc.stdout
    check = json.loads((work / "check.json").read_text(encoding="utf-8"))
    runnable = {k for k, c in check["chapters"].items() if c["status"] != "kan_inte_koras"}
    assert {"ht_01_hemtjanst_timmar", "ht_02_forandring_over_tid"} <= runnable
    assert not any(k.startswith(("bof_", "eb_", "ks_", "ru_", "um_")) for k in runnable)

    # 5. run, with the book
    proc = _jamtools("run", "--config", "jamtools.yml", "--out", "min-korning", "--jobs", "2", cwd=work)
    out = work / "min-korning"
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    terminal = proc.stdout + proc.stderr
    assert proc.stderr.splitlines()[0].startswith("Kontroll: 1 tabell läst"), proc.stderr[:500]
    assert "Kernel is running over TCP" not in terminal and "KeyboardInterrupt" not in terminal
    assert re.search(r"\d+ kapitel kördes utan fel; \d+ saknar data: ", terminal)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in manifest["input_files"]] == ["Hemtjänst 2022-2025.csv"]
    ran = {n["id"] for n in manifest["notebooks"]}
    skipped = {s["id"]: s["reason"] for s in manifest["chapters_skipped"]}
    assert ran == runnable and not ran & set(skipped) and len(ran) + len(skipped) == 25
    assert all(n["status"] == "ok" for n in manifest["notebooks"]), manifest["notebooks"]
    assert "saknar tabellen bof_utredningar" in skipped["bof_02_utredning_till_insats"]

    # 6. the private book: the organisation's, with a page about its data, no demo data
    html = out / "html"
    pages = {p.name: p.read_text(encoding="utf-8") for p in html.rglob("*.html")}
    assert "Provkommunen" in pages["index.html"]
    assert "korningens_data.html" in pages
    assert "Hemtjänst 2022-2025.csv" in pages["korningens_data.html"]
    everything = "\n".join(pages.values())
    # no demo result anywhere: the demo organisation appears on no chapter page (the prose
    # chapter on own data uses "Exempelkommunen" as an example name, which is fine)
    chapter_pages = {k: v for k, v in pages.items() if k[:3] in ("bof", "eb_", "ht_", "ru_", "ks_",
                                                               "r4_", "um_", "hl_")}
    assert len(chapter_pages) == 25
    for name, page in chapter_pages.items():
        assert "Exempelkommunen" not in page and "syntetiska data" not in page, name
    ht01 = pages["ht_01_hemtjanst_timmar.html"]
    assert "Provkommunen" in ht01 and "Kontroll" not in ht01
    for value in export["Personnummer"].head(200):
        assert value not in everything and value.replace("-", "")[2:] not in everything
