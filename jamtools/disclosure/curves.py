"""Disclosure control for curves over time (cumulative incidence, 1 − Kaplan–Meier).

A survival or incidence curve is a table of counts in disguise: each step is some number of
people who had the event, out of some number still followed. :func:`disclose_curve` applies
the handbook's disclosure rule to a curve evaluated on a grid of times
(:func:`jamtools.stats.competing.cumulative_incidence` with ``times=``):

1. a point is not shown when fewer than ``threshold`` persons are still at risk there (the
   curve then stops: every later step would rest on fewer still);
2. nor when the cumulative number of events behind it is 1 to ``threshold − 1``;
3. between two points that are shown, the number who had the event and the number who left
   follow-up must each be 0 or at least ``threshold``; a grid point that would make a smaller
   step is skipped, and the curve goes straight on to the next point that passes.

Every hidden point has the one reason of a hidden count (:data:`jamtools.disclosure.REASON_HIDDEN`):
a reason per rule would bound hidden counts ("färre än 5 i risk" said that 0 to 4 were still
followed where the same shown points, with "steget bygger på färre än 5 personer", meant 5 or 6;
tests/disclosure/test_reason_bounds.py).

The figure and the table of the disclosed curves are in :mod:`jamtools.present.curves`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure

VALUE_COLS = ("cif", "se", "ci_low", "ci_high")
COUNT_COLS = ("at_risk", "events", "events_all", "censored")


def disclose_curve(curve: pd.DataFrame, *, group: str = "kon", by=("cause",),
                   threshold: int = disclosure.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Disclosure control for a curve on a grid of times (see the module's three rules).

    Parameters
    ----------
    curve : pandas.DataFrame
        One row per group, ``by`` value and grid time, with ``time``, ``at_risk``, cumulative
        ``events`` (and ``events_all``, ``censored``), ``cif`` and its interval, as
        :func:`jamtools.stats.competing.cumulative_incidence` returns with ``times=``.
    group, by : str, str or sequence of str
        The columns that identify one curve.
    threshold : int
        Smallest number of persons a shown value may rest on.

    Returns
    -------
    pandas.DataFrame
        The same rows; a hidden point has its counts and values set to NaN, ``suppressed``
        True and the one ``suppression_reason`` of a hidden count. Marked as disclosed.
    """
    by = [by] if isinstance(by, str) else list(by)
    out = curve.sort_values([group, *by, "time"]).reset_index(drop=True)
    counts = [c for c in COUNT_COLS if c in out]
    values = [c for c in VALUE_COLS if c in out]
    # Rule 2 (and small counts generally) through the library's primary suppression.
    out = disclosure.disclose_table(out, count_cols=[c for c in ("events",) if c in out],
                                    by=[group, *by, "time"], margins=False, threshold=threshold)
    hidden = out["suppressed"].to_numpy(bool).copy()
    raw = curve.sort_values([group, *by, "time"]).reset_index(drop=True)
    for _, idx in raw.groupby([group, *by], sort=False).groups.items():
        last_risk = last_left = last_events = None
        for i in idx:
            n = float(raw.at[i, "at_risk"])
            ev = float(raw.at[i, "events"])
            left = float(raw["events_all"].get(i, 0.0) + raw["censored"].get(i, 0.0)) \
                if "events_all" in raw and "censored" in raw else float("nan")
            if n < threshold:  # rule 1: the curve stops here
                hidden[i] = True
                continue
            if hidden[i]:
                continue
            if last_risk is not None:
                steps = [ev - last_events]
                if not np.isnan(left):
                    steps.append(left - last_left)
                if any(0 < s < threshold for s in steps):  # rule 3
                    hidden[i] = True
                    continue
            last_risk, last_events, last_left = n, ev, left
    for col in counts + values:
        out[col] = out[col].astype(float).where(~hidden, np.nan)
    out["suppressed"] = hidden
    out["suppression_reason"] = np.where(hidden, disclosure.REASON_HIDDEN, "")
    return out


__all__ = ["VALUE_COLS", "COUNT_COLS", "disclose_curve"]
