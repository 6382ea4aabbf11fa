"""The child-and-family chapters' data preparation (jamtools.chapters.bof), on small hand-made tables
checked as the loader checks them."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.chapters import bof

from jamtools.run import catalogue
from jamtools.run.notebook import ChapterRun
from jamtools.data import LoadResult
from jamtools.data.check import check_table
from jamtools.data.model import TABLES


def loaded(table: str, **columns) -> LoadResult:
    """A table as :func:`jamtools.data.load_table` returns it: text columns, checked and typed
    (ids the export lacks are numbered from the row position)."""
    raw = pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in columns.items()})
    checked = check_table(raw, TABLES[table], source="test.csv")
    return LoadResult(table=TABLES[table], data=checked.data, source="test.csv", checked=checked)


# --- has_ids ------------------------------------------------------------------

def test_has_ids_refuses_row_numbers_and_absent_tables():
    with_ids = loaded("bof_aktualiseringar", aktualisering_id=["A1", "A2"], kon=["flicka", "pojke"])
    numbered = loaded("bof_aktualiseringar", kon=["flicka", "pojke"])
    assert "aktualisering_id" in numbered.data.columns  # numbered from the row position ...
    assert bof.has_ids(with_ids, "aktualisering_id")
    assert not bof.has_ids(numbered, "aktualisering_id")  # ... which links nothing
    assert not bof.has_ids(None, "aktualisering_id")
    assert not bof.has_ids(with_ids, "utredning_id")


# --- omissions -----------------------------------------------------------------------------------

B03, B04, B06 = "bof_03_typ_av_insats", "bof_04_anmalningsorsak_och_anmalare", "bof_06_processkarta"


def run_of(chapter_id: str) -> ChapterRun:
    """The chapter's run as a composition gets it (only its catalogue sentences are used)."""
    return ChapterRun(chapter_id, catalogue.QUESTIONS[chapter_id], params=None)


def test_omissions_says_each_sentence_once_and_row_numbered_ids_count_as_missing():
    reports = loaded("bof_aktualiseringar", kon=["flicka"], utredning_inledd=["1"])
    investigations = loaded("bof_utredningar", kon=["flicka"], insats_beviljad=["1"])
    assert not reports.has("aktualisering_id")  # numbered from the row position
    text = bof.omissions(run_of(B06), {"bof_aktualiseringar": reports, "bof_utredningar": investigations})
    what = catalogue.CHAPTERS[B06].need("bof_utredningar").optional["aktualisering_id"]
    assert text == f"Data saknar uppgift om anmälningens id: {what}."  # said once, for both


def test_omissions_for_an_absent_table_and_no_adjustment():
    insatser = loaded("bof_insatser", kon=["flicka"], insatstyp=["samtalsstod"], utredning_id=["U1"])
    lacking = bof.reason_link_lacking(insatser, None)
    assert lacking == ["orsakstyp"]
    text = bof.omissions(run_of(B03), {"bof_insatser": insatser, "bof_utredningar": None},
                         lacking=lacking)
    assert catalogue.CHAPTERS[B03].need("bof_utredningar").without in text
    assert text.count("**Justeringen kunde inte göras**") == 1
    assert "(typ av orsak)" in text


def test_omissions_replaces_the_covariate_sentence_when_nothing_is_adjusted():
    """bof_04 without age and reporter: the reason is present, but it is only adjusted for in
    the comparison of reporters, so no comparison is adjusted."""
    t = loaded("bof_aktualiseringar", kon=["flicka"], anmalningsorsak=["kriminalitet"])
    assert "justeringen görs bara för anmälningsorsak" in catalogue.omissions(B04, "bof_aktualiseringar", t)
    text = bof.omissions(run_of(B04), {"bof_aktualiseringar": t}, lacking=["aldersgrupp", "anmalare"])
    assert "justeringen görs bara för" not in text
    assert bof.no_adjustment_text(["aldersgrupp", "anmalare"]) in text
    assert "Data saknar uppgift om anmälare" in text
    # with the reporter, the catalogue's own sentence stands
    t2 = loaded("bof_aktualiseringar", kon=["flicka"], anmalningsorsak=["kriminalitet"], anmalare=["polis"])
    assert bof.omissions(run_of(B04), {"bof_aktualiseringar": t2}) == catalogue.omissions(B04, "bof_aktualiseringar", t2)


def test_omissions_without_the_link_names_what_the_adjustment_lacks():
    """bof_03: insatser without their investigation's id cannot get its reason type: the
    catalogue's sentence for the id, and the adjustment could not be made for want of it."""
    insatser = loaded("bof_insatser", kon=["flicka"], insatstyp=["samtalsstod"])
    utredningar = loaded("bof_utredningar", utredning_id=["U1"], kon=["flicka"],
                         anmalningsorsak=["kriminalitet"])
    lacking = bof.reason_link_lacking(insatser, utredningar)
    assert lacking == ["utredning_id"]
    text = bof.omissions(run_of(B03), {"bof_insatser": insatser, "bof_utredningar": utredningar},
                         lacking=lacking)
    what = catalogue.CHAPTERS[B03].need("bof_insatser").optional["utredning_id"]
    assert f"Data saknar uppgift om utredningens id: {what}." in text
    assert text.count("**Justeringen kunde inte göras**") == 1
    assert bof.no_adjustment_text(["utredning_id"]) in text
    assert catalogue.no_adjustment_text(["orsakstyp"]) not in text  # the reason type is there


# --- add_reason_type -------------------------------------------------------------------------------

def _insatser():
    return loaded("bof_insatser", kon=["flicka", "pojke", "pojke"], utredning_id=["U1", "U2", "U9"],
                  insatstyp=["samtalsstod", "placering_hvb", "samtalsstod"])


def test_add_reason_type_links_each_insats_to_its_investigation():
    ins = _insatser()
    utr = loaded("bof_utredningar", utredning_id=["U1", "U2"], kon=["flicka", "pojke"],
                 anmalningsorsak=["vald_i_familjen", "kriminalitet"])
    assert bof.reason_link_lacking(ins, utr) == []
    before = ins.data.copy()
    out = bof.add_reason_type(ins, utr)
    assert list(out.data["orsakstyp"]) == ["miljo", "beteende"]
    assert out.excluded_by_reason() == {"Utredningen saknas eller saknar typ av orsak": 1}
    # a new result: the original is unchanged
    pd.testing.assert_frame_equal(ins.data, before)
    assert ins.excluded_by_reason() == {}


@pytest.mark.parametrize("case", ["no_table", "row_numbers", "no_reason", "no_link"])
def test_add_reason_type_changes_nothing_without_the_link(case):
    ins = _insatser()
    if case == "no_link":
        ins = loaded("bof_insatser", kon=["flicka"], insatstyp=["samtalsstod"])
    utr = {"no_table": None,
           "row_numbers": loaded("bof_utredningar", kon=["flicka"], anmalningsorsak=["kriminalitet"]),
           "no_reason": loaded("bof_utredningar", utredning_id=["U1"], kon=["flicka"]),
           "no_link": loaded("bof_utredningar", utredning_id=["U1"], kon=["flicka"],
                             anmalningsorsak=["kriminalitet"])}[case]
    before = ins.data.copy()
    assert bof.reason_link_lacking(ins, utr) == {
        "no_table": ["orsakstyp"], "row_numbers": ["utredning_id"], "no_reason": ["orsakstyp"],
        "no_link": ["utredning_id"]}[case]
    out = bof.add_reason_type(ins, utr)
    assert out is ins and "orsakstyp" not in out.data.columns
    pd.testing.assert_frame_equal(ins.data, before)


# --- compare_each_category, flag --------------------------------------------------------------------

def test_compare_each_category_one_simultaneous_comparison_per_category():
    data = pd.DataFrame({"kon": ["flicka"] * 40 + ["pojke"] * 40,
                         "typ": ["a"] * 30 + ["b"] * 10 + ["a"] * 10 + ["b"] * 25 + [None] * 5,
                         "orsakstyp": ["miljo", "beteende"] * 40})
    with pytest.warns(UserWarning, match="ingen i någon av grupperna har utfallet"):  # no row is of type c
        out = bof.compare_each_category(data, "typ", ["a", "b", "c"], covariates=["orsakstyp"],
                                        threshold=1)
    rd = out[out["measure"] == "risk_difference_pp"]
    assert set(rd["typ"]) == {"a", "b", "c"} and set(rd["outcome"]) == {"a", "b", "c"}
    assert rd["adjusted"].astype(bool).sum() == 3  # one adjusted row per category
    assert list(rd["conf_level"]) == pytest.approx([1 - 0.05 / 3] * len(rd))
    crude_a = rd[(rd["typ"] == "a") & ~rd["adjusted"].astype(bool)].iloc[0]
    # 30/40 girls, 10/35 boys (the five rows of unknown type are not counted)
    assert crude_a["estimate"] == pytest.approx(100 * (30 / 40 - 10 / 35))
    assert (crude_a["n_a"], crude_a["n_b"]) == (40, 35)


def test_flag_marks_a_value_and_leaves_unknown_rows_out():
    data = pd.DataFrame({"kon": ["flicka", "pojke", "pojke"],
                         "anmalare": pd.array(["polis", "skola", None], dtype="string")})
    out = bof.flag(data, "anmalare", "polis", "anmalare_polis")
    assert list(out["anmalare_polis"]) == [1, 0]
    assert "anmalare_polis" not in data.columns


# --- parents ---------------------------------------------------------------------------------------

def test_parents_one_row_per_existing_parent():
    u = loaded("bof_utredningar", utredning_id=["U1", "U2"], kon=["flicka", "pojke"],
               mamma_finns=["1", "1"], pappa_finns=["1", "0"],
               mamma_kontaktad=["1", "0"], pappa_kontaktad=["0", None],
               mamma_samtal=["1", "0"], pappa_samtal=["0", None],
               antal_moten_mamma=["3", "0"], antal_moten_pappa=["1", None],
               foraldrar_sammanboende=["0", "1"]).data
    out = bof.parents(u)
    assert list(out["foralder"]) == ["mamma", "mamma", "pappa"]
    assert list(out["kontaktad"]) == [1, 0, 0] and list(out["samtal"]) == [1, 0, 0]
    assert list(out["moten"]) == [3, 0, 1]
    assert list(out["sammanboende"]) == ["bor isär", "bor ihop", "bor isär"]
    assert list(out["kon"]) == ["flicka", "pojke", "flicka"]  # the child's sex


def test_parents_with_only_the_contacts():
    """Without whether a parent exists, every recorded contact counts; without the
    conversation of one parent, conversations are not compared."""
    u = loaded("bof_utredningar", kon=["flicka", "pojke"], mamma_kontaktad=["1", "1"],
               pappa_kontaktad=["0", None], mamma_samtal=["1", "1"]).data
    out = bof.parents(u)
    assert list(out["foralder"]) == ["mamma", "mamma", "pappa"]
    assert {"samtal", "moten", "sammanboende"}.isdisjoint(out.columns)


# --- process_steps ----------------------------------------------------------------------------------

def test_process_steps_follow_each_report_to_insats():
    reports = loaded("bof_aktualiseringar", aktualisering_id=["A1", "A2", "A3"],
                     kon=["flicka", "pojke", "pojke"], utredning_inledd=["1", "1", "0"])
    investigations = loaded("bof_utredningar", aktualisering_id=["A1", "A2", "A2"],
                            kon=["flicka", "pojke", "pojke"], insats_beviljad=["0", "0", "1"])
    steps = bof.process_steps(reports, investigations)
    assert list(steps) == list(bof.STEPS.values())
    chain, outcome, weight = steps[bof.STEPS["insats_per_anmalan"]]
    assert weight is None  # rows: one row is one report
    assert list(chain[outcome]) == [0, 1, 0]
    assert "insats_per_anmalan" not in reports.data.columns


def test_process_steps_show_what_the_data_allow():
    reports = loaded("bof_aktualiseringar", kon=["flicka"], utredning_inledd=["1"])  # row numbers
    investigations = loaded("bof_utredningar", aktualisering_id=["rad 2"], kon=["flicka"],
                            insats_beviljad=["1"])
    assert list(bof.process_steps(reports, investigations)) == [bof.STEPS["utredning_inledd"],
                                                                bof.STEPS["insats_beviljad"]]
    assert list(bof.process_steps(reports, None)) == [bof.STEPS["utredning_inledd"]]
    assert list(bof.process_steps(None, investigations)) == [bof.STEPS["insats_beviljad"]]


@pytest.mark.parametrize("blank", ["moten_partly", "finns_empty", "moten_empty"])
def test_bof_05_with_parents_columns_not_given(tmp_path, blank):
    # the meetings not given for some contacted parents (left out of that comparison only, and
    # said), or a column about the parents given but empty in every row (as when it is not
    # there): the chapter runs and compares the parents; it stopped, or compared no one
    import numpy as np

    from jamtools.present.report import Table
    from jamtools.run.notebook import setup
    from tests.conftest import SYNTHETIC

    u = pd.read_csv(SYNTHETIC / "bof_utredningar.csv", dtype=str)
    rng = np.random.default_rng(5)
    if blank == "moten_partly":
        u.loc[rng.random(len(u)) < 0.3, "antal_moten_mamma"] = None
    elif blank == "finns_empty":
        u["mamma_finns"], u["pappa_finns"] = None, None
    else:
        u["antal_moten_mamma"], u["antal_moten_pappa"] = None, None
    u.to_csv(tmp_path / "bof_utredningar.csv", index=False)
    ctx = setup("bof_05_bemotande_av_foraldrar", {"data_dir": str(tmp_path), "enhet": None,
                                                  "alder_min": 0, "alder_max": 17})
    page = bof.parents_treatment(ctx)
    assert "inga föräldrar" not in page.short_answer.lower()
    meetings = page.part("moten")
    if blank == "moten_empty":
        assert meetings == ("Data saknar antal möten med föräldrarna, så den jämförelsen utelämnas.",)
    else:
        assert isinstance(meetings[0], Table) and len(meetings[0].frame) > 0
        said = any("utan uppgift om antal möten" in str(i) for i in meetings)
        assert said == (blank == "moten_partly")


def test_the_whole_distribution_is_said_by_its_test():
    """bof_03's sentence on the whole distribution said "Fördelningarna skiljer sig med Cramérs
    V = … (p 0,862)" whatever the p-value: the verdict follows the test, and p reads 'p = '."""
    import numpy as np

    from jamtools import disclosure, stats
    from jamtools.present.report import number

    rng = np.random.default_rng(1)
    kinds = ["a", "b", "c"]
    data = pd.DataFrame({"kon": ["flicka"] * 40 + ["pojke"] * 40,
                         "insatstyp": [*rng.choice(kinds, 40), *rng.choice(kinds, 40)]})
    whole = disclosure.disclose_comparisons(pd.concat([
        stats.independence_test(data, "insatstyp"),
        stats.dissimilarity_index(data, "insatstyp", levels=("flicka", "pojke"))],
        ignore_index=True), threshold=3)
    p = whole.loc[whole["measure"] == "cramers_v", "p_value"].iloc[0]
    assert p > 0.05
    text = bof._whole_distribution_text(whole, 0.95)
    assert text.startswith("Data kan inte visa att fördelningarna skiljer sig åt (Cramérs V = ")
    assert f"chi-två-test, p = {number(p, 3)})." in text
    assert "skiljer sig med" not in text
