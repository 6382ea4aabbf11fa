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


def _curve(at_risk: int, events: int, start: int = 7) -> pd.DataFrame:
    """A curve on the grid 0, 30 days: ``start`` followed at 0, ``at_risk`` still followed at
    30 days, of whom ``events`` cumulative events; the rest left follow-up."""
    n = np.array([start, at_risk], float)
    ev = np.array([0, events], float)
    return pd.DataFrame({"kon": "kvinna", "cause": 1, "time": [0.0, 30.0], "at_risk": n,
                         "events": ev, "events_all": ev, "censored": start - n - ev,
                         "cif": ev / start, "se": 0.01, "ci_low": 0.0, "ci_high": 1.0,
                         "conf_level": 0.95})


def _curve_page(out: pd.DataFrame) -> tuple:
    cols = ["at_risk", "events", "cif", "ci_low", "ci_high"]
    return tuple((bool(r["suppressed"]), str(r["suppression_reason"] or ""),
                  tuple(None if pd.isna(r[c]) else round(float(r[c]), 6) for c in cols))
                 for _, r in out.iterrows())


def test_a_curve_that_stops_does_not_tell_how_few_are_still_followed():
    """disclose_curve hid a point with "färre än 5 i risk" where fewer than 5 were still
    followed and with "steget bygger på färre än 5 personer" where 1 to 4 had left since the
    last shown point: 7 followed at 0 days, the first told the reader that 0..4 were followed at
    30 days (a hidden count below the threshold), the second 5 or 6. (The curve table, figure
    and alt text show no reason today; the curves' rows carry it.)"""
    from jamtools.disclosure.curves import disclose_curve

    pages = {}
    for a in range(8):
        for e in range(8 - a):
            pages[(a, e)] = _curve_page(disclose_curve(_curve(a, e), threshold=T))
    few, left_one = pages[(4, 0)], pages[(6, 0)]
    assert few[1][0] and left_one[1][0]  # both hidden at 30 days
    followed = sorted({a for (a, _), page in pages.items() if page == few})
    assert any(a >= T for a in followed) and any(a < T for a in followed), followed
    assert {r for _, r, _ in few + left_one if r} == {disclosure.REASON_HIDDEN}


def test_one_name_for_the_one_reason():
    """REASON_SMALL, REASON_OUTCOME_SMALL and REASON_SECONDARY were the one reason under three
    names (callers formatted a threshold into a text without one); the curves' and the amounts'
    own reasons are gone too."""
    from jamtools.disclosure import curves

    for name in ("REASON_SMALL", "REASON_OUTCOME_SMALL", "REASON_SECONDARY", "REASON_CONTRIBUTORS"):
        assert not hasattr(disclosure, name), name
    assert not [n for n in dir(curves) if n.startswith("REASON_")]


def test_a_comparison_of_a_protecting_group_is_not_said_to_be_small():
    """A comparison hidden because one of its groups is hidden said "underlaget är för litet",
    also when that group is hidden to protect a small one (the boys beside 2 girls here)."""
    from jamtools.present import sentences

    shares = pd.DataFrame({"kon": ["flicka", "pojke"], "n": [2, 40], "events": [1, 20]})
    shares["share"] = shares["events"] / shares["n"]
    shares["ci_low"] = shares["ci_high"] = shares["share"]
    out = disclosure.disclose_shares(shares, threshold=T)
    assert out["suppressed"].all()  # the girls small, the boys beside them
    comparison = {"suppressed": True, "suppression_reason": disclosure.REASON_GROUP}
    assert sentences.hidden_why(comparison) == sentences.hidden_why(out.iloc[1])
    assert sentences.not_shown(comparison) == (
        "visas inte: underlaget är för litet, eller den skulle göra det möjligt att räkna ut en "
        "dold uppgift (röjandekontroll)")


def test_the_lorenz_curves_reasons_do_not_tell_the_large_sex():
    """r4_02's Lorenz curve of a sex the amounts hide had "bygger på en dold grupp" when its own
    rule (50 units at threshold 5) let it through, and the one reason of a hidden count when it
    did not: with 3 women and 50 men, both hidden in the amounts, the men's curve told they were
    50 or more, and so that the women were the small ones."""
    from jamtools.chapters.resources import RESOURCE_TABLES, effective_spec, resource_distribution

    spec = effective_spec(RESOURCE_TABLES["ru_ansokningar"], ())
    reasons = []
    for world in ((3, 3, 50, 50), (50, 50, 3, 3)):
        data = _rows(*world).rename(columns={"belopp": "beviljat_belopp"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = resource_distribution(data, spec, threshold=T)
        assert res.amounts.summary["suppressed"].all()
        reasons.append(res.lorenz.groupby("kon")["suppression_reason"].agg(set).to_dict())
    assert reasons[0] == reasons[1]
    assert all(r == {disclosure.REASON_GROUP} for r in reasons[0].values()), reasons
