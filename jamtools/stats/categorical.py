"""Categorical outcomes (type of insats, reporter, instrument): the distribution by sex.

Aggregate first: everything is computed from the cross-table of counts (category × group).
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import proportion_confint

from jamtools.data.pseudonym import PERSONS_UP_TO, UNKNOWN_PERSON, person_keys
from jamtools.stats.text import persons_up_to


def crosstab(data: pd.DataFrame, category: str, group: str = "kon", *,
             count: str | None = None) -> pd.DataFrame:
    """Counts per category × group as a wide table (categories as rows, groups as columns).

    ``data`` is row-level (one row per unit) or already counted (``count`` names the column).

    Parameters
    ----------
    data : pandas.DataFrame
        Row-level data (one row per unit), or counts when ``count`` is given.
    category : str
        The categorical column (e.g. type of insats).
    group : str, default 'kon'
        The group column.
    count : str, optional
        A column of counts when ``data`` is already counted.

    Returns
    -------
    pandas.DataFrame
        Counts (floats) with the categories as rows and the groups as columns.

    References
    ----------
    .. [1] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    """
    if count is None:
        table = pd.crosstab(data[category], data[group])
    else:
        table = data.pivot_table(index=category, columns=group, values=count, aggfunc="sum",
                                 fill_value=0, observed=True)
    table.columns.name, table.index.name = group, category
    return table.astype(float)


#: The category :func:`distribution_by_group` gives a missing value with ``missing="category"``.
MISSING = "uppgift_saknas"


def distribution_by_group(data: pd.DataFrame, category: str, group: str = "kon", *,
                          count: str | None = None, conf_level: float = 0.95,
                          missing: Literal["drop", "category"] = "drop",
                          persons: str | None = None) -> pd.DataFrame:
    """Share of each category within each group, with Wilson intervals, and the residuals.

    One row per category × group: ``n`` (the group's total), ``events`` (the count in the
    category), ``share``, ``ci_low``/``ci_high`` (Wilson), and ``adj_residual``: the adjusted
    standardised residual of the cell, :math:`(O - E)/\\sqrt{E(1 - r/N)(1 - c/N)}` (Agresti
    2013, §2.4.5), which is roughly standard normal under independence, so |r| > 2 marks the
    categories where the groups differ most.

    Parameters
    ----------
    data : pandas.DataFrame
        Row-level data (one row per unit), or counts when ``count`` is given.
    category : str
        The categorical column (e.g. type of insats).
    group : str, default 'kon'
        The group column.
    count : str, optional
        A column of counts when ``data`` is already counted.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    missing : {'drop', 'category'}, default 'drop'
        What a unit without a category is: left out (the groups' totals are then the units
        with a category), or counted in the category :data:`MISSING`, so that the groups'
        totals are all their units (a page that shows them beside a count of all units gives
        no small number of blanks back by subtraction).
    persons : str, optional
        The column that identifies the person each unit is about, when a person can have
        several units (a pupil's terms, a child's insatser): ``person_id`` on rows, or the
        persons numbered per cell of a cell table (:data:`jamtools.data.pseudonym.PERSON`).
        The distinct persons of each cell and of each group are then counted
        (:func:`distinct_persons_by`) into :data:`PERSONS_EVENTS` and :data:`PERSONS_N`, for
        :func:`jamtools.disclosure.disclose_distribution`'s ``persons``; the result's ``attrs``
        record the column (:data:`PERSONS_OF`) and a cell table's cap
        (:data:`jamtools.data.pseudonym.PERSONS_UP_TO`).

    Returns
    -------
    pandas.DataFrame
        One row per category and group: ``category``, ``group``, ``n``, ``events``, ``share``,
        ``ci_low``, ``ci_high``, ``adj_residual``, ``method``, ``conf_level`` (and, with
        ``persons``, :data:`PERSONS_EVENTS` and :data:`PERSONS_N`: counts, never shown). Empty
        (with these columns) when there are no data.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
           inference. Journal of the American Statistical Association, 22(158), 209–212.
    .. [2] Haberman, S. J. (1973). The analysis of residuals in cross-classified tables. Biometrics,
           29(1), 205–220.
    .. [3] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    """
    if missing == "category":
        data = data.assign(**{category: data[category].astype(object).where(data[category].notna(), MISSING)})
    elif missing != "drop":
        raise ValueError(f"missing ska vara 'drop' eller 'category', inte {missing!r}.")
    table = crosstab(data, category, group, count=count)
    if missing == "category" and MISSING in table.index:   # the blanks last
        table = table.reindex([*[c for c in table.index if c != MISSING], MISSING])
    if table.empty:
        out = pd.DataFrame(columns=[category, group, "n", "events", "share", "ci_low", "ci_high",
                                    "adj_residual", "method", "conf_level",
                                    *((PERSONS_EVENTS, PERSONS_N) if persons else ())])
        return _counted_by(out, data, persons)
    resid = Table(table.to_numpy().copy()).standardized_resids if table.shape[0] > 1 and table.shape[1] > 1 \
        else np.full(table.shape, np.nan)
    rows = []
    totals = table.sum(axis=0)
    for i, cat in enumerate(table.index):
        for j, grp in enumerate(table.columns):
            n, k = float(totals[grp]), float(table.loc[cat, grp])
            lo, hi = proportion_confint(k, n, alpha=1 - conf_level, method="wilson") if n else (np.nan, np.nan)
            rows.append({category: cat, group: grp, "n": n, "events": k,
                         "share": k / n if n else np.nan, "ci_low": lo, "ci_high": hi,
                         "adj_residual": float(resid[i, j]), "method": "wilson",
                         "conf_level": conf_level})
    out = pd.DataFrame(rows)
    if persons is not None:
        # the units the table counts: a category (missing="drop" leaves blanks out), a group
        counted = data[data[category].notna() & data[group].notna()]
        if not pd.api.types.is_numeric_dtype(counted[persons]):
            # one key per person however the id is written, found once for both counts (each
            # distinct id costs a Python call); a missing id is no known person
            codes = pd.factorize(person_keys(counted[persons]))[0]
            counted = counted.assign(**{persons: np.where(codes < 0, UNKNOWN_PERSON, codes)})
        cells = distinct_persons_by(counted, [category, group], persons, count=count)
        groups = distinct_persons_by(counted, [group], persons, count=count)
        at_cell = [cells.get((c, g), 0) for c, g in zip(out[category], out[group])]
        at_group = [groups.get(g, 0) for g in out[group]]
        # a count whose persons could not be matched to it is taken as one person's (safe side)
        out[PERSONS_EVENTS] = [p if p or not k else 1 for p, k in zip(at_cell, out["events"])]
        out[PERSONS_N] = [p if p or not k else 1 for p, k in zip(at_group, out["n"])]
    return _counted_by(out, data, persons)


#: The columns of :func:`distribution_by_group` with ``persons``: the distinct persons of a
#: cell (its ``events``) and of its group (its ``n``); :data:`PERSONS_EVENTS` is
#: :data:`jamtools.disclosure.PERSONS_EVENTS`' name.
PERSONS_EVENTS, PERSONS_N = "persons_events", "persons_n"
#: The key of a distribution's ``attrs`` that names the column its persons were counted from.
PERSONS_OF = "persons_of"


def _counted_by(out: pd.DataFrame, data: pd.DataFrame, persons: str | None) -> pd.DataFrame:
    """``out`` with ``attrs`` recording the column ``persons`` and its cap (if any)."""
    if persons is not None:
        out.attrs[PERSONS_OF] = persons
        cap = persons_up_to(data, persons)
        if cap is not None:
            out.attrs[PERSONS_UP_TO] = {persons: cap}
    return out


def distinct_persons(values: pd.Series) -> int:
    """The distinct persons of ``values``, the fewest there can be.

    The known persons; rows of no known person (a missing id, or
    :data:`~jamtools.data.pseudonym.UNKNOWN_PERSON` among numbered persons) may be persons
    already counted and add none, but are one person where no person is known.

    Parameters
    ----------
    values : pandas.Series
        The persons of some units: ids (one form per person, see
        :func:`jamtools.data.pseudonym.person_keys`) or numbered persons.

    Returns
    -------
    int

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S.,
           Spicer, K. & de Wolf, P.-P. (2012). Statistical Disclosure Control. Chichester:
           Wiley. Ch. 5 (the threshold rule on the contributors to a cell).
    """
    known = values.dropna()
    if pd.api.types.is_numeric_dtype(known):
        known = known[known != UNKNOWN_PERSON]
    return int(known.nunique() or len(values) > 0)


def distinct_persons_by(data: pd.DataFrame, keys: list[str], persons: str, *,
                        count: str | None = None) -> dict:
    """The distinct persons (:func:`distinct_persons`) of each combination of ``keys``.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows, or a cell table with ``count`` (rows of no units are no one's).
    keys : list of str
        The columns of a cell (e.g. category and sex).
    persons : str
        The column that identifies the persons: ids (an id written two ways is one person,
        :func:`jamtools.data.pseudonym.person_keys`) or persons numbered per cell.
    count : str, optional
        The column of units per row of a cell table.

    Returns
    -------
    dict
        Key (a value, or a tuple of values for several ``keys``) -> distinct persons; a
        combination without units is absent.

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S.,
           Spicer, K. & de Wolf, P.-P. (2012). Statistical Disclosure Control. Chichester:
           Wiley. Ch. 5 (the threshold rule on the contributors to a cell).
    """
    if persons not in data.columns:
        raise ValueError(f"The persons of {persons!r} are counted from a column the data do not have.")
    if count is not None:
        data = data[pd.to_numeric(data[count], errors="coerce").fillna(0).to_numpy() > 0]
    who = data[persons]
    if not pd.api.types.is_numeric_dtype(who):  # (numbered persons: one form each)
        who = person_keys(who)
    by = [data[k].to_numpy() for k in keys]
    counted = pd.Series(np.asarray(who), index=data.index).groupby(
        by if len(keys) > 1 else by[0], dropna=True, sort=False).agg(distinct_persons)
    return {k: int(v) for k, v in counted.items()}


def independence_test(data: pd.DataFrame, category: str, group: str = "kon", *,
                      count: str | None = None) -> pd.DataFrame:
    """Chi-square test of independence between category and group, with Cramér's V.

    :math:`V = \\sqrt{\\chi^2 / (N (\\min(r, c) - 1))}` (Cramér 1946). For a 2 × 2 table with
    an expected count below 5, Fisher's exact test is used instead of the chi-square test.
    Returns one row in the library's comparison layout (measure ``cramers_v``).

    Parameters
    ----------
    data : pandas.DataFrame
        Row-level data (one row per unit), or counts when ``count`` is given.
    category : str
        The categorical column (e.g. type of insats).
    group : str, default 'kon'
        The group column.
    count : str, optional
        A column of counts when ``data`` is already counted.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout: ``estimate`` is Cramér's V and ``p_value`` the test's
        p-value. With fewer than two categories or groups the estimate is NaN and ``warning``
        says why.

    References
    ----------
    .. [1] Pearson, K. (1900). On the criterion that a given system of deviations from the probable
           in the case of a correlated system of variables is such that it can be reasonably
           supposed to have arisen from random sampling. Philosophical Magazine, Series 5, 50(302),
           157–175.
    .. [2] Cramér, H. (1946). Mathematical Methods of Statistics. Princeton, NJ: Princeton
           University Press.
    .. [3] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    """
    table = crosstab(data, category, group, count=count)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    groups = list(table.columns)
    row = {"outcome": category, "comparison": " / ".join(map(str, groups)),
           "group_a": str(groups[0]) if groups else "", "group_b": str(groups[1]) if len(groups) > 1 else "",
           "measure": "cramers_v", "ci_low": np.nan, "ci_high": np.nan, "adjusted": False,
           "adjusted_for": "", "method": "Cramérs V", "mdd_pp": np.nan, "warning": "",
           "n_a": float(table.iloc[:, 0].sum()) if groups else np.nan,
           "n_b": float(table.iloc[:, 1].sum()) if len(groups) > 1 else np.nan,
           "events_a": np.nan, "events_b": np.nan, "conf_level": np.nan}
    if table.shape[0] < 2 or table.shape[1] < 2:
        row.update(estimate=np.nan, p_value=np.nan, test="",
                   warning="För få kategorier eller grupper för ett test.")
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    chi2, p, dof, expected = sps.chi2_contingency(table.to_numpy(), correction=False)
    test = f"chi-två-test ({dof} frihetsgrader)"
    if table.shape == (2, 2) and (expected < 5).any():
        p, test = sps.fisher_exact(table.to_numpy().astype(int))[1], "Fishers exakta test"
    elif (expected < 5).mean() > 0.2:
        row["warning"] = "Mer än 20 % av cellerna har förväntat antal under 5; tolka p-värdet försiktigt."
    obs = table.to_numpy()
    if np.allclose(obs, np.rint(obs)):
        v = association(np.rint(obs).astype(int), method="cramer", correction=False)
    else:  # weighted counts: the same definition from the chi-square statistic
        v = np.sqrt(chi2 / (obs.sum() * (min(obs.shape) - 1)))
    row.update(estimate=float(v), p_value=float(p), test=test)
    return pd.DataFrame([row])


def dissimilarity_index(data: pd.DataFrame, category: str, group: str = "kon",
                        *, levels: Sequence[Hashable],
                        count: str | None = None, conf_level: float = 0.95, n_boot: int = 2000,
                        seed: int = 0) -> pd.DataFrame:
    """Index of dissimilarity (segregation) between two groups over the categories.

    :math:`D = \\tfrac12 \\sum_i |a_i/A - b_i/B|` (Duncan & Duncan 1955): the share of one
    group that would have to change category for the two distributions to be equal (0 = the
    same distribution, 1 = no category in common). The sample D is biased upwards, the more so
    the smaller the groups and the more categories (Allen, Burgess, Davidson & Windmeijer
    2015), and a percentile bootstrap around it covers the true D far too seldom near no
    segregation. Therefore the interval inverts a parametric bootstrap test (Efron &
    Tibshirani 1993; Carrington & Troske 1997 for simulating D under no
    segregation): along the family of distributions that runs from the pooled distribution
    (no segregation) through the observed ones, the lower bound is the D under which the
    observed D sits at the upper ``alpha/2`` point of its simulated distribution, the upper
    bound the D under which it sits at the lower ``alpha/2`` point, and ``estimate`` the
    (median-unbiased) D under which it is the median. Each simulation redraws the two groups'
    counts from multinomial distributions (aggregate first: no row-level data are needed;
    memory ``n_boot`` × categories). The lower bound is 0 when the observed D is no larger
    than no segregation often gives; ``warning`` then says so. An observed D below the median
    under no segregation gets the upper bound of that median (never the interval [0, 0]).
    Coverage is checked by
    simulation in ``tests/stats/test_dissimilarity_coverage.py``.

    Parameters
    ----------
    data : pandas.DataFrame
        Row-level data (one row per unit), or counts when ``count`` is given.
    category : str
        The categorical column (e.g. type of insats).
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``, in the order of ``n_a`` /
        ``n_b`` and of the label ``"a / b"``; the index itself is symmetric in them.
    count : str, optional
        A column of counts when ``data`` is already counted.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 2000
        Number of simulated tables per evaluation of the test.
    seed : int, default 0
        Seed of the random number generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``dissimilarity_index``): ``estimate`` is the
        median-unbiased D, ``ci_low``/``ci_high`` the test-inversion interval, and ``d_naive``
        the sample D. When a group is missing the estimate is NaN and ``warning`` says why.

    References
    ----------
    .. [1] Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes.
           American Sociological Review, 20(2), 210–217.
    .. [2] Carrington, W. J. & Troske, K. R. (1997). On measuring segregation in samples with
           small units. Journal of Business & Economic Statistics, 15(4), 402–409.
    .. [3] Allen, R., Burgess, S., Davidson, R. & Windmeijer, F. (2015). More reliable inference for
           the dissimilarity index of segregation. The Econometrics Journal, 18(1), 40–66.
    .. [4] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    """
    a, b = levels
    table = crosstab(data, category, group, count=count).reindex(columns=[a, b], fill_value=0)
    ca, cb = table[a].to_numpy(float), table[b].to_numpy(float)
    A, B = ca.sum(), cb.sum()
    base = {"outcome": category, "comparison": f"{a} / {b}", "group_a": a, "group_b": b,
            "measure": "dissimilarity_index", "adjusted": False, "adjusted_for": "",
            "method": "Duncan & Duncan; intervall genom inverterat bootstraptest",
            "p_value": np.nan, "test": "",
            "n_a": float(A), "n_b": float(B), "events_a": np.nan, "events_b": np.nan,
            "mdd_pp": np.nan, "conf_level": conf_level, "warning": ""}
    if A == 0 or B == 0:
        base.update(estimate=np.nan, ci_low=np.nan, ci_high=np.nan, d_naive=np.nan,
                    warning="En av grupperna saknas; indexet kan inte beräknas.")
        warnings.warn(base["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([base])
    low, estimate, high = _dissimilarity_inverted(ca, cb, conf_level=conf_level, n_boot=n_boot,
                                                  seed=seed)
    base.update(estimate=estimate, ci_low=low, ci_high=high,
                d_naive=float(_dissimilarity(ca / A, cb / B)))
    base["warning"] = _low_warning(ca, cb, low)
    return pd.DataFrame([base])


LOW_AT_ZERO = ("Skillnaden mellan fördelningarna är inte större än vad slumpen ofta ger med så "
               "här små grupper, så intervallet börjar vid noll: det går inte att säga att "
               "fördelningarna skiljer sig åt, och indexets storlek är mycket osäker.")
#: The warning when every unit of both groups is in one category: the index is 0 by definition.
ONE_CATEGORY = ("Alla i båda grupperna finns i samma kategori, så fördelningarna kan inte skilja "
                "sig åt: indexet är 0.")


def _low_warning(ca, cb, low: float) -> str:
    """The warning of an index whose interval starts at 0: one category only, or small groups."""
    if int(np.count_nonzero(np.asarray(ca) + np.asarray(cb))) <= 1:
        return ONE_CATEGORY
    return LOW_AT_ZERO if low == 0 else ""


# --- segregation: the dissimilarity index by period, bias-corrected, and its change -------

def _dissimilarity(pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """D for shares ``pa``/``pb`` along the last axis."""
    return 0.5 * np.abs(pa - pb).sum(axis=-1)


def _dissimilarity_path(ca: np.ndarray, cb: np.ndarray):
    """The one-parameter family of group distributions through the observed ones.

    ``at(lam)`` gives the two groups' shares :math:`\\bar p + \\lambda(\\hat p_g - \\bar p)`
    (clipped at 0 and renormalised), with :math:`\\bar p` the pooled shares: ``lam = 0`` is
    no segregation, ``lam = 1`` the observed distributions, and D grows with ``lam``. When the
    observed D is 0 the direction is moving shares out of the largest category.
    """
    A, B = ca.sum(), cb.sum()
    pooled = (ca + cb) / (A + B)
    da, db = ca / A - pooled, cb / B - pooled
    if not np.abs(da - db).sum() > 0:
        direction = -pooled.copy()
        direction[np.argmax(pooled)] += 1.0
        da, db = direction / 2, -direction / 2

    def at(lam: float) -> tuple[np.ndarray, np.ndarray]:
        xa, xb = np.clip(pooled + lam * da, 0, None), np.clip(pooled + lam * db, 0, None)
        return xa / xa.sum(), xb / xb.sum()
    return at


def _below_as_negative(x: float) -> float:
    """``x``, with 0 and below moved strictly below 0 (a root-finder's sign for "not above")."""
    return x if x > 0 else x - 1e-9


def _dissimilarity_inverted(ca: np.ndarray, cb: np.ndarray, *, conf_level: float, n_boot: int,
                            seed: int, tol: float = 1e-3) -> tuple[float, float, float]:
    """Interval and median-unbiased estimate of D by inverting a parametric bootstrap test.

    Along :func:`_dissimilarity_path`, the bounds are the D of the distributions under which
    a simulated D at least as large as the observed (lower bound), or at most as large (upper
    bound), has probability ``alpha/2``; the estimate is the D under which the observed is the
    median (mid-p: ties count half). Tail probabilities rather than quantiles, because D takes
    few values in small groups and the observed one is often hit exactly. Each evaluation draws
    ``n_boot`` tables of counts (memory ``n_boot`` × categories) with the same seed, so the
    probabilities change smoothly along the path. A bound is 0 when the observed D is within
    what no segregation gives. The roots are found to about ``tol`` on the scale of D.

    Returns
    -------
    tuple of float
        ``(low, estimate, high)``.
    """
    A, B = int(round(ca.sum())), int(round(cb.sum()))
    d_obs = float(_dissimilarity(ca / ca.sum(), cb / cb.sum()))
    if ((ca + cb) > 0).sum() < 2:  # one category: D is 0 by definition
        return 0.0, 0.0, 0.0
    at = _dissimilarity_path(ca, cb)

    def d_at(lam: float) -> float:
        return float(_dissimilarity(*at(lam)))

    alpha = 1 - conf_level
    sims: dict[float, np.ndarray] = {}

    def sim(lam: float) -> np.ndarray:
        if lam not in sims:  # one simulation per point of the path serves all three searches
            rng = np.random.default_rng(seed)
            xa, xb = at(lam)
            sims[lam] = _dissimilarity(rng.multinomial(A, xa, size=n_boot) / A,
                                       rng.multinomial(B, xb, size=n_boot) / B)
        return sims[lam]

    # Tail probabilities, not quantiles: D takes few values in small groups, and the observed D
    # is often one the simulations hit exactly (every 13 girls and 4 boys on instruments of their
    # own is D = 1 whatever the true D near 1). A quantile equal to it would reject every D on
    # the path, and the interval was [1, 1]. Values within 1e-9 are the same D.
    eps = 1e-9

    def at_least(x: float):  # P(D ≥ x): grows along the path
        return lambda lam: float(np.mean(sim(lam) >= x - eps))

    def more_than(x: float):  # P(D > x): grows along the path
        return lambda lam: float(np.mean(sim(lam) > x + eps))

    def mid_above(x: float):  # P(D > x) + P(D = x) / 2 (mid-p): grows along the path
        return lambda lam: float(np.mean(sim(lam) > x + eps) + 0.5 * np.mean(np.abs(sim(lam) - x) <= eps))

    def crossing(tail, level: float) -> float:
        """The D along the path where ``tail`` first exceeds ``level``: 0 when it does at no
        segregation already, 1 when it never does."""
        if tail(0.0) > level:
            return 0.0
        lo, hi = 0.0, 1.0
        while tail(hi) <= level and d_at(hi) < 1 - 1e-9 and hi < 2 ** 30:  # bracket
            lo, hi = hi, 2 * hi
        if tail(hi) <= level:
            return 1.0
        # D(lam) is about lam × D(1) before any share is clipped: ``tol`` on the scale of D
        lam = optimize.brentq(lambda x: _below_as_negative(tail(x) - level), lo, hi,
                              xtol=tol / d_at(1.0))
        return d_at(lam)

    # The lower bound: the least D under which a D as large as the observed is not rarer than
    # alpha/2. The upper bound: the largest D under which one as small is not rarer than alpha/2
    # (an observed D below the median under no segregation counts as that median, else data
    # more alike than chance gives would get the interval [0, 0]). The estimate: the D under
    # which the observed is the median (mid-p).
    low = crossing(at_least(d_obs), alpha / 2)
    estimate = crossing(mid_above(d_obs), 0.5)
    high = crossing(more_than(max(d_obs, float(np.median(sim(0.0))))), 1 - alpha / 2)
    return low, estimate, high


def _counts_ab(data: pd.DataFrame, category: str, group: str, levels, count, categories=None):
    a, b = levels
    table = crosstab(data, category, group, count=count).reindex(columns=[a, b], fill_value=0)
    if categories is not None:
        table = table.reindex(categories, fill_value=0)
    return table[a].to_numpy(float), table[b].to_numpy(float)


def _dissimilarity_boot(ca: np.ndarray, cb: np.ndarray, rng: np.random.Generator, n_boot: int):
    """Parametric bootstrap of D: each group's counts redrawn from its own multinomial."""
    A, B = int(ca.sum()), int(cb.sum())
    return _dissimilarity(rng.multinomial(A, ca / A, size=n_boot) / A,
                          rng.multinomial(B, cb / B, size=n_boot) / B)


def _dissimilarity_row(ca, cb, *, category, levels, conf_level, n_boot, rng, seed=0) -> dict:
    a, b = levels
    A, B = float(ca.sum()), float(cb.sum())
    row = dict.fromkeys(["outcome", "comparison", "group_a", "group_b", "measure", "estimate",
                         "ci_low", "ci_high", "conf_level", "p_value", "test", "n_a", "events_a",
                         "n_b", "events_b", "adjusted", "adjusted_for", "method", "mdd_pp",
                         "warning"], np.nan)
    row.update(outcome=category, comparison=f"{a} / {b}", group_a=a, group_b=b,
               measure="dissimilarity_index", conf_level=conf_level, test="", n_a=A, n_b=B,
               adjusted=False, adjusted_for="", warning="",
               method="Duncan & Duncan; intervall genom inverterat bootstraptest",
               d_naive=np.nan, d_random=np.nan, bias=np.nan)
    if A == 0 or B == 0:
        row["warning"] = "En av grupperna saknas; indexet kan inte beräknas."
        return row
    d = float(_dissimilarity(ca / A, cb / B))
    low, estimate, high = _dissimilarity_inverted(ca, cb, conf_level=conf_level, n_boot=n_boot,
                                                  seed=seed)
    pooled = (ca + cb) / (A + B)
    random_d = _dissimilarity(rng.multinomial(int(A), pooled, size=n_boot) / A,
                              rng.multinomial(int(B), pooled, size=n_boot) / B)
    row.update(estimate=estimate, ci_low=low, ci_high=high, d_naive=d, bias=d - estimate,
               d_random=float(random_d.mean()))
    row["warning"] = _low_warning(ca, cb, low)
    return row


def dissimilarity_by_period(data: pd.DataFrame, category: str, period: str | None = None,
                            group: str = "kon", *, levels: Sequence[Hashable],
                            count: str | None = None, conf_level: float = 0.95,
                            n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The index of dissimilarity per period, with an interval that keeps its level.

    :math:`D = \\tfrac12 \\sum_i |a_i/A - b_i/B|` (Duncan & Duncan 1955) is computed for each
    value of ``period`` (all rows when ``period`` is None), as :func:`dissimilarity_index` does
    it: D is biased upwards (Allen, Burgess, Davidson & Windmeijer 2015), so per period

    - ``d_naive`` is the plain D and ``bias`` its distance to the estimate;
    - ``estimate`` is the median-unbiased D and ``ci_low``/``ci_high`` the interval from the
      inverted parametric bootstrap test of :func:`dissimilarity_index` (coverage checked by
      simulation; a percentile interval around the biased D covers far too seldom near no
      segregation); when the lower bound is 0, ``warning`` says in words that the groups cannot
      be told apart;
    - ``d_random`` is the mean D when both groups draw from their pooled distribution with
      their own sizes: what chance alone gives with no systematic difference (a benchmark).

    Returns one row per period in the comparison layout (measure ``dissimilarity_index``),
    with the period in column ``period`` and in ``comparison`` (``"flicka / pojke, 2024"``).
    A categorical ``period`` keeps its category order.

    Parameters
    ----------
    data : pandas.DataFrame
        Row-level data (one row per unit), or counts when ``count`` is given.
    category : str
        The categorical column (e.g. type of insats).
    period : str, optional
        The period column; None computes one index over all rows.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``, in the order of ``n_a`` /
        ``n_b`` and of the label ``"a / b"``; the index itself is symmetric in them.
    count : str, optional
        A column of counts when ``data`` is already counted.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 2000
        Number of bootstrap replicates.
    seed : int, default 0
        Seed of the random number generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        One row per period in the comparison layout, with ``d_naive``, ``d_random``, ``bias``
        and (when ``period`` is given) ``period``; no rows, but every column, when there are no
        data.

    References
    ----------
    .. [1] Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes.
           American Sociological Review, 20(2), 210–217.
    .. [2] Allen, R., Burgess, S., Davidson, R. & Windmeijer, F. (2015). More reliable inference for
           the dissimilarity index of segregation. The Econometrics Journal, 18(1), 40–66.
    .. [3] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    """
    rng = np.random.default_rng(seed)
    a, b = levels
    rows = data[data[group].isin(levels)]
    categories = list(crosstab(rows, category, group, count=count).index)
    parts = [(None, rows)] if period is None else \
        list(rows.groupby(period, observed=True, sort=True))
    out = []
    for value, sub in parts:
        ca, cb = _counts_ab(sub, category, group, levels, count, categories)
        row = _dissimilarity_row(ca, cb, category=category, levels=levels, conf_level=conf_level,
                                 n_boot=n_boot, rng=rng, seed=seed)
        if period is not None:
            row["period"] = value
            row["comparison"] = f"{a} / {b}, {value}"
        if row["warning"] and "saknas" in row["warning"]:
            warnings.warn(f"{row['comparison']}: {row['warning']}", UserWarning, stacklevel=2)
        out.append(row)
    if not out:  # no rows in any period: no row, but every column (for disclosure and tables)
        ca, cb = _counts_ab(rows, category, group, levels, count, categories)
        empty = _dissimilarity_row(ca, cb, category=category, levels=levels,
                                   conf_level=conf_level, n_boot=n_boot, rng=rng)
        return pd.DataFrame(columns=[*empty, "period"])
    return pd.DataFrame(out)


def dissimilarity_change(data: pd.DataFrame, category: str, period: str, after: Any,
                         group: str = "kon", *, levels: Sequence[Hashable],
                         count: str | None = None, conf_level: float = 0.95, n_boot: int = 2000,
                         n_perm: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Did segregation change? The dissimilarity index after minus before ``after``.

    Rows with ``period >= after`` form the "after" phase, the others the "before" phase.

    - ``estimate``: the bias-corrected change :math:`2\\Delta - \\bar\\Delta^*`, where
      :math:`\\Delta = D_{\\text{efter}} - D_{\\text{före}}` and :math:`\\Delta^*` are
      parametric bootstrap replicates (the four group × phase counts redrawn independently,
      as in :func:`dissimilarity_by_period`); ``d_before``/``d_after`` are the two
      bias-corrected indices;
    - ``ci_low``/``ci_high``: the percentile interval of :math:`\\Delta^*`, shifted by the bias.
      NaN, with ``warning`` saying why in words, when a phase's replicates (almost) do not vary
      (their central range is below :data:`NO_SPREAD`) while its own index is uncertain (its
      interval from :func:`dissimilarity_index` is at least :data:`UNCERTAIN_WIDTH` wide): with
      no category in common (D = 1) every redrawn table has D = 1 however few the units (a
      category without a group's units stays empty), so the interval leaves that phase's
      uncertainty out ([0, 0] when both phases are so); D = 1 is the edge of the parameter
      space, where the bootstrap is known to fail (Andrews 2000). The estimate and the p-value
      are kept;
    - ``p_value``: a permutation test of the hypothesis that each group's distribution is the
      same in both phases: within each group the phase labels are reshuffled (a multivariate
      hypergeometric split of the group's counts with the phase sizes kept) ``n_perm`` times,
      and p is the share of reshuffles with :math:`|\\Delta| \\ge |\\Delta_{obs}|`, as
      :math:`(k + 1)/(n_{perm} + 1)` (Phipson & Smyth 2010). The reshuffles keep the group
      sizes of each phase, so the small-sample bias of D is the same under the hypothesis.

    Returns one row in the comparison layout (measure ``dissimilarity_change``).

    Parameters
    ----------
    data : pandas.DataFrame
        Row-level data (one row per unit), or counts when ``count`` is given.
    category : str
        The categorical column (e.g. type of insats).
    period : str
        The period column.
    after : scalar
        The first period of the "after" phase: rows with ``period >= after`` are after, the
        others before.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``, in the order of ``n_a`` /
        ``n_b`` and of the label ``"a / b"``; the index itself is symmetric in them.
    count : str, optional
        A column of counts when ``data`` is already counted.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 2000
        Number of bootstrap replicates.
    n_perm : int, default 2000
        Number of permutations for the p-value.
    seed : int, default 0
        Seed of the random number generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``dissimilarity_change``) with ``d_before``
        and ``d_after``. When a group is missing in a phase the estimate is NaN and ``warning``
        says why; when the bootstrap cannot vary (see ``ci_low``/``ci_high`` above) the
        interval is NaN, ``warning`` says why, and a ``UserWarning`` is issued.

    References
    ----------
    .. [1] Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes.
           American Sociological Review, 20(2), 210–217.
    .. [2] Allen, R., Burgess, S., Davidson, R. & Windmeijer, F. (2015). More reliable inference for
           the dissimilarity index of segregation. The Econometrics Journal, 18(1), 40–66.
    .. [3] Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be zero: calculating
           exact p-values when permutations are randomly drawn. Statistical Applications in Genetics
           and Molecular Biology, 9(1), Article 39.
    .. [4] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    .. [5] Andrews, D. W. K. (2000). Inconsistency of the bootstrap when a parameter is on the
           boundary of the parameter space. Econometrica, 68(2), 399–405.
    """
    a, b = levels
    rng = np.random.default_rng(seed)
    rows = data[data[group].isin(levels)]
    categories = list(crosstab(rows, category, group, count=count).index)
    is_after = rows[period] >= after
    (ca0, cb0), (ca1, cb1) = (_counts_ab(rows[~is_after], category, group, levels, count, categories),
                              _counts_ab(rows[is_after], category, group, levels, count, categories))
    row = dict.fromkeys(["outcome", "comparison", "group_a", "group_b", "measure", "estimate",
                         "ci_low", "ci_high", "conf_level", "p_value", "test", "n_a", "events_a",
                         "n_b", "events_b", "adjusted", "adjusted_for", "method", "mdd_pp",
                         "warning"], np.nan)
    row.update(outcome=category, comparison=f"{a} / {b}, efter − före {after}", group_a=a,
               group_b=b, measure="dissimilarity_change", conf_level=conf_level,
               test="permutationstest (perioden blandas inom varje kön)", adjusted=False,
               adjusted_for="", warning="", n_a=float(ca0.sum() + ca1.sum()),
               n_b=float(cb0.sum() + cb1.sum()),
               method="skillnad i olikhetsindex; biaskorrigerad bootstrap",
               d_before=np.nan, d_after=np.nan)
    if min(ca0.sum(), cb0.sum(), ca1.sum(), cb1.sum()) == 0:
        row["warning"] = "En av grupperna saknas i en av perioderna; förändringen kan inte beräknas."
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    d0 = float(_dissimilarity(ca0 / ca0.sum(), cb0 / cb0.sum()))
    d1 = float(_dissimilarity(ca1 / ca1.sum(), cb1 / cb1.sum()))
    boot0, boot1 = _dissimilarity_boot(ca0, cb0, rng, n_boot), _dissimilarity_boot(ca1, cb1, rng, n_boot)
    change, boot = d1 - d0, boot1 - boot0
    bias = float(boot.mean() - change)
    alpha = 1 - conf_level
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    # Permutation: within each group, split its pooled counts into phases of the observed sizes.
    perm = {}
    for side, (c0, c1) in {"a": (ca0, ca1), "b": (cb0, cb1)}.items():
        total = (c0 + c1).astype(np.int64)
        first = rng.multivariate_hypergeometric(total, int(c0.sum()), size=n_perm)
        perm[side] = (first / c0.sum(), (total - first) / c1.sum())
    null = _dissimilarity(perm["a"][1], perm["b"][1]) - _dissimilarity(perm["a"][0], perm["b"][0])
    k = int((np.abs(null) >= abs(change) - 1e-12).sum())
    row.update(estimate=change - bias, ci_low=float(lo - bias), ci_high=float(hi - bias),
               p_value=(k + 1) / (n_perm + 1),
               d_before=max(d0 - float(boot0.mean() - d0), 0.0),
               d_after=max(d1 - float(boot1.mean() - d1), 0.0))
    # A phase whose replicates cannot vary while its own index is uncertain: the percentile
    # interval would show none of that uncertainty (D = 1 in 9 + 7 pupils gave "0,00 till 0,00").
    stuck = [(label, counts) for label, counts, reps in
             ((f"före {after}", (ca0, cb0), boot0), (f"från {after}", (ca1, cb1), boot1))
             if _no_spread(reps, *counts, conf_level=conf_level, n_boot=n_boot, seed=seed)]
    if stuck:
        row.update(ci_low=np.nan, ci_high=np.nan, warning=_no_spread_warning(stuck))
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
    return pd.DataFrame([row])


#: The 95 % range of a phase's bootstrap replicates of D below which they do not vary: half the
#: last digit of an index shown with two decimals.
NO_SPREAD = 0.005
#: The width of a phase's own index interval (:func:`dissimilarity_index`) from which the index
#: is uncertain (the data are small): a range of replicates below :data:`NO_SPREAD` then hides it.
UNCERTAIN_WIDTH = 0.01


def _no_spread(reps: np.ndarray, ca: np.ndarray, cb: np.ndarray, *, conf_level: float,
               n_boot: int, seed: int) -> bool:
    """Whether a phase's bootstrap replicates of D (almost) do not vary while its index is
    uncertain: their central ``conf_level`` range is below :data:`NO_SPREAD` and the phase's own
    interval (the inverted test of :func:`dissimilarity_index`) is at least
    :data:`UNCERTAIN_WIDTH` wide. Redrawing counts from the observed shares keeps a category
    without a group's units empty, so with no category in common (D = 1) or every unit in one
    category (D = 0) every replicate is the observed D, however few the units."""
    alpha = 1 - conf_level
    lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
    if hi - lo >= NO_SPREAD:
        return False
    low, _, high = _dissimilarity_inverted(ca, cb, conf_level=conf_level, n_boot=n_boot, seed=seed)
    return high - low >= UNCERTAIN_WIDTH


def _no_spread_reason(ca: np.ndarray, cb: np.ndarray) -> str:
    """Why a phase's replicates do not vary, as the end of a Swedish clause. (Every unit in one
    category is D = 0 by definition, with the interval [0, 0]: never uncertain.)"""
    if not ((ca > 0) & (cb > 0)).any():
        return "finns var och en i båda grupperna i en kategori som ingen i den andra gruppen har"
    return "är grupperna så olika fördelade att indexet nästan inte ändras när data dras om"


def _no_spread_warning(stuck: list) -> str:
    """The warning of a change without an interval: which phases, and why, in Swedish."""
    reasons = [(label, _no_spread_reason(*counts)) for label, counts in stuck]
    if len(reasons) == 2 and reasons[0][1] == reasons[1][1]:
        where = f"både {reasons[0][0]} och {reasons[1][0]} {reasons[0][1]}"
    else:
        where = " och ".join(f"{label} {why}" for label, why in reasons)
    return (f"Förändringen kan inte ges något konfidensintervall: {where}, så att dra om data "
            "(bootstrap) ger samma index varje gång och kan inte visa hur osäker förändringen är. "
            "Osäkerheten syns i stället i indexets intervall för varje period.")
