"""The run's parameters: defaults, and validation with a clear message for each mistake.

Every notebook's ``parameters`` cell holds the same run-level names (``RUN_PARAMETERS``); the
runner fills them through papermill and the notebook's first code cell calls
:func:`check_parameters`, so a wrong value stops the notebook with a message that names the
parameter and says what to do.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

#: Parameters that the runner passes to every notebook, with their defaults.
RUN_PARAMETERS = {
    "data_dir": "../data/synthetic",
    "period_start": None,
    "period_end": None,
    "threshold": 5,
    "conf_level": 0.95,
    "organisation": "Exempelkommunen (syntetiska data)",
    "results_path": None,
    "config_file": None,
}


class ParameterError(ValueError):
    """A parameter has a value the notebook cannot use."""


@dataclass(frozen=True)
class Params:
    """Validated run parameters, as a notebook uses them."""

    data_dir: Path | None
    period_start: str | None
    period_end: str | None
    threshold: int
    conf_level: float
    organisation: str
    results_path: Path | None
    config_file: Path | None
    extra: dict
    #: The configuration read from ``config_file`` (``jamtools.run.config.RunConfig``), or None.
    config: object | None = None

    @property
    def period(self) -> tuple[str | None, str | None]:
        return (self.period_start, self.period_end)

    @property
    def period_text(self) -> str:
        if not self.period_start and not self.period_end:
            return "hela perioden i data"
        return f"{self.period_start or 'början'} – {self.period_end or 'slutet'}"


def _date(name: str, value) -> str | None:
    if value in (None, ""):
        return None
    try:
        return _dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ParameterError(
            f"Parametern {name} = {value!r} är inget datum. Ange det som ÅÅÅÅ-MM-DD, "
            "till exempel '2024-01-01', eller None för ingen gräns."
        ) from None


def check_parameters(*, data_dir, period_start=None, period_end=None, threshold=5,
                     conf_level=0.95, organisation="", results_path=None, config_file=None,
                     **extra) -> Params:
    """Validate the run parameters; raise :class:`ParameterError` naming the bad one.

    With ``config_file`` (a ``jamtools.yml``), the configuration decides where the data are (its
    tables, its ``data_dir``; never the demo folder) and gives the run-level settings that the
    parameters cell leaves at their defaults (organisation, period, threshold, confidence level):
    a notebook opened by hand in JupyterLab with only ``config_file`` set reads that
    configuration's tables and nothing else, and shows its organisation. Without it,
    ``data_dir`` is the folder of the data.
    """
    if config_file is not None:
        if not Path(str(config_file)).is_file():
            raise ParameterError(f"Parametern config_file = {config_file!r} är ingen fil som finns.")
        from jamtools.run.config import load_config

        run_config = load_config(config_file)
        cfg = run_config.parameters
        given = {"data_dir": data_dir, "organisation": organisation, "threshold": threshold,
                 "conf_level": conf_level, "period_start": period_start, "period_end": period_end}
        # A value still at the parameters cell's default comes from the configuration; a value
        # set by hand (or by the configuration's 'notebooks:' section, through the runner) wins.
        chosen = {k: (cfg[k] if v in (RUN_PARAMETERS[k], None, "") or k == "data_dir" else v)
                  for k, v in given.items()}
        data_dir, organisation = chosen["data_dir"], chosen["organisation"]
        threshold, conf_level = chosen["threshold"], chosen["conf_level"]
        period_start, period_end = chosen["period_start"], chosen["period_end"]
    path = Path(str(data_dir)).expanduser() if data_dir is not None else None
    if config_file is None and (path is None or not path.is_dir()):
        raise ParameterError(
            f"Parametern data_dir = {str(data_dir)!r} är ingen katalog som finns (sökt från "
            f"{Path.cwd()}). Ange katalogen med era exporterade filer, eller skapa syntetiska "
            "data med: python -m jamtools synth --out data/synthetic"
        )
    start, end = _date("period_start", period_start), _date("period_end", period_end)
    if start and end and start > end:
        raise ParameterError(f"period_start ({start}) ligger efter period_end ({end}).")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ParameterError(
            f"Parametern threshold = {threshold!r} ska vara ett heltal ≥ 1: det minsta antal "
            "personer som får visas i en cell (röjandekontroll)."
        )
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float)) \
            or not 0.5 <= float(conf_level) < 1:
        raise ParameterError(
            f"Parametern conf_level = {conf_level!r} ska vara en konfidensnivå mellan 0,5 och 1, "
            "till exempel 0.95 för 95 procent."
        )
    if not isinstance(organisation, str):
        raise ParameterError(f"Parametern organisation = {organisation!r} ska vara en text.")
    for key in ("alder_min", "alder_max"):
        value = extra.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ParameterError(f"Parametern {key} = {value!r} ska vara ett heltal ≥ 0 eller None.")
    if extra.get("enhet") is not None and not isinstance(extra["enhet"], str):
        raise ParameterError(f"Parametern enhet = {extra['enhet']!r} ska vara en text eller None.")
    return Params(data_dir=path, period_start=start, period_end=end, threshold=int(threshold),
                  conf_level=float(conf_level), organisation=organisation,
                  results_path=Path(results_path) if results_path else None,
                  config_file=Path(str(config_file)) if config_file else None, extra=extra,
                  config=run_config if config_file is not None else None)
