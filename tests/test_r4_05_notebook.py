"""The summary chapter (r4_05_realisera) in the suite's full run (``synthetic_run``): its page and
downloads show every finding once, with the verdict the chapter's own page states and the
interval that verdict follows, counts equal to its table, and Swedish only.

The chapter pages are read from the executed notebooks (``<run>/notebooks``): every sentence
that gives an interval and a verdict ("(95 % KI a till b): … tydligt …" or "… ingen tydlig
skillnad") is matched with the comparison of the results file that has that interval.
"""
from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from jamtools.chapters import summary
from jamtools.present.report import number
from jamtools.run.catalogue import QUESTIONS

from tests.test_summary import codes_in

ORDER = list(QUESTIONS)
SUMMARY = "r4_05_realisera"


def _outputs(nb) -> list[str]:
    """Every text a reader sees in an executed notebook's outputs: Markdown, HTML tables (tags
    removed), text, and the figures' and tables' caption and alt text."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = out.get("data", {})
            for kind in ("text/markdown", "text/plain"):
                if kind in data:
                    texts.append(str(data[kind]))
            if "text/html" in data:
                texts.append(re.sub(r"<[^>]+>", " ", str(data["text/html"])))
            meta = (out.get("metadata") or {}).get("jamtools") or {}
            texts += [str(meta.get(k) or "") for k in ("alt", "caption", "note")]
    return texts


@pytest.fixture(scope="module")
def run(synthetic_run):
    return synthetic_run


@pytest.fixture(scope="module")
def ranked(run):
    return summary.gaps(run / "results", exclude=[SUMMARY], order=ORDER)


@pytest.fixture(scope="module")
def table(run):
    return pd.read_csv(run / "notebooks" / "nedladdningar" / "sammanstallning.csv", sep=";",
                       decimal=",", encoding="utf-8-sig")


@pytest.fixture(scope="module")
def page_texts(run):
    return _outputs(nbformat.read(run / "notebooks" / f"{SUMMARY}.ipynb", as_version=4))


def test_the_page_has_no_id_or_code(page_texts):
    found = [(t[:80], codes_in(t)) for t in page_texts if codes_in(t)]
    assert page_texts and not found, found


def test_the_downloads_are_the_table_and_hold_no_code(run, ranked, table):
    folder = run / "notebooks" / "nedladdningar"
    assert list(table.columns) == summary.TABLE_COLUMNS and len(table) == len(ranked) > 20
    pd.testing.assert_frame_equal(pd.read_excel(folder / "sammanstallning.xlsx"), table,
                                  check_dtype=False)
    plan = pd.read_csv(folder / "handlingsplan.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(plan) == ranked["verdict"].isin(summary.CLEAR).sum() > 5
    assert plan[["Mål", "Åtgärd", "Ansvarig"]].isna().all().all()
    for frame in (table, plan):
        cells = " ".join([*frame.columns, *frame.map(str).to_numpy().ravel().tolist()])
        assert not codes_in(cells), codes_in(cells)


def test_no_comparison_appears_twice(table):
    """Today's duplicates are one row each, listing every chapter that shows them: ht_01 = r4_02;
    eb_06 = eb_07 = r4_03; bof_06 repeating bof_01 and bof_02."""
    assert not table.duplicated(["Utfall", "Jämförelse", "Mått", "Rå skattning"]).any()
    whole = table[table["Jämförelse"].isin(["kvinnor − män", "flickor − pojkar"])].set_index("Utfall")
    expected = {
        "Beviljade timmar": ["ht_01_hemtjanst_timmar", "r4_02_resurser"],
        "Självförsörjande": ["eb_06_sjalvforsorjning", "eb_07_processkarta", "r4_03_resultat"],
        "Utredning inledd": ["bof_01_utredning_inleds", "bof_06_processkarta"],
        "Insats beviljad": ["bof_02_utredning_till_insats", "bof_06_processkarta"],
    }
    for outcome, chapters in expected.items():
        assert whole.loc[outcome, "Kapitel"] == "; ".join(QUESTIONS[q] for q in chapters), outcome


def test_the_counts_stated_equal_the_table(page_texts, table, run):
    answer = next(t for t in page_texts if t.startswith("**Svar i korthet.**"))
    m = re.search(r"Av (\d+) jämförelser mellan könen från (\d+) kapitel", answer)
    chapters = {t for cell in table["Kapitel"] for t in cell.split("; ")}
    assert int(m.group(1)) == len(table) and int(m.group(2)) == len(chapters)
    words = next(t for t in page_texts if "Sammanställningen innehåller" in t)
    assert f"**{len(table)} jämförelser** mellan könen från {len(chapters)} kapitel" in words
    by = table["Bedömning"].value_counts()
    for key, text in summary.VERDICTS.items():
        assert int(by.get(text, 0)) == summary.counts(summary.gaps(
            run / "results", exclude=[SUMMARY], order=ORDER))[key]


def test_no_verdict_contradicts_the_interval_beside_it(table):
    ratio = ("Kvot", "Oddskvot", "Hasardkvot", "Samspel: kvot")
    text_key = {v: k for k, v in summary.VERDICTS.items()}
    for _, row in table.iterrows():
        shown = pd.Series({
            "null_value": 1.0 if row["Mått"].startswith(ratio) else 0.0,
            "crude_estimate": row["Rå skattning"], "crude_ci_low": row["Rå: nedre gräns"],
            "crude_ci_high": row["Rå: övre gräns"], "adjusted_estimate": row["Justerad skattning"],
            "adjusted_ci_low": row["Justerad: nedre gräns"],
            "adjusted_ci_high": row["Justerad: övre gräns"]})
        assert summary.verdict_of(shown) == text_key[row["Bedömning"]], row.to_dict()


def _page_verdicts(texts: list[str], low: float, high: float) -> list[bool]:
    """What a chapter page says of the comparison with interval (low, high): True for a clear
    difference, False for 'ingen tydlig skillnad', one per sentence that gives it."""
    found = []
    for d in (1, 2, 3):
        shown = f"{number(low, d)} till {number(high, d)}"
        for text in texts:
            for m in re.finditer(re.escape(shown) + r"\)", text):
                tail = re.split(r"[;\n]|\. ", text[m.end():m.end() + 200])[0]
                if "tydlig" in tail:
                    found.append("ingen tydlig" not in tail)
        if found:
            return found
    return found


def test_each_chapter_page_gives_the_summary_verdict(run, ranked):
    """Every interval a chapter page gives a verdict for says what the summary's rule says of
    it, and each summary row's verdict is the one every chapter that shows it states, unless the
    row names that chapter as judging it otherwise."""
    every = summary.collect(run / "results", exclude=[SUMMARY])
    rows = summary.per_chapter(every)
    pages = {}
    checked, chapters = 0, set()
    for _, r in rows.iterrows():
        q = r["question_id"]
        if q not in pages:
            pages[q] = _outputs(nbformat.read(run / "notebooks" / f"{q}.ipynb", as_version=4))
        for prefix in ("crude", "adjusted"):
            low, high = r[f"{prefix}_ci_low"], r[f"{prefix}_ci_high"]
            if low is None or pd.isna(low) or high is None or pd.isna(high):
                continue
            said = _page_verdicts(pages[q], low, high)
            rule = summary.is_clear(low, high, null=r["null_value"])
            assert all(s == rule for s in said), (q, r["outcome"], r["comparison"], prefix, said)
            if said:
                checked += 1
                chapters.add(q)
    assert checked >= 20 and len(chapters) >= 8, (checked, sorted(chapters))
    # The summary's row against every chapter that shows it (the chapters' rows of one finding
    # share its key, summary.finding_key).
    by_chapter = {(r["question_id"], summary.finding_key(r)): r for _, r in rows.iterrows()}
    for _, s in ranked.iterrows():
        for q in s["chapters"]:
            own = by_chapter[(q, summary.finding_key(s))]
            agree = all(
                summary.is_clear(own[f"{p}_ci_low"], own[f"{p}_ci_high"], null=own["null_value"])
                == summary.is_clear(s[f"{p}_ci_low"], s[f"{p}_ci_high"], null=s["null_value"])
                for p in ("crude", "adjusted")
                if _shown(own[f"{p}_estimate"]) and _shown(s[f"{p}_estimate"]))
            assert agree or QUESTIONS[q] in s["note"], (q, s["outcome"], s["comparison"])


def _shown(value) -> bool:
    return value is not None and not pd.isna(value)


def test_the_page_links_its_downloads(page_texts):
    joined = "\n".join(page_texts)
    for name in ("sammanstallning", "handlingsplan"):
        for suffix in ("xlsx", "csv"):
            assert f"<nedladdningar/{name}.{suffix}>`" in joined
    assert "{download}`Hela tabellen (Excel)" in joined
