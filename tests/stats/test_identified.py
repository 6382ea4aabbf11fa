"""An adjustment for a covariate that is the sex under another name (every level holds one sex
only) leaves the sexes' coefficient unidentified: there is no comparison within levels. The
binary adjustment gave −14,9 pp with an interval (statsmodels' pseudo-inverse), the amount
models the crude difference called "vid samma behov" (a spanned column dropped), the Cox model
raised LinAlgError. Each now gives no estimate and says why; a covariate that leaves the sexes
a level in common still gives one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.stats.design import COINCIDES, identified


def _rows(seed: int = 1, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n), "ar": rng.choice([2022, 2023, 2024], n)})
    d["y"] = (rng.random(n) < np.where(d["kon"] == "kvinna", 0.3, 0.5)).astype(int)
    d["t"] = rng.gamma(2.0, 10.0, n)
    d["sex_again"] = d["kon"].map({"kvinna": "ensam", "man": "par"})
    d["shared"] = np.where(rng.random(n) < 0.5, "ensam", "par")
    return d


def test_identified_tells_a_spanned_column():
    x = pd.DataFrame({"const": 1.0, "group": [1.0, 1.0, 0.0, 0.0], "par": [0.0, 0.0, 1.0, 1.0]})
    assert not identified(x, "group") and identified(x.drop(columns="par"), "group")
    assert identified(x.assign(par=[0.0, 1.0, 1.0, 0.0]), "group")


@pytest.mark.parametrize("model", ["ols", "gamma"])
def test_amounts(model):
    d = _rows()
    with pytest.warns(UserWarning, match="sammanfaller med könet"):
        r = stats.adjusted_amount_difference(d, "t", "kon", ["sex_again"], levels=("kvinna", "man"), model=model)
    assert r["estimate"].isna().all() and COINCIDES in r["warning"].iloc[0].lower()
    fine = stats.adjusted_amount_difference(d, "t", "kon", ["shared"], levels=("kvinna", "man"), model=model)
    assert fine["estimate"].notna().all() and fine["warning"].iloc[0] == ""


def test_binary():
    d = _rows()
    cells = stats.collapse(d, "y", ["kon", "sex_again", "shared"])
    with pytest.warns(UserWarning, match="sammanfaller med könet"):
        r = stats.adjusted_difference(cells, "kon", ["sex_again"], levels=("kvinna", "man"), outcome_name="y")
    assert r["estimate"].isna().all()
    assert stats.adjusted_difference(cells, "kon", ["shared"], levels=("kvinna", "man"),
                                     outcome_name="y")["estimate"].notna().all()


def test_gap_change():
    d = _rows()
    d["sex_and_period"] = d["kon"] + np.where(d["ar"] >= 2024, "_efter", "_fore")
    r = stats.amount_gap_change(d, "t", "ar", 2024, "kon", levels=("kvinna", "man"), covariates=["sex_and_period"])
    assert r["estimate"].isna().all() and "sammanfaller med könet" in r["warning"].iloc[0]
    fine = stats.amount_gap_change(d, "t", "ar", 2024, "kon", levels=("kvinna", "man"), covariates=["shared"])
    assert fine["estimate"].notna().all()


def test_oaxaca_blinder():
    """The decomposition's pooled model cannot tell sex from a covariate that is the sex: its
    explained part was whatever the pseudo-inverse made of it. The gap stays; its parts are
    not given, with the reason. With a covariate both sexes share, both parts are given and
    add up to the gap."""
    d = _rows()
    r = stats.oaxaca_blinder(d, "t", "kon", ["sex_again"], levels=("kvinna", "man")).set_index("measure")
    gap = d.loc[d["kon"] == "kvinna", "t"].mean() - d.loc[d["kon"] == "man", "t"].mean()
    assert r.loc["oaxaca_gap", "estimate"] == pytest.approx(gap)
    parts = r.loc[["oaxaca_explained", "oaxaca_unexplained"]]
    assert parts["estimate"].isna().all() and parts["ci_low"].isna().all()
    assert parts["warning"].str.lower().str.contains(COINCIDES, regex=False).all()
    fine = stats.oaxaca_blinder(d, "t", "kon", ["shared"], levels=("kvinna", "man")).set_index("measure")
    assert fine["estimate"].notna().all() and fine["warning"].eq("").all()
    assert fine.loc["oaxaca_explained", "estimate"] + fine.loc["oaxaca_unexplained", "estimate"] == \
        pytest.approx(gap)
