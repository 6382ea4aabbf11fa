"""Ekonomiskt bistånd: the summary sentence and the data preparation its
chapters need.

What the rest of the library does not yet have for the social-assistance chapters:

- :func:`summary`, one line per outcome with the crude and the adjusted difference and what
  each shows, for chapters that compare several yes/no outcomes at once;
- the data preparation the chapters used to do in their notebooks, written to work on any
  export that has a chapter's required columns (with or without the optional ones, with
  missing values): :func:`end_status` (the competing-risks status of eb_06),
  :func:`offered_types` (eb_03's flags per type of intervention), :func:`select_parents` and
  :func:`children_group` (eb_04), :func:`linkable`, :func:`process_links`,
  :func:`process_steps` and :func:`process_omissions` (eb_07, whose later tables are
  optional), and the labels of stacked comparisons (:func:`difference_rows`,
  :func:`comparison_labels`, :func:`born_label`) and sentences (:func:`left_out`,
  :func:`unlinked_text`, :func:`simultaneous_text`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jamtools.present import report

# --- Data preparation the chapters share -----------------------------------------------------
# (moved out of the notebooks: each works on any export that has the chapter's required
# columns, with and without the optional ones, and with missing values)

#: Ends of a case that compete with self-sufficiency (after them it can no longer be observed).
OTHER_ENDS = ("annan_ersattning", "flyttat", "ovrigt")
#: Status codes of :func:`end_status`.
ONGOING, SELF_SUFFICIENT, OTHER_END = 0, 1, 2


def _flag(values, index) -> pd.Series:
    """0/1/bool/text values as a nullable boolean (missing stays missing)."""
    s = pd.Series(values, index=index) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    text = s.astype("string").str.strip().str.lower()
    mapped = text.map({"1": True, "0": False, "true": True, "false": False, "1.0": True,
                       "0.0": False})
    return mapped.astype("boolean")


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
    flag = _flag(sjalvforsorjande, None if isinstance(sjalvforsorjande, pd.Series)
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


def offered_types(planering: pd.DataFrame, insatser: pd.DataFrame, types, *,
                  key: str = "planering_id", type_column: str = "insatstyp") -> pd.DataFrame:
    """One 0/1 column per type of intervention: whether the planning offered at least one.

    Parameters
    ----------
    planering : pandas.DataFrame
        One row per planning, with the id ``key``.
    insatser : pandas.DataFrame
        One row per offered intervention, with ``key`` and ``type_column``; rows with a missing
        id or type are not counted. May be empty.
    types : sequence of str
        The types to flag, in order (a type nobody was offered gets a column of zeros).
    key, type_column : str
        The planning id and the type column.

    Returns
    -------
    pandas.DataFrame
        ``planering`` with one int column per type (1 = offered at least once, else 0). A
        planning without offers is a row of zeros: it counts as "no" for every type.

    Examples
    --------
    >>> p = pd.DataFrame({"planering_id": ["a", "b"]})
    >>> i = pd.DataFrame({"planering_id": ["a", "a"], "insatstyp": ["sfi", "sfi"]})
    >>> offered_types(p, i, ["sfi", "praktik"])[["sfi", "praktik"]].to_dict("list")
    {'sfi': [1, 0], 'praktik': [0, 0]}
    """
    types = list(types)
    out = planering.drop(columns=[t for t in types if t in planering.columns])
    offers = insatser[[key, type_column]].dropna()
    offers = offers[offers[type_column].astype(str).isin(types)]
    ids = pd.Index(out[key].astype("string"))
    flags = pd.DataFrame(0, index=range(len(out)), columns=types, dtype="int64")
    for typ in types:
        got = set(offers.loc[offers[type_column].astype(str) == typ, key].astype(str))
        flags[typ] = ids.isin(got).astype("int64")
    flags.index = out.index
    return pd.concat([out, flags], axis=1)


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
        ``eb_planering``, loaded for the chapter (changed in place and returned).
    outcomes : sequence of str
        The outcome columns the chapter compares (those the export has). They are empty for
        clients without children, so where the number of children is missing (or the export
        has no such column) a filled outcome is what marks a parent.

    Returns
    -------
    jamtools.data.LoadResult
    """
    d = loaded.data
    if loaded.has("antal_barn"):
        loaded.exclude(d["antal_barn"].isna(), "Uppgift om antal barn saknas")
        loaded.exclude(loaded.data["antal_barn"] == 0, "Inga barn i hushållet (frågan gäller föräldrar)")
    outcomes = [o for o in outcomes if o in loaded.data.columns]
    if outcomes:
        names = " eller ".join(_PARENT_OUTCOMES.get(o, report.covariates_text([o])) for o in outcomes)
        loaded.exclude(loaded.data[outcomes].isna().any(axis=1), f"Uppgift om {names} saknas"
                       + ("" if loaded.has("antal_barn") else " (tomt för klienter utan barn)"))
    if "antal_barn" in loaded.data.columns:
        loaded.data["antal_barn"] = children_group(loaded.data["antal_barn"]).to_numpy()
    return loaded


def linkable(loaded, column: str) -> bool:
    """Whether ``column`` of a loaded table can link it to another table: present with values,
    and not numbered from the row position (an export without an id column gets row numbers,
    which mean nothing in another table). A personnummer's pseudonym links tables of one run.
    """
    if loaded is None or column not in loaded.data.columns:
        return False
    if len(loaded.data) and not loaded.data[column].notna().any():
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
    return _flag(values, None if isinstance(values, pd.Series) else
                 pd.RangeIndex(len(values))).fillna(False).astype(bool)


def process_steps(klienter: pd.DataFrame, planering: pd.DataFrame | None = None,
                  insatser: pd.DataFrame | None = None,
                  utfall: pd.DataFrame | None = None) -> dict[str, tuple[pd.DataFrame, str]]:
    """The steps of the process map that the tables allow, each as (rows, 0/1 outcome column).

    Parameters
    ----------
    klienter : pandas.DataFrame
        Applications: ``person_id`` and ``bistand_beviljat`` (rows without a decision left out
        before).
    planering : pandas.DataFrame or None
        Plannings of the applicants (``person_id``; ``planering_id`` for step 3). None when the
        run has none, or they cannot be linked to the applicants.
    insatser : pandas.DataFrame or None
        Offered interventions (``planering_id``). None when absent or not linkable.
    utfall : pandas.DataFrame or None
        Outcomes of the applicants granted aid (``person_id``, ``sjalvforsorjande``).

    Returns
    -------
    dict
        :data:`STEPS` key -> (frame, outcome column), only for the steps that can be made:
        step 1 always; 2 with ``planering``; 3 with ``planering`` and ``insatser``; 4 and the
        whole chain with ``utfall``. Each frame keeps its own covariates (e.g. hushallstyp).
    """
    steps: dict[str, tuple[pd.DataFrame, str]] = {}
    decided = klienter[klienter["bistand_beviljat"].notna()]
    granted = _yes(decided["bistand_beviljat"])
    steps["bistand_beviljat"] = (decided.assign(bistand_beviljat=granted.astype(int).to_numpy()),
                                 "bistand_beviljat")
    beviljade = decided[granted.to_numpy()]
    if planering is not None:
        planned = set(planering["person_id"].dropna().astype(str))
        steps["planering"] = (beviljade.assign(
            planering=beviljade["person_id"].astype(str).isin(planned).astype(int).to_numpy()),
            "planering")
        if insatser is not None:
            offered = set(insatser["planering_id"].dropna().astype(str))
            steps["insats"] = (planering.assign(
                insats=planering["planering_id"].astype(str).isin(offered).astype(int).to_numpy()),
                "insats")
    if utfall is not None:
        known = utfall[utfall["sjalvforsorjande"].notna()]
        selfs = _yes(known["sjalvforsorjande"])
        steps["sjalvforsorjande"] = (known.assign(sjalvforsorjande=selfs.astype(int).to_numpy()),
                                     "sjalvforsorjande")
        who = set(known.loc[selfs.to_numpy(), "person_id"].astype(str))
        steps["ansokan_till_sjalvforsorjande"] = (decided.assign(
            ansokan_till_sjalvforsorjande=decided["person_id"].astype(str).isin(who)
            .astype(int).to_numpy()), "ansokan_till_sjalvforsorjande")
    return steps


def born_label(values) -> pd.Series:
    """'Född i Sverige' / 'Född utomlands' for the 1/0 of ``fodd_i_sverige`` (missing stays)."""
    s = pd.Series(values)
    flag = _flag(s, s.index)
    return flag.map({True: "Född i Sverige", False: "Född utomlands"}).astype("string")


def left_out(chapter_id: str, table: str, column: str | None = None) -> str:
    """The catalogue's sentence for what chapter ``chapter_id`` leaves out without ``column``
    of ``table`` (or without the whole table when ``column`` is None), to show where the
    section would have been.

    Examples
    --------
    >>> left_out("eb_05_vald_i_nara_relation", "eb_planering", "hushallstyp")
    'Data saknar uppgift om hushållstyp: uppdelningen efter hushållstyp utelämnas.'
    """
    from jamtools.run import catalogue

    need = catalogue.CHAPTERS[chapter_id].need(table)
    if column is None:
        return f"Data saknar uppgifter om {report.TABLE_LABELS.get(table, table)}: {need.without}."
    return f"Data saknar uppgift om {report.covariates_text([column])}: {need.optional[column]}."


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


def process_links(chapter_id: str, klienter, planering=None, insatser=None, utfall=None) -> ProcessLinks:
    """Whether each later table of the process map can be linked to the applicants.

    The later steps follow the applicants by ``person_id`` (a client id, or the pseudonym of a
    personnummer) and the interventions their plannings by ``planering_id``. A table the run
    lacks is None; a table whose id is numbered from the row position (no id in the export)
    cannot be linked, and ``notes`` says so in the catalogue's words.

    Parameters
    ----------
    chapter_id : str
        The chapter (for the catalogue's sentences).
    klienter, planering, insatser, utfall : jamtools.data.LoadResult or None
        The loaded tables (``klienter`` is required).

    Returns
    -------
    ProcessLinks
        ``planering``, ``insatser``, ``utfall``: True when the table is there and linked;
        ``applicants``: whether the applications have a usable id at all.
    """
    from jamtools.run import catalogue

    need = catalogue.CHAPTERS[chapter_id].need
    notes: list[str] = []
    applicants = linkable(klienter, "person_id")
    if not applicants and any(t is not None for t in (planering, insatser, utfall)):
        notes.append(unlinked_text("eb_klienter", "person_id", need("eb_klienter").optional["person_id"]))
    plan = applicants and planering is not None
    offers = plan and insatser is not None
    if offers and not linkable(planering, "planering_id"):
        notes.append(unlinked_text("eb_planering", "planering_id", need("eb_insatser").without))
        offers = False
    outcome = applicants and utfall is not None
    if outcome and not linkable(utfall, "person_id"):
        notes.append(unlinked_text("eb_utfall", "person_id", need("eb_utfall").without))
        outcome = False
    return ProcessLinks(applicants, plan, offers, outcome, notes)


def process_omissions(chapter_id: str, tables: dict) -> list[str]:
    """What a chapter reading several tables leaves out, one sentence per item, without
    repeating the no-adjustment sentence per table.

    Parameters
    ----------
    chapter_id : str
    tables : dict
        Table name -> its :class:`~jamtools.data.LoadResult`, or None when the run lacks it.

    Returns
    -------
    list of str
        The catalogue's sentences (:func:`jamtools.run.catalogue.omissions`) per table; when no
        table with covariates has any of them, the no-adjustment sentence once; when only some
        lack them, which tables' steps are compared without adjustment.
    """
    from jamtools.run import catalogue

    out, unadjusted, adjusted = [], [], []
    for table, loaded in tables.items():
        need = catalogue.CHAPTERS[chapter_id].need(table)
        text = catalogue.omissions(chapter_id, table, loaded)
        if loaded is not None and need.covariates:
            if catalogue.covariates(chapter_id, table, loaded):
                adjusted.append(table)
            else:
                unadjusted.append((table, need.covariates))
                text = text.replace(catalogue.no_adjustment_text(need.covariates), "").strip()
        if text:
            out.append(text)
    if unadjusted and not adjusted:
        columns = list(dict.fromkeys(c for _, cols in unadjusted for c in cols))
        out.append(catalogue.no_adjustment_text(columns))
    elif unadjusted:
        names = " och ".join(report.TABLE_LABELS.get(t, t) for t, _ in unadjusted)
        columns = list(dict.fromkeys(c for _, cols in unadjusted for c in cols))
        out.append(f"Uppgifterna om {names} saknar {report.covariates_text(columns)}: de steg som "
                   "bygger på dem jämförs bara utan justering.")
    return out
