"""Binary outcomes: shares by sex with intervals, crude and adjusted differences.

Every function takes a collapsed table (columns ``n`` and ``events`` per cell, see
:func:`jamtools.stats.aggregate.collapse`) or row-level data with ``outcome=``, and returns a
tidy DataFrame. Comparisons are always ``a − b`` for the levels given.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from scipy import stats as sps

from jamtools.stats.design import COINCIDES, identified, indicators
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from jamtools.stats.aggregate import collapse, complete_cells

COMPARISON_COLUMNS = ["outcome", "comparison", "group_a", "group_b", "measure", "estimate",
                      "ci_low", "ci_high", "conf_level", "p_value", "test", "n_a", "events_a",
                      "n_b", "events_b", "adjusted", "adjusted_for", "method", "mdd_pp", "warning"]
_METHODS = {"wilson": "wilson", "clopper-pearson": "beta"}
#: Why a risk ratio has no estimate: no one in the reference group has the outcome.
RATIO_NOT_COMPUTED = "ingen i jämförelsegruppen har utfallet; kvoten kan inte beräknas"
#: The intervals :func:`share_by_group` gives (the keys of ``_METHODS``).
ShareMethod = Literal["wilson", "clopper-pearson"]


def _counts(data, group, outcome, extra=()):
    cols = [group, *extra]
    if outcome is not None:
        data = collapse(data, outcome, cols)
    return data.groupby(cols, observed=True, dropna=False)[["n", "events"]].sum().reset_index()


def share_by_group(data: pd.DataFrame, group: str = "kon", *, outcome: str | None = None,
                   by: str | Sequence[str] = (), conf_level: float = 0.95,
                   method: ShareMethod = "wilson",
                   cell_levels: Mapping[str, Sequence] | None = None) -> pd.DataFrame:
    """Share with the outcome per group (and per ``by`` stratum), with a confidence interval.

    The Wilson score interval (Wilson 1927) is the default: it keeps its coverage near the
    nominal level for small n and shares near 0 or 1, where the Wald interval fails (Brown, Cai
    & DasGupta 2001). ``method="clopper-pearson"`` gives the exact (conservative) interval.

    .. math:: \\frac{\\hat p + \\frac{z^2}{2n} \\pm z\\sqrt{\\frac{\\hat p(1-\\hat p)}{n} + \\frac{z^2}{4n^2}}}{1 + z^2/n}

    Parameters
    ----------
    data : pandas.DataFrame
        A collapsed table (columns ``n`` and ``events`` per cell, see
        :func:`jamtools.stats.aggregate.collapse`), or row-level data when ``outcome`` is given.
    group : str, default 'kon'
        The group column.
    outcome : str, optional
        The 0/1 outcome column when ``data`` is row-level; None when ``data`` is already
        collapsed.
    by : str or sequence of str, optional
        Stratum column(s); one row per stratum and group.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    method : {'wilson', 'clopper-pearson'}, default 'wilson'
        The Wilson score interval or the exact Clopper–Pearson interval.
    cell_levels : mapping of str to sequence, optional
        When given, a row for every combination of the ``by`` and ``group`` levels, empty or
        not (:func:`jamtools.stats.aggregate.complete_cells`): the levels named here (the data
        model's codes), the observed ones for a column not named (``{}``: all observed). Without
        it, only the observed combinations, whose rows alone tell which small groups exist.

    Returns
    -------
    pandas.DataFrame
        One row per stratum and group: the ``by`` columns, ``group``, ``n``, ``events``,
        ``share``, ``ci_low``, ``ci_high``, ``method`` and ``conf_level``. A cell with ``n = 0``
        has NaN share and limits.

    Raises
    ------
    ValueError
        When ``method`` is not one of the two.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
           inference. Journal of the American Statistical Association, 22(158), 209–212.
    .. [2] Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial
           proportion. Statistical Science, 16(2), 101–133.
    .. [3] Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
           illustrated in the case of the binomial. Biometrika, 26(4), 404–413.
    """
    if method not in _METHODS:
        raise ValueError(f"method ska vara ett av {', '.join(map(repr, _METHODS))}, inte {method!r}.")
    by = [by] if isinstance(by, str) else list(by)
    table = _counts(data, group, outcome, by)
    if cell_levels is not None:
        table = complete_cells(table[[*by, group, "n", "events"]], cell_levels)
    table = table[[*by, group, "n", "events"]].sort_values([*by, group]).reset_index(drop=True)
    share = np.where(table["n"] > 0, table["events"] / table["n"].where(table["n"] > 0), np.nan)
    lo, hi = np.full(len(table), np.nan), np.full(len(table), np.nan)
    ok = table["n"].to_numpy() > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(table["events"].to_numpy()[ok], table["n"].to_numpy()[ok],
                                            alpha=1 - conf_level, method=_METHODS[method])
    table["share"], table["ci_low"], table["ci_high"] = share, lo, hi
    table["method"] = method
    table["conf_level"] = conf_level
    return table


def min_detectable_difference(n_a: float, n_b: float, p_b: float, *, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """Smallest difference in percentage points detectable with the given group sizes.

    Solves the normal approximation with Cohen's effect size
    :math:`h = 2\\arcsin\\sqrt{p_a} - 2\\arcsin\\sqrt{p_b}` for ``h`` at the given power
    (two-sided test), then converts back to shares (Cohen 1988, ch. 6). Of the two
    directions (:math:`p_a` above or below :math:`p_b`) the smaller difference is returned.

    Parameters
    ----------
    n_a, n_b : float
        The two groups' sizes.
    p_b : float
        The share in group b (the reference level).
    alpha : float, default 0.05
        Significance level of the two-sided test.
    power : float, default 0.8
        The power asked for.

    Returns
    -------
    float
        The minimum detectable difference in percentage points; NaN when a group is empty,
        ``p_b`` is missing or outside [0, 1], or no difference in either direction stays inside
        [0, 1].

    References
    ----------
    .. [1] Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
           Hillsdale, NJ: Lawrence Erlbaum.
    """
    if not (n_a > 0 and n_b > 0) or p_b is None or not 0 <= p_b <= 1 or math.isnan(p_b):
        return float("nan")
    h = _detectable_effect(n_a, n_b, alpha=alpha, power=power)
    base = math.asin(math.sqrt(p_b))
    candidates = []
    for sign in (1, -1):
        angle = base + sign * h / 2
        if 0 <= angle <= math.pi / 2:
            candidates.append(abs(math.sin(angle) ** 2 - p_b))
    return 100 * min(candidates) if candidates else float("nan")


def _detectable_effect(n_a: float, n_b: float, *, alpha: float, power: float) -> float:
    r"""The effect size a two-sided z test of two independent groups detects with ``power``.

    The equation is statsmodels' ``NormalIndPower`` (``normal_power``, both tails):
    :math:`f(x) = \Phi(x - c) + \Phi(-x - c) - \text{power} = 0`, :math:`x = h\sqrt{m}`,
    :math:`c = \Phi^{-1}(1 - \alpha/2)`, :math:`m = 1/(1/n_a + 1/n_b)`. On :math:`x \ge 0`,
    :math:`f` grows from :math:`f(0) = \alpha - \text{power} < 0` and is positive at the one-tail
    solution :math:`c + \Phi^{-1}(\text{power})`, so the root is bracketed there, and Brent's
    method (``scipy.optimize.brentq``) finds it to machine precision (statsmodels'
    ``solve_power`` stops at its own tolerance, up to 0.2 % of the effect size away in the
    tests). NaN unless alpha < power < 1.
    """
    from scipy.optimize import brentq
    from scipy.special import ndtr, ndtri

    if not 0 < alpha < power < 1:
        return float("nan")
    c = -float(ndtri(alpha / 2))  # Φ⁻¹(1 − α/2), without losing a small alpha to 1 − α/2
    def gap(x: float) -> float:
        return float(ndtr(x - c) + ndtr(-x - c)) - power

    hi = c + float(ndtri(power))
    # f(hi) is the lower tail Φ(−hi − c) ≥ 0; where it rounds to ≤ 0, hi is the root already
    x = hi if gap(hi) <= 0 else brentq(gap, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)
    return x * math.sqrt(1 / n_a + 1 / n_b)


def _empty_row(outcome, a, b, measure, conf_level, warning, **counts):
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=outcome, comparison=f"{a} − {b}" if measure.endswith("_pp") else f"{a} / {b}",
               group_a=a, group_b=b, measure=measure, conf_level=conf_level, adjusted=False,
               adjusted_for="", method="", test="", warning=warning, **counts)
    return row


def compare_groups(data: pd.DataFrame, group: str = "kon",
                   *, levels: Sequence[Hashable],
                   outcome: str | None = None, outcome_name: str | None = None,
                   conf_level: float = 0.95) -> pd.DataFrame:
    """Crude comparison of two groups' shares: difference, risk ratio and odds ratio.

    - Difference :math:`p_a - p_b` in percentage points with Newcombe's hybrid score interval
      (Newcombe 1998, method 10), built from the two Wilson intervals.
    - Risk ratio :math:`p_a/p_b` with the log (Katz) interval, and odds ratio with Woolf's
      interval (``statsmodels`` ``Table2x2``; zero cells get 0.5 added).
    - p-value: Pearson's chi-square test without continuity correction, or Fisher's exact test
      when an expected count is below 5.
    Every row also carries the minimum detectable difference (80 % power).

    Parameters
    ----------
    data : pandas.DataFrame
        A collapsed table (columns ``n`` and ``events`` per cell, see
        :func:`jamtools.stats.aggregate.collapse`), or row-level data when ``outcome`` is given.
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    outcome : str, optional
        The 0/1 outcome column when ``data`` is row-level; None when ``data`` is already
        collapsed.
    outcome_name : str, optional
        The name written in the ``outcome`` column (default: ``outcome``, else ``'utfall'``).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Three rows in the comparison layout (:data:`COMPARISON_COLUMNS`):
        ``risk_difference_pp``, ``risk_ratio`` and ``odds_ratio``. When a group is missing the
        estimates are NaN and ``warning`` says why (a ``UserWarning`` is also issued). When no
        one in ``b`` has the outcome the risk ratio is infinite: its row has no estimate, no
        interval and no p-value, and ``warning`` says why (:data:`RATIO_NOT_COMPUTED`).

    References
    ----------
    .. [1] Newcombe, R. G. (1998). Interval estimation for the difference between independent
           proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873–890.
    .. [2] Katz, D., Baptista, J., Azen, S. P. & Pike, M. C. (1978). Obtaining confidence intervals
           for the risk ratio in cohort studies. Biometrics, 34(3), 469–474.
    .. [3] Woolf, B. (1955). On estimating the relation between blood group and disease. Annals of
           Human Genetics, 19(4), 251–253.
    .. [4] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    .. [5] Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
           Hillsdale, NJ: Lawrence Erlbaum.
    """
    a, b = levels
    name = outcome_name or outcome or "utfall"
    table = _counts(data, group, outcome).set_index(group)
    na, ea = (float(table.loc[a, "n"]), float(table.loc[a, "events"])) if a in table.index else (0.0, 0.0)
    nb, eb = (float(table.loc[b, "n"]), float(table.loc[b, "events"])) if b in table.index else (0.0, 0.0)
    counts = dict(n_a=na, events_a=ea, n_b=nb, events_b=eb)
    if na == 0 or nb == 0:
        missing = a if na == 0 else b
        msg = f"Gruppen '{missing}' saknas i data; ingen jämförelse kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([_empty_row(name, a, b, m, conf_level, msg, **counts)
                             for m in ("risk_difference_pp", "risk_ratio", "odds_ratio")],
                            columns=COMPARISON_COLUMNS)
    grid = np.array([[ea, na - ea], [eb, nb - eb]])
    expected = sps.contingency.expected_freq(grid) if grid.sum(axis=0).all() else np.zeros((2, 2))
    if (expected < 5).any():
        p, test = sps.fisher_exact(grid.astype(int))[1], "Fishers exakta test"
    else:
        p, test = sps.chi2_contingency(grid, correction=False)[1], "chi-två-test"
    alpha = 1 - conf_level
    lo, hi = confint_proportions_2indep(ea, na, eb, nb, method="newcomb", compare="diff", alpha=alpha)
    pa, pb = ea / na, eb / nb
    mdd = min_detectable_difference(na, nb, pb, alpha=alpha)
    t22 = Table2x2(grid, shift_zeros=True)
    rr_lo, rr_hi = t22.riskratio_confint(alpha=alpha)
    or_lo, or_hi = t22.oddsratio_confint(alpha=alpha)
    base = dict(outcome=name, group_a=a, group_b=b, conf_level=conf_level, p_value=p, test=test,
                adjusted=False, adjusted_for="", warning="", **counts)
    rows = [
        dict(base, comparison=f"{a} − {b}", measure="risk_difference_pp", estimate=100 * (pa - pb),
             ci_low=100 * lo, ci_high=100 * hi, method="Newcombe (hybrid score)", mdd_pp=mdd),
        # No one in the reference group with the outcome: the ratio is infinite, and the
        # interval of the table with 0.5 added to its zeros belongs to no estimate shown.
        dict(base, comparison=f"{a} / {b}", measure="risk_ratio",
             **(dict(estimate=pa / pb, ci_low=rr_lo, ci_high=rr_hi) if pb > 0 else
                dict(estimate=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan,
                     warning=RATIO_NOT_COMPUTED)),
             method="log (Katz)", mdd_pp=np.nan),
        dict(base, comparison=f"{a} / {b}", measure="odds_ratio", estimate=t22.oddsratio,
             ci_low=or_lo, ci_high=or_hi, method="Woolf (logit)", mdd_pp=np.nan),
    ]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _design(table: pd.DataFrame, group: str, a: str, covariates: list[str]) -> pd.DataFrame:
    x = pd.DataFrame({"const": 1.0, "group": (table[group] == a).astype(float)}, index=table.index)
    for cov in covariates:
        x = pd.concat([x, indicators(table[cov], cov)], axis=1)
    return x


def adjusted_difference(data: pd.DataFrame, group: str = "kon", covariates: Sequence[str] = (),
                        *, levels: Sequence[Hashable],
                        outcome: str | None = None, outcome_name: str | None = None,
                        conf_level: float = 0.95) -> pd.DataFrame:
    """Comparison adjusted for ``covariates`` by logistic regression on the collapsed table.

    Fits :math:`\\operatorname{logit} P(Y=1) = \\beta_0 + \\beta_g \\cdot 1[a] + \\sum \\gamma_k x_k`
    as a binomial GLM on the cells (successes, failures), then standardises (g-computation):
    the adjusted difference is the mean predicted share if every row were ``a`` minus if every
    row were ``b``, averaged over the observed covariate distribution, with a delta-method
    interval. Also returns the adjusted odds ratio :math:`e^{\\beta_g}`. The p-value is the Wald
    test of :math:`\\beta_g`. References: Greenland (1987); Muller & MacLehose (2014).

    Parameters
    ----------
    data : pandas.DataFrame
        A collapsed table (columns ``n`` and ``events`` per cell, see
        :func:`jamtools.stats.aggregate.collapse`), or row-level data when ``outcome`` is given.
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    outcome : str, optional
        The 0/1 outcome column when ``data`` is row-level; None when ``data`` is already
        collapsed.
    outcome_name : str, optional
        The name written in the ``outcome`` column (default: ``outcome``, else ``'utfall'``).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Two rows in the comparison layout, ``adjusted=True``: the standardised
        ``risk_difference_pp`` and the adjusted ``odds_ratio``. When a group is missing or too
        small, the covariates leave the groups no level in common (the group indicator is a sum
        of the covariates' indicators, so the adjusted difference is not identified), or the
        model cannot be fitted stably, the estimates are NaN and ``warning`` says why. When one
        group has the outcome for none or all of its units, the model's coefficient of the
        groups has no maximum; the standardised difference is then the g-formula's limit (that
        group's share 0 or 1 at every level, the other group's from its own model) with a
        MOVER interval (Newcombe 1998; Zou & Donner 2008), its ``method`` says so, and the
        odds ratio has no estimate. When no one, or everyone, has the outcome at every level
        of the covariates (no one at all, for instance), nothing is estimated: the estimates
        are NaN and ``warning`` says why (not 0 with an interval of no width).

    References
    ----------
    .. [1] Greenland, S. (1987). Interpretation and choice of effect measures in epidemiologic
           analyses. American Journal of Epidemiology, 125(5), 761–768.
    .. [2] Muller, C. J. & MacLehose, R. F. (2014). Estimating predicted probabilities from logistic
           regression: different methods correspond to different target populations. International
           Journal of Epidemiology, 43(3), 962–970.
    .. [3] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models (2nd ed.). London:
           Chapman & Hall.
    .. [4] Newcombe, R. G. (1998). Interval estimation for the difference between independent
           proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873–890.
    .. [5] Zou, G. Y. & Donner, A. (2008). Construction of confidence limits about effect
           measures: a general approach. Statistics in Medicine, 27(10), 1693–1702.
    """
    a, b = levels
    covariates = list(covariates)
    name = outcome_name or outcome or "utfall"
    table = _counts(data, group, outcome, covariates)
    table = table[table[group].isin([a, b]) & (table["n"] > 0)].reset_index(drop=True)
    counts = dict(n_a=float(table.loc[table[group] == a, "n"].sum()),
                  events_a=float(table.loc[table[group] == a, "events"].sum()),
                  n_b=float(table.loc[table[group] == b, "n"].sum()),
                  events_b=float(table.loc[table[group] == b, "events"].sum()))
    adjusted_for = ", ".join(covariates)
    rows_meta = dict(adjusted=True, adjusted_for=adjusted_for)
    if counts["n_a"] == 0 or counts["n_b"] == 0:
        msg = "En av grupperna saknas i data; ingen justerad jämförelse kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([dict(_empty_row(name, a, b, m, conf_level, msg, **counts), **rows_meta)
                             for m in ("risk_difference_pp", "odds_ratio")], columns=COMPARISON_COLUMNS)
    notes = []
    for cov in covariates:
        per = table.groupby([cov, group], observed=True, dropna=False)["n"].sum().unstack(fill_value=0)
        lonely = per.index[(per.reindex(columns=[a, b], fill_value=0) == 0).any(axis=1)]
        if len(lonely):
            notes.append(f"'{cov}': {len(lonely)} {'kategori' if len(lonely) == 1 else 'kategorier'} "
                         "finns bara för ett kön")
    # Covariate levels where nobody (or everybody) has the outcome, whatever the sex, add
    # nothing to a comparison within levels: their standardised difference is exactly 0. They
    # are left out of the fit (where they would push a coefficient to infinity) and kept in
    # the standardisation's weights with a difference of 0.
    constant = pd.Series(False, index=table.index)
    for cov in covariates:
        per = table.groupby(cov, observed=True, dropna=False)[["n", "events"]].transform("sum")
        constant |= (per["events"] == 0) | (per["events"] == per["n"])
    if constant.any():
        # (how many: not said, a count that no disclosure control has seen)
        notes.append("observationer i kategorier där ingen eller alla har utfallet räknas med "
                     "skillnaden 0")
    if len(table) and constant.all():
        # Nothing is left to compare within levels: the g-formula would give 0 with an
        # interval of no width (as if 0 were known), though nothing was estimated.
        events, n = counts["events_a"] + counts["events_b"], counts["n_a"] + counts["n_b"]
        why = ("ingen i någon av grupperna har utfallet" if events == 0 else
               "alla i båda grupperna har utfallet" if events == n else
               "i varje kategori av det som justeras för har ingen eller alla utfallet, i båda grupperna")
        msg = f"{why}; ingen justerad jämförelse kan göras"
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([dict(_empty_row(name, a, b, m, conf_level, msg, **counts), **rows_meta)
                             for m in ("risk_difference_pp", "odds_ratio")], columns=COMPARISON_COLUMNS)
    weight_all = float(table["n"].sum())
    table = table[~constant].reset_index(drop=True)
    none_or_all = any(counts[f"events_{s}"] in (0, counts[f"n_{s}"]) for s in ("a", "b"))
    unstable = ("ingen eller alla i en av grupperna har utfallet; ingen justerad jämförelse kan göras"
                if none_or_all else "för få observationer för en justerad jämförelse; ingen skattning visas")
    too_small = none_or_all or any(counts[f"n_{s}"] < 10 for s in ("a", "b"))
    x = _design(table, group, a, covariates)
    endog = np.column_stack([table["events"], table["n"] - table["events"]])
    fit = None
    if covariates and not too_small and len(x) and not identified(x, "group"):
        # (statsmodels' pseudo-inverse would split the difference between sex and covariate)
        msg = "; ".join([f"{COINCIDES}; ingen justerad jämförelse kan göras", *notes])
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([dict(_empty_row(name, a, b, m, conf_level, msg, **counts), **rows_meta)
                             for m in ("risk_difference_pp", "odds_ratio")], columns=COMPARISON_COLUMNS)
    if none_or_all and not any(counts[f"n_{s}"] < 10 for s in ("a", "b")):
        # No model with the sexes' coefficient has a maximum; the standardised difference is
        # still defined (one group's share is 0 or 1 in every level): see _boundary_difference.
        found = _boundary_difference(table, group, (a, b), covariates, weight_all, conf_level)
        if isinstance(found, str):
            msg = "; ".join([f"{found}; ingen justerad jämförelse kan göras", *notes])
            warnings.warn(msg, UserWarning, stacklevel=2)
            return pd.DataFrame([dict(_empty_row(name, a, b, m, conf_level, msg, **counts), **rows_meta)
                                 for m in ("risk_difference_pp", "odds_ratio")], columns=COMPARISON_COLUMNS)
        diff, lo, hi = found
        msg = "; ".join([BOUNDARY, *notes])
        warnings.warn(msg, UserWarning, stacklevel=2)
        mdd = min_detectable_difference(counts["n_a"], counts["n_b"], counts["events_b"] / counts["n_b"],
                                        alpha=1 - conf_level)
        rows = [dict(_empty_row(name, a, b, "risk_difference_pp", conf_level, msg, **counts), **rows_meta,
                     estimate=100 * diff, ci_low=100 * lo, ci_high=100 * hi, mdd_pp=mdd,
                     method=METHOD_BOUNDARY, test=""),
                dict(_empty_row(name, a, b, "odds_ratio", conf_level,
                                "; ".join([f"{unstable.split(';')[0]}; oddskvoten kan inte skattas (den går mot 0 "
                                           "eller oändligheten)", *notes]), **counts), **rows_meta)]
        return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    if not too_small:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = GLM(endog, x, family=families.Binomial()).fit()
        except Exception:  # singular design, perfect separation, ...
            fit = None
    if fit is not None:
        beta, cov_beta = fit.params.to_numpy(), fit.cov_params().to_numpy()
        if not np.all(np.isfinite(cov_beta)) or np.abs(beta).max() > 15:
            fit = None
    if fit is None:
        msg = "; ".join([unstable, *notes])  # the reason first
        warnings.warn(msg, UserWarning, stacklevel=2)
        return pd.DataFrame([dict(_empty_row(name, a, b, m, conf_level, msg, **counts), **rows_meta)
                             for m in ("risk_difference_pp", "odds_ratio")], columns=COMPARISON_COLUMNS)
    xa, xb = x.copy(), x.copy()
    xa["group"], xb["group"] = 1.0, 0.0
    w = table["n"].to_numpy() / weight_all
    pa = 1 / (1 + np.exp(-(xa.to_numpy() @ beta)))
    pb = 1 / (1 + np.exp(-(xb.to_numpy() @ beta)))
    diff = float(w @ (pa - pb))
    grad = (w * pa * (1 - pa)) @ xa.to_numpy() - (w * pb * (1 - pb)) @ xb.to_numpy()
    se = float(np.sqrt(grad @ cov_beta @ grad))
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    gi = list(x.columns).index("group")
    bg, sg = beta[gi], math.sqrt(cov_beta[gi, gi])
    p = float(2 * sps.norm.sf(abs(bg / sg)))
    warning = "; ".join(notes)
    if warning:
        warnings.warn(warning, UserWarning, stacklevel=2)
    base = dict(outcome=name, group_a=a, group_b=b, conf_level=conf_level, p_value=p,
                test="Wald-test (logistisk regression)", warning=warning, **rows_meta, **counts)
    mdd = min_detectable_difference(counts["n_a"], counts["n_b"], counts["events_b"] / counts["n_b"],
                                    alpha=1 - conf_level)
    rows = [
        dict(base, comparison=f"{a} − {b}", measure="risk_difference_pp", estimate=100 * diff,
             ci_low=100 * (diff - z * se), ci_high=100 * (diff + z * se),
             method="standardisering (g-formel), logistisk regression", mdd_pp=mdd),
        dict(base, comparison=f"{a} / {b}", measure="odds_ratio", estimate=math.exp(bg),
             ci_low=math.exp(bg - z * sg), ci_high=math.exp(bg + z * sg),
             method="logistisk regression", mdd_pp=np.nan),
    ]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


#: Said with an adjusted difference where one group has the outcome for none or all of its units.
BOUNDARY = ("ingen eller alla i en av grupperna har utfallet; den justerade skillnaden bygger på den "
            "andra gruppens modell, och intervallet på ett intervall för en andel (Wilson)")
#: The method of such a difference (the results file's ``method``).
METHOD_BOUNDARY = ("standardisering (g-formel) med andelen 0 eller 1 för den ena gruppen och "
                   "logistisk regression för den andra; intervall MOVER (Wilson och deltametoden)")


def _boundary_difference(table: pd.DataFrame, group: str, levels, covariates: list[str],
                         weight_all: float, conf_level: float) -> tuple[float, float, float] | str:
    """The standardised difference where a group has the outcome for none or all of its units.

    The logistic model's coefficient of the sexes then has no maximum (it runs off towards
    ±infinity), but the g-formula's limit is defined: such a group's share is 0 (or 1) at every
    level of the covariates, and the coefficients of the covariates are, in the limit, those of
    the other group's own model (the group at the boundary adds nothing to their likelihood).
    Each group's standardised share over the cells of ``table`` (weights ``n / weight_all``,
    the cells left out as constant counting 0) is then its boundary value, or its own model's
    mean prediction with a delta-method interval; a boundary share gets the Wilson interval of
    its crude share, scaled by the weights' sum. The difference's interval combines the two by
    the method of variance estimates recovery (MOVER; Newcombe 1998; Zou & Donner 2008):
    :math:`L = \\hat\\theta - \\sqrt{(\\hat\\theta_a - l_a)^2 + (u_b - \\hat\\theta_b)^2}`, and
    :math:`U` likewise. Returns ``(difference, low, high)`` as shares, or the reason there is
    none (a level of a covariate the other group never has: its share there would be a guess).
    """
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    w = table["n"].to_numpy(float) / weight_all
    total_w = float(w.sum())
    parts = []
    for level in levels:
        mine = (table[group] == level).to_numpy()
        n, ev = float(table.loc[mine, "n"].sum()), float(table.loc[mine, "events"].sum())
        if ev in (0.0, n):  # at the boundary: 0 or 1 everywhere
            share = total_w * (ev / n if n else 0.0)
            lo, hi = proportion_confint(ev, n, alpha=1 - conf_level, method="wilson") if n else (0.0, 1.0)
            parts.append((share, total_w * lo, total_w * hi))
            continue
        x = _design(table, group, level, covariates).drop(columns="group")
        if np.linalg.matrix_rank(x[mine].to_numpy()) < x.shape[1]:
            # a level this group lacks (or has alone): its share there is not estimable
            return "en kategori av det som justeras för finns bara hos det ena könet"
        endog = np.column_stack([table.loc[mine, "events"], table.loc[mine, "n"] - table.loc[mine, "events"]])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = GLM(endog, x[mine], family=families.Binomial()).fit()
        except Exception:  # noqa: BLE001 (singular design, separation)
            return "för få observationer för en justerad jämförelse"
        beta, cov_beta = fit.params.to_numpy(), fit.cov_params().to_numpy()
        if not np.all(np.isfinite(cov_beta)) or np.abs(beta).max() > 15:
            return "för få observationer för en justerad jämförelse"
        pred = 1 / (1 + np.exp(-(x.to_numpy() @ beta)))
        share = float(w @ pred)
        grad = (w * pred * (1 - pred)) @ x.to_numpy()
        se = float(np.sqrt(grad @ cov_beta @ grad))
        parts.append((share, share - z * se, share + z * se))
    (ta, la, ua), (tb, lb, ub) = parts
    diff = ta - tb
    return (diff, diff - math.sqrt((ta - la) ** 2 + (ub - tb) ** 2),
            diff + math.sqrt((ua - ta) ** 2 + (tb - lb) ** 2))


def mantel_haenszel(data: pd.DataFrame, group: str, strata: str | Sequence[str],
                    levels: Sequence[Hashable], *, outcome: str | None = None,
                    conf_level: float = 0.95) -> pd.DataFrame:
    """Mantel–Haenszel common odds ratio across strata, with the Breslow–Day homogeneity test
    (``statsmodels`` ``StratifiedTable``; Mantel & Haenszel 1959, Breslow & Day 1980).

    Parameters
    ----------
    data : pandas.DataFrame
        A collapsed table (columns ``n`` and ``events`` per cell, see
        :func:`jamtools.stats.aggregate.collapse`), or row-level data when ``outcome`` is given.
    group : str
        The group column.
    strata : str or sequence of str
        The stratum column(s) (e.g. age group).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    outcome : str, optional
        The 0/1 outcome column when ``data`` is row-level; None when ``data`` is already
        collapsed.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout (measure ``mh_odds_ratio``, the Mantel–Haenszel test of
        a common odds ratio of 1 as ``p_value``), with ``homogeneity_p``: the Breslow–Day test
        of equal odds ratios across the strata. Only strata with both groups count.

    References
    ----------
    .. [1] Mantel, N. & Haenszel, W. (1959). Statistical aspects of the analysis of data from
           retrospective studies of disease. Journal of the National Cancer Institute, 22(4),
           719–748.
    .. [2] Breslow, N. E. & Day, N. E. (1980). Statistical Methods in Cancer Research, Vol. 1: The
           Analysis of Case-Control Studies. Lyon: International Agency for Research on Cancer.
    .. [3] Robins, J., Breslow, N. & Greenland, S. (1986). Estimators of the Mantel–Haenszel
           variance consistent in both sparse data and large-strata limiting models. Biometrics,
           42(2), 311–323.
    """
    a, b = levels
    strata = [strata] if isinstance(strata, str) else list(strata)
    table = _counts(data, group, outcome, strata)
    tables = []
    for _, sub in table.groupby(strata, observed=True, dropna=False):
        s = sub.set_index(group)
        if a in s.index and b in s.index:
            tables.append([[s.loc[a, "events"], s.loc[a, "n"] - s.loc[a, "events"]],
                           [s.loc[b, "events"], s.loc[b, "n"] - s.loc[b, "events"]]])
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(outcome=outcome or "utfall", comparison=f"{a} / {b}", group_a=a, group_b=b,
               measure="mh_odds_ratio", conf_level=conf_level, test="Mantel–Haenszel",
               adjusted=True, adjusted_for=", ".join(strata), method="Mantel–Haenszel", warning="",
               n_a=float(table.loc[table[group] == a, "n"].sum()),
               n_b=float(table.loc[table[group] == b, "n"].sum()),
               events_a=float(table.loc[table[group] == a, "events"].sum()),
               events_b=float(table.loc[table[group] == b, "events"].sum()))
    if not tables:  # no stratum holds both groups: nothing to pool (StratifiedTable would raise)
        row["warning"] = "Inget stratum har båda grupperna; ingen Mantel–Haenszel-skattning kan göras."
        row["homogeneity_p"] = np.nan
        warnings.warn(row["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([row])
    st = StratifiedTable(np.array(tables, float).transpose(1, 2, 0))
    lo, hi = st.oddsratio_pooled_confint(alpha=1 - conf_level)
    row.update(estimate=st.oddsratio_pooled, ci_low=lo, ci_high=hi, p_value=st.test_null_odds().pvalue)
    row["homogeneity_p"] = st.test_equal_odds().pvalue
    return pd.DataFrame([row])


def flag_simpson(crude: tuple[float, float, float], adjusted: tuple[float, float, float], *,
                 null: float = 0.0) -> Literal["reversal", "unclear", "none"]:
    """Whether adjusting reverses a difference, judged by the estimates and their intervals.

    A reversal (as in Simpson's paradox) is claimed only when both intervals leave out the
    value of no difference, on opposite sides. Two estimates on opposite sides whose intervals
    do not both leave it out show no direction at all: that is ``"unclear"``, not a reversal.

    Parameters
    ----------
    crude : tuple of float
        The crude difference as ``(estimate, ci_low, ci_high)``.
    adjusted : tuple of float
        The adjusted difference on the same scale, ``(estimate, ci_low, ci_high)``.
    null : float, default 0.0
        The value of no difference (0 for a difference, 1 for a ratio).

    Returns
    -------
    {"reversal", "unclear", "none"}
        ``"reversal"`` when one interval lies wholly above ``null`` and the other wholly below;
        ``"unclear"`` when the estimates lie on opposite sides of ``null`` but at least one
        interval covers it or is missing; ``"none"`` otherwise (also when an estimate is
        missing or equals ``null``).

    References
    ----------
    .. [1] Simpson, E. H. (1951). The interpretation of interaction in contingency tables. Journal
           of the Royal Statistical Society, Series B, 13(2), 238–241.
    .. [2] Bickel, P. J., Hammel, E. A. & O'Connell, J. W. (1975). Sex bias in graduate admissions:
           data from Berkeley. Science, 187(4175), 398–404.
    """
    def sign(value) -> int:
        return 0 if value is None or not np.isfinite(value) else int(np.sign(value - null))

    def side(low, high) -> int:  # the side of null the whole interval lies on, else 0
        if sign(low) == sign(high) and not (low is None or high is None or np.isnan(low) or np.isnan(high)):
            return sign(low)
        return 0

    (ce, cl, ch), (ae, al, ah) = crude, adjusted
    if sign(ce) * sign(ae) >= 0:
        return "none"
    a, b = side(cl, ch), side(al, ah)
    return "reversal" if a and b and a != b else "unclear"
