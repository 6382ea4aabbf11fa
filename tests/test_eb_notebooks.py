"""The ekonomiskt bistånd chapters on requirements, ill-health and violence recover the effects
planted in the synthetic data (data/synthetic/README.md, values in planted.json).

Each chapter compares several yes/no outcomes between women and men and publishes simultaneous
(Bonferroni) intervals over its outcomes, crude and adjusted. Asserted: every published interval
covers its planted crude and adjusted value; a gap planted as non-zero is found (the interval
excludes 0 on the planted side); the outcome planted with no sex effect (coordination with
health care) covers 0 and the chapter says in words that there is no clear difference; each
comparison rests on exactly the rows the planted value is over."""
from __future__ import annotations


import nbformat
import pytest

from jamtools.present import results as results_mod

EB = ("eb_01_krav", "eb_02_ohalsa", "eb_05_vald_i_nara_relation")


@pytest.fixture(scope="module")
def eb_run(synthetic_run):
    return synthetic_run


@pytest.fixture(scope="module")
def eb_results(eb_run):
    return {nb: results_mod.read(eb_run / "results" / f"{nb}.json") for nb in EB}


def _rd(res, outcome, adjusted):
    [row] = [c for c in res["comparisons"] if c["outcome"] == outcome
             and c["measure"] == "risk_difference_pp" and c["adjusted"] is adjusted]
    return row


def _covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def _check_family(res, truth, covariates, *, planted_zero=()):
    """Every outcome of ``truth`` (a question's planted values): crude and adjusted intervals
    cover the planted values, are simultaneous over the question's outcomes, rest on the
    planted rows, and find the gap on the planted side unless it is planted as zero."""
    outcomes = [k for k in truth if k != "model"]
    for outcome in outcomes:
        planted = truth[outcome]
        for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
            row = _rd(res, outcome, adjusted)
            where = f"{outcome} ({'adjusted' if adjusted else 'crude'})"
            assert not row["suppressed"], where
            assert _covers(row, planted[key]), (where, row["estimate"], row["ci_low"], row["ci_high"],
                                                planted[key])
            assert row["conf_level"] == pytest.approx(1 - 0.05 / len(outcomes)), where
            assert row["n_a"] + row["n_b"] == planted["rows"], where
            if outcome in planted_zero:
                assert planted[key] == 0.0 and _covers(row, 0.0), where
            elif planted[key] > 0:
                assert row["ci_low"] > 0, where
            else:
                assert row["ci_high"] < 0, where
        assert set(_rd(res, outcome, True)["adjusted_for"]) == set(covariates), outcome


def test_eb_01_requirements(eb_results, planted):
    """Women get activity and job-search requirements less often, also at equal household,
    ill-health and age group; among those with a requirement men are sanctioned more often."""
    _check_family(eb_results["eb_01_krav"], planted["eb_01_krav"],
                  {"hushallstyp", "ohalsa", "aldersgrupp"})


def test_eb_02_ill_health(eb_results, planted):
    """Among clients with ill-health: adapted planning more often for women, a sick note less
    often; coordination with health care has no planted sex effect and none is reported."""
    _check_family(eb_results["eb_02_ohalsa"], planted["eb_02_ohalsa"], {"hushallstyp", "aldersgrupp"},
                  planted_zero=("samordning_varden",))


def test_eb_05_violence(eb_results, planted):
    """Women are asked about violence more often; among those asked, violence is identified
    more often for women."""
    _check_family(eb_results["eb_05_vald_i_nara_relation"], planted["eb_05_vald_i_nara_relation"],
                  {"hushallstyp", "aldersgrupp"})


def test_every_comparison_says_how_p_values_were_adjusted(eb_results):
    for nb, res in eb_results.items():
        assert res["comparisons"], nb
        assert {c["p_adjust_method"] for c in res["comparisons"]} == {"Holm"}, nb


def _markdown_outputs(path):
    nb = nbformat.read(path, as_version=4)
    return [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]


def test_eb_02_says_there_is_no_clear_difference_in_coordination(eb_run):
    """The chapter's own words for the outcome with no planted effect: no clear difference,
    crude and adjusted, and how large a difference the data could have detected."""
    texts = _markdown_outputs(eb_run / "notebooks" / "eb_02_ohalsa.ipynb")
    [coordination] = [t for t in texts if t.startswith("Av kvinnornas planeringar samordnades")]
    assert coordination.count("det finns ingen tydlig skillnad mellan kvinnor och män") == 2
    assert "kunnat upptäckas" in coordination
    [summary] = [t for t in texts if t.startswith("- **")]
    line = next(x for x in summary.splitlines() if x.startswith("- **Samordning"))
    assert line.count("ingen tydlig skillnad") == 2 and "tydligt" not in line
