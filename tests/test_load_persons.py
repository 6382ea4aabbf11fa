"""A share of reports or investigations rests on enough children, not only on enough rows.

The threshold was applied to counts of rows: in bof_aktualiseringar a child can have several
reports, so "6 reports of girls led to an investigation" could be one girl's six reports. A
load with ``persons`` (the run's threshold) counts persons as well: on rows by ``person_id``, on
a cell table by persons numbered up to the threshold per cell in the engine
(:func:`jamtools.data.load_table`), and ``binary_outcome(persons=loaded.persons)`` hides a
share whose count with or without the outcome rests on fewer than the threshold children.
bof_01 and bof_02 do so."""
from __future__ import annotations

import pandas as pd
import pytest

from jamtools import disclosure
from jamtools.chapters import bof
from jamtools.data import load_table
from jamtools.data.check import CELL_COUNT
from jamtools.data.pseudonym import PERSON, PERSONS_UP_TO
from jamtools.disclosure import analyses as analysis
from jamtools.run.notebook import setup

LEVELS = ("flicka", "pojke")
COLUMNS = ("kon", "utredning_inledd")


def _reports(folder, *, one_girl: bool, girl_ids=None) -> str:
    """bof_aktualiseringar in unit X: 6 reports of girls that led to an investigation (one
    girl's six, or six girls'), 10 girls' reports that did not, 10 boys' that did and 10 boys'
    that did not (each of another child). By rows every count passes the threshold 5."""
    girls_yes = girl_ids or (["f0"] * 6 if one_girl else [f"f{i}" for i in range(6)])
    rows = ([(p, "flicka", 1) for p in girls_yes] + [(f"g{i}", "flicka", 0) for i in range(10)]
            + [(f"b{i}", "pojke", 1) for i in range(10)] + [(f"c{i}", "pojke", 0) for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "utredning_inledd"])
    frame.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(frame))])
    frame["enhet"] = "X"
    frame["datum"] = "2024-03-01"
    frame.to_csv(folder / "bof_aktualiseringar.csv", sep=";", index=False)
    return str(folder)


def _load(folder, cells: bool, persons=5):
    return load_table("bof_aktualiseringar", data_dir=folder, columns=COLUMNS, cells=cells,
                      persons=persons, unit="X")


def _shares(loaded, threshold=5):
    return analysis.binary_outcome(loaded.data, "utredning_inledd", levels=LEVELS,
                                   threshold=threshold, weight=loaded.weight,
                                   persons=loaded.persons).shares.set_index("kon")


@pytest.mark.parametrize("cells", [True, False])
def test_one_girls_six_reports_are_hidden(tmp_path, cells):
    loaded = _load(_reports(tmp_path, one_girl=True), cells)
    assert loaded.n_rows() == 36
    shares = _shares(loaded)
    assert bool(shares.loc["flicka", "suppressed"])
    assert shares.loc["flicka", ["n", "events", "share"]].isna().all()
    assert shares.loc["flicka", "suppression_reason"] == disclosure.REASON_HIDDEN
    # by rows alone the six reports were shown (the gap this closes)
    by_rows = analysis.binary_outcome(loaded.data, "utredning_inledd", levels=LEVELS, threshold=5,
                                      weight=loaded.weight).shares.set_index("kon")
    assert not bool(by_rows.loc["flicka", "suppressed"]) and by_rows.loc["flicka", "events"] == 6


@pytest.mark.parametrize("cells", [True, False])
def test_six_girls_reports_are_shown(tmp_path, cells):
    shares = _shares(_load(_reports(tmp_path, one_girl=False), cells))
    assert not shares["suppressed"].any()
    assert shares.loc["flicka", "events"] == 6 and shares.loc["flicka", "n"] == 16


@pytest.mark.parametrize("one_girl", [True, False])
def test_the_engine_and_the_rows_agree(tmp_path, one_girl):
    folder = _reports(tmp_path, one_girl=one_girl)
    by_cells, by_rows = _load(folder, True), _load(folder, False)
    # the cell path is taken, and no id reaches pandas there
    assert by_cells.weight == CELL_COUNT and by_cells.persons == PERSON
    assert "person_id" not in by_cells.data.columns and by_cells.rows is None
    assert by_cells.data.attrs[PERSONS_UP_TO] == {PERSON: 5}
    assert by_rows.weight is None and by_rows.persons == "person_id"
    assert by_cells.counts_by_sex() == by_rows.counts_by_sex()
    pd.testing.assert_frame_equal(_shares(by_cells), _shares(by_rows), check_dtype=False)


def test_an_id_written_two_ways_is_one_child_in_the_engine(tmp_path):
    folder = _reports(tmp_path, one_girl=False,
                      girl_ids=["K-7", "k7", "k 7", "19121212-1212", "121212-1212", "1212121212"])
    for cells in (True, False):  # two girls, not six: hidden both ways
        assert bool(_shares(_load(folder, cells)).loc["flicka", "suppressed"]), cells


def _write(folder, rows) -> str:
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "anmalningsorsak", "utredning_inledd"])
    frame.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(frame))])
    frame["enhet"] = "X"
    frame.to_csv(folder / "bof_aktualiseringar.csv", sep=";", index=False)
    return str(folder)


OTHERS = ([(f"g{i}", "flicka", "vald_i_familjen", 0) for i in range(10)]
          + [(f"b{i}", "pojke", "vald_i_familjen", 1) for i in range(10)]
          + [(f"c{i}", "pojke", "vald_i_familjen", 0) for i in range(10)])


@pytest.mark.parametrize("cells", [True, False])
def test_the_same_girls_in_two_cells_are_counted_once(tmp_path, cells):
    # three girls, each with a report of two reasons (two cells of the cell table): 6 reports
    # of 3 girls, hidden however the cells are added up
    rows = [(f"f{i}", "flicka", reason, 1) for i in range(3) for reason in ("vald_i_familjen", "skolfranvaro")]
    loaded = load_table("bof_aktualiseringar", data_dir=_write(tmp_path, rows + OTHERS),
                        columns=(*COLUMNS, "anmalningsorsak"), cells=cells, persons=5)
    shares = _shares(loaded)
    assert bool(shares.loc["flicka", "suppressed"])


def test_a_cell_of_many_children_keeps_threshold_numbered_ones(tmp_path):
    # 40 girls' reports in one cell, two each: the cell table holds 5 numbered girls and the
    # rest under 0, the same rows in all, and the share is shown
    rows = [(f"f{i}", "flicka", "vald_i_familjen", 1) for i in range(40) for _ in range(2)]
    loaded = load_table("bof_aktualiseringar", data_dir=_write(tmp_path, rows + OTHERS),
                        columns=(*COLUMNS, "anmalningsorsak"), cells=True, persons=5)
    girls = loaded.data[(loaded.data["kon"] == "flicka") & (loaded.data["utredning_inledd"] == 1)]
    assert sorted(girls[PERSON] == 0) == [False] * 5 + [True]
    assert girls[CELL_COUNT].sum() == 80 and girls.loc[girls[PERSON] == 0, CELL_COUNT].item() == 70
    shares = _shares(loaded)
    assert not shares["suppressed"].any() and shares.loc["flicka", "events"] == 80


def test_a_threshold_above_the_persons_counted_is_refused(tmp_path):
    loaded = _load(_reports(tmp_path, one_girl=False), True, persons=5)
    with pytest.raises(ValueError, match="threshold"):
        _shares(loaded, threshold=6)


def test_a_table_whose_rows_are_persons_counts_rows(tmp_path):
    pd.DataFrame({"person_id": ["k1", "k2"], "kon": ["kvinna", "man"]}).to_csv(
        tmp_path / "eb_klienter.csv", sep=";", index=False)
    loaded = load_table("eb_klienter", data_dir=tmp_path, columns=("kon",), cells=True, persons=5)
    assert loaded.persons is None and PERSON not in loaded.data.columns


def _investigations(folder) -> str:
    """bof_utredningar as :func:`_reports`: one girl's 6 investigations led to an insats."""
    rows = ([("f0", "flicka", 1)] * 6 + [(f"g{i}", "flicka", 0) for i in range(10)]
            + [(f"b{i}", "pojke", 1) for i in range(10)] + [(f"c{i}", "pojke", 0) for i in range(10)])
    frame = pd.DataFrame(rows, columns=["person_id", "kon", "insats_beviljad"])
    frame.insert(0, "utredning_id", [f"u{i}" for i in range(len(frame))])
    frame["startdatum"] = "2024-03-01"
    frame.to_csv(folder / "bof_utredningar.csv", sep=";", index=False)
    return str(folder)


@pytest.mark.parametrize("cid, chapter, write", [
    ("bof_01_utredning_inleds", bof.investigation_opened, lambda f: _reports(f, one_girl=True)),
    ("bof_02_utredning_till_insats", bof.investigation_to_insats, _investigations)])
def test_the_chapters_hide_one_girls_rows(tmp_path, monkeypatch, cid, chapter, write):
    folder = write(tmp_path)
    computed = []
    binary = analysis.binary_outcome

    def spy(*args, **kwargs):
        result = binary(*args, **kwargs)
        computed.append(result)
        return result

    monkeypatch.setattr(analysis, "binary_outcome", spy)
    ctx = setup(cid, {"data_dir": folder, "enhet": None, "alder_min": 0, "alder_max": 17})
    chapter(ctx)
    shares = computed[0].shares.set_index("kon")
    assert bool(shares.loc["flicka", "suppressed"])
    assert shares.loc["flicka", ["n", "events", "share"]].isna().all()


def _pnr(date: str, serial: int) -> str:
    """A valid personnummer (Luhn) of ``date`` (YYYYMMDD) with the serial number ``serial``."""
    from jamtools.data.personnummer import luhn_ok

    nine = f"{date[2:]}{serial:03d}"
    check = next(c for c in range(10) if luhn_ok(f"{nine}{c}"))
    return f"{date}-{serial:03d}{check}"


def test_personnummer_written_two_ways_is_one_child(tmp_path):
    # the export has personnummer, no person_id: the load's pseudonym is one per child however
    # the number is written; six reports of one girl are hidden on both paths, six girls' shown
    girl = _pnr("20121212", 124)
    forms = [girl, girl.replace("-", ""), girl[2:], girl[2:].replace("-", ""), girl, girl[2:]]
    assert len({f for f in forms}) == 4
    others = ([(_pnr(f"201201{d:02d}", 2), "flicka", 0) for d in range(1, 11)]
              + [(_pnr(f"201202{d:02d}", 1), "pojke", 1) for d in range(1, 11)]
              + [(_pnr(f"201203{d:02d}", 1), "pojke", 0) for d in range(1, 11)])
    for one_girl in (True, False):
        girls = forms if one_girl else [_pnr(f"201204{d:02d}", 2) for d in range(1, 7)]
        frame = pd.DataFrame([(p, "flicka", 1) for p in girls] + others,
                             columns=["personnummer", "kon", "utredning_inledd"])
        frame.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(frame))])
        frame["enhet"] = "X"
        frame.to_csv(tmp_path / "bof_aktualiseringar.csv", sep=";", index=False)
        for cells in (True, False):
            loaded = _load(str(tmp_path), cells)
            assert loaded.persons is not None and loaded.n_rows() == 36, cells
            assert "personnummer" not in loaded.data.columns
            assert bool(_shares(loaded).loc["flicka", "suppressed"]) == one_girl, (one_girl, cells)


@pytest.mark.parametrize("one_girl", [True, False])
def test_a_repeated_report_is_left_out_on_both_paths(tmp_path, one_girl):
    # a report exported twice (its key repeats) is a duplicate: both paths leave it out and
    # still agree on the persons
    folder = _reports(tmp_path, one_girl=one_girl)
    path = tmp_path / "bof_aktualiseringar.csv"
    frame = pd.read_csv(path, sep=";", dtype=str)
    pd.concat([frame, frame.iloc[[0]]]).to_csv(path, sep=";", index=False)
    by_cells, by_rows = _load(folder, True), _load(folder, False)
    assert by_cells.counts_by_sex() == by_rows.counts_by_sex()
    assert by_cells.persons == PERSON
    pd.testing.assert_frame_equal(_shares(by_cells), _shares(by_rows), check_dtype=False)


def test_a_table_without_person_ids_counts_rows(tmp_path):
    folder = _reports(tmp_path, one_girl=True)
    path = tmp_path / "bof_aktualiseringar.csv"
    pd.read_csv(path, sep=";", dtype=str).drop(columns="person_id").to_csv(path, sep=";", index=False)
    for cells in (True, False):
        loaded = _load(folder, cells)
        assert loaded.persons is None and loaded.n_rows() == 36, cells
        assert PERSON not in loaded.data.columns and "person_id" not in loaded.data.columns


@pytest.mark.parametrize("one_girl", [True, False])
def test_a_database_table_counts_persons_as_a_file(tmp_path, one_girl):
    # the same reports in an SQLite table (a ``sql:`` source): the ids are read for the persons
    # and the shares are the file's, on both paths
    import sqlalchemy as sa
    import yaml

    from jamtools.run.config import load_config

    folder = _reports(tmp_path, one_girl=one_girl)
    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        pd.read_csv(tmp_path / "bof_aktualiseringar.csv", sep=";", dtype=str).to_sql(
            "anmalningar", con, index=False)
    engine.dispose()
    cfg = tmp_path / "db.yml"
    cfg.write_text(yaml.safe_dump({"tables": {"bof_aktualiseringar": {"sql": {
        "url": url, "query": "SELECT * FROM anmalningar", "name": "anmälningar"}}}},
        allow_unicode=True), encoding="utf-8")
    config = load_config(cfg)
    for cells in (True, False):
        loaded = load_table("bof_aktualiseringar", config=config, columns=COLUMNS, cells=cells,
                            persons=5, unit="X")
        assert loaded.persons == (PERSON if cells else "person_id"), cells
        pd.testing.assert_frame_equal(_shares(loaded), _shares(_load(folder, cells)), check_dtype=False)
        assert bool(_shares(loaded).loc["flicka", "suppressed"]) == one_girl


@pytest.mark.parametrize("cells", [True, False])
@pytest.mark.parametrize("unknown", [["", ""], ["", " ", "-"]])
def test_rows_of_no_known_child_add_no_child(tmp_path, cells, unknown):
    # Four girls and reports whose child is not known (a blank id, or one of nothing but
    # spaces and dashes): the unknown rows may be the four girls' own, so the cell rests on
    # four children, not five, and is hidden. They were counted as one more child, and the
    # share of 6-7 reports was shown. With six known girls beside them it is shown.
    for known, hidden in ((["f0", "f0", "f1", "f2", "f3"], True), ([f"f{i}" for i in range(6)], False)):
        folder = _reports(tmp_path, one_girl=False, girl_ids=known + unknown)
        shares = _shares(_load(folder, cells))
        assert bool(shares.loc["flicka", "suppressed"]) == hidden, (known, cells)


@pytest.mark.parametrize("cells", [True, False])
def test_unreadable_personnummer_add_no_child(tmp_path, cells):
    # two reports whose personnummer has a wrong check digit (a typo of a girl's number): no
    # pseudonym, so no known child; beside four girls the cell rests on four and is hidden
    girls = [_pnr(f"201204{d:02d}", 2) for d in range(1, 5)]
    typo = girls[0][:-1] + str((int(girls[0][-1]) + 1) % 10)
    others = ([(_pnr(f"201201{d:02d}", 2), "flicka", 0) for d in range(1, 11)]
              + [(_pnr(f"201202{d:02d}", 1), "pojke", 1) for d in range(1, 11)]
              + [(_pnr(f"201203{d:02d}", 1), "pojke", 0) for d in range(1, 11)])
    frame = pd.DataFrame([(p, "flicka", 1) for p in [*girls, typo, typo]] + others,
                         columns=["personnummer", "kon", "utredning_inledd"])
    frame.insert(0, "aktualisering_id", [f"a{i}" for i in range(len(frame))])
    frame["enhet"] = "X"
    frame.to_csv(tmp_path / "bof_aktualiseringar.csv", sep=";", index=False)
    loaded = _load(str(tmp_path), cells)
    shares = _shares(loaded)
    assert bool(shares.loc["flicka", "suppressed"]), cells


def test_the_fewest_children_of_rows_some_unknown():
    from jamtools.data.pseudonym import UNKNOWN_PERSON

    count = analysis._distinct_persons
    assert count(pd.Series(["a", "b", None, None])) == 2
    assert count(pd.Series([None, None], dtype="string")) == 1
    assert count(pd.Series([1, 2, UNKNOWN_PERSON, 0])) == 3
    assert count(pd.Series([UNKNOWN_PERSON, UNKNOWN_PERSON])) == 1
    assert count(pd.Series([], dtype="string")) == 0


@pytest.mark.parametrize("cid, chapter, write", [
    ("bof_01_utredning_inleds", bof.investigation_opened, lambda f: _reports(f, one_girl=True)),
    ("bof_02_utredning_till_insats", bof.investigation_to_insats, _investigations)])
def test_the_chapters_say_so_when_the_children_cannot_be_counted(tmp_path, cid, chapter, write):
    # An export without the children's ids: the shares rest on rows, and the page says so (it
    # said nothing, while the book says these chapters count children); with the ids it does not.
    import re

    folder = write(tmp_path)
    ctx = setup(cid, {"data_dir": folder, "enhet": None, "alder_min": 0, "alder_max": 17})
    with_ids = " ".join(str(i) for i in chapter(ctx).part("data") if isinstance(i, str))
    assert "inget id för barnen" not in with_ids
    path = next(tmp_path.glob("bof_*.csv"))
    pd.read_csv(path, sep=";", dtype=str).drop(columns="person_id").to_csv(path, sep=";", index=False)
    ctx = setup(cid, {"data_dir": folder, "enhet": None, "alder_min": 0, "alder_max": 17})
    without = " ".join(str(i) for i in chapter(ctx).part("data") if isinstance(i, str))
    assert re.search(r"Observera: Exporten har inget id för barnen .* färre barn än tröskeln\.", without)
