"""The ekonomiskt bistånd chapters on interventions, parental responsibility, self-sufficiency
and the process map recover the effects planted in the synthetic data (data/synthetic/README.md,
values in planted.json).

Each chapter publishes simultaneous (Bonferroni) intervals over its comparisons. Asserted: every
published interval covers its planted value (crude and adjusted); a gap planted as non-zero is
found (the interval excludes 0 on the planted side) where this seed's data can resolve it at the
simultaneous level; outcomes planted with no sex effect cover 0 and the chapter says in words
that there is no clear difference; each comparison rests on exactly the rows the planted value
is over. The within-couple comparison covers the planted within-couple gap; the Cox hazard
ratio's interval covers the planted 0.75 and excludes 1."""
from __future__ import annotations


import nbformat
import pytest

from jamtools.present import results as results_mod

EB = ("eb_03_insatser", "eb_04_foraldraansvar", "eb_06_sjalvforsorjning", "eb_07_processkarta")


@pytest.fixture(scope="module")
def eb_run(synthetic_run):
    return synthetic_run


@pytest.fixture(scope="module")
def eb_results(eb_run):
    return {nb: results_mod.read(eb_run / "results" / f"{nb}.json") for nb in EB}


def _row(res, outcome, *, adjusted, measure="risk_difference_pp"):
    [row] = [c for c in res["comparisons"] if c["outcome"] == outcome
             and c["measure"] == measure and c["adjusted"] is adjusted]
    return row


def _covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def _found(row, planted):
    return row["ci_low"] > 0 if planted > 0 else row["ci_high"] < 0


def _markdown_outputs(path):
    nb = nbformat.read(path, as_version=4)
    return [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]


def test_eb_03_offers_by_type(eb_results, eb_run, planted):
    """Six types, simultaneous over the six, adjusted for ill-health; sfi among those born
    abroad. Found at this seed: fewer labour-market programmes for women (crude and adjusted),
    fewer work placements (adjusted; crude −4.8, interval −9.6 to 0.1), more debt counselling.
    Studies (+5.5 planted) lie below what the simultaneous 99.2 % intervals resolve with these
    numbers (the chapter says a gap of about 6 pp could have been detected): covered, not found.
    Sfi and support for ill-health carry no planted effect: both cover 0, and the chapter says
    there is no clear difference."""
    truth, res = planted["eb_03_insatser"], eb_results["eb_03_insatser"]
    types = [k for k in truth if k != "model"]
    found = {("arbetsmarknadsinsats", False), ("arbetsmarknadsinsats", True), ("praktik", True),
             ("budget_och_skuldradgivning", False), ("budget_och_skuldradgivning", True)}
    for typ in types:
        for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
            row, value = _row(res, typ, adjusted=adjusted), truth[typ][key]
            where = (typ, adjusted, row["estimate"], row["ci_low"], row["ci_high"], value)
            assert not row["suppressed"] and _covers(row, value), where
            assert row["conf_level"] == pytest.approx(1 - 0.05 / len(types)), where
            assert row["n_a"] + row["n_b"] == truth[typ]["rows"], where
            if (typ, adjusted) in found:
                assert _found(row, value), where
        assert _row(res, typ, adjusted=True)["adjusted_for"] == ["ohalsa"]
    for typ in ("sfi", "stod_vid_ohalsa"):
        assert truth[typ]["adjusted_rd_pp"] == 0.0 and _covers(_row(res, typ, adjusted=True), 0.0)
        assert _covers(_row(res, typ, adjusted=False), 0.0)
    texts = _markdown_outputs(eb_run / "notebooks" / "eb_03_insatser.ipynb")
    for title in ("**Svenska för invandrare (sfi).**", "**Stöd vid ohälsa.**"):
        [text] = [t for t in texts if t.startswith(title)]
        assert "det finns ingen tydlig skillnad mellan kvinnor och män" in text
        assert "kunnat upptäckas" in text
    [summary] = [t for t in texts if t.startswith("- **")]
    line = next(x for x in summary.splitlines() if x.startswith("- **Arbetsmarknadsinsats"))
    assert line.count("tydligt lägre för kvinnor") == 2


def test_eb_04_parents_and_couples(eb_results, eb_run, planted):
    """Among parents, mothers are exempted from activity for childcare and have parental leave
    raised more often, crude and at equal household type and number of children; within the
    couples where both parents have a planning the mother is exempted more often than the
    father (paired, Newcombe interval). The planted parental-leave model has no household term,
    so its within-couple gap equals the planted adjusted one."""
    truth, res = planted["eb_04_foraldraansvar"], eb_results["eb_04_foraldraansvar"]
    for outcome in ("undantag_barnomsorg", "foraldraledighet_planerad"):
        for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
            row, value = _row(res, outcome, adjusted=adjusted), truth[outcome][key]
            where = (outcome, adjusted, row["estimate"], row["ci_low"], row["ci_high"], value)
            assert _covers(row, value) and _found(row, value), where
            assert row["conf_level"] == pytest.approx(1 - 0.05 / 4), where
            assert row["n_a"] + row["n_b"] == truth[outcome]["rows"], where
        assert set(_row(res, outcome, adjusted=True)["adjusted_for"]) == {"hushallstyp", "antal_barn"}
    couples = truth["within_couples"]
    pair = _row(res, "undantag_barnomsorg", adjusted=True, measure="paired_difference_pp")
    assert pair["n_a"] == pair["n_b"] == couples["couples_both_planned"]
    assert _covers(pair, couples["undantag_barnomsorg_rd_pp"]) and pair["ci_low"] > 0, pair
    assert pair["conf_level"] == pytest.approx(1 - 0.05 / 4) and pair["test"] == "McNemars test"
    leave = _row(res, "foraldraledighet_planerad", adjusted=True, measure="paired_difference_pp")
    assert _covers(leave, truth["foraldraledighet_planerad"]["adjusted_rd_pp"]), leave
    texts = _markdown_outputs(eb_run / "notebooks" / "eb_04_foraldraansvar.ipynb")
    [text] = [t for t in texts if "paren undantogs bara mamman" in t]
    assert f"av de {couples['couples_both_planned']} paren" in text and "tydligt oftare mamman" in text


def test_eb_06_self_sufficiency(eb_results, planted):
    """Women become self-sufficient more slowly: the Cox hazard ratio adjusted for household
    type (other ends censored: the cause-specific hazard that was planted) covers 0.75 and
    excludes 1; the log-rank test finds the curves different. Women move towards
    self-sufficiency less often (crude and at equal household and country of birth), and fewer
    become self-sufficient within the follow-up (the planted values of the process map's step
    over the same rows)."""
    truth, res = planted["eb_06_sjalvforsorjning"], eb_results["eb_06_sjalvforsorjning"]
    conf = 1 - 0.05 / 3
    hr = _row(res, "sjalvforsorjande", adjusted=True, measure="hazard_ratio")
    assert hr["ci_low"] <= truth["hazard_ratio"] <= hr["ci_high"] < 1, hr
    assert hr["adjusted_for"] == truth["adjusted_for"] and hr["conf_level"] == pytest.approx(conf)
    [logrank] = [c for c in res["comparisons"] if c["measure"] == "logrank_chi2"]
    assert logrank["p_value"] < 0.001
    move = truth["forflyttning"]
    for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
        row = _row(res, "forflyttning", adjusted=adjusted)
        assert _covers(row, move[key]) and _found(row, move[key]), row
        assert row["n_a"] + row["n_b"] == move["rows"] and row["conf_level"] == pytest.approx(conf)
    selfs = planted["eb_07_processkarta"]["sjalvforsorjande"]
    for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
        row = _row(res, "sjalvforsorjande", adjusted=adjusted)
        assert _covers(row, selfs[key]) and _found(row, selfs[key]), row
    crude = _row(res, "sjalvforsorjande", adjusted=False)
    assert (crude["events_a"] + crude["events_b"]) / selfs["rows"] == pytest.approx(
        truth["share_self_sufficient"], abs=1e-4)


def test_eb_06_curves_are_disclosed_and_explained(eb_run):
    nb = nbformat.read(eb_run / "notebooks" / "eb_06_sjalvforsorjning.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Censurering" in text and "Konkurrerande avslut" in text and "Röjandekontroll" in text
    html = [o["data"]["text/html"] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    [table] = [h for h in html if "1 − Kaplan–Meier" in h]
    assert "Två år" in table and "jamtools-disclosed" in table


def test_eb_07_process_map(eb_results, planted):
    """Equal decisions; women (mothers) get a planning less often and become self-sufficient
    less often, crude and at equal household type; the intervention step (−2.6 pp planted) is
    covered but too small to resolve here."""
    truth, res = planted["eb_07_processkarta"], eb_results["eb_07_processkarta"]
    for step in ("bistand_beviljat", "planering", "insats", "sjalvforsorjande"):
        for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
            row = _row(res, step, adjusted=adjusted)
            where = (step, adjusted, row["estimate"], row["ci_low"], row["ci_high"], truth[step][key])
            assert _covers(row, truth[step][key]), where
            assert row["n_a"] + row["n_b"] == truth[step]["rows"], where
            assert row["conf_level"] == pytest.approx(1 - 0.05 / 5), where
            if step in ("planering", "sjalvforsorjande"):
                assert _found(row, truth[step][key]), where
    assert truth["bistand_beviljat"]["adjusted_rd_pp"] == 0.0
    assert _covers(_row(res, "bistand_beviljat", adjusted=True), 0.0)
    assert _covers(_row(res, "bistand_beviljat", adjusted=False), 0.0)
    whole = _row(res, "ansokan_till_sjalvforsorjande", adjusted=False)
    assert whole["n_a"] + whole["n_b"] == truth["bistand_beviljat"]["rows"]


def test_every_comparison_says_how_p_values_were_adjusted(eb_results):
    for nb, res in eb_results.items():
        assert res["comparisons"], nb
        assert {c["p_adjust_method"] for c in res["comparisons"]} == {"Holm"}, nb
