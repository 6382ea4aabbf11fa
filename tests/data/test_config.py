"""jamtools.yml: the commented example loads; every mistake in 'tables' is an error naming it."""
from __future__ import annotations

from pathlib import Path

import pytest

from jamtools.run.config import load_config
from jamtools.data.model import TABLES
from jamtools.run.params import ParameterError

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_configuration_loads_and_maps_onto_the_model(tmp_path):
    import shutil

    shutil.copy(ROOT / "jamtools.example.yml", tmp_path / "jamtools.yml")
    with pytest.raises(ParameterError, match="data_dir.*exporter"):  # its folder is not there yet
        load_config(tmp_path / "jamtools.yml")
    (tmp_path / "exporter").mkdir()
    cfg = load_config(tmp_path / "jamtools.yml")
    assert cfg.parameters["organisation"] and cfg.parameters["threshold"] >= 3
    assert cfg.tables, "the example shows at least one table"
    for name, spec in cfg.tables.items():
        model = {c.name for c in TABLES[name].columns} | {"personnummer"}
        assert set(spec.get("columns", {}).values()) <= model


@pytest.mark.parametrize("tables, message", [
    ("  hemtjanst: {file: a.csv}\n", "Okänd tabell 'hemtjanst'"),
    ("  ht_beslut: {file: a.csv, encodng: cp1252}\n", "Okända nycklar.*encodng"),
    ("  ht_beslut: {sheet: Blad1}\n", "antingen 'file' eller 'sql'"),
    ("  ht_beslut: {file: a.csv, sql: {url: x, query: y}}\n", "antingen 'file' eller 'sql'"),
    ("  ht_beslut: {sql: {url: x}}\n", "url och query"),
    ("  ht_beslut: {file: a.csv, columns: {Timmar: timmar}}\n", "Timmar: timmar"),
    ("  ht_beslut: {file: a.csv, values: {kon: {K: kvinnor}}}\n", "K: kvinnor"),
    ("  bof_insatser: {file: a.csv, values: {insatstyp: {HVB: hvb}}}\n", "HVB: hvb"),
    ("  ht_beslut: {file: a.csv, values: {timmar: {a: b}}}\n", "timmar är ingen kolumn"),
])
def test_mistakes_in_tables_are_errors(tmp_path, tables, message):
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("tables:\n" + tables, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_config(cfg)


def test_a_correct_mapping_is_accepted(tmp_path):
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("tables:\n  bof_insatser:\n    file: a.csv\n    encoding: cp1252\n    separator: ';'\n"
                   "    columns: {Pnr: personnummer, Typ: insatstyp}\n"
                   "    values: {kon: {F: flicka, '2': kvinna}, insatstyp: {HVB: placering_hvb}}\n",
                   encoding="utf-8")
    assert load_config(cfg).tables["bof_insatser"]["values"]["insatstyp"] == {"HVB": "placering_hvb"}


# --- Run settings and chapter parameters: checked when the file is read --------------------------

def _yml(tmp_path, text: str) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("data_dir: data\n" + text, encoding="utf-8")
    return cfg


@pytest.mark.parametrize("text, message", [
    # the tester's four: each stopped inside the chapter, after the check said "kan köras"
    ("notebooks:\n  r4_02_resurser: {tabell: 5}\n", "'notebooks: r4_02_resurser'.*tabell = 5 känns inte igen"),
    ("notebooks:\n  ru_01_projektmedel: {beloppsgranser: ['200 000 euro', 400000]}\n",
     "'notebooks: ru_01_projektmedel'.*beloppsgranser.*'200 000 euro'"),
    ("threshold: 0\n", "'threshold'.*threshold = 0 ska vara ett heltal ≥ 3"),
    ("notebooks:\n  r4_02_resurser: {tabell: hemtjanst}\n", "tabell = 'hemtjanst' känns inte igen"),
    # the other run settings
    ("threshold: 2.5\n", "threshold = 2.5"),
    ("conf_level: 95\n", "conf_level = 95"),
    ("conf_level: 1.0\n", "conf_level = 1.0"),
    ("organisation: 5\n", "organisation = 5"),
    ("period: {start: 2024-13-01}\n", "'period: start'.*'2024-13-01' är inget datum"),
    ("period: {start: första januari}\n", "'period: start'.*'första januari'"),
    ("period: {start: 2024-06-01, end: 2024-01-01}\n", "2024-06-01.*efter.*2024-01-01"),
    # chapters and parameter names
    ("notebooks:\n  r4_02_resuser: {tabell: ht_beslut}\n", "okänt kapitel 'r4_02_resuser'. Menade du r4_02_resurser"),
    ("notebooks:\n  bof_02_utredning_till_insats: {enhett: Norr}\n", "okänd parameter enhett. Menade du enhet"),
    ("notebooks:\n  bof_02_utredning_till_insats: {data_dir: x}\n", "data_dir gäller hela körningen"),
    ("notebooks:\n  r4_05_realisera: {results_dir: x}\n", "results_dir fylls i av körningen"),
    ("notebooks:\n  bof_02_utredning_till_insats: {threshold: -1}\n", "bof_02.*threshold = -1"),
    ("notebooks:\n  bof_02_utredning_till_insats: {alder_min: 18}\n", "alder_min \\(18\\).*alder_max \\(17\\)"),
    ("notebooks:\n  ht_02_forandring_over_tid: {nytt_arbetssatt_ar: '2023-'}\n", "nytt_arbetssatt_ar = '2023-'"),
    ("notebooks:\n  ru_01_projektmedel: {beloppsgranser: [-5, 200000]}\n", "beloppsgranser.*inte ett belopp.*-5"),
    ("notebooks:\n  ks_01_instrumentval: {forandring_ar: tjugotjugofyra}\n", "forandring_ar = 'tjugotjugofyra'"),
    ("notebooks:\n  r4_04_olika_grupper: {utfall: arbete}\n", "utfall = 'arbete'"),
    ("notebooks:\n  um_01_sprakbruk: {antal_ord: många}\n", "antal_ord = 'många'"),
    ("notebooks:\n  um_02_kvalitetsuppfoljning: {baslinje_manader: 0}\n", "baslinje_manader = 0"),
    ("notebooks:\n  r4_01_representation: {aldersgranser: [65, 18]}\n", "aldersgranser.*stigande"),
    ("notebooks:\n  r4_03_resultat: {malindikatorer: [klar]}\n", "malindikatorer.*klar"),
])
def test_a_bad_setting_is_an_error_when_the_file_is_read(tmp_path, text, message):
    with pytest.raises(ParameterError, match=message):
        load_config(_yml(tmp_path, text))


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    cfg = _yml(tmp_path, "threshold: 0\nconf_level: 2\n"
                         "notebooks:\n  r4_02_resurser: {tabell: 5}\n  r4_03_resultat: {tabell: hemtjanst}\n"
                         "  ht_02_forandring_over_tid: {nytt_arbetssatt_ar: 2023.5}\n"
                         "tables:\n  hemtjanst: {file: a.csv}\n")
    with pytest.raises(ParameterError) as err:
        load_config(cfg)
    text = str(err.value)
    assert text.startswith(f"6 fel i {cfg}:")
    for part in ("threshold = 0", "conf_level = 2", "r4_02_resurser", "r4_03_resultat",
                 "nytt_arbetssatt_ar = 2023.5", "Okänd tabell 'hemtjanst'"):
        assert part in text, part


def test_good_settings_are_read_as_given(tmp_path):
    """Amounts as Swedes write them, None as the handbook writes it, and every parameter at a
    value its chapter accepts: read, and given to the notebooks unchanged."""
    cfg = _yml(tmp_path, "threshold: 3\nconf_level: 0.9\nperiod: {start: 2024-01-01, end: None}\n"
                         "notebooks:\n"
                         "  ru_01_projektmedel: {beloppsgranser: ['200 000', 400000, '1 000 000']}\n"
                         "  r4_02_resurser: {tabell: [ht_beslut, ru_ansokningar], enhet: None}\n"
                         "  ht_02_forandring_over_tid: {nytt_arbetssatt_ar: 2022, threshold: 6,"
                         " period_start: 2023-01-01}\n"
                         "  um_01_sprakbruk: {roll: foralder, antal_ord: 10, uteslutna_ord: [Umeå]}\n")
    config = load_config(cfg)
    assert config.parameters["threshold"] == 3 and config.parameters["period_start"] == "2024-01-01"
    assert config.parameters["period_end"] is None
    assert config.for_notebook("ru_01_projektmedel")["beloppsgranser"] == ["200 000", 400000, "1 000 000"]
    assert config.for_notebook("r4_02_resurser")["enhet"] is None
    ht = config.for_notebook("ht_02_forandring_over_tid")
    assert ht["threshold"] == 6 and ht["period_start"] == "2023-01-01"


def test_settings_an_older_configuration_worked_with_are_read(tmp_path):
    """Settings that worked before every value was checked when the file is read: a year within
    quotes is the year, an amount limit of 0 or given twice changes no class. A chapter's own
    data_dir stays refused: the run never used it (the run's data_dir is every chapter's)."""
    from jamtools.chapters import ht, ks, ru

    cfg = _yml(tmp_path, "notebooks:\n"
                         "  ks_01_instrumentval: {forandring_ar: '2024'}\n"
                         "  ht_02_forandring_over_tid: {nytt_arbetssatt_ar: \"2023\"}\n"
                         "  ru_01_projektmedel: {beloppsgranser: [0, 200000, '200 000', 400000, 800000]}\n")
    config = load_config(cfg)
    assert ks.change_year(config.for_notebook("ks_01_instrumentval")["forandring_ar"]) == 2024
    assert ht.change_year(config.for_notebook("ht_02_forandring_over_tid")["nytt_arbetssatt_ar"]) == 2023
    assert ru.amount_bounds(config.for_notebook("ru_01_projektmedel")["beloppsgranser"]) == [200000, 400000, 800000]
    with pytest.raises(ParameterError, match="data_dir gäller hela körningen.*aldrig använts"):
        load_config(_yml(tmp_path, "notebooks:\n  ks_01_instrumentval: {data_dir: andra}\n"))


def test_a_run_with_a_bad_setting_stops_before_any_chapter(tmp_path):
    """``jamtools run`` and ``jamtools check``: the message, exit code 2, and nothing run or
    written (the check said "kan köras" and the chapter failed inside before)."""
    import subprocess
    import sys

    cfg = _yml(tmp_path, "notebooks:\n  r4_02_resurser: {tabell: 5}\n")
    out = tmp_path / "ut"
    for args in (["run", "--only", "r4_02_resurser", "--out", str(out)], ["check", "--out", str(out)]):
        proc = subprocess.run([sys.executable, "-m", "jamtools", *args, "--config", str(cfg)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 2, proc.stderr
        assert "Fel: 'notebooks: r4_02_resurser'" in proc.stderr and "tabell = 5" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert not out.exists()
