"""Time to event (e.g. time to self-sufficiency): Kaplan–Meier by sex, log-rank, Cox model.

Durations are in days (or any unit) from the start of the episode; ``event`` is 1 when the
event happened and 0 when the person was still waiting when follow-up ended (censored).
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Literal, NamedTuple, get_args

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from jamtools.stats.binary import COMPARISON_COLUMNS
from jamtools.stats.design import design_matrix

#: How :func:`cox_hazard_ratio` handles tied event times.
Ties = Literal["efron", "breslow"]


def _check(df, duration, event, cols, count=None):
    missing = [c for c in [duration, event, *cols, *([count] if count else [])] if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    t = pd.to_numeric(df[duration], errors="coerce")
    e = _event_values(df[event])
    bad = int((t.isna() | (t < 0) | ~e.isin([0, 1])).sum())
    if bad:
        raise ValueError(f"{bad} {'rad' if bad == 1 else 'rader'} har saknad eller negativ tid "
                         f"('{duration}') eller en "
                         f"händelse ('{event}') som inte är 0/1; exkludera eller rätta dem först.")
    out = df[list(cols)].copy()
    out["_t"], out["_e"] = t.astype(float), e.astype(int)
    if count:
        w = pd.to_numeric(df[count], errors="coerce")
        if (w.isna() | (w < 0) | (w != np.round(w))).any():
            raise ValueError(f"Antalen i '{count}' ska vara hela tal, 0 eller fler, och får inte saknas.")
        out["_w"] = w.astype(float)
        out = out[out["_w"] > 0]  # a cell of no one is no row
    return out


def _event_values(ev: pd.Series) -> pd.Series:
    """The event column as numbers: True/False as 1/0, anything not a number as NaN."""
    if pd.api.types.is_bool_dtype(ev.dtype):  # numpy or nullable booleans: 1.0/0.0, NaN if missing
        return pd.Series(ev.to_numpy(dtype=float, na_value=np.nan), index=ev.index)
    if pd.api.types.is_numeric_dtype(ev.dtype):
        return pd.to_numeric(ev, errors="coerce")
    # Object, categorical, text: element by element (True is not a number to pd.to_numeric in an
    # object column).
    return pd.to_numeric(ev.astype("object").map(lambda v: int(v) if isinstance(v, bool) else v),
                         errors="coerce")


def kaplan_meier(df: pd.DataFrame, duration: str, event: str, group: str = "kon", *,
                 conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier survival curve per group (Kaplan & Meier 1958).

    :math:`\\hat S(t) = \\prod_{t_i \\le t} (1 - d_i/n_i)`, with pointwise intervals on the
    log(−log) scale (statsmodels ``SurvfuncRight``). One row per group and event time:
    ``time``, ``at_risk``, ``events``, ``survival`` (share still without the event),
    ``ci_low``, ``ci_high``; for self-sufficiency, ``1 − survival`` is the share who have
    become self-sufficient by that time.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person or episode.
    duration : str
        Time from the start to the event or to the end of follow-up (≥ 0).
    event : str
        1 (or True) when the event happened, 0 when censored.
    group : str, default 'kon'
        The group column.
    conf_level : float, default 0.95
        Level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group and event time: ``group``, ``time``, ``at_risk``, ``events``,
        ``survival``, ``ci_low``, ``ci_high``, ``conf_level``; empty when there are no rows.

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, or an event is not 0/1.

    References
    ----------
    .. [1] Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
           Journal of the American Statistical Association, 53(282), 457–481.
    .. [2] Greenwood, M. (1926). The natural duration of cancer. Reports on Public Health and
           Medical Subjects, 33. London: HMSO.
    .. [3] Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of Failure Time
           Data (2nd ed.). Hoboken, NJ: Wiley.
    """
    d = _check(df, duration, event, [group])
    rows = []
    for g, sub in d.groupby(group, observed=True, sort=True):
        sf = SurvfuncRight(sub["_t"].to_numpy(), sub["_e"].to_numpy())
        lo, hi = _pointwise_ci(sf, 1 - conf_level)
        rows.append(pd.DataFrame({group: g, "time": sf.surv_times, "at_risk": sf.n_risk,
                                  "events": sf.n_events, "survival": sf.surv_prob,
                                  "ci_low": lo, "ci_high": hi, "conf_level": conf_level}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _pointwise_ci(sf: SurvfuncRight, alpha: float):
    """Pointwise log(−log) intervals from Greenwood's variance (Kalbfleisch & Prentice 2002)."""
    s, se = sf.surv_prob, sf.surv_prob_se
    z = sps.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(-np.log(s))
        width = z * se / (s * np.abs(np.log(s)))
        lo = np.exp(-np.exp(theta + width))
        hi = np.exp(-np.exp(theta - width))
    lo = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, lo))
    hi = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, hi))
    return lo, hi


def logrank(df: pd.DataFrame, duration: str, event: str, group: str = "kon", *,
            levels: Sequence[Hashable], count: str | None = None) -> pd.DataFrame:
    """Log-rank test of equal survival curves (Mantel 1966; statsmodels ``survdiff``).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person or episode.
    duration : str
        Time from the start to the event or to the end of follow-up (≥ 0).
    event : str
        1 (or True) when the event happened, 0 when censored.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``, in the order of ``n_a`` /
        ``n_b`` and of the label ``"a / b"``; the test itself is symmetric in them.
    count : str, optional
        A column with the number of persons or episodes each row stands for (a cell table,
        e.g. ``LoadResult.weight``): the test and the counts are those of the rows written out.
        None: one row per person or episode.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``logrank_chi2``: ``estimate`` is the
        chi-square statistic with 1 degree of freedom). When a group is missing, or nobody has
        the event, the estimate is NaN and ``warning`` says why.

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, or an event is not 0/1.

    References
    ----------
    .. [1] Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising
           in its consideration. Cancer Chemotherapy Reports, 50(3), 163–170.
    .. [2] Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of Failure Time
           Data (2nd ed.). Hoboken, NJ: Wiley.
    """
    a, b = levels
    d = _check(df, duration, event, [group], count)
    d = d[d[group].isin([a, b])]
    w = d["_w"] if count else pd.Series(1.0, index=d.index)
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=event, comparison=f"{a} / {b}", group_a=a, group_b=b, measure="logrank_chi2",
               adjusted=False, adjusted_for="", method="log-rank", test="log-rank-test", warning="",
               n_a=float(w[d[group] == a].sum()), n_b=float(w[d[group] == b].sum()),
               events_a=float((d["_e"] * w)[d[group] == a].sum()),
               events_b=float((d["_e"] * w)[d[group] == b].sum()))
    if row["n_a"] == 0 or row["n_b"] == 0:
        row["warning"] = "En av grupperna saknas; inget test kan göras."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    if not d["_e"].any():  # no events: the statistic's variance is 0
        row["warning"] = "Ingen i någon av grupperna har utfallet under uppföljningen; inget test kan göras."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    chi2, p = _survdiff(d["_t"].to_numpy(), d["_e"].to_numpy(), d[group].to_numpy(),
                        d["_w"].to_numpy() if count else None)
    row.update(estimate=float(chi2), p_value=float(p))
    return pd.DataFrame([row])


def _survdiff(time: np.ndarray, status: np.ndarray, group: np.ndarray,
              count: np.ndarray | None = None) -> tuple[float, float]:
    """statsmodels' ``survdiff`` (log-rank, no weights or strata, any number of groups) from the
    counts per distinct time and group: the same arithmetic on the same per-time arrays, without
    sorting the (text) group column row by row. ``count``: the rows each row stands for."""
    levels = np.unique(pd.unique(group))  # the order np.unique(group) gives, from the few levels
    gcode = pd.Categorical(group, categories=levels).codes
    rtimes, utimes = pd.factorize(time, sort=True)
    ml = len(utimes)
    nrisk, obsv = [], []
    for k in range(len(levels)):
        mk = (gcode == k).astype(float)
        if count is not None:
            mk = mk * count
        n = np.bincount(rtimes, weights=mk, minlength=ml)
        obsv.append(np.bincount(rtimes, weights=status * mk, minlength=ml))
        nrisk.append(np.cumsum(n[::-1])[::-1])
    obs = sum(obsv)
    nrisk_tot = sum(nrisk)
    ix = np.flatnonzero(nrisk_tot > 1)
    dfs = len(levels) - 1
    r = np.vstack(nrisk) / np.clip(nrisk_tot, 1e-10, np.inf)[None, :]
    var_denom = np.clip(nrisk_tot - 1, 1e-10, np.inf)
    groups_oe, groups_var = [], []
    for g in range(1, dfs + 1):
        oe = obsv[g] - r[g] * obs
        var_tensor_part = r[1:, :].T * (np.eye(1, dfs, g - 1).ravel() - r[g, :, None])
        var_scalar_part = obs * (nrisk_tot - obs) / var_denom
        var = var_tensor_part * var_scalar_part[:, None]
        groups_oe.append(oe[ix].sum())
        groups_var.append(var[ix].sum(axis=0))
    obs_vec, var_mat = np.hstack(groups_oe), np.vstack(groups_var)
    chisq = obs_vec.dot(np.linalg.solve(var_mat, obs_vec))
    return chisq, 1 - sps.chi2.cdf(chisq, len(levels) - 1)


def cox_hazard_ratio(df: pd.DataFrame, duration: str, event: str, group: str = "kon",
                     covariates: Sequence[str] = (), *, levels: Sequence[Hashable],
                     conf_level: float = 0.95, ties: Ties = "efron",
                     count: str | None = None) -> pd.DataFrame:
    """Hazard ratio a / b from a Cox proportional-hazards model (Cox 1972), adjusted for
    ``covariates``: :math:`h(t \\mid x) = h_0(t)\\exp(\\beta_g 1[a] + \\sum\\gamma_k x_k)`.
    A ratio above 1 means the event (e.g. self-sufficiency) comes sooner for ``a``. Ties by
    Efron's method by default; fitted by :func:`cox_fit` from the counts per design row and
    event time (the same estimates as statsmodels ``PHReg`` on the rows).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person or episode.
    duration : str
        Time from the start to the event or to the end of follow-up (≥ 0).
    event : str
        1 (or True) when the event happened, 0 when censored.
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators, numeric ones with more than 10
        distinct values linearly).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: the hazard ratio is a / b,
        so ``b`` (the second) is the reference.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    ties : {'efron', 'breslow'}, default 'efron'
        How tied event times are handled.
    count : str, optional
        A column with the number of persons or episodes each row stands for (a cell table,
        e.g. ``LoadResult.weight``; whole numbers): the model and the counts are those of the
        rows written out. None: one row per person or episode.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``hazard_ratio``, Wald test). When a group is
        missing, nobody in one of the groups has the event (the partial likelihood is then
        monotone and has no maximum, Heinze & Schemper 2001), or the sexes' coefficient is not a
        usable number (infinite, a ratio beyond e^15, a standard error above 5), the estimate is
        NaN and ``warning`` says why. A fit that stops before it converges while the sexes'
        coefficient is usable (a covariate's category where all or none have the event) keeps
        its estimate, with a ``warning``. Rows without a value of a numeric covariate are left
        out of the model and of ``n_a``, ``n_b`` and the events, and ``warning`` says so.

    Raises
    ------
    ValueError
        When a column is missing, a time is missing or negative, an event is not 0/1, or
        ``ties`` is not one of the two.

    References
    ----------
    .. [1] Cox, D. R. (1972). Regression models and life-tables. Journal of the Royal Statistical
           Society, Series B, 34(2), 187–220.
    .. [2] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data. Journal
           of the American Statistical Association, 72(359), 557–565.
    .. [3] Heinze, G. & Schemper, M. (2001). A solution to the problem of monotone likelihood in
           Cox regression. Biometrics, 57(1), 114–119.
    """
    if ties not in get_args(Ties):
        raise ValueError(f"ties ska vara ett av {', '.join(map(repr, get_args(Ties)))}, "
                         f"inte {ties!r}.")
    a, b = levels
    covariates = list(covariates)
    d = _check(df, duration, event, [group, *covariates], count)
    d = d[d[group].isin([a, b])].reset_index(drop=True)
    x = design_matrix(d, group, a, covariates, const=False)  # Cox: no intercept
    # A row without a value of a numeric covariate cannot enter the model: it is left out
    # before anything is counted, so that the counts are the model's (said in ``warning``).
    complete = x.notna().all(axis=1).to_numpy()
    incomplete = ("" if complete.all() else
                  "Rader utan värde på något det justeras för ingår inte i modellen eller i antalen.")
    if not complete.all():  # the design again, of the rows kept (a category only the rows left
        d = d[complete].reset_index(drop=True)  # out had would be a column of zeros)
        x = design_matrix(d, group, a, covariates, const=False)
    w = d["_w"] if count else pd.Series(1.0, index=d.index)
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=event, comparison=f"{a} / {b}", group_a=a, group_b=b, measure="hazard_ratio",
               adjusted=bool(covariates), adjusted_for=", ".join(covariates), conf_level=conf_level,
               method=f"Cox-regression ({ties})", test="Wald-test", warning="",
               n_a=float(w[d[group] == a].sum()), n_b=float(w[d[group] == b].sum()),
               events_a=float((d["_e"] * w)[d[group] == a].sum()),
               events_b=float((d["_e"] * w)[d[group] == b].sum()))
    if row["n_a"] == 0 or row["n_b"] == 0:
        row["warning"] = "En av grupperna saknas; ingen modell kan skattas."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return _with_note(row, incomplete)
    if not d["_e"].any():  # no events: the partial likelihood is flat, nothing to estimate
        row["warning"] = "Ingen i någon av grupperna har utfallet under uppföljningen; ingen modell kan skattas."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return _with_note(row, incomplete)
    if row["events_a"] == 0 or row["events_b"] == 0:
        # monotone likelihood (Heinze & Schemper 2001): the estimate runs off towards 0 or
        # infinity, and the fit stops at some huge or tiny number with an interval 0 to infinity
        row["warning"] = ("Ingen i en av grupperna har utfallet under uppföljningen; hasardkvoten kan "
                          "inte skattas (den går mot 0 eller oändligheten).")
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return _with_note(row, incomplete)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fit that does not converge is reported below, in words
        try:
            fit = cox_fit(d["_t"].to_numpy(), d["_e"].to_numpy(), x.to_numpy(dtype=float), ties=ties,
                          count=d["_w"].to_numpy() if count else None)
            beta, se = float(fit.params[0]), float(fit.bse[0])
        except np.linalg.LinAlgError:  # a singular information matrix: an adjustment that is the sex
            fit, beta, se = None, np.nan, np.nan
    if not (np.isfinite(beta) and np.isfinite(se)) or abs(beta) > 15 or se > 5:
        # (a log ratio of 15 is a ratio of three million; a standard error of 5 an interval
        # from e^-10 to e^10 times the estimate: nothing a reader can use)
        row["warning"] = ("Skattningen går mot 0 eller oändligheten (till exempel när den ena gruppens "
                          "händelser kommer först när ingen i den andra finns kvar, eller när en "
                          "justering sammanfaller med könet); ingen hasardkvot kan skattas.")
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return _with_note(row, incomplete)
    if not fit.converged:
        # a covariate's category where all or none have the event runs off on its own; the
        # sexes' coefficient is still estimated, but the reader is told
        row["warning"] = ("Modellen konvergerade inte helt (troligen en kategori där alla eller ingen "
                          "har utfallet); tolka hasardkvoten med försiktighet.")
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    row.update(estimate=float(np.exp(beta)), ci_low=float(np.exp(beta - z * se)),
               ci_high=float(np.exp(beta + z * se)), p_value=float(fit.pvalues[0]))
    return _with_note(row, incomplete)


def _with_note(row: dict, note: str) -> pd.DataFrame:
    """The comparison row as a frame, its warning followed by ``note`` (about the rows used)."""
    row["warning"] = f"{row['warning'] or ''} {note}".strip()
    return pd.DataFrame([row])


class CoxFit(NamedTuple):
    """A Cox model fitted by :func:`cox_fit`."""

    params: np.ndarray
    bse: np.ndarray
    pvalues: np.ndarray
    loglike: float
    converged: bool
    nobs: int
    cells: int


class _CoxTable(NamedTuple):
    """The data of a Cox model collapsed to cells of exchangeable rows."""

    xp: np.ndarray        # the distinct design rows (patterns), P × k
    cens: tuple           # censored cells: (pattern, risk-set index, rows)
    events: tuple         # event cells: (pattern, event-time index, events)
    n_times: int          # distinct event times M
    ev_x: np.ndarray      # sum of the design rows of the events, k
    term_time: np.ndarray  # the terms of the tie correction: event-time index,
    term_g: np.ndarray     # the weight 1 − r/D of the tied events' sums (1 for Breslow)
    term_mult: np.ndarray  # and how many times the term counts (D for Breslow, else 1)


def _row_codes(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..G−1 of the rows' combinations of values (exact equality), and one row per code."""
    n = len(columns[0])
    key, size = np.zeros(n, dtype=np.int64), 1
    for col in columns:
        codes, uniques = pd.factorize(col)
        card = max(len(uniques), 1)
        if size * card >= 2**62:  # keep the mixed-radix key inside int64
            key, kept = pd.factorize(key)
            size = len(kept)
        key, size = key * card + codes, size * card
    code, uniques = pd.factorize(key)
    first = np.empty(len(uniques), dtype=np.int64)
    first[code] = np.arange(n)
    return code, first


def _cox_table(time: np.ndarray, status: np.ndarray, exog: np.ndarray, ties: Ties,
               count: np.ndarray | None = None) -> _CoxTable:
    """One pass over the rows: the cells (design row, risk-set entry, status) with their counts
    (each row counting ``count`` rows when given)."""
    ev_times = np.unique(time[status == 1])
    m = len(ev_times)
    # A row is in the risk set of every event time up to and including its own time.
    pos = np.searchsorted(ev_times, time, side="right") - 1
    keep = pos >= 0  # censored before the first event: in no risk set
    pos, status, exog = pos[keep], status[keep], exog[keep]
    if count is not None:
        count = count[keep]
    pattern, first = _row_codes([exog[:, j] for j in range(exog.shape[1])])
    xp = exog[first]
    cell, cfirst = _row_codes([pattern, pos, status])
    rows = np.bincount(cell, weights=count, minlength=len(cfirst)).astype(float)
    cp, cm, ce = pattern[cfirst], pos[cfirst], status[cfirst] == 1
    n_events = np.bincount(cm[ce], weights=rows[ce], minlength=m)
    ev_x = xp.T @ np.bincount(cp[ce], weights=rows[ce], minlength=len(xp))
    if ties == "efron":  # sum over r = 0..D−1 of the tied events' share (D − r)/D
        d = n_events.astype(np.int64)
        term_time = np.repeat(np.arange(m), d)
        r = np.arange(len(term_time)) - np.repeat(np.cumsum(d) - d, d)
        term_g = (d[term_time] - r) / d[term_time]
        term_mult = np.ones(len(term_time))
    else:  # Breslow: every tied event sees the whole risk set
        term_time, term_g, term_mult = np.arange(m), np.ones(m), n_events
    return _CoxTable(xp, (cp[~ce], cm[~ce], rows[~ce]), (cp[ce], cm[ce], rows[ce]), m, ev_x,
                     term_time, term_g, term_mult)


def _by_time(index: np.ndarray, weights: np.ndarray, x: np.ndarray, m: int):
    """Sums of ``weights`` and of ``weights · x`` (per column) per event time."""
    s0 = np.bincount(index, weights=weights, minlength=m)
    s1 = np.column_stack([np.bincount(index, weights=weights * x[:, j], minlength=m)
                          for j in range(x.shape[1])]).reshape(m, x.shape[1])
    return s0, s1


def _tail(a: np.ndarray) -> np.ndarray:
    """``out[m] = a[m+1:].sum(axis=0)``: what is at risk after event time m."""
    out = np.zeros_like(a)
    out[:-1] = np.cumsum(a[::-1], axis=0)[::-1][1:]
    return out


def _cox_derivatives(tab: _CoxTable, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, its gradient and Hessian from the cells.

    At event time m with D tied events, the risk set splits into the rows not failing at m
    (sums A, U, U2 over exp(xβ)·(1, x, xxᵀ)) and the tied events (B, V, V2); term r of the tie
    correction has the denominator A + g_r·B with g_r = (D − r)/D (Efron) or 1 (Breslow). All
    the weights below are sums of positive terms, so nothing cancels but the variance itself.
    """
    xp, m = tab.xp, tab.n_times
    lp = xp @ beta
    lp -= lp.max()
    rel = np.exp(lp)
    (cp, cm, cw), (ep, em, ew) = tab.cens, tab.events
    ac, ae = cw * rel[cp], ew * rel[ep]
    c0, c1 = _by_time(cm, ac, xp[cp], m)
    b0, b1 = _by_time(em, ae, xp[ep], m)
    a0 = _tail(c0 + b0) + c0
    u = _tail(c1 + b1) + c1
    t, g, mult = tab.term_time, tab.term_g, tab.term_mult
    den = a0[t] + g * b0[t]
    inv = mult / den
    alpha = np.bincount(t, weights=inv, minlength=m)
    gamma = np.bincount(t, weights=inv * g, minlength=m)
    inv2 = inv / den
    p0 = np.bincount(t, weights=inv2, minlength=m)
    p1 = np.bincount(t, weights=inv2 * g, minlength=m)
    p2 = np.bincount(t, weights=inv2 * g * g, minlength=m)
    loglike = float(ew @ lp[ep] - mult @ np.log(den))
    grad = tab.ev_x - alpha @ u - gamma @ b1
    # Σ_m Σ_r (U2_m + g_r V2_m)/den: a censored cell is in U2 of its time and every earlier one,
    # an event cell in V2 of its own time and in U2 of every earlier one.
    cum = np.cumsum(alpha)
    before = np.concatenate([[0.0], cum[:-1]])
    v = (np.bincount(cp, weights=ac * cum[cm], minlength=len(xp))
         + np.bincount(ep, weights=ae * (before[em] + gamma[em]), minlength=len(xp)))
    second = (xp * v[:, None]).T @ xp
    cross = (u * p1[:, None]).T @ b1
    outer = (u * p0[:, None]).T @ u + cross + cross.T + (b1 * p2[:, None]).T @ b1
    return loglike, grad, -(second - outer)


def cox_fit(time: np.ndarray, status: np.ndarray, exog: np.ndarray, *,
            ties: Ties = "efron", count: np.ndarray | None = None) -> CoxFit:
    """Cox proportional-hazards model (Cox 1972) fitted from the table of distinct design rows ×
    risk-set entry × status, with Efron's (1977) or Breslow's handling of ties.

    Rows with the same design row, the same place among the event times and the same status are
    exchangeable in the partial likelihood, so the log-likelihood, gradient and Hessian follow
    from the number of rows and events per cell; the cost after one pass over the rows grows
    with the cells, not the rows. The fit is statsmodels' ``PHReg(...).fit()`` step by step
    (Newton–Raphson from 0 on the likelihood per row, ridge 1e-10, step tolerance 1e-8, at most
    100 steps, standard errors from the inverse observed information), so the results agree with
    ``PHReg`` to rounding.

    Parameters
    ----------
    time : numpy.ndarray
        Time to the event or to censoring (≥ 0), one per row.
    status : numpy.ndarray
        1 when the event happened, 0 when censored.
    exog : numpy.ndarray
        The design matrix (rows × k, no intercept). Rows with a missing value are left out, as
        ``PHReg`` does.
    ties : {'efron', 'breslow'}, default 'efron'
        How tied event times are handled.
    count : numpy.ndarray, optional
        How many rows each row stands for (whole numbers, e.g. a cell table's counts); the fit
        is that of the rows written out. None: each row is one.

    Returns
    -------
    CoxFit
        ``params``, ``bse``, ``pvalues`` (Wald, normal), ``loglike`` (log partial likelihood),
        ``converged``, ``nobs`` (rows used, counted with ``count``) and ``cells`` (cells the fit ran on). A
        ``ConvergenceWarning`` (statsmodels') when the 100 steps did not converge.

    Raises
    ------
    ValueError
        When no row has an event (there is no partial likelihood).

    References
    ----------
    .. [1] Cox, D. R. (1972). Regression models and life-tables. Journal of the Royal Statistical
           Society, Series B, 34(2), 187–220.
    .. [2] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data. Journal
           of the American Statistical Association, 72(359), 557–565.
    .. [3] Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of Failure Time
           Data (2nd ed.). Hoboken, NJ: Wiley.
    """
    exog = np.asarray(exog, dtype=float)
    if exog.ndim == 1:
        exog = exog[:, None]
    time, status = np.asarray(time, dtype=float), np.asarray(status).astype(np.int64)
    ok = ~np.isnan(exog).any(axis=1)
    if count is not None:
        count = np.asarray(count, dtype=float)
        if (np.isnan(count) | (count < 0) | (count != np.round(count))).any():
            raise ValueError("Antalen (count) ska vara hela tal, 0 eller fler.")
        ok &= count > 0
        count = count[ok]
    time, status, exog = time[ok], status[ok], exog[ok]
    if not (status == 1).any():
        raise ValueError("Ingen rad har en händelse; ingen Cox-modell kan skattas.")
    nobs = len(time) if count is None else int(count.sum())
    tab = _cox_table(time, status, exog, ties, count)
    beta, old, steps = np.zeros(exog.shape[1]), np.inf, 0
    while steps < 100 and np.any(np.abs(beta - old) > 1e-8):
        _, grad, hess = _cox_derivatives(tab, beta)
        h = -hess / nobs
        h[np.diag_indices(len(h))] += 1e-10
        old, beta = beta, beta - np.linalg.solve(h, -grad / nobs)
        steps += 1
    converged = steps != 100
    if not converged:
        warnings.warn("Maximum Likelihood optimization failed to converge. Check mle_retvals",
                      ConvergenceWarning, stacklevel=2)
    loglike, _, hess = _cox_derivatives(tab, beta)
    cov = np.linalg.inv(-hess / nobs) / nobs
    bse = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        pvalues = sps.norm.sf(np.abs(beta / bse)) * 2
    return CoxFit(beta, bse, pvalues, loglike, converged, nobs,
                  len(tab.cens[0]) + len(tab.events[0]))
