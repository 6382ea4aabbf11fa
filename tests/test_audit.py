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
    assert "Kön saknas helt i beslut om hemtjänst (`ht_beslut`)" in text
    assert "ansökningar om ekonomiskt bistånd (`eb_klienter`): känt kön i 80,0\u00a0%" in text
    comparisons = audit.audit_comparisons(summary, not_supplied=["ks_elever"])
    ks = comparisons[comparisons["outcome"] == "ks_elever"]
    assert set(ks["warning"]) == {"Tabellen saknas"} and ks["estimate"].isna().all()
    known = comparisons[(comparisons["outcome"] == "eb_klienter")
                        & (comparisons["measure"] == "share_known_sex")].iloc[0]
    assert known["estimate"] == pytest.approx(0.8) and known["n_b"] == 3000


def test_small_unknown_counts_are_suppressed_with_a_complement(tmp_path):
    audits = _audited(tmp_path, "eb_klienter", lambda eb: eb.assign(kon=["", "", *eb["kon"].iloc[2:]]))
    disclosed = audit.disclose_audit(audits, threshold=5)
    row = disclosed.set_index("kategori")["antal"]
    assert pd.isna(row["saknas"])  # 2 rows: hidden
    # and not recoverable as rows read minus the shown cells
    assert row.isna().sum() >= 2


def _pnr(born: str, serial: int, sex: str) -> str:
    """A valid personnummer YYYYMMDD-NNNC (ninth digit odd for men), by the Luhn rule."""
    stem = born[2:] + f"{serial:02d}" + str((serial % 5) * 2 + (sex == "man"))
    for check in range(10):
        digits = [int(c) for c in stem + str(check)]
        total = sum(d * 2 - 9 * (d * 2 > 9) if i % 2 == 0 else d for i, d in enumerate(digits))
        if total % 10 == 0:
            return f"{born}-{stem[6:]}{check}"
    raise AssertionError("no check digit")


def _expected_completeness(kon, pnr, values: dict) -> dict:
    """The completeness counts computed here, row by row with pandas and the Python
    personnummer rules: a given sex code (after stripping and the configuration's recoding)
    is the model's (any case) or another code; a blank one is derived from a valid
    personnummer, else missing. Without a sex column (kon None) a blank personnummer is missing
    and an invalid one another code."""
    from jamtools.data.check import SEX_CODES_ADULT
    from jamtools.data.personnummer import parse

    out = dict.fromkeys(audit.CATEGORIES, 0)
    pnr = pd.Series(pnr, dtype="string").fillna("").str.strip()
    from_pnr = pnr.map(lambda v: parse(v).sex if v and parse(v) else None)
    if kon is None:
        cat = from_pnr.where(from_pnr.notna(), pnr.eq("").map({True: "saknas", False: "annan_kod"}))
    else:
        text = pd.Series(kon, dtype="string").fillna("").str.strip()
        text = text.map(lambda v: values.get(v, v))
        given = text.str.lower().map(SEX_CODES_ADULT).fillna("annan_kod")
        cat = given.where(text.ne(""), from_pnr.fillna("saknas"))
    for c, n in cat.value_counts().items():
        out[c] = int(n)
    return out


def test_completeness_equals_an_independent_count_on_a_messy_export(tmp_path):
    """Blank cells (empty, spaces, a non-breaking space), other codes, codes mapped in
    jamtools.yml and the model's codes in any case, a blank sex with a valid personnummer
    (derived) or an invalid one (missing), in a Windows-1252 CSV; and a workbook with a
    personnummer and no sex column (valid, invalid, blank). The audit's four counts equal the
    ones computed independently, row by row."""
    import numpy as np

    rng = np.random.default_rng(3)
    n = 240
    codes = ["kvinna", "man"] * 4 + ["", "  ", "\u00a0", "X", "Kvinna", "MAN", " m ", "K",
                                     "Kvinnlig", "Okänd", "2", "1", "\t"]
    valid = [_pnr(f"19{40 + i % 50:02d}{1 + i % 12:02d}{1 + i % 28:02d}", i % 100,
                  "man" if i % 3 else "kvinna") for i in range(n)]
    # less than a fifth of the filled-in values invalid in each column: the loads run
    pnrs = [rng.choice([v] * 12 + ["", " ", "19501301-1234", "abc"]) for v in valid]
    base = pd.read_csv(SYNTHETIC / "eb_klienter.csv", dtype=str).head(n)
    kon = list(rng.choice(codes, n))
    eb = base.drop(columns=["kon", "person_id"]).assign(**{"Kön": kon, "Pnr": pnrs})
    eb.to_csv(tmp_path / "klienter.csv", sep=";", index=False, encoding="cp1252")
    ht = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str).head(n).drop(columns=["kon", "person_id"])
    ht_pnr = [rng.choice([v] * 8 + ["", "19501301-1234", "   "]) for v in valid]
    ht.assign(personnummer=ht_pnr).to_excel(tmp_path / "hemtjanst.xlsx", index=False)
    values = {"Kvinnlig": "kvinna", "M": "man"}
    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  eb_klienter:\n    file: klienter.csv\n    columns: {Kön: kon, Pnr: personnummer}\n"
        "    values:\n      kon: {Kvinnlig: kvinna, M: man}\n"
        "  ht_beslut:\n    file: hemtjanst.xlsx\n", encoding="utf-8")
    audits = _by_name(audit.audit_tables(config=load_config(tmp_path / "jamtools.yml")))

    eb_audit, ht_audit = audits["eb_klienter"], audits["ht_beslut"]
    assert eb_audit.status == "kolumn", eb_audit.problem
    assert eb_audit.rows_read == n
    expected = _expected_completeness(kon, pnrs, values)
    assert eb_audit.completeness == expected
    # every kind of row occurs, so a count that mixes two of them would show
    assert min(expected.values()) > 0
    assert ht_audit.status == "personnummer" and ht_audit.rows_read == n
    expected = _expected_completeness(None, ht_pnr, {})
    assert ht_audit.completeness == expected and min(expected.values()) > 0


def _audited(tmp_path, table: str, edit) -> list:
    """``table`` of the synthetic data changed by ``edit`` (a DataFrame of text -> the table to
    write), written to a folder of its own and audited."""
    d = tmp_path / "data"
    d.mkdir(parents=True)
    edit(pd.read_csv(SYNTHETIC / f"{table}.csv", dtype=str, keep_default_na=False)).to_csv(
        d / f"{table}.csv", index=False)
    return audit.audit_tables(data_dir=d, tables=[table])


def _linked_export(tmp_path, *, rows=None, empty=0, other=0, duplicates=0):
    """eb_klienter (one row per person) with ``empty`` sex cells, ``other`` rows coded 'X' and
    ``duplicates`` rows sharing an id, audited; the first ``rows`` rows only."""
    def edit(eb):
        eb = eb.head(rows) if rows else eb
        eb.loc[eb.index[:empty], "kon"] = ""
        eb.loc[eb.index[empty:empty + other], "kon"] = "X"
        for i in range(duplicates):                        # a pair of rows with one id: both out
            eb.loc[eb.index[-1 - 2 * i], "person_id"] = eb.loc[eb.index[-2 - 2 * i], "person_id"]
        return eb

    audits = _audited(tmp_path, "eb_klienter", edit)
    summary = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5))
    persons = audit.disclose_persons(audits, threshold=5).set_index("kon")["antal"]
    return audits[0], summary.iloc[0], persons, audit.audit_comparisons(summary)


@pytest.mark.parametrize("kind, small", [(dict(other=1, duplicates=1), True), (dict(empty=2), True),
                                         (dict(duplicates=1), True),
                                         (dict(empty=3, other=7, duplicates=1), False)])
def test_rows_read_do_not_give_back_hidden_counts_with_the_persons(tmp_path, kind, small):
    """The page shows rows read, rows without sex, with another code and left out for other
    reasons, and persons by sex: for a table of one row per person the rows read are their
    sum. With one row of another code and a pair of duplicate ids, 3 000 rows less 1 427 women
    and 1 571 men gave back the hidden 1 + 2. Whatever is hidden, what is shown leaves the
    hidden sum at least the threshold, or the rows read are hidden too (and nothing on the
    page or in the results gives them back). 3 without sex, 7 other and 2 duplicates hide 12
    rows: the rows read stay."""
    a, row, persons, comparisons = _linked_export(tmp_path, **kind)
    shown = [row["saknas"], row["annan_kod"], row["utanfor_ovrigt"], persons["kvinna"], persons["man"]]
    assert any(pd.isna(v) for v in shown)                      # something is hidden
    rest = a.rows_read - sum(v for v in shown if pd.notna(v))
    assert (rest < 5) == small
    if not small:
        assert row["inlasta"] == 3000
        return
    assert pd.isna(row["inlasta"])
    mine = comparisons[comparisons["outcome"] == "eb_klienter"]
    assert mine["n_b"].isna().all() and mine.loc[mine["group_a"] == "kant", "n_a"].isna().all()
    for c in ("kant", "saknas", "annan_kod"):                  # a share would give R back
        share = row[f"andel_{c}"]
        assert pd.isna(share) or share in (0, 1), (c, share)
    summary = audit.audit_summary([a], audit.disclose_audit([a], threshold=5))
    shown = " ".join([audit.describe_audit(summary, not_supplied=[]), audit.answer(summary),
                      audit.audit_alt(summary), audit.audit_table(summary).frame.to_string()])
    assert "3 000" not in shown.replace("\u00a0", " ") and "3000" not in shown
    # the results file flags what it withholds, and withholds what it flags
    assert (mine["suppressed"] == mine["estimate"].isna()).all()
    assert ("visas inte hur stor del" in audit.answer(summary)) == pd.isna(row["andel_kant"])


def test_rows_read_hidden_hide_their_shares_too(tmp_path):
    """30 rows without sex in 3 000 and a pair of duplicates: the rows read are hidden (2 rows
    less), and so are the shares on them: 1,0 % without sex gives 30 / 0,01 = 3 000 rows read
    back. A share of exactly 0 (no row with another code) stays."""
    a, row, persons, comparisons = _linked_export(tmp_path, empty=30, duplicates=1)
    assert pd.isna(row["inlasta"]) and row["saknas"] == 30
    assert pd.isna(row["andel_kant"]) and pd.isna(row["andel_saknas"]) and row["andel_annan_kod"] == 0
    assert (comparisons["suppressed"] == comparisons["estimate"].isna()).all()


def test_a_known_share_of_100_percent_does_not_bound_hidden_counts(tmp_path):
    """One row without sex, one with another code: the counts and the rows read are hidden,
    but 'Känt kön 100,0 %' (3 998 of 4 000 rounded) beside the persons shown put the hidden
    rows at 2 at most: 1 each. The share is hidden with the rows read."""
    audits = _audited(tmp_path, "ht_beslut", lambda ht: ht.assign(kon=["", "X", *ht["kon"].iloc[2:]]))
    row = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5)).iloc[0]
    assert pd.isna(row["saknas"]) and pd.isna(row["annan_kod"])
    assert pd.isna(row["inlasta"]) and pd.isna(row["andel_kant"])


def test_aggregate_tables_rows_read_linked_to_the_rows_analysed(tmp_path):
    """befolkning has no persons to count, but the results file gives its rows analysed by
    sex: 1 010 rows read less 505 + 503 gave back the 2 rows of another code."""
    audits = _audited(tmp_path, "befolkning", lambda b: b.assign(kon=["X", "X", *b["kon"].iloc[2:]]))
    counts = audit.disclose_counts(audits, threshold=5)["befolkning"]
    analysed = [v for k, v in counts["analysed"].items() if k != "okant"]
    assert None not in analysed and audits[0].rows_read - sum(analysed) == 2   # what a reader could do
    row = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5)).iloc[0]
    assert pd.isna(row["annan_kod"]) and pd.isna(row["inlasta"])


def test_rows_read_stay_when_nothing_small_is_hidden(tmp_path):
    a, row, persons, _ = _linked_export(tmp_path, empty=30, other=12)
    assert row["inlasta"] == 3000 and row["andel_kant"] == pytest.approx(2958 / 3000)


def test_rows_read_linked_to_the_results_files_rows_analysed(tmp_path):
    """Reports about children: several rows per child, so the persons on the page are far
    fewer than the rows read, but the results file's counts give the rows analysed by sex:
    6 000 rows less those gave back the one row with another code."""
    audits = _audited(tmp_path, "bof_aktualiseringar", lambda t: t.assign(kon=["X", *t["kon"].iloc[1:]]))
    a = audits[0]
    assert a.unit == "personer" and sum(a.persons.values()) < a.rows_read - 5
    counts = audit.disclose_counts(audits, threshold=5)["bof_aktualiseringar"]
    analysed = [v for k, v in counts["analysed"].items() if k != "okant"]
    assert None not in analysed and a.rows_read - sum(analysed) == 1   # what a reader could do
    row = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5)).iloc[0]
    assert pd.isna(row["annan_kod"]) and pd.isna(row["inlasta"])


def test_a_share_rounded_to_all_or_none_is_hidden_not_shown_as_complete(tmp_path):
    """20 000 rows, 5 without sex and a pair of duplicates: the rows read are hidden and the
    shares kept only as shown (three decimals). 99,975 % with a known sex would read 1.0, and
    the short answer counted the table as complete with 5 rows without sex beside it; such a
    share is hidden, and the results file says so."""
    def edit(eb):
        big = pd.concat([eb.assign(person_id=eb["person_id"] + f"_{k}") for k in range(7)],
                        ignore_index=True).head(20_000)
        big.loc[big.index[:5], "kon"] = ""
        big.loc[big.index[-1], "person_id"] = big.loc[big.index[-2], "person_id"]
        return big

    audits = _audited(tmp_path, "eb_klienter", edit)
    summary = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5))
    row = summary.iloc[0]
    assert pd.isna(row["inlasta"]) and row["saknas"] == 5
    assert pd.isna(row["andel_kant"]) and pd.isna(row["andel_saknas"])
    assert "har varje rad ett känt kön" not in audit.answer(summary).replace("inte varje", "")
    comparisons = audit.audit_comparisons(summary)
    assert (comparisons["suppressed"] == comparisons["estimate"].isna()).all()


def test_rows_left_out_for_other_reasons_do_not_give_back_a_sex_the_results_hide(tmp_path):
    """Two rows of another code and twelve pairs of duplicate ids (12 women, 12 men): the results
    file hides the men's rows left out (their rows read are hidden to protect the 2), but the
    page's 24 left out for other reasons less the women's 12 gave them back, and with the men's
    rows analysed their rows read (a probe: 45 + 59 − 37 = 67, hidden in other chapters)."""
    def edit(eb):
        eb.loc[eb.index[:2], "kon"] = "X"
        for i in range(12):
            eb.loc[eb.index[-1 - 2 * i], "person_id"] = eb.loc[eb.index[-2 - 2 * i], "person_id"]
        return eb

    audits = _audited(tmp_path, "eb_klienter", edit)
    excluded = audit.disclose_counts(audits, threshold=5)["eb_klienter"]["excluded"]
    assert excluded["man"] is None and excluded["kvinna"] is not None
    summary = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5))
    assert pd.isna(summary.iloc[0]["utanfor_ovrigt"])
    table = audit.audit_table(summary).frame
    assert table.iloc[0]["Lämnade utanför av andra skäl"].startswith("..")
