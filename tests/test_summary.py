"""The summary of all chapters (jamtools.chapters.summary), on hand-made results files with known
answers: the one verdict rule and the numbers shown beside it, one row per finding (today's
duplicates as fixtures), counts that equal the table, Swedish only, the chapters not run named
with their reason, and a figure that reads at phone width."""
from __future__ import annotations

import io
import json
import math
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from jamtools.chapters import summary
from jamtools.present.report import Table
from jamtools.present.results import SCHEMA_VERSION
from jamtools.run.catalogue import QUESTIONS

ORDER = list(QUESTIONS)
#: What an id or a code looks like: snake_case (``eb_05_vald_i_nara_relation``, ``utrikes_fodd``).
CODE = re.compile(r"\b[a-zåäö0-9]+(?:_[a-zåäö0-9]+)+\b", re.I)


def _comp(outcome, measure, est, lo, hi, adjusted, comparison="kvinna − man", *, a="kvinna",
          b="man", adjusted_for=None, conf=0.95, n=(100, 120)):
    return {"outcome": outcome, "comparison": comparison, "group_a": a, "group_b": b,
            "measure": measure, "estimate": est, "ci_low": lo, "ci_high": hi, "p_value": 0.01,
            "conf_level": conf, "adjusted": adjusted,
            "adjusted_for": (adjusted_for or ["alder"]) if adjusted else [],
            "n_a": n[0], "n_b": n[1], "suppressed": est is None}


def _write(folder, qid, comparisons):
    data = {"schema_version": SCHEMA_VERSION, "question_id": qid,
            "question": QUESTIONS.get(qid, f"Fråga {qid}?"), "organisation": "Test",
            "period": {"start": None, "end": None}, "conf_level": 0.95, "threshold": 5,
            "counts": {}, "comparisons": comparisons}
    (folder / f"{qid}.json").write_text(json.dumps(data), encoding="utf-8")


def codes_in(text: str) -> list[str]:
    """Ids and codes in a reader's text: snake_case tokens and chapter ids."""
    return CODE.findall(text) + [q for q in QUESTIONS if q in text]


@pytest.fixture
def results_dir(tmp_path):
    _write(tmp_path, "eb_01_krav", [
        # remains after adjustment; the odds ratio of the same comparison is not the one shown
        _comp("aktivitetskrav", "risk_difference_pp", -15.0, -20.0, -10.0, False),
        _comp("aktivitetskrav", "odds_ratio", 0.5, 0.4, 0.6, False, comparison="kvinna / man"),
        _comp("aktivitetskrav", "risk_difference_pp", -10.0, -16.0, -4.0, True),
        # clear crude, gone after adjustment
        _comp("sanktion", "risk_difference_pp", -6.0, -9.0, -3.0, False),
        _comp("sanktion", "risk_difference_pp", -1.0, -5.0, 3.0, True),
    ])
    _write(tmp_path, "eb_06_sjalvforsorjning", [
        _comp("sjalvforsorjande", "hazard_ratio", 0.75, 0.6, 0.9, True, comparison="kvinna / man"),
    ])
    _write(tmp_path, "bof_05_bemotande_av_foraldrar", [
        _comp("kontaktad", "risk_difference_pp", None, None, None, False, a="mamma", b="pappa",
              comparison="mamma − pappa"),
    ])
    _write(tmp_path, "hl_01_konsuppdelad_statistik", [  # an audit, not a gap: left out
        _comp("ht_beslut", "share_known_sex", 0.8, 0.78, 0.82, False),
    ])
    _write(tmp_path, "r4_05_realisera", [
        _comp("x", "risk_difference_pp", 50.0, 40.0, 60.0, False),
    ])
    return tmp_path


def test_verdicts_measures_and_ranking(results_dir):
    table = summary.gaps(results_dir, exclude=["r4_05_realisera"], order=ORDER)
    assert list(table.columns) == summary.COLUMNS
    assert len(table) == 4 and "r4_05_realisera" not in set(table.question_id)
    assert "hl_01_konsuppdelad_statistik" not in set(table.question_id)
    by = table.set_index("outcome")
    assert by.loc["aktivitetskrav", "measure"] == "risk_difference_pp"          # not the odds ratio
    assert by.loc["aktivitetskrav", "verdict"] == "kvarstar"
    assert by.loc["aktivitetskrav", "crude_estimate"] == -15.0
    assert by.loc["aktivitetskrav", "adjusted_estimate"] == -10.0
    assert by.loc["sanktion", "verdict"] == "forsvinner"
    assert by.loc["sjalvforsorjande", "verdict"] == "kvarstar"
    assert by.loc["sjalvforsorjande", "null_value"] == 1.0
    assert by.loc["kontaktad", "verdict"] == "dold"
    # Ranking: remaining gaps first (strongest first), then gone-after-adjustment, then hidden.
    assert table["outcome"].tolist() == ["aktivitetskrav", "sjalvforsorjande", "sanktion", "kontaktad"]
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert "p_holm" not in table and "p_value" not in table  # one rule: the interval


def test_strength_is_distance_in_standard_errors(results_dir):
    by = summary.gaps(results_dir).set_index("outcome")
    z = 1.959963984540054
    assert by.loc["aktivitetskrav", "strength"] == pytest.approx(10 / (12 / (2 * z)))
    expected = abs(math.log(0.75)) / ((math.log(0.9) - math.log(0.6)) / (2 * z))
    assert by.loc["sjalvforsorjande", "strength"] == pytest.approx(expected)
    assert expected == pytest.approx(2.7812, abs=1e-4)


# --- the one rule, and the numbers shown beside it ---------------------------------------------

def test_the_verdict_is_the_interval_rule_with_any_p_value(tmp_path):
    """A p-value the chapter adjusted over more comparisons than its interval (p 0.12, interval
    clear) does not change the verdict: the verdict is the interval's, as on the chapter page."""
    row = _comp("planering", "risk_difference_pp", -4.37, -8.69, -0.06, True, conf=0.99)
    row.update(p_value=0.009, p_adjusted=0.118, p_adjust_method="Holm")
    _write(tmp_path, "eb_07_processkarta", [
        _comp("planering", "risk_difference_pp", -6.3, -10.3, -2.3, False, conf=0.99), row])
    [r] = summary.gaps(tmp_path).to_dict("records")
    assert r["verdict"] == "kvarstar" and r["adjusted_conf"] == 0.99
    assert summary.interval_text(r, "adjusted") == "−4,4 (99 % KI −8,7 till −0,1)"


@pytest.mark.parametrize("low, high, null, measure, shown", [
    (-8.69, -0.04, 0.0, "risk_difference_pp", "−8,69 till −0,04"),    # not "−0,0": still clear
    (-8.69, 0.04, 0.0, "risk_difference_pp", "−8,69 till 0,04"),    # not "0,0"
    (0.60, 0.996, 1.0, "odds_ratio", "0,600 till 0,996"),            # not "1,00"
    (0.60, 0.90, 1.0, "odds_ratio", "0,60 till 0,90"),
])
def test_rounding_never_contradicts_the_verdict(low, high, null, measure, shown):
    d = summary.decimals(measure, low, high, null=null)
    from jamtools.present.report import number
    assert f"{number(low, d)} till {number(high, d)}" == shown
    assert summary.is_clear(round(low, d), round(high, d), null=null) == \
        summary.is_clear(low, high, null=null)


def _shown_interval(text: str) -> tuple[float, float]:
    m = re.search(r"KI (\S+) till (\S+?)\)", text)
    return tuple(float(x.replace("\u2212", "-").replace(",", ".")) for x in m.groups())


def test_no_verdict_contradicts_the_numbers_beside_it(results_dir, tmp_path):
    # A few rows near the edge: an adjusted limit that rounds to zero, a ratio limit near one.
    _write(results_dir, "eb_02_ohalsa", [
        _comp("anpassad_planering", "risk_difference_pp", 10.6, 0.48, 20.7, False),
        _comp("anpassad_planering", "risk_difference_pp", 9.0, 0.03, 18.0, True),
        _comp("krav_sjukintyg", "risk_difference_pp", -1.0, -2.0, -0.04, False),
    ])
    _write(results_dir, "r4_01_representation", [
        _comp("ht_beslut", "rate_ratio", 0.9, 0.81, 0.997, False, comparison="kvinna / man")])
    ranked = summary.gaps(results_dir, exclude=["r4_05_realisera"], order=ORDER)
    full = summary.full_table(ranked)
    verdict_of_text = {v: k for k, v in summary.VERDICTS.items()}
    checked = 0
    for _, row in full.iterrows():
        shown = pd.Series({
            "null_value": 1.0 if row["Mått"].lower().startswith(("kvot", "oddskvot", "hasardkvot"))
            else 0.0,
            "crude_estimate": row["Rå skattning"], "crude_ci_low": row["Rå: nedre gräns"],
            "crude_ci_high": row["Rå: övre gräns"], "adjusted_estimate": row["Justerad skattning"],
            "adjusted_ci_low": row["Justerad: nedre gräns"],
            "adjusted_ci_high": row["Justerad: övre gräns"]})
        assert summary.verdict_of(shown) == verdict_of_text[row["Bedömning"]], row.to_dict()
        checked += 1
    assert checked == len(ranked) >= 6
    # The page's list: each estimate's interval as printed excludes no difference (all clear).
    listed = summary.top_table(ranked).frame
    assert len(listed)
    for _, row in listed.iterrows():
        low, high = _shown_interval(row["Skattning (KI)"])
        null = 1.0 if "Kvot" in row["Skillnad"] or "kvot" in row["Skillnad"] else 0.0
        assert summary.is_clear(low, high, null=null), row.to_dict()


# --- one row per finding: today's duplicates -----------------------------------------------------

@pytest.fixture
def duplicates(tmp_path):
    """Today's duplicates, with the run's numbers: ht_01 = r4_02 (the hours gap); eb_06 = eb_07 =
    r4_03 (självförsörjande −4.6, each chapter with its own interval, r4_03 adjusting for more);
    bof_06 repeating bof_01's and bof_02's crude gaps."""
    hours = [_comp("beviljade_timmar", "mean_difference", 1.205315, 0.438533, 1.972097, False,
                   n=(2517, 1483)),
             _comp("beviljade_timmar", "mean_difference", -2.345646, -2.750728, -1.940564, True,
                   adjusted_for=["adl_beroende", "ensamboende", "alder"], n=(2517, 1483))]
    _write(tmp_path, "ht_01_hemtjanst_timmar", hours)
    _write(tmp_path, "r4_02_resurser", hours + [
        _comp("antal_insatser", "mean_difference", -0.065, -0.156, 0.025, False, n=(973, 1161))])

    def self_sufficient(conf, adj_est, adj_lo, adj_hi, covs, crude=(-11.1, -3.3)):
        return [_comp("sjalvforsorjande", "risk_difference_pp", -7.257258, *crude, False,
                      conf=conf, n=(1261, 1391)),
                _comp("sjalvforsorjande", "risk_difference_pp", adj_est, adj_lo, adj_hi, True,
                      conf=conf, adjusted_for=covs, n=(1261, 1391))]
    _write(tmp_path, "eb_06_sjalvforsorjning", self_sufficient(
        0.983333, -4.603338, -8.760455, -0.446221, ["hushallstyp"]) + [
        _comp("sjalvforsorjande", "hazard_ratio", 0.80314, 0.651026, 0.990797, True,
              comparison="kvinna / man", adjusted_for=["hushallstyp"], n=(1261, 1391))])
    _write(tmp_path, "eb_07_processkarta", self_sufficient(
        0.99, -4.603338, -9.076234, -0.130442, ["hushallstyp"], crude=(-11.4, -3.0)) + [
        _comp("planering", "risk_difference_pp", -6.30415, -10.29, -2.33, False, conf=0.99,
              n=(1261, 1391))])
    _write(tmp_path, "r4_03_resultat", self_sufficient(
        0.975, -4.564553, -8.459855, -0.669252, ["hushallstyp", "aldersgrupp", "fodelseland"]))
    girl = dict(a="flicka", b="pojke", comparison="flicka − pojke")
    _write(tmp_path, "bof_01_utredning_inleds", [
        _comp("utredning_inledd", "risk_difference_pp", 11.148329, 8.638406, 13.637529, False,
              n=(2918, 3082), **girl),
        _comp("utredning_inledd", "risk_difference_pp", 7.645646, 5.103081, 10.188211, True,
              adjusted_for=["aldersgrupp", "anmalningsorsak", "anmalare"], n=(2918, 3082), **girl)])
    _write(tmp_path, "bof_02_utredning_till_insats", [
        _comp("insats_beviljad", "risk_difference_pp", -6.908513, -10.274324, -3.52573, False,
              n=(1772, 1528), **girl),
        _comp("insats_beviljad", "risk_difference_pp", -0.996215, -4.330808, 2.338377, True,
              adjusted_for=["aldersgrupp", "anmalningsorsak"], n=(1772, 1528), **girl)])
    _write(tmp_path, "bof_06_processkarta", [
        _comp("utredning_inledd", "risk_difference_pp", 11.148329, 8.638406, 13.637529, False,
              n=(2918, 3082), **girl),
        _comp("insats_beviljad", "risk_difference_pp", -6.908513, -10.274324, -3.52573, False,
              n=(1772, 1528), **girl),
        _comp("insats_per_anmalan", "risk_difference_pp", 0.94, -1.2, 3.08, False,
              n=(2918, 3082), **girl)])
    return tmp_path


def test_a_finding_several_chapters_show_appears_once(duplicates):
    ranked = summary.gaps(duplicates, order=ORDER)
    by = {row["outcome"]: row for _, row in ranked.iterrows()}
    assert len(ranked) == len({(r["outcome"], r["comparison"]) for _, r in ranked.iterrows()}) == 7
    assert by["beviljade_timmar"]["chapters"] == ["ht_01_hemtjanst_timmar", "r4_02_resurser"]
    assert by["sjalvforsorjande"]["chapters"] == ["eb_06_sjalvforsorjning", "eb_07_processkarta",
                                                  "r4_03_resultat"]
    assert by["utredning_inledd"]["chapters"] == ["bof_01_utredning_inleds", "bof_06_processkarta"]
    assert by["insats_beviljad"]["chapters"] == ["bof_02_utredning_till_insats",
                                                 "bof_06_processkarta"]
    # The row shown is the first chapter's that adjusted: bof_02's adjusted gap, not bof_06's
    # crude one; and every chapter's title is listed, in Swedish.
    assert by["insats_beviljad"]["verdict"] == "forsvinner"
    assert by["insats_beviljad"]["adjusted_estimate"] == pytest.approx(-0.996215)
    assert by["sjalvforsorjande"]["adjusted_estimate"] == pytest.approx(-4.603338)
    assert by["sjalvforsorjande"]["chapter_titles"] == [
        QUESTIONS["eb_06_sjalvforsorjning"], QUESTIONS["eb_07_processkarta"],
        QUESTIONS["r4_03_resultat"]]
    assert all(by[o]["note"] == "" for o in by)  # the chapters agree on every part
    full = summary.full_table(ranked)
    assert not full.duplicated(["Utfall", "Jämförelse", "Mått", "Rå skattning"]).any()
    assert full.set_index("Utfall").loc["Beviljade timmar", "Kapitel"] == \
        f"{QUESTIONS['ht_01_hemtjanst_timmar']}; {QUESTIONS['r4_02_resurser']}"


def test_a_chapter_that_judges_a_shared_finding_otherwise_is_named(duplicates):
    """r4_03's interval of the same gap covers zero: the row keeps eb_06's verdict (as on eb_06's
    page) and says in words that r4_03's page judges it otherwise."""
    data = json.loads((duplicates / "r4_03_resultat.json").read_text(encoding="utf-8"))
    data["comparisons"][1].update(ci_low=-9.8, ci_high=0.6)
    (duplicates / "r4_03_resultat.json").write_text(json.dumps(data), encoding="utf-8")
    ranked = summary.gaps(duplicates, order=ORDER)
    row = ranked[ranked["outcome"] == "sjalvforsorjande"].iloc[0]
    assert row["verdict"] == "kvarstar" and len(row["chapters"]) == 3
    assert QUESTIONS["r4_03_resultat"] in row["note"]
    assert summary.VERDICTS["forsvinner"].lower() in row["note"]
    assert QUESTIONS["eb_07_processkarta"] not in row["note"]
    assert not codes_in(row["note"])


def test_per_period_comparisons_stay_apart(tmp_path):
    _write(tmp_path, "ht_02_forandring_over_tid", [
        _comp("beviljade_timmar", "mean_difference", -4.0, -5.0, -3.0, True, comparison="kvinna − man (2022)"),
        _comp("beviljade_timmar", "mean_difference", -0.5, -1.5, 0.5, True, comparison="kvinna − man (2023)"),
    ])
    table = summary.gaps(tmp_path)
    assert sorted(table["comparison"]) == ["kvinna − man (2022)", "kvinna − man (2023)"]
    assert table.set_index("comparison")["verdict"].to_dict() == {
        "kvinna − man (2022)": "kvarstar", "kvinna − man (2023)": "otydlig"}


def test_two_unlisted_measures_of_one_comparison_are_never_mixed(tmp_path):
    _write(tmp_path, "r4_04_olika_grupper", [
        _comp("forflyttning", "interaction_pp", -16.0, -24.0, -8.0, True,
              comparison="(kvinna − man, utrikes_fodd) − (kvinna − man, inrikes_fodd)"),
        _comp("forflyttning", "interaction_odds_ratio", 0.52, 0.37, 0.73, True,
              comparison="(kvinna / man, utrikes_fodd) / (kvinna / man, inrikes_fodd)"),
    ])
    [row] = summary.gaps(tmp_path).to_dict("records")
    assert row["measure"] == "interaction_pp" and row["adjusted_estimate"] == -16.0
    assert row["null_value"] == 0.0 and row["verdict"] == "kvarstar"
    assert summary.words(row["comparison"]) == \
        "(kvinnor − män, utrikes född) − (kvinnor − män, född i Sverige)"


def test_the_short_list_has_one_row_per_outcome(tmp_path):
    _write(tmp_path, "ht_02_forandring_over_tid", [
        _comp("beviljade_timmar", "mean_difference", -4.0, -4.5, -3.5, True, comparison="kvinna − man (2022)"),
        _comp("beviljade_timmar", "mean_difference", -3.0, -3.6, -2.4, True, comparison="kvinna − man (2023)"),
        _comp("beviljade_timmar", "mean_difference", -2.0, -2.8, -1.2, True)])
    _write(tmp_path, "eb_01_krav", [
        _comp("sanktion", "risk_difference_pp", -8.0, -12.0, -4.0, True)])
    rows, key = summary.top_rows(summary.gaps(tmp_path))
    assert key == "kvarstar"
    # The whole groups' hours gap (4.9 standard errors), not a year's (16), then sanktion (3.9).
    assert rows["comparison"].tolist() == ["kvinna − man", "kvinna − man"]
    assert rows["outcome"].tolist() == ["beviljade_timmar", "sanktion"]


# --- the page: counts, Swedish, chapters not run ------------------------------------------------

def _ctx(results, titles=None):
    titles = titles or QUESTIONS
    return SimpleNamespace(question_id="r4_05_realisera", extra={"results_dir": str(results)},
                           titles=titles, heading="**Test**, hela perioden i data.",
                           params=SimpleNamespace(results_path=results / "r4_05_realisera.json"))


def _reader_texts(page) -> list[str]:
    """Every text of the page a reader sees: sentences, tables' captions, notes and cells, and
    the figure's caption and alt text."""
    texts = [page.short_answer]
    for name in page.parts:
        for item in page.part(name):
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, Table):
                texts += [item.caption, item.note, *map(str, item.frame.columns),
                          *item.frame.map(str).to_numpy().ravel().tolist()]
            else:
                texts += [str(getattr(item, "alt", "")), str(getattr(item, "caption", "")),
                          str(getattr(item, "text", ""))]
    return texts


def test_the_page_counts_equal_its_table(duplicates):
    page = summary.realise(_ctx(duplicates))
    ranked = summary.gaps(duplicates, order=ORDER)
    c = summary.counts(ranked, [q for q in ORDER if (duplicates / f"{q}.json").exists()])
    assert c["rows"] == 7 and c["chapters"] == 8 and c["shared"] == 4
    assert sum(c[k] for k in summary.VERDICTS) == c["rows"]
    assert page.short_answer.startswith(f"Av {c['rows']} jämförelser mellan könen från "
                                        f"{c['chapters']} kapitel visar {c['kvarstar']} en tydlig")
    words = page.part("resultat")[0]
    assert f"**{c['rows']} jämförelser** mellan könen från {c['chapters']} kapitel" in words
    assert f"{c['shared']} av jämförelserna visas i mer än ett kapitel" in words
    [chapters] = [x for x in page.part("underlag") if isinstance(x, Table)]
    assert len(chapters.frame) == c["ran"] == 8
    assert (chapters.frame["Jämförelser"] > 0).sum() == c["chapters"]
    assert chapters.frame["Jämförelser"].sum() == sum(len(q) for q in ranked["chapters"])
    assert list(page.parts) == ["underlag", "resultat", "lista", "figur", "tabell", "handlingsplan"]
    assert page.comparisons is None and not page.counts


def test_no_id_or_code_reaches_the_reader(duplicates, results_dir):
    for folder in (duplicates, results_dir):
        page = summary.realise(_ctx(folder))
        found = [(t[:80], codes_in(t)) for t in _reader_texts(page) if codes_in(t)]
        assert not found, found
        ranked = summary.gaps(folder, exclude=["r4_05_realisera"], order=ORDER)
        for frame in (summary.full_table(ranked), summary.action_plan(ranked)):
            cells = " ".join([*frame.columns, *frame.map(str).to_numpy().ravel().tolist()])
            assert not codes_in(cells), codes_in(cells)
        assert not codes_in(" ".join(t for ts in ranked["chapter_titles"] for t in ts))


def test_the_id_check_finds_codes():
    assert codes_in("eb_05_vald_i_nara_relation") and codes_in("kvinnor, utrikes_fodd")
    assert not codes_in("Självförsörjande: kvinnor − män (98,3 % KI −8,8 till −0,4)")


def test_chapters_not_run_are_named_with_the_reason(duplicates):
    (duplicates.parent / "check.json").write_text(json.dumps({"chapters": {
        "bof_03_typ_av_insats": {"status": "kan_inte_koras",
                                 "missing": ["bof_insatser: kon, insatstyp"]},
        "eb_05_vald_i_nara_relation": {"status": "kan_inte_koras",
                                       "missing": ["tabellen eb_planering"]},
        "ks_01_instrumentval": {"status": "kan_koras", "missing": []}}}), encoding="utf-8")
    page = summary.realise(_ctx(duplicates))
    underlag = "\n".join(x for x in page.part("underlag") if isinstance(x, str))
    not_run = [q for q in QUESTIONS if q != "r4_05_realisera"
               and not (duplicates / f"{q}.json").exists()]
    assert f"**Kapitel som inte ingår: {len(not_run)}**" in underlag
    for q in not_run:
        assert f"- {QUESTIONS[q]}" in underlag, q
    assert (f"- {QUESTIONS['bof_03_typ_av_insats']} (data saknas: insatser för barn: kön, typ av "
            "insats)") in underlag
    assert f"- {QUESTIONS['eb_05_vald_i_nara_relation']} (data saknas: tabellen planeringar i " \
           "ekonomiskt bistånd)" in underlag
    # (a whole run, whose check let it run: it stopped)
    assert f"- {QUESTIONS['ks_01_instrumentval']} ({summary.STOPPED})" in underlag
    assert not codes_in(underlag)
    assert "att de saknas betyder inte att det saknas skillnader där" in underlag
    assert f"{len(not_run)} kapitel kördes inte" in page.short_answer


def test_chapters_a_run_with_only_did_not_select_are_not_said_to_have_stopped(tmp_path):
    """``run --only ks_01 r4_05``: the check (its ``scope``) names the chapters of the run; the
    others were not selected, which the summary says apart from a chapter that stopped."""
    results = tmp_path / "results"
    results.mkdir()
    (tmp_path / "check.json").write_text(json.dumps({
        "scope": ["ks_01_instrumentval", "eb_05_vald_i_nara_relation", "r4_05_realisera"],
        "chapters": {"ks_01_instrumentval": {"status": "kan_koras", "missing": []},
                     "eb_05_vald_i_nara_relation": {"status": "kan_inte_koras",
                                                    "missing": ["tabellen eb_planering"]},
                     "r4_05_realisera": {"status": "kan_koras", "missing": []}}}), encoding="utf-8")
    not_run = summary.chapters_not_run(results, QUESTIONS, exclude=["r4_05_realisera"])
    reasons = summary.not_run_reasons(results, not_run)
    assert reasons["ks_01_instrumentval"] == summary.STOPPED
    assert reasons["eb_05_vald_i_nara_relation"].startswith("data saknas")
    others = [q for q in not_run if q not in ("ks_01_instrumentval", "eb_05_vald_i_nara_relation")]
    assert others and {reasons[q] for q in others} == {summary.NOT_SELECTED}
    assert "avbröts" not in summary.NOT_SELECTED and "avbröts" in summary.STOPPED
    text = summary.not_run_text(not_run, QUESTIONS, reasons)
    assert not codes_in(text)
    # without a check (a notebook run alone) nothing more is known
    (tmp_path / "check.json").unlink()
    assert set(summary.not_run_reasons(results, not_run).values()) == {summary.NOT_IN_RUN}


def test_no_results_gives_an_empty_table(tmp_path):
    for folder in (tmp_path, None, tmp_path / "finns_inte"):
        table = summary.gaps(folder)
        assert table.empty and list(table.columns) == summary.COLUMNS
    page = summary.realise(_ctx(tmp_path, {"bof_01_utredning_inleds": "Fråga?",
                                           "r4_05_realisera": "Sammanfattning?"}))
    assert "inga resultat från andra kapitel" in page.short_answer
    assert summary.full_table(summary.gaps(tmp_path)).empty


def test_a_file_that_breaks_the_schema_is_an_error(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"question_id": "x"}), encoding="utf-8")
    with pytest.raises(Exception, match="required"):
        summary.gaps(tmp_path)


def test_downloads_are_written_only_beside_the_executed_notebook(duplicates, tmp_path):
    """Outside a run's layout (no <out>/notebooks beside <out>/results) nothing is written and
    the page says so; in a run, both files of both tables go to <out>/notebooks/nedladdningar."""
    import shutil

    out = tmp_path / "ut"
    shutil.copytree(duplicates, out / "results")
    page = summary.realise(_ctx(out / "results"))
    assert not (out / "notebooks").exists()
    assert "inga" in page.part("tabell")[0] and "{download}" not in page.part("tabell")[0]
    (out / "notebooks").mkdir()
    page = summary.realise(_ctx(out / "results"))
    folder = out / "notebooks" / "nedladdningar"
    ranked = summary.gaps(duplicates, order=ORDER)
    table = pd.read_csv(folder / "sammanstallning.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(table) == len(ranked) and list(table.columns) == summary.TABLE_COLUMNS
    plan = pd.read_excel(folder / "handlingsplan.xlsx")
    assert len(plan) == ranked["verdict"].isin(summary.CLEAR).sum() >= 4
    assert plan[["Mål", "Åtgärd", "Ansvarig"]].isna().all().all()
    assert "{download}`Hela tabellen (Excel) <nedladdningar/sammanstallning.xlsx>`" in \
        page.part("tabell")[0]
    assert "<nedladdningar/handlingsplan.csv>" in page.part("handlingsplan")[0]
    assert f"Alla {len(ranked)} jämförelser" in page.part("tabell")[0]


# --- the figure at phone width -------------------------------------------------------------------

def test_the_figure_reads_at_phone_width(duplicates):
    """On a phone 390 px wide the book shows the figure about 330 px wide (the page's margins):
    there every text of the figure is at least 9 pt (12 px); the alt text is a sentence naming
    each difference shown, in the list's order."""
    from PIL import Image

    ranked = summary.gaps(duplicates, order=ORDER)
    plot = summary.overview_plot(ranked)
    png = Image.open(io.BytesIO(plot._repr_png_()))
    scale = min(1.0, 330 / png.size[0])
    texts = [t for t in plot.fig.findobj(match=lambda o: hasattr(o, "get_fontsize")
                                         and hasattr(o, "get_text")) if t.get_text().strip()]
    assert texts
    smallest = min(t.get_fontsize() for t in texts)
    assert smallest * 110 / 72 * scale >= 12, (png.size, smallest)
    rows, _ = summary.top_rows(ranked)
    assert len(plot.fig.axes) == rows["measure"].nunique() >= 2   # one panel per measure
    alt = summary.overview_alt(ranked)
    assert alt.startswith("Punktdiagram med konfidensintervall över de "
                          f"{len(rows)} tydligaste skillnaderna")
    positions = [alt.index(f"{k}. {summary.finding_text(r)}")
                 for k, (_, r) in enumerate(rows.iterrows(), start=1)]
    assert positions == sorted(positions)


def test_a_comparison_that_could_not_be_computed_is_not_called_hidden(tmp_path):
    """Only a comparison the disclosure control hid is "dold"; one without an estimate that was
    not hidden (a group absent, nobody with the outcome) cannot be computed, and the text says
    so apart from the hidden ones."""
    _write(tmp_path, "eb_01_krav", [
        _comp("aktivitetskrav", "risk_difference_pp", None, None, None, False),
        {**_comp("sanktion", "risk_difference_pp", None, None, None, False), "suppressed": False},
    ])
    table = summary.gaps(tmp_path, order=ORDER)
    by = table.set_index("outcome")
    assert by.loc["aktivitetskrav", "verdict"] == "dold"
    assert by.loc["sanktion", "verdict"] == "ej_beraknad"
    assert table["outcome"].tolist() == ["aktivitetskrav", "sanktion"]
    text = summary.describe(table)
    assert "**1** kan inte visas alls på grund av röjandekontrollen" in text
    assert "**1** kan inte beräknas med dessa data" in text
    # a run where everything could be computed does not mention it
    assert "kan inte beräknas" not in summary.describe(table[table["verdict"] == "dold"])


def test_the_figures_caption_says_which_differences_it_shows(duplicates):
    """A run where nothing could be adjusted (pum38: um_01, um_02, r4_03 on indicators): the
    figure drew the differences without adjustment, its alt text and the table said so, and its
    caption said 'som finns kvar bland lika ärenden'."""
    ranked = summary.gaps(duplicates, order=ORDER)
    _, key = summary.top_rows(ranked)
    assert key == "kvarstar"
    assert "som finns kvar bland lika ärenden" in summary.overview_caption(ranked)
    crude = ranked.assign(verdict=ranked["verdict"].replace({"kvarstar": "tydlig"}))
    rows, key = summary.top_rows(crude)
    assert key == "tydlig" and len(rows)
    caption = summary.overview_caption(crude)
    assert "utan justering" in caption and "kvar bland lika" not in caption
    assert "utan justering" in summary.overview_alt(crude)
