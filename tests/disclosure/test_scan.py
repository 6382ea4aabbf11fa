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


def test_the_loaded_cell_table_shown_is_a_finding_as_html_and_as_text(tmp_path):
    """A chapter that reads cells (rows grouped by their values, with the engine's row count)
    and shows them: no id column, but a cell of one row is one person, and the counts have not
    passed disclosure control."""
    from jamtools.data.check import CELL_COUNT

    html = ("<table class='dataframe'><thead><tr><th></th><th>kon</th><th>alder</th>"
            f"<th>{CELL_COUNT}</th></tr></thead><tbody><tr><th>0</th><td>flicka</td><td>14</td>"
            "<td>1</td></tr></tbody></table>")
    text = f"      kon  alder  {CELL_COUNT}\n0  flicka     14            1\n1   pojke     15          212"
    _nb(tmp_path, [nbformat.v4.new_output("execute_result", data={"text/html": html}, execution_count=1),
                   nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=2)])
    found = scan.scan_paths([tmp_path])
    assert list(found.kind) == ["cell_table", "cell_table"]
    # the same words in running text are not a table
    _nb(tmp_path, [nbformat.v4.new_output("stream", name="stdout", text=f"Kolumnen {CELL_COUNT} räknar rader.")])
    assert scan.scan_paths([tmp_path]).empty


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
    # a data table's steps as the results file records them: rows read and left out per reason
    (tmp_path / "s.json").write_text(json.dumps({"data_tables": [
        {"table": "t", "read": {"flicka": 3, "pojke": 40}, "analysed": {"flicka": 0, "pojke": 40},
         "steps": {"Utanför den valda perioden": {"flicka": 1, "pojke": 0}, "Inte ja/nej (x)": {"flicka": None}}}]}),
        encoding="utf-8")
    found = scan.scan_paths([tmp_path / "s.json"], threshold=5)
    assert sorted(found.excerpt) == ["flicka=1", "flicka=3"]


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


# --- Sensitive values at register scale ---------------------------------------------------------
# The scan keeps values written like a personnummer in a set, long values (free text, names) as
# hashes of their first characters, and only the rest in the automaton. Each test compares with
# the plain rule: a value is found where it stands in the text, not inside a longer number.


def _plainly_in(value: str, text: str) -> bool:
    """The reference: ``value`` occurs in ``text`` with no digit touching a digit at its ends."""
    start = text.find(value)
    while start >= 0:
        end = start + len(value)
        before = start > 0 and value[0].isdigit() and text[start - 1].isdigit()
        after = end < len(text) and value[-1].isdigit() and text[end].isdigit()
        if not before and not after:
            return True
        start = text.find(value, start + 1)
    return False


def _write(tmp_path, text):
    path = tmp_path / "ut.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_numbers_the_pattern_misses_are_found_as_values(tmp_path):
    """The personnummer pattern does not see every number of the input: one glued to a letter
    a-f (kept apart from hashes), one with century 18, one with a wrong check digit. Written as
    values of the input they are found all the same, in every written form."""
    glued, old, bad = valid_pnr(), "18" + valid_pnr("900101").replace("-", ""), "121212-1213"
    text = f"kod e{glued}f, född {old}, nummer:-{bad}+, {bad.replace('-', '')}"
    path = _write(tmp_path, text)
    assert scan.scan_paths([path]).empty  # the pattern alone finds none of them
    values = [glued, old, bad, bad.replace("-", ""), "121212-12130", "9121212-1212"]
    found = scan.scan_paths([path], sensitive_values=values)
    assert list(found.kind) == ["sensitive_value"] * 4
    assert sorted(found.excerpt) == sorted(v[:2] + "*" * (len(v) - 2) for v in values[:4])


def test_long_values_found_exactly_where_they_stand(tmp_path):
    """Long values (found by a hash of their first characters) are reported only when the whole
    value stands in the text: not for a value that shares its beginning, not inside a longer
    number; also at the very start and end of a text and after characters beyond Latin-1."""
    note = "Mamman berättar om oron för hemmet"
    twin = "Mamman berättar om oron för skolan"
    digits = "52457288771234"  # a long value of digits
    inner = "13572468013579"  # stands only inside a longer number
    text = f"{note} – 😀{digits}\nsiffror 9{inner}, {inner}0 och slut: Greta Exempelsson"
    values = [note, twin, digits, inner, "Greta Exempelsson", "Greta Exempelssons mamma", "Olle"]
    assert min(map(len, (digits, inner, note))) >= scan.FRAGMENT
    found = scan.scan_paths([_write(tmp_path, text)], sensitive_values=values)
    assert sorted(found.excerpt) == sorted(v[:2] + "*" * (len(v) - 2)
                                           for v in (note, digits, "Greta Exempelsson"))
    assert list(found.location) == sorted(["line 1", "line 1", "line 2"])


def test_random_texts_agree_with_the_plain_rule(tmp_path):
    """Random texts over a small alphabet (digits, separators, letters, å, an emoji) and values
    cut from them and from each other: the scan reports exactly the values the plain rule finds,
    for numbers, short and long values alike."""
    import random

    rng = random.Random(20240601)
    alphabet = "0123456789-+ aefåX😀"
    kinds = set()
    for _ in range(40):
        def digits(n):
            return "".join(rng.choice("0123456789") for _ in range(n))

        # runs of digits of every length around a personnummer's, numbers written as one, and
        # other characters between them
        tokens = [rng.choice(alphabet) if rng.random() < 0.5 else
                  digits(rng.randrange(2, 15)) if rng.random() < 0.5 else
                  digits(rng.choice([6, 8])) + rng.choice(["", "-", "+"]) + digits(4)
                  for _ in range(rng.randrange(10, 120))]
        text = "".join(tokens)
        numbers = [t for t in tokens if len(t) >= 10]  # some whole, glued to '-', '+' or a letter
        values = set(rng.sample(numbers, min(len(numbers), 8)))
        for _ in range(30):
            a = rng.randrange(len(text))
            if rng.random() < 0.5:  # most often inside a run of digits
                a = rng.choice([k for k, ch in enumerate(text) if ch.isdigit()] or [a])
            v = text[a:a + rng.choice([4, 6, 10, 11, 12, 13, 14, 20, 40])]
            if rng.random() < 0.3:  # a near miss: one character changed
                k = rng.randrange(len(v))
                v = v[:k] + rng.choice(alphabet) + v[k + 1:]
            values.add(v)
        values.add(f"{rng.randrange(10**11, 10**12)}")
        values.discard("")
        path = _write(tmp_path, text)
        found = scan.scan_paths([path], sensitive_values=sorted(values))
        found = found[found.kind == "sensitive_value"]
        expected = sorted(v[:2] + "*" * (len(v) - 2) for v in values if len(v) >= 4 and _plainly_in(v, text))
        assert sorted(found.excerpt) == expected, text
        kinds |= {"number" if scan.NUMBER_SHAPE.fullmatch(v) else "long" if len(v) >= scan.FRAGMENT
                  else "short" for v in values if len(v) >= 4 and _plainly_in(v, text)}
    assert kinds == {"number", "long", "short"}  # every kind of value was found somewhere


def test_many_values_that_begin_alike(tmp_path):
    """Free text often opens with the same words: dozens of notes share their first characters.
    Those found are exactly the ones that stand whole in the text (one the prefix of another,
    one at the very end of the text), however many begin alike."""
    opening = "Samtal med mamman om "
    values = [opening + w for w in ("skolan", "skolans mat", "boendet", "oron", "oron för hemmet",
                                    "ekonomin", "pappan", "barnets hälsa", "fritiden", "maten",
                                    "kvällarna", "sömnen")] + [opening.strip()]
    assert len(values) > scan._FEW and min(map(len, values)) >= scan.FRAGMENT
    text = f"Anteckning: {opening}oron för hemmet. Sedan: {opening}skolans matsal\n{opening}sömnen"
    found = scan.scan_paths([_write(tmp_path, text)], sensitive_values=values)
    expected = [v for v in values if _plainly_in(v, text)]
    assert len(expected) == 6  # oron, oron för hemmet, skolan, skolans mat, sömnen, the opening
    assert sorted(found.excerpt) == sorted(v[:2] + "*" * (len(v) - 2)
                                           for v in values for line in text.splitlines()
                                           if _plainly_in(v, line))
