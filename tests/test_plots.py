"""Figures draw the line of no difference where it belongs: 0 for differences, 1 for ratios."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure

from jamtools.present import plots


def _comparisons(measure, estimate, low, high):
    return disclosure.disclose_comparisons(pd.DataFrame([{
        "outcome": "timmar", "comparison": "kvinna − man", "group_a": "kvinna", "group_b": "man",
        "measure": measure, "estimate": estimate, "ci_low": low, "ci_high": high, "p_value": 0.01,
        "adjusted": False, "adjusted_for": "", "n_a": 100, "n_b": 100, "events_a": np.nan,
        "events_b": np.nan}]), threshold=5)


@pytest.mark.parametrize("measure,estimate,null", [
    ("mean_difference", 2.5, 0.0), ("risk_difference_pp", -4.0, 0.0), ("median_difference", 1.0, 0.0),
    ("risk_ratio", 1.3, 1.0), ("hazard_ratio", 0.75, 1.0), ("odds_ratio", 0.8, 1.0),
])
def test_difference_plot_reference_line(measure, estimate, null):
    fig = plots.difference_plot(_comparisons(measure, estimate, estimate - 1 if null == 0 else estimate * 0.9,
                                             estimate + 1 if null == 0 else estimate * 1.1),
                                measure=measure).fig
    [ax] = fig.axes
    vertical = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1
                and line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in vertical] == [null]
