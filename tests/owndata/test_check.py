"""`jamtools check`: every problem of an export in one pass, and the run leaves out exactly those
rows, per chapter, by reason.

The export is a hemtjänst export as a municipality writes it: Swedish headers, Windows-1252,
`;` and decimal comma, personnummer instead of person ids, no year column (it follows from the
date) — with bad rows of eight kinds planted at known rows.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from jamtools.run import catalogue
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from jamtools.run.params import check_parameters
from tests.owndata.harness import demo_table, personnummer_for, write_config, write_export

HEADERS = {"beslut_id": "Beslutsnr", "kon": "Kön", "beslutsdatum": "Beslutsdatum",
           "enhet": "Enhet", "adl_beroende": "ADL", "ensamboende": "Bor ensam",
           "beviljade_timmar": "Timmar/mån", "personnummer": "Personnummer"}
#: (spreadsheet row, column, bad value, kind) — header is row 1, so frame row i is row i + 2.
PLANTED = [
    (3, "personnummer", "19400101-1235", "bad_personnummer"),    # check digit wrong
    (5, "beslutsdatum", "5/2 -24", "bad_date"),
    (7, "adl_beroende", "många", "not_a_number"),
    (9, "beviljade_timmar", "-3,5", "impossible"),
    (11, "ensamboende", "kanske", "not_yes_no"),
    (13, "adl_beroende", "9", "impossible"),
    (15, "kon", None, "sex_mismatch"),                            # sex column disagrees with pnr
    (17, "beslut_id", None, "duplicate_id"),                      # same id as row 18
]


@pytest.fixture()
def export(demo, tmp_path):
    rows = demo_table(demo, "ht_beslut").head(400).copy()
    rows["personnummer"] = personnummer_for(
        pd.to_datetime(rows["beslutsdatum"]) - pd.to_timedelta(rows["alder"].astype(int) * 365.25 + 30, "D"),
        rows["kon"])
    frame = rows[list(HEADERS)].copy()
    frame["kon"] = frame["kon"].map({"kvinna": "K", "man": "M"})
    for row, col, value, kind in PLANTED:
        i = row - 2
        if kind == "sex_mismatch":
            frame.loc[i, "kon"] = {"K": "M", "M": "K"}[frame.loc[i, "kon"]]
        elif kind == "duplicate_id":
            frame.loc[i, "beslut_id"] = frame.loc[i + 1, "beslut_id"]
        else:
            frame.loc[i, col] = value
    frame.loc[19 - 2, "kon"] = None   # blank sex with a valid personnummer: derived, not unknown
    frame.loc[21 - 2, "beviljade_timmar"] = None   # blank hours: left out where hours are needed
    write_export(frame.rename(columns=HEADERS), tmp_path / "Hemtjanst 2024.csv", fmt="csv-sv")
    cfg = write_config(tmp_path / "jamtools.yml", {"ht_beslut": {
        "file": "Hemtjanst 2024.csv", "columns": {v: k for k, v in HEADERS.items()},
        "values": {"kon": {"K": "kvinna", "M": "man"}, "ensamboende": {"Ja": "1", "Nej": "0"}}}},
        organisation="Provkommunen")
    return cfg, frame


def test_check_reports_every_kind_of_bad_row_in_one_pass(export):
    cfg, frame = export
    report = check_inputs(load_config(cfg))
    table = report.tables["ht_beslut"]
    assert table.error is None and table.rows == len(frame)
    found = {(p.kind, p.rows) for p in table.problems if p.severity == "rader"}
    for row, col, value, kind in PLANTED:
        rows = (row, row + 1) if kind == "duplicate_id" else (row,)
        assert (kind, rows) in found, (kind, found)
    text = " ".join(p.message() for p in table.problems)
    # named by the export's own column names and file, with a harmless example
    assert "Hemtjanst 2024.csv" in text and "kolumn 'Timmar/mån' (beviljade_timmar i datamodellen)" in text
    assert "'många'" in text and "'-3,5'" in text and "'5/2 -24'" in text
    # never a personnummer, not even the invalid one
    for value in frame["personnummer"].dropna():
        assert value[:8] not in text and value[-4:] + "." not in text
    # derived columns are said, with their source
    derived = {p.column: p.derived_from for p in table.problems if p.kind == "derived"}
    assert derived["ar"] == "beslutsdatum" and derived["alder"] == "personnummer"
    assert derived["person_id"] == "personnummer" and derived["kon"] == "personnummer"
    # the blank hours (row 21) too, as the load counts them ("Saknar värde"), not the blank
    # sex, which the personnummer gives
    assert ("missing_value", (21,)) in found
    assert [p.column for p in table.problems if p.kind == "missing_value"] == ["beviljade_timmar"]
    # one pass, as the terminal and check.json show it
    assert len(report.summary_line()) < 300 and "9 slags radproblem" in report.summary_line()


def test_the_cli_prints_and_writes_the_same_check(export, tmp_path):
    cfg, _ = export
    proc = subprocess.run([sys.executable, "-m", "jamtools", "check", "--config", str(cfg)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    written = json.loads((cfg.parent / "check.json").read_text(encoding="utf-8"))
    kinds = {p["kind"] for p in written["tables"]["ht_beslut"]["problems"]}
    assert {k for *_, k in PLANTED} <= kinds
    for p in written["tables"]["ht_beslut"]["problems"]:
        if p["severity"] == "rader":
            assert p["message"] in proc.stdout
    assert "ht_01_hemtjanst_timmar: kan köras" in proc.stdout
    assert "bof_02_utredning_till_insats: kan inte köras: saknar tabellen bof_utredningar" in proc.stdout


def test_a_chapter_leaves_out_exactly_the_bad_rows_of_the_columns_it_uses(export):
    cfg, frame = export
    p = check_parameters(data_dir=None, config_file=str(cfg))
    assert p.organisation == "Provkommunen" and p.data_dir is None
    loaded = catalogue.load("ht_01_hemtjanst_timmar", "ht_beslut", p)
    reasons = {k: v for k, v in loaded.excluded_by_reason().items() if v}
    # ht_01 uses hours, need (ADL, living alone, age from the personnummer at the decision date)
    # and sex: the rows with a bad personnummer, an unreadable date (no age), bad ADL, bad hours,
    # a bad living-alone value and the sex mismatch go; so do both rows of the duplicate id,
    # though ht_01 does not use the id: a decision twice would count its hours twice.
    assert reasons == {"Ogiltigt personnummer (personnummer)": 1, "Datum som inte kan läsas (beslutsdatum)": 1,
                       "Inte ett tal (adl_beroende)": 1, "Omöjligt värde (adl_beroende)": 1,
                       "Omöjligt värde (beviljade_timmar)": 1, "Inte ja/nej (ensamboende)": 1,
                       "Kön stämmer inte med personnumret (kon)": 1, "Saknar värde (beviljade_timmar)": 1,
                       "Dubbletter av id (beslut_id)": 2}
    assert len(loaded.data) == len(frame) - 10
    assert loaded.data["kon"].isin(["kvinna", "man"]).all()   # blank sex derived from the number
    # the data table names each reason
    shown = catalogue.omissions("ht_01_hemtjanst_timmar", "ht_beslut", loaded)
    assert "Justeringen kunde inte göras" not in shown


def test_a_column_that_mostly_fails_is_an_error_that_suggests_the_mapping(demo, tmp_path):
    rows = demo_table(demo, "ht_beslut").head(100)
    frame = rows.assign(beviljade_timmar="ja")   # mapped to the wrong export column
    write_export(frame, tmp_path / "ht.csv")
    cfg = write_config(tmp_path / "jamtools.yml", {"ht_beslut": {"file": "ht.csv"}})
    report = check_inputs(load_config(cfg))
    (error,) = report.tables["ht_beslut"].errors if hasattr(report.tables["ht_beslut"], "errors") else \
        [p for p in report.tables["ht_beslut"].problems if p.severity == "fel"]
    assert error.column == "beviljade_timmar" and "jamtools.yml" in error.message()
    ht01 = report.chapters["ht_01_hemtjanst_timmar"]
    assert not ht01.can_run and "beviljade_timmar (ogiltiga värden)" in ht01.text()


def test_the_books_page_about_the_data_shows_no_rows_examples_or_small_counts(export):
    cfg, _ = export
    page = check_inputs(load_config(cfg)).markdown(threshold=5)
    assert "# Körningens data" in page and "Hemtjanst 2024.csv" in page
    assert "färre än 5 rader" in page and "1 rad" not in page
    assert "rad 3" not in page and "'många'" not in page and "'5/2 -24'" not in page
    assert "ht_01_hemtjanst_timmar" not in page  # chapters by their Swedish titles
    assert "Får kvinnor och män med samma behov lika många hemtjänsttimmar?" in page
    # fewer than 5 rows with a problem: the table's total, less the rows the chapters show,
    # would give them back, so it is not shown (the terminal and check.json keep it)
    report = check_inputs(load_config(cfg))
    (table,) = report.tables.values()
    assert f"| {table.rows} |" not in page and "| .. |" in page and "'..' = antalet rader visas inte" in page
    assert f"{table.rows} rader" in report.text()


def test_the_books_page_about_the_data_hides_a_total_a_chapter_needs_hidden(demo, tmp_path):
    from jamtools.run.check import hidden_tables

    rows = demo_table(demo, "ht_beslut").head(100)
    write_export(rows, tmp_path / "ht.csv")
    report = check_inputs(load_config(write_config(tmp_path / "jamtools.yml", {"ht_beslut": {"file": "ht.csv"}})))
    assert not [p for p in report.tables["ht_beslut"].problems if p.severity == "rader"]
    assert "| 100 |" in report.markdown(threshold=5) and "'..'" not in report.markdown(threshold=5)
    shown = {"counts": {"ht_beslut": {"analysed": {"kvinna": 60, "man": 40}, "excluded": {}}}}
    hid = {"counts": {"ht_beslut": {"analysed": {"kvinna": None, "man": 40}, "excluded": {}},
                      "ht_insatser": {"analysed": {"kvinna": 3}, "excluded": {}}}}
    (tmp_path / "a.json").write_text(json.dumps(shown), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(hid), encoding="utf-8")
    assert hidden_tables([tmp_path / "a.json", tmp_path / "missing.json"]) == set()
    assert hidden_tables([tmp_path / "a.json", tmp_path / "b.json"]) == {"ht_beslut"}
    page = report.markdown(threshold=5, hidden=hidden_tables([tmp_path / "b.json"]))
    assert "| 100 |" not in page and "| .. |" in page


def test_counts_one_chapter_hides_and_another_shows_are_named(tmp_path):
    from jamtools.run.check import across_chapters, across_chapters_text, hidden_tables, read_results

    def write(name, counts, filters=None):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"question_id": name, "counts": counts, "filters": filters or {}}),
                        encoding="utf-8")
        return path

    files = [write("bof_06", {"bof_aktualiseringar": {"analysed": {"flicka": None, "pojke": None},
                                                      "excluded": {}}}),
             write("bof_01", {"bof_aktualiseringar": {"analysed": {"flicka": 1265, "pojke": None},
                                                      "excluded": {}}}),
             write("bof_02", {"bof_utredningar": {"analysed": {"flicka": 1261, "pojke": 1400},
                                                  "excluded": {}}}),
             tmp_path / "missing.json"]
    found = across_chapters(files)
    assert found == [{"table": "bof_aktualiseringar", "sex": "flicka", "count": "analysed",
                      "hidden_by": ["bof_06"], "shown_by": ["bof_01"], "same_selection": True}]
    # the runner reads the files once and hands both functions their contents
    read = read_results(files)
    assert [stem for stem, _ in read] == ["bof_06", "bof_01", "bof_02"]
    assert across_chapters(read) == found and hidden_tables(read) == {"bof_aktualiseringar"}
    lines = across_chapters_text(found)
    assert lines[-1].endswith("bof_aktualiseringar (flicka, analyserade rader): döljs i bof_06; visas i bof_01")
    assert across_chapters(files[1:]) == [] and across_chapters_text([]) == []
    # a chapter of one unit hides, a chapter of the whole organisation shows: named, marked
    unit = write("bof_06", {"bof_aktualiseringar": {"analysed": {"flicka": None}, "excluded": {}}},
                 {"enhet": "Lilla"})
    (other, read) = across_chapters([unit, files[1]])
    assert other["same_selection"] is False
    assert "kapitlen väljer olika rader" in across_chapters_text([other])[-1]
    # its rows read (none left out: its rows analysed) are the file's, which bof_01 shows
    assert (read["count"], read["same_selection"]) == ("read", True)


def test_rows_read_one_chapter_hides_are_named_beside_another_chapters_hidden_rows_analysed():
    """The probe's run: eb_07 hid the women applicants (named), r4_01 showed 34 analysed and hid
    its rows read (one row with an unreadable date left out), hl_01 showed 35 read. Only eb_07
    was named, so r4_01 and hl_01 published together gave back the one row."""
    from jamtools.run.check import across_chapters, across_chapters_text

    def result(name, analysed, excluded):
        return name, {"question_id": name, "counts": {"eb_klienter": {
            "analysed": {"kvinna": analysed, "man": 23}, "excluded": excluded}}}

    results = [result("eb_07_processkarta", None, {}),
               result("r4_01_representation", 34, {"kvinna": None}),
               result("hl_01_konsuppdelad_statistik", 35, {})]
    found = across_chapters(results)
    assert [(f["count"], f["hidden_by"], f["shown_by"]) for f in found] == [
        ("analysed", ["eb_07_processkarta"], ["r4_01_representation", "hl_01_konsuppdelad_statistik"]),
        ("read", ["r4_01_representation"], ["hl_01_konsuppdelad_statistik"])]
    assert across_chapters_text(found)[-1].endswith(
        "eb_klienter (kvinna, inlästa rader): döljs i r4_01_representation; visas i hl_01_konsuppdelad_statistik")
    # a chapter that hides both is named once, for its rows analysed
    assert [f["count"] for f in across_chapters(results[:1] + results[2:])] == ["analysed"]


def test_rows_read_are_named_beside_a_finding_of_rows_analysed_of_another_selection():
    """The reviewer's run: eb_07 of one unit hid the women's rows analysed and read, r4_01 of the
    whole showed 34 analysed and 35 read. Only eb_07's rows analysed were named, "olika urval"
    (the chapters count other rows); the rows read are the whole file's, the same in both, so
    r4_01's 35 gave eb_07's hidden count back. The rows read are named too, same selection."""
    from jamtools.run.check import across_chapters, across_chapters_text

    def result(name, analysed, excluded, filters):
        return name, {"question_id": name, "filters": filters, "counts": {"eb_klienter": {
            "analysed": {"kvinna": analysed, "man": 23}, "excluded": excluded}}}

    eb_07 = result("eb_07_processkarta", None, {}, {"enhet": "Lilla"})
    r4_01 = result("r4_01_representation", 34, {"kvinna": 1}, {})
    found = across_chapters([eb_07, r4_01])
    assert [(f["count"], f["hidden_by"], f["shown_by"], f["same_selection"]) for f in found] == [
        ("analysed", ["eb_07_processkarta"], ["r4_01_representation"], False),
        ("read", ["eb_07_processkarta"], ["r4_01_representation"], True)]
    assert across_chapters_text(found)[-1].endswith(
        "eb_klienter (kvinna, inlästa rader): döljs i eb_07_processkarta; visas i r4_01_representation")
    # a third chapter hides the rows analysed with r4_01's selection: eb_07 is still named
    ks = result("ks_01", None, {}, {})
    (analysed, read) = across_chapters([eb_07, ks, r4_01])
    assert analysed["same_selection"] is True and read["hidden_by"] == ["eb_07_processkarta"]
    # the rows analysed of the same selection shown by one chapter, the rows read by another:
    # the rows read are named for that other
    hl_01 = "hl_01", {"question_id": "hl_01", "counts": {"eb_klienter": {
        "analysed": {"kvinna": 35, "man": 23}, "excluded": {}}}, "filters": {"enhet": "Stora"}}
    found = across_chapters([ks, r4_01, hl_01])
    assert [(f["count"], f["hidden_by"], f["shown_by"]) for f in found] == [
        ("analysed", ["ks_01"], ["r4_01_representation", "hl_01"]),
        ("read", ["ks_01"], ["r4_01_representation", "hl_01"])]


def _bof(name, steps, *, read=1772, analysed=270, period=("2024-01-01", "2024-06-30")):
    """A results file of a bof chapter with one data table of bof_utredningar (the girls'
    counts as given, the boys' all shown)."""
    return name, {"question_id": name, "period": {"start": period[0], "end": period[1]},
                  "counts": {"bof_utredningar": {"analysed": {"flicka": analysed, "pojke": 300},
                                                 "excluded": {"flicka": None if None in (read, analysed) else read - analysed,
                                                              "pojke": 1700}}},
                  "data_tables": [{"table": "bof_utredningar", "read": {"flicka": read, "pojke": 2000},
                                   "steps": {r: {"flicka": v, "pojke": 850} for r, v in steps.items()},
                                   "analysed": {"flicka": analysed, "pojke": 300}}]}


def test_a_data_table_step_one_chapter_hides_and_another_gives_back_is_named():
    """The probe: bof_02 hid the girls' rows "Inte ja/nej" and "Utanför den valda perioden" and
    showed 1 772 read and 270 analysed; bof_06 showed 1 501 outside the period for the same
    file; 1 772 − 270 − 1 501 gave back the one row. The run names both steps, in Swedish
    words, in the terminal and on the book's page."""
    from jamtools.run.check import InputCheck, across_chapters, across_chapters_text

    bof_02 = _bof("bof_02_utredning_till_insats", {"Inte ja/nej (insats_beviljad)": None,
                                                   "Utanför den valda perioden": None})
    bof_06 = _bof("bof_06_processkarta", {"Utanför den valda perioden": 1501}, analysed=271)
    found = across_chapters([bof_02, bof_06])
    assert found == [
        {"table": "bof_utredningar", "sex": "flicka", "count": "step", "step": "Utanför den valda perioden",
         "hidden_by": ["bof_02_utredning_till_insats"], "shown_by": ["bof_06_processkarta"],
         "same_selection": True, "by_difference": False},
        {"table": "bof_utredningar", "sex": "flicka", "count": "step", "step": "Inte ja/nej (insats_beviljad)",
         "hidden_by": ["bof_02_utredning_till_insats"], "shown_by": ["bof_06_processkarta"],
         "same_selection": True, "by_difference": True}]
    lines = across_chapters_text(found)
    assert "bof_utredningar (flicka, rader utanför: Utanför den valda perioden): döljs i bof_02" in lines[1]
    assert "rader utanför: Inte ja/nej (insats beviljad); räknas fram som inlästa minus analyserade" in lines[2]
    page = InputCheck(demo=False, config_file=None, tables={}, chapters={}).markdown(across=found)
    assert "| Flickor | rader utanför: Inte ja/nej (insats beviljad); räknas fram" in page
    assert "1501" not in page and "1 501" not in page and "1772" not in page
    # a reason is the same whatever its case and spacing
    worded = _bof("bof_06_processkarta", {"utanför den  valda perioden": 1501}, analysed=271)
    assert [f["by_difference"] for f in across_chapters([bof_02, worded])] == [False, True]


def test_a_data_table_step_nothing_gives_back_is_not_named():
    """Both chapters hide the step, or the other chapter shows too few steps to subtract, or the
    chapter's own total is hidden: nothing can be recovered, nothing is named (beyond a step
    another chapter shows as such)."""
    from jamtools.run.check import across_chapters

    bof_02 = _bof("bof_02", {"Inte ja/nej (insats_beviljad)": None, "Utanför den valda perioden": None})
    assert across_chapters([bof_02, _bof("bof_06", {"Utanför den valda perioden": None}, analysed=271)]) == []
    assert across_chapters([bof_02, _bof("bof_06", {"Saknar värde (alder)": 4}, analysed=271)]) == []
    assert across_chapters([bof_02, bof_02]) == []
    # three hidden, one shown elsewhere: that one is named, the two left are not
    three = _bof("bof_02", {"Inte ja/nej (insats_beviljad)": None, "Saknar värde (alder)": None,
                            "Utanför den valda perioden": None})
    found = across_chapters([three, _bof("bof_06", {"Utanför den valda perioden": 1500}, analysed=271)])
    assert [(f["step"], f["by_difference"]) for f in found] == [("Utanför den valda perioden", False)]
    # the chapter hides its rows read, another shows them (the file's): its one hidden step
    # follows, and the rows read are named too
    no_read = _bof("bof_02", {"Okänd kod (anmalningsorsak)": None, "Saknar värde (alder)": 0}, read=None)
    shows_read = _bof("bof_06", {"Saknar värde (alder)": 0}, analysed=271)
    found = across_chapters([no_read, shows_read])
    assert [(f["count"], f.get("by_difference")) for f in found if f["sex"] == "flicka"] == [
        ("read", None), ("step", True)]
    assert found[-1]["shown_by"] == ["bof_06"]
    assert across_chapters([no_read, _bof("bof_06", {}, read=None, analysed=271)]) == []
    # another period: named as shown elsewhere (other rows), never subtracted
    other = _bof("bof_06", {"Utanför den valda perioden": 1501}, analysed=271, period=("2023-01-01", "2023-06-30"))
    (f,) = across_chapters([bof_02, other])
    assert f["same_selection"] is False and f["by_difference"] is False


def test_rows_read_one_chapter_hides_and_another_shows_are_named(tmp_path):
    """A chapter that leaves out one row for a column only it uses hides its rows read; a chapter
    that reads the same table without that column shows them (rows analysed with none left out):
    2 516 read less 2 515 analysed gives the one row. The run names it, in the terminal, the
    manifest and the book's page on the run's data."""
    from jamtools.run.check import InputCheck, across_chapters, across_chapters_text

    def result(name, counts):
        return name, {"question_id": name, "counts": counts, "period": {"start": "2024-01-01"}}

    ht_01 = result("ht_01_timmar_per_behov", {"ht_beslut": {"analysed": {"kvinna": 2516, "man": 1484},
                                                            "excluded": {}}})
    r4_01 = result("r4_01_resursfordelning", {"ht_beslut": {"analysed": {"kvinna": 2515, "man": 1484},
                                                            "excluded": {"kvinna": None, "man": None}}})
    found = across_chapters([ht_01, r4_01])
    assert found == [{"table": "ht_beslut", "sex": sex, "count": "read", "hidden_by": ["r4_01_resursfordelning"],
                      "shown_by": ["ht_01_timmar_per_behov"], "same_selection": True} for sex in ("kvinna", "man")]
    assert "ht_beslut (kvinna, inlästa rader): döljs i r4_01" in across_chapters_text(found)[1]
    # left out and shown in the one, hidden in the other: still shown (read = analysed + left out)
    shown_left = result("ht_01_timmar_per_behov", {"ht_beslut": {"analysed": {"kvinna": 2510}, "excluded": {"kvinna": 6}}})
    assert [f["sex"] for f in across_chapters([shown_left, r4_01])] == ["kvinna"]
    # both hide their rows read, or both show them: nothing to name
    assert across_chapters([r4_01, r4_01]) == [] and across_chapters([ht_01, ht_01]) == []
    # every row of unknown sex left out, hidden in one, none in another: named too
    unknown = result("bof_04", {"t": {"analysed": {"flicka": 10}, "excluded": {"okant": None}}})
    none_left = result("hl_01", {"t": {"analysed": {"flicka": 10}, "excluded": {"okant": 0}}})
    assert [(f["sex"], f["count"]) for f in across_chapters([unknown, none_left])] == [("okant", "read")]
    # a hidden count of rows analysed is named once, not again as rows read
    hid = result("a", {"t": {"analysed": {"flicka": None}, "excluded": {"flicka": None}}})
    show = result("b", {"t": {"analysed": {"flicka": 100}, "excluded": {"flicka": 0}}})
    assert [f["count"] for f in across_chapters([hid, show])] == ["analysed"]
    # the book's page names the chapters by their titles, without counts
    page = InputCheck(demo=False, config_file=None, tables={}, chapters={}).markdown(across=found)
    assert "inte ska publiceras tillsammans" in page and "2516" not in page and "2 516" not in page
    assert "| Beslut om hemtjänst (`ht_beslut`) | Kvinnor | inlästa rader |" in page
    assert "## Före" not in InputCheck(demo=False, config_file=None, tables={}, chapters={}).markdown()


def test_the_crossings_of_a_run_of_one_unit_beside_the_whole_are_named_as_written_out():
    """A run shaped as the end-to-end test's (tests/test_privacy_end_to_end.py): chapters of the
    unit "Lilla" hide the children's rows, chapters of the whole show them. Every finding is
    written out by hand: rows analysed of other selections ("olika urval"), rows read (the
    file's, the same rows), and a chapter named for its rows analysed beside every chapter that
    shows the rows read, not named again for them."""
    from jamtools.run.check import across_chapters

    def result(name, counts, filters=None):
        return name, {"question_id": name, "filters": filters or {}, "counts": counts}

    lilla = {"enhet": "Lilla"}
    hidden = {"analysed": {"flicka": None, "pojke": None}, "excluded": {"flicka": None, "pojke": None}}
    results = [
        result("bof_02", {"bof_utredningar": hidden}, lilla),
        result("bof_03", {"bof_utredningar": hidden}, lilla),
        result("hl_01", {"bof_utredningar": {"analysed": {"flicka": 1261, "pojke": 1400}, "excluded": {}},
                         "eb_klienter": {"analysed": {"kvinna": 35, "man": 23}, "excluded": {}}}),
        result("r4_01", {"bof_utredningar": {"analysed": {"flicka": 1250}, "excluded": {"flicka": 11}}}),
        result("eb_07", {"eb_klienter": {"analysed": {"kvinna": None, "man": 23}, "excluded": {"kvinna": None}}}),
    ]
    assert across_chapters(results) == [
        {"table": "bof_utredningar", "sex": "flicka", "count": "analysed", "hidden_by": ["bof_02", "bof_03"],
         "shown_by": ["hl_01", "r4_01"], "same_selection": False},
        {"table": "bof_utredningar", "sex": "pojke", "count": "analysed", "hidden_by": ["bof_02", "bof_03"],
         "shown_by": ["hl_01"], "same_selection": False},
        {"table": "eb_klienter", "sex": "kvinna", "count": "analysed", "hidden_by": ["eb_07"],
         "shown_by": ["hl_01"], "same_selection": True},
        # rows read: 1 261 girls in hl_01 (none left out) and in r4_01 (1 250 + 11)
        {"table": "bof_utredningar", "sex": "flicka", "count": "read", "hidden_by": ["bof_02", "bof_03"],
         "shown_by": ["hl_01", "r4_01"], "same_selection": True},
        {"table": "bof_utredningar", "sex": "pojke", "count": "read", "hidden_by": ["bof_02", "bof_03"],
         "shown_by": ["hl_01"], "same_selection": True},
        # (eb_07's rows read: named already for its rows analysed beside hl_01, the same rows)
    ]
    # the whole organisation's chapters alone: nothing hidden, nothing named
    assert across_chapters([results[2], results[3]]) == []
