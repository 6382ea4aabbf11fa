"""The chapters hl_01 (is our statistics split by sex?) and r4_01 (representation), run as an
analyst runs them (``python -m jamtools run``), checked against their results JSON:

- hl_01 finds every synthetic table with a complete sex (aggregate tables by construction), and on
  a copy where one table lost its sex column and another has 20 % unknown codes reports exactly
  that;
- r4_01's rates and rate ratios equal values recomputed here from the CSV files with plain
  pandas, for a client table of the default run (every client table, one part each) and for two
  chosen by the parameter ``tabell``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamtools.present import results as results_mod

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
HL, R4 = "hl_01_konsuppdelad_statistik", "r4_01_representation"


def _run(out: Path, only: str, config: Path | None = None) -> dict:
    cmd = [sys.executable, "-m", "jamtools", "run", "--only", only, "--out", str(out), "--no-book"]
    if config is not None:
        cmd[4:4] = ["--config", str(config)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return results_mod.read(out / "results" / f"{only}.json")


def _audit_rows(res) -> dict:
    rows = {}
    for c in res["comparisons"]:
        rows.setdefault(c["outcome"], {})[c["measure"]] = c
    return rows


# --- hl_01 -------------------------------------------------------------------------------------

def test_hl_01_on_synthetic_data_every_table_has_sex(chapter_results):
    # The suite's run of every chapter (tests/conftest.py::synthetic_run) is this run: the same
    # command on the synthetic data without a configuration; its results file is read here
    # rather than running hl_01 a second time.
    res = chapter_results[HL]
    rows = _audit_rows(res)
    files = sorted(p.stem for p in SYNTHETIC.glob("*.csv"))
    assert sorted(rows) == files  # every table of the model is found
    for table, r in rows.items():
        known = r["share_known_sex"]
        assert known["estimate"] == 1.0, table
        assert known["n_b"] == len(pd.read_csv(SYNTHETIC / f"{table}.csv")), table
        assert r["share_sex_missing"]["estimate"] == 0 and r["share_sex_other_code"]["estimate"] == 0
        expected = ("Ja (uppdelad efter kön i sin uppbyggnad)" if table in ("befolkning", "um_indikatorer")
                    else "Ja (kolumn)")
        assert known["warning"] == expected, table
        assert not known["suppressed"]
    assert set(res["counts"]) == set(files)


def test_hl_01_reports_a_removed_sex_column_and_unknown_codes(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SYNTHETIC, data)
    ht = pd.read_csv(data / "ht_beslut.csv", dtype=str)
    ht.drop(columns="kon").to_csv(data / "ht_beslut.csv", index=False)
    eb = pd.read_csv(data / "eb_klienter.csv", dtype=str, keep_default_na=False)
    unknown = eb.sample(frac=0.2, random_state=1).index  # 600 of 3 000 rows
    eb.loc[unknown[:300], "kon"] = "okänd"
    eb.loc[unknown[300:], "kon"] = ""
    eb.to_csv(data / "eb_klienter.csv", index=False)
    (data / "ks_elever.csv").unlink()
    cfg = tmp_path / "tmp.yml"
    cfg.write_text(f"data_dir: {data}\n", encoding="utf-8")
    res = _run(tmp_path / "out", HL, cfg)
    rows = _audit_rows(res)
    assert rows["ht_beslut"]["share_known_sex"]["warning"] == "Nej: kön saknas"
    assert rows["ht_beslut"]["share_known_sex"]["estimate"] == 0
    assert rows["ht_beslut"]["share_known_sex"]["n_b"] == 4000
    eb_rows = rows["eb_klienter"]
    assert eb_rows["share_known_sex"]["estimate"] == pytest.approx(0.8)
    assert eb_rows["share_sex_missing"]["n_a"] == 300 and eb_rows["share_sex_other_code"]["n_a"] == 300
    assert res["counts"]["eb_klienter"]["excluded"]["okant"] == 600
    assert rows["ks_elever"]["share_known_sex"]["warning"] == "Tabellen saknas"
    assert rows["ks_elever"]["share_known_sex"]["estimate"] is None
    # Nothing else changed: every other table still has a complete sex.
    for table, r in rows.items():
        if table not in ("ht_beslut", "eb_klienter", "ks_elever"):
            assert r["share_known_sex"]["estimate"] == 1.0, table


# --- r4_01 -------------------------------------------------------------------------------------

def _expected(table: str, date_col: str, bounds: list, upper, child: bool) -> dict:
    """Rates and ratios recomputed from the CSV files with plain pandas: distinct persons per
    year, by sex and age group, against the population of the same years, sex and ages."""
    clients = pd.read_csv(SYNTHETIC / f"{table}.csv", dtype={"person_id": str})
    pop = pd.read_csv(SYNTHETIC / "befolkning.csv")
    clients["ar"] = clients[date_col].str[:4].astype(int)
    clients = clients[clients["ar"].isin(pop["ar"].unique())]
    edges = [b - 0.5 for b in bounds] + [upper + 0.5 if upper is not None else np.inf]
    clients["grp"] = pd.cut(clients["alder"], edges, labels=False, right=False)
    clients = clients.dropna(subset=["grp"])
    persons = clients.sort_values(date_col).drop_duplicates(["person_id", "ar"])
    if child:
        persons = persons.assign(kon=persons["kon"].map({"flicka": "kvinna", "pojke": "man"}))
    pop = pop[pop["ar"].isin(persons["ar"].unique())].copy()
    pop["grp"] = pd.cut(pop["alder"], edges, labels=False, right=False)
    pop = pop.dropna(subset=["grp"])
    d = persons.groupby(["grp", "kon"]).size().unstack()
    n = pop.groupby(["grp", "kon"])["antal"].sum().unstack()
    crude = (d["kvinna"].sum() / n["kvinna"].sum()) / (d["man"].sum() / n["man"].sum())
    w = (n["kvinna"] + n["man"]) / (n["kvinna"] + n["man"]).sum()
    dsr_w = (w * d["kvinna"] / n["kvinna"]).sum()
    dsr_m = (w * d["man"] / n["man"]).sum()
    share = 100 * (d["kvinna"].sum() / d.values.sum() - n["kvinna"].sum() / n.values.sum())
    return {"crude": crude, "srr": dsr_w / dsr_m, "share_pp": share,
            "events": (d["kvinna"].sum(), d["man"].sum()), "pop": (n["kvinna"].sum(), n["man"].sum())}


CASES = {
    "eb_klienter": ("ansokningsdatum", [18, 25, 35, 45, 55, 65], None, False),
    "bof_aktualiseringar": ("datum", [0, 7, 13, 16], 17, True),
    "ht_beslut": ("beslutsdatum", [65, 75, 85, 95], None, False),
}


@pytest.mark.parametrize("table", list(CASES))
def test_r4_01_rates_match_an_independent_computation(request, tmp_path, table):
    if table == "eb_klienter":  # eb_klienter: a part of the default run, the suite's own
        res = request.getfixturevalue("chapter_results")[R4]
    else:
        config = tmp_path / "tmp.yml"
        config.write_text(f"data_dir: {SYNTHETIC}\nnotebooks:\n  {R4}:\n    tabell: {table}\n",
                          encoding="utf-8")
        res = _run(tmp_path / "out", R4, config)
    date_col, bounds, upper, child = CASES[table]
    exp = _expected(table, date_col, bounds, upper, child)
    woman, man = ("flicka", "pojke") if child else ("kvinna", "man")
    # The default run shows every client table, one part each: this table's rows.
    comps = [c for c in res["comparisons"] if c["outcome"] in (table, f"andel_{woman}_{table}")]
    [crude] = [c for c in comps if c["measure"] == "rate_ratio" and not c["adjusted"]]
    [srr] = [c for c in comps if c["measure"] == "rate_ratio" and c["adjusted"]]
    [mh] = [c for c in comps if c["measure"] == "mh_rate_ratio"]
    [share] = [c for c in comps if c["measure"] == "share_difference_pp"]
    assert (crude["group_a"], crude["group_b"]) == (woman, man)
    assert (crude["events_a"], crude["events_b"]) == exp["events"]
    assert (crude["n_a"], crude["n_b"]) == exp["pop"]
    # The rates per 1 000 behind the ratio, and the ratios themselves.
    assert 1000 * crude["events_a"] / crude["n_a"] == pytest.approx(1000 * exp["events"][0] / exp["pop"][0])
    assert crude["estimate"] == pytest.approx(exp["crude"], rel=1e-9)
    assert srr["estimate"] == pytest.approx(exp["srr"], rel=1e-9)
    assert srr["adjusted_for"] == ["aldersgrupp"]
    assert share["estimate"] == pytest.approx(exp["share_pp"], rel=1e-9)
    for c in (crude, srr, mh, share):
        assert c["ci_low"] < c["estimate"] < c["ci_high"]
    # Mantel–Haenszel and direct standardisation weigh the strata differently but agree closely
    # when the ratio is similar across age groups.
    assert mh["estimate"] == pytest.approx(srr["estimate"], rel=0.05)
    if table == "ht_beslut":
        # 2020 is not in the population table: its decisions are left out and counted.
        raw = pd.read_csv(SYNTHETIC / "ht_beslut.csv")
        left = (raw["ar"] == 2020).groupby(raw["kon"]).sum()
        assert res["counts"]["ht_beslut"]["excluded"] == {k: int(v) for k, v in left.items()}
