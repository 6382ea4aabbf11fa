"""An empty group in a table of shares by sex and a category reads as a small one: the rows of
the table never tell that a sex is, or is not, in a category (jamtools.disclosure.analyses)."""
from __future__ import annotations

import pandas as pd

from jamtools import disclosure
from jamtools.disclosure import analyses
from jamtools.present import report
from jamtools.present.sentences import shares_alt

HOUSEHOLDS = ("ensamstaende_utan_barn", "ensamstaende_med_barn", "sammanboende_utan_barn",
              "sammanboende_med_barn")


def _rows(men_with_children_alone: int) -> pd.DataFrame:
    parts = []
    for h in ("ensamstaende_utan_barn", "ensamstaende_med_barn", "sammanboende_med_barn"):
        for sex in ("kvinna", "man"):
            n = 30
            if (h, sex) == ("ensamstaende_med_barn", "man"):
                n = men_with_children_alone
            parts.append(pd.DataFrame({"kon": sex, "hushallstyp": h, "krav": ([1, 0] * 15)[:n]}))
    return pd.concat(parts, ignore_index=True)


def test_a_sex_missing_from_a_category_reads_as_one_person():
    """Single fathers: none, or one. Before, with none the men's row was missing (and a
    reader saw that no single father is among the clients; with one, that there is one). Now
    both tables and figures' alt texts read alike, and the model's household type
    that nobody has is a row of '..' too."""
    seen = []
    for men in (0, 1):
        res = analyses.binary_outcome(_rows(men), "krav", levels=("kvinna", "man"), by="hushallstyp",
                                      threshold=5, by_levels=HOUSEHOLDS)
        by = res.by_shares
        assert len(by) == 4 * 2
        row = by[(by["hushallstyp"] == "ensamstaende_med_barn") & (by["kon"] == "man")].iloc[0]
        assert bool(row["suppressed"]) and row["suppression_reason"] == disclosure.REASON_HIDDEN
        table = report.share_table(by, outcome_label="Andel")
        seen.append((table.frame, table.note, shares_alt(by, what="Andel", by="hushallstyp")))
    pd.testing.assert_frame_equal(seen[0][0], seen[1][0])
    assert seen[0][1:3] == seen[1][1:3]


def _hours(men_in_level_4: int) -> pd.DataFrame:
    parts = []
    for level in (1, 2, 3, 4):
        for sex in ("kvinna", "man"):
            n = men_in_level_4 if (level, sex) == (4, "man") else 25
            parts.append(pd.DataFrame({"kon": sex, "behovsniva": str(level),
                                       "timmar": [10.0 + level * 5 + (i % 7) for i in range(n)]}))
    return pd.concat(parts, ignore_index=True)


def test_an_amount_by_sex_and_need_level_reads_alike_for_none_and_one():
    """Hours by sex and need level (ht): no man at the highest need level left the men's row
    out, one man made it '..'. Both now read '..' with the same reason."""
    seen = []
    for men in (0, 1):
        res = analyses.amount_outcome(_hours(men), "timmar", levels=("kvinna", "man"), by="behovsniva",
                                      threshold=5, n_boot=50, at_least=0)
        by = res.by_summary
        assert len(by) == 4 * 2
        row = by[(by["behovsniva"] == "4") & (by["kon"] == "man")].iloc[0]
        assert bool(row["suppressed"]) and row["suppression_reason"] == disclosure.REASON_HIDDEN
        table = report.amount_summary_table(by, by="behovsniva", unit="timmar")
        seen.append((table.frame, table.note))
    pd.testing.assert_frame_equal(seen[0][0], seen[1][0])
    assert seen[0][1] == seen[1][1]


def test_blank_categories_and_unused_codes_hide_one_line_not_the_table():
    """A household type blank on many rows (pd.NA in an Arrow string column: the rows stay, as a
    covariate blank on most rows does) beside two codes no client has. code_levels and the
    completed table no longer stop on pd.NA (TypeError 'boolean value of NA is ambiguous'), and
    the two empty codes are protected by hiding one more line whole, not every line of the
    table (the complement is picked where its crossing line already hides a cell)."""
    import numpy as np

    from jamtools.data.model import code_levels

    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed)
        n = 400
        hh = pd.array(rng.choice(["ensamstaende_med_barn", "sammanboende_utan_barn", None], n), dtype="string")
        d = pd.DataFrame({"kon": rng.choice(["kvinna", "man"], n), "krav": rng.integers(0, 2, n),
                          "hushallstyp": hh})
        levels = code_levels(d["hushallstyp"], table="eb_klienter", column="hushallstyp")
        assert len(levels) == 4  # the model's codes; a blank is no level
        shares = analyses.binary_outcome(d, "krav", levels=("kvinna", "man"), by="hushallstyp",
                                         by_levels=levels, threshold=5).by_shares
        hidden = shares.groupby("hushallstyp", dropna=False)["suppressed"].agg(["all", "any"])
        assert (hidden["all"] == hidden["any"]).all()  # a line hidden whole or not at all
        assert (~hidden["all"]).sum() == 2  # of three lines with people, one protects the empty ones
