"""The data table (rows read, left out per reason, analysed; by sex) disclosed as one linked
table (:func:`jamtools.disclosure.disclose_quality`).

Each sex's rows read are its rows left out for every reason plus its rows analysed, so hiding
a small reason alone gave it back (read − analysed − the other reasons). The check is an
attacker who knows that, and also the rows analysed (the chapter's analyses show them), each
reason's total over the sexes and all rows read (the run's data page; a small total is hidden
there as everywhere), and the rows left out per sex that the results file records: linear programming (scipy's ``linprog``) gives the
smallest and largest value of every hidden small count; it is protected when they differ.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from jamtools import disclosure

SEXES = ["kvinna", "man", "okant"]


def _quality(read_minus: dict, analysed: dict) -> pd.DataFrame:
    """A data table: ``read_minus`` = {reason: {sex: rows left out}}, ``analysed`` = {sex: n}."""
    rows = []
    reasons = list(read_minus)
    for sex in SEXES:
        read = analysed[sex] + sum(read_minus[r][sex] for r in reasons)
        rows.append({"steg": "Inlästa rader", "typ": "inlästa", "kon": sex, "antal": read})
    for r in reasons:
        for sex in SEXES:
            rows.append({"steg": r, "typ": "exkluderade", "kon": sex, "antal": read_minus[r][sex]})
    for sex in SEXES:
        rows.append({"steg": "Analyserade rader", "typ": "analyserade", "kon": sex, "antal": analysed[sex]})
    return pd.DataFrame(rows)


def _attacker_bounds(q: pd.DataFrame, shown: pd.DataFrame, excluded: dict) -> dict:
    """The attacker's bounds on every hidden count of ``q`` (true values) given ``shown``."""
    truth = {(r.steg, r.kon): float(r.antal) for r in q.itertuples()}
    hidden = [(r.steg, r.kon) for r in shown.itertuples() if pd.isna(r.antal)]
    if not hidden:
        return {}
    pos = {k: i for i, k in enumerate(hidden)}
    reasons = [s for s in dict.fromkeys(q.loc[q["typ"] == "exkluderade", "steg"])]
    a_eq, b_eq = [], []

    def equation(terms: dict, value: float) -> None:  # Σ coef·cell = value, known cells moved
        row = np.zeros(len(hidden))
        for key, coef in terms.items():
            if key in pos:
                row[pos[key]] += coef
            else:
                value -= coef * truth[key]
        if row.any():
            a_eq.append(row)
            b_eq.append(value)

    for sex in SEXES:  # read = Σ reasons + analysed (analysed known from the analyses)
        equation({("Inlästa rader", sex): 1.0, **{(r, sex): -1.0 for r in reasons}},
                 truth[("Analyserade rader", sex)])
        if excluded.get(sex) is not None:  # the results file's rows left out
            equation({(r, sex): 1.0 for r in reasons}, excluded[sex])
    for r in [*reasons, "Inlästa rader"]:  # totals over the sexes (data page, check), where
        total = sum(truth[(r, sex)] for sex in SEXES)  # not small (a small one is hidden there)
        if total == 0 or total >= 5:
            equation({(r, sex): 1.0 for sex in SEXES}, total)
    out = {}
    for key in hidden:
        goal = np.zeros(len(hidden))
        goal[pos[key]] = 1.0
        lo = linprog(goal, A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                     bounds=(0, None), method="highs")
        hi = linprog(-goal, A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                     bounds=(0, None), method="highs")
        out[key] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def _check(q: pd.DataFrame, threshold: int = 5):
    shown = disclosure.disclose_quality(q, threshold=threshold)
    # As the loader records them (LoadResult.counts_by_sex): only the sexes with rows left out
    # (or analysed); a sex the record lacks is read as 0 by the attacker.
    counts = {"analysed": {}, "excluded": {}}
    for sex in SEXES:
        analysed = int(q.loc[(q["typ"] == "analyserade") & (q["kon"] == sex), "antal"].sum())
        excluded = int(q.loc[(q["typ"] == "exkluderade") & (q["kon"] == sex), "antal"].sum())
        if analysed:
            counts["analysed"][sex] = analysed
        if excluded:
            counts["excluded"][sex] = excluded
    record = disclosure.disclose_counts_by_sex(counts, threshold=threshold, quality=q)
    known = {sex: record["excluded"].get(sex, 0) for sex in SEXES}
    bounds = _attacker_bounds(q, shown, known)
    for r in q.itertuples():
        if 0 < r.antal < threshold and r.typ == "exkluderade":
            lo, hi = bounds[(r.steg, r.kon)]
            assert hi > lo, (r.steg, r.kon, r.antal)
    # a sex's rows left out in all (read − analysed), where small, is not pinned either
    read = shown[shown["typ"] == "inlästa"].set_index("kon")["antal"]
    for sex in SEXES:
        left_out = q.loc[(q["typ"] == "exkluderade") & (q["kon"] == sex), "antal"].sum()
        if 0 < left_out < threshold:
            assert pd.isna(read[sex]) and known[sex] is None, (sex, left_out)
            lo, hi = bounds[("Inlästa rader", sex)]
            assert hi > lo, (sex, left_out)
    return shown, record


def test_one_small_reason_no_longer_follows_from_the_rest():
    """Women: 3 left out for a missing outcome, 20 for an unknown decision, 80 analysed. Before,
    read (103) − analysed (80) − 20 gave the 3."""
    q = _quality({"Uppgift om utfall saknas": {"kvinna": 3, "man": 9, "okant": 0},
                  "Uppgift om beslut saknas": {"kvinna": 20, "man": 14, "okant": 0}},
                 {"kvinna": 80, "man": 95, "okant": 0})
    old = disclosure.disclose_table(q, count_cols=["antal"], by=["steg", "kon"], margins=False)
    assert _attacker_bounds(q, old, {"kvinna": None, "man": None, "okant": None})[
        ("Uppgift om utfall saknas", "kvinna")] == (3.0, 3.0)
    shown, _ = _check(q)
    assert shown.loc[shown["typ"] == "analyserade", "antal"].notna().all()  # never a complement


def test_one_reason_only_hides_the_rows_read_and_the_results_total():
    """A single reason: its small count is read − analysed, so the rows read are hidden (for both
    sexes, all read rows being on the data page) and so is the results file's total left out."""
    q = _quality({"Uppgift om utfall saknas": {"kvinna": 3, "man": 12, "okant": 0}},
                 {"kvinna": 80, "man": 95, "okant": 0})
    shown, record = _check(q)
    read = shown[shown["typ"] == "inlästa"].set_index("kon")["antal"]
    assert read[["kvinna", "man"]].isna().all()
    assert set(shown.attrs["hidden_excluded"]) >= {"kvinna", "man"}
    assert record["excluded"]["kvinna"] is None and record["excluded"]["man"] is None
    assert record["analysed"] == {"kvinna": 80, "man": 95}


def test_a_sex_without_rows_left_out_is_written_hidden_in_the_results():
    """Women 3 left out, men none (the review's case): the results file writes men's total as
    hidden too, or its absence (none left out) and the data page's total give the 3 back."""
    q = _quality({"Saknar värde (aktivitetskrav)": {"kvinna": 3, "man": 0, "okant": 0}},
                 {"kvinna": 970, "man": 1161, "okant": 0})
    shown, record = _check(q)
    assert record["excluded"].get("kvinna", 0) is None and "man" in record["excluded"]


def test_a_small_total_left_out_hides_the_rows_read():
    """Women: 2 and 1 left out for two reasons (each hidden), men 10 and 12: read − analysed
    gave the 3 in all. The rows read of women, and of men (the data page has their sum), are
    hidden, and so are their totals left out in the results file."""
    q = _quality({"Skäl A": {"kvinna": 2, "man": 10, "okant": 0},
                  "Skäl B": {"kvinna": 1, "man": 12, "okant": 0}},
                 {"kvinna": 80, "man": 95, "okant": 0})
    shown, record = _check(q)
    assert set(shown.attrs["hidden_excluded"]) == {"kvinna", "man"}


def test_nothing_small_hides_nothing():
    q = _quality({"Uppgift om utfall saknas": {"kvinna": 13, "man": 12, "okant": 0}},
                 {"kvinna": 80, "man": 95, "okant": 0})
    shown = disclosure.disclose_quality(q, threshold=5)
    assert not shown["suppressed"].any() and shown.attrs["hidden_excluded"] == []
    assert disclosure.is_disclosed(shown)


@pytest.mark.parametrize("seed", range(60))
def test_random_data_tables(seed):
    rng = np.random.default_rng(seed)
    reasons = [f"Skäl {k}" for k in range(int(rng.integers(1, 4)))]

    def count():
        return int(rng.choice([0, rng.integers(1, 5), rng.integers(5, 60)]))

    q = _quality({r: {"kvinna": count(), "man": count(), "okant": count() if rng.random() < 0.3 else 0}
                  for r in reasons},
                 {"kvinna": int(rng.integers(5, 200)), "man": int(rng.integers(5, 200)), "okant": 0})
    _check(q)


def test_one_row_of_unknown_sex_does_not_blank_the_table():
    """One row of unknown sex, nothing else left out (an analyst's export): its count follows
    from the data page's total less the rows analysed whatever the table hides, so only the
    small counts are hidden; women's and men's rows read stay shown."""
    rows = [("Inlästa rader", "inlästa", "kvinna", 1427), ("Inlästa rader", "inlästa", "man", 1572),
            ("Inlästa rader", "inlästa", "okant", 1)]
    rows += [("Okänt eller annat kön (redovisas separat)", "exkluderade", k, v)
             for k, v in (("kvinna", 0), ("man", 0), ("okant", 1))]
    rows += [("Analyserade rader", "analyserade", k, v) for k, v in (("kvinna", 1427), ("man", 1572), ("okant", 0))]
    q = pd.DataFrame(rows, columns=["steg", "typ", "kon", "antal"])
    shown = disclosure.disclose_quality(q, threshold=5)
    assert shown.loc[shown["kon"] != "okant", "antal"].notna().all()
    assert shown.loc[(shown["kon"] == "okant") & (shown["typ"] != "analyserade"), "antal"].isna().all()


def _row_bounds(q: pd.DataFrame, shown: pd.DataFrame, excluded: dict) -> dict:
    """The bounds on every hidden count given only what the data table and the results file
    themselves show: each sex's rows read = its reasons + its rows analysed (every cell a
    variable where hidden), and the results file's rows left out per sex where written."""
    truth = {(r.steg, r.kon): float(r.antal) for r in q.itertuples()}
    hidden = [(r.steg, r.kon) for r in shown.itertuples() if pd.isna(r.antal)]
    pos = {k: i for i, k in enumerate(hidden)}
    reasons = list(dict.fromkeys(q.loc[q["typ"] == "exkluderade", "steg"]))
    a_eq, b_eq = [], []

    def equation(terms: dict) -> None:
        row, value = np.zeros(len(hidden)), 0.0
        for key, coef in terms.items():
            if key in pos:
                row[pos[key]] += coef
            else:
                value -= coef * truth[key]
        if row.any():
            a_eq.append(row)
            b_eq.append(value)

    for sex in SEXES:
        equation({("Inlästa rader", sex): 1.0, ("Analyserade rader", sex): -1.0,
                  **{(r, sex): -1.0 for r in reasons}})
        if excluded.get(sex) is not None:
            before = len(a_eq)
            equation({(r, sex): 1.0 for r in reasons})
            if len(a_eq) > before:  # (Σ reasons = the rows left out written)
                b_eq[-1] += excluded[sex]
    out = {}
    for key in hidden:
        goal = np.zeros(len(hidden))
        goal[pos[key]] = 1.0
        kw = dict(A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None, bounds=(0, None), method="highs")
        lo, hi = linprog(goal, **kw), linprog(-goal, **kw)
        out[key] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def test_few_rows_analysed_do_not_follow_from_the_rows_read_less_the_reasons():
    """A probe (eb_02, 8 men of whom 5 without documented ill-health): the rows analysed, 3, were
    hidden, but the table showed the 8 read and the 5 left out, and the results file the 5:
    8 − 5 = 3. The other sex's rows analysed (23 women, shown) and a published total of rows
    analysed would pin the 3 whatever this table hides; the table's own lines must not."""
    q = _quality({"Ingen dokumenterad ohälsa": {"kvinna": 37, "man": 5, "okant": 0}},
                 {"kvinna": 23, "man": 3, "okant": 0})
    shown = disclosure.disclose_quality(q, threshold=5)
    counts = {"analysed": {"kvinna": 23, "man": 3}, "excluded": {"kvinna": 37, "man": 5}}
    record = disclosure.disclose_counts_by_sex(counts, threshold=5, quality=q)
    assert record["excluded"]["man"] is None
    lo, hi = _row_bounds(q, shown, record["excluded"])[("Analyserade rader", "man")]
    assert hi > lo


@pytest.mark.parametrize("seed", range(40))
def test_random_small_rows_analysed(seed):
    """Random data tables where a sex's rows analysed are few: no hidden small count follows
    from the table's own lines and the results file."""
    rng = np.random.default_rng(1000 + seed)
    reasons = [f"Skäl {k}" for k in range(int(rng.integers(1, 4)))]

    def count():
        return int(rng.choice([0, rng.integers(1, 5), rng.integers(5, 60)]))

    q = _quality({r: {"kvinna": count(), "man": count(), "okant": 0} for r in reasons},
                 {"kvinna": int(rng.integers(5, 200)), "man": int(rng.integers(1, 5)), "okant": 0})
    shown = disclosure.disclose_quality(q, threshold=5)
    counts = {"analysed": {}, "excluded": {}}
    for sex in ("kvinna", "man"):
        counts["analysed"][sex] = int(q.loc[(q["typ"] == "analyserade") & (q["kon"] == sex), "antal"].sum())
        counts["excluded"][sex] = int(q.loc[(q["typ"] == "exkluderade") & (q["kon"] == sex), "antal"].sum())
    record = disclosure.disclose_counts_by_sex(counts, threshold=5, quality=q)
    bounds = _row_bounds(q, shown, record["excluded"])
    for r in q.itertuples():
        if 0 < r.antal < 5:
            lo, hi = bounds[(r.steg, r.kon)]
            assert hi > lo, (r.steg, r.kon, r.antal)
