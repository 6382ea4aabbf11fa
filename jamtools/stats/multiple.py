"""Many comparisons: Holm and Benjamini–Hochberg adjustment of p-values."""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

METHODS = {"holm": "holm", "bh": "fdr_bh"}
LABELS = {"holm": "Holm", "bh": "Benjamini–Hochberg"}
#: The adjustments :func:`adjust_pvalues` makes (the keys of ``METHODS``).
Method = Literal["holm", "bh"]


def adjust_pvalues(comparisons: pd.DataFrame, *, method: Method = "holm") -> pd.DataFrame:
    """Add ``p_adjusted`` and ``p_adjust_method`` to a table of comparisons.

    ``holm`` controls the family-wise error rate (Holm 1979): the chance of at least one false
    finding among the comparisons. ``bh`` controls the false discovery rate (Benjamini &
    Hochberg 1995): the expected share of false findings among those called significant; it
    is less strict when many comparisons are made. Rows without a p-value are left out of the
    family and get NaN.

    The family is the distinct tests, not the rows: one test shown as several measures (a
    difference, a ratio and an odds ratio of the same two shares, each row with the test's
    p-value) is one hypothesis, counted once. Rows are one test when they have the same
    ``outcome``, groups (``group_a``, ``group_b``), adjustment (``adjusted``,
    ``adjusted_for``), ``test`` and p-value, and the same ``comparison`` up to its operator
    (``a − b`` or ``a / b``), as far as the table has these columns; a table with none of them
    has one test per row.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        A table of comparisons with a column ``p_value`` (the family: every distinct test with
        a finite p-value).
    method : {'holm', 'bh'}, default 'holm'
        Holm's step-down method (family-wise error rate) or Benjamini–Hochberg's step-up method
        (false discovery rate).

    Returns
    -------
    pandas.DataFrame
        A copy of ``comparisons`` with ``p_adjusted`` (NaN where ``p_value`` is missing) and
        ``p_adjust_method`` (the method's name).

    Raises
    ------
    ValueError
        When ``method`` is not one of the two.

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian
           Journal of Statistics, 6(2), 65–70.
    .. [2] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
           and powerful approach to multiple testing. Journal of the Royal Statistical Society,
           Series B, 57(1), 289–300.
    """
    if method not in METHODS:
        raise ValueError(f"method ska vara ett av {', '.join(map(repr, METHODS))}, inte {method!r}.")
    out = comparisons.copy()
    p = pd.to_numeric(out["p_value"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(p)
    adjusted = np.full(len(out), np.nan)
    if ok.any():
        test = _test_of_row(out[ok])  # one number per distinct test
        first = np.unique(test, return_index=True)[1]
        per_test = multipletests(p[ok][first], method=METHODS[method])[1]
        adjusted[ok] = per_test[np.searchsorted(test[first], test)]
    out["p_adjusted"] = adjusted
    out["p_adjust_method"] = LABELS[method]
    return out


#: The columns that tell tests apart (:func:`adjust_pvalues`), beside the p-value.
_TEST_COLUMNS = ("outcome", "group_a", "group_b", "adjusted", "adjusted_for", "test", "comparison")


def _test_of_row(rows: pd.DataFrame) -> np.ndarray:
    """A number per row, the same for rows that are one test (see :func:`adjust_pvalues`)."""
    columns = [c for c in _TEST_COLUMNS if c in rows.columns]
    if not columns:
        return np.arange(len(rows))
    key = pd.DataFrame({c: rows[c].map(str) for c in columns}, index=rows.index)
    if "comparison" in key:  # a ratio's "a / b" is the same comparison as the difference's "a − b"
        key["comparison"] = key["comparison"].str.replace(" / ", " − ", regex=False)
    key["p_value"] = pd.to_numeric(rows["p_value"], errors="coerce").map(repr)
    return key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()


def bonferroni_level(conf_level: float, k: int) -> float:
    """The confidence level per interval that makes ``k`` intervals simultaneous:
    :math:`1 - (1 - \\text{conf\\_level})/k` (Bonferroni). With six insats types and 95 %,
    each interval is a 99.17 % interval, and all six cover their true values together with
    at least 95 % probability.

    Parameters
    ----------
    conf_level : float
        The simultaneous (family) confidence level, e.g. 0.95.
    k : int
        The number of intervals in the family; values below 1 count as 1.

    Returns
    -------
    float
        The confidence level to use for each single interval.

    References
    ----------
    .. [1] Bonferroni, C. E. (1936). Teoria statistica delle classi e calcolo delle probabilità.
           Pubblicazioni del R. Istituto Superiore di Scienze Economiche e Commerciali di Firenze,
           8, 3–62.
    .. [2] Dunn, O. J. (1961). Multiple comparisons among means. Journal of the American Statistical
           Association, 56(293), 52–64.
    """
    return 1 - (1 - conf_level) / max(1, int(k))
