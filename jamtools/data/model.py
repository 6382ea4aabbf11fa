"""The data model: every table the questions need, its columns, types and allowed values.

Defined once here and used by validation (``jamtools.data.load``), by the synthetic-data
generator and by the book's data-model chapter. Column names are Swedish without diacritics
because they map onto Swedish case-management exports; descriptions are the Swedish text the
book shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a table in the data model.

    ``dtype`` is one of ``"id"``, ``"str"``, ``"category"``, ``"int"``, ``"float"``, ``"bool"``,
    ``"date"``. Whether a chapter needs the column is not a property of the column: each chapter
    declares it in :mod:`jamtools.run.catalogue`. ``allowed`` lists the canonical values of a category column; ``min``/``max``
    bound a numeric one. ``sensitive`` marks columns whose values must never reach an output
    (names, free text, personnummer).
    """

    name: str
    dtype: str
    description: str
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    sensitive: bool = False
    references: str | None = None  # "table.column" that this id must exist in
    #: Another numeric column of the same row that this one cannot exceed (a numerator and its
    #: denominator): a row where it does has an impossible value, when both are read.
    at_most: str | None = None
    #: A yes/no column of the same row: where it is no, this amount must be 0 (a rejected
    #: application granted money contradicts itself). A row where it is not has an impossible
    #: value, when both are read.
    zero_unless: str | None = None
    #: A date column of the same row that this date cannot be before (an end before its start):
    #: a row where it is has an impossible value, when both are read.
    not_before: str | None = None
    #: A yes/no column of the same row: this one can be yes only where that one is (a mother
    #: contacted where there is no mother). A row where it is not has an impossible value, when
    #: both are read.
    only_if: str | None = None
    #: Two date columns of the same row, (start, end): this whole number of days is the days
    #: from the one to the other where both are given. A row where it is not has an impossible
    #: value, when all three are read.
    days_between: tuple[str, str] | None = None
    #: A value above this is possible but so unusual that the check names its rows (an amount
    #: typed in öre, or with a zero too many), and keeps them.
    warn_above: float | None = None
    #: ``allowed`` lists the codes the handbook knows, not every possible value: another value
    #: is kept as given (an instrument the model does not list), not an unknown code.
    open_codes: bool = False


@dataclass(frozen=True)
class Table:
    """A table of the data model: its key, the date that places a row in a period, its columns."""

    name: str
    description: str
    key: str
    columns: tuple[Column, ...]
    date_column: str | None = None
    sex_values: tuple[str, ...] = ("kvinna", "man")
    unit_column: str | None = None
    age_column: str | None = "alder"
    domain: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"Tabellen {self.name} har ingen kolumn {name!r}")


#: The column that holds sex in every table of the data model.
SEX = "kon"
#: Registered sex of a child, in the data model's codes.
CHILD_SEXES = ("flicka", "pojke")
#: Registered sex of an adult.
ADULT_SEXES = ("kvinna", "man")
#: Parents, as the chapters about mothers and fathers name them.
PARENT_SEXES = ("mamma", "pappa")
#: A sex the export does not give as one of the model's codes (counted, never compared).
UNKNOWN_SEX = "okant"

#: Report reasons and whether they concern the child's environment or own behaviour.
BOF_REASONS = {
    "vald_i_familjen": "miljo",
    "brister_i_omsorgen": "miljo",
    "foraldrars_missbruk": "miljo",
    "konflikt_i_familjen": "miljo",
    "psykisk_ohalsa": "beteende",
    "skolfranvaro": "beteende",
    "eget_missbruk": "beteende",
    "kriminalitet": "beteende",
}
BOF_REPORTERS = (
    "skola", "forskola", "polis", "halso_och_sjukvard", "socialtjansten", "anhorig", "ovriga",
)
BOF_INSATS_TYPES = (
    "familjebehandling", "samtalsstod", "kontaktperson_familj", "strukturerad_oppenvard",
    "placering_familjehem", "placering_hvb",
)
BOF_UNITS = ("Norr", "Söder", "Öster", "Väster")

_sex = Column("kon", "category", "Barnets kön (juridiskt kön enligt folkbokföringen).",
              allowed=CHILD_SEXES)
_age = Column("alder", "int", "Barnets ålder i hela år vid aktualiseringen.", min=0, max=20)
_unit = Column("enhet", "category", "Enhet eller arbetsgrupp som handlade ärendet.")
_reason = Column("anmalningsorsak", "category", "Huvudsaklig orsak i anmälan.",
                 allowed=tuple(BOF_REASONS))
_reason_type = Column("orsakstyp", "category",
                      "Om orsaken gäller barnets miljö eller barnets eget beteende.",
                      allowed=("miljo", "beteende"))
_reporter = Column("anmalare", "category", "Vem som anmälde (instans).", allowed=BOF_REPORTERS)
_person = Column("person_id", "id", "Pseudonym för barnet (ersätter personnumret vid inläsning).")

BOF_AKTUALISERINGAR = Table(
    name="bof_aktualiseringar",
    description="Anmälningar och andra aktualiseringar som gäller barn, en rad per aktualisering.",
    key="aktualisering_id",
    date_column="datum",
    sex_values=CHILD_SEXES,
    unit_column="enhet",
    domain="bof",
    columns=(
        Column("aktualisering_id", "id", "Aktualiseringens id."),
        _person, _sex, _age,
        Column("datum", "date", "Datum då anmälan kom in."),
        _unit, _reason, _reason_type, _reporter,
        Column("utredning_inledd", "bool", "1 om utredning inleddes (11 kap. 1 § SoL), annars 0."),
    ),
)

BOF_UTREDNINGAR = Table(
    name="bof_utredningar",
    description="Utredningar om barn, en rad per utredning, med kontakter med föräldrarna.",
    key="utredning_id",
    date_column="startdatum",
    sex_values=CHILD_SEXES,
    unit_column="enhet",
    domain="bof",
    columns=(
        Column("utredning_id", "id", "Utredningens id."),
        Column("aktualisering_id", "id", "Aktualiseringen som ledde till utredningen.",
               references="bof_aktualiseringar.aktualisering_id"),
        _person, _sex, _age,
        Column("startdatum", "date", "Datum då utredningen inleddes."),
        Column("slutdatum", "date", "Datum då utredningen avslutades.", not_before="startdatum"),
        _unit, _reason, _reason_type, _reporter,
        Column("insats_beviljad", "bool", "1 om utredningen ledde till beslut om insats, annars 0."),
        Column("foraldrar_sammanboende", "bool", "1 om barnets föräldrar bor tillsammans."),
        Column("mamma_finns", "bool", "1 om barnet har en mamma med vårdnad eller umgänge."),
        Column("pappa_finns", "bool", "1 om barnet har en pappa med vårdnad eller umgänge."),
        Column("mamma_kontaktad", "bool", "1 om mamman kontaktades under utredningen.",
               only_if="mamma_finns"),
        Column("pappa_kontaktad", "bool", "1 om pappan kontaktades under utredningen.",
               only_if="pappa_finns"),
        Column("mamma_samtal", "bool", "1 om utredaren hade utredningssamtal med mamman.",
               only_if="mamma_finns"),
        Column("pappa_samtal", "bool", "1 om utredaren hade utredningssamtal med pappan.",
               only_if="pappa_finns"),
        Column("antal_moten_mamma", "int", "Antal möten med mamman under utredningen.", min=0, max=100),
        Column("antal_moten_pappa", "int", "Antal möten med pappan under utredningen.", min=0, max=100),
    ),
)

BOF_INSATSER = Table(
    name="bof_insatser",
    description="Beslutade insatser efter utredning, en rad per insats.",
    key="insats_id",
    date_column="startdatum",
    sex_values=CHILD_SEXES,
    unit_column="enhet",
    domain="bof",
    columns=(
        Column("insats_id", "id", "Insatsens id."),
        Column("utredning_id", "id", "Utredningen som ledde till insatsen.",
               references="bof_utredningar.utredning_id"),
        _person, _sex, _age,
        Column("startdatum", "date", "Datum då insatsen beslutades."),
        _unit,
        Column("insatstyp", "category", "Typ av insats.", allowed=BOF_INSATS_TYPES),
    ),
)


HT_BESLUT = Table(
    name="ht_beslut",
    description="Beslut om hemtjänst, en rad per beslut, med beviljad tid och behov.",
    key="beslut_id",
    date_column="beslutsdatum",
    sex_values=ADULT_SEXES,
    unit_column="enhet",
    domain="ht",
    columns=(
        Column("beslut_id", "id", "Beslutets id."),
        Column("person_id", "id", "Pseudonym för brukaren (ersätter personnumret vid inläsning)."),
        Column("kon", "category", "Brukarens kön (juridiskt kön).", allowed=ADULT_SEXES),
        Column("alder", "int", "Brukarens ålder i hela år vid beslutet.", min=0, max=120),
        Column("beslutsdatum", "date", "Datum för beslutet."),
        Column("ar", "int", "Året beslutet gäller.", min=1990, max=2100),
        Column("enhet", "category", "Biståndsenhet som fattade beslutet."),
        Column("adl_beroende", "int",
               "Antal personliga ADL-aktiviteter (av sex) där brukaren behöver hjälp.", min=0, max=6),
        Column("ensamboende", "bool", "1 om brukaren bor ensam, 0 om med make/maka/sambo."),
        Column("beviljade_timmar", "float", "Beviljad hemtjänsttid, timmar per månad.",
               min=0, max=744),
    ),
)

EB_HOUSEHOLDS = ("ensamstaende_utan_barn", "ensamstaende_med_barn", "sammanboende_utan_barn",
                 "sammanboende_med_barn")
EB_INSATS_TYPES = ("arbetsmarknadsinsats", "praktik", "studier", "sfi",
                   "budget_och_skuldradgivning", "stod_vid_ohalsa")
EB_END_REASONS = ("sjalvforsorjande", "annan_ersattning", "flyttat", "ovrigt", "pagaende")

_eb_person = Column("person_id", "id", "Pseudonym för klienten (ersätter personnumret vid inläsning).",
                    references="eb_klienter.person_id")
_eb_sex = Column("kon", "category", "Klientens kön (juridiskt kön).", allowed=ADULT_SEXES)
_eb_age = Column("alder", "int", "Klientens ålder i hela år vid ansökan.", min=16, max=110)
_eb_unit = Column("enhet", "category", "Enhet som handlägger ärendet.")
_eb_household = Column("hushallstyp", "category", "Hushållets sammansättning.", allowed=EB_HOUSEHOLDS)
_eb_children = Column("antal_barn", "int", "Antal barn under 18 år i hushållet.",
                      min=0, max=20)
_eb_born = Column("fodd_i_sverige", "bool", "1 om klienten är född i Sverige, 0 om utrikes född.")

EB_KLIENTER = Table(
    name="eb_klienter",
    description="Klienter och hushåll som ansökt om ekonomiskt bistånd, en rad per klient (den "
                "första ansökan under perioden), med beslutet. Sammanboende som båda är klienter "
                "har samma `hushall_id`.",
    key="person_id",
    date_column="ansokningsdatum",
    sex_values=ADULT_SEXES,
    unit_column="enhet",
    domain="eb",
    columns=(
        Column("person_id", "id", "Pseudonym för klienten (ersätter personnumret vid inläsning)."),
        Column("hushall_id", "id", "Hushållets id; samma för sammanboende klienter."),
        _eb_sex, _eb_age,
        Column("ansokningsdatum", "date", "Datum för ansökan."),
        _eb_unit, _eb_household, _eb_children, _eb_born,
        Column("bistand_beviljat", "bool", "1 om ansökan beviljades (helt eller delvis), annars 0."),
    ),
)

EB_PLANERING = Table(
    name="eb_planering",
    description="Planering med klienter i ekonomiskt bistånd, en rad per klient och planering: "
                "krav, hänsyn till ohälsa, föräldraskap och frågor om våld. Kolumner som bara "
                "gäller vissa klienter (till exempel de med ohälsa) är tomma för övriga.",
    key="planering_id",
    date_column="datum",
    sex_values=ADULT_SEXES,
    unit_column="enhet",
    domain="eb",
    columns=(
        Column("planering_id", "id", "Planeringens id."),
        _eb_person,
        Column("hushall_id", "id", "Hushållets id; samma för sammanboende klienter."),
        _eb_sex, _eb_age,
        Column("datum", "date", "Datum för planeringen."),
        _eb_unit, _eb_household, _eb_children, _eb_born,
        Column("ohalsa", "bool", "1 om klienten har dokumenterad fysisk eller psykisk ohälsa."),
        Column("aktivitetskrav", "bool", "1 om krav på deltagande i aktivitet ställdes."),
        Column("krav_arbetssokande", "bool", "1 om krav på aktivt arbetssökande ställdes."),
        Column("sanktion", "bool", "1 om biståndet sattes ned på grund av frånvaro från aktivitet; "
               "tomt om inget aktivitetskrav ställdes."),
        Column("anpassad_planering", "bool", "1 om planeringen anpassades till ohälsan; tomt om "
               "ohälsa inte finns dokumenterad."),
        Column("krav_sjukintyg", "bool", "1 om läkarintyg (sjukintyg) krävdes för ohälsan; tomt "
               "om ohälsa inte finns dokumenterad."),
        Column("samordning_varden", "bool", "1 om planeringen samordnades med hälso- och sjukvården "
               "och följdes upp; tomt om ohälsa inte finns dokumenterad."),
        Column("undantag_barnomsorg", "bool", "1 om klienten undantogs från aktivitet för att ta "
               "hand om barn; tomt för klienter utan barn."),
        Column("foraldraledighet_planerad", "bool", "1 om föräldraledighet (eller vård av barn) "
               "togs upp i planeringen; tomt för klienter utan barn."),
        Column("fragat_om_vald", "bool", "1 om handläggaren frågade om våld i nära relation."),
        Column("vald_identifierat", "bool", "1 om våld i nära relation identifierades; tomt om "
               "klienten inte tillfrågades."),
    ),
)

EB_INSATSER = Table(
    name="eb_insatser",
    description="Insatser som erbjudits klienter i ekonomiskt bistånd efter planering, en rad "
                "per erbjuden insats.",
    key="insats_id",
    date_column="startdatum",
    sex_values=ADULT_SEXES,
    unit_column="enhet",
    domain="eb",
    columns=(
        Column("insats_id", "id", "Insatsens id."),
        Column("planering_id", "id", "Planeringen där insatsen erbjöds.",
               references="eb_planering.planering_id"),
        _eb_person, _eb_sex, _eb_age,
        Column("startdatum", "date", "Datum då insatsen erbjöds."),
        _eb_unit,
        Column("insatstyp", "category", "Typ av insats.", allowed=EB_INSATS_TYPES),
    ),
)

EB_UTFALL = Table(
    name="eb_utfall",
    description="Utfall för klienter som beviljats ekonomiskt bistånd: tid från start till "
                "självförsörjning, till annat avslut eller till uppföljningens slut.",
    key="person_id",
    date_column="startdatum",
    sex_values=ADULT_SEXES,
    unit_column="enhet",
    domain="eb",
    columns=(
        _eb_person, _eb_sex,
        Column("alder", "int", "Klientens ålder i hela år vid start.", min=16, max=110),
        Column("startdatum", "date", "Början av perioden med bistånd."),
        Column("slutdatum", "date", "Datum då ärendet avslutades; tomt om det pågår.",
               not_before="startdatum"),
        _eb_unit, _eb_household, _eb_born,
        Column("dagar", "int", "Dagar från start till självförsörjning, annat avslut eller "
               "uppföljningens slut.", min=0, max=3660, days_between=("startdatum", "slutdatum")),
        Column("sjalvforsorjande", "bool",
               "1 om klienten blev självförsörjande, 0 om ärendet avslutades av annat skäl eller "
               "pågick när uppföljningen slutade."),
        Column("avslutsorsak", "category", "Varför ärendet avslutades (`pagaende` om det pågår).", allowed=EB_END_REASONS),
        Column("forflyttning", "bool", "1 om klienten kommit närmare självförsörjning (arbete "
               "eller studier på deltid, praktik) under uppföljningen."),
    ),
)

KS_INSTRUMENTS = ("piano", "gitarr", "fiol", "cello", "flojt", "trummor", "elbas", "sang",
                  "trumpet", "klarinett")

KS_ELEVER = Table(
    name="ks_elever",
    description="Elever i kulturskolan, en rad per elev, termin och instrument.",
    key="elev_id",
    date_column="terminsstart",
    sex_values=CHILD_SEXES,
    domain="ks",
    columns=(
        Column("elev_id", "id", "Id för eleven och terminen."),
        Column("person_id", "id", "Pseudonym för eleven (ersätter personnumret vid inläsning)."),
        Column("kon", "category", "Elevens kön (juridiskt kön).", allowed=CHILD_SEXES),
        Column("alder", "int", "Elevens ålder i hela år.", min=4, max=25),
        Column("terminsstart", "date", "Första dagen på terminen."),
        Column("ar", "int", "Läsåret (året terminen börjar).", min=1990, max=2100),
        Column("instrument", "category", "Instrument eller ämne eleven valt (andra instrument än de "
               "listade läses som de står).", allowed=KS_INSTRUMENTS, open_codes=True),
    ),
)

RU_ANSOKNINGAR = Table(
    name="ru_ansokningar",
    description="Ansökningar om projektmedel och bidrag, en rad per ansökan, med "
                "projektledarens kön och beslut.",
    key="ansokan_id",
    date_column="ansokningsdatum",
    sex_values=ADULT_SEXES,
    age_column=None,
    domain="ru",
    columns=(
        Column("ansokan_id", "id", "Ansökans id."),
        Column("kon", "category", "Projektledarens kön (juridiskt kön).", allowed=ADULT_SEXES),
        Column("ansokningsdatum", "date", "Datum då ansökan kom in."),
        Column("malgrupp", "category", "Projektets huvudsakliga målgrupp.",
               allowed=("kvinnor", "man", "alla", "unga")),
        Column("sokt_belopp", "float", "Sökt belopp, kronor.", min=0, max=1e9, warn_above=1e7),
        Column("beviljad", "bool", "1 om ansökan beviljades."),
        Column("beviljat_belopp", "float", "Beviljat belopp, kronor (0 vid avslag; högst det sökta "
               "beloppet).", min=0, max=1e9, at_most="sokt_belopp", zero_unless="beviljad",
               warn_above=1e7),
    ),
)

BEFOLKNING = Table(
    name="befolkning",
    description="Befolkningen efter kön och ålder (till exempel från SCB), för andelar per "
                "1 000 invånare. En rad per år, kön och ålder.",
    key="rad_id",
    sex_values=ADULT_SEXES,
    domain="pop",
    columns=(
        Column("rad_id", "id", "Radens id (år, kön och ålder)."),
        Column("ar", "int", "År.", min=1990, max=2100),
        Column("kon", "category", "Kön (kvinna/man; barn räknas med samma koder).", allowed=ADULT_SEXES),
        Column("alder", "int", "Ålder i hela år.", min=0, max=120),
        Column("antal", "int", "Antal invånare.", min=0, max=1e8),
    ),
)

UM_ANTECKNINGAR = Table(
    name="um_anteckningar",
    description="Journalanteckningar i fritext, en rad per anteckning, med kön och roll för den "
                "som beskrivs. Texten lämnar aldrig analysen: bara ordräkningar visas.",
    key="anteckning_id",
    date_column="datum",
    sex_values=ADULT_SEXES,
    age_column=None,
    domain="um",
    columns=(
        Column("anteckning_id", "id", "Anteckningens id."),
        Column("person_id", "id", "Pseudonym för den som beskrivs."),
        Column("kon", "category", "Kön för den som beskrivs.", allowed=ADULT_SEXES),
        Column("roll", "category", "Roll för den som beskrivs.", allowed=("foralder", "klient")),
        Column("datum", "date", "Datum för anteckningen."),
        Column("anteckning", "str", "Anteckningens text (fritext, känslig).", sensitive=True),
    ),
)

UM_INDIKATORER = Table(
    name="um_indikatorer",
    description="Kvalitetsindikatorer per månad och kön, redan sammanräknade: täljare och nämnare.",
    key="rad_id",
    date_column="manad",
    sex_values=ADULT_SEXES,
    age_column=None,
    unit_column="enhet",
    domain="um",
    columns=(
        Column("rad_id", "id", "Radens id (månad, enhet, indikator och kön)."),
        Column("manad", "date", "Månadens första dag."),
        Column("enhet", "category", "Enhet."),
        Column("indikator", "category", "Indikatorns namn.",
               allowed=("uppfoljning_i_tid", "genomforandeplan_finns")),
        Column("kon", "category", "Kön.", allowed=ADULT_SEXES),
        Column("taljare", "int", "Antal som uppfyller indikatorn (högst nämnaren).", min=0, max=1e7,
               at_most="namnare"),
        Column("namnare", "int", "Antal som indikatorn gäller.", min=0, max=1e7),
    ),
)

#: Every table of the model, by name.
TABLES: dict[str, Table] = {t.name: t for t in (BOF_AKTUALISERINGAR, BOF_UTREDNINGAR, BOF_INSATSER,
                                                 HT_BESLUT, EB_KLIENTER, EB_PLANERING, EB_INSATSER,
                                                 EB_UTFALL, KS_ELEVER,
                                                 RU_ANSOKNINGAR, BEFOLKNING, UM_ANTECKNINGAR,
                                                 UM_INDIKATORER)}



def code_levels(observed, *, table: str | None = None, column: str | None = None) -> tuple:
    """The levels of a category column a table of groups lists, empty or not: the data
    model's codes for ``table.column`` where it has a code list (``allowed``), then any other
    value ``observed`` holds; otherwise the values observed, sorted. Missing values are no level.

    A table that lists only the groups the data have tells a reader which small groups exist
    even when every value is hidden; one that lists every level's group does not.

    >>> code_levels(["ensamstaende_med_barn"], table="eb_utfall", column="hushallstyp")[:2]
    ('ensamstaende_utan_barn', 'ensamstaende_med_barn')
    >>> code_levels(["b", "a", None, "a"])
    ('a', 'b')
    """
    import pandas as pd

    seen = [v for v in dict.fromkeys(observed) if not pd.isna(v)]  # (pd.NA == pd.NA is no bool)
    allowed = ()
    if table in TABLES and column is not None:
        try:
            allowed = TABLES[table].column(column).allowed or ()
        except KeyError:
            allowed = ()
    extra = sorted((v for v in seen if v not in allowed), key=str)
    return (*allowed, *extra)
