"""Aggregate first: reduce row-level data to counts per cell before any model is fitted."""
from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd


def collapse(df: pd.DataFrame, outcome: str, by: str | Sequence[str], *,
             weights: str | None = None) -> pd.DataFrame:
    """Counts per cell of ``by``: the number of rows ``n`` and of rows with the outcome ``events``.

    ``outcome`` must be 0/1 or boolean. A binomial model fitted on this table (successes and
    failures per cell) gives the same estimates as the row-level fit (the binomial likelihood
    of a cell is the product of its rows' Bernoulli likelihoods, up to a constant).

    Raises ValueError naming the column, the number of bad rows and an example value when the
    outcome is missing or not 0/1.

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit.
    outcome : str
        The outcome column: 0/1 or boolean, no missing values.
    by : str or sequence of str
        The column(s) that define the cells.
    weights : str, optional
        A column of row weights; ``n`` and ``events`` are then sums of weights instead of counts
        of rows.

    Returns
    -------
    pandas.DataFrame
        One row per observed cell: the ``by`` columns, ``n`` (rows or summed weights) and
        ``events`` (rows or weights with the outcome), as floats. An empty ``df`` gives an empty
        table with these columns.

    Raises
    ------
    ValueError
        When a column is missing, or the outcome is missing or not 0/1 on some row.

    References
    ----------
    .. [1] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models (2nd ed.). London:
           Chapman & Hall.
    .. [2] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [outcome, *by] if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    if len(df) == 0:
        return pd.DataFrame({**{c: pd.Series(dtype="object") for c in by},
                             "n": pd.Series(dtype="float64"), "events": pd.Series(dtype="float64")})
    y = df[outcome]
    if pd.api.types.is_bool_dtype(y.dtype):
        numeric = y.astype("float64")
    else:
        numeric = pd.to_numeric(y, errors="coerce").astype("float64")
    bad_mask = numeric.isna() | ~numeric.isin([0.0, 1.0])
    if bad_mask.any():
        bad = y[bad_mask]
        example = "saknas" if bad.isna().all() else repr(bad.dropna().iloc[0])
        raise ValueError(
            f"Utfallet '{outcome}' ska vara 0/1 (binary outcome): {len(bad)} rader har annat värde "
            f"eller saknar värde, till exempel {example}. Rätta eller exkludera raderna först."
        )
    if weights is None:
        grouped = numeric.groupby([df[c] for c in by], observed=True, dropna=False)
        out = grouped.agg(["size", "sum"]).rename(columns={"size": "n", "sum": "events"})
        out["n"] = out["n"].astype("float64")
    else:
        w = df[weights].astype("float64")
        frame = pd.DataFrame({"n": w, "events": numeric * w})
        out = frame.groupby([df[c] for c in by], observed=True, dropna=False).sum()
    out = out.reset_index()
    return out[[*by, "n", "events"]]


def collapse_file(path: str | os.PathLike[str], outcome: str, by: str | Sequence[str], *,
                  where: str | None = None) -> pd.DataFrame:
    """Like :func:`collapse`, straight from a Parquet or CSV file with DuckDB.

    Only the columns named are read, and the ``GROUP BY`` runs inside DuckDB, so files larger
    than memory can be reduced to the few hundred cells a model needs. ``where`` is an
    optional SQL condition (e.g. ``"startdatum >= '2024-01-01'"``). Rows with a missing or
    non-0/1 outcome are an error, as in :func:`collapse`.

    Parameters
    ----------
    path : str or os.PathLike
        A Parquet file (name ending in ``.parquet``) or a CSV file with a header row.
    outcome : str
        The outcome column: 0/1, no missing values.
    by : str or sequence of str
        The column(s) that define the cells.
    where : str, optional
        An SQL condition applied before counting.

    Returns
    -------
    pandas.DataFrame
        One row per cell, ordered by ``by``: the ``by`` columns, ``n`` and ``events`` (floats).

    Raises
    ------
    ValueError
        When some row (after ``where``) has a missing or non-0/1 outcome.

    References
    ----------
    .. [1] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models (2nd ed.). London:
           Chapman & Hall.
    .. [2] Agresti, A. (2013). Categorical Data Analysis (3rd ed.). Hoboken, NJ: Wiley.
    """
    from jamtools.data.engine import connect

    by = [by] if isinstance(by, str) else list(by)
    path = str(path)
    source = (f"read_parquet('{path}')" if path.endswith(".parquet")
              else f"read_csv_auto('{path}', header=true)")
    cols = ", ".join(f'"{c}"' for c in by)
    cond = f"WHERE {where}" if where else ""
    con = connect()
    try:
        bad = con.execute(f'SELECT count(*) FROM {source} {cond} '
                          f'{"AND" if where else "WHERE"} ("{outcome}" IS NULL OR '
                          f'CAST("{outcome}" AS DOUBLE) NOT IN (0, 1))').fetchone()[0]
        if bad:
            raise ValueError(f"Utfallet '{outcome}' ska vara 0/1 (binary outcome): {bad} rader i "
                             f"{path} har annat värde eller saknar värde.")
        out = con.execute(f'SELECT {cols}, count(*)::DOUBLE AS n, '
                          f'sum(CAST("{outcome}" AS DOUBLE)) AS events FROM {source} {cond} '
                          f'GROUP BY {cols} ORDER BY {cols}').df()
    finally:
        con.close()
    return out
