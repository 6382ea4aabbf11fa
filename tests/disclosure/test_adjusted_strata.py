"""Adjusted estimates over strata with a hidden count (r4_01's age-standardised and
Mantel–Haenszel ratios): an intruder who knows everything the chapter publishes, and the
population (public), tries every split of the hidden counts that agrees with it; no hidden count
may come out as one value.

The probe's attack (case E): three age groups, two hidden (women 65–74 and 75–79, men the same),
the third and the totals shown; the age-standardised ratio and the Mantel–Haenszel ratio at full
precision in the results left exactly one split: "women 75–79 = 2".
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters import representation
from jamtools.data import LoadResult
from jamtools.data.model import TABLES
from jamtools.stats import rates

#: Clients per (age, sex): women 9 / 2 / 9 and men 8 / 2 / 9 in 65–74, 75–79, 80–90 (threshold
#: 3: the 2s are hidden, and 65–74 with them, to protect them against the totals 20 and 19).
_CLIENTS = {("kvinna", 70): 9, ("kvinna", 77): 2, ("kvinna", 85): 9,
            ("man", 70): 8, ("man", 77): 2, ("man", 85): 9}


def _loaded(table, frame):
    return LoadResult(table=TABLES[table], data=frame, source="test")


def _case():
    rows = [{"kon": k, "alder": a, "beslutsdatum": pd.Timestamp("2022-03-01")}
            for (k, a), n in _CLIENTS.items() for _ in range(n)]
    clients = _loaded("ht_beslut", pd.DataFrame(rows))
    population = _loaded("befolkning", pd.DataFrame(
        [{"ar": 2022, "kon": k, "alder": a, "antal": (376 if a < 75 else 286 if a < 80 else 190)
          + (0 if k == "kvinna" else -30)} for k in ("kvinna", "man") for a in range(65, 91)]))
    s = representation.setup("ht_beslut", [65, 75, 80], 90)
    return clients, population, s


def _same(published, value) -> bool:
    return math.isclose(float(published), float(value), rel_tol=1e-9, abs_tol=1e-12)


def _consistent_splits(part, cells):
    """Every split of the hidden counts that agrees with all the part publishes (the counts
    shown per age group, the totals, the standardised rates and every ratio with its interval
    and p-value), as {(age group, sex): count} of the hidden cells."""
    by_age = part.by_age
    hidden = by_age[by_age["suppressed"].astype(bool)]
    keys = [(str(r["aldersgrupp"]), r["kon"]) for _, r in hidden.iterrows()]
    totals = part.total.set_index("kon")["events"]
    shown = by_age[~by_age["suppressed"].astype(bool)].groupby("kon")["events"].sum()
    per_sex = {}
    for sex in ("kvinna", "man"):
        mine = [k for k in keys if k[1] == sex]
        left = int(totals[sex] - shown.get(sex, 0))
        per_sex[sex] = [dict(zip(mine, c)) for c in itertools.product(range(left + 1), repeat=len(mine))
                        if sum(c) == left] if mine else [{}]
    published = {
        "std": part.standardised.set_index("kon"),
        "cmp": part.comparisons[part.comparisons["measure"].isin(["rate_ratio", "mh_rate_ratio"])],
    }
    found = []
    for women, men in itertools.product(per_sex["kvinna"], per_sex["man"]):
        guess = {**women, **men}
        trial = cells.copy()
        for (group, sex), n in guess.items():
            trial.loc[(trial["aldersgrupp"].astype(str) == group) & (trial["kon"] == sex), "events"] = float(n)
        std = rates.standardised_rates(trial, "kon", levels=("kvinna", "man"), strata="aldersgrupp").set_index("kon")
        ok = all(_same(published["std"].at[sex, col], std.at[sex, col])
                 for sex in ("kvinna", "man") for col in ("rate", "ci_low", "ci_high")
                 if pd.notna(published["std"].at[sex, col]))
        ratios = pd.concat([
            rates.rate_ratio(trial, "kon", levels=("kvinna", "man"), outcome_name="x"),
            rates.standardised_rate_ratio(trial, "kon", levels=("kvinna", "man"), strata="aldersgrupp", outcome_name="x"),
            rates.mantel_haenszel_rate_ratio(trial, "kon", levels=("kvinna", "man"), strata="aldersgrupp", outcome_name="x"),
        ], ignore_index=True)
        for (_, pub), (_, mine) in zip(published["cmp"].iterrows(), ratios.iterrows()):
            assert pub["measure"] == mine["measure"] and bool(pub["adjusted"]) == bool(mine["adjusted"])
            ok = ok and all(_same(pub[col], mine[col]) for col in ("estimate", "ci_low", "ci_high", "p_value")
                            if pd.notna(pub[col]))
        if ok:
            found.append(guess)
    return keys, found


def test_the_adjusted_ratios_give_no_hidden_count_back():
    """Brute force over every split consistent with everything r4_01 publishes: the true one is
    among them, and each hidden count can still take more than one value."""
    clients, population, s = _case()
    part = representation.analyse(clients, population, s, threshold=3)
    assert part.by_age["suppressed"].astype(bool).sum() == 4  # 65–74 and 75–79, both sexes
    _, _, cells = representation.prepare(clients, population, s)
    keys, found = _consistent_splits(part, cells)
    truth = {k: int(cells.loc[(cells["aldersgrupp"].astype(str) == k[0]) & (cells["kon"] == k[1]), "events"].sum())
             for k in keys}
    assert truth in found
    for k in keys:
        assert len({g[k] for g in found}) > 1, f"{k} comes out as one value"
    # the adjusted measures are hidden, and the page says why in words
    adjusted = part.comparisons[part.comparisons["adjusted"].astype(bool)]
    assert adjusted["estimate"].isna().all() and (adjusted["suppression_reason"] == disclosure.REASON_STRATA).all()
    assert part.standardised["rate"].isna().all()
    crude = part.comparisons[(part.comparisons["measure"] == "rate_ratio") & ~part.comparisons["adjusted"].astype(bool)]
    assert crude["estimate"].notna().all()  # the crude ratio rests on the totals only: shown
    words = representation.describe(part.total, part.standardised, part.comparisons, years=part.years)
    assert representation.STRATA_HIDDEN_TEXT in words
    assert "räkna ut de dolda antalen" in representation.answer([part])


def test_without_a_hidden_stratum_the_adjusted_measures_stay():
    part = representation.analyse(*_case()[:2], representation.setup("ht_beslut", [65, 80], 90), threshold=3)
    assert not part.by_age["suppressed"].astype(bool).any()
    assert part.comparisons["estimate"].notna().all() and part.standardised["rate"].notna().all()


def test_the_rule_hides_only_the_rows_asked_for():
    strata = disclosure.disclose_shares(pd.DataFrame({
        "aldersgrupp": ["a", "a", "b", "b"], "kon": ["kvinna", "man"] * 2, "n": [100.0] * 4,
        "events": [2.0, 10.0, 20.0, 30.0], "share": np.nan, "ci_low": np.nan, "ci_high": np.nan}),
        threshold=3, by="aldersgrupp")
    table = disclosure.disclose_comparisons(pd.DataFrame({
        "measure": ["rate_ratio", "rate_ratio"], "adjusted": [False, True], "estimate": [1.1, 1.2],
        "ci_low": [0.9, 1.0], "ci_high": [1.3, 1.4], "p_value": [0.3, 0.2], "n_a": [200.0] * 2,
        "events_a": [22.0] * 2, "n_b": [200.0] * 2, "events_b": [40.0] * 2}), threshold=3)
    out = disclosure.hide_adjusted_over_hidden_strata(table, strata, rows=table["adjusted"])
    assert disclosure.is_disclosed(out)
    assert out["estimate"].tolist()[0] == 1.1 and pd.isna(out["estimate"].tolist()[1])
    assert out["suppression_reason"].tolist() == ["", disclosure.REASON_STRATA]
    with pytest.raises(disclosure.NotDisclosedError):
        disclosure.hide_adjusted_over_hidden_strata(pd.DataFrame(), strata)


def test_a_row_not_computed_over_a_hidden_stratum_keeps_no_counts():
    """An adjusted row whose estimate could not be computed still showed its counts beside
    the hidden strata (the reviewer's case in bof_03: a type's events gave back a hidden cell by
    subtraction); it is now hidden with them, as r4_01's rows are."""
    strata = disclosure.disclose_shares(pd.DataFrame({
        "aldersgrupp": ["a", "a", "b", "b"], "kon": ["kvinna", "man"] * 2, "n": [100.0] * 4,
        "events": [2.0, 10.0, 20.0, 30.0], "share": np.nan, "ci_low": np.nan, "ci_high": np.nan}),
        threshold=3, by="aldersgrupp")
    table = disclosure.disclose_comparisons(pd.DataFrame({
        "measure": ["rate_ratio"], "adjusted": [True], "estimate": [np.nan], "ci_low": [np.nan],
        "ci_high": [np.nan], "p_value": [np.nan], "n_a": [200.0], "events_a": [22.0],
        "n_b": [200.0], "events_b": [40.0]}), threshold=3)
    out = disclosure.hide_adjusted_over_hidden_strata(table, strata, rows=table["adjusted"])
    assert out[["n_a", "events_a", "n_b", "events_b"]].isna().all(axis=None)
    assert out["suppression_reason"].tolist() == [disclosure.REASON_STRATA]
