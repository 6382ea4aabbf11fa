"""Library functions behind the 4R chapters and the sex audit, on small hand-made data:

- jamtools.chapters.summary: a comparison marked adjusted with nothing adjusted for is crude (never
  "even among similar cases"); the chapters not run are found and named;
- jamtools.chapters.representation: persons per year, the sex distribution, the collapsed table without
  age; jamtools.chapters.resources: the need that remains, no adjusted gap without a need;
- jamtools.chapters.goals: quality indicators summed per sex; jamtools.chapters.intersections: the rows the
  chapter on groups analyses, labels, no adjusted result without covariates;
- jamtools.chapters.audit: with a configuration only its tables are audited;
- jamtools.run.catalogue: a chapter whose tables are all optional still needs one of them.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure

from jamtools.chapters import audit

from jamtools.run import catalogue

from jamtools.chapters import goals

from jamtools.chapters import intersections

from jamtools.chapters import representation

from jamtools.chapters import resources

from jamtools.chapters import summary
from jamtools.stats import rates
from jamtools.data import LoadResult
from jamtools.data.model import TABLES
from jamtools.run.catalogue import QUESTIONS
from jamtools.run.config import load_config


def _loaded(table: str, frame: pd.DataFrame) -> LoadResult:
    return LoadResult(table=TABLES[table], data=frame.copy(), source="test")


# --- summary ----------------------------------------------------------------------------------

def _comparison(qid, adjusted, adjusted_for, low, high, estimate):
    return {"question_id": qid, "question": QUESTIONS[qid], "outcome": "utfall",
            "comparison": "kvinna − man", "group_a": "kvinna", "group_b": "man",
            "measure": "risk_difference_pp", "estimate": estimate, "ci_low": low, "ci_high": high,
            "p_value": 0.001, "adjusted": adjusted, "adjusted_for": adjusted_for, "suppressed": False}


def test_rank_never_calls_an_unadjusted_row_remaining():
    qid = "eb_01_krav"
    every = pd.DataFrame([_comparison(qid, False, [], -9.0, -3.0, -6.0),
                          _comparison(qid, True, [], -9.0, -3.0, -6.0)])  # "adjusted" for nothing
    [row] = summary.rank(every).to_dict("records")
    assert row["verdict"] == "tydlig" and row["adjusted_estimate"] is None
    every = pd.DataFrame([_comparison(qid, False, [], -9.0, -3.0, -6.0),
                          _comparison(qid, True, ["alder"], -8.0, -2.0, -5.0)])
    [row] = summary.rank(every).to_dict("records")
    assert row["verdict"] == "kvarstar" and row["adjusted_for"] == ["alder"]
    assert list(summary.adjusted_mask(pd.DataFrame(
        {"adjusted": [True, True, False, True], "adjusted_for": [[], ["a"], ["a"], "a, b"]}))) == \
        [False, True, False, True]


def test_chapters_not_run_are_named(tmp_path):
    from jamtools.run.params import check_parameters
    from jamtools.present.results import Results

    qid = "bof_01_utredning_inleds"
    p = check_parameters(data_dir=tmp_path, results_path=tmp_path / f"{qid}.json")
    Results(qid, p, question=qid).write()
    assert summary.chapters_run(tmp_path, QUESTIONS) == [qid]
    not_run = summary.chapters_not_run(tmp_path, QUESTIONS, exclude=["r4_05_realisera"])
    assert not_run == [q for q in QUESTIONS if q not in (qid, "r4_05_realisera")]
    text = summary.not_run_text(not_run, QUESTIONS)
    assert text.startswith(f"**Kapitel som inte ingår: {len(not_run)}**")
    assert all(f"- {QUESTIONS[q]}" in text for q in not_run) and QUESTIONS[qid] not in text
    assert summary.not_run_text([], QUESTIONS) == ""
    assert summary.chapters_run(tmp_path / "saknas", QUESTIONS) == []
    words = summary.describe(summary.rank(pd.DataFrame()), not_run=not_run)
    assert "0 jämförelser" in words and "att de saknas betyder inte" in words


def test_the_summary_page_from_a_results_folder(tmp_path):
    """summary.realise on a folder with one chapter's results: the ranked comparison, the
    chapters not run named from the run's titles, and the action plan (a download, written
    beside the executed notebooks of the run's layout)."""
    from types import SimpleNamespace

    from jamtools.present.results import Results
    from jamtools.run.params import check_parameters

    results = tmp_path / "results"
    qid = "eb_01_krav"
    p = check_parameters(data_dir=tmp_path, results_path=results / f"{qid}.json")
    r = Results(qid, p, question=QUESTIONS[qid])
    r.add_comparisons(pd.DataFrame([_comparison(qid, False, [], -9.0, -3.0, -6.0)]))
    r.write()
    titles = {q: QUESTIONS[q] for q in ("bof_01_utredning_inleds", qid, "r4_05_realisera")}
    ctx = SimpleNamespace(question_id="r4_05_realisera", extra={"results_dir": str(results)},
                          titles=titles, heading="**Test**, hela perioden i data.",
                          params=SimpleNamespace(results_path=results / "r4_05_realisera.json"))
    (tmp_path / "notebooks").mkdir()  # the run's layout: <out>/results and <out>/notebooks
    page = summary.realise(ctx)
    assert list(page.parts) == ["underlag", "resultat", "lista", "figur", "tabell", "handlingsplan"]
    assert page.comparisons is None and not page.counts
    assert page.short_answer.startswith("Av 1 jämförelser mellan könen från 1 kapitel visar 0 en "
                                        "tydlig skillnad som finns kvar bland lika ärenden och 1 "
                                        "en tydlig")
    underlag = "\n".join(x for x in page.part("underlag") if isinstance(x, str))
    assert f"- {QUESTIONS['bof_01_utredning_inleds']}" in underlag and QUESTIONS[qid] not in underlag
    plan = pd.read_csv(tmp_path / "notebooks" / "nedladdningar" / "handlingsplan.csv", sep=";", decimal=",",
                       encoding="utf-8-sig")
    assert plan["Kapitel"].tolist() == [QUESTIONS[qid]]


# --- representation ---------------------------------------------------------------------------

def _clients(with_id=True):
    frame = pd.DataFrame({
        "person_id": ["a", "a", "b", "c", "c", "d"],
        "kon": ["kvinna", "kvinna", "man", "kvinna", "kvinna", "man"],
        "alder": [70, 71, 80, 90, 90, 66],
        "beslutsdatum": pd.to_datetime(["2021-01-01", "2021-06-01", "2021-03-01", "2021-02-01",
                                        "2022-02-01", "2022-05-01"]),
    })
    return _loaded("ht_beslut", frame if with_id else frame.drop(columns="person_id"))


def test_count_persons_once_per_year_and_rows_without_an_id():
    s = representation.setup("ht_beslut")
    persons = representation.count_persons(_clients(), s, by_age=False, by_year=True)
    assert sorted(map(tuple, persons[["kon", "ar"]].to_numpy())) == \
        [("kvinna", 2021), ("kvinna", 2021), ("kvinna", 2022), ("man", 2021), ("man", 2022)]
    rows = representation.count_persons(_clients(with_id=False), s, by_age=False, by_year=False)
    assert len(rows) == 6 and list(rows.columns) == ["kon"]


def test_sex_distribution_and_its_disclosure():
    persons = pd.DataFrame({"kon": ["kvinna"] * 30 + ["man"] * 20})
    shown = representation.sex_distribution(persons, ("kvinna", "man"), threshold=5)
    women = shown.set_index("kon").loc["kvinna"]
    assert women["share"] == pytest.approx(0.6) and women["ci_low"] < 0.6 < women["ci_high"]
    small = representation.sex_distribution(pd.DataFrame({"kon": ["kvinna"] * 30 + ["man"] * 2}),
                                            ("kvinna", "man"), threshold=5)
    assert small["share"].isna().all()  # 2 men: both hidden (one gives the other away)
    assert "kan inte visas" in representation.describe_distribution(small, years=[])


def test_prepare_without_age_pools_the_population():
    clients = _clients()
    population = _loaded("befolkning", pd.DataFrame({
        "ar": [2021, 2021, 2022, 2022], "kon": ["kvinna", "man", "kvinna", "man"],
        "antal": [1000, 800, 1000, 800]}))
    analysed, persons, cells = representation.prepare(clients, population,
                                                      representation.setup("ht_beslut"), by_age=False)
    assert list(cells.columns) == ["ar", "kon", "events", "population"]
    assert cells.set_index(["ar", "kon"]).loc[(2021, "kvinna"), "events"] == 2
    assert cells["population"].sum() == 3600
    assert analysed is not clients and len(analysed.data) == len(clients.data)  # no year left out
    part = representation.analyse(_clients(), population, representation.setup("ht_beslut"),
                                  threshold=1)
    assert part.kind == "ra" and part.standardised is None
    assert not part.comparisons["adjusted"].astype(bool).any()


@pytest.mark.parametrize("by_age", [True, False])
def test_clients_without_inhabitants_in_their_cell_are_left_out_and_counted(by_age):
    """A population file without some ages (or with them left out for a missing age) has no
    inhabitants in a cell where clients are: those clients are left out with their reason, and
    every cell with persons has a population (a rate with nothing to divide by stopped r4_01)."""
    clients = _clients()  # women: 70 and 71 (2021), 90 (2021, 2022); men: 80 (2021), 66 (2022)
    frame = pd.DataFrame(  # every age (a group with some ages missing is left out as such)
        [{"ar": y, "kon": k, "alder": a, "antal": 0 if (y == 2022 and k == "kvinna" and 85 <= a <= 94) else 100}
         for y in (2021, 2022) for k in ("kvinna", "man") for a in range(65, 101)
         # 2022's women of 85–94 have no inhabitants (without age: every woman of 2022 is not in the file)
         if by_age or not (y == 2022 and k == "kvinna")])
    population = _loaded("befolkning", frame if by_age else frame.drop(columns="alder"))
    s = representation.setup("ht_beslut")
    analysed, persons, cells = representation.prepare(clients, population, s, by_age=by_age)
    reason = ("Befolkningstabellen har inga invånare med samma år, kön"
              + (" och åldersgrupp" if by_age else ""))
    # left out: the woman of 90 in 2022 (with age groups: 2022 has women of 70 and 80 only)
    assert analysed.excluded_by_reason()[reason] == 1
    assert not ((cells["events"] > 0) & (cells["population"] == 0)).any()
    assert cells["events"].sum() == len(persons) == 4  # a, b, c in 2021; d in 2022
    part = representation.analyse(_clients(), population, s, threshold=1)
    assert part.kind == ("alder" if by_age else "ra")


def test_inhabitants_counted_zero_are_none():
    """A population file with a row of 0 inhabitants (as SCB's have, for the oldest ages) for
    a cell where a client is: the client is left out, not divided by 0."""
    frame = pd.DataFrame([{"ar": y, "kon": k, "alder": a,
                           "antal": 0 if (y, k) == (2022, "man") and a < 75 else 100}
                          for y in (2021, 2022) for k in ("kvinna", "man") for a in range(65, 101)])
    s = representation.setup("ht_beslut")
    analysed, persons, cells = representation.prepare(_clients(), _loaded("befolkning", frame), s)
    assert analysed.excluded_by_reason()[representation.NO_INHABITANTS + " och åldersgrupp"] == 1  # d, 2022
    assert not ((cells["events"] > 0) & (cells["population"] == 0)).any()


def test_a_ratio_that_cannot_be_standardised_is_said_so():
    """Women of 70 and men of 80 only in the population: no age group has both sexes, so the
    age-standardised ratio cannot be computed and the page says why (not that it is hidden by
    the disclosure control); the crude ratio is given."""
    clients = _loaded("ht_beslut", pd.DataFrame({
        "kon": ["kvinna"] * 40 + ["man"] * 40, "alder": [70] * 40 + [80] * 40,
        "beslutsdatum": pd.to_datetime(["2021-03-01"] * 80)}))
    population = _loaded("befolkning", pd.DataFrame(  # women of 65–74 and men of 75–84 only
        [{"ar": 2021, "kon": k, "alder": a,
          "antal": 1000 if (k == "kvinna" and a < 75) or (k == "man" and 75 <= a < 85) else 0}
         for k in ("kvinna", "man") for a in range(65, 101)]))
    part = representation.analyse(clients, population, representation.setup("ht_beslut"), threshold=5)
    said = representation.answer([part])
    assert "1,00 (95 % KI" in said and "rått" in said
    assert "Åldersstandardiserad kan inte beräknas: " + rates.NO_STRATUM in said
    assert "röjandekontroll" not in said
    words = representation.describe(part.total, part.standardised, part.comparisons, years=part.years)
    assert "kan inte beräknas: " + rates.NO_STRATUM in words and "röjandekontroll" not in words


def test_no_client_with_inhabitants_says_so():
    """A population file of other ages than the clients' (children only, clients 65+): every
    client is left out and counted, and the part says so instead of stopping, or of calling
    the missing ratio too small to show."""
    population = _loaded("befolkning", pd.DataFrame(
        [{"ar": y, "kon": k, "alder": 5, "antal": 100} for y in (2021, 2022) for k in ("kvinna", "man")]))
    part = representation.analyse(_clients(), population, representation.setup("ht_beslut"), threshold=1)
    assert part.clients.n_rows() == 0
    assert part.comparisons["estimate"].isna().all()
    said = representation.answer([part])
    assert "inga klienter att jämföra med befolkningen" in said and "röjandekontroll" not in said
    shown = representation.part_items(part)
    assert len(shown) == 2 and "inga rader att analysera" in shown[1]


def test_age_groups_and_years_leave_the_loaded_table_unchanged():
    clients = _clients()
    s = representation.setup("ht_beslut")
    dated = representation.with_year(clients)
    assert "ar" not in clients.data and dated.data["ar"].tolist() == [2021] * 4 + [2022] * 2
    young = clients.with_data(clients.data.assign(alder=[70, 71, 80, 90, 90, 50]))
    grouped = representation.with_age_groups(young, s)
    assert len(grouped.data) == 5 and "aldersgrupp" not in young.data
    assert grouped.excluded_by_reason() == {"Ålder utanför åldersgrupperna": 1}


def test_ratio_verdict_is_the_one_rule_around_one():
    assert representation.ratio_verdict(0.9, 1.1, a="kvinnor", b="män") == \
        "det finns ingen tydlig skillnad mellan kvinnor och män"
    assert representation.ratio_verdict(1.0, 1.3, a="kvinnor", b="män").startswith("det finns ingen")
    assert "tydligt oftare" in representation.ratio_verdict(1.1, 1.3, a="kvinnor", b="män")
    assert "tydligt mer sällan" in representation.ratio_verdict(0.7, 0.9, a="kvinnor", b="män")


# --- resources --------------------------------------------------------------------------------

def test_effective_spec_and_no_adjusted_gap_without_a_need():
    spec = resources.RESOURCE_TABLES["ht_beslut"]
    assert resources.effective_spec(spec, spec.covariates) is spec
    some = resources.effective_spec(spec, ["adl_beroende"])
    assert some.covariates == ("adl_beroende",) and some.need_text == "samma ADL-beroende"
    none = resources.effective_spec(spec, [])
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"kon": ["kvinna", "man"] * 100,
                          "beviljade_timmar": rng.gamma(4, 6, 200)})
    result = resources.resource_distribution(frame, none, threshold=5)
    assert not result.share_gaps["adjusted"].astype(bool).any()
    assert not result.amounts.comparisons["adjusted"].astype(bool).any()
    table = resources.share_gap_table(result.share_gaps, none)
    assert "Justerat för" not in table.frame.columns
    assert "samma behov" not in resources.describe_resources(result, none)


def test_resource_verdicts():
    spec = resources.RESOURCE_TABLES["ht_beslut"]
    row = {"ci_low": -2.0, "ci_high": -1.0}
    assert resources.crude_verdict(row, "kvinna", spec) == \
        "kvinnornas andel av resursen är tydligt mindre än deras andel av besluten"
    assert resources.adjusted_verdict(row, "kvinnor", "män", spec) == \
        f"kvinnor får tydligt mindre än män med {spec.need_text}"
    unclear = {"ci_low": -1.0, "ci_high": 1.0}
    assert resources.adjusted_verdict(unclear, "kvinnor", "män", spec) == "ingen tydlig skillnad"
    assert resources.crude_verdict(unclear, "kvinna", spec).startswith("det finns ingen tydlig")


# --- goals ------------------------------------------------------------------------------------

def test_quality_counts_and_the_crude_difference():
    frame = pd.DataFrame({"indikator": ["x", "x", "x", "x", "y", "y", "y"],
                          "kon": ["kvinna", "man", "kvinna", "man", "kvinna", "kvinna", "man"],
                          "taljare": [40, 30, 45, 20, 20, 12, 25], "namnare": [50, 50, 50, 40, 40, 10, 40]})
    counts = goals.quality_counts(frame).set_index(["indikator", "kon"])
    assert counts.loc[("x", "kvinna"), "n"] == 100 and counts.loc[("x", "kvinna"), "events"] == 85
    assert counts.loc[("y", "kvinna"), "n"] == 40  # 12 of 10 is impossible: left out
    q = goals.quality_indicators(_loaded("um_indikatorer", frame), threshold=5)
    x = q.comparisons.set_index("outcome").loc["x"]
    assert x["estimate"] == pytest.approx(100 * (0.85 - 50 / 90))
    assert not q.comparisons["adjusted"].astype(bool).any()
    assert q.conf_level == pytest.approx(1 - 0.05 / 2)  # two indicators: simultaneous
    only_women = goals.quality_counts(frame[frame["kon"] == "kvinna"])
    assert set(only_women["kon"]) == {"kvinna", "man"}  # every indicator has both sexes
    small = goals.quality_indicators(_loaded("um_indikatorer", frame.head(2).assign(namnare=3, taljare=2)),
                                     threshold=5)
    assert small.comparisons["suppressed"].all() and small.comparisons["estimate"].isna().all()


def test_goal_spec():
    spec = goals.goal_spec()
    assert list(spec.indicators) == ["sjalvforsorjande", "forflyttning"]
    assert goals.goal_spec("eb_utfall", ["forflyttning"], []).adjust_for == []
    with pytest.raises(ValueError, match="malindikatorer"):
        goals.goal_spec("ht_beslut")


# --- intersections ----------------------------------------------------------------------------

def test_prepare_outcome_groups_and_labels():
    frame = pd.DataFrame({"kon": ["kvinna", "man", "kvinna", "okant"],
                          "fodd_i_sverige": pd.array([True, False, pd.NA, True], dtype="boolean"),
                          "forflyttning": pd.array([True, True, False, False], dtype="boolean"),
                          "alder": [30, 40, 50, 60]})
    loaded = _loaded("eb_utfall", frame)
    prepared, rows, present = intersections.prepare_outcome_groups(
        loaded, "forflyttning", covariates=("aldersgrupp", "hushallstyp"))
    assert present == ["aldersgrupp"]
    assert list(rows["fodelseland"]) == ["inrikes_fodd", "utrikes_fodd"]
    assert prepared.excluded_by_reason()["Uppgift om födelseland saknas"] == 1
    assert "fodelseland" not in loaded.data and loaded.excluded_by_reason() == {}  # unchanged
    assert intersections.comparison_label("kvinna − man, inrikes_fodd") == "kvinnor − män, födda i Sverige"
    labels = intersections.group_labels(pd.DataFrame({"fodelseland": ["utrikes_fodd"],
                                                      "hushallstyp": ["par_med_barn"]}),
                                        ["fodelseland", "hushallstyp"])
    assert labels.iloc[0].split(", ")[1] == labels.iloc[0].split(", ")[1].lower()


def test_no_adjusted_interaction_without_covariates():
    rng = np.random.default_rng(2)
    n = 800
    frame = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n),
                          "fodelseland": rng.choice(list(intersections.BIRTH_LEVELS), n),
                          "y": rng.integers(0, 2, n)})
    result = intersections.intersection_analysis(frame, "y", factor="fodelseland",
                                                 factor_levels=intersections.BIRTH_LEVELS, threshold=5)
    assert result.adjusted.empty and disclosure.is_disclosed(result.adjusted)
    assert not result.crude_interaction["adjusted"].astype(bool).any()
    text = intersections.describe_interaction(result, factor_levels=intersections.BIRTH_LEVELS,
                                              factor_labels=intersections.BIRTH_TEXT, outcome_text="y")
    assert "samma" not in text and "Utan justering" in text


def test_interaction_verdict_and_the_worked_example():
    row = {"group_a": "kvinna", "group_b": "man", "ci_low": -20.0, "ci_high": -5.0}
    assert intersections.interaction_verdict(row, f0="födda i Sverige", f1="utrikes födda") == \
        "bland utrikes födda är andelen för kvinnor tydligt lägre i förhållande till män än bland födda i Sverige"
    row.update(ci_low=-5.0, ci_high=5.0)
    assert "kan inte skilja" in intersections.interaction_verdict(row, f0="a", f1="b")
    text = intersections.small_group_example(0.95)
    assert "25 klienter" in text and "95-procentigt" in text


# --- audit and catalogue ----------------------------------------------------------------------

def test_audit_reads_only_the_configurations_tables(tmp_path):
    other = tmp_path / "annat"
    other.mkdir()
    pd.DataFrame({"kon": ["kvinna", "man"] * 5, "person_id": list("abcdefghij")}).to_csv(
        other / "eb_klienter.csv", index=False)
    pd.DataFrame({"Kön": ["K", "M", "K"], "Timmar": ["1,5", "2", "3"]}).to_csv(
        tmp_path / "hemtjanst.csv", index=False, sep=";")
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(json.dumps({"tables": {"ht_beslut": {
        "file": "hemtjanst.csv", "columns": {"Kön": "kon", "Timmar": "beviljade_timmar"},
        "values": {"kon": {"K": "kvinna", "M": "man"}}}}}), encoding="utf-8")
    cfg = load_config(cfg)  # the run reads the configuration; the audit gets it read
    audits = audit.audit_tables(data_dir=other, config=cfg)
    assert [a.name for a in audits] == ["ht_beslut"]
    assert audits[0].completeness == {"kvinna": 2, "man": 1, "saknas": 0, "annan_kod": 0}
    assert audit.audit_one("eb_klienter", data_dir=other, config=cfg).status == "saknas"
    assert "eb_klienter" in audit.not_supplied(data_dir=other, config=cfg)
    # Without a configuration, the folder's files are the run's tables.
    assert [a.name for a in audit.audit_tables(data_dir=other)] == ["eb_klienter"]


def test_a_chapter_of_optional_tables_needs_one_of_them():
    r = catalogue.readiness("r4_01_representation", {"befolkning": {"kon", "ar", "alder", "antal"}})
    assert not r.can_run and "minst en av tabellerna" in r.text()
    assert catalogue.readiness("r4_01_representation", {"eb_klienter": {"kon"}}).can_run
    assert not catalogue.readiness("r4_03_resultat", {}).can_run
    assert catalogue.readiness("r4_03_resultat",
                               {"um_indikatorer": {"kon", "indikator", "taljare", "namnare"}}).can_run


def test_audit_answer_names_tables_without_sex():
    frame = pd.DataFrame({"tabell": ["ht_beslut", "eb_klienter", "ks_elever"],
                          "status": ["kolumn", "saknar_kon", "saknas"],
                          "andel_kant": [1.0, np.nan, np.nan]})
    text = audit.answer(frame, not_supplied=["ks_elever", "befolkning"])
    assert text.startswith("Av datamodellens 4 tabeller finns 2 i underlaget. En av dem")
    assert "i en har varje rad ett känt kön" in text and "Kön saknas helt i ansökningar om ekonomiskt bistånd (`eb_klienter`)" in text


def test_hidden_rates_are_said_in_a_sentence_of_their_own():
    """Too few clients for any rate to be shown: the text says so in a whole sentence (it read
    'Under år 2021 fanns för kvinnor visas ingen andel … i verksamheten'), and the ratio
    table shows no 'nan'."""
    population = _loaded("befolkning", pd.DataFrame(
        [{"ar": y, "kon": k, "alder": a, "antal": 100} for y in (2021, 2022) for k in ("kvinna", "man")
         for a in range(65, 101)]))
    part = representation.analyse(_clients(), population, representation.setup("ht_beslut"), threshold=5)
    words = representation.describe(part.total, part.standardised, part.comparisons, years=part.years)
    assert "fanns" not in words and "visas ingen andel per 1 000 invånare: underlaget är för litet" in words
    assert words.startswith("För kvinnor och män visas ingen andel")
    shown = representation.ratio_table(part.comparisons, caption="x").frame
    assert not shown.astype(str).apply(lambda c: c.str.contains("nan")).any().any()


def test_resources_of_one_sex_only_cannot_be_compared_and_say_so():
    """r4_02 with decisions for men only: nothing is hidden, nothing can be compared; the page
    says so (it said 'visas inte (röjandekontroll)')."""
    spec = resources.RESOURCE_TABLES["ht_beslut"]
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"kon": ["man"] * 60, spec.value: rng.gamma(4, 6, 60),
                          "adl_beroende": rng.integers(0, 3, 60), "alder": rng.integers(65, 95, 60),
                          "ensamboende": rng.integers(0, 2, 60)})
    part = resources.analyse(resources.ResourceData(spec, frame), threshold=5)
    words = resources.describe_resources(part.result, spec)
    said = resources.answer([part])
    assert "Fördelningen kan inte jämföras: ett av könen har inga beslut i urvalet." in words
    assert "skillnaden mellan andelarna kan inte beräknas" in said
    assert "röjandekontroll" not in words + said


def test_quality_indicators_of_one_sex_say_that_nothing_could_be_compared():
    """r4_03's quality indicators with women only: not '0 av 1 visar en tydlig skillnad'."""
    from jamtools import stats

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comparisons = disclosure.disclose_comparisons(stats.compare_groups(
            pd.DataFrame({"kon": ["kvinna"] * 30, "y": [1, 0] * 15}), "kon", outcome="y",
            levels=("kvinna", "man")), threshold=5, group="kon")
    quality = goals.QualityResult(pd.DataFrame(), comparisons.iloc[:1], 0.95)
    said = goals.answer(None, None, quality)
    assert "Kvalitetsindikatorerna: jämförelsen kan inte visas eller beräknas." in said
    assert "0 av 1" not in said


def test_the_sex_distribution_counts_each_person_once_and_sums_over_years_say_so():
    """Without a population the page shows the clients by sex as "Personer": each person once
    over the period (a child with reports in 2023 and 2024 was counted twice, 65 girls of 48),
    and a table of counts summed over several years says that it is a sum of the years."""
    clients = _clients()  # c: a woman with rows in 2021 and 2022; d: a man in 2022
    part = representation.analyse(clients, None, representation.setup("ht_beslut"), threshold=1)
    assert part.kind == "fordelning" and part.years == [2021, 2022]
    shown = part.distribution.set_index("kon")["events"]
    assert shown["kvinna"] == 2 and shown["man"] == 2  # a and c; b and d
    assert "Varje person räknas en gång" in representation.describe_distribution(part.distribution, years=part.years)
    population = _loaded("befolkning", pd.DataFrame({
        "ar": [2021, 2021, 2022, 2022], "kon": ["kvinna", "man", "kvinna", "man"], "antal": [1000, 800, 1000, 800]}))
    part = representation.analyse(clients, population, representation.setup("ht_beslut"), threshold=1)
    table = representation.rates_table(part.total, by=None, years=part.years)
    assert "Antal klienter" + representation.SUMMED_OVER_YEARS in table.frame.columns
    assert "Invånare" + representation.SUMMED_OVER_YEARS in table.frame.columns
    assert representation.SUMMED_NOTE in table.note
    one_year = representation.rates_table(part.total, by=None, years=[2021])
    assert "Antal klienter" in one_year.frame.columns


def test_an_age_group_or_year_the_population_covers_only_partly_is_left_out_and_said():
    """A population file of ages 65–90 and one year against clients of 65–98 in two years (the
    probe's case A): the open group 90+ would divide clients of 91–98 by inhabitants of 90, so
    it is left out (clients and inhabitants) and said in words, and so is the year the file
    lacks, against the period chosen. A file that ends at 100 (SCB's "100+ år") covers older
    clients."""
    clients = _loaded("ht_beslut", pd.DataFrame({
        "kon": ["kvinna", "man"] * 30, "alder": [66 + i % 33 for i in range(60)],
        "beslutsdatum": pd.to_datetime(["2022-03-01"] * 40 + ["2023-03-01"] * 20)}))
    s = representation.setup("ht_beslut", [65, 80, 90])
    short = _loaded("befolkning", pd.DataFrame([{"ar": 2022, "kon": k, "alder": a, "antal": 100}
                                                for k in ("kvinna", "man") for a in range(65, 91)]))
    gaps = representation.uncovered_age_groups(short.data, representation.with_age_groups(
        representation.with_year(clients), s).data, s)
    assert {k: v for k, v in gaps.items() if k[0] == 2022} == {(2022, "90+ år"): list(range(91, 99))}
    assert {g for y, g in gaps if y == 2023} == set(s.labels)  # no population that year at all
    analysed, persons, cells = representation.prepare(clients, short, s)
    by_reason = analysed.excluded_by_reason()
    assert by_reason[representation.PARTLY_COVERED] == sum(1 for i in range(40) if 66 + i % 33 >= 90)
    assert cells.loc[cells["aldersgrupp"] == "90+ år", ["events", "population"]].sum().sum() == 0
    part = representation.analyse(clients, short, s, threshold=1, period=("2022-01-01", "2023-12-31"))
    said = " ".join(part.coverage)
    assert ("Den valda perioden är åren 2022–2023, men jämförelsen med befolkningen gäller bara år "
            "2022: befolkningstabellen saknar år 2023") in said
    assert "Åldersgruppen 90+ år ingår inte i jämförelsen år 2022" in said
    assert " ".join(part.coverage) in " ".join(str(x) for x in representation.part_items(part))
    # without a period: the year the population lacks is still said
    part = representation.analyse(clients, short, s, threshold=1)
    assert any(c.startswith("Jämförelsen med befolkningen gäller bara år 2022: befolkningstabellen "
                            "saknar år 2023") for c in part.coverage)
    # a file up to 100 covers clients of 98 in 90+; every year there: nothing to say
    full = _loaded("befolkning", pd.DataFrame([{"ar": y, "kon": k, "alder": a, "antal": 100}
                                               for y in (2022, 2023) for k in ("kvinna", "man")
                                               for a in range(65, 101)]))
    part = representation.analyse(clients, full, s, threshold=1, period=("2022-01-01", "2023-12-31"))
    assert part.coverage == [] and representation.PARTLY_COVERED not in part.clients.excluded_by_reason()


def test_the_heading_names_the_adjustment_justera_for_chose():
    """r4_03 with justera_for: [alder, hushallstyp] on an export without hushallstyp: the page
    said 'justeringen görs bara för åldersgrupp och födelseland' (the catalogue's covariates)
    beside comparisons adjusted for age alone. The sentence names what was chosen and is
    present; without a choice it is the catalogue's."""
    from jamtools.data.check import check_table
    from jamtools.run.notebook import ChapterRun

    raw = pd.DataFrame({"kon": ["kvinna", "man"], "alder": ["30", "40"], "fodd_i_sverige": ["1", "0"],
                        "sjalvforsorjande": ["1", "0"]}, dtype="string")
    checked = check_table(raw, TABLES["eb_utfall"], source="test.csv")
    t = LoadResult(table=TABLES["eb_utfall"], data=checked.data, source="test.csv", checked=checked)
    t = t.with_data(t.data.assign(aldersgrupp="30–39", fodelseland="Sverige"))
    from types import SimpleNamespace

    def omissions(**extra):
        run = ChapterRun("r4_03_resultat", QUESTIONS["r4_03_resultat"], params=SimpleNamespace(extra=extra))
        return run.omissions("eb_utfall", t)

    chosen = omissions(justera_for=["alder", "hushallstyp"])
    assert "justeringen görs bara för ålder." in chosen
    assert "födelseland" not in chosen
    default = omissions()
    assert "justeringen görs bara för åldersgrupp och födelseland" in default
    # an explicit empty choice adjusts for nothing, and no sentence claims an adjustment
    assert "justeringen görs" not in omissions(justera_for=[])


def test_r4_02_names_a_data_table_once_where_it_is_the_parts_own():
    """r4_02 captioned the offers' data table "insatser i ekonomiskt bistånd, insatser i
    ekonomiskt bistånd" (the part's title and the table's, the same words)."""
    from jamtools.chapters.resources import SOURCE_TABLES, data_caption

    captions = [data_caption(part, t) for part, tables in SOURCE_TABLES.items() for t in tables]
    assert "Dataunderlag: insatser i ekonomiskt bistånd" in captions
    assert "Dataunderlag: insatser i ekonomiskt bistånd, planeringar i ekonomiskt bistånd" in captions
    for caption in captions:
        words = caption.removeprefix("Dataunderlag: ").split(", ")
        assert len(words) == len(set(words)), caption
