"""One deliberately bad file per failure kind: each gives a clear error or warning that names
the file, the column and the rows (and an example value), never a raw traceback."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

from jamtools import data
from jamtools.data import DataValidationError


def _good() -> pd.DataFrame:
    return pd.DataFrame({
        "beslut_id": ["H1", "H2", "H3", "H4"], "person_id": ["P1", "P2", "P3", "P4"],
        "kon": ["kvinna", "man", "kvinna", "man"], "alder": ["81", "77", "90", "68"],
        "beslutsdatum": ["2024-01-05", "2024-02-01", "2024-03-11", "2024-04-02"],
        "ar": ["2024"] * 4, "enhet": ["A", "A", "B", "B"], "adl_beroende": ["2", "0", "5", "1"],
        "ensamboende": ["1", "0", "1", "1"], "beviljade_timmar": ["20,5", "4", "61", "12"],
    })


def _write(tmp_path, frame, name="ht_beslut.csv"):
    frame.to_csv(tmp_path / name, sep=";", index=False)
    return tmp_path


def test_good_file_loads(tmp_path):
    res = data.load_table("ht_beslut", data_dir=_write(tmp_path, _good()))
    assert res.data["beviljade_timmar"].tolist() == [20.5, 4.0, 61.0, 12.0]


@pytest.mark.parametrize("change, column, rows, example", [
    (lambda f: f.drop(columns=["kon"]), "kon", None, None),
    (lambda f: f.assign(alder=["81", "sjuttio", "90", "68"]), "alder", "3", "'sjuttio'"),
    (lambda f: f.assign(beslutsdatum=["2024-01-05", "5/2 -24", "2024-13-01", "2024-04-02"]),
     "beslutsdatum", "3, 4", "'5/2 -24'"),
    (lambda f: f.assign(alder=["81", "140", "90", "68"]), "alder", "3", "'140'"),
    (lambda f: f.assign(beviljade_timmar=["20", "-3", "61", "12"]), "beviljade_timmar", "3", "'-3'"),
    (lambda f: f.assign(beslut_id=["H1", "H1", "H3", "H4"]), "beslut_id", "2, 3", "'H1'"),
    (lambda f: f.assign(ensamboende=["1", "kanske", "1", "1"]), "ensamboende", "3", "'kanske'"),
])
def test_bad_file_gives_clear_error(tmp_path, change, column, rows, example):
    with pytest.raises(DataValidationError) as err:
        data.load_table("ht_beslut", data_dir=_write(tmp_path, change(_good())))
    msg = str(err.value)
    assert "ht_beslut.csv" in msg and column in msg
    if rows:
        assert f"rad {rows}" in msg
    if example:
        assert example in msg


def test_unknown_sex_code_is_a_warning_and_counted(tmp_path):
    frame = _good().assign(kon=["kvinna", "X", "kvinna", ""])
    with pytest.warns(UserWarning, match=r"ht_beslut.csv, kolumn 'kon'.*2 rader.*rad 3, 5.*'X'"):
        res = data.load_table("ht_beslut", data_dir=_write(tmp_path, frame))
    q = res.quality()
    unknown = q[(q.steg.str.startswith("Okänt")) & (q.kon == "okant")].antal.item()
    assert unknown == 2 and len(res.data) == 2


def test_dangling_reference_is_excluded_with_warning(tmp_path):
    pd.DataFrame({"utredning_id": ["U1"], "aktualisering_id": ["A1"], "person_id": ["B1"],
                  "kon": ["flicka"], "alder": ["10"], "startdatum": ["2024-01-01"],
                  "anmalningsorsak": ["kriminalitet"], "orsakstyp": ["beteende"],
                  "anmalare": ["polis"], "insats_beviljad": ["1"]}).to_csv(
        tmp_path / "bof_utredningar.csv", index=False)
    pd.DataFrame({"insats_id": ["I1", "I2"], "utredning_id": ["U1", "U9"], "person_id": ["B1", "B2"],
                  "kon": ["flicka", "pojke"], "alder": ["10", "12"],
                  "startdatum": ["2024-02-01", "2024-02-01"],
                  "insatstyp": ["samtalsstod", "placering_hvb"]}).to_csv(
        tmp_path / "bof_insatser.csv", index=False)
    with pytest.warns(UserWarning, match=r"bof_insatser.csv, kolumn 'utredning_id'.*rad 3.*'U9'"):
        res = data.load_table("bof_insatser", data_dir=tmp_path)
    assert res.data["insats_id"].tolist() == ["I1"]
    assert "Hänvisar till bof_utredningar som saknas" in set(res.quality().steg)


def test_unknown_category_and_missing_file_and_bad_mapping(tmp_path):
    frame = pd.DataFrame({"insats_id": ["I1"], "utredning_id": ["U1"], "person_id": ["B1"],
                          "kon": ["flicka"], "alder": ["10"], "startdatum": ["2024-02-01"],
                          "insatstyp": ["cirkus"]})
    frame.to_csv(tmp_path / "bof_insatser.csv", index=False)
    with pytest.raises(DataValidationError, match=r"insatstyp.*'cirkus'.*Tillåtna värden"):
        data.load_table("bof_insatser", data_dir=tmp_path)
    with pytest.raises(DataValidationError, match="Hittar ingen fil för tabellen ht_beslut"):
        data.load_table("ht_beslut", data_dir=tmp_path)
    cfg = tmp_path / "jamtools.yml"
    cfg.write_text("tables:\n  bof_insatser:\n    file: bof_insatser.csv\n    columns: {Kön: kon}\n",
                   encoding="utf-8")
    with pytest.raises(DataValidationError, match="Kön"):
        data.load_table("bof_insatser", data_dir=tmp_path, config=cfg)


def test_no_bad_file_crashes_with_a_raw_traceback(tmp_path):
    """Garbage in every column is a DataValidationError, not some other exception."""
    garbage = pd.DataFrame({c: ["\x00??", "", "NaN"] for c in _good().columns})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataValidationError):
            data.load_table("ht_beslut", data_dir=_write(tmp_path, garbage))
