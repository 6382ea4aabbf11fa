"""Synthetic ekonomiskt bistånd (social assistance) data with documented, planted effects.

Two tables: ``eb_planering`` (requirements, health, screening for violence) and ``eb_utfall``
(time from the start of assistance to self-sufficiency, censored at the end of follow-up).
The levels follow Malmö's Hela familjen 2.0 (817 participants, 187 became self-sufficient,
i.e. about 23 % within the project's two years).

Planted: eb_01, at equal household, health and age, women get an activity requirement less
often (log-odds ``WOMAN_REQUIREMENT``); eb_05, women are asked about violence more often
(``WOMAN_ASKED``); eb_06, women become self-sufficient more slowly (hazard ratio
``WOMAN_HAZARD_RATIO``, a Cox model with household as covariate is correctly specified).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools.data.model import EB_HOUSEHOLDS

WOMAN_REQUIREMENT = -0.5
WOMAN_ASKED = 0.9
WOMAN_HAZARD_RATIO = 0.75
FOLLOW_UP_DAYS = 730
UNITS = ("Centrum", "Norra", "Södra")
_HOUSEHOLD_P = {"kvinna": [0.30, 0.35, 0.10, 0.25], "man": [0.55, 0.07, 0.12, 0.26]}
_REQ_HOUSEHOLD = {"ensamstaende_utan_barn": 0.6, "ensamstaende_med_barn": -0.6,
                  "sammanboende_utan_barn": 0.4, "sammanboende_med_barn": -0.2}
_HAZ_HOUSEHOLD = {"ensamstaende_utan_barn": 0.0, "ensamstaende_med_barn": -0.4,
                  "sammanboende_utan_barn": 0.2, "sammanboende_med_barn": -0.1}


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _planted(p_w, p_m, woman):
    p_obs = np.where(woman, p_w, p_m)
    return {"crude_rd_pp": round(100 * float(p_obs[woman].mean() - p_obs[~woman].mean()), 4),
            "adjusted_rd_pp": round(100 * float((p_w - p_m).mean()), 4)}


def generate(rng: np.random.Generator, scale: float = 1.0) -> tuple[dict[str, pd.DataFrame], dict]:
    n = int(round(3000 * scale))
    woman = rng.random(n) < 0.52
    sex = np.where(woman, "kvinna", "man")
    age = np.clip(np.round(rng.normal(38, 11, n)), 18, 75).astype(int)
    hh_idx = np.where(woman, 0, 0)
    u = rng.random(n)
    for label, probs in _HOUSEHOLD_P.items():
        rows = sex == label
        hh_idx[rows] = np.searchsorted(np.cumsum(probs), u[rows], side="right").clip(0, 3)
    household = np.array(EB_HOUSEHOLDS)[hh_idx]
    ill = rng.random(n) < 0.30
    start = np.datetime64("2023-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    unit = np.array(UNITS)[rng.integers(0, len(UNITS), n)]
    person = [f"E{i:07d}" for i in range(1, n + 1)]

    lin_req = 0.8 + pd.Series(household).map(_REQ_HOUSEHOLD).to_numpy() - 1.2 * ill - 0.02 * (age - 38)
    p_req_w, p_req_m = _expit(lin_req + WOMAN_REQUIREMENT), _expit(lin_req)
    requirement = rng.random(n) < np.where(woman, p_req_w, p_req_m)
    lin_ask = -0.6 + 0.3 * (hh_idx % 2 == 1)
    p_ask_w, p_ask_m = _expit(lin_ask + WOMAN_ASKED), _expit(lin_ask)
    asked = rng.random(n) < np.where(woman, p_ask_w, p_ask_m)
    planering = pd.DataFrame({
        "planering_id": [f"PL{i:07d}" for i in range(1, n + 1)], "person_id": person, "kon": sex,
        "alder": age, "datum": pd.to_datetime(start + rng.integers(7, 60, n).astype("timedelta64[D]"))
        .strftime("%Y-%m-%d"), "enhet": unit, "hushallstyp": household, "ohalsa": ill.astype(int),
        "aktivitetskrav": requirement.astype(int), "fragat_om_vald": asked.astype(int),
    })

    # Exponential times with hazard h0 * exp(beta_w * woman + household effect): about 23 % are
    # self-sufficient within two years, as in Hela familjen 2.0 (187 of 817).
    rate = 0.00037 * np.exp(np.log(WOMAN_HAZARD_RATIO) * woman
                            + pd.Series(household).map(_HAZ_HOUSEHOLD).to_numpy())
    time = rng.exponential(1 / rate)
    event = time <= FOLLOW_UP_DAYS
    utfall = pd.DataFrame({
        "person_id": person, "kon": sex, "alder": age,
        "startdatum": pd.to_datetime(start).strftime("%Y-%m-%d"), "enhet": unit,
        "hushallstyp": household, "dagar": np.minimum(np.ceil(time), FOLLOW_UP_DAYS).astype(int),
        "sjalvforsorjande": event.astype(int),
    })
    planted = {
        "eb_01_krav": {"aktivitetskrav": _planted(p_req_w, p_req_m, woman),
                       "model": {"adjusted_for": ["hushallstyp", "ohalsa", "alder"],
                                 "woman_log_odds": WOMAN_REQUIREMENT}},
        "eb_05_vald_i_nara_relation": {"fragat_om_vald": _planted(p_ask_w, p_ask_m, woman)},
        "eb_06_sjalvforsorjning": {"hazard_ratio": WOMAN_HAZARD_RATIO,
                                   "adjusted_for": ["hushallstyp"],
                                   "share_self_sufficient": round(float(event.mean()), 4)},
    }
    return {"eb_planering": planering, "eb_utfall": utfall}, planted
