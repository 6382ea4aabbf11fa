"""A share computed on a selection of a chapter's rows never gives back a count the page hides,
whichever chapter computes it, and a hidden sex hides no more than it must.

A selection (``LoadResult.exclude``, or a pandas filter of a LoadResult's rows) carries the
account of the rows it came from; an analysis of it (:func:`jamtools.disclosure.analyses.
binary_outcome`) finds by itself the rows the page shows (a data table of them, or an analysis
of all of them) and hides the sexes whose count beside them would give back the few rows the
selection leaves out (``disclosure.hidden_in_selection``). Before, only the chapters that asked
(eb_01, eb_02, eb_03, eb_05) were protected, and a sentence built from the share said "av
männens 0,0 % (98 % KI 0,0–53,4 %)", which gives n back through the interval.

A probe (eb_01, threshold 5, 4 of 33 men without a requirement of activity) found the women's
share hidden beside the men's: the disclosure took the women and men added up as shown, which no
page shows. The women's share is now shown, and the men's hidden count still cannot be told from
anything the page publishes (brute force over the numbers of men without a requirement).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.chapters import eb
from jamtools.data.load import LoadResult
from jamtools.data.model import TABLES
from jamtools.disclosure import analyses as analysis
from jamtools.present.report import Table, quality_table
from jamtools.run.notebook import setup

SEXES = ("kvinna", "man")


def _loaded(men_without: int = 3) -> LoadResult:
    """300 women and 320 men of eb_utfall, ``men_without`` men without a value of ``forflyttning``."""
    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 320, "y": [0, 1] * 310})
    frame["forflyttning"] = 1.0
    frame.loc[300:300 + men_without - 1, "forflyttning"] = np.nan
    loaded = LoadResult(table=TABLES["eb_utfall"], data=frame, source="eb_utfall.csv")
    loaded._record("Inlästa rader", frame, "inlästa")
    return loaded


def _men_hidden(result) -> bool:
    men = result.shares[result.shares["kon"] == "man"].iloc[0]
    return bool(men["suppressed"]) and np.isnan(men["ci_low"]) and np.isnan(men["n"])


def test_a_selection_of_rows_the_page_shows_is_protected_without_asking():
    whole = _loaded()
    quality_table(whole, threshold=5)                          # the page shows the rows analysed
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    # (a page without a total of the two sexes, as eb's: the women's share stays shown)
    result = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5, total_shown=False)
    assert _men_hidden(result)                                 # 317 beside 320 gives back 3
    assert result.comparisons["suppressed"].all() and result.comparisons["ci_low"].isna().all()
    women = result.shares[result.shares["kon"] == "kvinna"].iloc[0]
    assert not women["suppressed"] and women["n"] == 300       # nothing left out of the women
    # a pandas filter of the rows is a selection too
    filtered = analysis.binary_outcome(whole.data[whole.data["forflyttning"].notna()], "y",
                                       levels=SEXES, threshold=5)
    assert _men_hidden(filtered)


def test_an_analysis_of_all_the_rows_shows_their_count():
    """The whole analysed first (its shares show its count), then a selection of it."""
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})  # a new run: nothing shown
    whole = _loaded(men_without=2)
    first = analysis.binary_outcome(whole.data, "y", levels=SEXES, threshold=5)
    assert not first["suppressed"].any() if isinstance(first, pd.DataFrame) else not first.shares["suppressed"].any()
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    assert _men_hidden(analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5))


def test_rows_the_page_never_shows_hide_nothing():
    """The rows read before a step of few rows are not shown beside the rows analysed (the data
    table hides them): the analysis of the rows analysed is not hidden for them."""
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})
    whole = _loaded()
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    result = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5)
    assert not result.shares["suppressed"].any()
    # and a selection with as many rows or more left out than the threshold is shown
    quality_table(whole, threshold=5)
    many = whole.exclude(whole.data.index.isin(range(300, 310)), "Urval")
    assert not analysis.binary_outcome(many.data, "y", levels=SEXES, threshold=5).shares["suppressed"].any()


# --- eb_01 on a realistic year: 4 of 33 men without a requirement of activity ------------------

KINDS = ["ensamstaende_med_barn", "sammanboende_utan_barn", "sammanboende_med_barn",
         "ensamstaende_utan_barn"]


def _planning(path, men_without: int) -> dict:
    """90 women (48 with a requirement, 12 of them with a sanction) and 33 men, ``men_without``
    of them (all living alone without children) without a requirement; every other column the
    same whatever ``men_without`` is."""
    rows = []
    for i in range(123):
        man, j = i >= 90, i - 90
        if man:
            required, kind = j >= men_without, "ensamstaende_utan_barn" if j < 8 else KINDS[j % 4]
            sanction = (1 if 10 <= j < 16 else 0) if required else ""
        else:
            required, kind = i < 48, KINDS[i % 4]
            sanction = (1 if i % 4 == 0 else 0) if required else ""
        rows.append({"planering_id": f"PL-{i + 1:04d}", "person_id": f"{19800101 + i}",
                     "kon": "man" if man else "kvinna", "alder": 20 + (i * 7) % 44,
                     "datum": f"2024-{1 + i % 12:02d}-01", "hushallstyp": kind,
                     "ohalsa": int(i % 3 == 0), "aktivitetskrav": int(required),
                     "krav_arbetssokande": int(i % 2 == 0), "sanktion": sanction})
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path / "eb_planering.csv", index=False)
    return {"data_dir": str(path), "threshold": 5, "enhet": None, "alder_min": None, "alder_max": None}


def _published(page) -> list[str]:
    """Everything a reader sees of the page, and its results file: text, tables, figures' words,
    comparisons and counts."""
    out = [page.short_answer]
    for name, its in page.parts.items():
        for item in its:
            if isinstance(item, str):
                out.append(f"{name}: {item}")
            elif isinstance(item, Table):
                out.append(f"{name}: {item.caption}\n{item.frame.to_string()}\n{item.note}")
            else:
                out.append(f"{name}: {getattr(item, 'alt', '')} {getattr(item, 'caption', '')} {item!r}")
    out.append(page.comparisons.drop(columns=["p_adjusted"], errors="ignore").to_csv())
    out.append(repr(dict(page.counts)))
    return out


def test_eb_01_hides_the_men_without_a_requirement_and_no_more(tmp_path):
    pages = {}
    for k in range(0, 9):
        ctx = setup("eb_01_krav", _planning(tmp_path / str(k), k))
        pages[k] = eb.requirements(ctx)
    page = pages[4]
    text = "\n".join(item for items in page.parts.values() for item in items if isinstance(item, str))
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    # less hidden: the women's shares are shown beside the hidden men's (before, the women's
    # 48 of 90 with a requirement and 12 of 48 with a sanction were hidden with them)
    assert "Av kvinnornas planeringar innehöll 53,3 % krav på att delta i aktivitet" in text
    assert "ledde 25,0 % till sanktion" in text
    for part in ("aktivitet", "sanktion"):                    # and nothing of the men's
        assert not any("männens" in item for item in page.part(part) if isinstance(item, str))
    # the 4 cannot be told: a page with 1, 2 or 3 men without a requirement says exactly the
    # same (every sentence, table, figure, comparison and count); 0 or 5 and more do not
    same = {k for k, p in pages.items() if _published(p) == _published(page)}
    assert same == {1, 2, 3, 4}


def test_a_selection_analysed_before_its_rows_are_shown_is_protected_all_the_same():
    """The order of a page's tables decided: a data table marked its rows as shown at the end
    of the page, after the analyses. A selection analysed first showed 317 men, the data table
    made after it 320 men analysed: 3 men without a value given back. Now the rows shown later
    hide the sex instead (in the data table, and in an analysis of all of them)."""
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})  # a new run: nothing shown
    whole = _loaded()
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    first = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5, total_shown=False)
    shares = first.shares.set_index("kon")
    assert shares.loc["man", "n"] == 317 and shares.loc["kvinna", "n"] == 300
    table = quality_table(whole, threshold=5)
    frame = table.frame.set_index("Steg")
    shown = {str(v) for v in frame["Män"]}
    assert "320" not in shown and "3" not in shown, frame       # neither the rows read nor analysed
    assert table.quality_hidden.any() and "300" in set(frame["Kvinnor"])  # the women shown
    # and the results file's counts of the table hide them too
    from jamtools.present.page import Page

    counts = disclosure.disclose_counts_by_sex(whole.counts_by_sex(), quality=whole.quality(), threshold=5)
    assert counts["analysed"]["man"] == 320
    page = Page(question_id="eb_06_sjalvforsorjning", short_answer="", parts={"data": (table,)},
                counts={"eb_utfall": counts})
    assert page.counts["eb_utfall"]["analysed"]["man"] is None
    assert page.counts["eb_utfall"]["excluded"].get("man", 0) is None
    # an analysis of all the rows after the selection's: the men hidden there too
    later = analysis.binary_outcome(whole.data, "y", levels=SEXES, threshold=5, total_shown=False)
    assert _men_hidden(later)
    assert not later.shares.set_index("kon").loc["kvinna", "suppressed"]
    # a pandas filter analysed first: the same
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})
    whole = _loaded()
    analysis.binary_outcome(whole.data[whole.data["forflyttning"].notna()], "y", levels=SEXES,
                            threshold=5, total_shown=False)
    assert "320" not in {str(v) for v in quality_table(whole, threshold=5).frame["Män"]}
    # the selection's men hidden already (the rows shown first): nothing more to hide later
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})
    whole = _loaded()
    quality_table(whole, threshold=5)
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    assert _men_hidden(analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5))
    assert "320" in {str(v) for v in quality_table(whole, threshold=5).frame["Män"]}


def test_a_data_table_after_a_selection_hides_the_sexs_rows_and_no_more():
    """A reviewer's page: 330 men read, 10 left out by the load, 320 analysed; a selection of 317
    men analysed before the data table. The whole table became '..', the women's 300 and the 0
    of unknown sex too. Only the men's rows analysed and read are hidden now (read less the 10
    left out is the rows analysed); the women's counts and the men's 10 give nothing back, as no
    total of the sexes' rows analysed is shown beside them (the results file and an analysis of
    all the rows hide the men too)."""
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})
    frame = pd.DataFrame({"kon": ["kvinna"] * 300 + ["man"] * 330, "y": [0, 1] * 315, "z": 1.0,
                          "forflyttning": 1.0})
    frame.loc[300:302, "forflyttning"] = np.nan
    frame.loc[320:329, "z"] = np.nan
    read = LoadResult(table=TABLES["eb_utfall"], data=frame, source="eb_utfall.csv")
    read._record("Inlästa rader", frame, "inlästa")
    whole = read.exclude(read.data["z"].isna(), "Saknar värde (z)")
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    first = analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5, total_shown=False)
    assert first.shares.set_index("kon").loc["man", "n"] == 317
    table = quality_table(whole, threshold=5)
    frame = table.frame.set_index("Steg")
    assert frame["Kvinnor"].tolist() == ["300", "0", "300"]
    assert frame["Okänt kön"].tolist() == ["0", "0", "0"]
    assert frame["Män"].tolist() == ["..", "10", ".."]
    # the results file's counts hide the men, and an analysis of all the rows after it too
    from jamtools.present.page import Page

    counts = disclosure.disclose_counts_by_sex(whole.counts_by_sex(), quality=whole.quality(), threshold=5)
    page = Page(question_id="eb_06_sjalvforsorjning", short_answer="", parts={"data": (table,)},
                counts={"eb_utfall": counts})
    assert page.counts["eb_utfall"]["analysed"]["man"] is None
    assert page.counts["eb_utfall"]["analysed"]["kvinna"] == 300
    later = analysis.binary_outcome(whole.data, "y", levels=SEXES, threshold=5, total_shown=False)
    assert _men_hidden(later)
    # the data table first: everything shown, and the selection's men hidden instead
    setup("eb_06_sjalvforsorjning", {"data_dir": ".", "threshold": 5, "enhet": None,
                                     "alder_min": None, "alder_max": None})
    whole = read.exclude(read.data["z"].isna(), "Saknar värde (z)")
    assert quality_table(whole, threshold=5).frame["Män"].tolist() == ["330", "10", "320"]
    selection = whole.exclude(whole.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    assert _men_hidden(analysis.binary_outcome(selection.data, "y", levels=SEXES, threshold=5,
                                               total_shown=False))
