"""An interval a reader sees: '..' means hidden (the legend under every table says so), so a
computed estimate whose interval could not be computed must not show '.. till ..'."""
from __future__ import annotations

import math

import numpy as np

import pandas as pd

from jamtools import disclosure
from jamtools.present import report

NAN = math.nan


def _comparison(estimate, lo, hi, *, suppressed=False):
    frame = pd.DataFrame([{"comparison": "kvinna − man", "group_a": "kvinna", "group_b": "man",
                           "measure": "mean_difference", "estimate": estimate, "ci_low": lo,
                           "ci_high": hi, "p_value": NAN, "conf_level": 0.95, "adjusted": False,
                           "adjusted_for": [], "n_a": 40.0, "n_b": 50.0, "suppressed": suppressed,
                           "suppression_reason": "färre än 5" if suppressed else ""}])
    frame.attrs[disclosure.ATTR] = {"threshold": 5}
    return frame


def test_interval_in_words():
    assert report.interval({"estimate": 2.0, "ci_low": -1.25, "ci_high": 5.0}) == "−1,2 till 5,0"
    assert report.interval({"estimate": 0.5, "ci_low": 0.25, "ci_high": 0.75}, 2) == "0,25 till 0,75"
    assert report.interval({"estimate": 2.0, "ci_low": NAN, "ci_high": NAN}) == "kan inte beräknas"
    assert report.interval({"estimate": 2.0, "ci_low": 1.0, "ci_high": None}) == "kan inte beräknas"
    hidden = {"estimate": NAN, "ci_low": NAN, "ci_high": NAN, "suppressed": True}
    assert report.interval(hidden) == ".. till .."
    assert report.interval(hidden, table=True) == ".."
    # no estimate and not hidden: in a sentence the words around say why; a table cell has the
    # mark of a value that could not be computed, not the hidden one
    assert report.interval({"estimate": NAN, "ci_low": NAN, "ci_high": NAN}, table=True) == "–"


def test_tables_and_sentences_say_an_interval_could_not_be_computed():
    table = report.comparison_table(_comparison(3.0, NAN, NAN)).frame
    assert table["95 % KI"].tolist() == ["kan inte beräknas"]
    assert report.comparison_table(_comparison(NAN, NAN, NAN, suppressed=True)).frame["95 % KI"].tolist() == [".."]
    assert report.comparison_table(_comparison(3.0, 1.0, 5.0)).frame["95 % KI"].tolist() == ["1,00 till 5,00"]
    # an estimate that could not be computed: '–' with its own legend, never '..'
    none = report.comparison_table(_comparison(NAN, NAN, NAN))
    assert none.frame[["Skattning", "95 % KI"]].values.tolist() == [["–", "–"]]
    assert "'–' = uppgiften kan inte beräknas" in none.note and "'..'" not in none.note
    hidden = report.comparison_table(_comparison(NAN, NAN, NAN, suppressed=True))
    assert hidden.frame[["Skattning", "95 % KI"]].values.tolist() == [["..", ".."]]
    assert "'–'" not in hidden.note and "'..'" in hidden.note


def test_amount_summary_says_which_interval_could_not_be_computed():
    """Five men: the median's interval cannot be computed (not hidden); a hidden group keeps '..'."""
    summary = pd.DataFrame([
        {"kon": "kvinna", "n": 7.0, "mean": 24.9, "mean_ci_low": 13.3, "mean_ci_high": 36.5,
         "median": 22.2, "median_ci_low": 13.4, "median_ci_high": 51.5, "q1": 18.6, "q3": 25.1,
         "suppressed": False, "suppression_reason": ""},
        {"kon": "man", "n": 5.0, "mean": 19.6, "mean_ci_low": 11.2, "mean_ci_high": 28.0,
         "median": 23.1, "median_ci_low": NAN, "median_ci_high": NAN, "q1": 14.5, "q3": 24.8,
         "suppressed": False, "suppression_reason": ""}])
    summary.attrs[disclosure.ATTR] = {"threshold": 5}
    table = report.amount_summary_table(summary)
    assert table.frame["95 % KI, median"].tolist() == ["13,4–51,5", "–"]
    assert "'–' = kan inte beräknas" in table.note
    hidden = summary.assign(suppressed=[False, True], median=[22.2, NAN])
    hidden.attrs[disclosure.ATTR] = {"threshold": 5}
    shown = report.amount_summary_table(hidden)
    assert shown.frame["95 % KI, median"].tolist() == ["13,4–51,5", ".."] and "'–'" not in shown.note


def test_words_of_one_sex_only_are_not_compared():
    """Notes about women only: no sentence says that no word is used more often about men (or
    women); the text says the words cannot be compared, and why."""
    from jamtools.disclosure.text import disclose_words
    from jamtools.present import text as words
    from jamtools.stats import text as text_stats

    notes = pd.DataFrame([(f"K{i}", "kvinna", "samtal om omsorg och oro för barnet och ansvar")
                          for i in range(20)], columns=["person_id", "kon", "anteckning"])
    counts = text_stats.count_words(notes, levels=("kvinna", "man"))
    top = words.top_words(disclose_words(text_stats.distinctive_words(counts), threshold=5), 5)
    said = words.describe_words(top, counts)
    assert "inga ord att räkna i anteckningar om män" in said
    assert "Inget ord används tydligt oftare" not in said
    both = pd.concat([notes, notes.assign(person_id=notes["person_id"].str.replace("K", "M"), kon="man")])
    assert words.without_notes(text_stats.count_words(both, levels=("kvinna", "man"))) is None


def test_an_empty_group_is_not_shown_as_hidden():
    """40 women and no men: the men's row has nothing to compute ('–', with the legend), and
    nothing was hidden (no '..')."""
    summary = pd.DataFrame([
        {"kon": "kvinna", "n": 40.0, "mean": 24.9, "mean_ci_low": 20.0, "mean_ci_high": 30.0,
         "median": 22.2, "median_ci_low": 19.0, "median_ci_high": 27.0, "q1": 18.6, "q3": 25.1,
         "share_of_n": 1.0, "share_of_total": 1.0, "suppressed": False, "suppression_reason": ""},
        {"kon": "man", "n": 0.0, "mean": NAN, "mean_ci_low": NAN, "mean_ci_high": NAN,
         "median": NAN, "median_ci_low": NAN, "median_ci_high": NAN, "q1": NAN, "q3": NAN,
         "share_of_n": 0.0, "share_of_total": 0.0, "suppressed": False, "suppression_reason": ""}])
    summary.attrs[disclosure.ATTR] = {"threshold": 5}
    table = report.amount_summary_table(summary)
    men = table.frame.iloc[1]
    assert ".." not in men.tolist() and men["Medelvärde (timmar)"] == "–" and men["Antal"] == "0"
    assert "'–' = kan inte beräknas" in table.note and "'..'" not in table.note


def test_a_change_without_interval_gives_no_verdict():
    """A change whose interval (and p-value) could not be computed: no 'tydligt', no 'alltså',
    no '..' for a p-value nobody hid."""
    from types import SimpleNamespace

    def frame(rows):
        f = pd.DataFrame(rows)
        f.attrs[disclosure.ATTR] = {"threshold": 5}
        return f

    base = {"group_a": "kvinna", "group_b": "man", "adjusted": False, "adjusted_for": [],
            "conf_level": 0.95, "suppressed": False, "suppression_reason": "", "warning": ""}
    phases = frame([{**base, "period": "före", "estimate": -1.0, "ci_low": -2.0, "ci_high": 0.5},
                    {**base, "period": "efter", "estimate": -2.5, "ci_low": -4.0, "ci_high": -1.0}])
    change = frame([{**base, "estimate": 1.0, "ci_low": NAN, "ci_high": NAN, "p_value": NAN}])
    text = report.describe_amount_change(SimpleNamespace(phases=phases, change=change))
    assert "kan inte beräknas" in text and "tydligt" not in text
    assert "alltså" not in text and "p = .." not in text


def test_alt_texts_say_in_words_what_is_hidden_or_not_computed():
    """An alt text is read aloud: '..' would be read as two dots. A hidden comparison says it is
    not shown, one that could not be computed says so, in every alt text that lists them."""
    from jamtools.chapters import bof, eb, eb_paths, goals, ht, representation
    from jamtools.present import sentences

    rows = pd.concat([_comparison(3.0, 1.0, 5.0), _comparison(NAN, NAN, NAN, suppressed=True),
                      _comparison(NAN, NAN, NAN)], ignore_index=True)
    rows = rows.assign(measure="risk_difference_pp", rad=["a", "b", "c"], kategori=["a", "b", "c"],
                       period=["2023", "2023", "2023"])
    texts = [sentences.difference_alt(rows), eb._differences_alt(rows), goals.difference_alt(rows),
             bof._per_category_alt(rows, "kategori", "Skillnad"),
             eb_paths._rows_alt(rows, label_by="rad", what="Skillnad"),
             ht._differences_alt(rows.assign(measure="mean_difference"), {}),
             ht._gaps_alt(rows),
             representation.ratio_alt(rows.assign(measure="rate_ratio")),
             representation.rates_alt(rows.rename(columns={"estimate": "rate"}).assign(
                 kon="kvinna", aldersgrupp="18–29")),
             sentences.shares_alt(rows.rename(columns={"estimate": "share"}).assign(kon="kvinna"),
                                  what="Andel")]
    for text in texts:
        assert ".." not in text, text
        assert report.HIDDEN_WORDS in text and report.NOT_COMPUTED_WORDS in text, text
    assert "+3,0 (1,0 till 5,0)" in texts[0]


def test_a_difference_figure_marks_hidden_and_not_computed_apart():
    from jamtools.present import plots

    rows = pd.concat([_comparison(3.0, 1.0, 5.0), _comparison(NAN, NAN, NAN, suppressed=True),
                      _comparison(NAN, NAN, NAN)], ignore_index=True)
    fig = plots.new_figure(2)
    ax = fig.subplots()
    plots._difference_rows(ax, rows)
    assert sorted(t.get_text() for t in ax.texts) == sorted([disclosure.SUPPRESSED_MARK, report.NOT_COMPUTED_MARK])


def test_a_group_without_rows_is_not_called_hidden():
    """An export of men only: the women's row has 0 rows, no share and no interval. '..' means
    hidden (and its legend says so); here the share could not be computed: '–' with its legend."""
    from jamtools.disclosure import analyses
    from jamtools.present.segregation import dissimilarity_table
    from jamtools.stats.categorical import dissimilarity_by_period
    from jamtools.disclosure.segregation import disclose_dissimilarity

    rng = np.random.default_rng(1)
    men = pd.DataFrame({"kon": "man", "utfall": rng.integers(0, 2, 60), "grupp": rng.choice(["a", "b"], 60),
                        "ar": rng.choice([2023, 2024], 60)})
    result = analyses.binary_outcome(men, "utfall", levels=("kvinna", "man"), threshold=5)
    table = report.share_table(result.shares)
    women = table.frame[table.frame["Kön"] == "Kvinnor"].iloc[0]
    assert women["Antal"] == "0" and women.iloc[-1] == "–" and women.iloc[-2] == "–"
    assert report.NOT_COMPUTED_NOTE in table.note and "'..'" not in table.note
    dist = disclosure.disclose_distribution(analyses_distribution(men), "grupp", threshold=5)
    shown = report.distribution_table(dist, "grupp")
    assert disclosure.SUPPRESSED_MARK not in shown.frame.to_numpy().ravel()
    assert report.NOT_COMPUTED_NOTE in shown.note
    rows = disclose_dissimilarity(dissimilarity_by_period(men.assign(period=men["ar"]), "grupp", "ar",
                                                          levels=("kvinna", "man"), n_boot=50), threshold=5)
    d = dissimilarity_table(rows, levels=("kvinna", "man"))
    assert disclosure.SUPPRESSED_MARK not in d.frame.to_numpy().ravel() and report.NOT_COMPUTED_NOTE in d.note


def analyses_distribution(frame):
    from jamtools.stats.categorical import distribution_by_group

    return distribution_by_group(frame, "grupp")


def test_more_alt_texts_say_in_words_what_is_hidden():
    from jamtools.chapters import ht
    from jamtools.present import plots, segregation

    dist = pd.DataFrame({"instrument": ["a", "a", "b", "b"], "kon": ["kvinna", "man"] * 2,
                         "share": [0.4, NAN, 0.6, NAN], "suppressed": [False, True, False, False]})
    dist.attrs[disclosure.ATTR] = {"threshold": 5}
    text = segregation.distributions_alt({"hela perioden": dist}, "instrument")
    assert ".." not in text and report.HIDDEN_WORDS in text and report.NOT_COMPUTED_WORDS in text
    rows = pd.DataFrame({"period": ["2023", "2024", "2025"], "estimate": [0.3, NAN, NAN],
                         "ci_low": [NAN, NAN, NAN], "ci_high": [NAN, NAN, NAN], "d_random": [NAN, NAN, NAN],
                         "suppressed": [False, True, NAN]})
    rows.attrs[disclosure.ATTR] = {"threshold": 5}
    text = segregation.dissimilarity_alt(rows)
    assert ".." not in text and "2023 0,30 (intervallet kan inte beräknas" in text
    assert f"2024 {report.HIDDEN_WORDS}" in text and f"2025 {report.NOT_COMPUTED_WORDS}" in text
    summary = pd.DataFrame({"grupp": ["x", "x"], "kon": ["kvinna", "man"], "median": [10.0, NAN],
                            "q1": [8.0, NAN], "q3": [12.0, NAN], "suppressed": [False, True]})
    text = ht._distribution_alt(summary, "grupp")
    assert ".." not in text and report.HIDDEN_WORDS in text
    # a figure's rows without a 'suppressed' column: missing estimates are taken as hidden
    fig = plots.new_figure(2)
    ax = fig.subplots()
    plots._difference_rows(ax, _comparison(NAN, NAN, NAN).drop(columns="suppressed"))
    assert [t.get_text() for t in ax.texts] == [disclosure.SUPPRESSED_MARK]


def test_figures_and_lorenz_of_an_absent_group_say_it_could_not_be_computed():
    """Men only: the women's row (0 rows, not hidden) is '–' with "kan inte beräknas" in the
    shares figure, and the women's Lorenz curve is not called hidden; a hidden row stays '..'."""
    from jamtools.chapters import resources
    from jamtools.disclosure import analyses
    from jamtools.present import plots

    rng = np.random.default_rng(2)
    men = pd.DataFrame({"kon": "man", "utfall": rng.integers(0, 2, 60)})
    plot = plots.shares_plot(analyses.binary_outcome(men, "utfall", levels=("kvinna", "man"), threshold=5).shares)
    texts = [t.get_text() for t in plot.fig.axes[0].texts]
    assert "–" in texts and "(kvinnor kan inte beräknas)" in texts and ".." not in texts
    few = pd.concat([men, pd.DataFrame({"kon": "kvinna", "utfall": [1, 0]})], ignore_index=True)
    plot = plots.shares_plot(analyses.binary_outcome(few, "utfall", levels=("kvinna", "man"), threshold=5).shares)
    assert "(kvinnor visas inte)" in [t.get_text() for t in plot.fig.axes[0].texts]

    spec = resources.RESOURCE_TABLES["ht_beslut"]
    need = resources.effective_spec(spec, [])
    result = resources.resource_distribution(
        pd.DataFrame({"kon": "man", "beviljade_timmar": rng.gamma(2, 10, 200)}), need, threshold=5)
    lorenz = result.lorenz
    table = resources.lorenz_table(lorenz, need)
    women = table.frame[table.frame["Kön"] == "Kvinnor"].iloc[0]
    assert set(women.drop("Kön")) == {"–"} and "'..'" not in table.note and "könet saknas" in table.note
    assert f"kvinnor: {report.NOT_COMPUTED_WORDS}" in resources.lorenz_alt(lorenz, need)


def test_a_standardised_rate_without_counts_is_not_called_hidden():
    from jamtools.chapters import representation

    shown = pd.DataFrame({"typ": ["Rått", "Åldersstandardiserad"], "kon": ["kvinna", "kvinna"],
                          "events": [40.0, NAN], "n": [9000.0, NAN], "rate": [4.4, NAN],
                          "ci_low": [3.2, NAN], "ci_high": [6.0, NAN], "suppressed": [False, False],
                          "conf_level": [0.95, 0.95]})
    shown.attrs[disclosure.ATTR] = {"threshold": 5}
    table = representation.rates_table(shown, by="typ", first_label="Mått")
    assert list(table.frame.iloc[1, 2:]) == ["–"] * 4
    assert "'..'" not in table.note and report.NOT_COMPUTED_NOTE in table.note


def test_interval_cells_mark_hidden_and_missing_apart():
    cells = report.interval_cells([0.1, 0.2, NAN, None], [0.3, 0.4, 0.5, 0.6], [False, True, False, False],
                                  lambda lo, hi: f"{lo:.1f}–{hi:.1f}")
    assert cells == ["0.1–0.3", disclosure.SUPPRESSED_MARK, report.NOT_COMPUTED_MARK, report.NOT_COMPUTED_MARK]


def test_a_small_number_is_not_shown_as_zero_but_rounding_noise_is():
    """With two decimals or more, a value that is not 0 but rounds to 0 shows two significant
    digits (an odds ratio of 0.0042); rounding noise (below 1e-9) and 0 itself read 0,00."""
    from jamtools.present.report import number

    assert number(0.0042, 2) == "0,0042" and number(0.000137, 2) == "0,00014"
    assert number(-0.004, 2) == "\u22120,0040"
    assert number(0.1 + 0.2 - 0.3, 2) == "0,00" and number(1e-16, 2, signed=True) == "0,00"
    assert number(0.0, 2) == "0,00" and number(0.126, 2) == "0,13" and number(0.04, 1) == "0,0"


def test_a_p_value_in_a_sentence_has_its_sign():
    """A sentence reads 'p = 0,007' or 'p < 0,001', never 'p 0,007' (a probe's kulturskola page
    said "chi-två-test, p 1,000"); a table cell has the number alone."""
    assert report.p_words(0.0071) == "p = 0,007"
    assert report.p_words(1.0) == "p = 1,000"
    assert report.p_words(3e-12) == "p < 0,001"
    assert report.p_words(NAN) == report.p_words(None) == "p kan inte beräknas"
    assert report.p_value(0.0071) == "0,007"


def test_a_simultaneous_level_is_written_as_it_is_in_every_header_and_sentence():
    """r4_03 with two quality indicators: the text said '97,5 % KI', the table under it
    '98 % KI' and '98 % konfidensintervall' (the level rounded to a whole number is another
    level); a whole level was '95,0 %' in one sentence and '95 %' in the next. One formatter
    (report.conf_percent) writes each level everywhere."""
    from jamtools.disclosure import analyses

    rng = np.random.default_rng(3)
    data = pd.DataFrame({"kon": np.repeat(["kvinna", "man"], 200),
                         "utfall": rng.integers(0, 2, 400)})
    for level, text in ((0.975, "97,5"), (0.95, "95"), (1 - 0.05 / 3, "98,3")):
        assert report.conf_percent(level) == text
        res = analyses.binary_outcome(data, "utfall", levels=("kvinna", "man"), conf_level=level,
                                      threshold=5)
        shares = report.share_table(res.shares).frame
        assert f"{text} % konfidensintervall" in shares.columns
        comparisons = report.comparison_table(res.comparisons).frame
        assert f"{text} % KI" in comparisons.columns
        words = report.describe_binary(res.shares, res.comparisons, outcome_text="till utfallet",
                                       unit_text="ärenden")
        assert f"({text} % KI " in words
        assert words.count(" % KI ") == words.count(f"{text} % KI ")


def test_a_level_close_to_100_is_never_written_as_100():
    """0.9999 (a Bonferroni level of many intervals) read '100,0 % KI': a level no interval has."""
    from jamtools.present.report import conf_percent

    assert conf_percent(0.9999) == "99,99" and conf_percent(1 - 0.05 / 1000) == "99,995"
    assert conf_percent(0.95) == "95" and conf_percent(0.975) == "97,5"
