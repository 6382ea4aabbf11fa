"""The bench's report, from its measurement records (no measuring here): the targets' verdicts,
the summary table for the README, ``bench.md``, ``bench.json`` and ``bench.png``.

A chapter record (one ``python -m jamtools run --only <id>``) is a dict with ``chapter``,
``rows``, ``format`` (parquet | csv | xlsx), ``status`` (ok | no_rows | failed | timeout |
skipped), ``reason``, ``notebook_s`` (the manifest's ``duration_s``), ``peak_mb`` and
``peak_source`` (the manifest's ``peak_mb``, else the kernels' RSS sampled by the bench), ``peak_tree_mb``
and ``wall_s`` (the whole command). The floor is the least of the floor notebook's papermill
times (its runs are spread over the bench).
"""
from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

#: Per scale (ht_beslut rows): a chapter's notebook time at most ``ratio`` × the floor, and its
#: peak below ``peak_mb`` (2 GB).
TARGETS = {1_000_000: {"ratio": 1.5, "peak_mb": 2048.0}, 10_000_000: {"ratio": 3.0, "peak_mb": 2048.0}}
SPEEDUP_TARGET = 1.6
RERUN_TARGET_S = 10.0
LOAD_RATIO_TARGET = 2.0
OK = ("ok", "no_rows")


# --- formatting ----------------------------------------------------------------------------
def rows_label(n: int | None) -> str:
    if n is None:
        return "–"
    for size, unit in ((1_000_000, " milj."), (1_000, " tusen")):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n:,}".replace(",", " ")


def fmt(value, kind: str = "s") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "s":
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    if kind == "x":
        return f"{value:.2f}×"
    if kind == "mb":
        return f"{value:,.0f}".replace(",", " ")
    if kind == "n":
        return f"{int(value):,}".replace(",", " ")
    if kind == "yn":
        return "ja" if value else "nej"
    return str(value)


def yes_no(met: bool | None) -> str:
    return "–" if met is None else ("ja" if met else "nej")


def _together_ratio(together: list[dict], rec: dict, key: str) -> float | None:
    """For the ``--jobs 2`` run of :meth:`Bench.analyst_together`: the ``--jobs 1`` run's
    ``key`` (time) over its own, at the same size; None for the other runs or without both."""
    if rec.get("jobs") != 2 or rec.get("status") != "ok":
        return None
    one = next((r for r in together if r.get("jobs") == 1 and r.get("rows") == rec.get("rows")
                and r.get("status") == "ok"), None)
    if one is None or not one.get(key) or not rec.get(key):
        return None
    return one[key] / rec[key]


def md_table(headers: list[str], rows: list[list], right: set[int] | None = None) -> str:
    """A Markdown table; columns in ``right`` (indexes) right-aligned."""
    right = right or set()
    cells = [[str(c).replace("|", "\\|").replace("\n", " ") for c in row] for row in rows]
    line = "| " + " | ".join(headers) + " |"
    align = "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"
    return "\n".join([line, align] + ["| " + " | ".join(r) + " |" for r in cells])


# --- verdicts ------------------------------------------------------------------------------
#: The floor before and after a scale's chapters differing by more than this factor: the
#: machine's speed moved while they ran, and the report says so.
DRIFT = 1.25


def floor_drift(runs: list[dict]) -> list[str]:
    """Per scale whose chapters have a floor run before and after them (``when`` = "före X" /
    "efter X"): a Swedish sentence with both times, saying when they differ by more than
    :data:`DRIFT` (the chapters' ratios then depend on when each ran)."""
    by = {}
    for r in runs:
        when, t = str(r.get("when") or ""), r.get("papermill_s")
        for side in ("före", "efter"):
            if when.startswith(side + " ") and when.endswith(" rader") and t is not None:
                by.setdefault(when[len(side) + 1:], {})[side] = t
    out = []
    for scale, t in by.items():
        if "före" in t and "efter" in t:
            a, b = t["före"], t["efter"]
            moved = max(a, b) > DRIFT * min(a, b)
            out.append(f"Vid {scale}: golvet {fmt(a)} s före kapitlen och {fmt(b)} s efter"
                       + (" — datorns fart ändrades medan kapitlen kördes, så deras kvoter beror på "
                          "när vart och ett kördes." if moved else "."))
    return out


def least_floor(results: dict) -> float | None:
    """The whole bench's shortest floor run: the floor section's runs and those just before
    each chapter run (``floor_runs_s``), so that no chapter's floor is below it."""
    floor = results.get("floor") or {}
    times = [floor.get("floor_s"), *(r.get("papermill_s") for r in floor.get("runs", []))]
    times += [t for c in results.get("chapters", []) for t in c.get("floor_runs_s") or []]
    times = [t for t in times if t is not None]
    return min(times) if times else None


def paired_floor(record: dict) -> float | None:
    """The shortest of the floor runs just before each of a chapter's runs (``floor_runs_s``:
    as many as the chapter's runs, at the same moments); None without one."""
    times = [t for t in record.get("floor_runs_s") or [] if t is not None]
    return min(times) if times else None


def chapter_verdict(record: dict, floor_s: float | None) -> dict:
    """``record`` with ``ratio`` (notebook time / floor) and ``met``: True or False at a scale
    with targets (a chapter that did not run misses them), None elsewhere.

    The floor is the one run beside the chapter's runs (:func:`paired_floor`: the shortest of
    the floor runs just before each of them, as many as the chapter's), when there is one: both
    times are then the least of the same number of runs at the same moments; else ``floor_s``
    (``floor_used`` says which). ``ratio_least`` is the ratio to ``floor_s``, the whole bench's
    shortest floor run (:func:`least_floor`, which holds the runs beside the chapters too), so
    never below ``ratio``."""
    out = dict(record)
    ok = record.get("status") in OK and record.get("notebook_s") is not None
    beside = out["paired_floor_s"] = paired_floor(record)
    out["ratio_least"] = record["notebook_s"] / floor_s if ok and floor_s else None
    out["ratio"] = (record["notebook_s"] / beside if ok and beside else out["ratio_least"])
    out["floor_used"] = "bredvid" if beside else "kortaste"
    target = TARGETS.get(record.get("rows")) if record.get("format", "parquet") == "parquet" else None
    if target is None:
        out["met"] = None
    elif not ok or out["ratio"] is None:
        out["met"] = False
    else:
        peak = record.get("peak_mb")
        out["met"] = out["ratio"] <= target["ratio"] and peak is not None and peak < target["peak_mb"]
    return out


def bound_record(chapter: str, parts: list[dict], floor_s: float | None,
                 measured_s: float | None, target_ratio: float | None) -> dict:
    """A chapter's lower bound: the floor plus the bare queries of its least engine work
    (``parts``, :func:`bench.__main__.least_work`), with its ratio to the floor and whether the
    scale's target ratio is within reach on this machine (None when not known)."""
    done = [p for p in parts if p.get("total_s") is not None]
    work = sum(p["total_s"] for p in done) if done and len(done) == len(parts) else None
    bound = floor_s + work if floor_s is not None and work is not None else None
    ratio = bound / floor_s if bound is not None and floor_s else None
    return {"chapter": chapter, "parts": [f"{p['table']}.{p['column']} ({p['kind']})" for p in parts],
            "work_s": work, "bound_s": bound, "ratio": ratio, "measured_s": measured_s,
            "measured_ratio": measured_s / floor_s if measured_s is not None and floor_s else None,
            "of_bound": measured_s / bound if measured_s is not None and bound else None,
            "target_ratio": target_ratio,
            "reachable": None if ratio is None or target_ratio is None else ratio <= target_ratio}


def _bounds_against(bounds: dict, floor_s: float | None) -> list[dict]:
    """The ``bounds`` section's chapter records again, against ``floor_s`` (the bench measures
    the bounds before its last floor runs), from the parts' own times."""
    parts = {f"{p['table']}.{p['column']} ({p['kind']})": p for p in bounds.get("parts") or []}
    out = []
    for c in bounds.get("chapters") or []:
        if floor_s is None or not all(n in parts for n in c.get("parts") or []):
            out.append(c)
        else:
            out.append(bound_record(c["chapter"], [parts[n] for n in c["parts"]], floor_s,
                                    c.get("measured_s"), c.get("target_ratio")))
    return out


def summary(chapters: list[dict], floor_s: float | None) -> list[dict]:
    """One row per scale of the Parquet chapter runs: chapters run and not run, the largest
    ratio to the floor and the largest peak of those that ran, and whether the scale's targets
    were met (None without targets)."""
    rows = sorted({c["rows"] for c in chapters if c.get("format", "parquet") == "parquet"})
    out = []
    for n in rows:
        recs = [chapter_verdict(c, floor_s) for c in chapters
                if c["rows"] == n and c.get("format", "parquet") == "parquet"]
        ran = [r for r in recs if r["status"] in OK]
        ratios = [r["ratio"] for r in ran if r["ratio"] is not None]
        least = [r["ratio_least"] for r in ran if r["ratio_least"] is not None]
        peaks = [r["peak_mb"] for r in ran if r.get("peak_mb") is not None]
        target = TARGETS.get(n)
        worst = max(ran, key=lambda r: r["ratio"] or 0, default=None)
        out.append({
            "rows": n, "chapters": len(recs), "ok": len(ran),
            "not_ok": [f"{r['chapter']} ({r['status']})" for r in recs if r["status"] not in OK],
            "max_ratio": max(ratios) if ratios else None,
            "max_ratio_chapter": worst["chapter"] if worst else None,
            "max_ratio_least": max(least) if least else None,
            "within_target": (sum(1 for r in ran if r["ratio"] is not None and r["ratio"] <= target["ratio"])
                              if target else None),
            "within_target_least": (sum(1 for r in ran if r["ratio_least"] is not None
                                        and r["ratio_least"] <= target["ratio"]) if target else None),
            "max_peak_mb": max(peaks) if peaks else None,
            "target_ratio": target["ratio"] if target else None,
            "target_peak_mb": target["peak_mb"] if target else None,
            "met": None if target is None else all(r["met"] for r in recs) and bool(recs),
        })
    return out


def ideal_speedup(durations: list[float], jobs: int = 2) -> float | None:
    """The speed-up ``jobs`` workers could give these notebook times at best (longest first,
    each to the least busy worker), ignoring the serial part of a run."""
    if not durations:
        return None
    load = [0.0] * jobs
    for d in sorted(durations, reverse=True):
        load[load.index(min(load))] += d
    return sum(durations) / max(load) if max(load) > 0 else None


def targets(results: dict) -> list[dict]:
    """Every target of issue 13 with its measured value and verdict (None: not measured)."""
    out = []
    floor_s = least_floor(results)
    by_rows = {s["rows"]: s for s in summary(results.get("chapters", []), floor_s)}
    for n, t in TARGETS.items():
        s = by_rows.get(n)
        out.append({"target": f"Kapitel vid {rows_label(n)} rader: ≤ {t['ratio']:g}× golvet och "
                              f"< {t['peak_mb'] / 1024:g} GB",
                    "value": (f"största kvot {fmt(s['max_ratio'], 'x')} ({s['within_target']}/"
                              f"{s['chapters']} inom målet; mot hela mätningens kortaste golv "
                              f"{fmt(s['max_ratio_least'], 'x')}, {s['within_target_least']}/"
                              f"{s['chapters']}), största topp {fmt(s['max_peak_mb'], 'mb')} MB, "
                              f"{s['ok']}/{s['chapters']} körda")
                    if s else "inte mätt",
                    "met": s["met"] if s else None})
    jobs = results.get("jobs") or {}
    out.append({"target": f"--jobs 2 mot --jobs 1 ({rows_label(jobs.get('rows'))} rader): "
                          f"uppsnabbning ≥ {SPEEDUP_TARGET:g}",
                "value": fmt(jobs.get("speedup"), "x") if jobs.get("speedup") else "inte mätt",
                "met": None if not jobs.get("speedup") else jobs["speedup"] >= SPEEDUP_TARGET})
    whole = results.get("whole") or {}
    rerun = whole.get("rerun") or {}
    ok_rerun = rerun.get("status") == "ok"
    out.append({"target": f"Omkörning utan ändringar: < {RERUN_TARGET_S:g} s",
                "value": f"{fmt(rerun.get('wall_s'))} s" if rerun.get("wall_s") is not None and ok_rerun
                else (rerun.get("reason") or "inte mätt"),
                "met": (rerun["wall_s"] < RERUN_TARGET_S) if ok_rerun else (False if rerun else None)})
    load = results.get("load") or {}
    out.append({"target": f"Läsa + kontrollera + aggregera ht_beslut ({rows_label(load.get('rows'))} "
                          f"rader): ≤ {LOAD_RATIO_TARGET:g}× DuckDB",
                "value": fmt(load.get("ratio"), "x") if load.get("ratio") else (load.get("reason") or "inte mätt"),
                "met": None if not load.get("ratio") else load["ratio"] <= LOAD_RATIO_TARGET})
    return out


# --- the files -----------------------------------------------------------------------------
def summary_markdown(rows: list[dict]) -> str:
    """The compact table for the README: scale × largest ratio, largest peak, targets met."""
    body = [[rows_label(s["rows"]), f"{s['ok']}/{s['chapters']}",
             fmt(s["max_ratio"], "x") + (f" ({s['max_ratio_chapter']})" if s["max_ratio_chapter"] else ""),
             "–" if s["within_target"] is None else f"{s['within_target']} ({s['within_target_least']})",
             fmt(s["max_peak_mb"], "mb"),
             (f"≤ {s['target_ratio']:g}×, < {s['target_peak_mb'] / 1024:g} GB" if s["target_ratio"] else "–"),
             yes_no(s["met"])] for s in rows]
    return md_table(["Rader per tabell", "Kapitel körda", "Största kvot mot golvet",
                     "Inom kvotmålet (mot kortaste golvet)", "Största topp (MB)", "Mål",
                     "Målen nådda"], body, right={2, 3, 4})


def markdown(results: dict) -> str:
    floor = results.get("floor") or {}
    floor_s = least_floor(results)
    machine = results.get("machine") or {}
    parts = ["# Prestandamätning av jamtools", "",
             f"Körd {results.get('started', '?')} – {results.get('finished', 'pågår')} med "
             f"`{results.get('command', 'python -m bench')}`. Alla mätningar i egna processer; "
             "väggtid med `time.perf_counter`, toppminne som RSS summerat över processträdet "
             "(psutil, var 50:e ms). *Kapitlets tid* är manifestets `duration_s` (notebooken "
             "ensam, med kärnans start), den kortaste av kapitlets körningar vid skalan, som "
             "golvets (en upptagen dator kan bara lägga till tid); *körningar* visar var och en. "
             "*Golvet bredvid* listar golvets körningar strax före var och en av kapitlets: "
             "lika många körningar, i samma stunder. *Kvot mot golvet*, som målet prövas mot, är "
             "kapitlets tid delad med den kortaste av dem (saknas de: med hela mätningens "
             "kortaste golv, markerat *kortaste*). *Mot kortaste golvet* är kapitlets tid delad med "
             "hela mätningens kortaste golvkörning, alla slag medräknade: aldrig en lägre kvot, "
             "eftersom den är den minsta av fler körningar, i datorns snabbaste stund. "
             "*kommandot* är hela `python -m jamtools run`, med "
             "körningens kontroll av tabellerna i dess `data_dir`. Topp-minnet per kapitel är kärnans (manifestets "
             "`peak_mb`, annars kärnprocessens RSS mätt här). 2 GB = 2048 MB. *Belastning* är "
             "datorns load average (1 min) när mätningen var klar: över antalet kärnor betyder "
             "att andra processer tog tid.", ""]
    period = (results.get("options") or {}).get("period")
    if period:  # what the chapters read: the rows of the period, as an analyst's run reads them
        parts += [f"Varje körning väljer perioden {period[0] or '…'} – {period[1] or '…'} "
                  "(`period` i jamtools.yml): kapitlen läser alla rader och lämnar de andra utanför.", ""]
    parts += ["## Sammanfattning", "", summary_markdown(summary(results.get("chapters", []), floor_s)), ""]
    parts += ["## Mål", "", md_table(["Mål", "Mätt", "Nått"],
                                     [[t["target"], t["value"], yes_no(t["met"])] for t in targets(results)]), ""]
    if machine:
        parts += ["## Datorn", "", md_table(["", ""], [
            ["Kärnor (logiska/fysiska)", f"{machine.get('cpu_logical')}/{machine.get('cpu_physical')}"],
            ["Processor", machine.get("cpu_model", "?")],
            ["Minne", f"{fmt(machine.get('ram_mb'), 'mb')} MB"],
            ["Belastning vid start (1/5/15 min)", " / ".join(f"{x:.2f}" for x in machine.get("loadavg", []))],
            ["Python", machine.get("python", "?")],
            ["Versioner", ", ".join(f"{k} {v}" for k, v in (machine.get("versions") or {}).items())],
            ["Git", machine.get("git", "?")],
        ]), ""]
    if floor:
        runs = floor.get("runs", [])
        beside = [t for c in results.get("chapters", []) for t in c.get("floor_runs_s") or []
                  if t is not None]
        parts += ["## Golvet", "",
                  "En notebook som bara gör kapitlens parametrar, importer och `setup(...)` "
                  f"(från `{floor.get('source', '?')}`), körd med papermill och kärnan `jamtools`. "
                  "Körningarna är spridda över mätningen (före och efter varje skalas kapitel); golvet är "
                  "den kortaste tiden, eftersom en upptagen dator bara kan lägga till tid.", "",
                  md_table(["Körning", "När", "papermill (s)", "processen (s)", "Topp kärna (MB)",
                            "Topp träd (MB)", "Belastning", "Status"],
                           [[i + 1, r.get("when", "–"), fmt(r.get("papermill_s")), fmt(r.get("wall_s")),
                             fmt(r.get("peak_kernel_mb"), "mb"), fmt(r.get("peak_tree_mb"), "mb"),
                             fmt(r.get("loadavg"), "s"), r.get("reason") or r.get("status")]
                            for i, r in enumerate(runs)], right={2, 3, 4, 5, 6}),
                  "", f"**Golvet: {fmt(floor_s)} s** (median {fmt(floor.get('median_s'))} s)"
                  + (f"; den kortaste av dessa och av de {len(beside)} körningarna strax före "
                     f"kapitlen ({fmt(min(beside))}–{fmt(max(beside))} s, median "
                     f"{fmt(statistics.median(beside))} s)." if beside else "."), "",
                  *[f"- {line}" for line in floor_drift(runs)], ""]
    synth = results.get("synth") or []
    if synth:
        names = sorted({t for s in synth for t in (s.get("table_rows") or {})})
        parts += ["## Syntetiska data", "",
                  "`python -m jamtools synth --seed 1 --scale N/4000 --format parquet` i "
                  "`data/bench/rows-N` (återanvänds när stämpeln stämmer; tiden är då den från när "
                  "mappen gjordes).", "",
                  md_table(["Rader", "Skala", "Tid (s)", "Topp (MB)", "Återanvänd", "Status"]
                           + names,
                           [[rows_label(s["rows"]), f"{s['scale']:g}", fmt(s.get("wall_s")),
                             fmt(s.get("peak_tree_mb"), "mb"), fmt(s.get("reused"), "yn"),
                             s.get("reason") or s["status"]]
                            + [fmt((s.get("table_rows") or {}).get(t), "n") for t in names] for s in synth],
                           right={1, 2, 3} | set(range(6, 6 + len(names)))), ""]
    check = results.get("check") or []
    if check:
        parts += ["## Kontroll av alla tabeller", "",
                  "`python -m jamtools check` på skalans alla tabeller: det varje körning gör "
                  "först, vilka kapitel den än kör.", "",
                  md_table(["Rader", "Tid (s)", "Topp (MB)", "Belastning", "Status"],
                           [[rows_label(c["rows"]), fmt(c.get("wall_s")), fmt(c.get("peak_tree_mb"), "mb"),
                             fmt(c.get("loadavg"), "s"), c.get("reason") or c["status"]] for c in check],
                           right={1, 2, 3}), ""]
    chapters = [chapter_verdict(c, floor_s) for c in results.get("chapters", [])]
    data_note = {"needed": "Varje körnings `data_dir` har bara de tabeller kapitlet läser "
                           "(länkar), så kommandots kontroll läser bara dem (`--chapter-data needed`).",
                 "all": "Varje körnings `data_dir` är skalans hela mapp, så kommandot kontrollerar "
                        "alla tabeller (`--chapter-data all`)."}.get((results.get("options") or {}).get("chapter_data"))
    for fmt_name, title in (("parquet", "Kapitel per skala (Parquet)"),
                            ("csv", "Analytikerns format: CSV (cp1252, semikolon, decimalkomma)"),
                            ("xlsx", "Analytikerns format: XLSX")):
        recs = [c for c in chapters if c.get("format", "parquet") == fmt_name]
        if not recs:
            continue
        parts += [f"## {title}", ""] + ([data_note, ""] if data_note else [])
        if fmt_name != "parquet":
            conv = [c for c in results.get("conversions", []) if c.get("format") == fmt_name]
            if conv:
                parts += ["Konvertering från Parquet (pandas):", "",
                          md_table(["Rader", "Tabeller", "Tid (s)", "Storlek (MB)", "Återanvänd", "Status"],
                                   [[rows_label(c["rows"]), ", ".join(c["tables"]),
                                     fmt((c.get("convert") or {}).get("total_s")),
                                     fmt(sum(t["bytes"] for t in ((c.get("convert") or {}).get("tables") or {}).values()) / 1e6, "s")
                                     if c.get("convert") else "–",
                                     fmt(c.get("reused"), "yn"), c.get("reason") or c["status"]] for c in conv],
                                   right={2, 3}), ""]
        for n in sorted({c["rows"] for c in recs}):
            target = TARGETS.get(n) if fmt_name == "parquet" else None
            head = f"### {rows_label(n)} rader"
            if target:
                head += f" (mål: ≤ {target['ratio']:g}× golvet, < {target['peak_mb'] / 1024:g} GB)"
            parts += [head, "", md_table(
                ["Kapitel", "Status", "Kapitlets tid (s)", "Körningar (s)", "Golvet bredvid (s)",
                 "Kvot mot golvet", "Mot kortaste golvet", "Topp (MB)", "Källa", "Topp träd (MB)",
                 "Kommandot (s)", "Belastning", "Målen nådda", "Anmärkning"],
                [[c["chapter"], c["status"], fmt(c.get("notebook_s")),
                  ", ".join(fmt(t) for t in c.get("runs_s") or []) or "–",
                  ", ".join(fmt(t) for t in c.get("floor_runs_s") or []) or "–",
                  fmt(c.get("ratio"), "x") + ("" if c.get("floor_used") == "bredvid" or c.get("ratio") is None
                                              else " (kortaste)"),
                  fmt(c.get("ratio_least"), "x"),
                  fmt(c.get("peak_mb"), "mb"), c.get("peak_source") or "–", fmt(c.get("peak_tree_mb"), "mb"),
                  fmt(c.get("wall_s")), fmt(c.get("loadavg"), "s"), yes_no(c["met"]), c.get("reason") or ""]
                 for c in recs if c["rows"] == n], right={2, 5, 6, 7, 9, 10, 11}), ""]
        together = [r for r in results.get("analyst_together") or [] if r.get("format") == fmt_name]
        if together:
            parts += ["### Kapitlen tillsammans", "",
                      "Kapitlen ovan i en körning på samma exporter (utan bok), med `--jobs 1` och "
                      "`--jobs 2`: körningens kontroll läser varje export (med två jobb avkodas "
                      "arbetsböcker två åt gången först), sedan körs kapitlen. *Kvot* är "
                      "`--jobs 1` mot `--jobs 2` i samma storlek.", "",
                      md_table(["Rader", "Jobb", "Kapitel ok", "Kommandot (s)", "Kontrollen (s)",
                                "Kvot kommandot", "Kvot kontrollen", "Topp träd (MB)", "Status"],
                               [[rows_label(r["rows"]), r["jobs"],
                                 f"{r.get('chapters_ok', '–')}/{r.get('chapters', '–')}",
                                 fmt(r.get("wall_s")), fmt(r.get("check_s")),
                                 *(fmt(_together_ratio(together, r, k), "x") for k in ("wall_s", "check_s")),
                                 fmt(r.get("peak_tree_mb"), "mb"), r.get("reason") or r.get("status")]
                                for r in together], right={1, 3, 4, 5, 6, 7}), ""]
    jobs = results.get("jobs") or {}
    whole = results.get("whole") or {}
    if jobs or whole:
        parts += ["## Hela körningen", ""]
        rows = []
        for label, rec in (("--jobs 1, utan bok", jobs.get("jobs1")), ("--jobs 2, utan bok", jobs.get("jobs2")),
                           ("--jobs 2, med bok", whole.get("run")), ("omkörning utan ändringar", whole.get("rerun"))):
            if rec:
                book = rec.get("book") or {}
                rows.append([label, rows_label(rec.get("rows")),
                             f"{rec.get('chapters_ok', '–')}/{rec.get('chapters', '–')}",
                             rec.get("reused", 0), fmt(rec.get("wall_s")),
                             fmt(rec.get("notebooks_s")), fmt(rec.get("peak_tree_mb"), "mb"),
                             fmt(rec.get("peak_kernel_mb"), "mb"), fmt(rec.get("manifest_peak_mb"), "mb"),
                             "–" if not book else ("återanvänd" if book.get("reused") else
                                                   ("byggd" if book.get("built") else "misslyckades")),
                             rec.get("reason") or rec.get("status")])
        parts += ["*Summa kapitel* är kapitlens egna tider (de som kördes, inte de som "
                  "återanvändes); *topp kärnor* är kärnornas RSS summerat, mätt här; *manifestets "
                  "topp* är körningens egen mätning (`peak_mb`) när den finns.", "",
                  md_table(["Körning", "Rader", "Kapitel ok", "Återanvända", "Väggtid (s)",
                            "Summa kapitel (s)", "Topp träd (MB)", "Topp kärnor (MB)",
                            "Manifestets topp (MB)", "Boken", "Status"], rows,
                           right={3, 4, 5, 6, 7, 8}), ""]
        if jobs.get("speedup"):
            parts += [f"Uppsnabbning --jobs 2 mot --jobs 1: **{fmt(jobs['speedup'], 'x')}** (mål ≥ "
                      f"{SPEEDUP_TARGET:g}); bästa möjliga med de här kapiteltiderna på två "
                      f"arbetare, utan den seriella delen: {fmt(jobs.get('ideal_speedup'), 'x')}.", ""]
    load = results.get("load") or {}
    if load:
        parts += [f"## Läsa, kontrollera och aggregera ht_beslut ({rows_label(load.get('rows'))} rader)", "",
                  "`load_table('ht_beslut', columns=[beviljade_timmar, adl_beroende, ensamboende])` och "
                  "en pandas-groupby till celler (n, summa, kvadratsumma per kön × adl_beroende × "
                  "ensamboende), mot DuckDB:s `GROUP BY ALL` direkt på Parquet-filen. Vägen *pandas* "
                  "läser rader, vägen *celler* läser motorns celltabell (`cells=True`, som kapitlen "
                  "gör). Bästa av "
                  f"{load.get('repeats', '?')} körningar var.", "",
                  md_table(["Väg", "Läsa + kontroll (s)", "Aggregera (s)", "Totalt (s)", "Processen (s)",
                            "Topp (MB)", "Celler", "Rader"],
                           [[r["path"], fmt(r.get("load_s")), fmt(r.get("aggregate_s")), fmt(r.get("total_s")),
                             fmt(r.get("wall_s")), fmt(r.get("peak_tree_mb"), "mb"), r.get("cells", "–"),
                             fmt(r.get("n"), "n")] for r in load.get("runs", [])], right={1, 2, 3, 4, 5, 6, 7}),
                  "", f"Kvot cellvägen / DuckDB (bästa tid var): **{fmt(load.get('ratio'), 'x')}** "
                      f"(mål ≤ {LOAD_RATIO_TARGET:g}); radvägen / DuckDB: "
                      f"{fmt(load.get('ratio_rows'), 'x')}.", ""]
    bounds = results.get("bounds") or {}
    if bounds.get("chapters"):
        parts += [f"## Minsta motorarbete per kapitel ({rows_label(bounds.get('rows'))} rader)", "",
                  "Nära det minsta arbete kapitlet gör i motorn: en bar DuckDB-`GROUP BY` över varje "
                  "id-kolumn kapitlet följer eller vars nyckel dess kontroll söker upprepningar i "
                  "(en länk hashar ena sidan och söker med den andra, ungefär lika dyrt), och för "
                  "fritext en bar fråga som per ord och kön räknar hur många gånger ordet används och om hur "
                  "många olika personer (kapitlet visar ett ord bara när det för varje kön används om tillräckligt "
                  "många personer och tillräckligt många gånger, eller inte alls). Varje fråga i en egen process, med "
                  "körningens minnesgräns och trådar. *Undre gräns* är golvet plus frågornas summa: "
                  "ungefär den kortaste tid kapitlet kan ta här så länge det gör det arbetet i "
                  "motorn. *Nåbart* säger om den gränsen ryms inom skalans mål. Kvoterna här är mot "
                  "hela mätningens kortaste golv.", "",
                  md_table(["Kapitel", "Frågor", "Frågornas tid (s)", "Undre gräns (s)", "Gränsens kvot",
                            "Uppmätt (s)", "Uppmätt kvot", "Uppmätt / gräns", "Mål", "Nåbart"],
                           [[b["chapter"], ", ".join(b["parts"]), fmt(b.get("work_s")), fmt(b.get("bound_s")),
                             fmt(b.get("ratio"), "x"), fmt(b.get("measured_s")), fmt(b.get("measured_ratio"), "x"),
                             fmt(b.get("of_bound"), "x"),
                             f"≤ {b['target_ratio']:g}×" if b.get("target_ratio") else "–",
                             yes_no(b.get("reachable"))]
                            for b in _bounds_against(bounds, floor_s)],
                           right={2, 3, 4, 5, 6, 7}), ""]
    micro = results.get("micro") or {}
    if micro:
        parts += ["## Mikromätningar", "",
                  "Justerad jämförelse via aggregerad tabell mot logistisk modell på alla rader, och "
                  "läckagesökningens Aho–Corasick mot ett `in` per värde (`python -m bench.micro`).", ""]
        if micro.get("output"):
            parts += ["```text", micro["output"].strip(), "```", ""]
        if micro.get("reason"):
            parts += [f"Misslyckades: {micro['reason']}", ""]
    return "\n".join(parts).rstrip() + "\n"


def plot(results: dict, path: str | Path) -> Path:
    """Log-log plot of wall time against rows (ht_beslut rows per table) per stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(11, 6), dpi=110)
    chapters = [c for c in results.get("chapters", []) if c.get("status") in OK and c.get("notebook_s")]
    parquet = [c for c in chapters if c.get("format", "parquet") == "parquet"]
    for cid in sorted({c["chapter"] for c in parquet}):
        pts = sorted((c["rows"], c["notebook_s"]) for c in parquet if c["chapter"] == cid)
        ax.plot(*zip(*pts), color="0.8", lw=0.8, zorder=1)
    by_rows: dict[int, list[float]] = {}
    for c in parquet:
        by_rows.setdefault(c["rows"], []).append(c["notebook_s"])
    if by_rows:
        xs = sorted(by_rows)
        ax.plot(xs, [statistics.median(by_rows[x]) for x in xs], "o-", color="C0", label="kapitel, median")
        ax.plot(xs, [max(by_rows[x]) for x in xs], "s-", color="C3", label="kapitel, längsta")
    for fmt_name, marker, color in (("csv", "^--", "C2"), ("xlsx", "v--", "C4")):
        for cid in sorted({c["chapter"] for c in chapters if c.get("format") == fmt_name}):
            pts = sorted((c["rows"], c["notebook_s"]) for c in chapters
                         if c.get("format") == fmt_name and c["chapter"] == cid)
            ax.plot(*zip(*pts), marker, color=color, alpha=0.8, label=f"{fmt_name.upper()}: {cid}")
    synth = sorted((s["rows"], s["wall_s"]) for s in results.get("synth", []) if s.get("wall_s"))
    if synth:
        ax.plot(*zip(*synth), "d:", color="C1", label="syntetiska data (synth)")
    check = sorted((c["rows"], c["wall_s"]) for c in results.get("check", []) if c.get("status") == "ok")
    if check:
        ax.plot(*zip(*check), "h-.", color="C7", label="kontroll av alla tabeller (check)")
    load = results.get("load") or {}
    for r, marker, color, label in (("pandas", "P", "C5", "läsa+kontrollera+aggregera (rader)"),
                                    ("cells", "D", "C8", "läsa+kontrollera+aggregera (celler)"),
                                    ("duckdb", "X", "C6", "DuckDB GROUP BY")):
        best = load.get(f"{r}_s")
        if best:
            ax.plot([load["rows"]], [best], marker, color=color, ms=10, label=label)
    whole = (results.get("whole") or {}).get("run") or {}
    if whole.get("wall_s"):
        ax.plot([whole["rows"]], [whole["wall_s"]], "*", color="k", ms=12, label="hela körningen med bok")
    floor_s = least_floor(results)
    if floor_s:
        ax.axhline(floor_s, color="k", ls="--", lw=1, label=f"golvet ({floor_s:.1f} s)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rader per tabell (ht_beslut)")
    ax.set_ylabel("väggtid (s)")
    ax.set_title("jamtools: tid mot datamängd per steg")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write(results: dict, out: str | Path) -> dict[str, Path]:
    """Write ``bench.json``, ``bench.md`` and ``bench.png`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    floor_s = least_floor(results)
    full = dict(results, summary=summary(results.get("chapters", []), floor_s), targets=targets(results))
    if (results.get("bounds") or {}).get("chapters"):  # as the report shows them
        full["bounds"] = dict(results["bounds"], floor_s=floor_s,
                              chapters=_bounds_against(results["bounds"], floor_s))
    paths = {"json": out / "bench.json", "md": out / "bench.md", "png": out / "bench.png"}
    paths["json"].write_text(json.dumps(full, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(results), encoding="utf-8")
    plot(results, paths["png"])
    return paths
