"""Reasons that only one kind of hidden cell gets are bounds a reader can use. Brute force: every
world (the hidden counts) that gives the page a reader sees is a world the reader cannot rule
out; a reason that tells which kind of cell a hidden one is leaves fewer of them.

An amount table (the contributors rule, Hundepool et al. 2012, §4.2) marked a group hidden for
having few units with an amount "färre än 5 med ett värde skilt från 0". Only a group with at
least 5 units gets that reason (fewer are hidden as a small group), so the other sex, hidden
beside it, is the small one: with 9 units analysed (the page's count of the table), 6 women of
whom 2 were granted money and 3 men, the reason told the reader that the men were 1 to 4."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.disclosure.analyses import disclose_amount_summary
from jamtools.stats.amounts import describe_amounts

T = 5
N = 9  # units analysed, on the page


def _rows(women: int, women_with: int, men: int, men_with: int) -> pd.DataFrame:
    rows = []
    for sex, n, k in (("kvinna", women, women_with), ("man", men, men_with)):
        rows += [{"kon": sex, "belopp": 1000.0 * (i + 1) if i < k else 0.0} for i in range(n)]
    return pd.DataFrame(rows, columns=["kon", "belopp"])


def _page(world) -> tuple:
    """What a reader sees of the disclosed amount table: per sex whether it is hidden, its
    reason and its shown numbers (a hidden number as None)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = disclose_amount_summary(describe_amounts(_rows(*world), "belopp", "kon"), threshold=T)
    cols = ["n", "sum", "mean", "share_of_total", "share_of_n"]
    return tuple((r["kon"], bool(r["suppressed"]), str(r["suppression_reason"] or ""),
                  tuple(None if pd.isna(r[c]) else round(float(r[c]), 6) for c in cols))
                 for _, r in out.sort_values("kon").iterrows())


def test_a_group_with_few_contributors_does_not_tell_the_other_is_small():
    # per sex: nobody, 2 or everyone granted money (the rule looks at no more than that)
    worlds = {(w, kw, N - w, km) for w in range(N + 1) for kw in {0, min(2, w), w}
              for km in {0, min(2, N - w), N - w}}
    pages = {world: _page(world) for world in worlds}
    seen = pages[(6, 2, 3, 3)]
    assert all(hidden for _, hidden, _, _ in seen)  # both sexes hidden
    men = sorted({world[2] for world, page in pages.items() if page == seen})
    # the reader cannot tell whether the men are the small group (1..4) or the women are
    assert any(m >= T for m in men), men
    assert any(0 < m < T for m in men), men
    # and the reason is the one every hidden count carries
    assert {reason for _, _, reason, _ in seen} == {disclosure.REASON_HIDDEN}


def test_r4_02s_sentence_does_not_tell_few_contributors_from_a_small_group():
    """r4_02 said "för ett av könen har för få … fått något alls" for few contributors and "det
    finns för få … i urvalet" for a small group: the first says that sex is not the small one."""
    from jamtools.chapters.resources import (RESOURCE_TABLES, describe_resources, effective_spec,
                                             resource_distribution)

    spec = effective_spec(RESOURCE_TABLES["ru_ansokningar"], ())
    words = []
    for world in ((6, 2, 3, 3), (3, 3, 6, 6)):  # few women with money; few women
        data = _rows(*world).rename(columns={"belopp": "beviljat_belopp"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = resource_distribution(data, spec, threshold=T)
        assert res.amounts.summary["suppressed"].all()
        assert set(res.lorenz["suppression_reason"]) <= {"", disclosure.REASON_HIDDEN,
                                                         disclosure.REASON_GROUP}
        words.append(describe_resources(res, spec))
    assert words[0] == words[1]
    assert "fått något alls" in words[0] and "i urvalet" in words[0]
