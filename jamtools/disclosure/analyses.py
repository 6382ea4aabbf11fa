"""One question's standard analysis, from loaded data to disclosed tables.

A notebook answers "is there a difference, and does it remain among people alike in need?" in
the same steps every time: aggregate, shares by sex with intervals, crude comparison, adjusted
comparison, disclosure. :func:`binary_outcome` does exactly those steps with ``jamtools.stats``
and ``jamtools.disclosure``, so every chapter computes them the same way.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.load import rows_of
from jamtools.data.pseudonym import person_keys
from jamtools.disclosure.segregation import protect_periods
from jamtools.stats.categorical import distinct_persons as _distinct_persons  # (one counting)
from jamtools.stats.text import persons_up_to


@dataclass
class BinaryResult:
    """Disclosed results for one yes/no outcome: shares per sex, comparisons, and (optionally)
    shares per category of ``by``."""

    outcome: str
    shares: pd.DataFrame
    comparisons: pd.DataFrame
    by_shares: pd.DataFrame | None = None


def binary_outcome(data: pd.DataFrame, outcome: str, *, covariates=(), levels: Sequence[Hashable],
                   group: str = "kon", by: str | None = None, conf_level: float = 0.95,
                   threshold: int = disclosure.DEFAULT_THRESHOLD, weight: str | None = None,
                   hidden_groups=(), by_levels: Sequence[Hashable] | None = None,
                   total_shown: bool = True, persons: str | None = None) -> BinaryResult:
    """Shares by sex, the crude and the adjusted difference, all disclosed.

    ``data`` holds one row per unit with a 0/1 ``outcome`` (or, with ``weight``, a cell table:
    each row stands for as many units as its ``weight`` column says, as
    :func:`jamtools.data.load_table` with ``cells=True`` gives it); rows of other groups than
    ``levels`` are ignored. ``levels`` (required, no default) are the two groups compared,
    ``(a, b)``: differences are a − b and ratios a / b, so ``b`` (the second) is the reference.
    The adjusted comparison is :func:`jamtools.stats.adjusted_difference` (standardisation over
    ``covariates``); with no covariates only the crude one is made.
    ``by`` adds shares per category (e.g. reason type), protected against the overall table.
    ``hidden_groups``: groups whose count of rows the page hides elsewhere: their shares,
    intervals and every comparison with them are hidden too
    (:func:`jamtools.disclosure.disclose_shares`), as they would give the count back. A
    selection of rows whose count the page shows (``data`` is a LoadResult's ``exclude`` or a
    filter of its rows, and the rows it came from have a data table or were analysed before)
    adds the sexes it would give back the few rows it leaves out of by itself
    (:func:`jamtools.disclosure.hidden_in_selection`); ``data``'s own count is then recorded as
    shown. The shares per category list every category (the data model's codes in
    ``by_levels``, else those observed) with both ``levels``, empty or not: an empty group is
    hidden as a small one, so a row alone never tells that a sex is, or is not, in a category
    (:func:`jamtools.stats.share_by_group`'s ``cell_levels``). ``total_shown``: whether the page
    shows the two groups' total (a count of all units, a sentence "bygger på N"): then a
    group's hidden count follows from the other's and the total, and both are hidden
    (:func:`jamtools.disclosure.disclose_shares`); a page that shows no such total passes False,
    and a hidden group no longer hides the other.

    ``persons``: the column that identifies the person each unit is about, when a person can
    have several units (notes, decisions, events): the rows (or a cell table with the column
    among its keys, :func:`jamtools.stats.text.count_words_and_stems`'s ``per_person``). A
    share's count with or without the outcome that rests on fewer than ``threshold`` distinct
    persons is then hidden as a small one, with the usual protection
    (:func:`jamtools.disclosure.disclose_shares`' ``persons_events``): "7 notes with the word"
    may be one person's seven notes. Rows of no known person (a missing or unreadable id) add no
    person where some person is known and are one where none is (the fewest there can be);
    an id written two ways is one person (:func:`jamtools.data.pseudonym.person_keys`). A
    column of persons numbered up to a cap per cell (``per_person``, recorded in ``data.attrs``,
    :func:`jamtools.stats.text.persons_up_to`) needs a ``threshold`` at most that cap: a
    higher one is refused.
    """
    covariates = list(covariates)
    if persons is not None and persons not in data.columns:
        raise ValueError(f"binary_outcome counts the persons of {persons!r}, a column the data "
                         "do not have.")
    cap = None if persons is None else persons_up_to(data, persons)
    if cap is not None and threshold > cap:
        # persons numbered up to `cap` per cell: a union of cells may count one person twice
        # (once as a cell's further persons), a share resting on fewer than the threshold shown
        raise ValueError(f"The persons of {persons!r} are counted up to {cap} per cell, fewer "
                         f"than the threshold {threshold}: count them with the threshold.")
    # A selection of rows whose count the page shows hides what would give back the few rows
    # it leaves out (found from the rows' own account: no chapter has to ask for it).
    hidden_groups = set(hidden_groups) | disclosure.hidden_in_selection(data, threshold, weight=weight,
                                                                         group=group)
    rows = data[data[group].isin(levels)]
    counts = stats.collapse(rows, outcome, [group, *covariates, *([by] if by and by not in covariates else [])],
                            weights=weight)
    shares = stats.share_by_group(counts, group, conf_level=conf_level)
    # Both levels always have a row: a group with no one in it is shown as 0, not left out.
    shares = (shares.set_index(group).reindex(list(levels)).rename_axis(group).reset_index()
              .assign(n=lambda t: t["n"].fillna(0.0), events=lambda t: t["events"].fillna(0.0),
                      method="wilson", conf_level=conf_level))
    if persons is not None:
        shares = _with_persons(shares, rows, outcome, persons, [group])
    parts = [stats.compare_groups(counts, group,
                                  levels=levels, outcome_name=outcome, conf_level=conf_level)]
    if covariates:
        parts.append(stats.adjusted_difference(counts, group, covariates, levels=levels,
                                               outcome_name=outcome, conf_level=conf_level))
    comparisons = pd.concat(parts, ignore_index=True)
    # Each sex's share is shown, never the sexes added up: a hidden sex hides no other.
    shares_d = disclosure.disclose_shares(shares, threshold=threshold, group=group,
                                          hidden_groups=hidden_groups, total_shown=total_shown)
    comparisons_d = disclosure.disclose_comparisons(comparisons, threshold=threshold,
                                                    shares=shares_d, group=group)
    by_d = None
    if by:
        by_shares = stats.share_by_group(counts, group, by=[by], conf_level=conf_level,
                                         cell_levels={group: tuple(levels),
                                                      **({by: tuple(by_levels)} if by_levels is not None else {})})
        if persons is not None:
            by_shares = _with_persons(by_shares, rows, outcome, persons, [group, by])
        by_d = disclosure.disclose_shares(by_shares, threshold=threshold, group=group, by=[by],
                                          hidden_groups=hidden_groups, hide_empty=True)
    return BinaryResult(outcome, shares_d, comparisons_d, by_d)


def _with_persons(shares: pd.DataFrame, rows: pd.DataFrame, outcome: str, persons: str,
                  keys: list[str]) -> pd.DataFrame:
    """``shares`` with :data:`jamtools.disclosure.PERSONS_EVENTS` and
    :data:`~jamtools.disclosure.PERSONS_OTHERS`: the distinct persons of the ``rows`` with and
    without the outcome per combination of ``keys`` (0 where there are none; a count above 0
    whose persons could not be matched to its row is taken as one person's, the safe side)."""
    flag = pd.to_numeric(rows[outcome], errors="coerce").fillna(0).astype(bool)
    if not pd.api.types.is_numeric_dtype(rows[persons]):  # (numbered persons: one form each)
        rows = rows.assign(**{persons: person_keys(rows[persons])})
    out = shares.reset_index(drop=True)
    n, events = out["n"].to_numpy(dtype=float), out["events"].to_numpy(dtype=float)
    for col, part, units in ((disclosure.PERSONS_EVENTS, rows[flag], events),
                             (disclosure.PERSONS_OTHERS, rows[~flag], n - events)):
        counted = (part.groupby(keys, dropna=False, observed=True)[persons]
                   .agg(_distinct_persons).rename(col).reset_index())
        # the keys as the share table has them (a category or a missing value matches)
        counted = counted.astype({k: out[k].dtype for k in keys}, errors="ignore")
        matched = out[keys].merge(counted, on=keys, how="left")[col].to_numpy(dtype=float)
        out[col] = np.where(np.isnan(matched), np.where(np.nan_to_num(units) > 0, 1, 0),
                            matched).astype(int)
    return out


# --- Amounts (hemtjänsttimmar, belopp): distribution, crude and adjusted gap, change --------

import warnings  # noqa: E402  (this part was appended; its imports sit with it)

import numpy as np  # noqa: E402

#: Columns of :func:`jamtools.stats.describe_amounts` computed from a group's rows: hidden with
#: the group's count.
AMOUNT_DERIVED = ("sum", "mean", "mean_ci_low", "mean_ci_high", "median", "median_ci_low",
                  "median_ci_high", "q1", "q3", "share_of_total", "share_of_n")


#: Shown with a decomposition whose group models could not separate every covariate.
RANK_WARNING = ("Någon kategori av det som justeras för finns bara hos det ena könet; "
                "uppdelningen är därför osäkrare än intervallen visar.")


@dataclass
class AmountResult:
    """Disclosed results for one amount (hours, kronor): the distribution per sex, the
    comparisons (crude and adjusted), optionally per category of ``by`` and the Oaxaca–Blinder
    decomposition."""

    outcome: str
    summary: pd.DataFrame
    comparisons: pd.DataFrame
    by_summary: pd.DataFrame | None = None
    decomposition: pd.DataFrame | None = None


def disclose_amount_summary(summary: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                            threshold: int = disclosure.DEFAULT_THRESHOLD,
                            sum_is_count: bool = False, hidden=None) -> pd.DataFrame:
    """Disclose an amount summary (:func:`jamtools.stats.describe_amounts`) like a count table.

    The number of rows behind each group is a count: a group under ``threshold`` is hidden with
    everything computed from its rows (sum, mean, median, quartiles, shares), and complementary
    suppression (:func:`jamtools.disclosure.disclose_table`) hides further groups so that no
    hidden count follows from the others and the totals. With ``by``, the table is the
    (``by`` × ``group``) cross-table, whose per-group totals are the overall summary; if
    protecting it would need such a total hidden, the whole table is hidden.

    ``sum_is_count``: the amount is itself a count of records (a client's number of
    interventions, each a row of another table whose count is shown): its sum per group is
    protected as a count too, so that a hidden count of those records does not follow from a
    mean times a number of units.

    A group shown with fewer than :func:`order_min` rows has its median, the median's interval
    and its quartiles hidden (``order_hidden``): with few rows each is one person's value, or
    lies between two (Hundepool et al. 2012, §4.2 on magnitude tables).

    ``hidden``: per row of ``summary``, groups to hide whatever their size (a selection's
    amount that would give back the few rows it leaves out,
    :func:`jamtools.disclosure.hidden_amounts_in_selection`); they are protected as the small
    ones are, under the same reason.
    """
    dims = [by, group] if by else [group]
    counts = ["n", "sum"] if sum_is_count and "sum" in summary.columns else ["n"]
    out = _disclose_summary(summary, dims, counts, by, threshold, hidden)
    # A median and quartiles of a few rows are (close to) single persons' values: with the mean,
    # three rows' median and quartiles give each of the three back (a probe found 25,8, 30,0
    # and 39,8 hours in ht_01 at threshold 3). They are shown for groups of ORDER_MIN or more.
    few = (~out["suppressed"].astype(bool)) & (out["n"].astype(float) < order_min(threshold))
    out["order_hidden"] = few.to_numpy()
    for col in ORDER_STATISTICS:
        if col in out:
            out[col] = out[col].astype(float).where(~few, np.nan)
    return out


#: An amount summary's order statistics: hidden for groups of fewer than :func:`order_min` rows.
ORDER_STATISTICS = ("median", "median_ci_low", "median_ci_high", "q1", "q3")


def order_min(threshold: int) -> int:
    """The fewest rows a group needs for its median and quartiles to be shown: twice the
    threshold, and at least 10 (with fewer, each is one row's value or between two rows')."""
    return max(2 * int(threshold), 10)


#: Comparisons of order statistics (a difference of medians): hidden with a group's median.
ORDER_MEASURES = ("median_difference",)


def hide_order_comparisons(comparisons: pd.DataFrame, summary: pd.DataFrame, *,
                           group: str = "kon") -> pd.DataFrame:
    """``comparisons`` (disclosed) with a difference of medians hidden where a group's median is
    (``summary``'s ``order_hidden``): the other group's median shown plus the difference gives
    it back (a review: 20,45 − (−14,45) = 34,9, the hidden median of four men)."""
    few = summary.loc[summary.get("order_hidden", pd.Series(False, index=summary.index))
                      .fillna(False).astype(bool), group].astype(str)
    if comparisons.empty or few.empty or "measure" not in comparisons:
        return comparisons
    out = comparisons.copy()
    hit = (out["measure"].isin(ORDER_MEASURES) & ~out["suppressed"].astype(bool)
           & (out["group_a"].astype(str).isin(set(few)) | out["group_b"].astype(str).isin(set(few))))
    for col in ("estimate", "ci_low", "ci_high", "p_value", "mdd_pp", "p_adjusted"):
        if col in out:
            out[col] = out[col].astype(float).where(~hit, np.nan)
    out.loc[hit, "suppressed"] = True
    out.loc[hit, "suppression_reason"] = disclosure.REASON_GROUP
    if "warning" in out:
        out["warning"] = out["warning"].astype(object).where(~hit, "")
    out.attrs = dict(comparisons.attrs)
    return out


#: An amount summary's number of units whose amount is not 0 (``describe_amounts``'s
#: ``n_nonzero``): the contributors to its sum. Used for disclosure, not published: with ``n``
#: it gives the number of zeros (the rejections beside the money granted), which the yes/no
#: table of the same units protects.
CONTRIBUTORS = "n_nonzero"


def _disclose_summary(summary, dims, counts, by, threshold, hidden=None) -> pd.DataFrame:
    # The contributors rule for magnitude tables (Hundepool et al. 2012, §4.2): a sum, mean or
    # share of total that rests on fewer than ``threshold`` units with an amount other than 0
    # gives those units' amounts (a probe's ru_01 at threshold 10 showed the money of a sex's
    # few granted applications among 16). The contributors are protected as a count.
    # A sum that is itself a count of records (``sum_is_count``: a client's interventions, each
    # a row the data table counts) is protected as a count instead: the rule would hide a sum
    # the page shows anyway (a probe: 4 men's interventions, of 2 men, in both tables).
    if CONTRIBUTORS in summary.columns and CONTRIBUTORS not in counts and "sum" not in counts:
        counts = [*counts, CONTRIBUTORS]
    derived = [c for c in AMOUNT_DERIVED if c in summary.columns and c not in counts]
    # Counts are never missing: a group with no one in it (``_with_levels``) has none of them
    # (a sum protected as a count, ``sum_is_count``, included).
    empty = summary["n"].fillna(0).astype(float).eq(0)
    summary = summary.assign(**{c: summary[c].astype(float).mask(empty & summary[c].isna(), 0.0)
                                for c in counts})
    # by a category, every combination is a row (amount_outcome) and an empty one reads as small
    out = disclosure.disclose_table(summary, count_cols=counts, by=dims, derived_cols=derived,
                                    threshold=threshold, hide_empty=bool(by), hidden=hidden)
    # A group hidden for its few contributors has the one reason of every hidden count: a reason
    # of its own would tell the reader that its number of units is at least the threshold, and
    # so that the other group hidden beside it is the small one (tests/disclosure/
    # test_reason_bounds.py: 6 women of whom 2 with money, and 3 men, told the men were 1..4).
    if CONTRIBUTORS in out:  # used, never published (with n it gives the zeros)
        attrs = dict(out.attrs)
        out = out.drop(columns=CONTRIBUTORS)
        out.attrs = attrs
    totals = out.attrs.get(disclosure.ATTR, {}).get("totals", [])
    if by and any(np.asarray(t["mask"])[-1, :-1].any() for t in totals) and len(out):
        for col in ["n", *derived]:
            out[col] = np.nan
        newly = ~out["suppressed"].astype(bool)
        out["suppression_reason"] = out["suppression_reason"].where(~newly, disclosure.REASON_HIDDEN)
        out["suppressed"] = True
    return out


#: The numeric columns of an amount summary (:func:`jamtools.stats.describe_amounts`).
AMOUNT_SUMMARY_COLUMNS = ("n", "n_nonzero", "sum", "mean", "mean_ci_low", "mean_ci_high", "median",
                          "median_ci_low", "median_ci_high", "q1", "q3", "share_of_total",
                          "share_of_n")


def _empty_amount_summary(keys) -> pd.DataFrame:
    """An amount summary with no rows but every column, for a selection with no one in it."""
    return pd.DataFrame({**{k: pd.Series(dtype="object") for k in keys},
                         **{c: pd.Series(dtype=float) for c in AMOUNT_SUMMARY_COLUMNS}})


def _with_levels(summary: pd.DataFrame, group: str, levels) -> pd.DataFrame:
    """Both levels always have a row: a group with no one in it is shown as 0, not left out."""
    if summary.empty:
        summary = _empty_amount_summary([group])
    out = summary.set_index(group).reindex(list(levels)).rename_axis(group).reset_index()
    out["n"] = out["n"].fillna(0.0)
    if CONTRIBUTORS in out:  # no one, so no one with an amount (a count: never missing)
        out[CONTRIBUTORS] = out[CONTRIBUTORS].fillna(0.0)
    return out


def _with_grid(summary: pd.DataFrame, group: str, levels, by: str, by_levels=None) -> pd.DataFrame:
    """Every ``by`` category (``by_levels``, the data model's codes, else those observed) with
    every level a row: a combination with no one in it has ``n`` 0 and no amounts."""
    cats = list(by_levels) if by_levels is not None else []
    cats += sorted((c for c in summary[by].dropna().unique() if c not in cats), key=str)
    have = set(zip(summary[by].astype(str), summary[group].astype(str)))
    added = pd.DataFrame([{by: c, group: g} for c in cats for g in levels if (str(c), str(g)) not in have])
    if added.empty:
        return summary
    added["n"] = 0.0
    if CONTRIBUTORS in summary:  # no one, so no one with an amount (a count: never missing)
        added[CONTRIBUTORS] = 0.0
    out = pd.concat([summary, added.reindex(columns=summary.columns)], ignore_index=True)
    # the rows in the order of the categories and levels, an added one where it belongs
    cat_at = {str(c): k for k, c in enumerate(cats)}
    lvl_at = {str(g): k for k, g in enumerate(levels)}
    order = sorted(range(len(out)), key=lambda i: (cat_at.get(str(out.at[i, by]), len(cats)),
                                                   lvl_at.get(str(out.at[i, group]), len(lvl_at)), i))
    return out.iloc[order].reset_index(drop=True)


#: The count column of :func:`amount_outcome`'s table of units per combination of values.
UNITS = "antal_enheter"


def _units(data: pd.DataFrame, keys: list[str], weight: str | None) -> pd.DataFrame:
    """The number of units (:data:`UNITS`) per combination of ``keys``: rows, or the sum of
    ``weight`` for a cell table."""
    grouped = data.groupby(keys, observed=True, sort=True, dropna=False)
    units = grouped[weight].sum() if weight else grouped.size()
    return units.rename(UNITS).reset_index()


def amount_outcome(data: pd.DataFrame, value: str, *, covariates=(), levels: Sequence[Hashable],
                   group: str = "kon", by: str | None = None, decompose: bool = False,
                   conf_level: float = 0.95, threshold: int = disclosure.DEFAULT_THRESHOLD,
                   n_boot: int = 1999, seed: int = 0, weight: str | None = None,
                   sum_is_count: bool = False, at_least: float | None = None,
                   by_levels: Sequence[Hashable] | None = None) -> AmountResult:
    """The distribution of an amount by sex, the crude and the adjusted difference, all disclosed.

    Parameters
    ----------
    data : one row per unit (decision, client) with the numeric column ``value``; rows of other
        groups than ``levels`` (unknown sex) are ignored.
    value : the amount, e.g. ``beviljade_timmar``.
    covariates : need and circumstances to adjust for; the adjusted comparison is
        :func:`jamtools.stats.adjusted_amount_difference` (linear regression, HC3 errors). With
        none, only the crude comparisons are made.
    levels : required, no default: the two groups compared, ``(a, b)``; differences are a − b
        and ratios a / b, so ``b`` (the second) is the reference.
    by : a category (e.g. need level) for a summary per category and sex. It lists every
        category (``by_levels``, the data model's codes, else a categorical column's categories,
        else those observed) with both
        ``levels``, empty or not; an empty group is hidden as a small one, so no row tells that
        a sex is, or is not, in a category.
    decompose : also the Oaxaca–Blinder decomposition (:func:`jamtools.stats.oaxaca_blinder`)
        of the mean gap into a part explained by ``covariates`` and an unexplained part.
    conf_level, threshold, n_boot, seed : interval level, disclosure threshold, bootstrap
        resamples and seed of the crude difference of medians' interval (reproducible).
    weight : for a cell table (:func:`jamtools.data.load_table` with ``cells=True``): the
        column with the number of units each row stands for.
    sum_is_count : the amount is a count of records shown elsewhere (a client's number of
        interventions): its sum per sex is protected as a count (:func:`disclose_amount_summary`).
    at_least : the least value the amount can take (0 for hours and kronor): the means'
        intervals do not go below it (:func:`jamtools.stats.describe_amounts`), nor, for 0,
        the ratio of means' (:func:`jamtools.stats.compare_amounts`).

    Returns
    -------
    AmountResult
        ``summary`` (per sex: n, shares of rows and of the summed amount, mean with its t
        interval and median with its order-statistics interval, quartiles), ``comparisons`` (crude ``mean_difference``,
        ``median_difference``, ``ratio_of_means``; adjusted ``mean_difference``),
        ``by_summary`` and ``decomposition``, each disclosed: a group under ``threshold`` is
        hidden like a count (:func:`disclose_amount_summary`) and so is every comparison that
        rests on it. ``data`` a selection of rows whose count or amount the page shows (or the
        rows a selection shown before was made from: ``data`` carries their account,
        :func:`jamtools.data.load.rows_of`), a sex, or a category's sex, is hidden where the
        two would give back the few rows between them, or their amount
        (:func:`jamtools.disclosure.hidden_in_selection`,
        :func:`jamtools.disclosure.hidden_amounts_in_selection`); each shown amount is recorded
        for the analyses after it (:func:`jamtools.disclosure.record_amount_shown`).
    """
    covariates = list(covariates)
    a, b = levels
    stats.amounts.require_amounts(data, value)  # medians need the amounts, not cells' means
    # One pass over the rows: the units per combination of sex, covariates, category and amount.
    # Every statistic below reads this table (``count=``), so that its cost grows with the
    # distinct combinations, not with the rows.
    keys = list(dict.fromkeys([group, *covariates, *([by] if by else []), value]))
    rows = _units(data.loc[data[group].isin(levels)], keys, weight)
    rows = rows[rows[UNITS] > 0].reset_index(drop=True)
    summary = _with_levels(stats.describe_amounts(rows, value, group, count=UNITS, conf_level=conf_level,
                                                  at_least=at_least), group, levels)
    summary["conf_level"] = conf_level
    # A selection of rows whose count or amount the page shows (a data table, an analysis of
    # all of them or of a selection of its rows) hides what would give back the few rows
    # between them (found from the rows' own account: no chapter has to ask for it). Where the
    # other amount is hidden, or never shown, only the count can be given back.
    # (the rows counted by sex once, for all three: amount_cells, units_by_sex)
    mine = (disclosure.amount_cells(data, value, weight=weight, group=group)
            if group == "kon" and rows_of(data) is not None and {group, value} <= set(data.columns) else None)
    counted = {str(g) for g in disclosure.hidden_in_selection(
        data, threshold, weight=weight, group=group,
        counts=None if mine is None else disclosure.units_by_sex(mine))}
    cells = disclosure.hidden_amounts_in_selection(data, value, threshold, weight=weight, group=group,
                                                   cells=mine)
    sexes = counted | {c[0] for c in cells}
    summary_d = disclose_amount_summary(summary, group=group, threshold=threshold, sum_is_count=sum_is_count,
                                        hidden=summary[group].astype(str).isin(sexes).to_numpy())
    disclosure.record_amount_shown(data, value, summary_d, weight=weight, group=group, cells=mine)
    n_a, n_b = (int(rows.loc[rows[group] == a, UNITS].sum()), int(rows.loc[rows[group] == b, UNITS].sum()))
    parts = [stats.compare_amounts(rows, value, group, levels=levels, count=UNITS, conf_level=conf_level,
                                   n_boot=n_boot, seed=seed, at_least=at_least)]
    if covariates:
        parts.append(stats.adjusted_amount_difference(rows, value, group, covariates, levels=levels,
                                                      count=UNITS, conf_level=conf_level))
    comparisons_d = disclosure.disclose_comparisons(pd.concat(parts, ignore_index=True),
                                                    threshold=threshold, shares=summary_d, group=group)
    comparisons_d = hide_order_comparisons(comparisons_d, summary_d, group=group)
    decomposition_d = None
    if decompose and covariates:
        if min(n_a, n_b) >= max(threshold, 2):
            decomposition = stats.oaxaca_blinder(rows, value, group, covariates, levels=levels,
                                                 count=UNITS, conf_level=conf_level)
            # A category that only one group has: its coefficient in that group's model is
            # not identified. Said in the table in the reader's words (another reason, a split
            # that cannot be made at all, stays as it is).
            deficient = decomposition["warning"].eq(stats.amounts.RANK_DEFICIENT)
            decomposition.loc[deficient, "warning"] = RANK_WARNING
        else:
            decomposition = pd.DataFrame([
                {**dict.fromkeys(stats.COMPARISON_COLUMNS, np.nan), "outcome": value,
                 "comparison": f"{a} − {b}", "group_a": a, "group_b": b, "measure": m,
                 "conf_level": conf_level, "adjusted": True, "adjusted_for": ", ".join(covariates),
                 "n_a": float(n_a), "n_b": float(n_b), "method": "Oaxaca–Blinder (poolad)",
                 "warning": "För få i en av grupperna för en uppdelning."}
                for m in ("oaxaca_gap", "oaxaca_explained", "oaxaca_unexplained")])
        decomposition_d = disclosure.disclose_comparisons(decomposition, threshold=threshold,
                                                          shares=summary_d, group=group)
    by_d = None
    if by:
        by_summary = stats.describe_amounts(rows, value, group, by=[by], count=UNITS, conf_level=conf_level,
                                            at_least=at_least)
        if by_summary.empty:  # nothing selected: an empty table with every column
            by_summary = _empty_amount_summary([group, by])
        else:  # every category with both levels: a missing row would tell that a group is empty
            if by_levels is None and isinstance(data[by].dtype, pd.CategoricalDtype):
                by_levels = list(data[by].cat.categories)  # e.g. ht's need groups
            by_summary = _with_grid(by_summary, group, levels, by, by_levels)
        # a hidden sex's amount is the sum of its categories': they are hidden with it
        mine_by = (disclosure.amount_cells(data, value, by=by, weight=weight, group=group)
                   if mine is not None and by in data.columns else None)
        by_cells = disclosure.hidden_amounts_in_selection(data, value, threshold, by=by, weight=weight,
                                                          group=group, cells=mine_by)
        keys = disclosure._as_keys(by_summary[[by, group]]) if len(by_summary) else None
        forced = (np.array([g in sexes or (c, g) in by_cells for c, g in keys.itertuples(index=False)], bool)
                  if keys is not None else None)
        by_d = disclose_amount_summary(by_summary, group=group, by=by, threshold=threshold,
                                       sum_is_count=sum_is_count, hidden=forced)
        disclosure.record_amount_shown(data, value, by_d, by=by, weight=weight, group=group, cells=mine_by)
    return AmountResult(value, summary_d, comparisons_d, by_d, decomposition_d)


def amount_gap_by_period(data: pd.DataFrame | stats.AmountMoments, value: str, period: str, *,
                         covariates=(),
                         levels: Sequence[Hashable], group: str = "kon", conf_level: float = 0.95,
                         threshold: int = disclosure.DEFAULT_THRESHOLD,
                         weight: str | None = None, spread: str | None = None) -> pd.DataFrame:
    """The crude and (with ``covariates``) the adjusted difference in mean amount per period.

    For each value of ``period`` (in sorted order; an ordered categorical keeps its order):
    the crude difference of means (Welch, :func:`jamtools.stats.mean_difference`) and the
    adjusted one (:func:`jamtools.stats.adjusted_amount_difference`), one row each, with the
    period in column ``period``. Both need only sums per period × sex × covariates (n, Σy, Σy²,
    the mean and Σ(y − mean)²), so the rows are summed once
    (:func:`jamtools.stats.amount_moments`; ``data`` may already be
    such sums) and each period is computed from its sums. Disclosed: the counts per period ×
    sex form a cross-table whose totals are published, and a period with a hidden count
    (primary or complementary, :func:`jamtools.disclosure.disclose_table`) has its comparisons
    hidden. ``levels`` (required, no default) are the two groups compared, ``(a, b)``:
    differences are a − b, so ``b`` (the second) is the reference. ``weight``: as in
    :func:`amount_outcome`; ``spread``: with ``weight``, the column of each cell's sum of squares
    about its mean amount ``value`` (:func:`jamtools.stats.amount_moments`).
    """
    covariates = list(covariates)
    a, b = levels
    moments = _sums(data, value, [period, group, *covariates], levels, group, weight, spread)
    sums = moments.data[moments.data[group].isin(levels)]
    counts = (sums.groupby([period, group], observed=True, sort=True, dropna=False)["n"].sum()
              .reset_index())
    counts = counts[counts["n"] > 0].reset_index(drop=True)
    counts_d = disclosure.disclose_table(counts, count_cols=["n"], by=[period, group],
                                         threshold=threshold)
    hidden_periods = set(counts_d.loc[counts_d["suppressed"].astype(bool), period].astype(str))
    out_rows = []
    for key, sub in sums.groupby(period, observed=True, sort=True):
        part_sums = stats.AmountMoments(sub, value)
        na, nb = sub.loc[sub[group] == a, "n"].sum(), sub.loc[sub[group] == b, "n"].sum()
        parts = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a period with one sex missing gets a warning row
            parts.append(stats.mean_difference(part_sums, value, group, levels=levels,
                                               conf_level=conf_level))
            if covariates:
                parts.append(stats.adjusted_amount_difference(part_sums, value, group, covariates,
                                                              levels=levels, conf_level=conf_level))
        part = pd.concat(parts, ignore_index=True)
        part["period"] = key
        part["n_a"], part["n_b"] = float(na), float(nb)
        out_rows.append(part)
    if not out_rows:
        empty = pd.DataFrame(columns=[*stats.COMPARISON_COLUMNS, "period"])
        return disclosure.disclose_comparisons(empty, threshold=threshold)
    table = pd.concat(out_rows, ignore_index=True)
    out = disclosure.disclose_comparisons(table, threshold=threshold)
    hide = out["period"].astype(str).isin(hidden_periods).to_numpy() & ~out["suppressed"].to_numpy()
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "n_b"):
        out[col] = out[col].astype(float).where(~hide, np.nan)
    out.loc[hide, "suppressed"] = True
    out.loc[hide, "suppression_reason"] = disclosure.REASON_GROUP
    if "warning" in out:  # as disclosure._mark: a hidden row's warning speaks of its counts
        out["warning"] = out["warning"].astype(object).where(~hide, "")
    return out


def _sums(data, value: str, keys: list, levels, group: str, weight: str | None, spread: str | None = None):
    """``data`` as :class:`jamtools.stats.AmountMoments` per combination of ``keys``, the groups
    ``levels`` only (already sums: as they are, and no ``weight``). The first key is the
    period: a row without one belongs to no period, and is refused rather than compared as a
    period of its own or dropped unseen."""
    if isinstance(data, stats.AmountMoments):
        if weight or spread:
            raise ValueError("Summor räknar enheterna själva: ange ingen weight eller spread.")
        moments = data
    else:
        moments = stats.amount_moments(data[data[group].isin(levels)], value, keys, count=weight,
                                       spread=spread)
    sums = moments.data
    lacking = sums[group].isin(levels) & sums[keys[0]].isna()
    if lacking.any():
        rows = not isinstance(data, stats.AmountMoments) and not weight
        raise ValueError(f"Kolumnen {keys[0]!r} saknar värde för {int(sums.loc[lacking, 'n'].sum())} "
                         f"{'rader' if rows else 'enheter'} (missing period): de hör inte till "
                         "någon period. Lämna dem utanför, och redovisa hur många de är, före "
                         "jämförelsen per period.")
    return moments


@dataclass
class AmountChange:
    """Disclosed results for a change over time in an amount gap: per period, before and after
    the change, and the change itself (period × sex interaction)."""

    outcome: str
    by_period: pd.DataFrame
    phases: pd.DataFrame
    change: pd.DataFrame
    after: object


def _phase_lacking(counts: pd.Series, after) -> str:
    """Why the change cannot be estimated: a phase with no rows at all (the year of the new
    working method after the data's last year, or a period in jamtools.yml that starts at it:
    a probe's reader was told "saknar en av grupperna" then), or a phase lacking one group.
    ``counts``: units by (is after, group)."""
    for flag, words in ((False, f"data har inga rader före {after}, så det finns ingenting att "
                                "jämföra med före"),
                        (True, f"data har inga rader från {after} eller senare, så det finns "
                               "ingenting att jämföra med efter")):
        if not counts[counts.index.get_level_values(0) == flag].sum() > 0:
            return words[:1].upper() + words[1:] + "."
    return "Perioden före eller efter saknar en av grupperna."


def amount_change(data: pd.DataFrame, value: str, period: str, after, *, covariates=(),
                  levels: Sequence[Hashable], group: str = "kon", conf_level: float = 0.95,
                  threshold: int = disclosure.DEFAULT_THRESHOLD,
                  weight: str | None = None, spread: str | None = None) -> AmountChange:
    """Has the (adjusted) gap in an amount changed since ``after``? All results disclosed.

    Parameters
    ----------
    data : one row per unit with ``value``, ``period`` (e.g. year) and ``covariates`` (with
        ``weight``, one row per combination); summed once per period × sex × covariates
        (:func:`jamtools.stats.amount_moments`), from which every result here follows as on the
        rows (to rounding).
    after : the first period of the "after" phase (e.g. the year a new working method began).
    levels : required, no default: the two groups compared, ``(a, b)``; the gap is a − b, so
        ``b`` (the second) is the reference.
    weight : for a cell table: the column with the number of units each row stands for.
    spread : with ``weight``, for a cell table whose amounts were summed per cell: the column
        with each cell's sum of squares about its mean ``value`` (the load's
        ``spread(value)``).

    Returns
    -------
    AmountChange
        ``by_period``: :func:`amount_gap_by_period` per value of ``period``; ``phases``: the
        same for the two phases ``före <after>`` and ``från <after>`` (column ``period``);
        ``change``: :func:`jamtools.stats.amount_gap_change`, the period × sex interaction in
        a linear model with the covariates (HC3 errors): the change in the adjusted gap, after
        − before. When a phase lacks one of the groups the change is not estimated (a row with
        a warning), and it is hidden whenever a phase is.
    """
    covariates = list(covariates)
    a, b = levels
    # Every measure here is a mean, a difference of means or a linear model: all follow from
    # sums per period × sex × covariates, so the rows are summed once.
    moments = _sums(data, value, [period, group, *covariates], levels, group, weight, spread)
    by_period = amount_gap_by_period(moments, value, period, covariates=covariates, levels=levels,
                                     group=group, conf_level=conf_level, threshold=threshold)
    before_label, after_label = f"före {after}", f"från {after}"
    sums = moments.data.copy()
    is_after = sums[period] >= after
    sums["_fas"] = pd.Categorical(np.where(is_after, after_label, before_label),
                                  categories=[before_label, after_label], ordered=True)
    sums = stats.AmountMoments(sums, value)
    phases = amount_gap_by_period(sums, value, "_fas", covariates=covariates, levels=levels,
                                  group=group, conf_level=conf_level, threshold=threshold)
    phases["period"] = phases["period"].astype(str)
    # A hidden year must not follow from its phase less the years shown (a probe: "före 2023"
    # 8 men, 2022 6 shown, 2021 hidden: 2 men).
    by_period, phases = protect_periods(
        by_period, phases, lambda y: after_label if y >= after else before_label,
        threshold=threshold)
    units, by_group = sums.data["n"], sums.data[group]
    counts = units.groupby([is_after, by_group]).sum()
    usable = all(counts.get((flag, lvl), 0) >= 2 for flag in (False, True) for lvl in levels)
    if usable:
        change = stats.amount_gap_change(sums, value, period, after, group, levels=levels,
                                         covariates=covariates, conf_level=conf_level)
    else:
        change = pd.DataFrame([dict.fromkeys(stats.COMPARISON_COLUMNS, np.nan)])
        change = change.assign(outcome=value, comparison=f"({a} − {b}) efter − före", group_a=a,
                               group_b=b, measure="gap_change", conf_level=conf_level,
                               adjusted=bool(covariates), adjusted_for=", ".join(covariates),
                               n_a=float(units[by_group == a].sum()),
                               n_b=float(units[by_group == b].sum()),
                               warning=_phase_lacking(counts, after))
    change["period"] = f"från {after} jämfört med före"
    change_d = disclosure.disclose_comparisons(change, threshold=threshold)
    if phases["suppressed"].astype(bool).any() or len(phases["period"].unique()) < 2:
        for col in ("estimate", "ci_low", "ci_high", "p_value"):
            change_d[col] = np.nan
        if phases["suppressed"].astype(bool).any():
            change_d["suppressed"] = True
            change_d["suppression_reason"] = disclosure.REASON_GROUP
            # its counts are the two phases' together: with the other phase's, a hidden one's
            for col in ("n_a", "n_b"):
                change_d[col] = np.nan
    return AmountChange(value, by_period, phases, change_d, after)
