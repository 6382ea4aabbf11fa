"""Barn och familj: the data preparation of the child-and-family chapters.

What the chapters bof_01–bof_06 do with the loaded tables before the standard analysis
(:mod:`jamtools.disclosure.analyses`), so that the notebooks only call it and it works on any export that
holds the chapter's required columns (:mod:`jamtools.run.catalogue`):

- :func:`has_ids` and :func:`omissions`: whether an id column can link two tables (an id the
  loader numbered from the row position links nothing), and the catalogue's sentences of what a
  chapter leaves out, with links that cannot be made and adjustments that cannot be made;
- :func:`add_reason_type`: each insats gets the reason type (miljö/beteende) of the
  investigation it came from (bof_03);
- :func:`compare_each_category`: one yes/no comparison per category with simultaneous
  intervals (bof_03);
- :func:`flag`: a yes/no outcome from a category (bof_04);
- :func:`parents`: one row per parent of each investigation (bof_05);
- :func:`process_steps`: the steps of the process map report → investigation → insats (bof_06).
"""
from __future__ import annotations

import re

import pandas as pd

from jamtools import disclosure, stats
from jamtools.disclosure import analyses as analysis
from jamtools.present import plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.sentences import difference_alt, shares_alt, short_answer
from jamtools.run import catalogue

#: The steps of the process map (bof_06), by outcome column.
STEPS = {
    "utredning_inledd": "1. Anmälan → utredning inleds",
    "insats_beviljad": "2. Utredning → insats",
    "insats_per_anmalan": "3. Anmälan → insats (hela kedjan)",
}
#: The two parents compared in bof_05, in the order of the difference (mamma − pappa).
PARENTS = ("mamma", "pappa")


def has_ids(loaded, column: str) -> bool:
    """Whether ``loaded`` has ``column`` with ids that can link it to another table.

    False when the table is absent (None), lacks the column, or the loader numbered the rows
    because the export had no id column (such ids link nothing).

    Parameters
    ----------
    loaded : jamtools.data.LoadResult or None
    column : str

    Returns
    -------
    bool
    """
    if loaded is None or not loaded.has(column):
        return False
    checked = getattr(loaded, "checked", None)
    return checked is None or checked.derived.get(column) != "radnumret"


def omissions(chapter_id: str, tables: dict, *, ids: dict | None = None,
              adjusted: bool = True) -> str:
    """What chapter ``chapter_id`` leaves out, for every table it read (Swedish Markdown).

    The sentences of :func:`jamtools.run.catalogue.omissions` for each table, each said once, and
    in addition:

    - an id column in ``ids`` that the table has but that cannot link (the loader numbered the
      rows, :func:`has_ids`) counts as absent: the catalogue's sentence for the column, or the
      table's (``without``) when the column is required;
    - with ``adjusted=False`` (the chapter makes no adjusted comparison, because something the
      adjusted comparisons need is absent, although some covariates are present): the
      sentence that the adjustment could not be made, naming what is missing, replaces the
      sentence on the covariates.

    Parameters
    ----------
    chapter_id : a chapter of :data:`jamtools.run.catalogue.CHAPTERS`.
    tables : table name -> :class:`~jamtools.data.LoadResult`, or None for an optional table
        the run lacks; in the order the sentences are shown.
    ids : table name -> the id columns the chapter links tables by.
    adjusted : whether the chapter makes any adjusted comparison.

    Returns
    -------
    str
    """
    ids = ids or {}
    views, lacking = {}, []
    declared = [c for t in tables for c in catalogue.CHAPTERS[chapter_id].need(t).covariates]
    for table, loaded in tables.items():
        need = catalogue.CHAPTERS[chapter_id].need(table)
        if loaded is None:
            lacking += list(need.covariates) or list(need.required)
            views[table] = None
            continue
        unusable = [c for c in ids.get(table, ()) if loaded.has(c) and not has_ids(loaded, c)]
        view = _Hiding(loaded, unusable)
        lacking += unusable + [c for c in (*need.covariates, *need.optional) if not view.has(c)]
        views[table] = (view, unusable)
    sentences: list[str] = []
    for table, entry in views.items():
        need = catalogue.CHAPTERS[chapter_id].need(table)
        if entry is None:
            sentences += _sentences(catalogue.omissions(chapter_id, table, None))
            continue
        view, unusable = entry
        for col in unusable:
            if col not in need.optional and need.without:
                sentences.append(f"Data saknar uppgift om {report.covariates_text([col])}: "
                                 f"{need.without}.")
        present = [c for c in need.covariates if view.has(c)]
        if not adjusted and present:  # hide them: the catalogue then says none could be used
            view = _Hiding(view, need.covariates)
        text = catalogue.omissions(chapter_id, table, view)
        if not adjusted and present:
            text = text.replace(catalogue.no_adjustment_text(need.covariates),
                                no_adjustment_text(lacking))
        sentences += _sentences(text)
    if not adjusted and not any("kunde inte göras" in s for s in sentences):
        sentences.append(no_adjustment_text(lacking) if lacking
                         else catalogue.no_adjustment_text(declared))
    return " ".join(dict.fromkeys(s for s in sentences if s))


def _sentences(text: str) -> list[str]:
    """The catalogue's text split where one of its sentences begins."""
    return [s for s in re.split(r"(?<=\.) (?=Data saknar|\*\*Justeringen)", text) if s]


def no_adjustment_text(lacking) -> str:
    """The sentence a chapter shows when it makes no adjusted comparison because what the
    adjusted comparisons need (``lacking``, model columns) is absent."""
    what = report.covariates_text(list(dict.fromkeys(lacking)))
    return (f"**Justeringen kunde inte göras**: data saknar uppgifter som de justerade "
            f"jämförelserna behöver ({what}). Resultatet jämför därför bara grupperna som de är "
            "och säger ingenting om personer med samma behov eller lika ärenden.")


class _Hiding:
    """A loaded table whose ``columns`` count as absent (for :func:`omissions`)."""

    def __init__(self, loaded, columns):
        self._loaded, self._hidden = loaded, set(columns)

    def has(self, column: str) -> bool:
        return column not in self._hidden and self._loaded.has(column)


def add_reason_type(insatser, utredningar) -> bool:
    """Give each insats the reason type (miljö/beteende) of the investigation it came from.

    When the link can be made (``insatser`` has ``utredning_id``, ``utredningar`` has real
    ids, :func:`has_ids`, and ``orsakstyp``), ``insatser.data`` gets the column ``orsakstyp``
    and the insatser whose investigation is missing, or has no reason type, are left out and
    counted ("Utredningen saknas (typ av orsak okänd)"). Otherwise nothing changes.

    Parameters
    ----------
    insatser : jamtools.data.LoadResult
        The table ``bof_insatser``; changed in place.
    utredningar : jamtools.data.LoadResult or None
        The table ``bof_utredningar`` (None: the run lacks it).

    Returns
    -------
    bool
        Whether the link was made (and the comparison by reason type can be adjusted).
    """
    if not (has_ids(insatser, "utredning_id") and has_ids(utredningar, "utredning_id")
            and utredningar.has("orsakstyp")):
        return False
    reasons = (utredningar.data.dropna(subset=["utredning_id"])
               .drop_duplicates("utredning_id").set_index("utredning_id")["orsakstyp"])
    insatser.data["orsakstyp"] = insatser.data["utredning_id"].map(reasons).astype("string")
    insatser.exclude(insatser.data["orsakstyp"].isna(), "Utredningen saknas (typ av orsak okänd)")
    return True


def compare_each_category(data: pd.DataFrame, column: str, categories, *, covariates=(),
                          levels=("flicka", "pojke"), group: str = "kon",
                          conf_level: float = 0.95,
                          threshold: int = disclosure.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """For each category of ``column``: is the share of rows in it the same for both groups?

    Each category becomes a yes/no outcome (named by the category) compared with
    :func:`jamtools.disclosure.analyses.binary_outcome`: crude, and adjusted for ``covariates`` when any
    are given. The intervals are simultaneous over the categories (Bonferroni,
    :func:`jamtools.stats.bonferroni_level`): together they cover their true values with
    probability ``conf_level``.

    Parameters
    ----------
    data : one row per unit (e.g. insats) with ``group``, ``column`` and ``covariates``; rows
        with no value in ``column`` are not counted.
    column : the category column, e.g. ``insatstyp``.
    categories : every category compared (also those no row has).
    covariates, levels, group, conf_level, threshold : as for ``binary_outcome``.

    Returns
    -------
    pandas.DataFrame
        The disclosed comparisons of all categories stacked, with the category in ``column``.
    """
    categories = list(categories)
    level = stats.bonferroni_level(conf_level, len(categories))
    rows = data[data[column].notna()]
    frame = rows[[group, *covariates]].copy()
    out = {}
    for cat in categories:
        frame[cat] = (rows[column] == cat).astype(int)
        out[cat] = analysis.binary_outcome(frame, cat, covariates=list(covariates), levels=levels,
                                           group=group, conf_level=level,
                                           threshold=threshold).comparisons
    return disclosure.stack(out, column)


def flag(data: pd.DataFrame, column: str, value: str, name: str) -> pd.DataFrame:
    """The rows with a value in ``column``, with the yes/no outcome ``name`` = 1 where it is
    ``value`` (e.g. ``anmalare`` == ``polis``), else 0.

    Parameters
    ----------
    data : pandas.DataFrame
    column, value : the category column and the value that counts as yes.
    name : the new 0/1 column.

    Returns
    -------
    pandas.DataFrame
        A copy of the rows where ``column`` is known (a row of unknown category is neither).
    """
    rows = data[data[column].notna()].copy()
    rows[name] = (rows[column] == value).astype(int)
    return rows


def parents(utredningar: pd.DataFrame) -> pd.DataFrame:
    """One row per parent of each investigation, for comparing mothers and fathers (bof_05).

    Parameters
    ----------
    utredningar : pandas.DataFrame
        ``bof_utredningar`` with ``mamma_kontaktad`` and ``pappa_kontaktad``; used when
        present: ``<roll>_finns`` (whether the parent exists; without it every investigation
        with a recorded contact counts), ``<roll>_samtal`` and ``antal_moten_<roll>`` (kept
        only when both parents have them), ``foraldrar_sammanboende``.

    Returns
    -------
    pandas.DataFrame
        Columns ``utredning_id`` (when present), ``foralder`` (mamma/pappa), ``kon`` (the
        child's sex), ``kontaktad`` (0/1) and, when present, ``samtal`` (0/1), ``moten`` and
        ``sammanboende`` ("bor ihop"/"bor isär"). Only parents who exist (where known) and whose
        contact, and conversation when compared, is recorded.
    """
    u = utredningar

    def both(template):
        return all(template.format(r) in u.columns for r in PARENTS)

    with_talk, with_meetings = both("{}_samtal"), both("antal_moten_{}")
    parts = []
    for roll in PARENTS:
        part = pd.DataFrame({"foralder": roll, "kon": u["kon"],
                             "kontaktad": u[f"{roll}_kontaktad"]}, index=u.index)
        if "utredning_id" in u.columns:
            part.insert(0, "utredning_id", u["utredning_id"])
        exists = (u[f"{roll}_finns"].fillna(False).astype(bool) if f"{roll}_finns" in u.columns
                  else pd.Series(True, index=u.index))
        keep = exists & part["kontaktad"].notna()
        if with_talk:
            part["samtal"] = u[f"{roll}_samtal"]
            keep &= part["samtal"].notna()
        if with_meetings:
            part["moten"] = u[f"antal_moten_{roll}"]
        if "foraldrar_sammanboende" in u.columns:
            part["sammanboende"] = (u["foraldrar_sammanboende"].astype("boolean")
                                    .map({True: "bor ihop", False: "bor isär"}).astype("string"))
        parts.append(part[keep.to_numpy()])
    out = pd.concat(parts, ignore_index=True)
    for col in ("kontaktad", "samtal"):
        if col in out.columns:
            out[col] = out[col].astype(bool).astype(int)
    return out


def process_steps(anmalningar=None, utredningar=None) -> dict[str, tuple[pd.DataFrame, str]]:
    """The steps of the process map report → investigation → insats that the data allow.

    1. *Anmälan → utredning inleds*: the reports, outcome ``utredning_inledd`` (needs
       ``anmalningar``).
    2. *Utredning → insats*: the investigations, outcome ``insats_beviljad`` (needs
       ``utredningar``).
    3. *Anmälan → insats (hela kedjan)*: the reports again, outcome ``insats_per_anmalan`` = 1
       when an investigation of the report led to insats (needs both tables linked by
       ``aktualisering_id``: real ids in the reports, :func:`has_ids`, and the id in the
       investigations). Only investigations in ``utredningar`` count: one outside the selected
       period counts as none.

    Parameters
    ----------
    anmalningar : jamtools.data.LoadResult or None
        ``bof_aktualiseringar`` (``utredning_inledd``); None when the run lacks it.
    utredningar : jamtools.data.LoadResult or None
        ``bof_utredningar`` (``insats_beviljad``, ``aktualisering_id`` for step 3); None when
        the run lacks it.

    Returns
    -------
    dict
        Step name (:data:`STEPS`) -> (rows, outcome column), in the order of the chain.
    """
    steps = {}
    if anmalningar is not None:
        steps[STEPS["utredning_inledd"]] = (anmalningar.data, "utredning_inledd")
    if utredningar is not None:
        steps[STEPS["insats_beviljad"]] = (utredningar.data, "insats_beviljad")
    if (anmalningar is not None and utredningar is not None
            and has_ids(anmalningar, "aktualisering_id") and utredningar.has("aktualisering_id")):
        u = utredningar.data
        with_insats = set(u.loc[u["insats_beviljad"].fillna(False).astype(bool),
                                "aktualisering_id"].dropna())
        chain = anmalningar.data.copy()
        chain["insats_per_anmalan"] = chain["aktualisering_id"].isin(with_insats).astype(int)
        steps[STEPS["insats_per_anmalan"]] = (chain, "insats_per_anmalan")
    return steps


__all__ = ["PARENTS", "STEPS", "add_reason_type", "compare_each_category", "flag", "has_ids",
           "no_adjustment_text", "omissions", "parents", "process_steps"]


# --- Chapter compositions -----------------------------------------------------------------------

def _binary_page(ctx, table: str, outcome: str, *, outcome_text: str, unit_text: str,
                 share_title: str, share_label: str, axis_label: str, table_caption: str,
                 data_caption: str) -> Page:
    """The page of a bof chapter that compares one yes/no outcome of ``table`` (bof_01, bof_02):
    the data section, shares and the crude and same-need difference, and the split by reason
    type (miljö/beteende) when the data have it."""
    loaded = ctx.load(table, **ctx.filters)
    covariates = ctx.covariates(table, loaded)
    result = analysis.binary_outcome(loaded.data, outcome, covariates=covariates,
                                     by="orsakstyp" if loaded.has("orsakstyp") else None,
                                     conf_level=ctx.conf_level, threshold=ctx.threshold)
    shares, comparisons = result.shares, result.comparisons
    by_reason = ()
    if result.by_shares is not None:
        by_reason = items(
            *figure(plots.shares_plot(result.by_shares, by="orsakstyp",
                                      title=f"{share_title} efter typ av anmälningsorsak",
                                      xlabel=axis_label),
                    caption=f"{share_title} efter typ av anmälningsorsak (miljö eller beteende) "
                            "och barnets kön, med 95 % konfidensintervall.",
                    alt=shares_alt(result.by_shares, what=share_label, by="orsakstyp")),
            report.share_table(result.by_shares, outcome_label=share_label,
                               caption=f"{table_caption} efter typ av anmälningsorsak och kön"))
    return Page(
        question_id=ctx.question_id,
        short_answer=short_answer(comparisons, unit_text=unit_text),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(table, loaded)}",
                          report.quality_table(loaded, threshold=ctx.threshold, caption=data_caption)),
            "resultat": items(
                report.describe_binary(shares, comparisons, outcome_text=outcome_text,
                                       unit_text=unit_text),
                *figure(plots.shares_plot(shares, title=share_title, xlabel=axis_label),
                        caption=f"{share_title}, efter barnets kön, med 95 % konfidensintervall.",
                        alt=shares_alt(shares, what=share_label)),
                report.share_table(shares, outcome_label=share_label,
                                   caption=f"{table_caption}, efter barnets kön"),
                *figure(plots.difference_plot(comparisons,
                                              title="Skillnad flickor − pojkar, utan och med justering"),
                        caption="Skillnaden mellan flickor och pojkar i procentenheter, utan och med "
                                "justering, med 95 % konfidensintervall.",
                        alt=difference_alt(comparisons)),
                report.comparison_table(comparisons, caption="Jämförelser mellan flickor och pojkar")),
            "orsakstyp": by_reason,
        },
        counts={table: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(),
                                                         threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(comparisons, method="holm"),
    )


def investigation_to_insats(ctx) -> Page:
    """bof_02: do girls' and boys' investigations lead to an intervention (insats) equally often?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``resultat`` and ``orsakstyp``.
    """
    return _binary_page(ctx, "bof_utredningar", "insats_beviljad", outcome_text="till insats",
                        unit_text="utredningar", share_title="Andel utredningar som ledde till insats",
                        share_label="Andel med insats",
                        axis_label="Andel av utredningarna som ledde till insats",
                        table_caption="Utredningar som ledde till insats",
                        data_caption="Dataunderlag: utredningar")
