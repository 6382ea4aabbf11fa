"""Own data, ekonomiskt bistånd (eb_01–eb_07): exports written the way organisations write them.

Every chapter runs on an export with only its required columns (Swedish headers and codes mapped
by the configuration; `;`, decimal comma and Windows-1252; XLSX for eb_02 and for the process
map's applications; a personnummer instead of sex and age for eb_05 and for every table of the
process map, whose pseudonym then links the tables) and recovers the planted effect without
adjustment; every optional column, covariate and optional table can be missing, and the page says
what it then leaves out (the catalogue's own sentence). With no covariate no comparison is
adjusted, and the page makes no claim about alike cases except to say that the adjustment could
not be made. A selection with no rows does not crash.

Interval widths are bounded by what the counts allow: an interval for a difference in
proportions at level 1 − α has half-width about z·sqrt(p₁q₁/n₁ + p₂q₂/n₂) ≤ z·sqrt(.25/n₁ + .25/n₂)
(p·q ≤ 1/4), so its width is below 2·z·sqrt(.25/n₁ + .25/n₂) (·100 for percentage points); 10 %
is allowed on top for the score (Newcombe) interval, which is not symmetric. With z = 2 this is
the 4·sqrt(.25/n₁ + .25/n₂) of a 95 % interval; a simultaneous (Bonferroni) interval has its own z.
"""
from __future__ import annotations

import math
import re
import warnings

import pandas as pd
import pytest
from scipy.stats import norm

from jamtools.run import catalogue

from jamtools.chapters import eb

from jamtools.present import report
from jamtools.data.model import TABLES
from tests.owndata.harness import (demo_table, personnummer_for, run_chapter, write_config,
                                   write_export)

ORG = "Testkommun Försörjningsstöd"

#: The export's own headers (a case-management system's, not the model's names).
HEADERS = {
    "personnummer": "Personnummer", "kon": "Kön", "alder": "Ålder", "person_id": "Klientnr",
    "hushall_id": "Hushållsnr", "planering_id": "Planeringsnr", "insats_id": "Insatsnr",
    "ansokningsdatum": "Ansökan inkom", "datum": "Planeringsdatum", "startdatum": "Startdatum",
    "slutdatum": "Slutdatum", "enhet": "Enhet", "hushallstyp": "Hushåll", "antal_barn": "Antal barn",
    "fodd_i_sverige": "Född i Sverige", "bistand_beviljat": "Beviljat", "ohalsa": "Ohälsa",
    "aktivitetskrav": "Aktivitetskrav", "krav_arbetssokande": "Krav arbetssökande",
    "sanktion": "Sanktion", "anpassad_planering": "Anpassad planering",
    "krav_sjukintyg": "Krav läkarintyg", "samordning_varden": "Samordning vården",
    "undantag_barnomsorg": "Undantag barnomsorg", "foraldraledighet_planerad": "Föräldraledighet",
    "fragat_om_vald": "Frågat om våld", "vald_identifierat": "Våld identifierat",
    "insatstyp": "Insats", "dagar": "Dagar", "sjalvforsorjande": "Självförsörjande",
    "avslutsorsak": "Avslutsorsak", "forflyttning": "Förflyttning",
}
SEX_CODES = {"kvinna": "K", "man": "M"}
YES_NO = {"1": "Ja", "0": "Nej"}
#: Codes of the organisation's system for the model's categories.
CODES = {
    "hushallstyp": {"ensamstaende_utan_barn": "E0", "ensamstaende_med_barn": "EB",
                    "sammanboende_utan_barn": "S0", "sammanboende_med_barn": "SB"},
    "insatstyp": {"arbetsmarknadsinsats": "AMI", "praktik": "PRA", "studier": "STU", "sfi": "SFI",
                  "budget_och_skuldradgivning": "BUD", "stod_vid_ohalsa": "OHA"},
    "avslutsorsak": {"sjalvforsorjande": "Egen försörjning", "annan_ersattning": "Annan ersättning",
                     "flyttat": "Flytt", "ovrigt": "Övrigt", "pagaende": "Pågår"},
}
TABLE_SUFFIX = {"csv-sv": ".csv", "csv-utf8": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
CHAPTERS = ("eb_01_krav", "eb_02_ohalsa", "eb_03_insatser", "eb_04_foraldraansvar",
            "eb_05_vald_i_nara_relation", "eb_06_sjalvforsorjning", "eb_07_processkarta")


def _born(frame: pd.DataFrame, table: str) -> pd.Series:
    """Birth dates that give each row its age at the table's date."""
    at = pd.to_datetime(frame[TABLES[table].date_column])
    return pd.Series([d - pd.DateOffset(years=int(a)) - pd.Timedelta(days=100)
                      for d, a in zip(at, frame["alder"])], index=frame.index)


def _personnummer(demo) -> dict[str, str]:
    """One personnummer per client of the demo data (from the applications), so that every
    table of a run carries the same number for the same person."""
    k = demo_table(demo, "eb_klienter")
    return dict(zip(k["person_id"], personnummer_for(_born(k, "eb_klienter"), k["kon"], seed=7)))


def export(demo, folder, table: str, columns=None, *, drop=(), fmt: str = "csv-sv",
           pnr: dict | None = None, frame: pd.DataFrame | None = None) -> dict:
    """Write ``table`` of the demo rows as an organisation's export (Swedish headers, K/M,
    Ja/Nej and the system's own codes) and return its configuration entry.

    ``columns``: the model columns kept (default every demo column); ``drop``: columns left
    out; ``pnr``: person_id -> personnummer, written instead of sex, age and client number
    (derived on load); ``frame``: rows to write instead of the demo table.
    """
    frame = demo_table(demo, table) if frame is None else frame
    cols = [c for c in (columns or frame.columns) if c not in drop]
    out = frame[cols].copy()
    if pnr is not None:
        out.insert(0, "personnummer", frame["person_id"].map(pnr))
        out = out.drop(columns=[c for c in ("kon", "alder", "person_id") if c in out.columns])
    values: dict[str, dict] = {}
    for col in out.columns:
        model = TABLES[table].column(col) if col != "personnummer" else None
        if col == "kon":
            out[col], values[col] = out[col].map(SEX_CODES), {v: k for k, v in SEX_CODES.items()}
        elif model is not None and model.dtype == "bool":
            out[col], values[col] = out[col].map(YES_NO), {v: k for k, v in YES_NO.items()}
        elif col in CODES:
            out[col], values[col] = out[col].map(CODES[col]), {v: k for k, v in CODES[col].items()}
    names = {c: HEADERS.get(c, c) for c in out.columns}
    path = write_export(out.rename(columns=names), folder / f"{table}{TABLE_SUFFIX[fmt]}", fmt=fmt)
    spec = {"file": path.name, "columns": {v: k for k, v in names.items()}}
    if values:
        spec["values"] = values
    return spec


def run(chapter: str, folder, tables: dict, **params):
    cfg = write_config(folder / "jamtools.yml", tables, organisation=ORG)
    return run_chapter(chapter, {"config_file": str(cfg), **params}, out=folder)


def _need(chapter: str, table: str):
    return catalogue.CHAPTERS[chapter].need(table)


def required(chapter: str, table: str) -> list[str]:
    return ["kon", *_need(chapter, table).required]


def rd(ex, outcome: str, *, adjusted: bool = False, measure: str = "risk_difference_pp") -> dict:
    [row] = [c for c in ex.results["comparisons"] if c["outcome"] == outcome
             and c["measure"] == measure and c["adjusted"] is adjusted]
    return row


def width_bound(row: dict) -> float:
    """The largest width (pp) an interval for a difference in proportions can have with these
    counts (see the module docstring)."""
    z = norm.ppf(1 - (1 - row["conf_level"]) / 2)
    return 1.1 * 2 * z * 100 * math.sqrt(0.25 / row["n_a"] + 0.25 / row["n_b"])


def recovers(row: dict, planted: float, *, found: bool = True) -> None:
    where = (row["outcome"], row["estimate"], row["ci_low"], row["ci_high"], planted)
    assert not row["suppressed"], where
    assert row["ci_low"] <= planted <= row["ci_high"], where
    assert row["ci_high"] - row["ci_low"] < width_bound(row), (where, width_bound(row))
    if found:
        assert (row["ci_low"] > 0) if planted > 0 else (row["ci_high"] < 0), where


def claims(text: str) -> list[str]:
    """Claims about alike cases or adjusted comparisons left in a page's text, once the
    sentence that the adjustment could not be made is taken out."""
    text = re.sub(r"\*\*Justeringen kunde inte göras\*\*:.*?lika ärenden\.", "", text, flags=re.S)
    return re.findall(r"samma behov|lika ärenden|\bmed samma\b|\bjusterat\b(?! för)|\bJusterat\b(?! för)"
                      r"|\bjusterade?\b|justeringen görs", text)


def assert_not_adjusted(ex) -> None:
    assert ex.results["comparisons"] == [] or not any(c["adjusted"] for c in ex.results["comparisons"]
                                                      if c["measure"] != "paired_difference_pp")
    assert "Justeringen kunde inte göras" in ex.text
    assert claims(ex.text) == [], claims(ex.text)


# --- eb_01: requirements ----------------------------------------------------------------------

def test_eb_01_required_only(demo, planted_demo, tmp_path):
    """Sex (K/M) and the activity requirement (Ja/Nej), `;`-separated: the crude gap of the
    planted model (women get the requirement less often) is recovered; the other requirements
    and the adjustment are said to be left out."""
    ch = "eb_01_krav"
    ex = run(ch, tmp_path, {"eb_planering": export(demo, tmp_path, "eb_planering", required(ch, "eb_planering"))})
    row = rd(ex, "aktivitetskrav")
    recovers(row, planted_demo[ch]["aktivitetskrav"]["crude_rd_pp"])
    assert row["n_a"] + row["n_b"] == planted_demo[ch]["aktivitetskrav"]["rows"]
    assert row["conf_level"] == pytest.approx(0.95)  # one comparison: an ordinary interval
    assert {c["outcome"] for c in ex.results["comparisons"]} == {"aktivitetskrav"}
    for col in ("krav_arbetssokande", "sanktion", "hushallstyp"):
        assert _need(ch, "eb_planering").optional[col] in ex.text
    assert_not_adjusted(ex)


# --- eb_02: ill-health ------------------------------------------------------------------------

def test_eb_02_required_only(demo, tmp_path):
    """Sex and documented ill-health only (XLSX): the chapter can show how often ill-health is
    documented but none of its three comparisons; it says so and makes none."""
    ch = "eb_02_ohalsa"
    ex = run(ch, tmp_path, {"eb_planering": export(demo, tmp_path, "eb_planering", required(ch, "eb_planering"),
                                                   fmt="xlsx")})
    assert ex.results["comparisons"] == []
    rows = demo_table(demo, "eb_planering")
    for sex in ("kvinna", "man"):  # the background share, as the demo rows give it
        share = (rows.loc[rows["kon"] == sex, "ohalsa"] == "1").mean()
        assert report.percent(share) in ex.text
    for col, what in _need(ch, "eb_planering").optional.items():
        assert what in ex.text, col
    assert "kan bara visa hur ofta ohälsa finns dokumenterad" in ex.text
    assert "Justeringen kunde inte göras" in ex.text and claims(ex.text) == []


@pytest.mark.parametrize("outcome", ["anpassad_planering", "krav_sjukintyg", "samordning_varden"])
def test_eb_02_each_consideration_alone(demo, planted_demo, tmp_path, outcome):
    """Sex, ill-health and one of the three considerations (XLSX): its planted crude gap is
    recovered among clients with ill-health; coordination has no planted gap and covers 0."""
    ch = "eb_02_ohalsa"
    ex = run(ch, tmp_path, {"eb_planering": export(demo, tmp_path, "eb_planering",
                                                   [*required(ch, "eb_planering"), outcome], fmt="xlsx")})
    truth = planted_demo[ch][outcome]
    row = rd(ex, outcome)
    recovers(row, truth["crude_rd_pp"], found=truth["crude_rd_pp"] != 0)
    assert row["n_a"] + row["n_b"] == truth["rows"]
    if truth["crude_rd_pp"] == 0:
        assert row["ci_low"] <= 0 <= row["ci_high"]
    assert_not_adjusted(ex)


# --- eb_03: offered interventions -------------------------------------------------------------

def test_eb_03_required_only(demo, planted_demo, tmp_path):
    """Plannings (id, sex) and offers (planning id, sex, the system's type codes): the crude
    gaps by type are recovered; sfi needs the country of birth and is left out."""
    ch = "eb_03_insatser"
    tables = {t: export(demo, tmp_path, t, required(ch, t)) for t in ("eb_planering", "eb_insatser")}
    ex = run(ch, tmp_path, tables)
    truth = planted_demo[ch]
    outcomes = {c["outcome"] for c in ex.results["comparisons"]}
    assert outcomes == {t for t in truth if t not in ("model", "sfi")}
    for typ in outcomes:
        row = rd(ex, typ)
        found = typ in ("arbetsmarknadsinsats", "budget_och_skuldradgivning")  # resolvable at 99 %
        recovers(row, truth[typ]["crude_rd_pp"], found=found)
        assert row["n_a"] + row["n_b"] == truth[typ]["rows"]
        assert row["conf_level"] == pytest.approx(1 - 0.05 / 5)
    assert _need(ch, "eb_planering").optional["fodd_i_sverige"] in ex.text
    assert_not_adjusted(ex)


def test_eb_03_plannings_without_an_id_cannot_be_linked(demo, tmp_path):
    """An export of plannings without their id gets row numbers, which link to nothing: the
    check says the chapter cannot run (rather than counting every planning as without offers),
    and the runner does not run it."""
    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config
    from tests.owndata.harness import write_config

    ch = "eb_03_insatser"
    tables = {"eb_planering": export(demo, tmp_path, "eb_planering", ["kon", "ohalsa"]),
              "eb_insatser": export(demo, tmp_path, "eb_insatser", required(ch, "eb_insatser"))}
    report = check_inputs(load_config(write_config(tmp_path / "jamtools.yml", tables)))
    readiness = report.chapters[ch]
    assert not readiness.can_run and "eb_planering: planering_id" in readiness.text()
    assert "planering_id" not in report.tables["eb_planering"].columns


# --- eb_04: parental responsibility -----------------------------------------------------------

def test_eb_04_required_only(demo, planted_demo, tmp_path):
    """Sex and the exemption for childcare only: parents are the rows with the exemption filled
    in (it is empty for clients without children); the planted crude gap (mothers exempted more
    often) is recovered on the planted rows."""
    ch = "eb_04_foraldraansvar"
    ex = run(ch, tmp_path, {"eb_planering": export(demo, tmp_path, "eb_planering", required(ch, "eb_planering"))})
    truth = planted_demo[ch]["undantag_barnomsorg"]
    row = rd(ex, "undantag_barnomsorg")
    recovers(row, truth["crude_rd_pp"])
    assert row["n_a"] + row["n_b"] == truth["rows"]
    assert not [c for c in ex.results["comparisons"] if c["measure"] == "paired_difference_pp"]
    for col in ("foraldraledighet_planerad", "antal_barn", "hushall_id"):
        assert _need(ch, "eb_planering").optional[col] in ex.text
    assert_not_adjusted(ex)


# --- eb_05: violence --------------------------------------------------------------------------

def test_eb_05_personnummer_only(demo, planted_demo, tmp_path):
    """A personnummer instead of sex and age, and whether the client was asked about violence:
    sex and age come from the number; the planted crude gap is recovered, and the age group
    derived from it is the only adjustment (the page says household type is missing)."""
    ch = "eb_05_vald_i_nara_relation"
    spec = export(demo, tmp_path, "eb_planering", ["datum", "fragat_om_vald"], pnr=_personnummer(demo))
    assert not {"Kön", "Ålder", "Klientnr"} & set(spec["columns"])
    ex = run(ch, tmp_path, {"eb_planering": spec})
    truth = planted_demo[ch]["fragat_om_vald"]
    row = rd(ex, "fragat_om_vald")
    recovers(row, truth["crude_rd_pp"])
    assert row["n_a"] + row["n_b"] == truth["rows"]
    assert rd(ex, "fragat_om_vald", adjusted=True)["adjusted_for"] == ["aldersgrupp"]
    assert "justeringen görs bara för åldersgrupp" in ex.text
    assert _need(ch, "eb_planering").optional["vald_identifierat"] in ex.text


# --- eb_06: self-sufficiency ------------------------------------------------------------------

def test_eb_06_required_only(demo, planted_demo, tmp_path):
    """Sex and self-sufficiency only: the share who became self-sufficient is compared (the
    planted gap of the process map's step over the same rows); time, other ends and movement
    towards self-sufficiency are said to be left out."""
    ch = "eb_06_sjalvforsorjning"
    ex = run(ch, tmp_path, {"eb_utfall": export(demo, tmp_path, "eb_utfall", required(ch, "eb_utfall"))})
    truth = planted_demo["eb_07_processkarta"]["sjalvforsorjande"]
    row = rd(ex, "sjalvforsorjande")
    recovers(row, truth["crude_rd_pp"])
    assert row["n_a"] + row["n_b"] == truth["rows"]
    assert {c["measure"] for c in ex.results["comparisons"]} <= {"risk_difference_pp", "risk_ratio", "odds_ratio"}
    for col in ("dagar", "forflyttning"):
        assert _need(ch, "eb_utfall").optional[col] in ex.text
    assert_not_adjusted(ex)


def _full_utfall(demo, tmp_path, drop=(), frame=None, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ex = run("eb_06_sjalvforsorjning", tmp_path,
                 {"eb_utfall": export(demo, tmp_path, "eb_utfall", drop=drop, frame=frame)}, **params)
    return ex, [str(w.message) for w in caught]


def test_eb_06_without_end_reason_and_with_missing_values(demo, planted_demo, tmp_path):
    """The defect: without `avslutsorsak` the status coding crashed (boolean value of NA is
    ambiguous). Now the end date tells other ends from ongoing cases, rows with a missing
    self-sufficiency are left out with a reason, and the planted hazard ratio is recovered."""
    rows = demo_table(demo, "eb_utfall")
    rows.loc[rows.index[:7], "sjalvforsorjande"] = None
    ex, _ = _full_utfall(demo, tmp_path, drop=("avslutsorsak",), frame=rows)
    assert _need("eb_06_sjalvforsorjning", "eb_utfall").optional["avslutsorsak"] in ex.text
    assert "Saknar värde (självförsörjande)" in ex.text
    hr = rd(ex, "sjalvforsorjande", adjusted=True, measure="hazard_ratio")
    assert hr["ci_low"] <= planted_demo["eb_06_sjalvforsorjning"]["hazard_ratio"] <= hr["ci_high"] < 1
    assert "Annat avslut" in ex.text  # other ends told apart by the end date


def test_eb_06_without_end_reason_or_end_date(demo, tmp_path):
    """Neither reason nor end date: other ends cannot be told from ongoing cases; the curve
    counts them as ongoing and the page says it may overstate self-sufficiency."""
    ex, _ = _full_utfall(demo, tmp_path, drop=("avslutsorsak", "slutdatum"))
    assert "kan därför överskatta andelen som blir självförsörjande" in ex.text
    assert "Annat avslut" not in ex.text
    assert rd(ex, "sjalvforsorjande", adjusted=True, measure="hazard_ratio")["estimate"] < 1


def test_eb_06_without_movement_leaves_the_section_out(demo, tmp_path):
    """The defect: without `forflyttning` the page said "Det finns inga ärenden för kvinnor
    och män i urvalet" and matplotlib warned about an empty legend. Now the section is left
    out with the catalogue's sentence, and there is no such text or warning."""
    ex, caught = _full_utfall(demo, tmp_path, drop=("forflyttning",))
    assert _need("eb_06_sjalvforsorjning", "eb_utfall").optional["forflyttning"] in ex.text
    assert "Det finns inga ärenden" not in ex.text
    assert not [w for w in caught if "legend" in w.lower() or "artists" in w.lower()], caught
    assert "forflyttning" not in {c["outcome"] for c in ex.results["comparisons"]}
    assert rd(ex, "sjalvforsorjande", measure="risk_difference_pp")["conf_level"] == pytest.approx(1 - 0.05 / 2)


# --- eb_07: process map -----------------------------------------------------------------------

def test_eb_07_required_only(demo, planted_demo, tmp_path):
    """Applications only (sex and decision): the first step is compared; the planted gap
    (0.7 pp crude, none at equal household) is far below what 3 000 applications can resolve,
    so the interval covers it and 0. The later steps are said to be left out."""
    ch = "eb_07_processkarta"
    ex = run(ch, tmp_path, {"eb_klienter": export(demo, tmp_path, "eb_klienter", required(ch, "eb_klienter"))})
    truth = planted_demo[ch]["bistand_beviljat"]
    row = rd(ex, "bistand_beviljat")
    recovers(row, truth["crude_rd_pp"], found=False)
    assert row["ci_low"] <= 0 <= row["ci_high"] and row["n_a"] + row["n_b"] == truth["rows"]
    assert {c["outcome"] for c in ex.results["comparisons"]} == {"bistand_beviljat"}
    for table in ("eb_planering", "eb_insatser", "eb_utfall"):
        assert _need(ch, table).without in ex.text
    assert_not_adjusted(ex)


def test_eb_07_personnummer_links_the_tables(demo, planted_demo, tmp_path):
    """Every table with a personnummer instead of sex, age and client number (applications
    as XLSX): the pseudonyms of one run link the applicants to their plannings and outcomes,
    so every step rests on the planted rows and recovers the planted crude gap."""
    ch = "eb_07_processkarta"
    pnr = _personnummer(demo)
    tables = {
        "eb_klienter": export(demo, tmp_path, "eb_klienter", ["ansokningsdatum", "bistand_beviljat"],
                              pnr=pnr, fmt="xlsx"),
        "eb_planering": export(demo, tmp_path, "eb_planering", ["planering_id", "datum"], pnr=pnr),
        "eb_insatser": export(demo, tmp_path, "eb_insatser", ["planering_id", "startdatum"], pnr=pnr),
        "eb_utfall": export(demo, tmp_path, "eb_utfall", ["startdatum", "sjalvforsorjande"], pnr=pnr),
    }
    assert all("Kön" not in spec["columns"] for spec in tables.values())
    ex = run(ch, tmp_path, tables)
    truth = planted_demo[ch]
    for step in ("bistand_beviljat", "planering", "insats", "sjalvforsorjande"):
        row = rd(ex, step)
        recovers(row, truth[step]["crude_rd_pp"], found=step in ("planering", "sjalvforsorjande"))
        assert row["n_a"] + row["n_b"] == truth[step]["rows"], step
        assert row["conf_level"] == pytest.approx(1 - 0.05 / 5)
    whole = rd(ex, "ansokan_till_sjalvforsorjande")
    assert whole["n_a"] + whole["n_b"] == truth["bistand_beviljat"]["rows"]
    assert_not_adjusted(ex)


def test_eb_07_without_ids_the_later_steps_are_left_out(demo, tmp_path):
    """Applications and outcomes without client number or personnummer: row numbers link
    nothing, so only the first step is made, and the page says why."""
    ch = "eb_07_processkarta"
    ex = run(ch, tmp_path, {
        "eb_klienter": export(demo, tmp_path, "eb_klienter", ["kon", "bistand_beviljat"]),
        "eb_utfall": export(demo, tmp_path, "eb_utfall", ["kon", "sjalvforsorjande"])})
    assert {c["outcome"] for c in ex.results["comparisons"]} == {"bistand_beviljat"}
    assert _need(ch, "eb_klienter").optional["person_id"] in ex.text


# --- every optional column, covariate and table ------------------------------------------------

def _drops() -> list[tuple[str, str, str | None]]:
    """(chapter, table, column or None for the whole table) for every optional part."""
    out = []
    for ch in CHAPTERS:
        for need in catalogue.CHAPTERS[ch].needs:
            if need.without:
                out.append((ch, need.table, None))
            cols = [*need.optional, *(catalogue.DERIVED.get(c, c) for c in need.covariates)]
            out += [(ch, need.table, c) for c in dict.fromkeys(cols)]
    return out


def _sentence(ch: str, table: str, column: str | None) -> str:
    need = _need(ch, table)
    if column is None:
        return need.without
    if column in need.optional:
        return need.optional[column]
    covariate = next(c for c in need.covariates if catalogue.DERIVED.get(c, c) == column)
    if len(need.covariates) > 1:  # the others remain: the adjustment is made without it
        return f"Data saknar uppgift om {report.covariates_text([covariate])}: justeringen görs bara för"
    if sum(bool(n.covariates) for n in catalogue.CHAPTERS[ch].needs) > 1:  # other tables' steps adjusted
        return (f"saknar {report.covariates_text([covariate])}: de steg som bygger på dem jämförs "
                "bara utan justering")
    return catalogue.no_adjustment_text(need.covariates)


@pytest.mark.parametrize("ch, table, column", _drops(),
                         ids=lambda v: "hela tabellen" if v is None else str(v))
def test_each_optional_part_can_be_missing(demo, tmp_path, ch, table, column):
    """The chapter's tables in full, minus one optional column or covariate (or one optional
    table): the chapter runs and says, in the catalogue's words, what it leaves out."""
    tables = {}
    for need in catalogue.CHAPTERS[ch].needs:
        if need.table == table and column is None:
            continue
        drop = (column,) if need.table == table and column is not None else ()
        tables[need.table] = export(demo, tmp_path, need.table, drop=drop)
    ex = run(ch, tmp_path, tables)
    assert _sentence(ch, table, column) in ex.text
    assert ex.results["comparisons"], "the chapter still compares what the data allow"
    if column is not None:
        names = {column} | {c for c in _need(ch, table).covariates if catalogue.DERIVED.get(c) == column}
        for c in ex.results["comparisons"]:
            if ch == "eb_07_processkarta" and eb.STEP_TABLES[c["outcome"]] != table:
                continue  # a step of another table keeps its own adjustment
            assert not names & set(c["adjusted_for"]) and c["outcome"] != column, c


# --- no covariate, no rows ----------------------------------------------------------------------

@pytest.mark.parametrize("ch", CHAPTERS)
def test_no_covariate_no_adjusted_claim(demo, tmp_path, ch):
    """Every table with only its required columns (and the optional outcomes, which are not
    covariates): no comparison is adjusted, the page says the adjustment could not be made,
    and nowhere claims to compare alike cases."""
    tables = {}
    for need in catalogue.CHAPTERS[ch].needs:
        covariates = {catalogue.DERIVED.get(c, c) for c in need.covariates}
        keep = [c for c in ("kon", *need.required, *need.optional) if c not in covariates]
        tables[need.table] = export(demo, tmp_path, need.table, keep)
    ex = run(ch, tmp_path, tables)
    assert ex.results["comparisons"]
    assert_not_adjusted(ex)


@pytest.mark.parametrize("ch", CHAPTERS)
def test_no_rows_after_the_period(demo, tmp_path, ch):
    """A period after every row: the chapter runs, shows why nothing is analysed and publishes
    no estimate."""
    tables = {need.table: export(demo, tmp_path, need.table) for need in catalogue.CHAPTERS[ch].needs}
    ex = run(ch, tmp_path, tables, period_start="2040-01-01")
    assert "Det finns inga rader att analysera" in ex.text
    assert all(c["estimate"] is None for c in ex.results["comparisons"])
