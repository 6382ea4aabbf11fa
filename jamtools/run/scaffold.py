"""``python -m jamtools init DIR``: a starting point for an analyst's own run.

Writes ``DIR/jamtools.yml``, a commented skeleton with every table of the data model and every
column as a mapping line (``Er kolumn: modellens_kolumn``) marked with the chapters that need it
or use it, and ``DIR/mallar/<table>.csv``, an empty template per table (the model's column
names as the header, ``;`` as separator, UTF-8 with BOM so that Swedish Excel opens it right).
Nothing is overwritten.
"""
from __future__ import annotations

from pathlib import Path

from jamtools.run import catalogue
from jamtools.data.model import TABLES


def skeleton() -> str:
    """The commented ``jamtools.yml`` (Swedish comments)."""
    lines = [
        "# jamtools.yml – hur handboken läser er organisations exporter.",
        "# 1. Ta bort '# ' framför de tabeller ni har och skriv filens namn under 'file'.",
        "# 2. Under 'columns': skriv er exports kolumnnamn till vänster om kolonet, modellens till",
        "#    höger. Rader för kolumner ni inte har tar ni bort. Kolumnen 'personnummer' ersätts",
        "#    med en pseudonym vid inläsningen; kön och ålder räknas fram ur den om de saknas.",
        "# 3. Under 'values': era koder till modellens värden (till exempel K: kvinna).",
        "# 4. Kontrollera:  python -m jamtools check --config jamtools.yml",
        "# 5. Kör:          python -m jamtools run --config jamtools.yml --out min-korning",
        "# Sökvägar räknas från den här filens katalog. 'krävs av' = kapitlet kan inte köras",
        "# utan kolumnen; 'används av' = kapitlet använder den om den finns.",
        "",
        'organisation: "Vår kommun, socialförvaltningen"   # visas på bokens titelsida',
        "# period:               # bara rader inom perioden analyseras (övriga räknas i datatabellen)",
        "#   start: 2024-01-01",
        "#   end: 2024-12-31",
        "threshold: 5            # minsta antal som visas; mindre tal visas som '..'",
        "conf_level: 0.95        # konfidensnivå för alla intervall",
        "# data_dir: exporter    # tabeller som inte står under 'tables' läses som <data_dir>/<tabell>.csv",
        "",
        "tables:",
    ]
    for name, table in TABLES.items():
        uses = catalogue.column_uses(name)
        chapters = sorted({c for r, u in uses.values() for c in (*r, *u)})
        lines += ["", f"  # {name}: {table.description}",
                  f"  # Läses av: {', '.join(chapters) if chapters else '(inget kapitel ännu)'}",
                  f"  # {name}:", f"  #   file: exporter/{name}.csv",
                  "  #   # encoding: cp1252     # sätt den om tecknen blir fel",
                  "  #   # separator: \";\"", "  #   columns:"]
        width = max(len(c.name) for c in table.columns) + 2
        for col in table.columns:
            req, used = uses[col.name]
            note = []
            if req:
                note.append(f"krävs av {', '.join(req)}")
            if used:
                note.append(f"används av {', '.join(used)}")
            if col.name == table.key:
                note.append("annars radnumret")
            if col.name == "ar" and table.date_column:
                note.append(f"kan räknas fram ur {table.date_column}")
            if col.name == "orsakstyp":
                note.append("kan räknas fram ur anmalningsorsak")
            if col.name == table.date_column:
                note.append("väljer perioden")
            if col.name == table.unit_column:
                note.append("väljer enhet (parametern enhet)")
            if col.name in ("kon", "alder") and table.age_column is not None or col.name == "person_id":
                note.append("kan räknas fram ur personnummer")
            text = f"  #     Er kolumn: {col.name}".ljust(width + 22)
            lines.append(f"{text}# {'; '.join(note) if note else 'används inte av något kapitel ännu'}")
        if any(c.name == "person_id" for c in table.columns) or "kon" in {c.name for c in table.columns}:
            lines.append("  #     Personnummer: personnummer".ljust(width + 22)
                         + "# ersätts med pseudonym; ger kön och ålder")
        cats = [c for c in table.columns if c.allowed]
        if cats:
            lines.append("  #   values:")
            for c in cats:
                example = ", ".join(f"{a}: {a}" for a in c.allowed[:2])
                lines.append(f"  #     {c.name}: {{{example}}}   # tillåtna: {', '.join(c.allowed)}")
    lines += ["", "# Parametrar för enskilda kapitel (valfritt), till exempel:",
              "# notebooks:", "#   bof_02_utredning_till_insats:", "#     enhet: Norr", ""]
    return "\n".join(lines)


def init(directory: str | Path) -> list[Path]:
    """Write the skeleton and the templates into ``directory``; return what was written.

    Raises FileExistsError when ``jamtools.yml`` is already there (nothing is overwritten).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "jamtools.yml"
    if config.exists():
        raise FileExistsError(f"{config} finns redan; inget skrevs över.")
    written = [config]
    config.write_text(skeleton(), encoding="utf-8")
    templates = directory / "mallar"
    templates.mkdir(exist_ok=True)
    for name, table in TABLES.items():
        path = templates / f"{name}.csv"
        if not path.exists():
            path.write_text(";".join(c.name for c in table.columns) + "\n", encoding="utf-8-sig")
            written.append(path)
    return written
