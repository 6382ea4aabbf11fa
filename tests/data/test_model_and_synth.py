"""The data-model chapter matches the model; the synthetic data are deterministic per seed."""
from __future__ import annotations

import filecmp
from pathlib import Path

from jamtools.data.doc import render
from jamtools.synth import generate

ROOT = Path(__file__).resolve().parents[2]


def test_datamodel_chapter_is_generated_from_the_model():
    committed = (ROOT / "book" / "datamodell.md").read_text(encoding="utf-8")
    assert committed == render(), "regenerate: python -m jamtools model-doc > book/datamodell.md"


def test_same_seed_identical_files_other_seed_different(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=7, scale=0.2)
    generate(b, seed=7, scale=0.2)
    generate(c, seed=8, scale=0.2)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and len(names) >= 4
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors
    # Every drawn table differs with another seed; the population is fixed by design.
    drawn = [n for n in names if n.endswith(".csv") and n != "befolkning.csv"]
    _, differ, _ = filecmp.cmpfiles(a, c, drawn, shallow=False)
    assert sorted(differ) == sorted(drawn) and len(drawn) >= 8


def test_home_help_synthetic_data_carry_their_planted_effects(tmp_path):
    """The hemtjänst generator's planted gaps are recovered by the library's methods: crude
    (women more hours: more need), adjusted at equal need (fewer), and the change from 2023."""
    import json

    from jamtools import data, stats

    generate(tmp_path, seed=20261124, scale=1)
    truth = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))["questions"]
    d = data.load_table("ht_beslut", data_dir=tmp_path).data
    d["adl"] = d["adl_beroende"].astype(str)
    crude = stats.compare_amounts(d, "beviljade_timmar").set_index("measure").loc["mean_difference"]
    adjusted = stats.adjusted_amount_difference(d, "beviljade_timmar", "kon",
                                                ["adl", "ensamboende", "alder"]).iloc[0]
    change = stats.amount_gap_change(d, "beviljade_timmar", "ar", 2023,
                                     covariates=["adl", "ensamboende", "alder"]).iloc[0]
    t1 = truth["ht_01_hemtjanst_timmar"]["beviljade_timmar"]
    t2 = truth["ht_02_forandring_over_tid"]["beviljade_timmar"]
    assert crude.ci_low <= t1["crude_mean_difference"] <= crude.ci_high and crude.ci_low > 0
    assert adjusted.ci_low <= t1["adjusted_mean_difference"] <= adjusted.ci_high < 0
    assert change.ci_low <= t2["gap_change"] <= change.ci_high


def test_social_assistance_synthetic_data_carry_their_planted_effects(tmp_path):
    """eb_planering and eb_utfall: requirement (women less often at equal household, health and
    age), screening for violence (women more often), time to self-sufficiency (hazard ratio)."""
    import json

    from jamtools import data, stats

    generate(tmp_path, seed=20261124, scale=1)
    truth = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))["questions"]
    plan = data.load_table("eb_planering", data_dir=tmp_path).data
    plan["aldersgrupp"] = (plan["alder"] // 10).astype(str)
    covs = ["hushallstyp", "ohalsa", "aldersgrupp"]
    counts = stats.collapse(plan, "aktivitetskrav", ["kon", *covs])
    levels = ("kvinna", "man")
    crude = stats.compare_groups(counts, "kon", levels).iloc[0]
    adjusted = stats.adjusted_difference(counts, "kon", covs, levels).iloc[0]
    t = truth["eb_01_krav"]["aktivitetskrav"]
    assert crude.ci_low <= t["crude_rd_pp"] <= crude.ci_high
    assert adjusted.ci_low <= t["adjusted_rd_pp"] <= adjusted.ci_high < 0
    asked = stats.compare_groups(stats.collapse(plan, "fragat_om_vald", ["kon"]), "kon", levels).iloc[0]
    t = truth["eb_05_vald_i_nara_relation"]["fragat_om_vald"]
    assert asked.ci_low <= t["crude_rd_pp"] <= asked.ci_high
    out = data.load_table("eb_utfall", data_dir=tmp_path).data
    hr = stats.cox_hazard_ratio(out, "dagar", "sjalvforsorjande", "kon", ["hushallstyp"], levels).iloc[0]
    assert hr.ci_low <= truth["eb_06_sjalvforsorjning"]["hazard_ratio"] <= hr.ci_high < 1


def test_kulturskola_and_population_synthetic_data(tmp_path):
    """Instrument choice: the planted segregation before and after the change year is covered
    by the dissimilarity index's bootstrap interval; the population table adds up by year."""
    import json

    from jamtools import data, stats

    generate(tmp_path, seed=20261124, scale=1)
    truth = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))["questions"]
    t = truth["ks_01_instrumentval"]
    ks = data.load_table("ks_elever", data_dir=tmp_path).data
    for label, rows in (("dissimilarity_before", ks.ar < t["change_year"]),
                        ("dissimilarity_after", ks.ar >= t["change_year"])):
        d = stats.dissimilarity_index(ks[rows], "instrument").iloc[0]
        assert d.ci_low <= t[label] <= d.ci_high, label
    pop = data.load_table("befolkning", data_dir=tmp_path).data
    assert set(pop.kon) == {"kvinna", "man"} and pop.groupby("ar").antal.sum().is_monotonic_increasing


def test_case_notes_and_indicators_synthetic_data(tmp_path):
    """Case notes: the planted words for women appear in about GENDERED_P of women's notes and
    never in men's; indicators: the gap in follow-up on time opens after the planted month."""
    import json

    import pandas as pd

    from jamtools import data, stats

    generate(tmp_path, seed=20261124, scale=1)
    truth = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))["questions"]
    notes = data.load_table("um_anteckningar", data_dir=tmp_path).data
    t = truth["um_01_sprakbruk"]
    notes["kvinnoord"] = notes["anteckning"].str.contains("|".join(t["woman_words"])).astype(int)
    shares = stats.share_by_group(notes, outcome="kvinnoord").set_index("kon")
    assert shares.loc["man", "events"] == 0
    lo, hi = shares.loc["kvinna", ["ci_low", "ci_high"]]
    assert lo <= t["gendered_word_probability"] <= hi
    ind = data.load_table("um_indikatorer", data_dir=tmp_path).data
    t = truth["um_02_kvalitetsuppfoljning"]
    counts = ind.rename(columns={"taljare": "events", "namnare": "n"})
    counts["efter"] = (counts["manad"] >= pd.Timestamp(t["shift_month"])).astype(int)
    change = stats.gap_change(counts[["kon", "efter", "n", "events"]], "efter", 1).iloc[0]
    assert change.ci_low <= t["gap_after_pp"] - t["gap_before_pp"] <= change.ci_high
    assert change.ci_low > 0
