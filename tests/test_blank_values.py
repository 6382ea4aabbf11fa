"""Blank values in an analyst's export reach no page as a crash or as a count given back by
subtraction (a probe of every chapter with 1–3 blanks per column found these):

- ru_01: granted applications without an amount were left out of the amount comparisons and of
  the table of funds, whose numbers of applications then differed from the ones shown by the
  blank few;
- ht_01/ht_02: a blank age, without an age filter, reached the regression (a numeric covariate
  cannot be blank) and stopped the chapter; a blank need column gave a need group that the table
  by need group dropped (and later stopped on). A blank covariate now leaves its row out of the
  chapter, in every chapter alike (ChapterRun.with_covariates).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.chapters import ru
from jamtools.data import load_table
from jamtools.present.report import number
from jamtools.run import catalogue
from jamtools.run.notebook import ChapterRun
from tests.conftest import SYNTHETIC


@pytest.mark.parametrize("blank, left", [(2, True), (6, False), (0, False)])
def test_ru01_a_few_grants_without_an_amount_leave_the_chapter(tmp_path, blank, left):
    """ru_01 with grants without an amount: the granted applications shown (258 women) less
    the amount comparison's n gave the few back (ru._few_without then hid the n, a special
    case of the chapter). Now 1–4 of a sex leave the whole chapter (ChapterRun.without_few), so
    every count of women agrees; with more, they are left out of the amounts in a step that
    may be shown."""
    from jamtools.chapters import ru
    from jamtools.run.params import Params

    folder = tmp_path / "data"
    folder.mkdir()
    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False)
    women = raw.index[(raw["kon"] == "kvinna") & (raw["beviljad"] == "1")]
    raw.loc[women[:blank], "beviljat_belopp"] = ""
    raw.to_csv(folder / "ru_ansokningar.csv", index=False)
    chapter = "ru_01_projektmedel"
    params = Params(data_dir=folder, period_start=None, period_end=None, threshold=5, conf_level=0.95,
                    organisation="Testkommun", results_path=None, config_file=None,
                    extra={"beloppsgranser": [200000, 400000, 800000]})
    page = ru.project_funds(ChapterRun(chapter, catalogue.QUESTIONS[chapter], params))
    cmp = page.comparisons
    granted = cmp[cmp["outcome"].astype(str) == "beviljad"]
    amounts = cmp[cmp["outcome"].astype(str) != "beviljad"]
    applications = int((raw["kon"] == "kvinna").sum())
    assert set(granted["n_a"]) == {applications - (blank if left else 0)}
    shown_granted = int(granted["events_a"].iloc[0])
    assert shown_granted == len(women) - (blank if left else 0)
    assert set(amounts["n_a"]) == {shown_granted - (0 if left else blank)}
    steps = next(t for t in page.part("data") if hasattr(t, "frame")).frame["Steg"].tolist()
    assert any("hela kapitlet" in s for s in steps) is left


def test_a_blank_covariate_leaves_its_row_out_with_a_step_of_its_own(tmp_path):
    """The handbook's one rule (ChapterRun.with_covariates): a row with a blank covariate is
    left out of every comparison of the chapter, one step per covariate, so crude and adjusted
    comparisons rest on the same rows (a blank age stopped ht_01's regression; eb_01 kept a
    blank household type as a category, eb_03 left it out)."""
    raw = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str, keep_default_na=False)
    raw.loc[raw.index[:2], "alder"] = ""
    raw.loc[raw.index[2:5], "adl_beroende"] = ""
    raw.loc[raw.index[4:6], "ensamboende"] = ""     # row 4 blank in two: counted once, first
    raw.to_csv(tmp_path / "ht_beslut.csv", index=False)
    loaded = load_table("ht_beslut", data_dir=tmp_path, columns=["beviljade_timmar"],
                        optional=["adl_beroende", "ensamboende", "alder"])
    ctx = ChapterRun("ht_01_hemtjanst_timmar", catalogue.QUESTIONS["ht_01_hemtjanst_timmar"], None)
    kept, covariates = ctx.with_covariates("ht_beslut", loaded)
    assert covariates == ctx.covariates("ht_beslut", loaded) and "alder" in covariates
    assert {k: v for k, v in kept.excluded_by_reason().items() if k.startswith("Uppgift om")} == {
        "Uppgift om ADL-beroende saknas": 3, "Uppgift om ålder saknas": 2, "Uppgift om boendeform saknas": 1}
    assert kept.n_rows() == loaded.n_rows() - 6 and not kept.data[covariates].isna().any().any()
    # only the covariates asked for
    some, asked = ctx.with_covariates("ht_beslut", loaded, ["alder"])
    assert asked == ["alder"] and some.n_rows() == loaded.n_rows() - 2


def test_a_parent_whose_existence_is_blank_is_compared():
    """bof_05: a blank ``mamma_finns`` is not known to mean no mother (a mother who was
    contacted certainly exists): compared, as every parent is without the column; only a
    recorded 'no' leaves the parent out."""
    from jamtools.chapters import bof

    u = pd.DataFrame({"mamma_finns": [1.0, np.nan, 0.0], "mamma_kontaktad": [1.0, 1.0, 0.0]})
    assert bof._parent_kept(u, "mamma").tolist() == [True, True, False]


def _eb06_page(tmp_path, edit):
    from jamtools.chapters import eb_paths
    from jamtools.run.params import Params

    raw = pd.read_csv(SYNTHETIC / "eb_utfall.csv", dtype=str, keep_default_na=False)
    edit(raw)
    folder = tmp_path / "data"
    folder.mkdir()
    raw.to_csv(folder / "eb_utfall.csv", index=False)
    params = Params(data_dir=folder, period_start=None, period_end=None, threshold=5, conf_level=0.95,
                    organisation="Testkommun", results_path=None, config_file=None, extra={})
    chapter = "eb_06_sjalvforsorjning"
    return eb_paths.self_sufficiency(ChapterRun(chapter, catalogue.QUESTIONS[chapter], params)), raw


@pytest.mark.parametrize("column", ["dagar", "forflyttning"])
def test_eb06_two_men_a_selection_leaves_out_leave_the_whole_chapter(tmp_path, column):
    """eb_06 with 2 men's days (or movement) blank: the page showed 1 391 men analysed and, for
    the curves and the pace (or movement), 1 389: the 2 by subtraction. Hiding the selection's
    count was not enough (a review found its share and interval pin it to 1 389). Now the 2
    leave the whole chapter (ChapterRun.without_few): every count of men is 1 389, the step
    is hidden, and nothing differs by them."""
    def edit(raw):
        raw.loc[raw.index[raw["kon"] == "man"][:2], column] = ""
    page, raw = _eb06_page(tmp_path, edit)
    men, women = int((raw["kon"] == "man").sum()), int((raw["kon"] == "kvinna").sum())
    assert set(page.comparisons["n_b"]) == {men - 2} and set(page.comparisons["n_a"]) == {women}
    tables = [t for items in page.parts.values() for t in items if hasattr(t, "frame")]
    data = [t for t in tables if t.caption.startswith("Dataunderlag")]
    assert len(data) == 1                                     # no selection left to show apart
    steps = data[0].frame.set_index("Steg")
    few = next(s for s in steps.index if "utanför hela kapitlet" in s)
    assert steps.loc[few, "Män"] == ".." and steps.loc["Analyserade rader", "Män"] == number(men - 2, 0)
    shown = {str(v) for t in tables for v in t.frame.to_numpy().ravel()}
    assert number(men, 0) not in shown


def test_eb06_a_blank_household_type_leaves_the_client_out_of_every_comparison(tmp_path):
    """eb_06 adjusted self-sufficiency for household type with a blank as a category of its own
    (eb_03 left such rows out): now every comparison, crude and adjusted, rests on the clients
    with a household type, and the data table counts those without."""
    def edit(raw):
        raw.loc[raw.index[raw["kon"] == "kvinna"][:2], "hushallstyp"] = ""
    page, raw = _eb06_page(tmp_path, edit)
    women = int((raw["kon"] == "kvinna").sum())
    assert set(page.comparisons["n_a"].dropna()) == {women - 2}
    data = next(t for t in page.part("data") if hasattr(t, "frame"))
    assert "Uppgift om hushållstyp saknas" in data.frame["Steg"].tolist()


def test_bof06_a_report_left_out_for_a_blank_age_takes_its_investigation_with_it(tmp_path):
    """bof_06 with an age interval and 2 girls' reports without an age: the reports were left
    out, their investigations kept, and the 2 between step 1's investigations opened and step
    2's investigations hid both steps of the map. The investigations now follow the reports
    (a step 'Anmälan ingår inte i urvalet'), and every step is shown."""
    from jamtools.chapters import bof
    from jamtools.run.params import Params

    folder = tmp_path / "data"
    folder.mkdir()
    raw = pd.read_csv(SYNTHETIC / "bof_aktualiseringar.csv", dtype=str, keep_default_na=False)
    opened = raw.index[(raw["kon"] == "flicka") & (raw["utredning_inledd"] == "1")][:2]
    raw.loc[opened, "alder"] = ""
    raw.to_csv(folder / "bof_aktualiseringar.csv", index=False)
    pd.read_csv(SYNTHETIC / "bof_utredningar.csv", dtype=str, keep_default_na=False).to_csv(
        folder / "bof_utredningar.csv", index=False)
    params = Params(data_dir=folder, period_start=None, period_end=None, threshold=5, conf_level=0.95,
                    organisation="Testkommun", results_path=None, config_file=None,
                    extra={"alder_min": 0, "alder_max": 20})
    chapter = "bof_06_processkarta"
    page = bof.process_map(ChapterRun(chapter, catalogue.QUESTIONS[chapter], params))
    shares = next(t for t in page.part("karta") if hasattr(t, "frame")).frame
    assert not (shares["Andel som går vidare"] == "..").any()
    data = [t for t in page.part("data") if hasattr(t, "frame")]
    assert "Anmälan ingår inte i urvalet" in data[1].frame["Steg"].tolist()
    girls = shares[shares["Kön"] == "Flickor"]
    assert girls["Antal med utfallet"].iloc[0] == girls["Antal"].iloc[1]  # opened = investigations


def test_a_covariate_blank_on_most_rows_is_not_adjusted_for_and_the_rows_stay(tmp_path):
    """A covariate recorded only lately (household type blank on a third of the rows) would
    take a third of the answer with it: it is not adjusted for, the rows stay, and the data
    table's note says why. A few blanks in another covariate still leave their rows out."""
    def edit(raw):
        raw.loc[raw.index[::3], "hushallstyp"] = ""
        raw.loc[raw.index[1:4], "fodd_i_sverige"] = ""
    page, raw = _eb06_page(tmp_path, edit)
    women = int((raw["kon"] == "kvinna").sum())
    blank_born = raw.loc[raw.index[1:4]]
    assert set(page.comparisons["n_a"].dropna()) == {women - int((blank_born["kon"] == "kvinna").sum())}
    adjusted = page.comparisons[page.comparisons["adjusted"].astype(bool)]
    assert len(adjusted) and not any("hushallstyp" in list(a) for a in adjusted["adjusted_for"])
    data = next(t for t in page.part("data") if hasattr(t, "frame"))
    assert "Uppgift om hushållstyp saknas" not in data.frame["Steg"].tolist()
    assert "justeras inte för hushållstyp: uppgiften saknas på mer än 20 procent" in data.note


@pytest.mark.parametrize("threshold, left", [(5, {"man"}), (2, set()), (10, {"man", "kvinna"})])
def test_without_few_leaves_out_the_few_of_each_sex_counting_a_cells_units(threshold, left):
    """ChapterRun.without_few on a cell table: the units of the masked cells count (2 men in
    one cell, 7 women in two), each sex on its own, against the run's threshold."""
    from jamtools.data.load import LoadResult
    from jamtools.data.model import TABLES
    from jamtools.run.params import Params

    cells = pd.DataFrame({"kon": ["man", "man", "kvinna", "kvinna", "kvinna"],
                          "dagar": [np.nan, 300.0, np.nan, np.nan, 200.0],
                          "n": [2, 500, 3, 4, 400]})
    loaded = LoadResult(table=TABLES["eb_utfall"], data=cells, source="t.csv", weight="n")
    loaded._record("Inlästa rader (t.csv)", cells, "inlästa")
    params = Params(data_dir=None, period_start=None, period_end=None, threshold=threshold,
                    conf_level=0.95, organisation="T", results_path=None, config_file=None, extra={})
    ctx = ChapterRun("eb_06_sjalvforsorjning", catalogue.QUESTIONS["eb_06_sjalvforsorjning"], params)
    out = ctx.without_few(loaded, cells["dagar"].isna(), "Uppgift om antal dagar saknas")
    gone = cells.loc[~cells.index.isin(out.data.index)]
    assert set(gone["kon"]) == left
    if left:
        step = out.log[-1]
        assert step["steg"].startswith("Uppgift om antal dagar saknas (") and "hela kapitlet" in step["steg"]
        assert step["per_kon"] == {s: {"man": 2, "kvinna": 7}[s] for s in left}
    else:
        assert out is loaded


def _eb07_page(folder):
    from jamtools.chapters import eb
    from jamtools.run.params import Params

    params = Params(data_dir=folder, period_start=None, period_end=None, threshold=5, conf_level=0.95,
                    organisation="Testkommun", results_path=None, config_file=None, extra={})
    chapter = "eb_07_processkarta"
    return eb.process_map(ChapterRun(chapter, catalogue.QUESTIONS[chapter], params))


def test_eb07_later_tables_take_the_applicants_household_type(tmp_path):
    """eb_07 left a planning with a blank household type out of its table, and step 2 then
    counted its applicant as one without a planning (6 men: 1 161 → 1 155 planned). Then the
    later tables kept their rows but were not adjusted for household type at all. Now every
    step is adjusted for the applicant's household type (from the applications, joined by
    person): 6 blanks in the plannings and outcomes without the column give the same map as
    the whole data, where the two agree."""
    from jamtools.chapters import eb

    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall"):
        raw = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        if name == "eb_planering":
            raw.loc[raw.index[raw["kon"] == "man"][:6], "hushallstyp"] = ""
        if name == "eb_utfall":
            raw = raw.drop(columns="hushallstyp")
        raw.to_csv(folder / f"{name}.csv", index=False)
    page = _eb07_page(folder)
    planned = pd.read_csv(SYNTHETIC / "eb_planering.csv", dtype=str)
    step = page.comparisons[page.comparisons["outcome"].astype(str).str.contains("planering")]
    men = planned.loc[planned["kon"] == "man", "person_id"].nunique()
    assert len(step) and step["events_b"].notna().all() and (step["events_b"] == men).all()
    whole = _eb07_page(SYNTHETIC).comparisons
    got = page.comparisons
    assert set(got.loc[got["adjusted"], "outcome"]) == set(eb.STEPS)  # every step adjusted
    assert (got.loc[got["adjusted"], "adjusted_for"] == "hushallstyp").all()
    cols = ["outcome", "measure", "adjusted", "estimate", "ci_low", "ci_high", "n_a", "n_b", "events_a", "events_b"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), whole[cols].reset_index(drop=True))
    notes = " ".join(t.note for t in page.part("data") if hasattr(t, "note"))
    assert notes.count(eb.APPLICANTS_NOTE.format(what="hushållstyp")) == 2  # plannings and outcomes
    assert "justeras inte" not in notes


def test_eb06_seven_men_without_a_time_of_whom_three_self_sufficient_leave_the_chapter(tmp_path):
    """7 men without a time are not few, but 3 of them were self-sufficient: the shares' 369
    self-sufficient men beside the pace's 366 gave the 3 back (a review). Such rows leave the
    whole chapter too (without_few's ``outcomes``): every count of men agrees."""
    def edit(raw):
        men = raw.index[raw["kon"] == "man"]
        selfs = men[raw.loc[men, "sjalvforsorjande"] == "1"][:3]
        others = men[raw.loc[men, "sjalvforsorjande"] == "0"][:4]
        raw.loc[selfs.union(others), "dagar"] = ""
    page, raw = _eb06_page(tmp_path, edit)
    men = page.comparisons[page.comparisons["group_b"] == "man"]
    crude = men[men["outcome"] == "sjalvforsorjande"]
    assert crude["n_b"].nunique() == 1 and crude["events_b"].nunique() == 1
    assert crude["n_b"].iloc[0] == int((raw["kon"] == "man").sum()) - 7


def test_the_check_names_a_blank_required_amount_as_the_load_counts_it(tmp_path):
    """``beviljade_timmar`` blank in 7 rows of ht_beslut: ht_01, ht_02 and r4_02 leave those
    rows out ("Saknar värde"), which the check did not say. It now names file, column, rows and
    what to do, counted once per row with the other row problems; the load's step says the same
    number. A blank covariate (the age), which no chapter requires, is no such problem; an
    export without blanks has none."""
    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config
    from jamtools.run.notebook import setup

    def export(blank_hours: bool):
        rows = [f"B{i};P{i};{'K' if i % 2 else 'M'};{'' if i % 40 == 7 else 70 + i % 20};2024-0{1 + i % 9}-01;"
                f"{'' if blank_hours and i % 17 == 3 else 20 + i % 30};{1 + i % 5}" for i in range(120)]
        (tmp_path / "Beslut.csv").write_bytes(
            ("Beslut;Person;Kön;Ålder;Datum;Timmar;ADL\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
        (tmp_path / "jamtools.yml").write_text(
            "tables:\n  ht_beslut:\n    file: Beslut.csv\n"
            "    columns: {Beslut: beslut_id, Person: person_id, Kön: kon, Ålder: alder, Datum: beslutsdatum, "
            "Timmar: beviljade_timmar, ADL: adl_beroende}\n    values: {kon: {K: kvinna, M: man}}\n",
            encoding="utf-8")
        return load_config(tmp_path / "jamtools.yml")

    cfg = export(blank_hours=True)
    checked = check_inputs(cfg, chapters=["ht_01_hemtjanst_timmar"])
    table = checked.tables["ht_beslut"]
    blank = [p for p in table.problems if p.kind == "missing_value"]
    assert [(p.column, p.count, p.rows[:3], p.severity) for p in blank] == [
        ("beviljade_timmar", 7, (5, 22, 39), "rader")], [p.message() for p in table.problems]
    assert blank[0].message().startswith("Beslut.csv, kolumn 'Timmar' (beviljade_timmar i datamodellen): "
                                         "värde saknas, missing value: 7 rader, till exempel rad 5, 22")
    assert "fyll i värdet i exporten" in blank[0].message()
    assert table.problem_rows == 7 and "7 rader med minst ett problem" in checked.summary_line()
    ctx = setup("ht_01_hemtjanst_timmar", {"data_dir": None, "results_path": None,
                                           "config_file": str(tmp_path / "jamtools.yml")})
    loaded = catalogue.load("ht_01_hemtjanst_timmar", "ht_beslut", ctx.params)
    assert loaded.excluded_by_reason()["Saknar värde (beviljade_timmar)"] == 7
    # without blank amounts: no such problem, the same check as before
    table = check_inputs(export(blank_hours=False), chapters=["ht_01_hemtjanst_timmar"]).tables["ht_beslut"]
    assert not [p for p in table.problems if p.severity == "rader"] and table.problem_rows == 0


def _applications_export(folder, *, refused_blank: int, granted_blank: int, every: bool = False):
    """ru_ansokningar as an export (only the columns r4_02 and ru_01 read) with the amount
    granted left blank on ``refused_blank`` refusals and ``granted_blank`` grants (on every row
    with ``every``)."""
    from jamtools.run.config import load_config
    from tests.owndata.harness import write_config, write_export

    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False).head(400)
    refused = raw.index[raw["beviljad"] == "0"][:refused_blank]
    granted = raw.index[raw["beviljad"] == "1"][:granted_blank]
    raw.loc[refused.union(granted), "beviljat_belopp"] = ""
    if every:
        raw["beviljat_belopp"] = ""
    write_export(raw.rename(columns={"beviljad": "Beviljad", "beviljat_belopp": "Belopp"}),
                 folder / "Ansokningar.csv")
    cfg = write_config(folder / "jamtools.yml", {"ru_ansokningar": {
        "file": "Ansokningar.csv", "columns": {"Beviljad": "beviljad", "Belopp": "beviljat_belopp"}}})
    return load_config(cfg), raw, refused, granted


def test_a_refusal_without_an_amount_is_read_as_0_as_the_model_says(tmp_path):
    """ru_ansokningar with the amount granted blank on 5 refusals and 2 grants: the check called
    all 7 'värde saknas … fyll i värdet i exporten' and r4_02 left them out, the refusals too,
    whose amount the model says is 0 (ru_01's table of funds already read them as 0 kr). Now a
    blank amount on a refusal is read as 0 in the check and in the load, said once with its
    count; a blank amount on a grant stays a missing value, counted the same by both."""
    from jamtools.run.check import check_inputs
    from jamtools.run.notebook import setup

    cfg, raw, refused, granted = _applications_export(tmp_path, refused_blank=5, granted_blank=2)
    table = check_inputs(cfg, chapters=["r4_02_resurser", "ru_01_projektmedel"]).tables["ru_ansokningar"]
    blank = [p for p in table.problems if p.kind == "missing_value"]
    assert [(p.column, p.count, p.rows) for p in blank] == [
        ("beviljat_belopp", 2, tuple(int(i) + 2 for i in granted))], [p.message() for p in table.problems]
    assert table.problem_rows == 2
    zero = [p for p in table.problems if p.kind == "derived" and p.column == "beviljat_belopp"]
    assert [(p.count, p.severity) for p in zero] == [(5, "info")]
    assert zero[0].message() == (
        "Ansokningar.csv, kolumn 'Belopp' (beviljat_belopp i datamodellen): 5 värden härledda som 0 "
        "där kolumnen är tom och 'Beviljad' är nej (vid ett avslag är beloppet 0 i "
        "datamodellen); övriga värden är exportens egna.")
    for chapter in ("r4_02_resurser", "ru_01_projektmedel"):
        ctx = setup(chapter, {"data_dir": None, "results_path": None, "config_file": str(cfg.source)})
        loaded = catalogue.load(chapter, "ru_ansokningar", ctx.params)
        steps = {k: v for k, v in loaded.excluded_by_reason().items() if v}
        assert steps == ({"Saknar värde (beviljat_belopp)": 2} if chapter == "r4_02_resurser" else {})
        data, n = loaded.data, loaded.data[loaded.weight] if loaded.weight else 1
        amounts = data["beviljat_belopp"]
        # every refusal is kept with 0 kr; of the grants, the 2 blanks are missing (ru_01) or left out
        given = pd.to_numeric(raw["beviljat_belopp"].replace("", None))
        assert int((n * (amounts == 0)).sum()) == int(((raw["beviljad"] == "0") | (given == 0)).sum())
        assert int((n * amounts.isna()).sum()) == (2 if chapter == "ru_01_projektmedel" else 0)


def test_an_amount_column_blank_on_every_row_is_not_made_of_zeros(tmp_path):
    """The rule reads a blank as 0 only where the export gives the amount: a column blank on
    every row is one the export lacks (ru_01 leaves the amounts out and says so), not a column
    of refusals' zeros."""
    from jamtools.run.check import check_inputs

    cfg, *_ = _applications_export(tmp_path, refused_blank=0, granted_blank=0, every=True)
    table = check_inputs(cfg, chapters=["ru_01_projektmedel"]).tables["ru_ansokningar"]
    assert "beviljat_belopp" not in table.columns
    assert not [p for p in table.problems if p.column == "beviljat_belopp"]


def test_a_database_table_reads_a_refusals_blank_amount_as_the_file_does(tmp_path):
    """The run's check of a ``sql:`` table, a column at a time: the same refusals read as 0
    and the same grants without an amount as the file's check."""
    import sqlalchemy as sa
    import yaml

    from jamtools.run.check import check_inputs
    from jamtools.run.config import load_config

    cfg, raw, refused, granted = _applications_export(tmp_path, refused_blank=5, granted_blank=2)
    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        raw.replace("", None).to_sql("projektmedel", con, index=False)
    engine.dispose()
    (tmp_path / "db.yml").write_text(yaml.safe_dump(
        {"tables": {"ru_ansokningar": {"sql": {"url": url, "query": "SELECT * FROM projektmedel"}}}}),
        encoding="utf-8")

    def found(path):
        table = check_inputs(load_config(path), chapters=["r4_02_resurser"]).tables["ru_ansokningar"]
        return sorted((p.kind, p.count) for p in table.problems
                      if p.column == "beviljat_belopp" and p.kind in ("derived", "missing_value"))

    assert found(cfg.source) == found(tmp_path / "db.yml") == [("derived", 5), ("missing_value", 2)]


class _CountingConnection:
    """The engine connection, counting the queries that read a view whose name starts with
    ``prefix`` (the source as the check reads it; defining a view on it reads nothing)."""

    def __init__(self, con, prefix: str):
        self._con, self._prefix, self.reads = con, prefix, []

    def __getattr__(self, name):
        return getattr(self._con, name)

    def _count(self, query):
        import re

        if isinstance(query, str) and query.lstrip().upper().startswith("SELECT") and \
                re.search(rf'FROM\s+"?{self._prefix}', query):  # (not a view's definition)
            self.reads.append(query)

    def sql(self, query, *args, **kwargs):
        self._count(query)
        return self._con.sql(query, *args, **kwargs)

    def execute(self, query, *args, **kwargs):
        self._count(query)
        return self._con.execute(query, *args, **kwargs)


@pytest.mark.parametrize("every", [True, False])
def test_whether_the_amount_is_given_costs_no_read_of_its_own(monkeypatch, every):
    """Whether the export gives the amount granted on some row (else a blank on a refusal is not
    read as 0) was asked with a query of its own, one more scan of the source (0.57 s of a 7.3 s
    check of 1.5 M rows with the column blank everywhere). The scan the check makes counts the
    column's values anyway: the check reads the source once, and still reads no zeros from a
    column blank on every row."""
    from jamtools.data import engine
    from jamtools.data.check import check_table
    from jamtools.data.model import TABLES

    raw = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv", dtype=str, keep_default_na=False).head(300)
    raw = raw[["beviljad", "beviljat_belopp", "sokt_belopp"]].replace("", None)
    if every:
        raw["beviljat_belopp"] = None
    else:
        raw.loc[raw.index[raw["beviljad"] == "0"][:4], "beviljat_belopp"] = None
    real = engine.shared()
    spy = _CountingConnection(real, "raw")
    monkeypatch.setattr(engine, "shared", lambda: spy)
    checked = check_table(raw, TABLES["ru_ansokningar"], source="f.csv")
    assert len(spy.reads) == 1, spy.reads
    amounts = checked.data["beviljat_belopp"]
    zero = [p for p in checked.problems if p.kind == "derived" and p.column == "beviljat_belopp"]
    if every:  # a column the export lacks: no zeros, no value, nothing said about it
        assert amounts.isna().all() and not checked.has_value("beviljat_belopp") and not zero
        assert not [p for p in checked.problems if p.column == "beviljat_belopp"]
    else:
        refused = (raw["beviljad"] == "0").to_numpy()
        assert (amounts[refused] == 0).all() and amounts[~refused].notna().all()
        assert [p.count for p in zero] == [(refused & raw["beviljat_belopp"].isna().to_numpy()).sum()]
