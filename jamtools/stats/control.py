"""Control charts for an indicator followed month by month (statistical process control).

A quality system that follows a share (for example *uppföljning i tid*) per month and sex asks
two questions: has one sex's share moved away from its usual level, and has the gap between the
sexes moved away from its usual size? Both are answered against limits computed from a
**baseline period** (Phase I, a period taken as stable) and applied to every month (Phase II):

- :func:`p_chart`: Shewhart's p-chart per sex (Shewhart 1931; Montgomery 2009, ch. 7): centre
  line :math:`\\bar p` = the pooled share of the baseline months, limits
  :math:`\\bar p \\pm 3\\sqrt{\\bar p(1-\\bar p)/n_t}` for the month's own denominator
  :math:`n_t` (so the band is wider in small months), clipped to [0, 1].
- :func:`gap_chart`: the monthly gap :math:`d_t = p_{a,t} - p_{b,t}` with its own band:
  centre :math:`\\bar d = \\bar p_a - \\bar p_b` from the baseline and standard deviation
  :math:`\\sigma_t = \\sqrt{\\bar p_a(1-\\bar p_a)/n_{a,t} + \\bar p_b(1-\\bar p_b)/n_{b,t}}`
  (the two sexes' months are independent binomial counts), limits :math:`\\bar d \\pm 3\\sigma_t`.
  A single month outside the band is Shewhart's signal. Because a 3-sigma band catches only
  large jumps, the gap chart also runs an **EWMA** (exponentially weighted moving average,
  Roberts 1959) of the standardised gap :math:`z_t = (d_t - \\bar d)/\\sigma_t`, which adds
  up evidence from month to month and signals a smaller, lasting shift within a few months
  (:func:`ewma`).
- :func:`yearly_gaps`: for comparison, the gap per calendar year with Newcombe's interval, as a
  yearly report would show it.

Everything is computed on counts (numerator and denominator per month and sex); no row-level
data is needed. The functions return tidy DataFrames with the counts they rest on, for
:mod:`jamtools.disclosure` before anything is shown.

References: Shewhart, W. A. (1931), *Economic Control of Quality of Manufactured Product*;
Roberts, S. W. (1959), "Control chart tests based on geometric moving averages",
*Technometrics* 1(3); Lucas, J. M. & Saccucci, M. S. (1990), "Exponentially weighted moving
average control schemes: properties and enhancements", *Technometrics* 32(1); Montgomery, D. C.
(2009), *Introduction to Statistical Quality Control*, 6th ed., ch. 7 and 9.
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from jamtools.stats.binary import COMPARISON_COLUMNS
from jamtools.stats.trend import gap_by_period

#: Default width of the Shewhart limits, in standard deviations (99.73 % of a stable
#: process's months fall inside: one false alarm in about 370 months).
SIGMA = 3.0
#: Default EWMA weight and limit width: λ = 0.2 with L = 2.962 gives an in-control average run
#: length of about 500 months with the asymptotic limits (Lucas & Saccucci 1990; Montgomery
#: 2009, table 9.11); with the exact, time-varying limits used here 487 months in a
#: simulation of 20 000 series. It detects a lasting shift of 2 standard deviations after
#: about 4 months on average, where the 3-sigma rule alone needs about 6.
EWMA_LAMBDA = 0.2
EWMA_L = 2.962

ERR_NO_BASELINE = "baslinjeperioden innehåller inga ärenden; kontrollgränser saknas."
ERR_BASELINE = ("baseline ska vara ett antal månader (heltal ≥ 1) eller ett par (start, slut) "
                "av datum.")
ERR_EWMA = "ewma_lambda ska ligga mellan 0 (inte inklusive) och 1, och ewma_l vara större än 0."


def _baseline_mask(times: pd.Series, baseline) -> pd.Series:
    """Which periods belong to the baseline: the first ``k`` periods, or (start, end) inclusive."""
    periods = sorted(pd.unique(times))
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if baseline < 1:
            raise ValueError(ERR_BASELINE)
        chosen = set(periods[: int(baseline)])
    elif isinstance(baseline, (tuple, list)) and len(baseline) == 2:
        start, end = baseline
        ts = pd.to_datetime(pd.Series(periods))
        keep = pd.Series(True, index=ts.index)
        if start is not None:
            keep &= ts >= pd.Timestamp(start)
        if end is not None:
            keep &= ts <= pd.Timestamp(end)
        chosen = {p for p, k in zip(periods, keep) if k}
    else:
        raise ValueError(ERR_BASELINE)
    return times.isin(chosen)


def _sum_counts(data: pd.DataFrame, time: str, group: str, events: str, n: str) -> pd.DataFrame:
    if data.empty:
        return pd.DataFrame({time: pd.Series(dtype=data[time].dtype if time in data else object),
                             group: pd.Series(dtype=object), "events": pd.Series(dtype=float),
                             "n": pd.Series(dtype=float)})
    out = (data.groupby([time, group], observed=True)[[events, n]].sum().reset_index()
           .rename(columns={events: "events", n: "n"}))
    out["events"] = out["events"].astype(float)
    out["n"] = out["n"].astype(float)
    return out.sort_values([time, group]).reset_index(drop=True)


def p_chart(data: pd.DataFrame, *, time: str, group: str = "kon",
            levels: Sequence[Hashable], events: str = "taljare",
            n: str = "namnare", baseline: int | Sequence[Any] = 12,
            sigma: float = SIGMA) -> pd.DataFrame:
    """Shewhart p-chart per group with limits from a baseline period.

    Parameters
    ----------
    data : DataFrame
        Counts: one or more rows per period and group (e.g. per unit), with ``events`` (the
        numerator: cases meeting the indicator) and ``n`` (the denominator). Rows of the same
        period and group are summed.
    time : str
        The period column (e.g. the month's first day); periods are ordered by it.
    group, levels : the group column and the groups charted, in this order (e.g. ``kvinna``,
        ``man``); ``levels`` is required, no default.
    events, n : the numerator and denominator columns.
    baseline : int or (start, end)
        The baseline (Phase I): the first ``baseline`` periods, or the periods from ``start``
        to ``end`` inclusive (either may be None). Its pooled share is the centre line.
    sigma : float
        Width of the limits in standard deviations (3: Shewhart's limits).

    Returns
    -------
    DataFrame
        One row per period and group: ``events``, ``n``, ``share``, ``center``, ``sd``
        (:math:`\\sqrt{\\bar p(1-\\bar p)/n_t}`), ``lcl``, ``ucl`` (clipped to [0, 1]),
        ``z`` ((share − centre)/sd), ``baseline`` (bool), ``signal`` ("over", "under" or "":
        outside the limits), ``baseline_n`` and ``baseline_events`` (the pooled baseline counts).
        A group without cases in the baseline gets no centre line or limits (NaN, never a
        signal), with a warning; no data gives an empty table.

    References
    ----------
    .. [1] Shewhart, W. A. (1931). Economic Control of Quality of Manufactured Product. New York: D.
           Van Nostrand.
    .. [2] Montgomery, D. C. (2009). Introduction to Statistical Quality Control (6th ed.). Hoboken,
           NJ: Wiley. §7.2 (the control chart for fraction nonconforming, with variable sample
           size).
    """
    counts = _sum_counts(data[data[group].isin(levels)], time, group, events, n)
    counts["baseline"] = _baseline_mask(counts[time], baseline)
    rows = []
    for level in levels:
        sub = counts[counts[group] == level].copy()
        base = sub[sub["baseline"]]
        bn, be = float(base["n"].sum()), float(base["events"].sum())
        if bn == 0:
            if len(sub):
                warnings.warn(f"{level}: {ERR_NO_BASELINE}", UserWarning, stacklevel=2)
            pbar = np.nan
        else:
            pbar = be / bn
        sub["share"] = np.where(sub["n"] > 0, sub["events"] / sub["n"].where(sub["n"] > 0), np.nan)
        sub["center"] = pbar
        sub["sd"] = np.sqrt(pbar * (1 - pbar) / sub["n"].where(sub["n"] > 0))
        sub["lcl"] = (pbar - sigma * sub["sd"]).clip(lower=0.0)
        sub["ucl"] = (pbar + sigma * sub["sd"]).clip(upper=1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sub["z"] = (sub["share"] - pbar) / sub["sd"]
        sub["signal"] = np.where(sub["share"] > sub["ucl"], "over",
                                 np.where(sub["share"] < sub["lcl"], "under", ""))
        sub["baseline_n"], sub["baseline_events"] = bn, be
        rows.append(sub)
    out = pd.concat(rows, ignore_index=True).sort_values([time, group]).reset_index(drop=True)
    for col in ("share", "center", "sd", "lcl", "ucl", "z", "baseline_n", "baseline_events"):
        if col not in out:
            out[col] = pd.Series(dtype=float)
    out["signal"] = out["signal"].astype(object) if "signal" in out else pd.Series(dtype=object)
    out["sigma"] = sigma
    return out


def ewma(z: ArrayLike, *, lam: float = EWMA_LAMBDA, limit: float = EWMA_L) -> pd.DataFrame:
    """EWMA of standardised values with its exact, time-varying limits.

    :math:`w_t = \\lambda z_t + (1-\\lambda) w_{t-1}`, :math:`w_0 = 0`, and the limits
    :math:`\\pm L\\sqrt{\\lambda/(2-\\lambda)\\,[1-(1-\\lambda)^{2t}]}` (Montgomery 2009, §9.2),
    for values :math:`z_t` that are standard normal while the process is stable. A missing
    :math:`z_t` (NaN) leaves :math:`w` and :math:`t` unchanged and gives no signal.

    Parameters
    ----------
    z : array-like of float
        Standardised values, in time order.
    lam : float
        In (0, 1]: the weight of the newest value (1 gives the Shewhart chart).
    limit : float
        L, the width of the limits in standard deviations of :math:`w_t`.

    Returns
    -------
    DataFrame
        ``ewma``, ``limit`` and ``signal`` ("over", "under" or "") per value.

    References
    ----------
    .. [1] Roberts, S. W. (1959). Control chart tests based on geometric moving averages.
           Technometrics, 1(3), 239–250.
    .. [2] Lucas, J. M. & Saccucci, M. S. (1990). Exponentially weighted moving average control
           schemes: properties and enhancements. Technometrics, 32(1), 1–12.
    .. [3] Montgomery, D. C. (2009). Introduction to Statistical Quality Control (6th ed.). Hoboken,
           NJ: Wiley. §9.2.
    """
    if not 0 < lam <= 1 or not limit > 0:
        raise ValueError(ERR_EWMA)
    z = np.asarray(z, dtype=float)
    w, t = 0.0, 0
    values, limits, signals = [], [], []
    for value in z:
        if np.isnan(value):
            values.append(np.nan)
            limits.append(np.nan)
            signals.append("")
            continue
        t += 1
        w = lam * value + (1 - lam) * w
        lim = limit * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        values.append(w)
        limits.append(lim)
        signals.append("over" if w > lim else "under" if w < -lim else "")
    return pd.DataFrame({"ewma": values, "limit": limits, "signal": signals})


def gap_chart(data: pd.DataFrame, *, time: str, group: str = "kon",
              levels: Sequence[Hashable], events: str = "taljare",
              n: str = "namnare", baseline: int | Sequence[Any] = 12, sigma: float = SIGMA,
              ewma_lambda: float = EWMA_LAMBDA, ewma_l: float = EWMA_L) -> pd.DataFrame:
    """The monthly gap between two groups' shares with its control band, and its EWMA.

    Parameters
    ----------
    data, time, group, events, n, baseline, sigma : as for :func:`p_chart`.
    levels : (a, b), required, no default: the gap is a − b (e.g. women − men), so ``b`` (the
        second) is the reference; in shares (multiply by 100 for percentage points).
    ewma_lambda, ewma_l : the EWMA's weight and limit width (:func:`ewma`).

    Returns
    -------
    DataFrame
        One row per period: ``n_a``, ``events_a``, ``share_a``, ``n_b``, ``events_b``,
        ``share_b``, ``gap``, ``center`` (the baseline gap :math:`\\bar p_a - \\bar p_b`),
        ``sd``, ``lcl``, ``ucl``, ``z``, ``baseline``, ``signal`` (the month's gap outside its
        band: "over" or "under"), ``ewma``, ``ewma_limit``, ``ewma_signal``, and ``flagged``
        (either signal) with ``direction`` ("over": a larger than usual, "under": smaller).
        A period where a group has no cases has NaN and no signal.

    References
    ----------
    .. [1] Shewhart, W. A. (1931). Economic Control of Quality of Manufactured Product. New York: D.
           Van Nostrand.
    .. [2] Roberts, S. W. (1959). Control chart tests based on geometric moving averages.
           Technometrics, 1(3), 239–250.
    .. [3] Montgomery, D. C. (2009). Introduction to Statistical Quality Control (6th ed.). Hoboken,
           NJ: Wiley. §7.2 and §9.2.
    """
    a, b = levels
    chart = p_chart(data, time=time, group=group, levels=levels, events=events, n=n,
                    baseline=baseline, sigma=sigma)
    periods = sorted(pd.unique(chart[time]))
    out = pd.DataFrame({time: pd.Series(periods, dtype=chart[time].dtype)})
    centers = {}
    baseline_flags = np.zeros(len(periods), bool)
    for side, level in (("a", a), ("b", b)):
        sub = chart[chart[group] == level].set_index(time).reindex(periods)
        out[f"n_{side}"] = sub["n"].to_numpy(dtype=float)
        out[f"events_{side}"] = sub["events"].to_numpy(dtype=float)
        out[f"share_{side}"] = sub["share"].to_numpy(dtype=float)
        baseline_flags |= sub["baseline"].fillna(False).astype(bool).to_numpy()
        known = sub["center"].dropna()
        centers[side] = float(known.iloc[0]) if len(known) else np.nan
    pa, pb = centers["a"], centers["b"]
    out["baseline"] = baseline_flags
    out["gap"] = out["share_a"] - out["share_b"]
    out["center"] = pa - pb
    with np.errstate(divide="ignore", invalid="ignore"):
        out["sd"] = np.sqrt(pa * (1 - pa) / out["n_a"].where(out["n_a"] > 0)
                            + pb * (1 - pb) / out["n_b"].where(out["n_b"] > 0))
        out["z"] = (out["gap"] - out["center"]) / out["sd"]
    out["lcl"] = out["center"] - sigma * out["sd"]
    out["ucl"] = out["center"] + sigma * out["sd"]
    out["signal"] = np.where(out["gap"] > out["ucl"], "over",
                             np.where(out["gap"] < out["lcl"], "under", ""))
    smooth = ewma(out["z"].to_numpy(), lam=ewma_lambda, limit=ewma_l)
    out["ewma"] = smooth["ewma"].to_numpy()
    out["ewma_limit"] = smooth["limit"].to_numpy()
    out["ewma_signal"] = smooth["signal"].to_numpy()
    out["flagged"] = (out["signal"] != "") | (out["ewma_signal"] != "")
    out["direction"] = np.where(out["signal"] != "", out["signal"], out["ewma_signal"])
    out["group_a"], out["group_b"] = a, b
    out["sigma"], out["ewma_lambda"], out["ewma_l"] = sigma, ewma_lambda, ewma_l
    return out


def yearly_gaps(data: pd.DataFrame, *, time: str, group: str = "kon",
                levels: Sequence[Hashable], events: str = "taljare",
                n: str = "namnare", outcome: str = "andel",
                conf_level: float = 0.95) -> pd.DataFrame:
    """The gap a − b per calendar year on the summed counts, for comparison with the charts.

    The months' numerators and denominators are summed per calendar year and group, and each
    year's difference in shares gets Newcombe's interval
    (:func:`jamtools.stats.gap_by_period`), as a yearly report would show it.

    Parameters
    ----------
    data, time, group, events, n : as for :func:`p_chart`.
    levels : (a, b)
        Required, no default. The gap is a − b, in percentage points, so ``b`` (the second) is
        the reference.
    outcome : str
        The outcome's name in the comparison rows.
    conf_level : float

    Returns
    -------
    pandas.DataFrame
        One row per year in the comparison layout (:data:`jamtools.stats.COMPARISON_COLUMNS`),
        ``comparison`` reading "kvinna − man 2025"; empty (with those columns) when there are no
        data. Not disclosed.

    References
    ----------
    .. [1] Newcombe, R. G. (1998). Interval estimation for the difference between independent
           proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873–890.
    """
    if data.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    per_year = (data.assign(_year=pd.to_datetime(data[time]).dt.year)
                .groupby(["_year", group], observed=True)[[events, n]].sum().reset_index()
                .rename(columns={events: "events", n: "n"}))
    out = gap_by_period(per_year, "_year", group, levels=levels, outcome=None, conf_level=conf_level)
    if out.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    out["outcome"] = outcome
    out["comparison"] = [f"{levels[0]} − {levels[1]} {int(y)}" for y in out["period"]]
    return out.drop(columns="period")
