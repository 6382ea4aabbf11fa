"""The run configuration, ``jamtools.yml``: organisation, period, disclosure threshold,
confidence level, where the data are, and per-notebook parameters.

Paths in the file are relative to the file itself. Unknown keys are errors, not warnings: a
misspelt ``treshold`` must not silently fall back to the default. Every value is checked when
the file is read (:func:`load_config`), by the same rules the notebooks apply, so that a wrong
value stops the run before any chapter runs, with every problem of the file in one message.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jamtools.data.load import DEMO_DATA_DIR
from jamtools.run.params import RUN_PARAMETERS, ParameterError
from jamtools.run.params import parameter_problems as run_parameter_problems

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = DEMO_DATA_DIR

_TOP_KEYS = {"organisation", "period", "threshold", "conf_level", "data_dir", "notebooks", "tables"}


@dataclass
class RunConfig:
    """What the runner needs: run-level parameters and per-notebook overrides."""

    parameters: dict
    notebook_parameters: dict = field(default_factory=dict)
    source: Path | None = None
    tables: dict = field(default_factory=dict)

    @property
    def data_dir(self) -> Path | None:
        """The folder tables are found in by name; None for a configuration that sets none."""
        value = self.parameters.get("data_dir")
        return Path(value) if value else None

    @property
    def is_demo(self) -> bool:
        """True for the run without jamtools.yml, on the synthetic demo data."""
        return self.source is None

    def for_notebook(self, notebook_id: str) -> dict:
        params = dict(self.parameters)
        params.update(self.notebook_parameters.get(notebook_id, {}))
        return params


def default_config() -> RunConfig:
    """The configuration used with no jamtools.yml: the synthetic demo data."""
    params = {k: v for k, v in RUN_PARAMETERS.items() if k != "results_path"}
    params["config_file"] = None
    params["data_dir"] = str(DEFAULT_DATA_DIR)
    return RunConfig(parameters=params)


class _Loader(yaml.SafeLoader):
    """YAML as ``jamtools.yml`` is read: as PyYAML's safe loader, except that a date that does not
    exist (``2024-13-01``) stays the text it is, so that the rule of the setting it is given to
    names the setting and says what to write (the safe loader stops with a Python exception)."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def read_yaml(path: Path):
    """The contents of ``jamtools.yml`` at ``path`` (:class:`_Loader`); yaml.YAMLError when it is
    not YAML."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)


def load_config(path: str | Path | None) -> RunConfig:
    """Read ``jamtools.yml``; ``None`` gives :func:`default_config`.

    Every setting is checked as the file is read, before any table or chapter: the run's
    settings (threshold, conf_level, organisation, period, data_dir), each chapter's parameters
    under ``notebooks:`` (known chapters and names; each value by the chapter's own rule,
    :func:`jamtools.run.catalogue.parameter_problems`) and ``tables:``. Every problem of the file
    is in the one :class:`ParameterError`, each naming the setting (and chapter) and what to write.
    """
    if isinstance(path, RunConfig):  # already read
        return path
    if path is None:
        return default_config()
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"Konfigurationsfilen {path} finns inte.")
    try:
        raw = read_yaml(path) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"Konfigurationsfilen {path} är inte giltig YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParameterError(f"Konfigurationsfilen {path} ska innehålla nycklar och värden.")
    problems: list[str] = []
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        problems.append(
            f"Okända nycklar i {path}: {', '.join(sorted(map(str, unknown)))}. "
            f"Tillåtna nycklar är: {', '.join(sorted(_TOP_KEYS))}."
        )
    config = default_config()
    config.source = path.resolve()
    config.parameters["config_file"] = str(config.source)
    # A user's run reads only the user's tables: never the demo folder.
    config.parameters["data_dir"] = None
    config.parameters["organisation"] = "Egna data"
    params = config.parameters
    given = {}
    for key in ("organisation", "threshold", "conf_level"):
        if key in raw:
            params[key] = given[key] = raw[key]
    period = raw.get("period") or {}
    if not isinstance(period, dict) or set(period) - {"start", "end"}:
        problems.append(f"'period' i {path} ska ha nycklarna start och end (ÅÅÅÅ-MM-DD).")
        period = {}
    for key in ("start", "end"):
        value = _value(period.get(key))
        params[f"period_{key}"] = str(value) if value else None
        if value:
            given[f"period_{key}"] = params[f"period_{key}"]
    problems += [f"{_SETTINGS.get(k, repr(k))} i {path}: {_as_written(message)}"
                 for k, message in run_parameter_problems(given).items()]
    if "data_dir" in raw:
        params["data_dir"] = str((path.parent / str(raw["data_dir"])).resolve())
        if not Path(params["data_dir"]).is_dir():
            problems.append(f"'data_dir' i {path} pekar på {params['data_dir']}, som inte är "
                            "en katalog som finns.")
    notebooks = raw.get("notebooks") or {}
    if not isinstance(notebooks, dict) or not all(isinstance(v, dict) for v in notebooks.values()):
        problems.append(f"'notebooks' i {path} ska vara fråge-id med parametrar under sig.")
        notebooks = {}
    config.notebook_parameters = {k: {name: _value(v) for name, v in values.items()}
                                  for k, values in notebooks.items()}
    for chapter_id, values in config.notebook_parameters.items():
        problems += [f"'notebooks: {chapter_id}' i {path}: {message}"
                     for message in _chapter_problems(chapter_id, values)]
        own, run = values.get("threshold"), params.get("threshold")
        if (isinstance(own, int) and not isinstance(own, bool) and isinstance(run, int)
                and not isinstance(run, bool) and own < run):
            # (the run's leak scan and its page on chapters published together use the run's)
            problems.append(f"'notebooks: {chapter_id}' i {path}: threshold = {own} är lägre än "
                            f"körningens threshold ({run}). Ett kapitel får skydda mer än resten av "
                            "boken men inte mindre: höj kapitlets threshold eller sänk körningens.")
    tables = raw.get("tables") or {}
    if not isinstance(tables, dict):
        problems.append(f"'tables' i {path} ska vara tabellnamn med 'file' eller 'sql' under sig.")
        tables = {}
    problems += [problem for name, spec in tables.items() for problem in _table_problems(name, spec, path)]
    if problems:
        raise ParameterError(problems[0] if len(problems) == 1 else
                             f"{len(problems)} fel i {path}:\n- " + "\n- ".join(problems))
    config.tables = tables
    return config


#: How the file names a run parameter whose problem a message reports.
_SETTINGS = {"period_start": "'period: start'", "period_end": "'period: end'"}


def _as_written(message: str) -> str:
    """A run parameter's problem in the file's own words: ``period: start`` is written so in
    the file, not as the notebooks' ``period_start``."""
    for key in ("start", "end"):
        message = message.replace(f"Parametern period_{key} = ", "Värdet ")
        message = message.replace(f"period_{key} (", f"'period: {key}' (")
    return message


def _value(value):
    """A value of the file as the notebooks get it: ``None`` written as in Python (the text
    ``None``, as the handbook writes it) is None, and a date is text (YYYY-MM-DD)."""
    if value == "None":
        return None
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _chapter_problems(chapter_id: str, values: dict) -> list[str]:
    """Every problem of ``notebooks: <chapter_id>:``: an unknown chapter, names the chapter has
    not (or that the run sets), and each value by the chapter's own rule."""
    from jamtools.run.catalogue import (CHAPTERS, parameter_problems, settable_parameters,
                                        unknown_chapter, unknown_parameter)

    if chapter_id not in CHAPTERS:
        return [unknown_chapter(chapter_id)]
    settable = settable_parameters(chapter_id)
    unknown = [name for name in values if name not in settable]
    return [*(unknown_parameter(chapter_id, name) for name in unknown),
            *parameter_problems(chapter_id, {k: v for k, v in values.items() if k in settable})]


_TABLE_KEYS = {"file", "sql", "sheet", "encoding", "separator", "columns", "values"}


def _table_problems(name: str, spec, path: Path) -> list[str]:
    """Every problem of one ``tables:`` entry (all of them, not only the first)."""
    from jamtools.data.model import TABLES

    where = f"'tables: {name}' i {path}"
    if name not in TABLES:
        return [f"Okänd tabell {name!r} under 'tables' i {path}. Tabellerna i datamodellen är: "
                f"{', '.join(TABLES)}."]
    if not isinstance(spec, dict):
        return [f"{where} ska ha nycklar som 'file' eller 'sql'."]
    out = []
    unknown = set(spec) - _TABLE_KEYS
    if unknown:
        out.append(f"Okända nycklar i {where}: {', '.join(sorted(unknown))}. Tillåtna nycklar är: "
                   f"{', '.join(sorted(_TABLE_KEYS))}.")
    if ("file" in spec) == ("sql" in spec):
        out.append(f"{where} ska ha antingen 'file' eller 'sql' (inte båda).")
    if "sql" in spec and (not isinstance(spec["sql"], dict) or set(spec["sql"]) - {"url", "query", "name"}
                          or not {"url", "query"} <= set(spec["sql"])):
        out.append(f"'sql' i {where} ska ha nycklarna url och query.")
    model = {c.name for c in TABLES[name].columns} | {"personnummer"}
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict):
        out.append(f"'columns' i {where} ska vara era kolumnnamn: modellens namn.")
        columns = {}
    wrong = [f"{k}: {v}" for k, v in columns.items() if v is not None and str(v) not in model]
    if wrong:
        out.append(f"'columns' i {where} mappar till kolumner som inte finns i datamodellen: "
                   f"{', '.join(wrong)}. Modellens kolumner i {name}: {', '.join(sorted(model))}. "
                   "En kolumn som inte ska läsas (också en vars rubrik liknar ett av modellens namn, "
                   "som 'Ålder') lämnas utanför med 'Kolumnnamn: null'.")
    named = [str(v) for v in columns.values() if v is not None]
    twice = sorted({v for v in named if named.count(v) > 1})
    if twice:
        out.append(f"'columns' i {where} mappar flera kolumner till samma namn: {', '.join(twice)}.")
    values = spec.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        return out + [f"'values' i {where} ska vara kolumn: {{er kod: modellens värde}}."]
    for col, mapping in values.items():
        if col not in model:
            out.append(f"'values: {col}' i {where}: {col} är ingen kolumn i {name}.")
            continue
        column = TABLES[name].column(col) if col != "personnummer" else None
        # (a column whose list is open takes any value: 'Sax' may be written 'saxofon')
        allowed = column.allowed if column is not None and not column.open_codes else None
        accepted = allowed
        if col == "kon":  # the table's own codes (a children's table reads kvinna/man too)
            from jamtools.data.model import CHILD_SEXES

            allowed = TABLES[name].sex_values
            accepted = allowed + (("kvinna", "man") if allowed == CHILD_SEXES else ())
        # codes that are one code as the data are read (case, accents, spaces), mapped apart
        from jamtools.data.check import code_key

        same: dict = {}
        for k, v in mapping.items():
            same.setdefault(code_key(k), []).append((k, v))
        clash = [" och ".join(f"{k}: {v}" for k, v in pairs) for pairs in same.values()
                 if len({str(v) for _, v in pairs}) > 1]
        if clash:
            out.append(f"'values: {col}' i {where} ger samma kod olika värden: {'; '.join(clash)}. "
                       "Koder läses oavsett stora och små bokstäver, å, ä, ö och mellanslag, så de "
                       "är samma kod; ge dem samma värde eller ta bort en av dem.")
        bad = [f"{k}: {v}" for k, v in mapping.items() if accepted and str(v) not in accepted]
        if bad:
            out.append(f"'values: {col}' i {where} ger värden som inte är tillåtna: "
                       f"{', '.join(bad)}. Tillåtna värden: {', '.join(allowed)}.")
    return out
