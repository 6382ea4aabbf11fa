"""The child-and-family chapters recover the effects planted in the synthetic data
(data/synthetic/README.md, values in planted.json): each planted value lies inside the
interval the chapter publishes, and a question with no planted gap reports none."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jamtools import results as results_mod

ROOT = Path(__file__).resolve().parents[1]
BOF = sorted(p.stem for p in (ROOT / "notebooks").glob("bof_*.ipynb"))


@pytest.fixture(scope="module")
def bof_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bof")
    proc = subprocess.run([sys.executable, "-m", "jamtools", "run", "--only", ",".join(BOF),
                           "--out", str(out), "--no-book"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {nb: results_mod.read(out / "results" / f"{nb}.json") for nb in BOF}


def _rd(res, outcome, adjusted):
    [row] = [c for c in res["comparisons"] if c["outcome"] == outcome
             and c["measure"] == "risk_difference_pp" and c["adjusted"] is adjusted]
    return row


def _covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def test_bof_01_opened_investigations(bof_results, planted):
    truth = planted["bof_01_utredning_inleds"]["utredning_inledd"]
    res = bof_results["bof_01_utredning_inleds"]
    crude, adj = _rd(res, "utredning_inledd", False), _rd(res, "utredning_inledd", True)
    assert _covers(crude, truth["crude_rd_pp"]) and _covers(adj, truth["adjusted_rd_pp"])
    assert adj["ci_low"] > 0  # the planted gap among alike reports is found, not only crude
    assert set(adj["adjusted_for"]) == {"aldersgrupp", "anmalningsorsak", "anmalare"}


def test_bof_04_reason_and_reporter(bof_results, planted):
    truth = planted["bof_04_anmalningsorsak_och_anmalare"]
    res = bof_results["bof_04_anmalningsorsak_och_anmalare"]
    assert _covers(_rd(res, "beteende", False), truth["beteende"]["crude_rd_pp"])
    assert _covers(_rd(res, "beteende", True), truth["beteende"]["adjusted_rd_pp"])
    police_crude, police_adj = _rd(res, "anmalare_polis", False), _rd(res, "anmalare_polis", True)
    assert _covers(police_crude, truth["anmalare_polis"]["crude_rd_pp"]) and police_crude["ci_high"] < 0
    # No planted gap in who reports among reports with the same reason: none is reported.
    assert _covers(police_adj, 0.0)


def test_bof_06_process_map(bof_results, planted):
    truth = planted["bof_06_processkarta"]
    res = bof_results["bof_06_processkarta"]
    for outcome in ("utredning_inledd", "insats_beviljad", "insats_per_anmalan"):
        assert _covers(_rd(res, outcome, False), truth[outcome]["crude_rd_pp"]), outcome
    # Where the gap arises: opening (girls more often), insats (boys more often), while the
    # whole chain shows no clear difference.
    assert _rd(res, "utredning_inledd", False)["ci_low"] > 0
    assert _rd(res, "insats_beviljad", False)["ci_high"] < 0
    assert _covers(_rd(res, "insats_per_anmalan", False), 0.0)


def test_every_comparison_says_how_p_values_were_adjusted(bof_results):
    for nb, res in bof_results.items():
        assert res["comparisons"], nb
        assert {c["p_adjust_method"] for c in res["comparisons"]} == {"Holm"}, nb
