"""Projektmedel: the project-fund chapter (ru_01), its data preparation and composition.

The chapter compares how often applications led by women and by men are granted, crude and
among applications with the same target group and about the same amount applied for, and how
large the granted amounts are. An organisation's export may lack the target group
(``malgrupp``), the amount applied for (``sokt_belopp``) or the amount granted
(``beviljat_belopp``); the functions here prepare whatever the table holds, and
:func:`project_funds` is the chapter's page.
"""
from __future__ import annotations

import math

import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.check import parse_numbers
from jamtools.data.model import ADULT_SEXES
from jamtools.disclosure import analyses as analysis
from jamtools.present import plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.report import SEX_LABELS, Table, marked, marks_legend, number, percent
from jamtools.present.sentences import difference_alt, shares_alt, short_answer

#: The reader's names of the target groups (the data model writes them without å, ä and ö).
TARGET_GROUPS = {"kvinnor": "För kvinnor", "man": "För män", "alla": "För alla",
                 "unga": "För unga"}
#: The column of the amount class (from the amount applied for), a covariate in the chapter.
AMOUNT_CLASS = "beloppsklass"


#: What the parameter ``beloppsgranser`` must be, in the message for a value that is not.
MSG_BOUNDS = ("Parametern beloppsgranser = {value!r} ska vara en lista med gränser i kronor, 0 eller "
              "mer, till exempel [200000, 400000, 800000] (\"200 000\" med mellanslag går också "
              "bra){why}.")


def amount_bounds(value) -> list[float]:
    """The parameter ``beloppsgranser`` checked and read: the limits of the amount classes in
    kronor, increasing.

    An amount may be written as Swedes write it (``"200 000"``, a space between thousands; a
    decimal comma; a currency after it), and a single limit without a list. A limit given twice
    is one limit, and a limit of 0 is none (the lowest class starts at 0 kr): both give the
    classes the other limits give. A value that is not an amount of 0 kr or more, or none at
    all, is a ValueError that names every such value and says what to write (a negative limit
    would make a class no application falls in, and is more likely a mistake than meant).

    Examples
    --------
    >>> amount_bounds(["400 000", 200000])
    [200000.0, 400000.0]
    >>> amount_bounds([0, 200000, "200 000"])
    [200000.0]
    """
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    bounds, unread = set(), []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            unread.append(v)
            continue
        number = float(v) if not isinstance(v, str) else parse_numbers(pd.Series([v], dtype="string")).iloc[0]
        if pd.isna(number) or not math.isfinite(number) or number < 0:
            unread.append(v)
        elif number > 0:
            bounds.add(float(number))
    if value is None or unread:
        why = f"; inte ett belopp på 0 kr eller mer: {', '.join(map(repr, unread))}" if unread else ""
        raise ValueError(MSG_BOUNDS.format(value=value, why=why))
    return sorted(bounds)


def amount_class_labels(bounds) -> list[str]:
    """Swedish labels of the amount classes that ``bounds`` (kronor, increasing) cut out.

    Examples
    --------
    >>> amount_class_labels([200000, 400000])
    ['under 200\\u202f000 kr', '200\\u202f000–400\\u202f000 kr', '400\\u202f000 kr och mer']
    """
    bounds = [float(b) for b in bounds]
    if not bounds:
        return ["alla belopp"]
    middle = [f"{number(lo, 0)}–{number(hi, 0)} kr" for lo, hi in zip(bounds[:-1], bounds[1:])]
    return [f"under {number(bounds[0], 0)} kr", *middle, f"{number(bounds[-1], 0)} kr och mer"]


def amount_class(amounts, bounds) -> pd.Series:
    """The amount class of each amount applied for (lower bound inclusive), as text.

    Parameters
    ----------
    amounts : array-like of float
        Amounts applied for, kronor; a missing amount has no class (missing).
    bounds : sequence of float
        The class limits, e.g. ``[200000, 400000, 800000]`` (the parameter ``beloppsgranser``).

    Returns
    -------
    pandas.Series of object
        One label of :func:`amount_class_labels` per amount.

    Examples
    --------
    >>> list(amount_class([150000, 200000, 900000, None], [200000, 400000]))
    ['under 200\\u202f000 kr', '200\\u202f000–400\\u202f000 kr', '400\\u202f000 kr och mer', nan]
    """
    values = pd.to_numeric(pd.Series(amounts), errors="coerce").astype(float)
    edges = [0.0, *sorted(float(b) for b in bounds), float("inf")]
    classes = pd.cut(values, edges, right=False, labels=amount_class_labels(sorted(bounds)))
    return classes.astype(object).where(values.notna())


def prepare_applications(data: pd.DataFrame, bounds) -> pd.DataFrame:
    """The applications as the chapter analyses them.

    ``beviljad`` becomes 0/1; the target group, when the table has one, gets its reader's
    name (:data:`TARGET_GROUPS`); when the table has the amount applied for, the amount class
    :data:`AMOUNT_CLASS` is added (:func:`amount_class`). Nothing else is changed; the input
    is not modified.

    Parameters
    ----------
    data : DataFrame
        One row per application (or a cell table of them) with ``kon`` and ``beviljad``, and
        any of ``malgrupp``, ``sokt_belopp`` and ``beviljat_belopp``.
    bounds : sequence of float
        Limits of the amount classes (kronor).

    Returns
    -------
    DataFrame
    """
    out = data.copy()
    out["beviljad"] = out["beviljad"].astype("Int64").astype(float)
    if "malgrupp" in out.columns:
        out["malgrupp"] = out["malgrupp"].map(lambda v: TARGET_GROUPS.get(v, v))
    if "sokt_belopp" in out.columns:
        out[AMOUNT_CLASS] = amount_class(out["sokt_belopp"], bounds).to_numpy()
    return out


def model_covariates(covariates) -> list[str]:
    """The chapter's covariates as the comparison uses them: the amount applied for is
    adjusted for through its class (:data:`AMOUNT_CLASS`).

    Examples
    --------
    >>> model_covariates(["malgrupp", "sokt_belopp"])
    ['malgrupp', 'beloppsklass']
    """
    return [AMOUNT_CLASS if c == "sokt_belopp" else c for c in covariates]


def granted(data: pd.DataFrame, levels=ADULT_SEXES) -> pd.DataFrame:
    """The granted applications of the two sexes, with the amount granted in thousands of
    kronor (``beviljat_tkr``) and, when the table has the amount applied for, the share of it
    that was granted in percent (``andel_av_sokt``; missing when nothing was applied for).

    Parameters
    ----------
    data : DataFrame
        Applications as :func:`prepare_applications` returns them, with ``beviljat_belopp``.
    levels : the two sexes compared.

    Returns
    -------
    DataFrame
    """
    rows = data[(data["beviljad"] == 1) & data["kon"].isin(levels)].copy()
    rows["beviljat_tkr"] = rows["beviljat_belopp"].astype(float) / 1000
    if "sokt_belopp" in rows.columns:
        applied = rows["sokt_belopp"].astype(float)
        rows["andel_av_sokt"] = (100 * rows["beviljat_belopp"].astype(float)
                                 / applied.where(applied > 0))
    return rows


#: The amount comparisons among granted applications: (reader's name, column).
AMOUNT_MEASURES = (("Beviljat belopp (tkr)", "beviljat_tkr"),
                   ("Andel av sökt belopp (procent)", "andel_av_sokt"))


def compare_granted(rows: pd.DataFrame, *, levels=ADULT_SEXES, conf_level: float = 0.95,
                    threshold: int = disclosure.DEFAULT_THRESHOLD,
                    count: str | None = None) -> pd.DataFrame:
    """Differences in mean and median between the sexes, among granted applications, for each
    amount measure ``rows`` holds (:data:`AMOUNT_MEASURES`), disclosed and stacked with the
    measure's name in column ``matt`` (the ratio of means is not shown: ``ratio=False``).

    Parameters
    ----------
    rows : DataFrame from :func:`granted`.
    levels, conf_level, threshold : the sexes, interval level and disclosure threshold.
    count : str, optional
        For a cell table: the column with the number of applications each row stands for.

    Returns
    -------
    DataFrame
        The library's comparison layout plus ``matt``.
    """
    parts = {}
    for name, column in AMOUNT_MEASURES:
        if column not in rows.columns:
            continue
        measured = rows.dropna(subset=[column])
        part = disclosure.disclose_comparisons(
            stats.compare_amounts(measured, column, "kon", levels=levels,
                                  conf_level=conf_level, count=count, ratio=False),
            threshold=threshold)
        # A difference of medians of a few granted applications, and its interval's ends, are
        # single applications' amounts (a probe: −20,00 (−40,00 till 0,00) gave three women's
        # 60, 80 and 100 % of what they applied for): hidden as every amount table hides them.
        units = (measured[count] if count else pd.Series(1.0, index=measured.index)).astype(float)
        per_sex = units.groupby(measured["kon"], observed=True).sum().reindex(list(levels), fill_value=0)
        few = pd.DataFrame({"kon": list(levels),
                            "order_hidden": (per_sex < analysis.order_min(threshold)).to_numpy()})
        parts[name] = analysis.hide_order_comparisons(part, few, group="kon")
    return disclosure.stack(parts, "matt")


def funds_table(data: pd.DataFrame, *, levels=ADULT_SEXES,
                threshold: int = disclosure.DEFAULT_THRESHOLD,
                caption: str = "Ansökningar och beviljade medel efter projektledarens kön",
                count: str | None = None) -> Table:
    """Each sex's share of the applications against its share of the funds granted (0 kr for
    a rejection), disclosed, as a Swedish table.

    Parameters
    ----------
    data : DataFrame
        Applications with ``kon`` and ``beviljat_belopp`` (and ``beviljad``: a rejection
        without an amount counts 0 kr; an application granted without an amount is left out,
        and the table's note says so).
    levels, threshold, caption : the sexes, disclosure threshold and the table's caption.
    count : str, optional
        For a cell table: the column with the number of applications each row stands for.

    Returns
    -------
    Table
    """
    rows = data[data["kon"].isin(levels)]
    amount = rows["beviljat_belopp"].astype(float)
    if "beviljad" in rows.columns:  # a rejection without an amount was granted 0 kr (the model)
        amount = amount.mask(amount.isna() & (rows["beviljad"] == 0), 0.0)
    unknown = bool(amount.isna().any())  # granted, the amount not given: left out, said below
    rows = rows.assign(beviljat_mkr=amount / 1e6)[amount.notna()]
    dist = stats.describe_amounts(rows, "beviljat_mkr", "kon", count=count)
    # As every amount summary: the money of a sex with few granted applications is hidden too
    # (the contributors rule, ``disclose_amount_summary``).
    dist = analysis.disclose_amount_summary(dist, group="kon", threshold=threshold)
    hidden = dist["suppressed"].astype(bool).tolist()
    frame = pd.DataFrame({
        "Projektledare": dist["kon"].map(lambda v: SEX_LABELS[v].capitalize()),
        "Antal ansökningar": marked(dist["n"], hidden, lambda v: number(v, 0)),
        "Andel av ansökningarna": marked(dist["share_of_n"], hidden, percent),
        "Beviljat totalt (miljoner kr)": marked(dist["sum"], hidden, lambda v: number(v, 1)),
        "Andel av beviljade medel": marked(dist["share_of_total"], hidden, percent),
    })
    return Table(frame, caption=caption, note=marks_legend(
        frame, threshold, note="Beviljade medel räknas över alla ansökningar (0 kr för avslag)."
        + (" Beviljade ansökningar utan belopp i data ingår inte." if unknown else "")))


__all__ = ["TARGET_GROUPS", "AMOUNT_CLASS", "amount_bounds", "amount_class", "amount_class_labels",
           "prepare_applications", "model_covariates", "granted", "compare_granted",
           "funds_table", "project_funds"]


# --- Chapter composition ------------------------------------------------------------------------

#: The sexes compared (the project leader's).
SEXES = ADULT_SEXES


def project_funds(ctx) -> Page:
    """ru_01: are project funds and grants distributed equally between women and men?

    How often applications led by women and by men are granted, crude and among applications
    with the same target group and amount class (the parameter ``beloppsgranser``), by target
    group, and, when the export has the amount granted, the amounts granted and each sex's
    share of the funds.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run; ``ctx.extra["beloppsgranser"]`` are the limits of the amount
        classes (kronor; :func:`amount_bounds`).

    Returns
    -------
    Page
        Parts ``data`` (the data section), ``beviljade`` (the shares granted and the crude and
        adjusted difference: text, figures and tables), ``malgrupp`` (the shares by target
        group, or a sentence when the data lack it) and ``belopp`` (the amounts granted and
        the funds by sex, or a sentence when the data lack the amount granted).
    """
    table = "ru_ansokningar"
    bounds = amount_bounds(ctx.extra["beloppsgranser"])
    conf = report.conf_percent(ctx.conf_level)
    loaded, covariates = ctx.with_covariates(table, ctx.load(table, **ctx.filters))
    if loaded.has("beviljat_belopp"):  # a few grants without an amount leave the chapter
        loaded = ctx.without_few(loaded, (loaded.data["beviljad"].astype("Float64") == 1).fillna(False)
                                 & loaded.data["beviljat_belopp"].isna(), "Uppgift om beviljat belopp saknas")
    applications = prepare_applications(loaded.data, bounds)
    covariates = model_covariates(covariates)
    result = analysis.binary_outcome(applications, "beviljad", covariates=covariates, levels=SEXES,
                                     by="malgrupp" if loaded.has("malgrupp") else None,
                                     conf_level=ctx.conf_level, threshold=ctx.threshold,
                                     weight=loaded.weight)
    shares, comparisons = result.shares, result.comparisons
    adjusted = bool(covariates)

    if result.by_shares is not None:
        by_target = items(
            *figure(plots.shares_plot(result.by_shares, by="malgrupp",
                                      title="Andel beviljade efter projektets målgrupp",
                                      xlabel="Andel av ansökningarna som beviljades"),
                    caption="Andel beviljade efter projektets målgrupp och projektledarens kön, "
                            f"med {conf} % konfidensintervall.",
                    alt=shares_alt(result.by_shares, what="Andel beviljade", by="malgrupp"),
                    name="malgrupp"),
            report.share_table(
                result.by_shares, outcome_label="Andel beviljade",
                caption="Beviljade ansökningar efter målgrupp och projektledarens kön"))
    else:
        by_target = items("Uppdelningen efter målgrupp utelämnas: data saknar projektets målgrupp.")

    amounts = None
    if loaded.has("beviljat_belopp"):
        amounts = compare_granted(granted(applications, SEXES), levels=SEXES,
                                  conf_level=ctx.conf_level, threshold=ctx.threshold,
                                  count=loaded.weight)
        funds = items(
            report.unusual_amounts_text(loaded.data, table,
                                        hidden=bool(amounts["suppressed"].astype(bool).any())) or None,
            report.comparison_table(amounts.assign(comparison=amounts["matt"] + ": kvinnor − män"),
                                    caption="Beviljade belopp bland beviljade ansökningar",
                                    name="belopp"),
            funds_table(applications, levels=SEXES, threshold=ctx.threshold,
                        count=loaded.weight))
    else:
        funds = items("Jämförelsen av beviljade belopp utelämnas: data saknar beviljat belopp.")

    return Page(
        question_id=ctx.question_id,
        short_answer=short_answer(comparisons, unit_text="ansökningar"),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(table, loaded)}",
                          report.quality_table(loaded, threshold=ctx.threshold,
                                               caption="Dataunderlag: ansökningar",
                                               name="dataunderlag")),
            "beviljade": items(
                report.describe_binary(shares, comparisons, verb="beviljades", outcome_text="",
                                       unit_text="ansökningar"),
                *figure(plots.shares_plot(shares, title="Andel beviljade ansökningar",
                                          xlabel="Andel av ansökningarna som beviljades"),
                        caption="Andel beviljade ansökningar efter projektledarens kön, med "
                                f"{conf} % konfidensintervall.",
                        alt=shares_alt(shares, what="Andel beviljade"), name="andel"),
                report.share_table(shares, outcome_label="Andel beviljade",
                                   caption="Beviljade ansökningar efter projektledarens kön"),
                *figure(plots.difference_plot(comparisons, title="Skillnad kvinnor − män"
                                              + (", utan och med justering" if adjusted else "")),
                        caption="Skillnaden mellan kvinnors och mäns ansökningar i procentenheter"
                                + (", utan och med justering" if adjusted else "")
                                + f", med {conf} % konfidensintervall.",
                        alt=difference_alt(comparisons), name="skillnad"),
                report.comparison_table(
                    comparisons, caption="Jämförelser mellan kvinnors och mäns ansökningar",
                    name="jamforelser")),
            "malgrupp": by_target,
            "belopp": funds,
        },
        counts={table: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat(
            [comparisons, *([amounts.drop(columns="matt")] if amounts is not None else [])],
            ignore_index=True), method="holm"),
    )
