"""A share computed on a selection of a chapter's rows never gives back a count the page hides,
whichever chapter computes it, and a hidden sex hides no more than it must.

A selection (``LoadResult.exclude``, or a pandas filter of a LoadResult's rows) carries the
account of the rows it came from; an analysis of it (:func:`jamtools.disclosure.analyses.
binary_outcome`) finds by itself the rows the page shows (a data table of them, or an analysis
of all of them) and hides the sexes whose count beside them would give back the few rows the
selection leaves out (``disclosure.hidden_in_selection``). Before, only the chapters that asked
(eb_01, eb_02, eb_03, eb_05) were protected, and a sentence built from the share said "av
männens 0,0 % (98 % KI 0,0–53,4 %)", which gives n back through the interval.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.data.load import LoadResult
from jamtools.data.model import TABLES
from jamtools.disclosure import analyses as analysis
from jamtools.present.report import quality_table
from jamtools.run.notebook import setup

SEXES = ("kvinna", "man")


def _loaded(men_without: int = 3) -> LoadResult:
    """300 women and 320 men of eb_utfall, ``men_without`` men without a value of ``forflyttning``."""
    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 320, "y": [0, 1] * 310})
    frame["forflyttning"] = 1.0
    frame.loc[300:300 + men_without - 1, "forflyttning"] = np.nan
    loaded = LoadResult(table=TABLES["eb_utfall"], data=frame, source="eb_utfall.csv")
    loaded._record("Inlästa rader", frame, "inlästa")
    return loaded


def _men_hidden(result) -> bool:
    men = result.shares[result.shares["kon"] == "man"].iloc[0]
    return bool(men["suppressed"]) and np.isnan(men["ci_low"]) and np.isnan(men["n"])


def test_a_selection_of_rows_the_page_shows_is_protected_without_asking():
    whole = _loaded()
    quality_table(whole, threshold=5)                          # the page shows the rows analysed
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    result = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5)
    assert _men_hidden(result)                                 # 317 beside 320 gives back 3
    assert result.comparisons["suppressed"].all() and result.comparisons["ci_low"].isna().all()
    # a pandas filter of the rows is a selection too
    filtered = analysis.binary_outcome(whole.data[whole.data["forflyttning"].notna()], "y",
                                       levels=SEXES, threshold=5)
    assert _men_hidden(filtered)


def test_an_analysis_of_all_the_rows_shows_their_count():
    """The whole analysed first (its shares show its count), then a selection of it."""
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})  # a new run: nothing shown
    whole = _loaded(men_without=2)
    first = analysis.binary_outcome(whole.data, "y", levels=SEXES, threshold=5)
    assert not first["suppressed"].any() if isinstance(first, pd.DataFrame) else not first.shares["suppressed"].any()
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    assert _men_hidden(analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5))


def test_rows_the_page_never_shows_hide_nothing():
    """The rows read before a step of few rows are not shown beside the rows analysed (the data
    table hides them): the analysis of the rows analysed is not hidden for them."""
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})
    whole = _loaded()
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    result = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5)
    assert not result.shares["suppressed"].any()
    # and a selection with as many rows or more left out than the threshold is shown
    quality_table(whole, threshold=5)
    many = whole.exclude(whole.data.index.isin(range(300, 310)), "Urval")
    assert not analysis.binary_outcome(many.data, "y", levels=SEXES, threshold=5).shares["suppressed"].any()
