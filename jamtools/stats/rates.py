"""Rates per 1 000 inhabitants, and rate ratios crude and standardised over age.

The input is a collapsed table: one row per cell (sex × age group, for example) with the number
of persons counted (``events``: clients) and the population they come from (``population``:
inhabitants, or person-years when several years are pooled). Every function returns a tidy
DataFrame; rate ratios come in the common comparison layout of :mod:`jamtools.stats.binary`
(``n_a``/``n_b`` are the populations, ``events_a``/``events_b`` the persons counted).

Methods and references:

- one rate: the exact (Garwood 1936) interval for a Poisson count divided by the population,
  ``statsmodels.stats.rates.confint_poisson(method="exact-c")``;
- a directly standardised rate: the weighted sum of the stratum rates with the standard
  population's age distribution as weights, and the gamma interval of Fay & Feuer (1997),
  *Statistics in Medicine* 16:791–801 (it reduces to Garwood's interval for one stratum);
- the crude rate ratio: the log (Wald) interval, :math:`\\operatorname{se}(\\ln RR) =
  \\sqrt{1/d_a + 1/d_b}` (Rothman, Greenland & Lash 2008, *Modern Epidemiology*, 3rd ed.,
  ch. 14), and the score test of ``statsmodels.stats.rates.test_poisson_2indep``;
- the standardised rate ratio (SRR): the ratio of two directly standardised rates with the
  same standard, with :math:`\\operatorname{var}(\\ln SRR) = \\operatorname{var}(DSR_a)/DSR_a^2
  + \\operatorname{var}(DSR_b)/DSR_b^2` (Breslow & Day 1987, *Statistical Methods in Cancer
  Research* II, ch. 2);
- the Mantel–Haenszel rate ratio with the variance of Greenland & Robins (1985), *Biometrics*
  41:55–68: :math:`RR_{MH} = \\sum_k d_{ak} N_{bk}/T_k \\big/ \\sum_k d_{bk} N_{ak}/T_k`.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.rates import confint_poisson, test_poisson_2indep

from jamtools.stats.binary import COMPARISON_COLUMNS

#: Rates are given per this many inhabitants.
PER = 1000

ERR_POPULATION = ("Befolkningen ska vara större än 0 i varje cell som har personer "
                  "(population must be positive where events > 0): {n} celler, till exempel {ex}.")
ERR_EVENTS = "Antalet personer ska vara ett heltal ≥ 0 (events must be counts): {ex}."


#: The warning of a ratio when a group has no persons counted (the reason first, as every
#: statistic's warning has it).
NO_PERSONS = "en grupp saknar personer; ingen kvot kan beräknas"

#: The warning of an adjusted rate or ratio when no stratum has population in both groups.
NO_STRATUM = "ingen åldersgrupp (eller annan grupp som jämförelsen görs inom) har invånare av båda könen"


def _check(table: pd.DataFrame, events: str, population: str) -> None:
    ev = pd.to_numeric(table[events], errors="coerce")
    pop = pd.to_numeric(table[population], errors="coerce")
    bad = ev.isna() | (ev < 0)
    if bad.any():
        raise ValueError(ERR_EVENTS.format(ex=table.loc[bad].head(1).to_dict("records")))
    nopop = (ev > 0) & ~(pop > 0)
    if nopop.any():
        raise ValueError(ERR_POPULATION.format(n=int(nopop.sum()),
                                               ex=table.loc[nopop].head(1).to_dict("records")))


def rate_by_group(table: pd.DataFrame, group: str = "kon", *, by: str | Sequence[str] = (),
                  events: str = "events", population: str = "population", conf_level: float = 0.95,
                  per: int = PER) -> pd.DataFrame:
    """Rate per ``per`` inhabitants for each group (and ``by`` stratum), with an exact interval.

    The count of persons :math:`d` is treated as Poisson with mean :math:`\\lambda N`; the
    interval is Garwood's exact (central) interval,
    :math:`[\\chi^2_{\\alpha/2}(2d)/2,\\ \\chi^2_{1-\\alpha/2}(2d+2)/2] / N`, computed by
    ``statsmodels`` (``confint_poisson``, method ``"exact-c"``). It never falls below 0 and keeps
    its coverage for small counts, where the normal approximation fails.

    Returns one row per cell: ``by`` columns, ``group``, ``n`` (population), ``events``,
    ``share`` (events / n), ``rate``, ``ci_low``, ``ci_high`` (per ``per``), ``per``,
    ``method``, ``conf_level``.

    Parameters
    ----------
    table : pandas.DataFrame
        A collapsed table: one row per cell with the persons counted and the population they
        come from.
    group : str, default 'kon'
        The group column.
    by : str or sequence of str, optional
        Stratum column(s); one row per stratum and group.
    events : str, default 'events'
        The column of persons counted (a count ≥ 0).
    population : str, default 'population'
        The column of inhabitants (or person-years).
    conf_level : float, default 0.95
        Confidence level of the intervals.
    per : int, default 1000
        Rates are given per this many inhabitants.

    Returns
    -------
    pandas.DataFrame
        One row per cell as described above.

    Raises
    ------
    ValueError
        When a count is missing or negative, or a cell with persons has no population.

    References
    ----------
    .. [1] Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika, 28(3/4),
           437–442.
    """
    by = [by] if isinstance(by, str) else list(by)
    _check(table, events, population)
    cells = (table.groupby([*by, group], observed=True, dropna=False)[[events, population]]
             .sum().reset_index().rename(columns={events: "events", population: "n"}))
    cells = cells.sort_values([*by, group]).reset_index(drop=True)
    ev = cells["events"].to_numpy(float)
    n = cells["n"].to_numpy(float)
    ok = n > 0
    share = np.full(len(cells), np.nan)
    lo, hi = np.full(len(cells), np.nan), np.full(len(cells), np.nan)
    share[ok] = ev[ok] / n[ok]
    if ok.any():
        lo[ok], hi[ok] = confint_poisson(ev[ok], n[ok], method="exact-c", alpha=1 - conf_level)
    cells["share"] = share
    cells["rate"] = per * share
    cells["ci_low"], cells["ci_high"] = per * lo, per * hi
    cells["per"] = per
    cells["method"] = "exakt Poisson (Garwood)"
    cells["conf_level"] = conf_level
    return cells


def _strata_table(table, group, levels, strata, events, population):
    a, b = levels
    cells = table.groupby([*strata, group], observed=True, dropna=False)[[events, population]].sum()
    wide = cells.unstack(group, fill_value=0)
    for lvl in (a, b):
        for col in (events, population):
            if (col, lvl) not in wide.columns:
                wide[(col, lvl)] = 0.0
    return pd.DataFrame({"d_a": wide[(events, a)], "n_a": wide[(population, a)],
                         "d_b": wide[(events, b)], "n_b": wide[(population, b)]}).astype(float)


def standardised_rates(table: pd.DataFrame, group: str = "kon",
                       *, levels: Sequence[Hashable],
                       strata: str | Sequence[str], events: str = "events",
                       population: str = "population", standard: pd.Series | None = None,
                       conf_level: float = 0.95, per: int = PER) -> pd.DataFrame:
    """Directly standardised rate per group: what the rate would be if the group had the
    standard population's distribution over ``strata`` (e.g. age groups).

    :math:`DSR = \\sum_k w_k d_k / N_k` with :math:`w_k` the standard's share in stratum
    :math:`k`, :math:`\\operatorname{var}(DSR) = \\sum_k w_k^2 d_k / N_k^2`, and the gamma
    interval of Fay & Feuer (1997). The default standard is the population of both groups
    together (the organisation's own inhabitants), so the standardised rates answer "if women
    and men had the same age distribution as all inhabitants". ``standard`` may give other
    weights, indexed by stratum. Strata without population in a group are left out of both
    groups' rates (and reported in ``warning``).

    Parameters
    ----------
    table : pandas.DataFrame
        A collapsed table: one row per cell with the persons counted and the population they
        come from.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups, ``(a, b)``, in the order of the two rows.
    strata : str or sequence of str
        The stratum column(s) standardised over (e.g. age group).
    events : str, default 'events'
        The column of persons counted (a count ≥ 0).
    population : str, default 'population'
        The column of inhabitants (or person-years).
    standard : pandas.Series, optional
        Standard population weights indexed by stratum; by default both groups' population
        together.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    per : int, default 1000
        Rates are given per this many inhabitants.

    Returns
    -------
    pandas.DataFrame
        Two rows, one per group: ``group``, ``n``, ``events``, ``share`` (the standardised rate
        as a share), ``rate``, ``ci_low``, ``ci_high`` (per ``per``), ``variance``, ``per``,
        ``method``, ``conf_level``, ``standardised_for`` and ``warning``.

    Raises
    ------
    ValueError
        When a count is missing or negative, or a cell with persons has no population.

    References
    ----------
    .. [1] Fay, M. P. & Feuer, E. J. (1997). Confidence intervals for directly standardized rates: a
           method based on the gamma distribution. Statistics in Medicine, 16(7), 791–801.
    .. [2] Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research, Vol. 2: The
           Design and Analysis of Cohort Studies. Lyon: International Agency for Research on Cancer.
    """
    strata = [strata] if isinstance(strata, str) else list(strata)
    _check(table, events, population)
    t = _strata_table(table, group, levels, strata, events, population)
    warning = ""
    empty = (t["n_a"] <= 0) | (t["n_b"] <= 0)
    if empty.any():
        warning = (f"{int(empty.sum())} strata saknar befolkning för ett av könen och ingår inte "
                   "i standardiseringen")
        t = t[~empty]
    w = (t["n_a"] + t["n_b"]) if standard is None else pd.Series(standard).reindex(t.index).fillna(0)
    w = (w / w.sum()).to_numpy(float)
    alpha = 1 - conf_level
    rows = []
    if t.empty:  # no stratum with population for both groups: nothing to standardise
        return pd.DataFrame([{
            group: lvl, "n": np.nan, "events": np.nan, "share": np.nan, "rate": np.nan, "ci_low": np.nan,
            "ci_high": np.nan, "variance": np.nan, "per": per, "method": "direkt standardisering (Fay & Feuer)",
            "conf_level": conf_level, "standardised_for": ", ".join(strata), "warning": NO_STRATUM}
            for lvl in levels[:2]])
    for side, lvl in (("a", levels[0]), ("b", levels[1])):
        d, n = t[f"d_{side}"].to_numpy(float), t[f"n_{side}"].to_numpy(float)
        y = float(np.sum(w * d / n))
        v = float(np.sum(w ** 2 * d / n ** 2))
        wm = float(np.max(w / n))
        lo = 0.0 if v == 0 else float(sps.gamma.ppf(alpha / 2, y ** 2 / v, scale=v / y))
        hi = float(sps.gamma.ppf(1 - alpha / 2, (y + wm) ** 2 / (v + wm ** 2),
                                 scale=(v + wm ** 2) / (y + wm)))
        rows.append({group: lvl, "n": float(n.sum()), "events": float(d.sum()), "share": y,
                     "rate": per * y, "ci_low": per * lo, "ci_high": per * hi, "variance": v,
                     "per": per, "method": "direkt standardisering (Fay & Feuer)",
                     "conf_level": conf_level, "standardised_for": ", ".join(strata),
                     "warning": warning})
    return pd.DataFrame(rows)


def _row(name, a, b, measure, conf_level, **values):
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=name, comparison=f"{a} / {b}", group_a=a, group_b=b, measure=measure,
               conf_level=conf_level, adjusted=False, adjusted_for="", warning="", test="")
    row.update(values)
    return row


def rate_ratio(table: pd.DataFrame, group: str = "kon",
               *, levels: Sequence[Hashable], events: str = "events",
               population: str = "population", outcome_name: str = "andel",
               conf_level: float = 0.95) -> pd.DataFrame:
    """Crude rate ratio ``a / b`` (all strata pooled) with the log interval and a score test.

    :math:`RR = (d_a/N_a)/(d_b/N_b)`, :math:`\\operatorname{se}(\\ln RR)=\\sqrt{1/d_a+1/d_b}`
    (Rothman, Greenland & Lash 2008); p-value from the score test for equal rates
    (``statsmodels.stats.rates.test_poisson_2indep``, method ``"score"``).

    Parameters
    ----------
    table : pandas.DataFrame
        A collapsed table: one row per cell with the persons counted and the population they
        come from.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    events : str, default 'events'
        The column of persons counted (a count ≥ 0).
    population : str, default 'population'
        The column of inhabitants (or person-years).
    outcome_name : str, default 'andel'
        The name written in the ``outcome`` column.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``rate_ratio``); NaN with a ``warning`` when a
        group has no persons counted or no population.

    Raises
    ------
    ValueError
        When a count is missing or negative, or a cell with persons has no population.

    References
    ----------
    .. [1] Rothman, K. J., Greenland, S. & Lash, T. L. (2008). Modern Epidemiology (3rd ed.).
           Philadelphia: Lippincott Williams & Wilkins.
    .. [2] Gu, K., Ng, H. K. T., Tang, M. L. & Schucany, W. R. (2008). Testing the ratio of two
           Poisson rates. Biometrical Journal, 50(2), 283–298.
    """
    a, b = levels
    _check(table, events, population)
    t = table.groupby(group, observed=True)[[events, population]].sum()
    da, na = (float(t.loc[a, events]), float(t.loc[a, population])) if a in t.index else (0.0, 0.0)
    db, nb = (float(t.loc[b, events]), float(t.loc[b, population])) if b in t.index else (0.0, 0.0)
    counts = dict(n_a=na, events_a=da, n_b=nb, events_b=db)
    if min(da, db) == 0 or min(na, nb) == 0:
        return pd.DataFrame([_row(outcome_name, a, b, "rate_ratio", conf_level, **counts,
                                  warning=NO_PERSONS)],
                            columns=COMPARISON_COLUMNS)
    rr = (da / na) / (db / nb)
    se = math.sqrt(1 / da + 1 / db)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    p = float(test_poisson_2indep(da, na, db, nb, method="score").pvalue)
    row = _row(outcome_name, a, b, "rate_ratio", conf_level, estimate=rr,
               ci_low=rr * math.exp(-z * se), ci_high=rr * math.exp(z * se), p_value=p,
               test="score-test (Poisson)", method="log (Wald)", **counts)
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def standardised_rate_ratio(table: pd.DataFrame, group: str = "kon",
                            *, levels: Sequence[Hashable],
                            strata: str | Sequence[str], events: str = "events",
                            population: str = "population", standard: pd.Series | None = None,
                            outcome_name: str = "andel", conf_level: float = 0.95) -> pd.DataFrame:
    """Standardised rate ratio ``DSR_a / DSR_b`` (direct standardisation over ``strata``).

    Both rates use the same standard (by default both groups' population together, see
    :func:`standardised_rates`), so the ratio compares the groups as if they had the same age
    distribution. :math:`\\operatorname{var}(\\ln SRR) = \\operatorname{var}(DSR_a)/DSR_a^2 +
    \\operatorname{var}(DSR_b)/DSR_b^2` (Breslow & Day 1987, ch. 2); a Wald test of
    :math:`\\ln SRR = 0` gives the p-value.

    Parameters
    ----------
    table : pandas.DataFrame
        A collapsed table: one row per cell with the persons counted and the population they
        come from.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    strata : str or sequence of str
        The stratum column(s) standardised over (e.g. age group).
    events : str, default 'events'
        The column of persons counted (a count ≥ 0).
    population : str, default 'population'
        The column of inhabitants (or person-years).
    standard : pandas.Series, optional
        Standard population weights indexed by stratum; by default both groups' population
        together.
    outcome_name : str, default 'andel'
        The name written in the ``outcome`` column.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``rate_ratio``, ``adjusted=True``); NaN with a
        ``warning`` when a group's standardised rate is 0.

    Raises
    ------
    ValueError
        When a count is missing or negative, or a cell with persons has no population.

    References
    ----------
    .. [1] Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research, Vol. 2: The
           Design and Analysis of Cohort Studies. Lyon: International Agency for Research on Cancer.
    .. [2] Fay, M. P. & Feuer, E. J. (1997). Confidence intervals for directly standardized rates: a
           method based on the gamma distribution. Statistics in Medicine, 16(7), 791–801.
    """
    a, b = levels
    strata = [strata] if isinstance(strata, str) else list(strata)
    dsr = standardised_rates(table, group, levels=levels, strata=strata, events=events,
                             population=population, standard=standard, conf_level=conf_level)
    ra, rb = dsr.iloc[0], dsr.iloc[1]
    counts = dict(n_a=ra["n"], events_a=ra["events"], n_b=rb["n"], events_b=rb["events"])
    meta = dict(adjusted=True, adjusted_for=", ".join(strata),
                method="direkt standardisering", warning=ra["warning"])
    if not (ra["share"] > 0 and rb["share"] > 0):  # (missing: no stratum to standardise over)
        why = ra["warning"] if pd.isna(ra["share"]) else NO_PERSONS
        return pd.DataFrame([_row(outcome_name, a, b, "rate_ratio", conf_level, **counts,
                                  **dict(meta, warning=why))],
                            columns=COMPARISON_COLUMNS)
    srr = ra["share"] / rb["share"]
    se = math.sqrt(ra["variance"] / ra["share"] ** 2 + rb["variance"] / rb["share"] ** 2)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    p = float(2 * sps.norm.sf(abs(math.log(srr) / se)))
    row = _row(outcome_name, a, b, "rate_ratio", conf_level, estimate=srr,
               ci_low=srr * math.exp(-z * se), ci_high=srr * math.exp(z * se), p_value=p,
               test="Wald-test (log SRR)", **counts, **meta)
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def mantel_haenszel_rate_ratio(table: pd.DataFrame, group: str = "kon",
                               *, levels: Sequence[Hashable],
                               strata: str | Sequence[str], events: str = "events",
                               population: str = "population", outcome_name: str = "andel",
                               conf_level: float = 0.95) -> pd.DataFrame:
    """Mantel–Haenszel rate ratio over ``strata`` with the Greenland–Robins (1985) interval.

    :math:`RR_{MH} = R/S`, :math:`R = \\sum_k d_{ak} N_{bk}/T_k`, :math:`S = \\sum_k d_{bk}
    N_{ak}/T_k`, :math:`T_k = N_{ak} + N_{bk}`, and :math:`\\operatorname{var}(\\ln RR_{MH}) =
    \\sum_k N_{ak} N_{bk} (d_{ak}+d_{bk}) / T_k^2 \\big/ (R S)`. It weights the strata by their
    information rather than by a standard population, and agrees with the standardised ratio
    when the ratio is the same in every stratum.

    Parameters
    ----------
    table : pandas.DataFrame
        A collapsed table: one row per cell with the persons counted and the population they
        come from.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    strata : str or sequence of str
        The stratum column(s) standardised over (e.g. age group).
    events : str, default 'events'
        The column of persons counted (a count ≥ 0).
    population : str, default 'population'
        The column of inhabitants (or person-years).
    outcome_name : str, default 'andel'
        The name written in the ``outcome`` column.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``mh_rate_ratio``, ``adjusted=True``); only
        strata with population in both groups count. NaN with a ``warning`` when a group has no
        persons counted.

    Raises
    ------
    ValueError
        When a count is missing or negative, or a cell with persons has no population.

    References
    ----------
    .. [1] Greenland, S. & Robins, J. M. (1985). Estimation of a common effect parameter from sparse
           follow-up data. Biometrics, 41(1), 55–68.
    .. [2] Rothman, K. J., Greenland, S. & Lash, T. L. (2008). Modern Epidemiology (3rd ed.).
           Philadelphia: Lippincott Williams & Wilkins.
    """
    a, b = levels
    strata = [strata] if isinstance(strata, str) else list(strata)
    _check(table, events, population)
    t = _strata_table(table, group, levels, strata, events, population)
    t = t[(t["n_a"] > 0) & (t["n_b"] > 0)]
    tot = t["n_a"] + t["n_b"]
    r = float((t["d_a"] * t["n_b"] / tot).sum())
    s = float((t["d_b"] * t["n_a"] / tot).sum())
    counts = dict(n_a=float(t["n_a"].sum()), events_a=float(t["d_a"].sum()),
                  n_b=float(t["n_b"].sum()), events_b=float(t["d_b"].sum()))
    meta = dict(adjusted=True, adjusted_for=", ".join(strata), method="Mantel–Haenszel")
    if r <= 0 or s <= 0:
        why = (NO_STRATUM if t.empty else NO_PERSONS)
        return pd.DataFrame([_row(outcome_name, a, b, "mh_rate_ratio", conf_level, **counts, **meta,
                                  warning=why)],
                            columns=COMPARISON_COLUMNS)
    rr = r / s
    var = float((t["n_a"] * t["n_b"] * (t["d_a"] + t["d_b"]) / tot ** 2).sum()) / (r * s)
    se = math.sqrt(var)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    p = float(2 * sps.norm.sf(abs(math.log(rr) / se)))
    row = _row(outcome_name, a, b, "mh_rate_ratio", conf_level, estimate=rr,
               ci_low=rr * math.exp(-z * se), ci_high=rr * math.exp(z * se), p_value=p,
               test="Wald-test (log RR, Mantel–Haenszel)", **counts, **meta)
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def share_compared_with_population(table: pd.DataFrame, group: str = "kon", *, level: Hashable,
                                   by: str | Sequence[str] = (), events: str = "events",
                                   population: str = "population", outcome_name: str | None = None,
                                   conf_level: float = 0.95) -> pd.DataFrame:
    """The share of ``level`` (e.g. women) among the persons counted, against its share among
    the inhabitants, per ``by`` stratum (or overall).

    The clients' share gets Wilson's interval (Wilson 1927; ``proportion_confint``); the
    inhabitants' share is a count of the whole population, not a sample, and is taken as
    known, so the difference (clients − inhabitants, percentage points) has the clients'
    interval shifted by it. Rows are in the comparison layout (``n_a``/``events_a``: persons
    counted and those of ``level``; ``n_b``/``events_b``: inhabitants), with the ``by`` columns
    first and ``share_a``/``share_b`` added.

    Parameters
    ----------
    table : pandas.DataFrame
        A collapsed table: one row per cell with the persons counted and the population they
        come from.
    group : str, default 'kon'
        The group column.
    level : hashable
        Required, no default. The group whose share is compared (e.g. ``"kvinna"``).
    by : str or sequence of str, optional
        Stratum column(s); one row per stratum.
    events : str, default 'events'
        The column of persons counted (a count ≥ 0).
    population : str, default 'population'
        The column of inhabitants (or person-years).
    outcome_name : str, optional
        The name written in the ``outcome`` column (default ``andel_<level>``).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per stratum (or one row): the ``by`` columns, the comparison layout (measure
        ``share_difference_pp``), ``share_a``, ``share_b``, ``share_a_low`` and
        ``share_a_high``.

    Raises
    ------
    ValueError
        When a count is missing or negative, or a cell with persons has no population.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
           inference. Journal of the American Statistical Association, 22(158), 209–212.
    .. [2] Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial
           proportion. Statistical Science, 16(2), 101–133.
    """
    from statsmodels.stats.proportion import proportion_confint

    by = [by] if isinstance(by, str) else list(by)
    _check(table, events, population)
    t = table.assign(_lvl=table[group] == level)
    rows = []
    groups = t.groupby(by, observed=True, sort=True) if by else [((), t)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        na, ea = float(sub[events].sum()), float(sub.loc[sub["_lvl"], events].sum())
        nb, eb = float(sub[population].sum()), float(sub.loc[sub["_lvl"], population].sum())
        row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
        row.update(dict(zip(by, key)))
        row.update(outcome=outcome_name or f"andel_{level}", comparison="klienter − invånare",
                   group_a="klienter", group_b="invanare", measure="share_difference_pp",
                   conf_level=conf_level, adjusted=False, adjusted_for="", test="",
                   method="Wilson (klienterna); invånarnas andel som känd", warning="",
                   n_a=na, events_a=ea, n_b=nb, events_b=eb)
        if na > 0 and nb > 0:
            pa, pb = ea / na, eb / nb
            lo, hi = proportion_confint(ea, na, alpha=1 - conf_level, method="wilson")
            row.update(estimate=100 * (pa - pb), ci_low=100 * (lo - pb), ci_high=100 * (hi - pb),
                       share_a=pa, share_b=pb, share_a_low=lo, share_a_high=hi)
        rows.append(row)
    cols = [*by, *COMPARISON_COLUMNS, "share_a", "share_b", "share_a_low", "share_a_high"]
    return pd.DataFrame(rows).reindex(columns=cols)
