"""A chapter run on a unit or period with no rows shows empty, explained tables; it never crashes."""
from __future__ import annotations

import warnings

import pandas as pd

from jamtools import disclosure

from jamtools.disclosure import analyses as analysis

from jamtools.present import report
from jamtools.stats import COMPARISON_COLUMNS


def test_comparison_table_of_no_comparisons_says_so():
    empty = disclosure.disclose_comparisons(pd.DataFrame(columns=COMPARISON_COLUMNS), threshold=5)
    table = report.comparison_table(empty, caption="Jämförelser")
    assert table.frame.empty and "Skattning" in table.frame.columns
    assert "Inga jämförelser" in table.note and "<table" in table._repr_html_()


def test_amount_tables_of_an_empty_selection_show_zero_and_dots():
    rows = pd.DataFrame({"kon": pd.Series([], dtype=str), "timmar": pd.Series([], dtype=float)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analysis.amount_outcome(rows, "timmar", levels=("kvinna", "man"))
    table = report.amount_summary_table(result.summary).frame
    assert table["Antal"].tolist() == ["0", "0"]
    assert (table["Medelvärde (timmar)"] == disclosure.SUPPRESSED_MARK).all()


def test_amount_figure_by_category_of_an_empty_selection():
    from jamtools.present import plots
    rows = pd.DataFrame({"kon": pd.Series([], dtype=str), "timmar": pd.Series([], dtype=float),
                         "behov": pd.Series([], dtype=str)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analysis.amount_outcome(rows, "timmar", by="behov", levels=("kvinna", "man"))
    assert result.by_summary.empty and "behov" in result.by_summary.columns
    assert plots.amount_distribution_plot(result.by_summary, by="behov")._repr_png_().startswith(b"\x89PNG")


def test_a_missing_group_is_named_for_the_reader_in_the_comparison_table():
    # a sex missing from the data: the statistic's warning names the group's code; the table
    # names the group as the reader knows it
    from jamtools import stats

    data = pd.DataFrame({"kon": ["pojke"] * 12, "y": [1, 0] * 6})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comparisons = stats.compare_groups(data, "kon", outcome="y", levels=("flicka", "pojke"))
    assert "'flicka'" in comparisons["warning"].iloc[0]
    shown = disclosure.disclose_comparisons(comparisons, threshold=5, group="kon")
    note = report.comparison_table(shown, caption="Jämförelser").frame["Anmärkning"].iloc[0]
    assert "Gruppen flickor saknas i data" in note and "'" not in note
    assert report.label(float("nan")) == report.label(None) == report.label(pd.NA) == report.MISSING_LABEL


def test_a_comparison_that_cannot_be_computed_is_not_said_to_be_hidden():
    from jamtools import stats
    from jamtools.present import outcomes

    data = pd.DataFrame({"kon": ["pojke"] * 12, "y": [1, 0] * 6})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comparisons = stats.compare_groups(data, "kon", outcome="y", levels=("flicka", "pojke"))
    shown = disclosure.stack({"Steg 1": disclosure.disclose_comparisons(comparisons, threshold=5,
                                                                        group="kon")}, "steg")
    text = outcomes.summary(shown, "steg")
    assert "kan inte beräknas (gruppen flickor saknas i data)" in text
    assert "röjandekontroll" not in text
