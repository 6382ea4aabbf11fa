"""Synthetic home-help decisions (hemtjänst) with documented, planted effects.

One table, ``ht_beslut``: decisions 2020–2025 with granted hours per month, the number of
personal ADL activities the person needs help with (0–6), age and whether the person lives
alone. Hours follow a linear model in need plus noise, so the planted values are exact:

- ht_01 (same need, same hours?): at equal need, age and household, women are granted
  ``WOMAN_BEFORE`` hours per month less than men before 2023 and ``WOMAN_AFTER`` from 2023; the
  crude gap is positive because women more often live alone and are older (more need).
- ht_02 (has it become more equal?): the adjusted gap shrinks from 2023, when a new way of
  assessing needs is introduced (effektkedjan: a new outcome).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

BASE, PER_ADL, ALONE, PER_YEAR_OF_AGE = 6.0, 7.0, 9.0, 0.15
WOMAN_BEFORE, WOMAN_AFTER, CHANGE_YEAR = -4.0, -0.5, 2023
NOISE_SD = 6.0
UNITS = ("Centrum", "Norra", "Södra")


def generate(rng: np.random.Generator, scale: float = 1.0) -> tuple[dict[str, pd.DataFrame], dict]:
    n = int(round(4000 * scale))
    woman = rng.random(n) < 0.64  # about two in three home-help users are women
    age = np.clip(np.round(rng.normal(np.where(woman, 84, 81), 7)), 65, 104).astype(int)
    alone = rng.random(n) < np.where(woman, 0.72, 0.45)
    adl = np.clip(rng.binomial(6, np.clip(0.12 + 0.012 * (age - 65), 0, 0.9)), 0, 6)
    year = rng.integers(2020, 2026, n)
    effect = np.where(year < CHANGE_YEAR, WOMAN_BEFORE, WOMAN_AFTER)
    mean_man = BASE + PER_ADL * adl + ALONE * alone + PER_YEAR_OF_AGE * (age - 65)
    mean_obs = mean_man + np.where(woman, effect, 0.0)
    hours = np.round(np.clip(mean_obs + rng.normal(0, NOISE_SD, n), 0.5, None), 1)
    day = rng.integers(0, 365, n)
    dates = pd.to_datetime(year.astype(str), format="%Y") + pd.to_timedelta(day, unit="D")
    table = pd.DataFrame({
        "beslut_id": [f"H{i:07d}" for i in range(1, n + 1)],
        "person_id": [f"V{i:07d}" for i in rng.permutation(n) + 1],
        "kon": np.where(woman, "kvinna", "man"),
        "alder": age,
        "beslutsdatum": dates.strftime("%Y-%m-%d"),
        "ar": year,
        "enhet": np.array(UNITS)[rng.integers(0, len(UNITS), n)],
        "adl_beroende": adl,
        "ensamboende": alone.astype(int),
        "beviljade_timmar": hours,
    })
    before, after = year < CHANGE_YEAR, year >= CHANGE_YEAR
    planted = {
        "ht_01_hemtjanst_timmar": {"beviljade_timmar": {
            # what the crude comparison estimates: mean true hours of women minus of men
            "crude_mean_difference": round(float(mean_obs[woman].mean() - mean_obs[~woman].mean()), 4),
            # at equal need: the mean of the women effect over all decisions
            "adjusted_mean_difference": round(float(effect.mean()), 4),
        }},
        "ht_02_forandring_over_tid": {"beviljade_timmar": {
            "adjusted_gap_before": WOMAN_BEFORE, "adjusted_gap_after": WOMAN_AFTER,
            "gap_change": WOMAN_AFTER - WOMAN_BEFORE, "change_year": CHANGE_YEAR,
            "share_of_decisions_after": round(float(after.mean()), 4),
        }},
    }
    return {"ht_beslut": table}, planted
