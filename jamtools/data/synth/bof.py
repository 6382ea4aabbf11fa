"""Synthetic child-and-family data (barn och familj) with documented, planted effects.

Three linked tables: ``bof_aktualiseringar`` (reports) -> ``bof_utredningar``
(investigations, with contacts with the parents) -> ``bof_insatser`` (interventions).

Every outcome is drawn from an explicit model (below), and the generator also computes, from
the model's true probabilities for the rows it drew, the values that the handbook's estimators
target: the crude difference between girls and boys (mean true probability among girls minus
among boys) and the standardised (adjusted) difference (the mean over all rows of the true
probability as a girl minus as a boy). These *planted values* are written to ``planted.json``
and checked by the tests.

Marginals are set to be plausible for a mid-sized Swedish municipality; see
``data/synthetic/README.md`` for what each planted effect is and the public figures behind it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools.data.model import BOF_INSATS_TYPES, BOF_REASONS, BOF_REPORTERS, BOF_UNITS

REASONS = list(BOF_REASONS)
AGE_GROUPS = ["0–6 år", "7–12 år", "13–15 år", "16–17 år"]

# P(reason | sex, age group): rows follow REASONS. Boys' reports concern own behaviour
# (crime, substance use) more often in the teens; girls' concern mental ill-health more often.
_REASON_WEIGHTS = {
    # age group: (girl weights, boy weights)
    "0–6 år": ([30, 40, 18, 12, 0, 0, 0, 0], [30, 40, 18, 12, 0, 0, 0, 0]),
    "7–12 år": ([28, 28, 14, 14, 8, 6, 0, 2], [24, 24, 12, 12, 5, 8, 2, 13]),
    "13–15 år": ([16, 12, 8, 14, 26, 14, 4, 6], [10, 8, 6, 10, 8, 12, 14, 32]),
    "16–17 år": ([12, 8, 6, 12, 30, 10, 10, 12], [6, 5, 4, 8, 8, 7, 20, 42]),
}
_AGE_GROUP_OF_AGE = np.array([0] * 7 + [1] * 6 + [2] * 3 + [3] * 2)  # ages 0..17

# P(reporter | reason): reporters follow BOF_REPORTERS. Sex plays no direct part: any gap by
# sex in who reports arises only through the reasons (planted for bof_04).
_REPORTER_WEIGHTS = {
    "vald_i_familjen": [25, 12, 30, 18, 5, 5, 5],
    "brister_i_omsorgen": [25, 25, 5, 20, 10, 10, 5],
    "foraldrars_missbruk": [10, 10, 35, 20, 10, 10, 5],
    "konflikt_i_familjen": [20, 10, 25, 10, 10, 15, 10],
    "psykisk_ohalsa": [35, 0, 5, 45, 5, 7, 3],
    "skolfranvaro": [85, 0, 2, 5, 3, 3, 2],
    "eget_missbruk": [20, 0, 45, 20, 5, 7, 3],
    "kriminalitet": [8, 0, 80, 2, 5, 3, 2],
}

# Log-odds model for "investigation opened" (bof_01): main effects of age group, reason,
# reporter and sex. GIRL_OPEN is the planted sex effect among reports alike in age group,
# reason and reporter.
OPEN_INTERCEPT = -0.25
OPEN_AGE = {"0–6 år": 0.2, "7–12 år": 0.0, "13–15 år": 0.0, "16–17 år": -0.3}
OPEN_REASON = {"vald_i_familjen": 0.9, "brister_i_omsorgen": 0.3, "foraldrars_missbruk": 0.4,
               "konflikt_i_familjen": -0.3, "psykisk_ohalsa": 0.5, "skolfranvaro": -0.4,
               "eget_missbruk": 0.2, "kriminalitet": -0.6}
OPEN_REPORTER = {"skola": 0.0, "forskola": 0.1, "polis": 0.2, "halso_och_sjukvard": 0.3,
                 "socialtjansten": 0.2, "anhorig": -0.3, "ovriga": -0.5}
GIRL_OPEN = 0.30

# Log-odds model for "investigation led to insats" (bof_02): age group and reason only, with
# NO direct effect of sex. Boys' investigations more often concern own behaviour, which more
# often leads to insats, so the crude gap (girls below boys) disappears after adjustment.
INSATS_INTERCEPT = -0.6
INSATS_AGE = {"0–6 år": 0.1, "7–12 år": 0.0, "13–15 år": 0.2, "16–17 år": 0.3}
INSATS_REASON = {"vald_i_familjen": 0.3, "brister_i_omsorgen": 0.0, "foraldrars_missbruk": 0.1,
                 "konflikt_i_familjen": -0.9, "psykisk_ohalsa": -0.4, "skolfranvaro": -0.5,
                 "eget_missbruk": 1.5, "kriminalitet": 1.8}
GIRL_INSATS = 0.0

# P(insats type | sex, reason type) (bof_03): rows follow BOF_INSATS_TYPES.
_INSATS_TYPE_WEIGHTS = {
    ("flicka", "miljo"): [40, 20, 10, 5, 20, 5],
    ("pojke", "miljo"): [40, 15, 15, 8, 17, 5],
    ("flicka", "beteende"): [20, 35, 10, 15, 8, 12],
    ("pojke", "beteende"): [12, 15, 18, 30, 5, 20],
}

# Contacts with parents (bof_05): the same for girls' and boys' investigations; fathers are
# contacted and heard less often than mothers, most of all when the parents live apart.
P_TOGETHER = 0.45
P_MOTHER_EXISTS, P_FATHER_EXISTS = 0.97, 0.85
P_MOTHER_CONTACTED = 0.96
P_FATHER_CONTACTED = {True: 0.90, False: 0.68}  # by parents living together
P_MOTHER_HEARD, P_FATHER_HEARD = 0.92, 0.78  # given contacted
MEETINGS_MOTHER, MEETINGS_FATHER = 3.0, 1.8  # Poisson means, +1 meeting if heard


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _draw_categorical(rng, probs: np.ndarray) -> np.ndarray:
    """One draw per row from row-wise category probabilities (rows sum to 1)."""
    cum = probs.cumsum(axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _planted_binary(p_girl: np.ndarray, p_boy: np.ndarray, is_girl: np.ndarray) -> dict:
    """Crude and standardised girl − boy differences (percentage points) implied by the model."""
    p_obs = np.where(is_girl, p_girl, p_boy)
    crude = p_obs[is_girl].mean() - p_obs[~is_girl].mean()
    adjusted = (p_girl - p_boy).mean()
    return {"crude_rd_pp": round(100 * float(crude), 4),
            "adjusted_rd_pp": round(100 * float(adjusted), 4),
            "share_girls": round(float(p_obs[is_girl].mean()), 6),
            "share_boys": round(float(p_obs[~is_girl].mean()), 6)}


def generate(rng: np.random.Generator, scale: float = 1.0) -> tuple[dict[str, pd.DataFrame], dict]:
    """Draw the three BoF tables; return them and the planted values for their questions."""
    n_reports = int(round(6000 * scale))
    n_children = max(1, int(n_reports * 0.7))
    # Children: sex and birth date. 48.5 % girls among children with a report.
    child_girl = rng.random(n_children) < 0.485
    start, end = np.datetime64("2023-01-01"), np.datetime64("2025-12-31")
    span = int((end - start).astype(int))
    # Reports are more common among teenagers: ages weighted 1 (0–6), 1.3 (7–12), 2.2 (13–17).
    age_w = np.array([1.0] * 7 + [1.3] * 6 + [2.2] * 5)
    age_mid = rng.choice(18, size=n_children, p=age_w / age_w.sum())
    birth = np.datetime64("2024-07-01") - (age_mid * 365 + rng.integers(0, 365, n_children)) \
        .astype("timedelta64[D]")
    child = rng.integers(0, n_children, n_reports)
    date = start + rng.integers(0, span + 1, n_reports).astype("timedelta64[D]")
    age = ((date - birth[child]).astype(int) // 365).astype(int)
    # Children born after the report date or aged 18+ are moved into 0..17.
    age = np.clip(age, 0, 17)
    girl = child_girl[child]
    agegrp_idx = _AGE_GROUP_OF_AGE[age]
    agegrp = np.array(AGE_GROUPS)[agegrp_idx]

    reason_probs = np.zeros((n_reports, len(REASONS)))
    for gi, g in enumerate(AGE_GROUPS):
        wg, wb = (np.array(w, float) / sum(w) for w in _REASON_WEIGHTS[g])
        rows = agegrp_idx == gi
        reason_probs[rows & girl] = wg
        reason_probs[rows & ~girl] = wb
    reason_idx = _draw_categorical(rng, reason_probs)
    reason = np.array(REASONS)[reason_idx]
    reason_type = np.array([BOF_REASONS[r] for r in REASONS])[reason_idx]

    rep_matrix = np.array([np.array(_REPORTER_WEIGHTS[r], float) / sum(_REPORTER_WEIGHTS[r])
                           for r in REASONS])
    reporter = np.array(BOF_REPORTERS)[_draw_categorical(rng, rep_matrix[reason_idx])]
    unit = np.array(BOF_UNITS)[rng.integers(0, len(BOF_UNITS), n_reports)]

    lin = (OPEN_INTERCEPT + pd.Series(agegrp).map(OPEN_AGE).to_numpy()
           + pd.Series(reason).map(OPEN_REASON).to_numpy()
           + pd.Series(reporter).map(OPEN_REPORTER).to_numpy())
    p_open_girl, p_open_boy = _expit(lin + GIRL_OPEN), _expit(lin)
    opened = rng.random(n_reports) < np.where(girl, p_open_girl, p_open_boy)

    # True P(insats | investigation) for every report, had it been investigated (sex plays no
    # part in that model), for the process map's report -> insats step.
    p_ins_report = _expit(INSATS_INTERCEPT + pd.Series(agegrp).map(INSATS_AGE).to_numpy()
                          + pd.Series(reason).map(INSATS_REASON).to_numpy() + GIRL_INSATS * 0)
    sex = np.where(girl, "flicka", "pojke")
    reports = pd.DataFrame({
        "aktualisering_id": [f"A{i:07d}" for i in range(1, n_reports + 1)],
        "person_id": [f"B{c:07d}" for c in child + 1],
        "kon": sex,
        "alder": age,
        "datum": pd.to_datetime(date).strftime("%Y-%m-%d"),
        "enhet": unit,
        "anmalningsorsak": reason,
        "orsakstyp": reason_type,
        "anmalare": reporter,
        "utredning_inledd": opened.astype(int),
    })

    # Investigations: one per opened report.
    inv = reports[opened].reset_index(drop=True)
    m = len(inv)
    inv_girl = inv["kon"].to_numpy() == "flicka"
    lin2 = (INSATS_INTERCEPT + inv["alder"].map(lambda a: INSATS_AGE[AGE_GROUPS[_AGE_GROUP_OF_AGE[a]]]).to_numpy()
            + inv["anmalningsorsak"].map(INSATS_REASON).to_numpy())
    p_ins_girl, p_ins_boy = _expit(lin2 + GIRL_INSATS), _expit(lin2)
    insats = rng.random(m) < np.where(inv_girl, p_ins_girl, p_ins_boy)
    inv_start = pd.to_datetime(inv["datum"]) + pd.to_timedelta(rng.integers(0, 15, m), unit="D")
    inv_end = inv_start + pd.to_timedelta(rng.integers(30, 121, m), unit="D")

    together = rng.random(m) < P_TOGETHER
    mother = rng.random(m) < P_MOTHER_EXISTS
    father = rng.random(m) < P_FATHER_EXISTS
    m_contact = mother & (rng.random(m) < P_MOTHER_CONTACTED)
    p_fc = np.where(together, P_FATHER_CONTACTED[True], P_FATHER_CONTACTED[False])
    f_contact = father & (rng.random(m) < p_fc)
    m_heard = m_contact & (rng.random(m) < P_MOTHER_HEARD)
    f_heard = f_contact & (rng.random(m) < P_FATHER_HEARD)
    m_meet = np.where(m_contact, rng.poisson(MEETINGS_MOTHER, m) + m_heard, 0)
    f_meet = np.where(f_contact, rng.poisson(MEETINGS_FATHER, m) + f_heard, 0)

    def parent_col(exists, values):
        return pd.Series(values.astype(int), dtype="Int64").where(exists, pd.NA)

    investigations = pd.DataFrame({
        "utredning_id": [f"U{i:07d}" for i in range(1, m + 1)],
        "aktualisering_id": inv["aktualisering_id"],
        "person_id": inv["person_id"],
        "kon": inv["kon"],
        "alder": inv["alder"],
        "startdatum": inv_start.dt.strftime("%Y-%m-%d"),
        "slutdatum": inv_end.dt.strftime("%Y-%m-%d"),
        "enhet": inv["enhet"],
        "anmalningsorsak": inv["anmalningsorsak"],
        "orsakstyp": inv["orsakstyp"],
        "anmalare": inv["anmalare"],
        "insats_beviljad": insats.astype(int),
        "foraldrar_sammanboende": together.astype(int),
        "mamma_finns": mother.astype(int),
        "pappa_finns": father.astype(int),
        "mamma_kontaktad": parent_col(mother, m_contact),
        "pappa_kontaktad": parent_col(father, f_contact),
        "mamma_samtal": parent_col(mother, m_heard),
        "pappa_samtal": parent_col(father, f_heard),
        "antal_moten_mamma": parent_col(mother, m_meet),
        "antal_moten_pappa": parent_col(father, f_meet),
    })

    # Interventions: one or two per investigation that led to insats.
    ins = investigations[insats].reset_index(drop=True)
    k = len(ins)
    repeat = np.where(rng.random(k) < 0.2, 2, 1)
    ins = ins.loc[ins.index.repeat(repeat)].reset_index(drop=True)
    key = list(zip(ins["kon"], ins["orsakstyp"]))
    type_probs = np.array([np.array(_INSATS_TYPE_WEIGHTS[kk], float) / sum(_INSATS_TYPE_WEIGHTS[kk])
                           for kk in key]).reshape(len(ins), len(BOF_INSATS_TYPES))
    types = np.array(BOF_INSATS_TYPES)[_draw_categorical(rng, type_probs)] if len(ins) else []
    insatser = pd.DataFrame({
        "insats_id": [f"I{i:07d}" for i in range(1, len(ins) + 1)],
        "utredning_id": ins["utredning_id"],
        "person_id": ins["person_id"],
        "kon": ins["kon"],
        "alder": ins["alder"],
        "startdatum": (pd.to_datetime(ins["slutdatum"])
                       + pd.to_timedelta(rng.integers(0, 11, len(ins)), unit="D")).dt.strftime("%Y-%m-%d"),
        "enhet": ins["enhet"],
        "insatstyp": types,
    })

    # Planted per-type shares for bof_03: each insats's true type probabilities as a girl and as
    # a boy, given its reason type.
    rt = ins["orsakstyp"].to_numpy()
    tp = {sex: np.array([np.array(_INSATS_TYPE_WEIGHTS[(sex, r)], float) / sum(_INSATS_TYPE_WEIGHTS[(sex, r)])
                         for r in rt]).reshape(len(ins), len(BOF_INSATS_TYPES)) for sex in ("flicka", "pojke")}
    ins_girl = ins["kon"].to_numpy() == "flicka"
    type_planted = {t: _planted_binary(tp["flicka"][:, k], tp["pojke"][:, k], ins_girl)
                    for k, t in enumerate(BOF_INSATS_TYPES)}
    exp_g = np.array([type_planted[t]["share_girls"] for t in BOF_INSATS_TYPES])
    exp_b = np.array([type_planted[t]["share_boys"] for t in BOF_INSATS_TYPES])

    planted = {
        "bof_01_utredning_inleds": {
            "utredning_inledd": _planted_binary(p_open_girl, p_open_boy, girl),
            "model": {"adjusted_for": ["aldersgrupp", "anmalningsorsak", "anmalare"],
                      "girl_log_odds": GIRL_OPEN},
        },
        "bof_02_utredning_till_insats": {
            "insats_beviljad": _planted_binary(p_ins_girl, p_ins_boy, inv_girl),
            "model": {"adjusted_for": ["aldersgrupp", "anmalningsorsak"],
                      "girl_log_odds": GIRL_INSATS},
        },
        "bof_03_typ_av_insats": {
            "insatstyp": type_planted,
            "dissimilarity_index": round(float(0.5 * np.abs(exp_g - exp_b).sum()), 6),
            "insatstyp_by_sex_and_reason_type": {f"{s}|{t}": dict(zip(BOF_INSATS_TYPES,
                                                   (np.array(w) / sum(w)).round(6).tolist()))
                                                 for (s, t), w in _INSATS_TYPE_WEIGHTS.items()},
        },
        "bof_04_anmalningsorsak_och_anmalare": {
            "beteende": _planted_binary(*_reason_type_probs(reason_probs, agegrp_idx), girl),
            # The reporter depends on the reason only: P(polis | reason) is the same for girls
            # and boys, so the adjusted (for reason) difference is exactly 0.
            "anmalare_polis": _planted_binary(rep_matrix[reason_idx, BOF_REPORTERS.index("polis")],
                                              rep_matrix[reason_idx, BOF_REPORTERS.index("polis")],
                                              girl),
            "note": "Anmälare beror bara på orsaken: ingen könsskillnad i anmälare vid samma orsak.",
        },
        "bof_06_processkarta": {
            "utredning_inledd": _planted_binary(p_open_girl, p_open_boy, girl),
            "insats_beviljad": _planted_binary(p_ins_girl, p_ins_boy, inv_girl),
            "insats_per_anmalan": _planted_binary(p_open_girl * p_ins_report, p_open_boy * p_ins_report,
                                                  girl),
        },
        "bof_05_bemotande_av_foraldrar": {
            "mother_minus_father_contacted_pp": round(100 * float(
                P_MOTHER_CONTACTED - (P_TOGETHER * P_FATHER_CONTACTED[True]
                                      + (1 - P_TOGETHER) * P_FATHER_CONTACTED[False])), 4),
            "mother_minus_father_heard_pp": round(100 * float(
                P_MOTHER_CONTACTED * P_MOTHER_HEARD - (P_TOGETHER * P_FATHER_CONTACTED[True]
                    + (1 - P_TOGETHER) * P_FATHER_CONTACTED[False]) * P_FATHER_HEARD), 4),
            "by_child_sex_pp": 0.0,
        },
    }
    return {"bof_aktualiseringar": reports, "bof_utredningar": investigations,
            "bof_insatser": insatser}, planted


def _reason_type_probs(reason_probs: np.ndarray, agegrp_idx: np.ndarray):
    """True P(reason is about own behaviour) for each report, as a girl and as a boy."""
    beh = np.array([BOF_REASONS[r] == "beteende" for r in REASONS])
    p_girl = np.array([np.array(_REASON_WEIGHTS[g][0], float)[beh].sum() / sum(_REASON_WEIGHTS[g][0])
                       for g in AGE_GROUPS])[agegrp_idx]
    p_boy = np.array([np.array(_REASON_WEIGHTS[g][1], float)[beh].sum() / sum(_REASON_WEIGHTS[g][1])
                      for g in AGE_GROUPS])[agegrp_idx]
    return p_girl, p_boy
