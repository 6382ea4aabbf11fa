"""Ekonomiskt bistånd: the chapters about parents and about the way out of assistance.

- eb_04 (:func:`parental_responsibility`): are mothers and fathers expected to take the same
  responsibility for children and home? Mothers and fathers compared among all parents (crude
  and at equal household type and number of children) and, where both parents of a household
  have a planning, with each other (a paired comparison: :mod:`jamtools.stats.paired`).
- eb_06 (:func:`self_sufficiency`): do women and men become self-sufficient to the same extent
  and at the same pace? Shares, cumulative incidence with competing ends
  (:func:`jamtools.stats.competing.cumulative_incidence`), the log-rank test and Cox hazard
  ratios.

Both chapters read their table as a cell table (``cells=True`` in the catalogue): every count
of units goes by the result's ``weight``. eb_04's household id, for the comparison within
couples, stays in the engine (``linked=True``, :mod:`jamtools.data.links`): only the rows of
households with two plannings reach pandas, with the id as a number.

The data preparation of the two chapters works on any export that has a chapter's required
columns, with or without the optional ones and with missing values: :func:`select_parents` and
:func:`children_group` (eb_04), :func:`end_status` and :func:`follow_up` (the competing-risks
status of eb_06), :func:`born_label`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.derive import yes_no
from jamtools.data.links import has_ids, rows_by_id
from jamtools.data.load import count_persons
from jamtools.data.model import ADULT_SEXES
from jamtools.disclosure import analyses as analysis
from jamtools.disclosure.curves import disclose_curve
from jamtools.disclosure.paired import disclose_pair_table, disclose_paired
from jamtools.present import curves, outcomes, paired, plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.sentences import no_person_ids, shares_alt, short_answer
from jamtools.stats.paired import MEASURE as PAIRED

#: The sexes compared, in the order of the difference (kvinna − man).
KON = ADULT_SEXES

# --- Data preparation -------------------------------------------------------------------------

#: Ends of a case that compete with self-sufficiency (after them it can no longer be observed).
OTHER_ENDS = ("annan_ersattning", "flyttat", "ovrigt")
#: Status codes of :func:`end_status`.
ONGOING, SELF_SUFFICIENT, OTHER_END = 0, 1, 2


def end_status(sjalvforsorjande, avslutsorsak=None, slutdatum=None) -> pd.Series:
    """How each client's follow-up ended, as the competing-risks status of the chapter on
    self-sufficiency: 1 = self-sufficient, 2 = another end (competing), 0 = still ongoing
    (censored), missing = cannot be told.

    Parameters
    ----------
    sjalvforsorjande : array-like of bool or 0/1
        Whether the client became self-sufficient; missing values give a missing status.
    avslutsorsak : array-like of str, optional
        Why the case ended (codes of :data:`jamtools.data.model.EB_END_REASONS`). ``None`` when
        the export has no such column.
    slutdatum : array-like of dates, optional
        When the case ended (empty while it is ongoing). ``None`` when the export has none.

    Returns
    -------
    pandas.Series of Int64
        Per row, in this order: missing if ``sjalvforsorjande`` is missing; 1 if it is true;
        2 if the reason is one of :data:`OTHER_ENDS`; 0 if the reason is ``pagaende``; missing
        if the reason says ``sjalvforsorjande`` while the flag says not (contradictory). Where
        the reason is missing or there is no reason column: 2 if the case has an end date (it
        ended, and not in self-sufficiency), else 0 (ongoing; without an end date an other end
        cannot be told from an ongoing case).

    Examples
    --------
    >>> end_status([1, 0, 0, 0], ["sjalvforsorjande", "flyttat", "pagaende", None]).tolist()
    [1, 2, 0, 0]
    >>> end_status([0, 0], slutdatum=["2024-03-01", None]).tolist()
    [2, 0]
    """
    flag = yes_no(sjalvforsorjande, None if isinstance(sjalvforsorjande, pd.Series)
                 else pd.RangeIndex(len(sjalvforsorjande)))
    index = flag.index
    n = len(index)
    if avslutsorsak is not None:
        reason = pd.Series(list(avslutsorsak) if not isinstance(avslutsorsak, pd.Series)
                           else avslutsorsak.to_numpy(), index=index, dtype="object")
        reason = reason.astype("string").str.strip().str.lower()
    else:
        reason = pd.Series(pd.NA, index=index, dtype="string")
    if slutdatum is not None:
        ended = pd.Series(list(slutdatum) if not isinstance(slutdatum, pd.Series)
                          else slutdatum.to_numpy(), index=index, dtype="object").notna().to_numpy()
    else:
        ended = np.zeros(n, dtype=bool)
    no_reason = reason.isna().to_numpy()
    yes = flag.eq(True).fillna(False).to_numpy(dtype=bool)
    unknown_flag = flag.isna().to_numpy()

    def says(*codes):
        return reason.isin(codes).fillna(False).to_numpy(dtype=bool)

    code = np.select(
        [unknown_flag, yes, says(*OTHER_ENDS), says("pagaende"), no_reason & ended, no_reason],
        [-1, SELF_SUFFICIENT, OTHER_END, ONGOING, OTHER_END, ONGOING], default=-1)
    return pd.Series(code, index=index).astype("Int64").mask(code == -1)


def follow_up(utfall):
    """The clients whose time to an end can be followed, with their competing-risks status.

    Parameters
    ----------
    utfall : jamtools.data.LoadResult
        ``eb_utfall`` with ``dagar`` and ``sjalvforsorjande`` (``avslutsorsak`` and
        ``slutdatum`` when the export has them). Left unchanged.

    Returns
    -------
    jamtools.data.LoadResult
        A new result with an int column ``status`` (:func:`end_status`: 1 = self-sufficient,
        2 = another end, 0 = ongoing), without the rows whose number of days is missing or
        whose end reason contradicts the flag, each recorded with its reason.
    """
    d = utfall.data
    status = end_status(d["sjalvforsorjande"],
                        d["avslutsorsak"] if utfall.has("avslutsorsak") else None,
                        d["slutdatum"] if utfall.has("slutdatum") else None)
    tid = utfall.with_data(d.assign(status=status.to_numpy()))
    tid = tid.exclude(tid.data["dagar"].isna(), "Uppgift om antal dagar saknas")
    tid = tid.exclude(tid.data["status"].isna(),
                      "Avslutsorsaken stämmer inte med uppgiften om självförsörjning")
    return tid.with_data(tid.data.assign(status=tid.data["status"].astype(int)))


#: The groups of the number of children the chapter on parental responsibility adjusts for.
CHILDREN_GROUPS = {1: "1", 2: "2", 3: "3 eller fler"}


def children_group(antal_barn) -> pd.Series:
    """Number of children in three groups: "1", "2", "3 eller fler"; 0 and missing stay missing.

    Examples
    --------
    >>> list(children_group([1, 2, 5, 0, None]))
    ['1', '2', '3 eller fler', <NA>, <NA>]
    """
    n = pd.to_numeric(pd.Series(antal_barn), errors="coerce")
    group = n.where(n >= 1).clip(upper=3)
    return group.map(CHILDREN_GROUPS).astype("string")


_PARENT_OUTCOMES = {"undantag_barnomsorg": "undantag", "foraldraledighet_planerad": "föräldraledighet"}


def select_parents(loaded, outcomes):
    """Keep the plannings of parents that have the chapter's outcomes, recording why the others
    were left out; the number of children becomes :func:`children_group`.

    Parameters
    ----------
    loaded : jamtools.data.LoadResult
        ``eb_planering``, loaded for the chapter (left unchanged).
    outcomes : sequence of str
        The outcome columns the chapter compares (those the export has). They are empty for
        clients without children, so where the number of children is missing (or the export
        has no such column) a filled outcome is what marks a parent.

    Returns
    -------
    jamtools.data.LoadResult
        A new result with the parents' plannings and the reasons the others were left out.
    """
    if loaded.has("antal_barn"):
        loaded = loaded.exclude(loaded.data["antal_barn"].isna(), "Uppgift om antal barn saknas")
        loaded = loaded.exclude(loaded.data["antal_barn"] == 0,
                                "Inga barn i hushållet (frågan gäller föräldrar)")
    outcomes = [o for o in outcomes if o in loaded.data.columns]
    if outcomes:
        names = " eller ".join(_PARENT_OUTCOMES.get(o, report.covariates_text([o])) for o in outcomes)
        loaded = loaded.exclude(loaded.data[outcomes].isna().any(axis=1), f"Uppgift om {names} saknas"
                                + ("" if loaded.has("antal_barn") else " (tomt för klienter utan barn)"))
    if "antal_barn" in loaded.data.columns:
        loaded = loaded.with_data(loaded.data.assign(
            antal_barn=children_group(loaded.data["antal_barn"]).to_numpy()))
    return loaded


def born_label(values) -> pd.Series:
    """'Född i Sverige' / 'Född utomlands' for the 1/0 of ``fodd_i_sverige`` (missing stays)."""
    s = pd.Series(values)
    flag = yes_no(s, s.index)
    return flag.map({True: "Född i Sverige", False: "Född utomlands"}).astype("string")


# --- Shared pieces of the pages ---------------------------------------------------------------

def _answer(lead: str, text: str) -> str:
    """``text`` (a short answer) after ``lead``: "Undantag …: utan justering är …"."""
    return f"{lead}: {text[:1].lower()}{text[1:]}"


def _rows_alt(rows: pd.DataFrame, *, label_by: str, what: str) -> str:
    """Alt text of a difference figure whose rows are labelled by ``label_by``."""
    parts = [f"{r[label_by]}: {report.estimate_words(r, 1)}" for _, r in rows.iterrows()]
    if not parts:
        return "Inga jämförelser att visa."
    return f"Punktdiagram med konfidensintervall. {what}: " + "; ".join(parts) + "."


# --- eb_04: parental responsibility -----------------------------------------------------------

#: The outcomes of eb_04, by column (the exemption is required, parental leave optional).
PARENT_OUTCOMES = {"undantag_barnomsorg": "Undantag från aktivitet för barnomsorg",
                   "foraldraledighet_planerad": "Föräldraledighet togs upp"}


def parental_responsibility(ctx) -> Page:
    """eb_04: are mothers and fathers expected to take the same responsibility for children?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (the parents' plannings), ``simultan`` (what the simultaneous intervals
        mean), ``undantag`` (the exemption for childcare among all parents), ``hushallstyp``
        (its split by household type, or what is left out without it), ``ledighet`` (parental
        leave raised), ``par`` (mother and father of the same household, paired) and
        ``jamforelser`` (every comparison in one figure and table).
    """
    table = "eb_planering"
    # a client can have several plannings: each share rests on enough clients (counted below)
    loaded = ctx.load(table, persons=True, **ctx.filters)
    utfall = {k: v for k, v in PARENT_OUTCOMES.items()
              if k == "undantag_barnomsorg" or loaded.has(k)}
    heading = f"{ctx.heading} {ctx.omissions(table, loaded)}"
    # Parents with the outcomes recorded; the number of children in three groups (1, 2, 3+).
    planering, covariates = ctx.with_covariates(table, select_parents(loaded, list(utfall)))
    hushall = "hushallstyp" if planering.has("hushallstyp") else None
    # Pairs need the household id of each row: kept in the engine (linked), or on the rows.
    with_pairs = planering.has("hushall_id") and has_ids(planering, "hushall_id")
    k = len(utfall) * (2 if with_pairs else 1)  # among all parents and, with pairs, within pairs
    simultan = stats.bonferroni_level(ctx.conf_level, k)

    weight = planering.weight  # units per row: None for rows
    # the clients counted (a linked table's rows in the engine are kept for the pairs below)
    counted = count_persons(planering)
    heading += no_person_ids(counted, unit_text="planeringar", person="klient")
    undantag = analysis.binary_outcome(counted.data, "undantag_barnomsorg", covariates=covariates,
                                       levels=KON, by=hushall, conf_level=simultan,
                                       threshold=ctx.threshold, weight=weight, persons=counted.persons)
    if undantag.by_shares is not None:
        # What to look for, not a finding: the data decide whether single parents are
        # exempted more often (and the shares may be hidden).
        any_shown = bool((~undantag.by_shares["suppressed"].astype(bool)).any())
        by_household = items(
            "Figuren delar upp föräldrarna efter hushållstyp. Jämför hushållstyperna: om "
            "ensamstående föräldrar undantas oftare än sammanboende, och de flesta ensamstående "
            "föräldrarna är mammor, förklarar det en del av den råa skillnaden. Finns skillnaden "
            "kvar *inom* hushållstyperna, bedöms mammor och pappor som lever på samma sätt olika."
            if any_shown else
            "Andelarna efter hushållstyp visas inte: grupperna är för små (röjandekontroll).",
            *figure(plots.shares_plot(undantag.by_shares, by="hushallstyp",
                                      title="Undantag från aktivitet för barnomsorg, efter hushållstyp",
                                      xlabel="Andel av föräldrarnas planeringar med undantag"),
                    name="hushallstyp",
                    caption="Andel av föräldrarnas planeringar med undantag från aktivitet för "
                            "barnomsorg, efter hushållstyp och kön, med simultana konfidensintervall.",
                    alt=shares_alt(undantag.by_shares, what="Andel med undantag", by="hushallstyp")),
            report.share_table(undantag.by_shares, outcome_label="Andel med undantag",
                               caption="Undantag från aktivitet för barnomsorg, efter hushållstyp och kön"))
    else:
        by_household = items(ctx.left_out(table, "hushallstyp"))

    ledighet = None
    if "foraldraledighet_planerad" in utfall:
        ledighet = analysis.binary_outcome(counted.data, "foraldraledighet_planerad",
                                           covariates=covariates, levels=KON, conf_level=simultan,
                                           threshold=ctx.threshold, weight=weight,
                                           persons=counted.persons)
        leave_part = items(report.describe_binary(
            ledighet.shares, ledighet.comparisons, verb="innehöll",
            outcome_text="samtal om föräldraledighet eller vård av barn", unit_text="planeringar"))
    else:
        leave_part = items(ctx.left_out(table, "foraldraledighet_planerad"))

    within = {}
    if with_pairs:  # the rows of households with two plannings, their ids as numbers
        candidates = rows_by_id(planering, "hushall_id", ["kon", *utfall], group_size=2)
        pairs = {u: stats.pair_up(candidates, "hushall_id", u, levels=KON) for u in utfall}
        within = {u: disclose_paired(stats.paired_difference(pairs[u], outcome=u, conf_level=simultan),
                                     threshold=ctx.threshold) for u in utfall}
        pair_part = items(
            paired.describe_paired(within["undantag_barnomsorg"], verb="undantogs",
                                   what="från aktivitet för att ta hand om barnen"),
            paired.paired_table(disclose_pair_table(pairs["undantag_barnomsorg"], threshold=ctx.threshold),
                                caption="Par där båda föräldrarna har en planering: undantag för barnomsorg"),
            paired.describe_paired(within["foraldraledighet_planerad"],
                                   verb="togs föräldraledighet eller vård av barn upp med")
            if "foraldraledighet_planerad" in within else None)
    else:
        pair_part = items(ctx.left_out(table, "hushall_id"))

    results = {"undantag_barnomsorg": undantag, "foraldraledighet_planerad": ledighet}
    alla = disclosure.stack({utfall[u]: pd.concat([r.comparisons, within[u]], ignore_index=True)
                             if u in within else r.comparisons
                             for u, r in results.items() if r is not None}, "jamforelse")
    rows = alla[alla["measure"].isin(["risk_difference_pp", PAIRED])]
    kind = [", inom par" if m == PAIRED else (", justerat" if a else ", ojusterat")
            for m, a in zip(rows["measure"], rows["adjusted"].astype(bool))]
    rows = rows.assign(rad=rows["jamforelse"] + kind)
    compared = "bland alla föräldrar och inom par" if within else "bland alla föräldrar"
    return Page(
        question_id=ctx.question_id,
        short_answer=_answer("Undantag från aktivitet för att ta hand om barn",
                             short_answer(undantag.comparisons, unit_text="planeringar")),
        parts={
            "data": items(heading, report.quality_table(
                planering, threshold=ctx.threshold, caption="Dataunderlag: planeringar för föräldrar",
                name="dataunderlag")),
            "simultan": items(outcomes.simultaneous_text(ctx.conf_level, k, simultan, decimals=2)),
            "undantag": items(report.describe_binary(
                undantag.shares, undantag.comparisons, verb="innebar",
                outcome_text="undantag från aktivitet för att ta hand om barn", unit_text="planeringar")),
            "hushallstyp": by_household,
            "ledighet": leave_part,
            "par": pair_part,
            "jamforelser": items(
                *figure(plots.difference_plot(rows.assign(measure="risk_difference_pp"), label_by="rad",
                                              title=f"Skillnad mammor − pappor, {compared}"),
                        name="skillnader",
                        caption=f"Skillnaden mammor − pappor (kvinnor − män) i procentenheter, {compared}, "
                                "med simultana konfidensintervall.",
                        alt=_rows_alt(rows, label_by="rad",
                                      what="Skillnad mammor − pappor i procentenheter")),
                report.comparison_table(rows.assign(comparison=rows["rad"]),
                                        caption="Skillnad kvinnor − män bland föräldrar "
                                                "(procentenheter, simultana intervall)",
                                        name="jamforelser")),
        },
        counts={table: disclosure.disclose_counts_by_sex(planering.counts_by_sex(), quality=planering.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat([alla], ignore_index=True), method="holm"),
    )


# --- eb_06: self-sufficiency ------------------------------------------------------------------

#: The two yes/no outcomes of eb_06, by column.
SELF_OUTCOMES = {"sjalvforsorjande": "Självförsörjande",
                 "forflyttning": "Förflyttning mot självförsörjning"}
#: The times of the curve table (days) and their names.
TABLE_TIMES = {182: "Ett halvår", 365: "Ett år", 547: "Ett och ett halvt år", 730: "Två år"}
#: The curves' panels: status code -> title.
PANELS = {SELF_SUFFICIENT: "Självförsörjande", OTHER_END: "Annat avslut (konkurrerande)"}


def _curves(rows: pd.DataFrame, times, *, conf_level: float, threshold: int,
            count: str | None = None) -> pd.DataFrame:
    """The cumulative incidence of ``rows`` (``dagar``, ``status``; each row standing for
    ``count`` clients when given) on ``times``, disclosed."""
    return disclose_curve(stats.cumulative_incidence(rows, "dagar", "status", times=times,
                                                     conf_level=conf_level, count=count),
                          threshold=threshold)


def _time_parts(ctx, utfall, simultan: float, covariates: list[str]):
    """The parts about time to self-sufficiency: curves, the curve table and the pace (Cox
    hazard ratios, log-rank), and the disclosed hazard ratios and log-rank test."""
    left_out = items(ctx.left_out("eb_utfall", "dagar"))
    if not utfall.has("dagar"):
        return left_out, (), left_out, None, None
    tid = follow_up(utfall)
    weight = tid.weight  # clients per row (None: one row per client)
    # Other ends can only be told from ongoing cases with an end reason or an end date.
    others = utfall.has("avslutsorsak") or utfall.has("slutdatum")
    notes = []
    if tid.n_rows() < utfall.n_rows():
        notes.append(report.quality_table(tid, threshold=ctx.threshold,
                                          caption="Dataunderlag: tid till avslut"))
    if not others:
        notes.append("Data saknar både avslutsorsak och slutdatum: andra avslut kan inte skiljas "
                     "från pågående ärenden. Kurvan räknar dem som pågående (den blir 1 − "
                     "Kaplan–Meier) och kan därför överskatta andelen som blir självförsörjande.")
    end = int(tid.data["dagar"].max()) if len(tid.data) else 0
    times = [t for t in TABLE_TIMES if t <= end]
    grid = sorted(set(range(0, end + 1, 30)) | {end})  # one point a month
    by_sex = tid.data[tid.data["kon"].isin(KON)]
    kurvor = _curves(by_sex, grid, conf_level=ctx.conf_level, threshold=ctx.threshold, count=weight)
    panels = PANELS if others else {SELF_SUFFICIENT: PANELS[SELF_SUFFICIENT]}
    curve_part = items(*notes, *figure(
        curves.curve_plot(kurvor, panels=panels, title="Kumulativ incidens efter kön",
                          ylabel="Andel av klienterna"),
        name="kurvor",
        caption=("Kumulativ incidens per kön: andelen som blivit självförsörjande"
                 + (" respektive fått ett annat avslut" if others else "")
                 + " vid varje tidpunkt efter start, med punktvisa konfidensband."),
        alt=curves.curve_alt(kurvor, panels=panels)))
    table_part: tuple = ()
    if times:
        # The table's times are checked against the disclosure rules by themselves (the steps
        # between them are half a year).
        tabell = disclosure.stack({
            "aalen_johansen": _curves(by_sex, [0, *times], conf_level=ctx.conf_level,
                                      threshold=ctx.threshold, count=weight),
            "kaplan_meier": _curves(by_sex.assign(status=(by_sex["status"] == SELF_SUFFICIENT).astype(int)),
                                    [0, *times], conf_level=ctx.conf_level, threshold=ctx.threshold,
                                    count=weight),
        }, "metod")
        columns = {"Självförsörjande": {"metod": "aalen_johansen", "cause": SELF_SUFFICIENT}}
        if others:
            columns.update({
                "Annat avslut": {"metod": "aalen_johansen", "cause": OTHER_END},
                "Självförsörjande enligt 1 − Kaplan–Meier (andra avslut censurerade)":
                    {"metod": "kaplan_meier", "cause": SELF_SUFFICIENT}})
        table_part = items(curves.curve_table(
            tabell, times, time_labels=TABLE_TIMES, columns=columns,
            caption="Andel som blivit självförsörjande respektive fått annat avslut, efter tid och kön"
            if others else "Andel som blivit självförsörjande, efter tid och kön",
            name="kurvtabell"))
    models = [stats.cox_hazard_ratio(tid.data, "dagar", "sjalvforsorjande", "kon", [], levels=KON,
                                     conf_level=simultan, count=weight)]
    if covariates:
        models.append(stats.cox_hazard_ratio(tid.data, "dagar", "sjalvforsorjande", "kon", covariates,
                                             levels=KON, conf_level=simultan, count=weight))
    hasard = disclosure.disclose_comparisons(pd.concat(models, ignore_index=True),
                                             threshold=ctx.threshold)
    logrank = disclosure.disclose_comparisons(
        stats.logrank(tid.data, "dagar", "sjalvforsorjande", "kon", levels=KON, count=weight),
        threshold=ctx.threshold)
    pace_part = items(curves.describe_hazard_ratio(hasard, logrank, unit_text="klienter"))
    return curve_part, table_part, pace_part, hasard, logrank


def self_sufficiency(ctx) -> Page:
    """eb_06: do women and men become self-sufficient to the same extent and at the same pace?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``sjalvforsorjande`` (what the simultaneous intervals mean and the
        share who became self-sufficient), ``forflyttning`` (movement towards
        self-sufficiency, or what is left out without it), ``andelar`` (both shares in one
        figure and table), ``fodelseland`` (movement by country of birth), ``kurvor`` (the
        cumulative incidence), ``kurvtabell`` (the curves at half-yearly times, next to
        1 − Kaplan–Meier), ``takt`` (hazard ratios and log-rank test) and ``jamforelser``
        (every comparison in one table).
    """
    table = "eb_utfall"
    # The adjustment uses what the data have of the chapter's covariates (see the catalogue):
    # self-sufficiency and pace for household type, movement for household type and birth country.
    utfall, covariates = ctx.with_covariates(table, ctx.load(table, **ctx.filters))
    # A few clients the selections for movement and for time leave out would be given back
    # beside the whole: they leave the chapter (ChapterRun.without_few).
    if utfall.has("forflyttning"):
        utfall = ctx.without_few(utfall, utfall.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
    if utfall.has("dagar"):
        utfall = ctx.without_few(utfall, ~utfall.data.index.isin(follow_up(utfall).data.index),
                                 "Uppgift om tid till avslut saknas eller stämmer inte",
                                 outcomes=["sjalvforsorjande"])
    self_cov = [c for c in covariates if c == "hushallstyp"]
    with_move, with_time = utfall.has("forflyttning"), utfall.has("dagar")
    k = 1 + int(with_move) + int(with_time)  # self-sufficient, movement, pace
    simultan = stats.bonferroni_level(ctx.conf_level, k)

    weight = utfall.weight  # clients per row (None: one row per client)
    sjalv = analysis.binary_outcome(utfall.data, "sjalvforsorjande", covariates=self_cov, levels=KON,
                                    conf_level=simultan, threshold=ctx.threshold, weight=weight)
    self_part = items(
        outcomes.simultaneous_text(ctx.conf_level, k, simultan),
        "Självförsörjningen och takten justeras för hushållstyp, som data saknar; de jämförs därför "
        "bara utan justering." if covariates and not self_cov else None,
        report.describe_binary(sjalv.shares, sjalv.comparisons, verb="ledde",
                               outcome_text="till självförsörjning", unit_text="ärenden")
        .split("\n\nSiffrorna beskriver")[0])

    forflyttning = None
    if with_move:
        rorelse = utfall.exclude(utfall.data["forflyttning"].isna(), "Uppgift om förflyttning saknas")
        forflyttning = analysis.binary_outcome(
            rorelse.data, "forflyttning", covariates=covariates, levels=KON,
            by="fodd_i_sverige" if utfall.has("fodd_i_sverige") else None,
            conf_level=simultan, threshold=ctx.threshold, weight=weight)
        move_part = items(
            report.quality_table(rorelse, threshold=ctx.threshold,
                                 caption="Dataunderlag: klienter med uppgift om förflyttning")
            if rorelse.n_rows() < utfall.n_rows() else None,
            report.describe_binary(forflyttning.shares, forflyttning.comparisons, verb="ledde",
                                   outcome_text="till en förflyttning mot självförsörjning",
                                   unit_text="ärenden"))
    else:
        move_part = items(ctx.left_out(table, "forflyttning"))

    results = {"sjalvforsorjande": sjalv, "forflyttning": forflyttning}
    andelar = disclosure.stack({SELF_OUTCOMES[u]: r.shares for u, r in results.items() if r is not None},
                               "utfall")
    shares_part = items(
        *figure(plots.shares_plot(andelar, by="utfall",
                                  title="Självförsörjning och förflyttning under uppföljningen",
                                  xlabel="Andel av klienterna"),
                name="andelar",
                caption="Andel av kvinnorna och männen som blev självförsörjande"
                        + (" respektive gjorde en förflyttning mot självförsörjning" if forflyttning
                           is not None else "")
                        + " under uppföljningen, med simultana konfidensintervall.",
                alt=shares_alt(andelar, what="Andel av klienterna", by="utfall")),
        report.share_table(andelar, outcome_label="Andel", caption="Utfall efter kön (simultana intervall)"))

    born_part: tuple = ()
    if forflyttning is not None and forflyttning.by_shares is not None:
        fodelse = forflyttning.by_shares.assign(
            fodd_i_sverige=born_label(forflyttning.by_shares["fodd_i_sverige"]).to_numpy())
        born_part = items(
            "Förflyttning mot självförsörjning kan skilja sig olika mycket för kvinnor och män "
            "beroende på var de är födda. Figuren visar andelen per födelseland (se också kapitlet "
            "om olika grupper av kvinnor och män i 4R-delen).",
            *figure(plots.shares_plot(fodelse, by="fodd_i_sverige",
                                      title="Förflyttning mot självförsörjning efter födelseland",
                                      xlabel="Andel av klienterna med en förflyttning"),
                    name="fodelseland",
                    caption="Andel av kvinnorna och männen som gjorde en förflyttning mot "
                            "självförsörjning, efter födelseland, med simultana konfidensintervall.",
                    alt=shares_alt(fodelse, what="Andel med en förflyttning", by="fodd_i_sverige")))
    elif forflyttning is not None:
        born_part = items(ctx.left_out(table, "fodd_i_sverige"))

    curve_part, table_part, pace_part, hasard, logrank = _time_parts(ctx, utfall, simultan, self_cov)

    jamforelser = disclosure.stack({name: r for name, r in (
        (SELF_OUTCOMES["sjalvforsorjande"], sjalv.comparisons),
        (SELF_OUTCOMES["forflyttning"], forflyttning.comparisons if forflyttning is not None else None),
        ("Takt till självförsörjning", hasard)) if r is not None}, "utfall")
    shown = jamforelser[jamforelser["measure"].isin(["risk_difference_pp", "hazard_ratio"])]
    return Page(
        question_id=ctx.question_id,
        short_answer=_answer("Andelen som blir självförsörjande",
                             short_answer(sjalv.comparisons, unit_text="klienter")),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(table, utfall)}",
                          report.quality_table(utfall, threshold=ctx.threshold,
                                               caption="Dataunderlag: klienter med beviljat bistånd",
                                               name="dataunderlag")),
            "sjalvforsorjande": self_part,
            "forflyttning": move_part,
            "andelar": shares_part,
            "fodelseland": born_part,
            "kurvor": curve_part,
            "kurvtabell": table_part,
            "takt": pace_part,
            "jamforelser": items(report.comparison_table(
                outcomes.comparison_labels(shown, "utfall"),
                caption="Jämförelser mellan kvinnor och män (simultana intervall)",
                name="jamforelser")),
        },
        counts={table: disclosure.disclose_counts_by_sex(utfall.counts_by_sex(), quality=utfall.quality(), threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat(
            [jamforelser, *([logrank] if logrank is not None else [])], ignore_index=True), method="holm"),
    )


__all__ = ["CHILDREN_GROUPS", "KON", "OTHER_END", "OTHER_ENDS", "ONGOING", "PARENT_OUTCOMES",
           "SELF_OUTCOMES", "SELF_SUFFICIENT", "born_label", "children_group", "end_status",
           "follow_up", "parental_responsibility", "select_parents", "self_sufficiency"]
