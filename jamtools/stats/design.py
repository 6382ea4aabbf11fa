"""Design matrices for the regression models: one place that turns covariates into columns."""
from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd


def indicators(values: pd.Series, prefix: str) -> pd.DataFrame:
    """Indicator columns (0.0/1.0) of the levels of ``values`` but the first (treatment coding),
    the levels as text; a missing value is a level of its own (the column ``<prefix>_nan``, after
    the others), never the reference.

    Under pandas 3 ``astype(str)`` keeps a missing value missing, and ``pd.get_dummies`` then gives
    its rows no indicator: they were counted in the reference level without a word.

    Parameters
    ----------
    values : pandas.Series
        A categorical covariate (rows or cells).
    prefix : str
        The columns' prefix (the covariate's name).

    Returns
    -------
    pandas.DataFrame
        One column per level but the first, on ``values``' index.

    References
    ----------
    .. [1] Suits, D. B. (1957). Use of dummy variables in regression equations. Journal of the
           American Statistical Association, 52(280), 548–551.
    """
    return pd.get_dummies(values.astype(str), prefix=prefix, drop_first=True, dtype=float,
                          dummy_na=bool(values.isna().any()))


def enters_as_number(values: pd.Series) -> bool:
    """Whether :func:`covariate_columns` enters the covariate ``values`` as a number (numeric,
    more than 10 distinct values) rather than as indicators. Such a covariate cannot have a
    missing value (a category can: :func:`indicators`): a caller leaves those rows out first,
    and says so.

    Parameters
    ----------
    values : pandas.Series
        A covariate (rows or cells).

    Returns
    -------
    bool

    References
    ----------
    .. [1] Suits, D. B. (1957). Use of dummy variables in regression equations. Journal of the
           American Statistical Association, 52(280), 548–551.

    Examples
    --------
    >>> enters_as_number(pd.Series(range(65, 100))), enters_as_number(pd.Series([0, 1, 2] * 5))
    (True, False)
    """
    return bool(pd.api.types.is_numeric_dtype(values) and values.nunique() > 10)


def covariate_columns(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Indicator columns for categorical covariates (first level as reference) and numeric
    covariates with more than 10 distinct values as they are.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data (rows or cells).
    covariates : sequence of str
        The covariate columns. A categorical (or numeric with at most 10 distinct values)
        covariate enters as indicators of all levels but the first (dummy or treatment coding);
        a numeric covariate with more values enters as it is.

    Returns
    -------
    pandas.DataFrame
        The covariates' columns (indicators named ``<covariate>_<level>``), on ``frame``'s
        index; no columns when there are no covariates.

    References
    ----------
    .. [1] Suits, D. B. (1957). Use of dummy variables in regression equations. Journal of the
           American Statistical Association, 52(280), 548–551.
    """
    parts = []
    for cov in covariates:
        if enters_as_number(frame[cov]):
            parts.append(frame[cov].astype(float).rename(cov).to_frame())
        else:
            parts.append(indicators(frame[cov], cov))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def design_matrix(frame: pd.DataFrame, group: str, a: Hashable, covariates: Sequence[str] = (), *,
                  const: bool = True) -> pd.DataFrame:
    """``const`` (optional), ``group`` (1 for level ``a``), then the covariates' columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data (rows or cells).
    group : str
        The group column (e.g. ``kon``).
    a : hashable
        The level of ``group`` coded 1 in the column ``group``; every other level is coded 0.
    covariates : sequence of str
        The covariate columns. A categorical (or numeric with at most 10 distinct values)
        covariate enters as indicators of all levels but the first (dummy or treatment coding);
        a numeric covariate with more values enters as it is.
    const : bool, default True
        Whether to start with a column ``const`` of ones (False for models without an intercept,
        such as Cox regression).

    Returns
    -------
    pandas.DataFrame
        Columns ``const`` (if asked for), ``group``, then the covariates' columns
        (:func:`covariate_columns`), on ``frame``'s index.

    References
    ----------
    .. [1] Suits, D. B. (1957). Use of dummy variables in regression equations. Journal of the
           American Statistical Association, 52(280), 548–551.
    """
    x = pd.DataFrame({"group": (frame[group] == a).astype(float)}, index=frame.index)
    if const:
        x.insert(0, "const", 1.0)
    return pd.concat([x, covariate_columns(frame, covariates)], axis=1)


#: Why an adjusted comparison is not made when :func:`identified` says no (a sentence's start).
COINCIDES = "justeringen sammanfaller med könet (det som justeras för skiljer redan könen åt helt)"


def identified(x: pd.DataFrame, column: str = "group") -> bool:
    """Whether ``column`` of the design ``x`` is identified: not a linear combination of the
    other columns, so that its coefficient has one value.

    A covariate every level of which holds one sex only makes the sexes' indicator the sum of
    that covariate's indicators: there is no comparison within levels, and a solver with a
    pseudo-inverse (statsmodels) or one that drops spanned columns splits the difference between
    sex and covariate as it happens to. A cell table's design has the same rank as its rows'.
    The coefficient of a column is estimable exactly when the column is not in the span of the
    others (Searle 1971, ch. 5).

    Parameters
    ----------
    x : pandas.DataFrame
        The design matrix (one row per row or cell, one column per parameter).
    column : str, default 'group'
        The column whose coefficient is asked about.

    Returns
    -------
    bool
        True when the rank of ``x`` falls without ``column``.

    References
    ----------
    .. [1] Searle, S. R. (1971). Linear Models. New York: Wiley.

    Examples
    --------
    >>> x = pd.DataFrame({"const": 1.0, "group": [1.0, 1.0, 0.0, 0.0], "hh_par": [0.0, 0.0, 1.0, 1.0]})
    >>> identified(x), identified(x.assign(hh_par=[0.0, 1.0, 1.0, 0.0]))
    (False, True)
    """
    arr = x.to_numpy(float)
    rest = np.delete(arr, x.columns.get_loc(column), axis=1)
    return bool(np.linalg.matrix_rank(arr) > (np.linalg.matrix_rank(rest) if rest.size else 0))
