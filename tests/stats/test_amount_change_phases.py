"""ht_02 when the year of the new working method leaves one phase without rows: a probe set
nytt_arbetssatt_ar: 2030 on data from 2020–2025 (and another a period from 2024 with the year
2024), and the reader read "Förändringen kan inte skattas: perioden före eller efter saknar en
av grupperna", as if a sex were missing. The sentence now says which phase has no rows."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.disclosure import analyses as analysis
from jamtools.present.sentences import why_not_computed


def _hours(years) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = [{"ar": y, "kon": k, "beviljade_timmar": float(rng.uniform(5, 40))}
            for y in years for k in ("kvinna", "man") for _ in range(15)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("years, after, said", [
    ((2021, 2022, 2023), 2030, "data har inga rader från 2030 eller senare"),
    ((2024, 2025), 2024, "data har inga rader före 2024"),
])
def test_a_phase_without_rows_is_named(years, after, said):
    change = analysis.amount_change(_hours(years), "beviljade_timmar", "ar", after,
                                    levels=("kvinna", "man"), threshold=5)
    row = change.change.iloc[0]
    assert pd.isna(row["estimate"]) and not row["suppressed"]
    assert said in why_not_computed(row)
    assert "saknar en av grupperna" not in str(row["warning"])


def test_a_phase_lacking_a_group_still_says_so():
    data = _hours((2021, 2022, 2023, 2024))
    data = data[~((data["ar"] >= 2023) & (data["kon"] == "man"))]
    change = analysis.amount_change(data, "beviljade_timmar", "ar", 2023,
                                    levels=("kvinna", "man"), threshold=5)
    assert change.change.iloc[0]["warning"] == "Perioden före eller efter saknar en av grupperna."
