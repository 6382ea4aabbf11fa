"""A Lorenz curve's step over few units with an amount gives their amounts back: a review put
one grant of 123 456 kr in the ninth tenth of 100 women's applications (11 granted, the curve
shown), and the ninth tenth's share times the women's sum gave it exactly."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from jamtools.chapters.resources import (RESOURCE_TABLES, effective_spec, lorenz_table,
                                         resource_distribution)
from jamtools.disclosure import lorenz as lorenz_module
from jamtools.disclosure.lorenz import POINT_HIDDEN, contributors_between, hide_thin_steps

SPEC = effective_spec(RESOURCE_TABLES["ru_ansokningar"], ())


def _review_case(seed=1, zeros=89):
    rng = np.random.default_rng(seed)
    women = [0.0] * zeros + [123456.0] + list(rng.integers(200, 900, 100 - zeros - 1) * 1000.0)
    men = list(rng.integers(100, 900, 120) * 1000.0)
    return pd.DataFrame({"kon": ["kvinna"] * 100 + ["man"] * 120, "beviljat_belopp": women + men})


def test_the_doc_examples():
    assert doctest.testmod(lorenz_module).failed == 0


def test_the_reviews_grant_is_no_longer_given_back():
    data = _review_case()
    res = resource_distribution(data, SPEC, threshold=10)
    women = res.lorenz[res.lorenz["kon"] == "kvinna"].set_index("andel_enheter")
    assert not women["suppressed"].any()
    assert women.loc[0.9, POINT_HIDDEN] and np.isnan(women.loc[0.9, "andel_resurs"])
    # every step between two points shown rests on 0 or at least 10 units with an amount
    amounts = np.sort(data.loc[data["kon"] == "kvinna", "beviljat_belopp"].to_numpy())
    nonzero = int((amounts != 0).sum())
    shown = women[women["andel_resurs"].notna()].index.to_numpy()
    for a, b in zip(shown[:-1], shown[1:]):
        assert contributors_between(a, b, 100, nonzero) == 0 or contributors_between(a, b, 100, nonzero) >= 10
    # the men's curve, with an amount for everyone, keeps every point
    assert not res.lorenz.loc[res.lorenz["kon"] == "man", POINT_HIDDEN].any()
    table = lorenz_table(res.lorenz, SPEC, caption="t")
    assert table.frame.set_index("Kön").loc["Kvinnor", "De 10 % med mest får"] == ".."
    assert "En punkt på kurvan visas inte" in table.note


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_random_curves_have_no_thin_step(threshold):
    rng = np.random.default_rng(threshold)
    for _ in range(40):
        n = int(rng.integers(10 * threshold, 400))
        nonzero = int(rng.integers(0, n + 1))
        rows = pd.DataFrame({"kon": "kvinna", "n": float(n),
                             "andel_enheter": np.linspace(0, 1, 11), "andel_resurs": np.linspace(0, 1, 11) ** 2,
                             "gini": 0.3, "suppressed": False, "suppression_reason": ""})
        out = hide_thin_steps(rows, {"kvinna": nonzero}, threshold=threshold)
        if out["suppressed"].any():  # the last step itself too thin: the whole curve hidden
            assert out["andel_resurs"].isna().all()
            continue
        shown = out.loc[out["andel_resurs"].notna(), "andel_enheter"].to_numpy()
        assert shown[0] == 0 and shown[-1] == 1
        for a, b in zip(shown[:-1], shown[1:]):
            c = contributors_between(a, b, n, nonzero)
            assert c == 0 or c >= threshold, (n, nonzero, a, b, c)


def test_contributors_are_counted_against_a_brute_force_count():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        nz = int(rng.integers(0, n + 1))
        a, b = sorted(rng.choice(np.linspace(0, 1, 11), 2, replace=False))
        units = [i for i in range(n) if i + 1 > a * n + 1e-9 and i < b * n - 1e-9]  # [i, i+1) meets (a n, b n)
        want = sum(1 for i in units if i >= n - nz)
        assert contributors_between(a, b, n, nz) == want, (n, nz, a, b)
