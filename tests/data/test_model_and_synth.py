"""The data-model chapter matches the model; the synthetic data are deterministic per seed."""
from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pandas as pd
import pytest

from jamtools.run import cli

from jamtools.run.model_doc import render
from jamtools.data.model import TABLES
from jamtools.data.synth import generate

ROOT = Path(__file__).resolve().parents[2]


def test_datamodel_chapter_is_generated_from_the_model():
    committed = (ROOT / "book" / "datamodell.md").read_text(encoding="utf-8")
    assert committed == render(), "regenerate: python -m jamtools model-doc > book/datamodell.md"


def test_same_seed_identical_files_other_seed_different(tmp_path):
    """Through the command line, as the README tells users to call it."""
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 7), (b, 7), (c, 8)):
        assert cli.main(["synth", "--seed", str(seed), "--scale", "0.2", "--out", str(out)]) == 0
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and len(names) >= 4
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors
    # Every drawn table differs with another seed; the population is fixed by design.
    drawn = [n for n in names if n.endswith(".csv") and n != "befolkning.csv"]
    _, differ, _ = filecmp.cmpfiles(a, c, drawn, shallow=False)
    assert sorted(differ) == sorted(drawn) and len(drawn) >= 8


def test_home_help_synthetic_data_carry_their_planted_effects(demo):
    """The hemtjänst generator's planted gaps are recovered by the library's methods: crude
    (women more hours: more need), adjusted at equal need (fewer), and the change from 2023."""
    from jamtools import data, stats

    out, truth = demo
    d = data.load_table("ht_beslut", data_dir=out).data
    d["adl"] = d["adl_beroende"].astype(str)
    crude = stats.compare_amounts(d, "beviljade_timmar",
                                  levels=("kvinna", "man")).set_index("measure").loc["mean_difference"]
    adjusted = stats.adjusted_amount_difference(d, "beviljade_timmar", "kon",
                                                ["adl", "ensamboende", "alder"],
                                                levels=("kvinna", "man")).iloc[0]
    change = stats.amount_gap_change(d, "beviljade_timmar", "ar", 2023,
                                     covariates=["adl", "ensamboende", "alder"],
                                     levels=("kvinna", "man")).iloc[0]
    t1 = truth["ht_01_hemtjanst_timmar"]["beviljade_timmar"]
    t2 = truth["ht_02_forandring_over_tid"]["beviljade_timmar"]
    assert crude.ci_low <= t1["crude_mean_difference"] <= crude.ci_high and crude.ci_low > 0
    assert adjusted.ci_low <= t1["adjusted_mean_difference"] <= adjusted.ci_high < 0
    assert change.ci_low <= t2["gap_change"] <= change.ci_high


def test_kulturskola_and_population_synthetic_data(demo):
    """Instrument choice: the planted segregation before and after the change year is covered
    by the dissimilarity index's bootstrap interval; the population table adds up by year."""
    from jamtools import data, stats

    out, truth = demo
    t = truth["ks_01_instrumentval"]
    ks = data.load_table("ks_elever", data_dir=out).data
    for label, rows in (("dissimilarity_before", ks.ar < t["change_year"]),
                        ("dissimilarity_after", ks.ar >= t["change_year"])):
        d = stats.dissimilarity_index(ks[rows], "instrument", levels=("flicka", "pojke")).iloc[0]
        assert d.ci_low <= t[label] <= d.ci_high, label
    pop = data.load_table("befolkning", data_dir=out).data
    assert set(pop.kon) == {"kvinna", "man"} and pop.groupby("ar").antal.sum().is_monotonic_increasing


def test_case_notes_and_indicators_synthetic_data(demo):
    """Case notes: the planted words for women appear in about GENDERED_P of women's notes and
    never in men's; indicators: the gap in follow-up on time opens after the planted month."""
    import pandas as pd

    from jamtools import data, stats

    out, truth = demo
    notes = data.load_table("um_anteckningar", data_dir=out).data
    t = truth["um_01_sprakbruk"]
    notes["kvinnoord"] = notes["anteckning"].str.contains("|".join(t["woman_words"])).astype(int)
    shares = stats.share_by_group(notes, outcome="kvinnoord").set_index("kon")
    assert shares.loc["man", "events"] == 0
    lo, hi = shares.loc["kvinna", ["ci_low", "ci_high"]]
    assert lo <= t["gendered_word_probability"] <= hi
    ind = data.load_table("um_indikatorer", data_dir=out).data
    t = truth["um_02_kvalitetsuppfoljning"]
    counts = ind.rename(columns={"taljare": "events", "namnare": "n"})
    counts["efter"] = (counts["manad"] >= pd.Timestamp(t["shift_month"])).astype(int)
    change = stats.gap_change(counts[["kon", "efter", "n", "events"]], "efter", 1,
                              levels=("kvinna", "man")).iloc[0]
    assert change.ci_low <= t["gap_after_pp"] - t["gap_before_pp"] <= change.ci_high
    assert change.ci_low > 0


def test_large_scales_are_generated_in_chunks(tmp_path):
    """Chunked generation (as for ten million rows, here with tiny chunks): Parquet files
    only, unique keys, references within their chunk, aggregates summed, planted counts summed;
    the same seed gives byte-identical Parquet files."""
    import json
    import warnings

    import pandas as pd

    from jamtools import data
    from jamtools.data.model import TABLES

    a, b = tmp_path / "a", tmp_path / "b"
    (a / "bof_insatser.csv").parent.mkdir()
    (a / "bof_insatser.csv").write_text("stale\n", encoding="utf-8")
    for out in (a, b):
        generate(out, seed=3, scale=0.3, fmt="parquet", chunk_scale=0.1)
    assert not list(a.glob("*.csv")), "a stale CSV next to the Parquet file is removed"
    names = sorted(p.name for p in a.glob("*.parquet"))
    assert names == sorted(f"{t}.parquet" for t in TABLES)
    _, mismatch, errors = filecmp.cmpfiles(a, b, names + ["planted.json"], shallow=False)
    assert not mismatch and not errors
    single = tmp_path / "single"
    generate(single, seed=3, scale=0.1, fmt="csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a dangling reference across chunks would warn
        for name in TABLES:
            frame = data.load_table(name, data_dir=a).data
            assert frame[TABLES[name].key].is_unique
    aktual = pd.read_parquet(a / "bof_aktualiseringar.parquet")
    assert aktual.aktualisering_id.str[:6].value_counts().to_dict() == {
        "c0000-": 600, "c0001-": 600, "c0002-": 600}
    pop, pop1 = pd.read_parquet(a / "befolkning.parquet"), pd.read_csv(single / "befolkning.csv")
    assert len(pop) == len(pop1) and pop.antal.sum() > 2.9 * pop1.antal.sum()
    planted = json.loads((a / "planted.json").read_text(encoding="utf-8"))
    one = json.loads((single / "planted.json").read_text(encoding="utf-8"))
    assert planted["chunks"] == 3
    rows = planted["questions"]["eb_01_krav"]["aktivitetskrav"]["rows"]
    assert rows == len(pd.read_parquet(a / "eb_planering.parquet"))
    ht2, ht2_one = (p["questions"]["ht_02_forandring_over_tid"]["beviljade_timmar"] for p in (planted, one))
    assert ht2["gap_change"] == ht2_one["gap_change"]  # constants of the model are kept as they are


def test_synth_format_option_writes_the_same_rows_as_parquet(tmp_path):
    assert cli.main(["synth", "--seed", "5", "--scale", "0.1", "--format", "parquet",
                     "--out", str(tmp_path / "pq")]) == 0
    assert cli.main(["synth", "--seed", "5", "--scale", "0.1", "--out", str(tmp_path / "csv")]) == 0
    assert not list((tmp_path / "pq").glob("*.csv"))
    pq = pd.read_parquet(tmp_path / "pq" / "ht_beslut.parquet")
    csv = pd.read_csv(tmp_path / "csv" / "ht_beslut.csv")
    pd.testing.assert_frame_equal(pq.astype(str), csv.astype(str))


def test_csv_chunks_append_and_auto_format(tmp_path):
    import pandas as pd

    generate(tmp_path, seed=4, scale=0.2, fmt="csv", chunk_scale=0.1)
    ht = pd.read_csv(tmp_path / "ht_beslut.csv")
    assert len(ht) == 800 and ht.beslut_id.is_unique  # one header, two chunks
    with pytest.raises(ValueError):
        generate(tmp_path, scale=0.1, fmt="xlsx")


def test_tables_option_generates_only_their_domains_with_the_same_rows(tmp_path):
    from jamtools.data.synth import DOMAIN_TABLES
    every = {t for ts in DOMAIN_TABLES.values() for t in ts}
    assert every == set(TABLES)  # the mapping covers the whole data model
    full, part = tmp_path / "full", tmp_path / "part"
    generate(full, seed=9, scale=0.1)
    assert sorted(p.stem for p in full.glob("*.csv")) == sorted(every)
    assert cli.main(["synth", "--seed", "9", "--scale", "0.1", "--tables", "ru_ansokningar",
                     "--out", str(part)]) == 0
    assert sorted(p.stem for p in part.glob("*.csv")) == sorted(DOMAIN_TABLES["ks_ru_pop"])
    # The domain draws the same rows as in a full run.
    for name in DOMAIN_TABLES["ks_ru_pop"]:
        assert filecmp.cmp(full / f"{name}.csv", part / f"{name}.csv", shallow=False), name
    planted = json.loads((part / "planted.json").read_text(encoding="utf-8"))
    assert set(planted["questions"]) == {"ks_01_instrumentval", "ru_01_projektmedel"}
    assert cli.main(["synth", "--tables", "okand_tabell", "--out", str(tmp_path / "x")]) == 2
