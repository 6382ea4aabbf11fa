"""Hemtjänst: the home-help chapters (ht_01, ht_02), their data preparation and compositions.

The chapters compare the hours granted to women and men, crude and among decisions with the
same need. What "the same need" can mean depends on what the organisation's export holds: the
ADL dependency (``adl_beroende``), whether the person lives alone (``ensamboende``) and the age
(``alder``) are each optional. :func:`need_group` builds the need groups the chapters show
from whichever of them a table has. :func:`hours_same_need` (ht_01) and :func:`hours_change`
(ht_02) are the chapters' pages.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.derive import HOME_CARE_AGE_GROUPS, age_group
from jamtools.data.model import ADULT_SEXES
from jamtools.disclosure import analyses as analysis
from jamtools.present import parameters, plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.report import SEX_LABELS, SEX_POSSESSIVE, covariates_text, interval, number
from jamtools.present.sentences import direction, hidden_why, short_answer, why_not_computed

#: ADL levels as shown: 5 and 6 activities together (they are few).
ADL_LEVELS = ("0", "1", "2", "3", "4", "5–6")
#: How living alone is written in a need group.
LIVING = {True: "bor ensam", False: "bor med någon"}
#: Age bands for home help in elder care (bounds in whole years, lower inclusive).
AGE_LABELS = tuple(HOME_CARE_AGE_GROUPS["labels"])
#: The need covariates a need group may be built from, in the order they are written.
NEED_COLUMNS = ("adl_beroende", "ensamboende", "alder")
#: The name of the need-group column by what it is built from; each has a Swedish label in
#: :data:`jamtools.present.report.COLUMN_LABELS` (or reads as one), so a table's header says what the
#: groups are.
GROUP_NAMES = {("adl_beroende", "ensamboende"): "behovsgrupp", ("adl_beroende",): "behovsniva",
               ("ensamboende",): "boendeform", ("alder",): "aldersgrupp"}
#: What the groups are, in a caption ("… efter <text> och kön").
GROUP_TEXTS = {"behovsgrupp": "behov (ADL-beroende och boende)", "behovsniva": "ADL-beroende",
               "boendeform": "boendeform", "aldersgrupp": "åldersgrupp"}


def _present(data: pd.DataFrame, column: str) -> bool:
    return column in data.columns and bool(data[column].notna().any())


def need_group_columns(data: pd.DataFrame) -> list[str]:
    """The columns :func:`need_group` uses for ``data``: ADL dependency and living alone,
    whichever the table has; the age only when it has neither.

    Examples
    --------
    >>> need_group_columns(pd.DataFrame({"adl_beroende": [1], "alder": [80]}))
    ['adl_beroende']
    >>> need_group_columns(pd.DataFrame({"alder": [80]}))
    ['alder']
    >>> need_group_columns(pd.DataFrame({"kon": ["man"]}))
    []
    """
    cols = [c for c in ("adl_beroende", "ensamboende") if _present(data, c)]
    if not cols and _present(data, "alder"):
        cols = ["alder"]
    return cols


def need_group(data: pd.DataFrame) -> pd.Series | None:
    """The need group of each decision, as an ordered categorical; None when ``data`` has
    none of the need columns.

    The group combines the ADL dependency (0, 1, 2, 3, 4 and 5–6 activities) and the living
    situation ("bor ensam" / "bor med någon"), or whichever of the two the table has, e.g.
    ``"ADL 2, bor ensam"``, ``"ADL 2"`` or ``"bor ensam"``. A table with neither but with the
    age is grouped by age band (``"75–84 år"``): the age is the only need-related information
    left. A decision with a missing value in a column used is in the group "Uppgift saknas"
    (:data:`MISSING_GROUP`, the last category, there only when some decision is): counted, not
    dropped from the tables by group.

    Parameters
    ----------
    data : DataFrame
        One row per decision, with any subset of ``adl_beroende`` (int 0–6), ``ensamboende``
        (bool) and ``alder`` (int); other columns are ignored.

    Returns
    -------
    pandas.Series (ordered Categorical) or None
        Every possible group is a category, in need order (ADL level, then living alone
        before living with someone), so tables and figures show them in the same order
        whatever the data hold. The series' name says what the groups are built from
        (:data:`GROUP_NAMES`: ``behovsgrupp``, ``behovsniva``, ``boendeform`` or
        ``aldersgrupp``); use it as the column name.

    Examples
    --------
    >>> d = pd.DataFrame({"adl_beroende": [0, 6, 2], "ensamboende": [True, False, None]})
    >>> list(need_group(d).astype(object))
    ['ADL 0, bor ensam', 'ADL 5–6, bor med någon', 'Uppgift saknas']
    >>> list(need_group(d[["ensamboende"]]).astype(object))
    ['bor ensam', 'bor med någon', 'Uppgift saknas']
    >>> list(need_group(pd.DataFrame({"alder": [70, 90]})).astype(object))
    ['65–74 år', '85 år och äldre']
    >>> need_group(pd.DataFrame({"beviljade_timmar": [3.0]})) is None
    True
    """
    cols = need_group_columns(data)
    if not cols:
        return None
    # Integer codes per part (−1 for a missing value) combined arithmetically: one vectorised
    # pass, whatever the number of rows.
    parts: list[np.ndarray] = []
    levels: list[list[str]] = []
    if "adl_beroende" in cols:
        adl = pd.to_numeric(data["adl_beroende"], errors="coerce").clip(upper=5)
        labels = [f"ADL {n}" for n in ADL_LEVELS]
        values = adl.to_numpy(float)  # 0–6 after the check; 5 and 6 are one level
        ok = ~np.isnan(values) & (values >= 0)
        parts.append(np.where(ok, np.nan_to_num(values, nan=0.0), -1).astype(np.int64))
        levels.append(labels)
    if "ensamboende" in cols:
        alone = data["ensamboende"].astype("boolean")
        labels = list(LIVING.values())
        codes = np.where(alone.isna().to_numpy(), -1,
                         np.where(alone.fillna(False).to_numpy(bool), labels.index(LIVING[True]),
                                  labels.index(LIVING[False])))
        parts.append(codes.astype(np.int64))
        levels.append(labels)
    if cols == ["alder"]:
        age = pd.to_numeric(data["alder"], errors="coerce")
        groups = age_group(age, **HOME_CARE_AGE_GROUPS).astype(object).where(age.notna(), None)
        codes = pd.Series(pd.Categorical(groups, categories=list(AGE_LABELS))).cat.codes
        parts.append(codes.to_numpy(np.int64))
        levels.append(list(AGE_LABELS))
    code = parts[0]
    categories = levels[0]
    for part, more in zip(parts[1:], levels[1:]):
        code = np.where((code < 0) | (part < 0), -1, code * len(more) + part)
        categories = [f"{a}, {b}" for a in categories for b in more]
    if (code < 0).any():
        code = np.where(code < 0, len(categories), code)
        categories = [*categories, MISSING_GROUP]
    return pd.Series(pd.Categorical.from_codes(code, categories=categories, ordered=True),
                     index=data.index, name=GROUP_NAMES[tuple(cols)])


#: The need group of a decision with a missing value in a column the group is built from.
MISSING_GROUP = "Uppgift saknas"


def need_group_text(data: pd.DataFrame) -> str:
    """What the need groups of :func:`need_group` are made of, in Swedish, for a caption
    ("… efter <text> och kön"); empty when ``data`` has no need column.

    Examples
    --------
    >>> need_group_text(pd.DataFrame({"adl_beroende": [1], "ensamboende": [True]}))
    'behov (ADL-beroende och boende)'
    >>> need_group_text(pd.DataFrame({"alder": [80]}))
    'åldersgrupp'
    >>> need_group_text(pd.DataFrame({"kon": ["man"]}))
    ''
    """
    cols = tuple(need_group_columns(data))
    return GROUP_TEXTS[GROUP_NAMES[cols]] if cols else ""


__all__ = ["need_group", "need_group_columns", "need_group_text", "ADL_LEVELS", "AGE_LABELS",
           "LIVING", "NEED_COLUMNS", "GROUP_NAMES", "hours_same_need", "hours_change",
           "change_year", "change_answer"]


# --- Chapter compositions -----------------------------------------------------------------------

#: The table both chapters read, and the sexes they compare (difference women − men).
TABLE = "ht_beslut"
SEXES = ADULT_SEXES
#: The rows of the difference figure of ht_01, by (measure, adjusted).
DIFFERENCE_LABELS = {("mean_difference", False): "Medelvärde, ojusterat",
                     ("median_difference", False): "Median, ojusterat",
                     ("mean_difference", True): "Medelvärde, justerat"}
#: The rows of the decomposition figure of ht_01.
DECOMPOSITION_LABELS = {("oaxaca_gap", True): "Hela skillnaden",
                        ("oaxaca_explained", True): "Förklarad del",
                        ("oaxaca_unexplained", True): "Oförklarad del"}


def _differences_alt(rows: pd.DataFrame, labels: dict, *, unit: str = "timmar per månad") -> str:
    """Alt text of an amount-difference figure: each row's label, estimate and interval."""
    parts = []
    for _, r in rows[rows["measure"] != "ratio_of_means"].iterrows():
        name = labels.get((r["measure"], bool(r["adjusted"])), str(r["measure"]))
        parts.append(f"{name} {report.estimate_words(r, 1)}")
    if not parts:
        return "Inga jämförelser att visa."
    return (f"Punktdiagram med konfidensintervall. Skillnad kvinnor − män i {unit}: "
            + "; ".join(parts) + ".")


def _distribution_alt(summary: pd.DataFrame, by: str, *, unit: str = "timmar per månad") -> str:
    """Alt text of the distribution figure: per group and sex the median and the quartiles."""
    parts = []
    for cat, rows in summary.groupby(by, sort=False, observed=True):
        sexes = ", ".join(
            f"{SEX_LABELS.get(r['kon'], r['kon'])} "
            + (f"median {number(r['median'])} (kvartiler {number(r['q1'])}–{number(r['q3'])})"
               if not bool(r.get("suppressed", False)) and pd.notna(r["median"])
               else report.HIDDEN_WORDS if bool(r.get("suppressed", False) or r.get("order_hidden", False))
               else report.NOT_COMPUTED_WORDS)
            for _, r in rows.iterrows())
        parts.append(f"{report.label(cat)}: {sexes}")
    if not parts:
        return "Fördelning: inga uppgifter."
    return (f"Lådor med den mittersta hälften av besluten, median och medelvärde, i {unit}, "
            "efter grupp och kön. " + "; ".join(parts) + ".")


def _any_gap(by_period: pd.DataFrame) -> bool:
    """Whether any year's gap was computed (shown, or hidden by the disclosure control)."""
    return bool(len(by_period) and (by_period["estimate"].notna()
                                    | by_period["suppressed"].astype(bool)).any())


def _gaps_alt(by_period: pd.DataFrame, *, unit: str = "timmar per månad") -> str:
    """Alt text of the gap-by-year figure: each year's crude and (when made) adjusted gap."""
    parts = []
    for period, rows in by_period.groupby("period", sort=False):
        gaps = ", ".join(f"{'justerad' if bool(r['adjusted']) else 'rå'} {report.estimate_words(r, 1)}"
                         for _, r in rows.iterrows())
        parts.append(f"{report.label(period)}: {gaps}")
    if not parts:
        return "Skillnad per år: inga uppgifter."
    return (f"Punktdiagram med konfidensintervall. Skillnad kvinnor − män i {unit} per år. "
            + "; ".join(parts) + ".")


def hours_same_need(ctx) -> Page:
    """ht_01: do women and men with the same needs get as many home-help hours?

    The hours granted by sex, the crude and the same-need difference (adjusted for the need
    columns the export has), the distribution within each need group (:func:`need_group`) and
    the Oaxaca–Blinder split of the gap.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters, with ``enhet``, ``alder_min`` and ``alder_max``, and
        loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (the data section), ``resultat`` (the comparison in words, the
        difference figure and the tables of comparisons and of hours by sex),
        ``behovsgrupper`` (figure and table of the hours within each need group, or a
        sentence when the data have no need column) and ``uppdelning`` (the decomposition in
        words, figure and table, or a sentence when it cannot be made).
    """
    conf = report.conf_percent(ctx.conf_level)
    loaded, covariates = ctx.with_covariates(TABLE, ctx.load(TABLE, **ctx.filters))
    groups = need_group(loaded.data)
    if groups is not None:
        loaded = loaded.with_data(loaded.data.assign(**{groups.name: groups}))
    hours = analysis.amount_outcome(loaded.data, "beviljade_timmar", covariates=covariates,
                                    levels=SEXES, by=groups.name if groups is not None else None,
                                    decompose=True, conf_level=ctx.conf_level,
                                    threshold=ctx.threshold, weight=loaded.weight, at_least=0.0)
    adjusted = bool(hours.comparisons["adjusted"].astype(bool).any())

    if hours.by_summary is not None:
        title = f"Beviljade timmar per månad efter {need_group_text(loaded.data)} och kön"
        by_need = items(
            *figure(plots.amount_distribution_plot(hours.by_summary, by=groups.name, title=title,
                                                   xlabel="Beviljade timmar per månad"),
                    name="behovsgrupper",
                    caption=f"{title}: den mittersta hälften av besluten (låda), medianen "
                            "(streck) och medelvärdet (punkt).",
                    alt=_distribution_alt(hours.by_summary, groups.name)),
            report.amount_summary_table(hours.by_summary, by=groups.name, unit="timmar",
                                        count_label="Antal beslut", caption=title))
    else:
        by_need = items("Fördelningen inom behovsgrupper utelämnas: data saknar uppgifter om "
                        "ADL-beroende, boende och ålder.")

    if hours.decomposition is not None:
        split = items(
            report.describe_decomposition(hours.decomposition, amount_text="timmar",
                                          per_text="per månad"),
            *figure(plots.amount_difference_plot(
                        hours.decomposition, title="Uppdelning av skillnaden kvinnor − män",
                        xlabel="Timmar per månad, kvinnor − män", labels=DECOMPOSITION_LABELS),
                    caption=("Skillnaden i medelvärde mellan kvinnor och män delad i den del som "
                             "skillnader i "
                             f"{covariates_text(hours.decomposition['adjusted_for'].iloc[0])} "
                             "förklarar och den oförklarade delen, i timmar per månad, med "
                             f"{conf} % konfidensintervall."
                             if hours.decomposition["estimate"].notna().all() else
                             "Skillnaden i medelvärde mellan kvinnor och män, i timmar per månad, med "
                             f"{conf} % konfidensintervall; den kan inte delas upp här (se texten)."),
                    alt=_differences_alt(hours.decomposition, DECOMPOSITION_LABELS),
                    name="uppdelning"),
            report.amount_comparison_table(
                hours.decomposition, unit="timmar",
                caption="Oaxaca–Blinder-uppdelning av skillnaden i medelvärde"))
    else:
        split = items("Uppdelningen utelämnas: den kräver uppgifter om behov, och data saknar dem.")

    same_need = (f", och medelvärdet bland beslut med samma {covariates_text(covariates)}"
                 if adjusted else "")
    return Page(
        question_id=ctx.question_id,
        short_answer=short_answer(hours.comparisons, unit_text="beslut", measure="mean_difference",
                                  amount_text="timmar per månad"),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(TABLE, loaded)}",
                          report.quality_table(loaded, threshold=ctx.threshold,
                                               caption="Dataunderlag: beslut om hemtjänst",
                                               name="dataunderlag")),
            "resultat": items(
                report.describe_amount(hours.summary, hours.comparisons, unit_text="beslut",
                                       amount_text="timmar", per_text="per månad"),
                *figure(plots.amount_difference_plot(
                            hours.comparisons, title="Skillnad i beviljade timmar, kvinnor − män",
                            xlabel="Timmar per månad, kvinnor − män", labels=DIFFERENCE_LABELS),
                        caption="Skillnaden i beviljade timmar per månad mellan kvinnor och män: "
                                f"medelvärde och median{same_need}, med {conf} % "
                                "konfidensintervall.",
                        alt=_differences_alt(hours.comparisons, DIFFERENCE_LABELS),
                        name="skillnad"),
                report.amount_comparison_table(
                    hours.comparisons, unit="timmar",
                    caption="Jämförelser mellan kvinnor och män (timmar per månad)",
                    name="jamforelser"),
                report.amount_summary_table(hours.summary, unit="timmar",
                                            count_label="Antal beslut",
                                            caption="Beviljade timmar per månad efter kön",
                                            name="timmar")),
            "behovsgrupper": by_need,
            "uppdelning": split,
        },
        counts={TABLE: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat(
            [hours.comparisons,
             *([hours.decomposition] if hours.decomposition is not None else [])],
            ignore_index=True), method="holm"),
    )


def change_year(value) -> int:
    """The parameter ``nytt_arbetssatt_ar`` (the first year of the new working method) checked
    and read: a whole year, also written as text (``"2023"``), else ValueError saying what to
    write (:func:`jamtools.present.parameters.year`).

    Examples
    --------
    >>> change_year(2023), change_year("2023")
    (2023, 2023)
    """
    return parameters.year("nytt_arbetssatt_ar", value, example=2023,
                           meaning="det första året med det nya arbetssättet")


#: What a change of the gap (women − men, after − before) says, by the direction of its interval.
_CHANGE_WORDS = {"högre": "kvinnornas beviljade tid har tydligt ökat i förhållande till männens",
                 "lägre": "kvinnornas beviljade tid har tydligt minskat i förhållande till männens",
                 "oklar": "data kan inte skilja förändringen från slumpens variation"}


def change_answer(change, *, unit: str = "timmar per månad") -> str:
    """*Svar i korthet* of ht_02: the crude and the same-need gap before and after, and the
    change of the same-need gap (the crude one without need columns) with its interval and what
    it shows (:func:`jamtools.present.sentences.direction`).

    Parameters
    ----------
    change : jamtools.disclosure.analyses.AmountChange
        The disclosed change of the gap.
    unit : str
        The amount's unit in words.

    Returns
    -------
    str
    """
    r = change.change.iloc[0]
    a = SEX_LABELS.get(r["group_a"], r["group_a"])
    b = SEX_LABELS.get(r["group_b"], r["group_b"])
    adjusted = bool(r.get("adjusted")) and bool(r.get("adjusted_for"))
    need = covariates_text(r["adjusted_for"]) if adjusted else ""

    def gaps(rows) -> str:
        shown = [f"{number(p['estimate'], signed=True)} {p['period']}" for _, p in rows.iterrows()
                 if not bool(p.get("suppressed", False)) and pd.notna(p["estimate"])]
        return " och ".join(shown)

    crude = gaps(change.phases[~change.phases["adjusted"].astype(bool)])
    same = gaps(change.phases[change.phases["adjusted"].astype(bool)]) if adjusted else ""
    text = []
    if crude and same:
        text.append(f"Skillnaden {a} − {b} i beviljade {unit} var utan justering {crude}, "
                    f"och bland beslut med samma {need} {same}.")
    elif crude or same:
        text.append(f"Skillnaden {a} − {b} i beviljade {unit}, "
                    f"{f'bland beslut med samma {need}' if same else 'utan justering'}, var "
                    f"{same or crude}.")
    among = f" bland beslut med samma {need}" if adjusted else ", utan justering,"
    if bool(r.get("suppressed", False)):
        text.append(f"Förändringen visas inte: {hidden_why(r)} (röjandekontroll).")
    elif pd.isna(r["estimate"]):
        text.append("Förändringen kan inte skattas" + (why_not_computed(r) or ": det saknas data före eller efter") + ".")
    else:
        conf = report.conf_percent(r["conf_level"])
        text.append(f"Förändringen{among} är {number(r['estimate'], signed=True)} {unit} ({conf} % KI "
                    f"{interval(r)}): "
                    f"{_CHANGE_WORDS[direction(r['ci_low'], r['ci_high'])]}.")
    return " ".join(text)


def _with_period(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison named with its period, as the results file lists it
    ("kvinna − man (2021)")."""
    return table.assign(comparison=table["comparison"] + " (" + table["period"].astype(str) + ")")


def hours_change(ctx) -> Page:
    """ht_02: has the distribution of home-help hours become more equal?

    The gap in hours granted (women − men), crude and at the same need, year by year and
    before and from the year of the new working method (parameter ``nytt_arbetssatt_ar``), and
    its change (period × sex in a model with the need columns the export has).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run; ``ctx.extra["nytt_arbetssatt_ar"]`` is the first year of the new
        working method (ValueError unless a whole year).

    Returns
    -------
    Page
        Parts ``arbetssatt`` (the year the new working method counts from), ``data`` (the
        data section) and ``resultat`` (the change in words, the figure of the gap per year,
        and the tables per year and per phase with the change).
    """
    year = change_year(ctx.extra["nytt_arbetssatt_ar"])
    conf = report.conf_percent(ctx.conf_level)
    loaded, covariates = ctx.with_covariates(TABLE, ctx.load(TABLE, **ctx.filters))
    change = analysis.amount_change(loaded.data, "beviljade_timmar", "ar", year,
                                    covariates=covariates, levels=SEXES, conf_level=ctx.conf_level,
                                    threshold=ctx.threshold, weight=loaded.weight,
                                    spread=loaded.spread("beviljade_timmar"))
    adjusted = bool(len(change.by_period) and change.by_period["adjusted"].astype(bool).any())
    kinds = (f", rå (ofyllda punkter) och bland beslut med samma {covariates_text(covariates)} "
             "(fyllda punkter)" if adjusted else "")
    line = (f"; den prickade linjen står före {year}, det första året med det nya arbetssättet"
            if len(change.by_period) and (change.by_period["period"] == year).any() else "")
    return Page(
        question_id=ctx.question_id,
        short_answer=change_answer(change),
        parts={
            "arbetssatt": items(f"Det nya arbetssättet räknas från **{year}**. Året anges för "
                                "kapitlet i körningens inställningar (se *Kör handboken på egna "
                                "data*)."),
            "data": items(f"{ctx.heading} {ctx.omissions(TABLE, loaded)}",
                          report.quality_table(loaded, threshold=ctx.threshold,
                                               caption="Dataunderlag: beslut om hemtjänst",
                                               name="dataunderlag")),
            "resultat": items(
                report.describe_amount_change(change, amount_text="timmar", per_text="per månad",
                                              what="det nya arbetssättet"),
                *(figure(plots.gap_by_period_plot(
                             change.by_period, change_at=year,
                             title="Skillnad i beviljade timmar per år, kvinnor − män",
                             ylabel="Timmar per månad, kvinnor − män"),
                         caption="Skillnaden i beviljade timmar per månad mellan kvinnor och män "
                                 f"per år{kinds}, med {conf} % konfidensintervall{line}.",
                         alt=_gaps_alt(change.by_period), name="per-ar")
                  if _any_gap(change.by_period) else
                  figure(plots.no_data_plot("Skillnaden kan inte beräknas något år"),
                         caption="Skillnaden i beviljade timmar per år mellan kvinnor och män kan "
                                 "inte beräknas något år med dessa data (tabellen nedan säger "
                                 "varför), så figuren har inga punkter.",
                         alt="Ingen skillnad per år att visa: den kan inte beräknas något år.",
                         name="per-ar")),
                report.amount_comparison_table(
                    change.by_period, unit="timmar", period_label="År", counts=True,
                    caption="Skillnad kvinnor − män per år (timmar per månad)", name="tabell-per-ar"),
                report.amount_comparison_table(
                    disclosure.stack({"period": change.phases, "förändring": change.change}, "del"),
                    unit="timmar", period_label="Period", counts=True,
                    caption="Före och efter det nya arbetssättet, och förändringen",
                    name="forandring")),
        },
        counts={TABLE: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat(
            [_with_period(change.by_period), _with_period(change.phases), change.change],
            ignore_index=True), method="holm"),
    )
