"""A table chosen with a chapter's parameter ``tabell`` (r4_01; r4_03 loads its chosen table the same way) that the check leaves out
(most of a required column's values unreadable, or the table missing): the check says the
chapter runs without it, and the chapter then runs without it and says why, rather than
stopping on the load's error."""
from __future__ import annotations

import pytest

from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from jamtools.run.notebook import setup


def _export(folder, notebooks: str):
    rows = [f"P{i};pers{i};{'X' if i % 3 else ('K' if i % 2 else 'M')};{30 + i % 30};2024-0{1 + i % 9}-10;"
            f"{'kanske' if i % 3 else 'Ja'}" for i in range(40)]  # most sex codes and yes/no unreadable
    (folder / "Planering.csv").write_bytes(
        ("Planeringsnr;Klient;Kön;Ålder;Datum;Ohälsa\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    rows = [f"pers{i};{'K' if i % 2 else 'M'};{20 + i % 40};2024-0{1 + i % 9}-10;Ja" for i in range(60)]
    (folder / "Klienter.csv").write_bytes(
        ("Klient;Kön;Ålder;Ansökningsdatum;Beviljat\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    (folder / "jamtools.yml").write_text(
        "period: {start: 2024-01-01, end: 2024-12-31}\n"
        "tables:\n"
        "  eb_planering:\n    file: Planering.csv\n"
        "    columns: {Planeringsnr: planering_id, Klient: person_id, Kön: kon, Ålder: alder, Datum: datum, "
        "Ohälsa: ohalsa}\n"
        "    values: {kon: {K: kvinna, M: man}, ohalsa: {Ja: '1', Nej: '0'}}\n"
        "  eb_klienter:\n    file: Klienter.csv\n"
        "    columns: {Klient: person_id, Kön: kon, Ålder: alder, Ansökningsdatum: ansokningsdatum, "
        "Beviljat: bistand_beviljat}\n"
        "    values: {kon: {K: kvinna, M: man}, bistand_beviljat: {Ja: '1', Nej: '0'}}\n"
        f"notebooks:\n{notebooks}", encoding="utf-8")
    return folder / "jamtools.yml"


def _page_text(page) -> str:
    return " ".join(str(x) for part in page.parts.values() for x in part)


@pytest.mark.parametrize("chapter,notebooks,run", [
    ("r4_01_representation", "  r4_01_representation:\n    tabell: [eb_klienter, eb_planering]\n",
     lambda ctx: __import__("jamtools.chapters.representation", fromlist=["x"]).who_comes(ctx)),
])
def test_a_chosen_table_the_check_leaves_out_is_left_out_by_the_chapter(tmp_path, chapter, notebooks, run):
    cfg = load_config(_export(tmp_path, notebooks))
    ready = check_inputs(cfg, chapters=[chapter]).chapters[chapter]
    assert ready.can_run, ready.text()
    assert any(x.startswith("tabellen eb_planering") for x in ready.left_out), ready.text()
    ns = {"data_dir": None, "results_path": None, "config_file": str(tmp_path / "jamtools.yml"),
          **cfg.notebook_parameters.get(chapter, {})}
    text = _page_text(run(setup(chapter, ns)))  # runs: not stopped by the unreadable column
    assert "Uppgifterna om planeringar i ekonomiskt bistånd kunde inte läsas" in text
    assert "planeringar i ekonomiskt bistånd utelämnas" in text


def test_the_covariates_justera_for_chooses_are_said_by_the_check_and_the_chapter(tmp_path):
    """r4_03's ``justera_for``: the check names the chosen covariates the table lacks or cannot
    read (and not the declared ones the parameter left out), and the chapter adjusts for the
    same ones and says the same."""
    from jamtools.chapters import goals

    rows = [f"pers{i};{'K' if i % 2 else 'M'};{20 + i % 40};2024-0{1 + i % 9}-10;{'Ja' if i % 5 else 'Nej'};"
            f"{'Ja' if i % 7 else 'Nej'};{'okänd-typ' if i % 3 else 'Ensamstående utan barn'};"
            f"{'Ja' if i % 4 else 'Nej'}" for i in range(200)]  # most household types unreadable
    (tmp_path / "Utfall.csv").write_bytes(
        ("Klient;Kön;Ålder;Start;Självförsörjande;Förflyttning;Hushållstyp;Född i Sverige\r\n"
         + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    (tmp_path / "jamtools.yml").write_text(
        "period: {start: 2024-01-01, end: 2024-12-31}\n"
        "tables:\n  eb_utfall:\n    file: Utfall.csv\n"
        "    columns: {Klient: person_id, Kön: kon, Ålder: alder, Start: startdatum, "
        "Självförsörjande: sjalvforsorjande, Förflyttning: forflyttning, Hushållstyp: hushallstyp, "
        "\"Född i Sverige\": fodd_i_sverige}\n"
        "    values: {kon: {K: kvinna, M: man}, sjalvforsorjande: {Ja: '1', Nej: '0'}, "
        "forflyttning: {Ja: '1', Nej: '0'}, fodd_i_sverige: {Ja: '1', Nej: '0'}, "
        "hushallstyp: {'Ensamstående utan barn': ensamstaende_utan_barn}}\n"
        "notebooks:\n  r4_03_resultat:\n    justera_for: [hushallstyp, enhet, fodelseland]\n",
        encoding="utf-8")
    cfg = load_config(tmp_path / "jamtools.yml")
    ready = check_inputs(cfg, chapters=["r4_03_resultat"]).chapters["r4_03_resultat"]
    said = " ".join(ready.left_out)
    assert ready.can_run and ready.adjusted_for == {"eb_utfall": ("fodd_i_sverige",)}, ready.text()
    assert "hushallstyp (ogiltiga värden), som parametern justera_for väljer" in said
    assert "enhet, som parametern justera_for väljer" in said
    assert "aldersgrupp" not in said  # declared, but not chosen: not the chapter's to use
    ns = {"data_dir": None, "results_path": None, "config_file": str(tmp_path / "jamtools.yml"),
          **cfg.notebook_parameters["r4_03_resultat"]}
    ctx = setup("r4_03_resultat", ns)
    loaded, spec = goals.load_outcomes(ctx, goals.goal_spec(justera_for=ctx.extra["justera_for"]))
    assert goals.adjusted_for(spec, loaded) == ["fodelseland"]
    text = _page_text(goals.goals_reached(ctx))
    assert "Uppgiften om hushållstyp kunde inte läsas" in text
    assert "Data saknar uppgift om hushållstyp och enhet: justeringen görs bara för födelseland." in text


def test_a_role_the_notes_cannot_give_is_said_by_the_check_as_by_the_chapter(tmp_path):
    """um_01's ``roll`` chosen, the notes without a role column: the check says, in the
    chapter's words, that the role cannot be chosen and every note is kept."""
    from jamtools.chapters import um
    from jamtools.run import catalogue

    rows = [f"A{i};pers{i % 30};{'K' if i % 2 else 'M'};2024-03-0{1 + i % 9};Klienten tar ansvar för hemmet"
            for i in range(60)]
    (tmp_path / "Anteckningar.csv").write_bytes(
        ("Nr;Klient;Kön;Datum;Text\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  um_anteckningar:\n    file: Anteckningar.csv\n"
        "    columns: {Nr: anteckning_id, Klient: person_id, Kön: kon, Datum: datum, Text: anteckning}\n"
        "    values: {kon: {K: kvinna, M: man}}\n"
        "notebooks:\n  um_01_sprakbruk:\n    roll: foralder\n", encoding="utf-8")
    cfg = load_config(tmp_path / "jamtools.yml")
    ready = check_inputs(cfg, chapters=["um_01_sprakbruk"]).chapters["um_01_sprakbruk"]
    sentence = um.role_not_chosen_text("foralder")
    assert ready.can_run and f"roll ({sentence})" in ready.left_out, ready.text()
    ns = {"data_dir": None, "results_path": None, "config_file": str(tmp_path / "jamtools.yml"),
          **cfg.notebook_parameters["um_01_sprakbruk"]}
    ctx = setup("um_01_sprakbruk", ns)
    notes, said = um.select_notes(catalogue.load("um_01_sprakbruk", "um_anteckningar", ctx.params),
                                  um.note_role(ctx.extra["roll"]))
    assert said == sentence and notes.n_rows() == 60
    # without the parameter, nothing about choosing a role
    assert not any(x.startswith("roll (Rollen") for x in catalogue.readiness(
        "um_01_sprakbruk", {"um_anteckningar": {"kon", "person_id", "anteckning"}}).left_out)


def _indicator_and_notes_export(folder, notebooks: str):
    rows = [f"Q{i};2024-{1 + i % 12:02d}-01;Genomförandeplan finns;{'K' if i % 2 else 'M'};{10 + i % 5};20"
            for i in range(48)]
    (folder / "Indikatorer.csv").write_bytes(
        ("Rad;Månad;Indikator;Kön;Täljare;Nämnare\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    rows = [f"A{i};pers{i % 30};{'K' if i % 2 else 'M'};2024-03-0{1 + i % 9};Klienten tar ansvar;Klient"
            for i in range(60)]
    (folder / "Anteckningar.csv").write_bytes(
        ("Nr;Klient;Kön;Datum;Text;Roll\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    (folder / "jamtools.yml").write_text(
        "tables:\n  um_indikatorer:\n    file: Indikatorer.csv\n"
        "    columns: {Rad: rad_id, Månad: manad, Indikator: indikator, Kön: kon, Täljare: taljare, "
        "Nämnare: namnare}\n    values: {kon: {K: kvinna, M: man}}\n"
        "  um_anteckningar:\n    file: Anteckningar.csv\n"
        "    columns: {Nr: anteckning_id, Klient: person_id, Kön: kon, Datum: datum, Text: anteckning, "
        "Roll: roll}\n    values: {kon: {K: kvinna, M: man}}\n"
        f"notebooks:\n{notebooks}", encoding="utf-8")
    return folder / "jamtools.yml"


def test_a_code_a_parameter_selects_that_no_row_has_makes_the_chapter_unable_to_run(tmp_path):
    """um_02's ``indikator`` (its default) and um_01's ``roll``, valid codes of the data model
    that the export's rows do not have: the chapter would leave every row out. The check says
    so, with the codes the data have and what to write, and the chapter does not run; a code
    the rows have runs as before."""
    cfg = load_config(_indicator_and_notes_export(tmp_path, "  um_01_sprakbruk:\n    roll: foralder\n"))
    ready = check_inputs(cfg, chapters=["um_01_sprakbruk", "um_02_kvalitetsuppfoljning"]).chapters
    um_02, um_01 = ready["um_02_kvalitetsuppfoljning"], ready["um_01_sprakbruk"]
    assert not um_02.can_run and um_02.missing == (
        "rader med indikator = uppfoljning_i_tid i um_indikatorer (data har bara koden "
        "genomforandeplan_finns: ange den för parametern indikator i jamtools.yml)",), um_02.text()
    assert not um_01.can_run and um_01.missing == (
        "rader med roll = foralder i um_anteckningar (data har bara koden klient: ange den för "
        "parametern roll i jamtools.yml, eller ta bort parametern)",), um_01.text()
    # run alone (not by the runner), the chapter says why it has nothing, and what to do
    from jamtools.chapters import um

    ns = {"data_dir": None, "results_path": None, "config_file": str(tmp_path / "jamtools.yml"),
          "indikator": "uppfoljning_i_tid", "baslinje_manader": 12, "enhet": None}
    page = um.quality_monitoring(setup("um_02_kvalitetsuppfoljning", ns))
    sentence = um.no_indicator_rows_text("uppfoljning_i_tid", ["genomforandeplan_finns"])
    assert sentence.startswith("Ingen rad i data gäller andelen ärenden som följdes upp i tid: raderna "
                               "gäller andelen med genomförandeplan.")
    assert sentence in page.short_answer and sentence in _page_text(page)
    # the codes the data have: chosen, the chapters run (as written in an export: any case)
    cfg = load_config(_indicator_and_notes_export(
        tmp_path, "  um_01_sprakbruk:\n    roll: klient\n"
                  "  um_02_kvalitetsuppfoljning:\n    indikator: Genomförandeplan finns\n"))
    ready = check_inputs(cfg, chapters=["um_01_sprakbruk", "um_02_kvalitetsuppfoljning"]).chapters
    assert all(r.status == "kan_koras" for r in ready.values()), [r.text() for r in ready.values()]


def test_a_change_year_outside_the_data_s_years_is_said_by_the_check_and_the_chapter(tmp_path):
    """ks_01's ``forandring_ar`` after every school year of the export: every pupil is before
    it. The check says the comparison before and after is left out, why, and which year to
    write; the chapter says the same instead of 'en av grupperna saknas'."""
    from jamtools.chapters import ks

    rows = [f"E{i};P{i};{'F' if i % 2 else 'P'};{2021 + i % 3};{['piano', 'fiol', 'gitarr'][i % 3]}"
            for i in range(120)]
    (tmp_path / "Elever.csv").write_bytes(
        ("Elev;Person;Kön;Läsår;Instrument\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    (tmp_path / "jamtools.yml").write_text(
        "tables:\n  ks_elever:\n    file: Elever.csv\n"
        "    columns: {Elev: elev_id, Person: person_id, Kön: kon, Läsår: ar, Instrument: instrument}\n"
        "    values: {kon: {F: flicka, P: pojke}}\n"
        "notebooks:\n  ks_01_instrumentval:\n    forandring_ar: 2030\n", encoding="utf-8")
    cfg = load_config(tmp_path / "jamtools.yml")
    ready = check_inputs(cfg, chapters=["ks_01_instrumentval"]).chapters["ks_01_instrumentval"]
    sentence = ks.one_phase_text(2030, [2021, 2022, 2023])
    assert sentence.startswith("Förändringsåret 2030 ligger efter alla läsår i data (2021–2023)")
    assert ready.can_run and ready.left_out == (
        f"jämförelsen före och efter 2030 ({sentence} Ange ett år från 2022 till 2023 för parametern "
        "forandring_ar i jamtools.yml)",), ready.text()
    ns = {"data_dir": None, "results_path": None, "config_file": str(tmp_path / "jamtools.yml"),
          **cfg.notebook_parameters["ks_01_instrumentval"]}
    page = ks.instrument_choice(setup("ks_01_instrumentval", ns))
    assert sentence in page.short_answer and sentence in _page_text(page)
    assert "en av grupperna saknas" not in _page_text(page)
    # a year within the data's: nothing said, in the check or the chapter
    assert ks.one_phase_text(2022, [2021, 2022, 2023]) == ""
    (tmp_path / "jamtools.yml").write_text(
        (tmp_path / "jamtools.yml").read_text(encoding="utf-8").replace("2030", "2022"), encoding="utf-8")
    assert check_inputs(load_config(tmp_path / "jamtools.yml"),
                        chapters=["ks_01_instrumentval"]).chapters["ks_01_instrumentval"].status == "kan_koras"


def test_a_selected_column_without_a_readable_code_says_nothing_of_codes():
    """No code read (every value unreadable or blank): the check knows nothing of the codes and
    says none; read codes without the chosen one make the chapter unable to run."""
    from jamtools.run import catalogue

    has = {"um_indikatorer": {"kon", "manad", "taljare", "namnare", "indikator"}}
    assert catalogue.readiness("um_02_kvalitetsuppfoljning", has,
                               values={"um_indikatorer": {"indikator": []}}).status == "kan_koras"
    ready = catalogue.readiness("um_02_kvalitetsuppfoljning", has,
                                values={"um_indikatorer": {"indikator": ["genomforandeplan_finns", "x"]}})
    assert not ready.can_run and "data har koderna genomforandeplan_finns, x: ange en av dem" in ready.text()
