"""Ekonomiskt bistånd: the four synthetic tables load and link, and the library's methods
recover every planted value (crude and adjusted, per question), from eb_01 to eb_07 and r4_04.

Within a question the intervals are simultaneous (Bonferroni over the question's checks,
``stats.bonferroni_level``), so one seed is a fair test of the whole family."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from jamtools import data, stats

LEVELS = ("kvinna", "man")


@pytest.fixture(scope="module")
def eb(demo):
    out, truth = demo
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no dangling reference, no unknown sex code
        tables = {name: data.load_table(name, data_dir=out).data
                  for name in ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall")}
    plan = tables["eb_planering"]
    plan["aldersgrupp"] = (plan["alder"] // 10).astype(str)
    return tables, truth


def _covers(row, value):
    return row.ci_low <= value <= row.ci_high


def _crude(frame, outcome, conf):
    return stats.compare_groups(frame, "kon", levels=LEVELS, outcome=outcome, conf_level=conf).iloc[0]


def test_tables_link_and_follow_the_process(eb):
    t, _ = eb
    kl, plan, ins, utf = (t[k] for k in ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall"))
    granted = set(kl.loc[kl.bistand_beviljat.astype(bool), "person_id"])
    assert set(plan.person_id) <= granted and set(utf.person_id) == granted
    assert set(ins.planering_id) <= set(plan.planering_id)
    # Columns that concern some clients only are empty for the others.
    assert plan.loc[plan.ohalsa == False, "krav_sjukintyg"].isna().all()  # noqa: E712
    assert plan.loc[plan.antal_barn == 0, "undantag_barnomsorg"].isna().all()
    assert plan.loc[plan.aktivitetskrav == False, "sanktion"].isna().all()  # noqa: E712
    assert utf.loc[utf.avslutsorsak == "pagaende", "slutdatum"].isna().all()
    assert (utf.loc[utf.sjalvforsorjande == True, "avslutsorsak"] == "sjalvforsorjande").all()  # noqa: E712
    couples = kl[kl.hushall_id.duplicated(keep=False)]
    assert len(couples) > 100 and (couples.groupby("hushall_id").kon.nunique() == 2).all()


def test_eb_01_requirements(eb):
    t, truth = eb
    plan, q = t["eb_planering"], truth["eb_01_krav"]
    conf = stats.bonferroni_level(0.95, 4)
    covs = ["hushallstyp", "ohalsa", "aldersgrupp"]
    for outcome in ("aktivitetskrav", "krav_arbetssokande"):
        counts = stats.collapse(plan, outcome, ["kon", *covs])
        assert _covers(stats.adjusted_difference(counts, "kon", covs,
                                                 levels=LEVELS, conf_level=conf).iloc[0],
                       q[outcome]["adjusted_rd_pp"]), outcome
    assert _covers(_crude(plan, "aktivitetskrav", conf), q["aktivitetskrav"]["crude_rd_pp"])
    with_req = plan[plan.sanktion.notna()]
    assert len(with_req) == q["sanktion"]["rows"]
    assert _covers(_crude(with_req, "sanktion", conf), q["sanktion"]["crude_rd_pp"])


def test_eb_02_ill_health(eb):
    t, truth = eb
    ill = t["eb_planering"].query("ohalsa == True")
    conf = stats.bonferroni_level(0.95, 3)
    for outcome, planted in truth["eb_02_ohalsa"].items():
        assert len(ill) == planted["rows"]
        assert _covers(_crude(ill, outcome, conf), planted["crude_rd_pp"]), outcome


def test_eb_03_interventions_offered(eb):
    t, truth = eb
    plan, ins = t["eb_planering"], t["eb_insatser"]
    offered = pd.crosstab(ins.planering_id, ins.insatstyp).clip(upper=1)
    wide = plan.set_index("planering_id").join(offered).fillna({c: 0 for c in offered.columns})
    types = [k for k in truth["eb_03_insatser"] if k != "model"]
    conf = stats.bonferroni_level(0.95, len(types))
    for insatstyp in types:
        rows = wide[wide.fodd_i_sverige == False] if insatstyp == "sfi" else wide  # noqa: E712
        planted = truth["eb_03_insatser"][insatstyp]
        assert len(rows) == planted["rows"]
        counts = stats.collapse(rows, insatstyp, ["kon", "ohalsa"])
        adj = stats.adjusted_difference(counts, "kon", ["ohalsa"],
                                        levels=LEVELS, conf_level=conf).iloc[0]
        assert _covers(adj, planted["adjusted_rd_pp"]), insatstyp


def test_eb_04_parents_and_couples(eb):
    t, truth = eb
    q = truth["eb_04_foraldraansvar"]
    parents = t["eb_planering"].query("antal_barn > 0").copy()
    parents["barn"] = parents.antal_barn.clip(upper=3).astype(str)
    conf = stats.bonferroni_level(0.95, 3)
    counts = stats.collapse(parents, "undantag_barnomsorg", ["kon", "hushallstyp", "barn"])
    adj = stats.adjusted_difference(counts, "kon", ["hushallstyp", "barn"],
                                    levels=LEVELS, conf_level=conf).iloc[0]
    assert _covers(adj, q["undantag_barnomsorg"]["adjusted_rd_pp"])
    assert _covers(_crude(parents, "foraldraledighet_planerad", conf),
                   q["foraldraledighet_planerad"]["crude_rd_pp"])
    # Within couples (same household and children): mother minus father, paired.
    pairs = parents[parents.hushall_id.duplicated(keep=False)].pivot(
        index="hushall_id", columns="kon", values="undantag_barnomsorg").astype(float)
    assert len(pairs) == q["within_couples"]["couples_both_planned"]
    ci = sps.ttest_1samp(100 * (pairs.kvinna - pairs.man), 0).confidence_interval(conf)
    assert ci.low <= q["within_couples"]["undantag_barnomsorg_rd_pp"] <= ci.high and ci.low > 0


def test_eb_05_violence(eb):
    t, truth = eb
    plan, q = t["eb_planering"], truth["eb_05_vald_i_nara_relation"]
    conf = stats.bonferroni_level(0.95, 2)
    assert _covers(_crude(plan, "fragat_om_vald", conf), q["fragat_om_vald"]["crude_rd_pp"])
    asked = plan[plan.vald_identifierat.notna()]
    assert len(asked) == q["vald_identifierat"]["rows"]
    assert _covers(_crude(asked, "vald_identifierat", conf), q["vald_identifierat"]["crude_rd_pp"])


def test_eb_06_self_sufficiency_with_competing_ends(eb):
    t, truth = eb
    utf, q = t["eb_utfall"], truth["eb_06_sjalvforsorjning"]
    conf = stats.bonferroni_level(0.95, 2)
    hr = stats.cox_hazard_ratio(utf, "dagar", "sjalvforsorjande", "kon", ["hushallstyp"], levels=LEVELS,
                                conf_level=conf).iloc[0]
    assert hr.ci_low <= q["hazard_ratio"] <= hr.ci_high < 1
    assert _covers(_crude(utf, "forflyttning", conf), q["forflyttning"]["crude_rd_pp"])
    assert utf.sjalvforsorjande.mean() == pytest.approx(q["share_self_sufficient"], abs=1e-4)


def test_eb_07_process_map(eb):
    t, truth = eb
    kl, plan, ins, utf = (t[k] for k in ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall"))
    steps = {
        "bistand_beviljat": kl.assign(y=kl.bistand_beviljat.astype(int)),
        "planering": utf.assign(y=utf.person_id.isin(plan.person_id).astype(int)),
        "insats": plan.assign(y=plan.planering_id.isin(ins.planering_id).astype(int)),
        "sjalvforsorjande": utf.assign(y=utf.sjalvforsorjande.astype(int)),
    }
    conf = stats.bonferroni_level(0.95, len(steps))
    for step, frame in steps.items():
        planted = truth["eb_07_processkarta"][step]
        assert len(frame) == planted["rows"]
        assert _covers(_crude(frame, "y", conf), planted["crude_rd_pp"]), step


def test_r4_04_intersectional_groups(eb):
    t, truth = eb
    utf = t["eb_utfall"].copy()
    utf["fodelse"] = np.where(utf.fodd_i_sverige.astype(bool), "fodd_i_sverige", "utrikes_fodd")
    groups = truth["r4_04_olika_grupper"]["true_percent_by_group"]
    shares = stats.share_by_group(utf, outcome="forflyttning", by=["fodelse"],
                                  conf_level=stats.bonferroni_level(0.95, len(groups)))
    for row in shares.itertuples():
        assert 100 * row.ci_low <= groups[f"{row.kon}|{row.fodelse}"] <= 100 * row.ci_high
    # The planted interaction: women born abroad are furthest from self-sufficiency.
    assert min(groups, key=groups.get) == "kvinna|utrikes_fodd"
