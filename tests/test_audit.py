"""The sex audit (jamtools.chapters.audit): every table the run has is audited and the others are listed
as not supplied (with a configuration, only its tables, never the demo files); sex is
found in a column, derived from a personnummer or reported absent, and unknown sex is split into
missing cells and other codes, each counted exactly."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from jamtools import disclosure

from jamtools.chapters import audit
from jamtools.data.model import TABLES
from jamtools.run.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"


def _by_name(audits):
    return {a.name: a for a in audits}


@pytest.fixture(scope="module")
def synthetic_audit():
    return _by_name(audit.audit_tables(data_dir=SYNTHETIC))


def test_every_synthetic_table_is_found_with_complete_sex(synthetic_audit):
    assert set(synthetic_audit) == set(TABLES)
    for name, a in synthetic_audit.items():
        expected = "aggregerad" if name in audit.AGGREGATE_TABLES else "kolumn"
        assert a.status == expected, name
        raw = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str)
        assert a.rows_read == len(raw)
        assert a.known_share == 1.0
        assert a.completeness["saknas"] == a.completeness["annan_kod"] == 0
    # Persons per table: distinct person ids by sex, recomputed from the file.
    raw = pd.read_csv(SYNTHETIC / "bof_aktualiseringar.csv", dtype=str).drop_duplicates("person_id")
    assert synthetic_audit["bof_aktualiseringar"].persons == {
        "kvinna": int((raw["kon"] == "flicka").sum()), "man": int((raw["kon"] == "pojke").sum())}
    assert synthetic_audit["ru_ansokningar"].unit == "ansökningar"
    assert synthetic_audit["befolkning"].persons is None


@pytest.fixture()
def broken(tmp_path):
    """A copy of the synthetic data: ht_beslut without its sex column, eb_klienter with 300 rows
    coded 'X' and 300 empty (20 % unknown), ks_elever missing, bof_insatser with a personnummer
    instead of sex, and a configured table with its own column name and codes."""
    d = tmp_path / "data"
    shutil.copytree(SYNTHETIC, d)
    ht = pd.read_csv(d / "ht_beslut.csv", dtype=str)
    ht.drop(columns="kon").to_csv(d / "ht_beslut.csv", index=False)
    eb = pd.read_csv(d / "eb_klienter.csv", dtype=str, keep_default_na=False)
    eb.loc[eb.index[:300], "kon"] = "X"
    eb.loc[eb.index[300:600], "kon"] = ""
    eb.to_csv(d / "eb_klienter.csv", index=False)
    (d / "ks_elever.csv").unlink()
    ins = pd.read_csv(d / "bof_insatser.csv", dtype=str).head(10)
    ins = ins.drop(columns=["kon", "person_id"])
    ins["personnummer"] = ["19900101-2385"] * 5 + [None] * 5
    ins.to_csv(d / "bof_insatser.csv", index=False)
    ru = pd.read_csv(d / "ru_ansokningar.csv", dtype=str)
    ru = ru.rename(columns={"kon": "Kön"})
    ru["Kön"] = ru["Kön"].map({"kvinna": "K", "man": "M"})
    ru.loc[ru.index[:7], "Kön"] = "Okänd"
    ru.to_csv(tmp_path / "medel.csv", index=False)
    (d / "ru_ansokningar.csv").unlink()
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(f"data_dir: {d}\ntables:\n  ru_ansokningar:\n    file: medel.csv\n"
                   "    columns: {Kön: kon}\n    values:\n      kon: {K: kvinna, M: man}\n",
                   encoding="utf-8")
    return d, load_config(cfg)  # the run reads the configuration; the audit gets it read


def test_audit_reports_missing_tables_missing_sex_and_unknown_codes(broken):
    d, cfg = broken
    audits = _by_name(audit.audit_tables(data_dir=d, config=cfg))
    # Only the tables the run has are audited; the others are listed as not supplied.
    assert "ks_elever" not in audits
    assert audit.not_supplied(data_dir=d, config=cfg) == ["ks_elever"]
    assert audit.audit_one("ks_elever", data_dir=d, config=cfg).status == "saknas"
    ht = audits["ht_beslut"]
    assert ht.status == "saknar_kon" and not ht.has_sex and ht.rows_read == 4000
    assert ht.known_share == 0
    eb = audits["eb_klienter"]
    assert eb.status == "kolumn" and eb.rows_read == 3000
    assert eb.completeness["saknas"] == 300 and eb.completeness["annan_kod"] == 300
    assert eb.known_share == pytest.approx(0.8)
    # The loader left the 600 rows out (by sex: unknown) and counts persons with a known sex.
    assert eb.load.counts_by_sex()["excluded"].get("okant") == 600
    assert sum(eb.persons.values()) == 2400
    ins = audits["bof_insatser"]
    assert ins.status == "personnummer"
    assert ins.completeness == {"kvinna": 5, "man": 0, "saknas": 5, "annan_kod": 0}
    ru = audits["ru_ansokningar"]
    assert ru.status == "kolumn" and ru.source == "medel.csv"
    assert ru.completeness["annan_kod"] == 7 and ru.completeness["saknas"] == 0
    assert ru.completeness["kvinna"] + ru.completeness["man"] == 593


def test_disclosed_summary_hides_small_counts_and_says_what_was_found(broken):
    d, cfg = broken
    audits = audit.audit_tables(data_dir=d, config=cfg)
    summary = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5))
    assert disclosure.is_disclosed(summary)
    s = summary.set_index("tabell")
    assert s.loc["eb_klienter", "saknas"] == 300 and s.loc["eb_klienter", "annan_kod"] == 300
    # 5 rows without a personnummer, 5 women, 0 men: no count below 5 is shown, so both stay.
    assert s.loc["bof_insatser", "saknas"] == 5
    text = audit.describe_audit(summary, not_supplied=["ks_elever"])
    assert "Tabeller som inte finns i underlaget** (och därför inte granskas): kulturskolans " \
           "elever (`ks_elever`)." in text
    assert "Kön saknas helt i `ht_beslut`" in text
    assert "`eb_klienter` (känt kön i 80,0\u00a0%" in text
    comparisons = audit.audit_comparisons(summary, not_supplied=["ks_elever"])
    ks = comparisons[comparisons["outcome"] == "ks_elever"]
    assert set(ks["warning"]) == {"Tabellen saknas"} and ks["estimate"].isna().all()
    known = comparisons[(comparisons["outcome"] == "eb_klienter")
                        & (comparisons["measure"] == "share_known_sex")].iloc[0]
    assert known["estimate"] == pytest.approx(0.8) and known["n_b"] == 3000


def test_small_unknown_counts_are_suppressed_with_a_complement(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    eb = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str, keep_default_na=False)
    eb.loc[eb.index[:2], "kon"] = ""
    eb.to_csv(d / "eb_klienter.csv", index=False)
    audits = audit.audit_tables(data_dir=d, tables=["eb_klienter"])
    disclosed = audit.disclose_audit(audits, threshold=5)
    row = disclosed.set_index("kategori")["antal"]
    assert pd.isna(row["saknas"])  # 2 rows: hidden
    # and not recoverable as rows read minus the shown cells
    assert row.isna().sum() >= 2
