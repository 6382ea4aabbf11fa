"""What a reader sees names groups in Swedish words, never by the data model's codes: a table of
comparisons wrote 'kvinna − man 2023' and 'flicka / pojke' (found by scanning every table of a
run on one-sex and three-row exports), and hl_01's tables 'kvinna/man' and table names alone."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure, stats
from jamtools.chapters import audit
from jamtools.present import control_charts, plots, report
from jamtools.stats import control

from tests.conftest import SYNTHETIC

#: A pair of the data model's group codes, as the library writes a comparison.
CODE_PAIR = re.compile(r"\b(kvinna|man|flicka|pojke|mamma|pappa|okant) [−/] (kvinna|man|flicka|pojke|mamma|pappa|okant)\b")


@pytest.mark.parametrize("text, words", [
    ("kvinna − man", "kvinnor − män"),
    ("kvinna − man 2023", "kvinnor − män 2023"),
    ("(flicka − pojke) efter − före", "(flickor − pojkar) efter − före"),
    ("mamma / pappa, Polis", "mammor / pappor, Polis"),
    # a label a chapter wrote, and the pronoun 'man', are left as they are
    ("Ohälsa: kvinnor − män", "Ohälsa: kvinnor − män"),
    ("hur man läser − man", "hur man läser − man"),
    ("inrikes_fodd / utrikes_fodd", "inrikes_fodd / utrikes_fodd"),
])
def test_a_pair_of_codes_in_words(text, words):
    assert report.sex_pair_words(text) == words


def test_comparison_tables_name_the_groups_in_words():
    rng = np.random.default_rng(3)
    rows = pd.DataFrame({"kon": rng.choice(["flicka", "pojke"], 400),
                         "utfall": rng.integers(0, 2, 400)})
    counts = stats.collapse(rows, "utfall", ["kon"])
    compared = disclosure.disclose_comparisons(
        stats.compare_groups(counts, "kon", levels=("flicka", "pojke"), outcome_name="utfall"),
        threshold=5)
    assert CODE_PAIR.search(" ".join(compared["comparison"]))  # the library's own labels are codes
    frame = report.comparison_table(compared).frame
    assert set(frame["Jämförelse"]) == {"flickor − pojkar", "flickor / pojkar"}
    axis = plots.difference_plot(compared).fig.axes[0].get_xlabel()
    assert axis.endswith("flickor − pojkar") and not CODE_PAIR.search(axis)
    amounts = disclosure.disclose_comparisons(stats.compare_amounts(
        rows.assign(timmar=rng.gamma(2.0, 10.0, 400)), "timmar", levels=("flicka", "pojke")), threshold=5)
    assert plots.amount_difference_plot(amounts).fig.axes[0].get_xlabel() == "Skillnad: flickor − pojkar"


def test_the_yearly_gaps_of_a_control_chart_name_the_sexes_in_words():
    data = pd.DataFrame([{"manad": pd.Timestamp(2023, 1, 1) + pd.DateOffset(months=m), "kon": k,
                          "taljare": 30 + (m % 3), "namnare": 60}
                         for m in range(24) for k in ("kvinna", "man")])
    yearly = disclosure.disclose_comparisons(
        control.yearly_gaps(data, time="manad", levels=("kvinna", "man")), threshold=5)
    frame = control_charts.yearly_table(yearly).frame
    assert list(frame["Jämförelse"]) == ["kvinnor − män 2023", "kvinnor − män 2024"]


def test_the_audit_names_tables_and_sexes_in_words():
    audits = audit.audit_tables(data_dir=SYNTHETIC, tables=["ht_beslut", "bof_utredningar"])
    persons = audit.disclose_persons(audits, threshold=5)
    frame = audit.persons_table(persons, audits).frame
    assert set(frame["Kön i tabellen"]) == {"kvinnor och män", "flickor och pojkar"}
    assert "Beslut om hemtjänst (ht_beslut)" in set(frame["Tabell"])
    summary = audit.audit_summary(audits, audit.disclose_audit(audits, threshold=5))
    assert "Utredningar om barn (bof_utredningar)" in set(audit.audit_table(summary).frame["Tabell"])


def test_hidden_groups_do_not_tell_the_small_from_the_protecting():
    from jamtools.present import sentences

    rows = pd.DataFrame({"suppression_reason": [disclosure.REASON_HIDDEN] * 3})
    text = sentences.hidden_groups(rows, ["kvinnor", "män", "män"], what="Andelen")
    assert text == ("Andelen för kvinnor och män visas inte: underlaget är för litet, eller den "
                    "skulle göra det möjligt att räkna ut en dold uppgift (röjandekontroll).")
    assert "heller" not in sentences.hidden_groups(rows.iloc[[1]], ["män"], what="Andelen")


def test_the_audit_marks_a_table_without_anyone_apart_from_a_hidden_share():
    audits = audit.audit_tables(data_dir=SYNTHETIC, tables=["ht_beslut", "bof_utredningar"])
    persons = audit.disclose_persons(audits, threshold=5)
    persons.loc[persons["tabell"] == "ht_beslut", "antal"] = 0.0  # no one of either sex
    frame = audit.persons_table(persons, audits)
    shares = dict(zip(frame.frame["Tabell"], frame.frame["Andel kvinnor/flickor"]))
    assert shares["Beslut om hemtjänst (ht_beslut)"] == report.NOT_COMPUTED_MARK
    assert shares["Utredningar om barn (bof_utredningar)"].endswith("%")
    assert report.NOT_COMPUTED_NOTE in frame.note and disclosure.SUPPRESSED_MARK not in frame.frame.to_numpy()
    persons.loc[(persons["tabell"] == "ht_beslut") & (persons["kon"] == "man"), "antal"] = np.nan  # hidden
    hidden = audit.persons_table(persons, audits)
    assert dict(zip(hidden.frame["Tabell"], hidden.frame["Andel kvinnor/flickor"]))[
        "Beslut om hemtjänst (ht_beslut)"] == disclosure.SUPPRESSED_MARK
    assert "'..'" in hidden.note and report.NOT_COMPUTED_NOTE not in hidden.note


def test_the_hazard_ratio_sentences_say_why_and_carry_the_caution():
    from jamtools.present import curves

    base = {"outcome": "x", "comparison": "kvinna / man", "group_a": "kvinna", "group_b": "man",
            "measure": "hazard_ratio", "conf_level": 0.95, "n_a": 400.0, "n_b": 400.0,
            "events_a": 100.0, "events_b": 120.0}
    rows = pd.DataFrame([
        {**base, "estimate": 0.8, "ci_low": 0.65, "ci_high": 0.98, "adjusted": False, "adjusted_for": "",
         "warning": "Modellen konvergerade inte helt (troligen en kategori där alla eller ingen har "
                    "utfallet); tolka hasardkvoten med försiktighet."},
        {**base, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "adjusted": True,
         "adjusted_for": "hushallstyp", "warning": "Skattningen går mot 0 eller oändligheten (till "
                                                   "exempel …); ingen hasardkvot kan skattas."}])
    text = curves.describe_hazard_ratio(disclosure.disclose_comparisons(rows, threshold=5, group="kon"))
    assert ("Utan justering är hasardkvoten kvinnor/män 0,80 (95 % KI 0,65 till 0,98): kvinnor blir "
            "självförsörjande tydligt långsammare än män. Modellen konvergerade inte helt") in text
    assert ("Bland klienter med samma hushållstyp kan hasardkvoten inte beräknas: skattningen går mot 0 "
            "eller oändligheten (till exempel …).") in text
    assert ": hasardkvoten kan inte beräknas:" not in text  # no two colons in a row


def test_a_share_gap_without_an_interval_gets_no_verdict():
    """Every woman's hours 0: the share gap has no interval, and the page said 'det finns ingen
    tydlig skillnad' beside −62,9 procentenheter. Without an interval no verdict is given."""
    from jamtools.chapters import resources
    from jamtools.present import sentences

    spec = resources.resource_spec("ht_beslut")
    row = {"estimate": -62.9, "ci_low": float("nan"), "ci_high": float("nan")}
    assert resources.crude_verdict(row, "kvinna", spec) == sentences.NO_INTERVAL
    assert resources.adjusted_verdict(row, "kvinnor", "män", spec) == sentences.NO_INTERVAL
    clear = {"estimate": -62.9, "ci_low": -64.0, "ci_high": -61.0}
    assert "tydligt mindre" in resources.crude_verdict(clear, "kvinna", spec)
    assert sentences.verdict(float("nan"), 2.0, a="kvinnor", b="män") == sentences.NO_INTERVAL


def test_amount_and_hazard_verdicts_without_an_interval():
    """The same rule where the verdict is built from the direction itself: a difference of
    amounts and a hazard ratio without an interval get no 'ingen tydlig skillnad'."""
    from jamtools.present import report, sentences

    row = {"estimate": 3.0, "ci_low": float("nan"), "ci_high": float("nan")}
    assert report._verdict_amount(row, "kvinnor", "män", "timmar") == sentences.NO_INTERVAL
    assert sentences.without_interval(row) and not sentences.without_interval({"ci_low": 1.0, "ci_high": 2.0})
