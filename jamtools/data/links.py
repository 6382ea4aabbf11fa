"""Following rows between loaded tables by their ids, where the rows live.

A chapter that follows people through a process (an application to a planning, a planning to
an offered intervention, a report to an investigation) links tables by ids: ``person_id`` (a
client id, or the pseudonym of a personnummer), ``planering_id``, ``utredning_id``. Loaded with
``linked=True`` (:func:`jamtools.data.load_table`), such a table is a cell table whose ids stay
in the engine: pandas holds one row per combination of the columns a chapter compares (sex,
household type, ...) with its number of rows, and the engine holds each source row's ids and
the cell it belongs to (:class:`EngineRows`). A chapter's exclusions on the cells apply to the
rows of those cells; the functions here ask the engine what only the ids can say, and split each
cell by the answer:

- :func:`flag_in`: whether a row's id is among another table's (a planning for an application);
- :func:`count_in`: how many rows of another table have the row's id (offers per planning);
- :func:`flags_by`: per category, whether such a row has it (the types of intervention a
  planning was offered), in one pass;
- :func:`look_up`: a value of the other table's row with that id (the reason type of the
  investigation an intervention came from);
- :func:`first_per_id`: one row per id (persons, not decisions), the first by a date;
- :func:`rows_by_id`: the rows with an id as a number (the rows of a household, for pairs);
- :func:`keep_linked`: leave out, counted, the rows whose id another table lacks;
- :func:`without_rows`: a result as a plain cell table, its rows let go (counted, not followed).

Each works as well on a table loaded as rows (the same rule in pandas, :func:`~jamtools.data.
check.is_in`), so that a chapter is written once. Ids are compared as text (as
:func:`~jamtools.data.check.as_text` writes them); a missing id is never among another table's.
Only cell tables reach pandas: memory grows with the number of combinations, not with rows.
"""
from __future__ import annotations

import contextlib
import dataclasses
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jamtools.data import facts as run_facts
from jamtools.data.check import GIVEN, as_text, is_in, occurrences


@dataclass(eq=False)
class EngineRows:
    """The rows of a cell table kept in the engine: table ``name`` with ``__row`` (the source
    row), ``__cell`` (the row's cell: the cell table's index) and ``v_<column>`` (text) for each
    of ``columns``. Dropped from the engine when no result refers to it any more (and the
    cache of ids other tables refer to, :func:`jamtools.data.load._remember_ids`, no longer
    holds it)."""

    name: str
    columns: tuple[str, ...]
    con: object = dataclasses.field(repr=False, default=None)
    #: The cells the table's rows fall in (the values of ``__cell``, the index of the cell
    #: table it was made with), or None when not known. A result that still keeps every one
    #: of them keeps every row of the table: its queries need no join of its cells.
    cells: np.ndarray | None = dataclasses.field(repr=False, default=None)
    #: The :func:`jamtools.data.facts.source_key` of the file whose every row the table holds
    #: (a load's own rows), by which what the run's check found about the file applies; None
    #: for a table made from such rows (a split of its cells, one row per id).
    source: str | None = dataclasses.field(repr=False, default=None)

    def __post_init__(self):
        from jamtools.data.engine import shared

        if self.con is None:
            self.con = shared()
        weakref.finalize(self, _drop, self.con, self.name)


def _drop(con, name: str) -> None:
    from jamtools.data.engine import ident

    try:
        con.execute(f"DROP TABLE IF EXISTS {ident(name)}")
    except Exception:  # noqa: BLE001  (a closed connection has nothing left to drop)
        pass


class IdSet:
    """Every id of an engine table of checked rows (``check_view(..., save=...)``: ``v_<column>``),
    as the ``other`` of :func:`flag_in`: the ids of a whole table, for the references a load
    checks. The table is dropped with the object, or, with ``owner`` (the
    :class:`EngineRows` whose table it is), kept as long as the owner."""

    def __init__(self, name: str, column: str, *, owner: EngineRows | None = None,
                 source: str | None = None):
        from jamtools.data.engine import shared

        self.name, self.column, self.owner = name, column, owner
        #: the file whose every row's id the table holds (see :attr:`EngineRows.source`)
        self.source = owner.source if owner is not None else source
        self.con = owner.con if owner is not None else shared()
        if owner is None:
            weakref.finalize(self, _drop, self.con, name)


def _rows(loaded) -> EngineRows | None:
    return getattr(loaded, "rows", None)


def _all_cells(loaded) -> bool:
    """Whether ``loaded`` keeps every cell of its engine table (see :attr:`EngineRows.cells`):
    its rows are then the whole table, without a join of the cells kept."""
    rows = _rows(loaded)
    if rows is None or rows.cells is None or len(loaded.data) != len(rows.cells):
        return False
    index = loaded.data.index
    return bool(index.is_unique and np.isin(index.to_numpy(), rows.cells).all())


def has_ids(loaded, column: str) -> bool:
    """Whether ``loaded`` holds ``column`` for its rows, in pandas or in the engine."""
    rows = _rows(loaded)
    return column in loaded.data.columns or (rows is not None and column in rows.columns)


def has_values(loaded, column: str) -> bool:
    """Whether some row ``loaded`` keeps has a value in ``column``: in pandas, or for an id
    kept in the engine by the cells' :data:`~jamtools.data.check.GIVEN` flags."""
    if column in loaded.data.columns:
        return bool(loaded.data[column].notna().any())
    rows = _rows(loaded)
    return rows is not None and column in rows.columns and bool(loaded.data[GIVEN + column].any())


class _Cells:
    """The cells of an engine-backed result as a table of the engine for one query:
    ``__cell``, ``__pos`` and the pandas columns asked for.

    The cells (thousands of rows) are copied into an engine table rather than scanned from a
    registered Arrow table: joined to the 15 million rows of bof_aktualiseringar (r4_01's count
    of persons per year at the bench's 10 million scale, replayed alone), DuckDB took 3.9-4.1 s
    with the Arrow scan and 2.6-3.3 s with its own table."""

    def __init__(self, loaded, columns=(), data: pd.DataFrame | None = None):
        import pyarrow as pa

        from jamtools.data.engine import ident, unique_name

        cells = loaded.data if data is None else data
        self.con, self.name = _rows(loaded).con, unique_name("cells")
        table = {"__cell": pa.array(cells.index.to_numpy(dtype=np.int64)),
                 "__pos": pa.array(np.arange(len(cells), dtype=np.int64))}
        for c in columns:
            table[c] = pa.Array.from_pandas(cells[c])
        arrow = unique_name("cellsarrow")
        self.con.register(arrow, pa.table(table))
        try:
            self.con.execute(f"CREATE TEMP TABLE {ident(self.name)} AS SELECT * FROM {ident(arrow)}")
        finally:
            self.con.unregister(arrow)

    def __enter__(self):
        return self.name

    def __exit__(self, *exc):
        from jamtools.data.engine import ident

        self.con.execute(f"DROP TABLE IF EXISTS {ident(self.name)}")


def _values_sql(con, other, column: str, value: str | None, stack, *, semi: bool = False) -> str:
    """SQL for the rows of ``other`` now kept: ``v`` (the id as text), ``__row`` and, with
    ``value``, ``x`` (that column's value). ``stack`` collects what to unregister. With every
    cell of an engine table kept, the table itself; else its rows joined to the cells kept, or
    with ``semi`` (and no ``value``) a semi join: as the build side of an anti join
    (:func:`missing_count`) DuckDB takes it 1.5-3 times faster, as the list of a mark join
    (``IN``) slower."""
    import pyarrow as pa

    from jamtools.data.engine import ident, unique_name

    if isinstance(other, IdSet):
        return f"SELECT {ident('v_' + other.column)} AS v, __row FROM {ident(other.name)}"
    rows = _rows(other)
    if rows is not None and column in rows.columns:
        if rows.con is not con:
            raise ValueError("The two tables were loaded on different engine connections.")
        if not value and _all_cells(other):
            return f"SELECT {ident('v_' + column)} AS v, __row FROM {ident(rows.name)}"
        cells = _Cells(other, [value] if value else [])
        stack.append(cells)
        name = cells.__enter__()
        if not value and semi:
            return (f"SELECT r.{ident('v_' + column)} AS v, r.__row FROM {ident(rows.name)} r "
                    f"SEMI JOIN {ident(name)} c ON r.__cell = c.__cell")
        x = f", c.{ident(value)} AS x" if value else ""
        return (f"SELECT r.{ident('v_' + column)} AS v, r.__row{x} FROM {ident(rows.name)} r "
                f"JOIN {ident(name)} c ON r.__cell = c.__cell")
    data = other.data
    table = {"v": as_text(data[column]), "__row": pa.array(np.arange(len(data), dtype=np.int64))}
    if value:
        table["x"] = pa.Array.from_pandas(data[value])
    name = unique_name("other")
    con.register(name, pa.table(table))
    stack.append(_Registered(con, name))
    return f"SELECT * FROM {ident(name)}"


class _Registered:
    def __init__(self, con, name):
        self.con, self.name = con, name

    def __exit__(self, *exc):
        self.con.unregister(self.name)


#: The most bits :func:`_split` packs into a cell's number (a cell number below 2**(61 - bits)).
_PACK_BITS = 60
#: Categories :func:`flags_by` can give as the bits of one BIGINT per cell (more: compared as
#: text per category).
_MASK_BITS = 62
_OVER_BITS = "jamtools: a count does not fit in its bits"


def _split(loaded, names: list[str], column: str, other, other_column: str, how: str,
           value: str | None = None, categories: list | None = None, *, follow: bool = True):
    """Split each cell of an engine-backed ``loaded`` by values computed per row from its id
    ``column`` and ``other``'s ``other_column``; the new columns ``names`` hold them (one for
    ``how`` = flag, count or look_up; one per category for flags_by).

    Each value is a small whole number (a flag, a count, or for look_up the value's position
    among ``other``'s values in their sorted order, 0 for none), so the new cell of a row is
    its old cell's number with the values as its low bits: one pass writes the rows' table and
    a count of it gives the cells (:func:`_split_packed`). Only when the numbers would not fit
    in 62 bits are the rows grouped by cell and values first and numbered afterwards.

    ``follow=False`` (the result's rows are not followed further, only its cells counted): the
    engine counts the rows per new cell in the same pass and writes no table of them; the
    result is a plain cell table (no ``rows``)."""
    import pyarrow as pa

    from jamtools.data.engine import ident, literal, unique_name

    rows = _rows(loaded)
    con = rows.con
    stack: list = []
    decode = None
    try:
        if how == "look_up":  # the values as their positions 1..k in sorted order (0: none)
            column_values = other.data[value]
            levels = pd.Series(column_values.dropna().unique())
            try:
                levels = levels.sort_values(ignore_index=True)
            except TypeError:  # values of mixed types: by their text
                levels = levels.iloc[np.argsort(levels.astype(str).to_numpy(), kind="stable")]
            positions = pd.Series(np.arange(1, len(levels) + 1), index=pd.Index(levels, dtype=object))
            code = pd.array(column_values.astype(object).map(positions), dtype="Int64")
            other = dataclasses.replace(other, data=other.data.assign(__code=code))
            found = levels.to_numpy(dtype=object)

            def decode(c):  # the position back to the value (0: missing), in the column's dtype
                return pd.array([found[i - 1] if i > 0 else None for i in np.asarray(c, dtype=np.int64)],
                                dtype=column_values.dtype)
        elif how == "flags_by" and len(categories) <= _MASK_BITS:
            # each row's categories as the bits of one number, made once per cell here, so the
            # engine ORs integers per id instead of comparing every row's text per category
            text = other.data[value]
            bits = np.zeros(len(text), dtype=np.int64)
            for i, c in enumerate(categories):
                bits |= np.where((text == str(c)).fillna(False).to_numpy(dtype=bool), 1 << i, 0)
            other = dataclasses.replace(other, data=other.data.assign(
                __bits=pd.Series(bits, index=text.index, dtype="Int64").mask(text.isna())))
            value = "__bits"
        known = _values_sql(con, other, other_column, "__code" if how == "look_up" else value, stack)
        v = f"r.{ident('v_' + column)}"
        # ``other`` keeps at most one row per id (its key, see LoadResult.unique): nothing to
        # group per id, and a count is a flag
        one_each = (not isinstance(other, IdSet) and _rows(other) is not None
                    and other_column in getattr(other, "unique", ()))
        joined = None
        if how == "flag" or how == "count" and one_each:  # a mark join: no table of the other side's ids
            exprs, widths = [f"CAST(coalesce({v} IN (SELECT v FROM ({known}) WHERE v IS NOT NULL), false) AS BIGINT)"], [1]
        elif how == "count":
            joined, exprs = (f"(SELECT v, count(*) AS n FROM ({known}) WHERE v IS NOT NULL GROUP BY v)",
                             ["coalesce(o.n, 0)"])
            most = _most_rows(other)
            widths = [None if most is None else max(int(most).bit_length(), 1)]
        elif how == "flags_by" and value == "__bits":  # per category: a bit of the ids' OR
            joined = (f"(SELECT v, {'x' if one_each else 'bit_or(x)'} AS m FROM ({known}) "
                      f"WHERE v IS NOT NULL AND x IS NOT NULL{'' if one_each else ' GROUP BY v'})")
            exprs = [f"((coalesce(o.m, 0) >> {i}) & 1)" for i in range(len(categories))]
            widths = [1] * len(categories)
        elif how == "flags_by":  # more categories than bits: whether a row with the id has each
            each = [f"CAST(x AS VARCHAR) = {literal(str(c))}" for c in categories]
            anys = ", ".join(f"{e if one_each else f'bool_or({e})'} AS f{i}" for i, e in enumerate(each))
            joined = (f"(SELECT v, {anys} FROM ({known}) WHERE v IS NOT NULL AND x IS NOT NULL"
                      f"{'' if one_each else ' GROUP BY v'})")
            exprs = [f"CAST(coalesce(o.f{i}, false) AS BIGINT)" for i in range(len(categories))]
            widths = [1] * len(categories)
        else:  # the value of the first row (in source order) with the id, as pandas' drop_duplicates
            first = "x" if one_each else "arg_min_null(x, __row) AS x"
            joined, exprs = (f"(SELECT v, {first} FROM ({known}) WHERE v IS NOT NULL"
                             f"{'' if one_each else ' GROUP BY v'})", ["coalesce(o.x, 0)"])
            widths = [max(len(levels).bit_length(), 1)]
        join = f" LEFT JOIN {joined} o ON {v} = o.v" if joined else ""
        cells = _Cells(loaded)
        stack.append(cells)
        with_ids = "".join(f", r.{ident('v_' + c)}" for c in rows.columns)
        top = int(loaded.data.index.max()) + 1 if len(loaded.data) else 1
        if None not in widths and sum(widths) <= _PACK_BITS and top < 1 << (_PACK_BITS + 1 - sum(widths)):
            # a count over its bits (above the bound) stops the query, never lands in another
            # cell; the rows are then grouped instead
            guarded = [f"(CASE WHEN ({e}) BETWEEN 0 AND {(1 << w) - 1} THEN ({e}) ELSE "
                       f"error('{_OVER_BITS}') END)" if how == "count" else e for e, w in zip(exprs, widths)]
            try:
                return _split_packed(loaded, names, guarded, widths, join, cells.__enter__(), with_ids,
                                     decode, follow=follow)
            except Exception as exc:  # noqa: BLE001  (DuckDB's error for the guard above only)
                if _OVER_BITS not in str(exc):
                    raise
        vs = [f"__v{i}" for i in range(len(exprs))]
        split, groups, new = unique_name("split"), unique_name("groups"), unique_name("linked")
        values = ", ".join(f"{e} AS {v}" for e, v in zip(exprs, vs))
        made = (f"SELECT c.__pos, {values}{', r.__row' + with_ids if follow else ''} "
                f"FROM {ident(rows.name)} r JOIN {ident(cells.__enter__())} c ON r.__cell = c.__cell{join}")
        if follow:
            con.execute(f"CREATE TEMP TABLE {ident(split)} AS {made}")
        try:
            counted = con.sql(f"SELECT __pos, {', '.join(vs)}, count(*) AS __n "
                              f"FROM {ident(split) if follow else f'({made})'} GROUP BY ALL "
                              f"ORDER BY __pos, {', '.join(v + ' NULLS FIRST' for v in vs)}").to_arrow_table()
            if follow:  # the rows' table, each row in its new cell
                con.register(groups, counted.append_column(
                    "__new", pa.array(np.arange(counted.num_rows, dtype=np.int64))))
                stack.append(_Registered(con, groups))
                keep = "".join(f", s.{ident('v_' + c)}" for c in rows.columns)
                same = " AND ".join(f"s.{v} IS NOT DISTINCT FROM g.{v}" for v in vs)
                con.execute(f"CREATE TEMP TABLE {ident(new)} AS SELECT s.__row, g.__new AS __cell{keep} "
                            f"FROM {ident(split)} s JOIN {ident(groups)} g ON s.__pos = g.__pos AND {same}")
        finally:
            con.execute(f"DROP TABLE IF EXISTS {ident(split)}")
    finally:
        for item in reversed(stack):
            item.__exit__(None, None, None)
    pos = np.asarray(counted.column("__pos").to_numpy(), dtype=np.int64)
    data = loaded.data.iloc[pos].copy()
    data.index = pd.RangeIndex(len(data))
    for name, v in zip(names, vs):
        got = np.asarray(counted.column(v).to_numpy(zero_copy_only=False), dtype=np.int64)
        data[name] = decode(got) if decode else got
    data[loaded.weight] = np.asarray(counted.column("__n").to_numpy(), dtype=np.int64)
    _same_rows(loaded, data[loaded.weight])
    return _with_cells(loaded, data, new if follow else None)


def _with_cells(loaded, data: pd.DataFrame, table: str | None):
    """``loaded`` with the split's cells ``data``: its rows in the engine table ``table``, or,
    without one (a split not followed further), a plain cell table."""
    rows = _rows(loaded)
    if table is None:
        return dataclasses.replace(loaded, data=data, log=list(loaded.log), notes=list(loaded.notes),
                                   rows=None, unique=())
    return dataclasses.replace(loaded, data=data, log=list(loaded.log), notes=list(loaded.notes),
                               rows=EngineRows(table, rows.columns, rows.con, cells=data.index.to_numpy(copy=True)))


def _same_rows(loaded, counts) -> None:
    """A split puts every row of ``loaded`` in exactly one new cell: the new cells' counts sum
    to its rows. Anything else (a row joined to two rows of the other table whose id was taken
    as unique, :attr:`jamtools.data.load.LoadResult.unique`) stops the split."""
    before, after = int(loaded.data[loaded.weight].sum()), int(np.asarray(counts).sum())
    if before != after:
        raise RuntimeError(f"A split of the cells by ids changed the number of rows ({before} -> {after}).")


def _most_rows(other) -> int | None:
    """The most rows ``other`` keeps (a bound on how many share an id), None when unknown."""
    if isinstance(other, IdSet):
        return None
    if _rows(other) is not None and other.weight:
        return int(other.data[other.weight].sum())
    return len(other.data)


def _split_packed(loaded, names, exprs, widths, join, cells, with_ids, decode, *, follow: bool = True):
    """:func:`_split` for values that fit in ``widths`` bits each: cell ``c`` with values
    ``x0, x1, …`` becomes ``c << (w0 + w1 + …) | x0 | x1 << w0 …``; the cells keep their order,
    each split by its values in order. ``follow=False``: counted in the same pass, no table."""
    from jamtools.data.engine import ident, unique_name

    rows = _rows(loaded)
    con, shift = rows.con, sum(widths)
    offsets = np.cumsum([0, *widths[:-1]]).tolist()
    new = unique_name("linked")
    packed = " + ".join(f"(({e}) << {o})" for e, o in zip(exprs, offsets))
    made = (f"SELECT {'r.__row, ' if follow else ''}(r.__cell << {shift}) + {packed} AS __cell"
            f"{with_ids if follow else ''} FROM {ident(rows.name)} r SEMI JOIN {ident(cells)} c "
            f"ON r.__cell = c.__cell{join}")
    if follow:
        con.execute(f"CREATE TEMP TABLE {ident(new)} AS {made}")
    counted = con.sql(f"SELECT __cell, count(*) AS __n FROM {ident(new) if follow else f'({made})'} "
                      "GROUP BY 1").to_arrow_table()
    cell = np.asarray(counted.column("__cell").to_numpy(), dtype=np.int64)
    n = np.asarray(counted.column("__n").to_numpy(), dtype=np.int64)
    values = [(cell >> o) & ((1 << w) - 1) for o, w in zip(offsets, widths)]
    pos = pd.Index(loaded.data.index).get_indexer(cell >> shift)
    if (pos < 0).any():  # cannot happen while the values fit their bits: never a wrong cell
        raise RuntimeError("A packed cell number names no cell of the table.")
    order = np.lexsort((*reversed(values), pos))
    data = loaded.data.iloc[pos[order]].copy()
    data.index = pd.Index(cell[order])
    for name, x in zip(names, values):
        data[name] = decode(x[order]) if decode else x[order]
    data[loaded.weight] = n[order]
    _same_rows(loaded, n)
    return _with_cells(loaded, data, new if follow else None)


#: Counts of :func:`missing_count`, by connection and query, for queries over whole engine
#: tables only (no cells registered for the one query). An engine table is never changed after
#: it is made and its name (:func:`~jamtools.data.engine.unique_name`) is never used again in
#: the process, so the same query counts the same rows: a load's check of references and a
#: :func:`keep_linked` of the same two tables, each keeping all its cells, count once.
_MISSING: dict[tuple[int, str], int] = {}


def missing_count(loaded, column: str, other, other_column: str) -> int:
    """The number of rows ``loaded`` keeps whose ``column`` is given and not among ``other``'s
    ``other_column`` (references to rows another table lacks), counted in the engine for a
    linked table (once per query, :data:`_MISSING`)."""
    if not _engine(loaded, column):
        return int((~is_in(loaded.data[column], _known_ids(other, other_column))
                    & loaded.data[column].notna()).sum())
    from jamtools.data.engine import ident

    rows = _rows(loaded)
    stack: list = []
    try:
        known = _values_sql(rows.con, other, other_column, None, stack, semi=True)
        kept = ""
        if not _all_cells(loaded):  # (every cell kept, as at a load's own check: no join)
            cells = _Cells(loaded)
            stack.append(cells)
            kept = f" SEMI JOIN {ident(cells.__enter__())} c ON r.__cell = c.__cell"
        v = ident("v_" + column)
        # an anti join, not NOT IN: DuckDB's mark join for NOT IN took three times as long on
        # 8 million ids against 15 million within the engine's memory limit
        sql = (f"SELECT count(*) FROM {ident(rows.name)} r{kept} "
               f"ANTI JOIN (SELECT v FROM ({known}) WHERE v IS NOT NULL) k ON r.{v} = k.v "
               f"WHERE r.{v} IS NOT NULL")
        whole = not kept and (isinstance(other, IdSet) or _all_cells(other))
        if whole and run_facts.current().references_found(  # the run's check found none in the same files
                rows.source, column, *((other.source, other.column) if isinstance(other, IdSet)
                                       else (_rows(other).source, other_column))):
            return 0
        key = (id(rows.con), sql)
        if not whole:  # a query with this call's own cells: never sent again
            return int(rows.con.sql(sql).fetchall()[0][0])
        if key not in _MISSING:
            _MISSING[key] = int(rows.con.sql(sql).fetchall()[0][0])
        return _MISSING[key]
    finally:
        for item in reversed(stack):
            item.__exit__(None, None, None)


def _known_ids(other, column: str) -> pd.Series:
    """``other``'s ids (now kept) as a Series, from pandas or the engine."""
    rows = _rows(other)
    if column in other.data.columns or rows is None:
        return other.data[column]
    stack: list = []
    try:
        sql = _values_sql(rows.con, other, column, None, stack)
        return rows.con.sql(f"SELECT v FROM ({sql})").to_arrow_table().column(0).to_pandas(
            types_mapper={}.get).astype("string")
    finally:
        for item in reversed(stack):
            item.__exit__(None, None, None)


def _engine(loaded, column: str) -> bool:
    rows = _rows(loaded)
    return column not in loaded.data.columns and rows is not None and column in rows.columns


def flag_in(loaded, column: str, other, other_column: str, *, name: str, follow: bool = True):
    """``loaded`` with a 0/1 column ``name``: 1 where the row's ``column`` is among the ids
    ``other_column`` of the rows ``other`` now keeps (a missing id is never among them).

    Parameters
    ----------
    loaded, other : jamtools.data.LoadResult
        Rows or linked cell tables (``load_table(..., linked=True)``).
    column, other_column : str
        The id columns compared, as text.
    name : str
        The new column.
    follow : bool
        For a linked cell table: keep its rows in the engine, each in its new cell, so that the
        result can be followed to other tables by id (default). ``False`` when only the new
        cells and their counts are wanted (the last step of a chain): the engine counts the
        rows per new cell in the same pass without writing a table of them, and the result is
        a plain cell table (rows in pandas are split in pandas either way). Each such table
        holds a row per source row: at ten million rows several of them outgrow the engine's
        memory limit and spill to disk.

    Returns
    -------
    jamtools.data.LoadResult
        The same rows and account; a cell whose rows differ in ``name`` is split in two.
    """
    if _engine(loaded, column):
        return _split(loaded, [name], column, other, other_column, "flag", follow=follow)
    flags = is_in(loaded.data[column], _known_ids(other, other_column)).astype("int64")
    return loaded.with_data(loaded.data.assign(**{name: flags}))


def count_in(loaded, column: str, other, other_column: str, *, name: str, follow: bool = True):
    """``loaded`` with an int column ``name``: how many rows ``other`` now keeps whose
    ``other_column`` is the row's ``column`` (0 for a missing id). See :func:`flag_in`, also
    for ``follow``."""
    if _engine(loaded, column):
        return _split(loaded, [name], column, other, other_column, "count", follow=follow)
    counts = occurrences(loaded.data[column], _known_ids(other, other_column))
    return loaded.with_data(loaded.data.assign(**{name: counts}))


def look_up(loaded, column: str, other, other_column: str, value: str, *, name: str,
            follow: bool = True):
    """``loaded`` with a column ``name``: ``value`` of the first row (in source order) that
    ``other`` now keeps with the row's ``column`` as its ``other_column``; missing when there
    is none. See :func:`flag_in`, also for ``follow``."""
    if _engine(loaded, column):
        return _split(loaded, [name], column, other, other_column, "look_up", value, follow=follow)
    if _engine(other, other_column):
        raise ValueError("look_up from a linked table needs the rows' table linked too.")
    def text(values: pd.Series) -> pd.Series:  # as text, on the values' own index
        return pd.Series(as_text(values).to_numpy(zero_copy_only=False), index=values.index, dtype=object)

    given = other.data[[other_column, value]].dropna(subset=[other_column])
    first = (given.assign(**{other_column: text(given[other_column])})
             .drop_duplicates(other_column).set_index(other_column)[value])
    keys = text(loaded.data[column])
    return loaded.with_data(loaded.data.assign(**{name: keys.map(first).astype(other.data[value].dtype)}))


def flags_by(loaded, column: str, other, other_column: str, category: str, categories, *,
             names=None, follow: bool = True):
    """``loaded`` with one 0/1 column per value of ``categories``: 1 where a row ``other`` now
    keeps has the row's ``column`` as its ``other_column`` and that value in its column
    ``category`` (compared as text; e.g. the types of intervention a planning was offered).
    One pass over the rows for every category. ``names``: the new columns (default the
    categories). See :func:`flag_in`, also for ``follow``."""
    categories = list(categories)
    names = list(names) if names is not None else [str(c) for c in categories]
    if not categories:
        return loaded
    # the categories compared as text, the same rule on both paths (True, dates: as_text)
    text = pd.array(as_text(other.data[category]).to_pylist(), dtype="string")
    other = other.with_data(other.data.assign(**{category: text}))
    if _engine(loaded, column):
        return _split(loaded, names, column, other, other_column, "flags_by", category, categories,
                      follow=follow)
    if _engine(other, other_column):
        raise ValueError("flags_by from a linked table needs the rows' table linked too.")
    offers = other.data[[other_column, category]].dropna()
    kinds = offers[category]
    flags = {n: is_in(loaded.data[column], offers.loc[kinds == str(c), other_column]).astype("int64")
             for n, c in zip(names, categories)}
    return loaded.with_data(loaded.data.assign(**flags))


#: Bits of a row number in :func:`first_per_id`'s sort key (rows up to 2**40, a cell's rank above;
#: from 2**22 distinct orders, a sort instead).
_ROW_BITS = 40
#: Bits of :func:`first_per_id`'s key of rank, row number and cell (tests set 0 to use the
#: other ways).
_KEY_BITS = 62
#: Rows per pass of :func:`first_per_id`'s count with ``by`` (each row can be a group of its own;
#: tests set 1). Replayed alone with the engine's 1 GB, r4_01's count of 15 million rows with
#: three years took 2.6-3.3 s in one pass and 1.5-1.6 s in three.
_FIRST_PASS_ROWS = 4_000_000


def first_per_id(loaded, column: str, *, by=(), order: str | None = None, follow: bool = True):
    """``loaded`` with one row per value of ``column`` (and of the columns ``by``): the first
    by ``order`` (missing last), then in source order; rows without the id are left out. For
    counting persons, not rows (a person with three decisions in a year is one person that
    year). Not an exclusion of the account: the rows are counted as persons.

    Parameters
    ----------
    loaded : jamtools.data.LoadResult
        Rows, or a linked cell table whose ``by`` and ``order`` columns are in its cells.
    column : str
        The id (``person_id``).
    by : sequence of str
        Columns within whose values each id counts once (``ar``: once per year).
    order : str or None
        The column whose smallest value decides which row is kept (a date).
    follow : bool
        For a linked cell table: keep the kept rows and their ids in the engine, so that the
        result can be followed to other tables by id (default). ``False`` when only the count
        of persons per cell is wanted: the engine counts the kept rows per cell without
        writing them (one hash aggregate over the ids instead of a table of every person),
        and the result is a plain cell table.

    Notes
    -----
    When ``column`` is among ``loaded.unique`` (the table's key, whose missing and repeated
    values the load left out), every kept row with the id is its own first: the rows are
    counted per cell without grouping them by id.

    Returns
    -------
    jamtools.data.LoadResult
    """
    by = list(by)
    if not _engine(loaded, column):
        data = loaded.data
        if order is not None and order in data:
            data = data.sort_values(order, kind="stable")
        data = data.dropna(subset=[column]).drop_duplicates([column, *by])
        return dataclasses.replace(loaded, data=data, log=list(loaded.log), notes=list(loaded.notes))
    from jamtools.data.engine import ident, unique_name

    rows = _rows(loaded)
    con = rows.con
    new = unique_name("linked")
    shift = 1 << _ROW_BITS
    v = ident("v_" + column)
    other_ids = [ident("v_" + c) for c in rows.columns if c != column and follow]
    keep = "".join(", " + c for c in other_ids)
    # the kept row's own other ids, missing ones too (arg_min would skip a NULL for the next row's)
    others = "".join(f", arg_min_null({c}, __k) AS {c}" for c in other_ids)
    top = int(loaded.data.index.max()) if len(loaded.data) else 0
    cell_bits = max(top, 1).bit_length()
    cells, passes = None, 1
    if not by and order is None and _all_cells(loaded) and top >= 0 and cell_bits <= 62 - _ROW_BITS:
        # Every cell kept and nothing to rank them by: the table's own rows, no join of the
        # cells. Each row's key is its row number, then its cell, packed in one integer; the
        # smallest key is the first row, and its low bits its cell. The cells keep their numbers.
        kept = f"SELECT * FROM {ident(rows.name)} WHERE {v} IS NOT NULL"
        if column in loaded.unique:
            first = f"SELECT __row, __cell, {v}{keep} FROM ({kept})"
        else:
            first = (f"SELECT min(__k) >> {cell_bits} AS __row, min(__k) & {(1 << cell_bits) - 1} AS __cell, "
                     f"{v}{others} FROM (SELECT *, (__row << {cell_bits}) + __cell AS __k FROM ({kept})) "
                     f"GROUP BY {v}")
    else:
        # One hash aggregate over the ids, not a sort: the cells (few) carry a code for their
        # ``by`` values and the rank of their ``order`` value (missing last), and each row's sort
        # key is that rank, then its row number, packed in one integer; the row with the smallest
        # key wins. The cells are numbered by their position.
        cells_at = loaded.data
        by_code = (cells_at.groupby(by, dropna=False, sort=False).ngroup().to_numpy() if by
                   else np.zeros(len(cells_at), dtype=np.int64))
        if order:
            rank = cells_at[order].rank(method="dense", na_option="keep").to_numpy(dtype=float)
            rank = np.where(np.isnan(rank), np.nanmax(rank, initial=0) + 1, rank).astype(np.int64)
        else:
            rank = np.zeros(len(cells_at), dtype=np.int64)
        most = con.sql(f"SELECT max(__row) FROM {ident(rows.name)}").fetchall()[0][0]
        # (from here to the ``try`` below that drops it, only the queries' text is made)
        cells = _Cells(loaded.with_data(cells_at.assign(__by=np.asarray(by_code, dtype=np.int64), __rank=rank)),
                       ["__by", "__rank"])
        if by and not follow and column not in loaded.unique:
            # Each ``by`` value's ids are counted apart (a ``by`` value is part of the group):
            # in passes of some :data:`_FIRST_PASS_ROWS` rows, each over the cells of its ``by``
            # values, so that one pass's groups fit the engine's memory instead of spilling.
            passes = max(1, int(min(int(by_code.max(initial=0)) + 1, -(-int(most or 0) // _FIRST_PASS_ROWS))))
        cells_of = (lambda j: ident(cells.name) if passes == 1 else
                    f"(SELECT * FROM {ident(cells.name)} WHERE __by % {passes} = {j})")
        ranked = (f"SELECT r.*, c.__pos, c.__by, c.__rank FROM {ident(rows.name)} r JOIN {{cells}} c "
                  f"ON r.__cell = c.__cell WHERE r.{v} IS NOT NULL")
        rank_bits = max(int(rank.max(initial=0)), 1).bit_length()
        pos_bits = max(len(cells_at) - 1, 1).bit_length()
        row_bits = max(int(most or 0), 1).bit_length()
        if column in loaded.unique:  # no two kept rows share the id: each row is its own first
            first = f"SELECT __row, __pos AS __cell, {v}{keep} FROM ({ranked})"
        elif rank_bits + row_bits + pos_bits <= _KEY_BITS:
            # the rank, the row number and the cell's position in one key: one min, not an
            # arg_min beside it (some 20 % of the query on 10 million rows)
            low = (1 << pos_bits) - 1
            first = (f"SELECT (min(__k) >> {pos_bits}) & {(1 << row_bits) - 1} AS __row, min(__k) & {low} AS __cell, "
                     f"{v}{others} FROM (SELECT *, (((__rank << {row_bits}) + __row) << {pos_bits}) + __pos AS __k "
                     f"FROM ({ranked})) GROUP BY {v}, __by")
        elif int(rank.max(initial=0)) < 1 << (62 - _ROW_BITS):
            first = (f"SELECT min(__k) % {shift} AS __row, arg_min_null(__pos, __k) AS __cell, {v}{others} "
                     f"FROM (SELECT *, __rank * {shift} + __row AS __k FROM ({ranked})) GROUP BY {v}, __by")
        else:  # too many distinct orders to pack with the row number: sort instead
            first = (f"SELECT __row, __pos AS __cell, {v}{keep} FROM (SELECT *, row_number() OVER "
                     f"(PARTITION BY {v}, __by ORDER BY __rank, __row) AS __n FROM ({ranked})) WHERE __n = 1")
    firsts = [first.replace("{cells}", cells_of(j)) for j in range(passes)] if cells is not None else [first]
    try:
        if follow:
            con.execute(f"CREATE TEMP TABLE {ident(new)} AS {firsts[0]}")
            firsts = [f"SELECT __cell FROM {ident(new)}"]
        counted = [con.sql(f"SELECT __cell, count(*) AS __n FROM ({f}) GROUP BY 1").to_arrow_table()
                   for f in firsts]
    finally:
        if cells is not None:
            cells.__exit__()
    cell = np.concatenate([np.asarray(c.column("__cell").to_numpy(), dtype=np.int64) for c in counted])
    n = np.concatenate([np.asarray(c.column("__n").to_numpy(), dtype=np.int64) for c in counted])
    cell, at = np.unique(cell, return_inverse=True)  # in the cells' order; the passes' counts added
    n = np.bincount(at, weights=n, minlength=len(cell)).astype(np.int64)
    if cells is None:  # the cells' own numbers, back in the order of the cells
        pos = pd.Index(loaded.data.index).get_indexer(cell)
        if (pos < 0).any():
            raise RuntimeError("A counted cell is not a cell of the table.")
        in_order = np.argsort(pos, kind="stable")
        pos, cell, n = pos[in_order], cell[in_order], n[in_order]
    else:
        pos = cell  # the rows' table numbers its cells by position
    data = loaded.data.iloc[pos].copy()
    data.index = pd.Index(cell)
    data[loaded.weight] = n
    unique = tuple(dict.fromkeys([*loaded.unique, *([] if by else [column])])) if follow else ()
    return dataclasses.replace(loaded, data=data, log=list(loaded.log), notes=list(loaded.notes),
                               rows=EngineRows(new, rows.columns, con, cells=data.index.to_numpy(copy=True)) if follow else None,
                               unique=unique)


def rows_by_id(loaded, column: str, columns, *, group_size: int | None = None) -> pd.DataFrame:
    """One row per source row ``loaded`` keeps with ``column`` given: ``column`` as a number
    (the same number for the same id, numbered in the ids' order; the ids themselves stay in
    the engine) and ``columns`` of the row's cell. With ``group_size``, only the rows whose id
    occurs exactly that many times among them (the rows that can form pairs: a household's
    two parents), so that pairing (:func:`jamtools.stats.pair_up`) gets only those.

    Parameters
    ----------
    loaded : jamtools.data.LoadResult
        Rows, or a linked cell table whose ``columns`` are in its cells.
    column : str
        The id that groups rows (``hushall_id``).
    columns : sequence of str
        The cell columns each row needs (sex, the outcomes).
    group_size : int or None
        Keep only ids with exactly this many rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``column`` (int64) and ``columns``; a RangeIndex.
    """
    columns = list(columns)
    if not _engine(loaded, column):
        rows = loaded.data[loaded.data[column].notna()]
        if group_size is not None:
            rows = rows[rows.groupby(column)[column].transform("size") == group_size]
        codes = pd.Series(pd.factorize(as_text(rows[column]).to_numpy(zero_copy_only=False), sort=True)[0],
                          dtype="int64")
        out = rows[columns].reset_index(drop=True)
        out.insert(0, column, codes.to_numpy())
        return out
    from jamtools.data.engine import ident

    rows = _rows(loaded)
    v = ident("v_" + column)
    cells = _Cells(loaded, columns)
    try:
        name = cells.__enter__()
        having = f"WHERE __k = {int(group_size)}" if group_size is not None else ""
        picked = ", ".join(f"c.{ident(c)}" for c in columns)
        res = rows.con.sql(
            f"SELECT dense_rank() OVER (ORDER BY {v}) - 1 AS {ident(column)}, * EXCLUDE ({v}, __k, __row) FROM ("
            f"SELECT r.{v}, r.__row, {picked}, count(*) OVER (PARTITION BY r.{v}) AS __k "
            f"FROM {ident(rows.name)} r JOIN {ident(name)} c ON r.__cell = c.__cell WHERE r.{v} IS NOT NULL) "
            f"{having} ORDER BY {v}, __row").to_arrow_table()
    finally:
        cells.__exit__()
    out = res.to_pandas(types_mapper={}.get)
    for c in columns:  # the cells' own types
        out[c] = out[c].astype(loaded.data[c].dtype)
    out[column] = out[column].astype("int64")
    return out


def mostly_unmatched(loaded, other_table: str) -> bool:
    """Whether the load left out more than :data:`jamtools.data.check.FAIL_SHARE` of the rows it
    read (and more than :data:`~jamtools.data.check.FAIL_MIN`) because their id refers to a row of ``other_table`` that the data lack (the step
    "Hänvisar till <other_table> som saknas"). A link that leaves so many rows out is not a
    link: the two files most likely write their ids differently (a number in one, leading
    zeros in the other), and a step built on it would count the rest as not going on."""
    from jamtools.data.check import FAIL_MIN, FAIL_SHARE

    if loaded is None:
        return False
    read = sum(int(e["antal"]) for e in loaded.log if e["typ"] == "inlästa")
    dangling = loaded.excluded_by_reason().get(f"Hänvisar till {other_table} som saknas", 0)
    # as the check's rule for a column most of whose values cannot be read: more than the share,
    # and more than a few rows (one dangling id of four is a bad row, not a mismatch)
    return bool(read and dangling > FAIL_MIN and dangling > FAIL_SHARE * read)


def keep_linked(loaded, column: str, other, other_column: str, *, reason: str):
    """``loaded`` without the rows whose ``column`` is not among ``other``'s ``other_column``
    (:func:`flag_in`), left out and counted under ``reason``.

    For a linked cell table the engine first counts the rows whose id ``other`` lacks
    (:func:`missing_count`, an anti join); when there are none (the usual case) nothing is
    split: the rows left out are those without the id, whole cells (each cell says whether its
    rows have it), and the result keeps the same table of rows, with the step in its account.
    Only otherwise are the cells split by the flag, which writes a new table of every row."""
    given = GIVEN + column
    if (_engine(loaded, column) and given in loaded.data
            and missing_count(loaded, column, other, other_column) == 0):
        return loaded.exclude(~loaded.data[given].astype(bool), reason)
    flag = "__linked"
    flagged = flag_in(loaded, column, other, other_column, name=flag)
    out = flagged.exclude(flagged.data[flag] == 0, reason)
    return out.with_data(out.data.drop(columns=[flag]))


def without_rows(loaded):
    """``loaded`` as a plain cell table, without its rows in the engine: for a result whose ids
    are not followed any further (counted, shown). The engine drops the rows' table when no
    other result refers to it, so that a chapter that reads several large tables one after
    another holds one table's rows at a time, not all of them (at ten million rows each such
    table took 290-580 MB of the engine's memory in the bench). A table whose ids other tables
    refer to stays while :data:`jamtools.data.load._KNOWN_IDS` keeps it for their checks of
    references. The cells, weights and account are the same; a result without engine rows is
    returned as it is."""
    if _rows(loaded) is None:
        return loaded
    return _with_cells(loaded, loaded.data, None)


@contextlib.contextmanager
def rows_view(loaded, data: pd.DataFrame | None = None):
    """The rows of a linked load where they are: the name of an engine view with one row per
    source row, for a query that needs the rows themselves (the words of free text,
    :func:`jamtools.stats.text.count_words`), without reading a row into pandas.

    ``loaded`` is a cell table whose identifying columns stay in the engine
    (``load_table(..., cells=True, linked=True)``; a note's text tells rows apart, as an id
    does). The view has one row per source row of the cells ``data`` (default ``loaded.data``,
    or a subset of its rows): ``__row``, ``__cell``, each column the engine keeps, under its own
    name, and the cells' own columns (not the weight, nor the flags of whether an id is given).
    It lives on the engine's shared connection (:func:`jamtools.data.engine.shared`) and is
    dropped on leaving the ``with`` block.

    Parameters
    ----------
    loaded : jamtools.data.LoadResult
        A linked load (with ``rows``).
    data : pandas.DataFrame, optional
        Cells of ``loaded`` (rows of ``loaded.data``, on its index).

    Yields
    ------
    str
        The view's name.
    """
    from jamtools.data.engine import ident, shared, unique_name

    rows = _rows(loaded)
    if rows is None:
        raise ValueError("rows_view needs a linked load (load_table(..., linked=True)).")
    if rows.con is not shared():
        raise ValueError("The rows were loaded on another engine connection than this thread's.")
    cells = loaded.data if data is None else data
    keep = [c for c in cells.columns if c != loaded.weight and not str(c).startswith("__")
            and c not in rows.columns]
    view = unique_name("rows")
    with _Cells(loaded, keep, data=cells) as cname:
        picked = "".join([f", r.{ident('v_' + c)} AS {ident(c)}" for c in rows.columns]
                         + [f", c.{ident(c)}" for c in keep])
        try:
            rows.con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT r.__row, "
                             f"r.__cell{picked} FROM {ident(rows.name)} r "
                             f"JOIN {ident(cname)} c ON r.__cell = c.__cell")
            yield view
        finally:
            rows.con.execute(f"DROP VIEW IF EXISTS {ident(view)}")


__all__ = ["mostly_unmatched", "EngineRows", "IdSet", "count_in", "first_per_id", "flag_in", "flags_by", "has_ids",
           "has_values", "keep_linked", "look_up", "missing_count", "rows_by_id", "rows_view",
           "without_rows"]
