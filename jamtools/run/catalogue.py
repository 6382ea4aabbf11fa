"""The chapter catalogue: what each chapter needs from the data, declared in one place.

Every question chapter lists, per table it reads (:class:`TableNeed`):

- ``required``: the columns it cannot do without (beyond ``kon``, which every chapter needs,
  given or derived from a personnummer);
- ``optional``: columns it uses when present, each with the Swedish sentence that says what
  the chapter leaves out without it;
- ``covariates``: the columns it adjusts for when present ("samma behov", "lika ärenden"); a
  chapter with none of them present makes no same-need claim and says so.

A table can itself be optional (``TableNeed.without``: what is left out when it is absent).
The data model (:mod:`jamtools.data.model`) describes the columns; whether a column is needed
is a property of a question, decided here. :func:`readiness` says, for the tables a run has,
whether a chapter *kan köras*, *kan köras utan …*, or *kan inte köras: saknar …*; the runner
runs only those that can, and :func:`load` gives a notebook exactly the columns declared here.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from jamtools.data.model import SEX, TABLES
from jamtools.present.parameters import messages_of
from jamtools.present.report import TABLE_LABELS
from jamtools.present.sentences import no_adjustment_text  # noqa: F401  (part of the catalogue's API)
from jamtools.run.params import RULES as RUN_RULES
from jamtools.run.params import parameter_problems as run_parameter_problems

# --- The chapters: id (the notebook's file stem), question and part of the book ------------

#: Parts of the book, in order, with their Swedish captions.
PARTS = {
    "bof": "Barn och familj",
    "eb": "Ekonomiskt bistånd",
    "ht": "Hemtjänst",
    "ru": "Regional utveckling",
    "ks": "Kulturskola",
    "r4": "4R-metoden",
    "um": "Umeås metodfrågor",
    "hl": "Könsuppdelad statistik",
}

QUESTIONS = {
    "bof_01_utredning_inleds": "Inleder vi utredning lika ofta på flickor och pojkar?",
    "bof_02_utredning_till_insats": "Leder lika stor del av pojkars som flickors utredningar till insats?",
    "bof_03_typ_av_insats": "Leder utredningarna till olika typer av insats för flickor och pojkar?",
    "bof_04_anmalningsorsak_och_anmalare": "Skiljer sig anmälningarnas orsak (miljö/beteende) och kommer de från olika instanser?",
    "bof_05_bemotande_av_foraldrar": "Bemöter vi mammor och pappor olika?",
    "bof_06_processkarta": "Var i kedjan anmälan → utredning → insats uppstår skillnaderna?",
    "eb_01_krav": "Ställer vi likvärdiga krav på klienten oavsett kön?",
    "eb_02_ohalsa": "Tar vi likvärdig hänsyn till fysisk och psykisk ohälsa?",
    "eb_03_insatser": "Erbjuder vi kvinnor och män samma insatser?",
    "eb_04_foraldraansvar": "Har vi likvärdiga förväntningar på hur mammor och pappor tar ansvar för barn och hem?",
    "eb_05_vald_i_nara_relation": "Är vi lika uppmärksamma på våld i nära relation oavsett kön?",
    "eb_06_sjalvforsorjning": "Blir kvinnor och män självförsörjande i samma utsträckning och takt?",
    "eb_07_processkarta": "Var i försörjningsstödsprocessen skiljer sig kvinnors och mäns vägar?",
    "ht_01_hemtjanst_timmar": "Får kvinnor och män med samma behov lika många hemtjänsttimmar?",
    "ht_02_forandring_over_tid": "Har fördelningen av hemtjänsttimmar blivit mer jämställd?",
    "ru_01_projektmedel": "Fördelas projektmedel och bidrag jämställt?",
    "ks_01_instrumentval": "Väljer flickor och pojkar instrument fritt i kulturskolan?",
    "r4_01_representation": "Vilka kommer till verksamheten: hur ser målgruppen ut efter kön?",
    "r4_02_resurser": "Hur fördelas resurserna (tid, insatser, pengar) mellan könen?",
    "r4_03_resultat": "Uppfylls verksamhetens mål lika väl för kvinnor och män, flickor och pojkar?",
    "r4_04_olika_grupper": "Vilka effekter får insatserna för olika grupper av kvinnor och män?",
    "r4_05_realisera": "Vad visar analysen, och vad behöver vi göra?",
    "um_01_sprakbruk": "Beskriver vi kvinnor och män, mammor och pappor, med olika ord?",
    "um_02_kvalitetsuppfoljning": "Upptäcker vår kvalitetsuppföljning skillnader mellan könen över tid?",
    "hl_01_konsuppdelad_statistik": "Är all vår individbaserade statistik uppdelad efter kön?",
}


#: Chapters that summarise the other chapters' results: the runner runs them last and gives
#: them the parameter ``results_dir`` (the run's results folder).
SUMMARIES = ("r4_05_realisera",)


def question(question_id: str) -> str:
    """The Swedish wording of a question; KeyError with the known ids if it does not exist."""
    try:
        return QUESTIONS[question_id]
    except KeyError:
        raise KeyError(f"Okänd fråga {question_id!r}. Kända frågor: {', '.join(QUESTIONS)}") from None


def part(question_id: str) -> str:
    """The book part (Swedish caption) that a question belongs to."""
    return PARTS[question_id.split("_", 1)[0]]


#: Covariates a chapter may name that are computed from a model column when it loads its table
#: (:func:`load`): the age group from the age (children's groups for children's tables).
DERIVED = {"aldersgrupp": "alder"}
#: A chapter's own name of a covariate -> the catalogue's (r4_03's ``justera_for`` names the
#: country of birth ``fodelseland``, which the chapter derives from ``fodd_i_sverige``).
COVARIATE_NAMES = {"fodelseland": "fodd_i_sverige"}




def _source(column: str) -> str:
    return DERIVED.get(column, column)


@dataclass(frozen=True)
class TableNeed:
    """What a chapter needs from one table."""

    table: str
    required: tuple[str, ...] = ()
    optional: dict[str, str] = field(default_factory=dict)
    covariates: tuple[str, ...] = ()
    #: Empty: the chapter cannot run without the table. Else what the chapter leaves out
    #: without it (the table is optional).
    without: str = ""
    #: Required columns whose blank values mean something (e.g. no such parent): their rows are
    #: kept, where a blank in another required column leaves the row out.
    blank_ok: tuple[str, ...] = ()
    #: The chapter reads the table as a cell table (``load_table(..., cells=True)``): its code
    #: counts units with the result's ``weight``, so only combinations of values and their
    #: counts leave the engine.
    cells: bool = False
    #: Columns the chapter uses only to see whether a row has a value (an end date): loaded as
    #: True or missing (``load_table(..., presence=...)``), so a cell table has no cell per value.
    presence: tuple[str, ...] = ()
    #: With ``cells``: the ids the chapter follows between tables stay in the engine
    #: (``load_table(..., linked=True)``, :mod:`jamtools.data.links`), so that a chapter that
    #: follows people through a process also reads only cells.
    linked: bool = False
    #: With ``cells``: amount columns the chapter uses only through means and second moments
    #: (differences of means, linear models): summed per cell in the engine instead of making a
    #: cell per amount (``load_table(..., sums=...)``), so that the cell table grows with the
    #: other columns' values, not with the rows.
    sums: tuple[str, ...] = ()
    #: The row filters of the chapter's parameters that its load of the table applies
    #: ("period", "unit": ``enhet``, "age": ``alder_min``/``alder_max``; those the chapter has):
    #: all of them where it loads the table with them (``ctx.filters``), fewer where it reads
    #: the table whole or follows another table's rows (eb_03's offers follow their plannings).
    #: The run's check looks for the chapter's rows in them (:func:`row_filters`).
    selection: tuple[str, ...] = ("period", "unit", "age")

    def __post_init__(self) -> None:
        # a summed amount is only a mean per cell: never a covariate, a presence or an id
        wrong = set(self.sums) - set(self.required) - set(self.optional) or (
            set(self.sums) & {*self.covariates, *self.presence, SEX})
        if self.sums and (wrong or not self.cells or self.linked):
            raise ValueError(f"{self.table}: sums= takes amount columns of a cell table without "
                             f"ids, not {sorted(wrong or self.sums)}.")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the chapter may use from the table (required first)."""
        return tuple(dict.fromkeys((SEX, *self.required, *self.covariates, *self.optional)))


@dataclass(frozen=True)
class Chapter:
    """One chapter of the book: its question, part and data needs."""

    id: str
    needs: tuple[TableNeed, ...] = ()
    #: Reads the other chapters' results (the summary) rather than tables.
    reads_results: bool = False
    #: Reads every table the run has (the audit), so it runs whenever any table exists.
    reads_all_tables: bool = False
    #: At least one of these tables (any one is enough); used with ``reads_all_tables``.
    any_of: tuple[str, ...] = ()
    #: The chapter's own parameters (:data:`PARAMETERS`), by name.
    parameters: dict[str, "Parameter"] = field(default_factory=dict)
    #: The chapter's rule across its own parameters (:data:`TOGETHER`), or None.
    together: str | None = None

    @property
    def title(self) -> str:
        return QUESTIONS[self.id]

    @property
    def part(self) -> str:
        return part(self.id)

    def need(self, table: str) -> TableNeed:
        for n in self.needs:
            if n.table == table:
                return n
        raise KeyError(f"Kapitlet {self.id} läser inte tabellen {table}.")


def _n(table: str, required=(), optional=None, covariates=(), without="", blank_ok=(),
       cells=False, presence=(), linked=False, sums=(), selection=("period", "unit", "age")) -> TableNeed:
    return TableNeed(table, tuple(required), dict(optional or {}), tuple(covariates), without,
                     tuple(blank_ok), cells or linked, tuple(presence), linked, tuple(sums),
                     tuple(selection))


# --- The chapters' own parameters --------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """One of a chapter's own parameters (besides the run's,
    :data:`jamtools.run.params.RUN_PARAMETERS`): its default, as the notebook's parameters cell
    has it, and the chapter's rule for a value."""

    default: object = None
    #: The chapter's own function that checks a value, as ``"module.function"`` of
    #: :mod:`jamtools.chapters` (``"ht.change_year"``), which the chapter itself calls on the
    #: value: it raises ValueError naming the parameter, the value and what to write. None: the
    #: run's rule (:data:`jamtools.run.params.RULES`: ``enhet``, ``alder_min``, ``alder_max``), or
    #: the chapter's rule across its parameters (:data:`TOGETHER`) alone.
    rule: str | None = None
    #: Filled in by the runner (``results_dir``), never by ``jamtools.yml``.
    set_by_run: bool = False
    #: What a value names in the data, for :func:`readiness`: ``"tables"`` (one table or a list
    #: of them, read in place of the chapter's tables in :attr:`replaces`) or ``"columns"`` (one
    #: column or a list of them of the table :attr:`of_table`, which the chapter then needs).
    #: ``"covariates"``: the columns of :attr:`of_table` the chapter adjusts for, in place of the
    #: covariates the catalogue declares (None keeps those; r4_03's ``justera_for``).
    #: None: nothing in the data.
    chooses: Literal["tables", "columns", "covariates"] | None = None
    #: What the parameter chooses, in words: the check's sentence about a table or column it
    #: names that the run lacks says it.
    meaning: str = ""
    #: With ``chooses="tables"``: the chapter's tables a value is read in place of.
    replaces: tuple[str, ...] = ()
    #: With ``chooses="tables"``: the tables a chosen name needs (a name not listed needs only
    #: its own table): the name's part is left out without any of them.
    brings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: With ``chooses="columns"``: the table of the columns, or the name of the chapter's
    #: parameter that chooses it (``"tabell"``).
    of_table: str = ""
    #: The column of :attr:`of_table` whose rows a value selects (um_01's ``roll``, um_02's
    #: ``indikator``; the value as :attr:`rule` writes it is the code), and the chapter's own
    #: function (``"module.function"``) that gives its sentence, for a value, when the table
    #: lacks the column or cannot read it: the check says it too (:func:`readiness`; empty: the
    #: column's optional sentence says it). The check reads the column's codes: where no row
    #: has the value's, the chapter cannot run (it would leave every row out).
    selects: str = ""
    unselected: str = ""
    #: The column of :attr:`of_table` (years) that a value divides into before and from it
    #: (ks_01's ``forandring_ar``), and the chapter's own function (``"module.function"``)
    #: that gives its sentence, for the value and the years the data have, when every row falls
    #: on one side (empty otherwise): the check reads the column's years and says it too.
    divides: str = ""
    one_side: str = ""


def _filters(alder_min=None, alder_max=None) -> dict[str, Parameter]:
    """The parameters that choose the rows a chapter reads (unit and ages), with their defaults."""
    return {"enhet": Parameter(), "alder_min": Parameter(alder_min), "alder_max": Parameter(alder_max)}


#: Each chapter's own parameters, in the order of its notebook's parameters cell (a test checks
#: that the names and defaults are the notebooks'). ``jamtools.yml`` sets them under
#: ``notebooks:``; :func:`parameter_problems` checks a value with the chapter's own rule when the
#: configuration is read, and again when the notebook starts.
PARAMETERS: dict[str, dict[str, Parameter]] = {
    **{q: _filters(0, 17) for q in QUESTIONS if q.startswith("bof_")},
    **{q: _filters() for q in QUESTIONS if q.startswith("eb_")},
    "ht_01_hemtjanst_timmar": _filters(65),
    "ht_02_forandring_over_tid": {**_filters(65), "nytt_arbetssatt_ar": Parameter(2023, "ht.change_year")},
    "ru_01_projektmedel": {"beloppsgranser": Parameter([200000, 400000, 800000], "ru.amount_bounds")},
    "ks_01_instrumentval": {"forandring_ar": Parameter(2024, "ks.change_year", of_table="ks_elever",
                                                       divides="ar", one_side="ks.one_phase_text")},
    "r4_01_representation": {
        "tabell": Parameter(None, "representation.client_tables", chooses="tables",
                            meaning="de klienttabeller kapitlet visar",
                            replaces=("ht_beslut", "eb_klienter", "bof_aktualiseringar")),
        "aldersgranser": Parameter(), "alder_max": Parameter()},
    "r4_02_resurser": {
        **_filters(),
        "tabell": Parameter(None, "resources.resource_tables", chooses="tables",
                            meaning="de resurser kapitlet visar",
                            replaces=("ht_beslut", "eb_planering", "eb_insatser", "ru_ansokningar"),
                            brings={"eb_insatser": ("eb_planering", "eb_insatser")})},
    "r4_03_resultat": {
        **_filters(),
        "tabell": Parameter("eb_utfall", chooses="tables", meaning="tabellen med målindikatorerna",
                            replaces=("eb_utfall",)),
        "malindikatorer": Parameter(chooses="columns", meaning="målindikatorerna", of_table="tabell"),
        "justera_for": Parameter(chooses="covariates", meaning="det som jämförelsen justeras för",
                                 of_table="tabell")},
    "r4_04_olika_grupper": {
        **_filters(),
        "utfall": Parameter("forflyttning", "intersections.outcome_parameter", chooses="columns",
                            meaning="utfallet som jämförs", of_table="eb_utfall")},
    "r4_05_realisera": {"results_dir": Parameter(set_by_run=True)},
    "um_01_sprakbruk": {
        "roll": Parameter(None, "um.note_role", of_table="um_anteckningar", selects="roll",
                          unselected="um.role_not_chosen_text"), "antal_ord": Parameter(15, "um.word_count"),
        "ansvarsord": Parameter(["ansvar", "omsorg", "omvårdnad", "föräldraförmåg"], "um.responsibility_words"),
        "uteslutna_ord": Parameter([], "um.excluded_words"), "prior_styrka": Parameter(None, "um.prior_strength")},
    "um_02_kvalitetsuppfoljning": {
        "enhet": Parameter(), "indikator": Parameter("uppfoljning_i_tid", "um.indicator_name",
                                                     of_table="um_indikatorer", selects="indikator"),
        "baslinje_manader": Parameter(12, "um.baseline_months")},
}
#: A chapter's rule across its own parameters (``"module.function"`` of :mod:`jamtools.chapters`,
#: which the chapter calls too), called with all of them as keywords (also when a value failed
#: its own rule: every problem is said in one pass): the age groups of every client table
#: (r4_01), the goal table's columns (r4_03). It raises every problem it finds in one ValueError
#: (:class:`jamtools.present.parameters.ParameterProblems`).
TOGETHER = {"r4_01_representation": "representation.client_setups", "r4_03_resultat": "goals.goal_spec"}


CHAPTERS: dict[str, Chapter] = {}


def _add(chapter: Chapter) -> None:
    if chapter.id not in QUESTIONS:
        raise KeyError(f"{chapter.id} finns inte bland frågorna")
    CHAPTERS[chapter.id] = replace(chapter, parameters=PARAMETERS.get(chapter.id, {}),
                                   together=TOGETHER.get(chapter.id))


# The entries, in the order of QUESTIONS; tests check that every question has one and that
# every column named exists in the data model.
_AGE_REASON = ("aldersgrupp", "anmalningsorsak")
ENTRIES = (
    # --- Barn och familj -------------------------------------------------------------------
    Chapter("bof_01_utredning_inleds", (
        _n("bof_aktualiseringar", ["utredning_inledd"], {
            "orsakstyp": "uppdelningen efter miljö och beteende utelämnas",
        }, covariates=(*_AGE_REASON, "anmalare"), cells=True),)),
    Chapter("bof_02_utredning_till_insats", (
        _n("bof_utredningar", ["insats_beviljad"], {
            "orsakstyp": "uppdelningen efter miljö och beteende utelämnas",
        }, covariates=_AGE_REASON, cells=True),)),
    # bof_03 adjusts for the reason type of the investigation each insats came from: the link
    # insats -> utredning (utredning_id in both) and orsakstyp in the investigations.
    # Both read as linked cell tables: the ids stay in the engine (jamtools.data.links).
    Chapter("bof_03_typ_av_insats", (
        _n("bof_insatser", ["insatstyp"], {
            "utredning_id": "insatserna kan inte kopplas till sina utredningar, så jämförelsen "
                            "bland insatser efter anmälningar av samma typ (miljö eller beteende) "
                            "utelämnas",
        }, linked=True),
        _n("bof_utredningar", ["utredning_id"], covariates=("orsakstyp",),
           without="insatserna kan inte kopplas till sina utredningar, så jämförelsen bland "
                   "insatser efter anmälningar av samma typ (miljö eller beteende) utelämnas",
           linked=True, selection=()),
    )),
    # bof_04: the reason type compared with and without adjustment for age group; the share of
    # reports from the police with and without adjustment for the reason (needs the reporter).
    Chapter("bof_04_anmalningsorsak_och_anmalare", (
        _n("bof_aktualiseringar", ["anmalningsorsak"], {
            "anmalare": "fördelningen efter vem som anmälde och jämförelsen av anmälningar från "
                        "polisen utelämnas",
        }, covariates=("aldersgrupp", "anmalningsorsak"), cells=True),)),
    # bof_05 compares mothers and fathers within the same investigations: no adjustment.
    Chapter("bof_05_bemotande_av_foraldrar", (
        _n("bof_utredningar", ["mamma_kontaktad", "pappa_kontaktad"], {
            "mamma_finns": "alla utredningar där kontakten med mamman är registrerad jämförs, "
                           "inte bara de där mamman finns i barnets liv",
            "pappa_finns": "alla utredningar där kontakten med pappan är registrerad jämförs, "
                           "inte bara de där pappan finns i barnets liv",
            "mamma_samtal": "jämförelsen av utredningssamtal utelämnas",
            "pappa_samtal": "jämförelsen av utredningssamtal utelämnas",
            "antal_moten_mamma": "jämförelsen av antal möten utelämnas",
            "antal_moten_pappa": "jämförelsen av antal möten utelämnas",
            "foraldrar_sammanboende": "uppdelningen efter om föräldrarna bor ihop utelämnas",
        }, blank_ok=("mamma_kontaktad", "pappa_kontaktad"), cells=True),)),
    # bof_06 follows each report to insats through its investigations: aktualisering_id in
    # both tables (real ids in the reports, not row numbers) links them (step 3). Both read as
    # linked cell tables: the ids stay in the engine (jamtools.data.links).
    Chapter("bof_06_processkarta", (
        _n("bof_aktualiseringar", ["utredning_inledd"], {
            "aktualisering_id": "anmälningarna kan inte följas till utredningarnas beslut, så "
                                "steget från anmälan till insats (hela kedjan) utelämnas",
        }, without="steget från anmälan till utredning och hela kedjan från anmälan till insats "
                   "utelämnas", linked=True),
        _n("bof_utredningar", ["insats_beviljad"], {
            "aktualisering_id": "anmälningarna kan inte följas till utredningarnas beslut, så "
                                "steget från anmälan till insats (hela kedjan) utelämnas",
        }, without="steget från utredning till insats och hela kedjan från anmälan till insats "
                   "utelämnas", linked=True),
    ), any_of=("bof_aktualiseringar", "bof_utredningar")),
    # --- Ekonomiskt bistånd ----------------------------------------------------------------
    Chapter("eb_01_krav", (
        _n("eb_planering", ["aktivitetskrav"], {
            "krav_arbetssokande": "jämförelsen av krav på aktivt arbetssökande utelämnas",
            "sanktion": "jämförelsen av sanktion vid frånvaro utelämnas",
            "hushallstyp": "uppdelningen efter hushållstyp utelämnas",
        }, covariates=("hushallstyp", "ohalsa", "aldersgrupp"), cells=True),)),
    Chapter("eb_02_ohalsa", (
        _n("eb_planering", ["ohalsa"], {
            "anpassad_planering": "jämförelsen av anpassad planering utelämnas",
            "krav_sjukintyg": "jämförelsen av krav på sjukintyg utelämnas",
            "samordning_varden": "jämförelsen av samordning med vården utelämnas",
        }, covariates=("hushallstyp", "aldersgrupp"), cells=True),)),
    Chapter("eb_03_insatser", (
        _n("eb_planering", ["planering_id"], {
            "fodd_i_sverige": "jämförelsen av svenska för invandrare (sfi) utelämnas, eftersom den "
                              "bara gäller utrikes födda",
        }, covariates=("ohalsa",), linked=True),
        _n("eb_insatser", ["planering_id", "insatstyp"], linked=True, selection=()),
    )),
    Chapter("eb_04_foraldraansvar", (
        _n("eb_planering", ["undantag_barnomsorg"], {
            "foraldraledighet_planerad": "jämförelsen av om föräldraledighet togs upp utelämnas",
            "antal_barn": "föräldrarna känns igen på att uppgiften om undantag är ifylld (den är "
                          "tom för klienter utan barn)",
            "hushallstyp": "uppdelningen efter hushållstyp utelämnas",
            "hushall_id": "jämförelsen inom par utelämnas",
        # (a blank exemption marks a client without children: select_parents says so, where the
        # load would call it a missing value)
        }, covariates=("hushallstyp", "antal_barn"), blank_ok=("undantag_barnomsorg",), cells=True,
           linked=True),)),
    Chapter("eb_05_vald_i_nara_relation", (
        _n("eb_planering", ["fragat_om_vald"], {
            "vald_identifierat": "jämförelsen av hur ofta våld identifierades bland dem som fick "
                                 "frågan utelämnas",
            "hushallstyp": "uppdelningen efter hushållstyp utelämnas",
        }, covariates=("hushallstyp", "aldersgrupp"), cells=True),)),
    Chapter("eb_06_sjalvforsorjning", (
        _n("eb_utfall", ["sjalvforsorjande"], {
            "dagar": "tiden till självförsörjning (kurvor, hasardkvot och log-rank-test) "
                     "utelämnas, och andelarna tar inte hänsyn till att klienterna kan ha följts "
                     "olika länge",
            "avslutsorsak": "ett ärende som avslutats utan självförsörjning räknas som annat "
                            "avslut om det har ett slutdatum, annars som pågående",
            "slutdatum": "ärenden utan avslutsorsak räknas som pågående om de inte blev "
                         "självförsörjande",
            "forflyttning": "jämförelsen av förflyttning mot självförsörjning utelämnas",
            "fodd_i_sverige": "uppdelningen av förflyttning efter födelseland utelämnas",
        }, covariates=("hushallstyp", "fodd_i_sverige"), cells=True, presence=("slutdatum",)),)),
    Chapter("eb_07_processkarta", (
        _n("eb_klienter", ["bistand_beviljat"], {
            "person_id": "de sökande kan inte följas till planering och utfall, så stegen efter "
                         "beslutet utelämnas",
            "hushallstyp": "uppdelningen av steget till planering efter hushållstyp utelämnas",
        }, covariates=("hushallstyp",), linked=True),
        # The later tables' steps are adjusted for the applicant's household type (from
        # eb_klienter, by person: eb.applicants_covariates), not for their own.
        _n("eb_planering", ["person_id"], {
            "planering_id": "steget från planering till erbjuden insats utelämnas",
        }, without="stegen från beviljat bistånd till planering och från planering till "
                   "erbjuden insats utelämnas", linked=True, selection=()),
        _n("eb_insatser", ["planering_id"],
           without="steget från planering till erbjuden insats utelämnas", linked=True, selection=()),
        _n("eb_utfall", ["person_id", "sjalvforsorjande"],
           without="steget från beviljat bistånd till självförsörjning och hela kedjan utelämnas",
           linked=True, selection=()),
    )),
    # --- Hemtjänst ---------------------------------------------------------------------------
    Chapter("ht_01_hemtjanst_timmar", (
        _n("ht_beslut", ["beviljade_timmar"], covariates=("adl_beroende", "ensamboende", "alder"),
           cells=True),)),
    Chapter("ht_02_forandring_over_tid", (
        _n("ht_beslut", ["beviljade_timmar", "ar"], covariates=("adl_beroende", "ensamboende", "alder"),
           cells=True, sums=("beviljade_timmar",)),)),
    # --- Regional utveckling, kulturskola ----------------------------------------------------
    Chapter("ru_01_projektmedel", (
        _n("ru_ansokningar", ["beviljad"], {
            "malgrupp": "uppdelningen efter projektets målgrupp utelämnas",
            "sokt_belopp": "jämförelsen av hur stor del av det sökta beloppet som beviljades "
                           "utelämnas",
            "beviljat_belopp": "jämförelsen av beviljade belopp och fördelningen av medlen "
                               "utelämnas",
        }, covariates=("malgrupp", "sokt_belopp"), cells=True),)),
    Chapter("ks_01_instrumentval", (
        _n("ks_elever", ["instrument"], {
            "ar": "jämförelsen före och efter förändringsåret och utvecklingen år för år "
                  "utelämnas; valen jämförs för hela perioden",
        }, cells=True),)),
    # --- 4R ----------------------------------------------------------------------------------
    Chapter("r4_01_representation", (
        _n("befolkning", ["ar", "antal"], {
            "alder": "jämförelsen per åldersgrupp och den åldersstandardiserade kvoten utelämnas; "
                     "bara den råa kvoten visas",
        }, without="andelarna per 1 000 invånare utelämnas; bara könsfördelningen bland "
                   "klienterna visas", cells=True, selection=()),
        *(_n(t, (), {
            "person_id": "varje rad räknas som en person: den som har flera rader samma år "
                         "räknas flera gånger",
            date: "jämförelsen med befolkningen utelämnas (året behövs för att välja rätt år i "
                  "befolkningen); bara könsfördelningen visas",
        }, covariates=("alder",), without=what, cells=True, linked=True, selection=("period",))
          for t, date, what in (
            ("ht_beslut", "beslutsdatum", "hemtjänsten utelämnas"),
            ("eb_klienter", "ansokningsdatum", "ekonomiskt bistånd utelämnas"),
            ("bof_aktualiseringar", "datum", "barn och familj utelämnas"))),
    ), any_of=("ht_beslut", "eb_klienter", "bof_aktualiseringar")),
    Chapter("r4_02_resurser", (
        _n("ht_beslut", ["beviljade_timmar"], covariates=("adl_beroende", "ensamboende", "alder"),
           without="hemtjänsttimmarna utelämnas", cells=True),
        _n("eb_planering", ["planering_id"], covariates=("ohalsa", "hushallstyp", "aldersgrupp"),
           without="insatserna i ekonomiskt bistånd utelämnas", linked=True),
        _n("eb_insatser", ["planering_id"], without="insatserna i ekonomiskt bistånd utelämnas",
           linked=True, selection=("unit", "age")),
        _n("ru_ansokningar", ["beviljat_belopp"], covariates=("malgrupp", "sokt_belopp"),
           without="projektmedlen utelämnas", cells=True),
    ), any_of=("ht_beslut", "eb_insatser", "ru_ansokningar")),
    Chapter("r4_03_resultat", (
        _n("eb_utfall", ["sjalvforsorjande"], {
            "forflyttning": "målet förflyttning mot självförsörjning utelämnas",
        }, covariates=("hushallstyp", "aldersgrupp", "fodd_i_sverige"),
           without="målen i ekonomiskt bistånd (självförsörjning) utelämnas", cells=True),
        _n("um_indikatorer", ["indikator", "taljare", "namnare"],
           without="kvalitetsindikatorerna utelämnas", cells=True, selection=("period", "unit")),
    ), any_of=("eb_utfall", "um_indikatorer")),
    Chapter("r4_04_olika_grupper", (
        _n("eb_utfall", ["forflyttning", "fodd_i_sverige"], {
            "hushallstyp": "grupperna efter hushållstyp utelämnas",
            "alder": "grupperna efter åldersgrupp utelämnas",
            "sjalvforsorjande": "utfallet självförsörjning kan inte väljas (parametern utfall)",
        }, covariates=("aldersgrupp", "hushallstyp"), cells=True),)),
    Chapter("r4_05_realisera", reads_results=True),
    # --- Umeå, könsuppdelad statistik -----------------------------------------------------------
    Chapter("um_01_sprakbruk", (
        # person_id (or a personnummer, which gives it) is required: a word is shown only when
        # it is used about enough different persons (the privacy rule of jamtools.stats.text).
        # A linked cell table: the notes' text and person ids stay in the engine, where the
        # words are counted (jamtools.data.links.rows_view).
        _n("um_anteckningar", ["anteckning", "person_id"], {
            "roll": "uppdelningen efter roll och jämförelsen av hur mammor och pappor beskrivs "
                    "utelämnas",
        }, linked=True),)),
    Chapter("um_02_kvalitetsuppfoljning", (
        _n("um_indikatorer", ["manad", "taljare", "namnare"], {
            "indikator": "alla rader antas gälla samma indikator (den som parametern indikator "
                         "anger)",
        }),)),
    Chapter("hl_01_konsuppdelad_statistik", reads_all_tables=True,
            any_of=tuple(TABLES)),
)

for _entry in ENTRIES:
    _add(_entry)


#: The run's parameters that ``notebooks:`` in ``jamtools.yml`` may set for one chapter (the
#: others are the run's: the folder of the data, and what the runner fills in).
CHAPTER_RUN_PARAMETERS = ("period_start", "period_end", "threshold", "conf_level", "organisation")


def settable_parameters(chapter_id: str) -> list[str]:
    """The names ``notebooks: <chapter_id>:`` in ``jamtools.yml`` may set: the run's parameters
    a chapter may have its own value of, and the chapter's own parameters."""
    own = [n for n, p in CHAPTERS[chapter_id].parameters.items() if not p.set_by_run]
    return [*CHAPTER_RUN_PARAMETERS, *own]


def _rule(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(f"jamtools.chapters.{module}"), name)


def parameter_problems(chapter_id: str, values: Mapping, *, defaults: bool = True) -> list[str]:
    """Every problem of the values ``values`` gives chapter ``chapter_id``: each of its own
    parameters checked by the chapter's own rule (:attr:`Parameter.rule`; the run's rule for
    ``enhet``, ``alder_min`` and ``alder_max``, and for a run parameter given, such as
    ``threshold``), and the chapter's rule across them (:data:`TOGETHER`): every problem of
    every parameter, not only the first.
    With ``defaults`` (``jamtools.yml``'s few values) a parameter not given has its default, as
    the notebook will; without (a notebook's namespace) only the values given are looked at.
    Names not among the chapter's parameters are not looked at here
    (:func:`settable_parameters`). Each problem is the rule's Swedish message: it names the
    parameter and the value, and says what to write.

    Examples
    --------
    >>> parameter_problems("r4_02_resurser", {"tabell": "hemtjanst"})[0][:47]
    "Parametern tabell = 'hemtjanst' känns inte igen"
    """
    chapter = CHAPTERS[chapter_id]
    own = {name: p.default for name, p in chapter.parameters.items()} if defaults else {}
    own.update({k: v for k, v in values.items() if k in chapter.parameters})
    run_problems = run_parameter_problems({k: v for k, v in {**own, **values}.items() if k in RUN_RULES
                                           and (k in own or k in CHAPTER_RUN_PARAMETERS)})
    problems, failed = list(run_problems.values()), set(run_problems)
    for name, parameter in chapter.parameters.items():
        if parameter.rule and name in values:
            try:
                _rule(parameter.rule)(values[name])
            except ValueError as exc:
                problems += messages_of(exc)
                failed.add(name)
    if chapter.together:
        # Also when a value failed its own rule: the others' problems are said in the same pass
        # (a parameter already named by a problem is not named again by the rule across them).
        said = tuple(f"Parametern {name} = " for name in failed)
        try:
            _rule(chapter.together)(**{k: v for k, v in own.items() if not chapter.parameters[k].set_by_run
                                       and k in _keywords(chapter.together)})
        except ValueError as exc:
            problems += [m for m in messages_of(exc) if m not in problems and not m.startswith(said)]
        except (TypeError, KeyError, AttributeError):  # a value its own rule refused, which the
            if not failed:                             # rule across them cannot read
                raise
    return problems


def _keywords(path: str) -> set[str]:
    return set(inspect.signature(_rule(path)).parameters)


def unknown_parameter(chapter_id: str, name: str) -> str:
    """What to say about ``name`` under ``notebooks: <chapter_id>:`` in ``jamtools.yml`` when it
    is not among :func:`settable_parameters` (Swedish; the parameters the chapter has, and the
    closest name when it looks like a misspelling)."""
    chapter = CHAPTERS[chapter_id]
    if name in ("results_path", "config_file") or name in chapter.parameters and chapter.parameters[name].set_by_run:
        return f"{name} fylls i av körningen och anges inte i jamtools.yml."
    if name == "data_dir":
        return ("data_dir gäller hela körningen: ange den överst i filen, inte för ett kapitel (ett "
                "kapitels egen data_dir har aldrig använts: alla kapitel läser körningens tabeller).")
    names = settable_parameters(chapter_id)
    close = difflib.get_close_matches(str(name), names, n=1)
    return (f"okänd parameter {name}.{f' Menade du {close[0]}?' if close else ''} Kapitlet har "
            f"parametrarna: {', '.join(names)}. Kontrollera stavningen.")


def unknown_chapter(chapter_id: str) -> str:
    """What to say about a chapter id under ``notebooks:`` in ``jamtools.yml`` that the catalogue
    does not have (Swedish; the closest id when it looks like a misspelling)."""
    close = difflib.get_close_matches(str(chapter_id), list(CHAPTERS), n=1)
    return (f"okänt kapitel {chapter_id!r}.{f' Menade du {close[0]}?' if close else ''} Kapitlen är: "
            f"{', '.join(CHAPTERS)}.")


Status = Literal["kan_koras", "kan_koras_utan", "kan_inte_koras"]


@dataclass(frozen=True)
class Readiness:
    """Whether a chapter can run on a run's tables, and what it leaves out."""

    chapter: str
    status: Status
    missing: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    adjusted_for: dict[str, tuple[str, ...]] = field(default_factory=dict)
    no_adjustment: tuple[str, ...] = ()

    @property
    def can_run(self) -> bool:
        return self.status != "kan_inte_koras"

    def text(self) -> str:
        """Swedish: *kan köras*, *kan köras utan …*, or *kan inte köras: saknar …*."""
        if self.status == "kan_inte_koras":
            return "kan inte köras: saknar " + "; ".join(self.missing)
        if self.status == "kan_koras_utan":
            return "kan köras utan " + "; ".join(self.left_out)
        return "kan köras"

    def as_dict(self) -> dict:
        return {"chapter": self.chapter, "title": QUESTIONS[self.chapter], "status": self.status,
                "text": self.text(), "missing": list(self.missing), "left_out": list(self.left_out),
                "adjusted_for": {k: list(v) for k, v in self.adjusted_for.items()},
                "no_adjustment": list(self.no_adjustment)}


def _names(value) -> list[str]:
    """A parameter's value as the names it gives (one name or a list; anything else none)."""
    listed = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    return list(dict.fromkeys(v for v in listed if isinstance(v, str)))


@dataclass(frozen=True)
class _Configured:
    """A chapter's needs as its parameters make them (:func:`_configured`)."""

    needs: tuple[TableNeed, ...]
    any_of: tuple[str, ...]
    #: The tables each name of :attr:`any_of` needs (all of them, for its part to be shown).
    parts: dict[str, tuple[str, ...]]
    #: Table, or (table, column) -> (the parameter that chose it, what it chooses in words).
    chosen: dict


def _configured(chapter: Chapter, values: Mapping) -> _Configured:
    """The tables and columns chapter ``chapter`` reads with its parameters ``values``: a table
    named by a parameter that chooses tables (:attr:`Parameter.chooses`) in place of those it
    replaces (a table the catalogue declares for the chapter with its declared columns, another
    as a part the chapter can do without), and the columns named by a parameter that chooses
    columns required of their table (optional when the chapter declares the table: it then
    leaves out a column it lacks). A value that names no table of the data model changes
    nothing (it is the parameter's rule's problem)."""
    needs, any_of, chosen = list(chapter.needs), chapter.any_of, {}
    parts = {t: (t,) for t in any_of}
    declared = {n.table: n for n in chapter.needs}
    for name, p in chapter.parameters.items():
        if p.chooses == "tables":
            parts.update({t: tables for t, tables in p.brings.items() if t in parts})
        names = [t for t in _names(values.get(name)) if t in TABLES]
        if p.chooses != "tables" or not names or values.get(name) == p.default:
            continue
        kept = [n for n in needs if n.table not in p.replaces]
        for t in names:
            chosen[t] = (name, p.meaning)
            for table in p.brings.get(t, (t,)):
                if any(n.table == table for n in kept):
                    continue
                # (read as the tables it replaces are: with their row filters)
                like = next((n for n in chapter.needs if n.table in p.replaces), None)
                need = declared.get(table) or _n(table, without=f"{TABLE_LABELS.get(table, table)} utelämnas",
                                                 **({"selection": like.selection} if like else {}))
                if table == t:
                    need = replace(need, without=f"som parametern {name} väljer: {need.without}")
                kept.append(need)
        needs = kept
        any_of = tuple(dict.fromkeys([*names, *(t for t in any_of if t not in p.replaces)]))
        parts = {t: p.brings.get(t, parts.get(t, (t,))) for t in any_of}
    for name, p in chapter.parameters.items():
        value = values.get(name, p.default)
        if p.chooses == "covariates" and isinstance(value, (str, list, tuple)):
            # the chapter adjusts for these, not the declared ones: the check says what of them
            # the table lacks (or cannot read), and that nothing is adjusted for without them
            table = values.get(p.of_table, chapter.parameters[p.of_table].default) \
                if p.of_table in chapter.parameters else p.of_table
            known = {col.name for col in TABLES[table].columns} if table in TABLES else set()
            chosen_covariates = tuple(c for c in (COVARIATE_NAMES.get(c, c) for c in _names(value))
                                      if _source(c) in known)
            for i, need in enumerate(needs):
                if need.table == table:
                    needs[i] = replace(need, covariates=chosen_covariates)
                    chosen.update({(table, c): (name, p.meaning) for c in chosen_covariates})
            continue
        columns = _names(value)
        if p.chooses != "columns" or not columns:
            continue
        table = p.of_table
        if table in chapter.parameters:  # the table another parameter chooses
            table = values.get(table, chapter.parameters[table].default)
        if not isinstance(table, str) or table not in TABLES:
            continue
        for i, need in enumerate(needs):
            if need.table != table:
                continue
            own = declared.get(table) is need
            wanted = [c for c in columns if c in {col.name for col in TABLES[table].columns}
                      and c not in need.required and c != SEX]
            if not wanted:
                continue
            chosen.update({(table, c): (name, p.meaning) for c in wanted})
            optional = {c: w for c, w in need.optional.items() if own or c not in wanted}
            if own and p.of_table in chapter.parameters:  # the chapter leaves out what it lacks
                optional.update({c: f"som parametern {name} väljer ({p.meaning}): den utelämnas"
                                 for c in wanted if c not in optional})
                needs[i] = replace(need, optional=optional)
            else:
                needs[i] = replace(need, required=(*need.required, *wanted),
                                   optional={c: w for c, w in optional.items() if c not in wanted})
    return _Configured(tuple(needs), any_of, parts, chosen)


def _chosen_text(what: str, how) -> str:
    """``what`` (a table or a column) with the parameter that chose it, in words."""
    return what if how is None else f"{what}, som parametern {how[0]} väljer ({how[1]})"


def required_columns(chapter_ids, parameters: Mapping[str, Mapping] | None = None) -> dict[str, set[str]]:
    """Per table, the columns (besides sex) that some chapter of ``chapter_ids`` cannot do
    without in a row, as its parameters (``parameters``: chapter id -> its values) make its
    needs: a row with a blank there is left out by the chapter's load ("Saknar värde"), so the
    run's check names such blanks (``missing_value``). A required column whose blank means
    something to the chapter (:attr:`TableNeed.blank_ok`) is not among them."""
    out: dict[str, set[str]] = {}
    for cid in chapter_ids:
        ch = CHAPTERS[cid]
        if ch.reads_results or ch.reads_all_tables:
            continue
        own = {k: v for k, v in ((parameters or {}).get(cid) or {}).items() if k in ch.parameters}
        for need in _configured(ch, own).needs:
            out.setdefault(need.table, set()).update(
                c for c in need.required if c != SEX and c not in need.blank_ok)
    return out


def value_columns(chapter_id: str, parameters: Mapping | None = None) -> set[tuple[str, str]]:
    """The columns ``(table, column)`` whose values (codes or years) :func:`readiness` needs for
    chapter ``chapter_id`` with its parameters ``parameters`` (a parameter not given has its
    default): those its parameters select rows by (:attr:`Parameter.selects`) or divide
    (:attr:`Parameter.divides`), where the value is set. The run's check gathers their values
    in its one read of each table, in the chapters' periods (:func:`jamtools.run.check.check_inputs`);
    a code or a year is no personal data."""
    out = set()
    for name, p in CHAPTERS[chapter_id].parameters.items():
        value = (parameters or {}).get(name, p.default)
        for column in (p.selects, p.divides):
            if column and value is not None:
                out.add((p.of_table, column))
    return out


def row_filters(chapter_id: str, parameters: Mapping | None = None) -> dict[str, dict]:
    """Per table chapter ``chapter_id`` reads with its parameters ``parameters`` (a parameter
    not given has its default), the row filters its load of the table applies
    (:attr:`TableNeed.selection`), as :func:`jamtools.data.load_table` takes them: ``period``
    (True: the chapter's period, which the run's configuration gives), ``unit`` (the value of
    ``enhet``) and ``age`` (``(alder_min, alder_max)``), each only where the chapter has the
    parameter, it is set and the table has such a column. The run's check looks for the
    chapter's rows in them (a chapter whose load keeps no row cannot run)."""
    ch = CHAPTERS[chapter_id]
    values = {k: v for k, v in (parameters or {}).items() if k in ch.parameters}

    def value(name):
        return values.get(name, ch.parameters[name].default) if name in ch.parameters else None

    unit, ages = value("enhet"), (value("alder_min"), value("alder_max"))
    out = {}
    for need in _configured(ch, values).needs:
        model = TABLES.get(need.table)
        if model is None:
            continue
        out[need.table] = {
            "period": "period" in need.selection and bool(model.date_column),
            "unit": unit if "unit" in need.selection and model.unit_column else None,
            "age": ages if "age" in need.selection and model.age_column and any(
                a is not None for a in ages) else None}
    return out


def _period_words(period) -> str:
    """A period ``(start, end)`` in words, as the chapters write it."""
    start, end = period or (None, None)
    return f"{start or 'början'} – {end or 'slutet'}"


def _selection_text(period, unit, age) -> str:
    """The rows a chapter chooses, in words: ' under perioden … i enheten … för åldern … år'
    (empty: every row)."""
    out = ""
    if period is not None:
        out += f" under perioden {_period_words(period)}"
    if unit is not None:
        out += f" i enheten {unit}"
    lo, hi = age if age is not None else (None, None)
    if lo is not None or hi is not None:
        out += (f" för åldern {lo}–{hi} år" if lo is not None and hi is not None else
                f" för åldern {lo} år och äldre" if lo is not None else f" för åldern upp till {hi} år")
    return out


def _filter_words(unit, age) -> tuple[str, str]:
    """What other rows the unit and ages of a chapter leave out, and what to change in
    ``jamtools.yml``: ('enheter', 'parametern enhet'), ..."""
    lo, hi = age if age is not None else (None, None)
    has_age = lo is not None or hi is not None
    ages = " och ".join(n for n, v in (("alder_min", lo), ("alder_max", hi)) if v is not None)
    if unit is not None and has_age:
        return "enheter eller åldrar", f"parametrarna enhet och {ages}"
    if unit is not None:
        return "enheter", "parametern enhet"
    return "åldrar", f"{'parametrarna' if ' och ' in ages else 'parametern'} {ages}"


@dataclass(frozen=True)
class Selected:
    """Whether a chapter's load of a table keeps any row, as the run's check found it in its
    one read of the table (:attr:`jamtools.data.check.CheckedTable.rows_in`): the chapter's
    row filters (:func:`row_filters`: ``period``, ``unit``, ``age``), and whether a row is in
    them (``rows``), in the period whatever its unit and age (``in_period``), and has a
    readable date at all (``dated``)."""

    period: tuple | None = None
    unit: str | None = None
    age: tuple | None = None
    rows: bool = True
    in_period: bool = True
    dated: bool = True

    def why_none(self) -> str | None:
        """Why the chapter's load finds no row (Swedish, with what to do), None when it finds
        some."""
        if self.rows:
            return None
        if self.in_period and (self.unit is not None or self.age is not None):
            other, which = _filter_words(self.unit, self.age)
            where = _selection_text(None, self.unit, self.age).strip()
            during = _selection_text(self.period, None, None)
            return (f"{where} har tabellen inga rader{during}, bara i andra {other}: ändra "
                    f"{which} i jamtools.yml")
        if self.period is not None and self.dated:
            return (f"under perioden {_period_words(self.period)} har tabellen inga rader, bara "
                    "utanför den: välj en annan period i jamtools.yml")
        if self.period is not None:
            return "tabellen har inga rader med läsbart datum: rätta datumen i exporten"
        return "tabellen har inga rader"


@dataclass(frozen=True)
class Seen:
    """The values (codes, years) a column of :func:`value_columns` has, as a chapter with a
    period (and a unit, ages: :func:`row_filters`) sees them: ``values`` on rows whose date is
    in ``period``, of the unit and ages (every value when the chapter has no filter, or the
    table cannot apply it), ``other`` on rows of the period in other units or ages only,
    ``outside`` on rows outside the period only (with a readable date), ``undated`` on rows
    without a readable date only. The run's check gathers them in its one read of each table
    (:func:`jamtools.data.load.check_source_parts`' ``distinct``)."""

    values: tuple = ()
    outside: tuple = ()
    #: The chapter's period ``(start, end)`` where it chooses the table's rows; None: no period.
    period: tuple | None = None
    #: Values only on rows without a readable date (in no period), apart from ``outside``.
    undated: tuple = ()
    #: The unit (``enhet``) and ages (``(alder_min, alder_max)``) the chapter chooses the
    #: table's rows by; None: every unit, every age.
    unit: str | None = None
    age: tuple | None = None
    #: Values only on rows of the period in other units or ages (apart from ``outside``).
    other: tuple = ()

    def period_text(self) -> str:
        """The period in words, as the chapters write it."""
        return _period_words(self.period)

    def where_text(self) -> str:
        """The rows the chapter chooses, in words (' under perioden … i enheten …'; empty: all)."""
        return _selection_text(self.period, self.unit, self.age)

    @property
    def filtered(self) -> bool:
        """Whether the chapter chooses rows by unit or ages too."""
        return self.unit is not None or self.age is not None


def _seen(known) -> Seen:
    """``known`` (a :class:`Seen`, or the values as a list) as a :class:`Seen`."""
    return known if isinstance(known, Seen) else Seen(tuple(known))


def _parameter_value(p: Parameter, value):
    """``value`` as the parameter's own rule writes it (a code, a year), or None when the rule
    refuses it (the parameter's problem, said apart)."""
    try:
        return _rule(p.rule)(value) if p.rule else value
    except (ValueError, TypeError):
        return None


def _value_findings(chapter_id: str, need: TableNeed, usable: set[str], parameters: Mapping | None,
                    values: Mapping, selected: "Selected | None" = None) -> tuple[list[str], list[str]]:
    """What the values of the columns the chapter's parameters select or divide say (missing,
    left out), for :func:`readiness`; nothing for a column whose values were not read.
    ``selected``: whether the chapter's rows of the table exist (:class:`Selected`), to say
    that they do where none has a code."""
    missing, left_out = [], []
    for name, p in CHAPTERS[chapter_id].parameters.items():
        given = (parameters or {}).get(name, p.default)
        known = values.get(need.table, {})
        if p.of_table != need.table or given is None:
            continue
        if p.selects and p.selects in usable and p.selects in known:
            seen = _seen(known[p.selects])
            code, codes = _parameter_value(p, given), sorted(str(c) for c in seen.values)
            outside = sorted(str(c) for c in seen.outside)
            undated = sorted(str(c) for c in seen.undated)
            other = sorted(str(c) for c in seen.other)
            # (no code read: nothing known; a period with none, but codes outside it: no rows)
            if code is not None and (codes or outside or undated or other) and str(code) not in codes:
                where = seen.where_text()
                # the rows the chapter chooses, as the subject of a sentence
                scope = " ".join(w for w in (
                    "under perioden" if seen.period else "", f"i enheten {seen.unit}" if seen.unit is not None
                    else "", _selection_text(None, None, seen.age).strip()) if w)
                others, which = _filter_words(seen.unit, seen.age) if seen.filtered else ("", "")
                why = (f"koden finns{' under perioden' if seen.period else ''} bara på rader i andra "
                       f"{others}; " if str(code) in other else
                       "koden finns bara på rader utanför perioden; " if str(code) in outside else
                       "koden finns bara på rader utan läsbart datum; " if str(code) in undated else "")
                if codes:
                    has = (f"bara koden {codes[0]}: ange den" if len(codes) == 1 else
                           f"koderna {', '.join(codes)}: ange en av dem")
                    fix = (f"{why}{scope + ' har data' if scope else 'data har'} {has} för "
                           f"parametern {name} i jamtools.yml"
                           + (", eller ta bort parametern" if p.default is None else "")
                           + (f", eller ändra {which}" if other else "")
                           + (", eller välj en annan period" if outside else ""))
                else:
                    elsewhere = "; ".join(
                        [*([f"i andra {others} koderna {', '.join(other)}"] if other else []),
                         *([f"utanför {'den' if scope == 'under perioden' else 'perioden'} koderna "
                            f"{', '.join(outside)}"] if outside else [])])
                    what = " eller ".join([*([f"ändra {which}"] if other else []),
                                          *(["välj en annan period"] if outside else [])])
                    if selected is not None and selected.rows:  # (rows, all with a blank code)
                        fix = (f"{why}{scope} har tabellen rader, men ingen av dem har ett värde i "
                               f"kolumnen {p.selects}" + (f"; {elsewhere}" if elsewhere else "")
                               + f": fyll i {p.selects} i exporten" + (f" eller {what}" if what else ""))
                    else:
                        fix = (f"{why}{scope} har tabellen inga rader med en kod i {p.selects}"
                               + (f", {elsewhere}" if elsewhere else "") + (f": {what}" if what else ""))
                missing.append(f"rader med {p.selects} = {code} i {need.table}{where} ({fix})")
        if p.divides and p.divides in usable and p.divides in known and p.one_side:
            seen = _seen(known[p.divides])
            year = _parameter_value(p, given)
            years = sorted(int(y) for y in seen.values)
            outside = sorted(int(y) for y in seen.outside)
            sentence = _rule(p.one_side)(year, years) if year is not None and years else ""
            where = (f" Under perioden {seen.period_text()} har data {_span(years, 'läsåret', 'läsåren')}; "
                     f"utanför den {_span(outside)}." if seen.period and outside and years else "")
            if sentence:
                which = (f"ett år från {years[0] + 1} till {years[-1]}" if len(years) > 2 else
                         f"{years[-1]}" if len(years) == 2 else "")
                left_out.append(f"jämförelsen före och efter {year} ({sentence}{where}"
                                + (f" Ange {which} för parametern {name} i jamtools.yml" if which else "")
                                + ")")
            elif year is not None and not years and outside and seen.period:
                left_out.append(f"jämförelsen före och efter {year} (under perioden "
                                f"{seen.period_text()} har tabellen inga rader med läsår, utanför den "
                                f"{_span(outside)}: välj en annan period)")
    return missing, left_out


def _period_without_rows(table: str, usable: set[str], values: Mapping | None) -> "tuple[str, Seen] | None":
    """A column of ``table`` whose values the check gathered in the chapter's period, and its
    :class:`Seen`, when no row of the period has a value in it and rows outside it do; None
    otherwise or when nothing was gathered. Without :class:`Selected` for the table (whether
    the period has rows at all), the chapter's load of the period is taken to find no rows."""
    for column, known in ((values or {}).get(table) or {}).items():
        seen = _seen(known)
        if column in usable and seen.period and not seen.values and (seen.outside or seen.undated):
            return column, seen
    return None


def _span(years, one: str = "", many: str = "") -> str:
    """Sorted years in words: one year, or the first–the last (after ``one`` or ``many``)."""
    if not years:
        return ""
    if len(years) == 1:
        return f"{one} {years[0]}".strip()
    return f"{many} {years[0]}–{years[-1]}".strip()


def readiness(chapter_id: str, tables: dict[str, set[str]], *,
              failed: dict[str, set[str]] | None = None, empty: dict[str, set[str]] | None = None,
              results: bool = True, parameters: Mapping | None = None,
              values: Mapping[str, Mapping[str, list]] | None = None,
              rows: Mapping[str, Selected] | None = None) -> Readiness:
    """Whether chapter ``chapter_id`` can run when the run has ``tables``.

    Parameters
    ----------
    chapter_id : a chapter of :data:`CHAPTERS`.
    tables : table name -> the model's columns it has (given or derived).
    failed : table name -> columns that are errors (most values invalid); a chapter that needs
        one cannot run, an optional one is left out.
    empty : table name -> columns the export gives without a value in any row (not among the
        columns it has; named as such when a chapter needs one).
    results : whether other chapters will produce results (for the summary chapter).
    parameters : the chapter's parameters in ``jamtools.yml`` (others are not looked at). A
        parameter that names tables or columns (:attr:`Parameter.chooses`: r4_01's, r4_02's and
        r4_03's ``tabell``, r4_03's ``malindikatorer``, r4_04's ``utfall``) makes the chapter
        need those: a table or column it names that the run lacks is said, with what the
        parameter chooses in words, as a table or column the chapter lacks.
    values : table name -> column -> the values the data have in it (codes, years), for the
        columns of :func:`value_columns`: a list, or a :class:`Seen` with the chapter's period
        (the values on rows in it, and those only outside it). A code a parameter selects that
        no row in the period has makes the chapter unable to run (it would leave every row
        out), with the codes the period has, and, for a code only outside it, that it is; a
        year a parameter divides the rows by, with every row of the period on one side, leaves
        that comparison out. A column not given is not looked at.
    rows : table name -> whether the chapter's load of the table (its period, unit and ages,
        :func:`row_filters`) keeps any row (:class:`Selected`): a table whose load keeps none
        makes the chapter unable to run (an optional one is left out), with why. A table not
        given is not looked at (but a gathered column with values only outside the period is
        said as such).
    """
    ch = CHAPTERS[chapter_id]
    failed, empty = failed or {}, empty or {}
    if ch.reads_results:
        return Readiness(chapter_id, "kan_koras" if results else "kan_inte_koras",
                         () if results else ("resultat från andra kapitel",))
    if ch.reads_all_tables:
        has = [t for t in ch.any_of if t in tables]
        return Readiness(chapter_id, "kan_koras" if has else "kan_inte_koras",
                         () if has else ("tabeller att granska",))
    setup = _configured(ch, {k: v for k, v in (parameters or {}).items() if k in ch.parameters})
    missing, left_out, no_adj = [], [], []
    adjusted: dict[str, tuple[str, ...]] = {}
    usable_tables = set()
    no_rows: dict[str, str] = {}  # table -> why the chapter's load of it keeps no row
    for need in setup.needs:
        cols = tables.get(need.table)
        if cols is None:
            if need.without:
                left_out.append(f"tabellen {need.table} ({need.without})")
            else:
                missing.append(_chosen_text(f"tabellen {need.table}", setup.chosen.get(need.table)))
            continue
        bad = failed.get(need.table, set())
        usable = set(cols) - bad
        for name, p in ch.parameters.items():  # a value that selects rows by a column it lacks
            value = (parameters or {}).get(name, p.default)
            if p.selects and p.of_table == need.table and value is not None and p.selects not in usable \
                    and p.unselected:
                left_out.append(f"{p.selects} ({_rule(p.unselected)(value)})")
        lacking = [c for c in (SEX, *need.required) if c not in usable]
        if lacking:
            words = ", ".join(_chosen_text(
                f"{c} (ogiltiga värden)" if c in bad else f"{c} (inget värde på någon rad)"
                if c in empty.get(need.table, ()) else c, setup.chosen.get((need.table, c))) for c in lacking)
            if need.without:
                left_out.append(f"tabellen {need.table} ({need.without})"
                                + (f": saknar {words}" if any((need.table, c) in setup.chosen for c in lacking)
                                   else ""))
            else:
                missing.append(f"{need.table}: {words}")
            continue
        for col, what in need.optional.items():
            if col not in usable:
                left_out.append(f"{col} ({what})")
        selected = (rows or {}).get(need.table)
        if selected is not None:  # the chapter's load of its period, unit and ages
            why = selected.why_none()
        else:  # (only the gathered values known: rows with a value in the column)
            outside_only = _period_without_rows(need.table, usable, values)
            column, seen = outside_only if outside_only is not None else (None, None)
            why = None if seen is None else (
                f"under perioden {seen.period_text()} har tabellen inga rader med ett värde i kolumnen "
                f"{column}, bara utanför den: välj en annan period i jamtools.yml" if seen.outside else
                f"tabellen har inga rader med ett värde i kolumnen {column} och ett läsbart datum: "
                "rätta datumen i exporten")
        if why is not None:  # the chapter's load would find no rows of the table
            if need.without:
                left_out.append(f"tabellen {need.table} ({need.without}; {why})")
            else:
                missing.append(f"rader i {need.table} ({why})")
            no_rows[need.table] = why
            continue
        usable_tables.add(need.table)
        if values:
            none_selected, one_side = _value_findings(chapter_id, need, usable, parameters, values, selected)
            missing += none_selected
            left_out += one_side
        if need.covariates:
            present = tuple(c for c in need.covariates if _source(c) in usable)
            adjusted[need.table] = present
            if not present:
                no_adj.append(need.table)
                left_out.append(f"{', '.join(need.covariates)} (ingen justering: kapitlet "
                                "jämför bara utan justering)")
            else:
                for c in need.covariates:
                    if _source(c) not in usable and c not in need.optional:
                        # (a covariate a parameter chose is named with it; an unreadable one so)
                        name = f"{c} (ogiltiga värden)" if _source(c) in bad else c
                        left_out.append(_chosen_text(name, setup.chosen.get((need.table, c)))
                                        + " (justeringen görs utan den)")
    if setup.any_of and not any(set(setup.parts[t]) <= usable_tables for t in setup.any_of):
        # Every table is optional, but the chapter needs at least one of these to say anything.
        named = [t for t in setup.any_of if t in setup.chosen]
        empty_parts = [t for t in setup.any_of if any(p in no_rows for p in setup.parts[t])]
        if empty_parts:  # (tables the run has, without rows in the chapter's selection)
            whys = list(dict.fromkeys(no_rows[p] for t in empty_parts for p in setup.parts[t] if p in no_rows))
            missing.append(f"rader i minst en av tabellerna {', '.join(setup.any_of)} ("
                           + ("; ".join(f"{p}: {no_rows[p]}" for t in empty_parts for p in setup.parts[t]
                                        if p in no_rows) if len(whys) > 1 else
                              whys[0].replace("har tabellen", "har tabellerna", 1) if len(no_rows) > 1
                              else whys[0]) + ")")
        elif named and len(named) == len(setup.any_of):  # all of them chosen by one parameter
            how = setup.chosen[named[0]]
            missing.append(_chosen_text(f"tabellen {named[0]}" if len(named) == 1 else
                                        f"minst en av tabellerna {', '.join(named)}", how))
        else:
            missing.append("minst en av tabellerna " + ", ".join(
                f"{t} (som parametern {setup.chosen[t][0]} väljer: {setup.chosen[t][1]})"
                if t in setup.chosen else t for t in setup.any_of))
    if missing:
        return Readiness(chapter_id, "kan_inte_koras", tuple(missing))
    return Readiness(chapter_id, "kan_koras_utan" if left_out else "kan_koras", (),
                     tuple(left_out), adjusted, tuple(no_adj))


def load(chapter_id: str, table: str, params, *, skip=(), also=(), persons: int | None = None,
         **filters):
    """Load ``table`` for chapter ``chapter_id`` with exactly the columns the catalogue declares.

    ``params`` is the notebook's validated :class:`~jamtools.run.params.Params`; ``filters`` are
    :func:`jamtools.data.load_table`'s ``period``, ``unit`` and ``age``. Rows with problems in
    other columns are kept; the result's ``has(column)`` says which optional columns exist.
    ``skip`` names optional columns or covariates the chapter will not use in this run (r4_01's
    age when the population has none): they are not read, so no row is left out for a problem
    in them. ``also`` names more optional columns (the covariates a parameter chose, r4_03's
    ``justera_for``). ``persons``: :func:`jamtools.data.load_table`'s (the threshold up to
    which persons are counted, where a person can have several rows).
    """
    from jamtools.data import load_table

    chapter = CHAPTERS[chapter_id]
    need = chapter.need(table)
    # The ids kept in the engine for checks of references: only those the chapter's other
    # tables refer to (the rest go with the load's result).
    loaded = load_table(table, data_dir=params.data_dir, config=params.config,
                        columns=(SEX, *need.required), blank_ok=need.blank_ok,
                        optional=tuple(dict.fromkeys(
                            c for c in (*map(_source, need.covariates), *need.optional, *also)
                            if c not in skip)),
                        cells=need.cells, presence=need.presence, linked=need.linked, sums=need.sums,
                        keep_ids_for=tuple(n.table for n in chapter.needs if n.table != table),
                        persons=persons, **filters)
    if "aldersgrupp" in need.covariates and "alder" not in skip:
        add_age_group(loaded)
    return loaded


def add_age_group(loaded) -> None:
    """Add ``aldersgrupp`` (the :data:`DERIVED` covariate) from ``alder`` to a loaded table, in
    place: children's groups for children's tables, adults' groups otherwise. Nothing when the
    table has no age or already has the column."""
    from jamtools.data.derive import ADULT_AGE_GROUPS, CHILD_AGE_GROUPS, age_group
    from jamtools.data.model import CHILD_SEXES

    if not loaded.has("alder") or "aldersgrupp" in loaded.data:
        return
    if loaded.table.sex_values == CHILD_SEXES:
        loaded.data["aldersgrupp"] = age_group(loaded.data["alder"], **CHILD_AGE_GROUPS)
    else:
        loaded.data["aldersgrupp"] = age_group(loaded.data["alder"], **ADULT_AGE_GROUPS)


def load_optional(chapter_id: str, table: str, params, **filters):
    """:func:`load` for a table the chapter can do without (``TableNeed.without``): None when
    the run has no such table, it lacks a required column, or a required column is an error of
    the check (most values unreadable: the check's readiness leaves the table out too); the chapter then leaves that part
    out and says so (the sentence is ``CHAPTERS[chapter_id].need(table).without``)."""
    from jamtools.data import MissingColumns, TableNotSupplied, UnusableColumns

    try:
        return load(chapter_id, table, params, **filters)
    except (TableNotSupplied, MissingColumns, UnusableColumns):
        return None


def covariates(chapter_id: str, table: str, loaded) -> list[str]:
    """The declared covariates that the loaded table has (in the declared order)."""
    return [c for c in CHAPTERS[chapter_id].need(table).covariates if loaded.has(c)]


def column_uses(table: str) -> dict[str, tuple[list[str], list[str]]]:
    """Per column of ``table``: (chapters that cannot run without it, chapters that use it when
    present), as short ids (``bof_02``). For the data-model chapter and ``jamtools init``."""
    out = {c.name: ([], []) for c in TABLES[table].columns}
    for cid, ch in CHAPTERS.items():
        short = "_".join(cid.split("_")[:2])
        for need in ch.needs:
            if need.table != table:
                continue
            required = {SEX, *need.required} if not need.without else set()
            used = {_source(c) for c in need.columns} - required
            for col in out:
                if col in required:
                    out[col][0].append(short)
                elif col in used:
                    out[col][1].append(short)
    return out


#: Where the reader finds what to do about a column the load could not read.
SEE_CHECK = "se kontrollen av indata, som säger hur det rättas"


def unreadable_text(what: str, names, source: str) -> str:
    """'Uppgiften om ålder kunde inte läsas: de flesta värdena i kolumnen 'ålder' i
    befolkning.csv går inte att tolka (se kontrollen av indata, …)' — ``what`` the reader's
    words for the columns, ``names`` the export's own column names."""
    cols = ", ".join(f"'{n}'" for n in dict.fromkeys(names))
    return (f"{what} kunde inte läsas: de flesta värdena i kolumnen {cols}"
            + (f" i {source}" if source else "") + f" går inte att tolka ({SEE_CHECK})")


def omissions(chapter_id: str, table: str, loaded, lacking=(), unreadable=None, parameters=None) -> str:
    """What the chapter leaves out for ``loaded`` (Swedish Markdown; empty when nothing).

    One sentence per optional column the table lacks (the catalogue's own words), and, when the
    table has none of the chapter's covariates, that no same-need comparison can be made.
    ``loaded`` None: the table is left out; ``lacking`` names the required columns it lacks
    when the run has it (else the run has no such table); ``unreadable`` (the
    :class:`jamtools.data.UnusableColumns` the load stopped with) says that the table has
    them but most of their values cannot be read. An optional column the load could not read
    (``loaded.unusable``) is named as such, not as one the data lack. ``parameters``: the
    chapter's own parameters; the table's needs are then those they make (a table or the
    covariates a parameter chose), as :func:`readiness` reads them.
    """
    from jamtools.present.report import covariates_text

    try:
        ch = CHAPTERS[chapter_id]
        own = {k: v for k, v in (parameters or {}).items() if k in ch.parameters}
        # the table as the chapter's parameters make it, as the check's readiness reads them
        need = next((n for n in _configured(ch, own).needs if n.table == table), None) if own else None
        need = need or CHAPTERS[chapter_id].need(table)
    except KeyError:  # a table a parameter chose, as the check's readiness declares it (_configured)
        need = _n(table, without=f"{TABLE_LABELS.get(table, table)} utelämnas")
    if loaded is None:
        if not need.without:
            return ""
        if unreadable is not None and hasattr(unreadable, "unit"):  # (jamtools.data.UnknownUnit)
            return (f"Uppgifterna om {TABLE_LABELS.get(table, table)} har inte enheten "
                    f"{unreadable.unit}: {need.without}.")
        if unreadable is not None:
            return unreadable_text(f"Uppgifterna om {TABLE_LABELS.get(table, table)}",
                                   unreadable.names or unreadable.columns, unreadable.source) \
                + f": {need.without}."
        if lacking:
            return (f"Uppgifterna om {TABLE_LABELS.get(table, table)} saknar "
                    f"{covariates_text(list(lacking))}: {need.without}.")
        return f"Data saknar uppgifter om {TABLE_LABELS.get(table, table)}: {need.without}."
    out = []
    unusable = getattr(loaded, "unusable", {}) or {}
    for col, what in need.optional.items():
        if col in unusable:
            out.append(unreadable_text(f"Uppgiften om {covariates_text([col])}", [unusable[col]],
                                       loaded.source) + f": {what}.")
        elif not loaded.has(col):
            out.append(f"Data saknar uppgift om {covariates_text([col])}: {what}.")
    chosen = need.covariates  # as the parameters chose them (r4_03's justera_for)
    if chosen:
        present = [c for c in chosen if loaded.has(c)]
        absent = [c for c in chosen if not loaded.has(c)]
        for c in absent:
            if _source(c) in unusable and c not in need.optional:
                out.append(unreadable_text(f"Uppgiften om {covariates_text([c])}", [unusable[_source(c)]],
                                           loaded.source) + ".")
        if not present:
            out.append(no_adjustment_text(chosen))
        elif absent:
            out.append(f"Data saknar uppgift om {covariates_text(absent)}: justeringen görs bara "
                       f"för {covariates_text(present)}.")
    return " ".join(out)


def left_out(chapter_id: str, table: str, column: str | None = None) -> str:
    """The catalogue's sentence for what chapter ``chapter_id`` leaves out without ``column``
    of ``table`` (or without the whole table when ``column`` is None).

    Examples
    --------
    >>> left_out("eb_05_vald_i_nara_relation", "eb_planering", "hushallstyp")
    'Data saknar uppgift om hushållstyp: uppdelningen efter hushållstyp utelämnas.'
    """
    from jamtools.present.report import covariates_text

    need = CHAPTERS[chapter_id].need(table)
    if column is None:
        return f"Data saknar uppgifter om {TABLE_LABELS.get(table, table)}: {need.without}."
    return f"Data saknar uppgift om {covariates_text([column])}: {need.optional[column]}."


__all__ = ["omissions", "no_adjustment_text", "load_optional", "CHAPTERS", "Chapter", "TableNeed", "Readiness", "readiness", "Seen", "Selected", "row_filters", "value_columns", "required_columns", "load", "covariates",
           "PARTS", "QUESTIONS", "SUMMARIES", "PARAMETERS", "Parameter", "TOGETHER", "parameter_problems",
           "settable_parameters", "unknown_chapter", "unknown_parameter"]


def toc_parts() -> list[dict]:
    """The book's question parts, from the catalogue: one part per subject (:data:`PARTS`, in
    order) with its chapters in catalogue order, as ``_toc.yml`` lists them."""
    out = []
    for prefix, caption in PARTS.items():
        ids = [q for q in QUESTIONS if q.split("_", 1)[0] == prefix]
        if ids:
            out.append({"caption": caption, "chapters": [{"file": f"notebooks/{q}"} for q in ids]})
    return out


def write_toc(path) -> bool:
    """Rewrite the question parts of the table of contents at ``path`` from the catalogue,
    keeping every other part where it is (the question parts go where the first of them was).
    Returns whether the file changed."""
    import yaml
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    toc = yaml.safe_load(text)
    captions = set(PARTS.values())
    parts = toc.get("parts", [])
    first = next((i for i, p in enumerate(parts) if p.get("caption") in captions), len(parts))
    kept = [p for p in parts if p.get("caption") not in captions]
    before = [p for p in parts[:first] if p.get("caption") not in captions]
    toc["parts"] = before + toc_parts() + kept[len(before):]
    if toc == yaml.safe_load(text):
        return False

    class _Indented(yaml.SafeDumper):  # lists indented under their key, as the file is written
        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)

    head = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    new = head + yaml.dump(toc, Dumper=_Indented, allow_unicode=True, sort_keys=False, indent=2)
    path.write_text(new, encoding="utf-8")
    return True

