"""The handbook's summary (4R: realisera): every difference the chapters found, in one ranked table.

Reads the results files a run wrote (``<out>/results/<id>.json``, already disclosed), keeps one
measure per comparison (the one a reader can compare across chapters, see :data:`PRIMARY`), puts
the crude and the adjusted estimate side by side, and ranks the differences: first those that
remain among people alike in need, then those that are clear only before adjustment, then those
the data cannot tell from chance. Across so many comparisons some will look clear by chance, so
the p-values are also adjusted over the whole summary (Holm 1979).

:func:`realise` is the chapter ``r4_05_realisera`` as a :class:`~jamtools.present.page.Page`; the
chapters' questions come from the run (``ctx.titles``), never from the run layer itself.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from jamtools.present import results as results_mod
from jamtools.present.page import Page, figure, items
from jamtools.present.report import Table
from jamtools.present.sentences import direction
from jamtools.stats import adjust_pvalues

#: Measures in order of preference: one per comparison is shown, the first that is present.
PRIMARY = ("risk_difference_pp", "mean_difference", "gap_change_pp", "hazard_ratio", "rate_ratio",
           "median_difference", "dissimilarity_index", "risk_ratio", "odds_ratio", "mh_odds_ratio")

#: Verdicts, in ranking order, with the Swedish text a reader sees.
VERDICTS = {
    "kvarstar": "Tydlig skillnad, även bland lika ärenden",
    "tydlig": "Tydlig skillnad (ingen justering gjord)",
    "forsvinner": "Tydlig rå skillnad som inte kvarstår vid justering",
    "otydlig": "Ingen tydlig skillnad",
    "dold": "Kan inte visas (röjandekontroll)",
}

COLUMNS = ["question_id", "question", "outcome", "comparison", "group_a", "group_b", "measure",
           "null_value",
           "crude_estimate", "crude_ci_low", "crude_ci_high",
           "adjusted_estimate", "adjusted_ci_low", "adjusted_ci_high", "adjusted_for",
           "p_value", "p_holm", "verdict", "strength", "rank"]


#: What identifies one comparison across its measures: "flicka − pojke" and "flicka / pojke"
#: are one comparison, "kvinna − man (2020)" and "kvinna − man (2021)" two.
KEYS = ["question_id", "outcome", "group_a", "group_b", "_comparison"]


def is_gap_measure(measure: str) -> bool:
    """Whether ``measure`` compares two groups (a difference or a ratio) rather than describing
    one thing (e.g. the audit's share of rows with known sex)."""
    return measure in PRIMARY or measure.endswith(("_difference", "_pp", "ratio"))


def null_value(measure: str) -> float:
    """The value of ``measure`` that means no difference: 1 for ratios, 0 otherwise."""
    return 1.0 if measure.endswith("ratio") else 0.0


def collect(results_dir: str | Path | None, *, exclude=()) -> pd.DataFrame:
    """Every comparison of every results file in ``results_dir``, one row each.

    Files are validated against the results schema; ``exclude`` names question ids to skip (the
    summary's own file). Returns an empty frame with the columns when there are no files (or no
    folder: ``None`` or one that does not exist).
    """
    rows = []
    folder = Path(results_dir) if results_dir is not None else None
    for path in (sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []):
        res = results_mod.read(path)
        if res["question_id"] in set(exclude):
            continue
        for comp in res["comparisons"]:
            rows.append({"question_id": res["question_id"], "question": res["question"], **comp})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["question_id", "question", "outcome", "comparison", "measure",
                                     "estimate", "ci_low", "ci_high", "p_value", "adjusted",
                                     "adjusted_for", "suppressed"])
    return frame


def chapters_run(results_dir: str | Path | None, titles: Mapping[str, str], *,
                 exclude=()) -> list[str]:
    """The question ids that have a results file in ``results_dir`` (the chapters that ran),
    in the order of ``titles``; ``exclude`` is left out.

    Parameters
    ----------
    results_dir : str, Path or None
        The run's results folder (``<out>/results``); None or a missing folder has none.
    titles : mapping of str to str
        Every chapter's id and question, in book order (``ctx.titles``).
    exclude : iterable of str
        Question ids to leave out (the summary's own).

    Returns
    -------
    list of str
    """
    folder = Path(results_dir) if results_dir is not None else None
    found = set()
    for path in (sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []):
        found.add(results_mod.read(path)["question_id"])
    return [q for q in titles if q in found and q not in set(exclude)]


def chapters_not_run(results_dir: str | Path | None, titles: Mapping[str, str], *,
                     exclude=()) -> list[str]:
    """The question ids of ``titles`` with no results file in ``results_dir`` (not run in this
    run, for example because the data lacked what they need), in book order; ``exclude`` (the
    summary itself) is left out.

    Examples
    --------
    >>> chapters_not_run(None, {"bof_01_utredning_inleds": "Inleder vi utredning …?"})
    ['bof_01_utredning_inleds']
    """
    ran = set(chapters_run(results_dir, titles))
    return [q for q in titles if q not in ran and q not in set(exclude)]


def not_run_text(not_run, titles: Mapping[str, str]) -> str:
    """The Swedish paragraph that names the chapters not in the summary (their questions from
    ``titles``), so that a short summary is never read as "no differences elsewhere". Empty
    when none."""
    if not not_run:
        return ""
    items = "\n".join(f"- {titles.get(q, q)}" for q in not_run)
    return (f"**Kapitel som inte ingår: {len(not_run)}** (de kördes inte i den här körningen, "
            "till exempel för att data saknar det som kapitlet behöver). Sammanställningen säger "
            "ingenting om skillnader i de frågorna:\n\n" + items)


def chapters_table(every: pd.DataFrame, ran, titles: Mapping[str, str], *, caption: str = ""):
    """The chapters whose results are included, with how many comparisons each gave."""
    per_chapter = every.groupby("question_id").size() if not every.empty else pd.Series(dtype=int)
    frame = pd.DataFrame({"Fråga": [titles.get(q, q) for q in ran],
                          "Jämförelser": [int(per_chapter.get(q, 0)) for q in ran]})
    return Table(frame, caption)


def _has_adjustment(value) -> bool:
    """Whether a comparison's ``adjusted_for`` names anything (a list, or a comma-separated
    string as in a DataFrame before the results file)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return len(list(value)) > 0


def adjusted_mask(frame: pd.DataFrame) -> pd.Series:
    """Rows that are adjusted comparisons: ``adjusted`` is true *and* ``adjusted_for`` names
    what was adjusted for. A row marked adjusted with nothing adjusted for is a crude
    comparison, and never gives the verdict "even among similar cases"."""
    adjusted = frame["adjusted"].fillna(False).astype(bool)
    if "adjusted_for" in frame:
        adjusted &= frame["adjusted_for"].map(_has_adjustment).astype(bool)
    return adjusted


def _primary(frame: pd.DataFrame) -> pd.DataFrame:
    """One measure per (question, outcome, groups compared): the first of :data:`PRIMARY`
    present, else the first in the file."""
    order = {m: k for k, m in enumerate(PRIMARY)}
    frame = frame.assign(_order=frame["measure"].map(lambda m: order.get(m, len(PRIMARY))))
    best = frame.groupby(KEYS, sort=False)["_order"].transform("min")
    frame = frame[frame["_order"] == best]
    # Two measures outside the list (e.g. an interaction in pp and as an odds-ratio ratio): the
    # first in the file is shown, never a mix of the two.
    first = frame.groupby(KEYS, sort=False)["measure"].transform("first")
    return frame[frame["measure"] == first].drop(columns=["_order"])


def _strength(estimate, low, high, null, ratio: bool) -> float:
    """|estimate − null| in standard errors (on the log scale for ratios), from the interval."""
    if any(v is None or pd.isna(v) for v in (estimate, low, high)):
        return math.nan
    if ratio:
        if min(estimate, low, high) <= 0:
            return math.nan
        estimate, low, high, null = map(math.log, (estimate, low, high, null))
    se = (high - low) / (2 * 1.959963984540054)
    return abs(estimate - null) / se if se > 0 else math.nan


def gaps(results_dir: str | Path | None, *, exclude=()) -> pd.DataFrame:
    """:func:`rank` of :func:`collect`: the ranked summary of the results files in a folder."""
    return rank(collect(results_dir, exclude=exclude))


def rank(every: pd.DataFrame) -> pd.DataFrame:
    """The ranked summary: one row per (question, outcome, groups compared) with its crude and
    adjusted estimate, a verdict (a key of :data:`VERDICTS`), the strength of the evidence
    (distance from no difference in standard errors) and the Holm-adjusted p-value over all rows.

    Intervals are the chapters' own (some chapters use simultaneous intervals); a comparison
    whose interval excludes the no-difference value counts as clear.
    """
    if not every.empty:
        every = every[every["measure"].map(is_gap_measure)]
    if every.empty:
        return pd.DataFrame(columns=COLUMNS)
    every = every.assign(_comparison=every["comparison"].astype(str).str.replace(" / ", " − ",
                                                                                 regex=False))
    chosen = _primary(every)
    out = []
    for (qid, outcome, _, _, _), g in chosen.groupby(KEYS, sort=False):
        measure, comparison = g["measure"].iloc[0], g["comparison"].iloc[0]
        null = null_value(measure)
        real = adjusted_mask(g)
        # A row marked adjusted with nothing adjusted for is a crude comparison; a true crude
        # row is preferred to it.
        crude = g[~real].sort_values("adjusted", key=lambda c: c.fillna(False).astype(bool),
                                     kind="stable").head(1)
        adj = g[real].head(1)
        row = {"question_id": qid, "question": g["question"].iloc[0], "outcome": outcome,
               "comparison": comparison, "group_a": g["group_a"].iloc[0],
               "group_b": g["group_b"].iloc[0], "measure": measure, "null_value": null}
        for prefix, part in (("crude", crude), ("adjusted", adj)):
            for col in ("estimate", "ci_low", "ci_high"):
                row[f"{prefix}_{col}"] = part[col].iloc[0] if len(part) else None
        row["adjusted_for"] = list(adj["adjusted_for"].iloc[0]) if len(adj) else []
        main = adj if len(adj) and adj["estimate"].notna().iloc[0] else crude
        row["p_value"] = main["p_value"].iloc[0] if len(main) else None

        def clear(prefix):
            return direction(row[f"{prefix}_ci_low"], row[f"{prefix}_ci_high"], null=null) != "oklar"

        has_adj = len(adj) > 0 and row["adjusted_estimate"] is not None \
            and not pd.isna(row["adjusted_estimate"])
        has_crude = row["crude_estimate"] is not None and not pd.isna(row["crude_estimate"])
        if not has_adj and not has_crude:
            verdict = "dold"
        elif has_adj and clear("adjusted"):
            verdict = "kvarstar"
        elif has_adj and clear("crude"):
            verdict = "forsvinner"
        elif not has_adj and clear("crude"):
            verdict = "tydlig"
        else:
            verdict = "otydlig"
        prefix = "adjusted" if has_adj else "crude"
        row["verdict"] = verdict
        row["strength"] = _strength(row[f"{prefix}_estimate"], row[f"{prefix}_ci_low"],
                                    row[f"{prefix}_ci_high"], null, measure.endswith("ratio"))
        out.append(row)
    frame = pd.DataFrame(out)
    holm = adjust_pvalues(frame[["p_value"]].astype(float), method="holm")
    frame["p_holm"] = holm["p_adjusted"].to_numpy()
    rank = {v: k for k, v in enumerate(VERDICTS)}
    frame = (frame.assign(_v=frame["verdict"].map(rank), _s=-frame["strength"].fillna(-1.0))
             .sort_values(["_v", "_s", "question_id", "outcome"], kind="stable")
             .drop(columns=["_v", "_s"]).reset_index(drop=True))
    frame["rank"] = range(1, len(frame) + 1)
    return frame[COLUMNS]


def _ci(low, high, decimals: int) -> str:
    from jamtools.present.report import number
    if low is None or pd.isna(low):
        return ".."
    return f"{number(low, decimals)} till {number(high, decimals)}"


def _estimate(row, prefix: str) -> str:
    from jamtools.present.report import number
    pp = row["measure"].endswith("_pp")
    est = row[f"{prefix}_estimate"]
    if est is None or pd.isna(est):
        return ".."
    d = 1 if pp or row["measure"].endswith("difference") else 2
    return f"{number(est, d, signed=pp)} ({_ci(row[f'{prefix}_ci_low'], row[f'{prefix}_ci_high'], d)})"


def table(gaps_frame: pd.DataFrame, *, caption: str = ""):
    """The ranked summary as a reader sees it (a :class:`jamtools.present.report.Table`)."""
    from jamtools.present.report import MEASURES, Table, covariates_text, label, p_value
    rows = []
    for _, r in gaps_frame.iterrows():
        rows.append({
            "Rang": int(r["rank"]),
            "Kapitel": r["question_id"],
            "Utfall": label(r["outcome"]).replace("_", " "),
            "Jämförelse": r["comparison"],
            "Mått": MEASURES.get(r["measure"], r["measure"].replace("_", " ")),
            "Rå skattning (KI)": _estimate(r, "crude"),
            "Justerad skattning (KI)": _estimate(r, "adjusted"),
            "Justerat för": covariates_text(r["adjusted_for"]) or "–",
            "Bedömning": VERDICTS[r["verdict"]],
            "p (Holm, hela sammanställningen)": p_value(r["p_holm"]),
        })
    frame = pd.DataFrame(rows, columns=["Rang", "Kapitel", "Utfall", "Jämförelse", "Mått",
                                        "Rå skattning (KI)", "Justerad skattning (KI)",
                                        "Justerat för", "Bedömning",
                                        "p (Holm, hela sammanställningen)"])
    return Table(frame, caption, "KI = kapitlets eget konfidensintervall; '..' = visas inte "
                                 "(röjandekontroll) eller finns inte.")


def _overview_rows(gaps_frame: pd.DataFrame, measure: str) -> list[tuple]:
    """Per comparison in ``measure``: (label, prefix shown: adjusted or crude, clear?)."""
    from jamtools.present.report import label
    out = []
    for _, r in gaps_frame[gaps_frame["measure"] == measure].iterrows():
        prefix = "adjusted" if r["adjusted_estimate"] is not None and not pd.isna(r["adjusted_estimate"]) \
            else "crude"
        plain = r["comparison"] in (f"{r['group_a']} − {r['group_b']}", f"{r['group_a']} / {r['group_b']}")
        qualifier = "" if plain else f", {r['comparison']}"
        name = (f"{r['question_id'].split('_', 2)[0]}_{r['question_id'].split('_', 2)[1]}: "
                f"{label(r['outcome']).replace('_', ' ')}{qualifier} "
                f"({'justerad' if prefix == 'adjusted' else 'rå'})")
        out.append((name, r, prefix, r["verdict"] in ("kvarstar", "tydlig")))
    return out


def overview_plot(gaps_frame: pd.DataFrame, *, measure: str = "risk_difference_pp", title: str = ""):
    """Every difference in ``measure`` (adjusted when there is one, else crude) with its
    interval, one row per comparison in rank order; hidden values are drawn as '..'."""
    from matplotlib.figure import Figure

    from jamtools.present.plots import Plot
    from jamtools.present.report import MEASURES
    rows = _overview_rows(gaps_frame, measure)
    fig = Figure(figsize=(8, 1.2 + 0.45 * max(1, len(rows))))
    ax = fig.subplots()
    for i, (_, r, prefix, clear) in enumerate(rows):
        est = r[f"{prefix}_estimate"]
        if est is None or pd.isna(est):
            ax.text(0, i, "..", va="center", ha="center")
            continue
        ax.errorbar(est, i, xerr=[[est - r[f"{prefix}_ci_low"]], [r[f"{prefix}_ci_high"] - est]],
                    fmt="D" if clear else "o", color="#333333" if clear else "#999999",
                    capsize=3, markersize=6)
    ax.axvline(null_value(measure), color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([name for name, *_ in rows])
    ax.invert_yaxis()
    ax.set_xlabel(MEASURES.get(measure, measure))
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or "Alla skillnader med konfidensintervall")


def overview_alt(gaps_frame: pd.DataFrame, *, measure: str = "risk_difference_pp") -> str:
    """Alt text of :func:`overview_plot`: each comparison's estimate and interval, and whether
    it is clear ('..' when hidden)."""
    parts = [f"{name}: {_estimate(r, prefix)}{', tydlig' if clear else ''}"
             for name, r, prefix, clear in _overview_rows(gaps_frame, measure)]
    return ("Punktdiagram med konfidensintervall, i rangordning. " + "; ".join(parts) + ".") \
        if parts else "Inga skillnader i procentenheter att visa."


def describe(gaps_frame: pd.DataFrame, *, not_run=()) -> str:
    """The summary in Swedish sentences (Markdown): how many comparisons of each verdict, the
    clearest differences that remain after adjustment, and, when chapters were not run
    (``not_run``, see :func:`chapters_not_run`), that the summary says nothing about them.

    Only comparisons that were adjusted for something can have the verdict ``kvarstar``
    (:func:`rank`), so a run without adjustment never reads "bland lika ärenden".
    """
    from jamtools.present.report import label

    counts = gaps_frame["verdict"].value_counts()

    def n(key):
        return int(counts.get(key, 0))

    k = gaps_frame["question_id"].nunique()
    text = (f"Sammanställningen innehåller **{len(gaps_frame)} jämförelser** från {k} kapitel. "
            f"**{n('kvarstar')}** visar en tydlig skillnad som finns kvar efter justering, "
            f"**{n('tydlig')}** en tydlig skillnad där ingen justering gjordes, och "
            f"**{n('forsvinner')}** en tydlig rå skillnad som inte finns kvar efter justering. "
            f"I **{n('otydlig')}** kan data inte skilja skillnaden från slumpen, och **{n('dold')}** "
            "kan inte visas alls på grund av röjandekontrollen.")
    top = gaps_frame[gaps_frame["verdict"] == "kvarstar"].head(5)
    if len(top):
        text += "\n\nDe tydligaste skillnaderna som finns kvar efter justering:\n\n" + "\n".join(
            f"- {r['question']}: {label(r['outcome']).replace('_', ' ')}, {r['comparison']}, "
            f"{_estimate(r, 'adjusted')}" for _, r in top.iterrows())
    if not_run:
        text += ("\n\nSammanställningen gäller bara kapitlen som ingår i körningen: "
                 f"{len(list(not_run))} kapitel saknas (se ovan), och att de saknas betyder inte "
                 "att det saknas skillnader där.")
    return text


def action_plan(gaps_frame: pd.DataFrame) -> pd.DataFrame:
    """A table for the verksamhet to fill in: one row per clear difference (remaining, clear
    without adjustment, or clear only before adjustment) with what was seen, and empty columns
    for goal, measure, who is responsible and how it will be followed up."""
    from jamtools.present.report import label
    keep = gaps_frame[gaps_frame["verdict"].isin(["kvarstar", "tydlig", "forsvinner"])]
    rows = []
    for _, r in keep.iterrows():
        prefix = "adjusted" if r["verdict"] == "kvarstar" else "crude"
        rows.append({
            "Fråga": r["question"],
            "Kapitel": r["question_id"],
            "Vad analysen visar": f"{label(r['outcome']).replace('_', ' ')}, {r['comparison']}: "
                                  f"{_estimate(r, prefix)}; {VERDICTS[r['verdict']].lower()}",
            "Mål": "", "Åtgärd": "", "Ansvarig": "",
            "Uppföljning": f"Kör kapitlet {r['question_id']} igen på nya data",
        })
    return pd.DataFrame(rows, columns=["Fråga", "Kapitel", "Vad analysen visar", "Mål", "Åtgärd",
                                       "Ansvarig", "Uppföljning"])


#: The action plan's file, next to the chapter's results file (semicolons, UTF-8 with BOM, so
#: that Excel opens it).
ACTION_PLAN_FILE = "r4_05_handlingsplan.csv"


def write_action_plan(plan: pd.DataFrame, results_path: str | Path | None) -> Path | None:
    """Write the action plan as :data:`ACTION_PLAN_FILE` in the folder of ``results_path`` (the
    chapter's results file); nothing when the run writes no results. Returns the path."""
    if results_path is None:
        return None
    path = Path(results_path).with_name(ACTION_PLAN_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    plan.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return path


NO_RESULTS_TEXT = ("Inga resultat från andra kapitel hittades. Kapitlet sammanfattar en hel "
                   "körning: kör `python -m jamtools run` så att kapitlen körs före det här.")


def answer(gaps_frame: pd.DataFrame) -> str:
    """*Svar i korthet*: how many comparisons, and how many show a clear difference that
    remains after adjustment, is clear where nothing was adjusted, or is clear only before
    adjustment."""
    if gaps_frame.empty:
        return ("Det finns inga jämförelser att sammanfatta: inga resultat från andra kapitel "
                "hittades i körningen.")
    n = gaps_frame["verdict"].value_counts()
    k = gaps_frame["question_id"].nunique()
    return (f"Av {len(gaps_frame)} jämförelser från {k} kapitel visar {int(n.get('kvarstar', 0))} en "
            f"tydlig skillnad som finns kvar efter justering och {int(n.get('tydlig', 0))} en tydlig "
            f"skillnad där ingen justering gjordes. {int(n.get('forsvinner', 0))} är tydliga bara "
            "före justering; resten kan data inte skilja från slumpen eller visa alls.")


def realise(ctx) -> Page:
    """r4_05: what does the analysis show, and what do we need to do?

    Reads the results files the other chapters of the run wrote (parameter ``results_dir``),
    ranks every comparison (:func:`rank`), and makes an action plan to fill in, one row per
    clear difference (:func:`action_plan`), which is also written as a CSV file next to the
    chapter's results file (:func:`write_action_plan`). The chapter makes no comparison of its
    own.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (``ctx.titles``: every chapter's question in book order).

    Returns
    -------
    Page
        Parts ``underlag`` (the chapters included and those not run), ``resultat`` (the summary
        in words), ``figur`` (every difference in percentage points), ``tabell`` (the ranked
        comparisons) and ``handlingsplan`` (the plan to fill in).
    """
    results_dir = ctx.extra.get("results_dir")
    own = [ctx.question_id]
    every = collect(results_dir, exclude=own)
    ranked = rank(every)
    ran = chapters_run(results_dir, ctx.titles, exclude=own)
    not_run = chapters_not_run(results_dir, ctx.titles, exclude=own)
    plan = action_plan(ranked)
    write_action_plan(plan, ctx.params.results_path)
    return Page(
        question_id=ctx.question_id,
        short_answer=answer(ranked),
        parts={
            "underlag": items(ctx.heading, NO_RESULTS_TEXT if not ran else None,
                              not_run_text(not_run, ctx.titles) or None,
                              chapters_table(every, ran, ctx.titles,
                                             caption="Kapitel vars resultat ingår")),
            "resultat": items(describe(ranked, not_run=not_run)),
            "figur": items(*figure(
                overview_plot(ranked, title="Skillnader mellan könen i alla kapitel (procentenheter)"),
                caption="Alla skillnader mellan könen som mäts i procentenheter, med den justerade "
                        "skattningen där en sådan finns och kapitlets konfidensintervall; svarta "
                        "romber är tydliga skillnader.",
                alt=overview_alt(ranked))),
            "tabell": items(table(ranked, caption="Alla jämförelser, rangordnade")),
            "handlingsplan": items(Table(plan, "Handlingsplan: mål och åtgärder för de tydliga "
                                               "skillnaderna")),
        })
