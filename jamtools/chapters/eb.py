"""Ekonomiskt bistånd: the chapters eb_01, eb_02, eb_03, eb_05 and eb_07 and the data
preparation they need.

One composition per chapter (load → analyse → disclose → present, returning one
:class:`~jamtools.present.page.Page`): :func:`requirements` (eb_01), :func:`ill_health` (eb_02),
:func:`offers` (eb_03), :func:`violence` (eb_05) and :func:`process_map` (eb_07). Each compares
several yes/no outcomes of women and men with simultaneous intervals and one summary line per
outcome (:mod:`jamtools.present.outcomes`); everything from the run (parameters, loading, the
catalogue's sentences) comes through the chapter's run ``ctx``
(:class:`jamtools.run.notebook.ChapterRun`).

Every chapter reads its tables as cell tables (``cells=True`` in the catalogue): every count,
share, table and figure weighs a row by the load's ``weight`` (None when a test reads rows),
so both ways give the same page. eb_03 and eb_07 follow ids between tables: their ids stay in
the engine (``linked=True``) and the links are asked there (:mod:`jamtools.data.links`).

The preparation, written to work on any export that has a chapter's required columns (with or
without the optional ones, with missing values): :func:`linkable`, :func:`process_links`,
:func:`process_steps` and :func:`process_omissions` (eb_07, whose later tables are optional).

The parents' and the self-sufficiency chapters (eb_04, eb_06) have their own module,
:mod:`jamtools.chapters.eb_paths`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.links import flag_in, flags_by, has_ids, has_values, keep_linked, mostly_unmatched
from jamtools.data.derive import yes_no
from jamtools.data.load import count_persons, persons_column, without_account
from jamtools.data.model import ADULT_SEXES, code_levels
from jamtools.disclosure import analyses as analysis
from jamtools.disclosure import linked
from jamtools.present import outcomes, plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.sentences import (NO_ADJUSTMENT, all_of, direction, no_person_ids, shares_alt,
                                        short_answer)

# --- Data preparation the chapters share -----------------------------------------------------
# (moved out of the notebooks: each works on any export that has the chapter's required
# columns, with and without the optional ones, and with missing values)

def linkable(loaded, column: str) -> bool:
    """Whether ``column`` of a loaded table can link it to another table: present with values,
    and not numbered from the row position (an export without an id column gets row numbers,
    which mean nothing in another table). A personnummer's pseudonym links tables of one run.
    """
    if loaded is None or not has_ids(loaded, column):
        return False
    if len(loaded.data) and not has_values(loaded, column):
        return False  # a column without values (an empty selection keeps its columns)
    checked = getattr(loaded, "checked", None)
    return not (checked is not None and checked.derived.get(column) == "radnumret")


#: The steps of the process map, in order: key -> label.
STEPS = {
    "bistand_beviljat": "1. Ansökan → beviljat bistånd",
    "planering": "2. Beviljat → planering",
    "insats": "3. Planering → erbjuden insats",
    "sjalvforsorjande": "4. Beviljat → självförsörjande",
    "ansokan_till_sjalvforsorjande": "Hela kedjan: ansökan → självförsörjande",
}


def _yes(values) -> pd.Series:
    return yes_no(values, None if isinstance(values, pd.Series) else
                 pd.RangeIndex(len(values))).fillna(False).astype(bool)


def process_steps(klienter, planering=None, insatser=None,
                  utfall=None) -> dict[str, tuple[pd.DataFrame, str, str | None]]:
    """The steps of the process map that the tables allow, each as (rows, 0/1 outcome column,
    weight column).

    Parameters
    ----------
    klienter : jamtools.data.LoadResult
        Applications: ``person_id`` and ``bistand_beviljat`` (rows without a decision left out
        before).
    planering : jamtools.data.LoadResult or None
        Plannings of the applicants (``person_id``; ``planering_id`` for step 3). None when the
        run has none, or they cannot be linked to the applicants.
    insatser : jamtools.data.LoadResult or None
        Offered interventions (``planering_id``). None when absent or not linkable.
    utfall : jamtools.data.LoadResult or None
        Outcomes of the applicants granted aid (``person_id``, ``sjalvforsorjande``).

    The tables may be rows or linked cell tables (``linked=True``): who goes on to the next
    step is asked by id (:func:`jamtools.data.links.flag_in`), in the engine for a linked one.

    Returns
    -------
    dict
        :data:`STEPS` key -> (frame, outcome column, weight column or None), only for the steps
        that can be made: step 1 always; 2 with ``planering``; 3 with ``planering`` and
        ``insatser``; 4 and the whole chain with ``utfall``. Each frame keeps its own
        covariates (e.g. hushallstyp).
    """
    steps: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    decided = klienter.exclude(klienter.data["bistand_beviljat"].isna(), "Uppgift om beslut saknas")
    granted = _yes(decided.data["bistand_beviljat"])
    steps["bistand_beviljat"] = (decided.data.assign(bistand_beviljat=granted.astype(int).to_numpy()),
                                 "bistand_beviljat", decided.weight)
    beviljade = decided.exclude(~granted, "Inte beviljat")
    if planering is not None:
        planned = flag_in(beviljade, "person_id", planering, "person_id", name="planering", follow=False)
        steps["planering"] = (planned.data, "planering", planned.weight)
        if insatser is not None:
            # a client can have several plannings: the step's clients are counted when the
            # plannings were loaded with persons (count_persons, following the rows)
            offered = count_persons(flag_in(planering, "planering_id", insatser, "planering_id",
                                            name="insats", follow=planering.persons_up_to is not None))
            steps["insats"] = (offered.data, "insats", offered.weight)
    if utfall is not None:
        known = utfall.exclude(utfall.data["sjalvforsorjande"].isna(), "Uppgift om självförsörjning saknas")
        selfs = _yes(known.data["sjalvforsorjande"])
        steps["sjalvforsorjande"] = (known.data.assign(sjalvforsorjande=selfs.astype(int).to_numpy()),
                                     "sjalvforsorjande", known.weight)
        who = known.exclude(~selfs, "Inte självförsörjande")
        chain = flag_in(decided, "person_id", who, "person_id", name="ansokan_till_sjalvforsorjande",
                        follow=False)
        steps["ansokan_till_sjalvforsorjande"] = (chain.data, "ansokan_till_sjalvforsorjande", chain.weight)
    # The map's counts are protected together (protect_map), not as selections of each other.
    return {k: (without_account(frame), outcome, weight) for k, (frame, outcome, weight) in steps.items()}


#: Two of the map's counts whose difference counts persons who fall out between two steps,
#: though no step shows them (:func:`jamtools.disclosure.linked.protect_map`'s ``gaps``): those
#: granted aid less those with an outcome row; those with a planning less the plannings offered
#: an insats or not; the self-sufficient outcome rows less the applicants self-sufficient in
#: the whole chain.
GAPS = ((("bistand_beviljat", "events"), ("sjalvforsorjande", "n")),
        (("planering", "events"), ("insats", "n")),
        (("sjalvforsorjande", "events"), ("ansokan_till_sjalvforsorjande", "events")))

#: As :data:`GAPS`, a step's count against a data table's rows analysed (``protect_map``'s
#: ``(table, 'analysed')``): those with a planning less the plannings, where step 3 (which
#: needs the offered interventions and the planning's id) does not count them.
TABLE_GAPS = ((("planering", "events"), ("eb_planering", "analysed")),)

#: The name of the table of step 2 by household type among the page's displays
#: (:func:`jamtools.disclosure.linked.protect_map`).
BY_HOUSEHOLD = "planering efter hushållstyp"

#: The table whose rows (and covariates) each step of :data:`STEPS` compares.
STEP_TABLES = {"bistand_beviljat": "eb_klienter", "planering": "eb_klienter", "insats": "eb_planering",
               "sjalvforsorjande": "eb_utfall", "ansokan_till_sjalvforsorjande": "eb_klienter"}


@dataclass
class ProcessLinks:
    """Which tables of the process map can follow the applicants (see :func:`process_links`)."""

    applicants: bool
    planering: bool
    insatser: bool
    utfall: bool
    notes: list[str]


def process_links(klienter, planering=None, insatser=None, utfall=None, *,
                  unlinked: Mapping[str, str]) -> ProcessLinks:
    """Whether each later table of the process map can be linked to the applicants.

    The later steps follow the applicants by ``person_id`` (a client id, or the pseudonym of a
    personnummer) and the interventions their plannings by ``planering_id``. A table the run
    lacks is None; a table whose id is numbered from the row position (no id in the export)
    cannot be linked, and ``notes`` says so, with what is then left out.

    Parameters
    ----------
    klienter, planering, insatser, utfall : jamtools.data.LoadResult or None
        The loaded tables (``klienter`` is required).
    unlinked : mapping of str to str
        What is left out when a link cannot be made, in the catalogue's words: for
        ``eb_klienter`` (the applicants have no usable id), ``eb_planering`` (the plannings'
        ids are mostly found among no applicant's), ``eb_insatser`` (the plannings have none)
        and ``eb_utfall`` (the outcomes have none).

    Returns
    -------
    ProcessLinks
        ``planering``, ``insatser``, ``utfall``: True when the table is there and linked;
        ``applicants``: whether the applications have a usable id at all.
    """
    notes: list[str] = []
    applicants = linkable(klienter, "person_id")
    if not applicants and any(t is not None for t in (planering, insatser, utfall)):
        notes.append(outcomes.unlinked_text("eb_klienter", "person_id", unlinked["eb_klienter"]))
    plan = applicants and planering is not None
    offers = plan and insatser is not None
    if offers and not linkable(planering, "planering_id"):
        notes.append(outcomes.unlinked_text("eb_planering", "planering_id", unlinked["eb_insatser"]))
        offers = False
    outcome = applicants and utfall is not None
    if outcome and not linkable(utfall, "person_id"):
        notes.append(outcomes.unlinked_text("eb_utfall", "person_id", unlinked["eb_utfall"]))
        outcome = False
    # Ids given but most of them found nowhere: the files write them differently, and a step
    # built on the few that match would count the rest as not going on.
    if plan and mostly_unmatched(planering, "eb_klienter"):
        notes.append(outcomes.unmatched_text("eb_planering", "eb_klienter", unlinked["eb_planering"]))
        plan = offers = False
    if offers and mostly_unmatched(insatser, "eb_planering"):
        notes.append(outcomes.unmatched_text("eb_insatser", "eb_planering", unlinked["eb_insatser"]))
        offers = False
    if outcome and mostly_unmatched(utfall, "eb_klienter"):
        notes.append(outcomes.unmatched_text("eb_utfall", "eb_klienter", unlinked["eb_utfall"]))
        outcome = False
    return ProcessLinks(applicants, plan, offers, outcome, notes)




def process_omissions(ctx, tables: dict) -> list[str]:
    """What a chapter reading several tables leaves out, one sentence per item, without
    repeating the no-adjustment sentence per table.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (its ``omissions`` and ``covariates``).
    tables : dict
        Table name -> its :class:`~jamtools.data.LoadResult`, or None when the run lacks it.

    Returns
    -------
    list of str
        The catalogue's sentences (``ctx.omissions``) per table; when no table with covariates
        has any of them, the no-adjustment sentence once (once per set of declared covariates);
        when only some lack them, which tables' steps are compared without adjustment.
    """
    out, unadjusted, adjusted, no_adjustment = [], [], [], []
    for table, loaded in tables.items():
        text = ctx.omissions(table, loaded)
        declared = ctx.declared_covariates(table)
        if loaded is not None and declared:
            if ctx.covariates(table, loaded):
                adjusted.append(table)
            else:
                unadjusted.append((table, declared))
                head, marker, tail = text.partition(NO_ADJUSTMENT)
                if marker:
                    no_adjustment.append(marker + tail)
                    text = head.strip()
        if text:
            out.append(text)
    if unadjusted and not adjusted:
        out += list(dict.fromkeys(no_adjustment))
    elif unadjusted:
        names = " och ".join(report.TABLE_LABELS.get(t, t) for t, _ in unadjusted)
        columns = list(dict.fromkeys(c for _, cols in unadjusted for c in cols))
        out.append(f"Uppgifterna om {names} saknar {report.covariates_text(columns)}: de steg som "
                   "bygger på dem jämförs bara utan justering.")
    return out


# --- Chapter compositions -----------------------------------------------------------------------

#: The sexes every chapter of ekonomiskt bistånd compares, in the order of the difference.
SEXES = ADULT_SEXES
#: eb_01's requirements: outcome column -> label.
REQUIREMENTS = {"aktivitetskrav": "Krav på aktivitet",
                "krav_arbetssokande": "Krav på aktivt arbetssökande",
                "sanktion": "Sanktion vid frånvaro"}
#: eb_02's considerations of ill-health: outcome column -> (label, verb, what the verb does).
CONSIDERATIONS = {
    "anpassad_planering": ("Anpassad planering", "anpassades", "till ohälsan"),
    "krav_sjukintyg": ("Krav på sjukintyg", "innehöll", "krav på läkarintyg"),
    "samordning_varden": ("Samordning med vården", "samordnades",
                          "med hälso- och sjukvården och följdes upp"),
}
#: eb_03's types of intervention: code -> label.
OFFER_TYPES = {"arbetsmarknadsinsats": "Arbetsmarknadsinsats", "praktik": "Praktik",
               "studier": "Studier", "sfi": "Svenska för invandrare (sfi)",
               "budget_och_skuldradgivning": "Budget- och skuldrådgivning",
               "stod_vid_ohalsa": "Stöd vid ohälsa"}
#: eb_05's two steps: outcome column -> label.
VIOLENCE_STEPS = {"fragat_om_vald": "Frågat om våld",
                  "vald_identifierat": "Våld identifierat bland tillfrågade"}


def _level(ctx, k: int) -> float:
    """The level of each interval that makes ``k`` intervals simultaneous (Bonferroni)."""
    return stats.bonferroni_level(ctx.conf_level, max(k, 1))


def _compare(ctx, rows: pd.DataFrame, outcome: str, covariates, level: float, *, by=None,
             weight: str | None = None, persons: str | None = None):
    """Women and men compared on the yes/no ``outcome`` of ``rows``, crude and adjusted for
    ``covariates``, at the simultaneous ``level``, disclosed. ``weight``: the column of units
    per row when ``rows`` is a cell table (a loaded table's ``weight``), None for rows. A
    selection of rows whose count the page shows is protected against it by the analysis
    itself (:func:`jamtools.disclosure.hidden_in_selection`). ``persons``: the column of the
    clients (a loaded table's ``persons``), so that each share rests on enough clients (a client
    can have several plannings in a year); None counts rows."""
    return analysis.binary_outcome(rows, outcome, covariates=list(covariates), levels=SEXES, by=by,
                                   conf_level=level, threshold=ctx.threshold, weight=weight,
                                   persons=persons,
                                   by_levels=code_levels(rows[by], table="eb_klienter", column=by)
                                   if by else None,
                                   total_shown=False)  # eb's pages show no total of the two sexes


def _stacked(results: dict, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The disclosed shares and comparisons of ``results`` (label -> BinaryResult) stacked
    under the column ``key``, in the order of ``results``."""
    return (disclosure.stack({label: r.shares for label, r in results.items()}, key),
            disclosure.stack({label: r.comparisons for label, r in results.items()}, key))


def _quality(ctx, loaded, caption: str, name: str | None = None, *, linked_hidden: bool = False):
    """The data table of ``loaded``: rows read, left out (and why) and analysed, disclosed;
    ``name`` labels it for the chapter's cross-references; ``linked_hidden``: its rows read and
    analysed hidden (:func:`jamtools.disclosure.linked.protect_map`)."""
    return report.quality_table(loaded, threshold=ctx.threshold, caption=caption, name=name,
                                linked_hidden=linked_hidden)


def _differences_alt(rows: pd.DataFrame) -> str:
    """Alt text of the figure of several differences: each with its interval, by name."""
    parts = [f"{r['rad']} {report.estimate_words(r, 1)}" for _, r in rows.iterrows()]
    return ("Punktdiagram med simultana konfidensintervall. Skillnad kvinnor − män i "
            "procentenheter: " + "; ".join(parts) + ".") if parts else "Inga jämförelser att visa."


def _shares_figure(shares: pd.DataFrame, *, by: str | None, title: str, xlabel: str, what: str,
                   caption: str, name: str) -> tuple:
    """A shares figure (per sex, and per ``by``) with its caption, alt text and ``name``."""
    return figure(plots.shares_plot(shares, by=by, title=title, xlabel=xlabel),
                  caption=caption, alt=shares_alt(shares, what=what, by=by), name=name)


def _differences(comparisons: pd.DataFrame, key: str, *, title: str, caption: str,
                 note: str | None = None) -> tuple:
    """The common end of a page comparing several outcomes: one line per outcome
    (:func:`jamtools.present.outcomes.summary`), ``note`` when given, the figure of the
    differences (named ``skillnader``) and their table (``jamforelser``)."""
    rows = outcomes.difference_rows(comparisons, key)
    return items(
        outcomes.summary(comparisons, key),
        note,
        *figure(plots.difference_plot(rows, label_by="rad", title=title),
                caption="Skillnaden kvinnor − män i procentenheter för varje jämförelse, utan och "
                        "med justering, med simultana konfidensintervall; den streckade linjen är "
                        "ingen skillnad.",
                alt=_differences_alt(rows), name="skillnader"),
        report.comparison_table(rows, caption=caption, name="jamforelser"))


def _short_answer(comparisons: pd.DataFrame, key: str, *, unit_text: str, what: str,
                  empty: str) -> str:
    """*Svar i korthet* of a page comparing several outcomes: the crude and the same-need
    difference of the first (:func:`jamtools.present.sentences.short_answer`), and which of all
    ``what`` show a clear difference with simultaneous intervals (the adjusted comparison when
    there is one, :func:`jamtools.present.sentences.direction`)."""
    rows = (comparisons[comparisons["measure"] == "risk_difference_pp"]
            if len(comparisons) and "measure" in comparisons else comparisons.iloc[0:0])
    if rows.empty:
        return empty
    names = list(dict.fromkeys(rows[key]))
    text = f"**{names[0]}.** " + short_answer(rows[rows[key] == names[0]], unit_text=unit_text)
    if len(names) == 1:
        return text
    adjusted = rows[rows["adjusted"].astype(bool)]
    judged = adjusted if len(adjusted) else rows
    scope = (f"bland {unit_text} med samma {report.covariates_text(adjusted['adjusted_for'].iloc[0])}"
             if len(adjusted) else "utan justering")
    shown = [(name, sub) for name, sub in judged.groupby(key, sort=False)
             if not (bool(sub["suppressed"].iloc[0]) or pd.isna(sub["estimate"].iloc[0]))]
    clear = [_lower(str(name)) for name, sub in shown
             if direction(sub["ci_low"].iloc[0], sub["ci_high"].iloc[0]) != "oklar"]
    lead = f" Med simultana intervall över {all_of(len(names), what)}"
    if not shown:  # nothing was compared: no verdict, not "no clear difference"
        return text + f"{lead} kan ingen av jämförelserna {scope} visas eller beräknas."
    if len(shown) < len(names):  # the verdict covers the comparisons there are
        lead += f" (av dem kan {len(shown)} visas)"
    if clear:
        listed = clear[0] if len(clear) == 1 else ", ".join(clear[:-1]) + " och " + clear[-1]
        return text + f"{lead} är skillnaden mellan kvinnor och män tydlig {scope} för {listed}."
    return text + f"{lead} finns ingen tydlig skillnad mellan kvinnor och män {scope} för någon av dem."


def _lower(name: str) -> str:
    """A label inside a sentence: its first letter in lower case."""
    return name[:1].lower() + name[1:]


def _outcomes_page(ctx, *, key: str, results: dict, parts: dict, counts: dict, unit_text: str,
                   what: str, empty: str = "Data räcker inte till någon av kapitlets jämförelser "
                                           "i det här urvalet.", hidden_counts=()) -> Page:
    """The page of a chapter that compares several yes/no outcomes of women and men with
    simultaneous intervals (eb_01, eb_02, eb_03, eb_05, eb_07).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
    key : str
        The column that names the outcome in the stacked comparisons ("krav", "steg", …).
    results : dict
        Outcome label -> its :class:`~jamtools.disclosure.analyses.BinaryResult`, in page order
        (empty when the data allow no comparison).
    parts : dict
        The page's parts, in page order.
    counts : dict
        Table name -> the :class:`~jamtools.data.LoadResult` whose rows by sex the results file
        records (None: the table is not used).
    unit_text, what : str
        What a row is, in the plural ("planeringar"), and what the outcomes are in the plural
        ("punkter", "steg"), for the short answer.
    empty : str
        The short answer when the data allow no comparison.
    hidden_counts : collection of str
        Tables of ``counts`` whose analysed rows the page hides for every sex
        (:func:`jamtools.disclosure.linked.protect_map`).

    Returns
    -------
    Page
        With the short answer, ``parts``, the disclosed counts and all comparisons with p-values
        adjusted by Holm's method.
    """
    _, comparisons = _stacked(results, key)
    return Page(
        question_id=ctx.question_id,
        short_answer=_short_answer(comparisons, key, unit_text=unit_text, what=what, empty=empty),
        parts=parts,
        counts={table: _table_counts(ctx, loaded, hidden=table in hidden_counts)
                for table, loaded in counts.items() if loaded is not None},
        comparisons=stats.adjust_pvalues(comparisons, method="holm") if results else None,
    )


def _table_counts(ctx, loaded, *, hidden: bool = False) -> dict:
    """The results file's record of ``loaded``'s rows by sex, disclosed; ``hidden``: its
    analysed rows hidden for every sex (linked to a hidden count of the page)."""
    counts = disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(), threshold=ctx.threshold)
    return linked.hide_counts(counts) if hidden else counts


def requirements(ctx) -> Page:
    """eb_01: are women and men given the same requirements (activity, active job search) and
    sanctioned alike for absence?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``simultan`` (what the simultaneous intervals mean), ``aktivitet``,
        ``hushallstyp`` (households of women and men and the requirement of activity in each),
        ``arbetssokande``, ``sanktion`` (among those with a requirement of activity) and ``alla``
        (every requirement's difference).
    """
    # a client can have several plannings: each share rests on enough clients
    planering = ctx.load("eb_planering", persons=True, **ctx.filters)
    # The chapter's rows are plannings that say whether a requirement of activity was set.
    planering = planering.exclude(planering.data["aktivitetskrav"].isna(), "Uppgift om aktivitetskrav saknas")
    planering, covariates = ctx.with_covariates("eb_planering", planering)
    labels = {k: v for k, v in REQUIREMENTS.items() if k == "aktivitetskrav" or planering.has(k)}
    # A few rows the selections below leave out would be given back beside the whole: they
    # leave the chapter (ChapterRun.without_few).
    if "krav_arbetssokande" in labels:
        planering = ctx.without_few(planering, planering.data["krav_arbetssokande"].isna(),
                                    "Uppgift om krav på arbetssökande saknas")
    if "sanktion" in labels:
        planering = ctx.without_few(planering, planering.data["aktivitetskrav"].astype(bool)
                                    & planering.data["sanktion"].isna(), "Uppgift om sanktion saknas")
    level = _level(ctx, len(labels))
    household = "hushallstyp" if planering.has("hushallstyp") else None
    # A cell table when the catalogue allows it: every count below weighs a row by its units.
    weight = planering.weight
    activity = _compare(ctx, planering.data, "aktivitetskrav", covariates, level, by=household,
                        weight=weight, persons=planering.persons)
    results = {labels["aktivitetskrav"]: activity}

    by_household: tuple | str = ctx.left_out("eb_planering", "hushallstyp")
    if household:
        sexes = planering.data[planering.data["kon"].isin(SEXES)]
        households = disclosure.disclose_distribution(
            stats.distribution_by_group(sexes, "hushallstyp", count=weight,
                                        conf_level=ctx.conf_level, missing="category",
                                        persons=planering.persons),
            "hushallstyp", threshold=ctx.threshold, persons=planering.persons)
        by_household = items(
            "Tabellen visar hur kvinnornas och männens planeringar fördelar sig på hushållstyper; "
            "figuren därefter visar andelen med krav på aktivitet inom varje hushållstyp.",
            report.distribution_table(households, "hushallstyp", caption="Hushållstyp efter kön"))
        if activity.by_shares is not None:
            by_household = items(
                by_household,
                *_shares_figure(activity.by_shares, by="hushallstyp",
                                title="Krav på aktivitet efter hushållstyp",
                                xlabel="Andel av planeringarna med krav på aktivitet",
                                what="Andel med krav på aktivitet",
                                caption="Andel planeringar med krav på aktivitet inom varje "
                                        "hushållstyp, efter kön, med konfidensintervall.",
                                name="hushallstyp"),
                report.share_table(activity.by_shares, outcome_label="Andel med krav på aktivitet",
                                   caption="Krav på aktivitet efter hushållstyp och kön"))

    job_search: tuple | str = ctx.left_out("eb_planering", "krav_arbetssokande")
    if "krav_arbetssokande" in labels:
        searching = planering.exclude(planering.data["krav_arbetssokande"].isna(),
                                      "Uppgift om krav på arbetssökande saknas")
        work = _compare(ctx, searching.data, "krav_arbetssokande", covariates, level, weight=weight,
                        persons=planering.persons)
        results[labels["krav_arbetssokande"]] = work
        job_search = items(
            _quality(ctx, searching, "Dataunderlag: planeringar med uppgift om arbetssökande")
            if searching.n_rows() < planering.n_rows() else None,
            report.describe_binary(work.shares, work.comparisons, verb="innehöll",
                                   outcome_text="krav på aktivt arbetssökande", unit_text="planeringar"))

    sanction_part: tuple | str = ctx.left_out("eb_planering", "sanktion")
    if "sanktion" in labels:
        required = planering.exclude(~planering.data["aktivitetskrav"].astype(bool),
                                     "Inget aktivitetskrav (frågan gäller bara klienter med krav)")
        required = required.exclude(required.data["sanktion"].isna(), "Uppgift om sanktion saknas")
        sanction = _compare(ctx, required.data, "sanktion", covariates, level, weight=weight,
                            persons=planering.persons)
        results[labels["sanktion"]] = sanction
        sanction_part = items(
            _quality(ctx, required, "Dataunderlag: planeringar med aktivitetskrav"),
            report.describe_binary(sanction.shares, sanction.comparisons, verb="ledde",
                                   outcome_text="till sanktion vid frånvaro",
                                   unit_text="planeringar med aktivitetskrav"))

    _, comparisons = _stacked(results, "krav")
    return _outcomes_page(ctx, key="krav", results=results, unit_text="planeringar", what="jämförelser", parts={
        "data": items(f"{ctx.heading} {ctx.omissions('eb_planering', planering)}"
                      f"{no_person_ids(planering, unit_text='planeringar', person='klient')}",
                      _quality(ctx, planering, "Dataunderlag: planeringar", "dataunderlag")),
        "simultan": outcomes.simultaneous_text(ctx.conf_level, len(labels), level),
        "aktivitet": items(
            report.describe_binary(activity.shares, activity.comparisons, verb="innehöll",
                                   outcome_text="krav på att delta i aktivitet", unit_text="planeringar"),
            *_shares_figure(activity.shares, by=None, title="Andel planeringar med krav på aktivitet",
                            xlabel="Andel av planeringarna med krav på aktivitet",
                            what="Andel med krav på aktivitet",
                            caption="Andel planeringar med krav på aktivitet, efter kön, med "
                                    "konfidensintervall.", name="aktivitet"),
            report.share_table(activity.shares, outcome_label="Andel med krav på aktivitet",
                               caption="Planeringar med krav på aktivitet, efter kön")),
        "hushallstyp": by_household,
        "arbetssokande": job_search,
        "sanktion": sanction_part,
        "alla": _differences(comparisons, "krav", title="Skillnad kvinnor − män i krav och sanktioner",
                             caption="Skillnad kvinnor − män per krav (procentenheter, simultana intervall)"),
    }, counts={"eb_planering": planering})


def ill_health(ctx) -> Page:
    """eb_02: is ill-health considered alike for women and men (adapted planning, sick notes,
    coordination with health care)?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``ohalsa`` (how often ill-health is documented), ``urval`` (the
        plannings with ill-health compared), ``simultan``, one part per consideration
        (``anpassad_planering``, ``krav_sjukintyg``, ``samordning_varden``) and ``alla``.
    """
    # a client can have several plannings: each share rests on enough clients
    planering = ctx.load("eb_planering", persons=True, **ctx.filters)
    # The chapter's rows are plannings that say whether ill-health is documented.
    planering = planering.exclude(planering.data["ohalsa"].isna(), "Uppgift om ohälsa saknas")
    planering, covariates = ctx.with_covariates("eb_planering", planering)
    labels = {k: words[0] for k, words in CONSIDERATIONS.items() if planering.has(k)}
    unanswered = "Uppgift saknas om anpassning, sjukintyg eller samordning"
    if labels:  # a few of the ill without an answer leave the chapter (ChapterRun.without_few)
        planering = ctx.without_few(planering, planering.data["ohalsa"].astype(bool)
                                    & planering.data[list(labels)].isna().any(axis=1), unanswered)
    # A cell table when the catalogue allows it: every count below weighs a row by its units.
    documented = analysis.binary_outcome(planering.data, "ohalsa", levels=SEXES,
                                         conf_level=ctx.conf_level, threshold=ctx.threshold,
                                         weight=planering.weight, persons=planering.persons)
    ill = planering.exclude(~planering.data["ohalsa"].astype(bool),
                            "Ingen dokumenterad ohälsa (frågan gäller bara klienter med ohälsa)")
    if labels:
        ill = ill.exclude(ill.data[list(labels)].isna().any(axis=1), unanswered)
    level = _level(ctx, len(labels))
    compared = {k: _compare(ctx, ill.data, k, covariates, level, weight=ill.weight,
                            persons=planering.persons) for k in labels}
    results = {labels[k]: r for k, r in compared.items()}

    each = {}
    for k, (_, verb, text) in CONSIDERATIONS.items():
        r = compared.get(k)
        each[k] = (ctx.left_out("eb_planering", k) if r is None else
                   report.describe_binary(r.shares, r.comparisons, verb=verb, outcome_text=text,
                                          unit_text="planeringar"))
    nothing = ("Data saknar alla tre uppgifterna om hänsyn till ohälsa (anpassad planering, krav "
               "på sjukintyg och samordning med vården), så kapitlet kan bara visa hur ofta ohälsa "
               "finns dokumenterad.")
    every: tuple | str = nothing
    if results:
        shares, comparisons = _stacked(results, "utfall")
        every = items(
            *_shares_figure(shares, by="utfall", title="Hänsyn till ohälsa, efter kön",
                            xlabel="Andel av planeringarna med ohälsa", what="Andel",
                            caption="Andel av planeringarna med ohälsa där planeringen anpassades, "
                                    "sjukintyg krävdes respektive planeringen samordnades med "
                                    "vården, efter kön, med simultana konfidensintervall.",
                            name="andelar"),
            report.share_table(shares, outcome_label="Andel",
                               caption="Hänsyn till ohälsa bland planeringar med ohälsa, efter kön"),
            _differences(comparisons, "utfall", title="Skillnad kvinnor − män i hänsyn till ohälsa",
                         caption="Skillnad kvinnor − män bland klienter med ohälsa (procentenheter, "
                                 "simultana intervall)"))
    return _outcomes_page(ctx, key="utfall", results=results, unit_text="planeringar", what="punkter",
                          empty=nothing, parts={
        "data": items(f"{ctx.heading} {ctx.omissions('eb_planering', planering)}"
                      f"{no_person_ids(planering, unit_text='planeringar', person='klient')}",
                      _quality(ctx, planering, "Dataunderlag: planeringar", "dataunderlag")),
        "ohalsa": items(report.share_table(documented.shares, outcome_label="Andel med dokumenterad ohälsa",
                                           caption="Planeringar med dokumenterad ohälsa, efter kön")),
        "urval": items(_quality(ctx, ill, "Dataunderlag: planeringar med ohälsa")),
        "simultan": items(
            f"Justeringen görs för {report.covariates_text(covariates)}." if covariates else None,
            outcomes.simultaneous_text(ctx.conf_level, len(labels), level) if labels else None),
        **each,
        "alla": every,
    }, counts={"eb_planering": ill})


def offers(ctx) -> Page:
    """eb_03: are women and men offered the same interventions (six types)?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (plannings, offers and, for sfi, plannings of clients born abroad),
        ``andelar`` (each type's shares, simultaneous intervals), ``skillnader`` (each type's
        difference) and ``ingen_tydlig`` (the types without a clear difference, with the
        difference the data could have detected).

    The plannings and the offers come as linked cell tables when the catalogue says so
    (``linked=True``): the planning ids stay in the engine, the offers are kept to the plannings
    (:func:`~jamtools.data.links.keep_linked`) and the types flagged per planning
    (:func:`~jamtools.data.links.flags_by`) there, and every count weighs a row by the load's
    ``weight``; as rows (``weight`` None) the same is done in pandas, with the same page.
    """

    # a client can have several plannings: each share rests on enough clients (counted below)
    planering, covariates = ctx.with_covariates("eb_planering",
                                                ctx.load("eb_planering", persons=True, **ctx.filters))
    # Without a planning id the offers cannot be linked to the plannings (row numbers link nothing).
    linked = linkable(planering, "planering_id")
    data_text = (f"{ctx.heading} {ctx.omissions('eb_planering', planering)}"
                 + ("" if linked else " " + outcomes.unlinked_text(
                     "eb_planering", "planering_id", "jämförelserna av erbjudna insatser kan inte göras")))
    # The offers follow their planning: period, unit and age are the planning's. Both tables
    # may be linked cell tables (the ids in the engine) or rows: the links below work on both.
    insatser = ctx.load("eb_insatser")
    outside = "Planeringen ingår inte i urvalet ovan"
    insatser = (keep_linked(insatser, "planering_id", planering, "planering_id", reason=outside) if linked
                else insatser.exclude(pd.Series(True, index=insatser.data.index), outside))
    types = dict(OFFER_TYPES) if linked else {}
    if not planering.has("fodd_i_sverige"):  # sfi is for those born abroad only
        types.pop("sfi", None)
    # One 0/1 column per type: whether the planning was offered it (per cell, in the engine).
    # (the rows are followed on when the clients are still to be counted: count_persons)
    planering = count_persons(flags_by(planering, "planering_id", insatser, "planering_id", "insatstyp",
                                       list(types), follow=planering.persons_up_to is not None))
    weight = planering.weight  # a cell table's units per row; None for rows
    sfi_rows: tuple | str | None = ctx.left_out("eb_planering", "fodd_i_sverige") if linked else None
    if "sfi" in types:
        abroad = planering.exclude(planering.data["fodd_i_sverige"].isna(), "Uppgift om födelseland saknas")
        abroad = abroad.exclude(abroad.data["fodd_i_sverige"].fillna(False).astype(bool),
                                "Född i Sverige (sfi gäller utrikes födda)")
        sfi_rows = _quality(ctx, abroad, "Dataunderlag för sfi: planeringar för utrikes födda")
    level = _level(ctx, len(types))
    compared = {t: _compare(ctx, abroad.data if t == "sfi" else planering.data, t, covariates, level,
                            weight=weight, persons=planering.persons)
                for t in types}
    results = {types[t]: r for t, r in compared.items()}

    shares_part: tuple = ()
    differences: tuple = ()
    if results:
        shares, comparisons = _stacked(results, "insats")
        shares_part = items(
            outcomes.simultaneous_text(ctx.conf_level, len(types), level, what="typerna"),
            *_shares_figure(shares, by="insats",
                            title="Andel planeringar med erbjudande, per typ av insats",
                            xlabel="Andel av planeringarna (sfi: av planeringarna för utrikes födda)",
                            what="Andel med erbjudande",
                            caption="Andel planeringar med minst ett erbjudande om insatsen, per typ "
                                    "och kön, med simultana konfidensintervall (sfi: bland "
                                    "planeringar för utrikes födda).", name="andelar"),
            report.share_table(shares, outcome_label="Andel med erbjudande",
                               caption="Planeringar med erbjudande om insatsen, efter typ och kön "
                                       "(simultana intervall)"))
        differences = _differences(comparisons, "insats",
                                   title="Skillnad kvinnor − män i erbjudna insatser",
                                   caption="Skillnad kvinnor − män per typ av insats (procentenheter, "
                                           "simultana intervall)")
    unclear, judged = [], 0
    for t, r in compared.items():
        # The adjusted comparison when there is one, else the crude.
        chosen = r.comparisons["adjusted"].astype(bool) == bool(covariates)
        rd = r.comparisons[(r.comparisons["measure"] == "risk_difference_pp") & chosen]
        if rd.empty or bool(rd["suppressed"].iloc[0]) or pd.isna(rd["estimate"].iloc[0]):
            continue
        judged += 1
        if direction(rd["ci_low"].iloc[0], rd["ci_high"].iloc[0]) == "oklar":
            # The crude difference is in the list above; here the shares and the comparison judged.
            text = report.describe_binary(
                r.shares, r.comparisons[chosen], verb="innehöll",
                unit_text="planeringar för utrikes födda" if t == "sfi" else "planeringar",
                outcome_text=f"ett erbjudande om {types[t].lower()}")
            unclear.append(f"**{types[t]}.** " + text.split("\n\nSiffrorna beskriver")[0])
    if results and not judged:  # nothing compared: no verdict
        unclear.append("Ingen av typerna av insats kan jämföras: jämförelserna visas inte eller kan "
                       "inte beräknas (se tabellen).")
    elif results and not unclear:
        unclear.append("För alla typer av insats som kan jämföras visar intervallet en tydlig skillnad"
                       + ("." if judged == len(compared) else
                          f" ({judged} av {len(compared)} kan jämföras)."))
    return _outcomes_page(ctx, key="insats", results=results, unit_text="planeringar",
                          what="typer av insats",
                          empty="Erbjudandena kan inte knytas till planeringarna, så kapitlet kan "
                                "inte jämföra några erbjudna insatser.", parts={
        "data": items(data_text + no_person_ids(planering, unit_text="planeringar", person="klient"),
                      _quality(ctx, planering, "Dataunderlag: planeringar", "dataunderlag"),
                      _quality(ctx, insatser, "Dataunderlag: erbjudna insatser"), sfi_rows),
        "andelar": shares_part,
        "skillnader": differences,
        "ingen_tydlig": tuple(unclear),
    }, counts={"eb_planering": planering, "eb_insatser": insatser})


def violence(ctx) -> Page:
    """eb_05: are women and men asked about violence in close relationships alike, and is
    violence identified alike among those asked?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``simultan``, ``fragat`` (who is asked, also by household type),
        ``identifierat`` (among those asked) and ``alla`` (both steps).
    """
    # a client can have several plannings: each share rests on enough clients
    planering = ctx.load("eb_planering", persons=True, **ctx.filters)
    # The chapter's rows are plannings that say whether the question about violence was asked.
    planering = planering.exclude(planering.data["fragat_om_vald"].isna(), "Uppgift om fråga om våld saknas")
    planering, covariates = ctx.with_covariates("eb_planering", planering)
    if planering.has("vald_identifierat"):  # a few of the asked without an answer leave the chapter
        planering = ctx.without_few(planering, planering.data["fragat_om_vald"].astype(bool)
                                    & planering.data["vald_identifierat"].isna(),
                                    "Uppgift om identifierat våld saknas")
    labels = {k: v for k, v in VIOLENCE_STEPS.items() if k == "fragat_om_vald" or planering.has(k)}
    level = _level(ctx, len(labels))
    household = "hushallstyp" if planering.has("hushallstyp") else None
    # A cell table when the catalogue allows it: every count below weighs a row by its units.
    weight = planering.weight
    asked = _compare(ctx, planering.data, "fragat_om_vald", covariates, level, by=household,
                     weight=weight, persons=planering.persons)
    results = {labels["fragat_om_vald"]: asked}

    asked_part = items(report.describe_binary(asked.shares, asked.comparisons, verb="innehöll",
                                              outcome_text="en fråga om våld i nära relation",
                                              unit_text="planeringar"))
    if asked.by_shares is None:
        asked_part = items(asked_part, ctx.left_out("eb_planering", "hushallstyp"))
    else:
        asked_part = items(
            asked_part,
            *_shares_figure(asked.by_shares, by="hushallstyp",
                            title="Andel som fick frågan om våld, efter hushållstyp",
                            xlabel="Andel av planeringarna där frågan om våld ställdes",
                            what="Andel tillfrågade",
                            caption="Andel planeringar där frågan om våld ställdes, inom varje "
                                    "hushållstyp och efter kön, med konfidensintervall.",
                            name="hushallstyp"),
            report.share_table(asked.by_shares, outcome_label="Andel tillfrågade",
                               caption="Frågan om våld i nära relation efter hushållstyp och kön"))

    identified_part: tuple | str = ctx.left_out("eb_planering", "vald_identifierat")
    if "vald_identifierat" in labels:
        were_asked = planering.exclude(~planering.data["fragat_om_vald"].astype(bool),
                                       "Frågan om våld ställdes inte (gäller bara tillfrågade)")
        were_asked = were_asked.exclude(were_asked.data["vald_identifierat"].isna(),
                                        "Uppgift om identifierat våld saknas")
        identified = _compare(ctx, were_asked.data, "vald_identifierat", covariates, level,
                              weight=weight, persons=planering.persons)
        results[labels["vald_identifierat"]] = identified
        identified_part = items(
            _quality(ctx, were_asked, "Dataunderlag: planeringar där frågan ställdes"),
            report.describe_binary(identified.shares, identified.comparisons, verb="ledde",
                                   outcome_text="till att våld identifierades",
                                   unit_text="planeringar där frågan ställdes"))

    shares, comparisons = _stacked(results, "steg")
    return _outcomes_page(ctx, key="steg", results=results, unit_text="planeringar", what="steg", parts={
        "data": items(f"{ctx.heading} {ctx.omissions('eb_planering', planering)}"
                      f"{no_person_ids(planering, unit_text='planeringar', person='klient')}",
                      _quality(ctx, planering, "Dataunderlag: planeringar", "dataunderlag")),
        "simultan": items(
            f"Den justerade jämförelsen görs bland klienter med samma "
            f"{report.covariates_text(covariates)}." if covariates else None,
            outcomes.simultaneous_text(ctx.conf_level, len(labels), level)),
        "fragat": asked_part,
        "identifierat": identified_part,
        "alla": items(
            *_shares_figure(shares, by="steg", title="Uppmärksamhet på våld i nära relation, efter kön",
                            xlabel="Andel", what="Andel",
                            caption="Andel planeringar där frågan om våld ställdes, och andel där "
                                    "våld identifierades bland dem som fick frågan, efter kön, med "
                                    "simultana konfidensintervall.", name="andelar"),
            _differences(comparisons, "steg",
                         title="Skillnad kvinnor − män i frågor om våld och identifierat våld",
                         caption="Skillnad kvinnor − män (procentenheter, simultana intervall)")),
    }, counts={"eb_planering": planering})


#: The note of a later table of the process map whose comparisons are adjusted for the
#: applicant's values (:func:`applicants_covariates`).
APPLICANTS_NOTE = ("Jämförelser som bygger på den här tabellen justeras för den sökandes {what} "
                   "enligt ansökningarna, som i kartans övriga steg.")


def applicants_covariates(ctx, table: str, loaded, klienter, used) -> tuple:
    """A later table of the process map (plannings, outcomes) with the applicant's value of
    each covariate in ``used`` (those ``klienter``, the applicants, are adjusted for), in place
    of any of the table's own, and the covariates its comparisons are adjusted for.

    Every step of the map is then adjusted for the same values, the applicant's at the
    application (a baseline covariate), and a blank or missing column in a later table costs
    nothing: the later table keeps every row, since a row there says whether an applicant went
    on. Rows of ``loaded`` follow the applicants (:func:`~jamtools.data.links.keep_linked`
    before), who all have a value (a row without one would leave the covariate unused,
    ``ChapterRun.with_covariates(..., keep_rows=True)``).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        eb_07's run.
    table : str
        ``eb_planering`` or ``eb_utfall``.
    loaded : jamtools.data.LoadResult
        The table's rows (or linked cells) that follow the applicants, with ``person_id``.
    klienter : jamtools.data.LoadResult
        The applicants, without those with a blank in ``used``.
    used : list of str
        The covariates the applicants' comparisons are adjusted for.

    Returns
    -------
    (LoadResult, list of str)
    """
    from jamtools.data.links import look_up

    for column in used:
        found = look_up(loaded, "person_id", klienter, "person_id", column, name="__sokandens")
        data = found.data.drop(columns=[column], errors="ignore").rename(columns={"__sokandens": column})
        loaded = found.with_data(data)
    loaded, kept = ctx.with_covariates(table, loaded, list(used), keep_rows=True)
    if kept:
        loaded.notes.append(APPLICANTS_NOTE.format(what=report.covariates_text(kept)))
    return loaded, kept


def process_map(ctx) -> Page:
    """eb_07: where in the process (application, decision, planning, offer, self-sufficiency)
    do the paths of women and men part?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (what is left out and the rows of each table followed), ``karta`` (each
        step's shares and difference, simultaneous intervals) and ``planering`` (the step to a
        planning by household type).
    """
    klienter = ctx.load("eb_klienter", **ctx.filters)
    klienter = klienter.exclude(klienter.data["bistand_beviljat"].isna(), "Uppgift om beslut saknas")
    # The later tables are optional: each step is made when the data have its table and it can
    # be linked to the applicants (process_links).
    planering = ctx.load_optional("eb_planering", persons=True)
    insatser = ctx.load_optional("eb_insatser")
    utfall = ctx.load_optional("eb_utfall")
    tables = {"eb_klienter": klienter, "eb_planering": planering, "eb_insatser": insatser,
              "eb_utfall": utfall}
    links = process_links(klienter, planering, insatser, utfall, unlinked={
        "eb_klienter": ctx.optional_reason("eb_klienter", "person_id"),
        "eb_planering": ctx.without("eb_planering"), "eb_insatser": ctx.without("eb_insatser"),
        "eb_utfall": ctx.without("eb_utfall")})
    notes = process_omissions(ctx, tables) + links.notes
    # An applicant with a blank covariate leaves every step (ChapterRun.with_covariates), and the
    # later steps follow the applicants above (the same persons, whatever the dates).
    klienter, used = ctx.with_covariates("eb_klienter", klienter)
    covariates = {"eb_klienter": used}
    if links.planering:
        planering = keep_linked(planering, "person_id", klienter, "person_id",
                                reason="Ansökan ingår inte i urvalet")
        planering, covariates["eb_planering"] = applicants_covariates(ctx, "eb_planering", planering,
                                                                      klienter, used)
    if links.insatser:
        insatser = keep_linked(insatser, "planering_id", planering, "planering_id",
                               reason="Planeringen ingår inte i urvalet")
    if links.utfall:
        utfall = keep_linked(utfall, "person_id", klienter, "person_id", reason="Ansökan ingår inte i urvalet")
        utfall, covariates["eb_utfall"] = applicants_covariates(ctx, "eb_utfall", utfall, klienter, used)
    followed = {"eb_planering": planering if links.planering else None,
                "eb_insatser": insatser if links.insatser else None,
                "eb_utfall": utfall if links.utfall else None}
    steps = process_steps(klienter, *(followed[t] for t in ("eb_planering", "eb_insatser", "eb_utfall")))
    level = _level(ctx, len(steps))
    by_household = "hushallstyp" if klienter.has("hushallstyp") else None
    compared = {k: _compare(ctx, rows, column, covariates.get(STEP_TABLES[k], []), level,
                            by=by_household if k == "planering" else None, weight=weight,
                            persons=persons_column(rows) if k == "insats" else None)
                for k, (rows, column, weight) in steps.items()}
    # The map is disclosed as one linked table: a step's counts are its neighbours' and the
    # data tables', so a count one step hides must not follow from those shown elsewhere.
    data_tables = {"eb_klienter": klienter, **{t: d for t, d in followed.items() if d is not None}}
    others = {t: linked.table_display(d) for t, d in data_tables.items()}
    if "planering" in steps and by_household:
        # The planning table by household type: its rows (a row for a missing type too) sum to
        # step 2's counts, and each row shows its own.
        rows, column, weight = steps["planering"]
        types = rows[by_household].astype("string").fillna("\x00")
        parts = {BY_HOUSEHOLD: steps["planering"]} | {
            f"{BY_HOUSEHOLD}\x1f{t}": (rows[types == t], column, weight) for t in types.unique()}
        counted = linked.step_displays(linked.map_counts(parts, levels=SEXES))
        others[BY_HOUSEHOLD] = {sex: [v for name in counted for v in counted[name].get(sex, [])]
                                for sex in SEXES}
    hidden_steps, hidden_others = linked.protect_map(
        linked.map_counts({STEPS[k]: v for k, v in steps.items()}, levels=SEXES,
                          persons={STEPS[k]: persons_column(v[0]) for k, v in steps.items() if k == "insats"}),
        _stacked({STEPS[k]: r for k, r in compared.items()}, "steg")[0], others=others,
        gaps=[((STEPS[a], x), (STEPS[b], y)) for (a, x), (b, y) in GAPS]
        + [((STEPS[a], x), (t, y)) for (a, x), (t, y) in TABLE_GAPS], threshold=ctx.threshold)
    compared = {k: r if STEPS[k] not in hidden_steps else replace(
        r, shares=linked.hide_steps(r.shares),
        comparisons=linked.hide_steps(r.comparisons))
        for k, r in compared.items()}
    results = {STEPS[k]: r for k, r in compared.items()}
    shares, comparisons = _stacked(results, "steg")

    planning = compared.get("planering")
    if planning is None:
        planning_part: tuple | str = ("Steget till planering ingår inte i kartan: "
                                      + ctx.without("eb_planering") + ".")
    elif BY_HOUSEHOLD in hidden_others:
        planning_part = ("Uppdelningen efter hushållstyp visas inte: tillsammans med kartans andra "
                         "tal skulle den göra det möjligt att räkna ut en uppgift som bygger på "
                         "färre än " f"{ctx.threshold} personer (röjandekontroll).")
    elif planning.by_shares is None:
        planning_part = ctx.left_out("eb_klienter", "hushallstyp")
    else:
        planning_part = items(
            *_shares_figure(planning.by_shares, by="hushallstyp",
                            title="Andel med beviljat bistånd som fick en planering, efter hushållstyp",
                            xlabel="Andel med planering", what="Andel med planering",
                            caption="Andel av dem med beviljat bistånd som fick en planering, inom "
                                    "varje hushållstyp och efter kön, med simultana "
                                    "konfidensintervall.", name="planering"),
            report.share_table(planning.by_shares, outcome_label="Andel med planering",
                               caption="Planering efter hushållstyp och kön (simultana intervall)"))
    names = {"eb_planering": "planeringar", "eb_insatser": "erbjudna insatser",
             "eb_utfall": "utfall för klienter med beviljat bistånd"}
    return _outcomes_page(ctx, key="steg", results=results, unit_text="sökande", what="steg", parts={
        "data": items(f"{ctx.heading}\n\n" + "\n".join(f"- {text}" for text in notes if text),
                      _quality(ctx, klienter, "Dataunderlag: ansökningar", "dataunderlag",
                               linked_hidden="eb_klienter" in hidden_others),
                      *(_quality(ctx, loaded, f"Dataunderlag: {names[t]}", linked_hidden=t in hidden_others)
                        for t, loaded in followed.items() if loaded is not None)),
        "karta": items(
            outcomes.simultaneous_text(ctx.conf_level, len(steps), level, what="stegen"),
            *_shares_figure(shares, by="steg", title="Processkarta: andel som går vidare i varje steg",
                            xlabel="Andel som går vidare (nämnare: föregående steg)",
                            what="Andel som går vidare",
                            caption="Varje stegs andel som går vidare, med det föregående steget som "
                                    "nämnare, efter kön, med simultana konfidensintervall.",
                            name="karta"),
            report.share_table(shares, outcome_label="Andel som går vidare",
                               caption="Varje stegs andel, efter kön (simultana intervall)"),
            _differences(comparisons, "steg", title="Skillnad kvinnor − män i varje steg",
                         caption="Skillnad kvinnor − män i varje steg (procentenheter, simultana "
                                 "intervall)",
                         note="Siffrorna beskriver skillnader i utfall; de säger inte varför "
                              "skillnaderna finns eller om någon enskild bedömning var rätt eller "
                              "fel.")),
        "planering": planning_part,
    }, counts={"eb_klienter": klienter, **followed}, hidden_counts=hidden_others)


__all__ = ["APPLICANTS_NOTE", "GAPS", "TABLE_GAPS", "OFFER_TYPES", "REQUIREMENTS", "CONSIDERATIONS", "SEXES", "STEPS", "STEP_TABLES",
           "VIOLENCE_STEPS", "ProcessLinks", "applicants_covariates", "ill_health", "linkable", "offers",
           "process_links", "process_map", "process_omissions", "process_steps", "requirements",
           "violence"]
