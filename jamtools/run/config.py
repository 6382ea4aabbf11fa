"""The run configuration, ``jamtools.yml``: organisation, period, disclosure threshold,
confidence level, where the data are, and per-notebook parameters.

Paths in the file are relative to the file itself. Unknown keys are errors, not warnings: a
misspelt ``treshold`` must not silently fall back to the default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jamtools.data.load import DEMO_DATA_DIR
from jamtools.run.params import RUN_PARAMETERS, ParameterError

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


def load_config(path: str | Path | None) -> RunConfig:
    """Read ``jamtools.yml``; ``None`` gives :func:`default_config`."""
    if isinstance(path, RunConfig):  # already read
        return path
    if path is None:
        return default_config()
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"Konfigurationsfilen {path} finns inte.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"Konfigurationsfilen {path} är inte giltig YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParameterError(f"Konfigurationsfilen {path} ska innehålla nycklar och värden.")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ParameterError(
            f"Okända nycklar i {path}: {', '.join(sorted(unknown))}. "
            f"Tillåtna nycklar är: {', '.join(sorted(_TOP_KEYS))}."
        )
    config = default_config()
    config.source = path.resolve()
    config.parameters["config_file"] = str(config.source)
    # A user's run reads only the user's tables: never the demo folder.
    config.parameters["data_dir"] = None
    config.parameters["organisation"] = "Egna data"
    params = config.parameters
    for key in ("organisation", "threshold", "conf_level"):
        if key in raw:
            params[key] = raw[key]
    period = raw.get("period") or {}
    if not isinstance(period, dict) or set(period) - {"start", "end"}:
        raise ParameterError(f"'period' i {path} ska ha nycklarna start och end (ÅÅÅÅ-MM-DD).")
    params["period_start"] = str(period["start"]) if period.get("start") else None
    params["period_end"] = str(period["end"]) if period.get("end") else None
    if "data_dir" in raw:
        params["data_dir"] = str((path.parent / str(raw["data_dir"])).resolve())
        if not Path(params["data_dir"]).is_dir():
            raise ParameterError(f"'data_dir' i {path} pekar på {params['data_dir']}, som inte är "
                                 "en katalog som finns.")
    notebooks = raw.get("notebooks") or {}
    if not isinstance(notebooks, dict) or not all(isinstance(v, dict) for v in notebooks.values()):
        raise ParameterError(f"'notebooks' i {path} ska vara fråge-id med parametrar under sig.")
    config.notebook_parameters = notebooks
    config.tables = _check_tables(raw.get("tables") or {}, path)
    return config


_TABLE_KEYS = {"file", "sql", "sheet", "encoding", "separator", "columns", "values"}


def _check_tables(tables, path: Path) -> dict:
    """Check the ``tables`` section: known tables, known keys, one source, mappings onto the
    model's columns (``personnummer`` too) and values. Every problem is an error naming it."""
    from jamtools.data.model import TABLES

    if not isinstance(tables, dict):
        raise ParameterError(f"'tables' i {path} ska vara tabellnamn med 'file' eller 'sql' under sig.")
    problems = [problem for name, spec in tables.items() for problem in _table_problems(name, spec, path)]
    if problems:
        raise ParameterError("\n".join(problems) if len(problems) == 1 else
                             f"{len(problems)} fel i 'tables' i {path}:\n- " + "\n- ".join(problems))
    return tables


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
    wrong = [f"{k}: {v}" for k, v in columns.items() if str(v) not in model]
    if wrong:
        out.append(f"'columns' i {where} mappar till kolumner som inte finns i datamodellen: "
                   f"{', '.join(wrong)}. Modellens kolumner i {name}: {', '.join(sorted(model))}.")
    twice = sorted({str(v) for v in columns.values() if list(map(str, columns.values())).count(str(v)) > 1})
    if twice:
        out.append(f"'columns' i {where} mappar flera kolumner till samma namn: {', '.join(twice)}.")
    values = spec.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        return out + [f"'values' i {where} ska vara kolumn: {{er kod: modellens värde}}."]
    for col, mapping in values.items():
        if col not in model:
            out.append(f"'values: {col}' i {where}: {col} är ingen kolumn i {name}.")
            continue
        allowed = TABLES[name].column(col).allowed if col != "personnummer" else None
        if col == "kon":
            allowed = ("kvinna", "man", "flicka", "pojke")  # children's and adults' codes
        bad = [f"{k}: {v}" for k, v in mapping.items() if allowed and str(v) not in allowed]
        if bad:
            out.append(f"'values: {col}' i {where} ger värden som inte är tillåtna: "
                       f"{', '.join(bad)}. Tillåtna värden: {', '.join(allowed)}.")
    return out
