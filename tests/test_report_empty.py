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


def test_amount_tables_of_an_empty_selection_show_zero_and_dashes():
    """Nothing to compute, nothing hidden: '–' (could not be computed), not '..' (hidden)."""
    rows = pd.DataFrame({"kon": pd.Series([], dtype=str), "timmar": pd.Series([], dtype=float)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analysis.amount_outcome(rows, "timmar", levels=("kvinna", "man"))
    table = report.amount_summary_table(result.summary).frame
    assert table["Antal"].tolist() == ["0", "0"]
    assert (table["Medelvärde (timmar)"] == report.NOT_COMPUTED_MARK).all()


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


def test_the_short_answer_tells_a_missing_group_from_a_hidden_one():
    """Svar i korthet: a comparison without one of the groups cannot be computed, and says so
    with the reason; only a comparison the disclosure control hid is said to be hidden."""
    from jamtools import stats
    from jamtools.present import sentences

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        absent = stats.compare_groups(pd.DataFrame({"kon": ["pojke"] * 40, "y": [1, 0] * 20}), "kon",
                                      outcome="y", levels=("flicka", "pojke"))
        few = stats.compare_groups(pd.DataFrame({"kon": ["pojke"] * 40 + ["flicka"] * 3, "y": [1, 0] * 20 + [1] * 3}),
                                   "kon", outcome="y", levels=("flicka", "pojke"))
    said = sentences.short_answer(disclosure.disclose_comparisons(absent, threshold=5, group="kon"),
                                  unit_text="utredningar")
    assert said == "Utan justering kan skillnaden inte beräknas: gruppen flickor saknas i data."
    hidden = sentences.short_answer(disclosure.disclose_comparisons(few, threshold=5, group="kon"),
                                    unit_text="utredningar")
    assert ("visas skillnaden inte: underlaget är för litet, eller den skulle göra det möjligt att "
            "räkna ut en dold uppgift (röjandekontroll)") in hidden


def test_equal_amounts_show_no_clear_difference():
    """Every amount the same: the difference is 0 with no interval (or one of 0 to 0 up to
    rounding), never 'tydligt färre' or 'tydligt fler'."""
    from jamtools.present import sentences

    for low, high in ((1e-13, 3e-13), (-3e-13, -1e-13), (7.7e-9, 3.0e-8)):
        r = {"ci_low": low, "ci_high": high, "estimate": (low + high) / 2}
        assert "ingen tydlig skillnad" in report._verdict_amount(r, "kvinnor", "män", "timmar")
    # without an interval no verdict either way (the one rule for a missing interval)
    r = {"ci_low": float("nan"), "ci_high": float("nan"), "estimate": 0.0}
    assert report._verdict_amount(r, "kvinnor", "män", "timmar") == sentences.NO_INTERVAL
    r = {"ci_low": 0.2, "ci_high": 3.0, "estimate": 1.5}
    assert report._verdict_amount(r, "kvinnor", "män", "timmar") == "kvinnor får tydligt fler timmar än män"
    # the one verdict rule itself is unchanged: any interval above 0 (or 1) is clear
    assert sentences.direction(1e-13, 3e-13) == "högre" and sentences.direction(2, float("inf"), null=1) == "högre"


def test_an_adjusted_comparisons_note_shows_no_count_and_no_code():
    """The note of an adjusted comparison names the covariate as the reader knows it and
    gives no count of observations (a count below the threshold would reach the reader
    without disclosure)."""
    import numpy as np

    from jamtools import stats

    rng = np.random.default_rng(3)
    n = 300
    data = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n),
                         "hushallstyp": rng.choice(["ensamstaende", "sammanboende"], n), "y": rng.integers(0, 2, n)})
    data.loc[:2, ["kon", "hushallstyp", "y"]] = ["kvinna", "annat", 0]  # 3 rows: one sex only, no outcome
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comparisons = stats.adjusted_difference(data, "kon", ["hushallstyp"], outcome="y",
                                                levels=("kvinna", "man"))
    shown = disclosure.disclose_comparisons(comparisons, threshold=5, group="kon")
    notes = " ".join(report.comparison_table(shown, caption="x").frame.get("Anmärkning", pd.Series(dtype=str)))
    assert "hushållstyp: 1 kategori finns bara för ett kön" in notes
    assert "observationer i kategorier där ingen eller alla har utfallet" in notes
    assert "3 observationer" not in notes and "hushallstyp" not in notes


def _one_sex_only(outcomes=("krav", "sanktion")):
    """Disclosed comparisons of two outcomes where one group has no rows at all."""
    from jamtools import stats

    data = pd.DataFrame({"kon": ["kvinna"] * 40, "krav": [1, 0] * 20, "sanktion": [0, 1] * 20})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = {o: disclosure.disclose_comparisons(
            stats.compare_groups(data, "kon", outcome=o, levels=("kvinna", "man")), threshold=5, group="kon")
            for o in outcomes}
    return disclosure.stack(parts, "utfall")


def test_pages_say_a_missing_group_cannot_be_compared_not_that_nothing_differs():
    """One sex absent: no page says 'ingen tydlig skillnad' (nothing was compared) or blames
    the disclosure control; each says that the comparison cannot be computed, and why."""
    from jamtools.chapters import eb
    from jamtools.present import curves, segregation

    said = eb._short_answer(_one_sex_only(), "utfall", unit_text="planeringar", what="jämförelser",
                            empty="-")
    assert "ingen tydlig skillnad" not in said and "röjandekontroll" not in said
    assert "kan ingen av jämförelserna utan justering visas eller beräknas" in said
    assert "gruppen män saknas i data" in said
    hazard = disclosure.disclose_comparisons(pd.DataFrame([{
        "outcome": "x", "comparison": "kvinna / man", "group_a": "kvinna", "group_b": "man",
        "measure": "hazard_ratio", "estimate": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
        "adjusted": False, "adjusted_for": "", "conf_level": 0.95, "n_a": 40.0, "n_b": 40.0,
        "events_a": 0.0, "events_b": 0.0,
        "warning": "Ingen i någon av grupperna har utfallet under uppföljningen; ingen modell kan skattas."}]),
        threshold=5, group="kon")
    text = curves.describe_hazard_ratio(hazard, unit_text="klienter", event_text="blir självförsörjande")
    assert "Utan justering kan hasardkvoten inte beräknas: ingen i någon av grupperna har utfallet" in text
    assert "röjandekontroll" not in text
    index = disclosure.disclose_table(pd.DataFrame({
        "period": ["före 2024"], "estimate": [float("nan")], "ci_low": [float("nan")],
        "ci_high": [float("nan")], "n_a": [40.0], "n_b": [0.0], "conf_level": [0.95],
        "warning": ["En av grupperna saknas; indexet kan inte beräknas."]}),
        count_cols=["n_a"], by=["period"], threshold=5)
    answer = segregation.dissimilarity_answer(index)
    assert "Före 2024 kan det inte beräknas: en av grupperna saknas." in answer
    assert "röjandekontroll" not in answer and " är ." not in answer


def test_an_audit_of_tiny_tables_does_not_call_their_sex_incomplete():
    """Tables too small for their share with a known sex to be shown: the page says that the
    share is not shown, not that sex is incomplete in them."""
    from jamtools.chapters import audit

    summary = disclosure.disclose_table(pd.DataFrame({
        "tabell": ["ht_beslut", "eb_klienter"], "status": ["kolumn", "kolumn"], "aggregerad": [False, False],
        "rader": [3.0, 40.0], "andel_kant": [float("nan"), 1.0], "saknas": [0.0, 0.0], "annan_kod": [0.0, 0.0]}),
        count_cols=["rader"], by=["tabell"], derived_cols=["andel_kant"], threshold=5, margins=False)
    text = audit.describe_audit(summary)
    assert "inte fullständigt" not in text
    assert "För beslut om hemtjänst (`ht_beslut`) visas inte hur stor del av raderna som har känt kön" in text


def test_an_audit_still_calls_sex_incomplete_when_rows_without_sex_are_shown():
    """The share with a known sex hidden (a small count elsewhere in the row), but 10 rows
    without sex shown: the table is incomplete, and the page says so."""
    from jamtools.chapters import audit

    summary = disclosure.disclose_table(pd.DataFrame({
        "tabell": ["eb_klienter"], "status": ["kolumn"], "aggregerad": [False], "rader": [50.0],
        "andel_kant": [float("nan")], "saknas": [10.0], "annan_kod": [float("nan")]}),
        count_cols=["rader"], by=["tabell"], derived_cols=["andel_kant"], threshold=5, margins=False)
    text = audit.describe_audit(summary)
    assert "Kön är inte fullständigt i ansökningar om ekonomiskt bistånd (`eb_klienter`): 10 rader utan kön" in text
    assert "visas inte hur stor del" not in text
