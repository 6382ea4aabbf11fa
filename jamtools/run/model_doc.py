"""The data-model chapter of the book, written from the model (``jamtools.data.model``) and the
chapter catalogue (``jamtools.run.catalogue``: which chapters need or use each column).

``python -m jamtools model-doc > book/datamodell.md`` regenerates it; a test checks that the
committed chapter matches the model.
"""
from __future__ import annotations

from jamtools.run.catalogue import column_uses
from jamtools.data.model import TABLES

TYPES = {"id": "id (text)", "str": "text", "category": "kategori", "int": "heltal",
         "float": "decimaltal", "bool": "1/0 (ja/nej)", "date": "datum (ÅÅÅÅ-MM-DD)"}
DOMAINS = {"bof": "Barn och familj", "ht": "Hemtjänst", "eb": "Ekonomiskt bistånd",
           "ru": "Regional utveckling", "ks": "Kulturskola", "um": "Umeås metodfrågor: fritext och kvalitetsindikatorer",
           "pop": "Befolkning"}


def render() -> str:
    """The chapter as MyST Markdown (Swedish)."""
    out = ["# Datamodellen", "",
           "Handboken läser verksamhetens exporter till ett antal tabeller med fasta kolumnnamn "
           "(på svenska utan å, ä och ö, så att de fungerar i alla system). Den här sidan skrivs "
           "direkt från koden i `jamtools/data/model.py`, som också används när data kontrolleras "
           "vid inläsning. Vilka kolumner som krävs bestäms av frågorna, inte av tabellen: "
           "kolumnen *Krävs av* anger de kapitel som inte kan köras utan kolumnen, *Används av* "
           "de kapitel som använder den om den finns (till exempel för att justera för behov). "
           "Varje kapitel kräver också kön (`kon`), som kan räknas fram ur ett {term}`personnummer`.", "",
           "Egna kolumnnamn och koder översätts till modellens med `columns` och `values` i "
           "`jamtools.yml` (se [Kör handboken på egna data](egna_data.md)). Kolumner som inte "
           "finns i modellen läses inte vidare. Ett personnummer i kolumnen `personnummer` "
           "ersätts vid inläsning med en {term}`pseudonym <pseudonymisering>` i `person_id`; finns ingen kolumn för kön "
           "eller ålder räknas de fram ur personnumret.", ""]
    by_domain: dict[str, list] = {}
    for table in TABLES.values():
        by_domain.setdefault(table.domain, []).append(table)
    for domain, tables in by_domain.items():
        out += [f"## {DOMAINS.get(domain, domain)}", ""]
        for t in tables:
            out += [f"### `{t.name}`", "", t.description, "",
                    f"En rad per `{t.key}`."
                    + (f" Perioden avgörs av `{t.date_column}`." if t.date_column else "")
                    + f" Kön: {' / '.join(f'`{v}`' for v in t.sex_values)}.", "",
                    "| Kolumn | Typ | Krävs av | Används av | Tillåtna värden | Betydelse |",
                    "|---|---|---|---|---|---|"]
            uses = column_uses(t.name)
            for c in t.columns:
                allowed = ", ".join(f"`{a}`" for a in c.allowed) if c.allowed else (
                    f"{c.min:g}–{c.max:g}" if c.min is not None and c.max is not None else "")
                if c.references:
                    allowed = f"id i `{c.references}`"
                req, used = uses[c.name]
                out.append(f"| `{c.name}` | {TYPES[c.dtype]} | {', '.join(req)} | {', '.join(used)} | "
                           f"{allowed} | {c.description} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
