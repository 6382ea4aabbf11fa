"""The one setup line of every chapter notebook, and the context a chapter composition runs in.

A notebook's first code cell after its parameters is::

    ctx = setup("bof_02_utredning_till_insats", globals())

:func:`setup` validates the parameters cell's values (:func:`jamtools.run.params.check_parameters`,
with the configuration when ``config_file`` is set, and the chapter's own parameters by the chapter's
rules, :func:`jamtools.run.catalogue.parameter_problems`) and returns a :class:`ChapterRun`. The chapter's
composition (``jamtools.chapters.<family>``) receives it and loads its tables through it, so the
chapters never reach up into the run layer; the notebook's last cell is ``ctx.finish(page)``, which
writes the results file from the page's disclosed counts and comparisons.
"""
from __future__ import annotations

import gc
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from jamtools.data.check import FAIL_SHARE
from jamtools.present.page import Page
from jamtools.present.results import Results
from jamtools.run import catalogue
from jamtools.run.params import RUN_PARAMETERS, ParameterError, Params, check_parameters

_RUN_NAMES = set(RUN_PARAMETERS)
_IPYTHON = {"In", "Out", "exit", "quit", "get_ipython"}
_PLAIN = (type(None), bool, int, float, str, list, tuple, dict)
#: The modules whose UserWarnings a chapter's kernel does not show (see :func:`setup`).
_OWN = r"jamtools(\..*)?$"
#: A covariate blank on more than this share of a chapter's rows is not adjusted for
#: (:meth:`ChapterRun.with_covariates`): leaving the rows out would lose most of the answer.
#: The share is the data check's for a column too broken to use.
MAX_BLANK_SHARE = FAIL_SHARE

#: What :meth:`ChapterRun.without_few` adds to a step: its rows leave the whole chapter.
FEW_WORDS = "för få för att visas: lämnas utanför hela kapitlet"

#: Whether :func:`setup` has frozen the imports' objects in this process (see there).
_FROZEN = False


@dataclass(frozen=True)
class ChapterRun:
    """One chapter's run: its id and title, the validated parameters, and loading by catalogue.

    Attributes
    ----------
    question_id : str
        The chapter's id (the notebook's file name).
    question : str
        The chapter's question in Swedish.
    params : Params
        The validated parameters (``params.extra`` holds the chapter's own, such as ``enhet``).
    """

    question_id: str
    question: str
    params: Params
    #: Optional tables :meth:`load_optional` found missing: table -> the required columns it
    #: lacks, or ``()`` when the run has no such table.
    lacking: dict = field(default_factory=dict, repr=False, compare=False)
    #: Per table loaded with the run's filters: the filters it could not apply ("period",
    #: "unit", "age"; :attr:`jamtools.data.load.LoadResult.unapplied`).
    unapplied: dict = field(default_factory=dict, repr=False, compare=False)
    #: Optional tables :meth:`load_optional` could not use because a required column is an error
    #: of the check (most values unreadable): table -> the :class:`jamtools.data.UnusableColumns`.
    unreadable: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A chapter's run starts with no count of rows shown: an analysis of a selection is
        # protected against the counts this chapter shows (jamtools.data.load.mark_shown).
        from jamtools.data.load import forget_shown

        forget_shown()

    # --- what a chapter composition uses -------------------------------------------------
    @property
    def threshold(self) -> int:
        return self.params.threshold

    @property
    def conf_level(self) -> float:
        return self.params.conf_level

    @property
    def extra(self) -> Mapping:
        return self.params.extra if self.params is not None else {}

    @property
    def filters(self) -> dict:
        """The row filters of the parameters for :meth:`load`: period, and unit (``enhet``)
        and age (``alder_min``/``alder_max``) when the notebook has those parameters."""
        out: dict = {"period": self.params.period}
        if "enhet" in self.params.extra:
            out["unit"] = self.params.extra["enhet"]
        if "alder_min" in self.params.extra or "alder_max" in self.params.extra:
            out["age"] = (self.params.extra.get("alder_min"), self.params.extra.get("alder_max"))
        return out

    def _applied(self, name: str) -> str:
        """Whether the tables loaded so far applied the filter ``name`` ("period", "unit",
        "age"): "all" (also when none is loaded yet), "none" or "some"."""
        said = [name in missing for missing in self.unapplied.values()]
        if not said or not any(said):
            return "all"
        return "none" if all(said) else "some"

    def _chosen(self) -> dict:
        """The row filters chosen: {"period": "2024-01-01 – 2024-06-30", "unit": "enheten X",
        "age": "12 år och äldre"}, only those given, in words."""
        p, extra = self.params, self.params.extra
        out = {}
        if p.period_start or p.period_end:
            out["period"] = p.period_text
        if extra.get("enhet") is not None:
            out["unit"] = f"enheten {extra['enhet']}"
        lo, hi = extra.get("alder_min"), extra.get("alder_max")
        if lo is not None or hi is not None:
            out["age"] = (f"åldern {lo}–{hi} år" if lo is not None and hi is not None else
                          f"åldern {lo} år och äldre" if lo is not None else f"åldern upp till {hi} år")
        return out

    @property
    def heading(self) -> str:
        """'**Organisation**, period, unit, ages.' — the line that opens a chapter's data
        section: the period, and the unit (``enhet``) and age range (``alder_min``,
        ``alder_max``) when chosen, as far as the data applied them. A filter no table loaded
        so far could apply (no date, unit or age in the data) is not claimed: the line says
        that every row is included and why; one that only some tables applied says so."""
        chosen = self._chosen()
        whole = {"period": "hela perioden i data", "unit": "alla enheter", "age": "alla åldrar"}
        lacks = {"period": "datum", "unit": "uppgift om enhet", "age": "uppgift om ålder"}
        what = {"period": "perioden", "unit": "enheten", "age": "åldersintervallet"}
        parts = [] if "period" in chosen else [whole["period"]]
        for name, words in chosen.items():
            applied = self._applied(name)
            if applied == "none":
                parts.append(f"{whole[name]} ({'perioden ' + words if name == 'period' else words} "
                             f"kunde inte väljas: data saknar {lacks[name]})")
            elif applied == "some":
                parts.append(f"{words} ({what[name]} kunde inte väljas i en del av data, där ingår "
                             "alla rader)")
            else:
                parts.append(words)
        return f"**{self.params.organisation}**, {', '.join(parts)}."

    def _remember(self, table: str, loaded, filters: dict) -> None:
        if loaded is not None and filters:
            self.unapplied[table] = tuple(getattr(loaded, "unapplied", ()))

    def load(self, table: str, *, persons: bool = False, **filters):
        """The table with the columns the catalogue declares for this chapter
        (:func:`jamtools.run.catalogue.load`). ``persons``: count the persons of a table where
        a person can have several rows, for the run's threshold (``load_table(...,
        persons=threshold)``; the result's ``persons`` names the column for
        ``binary_outcome(persons=...)``)."""
        loaded = catalogue.load(self.question_id, table, self.params,
                                persons=self.threshold if persons else None, **filters)
        self._remember(table, loaded, filters)
        return loaded

    def load_optional(self, table: str, *, skip=(), also=(), persons: bool = False, **filters):
        """:meth:`load` for a table the chapter can do without; None when it is missing, lacks
        a required column, or a required column is an error of the check (most values
        unreadable: the check's readiness says the chapter runs without the table). Remembered,
        so that :meth:`omissions` names the columns and why rather than saying the data lack
        the table. An optional column that is such an error is left out by the load
        (``LoadResult.unusable``), and :meth:`omissions` says so too. ``skip``: optional
        columns the chapter does not use in this run (:func:`jamtools.run.catalogue.load`).
        ``persons``: as for :meth:`load`."""
        cap = self.threshold if persons else None
        return self._optional(table, lambda: catalogue.load(self.question_id, table, self.params,
                                                             skip=skip, also=also, persons=cap,
                                                             **filters), filters)

    def load_chosen(self, table: str, *, load=None, **kwargs):
        """:func:`jamtools.data.load_table` for a table a parameter chose (r4_01's and r4_03's
        ``tabell``: not one the catalogue declares for the chapter), as :meth:`load_optional`:
        None, remembered, when the run lacks it, it lacks a required column, or a required
        column is an error of the check (most values unreadable). The check's readiness then
        says the chapter runs without the table (:func:`jamtools.run.catalogue.readiness`), and
        :meth:`omissions` says why, in the same words; the chapter is not stopped. ``load``: the
        function that loads (default :func:`jamtools.data.load_table`)."""
        from jamtools.data import load_table

        load = load or load_table
        filters = {k: kwargs[k] for k in ("period", "unit", "age") if kwargs.get(k) is not None}
        return self._optional(table, lambda: load(table, data_dir=self.params.data_dir,
                                                  config=self.params.config, **kwargs), filters)

    def _optional(self, table: str, load, filters: dict):
        from jamtools.data import MissingColumns, TableNotSupplied, UnknownUnit, UnusableColumns

        try:
            loaded = load()
            self._remember(table, loaded, filters)
            return loaded
        except TableNotSupplied:
            self.lacking[table] = ()
            return None
        except MissingColumns as exc:
            self.lacking[table] = exc.columns
            return None
        except UnusableColumns as exc:
            self.lacking[table] = exc.columns
            self.unreadable[table] = exc
            return None
        except UnknownUnit as exc:  # the unit chosen is not among this table's: left out
            self.lacking[table] = ()
            self.unreadable[table] = exc
            return None

    def covariates(self, table: str, loaded) -> list[str]:
        """The declared covariates the loaded table has."""
        return catalogue.covariates(self.question_id, table, loaded)

    def with_covariates(self, table: str, loaded, columns=None, *, keep_rows: bool = False):
        """The declared covariates ``loaded`` has, and ``loaded`` without the rows where one of
        them is blank, one step per covariate in the data table ("Uppgift om hushållstyp
        saknas").

        The handbook's one rule for a blank covariate: the row is left out of every comparison
        of the chapter, crude and adjusted alike (complete cases), so that both rest on the same
        rows and no count differs between them by the blank rows. Keeping a blank as a category
        of its own (the missing-indicator method) biases the adjusted comparison even when the
        values are missing at random (Greenland & Finkle 1995), and a blank age cannot enter a
        model as a number at all.

        Parameters
        ----------
        table : str
            The table's name in the data model.
        loaded : LoadResult
            The chapter's rows of ``table``.
        columns : list of str, optional
            The covariates to use (default: :meth:`covariates`).
        keep_rows : bool
            Keep every row: a covariate with a blank is not used at all, and the note says so
            (eb_07's later steps, whose rows say whether an applicant went on: a row left out
            there would count the applicant as one who did not).

        A covariate blank on more than :data:`MAX_BLANK_SHARE` of the rows is not used (the rows
        stay) and the data table's note says so: adjusting for it would leave most of the
        chapter's answer out.

        Returns
        -------
        (LoadResult, list of str)
            The rows with a value in every covariate used, and the covariates used.

        References
        ----------
        Greenland, S. & Finkle, W. D. (1995). A critical look at methods for handling missing
        covariates in epidemiologic regression analyses. *American Journal of Epidemiology*
        142(12), 1255–1264.
        """
        from jamtools.present.report import covariates_text

        present = self.covariates(table, loaded) if columns is None else list(columns)
        whole = loaded.n_rows()
        kept, sparse = [], []
        for column in present:
            blank = loaded.data[column].isna()
            if whole and loaded.n_rows(loaded.data[blank]) > (0 if keep_rows else MAX_BLANK_SHARE * whole):
                sparse.append(column)  # most of the rows would go: not adjusted for, said so
                continue
            kept.append(column)
            loaded = loaded.exclude(blank, f"Uppgift om {covariates_text([column])} saknas")
        if sparse:
            loaded = loaded.with_data(loaded.data)  # a copy (its own notes) to add the note to
            loaded.notes.append(
                f"Jämförelser som bygger på den här tabellen justeras inte för {covariates_text(sparse)}: "
                "uppgiften saknas på "
                + ("några av dess rader, och de raderna ska ingå." if keep_rows else
                   f"mer än {100 * MAX_BLANK_SHARE:.0f} procent av raderna, som annars skulle lämnas utanför."))
        return loaded, kept

    def without_few(self, loaded, mask, reason: str, outcomes=()):
        """``loaded`` without the rows of ``mask`` of each sex that has between 1 and the
        threshold − 1 of them, left out under ``reason`` and the words that they leave the whole
        chapter.

        A page that shows a chapter's rows and a selection of them (the clients with a time to
        exit) gives the rows the selection leaves out back by subtraction: 1 391 men analysed
        beside 1 389. Hiding the selection's count does not help, as its share and interval
        pin it down (of the counts 1 387–1 390 only 1 389 gives 64,1 % and 61,0–67,2 %). Where
        a selection would leave out few of a sex, those rows are left out of the whole chapter
        instead, so no two counts differ by them (the step is small, and the data table hides
        it). A sex with more of them keeps its rows; the selection leaves them out, in a step
        a reader may see. Call it before anything is computed from ``loaded``, with the rows
        the selection will leave out.

        Parameters
        ----------
        loaded : LoadResult
            The chapter's rows.
        mask : array-like of bool
            True for the rows a selection made later leaves out (aligned on the data's index).
        reason : str
            The selection's step ("Uppgift om antal dagar saknas").
        outcomes : sequence of str
            Yes/no columns whose count with the outcome the page shows both for the whole and
            for the selection (eb_06's self-sufficiency, in the shares and in the pace): a sex
            is also few when the masked rows with, or without, the outcome are (369 − 366 gave
            3 self-sufficient men without a time, of 7 without one).

        Returns
        -------
        LoadResult
        """
        from jamtools.disclosure import is_small

        data = loaded.data
        mask = pd.Series(mask, index=data.index).reindex(data.index).fillna(False).astype(bool)
        units = (data[loaded.weight] if loaded.weight else pd.Series(1, index=data.index)).astype(float)

        def per_sex(values):
            return values[mask].groupby(data.loc[mask, "kon"], observed=True).sum()

        counts = [per_sex(units)]
        for column in outcomes:
            yes = pd.to_numeric(data[column], errors="coerce").eq(1).fillna(False).astype(bool)
            counts += [per_sex(units.where(yes, 0.0)), per_sex(units.where(~yes, 0.0))]
        few = sorted({s for c in counts for s, small in zip(c.index, is_small(c.to_numpy(float), self.threshold))
                      if small})
        if not few:
            return loaded
        return loaded.exclude(mask & loaded.data["kon"].isin(few), f"{reason} ({FEW_WORDS})")

    def omissions(self, table: str, loaded) -> str:
        """What the chapter leaves out for lack of columns or tables, in Swedish, as the chapter's
        parameters make its needs (:func:`jamtools.run.catalogue.omissions`)."""
        return catalogue.omissions(self.question_id, table, loaded,
                                   lacking=self.lacking.get(table, ()) if loaded is None else (),
                                   unreadable=self.unreadable.get(table) if loaded is None else None,
                                   parameters=self.extra)

    def left_out(self, table: str, column: str | None = None) -> str:
        """The sentence for what this chapter leaves out without ``column`` of ``table`` (or
        the whole table), :func:`jamtools.run.catalogue.left_out`."""
        return catalogue.left_out(self.question_id, table, column)

    def declared_covariates(self, table: str) -> tuple[str, ...]:
        """The covariates the catalogue declares for ``table`` (present or not)."""
        return catalogue.CHAPTERS[self.question_id].need(table).covariates

    def optional_reason(self, table: str, column: str) -> str:
        """What the chapter leaves out without the optional ``column`` of ``table``."""
        return catalogue.CHAPTERS[self.question_id].need(table).optional[column]

    def without(self, table: str) -> str:
        """The catalogue's sentence of what the chapter leaves out without ``table``."""
        return catalogue.CHAPTERS[self.question_id].need(table).without

    @property
    def titles(self) -> dict[str, str]:
        """Every chapter's question, in book order (for the summary chapter)."""
        return {c.id: c.title for c in catalogue.CHAPTERS.values()}

    # --- the end of the notebook ----------------------------------------------------------
    def finish(self, page: Page) -> None:
        """Write the results file (``results/<id>.json``) from the page's disclosed counts and
        comparisons (nothing when the notebook runs without a results path). Returns None, so
        that the notebook's last cell shows nothing."""
        results = Results(self.question_id, self.params, question=self.question)
        extra = self.params.extra
        names = {"enhet": "unit", "alder_min": "age", "alder_max": "age"}
        filters = {key: extra.get(key) for key in names if extra.get(key) is not None}
        # A filter no table could apply is not claimed (the rows are the whole data's): it is
        # given apart, with the tables that could not apply it when only some could.
        not_applied = {}
        for key, name in [("period", "period"), *names.items()]:
            if key == "period" and not any(self.params.period):
                continue
            if key != "period" and key not in filters:
                continue
            tables = sorted(t for t, missing in self.unapplied.items() if name in missing)
            if not tables:
                continue
            applied = self._applied(name)
            value = ({"start": self.params.period_start, "end": self.params.period_end}
                     if key == "period" else filters[key])
            not_applied[key] = value if applied == "none" else {"value": value, "tables": tables}
            if applied == "none":
                if key == "period":
                    results.data["period"] = {"start": None, "end": None}
                else:
                    filters.pop(key)
        if filters:  # (only where given: the results of a run without filters are as before)
            results.data["filters"] = filters
        if not_applied:
            results.data["not_applied"] = not_applied
        for table, counts in page.counts.items():
            results.add_counts(table, counts)
        if getattr(page, "data_tables", ()):
            results.add_data_tables(page.data_tables)
        if page.comparisons is not None and len(page.comparisons):
            results.add_comparisons(page.comparisons)
        results.write()


def setup(question_id: str, namespace: Mapping) -> ChapterRun:
    """Validate a notebook's parameters and return its :class:`ChapterRun`.

    Parameters
    ----------
    question_id : str
        The chapter's id; KeyError when the catalogue has no such chapter.
    namespace : mapping
        The notebook's ``globals()``: the values of its parameters cell (and papermill's
        injected ones). Only the run parameters and the chapter's declared extra parameters
        are read.

    Returns
    -------
    ChapterRun
    """
    chapter = catalogue.CHAPTERS[question_id]
    values = {k: namespace[k] for k in _RUN_NAMES if k in namespace}
    # The chapter's own parameters: the other plain values the parameters cell defined (setup
    # is the first call after it, so nothing else of that kind exists yet).
    extra = {k: v for k, v in namespace.items()
             if k not in _RUN_NAMES and not k.startswith("_") and k not in _IPYTHON
             and isinstance(v, _PLAIN)}
    params = check_parameters(**values, **extra)
    # The chapter's own parameters, by the chapter's own rules (as when jamtools.yml is read):
    # a value set by hand in the parameters cell stops here, naming it, not deep in the chapter.
    problems = catalogue.parameter_problems(question_id, extra, defaults=False)
    if problems:
        raise ParameterError("\n".join(problems))
    # The imports made some 200 000 long-lived objects (pandas, statsmodels, matplotlib). Each
    # full collection of the garbage collector would scan them all again, about 0.13 s: Python
    # starts one by itself as the chapter allocates, and statsmodels' ``multipletests`` calls
    # one for every Holm adjustment. Frozen, they are left out of every later collection
    # (Python's ``gc.freeze``); what the chapter creates is collected as before. Once per
    # process: a second ``setup`` in the same kernel would freeze the first chapter's objects.
    # The statistics warn (a group absent, a model that could not be fitted) and carry the same
    # in their results, which the chapter's text says in the reader's words; on the executed
    # notebook's stderr they would repeat it in a developer's.
    if not any(f[0] == "ignore" and f[2] is UserWarning and getattr(f[3], "pattern", None) == _OWN
               for f in warnings.filters):  # once (a filter made again would replace a frozen one)
        warnings.filterwarnings("ignore", category=UserWarning, module=_OWN)
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True
    return ChapterRun(question_id, chapter.title, params)


__all__ = ["ChapterRun", "setup"]
