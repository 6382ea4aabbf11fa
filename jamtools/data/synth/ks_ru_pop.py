"""Synthetic kulturskola pupils, project-fund applications and population, with planted effects.

- ks_01 (instrument choice): girls and boys choose from different distributions
  (``_INSTRUMENT_WEIGHTS``), converging from 2024 when the school works for free choice
  (Eskilstuna's example); the planted dissimilarity index per period is in planted.json.
- ru_01 (project funds): applications led by women are granted less often at equal target
  group and size (log-odds ``WOMAN_GRANTED``).
- population: a municipality of about 210 000 by year, sex and age, for rates per inhabitant.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools.data.model import KS_INSTRUMENTS

# Weights per instrument (order as KS_INSTRUMENTS) for girls and boys before the change.
_INSTRUMENT_WEIGHTS = {
    "flicka": [20, 10, 18, 8, 12, 3, 2, 22, 3, 2],
    "pojke": [16, 24, 5, 4, 3, 20, 12, 6, 7, 3],
}
CHANGE_YEAR = 2024
CONVERGENCE = 0.5  # from CHANGE_YEAR each sex's weights move halfway towards the common mean
WOMAN_GRANTED = -0.6


def _dist(sex: str, after: bool) -> np.ndarray:
    w = {s: np.array(v, float) / sum(v) for s, v in _INSTRUMENT_WEIGHTS.items()}
    if not after:
        return w[sex]
    mean = (w["flicka"] + w["pojke"]) / 2
    return w[sex] + CONVERGENCE * (mean - w[sex])


def generate(rng: np.random.Generator, scale: float = 1.0) -> tuple[dict[str, pd.DataFrame], dict]:
    # Kulturskola: pupils per term 2021–2025.
    n = int(round(5000 * scale))
    girl = rng.random(n) < 0.58
    year = rng.integers(2021, 2026, n)
    after = year >= CHANGE_YEAR
    probs = np.empty((n, len(KS_INSTRUMENTS)))
    for sex, mask in (("flicka", girl), ("pojke", ~girl)):
        for flag in (False, True):
            rows = mask & (after == flag)
            probs[rows] = _dist(sex, flag)
    cum = probs.cumsum(axis=1)
    idx = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(KS_INSTRUMENTS) - 1)
    elever = pd.DataFrame({
        "elev_id": [f"K{i:07d}" for i in range(1, n + 1)],
        "person_id": [f"KP{i:06d}" for i in rng.integers(1, max(2, int(n * 0.6)), n)],
        "kon": np.where(girl, "flicka", "pojke"),
        "alder": rng.integers(7, 20, n),
        "terminsstart": pd.to_datetime(year.astype(str) + "-08-20").strftime("%Y-%m-%d"),
        "ar": year,
        "instrument": np.array(KS_INSTRUMENTS)[idx],
    })

    def dissimilarity(flag):
        return round(float(0.5 * np.abs(_dist("flicka", flag) - _dist("pojke", flag)).sum()), 6)

    # Project funds: applications 2022–2025.
    m = int(round(600 * scale))
    woman = rng.random(m) < 0.45
    target = np.array(["kvinnor", "man", "alla", "unga"])[rng.choice(4, m, p=[0.15, 0.1, 0.5, 0.25])]
    amount = np.round(rng.lognormal(np.log(400_000), 0.8, m), -3)
    lin = 0.4 + np.where(target == "unga", 0.3, 0.0) - 0.25 * (np.log(amount) - np.log(400_000))
    p_w, p_m = 1 / (1 + np.exp(-(lin + WOMAN_GRANTED))), 1 / (1 + np.exp(-lin))
    granted = rng.random(m) < np.where(woman, p_w, p_m)
    dates = np.datetime64("2022-01-01") + rng.integers(0, 4 * 365, m).astype("timedelta64[D]")
    ansokningar = pd.DataFrame({
        "ansokan_id": [f"R{i:06d}" for i in range(1, m + 1)],
        "kon": np.where(woman, "kvinna", "man"),
        "ansokningsdatum": pd.to_datetime(dates).strftime("%Y-%m-%d"),
        "malgrupp": target, "sokt_belopp": amount, "beviljad": granted.astype(int),
        "beviljat_belopp": np.where(granted, np.round(amount * rng.uniform(0.6, 1.0, m), -3), 0.0),
    })
    p_obs = np.where(woman, p_w, p_m)

    # Population: about 210 000 inhabitants, by year, sex and age (0–100).
    ages = np.arange(101)
    base = np.clip(1300 - 6 * np.maximum(ages - 45, 0) ** 1.3, 40, None) * max(scale, 0.01)
    rows = []
    for y in range(2021, 2026):
        for sex, factor in (("kvinna", 1.0 + 0.002 * ages), ("man", 1.02 - 0.002 * ages)):
            counts = np.round(base * factor * (1 + 0.005 * (y - 2021))).astype(int)
            rows += [{"rad_id": f"{y}-{sex}-{a}", "ar": y, "kon": sex, "alder": int(a),
                      "antal": int(c)} for a, c in zip(ages, counts)]
    befolkning = pd.DataFrame(rows)

    planted = {
        "ks_01_instrumentval": {"dissimilarity_before": dissimilarity(False),
                                "dissimilarity_after": dissimilarity(True),
                                "change_year": CHANGE_YEAR},
        "ru_01_projektmedel": {"beviljad": {
            "crude_rd_pp": round(100 * float(p_obs[woman].mean() - p_obs[~woman].mean()), 4),
            "adjusted_rd_pp": round(100 * float((p_w - p_m).mean()), 4)},
            "woman_log_odds": WOMAN_GRANTED},
    }
    return {"ks_elever": elever, "ru_ansokningar": ansokningar, "befolkning": befolkning}, planted
