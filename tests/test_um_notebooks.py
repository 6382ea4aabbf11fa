"""Umeå's method questions: the two chapters recover what was planted in the synthetic data
(data/synthetic/README.md, planted.json), and the language chapter lets no name, number or
rare word out of the case notes."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jamtools.disclosure.text import disclose_words
from jamtools.stats import text

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
UM = ["um_01_sprakbruk", "um_02_kvalitetsuppfoljning"]
Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def um_results(chapter_results):
    return {nb: chapter_results[nb] for nb in UM}


def _z(row):
    se = (row["ci_high"] - row["ci_low"]) / (2 * Z95)
    return row["estimate"] / se


# --- um_01: distinctive words -------------------------------------------------------------------

def test_um_01_planted_words_are_the_top_distinctive_words(um_results, planted):
    truth = planted["um_01_sprakbruk"]
    words = [c for c in um_results["um_01_sprakbruk"]["comparisons"]
             if c["measure"] == "log_odds_ratio_dirichlet"]
    assert words and all(c["group_a"] == "kvinna" and c["group_b"] == "man" for c in words)
    ranked = sorted(words, key=_z)
    name = lambda c: c["comparison"].split(":")[0]  # noqa: E731
    k_w, k_m = len(truth["woman_words"]), len(truth["man_words"])
    assert {name(c) for c in ranked[-k_w:]} == set(truth["woman_words"])
    assert {name(c) for c in ranked[:k_m]} == set(truth["man_words"])
    # they are clearly distinctive, the rest (a common vocabulary) are not
    assert all(_z(c) > 3 for c in ranked[-k_w:]) and all(_z(c) < -3 for c in ranked[:k_m])
    assert all(abs(_z(c)) < 3 for c in ranked[k_m:-k_w])


def test_um_01_every_published_word_count_passes_the_threshold(um_results):
    res = um_results["um_01_sprakbruk"]
    t = res["threshold"]
    for c in res["comparisons"]:
        if c["measure"] == "log_odds_ratio_dirichlet":
            for k in ("events_a", "events_b"):
                assert c[k] == 0 or c[k] >= t, c["comparison"]


def test_um_01_responsibility_words(um_results, planted):
    """Notes about women carry one gendered word with probability p, drawn evenly from the five
    planted words, two of which (ansvar, omsorg) are responsibility words; notes about men never
    do: the true gap is p · 2/5. At this seed the note sample has 26.8 % against the true 24 %
    (2.4 standard errors: omsorg was drawn often); asserted is that the estimate lies within 3
    standard errors of the planted value and that the gap is clear."""
    truth = planted["um_01_sprakbruk"]
    stems = ("ansvar", "omsorg")
    share = truth["gendered_word_probability"] * sum(
        w.startswith(stems) for w in truth["woman_words"]) / len(truth["woman_words"])
    assert not any(w.startswith(stems) for w in truth["man_words"])
    [rd] = [c for c in um_results["um_01_sprakbruk"]["comparisons"]
            if c["outcome"] == "ansvarsord" and c["measure"] == "risk_difference_pp"]
    se = (rd["ci_high"] - rd["ci_low"]) / (2 * Z95)
    assert abs(rd["estimate"] - 100 * share) < 3 * se
    assert rd["ci_low"] > 0 and rd["events_b"] == 0


# --- um_01: nothing of the notes leaks -----------------------------------------------------------

SECRETS = {
    "name": "Zlatanella",           # a name written mid-sentence, in many notes
    "start_name": "Bertilsdotter",  # a name only ever at the start of a sentence
    "rare": "xyloplastik",          # a lower-case word about three persons only
    "digits": "lgh1204",            # a flat number, in many notes
    "email": "kalle.kula@exempel.se",
}


@pytest.fixture(scope="module")
def leaky_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("indata_um")
    for f in SYNTHETIC.glob("*.csv"):
        shutil.copy(f, data)
    notes = pd.read_csv(data / "um_anteckningar.csv", dtype=str)
    women = notes.index[notes["kon"] == "kvinna"]
    men = notes.index[notes["kon"] == "man"]
    for i in women[:60]:
        notes.at[i, "anteckning"] += f" samtal med {SECRETS['name']} om barnet"
    for i in men[:40]:
        notes.at[i, "anteckning"] = f"{SECRETS['start_name']} ringde. " + notes.at[i, "anteckning"]
    for i in list(women[100:102]) + list(men[100:101]):  # three notes, three persons
        notes.at[i, "anteckning"] += f" {SECRETS['rare']}"
    for i in list(women[200:250]) + list(men[200:250]):
        notes.at[i, "anteckning"] += f" bor i {SECRETS['digits']} och nås på {SECRETS['email']}"
    notes.to_csv(data / "um_anteckningar.csv", index=False)
    tmp = tmp_path_factory.mktemp("korning_um")
    cfg = tmp / "jamtools.yml"
    cfg.write_text(json.dumps({"data_dir": str(data), "threshold": 5,
                               "organisation": "Testkommunen"}), encoding="utf-8")
    out = tmp / "ut"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--config", str(cfg),
                           "--only", "um_01_sprakbruk", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    return notes, out, proc


def test_injected_names_numbers_and_rare_words_never_reach_the_output(leaky_run):
    notes, out, proc = leaky_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The rules did meet the injected tokens (so the check below is not vacuous) ...
    counts = text.count_words(notes.assign(kon=notes["kon"]), levels=("kvinna", "man"))
    rules = counts.excluded.set_index("rule")["types"]
    assert rules[text.RULE_DIGITS] >= 1 and rules[text.RULE_NAME] >= 2
    shown = disclose_words(text.distinctive_words(counts), threshold=5)
    assert SECRETS["rare"] not in set(shown["word"]) and shown.attrs["hidden_words"] >= 1
    # ... and the output (executed notebook, results, manifest, the built book) holds the
    # planted words but none of the injected ones, in any case, in any file.
    files = [f for f in out.rglob("*") if f.is_file()]
    assert any(f.suffix == ".html" and f.name == "um_01_sprakbruk.html" for f in files)
    blob = b"\n".join(f.read_bytes() for f in files).lower()
    assert "omsorg".encode() in blob
    needles = [SECRETS["name"], SECRETS["start_name"], SECRETS["rare"], SECRETS["digits"],
               SECRETS["email"], "kalle.kula", "exempel.se"]
    for needle in needles:
        assert needle.lower().encode() not in blob, needle


# --- um_02: control charts ------------------------------------------------------------------------

def _monthly(res):
    rows = [c for c in res["comparisons"] if c["measure"] == "gap_pp_control_band"]
    return {c["comparison"].rsplit(" ", 1)[1]: c for c in rows}


def test_um_02_the_gap_is_flagged_after_the_change_and_not_before(um_results, planted):
    truth = planted["um_02_kvalitetsuppfoljning"]
    shift = truth["shift_month"][:7]
    months = _monthly(um_results["um_02_kvalitetsuppfoljning"])
    assert len(months) == 36
    before = [m for m in sorted(months) if m < shift]
    after = [m for m in sorted(months) if m >= shift]
    flagged = {m for m, c in months.items() if c["warning"]}
    # Before the change: a stable process gives about 24 × (1/370 + 1/500) ≈ 0.1 false alarms
    # (3-sigma band and EWMA); at most one is accepted.
    assert len(flagged & set(before)) <= 1
    # After: the gap (planted +12 pp, about 2 standard deviations of a month's gap) is found
    # within a few months and stays found: at least half of the months, and the last three.
    assert len(flagged & set(after)) >= len(after) / 2
    assert set(after[-3:]) <= flagged
    # Every signal after the change says the gap women − men grew (men fell behind).
    assert all("(over)" in months[m]["warning"] for m in flagged & set(after))
    # The bands are 3-sigma bands around the baseline gap, about 0 as planted.
    for c in months.values():
        assert c["ci_low"] < truth["gap_before_pp"] < c["ci_high"]
        assert c["conf_level"] == pytest.approx(2 * 0.5 * math.erfc(-3 / math.sqrt(2)) - 1)


def test_um_02_yearly_gaps(um_results, planted):
    """The yearly gaps (Newcombe intervals): 2025 covers the planted +12 pp and excludes 0; the
    years before lie within 3 standard errors of the planted 0 (2024 is −3.7 pp at this seed,
    2.3 standard errors, the kind of chance finding the chapter warns about)."""
    truth = planted["um_02_kvalitetsuppfoljning"]
    rows = {c["comparison"].rsplit(" ", 1)[1]: c
            for c in um_results["um_02_kvalitetsuppfoljning"]["comparisons"]
            if c["measure"] == "risk_difference_pp"}
    assert set(rows) == {"2023", "2024", "2025"}
    after = rows["2025"]
    assert after["ci_low"] <= truth["gap_after_pp"] <= after["ci_high"] and after["ci_low"] > 0
    for year in ("2023", "2024"):
        r = rows[year]
        se = (r["ci_high"] - r["ci_low"]) / (2 * Z95)
        assert abs(r["estimate"] - truth["gap_before_pp"]) < 3 * se, year
    assert {c["p_adjust_method"] for c in rows.values()} == {"Holm"}
