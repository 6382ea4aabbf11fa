"""Aggregate first: reduce row-level data to counts per cell before any model is fitted."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

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
            f"Utfallet '{outcome}' ska vara 0/1 (binary outcome): {len(bad)} "
            f"{'rad' if len(bad) == 1 else 'rader'} har annat värde "
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


def complete_cells(counts: pd.DataFrame, levels: Mapping[str, Sequence]) -> pd.DataFrame:
    """A collapsed table with a row for every combination of ``levels``, empty or not.

    :func:`collapse` gives one row per *observed* cell, so a table of groups made from it lists
    only the combinations that exist: even with every value hidden, its rows tell a reader that
    (say) a foreign-born man of 75–79 living alone is among the clients. With a row (``n = 0``,
    ``events = 0``) for every combination of the levels, an empty group is there like any
    other, and disclosure control can hide it as it hides a small one (Hundepool et al. 2012).

    Parameters
    ----------
    counts : pandas.DataFrame
        A collapsed table: the cell columns, ``n`` and ``events`` (and possibly other count
        columns, filled with 0 in an added row).
    levels : mapping of str to sequence
        For each cell column of ``counts``, the levels to list (e.g. the data model's codes,
        :func:`jamtools.data.model.code_levels`). A column not named keeps its observed levels.
        Observed values not among a column's levels are kept (added after them).

    Returns
    -------
    pandas.DataFrame
        The rows of ``counts`` and a row of zeros for every combination not in it, with the
        cell columns first, in the order of the levels.

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S.,
           Spicer, K. & de Wolf, P.-P. (2012). Statistical Disclosure Control. Chichester:
           Wiley.
    """
    count_cols = [c for c in counts.columns if c in ("n", "events")]
    cells = [c for c in counts.columns if c not in count_cols]
    if not cells:
        return counts.copy()
    grid_levels = []
    for c in cells:
        given = list(levels.get(c, ()))
        seen = [v for v in dict.fromkeys(counts[c]) if not pd.isna(v) and v not in given]
        grid_levels.append(given + sorted(seen, key=str))
    grid = pd.MultiIndex.from_product(grid_levels, names=cells).to_frame(index=False)
    if grid.empty:
        return counts.copy()
    keys = grid.astype(object).map(str).agg("\x00".join, axis=1)
    have = set(counts[cells].astype(object).map(str).agg("\x00".join, axis=1)) if len(counts) else set()
    missing = grid[~keys.isin(have)]
    if missing.empty:
        return counts.copy()
    added = missing.assign(**{c: 0.0 for c in count_cols})
    out = pd.concat([counts.astype({c: object for c in cells}),
                     added.astype({c: object for c in cells})], ignore_index=True)
    for c in cells:  # the cell columns keep their type where it holds the added levels
        try:
            out[c] = out[c].astype(counts[c].dtype)
        except (TypeError, ValueError):
            pass
    return out[[*cells, *count_cols]]


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
            raise ValueError(f"Utfallet '{outcome}' ska vara 0/1 (binary outcome): {bad} "
                             f"{'rad' if bad == 1 else 'rader'} i "
                             f"{path} har annat värde eller saknar värde.")
        out = con.execute(f'SELECT {cols}, count(*)::DOUBLE AS n, '
                          f'sum(CAST("{outcome}" AS DOUBLE)) AS events FROM {source} {cond} '
                          f'GROUP BY {cols} ORDER BY {cols}').df()
    finally:
        con.close()
    return out
