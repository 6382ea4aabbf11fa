"""The shared test helpers fail the right way."""
from __future__ import annotations

import pytest

from tests.helpers import covers, no_gap, one, rows

RES = {"comparisons": [
    {"outcome": "a", "measure": "risk_difference_pp", "adjusted": False, "ci_low": -1.0, "ci_high": 2.0},
    {"outcome": "b", "measure": "risk_difference_pp", "adjusted": False, "ci_low": -30.0, "ci_high": 30.0},
]}


def test_a_filter_that_matches_nothing_fails():
    with pytest.raises(AssertionError, match="no comparison matches"):
        rows(RES, outcome="c")
    with pytest.raises(AssertionError):
        one(RES, measure="risk_difference_pp")  # two match


def test_no_gap_bounds_the_interval_width():
    assert no_gap(one(RES, outcome="a"), max_half_width=3)
    with pytest.raises(AssertionError, match="too wide"):
        no_gap(one(RES, outcome="b"), max_half_width=3)


def test_covers_fails_on_a_hidden_interval():
    with pytest.raises(AssertionError):
        covers({"ci_low": None, "ci_high": None, "comparison": "x"}, 0)
