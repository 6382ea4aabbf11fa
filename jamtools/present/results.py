"""The machine-readable result of one notebook: ``<out>/results/<id>.json``.

One file per question, validated against :data:`SCHEMA` (JSON Schema, documented in the book's
chapter on running the handbook on your own data). It holds the question, the run's parameters,
the counts by sex of what was analysed and what was left out, and every comparison the notebook
shows, as disclosed (suppressed values are ``null`` with ``suppressed: true``).
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd


def _jsonschema():
    """jsonschema, imported when a file is validated. Its optional IRI format checker
    (``rfc3987_syntax``, installed with Jupyter) builds a grammar on import that takes several
    seconds, in every notebook kernel; the schema uses no IRI format, so it is not loaded."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # import → ImportError, which jsonschema skips
    import jsonschema

    return jsonschema


_FAST: list = []


def _validate(data) -> None:
    """Raise the error ``jsonschema.validate(data, SCHEMA)`` raises (its best match), without
    first checking the schema itself against the draft's meta-schema at every call (some
    15 ms a file); the tests check the schema once (``tests/test_results_schema.py``).

    A file is first validated by :mod:`fastjsonschema`, the schema compiled once per process:
    it imports and compiles in milliseconds, where importing jsonschema takes some 0.15 s in
    every notebook kernel. A file it rejects is validated again by jsonschema, which decides
    and whose error is raised. The schema uses only keywords that mean the same in draft 7,
    fastjsonschema's newest, and 2020-12; the tests check that the two agree on valid and
    broken files (one known difference: fastjsonschema takes a tuple for an array, which no
    file read from JSON and no :class:`Results` has)."""
    import fastjsonschema

    if not _FAST:
        _FAST.append(fastjsonschema.compile(SCHEMA))
    try:
        _FAST[0](data)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    jsonschema = _jsonschema()
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        raise error


SCHEMA_VERSION = 1

_num = {"type": ["number", "null"]}
_count_map = {"type": "object", "additionalProperties": {"type": ["integer", "null"], "minimum": 0}}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "jamtools results",
    "type": "object",
    "required": ["schema_version", "question_id", "question", "organisation", "period",
                 "conf_level", "threshold", "counts", "comparisons"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "question_id": {"type": "string"},
        "question": {"type": "string"},
        "organisation": {"type": "string"},
        "period": {"type": "object", "properties": {"start": {"type": ["string", "null"]},
                                                     "end": {"type": ["string", "null"]}}},
        "conf_level": {"type": "number"},
        "threshold": {"type": "integer"},
        "filters": {"type": "object", "description": "The chapter's row filters besides the "
                    "period (unit, ages): counts of two chapters with different filters are of "
                    "different rows."},
        "not_applied": {"type": "object", "description": "Row filters chosen that the data "
                        "could not apply (no date, unit or age): 'period' ({start, end}), "
                        "'enhet', 'alder_min', 'alder_max'; the value alone when no table could "
                        "(then the period and filters above leave it out: the rows are the whole "
                        "data's), or {value, tables} naming the tables that could not."},
        "counts": {
            "type": "object",
            "description": "Rows by sex per table: analysed, and excluded (any reason).",
            "additionalProperties": {
                "type": "object", "required": ["analysed", "excluded"],
                "properties": {"analysed": _count_map, "excluded": _count_map},
            },
        },
        "data_tables": {
            "type": "array",
            "description": "Every data table (Dataunderlag) the chapter's page shows, its steps "
                           "as published: rows read, rows left out per reason and rows analysed, "
                           "by sex; null where the page hides the count.",
            "items": {
                "type": "object", "required": ["table", "read", "steps", "analysed"],
                "properties": {
                    "table": {"type": "string"},
                    "read": _count_map,
                    "steps": {"type": "object", "additionalProperties": _count_map},
                    "analysed": _count_map,
                },
            },
        },
        "comparisons": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["outcome", "comparison", "group_a", "group_b", "measure", "estimate",
                             "ci_low", "ci_high", "p_value", "adjusted", "adjusted_for",
                             "suppressed"],
                "properties": {
                    "outcome": {"type": "string"},
                    "comparison": {"type": "string"},
                    "group_a": {"type": "string"}, "group_b": {"type": "string"},
                    "measure": {"type": "string"},
                    "estimate": _num, "ci_low": _num, "ci_high": _num, "p_value": _num,
                    "p_adjusted": _num, "p_adjust_method": {"type": ["string", "null"]},
                    "conf_level": _num,
                    "test": {"type": ["string", "null"]},
                    "method": {"type": ["string", "null"],
                               "description": "The method that produced the estimate and its "
                                              "interval, so that a comparison over years can "
                                              "see when it changed."},
                    "adjusted": {"type": "boolean"},
                    "adjusted_for": {"type": "array", "items": {"type": "string"}},
                    "n_a": {"type": ["integer", "null"]}, "n_b": {"type": ["integer", "null"]},
                    "events_a": {"type": ["integer", "null"]}, "events_b": {"type": ["integer", "null"]},
                    "mdd_pp": _num,
                    "suppressed": {"type": "boolean"},
                    "suppression_reason": {"type": ["string", "null"]},
                    "warning": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def _clean(value):
    """JSON-safe scalar: NaN/NA -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _as_int(value):
    value = _clean(value)
    return None if value is None else int(round(float(value)))


class Results:
    """Collects what one notebook found and writes it as ``<id>.json``."""

    def __init__(self, question_id: str, params, *, question: str) -> None:
        self.data = {
            "schema_version": SCHEMA_VERSION,
            "question_id": question_id,
            "question": question,
            "organisation": params.organisation,
            "period": {"start": params.period_start, "end": params.period_end},
            "conf_level": params.conf_level,
            "threshold": params.threshold,
            "counts": {},
            "comparisons": [],
        }
        self.path = params.results_path

    def add_counts(self, table: str, counts: dict) -> None:
        """Record analysed/excluded rows by sex for ``table`` (already disclosed: small -> None)."""
        self.data["counts"][table] = {
            key: {str(k): _as_int(v) for k, v in counts.get(key, {}).items()}
            for key in ("analysed", "excluded")
        }

    def add_data_tables(self, tables) -> None:
        """Record the page's data tables as published (:attr:`jamtools.present.page.Page.data_tables`:
        a hidden count is None)."""
        self.data.setdefault("data_tables", []).extend(
            {"table": str(t["table"]),
             **{key: {str(s): _as_int(v) for s, v in (t.get(key) or {}).items()} for key in ("read", "analysed")},
             "steps": {str(reason): {str(s): _as_int(v) for s, v in (counts or {}).items()}
                       for reason, counts in (t.get("steps") or {}).items()}}
            for t in tables)

    def add_comparisons(self, comparisons: pd.DataFrame) -> None:
        """Add the rows of a disclosed comparison table (one row per comparison)."""
        for row in comparisons.to_dict("records"):
            adjusted_for = row.get("adjusted_for") or ""
            if isinstance(adjusted_for, str):
                adjusted_for = [a.strip() for a in adjusted_for.split(",") if a.strip()]
            item = {
                "outcome": str(row["outcome"]),
                "comparison": str(row["comparison"]),
                "group_a": str(row["group_a"]), "group_b": str(row["group_b"]),
                "measure": str(row["measure"]),
                "estimate": _clean(row.get("estimate")),
                "ci_low": _clean(row.get("ci_low")), "ci_high": _clean(row.get("ci_high")),
                "conf_level": _clean(row.get("conf_level", self.data["conf_level"])),
                "p_value": _clean(row.get("p_value")),
                "p_adjusted": _clean(row.get("p_adjusted")),
                "p_adjust_method": _clean(row.get("p_adjust_method")),
                "test": _clean(row.get("test")),
                "method": _clean(row.get("method")) or None,
                "adjusted": bool(_clean(row.get("adjusted")) or False),
                "adjusted_for": list(adjusted_for),
                "n_a": _as_int(row.get("n_a")), "n_b": _as_int(row.get("n_b")),
                "events_a": _as_int(row.get("events_a")), "events_b": _as_int(row.get("events_b")),
                "mdd_pp": _clean(row.get("mdd_pp")),
                "suppressed": bool(_clean(row.get("suppressed")) or False),
                "suppression_reason": _clean(row.get("suppression_reason")) or None,
                "warning": _clean(row.get("warning")) or None,
            }
            self.data["comparisons"].append(item)

    def validate(self) -> None:
        _validate(self.data)

    def write(self, path: str | Path | None = None) -> Path | None:
        """Validate and write the JSON; returns the path, or None when no path was given."""
        self.validate()
        target = Path(path) if path else self.path
        if target is None:
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return target


def read(path: str | Path) -> dict:
    """Read and validate a results file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    _validate(data)
    return data
