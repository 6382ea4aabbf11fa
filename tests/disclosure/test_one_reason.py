"""A hidden count says only that it is hidden, not whether it is the small one or one hidden
to protect it. A probe's bof_02 for a unit of 20 children (threshold 3) marked one girls' group
"färre än 3" and the other "dold för att skydda en annan cell": a primary cell lies in
1 .. threshold − 1, a complementary one at or above the threshold, and with those bounds the
totals pinned hidden cells the linear-programming check (which knows only counts ≥ 0) counted
as protected: in a line of 4 with two cells marked "färre än 3", each is 2."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from jamtools import disclosure
from jamtools.disclosure import _equations, extend_with_totals
from jamtools.present import sentences

T = 3


def _label_bounds(ext, hidden, reasons):
    """The bounds an attacker reads from the reasons: a reason that only small counts get
    (1 .. T − 1), one that only counts of at least T get, or none (≥ 0)."""
    small = {r for r, cells in reasons.items() if all(0 < ext[c] < T for c in cells)}
    large = {r for r, cells in reasons.items() if all(ext[c] >= T for c in cells)}
    lo, hi = np.zeros(ext.shape), np.full(ext.shape, np.inf)
    for r, cells in reasons.items():
        for c in cells:
            if r in small and r not in large:
                lo[c], hi[c] = 1, T - 1
            elif r in large and r not in small:
                lo[c] = T
    return lo, hi


def _pinned_by_reasons(counts, out, rows):
    ext = extend_with_totals(counts)
    hidden = np.zeros(ext.shape, bool)
    reasons: dict[str, list] = {}
    for _, row in out.iterrows():
        if row["suppressed"]:
            cell = (rows.index(row["g"]), int(row["kon"]))
            hidden[cell] = True
            reasons.setdefault(row["suppression_reason"], []).append(cell)
    # a reason given to a single kind of count is only a bound when there are two kinds
    if len(reasons) < 2:
        return []
    lo, hi = _label_bounds(ext, hidden, reasons)
    idx, a, b = _equations(ext, hidden)
    bounds = [(lo[p], hi[p]) for p in idx]
    pins = []
    for k, p in enumerate(idx):
        obj = np.zeros(len(idx))
        obj[k] = 1
        low = linprog(obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-obj, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and abs(low.fun + high.fun) < 1e-6 and ext[p] > 0:
            pins.append(p)
    return pins


def test_the_reasons_of_a_table_pin_no_hidden_cell():
    rng = np.random.default_rng(38)
    pinned = 0
    for _ in range(150):
        r = int(rng.integers(2, 4))
        counts = rng.integers(0, 9, size=(r, 2))
        rows = [f"r{i}" for i in range(r)]
        table = pd.DataFrame([(rows[i], k, counts[i, k]) for i in range(r) for k in range(2)],
                             columns=["g", "kon", "n"])
        out = disclosure.disclose_table(table, count_cols=["n"], by=["g", "kon"], threshold=T)
        pinned += bool(_pinned_by_reasons(counts, out, rows))
    assert pinned == 0


def test_the_probes_line_of_two_small_cells():
    counts = np.array([[7, 8], [2, 2]])
    table = pd.DataFrame({"g": ["r0", "r0", "r1", "r1"], "kon": [0, 1, 0, 1], "n": [7, 8, 2, 2]})
    out = disclosure.disclose_table(table, count_cols=["n"], by=["g", "kon"], threshold=T)
    assert out["suppressed"].all()
    assert out["suppression_reason"].nunique() == 1
    assert not _pinned_by_reasons(counts, out, ["r0", "r1"])


def test_shares_hide_small_and_protecting_rows_with_one_reason():
    # girls: behaviour 2 (small), environment 9; boys: behaviour 3 with 1 with the outcome
    shares = pd.DataFrame({"orsakstyp": ["beteende", "beteende", "miljo", "miljo"],
                           "kon": ["flicka", "pojke", "flicka", "pojke"],
                           "n": [2, 3, 9, 7], "events": [1, 1, 5, 4]})
    shares["share"] = shares["events"] / shares["n"]
    shares["ci_low"] = shares["ci_high"] = shares["share"]
    out = disclosure.disclose_shares(shares, threshold=T, by=["orsakstyp"])
    hidden = out[out["suppressed"]]
    assert len(hidden) >= 2
    assert set(hidden["suppression_reason"]) == {disclosure.REASON_HIDDEN}
    assert "färre än" not in disclosure.REASON_HIDDEN
    # and the page's sentence does not tell them apart either
    text = sentences.hidden_groups(hidden, ["flickor", "pojkar"][:len(hidden)], what="Andelen")
    assert text.count("visas inte") == 1 and "heller" not in text
