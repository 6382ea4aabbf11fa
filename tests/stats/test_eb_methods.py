"""jamtools.chapters.eb: the adult age groups and the Swedish labels of the ekonomiskt bistånd tables."""
from __future__ import annotations

import pandas as pd

from jamtools.data.derive import ADULT_AGE_GROUPS, age_group
import pytest

from jamtools.chapters import eb
from jamtools.present import outcomes

from jamtools.present import report
from jamtools.data.model import EB_HOUSEHOLDS, TABLES


@pytest.mark.parametrize("age, expected", [
    (16, "under 25 år"), (24, "under 25 år"), (25, "25–34 år"), (34, "25–34 år"), (35, "35–44 år"),
    (44, "35–44 år"), (45, "45–54 år"), (54, "45–54 år"), (55, "55 år och äldre"),
    (110, "55 år och äldre"),
])
def test_age_group_boundaries(age, expected):
    assert age_group([age], **ADULT_AGE_GROUPS).iloc[0] == expected


def test_age_group_keeps_missing_ages_missing_and_the_index():
    ages = pd.Series([30, pd.NA, 60], index=[7, 8, 9], dtype="Int64")
    out = age_group(ages, **ADULT_AGE_GROUPS)
    assert list(out.index) == [7, 8, 9]
    assert out.iloc[0] == "25–34 år" and pd.isna(out.iloc[1]) and out.iloc[2] == "55 år och äldre"


def test_every_age_the_data_model_allows_has_a_group():
    column = TABLES["eb_planering"].column("alder")
    ages = range(int(column.min), int(column.max) + 1)
    assert age_group(list(ages), **ADULT_AGE_GROUPS).notna().all()


def test_the_report_speaks_swedish_about_the_eb_columns_and_codes():
    """The labels live in jamtools.present.report: every chapter and the summary of a run use them."""
    assert report.covariates_text("hushallstyp, ohalsa, aldersgrupp") == "hushållstyp, ohälsa och åldersgrupp"
    assert report.label("ensamstaende_med_barn") == "Ensamstående med barn"
    assert all(report.label(h) != h for h in EB_HOUSEHOLDS)
    # Every yes/no column the chapters compare or adjust for has a Swedish name.
    flags = {c.name for t in ("eb_klienter", "eb_planering", "eb_utfall") for c in TABLES[t].columns
             if c.dtype == "bool"}
    assert flags and not [c for c in flags if c not in report.COLUMN_LABELS]


def _comparisons(rows):
    """Disclosed comparisons from hand-made counts (threshold 5)."""
    from jamtools import disclosure, stats

    parts = {}
    for name, (ea, na, eb_, nb) in rows.items():
        table = pd.DataFrame({"kon": ["kvinna", "man"], "n": [float(na), float(nb)],
                              "events": [float(ea), float(eb_)]})
        parts[name] = disclosure.disclose_comparisons(
            stats.compare_groups(table, "kon", levels=("kvinna", "man"), outcome_name=name), threshold=5)
    return disclosure.stack(parts, "utfall")


def test_summary_states_each_verdict_from_the_interval():
    # 60/100 vs 40/100: +20 pp; Newcombe's hybrid score interval (1998, method 10) from the
    # Wilson intervals 0.5020–0.6906 and 0.3094–0.4980 is 0.2 ∓ 0.1386 / + 0.1281, i.e. 6.1 to
    # 32.8 pp (worked by hand). 50/100 vs 50/100: 0 pp. 3 events out of 100 are hidden.
    text = outcomes.summary(_comparisons({"Högre": (60, 100, 40, 100), "Lika": (50, 100, 50, 100),
                                    "Liten": (3, 100, 40, 100)}), "utfall")
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("- **Högre**: utan justering +20,0 procentenheter (95 % KI 6,1 till 32,8)")
    assert lines[0].endswith("tydligt högre för kvinnor än för män.")
    assert "\u22120" not in lines[1] and lines[1].endswith("ingen tydlig skillnad.")
    assert lines[2] == "- **Liten**: utan justering: visas inte (röjandekontroll)."


def test_summary_refuses_undisclosed_comparisons():
    from jamtools import disclosure, stats

    table = pd.DataFrame({"kon": ["kvinna", "man"], "n": [100.0, 100.0], "events": [60.0, 40.0]})
    raw = stats.compare_groups(table, "kon", levels=("kvinna", "man")).assign(utfall="x")
    with pytest.raises(disclosure.NotDisclosedError):
        outcomes.summary(raw, "utfall")
