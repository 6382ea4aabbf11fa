"""Disclosure control: nothing shown to a reader can identify a person.

- **Primary suppression** hides every count from 1 to ``threshold − 1`` and everything
  computed from it (shares, intervals, means, differences).
- **Secondary (complementary) suppression** hides further cells so that no hidden cell can be
  recovered from the published cells and the margins (row and column totals, the other sex's
  cell, the overall table of the same run). Every line of a table with a hidden cell gets at
  least two, and a linear-programming check (the attacker's best bounds, given the published
  cells, the totals and that counts are ≥ 0) confirms that no hidden cell is pinned to a
  single value; where one is, more cells are hidden.
- **Zero** is shown: an empty cell says nothing about a person. But a group where *all* or
  *none* have the outcome reveals the outcome of every member (attribute disclosure); it is
  flagged (``all_or_none``).
- **Rounding** (``round_counts``) is the alternative some publishers use; it also protects
  against differencing between runs that differ by a small filter.

Disclosed tables carry ``df.attrs["jamtools_disclosed"]``; ``jamtools.report`` and
``jamtools.plots`` refuse anything without it. References: Hundepool et al. (2012),
*Statistical Disclosure Control*, ch. 4–5; OECD Glossary of Statistical Terms, "threshold rule".
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

#: Default smallest count that may be shown. The OECD glossary's threshold rule notes that
#: agencies commonly require at least 3 or 5 units per cell; Swedish municipal key figures
#: (Kolada) and Socialstyrelsen's statistics hide small values without a published number.
#: The handbook takes the stricter 5; set ``threshold`` in jamtools.yml to follow a local rule.
DEFAULT_THRESHOLD = 5
#: How a suppressed value is shown (as in Kolada and Socialstyrelsen's tables).
SUPPRESSED_MARK = ".."
ATTR = "jamtools_disclosed"

REASON_SMALL = "färre än {t}"
REASON_SECONDARY = "dold för att skydda en annan cell"
REASON_GROUP = "bygger på en dold grupp"


class NotDisclosedError(RuntimeError):
    """A table that has not passed disclosure control was about to be shown."""


def _mark(df: pd.DataFrame, threshold: int, rounding=None) -> pd.DataFrame:
    df.attrs[ATTR] = {"threshold": int(threshold), "rounding": rounding}
    return df


def is_disclosed(df) -> bool:
    """True when ``df`` came out of this module."""
    return isinstance(df, pd.DataFrame) and ATTR in df.attrs


def require_disclosed(df, what: str = "tabellen") -> None:
    """Raise :class:`NotDisclosedError` unless ``df`` passed disclosure control."""
    if not is_disclosed(df):
        raise NotDisclosedError(
            f"{what} har inte passerat röjandekontrollen. Kör den genom jamtools.disclosure "
            "(till exempel disclose_shares eller disclose_table) innan den visas."
        )


def is_small(values, threshold: int) -> np.ndarray:
    """Counts that primary suppression hides: 1 .. threshold − 1."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return (v > 0) & (v < threshold)


def round_counts(values, base: int = 5):
    """Round counts to the nearest multiple of ``base`` (an alternative to suppression)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    return np.round(v / base) * base


def cell_bounds(counts: np.ndarray, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The attacker's best bounds for every hidden cell of a 2-D table.

    Known: the published cells, every row and column total, and that counts are ≥ 0. Each
    hidden cell's minimum and maximum are found by linear programming. Returns two arrays
    (NaN where the cell is published).
    """
    counts = np.asarray(counts, float)
    r, c = counts.shape
    idx = np.argwhere(hidden)
    lo, hi = np.full(counts.shape, np.nan), np.full(counts.shape, np.nan)
    if len(idx) == 0:
        return lo, hi
    k = len(idx)
    a_eq, b_eq = [], []
    for i in range(r):
        row = np.array([1.0 if p[0] == i else 0.0 for p in idx])
        if row.any():
            a_eq.append(row)
            b_eq.append(counts[i, hidden[i]].sum())
    for j in range(c):
        col = np.array([1.0 if p[1] == j else 0.0 for p in idx])
        if col.any():
            a_eq.append(col)
            b_eq.append(counts[hidden[:, j], j].sum())
    a_eq, b_eq = np.array(a_eq), np.array(b_eq)
    for n, (i, j) in enumerate(idx):
        obj = np.zeros(k)
        obj[n] = 1.0
        low = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
        high = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
        lo[i, j] = low.fun if low.success else np.nan
        hi[i, j] = -high.fun if high.success else np.nan
    return lo, hi


def protect(counts: np.ndarray, primary: np.ndarray, *, margins: bool = True,
            max_rounds: int = 50) -> np.ndarray:
    """Primary plus complementary suppression of a 2-D table of counts; returns the mask.

    Rule: every row and column with a hidden cell has at least two (the smallest other cell
    is added, non-zero cells preferred); then, while the linear-programming bounds pin any
    hidden cell to one value, the smallest published cell in its row is hidden as well.
    With ``margins=False`` (no totals are published) the primary mask is returned as it is.
    """
    counts = np.asarray(counts, float)
    hidden = np.asarray(primary, bool).copy()
    if not margins or not hidden.any():
        return hidden

    def add_in_line(cells):
        open_cells = [p for p in cells if not hidden[p]]
        if not open_cells:
            return False
        nonzero = [p for p in open_cells if counts[p] > 0]
        pick = min(nonzero or open_cells, key=lambda p: counts[p])
        hidden[pick] = True
        return True

    for _ in range(max_rounds):
        changed = False
        r, c = counts.shape
        for i in range(r):
            if hidden[i].sum() == 1 and c > 1:
                changed |= add_in_line([(i, j) for j in range(c)])
        for j in range(c):
            if hidden[:, j].sum() == 1 and r > 1:
                changed |= add_in_line([(i, j) for i in range(r)])
        if changed:
            continue
        lo, hi = cell_bounds(counts, hidden)
        pinned = np.argwhere(hidden & (np.abs(hi - lo) < 1e-9))
        if len(pinned) == 0:
            break
        i, j = pinned[0]
        if not add_in_line([(i, jj) for jj in range(c)]):
            if not add_in_line([(ii, j) for ii in range(r)]):
                hidden[:] = True  # nothing left to hide with: hide the whole table
                break
    return hidden


def disclose_table(table: pd.DataFrame, *, count_cols, by, derived_cols=(),
                   threshold: int = DEFAULT_THRESHOLD, margins: bool = True,
                   rounding: int | None = None) -> pd.DataFrame:
    """Disclose a long table of counts (one row per cell of ``by``).

    With two or more ``by`` columns, the first two span a cross-table whose row and column
    totals are taken as published (``margins=True``), and complementary suppression protects
    every hidden cell against them (per level of any further ``by`` columns). Derived columns
    (shares, means) of hidden cells are hidden too. With ``rounding=b`` counts are instead
    rounded to the nearest multiple of ``b`` and derived columns recomputed by the caller.
    """
    by = [by] if isinstance(by, str) else list(by)
    count_cols = list(count_cols)
    out = table.copy().reset_index(drop=True)
    if rounding:
        for col in count_cols:
            out[col] = round_counts(out[col], rounding)
        out["suppressed"] = False
        out["suppression_reason"] = ""
        return _mark(out, threshold, rounding)
    primary = np.zeros(len(out), bool)
    for col in count_cols:
        primary |= is_small(out[col], threshold)
    hidden = primary.copy()
    if margins and len(by) >= 1:
        rows_dim = by[0]
        cols_dim = by[1] if len(by) > 1 else None
        rest = by[2:]
        groups = out.groupby(rest, observed=True, sort=False).groups if rest else {None: out.index}
        for _, idx in groups.items():
            sub = out.loc[idx]
            for col in count_cols:
                if cols_dim is None:
                    grid = sub.set_index(rows_dim)[col].to_frame().T
                    positions = {i: (0, k) for k, i in enumerate(idx)}
                else:
                    grid = sub.pivot_table(index=rows_dim, columns=cols_dim, values=col,
                                           aggfunc="sum", fill_value=0, observed=True)
                    ri = {v: k for k, v in enumerate(grid.index)}
                    ci = {v: k for k, v in enumerate(grid.columns)}
                    positions = {i: (ri[out.at[i, rows_dim]], ci[out.at[i, cols_dim]]) for i in idx}
                mask = np.zeros(grid.shape, bool)
                for i, pos in positions.items():
                    mask[pos] = hidden[i]
                mask = protect(grid.to_numpy(float), mask)
                for i, pos in positions.items():
                    hidden[i] |= mask[pos]
    reason = np.where(primary, REASON_SMALL.format(t=threshold),
                      np.where(hidden, REASON_SECONDARY, ""))
    for col in count_cols + list(derived_cols):
        out[col] = out[col].astype(float).where(~hidden, np.nan)
    out["suppressed"] = hidden
    out["suppression_reason"] = reason
    return _mark(out, threshold)


def disclose_shares(shares: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                    group: str = "kon", by=(), rounding=None) -> pd.DataFrame:
    """Disclose a share-by-group table (``jamtools.stats.share_by_group``).

    A row is hidden when its ``n``, its ``events`` or its ``n − events`` is small. The counts
    with and without the outcome form a (stratum × group) cross-table for each of the two, with
    the totals per stratum and per group taken as published (the overall table of the same
    run), and complementary suppression protects every hidden row against them. Shares and
    intervals of hidden rows are hidden. ``all_or_none`` flags groups where everyone or no one
    has the outcome (attribute disclosure).
    """
    by = [by] if isinstance(by, str) else list(by)
    out = shares.copy().reset_index(drop=True)
    n = out["n"].to_numpy(dtype=float)
    ev = out["events"].to_numpy(dtype=float)
    primary = is_small(n, threshold) | is_small(ev, threshold) | is_small(n - ev, threshold)
    stratum = out[by].astype(str).agg("|".join, axis=1) if by else pd.Series("alla", index=out.index)
    hidden = primary.copy()
    for _ in range(10):
        before = hidden.copy()
        for values in (ev, n - ev):
            frame = pd.DataFrame({"s": stratum, "g": out[group].astype(str), "v": values})
            grid = frame.pivot_table(index="s", columns="g", values="v", aggfunc="sum", fill_value=0)
            ri = {v: k for k, v in enumerate(grid.index)}
            ci = {v: k for k, v in enumerate(grid.columns)}
            pos = [(ri[s], ci[g]) for s, g in zip(frame["s"], frame["g"])]
            mask = np.zeros(grid.shape, bool)
            for i, p in enumerate(pos):
                mask[p] = hidden[i]
            mask = protect(grid.to_numpy(float), mask)
            for i, p in enumerate(pos):
                hidden[i] |= mask[p]
        if (hidden == before).all():
            break
    out["all_or_none"] = (n > 0) & ((ev == 0) | (ev == n))
    for col in ("n", "events", "share", "ci_low", "ci_high"):
        out[col] = out[col].astype(float).where(~hidden, np.nan)
    out["suppressed"] = hidden
    out["suppression_reason"] = np.where(primary, REASON_SMALL.format(t=threshold),
                                         np.where(hidden, REASON_SECONDARY, ""))
    return _mark(out, threshold, rounding)


def disclose_comparisons(comparisons: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                         shares: pd.DataFrame | None = None, group: str = "kon") -> pd.DataFrame:
    """Hide comparisons that rest on small or hidden groups.

    A comparison is hidden when a group's n, events or n − events is small, or when one of its
    groups is hidden in ``shares`` (the disclosed share table it comes from): a difference and
    one published share give away the other.
    """
    out = comparisons.copy().reset_index(drop=True)
    sup = np.zeros(len(out), bool)
    for side in ("a", "b"):
        n = out[f"n_{side}"].to_numpy(dtype=float)
        ev = out[f"events_{side}"].to_numpy(dtype=float)
        sup |= is_small(n, threshold)
        has_events = ~np.isnan(ev)
        sup |= has_events & (is_small(ev, threshold) | is_small(n - ev, threshold))
    if shares is not None and "suppressed" in shares and group in shares:
        hidden = set(shares.loc[shares["suppressed"].astype(bool), group].astype(str))
        sup |= out["group_a"].astype(str).isin(hidden).to_numpy() | \
            out["group_b"].astype(str).isin(hidden).to_numpy()
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b",
                "mdd_pp", "p_adjusted"):
        if col in out:
            out[col] = out[col].astype(float).where(~sup, np.nan)
    out["suppressed"] = sup
    out["suppression_reason"] = np.where(sup, REASON_GROUP, "")
    return _mark(out, threshold)


def disclose_counts_by_sex(counts: dict, *, threshold: int = DEFAULT_THRESHOLD) -> dict:
    """Hide small counts in a ``{"analysed": {sex: n}, "excluded": {sex: n}}`` record.

    A hidden count becomes None; when exactly one sex is hidden in a record, the smallest other
    one is hidden too (the total is published elsewhere).
    """
    out = {}
    for key, values in counts.items():
        values = dict(values)
        small = [s for s, v in values.items() if v is not None and 0 < v < threshold]
        hidden = set(small)
        if len(hidden) == 1:
            others = [s for s, v in values.items() if s not in hidden and v]
            if others:
                hidden.add(min(others, key=lambda s: values[s]))
        out[key] = {s: (None if s in hidden else v) for s, v in values.items()}
    return out
