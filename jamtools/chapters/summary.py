"""The handbook's summary (4R: realisera): every difference the chapters found, once, with the
verdict the chapters themselves state.

Reads the results files a run wrote (``<out>/results/<id>.json``, already disclosed) and makes
one row per difference between the sexes.

**One verdict rule.** A difference is *clear* when the confidence interval its chapter stored
does not cover the value of no difference (0, or 1 for a ratio): the rule of
:func:`jamtools.present.sentences.direction`, which every chapter page's sentences use on the same
interval. The summary makes no new test and no new adjustment for the many comparisons it
gathers (no Holm over the summary), so its verdict on a comparison is always the verdict of the
chapter's own page; where a chapter makes many comparisons, its interval is already widened
(simultaneous intervals, stated in its results as ``conf_level``). The summary shows that
interval, with its level, beside every verdict, and no p-value: a p-value adjusted in another
way could contradict the interval, and a reader needs only the number the verdict follows. The
verdicts (:data:`VERDICTS`) combine the crude and the adjusted interval: clear even among alike
cases (adjusted interval clear), clear where nothing was adjusted, clear only before adjustment,
not clear, or hidden by disclosure control.

**One row per finding.** Some chapters show a difference another chapter shows (the 4R chapters
re-present the family chapters; a process map repeats its steps' chapters). Two chapters' rows are
the same finding when they compare the same outcome of the same groups with the same measure in
the same rows: equal numbers in each group and an equal crude estimate (to 6 decimals), or, with
no crude estimate, an equal adjusted estimate with the same adjustment (:func:`merge_findings`).
The row shown is the first chapter's in book order that has an adjusted estimate (else the
first); the row lists every chapter that shows the finding, and notes a chapter whose own
interval gives another verdict (a wider simultaneous interval, or other covariates).

**What the page shows.** The answer in counts that equal the full table's; the chapters included
and those not run (with the reason, from the run's check), so a short summary is never read as
"no gaps elsewhere"; the few clearest differences that remain among alike cases (a short table
and a figure that reads at phone width); and the full table and the action plan as downloads
(XLSX and CSV for Swedish Excel, :mod:`jamtools.present.downloads`) instead of page-long tables.
Every text a reader sees is Swedish: chapter titles, outcome and covariate labels
(:mod:`jamtools.present.report`), never an id or a code.

:func:`realise` is the chapter ``r4_05_realisera`` as a :class:`~jamtools.present.page.Page`; the
chapters' titles and book order come from the run (``ctx.titles``), never from the run layer
itself.
"""
from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from jamtools.present import downloads
from jamtools.present import results as results_mod
from jamtools.present.page import Page, figure, items
from jamtools.present.report import (COLUMN_LABELS, MEASURES, SEX_LABELS, TABLE_LABELS, Table, covariates_text,
                                     label, number)
from jamtools.present.sentences import direction

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
    "ej_beraknad": "Kan inte beräknas med dessa data",
}

#: The verdicts that call for a goal in the action plan.
CLEAR = ("kvarstar", "tydlig", "forsvinner")

COLUMNS = ["question_id", "question", "chapters", "chapter_titles", "outcome", "comparison",
           "group_a", "group_b", "measure", "null_value",
           "crude_estimate", "crude_ci_low", "crude_ci_high", "crude_conf",
           "adjusted_estimate", "adjusted_ci_low", "adjusted_ci_high", "adjusted_conf",
           "adjusted_for", "n_a", "n_b", "verdict", "strength", "note", "rank"]

#: What identifies one comparison across its measures: "flicka − pojke" and "flicka / pojke"
#: are one comparison, "kvinna − man (2020)" and "kvinna − man (2021)" two.
KEYS = ["question_id", "outcome", "group_a", "group_b", "_comparison"]

#: The columns of the full table (the download), in Swedish.
TABLE_COLUMNS = ["Rang", "Utfall", "Jämförelse", "Mått",
                 "Rå skattning", "Rå: nedre gräns", "Rå: övre gräns", "Rå: konfidensnivå (%)",
                 "Justerad skattning", "Justerad: nedre gräns", "Justerad: övre gräns",
                 "Justerad: konfidensnivå (%)", "Justerat för", "Bedömning", "Kapitel",
                 "Anmärkning"]

#: The columns of the action plan (the download), in Swedish.
PLAN_COLUMNS = ["Kapitel", "Vad analysen visar", "Bedömning", "Mål", "Åtgärd", "Ansvarig",
                "Uppföljning"]

#: The downloads' file names (without suffix), in :data:`jamtools.present.downloads.FOLDER`.
TABLE_FILE = "sammanstallning"
PLAN_FILE = "handlingsplan"

#: How many differences the page's short list and figure show.
TOP = 8

NO_RESULTS_TEXT = ("Inga resultat från andra kapitel hittades. Kapitlet sammanfattar en hel "
                   "körning: kör handboken med kommandot för en hel körning (se kapitlet *Kör "
                   "handboken på egna data*), så att kapitlen körs före det här.")


# --- reading the run ---------------------------------------------------------------------------

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
            rows.append({"question_id": res["question_id"], "question": res["question"],
                         "conf_level": res["conf_level"], **comp})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["question_id", "question", "outcome", "comparison", "measure",
                                     "estimate", "ci_low", "ci_high", "conf_level", "p_value",
                                     "adjusted", "adjusted_for", "suppressed"])
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


#: Why a chapter has no results when the run's check said it could run (or there is no check).
NOT_IN_RUN = "ingick inte i körningen, eller avbröts (se körningens logg)"
#: ... when the run was limited to some chapters (``--only``) and this one was not among them.
NOT_SELECTED = "valdes inte ut: körningen gällde bara några av kapitlen"
#: ... when the run's check let the chapter run, it was in the run, and it left no results.
STOPPED = "avbröts med ett fel (se körningens logg)"


def not_run_reasons(results_dir: str | Path | None, not_run: Sequence[str]) -> dict[str, str]:
    """Why each chapter of ``not_run`` has no results, in Swedish.

    The run's input check (``check.json`` beside the results folder, written before any chapter
    runs) says which chapters the data cannot answer and what they lack; its table and column
    names are put in words (:func:`words`). A chapter the check let run but that left no results
    was not asked for in this run (``--only``: the check's ``scope`` lacks it) or stopped with an
    error (it was in the run); without the check, either.

    Parameters
    ----------
    results_dir : str, Path or None
        The run's results folder; its parent holds ``check.json``.
    not_run : sequence of str
        Question ids (:func:`chapters_not_run`).

    Returns
    -------
    dict of str to str
        The reason of each id, starting in lower case.
    """
    check, scope, known = {}, None, False
    path = Path(results_dir).parent / "check.json" if results_dir is not None else None
    if path is not None and path.is_file():
        try:
            whole = json.loads(path.read_text(encoding="utf-8"))
            check, scope, known = whole.get("chapters", {}), whole.get("scope"), True
        except (ValueError, OSError, AttributeError):
            check, scope, known = {}, None, False
    out = {}
    for q in not_run:
        entry = check.get(q) or {}
        if entry.get("status") == "kan_inte_koras":
            missing = "; ".join(words(m, tables=True) for m in entry.get("missing", []))
            out[q] = f"data saknas: {missing}" if missing else "data saknas"
        elif isinstance(scope, list) and q not in scope:
            out[q] = NOT_SELECTED
        elif known and entry:
            out[q] = STOPPED
        else:
            out[q] = NOT_IN_RUN
    return out


def not_run_text(not_run, titles: Mapping[str, str], reasons: Mapping[str, str] | None = None) -> str:
    """The Swedish paragraph that names the chapters not in the summary (their questions from
    ``titles``, each with its reason from ``reasons`` when given), so that a short summary is
    never read as "no differences elsewhere". Empty when none."""
    if not not_run:
        return ""
    reasons = reasons or {}
    lines = "\n".join(f"- {titles.get(q, q)}" + (f" ({reasons[q]})" if q in reasons else "")
                      for q in not_run)
    return (f"**Kapitel som inte ingår: {len(not_run)}** (de kördes inte i den här körningen). "
            "Sammanställningen säger ingenting om skillnader i de frågorna, och att de saknas "
            "betyder inte att det saknas skillnader där:\n\n" + lines)


# --- the words a reader sees -------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-zÅÄÖåäö0-9]+(?:_[A-Za-zÅÄÖåäö0-9]+)*")
_EXTRA_WORDS = {"kon": "kön"}


def _lower(text: str) -> str:
    """A label in running text: 'Född i Sverige' -> 'född i Sverige', 'ADL-beroende' kept."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def words(text: str, *, tables: bool = False) -> str:
    """``text`` with the data model's codes in words: sexes in the plural ('kvinna − man' ->
    'kvinnor − män'), values and columns by their labels (:func:`jamtools.present.report.label`),
    with ``tables`` also table names ('bof_utredningar' -> 'utredningar om barn'). A code with no
    label is left as it is (the tests find it)."""
    def sub(m):
        tok = m.group(0)
        if tok in SEX_LABELS:
            return SEX_LABELS[tok]
        if tables and tok in TABLE_LABELS:
            return TABLE_LABELS[tok]
        if tok in _EXTRA_WORDS:
            return _EXTRA_WORDS[tok]
        shown = label(tok)
        return _lower(shown) if shown != tok else tok
    return _TOKEN.sub(sub, str(text))


_SHARE = re.compile(r"^andel_([a-z]+)_(.+)$")


def outcome_text(outcome: str) -> str:
    """An outcome's label with a capital: 'sjalvforsorjande' -> 'Självförsörjande'; a share of
    one sex in a table ('andel_kvinna_ht_beslut', the representation chapter's) -> 'Andel
    kvinnor, beslut om hemtjänst'."""
    share = _SHARE.match(str(outcome))
    if share and share.group(1) in SEX_LABELS and str(outcome) not in COLUMN_LABELS:
        table = share.group(2)
        shown = f"andel {SEX_LABELS[share.group(1)]}, " + (
            label(table) if label(table) != table else TABLE_LABELS.get(table, table))
    else:
        shown = label(outcome)
    return shown[:1].upper() + shown[1:]


def finding_text(row) -> str:
    """What a row compares, in Swedish: 'Självförsörjande: kvinnor − män'."""
    return f"{outcome_text(row['outcome'])}: {words(row['comparison'])}"


def measure_text(measure: str) -> str:
    """The measure's Swedish name (:data:`jamtools.present.report.MEASURES`)."""
    return MEASURES.get(measure, measure)


# --- the one verdict rule ----------------------------------------------------------------------

def is_clear(low, high, *, null: float = 0.0) -> bool:
    """The handbook's one rule: the interval does not cover ``null``
    (:func:`jamtools.present.sentences.direction` is not ``"oklar"``)."""
    return direction(low, high, null=null) != "oklar"


def _present(value) -> bool:
    return value is not None and not pd.isna(value)


def verdict_of(row, *, suppressed: bool = True) -> str:
    """The verdict key of a summary row (:data:`VERDICTS`) from its crude and adjusted
    intervals, by :func:`is_clear` only. A row without any estimate is ``"dold"`` when the
    disclosure control hid it (``suppressed``), else ``"ej_beraknad"`` (a group absent, nobody
    or everybody with the outcome: the chapter says why)."""
    null = row["null_value"]
    has_adj = _present(row["adjusted_estimate"])
    has_crude = _present(row["crude_estimate"])
    if not has_adj and not has_crude:
        return "dold" if suppressed else "ej_beraknad"
    if has_adj:
        if is_clear(row["adjusted_ci_low"], row["adjusted_ci_high"], null=null):
            return "kvarstar"
        if has_crude and is_clear(row["crude_ci_low"], row["crude_ci_high"], null=null):
            return "forsvinner"
        return "otydlig"
    return "tydlig" if is_clear(row["crude_ci_low"], row["crude_ci_high"], null=null) else "otydlig"


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
    """|estimate − null| in standard errors (on the log scale for ratios), from the interval
    (a 95 % interval's half-width is 1.96 standard errors)."""
    if any(v is None or pd.isna(v) for v in (estimate, low, high)):
        return math.nan
    if ratio:
        if min(estimate, low, high) <= 0:
            return math.nan
        estimate, low, high, null = map(math.log, (estimate, low, high, null))
    se = (high - low) / (2 * 1.959963984540054)
    return abs(estimate - null) / se if se > 0 else math.nan


def _value(part: pd.DataFrame, col: str):
    if not len(part) or col not in part:
        return None
    v = part[col].iloc[0]
    return None if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else v


def per_chapter(every: pd.DataFrame) -> pd.DataFrame:
    """One row per (chapter, outcome, groups compared) in the chapter's primary measure
    (:data:`PRIMARY`), with its crude and adjusted estimate and interval and the verdict of
    :func:`verdict_of`; before :func:`merge_findings`."""
    if not every.empty:
        every = every[every["measure"].map(is_gap_measure)]
    if every.empty:
        return pd.DataFrame(columns=[c for c in COLUMNS if c != "rank"])
    every = every.assign(_comparison=every["comparison"].astype(str).str.replace(" / ", " − ",
                                                                                 regex=False))
    if "conf_level" not in every:
        every = every.assign(conf_level=0.95)
    chosen = _primary(every)
    out = []
    for (qid, outcome, _, _, _), g in chosen.groupby(KEYS, sort=False):
        measure, comparison = g["measure"].iloc[0], g["comparison"].iloc[0]
        real = adjusted_mask(g)
        # A row marked adjusted with nothing adjusted for is a crude comparison; a true crude
        # row is preferred to it.
        crude = g[~real].sort_values("adjusted", key=lambda c: c.fillna(False).astype(bool),
                                     kind="stable").head(1)
        adj = g[real].head(1)
        row = {"question_id": qid, "question": g["question"].iloc[0], "outcome": outcome,
               "comparison": comparison, "group_a": g["group_a"].iloc[0],
               "group_b": g["group_b"].iloc[0], "measure": measure,
               "null_value": null_value(measure)}
        for prefix, part in (("crude", crude), ("adjusted", adj)):
            for col in ("estimate", "ci_low", "ci_high"):
                row[f"{prefix}_{col}"] = _value(part, col)
            row[f"{prefix}_conf"] = _value(part, "conf_level") if len(part) else None
        row["adjusted_for"] = list(adj["adjusted_for"].iloc[0]) if len(adj) else []
        for side in ("n_a", "n_b"):
            row[side] = _value(crude, side) if _value(crude, side) is not None else _value(adj, side)
        chosen_rows = pd.concat([crude, adj])
        hidden = ("suppressed" not in chosen_rows
                  or bool(chosen_rows["suppressed"].fillna(True).astype(bool).any()))
        row["verdict"] = verdict_of(row, suppressed=hidden)
        prefix = "adjusted" if _present(row["adjusted_estimate"]) else "crude"
        row["strength"] = _strength(row[f"{prefix}_estimate"], row[f"{prefix}_ci_low"],
                                    row[f"{prefix}_ci_high"], row["null_value"],
                                    measure.endswith("ratio"))
        row["chapters"] = [qid]
        row["chapter_titles"] = [row["question"]]
        row["note"] = ""
        out.append(row)
    return pd.DataFrame(out)


def finding_key(row) -> tuple | None:
    """What makes two chapters' rows one finding: the same outcome, groups, comparison and
    measure in the same rows (equal group sizes) with an equal crude estimate (6 decimals), or,
    without one, an equal adjusted estimate with the same adjustment. None for a row with no
    estimate at all (hidden: it cannot be matched)."""
    base = (row["outcome"], row["group_a"], row["group_b"],
            str(row["comparison"]).replace(" / ", " − "), row["measure"],
            row.get("n_a"), row.get("n_b"))
    if _present(row["crude_estimate"]):
        return (*base, "crude", round(float(row["crude_estimate"]), 6))
    if _present(row["adjusted_estimate"]):
        return (*base, "adjusted", round(float(row["adjusted_estimate"]), 6),
                tuple(sorted(row["adjusted_for"])))
    return None


def _parts_agree(a, b) -> bool:
    """Whether two rows of one finding say the same of every part both have (crude, adjusted)."""
    for prefix in ("crude", "adjusted"):
        if _present(a[f"{prefix}_estimate"]) and _present(b[f"{prefix}_estimate"]):
            if is_clear(a[f"{prefix}_ci_low"], a[f"{prefix}_ci_high"], null=a["null_value"]) != \
                    is_clear(b[f"{prefix}_ci_low"], b[f"{prefix}_ci_high"], null=b["null_value"]):
                return False
    return True


def merge_findings(rows: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per finding (:func:`finding_key`): the first chapter's row in book order that has
    an adjusted estimate (else the first), listing every chapter that shows the finding.

    Parameters
    ----------
    rows : pandas.DataFrame
        :func:`per_chapter`.
    order : sequence of str, optional
        The chapters in book order (``ctx.titles``); by id when not given.

    Returns
    -------
    pandas.DataFrame
        ``chapters``/``chapter_titles`` list the chapters (shown row first); ``note`` says in
        Swedish which chapter's own interval gives another verdict, if any.
    """
    if rows.empty:
        return rows
    position = {q: k for k, q in enumerate(order or [])}
    rows = rows.assign(_pos=rows["question_id"].map(lambda q: (position.get(q, len(position)), q)))
    rows = rows.sort_values("_pos", kind="stable")
    groups: dict = {}
    for idx, row in rows.iterrows():
        key = finding_key(row)
        groups.setdefault(key if key is not None else ("_alone", idx), []).append(row)
    out = []
    for members in groups.values():
        shown = next((m for m in members if _present(m["adjusted_estimate"])), members[0])
        others = [m for m in members if m is not shown]
        row = shown.copy()
        row["chapters"] = [shown["question_id"], *(m["question_id"] for m in others)]
        row["chapter_titles"] = [shown["question"], *(m["question"] for m in others)]
        differ = [m for m in others if not _parts_agree(shown, m)]
        row["note"] = "; ".join(
            f"i kapitlet »{m['question']}« är bedömningen: {VERDICTS[m['verdict']].lower()} "
            "(ett annat intervall eller en annan justering)" for m in differ)
        out.append(row)
    return pd.DataFrame(out).drop(columns="_pos")


def rank(every: pd.DataFrame, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """The ranked summary: one row per finding (:func:`per_chapter`, :func:`merge_findings`)
    with its crude and adjusted estimate and interval, a verdict (a key of :data:`VERDICTS`,
    by :func:`verdict_of`) and the strength of the evidence (distance from no difference in
    standard errors).

    Rows are ranked by verdict (in the order of :data:`VERDICTS`), then by strength: how sure,
    not how large (measures in percentage points, hours and ratios cannot be compared by size).
    Intervals are the chapters' own (some chapters use simultaneous intervals).
    """
    rows = merge_findings(per_chapter(every), order)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    ranks = {v: k for k, v in enumerate(VERDICTS)}
    frame = (rows.assign(_v=rows["verdict"].map(ranks), _s=-rows["strength"].astype(float).fillna(-1.0))
             .sort_values(["_v", "_s", "question_id", "outcome"], kind="stable")
             .drop(columns=["_v", "_s"]).reset_index(drop=True))
    frame["rank"] = range(1, len(frame) + 1)
    return frame[COLUMNS]


def gaps(results_dir: str | Path | None, *, exclude=(), order: Sequence[str] | None = None
         ) -> pd.DataFrame:
    """:func:`rank` of :func:`collect`: the ranked summary of the results files in a folder."""
    return rank(collect(results_dir, exclude=exclude), order=order)


# --- numbers as shown --------------------------------------------------------------------------

def _base_decimals(measure: str) -> int:
    return 1 if measure.endswith(("_pp", "difference")) else 2


def decimals(measure: str, low, high, *, null: float) -> int:
    """The decimals to show an interval of ``measure`` with: 1 for differences, 2 for ratios,
    more when rounding would put a limit on the value of no difference or on its other side
    (−0,04 is shown as −0,04, not −0,0), so that the numbers shown always agree with the
    verdict (at most 4)."""
    d = _base_decimals(measure)
    for v in (low, high):
        if not _present(v) or v == null:
            continue
        while d < 4 and (round(float(v), d) - null) * (float(v) - null) <= 0:
            d += 1
    return d


def _conf_text(conf) -> str:
    if not _present(conf):
        conf = 0.95
    pct = 100 * float(conf)
    return number(pct, 0 if abs(pct - round(pct)) < 0.05 else 1)


def interval_text(row, prefix: str) -> str:
    """'−4,6 (98,3 % KI −8,8 till −0,4)': the estimate with its chapter's interval and level;
    'visas inte' when hidden, '–' when there is none."""
    est = row[f"{prefix}_estimate"]
    if not _present(est):
        if prefix == "adjusted" and not row["adjusted_for"]:
            return "–"
        return "visas inte (röjandekontroll)"
    lo, hi = row[f"{prefix}_ci_low"], row[f"{prefix}_ci_high"]
    d = decimals(row["measure"], lo, hi, null=row["null_value"])
    signed = row["measure"].endswith(("_pp", "difference"))
    ci = (f"{_conf_text(row[f'{prefix}_conf'])} % KI {number(lo, d)} till {number(hi, d)}"
          if _present(lo) and _present(hi) else "intervallet visas inte")
    return f"{number(est, d, signed=signed)} ({ci})"


def _rounded(row, prefix: str) -> tuple:
    est, lo, hi = (row[f"{prefix}_{c}"] for c in ("estimate", "ci_low", "ci_high"))
    if not _present(est):
        return (math.nan, math.nan, math.nan, math.nan)
    d = decimals(row["measure"], lo, hi, null=row["null_value"])
    conf = row[f"{prefix}_conf"]
    return tuple(round(float(v), d) if _present(v) else math.nan for v in (est, lo, hi)) + (
        round(100 * float(conf if _present(conf) else 0.95), 1),)


# --- what the page shows -----------------------------------------------------------------------

def full_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """The full summary as a reader's frame (the download :data:`TABLE_FILE`): Swedish headers
    (:data:`TABLE_COLUMNS`), the numbers rounded as the page shows them, the chapters by title."""
    rows = []
    for _, r in ranked.iterrows():
        ce, cl, ch, cc = _rounded(r, "crude")
        ae, al, ah, ac = _rounded(r, "adjusted")
        rows.append({
            "Rang": int(r["rank"]), "Utfall": outcome_text(r["outcome"]),
            "Jämförelse": words(r["comparison"]), "Mått": measure_text(r["measure"]),
            "Rå skattning": ce, "Rå: nedre gräns": cl, "Rå: övre gräns": ch,
            "Rå: konfidensnivå (%)": cc,
            "Justerad skattning": ae, "Justerad: nedre gräns": al, "Justerad: övre gräns": ah,
            "Justerad: konfidensnivå (%)": ac,
            "Justerat för": covariates_text(r["adjusted_for"]) or "ingen justering",
            "Bedömning": VERDICTS[r["verdict"]],
            "Kapitel": "; ".join(r["chapter_titles"]),
            "Anmärkning": r["note"] or "",
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _whole_group(row) -> bool:
    """Whether a row compares the groups as a whole (not one period or subgroup of them)."""
    return str(row["comparison"]) in (f"{row['group_a']} − {row['group_b']}",
                                      f"{row['group_a']} / {row['group_b']}")


def top_rows(ranked: pd.DataFrame, n: int = TOP) -> tuple[pd.DataFrame, str]:
    """The page's short list: the ``n`` clearest differences that remain among alike cases
    (verdict ``kvarstar``, in rank order), or, in a run with no adjustment at all, the clearest
    differences without adjustment. Returns the rows and which verdict they have.

    One row per outcome and groups: the comparison of the groups as a whole when there is one
    among them, else the clearest (a gap per year or per subgroup is in the full table), so that
    one gap measured year by year does not fill the list."""
    for key in ("kvarstar", "tydlig"):
        rows = ranked[ranked["verdict"] == key]
        if len(rows):
            whole = rows.apply(_whole_group, axis=1).astype(bool)
            ident = rows["outcome"].astype(str) + "|" + rows["group_a"].astype(str) + "|" + \
                rows["group_b"].astype(str)
            keep = [i for i in rows.index
                    if whole[i] or not (whole & (ident == ident[i])).any()]
            rows = rows.loc[keep]
            rows = rows[~ident.loc[keep].duplicated()]
            return rows.head(n), key
    return ranked.head(0), "kvarstar"


def top_table(ranked: pd.DataFrame, n: int = TOP) -> Table:
    """The short list as a three-column table (fits a phone): what is compared, the estimate
    with its chapter's interval, and the chapters that show it."""
    rows, key = top_rows(ranked, n)
    prefix = "adjusted" if key == "kvarstar" else "crude"
    frame = pd.DataFrame([{
        "Skillnad": f"{k}. {finding_text(r)}. {measure_text(r['measure'])}"
                    + (f", justerat för {covariates_text(r['adjusted_for'])}" if prefix == "adjusted"
                       else ", utan justering") + ".",
        "Skattning (KI)": interval_text(r, prefix),
        "Kapitel": "; ".join(r["chapter_titles"]),
    } for k, (_, r) in enumerate(rows.iterrows(), start=1)],
        columns=["Skillnad", "Skattning (KI)", "Kapitel"])
    what = ("som finns kvar bland lika ärenden (justerad skattning)" if key == "kvarstar"
            else "utan justering (ingen justering kunde göras)")
    caption = (f"De {len(rows)} tydligaste skillnaderna {what}, med kapitlets konfidensintervall"
               if len(rows) else "Inga tydliga skillnader att lista")
    return Table(frame, caption, "Ordnade efter hur säker skillnaden är (avstånd från ingen "
                                 "skillnad i medelfel), inte efter storlek. KI = kapitlets eget "
                                 "konfidensintervall.", name="lista")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


#: The figure's width in inches and font size in points: at 110 dpi the image is about 380 px
#: wide; a phone 390 px wide shows it about 330 px wide (the page's margins), where the text is
#: still above 9 pt (12 px).
FIG_WIDTH, FONT = 3.4, 11


def _figure_label(k: int, row) -> str:
    """'1. Beviljade timmar: kvinnor − män', wrapped to the figure's width; the groups are never
    split over two lines."""
    text = f"{k}. {finding_text(row)}".replace(" − ", "\u00a0−\u00a0").replace(" / ", "\u00a0/\u00a0")
    return _wrap(text, 36)


def _tick_decimals(ticks) -> int:
    """The fewest decimals that show every tick exactly (0 for 20, 1 for 0.9, 2 for 0.75)."""
    for d in range(4):
        if all(abs(round(t, d) - t) < 1e-9 for t in ticks):
            return d
    return 4


def overview_plot(ranked: pd.DataFrame, n: int = TOP):
    """The short list (:func:`top_rows`) as a dot-and-interval plot for a phone.

    One panel per measure (percentage points, hours and ratios never share an axis); each row's
    label stands above its interval, so the plot keeps the figure's whole width; rows numbered
    as in the table; the value of no difference dashed. The panels are laid out in inches from
    the number of text lines, so that the text keeps its size whatever the number of rows."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, MaxNLocator

    from jamtools.present.plots import Plot, intervals, no_data_plot
    rows, key = top_rows(ranked, n)
    if rows.empty:
        return no_data_plot("Inga tydliga skillnader att visa")
    prefix = "adjusted" if key == "kvarstar" else "crude"
    numbered = [(k, r) for k, (_, r) in enumerate(rows.iterrows(), start=1)]
    measures = list(dict.fromkeys(r["measure"] for _, r in numbered))
    panels = [[(k, r) for k, r in numbered if r["measure"] == m] for m in measures]
    labels = {k: _figure_label(k, r) for k, r in numbered}
    xlabels = {m: _wrap(measure_text(m), 36) for m in measures}
    line = FONT * 1.35 / 72                      # one line of text, in inches
    rows_in = {k: (labels[k].count("\n") + 1 + 1.2) for k in labels}   # label lines + interval
    plot_h = [sum(rows_in[k] for k, _ in p) * line + 0.1 for p in panels]
    below = [(2.2 + xlabels[m].count("\n")) * line for m in measures]  # ticks and axis label
    top = 0.08
    height = sum(plot_h) + sum(below) + top * len(panels)
    fig = Figure(figsize=(FIG_WIDTH, height))
    y_top = height
    for measure, panel, h, b in zip(measures, panels, plot_h, below):
        y_top -= top
        ax = fig.add_axes((0.02, (y_top - h) / height, 0.96, h / height))
        y_top -= h + b
        y = 0.05 / line
        for k, r in panel:
            lines = labels[k].count("\n") + 1
            ax.text(0.01, y, labels[k], transform=ax.get_yaxis_transform(), ha="left", va="top",
                    fontsize=FONT, linespacing=1.15,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})
            y += lines + 0.6
            est, lo, hi = (float(r[f"{prefix}_{c}"]) for c in ("estimate", "ci_low", "ci_high"))
            intervals(ax, est, y, lo, hi, fmt="D", color="#333333", capsize=3, markersize=5)
            y += 0.6
        null = null_value(measure)
        ax.axvline(null, color="#888888", linestyle="--", linewidth=1)
        ax.set_ylim(h / line, 0.0)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        lo = min(min(float(r[f"{prefix}_ci_low"]) for _, r in panel), null)
        hi = max(max(float(r[f"{prefix}_ci_high"]) for _, r in panel), null)
        pad = 0.06 * (hi - lo or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        ticks = [t for t in MaxNLocator(5, steps=[1, 2, 5, 10]).tick_values(lo - pad, hi + pad) if lo - pad <= t <= hi + pad]
        d = _tick_decimals(ticks)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.set_xticklabels([number(t, d) for t in ticks], fontsize=FONT)
        ax.set_xlabel(xlabels[measure], fontsize=FONT)
    return Plot(fig, "")


def overview_caption(ranked: pd.DataFrame, n: int = TOP) -> str:
    """Caption of :func:`overview_plot`: the differences it shows as :func:`top_rows` chose
    them (those that remain among alike cases, or, in a run with no adjustment, those without
    adjustment), as the table and the alt text say it."""
    rows, key = top_rows(ranked, n)
    if rows.empty:
        return "Ingen skillnad var tydlig i körningen, så figuren visar inga skillnader."
    what = ("som finns kvar bland lika ärenden" if key == "kvarstar"
            else "utan justering (ingen justering kunde göras)")
    return (f"De tydligaste skillnaderna {what}, numrerade som i tabellen, med kapitlets "
            "konfidensintervall; ett diagram per mått.")


def overview_alt(ranked: pd.DataFrame, n: int = TOP) -> str:
    """Alt text of :func:`overview_plot`: what it shows, then each row's estimate and interval
    in the table's order."""
    rows, key = top_rows(ranked, n)
    if rows.empty:
        return "Figuren visar inga skillnader: ingen skillnad var tydlig i körningen."
    prefix = "adjusted" if key == "kvarstar" else "crude"
    what = ("som finns kvar bland lika ärenden" if key == "kvarstar" else "utan justering")
    parts = [f"{k}. {finding_text(r)}, {measure_text(r['measure']).lower()}: "
             f"{interval_text(r, prefix)}" for k, (_, r) in enumerate(rows.iterrows(), start=1)]
    return (f"Punktdiagram med konfidensintervall över de {len(rows)} tydligaste skillnaderna "
            f"{what}, i samma ordning som tabellen; en streckad linje markerar ingen skillnad. "
            + "; ".join(parts) + ".")


def chapters_table(ranked: pd.DataFrame, ran, titles: Mapping[str, str], *,
                   caption: str = "Kapitel vars resultat ingår") -> Table:
    """The chapters that ran, each with how many of the summary's findings it shows (a finding
    several chapters show counts in each of them, once in the summary)."""
    shown = pd.Series([q for qs in ranked["chapters"] for q in qs], dtype=object).value_counts() \
        if len(ranked) else pd.Series(dtype=int)
    frame = pd.DataFrame({"Kapitel": [titles.get(q, q) for q in ran],
                          "Jämförelser": [int(shown.get(q, 0)) for q in ran]})
    return Table(frame, caption, "En jämförelse som flera kapitel visar räknas i vart och ett "
                                 "av dem här, men bara en gång i sammanställningen.",
                 name="kapitel")


def counts(ranked: pd.DataFrame, ran: Sequence[str] = ()) -> dict:
    """The numbers the text states, from the table itself: comparisons (rows), per verdict,
    chapters with at least one comparison, chapters that ran without one, findings shown by
    more than one chapter."""
    with_rows = {q for qs in ranked["chapters"] for q in qs} if len(ranked) else set()
    by = ranked["verdict"].value_counts() if len(ranked) else pd.Series(dtype=int)
    return {"rows": len(ranked), **{k: int(by.get(k, 0)) for k in VERDICTS},
            "chapters": len(with_rows), "ran": len(ran),
            "without": [q for q in ran if q not in with_rows],
            "shared": int(sum(len(qs) > 1 for qs in ranked["chapters"])) if len(ranked) else 0}


def describe(ranked: pd.DataFrame, *, not_run=(), ran: Sequence[str] = (),
             titles: Mapping[str, str] | None = None) -> str:
    """The summary in Swedish sentences (Markdown): how many comparisons of each verdict (the
    counts of the full table), the rule behind the verdicts, the findings several chapters show,
    the chapters that gave no comparison and, when chapters were not run (``not_run``), that the
    summary says nothing about them.

    Only comparisons that were adjusted for something can have the verdict ``kvarstar``
    (:func:`verdict_of`), so a run without adjustment never reads "bland lika ärenden".
    """
    c = counts(ranked, ran)
    titles = titles or {}
    text = (f"Sammanställningen innehåller **{c['rows']} jämförelser** mellan könen från "
            f"{c['chapters']} kapitel. **{c['kvarstar']}** visar en tydlig skillnad som finns kvar "
            f"bland lika ärenden (efter justering), **{c['tydlig']}** en tydlig skillnad där ingen "
            f"justering gjordes, och **{c['forsvinner']}** en tydlig rå skillnad som inte finns "
            f"kvar efter justering. I **{c['otydlig']}** kan data inte skilja skillnaden från "
            f"slumpen, och **{c['dold']}** kan inte visas alls på grund av röjandekontrollen."
            + (f" **{c['ej_beraknad']}** kan inte beräknas med dessa data (till exempel när det "
               "ena könet saknas, eller när ingen eller alla har utfallet); kapitlet säger varför."
               if c["ej_beraknad"] else ""))
    text += ("\n\nEn skillnad är tydlig när kapitlets konfidensintervall inte omfattar noll (för "
             "kvoter: ett). Det är samma regel och samma intervall som på kapitlets egen sida, så "
             "bedömningen här är alltid densamma som där.")
    if c["shared"]:
        text += (f" {c['shared']} av jämförelserna visas i mer än ett kapitel; de räknas en gång, "
                 "med alla kapitel som visar dem.")
    if c["without"]:
        names = "; ".join(titles.get(q, q) for q in c["without"])
        text += (f"\n\n{len(c['without'])} av de {c['ran']} kapitel som kördes ger ingen "
                 f"jämförelse av det här slaget (de beskriver eller granskar i stället): {names}")
    if not_run:
        text += ("\n\nSammanställningen gäller bara kapitlen som ingår i körningen: "
                 f"{len(list(not_run))} kapitel saknas (se underlaget), och att de saknas betyder "
                 "inte att det saknas skillnader där.")
    return text


def answer(ranked: pd.DataFrame, *, not_run=()) -> str:
    """*Svar i korthet*: how many comparisons, and how many show a clear difference that
    remains among alike cases, is clear where nothing was adjusted, or is clear only before
    adjustment; and how many chapters are missing."""
    if ranked.empty:
        return ("Det finns inga jämförelser att sammanfatta: inga resultat från andra kapitel "
                "hittades i körningen.")
    c = counts(ranked)
    text = (f"Av {c['rows']} jämförelser mellan könen från {c['chapters']} kapitel visar "
            f"{c['kvarstar']} en tydlig skillnad som finns kvar bland lika ärenden och "
            f"{c['tydlig']} en tydlig skillnad där ingen justering gjordes. {c['forsvinner']} är "
            "tydliga bara före justering; resten kan data inte skilja från slumpen eller visa alls.")
    if not_run:
        text += (f" {len(list(not_run))} kapitel kördes inte och ingår inte; sammanställningen "
                 "säger ingenting om dem.")
    return text


def action_plan(ranked: pd.DataFrame) -> pd.DataFrame:
    """A table for the verksamhet to fill in (the download :data:`PLAN_FILE`): one row per clear
    finding (:data:`CLEAR`) with what was seen, and empty columns for goal, measure and who is
    responsible; the follow-up is to run the same chapters again on new data."""
    keep = ranked[ranked["verdict"].isin(CLEAR)]
    rows = []
    for _, r in keep.iterrows():
        adjusted = f"justerat för {covariates_text(r['adjusted_for'])}: {interval_text(r, 'adjusted')}"
        crude = f"utan justering: {interval_text(r, 'crude')}"
        seen = {"kvarstar": adjusted, "tydlig": crude, "forsvinner": f"{crude}; {adjusted}"}
        rows.append({
            "Kapitel": "; ".join(r["chapter_titles"]),
            "Vad analysen visar": f"{finding_text(r)}, {measure_text(r['measure']).lower()}, "
                                  f"{seen[r['verdict']]}",
            "Bedömning": VERDICTS[r["verdict"]],
            "Mål": "", "Åtgärd": "", "Ansvarig": "",
            "Uppföljning": "Kör samma kapitel igen på nya data och jämför",
        })
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def downloads_folder(ctx) -> Path | None:
    """Where the chapter's downloads go: :data:`jamtools.present.downloads.FOLDER` beside the
    executed notebook, in the run's layout (``<out>/results/<id>.json`` and the executed notebook
    in ``<out>/notebooks/``, where the book's staging takes the folder from); None when the
    chapter runs outside a run (no results file, or no such notebooks folder: an in-process test,
    or the notebook opened by hand), and then nothing is written.

    The run's layout, not the working folder, decides: papermill starts the kernel in
    ``<out>/notebooks`` but writes the executed notebook only at the end, so the working folder
    alone cannot tell a run from a notebook opened by hand in the repository."""
    results_path = getattr(ctx.params, "results_path", None)
    if results_path is None:
        return None
    notebooks = Path(results_path).resolve().parent.parent / "notebooks"
    return notebooks / downloads.FOLDER if notebooks.is_dir() else None


def _downloads_text(written: bool, n_rows: int, n_plan: int) -> tuple[str, str]:
    if not written:
        missing = ("Filerna skrivs när kapitlet körs som en del av en hel körning; i den här "
                   "körningen skrevs inga.")
        return missing, missing
    table = (f"Alla {n_rows} jämförelser, i rangordning:\n\n"
             + downloads.links(TABLE_FILE, "Hela tabellen"))
    plan = (f"En rad för var och en av de {n_plan} tydliga skillnaderna:\n\n"
            + downloads.links(PLAN_FILE, "Handlingsplanen"))
    return table, plan


def realise(ctx) -> Page:
    """r4_05: what does the analysis show, and what do we need to do?

    Reads the results files the other chapters of the run wrote (parameter ``results_dir``),
    ranks every finding once (:func:`rank`), and offers the full table (:func:`full_table`) and an
    action plan to fill in (:func:`action_plan`) as downloads (:func:`downloads_folder`). The
    chapter makes no comparison of its own.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (``ctx.titles``: every chapter's question in book order).

    Returns
    -------
    Page
        Parts ``underlag`` (the chapters included and those not run, with why), ``resultat`` (the
        summary in words), ``lista`` (the clearest differences that remain), ``figur`` (the same
        as a figure), ``tabell`` (the full table to download) and ``handlingsplan`` (the plan to
        download).
    """
    results_dir = ctx.extra.get("results_dir")
    own = [ctx.question_id]
    titles = dict(ctx.titles)
    ranked = rank(collect(results_dir, exclude=own), order=list(titles))
    ran = chapters_run(results_dir, titles, exclude=own)
    not_run = chapters_not_run(results_dir, titles, exclude=own)
    reasons = not_run_reasons(results_dir, not_run)
    table, plan = full_table(ranked), action_plan(ranked)
    folder = downloads_folder(ctx)
    if folder is not None:
        downloads.write_downloads(table, TABLE_FILE, folder, sheet="Sammanställning")
        downloads.write_downloads(plan, PLAN_FILE, folder, sheet="Handlingsplan")
    table_text, plan_text = _downloads_text(folder is not None, len(table), len(plan))
    return Page(
        question_id=ctx.question_id,
        short_answer=answer(ranked, not_run=not_run),
        parts={
            "underlag": items(ctx.heading, NO_RESULTS_TEXT if not ran else None,
                              not_run_text(not_run, titles, reasons) or None,
                              chapters_table(ranked, ran, titles) if ran else None),
            "resultat": items(describe(ranked, not_run=not_run, ran=ran, titles=titles)),
            "lista": items(top_table(ranked)),
            "figur": items(*figure(
                overview_plot(ranked),
                caption=overview_caption(ranked),
                alt=overview_alt(ranked), name="figur")),
            "tabell": items(table_text),
            "handlingsplan": items(plan_text),
        })


__all__ = ["PRIMARY", "VERDICTS", "CLEAR", "COLUMNS", "TABLE_COLUMNS", "PLAN_COLUMNS", "TOP",
           "is_gap_measure", "null_value", "overview_caption", "collect", "chapters_run", "chapters_not_run",
           "not_run_reasons", "not_run_text", "words", "outcome_text", "finding_text",
           "measure_text", "is_clear", "verdict_of", "adjusted_mask", "per_chapter",
           "finding_key", "merge_findings", "rank", "gaps", "decimals", "interval_text",
           "full_table", "top_rows", "top_table", "overview_plot", "overview_alt",
           "chapters_table", "counts", "describe", "answer", "action_plan", "downloads_folder",
           "realise"]
