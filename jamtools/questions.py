"""The question catalogue: each question's id (the notebook's file stem), its Swedish wording
and the part of the book it belongs to. Mirrors the project's QUESTIONS.md."""
from __future__ import annotations

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
