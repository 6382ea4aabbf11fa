"""Benchmark: the adjusted comparison via the collapsed table against a row-level fit, and the
leak scan's search for sensitive values against one substring search per value.

One section of ``make bench`` (``python -m bench``, which runs this module in its own process as
``python -m bench.micro [--rows N] [--json FILE]``). Everything is measured in one run on
the same synthetic data: 1 million rows by default, with sex, age group, report reason and
reporter (448 cells). Prints the times, their ratio and the largest difference between the
two fits' coefficients and standard errors. The scan part writes a folder of text files like a
run's output and times :func:`jamtools.run.scan.scan_paths` with many sensitive values (names,
personnummer, free text) against the plain approach: one ``value in text`` per value and file.
Performance claims in the book come from here.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from jamtools import stats

from jamtools.run import scan

COVARIATES = ["aldersgrupp", "anmalningsorsak", "anmalare"]


def make_rows(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "kon": rng.choice(["flicka", "pojke"], n),
        "aldersgrupp": rng.choice(["0–6", "7–12", "13–15", "16–17"], n),
        "anmalningsorsak": rng.choice([f"orsak{i}" for i in range(8)], n),
        "anmalare": rng.choice([f"anm{i}" for i in range(7)], n),
    })
    lin = (-0.2 + 0.3 * (df.kon == "flicka")
           + df.anmalningsorsak.str[-1].astype(int) * 0.1 - df.anmalare.str[-1].astype(int) * 0.05)
    df["utfall"] = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(np.int8)
    return df


def design(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([pd.Series(1.0, index=frame.index, name="const"),
                      (frame.kon == "flicka").astype(float).rename("flicka"),
                      pd.get_dummies(frame[COVARIATES], drop_first=True, dtype=float)], axis=1)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.micro")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scan-values", type=int, default=10_000,
                        help="antal känsliga värden i läckagesökningens mätning")
    parser.add_argument("--json", help="skriv mätvärdena också som JSON till den här filen")
    args = parser.parse_args(argv)
    numbers = {"rows": args.rows, "scan": bench_scan(args.scan_values)}
    df = make_rows(args.rows)
    print(f"Data: {len(df):,} rader, {df.groupby(['kon', *COVARIATES]).ngroups} celler")

    def row_level():
        x = design(df)
        return sm.GLM(df["utfall"].astype(float), x, family=sm.families.Binomial()).fit()

    def collapsed():
        counts = stats.collapse(df, "utfall", ["kon", *COVARIATES])
        x = design(counts)
        fit = sm.GLM(np.column_stack([counts.events, counts.n - counts.events]), x,
                     family=sm.families.Binomial()).fit()
        return fit, counts

    def adjusted():
        counts = stats.collapse(df, "utfall", ["kon", *COVARIATES])
        return stats.adjusted_difference(counts, "kon", COVARIATES, levels=("flicka", "pojke"))

    row_fit, t_row = timed(row_level)
    (agg_fit, _), t_agg = timed(collapsed)
    adj, t_adj = timed(adjusted)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.parquet"
        df.to_parquet(path, index=False)
        duck, t_duck = timed(lambda: stats.collapse_file(path, "utfall", ["kon", *COVARIATES]))
    d_params = float(np.max(np.abs(row_fit.params.to_numpy() - agg_fit.params.to_numpy())))
    d_bse = float(np.max(np.abs(row_fit.bse.to_numpy() - agg_fit.bse.to_numpy())))
    table = pd.DataFrame([
        {"steg": "radnivå: logistisk GLM på alla rader", "sekunder": t_row},
        {"steg": "aggregera (pandas groupby) + GLM på cellerna", "sekunder": t_agg},
        {"steg": "hela justerade jämförelsen (aggregera + GLM + standardisering)", "sekunder": t_adj},
        {"steg": "aggregera direkt ur Parquet med DuckDB", "sekunder": t_duck},
    ])
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"Kvot radnivå / aggregerad modell: {t_row / t_agg:.0f}×")
    print(f"Kvot radnivå / hela justerade jämförelsen: {t_row / t_adj:.0f}×")
    print(f"Största skillnad i koefficienter: {d_params:.2e}; i medelfel: {d_bse:.2e}")
    print(f"DuckDB-cellerna stämmer med pandas: {len(duck)} celler, "
          f"{int(duck.n.sum()):,} rader, {int(duck.events.sum()):,} med utfallet")
    est = adj.set_index("measure").loc["risk_difference_pp"]
    print(f"Justerad skillnad flicka − pojke: {est.estimate:.2f} pe "
          f"({est.ci_low:.2f} till {est.ci_high:.2f})")
    numbers.update(cells=int(len(duck)), row_level_s=t_row, collapsed_s=t_agg, adjusted_s=t_adj,
                   duckdb_collapse_s=t_duck, max_param_diff=d_params, max_se_diff=d_bse)
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    return 0


def bench_scan(n_values: int, n_files: int = 20, seed: int = 2) -> dict:
    """Time the leak scan's sensitive-value search against one substring search per value."""
    rng = np.random.default_rng(seed)
    words = np.array(["omsorg", "ekonomi", "planering", "beslut", "insats", "kvinna", "man",
                      "barn", "utredning", "möte", "arbete", "hälsa", "andel", "procent"])
    values = [f"Namn{i} Efternamn{i % 997}" for i in range(n_values // 2)]
    values += [f"19{rng.integers(40, 99)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
               f"-{rng.integers(0, 10_000):04d}" for _ in range(n_values - len(values))]
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n_files):
            text = " ".join(rng.choice(words, 25_000))
            if k % 5 == 0:  # a few leaks, which both approaches must find
                text += " " + values[k * 37 % len(values)]
            (Path(tmp) / f"sida{k}.html").write_text(f"<html><body><p>{text}</p></body></html>",
                                                     encoding="utf-8")
        files = sorted(Path(tmp).glob("*.html"))
        size = sum(f.stat().st_size for f in files)

        def plain():
            texts = [f.read_text(encoding="utf-8") for f in files]
            return sorted({v for t in texts for v in values if v in t})

        findings, t_scan = timed(lambda: scan.scan_paths([tmp], sensitive_values=values))
        found = sorted(set(findings.loc[findings.kind == "sensitive_value", "file"]))
        naive, t_plain = timed(plain)
    print(f"Läckagesökning: {n_files} filer, {size / 1e6:.1f} MB, {len(values):,} känsliga värden")
    print(f"  scan_paths (Aho–Corasick): {t_scan:.3f} s; ett 'in' per värde och fil: {t_plain:.3f} s; "
          f"kvot {t_plain / t_scan:.0f}×")
    print(f"  båda hittar de planterade läckorna: {len(found)} filer med träff och "
          f"{len(naive)} träffade värden (av {-(-n_files // 5)} planterade)")
    return {"files": n_files, "mb": size / 1e6, "values": len(values), "scan_paths_s": t_scan,
            "plain_in_s": t_plain, "files_found": len(found), "values_found": len(naive),
            "planted": -(-n_files // 5)}


if __name__ == "__main__":
    raise SystemExit(main())
