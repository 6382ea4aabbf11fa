"""Own data, barn och familj (bof_01–bof_06): exports written the way organisations write them.

Every chapter runs on an export with only its required columns (Swedish headers and codes
mapped by the configuration; `;`, decimal comma and Windows-1252; one XLSX; personnummer
instead of sex and age where said) and recovers the planted effect without adjustment; every
optional column and covariate can be missing, and the page says what it then leaves out (the
catalogue's own sentence). With no covariate, no comparison is adjusted and the page makes no
claim about alike cases except to say that the adjustment could not be made.

The intervals' widths are bounded by what the counts allow: a 95 % interval for a difference
in proportions has half-width about 1.96·sqrt(p₁q₁/n₁ + p₂q₂/n₂) ≤ 2·sqrt(.25/n₁ + .25/n₂)
(p·q ≤ 1/4), so its width is below 4·sqrt(.25/n₁ + .25/n₂) (times 100 for percentage points);
a simultaneous (Bonferroni) interval has its own z in place of 2.
"""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from scipy.stats import norm

from jamtools.run import catalogue

from jamtools.present import report
from jamtools.data.model import TABLES
from tests.owndata.harness import (demo_table, personnummer_for, run_chapter, write_config,
                                   write_export)

ORG = "Testkommun Barn"

#: The export's own headers (a case-management system's, not the model's names).
HEADERS = {
    "personnummer": "Personnummer", "kon": "Kön", "alder": "Ålder", "person_id": "Klientnr",
    "aktualisering_id": "Aktualiseringsnr", "utredning_id": "Utredningsnr", "insats_id": "Insatsnr",
    "datum": "Inkom", "startdatum": "Startdatum", "slutdatum": "Slutdatum", "enhet": "Enhet",
    "anmalningsorsak": "Anmälningsorsak", "orsakstyp": "Orsakstyp", "anmalare": "Anmälare",
    "utredning_inledd": "Utredning inledd", "insats_beviljad": "Beslut om insats",
    "insatstyp": "Insats", "foraldrar_sammanboende": "Föräldrar bor ihop",
    "mamma_finns": "Mor finns", "pappa_finns": "Far finns",
    "mamma_kontaktad": "Mor kontaktad", "pappa_kontaktad": "Far kontaktad",
    "mamma_samtal": "Samtal mor", "pappa_samtal": "Samtal far",
    "antal_moten_mamma": "Möten mor", "antal_moten_pappa": "Möten far",
}
SEX_CODES = {"flicka": "F", "pojke": "P"}
LABELLED = ("anmalningsorsak", "anmalare", "insatstyp", "orsakstyp")


def _born(frame: pd.DataFrame, table: str, dated: bool) -> pd.Series:
    """Birth dates that give each row its age at the table's date (or today when the export
    has no date column, as the loader then computes ages)."""
    date_col = TABLES[table].date_column
    at = (pd.to_datetime(frame[date_col]) if dated
          else pd.Series(pd.Timestamp.today().normalize(), index=frame.index))
    ages = frame["alder"].astype(int)
    return pd.Series([d - pd.DateOffset(years=int(a)) - pd.Timedelta(days=100)
                      for d, a in zip(at, ages)], index=frame.index)


def export(demo, folder, table: str, columns=None, *, drop=(), fmt: str = "csv-sv",
           pnr: bool = False, rows=None, blank=()) -> tuple[dict, pd.DataFrame]:
    """Write ``table`` of the demo rows as an organisation's export and return its
    configuration entry and the rows written (in the model's terms).

    ``columns``: the model columns kept (default every demo column); ``drop``: columns left
    out; ``pnr``: a personnummer instead of sex and age (derived on load); ``rows``: a mask;
    ``blank``: columns written with their header and an empty field in every row.
    """
    frame = demo_table(demo, table)
    if rows is not None:
        frame = frame[rows(frame)].reset_index(drop=True)
    cols = [c for c in (columns or frame.columns) if c not in drop]
    model = frame[cols].copy()
    model[list(blank)] = None
    out = model.copy()
    if pnr:
        dated = TABLES[table].date_column in cols
        out.insert(0, "personnummer", personnummer_for(_born(frame, table, dated), frame["kon"]))
        out = out.drop(columns=[c for c in ("kon", "alder", "person_id") if c in out.columns])
    values: dict[str, dict] = {}
    for col in out.columns:
        if col == "kon":
            out[col] = out[col].map(SEX_CODES)
            values[col] = {v: k for k, v in SEX_CODES.items()}
        elif col in LABELLED:
            codes = out[col].dropna().unique()
            out[col] = out[col].map(lambda v: report.VALUE_LABELS.get(v, v) if pd.notna(v) else v)
            values[col] = {report.VALUE_LABELS.get(c, c): c for c in codes}
        elif col != "personnummer" and TABLES[table].column(col).dtype == "bool":
            out[col] = out[col].map({"1": "Ja", "0": "Nej"})
            values[col] = {"Ja": "1", "Nej": "0"}
    out = out.rename(columns=HEADERS)
    suffix = "xlsx" if fmt == "xlsx" else "csv"
    name = f"{table}_export.{suffix}"
    write_export(out, folder / name, fmt=fmt)
    spec = {"file": name, "columns": {HEADERS[c]: c for c in out.columns.map(_model_name)},
            "values": values}
    return spec, model


def _model_name(header: str) -> str:
    return {v: k for k, v in HEADERS.items()}[header]


def run(chapter: str, folder, tables: dict):
    cfg = write_config(folder / "jamtools.yml", tables, organisation=ORG)
    ex = run_chapter(chapter, {"config_file": str(cfg)}, out=folder)
    assert ORG in ex.text and ex.results is not None
    return ex


def rows_of(ex, outcome: str, *, adjusted: bool = False, measure: str = "risk_difference_pp",
            **match) -> dict:
    found = [c for c in ex.results["comparisons"] if c["outcome"] == outcome
             and c["measure"] == measure and bool(c["adjusted"]) is adjusted
             and all(c.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (outcome, adjusted, match, len(found))
    return found[0]


def width_bound(n1: int, n2: int, conf_level: float = 0.95) -> float:
    """Upper bound of a difference-in-proportions interval's width, in percentage points:
    2·z·sqrt(.25/n₁ + .25/n₂)·100, with z rounded up to 2 at 95 %."""
    z = 2.0 if conf_level == 0.95 else norm.ppf(1 - (1 - conf_level) / 2)
    return 2 * z * 100 * math.sqrt(0.25 / n1 + 0.25 / n2)


def assert_recovers(row: dict, planted: float, n1: int, n2: int, *, zero_excluded: bool = True):
    assert row["ci_low"] <= planted <= row["ci_high"], (row["estimate"], planted)
    if zero_excluded:
        assert not row["ci_low"] <= 0 <= row["ci_high"], row
    assert row["ci_high"] - row["ci_low"] < width_bound(n1, n2, row["conf_level"])
    assert (row["n_a"], row["n_b"]) == (n1, n2)  # every exported row analysed


def sexes(model: pd.DataFrame, mask=None) -> tuple[int, int]:
    sub = model if mask is None else model[mask]
    return int((sub["kon"] == "flicka").sum()), int((sub["kon"] == "pojke").sum())


def no_adjustment_claim(ex, *, said: bool = True) -> None:
    """No adjusted comparison in the results, no claim about alike cases in the page; the
    sentence that the adjustment could not be made is shown (``said``)."""
    assert not any(c["adjusted"] for c in ex.results["comparisons"])
    text = ex.text
    if said:
        assert "**Justeringen kunde inte göras**" in text
    text = re.sub(r"\*\*Justeringen kunde inte göras\*\*.*?lika ärenden\.", "", text, flags=re.S)
    for claim in ("samma behov", "lika ärenden", "Justerat", "med samma", "justerade"):
        assert claim not in text, claim


def optional_sentence(chapter: str, table: str, column: str) -> str:
    what = catalogue.CHAPTERS[chapter].need(table).optional[column]
    return f"Data saknar uppgift om {report.covariates_text([column])}: {what}."


def covariate_sentence(column: str) -> str:
    return f"Data saknar uppgift om {report.covariates_text([column])}: justeringen görs bara för"


# --- bof_01: is an investigation opened as often? -------------------------------------------

BOF01 = "bof_01_utredning_inleds"


def test_bof_01_required_only(demo, planted_demo, tmp_path):
    spec, model = export(demo, tmp_path, "bof_aktualiseringar", ["kon", "utredning_inledd"])
    ex = run(BOF01, tmp_path, {"bof_aktualiseringar": spec})
    truth = planted_demo[BOF01]["utredning_inledd"]
    assert_recovers(rows_of(ex, "utredning_inledd"), truth["crude_rd_pp"], *sexes(model))
    no_adjustment_claim(ex)
    assert optional_sentence(BOF01, "bof_aktualiseringar", "orsakstyp") in ex.text


def test_bof_01_personnummer_gives_sex_and_age(demo, planted_demo, tmp_path):
    """No sex or age column: both come from the personnummer, and the age group is adjusted
    for with the reason and the reporter."""
    spec, model = export(demo, tmp_path, "bof_aktualiseringar", pnr=True)
    ex = run(BOF01, tmp_path, {"bof_aktualiseringar": spec})
    truth = planted_demo[BOF01]["utredning_inledd"]
    adj = rows_of(ex, "utredning_inledd", adjusted=True)
    assert set(adj["adjusted_for"]) == {"aldersgrupp", "anmalningsorsak", "anmalare"}
    assert_recovers(adj, truth["adjusted_rd_pp"], *sexes(model))
    assert "Justeringen kunde inte göras" not in ex.text


# --- bof_02: does an investigation lead to insats as often? ---------------------------------

BOF02 = "bof_02_utredning_till_insats"


def test_bof_02_required_only(demo, planted_demo, tmp_path):
    spec, model = export(demo, tmp_path, "bof_utredningar", ["kon", "insats_beviljad"])
    ex = run(BOF02, tmp_path, {"bof_utredningar": spec})
    truth = planted_demo[BOF02]["insats_beviljad"]
    assert_recovers(rows_of(ex, "insats_beviljad"), truth["crude_rd_pp"], *sexes(model))
    no_adjustment_claim(ex)


@pytest.mark.parametrize("with_reports", ["none", "half"])
def test_bof_02_reference_to_reports_not_used(demo, tmp_path, with_reports):
    """An export with the report id but no report table (or one covering half the reports):
    bof_02 does not use the id, so no row is left out as a dangling reference."""
    spec, model = export(demo, tmp_path, "bof_utredningar",
                         ["utredning_id", "aktualisering_id", "kon", "insats_beviljad"])
    tables = {"bof_utredningar": spec}
    if with_reports == "half":
        tables["bof_aktualiseringar"], _ = export(
            demo, tmp_path, "bof_aktualiseringar", ["aktualisering_id", "kon", "utredning_inledd"],
            rows=lambda f: f.index % 2 == 0)
    ex = run(BOF02, tmp_path, {**tables})
    counts = ex.results["counts"]["bof_utredningar"]
    girls, boys = sexes(model)
    assert counts["analysed"] == {"flicka": girls, "pojke": boys}
    assert sum(counts["excluded"].values()) == 0
    assert "Hänvisar" not in ex.text
    row = rows_of(ex, "insats_beviljad")
    assert (row["n_a"], row["n_b"]) == (girls, boys)


# --- bof_03: types of insats -----------------------------------------------------------------

BOF03 = "bof_03_typ_av_insats"
TYPES_CONF = 1 - 0.05 / 6


def test_bof_03_required_only(demo, planted_demo, tmp_path):
    spec, model = export(demo, tmp_path, "bof_insatser", ["kon", "insatstyp"])
    ex = run(BOF03, tmp_path, {"bof_insatser": spec})
    truth = planted_demo[BOF03]
    n1, n2 = sexes(model)
    half_width = width_bound(n1, n2, TYPES_CONF) / 2
    for typ, values in truth["insatstyp"].items():
        row = rows_of(ex, typ)
        assert row["conf_level"] == pytest.approx(TYPES_CONF)
        # Zero is excluded where the planted gap is larger than the interval's half-width
        # bound; smaller planted gaps (e.g. 4–6 pp here) cannot be told from zero with six
        # simultaneous intervals on these counts.
        assert_recovers(row, values["crude_rd_pp"], n1, n2,
                        zero_excluded=abs(values["crude_rd_pp"]) > half_width)
    d = rows_of(ex, "insatstyp", measure="dissimilarity_index")
    assert d["ci_low"] <= truth["dissimilarity_index"] <= d["ci_high"] and d["ci_low"] > 0
    no_adjustment_claim(ex)
    assert optional_sentence(BOF03, "bof_insatser", "utredning_id") in ex.text


def _bof_03_tables(demo, folder, *, insatser_drop=(), utredningar_drop=(), utredningar=True):
    tables = {"bof_insatser": export(demo, folder, "bof_insatser", drop=insatser_drop)[0]}
    if utredningar:
        tables["bof_utredningar"] = export(demo, folder, "bof_utredningar",
                                           drop=utredningar_drop)[0]
    return tables


def test_bof_03_linked_adjusts_for_reason_type(demo, planted_demo, tmp_path):
    ex = run(BOF03, tmp_path, _bof_03_tables(demo, tmp_path))
    for typ, values in planted_demo[BOF03]["insatstyp"].items():
        row = rows_of(ex, typ, adjusted=True)
        assert row["adjusted_for"] == ["orsakstyp"]
        assert row["ci_low"] <= values["adjusted_rd_pp"] <= row["ci_high"], typ
    assert "Justeringen kunde inte göras" not in ex.text


@pytest.mark.parametrize("case", ["no_link_in_insatser", "no_utredningar", "no_reason",
                                  "row_numbered_utredningar"])
def test_bof_03_without_the_link(demo, tmp_path, case):
    kwargs = {"no_link_in_insatser": {"insatser_drop": ["utredning_id"]},
              "no_utredningar": {"utredningar": False},
              "no_reason": {"utredningar_drop": ["anmalningsorsak", "orsakstyp"]},
              "row_numbered_utredningar": {"utredningar_drop": ["utredning_id"]}}[case]
    ex = run(BOF03, tmp_path, _bof_03_tables(demo, tmp_path, **kwargs))
    need = catalogue.CHAPTERS[BOF03].need("bof_utredningar")
    expected = {
        "no_link_in_insatser": optional_sentence(BOF03, "bof_insatser", "utredning_id"),
        "no_utredningar": need.without,
        "no_reason": catalogue.no_adjustment_text(["orsakstyp"]),
        # an id numbered from the row position links nothing: as if the table were absent
        "row_numbered_utredningar": need.without,
    }[case]
    assert expected in ex.text
    no_adjustment_claim(ex)
    # every insats is analysed: none is left out for want of its investigation
    assert sum(ex.results["counts"]["bof_insatser"]["excluded"].values()) == 0


# --- bof_04: reasons and reporters ----------------------------------------------------------

BOF04 = "bof_04_anmalningsorsak_och_anmalare"


def test_bof_04_required_only_xlsx(demo, planted_demo, tmp_path):
    spec, model = export(demo, tmp_path, "bof_aktualiseringar", ["kon", "anmalningsorsak"],
                         fmt="xlsx")
    ex = run(BOF04, tmp_path, {"bof_aktualiseringar": spec})
    truth = planted_demo[BOF04]["beteende"]
    assert_recovers(rows_of(ex, "beteende"), truth["crude_rd_pp"], *sexes(model))
    assert not [c for c in ex.results["comparisons"] if c["outcome"] == "anmalare_polis"]
    assert optional_sentence(BOF04, "bof_aktualiseringar", "anmalare") in ex.text
    no_adjustment_claim(ex)


def test_bof_04_without_age(demo, planted_demo, tmp_path):
    """Without age the reason type is compared only crude; the reporter comparison is still
    made among reports with the same reason, and the page says the adjustment is for the
    reason only."""
    spec, model = export(demo, tmp_path, "bof_aktualiseringar", drop=["alder"])
    ex = run(BOF04, tmp_path, {"bof_aktualiseringar": spec})
    assert covariate_sentence("aldersgrupp") in ex.text
    assert not [c for c in ex.results["comparisons"] if c["outcome"] == "beteende" and c["adjusted"]]
    police = rows_of(ex, "anmalare_polis", adjusted=True)
    assert police["adjusted_for"] == ["anmalningsorsak"]
    truth = planted_demo[BOF04]["anmalare_polis"]
    assert_recovers(rows_of(ex, "anmalare_polis"), truth["crude_rd_pp"], *sexes(model))
    assert police["ci_low"] <= truth["adjusted_rd_pp"] <= police["ci_high"]


def test_bof_04_without_reporter(demo, tmp_path):
    spec, _ = export(demo, tmp_path, "bof_aktualiseringar", drop=["anmalare"])
    ex = run(BOF04, tmp_path, {"bof_aktualiseringar": spec})
    assert optional_sentence(BOF04, "bof_aktualiseringar", "anmalare") in ex.text
    assert rows_of(ex, "beteende", adjusted=True)["adjusted_for"] == ["aldersgrupp"]
    assert "kunde inte göras" not in ex.text


# --- bof_05: mothers and fathers --------------------------------------------------------------

BOF05 = "bof_05_bemotande_av_foraldrar"


def test_bof_05_required_only_personnummer(demo, planted_demo, tmp_path):
    """Personnummer instead of sex (and age); only whether each parent was contacted."""
    spec, model = export(demo, tmp_path, "bof_utredningar",
                         ["kon", "alder", "mamma_kontaktad", "pappa_kontaktad"], pnr=True)
    assert "Kön" not in spec["columns"] and "Ålder" not in spec["columns"]
    ex = run(BOF05, tmp_path, {"bof_utredningar": spec})
    truth = planted_demo[BOF05]
    mothers = int(model["mamma_kontaktad"].notna().sum())
    fathers = int(model["pappa_kontaktad"].notna().sum())
    row = rows_of(ex, "kontaktad", group_a="mamma")
    assert row["ci_low"] <= truth["mother_minus_father_contacted_pp"] <= row["ci_high"]
    assert row["ci_low"] > 0
    assert row["ci_high"] - row["ci_low"] < width_bound(mothers, fathers)
    assert not [c for c in ex.results["comparisons"] if c["outcome"] in ("samtal", "moten")]
    for col in ("mamma_finns", "pappa_samtal", "antal_moten_mamma", "foraldrar_sammanboende"):
        assert optional_sentence(BOF05, "bof_utredningar", col) in ex.text
    no_adjustment_claim(ex, said=False)  # the chapter adjusts for nothing, so it says nothing


def test_bof_05_keeps_investigations_with_one_parent(demo, tmp_path):
    spec, model = export(demo, tmp_path, "bof_utredningar",
                         ["kon", "mamma_kontaktad", "pappa_kontaktad"])
    ex = run(BOF05, tmp_path, {"bof_utredningar": spec})
    mothers = int(model["mamma_kontaktad"].notna().sum())
    fathers = int(model["pappa_kontaktad"].notna().sum())
    assert mothers < len(model) and fathers < len(model)  # the demo has one-parent cases
    row = rows_of(ex, "kontaktad", group_a="mamma")
    assert (row["n_a"], row["n_b"]) == (mothers, fathers)


def test_bof_05_a_handful_of_investigations_is_not_counted_aloud(demo, tmp_path):
    """Three investigations with both parents: six parents, but three investigations, a
    count below the threshold; the page does not give it."""
    def three_with_both(f):
        both = f["mamma_kontaktad"].notna() & f["pappa_kontaktad"].notna()
        return both & (both.cumsum() <= 3)

    spec, model = export(demo, tmp_path, "bof_utredningar", ["utredning_id", "kon", "mamma_kontaktad",
                                                               "pappa_kontaktad"], rows=three_with_both)
    assert len(model) == 3
    ex = run(BOF05, tmp_path, {"bof_utredningar": spec})
    assert "Jämförelsen bygger på" not in ex.text and "3 utredningar" not in ex.text
    assert "Underlaget är för litet för att visas." in ex.text


def test_bof_05_no_small_count_follows_from_parents_and_investigations(demo, tmp_path):
    """3 investigations with both parents and 7 with one: 13 parents in 10 investigations
    would give the 3 away (13 − 10); the sentence is not shown."""
    def mixed(f):
        both = f["mamma_kontaktad"].notna() & f["pappa_kontaktad"].notna()
        one = f["mamma_kontaktad"].notna() ^ f["pappa_kontaktad"].notna()
        return (both & (both.cumsum() <= 3)) | (one & (one.cumsum() <= 7))

    spec, model = export(demo, tmp_path, "bof_utredningar", ["utredning_id", "kon", "mamma_kontaktad",
                                                               "pappa_kontaktad"], rows=mixed)
    assert len(model) == 10
    ex = run(BOF05, tmp_path, {"bof_utredningar": spec})
    assert "Jämförelsen bygger på" not in ex.text


@pytest.mark.parametrize("column", list(catalogue.CHAPTERS[BOF05].need("bof_utredningar").optional))
def test_bof_05_optional_column_missing(demo, tmp_path, column):
    spec, _ = export(demo, tmp_path, "bof_utredningar", drop=[column])
    ex = run(BOF05, tmp_path, {"bof_utredningar": spec})
    assert optional_sentence(BOF05, "bof_utredningar", column) in ex.text
    outcomes = {c["outcome"] for c in ex.results["comparisons"]}
    if "samtal" in column:
        assert "samtal" not in outcomes
    if "moten" in column:
        assert "moten" not in outcomes
    assert "kontaktad" in outcomes


# --- bof_06: the process map -----------------------------------------------------------------

BOF06 = "bof_06_processkarta"
STEP3 = "insats_per_anmalan"


def test_bof_06_required_only(demo, planted_demo, tmp_path):
    spec, model = export(demo, tmp_path, "bof_aktualiseringar", ["kon", "utredning_inledd"])
    ex = run(BOF06, tmp_path, {"bof_aktualiseringar": spec})
    truth = planted_demo[BOF06]
    assert_recovers(rows_of(ex, "utredning_inledd"), truth["utredning_inledd"]["crude_rd_pp"],
                    *sexes(model))
    assert {c["outcome"] for c in ex.results["comparisons"]} == {"utredning_inledd"}
    assert catalogue.CHAPTERS[BOF06].need("bof_utredningar").without in ex.text
    no_adjustment_claim(ex, said=False)


def test_bof_06_linked_shows_the_whole_chain(demo, planted_demo, tmp_path):
    a, anm = export(demo, tmp_path, "bof_aktualiseringar",
                    ["aktualisering_id", "kon", "utredning_inledd"])
    u, utr = export(demo, tmp_path, "bof_utredningar",
                    ["aktualisering_id", "kon", "insats_beviljad"], fmt="xlsx")
    ex = run(BOF06, tmp_path, {"bof_aktualiseringar": a, "bof_utredningar": u})
    truth = planted_demo[BOF06]
    assert_recovers(rows_of(ex, "insats_beviljad"), truth["insats_beviljad"]["crude_rd_pp"],
                    *sexes(utr))
    chain = rows_of(ex, STEP3)
    assert_recovers(chain, truth[STEP3]["crude_rd_pp"], *sexes(anm), zero_excluded=False)
    assert chain["ci_low"] <= 0 <= chain["ci_high"]  # planted: the two steps cancel out
    assert "Data saknar" not in ex.text


@pytest.mark.parametrize("case", ["no_link_in_utredningar", "row_numbered_reports",
                                  "empty_report_ids", "no_utredningar", "no_reports"])
def test_bof_06_shows_the_steps_it_can(demo, tmp_path, case):
    """Each step the tables allow. A report id given but empty in every row is as none (the
    reports are numbered by row): every report is analysed, not left out as without an id."""
    tables = {}
    if case != "no_reports":
        a_cols = (["kon", "utredning_inledd"] if case == "row_numbered_reports"
                  else ["aktualisering_id", "kon", "utredning_inledd"])
        tables["bof_aktualiseringar"] = export(
            demo, tmp_path, "bof_aktualiseringar", a_cols,
            blank=["aktualisering_id"] if case == "empty_report_ids" else [])[0]
    if case != "no_utredningar":
        u_cols = (["kon", "insats_beviljad"] if case == "no_link_in_utredningar"
                  else ["aktualisering_id", "kon", "insats_beviljad"])
        tables["bof_utredningar"] = export(demo, tmp_path, "bof_utredningar", u_cols)[0]
    ex = run(BOF06, tmp_path, tables)
    outcomes = {c["outcome"] for c in ex.results["comparisons"]}
    if case in ("no_utredningar", "no_reports"):
        missing = "bof_utredningar" if case == "no_utredningar" else "bof_aktualiseringar"
        assert outcomes == ({"utredning_inledd"} if case == "no_utredningar" else {"insats_beviljad"})
        assert catalogue.CHAPTERS[BOF06].need(missing).without in ex.text
        assert set(ex.results["counts"]) == set(tables)
    else:
        assert outcomes == {"utredning_inledd", "insats_beviljad"}
        table = "bof_utredningar" if case == "no_link_in_utredningar" else "bof_aktualiseringar"
        assert sum(ex.results["counts"]["bof_aktualiseringar"]["analysed"].values()) == len(
            demo_table(demo, "bof_aktualiseringar"))
        sentence = optional_sentence(BOF06, table, "aktualisering_id")
        assert ex.text.count(sentence) == 1
    assert sum(sum(c["excluded"].values()) for c in ex.results["counts"].values()) == 0
    no_adjustment_claim(ex, said=False)


def test_bof_06_dangling_reports_are_counted(demo, tmp_path):
    """With both tables, an investigation whose report is not in the report table is left
    out and the page says so (the reference is used: it links the chain)."""
    a, _ = export(demo, tmp_path, "bof_aktualiseringar",
                  ["aktualisering_id", "kon", "utredning_inledd"], rows=lambda f: f.index % 2 == 0)
    u, utr = export(demo, tmp_path, "bof_utredningar", ["aktualisering_id", "kon", "insats_beviljad"])
    ex = run(BOF06, tmp_path, {"bof_aktualiseringar": a, "bof_utredningar": u})
    excluded = sum(ex.results["counts"]["bof_utredningar"]["excluded"].values())
    assert 0 < excluded < len(utr)
    assert "Hänvisar till en rad som saknas i aktualiseringar om barn" in ex.text


# --- Every optional column and covariate of bof_01, bof_02 and bof_04 --------------------------

#: (chapter, table, what is dropped, the sentence the page must show). The reason type is
#: derived from the reason, so without it both are gone.
OPTIONAL_CASES = [
    (BOF01, "bof_aktualiseringar", ["orsakstyp", "anmalningsorsak"],
     optional_sentence(BOF01, "bof_aktualiseringar", "orsakstyp")),
    (BOF01, "bof_aktualiseringar", ["alder"], covariate_sentence("aldersgrupp")),
    (BOF01, "bof_aktualiseringar", ["anmalningsorsak"], covariate_sentence("anmalningsorsak")),
    (BOF01, "bof_aktualiseringar", ["anmalare"], covariate_sentence("anmalare")),
    (BOF02, "bof_utredningar", ["orsakstyp", "anmalningsorsak"],
     optional_sentence(BOF02, "bof_utredningar", "orsakstyp")),
    (BOF02, "bof_utredningar", ["alder"], covariate_sentence("aldersgrupp")),
    (BOF02, "bof_utredningar", ["anmalningsorsak"], covariate_sentence("anmalningsorsak")),
    (BOF04, "bof_aktualiseringar", ["anmalare"],
     optional_sentence(BOF04, "bof_aktualiseringar", "anmalare")),
    (BOF04, "bof_aktualiseringar", ["alder"], covariate_sentence("aldersgrupp")),
]


def test_every_optional_column_and_covariate_is_covered():
    covered = {(ch, c) for ch, _, dropped, _ in OPTIONAL_CASES for c in dropped}
    covered |= {(ch, "aldersgrupp") for ch, _, dropped, _ in OPTIONAL_CASES if "alder" in dropped}
    for ch in (BOF01, BOF02, BOF04):
        need = catalogue.CHAPTERS[ch].needs[0]
        for col in (*need.optional, *need.covariates):
            if col in need.required:  # a required covariate (bof_04's reason) is always there
                continue
            assert (ch, col) in covered, (ch, col)


@pytest.mark.parametrize("chapter,table,dropped,sentence", OPTIONAL_CASES,
                         ids=[f"{c[:6]}-{'+'.join(d)}" for c, _, d, _ in OPTIONAL_CASES])
def test_optional_column_missing(demo, tmp_path, chapter, table, dropped, sentence):
    spec, _ = export(demo, tmp_path, table, drop=dropped)
    ex = run(chapter, tmp_path, {table: spec})
    assert sentence in ex.text
    gone = set(dropped) | ({"aldersgrupp"} if "alder" in dropped else set())
    adjusted = [c for c in ex.results["comparisons"] if c["adjusted"]]
    assert adjusted  # the other covariates are still adjusted for
    for c in adjusted:
        assert not set(c["adjusted_for"]) & gone, c["adjusted_for"]


# --- Nothing left after the filters -----------------------------------------------------------

#: Per chapter: the tables and columns of a small export with dates (so a period can be chosen).
ZERO_ROWS = {
    BOF01: {"bof_aktualiseringar": ["kon", "datum", "utredning_inledd", "anmalningsorsak"]},
    BOF02: {"bof_utredningar": ["kon", "startdatum", "insats_beviljad", "anmalningsorsak"]},
    BOF03: {"bof_insatser": ["kon", "startdatum", "utredning_id", "insatstyp"],
            "bof_utredningar": ["utredning_id", "kon", "anmalningsorsak"]},
    BOF04: {"bof_aktualiseringar": ["kon", "datum", "anmalningsorsak", "anmalare"]},
    BOF05: {"bof_utredningar": ["kon", "startdatum", "mamma_kontaktad", "pappa_kontaktad",
                                "mamma_samtal", "pappa_samtal"]},
    BOF06: {"bof_aktualiseringar": ["aktualisering_id", "kon", "datum", "utredning_inledd"],
            "bof_utredningar": ["aktualisering_id", "kon", "startdatum", "insats_beviljad"]},
}


@pytest.mark.parametrize("chapter", list(ZERO_ROWS))
def test_zero_rows_after_the_period(demo, tmp_path, chapter):
    tables = {t: export(demo, tmp_path, t, cols)[0] for t, cols in ZERO_ROWS[chapter].items()}
    cfg = write_config(tmp_path / "jamtools.yml", tables, organisation=ORG)
    ex = run_chapter(chapter, {"config_file": str(cfg), "period_start": "2031-01-01"}, out=tmp_path)
    first = next(iter(ZERO_ROWS[chapter]))
    assert sum(ex.results["counts"][first]["analysed"].values()) == 0
    assert "Utanför den valda perioden" in ex.text
    assert not any(c["adjusted"] and c["estimate"] is not None for c in ex.results["comparisons"])
