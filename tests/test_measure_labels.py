"""Every measure a chapter compares the sexes with carries its own Swedish name wherever the run
shows it (the summary chapter r4_05, its downloadable CSV): r4_01's share of women among clients
against among inhabitants was called "Andel av resursen minus andel av personerna", r4_02's
label, and r4_02's own measure and r4_01's Mantel–Haenszel ratio showed their internal codes."""
from __future__ import annotations

import json
from pathlib import Path

from jamtools.chapters.summary import is_gap_measure, measure_text
from jamtools.stats import rates

GOLDEN = Path(__file__).parent / "golden"


def test_every_compared_measure_of_the_demo_run_has_a_swedish_name():
    seen = {(c["measure"], json.loads(f.read_text())["question_id"])
            for f in GOLDEN.glob("*.json") for c in json.loads(f.read_text()).get("comparisons", [])}
    unnamed = sorted((m, q) for m, q in seen if is_gap_measure(m) and measure_text(m) == m)
    assert not unnamed


def test_r4_01s_share_difference_is_named_for_clients_and_inhabitants():
    import pandas as pd

    cells = pd.DataFrame({"ar": [2022, 2022], "kon": ["kvinna", "man"], "events": [30.0, 20.0],
                          "population": [1000.0, 1000.0]})
    row = rates.share_compared_with_population(cells, "kon", level="kvinna", outcome_name="andel_kvinna_ht_beslut")
    name = measure_text(row["measure"].iloc[0])
    assert "klienterna" in name and "invånarna" in name and "resursen" not in name
    assert "resursen" in measure_text("resource_share_gap_pp")
    assert "Mantel–Haenszel" in measure_text("mh_rate_ratio")
