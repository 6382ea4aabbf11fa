"""Data preparation of the project-fund (jamtools.chapters.ru) and kulturskola (jamtools.chapters.ks) chapters:
any export holding the required columns is prepared; optional columns add their parts."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jamtools import disclosure

from jamtools.chapters import ht, ks

from jamtools.chapters import ru


def _applications(n=80, seed=2):
    rng = np.random.default_rng(seed)
    amount = np.round(rng.uniform(50_000, 1_200_000, n), -3)
    granted = rng.random(n) < 0.5
    return pd.DataFrame({
        "kon": rng.choice(["kvinna", "man"], n),
        "malgrupp": rng.choice(["kvinnor", "man", "alla", "unga"], n),
        "sokt_belopp": amount,
        "beviljad": pd.array(granted, dtype="boolean"),
        "beviljat_belopp": np.where(granted, np.round(amount * 0.8, -3), 0.0),
    })


BOUNDS = [200_000.0, 400_000.0, 800_000.0]


def test_amount_classes_have_lower_bounds_inclusive_and_swedish_labels():
    labels = ru.amount_class_labels(BOUNDS)
    assert labels[0] == "under 200\u202f000 kr" and labels[-1] == "800\u202f000 kr och mer"
    got = ru.amount_class(pd.Series([0, 199_999, 200_000, 400_000, 799_999, 800_000, np.nan]), BOUNDS)
    assert list(got[:6]) == [labels[0], labels[0], labels[1], labels[2], labels[2], labels[3]]
    assert pd.isna(got.iloc[6])
    assert list(ru.amount_class([5.0], [])) == ["alla belopp"]


def test_amount_bounds_read_as_swedes_write_them():
    """``beloppsgranser`` with a space between thousands ("200 000"), in any order, gives the
    same classes as the numbers; what is not an amount above 0 is a message naming it."""
    assert ru.amount_bounds(["800 000", "200\u00a0000", 400000]) == BOUNDS
    assert ru.amount_bounds(750000) == [750000.0]
    assert ru.amount_bounds(["200 000 kr", "400 000:-", 800000]) == BOUNDS  # a currency after it
    data = _applications()
    pd.testing.assert_frame_equal(ru.prepare_applications(data, ru.amount_bounds(["200 000", "400 000", 800000])),
                                  ru.prepare_applications(data, BOUNDS))
    for bad in (["200 000 euro"], [-5], ["-200 000", 400000], [True], None, [[200000]]):
        with pytest.raises(ValueError, match="Parametern beloppsgranser"):
            ru.amount_bounds(bad)


def test_a_repeated_amount_bound_or_a_bound_of_0_gives_the_classes_of_the_others():
    """An analyst's ``beloppsgranser`` with a limit twice, or with 0 (where the lowest class
    starts anyway), worked while the export had no amount applied for and stopped the chapter
    with pandas' 'Bin edges must be unique' when it had one. Both are harmless: the classes are
    those of the other limits. A negative limit stays refused, naming it and what to write."""
    data = _applications()
    for harmless in ([200000, "200 000", 400000, 800000], [0, 200000, 400000, 800000],
                     ["0 kr", 800000, 400000, 200000, 400000]):
        assert ru.amount_bounds(harmless) == BOUNDS, harmless
        pd.testing.assert_frame_equal(ru.prepare_applications(data, ru.amount_bounds(harmless)),
                                      ru.prepare_applications(data, BOUNDS))
    assert ru.amount_bounds([0]) == [] and ru.amount_class([5.0], ru.amount_bounds([0])).tolist() == ["alla belopp"]
    with pytest.raises(ValueError, match=r"beloppsgranser = \[-5, 200000\].*0 eller mer.*: -5\.$"):
        ru.amount_bounds([-5, 200000])


@pytest.mark.parametrize("value", ["2024 och framåt", "tjugotjugofyra", "24/25", 2024.5, 2024.0, True, None])
def test_the_change_year_of_the_kulturskola_must_be_a_whole_year(value):
    with pytest.raises(ValueError, match="forandring_ar"):
        ks.change_year(value)


@pytest.mark.parametrize("module, name", [(ks, "forandring_ar"), (ht, "nytt_arbetssatt_ar")])
def test_a_year_written_as_text_is_the_year(module, name):
    """``forandring_ar: "2024"`` (a year within quotes in jamtools.yml, which an older
    configuration that worked may have) is the year 2024, as a whole number; a text that is not
    a year is still refused with the message that names the parameter."""
    assert module.change_year("2024") == 2024 and module.change_year(" 2023 ") == 2023
    assert isinstance(module.change_year("2024"), int)
    with pytest.raises(ValueError, match=f"Parametern {name} = '2024a' ska vara ett årtal"):
        module.change_year("2024a")
    assert ks.change_year(2024) == 2024


def test_prepare_applications_with_every_column():
    a = _applications()
    out = ru.prepare_applications(a, BOUNDS)
    assert set(out["beviljad"].unique()) <= {0.0, 1.0}
    assert set(out["malgrupp"]) <= set(ru.TARGET_GROUPS.values())
    expected = pd.cut(a["sokt_belopp"], [0, *BOUNDS, np.inf], right=False,
                      labels=ru.amount_class_labels(BOUNDS)).astype(str)
    assert list(out[ru.AMOUNT_CLASS]) == list(expected)
    assert a["malgrupp"].isin(ru.TARGET_GROUPS).all()  # the input is not modified


@pytest.mark.parametrize("keep", [["kon", "beviljad"], ["kon", "beviljad", "malgrupp"],
                                  ["kon", "beviljad", "sokt_belopp"]])
def test_prepare_applications_with_only_some_columns(keep):
    out = ru.prepare_applications(_applications()[keep], BOUNDS)
    assert (ru.AMOUNT_CLASS in out.columns) == ("sokt_belopp" in keep)
    assert set(out.columns) - {ru.AMOUNT_CLASS} == set(keep)


def test_model_covariates_replace_the_amount_by_its_class():
    assert ru.model_covariates([]) == []
    assert ru.model_covariates(["malgrupp"]) == ["malgrupp"]
    assert ru.model_covariates(["sokt_belopp"]) == [ru.AMOUNT_CLASS]


def test_granted_amounts_and_their_comparison():
    a = ru.prepare_applications(_applications(n=200), BOUNDS)
    rows = ru.granted(a)
    assert (rows["beviljad"] == 1).all() and len(rows) == int(a["beviljad"].sum())
    assert np.allclose(rows["beviljat_tkr"], rows["beviljat_belopp"] / 1000)
    assert np.allclose(rows["andel_av_sokt"], 100 * rows["beviljat_belopp"] / rows["sokt_belopp"])
    comp = ru.compare_granted(rows, threshold=5)
    assert set(comp["matt"]) == {"Beviljat belopp (tkr)", "Andel av sökt belopp (procent)"}
    assert set(comp["measure"]) == {"mean_difference", "median_difference"}
    assert disclosure.ATTR in comp.attrs
    # Without the amount applied for: only the amount granted.
    rows2 = ru.granted(a.drop(columns=["sokt_belopp"]))
    assert "andel_av_sokt" not in rows2.columns
    assert set(ru.compare_granted(rows2)["matt"]) == {"Beviljat belopp (tkr)"}


def test_funds_table_shares_add_up_and_small_groups_are_hidden():
    a = _applications(n=200)
    table = ru.funds_table(a, threshold=5)
    shares = table.frame["Andel av ansökningarna"]
    assert len(table.frame) == 2 and all(s.endswith("%") for s in shares)
    few = pd.concat([a[a["kon"] == "kvinna"], a[a["kon"] == "man"].head(2)])
    shown = ru.funds_table(few, threshold=5)
    hidden = shown.frame
    assert (hidden.loc[hidden["Projektledare"] == "Män", "Antal ansökningar"] == "..").all()
    assert "'..' = " in shown.note  # the mark has its legend


def test_funds_table_with_amounts_not_given():
    # an export leaves the amount empty for a rejection (0 kr, as the model says) and, now and
    # then, for a granted application (unknown: left out, and the note says so); it stopped
    a = _applications(n=200)
    full = ru.funds_table(a.assign(beviljat_belopp=a["beviljat_belopp"].where(a["beviljad"] == 1, 0.0)),
                          threshold=5)
    blank = a.assign(beviljat_belopp=a["beviljat_belopp"].where(a["beviljad"] == 1))
    assert blank["beviljat_belopp"].isna().sum() > 20
    table = ru.funds_table(blank, threshold=5)
    pd.testing.assert_frame_equal(table.frame, full.frame)
    assert "utan belopp" not in table.note
    # (6 of each sex: 1–4 of a sex would hide the numbers, tests/test_blank_values.py)
    granted = [i for sex in ("kvinna", "man")
               for i in blank.index[(blank["beviljad"] == 1) & (blank["kon"] == sex)][:6]]
    unknown = ru.funds_table(blank.assign(beviljat_belopp=blank["beviljat_belopp"].where(
        ~blank.index.isin(granted))), threshold=5)
    assert "Beviljade ansökningar utan belopp i data ingår inte." in unknown.note
    n = unknown.frame["Antal ansökningar"].map(lambda v: int(str(v).replace("\u00a0", "").replace(" ", "")))
    assert n.sum() == len(blank) - 12


# --- kulturskolan -------------------------------------------------------------------------------

def test_pupils_with_years_get_the_two_phases():
    d = pd.DataFrame({"kon": ["flicka", "pojke", "flicka", "pojke"],
                      "instrument": ["flojt", "elbas", "sang", "okand_kod"],
                      "ar": pd.array([2022, 2023, 2024, None], dtype="Int64")})
    out = ks.prepare_pupils(d, 2024)
    assert list(out["instrument"]) == ["Flöjt", "Elbas", "Sång", "okand_kod"]
    assert list(out["fas"].cat.categories) == ["före 2024", "från 2024"]
    assert out["fas"].tolist()[:3] == ["före 2024", "före 2024", "från 2024"]
    assert pd.isna(out["fas"].iloc[3])
    assert d["instrument"].iloc[0] == "flojt"  # the input is not modified


@pytest.mark.parametrize("years", ["absent", "empty"])
def test_pupils_without_years_are_one_phase(years):
    d = pd.DataFrame({"kon": ["flicka", "pojke"], "instrument": ["fiol", "trummor"]})
    if years == "empty":
        d["ar"] = pd.array([None, None], dtype="Int64")
    out = ks.prepare_pupils(d, 2024)
    assert out["fas"].tolist() == [ks.WHOLE_PERIOD] * 2
    assert list(out["fas"].cat.categories) == [ks.WHOLE_PERIOD]
    assert ks.prepare_pupils(d.iloc[0:0], 2024)["fas"].tolist() == []


def test_dissimilarity_per_period_of_no_rows_has_every_column():
    """A selection with no pupils gives no row but the table's columns, so that disclosure and
    the chapter's tables work on it (a chapter must not crash on zero rows)."""
    from jamtools.disclosure.segregation import disclose_dissimilarity
    from jamtools.present import segregation
    from jamtools.stats.categorical import dissimilarity_by_period

    empty = pd.DataFrame({"kon": pd.Series(dtype=str), "instrument": pd.Series(dtype=str),
                          "fas": pd.Categorical([], categories=["före 2024", "från 2024"])})
    out = dissimilarity_by_period(empty, "instrument", "fas", n_boot=10, levels=("flicka", "pojke"))
    assert out.empty and {"estimate", "n_a", "n_b", "period", "d_random"} <= set(out.columns)
    shown = disclose_dissimilarity(out, threshold=5)
    assert shown.empty
    assert segregation.dissimilarity_table(shown, levels=("flicka", "pojke")).frame.empty
    assert segregation.dissimilarity_answer(shown) == \
        "Det finns inga elever att jämföra i det här urvalet."


def _pupils(n_before=(60, 40), n_after=(50, 50), seed=4):
    """Girls and boys before and from 2024: girls mostly fiol/sång, boys elbas/trummor before;
    the same distribution after."""
    rng = np.random.default_rng(seed)
    rows = []
    for phase, (girls, boys), pa, pb in (
            ("före 2024", n_before, [0.5, 0.3, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4]),
            ("från 2024", n_after, [0.25] * 4, [0.25] * 4)):
        for sex, n, p in (("flicka", girls, pa), ("pojke", boys, pb)):
            for inst in rng.choice(["fiol", "sang", "elbas", "trummor"], n, p=p):
                rows.append({"kon": sex, "instrument": inst, "fas": phase})
    out = pd.DataFrame(rows)
    out["fas"] = pd.Categorical(out["fas"], categories=ks.phases(2024), ordered=True)
    return out


def test_small_phases_are_hidden_with_their_chance_level():
    """A phase with a group under the threshold is hidden, and so are the uncorrected index
    and the chance level that would otherwise show it."""
    from jamtools.disclosure.segregation import EXTRA_NUMBERS, disclose_dissimilarity
    from jamtools.stats.categorical import dissimilarity_by_period

    rows = dissimilarity_by_period(_pupils(n_before=(60, 3)), "instrument", "fas", n_boot=50,
                                   levels=("flicka", "pojke"))
    shown = disclose_dissimilarity(rows, threshold=5)
    before, after = shown.iloc[0], shown.iloc[1]
    assert before["suppressed"] and all(np.isnan(before[c]) for c in EXTRA_NUMBERS if c in shown)
    assert not after["suppressed"] and not np.isnan(after["d_random"])
    assert disclosure.is_disclosed(shown)


@pytest.mark.parametrize("interval,words", [
    ((-0.3, -0.1), "fördelningarna har tydligt blivit mer lika"),
    ((0.1, 0.3), "fördelningarna har tydligt blivit mer olika"),
    ((-0.1, 0.1), "data kan inte skilja förändringen från slumpen")])
def test_the_change_is_said_by_the_one_verdict_rule(interval, words):
    """describe_dissimilarity and dissimilarity_answer say what the change's interval shows,
    by jamtools.present.sentences.direction (clear only when the interval excludes 0)."""
    from jamtools.disclosure.segregation import disclose_dissimilarity
    from jamtools.present import segregation
    from jamtools.stats.categorical import dissimilarity_by_period, dissimilarity_change

    data = _pupils().assign(ar=lambda d: np.where(d["fas"] == "före 2024", 2023, 2024))
    by_phase = disclose_dissimilarity(dissimilarity_by_period(data, "instrument", "fas", n_boot=50,
                                                              levels=("flicka", "pojke")),
                                      threshold=5)
    change = dissimilarity_change(data, "instrument", "ar", 2024, n_boot=50, n_perm=50,
                                  levels=("flicka", "pojke"))
    change = disclose_dissimilarity(change.assign(estimate=sum(interval) / 2, ci_low=interval[0],
                                                  ci_high=interval[1]), threshold=5)
    assert f"{words}." in segregation.describe_dissimilarity(by_phase, change)
    answer = segregation.dissimilarity_answer(by_phase, change)
    assert answer.startswith("Olikhetsindexet mellan flickors och pojkars val är före 2024 ")
    assert f"{words}." in answer and "från 2024" in answer


def test_tests_per_phase_in_words_and_alt_texts():
    from jamtools.disclosure.segregation import disclose_dissimilarity
    from jamtools.present import segregation
    from jamtools.stats.categorical import dissimilarity_by_period
    from jamtools.stats.segregation import distribution_by_period, independence_by_period

    data = _pupils()
    tests = disclosure.disclose_comparisons(independence_by_period(data, "instrument", "fas",
                                                                   levels=("flicka", "pojke")),
                                            threshold=5)
    text = segregation.describe_independence(tests).split("\n\n")
    assert [t.split(":")[0] for t in text] == ["Före 2024", "Från 2024"]
    assert "Cramérs V = " in text[0] and "; chi-två-test, p " in text[0]
    dists = {phase: disclosure.disclose_distribution(d, "instrument", threshold=5)
             for phase, d in distribution_by_period(data, "instrument", "fas").items()}
    alt = segregation.distributions_alt(dists, "instrument", what="Instrumentval")
    assert alt.startswith("Punktdiagram med konfidensintervall. Instrumentval efter kön. Före 2024: ")
    assert "Från 2024: " in alt and "flickor" in alt and "%" in alt
    rows = disclose_dissimilarity(dissimilarity_by_period(data, "instrument", "fas", n_boot=50,
                                                          levels=("flicka", "pojke")),
                                  threshold=5)
    alt = segregation.dissimilarity_alt(rows, period_label="period")
    assert alt.startswith("Punktdiagram med konfidensintervall. Olikhetsindex per period: före 2024 ")
    assert "slumpens nivå" in alt


# --- what the tests and the change say in words (probes ks_a and ks_b) ----------------------------

def _phased(cells: dict) -> pd.DataFrame:
    """{(year, instrument, sex): count} as pupils, one row each, with ``ar`` and ``fas``."""
    rows = [{"ar": y, "instrument": i, "kon": k} for (y, i, k), n in cells.items() for _ in range(n)]
    return ks.prepare_pupils(pd.DataFrame(rows), 2024)


#: A probe's kulturskola: girls and boys on instruments of their own in both phases, 9 girls
#: and 7 boys from 2024.
APART = {(2023, "piano", "flicka"): 11, (2023, "fiol", "flicka"): 5, (2023, "flojt", "flicka"): 2,
         (2023, "sang", "flicka"): 3, (2023, "trummor", "pojke"): 9, (2023, "elbas", "pojke"): 3,
         (2023, "gitarr", "pojke"): 4, (2024, "piano", "flicka"): 4, (2024, "sang", "flicka"): 4,
         (2024, "flojt", "flicka"): 1, (2024, "trummor", "pojke"): 3, (2024, "elbas", "pojke"): 2,
         (2024, "trumpet", "pojke"): 2}
#: Another: the same distribution for girls and boys, 18 of each per phase.
ALIKE = {(y, i, k): n for y in (2023, 2024) for k in ("flicka", "pojke")
         for i, n in (("piano", 5), ("gitarr", 5), ("fiol", 4), ("trummor", 4))}


def _tests_in_words(cells) -> list[str]:
    from jamtools.present import segregation
    from jamtools.stats.segregation import independence_by_period

    tests = disclosure.disclose_comparisons(
        independence_by_period(_phased(cells), "instrument", "fas", levels=("flicka", "pojke")),
        threshold=3)
    return segregation.describe_independence(tests, alpha=0.05).split("\n\n")


def test_the_test_of_independence_is_said_by_its_p_value():
    """Identical distributions (p = 1) are not said to differ ("fördelningarna skiljer sig med
    Cramérs V = 0,00 (chi-två-test, p 1,000)" was the probe's page), and the p-value reads
    "p = 1,000"; clearly different ones (p < 0.05) are."""
    alike = _tests_in_words(ALIKE)
    assert alike[0].startswith("Före 2024: data kan inte visa att fördelningarna skiljer sig åt "
                               "(Cramérs V = 0,00; chi-två-test, p = 1,000).")
    assert all("skiljer sig med" not in t and "p 1,000" not in t for t in alike)
    apart = _tests_in_words(APART)
    assert apart[0].startswith("Före 2024: fördelningarna skiljer sig åt (Cramérs V = 1,00; "
                               "chi-två-test, p < 0,001).")
    assert apart[1].startswith("Från 2024: fördelningarna skiljer sig åt (Cramérs V = 1,00; "
                               "chi-två-test, p = 0,007).")


def test_the_tests_caution_is_beside_its_p_value():
    """Most expected counts under 5 (9 girls and 7 boys on six instruments): the test's caution,
    until now only in the results, is said in the sentence of the p-value."""
    text = _tests_in_words(APART)[1]
    assert text.endswith("p = 0,007). Observera: Mer än 20 % av cellerna har förväntat antal "
                         "under 5; tolka p-värdet försiktigt.")


def _change_in_words(cells):
    from jamtools.disclosure.segregation import disclose_dissimilarity
    from jamtools.present import segregation
    from jamtools.stats.categorical import dissimilarity_by_period, dissimilarity_change

    data = _phased(cells)
    by_phase = disclose_dissimilarity(dissimilarity_by_period(data, "instrument", "fas",
                                                              levels=("flicka", "pojke")),
                                      threshold=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        change = disclose_dissimilarity(dissimilarity_change(data, "instrument", "ar", 2024,
                                                             levels=("flicka", "pojke")),
                                        threshold=3)
    return (segregation.describe_dissimilarity(by_phase, change),
            segregation.dissimilarity_answer(by_phase, change))


def test_a_change_the_bootstrap_cannot_vary_has_no_interval_and_says_why():
    """The probe's page said "Förändringen är 0,00 (95 % KI 0,00 till 0,00)" while the index
    from 2024 had the interval 0,55–1,00: now the change has no interval, and the page says why
    in words."""
    text, answer = _change_in_words(APART)
    assert "0,00 till 0,00" not in text and "0,00 till 0,00" not in answer
    assert ("Skillnaden i olikhetsindex, efter jämfört med före, är 0,00 (p = 1,000, "
            "permutationstest): data kan inte visa om indexet har ändrats. Förändringen kan inte "
            "ges något konfidensintervall: både före 2024 och från 2024 finns var och en i båda "
            "grupperna i en kategori som ingen i den andra gruppen har") in text
    assert answer.endswith("Förändringen är 0,00 (inget konfidensintervall kan ges; "
                           "permutationstest p = 1,000): data kan inte visa om indexet har ändrats.")


def test_a_change_within_chance_is_not_said_to_be_one():
    """Identical distributions in both phases (both indexes 0,00): the change's bias correction
    left +0,0039 of Monte Carlo noise, shown in four decimals as "indexet ändrats med +0,0039".
    An interval that covers 0 shows the change in two decimals, and says no change can be told
    from chance."""
    text, answer = _change_in_words(ALIKE)
    assert "0,0039" not in text + answer and "ändrats med" not in text
    assert "efter jämfört med före, är 0,00 (95 % KI −0,27 till 0,28; p = 1,000, " \
        "permutationstest): data kan inte skilja förändringen från slumpen." in text
    assert answer.endswith("Förändringen är 0,00 (95 % KI −0,27 till 0,28): data kan inte skilja "
                           "förändringen från slumpen.")
