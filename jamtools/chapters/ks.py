"""Kulturskolan: the instrument-choice chapter (ks_01), its data preparation and composition.

The chapter compares girls' and boys' choices of instrument, before and after the year the
school began working for free choices. An export without the school year (``ar``, or the
term's start date it is derived from) can still answer the first part for the whole period:
:func:`prepare_pupils` then puts every row in one phase, :data:`WHOLE_PERIOD`.
:func:`instrument_choice` is the chapter's page.
"""
from __future__ import annotations

import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.model import CHILD_SEXES
from jamtools.disclosure.segregation import (disclose_dissimilarity, hide_over_hidden_cells, hide_rows,
                                             protect_periods)
from jamtools.present import parameters, report, segregation
from jamtools.present.page import Page, figure, items
from jamtools.present.sentences import no_person_ids
from jamtools.stats.categorical import dissimilarity_by_period, dissimilarity_change
from jamtools.stats.segregation import distribution_by_period, independence_by_period

#: The reader's names of the instruments (the data model's codes lack å, ä and ö).
INSTRUMENTS = {"piano": "Piano", "gitarr": "Gitarr", "fiol": "Fiol", "cello": "Cello",
               "flojt": "Flöjt", "trummor": "Trummor", "elbas": "Elbas", "sang": "Sång",
               "trumpet": "Trumpet", "klarinett": "Klarinett"}
#: The one phase of a table without years.
WHOLE_PERIOD = "hela perioden"


def phases(change_year: int) -> list[str]:
    """The two phases' labels, before and from ``change_year``.

    Examples
    --------
    >>> phases(2024)
    ['före 2024', 'från 2024']
    """
    return [f"före {change_year}", f"från {change_year}"]


def prepare_pupils(data: pd.DataFrame, change_year: int) -> pd.DataFrame:
    """The pupils as the chapter analyses them: the instrument under its reader's name
    (:data:`INSTRUMENTS`; an unknown code is kept as it is) and the phase ``fas``, an ordered
    categorical: before or from ``change_year`` by the school year ``ar``, or
    :data:`WHOLE_PERIOD` for every row when the table has no year. A row without a year has no
    phase (missing). The input is not modified.

    Parameters
    ----------
    data : DataFrame
        One row per pupil and term with ``kon`` and ``instrument``, optionally ``ar`` (or a
        cell table of them: its count column is kept as it is).
    change_year : int
        The first school year of the new way of working (parameter ``forandring_ar``).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> d = pd.DataFrame({"instrument": ["flojt", "sang"], "ar": [2023, 2024]})
    >>> prepare_pupils(d, 2024)[["instrument", "fas"]].values.tolist()
    [['Flöjt', 'före 2024'], ['Sång', 'från 2024']]
    >>> prepare_pupils(d[["instrument"]], 2024)["fas"].tolist()
    ['hela perioden', 'hela perioden']
    """
    out = data.copy()
    out["instrument"] = out["instrument"].map(lambda v: INSTRUMENTS.get(v, v))
    if "ar" in out.columns and out["ar"].notna().any():
        labels = phases(change_year)
        year = pd.to_numeric(out["ar"], errors="coerce")
        fas = pd.Series(labels[0], index=out.index).where(year < change_year, labels[1])
        out["fas"] = pd.Categorical(fas.where(year.notna()), categories=labels, ordered=True)
    else:
        out["fas"] = pd.Categorical([WHOLE_PERIOD] * len(out), categories=[WHOLE_PERIOD],
                                    ordered=True)
    return out


def one_phase_text(change_year: int, years) -> str:
    """The sentence for a change year ``change_year`` (parameter ``forandring_ar``) that leaves
    every school year of ``years`` (those the data have) on one side of it, so that the
    comparison before and after the change cannot be made; empty when the years fall on both
    sides (or there are none). The chapter says it, and the check's readiness too.

    Examples
    --------
    >>> one_phase_text(2024, [2021, 2024])
    ''
    >>> one_phase_text(2030, [2021, 2022, 2024])
    'Förändringsåret 2030 ligger efter alla läsår i data (2021–2024): alla elever hör till tiden före förändringen, så jämförelsen före och efter den kan inte göras.'
    """
    years = sorted({int(y) for y in years if pd.notna(y)})
    if not years or years[0] < change_year <= years[-1]:
        return ""
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else f"bara läsåret {years[0]}"
    if change_year > years[-1]:
        where, side = "ligger efter alla läsår", "före"
    elif change_year < years[0]:
        where, side = "ligger före alla läsår", "efter"
    else:
        where, side = "är det första läsåret", "från"
    return (f"Förändringsåret {change_year} {where} i data ({span}): alla elever hör till tiden "
            f"{side} förändringen, så jämförelsen före och efter den kan inte göras.")


def change_year(value) -> int:
    """The parameter ``forandring_ar`` (the first year the choice of instrument was free)
    checked and read: a whole year, also written as text (``"2024"``), else ValueError saying
    what to write (:func:`jamtools.present.parameters.year`).

    Examples
    --------
    >>> change_year(2024), change_year("2024")
    (2024, 2024)
    """
    return parameters.year("forandring_ar", value, example=2024,
                           meaning="det första läsåret då eleverna valde instrument fritt")


__all__ = ["INSTRUMENTS", "WHOLE_PERIOD", "change_year", "one_phase_text", "phases", "prepare_pupils", "instrument_choice"]


# --- Chapter composition ------------------------------------------------------------------------

def instrument_choice(ctx) -> Page:
    """ks_01: do girls and boys choose their instrument freely in the kulturskola?

    The pupils' choices by sex in each phase (before and from the change year ``forandring_ar``,
    or the whole period without school years): the distributions, the chi-square test with
    Cramér's V and the dissimilarity index (inverted bootstrap test) per phase, its change, and the
    index year by year. A pupil has a row per term: with the pupils' ids a cell of the
    distributions is shown only when it rests on enough pupils. The test and the index of a
    phase (of a year) are hidden when its distribution hides a cell (a year's, though not
    shown, adds up to its phase's).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run; ``ctx.extra["forandring_ar"]`` is the first year of the new way of
        working.

    Returns
    -------
    Page
        Parts ``data`` (the data section), ``fordelning`` (the distributions per phase, figure
        and tables), ``olikhet`` (the tests and the index per phase with its change, text and
        table) and ``arsvis`` (the index per school year, figure and table; a sentence when
        the data lack the school year).
    """
    table, category = "ks_elever", "instrument"
    first_year = change_year(ctx.extra["forandring_ar"])
    # a pupil has a row per term: the cells and the groups are counted in pupils too
    loaded = ctx.load(table, persons=True, **ctx.filters)
    if loaded.has("ar"):  # a row without a school year is in neither phase: left out, counted
        loaded = loaded.exclude(loaded.data["ar"].isna(), "Uppgift om läsår saknas")
    loaded = loaded.with_data(prepare_pupils(loaded.data, first_year))
    yearly = loaded.has("ar")
    pupils, count = loaded.data, loaded.weight  # count: None (rows) or the cells' counts
    persons = loaded.persons  # None when the export has no pupil ids: rows are counted
    conf = report.conf_percent(ctx.conf_level)

    distributions = {
        phase: disclosure.disclose_distribution(dist, category, threshold=ctx.threshold,
                                                persons=persons)
        for phase, dist in distribution_by_period(pupils, category, "fas", count=count,
                                                  conf_level=ctx.conf_level, persons=persons).items()}
    # Cramér's V, its p-value and the index of a phase are functions of every cell of its
    # distribution: shown only when the distribution shown hides no cell (as bof_03's).
    tests = hide_over_hidden_cells(
        disclosure.disclose_comparisons(independence_by_period(pupils, category, "fas",
                                                               levels=CHILD_SEXES, count=count),
                                        threshold=ctx.threshold), distributions)
    by_phase = hide_over_hidden_cells(disclose_dissimilarity(
        dissimilarity_by_period(pupils, category, "fas", conf_level=ctx.conf_level, levels=CHILD_SEXES,
                                count=count),
        threshold=ctx.threshold), distributions)
    change = by_year = None
    if yearly:
        change = disclose_dissimilarity(
            dissimilarity_change(pupils, category, "ar", first_year, conf_level=ctx.conf_level,
                                 levels=CHILD_SEXES, count=count),
            threshold=ctx.threshold)
        # A year's cells are not shown, but they add up to its phase's (a phase of one year
        # is that year): a year's index is shown only where its cells would all be shown.
        years = {year: disclosure.disclose_distribution(dist, category, threshold=ctx.threshold,
                                                        persons=persons)
                 for year, dist in distribution_by_period(pupils, category, "ar", count=count,
                                                          conf_level=ctx.conf_level,
                                                          persons=persons).items()}
        by_year = hide_over_hidden_cells(disclose_dissimilarity(
            dissimilarity_by_period(pupils, category, "ar", conf_level=ctx.conf_level,
                                    levels=CHILD_SEXES, count=count),
            threshold=ctx.threshold), years)
        # a year's pupils are a part of its phase's: no hidden year follows by subtraction
        labels = phases(first_year)
        by_year, by_phase = protect_periods(
            by_year, by_phase, lambda year: labels[0] if float(year) < first_year else labels[1],
            threshold=ctx.threshold)
        if by_phase["suppressed"].astype(bool).any():
            change = hide_rows(change)
    # a change year with every school year on one side: no change to compare, and why
    one_side = one_phase_text(first_year, pd.unique(pupils["ar"].dropna())) if yearly else ""
    if one_side:
        change = None
        one_side += (" Ange ett förändringsår inom läsåren i data i körningens inställningar (se *Kör "
                     "handboken på egna data*).")

    if distributions:
        shown = items(
            *figure(segregation.distributions_plot(
                        distributions, category, title="Instrumentval efter kön",
                        xlabel="Andel av flickornas respektive pojkarnas val"),
                    name="fordelning",
                    caption="Instrumentval efter kön: andelen av flickornas respektive pojkarnas "
                            f"val som gäller varje instrument, per period, med {conf} % "
                            "konfidensintervall.",
                    alt=segregation.distributions_alt(distributions, category,
                                                      what="Instrumentval")),
            *(report.distribution_table(dist, category, caption=f"Instrumentval efter kön, {phase}")
              for phase, dist in distributions.items()))
    else:
        shown = items("Det finns inga elever i urvalet.")
    if by_year is not None:
        year_by_year = items(
            *figure(segregation.dissimilarity_plot(
                        by_year, change_at=first_year, xlabel="Läsår",
                        title="Olikhetsindex mellan flickors och pojkars instrumentval"),
                    caption="Olikhetsindex mellan flickors och pojkars instrumentval per läsår, "
                            f"med {conf} % konfidensintervall och den nivå som slumpen ensam ger.",
                    alt=segregation.dissimilarity_alt(by_year, period_label="läsår"),
                    name="per-lasar"),
            segregation.dissimilarity_table(by_year, period_label="Läsår",
                                            caption="Olikhetsindex per läsår", levels=CHILD_SEXES))
    else:
        year_by_year = items("Utvecklingen år för år utelämnas: data saknar läsår.")

    return Page(
        question_id=ctx.question_id,
        short_answer=" ".join(x for x in (segregation.dissimilarity_answer(by_phase, change), one_side) if x),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(table, loaded)}"
                          f"{no_person_ids(loaded, unit_text='val', person='elev')}",
                          report.quality_table(loaded, threshold=ctx.threshold,
                                               caption="Dataunderlag: elever i kulturskolan",
                                               name="dataunderlag")),
            "fordelning": shown,
            "olikhet": items(
                *([one_side] if one_side else []),
                segregation.describe_independence(tests, alpha=1 - ctx.conf_level),
                segregation.describe_dissimilarity(by_phase, change),
                segregation.dissimilarity_table(
                    by_phase, caption="Olikhetsindex mellan flickors och pojkars instrumentval",
                    levels=CHILD_SEXES, name="olikhet")),
            "arsvis": year_by_year,
        },
        counts={table: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat(
            [t for t in (tests, by_phase, change, by_year) if t is not None], ignore_index=True),
            method="holm"),
    )
