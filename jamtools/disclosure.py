"""Disclosure control: nothing shown to a reader can identify a person.

Primary suppression hides every count from 1 to ``threshold − 1`` and everything computed
from it (shares, intervals, differences). Secondary (complementary) suppression hides one more
cell where a hidden one could otherwise be recovered from a total and the other cells
(girls = total − boys). Zero is shown: an empty cell reveals nothing about a person, but a
group where all or none have the outcome reveals the outcome of every member (attribute
disclosure) and is flagged. Disclosed tables carry ``df.attrs["jamtools_disclosed"]``, and
``jamtools.report``/``jamtools.plots`` refuse tables without it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: Default smallest count that may be shown. Swedish municipal and official statistics
#: commonly hide counts below 5 (e.g. Kolada shows such values as ".."); configurable per run.
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


def _small(values, threshold: int) -> np.ndarray:
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return (v > 0) & (v < threshold)


def round_counts(values, base: int = 5):
    """Round counts to the nearest multiple of ``base`` (an alternative to suppression)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    return (np.round(v / base) * base)


def disclose_shares(shares: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                    group: str = "kon", by=(), rounding=None) -> pd.DataFrame:
    """Suppress shares built on small counts, with complementary suppression per stratum."""
    by = [by] if isinstance(by, str) else list(by)
    out = shares.copy()
    n = out["n"].to_numpy(dtype=float)
    ev = out["events"].to_numpy(dtype=float)
    primary = _small(n, threshold) | _small(ev, threshold) | _small(n - ev, threshold)
    reason = np.where(primary, REASON_SMALL.format(t=threshold), "")
    suppressed = primary.copy()
    keys = out[by].astype(str).agg("|".join, axis=1) if by else pd.Series("", index=out.index)
    for _, idx in out.groupby(keys.to_numpy()).groups.items():
        pos = [out.index.get_loc(i) for i in idx]
        if suppressed[pos].sum() == 1 and len(pos) > 1:
            others = [p for p in pos if not suppressed[p]]
            nxt = min(others, key=lambda p: n[p])
            suppressed[nxt] = True
            reason[nxt] = REASON_SECONDARY
    out["all_or_none"] = (n > 0) & ((ev == 0) | (ev == n))
    for col in ("n", "events", "share", "ci_low", "ci_high"):
        out[col] = out[col].astype(float).where(~suppressed, np.nan)
    out["suppressed"] = suppressed
    out["suppression_reason"] = reason
    return _mark(out, threshold, rounding)


def disclose_comparisons(comparisons: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                         shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """Suppress comparisons whose groups are small or hidden in ``shares``."""
    out = comparisons.copy().reset_index(drop=True)
    sup = np.zeros(len(out), bool)
    for side in ("a", "b"):
        n = out[f"n_{side}"].to_numpy(dtype=float)
        ev = out[f"events_{side}"].to_numpy(dtype=float)
        sup |= _small(n, threshold)
        with np.errstate(invalid="ignore"):
            sup |= np.where(np.isnan(ev), False, _small(ev, threshold) | _small(n - ev, threshold))
    if shares is not None and "suppressed" in shares:
        hidden = set(shares.loc[shares["suppressed"].astype(bool)].iloc[:, :].get("kon", pd.Series()))
        sup |= out["group_a"].isin(hidden).to_numpy() | out["group_b"].isin(hidden).to_numpy()
    cols = ["estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b"]
    for col in cols:
        if col in out:
            out[col] = out[col].astype(float).where(~sup, np.nan)
    out["suppressed"] = sup
    out["suppression_reason"] = np.where(sup, REASON_GROUP, "")
    return _mark(out, threshold)


def disclose_table(table: pd.DataFrame, *, count_cols, by, derived_cols=(),
                   threshold: int = DEFAULT_THRESHOLD, margins: bool = True,
                   rounding=None) -> pd.DataFrame:
    """Suppress small counts in a long table (one row per ``by`` cell).

    Primary suppression of counts 1..threshold−1; complementary suppression within each
    group of the first ``by`` column (the row of a cross-table) when exactly one cell is hidden.
    """
    out = table.copy().reset_index(drop=True)
    count_cols = list(count_cols)
    sup = np.zeros(len(out), bool)
    for col in count_cols:
        sup |= _small(out[col], threshold)
    reason = np.where(sup, REASON_SMALL.format(t=threshold), "")
    if margins and len(by) > 1:
        for _, idx in out.groupby(by[0]).groups.items():
            pos = [out.index.get_loc(i) for i in idx]
            if sup[pos].sum() == 1 and len(pos) > 1:
                others = [p for p in pos if not sup[p]]
                nxt = min(others, key=lambda p: float(out.loc[p, count_cols[0]]))
                sup[nxt], reason[nxt] = True, REASON_SECONDARY
    for col in count_cols + list(derived_cols):
        out[col] = out[col].astype(float).where(~sup, np.nan)
    out["suppressed"] = sup
    out["suppression_reason"] = reason
    return _mark(out, threshold, rounding)


def disclose_counts_by_sex(counts: dict, *, threshold: int = DEFAULT_THRESHOLD) -> dict:
    """Hide small counts in a {"analysed": {sex: n}, "excluded": {...}} record (None)."""
    return {key: {sex: (None if 0 < n < threshold else n) for sex, n in values.items()}
            for key, values in counts.items()}
