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
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from jamtools import disclosure, stats

from jamtools.present import report

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
    """The chapter's goal indicators from its parameters.

    Parameters
    ----------
    tabell : the table with one row per person and the indicators (default ``eb_utfall``).
    malindikatorer : list of columns (1 when the goal was reached, else 0), or None for the
        table's own (:data:`GOALS`).
    justera_for : list of columns to adjust for, or None for the table's own.

    Raises
    ------
    ValueError
        When the table has no known indicators and none are given.
    """
    goal = GOALS.get(tabell, {"indikatorer": {}, "justera_for": []})
    indicators = dict(goal["indikatorer"])
    if malindikatorer:
        indicators = {c: indicators.get(c, (report.label(c).capitalize(), f"till {report.label(c)}"))
                      for c in malindikatorer}
    if not indicators:
        raise ValueError(f"Tabellen {tabell!r} har inga kända målindikatorer: ange dem med "
                         "parametern malindikatorer (kolumner med 1 när målet nåddes, annars 0).")
    adjust = list(goal["justera_for"]) if justera_for is None else list(justera_for)
    return GoalSpec(tabell, indicators, adjust)


def load_outcomes(spec: GoalSpec, p, chapter_id: str = CHAPTER):
    """Load the goal table for ``spec`` with the run's parameters (period, unit, age).

    The catalogue's table (``eb_utfall``) is loaded with its declared columns
    (:func:`jamtools.run.catalogue.load_optional`); another table chosen with the parameter
    ``tabell`` is loaded with the indicators as required columns and the covariates as
    optional ones. Then ``aldersgrupp`` (from ``alder``) and ``fodelseland`` (from
    ``fodd_i_sverige``) are derived, the indicators the data lack are dropped from ``spec``
    (in place), and rows missing an indicator or a covariate present are left out and counted.

    Returns
    -------
    LoadResult or None
        None when the run lacks the table or a required indicator.
    """
    from jamtools import data
    from jamtools.run import catalogue
    from jamtools.data.derive import birth_country

    kw = dict(period=p.period, unit=p.extra.get("enhet"),
              age=(p.extra.get("alder_min"), p.extra.get("alder_max")))
    chapter = catalogue.CHAPTERS[chapter_id]
    if spec.table in {n.table for n in chapter.needs}:
        loaded = catalogue.load_optional(chapter_id, spec.table, p, **kw)
    else:
        sources = [DERIVED.get(c, c) for c in spec.adjust_for]
        loaded = data.load_table_if_present(spec.table, data_dir=p.data_dir, config=p.config,
                                            columns=(catalogue.SEX, *spec.indicators),
                                            optional=sources, **kw)
    if loaded is None:
        return None
    d = loaded.data
    if "aldersgrupp" in spec.adjust_for:
        catalogue.add_age_group(loaded)
    if "fodelseland" in spec.adjust_for and loaded.has("fodd_i_sverige"):
        d["fodelseland"] = birth_country(d["fodd_i_sverige"])
    for c in [c for c in spec.indicators if not loaded.has(c)]:
        del spec.indicators[c]
    loaded.exclude(d[list(spec.indicators)].isna().any(axis=1), "Uppgift om målindikatorn saknas")
    present = adjusted_for(spec, loaded)
    loaded.exclude(loaded.data[present].isna().any(axis=1), "Uppgift som justeringen behöver saknas")
    return loaded


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
                                              conf_level=simultaneous, threshold=threshold)
                   for c in spec.indicators}
    return GoalResult(results, simultaneous, covariates, conf_level)


def goal_outputs(goal: GoalResult, spec: GoalSpec) -> list:
    """What the page shows for the goal indicators: the simultaneous level, each indicator in
    words, the shares (figure and table) and the differences (summary, figure and table)."""
    from IPython.display import Markdown

    from jamtools.present import outcomes, plots

    out = []
    k = len(spec.indicators)
    if k > 1:
        out.append(Markdown(
            f"Med {report.number(100 * goal.nominal, 0)} procents säkerhet "
            f"för alla {k} indikatorer tillsammans är varje enskilt intervall ett "
            f"{report.number(100 * goal.conf_level, 1)}-procentigt intervall (i texten avrundat)."))
    for c, r in goal.results.items():
        name, text = spec.indicators[c]
        out.append(Markdown(f"**{name}.** " + report.describe_binary(
            r.shares, r.comparisons, verb="ledde", outcome_text=text, unit_text="ärenden")
            .split("\n\nSiffrorna beskriver")[0]))
    shares = disclosure.stack({spec.indicators[c][0]: r.shares for c, r in goal.results.items()},
                              "indikator")
    out.append(plots.shares_plot(shares, group="kon", by="indikator", title="Andel som nådde målet",
                                 xlabel="Andel av ärendena"))
    out.append(report.share_table(shares, outcome_label="Andel som nådde målet",
                                  caption="Måluppfyllelse efter kön"))
    comparisons = disclosure.stack({spec.indicators[c][0]: r.comparisons
                                    for c, r in goal.results.items()}, "indikator")
    out.append(Markdown(outcomes.summary(comparisons, "indikator")))
    differences = difference_rows(comparisons)
    levels = list(dict.fromkeys(differences["group_a"].tolist() + differences["group_b"].tolist()))
    sexes = " − ".join(report.SEX_LABELS.get(k, k) for k in levels[:2])
    out.append(plots.difference_plot(differences, label_by="rad",
                                     title=f"Skillnad i måluppfyllelse, {sexes}"))
    out.append(report.comparison_table(
        differences.assign(comparison=differences["indikator"] + ": " + sexes),
        caption="Skillnad i måluppfyllelse (procentenheter, simultana intervall)"))
    return out


def difference_rows(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The differences in percentage points of stacked comparisons, with a row label
    ("<indikator>, ojusterat" / ", justerat") for the figure."""
    rows = comparisons[comparisons["measure"] == "risk_difference_pp"]
    return rows.assign(rad=rows["indikator"] + rows["adjusted"].astype(bool).map(
        {False: ", ojusterat", True: ", justerat"}))


# --- Quality indicators (um_indikatorer) ------------------------------------------------------

@dataclass
class QualityResult:
    """Disclosed shares per indicator and sex and the crude difference per indicator."""

    shares: pd.DataFrame
    comparisons: pd.DataFrame
    conf_level: float


def quality_counts(frame: pd.DataFrame, levels=("kvinna", "man")) -> pd.DataFrame:
    """Numerators and denominators summed over the period per indicator and sex: one row per
    indicator and sex with ``n`` (the denominator) and ``events`` (the numerator); rows with a
    missing or impossible count (numerator above the denominator) are left out.

    Parameters
    ----------
    frame : DataFrame
        ``um_indikatorer`` rows: ``indikator``, ``kon``, ``taljare``, ``namnare``.
    levels : the two sexes.

    Returns
    -------
    DataFrame
        Columns ``indikator``, ``kon``, ``n``, ``events`` (float), every indicator with both sexes.
    """
    d = frame[frame["kon"].isin(levels)].dropna(subset=["indikator", "taljare", "namnare"])
    d = d[d["taljare"].astype(float) <= d["namnare"].astype(float)]
    sums = (d.assign(n=d["namnare"].astype(float), events=d["taljare"].astype(float))
            .groupby(["indikator", "kon"])[["n", "events"]].sum())
    grid = pd.MultiIndex.from_product([sorted(d["indikator"].astype(str).unique()), list(levels)],
                                      names=["indikator", "kon"])
    return sums.reindex(grid, fill_value=0.0).reset_index()


def quality_indicators(loaded, *, levels=("kvinna", "man"), conf_level: float = 0.95,
                       threshold: int = disclosure.DEFAULT_THRESHOLD) -> QualityResult:
    """The share per quality indicator and sex over the period (Wilson intervals) and the crude
    difference women − men per indicator, with Bonferroni-simultaneous intervals over the
    indicators, all disclosed. Nothing is adjusted: the rows are counts per sex."""
    counts = quality_counts(loaded.data, levels)
    k = max(counts["indikator"].nunique(), 1)
    level = stats.bonferroni_level(conf_level, k)
    shares = stats.share_by_group(counts, "kon", by=["indikator"], conf_level=level)
    shares_d = disclosure.disclose_shares(shares, threshold=threshold, group="kon", by=["indikator"])
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ind, sub in counts.groupby("indikator", sort=True):
            c = stats.compare_groups(sub[["kon", "n", "events"]], "kon", levels, outcome_name=str(ind),
                                     conf_level=level)
            parts.append(c[c["measure"] == "risk_difference_pp"])
    comparisons = (pd.concat(parts, ignore_index=True) if parts else
                   pd.DataFrame(columns=stats.compare_groups(
                       pd.DataFrame({"kon": list(levels), "n": [0.0, 0.0], "events": [0.0, 0.0]}),
                       "kon", levels).columns))
    hidden = set(shares_d.loc[shares_d["suppressed"].astype(bool), "indikator"].astype(str))
    comparisons_d = disclosure.disclose_comparisons(comparisons, threshold=threshold)
    extra = comparisons_d["outcome"].astype(str).isin(hidden) & ~comparisons_d["suppressed"].astype(bool)
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b", "events_b"):
        if col in comparisons_d:
            comparisons_d[col] = comparisons_d[col].astype(float).where(~extra)
    comparisons_d.loc[extra, "suppressed"] = True
    comparisons_d.loc[extra, "suppression_reason"] = disclosure.REASON_GROUP
    return QualityResult(shares_d, comparisons_d, level)


def quality_outputs(q: QualityResult) -> list:
    """What the page shows for the quality indicators: the result in words, the shares (table)
    and the differences (table)."""
    from IPython.display import Markdown

    lines = []
    for _, r in q.comparisons.iterrows():
        name = report.label(r["outcome"]).capitalize()
        if bool(r["suppressed"]) or pd.isna(r["estimate"]):
            lines.append(f"- **{name}**: skillnaden visas inte (röjandekontroll).")
            continue
        a = report.SEX_LABELS.get(r["group_a"], r["group_a"])
        b = report.SEX_LABELS.get(r["group_b"], r["group_b"])
        verdict = ("ingen tydlig skillnad" if r["ci_low"] <= 0 <= r["ci_high"] else
                   f"tydligt {'högre' if r['estimate'] > 0 else 'lägre'} för {a} än för {b}")
        lines.append(f"- **{name}**: {report.number(r['estimate'], 1, signed=True)} procentenheter "
                     f"({report.number(100 * q.conf_level, 1)} % KI {report.number(r['ci_low'], 1)} "
                     f"till {report.number(r['ci_high'], 1)}): {verdict}.")
    text = ("Skillnaden i andelen ärenden där indikatorns krav uppfylldes, hela perioden "
            "tillsammans, kvinnor − män. Jämförelsen är rå: indikatorerna är räknade per kön, utan "
            "uppgifter om ärendena att justera för.\n\n" + "\n".join(lines))
    shares = q.shares.assign(indikator=q.shares["indikator"].map(lambda v: report.label(v).capitalize()))
    return [Markdown(text),
            report.share_table(shares, outcome_label="Andel där kravet uppfylldes",
                               caption="Kvalitetsindikatorer efter kön"),
            report.comparison_table(q.comparisons.assign(
                comparison=q.comparisons["outcome"].map(lambda v: report.label(v).capitalize())
                + ": kvinnor − män"), caption="Skillnad per kvalitetsindikator (procentenheter)")]
