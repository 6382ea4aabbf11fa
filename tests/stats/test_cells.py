"""Regressions from a cell table equal the same estimator on the rows (statsmodels)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.oaxaca import OaxacaBlinder

from jamtools.stats import cells as cm

RTOL = 1e-8
FORMULA = "y ~ C(kon) + alder + C(insats)"
KEYS = ["kon", "alder", "insats"]
COV_TYPES = ["nonrobust", "HC0", "HC1", "HC2", "HC3"]


def make_rows(n: int, seed: int) -> pd.DataFrame:
    """Sex (2) × age in whole years (10 values) × a three-level factor; skewed, heteroskedastic
    positive amounts."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"kon": rng.choice(["K", "M"], n), "alder": rng.integers(65, 75, n),
                      "insats": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])})
    eta = (2 + 0.3 * (d["kon"] == "M") + 0.02 * (d["alder"] - 70)
           + np.select([d["insats"] == "b", d["insats"] == "c"], [0.4, -0.2], 0.0))
    shape = np.where(d["kon"] == "M", 1.5, 3.0)  # variance differs by cell: HC matters
    d["y"] = rng.gamma(shape, np.exp(eta) / shape)
    return d


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return make_rows(50_000, seed=1)


@pytest.fixture(scope="module")
def cells(rows) -> pd.DataFrame:
    return cm.cell_table(rows, "y", KEYS)


def assert_close(actual: pd.Series, expected: pd.Series) -> None:
    expected = expected.reindex(actual.index)
    assert not expected.isna().any()
    np.testing.assert_allclose(actual.to_numpy(), expected.to_numpy(), rtol=RTOL, atol=0)


# --- the cell table --------------------------------------------------------------------------------

def test_cell_table_has_one_row_per_cell_with_the_sums(rows, cells):
    assert len(cells) == 2 * 10 * 3
    assert list(cells.columns) == [*KEYS, "n", "sum_y", "sum_y2"]
    assert cells["n"].sum() == len(rows)
    one = cells.iloc[7]
    mask = (rows[KEYS] == one[KEYS].to_numpy()).all(axis=1)
    assert one["n"] == mask.sum()
    assert one["sum_y"] == pytest.approx(rows.loc[mask, "y"].sum(), rel=1e-12)
    assert one["sum_y2"] == pytest.approx((rows.loc[mask, "y"] ** 2).sum(), rel=1e-12)


def test_an_aggregated_table_collapses_to_the_same_cells(rows):
    fine = cm.cell_table(rows, "y", KEYS).rename(columns={"n": "antal", "sum_y": "s", "sum_y2": "q"})
    coarse = cm.cells_from_aggregates(fine, ["kon", "insats"], n="antal", sum_y="s", sum_y2="q")
    direct = cm.cell_table(rows, "y", ["kon", "insats"])
    pd.testing.assert_frame_equal(coarse[["kon", "insats", "n"]], direct[["kon", "insats", "n"]])
    np.testing.assert_allclose(coarse[["sum_y", "sum_y2"]], direct[["sum_y", "sum_y2"]], rtol=1e-12)


def test_inconsistent_or_clashing_tables_are_refused(cells):
    bad = cells.copy()
    bad.loc[0, "sum_y2"] = bad.loc[0, "sum_y"] ** 2 / bad.loc[0, "n"] / 2
    with pytest.raises(ValueError, match="hör inte ihop"):
        cm.cells_from_aggregates(bad, KEYS)
    with pytest.raises(ValueError, match="Cellnycklarna"):
        cm.cell_table(cells.rename(columns={"kon": "x"}).assign(y=1.0), "y", ["n"])
    with pytest.raises(ValueError, match="finns inte"):
        cm.cell_table(cells, "belopp", KEYS)


# --- OLS -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_ols_from_cells_equals_ols_on_the_rows(rows, cells, cov_type):
    row_fit = smf.ols(FORMULA, rows).fit(cov_type=cov_type)
    cell_fit = cm.ols_from_cells(cells, FORMULA, cov_type=cov_type)
    assert_close(cell_fit.params, row_fit.params)
    assert_close(cell_fit.bse, row_fit.bse)
    np.testing.assert_allclose(cell_fit.cov.to_numpy(),
                               row_fit.cov_params().loc[cell_fit.cov.index, cell_fit.cov.columns].to_numpy(),
                               rtol=RTOL, atol=1e-12 * np.abs(cell_fit.cov.to_numpy()).max())
    assert cell_fit.nobs == row_fit.nobs and cell_fit.df_resid == row_fit.df_resid


def test_a_covariate_in_large_units_is_not_taken_for_a_rank_deficiency():
    """An amount applied for in kronor, with one application of a thousand million (the data
    model's largest): X'X has entries of 1e18 beside n, and a rank judged on it unscaled
    stopped r4_02 ("Designmatrisen har inte full rang"). The fit equals statsmodels' on the rows."""
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"kon": rng.choice(["K", "M"], 400), "grupp": rng.choice(["a", "b", "c"], 400),
                      "sokt": rng.choice([50_000.0, 100_000.0, 250_000.0], 400)})
    d.loc[0, "sokt"] = 1e9
    d["y"] = 0.5 * d["sokt"] + rng.normal(0, 10_000, 400) + 20_000 * (d["kon"] == "M")
    formula = "y ~ C(kon) + C(grupp) + sokt"
    row_fit = smf.ols(formula, d).fit(cov_type="HC1")
    cell_fit = cm.ols_from_cells(cm.cell_table(d, "y", ["kon", "grupp", "sokt"]), formula, cov_type="HC1")
    np.testing.assert_allclose(cell_fit.params.to_numpy(), row_fit.params[cell_fit.params.index].to_numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(cell_fit.bse.to_numpy(), row_fit.bse[cell_fit.bse.index].to_numpy(), rtol=1e-6)


def test_a_rank_deficient_fit_with_a_covariate_in_large_units_equals_the_rows_pinv():
    """The Moore–Penrose path (a category only one group has, as oaxaca_from_cells meets it)
    took the pseudo-inverse of the unscaled X'X: beside kronor in 1e9 the other coefficients
    came out as 5e-10 instead of statsmodels' values on the rows."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"grupp": rng.choice(["a", "b"], 300), "sokt": rng.choice([5e4, 1e5, 2.5e5], 300)})
    d.loc[0, "sokt"] = 1e9
    d["y"] = 0.4 * d["sokt"] + 5000 * (d["grupp"] == "b") + rng.normal(0, 1000, 300)
    x = patsy.dmatrix("C(grupp) + sokt", d, return_type="dataframe")
    x["tom"] = 0.0  # a column no row separates: rank deficient
    rows = sm.OLS(d["y"], x).fit(method="pinv")
    cells = cm.cell_table(d.assign(**{c: x[c] for c in x.columns if c not in d}), "y", ["grupp", "sokt"])
    design = patsy.dmatrix("C(grupp) + sokt", cells, return_type="dataframe").assign(tom=0.0)
    fit = cm._ols(design.to_numpy(float), cells["n"].to_numpy(float), cells["sum_y"].to_numpy(float),
                  cells["sum_y2"].to_numpy(float), singular="pinv")
    np.testing.assert_allclose(fit.beta, rows.params.to_numpy(), rtol=1e-6, atol=1e-9)


def test_robust_errors_differ_from_classical_here(cells):
    """The data are heteroskedastic, so the HC comparisons above test something."""
    classical = cm.ols_from_cells(cells, FORMULA).bse
    robust = cm.ols_from_cells(cells, FORMULA, cov_type="HC3").bse
    assert (np.abs(robust / classical - 1) > 0.01).any()


def test_a_ready_design_gives_the_same_fit(cells):
    design = patsy.dmatrix("C(kon) + alder + C(insats)", cells, return_type="dataframe")
    by_formula = cm.ols_from_cells(cells, FORMULA, cov_type="HC2")
    by_design = cm.ols_from_cells(cells, design, cov_type="HC2")
    assert_close(by_design.params, by_formula.params)
    assert_close(by_design.bse, by_formula.bse)


def test_a_cell_with_one_row_is_exact_too(rows):
    """One row aged 120: a cell of its own with high (but not full) leverage."""
    extra = pd.DataFrame({"kon": ["K"], "alder": [120], "insats": ["b"], "y": [55.0]})
    d = pd.concat([rows.iloc[:200], extra], ignore_index=True)
    cells = cm.cell_table(d, "y", KEYS)
    single = cells.index[cells["alder"] == 120]
    assert cells.loc[single, "n"].tolist() == [1]
    for cov_type in COV_TYPES:
        fit = cm.ols_from_cells(cells, FORMULA, cov_type=cov_type)
        assert 0.3 < fit.leverage[single].iloc[0] < 1 - 1e-6
        row_fit = smf.ols(FORMULA, d).fit(cov_type=cov_type)
        assert_close(fit.params, row_fit.params)
        assert_close(fit.bse, row_fit.bse)


def test_leverage_one_refuses_hc2_hc3_but_not_hc0(rows):
    """One row with a level of its own: its parameter fits it exactly (h = 1, e = 0), so
    e²/(1 − h)^p is 0/0 — undefined, refused; HC0 and HC1 are unaffected."""
    extra = pd.DataFrame({"kon": ["K"], "alder": [70], "insats": ["d"], "y": [55.0]})
    d = pd.concat([rows.iloc[:2000], extra], ignore_index=True)
    cells = cm.cell_table(d, "y", KEYS)
    fit = cm.ols_from_cells(cells, FORMULA, cov_type="HC0")
    assert fit.leverage[cells["insats"] == "d"].iloc[0] == pytest.approx(1.0, abs=1e-12)
    for cov_type in ("HC0", "HC1"):
        row_fit = smf.ols(FORMULA, d).fit(cov_type=cov_type)
        ours = cm.ols_from_cells(cells, FORMULA, cov_type=cov_type)
        assert_close(ours.params, row_fit.params)
        assert_close(ours.bse, row_fit.bse)
    for cov_type in ("HC2", "HC3"):
        with pytest.raises(ValueError, match="hävstång 1"):
            cm.ols_from_cells(cells, FORMULA, cov_type=cov_type)


def test_unknown_cov_type_is_refused(cells):
    with pytest.raises(ValueError, match="cov_type"):
        cm.ols_from_cells(cells, FORMULA, cov_type="HC4")


# --- gamma -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_gamma_from_cells_equals_the_glm_on_the_rows(rows, cells, cov_type):
    family = sm.families.Gamma(sm.families.links.Log())
    row_fit = smf.glm(FORMULA, rows, family=family).fit(tol=1e-14, maxiter=200, cov_type=cov_type)
    cell_fit = cm.gamma_from_cells(cells, FORMULA, cov_type=cov_type)
    assert_close(cell_fit.params, row_fit.params)
    assert_close(cell_fit.bse, row_fit.bse)
    assert cell_fit.scale == pytest.approx(row_fit.scale, rel=RTOL)


def test_gamma_needs_positive_sums(cells):
    bad = cells.copy()
    bad.loc[3, "sum_y"] = 0.0
    with pytest.raises(ValueError, match="positiva"):
        cm.gamma_from_cells(bad, FORMULA)


# --- Oaxaca–Blinder ---------------------------------------------------------------------------------

def row_oaxaca(d: pd.DataFrame) -> pd.Series:
    x = patsy.dmatrix("C(insats) + alder", d, return_type="dataframe")
    x["bifurcate"] = (d["kon"] == "M").astype(float)  # K -> 0 comes first: gap = K − M
    res = OaxacaBlinder(d["y"].to_numpy(), x, "bifurcate", hasconst=True,
                        swap=False).two_fold(two_fold_type="pooled")
    unexplained, explained, gap = res.params[:3]
    return pd.Series({"gap": gap, "explained": explained, "unexplained": unexplained})


def test_oaxaca_from_cells_equals_statsmodels_on_the_rows(rows, cells):
    ours = cm.oaxaca_from_cells(cells, "y ~ C(insats) + alder", "kon", levels=("K", "M"))
    assert_close(ours["estimate"], row_oaxaca(rows))
    assert ours.loc["gap", "estimate"] == pytest.approx(
        ours.loc["explained", "estimate"] + ours.loc["unexplained", "estimate"], rel=1e-10)
    assert (ours["std_err"] > 0).all()


def test_oaxaca_delta_errors_match_a_bootstrap():
    """Delta-method standard errors against 1 000 nonparametric bootstrap replicates of the rows
    (a different estimator: agreement within 10 %)."""
    d = make_rows(6_000, seed=7)
    # Make the explained part sizeable: men older, more often in the costly level.
    rng = np.random.default_rng(8)
    men = d["kon"] == "M"
    d.loc[men, "insats"] = rng.choice(["a", "b", "c"], men.sum(), p=[0.3, 0.5, 0.2])
    d["y"] = d["y"] * np.where(d["insats"] == "b", 1.5, 1.0)
    formula = "y ~ C(insats) + alder"
    cells = cm.cell_table(d, "y", KEYS)
    delta = cm.oaxaca_from_cells(cells, formula, "kon", levels=("K", "M"), cov_type="HC0")
    code = cells.reset_index().merge(d.reset_index(), on=KEYS)
    cell_of_row = code.sort_values("index_y")["index_x"].to_numpy()
    y = d["y"].to_numpy()
    design = patsy.dmatrix(formula.split("~")[1], cells, return_type="dataframe")
    reps = []
    for _ in range(1000):
        w = rng.multinomial(len(d), np.full(len(d), 1 / len(d)))
        b = cells[KEYS].copy()
        b["n"] = np.bincount(cell_of_row, weights=w, minlength=len(cells)).astype(np.int64)
        b["sum_y"] = np.bincount(cell_of_row, weights=w * y, minlength=len(cells))
        b["sum_y2"] = np.bincount(cell_of_row, weights=w * y * y, minlength=len(cells))
        seen = (b["n"] > 0).to_numpy()
        reps.append(cm.oaxaca_from_cells(b[seen], design[seen], "kon", levels=("K", "M"))["estimate"])
    boot = pd.DataFrame(reps).std(ddof=1)
    ratio = delta["std_err"] / boot[delta.index]
    assert ((ratio > 0.9) & (ratio < 1.1)).all(), ratio


def _men_without_a_level(n_men: int, seed: int = 3) -> pd.DataFrame:
    """Women in levels a, b and c; ``n_men`` men in a and b only, so that the men's model of
    ``y ~ C(ins)`` cannot separate c: its design has 3 columns and rank 2."""
    rng = np.random.default_rng(seed)
    rows = [(sex, lv, 10 + 3 * (lv == "b") + 5 * (lv == "c") + 2 * (sex == "K") + rng.normal(0, 2 + (lv == "a")))
            for sex, levels, n in (("K", "abc", 40), ("M", "ab", n_men))
            for lv in (levels[i % len(levels)] for i in range(n))]
    return pd.DataFrame(rows, columns=["kon", "ins", "y"])


def test_hc1_counts_the_rank_of_a_rank_deficient_model_as_statsmodels_does():
    """HC1's factor n/(n − r) takes the design's rank, not its number of columns, as
    statsmodels' residual degrees of freedom do (the men's model without level c: 9 − 2)."""
    d = _men_without_a_level(9)
    men = d[d["kon"] == "M"]
    x = patsy.dmatrix("C(ins, levels=['a', 'b', 'c'])", men, return_type="dataframe")
    hc0 = sm.OLS(men["y"], x).fit(cov_type="HC0")
    hc1 = sm.OLS(men["y"], x).fit(cov_type="HC1")
    assert hc1.df_resid == 7
    cells = cm.cell_table(men, "y", ["ins"])
    design = patsy.dmatrix("C(ins, levels=['a', 'b', 'c'])", cells, return_type="dataframe")
    fit = cm._ols(design.to_numpy(float), *cm._sums(cells), singular="pinv")
    given = hc0.bse.to_numpy() > 0
    np.testing.assert_allclose(cm._hc1_factor(fit), (hc1.bse / hc0.bse).to_numpy()[given], rtol=1e-10)


def test_oaxaca_of_a_rank_deficient_group_with_residual_freedom_has_an_interval():
    """Three men in two levels: the model has 3 columns but rank 2, so one residual degree of
    freedom and HC1 standard errors (counting columns gave none, and no interval)."""
    cells = cm.cell_table(_men_without_a_level(3), "y", ["kon", "ins"])
    res = cm.oaxaca_from_cells(cells, "y ~ C(ins)", "kon", levels=("K", "M"), singular="pinv")
    assert np.isfinite(res["std_err"]).all() and (res["std_err"] > 0).all()
    assert np.isfinite(res[["ci_low", "ci_high"]].to_numpy()).all()
