"""Barn och familj: the chapters bof_01–bof_06 and the data preparation they share.

One composition per chapter (load → analyse → disclose → present, returning one
:class:`~jamtools.present.page.Page`): :func:`investigation_opened` (bof_01),
:func:`investigation_to_insats` (bof_02), :func:`insats_types` (bof_03),
:func:`reason_and_reporter` (bof_04), :func:`parents_treatment` (bof_05) and
:func:`process_map` (bof_06). Everything from the run (parameters, loading, the catalogue's
sentences) comes through the chapter's run ``ctx`` (:class:`jamtools.run.notebook.ChapterRun`).

The preparation, so that the chapters work on any export that holds their required columns:

- :func:`has_ids` and :func:`omissions`: whether an id column can link two tables (an id the
  loader numbered from the row position links nothing), and the catalogue's sentences of what a
  chapter leaves out, with adjustments that cannot be made;
- :func:`reason_link_lacking` and :func:`add_reason_type`: each insats gets the reason type
  (miljö/beteende) of the investigation it came from (bof_03);
- :func:`compare_each_category`: one yes/no comparison per category with simultaneous
  intervals (bof_03);
- :func:`flag`: a yes/no outcome from a category (bof_04);
- :func:`parents`: one row per parent of each investigation (bof_05);
- :func:`process_steps`: the steps of the process map report → investigation → insats (bof_06).

bof_03 and bof_06 follow ids between tables (``utredning_id``, ``aktualisering_id``). They read
their tables as linked cell tables (the catalogue's ``linked=True``): the ids stay in the engine
and are followed there (:mod:`jamtools.data.links`), pandas holds only combinations of values
with their numbers of rows, and every count goes through the load's ``weight``. The same
functions work on tables loaded as rows (``weight`` None), with the same results.
"""
from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd

from jamtools import disclosure, stats
from jamtools.data import links
from jamtools.data.load import count_persons, persons_column, without_account
from jamtools.data.model import CHILD_SEXES, PARENT_SEXES
from jamtools.disclosure import analyses as analysis
from jamtools.disclosure import linked
from jamtools.disclosure.segregation import hide_rows
from jamtools.present import outcomes, plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.segregation import independence_words
from jamtools.present.sentences import (NO_ADJUSTMENT, NO_INTERVAL, caution, difference_alt, direction, no_person_ids,
                                        shares_alt, hidden_why, not_shown, short_answer, verdict,
                                        why_not_computed, without_interval)

#: The steps of the process map (bof_06), by outcome column.
#: Two of the map's counts whose difference counts cases that fall out between two steps,
#: though no step shows them (:func:`jamtools.disclosure.linked.protect_map`'s ``gaps``): the
#: reports that opened an investigation less the investigations; the investigations that led to
#: insats less the reports that did (through one).
GAPS = ((("utredning_inledd", "events"), ("insats_beviljad", "n")),
        (("insats_beviljad", "events"), ("insats_per_anmalan", "events")))

STEPS = {
    "utredning_inledd": "1. Anmälan → utredning inleds",
    "insats_beviljad": "2. Utredning → insats",
    "insats_per_anmalan": "3. Anmälan → insats (hela kedjan)",
}
#: The two parents compared in bof_05, in the order of the difference (mamma − pappa).
PARENTS = PARENT_SEXES
#: The sentence that starts the catalogue's text on an adjustment that could not be made.


def has_ids(loaded, column: str) -> bool:
    """Whether ``loaded`` has ``column`` with ids that can link it to another table.

    False when the table is absent (None), lacks the column, or the loader numbered the rows
    because the export had no id column (such ids link nothing). The ids may be in the rows'
    data or, for a linked cell table (``load_table(..., linked=True)``), in the engine
    (:func:`jamtools.data.links.has_ids`).

    Parameters
    ----------
    loaded : jamtools.data.LoadResult or None
    column : str

    Returns
    -------
    bool
    """
    if loaded is None or not links.has_ids(loaded, column) or not loaded.has(column):
        return False
    checked = getattr(loaded, "checked", None)
    return checked is None or checked.derived.get(column) != "radnumret"


def omissions(ctx, tables: dict, *, lacking=None) -> str:
    """What the chapter leaves out, for every table it read (Swedish Markdown).

    The catalogue's sentences (``ctx.omissions``) for each table, each said once. An id column
    the loader numbered from the row position counts as absent (``LoadResult.has``), so the
    catalogue's sentence for it is said (a required id numbered so leaves the table out: the
    run lacks it, None). In addition, with ``lacking`` (the chapter makes no adjusted
    comparison, because the columns ``lacking`` are absent): the sentence that the adjustment
    could not be made, naming them (:func:`no_adjustment_text`), in place of the catalogue's
    sentence on the covariates.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (its ``omissions`` and ``covariates``).
    tables : table name -> :class:`~jamtools.data.LoadResult`, or None for an optional table
        the run lacks; in the order the sentences are shown.
    lacking : sequence of str, optional
        None when the chapter makes adjusted comparisons; else the model columns whose absence
        prevents them.

    Returns
    -------
    str
    """
    sentences: list[str] = []
    for table, loaded in tables.items():
        present = ctx.covariates(table, loaded) if loaded is not None else []
        if lacking is not None and present:
            # hidden, the catalogue says that no covariate could be used; say why instead
            sentences += [no_adjustment_text(lacking) if s.startswith(NO_ADJUSTMENT) else s
                          for s in _sentences(ctx.omissions(table, _Hiding(loaded, present)))]
        else:
            sentences += _sentences(ctx.omissions(table, loaded))
    if lacking is not None and not any("kunde inte göras" in s for s in sentences):
        sentences.append(no_adjustment_text(lacking))
    return " ".join(dict.fromkeys(s for s in sentences if s))


def _sentences(text: str) -> list[str]:
    """The catalogue's text split where one of its sentences begins."""
    return [s for s in re.split(r"(?<=\.) (?=Data saknar|\*\*Justeringen)", text) if s]


def no_adjustment_text(lacking) -> str:
    """The sentence a chapter shows when it makes no adjusted comparison because what the
    adjusted comparisons need (``lacking``, model columns) is absent."""
    what = report.covariates_text(list(dict.fromkeys(lacking)))
    return (f"{NO_ADJUSTMENT}: data saknar uppgifter som de justerade "
            f"jämförelserna behöver ({what}). Resultatet jämför därför bara grupperna som de är "
            "och säger ingenting om personer med samma behov eller lika ärenden.")


class _Hiding:
    """A loaded table whose ``columns`` count as absent (for :func:`omissions`)."""

    def __init__(self, loaded, columns):
        self._loaded, self._hidden = loaded, set(columns)

    def has(self, column: str) -> bool:
        return column not in self._hidden and self._loaded.has(column)


def reason_link_lacking(insatser, utredningar) -> list[str]:
    """What the link insats → investigation → reason type (miljö/beteende) lacks (bof_03).

    Parameters
    ----------
    insatser : jamtools.data.LoadResult
        The table ``bof_insatser`` (``utredning_id`` with real ids, :func:`has_ids`).
    utredningar : jamtools.data.LoadResult or None
        The table ``bof_utredningar`` (real ``utredning_id`` and ``orsakstyp``); None when the
        run lacks it.

    Returns
    -------
    list of str
        The model columns the link lacks, each once (``utredning_id``, ``orsakstyp``); empty
        when the link can be made.
    """
    out = [] if has_ids(insatser, "utredning_id") else ["utredning_id"]
    if utredningar is None:
        out.append("orsakstyp")
    else:
        if not has_ids(utredningar, "utredning_id"):
            out.append("utredning_id")
        if not utredningar.has("orsakstyp"):
            out.append("orsakstyp")
    return list(dict.fromkeys(out))


def add_reason_type(insatser, utredningar):
    """Give each insats the reason type (miljö/beteende) of the investigation it came from.

    When the link can be made (:func:`reason_link_lacking` is empty), a new result with the
    column ``orsakstyp``, from which the insatser whose investigation is missing, or has no
    reason type, are left out and counted ("Utredningen saknas eller saknar typ av orsak").
    Otherwise ``insatser`` itself, unchanged.

    The reason type is that of the first investigation (in source order) with the insats's
    ``utredning_id`` (:func:`jamtools.data.links.look_up`): in pandas for rows, in the engine
    for linked cell tables (both tables loaded with ``linked=True``), where a cell of insatser
    is split by its rows' reason types. The result is not followed further by id: for linked
    tables it is a plain cell table (the split writes no table of rows, ``follow=False``).

    Parameters
    ----------
    insatser : jamtools.data.LoadResult
        The table ``bof_insatser``; left unchanged.
    utredningar : jamtools.data.LoadResult or None
        The table ``bof_utredningar`` (None: the run lacks it).

    Returns
    -------
    jamtools.data.LoadResult
        With ``orsakstyp`` in its data exactly when the link was made (and the comparison by
        reason type can be adjusted).
    """
    if reason_link_lacking(insatser, utredningar):
        return insatser
    # (the rows are followed on when the persons are still to be counted: count_persons)
    linked = links.look_up(insatser, "utredning_id", utredningar, "utredning_id", "orsakstyp",
                           name="orsakstyp", follow=insatser.persons_up_to is not None)
    linked = linked.with_data(linked.data.assign(orsakstyp=linked.data["orsakstyp"].astype("string")))
    return linked.exclude(linked.data["orsakstyp"].isna(), "Utredningen saknas eller saknar typ av orsak")


def compare_each_category(data: pd.DataFrame, column: str, categories, *, covariates=(),
                          levels=CHILD_SEXES, group: str = "kon",
                          conf_level: float = 0.95,
                          threshold: int = disclosure.DEFAULT_THRESHOLD,
                          weight: str | None = None, persons: str | None = None) -> pd.DataFrame:
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
    weight : the column with the number of units each row stands for (a cell table,
        ``LoadResult.weight``); None: one row is one unit.
    persons : the column that identifies the person (child) of each unit (``LoadResult.persons``):
        a comparison whose count with or without the category rests on fewer than ``threshold``
        persons is hidden (``binary_outcome``'s ``persons``); None: units are counted.

    Returns
    -------
    pandas.DataFrame
        The disclosed comparisons of all categories stacked, with the category in ``column``.
    """
    categories = list(categories)
    level = stats.bonferroni_level(conf_level, len(categories))
    rows = data[data[column].notna()]
    frame = rows[[group, *covariates, *([weight] if weight else []),
                  *([persons] if persons else [])]].copy()
    out = {}
    for cat in categories:
        frame[cat] = (rows[column] == cat).astype(int)
        out[cat] = analysis.binary_outcome(frame, cat, covariates=list(covariates), levels=levels,
                                           group=group, conf_level=level,
                                           threshold=threshold, weight=weight,
                                           persons=persons).comparisons
    return disclosure.stack(out, column)


def _note_blanks(comparisons: pd.DataFrame, data: pd.DataFrame, column: str, note: str) -> None:
    """Say in every comparison's ``warning`` (the page's note and the results file) that rows
    without a value in ``column`` were counted as not having it (:func:`flag` with
    ``unknown_is_no``), when there are such rows."""
    if column in data and data[column].isna().any() and len(comparisons):
        old = comparisons["warning"].fillna("").astype(str)
        comparisons["warning"] = [f"{w}; {note}" if w and w != "nan" else note for w in old]


def flag_outcome(ctx, data: pd.DataFrame, column: str, value: str, name: str, *, blank_note: str,
                 covariates, weight: str | None = None,
                 persons: str | None = None) -> analysis.BinaryResult:
    """Girls and boys compared on whether ``column`` is ``value`` (:func:`flag`), every row
    counted: a row without a value in ``column`` counts as not ``value`` (left out, the rows it
    leaves out would be the rows analysed less the rows counted), and every comparison's note
    says so with ``blank_note`` when there are such rows (:func:`_note_blanks`). ``persons``:
    the column of the children (``LoadResult.persons``), so that each share rests on enough
    children (``binary_outcome``'s ``persons``)."""
    with warnings.catch_warnings():
        # What the adjustment left out is in the comparison's own note (shown in its table and
        # sentence); as a Python warning it would print the code's path on the page.
        warnings.simplefilter("ignore", UserWarning)
        result = analysis.binary_outcome(flag(data, column, value, name, unknown_is_no=True), name,
                                         covariates=list(covariates), conf_level=ctx.conf_level,
                                         threshold=ctx.threshold, levels=CHILD_SEXES, weight=weight,
                                         persons=persons)
    _note_blanks(result.comparisons, data, column, blank_note)
    return result


def flag(data: pd.DataFrame, column: str, value: str, name: str, *,
         unknown_is_no: bool = False) -> pd.DataFrame:
    """The rows with a value in ``column``, with the yes/no outcome ``name`` = 1 where it is
    ``value`` (e.g. ``anmalare`` == ``polis``), else 0.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows, or a cell table (its count column is kept, so the result counts units the same
        way).
    column, value : the category column and the value that counts as yes.
    name : the new 0/1 column.
    unknown_is_no : bool, default False
        Keep the rows of unknown category as 0 (not known to be ``value``), so that the rows
        counted are all the rows (a count of blanks is then not the difference of two counts
        shown).

    Returns
    -------
    pandas.DataFrame
        A copy of the rows where ``column`` is known (a row of unknown category is neither),
        or of every row with ``unknown_is_no``.
    """
    rows = data.copy() if unknown_is_no else data[data[column].notna()].copy()
    rows[name] = rows[column].eq(value).fillna(False).astype(int)
    return rows


def parents(utredningar: pd.DataFrame, *, weight: str | None = None,
            persons: str | None = None) -> pd.DataFrame:
    """One row per parent of each investigation, for comparing mothers and fathers (bof_05).

    Parameters
    ----------
    utredningar : pandas.DataFrame
        ``bof_utredningar`` with ``mamma_kontaktad`` and ``pappa_kontaktad``; used when
        present: ``<roll>_finns`` (whether the parent exists; without it every investigation
        with a recorded contact counts), ``<roll>_samtal`` and ``antal_moten_<roll>`` (kept
        only when both parents have them), ``foraldrar_sammanboende``. One row per
        investigation, or a cell table with ``weight``.
    weight : str, optional
        The column of ``utredningar`` with the number of investigations each row stands for
        (a cell table, ``LoadResult.weight``); kept in the result, where it is the number of
        parents each row stands for. None: one row is one investigation.
    persons : str, optional
        The column of ``utredningar`` that identifies the child (``LoadResult.persons``); kept
        in the result, where, with ``foralder``, it identifies the parent: a child's mother in
        several investigations is one mother. (The export has no parent's id: the parents of
        siblings are counted once per child.)

    Returns
    -------
    pandas.DataFrame
        Columns ``utredning_id`` (when present), ``foralder`` (mamma/pappa), ``kon`` (the
        child's sex), ``kontaktad`` (0/1) and, when present, ``samtal`` (0/1), ``moten`` and
        ``sammanboende`` ("bor ihop"/"bor isär"), and ``weight`` and ``persons`` when given. Only parents who
        exist (where known) and whose contact, and conversation when compared, is recorded.
    """
    u = utredningar
    with_talk, with_meetings = _both(u, "{}_samtal"), _both(u, "antal_moten_{}")
    parts = []
    for roll in PARENTS:
        part = pd.DataFrame({"foralder": roll, "kon": u["kon"],
                             "kontaktad": u[f"{roll}_kontaktad"]}, index=u.index)
        if "utredning_id" in u.columns:
            part.insert(0, "utredning_id", u["utredning_id"])
        keep = _parent_kept(u, roll)
        if with_talk:
            part["samtal"] = u[f"{roll}_samtal"]
        if with_meetings:
            part["moten"] = u[f"antal_moten_{roll}"]
        if "foraldrar_sammanboende" in u.columns:
            part["sammanboende"] = (u["foraldrar_sammanboende"].astype("boolean")
                                    .map({True: "bor ihop", False: "bor isär"}).astype("string"))
        if weight is not None:
            part[weight] = u[weight]
        if persons is not None:
            part[persons] = u[persons]
        parts.append(part[keep.to_numpy()])
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(u.attrs)  # (the persons' cap of a cell table, checked against the threshold)
    for col in ("kontaktad", "samtal"):
        if col in out.columns:
            out[col] = out[col].astype(bool).astype(int)
    return out


def _both(u: pd.DataFrame, template: str) -> bool:
    """Whether ``u`` has the column ``template`` for both parents (e.g. ``{}_samtal``)."""
    return all(template.format(r) in u.columns and u[template.format(r)].notna().any()
               for r in PARENTS)  # (a column without any value: as none)


def _parent_kept(u: pd.DataFrame, roll: str) -> pd.Series:
    """The investigations of ``u`` whose parent ``roll`` is compared (:func:`parents`): the
    parent exists (where known) and the contact, and the conversation when compared, is
    recorded. A blank existence is not known to be "no parent": such a parent is compared, as
    every parent is without the column (a blank read as no left 2 contacted mothers out without
    a step, and 3 197 − 3 195 gave them back)."""
    finns = f"{roll}_finns"
    keep = (u[finns].isna() | (u[finns] != 0) if finns in u.columns and u[finns].notna().any()
            else pd.Series(True, index=u.index))  # (a column without any value: as none)
    keep = keep & u[f"{roll}_kontaktad"].notna()
    if _both(u, "{}_samtal"):
        keep &= u[f"{roll}_samtal"].notna()
    return keep


def process_steps(anmalningar=None, utredningar=None, *,
                  persons: bool = False) -> dict[str, tuple[pd.DataFrame, str]]:
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

    The tables may be rows or linked cell tables (``linked=True``): whether a report led to
    insats is asked by its id (:func:`jamtools.data.links.flag_in`), in the engine for a
    linked one, which splits each cell of reports by the answer.

    Parameters
    ----------
    anmalningar : jamtools.data.LoadResult or None
        ``bof_aktualiseringar`` (``utredning_inledd``); None when the run lacks it.
    utredningar : jamtools.data.LoadResult or None
        ``bof_utredningar`` (``insats_beviljad``, ``aktualisering_id`` for step 3); None when
        the run lacks it.
    persons : bool, default False
        Each step's frame with its children counted (:func:`jamtools.data.load.count_persons`
        on tables loaded with ``persons``, the chain followed with its rows): the column is
        :func:`jamtools.data.load.persons_column`'.

    Returns
    -------
    dict
        Step name (:data:`STEPS`) -> (frame, outcome column, weight column or None: the
        column with the number of units each row of a cell table stands for), in the order of
        the chain.
    """
    counted = count_persons if persons else (lambda loaded: loaded)
    steps: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    if anmalningar is not None:
        first = counted(anmalningar)
        steps[STEPS["utredning_inledd"]] = (first.data, "utredning_inledd", first.weight)
    if utredningar is not None:
        second = counted(utredningar)
        steps[STEPS["insats_beviljad"]] = (second.data, "insats_beviljad", second.weight)
    if (anmalningar is not None and utredningar is not None
            and has_ids(anmalningar, "aktualisering_id") and has_ids(utredningar, "aktualisering_id")):
        granted = utredningar.data["insats_beviljad"].fillna(False).astype(bool)
        with_insats = utredningar.exclude(~granted, "Ingen insats beviljad")
        chain = counted(links.flag_in(anmalningar, "aktualisering_id", with_insats, "aktualisering_id",
                                      name="insats_per_anmalan",
                                      follow=persons and anmalningar.persons_up_to is not None))
        steps[STEPS["insats_per_anmalan"]] = (chain.data, "insats_per_anmalan", chain.weight)
    # The map's counts are protected together (protect_map), not as selections of each other.
    return {k: (without_account(frame), outcome, weight) for k, (frame, outcome, weight) in steps.items()}


__all__ = ["GAPS", "PARENTS", "STEPS", "add_reason_type", "compare_each_category", "flag", "has_ids",
           "insats_types", "investigation_opened", "investigation_to_insats", "no_adjustment_text",
           "omissions", "parents", "parents_treatment", "process_map", "process_steps",
           "reason_and_reporter", "reason_link_lacking"]


# --- Sentences the chapters share ---------------------------------------------------------------

def _conf(conf_level: float) -> str:
    """'95 %' for a confidence level of 0.95."""
    return f"{report.conf_percent(conf_level)} %"


def _and(names) -> str:
    """'a, b och c'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _hidden(r) -> bool:
    return bool(r.get("suppressed", False)) or pd.isna(r["estimate"])


def _crude_rows(comparisons: pd.DataFrame, *, adjusted: bool = False) -> pd.DataFrame:
    """The percentage-point rows of disclosed comparisons, crude (or adjusted)."""
    if comparisons is None or "measure" not in comparisons:
        return pd.DataFrame()
    rd = comparisons[comparisons["measure"] == "risk_difference_pp"]
    return rd[rd["adjusted"].astype(bool) == adjusted]


def _difference_text(r) -> str:
    """'+3,2 procentenheter (95 % KI 1,0 till 5,4)' of one disclosed comparison row."""
    return (f"{report.number(r['estimate'], 1, signed=True)} procentenheter "
            f"({_conf(float(r.get('conf_level', 0.95)))} KI {report.interval(r, 1)})")


def _sexes(r) -> tuple[str, str]:
    return (report.SEX_LABELS.get(str(r["group_a"]), str(r["group_a"])),
            report.SEX_LABELS.get(str(r["group_b"]), str(r["group_b"])))


def _difference_sentence(comparisons: pd.DataFrame, what: str) -> str:
    """The crude difference of the first percentage-point comparison, in one sentence:
    'Skillnaden mammor − pappor i andelen som kontaktades är +x procentenheter (…): …'."""
    rows = _crude_rows(comparisons)
    if rows.empty:
        return ""
    r = rows.iloc[0]
    a, b = _sexes(r)
    if _hidden(r):
        return f"Skillnaden {a} − {b} {what} {not_shown(r)}."
    return (f"Skillnaden {a} − {b} {what} är {_difference_text(r)}: "
            f"{verdict(r['ci_low'], r['ci_high'], a=a, b=b, subject='andelen')}.")


def _nothing(loaded, unit_text: str) -> str | None:
    """The short answer when no row is left to analyse (None when there are rows)."""
    return report.nothing_to_analyse_text(unit_text) if len(loaded.data) == 0 else None


def _counts(ctx, loaded) -> dict:
    return disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(), threshold=ctx.threshold)


# --- Chapter compositions -----------------------------------------------------------------------

def _binary_page(ctx, table: str, outcome: str, *, outcome_text: str, unit_text: str,
                 share_title: str, share_label: str, axis_label: str, table_caption: str,
                 data_caption: str) -> Page:
    """The page of a bof chapter that compares one yes/no outcome of ``table`` (bof_01, bof_02):
    the data section, shares and the crude and same-need difference, and the split by reason
    type (miljö/beteende) when the data have it. The table may come as rows or as a cell table
    (the catalogue's ``cells``): units are counted with ``loaded.weight``."""
    loaded, covariates = ctx.with_covariates(table, ctx.load(table, persons=True, **ctx.filters))
    # a child can have several reports and investigations: each share rests on enough children
    result = analysis.binary_outcome(loaded.data, outcome, covariates=covariates,
                                     by="orsakstyp" if loaded.has("orsakstyp") else None,
                                     conf_level=ctx.conf_level, threshold=ctx.threshold,
                                     levels=CHILD_SEXES, weight=loaded.weight,
                                     persons=loaded.persons)
    shares, comparisons = result.shares, result.comparisons
    conf = _conf(ctx.conf_level)
    kinds = ", utan och med justering" if covariates else ", utan justering"
    by_reason = ()
    if result.by_shares is not None:
        by_reason = items(
            *figure(plots.shares_plot(result.by_shares, by="orsakstyp",
                                      title=f"{share_title} efter typ av anmälningsorsak",
                                      xlabel=axis_label),
                    name="orsakstyp",
                    caption=f"{share_title} efter typ av anmälningsorsak (miljö eller beteende) "
                            f"och barnets kön, med {conf} konfidensintervall.",
                    alt=shares_alt(result.by_shares, what=share_label, by="orsakstyp")),
            report.share_table(result.by_shares, outcome_label=share_label,
                               caption=f"{table_caption} efter typ av anmälningsorsak och kön"))
    return Page(
        question_id=ctx.question_id,
        short_answer=_nothing(loaded, unit_text) or short_answer(comparisons, unit_text=unit_text),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(table, loaded)}{no_person_ids(loaded, unit_text=unit_text)}",
                          report.quality_table(loaded, threshold=ctx.threshold, caption=data_caption,
                                               name="dataunderlag")),
            "resultat": items(
                report.describe_binary(shares, comparisons, outcome_text=outcome_text,
                                       unit_text=unit_text),
                *figure(plots.shares_plot(shares, title=share_title, xlabel=axis_label),
                        name="andel",
                        caption=f"{share_title}, efter barnets kön, med {conf} konfidensintervall.",
                        alt=shares_alt(shares, what=share_label)),
                report.share_table(shares, outcome_label=share_label,
                                   caption=f"{table_caption}, efter barnets kön"),
                *figure(plots.difference_plot(comparisons, title=f"Skillnad flickor − pojkar{kinds}"),
                        name="skillnad",
                        caption=f"Skillnaden mellan flickor och pojkar i procentenheter{kinds}, "
                                f"med {conf} konfidensintervall.",
                        alt=difference_alt(comparisons)),
                report.comparison_table(comparisons, caption="Jämförelser mellan flickor och pojkar")),
            "orsakstyp": by_reason,
        },
        counts={table: _counts(ctx, loaded)},
        comparisons=stats.adjust_pvalues(comparisons, method="holm"),
    )


def investigation_opened(ctx) -> Page:
    """bof_01: are investigations opened as often on reports about girls as about boys?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``resultat`` and ``orsakstyp`` (empty when the data have no reason
        type).
    """
    return _binary_page(ctx, "bof_aktualiseringar", "utredning_inledd",
                        outcome_text="till att utredning inleddes", unit_text="anmälningar",
                        share_title="Andel anmälningar där utredning inleddes",
                        share_label="Andel med utredning",
                        axis_label="Andel av anmälningarna som ledde till utredning",
                        table_caption="Anmälningar som ledde till utredning",
                        data_caption="Dataunderlag: anmälningar")


def investigation_to_insats(ctx) -> Page:
    """bof_02: do girls' and boys' investigations lead to an intervention (insats) equally often?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``resultat`` and ``orsakstyp`` (empty when the data have no reason
        type).
    """
    return _binary_page(ctx, "bof_utredningar", "insats_beviljad", outcome_text="till insats",
                        unit_text="utredningar", share_title="Andel utredningar som ledde till insats",
                        share_label="Andel med insats",
                        axis_label="Andel av utredningarna som ledde till insats",
                        table_caption="Utredningar som ledde till insats",
                        data_caption="Dataunderlag: utredningar")


# --- bof_03 ---------------------------------------------------------------------------------

def _whole_distribution_text(helhet: pd.DataFrame, conf_level: float) -> str:
    """Cramér's V and the dissimilarity index of the distributions of insats types, or that
    they are hidden."""
    d = helhet.set_index("measure")
    if d["suppressed"].any():
        return _whole_hidden(d)
    if d["estimate"].isna().any():  # (a group without rows: nothing to compare)
        return "Måtten på hela fördelningen " + not_shown(d.loc[d["estimate"].isna()].iloc[0]) + "."
    return (independence_words(d.loc["cramers_v"], alpha=1 - conf_level) + " Olikhetsindexet är "
            f"{report.number(d.loc['dissimilarity_index', 'estimate'], 2)} "
            f"({_conf(conf_level)} KI "
            f"{report.number(d.loc['dissimilarity_index', 'ci_low'], 2)}–"
            f"{report.number(d.loc['dissimilarity_index', 'ci_high'], 2)}): ungefär så stor andel av "
            "flickornas (eller pojkarnas) insatser skulle behöva vara av en annan typ för att "
            "fördelningarna skulle bli lika." + _index_warning(d))


def _whole_hidden(d: pd.DataFrame) -> str:
    """Why the measures of the whole distribution are not shown (a group too small, or hidden
    cells of the distribution they would give back), in a sentence."""
    why = hidden_why(d[d["suppressed"].astype(bool)].iloc[0], pronoun="de")  # "Måtten": plural
    return f"Måtten på hela fördelningen visas inte: {why} (röjandekontroll)."


def _index_warning(d: pd.DataFrame) -> str:
    """The index's own caution (e.g. an interval reaching 0 with small groups), as a sentence."""
    w = d.loc["dissimilarity_index"].get("warning") if "warning" in d.columns else None
    return f" {str(w).strip()}" if isinstance(w, str) and w.strip() else ""


def _dissimilarity_sentence(helhet: pd.DataFrame, conf_level: float) -> str:
    """The dissimilarity index with its interval in one sentence, or that it is hidden."""
    d = helhet.set_index("measure")
    if d["suppressed"].any():
        return _whole_hidden(d)
    r = d.loc["dissimilarity_index"]
    if pd.isna(r["estimate"]):
        return "Olikhetsindexet mellan flickornas och pojkarnas fördelningar av insatstyper " + not_shown(r) + "."
    return (f"Olikhetsindexet mellan flickornas och pojkarnas fördelningar av insatstyper är "
            f"{report.number(r['estimate'], 2)} ({_conf(conf_level)} KI "
            f"{report.number(r['ci_low'], 2)}–{report.number(r['ci_high'], 2)})." + _index_warning(d))


def _clear_categories(rows: pd.DataFrame, key: str, lead: str) -> str:
    """Which categories' differences are clear, in one sentence (the verdict rule of
    :func:`jamtools.present.sentences.direction`)."""
    if rows.empty:
        return ""
    shown = rows[[not _hidden(r) for _, r in rows.iterrows()]]
    if shown.empty:
        if rows["suppressed"].astype(bool).any():
            hidden = rows[rows["suppressed"].astype(bool)].iloc[0]
            return f"{lead} visas skillnaderna inte: {hidden_why(hidden)} (röjandekontroll)."
        return f"{lead} kan skillnaderna inte beräknas{why_not_computed(rows.iloc[0])}."
    a, b = _sexes(shown.iloc[0])
    found = {"högre": [], "lägre": []}
    for _, r in shown.iterrows():
        d = direction(r["ci_low"], r["ci_high"])
        if d in found:
            found[d].append(report.label(r[key]))
    if not found["högre"] and not found["lägre"]:
        if shown.apply(without_interval, axis=1).all():
            return f"{lead} har skillnaderna inga intervall: {NO_INTERVAL}."
        return f"{lead} finns ingen tydlig skillnad mellan {a} och {b} för någon typ."
    said = [f"tydligt {d} för {a} än för {b} för {_and(names)}" for d, names in found.items() if names]
    return f"{lead} är andelen " + ", och ".join(said) + "."


def _per_category_alt(rows: pd.DataFrame, key: str, what: str) -> str:
    """Alt text of a difference figure with one row per category."""
    parts = [f"{report.label(r[key])} {report.estimate_words(r, 1)}" for _, r in rows.iterrows()]
    return (f"Punktdiagram med konfidensintervall. {what}: " + "; ".join(parts) + "."
            if parts else "Inga jämförelser att visa.")


def insats_types(ctx) -> Page:
    """bof_03: do girls' and boys' investigations lead to different types of insats?

    The distribution of insats types by sex (Cramér's V and the dissimilarity index), and for
    each type the difference in the share of insatser of that type, with simultaneous
    (Bonferroni) intervals: crude, and among insatser after reports of the same reason type
    (miljö/beteende) when each insats can be linked to its investigation
    (:func:`add_reason_type`). The tables may come as rows or as linked cell tables (the
    catalogue's ``linked``): the ids are followed in the engine and units counted with the
    load's ``weight``.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (with the investigations' data table when the run has them),
        ``fordelning`` (the distribution and the measures of the whole distribution) and
        ``per_typ`` (the difference per type).
    """
    # The reason type of each insats, from the investigation it came from (when linkable). The
    # investigations are read first: the check of the insatser's references to them then uses
    # the ids this load keeps, instead of reading the investigations' ids once more.
    utredningar = ctx.load_optional("bof_utredningar")
    insatser = ctx.load("bof_insatser", persons=True, **ctx.filters)
    lacking = reason_link_lacking(insatser, utredningar)
    insatser = add_reason_type(insatser, utredningar)
    covariates = [] if lacking else ["orsakstyp"]
    said = omissions(ctx, {"bof_insatser": insatser, "bof_utredningar": utredningar},
                     lacking=lacking or None)
    # a child can have several insatser: each share rests on enough children, counted once the
    # insatser have their reason type
    insatser = count_persons(insatser)

    weight = insatser.weight  # rows or a (linked) cell table: units are counted with it
    fordelning = disclosure.disclose_distribution(
        stats.distribution_by_group(insatser.data, "insatstyp", count=weight,
                                    conf_level=ctx.conf_level, persons=insatser.persons),
        "insatstyp", threshold=ctx.threshold, persons=insatser.persons)
    helhet = disclosure.disclose_comparisons(pd.concat([
        stats.independence_test(insatser.data, "insatstyp", count=weight),
        stats.dissimilarity_index(insatser.data, "insatstyp", conf_level=ctx.conf_level,
                                  levels=CHILD_SEXES, count=weight),
    ], ignore_index=True), threshold=ctx.threshold)
    # Cramér's V, its p-value and the index are functions of every cell of the distribution:
    # beside the cells and group sizes shown they give hidden cells back (a probe's V of 14
    # insatser left each of three hidden counts of boys one value), so they are shown only
    # when the distribution hides no cell.
    helhet = disclosure.hide_adjusted_over_hidden_strata(helhet, fordelning)
    # (one not computed keeps its counts there: the sexes' sizes, hidden where few persons)
    helhet = hide_rows(helhet, np.full(len(helhet), fordelning["suppressed"].astype(bool).any()))
    per_typ = compare_each_category(
        insatser.data, "insatstyp", insatser.table.column("insatstyp").allowed,
        covariates=covariates, conf_level=ctx.conf_level, threshold=ctx.threshold, weight=weight,
        persons=insatser.persons)
    # A type's comparison shows the type's count for each sex (and the difference of shares
    # beside each sex's share): where the distribution hides a cell of the type, its comparisons
    # are hidden too, or a cell hidden to protect a small one would come back from them, and
    # the small one by subtraction from the sex's total.
    # (crude and adjusted, also one whose estimate could not be computed: it shows the counts)
    hidden_types = set(fordelning.loc[fordelning["suppressed"].astype(bool), "insatstyp"])
    per_typ = hide_rows(per_typ, per_typ["insatstyp"].isin(hidden_types).to_numpy())
    skillnader = per_typ[per_typ["measure"] == "risk_difference_pp"]
    crude = skillnader[~skillnader["adjusted"].astype(bool)]
    adjusted = skillnader[skillnader["adjusted"].astype(bool)]

    answer = _nothing(insatser, "insatser") or " ".join(s for s in (
        _dissimilarity_sentence(helhet, ctx.conf_level),
        _clear_categories(crude, "insatstyp", "Utan justering"),
        _clear_categories(adjusted, "insatstyp",
                          "Bland insatser efter anmälningar av samma typ (miljö eller beteende)"),
    ) if s)
    return Page(
        question_id=ctx.question_id,
        short_answer=answer,
        parts={
            "data": items(
                f"{ctx.heading} {said}{no_person_ids(insatser, unit_text='insatser')}",
                report.quality_table(insatser, threshold=ctx.threshold, caption="Dataunderlag: insatser",
                                     name="dataunderlag"),
                None if utredningar is None else report.quality_table(
                    utredningar, threshold=ctx.threshold,
                    caption="Dataunderlag: utredningar (för typ av orsak)")),
            "fordelning": items(
                *figure(plots.distribution_plot(fordelning, "insatstyp", title="Typ av insats efter kön",
                                                xlabel="Andel av flickornas respektive pojkarnas insatser"),
                        name="fordelning",
                        caption="Andelen av flickornas respektive pojkarnas insatser som är av varje "
                                f"typ, med {_conf(ctx.conf_level)} konfidensintervall.",
                        alt=shares_alt(fordelning, what="Andel av insatserna", by="insatstyp")),
                report.distribution_table(fordelning, "insatstyp", caption="Typ av insats efter kön"),
                _whole_distribution_text(helhet, ctx.conf_level)),
            "per_typ": items(
                *figure(plots.difference_plot(
                            crude, label_by="insatstyp",
                            title="Andel av insatserna av varje typ: flickor − pojkar (utan justering)"),
                        name="per-typ",
                        caption="Skillnaden flickor − pojkar i procentenheter i andelen av insatserna "
                                "som är av varje typ, utan justering, med simultana "
                                "konfidensintervall (Bonferroni).",
                        alt=_per_category_alt(crude, "insatstyp",
                                              "Skillnad flickor − pojkar i procentenheter per typ "
                                              "av insats, utan justering")),
                report.comparison_table(
                    skillnader.assign(comparison=skillnader["insatstyp"].map(report.label)),
                    caption="Skillnad flickor − pojkar per typ av insats (procentenheter)")),
        },
        counts={"bof_insatser": _counts(ctx, insatser)},
        comparisons=stats.adjust_pvalues(pd.concat([helhet, per_typ], ignore_index=True),
                                         method="holm"),
    )


# --- bof_04 ---------------------------------------------------------------------------------

def _share_blocks(data: pd.DataFrame, category: str, column: str, value: str, weight: str | None):
    """:func:`jamtools.disclosure.share_blocks` for the distribution of ``category`` beside the
    share of rows whose ``column`` is ``value`` (a blank counted as not, as :func:`flag_outcome`
    counts it)."""
    cats = data[category].astype(object).where(data[category].notna(), stats.categorical.MISSING)
    flags = data[column].astype("string").eq(value).fillna(False)
    return disclosure.share_blocks(cats, flags, data[weight] if weight else None)


def reason_and_reporter(ctx) -> Page:
    """bof_04: do reports about girls and boys differ in reason (miljö/beteende) and reporter?

    The share of reports about the child's own behaviour (crude, and among children of the
    same age group when the data have the age), the distribution of reasons, and, when the
    data say who reported, the distribution of reporters and the share of reports from the
    police (crude, and among reports with the same reason). The reports may come as rows or as
    a cell table (the catalogue's ``cells``): units are counted with ``weight``.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data``, ``orsak`` (own behaviour and the reasons), ``anmalare`` (the reporters,
        or that the data lack them) and ``polis`` (reports from the police, when the data have
        the reporter, and the table of all comparisons).
    """
    table = "bof_aktualiseringar"
    # a child can have several reports: each share rests on enough children
    anmalningar, covariates = ctx.with_covariates(table, ctx.load(table, persons=True, **ctx.filters))
    weight, persons = anmalningar.weight, anmalningar.persons  # units counted with weight
    # Own behaviour is compared among children of the same age group; reports from the police
    # among reports with the same reason (which needs the reporter).
    age = [c for c in covariates if c == "aldersgrupp"]
    with_reporter = anmalningar.has("anmalare")
    lacking = None if age or with_reporter else ["aldersgrupp", "anmalare"]
    said = omissions(ctx, {table: anmalningar}, lacking=lacking)
    conf = _conf(ctx.conf_level)

    beteende = flag_outcome(ctx, anmalningar.data, "orsakstyp", "beteende", "beteende", covariates=age,
                            weight=weight, persons=persons, blank_note="Anmälningar utan uppgift om orsakstyp räknas "
                                                      "som inte om barnets eget beteende.")
    # The share of reports about own behaviour (and of reports from the police) shows the total
    # of a block of reasons (of reporters): each block is protected with its total published.
    orsaker = disclosure.disclose_distribution(
        stats.distribution_by_group(anmalningar.data, "anmalningsorsak", count=weight,
                                    conf_level=ctx.conf_level, missing="category", persons=persons),
        "anmalningsorsak", threshold=ctx.threshold, persons=persons,
        blocks=_share_blocks(anmalningar.data, "anmalningsorsak", "orsakstyp", "beteende", weight))
    jamforelser = {"orsak": beteende.comparisons}
    reporters: tuple = ("Data saknar uppgift om vem som anmälde, så den delen utelämnas.",)
    police: tuple = ()
    answer = [f"*Anmälningar om barnets eget beteende:* "
              f"{short_answer(beteende.comparisons, unit_text='anmälningar')}"]
    if with_reporter:
        anmalare = disclosure.disclose_distribution(
            stats.distribution_by_group(anmalningar.data, "anmalare", count=weight,
                                        conf_level=ctx.conf_level, missing="category", persons=persons),
            "anmalare", threshold=ctx.threshold, persons=persons,
            blocks=_share_blocks(anmalningar.data, "anmalare", "anmalare", "polis", weight))
        reporters = items(
            *figure(plots.distribution_plot(anmalare, "anmalare", title="Anmälare efter kön",
                                            xlabel="Andel av flickornas respektive pojkarnas anmälningar"),
                    name="anmalare",
                    caption="Andelen av flickornas respektive pojkarnas anmälningar som kommer från "
                            f"varje anmälare, med {conf} konfidensintervall.",
                    alt=shares_alt(anmalare, what="Andel av anmälningarna", by="anmalare")),
            report.distribution_table(anmalare, "anmalare", caption="Anmälare efter kön"))
        polis = flag_outcome(ctx, anmalningar.data, "anmalare", "polis", "anmalare_polis",
                             covariates=["anmalningsorsak"], weight=weight, persons=persons,
                             blank_note="Anmälningar utan uppgift om anmälare räknas som inte från polisen.")
        jamforelser["anmälare"] = polis.comparisons
        police = (report.describe_binary(polis.shares, polis.comparisons, verb="kom",
                                         outcome_text="från polisen", unit_text="anmälningar"),)
        answer.append(f"*Anmälningar från polisen:* "
                      f"{short_answer(polis.comparisons, unit_text='anmälningar')}")
    return Page(
        question_id=ctx.question_id,
        short_answer=_nothing(anmalningar, "anmälningar") or " ".join(answer),
        parts={
            "data": items(f"{ctx.heading} {said}{no_person_ids(anmalningar, unit_text='anmälningar')}",
                          report.quality_table(anmalningar, threshold=ctx.threshold,
                                               caption="Dataunderlag: anmälningar",
                                               name="dataunderlag")),
            "orsak": items(
                report.describe_binary(beteende.shares, beteende.comparisons, verb="gällde",
                                       outcome_text="barnets eget beteende", unit_text="anmälningar"),
                *figure(plots.difference_plot(
                            beteende.comparisons,
                            title="Andel anmälningar om eget beteende: flickor − pojkar"),
                        name="beteende",
                        caption="Skillnaden flickor − pojkar i procentenheter i andelen anmälningar "
                                "som gäller barnets eget beteende"
                                + (", utan och med justering" if age else ", utan justering")
                                + f", med {conf} konfidensintervall.",
                        alt=difference_alt(beteende.comparisons)),
                *figure(plots.distribution_plot(orsaker, "anmalningsorsak",
                                                title="Anmälningsorsak efter kön",
                                                xlabel="Andel av flickornas respektive pojkarnas anmälningar"),
                        name="orsaker",
                        caption="Andelen av flickornas respektive pojkarnas anmälningar med varje "
                                f"anmälningsorsak, med {conf} konfidensintervall.",
                        alt=shares_alt(orsaker, what="Andel av anmälningarna", by="anmalningsorsak")),
                report.distribution_table(orsaker, "anmalningsorsak", caption="Anmälningsorsak efter kön")),
            "anmalare": reporters,
            "polis": items(police, report.comparison_table(disclosure.stack(jamforelser, "fraga"),
                                                           caption="Jämförelser mellan flickor och pojkar")),
        },
        counts={table: _counts(ctx, anmalningar)},
        comparisons=stats.adjust_pvalues(pd.concat(list(jamforelser.values()), ignore_index=True),
                                         method="holm"),
    )


# --- bof_05 ---------------------------------------------------------------------------------

def parents_treatment(ctx) -> Page:
    """bof_05: are mothers and fathers contacted and heard as often in the investigations?

    One row per parent who exists (:func:`parents`): the share contacted (also by whether the
    parents live together), the share with an investigation conversation and the number of
    meetings when the data have them, and, as a check, the share of fathers contacted in girls'
    and boys' investigations. Mothers and fathers of the same investigations are compared as
    they are (no adjustment). The investigations may come as rows or as a cell table (the
    catalogue's ``cells``): parents and investigations are counted with the load's ``weight``.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (with how many parents and investigations are compared), ``kontakt``
        (contact and conversation, and by living situation), ``moten`` (the meetings, or that
        the data lack them) and ``barnets_kon`` (fathers by the child's sex, and the table of
        the comparisons).
    """
    table = "bof_utredningar"
    # a child's parents are the same in each of its investigations: each share rests on enough
    # parents (a parent is known by the child and the role)
    utredningar = ctx.load(table, persons=True, **ctx.filters)
    weight, persons = utredningar.weight, utredningar.persons  # units counted with weight
    u = utredningar.data
    foraldrar = parents(u, weight=weight, persons=persons)
    n_parents = utredningar.n_rows(foraldrar)
    if "utredning_id" in foraldrar.columns:
        investigations = foraldrar["utredning_id"].nunique()
    else:  # the investigations with at least one parent compared
        compared = _parent_kept(u, PARENTS[0]) | _parent_kept(u, PARENTS[1])
        investigations = utredningar.n_rows(u[compared.to_numpy()])
    # each count shown, and what follows from the two (investigations with both parents, and
    # with one) is 0 or at least the threshold too
    derived = (n_parents - investigations, 2 * investigations - n_parents)
    basis = (f"Jämförelsen bygger på {report.number(n_parents, 0)} föräldrar i "
             f"{report.number(investigations, 0)} utredningar."
             if min(n_parents, investigations) >= ctx.threshold
             and all(d == 0 or d >= ctx.threshold for d in derived)
             else "Underlaget är för litet för att visas.")
    conf = _conf(ctx.conf_level)

    boende = "sammanboende" if "sammanboende" in foraldrar.columns else None
    kontakt = analysis.binary_outcome(foraldrar, "kontaktad", group="foralder", levels=PARENTS,
                                      by=boende, conf_level=ctx.conf_level, threshold=ctx.threshold,
                                      weight=weight, persons=persons)
    jamforelser = {"kontakt": kontakt.comparisons}
    contact = [report.describe_binary(kontakt.shares, kontakt.comparisons, group="foralder",
                                      verb="kontaktades", outcome_text="", unit_text="")]
    answer = [_difference_sentence(kontakt.comparisons, "i andelen föräldrar som kontaktades")]
    if "samtal" in foraldrar.columns:
        samtal = analysis.binary_outcome(foraldrar, "samtal", group="foralder", levels=PARENTS,
                                         conf_level=ctx.conf_level, threshold=ctx.threshold,
                                         weight=weight, persons=persons)
        jamforelser["samtal"] = samtal.comparisons
        contact.append(report.describe_binary(samtal.shares, samtal.comparisons, group="foralder",
                                              verb="hade utredningssamtal", outcome_text="",
                                              unit_text="").split("\n\nSiffrorna beskriver")[0])
        answer.append(_difference_sentence(samtal.comparisons,
                                           "i andelen som hade utredningssamtal"))
    if kontakt.by_shares is not None:
        contact += items(
            *figure(plots.shares_plot(kontakt.by_shares, group="foralder", by="sammanboende",
                                      title="Andel föräldrar som kontaktades, efter boendesituation",
                                      xlabel="Andel av föräldrarna som kontaktades"),
                    name="boende",
                    caption="Andelen mammor och pappor som kontaktades, efter om föräldrarna bor "
                            f"ihop, med {conf} konfidensintervall.",
                    alt=shares_alt(kontakt.by_shares, what="Andel kontaktade", by="sammanboende",
                                   group="foralder")),
            report.share_table(kontakt.by_shares, group="foralder", outcome_label="Andel kontaktade",
                               caption="Kontakt med föräldern efter om föräldrarna bor ihop"))

    meetings: tuple = ("Data saknar antal möten med föräldrarna, så den jämförelsen utelämnas.",)
    if "moten" in foraldrar.columns and foraldrar["moten"].notna().any():
        # a contacted parent whose number of meetings is not given is left out of this
        # comparison only (said under the table)
        contacted = foraldrar[foraldrar["kontaktad"] == 1]
        known = contacted["moten"].notna()
        moten = disclosure.disclose_comparisons(
            stats.compare_amounts(contacted[known], "moten", "foralder",
                                  levels=PARENTS, count=weight, conf_level=ctx.conf_level),
            threshold=ctx.threshold, group="foralder")
        jamforelser["möten"] = moten
        meetings = (report.comparison_table(
            moten[moten["measure"] != "ratio_of_means"],
            caption="Antal möten under utredningen bland kontaktade föräldrar: mammor − pappor"),)
        if not known.all():
            meetings += ("Kontaktade föräldrar utan uppgift om antal möten ingår inte i den "
                         "jämförelsen.",)

    pappor = analysis.binary_outcome(foraldrar[foraldrar["foralder"] == "pappa"], "kontaktad",
                                     conf_level=ctx.conf_level, threshold=ctx.threshold,
                                     levels=CHILD_SEXES, weight=weight, persons=persons)
    jamforelser["pappor efter barnets kön"] = pappor.comparisons
    answer.append("Mammor och pappor jämförs som de är, utan justering.")
    return Page(
        question_id=ctx.question_id,
        short_answer=(report.nothing_to_analyse_text("föräldrar") if foraldrar.empty
                      else " ".join(s for s in answer if s)),
        parts={
            "data": items(f"{ctx.heading} {ctx.omissions(table, utredningar)}"
                          f"{no_person_ids(utredningar, unit_text='utredningar')}",
                          report.quality_table(utredningar, threshold=ctx.threshold,
                                               caption="Dataunderlag: utredningar",
                                               name="dataunderlag"),
                          basis),
            "kontakt": items(contact),
            "moten": meetings,
            "barnets_kon": items(
                report.describe_binary(pappor.shares, pappor.comparisons, verb="kontaktades",
                                       outcome_text="av papporna", unit_text="utredningar"),
                report.comparison_table(
                    disclosure.stack({k: v for k, v in jamforelser.items() if k != "möten"}, "fraga"),
                    caption="Jämförelser")),
        },
        counts={table: _counts(ctx, utredningar)},
        comparisons=stats.adjust_pvalues(pd.concat(list(jamforelser.values()), ignore_index=True),
                                         method="holm"),
    )


# --- bof_06 ---------------------------------------------------------------------------------

def _steps_answer(comparisons: pd.DataFrame) -> str:
    """The crude difference of every step of the process map, in one sentence."""
    rows = _crude_rows(comparisons)
    if rows.empty:
        return "Det finns inga steg att jämföra i det här urvalet."
    parts = []
    for _, r in rows.iterrows():
        a, b = _sexes(r)
        parts.append(f"{r['steg']}: {not_shown(r)}" if _hidden(r) else
                     f"{r['steg']}: {_difference_text(r)}, "
                     f"{verdict(r['ci_low'], r['ci_high'], a=a, b=b, between=False)}")
    a, b = _sexes(rows.iloc[0])
    return f"Skillnaden {a} − {b} i varje steg, utan justering: " + "; ".join(parts) + "."


#: The step of the process map whose units are each table's rows (bof_06).
_STEP_OF = {"bof_aktualiseringar": "utredning_inledd", "bof_utredningar": "insats_beviljad"}

#: What bof_06 leaves out when the investigations' ids of reports are mostly found nowhere.
CHAIN_UNMATCHED = ("stegen från utredning till insats och hela kedjan från anmälan till insats "
                   "utelämnas")


def process_map(ctx) -> Page:
    """bof_06: where in the chain report → investigation → insats do the differences arise?

    Each step the data allow (:func:`process_steps`), with its own denominator: the share of
    girls and boys who go on to the next step, and the crude difference (the map is not
    adjusted). The tables may come as rows or as linked cell tables (the catalogue's
    ``linked``): reports are followed to insats by id in the engine, and units counted with the
    load's ``weight``.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue).

    Returns
    -------
    Page
        Parts ``data`` (a data table per table the run has), ``karta`` (the shares of every
        step), ``steg`` (each step in words) and ``skillnader`` (the differences per step).
    """
    # a child can have several reports and investigations: each step rests on enough children
    anmalningar = ctx.load_optional("bof_aktualiseringar", persons=True, **ctx.filters)
    utredningar = ctx.load_optional("bof_utredningar", persons=True, **ctx.filters)
    tables = {"bof_aktualiseringar": (anmalningar, "anmälningar"),
              "bof_utredningar": (utredningar, "utredningar")}
    said = omissions(ctx, {"bof_aktualiseringar": anmalningar, "bof_utredningar": utredningar})
    followed = utredningar
    if anmalningar is not None and links.mostly_unmatched(utredningar, "bof_aktualiseringar"):
        # ids given, but most of them found nowhere: the chain would count the rest as reports
        # without an investigation
        said = " ".join(x for x in (said.strip(), outcomes.unmatched_text(
            "bof_utredningar", "bof_aktualiseringar", CHAIN_UNMATCHED)) if x)
        followed = None
    # One chain: the investigations are those of the reports above, when the ids link them. (A
    # report the selection left out, for a blank age, kept its investigation, and the 2 reports
    # between the steps hid both steps.)
    if (anmalningar is not None and followed is not None
            and has_ids(anmalningar, "aktualisering_id") and has_ids(utredningar, "aktualisering_id")):
        utredningar = followed = links.keep_linked(utredningar, "aktualisering_id", anmalningar,
                                                   "aktualisering_id", reason="Anmälan ingår inte i urvalet")
        tables["bof_utredningar"] = (utredningar, "utredningar")
    # Every step the data allow; step 3 follows each report to the end: did it (through an
    # investigation) lead to insats?
    chain = process_steps(anmalningar, followed, persons=True)
    steg = {name: analysis.binary_outcome(d, outcome, conf_level=ctx.conf_level,
                                          threshold=ctx.threshold, levels=CHILD_SEXES, weight=weight,
                                          persons=persons_column(d))
            for name, (d, outcome, weight) in chain.items()}
    present = {t: (loaded, name) for t, (loaded, name) in tables.items() if loaded is not None}
    # the tables whose steps count rows, for want of the children's ids (said once)
    by_rows = [(loaded, name) for t, (loaded, name) in present.items()
               if STEPS[_STEP_OF[t]] in chain and persons_column(chain[STEPS[_STEP_OF[t]]][0]) is None]
    rows_said = (no_person_ids(by_rows[0][0], unit_text=_and([name for _, name in by_rows]))
                 if by_rows else "")
    # The map is disclosed as one linked table: the reports are step 1's and the whole chain's
    # denominator, the investigations step 2's, and the data tables show both.
    hidden_steps, hidden_tables = linked.protect_map(
        linked.map_counts(chain, levels=CHILD_SEXES,
                          persons={name: persons_column(d) for name, (d, _, _) in chain.items()}),
        disclosure.stack({name: r.shares for name, r in steg.items()}, "steg"),
        others={t: linked.table_display(loaded) for t, (loaded, _) in present.items()},
        gaps=[((STEPS[a], x), (STEPS[b], y)) for (a, x), (b, y) in GAPS], threshold=ctx.threshold)
    steg = {name: r if name not in hidden_steps else dataclasses.replace(
        r, shares=linked.hide_steps(r.shares),
        comparisons=linked.hide_steps(r.comparisons))
        for name, r in steg.items()}
    karta = disclosure.stack({name: r.shares for name, r in steg.items()}, "steg")
    jamforelser = disclosure.stack({name: r.comparisons for name, r in steg.items()}, "steg")
    empty = all(loaded.n_rows() == 0 for loaded, _ in present.values())
    return Page(
        question_id=ctx.question_id,
        short_answer=(report.nothing_to_analyse_text("ärenden") if empty
                      else _steps_answer(jamforelser)),
        parts={
            "data": items(f"{ctx.heading} {said}{rows_said}",
                          *(report.quality_table(loaded, threshold=ctx.threshold,
                                                 caption=f"Dataunderlag: {name}",
                                                 linked_hidden=t in hidden_tables)
                            for t, (loaded, name) in present.items())),
            "karta": items(
                *figure(plots.shares_plot(karta, by="steg",
                                          title="Processkarta: andel som går vidare i varje steg",
                                          xlabel="Andel som går vidare till nästa steg"),
                        name="karta",
                        caption="Andelen flickor och pojkar som går vidare i varje steg av kedjan "
                                f"anmälan → utredning → insats, med {_conf(ctx.conf_level)} "
                                "konfidensintervall.",
                        alt=shares_alt(karta, what="Andel som går vidare", by="steg")),
                report.share_table(karta, outcome_label="Andel som går vidare",
                                   caption="Varje stegs andel, efter barnets kön", name="andelar")),
            "steg": items(
                *(f"**{name}.** " + report.describe_binary(
                    r.shares, r.comparisons, outcome_text="vidare", unit_text="ärenden", verb="gick")
                  .split("\n\nSiffrorna beskriver")[0] for name, r in steg.items()),
                "Siffrorna beskriver skillnader i utfall; de säger inte varför skillnaderna "
                "finns eller om någon enskild bedömning var rätt eller fel."),
            "skillnader": (report.comparison_table(
                jamforelser[jamforelser["measure"] == "risk_difference_pp"].pipe(
                    lambda t: t.assign(comparison=t["steg"] + ": flickor − pojkar")),
                caption="Skillnad flickor − pojkar i varje steg (procentenheter)",
                name="skillnader"),),
        },
        counts={t: linked.hide_counts(_counts(ctx, loaded)) if t in hidden_tables else _counts(ctx, loaded)
                for t, (loaded, _) in present.items()},
        comparisons=stats.adjust_pvalues(pd.concat([jamforelser], ignore_index=True),
                                         method="holm"),
    )
