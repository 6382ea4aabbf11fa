"""A hidden comparison says why it is hidden, and nothing its statistic warned about: a probe
found ht_02's hidden years saying "bygger på en dold grupp; En av grupperna har färre än två
observationer", which told the reader that one sex had a single decision that year."""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.stats.amounts import TOO_FEW_TO_COMPARE


def test_a_hidden_rows_warning_is_dropped_and_a_shown_rows_kept():
    rows = pd.DataFrame({"comparison": ["kvinna − man"] * 2, "measure": ["diff_mean"] * 2,
                         "group_a": ["kvinna"] * 2, "group_b": ["man"] * 2,
                         "estimate": [np.nan, 1.5], "ci_low": [np.nan, 0.5], "ci_high": [np.nan, 2.5],
                         "p_value": [np.nan, 0.01], "n_a": [12.0, 40.0], "events_a": [np.nan, np.nan],
                         "n_b": [1.0, 35.0], "events_b": [np.nan, np.nan],
                         "warning": [TOO_FEW_TO_COMPARE, "Fördelningen är sned."]})
    out = disclosure.disclose_comparisons(rows, threshold=5)
    assert out["suppressed"].tolist() == [True, False]
    assert out["warning"].tolist() == ["", "Fördelningen är sned."]
    assert disclosure.is_disclosed(out)
