"""The leak scan on small hand-made outputs: every kind of finding, and no false alarms."""
from __future__ import annotations

import json

import nbformat

from jamtools.run import scan
from jamtools.data.pseudonym import luhn_ok


def valid_pnr(date: str = "121212", serial: str = "121") -> str:
    """A personnummer with a correct check digit (Skatteverket's test number 121212-1212 is one)."""
    for d in range(10):
        if luhn_ok(date + serial + str(d)):
            return f"{date}-{serial}{d}"
    raise AssertionError


def _nb(tmp_path, outputs):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = outputs
    nb.cells = [nbformat.v4.new_markdown_cell("text"), cell]
    path = tmp_path / "kapitel.ipynb"
    nbformat.write(nb, path)
    return path


def test_personnummer_and_samordningsnummer_found_with_cell_and_masked(tmp_path):
    pnr = valid_pnr()
    assert pnr == "121212-1212"
    samordning = valid_pnr("121272")  # day + 60
    path = _nb(tmp_path, [nbformat.v4.new_output("stream", name="stdout",
                                                 text=f"{pnr} och {samordning}\n")])
    found = scan.scan_paths([tmp_path])
    assert set(found.kind) == {"personnummer", "samordningsnummer"}
    assert set(found.location) == {"cell 2"} and set(found.file) == {str(path)}
    assert not found.excerpt.str.contains("1212-1212").any()  # never printed in full


def test_invalid_numbers_and_hashes_are_not_alarms(tmp_path):
    bad_check = "121212-1213"
    (tmp_path / "a.json").write_text(json.dumps({"x": bad_check, "sha": "a1b2c3121212121212ff",
                                                 "tal": 20241231}), encoding="utf-8")
    assert scan.scan_paths([tmp_path]).empty


def test_secret_key_and_sensitive_values(tmp_path):
    (tmp_path / "sida.html").write_text("<p>Anna Andersson</p><p>nyckel abcdef0123456789</p>",
                                        encoding="utf-8")
    found = scan.scan_paths([tmp_path], sensitive_values=["Anna Andersson"],
                            secret_keys=["abcdef0123456789"])
    assert set(found.kind) == {"sensitive_value", "secret_key"}


def test_row_level_table_in_notebook_html_output(tmp_path):
    html = ("<table class='dataframe'><thead><tr><th></th><th>utredning_id</th><th>kon</th></tr>"
            "</thead><tbody><tr><th>0</th><td>U1</td><td>flicka</td></tr></tbody></table>")
    _nb(tmp_path, [nbformat.v4.new_output("execute_result", data={"text/html": html}, execution_count=1)])
    found = scan.scan_paths([tmp_path])
    assert list(found.kind) == ["row_level_table"] and list(found.location) == ["cell 2"]


def test_small_count_in_disclosed_table_and_results_json(tmp_path):
    html = ("<table class=\"jamtools-disclosed\"><thead><tr><th>Kön</th><th>Antal</th></tr></thead>"
            "<tbody><tr><td>Flickor</td><td>3</td></tr><tr><td>Pojkar</td><td>1\u202f250</td></tr>"
            "</tbody></table>")
    (tmp_path / "sida.html").write_text(html, encoding="utf-8")
    (tmp_path / "r.json").write_text(json.dumps({"counts": {"t": {"analysed": {"flicka": 2, "pojke": 40},
                                                                  "excluded": {"flicka": 0}}},
                                                 "comparisons": [{"n_a": 4, "n_b": None, "estimate": 1.5}]}),
                                     encoding="utf-8")
    found = scan.scan_paths([tmp_path], threshold=5)
    assert sorted(found.excerpt) == ["Antal=3", "flicka=2", "n_a=4"]
    assert set(found.kind) == {"small_count"}


def test_cli_exit_code(tmp_path):
    (tmp_path / "ok.json").write_text("{}", encoding="utf-8")
    assert scan.main([str(tmp_path)]) == 0
    (tmp_path / "bad.txt").write_text(valid_pnr(), encoding="utf-8")
    assert scan.main([str(tmp_path)]) == 1


def test_a_count_of_persons_is_not_a_row_level_table(tmp_path):
    """'Antal personer' is an aggregate header; 'person_id' marks one row per person."""
    def page(header):
        return (f'<table class="jamtools-disclosed"><thead><tr><th>Kön</th><th>{header}</th></tr>'
                f"</thead><tbody><tr><td>Kvinnor</td><td>120</td></tr></tbody></table>")
    (tmp_path / "ok.html").write_text(page("Antal personer"), encoding="utf-8")
    (tmp_path / "rad.html").write_text(page("person_id"), encoding="utf-8")
    found = scan.scan_paths([tmp_path])
    assert found["file"].map(lambda f: f.endswith("rad.html")).all()
    assert found["kind"].tolist() == ["row_level_table"]


def test_a_number_inside_a_longer_number_is_not_a_leak(tmp_path):
    """Found at 100 000 rows: the digits of an estimate written in full (1.0935245728877327)
    contained a four-digit value of the input by chance. A sensitive value is a leak only
    where it stands on its own, not inside a longer number; a real leak is still found."""
    (tmp_path / "r.json").write_text(json.dumps({"ci_high": 1.0935245728877327}), encoding="utf-8")
    values = ["5245728877", "1175", "0935"]
    assert scan.scan_paths([tmp_path], sensitive_values=values).empty
    (tmp_path / "s.html").write_text("<p>telefon 5245728877, rum 1175.</p>", encoding="utf-8")
    found = scan.scan_paths([tmp_path], sensitive_values=values)
    assert set(found.file) == {str(tmp_path / "s.html")} and len(found) == 2


def test_a_denominator_column_is_not_a_name_column():
    from jamtools.data.load import SENSITIVE_NAME
    assert not SENSITIVE_NAME.search("namnare")
    assert all(SENSITIVE_NAME.search(c) for c in ("namn", "efternamn", "klient_namn", "Name"))
