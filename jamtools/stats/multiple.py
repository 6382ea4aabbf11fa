"""Many comparisons: Holm and Benjamini–Hochberg adjustment of p-values."""
from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

METHODS = {"holm": "holm", "bh": "fdr_bh"}
LABELS = {"holm": "Holm", "bh": "Benjamini–Hochberg"}


def adjust_pvalues(comparisons: pd.DataFrame, *, method: str = "holm") -> pd.DataFrame:
    """Add ``p_adjusted`` and ``p_adjust_method`` to a table of comparisons.

    ``holm`` controls the family-wise error rate (Holm 1979): the chance of at least one false
    finding among the comparisons. ``bh`` controls the false discovery rate (Benjamini &
    Hochberg 1995): the expected share of false findings among those called significant; it
    is less strict when many comparisons are made. Rows without a p-value are left out of the
    family and get NaN.
    """
    if method not in METHODS:
        raise ValueError(f"method ska vara en av {', '.join(METHODS)}")
    out = comparisons.copy()
    p = pd.to_numeric(out["p_value"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(p)
    adjusted = np.full(len(out), np.nan)
    if ok.any():
        adjusted[ok] = multipletests(p[ok], method=METHODS[method])[1]
    out["p_adjusted"] = adjusted
    out["p_adjust_method"] = LABELS[method]
    return out


def bonferroni_level(conf_level: float, k: int) -> float:
    """The confidence level per interval that makes ``k`` intervals simultaneous:
    :math:`1 - (1 - \\text{conf\\_level})/k` (Bonferroni). With six insats types and 95 %,
    each interval is a 99.17 % interval, and all six cover their true values together with
    at least 95 % probability."""
    return 1 - (1 - conf_level) / max(1, int(k))
