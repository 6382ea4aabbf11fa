"""A blank value of a categorical covariate is a category of its own in every adjusted method:
the result equals the one with the blank written as a label. (The eb_01 chapter on an export
with one woman's household type blank said "för få observationer" for the adjusted sanction
comparison: the level of the blank rows, where no one had the outcome, was not recognised as
such and pushed the logistic coefficient to infinity.)"""
import warnings

import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.stats.concentration import adjusted_resource_share_gap


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(7)
    n = 900
    kon = rng.choice(["kvinna", "man"], n)
    typ = rng.choice(["a", "b", "c"], n)
    p = 0.2 + 0.15 * (kon == "kvinna") + 0.1 * (typ == "b")
    frame = pd.DataFrame({"kon": kon, "typ": typ, "y": (rng.random(n) < p).astype(float),
                          "tid": rng.exponential(10, n).round(1) + 0.1,
                          "belopp": rng.gamma(2, 50 + 20 * (kon == "kvinna")).round(0) + 1})
    # two women whose type is blank: neither has the outcome
    blank = frame.index[(frame["kon"] == "kvinna")][:2]
    frame.loc[blank, "typ"] = np.nan
    frame.loc[blank, "y"] = 0.0
    return frame


def _labelled(frame):
    return frame.assign(typ=frame["typ"].fillna("uppgift_saknas"))


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


METHODS = {
    "adjusted_difference": lambda d: stats.adjusted_difference(d, "kon", ["typ"], levels=("kvinna", "man"),
                                                               outcome="y"),
    "mantel_haenszel": lambda d: stats.mantel_haenszel(d, "kon", "typ", ("kvinna", "man"), outcome="y"),
    "adjusted_amount_difference": lambda d: stats.adjusted_amount_difference(
        d, "belopp", "kon", ["typ"], levels=("kvinna", "man")),
    "oaxaca_blinder": lambda d: stats.oaxaca_blinder(d, "belopp", "kon", ["typ"], levels=("kvinna", "man")),
    "adjusted_resource_share_gap": lambda d: adjusted_resource_share_gap(
        d, "belopp", "kon", ["typ"], levels=("kvinna", "man")),
    "cox_hazard_ratio": lambda d: stats.cox_hazard_ratio(d, "tid", "y", "kon", ["typ"], levels=("kvinna", "man")),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_a_blank_covariate_is_a_category(rows, name):
    got = _quiet(METHODS[name], rows)
    want = _quiet(METHODS[name], _labelled(rows))
    assert got["estimate"].notna().any(), got.get("warning")
    cols = [c for c in ("estimate", "ci_low", "ci_high", "n_a", "n_b") if c in got]
    np.testing.assert_allclose(got[cols].to_numpy(float), want[cols].to_numpy(float), rtol=1e-8, atol=1e-10)


def test_the_eb_01_case_gives_an_estimate(rows):
    """The blank level where no one has the outcome is counted with difference 0, as a label's."""
    got = _quiet(METHODS["adjusted_difference"], rows)
    assert "för få observationer" not in str(got["warning"].iloc[0])
    assert "ingen eller alla har utfallet" in str(got["warning"].iloc[0])


def test_amounts_by_a_blank_stratum_keep_its_rows(rows):
    """describe_amounts by a column with blanks: the blank rows are a stratum of their own, and
    the shares of the total are taken within it (they were dropped before)."""
    got = stats.describe_amounts(rows, "belopp", "kon", by="typ")
    assert got["n"].sum() == len(rows)
    blank = got[got["typ"].isna()]
    assert blank["n"].tolist() == [2.0] and blank["share_of_n"].tolist() == [1.0]


def test_mantel_haenszel_keeps_a_blank_stratum_of_both_sexes(rows):
    """A blank stratum with women and men contributes to the common odds ratio as a labelled one
    does (it was dropped)."""
    d = rows.copy()
    blank = list(d.index[d["kon"] == "kvinna"][2:30]) + list(d.index[d["kon"] == "man"][:30])
    d.loc[blank, "typ"] = np.nan
    d.loc[blank[:20], "y"] = 1.0  # a stratum unlike the others, so that dropping it would show
    got = _quiet(METHODS["mantel_haenszel"], d)
    want = _quiet(METHODS["mantel_haenszel"], _labelled(d))
    dropped = _quiet(METHODS["mantel_haenszel"], d.dropna(subset=["typ"]))
    np.testing.assert_allclose(got["estimate"].to_numpy(float), want["estimate"].to_numpy(float), rtol=1e-10)
    assert not np.allclose(got["estimate"].to_numpy(float), dropped["estimate"].to_numpy(float))
