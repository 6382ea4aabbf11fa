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

from jamtools.present.parameters import whole_number

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


#: The least threshold a run may set: at 1 or 2 the threshold rule protects no one (the OECD's
#: glossary: many agencies require at least 3 or 5 units per cell; Hundepool et al. 2012).
MIN_THRESHOLD = 3


def _threshold(value) -> None:
    try:
        whole_number("threshold", value, at_least=MIN_THRESHOLD,
                     meaning="det minsta antal personer som får visas i en cell (röjandekontroll); "
                             "ett lägre tal skyddar inte små grupper (många myndigheter kräver minst "
                             "3 eller 5)")
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def _conf_level(value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= float(value) < 1:
        raise ParameterError(
            f"Parametern conf_level = {value!r} ska vara en konfidensnivå mellan 0,5 och 1, "
            "till exempel 0.95 för 95 procent."
        )


def _organisation(value) -> None:
    if not isinstance(value, str):
        raise ParameterError(f"Parametern organisation = {value!r} ska vara en text.")


def _age(name: str):
    def check(value) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ParameterError(f"Parametern {name} = {value!r} ska vara ett heltal ≥ 0 eller None.")
    return check


def _unit(value) -> None:
    if value is not None and not isinstance(value, str):
        raise ParameterError(f"Parametern enhet = {value!r} ska vara en text eller None.")


#: The rule of each run parameter's value (and of the filters ``enhet``, ``alder_min`` and
#: ``alder_max`` that most chapters have): raises :class:`ParameterError` saying what to write.
#: The dates' order and the age interval are rules across two values (:func:`parameter_problems`).
RULES = {
    "period_start": lambda v: _date("period_start", v),
    "period_end": lambda v: _date("period_end", v),
    "threshold": _threshold,
    "conf_level": _conf_level,
    "organisation": _organisation,
    "enhet": _unit,
    "alder_min": _age("alder_min"),
    "alder_max": _age("alder_max"),
}


def parameter_problems(values) -> dict[str, str]:
    """Every problem of the values in ``values`` that :data:`RULES` has a rule for (the names
    not given, and others, are not looked at): parameter -> the Swedish message naming it, the
    value and what to write. The start of the period after its end is a problem of
    ``period_end``, an ``alder_min`` above ``alder_max`` one of ``alder_max``."""
    problems = {}
    for name, rule in RULES.items():
        if name in values:
            try:
                rule(values[name])
            except ParameterError as exc:
                problems[name] = str(exc)
    if "period_start" not in problems and "period_end" not in problems:
        start, end = _date("period_start", values.get("period_start")), _date("period_end", values.get("period_end"))
        if start and end and start > end:
            problems["period_end"] = f"period_start ({start}) ligger efter period_end ({end})."
    low, high = values.get("alder_min"), values.get("alder_max")
    if "alder_min" not in problems and "alder_max" not in problems and low is not None \
            and high is not None and low > high:
        problems["alder_max"] = (f"alder_min ({low}) är större än alder_max ({high}): inga personer "
                                 "ryms i åldersintervallet. Byt plats på dem eller ändra någon av dem.")
    return problems


def check_parameters(*, data_dir, period_start=None, period_end=None, threshold=5,
                     conf_level=0.95, organisation="", results_path=None, config_file=None,
                     **extra) -> Params:
    """Validate the run parameters; raise :class:`ParameterError` naming every bad one.

    With ``config_file`` (a ``jamtools.yml``), the configuration decides where the data are (its
    tables, its ``data_dir``; never the demo folder) and gives the run-level settings that the
    parameters cell leaves at their defaults (organisation, period, threshold, confidence level):
    a notebook opened by hand in JupyterLab with only ``config_file`` set reads that
    configuration's tables and nothing else, and shows its organisation. Without it,
    ``data_dir`` is the folder of the data. The values' rules are :func:`parameter_problems`';
    a chapter's own parameters are checked by the chapter's rules
    (:func:`jamtools.run.catalogue.parameter_problems`, called by the notebook's setup).
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
    problems = []
    if config_file is None and (path is None or not path.is_dir()):
        problems.append(
            f"Parametern data_dir = {str(data_dir)!r} är ingen katalog som finns (sökt från "
            f"{Path.cwd()}). Ange katalogen med era exporterade filer, eller skapa syntetiska "
            "data med: python -m jamtools synth --out data/synthetic"
        )
    problems += parameter_problems(
        {"period_start": period_start, "period_end": period_end, "threshold": threshold,
         "conf_level": conf_level, "organisation": organisation,
         **{k: extra[k] for k in ("enhet", "alder_min", "alder_max") if k in extra}}).values()
    if problems:
        raise ParameterError("\n".join(problems))
    start, end = _date("period_start", period_start), _date("period_end", period_end)
    return Params(data_dir=path, period_start=start, period_end=end, threshold=int(threshold),
                  conf_level=float(conf_level), organisation=organisation,
                  results_path=Path(results_path) if results_path else None,
                  config_file=Path(str(config_file)) if config_file else None, extra=extra,
                  config=run_config if config_file is not None else None)
