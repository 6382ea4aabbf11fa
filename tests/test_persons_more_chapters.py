"""The yes/no shares of the other chapters rest on enough persons, not only on enough rows.

bof_01/bof_02 count children (tests/test_load_persons.py); here every other chapter that shows
a share of units of which a person can have several: a small export where one person's six
rows form a shown cell is hidden, six persons' rows are shown, on the cell path (the engine)
and on the rows path; and the page says so when the export has no persons' ids.
"""
from __future__ import annotations

import dataclasses
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jamtools.chapters import bof, eb, eb_paths
from jamtools.disclosure import analyses as analysis
from jamtools.run import catalogue
from jamtools.run.notebook import setup

CHILD = {"enhet": None, "alder_min": 0, "alder_max": 17}
ADULT = {"enhet": None}


def _as_rows(monkeypatch, cid: str) -> None:
    """The chapter's catalogue entry with every table read as rows."""
    entry = catalogue.CHAPTERS[cid]
    monkeypatch.setitem(catalogue.CHAPTERS, cid, dataclasses.replace(
        entry, needs=tuple(dataclasses.replace(n, cells=False, linked=False) for n in entry.needs)))


def _run(monkeypatch, folder, cid, chapter, rows: bool, params=CHILD):
    """The chapter's page and every BinaryResult it computed, by outcome (the last of each)."""
    computed: dict = {}
    binary = analysis.binary_outcome

    def spy(*args, **kwargs):
        result = binary(*args, **kwargs)
        computed.setdefault(result.outcome, []).append(result)
        return result

    with monkeypatch.context() as m:
        m.setattr(analysis, "binary_outcome", spy)
        if rows:
            _as_rows(m, cid)
        page = chapter(setup(cid, {"data_dir": str(folder), **params}))
    plt.close("all")
    return page, computed


def _hidden(shares: pd.DataFrame, group: str, level, by: dict | None = None) -> bool:
    rows = shares[shares[group] == level]
    for k, v in (by or {}).items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, rows
    return bool(rows["suppressed"].iloc[0])


def _write(folder, table: str, frame: pd.DataFrame, key: str) -> None:
    frame = frame.copy()
    frame.insert(0, key, [f"{key[0]}{i}" for i in range(len(frame))])
    frame.to_csv(folder / f"{table}.csv", sep=";", index=False)


def _text(page, part: str = "data") -> str:
    return " ".join(str(i) for i in page.part(part) if isinstance(i, str))


def _without_ids(folder) -> None:
    for path in folder.glob("*.csv"):
        frame = pd.read_csv(path, sep=";", dtype=str)
        if "person_id" in frame.columns:
            frame.drop(columns="person_id").to_csv(path, sep=";", index=False)


# --- bof_04: reports about the child's own behaviour, reports from the police --------------

def _reports(folder, *, one_girl: bool) -> None:
    """bof_aktualiseringar: 6 reports of girls about own behaviour from the police (one girl's
    six, or six girls'), 10 girls' about the environment from the school, 10 boys' about own
    behaviour from the police and 10 boys' about the environment from the school."""
    girls = ["f0"] * 6 if one_girl else [f"f{i}" for i in range(6)]
    rows = ([(p, "flicka", "kriminalitet", "beteende", "polis") for p in girls]
            + [(f"g{i}", "flicka", "vald_i_familjen", "miljo", "skola") for i in range(10)]
            + [(f"b{i}", "pojke", "kriminalitet", "beteende", "polis") for i in range(10)]
            + [(f"c{i}", "pojke", "vald_i_familjen", "miljo", "skola") for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "anmalningsorsak", "orsakstyp", "anmalare"])
    frame["enhet"], frame["datum"], frame["utredning_inledd"] = "X", "2024-03-01", 1
    _write(folder, "bof_aktualiseringar", frame, "aktualisering_id")


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_girl", [True, False])
def test_bof_04_shares_rest_on_children(tmp_path, monkeypatch, rows, one_girl):
    _reports(tmp_path, one_girl=one_girl)
    page, got = _run(monkeypatch, tmp_path, "bof_04_anmalningsorsak_och_anmalare",
                     bof.reason_and_reporter, rows)
    for outcome in ("beteende", "anmalare_polis"):
        assert _hidden(got[outcome][-1].shares, "kon", "flicka") == one_girl, outcome
    assert "inget id för barnen" not in _text(page)


# --- bof_05: mothers and fathers contacted ------------------------------------------------

def _investigations(folder, *, one_child: bool) -> None:
    """bof_utredningar: 6 investigations where both parents were contacted (one girl's six, or
    six girls'), 10 girls' where neither was, and boys' alike (10 and 10): 16 mothers and 16
    fathers of girls contacted in 6 investigations each way."""
    girls = ["f0"] * 6 if one_child else [f"f{i}" for i in range(6)]
    rows = ([(p, "flicka", 1) for p in girls] + [(f"g{i}", "flicka", 0) for i in range(10)]
            + [(f"b{i}", "pojke", 1) for i in range(10)] + [(f"c{i}", "pojke", 0) for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "mamma_kontaktad"])
    frame["pappa_kontaktad"] = frame["mamma_kontaktad"]
    frame["enhet"], frame["startdatum"], frame["insats_beviljad"] = "X", "2024-03-01", 0
    _write(folder, "bof_utredningar", frame, "utredning_id")


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_child", [True, False])
def test_bof_05_fathers_of_girls_rest_on_fathers(tmp_path, monkeypatch, rows, one_child):
    # the fathers of girls contacted: one girl's father in six investigations is one father
    _investigations(tmp_path, one_child=one_child)
    page, got = _run(monkeypatch, tmp_path, "bof_05_bemotande_av_foraldrar",
                     bof.parents_treatment, rows)
    pappor = got["kontaktad"][-1].shares
    assert _hidden(pappor, "kon", "flicka") == one_child
    assert "inget id för barnen" not in _text(page)


@pytest.mark.parametrize("rows", [False, True])
def test_bof_05_mothers_rest_on_mothers(tmp_path, monkeypatch, rows):
    # one child's mother contacted in six investigations, every other mother not: 1 mother
    rows_ = ([("f0", "flicka", 1)] * 6 + [(f"g{i}", "flicka", 0) for i in range(20)]
             + [(f"b{i}", "pojke", 0) for i in range(20)])
    frame = pd.DataFrame(rows_, columns=["person_id", "kon", "mamma_kontaktad"])
    frame["pappa_kontaktad"] = 0
    frame["enhet"], frame["startdatum"], frame["insats_beviljad"] = "X", "2024-03-01", 0
    _write(tmp_path, "bof_utredningar", frame, "utredning_id")
    page, got = _run(monkeypatch, tmp_path, "bof_05_bemotande_av_foraldrar", bof.parents_treatment, rows)
    kontakt = got["kontaktad"][0].shares
    assert _hidden(kontakt, "foralder", "mamma")
    # by rows the six contacts of one mother were shown
    frame = pd.DataFrame({"foralder": ["mamma"] * 46 + ["pappa"] * 46,
                          "kontaktad": [1] * 6 + [0] * 40 + [0] * 46})
    by_rows = analysis.binary_outcome(frame, "kontaktad", group="foralder", levels=bof.PARENTS)
    assert not _hidden(by_rows.shares, "foralder", "mamma")


# --- eb_01, eb_02, eb_05: yes/no shares of plannings -------------------------------------

def _plannings(folder, column: str, *, one_woman: bool) -> None:
    """eb_planering: 6 plannings of women with ``column`` 1 (one woman's six, or six women's),
    10 women's with 0, and men's alike (10 and 10)."""
    women = ["k0"] * 6 if one_woman else [f"k{i}" for i in range(6)]
    rows = ([(p, "kvinna", 1) for p in women] + [(f"w{i}", "kvinna", 0) for i in range(10)]
            + [(f"m{i}", "man", 1) for i in range(10)] + [(f"n{i}", "man", 0) for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", column])
    frame["enhet"], frame["datum"] = "X", "2024-03-01"
    _write(folder, "eb_planering", frame, "planering_id")


PLANNINGS = [("eb_01_krav", eb.requirements, "aktivitetskrav"),
             ("eb_02_ohalsa", eb.ill_health, "ohalsa"),
             ("eb_05_vald_i_nara_relation", eb.violence, "fragat_om_vald")]


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_woman", [True, False])
@pytest.mark.parametrize("cid, chapter, column", PLANNINGS)
def test_eb_plannings_rest_on_clients(tmp_path, monkeypatch, cid, chapter, column, rows, one_woman):
    _plannings(tmp_path, column, one_woman=one_woman)
    page, got = _run(monkeypatch, tmp_path, cid, chapter, rows, ADULT)
    assert _hidden(got[column][-1].shares, "kon", "kvinna") == one_woman
    assert "inget id för klienterna" not in _text(page)


# --- the page says so when the export has no persons' ids ----------------------------------

def _insatser(folder, *, one_girl: bool, investigations: bool = True) -> None:
    _insatser_(folder, one_girl=one_girl, investigations=investigations)


def _offers(folder, *, one_woman: bool) -> None:
    _offers_(folder, one_woman=one_woman)


def _chain(folder, *, one_girl: bool) -> None:
    _chain_(folder, one_girl=one_girl)


def _parents_plannings(folder, *, one_woman: bool) -> None:
    _parents_plannings_(folder, one_woman=one_woman)


NO_IDS = [
    ("bof_04_anmalningsorsak_och_anmalare", bof.reason_and_reporter,
     lambda f: _reports(f, one_girl=True), CHILD, "barnen"),
    ("bof_05_bemotande_av_foraldrar", bof.parents_treatment,
     lambda f: _investigations(f, one_child=True), CHILD, "barnen"),
    ("bof_03_typ_av_insats", bof.insats_types, lambda f: _insatser(f, one_girl=True), CHILD, "barnen"),
    ("eb_03_insatser", eb.offers, lambda f: _offers(f, one_woman=True), ADULT, "klienterna"),
    ("bof_06_processkarta", bof.process_map, lambda f: _chain(f, one_girl=True), CHILD,
     "barnen"),
    ("eb_04_foraldraansvar", eb_paths.parental_responsibility,
     lambda f: _parents_plannings(f, one_woman=True), ADULT, "klienterna"),
    *((cid, chapter, lambda f, c=column: _plannings(f, c, one_woman=True), ADULT, "klienterna")
      for cid, chapter, column in PLANNINGS),
]


@pytest.mark.parametrize("cid, chapter, write, params, who", NO_IDS)
def test_the_page_says_so_without_ids(tmp_path, monkeypatch, cid, chapter, write, params, who):
    write(tmp_path)
    _without_ids(tmp_path)
    page, _ = _run(monkeypatch, tmp_path, cid, chapter, False, params)
    assert re.search(rf"Observera: Exporten har inget id för {who} .* än tröskeln\.", _text(page))


# --- bof_03: the share of insatser of each type (a linked load) ----------------------------

def _insatser_(folder, *, one_girl: bool, investigations: bool = True) -> None:
    """bof_insatser: 6 girls' insatser of family treatment (one girl's six, or six girls'), 10
    girls' of conversation support, and boys' alike (10 and 10); each from its own
    investigation (bof_utredningar, reason type miljö) when ``investigations``."""
    girls = ["f0"] * 6 if one_girl else [f"f{i}" for i in range(6)]
    rows = ([(p, "flicka", "familjebehandling") for p in girls]
            + [(f"g{i}", "flicka", "samtalsstod") for i in range(10)]
            + [(f"b{i}", "pojke", "familjebehandling") for i in range(10)]
            + [(f"c{i}", "pojke", "samtalsstod") for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "insatstyp"])
    frame["utredning_id"] = [f"u{i}" for i in range(len(frame))]
    frame["enhet"], frame["startdatum"] = "X", "2024-03-01"
    _write(folder, "bof_insatser", frame, "insats_id")
    if investigations:
        u = frame[["utredning_id", "person_id", "kon", "enhet", "startdatum"]].assign(
            orsakstyp="miljo", insats_beviljad=1)
        u.to_csv(folder / "bof_utredningar.csv", sep=";", index=False)


def _comparison_hidden(comparisons: pd.DataFrame, column: str, category: str, adjusted=False) -> bool:
    rows = comparisons[(comparisons[column] == category)
                       & (comparisons["measure"] == "risk_difference_pp")
                       & (comparisons["adjusted"].astype(bool) == adjusted)]
    assert len(rows) == 1, rows
    return bool(rows["suppressed"].iloc[0])


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("investigations", [True, False])
@pytest.mark.parametrize("one_girl", [True, False])
def test_bof_03_each_type_rests_on_children(tmp_path, monkeypatch, rows, investigations, one_girl):
    # with the investigations the insatser are linked to them (the reason type) first
    _insatser(tmp_path, one_girl=one_girl, investigations=investigations)
    page, got = _run(monkeypatch, tmp_path, "bof_03_typ_av_insats", bof.insats_types, rows)
    assert _hidden(got["familjebehandling"][-1].shares, "kon", "flicka") == one_girl
    assert _comparison_hidden(page.comparisons, "insatstyp", "familjebehandling") == one_girl
    assert "inget id för barnen" not in _text(page)


# --- eb_03: the share of plannings offered each type (linked loads) ------------------------

def _offers_(folder, *, one_woman: bool) -> None:
    """eb_planering and eb_insatser: 6 plannings of women offered praktik (one woman's six, or
    six women's), 10 women's offered studier, and men's alike (10 and 10)."""
    women = ["k0"] * 6 if one_woman else [f"k{i}" for i in range(6)]
    rows = ([(p, "kvinna", "praktik") for p in women] + [(f"w{i}", "kvinna", "studier") for i in range(10)]
            + [(f"m{i}", "man", "praktik") for i in range(10)] + [(f"n{i}", "man", "studier") for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "insatstyp"])
    frame.insert(0, "planering_id", [f"p{i}" for i in range(len(frame))])
    frame["enhet"], frame["datum"], frame["startdatum"] = "X", "2024-03-01", "2024-04-01"
    frame.drop(columns=["insatstyp", "startdatum"]).to_csv(folder / "eb_planering.csv", sep=";", index=False)
    _write(folder, "eb_insatser", frame.drop(columns=["datum"]), "insats_id")


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_woman", [True, False])
def test_eb_03_offers_rest_on_clients(tmp_path, monkeypatch, rows, one_woman):
    _offers(tmp_path, one_woman=one_woman)
    page, got = _run(monkeypatch, tmp_path, "eb_03_insatser", eb.offers, rows, ADULT)
    assert _hidden(got["praktik"][-1].shares, "kon", "kvinna") == one_woman
    assert not _hidden(got["studier"][-1].shares, "kon", "kvinna") or one_woman
    assert "inget id för klienterna" not in _text(page)


# --- bof_06: the process map's steps (linked loads) ------------------------------------------

def _chain_(folder, *, one_girl: bool) -> None:
    """bof_aktualiseringar: 6 girls' reports that opened an investigation (one girl's six, or
    six girls'), 10 girls' that did not, boys' alike (10 and 10); bof_utredningar: one
    investigation per opened report, the girls' six and five of the boys' ten led to insats."""
    girls = ["f0"] * 6 if one_girl else [f"f{i}" for i in range(6)]
    rows = ([(p, "flicka", 1) for p in girls] + [(f"g{i}", "flicka", 0) for i in range(10)]
            + [(f"b{i}", "pojke", 1) for i in range(10)] + [(f"c{i}", "pojke", 0) for i in range(10)])
    reports = pd.DataFrame(rows, columns=["person_id", "kon", "utredning_inledd"])
    reports.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(reports))])
    reports["enhet"], reports["datum"] = "X", "2024-03-01"
    reports.to_csv(folder / "bof_aktualiseringar.csv", sep=";", index=False)
    opened = reports[reports["utredning_inledd"] == 1]
    u = opened[["aktualisering_id", "person_id", "kon", "enhet"]].assign(
        startdatum="2024-03-02", insats_beviljad=[1] * 6 + [1] * 5 + [0] * 5)
    _write(folder, "bof_utredningar", u, "utredning_id")


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_girl", [True, False])
def test_bof_06_each_step_rests_on_children(tmp_path, monkeypatch, rows, one_girl):
    _chain(tmp_path, one_girl=one_girl)
    page, got = _run(monkeypatch, tmp_path, "bof_06_processkarta", bof.process_map, rows)
    for outcome in ("utredning_inledd", "insats_beviljad", "insats_per_anmalan"):
        assert _hidden(got[outcome][-1].shares, "kon", "flicka") == one_girl, outcome
    karta = page.comparisons[page.comparisons["measure"] == "risk_difference_pp"]
    assert karta["suppressed"].astype(bool).all() == one_girl
    assert "inget id för barnen" not in _text(page)


# --- eb_04: parents' exemption for childcare (cells, linked for the pairs) -----------------

def _parents_plannings_(folder, *, one_woman: bool) -> None:
    """eb_planering of parents: 6 plannings of mothers exempted for childcare (one mother's six,
    or six mothers'), 10 mothers' not exempted, fathers alike (10 and 10); the mothers not
    exempted and the fathers exempted pair up in 10 households."""
    women = ["k0"] * 6 if one_woman else [f"k{i}" for i in range(6)]
    rows = ([(p, "kvinna", 1, f"hk{i}") for i, p in enumerate(women)]
            + [(f"w{i}", "kvinna", 0, f"h{i}") for i in range(10)]
            + [(f"m{i}", "man", 1, f"h{i}") for i in range(10)]
            + [(f"n{i}", "man", 0, f"hn{i}") for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "undantag_barnomsorg", "hushall_id"])
    frame["antal_barn"], frame["foraldraledighet_planerad"] = 1, frame["undantag_barnomsorg"]
    frame["enhet"], frame["datum"] = "X", "2024-03-01"
    _write(folder, "eb_planering", frame, "planering_id")


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_woman", [True, False])
def test_eb_04_parents_rest_on_clients(tmp_path, monkeypatch, rows, one_woman):
    _parents_plannings(tmp_path, one_woman=one_woman)
    page, got = _run(monkeypatch, tmp_path, "eb_04_foraldraansvar", eb_paths.parental_responsibility,
                     rows, ADULT)
    for outcome in ("undantag_barnomsorg", "foraldraledighet_planerad"):
        assert _hidden(got[outcome][-1].shares, "kon", "kvinna") == one_woman, outcome
    assert "inom par" in " ".join(str(x) for x in page.part("jamforelser"))  # the pairs still made
    assert "inget id för klienterna" not in _text(page)


# --- eb_07: the process map's step from planning to an offered insats (linked loads) -------

def _process(folder, *, one_woman: bool) -> None:
    """eb_klienter: every applicant granted aid; eb_planering: 6 plannings of women offered an
    insats (one woman's six, or six women's), 10 women's not, men's alike (10 and 10); each
    planning offered one insats (eb_insatser) or none."""
    women = ["k0"] * 6 if one_woman else [f"k{i}" for i in range(6)]
    rows = ([(p, "kvinna", 1) for p in women] + [(f"w{i}", "kvinna", 0) for i in range(10)]
            + [(f"m{i}", "man", 1) for i in range(10)] + [(f"n{i}", "man", 0) for i in range(10)])
    plans = pd.DataFrame(rows, columns=["person_id", "kon", "erbjuden"])
    plans.insert(0, "planering_id", [f"p{i}" for i in range(len(plans))])
    plans["enhet"], plans["datum"] = "X", "2024-03-01"
    clients = plans.drop_duplicates("person_id")[["person_id", "kon", "enhet"]].assign(
        ansokningsdatum="2024-02-01", bistand_beviljat=1)
    clients.to_csv(folder / "eb_klienter.csv", sep=";", index=False)
    plans.drop(columns="erbjuden").to_csv(folder / "eb_planering.csv", sep=";", index=False)
    offers = plans[plans["erbjuden"] == 1][["planering_id", "person_id", "kon", "enhet"]].assign(
        startdatum="2024-04-01", insatstyp="praktik")
    _write(folder, "eb_insatser", offers, "insats_id")


@pytest.mark.parametrize("rows", [False, True])
@pytest.mark.parametrize("one_woman", [True, False])
def test_eb_07_the_step_to_an_offer_rests_on_clients(tmp_path, monkeypatch, rows, one_woman):
    _process(tmp_path, one_woman=one_woman)
    page, got = _run(monkeypatch, tmp_path, "eb_07_processkarta", eb.process_map, rows, ADULT)
    assert _hidden(got["insats"][-1].shares, "kon", "kvinna") == one_woman
    assert not _hidden(got["planering"][-1].shares, "kon", "kvinna")  # applicants: persons already


# --- count_persons: a linked load's persons, counted after its links ------------------------

@pytest.mark.parametrize("one_girl", [True, False])
def test_a_linked_load_counts_its_persons_after_the_links(tmp_path, one_girl):
    # bof_06's chain on its own: the reports followed to the investigations with insats, then
    # the children counted; the cell table (engine) and the rows agree, and a split that let
    # its rows go cannot be counted
    from jamtools.data import load_table
    from jamtools.data.check import CELL_COUNT
    from jamtools.data.links import flag_in
    from jamtools.data.load import count_persons, persons_column
    from jamtools.data.pseudonym import PERSON

    _chain(tmp_path, one_girl=one_girl)
    shares = {}
    for cells in (True, False):
        def load(table, columns):
            return load_table(table, data_dir=tmp_path, columns=columns, cells=cells, linked=cells,
                              persons=5)
        reports = load("bof_aktualiseringar", ("kon", "utredning_inledd", "aktualisering_id"))
        investigations = load("bof_utredningar", ("kon", "insats_beviljad", "aktualisering_id"))
        assert (reports.persons_up_to == 5 and reports.persons is None) == cells
        with_insats = investigations.exclude(investigations.data["insats_beviljad"] == 0, "Ingen insats")
        chain = count_persons(flag_in(reports, "aktualisering_id", with_insats, "aktualisering_id",
                                      name="insats", follow=True))
        assert chain.persons == persons_column(chain.data) == (PERSON if cells else "person_id")
        assert chain.n_rows() == 36 and (chain.weight == CELL_COUNT) == cells
        result = analysis.binary_outcome(chain.data, "insats", levels=bof.CHILD_SEXES, threshold=5,
                                         weight=chain.weight, persons=chain.persons)
        shares[cells] = result.shares.set_index("kon")
        assert bool(shares[cells].loc["flicka", "suppressed"]) == one_girl
        if cells:
            with pytest.raises(ValueError, match="follow=False"):
                count_persons(flag_in(reports, "aktualisering_id", with_insats, "aktualisering_id",
                                      name="insats", follow=False))
    pd.testing.assert_frame_equal(shares[True], shares[False], check_dtype=False)
