"""The data preparation of the ekonomiskt bistånd chapters (jamtools.chapters.eb), on small frames: each
function works with and without the optional columns and with missing values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.run import catalogue

from jamtools.chapters import eb
from jamtools.chapters import eb_paths
from jamtools.present import outcomes
from jamtools.data import LoadResult
from jamtools.data.model import TABLES


# --- end_status (eb_06: the competing-risks status) -------------------------------------------

def test_end_status_with_reason():
    status = eb_paths.end_status(pd.Series([1, 0, 0, 0, 0, 0]),
                                 pd.Series(["sjalvforsorjande", "annan_ersattning", "flyttat", "ovrigt",
                                            "pagaende", None]))
    assert status.tolist() == [1, 2, 2, 2, 0, 0]
    assert str(status.dtype) == "Int64"


def test_end_status_without_reason_column_uses_the_end_date():
    """Without avslutsorsak a case that ended (end date) and was not self-sufficient is
    another end; without an end date it is ongoing."""
    status = eb_paths.end_status(pd.Series([1, 0, 0]), None,
                                 pd.Series([pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.NaT]))
    assert status.tolist() == [1, 2, 0]


def test_end_status_without_reason_and_end_date_counts_every_other_case_as_ongoing():
    assert eb_paths.end_status(pd.Series([True, False, False])).tolist() == [1, 0, 0]


def test_end_status_with_missing_values_is_never_ambiguous():
    """The defect: np.select on nullable values raised 'boolean value of NA is ambiguous'.
    Missing flags give a missing status; a missing reason falls back on the end date."""
    flag = pd.Series([pd.NA, True, False, False, False], dtype="boolean")
    reason = pd.Series([pd.NA, pd.NA, pd.NA, pd.NA, "flyttat"], dtype="string")
    ended = pd.Series([pd.NaT, pd.NaT, pd.Timestamp("2024-05-01"), pd.NaT, pd.NaT])
    status = eb_paths.end_status(flag, reason, ended)
    assert status.isna().tolist() == [True, False, False, False, False]
    assert status.iloc[1:].tolist() == [1, 2, 0, 2]


def test_end_status_contradiction_is_missing():
    """The reason says self-sufficient while the flag says not: cannot be told."""
    status = eb_paths.end_status(pd.Series([0]), pd.Series(["sjalvforsorjande"]))
    assert status.isna().all()


def test_end_status_keeps_the_index_and_handles_no_rows():
    flag = pd.Series([1, 0], index=[10, 20])
    status = eb_paths.end_status(flag, pd.Series(["sjalvforsorjande", "pagaende"], index=[10, 20]))
    assert list(status.index) == [10, 20]
    assert len(eb_paths.end_status(pd.Series([], dtype="boolean"), pd.Series([], dtype="string"))) == 0


def test_end_status_accepts_text_flags():
    """Exports read as text: '1'/'0' flags are understood."""
    assert eb_paths.end_status(pd.Series(["1", "0", None]),
                               pd.Series([None, "ovrigt", None])).tolist()[:2] == [1, 2]


def test_follow_up_codes_the_status_and_leaves_out_what_cannot_be_followed():
    """eb_06's time to an end: the status of each client, without the rows whose days are
    missing or whose end reason contradicts the flag (each with its reason); the loaded table
    itself is left unchanged."""
    frame = pd.DataFrame({"kon": ["kvinna", "man", "kvinna", "man", "kvinna"],
                          "dagar": [100, 200, None, 50, 300],
                          "sjalvforsorjande": [True, False, False, False, False],
                          "avslutsorsak": ["sjalvforsorjande", "flyttat", "pagaende",
                                           "sjalvforsorjande", None]})
    loaded = LoadResult(table=TABLES["eb_utfall"], data=frame.copy(), source="test")
    loaded._record("Inlästa rader (test)", loaded.data, "inlästa")
    tid = eb_paths.follow_up(loaded)
    assert tid.data["status"].tolist() == [1, 2, 0] and tid.data["status"].dtype == int
    assert tid.excluded_by_reason() == {
        "Uppgift om antal dagar saknas": 1,
        "Avslutsorsaken stämmer inte med uppgiften om självförsörjning": 1}
    assert "status" not in loaded.data.columns and len(loaded.data) == 5
    without_reason = LoadResult(table=TABLES["eb_utfall"], data=frame.drop(columns="avslutsorsak"),
                                source="test")
    assert eb_paths.follow_up(without_reason).data["status"].tolist() == [1, 0, 0, 0]


# --- flags_by (eb_03: the crosstab flags, on rows) ---------------------------------------------

def _offers(planering: pd.DataFrame, insatser: pd.DataFrame, types):
    from jamtools.data.links import flags_by

    loaded = LoadResult(table=TABLES["eb_planering"], data=planering, source="test")
    offers = LoadResult(table=TABLES["eb_insatser"], data=insatser, source="test")
    return flags_by(loaded, "planering_id", offers, "planering_id", "insatstyp", types).data


def test_offered_types_flags_each_planning_once():
    planering = pd.DataFrame({"planering_id": ["a", "b", "c"], "kon": ["kvinna", "man", "man"]})
    insatser = pd.DataFrame({"planering_id": ["a", "a", "b", None, "x"],
                             "insatstyp": ["sfi", "sfi", "praktik", "praktik", "praktik"]})
    out = _offers(planering, insatser, ["sfi", "praktik", "studier"])
    assert out["sfi"].tolist() == [1, 0, 0]          # twice offered is still 1
    assert out["praktik"].tolist() == [0, 1, 0]      # a missing id or an unknown planning counts nowhere
    assert out["studier"].tolist() == [0, 0, 0]      # a type nobody got is a column of zeros
    assert out["kon"].tolist() == planering["kon"].tolist() and len(out) == 3
    assert all(out[t].dtype == np.int64 for t in ("sfi", "praktik", "studier"))


def test_offered_types_with_no_offers_and_no_types():
    planering = pd.DataFrame({"planering_id": ["a", "b"]}, index=[5, 7])
    empty = pd.DataFrame({"planering_id": pd.Series(dtype="string"), "insatstyp": pd.Series(dtype="string")})
    out = _offers(planering, empty, ["sfi"])
    assert out["sfi"].tolist() == [0, 0] and list(out.index) == [5, 7]
    assert list(_offers(planering, empty, []).columns) == ["planering_id"]


# --- select_parents, children_group (eb_04, jamtools.chapters.eb_paths) -------------------------

def _loaded(frame: pd.DataFrame) -> LoadResult:
    result = LoadResult(table=TABLES["eb_planering"], data=frame.copy(), source="test")
    result._record("Inlästa rader (test)", result.data, "inlästa")
    return result


def test_children_group():
    assert eb_paths.children_group([1, 2, 3, 7, 0, None]).tolist() == ["1", "2", "3 eller fler", "3 eller fler",
                                                                        pd.NA, pd.NA]


def test_select_parents_with_number_of_children():
    frame = pd.DataFrame({"kon": ["kvinna", "man", "kvinna", "man"], "antal_barn": [2, 0, None, 4],
                          "undantag_barnomsorg": [1, None, 1, 0], "foraldraledighet_planerad": [0, None, 1, None]})
    out = eb_paths.select_parents(_loaded(frame), ["undantag_barnomsorg", "foraldraledighet_planerad"])
    assert out.data["antal_barn"].tolist() == ["2"]
    assert out.excluded_by_reason() == {
        "Uppgift om antal barn saknas": 1, "Inga barn i hushållet (frågan gäller föräldrar)": 1,
        "Uppgift om undantag eller föräldraledighet saknas": 1}


def test_select_parents_without_number_of_children_uses_the_filled_outcome():
    """Without antal_barn the outcome (empty for clients without children) marks a parent."""
    frame = pd.DataFrame({"kon": ["kvinna", "man", "kvinna"], "undantag_barnomsorg": [1, None, 0]})
    out = eb_paths.select_parents(_loaded(frame), ["undantag_barnomsorg", "foraldraledighet_planerad"])
    assert len(out.data) == 2 and "antal_barn" not in out.data.columns
    assert out.excluded_by_reason() == {"Uppgift om undantag saknas (tomt för klienter utan barn)": 1}


# --- process_steps, linkable, process_links (eb_07) --------------------------------------------

KLIENTER = pd.DataFrame({"person_id": ["p1", "p2", "p3", "p4"], "kon": ["kvinna", "man", "kvinna", "man"],
                         "bistand_beviljat": [1, 1, 0, None]})
PLANERING = pd.DataFrame({"planering_id": ["a", "b"], "person_id": ["p1", "p2"], "kon": ["kvinna", "man"]})
INSATSER = pd.DataFrame({"planering_id": ["a"], "insatstyp": ["sfi"]})
UTFALL = pd.DataFrame({"person_id": ["p1", "p2"], "kon": ["kvinna", "man"], "sjalvforsorjande": [0, 1]})


def _as_loaded(table, frame):
    return None if frame is None else LoadResult(table=TABLES[table], data=frame, source="t")


def test_process_steps_all_tables():
    steps = eb.process_steps(_as_loaded("eb_klienter", KLIENTER), _as_loaded("eb_planering", PLANERING),
                             _as_loaded("eb_insatser", INSATSER), _as_loaded("eb_utfall", UTFALL))
    assert list(steps) == list(eb.STEPS)
    assert all(weight is None for _, _, weight in steps.values())  # rows: no weight
    frame, col, _ = steps["bistand_beviljat"]
    assert frame[col].tolist() == [1, 1, 0]                         # no decision: left out
    frame, col, _ = steps["planering"]
    assert frame["person_id"].tolist() == ["p1", "p2"] and frame[col].tolist() == [1, 1]
    assert steps["insats"][0]["insats"].tolist() == [1, 0]
    assert steps["sjalvforsorjande"][0]["sjalvforsorjande"].tolist() == [0, 1]
    whole, col, _ = steps["ansokan_till_sjalvforsorjande"]
    assert whole[col].tolist() == [0, 1, 0]


@pytest.mark.parametrize("planering, insatser, utfall, expected", [
    (None, None, None, ["bistand_beviljat"]),
    (PLANERING, None, None, ["bistand_beviljat", "planering"]),
    (None, INSATSER, None, ["bistand_beviljat"]),            # offers without plannings: no step
    (None, None, UTFALL, ["bistand_beviljat", "sjalvforsorjande", "ansokan_till_sjalvforsorjande"]),
])
def test_process_steps_only_what_the_tables_allow(planering, insatser, utfall, expected):
    assert list(eb.process_steps(_as_loaded("eb_klienter", KLIENTER), _as_loaded("eb_planering", planering),
                                 _as_loaded("eb_insatser", insatser), _as_loaded("eb_utfall", utfall))) == expected


def test_linkable_and_process_links_refuse_row_number_ids():
    from jamtools.data.check import CheckedTable

    def loaded(table, frame, derived=None):
        checked = CheckedTable(table=TABLES[table], source="t", data=frame, problems=[], masks={},
                               derived=derived or {}, export_names={}, rows_read=len(frame))
        return LoadResult(table=TABLES[table], data=frame, source="t", checked=checked)

    klienter = loaded("eb_klienter", KLIENTER)
    numbered = loaded("eb_utfall", UTFALL.assign(person_id=["rad 2", "rad 3"]), {"person_id": "radnumret"})
    assert eb.linkable(klienter, "person_id") and not eb.linkable(numbered, "person_id")
    assert not eb.linkable(None, "person_id")
    need = catalogue.CHAPTERS["eb_07_processkarta"].need
    unlinked = {"eb_klienter": need("eb_klienter").optional["person_id"],
                "eb_insatser": need("eb_insatser").without, "eb_utfall": need("eb_utfall").without}
    links = eb.process_links(klienter, None, None, numbered, unlinked=unlinked)
    assert (links.applicants, links.planering, links.insatser, links.utfall) == (True, False, False, False)
    assert len(links.notes) == 1 and unlinked["eb_utfall"] in links.notes[0]
    alone = eb.process_links(loaded("eb_klienter", KLIENTER.assign(person_id=["rad 2", "rad 3", "rad 4", "rad 5"]),
                                    {"person_id": "radnumret"}), None, None, numbered, unlinked=unlinked)
    assert not alone.applicants and len(alone.notes) == 1 and unlinked["eb_klienter"] in alone.notes[0]


def _Run():
    """eb_07's chapter run (only its catalogue lookups are used here, so no parameters)."""
    from jamtools.run.notebook import ChapterRun

    return ChapterRun("eb_07_processkarta", catalogue.CHAPTERS["eb_07_processkarta"].title, None)


def _frame_result(table, frame):
    return LoadResult(table=TABLES[table], data=frame, source="t")


def test_process_omissions_says_the_no_adjustment_once_or_which_steps_are_unadjusted():
    klienter = _frame_result("eb_klienter", KLIENTER)
    utfall = _frame_result("eb_utfall", UTFALL)
    no_adjustment = catalogue.no_adjustment_text(["hushallstyp"])
    # No table has the household type: the catalogue's sentence once, not per table.
    out = eb.process_omissions(_Run(), {"eb_klienter": klienter, "eb_planering": None, "eb_utfall": utfall})
    assert out.count(no_adjustment) == 1 and sum(no_adjustment in s for s in out) == 1
    assert catalogue.CHAPTERS["eb_07_processkarta"].need("eb_planering").without in " ".join(out)
    # Only the outcomes lack it: their steps take the applicant's household type
    # (eb.applicants_covariates), so nothing is said about them.
    with_household = _frame_result("eb_klienter", KLIENTER.assign(hushallstyp="ensamstaende_utan_barn"))
    out = eb.process_omissions(_Run(), {"eb_klienter": with_household, "eb_utfall": utfall})
    assert not any(no_adjustment in s or "saknar hushållstyp" in s for s in out)


def _stacked(rows):
    """Disclosed stacked comparisons from hand-made counts (threshold 5), crude and adjusted
    alike, by outcome name."""
    from jamtools import disclosure, stats

    parts = {}
    for name, (ea, na, eb_, nb) in rows.items():
        table = pd.DataFrame({"kon": ["kvinna", "man"], "n": [float(na), float(nb)],
                              "events": [float(ea), float(eb_)]})
        crude = stats.compare_groups(table, "kon", levels=("kvinna", "man"), outcome_name=name)
        adjusted = crude.assign(adjusted=True, adjusted_for="hushallstyp")
        parts[name] = disclosure.disclose_comparisons(pd.concat([crude, adjusted], ignore_index=True),
                                                      threshold=5)
    return disclosure.stack(parts, "krav")


def test_short_answer_of_several_outcomes():
    """The first outcome crude and adjusted, then which of all show a clear difference (the
    adjusted comparison, simultaneous intervals) — by the one verdict rule."""
    text = eb._short_answer(_stacked({"Krav A": (60, 100, 40, 100), "Krav B": (50, 100, 50, 100),
                                      "Krav C": (20, 100, 45, 100)}), "krav", unit_text="planeringar",
                            what="krav", empty="inget")
    assert text.startswith("**Krav A.** Utan justering är skillnaden kvinnor − män +20,0 procentenheter")
    assert "Bland planeringar med samma hushållstyp är skillnaden" in text
    assert text.endswith("Med simultana intervall över alla 3 krav är skillnaden mellan kvinnor och män "
                         "tydlig bland planeringar med samma hushållstyp för krav A och krav C.")
    none = eb._short_answer(_stacked({"A": (50, 100, 50, 100), "B": (48, 100, 50, 100)}), "krav",
                            unit_text="planeringar", what="krav", empty="inget")
    assert none.endswith("finns ingen tydlig skillnad mellan kvinnor och män bland planeringar med samma "
                         "hushållstyp för någon av dem.")
    assert eb._short_answer(_stacked({}), "krav", unit_text="planeringar", what="krav", empty="inget") == "inget"


# --- labels ------------------------------------------------------------------------------------

def test_difference_rows_and_comparison_labels():
    comparisons = pd.DataFrame({"krav": ["A", "A", "A"], "measure": ["risk_difference_pp", "odds_ratio",
                                                                      "risk_difference_pp"],
                                "adjusted": [False, False, True], "comparison": ["kvinna − man"] * 3})
    rows = outcomes.difference_rows(comparisons, "krav")
    assert rows["rad"].tolist() == ["A, ojusterat", "A, justerat"]
    assert rows["comparison"].tolist() == ["A: kvinnor − män"] * 2
    assert outcomes.comparison_labels(comparisons.head(1), "krav")["comparison"].tolist() == ["A: kvinnor − män"]
    assert outcomes.difference_rows(comparisons.iloc[0:0], "krav").empty


def test_born_label():
    assert eb_paths.born_label(pd.Series([True, False, None], dtype="object")).tolist() == [
        "Född i Sverige", "Född utomlands", pd.NA]


def test_left_out_uses_the_catalogue():
    need = catalogue.CHAPTERS["eb_06_sjalvforsorjning"].need("eb_utfall")
    assert need.optional["forflyttning"] in catalogue.left_out("eb_06_sjalvforsorjning", "eb_utfall",
                                                               "forflyttning")
    assert catalogue.CHAPTERS["eb_07_processkarta"].need("eb_utfall").without in catalogue.left_out(
        "eb_07_processkarta", "eb_utfall")


def test_eb_04_calls_clients_without_children_so_not_a_missing_value():
    """A blank exemption is what a client without children has: the load kept it for
    select_parents, whose data table says the question is about parents, where it said
    'Saknar värde (undantag från aktivitet för barnomsorg)' of every non-parent (a probe: 67
    women, read as a data error)."""
    from types import SimpleNamespace

    from jamtools.data.load import DEMO_DATA_DIR

    loaded = catalogue.load("eb_04_foraldraansvar", "eb_planering",
                            SimpleNamespace(data_dir=DEMO_DATA_DIR, config=None))
    assert not [s for s in loaded.excluded_by_reason() if s.startswith("Saknar värde")]
    blank = int(loaded.n_rows(loaded.data[loaded.data["undantag_barnomsorg"].isna()]))
    assert blank > 0
    parents = eb_paths.select_parents(loaded, ["undantag_barnomsorg"])
    reasons = parents.excluded_by_reason()
    assert reasons.get("Inga barn i hushållet (frågan gäller föräldrar)", 0) > 0
    assert parents.data["undantag_barnomsorg"].notna().all()
