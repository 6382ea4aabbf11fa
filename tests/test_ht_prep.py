"""jamtools.chapters.ht.need_group: the need groups of the home-help chapters, from any subset of the
need columns an export has (ADL dependency, living alone, age)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from jamtools.chapters import ht


def _decisions(n=60, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "kon": rng.choice(["kvinna", "man"], n),
        "adl_beroende": pd.array(rng.integers(0, 7, n), dtype="Int64"),
        "ensamboende": pd.array(rng.random(n) < 0.6, dtype="boolean"),
        "alder": pd.array(rng.integers(60, 100, n), dtype="Int64"),
        "beviljade_timmar": rng.uniform(1, 60, n),
    })


SUBSETS = [c for k in range(4) for c in itertools.combinations(ht.NEED_COLUMNS, k)]


@pytest.mark.parametrize("cols", SUBSETS, ids=lambda c: "+".join(c) or "ingen")
def test_every_subset_of_the_need_columns_gives_groups_or_none(cols):
    d = _decisions()
    sub = d[["kon", "beviljade_timmar", *cols]]
    groups = ht.need_group(sub)
    expected_cols = [c for c in ("adl_beroende", "ensamboende") if c in cols] or \
        (["alder"] if "alder" in cols else [])
    assert ht.need_group_columns(sub) == expected_cols
    if not expected_cols:
        assert groups is None and ht.need_group_text(sub) == ""
        return
    assert groups.index.equals(sub.index) and groups.notna().all()
    assert isinstance(groups.dtype, pd.CategoricalDtype) and groups.cat.ordered
    assert groups.name == ht.GROUP_NAMES[tuple(expected_cols)]
    # Every row's group is the one its values give, written as the chapter shows it.
    for i, r in sub.iterrows():
        parts = []
        if "adl_beroende" in expected_cols:
            parts.append("ADL " + ("5–6" if r["adl_beroende"] >= 5 else str(int(r["adl_beroende"]))))
        if "ensamboende" in expected_cols:
            parts.append("bor ensam" if r["ensamboende"] else "bor med någon")
        if expected_cols == ["alder"]:
            a = r["alder"]
            parts.append("under 65 år" if a < 65 else "65–74 år" if a < 75 else "75–84 år"
                         if a < 85 else "85 år och äldre")
        assert groups[i] == ", ".join(parts)
    assert ht.need_group_text(sub)


def test_categories_are_every_possible_group_in_need_order():
    groups = ht.need_group(_decisions(n=5))
    cats = list(groups.cat.categories)
    assert len(cats) == 12
    assert cats[:3] == ["ADL 0, bor ensam", "ADL 0, bor med någon", "ADL 1, bor ensam"]
    assert cats[-1] == "ADL 5–6, bor med någon"
    # A group no decision has is still a category (tables keep their order across runs).
    assert set(groups.dropna()) < set(cats)


def test_the_original_notebook_grouping_is_unchanged():
    """The chapter grouped by ADL (5 and 6 together) and living alone with pd.Categorical; the
    library gives the same labels and order for a table with both columns."""
    d = _decisions(n=200, seed=11)
    levels = ["0", "1", "2", "3", "4", "5–6"]
    living = {True: "bor ensam", False: "bor med någon"}
    old = pd.Categorical(
        "ADL " + d["adl_beroende"].clip(upper=5).astype(int).map(lambda v: levels[v]).astype(str)
        + ", " + d["ensamboende"].astype(bool).map(living).astype(str),
        categories=[f"ADL {n}, {b}" for n in levels for b in living.values()], ordered=True)
    new = ht.need_group(d)
    assert list(new.astype(str)) == list(old.astype(str))
    assert list(new.cat.categories) == list(old.categories)


def test_missing_values_have_no_group_and_zero_rows_work():
    d = _decisions(n=4)
    d.loc[0, "adl_beroende"] = pd.NA
    d.loc[1, "ensamboende"] = pd.NA
    groups = ht.need_group(d)  # a missing value is the group "Uppgift saknas", counted
    assert (groups == ht.MISSING_GROUP).tolist() == [True, True, False, False] and groups.notna().all()
    empty = d.iloc[0:0]
    assert ht.need_group(empty) is None  # no values at all: nothing to group by
    only_missing = d[["kon", "adl_beroende"]].iloc[:1]
    assert ht.need_group(only_missing) is None


def test_a_column_without_values_counts_as_absent():
    d = _decisions(n=6)
    d["adl_beroende"] = pd.array([pd.NA] * 6, dtype="Int64")
    assert ht.need_group_columns(d) == ["ensamboende"]
    assert ht.need_group(d).name == "boendeform"


# --- ht_02: the parameter and the short answer ---------------------------------------------------

@pytest.mark.parametrize("value", ["år 2023", "2023-01-01", 2023.0, True, None])
def test_the_change_year_must_be_a_whole_year(value):
    with pytest.raises(ValueError, match="nytt_arbetssatt_ar"):
        ht.change_year(value)
    assert ht.change_year(2023) == 2023


def _change(gap_after, n=400, seed=5, covariates=("adl_beroende",)):
    """Decisions 2021–2024 where women get 4 hours fewer than men with the same ADL before
    2023, and ``gap_after`` from 2023."""
    from jamtools.disclosure import analyses as analysis

    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n), "ar": rng.integers(2021, 2025, n),
                      "adl_beroende": rng.integers(0, 7, n)})
    gap = np.where(d["ar"] >= 2023, gap_after, -4.0)
    d["beviljade_timmar"] = (10 + 4 * d["adl_beroende"] + np.where(d["kon"] == "kvinna", gap, 0)
                             + rng.normal(0, 1.5, n))
    return analysis.amount_change(d, "beviljade_timmar", "ar", 2023, covariates=list(covariates),
                                  threshold=5, levels=("kvinna", "man"))


@pytest.mark.parametrize("gap_after,words", [
    (0.0, "kvinnornas beviljade tid har tydligt ökat i förhållande till männens"),
    (-8.0, "kvinnornas beviljade tid har tydligt minskat i förhållande till männens"),
    (-4.0, "data kan inte skilja förändringen från slumpens variation")])
def test_change_answer_says_the_gaps_and_the_change_by_the_one_verdict_rule(gap_after, words):
    change = _change(gap_after)
    text = ht.change_answer(change)
    # the crude gaps and the same-need gaps before and after, then the same-need change
    assert text.startswith("Skillnaden kvinnor − män i beviljade timmar per månad var utan "
                           "justering ")
    crude, same = text.split(", och bland beslut med samma ADL-beroende ")
    assert "före 2023 och " in crude and "från 2023" in crude
    assert "före 2023 och " in same and "från 2023." in same
    assert "Förändringen bland beslut med samma ADL-beroende är " in text and "95 % KI" in text
    assert text.endswith(f"{words}.")
    r = change.change.iloc[0]
    assert (r["ci_low"] > 0) == ("ökat" in text) and (r["ci_high"] < 0) == ("minskat" in text)


def test_change_answer_without_covariates_and_when_hidden():
    text = ht.change_answer(_change(0.0, covariates=()))
    assert ", utan justering, var " in text and "samma" not in text
    hidden = ht.change_answer(_change(0.0, n=24, seed=1))
    assert "Förändringen visas inte" in hidden or "kan inte skattas" in hidden


def test_ht_02_of_one_sex_draws_no_empty_figure(tmp_path):
    """ht_02 on decisions about women only: no year's gap can be computed, so instead of a
    figure of empty years (axes without points, '..' at every year) the figure says so."""
    from jamtools.present.plots import Plot
    from jamtools.run.notebook import setup
    from tests.conftest import SYNTHETIC

    rows = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str, keep_default_na=False)
    rows[rows["kon"] == "kvinna"].to_csv(tmp_path / "ht_beslut.csv", index=False)
    ctx = setup("ht_02_forandring_over_tid", {"data_dir": str(tmp_path), "enhet": None,
                                              "alder_min": None, "alder_max": None,
                                              "nytt_arbetssatt_ar": 2023})
    page = ht.hours_change(ctx)
    shown = page.parts["resultat"]
    (plot,) = [i for i in shown if isinstance(i, Plot)]
    assert plot.name == "per-ar"  # the prose refers to it by label: it is there, without points
    assert plot.fig.axes[0].texts[0].get_text() == "Skillnaden kan inte beräknas något år"
    assert not plot.fig.axes[0].axison
    demo = ht.hours_change(setup("ht_02_forandring_over_tid", {"data_dir": str(SYNTHETIC), "enhet": None,
                                                               "alder_min": None, "alder_max": None,
                                                               "nytt_arbetssatt_ar": 2023}))
    (drawn,) = [i for i in demo.parts["resultat"] if isinstance(i, Plot)]
    assert drawn.fig.axes[0].axison and drawn.name == "per-ar"  # the years' points, not the sentence
