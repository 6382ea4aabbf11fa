"""Categorical outcomes (type of insats, reporter, instrument): the distribution by sex.

Aggregate first: everything is computed from the cross-table of counts (category × group).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import proportion_confint


def crosstab(data: pd.DataFrame, category: str, group: str = "kon", *,
             count: str | None = None) -> pd.DataFrame:
    """Counts per category × group as a wide table (categories as rows, groups as columns).

    ``data`` is row-level (one row per unit) or already counted (``count`` names the column).
    """
    if count is None:
        table = pd.crosstab(data[category], data[group])
    else:
        table = data.pivot_table(index=category, columns=group, values=count, aggfunc="sum",
                                 fill_value=0, observed=True)
    table.columns.name, table.index.name = group, category
    return table.astype(float)


def distribution_by_group(data: pd.DataFrame, category: str, group: str = "kon", *,
                          count: str | None = None, conf_level: float = 0.95) -> pd.DataFrame:
    """Share of each category within each group, with Wilson intervals, and the residuals.

    One row per category × group: ``n`` (the group's total), ``events`` (the count in the
    category), ``share``, ``ci_low``/``ci_high`` (Wilson), and ``adj_residual``: the adjusted
    standardised residual of the cell, :math:`(O - E)/\\sqrt{E(1 - r/N)(1 - c/N)}` (Agresti
    2013, §2.4.5), which is roughly standard normal under independence, so |r| > 2 marks the
    categories where the groups differ most.
    """
    table = crosstab(data, category, group, count=count)
    if table.empty:
        return pd.DataFrame(columns=[category, group, "n", "events", "share", "ci_low", "ci_high",
                                     "adj_residual", "method", "conf_level"])
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
    return pd.DataFrame(rows)


def independence_test(data: pd.DataFrame, category: str, group: str = "kon", *,
                      count: str | None = None) -> pd.DataFrame:
    """Chi-square test of independence between category and group, with Cramér's V.

    :math:`V = \\sqrt{\\chi^2 / (N (\\min(r, c) - 1))}` (Cramér 1946). For a 2 × 2 table with
    an expected count below 5, Fisher's exact test is used instead of the chi-square test.
    Returns one row in the library's comparison layout (measure ``cramers_v``).
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
                        levels=("flicka", "pojke"), *, count: str | None = None,
                        conf_level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Index of dissimilarity (segregation) between two groups over the categories.

    :math:`D = \\tfrac12 \\sum_i |a_i/A - b_i/B|` (Duncan & Duncan 1955): the share of one
    group that would have to change category for the two distributions to be equal (0 = the
    same distribution, 1 = no category in common). The interval is a percentile bootstrap
    that redraws each group's counts from its multinomial distribution (aggregate first: no
    row-level data are needed). D is biased upwards in small groups; compare with the
    bootstrap distribution rather than with zero.
    """
    a, b = levels
    table = crosstab(data, category, group, count=count).reindex(columns=[a, b], fill_value=0)
    ca, cb = table[a].to_numpy(), table[b].to_numpy()
    A, B = ca.sum(), cb.sum()
    base = {"outcome": category, "comparison": f"{a} / {b}", "group_a": a, "group_b": b,
            "measure": "dissimilarity_index", "adjusted": False, "adjusted_for": "",
            "method": "Duncan & Duncan; bootstrap (percentil)", "p_value": np.nan, "test": "",
            "n_a": float(A), "n_b": float(B), "events_a": np.nan, "events_b": np.nan,
            "mdd_pp": np.nan, "conf_level": conf_level, "warning": ""}
    if A == 0 or B == 0:
        base.update(estimate=np.nan, ci_low=np.nan, ci_high=np.nan,
                    warning="En av grupperna saknas; indexet kan inte beräknas.")
        warnings.warn(base["warning"], UserWarning, stacklevel=2)
        return pd.DataFrame([base])
    d = 0.5 * np.abs(ca / A - cb / B).sum()
    rng = np.random.default_rng(seed)
    ra = rng.multinomial(int(A), ca / A, size=n_boot) / A
    rb = rng.multinomial(int(B), cb / B, size=n_boot) / B
    boot = 0.5 * np.abs(ra - rb).sum(axis=1)
    alpha = 1 - conf_level
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    base.update(estimate=float(d), ci_low=float(lo), ci_high=float(hi))
    return pd.DataFrame([base])
