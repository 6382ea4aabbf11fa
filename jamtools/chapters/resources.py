"""The 4R *resurser* question, from loaded data to disclosed tables, words and figures.

"Hur fördelas resurserna (tid, insatser, pengar) mellan könen?" The chapter compares each
sex's share of the resource with its share of the units (clients, decisions, applications),
crude and at the same need, and shows how concentrated the resource is within each sex. The
statistics are :mod:`jamtools.stats.concentration` and :func:`jamtools.disclosure.analyses.amount_outcome`;
this module chooses the resource table (:data:`RESOURCE_TABLES`), runs them, discloses the
results and writes them out in Swedish; :func:`resource_shares` is the chapter
``r4_02_resurser`` as a :class:`~jamtools.present.page.Page`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from jamtools import disclosure, stats
from jamtools.data.links import count_in
from jamtools.data.model import ADULT_SEXES
from jamtools.disclosure import analyses as analysis
from jamtools.disclosure.lorenz import POINT_HIDDEN, hide_thin_steps
from jamtools.present import parameters, report
from jamtools.present.page import Page, figure, items
from jamtools.present.plots import (SEX_COLORS, SEX_HATCHES, SEX_LINESTYLES, SEX_MARKERS, Plot,
                                    key, new_figure, row_height, set_title, sex_handle,
                                    title_height, wrap)
from jamtools.present.report import (SEX_LABELS, SEX_POSSESSIVE, Table, covariates_text, interval, marked, number,
                                     percent)
from jamtools.present.sentences import NO_INTERVAL, direction, not_shown, verdict
from jamtools.stats import concentration

#: Points of the Lorenz curve (tenths of the units); a group's curve is shown only when every
#: tenth holds at least ``threshold`` units.
LORENZ_POINTS = 10


@dataclass(frozen=True)
class ResourceSpec:
    """A resource table: what is counted, the amount, and the need it is adjusted for."""

    table: str
    value: str
    covariates: tuple
    unit_text: str          # plural of the unit, e.g. "beslut", "klienter"
    unit_definite: str      # definite plural: "besluten", "klienterna"
    amount_text: str        # e.g. "timmar", "insatser", "kronor"
    per_text: str           # e.g. "per månad", "" for none
    resource_text: str      # the resource in a sentence, definite form: "hemtjänsttimmarna"
    need_text: str          # the need in words: "samma ADL-beroende, ålder och boendeform"
    decimals: int = 1
    #: The amount counts rows of a table whose counts the page shows (a client's insatser): its
    #: sum per sex is protected as a count.
    counts_rows: bool = False


#: The resource tables the chapter can use (parameter ``tabell``).
RESOURCE_TABLES = {
    "ht_beslut": ResourceSpec(
        "ht_beslut", "beviljade_timmar", ("adl_beroende", "alder", "ensamboende"), "beslut",
        "besluten", "timmar", "per månad", "de beviljade hemtjänsttimmarna",
        "samma ADL-beroende, ålder och boendeform"),
    "eb_insatser": ResourceSpec(
        "eb_insatser", "antal_insatser", ("ohalsa", "hushallstyp", "aldersgrupp"), "klienter",
        "klienterna", "insatser", "", "de erbjudna insatserna",
        "samma ohälsa, hushållstyp och åldersgrupp", counts_rows=True),
    "ru_ansokningar": ResourceSpec(
        "ru_ansokningar", "beviljat_belopp", ("malgrupp", "sokt_belopp"), "ansökningar",
        "ansökningarna", "kronor", "", "de beviljade medlen", "samma målgrupp och sökta belopp", 0),
}

#: What to choose as the parameter ``tabell``, after the message that a value is not known.
MSG_CHOOSE_TABLE = "Välj en av: {known} (ett namn, en lista av dem, eller None för alla)."
MSG_UNKNOWN_TABLE = "Parametern tabell = {value!r} känns inte igen. " + MSG_CHOOSE_TABLE


@dataclass
class ResourceData:
    """The analysed rows (one per unit, with ``kon``, the amount and the covariates) and the
    load results behind them (one quality table each). With ``weight`` (a table the catalogue
    reads as a cell table) ``data`` holds one row per combination of values and ``weight``
    names the column with the number of units each row stands for; None for one row per unit."""

    spec: ResourceSpec
    data: pd.DataFrame
    loads: dict = field(default_factory=dict)
    weight: str | None = None


def resource_spec(tabell: str) -> ResourceSpec:
    """The :class:`ResourceSpec` for ``tabell``; ValueError naming the known tables."""
    if tabell not in RESOURCE_TABLES:
        raise ValueError(MSG_UNKNOWN_TABLE.format(value=tabell, known=", ".join(RESOURCE_TABLES)))
    return RESOURCE_TABLES[tabell]


#: The parts' headings.
PART_TITLES = {"ht_beslut": "Hemtjänsttimmar", "eb_insatser": "Insatser i ekonomiskt bistånd",
               "ru_ansokningar": "Projektmedel"}
#: The catalogue tables behind each resource table.
SOURCE_TABLES = {"ht_beslut": ("ht_beslut",), "eb_insatser": ("eb_planering", "eb_insatser"),
                 "ru_ansokningar": ("ru_ansokningar",)}


def data_caption(part: str, table: str) -> str:
    """The caption of the data table of ``table`` read for the resource ``part``: the part's
    title and the table's, the table's left out where it is the part's own (r4_02 captioned
    the offers' table "insatser i ekonomiskt bistånd, insatser i ekonomiskt bistånd").

    >>> data_caption("eb_insatser", "eb_planering")
    'Dataunderlag: insatser i ekonomiskt bistånd, planeringar i ekonomiskt bistånd'
    >>> data_caption("eb_insatser", "eb_insatser")
    'Dataunderlag: insatser i ekonomiskt bistånd'
    """
    title, label = PART_TITLES[part].lower(), report.TABLE_LABELS.get(table, table)
    return f"Dataunderlag: {title}" if label.lower() == title else f"Dataunderlag: {title}, {label}"


def resource_tables(tabell=None) -> list[str]:
    """The resource tables a run shows: the parameter ``tabell`` (one name or a list of names
    of :data:`RESOURCE_TABLES`), or all of them when it is None (those the run lacks are left
    out by :func:`load_resource`); ValueError naming every name that is not one of them, and
    the known tables, for any other value (:func:`jamtools.present.parameters.names`)."""
    if tabell is None:
        return list(RESOURCE_TABLES)
    return parameters.names("tabell", tabell, allowed=list(RESOURCE_TABLES), at_least_one=True,
                            choose=MSG_CHOOSE_TABLE.format(known=", ".join(RESOURCE_TABLES)))


def effective_spec(spec: ResourceSpec, covariates) -> ResourceSpec:
    """``spec`` with only the ``covariates`` the data have, and the need in words to match
    ("samma ADL-beroende och ålder" when boendeform is missing)."""
    from dataclasses import replace

    covariates = tuple(covariates)
    if covariates == tuple(spec.covariates):
        return spec
    need = f"samma {covariates_text(list(covariates))}" if covariates else ""
    return replace(spec, covariates=covariates, need_text=need)


def load_resource(ctx, tabell: str) -> ResourceData | None:
    """Load the resource table ``tabell`` for the chapter's run ``ctx`` (period, unit and age
    from the parameters) with the columns the catalogue declares (``ctx.load_optional``); None
    when the run lacks a table it needs.

    ``eb_insatser`` is counted per client: every planning in ``eb_planering`` (the clients who
    could be offered interventions) with the number of interventions offered at it, 0 when
    none; it needs both tables, and plannings identified by the export (not by row number). The
    need adjusted for is the catalogue's covariates that the data have
    (:attr:`ResourceData.spec`); rows missing one of them, or the amount, are left out and
    counted (in :attr:`ResourceData.loads`). Every table comes as a cell table when the
    catalogue says so (:attr:`ResourceData.weight`): ``eb_insatser``'s two tables linked
    (``linked=True``, the planning ids kept in the engine), the offers per planning counted
    there (:func:`jamtools.data.links.count_in`), so that a cell holds plannings with the same
    number of offers; as rows the same count is made in pandas.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
    tabell : a key of :data:`RESOURCE_TABLES`.

    Returns
    -------
    ResourceData or None
    """
    spec = resource_spec(tabell)
    kw = dict(unit=ctx.extra.get("enhet"), age=(ctx.extra.get("alder_min"), ctx.extra.get("alder_max")))
    period = ctx.params.period
    if tabell == "eb_insatser":
        plan = ctx.load_optional("eb_planering", period=period, **kw)
        offers = ctx.load_optional("eb_insatser", **kw)
        if plan is None or offers is None or plan.checked.derived.get("planering_id") == "radnumret":
            return None
        plan, covs = ctx.with_covariates("eb_planering", plan)
        # The offers of each planning (rows or linked cells: a cell is split by the count).
        plan = count_in(plan, "planering_id", offers, "planering_id", name="antal_insatser", follow=False)
        frame = plan.data.copy()
        frame["antal_insatser"] = frame["antal_insatser"].astype(float)
        return ResourceData(effective_spec(spec, covs), frame,
                            {"eb_planering": plan, "eb_insatser": offers}, plan.weight)
    loaded = ctx.load_optional(tabell, period=period, **kw)
    if loaded is None:
        return None
    loaded, covs = ctx.with_covariates(tabell, loaded)
    loaded = loaded.exclude(loaded.data[spec.value].isna(), f"Uppgift om {covariates_text([spec.value])} saknas")
    frame = loaded.data.copy()
    frame[spec.value] = frame[spec.value].astype(float)
    return ResourceData(effective_spec(spec, covs), frame, {tabell: loaded}, loaded.weight)


def omissions_text(ctx, tables, loaded: dict) -> str:
    """What the chapter leaves out, in the catalogue's words (``ctx.omissions``), for the
    resource ``tables`` asked for: an absent table's sentence (once per resource), and for
    present ones the columns and covariates they lack. ``loaded`` maps a resource table to its
    :class:`ResourceData` or None."""
    out = []
    for t in tables:
        got = loaded.get(t)
        sources = SOURCE_TABLES.get(t, (t,))
        if got is None:
            # only the tables that are missing (or lack a column): a planning table the run
            # has is not said to be missing because the offers are
            known = [s for s in sources if s in ctx.lacking]
            sources = known or sources
            absent = [s for s in sources if not ctx.lacking.get(s)]
            by_cost: dict[str, list[str]] = {}
            for s in absent:
                by_cost.setdefault(ctx.without(s), []).append(s)
            for cost, same in by_cost.items():
                if len(same) > 1 and cost:  # one sentence for the tables whose absence costs the same
                    out.append(f"Data saknar uppgifter om "
                               f"{' och '.join(report.TABLE_LABELS.get(s, s) for s in same)}: {cost}.")
                    sources = [s for s in sources if s not in same]
        for source in sources:
            text = ctx.omissions(source, got.loads.get(source) if got else None)
            if text and text not in out:
                out.append(text)
    return " ".join(out)


@dataclass
class ResourceResult:
    """Disclosed results of the resource question."""

    amounts: analysis.AmountResult
    share_gaps: pd.DataFrame
    lorenz: pd.DataFrame


def resource_distribution(frame: pd.DataFrame, spec: ResourceSpec, *, levels=ADULT_SEXES,
                          group: str = "kon", conf_level: float = 0.95,
                          threshold: int = disclosure.DEFAULT_THRESHOLD,
                          weight: str | None = None) -> ResourceResult:
    """Shares of units and of the resource per sex, the crude and the need-adjusted share gap,
    the amounts (crude and adjusted) and the Lorenz curves, all disclosed.

    - ``amounts``: :func:`jamtools.disclosure.analyses.amount_outcome` (summary with the shares of units
      and of the resource, differences in mean and median, adjusted difference in mean);
    - ``share_gaps``: :func:`jamtools.stats.concentration.resource_share_gap` and (when
      ``spec.covariates`` is not empty)
      :func:`~jamtools.stats.concentration.adjusted_resource_share_gap`, hidden with any group
      the summary hides;
    - ``lorenz``: :func:`~jamtools.stats.concentration.lorenz_by_group`; a group's curve and
      Gini coefficient are shown only when it has at least ``threshold`` units per tenth
      (``LORENZ_POINTS * threshold`` units), and not when the summary hides the group; a point
      ending a step over fewer than ``threshold`` units with an amount is hidden
      (:func:`jamtools.disclosure.lorenz.hide_thin_steps`).

    ``weight``: for a cell table, the column with the number of units each row stands for
    (the same results as its rows would give; every measure takes it as ``count=``).
    """
    rows = frame[frame[group].isin(levels)]
    value, covariates = spec.value, list(spec.covariates)
    with warnings.catch_warnings():
        # A small, empty or one-sided selection gets a warning row (or a rank-deficient fit that
        # disclosure hides); the tables say so, so the warnings are not repeated as console text.
        warnings.simplefilter("ignore")
        amounts = analysis.amount_outcome(rows, value, covariates=covariates, levels=levels,
                                          group=group, conf_level=conf_level, threshold=threshold,
                                          weight=weight, sum_is_count=spec.counts_rows,
                                          at_least=0.0)  # hours, kronor and counts: never below 0
        parts = [concentration.resource_share_gap(rows, value, group, levels=levels,
                                                  conf_level=conf_level, count=weight)]
        if covariates:  # without any need in the data there is no "same need" comparison
            parts.append(concentration.adjusted_resource_share_gap(
                rows, value, group, covariates, levels=levels, conf_level=conf_level, count=weight))
        gaps = pd.concat(parts, ignore_index=True)
    # An empty selection gives a summary without the computed columns: add them, empty, so that
    # every table and figure shows '..' rather than failing.
    for col in analysis.AMOUNT_DERIVED:
        if col not in amounts.summary:
            amounts.summary[col] = np.nan
    gaps_d = disclosure.disclose_comparisons(gaps, threshold=threshold, shares=amounts.summary,
                                             group=group)
    lorenz = concentration.lorenz_by_group(rows, value, group, levels=levels,
                                           n_points=LORENZ_POINTS, count=weight)
    lorenz_d = disclosure.disclose_table(lorenz, count_cols=["n"], by=[group],
                                         derived_cols=["andel_resurs", "gini"],
                                         threshold=threshold * LORENZ_POINTS, margins=False)
    hidden = set(amounts.summary.loc[amounts.summary["suppressed"].astype(bool), group].astype(str))
    extra = lorenz_d[group].astype(str).isin(hidden) & ~lorenz_d["suppressed"].astype(bool)
    # A sex without units has no curve: not hidden (it could not be drawn), said as such.
    empty = lorenz_d["n"].fillna(0).eq(0) & ~lorenz_d["suppressed"].astype(bool) & ~extra
    for col in ("andel_resurs", "gini"):
        lorenz_d[col] = lorenz_d[col].where(~empty, np.nan)
    for col in ("n", "andel_resurs", "gini"):
        lorenz_d[col] = lorenz_d[col].where(~extra, np.nan)
    lorenz_d.loc[extra, "suppressed"] = True
    # Every curve of a sex the summary hides has the reason of what rests on a hidden group, also
    # one its own rule hid (fewer than LORENZ_POINTS * threshold units): else the reasons told
    # which sex has 50 or more (3 women and 50 men: the men's "bygger på en dold grupp").
    lorenz_d.loc[lorenz_d[group].astype(str).isin(hidden), "suppression_reason"] = disclosure.REASON_GROUP
    # A step of the curve over few units with an amount gives theirs back (with the group's sum
    # shown beside it): its upper point is hidden (disclosure.lorenz).
    units = rows[weight].astype(float) if weight else pd.Series(1.0, index=rows.index)
    nonzero = units[rows[value].astype(float) != 0].groupby(rows[group], observed=True).sum().to_dict()
    lorenz_d = hide_thin_steps(lorenz_d, nonzero, group=group, threshold=threshold)
    return ResourceResult(amounts, gaps_d, lorenz_d)


def _gap_row(gaps: pd.DataFrame, adjusted: bool):
    rows = gaps[gaps["adjusted"].astype(bool) == adjusted]
    return rows.iloc[0] if len(rows) else None


def _shown(r) -> bool:
    return r is not None and not bool(r.get("suppressed", False)) and not pd.isna(r["estimate"])


def share_if_equal(summary: pd.DataFrame, gaps: pd.DataFrame, level: str, group: str = "kon"):
    """Group ``level``'s share of the resource at the same need as the other group (from the
    disclosed summary and adjusted gap): the actual share minus the adjusted gap. NaN when
    either is hidden."""
    disclosure.require_disclosed(summary, "beloppstabellen")
    disclosure.require_disclosed(gaps, "jämförelsetabellen")
    r = _gap_row(gaps, True)
    row = summary[summary[group] == level]
    if not _shown(r) or row.empty or pd.isna(row["share_of_total"].iloc[0]):
        return float("nan")
    return float(row["share_of_total"].iloc[0]) - float(r["estimate"]) / 100


def crude_verdict(crude, a: str, spec: ResourceSpec) -> str:
    """What the crude share gap (group ``a``'s share of the resource minus its share of the
    units) says, by the one verdict rule (:func:`jamtools.present.sentences.direction`); an
    estimate without an interval gets no verdict (:data:`NO_INTERVAL`)."""
    if pd.isna(crude["ci_low"]) or pd.isna(crude["ci_high"]):
        return NO_INTERVAL
    d = direction(crude["ci_low"], crude["ci_high"])
    if d == "oklar":
        return (f"det finns ingen tydlig skillnad mellan andelen av resursen och andelen av "
                f"{spec.unit_definite}")
    more = "större" if d == "högre" else "mindre"
    return (f"{SEX_POSSESSIVE.get(a, a)} andel av resursen är tydligt {more} än deras andel "
            f"av {spec.unit_definite}")


def adjusted_verdict(adj, la: str, lb: str, spec: ResourceSpec) -> str:
    """What the share gap at the same need says ("kvinnor får tydligt mindre än män med samma
    …", or "ingen tydlig skillnad"), by the one verdict rule; none without an interval."""
    if pd.isna(adj["ci_low"]) or pd.isna(adj["ci_high"]):
        return NO_INTERVAL
    d = direction(adj["ci_low"], adj["ci_high"])
    if d == "oklar":
        return verdict(adj["ci_low"], adj["ci_high"], a=la, b=lb, between=False)
    return f"{la} får tydligt {'mer' if d == 'högre' else 'mindre'} än {lb} med {spec.need_text}"


def describe_resources(result: ResourceResult, spec: ResourceSpec, *, group: str = "kon") -> str:
    """The shares of units and of the resource in words, the crude and the need-adjusted gap,
    and what they do not show. Says "ingen tydlig skillnad" when an interval covers 0."""
    summary, gaps = result.amounts.summary, result.share_gaps
    disclosure.require_disclosed(summary, "beloppstabellen")
    disclosure.require_disclosed(gaps, "jämförelsetabellen")
    text = []
    shown = summary[~summary["suppressed"].astype(bool) & (summary["n"].fillna(0) > 0)]
    if len(shown) < 2:
        # Which of the three is not told: that a sex has few who got anything says it is not the
        # small group, and so that the other sex hidden beside it is (disclosure.analyses); and a
        # selection's sums beside the whole's hide sexes that are neither (amount_outcome).
        text.append(f"Fördelningen kan inte visas: för ett av könen finns för få {spec.unit_text} i "
                    f"urvalet, eller för få som fått något alls, så att summan skulle visa vad just "
                    f"de fick, eller så skulle summorna göra det möjligt att räkna ut en dold uppgift "
                    f"(röjandekontroll)." if summary["suppressed"].astype(bool).any() else
                    f"Fördelningen kan inte jämföras: ett av könen har inga {spec.unit_text} i urvalet.")
        return "\n\n".join(text)
    first = shown.iloc[0]
    a = first[group]
    b = shown.iloc[1][group]
    la, lb = SEX_LABELS.get(a, a), SEX_LABELS.get(b, b)
    text.append(f"{la.capitalize()} står för {percent(first['share_of_n'])} av {spec.unit_definite} "
                f"och får {percent(first['share_of_total'])} av {spec.resource_text}; {lb} står för "
                f"{percent(shown.iloc[1]['share_of_n'])} och får {percent(shown.iloc[1]['share_of_total'])}.")
    conf = report.conf_percent(gaps["conf_level"].dropna().iloc[0] if gaps["conf_level"].notna().any()
                               else 0.95)
    crude, adj = _gap_row(gaps, False), _gap_row(gaps, True)
    if _shown(crude):
        ci = f"{interval(crude)}"
        text.append(f"Skillnaden är {number(crude['estimate'], signed=True)} procentenheter "
                    f"({conf} % KI {ci}): {crude_verdict(crude, a, spec)}.")
    elif crude is not None:
        text.append(f"Skillnaden mellan andelarna {not_shown(crude)}.")
    if _shown(adj):
        eq = share_if_equal(summary, gaps, a, group)
        ci = f"{interval(adj)}"
        text.append(f"Om {la} hade fått lika mycket som {lb} med {spec.need_text}, hade deras andel "
                    f"av {spec.resource_text} varit {percent(eq)}. Skillnaden mellan den faktiska "
                    f"andelen och den andelen är {number(adj['estimate'], signed=True)} procentenheter "
                    f"({conf} % KI {ci}): {adjusted_verdict(adj, la, lb, spec)}.")
    elif adj is not None:
        text.append(f"Jämförelsen vid samma behov {not_shown(adj)}.")
    turns = {direction(crude["ci_low"], crude["ci_high"]), direction(adj["ci_low"], adj["ci_high"])} \
        if _shown(crude) and _shown(adj) else set()
    if turns == {"högre", "lägre"}:
        text.append(f"Skillnaden byter riktning vid samma behov: {la} får en större andel av "
                    "resursen än av " + spec.unit_definite + " för att deras behov är större, inte för att lika behov ger mer."
                    if crude["estimate"] > 0 else
                    f"Skillnaden byter riktning vid samma behov: {la} får en mindre andel för att "
                    "deras behov är mindre, men mer än andra med samma behov.")
    text.append("Siffrorna beskriver hur resursen är fördelad; de säger inte varför, eller om "
                "något enskilt beslut var rätt eller fel.")
    return "\n\n".join(text)


def shares_plot(result: ResourceResult, spec: ResourceSpec, *, levels=ADULT_SEXES,
                group: str = "kon", title: str = "") -> Plot:
    """Stacked bars: each sex's share of the units, of the resource, and (when shown) the share
    of the resource at the same need as the other sex, each sex in its colour and hatch, with
    its share written on the bar. Hidden values are drawn as '..'."""
    summary = result.amounts.summary
    disclosure.require_disclosed(summary, "beloppstabellen")
    a = levels[0]
    unit_def = spec.unit_definite
    rows = [(f"Andel av {unit_def}", summary.set_index(group)["share_of_n"].reindex(levels)),
            (f"Andel av {spec.resource_text}",
             summary.set_index(group)["share_of_total"].reindex(levels))]
    eq = share_if_equal(summary, result.share_gaps, a, group)
    if not pd.isna(eq):
        rows.append((f"Andel om {SEX_LABELS.get(a, a)} fått som\n{SEX_LABELS.get(levels[1])} "
                     "med samma behov", pd.Series([eq, 1 - eq], index=list(levels))))
    fig = new_figure(1.9 + row_height([r[0] for r in rows]) * len(rows) + title_height(title))
    ax = fig.subplots()
    for y, (name, shares) in enumerate(rows):
        if shares.isna().any():
            ax.text(0.01, y, "..", va="center", ha="left")
            continue
        left = 0.0
        for lvl in levels:
            v = float(shares[lvl])
            ax.barh(y, v, left=left, color=SEX_COLORS.get(lvl, "#333"), height=0.6,
                    hatch=SEX_HATCHES.get(lvl, ""), edgecolor="white", linewidth=0)
            if v > 0.12:  # the share written on its bar, readable over colour and hatch
                ax.text(left + v / 2, y, percent(v, 1), ha="center", va="center", color="black",
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none",
                              "alpha": 0.9})
            left += v
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(r[0].replace("\n", " ")) for r in rows])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{number(100 * v, 0)} %"))
    ax.axvline(0.5, color="#888888", linestyle=":", linewidth=1)
    key(fig, [sex_handle(lvl, kind="bar") for lvl in levels])
    set_title(fig, title)
    return Plot(fig, title or "Andel av enheterna och av resursen per kön")


def lorenz_plot(lorenz: pd.DataFrame, spec: ResourceSpec, *, group: str = "kon",
                title: str = "") -> Plot:
    """The Lorenz curve of the resource within each sex, against the line of equal shares."""
    disclosure.require_disclosed(lorenz, "lorenztabellen")
    fig = new_figure(6.0 + title_height(title))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="Alla får lika mycket")
    for lvl, sub in lorenz.groupby(group, sort=False):
        who = SEX_LABELS.get(lvl, lvl).capitalize()
        thin = _points_hidden(sub)
        if sub["andel_resurs"].isna().any() and not thin.any():
            ax.plot([], [], color=SEX_COLORS.get(lvl, "#333"), linestyle=SEX_LINESTYLES.get(lvl, "-"),
                    label=f"{who}: visas inte (..)" if sub["suppressed"].astype(bool).any()
                    else f"{who}: kan inte beräknas (–)")
            continue
        g = sub["gini"].iloc[0]
        shown = sub[~thin]  # through the points shown: a hidden point's step merged with the next
        ax.plot(shown["andel_enheter"], shown["andel_resurs"], color=SEX_COLORS.get(lvl, "#333"),
                marker=SEX_MARKERS.get(lvl, "o"), markersize=6, linewidth=2,
                linestyle=SEX_LINESTYLES.get(lvl, "-"),
                label=f"{who} (Gini {number(g, 2)})" + (", några punkter dolda" if thin.any() else ""))
    fmt = FuncFormatter(lambda v, _: f"{number(100 * v, 0)} %")
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    unit_def = spec.unit_definite
    ax.set_xlabel(wrap(f"Andel av {unit_def}, de med minst först", 52))
    ax.set_ylabel(wrap(f"Andel av {spec.resource_text}", 30))
    ax.set_aspect("equal")
    key(fig, ax.get_legend_handles_labels()[0])
    set_title(fig, title)
    return Plot(fig, title or "Lorenzkurva per kön")


def _points_hidden(sub: pd.DataFrame) -> pd.Series:
    """The points of one curve that disclosure hides on their own (a thin step)."""
    return (sub[POINT_HIDDEN].fillna(False).astype(bool) if POINT_HIDDEN in sub
            else pd.Series(False, index=sub.index))


def lorenz_table(lorenz: pd.DataFrame, spec: ResourceSpec, *, group: str = "kon",
                 caption: str = "") -> Table:
    """The Lorenz curves as a table: per sex, the share of the resource held by the 10 %, 20 %,
    50 % with the least and by the 10 % with the most, and the Gini coefficient."""
    disclosure.require_disclosed(lorenz, "lorenztabellen")
    rows = []
    any_thin = False
    for lvl, sub in lorenz.groupby(group, sort=False):
        s = sub.set_index(sub["andel_enheter"].round(6))["andel_resurs"]
        thin = pd.Series(_points_hidden(sub).to_numpy(), index=s.index)
        any_thin |= bool(thin.any())
        whole = bool(sub["suppressed"].astype(bool).any())

        def at(p, value, fmt):
            return marked([value], [whole or bool(thin.get(p, False))], fmt)[0]
        rows.append({
            "Kön": SEX_LABELS.get(lvl, lvl).capitalize(),
            "De 10 % med minst får": at(0.1, s.get(0.1, np.nan), percent),
            "De 50 % med minst får": at(0.5, s.get(0.5, np.nan), percent),
            "De 10 % med mest får": at(0.9, 1 - s.get(0.9, np.nan), percent),
            "Gini-koefficient": marked([sub["gini"].iloc[0]], [whole], lambda v: number(v, 2))[0],
        })
    t = lorenz.attrs[disclosure.ATTR]["threshold"]
    frame = pd.DataFrame(rows)
    note = (f"'..' = kurvan visas inte eftersom den bygger på färre än {t} {spec.unit_text} "
            f"({LORENZ_POINTS} steg med minst {t // LORENZ_POINTS} i varje), eller för att gruppen "
            "är dold i en annan tabell (röjandekontroll).") if lorenz["suppressed"].astype(bool).any() else ""
    if any_thin:
        note = (note + f" En punkt på kurvan visas inte ('..') när steget fram till den bara "
                f"omfattar 1–{t // LORENZ_POINTS - 1} {spec.unit_text} som fått något: skillnaden "
                "mot föregående punkt skulle annars visa vad just de fick.").strip()
    if len(frame) and (frame == report.NOT_COMPUTED_MARK).any().any():
        note = (note + " " + report.NOT_COMPUTED_NOTE[:-1] + ": könet saknas i data.").strip()
    return Table(frame, caption, note)


def share_gap_table(gaps: pd.DataFrame, spec: ResourceSpec, *, caption: str = "") -> Table:
    """The crude and the need-adjusted share gap as a table (percentage points)."""
    disclosure.require_disclosed(gaps, "jämförelsetabellen")
    conf = report.conf_percent(gaps["conf_level"].dropna().iloc[0] if gaps["conf_level"].notna().any()
                               else 0.95)
    rows = []
    for _, r in gaps.iterrows():
        a, b = SEX_LABELS.get(r["group_a"], r["group_a"]), SEX_LABELS.get(r["group_b"], r["group_b"])
        rows.append({
            "Jämförelse": (f"Andel av resursen − andel vid samma tilldelning som {b} med samma behov "
                           f"({a})" if r["adjusted"] else f"Andel av resursen − andel av "
                           f"{spec.unit_definite} ({a})"),
            "Justerat för": covariates_text(r["adjusted_for"]) if r["adjusted"] else "ojusterat",
            "Skattning (procentenheter)": report.estimate_cell(r, 1, signed=True),
            f"{conf} % KI": interval(r, table=True),
            "Anmärkning": "; ".join(x for x in (str(r.get("suppression_reason") or ""),
                                                str(r.get("warning") or "")) if x and x != "nan"),
        })
    frame = pd.DataFrame(rows)
    if not frame.empty and not frame["Anmärkning"].astype(bool).any():
        frame = frame.drop(columns="Anmärkning")
    if not frame.empty and not gaps["adjusted"].astype(bool).any():
        frame = frame.drop(columns="Justerat för")  # nothing adjusted: no such column
    return Table(frame, caption, report.marks_note(gaps))


@dataclass
class ResourcePart:
    """One resource of the chapter: its (effective) spec, the loaded data and the results."""

    table: str
    data: ResourceData
    result: ResourceResult

    @property
    def spec(self) -> ResourceSpec:
        return self.data.spec

    @property
    def title(self) -> str:
        return PART_TITLES.get(self.table, self.table)


def analyse(underlag: ResourceData, *, levels=ADULT_SEXES, conf_level: float = 0.95,
            threshold: int = disclosure.DEFAULT_THRESHOLD) -> ResourcePart:
    """:func:`resource_distribution` for one loaded resource, as a part of the page."""
    result = resource_distribution(underlag.data, underlag.spec, levels=levels,
                                   conf_level=conf_level, threshold=threshold,
                                   weight=underlag.weight)
    return ResourcePart(underlag.spec.table, underlag, result)


def shares_alt(result: ResourceResult, spec: ResourceSpec, *, levels=ADULT_SEXES,
               group: str = "kon") -> str:
    """Alt text of :func:`shares_plot`: each sex's share of the units and of the resource, and
    the share at the same need when it is shown ('..' when hidden)."""
    summary = result.amounts.summary.set_index(group)
    a, b = levels
    la, lb = SEX_LABELS.get(a, a), SEX_LABELS.get(b, b)

    def one(col, level, name):
        if level not in summary.index:
            return f"{name} saknas i data"
        row = summary.loc[level]
        if bool(row.get("suppressed", False)) or pd.isna(row[col]):
            return f"{name} {report.HIDDEN_WORDS if bool(row.get('suppressed', False)) else report.NOT_COMPUTED_WORDS}"
        return f"{name} {percent(row[col])}"

    def pair(col):
        return f"{one(col, a, la)}, {one(col, b, lb)}"
    text = (f"Liggande staplar. Andel av {spec.unit_definite}: {pair('share_of_n')}. Andel av "
            f"{spec.resource_text}: {pair('share_of_total')}.")
    eq = share_if_equal(result.amounts.summary, result.share_gaps, a, group)
    if not pd.isna(eq):
        text += f" Andel om {la} fått som {lb} med samma behov: {la} {percent(eq)}."
    return text


def lorenz_alt(lorenz: pd.DataFrame, spec: ResourceSpec, *, group: str = "kon") -> str:
    """Alt text of :func:`lorenz_plot`: per sex the Gini coefficient and the share of the
    resource the half with the least get (in words when the curve is hidden or cannot be drawn)."""
    parts = []
    for lvl, sub in lorenz.groupby(group, sort=False):
        who = SEX_LABELS.get(lvl, lvl)
        half = sub.set_index(sub["andel_enheter"].round(6))["andel_resurs"].get(0.5, np.nan)
        if _points_hidden(sub).any():
            parts.append(f"{who}: Gini {number(sub['gini'].iloc[0], 2)}"
                         + (f", de 50 % med minst får {percent(half)}" if not pd.isna(half) else "")
                         + ", några punkter på kurvan visas inte")
        elif sub["andel_resurs"].isna().any():
            parts.append(f"{who}: {report.HIDDEN_WORDS if sub['suppressed'].astype(bool).any() else report.NOT_COMPUTED_WORDS}")
        else:
            parts.append(f"{who}: Gini {number(sub['gini'].iloc[0], 2)}, de 50 % med minst får "
                         f"{percent(half)}")
    return (f"Lorenzkurvor för {spec.resource_text} inom varje kön, mot diagonalen där alla får "
            "lika mycket. " + "; ".join(parts) + ".") if parts else "Inga kurvor att visa."


def part_items(part: ResourcePart, *, levels=ADULT_SEXES) -> tuple:
    """What the page shows for one resource, in order: heading, shares in words and as a
    figure, the amounts per sex, the share gaps, the difference per unit (crude, and at the
    same need when the data have the need), and the concentration within each sex."""
    spec, r = part.spec, part.result
    resource = spec.resource_text[0].upper() + spec.resource_text[1:]
    eq_shown = not pd.isna(share_if_equal(r.amounts.summary, r.share_gaps, levels[0]))
    paragraphs = report.describe_amount(r.amounts.summary, r.amounts.comparisons,
                                        unit_text=spec.unit_text, amount_text=spec.amount_text,
                                        per_text=spec.per_text).split("\n\n")
    return items(
        f"### {part.title}",
        *[report.unusual_amounts_text(loaded.data, name,
                                      hidden=bool(r.amounts.summary["suppressed"].astype(bool).any())) or None
          for name, loaded in part.data.loads.items()],
        describe_resources(r, spec),
        *figure(shares_plot(r, spec, levels=levels,
                            title=f"Andel av {spec.unit_definite} och av {spec.resource_text}"),
                caption=f"Kvinnors och mäns andel av {spec.unit_definite} och av {spec.resource_text}"
                        + (", och andelen kvinnorna hade haft om de fått som män med samma behov."
                           if eq_shown else "."),
                alt=shares_alt(r, spec, levels=levels), name=f"andelar-{part.table}"),
        report.amount_summary_table(r.amounts.summary, unit=spec.amount_text,
                                    count_label=f"Antal {spec.unit_text}",
                                    caption=f"{resource} efter kön"),
        share_gap_table(r.share_gaps, spec,
                        caption=f"{resource}: andel av resursen jämfört med andel av "
                                f"{spec.unit_definite} (kvinnor)"),
        # The means per sex are in the table above; here the comparisons.
        "\n\n".join(x for x in paragraphs if " i genomsnitt " not in x),
        report.amount_comparison_table(
            r.amounts.comparisons, unit=spec.amount_text,
            caption=f"{resource}: skillnad per enhet, kvinnor − män ({spec.amount_text})"),
        *figure(lorenz_plot(r.lorenz, spec, title=f"Hur {spec.resource_text} fördelas inom varje kön"),
                caption=f"Lorenzkurvor: hur {spec.resource_text} fördelas inom varje kön, från dem "
                        "som fått minst till dem som fått mest (diagonalen: alla får lika mycket).",
                alt=lorenz_alt(r.lorenz, spec), name=f"lorenz-{part.table}"),
        lorenz_table(r.lorenz, spec, caption=f"{resource}: koncentration inom varje kön"))


def _tables_words(tables) -> str:
    """The resource tables in words: "ansökningar om projektmedel", joined with "och"."""
    words = [report.TABLE_LABELS.get(t, t) for t in tables]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " och " + words[-1]


def answer(parts) -> str:
    """*Svar i korthet*: per resource the women's share of the resource minus their share of
    the units, crude and at the same need (when the data have the need), with intervals."""
    if not parts:
        return "Underlaget har ingen av resurstabellerna, så kapitlet har inget att visa."
    out = []
    for part in parts:
        spec, gaps = part.spec, part.result.share_gaps
        crude, adj = _gap_row(gaps, False), _gap_row(gaps, True)
        if not _shown(crude):
            out.append(f"{part.title}: skillnaden mellan andelarna "
                       + (not_shown(crude) if crude is not None else "kan inte beräknas") + ".")
            continue
        a, b = crude["group_a"], crude["group_b"]
        la, lb = SEX_LABELS.get(a, a), SEX_LABELS.get(b, b)
        conf = report.conf_percent(crude["conf_level"])

        def gap(r):
            return (f"{number(r['estimate'], signed=True)} procentenheter ({conf} % KI "
                    f"{interval(r)})")
        text = (f"{part.title}: {SEX_POSSESSIVE.get(a, a)} andel av {spec.resource_text} minus "
                f"deras andel av {spec.unit_definite} är {gap(crude)} utan justering")
        if _shown(adj):
            text += f" och {gap(adj)} vid samma behov: {adjusted_verdict(adj, la, lb, spec)}."
        else:
            text += f": {crude_verdict(crude, a, spec)}."
        out.append(text)
    return " ".join(out)


def resource_shares(ctx, *, levels=ADULT_SEXES) -> Page:
    """r4_02: how are the resources (time, interventions, money) shared between the sexes?

    One part per resource the run has (:func:`resource_tables`, parameter ``tabell``): each
    sex's share of the units and of the resource, crude and at the same need, the difference
    per unit and the concentration within each sex (:func:`analyse`).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters ``tabell``, ``enhet``, ``alder_min``, ``alder_max``).
    levels : the two sexes compared.

    Returns
    -------
    Page
        Parts ``data`` (what was read and left out, per table) and ``resultat`` (one section
        per resource, or the sentence that there is none).
    """
    tables = resource_tables(ctx.extra.get("tabell"))
    underlag = {t: load_resource(ctx, t) for t in tables}
    data = [f"{ctx.heading} {omissions_text(ctx, tables, underlag)}".strip()]
    data += [report.quality_table(loaded, threshold=ctx.threshold, caption=data_caption(t, name))
             for t, u in underlag.items() if u is not None for name, loaded in u.loads.items()]
    parts = [analyse(u, levels=levels, conf_level=ctx.conf_level, threshold=ctx.threshold)
             for u in underlag.values() if u is not None]
    chosen = ctx.extra.get("tabell")
    missing_text = ("Underlaget har ingen av resurstabellerna, så kapitlet har inget att visa."
                    if not chosen else
                    f"Kapitlet är inställt på {_tables_words(tables)}, som inte finns i "
                    "körningens data, så kapitlet har inget att visa.")
    result = ([item for part in parts for item in part_items(part, levels=levels)] if parts else
              [missing_text])
    counts = {name: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(), threshold=ctx.threshold)
              for part in parts for name, loaded in part.data.loads.items()}
    compared = [x for part in parts for x in (part.result.amounts.comparisons, part.result.share_gaps)]
    return Page(question_id=ctx.question_id, short_answer=answer(parts) if parts else missing_text,
                parts={"data": items(*data), "resultat": items(*result)}, counts=counts,
                comparisons=stats.adjust_pvalues(pd.concat(compared, ignore_index=True), method="holm")
                if compared else None)
