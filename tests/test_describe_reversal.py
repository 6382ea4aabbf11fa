"""describe_binary claims that a difference changes direction when adjusted (Simpson's paradox)
only when both intervals leave out 0 on opposite sides; otherwise it says the direction is
not clear (jamtools.present.report)."""
from __future__ import annotations

import pandas as pd

from jamtools import disclosure, stats
from jamtools.present import report


def _comparison(adjusted: bool, estimate: float, low: float, high: float) -> dict:
    return {"outcome": "utfall", "comparison": "flicka − pojke", "group_a": "flicka",
            "group_b": "pojke", "measure": "risk_difference_pp", "estimate": estimate,
            "ci_low": low, "ci_high": high, "conf_level": 0.95, "p_value": 0.4,
            "adjusted": adjusted, "adjusted_for": "alder" if adjusted else "",
            "n_a": 100.0, "n_b": 100.0, "events_a": 40.0, "events_b": 50.0, "warning": "",
            "mdd_pp": 20.0}


def _text(crude, adjusted) -> str:
    data = pd.DataFrame({"kon": ["flicka"] * 100 + ["pojke"] * 100,
                         "y": [1] * 40 + [0] * 60 + [1] * 50 + [0] * 50})
    shares = disclosure.disclose_shares(stats.share_by_group(data, "kon", outcome="y"), threshold=5)
    comparisons = disclosure.disclose_comparisons(
        pd.DataFrame([_comparison(False, *crude), _comparison(True, *adjusted)]), threshold=5)
    return report.describe_binary(shares, comparisons, outcome_text="till insats", unit_text="utredningar")


def test_two_inconclusive_results_of_opposite_sign_are_no_reversal():
    # bof_04: crude −9,9 (interval covering 0, p 0.42), adjusted +11,0 (−2,0 to 24,1).
    text = _text((-9.9, -33.5, 13.7), (11.0, -2.0, 24.1))
    assert "Simpsons paradox" not in text and "Skillnaden byter riktning" not in text
    assert "det går inte att säga åt vilket håll" in text


def test_a_reversal_where_both_intervals_leave_out_zero():
    text = _text((-9.9, -15.0, -4.0), (11.0, 3.0, 19.0))
    assert "Skillnaden byter riktning när man justerar (Simpsons paradox)" in text


def test_one_clear_and_one_unclear_is_no_reversal():
    text = _text((-9.9, -15.0, -4.0), (3.0, -2.0, 8.0))
    assert "Simpsons paradox" not in text and "det går inte att säga åt vilket håll" in text
