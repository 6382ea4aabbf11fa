"""Synthetic case notes and monthly quality indicators (Umeå's method questions).

- um_01 (language): notes about women (mothers) use care and responsibility words more often,
  notes about men (fathers) work and economy words: each note draws words from a common
  vocabulary plus, with probability ``GENDERED_P``, one word from its sex's list. The planted
  word lists and probabilities are in planted.json.
- um_02 (quality follow-up): the indicator "uppfoljning_i_tid" is the same for women and men
  until ``SHIFT_MONTH``, after which men's share drops by ``SHIFT`` (a gap leaving its band).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

COMMON = ("samtal", "hembesök", "planering", "barnet", "situationen", "kontakt", "möte",
          "behov", "stöd", "uppföljning")
WOMAN_WORDS = ("omsorg", "ansvar", "oro", "hemmet", "relationen")
MAN_WORDS = ("arbete", "ekonomi", "aggressiv", "frånvarande", "boende")
GENDERED_P = 0.6
SHIFT_MONTH, SHIFT = "2025-01-01", -0.12


def generate(rng: np.random.Generator, scale: float = 1.0) -> tuple[dict[str, pd.DataFrame], dict]:
    n = int(round(2000 * scale))
    woman = rng.random(n) < 0.55
    words = rng.choice(COMMON, size=(n, 6))
    gendered = np.where(woman, rng.choice(WOMAN_WORDS, n), rng.choice(MAN_WORDS, n))
    extra = rng.random(n) < GENDERED_P
    texts = [" ".join(list(w) + ([g] if e else [])) for w, g, e in zip(words, gendered, extra)]
    days = rng.integers(0, 3 * 365, n)
    notes = pd.DataFrame({
        "anteckning_id": [f"J{i:07d}" for i in range(1, n + 1)],
        "person_id": [f"JP{i:06d}" for i in rng.integers(1, max(2, n // 3), n)],
        "kon": np.where(woman, "kvinna", "man"),
        "roll": rng.choice(["foralder", "klient"], n),
        "datum": (pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"),
        "anteckning": texts,
    })
    months = pd.date_range("2023-01-01", "2025-12-01", freq="MS")
    rows = []
    k = 0
    for m in months:
        for unit in ("Norr", "Söder"):
            for sex in ("kvinna", "man"):
                denominator = int(rng.integers(30, 60) * max(scale, 0.05))
                p = 0.80 + (SHIFT if sex == "man" and m >= pd.Timestamp(SHIFT_MONTH) else 0.0)
                k += 1
                rows.append({"rad_id": f"Q{k:06d}", "manad": m.strftime("%Y-%m-%d"), "enhet": unit,
                             "indikator": "uppfoljning_i_tid", "kon": sex,
                             "taljare": int(rng.binomial(denominator, p)), "namnare": denominator})
    indicators = pd.DataFrame(rows)
    planted = {
        "um_01_sprakbruk": {"woman_words": list(WOMAN_WORDS), "man_words": list(MAN_WORDS),
                            "gendered_word_probability": GENDERED_P},
        "um_02_kvalitetsuppfoljning": {"indicator": "uppfoljning_i_tid", "shift_month": SHIFT_MONTH,
                                       "gap_after_pp": round(-100 * SHIFT, 4), "gap_before_pp": 0.0},
    }
    return {"um_anteckningar": notes, "um_indikatorer": indicators}, planted
