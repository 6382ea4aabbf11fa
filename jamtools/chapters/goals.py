"""The 4R *resultat* question: are the service's goals reached as well for women as for men?

Two kinds of result, each a part of the chapter ``r4_03_resultat`` when the run has its table:

- **goal indicators per person** (:data:`GOALS`; by default ``eb_utfall``: self-sufficiency and
  movement towards it): the share who reached each goal by sex, the crude and the adjusted
  difference (:func:`jamtools.disclosure.analyses.binary_outcome`), with simultaneous intervals over the
  indicators. :func:`goal_spec` reads the chapter's parameters, :func:`load_outcomes` loads the
  table with the catalogue's columns and derives what the adjustment needs;
- **quality indicators** (``um_indikatorer``: numerator and denominator per month, indicator
  and sex): the share per indicator and sex over the period and the crude difference
  (:func:`quality_indicators`). The rows are counts, with no need to adjust for.

:func:`goals_reached` is the chapter ``r4_03_resultat`` as a :class:`~jamtools.present.page.Page`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import pandas as pd

from jamtools import disclosure, stats
from jamtools.data import load_table
from jamtools.data.derive import ADULT_AGE_GROUPS, CHILD_AGE_GROUPS, age_group, birth_country
from jamtools.data.model import ADULT_SEXES, CHILD_SEXES, TABLES
from jamtools.present import outcomes, parameters, plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.sentences import direction, not_shown, shares_alt, verdict

CHAPTER = "r4_03_resultat"

#: The goals per table: indicator column -> (name, the outcome in a sentence), and the columns
#: adjusted for (``fodelseland`` and ``aldersgrupp`` are derived from ``fodd_i_sverige`` and
#: ``alder`` when the table has them).
GOALS = {
    "eb_utfall": {
        "indikatorer": {"sjalvforsorjande": ("Självförsörjande inom uppföljningstiden",
                                             "till självförsörjning inom uppföljningstiden"),
                        "forflyttning": ("Förflyttning mot självförsörjning",
                                         "till förflyttning mot självförsörjning")},
        "justera_for": ["hushallstyp", "aldersgrupp", "fodelseland"],
    },
}
#: Derived covariates and the model column each comes from.
DERIVED = {"fodelseland": "fodd_i_sverige", "aldersgrupp": "alder"}


@dataclass
class GoalSpec:
    """Which table, which indicators (column -> (name, outcome text)), what to adjust for."""

    table: str
    indicators: dict
    adjust_for: list = field(default_factory=list)


def goal_spec(tabell: str = "eb_utfall", malindikatorer=None, justera_for=None) -> GoalSpec:
    """The chapter's goal indicators from its parameters (checked).

    Parameters
    ----------
    tabell : the table with one row per person and the indicators (default ``eb_utfall``): a
        table of the data model.
    malindikatorer : columns of ``tabell`` (1 when the goal was reached, else 0; one name or a
        list), or None for the table's own (:data:`GOALS`).
    justera_for : columns of ``tabell`` to adjust for (or :data:`DERIVED` ones; one name or a
        list), or None for the table's own.

    Raises
    ------
    ValueError
        Every problem of the three in one (:class:`jamtools.present.parameters.ParameterProblems`),
        each naming the parameter and saying what to write: a table not in the data model, a
        column the table does not have, or a table without known indicators when none are given.
    """
    problems = []
    if not isinstance(tabell, str) or tabell not in TABLES:
        problems.append(f"Parametern tabell = {tabell!r} ska vara en tabell i datamodellen med en rad "
                        f"per person och målindikatorerna som kolumner, till exempel {CATALOGUE_TABLE}. "
                        f"Tabellerna är: {', '.join(TABLES)}.")
        columns = None  # the columns named are then checked only for being names
    else:
        columns = [c.name for c in TABLES[tabell].columns]
    checked = {}
    for name, value, allowed in (
            ("malindikatorer", malindikatorer, columns),
            ("justera_for", justera_for,
             None if columns is None else [*columns, *(d for d, c in DERIVED.items() if c in columns)])):
        try:
            checked[name] = _columns(name, value, allowed, tabell)
        except ValueError as exc:
            problems.append(str(exc))
    parameters.raise_all(problems)
    goal = GOALS.get(tabell, {"indikatorer": {}, "justera_for": []})
    indicators = dict(goal["indikatorer"])
    if checked["malindikatorer"]:
        indicators = {c: indicators.get(c, (report.label(c).capitalize(), f"till {report.label(c)}"))
                      for c in checked["malindikatorer"]}
    if not indicators:
        raise ValueError(f"Tabellen {tabell!r} har inga kända målindikatorer: ange dem med "
                         "parametern malindikatorer (kolumner med 1 när målet nåddes, annars 0).")
    adjust = list(goal["justera_for"]) if checked["justera_for"] is None else list(checked["justera_for"])
    return GoalSpec(tabell, indicators, adjust)


def _columns(name: str, value, allowed: list[str] | None, table) -> list[str] | None:
    """A parameter that names columns of ``table``: None, one name or a list of names among
    ``allowed`` (any name when None: the table is not known); ValueError naming the parameter
    otherwise (:func:`jamtools.present.parameters.names`)."""
    if value is None:
        return None
    where = f"tabellen {table}" if isinstance(table, str) and table in TABLES else "tabellen"
    return parameters.names(name, value, allowed=allowed,
                            expected=f"en lista med kolumnnamn i {where}, eller None för tabellens egna",
                            unknown=f"nämner kolumner som {where} inte har",
                            choose=f"Kolumnerna är: {', '.join(allowed)}." if allowed else "")


#: The goal table the catalogue declares for the chapter (loaded with its declared columns).
CATALOGUE_TABLE = "eb_utfall"


def load_outcomes(ctx, spec: GoalSpec):
    """Load the goal table for ``spec`` for the chapter's run ``ctx`` (period, unit, age).

    The catalogue's table (``eb_utfall``) is loaded with its declared columns
    (``ctx.load_optional``, which also gives ``aldersgrupp`` from ``alder``); another table
    chosen with the parameter ``tabell`` is loaded with the indicators as required columns and
    the covariates as optional ones, and its ``aldersgrupp`` derived here
    (:func:`jamtools.data.derive.age_group`). ``fodelseland`` is derived from
    ``fodd_i_sverige``; rows missing an indicator or a covariate present are left out and
    counted. The table comes as a cell table (the result's ``weight`` names its counts).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
    spec : GoalSpec

    Returns
    -------
    (LoadResult or None, GoalSpec)
        The loaded rows (None when the run lacks the table or a required indicator) and
        ``spec`` with only the indicators the data have.
    """
    p = ctx.params
    kw = dict(period=p.period, unit=ctx.extra.get("enhet"),
              age=(ctx.extra.get("alder_min"), ctx.extra.get("alder_max")))
    if spec.table == CATALOGUE_TABLE:
        # (with the covariates justera_for chose, which the check's readiness reads too)
        loaded = ctx.load_optional(spec.table, also=tuple(DERIVED.get(c, c) for c in spec.adjust_for), **kw)
    else:
        sources = [DERIVED.get(c, c) for c in spec.adjust_for]
        # (missing, or an indicator unreadable: left out and said, as the check says)
        loaded = ctx.load_chosen(spec.table, load=load_table, columns=("kon", *spec.indicators), optional=sources,
                                 cells=True, **kw)
    if loaded is None:
        return None, spec
    derived = {}
    if "aldersgrupp" in spec.adjust_for and "aldersgrupp" not in loaded.data and loaded.has("alder"):
        groups = CHILD_AGE_GROUPS if loaded.table.sex_values == CHILD_SEXES else ADULT_AGE_GROUPS
        derived["aldersgrupp"] = age_group(loaded.data["alder"], **groups)
    if "fodelseland" in spec.adjust_for and loaded.has("fodd_i_sverige"):
        derived["fodelseland"] = birth_country(loaded.data["fodd_i_sverige"])
    if derived:
        loaded = loaded.with_data(loaded.data.assign(**derived))
    spec = replace(spec, indicators={c: v for c, v in spec.indicators.items() if loaded.has(c)})
    loaded = loaded.exclude(loaded.data[list(spec.indicators)].isna().any(axis=1),
                            "Uppgift om målindikatorn saknas")
    # the handbook's rule for blank covariates (a covariate blank on most rows is not used)
    present = adjusted_for(spec, loaded)
    loaded, kept = ctx.with_covariates(spec.table, loaded, present)
    spec = replace(spec, adjust_for=[c for c in spec.adjust_for if c in kept or c not in present])
    return loaded, spec


def adjusted_for(spec: GoalSpec, loaded) -> list[str]:
    """The covariates of ``spec`` the loaded table has (with at least one value)."""
    return [c for c in spec.adjust_for if loaded.has(c)]


@dataclass
class GoalResult:
    """Disclosed results per indicator, and the simultaneous confidence level used."""

    results: dict
    conf_level: float
    covariates: list
    nominal: float = 0.95


def goal_attainment(loaded, spec: GoalSpec, *, conf_level: float = 0.95,
                    threshold: int = disclosure.DEFAULT_THRESHOLD) -> GoalResult:
    """Per indicator: the shares by sex, the crude and (when the data have something to adjust
    for) the adjusted difference, with Bonferroni-simultaneous intervals over the indicators."""
    from jamtools.disclosure import analyses as analysis

    levels = tuple(loaded.table.sex_values)
    simultaneous = stats.bonferroni_level(conf_level, max(len(spec.indicators), 1))
    covariates = adjusted_for(spec, loaded)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small groups: the warning stands under each comparison
        results = {c: analysis.binary_outcome(loaded.data, c, covariates=covariates, levels=levels,
                                              conf_level=simultaneous, threshold=threshold,
                                              weight=loaded.weight)
                   for c in spec.indicators}
    return GoalResult(results, simultaneous, covariates, conf_level)


def goal_items(goal: GoalResult, spec: GoalSpec) -> tuple:
    """What the page shows for the goal indicators: the simultaneous level, each indicator in
    words, the shares (figure and table) and the differences (summary, figure and table)."""
    out: list = []
    k = len(spec.indicators)
    if k > 1:
        out.append(
            f"Med {report.number(100 * goal.nominal, 0)} procents säkerhet "
            f"för alla {k} indikatorer tillsammans är varje enskilt intervall ett "
            f"{report.conf_percent(goal.conf_level)}-procentigt intervall"
            + (" (avrundat)." if abs(100 * goal.conf_level - round(100 * goal.conf_level, 1)) > 1e-9
               else "."))
    for c, r in goal.results.items():
        name, text = spec.indicators[c]
        out.append(f"**{name}.** " + report.describe_binary(
            r.shares, r.comparisons, verb="ledde", outcome_text=text, unit_text="ärenden")
            .split("\n\nSiffrorna beskriver")[0])
    shares = disclosure.stack({spec.indicators[c][0]: r.shares for c, r in goal.results.items()},
                              "indikator")
    conf = report.conf_percent(goal.conf_level)
    out += figure(plots.shares_plot(shares, group="kon", by="indikator", title="Andel som nådde målet",
                                    xlabel="Andel av ärendena"),
                  caption=f"Andel ärenden där målet nåddes, per indikator och kön, med {conf} % "
                          "simultana konfidensintervall.",
                  alt=shares_alt(shares, what="Andel som nådde målet", by="indikator"), name="mal")
    out.append(report.share_table(shares, outcome_label="Andel som nådde målet",
                                  caption="Måluppfyllelse efter kön"))
    comparisons = disclosure.stack({spec.indicators[c][0]: r.comparisons
                                    for c, r in goal.results.items()}, "indikator")
    out.append(outcomes.summary(comparisons, "indikator"))
    rows = comparisons[comparisons["measure"] == "risk_difference_pp"]
    levels = list(dict.fromkeys(rows["group_a"].tolist() + rows["group_b"].tolist()))
    sexes = " − ".join(report.SEX_LABELS.get(x, x) for x in levels[:2])
    differences = outcomes.difference_rows(comparisons, "indikator", sexes=sexes)
    out += figure(plots.difference_plot(differences, label_by="rad",
                                        title=f"Skillnad i måluppfyllelse, {sexes}"),
                  caption=f"Skillnaden i måluppfyllelse, {sexes}, i procentenheter per indikator, "
                          f"utan och med justering, med {conf} % simultana konfidensintervall.",
                  alt=difference_alt(differences), name="skillnader")
    out.append(report.comparison_table(
        differences, caption="Skillnad i måluppfyllelse (procentenheter, simultana intervall)"))
    return tuple(out)


def difference_alt(differences: pd.DataFrame) -> str:
    """Alt text of the figure of differences: each row's label, estimate and interval."""
    parts = [f"{r['rad']}: {report.estimate_words(r, 1)}" for _, r in differences.iterrows()]
    return ("Punktdiagram med konfidensintervall. Skillnad i procentenheter, "
            + "; ".join(parts) + ".") if parts else "Inga jämförelser att visa."


# --- Quality indicators (um_indikatorer) ------------------------------------------------------

@dataclass
class QualityResult:
    """Disclosed shares per indicator and sex and the crude difference per indicator."""

    shares: pd.DataFrame
    comparisons: pd.DataFrame
    conf_level: float


def quality_counts(frame: pd.DataFrame, levels=ADULT_SEXES, count: str | None = None) -> pd.DataFrame:
    """Numerators and denominators summed over the period per indicator and sex: one row per
    indicator and sex with ``n`` (the denominator) and ``events`` (the numerator); rows with a
    missing or impossible count (numerator above the denominator) are left out.

    Parameters
    ----------
    frame : DataFrame
        ``um_indikatorer`` rows: ``indikator``, ``kon``, ``taljare``, ``namnare``.
    levels : the two sexes.
    count : str, optional
        For a cell table: the column with the number of rows each row stands for (its
        numerator and denominator count that many times).

    Returns
    -------
    DataFrame
        Columns ``indikator``, ``kon``, ``n``, ``events`` (float), every indicator with both sexes.
    """
    d = frame[frame["kon"].isin(levels)].dropna(subset=["indikator", "taljare", "namnare"])
    d = d[d["taljare"].astype(float) <= d["namnare"].astype(float)]
    times = d[count].astype(float) if count else 1.0
    sums = (d.assign(n=d["namnare"].astype(float) * times, events=d["taljare"].astype(float) * times)
            .groupby(["indikator", "kon"])[["n", "events"]].sum())
    grid = pd.MultiIndex.from_product([sorted(d["indikator"].astype(str).unique()), list(levels)],
                                      names=["indikator", "kon"])
    return sums.reindex(grid, fill_value=0.0).reset_index()


def quality_indicators(loaded, *, levels=ADULT_SEXES, conf_level: float = 0.95,
                       threshold: int = disclosure.DEFAULT_THRESHOLD) -> QualityResult:
    """The share per quality indicator and sex over the period (Wilson intervals) and the crude
    difference women − men per indicator, with Bonferroni-simultaneous intervals over the
    indicators, all disclosed. Nothing is adjusted: the rows are counts per sex."""
    counts = quality_counts(loaded.data, levels, count=loaded.weight)
    k = max(counts["indikator"].nunique(), 1)
    level = stats.bonferroni_level(conf_level, k)
    shares = stats.share_by_group(counts, "kon", by=["indikator"], conf_level=level)
    shares_d = disclosure.disclose_shares(shares, threshold=threshold, group="kon", by=["indikator"])
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ind, sub in counts.groupby("indikator", sort=True):
            c = stats.compare_groups(sub[["kon", "n", "events"]], "kon",
                                     levels=levels, outcome_name=str(ind),
                                     conf_level=level)
            parts.append(c[c["measure"] == "risk_difference_pp"])
    comparisons = (pd.concat(parts, ignore_index=True) if parts else
                   pd.DataFrame(columns=stats.compare_groups(
                       pd.DataFrame({"kon": list(levels), "n": [0.0, 0.0], "events": [0.0, 0.0]}),
                       "kon", levels=levels).columns))
    hidden = set(shares_d.loc[shares_d["suppressed"].astype(bool), "indikator"].astype(str))
    comparisons_d = disclosure.disclose_comparisons(comparisons, threshold=threshold)
    extra = comparisons_d["outcome"].astype(str).isin(hidden) & ~comparisons_d["suppressed"].astype(bool)
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b"):
        if col in comparisons_d:
            comparisons_d[col] = comparisons_d[col].astype(float).where(~extra)
    comparisons_d.loc[extra, "suppressed"] = True
    comparisons_d.loc[extra, "suppression_reason"] = disclosure.REASON_GROUP
    if "warning" in comparisons_d:  # as disclosure._mark: it speaks of the hidden counts
        comparisons_d["warning"] = comparisons_d["warning"].astype(object).where(~extra, "")
    return QualityResult(shares_d, comparisons_d, level)


def quality_items(q: QualityResult) -> tuple:
    """What the page shows for the quality indicators: the result in words, the shares (table)
    and the differences (table)."""
    lines = []
    for _, r in q.comparisons.iterrows():
        name = report.label(r["outcome"]).capitalize()
        if not_shown(r):
            lines.append(f"- **{name}**: skillnaden {not_shown(r)}.")
            continue
        a = report.SEX_LABELS.get(r["group_a"], r["group_a"])
        b = report.SEX_LABELS.get(r["group_b"], r["group_b"])
        lines.append(f"- **{name}**: {report.number(r['estimate'], 1, signed=True)} procentenheter "
                     f"({report.conf_percent(q.conf_level)} % KI {report.interval(r, 1)}): "
                     f"{verdict(r['ci_low'], r['ci_high'], a=a, b=b, between=False)}.")
    text = ("Skillnaden i andelen ärenden där indikatorns krav uppfylldes, hela perioden "
            "tillsammans, kvinnor − män. Jämförelsen är rå: indikatorerna är räknade per kön, utan "
            "uppgifter om ärendena att justera för.\n\n" + "\n".join(lines))
    shares = q.shares.assign(indikator=q.shares["indikator"].map(lambda v: report.label(v).capitalize()))
    return (text,
            report.share_table(shares, outcome_label="Andel där kravet uppfylldes",
                               caption="Kvalitetsindikatorer efter kön"),
            report.comparison_table(q.comparisons.assign(
                comparison=q.comparisons["outcome"].map(lambda v: report.label(v).capitalize())
                + ": kvinnor − män"), caption="Skillnad per kvalitetsindikator (procentenheter)"))


# --- The chapter ------------------------------------------------------------------------------

def _difference_sentence(comparisons: pd.DataFrame) -> str:
    """The crude and (when made) the adjusted difference of one indicator in one sentence."""
    rows = comparisons[comparisons["measure"] == "risk_difference_pp"]
    crude = rows[~rows["adjusted"].astype(bool)]
    adj = rows[rows["adjusted"].astype(bool)]
    if crude.empty:
        return "skillnaden kan inte beräknas."
    if not_shown(crude.iloc[0]):
        return f"skillnaden {not_shown(crude.iloc[0])}."
    c = crude.iloc[0]
    a = report.SEX_LABELS.get(c["group_a"], c["group_a"])
    b = report.SEX_LABELS.get(c["group_b"], c["group_b"])

    def diff(r):
        return (f"{report.number(r['estimate'], 1, signed=True)} procentenheter "
                f"({report.conf_percent(r['conf_level'])} % KI {report.interval(r, 1)})")
    text = f"skillnaden {a} − {b} är {diff(c)} utan justering"
    main = c
    if len(adj) and pd.notna(adj.iloc[0]["estimate"]):
        main = adj.iloc[0]
        text += f" och {diff(main)} bland ärenden med samma {report.covariates_text(main['adjusted_for'])}"
    return f"{text}: {verdict(main['ci_low'], main['ci_high'], a=a, b=b, between=False)}."


def answer(goal: GoalResult | None, spec: GoalSpec, quality: QualityResult | None) -> str:
    """*Svar i korthet*: per goal indicator the crude and the adjusted difference; for the
    quality indicators how many show a clear (crude) difference."""
    out = [f"{spec.indicators[c][0]}: {_difference_sentence(r.comparisons)}"
           for c, r in (goal.results.items() if goal is not None else ())]
    if quality is not None and len(quality.comparisons):
        shown = quality.comparisons[[not not_shown(r) for _, r in quality.comparisons.iterrows()]]
        clear = sum(direction(r["ci_low"], r["ci_high"]) != "oklar" for _, r in shown.iterrows())
        total = len(quality.comparisons)
        out.append("Kvalitetsindikatorerna: " + (f"ingen av de {total} jämförelserna kan" if total > 1
                                                  else "jämförelsen kan inte") + " visas eller beräknas."
                   if shown.empty else
                   f"Kvalitetsindikatorerna: {clear} av {len(shown)} visar en tydlig skillnad mellan "
                   "kvinnor och män (utan justering)"
                   + (f"; {total - len(shown)} kan inte visas eller beräknas." if len(shown) < total else "."))
    return " ".join(out) or ("Underlaget har varken målindikatorer eller kvalitetsindikatorer, "
                             "så kapitlet har inget att visa.")


def goals_reached(ctx) -> Page:
    """r4_03: are the service's goals reached as well for women as for men?

    The goal indicators (parameters ``tabell``, ``malindikatorer``, ``justera_for``; by default
    ``eb_utfall``'s) compared by sex, crude and adjusted, with simultaneous intervals
    (:func:`goal_attainment`), and the quality indicators of ``um_indikatorer`` when the run has
    them (:func:`quality_indicators`).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run.

    Returns
    -------
    Page
        Parts ``data`` (what was read and left out) and ``resultat`` (the goals for the
        individual, the quality indicators, or the sentence that there is neither).
    """
    spec = goal_spec(ctx.extra.get("tabell", CATALOGUE_TABLE), ctx.extra.get("malindikatorer"),
                     ctx.extra.get("justera_for"))
    utfall, spec = load_outcomes(ctx, spec)
    kvalitet = ctx.load_optional("um_indikatorer", period=ctx.params.period,
                                 unit=ctx.extra.get("enhet"))
    missing = [ctx.omissions(spec.table, utfall) if spec.table == CATALOGUE_TABLE or utfall is None else "",
               ctx.omissions("um_indikatorer", kvalitet)]
    data = [" ".join([ctx.heading, *(x for x in missing if x)])]
    if utfall is not None:
        data.append(report.quality_table(utfall, threshold=ctx.threshold,
                                         caption="Dataunderlag: "
                                                 f"{report.TABLE_LABELS.get(spec.table, spec.table)}"
                                                 f" ({spec.table})"))
    if kvalitet is not None:
        data.append(report.quality_table(kvalitet, threshold=ctx.threshold,
                                         caption="Dataunderlag: kvalitetsindikatorer (rader per "
                                                 "månad och kön)"))
    goal = (goal_attainment(utfall, spec, conf_level=ctx.conf_level, threshold=ctx.threshold)
            if utfall is not None else None)
    quality = (quality_indicators(kvalitet, conf_level=ctx.conf_level, threshold=ctx.threshold)
               if kvalitet is not None else None)
    result = items("### Målen för den enskilde" if goal is not None else None,
                   goal_items(goal, spec) if goal is not None else None,
                   "### Kvalitetsindikatorer" if quality is not None else None,
                   quality_items(quality) if quality is not None else None)
    counts = {}
    if utfall is not None:
        counts[spec.table] = disclosure.disclose_counts_by_sex(utfall.counts_by_sex(), quality=utfall.quality(),
                                                               threshold=ctx.threshold)
    if kvalitet is not None:
        counts["um_indikatorer"] = disclosure.disclose_counts_by_sex(kvalitet.counts_by_sex(), quality=kvalitet.quality(),
                                                                     threshold=ctx.threshold)
    compared = ([r.comparisons for r in goal.results.values()] if goal is not None else []) + \
        ([quality.comparisons] if quality is not None else [])
    return Page(question_id=ctx.question_id, short_answer=answer(goal, spec, quality),
                parts={"data": items(*data),
                       "resultat": result or ("Underlaget har varken målindikatorer eller "
                                              "kvalitetsindikatorer, så kapitlet har inget att visa.",)},
                counts=counts,
                comparisons=stats.adjust_pvalues(pd.concat(compared, ignore_index=True), method="holm")
                if compared else None)
