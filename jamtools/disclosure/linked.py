"""Disclosure across the linked counts of one page: a process map, its data tables and its
results file.

A process map's counts are linked. Those granted aid are step 1's outcome and step 2's
denominator; the whole chain's denominator is step 1's; the data tables show the rows of each
table, and the rows of a later table are often the outcome of an earlier step (every client
granted aid has an outcome row). Each count passes the threshold rule on its own, yet a small
count that a step hides (four women refused aid) follows from two counts shown elsewhere (the
women who applied, in the data table, minus those granted, step 2's denominator). Disclosing
each step by itself (:func:`jamtools.disclosure.disclose_shares`) cannot see that.

Here the page is disclosed as one linked table (Hundepool et al. 2012, *Statistical
Disclosure Control*, §4.3 on linked tables): every place that shows counts is a *display*, and
the reader is taken to treat two equal counts of the same sex as the same count (an attacker
needs no more than the page). A hidden step whose small count is the difference of two shown
counts (or whose small outcome count is its denominator less a shown count) is protected by
hiding every display of one of the two: the one with fewer displays. Equal counts that are not
the same persons are hidden as well; that can only hide more than needed. The same holds for a
small *gap* between two steps that no step shows (those granted aid less those with an outcome
row): the chapter names the pairs of counts that follow each other so (``gaps``).

- :func:`map_counts`: each step's denominator and outcome count by sex, before disclosure;
- :func:`protect_linked`: the displays to hide so that no small count follows by differencing;
- :func:`protect_map`: the same for a map's steps and the page's other displays;
- :func:`hide_steps`: a disclosed step table (shares, comparisons) with whole steps hidden;
- :func:`table_display` and :func:`hide_counts`: a data table as a display, and its results
  record with the rows hidden.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from jamtools import stats
from jamtools.disclosure import PERSONS_EVENTS, PERSONS_OTHERS, REASON_HIDDEN, is_small
from jamtools.stats.categorical import distinct_persons_by

#: A display: what it shows, by group (sex), as the counts a reader can read or compute from it.
Displays = Mapping[str, Mapping[Hashable, Sequence[float]]]


def map_counts(steps: Mapping[str, tuple[pd.DataFrame, str, str | None]], *, levels: Sequence[Hashable],
               group: str = "kon", persons: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """Each step's denominator ``n`` and outcome count ``events`` by group, before disclosure.

    Parameters
    ----------
    steps : mapping
        Step label -> (rows, 0/1 outcome column, weight column or None), as the process maps'
        ``process_steps`` give them.
    levels : sequence
        The groups compared (the sexes); rows of other groups are left out, as in
        :func:`jamtools.disclosure.analyses.binary_outcome`.
    group : str, default 'kon'
    persons : mapping, optional
        Step label -> the column that identifies the persons of its rows (a load's
        ``persons``, :func:`jamtools.data.load.persons_column`), or None where a step counts
        rows. A step with one gets the distinct persons of its outcome and of its other units
        (:data:`~jamtools.disclosure.PERSONS_EVENTS`, :data:`~jamtools.disclosure.PERSONS_OTHERS`),
        counted as :func:`jamtools.disclosure.analyses.binary_outcome`'s ``persons`` counts them
        (:func:`jamtools.stats.categorical.distinct_persons_by`), so that :func:`protect_map`
        protects a count that rests on few persons as a small one.

    Returns
    -------
    pandas.DataFrame
        Columns ``steg``, ``group``, ``n``, ``events`` (and, with ``persons``, the two persons
        columns, -1 for a step that counts rows): one row per step and level (0 where a level
        has no rows). Not disclosed: for :func:`protect_map` only, never to be shown.
    """
    columns = ["steg", group, "n", "events", *((PERSONS_EVENTS, PERSONS_OTHERS) if persons else ())]
    parts = []
    for label, (rows, outcome, weight) in steps.items():
        rows = rows[rows[group].isin(levels)]
        counts = stats.collapse(rows, outcome, [group], weights=weight)
        counts = counts.set_index(group).reindex(list(levels)).fillna(0.0).rename_axis(group)
        counts = counts.reset_index().assign(steg=label)
        if persons:
            counts = _step_persons(counts, rows, outcome, weight, (persons or {}).get(label), group=group)
        parts.append(counts[columns])
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


def _step_persons(counts: pd.DataFrame, rows: pd.DataFrame, outcome: str, weight: str | None,
                  persons: str | None, *, group: str) -> pd.DataFrame:
    """``counts`` (one step's, by ``group``) with the distinct persons of its units with and
    without the outcome (-1, no persons counted, where ``persons`` is None): a count above 0
    whose persons are not found is taken as one person's, the safe side (as
    :func:`jamtools.disclosure.analyses.binary_outcome` takes it)."""
    out = counts.copy()
    if persons is None:
        return out.assign(**{PERSONS_EVENTS: -1, PERSONS_OTHERS: -1})
    flag = pd.to_numeric(rows[outcome], errors="coerce").fillna(0).astype(bool).to_numpy()
    n, events = out["n"].to_numpy(dtype=float), out["events"].to_numpy(dtype=float)
    for col, part, units in ((PERSONS_EVENTS, rows[flag], events), (PERSONS_OTHERS, rows[~flag], n - events)):
        found = distinct_persons_by(part, [group], persons, count=weight)
        out[col] = [found.get(key, 0) or int(u > 0) for key, u in zip(out[group], units)]
    return out


def _secrets(counts: pd.DataFrame, *, group: str, threshold: int) -> list[tuple[str, Hashable, tuple]]:
    """The small counts of the steps, each with the two counts that give it back: (step, group,
    (a, b)) for a small ``n − events`` (a = n, b = events) and for a small ``events`` (a = n,
    b = n − events). Only where both are at least ``threshold``: a small count is hidden
    wherever it is shown, so it cannot be one of the two. With the persons of the counts
    (:func:`map_counts`' ``persons``), a count whose distinct persons are below the threshold
    is small however many rows it counts (six reports of one girl); whether ``a`` and ``b`` can
    be shown is still judged by their rows (the safe side: more pairs are protected)."""
    out = []
    for r in counts.itertuples(index=False):
        row = r._asdict()
        n, e = float(row["n"]), float(row["events"])
        m = n - e
        big = ~is_small(np.array([n, e, m]), threshold) & (np.array([n, e, m]) > 0)
        few_e = is_small([e], threshold)[0] or _few_persons(row.get(PERSONS_EVENTS), e, threshold)
        few_m = is_small([m], threshold)[0] or _few_persons(row.get(PERSONS_OTHERS), m, threshold)
        if few_m and big[0] and big[1]:
            out.append((row["steg"], row[group], (n, e)))
        if few_e and big[0] and big[2]:
            out.append((row["steg"], row[group], (n, m)))
    return out


def _few_persons(persons, units: float, threshold: int) -> bool:
    """Whether a count of ``units`` rests on fewer than ``threshold`` persons (False where its
    persons are not counted: None, missing or negative)."""
    if persons is None or pd.isna(persons) or float(persons) < 0 or units <= 0:
        return False
    return bool(is_small([float(persons)], threshold)[0])


def protect_linked(displays: Displays, secrets: Iterable[tuple[Hashable, tuple[float, float]]], *,
                   hidden: Iterable[str] = ()) -> set[str]:
    """The displays to hide so that no secret follows from two shown counts.

    Parameters
    ----------
    displays : mapping
        Display name -> {group: counts it shows}. A count shown by a display that is not hidden
        is known to the reader, for that group.
    secrets : iterable of (group, (a, b))
        A small count of ``group`` that follows from ``a`` and ``b`` (its difference, or a
        denominator less a count) when both are shown for that group.
    hidden : iterable of str
        Displays hidden already (those that show a secret itself).

    Returns
    -------
    set of str
        ``hidden`` and the displays to hide besides. For each secret both of whose counts are
        shown, every display of one of them is hidden: of ``a`` unless ``b`` is shown by fewer
        displays. A display is hidden whole, for every group (its other groups' counts and the
        total published elsewhere would give the hidden one back).

    Examples
    --------
    Four of 92 women were refused: the applicants (92) are shown in the data table and in the
    whole chain's step, those granted (88) as the next step's denominator.

    >>> shown = {"data": {"kvinna": [92]}, "kedja": {"kvinna": [92, 20]},
    ...          "steg 2": {"kvinna": [88, 60]}}
    >>> sorted(protect_linked(shown, [("kvinna", (92, 88))], hidden={"steg 1"}))
    ['data', 'kedja', 'steg 1']
    """
    hidden = set(hidden)
    for grp, pair in secrets:
        showing = [[name for name, by in displays.items() if name not in hidden
                    and any(np.isclose(v, value) for v in by.get(grp, ()))] for value in pair]
        if all(showing):
            hidden |= set(min(showing, key=len))
    return hidden


def step_displays(counts: pd.DataFrame, *, group: str = "kon") -> dict[str, dict]:
    """The displays of a map's steps (:func:`map_counts`): each step shows its denominator, its
    outcome count and their difference, by group."""
    out: dict[str, dict] = {}
    for r in counts.itertuples(index=False):
        row = r._asdict()
        n, e = float(row["n"]), float(row["events"])
        out.setdefault(row["steg"], {})[row[group]] = [n, e, n - e]
    return out


def _gap_secrets(counts: pd.DataFrame, gaps: Iterable[tuple[tuple[str, str], tuple[str, str]]], *,
                 others: Displays, step: str, group: str, threshold: int) -> list[tuple[Hashable, tuple]]:
    """The small gaps between two counts that no step hides: (group, (a, b)) where ``a`` and
    ``b`` are not small and ``|a − b|`` is (see :func:`protect_map`'s ``gaps``)."""
    by = counts.set_index([step, group])

    def value(name, key, grp):
        if key == "analysed":  # a data table's rows analysed: the last count of its display
            shown = list(others.get(name, {}).get(grp, ()))
            return float(shown[-1]) if shown else None
        return float(by.loc[(name, grp), key]) if (name, grp) in by.index else None

    out = []
    for (s1, c1), (s2, c2) in gaps:
        for grp in counts[group].unique():
            a, b = value(s1, c1, grp), value(s2, c2, grp)
            if a is None or b is None:
                continue
            pair = np.array([a, b])
            if (abs(a - b) > 0 and is_small([abs(a - b)], threshold)[0]
                    and not is_small(pair, threshold).any() and (pair > 0).all()):
                out.append((grp, (a, b)))
    return out


def protect_map(counts: pd.DataFrame, shares: pd.DataFrame, *, others: Displays | None = None,
                gaps: Iterable[tuple[tuple[str, str], tuple[str, str]]] = (),
                step: str = "steg", group: str = "kon",
                threshold: int) -> tuple[set[str], set[str]]:
    """The steps and the other displays of a process map's page to hide (see the module).

    Parameters
    ----------
    counts : pandas.DataFrame
        :func:`map_counts` of the map's steps (before disclosure).
    shares : pandas.DataFrame
        The steps' shares disclosed one step at a time and stacked under ``step``
        (:func:`jamtools.disclosure.stack`): a step with a hidden row counts as hidden.
    others : mapping, optional
        The page's other displays (data tables, tables by category, the results file's counts),
        by name, as in :func:`protect_linked`.
    gaps : iterable of ((step, 'n' or 'events'), (step, 'n' or 'events'))
        Two counts of different steps whose difference counts persons that fall out of the map
        between them, though no step shows it: those granted aid (step 1's outcome) less those
        with an outcome row (step 4's denominator) are the granted without one. Either may
        instead be ``(name, 'analysed')``: the rows analysed of the data table ``name`` among
        ``others`` (the plannings, where no step counts them). Where such a
        difference is small and both counts are shown, one of them is hidden wherever it is
        shown, as for a step's own small count. A reader cannot tell such a gap from two counts
        of unrelated persons, so it is taken as one in either direction.
    step, group : str
    threshold : int

    Returns
    -------
    (set of str, set of str)
        The steps to hide (with those hidden already), and the names of ``others`` to hide.
    """
    others = dict(others or {})
    steps = step_displays(counts, group=group)
    clash = set(steps) & set(others)
    if clash:
        raise ValueError(f"Namnen {sorted(clash)} används både för steg och andra visningar.")
    already = set(shares.loc[shares["suppressed"].astype(bool), step]) if len(shares) else set()
    secrets = [(grp, pair) for label, grp, pair in _secrets(counts, group=group, threshold=threshold)
               if label in already]
    secrets += _gap_secrets(counts, gaps, others=others, step=step, group=group, threshold=threshold)
    hidden = protect_linked({**steps, **others}, secrets, hidden=already)
    return hidden & set(steps), hidden & set(others)


#: The columns :func:`hide_steps` hides (those a step table has).
HIDDEN_COLUMNS = ("n", "events", "share", "ci_low", "ci_high", "estimate", "p_value", "n_a", "events_a",
                  "n_b", "events_b", "mdd_pp", "p_adjusted")


def hide_steps(table: pd.DataFrame, steps: Iterable[str] | None = None, *, step: str = "steg",
               columns: Sequence[str] = HIDDEN_COLUMNS) -> pd.DataFrame:
    """A disclosed step table (shares or comparisons) with every row of ``steps`` hidden (all
    rows when ``steps`` is None): its ``columns`` (counts, shares, intervals, estimates) missing,
    ``suppressed`` with the one reason of a hidden count (:data:`REASON_HIDDEN`); rows hidden
    before keep theirs. Still marked as disclosed."""
    out = table.copy()
    chosen = np.ones(len(out), bool) if steps is None else out[step].isin(set(steps)).to_numpy()
    extra = chosen & ~out["suppressed"].astype(bool).to_numpy()
    if not extra.any():
        return out
    for col in columns:
        if col in out:
            out[col] = out[col].astype(float).where(~extra, np.nan)
    out["suppressed"] = out["suppressed"].astype(bool) | extra
    out["suppression_reason"] = np.where(extra, REASON_HIDDEN, out["suppression_reason"])
    if "warning" in out:  # a statistic's warning speaks of the counts hidden (disclosure._mark)
        out["warning"] = out["warning"].astype(object).where(~extra, "")
    return out


#: The kinds of a data table's rows (:meth:`jamtools.data.LoadResult.quality`) that
#: :func:`table_display` counts as one display: the rows read and the rows analysed.
TABLE_ROWS = ("inlästa", "analyserade")


def table_display(loaded) -> dict[Hashable, list[float]]:
    """What a table's data table (and the results file's counts of it) show by sex: the rows
    read and the rows analysed. The two are one display: with the exclusions shown between
    them, either gives the other."""
    q = loaded.quality()
    q = q[q["typ"].isin(TABLE_ROWS)]
    return {sex: [float(v) for v in rows["antal"]] for sex, rows in q.groupby("kon", sort=False)}


def hide_counts(counts: Mapping[str, Mapping]) -> dict:
    """A results file's record of a table's analysed and excluded rows
    (:func:`jamtools.disclosure.disclose_counts_by_sex`) with the analysed rows hidden for
    every sex (the excluded rows are the difference of two hidden counts)."""
    out = {key: dict(values) for key, values in counts.items()}
    out["analysed"] = {sex: None for sex in out.get("analysed", {})}
    return out


__all__ = ["Displays", "HIDDEN_COLUMNS", "TABLE_ROWS", "hide_counts", "hide_steps", "map_counts",
           "protect_linked", "protect_map", "step_displays", "table_display"]
