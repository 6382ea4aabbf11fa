"""The run configuration, ``jamtools.yml``: organisation, period, disclosure threshold,
confidence level, where the data are, and per-notebook parameters.

Paths in the file are relative to the file itself. Unknown keys are errors, not warnings: a
misspelt ``treshold`` must not silently fall back to the default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jamtools.params import RUN_PARAMETERS, ParameterError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT / "data" / "synthetic"

_TOP_KEYS = {"organisation", "period", "threshold", "conf_level", "data_dir", "notebooks", "tables"}


@dataclass
class RunConfig:
    """What the runner needs: run-level parameters and per-notebook overrides."""

    parameters: dict
    notebook_parameters: dict = field(default_factory=dict)
    source: Path | None = None
    tables: dict = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return Path(self.parameters["data_dir"])

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
    notebooks = raw.get("notebooks") or {}
    if not isinstance(notebooks, dict) or not all(isinstance(v, dict) for v in notebooks.values()):
        raise ParameterError(f"'notebooks' i {path} ska vara fråge-id med parametrar under sig.")
    config.notebook_parameters = notebooks
    config.tables = raw.get("tables") or {}
    return config
