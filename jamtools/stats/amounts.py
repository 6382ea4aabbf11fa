"""Amounts (hemtjänst hours, benefit, grant size): distributions by sex, crude and adjusted
differences, and the Oaxaca–Blinder decomposition.

Amounts are skewed, so every description shows the median and quartiles next to the mean.
Everything here is computed from tables that do not grow with the rows: per group the table of
distinct amounts and their counts (means, variances, quantiles, order statistics and the
bootstrap come from it exactly), and for the regressions the cell table of
:mod:`jamtools.stats.cells` (n, Σy, Σy² per combination of group and covariates), from which
least squares with robust standard errors, the gamma model and the decomposition follow
exactly. A row-level fit of the same estimator gives the same numbers (tested to 1e-8); the
memory is the number of distinct values or cells, not of rows.

Every function takes row-level data, or with ``count`` a table whose rows stand for that many
units each (what a ``GROUP BY`` in DuckDB or in the source database returns); those that need
only means and second moments (:func:`mean_difference`, :func:`adjusted_amount_difference` with
OLS, :func:`jamtools.stats.amount_gap_change`) also take an :class:`AmountMoments`, the sums per
combination of columns (:func:`amount_moments`).
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from jamtools.stats.binary import COMPARISON_COLUMNS
from jamtools.stats.cells import _satterthwaite
from jamtools.stats.cells import (LEVERAGE_ONE, CellFit, gamma_from_cells, ols_from_cells,
                                  oaxaca_from_cells)
from jamtools.stats.design import COINCIDES, covariate_columns, design_matrix, identified

#: The models :func:`adjusted_amount_difference` fits.
AmountModel = Literal["ols", "gamma"]

#: The method names written with each measure (``method`` in the comparison layout and in the
#: results file), so that a comparison with another year can see when the method changed.
METHOD_T = "t-intervall"
METHOD_ORDER = "ordningsstatistika (binomial, fördelningsfri)"
METHOD_BOOT = "bootstrap (percentil) över tabellen av värden"
METHOD_WELCH = "Welch"
METHOD_RATIO = "Fieller (Welchs test inverterat, Tamhane & Logan 2004)"
METHOD_OB = "Oaxaca–Blinder (poolad); deltametoden (Jann 2008), robusta medelfel (HC1)"

#: Said when a group is too small for the order-statistics interval of its median.
MEDIAN_TOO_FEW = ("För få observationer för ett intervall för medianen på den valda nivån "
                  "(minst 6 behövs för 95 %).")


@dataclass(frozen=True)
class AmountMoments:
    """An amount as sums per combination of columns (:func:`amount_moments`): ``data`` has the
    columns and, per combination, ``n`` (units), ``sum_y`` (Σy), ``sum_y2`` (Σy²), ``mean_y``
    (the mean) and ``ss_y`` (Σ(y − mean)², summed from the values shifted by the combination's
    least, so that equal amounts give exactly 0) of the amount ``value``.

    Enough for the means, their differences and the linear models: the functions that take one
    (:func:`mean_difference`, :func:`adjusted_amount_difference` with OLS,
    :func:`jamtools.stats.amount_gap_change`) give the results they give on the rows (to
    rounding), at a cost that grows with the combinations, not the rows. Medians need the
    values (:func:`compare_amounts`)."""

    data: pd.DataFrame
    value: str


def amount_moments(df: pd.DataFrame, value: str, keys: Sequence[str], *,
                   count: str | None = None, spread: str | None = None) -> AmountMoments:
    """The amount ``value`` summed per combination of ``keys``, for the functions that need only
    means and second moments.

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit; or, with ``count``, one row per distinct combination
        with the number of units it stands for.
    value : str
        The amount column (numeric, no missing values).
    keys : sequence of str
        The columns to sum by (the group, the period, the covariates).
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).
    spread : str, optional
        With ``count``: a column with the sum of squares of the units' amounts about ``value``,
        which is then their mean (a cell table whose amounts were summed where the rows are,
        ``jamtools.data.load_table(..., sums=...)`` and its result's ``spread(value)``).
        Without it each row's units all have the amount ``value``.

    Returns
    -------
    AmountMoments
        One row per combination of ``keys`` (in sorted order) with units: ``n``, ``sum_y``,
        ``sum_y2``, ``mean_y`` and ``ss_y``. The mean and the sum of squares are summed from
        the amounts less the combination's least amount, so that equal amounts give exactly no
        spread; combinations are combined as in [1]_.

    Raises
    ------
    ValueError
        When a column is missing, or an amount is missing or not a number.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H. & LeVeque, R. J. (1983). Algorithms for computing the sample
           variance: analysis and recommendations. The American Statistician, 37(3), 242–247.
    """
    keys = list(keys)
    if spread is not None and not count:
        raise ValueError("spread= gäller en celltabell: ange också count (antalet enheter per rad).")
    d = _check(df, value, keys, count, spread=spread)
    y, w = d[value].to_numpy(float), d["_n"].to_numpy(np.int64)
    within = d["_ss"].to_numpy(float) if spread is not None else np.zeros(len(d))
    frame = d[keys].copy()
    # a row's units: n = w, Σy = w·mean, Σy² = spread + w·mean², and about the combination's
    # least (the rows' means less it) the spread adds to the squares [1]_
    frame["n"], frame["sum_y"], frame["sum_y2"] = w, y * w, within + y * y * w
    frame["within"] = within
    frame["least"] = np.where(w > 0, y, np.inf)
    frame["least"] = frame.groupby(keys, observed=True, sort=True, dropna=False)["least"].transform("min")
    shifted = np.where(w > 0, y - frame["least"].to_numpy(float), 0.0)  # 0 where the amounts are equal
    frame["sum_d"], frame["sum_d2"] = shifted * w, shifted * shifted * w
    out = (frame.groupby(keys, observed=True, sort=True, dropna=False)
           .agg(n=("n", "sum"), sum_y=("sum_y", "sum"), sum_y2=("sum_y2", "sum"),
                least=("least", "first"), sum_d=("sum_d", "sum"), sum_d2=("sum_d2", "sum"),
                within=("within", "sum"))
           .reset_index())
    out = out[out["n"] > 0].reset_index(drop=True)
    n = out["n"].to_numpy(float)
    out["mean_y"] = out["least"] + out["sum_d"] / n
    out["ss_y"] = np.maximum(out["sum_d2"] - out["sum_d"] ** 2 / n, 0.0) + out["within"]
    return AmountMoments(out.drop(columns=["least", "sum_d", "sum_d2", "within"]), value)


#: The sums of an :class:`AmountMoments` under the names :func:`_check` gives them, which no
#: column of the data model has (so an amount named ``sum_y`` is never taken for its sum).
_SUMS = {"sum_y": "__sum_y", "sum_y2": "__sum_y2"}


def require_amounts(df: pd.DataFrame, value: str) -> None:
    """Refuse a table that holds each cell's mean of an amount rather than the amounts.

    A cell table whose amounts were summed where the rows are
    (``jamtools.data.load_table(..., sums=...)``) holds each cell's mean in ``value`` and the
    sum of squares about it in ``jamtools.data.check.SPREAD`` + ``value``. Such means give the
    right means, but wrong medians, quartiles and spreads: only :func:`amount_moments` with
    ``spread=`` combines them, as the pairwise formulas of [1]_ do.

    Parameters
    ----------
    df : pandas.DataFrame
        The table a function is about to read amounts from.
    value : str
        The amount's column.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        When ``df`` has the column of the cells' sums of squares of ``value``.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H. & LeVeque, R. J. (1983). Algorithms for computing the sample
           variance: analysis and recommendations. The American Statistician, 37(3), 242–247.
    """
    from jamtools.data.check import SPREAD

    if SPREAD + value in df.columns:
        raise ValueError(f"'{value}' är varje cells medelvärde (tabellen har summorna i "
                         f"'{SPREAD + value}'): räkna med amount_moments(..., spread='{SPREAD + value}'), "
                         "eller läs tabellen med beloppen (utan sums=).")


def _check(df, value: str, cols, count: str | None = None, *, spread: str | None = None) -> pd.DataFrame:
    if isinstance(df, AmountMoments):  # sums already: the columns, the sums, and n as ``_n``
        if df.value != value or count:
            raise ValueError(f"Summorna gäller '{df.value}' och räknar enheterna själva: ange "
                             f"value='{df.value}' och ingen count.")
        missing = [c for c in cols if c not in df.data.columns]
        if missing:
            raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
        out = df.data[list(cols)].copy()
        for name, private in _SUMS.items():
            out[private] = df.data[name].to_numpy(float)
        out["_n"] = df.data["n"].to_numpy(np.int64)
        return out
    missing = [c for c in [value, *cols, *([count] if count else []), *([spread] if spread else [])]
               if c not in df.columns]
    if missing:
        raise ValueError(f"Kolumnerna {', '.join(missing)} finns inte i data.")
    if spread is None:
        require_amounts(df, value)
    y = pd.to_numeric(df[value], errors="coerce")
    bad = df.loc[y.isna(), value]
    if len(bad):
        # rows of the data: with ``count``, each row of ``df`` stands for its count of them
        n = (int(pd.to_numeric(df.loc[y.isna(), count], errors="coerce").fillna(1).sum()) if count
             else len(bad))
        given = bad.dropna()
        given = given[given.astype(str).str.strip().str.lower() != "nan"]
        example = f" (till exempel {given.iloc[0]!r})" if len(given) else ""
        raise ValueError(f"'{value}' saknar värde eller är inget tal på {n} "
                         f"{'rad' if n == 1 else 'rader'}{example}; exkludera eller rätta dem först.")
    out = df[[*cols]].copy()
    out[value] = y.astype(float)
    if count:
        w = pd.to_numeric(df[count], errors="coerce")
        if w.isna().any() or (w < 0).any() or (w != np.round(w)).any():
            raise ValueError(f"'{count}' ska vara ett heltal ≥ 0 på varje rad (antalet enheter "
                             "raden står för).")
        out["_n"] = w.astype(np.int64)
    else:
        out["_n"] = np.int64(1)
    if spread is not None:
        ss = pd.to_numeric(df[spread], errors="coerce")
        if ss.isna().any() or (ss < 0).any():
            raise ValueError(f"'{spread}' ska vara en kvadratsumma ≥ 0 på varje rad.")
        out["_ss"] = ss.to_numpy(float)
    return out


@dataclass(frozen=True)
class _Dist:
    """One group's amounts as sorted distinct values and their counts."""

    values: np.ndarray
    counts: np.ndarray

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def total(self) -> float:
        return float(np.dot(self.values, self.counts))

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def var(self) -> float:
        """The sample variance (denominator n − 1), from centred values (no cancellation)."""
        return float(np.dot(self.counts, (self.values - self.mean) ** 2) / (self.n - 1))

    def order(self, j) -> np.ndarray:
        """Order statistics (0-based ranks ``j``) of the rows the table stands for."""
        return self.values[np.searchsorted(np.cumsum(self.counts), j, side="right")]

    def quantile(self, p: float) -> float:
        """``numpy.quantile(rows, p)`` (linear interpolation between order statistics)."""
        h = (self.n - 1) * p
        lo = int(np.floor(h))
        x_lo, x_hi = self.order([lo, min(lo + 1, self.n - 1)])
        return float(x_lo + (h - lo) * (x_hi - x_lo))

    @property
    def median(self) -> float:
        """``numpy.median(rows)``: the middle order statistic, or the mean of the two."""
        k = self.n // 2
        if self.n % 2:
            return float(self.order(k))
        lo, hi = self.order([k - 1, k])
        return float((lo + hi) / 2)

    def median_ci(self, conf_level: float) -> tuple[float, float]:
        """The distribution-free interval for the median from order statistics.

        :math:`[x_{(r)}, x_{(n-r+1)}]` with the largest :math:`r` such that
        :math:`P(B \\le r-1) \\le \\alpha/2` for :math:`B \\sim \\mathrm{Bin}(n, 1/2)`; coverage
        at least the level for every continuous distribution (Conover 1999, §3.2), the
        interval of ``scipy.stats.quantile_test(...).confidence_interval()``. NaN when the
        group is too small for the level."""
        r = int(sps.binom.ppf((1 - conf_level) / 2, self.n, 0.5))
        if r < 1:
            return np.nan, np.nan
        lo, hi = self.order([r - 1, self.n - r])
        return float(lo), float(hi)

    def mean_ci(self, conf_level: float) -> tuple[float, float]:
        """Student's t interval for the mean; none (NaN) with fewer than two rows, or when every
        row has the same value (all 0): the standard error is then 0 and the interval would be
        the mean itself, which the data do not support."""
        if self.n < 2 or len(self.values) < 2:
            return np.nan, np.nan
        se = np.sqrt(self.var / self.n)
        t = sps.t.ppf(1 - (1 - conf_level) / 2, self.n - 1)
        return float(self.mean - t * se), float(self.mean + t * se)

    def boot_medians(self, n_boot: int, rng: np.random.Generator) -> np.ndarray:
        """Bootstrap medians: the median of each of ``n_boot`` resamples of the n rows with
        replacement, drawn without the resample's counts.

        A resample is a multinomial draw of counts over the sorted distinct values, and only
        its middle order statistic(s) are needed. They are drawn exactly by binomial bisection:
        at a block of values holding N draws, the number in its lower half is
        :math:`\\mathrm{Bin}(N, P(\\text{lower half}) / P(\\text{block}))`, and given it the
        two halves are independent multinomials (the conditional-binomial construction of the
        multinomial; Devroye 1986, ch. XI); the walk goes into the half that holds the rank.
        For even n the two middle ranks walk together until they part; then the lower is the
        largest draw of the lower half and the upper the smallest of the upper half. This is
        the same distribution as taking the median of the multinomial counts, or of resampled
        rows (Efron & Tibshirani 1993, ch. 6), at O(log k) binomial draws per replicate
        instead of k (k distinct values); only the random numbers differ.

        References
        ----------
        .. [1] Devroye, L. (1986). Non-Uniform Random Variate Generation. New York: Springer.
        .. [2] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York:
               Chapman & Hall.
        """
        n, k = self.n, len(self.values)
        cum = np.concatenate([[0], np.cumsum(self.counts)])
        lo = np.zeros(n_boot, np.int64)
        hi = np.full(n_boot, k, np.int64)
        draws = np.full(n_boot, n, np.int64)
        rank = np.full(n_boot, n // 2, np.int64)  # the upper middle rank (0-based)
        if n % 2:
            return self.values[_descend(cum, lo, hi, draws, rank, rng)]
        # Even n: ranks n//2 − 1 and n//2 walk together while both fall in the same half.
        parted, low_walk, up_walk = [], [], []  # the replicates whose ranks parted, and where
        while True:
            act = np.flatnonzero(hi - lo > 1)
            if not len(act):
                break
            a_lo, a_hi, a_n, a_r = lo[act], hi[act], draws[act], rank[act]
            mid, left = _bisect(cum, a_lo, a_hi, a_n, rng)
            both_left, both_right = a_r < left, a_r > left
            part = ~(both_left | both_right)  # left == rank: the lower rank is left's last
            if part.any():
                parted.append(act[part])
                low_walk.append((a_lo[part], mid[part], left[part], left[part] - 1))
                up_walk.append((mid[part], a_hi[part], a_n[part] - left[part],
                                np.zeros(int(part.sum()), np.int64)))
            lo[act] = np.where(both_right, mid, a_lo)
            hi[act] = np.where(both_left, mid, np.where(both_right, a_hi, a_lo + 1))  # parted: stop
            draws[act] = np.where(both_left, left, np.where(both_right, a_n - left, a_n))
            rank[act] = np.where(both_right, a_r - left, a_r)
        lower, upper = lo.copy(), lo.copy()  # not parted: both ranks at the one value reached
        if parted:
            idx = np.concatenate(parted)
            walks = [np.concatenate(col) for col in zip(*low_walk)]
            lower[idx] = _descend(cum, *walks, rng)
            walks = [np.concatenate(col) for col in zip(*up_walk)]
            upper[idx] = _descend(cum, *walks, rng)
        return (self.values[lower] + self.values[upper]) / 2


def _bisect(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray, draws: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split the blocks of values ``[lo, hi)`` at their middle ``mid``; the number of a block's
    ``draws`` that fall in ``[lo, mid)`` is binomial with the lower half's share of the block's
    count (``cum``: cumulative counts, ``cum[0] = 0``). Returns ``mid`` and that number."""
    mid = (lo + hi) // 2
    share = (cum[mid] - cum[lo]) / (cum[hi] - cum[lo])
    return mid, rng.binomial(draws, share)


def _descend(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray, draws: np.ndarray,
             rank: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per walk (vectorised): the index of the value with 0-based rank ``rank`` among ``draws``
    multinomial draws over the values ``[lo, hi)`` (probabilities proportional to their counts),
    by binomial bisection (:meth:`_Dist.boot_medians`). The inputs are not changed."""
    lo, hi, draws, rank = (np.array(a, dtype=np.int64) for a in (lo, hi, draws, rank))
    while True:
        act = np.flatnonzero(hi - lo > 1)
        if not len(act):
            return lo
        a_lo, a_hi, a_n, a_r = lo[act], hi[act], draws[act], rank[act]
        mid, left = _bisect(cum, a_lo, a_hi, a_n, rng)
        go_left = a_r < left
        lo[act] = np.where(go_left, a_lo, mid)
        hi[act] = np.where(go_left, mid, a_hi)
        draws[act] = np.where(go_left, left, a_n - left)
        rank[act] = np.where(go_left, a_r, a_r - left)


def _distributions(d: pd.DataFrame, value: str, keys: Sequence[str]) -> dict[tuple, _Dist]:
    """Per combination of ``keys``: the distinct values and their counts (one groupby)."""
    counts = d.groupby([*keys, value], observed=True, sort=True, dropna=False)["_n"].sum()
    counts = counts[counts > 0]
    out: dict[tuple, _Dist] = {}
    if not len(counts):
        return out
    if keys:
        for key, part in counts.groupby(level=list(range(len(keys))), observed=True, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            out[key] = _Dist(part.index.get_level_values(-1).to_numpy(float),
                             part.to_numpy(np.int64))
    else:
        out[()] = _Dist(counts.index.to_numpy(float), counts.to_numpy(np.int64))
    return out


def describe_amounts(df: pd.DataFrame, value: str, group: str = "kon", *,
                     by: str | Sequence[str] = (), count: str | None = None,
                     conf_level: float = 0.95, at_least: float | None = None) -> pd.DataFrame:
    """Per group: n, sum, share of the total, mean and median with intervals, quartiles.

    The mean's interval is Student's t interval; the median's the distribution-free interval
    from order statistics (Conover 1999, §3.2; exact coverage at least the level, NaN for a
    group too small for it); quartiles as ``numpy.quantile``. ``share_of_total`` is the
    group's part of the summed amount (the 4R *resurser* question: share of resources against
    share of people). Computed from the table of distinct amounts and their counts, so the cost
    does not grow with the rows beyond one pass.

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit (client, decision, application); or, with ``count``,
        one row per distinct combination with the number of units it stands for.
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    by : str or sequence of str, optional
        Stratum column(s); one row per stratum and group.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).
    conf_level : float, default 0.95
        Confidence level of the intervals.
    at_least : float, optional
        The least value the amount can take (0 for hours and kronor). The mean cannot be below
        it, so neither is the lower end of its interval: a small group's t interval around a
        mean near 0 (three persons' 0, 0 and 900 kr) would otherwise start below 0. Cutting it
        there keeps the coverage (the true mean is never below). Every value must be at least
        this.

    Returns
    -------
    pandas.DataFrame
        One row per stratum and group: the ``by`` columns, ``group``, ``n``, ``n_nonzero`` (the
        units whose amount is not 0: the contributors to ``sum``), ``sum``, ``mean``,
        ``mean_ci_low``, ``mean_ci_high``, ``median``, ``median_ci_low``, ``median_ci_high``,
        ``q1``, ``q3``, ``conf_level``, ``share_of_total``, ``share_of_n``, and
        ``mean_ci_method`` and ``median_ci_method`` (the methods' names). A group of one row,
        or whose rows all have the same value, has no interval for the mean (NaN).

    Raises
    ------
    ValueError
        When a column is missing, or ``value`` is missing or not a number on some row, or a
        value is below ``at_least``.

    References
    ----------
    .. [1] Conover, W. J. (1999). Practical Nonparametric Statistics (3rd ed.). New York: Wiley.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = _check(df, value, [group, *by], count)
    if at_least is not None and len(d) and float(d[value].min()) < at_least:
        raise ValueError(f"{value}: ett värde är mindre än {at_least:g}, det minsta möjliga.")
    rows = []
    for keys, dist in _distributions(d, value, [*by, group]).items():
        mlo, mhi = dist.mean_ci(conf_level)
        if at_least is not None and not np.isnan(mlo):
            mlo = max(mlo, float(at_least))
        dlo, dhi = dist.median_ci(conf_level)
        rows.append({**dict(zip([*by, group], keys)), "n": float(dist.n),
                     "n_nonzero": float(dist.counts[dist.values != 0].sum()), "sum": dist.total,
                     "mean": dist.mean, "mean_ci_low": mlo, "mean_ci_high": mhi,
                     "median": dist.median, "median_ci_low": dlo, "median_ci_high": dhi,
                     "q1": dist.quantile(0.25), "q3": dist.quantile(0.75),
                     "conf_level": conf_level, "mean_ci_method": METHOD_T,
                     "median_ci_method": METHOD_ORDER})
    out = pd.DataFrame(rows)
    if len(out):
        totals = out.groupby(by, observed=True, dropna=False)["sum"].transform("sum") if by else out["sum"].sum()
        out["share_of_total"] = out["sum"] / totals
        n_tot = out.groupby(by, observed=True, dropna=False)["n"].transform("sum") if by else out["n"].sum()
        out["share_of_n"] = out["n"] / n_tot
    return out


def _row(**kw):
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(events_a=np.nan, events_b=np.nan, mdd_pp=np.nan, warning="", adjusted=False,
               adjusted_for="")
    row.update(kw)
    return row


def _mann_whitney(da: _Dist, db: _Dist) -> float:
    """Two-sided Mann–Whitney p-value as ``scipy.stats.mannwhitneyu`` gives it (its default
    method): from the two tables of distinct values, mid-ranks and the tie correction of the
    normal approximation with continuity correction; scipy itself (exact test) when a group has
    at most 8 units."""
    if min(da.n, db.n) <= 8:
        xa, xb = np.repeat(da.values, da.counts), np.repeat(db.values, db.counts)
        return float(sps.mannwhitneyu(xa, xb, alternative="two-sided").pvalue)
    values = np.union1d(da.values, db.values)
    ca = np.zeros(len(values))
    cb = np.zeros(len(values))
    ca[np.searchsorted(values, da.values)] = da.counts
    cb[np.searchsorted(values, db.values)] = db.counts
    tot = ca + cb
    midrank = np.cumsum(tot) - (tot - 1) / 2
    na, nb = float(da.n), float(db.n)
    big_n = na + nb
    u1 = float(np.dot(ca, midrank) - na * (na + 1) / 2)
    u = max(u1, na * nb - u1)
    ties = float(np.sum(tot ** 3 - tot))
    sd = np.sqrt(na * nb / 12 * ((big_n + 1) - ties / (big_n * (big_n - 1))))
    if sd == 0:
        return np.nan
    z = (u - na * nb / 2 - 0.5) / sd
    return float(min(1.0, 2 * sps.norm.sf(z)))


def _welch(da: _Dist, db: _Dist, conf_level: float) -> tuple[float, float, float]:
    """Welch's interval and p-value for the difference of means, as
    ``scipy.stats.ttest_ind(equal_var=False)``, from the two tables of distinct values."""
    va, vb = da.var / da.n, db.var / db.n
    se = np.sqrt(va + vb)
    diff = da.mean - db.mean
    if not se > 0:
        return np.nan, np.nan, np.nan
    df = _satterthwaite(va, vb, da.n, db.n)
    t = sps.t.ppf(1 - (1 - conf_level) / 2, df)
    p = float(2 * sps.t.sf(abs(diff / se), df))
    return float(diff - t * se), float(diff + t * se), p


#: Said when the ratio of means has no bounded interval.
RATIO_UNBOUNDED = ("Kvoten mellan medelvärdena får inget intervall: jämförelsegruppens medelvärde "
                   "kan inte skiljas från noll, så kvoten kan vara hur stor som helst.")

#: How far out :func:`_ratio_interval` looks for ratios the test does not reject: this many
#: times the ratio's scale (the estimate's size plus its delta-method standard error).
RATIO_REACH = 1e8


def _ratio_interval(da, db, conf_level: float) -> tuple[float, float, str | None]:
    """The interval for the ratio of means ``mean_a / mean_b`` of two independent groups
    (:class:`_Dist` or :class:`_Sums`): the ratios ρ that Welch's test of
    :math:`H_0: \\mu_a = \\rho\\,\\mu_b` does not reject at the level,

    .. math:: |\\bar y_a - \\rho\\,\\bar y_b| \\le t_{1-\\alpha/2,\\,\\nu(\\rho)}
              \\sqrt{s_a^2/n_a + \\rho^2 s_b^2/n_b},

    with Satterthwaite's degrees of freedom :math:`\\nu(\\rho)` for that statistic (Tamhane &
    Logan 2004): Fieller's interval (Fieller 1954) with unequal variances, found by inverting the
    test rather than by the quadratic with ν fixed at the estimate, as
    ``mratios::ttestratio(x, y, var.equal = FALSE, iterativeCI = TRUE)`` in R does. At ρ = 1 the
    test is Welch's test of the difference. Needs only each group's n, mean and variance; the
    means are first divided by the reference mean, which leaves the set as it is.

    The set is bounded only when the reference group's mean differs from 0 at the level
    (:math:`|\\bar y_b| / (s_b/\\sqrt{n_b}) > t_{1-\\alpha/2,\\,n_b-1}`, the limit of the
    statistic as ρ → ±∞); otherwise the bounds are NaN and the third value says why (also when
    the reference mean is 0). NaN without a reason when neither group varies (as Welch's
    interval); (0, 0) when the first group is all 0 and the reference's mean is not.

    Mostly the set is one interval around the estimate, and 1 lies inside exactly when Welch's
    p-value is at least 1 − ``conf_level``. When the reference mean is only just told from 0,
    ν's change with ρ (from :math:`n_a - 1` through :math:`n_a + n_b - 2` to :math:`n_b - 1`)
    can split it: pieces far out, or a rejected gap inside. Each bound is therefore the crossing
    beyond the outermost ratio not rejected on a grid of doubling distances from the estimate,
    out to :data:`RATIO_REACH` times the ratio's scale: the interval holds every piece the grid
    finds (and may hold a rejected gap, where 1 could lie with a p-value below the level). A
    set still not rejected at the reach counts as unbounded.

    References
    ----------
    .. [1] Fieller, E. C. (1954). Some problems in interval estimation. Journal of the Royal
           Statistical Society, Series B, 16(2), 175–185.
    .. [2] Tamhane, A. C. & Logan, B. R. (2004). Finding the maximum safe dose level for
           heteroscedastic data. Journal of Biopharmaceutical Statistics, 14(4), 843–856.
    """
    n_a, n_b = da.n, db.n
    a, b = da.mean, db.mean
    c, d = da.var / n_a, db.var / n_b
    if not c + d > 0:
        return np.nan, np.nan, None
    if b == 0:
        return np.nan, np.nan, RATIO_UNBOUNDED
    est, c, d = a / b, c / (b * b), d / (b * b)  # in units of the reference mean (then 1)
    q = 1 - (1 - conf_level) / 2
    if d > 0 and 1 / np.sqrt(d) <= sps.t.ppf(q, n_b - 1):
        return np.nan, np.nan, RATIO_UNBOUNDED
    step = np.sqrt(c + est * est * d)  # the delta method's standard error of the ratio
    if step == 0:  # the first group all 0 (c = 0, est = 0): every other ratio is rejected
        return float(est), float(est), None

    def outside(rho):  # vectorised; > 0 where the test rejects rho (1 where it is undefined)
        rho = np.asarray(rho, dtype=float)
        s2 = c + rho * rho * d
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            nu = _satterthwaite(c, rho * rho * d, n_a, n_b)
            out = np.abs(est - rho) / np.sqrt(s2) - sps.t.ppf(q, nu)
        return np.where(np.isfinite(out), out, 1.0)

    dist = step * 2.0 ** np.arange(int(np.ceil(np.log2(RATIO_REACH * (abs(est) + step) / step))) + 1)
    bounds = []
    for sign in (-1.0, 1.0):
        grid = est + sign * dist
        kept = np.flatnonzero(outside(grid) <= 0)
        j = kept[-1] + 1 if len(kept) else 0  # the first grid point past the last not rejected
        if j == len(grid):
            return np.nan, np.nan, RATIO_UNBOUNDED
        lo, hi = sorted((est if j == 0 else grid[j - 1], grid[j]))
        bounds.append(optimize.brentq(lambda r: float(outside(r)), lo, hi, xtol=1e-12 * step,
                                      rtol=4 * np.finfo(float).eps))
    return float(bounds[0]), float(bounds[1]), None


@dataclass(frozen=True)
class _Sums:
    """One group's amounts as n, mean and Σ(y − mean)², combined from an
    :class:`AmountMoments`' cells (what :func:`_welch` reads of a :class:`_Dist`)."""

    n: int
    mean: float
    ss: float

    @property
    def var(self) -> float:
        """The sample variance (denominator n − 1)."""
        return self.ss / (self.n - 1)

    @classmethod
    def of(cls, cells: pd.DataFrame) -> _Sums:
        """The cells' n, mean and sum of squares, combined as in Chan, Golub & LeVeque (1983;
        :func:`amount_moments`):
        within cells ``ss_y``, between cells n_i (mean_i − mean)², which is exactly 0 when
        every cell has the same mean (equal amounts stay without spread)."""
        n = cells["n"].to_numpy(float)
        means = cells["mean_y"].to_numpy(float)
        total = float(n.sum())
        if means.min() == means.max():  # one mean: no spread between the cells, and that mean
            return cls(int(total), float(means[0]), float(cells["ss_y"].sum()))
        mean = float(np.dot(n, means) / total)
        return cls(int(total), mean, float(cells["ss_y"].sum() + np.dot(n, (means - mean) ** 2)))


def mean_difference(df, value: str, group: str = "kon", *, levels: Sequence[Hashable],
                    count: str | None = None, conf_level: float = 0.95) -> pd.DataFrame:
    """The difference of means with Welch's interval and test: the row ``mean_difference`` of
    :func:`compare_amounts`, from the rows (each group's distinct values, as there) or from an
    :class:`AmountMoments` (each group's n, mean and sum of squares combined from its cells, so
    the cost does not grow with the rows; the same to rounding, and equal amounts in a group
    leave it without spread on both ways).

    Parameters
    ----------
    df : pandas.DataFrame or AmountMoments
        Rows (with ``count``: one row per distinct combination and the units it stands for), or
        the sums per combination of columns that include ``group``.
    value, group, levels, count, conf_level
        As in :func:`compare_amounts`.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout; with fewer than two units in a group the estimate is
        NaN and ``warning`` says why; when every unit of each group has the same amount the
        interval is NaN and ``warning`` says so (:data:`NO_SPREAD`).

    References
    ----------
    .. [1] Welch, B. L. (1947). The generalization of 'Student's' problem when several different
           population variances are involved. Biometrika, 34(1–2), 28–35.
    """
    a, b = levels
    if isinstance(df, AmountMoments):
        _check(df, value, [group], count)
        data = df.data[df.data[group].isin([a, b])]
        groups = {lvl: _Sums.of(sub) for lvl, sub in data.groupby(group, observed=True, sort=False)}
    else:  # the groups' distinct values, as compare_amounts has them
        d = _check(df, value, [group], count)
        dists = _distributions(d[d[group].isin([a, b])], value, [group])
        groups = {key[0]: dist for key, dist in dists.items()}
    return _mean_difference_row(groups.get(a), groups.get(b), value, a, b, conf_level)


def _mean_difference_row(da, db, value, a, b, conf_level: float) -> pd.DataFrame:
    """The row ``mean_difference`` (Welch) from the two groups' :class:`_Dist` or
    :class:`_Sums`, either None when the group is absent; NaN and a warning with fewer than two
    units in a group."""
    n_a, n_b = (float(x.n) if x is not None else 0.0 for x in (da, db))
    base = dict(outcome=value, group_a=a, group_b=b, n_a=n_a, n_b=n_b, conf_level=conf_level,
                comparison=f"{a} − {b}", measure="mean_difference")
    if n_a < 2 or n_b < 2:
        warnings.warn(TOO_FEW_TO_COMPARE, UserWarning, stacklevel=3)
        return pd.DataFrame([_row(**base, warning=TOO_FEW_TO_COMPARE)], columns=COMPARISON_COLUMNS)
    lo, hi, p = _welch(da, db, conf_level)
    return pd.DataFrame([_row(**base, estimate=da.mean - db.mean, ci_low=lo, ci_high=hi, p_value=p,
                              test="Welchs t-test", method=METHOD_WELCH,
                              warning=NO_SPREAD if _no_spread(da, db) else "")],
                        columns=COMPARISON_COLUMNS)


#: Said when every unit of each group has the same amount: no interval can be computed.
NO_SPREAD = ("Alla i varje grupp har samma värde; utan spridning går det inte att beräkna "
             "något intervall.")


def _no_spread(da, db) -> bool:
    """Whether every unit of each group has the same amount (Welch's standard error is 0; a
    bootstrap of the medians gives the estimate as both limits)."""
    return not (da.var / da.n + db.var / db.n) > 0


#: Said when a group has fewer than two units to compare.
TOO_FEW_TO_COMPARE = "En av grupperna har färre än två observationer; ingen jämförelse kan göras."


def compare_amounts(df: pd.DataFrame, value: str, group: str = "kon",
                    *, levels: Sequence[Hashable], count: str | None = None,
                    conf_level: float = 0.95, n_boot: int = 1999, seed: int = 0,
                    ratio: bool = True, at_least: float | None = None) -> pd.DataFrame:
    """Crude comparison of amounts: difference of means (Welch), of medians, ratio of means.

    - ``mean_difference``: Welch's t interval and test (unequal variances; Welch 1947).
    - ``median_difference``: percentile bootstrap interval, the groups resampled separately;
      p-value from the Mann–Whitney U test (which compares distributions, not only medians).
    - ``ratio_of_means`` (with ``ratio``): Fieller's interval with unequal variances, the ratios
      that Welch's test of :math:`\\mu_a = \\rho\\,\\mu_b` does not reject (Tamhane & Logan 2004;
      :func:`_ratio_interval`); its p-value is Welch's, and 1 lies inside the interval exactly
      when that p-value is at least 1 − ``conf_level`` (except when the reference mean is only
      just told from 0 and the set splits; see there). NaN bounds, with ``warning`` saying why,
      when the reference group's mean cannot be told from 0 (the set of ratios is unbounded).

    The bootstrap of the medians resamples the table of distinct values and their counts: a
    resample of the n rows is a multinomial draw of counts (Efron & Tibshirani 1993, ch. 6), of
    which only the middle order statistics are needed. They are drawn without the counts, by
    binomial bisection over the sorted values (O(log k) binomial draws per replicate for k
    distinct values; the conditional-binomial construction of the multinomial, Devroye 1986,
    ch. XI; :meth:`_Dist.boot_medians`), so the memory is the replicates, never × rows. The
    mean's and the ratio's intervals need only each group's n, mean and variance.

    Parameters
    ----------
    df : pandas.DataFrame
        Row-level data, one row per unit (client, decision, application); or, with ``count``,
        one row per distinct combination with the number of units it stands for.
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 1999
        Number of bootstrap replicates.
    seed : int, default 0
        Seed of the random number generator (results are reproducible).
    ratio : bool, default True
        Whether to compare the ratio of means (row ``ratio_of_means``); without it the row is
        left out.
    at_least : float, optional
        The least value the amount can take. When it is 0 or more, so are both means and their
        ratio: the ratio's interval is cut at 0 (Fieller's set can reach below 0 when the first
        mean is near 0; the cut keeps the coverage, as the true ratio is never below).

    Returns
    -------
    pandas.DataFrame
        Rows in the comparison layout: ``mean_difference``, ``median_difference`` and (with
        ``ratio``) ``ratio_of_means``, with the method in ``method``. With fewer than two units
        in a group the estimates are NaN and ``warning`` says why. When every unit of each group
        has the same amount, no measure has an interval (the percentile bootstrap of the medians
        would give the estimate as both limits) and ``warning`` says so (:data:`NO_SPREAD`).

    Raises
    ------
    ValueError
        When a column is missing, or ``value`` is missing or not a number on some row.

    References
    ----------
    .. [1] Welch, B. L. (1947). The generalization of 'Student's' problem when several different
           population variances are involved. Biometrika, 34(1–2), 28–35.
    .. [2] Mann, H. B. & Whitney, D. R. (1947). On a test of whether one of two random variables is
           stochastically larger than the other. The Annals of Mathematical Statistics, 18(1),
           50–60.
    .. [3] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York: Chapman
           & Hall.
    .. [4] Devroye, L. (1986). Non-Uniform Random Variate Generation. New York: Springer.
    .. [5] Fieller, E. C. (1954). Some problems in interval estimation. Journal of the Royal
           Statistical Society, Series B, 16(2), 175–185.
    .. [6] Tamhane, A. C. & Logan, B. R. (2004). Finding the maximum safe dose level for
           heteroscedastic data. Journal of Biopharmaceutical Statistics, 14(4), 843–856.
    """
    a, b = levels
    measures = ("mean_difference", "median_difference", *(("ratio_of_means",) if ratio else ()))
    d = _check(df, value, [group], count)
    dists = _distributions(d[d[group].isin([a, b])], value, [group])
    da, db = dists.get((a,)), dists.get((b,))
    n_a, n_b = (float(x.n) if x is not None else 0.0 for x in (da, db))
    base = dict(outcome=value, group_a=a, group_b=b, n_a=n_a, n_b=n_b, conf_level=conf_level)
    if n_a < 2 or n_b < 2:
        warnings.warn(TOO_FEW_TO_COMPARE, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**base, comparison=f"{a} − {b}", measure=m, warning=TOO_FEW_TO_COMPARE)
                             for m in measures],
                            columns=COMPARISON_COLUMNS)
    mean_row = _mean_difference_row(da, db, value, a, b, conf_level).iloc[0].to_dict()
    p_welch = mean_row["p_value"]
    rng = np.random.default_rng(seed)
    med = da.boot_medians(n_boot, rng) - db.boot_medians(n_boot, rng)
    q = [(1 - conf_level) / 2, 1 - (1 - conf_level) / 2]
    flat = _no_spread(da, db)  # every resample gives the estimate: no interval, as for the mean
    rows = [
        mean_row,
        _row(**base, comparison=f"{a} − {b}", measure="median_difference",
             estimate=da.median - db.median, ci_low=np.nan if flat else float(np.quantile(med, q[0])),
             ci_high=np.nan if flat else float(np.quantile(med, q[1])), p_value=_mann_whitney(da, db),
             test="Mann–Whitneys test", method=METHOD_BOOT, warning=NO_SPREAD if flat else ""),
    ]
    if ratio:
        r_lo, r_hi, why = _ratio_interval(da, db, conf_level)
        why = why or (NO_SPREAD if flat else None)
        if at_least is not None and at_least >= 0 and not np.isnan(r_lo):
            r_lo = max(r_lo, 0.0)
        rows.append(_row(**base, comparison=f"{a} / {b}", measure="ratio_of_means",
                         estimate=da.mean / db.mean if db.mean else np.nan, ci_low=r_lo,
                         ci_high=r_hi, p_value=p_welch, test="Welchs t-test", method=METHOD_RATIO,
                         warning=why or ""))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _cells(d: pd.DataFrame, value: str, keys: Sequence[str]) -> pd.DataFrame:
    """The cell table (n, Σy, Σy² per combination of ``keys``) of a checked frame (of rows, or
    of sums from an :class:`AmountMoments`)."""
    w = d["_n"].to_numpy(np.int64)
    frame = d[list(keys)].copy()
    if _SUMS["sum_y"] in d.columns:  # sums (from an AmountMoments), added up per combination
        frame["n"] = w
        for name, private in _SUMS.items():
            frame[name] = d[private].to_numpy(float)
    else:
        y = d[value].to_numpy(float)
        frame["n"], frame["sum_y"], frame["sum_y2"] = w, y * w, y * y * w
    out = (frame.groupby(list(keys), observed=True, sort=True, dropna=False)
           [["n", "sum_y", "sum_y2"]].sum().reset_index())
    return out[out["n"] > 0].reset_index(drop=True)


def _independent(x: pd.DataFrame, n: np.ndarray, keep: Sequence[str]) -> pd.DataFrame:
    """The design without covariate columns that the others already span (in order), as a
    row-level fit with the pseudo-inverse would leave them unidentified; ``keep`` columns first
    and never dropped. The coefficients of the remaining columns, and so the group's, are the
    same."""
    arr = x.to_numpy(float) * np.sqrt(n)[:, None]
    chosen: list[int] = []
    for j, name in enumerate(x.columns):
        trial = [*chosen, j]
        if name in keep or np.linalg.matrix_rank(arr[:, trial]) == len(trial):
            chosen.append(j)
    return x.iloc[:, chosen]


def _robust_ols(cells: pd.DataFrame, x: pd.DataFrame, *, keep: Sequence[str]) -> tuple[CellFit, str]:
    """Least squares with HC3 errors from a cell table (:func:`jamtools.stats.cells.ols_from_cells`),
    dropping covariate columns the others span. A cell with leverage 1 (one unit that alone
    determines a parameter, such as the only unit of a category) fits exactly whatever the other
    coefficients are: its residual is 0 and HC3's 0/0 is taken as 0, which is the fit without
    that cell and its parameter (the other coefficients and leverages are unchanged). Returns
    the fit and the covariance estimator's name."""
    x = _independent(x, cells["n"].to_numpy(float), keep)
    try:
        return ols_from_cells(cells, x, cov_type="HC3"), "HC3"
    except ValueError as exc:
        if str(exc) != LEVERAGE_ONE:
            raise
    h = ols_from_cells(cells, x).leverage.to_numpy()
    rest = (1.0 - h) >= 1e-8
    cells, x = cells[rest].reset_index(drop=True), x[rest].reset_index(drop=True)
    nonzero = (x != 0).any()
    if not nonzero[[k for k in keep if k in x.columns and k != "const"]].all():
        raise ValueError(NOT_ESTIMABLE)  # a compared group rests on such units alone
    x = _independent(x.loc[:, nonzero], cells["n"].to_numpy(float), keep)
    try:
        return ols_from_cells(cells, x, cov_type="HC3"), "HC3"
    except ValueError:  # the compared parameters rest on such units alone
        raise ValueError(NOT_ESTIMABLE) from None


#: Said when the groups' difference rests on single units that alone determine parameters.
NOT_ESTIMABLE = ("Skillnaden vid samma behov kan inte skattas med ett intervall: den bygger på "
                 "enstaka beslut som ensamma bestämmer en grupp i modellen.")


def adjusted_amount_difference(df: pd.DataFrame, value: str, group: str = "kon",
                               covariates: Sequence[str] = (),
                               *, levels: Sequence[Hashable], count: str | None = None,
                               model: AmountModel = "ols", conf_level: float = 0.95) -> pd.DataFrame:
    """Amount difference adjusted for need and circumstances.

    ``model="ols"``: linear regression :math:`y = \\beta_0 + \\beta_g 1[a] + \\sum\\gamma_k x_k`
    with heteroskedasticity-robust (HC3) standard errors (MacKinnon & White 1985); the row
    ``mean_difference`` is :math:`\\beta_g`, the difference at equal covariates.
    ``model="gamma"``: a Gamma GLM with log link for skewed positive amounts; the row
    ``ratio_of_means`` is :math:`e^{\\beta_g}` (robust HC0 errors). Categorical covariates enter
    as indicators; numeric ones with many values linearly. Both are fitted exactly from the
    cell table (n, Σy, Σy² per combination of group and covariates;
    :mod:`jamtools.stats.cells`): the same estimates and standard errors as the fit on the rows,
    at a cost that grows with the cells. A covariate column the others span is left out (its
    coefficient is not identified; the group's is unchanged); when a cell has leverage 1 the
    HC3 errors are undefined and HC1 is used, as ``method`` says.

    Parameters
    ----------
    df : pandas.DataFrame or AmountMoments
        Row-level data, one row per unit (client, decision, application); or, with ``count``,
        one row per distinct combination with the number of units it stands for; or (OLS only)
        the sums per combination of columns that include ``group`` and ``covariates``.
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators, numeric ones with more than 10
        distinct values linearly).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).
    model : {'ols', 'gamma'}, default 'ols'
        Linear regression with HC3 errors (difference of means), or a Gamma GLM with log link
        and HC0 errors (ratio of means).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row in the comparison layout, ``adjusted=True``: ``mean_difference`` (``ols``) or
        ``ratio_of_means`` (``gamma``). With fewer than two units in a group the estimate is NaN
        and ``warning`` says why.

    Raises
    ------
    ValueError
        When a column is missing or not numeric, ``model`` is unknown, or the Gamma model gets
        an amount ≤ 0 or sums (which cannot show that every amount is positive).

    References
    ----------
    .. [1] White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator and a
           direct test for heteroskedasticity. Econometrica, 48(4), 817–838.
    .. [2] MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
           estimators with improved finite sample properties. Journal of Econometrics, 29(3),
           305–325.
    .. [3] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models (2nd ed.). London:
           Chapman & Hall.
    """
    if model not in get_args(AmountModel):
        raise ValueError(f"model ska vara ett av {', '.join(map(repr, get_args(AmountModel)))}, "
                         f"inte {model!r}.")
    a, b = levels
    covariates = list(covariates)
    d = _check(df, value, [group, *covariates], count)
    d = d[d[group].isin([a, b])]
    base = dict(outcome=value, group_a=a, group_b=b, adjusted=True, adjusted_for=", ".join(covariates),
                n_a=float(d.loc[d[group] == a, "_n"].sum()), n_b=float(d.loc[d[group] == b, "_n"].sum()),
                conf_level=conf_level)
    if base["n_a"] < 2 or base["n_b"] < 2:
        msg = "En av grupperna saknas eller är för liten; ingen justerad jämförelse kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        measure = "mean_difference" if model == "ols" else "ratio_of_means"
        return pd.DataFrame([_row(**base, comparison=f"{a} − {b}", measure=measure, warning=msg)],
                            columns=COMPARISON_COLUMNS)
    cells = _cells(d, value, [group, *covariates])
    x = design_matrix(cells, group, a, covariates)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    if covariates and not identified(x, "group"):
        msg = f"{COINCIDES[:1].upper()}{COINCIDES[1:]}; ingen jämförelse vid samma behov kan göras."
        warnings.warn(msg, UserWarning, stacklevel=2)
        measure = "mean_difference" if model == "ols" else "ratio_of_means"
        return pd.DataFrame([_row(**base, comparison=f"{a} − {b}" if model == "ols" else f"{a} / {b}",
                                  measure=measure, warning=msg)], columns=COMPARISON_COLUMNS)
    if model == "ols":
        try:
            fit, cov_type = _robust_ols(cells, x, keep=["const", "group"])
        except ValueError as exc:
            if str(exc) != NOT_ESTIMABLE:
                raise
            warnings.warn(NOT_ESTIMABLE, UserWarning, stacklevel=2)
            return pd.DataFrame([_row(**base, comparison=f"{a} − {b}", measure="mean_difference",
                                      warning=NOT_ESTIMABLE)], columns=COMPARISON_COLUMNS)
        est, se = float(fit.params["group"]), float(fit.bse["group"])
        p = float(2 * sps.norm.sf(abs(est / se))) if se > 0 else np.nan
        row = _row(**base, comparison=f"{a} − {b}", measure="mean_difference", estimate=est,
                   ci_low=est - z * se, ci_high=est + z * se, p_value=p,
                   test=f"Wald-test (robusta medelfel, {cov_type})",
                   method=f"linjär regression ur celltabell, {cov_type}")
    else:  # "gamma", checked above
        if isinstance(df, AmountMoments):  # sums do not say whether every amount is positive
            raise ValueError("Gammamodellen behöver beloppen, inte bara deras summor.")
        if (d[value] <= 0).any():
            raise ValueError(f"Gammamodellen kräver positiva belopp; '{value}' har värden ≤ 0.")
        x = _independent(x, cells["n"].to_numpy(float), ["const", "group"])
        fit = gamma_from_cells(cells, x, cov_type="HC0")
        est, se = float(fit.params["group"]), float(fit.bse["group"])
        p = float(2 * sps.norm.sf(abs(est / se))) if se > 0 else np.nan
        row = _row(**base, comparison=f"{a} / {b}", measure="ratio_of_means",
                   estimate=float(np.exp(est)), ci_low=float(np.exp(est - z * se)),
                   ci_high=float(np.exp(est + z * se)), p_value=p,
                   test="Wald-test (robusta medelfel)",
                   method="gammaregression, log-länk, ur celltabell")
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)


def oaxaca_blinder(df: pd.DataFrame, value: str, group: str = "kon", covariates: Sequence[str] = (),
                   *, levels: Sequence[Hashable], count: str | None = None,
                   conf_level: float = 0.95) -> pd.DataFrame:
    """Two-fold Oaxaca–Blinder decomposition of the mean gap :math:`\\bar y_a - \\bar y_b`.

    With group regressions :math:`\\hat\\beta_a, \\hat\\beta_b` and the pooled (reference)
    coefficients :math:`\\beta^*` from a regression on both groups that includes the group
    indicator (Jann 2008; Fortin 2008):

    .. math:: \\bar y_a - \\bar y_b = \\underbrace{(\\bar x_a - \\bar x_b)'\\beta^*}_{\\text{förklarad}}
              + \\underbrace{\\bar x_a'(\\hat\\beta_a - \\beta^*) + \\bar x_b'(\\beta^* - \\hat\\beta_b)}_{\\text{oförklarad}}

    The explained part is what the differences in need and circumstances account for; the
    unexplained part is the gap among people with the same covariates (not proof of unequal
    treatment: it also holds every difference not measured). Oaxaca (1973), Blinder (1973).
    Computed exactly from the cell table (:func:`jamtools.stats.cells.oaxaca_from_cells`, equal
    to statsmodels' ``OaxacaBlinder(...).two_fold(two_fold_type='pooled')`` on the rows), with
    analytic standard errors by the delta method (Jann 2008; robust HC1 covariance of the
    coefficients, the covariates' means random too) instead of a bootstrap; normal
    intervals. A category only one group has leaves that group's coefficient unidentified
    (the pseudo-inverse gives it 0, as statsmodels does); ``warning`` then says so. Where no
    category of the covariates has both groups (the covariates are the group under another
    name, :func:`jamtools.stats.design.identified`), the pooled model cannot tell group from
    covariate and any split would be arbitrary: the explained and unexplained rows then have no
    estimate, with the reason in ``warning``.

    Parameters
    ----------
    df : pandas.DataFrame or AmountMoments
        Row-level data, one row per unit (client, decision, application); or, with ``count``,
        one row per distinct combination with the number of units it stands for; or (OLS only)
        the sums per combination of columns that include ``group`` and ``covariates``.
    value : str
        The amount column (numeric, no missing values).
    group : str, default 'kon'
        The group column.
    covariates : sequence of str
        The columns adjusted for (categorical ones as indicators, numeric ones with more than 10
        distinct values linearly).
    levels : sequence of two hashables
        Required, no default. The two groups compared, ``(a, b)``: differences are a − b and
        ratios a / b, so ``b`` (the second) is the reference.
    count : str, optional
        A column with the number of units each row stands for (an aggregated table).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Three rows in the comparison layout: ``oaxaca_gap`` (with Welch's standard error),
        ``oaxaca_explained`` and ``oaxaca_unexplained``.

    Raises
    ------
    ValueError
        When a column is missing, or ``value`` is missing or not a number on some row.

    References
    ----------
    .. [1] Oaxaca, R. (1973). Male–female wage differentials in urban labor markets. International
           Economic Review, 14(3), 693–709.
    .. [2] Blinder, A. S. (1973). Wage discrimination: reduced form and structural estimates. The
           Journal of Human Resources, 8(4), 436–455.
    .. [3] Jann, B. (2008). The Blinder–Oaxaca decomposition for linear regression models. The Stata
           Journal, 8(4), 453–479.
    .. [4] Fortin, N. M. (2008). The gender wage gap among young adults in the United States: the
           importance of money versus people. The Journal of Human Resources, 43(4), 884–918.
    """
    a, b = levels
    covariates = list(covariates)
    d = _check(df, value, [group, *covariates], count)
    d = d[d[group].isin([a, b])]
    cells = _cells(d, value, [group, *covariates])
    x = covariate_columns(cells, covariates)
    x.insert(0, "const", 1.0)
    n_a = float(cells.loc[cells[group] == a, "n"].sum())
    n_b = float(cells.loc[cells[group] == b, "n"].sum())
    base = dict(outcome=value, group_a=a, group_b=b, adjusted=True, adjusted_for=", ".join(covariates),
                n_a=n_a, n_b=n_b, conf_level=conf_level, comparison=f"{a} − {b}", method=METHOD_OB)
    res = oaxaca_from_cells(cells, x, group, levels=(a, b), cov_type="HC1", conf_level=conf_level,
                            singular="pinv")
    warning = RANK_DEFICIENT if res.attrs.get("rank_deficient") else ""
    # A covariate that is the sex under another name leaves the pooled model's split between
    # sex and covariate arbitrary: the gap stands, its two parts are not given.
    split = not covariates or identified(x.assign(group=(cells[group] == a).astype(float)), "group")
    rows = []
    for measure, part in (("oaxaca_gap", "gap"), ("oaxaca_explained", "explained"),
                          ("oaxaca_unexplained", "unexplained")):
        r = res.loc[part]
        if part != "gap" and not split:
            msg = f"{COINCIDES[:1].upper()}{COINCIDES[1:]}; skillnaden kan inte delas upp."
            rows.append(_row(**base, measure=measure, warning=msg, test="deltametoden (z-test)"))
            continue
        rows.append(_row(**base, measure=measure, estimate=float(r.estimate), ci_low=float(r.ci_low),
                         ci_high=float(r.ci_high), p_value=float(r.p_value), warning=warning if split else "",
                         test="Welchs t-test" if part == "gap" else "deltametoden (z-test)"))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


#: Said by :func:`oaxaca_blinder` when a group model cannot separate every covariate.
RANK_DEFICIENT = ("Någon kategori av det som justeras för finns bara hos den ena gruppen; dess "
                  "koefficient kan inte skattas i den gruppens modell (sätts till 0).")
