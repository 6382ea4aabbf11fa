"""Time to an event that competes with other ends: the cumulative incidence function.

A client with social assistance can become self-sufficient, but the case can also end for other
reasons (another benefit, moving away). Those other ends are **competing events**: after one of
them, self-sufficiency can no longer be observed in the data. Treating them as censoring (as if
the person were still waiting, only unobserved) and reading ``1 − Kaplan–Meier`` overstates
the share who become self-sufficient; the cumulative incidence function (Aalen–Johansen) does
not. Censoring proper is the end of follow-up while the case is still open.

``status`` is an integer per row: 0 = censored (still open when follow-up ended), 1, 2, … =
which event ended the episode. With a single cause (other ends coded 0) the cumulative
incidence equals ``1 − Kaplan–Meier``, so the same function gives both curves.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as sps
from statsmodels.duration.survfunc import CumIncidenceRight

#: Columns of :func:`cumulative_incidence`'s result (after the group column).
CURVE_COLUMNS = ["cause", "time", "at_risk", "events", "events_all", "censored", "cif", "se",
                 "ci_low", "ci_high", "conf_level"]


def _status(df: pd.DataFrame, duration: str, status: str) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in (duration, status) if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    t = pd.to_numeric(df[duration], errors="coerce").astype(float)
    s = pd.to_numeric(df[status], errors="coerce").astype(float)
    bad = t.isna() | (t < 0) | s.isna() | (s < 0) | (s != np.round(s))
    if bad.any():
        n = int(bad.sum())
        raise ValueError(f"{n} {'rad' if n == 1 else 'rader'} har saknad eller negativ tid "
                         f"('{duration}') eller "
                         f"en status ('{status}') som inte är 0 (censurerad) eller 1, 2, … "
                         "(händelsetyp); exkludera eller rätta dem först.")
    return t.to_numpy(), s.to_numpy().astype(int)


def _loglog_ci(cif: np.ndarray, se: np.ndarray, conf_level: float):
    """Pointwise intervals on the log(−log) scale, kept inside [0, 1] (as Stata's stcompet)."""
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(-np.log(cif))
        width = z * se / (cif * np.abs(np.log(cif)))
        lo = np.exp(-np.exp(theta + width))
        hi = np.exp(-np.exp(theta - width))
    lo = np.where(cif <= 0, 0.0, np.where(cif >= 1, 1.0, lo))
    hi = np.where(cif <= 0, 0.0, np.where(cif >= 1, 1.0, hi))
    return lo, hi


def no_events_upper(at_risk: ArrayLike, conf_level: float) -> np.ndarray:
    """The upper limit of a share that is 0 because no one has had the event by a time:
    the exact (Clopper–Pearson) limit for 0 events among the ``at_risk`` still followed there,
    :math:`1 - (\\alpha/2)^{1/n}`. NaN where no one is followed.

    Where no event has occurred the delta-method (Greenwood-type) variance is 0, and every
    interval built on it has no width: "0,0 % (0,0–0,0 %)" with 5 followed, as if 0 were
    known. Those still followed at the time have all been observed without the event up to it,
    so the binomial limit on them holds for the curve, and is conservative (those who left
    earlier are not counted); using the number still followed as the sample size is the
    correction of Dorey & Korn (1987).

    Parameters
    ----------
    at_risk : array-like
        The number still followed at each time.
    conf_level : float
        The confidence level of the two-sided interval whose upper limit this is.

    Returns
    -------
    numpy.ndarray
        The upper limit at each time (NaN where no one is followed).

    References
    ----------
    .. [1] Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
           illustrated in the case of the binomial. Biometrika, 26(4), 404–413.
    .. [2] Dorey, F. J. & Korn, E. L. (1987). Effective sample sizes for confidence intervals for
           survival probabilities. Statistics in Medicine, 6(6), 679–687.

    Examples
    --------
    >>> round(float(no_events_upper(5, 0.95)), 3)
    0.522
    """
    n = np.asarray(at_risk, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n >= 1, 1 - ((1 - conf_level) / 2) ** (1 / np.where(n >= 1, n, 1)), np.nan)


def _incidence_counted(t: np.ndarray, s: np.ndarray, w: np.ndarray):
    """Cumulative incidence per cause and its standard error from rows that each stand for
    ``w`` units: statsmodels' ``CumIncidenceRight`` arithmetic (``_calc_incidence_right``, the
    variance of Marubini & Valsecchi) on the counts at risk and of events per distinct time,
    which are the same as on the rows written out (statsmodels' own frequency weights give no
    standard error)."""
    utime, rtime = np.unique(t, return_inverse=True)
    ml = len(utime)
    n = np.cumsum(np.bincount(rtime, weights=w, minlength=ml)[::-1])[::-1]
    d_all = np.bincount(rtime, weights=(s >= 1).astype(np.float64) * w, minlength=ml)
    sp = 1 - d_all / n
    tiny = sp < 1e-16
    sp[tiny] = 1e-16
    sp = np.exp(np.cumsum(np.log(sp)))
    sp[tiny] = 0
    d = [np.bincount(rtime, weights=(s == k + 1).astype(np.float64) * w, minlength=ml)
         for k in range(int(s.max()))]
    sp0 = np.r_[1, sp[:-1]] / n
    ip = [np.cumsum(sp0 * dk) for dk in d]
    da = sum(d)
    se = []
    for k in range(len(d)):
        ra = da / (n * (n - da))
        v = ip[k] ** 2 * np.cumsum(ra)
        v -= 2 * ip[k] * np.cumsum(ip[k] * ra)
        v += np.cumsum(ip[k] ** 2 * ra)
        ra = (n - d[k]) * d[k] / n
        v += np.cumsum(sp0 ** 2 * ra)
        ra = sp0 * d[k] / n
        v -= 2 * ip[k] * np.cumsum(ra)
        v += 2 * np.cumsum(ip[k] * ra)
        se.append(np.sqrt(v))
    return utime, ip, se


def _one_group(t: np.ndarray, s: np.ndarray, times, conf_level: float,
               w: np.ndarray | None = None) -> pd.DataFrame:
    if (s > 0).any():
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # se is NaN where all at risk end
            if w is None:
                fit = CumIncidenceRight(t, s)
                utime = np.asarray(fit.times, float)
                cinc = [np.asarray(c, float) for c in fit.cinc]
                cse = [np.asarray(c, float) for c in fit.cinc_se]
            else:
                utime, cinc, cse = _incidence_counted(t, s, w)
    else:  # nobody has had any event: every curve is 0
        utime, cinc, cse = np.unique(t), [], []
    causes = range(1, max(int(s.max()) if len(s) else 0, 1) + 1)
    grid = np.unique(t) if times is None else np.asarray(sorted(times), float)
    if w is None:
        sorted_t = np.sort(t)
        at_risk = len(t) - np.searchsorted(sorted_t, grid, side="left")  # still followed at time
    else:  # the units of the rows with a duration >= time
        order = np.argsort(t, kind="stable")
        before = np.r_[0.0, np.cumsum(w[order])]
        at_risk = before[-1] - before[np.searchsorted(t[order], grid, side="left")]

    def units(mask: np.ndarray) -> float:
        return float(mask.sum()) if w is None else float(w[mask].sum())

    rows = []
    for k in causes:
        cif = cinc[k - 1] if k - 1 < len(cinc) else np.zeros(len(utime))
        se = cse[k - 1] if k - 1 < len(cse) else np.zeros(len(utime))
        idx = np.searchsorted(utime, grid, side="right") - 1  # the last step at or before
        value = np.where(idx >= 0, cif[np.clip(idx, 0, None)] if len(cif) else 0.0, 0.0)
        value_se = np.where(idx >= 0, se[np.clip(idx, 0, None)] if len(se) else 0.0, 0.0)
        if times is None:
            events = np.array([units((t == g) & (s == k)) for g in grid])
            events_all = np.array([units((t == g) & (s > 0)) for g in grid])
            censored = np.array([units((t == g) & (s == 0)) for g in grid])
        else:  # cumulative counts up to and including each time of the grid
            events = np.array([units((t <= g) & (s == k)) for g in grid])
            events_all = np.array([units((t <= g) & (s > 0)) for g in grid])
            censored = np.array([units((t <= g) & (s == 0)) for g in grid])
        lo, hi = _loglog_ci(value, value_se, conf_level)
        none = value <= 0  # no event of this cause yet: no variance to use
        hi = np.where(none, no_events_upper(at_risk, conf_level), hi)
        rows.append(pd.DataFrame({"cause": k, "time": grid, "at_risk": at_risk.astype(float),
                                  "events": events.astype(float),
                                  "events_all": events_all.astype(float),
                                  "censored": censored.astype(float), "cif": value, "se": value_se,
                                  "ci_low": lo, "ci_high": hi, "conf_level": conf_level}))
    return pd.concat(rows, ignore_index=True)


def cumulative_incidence(df: pd.DataFrame, duration: str, status: str, group: str = "kon", *,
                         times: ArrayLike | None = None, conf_level: float = 0.95,
                         count: str | None = None) -> pd.DataFrame:
    """Cumulative incidence per group and cause (Aalen–Johansen), with pointwise intervals.

    For cause :math:`k`, with :math:`\\hat S(t)` the Kaplan–Meier estimate of having had *no*
    event of any kind, :math:`d_{ki}` the events of cause :math:`k` and :math:`n_i` the number
    still followed at event time :math:`t_i`:

    .. math:: \\hat F_k(t) = \\sum_{t_i \\le t} \\hat S(t_{i-1}) \\, \\frac{d_{ki}}{n_i}

    the share who have had event :math:`k` by time :math:`t`, where the other causes compete
    with it and censoring (follow-up ended, still open) does not. Computed by statsmodels'
    ``CumIncidenceRight``, whose standard error is the delta-method variance of Marubini &
    Valsecchi (1995), as in Stata's ``stcompet``; the interval is built on the log(−log) scale
    so that it stays inside 0–1. Where no one has had the event yet that variance is 0, and the
    interval is instead 0 to the exact binomial limit for 0 events among those still followed
    (:func:`no_events_upper`; Clopper & Pearson 1934, Dorey & Korn 1987), not an interval of
    no width. With one cause (the others coded 0), :math:`\\hat F_1 = 1 -`
    Kaplan–Meier: the curve that treats the other ends as if they were still waiting.

    Parameters
    ----------
    df : one row per person or episode.
    duration : time from the start to the event or to the end of follow-up (e.g. days).
    status : integer column: 0 = censored, 1, 2, … = the cause that ended the episode.
    group : the column to split by (e.g. ``kon``); one curve per value and cause.
    times : optional grid (e.g. every 30 days). Without it, one row per distinct time in the
        group with the events at that time; with it, one row per time of the grid with the
        curve's value there and *cumulative* counts up to and including that time.
    conf_level : level of the pointwise intervals.
    count : optional column with the number of persons or episodes each row stands for (a cell
        table, e.g. ``LoadResult.weight``); the curves, intervals and counts are those of the
        rows written out. None: one row per person or episode.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``cause``, ``time``, ``at_risk`` (still followed at ``time``: duration ≥
        time), ``events`` (of this cause), ``events_all`` (any cause), ``censored``, ``cif``,
        ``se``, ``ci_low``, ``ci_high``, ``conf_level``. Where everyone still followed has the
        event at the last time, the standard error there is undefined (NaN).

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, or a status is not 0, 1, 2, ….

    References
    ----------
    .. [1] Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous
           Markov chains based on censored observations. Scandinavian Journal of Statistics, 5(3),
           141–150.
    .. [2] Marubini, E. & Valsecchi, M. G. (1995). Analysing Survival Data from Clinical Trials and
           Observational Studies. Chichester: Wiley. Ch. 10 (the delta-method variance of the
           cumulative incidence).
    .. [3] Putter, H., Fiocco, M. & Geskus, R. B. (2007). Tutorial in biostatistics: competing risks
           and multi-state models. Statistics in Medicine, 26(11), 2389–2430. (Why 1 − Kaplan–Meier
           overstates.)
    .. [4] Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
           illustrated in the case of the binomial. Biometrika, 26(4), 404–413.
    .. [5] Dorey, F. J. & Korn, E. L. (1987). Effective sample sizes for confidence intervals for
           survival probabilities. Statistics in Medicine, 6(6), 679–687.
    """
    if group not in df.columns:
        raise ValueError(f"Kolumnen {group} finns inte i data.")
    t, s = _status(df, duration, status)
    w = None
    if count is not None:
        if count not in df.columns:
            raise ValueError(f"Kolumnen {count} finns inte i data.")
        w = pd.to_numeric(df[count], errors="coerce").astype(float).to_numpy()
        if np.isnan(w).any() or (w < 0).any():
            raise ValueError(f"Antalen i '{count}' ska vara 0 eller fler och får inte saknas.")
    g = df[group].astype("object").to_numpy()
    parts = []
    for value in sorted(pd.unique(g[pd.notna(g)]), key=str):
        rows = g == value
        if w is not None:
            rows &= w > 0  # a cell of no one is no row
        part = _one_group(t[rows], s[rows], times, conf_level, None if w is None else w[rows])
        part.insert(0, group, value)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[group, *CURVE_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    causes = sorted(set(out["cause"]))
    # Every group gets every cause seen in any group (a cause nobody in a group had is 0 there).
    full = []
    for value, sub in out.groupby(group, sort=False):
        for k in causes:
            if not (sub["cause"] == k).any():
                zero = sub[sub["cause"] == sub["cause"].iloc[0]].copy()
                zero["cause"] = k
                zero[["events", "cif", "se", "ci_low"]] = 0.0
                zero["ci_high"] = no_events_upper(zero["at_risk"], conf_level)
                sub = pd.concat([sub, zero], ignore_index=True)
        full.append(sub)
    return pd.concat(full, ignore_index=True)[[group, *CURVE_COLUMNS]]
