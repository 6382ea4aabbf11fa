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
