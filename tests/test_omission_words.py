"""What r4_02 says it leaves out. A probe's export with applications for project funds but
without the granted amount read "Data saknar uppgifter om ansökningar om projektmedel", though
the table was there; and every run without economic aid said the same consequence twice, once
for the plannings and once for the offers."""
from __future__ import annotations

import pandas as pd

from jamtools.chapters import resources
from jamtools.run import catalogue
from jamtools.run.notebook import ChapterRun
from jamtools.run.params import Params
from tests.conftest import SYNTHETIC


def test_r4_02_names_the_missing_column_and_says_a_shared_consequence_once(tmp_path):
    for name in ("ht_beslut", "ru_ansokningar"):
        raw = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        if name == "ru_ansokningar":
            raw = raw.drop(columns="beviljat_belopp")
        raw.to_csv(tmp_path / f"{name}.csv", index=False)
    params = Params(data_dir=tmp_path, period_start=None, period_end=None, threshold=5, conf_level=0.95,
                    organisation="T", results_path=None, config_file=None, extra={"tabell": None})
    chapter = "r4_02_resurser"
    page = resources.resource_shares(ChapterRun(chapter, catalogue.QUESTIONS[chapter], params))
    text = " ".join(str(x) for x in page.part("data"))
    assert "Uppgifterna om ansökningar om projektmedel saknar beviljat belopp" in text
    assert "Data saknar uppgifter om ansökningar om projektmedel" not in text
    assert text.count(catalogue.CHAPTERS[chapter].need("eb_insatser").without) == 1
    assert "Data saknar uppgifter om planeringar i ekonomiskt bistånd och insatser i ekonomiskt bistånd" in text
