"""The results file's schema: valid against its draft's meta-schema (checked here once, not at
every file the run writes), and a file that breaks it is refused on writing and on reading."""
from __future__ import annotations

import json

import pytest

from jamtools.present import results
from jamtools.present.results import SCHEMA, Results
from jamtools.run.params import check_parameters


def test_the_schema_is_a_valid_2020_12_schema():
    jsonschema = results._jsonschema()
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert jsonschema.validators.validator_for(SCHEMA) is jsonschema.Draft202012Validator


def test_a_file_that_breaks_the_schema_is_refused(tmp_path):
    jsonschema = results._jsonschema()
    qid = "bof_01_utredning_inleds"
    r = Results(qid, check_parameters(data_dir=tmp_path), question=qid)
    path = r.write(tmp_path / "ok.json")
    assert results.read(path)["question_id"] == qid
    r.data["threshold"] = "fem"  # not an integer
    with pytest.raises(jsonschema.ValidationError):
        r.write(tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["comparisons"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(jsonschema.ValidationError):
        results.read(path)


def test_the_error_is_the_one_jsonschema_validate_gives(tmp_path):
    """Of several broken rules, the one reported is ``jsonschema.validate``'s best match."""
    jsonschema = results._jsonschema()
    qid = "bof_01_utredning_inleds"
    r = Results(qid, check_parameters(data_dir=tmp_path), question=qid)
    r.data.update(threshold="fem", conf_level="hög", counts=[])
    with pytest.raises(jsonschema.ValidationError) as ours:
        r.validate()
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validate(r.data, SCHEMA)
    assert str(ours.value) == str(theirs.value)


def _broken(doc: dict):
    """Copies of a valid results file, each changed in one place, most so as to break a rule."""
    import copy

    def changed(fn):
        d = copy.deepcopy(doc)
        fn(d)
        return d
    yield changed(lambda d: d.pop("question_id"))
    yield changed(lambda d: d.update(threshold="fem"))
    yield changed(lambda d: d.update(threshold=True))  # a boolean is no integer
    yield changed(lambda d: d.update(threshold=-1))
    yield changed(lambda d: d.update(schema_version=SCHEMA["properties"]["schema_version"].get("const", 1) + 1))
    yield changed(lambda d: d.update(okand_nyckel=1))
    yield changed(lambda d: d.update(comparisons={}))
    if doc.get("comparisons"):
        yield changed(lambda d: d["comparisons"][0].update(estimate="1,5"))
        yield changed(lambda d: d["comparisons"][0].update(suppressed="nej"))
        yield changed(lambda d: d["comparisons"][0].pop(next(iter(d["comparisons"][0]))))
    for table in list(doc.get("counts") or {})[:1]:
        yield changed(lambda d: d["counts"].update({table: "många"}))


def test_fastjsonschema_and_jsonschema_agree_on_valid_and_broken_files():
    """The quick validator accepts exactly what jsonschema accepts: every golden results file
    (valid), and copies changed one rule at a time (most of them broken)."""
    from pathlib import Path

    import fastjsonschema

    jsonschema = results._jsonschema()
    fast = fastjsonschema.compile(SCHEMA)
    files = sorted((Path(__file__).parent / "golden").glob("*.json"))
    assert len(files) >= 20
    reference = jsonschema.Draft202012Validator(SCHEMA)
    refused = 0
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(doc, SCHEMA)
        fast(doc)
        for changed in _broken(doc):
            try:
                fast(changed)
                quick = True
            except fastjsonschema.JsonSchemaException:
                quick = False
            assert quick == reference.is_valid(changed), (path.name, changed)
            refused += not quick
    assert refused > 100  # most changes break the schema: the agreement is tested on them
