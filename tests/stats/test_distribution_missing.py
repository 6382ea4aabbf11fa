"""A distribution whose category is blank for some units: left out, the groups' totals are the
units with a category, and beside a page's count of all units their difference gave a small
number of blanks back (bof_04: 2 918 girls' reports analysed, the reporters' table summed to
2 916). With ``missing="category"`` the blanks are a category of their own, so the totals are
all the units and the disclosure control sees the blanks as a cell."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import stats
from jamtools.chapters.bof import flag
from jamtools.stats.categorical import MISSING


def _rows():
    return pd.DataFrame({"kon": ["flicka"] * 6 + ["pojke"] * 4,
                         "anmalare": ["polis", "skola", None, "polis", None, "skola",
                                      "polis", "polis", "skola", "skola"]})


def test_blanks_as_a_category_keep_every_unit():
    d = _rows()
    kept = stats.distribution_by_group(d, "anmalare", missing="category")
    assert set(kept["n"][kept["kon"] == "flicka"]) == {6} and set(kept["n"][kept["kon"] == "pojke"]) == {4}
    assert list(dict.fromkeys(kept["anmalare"]))[-1] == MISSING
    blank = kept[(kept["anmalare"] == MISSING) & (kept["kon"] == "flicka")].iloc[0]
    assert blank["events"] == 2 and blank["share"] == pytest.approx(2 / 6)
    dropped = stats.distribution_by_group(d, "anmalare")
    assert set(dropped["n"][dropped["kon"] == "flicka"]) == {4} and MISSING not in set(dropped["anmalare"])
    with pytest.raises(ValueError, match="missing"):
        stats.distribution_by_group(d, "anmalare", missing="keep")


def test_a_flag_can_keep_the_rows_of_unknown_category():
    d = _rows().astype({"anmalare": "string"})
    assert len(flag(d, "anmalare", "polis", "p")) == 8
    every = flag(d, "anmalare", "polis", "p", unknown_is_no=True)
    assert len(every) == 10 and every["p"].tolist() == [1, 0, 0, 1, 0, 0, 1, 1, 0, 0]
    assert np.issubdtype(every["p"].dtype, np.integer)


def test_the_comparisons_say_when_blanks_were_counted_as_no():
    """The police's share counting a blank reporter as not the police changes the estimate from
    a run that left them out: every comparison says so (page note and results file), and only
    when there are blanks."""
    from jamtools.chapters.bof import _note_blanks

    comparisons = pd.DataFrame({"warning": ["", "annat"]})
    _note_blanks(comparisons, _rows(), "anmalare", "Utan anmälare räknas som inte polis.")
    assert comparisons["warning"].tolist() == ["Utan anmälare räknas som inte polis.",
                                               "annat; Utan anmälare räknas som inte polis."]
    untouched = pd.DataFrame({"warning": [""]})
    _note_blanks(untouched, _rows().dropna(), "anmalare", "x")
    assert untouched["warning"].tolist() == [""]
