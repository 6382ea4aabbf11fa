"""The input's sensitive values for the leak scan, read through the engine: only the sensitive
columns, distinct; the same values as reading every source whole with the readers."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jamtools import data
from jamtools.data import readers, sensitive
from jamtools.data.load import DEMO_DATA_DIR, SENSITIVE_NAME, table_sources
from jamtools.data.model import TABLES
from jamtools.data.personnummer import written_forms
from jamtools.run.config import load_config

WOMAN = "19900101-2385"   # Skatteverket's test numbers (see test_personnummer.py)
MAN = "196408233234"
SAMORDNING = "202201612393"


def _whole_read(config) -> set[str]:
    """The reference: every source read whole with the readers, every sensitive column by its
    own or its mapped name, each value trimmed, four characters or longer, with its written
    forms (the rule before the engine read only the columns)."""
    found = table_sources(config, data_dir=DEMO_DATA_DIR)
    sources = [(spec, spec["_base"], TABLES.get(name)) for name, spec in found.items()]
    folder = config.data_dir if config is not None else DEMO_DATA_DIR
    sources += [({"file": str(p)}, folder, TABLES.get(p.stem)) for p in sorted(folder.iterdir())
                if p.suffix.lower() in (".csv", ".parquet", ".xlsx") and p.stem not in found]
    values: set[str] = set()
    for spec, base, table in sources:
        try:
            raw, _ = readers.read_source(spec, base)
        except readers.SourceError:
            continue
        marked = {c.name for c in table.columns if c.sensitive} if table else set()
        for frame in (raw, raw.rename(columns=spec.get("columns") or {})):
            for col in frame.columns:
                if col in marked or (SENSITIVE_NAME.search(col) and not col.endswith("_id")):
                    for v in frame[col].dropna().astype(str).str.strip():
                        if len(v) >= 4:
                            values |= {v} | written_forms(v)
    return values


@pytest.fixture
def exports(tmp_path):
    """A data folder with what exports look like: a typed Parquet file (personnummer as a
    number, with a gap), a Windows-1252 CSV with the organisation's own column names (the
    number known only by its mapped name), an XLSX file the model does not know, padded and
    short values, ids and a denominator."""
    folder = tmp_path / "exporter"
    folder.mkdir()
    pd.DataFrame({"beslut_id": ["B1", "B2", "B3", "B4"],
                  "personnummer": pd.array([199001012385, 196408233234, None, 199001012385], "Int64"),
                  "klient_namn": ["  Greta Exempel ", "Olle", "Ida", None],
                  "beslutsdatum": pd.to_datetime(["2024-01-02"] * 4),
                  "enhet": ["Öster", "Väster", "Öster", "Öster"]}).to_parquet(folder / "ht_beslut.parquet")
    pd.DataFrame({"Nr": ["K1", "K2"], "ID-nummer": [SAMORDNING, "121212-1213"],
                  "Anteckning om klient": ["Söker stöd för boende", "Ok"],
                  "Datum": ["2024-03-01", "2024-03-02"]}).to_csv(folder / "Klienter.csv", sep=";",
                                                                  index=False, encoding="cp1252")
    pd.DataFrame({"person_id": ["P1", "P2"], "namnare": [1200, 1300], "Adress": ["Storgatan 1", "Lillgatan 22"],
                  "Namn": ["Karin Prov", "Nils Test"]}).to_excel(folder / "kontakter.xlsx", index=False)
    pd.DataFrame({"anteckning_id": ["J1", "J2"], "person_id": ["JP1", "JP2"], "kon": ["kvinna", "man"],
                  "roll": ["foralder", "barn"], "datum": ["2024-01-01", "2024-01-02"],
                  "anteckning": ["Mamman berättar om oron för hemmet", "Mamman berättar om oron för hemmet"]}
                 ).to_csv(folder / "um_anteckningar.csv", index=False)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("data_dir: exporter\ntables:\n  eb_klienter:\n    file: exporter/Klienter.csv\n"
                   "    columns: {Nr: person_id, ID-nummer: personnummer, Datum: ansokningsdatum}\n",
                   encoding="utf-8")
    return load_config(cfg)


def test_same_values_as_reading_every_source_whole(exports):
    values = sensitive.sensitive_values(exports)
    assert values == _whole_read(exports)
    # and they are the right ones: names (trimmed), free text, numbers in every written form
    assert {"Greta Exempel", "Olle", "Söker stöd för boende", "Storgatan 1", "Karin Prov",
            "Mamman berättar om oron för hemmet", "121212-1213"} <= values
    assert written_forms(WOMAN) | written_forms(MAN) | written_forms(SAMORDNING) <= values
    assert not values & {"B1", "K1", "JP1", "P1", "1200", "Öster", "kvinna", "2024-01-02", "Ida"}


def test_same_values_on_the_demo_data():
    assert sensitive.sensitive_values(None) == _whole_read(None)
    assert data.sensitive_values(None) == sensitive.sensitive_values(None)


def test_only_the_sensitive_columns_are_read(exports, monkeypatch):
    """Parquet and UTF-8 CSV are never read whole: the readers that would are not called, and
    the engine is asked only for the sensitive columns."""
    def whole(*args, **kwargs):
        raise AssertionError("a source was read whole")

    monkeypatch.setattr(readers, "read_parquet", whole)
    asked = []
    view = readers.Source.view
    monkeypatch.setattr(readers.Source, "view",
                        lambda self, con, columns, name="src": asked.append((self.name, list(columns)))
                        or view(self, con, columns, name))
    values = sensitive.sensitive_values(exports)
    assert "Greta Exempel" in values
    assert dict(asked)["ht_beslut.parquet"] == ["personnummer", "klient_namn"]
    assert dict(asked)["um_anteckningar.csv"] == ["anteckning"]


def test_a_file_a_table_reads_is_read_once_whatever_the_table_is_called(exports, tmp_path, monkeypatch):
    """A file of the data folder that a configured table reads (``Klienter.csv`` as
    ``eb_klienter``) is read once, by the table, which knows its mapped names too; a workbook
    whose table reads another sheet than the first has its first sheet read as well."""
    opened = []
    real = readers.open_source
    monkeypatch.setattr(readers, "open_source", lambda spec, base, **kw: opened.append(
        (str((Path(base) / str(spec["file"])).resolve()), spec.get("sheet"))) or real(spec, base, **kw))
    values = sensitive.sensitive_values(exports)
    assert len(opened) == len(set(opened)) == 4, opened  # ht_beslut, Klienter, kontakter, um_anteckningar
    assert written_forms(SAMORDNING) <= values

    book = exports.data_dir / "kontakter.xlsx"
    with pd.ExcelWriter(book) as w:  # the table reads the second sheet; the first holds names too
        pd.DataFrame({"Namn": ["Karin Prov"]}).to_excel(w, sheet_name="Forst", index=False)
        pd.DataFrame({"Nr": ["K9"], "ID-nummer": [SAMORDNING], "Datum": ["2024-03-01"]}).to_excel(
            w, sheet_name="Klienter", index=False)
    (exports.data_dir / "Klienter.csv").unlink()
    cfg = tmp_path / "jamtools2.yml"
    cfg.write_text("data_dir: exporter\ntables:\n  eb_klienter:\n    file: exporter/kontakter.xlsx\n"
                   "    sheet: Klienter\n    columns: {Nr: person_id, ID-nummer: personnummer, "
                   "Datum: ansokningsdatum}\n", encoding="utf-8")
    opened.clear()
    values = sensitive.sensitive_values(load_config(cfg))
    assert (str(book.resolve()), "Klienter") in opened and (str(book.resolve()), None) in opened
    assert "Karin Prov" in values and written_forms(SAMORDNING) <= values


def test_sensitive_columns_by_own_and_mapped_name():
    table = TABLES["um_anteckningar"]
    columns = ["anteckning", "Text", "Namn", "Nr", "person_id", "namnare", "Kund"]
    assert sensitive.sensitive_columns(columns, {"Text": "fritext", "Kund": "kundnamn", "Nr": "person_id"},
                                       table) == ["anteckning", "Text", "Namn", "Kund"]
    assert sensitive.sensitive_columns(columns) == ["anteckning", "Namn"]  # by name alone
    # an export's header that says free text, mapped onto an id, is the id (a note's number
    # under "Anteckning"); one that says personnummer or name stays sensitive as an id
    assert sensitive.sensitive_columns(["Anteckning", "Text", "Personnummer", "Namn", "Journalnr"],
                                       {"Anteckning": "anteckning_id", "Text": "anteckning",
                                        "Personnummer": "person_id", "Namn": "person_id",
                                        "Journalnr": "anteckning_id"},
                                       table) == ["Text", "Personnummer", "Namn"]


def test_written_forms_are_looked_for_up_to_the_longest_number():
    """Only values up to PNR_MAX_LENGTH characters get their written forms: the longest way a
    personnummer is written (century, spaces around the separator) still has them."""
    longest = "19900101 - 2385"
    assert len(longest) == sensitive.PNR_MAX_LENGTH and written_forms(longest)
    assert not written_forms(" " + longest + "x")
