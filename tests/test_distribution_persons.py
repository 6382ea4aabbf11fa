"""A distribution's cell rests on enough persons, not only on enough rows.

``disclose_distribution`` hid a category cell (sex × category) whose count of rows was below
the threshold; where a person has several rows (a pupil in several terms, a child with several
insatser of one type) a shown count could be one person's. With ``persons`` (counted by
``distribution_by_group(..., persons=...)`` where the rows or cells are) a cell of fewer than
the threshold persons is hidden, with the usual complementary protection, on the rows and the
cell (engine) path alike; ks_01, bof_03, bof_04 and eb_01 do so."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools import disclosure, stats
from jamtools.chapters import bof, eb, ks
from jamtools.data import load_table
from jamtools.data.check import CELL_COUNT
from jamtools.data.pseudonym import PERSON
from jamtools.run.notebook import setup
from jamtools.stats.segregation import distribution_by_period


def _pupils(folder, *, one_girl: bool, years=(2023,)) -> str:
    """ks_elever: in each of ``years``, 6 rows of girls playing the violin (one girl's six
    terms, or six girls'), 10 girls on the piano, 10 boys on the piano and 10 on the violin
    (each another pupil, the same pupils every year). By rows every count passes the
    threshold 5."""
    violin = ["f0"] * 6 if one_girl else [f"f{i}" for i in range(6)]
    rows = ([(p, "flicka", "fiol") for p in violin] + [(f"g{i}", "flicka", "piano") for i in range(10)]
            + [(f"b{i}", "pojke", "piano") for i in range(10)] + [(f"c{i}", "pojke", "fiol") for i in range(10)])
    frame = pd.DataFrame([(*r, y) for y in years for r in rows],
                         columns=["person_id", "kon", "instrument", "ar"])
    frame.insert(0, "elev_id", [f"e{i}" for i in range(len(frame))])
    frame["terminsstart"] = [f"{y}-08-20" for y in frame["ar"]]
    frame["alder"] = 12
    frame.to_csv(folder / "ks_elever.csv", sep=";", index=False)
    return str(folder)


def _load(folder, cells: bool, persons=5):
    return load_table("ks_elever", data_dir=folder, columns=("kon", "instrument"), cells=cells,
                      persons=persons)


def _disclosed(loaded, threshold=5, persons=True):
    who = loaded.persons if persons else None
    dist = stats.distribution_by_group(loaded.data, "instrument", count=loaded.weight, persons=who)
    return disclosure.disclose_distribution(dist, "instrument", threshold=threshold,
                                            persons=who).set_index(["instrument", "kon"])


@pytest.mark.parametrize("cells", [True, False])
def test_one_pupils_six_rows_are_hidden(tmp_path, cells):
    loaded = _load(_pupils(tmp_path, one_girl=True), cells)
    assert loaded.n_rows() == 36 and loaded.persons == (PERSON if cells else "person_id")
    shown = _disclosed(loaded)
    assert bool(shown.loc[("fiol", "flicka"), "suppressed"])
    assert shown.loc[("fiol", "flicka"), ["events", "share"]].isna().all()
    # the complement: the girls' size is shown, so their piano is hidden too
    assert bool(shown.loc[("piano", "flicka"), "suppressed"])
    assert "persons_events" not in shown.columns and "persons_n" not in shown.columns
    # by rows alone the six rows were shown (the gap this closes)
    by_rows = _disclosed(loaded, persons=False)
    assert not by_rows["suppressed"].any() and by_rows.loc[("fiol", "flicka"), "events"] == 6


@pytest.mark.parametrize("cells", [True, False])
def test_six_pupils_are_shown(tmp_path, cells):
    shown = _disclosed(_load(_pupils(tmp_path, one_girl=False), cells))
    assert not shown["suppressed"].any()
    assert shown.loc[("fiol", "flicka"), "events"] == 6 and shown.loc[("fiol", "flicka"), "n"] == 16


@pytest.mark.parametrize("one_girl", [True, False])
def test_the_engine_and_the_rows_agree(tmp_path, one_girl):
    folder = _pupils(tmp_path, one_girl=one_girl)
    by_cells, by_rows = _load(folder, True), _load(folder, False)
    assert by_cells.weight == CELL_COUNT and by_rows.weight is None
    pd.testing.assert_frame_equal(_disclosed(by_cells), _disclosed(by_rows), check_dtype=False)
    # the counts of persons too, before disclosure, up to the threshold (the cells number
    # the first 5 persons of a cell, the rest as one)
    counts = [stats.distribution_by_group(x.data, "instrument", count=x.weight, persons=x.persons)
              .assign(persons_events=lambda t: t["persons_events"].clip(upper=5),
                      persons_n=lambda t: t["persons_n"].clip(upper=5))
              for x in (by_cells, by_rows)]
    cols = ["instrument", "kon", "events", "persons_events", "persons_n"]
    pd.testing.assert_frame_equal(counts[0][cols], counts[1][cols], check_dtype=False)
    assert counts[1].set_index(["instrument", "kon"]).loc[("fiol", "flicka"), "persons_events"] \
        == (1 if one_girl else 5)


def test_a_group_of_few_persons_has_its_size_hidden():
    rows = pd.DataFrame({"person_id": ["f0"] * 12 + [f"b{i}" for i in range(12)],
                         "kon": ["flicka"] * 12 + ["pojke"] * 12,
                         "instrument": ["fiol", "piano"] * 12})
    dist = stats.distribution_by_group(rows, "instrument", persons="person_id")
    out = disclosure.disclose_distribution(dist, "instrument", persons="person_id")
    girls = out[out["kon"] == "flicka"]
    assert girls["n"].isna().all() and girls["suppressed"].all()
    assert out.loc[out["kon"] == "pojke", "n"].eq(12).all()


def test_rows_of_no_known_pupil_add_no_pupil():
    # four girls and two rows without an id: four pupils, not six (as binary_outcome counts)
    rows = pd.DataFrame({"person_id": ["f1", "f2", "f3", "f4", None, None] + [f"b{i}" for i in range(6)],
                         "kon": ["flicka"] * 6 + ["pojke"] * 6, "instrument": ["fiol"] * 12})
    dist = stats.distribution_by_group(rows, "instrument", persons="person_id").set_index("kon")
    assert dist.loc["flicka", "persons_events"] == 4 and dist.loc["pojke", "persons_events"] == 6
    assert stats.categorical.distinct_persons(pd.Series([None, None])) == 1
    # an id written two ways is one pupil; rows of no known pupil alone are one
    rows = pd.DataFrame({"person_id": ["K-7", "k7", "k 7", None, None, None], "kon": "flicka",
                         "instrument": ["fiol", "fiol", "fiol", "piano", "piano", "piano"]})
    dist = stats.distribution_by_group(rows, "instrument", persons="person_id").set_index("instrument")
    assert dist.loc["fiol", "persons_events"] == 1 and dist.loc["piano", "persons_events"] == 1
    assert dist["persons_n"].eq(1).all()


def test_the_persons_must_be_the_distributions(tmp_path):
    loaded = _load(_pupils(tmp_path, one_girl=False), True)
    dist = stats.distribution_by_group(loaded.data, "instrument", count=loaded.weight,
                                       persons=loaded.persons)
    with pytest.raises(ValueError, match="threshold"):   # numbered up to 5 per cell
        disclosure.disclose_distribution(dist, "instrument", threshold=6, persons=loaded.persons)
    with pytest.raises(ValueError, match="persons="):    # counted, then not asked for
        disclosure.disclose_distribution(dist, "instrument")
    plain = stats.distribution_by_group(loaded.data, "instrument", count=loaded.weight)
    with pytest.raises(ValueError, match="persons="):    # asked for, not counted
        disclosure.disclose_distribution(plain, "instrument", persons=loaded.persons)


@pytest.mark.parametrize("cells", [True, False])
def test_by_period_counts_each_periods_persons(tmp_path, cells):
    loaded = _load(_pupils(tmp_path, one_girl=False), cells)
    data = loaded.data.assign(fas="hela perioden")
    out = distribution_by_period(data, "instrument", "fas", count=loaded.weight,
                                 persons=loaded.persons)["hela perioden"].set_index(["instrument", "kon"])
    assert out.loc[("fiol", "flicka"), "persons_events"] >= 5   # (the cells: 5 numbered, and more)
    assert out.loc[("piano", "flicka"), "persons_n"] >= 5
    assert out.attrs["persons_of"] == loaded.persons


def _spy(monkeypatch):
    """The distributions the chapters disclose (their calls of disclose_distribution)."""
    seen = []
    real = disclosure.disclose_distribution

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append(out)
        return out

    monkeypatch.setattr(disclosure, "disclose_distribution", spy)
    return seen


def _ctx(question_id, folder, **extra):
    import json
    from pathlib import Path

    nb = Path(__file__).resolve().parents[1] / "notebooks" / f"{question_id}.ipynb"
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    ns: dict = {}
    exec(next("".join(c["source"]) for c in cells if c["cell_type"] == "code"), ns)
    ns.update(data_dir=str(folder), results_path=None, config_file=None, **extra)
    return setup(question_id, ns)


def _texts(page) -> str:
    return " ".join(x for part in page.parts.values() for x in part if isinstance(x, str))


@pytest.mark.parametrize("one_girl", [True, False])
def test_ks_01_hides_one_pupils_terms(tmp_path, monkeypatch, one_girl):
    folder = _pupils(tmp_path, one_girl=one_girl, years=(2023, 2024))
    seen = _spy(monkeypatch)
    page = ks.instrument_choice(_ctx("ks_01_instrumentval", folder, forandring_ar=2024))
    assert len(seen) == 4   # before and from 2024 (shown), 2023 and 2024 (the years' indexes)
    for dist in seen:
        girls = dist.set_index(["instrument", "kon"])
        assert bool(girls.loc[("Fiol", "flicka"), "suppressed"]) == one_girl
    # the index and the test of a phase (a year) whose distribution hides a cell are hidden
    # too: each is a function of every cell (before 2024 is 2023's cells)
    rows = page.comparisons.set_index("comparison")
    for period in ("före 2024", "från 2024", "2023", "2024"):
        assert rows.loc[[f"flicka / pojke, {period}"], "suppressed"].astype(bool).all() == one_girl, period
        assert rows.loc[[f"flicka / pojke, {period}"], "estimate"].isna().all() == one_girl, period
    assert "Exporten har inget id" not in _texts(page)


def test_ks_01_says_so_without_pupil_ids(tmp_path):
    folder = _pupils(tmp_path, one_girl=True, years=(2023, 2024))
    path = tmp_path / "ks_elever.csv"
    pd.read_csv(path, sep=";", dtype=str).drop(columns="person_id").to_csv(path, sep=";", index=False)
    page = ks.instrument_choice(_ctx("ks_01_instrumentval", folder, forandring_ar=2024))
    text = _texts(page)
    assert "Exporten har inget id för eleverna" in text and "hur många val" in text


def _reports(folder, *, one_girl: bool) -> str:
    """bof_aktualiseringar in unit X: 6 reports of girls about truancy (one girl's six, or six
    girls'), 10 girls' reports about violence in the family, and 10 + 10 boys' reports of the
    two reasons (each of another child)."""
    truant = ["f0"] * 6 if one_girl else [f"f{i}" for i in range(6)]
    rows = ([(p, "flicka", "skolfranvaro") for p in truant]
            + [(f"g{i}", "flicka", "vald_i_familjen") for i in range(10)]
            + [(f"b{i}", "pojke", "skolfranvaro") for i in range(10)]
            + [(f"c{i}", "pojke", "vald_i_familjen") for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "anmalningsorsak"])
    frame.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(frame))])
    frame["utredning_inledd"] = [i % 2 for i in range(len(frame))]
    frame["enhet"] = "X"
    frame["datum"] = "2024-03-01"
    frame.to_csv(folder / "bof_aktualiseringar.csv", sep=";", index=False)
    return str(folder)


@pytest.mark.parametrize("one_girl", [True, False])
def test_bof_04_hides_one_childs_reasons(tmp_path, monkeypatch, one_girl):
    seen = _spy(monkeypatch)
    ctx = setup("bof_04_anmalningsorsak_och_anmalare",
                {"data_dir": _reports(tmp_path, one_girl=one_girl), "enhet": None,
                 "alder_min": 0, "alder_max": 17})
    bof.reason_and_reporter(ctx)
    reasons = seen[0].set_index(["anmalningsorsak", "kon"])
    assert bool(reasons.loc[("skolfranvaro", "flicka"), "suppressed"]) == one_girl
    assert pd.isna(reasons.loc[("skolfranvaro", "flicka"), "events"]) == one_girl


@pytest.mark.parametrize("one_woman", [True, False])
def test_eb_01_hides_one_clients_households(tmp_path, monkeypatch, one_woman):
    # eb_planering: 6 plannings of single women with children (one woman's six, or six
    # women's), 10 women's and 20 men's of other households (each another client)
    women = ["k0"] * 6 if one_woman else [f"k{i}" for i in range(6)]
    rows = ([(p, "kvinna", "ensamstaende_med_barn") for p in women]
            + [(f"w{i}", "kvinna", "ensamstaende_utan_barn") for i in range(10)]
            + [(f"m{i}", "man", "ensamstaende_med_barn") for i in range(10)]
            + [(f"n{i}", "man", "ensamstaende_utan_barn") for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "hushallstyp"])
    frame.insert(0, "planering_id", [f"p{i}" for i in range(len(frame))])
    frame["aktivitetskrav"] = [i % 2 for i in range(len(frame))]
    frame["enhet"], frame["datum"] = "X", "2024-03-01"
    frame.to_csv(tmp_path / "eb_planering.csv", sep=";", index=False)
    seen = _spy(monkeypatch)
    eb.requirements(setup("eb_01_krav", {"data_dir": str(tmp_path), "enhet": None}))
    households = seen[0].set_index(["hushallstyp", "kon"])
    assert bool(households.loc[("ensamstaende_med_barn", "kvinna"), "suppressed"]) == one_woman
    assert households["suppressed"].astype(bool).any() == one_woman
