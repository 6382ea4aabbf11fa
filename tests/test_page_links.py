"""Two data tables of one file on a page show the same rows read by sex; each is disclosed
alone, so one could show what the other hides (1 162 rows read in the table of a selection
less 1 160 analysed in the chapter's table gave back 2 duplicates). The page hides such a
cell in every table of that file (jamtools.present.page.link_rows_read)."""
from __future__ import annotations

import pandas as pd

from jamtools.present.page import Page
from jamtools.present.report import SUPPRESSION_NOTE, Table


def _table(read_men: str, analysed_men: str, note: str = "") -> Table:
    frame = pd.DataFrame({"Steg": ["Inlästa rader (eb_planering.csv)", "Dubbletter av id (planering_id)",
                                   "Analyserade rader"],
                          "Kvinnor": ["974", "0", "974"], "Män": [read_men, "..", analysed_men]})
    return Table(frame, "Dataunderlag", note)


def test_a_files_rows_read_hidden_in_one_table_are_hidden_in_all():
    note = SUPPRESSION_NOTE.format(t=5)
    first, second = _table("..", "1 160", note), _table("1 162", "400")
    other = Table(pd.DataFrame({"Steg": ["Inlästa rader (eb_insatser.csv)"], "Män": ["3 000"]}), "Insatser")
    page = Page(question_id="eb_03_insatser", short_answer="", parts={"data": ("text", first, second, other)})
    shown = page.part("data")
    assert shown[2].frame.loc[0, "Män"] == ".." and shown[2].frame.loc[0, "Kvinnor"] == "974"
    assert note in shown[2].note                               # what '..' means, where it appears
    assert shown[1].frame.loc[0, "Män"] == ".."
    assert other.frame.loc[0, "Män"] == "3 000"                # another file is left as it is
    assert shown[2].frame.loc[2, "Män"] == "400"               # only the rows read are linked


def test_the_results_files_counts_of_a_table_whose_rows_read_the_page_hides_hide_what_was_left_out():
    """eb_02: the page's data table hid the men's rows read (duplicates), but the results file's
    record of a selection of the same table wrote rows analysed and left out (278 + 696 = 974,
    beside 972 analysed on the page): its left-out rows are hidden for that sex."""
    first, second = _table("..", "1 160"), _table("1 162", "400")
    for t in (first, second):
        t.data_table, t.sex_codes = "eb_planering", {"Kvinnor": "kvinna", "Män": "man"}
    counts = {"eb_planering": {"analysed": {"kvinna": 278, "man": 400}, "excluded": {"kvinna": 696, "man": 762}},
              "eb_insatser": {"analysed": {"kvinna": 10, "man": 12}, "excluded": {}}}
    page = Page(question_id="eb_02_ohalsa", short_answer="", parts={"data": (first, second)}, counts=counts)
    assert page.counts["eb_planering"]["excluded"] == {"kvinna": 696, "man": None}
    assert page.counts["eb_planering"]["analysed"] == {"kvinna": 278, "man": 400}
    assert page.counts["eb_insatser"] == counts["eb_insatser"]


# --- A selection of a page's rows (jamtools.present.page.link_selections) -----------------------

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from jamtools import disclosure, stats  # noqa: E402
from jamtools.data.load import LoadResult  # noqa: E402
from jamtools.data.model import TABLES  # noqa: E402
from jamtools.present.report import quality_table, share_table  # noqa: E402


def test_selection_gives_back_names_the_groups_a_selection_leaves_few_of():
    whole = {"kvinna": 1261, "man": 1391, "okant": 0}
    assert disclosure.selection_gives_back(whole, {"kvinna": 1261, "man": 1389}, 5) == {"man"}
    assert disclosure.selection_gives_back(whole, {"kvinna": 1256, "man": 1387}, 5) == {"man"}
    assert disclosure.selection_gives_back(whole, {"kvinna": 1257, "man": 1391}, 3) == set()
    assert disclosure.selection_gives_back(whole, {"kvinna": 1259, "man": 1391}, 3) == {"kvinna"}
    assert disclosure.selection_gives_back({"man": 3}, {}, 5) == {"man"}  # all of a few left out


def _clients(blank_men: int, blank_women: int = 0) -> LoadResult:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 320,
                          "sjalvforsorjande": rng.integers(0, 2, 620)})
    frame["dagar"] = 400.0
    frame.loc[300:300 + blank_men - 1, "dagar"] = np.nan
    frame.loc[:blank_women - 1, "dagar"] = np.nan
    loaded = LoadResult(table=TABLES["eb_utfall"], data=frame, source="eb_utfall.csv")
    loaded._record("Inlästa rader", frame, "inlästa")
    return loaded


def _comparisons(n_a: int, n_b: int) -> pd.DataFrame:
    return pd.DataFrame({"group_a": ["kvinna"], "group_b": ["man"], "n_a": [n_a], "n_b": [n_b],
                         "events_a": [100.0], "events_b": [120.0], "estimate": [0.8]})


@pytest.mark.parametrize("blank_men, hidden", [(2, True), (4, True), (5, False), (0, False)])
def test_a_selection_leaving_out_a_few_of_a_sex_hides_its_count_of_them(blank_men, hidden):
    """eb_06: 1 391 men analysed, 1 389 of them with a time to exit (curves, hazard ratio):
    the 2 without a time came back by subtraction. The selection's count of men is hidden in
    its data table, in a table of shares and in the results file's comparisons; the count of
    all rows and the other sex's stay."""
    loaded = _clients(blank_men)
    timed = loaded.exclude(loaded.data["dagar"].isna(), "Uppgift om antal dagar saknas")
    first = quality_table(loaded, threshold=5, caption="Dataunderlag")
    second = quality_table(timed, threshold=5, caption="Dataunderlag: tid till avslut")
    shares = disclosure.disclose_shares(
        stats.share_by_group(timed.data.assign(y=(timed.data.index % 3 == 0).astype(int)), outcome="y"),
        threshold=5)
    shown = share_table(shares, caption="Andelar")
    page = Page(question_id="eb_06_sjalvforsorjning", short_answer="",
                parts={"data": (first, second), "takt": (shown,)},
                comparisons=_comparisons(300, 320 - blank_men))
    men = str(320 - blank_men).replace(" ", "")
    assert first.frame["Män"].iloc[-1] == "320"                           # all rows: shown
    assert second.frame["Kvinnor"].iloc[-1] == "300"                      # the other sex: shown
    assert (second.frame["Män"].iloc[-1] == "..") == hidden
    row = shown.frame["Kön"] == "Män"
    assert (shown.frame.loc[row, "Antal"].iloc[0] == "..") == hidden
    assert (shown.frame.loc[row, "Antal med utfallet"].iloc[0] == "..") == hidden
    assert shown.frame.loc[~row, "Antal"].iloc[0] == "300"
    assert pd.isna(page.comparisons["n_b"].iloc[0]) == hidden
    assert pd.isna(page.comparisons["events_b"].iloc[0]) == hidden
    assert page.comparisons["n_a"].iloc[0] == 300
    if hidden:
        assert SUPPRESSION_NOTE.format(t=5) in second.note and SUPPRESSION_NOTE.format(t=5) in shown.note
    else:
        assert second.frame["Män"].iloc[-1] == men


def test_tables_of_one_file_that_are_not_a_selection_of_each_other_are_left_as_they_are():
    """Two selections of the same rows by different steps (time, movement) are not subsets of
    each other: their counts are each compared with the rows they were selected from only."""
    loaded = _clients(0)
    timed = loaded.exclude(loaded.data["dagar"].isna(), "Uppgift om antal dagar saknas")
    moved = loaded.exclude(loaded.data.index < 2, "Uppgift om förflyttning saknas")  # 2 women
    a = quality_table(timed, threshold=5)
    b = quality_table(moved, threshold=5)
    Page(question_id="eb_06_sjalvforsorjning", short_answer="", parts={"data": (a, b)})
    assert b.frame["Kvinnor"].iloc[-1] == "298" and a.frame["Kvinnor"].iloc[-1] == "300"
    # with the whole shown, the selection of 2 fewer women is hidden
    c = quality_table(loaded, threshold=5)
    Page(question_id="eb_06_sjalvforsorjning", short_answer="", parts={"data": (c, a, b)})
    assert b.frame["Kvinnor"].iloc[-1] == ".." and a.frame["Kvinnor"].iloc[-1] == "300"


# --- The same count in two data tables of a page (jamtools.present.page.link_data_tables) ---------

def _planning() -> LoadResult:
    """Women: 3 with an unreadable date, 30 outside the period, 10 without a requirement, 57
    left; men: 2 with an unknown code, 17 outside the period, 12 without a requirement, 51 left."""
    frame = pd.DataFrame({"kon": ["kvinna"] * 100 + ["man"] * 82})
    frame["bad"] = [True] * 3 + [False] * 97 + [False] * 82
    frame["code"] = [False] * 100 + [True] * 2 + [False] * 80
    frame["ute"] = [False] * 3 + [True] * 30 + [False] * 67 + [False] * 2 + [True] * 17 + [False] * 63
    frame["krav"] = ([True] * 33 + [False] * 10 + [True] * 57 + [True] * 19 + [False] * 12
                     + [True] * 51)
    loaded = LoadResult(table=TABLES["eb_planering"], data=frame, source="eb_planering.csv")
    loaded._record("Inlästa rader (eb_planering.csv)", frame, "inlästa")
    loaded = loaded.exclude(frame["bad"], "Datum som inte kan läsas (datum)")
    loaded = loaded.exclude(loaded.data["code"], "Okänd kod (hushållstyp)")
    loaded = loaded.exclude(loaded.data["kon"] == "okant", "Okänt eller annat kön (redovisas separat)")
    return loaded.exclude(loaded.data["ute"], "Utanför den valda perioden")


def _shown(table, step: str) -> list[str]:
    from jamtools.present.report import step_words

    return list(table.frame.loc[table.frame["Steg"] == step_words(step)].iloc[0, 1:3])


def test_a_count_one_data_table_hides_is_hidden_in_the_others_of_the_page():
    """eb_01 (a probe): 'Utanför den valda perioden' was hidden in the chapter's data table (to
    protect 3 women with an unreadable date) and shown in the table of its selection, where
    another step was hidden instead: 30 and 17 given back beside the first table's other counts.
    The page hides it in both, and the second is protected again with it hidden."""
    loaded = _planning()
    selection = loaded.exclude(~loaded.data["krav"].astype(bool), "Inget aktivitetskrav")
    first = quality_table(loaded, threshold=5, caption="Dataunderlag: planeringar")
    second = quality_table(selection, threshold=5, caption="Dataunderlag: planeringar med krav")
    assert _shown(first, "Utanför den valda perioden") == ["..", ".."]     # alone, as before
    assert _shown(second, "Utanför den valda perioden") == ["30", "17"]
    Page(question_id="eb_01_krav", short_answer="", parts={"data": (first, second)})
    assert _shown(second, "Utanför den valda perioden") == ["..", ".."]
    assert _shown(first, "Utanför den valda perioden") == ["..", ".."]
    assert SUPPRESSION_NOTE.format(t=5) in second.note
    # the second table is protected with the hidden period: each line still has two hidden
    women = list(second.frame["Kvinnor"])
    assert women.count("..") >= 2 and list(second.frame["Män"]).count("..") >= 2


def test_the_results_file_records_each_data_table_step_as_published_and_nothing_hidden(tmp_path):
    """The run compares the chapters' data tables (jamtools.run.check.across_chapters): the
    results file records each step by reason and sex, the number where the page shows it and
    null where it shows '..' (also where the page hid a cell after the table was disclosed)."""
    import json
    from types import SimpleNamespace

    from jamtools.present.results import Results

    loaded = _clients(2)
    loaded = loaded.exclude(loaded.data["dagar"].isna(), "Uppgift om antal dagar saknas")
    table = quality_table(loaded, threshold=5)
    table.frame.loc[2, "Kvinnor"] = ".."  # as a link of the page hides a shown cell
    page = Page(question_id="eb_06_sjalvforsorjning", short_answer="", parts={"data": ("text", table)})
    (entry,) = page.data_tables
    assert entry["table"] == "eb_utfall"
    assert entry["steps"] == {"Uppgift om antal dagar saknas": {"kvinna": None, "man": None, "okant": None}}
    assert entry["read"] == {"kvinna": None, "man": None, "okant": None}
    assert entry["analysed"] == {"kvinna": None, "man": 318, "okant": 0}
    params = SimpleNamespace(organisation="x", period_start=None, period_end=None, conf_level=0.95,
                             threshold=5, results_path=tmp_path / "r.json")
    results = Results("eb_06_sjalvforsorjning", params, question="?")
    results.add_data_tables(page.data_tables)
    written = json.loads(results.write().read_text(encoding="utf-8"))
    assert written["data_tables"] == [entry]
    assert "300" not in json.dumps(written["data_tables"]) and ": 2" not in json.dumps(written)
