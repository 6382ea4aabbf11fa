"""A measure of a whole distribution (Cramér's V, the chi-square test's p-value, the
dissimilarity index) is a function of every cell of the table it summarises. Beside a
distribution table that hides cells it gives them back: a probe's bof_03 on 14 insatser
(7 girls, 7 boys) hid most counts, and Cramér's V of the results file (0.6618876325…) with the
group sizes and the zeros shown left 18 tables of the 225 possible ones, all with each of the
boys' three hidden counts of family treatment, contact person and counselling equal to 1."""
from __future__ import annotations

import pandas as pd

from jamtools.chapters import bof
from jamtools.run.notebook import setup

#: Insats types by sex of the probe (family treatment, contact person, HVB, counselling,
#: structured outpatient care).
CELLS = {"flicka": {"familjebehandling": 4, "kontaktperson_familj": 2, "samtalsstod": 1},
         "pojke": {"familjebehandling": 1, "kontaktperson_familj": 1, "placering_hvb": 2,
                   "samtalsstod": 1, "strukturerad_oppenvard": 2}}


def _small_insatser(folder) -> None:
    rows = []
    for kon, types in CELLS.items():
        for typ, n in types.items():
            rows += [{"kon": kon, "alder": 10, "startdatum": "2024-05-01", "insatstyp": typ}] * n
    frame = pd.DataFrame(rows)
    frame.insert(0, "insats_id", [f"I{k:04d}" for k in range(len(frame))])
    frame.to_csv(folder / "bof_insatser.csv", index=False)


def test_bof_03_hides_the_measures_of_a_distribution_with_hidden_cells(tmp_path):
    _small_insatser(tmp_path)
    ctx = setup("bof_03_typ_av_insats", {"data_dir": str(tmp_path), "threshold": 3,
                                         "enhet": None, "alder_min": 0, "alder_max": 17})
    page = bof.insats_types(ctx)
    whole = page.comparisons[page.comparisons["measure"].isin(["cramers_v", "dissimilarity_index"])]
    assert len(whole) == 2
    assert whole["suppressed"].astype(bool).all()
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        assert whole[col].isna().all(), col
    text = " ".join(str(x) for items in page.parts.values() for x in items if isinstance(x, str))
    assert "Cramérs V" not in text and "0,66" not in text and "0,45" not in text
    assert "Måtten på hela fördelningen visas inte" in text
    assert "underlaget är för litet" not in text  # 7 and 7 are not too few: cells are hidden
    assert "Måtten på hela fördelningen visas inte: de bygger på grupper" in page.short_answer
