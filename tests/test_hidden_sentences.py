"""A hidden value's sentence never calls its group small: a value hidden to protect another is
not (the review of the one-reason rule found four sentences that still said "underlaget är för
litet" of every hidden value)."""
from types import SimpleNamespace

import pandas as pd

from jamtools import disclosure
from jamtools.chapters import ht, representation
from jamtools.present import report
from jamtools.present.segregation import describe_dissimilarity

ONE = "underlaget är för litet, eller"


def _hidden_change():
    phases = pd.DataFrame({"period": ["före", "efter"], "adjusted": [True, True],
                           "estimate": [float("nan")] * 2, "ci_low": [float("nan")] * 2,
                           "ci_high": [float("nan")] * 2, "suppressed": [True, True],
                           "suppression_reason": [disclosure.REASON_HIDDEN] * 2,
                           "conf_level": [0.95] * 2, "group_a": ["kvinna"] * 2, "group_b": ["man"] * 2,
                           "adjusted_for": ["adl_beroende"] * 2})
    change = phases.iloc[[0]].assign(period="förändring")
    for frame in (phases, change):
        frame.attrs[disclosure.ATTR] = {"threshold": 5, "rounding": None}
    return SimpleNamespace(phases=phases, change=change)


def test_the_change_of_a_gap_hidden():
    change = _hidden_change()
    for text in (ht.change_answer(change), report.describe_amount_change(change)):
        assert "Förändringen visas inte: " + ONE in text, text


def test_the_sex_distribution_hidden_to_protect_the_small_sex():
    small = representation.sex_distribution(pd.DataFrame({"kon": ["kvinna"] * 30 + ["man"] * 2}),
                                            ("kvinna", "man"), threshold=5)
    assert ONE in representation.describe_distribution(small, years=[])


def test_a_dissimilarity_index_hidden():
    rows = pd.DataFrame({"period": [2024], "estimate": [float("nan")], "ci_low": [float("nan")],
                         "ci_high": [float("nan")], "suppressed": [True],
                         "suppression_reason": [disclosure.REASON_HIDDEN], "conf_level": [0.95],
                         "d_random": [float("nan")], "warning": [""]})
    rows.attrs[disclosure.ATTR] = {"threshold": 5, "rounding": None}
    assert "visas inget olikhetsindex: underlaget är för litet, eller det skulle" in describe_dissimilarity(rows)
