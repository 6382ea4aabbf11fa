"""Disclosure control: nothing shown to a reader can identify a person.

- **Primary suppression** hides every count from 1 to ``threshold − 1`` and everything
  computed from it (shares, intervals, means, differences).
- **Secondary (complementary) suppression** hides further cells so that no hidden cell can be
  recovered from the published cells and the margins (row and column totals, the other sex's
  cell, the overall table of the same run). Every line of a table with a hidden cell gets at
  least two, and a linear-programming check (the attacker's best bounds, given the published
  cells, the totals and that counts are ≥ 0) confirms that no hidden cell is pinned to a
  single value; where one is, more cells are hidden.
- **Zero** is shown in a table of counts: an empty cell says nothing about a person. A table
  of shares by groups lists every combination of levels, and there an empty group is hidden
  as a small one (:func:`disclose_shares`): a list of the groups that exist, or a 0 beside a
  hidden small group, would tell that someone is in it. But a group where *all* or
  *none* have the outcome reveals the outcome of every member (attribute disclosure); it is
  flagged (``all_or_none``).
- **Rounding** (``round_counts``) is the alternative some publishers use; it also protects
  against differencing between runs that differ by a small filter.

Disclosed tables carry ``df.attrs["jamtools_disclosed"]``; ``jamtools.present.report`` and
``jamtools.present.plots`` refuse anything without it. References: Hundepool et al. (2012),
*Statistical Disclosure Control*, ch. 4–5; OECD Glossary of Statistical Terms, "threshold rule".
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import linprog

#: Default smallest count that may be shown. The OECD glossary's threshold rule notes that
#: agencies commonly require at least 3 or 5 units per cell; Swedish municipal key figures
#: (Kolada) and Socialstyrelsen's statistics hide small values without a published number.
#: The handbook takes the stricter 5; set ``threshold`` in jamtools.yml to follow a local rule.
DEFAULT_THRESHOLD = 5
#: How a suppressed value is shown (as in Kolada and Socialstyrelsen's tables).
SUPPRESSED_MARK = ".."
ATTR = "jamtools_disclosed"

#: Why a count (and what is computed from it) is hidden: one reason for a small count (primary
#: suppression), a small count of those with or without the outcome, and a count hidden to
#: protect another (complementary suppression). Told apart, the reasons give the attacker what
#: the linear-programming check assumes unknown: a primary cell lies in 1 .. threshold − 1 and a
#: complementary one at or above the threshold. A probe's bof_02 at threshold 3 marked a girls'
#: group "färre än 3" and the other "dold för att skydda en annan cell"; in 162 of 400 random
#: small tables disclosed by :func:`disclose_table` those bounds pinned a hidden cell (a line of
#: 4 with two cells "färre än 3": 2 and 2). Published tables mark both with the same '..' and
#: no reason per cell; the page's note says what '..' can mean. The same holds for an amount
#: row hidden for few units with an amount (:mod:`jamtools.disclosure.analyses`) and a curve's
#: hidden point (:mod:`jamtools.disclosure.curves`): tests/disclosure/test_reason_bounds.py.
REASON_HIDDEN = "för litet underlag eller skyddar en dold uppgift"
#: A comparison, or another value computed from a group whose count is hidden.
REASON_GROUP = "bygger på en dold grupp"
#: Why a comparison that is not hidden shows no estimate, interval or p-value.
NOT_COMPUTED = "kan inte beräknas med dessa data"
#: An estimate adjusted over strata (standardised, Mantel–Haenszel) one of whose strata has a
#: hidden count (:func:`hide_adjusted_over_hidden_strata`).
REASON_STRATA = "bygger på delgrupper med dolda antal"


class NotDisclosedError(RuntimeError):
    """A table that has not passed disclosure control was about to be shown."""


def _mark(df: pd.DataFrame, threshold: int, rounding=None) -> pd.DataFrame:
    """Mark ``df`` as disclosed. A hidden row's ``warning`` is dropped: a statistic's warning
    speaks of the counts the row hides ("En av grupperna har färre än två observationer" beside
    a hidden group said it held one person); the suppression reason says why it is hidden."""
    if "warning" in df.columns and "suppressed" in df.columns and len(df):
        hidden = df["suppressed"].fillna(False).astype(bool).to_numpy()
        if hidden.any():
            df["warning"] = df["warning"].astype(object).where(~hidden, "")
    df.attrs[ATTR] = {"threshold": int(threshold), "rounding": rounding}
    return df


def is_disclosed(df) -> bool:
    """True when ``df`` came out of this module."""
    return isinstance(df, pd.DataFrame) and ATTR in df.attrs


def require_disclosed(df, what: str = "tabellen") -> None:
    """Raise :class:`NotDisclosedError` unless ``df`` passed disclosure control."""
    if not is_disclosed(df):
        raise NotDisclosedError(
            f"{what} har inte passerat röjandekontrollen. Kör den genom jamtools.disclosure "
            "(till exempel disclose_shares eller disclose_table) innan den visas."
        )


def is_small(values, threshold: int) -> np.ndarray:
    """Counts that primary suppression hides: 1 .. threshold − 1."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return (v > 0) & (v < threshold)


def selection_gives_back(whole, selection, threshold: int) -> set[str]:
    """The groups whose count in a selection of rows, set beside their count in all rows,
    would give back a small count: the rows the selection leaves out.

    A page that shows the rows a chapter analyses (1 391 men) and a selection of them (the
    1 389 with a time to exit) gives the 2 men without a time back by subtraction, whatever
    each table hides. A chapter leaves such rows out of its whole page
    (``ChapterRun.without_few``); the page checks its data tables once more with this
    (``jamtools.present.page.link_selections``) and hides what a selection would give back.

    Parameters
    ----------
    whole, selection : mapping of str to int
        Rows per group (sex code) of all rows and of the selection (a subset of them).
    threshold : int
        The smallest count that may be shown.

    Returns
    -------
    set of str
        The groups with between 1 and ``threshold`` − 1 rows left out by the selection.
    """
    groups = sorted(set(whole) | set(selection))
    left = [float(whole.get(g, 0) or 0) - float(selection.get(g, 0) or 0) for g in groups]
    return {g for g, small in zip(groups, is_small(left, threshold)) if small}


def hidden_in_selection(data: pd.DataFrame, threshold: int, *, weight: str | None = None,
                        group: str = "kon", shown: bool = True,
                        counts: Mapping[str, int] | None = None) -> set[str]:
    """The sexes whose count of ``data``'s rows the page must not give back: ``data`` is a
    selection of rows whose count the page shows (a data table of them, or an analysis of all
    of them, :func:`jamtools.data.load.mark_shown`), and beside that count it would give back
    the few rows the selection leaves out (:func:`selection_gives_back`).

    ``data`` carries the account of the rows it came from (a LoadResult's ``data``, a
    ``exclude`` of it, or a pandas filter of either: :func:`jamtools.data.load.rows_of`), so no
    chapter has to say which rows its selection was made from. With ``shown``, ``data``'s own
    count is recorded as shown when it is all of its LoadResult's rows (an analysis of them
    shows it), so that a selection analysed later is protected against it, and as an analysis
    of a selection, so that rows it came from shown later hide instead
    (:func:`hidden_beside_selections`, also applied here to ``data``). The order decides which
    of two such counts is hidden (the one shown second), never whether the few rows between
    them can be computed. ``data``'s rows are counted by sex once, for all of this.

    Parameters
    ----------
    data : DataFrame
        The rows analysed (one per unit, or a cell table with ``weight``).
    threshold : int
        The smallest count that may be shown.
    weight : str, optional
        The column of units per row of a cell table.
    group : str
        The column of the groups compared; only sex (``kon``) is counted by the rows' account.
    shown : bool
        Record ``data``'s count as shown.
    counts : mapping of str to int, optional
        ``data``'s units by sex where the caller has counted them already
        (:func:`units_by_sex` of :func:`amount_cells`); counted here otherwise.

    Returns
    -------
    set of str
        Sex codes.
    """
    from jamtools.data.load import mark_analysed, mark_shown, rows_of, shown_wholes

    if group != "kon" or rows_of(data) is None or "kon" not in data.columns:
        return set()
    counts = _units_by_sex(data, weight) if counts is None else {str(k): int(v) for k, v in counts.items() if v}
    out: set[str] = set()
    for whole in shown_wholes(data, counts):
        out |= selection_gives_back(whole, counts, threshold)
    # and, whatever the order, a selection of these rows analysed before (the whole hides)
    out |= hidden_beside_selections(data, threshold, weight=weight, counts=counts)
    if shown:
        if _all_rows(data, weight, counts):
            mark_shown(data)
        mark_analysed(data, counts, set(counts) - out)
    return out


def hidden_beside_selections(data: pd.DataFrame, threshold: int, *,
                             weight: str | None = None,
                             counts: Mapping[str, int] | None = None) -> set[str]:
    """The sexes whose count of ``data``'s rows (all the rows of its LoadResult) the page must
    not show: an analysis made before of a selection of them showed its count of the sex, and
    beside it this one would give back the few rows the selection leaves out
    (:func:`selection_gives_back`).

    :func:`hidden_in_selection` hides the selection when the rows it came from were shown
    first; this hides the rows when they are shown after (a data table made at the end of the
    page, :func:`jamtools.present.report.quality_table`; an analysis of all of them): the order
    of a page's tables decides which of the two counts is hidden (the one shown second), never
    whether the few rows between them can be computed.

    Parameters
    ----------
    data : DataFrame
        The rows shown (one per unit, or a cell table with ``weight``), with the account of
        their LoadResult (:func:`jamtools.data.load.rows_of`); a pandas filter of them is
        compared with nothing.
    threshold : int
        The smallest count that may be shown.
    weight : str, optional
        The column of units per row of a cell table.
    counts : mapping of str to int, optional
        ``data``'s units by sex where the caller knows them (counted already, or a LoadResult's
        account: :func:`jamtools.data.load.counts_after`); counted here otherwise, and only
        when a selection of the same rows was analysed before.

    Returns
    -------
    set of str
        Sex codes.
    """
    from jamtools.data.load import analysed_selections, rows_of, selections_analysed

    if rows_of(data) is None or "kon" not in data.columns:
        return set()
    if counts is None:
        if not selections_analysed(data):
            return set()  # nothing to compare with: no need to count the rows
        counts = _units_by_sex(data, weight)
    out: set[str] = set()
    for selection, shown in analysed_selections(data, counts):
        out |= selection_gives_back(counts, selection, threshold) & set(shown)
    return out


def hidden_for_few_persons(data: pd.DataFrame, threshold: int, *, persons: str | None,
                           weight: str | None = None, group: str = "kon") -> set[str]:
    """The groups (sexes) whose rows of ``data`` rest on fewer than ``threshold`` distinct
    persons, though there may be enough rows: a data table would show a count that can be one
    person's (one girl's six investigations), and beside it the shares hidden for few persons
    come back (6 of the 40 reports led to one). :func:`jamtools.present.report.quality_table`
    hides their rows read and analysed as for :func:`hidden_beside_selections`, and the results
    file's counts with them.

    Parameters
    ----------
    data : DataFrame
        All the rows of a load (one per unit, or a cell table with ``weight``) with its persons
        counted (:attr:`jamtools.data.LoadResult.persons`).
    threshold : int
        The smallest number of persons a shown count may rest on.
    persons : str or None
        The column of the persons; None (rows are persons, or the export has no ids): none.
    weight : str, optional
        The column of units per row of a cell table.
    group : str
        The group column.

    Returns
    -------
    set of str
        The groups with at least one person and fewer than ``threshold``.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 5 (the threshold
    rule on the contributors to a cell).
    """
    if persons is None or persons not in data.columns or not len(data):
        return set()
    from jamtools.stats.categorical import distinct_persons_by

    counted = distinct_persons_by(data, [group], persons, count=weight)
    return {g for g, n in counted.items() if 0 < n < threshold}


def amount_cells(data: pd.DataFrame, value: str, *, by: str | None = None,
                 weight: str | None = None, group: str = "kon") -> dict[tuple, tuple[float, float]]:
    """The units, and the units with an amount other than 0, of ``data`` per cell: ``(group,)``,
    or ``(by, group)`` with ``by``; what :func:`hidden_amounts_in_selection` compares.

    Parameters
    ----------
    data : DataFrame
        One row per unit, or a cell table with ``weight``; the amount in ``value``.
    value : str
        The amount's column.
    by : str, optional
        A category the amount is also shown by.
    weight : str, optional
        The column of units per row of a cell table.
    group : str
        The column of the groups compared.

    Returns
    -------
    dict
        Cell (a tuple of the values as text) -> (units, units with an amount other than 0).
    """
    units = data[weight].astype(float) if weight else pd.Series(1.0, index=data.index)
    amount = pd.to_numeric(data[value], errors="coerce")
    keys = [data[by].astype(object).where(data[by].notna(), _MISSING_KEY).astype(str)] if by else []
    keys.append(data[group].astype(str))
    frame = pd.DataFrame({"n": units.to_numpy(float),
                          "nz": (units * (amount.fillna(0) != 0)).to_numpy(float)})
    sums = frame.groupby([k.to_numpy() for k in keys], sort=False).sum()
    return {(tuple(map(str, k)) if isinstance(k, tuple) else (str(k),)): (float(r["n"]), float(r["nz"]))
            for k, r in sums.iterrows()}


def hidden_amounts_in_selection(data: pd.DataFrame, value: str, threshold: int, *,
                                by: str | None = None, weight: str | None = None,
                                group: str = "kon", cells: dict | None = None) -> set[tuple]:
    """The cells (sex, or category and sex) whose amount of ``data``'s rows the page must not
    show: beside the same amount shown for rows ``data`` is a selection of, or for a selection
    of ``data``'s rows, it would give back the amount of the few rows between them.

    A page that shows the mean hours of 20 men (and so their sum) and of the 18 of them with a
    known age gives the 2 men's hours by subtraction, whatever each table hides; and if only
    one of 10 men left out had any hours, the difference is that man's. A cell is hidden where
    the rows between the two analyses are few (1 to ``threshold`` − 1 units,
    :func:`selection_gives_back`) or few of them have an amount other than 0 (the contributors
    rule of :func:`jamtools.disclosure.analyses.disclose_amount_summary`), and the other
    analysis showed the cell. Where the other analysis hid the cell (or never showed this
    amount), nothing is hidden: the rows between them then have no amount a reader can
    compute, only a count, which :func:`hidden_in_selection` protects.

    Like the counts' protection, this does not depend on the order of the analyses: the rows
    a selection came from, analysed after it, have their cell hidden instead. Every analysis of
    an amount is recorded with :func:`record_amount_shown`.

    ``data`` carries the account of the rows it came from (:func:`jamtools.data.load.rows_of`):
    two analyses are compared when one's rows are all the rows of a LoadResult after some step
    of its log and the other's are those rows after further steps, or a pandas filter of them.
    Two filters of the same rows are not compared (neither need hold the other).

    Parameters
    ----------
    data : DataFrame
        The rows analysed (one per unit, or a cell table with ``weight``).
    value : str
        The amount's column.
    threshold : int
        The smallest count that may be shown.
    by : str, optional
        A category the amount is also shown by: the cells are then (category, sex).
    weight : str, optional
        The column of units per row of a cell table.
    group : str
        The column of the groups compared; only sex (``kon``) is followed by the rows' account.
    cells : dict, optional
        :func:`amount_cells` of ``data`` (the same ``by``), where the caller has them.

    Returns
    -------
    set of tuple
        Cells as :func:`amount_cells` keys them.
    """
    from jamtools.data.load import amounts_shown, rows_of

    if group != "kon" or rows_of(data) is None or group not in data.columns or value not in data.columns:
        return set()
    steps = rows_of(data)[2]
    mine = amount_cells(data, value, by=by, weight=weight, group=group) if cells is None else cells
    full = _all_rows(data, weight, units_by_sex(mine))
    out: set[tuple] = set()
    for other_steps, other_full, cells in amounts_shown(data, value):
        k = min(len(steps), len(other_steps))
        if steps[:k] != other_steps[:k]:
            continue
        # which one's rows hold the other's: all the rows after the shorter account's steps
        whole_is_other = len(other_steps) < len(steps) or (len(other_steps) == len(steps) and not full)
        whole_is_mine = len(steps) < len(other_steps) or (len(steps) == len(other_steps) and not other_full)
        if not ((whole_is_other and other_full) or (whole_is_mine and full)):
            continue
        for cell, (n_other, nz_other) in cells.items():
            if len(cell) != (2 if by else 1):
                continue
            n, nz = mine.get(cell, (0.0, 0.0))
            if is_small([abs(n - n_other)], threshold)[0] or is_small([abs(nz - nz_other)], threshold)[0]:
                out.add(cell)
    return out


def _units_by_sex(data: pd.DataFrame, weight: str | None) -> dict[str, int]:
    """``data``'s units by sex (``kon``), the sexes with none left out."""
    units = data[weight].astype(float) if weight else pd.Series(1.0, index=data.index)
    per_sex = units.groupby(data["kon"].astype(str), observed=True).sum()
    return {str(k): int(v) for k, v in per_sex.items() if v}


def units_by_sex(cells: dict) -> dict[str, int]:
    """The units by sex of :func:`amount_cells`' ``cells`` (summed over a category), the sexes
    with none left out: what :func:`hidden_in_selection` counts, without counting the rows again.

    Parameters
    ----------
    cells : dict
        Cell (sex, or category and sex) -> (units, units with an amount other than 0).

    Returns
    -------
    dict of str to int
    """
    out: dict[str, float] = {}
    for cell, (n, _) in cells.items():
        out[cell[-1]] = out.get(cell[-1], 0.0) + float(n)
    return {k: int(v) for k, v in out.items() if int(v)}


def _all_rows(data: pd.DataFrame, weight: str | None, counts: Mapping[str, int] | None = None) -> bool:
    """Whether ``data`` holds all the rows of its LoadResult (its account's count by sex);
    ``counts``: ``data``'s units by sex, where the caller has them."""
    from jamtools.data.load import counts_after, rows_of

    counts = _units_by_sex(data, weight) if counts is None else {k: v for k, v in counts.items() if v}
    return counts == counts_after(rows_of(data)[2])


def record_amount_shown(data: pd.DataFrame, value: str, disclosed: pd.DataFrame, *,
                        by: str | None = None, weight: str | None = None,
                        group: str = "kon", cells: dict | None = None) -> None:
    """Record the cells of ``disclosed`` (an amount summary of ``data``'s rows, per sex or per
    category and sex) whose amount is shown, for :func:`hidden_amounts_in_selection`.

    Parameters
    ----------
    data : DataFrame
        The rows the summary was computed from.
    value : str
        The amount's column.
    disclosed : DataFrame
        The disclosed summary, with ``group`` (and ``by``) and ``suppressed``.
    by : str, optional
        The summary's category column.
    weight : str, optional
        The column of units per row of a cell table.
    group : str
        The column of the groups compared.
    cells : dict, optional
        :func:`amount_cells` of ``data`` (the same ``by``), where the caller has them.

    Returns
    -------
    None
    """
    from jamtools.data.load import mark_amount_shown, rows_of

    if group != "kon" or rows_of(data) is None or group not in data.columns or disclosed is None:
        return
    cols = [by, group] if by else [group]
    shown = disclosed[~disclosed["suppressed"].astype(bool)]
    mine = amount_cells(data, value, by=by, weight=weight, group=group) if cells is None else cells
    keys = _as_keys(shown[cols]) if len(shown) else pd.DataFrame(columns=cols)
    shown_cells = {tuple(r): mine.get(tuple(r), (0.0, 0.0)) for r in keys.itertuples(index=False)}
    mark_amount_shown(data, value, shown_cells, _all_rows(data, weight, units_by_sex(mine)))


def round_counts(values, base: int = 5):
    """Round counts to the nearest multiple of ``base`` (an alternative to suppression)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    return np.round(v / base) * base


def _lines(r: int, c: int) -> list[list[tuple[int, int]]]:
    """The additivity equations of a table extended with its totals (last row and column):
    each row with its total, each column with its total."""
    lines = [[(i, j) for j in range(c + 1)] for i in range(r + 1)]
    lines += [[(i, j) for i in range(r + 1)] for j in range(c + 1)]
    return lines


def extend_with_totals(counts: np.ndarray) -> np.ndarray:
    """The table with a totals column, a totals row and the grand total."""
    counts = np.asarray(counts, float)
    ext = np.zeros((counts.shape[0] + 1, counts.shape[1] + 1))
    ext[:-1, :-1] = counts
    ext[:-1, -1] = counts.sum(axis=1)
    ext[-1, :-1] = counts.sum(axis=0)
    ext[-1, -1] = counts.sum()
    return ext


def _equations(ext: np.ndarray, hidden: np.ndarray):
    """The hidden cells of ``ext`` (a table extended with its totals) as LP variables: their
    positions, and the additivity equations ``a_eq @ x = b_eq`` the published cells leave."""
    r, c = ext.shape[0] - 1, ext.shape[1] - 1
    idx = [tuple(p) for p in np.argwhere(hidden)]
    pos = {p: k for k, p in enumerate(idx)}
    a_eq, b_eq = [], []
    for line in _lines(r, c):
        total = line[-1]
        row = np.zeros(len(idx))
        rhs = 0.0
        for cell in line:
            sign = -1.0 if cell == total else 1.0
            if cell in pos:
                row[pos[cell]] += sign
            else:
                rhs -= sign * ext[cell]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    return idx, (np.array(a_eq) if a_eq else None), (np.array(b_eq) if b_eq else None)


def _known_bounds(ext: np.ndarray, idx, listed_rows: bool = False) -> list[tuple[float, None]]:
    """What a reader knows of each hidden cell before the equations: a count is ≥ 0; with
    ``listed_rows``, a row's total is ≥ 1, because the row is listed only when someone is in
    it (an instrument, a type of intervention: a category nobody has is not a row). A hidden
    count beside shown zeros in its row is then ≥ 1: three such counts of boys beside the
    boys' 3 are each 1."""
    r, c = ext.shape[0] - 1, ext.shape[1] - 1
    return [(1.0 if listed_rows and p[1] == c and p[0] < r and ext[p] > 0 else 0.0, None)
            for p in idx]


def cell_bounds(ext: np.ndarray, hidden: np.ndarray, *, listed_rows: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """The attacker's best bounds for every hidden cell of a table extended with its totals.

    Known: every published cell and total, that each row and column adds up to its total, and
    that counts are ≥ 0 (with ``listed_rows``, a row's total ≥ 1: :func:`_known_bounds`).
    Each hidden cell's minimum and maximum come from linear programming.
    Returns two arrays (NaN where the cell is published; +inf where unbounded).
    """
    ext = np.asarray(ext, float)
    idx, a_eq, b_eq = _equations(ext, hidden)
    lo, hi = np.full(ext.shape, np.nan), np.full(ext.shape, np.nan)
    if not idx:
        return lo, hi
    known = _known_bounds(ext, idx, listed_rows)
    for k, cell in enumerate(idx):
        obj = np.zeros(len(idx))
        obj[k] = 1.0
        low = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=known, method="highs")
        high = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=known, method="highs")
        lo[cell] = low.fun if low.status == 0 else 0.0
        hi[cell] = -high.fun if high.status == 0 else np.inf
    return lo, hi


#: How far a feasible value must lie from a cell's true count to show the cell is not pinned,
#: at least (:func:`pinned`; with the table's largest value times :data:`_FREE_SHARE` where that
#: is more). With whole counts the equations' matrix is unimodular, so the LPs' optima are
#: whole numbers: a real difference is at least 1, a smaller one the solver's rounding, which
#: grows with the values (3e-6 at ten billion).
_FREE = 1e-6
_FREE_SHARE = 1e-12


def pinned(ext: np.ndarray, hidden: np.ndarray, among: np.ndarray | None = None, *,
           listed_rows: bool = False) -> np.ndarray:
    """The hidden cells (of ``among``, default all) whose value the published cells, the
    totals and non-negativity (with ``listed_rows`` a row's total ≥ 1: :func:`_known_bounds`)
    determine: ``cell_bounds``'s minimum equals its maximum.

    Fewer LPs than :func:`cell_bounds`: the true table is one feasible point, and every LP's
    optimum is another, so each cell where the two differ can take two values and is not
    pinned. A cell is settled by its own maximum and minimum only when no earlier optimum
    showed it free; most are shown free by the first few LPs.
    """
    ext = np.asarray(ext, float)
    idx, a_eq, b_eq = _equations(ext, hidden)
    out = np.zeros(ext.shape, bool)
    if not idx:
        return out
    truth = np.array([ext[p] for p in idx])
    tolerance = max(_FREE, _FREE_SHARE * float(np.abs(ext).max(initial=0)))
    wanted = np.ones(len(idx), bool) if among is None else np.array([bool(among[p]) for p in idx])
    unsettled = wanted.copy()
    known = _known_bounds(ext, idx, listed_rows)
    for k in np.flatnonzero(wanted):
        for sign in (-1.0, 1.0):  # its maximum, then its minimum
            if not unsettled[k]:
                break
            obj = np.zeros(len(idx))
            obj[k] = sign
            res = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=known, method="highs")
            if res.status != 0:  # unbounded (or, as cell_bounds, no answer): not pinned
                unsettled[k] = False
                break
            unsettled &= np.abs(res.x - truth) <= tolerance
        if unsettled[k]:
            out[idx[k]] = True
            unsettled[k] = False
    return out


def protect(counts: np.ndarray, primary: np.ndarray, *, threshold: int = DEFAULT_THRESHOLD,
            margins: bool = True, totals_fixed: bool | str = False,
            fixed_cells: np.ndarray | None = None, column_totals: bool = True,
            listed_rows: bool = False, empty: np.ndarray | None = None,
            max_rounds: int = 100) -> np.ndarray:
    """Primary plus complementary suppression of a 2-D table and its totals.

    ``counts`` is the r × c table; its totals are taken as published unless they are small
    themselves. Returns the mask of the table extended with its totals ((r + 1) × (c + 1):
    last column row totals, last row column totals). Rule: every row and column (with its
    total) that has a hidden cell has at least two (the smallest other cell is added,
    non-zero cells preferred), and where its total is shown, its hidden cells add up to at
    least ``threshold`` (their sum is the total less the cells shown; two hidden cells of 1
    each, beside shown zeros, are each 1); then, while the linear-programming bounds pin any hidden
    non-zero cell to one value, another cell in its row is hidden. With ``margins=False``
    (no totals published) the primary mask is returned with the totals hidden. With
    ``totals_fixed=True`` the totals are published elsewhere and cannot be hidden (only small
    totals are marked); with ``totals_fixed="columns"`` only the column totals (the last row)
    are fixed. Complements are then chosen among the other cells, and if that cannot protect a
    cell the whole inner table is hidden. ``fixed_cells`` (an r × c mask) marks inner cells
    published elsewhere: they are never chosen as complements (hiding them here would hide
    nothing). ``primary`` may also be a mask of the table extended with its totals, to hide a
    total from the start (a row total another display hides). With ``column_totals=False`` no
    column total is published anywhere: only the rows (each with its total) are protected.
    With ``listed_rows`` each row is known to have someone (its total ≥ 1, :func:`_known_bounds`).
    ``empty`` (an r × c mask) marks inner cells with no one in them that are hidden as small
    ones are (a table of groups that lists every combination of levels): they are protected
    like small cells, so that no reader can tell a hidden empty group from a hidden small one
    (the hidden cells of a line add up to at least ``threshold``, and none is pinned, to 0
    either). Where a published total is 0 the emptiness is public and nothing is protected.
    """
    ext = extend_with_totals(counts)
    r, c = counts.shape
    hidden = np.zeros(ext.shape, bool)
    primary = np.asarray(primary, bool)
    if primary.shape == ext.shape:
        hidden |= primary
    else:
        hidden[:-1, :-1] = primary
    if not column_totals:
        hidden[-1, :] = True
    hidden |= is_small(ext.ravel(), threshold).reshape(ext.shape)
    quiet = np.zeros(ext.shape, bool)  # empty cells whose emptiness must not be told
    if empty is not None and np.asarray(empty, bool).any():
        quiet[:-1, :-1] = np.asarray(empty, bool) & (ext[:-1, :-1] == 0)
        public_zero_column = (ext[-1, :] == 0) & bool(totals_fixed)
        public_zero_row = (ext[:, -1] == 0) & (totals_fixed is True)
        quiet[:, public_zero_column] = False
        quiet[public_zero_row, :] = False
        quiet[-1, :] = quiet[:, -1] = False
        hidden |= quiet
        # a zero total of a line with a quiet cell would say the whole line is empty: it is
        # hidden, and kept from being pinned to 0 as the cell is
        quiet[:-1, -1] = (ext[:-1, -1] == 0) & quiet[:-1, :-1].any(axis=1)
        quiet[-1, :-1] = (ext[-1, :-1] == 0) & quiet[:-1, :-1].any(axis=0)
        hidden |= quiet
    if not margins:
        hidden[-1, :] = True
        hidden[:, -1] = True
        return hidden
    if not hidden.any():
        return hidden

    def add_in_line(cells) -> bool:
        open_cells = [p for p in cells if not hidden[p] and not fixed(p)]
        if not open_cells:
            return False
        nonzero = [p for p in open_cells if ext[p] > 0]
        is_row = len({q[0] for q in cells}) == 1

        def alone(p) -> bool:  # hiding p would leave its crossing line with one hidden cell
            crossing = [(k, p[1]) for k in range(r + 1)] if is_row else [(p[0], k) for k in range(c + 1)]
            return not any(hidden[q] for q in crossing if q != p)

        # a cell whose crossing line hides another already first (a row or column hidden whole,
        # not a new single hidden cell there that needs a complement of its own), then the
        # smallest, a total last
        pick = min(nonzero or open_cells, key=lambda p: (alone(p), ext[p], p[0] == r or p[1] == c))
        hidden[pick] = True
        return True

    def fixed(p) -> bool:
        if fixed_cells is not None and p[0] < r and p[1] < c and fixed_cells[p]:
            return True
        if totals_fixed == "columns":
            return p[0] == r
        return bool(totals_fixed) and (p[0] == r or p[1] == c)

    lines = _lines(r, c) if column_totals else _lines(r, c)[:r]
    secret = (ext > 0) | quiet
    if not column_totals:
        secret[-1, :] = False  # a total published nowhere is no secret when its column gives it

    def small_remainder(line) -> bool:
        # The hidden cells of a line whose total is shown add up to the total less the cells
        # shown: a count too, which must not be small. (A probe saw a boy's line of 8 with 6 and
        # zeros shown and two cells hidden: 2 between them, so each was 1.)
        if hidden[line[-1]]:
            return False
        rest = sum(ext[p] for p in line[:-1] if hidden[p])
        # hidden empty cells alone would add up to 0: each would be known to be empty
        return bool(0 < rest < threshold or (rest == 0 and any(quiet[p] for p in line[:-1])))

    for _ in range(max_rounds):
        changed = False
        for line in lines:
            if sum(hidden[p] for p in line) == 1 or small_remainder(line):
                changed |= add_in_line(line)
        if changed:
            continue
        found = np.argwhere(pinned(ext, hidden, among=secret, listed_rows=listed_rows))
        if not len(found):
            break
        i, j = found[0]
        column = lines[r + 1 + j] if column_totals else []
        if not (add_in_line(lines[i]) or add_in_line(column)):
            if not any(add_in_line(line) for line in lines):
                break  # everything that may be hidden is hidden
    if totals_fixed:
        if pinned(ext, hidden, among=(ext > 0) | quiet, listed_rows=listed_rows)[:-1, :-1].any():
            hidden[:-1, :-1] = True  # the published totals pin a cell: show nothing
    return hidden


def disclose_table(table: pd.DataFrame, *, count_cols, by, derived_cols=(),
                   threshold: int = DEFAULT_THRESHOLD, margins: bool = True,
                   rounding: int | None = None, totals_fixed: bool | str = False,
                   hidden=None, listed_rows: bool = False,
                   hide_empty: bool = False) -> pd.DataFrame:
    """Disclose a long table of counts (one row per cell of ``by``).

    With two or more ``by`` columns, the first two span a cross-table whose row and column
    totals are taken as published (``margins=True``), and complementary suppression protects
    every hidden cell against them (per level of any further ``by`` columns). Derived columns
    (shares, means) of hidden cells are hidden too. With ``rounding=b`` counts are instead
    rounded to the nearest multiple of ``b`` and derived columns recomputed by the caller.
    ``totals_fixed`` (as :func:`protect`'s): totals that another display publishes, which
    hiding here cannot hide (``"columns"``: each column's total, the totals per ``by[1]``).
    ``hidden``: a mask of rows hidden already (by another protection of the same counts); they
    are protected as the small ones are, and marked as hidden to protect another cell.
    ``listed_rows``: a row (a value of ``by[0]``) is there only when someone has it
    (:func:`protect`).
    ``hide_empty``: a row whose counts are all 0 (an empty combination of a table that lists
    every combination of levels) is hidden as a small one, with the same reason, and protected
    so that no reader can tell it is empty (:func:`protect`'s ``empty``).
    """
    by = [by] if isinstance(by, str) else list(by)
    count_cols = list(count_cols)
    out = table.copy().reset_index(drop=True)
    if out.empty:
        out["suppressed"] = pd.Series(dtype=bool)
        out["suppression_reason"] = pd.Series(dtype="object")
        _mark(out, threshold, rounding)
        out.attrs[ATTR]["totals"] = []
        return out
    if rounding:
        for col in count_cols:
            out[col] = round_counts(out[col], rounding)
        out["suppressed"] = False
        out["suppression_reason"] = ""
        return _mark(out, threshold, rounding)
    primary = np.zeros(len(out), bool)
    for col in count_cols:
        primary |= is_small(out[col], threshold)
    void = (np.column_stack([out[c].fillna(0).astype(float).eq(0).to_numpy() for c in count_cols]).all(axis=1)
            if hide_empty and count_cols else np.zeros(len(out), bool))
    primary |= void
    forced = np.zeros(len(out), bool) if hidden is None else np.asarray(hidden, bool)
    hidden = primary | forced
    hidden_totals: list[dict] = []
    if margins and len(by) >= 1:
        rows_dim = by[0]
        cols_dim = by[1] if len(by) > 1 else None
        rest = by[2:]
        groups = (out.groupby(rest[0] if len(rest) == 1 else rest, observed=True, sort=False).groups
                  if rest else {None: out.index})
        for _, idx in groups.items():
            sub = out.loc[idx]
            for col in count_cols:
                if cols_dim is None:
                    grid = sub.set_index(rows_dim)[col].to_frame().T
                    positions = {i: (0, k) for k, i in enumerate(idx)}
                else:
                    grid = sub.pivot_table(index=rows_dim, columns=cols_dim, values=col,
                                           aggfunc="sum", fill_value=0, observed=True)
                    ri = {v: k for k, v in enumerate(grid.index)}
                    ci = {v: k for k, v in enumerate(grid.columns)}
                    positions = {i: (ri[out.at[i, rows_dim]], ci[out.at[i, cols_dim]]) for i in idx}
                mask = np.zeros(grid.shape, bool)
                empty = np.zeros(grid.shape, bool)
                for i, pos in positions.items():
                    mask[pos] = hidden[i]
                    empty[pos] = void[i]
                ext_mask = protect(grid.to_numpy(float), mask, threshold=threshold,
                                   totals_fixed=totals_fixed, listed_rows=listed_rows,
                                   empty=empty if void.any() else None)
                hidden_totals.append({"table": col, "rows": list(map(str, grid.index)),
                                      "columns": list(map(str, grid.columns)), "mask": ext_mask})
                for i, pos in positions.items():
                    hidden[i] |= ext_mask[pos]
    reason = np.where(hidden, REASON_HIDDEN, "")  # small or protecting: not told apart
    for col in count_cols + list(derived_cols):
        out[col] = out[col].astype(float).where(~hidden, np.nan)
    out["suppressed"] = hidden
    out["suppression_reason"] = reason
    _mark(out, threshold)
    out.attrs[ATTR]["totals"] = hidden_totals  # which row/column totals must not be shown
    return out


#: How :func:`_as_keys` writes a missing value (no export holds a NUL character: the readers
#: refuse one).
_MISSING_KEY = "\x00"


def _as_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s values as texts, a missing value as :data:`_MISSING_KEY`: keys to group rows
    by (``astype(str)`` keeps a missing value missing under pandas' string type, and a stratum
    of a missing role would then be no key at all)."""
    return frame.astype(object).where(frame.notna(), _MISSING_KEY).map(str)


#: Optional columns of a share table given to :func:`disclose_shares`: the distinct persons
#: behind its count with the outcome (``events``) and without it (``n − events``), when a
#: person can have several units (:func:`jamtools.disclosure.analyses.binary_outcome`'s
#: ``persons``).
PERSONS_EVENTS, PERSONS_OTHERS = "persons_events", "persons_others"


def disclose_shares(shares: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                    group: str = "kon", by=(), rounding=None, hidden_groups=(),
                    total_shown: bool = True, hide_empty: bool = False) -> pd.DataFrame:
    """Disclose a share-by-group table (``jamtools.stats.share_by_group``).

    A row is hidden when its ``n``, its ``events`` or its ``n − events`` is small. The counts
    with and without the outcome form a (stratum × group) cross-table for each of the two, with
    the totals per stratum and per group taken as published (the overall table of the same
    run), and complementary suppression protects every hidden row against them. Shares and
    intervals of hidden rows are hidden. With ``by`` and ``hide_empty``, a row with ``n = 0`` (an empty
    combination of a table that lists every combination of levels,
    ``share_by_group(cell_levels=...)``) is hidden as a small one, with the same reason, and
    protected so that no reader can tell it is empty (a table with empty rows shown, and small
    ones hidden, tells which groups exist); by sex alone a sex's count is published anyway.
    Without ``hide_empty`` an empty row is shown as 0 (a table of fixed strata, such as r4_01's
    age groups beside their inhabitants, where a standardised ratio needs every stratum).
    ``all_or_none`` flags groups where everyone or no one
    has the outcome (attribute disclosure).

    ``hidden_groups``: groups whose count of units (the share's denominator) the page hides
    elsewhere, as a data table hides a selection's rows analysed beside the rows it was
    selected from (:func:`selection_gives_back`). A share and its Wilson interval are a
    function of ``n`` and ``events`` and give ``n`` back (0,0 % with 0,0–53,4 % at 98 % is
    ``n`` = 5), so every row of such a group is hidden, as a complement to the hidden count,
    and the other rows are protected against it as against a small one.

    ``total_shown``: without ``by``, whether the page shows the groups' total (their counts
    with and without the outcome added up; the default, the safe reading). Where it does not
    (:func:`jamtools.disclosure.analyses.binary_outcome` shows each sex's share and no total),
    a hidden row needs no other row hidden with it: nothing published adds the rows up, so the
    shown rows say nothing of the hidden one (a probe's eb_01: 4 of 33 men without a
    requirement of activity hid the women's 48 of 90 as well).

    :data:`PERSONS_EVENTS` and :data:`PERSONS_OTHERS` (optional columns): the distinct
    persons behind ``events`` and ``n − events`` when a person can have several units (a
    person's notes). A row whose count with or without the outcome rests on fewer than
    ``threshold`` persons is hidden as a small one, and protected as one, however many units
    it counts: seven notes with a word can be one person's. The columns are not shown.
    """
    by = [by] if isinstance(by, str) else list(by)
    out = shares.copy().reset_index(drop=True)
    # The distinct persons behind the counts with and without the outcome, when a person can
    # have several units: hidden as a small count when few (and never shown themselves).
    few_persons = np.zeros(len(out), bool)
    for col in (PERSONS_EVENTS, PERSONS_OTHERS):
        if col in out:
            few_persons |= is_small(out[col], threshold)
    out = out.drop(columns=[PERSONS_EVENTS, PERSONS_OTHERS], errors="ignore")
    if out.empty:
        out["all_or_none"] = pd.Series(dtype=bool)
        out["suppressed"] = pd.Series(dtype=bool)
        out["suppression_reason"] = pd.Series(dtype="object")
        _mark(out, threshold, rounding)
        out.attrs[ATTR]["hidden_stratum_totals"] = []
        return out
    n = out["n"].to_numpy(dtype=float)
    ev = out["events"].to_numpy(dtype=float)
    # A group with no one in it, in a table by strata, reads as a small one ("färre än 5"): a
    # table that lists every combination of levels (share_by_group's ``cell_levels``) then tells no
    # one which groups exist. (By sex alone, a sex's count is published, 0 too.)
    empty = (n == 0) & bool(by) & bool(hide_empty)
    primary = (is_small(n, threshold) | is_small(ev, threshold) | is_small(n - ev, threshold)
               | empty | few_persons)
    denominator_hidden = out[group].astype(str).isin({str(g) for g in hidden_groups}).to_numpy()
    stratum = _as_keys(out[by]).agg("|".join, axis=1) if by else pd.Series("alla", index=out.index)
    hidden = primary | denominator_hidden
    hidden_strata: set[str] = set()
    # The (stratum × group) cross-table, its rows and columns in sorted order; each row of
    # ``out`` is the cell (row_at, col_at), and a cell's value the sum of its rows'.
    row_at, strata = pd.factorize(np.asarray(stratum, dtype=object), sort=True)
    col_at, _ = pd.factorize(np.asarray(_as_keys(out[[group]])[group], dtype=object), sort=True)
    shape = (len(strata), int(col_at.max()) + 1)
    for _ in range(10):
        before = hidden.copy()
        for values in (ev, n - ev):
            grid = np.zeros(shape)
            np.add.at(grid, (row_at, col_at), np.nan_to_num(values, nan=0.0))  # a sum skips NaN
            mask = np.zeros(shape, bool)
            # a cell with a hidden row is hidden (a share table has one row per cell; were two
            # rows one cell, the safer reading)
            mask[row_at[hidden], col_at[hidden]] = True
            # The per-group totals are the run's overall table (shown); the per-stratum totals
            # may be hidden, and the ones that must be are recorded for whoever shows them.
            void = np.zeros(shape, bool)
            void[row_at[empty], col_at[empty]] = True
            mask = protect(grid, mask, threshold=threshold, totals_fixed="columns" if by else True,
                           empty=void, margins=bool(by) or total_shown)
            hidden |= mask[row_at, col_at]
            hidden_strata |= {strata[k] for k in range(len(strata)) if mask[k, -1]}
        if (hidden == before).all():
            break
    # only a shown group is flagged: the flag of a hidden one would tell that it is not empty
    out["all_or_none"] = (n > 0) & ((ev == 0) | (ev == n)) & ~hidden
    for col in ("n", "events", "share", "ci_low", "ci_high"):
        out[col] = out[col].astype(float).where(~hidden, np.nan)
    out["suppressed"] = hidden
    # One reason for every hidden row, an empty group's too: which rows are small (or empty),
    # and which protect them, is what the complementary suppression hides (REASON_HIDDEN).
    out["suppression_reason"] = np.where(hidden, REASON_HIDDEN, "")
    _mark(out, threshold, rounding)
    out.attrs[ATTR]["hidden_stratum_totals"] = sorted(hidden_strata) if by else []
    return out


def disclose_comparisons(comparisons: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                         shares: pd.DataFrame | None = None, group: str = "kon") -> pd.DataFrame:
    """Hide comparisons that rest on small or hidden groups.

    A comparison is hidden when a group's n, events or n − events is small, or when one of its
    groups is hidden in ``shares`` (the disclosed share table it comes from): a difference and
    one published share give away the other.

    A comparison is shown whole or not at all: a row that is not hidden but has no estimate
    (a risk ratio when no one in the reference group has the outcome) has no interval and no
    p-value either, and says why in ``warning`` (:data:`NOT_COMPUTED`), so that no interval or
    p-value stands beside a missing estimate.
    """
    out = comparisons.copy().reset_index(drop=True)
    if "estimate" in out and len(out):
        estimate = pd.to_numeric(out["estimate"], errors="coerce").to_numpy(dtype=float)
        lacking = ~np.isfinite(estimate)
        if lacking.any():
            for col in ("estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "mdd_pp"):
                if col in out:
                    out[col] = out[col].astype(float).where(~lacking, np.nan)
            if "warning" in out:
                empty = out["warning"].fillna("").astype(str).str.strip().eq("").to_numpy()
                out["warning"] = out["warning"].astype(object).where(~(lacking & empty), NOT_COMPUTED)
            else:
                out["warning"] = np.where(lacking, NOT_COMPUTED, "")
    sup = np.zeros(len(out), bool)
    for side in ("a", "b"):
        n = out[f"n_{side}"].to_numpy(dtype=float)
        ev = out[f"events_{side}"].to_numpy(dtype=float)
        sup |= is_small(n, threshold)
        has_events = ~np.isnan(ev)
        sup |= has_events & (is_small(ev, threshold) | is_small(n - ev, threshold))
    if shares is not None and "suppressed" in shares and group in shares:
        hidden = set(shares.loc[shares["suppressed"].astype(bool), group].astype(str))
        sup |= out["group_a"].astype(str).isin(hidden).to_numpy() | \
            out["group_b"].astype(str).isin(hidden).to_numpy()
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b",
                "mdd_pp", "p_adjusted"):
        if col in out:
            out[col] = out[col].astype(float).where(~sup, np.nan)
    out["suppressed"] = sup
    out["suppression_reason"] = np.where(sup, REASON_GROUP, "")
    return _mark(blank_counted_words(out), threshold)


#: The words of a comparison that speak of the counts behind it: the test chosen (Fisher's
#: exact test where an expected count is small) and the method (none for an empty group).
COUNTED_WORDS = ("test", "method")


def blank_counted_words(comparisons: pd.DataFrame) -> pd.DataFrame:
    """A hidden comparison names no test and no method (:data:`COUNTED_WORDS`): the test chosen
    speaks of the counts it hides, and a comparison with an empty group has none, so they would
    tell a hidden empty group from a hidden small one. Changes ``comparisons`` in place and
    returns it."""
    if "suppressed" in comparisons and len(comparisons):
        hidden = comparisons["suppressed"].fillna(False).astype(bool).to_numpy()
        for col in COUNTED_WORDS:
            if col in comparisons and hidden.any():
                comparisons[col] = comparisons[col].astype(object).where(~hidden, None)
    return comparisons


#: The values of a row that :func:`hide_adjusted_over_hidden_strata` hides (those present).
_ADJUSTED_VALUES = ("estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "rate", "share",
                    "n", "events", "n_a", "events_a", "n_b", "events_b", "mdd_pp")


def hide_adjusted_over_hidden_strata(table: pd.DataFrame, strata_shown: pd.DataFrame, *,
                                     rows=None) -> pd.DataFrame:
    """Hide estimates adjusted over strata when a stratum they are built on has a hidden count.

    A directly standardised rate or ratio, or a Mantel–Haenszel ratio, is a weighted sum of the
    strata's counts with weights a reader knows (the population is public). Beside the counts
    the strata table shows and the totals, each such estimate published at full precision is
    one more equation in the hidden counts: with two hidden strata tied by their sex's total,
    one ratio leaves one split (the hidden "2 women of 75–79" came back from an
    age-standardised and a Mantel–Haenszel ratio, a shown age group and the totals). So an
    adjusted estimate is shown only when every stratum it is built on is shown: whenever a row
    of ``strata_shown`` is hidden, every row of ``rows`` is hidden with the reason
    :data:`REASON_STRATA`. The rule is the simple one a reader can be told ("the adjusted
    measures are not shown because an age group's count is hidden"); wider strata (fewer age
    groups) are the analyst's remedy, not merging done behind the reader's back. A measure of a
    whole distribution (Cramér's V, its p-value, the dissimilarity index) is such a function of
    every cell too, and is hidden the same way beside its distribution table (bof_03).

    Parameters
    ----------
    table : DataFrame
        A disclosed table of estimates (comparisons, or standardised rates per group).
    strata_shown : DataFrame
        The disclosed per-stratum table the estimates are built on (one row per stratum and
        group, with ``suppressed``).
    rows : array-like of bool, optional
        The rows of ``table`` that are adjusted over the strata (default: all of them; for
        comparisons, their ``adjusted`` column).

    Returns
    -------
    DataFrame
        ``table`` with the adjusted rows' values hidden when a stratum is hidden, disclosed.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4.4 (linked
    tables and derived statistics: a published function of hidden cells is an equation an
    intruder can solve).
    """
    require_disclosed(table, "de justerade skattningarna")
    require_disclosed(strata_shown, "delgrupperna")
    out = table.copy().reset_index(drop=True)
    mask = np.ones(len(out), bool) if rows is None else \
        pd.Series(rows).fillna(False).astype(bool).to_numpy()
    if len(mask) != len(out):
        raise ValueError("rows must have one value per row of table")
    hidden_stratum = bool(len(strata_shown)) and bool(strata_shown["suppressed"].fillna(False).astype(bool).any())
    hide = mask & hidden_stratum
    # (a row whose estimate could not be computed is hidden too: its counts, such as a type's
    # events beside a distribution, may be a hidden stratum's)
    for col in _ADJUSTED_VALUES:
        if col in out:
            out[col] = out[col].astype(float).where(~hide, np.nan)
    was = out["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in out else np.zeros(len(out), bool)
    reason = out["suppression_reason"].astype(object).to_numpy() if "suppression_reason" in out else \
        np.array([""] * len(out), dtype=object)
    out["suppressed"] = was | hide
    out["suppression_reason"] = np.where(hide & ~was, REASON_STRATA, reason)
    meta = dict(table.attrs[ATTR])
    _mark(out, meta["threshold"], meta.get("rounding"))
    out.attrs[ATTR] = {**meta, **out.attrs[ATTR]}
    return out


def disclose_quality(quality: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                     hidden=None, beside=()) -> pd.DataFrame:
    """Disclose a data table: the rows read, left out per reason and analysed, by sex
    (:meth:`jamtools.data.LoadResult.quality`), as one linked table.

    For each sex the rows read are the rows left out for every reason plus the rows analysed, so
    a small count of one reason follows from the others unless more is hidden. The table is
    protected as sexes × (reasons and analysed) with its totals (:func:`protect`): the totals
    per reason and of the analysed rows are taken as published (the run's data page, the
    chapter's analyses), the rows analysed are never hidden as complements (the analyses show
    them), and a sex's rows read are the line total that may be hidden.

    Where even hiding every cell that may be hidden cannot keep a small count from those totals
    (one row of unknown sex is the data page's total less the rows analysed; a sex's few rows
    analysed are the total analysed less the other sex's), more hiding here protects nothing
    against them, but the table's own lines still must not give the count back: each sex's
    rows read less its reasons shown (8 men read, 5 without ill-health: 3 analysed). The table
    is then protected as its rows alone, the column totals taken as unknown.

    Parameters
    ----------
    quality : pandas.DataFrame
        Columns ``steg``, ``typ`` (inlästa | exkluderade | analyserade), ``kon``, ``antal``.
    threshold : int
    hidden : array-like of bool, optional
        Per row of ``quality``, counts to hide whatever their size: another data table of the
        page shows the same count and hides it (:func:`jamtools.present.page.link_data_tables`).
        They are protected as the small ones are.
    beside : collection of str, optional
        Sexes whose rows analysed would give back, beside an analysis of a selection of them
        made before (317 men with a value beside 320 men analysed: 3 without),
        the few rows between them (:func:`hidden_beside_selections`). Their rows analysed are
        hidden, and their rows read (the line's total: less the reasons shown, it is the rows
        analysed); nothing else is hidden for them. No total of the rows analysed of every sex
        is shown beside them: the analyses of these rows by :func:`~jamtools.disclosure.analyses.binary_outcome`
        and :func:`~jamtools.disclosure.analyses.amount_outcome` hide the sex too (a
        distribution of the same rows, :func:`disclose_distribution`, does not yet), the results file
        hides its counts, and the data page withholds the table's number of rows
        (:func:`jamtools.run.check.hidden_tables`); so the other sexes' counts, and the sex's
        rows left out, give nothing back.

    Returns
    -------
    pandas.DataFrame
        ``quality`` with hidden counts missing, ``suppressed`` and ``suppression_reason``, marked
        as disclosed; ``attrs["hidden_excluded"]``: the sexes whose rows read or rows analysed
        are hidden (their total of rows left out, read less analysed, would give the hidden one
        back beside the other, and must be hidden wherever it is shown).
    """
    out = quality.copy().reset_index(drop=True)
    counts = out["antal"].to_numpy(dtype=float)
    primary = is_small(counts, threshold)
    forced = (np.zeros(len(out), bool) if hidden is None
              else np.asarray(hidden, bool).reshape(-1) & (counts > 0))
    hidden = primary | forced
    hidden_sexes: list = []
    inner = out[out["typ"] != "inlästa"]
    if len(inner) and not out.empty:
        sexes = list(dict.fromkeys(out["kon"]))
        lines = list(dict.fromkeys(inner["steg"]))
        grid = (inner.pivot_table(index="kon", columns="steg", values="antal", aggfunc="sum",
                                  fill_value=0, sort=False)
                .reindex(index=sexes, columns=lines, fill_value=0).to_numpy(float))
        where = {(k, st): (sexes.index(k), lines.index(st)) for k, st in zip(inner["kon"], inner["steg"])}
        mask = np.zeros(grid.shape, bool)
        for i in inner.index[hidden[inner.index]]:
            mask[where[(out.at[i, "kon"], out.at[i, "steg"])]] = True
        small_mask = np.zeros(grid.shape, bool)
        for i in inner.index[primary[inner.index]]:
            small_mask[where[(out.at[i, "kon"], out.at[i, "steg"])]] = True
        # a sex's rows read another table hides: the line's total, hidden from the start
        read_forced = np.zeros(len(sexes), bool)
        for i in out.index[forced & out["typ"].eq("inlästa").to_numpy()]:
            read_forced[sexes.index(out.at[i, "kon"])] = True
        # Never complements: the rows analysed (the analyses show them) and the zeros of the
        # known sexes on the line of unknown sex (zero by definition).
        analysed_lines = [j for j, st in enumerate(lines)
                          if (inner.loc[inner["steg"] == st, "typ"] == "analyserade").all()]
        fixed = np.zeros(grid.shape, bool)
        fixed[:, analysed_lines] = True
        known = [n for n, k in enumerate(sexes) if k != "okant"]
        unknown_lines = [j for j, st in enumerate(lines) if str(st).startswith("Okänt")]
        if known and unknown_lines:
            fixed[np.ix_(known, unknown_lines)] = True
        ext = extend_with_totals(grid)
        # Where a small count is pinned even with everything that may be hidden hidden (one row
        # of unknown sex: the data page's total less the rows analysed gives it), hiding more
        # here protects nothing: only the small counts are hidden.
        most = np.zeros(ext.shape, bool)
        most[:-1, :-1] = ~fixed | mask
        most[:-1, -1] = True
        most |= is_small(ext.ravel(), threshold).reshape(ext.shape)
        small = np.zeros(ext.shape, bool)
        small[:-1, :-1] = small_mask
        futile = bool(small_mask.any() and pinned(ext, most, among=small & (ext > 0)).any())
        start = np.zeros(ext.shape, bool)
        start[:-1, :-1] = mask
        start[:-1, -1] = read_forced
        # (futile: the rows alone, their totals the rows read; c_sma: 8 men read less 5 gave 3)
        ext_mask = protect(grid, start, threshold=threshold, totals_fixed="columns", fixed_cells=fixed,
                           column_totals=not futile)
        for i in inner.index:
            hidden[i] |= ext_mask[where[(out.at[i, "kon"], out.at[i, "steg"])]]
        # A sex's rows left out in all (read − analysed) is a count too: when it is small, its
        # rows read are hidden, and, as all rows read are on the data page, another sex's too.
        left_out = grid[:, [j for j in range(len(lines)) if j not in analysed_lines]].sum(axis=1)
        read_hidden = ext_mask[:-1, -1] | is_small(left_out, threshold)
        if read_hidden.sum() == 1 and not futile:
            read = grid.sum(axis=1)
            others = [n for n in range(len(sexes)) if not read_hidden[n] and read[n] > 0]
            if others:
                read_hidden[min(others, key=lambda n: read[n])] = True
        # A sex's rows left out in all are its rows read less its rows analysed: beside either,
        # they give back the other where it is hidden.
        analysed_hidden = (ext_mask[:-1, analysed_lines].any(axis=1) if analysed_lines
                           else np.zeros(len(sexes), bool))
        hidden_sexes = [k for n, k in enumerate(sexes) if read_hidden[n] or analysed_hidden[n]]
        hidden |= (out["typ"].eq("inlästa")
                   & out["kon"].isin([k for n, k in enumerate(sexes) if read_hidden[n]])).to_numpy()
    beside = {str(k) for k in beside}
    if beside:
        mine = (out["kon"].astype(str).isin(beside) & out["typ"].isin(["analyserade", "inlästa"])).to_numpy()
        hidden |= mine & (counts > 0)
        hidden_sexes += [k for k in dict.fromkeys(out.loc[mine & (counts > 0), "kon"]) if k not in hidden_sexes]
    out["antal"] = out["antal"].astype(float).where(~hidden, np.nan)
    out["suppressed"] = hidden
    out["suppression_reason"] = np.where(primary | hidden, REASON_HIDDEN, "")
    _mark(out, threshold)
    out.attrs["hidden_excluded"] = hidden_sexes
    return out


def disclose_counts_by_sex(counts: dict, *, threshold: int = DEFAULT_THRESHOLD,
                           quality: pd.DataFrame | None = None) -> dict:
    """Hide small counts in a ``{"analysed": {sex: n}, "excluded": {sex: n}}`` record.

    A hidden count becomes None; when exactly one sex is hidden in a record, the smallest other
    one is hidden too (the total is published elsewhere). With ``quality`` (the same table's
    :meth:`jamtools.data.LoadResult.quality`), a sex's rows left out are also hidden where its
    data table hides its rows read (:func:`disclose_quality`): with the reasons shown there, the
    total would give a hidden one back.
    """
    out = {}
    for key, values in counts.items():
        values = dict(values)
        small = [s for s, v in values.items() if v is not None and 0 < v < threshold]
        hidden = set(small)
        if len(hidden) == 1:
            others = [s for s, v in values.items() if s not in hidden and v]
            if others:
                hidden.add(min(others, key=lambda s: values[s]))
        out[key] = {s: (None if s in hidden else v) for s, v in values.items()}
    if quality is not None and "excluded" in out:
        # Every sex whose rows read the data table hides is written, hidden: a sex left out of
        # the record reads as none left out, and with the data page's total gives the rest back.
        linked = disclose_quality(quality, threshold=threshold).attrs["hidden_excluded"]
        out["excluded"] = {**{s: (None if s in linked else v) for s, v in out["excluded"].items()},
                           **{s: None for s in linked}}
    return out


def disclose_distribution(distribution: pd.DataFrame, category: str, *, group: str = "kon",
                          threshold: int = DEFAULT_THRESHOLD, blocks: Mapping | None = None,
                          persons: str | None = None) -> pd.DataFrame:
    """Disclose a distribution by group (``jamtools.stats.distribution_by_group``).

    The counts per category × group form a cross-table whose totals (the group sizes and the
    category totals) are published; small counts and their complements are hidden, with the
    share, interval and residual of every hidden cell. With ``persons``, a cell is shown only
    when it rests on at least ``threshold`` distinct persons, and a group's size only when its
    group does: "6 insatser of girls of one type" can be one girl's six.

    Parameters
    ----------
    distribution : pandas.DataFrame
        One row per category and group, with ``n`` and ``events``.
    category : str
        The category column.
    group : str, default 'kon'
    threshold : int
    blocks : mapping, optional
        Category -> block, for categories whose total per group the page shows elsewhere by
        block: the share of reports about the child's own behaviour beside the distribution of
        the reasons, each reason either about behaviour or not. The total of each block is
        then published too, and a small count hidden in a block would follow from the block's
        total less its other categories (34 − 10 − 6 − 6 − 9 = 3). Each block is protected as a
        table of its own, with its totals per group fixed (shown elsewhere, so hiding them here
        would hide nothing; where they pin a cell the block's counts are all hidden), and the
        whole table with its group sizes, in turn until neither hides more, after Hundepool et
        al. (2012), §4.3 on linked tables.
        A category the mapping lacks is a block of its own.
    persons : str, optional
        The column that identifies the persons, when a person can have several units (as
        :func:`jamtools.disclosure.analyses.binary_outcome`'s ``persons``): ``distribution``
        must then have been counted with it (``distribution_by_group(..., persons=...)``,
        whose ``persons_events`` and ``persons_n`` are the distinct persons of each cell and
        group). A cell of fewer than ``threshold`` persons is hidden as a small count, with the
        same complementary protection; a group of fewer has its size hidden. Persons numbered
        up to a cap per cell (a cell table) need a ``threshold`` at most that cap: a higher one
        is refused. Without it, units are counted.

    Returns
    -------
    pandas.DataFrame
        ``distribution`` with hidden counts, shares, intervals and residuals missing, the group
        sizes hidden where small, ``suppressed`` and ``suppression_reason`` (the counts of
        persons are not kept).

    Raises
    ------
    ValueError
        ``persons`` is given and the distribution was not counted with it, or its persons are
        numbered up to fewer than ``threshold``; or the distribution has counts of persons and
        ``persons`` is not given.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Chichester: Wiley. §4.3.
    """
    from jamtools.stats.categorical import PERSONS_EVENTS as cell_persons, PERSONS_N, PERSONS_OF
    from jamtools.stats.text import persons_up_to

    counted = distribution.attrs.get(PERSONS_OF)
    if persons is None and (counted is not None or cell_persons in distribution):
        raise ValueError(f"The distribution counts the persons of {counted!r}: pass persons= so "
                         "that its cells rest on enough persons.")
    few_persons = np.zeros(len(distribution), bool)
    few_in_group = np.zeros(len(distribution), bool)
    if persons is not None:
        if counted != persons or cell_persons not in distribution:
            raise ValueError(f"disclose_distribution counts the persons of {persons!r}: count them "
                             f"with distribution_by_group(..., persons={persons!r}).")
        cap = persons_up_to(distribution, persons)
        if cap is not None and threshold > cap:
            # persons numbered up to `cap` per cell: a union of cells may count one person
            # twice, a cell resting on fewer than the threshold shown
            raise ValueError(f"The persons of {persons!r} are counted up to {cap} per cell, fewer "
                             f"than the threshold {threshold}: count them with the threshold.")
        few_persons = is_small(distribution[cell_persons], threshold)
        few_in_group = is_small(distribution[PERSONS_N], threshold)
        distribution = distribution.drop(columns=[cell_persons, PERSONS_N])
    derived = [c for c in ("share", "ci_low", "ci_high", "adj_residual") if c in distribution]
    # The group sizes are shown whatever this table hides (``n`` below, and by every share
    # shown): fixed, so that a cell they pin is protected by the cells, not by a total that
    # only seems hidden (pum38: three boys, each hidden count given back as 1).
    # (a cell of few persons is hidden, and protected, as a small one)
    out = disclose_table(distribution, count_cols=["events"], by=[category, group],
                         derived_cols=derived, threshold=threshold, totals_fixed="columns",
                         listed_rows=True, hidden=few_persons)
    if blocks is not None and not distribution.empty:
        # The whole table (its group sizes are shown) and each block (its totals by group are
        # the share's) protected in turn, each with what the other hid, until neither hides more:
        # a block's small total is the group's size less the other block, so the whole table's
        # rules apply too (a review: three hidden reasons of 1 each beside n = 34 and 31 shown).
        key = distribution[category].map(lambda c: f"b:{blocks[c]}" if c in blocks else f"c:{c}")
        by_block = distribution.assign(__block=key.to_numpy())
        for _ in range(20):
            before = out["suppressed"].to_numpy(bool)
            part = disclose_table(by_block, count_cols=["events"], by=[category, group, "__block"],
                                  derived_cols=derived, threshold=threshold, totals_fixed="columns",
                                  listed_rows=True, hidden=before)
            out = disclose_table(distribution, count_cols=["events"], by=[category, group],
                                 derived_cols=derived, threshold=threshold, totals_fixed="columns",
                                 listed_rows=True, hidden=part["suppressed"].to_numpy(bool))
            if (out["suppressed"].to_numpy(bool) == before).all():
                break
    if distribution.empty:
        return out
    sizes = distribution.groupby(group)["n"].transform("first")
    out["n"] = sizes.where(~(is_small(sizes, threshold) | few_in_group), np.nan).to_numpy()
    return out


def share_blocks(categories: pd.Series, flags: pd.Series, weights: pd.Series | None = None) -> dict | None:
    """:func:`disclose_distribution`'s ``blocks`` for a distribution of ``categories`` shown
    beside a share of ``flags`` (the share of reports about the child's own behaviour beside
    the reasons): each category -> its rows' flag, when every category's rows have one flag
    (the share's count is then the total of a block of categories). None when some category has
    rows of both: the share's count is then no total of shown counts.

    Parameters
    ----------
    categories : pandas.Series
        Each row's category, as the distribution has it (a blank as
        :data:`jamtools.stats.categorical.MISSING`).
    flags : pandas.Series
        Each row's yes/no (bool) of the share, on the same index.
    weights : pandas.Series, optional
        Units per row (a cell table); rows without units are left out.

    Returns
    -------
    dict or None
    """
    flags = flags.astype(bool)
    if weights is not None:
        keep = weights.to_numpy(dtype=float) > 0
        categories, flags = categories[keep], flags[keep]
    per = flags.groupby(categories.astype(object).to_numpy(), sort=False).agg(["min", "max"])
    if (per["min"] != per["max"]).any():
        return None
    return {k: bool(v) for k, v in per["min"].items()}


def stack(tables: dict, key: str) -> pd.DataFrame:
    """Stack disclosed tables under a new column ``key`` (e.g. the steps of a process map);
    every part must be disclosed, and the result is disclosed with the strictest threshold."""
    if not tables:
        return _mark(pd.DataFrame({key: pd.Series(dtype="object")}), DEFAULT_THRESHOLD)
    parts = []
    for label, table in tables.items():
        require_disclosed(table, f"delen {label!r}")
        part = table.copy()
        part.insert(0, key, label)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    return _mark(out, max(t.attrs[ATTR]["threshold"] for t in tables.values()))
