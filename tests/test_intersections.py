"""Intersectional groups (jamtools.chapters.intersections): the interaction model against values computed
by hand from a 2 × 2 × 2 table, and the small-group protection of the group tables."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters import intersections as ix

Z = 1.959963984540054


def _rows(cells: dict, **extra) -> pd.DataFrame:
    """{(sex, factor): (n, events)} as one row per person with a 0/1 outcome."""
    parts = []
    for (sex, f), (n, ev) in cells.items():
        parts.append(pd.DataFrame({"kon": sex, "land": f, "utfall": [1] * ev + [0] * (n - ev)}))
    d = pd.concat(parts, ignore_index=True)
    for k, v in extra.items():
        d[k] = v(d) if callable(v) else v
    return d


CELLS = {("kvinna", "A"): (100, 60), ("man", "A"): (100, 50),
         ("kvinna", "B"): (80, 20), ("man", "B"): (120, 60)}


def test_saturated_interaction_by_hand():
    """Without covariates the model is saturated. In A: 60 % − 50 % = +10 pp; in B: 25 % − 50 %
    = −25 pp; difference in differences −35 pp with se √Σ p(1−p)/n. Odds ratios: A 1.5, B 1/3,
    their ratio 2/9 with se of the log √Σ 1/cell over the eight cells (Woolf)."""
    out = ix.interaction_effect(_rows(CELLS), "utfall", factor="land", factor_levels=("A", "B"))
    rd = out[out["measure"] == "risk_difference_pp"].set_index("comparison")
    assert rd.loc["kvinna − man, A", "estimate"] == pytest.approx(10.0)
    assert rd.loc["kvinna − man, B", "estimate"] == pytest.approx(-25.0)
    se_a = math.sqrt(0.24 / 100 + 0.25 / 100)
    assert rd.loc["kvinna − man, A", "ci_high"] == pytest.approx(10 + 100 * Z * se_a, rel=1e-6)
    [did] = out[out["measure"] == ix.INTERACTION_PP].to_dict("records")
    se = math.sqrt(0.24 / 100 + 0.25 / 100 + 0.1875 / 80 + 0.25 / 120)
    assert did["estimate"] == pytest.approx(-35.0)
    assert did["ci_low"] == pytest.approx(-35 - 100 * Z * se, rel=1e-6)
    assert did["n_a"] == 180 and did["n_b"] == 220 and not did["adjusted"]
    [orr] = out[out["measure"] == ix.INTERACTION_OR].to_dict("records")
    se_log = math.sqrt(sum(1 / v for v in (60, 40, 50, 50, 20, 60, 60, 60)))
    assert orr["estimate"] == pytest.approx(2 / 9)
    assert orr["ci_high"] == pytest.approx(2 / 9 * math.exp(Z * se_log), rel=1e-6)
    assert orr["p_value"] == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(abs(math.log(2 / 9)) / se_log
                                                                        / math.sqrt(2)))), rel=1e-6)
    assert did["p_value"] == orr["p_value"]


def test_interaction_with_a_covariate_that_does_not_matter():
    """A covariate independent of everything (half of each cell) leaves the estimates equal to
    the saturated ones; the rows say what they were adjusted for."""
    d = _rows(CELLS, extra=lambda t: np.where(np.arange(len(t)) % 2 == 0, "x", "y"))
    d = d.rename(columns={"extra": "grupp"})
    out = ix.interaction_effect(d, "utfall", factor="land", factor_levels=("A", "B"), covariates=["grupp"])
    did = out[out["measure"] == ix.INTERACTION_PP].iloc[0]
    assert did["adjusted"] and did["adjusted_for"] == "grupp"
    assert did["estimate"] == pytest.approx(-35.0, abs=0.5)


def test_interaction_recovers_a_planted_log_odds_in_simulation():
    """logit p = 0.5 − 0.2·woman − 0.3·B − 0.6·woman·B: the 95 % interval of e^β_gf covers
    e^−0.6 in about 95 % of 300 samples of 2 000."""
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(300):
        w = rng.random(2000) < 0.5
        bb = rng.random(2000) < 0.6
        p = 1 / (1 + np.exp(-(0.5 - 0.2 * w - 0.3 * bb - 0.6 * w * bb)))
        d = pd.DataFrame({"kon": np.where(w, "kvinna", "man"), "land": np.where(bb, "B", "A"),
                          "utfall": (rng.random(2000) < p).astype(int)})
        r = ix.interaction_effect(d, "utfall", factor="land", factor_levels=("A", "B"))
        r = r[r["measure"] == ix.INTERACTION_OR].iloc[0]
        hits += r["ci_low"] <= math.exp(-0.6) <= r["ci_high"]
    assert 0.91 <= hits / 300 <= 0.98


def test_empty_group_gives_warning_rows():
    cells = dict(CELLS)
    cells[("kvinna", "B")] = (10, 0)  # no one in the group has the outcome
    with pytest.warns(UserWarning):
        out = ix.interaction_effect(_rows(cells), "utfall", factor="land", factor_levels=("A", "B"))
    assert out["estimate"].isna().all() and (out["warning"] == ix.MSG_TOO_FEW).all()


def test_group_shares_hide_small_groups_and_their_complements():
    """Sex × country × household: one group of 3 women is hidden (primary); then at least one
    more group in its row and column is hidden, so the 3 cannot be recovered from the totals."""
    d = _rows(CELLS)
    d["hushall"] = np.where(np.arange(len(d)) % 3 == 0, "ensam", "sambo")
    small = pd.DataFrame({"kon": "kvinna", "land": "C", "utfall": [1, 0, 1], "hushall": "ensam"})
    big = pd.DataFrame({"kon": "man", "land": "C", "utfall": [1, 0] * 20, "hushall": "ensam"})
    d = pd.concat([d, small, big], ignore_index=True)
    out = ix.group_shares(d, "utfall", ["land", "hushall"], threshold=5)
    assert len(out) == 3 * 2 * 2  # every combination, the two empty ones in C too
    hidden = out[out["suppressed"]]
    # the small group and the two empty ones hidden (with their complements), all with one
    # reason (tests/disclosure/test_one_reason.py)
    assert {("C", "ensam", "kvinna"), ("C", "sambo", "kvinna"), ("C", "sambo", "man")} <= set(
        zip(hidden["land"], hidden["hushall"], hidden["kon"]))
    assert set(hidden["suppression_reason"]) == {disclosure.REASON_HIDDEN}
    assert len(hidden) >= 2
    assert hidden["share"].isna().all() and hidden["n"].isna().all()
    shown = out[~out["suppressed"]]
    assert (shown["n"] >= 5).all()


def test_detail_overview_counts_groups():
    """Sex alone: 2 groups, none hidden. Sex × country × household with a group of 3: 2·3·2 =
    12 possible groups; the two in C living together (nobody) are hidden as small ones, and
    no count of empty groups tells them apart."""
    d = _rows(CELLS)
    d["hushall"] = np.where(np.arange(len(d)) % 3 == 0, "ensam", "sambo")
    d = pd.concat([d, pd.DataFrame({"kon": "kvinna", "land": "C", "utfall": [1, 0, 1], "hushall": "ensam"}),
                   pd.DataFrame({"kon": "man", "land": "C", "utfall": [1, 0] * 20, "hushall": "sambo"})],
                  ignore_index=True)
    ov = ix.detail_overview(d, "utfall", {"kön": [], "alla": ["land", "hushall"]}, threshold=5)
    first, last = ov.iloc[0], ov.iloc[1]
    assert (first["grupper"], first["visas"], first["dolda"]) == (2, 2, 0)
    assert first["andel_i_dolda"] == 0
    assert "tomma" not in ov
    assert last["grupper"] == 12
    assert last["dolda"] >= 4  # three small or empty, and at least one protecting them
    assert last["visas"] + last["dolda"] == 12
    # no split of the hidden groups into small and protecting (it would bound the '..')
    assert not {"dolda_sma", "dolda_skydd"} & set(ov.columns)
    hidden_share = last["andel_i_dolda"]
    assert 3 / len(d) <= hidden_share < 1


def test_intersection_analysis_hides_the_interaction_when_a_group_is_hidden():
    cells = dict(CELLS)
    cells[("kvinna", "B")] = (4, 2)
    res = ix.intersection_analysis(_rows(cells), "utfall", factor="land", factor_levels=("A", "B"),
                                   threshold=5)
    assert res.shares.set_index(["land", "kon"]).loc[("B", "kvinna"), "suppressed"]
    crude = res.crude.set_index("comparison")
    assert crude.loc["kvinna − man, B", "suppressed"]
    # The hidden group needs a complement (the women's total is published), so a group in A is
    # hidden too, and with it A's comparison: no comparison rests on a hidden group.
    hidden_a = res.shares[(res.shares["land"] == "A") & res.shares["suppressed"]]
    assert len(hidden_a) >= 1 and crude.loc["kvinna − man, A", "suppressed"]
    assert res.crude_interaction["suppressed"].all()
    assert res.crude_interaction["estimate"].isna().all()
    text = ix.describe_interaction(res, factor_levels=("A", "B"), factor_labels={}, outcome_text="x")
    assert "visas inte" in text


# --- An empty group reads as a small one -------------------------------------------------------

HOUSEHOLDS = ("ensam", "sambo", "familj")


def _crossing(empty: str, one: str) -> pd.DataFrame:
    """Birth country × household × sex, 20 (10 with the outcome) in every group but two
    foreign-born men's: nobody living ``empty``, one man living ``one``."""
    parts = []
    for land in ("inrikes_fodd", "utrikes_fodd"):
        for h in HOUSEHOLDS:
            for sex in ("kvinna", "man"):
                n = 20
                if (land, sex) == ("utrikes_fodd", "man"):
                    n = {empty: 0, one: 1}.get(h, 20)
                parts.append(pd.DataFrame({"kon": sex, "fodelseland": land, "hushall": h,
                                           "utfall": ([1, 0] * 10)[:n]}))
    return pd.concat(parts, ignore_index=True)


def _rendered(shares: pd.DataFrame):
    from jamtools.present import report
    from jamtools.present.sentences import shares_alt

    shares = shares.assign(grupp=ix.group_labels(shares, ["fodelseland", "hushall"]))
    table = report.share_table(shares.drop(columns="grupp"), outcome_label="Andel med utfallet")
    return table, shares_alt(shares, what="Andel med utfallet", by="grupp")


def test_an_empty_group_reads_as_a_group_of_one_in_the_table_and_the_alt_text():
    """A probe: a foreign-born man living alone was a row of its own (hidden), and a household
    type with no foreign-born man had no row, so the rows told who exists. Now every
    combination is a row; the empty one and the one with 1 person read alike (``..``, "färre
    än 5"), and moving the one man from one household to the other changes nothing a reader
    sees."""
    levels = {"hushall": HOUSEHOLDS}
    a = ix.group_shares(_crossing(empty="ensam", one="sambo"), "utfall", ["fodelseland", "hushall"],
                        threshold=5, levels=levels)
    b = ix.group_shares(_crossing(empty="sambo", one="ensam"), "utfall", ["fodelseland", "hushall"],
                        threshold=5, levels=levels)
    assert len(a) == len(b) == 2 * 3 * 2
    table_a, alt_a = _rendered(a)
    table_b, alt_b = _rendered(b)
    def at(h):
        [k] = np.flatnonzero((a["fodelseland"] == "utrikes_fodd") & (a["kon"] == "man") & (a["hushall"] == h))
        return table_a.frame.iloc[k, 3:]  # what the table says beside the group's name
    empty_row, one_row = at("ensam"), at("sambo")
    assert empty_row.tolist() == one_row.tolist()
    assert empty_row["Andel med utfallet"] == ".." and empty_row["Anmärkning"] == disclosure.REASON_HIDDEN
    pd.testing.assert_frame_equal(table_a.frame, table_b.frame)
    assert table_a.note == table_b.note
    assert alt_a == alt_b
    for frame in (a, b):  # no hidden row says it holds someone
        assert not frame.loc[frame["suppressed"], "all_or_none"].any()


def test_an_empty_group_reads_as_a_group_of_one_in_the_sentences_and_the_results():
    """The sex × country table of the chapter: foreign-born men none, or one. The shares, the
    comparisons (as the results JSON writes them) and the sentences are the same."""
    from jamtools.present.results import Results
    from types import SimpleNamespace

    def analysed(men_abroad: int):
        cells = {("kvinna", "inrikes_fodd"): (40, 20), ("man", "inrikes_fodd"): (40, 25),
                 ("kvinna", "utrikes_fodd"): (30, 12), ("man", "utrikes_fodd"): (men_abroad, men_abroad)}
        d = _rows(cells).rename(columns={"land": "fodelseland"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ix.intersection_analysis(d, "utfall", factor="fodelseland",
                                           factor_levels=("inrikes_fodd", "utrikes_fodd"), threshold=5)
        params = SimpleNamespace(organisation="x", period_start=None, period_end=None,
                                 conf_level=0.95, threshold=5, results_path=None)
        out = Results("r4_04", params, question="?")
        out.add_comparisons(pd.concat([res.crude, res.crude_interaction, res.adjusted]))
        words = ix.describe_interaction(res, factor_levels=("inrikes_fodd", "utrikes_fodd"),
                                        factor_labels=ix.BIRTH_TEXT, outcome_text="utfallet")
        return res, out.data, words

    none, one = analysed(0), analysed(1)
    assert len(none[0].shares) == 4
    pd.testing.assert_frame_equal(none[0].shares, one[0].shares)
    assert none[1] == one[1]
    assert none[2] == one[2]
    man_abroad = none[0].shares.set_index(["kon", "fodelseland"]).loc[("man", "utrikes_fodd")]
    assert bool(man_abroad["suppressed"]) and man_abroad["suppression_reason"] == disclosure.REASON_HIDDEN
