"""A process map disclosed as one linked table (:mod:`jamtools.disclosure.linked`).

The check is an attacker who knows how the map is built: for one sex, the persons fall into
disjoint groups (refused; granted with or without a planning, self-sufficient or not); every
count the page shows is a sum of some of them. Given the shown counts, linear programming gives
the smallest and largest value a hidden small count can have (scipy's ``linprog``, independent
of the module). The count is protected when the two differ.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from jamtools import disclosure
from jamtools.disclosure import linked

# The atoms of one sex: refused, and granted × (planning or not) × (self-sufficient or not).
ATOMS = ["R", "PS", "PN", "QS", "QN"]
# What each quantity of the map is made of.
QUANTITY = {"A": ATOMS, "G": ATOMS[1:], "R": ["R"], "P": ["PS", "PN"], "GP": ["QS", "QN"],
            "S": ["PS", "QS"], "GS": ["PN", "QN"]}
# Each step: (denominator, outcome, denominator less outcome), as quantities.
STEPS = {"1": ("A", "G", "R"), "2": ("G", "P", "GP"), "4": ("G", "S", "GS"), "5": ("A", "S", "R+GS")}
# The data tables: the applicants, and the outcome rows (one per granted client).
TABLES = {"data:ansokningar": ("A",), "data:utfall": ("G",)}


def _value(atoms: dict, quantity: str) -> float:
    if quantity == "R+GS":
        return atoms["R"] + _value(atoms, "GS")
    return float(sum(atoms[a] for a in QUANTITY[quantity]))


def _row(quantity: str) -> np.ndarray:
    parts = ["R", *QUANTITY["GS"]] if quantity == "R+GS" else QUANTITY[quantity]
    return np.array([1.0 if a in parts else 0.0 for a in ATOMS])


def _map(women: dict, men: dict):
    """The map's counts (before disclosure), its per-step disclosure and the data tables."""
    counts = pd.DataFrame([{"steg": s, "kon": sex, "n": _value(atoms, q[0]), "events": _value(atoms, q[1])}
                           for s, q in STEPS.items() for sex, atoms in (("kvinna", women), ("man", men))])
    shares = disclosure.stack({s: disclosure.disclose_shares(
        counts[counts["steg"] == s].drop(columns="steg").assign(
            share=lambda t: t["events"] / t["n"], ci_low=0.0, ci_high=1.0), threshold=5)
        for s in STEPS}, "steg")
    others = {name: {sex: [_value(atoms, q) for q in qs] for sex, atoms in (("kvinna", women), ("man", men))}
              for name, qs in TABLES.items()}
    return counts, shares, others


def _bounds(atoms: dict, shown: list[str], secret: str) -> tuple[float, float]:
    """The attacker's smallest and largest value of ``secret`` given the shown quantities."""
    a_eq = np.array([_row(q) for q in shown]) if shown else None
    b_eq = np.array([_value(atoms, q) for q in shown]) if shown else None
    goal = _row(secret)
    lo = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    hi = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)  # status 3: no upper bound


def _shown(hidden_steps, hidden_others) -> list[str]:
    quantities = [q for s, qs in STEPS.items() if s not in hidden_steps for q in qs]
    quantities += [q for name, qs in TABLES.items() if name not in hidden_others for q in qs]
    return sorted(set(quantities))


def test_four_refused_women_cannot_be_computed():
    """The case the probe found: 4 of 92 women refused, shown as 92 applicants (data table, whole
    chain) less 88 granted (step 2, data table of outcomes)."""
    women = {"R": 4, "PS": 20, "PN": 50, "QS": 6, "QN": 12}
    men = {"R": 30, "PS": 25, "PN": 40, "QS": 9, "QN": 16}
    counts, shares, others = _map(women, men)
    steps, hidden_others = linked.protect_map(counts, shares, others=others, threshold=5)
    # Without the linked protection only step 1 is hidden, and the attacker pins R.
    assert _bounds(women, _shown({"1"}, set()), "R") == (4.0, 4.0)
    lo, hi = _bounds(women, _shown(steps, hidden_others), "R")
    assert hi > lo
    # The cheaper side is hidden: the applicants (data table and whole chain), not those granted.
    assert steps == {"1", "5"} and hidden_others == {"data:ansokningar"}


def test_a_small_outcome_count_is_protected_as_well():
    """Few self-sufficient women (3 of 88 granted): step 4's outcome follows from its
    denominator less those who were not (shown nowhere else here), so nothing more is needed;
    with the not self-sufficient shown, one of the two goes."""
    women = {"R": 40, "PS": 2, "PN": 60, "QS": 1, "QN": 25}
    men = {"R": 30, "PS": 25, "PN": 40, "QS": 9, "QN": 16}
    counts, shares, others = _map(women, men)
    steps, hidden_others = linked.protect_map(counts, shares, others=others, threshold=5)
    assert {"4", "5"} <= steps
    lo, hi = _bounds(women, _shown(steps, hidden_others), "S")
    assert hi > lo
    # A display that shows G − S (the not self-sufficient) as well makes both known: protected.
    others["not self-sufficient"] = {"kvinna": [_value(women, "GS")], "man": [_value(men, "GS")]}
    steps, hidden_others = linked.protect_map(counts, shares, others=others, threshold=5)
    shown = _shown(steps, hidden_others) + ([] if "not self-sufficient" in hidden_others else ["GS"])
    lo, hi = _bounds(women, shown, "S")
    assert hi > lo


def test_nothing_more_is_hidden_without_a_small_count():
    women = {"R": 14, "PS": 20, "PN": 50, "QS": 6, "QN": 12}
    men = {"R": 30, "PS": 25, "PN": 40, "QS": 9, "QN": 16}
    counts, shares, others = _map(women, men)
    assert linked.protect_map(counts, shares, others=others, threshold=5) == (set(), set())


@pytest.mark.parametrize("seed", range(40))
def test_no_small_count_of_a_random_map_can_be_pinned(seed):
    """Random maps with small groups anywhere: after protection no small count of a hidden step
    is pinned by the shown counts (the LP attacker above)."""
    rng = np.random.default_rng(seed)

    def sex():
        return {a: int(rng.choice([rng.integers(1, 5), rng.integers(5, 80)])) for a in ATOMS}

    women, men = sex(), sex()
    counts, shares, others = _map(women, men)
    steps, hidden_others = linked.protect_map(counts, shares, others=others, threshold=5)
    shown = _shown(steps, hidden_others)
    for atoms in (women, men):
        for s, (n, e, m) in STEPS.items():
            for q in (e, m):
                v = _value(atoms, q)
                others_of = [x for x in (n, e, m) if x != q]
                if 0 < v < 5 and all(_value(atoms, x) >= 5 for x in others_of):
                    lo, hi = _bounds(atoms, shown, q)
                    assert hi > lo, (seed, s, q, v, sorted(steps), sorted(hidden_others))


def test_hidden_steps_keep_the_table_disclosed():
    counts, shares, _ = _map({"R": 4, "PS": 20, "PN": 50, "QS": 6, "QN": 12},
                             {"R": 30, "PS": 25, "PN": 40, "QS": 9, "QN": 16})
    out = linked.hide_steps(shares, {"5"})
    assert disclosure.is_disclosed(out)
    five = out[out["steg"] == "5"]
    assert five["suppressed"].all() and five[["n", "events", "share"]].isna().all().all()
    assert (five["suppression_reason"] == disclosure.REASON_HIDDEN).all()
    # rows hidden before keep their own reason
    one = out[out["steg"] == "1"]
    assert list(one["suppression_reason"]) == list(shares.loc[shares["steg"] == "1", "suppression_reason"])
    assert out.loc[out["steg"] == "2", "n"].notna().all()


def test_hide_counts_hides_the_analysed_rows_of_every_sex():
    record = {"analysed": {"kvinna": 92, "man": 120}, "excluded": {"kvinna": 1}}
    assert linked.hide_counts(record) == {"analysed": {"kvinna": None, "man": None},
                                          "excluded": {"kvinna": 1}}
    assert record["analysed"]["kvinna"] == 92  # left unchanged


# A map with a linkage gap: granted clients without an outcome row (X), whom no step counts.
GAP_ATOMS = ["R", "S", "N", "X"]
GAP_QUANTITY = {"A": GAP_ATOMS, "G": ["S", "N", "X"], "R": ["R"], "O": ["S", "N"], "S": ["S"],
                "N": ["N"], "AS": ["R", "N", "X"]}
GAP_STEPS = {"1": ("A", "G", "R"), "4": ("O", "S", "N"), "5": ("A", "S", "AS")}
GAP_TABLES = {"data:ansokningar": ("A",), "data:utfall": ("O",)}
GAPS = ((("1", "events"), ("4", "n")), (("4", "events"), ("5", "events")))


def _gap_map(women: dict, men: dict):
    value = {sex: {q: float(sum(atoms[a] for a in parts)) for q, parts in GAP_QUANTITY.items()}
             for sex, atoms in (("kvinna", women), ("man", men))}
    counts = pd.DataFrame([{"steg": s, "kon": sex, "n": value[sex][q[0]], "events": value[sex][q[1]]}
                           for s, q in GAP_STEPS.items() for sex in value])
    shares = disclosure.stack({s: disclosure.disclose_shares(
        counts[counts["steg"] == s].drop(columns="steg").assign(
            share=lambda t: t["events"] / t["n"], ci_low=0.0, ci_high=1.0), threshold=5)
        for s in GAP_STEPS}, "steg")
    others = {name: {sex: [value[sex][q] for q in qs] for sex in value} for name, qs in GAP_TABLES.items()}
    return counts, shares, others


def _gap_bounds(atoms: dict, shown: list[str]) -> tuple[float, float]:
    """The attacker's smallest and largest X (granted without an outcome row)."""
    rows = np.array([[1.0 if a in GAP_QUANTITY[q] else 0.0 for a in GAP_ATOMS] for q in shown])
    b = np.array([sum(atoms[a] for a in GAP_QUANTITY[q]) for q in shown], dtype=float)
    goal = np.array([1.0 if a == "X" else 0.0 for a in GAP_ATOMS])
    lo = linprog(goal, A_eq=rows, b_eq=b, bounds=(0, None), method="highs")
    hi = linprog(-goal, A_eq=rows, b_eq=b, bounds=(0, None), method="highs")
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)


def _gap_shown(hidden_steps, hidden_others) -> list[str]:
    quantities = [q for s, qs in GAP_STEPS.items() if s not in hidden_steps for q in qs]
    quantities += [q for name, qs in GAP_TABLES.items() if name not in hidden_others for q in qs]
    return sorted(set(quantities))


@pytest.mark.parametrize("x", [1, 3])
def test_a_small_gap_between_steps_is_protected(x):
    """Three granted women without an outcome row: no step shows them and none is hidden, but
    step 1's granted (88) less step 4's denominator (85) gives them. With the gap named, one of
    the two goes wherever it is shown."""
    women = {"R": 30, "S": 20, "N": 65, "X": x}
    men = {"R": 30, "S": 25, "N": 60, "X": 12}
    counts, shares, others = _gap_map(women, men)
    steps, hidden_others = linked.protect_map(counts, shares, others=others, threshold=5)
    assert (steps, hidden_others) == (set(), set())
    assert _gap_bounds(women, _gap_shown(steps, hidden_others)) == (x, x)
    steps, hidden_others = linked.protect_map(counts, shares, others=others, gaps=GAPS, threshold=5)
    lo, hi = _gap_bounds(women, _gap_shown(steps, hidden_others))
    assert hi > lo, (steps, hidden_others)
    # The men's gap (12) is not small: with the women's fine, nothing is hidden for a large gap.
    counts, shares, others = _gap_map({**women, "X": 12}, men)
    assert linked.protect_map(counts, shares, others=others, gaps=GAPS, threshold=5) == (set(), set())


@pytest.mark.parametrize("seed", range(30))
def test_no_small_gap_of_a_random_map_can_be_pinned(seed):
    rng = np.random.default_rng(seed)

    def sex():
        return {a: int(rng.choice([rng.integers(1, 5), rng.integers(5, 80)])) for a in GAP_ATOMS}

    women, men = sex(), sex()
    counts, shares, others = _gap_map(women, men)
    steps, hidden_others = linked.protect_map(counts, shares, others=others, gaps=GAPS, threshold=5)
    for atoms in (women, men):
        if 0 < atoms["X"] < 5 and atoms["S"] + atoms["N"] >= 5:
            lo, hi = _gap_bounds(atoms, _gap_shown(steps, hidden_others))
            assert hi > lo, (seed, atoms, sorted(steps), sorted(hidden_others))
