"""A table whose ids are given but mostly found nowhere in the table they refer to (a probe's
workbook: the reports' ids as numbers, the investigations' as text with leading zeros) is not
linked: bof_06 showed the whole chain from report to insats as 0 % for 209 girls, a result of
the mismatch, not of the service. Now a process map leaves the steps out that need the link and
says why (:func:`jamtools.data.links.mostly_unmatched`, more than the check's 20 %); a few
dangling ids leave their rows out as before and the steps stay."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools.chapters import bof, eb
from jamtools.run import catalogue
from jamtools.run.notebook import ChapterRun
from jamtools.run.params import Params
from tests.conftest import SYNTHETIC


def _page(tmp_path, chapter, build, tables, edit):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in tables:
        raw = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        edit(name, raw)
        raw.to_csv(folder / f"{name}.csv", index=False)
    params = Params(data_dir=folder, period_start=None, period_end=None, threshold=5, conf_level=0.95,
                    organisation="Testkommun", results_path=None, config_file=None, extra={})
    return build(ChapterRun(chapter, catalogue.QUESTIONS[chapter], params))


def _text(page) -> str:
    return " ".join(str(x) for x in page.part("data"))


@pytest.mark.parametrize("share, linked", [(1.0, False), (0.5, False), (0.1, True)])
def test_bof06_leaves_the_chain_out_when_most_reports_are_not_found(tmp_path, share, linked):
    def edit(name, raw):
        if name == "bof_utredningar":  # ids written without their letter and zeros
            rows = raw.index[: int(share * len(raw))]
            raw.loc[rows, "aktualisering_id"] = raw.loc[rows, "aktualisering_id"].str.replace(
                r"^\D+0*", "", regex=True)
    page = _page(tmp_path, "bof_06_processkarta", bof.process_map,
                 ("bof_aktualiseringar", "bof_utredningar"), edit)
    steps = set(page.comparisons["steg"].astype(str))
    chain = bof.STEPS["insats_per_anmalan"]
    assert (chain in steps) == linked
    assert (bof.STEPS["insats_beviljad"] in steps) == linked
    assert bof.STEPS["utredning_inledd"] in steps
    said = "hänvisar till id som inte finns i aktualiseringar om barn" in _text(page)
    assert said == (not linked)


def test_eb07_leaves_the_outcome_steps_out_when_most_outcomes_are_not_found(tmp_path):
    def edit(name, raw):
        if name == "eb_utfall":
            raw["person_id"] = raw["person_id"].str.replace(r"^\D+", "", regex=True)
    page = _page(tmp_path, "eb_07_processkarta", eb.process_map,
                 ("eb_klienter", "eb_planering", "eb_insatser", "eb_utfall"), edit)
    outcomes = set(page.comparisons["outcome"].astype(str))
    assert {"bistand_beviljat", "planering", "insats"} <= outcomes
    assert not outcomes & {"sjalvforsorjande", "ansokan_till_sjalvforsorjande"}
    assert "hänvisar till id som inte finns i ansökningar om ekonomiskt bistånd" in _text(page)
