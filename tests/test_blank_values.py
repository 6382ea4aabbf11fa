"""Blank values in an analyst's export reach no page as a crash or as a count given back by
subtraction (a probe of every chapter with 1–3 blanks per column found these):

- ru_01: granted applications without an amount were left out of the amount comparisons and of
  the table of funds, whose numbers of applications then differed from the ones shown by the
  blank few;
- ht_01/ht_02: a blank age, without an age filter, reached the regression (a numeric covariate
  cannot be blank) and stopped the chapter; a blank need column gave a need group that the table
  by need group dropped (and later stopped on).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools.chapters import ht, ru
from jamtools.data import load_table
from tests.conftest import SYNTHETIC


def _granted(blank: int) -> pd.DataFrame:
    apps = pd.read_csv(SYNTHETIC / "ru_ansokningar.csv")
    apps["beviljad"] = apps["beviljad"].astype(int)
    women = apps.index[(apps["kon"] == "kvinna") & (apps["beviljad"] == 1)][:blank]
    apps.loc[women, "beviljat_belopp"] = np.nan
    return apps


@pytest.mark.parametrize("blank, hidden", [(2, True), (6, False), (0, False)])
def test_a_few_grants_without_an_amount_hide_the_numbers_they_would_give_back(blank, hidden):
    apps = _granted(blank)
    amounts = ru.compare_granted(ru.granted(apps), threshold=5)
    rows = amounts[amounts["matt"] == "Beviljat belopp (tkr)"]
    assert rows["estimate"].notna().all()  # the comparison itself stays
    assert bool(rows["n_a"].isna().all()) is hidden
    if not hidden:
        granted_women = int(((apps["kon"] == "kvinna") & (apps["beviljad"] == 1)).sum())
        assert set(rows["n_a"]) == {granted_women - blank}
    table = ru.funds_table(apps, threshold=5).frame
    assert bool((table["Antal ansökningar"] == "..").all()) is hidden
    assert (table["Beviljat totalt (miljoner kr)"] != "..").all()


def test_a_blank_age_is_left_out_with_a_step_and_a_blank_need_is_a_group(tmp_path):
    raw = pd.read_csv(SYNTHETIC / "ht_beslut.csv", dtype=str, keep_default_na=False)
    raw.loc[raw.index[:2], "alder"] = ""
    raw.loc[raw.index[2:5], "adl_beroende"] = ""
    raw.to_csv(tmp_path / "ht_beslut.csv", index=False)
    loaded = load_table("ht_beslut", data_dir=tmp_path, columns=["beviljade_timmar"],
                        optional=["adl_beroende", "ensamboende", "alder"])
    kept = ht.without_blank_numbers(loaded, ["adl_beroende", "ensamboende", "alder"])
    assert kept.excluded_by_reason()["Uppgift om ålder saknas"] == 2
    assert kept.n_rows() == loaded.n_rows() - 2
    groups = ht.need_group(kept.data)
    assert (groups == ht.MISSING_GROUP).sum() == 3 and groups.notna().all()
    assert list(groups.cat.categories)[-1] == ht.MISSING_GROUP
    # without a blank, no such group: the tables by need look as before
    assert ht.MISSING_GROUP not in list(ht.need_group(kept.data.dropna(subset=["adl_beroende"])).cat.categories)


def test_a_parent_whose_existence_is_blank_is_compared():
    """bof_05: a blank ``mamma_finns`` is not known to mean no mother (a mother who was
    contacted certainly exists): compared, as every parent is without the column; only a
    recorded 'no' leaves the parent out."""
    from jamtools.chapters import bof

    u = pd.DataFrame({"mamma_finns": [1.0, np.nan, 0.0], "mamma_kontaktad": [1.0, 1.0, 0.0]})
    assert bof._parent_kept(u, "mamma").tolist() == [True, True, False]
