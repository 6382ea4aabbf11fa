"""Aggregate first: reduce row-level data to counts per cell before any model is fitted."""
from __future__ import annotations

import pandas as pd


def collapse(df: pd.DataFrame, outcome: str, by, *, weights: str | None = None) -> pd.DataFrame:
    """Counts per cell of ``by``: the number of rows ``n`` and of rows with the outcome ``events``.

    ``outcome`` must be 0/1 or boolean. A binomial model fitted on this table (successes and
    failures per cell) gives the same estimates as the row-level fit (the binomial likelihood
    of a cell is the product of its rows' Bernoulli likelihoods, up to a constant).

    Raises ValueError naming the column, the number of bad rows and an example value when the
    outcome is missing or not 0/1.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [outcome, *by] if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    y = df[outcome]
    numeric = pd.to_numeric(y.astype("object").map(lambda v: int(v) if isinstance(v, bool) else v),
                            errors="coerce")
    bad = y[y.isna() | ~numeric.isin([0, 1])]
    if len(bad):
        example = "saknas" if bad.isna().all() else repr(bad.dropna().iloc[0])
        raise ValueError(
            f"Utfallet '{outcome}' ska vara 0/1 (binary outcome): {len(bad)} rader har annat värde "
            f"eller saknar värde, till exempel {example}. Rätta eller exkludera raderna först."
        )
    frame = df[by].copy()
    frame["events"] = numeric.astype(float)
    frame["n"] = 1.0
    if weights is not None:
        frame["n"] = df[weights].astype(float)
        frame["events"] = frame["events"] * frame["n"]
    out = frame.groupby(by, observed=True, dropna=False)[["n", "events"]].sum().reset_index()
    return out[[*by, "n", "events"]]
