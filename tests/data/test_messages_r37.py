"""Messages as the analyst reads them (probes): a sex code's allowed values are the table's own
codes, a period's problem names the file's 'period: start', and output piped to a reader that
stops early ends without a traceback."""
from __future__ import annotations

import pytest

from jamtools.run.config import load_config
from jamtools.run.params import ParameterError


def _yml(tmp_path, text):
    path = tmp_path / "jamtools.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_allowed_sex_codes_are_the_tables_own(tmp_path):
    with pytest.raises(ParameterError) as err:
        load_config(_yml(tmp_path, "tables:\n  eb_planering: {file: a.csv, values: {kon: {K: kvinnor}}}\n"))
    assert "Tillåtna värden: kvinna, man." in str(err.value)
    with pytest.raises(ParameterError) as err:
        load_config(_yml(tmp_path, "tables:\n  bof_insatser: {file: a.csv, values: {kon: {F: flickor}}}\n"))
    assert "Tillåtna värden: flicka, pojke." in str(err.value)
    # a children's table reads the adults' codes too; an adults' table not the children's
    load_config(_yml(tmp_path, "tables:\n  bof_insatser: {file: a.csv, values: {kon: {F: kvinna}}}\n"))
    with pytest.raises(ParameterError, match="F: flicka"):
        load_config(_yml(tmp_path, "tables:\n  ht_beslut: {file: a.csv, values: {kon: {F: flicka}}}\n"))


def test_a_period_problem_names_what_the_file_says(tmp_path):
    with pytest.raises(ParameterError) as err:
        load_config(_yml(tmp_path, "period: {start: 2024-13-01, end: 2024-06-30}\n"))
    assert "'period: start'" in str(err.value) and "period_start" not in str(err.value)
    with pytest.raises(ParameterError) as err:
        load_config(_yml(tmp_path, "period: {start: 2024-12-01, end: 2024-06-30}\n"))
    assert "period_start" not in str(err.value) and "period_end" not in str(err.value) and "'period: start' (2024-12-01)" in str(err.value)


def test_a_reader_that_stops_early_ends_the_command_quietly(monkeypatch):
    import sys

    from jamtools.run.cli import console_main

    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert console_main(["model-doc"]) == 1
