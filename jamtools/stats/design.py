"""Design matrices for the regression models: one place that turns covariates into columns."""
from __future__ import annotations

import pandas as pd


def covariate_columns(frame: pd.DataFrame, covariates) -> pd.DataFrame:
    """Indicator columns for categorical covariates (first level as reference) and numeric
    covariates with more than 10 distinct values as they are."""
    parts = []
    for cov in covariates:
        if pd.api.types.is_numeric_dtype(frame[cov]) and frame[cov].nunique() > 10:
            parts.append(frame[cov].astype(float).rename(cov).to_frame())
        else:
            parts.append(pd.get_dummies(frame[cov].astype(str), prefix=cov, drop_first=True,
                                        dtype=float))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def design_matrix(frame: pd.DataFrame, group: str, a, covariates=(), *, const: bool = True) -> pd.DataFrame:
    """``const`` (optional), ``group`` (1 for level ``a``), then the covariates' columns."""
    x = pd.DataFrame({"group": (frame[group] == a).astype(float)}, index=frame.index)
    if const:
        x.insert(0, "const", 1.0)
    return pd.concat([x, covariate_columns(frame, covariates)], axis=1)
