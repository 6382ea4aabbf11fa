"""A share and its interval are a function of its count of units and its count with the outcome:
where the page hides the count (its denominator), the share, the interval and every comparison
with the group are hidden too; and a comparison is shown whole (estimate, interval, p-value) or
not at all.

A probe (eb_01, threshold 5): 8 men analysed, 5 of them with a requirement of activity, the 3
without one hidden as few. The sanction's data table hid the men's 5, but the text said "av
männens 0,0 % (98 % KI 0,0–53,4 %)": with no events Wilson's upper limit z²/(n + z²) = 0,534
gives n = 5, so 8 − 5 = 3 came back. The results file wrote ``n_b: null`` beside the p-value
and the intervals of the ratios, and a risk ratio without its estimate but with its interval."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd

from jamtools import disclosure, stats
from jamtools.chapters import eb
from jamtools.disclosure import analyses as analysis
from jamtools.present.page import Page
from jamtools.present.report import Table, share_table
from jamtools.run.notebook import setup


def _planning(path) -> dict:
    """60 women and 8 men; of the men 5 have a requirement of activity, none a sanction."""
    rng = random.Random(5)
    kinds = ["ensamstaende_utan_barn", "ensamstaende_med_barn", "sammanboende_utan_barn",
             "sammanboende_med_barn"]
    rows = []
    for i in range(68):
        man, j = i >= 60, i - 60
        required = j < 5 if man else rng.random() < .6
        sanction = (0 if man else int(rng.random() < .25)) if required else ""
        rows.append({"planering_id": f"PL-{i + 1:04d}", "person_id": f"{19800101 + i}",
                     "kon": "man" if man else "kvinna", "alder": rng.randrange(20, 64),
                     "datum": f"2024-{1 + i % 12:02d}-01", "hushallstyp": kinds[i % 4],
                     "ohalsa": int(rng.random() < .4), "aktivitetskrav": int(required),
                     "krav_arbetssokande": int(rng.random() < .5), "sanktion": sanction})
    pd.DataFrame(rows).to_csv(path / "eb_planering.csv", index=False)
    return {"data_dir": str(path), "threshold": 5, "enhet": None, "alder_min": None, "alder_max": None}


def test_a_share_on_a_selection_whose_count_the_page_hides_is_hidden_with_its_comparisons(tmp_path):
    ctx = setup("eb_01_krav", _planning(tmp_path))
    page = eb.requirements(ctx)
    text = " ".join(item for item in page.part("sanktion") if isinstance(item, str))
    assert "männens" not in text and "53,4" not in text
    data = next(item for item in page.part("sanktion") if isinstance(item, Table))
    assert data.frame["Män"].iloc[-1] == ".."                  # the count the share would give back
    rows = page.comparisons[page.comparisons["outcome"] == "sanktion"]
    assert len(rows) and rows["suppressed"].astype(bool).all()
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_b"):
        assert rows[col].isna().all(), col


def test_disclose_shares_hides_a_group_whose_count_is_hidden_elsewhere_and_protects_the_rest():
    shares = stats.share_by_group(pd.DataFrame({"kon": ["kvinna"] * 42 + ["man"] * 5,
                                                "y": [1] * 8 + [0] * 34 + [0] * 5}), outcome="y")
    shown = disclosure.disclose_shares(shares, threshold=5)
    assert not shown["suppressed"].any()                       # alone, nothing here is small
    out = disclosure.disclose_shares(shares, threshold=5, hidden_groups={"man"})
    men = out["kon"] == "man"
    assert out.loc[men, "suppressed"].all()
    assert out.loc[men, ["n", "events", "share", "ci_low", "ci_high"]].isna().all().all()
    assert out["suppressed"].all()                             # the other sex protects it
    comparisons = disclosure.disclose_comparisons(
        stats.compare_groups(pd.DataFrame({"kon": ["kvinna"] * 42 + ["man"] * 5,
                                           "y": [1] * 8 + [0] * 34 + [0] * 5}),
                             outcome="y", levels=("kvinna", "man")), threshold=5, shares=out)
    assert comparisons["suppressed"].all() and comparisons["ci_low"].isna().all()


def test_binary_outcome_passes_the_hidden_groups_to_the_shares_by_category_too():
    rows = pd.DataFrame({"kon": ["kvinna"] * 40 + ["man"] * 40, "y": [1, 0] * 40,
                         "typ": ["a", "b"] * 40})
    result = analysis.binary_outcome(rows, "y", levels=("kvinna", "man"), by="typ", threshold=5,
                                     hidden_groups={"man"})
    assert result.shares.loc[result.shares["kon"] == "man", "suppressed"].all()
    assert result.by_shares.loc[result.by_shares["kon"] == "man", "suppressed"].all()
    assert result.comparisons["suppressed"].all()


def test_a_risk_ratio_without_an_estimate_has_no_interval_and_no_p_value():
    data = pd.DataFrame({"kon": ["kvinna"] * 42 + ["man"] * 30, "y": [1] * 8 + [0] * 34 + [0] * 30})
    crude = stats.compare_groups(data, outcome="y", levels=("kvinna", "man"))
    ratio = crude[crude["measure"] == "risk_ratio"].iloc[0]
    assert np.isnan(ratio["estimate"]) and np.isnan(ratio["ci_low"]) and np.isnan(ratio["ci_high"])
    assert np.isnan(ratio["p_value"]) and ratio["warning"]
    # the disclosure applies the rule to any comparison: no interval beside a missing estimate
    half = crude.copy()
    half.loc[half["measure"] == "risk_ratio", ["ci_low", "ci_high", "p_value", "warning"]] = [0.07, 57.8, 0.5, ""]
    out = disclosure.disclose_comparisons(half, threshold=5)
    row = out[out["measure"] == "risk_ratio"].iloc[0]
    assert not row["suppressed"]
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"]) and np.isnan(row["p_value"])
    assert row["warning"] == disclosure.NOT_COMPUTED
    difference = out[out["measure"] == "risk_difference_pp"].iloc[0]
    assert np.isfinite(difference["estimate"]) and np.isfinite(difference["ci_low"])


def test_the_page_hides_a_selections_share_and_its_comparison_whole_where_it_hides_its_count():
    """The page's last line (link_selections): a table of shares showing the selection's hidden
    count of a sex loses its share and interval too, and the results file's comparison with
    the sex is hidden whole, with a reason."""
    from jamtools.data.load import LoadResult
    from jamtools.data.model import TABLES
    from jamtools.present.report import quality_table

    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 320, "y": [0, 1] * 310})
    frame["dagar"] = 400.0
    frame.loc[300:301, "dagar"] = np.nan                       # 2 men without a time
    loaded = LoadResult(table=TABLES["eb_utfall"], data=frame, source="eb_utfall.csv")
    loaded._record("Inlästa rader", frame, "inlästa")
    timed = loaded.exclude(loaded.data["dagar"].isna(), "Uppgift om antal dagar saknas")
    shares = disclosure.disclose_shares(stats.share_by_group(timed.data, outcome="y"), threshold=5)
    shown = share_table(shares, caption="Andelar")
    comparisons = pd.DataFrame({"group_a": ["kvinna"], "group_b": ["man"], "n_a": [300], "n_b": [318],
                                "events_a": [150.0], "events_b": [159.0], "estimate": [0.1],
                                "ci_low": [-7.0], "ci_high": [7.2], "p_value": [0.9],
                                "suppressed": [False], "suppression_reason": [""], "warning": [""]})
    page = Page(question_id="eb_06_sjalvforsorjning", short_answer="",
                parts={"data": (quality_table(loaded, threshold=5), quality_table(timed, threshold=5)),
                       "takt": (shown,)}, comparisons=comparisons)
    men = shown.frame[shown.frame["Kön"] == "Män"].iloc[0]
    assert (men.drop("Kön") == "..").sum() == 4                # count, events, share, interval
    assert men.get("Anmärkning", disclosure.REASON_HIDDEN) == disclosure.REASON_HIDDEN
    women = shown.frame[shown.frame["Kön"] == "Kvinnor"].iloc[0]
    assert women["Antal"] == "300"
    row = page.comparisons.iloc[0]
    # the one reason, as the data table's '..': a reason of its own ("gruppens antal bredvid hela
    # kapitlets antal skulle ge ett litet antal") said the 318 hidden were 320 less 1 to 4
    assert bool(row["suppressed"]) and row["suppression_reason"] == disclosure.REASON_HIDDEN
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_b", "events_b"):
        assert pd.isna(row[col]), col


def test_a_hidden_shares_reason_does_not_say_what_is_small():
    """bof_05: "färre än 3" beside groups of 42 and 24 mothers; the small count was of those
    without the outcome. Every hidden row has the one reason (which rows are small is what the
    suppression hides: tests/disclosure/test_one_reason.py), and it does not call a group of 42
    small."""
    shares = pd.DataFrame({"kon": ["kvinna", "man", "okant"], "n": [42.0, 24.0, 2.0],
                           "events": [40.0, 24.0, 1.0], "share": [40 / 42, 1.0, 0.5],
                           "ci_low": [0.8, 0.9, 0.1], "ci_high": [0.99, 1.0, 0.9]})
    out = disclosure.disclose_shares(shares, threshold=3)
    reasons = dict(zip(out["kon"], out["suppression_reason"]))
    assert reasons["kvinna"] == reasons["okant"] == disclosure.REASON_HIDDEN
    assert "färre än" not in reasons["kvinna"]
