"""Synthetic ekonomiskt bistånd (social assistance) data with documented, planted effects.

Four linked tables, following the process ansökan -> beslut -> planering -> insats -> avslut:

- ``eb_klienter``: every client who applied, with household (cohabiting couples who are both
  clients share a ``hushall_id``), children, country of birth and the decision;
- ``eb_planering``: one planning per granted client who got one: requirements, ill-health,
  parenthood, screening for violence;
- ``eb_insatser``: the interventions offered at the planning, one row per offer;
- ``eb_utfall``: time from the start to self-sufficiency (competing with other ends and
  censored at the end of follow-up), reason for ending, movement towards self-sufficiency.

Levels follow Malmö's Hela familjen 2.0 (817 participants, 187 became self-sufficient, about
23 %, and 479, about 59 %, moved towards self-sufficiency within the project's two years).

Every binary outcome is drawn from an explicit logistic model; the planted values are
computed from each row's true probabilities, as in ``bof.py``: the crude difference (mean true
probability among women minus among men, over the rows the question concerns) and the
adjusted one (the mean over those rows of the probability as a woman minus as a man). What
is planted, per question:

- eb_01: women get an activity requirement less often (log-odds ``WOMAN_REQUIREMENT``, at equal
  household, health and age) and a job-search requirement less often; men are sanctioned more
  often when they have a requirement;
- eb_02: among clients with ill-health, women more often get an adapted planning, men more
  often a demand for a sick note; coordination with health care has no sex effect;
- eb_03: women are offered labour-market programmes and work placements less often, studies
  and debt counselling more often; Swedish for immigrants (only for those born abroad) has no
  sex effect;
- eb_04: among parents, mothers are exempted from activity for childcare and have parental
  leave raised more often, also within cohabiting couples (same household, same children);
- eb_05: women are asked about violence more often; among those asked, violence is
  identified more often for women;
- eb_06: women become self-sufficient more slowly (cause-specific hazard ratio
  ``WOMAN_HAZARD_RATIO``; a Cox model with household as covariate, other ends as censoring, is
  correctly specified); movement towards self-sufficiency is least common for women born
  abroad (an interaction, for r4_04);
- eb_07: the process map: equal decisions, mothers get a planning less often, and the steps
  above.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools.data.model import EB_HOUSEHOLDS, EB_INSATS_TYPES

WOMAN_REQUIREMENT = -0.5
WOMAN_JOB_SEARCH = -0.4
MAN_SANCTION = 0.5
WOMAN_ADAPTED, WOMAN_SICK_NOTE = 0.6, -0.5
WOMAN_EXEMPT, WOMAN_PARENTAL_LEAVE = 1.2, 0.9
WOMAN_ASKED, WOMAN_IDENTIFIED = 0.9, 0.7
MOTHER_PLANNING = -0.6
WOMAN_HAZARD_RATIO = 0.75
FOLLOW_UP_DAYS = 730
# Log-odds of being offered each intervention type: intercept, woman, ill-health.
_INSATS_MODEL = {
    "arbetsmarknadsinsats": (0.2, -0.6, -0.8),
    "praktik": (-0.9, -0.4, -0.5),
    "studier": (-1.2, 0.3, -0.3),
    "sfi": (0.6, 0.0, 0.0),               # only for those born abroad
    "budget_och_skuldradgivning": (-1.4, 0.3, 0.0),
    "stod_vid_ohalsa": (-3.0, 0.0, 2.4),
}
UNITS = ("Centrum", "Norra", "Södra")
_HOUSEHOLD_P = {"kvinna": [0.30, 0.35, 0.10, 0.25], "man": [0.55, 0.07, 0.12, 0.26]}
_REQ_HOUSEHOLD = {"ensamstaende_utan_barn": 0.6, "ensamstaende_med_barn": -0.6,
                  "sammanboende_utan_barn": 0.4, "sammanboende_med_barn": -0.2}
_HAZ_HOUSEHOLD = {"ensamstaende_utan_barn": 0.0, "ensamstaende_med_barn": -0.4,
                  "sammanboende_utan_barn": 0.2, "sammanboende_med_barn": -0.1}
_BASE_HAZARD, _OTHER_END_HAZARD = 0.00052, 0.00030  # per day
_OTHER_ENDS = ("annan_ersattning", "flyttat", "ovrigt")


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gap(p_w, p_m, woman, rows=None) -> dict:
    """Crude and adjusted differences (percentage points) over ``rows`` from true probabilities."""
    rows = np.ones(len(woman), bool) if rows is None else rows
    p_w, p_m, woman = p_w[rows], p_m[rows], woman[rows]
    p_obs = np.where(woman, p_w, p_m)
    return {"crude_rd_pp": round(100 * float(p_obs[woman].mean() - p_obs[~woman].mean()), 4) + 0.0,
            "adjusted_rd_pp": round(100 * float((p_w - p_m).mean()), 4) + 0.0,
            "rows": int(rows.sum())}


def _bernoulli(rng, p, rows=None):
    """Draws for every row (so the stream does not depend on ``rows``); NA outside ``rows``."""
    drawn = (rng.random(len(p)) < p).astype(float)
    if rows is not None:
        drawn[~rows] = np.nan
    return pd.array(drawn, dtype="Int64")


def _dates(start, days):
    return pd.to_datetime(start + days.astype("timedelta64[D]")).strftime("%Y-%m-%d")


def generate(rng: np.random.Generator, scale: float = 1.0) -> tuple[dict[str, pd.DataFrame], dict]:
    n = int(round(3000 * scale))
    woman = rng.random(n) < 0.47  # 129 000 of 272 600 adult recipients in 2015
    sex = np.where(woman, "kvinna", "man")
    age = np.clip(np.round(rng.normal(38, 11, n)), 18, 75).astype(int)
    u = rng.random(n)
    hh_idx = np.zeros(n, int)
    for label, probs in _HOUSEHOLD_P.items():
        rows = sex == label
        hh_idx[rows] = np.searchsorted(np.cumsum(probs), u[rows], side="right").clip(0, 3)
    household = np.array(EB_HOUSEHOLDS)[hh_idx]
    with_children = hh_idx % 2 == 1
    single = hh_idx < 2
    children = np.where(with_children, 1 + rng.poisson(0.8, n), 0)
    born_sweden = rng.random(n) < 0.34  # about 66 % of adult recipients born abroad (2017)
    ill = rng.random(n) < 0.30
    start = np.datetime64("2023-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    unit = np.array(UNITS)[rng.integers(0, len(UNITS), n)]
    person = np.char.add("E", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    household_id = np.char.add("HH", np.char.zfill(np.arange(1, n + 1).astype(str), 7))

    # Cohabiting couples with children where both partners are clients: pair women and men of
    # that household type (half of them) into one household with the same children and unit.
    couple_w = np.flatnonzero(woman & (household == "sammanboende_med_barn"))
    couple_m = np.flatnonzero(~woman & (household == "sammanboende_med_barn"))
    k = min(len(couple_w), len(couple_m)) // 2
    couple_w, couple_m = couple_w[:k], couple_m[:k]
    household_id[couple_m] = household_id[couple_w]
    children[couple_m] = children[couple_w]
    unit[couple_m] = unit[couple_w]
    start[couple_m] = start[couple_w]

    # Step 1: the decision (no sex effect).
    p_grant = _expit(2.0 - 0.3 * (~single) + 0.2 * with_children) * np.ones(n)
    granted = rng.random(n) < p_grant
    klienter = pd.DataFrame({
        "person_id": person, "hushall_id": household_id, "kon": sex, "alder": age,
        "ansokningsdatum": _dates(start, np.zeros(n, int)), "enhet": unit, "hushallstyp": household,
        "antal_barn": children, "fodd_i_sverige": born_sweden.astype(int),
        "bistand_beviljat": granted.astype(int),
    })

    # Step 2: a planning for granted clients; mothers get one less often.
    lin_plan = 1.6 + 0.0 * woman
    p_plan_w, p_plan_m = _expit(lin_plan + MOTHER_PLANNING * with_children), _expit(lin_plan)
    planned = granted & (rng.random(n) < np.where(woman, p_plan_w, p_plan_m))

    hh_req = pd.Series(household).map(_REQ_HOUSEHOLD).to_numpy()
    lin_req = 0.8 + hh_req - 1.2 * ill - 0.02 * (age - 38)
    p_req_w, p_req_m = _expit(lin_req + WOMAN_REQUIREMENT), _expit(lin_req)
    requirement = rng.random(n) < np.where(woman, p_req_w, p_req_m)
    lin_job = 0.5 + hh_req - 1.0 * ill
    p_job_w, p_job_m = _expit(lin_job + WOMAN_JOB_SEARCH), _expit(lin_job)
    lin_sanc = -2.2 + 0.0 * age
    p_sanc_w, p_sanc_m = _expit(lin_sanc), _expit(lin_sanc + MAN_SANCTION)
    lin_adapt = 0.0 + 0.0 * age
    p_adapt_w, p_adapt_m = _expit(lin_adapt + WOMAN_ADAPTED), _expit(lin_adapt)
    lin_note = 0.3 + 0.0 * age
    p_note_w, p_note_m = _expit(lin_note + WOMAN_SICK_NOTE), _expit(lin_note)
    p_coord = _expit(-0.4 + 0.0 * age)
    lin_exempt = -1.4 + 0.5 * single + 0.3 * (children - 1)
    p_exempt_w, p_exempt_m = _expit(lin_exempt + WOMAN_EXEMPT), _expit(lin_exempt)
    lin_leave = -1.6 + 0.0 * age
    p_leave_w, p_leave_m = _expit(lin_leave + WOMAN_PARENTAL_LEAVE), _expit(lin_leave)
    lin_ask = -0.6 + 0.3 * with_children
    p_ask_w, p_ask_m = _expit(lin_ask + WOMAN_ASKED), _expit(lin_ask)
    asked = rng.random(n) < np.where(woman, p_ask_w, p_ask_m)
    lin_id = -1.8 + 0.0 * age
    p_id_w, p_id_m = _expit(lin_id + WOMAN_IDENTIFIED), _expit(lin_id)

    def obs(p_w, p_m):
        return np.where(woman, p_w, p_m)

    plan_day = rng.integers(7, 60, n)
    planering = pd.DataFrame({
        "planering_id": np.char.add("PL", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
        "person_id": person, "hushall_id": household_id, "kon": sex, "alder": age,
        "datum": _dates(start, plan_day), "enhet": unit, "hushallstyp": household,
        "antal_barn": children, "fodd_i_sverige": born_sweden.astype(int),
        "ohalsa": ill.astype(int), "aktivitetskrav": requirement.astype(int),
        "krav_arbetssokande": _bernoulli(rng, obs(p_job_w, p_job_m)),
        "sanktion": _bernoulli(rng, obs(p_sanc_w, p_sanc_m), requirement),
        "anpassad_planering": _bernoulli(rng, obs(p_adapt_w, p_adapt_m), ill),
        "krav_sjukintyg": _bernoulli(rng, obs(p_note_w, p_note_m), ill),
        "samordning_varden": _bernoulli(rng, p_coord, ill),
        "undantag_barnomsorg": _bernoulli(rng, obs(p_exempt_w, p_exempt_m), with_children),
        "foraldraledighet_planerad": _bernoulli(rng, obs(p_leave_w, p_leave_m), with_children),
        "fragat_om_vald": asked.astype(int),
        "vald_identifierat": _bernoulli(rng, obs(p_id_w, p_id_m), asked),
    })[planned].reset_index(drop=True)

    # Step 3: interventions offered at the planning (independent per type).
    offers, p_type = [], {}
    for t, (a, b, c) in _INSATS_MODEL.items():
        eligible = ~born_sweden if t == "sfi" else np.ones(n, bool)
        base = a + c * ill
        p_w, p_m = _expit(base + b) * eligible, _expit(base) * eligible
        p_type[t] = (p_w, p_m)
        offers.append(planned & (rng.random(n) < obs(p_w, p_m)))
    offered = np.column_stack(offers)
    rows, types = np.nonzero(offered)
    offer_day = plan_day[rows] + rng.integers(0, 30, len(rows))
    insatser = pd.DataFrame({
        "insats_id": np.char.add("EI", np.char.zfill(np.arange(1, len(rows) + 1).astype(str), 7)),
        "planering_id": planering.set_index("person_id")["planering_id"].reindex(person[rows]).to_numpy(),
        "person_id": person[rows], "kon": sex[rows], "alder": age[rows],
        "startdatum": _dates(start[rows], offer_day), "enhet": unit[rows],
        "insatstyp": np.array(EB_INSATS_TYPES)[types],
    })
    p_any_w = 1 - np.prod([1 - p_type[t][0] for t in EB_INSATS_TYPES], axis=0)
    p_any_m = 1 - np.prod([1 - p_type[t][1] for t in EB_INSATS_TYPES], axis=0)

    # Outcome: exponential time to self-sufficiency (hazard ratio for women, household effect)
    # competing with other ends (no sex effect), censored after FOLLOW_UP_DAYS.
    hh_haz = pd.Series(household).map(_HAZ_HOUSEHOLD).to_numpy()
    rate_m = _BASE_HAZARD * np.exp(hh_haz)
    rate_w = rate_m * WOMAN_HAZARD_RATIO
    rate = np.where(woman, rate_w, rate_m)
    t_self = rng.exponential(1 / rate)
    t_other = rng.exponential(1 / _OTHER_END_HAZARD, n)
    other_reason = np.array(_OTHER_ENDS)[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
    t_end = np.minimum(t_self, t_other)
    ended = t_end <= FOLLOW_UP_DAYS
    self_sufficient = ended & (t_self <= t_other)
    days = np.where(ended, np.ceil(t_end), FOLLOW_UP_DAYS).astype(int)
    reason = np.where(~ended, "pagaende", np.where(self_sufficient, "sjalvforsorjande", other_reason))

    def p_self_by_end(r):
        total = r + _OTHER_END_HAZARD
        return r / total * (1 - np.exp(-total * FOLLOW_UP_DAYS))

    lin_move = 0.8 - 0.3 * ~born_sweden
    p_move_w, p_move_m = _expit(lin_move - 0.2 - 0.6 * ~born_sweden), _expit(lin_move)
    p_move = obs(p_move_w, p_move_m)
    moved = rng.random(n) < p_move
    end_date = pd.Series(_dates(start, days)).where(ended, None).to_numpy()
    utfall = pd.DataFrame({
        "person_id": person, "kon": sex, "alder": age, "startdatum": _dates(start, np.zeros(n, int)),
        "slutdatum": end_date, "enhet": unit, "hushallstyp": household,
        "fodd_i_sverige": born_sweden.astype(int), "dagar": days,
        "sjalvforsorjande": self_sufficient.astype(int), "avslutsorsak": reason,
        "forflyttning": moved.astype(int),
    })[granted].reset_index(drop=True)

    parents = planned & with_children
    both_planned = planned[couple_w] & planned[couple_m]
    cw, cm = couple_w[both_planned], couple_m[both_planned]
    groups = {}
    for w_flag, w_label in ((True, "kvinna"), (False, "man")):
        for b_flag, b_label in ((True, "fodd_i_sverige"), (False, "utrikes_fodd")):
            g = granted & (woman == w_flag) & (born_sweden == b_flag)
            groups[f"{w_label}|{b_label}"] = round(100 * float(p_move[g].mean()), 4)
    funnel = {
        "bistand_beviljat": _gap(p_grant, p_grant, woman),
        "planering": _gap(p_plan_w, p_plan_m, woman, granted),
        "insats": _gap(p_any_w, p_any_m, woman, planned),
        "sjalvforsorjande": _gap(p_self_by_end(rate_w), p_self_by_end(rate_m), woman, granted),
    }
    planted = {
        "eb_01_krav": {
            "aktivitetskrav": _gap(p_req_w, p_req_m, woman, planned),
            "krav_arbetssokande": _gap(p_job_w, p_job_m, woman, planned),
            "sanktion": _gap(p_sanc_w, p_sanc_m, woman, planned & requirement),
            "model": {"adjusted_for": ["hushallstyp", "ohalsa", "alder"],
                      "woman_log_odds": WOMAN_REQUIREMENT}},
        "eb_02_ohalsa": {
            "anpassad_planering": _gap(p_adapt_w, p_adapt_m, woman, planned & ill),
            "krav_sjukintyg": _gap(p_note_w, p_note_m, woman, planned & ill),
            "samordning_varden": _gap(p_coord, p_coord, woman, planned & ill)},
        "eb_03_insatser": {t: _gap(*p_type[t], woman, planned & (~born_sweden if t == "sfi" else True))
                           for t in EB_INSATS_TYPES}
        | {"model": {"adjusted_for": ["ohalsa", "fodd_i_sverige (sfi)"]}},
        "eb_04_foraldraansvar": {
            "undantag_barnomsorg": _gap(p_exempt_w, p_exempt_m, woman, parents),
            "foraldraledighet_planerad": _gap(p_leave_w, p_leave_m, woman, parents),
            "within_couples": {
                "couples_both_planned": int(len(cw)),
                "undantag_barnomsorg_rd_pp": round(100 * float((p_exempt_w[cw] - p_exempt_m[cm]).mean()), 4)
                if len(cw) else None}},
        "eb_05_vald_i_nara_relation": {
            "fragat_om_vald": _gap(p_ask_w, p_ask_m, woman, planned),
            "vald_identifierat": _gap(p_id_w, p_id_m, woman, planned & asked)},
        "eb_06_sjalvforsorjning": {
            "hazard_ratio": WOMAN_HAZARD_RATIO, "adjusted_for": ["hushallstyp"],
            "competing_ends_censored": True,
            "share_self_sufficient": round(float(self_sufficient[granted].mean()), 4),
            "forflyttning": _gap(p_move_w, p_move_m, woman, granted)},
        "eb_07_processkarta": funnel,
        "r4_04_olika_grupper": {"table": "eb_utfall", "outcome": "forflyttning",
                                "true_percent_by_group": groups},
    }
    tables = {"eb_klienter": klienter, "eb_planering": planering, "eb_insatser": insatser,
              "eb_utfall": utfall}
    return tables, planted
