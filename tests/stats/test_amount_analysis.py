"""Amount analyses (jamtools.disclosure.analyses.amount_outcome, amount_gap_by_period, amount_change) and
their reader-facing helpers: values against hand computations and exact models, disclosure of
small groups like counts, and the Swedish sentences, tables and figures built from them."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure, stats

from jamtools.disclosure import analyses as analysis

from jamtools.present import plots

from jamtools.present import report

WOMAN_EFFECT = -2.0


def _exact(n_per_sex: int = 40) -> pd.DataFrame:
    """Hours that follow y = 10 + 5·adl + 3·alone − 2·woman exactly (no noise). Women have more
    need (higher ADL, more often alone), so the crude gap is positive and the adjusted is −2."""
    woman_adl, man_adl = (0, 1, 2, 3, 4, 4, 4, 3), (0, 0, 1, 1, 2, 3, 4, 0)
    rows = []
    for i in range(n_per_sex):
        rows.append({"kon": "kvinna", "adl": woman_adl[i % 8], "ensam": int(i % 3 != 0)})
        rows.append({"kon": "man", "adl": man_adl[i % 8], "ensam": int(i % 2 == 0)})
    d = pd.DataFrame(rows)
    d["timmar"] = 10 + 5 * d["adl"] + 3 * d["ensam"] + WOMAN_EFFECT * (d["kon"] == "kvinna")
    return d


def _noisy(seed: int = 3, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    woman = rng.random(n) < 0.6
    adl = rng.integers(0, 5, n)
    alone = (rng.random(n) < np.where(woman, 0.7, 0.4)).astype(int)
    year = rng.integers(2020, 2024, n)
    effect = np.where(year >= 2022, 0.0, -3.0)
    y = 8 + 6 * adl + 4 * alone + np.where(woman, effect, 0.0) + rng.normal(0, 2, n)
    return pd.DataFrame({"kon": np.where(woman, "kvinna", "man"), "adl": adl, "ensam": alone,
                         "ar": year, "timmar": y})


# --- amount_outcome --------------------------------------------------------------------------

def test_amount_outcome_against_exact_model_and_hand_computation():
    d = _exact()
    res = analysis.amount_outcome(d, "timmar", covariates=["adl", "ensam"], decompose=True,
                                  n_boot=200, levels=("kvinna", "man"))
    w, m = d.loc[d.kon == "kvinna", "timmar"], d.loc[d.kon == "man", "timmar"]
    comp = res.comparisons.set_index(["measure", "adjusted"])
    # Crude: the plain difference of the group means; by hand from the model,
    # 5·(2.625 − 1.375) + 3·(26/40 − 20/40) − 2 = 4.7.
    crude = 5 * (d[d.kon == "kvinna"].adl.mean() - d[d.kon == "man"].adl.mean()) \
        + 3 * (d[d.kon == "kvinna"].ensam.mean() - d[d.kon == "man"].ensam.mean()) + WOMAN_EFFECT
    assert comp.loc[("mean_difference", False), "estimate"] == pytest.approx(w.mean() - m.mean())
    assert comp.loc[("mean_difference", False), "estimate"] == pytest.approx(crude)
    assert crude == pytest.approx(4.7)
    assert comp.loc[("median_difference", False), "estimate"] == pytest.approx(w.median() - m.median())
    # Adjusted: the model's own effect, exactly.
    assert comp.loc[("mean_difference", True), "estimate"] == pytest.approx(WOMAN_EFFECT, abs=1e-9)
    assert comp.loc[("mean_difference", True), "adjusted_for"] == "adl, ensam"
    # Summary per sex: means, medians, shares of rows and of the summed hours.
    s = res.summary.set_index("kon")
    assert s.loc["kvinna", "mean"] == pytest.approx(w.mean())
    assert s.loc["man", "median"] == pytest.approx(m.median())
    assert s.loc["kvinna", "share_of_total"] == pytest.approx(w.sum() / d.timmar.sum())
    assert s.loc["kvinna", "share_of_n"] == pytest.approx(0.5)
    # Decomposition: unexplained = the effect at equal need, explained = the rest of the gap.
    dec = res.decomposition.set_index("measure")
    assert dec.loc["oaxaca_unexplained", "estimate"] == pytest.approx(WOMAN_EFFECT, abs=1e-9)
    assert dec.loc["oaxaca_explained", "estimate"] == pytest.approx(crude - WOMAN_EFFECT)
    for frame in (res.summary, res.comparisons, res.decomposition):
        assert disclosure.is_disclosed(frame)


def test_adjusted_difference_matches_least_squares():
    d = _noisy()
    res = analysis.amount_outcome(d, "timmar", covariates=["adl", "ensam"], n_boot=100,
                                  levels=("kvinna", "man"))
    x = np.column_stack([np.ones(len(d)), (d.kon == "kvinna").astype(float),
                         pd.get_dummies(d.adl, prefix="adl", drop_first=True, dtype=float), d.ensam])
    beta = np.linalg.lstsq(x, d.timmar.to_numpy(), rcond=None)[0]
    adj = res.comparisons[res.comparisons.adjusted].iloc[0]
    assert adj.estimate == pytest.approx(beta[1])


def test_small_group_is_hidden_like_a_count_with_its_complement():
    d = _noisy().query("kon == 'kvinna'").head(40)
    d = pd.concat([d, _noisy(seed=9).query("kon == 'man'").head(3)], ignore_index=True)
    res = analysis.amount_outcome(d, "timmar", covariates=["adl"], decompose=True, n_boot=50,
                                  threshold=5, levels=("kvinna", "man"))
    s = res.summary.set_index("kon")
    assert s["suppressed"].all()  # 3 men hidden; women too, or total − women gives the men
    assert s.loc["man", "suppression_reason"] == disclosure.REASON_HIDDEN
    assert s[["n", "mean", "median", "q1", "q3", "sum", "share_of_total"]].isna().all().all()
    for frame in (res.comparisons, res.decomposition):
        assert frame["suppressed"].all() and frame["estimate"].isna().all()
    # Nothing of it reaches a reader.
    assert report.number(s.loc["man", "mean"]) == disclosure.SUPPRESSED_MARK
    text = report.describe_amount(res.summary, res.comparisons)
    assert "visas inte" in text and "3" not in text


def test_by_summary_hides_small_cells_and_complements():
    d = _noisy(n=600)
    d = d[~((d.adl == 4) & (d.kon == "man"))]
    d = pd.concat([d, pd.DataFrame({"kon": ["man"] * 2, "adl": [4, 4], "ensam": [1, 0],
                                    "ar": [2021, 2021], "timmar": [40.0, 41.0]})], ignore_index=True)
    res = analysis.amount_outcome(d, "timmar", by="adl", n_boot=50, levels=("kvinna", "man"))
    by = res.by_summary.set_index(["adl", "kon"])
    assert by.loc[(4, "man"), "suppressed"] and np.isnan(by.loc[(4, "man"), "mean"])
    assert by.loc[(4, "kvinna"), "suppressed"]  # the other cell of its row
    # Complements: with two sexes every row is shown or hidden whole, and at least one more
    # row is hidden so that the men's total does not give the hidden count away.
    assert (by["suppressed"].groupby(level="adl").nunique() == 1).all()
    assert by["suppressed"].sum() >= 4
    assert by.loc[~by["suppressed"], "mean"].notna().all()
    table = report.amount_summary_table(res.by_summary, by="adl")
    assert (table.frame.loc[table.frame["Kön"] == "Män", "Antal"] == "..").sum() == by["suppressed"].sum() / 2
    assert "färre än 5" in table._repr_html_()


def test_a_group_with_no_rows_is_shown_as_zero():
    d = _noisy().query("kon == 'kvinna'")
    with pytest.warns(UserWarning):
        res = analysis.amount_outcome(d, "timmar", n_boot=50, levels=("kvinna", "man"))
    s = res.summary.set_index("kon")
    assert s.loc["man", "n"] == 0 and not s.loc["man", "suppressed"]
    assert res.comparisons["estimate"].isna().all()


# --- per period and change -------------------------------------------------------------------

def test_gap_by_period_matches_subset_analyses():
    d = _noisy(n=800)
    out = analysis.amount_gap_by_period(d, "timmar", "ar", covariates=["adl", "ensam"],
                                        levels=("kvinna", "man"))
    assert disclosure.is_disclosed(out)
    assert list(out["period"].unique()) == [2020, 2021, 2022, 2023]
    for year, sub in d.groupby("ar"):
        crude = (stats.compare_amounts(sub, "timmar", n_boot=50, levels=("kvinna", "man"))
                 .set_index("measure").loc["mean_difference"])
        adj = stats.adjusted_amount_difference(sub, "timmar", "kon", ["adl", "ensam"],
                                               levels=("kvinna", "man")).iloc[0]
        rows = out[out["period"] == year].set_index("adjusted")
        assert rows.loc[False, "estimate"] == pytest.approx(crude.estimate)
        assert rows.loc[True, "estimate"] == pytest.approx(adj.estimate)
        assert (rows.loc[True, "ci_low"], rows.loc[True, "ci_high"]) == pytest.approx((adj.ci_low, adj.ci_high))


def test_gap_by_period_hides_a_small_period_and_a_complement():
    d = _noisy(n=800)
    d = pd.concat([d[~((d.ar == 2023) & (d.kon == "man"))],
                   d[(d.ar == 2023) & (d.kon == "man")].head(3)], ignore_index=True)
    out = analysis.amount_gap_by_period(d, "timmar", "ar", covariates=["adl"], levels=("kvinna", "man"))
    hidden = set(out.loc[out["suppressed"], "period"])
    # The count 3, and at least one other period protecting it (the totals per sex are shown).
    assert 2023 in hidden and 2 <= len(hidden) < 4
    assert out.loc[out["suppressed"], ["estimate", "ci_low", "n_a", "n_b"]].isna().all().all()


def test_amount_change_is_the_interaction_and_reads_as_a_smaller_gap():
    d = _noisy(n=1200)
    ch = analysis.amount_change(d, "timmar", "ar", 2022, covariates=["adl", "ensam"],
                                levels=("kvinna", "man"))
    ref = stats.amount_gap_change(d, "timmar", "ar", 2022, covariates=["adl", "ensam"],
                                  levels=("kvinna", "man")).iloc[0]
    row = ch.change.iloc[0]
    assert row.estimate == pytest.approx(ref.estimate) and row.ci_low == pytest.approx(ref.ci_low)
    assert row.ci_low > 0 and row.ci_low < 3.0 < row.ci_high  # planted change +3
    assert list(ch.phases["period"].unique()) == ["före 2022", "från 2022"]
    text = report.describe_amount_change(ch)
    assert "kvinnornas beviljade tid har tydligt ökat" in text and "blivit mindre" in text
    table = report.amount_comparison_table(disclosure.stack({"p": ch.phases, "f": ch.change}, "del"),
                                           period_label="Period", counts=True)
    assert list(table.frame["Period"])[-1] == "från 2022 jämfört med före"
    assert "Antal, kvinnor" in table.frame.columns


def test_a_row_without_a_period_is_refused_not_compared_or_dropped():
    """A missing period (a year not given) belongs to no period: the comparison per period and
    the change over time refuse it with the number of such rows (before, amount_gap_by_period
    failed inside the disclosure with a KeyError); a man without a year does not count when
    only women and men of other groups are compared."""
    d = _noisy(n=400).astype({"ar": "float64"})
    d.loc[[3, 10, 17], "ar"] = np.nan
    for call in (lambda x: analysis.amount_gap_by_period(x, "timmar", "ar", levels=("kvinna", "man")),
                 lambda x: analysis.amount_change(x, "timmar", "ar", 2022, levels=("kvinna", "man")),
                 lambda x: analysis.amount_gap_by_period(stats.amount_moments(x, "timmar", ["ar", "kon"]),
                                                         "timmar", "ar", levels=("kvinna", "man"))):
        with pytest.raises(ValueError, match="saknar värde för 3 (rader|enheter)"):
            call(d)
    d.loc[[3, 10, 17], "kon"] = "okant"  # not among the groups compared
    assert len(analysis.amount_gap_by_period(d, "timmar", "ar", levels=("kvinna", "man")))


def test_amount_change_without_a_before_period_says_so():
    d = _noisy(n=600).query("ar >= 2022")
    ch = analysis.amount_change(d, "timmar", "ar", 2022, covariates=["adl"], levels=("kvinna", "man"))
    assert np.isnan(ch.change.iloc[0].estimate)
    assert "kan inte skattas" in report.describe_amount_change(ch)


# --- sentences, tables and figures -----------------------------------------------------------

def test_describe_amount_claims_no_reversal_when_an_interval_covers_zero():
    """Opposite signs with the adjusted interval covering 0 (as shown, to one decimal) are no
    reversal (stats.flag_simpson), and the text says the direction is not clear."""
    res = analysis.amount_outcome(_exact(), "timmar", covariates=["adl", "ensam"],
                                  n_boot=100, levels=("kvinna", "man"))
    comps = res.comparisons.copy()
    adj = (comps["measure"] == "mean_difference") & comps["adjusted"].astype(bool)
    est = float(comps.loc[adj, "estimate"].iloc[0])
    for low, high in ((est - 5.0, -est + 5.0), (est - 1.0, 0.04 * (1 if est < 0 else -1))):
        comps.loc[adj, ["ci_low", "ci_high"]] = sorted((low, high))
        text = report.describe_amount(res.summary, comps)
        assert "Skillnaden byter riktning" not in text
        assert "det går inte att säga åt vilket håll" in text


def test_describe_amount_flags_reversal_and_names_covariates():
    res = analysis.amount_outcome(_exact(), "timmar", covariates=["adl", "ensam"],
                                  n_boot=100, levels=("kvinna", "man"))
    text = report.describe_amount(res.summary, res.comparisons)
    assert "kvinnor får tydligt färre timmar än män" in text
    assert text.startswith("Kvinnornas beslut gällde i genomsnitt ")
    assert "Jämför man bara medelvärdena är skillnaden +" in text
    assert "byter riktning" in text
    assert "\u22122,0 timmar per månad" in text  # a real minus sign and a decimal comma


def test_reader_helpers_refuse_undisclosed_tables():
    raw = stats.describe_amounts(_noisy(), "timmar")
    comp = stats.compare_amounts(_noisy(), "timmar", n_boot=20, levels=("kvinna", "man"))
    with pytest.raises(disclosure.NotDisclosedError):
        report.amount_summary_table(raw)
    with pytest.raises(disclosure.NotDisclosedError):
        report.amount_comparison_table(comp)
    with pytest.raises(disclosure.NotDisclosedError):
        plots.amount_distribution_plot(raw)
    with pytest.raises(disclosure.NotDisclosedError):
        plots.amount_difference_plot(comp)


def test_figures_draw_disclosed_and_hidden_rows():
    d = _noisy(n=600)
    d = pd.concat([d[~((d.adl == 4) & (d.kon == "man"))],
                   d[(d.adl == 4) & (d.kon == "man")].head(2)], ignore_index=True)
    res = analysis.amount_outcome(d, "timmar", covariates=["adl"], by="adl", n_boot=50,
                                  levels=("kvinna", "man"))
    fig = plots.amount_distribution_plot(res.by_summary, by="adl", title="Timmar")
    assert fig._repr_png_().startswith(b"\x89PNG")
    texts = [t.get_text() for t in fig.fig.axes[0].texts]
    assert texts.count("..") == res.by_summary["suppressed"].sum()
    assert plots.amount_difference_plot(res.comparisons)._repr_png_().startswith(b"\x89PNG")
    by_year = analysis.amount_gap_by_period(d, "timmar", "ar", covariates=["adl"],
                                            levels=("kvinna", "man"))
    assert plots.gap_by_period_plot(by_year, change_at=2022)._repr_png_().startswith(b"\x89PNG")
    table = report.amount_comparison_table(res.comparisons)
    assert list(table.frame["Jämförelse"])[:2] == ["kvinnor − män", "kvinnor − män"]
    assert table.frame.loc[2, "Skattning"].count(",") == 1 and "+" not in table.frame.loc[2, "Skattning"]


def test_decomposition_with_a_category_only_one_sex_has_says_so_in_the_table():
    d = _noisy(n=600)
    d.loc[(d.adl == 4) & (d.kon == "man"), "adl"] = 3  # ADL 4 only among women
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analysis.amount_outcome(d, "timmar", covariates=["adl"], decompose=True, n_boot=50,
                                      levels=("kvinna", "man"))
    assert (res.decomposition["warning"] == analysis.RANK_WARNING).all()
    assert analysis.RANK_WARNING in report.amount_comparison_table(res.decomposition)._repr_html_()


def test_a_group_whose_amounts_are_all_equal_has_no_interval_for_the_mean():
    """Every woman 0 hours: the t-interval would be "0,0–0,0" (a standard error of 0), which the
    data do not support; there is none, the table says '–' and the sentence says why. The
    median's order-statistic interval stays (it holds for any distribution)."""
    d = pd.DataFrame({"kon": ["kvinna"] * 30 + ["man"] * 40, "t": [0.0] * 30 + [i / 3 for i in range(40)]})
    s = stats.describe_amounts(d, "t").set_index("kon")
    assert np.isnan(s.loc["kvinna", "mean_ci_low"]) and np.isnan(s.loc["kvinna", "mean_ci_high"])
    assert s.loc["kvinna", ["median_ci_low", "median_ci_high"]].tolist() == [0.0, 0.0]
    assert s.loc["man", "mean_ci_low"] < s.loc["man", "mean"] < s.loc["man", "mean_ci_high"]
    res = analysis.amount_outcome(d, "t", n_boot=100, levels=("kvinna", "man"))
    table = report.amount_summary_table(res.summary).frame.set_index("Kön")
    assert table.loc["Kvinnor", "95 % KI, medelvärde"] == report.NOT_COMPUTED_MARK
    assert table.loc["Män", "95 % KI, medelvärde"] != report.NOT_COMPUTED_MARK
    text = report.describe_amount(res.summary, res.comparisons)
    assert "intervallet kan inte beräknas: alla har samma värde" in text and "0,0–0,0" not in text
