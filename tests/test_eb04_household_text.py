"""eb_04's text beside the split by household type says what to look for, not a finding the
data may not show, and says the split is hidden when every share is (jamtools.chapters.eb_paths)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from jamtools.chapters import eb_paths
from jamtools.run import catalogue
from jamtools.run.notebook import ChapterRun
from jamtools.run.params import Params

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"
EB04 = "eb_04_foraldraansvar"


def _texts(threshold: int) -> str:
    params = Params(data_dir=SYNTHETIC, period_start=None, period_end=None, threshold=threshold,
                    conf_level=0.95, organisation="Testkommun", results_path=None,
                    config_file=None, extra={})
    page = eb_paths.parental_responsibility(ChapterRun(EB04, catalogue.QUESTIONS[EB04], params))
    plt.close("all")
    return "\n".join(x for x in page.part("hushallstyp") if isinstance(x, str))


def test_the_household_text_is_what_to_look_for_and_follows_disclosure():
    shown = _texts(5)
    # (was: "Ensamstående föräldrar undantas oftare, och bland dem är mammor i majoritet; det
    # förklarar en del av den råa skillnaden", whatever the data showed)
    assert "undantas oftare, och bland dem är mammor i majoritet" not in shown
    assert "om ensamstående föräldrar undantas oftare än sammanboende" in shown
    hidden = _texts(100_000)  # every share hidden: no guidance about what cannot be seen
    assert "ensamstående" not in hidden.lower()
    assert "visas inte" in hidden
