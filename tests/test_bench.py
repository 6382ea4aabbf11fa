"""The bench's pure parts (bench/report.py): target verdicts, the summary table, the speed-up
bound and the written files, from made-up measurement records. No chapter is run here."""
from __future__ import annotations

import json

import pytest

from bench import report
from bench.__main__ import parse_args, parse_rows

FLOOR = 10.0


def chapter(cid, rows, notebook_s, peak_mb, status="ok", fmt="parquet", reason=None):
    return {"chapter": cid, "rows": rows, "format": fmt, "status": status, "reason": reason,
            "notebook_s": notebook_s, "peak_mb": peak_mb, "peak_source": "manifest",
            "peak_tree_mb": (peak_mb or 0) + 300, "wall_s": (notebook_s or 0) + 5}


def results(chapters, **extra):
    return {"started": "2026-01-01T00:00:00", "floor": {"floor_s": FLOOR, "runs": []},
            "chapters": chapters, **extra}


def test_verdict_follows_the_scale_targets():
    # 1 million rows: at most 1.5x the floor and below 2 GB
    assert report.chapter_verdict(chapter("a", 1_000_000, 15.0, 2000), FLOOR)["met"] is True
    assert report.chapter_verdict(chapter("a", 1_000_000, 15.1, 100), FLOOR)["met"] is False
    assert report.chapter_verdict(chapter("a", 1_000_000, 12.0, 2048), FLOOR)["met"] is False
    # 10 million: 3x
    assert report.chapter_verdict(chapter("a", 10_000_000, 29.0, 1500), FLOOR)["met"] is True
    assert report.chapter_verdict(chapter("a", 10_000_000, 31.0, 1500), FLOOR)["met"] is False
    # no targets at 100 thousand rows, nor for the analyst's formats
    assert report.chapter_verdict(chapter("a", 100_000, 99.0, 9000), FLOOR)["met"] is None
    assert report.chapter_verdict(chapter("a", 1_000_000, 99.0, 9000, fmt="csv"), FLOOR)["met"] is None
    # a chapter that did not run misses the target; its ratio is unknown, not zero
    failed = report.chapter_verdict(chapter("a", 1_000_000, None, None, status="timeout"), FLOOR)
    assert failed["met"] is False and failed["ratio"] is None
    assert report.chapter_verdict(chapter("a", 1_000_000, 12.0, 100), FLOOR)["ratio"] == pytest.approx(1.2)


def test_summary_per_scale_takes_the_worst_chapter_and_counts_failures():
    recs = [chapter("a", 1_000_000, 12.0, 900), chapter("b", 1_000_000, 14.0, 1900),
            chapter("a", 10_000_000, 20.0, 1000),
            chapter("b", 10_000_000, None, None, status="failed", reason="killed"),
            chapter("a", 100_000, 11.0, 500), chapter("a", 100_000, 30.0, 800, fmt="xlsx")]
    rows = {s["rows"]: s for s in report.summary(recs, FLOOR)}
    assert sorted(rows) == [100_000, 1_000_000, 10_000_000]  # the XLSX run is not a scale row
    one = rows[1_000_000]
    assert one["max_ratio"] == pytest.approx(1.4) and one["max_ratio_chapter"] == "b"
    assert one["max_peak_mb"] == 1900 and one["met"] is True and one["ok"] == 2
    ten = rows[10_000_000]
    assert ten["met"] is False and ten["ok"] == 1 and ten["not_ok"] == ["b (failed)"]
    assert ten["max_ratio"] == pytest.approx(2.0)
    assert rows[100_000]["met"] is None and rows[100_000]["max_ratio"] == pytest.approx(1.1)

    table = report.summary_markdown(report.summary(recs, FLOOR)).splitlines()
    assert table[0].startswith("| Rader per tabell") and len(table) == 2 + 3
    assert table[3].split("|")[-2].strip() == "ja" and table[4].split("|")[-2].strip() == "nej"
    assert "1.40× (b)" in table[3]


def test_targets_of_the_whole_run():
    res = results([chapter("a", 1_000_000, 12.0, 900)],
                  jobs={"rows": 100_000, "speedup": 1.55},
                  whole={"rerun": {"status": "ok", "wall_s": 4.2}},
                  load={"rows": 10_000_000, "ratio": 2.5})
    verdicts = [t["met"] for t in report.targets(res)]
    # 1M met, 10M not measured, speed-up too low, rerun fast enough, load too slow
    assert verdicts == [True, None, False, True, False]
    res["whole"]["rerun"] = {"status": "timeout", "wall_s": 600.0, "reason": "tidsgränsen nåddes"}
    assert report.targets(res)[3]["met"] is False


def test_ideal_speedup_is_the_best_two_workers_can_do():
    assert report.ideal_speedup([10, 10, 10, 10]) == pytest.approx(2.0)
    assert report.ideal_speedup([10, 10, 10]) == pytest.approx(1.5)
    assert report.ideal_speedup([30, 5, 5]) == pytest.approx(40 / 30)
    assert report.ideal_speedup([]) is None


def test_files_are_written(tmp_path):
    recs = [chapter("a", n, t, p) for n, t, p in ((10_000, 11.0, 300), (100_000, 12.0, 400),
                                                   (1_000_000, 16.0, 900))]
    recs.append(chapter("a", 100_000, 20.0, 700, fmt="csv"))
    res = results(recs, synth=[{"rows": 10_000, "scale": 2.5, "wall_s": 3.0, "status": "ok",
                                "table_rows": {"ht_beslut": 10_000}}],
                  load={"rows": 1_000_000, "pandas_s": 3.0, "duckdb_s": 1.0, "ratio": 3.0, "runs": []})
    paths = report.write(res, tmp_path)
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [s["rows"] for s in data["summary"]] == [10_000, 100_000, 1_000_000]
    assert data["summary"][-1]["met"] is False  # 1.6x > 1.5x
    md = paths["md"].read_text(encoding="utf-8")
    assert "## Sammanfattning" in md and "CSV" in md and "1.60×" in md


def test_sizes_never_exceed_the_largest_scale():
    assert parse_rows("10k") == parse_rows("10_000") == 10_000 and parse_rows("1M") == 1_000_000
    quick = parse_args(["--quick"])
    assert quick.scales == [10_000, 100_000] and len(quick.chapters) == 3
    assert max(quick.analyst_rows) <= 100_000 and quick.load_rows == 100_000
    full = parse_args([])
    assert full.scales[-1] == 10_000_000 and full.load_rows == 10_000_000
    assert full.analyst_rows == [10_000, 100_000, 500_000] and full.whole_rows == 1_000_000


def test_a_chapter_run_sees_only_its_own_tables(tmp_path):
    from bench.__main__ import Bench

    scale = tmp_path / "rows-10"
    scale.mkdir()
    for name in ("ht_beslut.parquet", "bof_utredningar.parquet", "bof_insatser.csv", "planted.json"):
        (scale / name).write_text("x", encoding="utf-8")
    bench = Bench(parse_args(["--out", str(tmp_path / "ut")]))
    ht = bench.chapter_folder(scale, "ht_01_hemtjanst_timmar")
    assert sorted(p.name for p in ht.iterdir()) == ["ht_beslut.parquet"]
    assert (ht / "ht_beslut.parquet").resolve() == (scale / "ht_beslut.parquet").resolve()
    bof = bench.chapter_folder(scale, "bof_03_typ_av_insats")
    assert sorted(p.name for p in bof.iterdir()) == ["bof_insatser.csv", "bof_utredningar.parquet"]
    # the audit reads every table and the summary the others' results: the whole folder
    assert bench.chapter_folder(scale, "hl_01_konsuppdelad_statistik") == scale
    assert bench.chapter_folder(scale, "r4_05_realisera") == scale
    every = Bench(parse_args(["--out", str(tmp_path / "ut2"), "--chapter-data", "all"]))
    assert every.chapter_folder(scale, "ht_01_hemtjanst_timmar") == scale


def test_least_work_names_the_ids_a_chapter_must_hash():
    from bench.__main__ import least_work

    eb07 = least_work("eb_07_processkarta")
    assert ("eb_klienter", "person_id", "ids") in eb07  # the applicants' key
    assert ("eb_planering", "person_id", "ids") in eb07  # the link to them
    assert ("eb_insatser", "planering_id", "ids") in eb07
    assert all(kind == "ids" for _, _, kind in eb07)
    # a key the chapter does not read is not checked for repeats: not in the bound
    assert ("eb_insatser", "insats_id", "ids") not in eb07
    assert ("ht_beslut", "beslut_id", "ids") not in least_work("r4_01_representation")
    assert ("um_anteckningar", "anteckning", "words") in least_work("um_01_sprakbruk")
    audit = least_work("hl_01_konsuppdelad_statistik")
    assert audit and all(col == "person_id" for _, col, _ in audit)
    assert least_work("ht_01_hemtjanst_timmar") == []  # cells only: no ids leave the check
    assert least_work("r4_05_realisera") == []


def test_bound_is_the_floor_plus_the_bare_queries():
    parts = [{"table": "a", "column": "id", "kind": "ids", "total_s": 12.0},
             {"table": "b", "column": "id", "kind": "ids", "total_s": 8.0}]
    b = report.bound_record("x", parts, FLOOR, 60.0, 3.0)
    assert b["work_s"] == 20.0 and b["bound_s"] == 30.0 and b["ratio"] == 3.0
    assert b["reachable"] is True and b["of_bound"] == 2.0 and b["measured_ratio"] == 6.0
    assert report.bound_record("x", parts[:1] + [dict(parts[1], total_s=8.5)], FLOOR, None, 3.0)["reachable"] is False
    failed = report.bound_record("x", [parts[0], dict(parts[1], total_s=None)], FLOOR, 60.0, 3.0)
    assert failed["bound_s"] is None and failed["reachable"] is None  # a failed query bounds nothing
    text = report.markdown(results([], bounds={"rows": 10_000_000, "chapters": [b]}))
    assert "Minsta motorarbete" in text and "| x |" in text and "3.00×" in text


def test_the_bounds_are_shown_and_written_against_the_least_floor(tmp_path):
    """The bench makes the bounds before its last floor runs; the report and the JSON give them
    against the whole bench's least floor, from the parts' own times."""
    parts = [{"table": "a", "column": "id", "kind": "ids", "total_s": 12.0}]
    stale = report.bound_record("x", parts, FLOOR, 60.0, 3.0)  # made when the floor was 10 s
    res = results([{**chapter("x", 10_000_000, 60.0, 900), "floor_runs_s": [4.0]}],
                  bounds={"rows": 10_000_000, "parts": parts, "chapters": [stale]})
    paths = report.write(res, tmp_path)
    written = json.loads(paths["json"].read_text(encoding="utf-8"))["bounds"]["chapters"][0]
    assert written["bound_s"] == 16.0 and written["ratio"] == 4.0 and written["measured_ratio"] == 15.0
    assert "| x | a.id (ids) | 12.0 | 16.0 | 4.00× | 60.0 | 15.00× |" in paths["md"].read_text(encoding="utf-8")


def test_the_bench_writes_xlsx_as_pandas_does(tmp_path):
    """The analyst's XLSX, streamed row by row: read back, the same text in every cell as
    pandas' own writer gives (numbers, text with Swedish letters, blanks for missing values)."""
    import pandas as pd

    from bench.tasks import _write_xlsx

    frame = pd.DataFrame({
        "id": pd.array(["H1", "H2", None, "H4"], dtype="string"),
        "enhet": pd.array(["Södra", pd.NA, "Åby", "Öster"], dtype="string"),
        "alder": [67, 88, 0, 101],
        "timmar": [0.5, float("nan"), 31.1, 1e-3],
        "datum": pd.to_datetime(["2024-01-05", None, "2023-12-31", "2025-06-30"]),
        "ja": [True, False, True, False],
        "text": ["=1+1", "http://example.org", "inf", ""],
        "stor": [float("inf"), 2.0**53, -0.0, 1e20],
    })
    _write_xlsx(frame, tmp_path / "streamed.xlsx")
    frame.to_excel(tmp_path / "pandas.xlsx", index=False, engine="openpyxl")
    streamed, expected = (pd.read_excel(tmp_path / f"{n}.xlsx", engine="calamine", dtype=str)
                          for n in ("streamed", "pandas"))
    # pandas' openpyxl writes "=1+1" as a formula without a value; the bench keeps text as text
    pd.testing.assert_frame_equal(streamed.drop(columns="text"), expected.drop(columns="text"))
    assert streamed["text"].tolist()[:3] == ["=1+1", "http://example.org", "inf"]
    assert streamed["enhet"].isna().sum() == 1 and streamed.loc[3, "timmar"] == "0.001"
    assert streamed["datum"].isna().sum() == 1 and streamed.loc[0, "text"] == "=1+1"


def test_the_report_says_when_the_floor_moved_while_a_scales_chapters_ran():
    runs = [{"when": "före kapitlen", "papermill_s": 2.4},
            {"when": "före 1 milj. rader", "papermill_s": 2.0},
            {"when": "efter 1 milj. rader", "papermill_s": 2.2},
            {"when": "före 10 milj. rader", "papermill_s": 2.0},
            {"when": "efter 10 milj. rader", "papermill_s": 2.6},
            {"when": "före 100 tusen rader", "papermill_s": 2.0}]  # no run after: no sentence
    lines = report.floor_drift(runs)
    assert len(lines) == 2
    assert lines[0].startswith("Vid 1 milj. rader:") and "ändrades" not in lines[0]
    assert lines[1].startswith("Vid 10 milj. rader:") and "ändrades" in lines[1]  # 2.6 > 1.25 x 2.0
    md = report.markdown(results([], floor={"floor_s": 2.0, "runs": runs}))
    assert "datorns fart ändrades" in md


def test_the_bound_of_words_counts_times_and_persons_per_word_and_sex(tmp_path):
    """The bare query for free text (``least --kind words``) does what um_01 must: per word and
    sex, the times it is used and the distinct persons."""
    import argparse
    import re

    import pandas as pd

    from bench.tasks import task_least

    frame = pd.DataFrame({
        "person_id": ["p1", "p1", "p2", "p3", "p3"],
        "kon": ["kvinna", "kvinna", "man", "man", "man"],
        "anteckning": ["Oro oro, möte.", "möte", "Möte i hemmet", None, "oro"],
    })
    frame.to_parquet(tmp_path / "notes.parquet")
    out = task_least(argparse.Namespace(file=str(tmp_path / "notes.parquet"),
                                        column="anteckning", kind="words"))
    used = [(i, w.lower()) for i, text in enumerate(frame["anteckning"]) if isinstance(text, str)
            for w in re.findall(r"[^\W\d_]+", text)]
    by_sex = {(w, frame.loc[i, "kon"]) for i, w in used}
    assert out["rows"] == len(used) == 8  # every use: "oro" twice in note 0 counts twice
    assert out["groups"] == len(by_sex) == 6  # word × sex: oro and möte for both, i and hemmet
    persons = {(w, frame.loc[i, "kon"], frame.loc[i, "person_id"]) for i, w in used}
    assert out["persons"] == len(persons) == 6  # p1 wrote "möte" in two notes: one person


def test_a_chapters_time_is_its_shortest_run_as_the_floors_is():
    from bench.__main__ import merge_run

    first = {**chapter("a", 1_000_000, 3.4, 500), "runs_s": [3.4], "loadavg": 1.0}
    merge_run(first, {**chapter("a", 1_000_000, 3.1, 700), "runs_s": [3.1], "loadavg": 1.5})
    assert first["notebook_s"] == 3.1 and first["runs_s"] == [3.4, 3.1]
    assert first["peak_mb"] == 700 and first["loadavg"] == 1.5  # the larger peak and load
    merge_run(first, {**chapter("a", 1_000_000, 3.6, 400), "runs_s": [3.6]})
    assert first["notebook_s"] == 3.1 and first["peak_mb"] == 700
    md = report.markdown(results([first]))
    assert "3.40, 3.10, 3.60" in md
    # a run that did not finish decides: the chapter failed, whatever its other runs took
    merge_run(first, {**chapter("a", 1_000_000, None, None, status="timeout", reason="stoppad"),
                      "runs_s": []})
    assert first["status"] == "timeout" and first["notebook_s"] is None
    assert report.chapter_verdict(first, FLOOR)["met"] is False


def test_a_chapter_is_compared_with_the_floor_runs_beside_its_own():
    """The ratio that decides the target is against the shortest of the floor runs just before
    each of the chapter's runs (as many, at the same moments); the ratio to the whole bench's
    shortest floor is kept beside it, and a chapter without floor runs beside it falls back to
    that."""
    from bench.__main__ import merge_run

    rec = {**chapter("a", 1_000_000, 3.4, 500), "runs_s": [3.4], "floor_runs_s": [2.5]}
    merge_run(rec, {**chapter("a", 1_000_000, 3.1, 500), "runs_s": [3.1], "floor_runs_s": [2.2]})
    assert rec["floor_runs_s"] == [2.5, 2.2] and report.paired_floor(rec) == 2.2
    merge_run(rec, {**chapter("a", 1_000_000, 3.3, 500), "runs_s": [3.3], "floor_runs_s": [None]})
    assert report.paired_floor(rec) == 2.2  # a floor run without a time is listed, not used
    assert report.paired_floor({"floor_runs_s": [None]}) is None
    v = report.chapter_verdict(rec, 2.0)
    assert v["ratio"] == pytest.approx(3.1 / 2.2) and v["met"] is True
    assert v["ratio_least"] == pytest.approx(3.1 / 2.0)
    other = chapter("b", 1_000_000, 3.1, 500)  # no floor beside it: the whole bench's floor
    assert report.chapter_verdict(other, 2.0)["ratio"] == pytest.approx(1.55)
    assert report.chapter_verdict(other, 2.0)["met"] is False
    s = report.summary([rec, other], 2.0)[0]
    assert (s["within_target"], s["within_target_least"]) == (1, 0)
    assert s["max_ratio"] == pytest.approx(1.55) and s["max_ratio_least"] == pytest.approx(1.55)
    md = report.markdown({**results([rec, other]), "floor": {"floor_s": 9.0, "runs": [{"papermill_s": 2.0}]}})
    assert "2.50, 2.20, –" in md and "| 1.41× | 1.55× |" in md and "| 1.55× (kortaste) | 1.55× |" in md
    assert "| 1 milj. | 2/2 | 1.55× (b) | 1 (0) |" in md
    # The whole bench's least floor holds the runs beside the chapters: never a lower ratio.
    late = {"floor": {"floor_s": 2.4, "runs": [{"papermill_s": 2.4}]}, "chapters": [rec, other]}
    assert report.least_floor(late) == 2.2
    for c in (rec, other):
        v = report.chapter_verdict(c, report.least_floor(late))
        assert v["ratio_least"] >= v["ratio"] - 1e-12
    assert "**Golvet: 2.20 s**" in report.markdown({**results([rec, other]), **late})


@pytest.mark.parametrize("given,want", [("2021-01-01,2024-12-31", ("2021-01-01", "2024-12-31")),
                                        ("2022-03-01,", ("2022-03-01", None)),
                                        (",2023-06-30", (None, "2023-06-30"))])
def test_a_period_reaches_every_runs_config_and_the_report(tmp_path, given, want):
    """``--period``: each run's jamtools.yml has the period as an analyst writes it (what the
    run reads back, through the project's own config loader), and the report says so."""
    from bench.__main__ import config_text
    from jamtools.run.config import load_config

    args = parse_args(["--period", given])
    assert args.period == want
    (tmp_path / "data").mkdir()
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text(config_text(tmp_path / "data", args.period), encoding="utf-8")
    read = load_config(cfg).parameters
    assert (read["period_start"], read["period_end"]) == want
    plain = load_config(_plain(tmp_path)).parameters
    assert plain["period_start"] is None and plain["period_end"] is None
    md = report.markdown(results([chapter("a", 10_000, 11.0, 300)], options={"period": list(want)}))
    assert "väljer perioden" in md and (want[0] or want[1]) in md
    assert "väljer perioden" not in report.markdown(results([chapter("a", 10_000, 11.0, 300)]))
    for bad in ("2021-01-01", "2021-13-01,2022-01-01", ",", "2024-01-01,2021-01-01"):
        with pytest.raises(SystemExit):
            parse_args(["--period", bad])


def _plain(tmp_path):
    from bench.__main__ import config_text

    cfg = tmp_path / "plain.yml"
    cfg.write_text(config_text(tmp_path / "data"), encoding="utf-8")
    return cfg


def test_the_analysts_chapters_together_are_shown_with_one_job_against_two():
    """The analyst's chapters run together with ``--jobs 1`` and ``--jobs 2`` are shown per
    format, each size's ``--jobs 2`` run with the ratio of the ``--jobs 1`` run's command and
    check to its own; a size without both runs, or a failed run, has no ratio."""
    def run(rows, jobs, wall, check, status="ok"):
        return {"rows": rows, "format": "xlsx", "jobs": jobs, "wall_s": wall, "check_s": check,
                "peak_tree_mb": 1200.0, "chapters_ok": 2, "chapters": 2, "status": status,
                "reason": None if status == "ok" else "stoppad"}

    together = [run(500_000, 1, 32.8, 23.5), run(500_000, 2, 22.8, 16.1),
                run(100_000, 1, 11.0, 4.0), run(100_000, 2, 9.0, 3.0, status="timeout")]
    md = report.markdown(results([chapter("ht_01", 500_000, 4.0, 500, fmt="xlsx")],
                                 analyst_together=together))
    section = md.split("### Kapitlen tillsammans")[1]
    assert "| 1.44× | 1.46× |" in section  # 32.8 / 22.8 and 23.5 / 16.1
    assert section.count("×") == 2  # no ratio for the size whose --jobs 2 run failed
    assert "### Kapitlen tillsammans" not in report.markdown(
        results([chapter("ht_01", 500_000, 4.0, 500, fmt="csv")], analyst_together=together))
