"""Years beside the phases they add up to (ks_01): a probe's 55 pupils showed 2024 (5 girls)
and "från 2024" (9 girls) and hid 2025, so 9 − 5 = 4 girls; at threshold 3 the boys of 2022
were 8 − 3 − 4 = 1. protect_periods hides another year of such a phase, or the phase."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.chapters.ks import phases, prepare_pupils
from jamtools.disclosure.segregation import disclose_dissimilarity, protect_periods
from jamtools.stats.categorical import dissimilarity_by_period

COUNTS = {2021: (3, 3), 2022: (9, 1), 2023: (13, 4), 2024: (5, 8), 2025: (4, 5)}


def _assert_nothing_follows(years, whole, truth, labels, threshold):
    for _, w in whole[~whole["suppressed"]].iterrows():
        members = years["period"].map(lambda y: labels[0] if y < 2024 else labels[1]) == w["period"]
        hidden = members & years["suppressed"]
        assert hidden.sum() != 1, (threshold, w["period"])
        for side in ("n_a", "n_b"):
            rest = truth.loc[hidden, side].sum()
            assert rest == 0 or rest >= threshold, (threshold, w["period"], side, rest)


def _pupils(counts=None) -> pd.DataFrame:
    rows, k = [], 0
    for year, (girls, boys) in (counts or COUNTS).items():
        for sex, n in (("flicka", girls), ("pojke", boys)):
            for _ in range(n):
                rows.append({"ar": year, "kon": sex, "instrument": ["piano", "gitarr", "fiol"][k % 3]})
                k += 1
    return prepare_pupils(pd.DataFrame(rows), 2024)


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_no_hidden_year_follows_from_its_phase(threshold):
    pupils = _pupils()
    levels = ("flicka", "pojke")
    raw = dissimilarity_by_period(pupils, "instrument", "ar", levels=levels)
    by_year = disclose_dissimilarity(raw, threshold=threshold)
    by_phase = disclose_dissimilarity(dissimilarity_by_period(pupils, "instrument", "fas", levels=levels),
                                      threshold=threshold)
    labels = phases(2024)
    years, whole = protect_periods(by_year, by_phase, lambda y: labels[0] if y < 2024 else labels[1],
                                   threshold=threshold)
    _assert_nothing_follows(years, whole, raw, labels, threshold)
    # a hidden row shows nothing, and nothing shown was hidden before
    assert years.loc[years["suppressed"], ["n_a", "n_b", "estimate"]].isna().all().all()
    assert (years["suppressed"] >= by_year["suppressed"]).all()
    if threshold == 5:
        assert years.loc[years["period"] == 2024, "suppressed"].item()  # 9 − 5 = 4 girls in 2025


def test_hidden_years_do_not_add_up_to_a_small_count():
    """A review: 2021 and 2022 with 1 girl each, hidden, beside "före 2024" (22) and 2023 (20):
    the two hidden years held 2 girls, so 1 each."""
    pupils = _pupils({2021: (1, 10), 2022: (1, 10), 2023: (20, 20), 2024: (12, 12)})
    levels = ("flicka", "pojke")
    raw = dissimilarity_by_period(pupils, "instrument", "ar", levels=levels)
    by_year = disclose_dissimilarity(raw, threshold=5)
    by_phase = disclose_dissimilarity(dissimilarity_by_period(pupils, "instrument", "fas", levels=levels), threshold=5)
    labels = phases(2024)
    years, whole = protect_periods(by_year, by_phase, lambda y: labels[0] if y < 2024 else labels[1], threshold=5)
    _assert_nothing_follows(years, whole, raw, labels, 5)


@pytest.mark.parametrize("threshold", [3, 5])
def test_home_help_years_beside_their_phases(threshold):
    """ht_02 (a probe, threshold 3): the years 2021 and 2023 hidden, 2022 shown with 6 men,
    "före 2023" with 8: 2021 had 2 men. The crude and the adjusted gap of a year share its
    counts and are hidden together."""
    import numpy as np

    from jamtools.disclosure.analyses import amount_change

    rng = np.random.default_rng(threshold)
    men = {2021: 2, 2022: 6, 2023: 4, 2024: 7}
    rows = [{"kon": sex, "ar": year, "adl": int(rng.integers(0, 6)), "h": float(rng.gamma(3, 8))}
            for year, m in men.items() for sex, k in (("kvinna", 11), ("man", m)) for _ in range(k)]
    data = pd.DataFrame(rows)
    change = amount_change(data, "h", "ar", 2023, covariates=["adl"], levels=("kvinna", "man"),
                           threshold=threshold)
    years = change.by_period.groupby("period", sort=False).agg(
        suppressed=("suppressed", "all"), any_hidden=("suppressed", "any"))
    assert (years["suppressed"] == years["any_hidden"]).all()  # a year's rows together
    truth = pd.Series(men)
    for _, whole in change.phases[~change.phases["suppressed"].astype(bool)].drop_duplicates("period").iterrows():
        member = [y for y in men if (y >= 2023) == whole["period"].startswith("från")]
        hidden = [y for y in member if years.loc[y, "suppressed"]]
        assert len(hidden) != 1, whole["period"]
        rest = truth[hidden].sum()
        assert rest == 0 or rest >= threshold, (whole["period"], rest)


def test_a_repeated_index_label_does_not_undo_the_protection():
    """A review: with repeated index labels every year looked up the same rows, 2021 hidden
    made every year look hidden, and 2022 stayed shown beside its phase."""
    parts = pd.DataFrame({"period": [2021, 2022, 2023, 2024], "n_a": [float("nan"), 12, 10, 12],
                          "n_b": [float("nan"), 6, 4, 7], "suppressed": [True, False, False, False],
                          "suppression_reason": ["färre än 3", "", "", ""]}, index=[0, 0, 1, 1])
    wholes = pd.DataFrame({"period": ["före", "från"], "n_a": [22.0, 22.0], "n_b": [8.0, 11.0],
                           "suppressed": [False, False], "suppression_reason": ["", ""]})
    out, _ = protect_periods(parts, wholes, lambda y: "före" if y < 2023 else "från", threshold=3)
    assert out["suppressed"].tolist()[:2] == [True, True]
    assert list(out.index) == [0, 0, 1, 1]
