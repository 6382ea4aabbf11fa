"""The 4R chapters on resources, results and groups recover the effects planted in the synthetic
data (data/synthetic/README.md, values in planted.json), and a run on a tiny unit shows hidden
cells ('..', suppressed comparisons) rather than small numbers.

- r4_02 (resources; its home-help part): the crude and the need-adjusted difference in hours cover the
  planted ht_01 values; the share of hours minus the share of decisions covers the value the
  planted crude gap implies (P(1 − P)·Δ/x̄), and the share at the same need covers the value the
  planted adjusted gap implies; the gap changes sign with adjustment, as planted.
- r4_03 (results): both goal indicators, crude and adjusted, cover their planted values with
  simultaneous intervals, and find the planted gaps.
- r4_04 (groups): the four sex × country-of-birth shares cover the true shares; the interaction
  (difference in differences and ratio of odds ratios), crude and adjusted, covers the planted
  one and excludes no interaction.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from jamtools.present import results as results_mod
from jamtools import stats

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
R4 = ("r4_02_resurser", "r4_03_resultat", "r4_04_olika_grupper")
THRESHOLD = 5


def _run(out: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jamtools", "run", "--only", ",".join(R4),
                           "--out", str(out), "--no-book", *extra], capture_output=True, text=True,
                          cwd=ROOT)


@pytest.fixture(scope="module")
def r4_results(chapter_results):
    return {nb: chapter_results[nb] for nb in R4}


def _one(res, **match):
    rows = [c for c in res["comparisons"] if all(c[k] == v for k, v in match.items())]
    assert len(rows) == 1, (match, rows)
    return rows[0]


def _covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def test_r4_02_hours_and_shares(r4_results, planted):
    truth = planted["ht_01_hemtjanst_timmar"]["beviljade_timmar"]
    res = r4_results["r4_02_resurser"]
    crude = _one(res, outcome="beviljade_timmar", measure="mean_difference", adjusted=False)
    adj = _one(res, outcome="beviljade_timmar", measure="mean_difference", adjusted=True)
    assert _covers(crude, truth["crude_mean_difference"]) and crude["ci_low"] > 0
    assert _covers(adj, truth["adjusted_mean_difference"]) and adj["ci_high"] < 0
    assert set(adj["adjusted_for"]) == {"adl_beroende", "alder", "ensamboende"}

    hours = pd.read_csv(SYNTHETIC / "ht_beslut.csv")
    women = hours["kon"] == "kvinna"
    share_n, mean_all = women.mean(), hours["beviljade_timmar"].mean()
    gap = _one(res, outcome="beviljade_timmar", measure="resource_share_gap_pp", adjusted=False)
    assert gap["n_a"] == women.sum() and gap["n_b"] == (~women).sum()
    implied = 100 * share_n * (1 - share_n) * truth["crude_mean_difference"] / mean_all
    assert _covers(gap, implied) and gap["ci_low"] > 0  # women get a larger share than their share

    # At the same need: the share the women would have had, granted like men (planted δ).
    s_a, s, n_a = hours.loc[women, "beviljade_timmar"].sum(), hours["beviljade_timmar"].sum(), women.sum()
    delta = truth["adjusted_mean_difference"]
    implied_adj = 100 * (s_a / s - (s_a - n_a * delta) / (s - n_a * delta))
    gap_adj = _one(res, outcome="beviljade_timmar", measure="resource_share_gap_pp", adjusted=True)
    assert _covers(gap_adj, implied_adj) and gap_adj["ci_high"] < 0


def test_r4_03_goal_attainment(r4_results, planted):
    res = r4_results["r4_03_resultat"]
    truths = {"sjalvforsorjande": planted["eb_07_processkarta"]["sjalvforsorjande"],
              "forflyttning": planted["eb_06_sjalvforsorjning"]["forflyttning"]}
    for outcome, truth in truths.items():
        for adjusted, key in ((False, "crude_rd_pp"), (True, "adjusted_rd_pp")):
            row = _one(res, outcome=outcome, measure="risk_difference_pp", adjusted=adjusted)
            assert not row["suppressed"]
            assert _covers(row, truth[key]), (outcome, adjusted, row, truth[key])
            assert row["ci_high"] < 0  # the planted gap (women reach the goal less often) is found
            assert row["conf_level"] == pytest.approx(1 - 0.05 / 2)
            assert row["n_a"] + row["n_b"] == truth["rows"]
        assert set(_one(res, outcome=outcome, measure="risk_difference_pp", adjusted=True)
                   ["adjusted_for"]) == {"hushallstyp", "aldersgrupp", "fodelseland"}


def _logit(p):
    return math.log(p / (1 - p))


def test_r4_04_groups_and_interaction(r4_results, planted):
    truth = planted["r4_04_olika_grupper"]
    assert truth["outcome"] == "forflyttning"
    true = {k: v / 100 for k, v in truth["true_percent_by_group"].items()}
    res = r4_results["r4_04_olika_grupper"]
    codes = {"inrikes_fodd": "fodd_i_sverige", "utrikes_fodd": "utrikes_fodd"}
    for mine, theirs in codes.items():
        row = _one(res, comparison=f"kvinna − man, {mine}", adjusted=False, measure="risk_difference_pp")
        assert not row["suppressed"]
        # The published counts give the four groups' shares with their Wilson intervals.
        counts = pd.DataFrame({"kon": ["kvinna", "man"], "n": [row["n_a"], row["n_b"]],
                               "events": [row["events_a"], row["events_b"]]})
        shares = stats.share_by_group(counts, "kon", conf_level=row["conf_level"]).set_index("kon")
        for sex in ("kvinna", "man"):
            t = true[f"{sex}|{theirs}"]
            assert shares.loc[sex, "ci_low"] <= t <= shares.loc[sex, "ci_high"], (sex, theirs, t)
        assert _covers(row, 100 * (true[f"kvinna|{theirs}"] - true[f"man|{theirs}"]))
    did = 100 * ((true["kvinna|utrikes_fodd"] - true["man|utrikes_fodd"])
                 - (true["kvinna|fodd_i_sverige"] - true["man|fodd_i_sverige"]))
    ror = math.exp((_logit(true["kvinna|utrikes_fodd"]) - _logit(true["man|utrikes_fodd"]))
                   - (_logit(true["kvinna|fodd_i_sverige"]) - _logit(true["man|fodd_i_sverige"])))
    assert ror == pytest.approx(math.exp(-0.6), rel=1e-3)  # the planted log-odds interaction
    for adjusted in (False, True):
        pp = _one(res, measure="interaction_pp", adjusted=adjusted)
        assert _covers(pp, did) and pp["ci_high"] < 0, (adjusted, pp, did)
        odds = _one(res, measure="interaction_odds_ratio", adjusted=adjusted)
        assert _covers(odds, ror) and odds["ci_high"] < 1
    assert set(_one(res, measure="interaction_pp", adjusted=True)["adjusted_for"]) == \
        {"aldersgrupp", "hushallstyp"}


def test_every_comparison_says_how_p_values_were_adjusted(r4_results):
    for nb, res in r4_results.items():
        assert res["comparisons"], nb
        assert {c["p_adjust_method"] for c in res["comparisons"]} == {"Holm"}, nb


# --- A tiny unit: hidden cells, not small numbers --------------------------------------------

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The synthetic data with a unit 'Lilla' of a few rows in the tables the chapters read:
    8 home-help decisions (3 for men) and 30 social-assistance clients."""
    data = tmp_path_factory.mktemp("indata")
    for f in SYNTHETIC.glob("*.csv"):
        shutil.copy(f, data)
    ht = pd.read_csv(data / "ht_beslut.csv", dtype=str)
    rows = list(ht.index[ht["kon"] == "kvinna"][:5]) + list(ht.index[ht["kon"] == "man"][:3])
    ht.loc[rows, "enhet"] = "Lilla"
    ht.to_csv(data / "ht_beslut.csv", index=False)
    utfall = pd.read_csv(data / "eb_utfall.csv", dtype=str)
    utfall.loc[utfall.index[:30], "enhet"] = "Lilla"
    utfall.to_csv(data / "eb_utfall.csv", index=False)
    tmp = tmp_path_factory.mktemp("liten")
    cfg = tmp / "jamtools.yml"
    cfg.write_text(json.dumps({"data_dir": str(data), "threshold": THRESHOLD,
                               "organisation": "Testkommunen",
                               "notebooks": {nb: {"enhet": "Lilla"} for nb in R4}}), encoding="utf-8")
    out = tmp / "ut"
    proc = _run(out, "--config", str(cfg))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def _outputs(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/markdown", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_tiny_unit_hides_rather_than_shows(tiny_run):
    for nb in R4:
        res = results_mod.read(tiny_run / "results" / f"{nb}.json")
        for c in res["comparisons"]:
            for key in ("n_a", "n_b", "events_a", "events_b"):
                assert c[key] is None or c[key] == 0 or c[key] >= THRESHOLD, (nb, c)
            # Nothing that rests on a group under the threshold is published as a number.
            if c["suppressed"]:
                assert c["estimate"] is None and c["ci_low"] is None
        assert any(c["suppressed"] for c in res["comparisons"]), nb
        for counts in res["counts"].values():
            for v in counts["analysed"].values():
                assert v is None or v == 0 or v >= THRESHOLD, (nb, counts)
        shown = _outputs(tiny_run / "notebooks" / f"{nb}.ipynb")
        assert ">..<" in shown, nb  # hidden cells are shown as '..' in the tables
    # The home-help unit has 3 decisions for men: the hours per sex are hidden in words too.
    text = _outputs(tiny_run / "notebooks" / "r4_02_resurser.ipynb")
    assert "Fördelningen kan inte visas" in text
    scan = subprocess.run([sys.executable, "-m", "jamtools", "scan", str(tiny_run),
                           "--threshold", str(THRESHOLD)], capture_output=True, text=True, cwd=ROOT)
    assert scan.returncode == 0, scan.stdout[-3000:]


def test_r4_02_runs_on_interventions_per_client(tmp_path):
    """The resource table is a parameter: offered interventions per client in social assistance."""
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(json.dumps({"data_dir": str(SYNTHETIC),
                               "notebooks": {"r4_02_resurser": {"tabell": "eb_insatser"}}}),
                   encoding="utf-8")
    out = tmp_path / "ut"
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--only", "r4_02_resurser",
                           "--config", str(cfg), "--out", str(out), "--no-book"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = results_mod.read(out / "results" / "r4_02_resurser.json")
    assert set(res["counts"]) == {"eb_planering", "eb_insatser"}
    gap = _one(res, measure="resource_share_gap_pp", adjusted=True)
    assert gap["outcome"] == "antal_insatser" and not gap["suppressed"]
    assert set(gap["adjusted_for"]) == {"ohalsa", "hushallstyp", "aldersgrupp"}
    # Planted (eb_03): women are offered some types less and others more, at equal ill-health;
    # the number of offers per client is what the chapter compares, crude and adjusted.
    planning = pd.read_csv(SYNTHETIC / "eb_planering.csv")
    assert gap["n_a"] + gap["n_b"] == len(planning)
