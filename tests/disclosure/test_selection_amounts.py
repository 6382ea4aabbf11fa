"""An amount shown for a selection of a chapter's rows, beside the same amount for the rows it
was selected from, never gives back the amount of the few rows between them.

r4_02 (:func:`jamtools.chapters.resources.resource_distribution`) shows each sex's number of
applications and the money granted to them. Shown for all the applications and for those with a
target group, the two differ by the money of the applications without one: one man's grant when
he is the only one of them granted, however many they are. Before, the shares were protected
against such a selection (``disclosure.hidden_in_selection``) but the amounts were not
(a reader read 250 000 kr, one man's grant, as 3 150 000 − 2 900 000).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters import resources
from jamtools.data.load import LoadResult, forget_shown
from jamtools.data.model import TABLES
from jamtools.disclosure import analyses as analysis

SEXES = ("kvinna", "man")
SPEC = resources.effective_spec(resources.resource_spec("ru_ansokningar"), ())


def _loaded(men_left: int = 10, granted_left: int = 1) -> LoadResult:
    """60 women's and 60 men's applications, every third granted; the last ``men_left`` men's
    lack a target group, and ``granted_left`` of those were granted 250 000 kr."""
    n = 60
    frame = pd.DataFrame({"kon": ["kvinna"] * n + ["man"] * n,
                          "malgrupp": "unga", "beviljat_belopp": 0.0})
    i = frame.index.to_numpy()
    frame["beviljat_belopp"] = np.where(i % 3 == 0, 100_000.0 + 1_000.0 * (i % 7), 0.0)
    left = frame.index[-men_left:]
    frame.loc[left, "malgrupp"] = np.nan
    frame.loc[left, "beviljat_belopp"] = 0.0
    frame.loc[left[:granted_left], "beviljat_belopp"] = 250_000.0
    loaded = LoadResult(table=TABLES["ru_ansokningar"], data=frame, source="ru_ansokningar.csv")
    loaded._record("Inlästa rader", frame, "inlästa")
    return loaded


def _men(result) -> pd.Series:
    s = result.amounts.summary
    return s[s["kon"] == "man"].iloc[0]


@pytest.fixture(autouse=True)
def _new_run():
    forget_shown()  # a chapter's run starts with nothing shown
    yield
    forget_shown()


def _select(whole: LoadResult) -> LoadResult:
    return whole.exclude(whole.data["malgrupp"].isna(), "Uppgift om målgrupp saknas")


def test_the_money_of_the_one_man_granted_among_those_left_out_is_not_given_back():
    whole = _loaded()
    all_rows = resources.resource_distribution(whole.data, SPEC, threshold=5)
    some = resources.resource_distribution(_select(whole).data, SPEC, threshold=5)
    men = _men(all_rows)
    assert not men["suppressed"] and men["n"] == 60               # the whole is shown
    # 10 men left out (not few), but only one of them with money: his grant would be the
    # difference of the two sums (before: 250 000 kr)
    sel = _men(some)
    assert bool(sel["suppressed"]), f"gives back {men['sum'] - sel['sum']:.0f} kr"
    assert np.isnan(sel["sum"]) and np.isnan(sel["mean"]) and np.isnan(sel["n"])
    assert sel["suppression_reason"] == disclosure.REASON_HIDDEN
    # nothing that rests on the men's amount is left: comparisons, share gaps, Lorenz curve
    assert some.amounts.comparisons["estimate"].isna().all()
    assert some.share_gaps["estimate"].isna().all()
    assert some.lorenz.loc[some.lorenz["kon"] == "man", "andel_resurs"].isna().all()
    # and the page does not say that a sex has few applications, or few granted: it has 50, 17
    text = resources.describe_resources(some, SPEC)
    assert "eller så skulle summorna göra det möjligt att räkna ut en dold uppgift" in text


def test_the_order_of_the_two_analyses_does_not_matter():
    whole = _loaded()
    some = resources.resource_distribution(_select(whole).data, SPEC, threshold=5)
    assert not _men(some)["suppressed"]                           # nothing shown before it
    all_rows = resources.resource_distribution(whole.data, SPEC, threshold=5)
    men = _men(all_rows)                                          # so the whole hides the men
    assert bool(men["suppressed"]) and np.isnan(men["sum"]) and np.isnan(men["mean"])
    assert men["suppression_reason"] == disclosure.REASON_HIDDEN


def test_a_few_rows_left_out_hide_the_amount_with_the_count():
    """2 men left out, one of them granted: the count (hidden_in_selection) and the money."""
    whole = _loaded(men_left=2, granted_left=1)
    resources.resource_distribution(whole.data, SPEC, threshold=5)
    sel = _men(resources.resource_distribution(_select(whole).data, SPEC, threshold=5))
    assert bool(sel["suppressed"]) and np.isnan(sel["n"]) and np.isnan(sel["sum"])


def test_nothing_is_hidden_where_the_left_out_rows_amount_cannot_be_computed():
    whole = _loaded(men_left=10, granted_left=5)                  # 5 granted: not one person's
    resources.resource_distribution(whole.data, SPEC, threshold=5)
    assert not _men(resources.resource_distribution(_select(whole).data, SPEC, threshold=5))["suppressed"]
    forget_shown()                                                # the whole's amount not shown:
    few = _loaded(men_left=10, granted_left=1)                    # the selection alone says nothing
    assert not _men(resources.resource_distribution(_select(few).data, SPEC, threshold=5))["suppressed"]


def test_an_amount_by_category_is_protected_cell_by_cell():
    """amount_outcome with ``by``: the selection's cell of the category where one man with money
    is left out is hidden, though every man's total is shown elsewhere."""
    whole = _loaded()
    data = whole.data.assign(region=np.where(whole.data.index % 2 == 0, "norr", "syd"))
    whole = whole.with_data(data)
    first = analysis.amount_outcome(whole.data, "beviljat_belopp", levels=SEXES, by="region",
                                    threshold=5, at_least=0.0)
    assert not first.by_summary["suppressed"].any()
    sel = analysis.amount_outcome(_select(whole).data, "beviljat_belopp", levels=SEXES, by="region",
                                  threshold=5, at_least=0.0)
    by = sel.by_summary
    man_norr = by[(by["kon"] == "man") & (by["region"] == "norr")].iloc[0]
    assert bool(man_norr["suppressed"]) and np.isnan(man_norr["sum"])


def test_a_category_cell_is_hidden_where_the_sexs_total_is_not():
    """12 men left out, 7 of them granted: each sex's total may be shown beside the whole's.
    But only one of those granted is in the north: the selection's (north, men) beside the
    whole's would give his grant (250 000 kr). The cell is hidden by itself
    (hidden_amounts_in_selection with ``by``), and so is its complement among the men's
    categories, since the men's total is shown."""
    n = 60
    frame = pd.DataFrame({"kon": ["kvinna"] * n + ["man"] * n, "malgrupp": "unga", "beviljat_belopp": 0.0})
    i = frame.index.to_numpy()
    frame["beviljat_belopp"] = np.where(i % 3 == 0, 100_000.0 + 1_000.0 * (i % 7), 0.0)
    frame["region"] = np.where(i % 2 == 0, "norr", "syd")
    left = frame.index[-12:]
    frame.loc[left, ["malgrupp", "beviljat_belopp"]] = [np.nan, 0.0]
    frame.loc[[j for j in left if j % 2 == 0][:1], "beviljat_belopp"] = 250_000.0
    frame.loc[[j for j in left if j % 2 == 1][:6], "beviljat_belopp"] = 50_000.0
    whole = LoadResult(table=TABLES["ru_ansokningar"], data=frame, source="ru_ansokningar.csv")
    whole._record("Inlästa rader", frame, "inlästa")
    first = analysis.amount_outcome(whole.data, "beviljat_belopp", levels=SEXES, by="region",
                                    threshold=5, at_least=0.0)
    assert not first.summary["suppressed"].any() and not first.by_summary["suppressed"].any()
    sel = analysis.amount_outcome(_select(whole).data, "beviljat_belopp", levels=SEXES, by="region",
                                  threshold=5, at_least=0.0)
    men = sel.summary[sel.summary["kon"] == "man"].iloc[0]
    assert not men["suppressed"] and men["n"] == 48               # the men's total is shown
    by = sel.by_summary.set_index(["region", "kon"])
    assert by.loc[("norr", "man"), "suppressed"] and np.isnan(by.loc[("norr", "man"), "sum"])
    assert by.loc[("syd", "man"), "suppressed"]  # else the men's total less it gives it back


def test_the_sentence_of_a_hidden_difference_does_not_call_the_groups_small():
    """ht_01's and r4_02's text of an amount (report.describe_amount) said of a hidden difference
    "eftersom underlaget är för litet": here 60 women and 50 men, hidden because the men's sum
    beside the whole's would give one man's grant. It has the one sentence of every hidden
    value (sentences.hidden_why), as the groups' own sentence beside it."""
    from jamtools.present import report, sentences

    whole = _loaded()
    analysis.amount_outcome(whole.data, "beviljat_belopp", levels=SEXES, threshold=5, at_least=0.0)
    sel = analysis.amount_outcome(_select(whole).data, "beviljat_belopp", levels=SEXES, threshold=5,
                                  at_least=0.0)
    row = sel.comparisons[sel.comparisons["measure"] == "mean_difference"].iloc[0]
    assert bool(row["suppressed"])
    text = report.describe_amount(sel.summary, sel.comparisons, unit_text="ansökningar",
                                  amount_text="kronor", per_text="")
    assert "eftersom underlaget är för litet" not in text
    assert f"kan skillnaden inte visas: {sentences.hidden_why(row)} (röjandekontroll)." in text


def test_the_sentence_of_a_hidden_decomposition_does_not_call_the_groups_small():
    """The same for the split of the difference (report.describe_decomposition): "Uppdelningen
    visas inte: underlaget är för litet" of 60 women and 50 men."""
    from jamtools.present import report, sentences

    whole = _loaded()
    whole = whole.with_data(whole.data.assign(alder=np.where(whole.data.index % 3 == 0, "ung", "gammal")))
    kw = dict(covariates=["alder"], levels=SEXES, threshold=5, at_least=0.0, decompose=True, n_boot=99)
    analysis.amount_outcome(whole.data, "beviljat_belopp", **kw)
    sel = analysis.amount_outcome(_select(whole).data, "beviljat_belopp", **kw)
    assert sel.decomposition["suppressed"].all()
    text = report.describe_decomposition(sel.decomposition, amount_text="kronor", per_text="")
    assert text == (f"Uppdelningen visas inte: {sentences.hidden_why(sel.decomposition.iloc[0])} "
                    "(röjandekontroll).")
    assert "för litet, eller den skulle" in text
