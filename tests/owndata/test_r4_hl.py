"""Own data for the 4R chapters (r4_01–r4_05) and the sex audit (hl_01), run in-process.

Every export is made from freshly generated demo rows (never data/synthetic/) and written the way
organisations write them: Swedish headers mapped through the configuration's ``columns``, Swedish
codes through ``values`` (Kön K/M or F/P, Ja/Nej), ``;`` with decimal comma in Windows-1252, one
workbook (.xlsx) and exports with a personnummer instead of sex and age.

Per chapter:

- an export with only the required columns runs, recovers the planted effect (or the value of
  the same chapter run on the full demo export) with an interval of a stated width, and makes
  no adjusted claim (no adjusted row in the results, no "samma behov" / "lika ärenden" /
  "justerat" in the text except the sentence that the adjustment could not be made);
- for every optional column and covariate, the full table without it runs and the page says,
  in the catalogue's words, what was left out;
- a run with a configuration reads only the configuration's tables: hl_01 audits exactly the
  one table supplied and names the others; r4_01–r4_03 show only the parts whose tables exist;
- r4_05, on a results folder holding only two chapters' results, names the chapters that are
  not included and never calls a comparison without adjustment "even among similar cases".
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from jamtools.chapters import representation, summary
from jamtools.run import catalogue
from jamtools.run.catalogue import QUESTIONS
from jamtools.present.report import covariates_text
from tests.owndata.harness import (demo_table, personnummer_for, run_chapter, write_config,
                                   write_export)

ORG = "Testkommunen"
#: Swedish export headers for the model's columns.
HEAD = {"kon": "Kön", "alder": "Ålder", "beviljade_timmar": "Beviljade timmar",
        "sjalvforsorjande": "Självförsörjande", "forflyttning": "Förflyttning",
        "fodd_i_sverige": "Född i Sverige", "hushallstyp": "Hushållstyp",
        "beviljat_belopp": "Beviljat belopp", "planering_id": "Planeringsnr",
        "indikator": "Indikator", "taljare": "Täljare", "namnare": "Nämnare", "manad": "Månad",
        "datum": "Datum", "personnummer": "Personnummer", "ar": "År", "antal": "Antal"}
ADULT = {"kvinna": "K", "man": "M"}
CHILD = {"flicka": "F", "pojke": "P"}
YES_NO = {"1": "Ja", "0": "Nej"}


def _export(folder: Path, name: str, frame: pd.DataFrame, *, fmt: str = "csv-sv",
            values: dict | None = None, swedish: bool = True) -> dict:
    """Write ``frame`` (model column names, demo codes) as an organisation would: Swedish headers
    and codes; returns the configuration's entry that maps them back."""
    values = values or {}
    columns = {c: HEAD[c] for c in frame.columns if swedish and c in HEAD}
    out = frame.copy()
    for col, mapping in values.items():
        out[col] = out[col].map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    out = out.rename(columns=columns)
    path = write_export(out, folder / f"{name}.{'xlsx' if fmt == 'xlsx' else 'csv'}", fmt=fmt)
    spec = {"file": path.name}
    if columns:
        spec["columns"] = {v: k for k, v in columns.items()}
    if values:
        spec["values"] = {col: {code: value for value, code in m.items()} for col, m in values.items()}
    return spec


def _run(chapter: str, folder: Path, tables: dict, **params):
    cfg = write_config(folder / "jamtools.yml", tables, organisation=ORG)
    out = folder / "results"
    out.mkdir(exist_ok=True)
    return run_chapter(chapter, {"config_file": str(cfg), **params}, out=out)


def _rows(ex, **match) -> list[dict]:
    return [c for c in ex.results["comparisons"] if all(c[k] == v for k, v in match.items())]


def _one(ex, **match) -> dict:
    rows = _rows(ex, **match)
    assert len(rows) == 1, (match, rows)
    return rows[0]


def _no_adjusted_claims(ex, chapter: str, table: str) -> None:
    """No adjusted comparison in the results and no same-need claim in the text, except the
    catalogue's sentence that the adjustment could not be made (which must be there)."""
    assert not [c for c in ex.results["comparisons"] if c["adjusted"]], "adjusted row without covariates"
    sentence = catalogue.no_adjustment_text(catalogue.CHAPTERS[chapter].need(table).covariates)
    assert sentence in ex.text
    rest = ex.text.replace(sentence, "")
    for claim in ("samma behov", "lika ärenden", "samma förutsättningar"):
        assert claim not in rest.lower(), claim
    assert not re.search(r"\b[Jj]usterat\b", rest), re.search(r".{80}\b[Jj]usterat\b.{40}", rest)


def _pp_bound(n_a: float, n_b: float) -> float:
    """Stated width bound for a difference in proportions, percentage points."""
    return 100 * 4 * math.sqrt(0.25 / n_a + 0.25 / n_b)


def _without(chapter: str, table: str, column: str) -> str:
    """The catalogue's sentence when ``column`` of ``table`` is missing (optional or covariate)."""
    need = catalogue.CHAPTERS[chapter].need(table)
    if column in need.optional:
        return need.optional[column]
    return f"Data saknar uppgift om {covariates_text([column])}"


# --- hl_01: the sex audit ---------------------------------------------------------------------

def test_hl_01_audits_only_the_one_table_supplied(demo, tmp_path):
    ht = demo_table(demo, "ht_beslut")[["kon", "beviljade_timmar"]]
    ex = _run("hl_01_konsuppdelad_statistik", tmp_path,
              {"ht_beslut": _export(tmp_path, "hemtjanst", ht, values={"kon": ADULT})})
    audited = [c["outcome"] for c in ex.results["comparisons"]
               if c["measure"] == "share_known_sex" and c["warning"] != "Tabellen saknas"]
    assert audited == ["ht_beslut"]  # one table, not the demo's thirteen
    known = _one(ex, outcome="ht_beslut", measure="share_known_sex")
    assert known["estimate"] == 1.0 and known["n_b"] == len(ht)
    assert known["warning"] == "Ja (kolumn)"
    assert set(ex.results["counts"]) == {"ht_beslut"}
    others = [t for t in catalogue.TABLE_LABELS if t != "ht_beslut"]
    for t in others:
        assert _one(ex, outcome=t, measure="share_known_sex")["warning"] == "Tabellen saknas"
        assert f"{catalogue.TABLE_LABELS[t]} (`{t}`)" in ex.text
    assert "Tabeller som inte finns i underlaget" in ex.text
    assert "En av dem finns i underlaget" in ex.text


def test_hl_01_sex_from_the_personnummer(demo, tmp_path):
    rows = demo_table(demo, "bof_aktualiseringar").head(400)
    born = pd.to_datetime(rows["datum"]) - pd.to_timedelta(rows["alder"].astype(int) * 365 + 30, "D")
    export = pd.DataFrame({"personnummer": personnummer_for(born, rows["kon"]),
                           "datum": rows["datum"]})
    ex = _run("hl_01_konsuppdelad_statistik", tmp_path,
              {"bof_aktualiseringar": _export(tmp_path, "akt", export)})
    known = _one(ex, outcome="bof_aktualiseringar", measure="share_known_sex")
    assert known["warning"] == "Ja (ur personnummer)" and known["estimate"] == 1.0
    counts = ex.results["counts"]["bof_aktualiseringar"]["analysed"]
    assert counts == {k: int(v) for k, v in rows["kon"].value_counts().items()}
    assert "härlett ur personnumret" in ex.text


# --- r4_01: representation --------------------------------------------------------------------

@pytest.fixture(scope="module")
def r4_01_full(demo, tmp_path_factory):
    """r4_01 on the full demo export (every client table and the population): the reference."""
    out = tmp_path_factory.mktemp("r401_full")
    return run_chapter("r4_01_representation", {"data_dir": str(demo)}, out=out)


def test_r4_01_sex_only(demo, tmp_path, r4_01_full):
    """Only the sex of each applicant: the sex distribution, nothing about the population."""
    eb = demo_table(demo, "eb_klienter")[["kon"]]
    ex = _run("r4_01_representation", tmp_path,
              {"eb_klienter": _export(tmp_path, "ansokningar", eb, values={"kon": ADULT})})
    [part] = representation.analyse_all(ex.namespace["ctx"]).parts
    assert part.kind == "fordelning"
    women = part.distribution.set_index("kon").loc["kvinna"]
    # The same chapter on the full export: women's share among the clients (one row per person).
    [full] = [d for d in representation.analyse_all(r4_01_full.namespace["ctx"]).parts
              if d.table == "eb_klienter"]
    reference = full.composition.set_index("aldersgrupp").loc["Alla åldrar", "share_a"]
    assert women["ci_low"] <= reference <= women["ci_high"]
    assert women["share"] == pytest.approx(reference)
    n = women["n"]
    assert 100 * (women["ci_high"] - women["ci_low"]) < 100 * 4 * math.sqrt(0.25 / n)
    need = catalogue.CHAPTERS["r4_01_representation"]
    for sentence in (need.need("befolkning").without, need.need("ht_beslut").without,
                     need.need("bof_aktualiseringar").without,
                     need.need("eb_klienter").optional["person_id"],
                     need.need("eb_klienter").optional["ansokningsdatum"]):
        assert sentence in ex.text
    assert "### Hemtjänst" not in ex.text and "### Barn och familj" not in ex.text
    assert ex.results["comparisons"] == []
    _no_adjusted_claims(ex, "r4_01_representation", "eb_klienter")


def test_r4_01_personnummer_and_population_workbook(demo, tmp_path, r4_01_full):
    """Children's reports with a personnummer and a date only, the population as a workbook:
    sex, age and person from the personnummer; the rates equal the full export's."""
    rows = demo_table(demo, "bof_aktualiseringar")
    first = rows.sort_values("datum").groupby("person_id").head(1).set_index("person_id")
    born = (pd.to_datetime(first["datum"])
            - pd.to_timedelta(first["alder"].astype(int) * 365.25 + 100, "D")).dt.normalize()
    pnr = personnummer_for(born, first["kon"])
    export = pd.DataFrame({"personnummer": rows["person_id"].map(pnr), "datum": rows["datum"]})
    pop = demo_table(demo, "befolkning")[["ar", "kon", "alder", "antal"]]
    ex = _run("r4_01_representation", tmp_path, {
        "bof_aktualiseringar": _export(tmp_path, "aktualiseringar", export),
        "befolkning": _export(tmp_path, "befolkning", pop, fmt="xlsx", values={"kon": ADULT})})
    full = {(c["outcome"], c["measure"], c["adjusted"]): c for c in r4_01_full.results["comparisons"]}
    crude = _one(ex, outcome="bof_aktualiseringar", measure="rate_ratio", adjusted=False)
    ref = full[("bof_aktualiseringar", "rate_ratio", False)]
    # Persons per year and sex are the same, except the few whose age from the personnummer
    # passes 17 at a later report (left out as outside the age groups).
    for side in ("a", "b"):
        assert ref[f"events_{side}"] * 0.98 <= crude[f"events_{side}"] <= ref[f"events_{side}"]
    assert crude["ci_low"] <= ref["estimate"] <= crude["ci_high"]
    std = _one(ex, outcome="bof_aktualiseringar", measure="rate_ratio", adjusted=True)
    ref_std = full[("bof_aktualiseringar", "rate_ratio", True)]
    assert std["adjusted_for"] == ["aldersgrupp"]
    assert std["ci_low"] <= ref_std["estimate"] <= std["ci_high"]
    assert std["ci_high"] < 1  # girls are reported less often than boys, per inhabitant
    assert math.log(std["ci_high"] / std["ci_low"]) < 4 * math.sqrt(1 / std["events_a"] + 1 / std["events_b"])
    assert "### Barn och familj" in ex.text and "### Hemtjänst" not in ex.text


R401_OPTIONAL = [("eb_klienter", "person_id"), ("eb_klienter", "ansokningsdatum"),
                 ("eb_klienter", "alder"), ("befolkning", "alder"), ("befolkning", None)]


@pytest.mark.parametrize("table,column", R401_OPTIONAL)
def test_r4_01_without_an_optional_column(demo, tmp_path, table, column):
    eb = demo_table(demo, "eb_klienter")
    pop = demo_table(demo, "befolkning")
    frames = {"eb_klienter": eb, "befolkning": pop}
    if column is None:
        del frames[table]
    else:
        frames[table] = frames[table].drop(columns=column)
    ex = _run("r4_01_representation", tmp_path,
              {t: _export(tmp_path, t, f, swedish=False) for t, f in frames.items()})
    need = catalogue.CHAPTERS["r4_01_representation"].need(table)
    if column is None:
        expected = need.without
    elif column == "alder" and table == "eb_klienter":
        expected = catalogue.no_adjustment_text(need.covariates)
    else:
        expected = need.optional[column]
    assert expected in ex.text
    if column == "ansokningsdatum" or (table == "befolkning" and column is None):
        assert ex.results["comparisons"] == []  # no year or no population: no rates at all
    elif column == "alder":
        assert not _rows(ex, adjusted=True)  # no age: no age-standardised comparison
        assert _one(ex, outcome="eb_klienter", measure="rate_ratio")["estimate"] < 1
    else:
        assert _rows(ex, adjusted=True)


def test_r4_01_population_with_ages_missing(demo, tmp_path):
    """A population file whose age is empty for every woman of 35–44 of one year. The
    applicants (with an age) of that year, sex and age group have no inhabitants to be divided
    by: left out and counted, with the reason on the page (the chapter stopped on it before);
    the population's account says that those inhabitants are in no comparison by age group.
    The home-care clients, without an age, are compared crude: their denominator keeps every
    inhabitant of the years, those without an age too."""
    eb = demo_table(demo, "eb_klienter")
    ht = demo_table(demo, "ht_beslut").drop(columns="alder")
    pop = demo_table(demo, "befolkning")
    year = int(pd.to_datetime(eb["ansokningsdatum"]).dt.year.mode()[0])  # a year with applicants
    gap = (pop["ar"].astype(int) == year) & (pop["kon"] == "kvinna") & pop["alder"].astype(int).between(35, 44)
    ex = _run("r4_01_representation", tmp_path,
              {t: _export(tmp_path, t, f, swedish=False) for t, f in
               {"eb_klienter": eb, "ht_beslut": ht,
                "befolkning": pop.assign(alder=pop["alder"].where(~gap, None))}.items()})
    run = representation.analyse_all(ex.namespace["ctx"])
    assert run.population.excluded_by_reason()[representation.NO_AGE_IN_POPULATION] == gap.sum()
    applicants, home_care = (next(p for p in run.parts if p.table == t) for t in ("eb_klienter", "ht_beslut"))
    assert "35–44 år" in applicants.setup.labels  # (the chapter's own age group: no inhabitants left in it)
    # (since the coverage rule: the age group's inhabitants of one sex are missing that year,
    # so the group is only partly covered and left out for it, before any cell lacks inhabitants)
    reason = representation.PARTLY_COVERED
    assert applicants.clients.excluded_by_reason()[reason] > 0
    assert reason in ex.text and representation.NO_AGE_IN_POPULATION in ex.text
    assert _one(ex, outcome="eb_klienter", measure="rate_ratio", adjusted=True)["estimate"] > 0
    assert home_care.kind == "ra"
    crude = _one(ex, outcome="ht_beslut", measure="rate_ratio", adjusted=False)
    years = pop["ar"].astype(int).isin(home_care.years)
    assert crude["n_a"] == pop.loc[years & (pop["kon"] == "kvinna"), "antal"].astype(int).sum()


# --- r4_02: resources -------------------------------------------------------------------------

def test_r4_02_hours_only(demo, tmp_path, planted_demo):
    ht = demo_table(demo, "ht_beslut")[["kon", "beviljade_timmar"]]
    ex = _run("r4_02_resurser", tmp_path,
              {"ht_beslut": _export(tmp_path, "hemtjanst", ht, values={"kon": ADULT})})
    truth = planted_demo["ht_01_hemtjanst_timmar"]["beviljade_timmar"]["crude_mean_difference"]
    row = _one(ex, outcome="beviljade_timmar", measure="mean_difference")
    assert row["ci_low"] <= truth <= row["ci_high"] and row["ci_low"] > 0
    hours = ht["beviljade_timmar"].astype(float)
    women = ht["kon"] == "kvinna"
    se = math.sqrt(hours[women].var() / women.sum() + hours[~women].var() / (~women).sum())
    assert row["ci_high"] - row["ci_low"] < 4 * se
    gap = _one(ex, outcome="beviljade_timmar", measure="resource_share_gap_pp")
    assert gap["ci_low"] > 0  # women's share of the hours exceeds their share of the decisions
    chapter = catalogue.CHAPTERS["r4_02_resurser"]
    for t in ("eb_planering", "ru_ansokningar"):
        assert chapter.need(t).without in ex.text
    _no_adjusted_claims(ex, "r4_02_resurser", "ht_beslut")


def test_r4_02_interventions_per_client_only_ids(demo, tmp_path):
    """Social assistance with only planning numbers, sex and the offers: the crude comparison
    of offers per client equals the full export's."""
    plan = demo_table(demo, "eb_planering")[["planering_id", "kon"]]
    offers = demo_table(demo, "eb_insatser")[["planering_id", "kon"]]
    ex = _run("r4_02_resurser", tmp_path, {
        "eb_planering": _export(tmp_path, "planering", plan, values={"kon": ADULT}),
        "eb_insatser": _export(tmp_path, "insatser", offers, values={"kon": ADULT})})
    crude = _one(ex, outcome="antal_insatser", measure="mean_difference")
    per_plan = plan["planering_id"].map(offers.groupby("planering_id").size()).fillna(0)
    women = plan["kon"] == "kvinna"
    expected = per_plan[women].mean() - per_plan[~women].mean()
    assert crude["estimate"] == pytest.approx(expected)
    assert crude["n_a"] + crude["n_b"] == len(plan)
    assert "### Insatser i ekonomiskt bistånd" in ex.text and "### Hemtjänsttimmar" not in ex.text
    _no_adjusted_claims(ex, "r4_02_resurser", "eb_planering")


@pytest.mark.parametrize("table,column", [("ht_beslut", "adl_beroende"), ("ht_beslut", "ensamboende"),
                                          ("ht_beslut", "alder"), ("ru_ansokningar", "malgrupp"),
                                          ("ru_ansokningar", "sokt_belopp")])
def test_r4_02_without_a_covariate(demo, tmp_path, table, column):
    frame = demo_table(demo, table).drop(columns=column)
    ex = _run("r4_02_resurser", tmp_path, {table: _export(tmp_path, table, frame, swedish=False)})
    assert _without("r4_02_resurser", table, column) in ex.text
    adjusted = _rows(ex, adjusted=True)
    assert adjusted and all(column not in c["adjusted_for"] for c in adjusted)


# --- r4_03: results ---------------------------------------------------------------------------

def test_r4_03_self_sufficiency_only(demo, tmp_path, planted_demo):
    utfall = demo_table(demo, "eb_utfall")[["kon", "sjalvforsorjande"]]
    ex = _run("r4_03_resultat", tmp_path, {"eb_utfall": _export(
        tmp_path, "utfall", utfall, values={"kon": ADULT, "sjalvforsorjande": YES_NO})})
    truth = planted_demo["eb_07_processkarta"]["sjalvforsorjande"]["crude_rd_pp"]
    row = _one(ex, outcome="sjalvforsorjande", measure="risk_difference_pp")
    assert row["ci_low"] <= truth <= row["ci_high"] and row["ci_high"] < 0
    assert row["conf_level"] == pytest.approx(0.95)  # one indicator: no simultaneous correction
    assert row["ci_high"] - row["ci_low"] < _pp_bound(row["n_a"], row["n_b"])
    chapter = catalogue.CHAPTERS["r4_03_resultat"]
    assert chapter.need("um_indikatorer").without in ex.text
    assert chapter.need("eb_utfall").optional["forflyttning"] in ex.text
    assert "### Kvalitetsindikatorer" not in ex.text
    _no_adjusted_claims(ex, "r4_03_resultat", "eb_utfall")


def test_r4_03_quality_indicators_only(demo, tmp_path, planted_demo):
    """Only the quality indicators (Swedish headers, K/M): the goal part is left out, and the
    planted gap from January 2025 is found."""
    um = demo_table(demo, "um_indikatorer")[["manad", "indikator", "kon", "taljare", "namnare"]]
    ex = _run("r4_03_resultat", tmp_path,
              {"um_indikatorer": _export(tmp_path, "indikatorer", um, values={"kon": ADULT})},
              period_start="2025-01-01")
    truth = planted_demo["um_02_kvalitetsuppfoljning"]
    row = _one(ex, outcome=truth["indicator"], measure="risk_difference_pp")
    assert row["ci_low"] <= truth["gap_after_pp"] <= row["ci_high"] and row["ci_low"] > 0
    assert row["ci_high"] - row["ci_low"] < _pp_bound(row["n_a"], row["n_b"])
    after = um[pd.to_datetime(um["manad"]) >= "2025-01-01"]
    assert row["n_a"] == after.loc[after["kon"] == "kvinna", "namnare"].astype(int).sum()
    assert catalogue.CHAPTERS["r4_03_resultat"].need("eb_utfall").without in ex.text
    assert "### Målen för den enskilde" not in ex.text
    assert not _rows(ex, adjusted=True)


@pytest.mark.parametrize("column", ["forflyttning", "hushallstyp", "alder", "fodd_i_sverige"])
def test_r4_03_without_an_optional_column(demo, tmp_path, column):
    frame = demo_table(demo, "eb_utfall").drop(columns=column)
    ex = _run("r4_03_resultat", tmp_path, {"eb_utfall": _export(tmp_path, "utfall", frame, swedish=False)})
    shown = {"alder": "aldersgrupp"}.get(column, column)
    assert _without("r4_03_resultat", "eb_utfall", shown) in ex.text
    adjusted = _rows(ex, adjusted=True)
    assert adjusted
    if column == "forflyttning":
        assert not _rows(ex, outcome="forflyttning")
    else:
        derived = {"alder": "aldersgrupp", "fodd_i_sverige": "fodelseland"}.get(column, column)
        assert all(derived not in c["adjusted_for"] for c in adjusted)


# --- r4_04: groups ----------------------------------------------------------------------------

def test_r4_04_required_columns_only(demo, tmp_path, planted_demo):
    utfall = demo_table(demo, "eb_utfall")[["kon", "forflyttning", "fodd_i_sverige"]]
    ex = _run("r4_04_olika_grupper", tmp_path, {"eb_utfall": _export(
        tmp_path, "utfall", utfall,
        values={"kon": ADULT, "forflyttning": YES_NO, "fodd_i_sverige": YES_NO})})
    true = {k: v / 100 for k, v in planted_demo["r4_04_olika_grupper"]["true_percent_by_group"].items()}
    did = 100 * ((true["kvinna|utrikes_fodd"] - true["man|utrikes_fodd"])
                 - (true["kvinna|fodd_i_sverige"] - true["man|fodd_i_sverige"]))
    row = _one(ex, measure="interaction_pp")
    assert row["ci_low"] <= did <= row["ci_high"] and row["ci_high"] < 0
    sizes = utfall.groupby(["kon", "fodd_i_sverige"]).size()
    bound = 100 * 4 * math.sqrt(sum(0.25 / n for n in sizes))
    assert row["ci_high"] - row["ci_low"] < bound
    need = catalogue.CHAPTERS["r4_04_olika_grupper"].need("eb_utfall")
    for sentence in need.optional.values():
        assert sentence in ex.text
    _no_adjusted_claims(ex, "r4_04_olika_grupper", "eb_utfall")


@pytest.mark.parametrize("column", ["hushallstyp", "alder", "sjalvforsorjande"])
def test_r4_04_without_an_optional_column(demo, tmp_path, column):
    frame = demo_table(demo, "eb_utfall").drop(columns=column)
    ex = _run("r4_04_olika_grupper", tmp_path, {"eb_utfall": _export(tmp_path, "utfall", frame, swedish=False)})
    assert _without("r4_04_olika_grupper", "eb_utfall", column) in ex.text
    if column != "sjalvforsorjande":
        derived = {"alder": "aldersgrupp"}.get(column, column)
        adjusted = _rows(ex, adjusted=True)
        assert adjusted and all(derived not in c["adjusted_for"] for c in adjusted)


# --- r4_05: the summary of a short run ----------------------------------------------------------

def test_r4_05_names_the_chapters_not_run(demo, tmp_path):
    """Two chapters ran: r4_03 could adjust for the country of birth, r4_04 could not adjust at
    all. The summary names every other chapter as not included, and only comparisons adjusted
    for something can be "even among similar cases"."""
    results = tmp_path / "results"
    results.mkdir()
    utfall = demo_table(demo, "eb_utfall")[["kon", "sjalvforsorjande", "forflyttning", "fodd_i_sverige"]]
    spec = _export(tmp_path, "utfall", utfall, values={
        "kon": ADULT, "sjalvforsorjande": YES_NO, "forflyttning": YES_NO, "fodd_i_sverige": YES_NO})
    cfg = write_config(tmp_path / "jamtools.yml", {"eb_utfall": spec}, organisation=ORG)
    ran = ("r4_03_resultat", "r4_04_olika_grupper")
    for chapter in ran:
        run_chapter(chapter, {"config_file": str(cfg)}, out=results)
    (tmp_path / "summary").mkdir()
    ex = run_chapter("r4_05_realisera", {"config_file": str(cfg), "results_dir": str(results)},
                     out=tmp_path / "summary")
    assert sorted(p.stem for p in results.glob("*.json")) == sorted(ran)
    gaps = summary.gaps(results, exclude=["r4_05_realisera"])  # what the page ranked
    assert set(gaps["question_id"]) == set(ran)
    # r4_04 had nothing to adjust for: its clear gaps are clear without adjustment.
    crude_only = gaps[gaps["question_id"] == "r4_04_olika_grupper"]
    assert set(crude_only["verdict"]) <= {"tydlig", "otydlig", "dold", "ej_beraknad"}
    assert "tydlig" in set(crude_only["verdict"])
    remaining = gaps[gaps["verdict"] == "kvarstar"]
    assert len(remaining) and all(list(a) == ["fodelseland"] for a in remaining["adjusted_for"])
    assert set(remaining["question_id"]) == {"r4_03_resultat"}
    # The full table (a download) says so; the page lists only the gaps that remain.
    assert "Tydlig skillnad (ingen justering gjord)" in set(summary.full_table(gaps)["Bedömning"])
    not_run = [q for q in QUESTIONS if q not in ran and q != "r4_05_realisera"]
    assert summary.chapters_not_run(results, QUESTIONS, exclude=["r4_05_realisera"]) == not_run
    head, _, listed = ex.text.partition("Kapitel som inte ingår")
    assert listed, "the chapters not run are not named"
    block = listed.split("<table")[0]  # the paragraph, up to the table of chapters included
    for q in not_run:
        assert f"- {QUESTIONS[q]}" in block, q
    for q in ran:
        assert QUESTIONS[q] not in block
    assert "att de saknas betyder inte att det saknas skillnader där" in ex.text
