"""um_01 at register scale: the notes' text stays in the engine.

The catalogue loads ``um_anteckningar`` as a linked cell table (the text and the person ids stay
in the engine), and :func:`jamtools.stats.text.count_words` / :func:`~jamtools.stats.text.
contains_stem` count over an engine view of the notes (:func:`jamtools.data.links.rows_view`).
The same query counts a DataFrame of notes: both paths must agree, on messy notes too, and the
account of the rows must be that of a load as rows.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from jamtools.chapters import um
from jamtools.data import load_table
from jamtools.data.links import rows_view
from jamtools.run import catalogue
from jamtools.stats.text import contains_stem, count_words

CHAPTER, TABLE = "um_01_sprakbruk", "um_anteckningar"
STEMS = ("ansvar", "omsorg", "omvårdnad", "föräldraförmåg")

#: Messy notes: names (inside a sentence, at its start, never in lower case), digits, e-mail and
#: web addresses, blank and missing text, other roles and a missing role, unknown sex, a missing
#: person, characters whose lower case differs between Python and DuckDB.
MESSY = [
    ("kvinna", "p1", "foralder", "Mamma ringde. Hon tar ansvar för barnen och omsorgen."),
    ("man", "p2", "foralder", "Pappa Kalle Svensson ringde från 070-1234567, mejl kalle@ex.se."),
    ("kvinna", "p3", "klient", "samtal med Anna om boende. Anna har ansvar för 2 barn"),
    ("man", "p4", "klient", "   "),
    ("kvinna", "p5", "foralder", None),
    ("man", "p6", None, "möte om ekonomi, se www.Exempel.se och https://x.se/a?b=1"),
    ("kvinna", "p1", "foralder", "omsorg omsorg OMSORG ansvar3 föräldraförmågan brister"),
    ("okänt", "p7", "foralder", "ansvar ansvar ansvar"),
    ("man", None, "foralder", "pappa tar ansvar"),
    ("man", "p8", "klient", "ΣΟΦΙΑ och İstanbul: σοφία tar omvårdnaden."),
    ("kvinna", "p9", "klient", "x-tra barn-och-unga mammans mamma’s möte. Möte igen"),
    ("man", "p10", "foralder", "Pappan: ”Jag tar ansvar”. • omsorg om barnet"),
]


def _write(tmp_path, *, roles: bool = True):
    rows = [{"anteckning_id": f"a{i}", "person_id": p, "kon": k, "roll": r, "datum": "2024-01-02",
             "anteckning": t} for i, (k, p, r, t) in enumerate(MESSY)]
    frame = pd.DataFrame(rows)
    if not roles:
        frame = frame.drop(columns="roll")
    frame.to_csv(tmp_path / f"{TABLE}.csv", index=False)
    return tmp_path


def _load(data_dir, *, linked: bool):
    need = catalogue.CHAPTERS[CHAPTER].need(TABLE)
    return load_table(TABLE, data_dir=data_dir, columns=("kon", *need.required),
                      optional=tuple(need.optional), cells=linked, linked=linked)


def _counts_equal(a, b):
    pd.testing.assert_frame_equal(a.counts.reset_index(drop=True), b.counts.reset_index(drop=True),
                                  check_dtype=False)
    assert a.totals == b.totals and a.n_notes == b.n_notes and a.levels == b.levels
    pd.testing.assert_frame_equal(a.excluded, b.excluded, check_dtype=False)


@pytest.mark.parametrize("roles", [True, False])
@pytest.mark.parametrize("role", [None, "foralder"])
def test_the_engine_path_counts_as_the_dataframe_path(tmp_path, roles, role):
    # a role asked for without the role column: every note is kept, with a sentence why
    data_dir = _write(tmp_path, roles=roles)
    as_rows, why_rows = um.select_notes(_load(data_dir, linked=False), role)
    in_engine, why_engine = um.select_notes(_load(data_dir, linked=True), role)
    assert why_rows == why_engine and bool(why_engine) == bool(role and not roles)
    assert "anteckning" in as_rows.data and in_engine.rows is not None
    # the account is the same
    assert as_rows.excluded_by_reason() == in_engine.excluded_by_reason()
    pd.testing.assert_frame_equal(as_rows.quality(), in_engine.quality())
    assert as_rows.counts_by_sex() == in_engine.counts_by_sex()

    for exclude, notes in (((), False), (("pappa", "barnen"), True)):
        with rows_view(in_engine) as view:
            engine_counts = count_words(view, levels=um.LEVELS, exclude=exclude, notes=notes)
        _counts_equal(count_words(as_rows.data, levels=um.LEVELS, exclude=exclude, notes=notes),
                      engine_counts)
        assert len(engine_counts.counts) > 5
        assert ("notes_kvinna" in engine_counts.counts) == notes

    by = ["kon", "roll"] if roles else ["kon"]
    with rows_view(in_engine) as view:
        engine_flags = contains_stem(view, STEMS, by=by, name="ansvarsord")
    frame_flags = contains_stem(as_rows.data, STEMS, by=by, name="ansvarsord")
    pd.testing.assert_frame_equal(frame_flags, engine_flags, check_dtype=False)
    # ... and agree with the flag per note
    per_note = as_rows.data.assign(ansvarsord=contains_stem(as_rows.data, STEMS))
    expected = (per_note.groupby([*by, "ansvarsord"], dropna=False).size()
                .rename("n").reset_index())
    pd.testing.assert_frame_equal(expected, frame_flags, check_dtype=False)
    assert engine_flags["ansvarsord"].sum() > 0 and (engine_flags["ansvarsord"] == 0).any()

    # the parents: a subset of the cells
    parents_rows, parents_cells = um.parent_notes(as_rows.data), um.parent_notes(in_engine.data)
    assert (parents_rows is None) == (parents_cells is None) == (not roles)
    if roles:
        with rows_view(in_engine, parents_cells) as view:
            engine_parents = count_words(view, levels=um.LEVELS)
        _counts_equal(count_words(parents_rows, levels=um.LEVELS), engine_parents)
        # ... or every role's notes in the pass over all of them (as the chapter counts them)
        with rows_view(in_engine) as view:
            by_role = count_words(view, levels=um.LEVELS, by="roll")
        _counts_equal(by_role.part(um.PARENT), engine_parents)
        _counts_equal(by_role, count_words(as_rows.data, levels=um.LEVELS))
        clients = as_rows.data[as_rows.data["roll"] == "klient"]
        _counts_equal(by_role.part("klient"), count_words(clients, levels=um.LEVELS))
        assert set(by_role.parts) == set(as_rows.data["roll"].dropna()) == (
            {"foralder"} if role else {"foralder", "klient"})


def test_the_chapter_and_its_helpers_give_the_same_answers_on_both_paths(tmp_path):
    data_dir = _write(tmp_path)
    as_rows, _ = um.select_notes(_load(data_dir, linked=False))
    in_engine, _ = um.select_notes(_load(data_dir, linked=True))
    with um._notes_at(as_rows) as src:
        rows_counts, rows_flagged = um._words_and_stems(as_rows, src, stems=STEMS, exclude=(),
                                                        by="roll")
    with um._notes_at(in_engine) as src:
        assert isinstance(src, str)
        cells_counts, cells_flagged = um._words_and_stems(in_engine, src, stems=STEMS,
                                                          exclude=(), by="roll")
    _counts_equal(rows_counts, cells_counts)
    _counts_equal(rows_counts.part(um.PARENT), cells_counts.part(um.PARENT))
    _counts_equal(cells_counts, count_words(as_rows.data, levels=um.LEVELS))
    per_note = as_rows.data.assign(ansvarsord=contains_stem(as_rows.data, STEMS))
    pd.testing.assert_frame_equal(rows_flagged, per_note)
    assert "anteckning" not in cells_flagged and "person_id" not in cells_flagged
    per_cell = (cells_flagged.groupby(["kon", "roll", "ansvarsord"], dropna=False)[in_engine.weight]
                .sum())
    per_row = rows_flagged.groupby(["kon", "roll", "ansvarsord"], dropna=False).size()
    pd.testing.assert_series_equal(per_cell, per_row, check_names=False, check_dtype=False)


def test_the_chapters_load_keeps_the_notes_in_the_engine(tmp_path, monkeypatch):
    data_dir = _write(tmp_path)
    need = catalogue.CHAPTERS[CHAPTER].need(TABLE)
    assert need.linked and need.cells
    params = SimpleNamespace(data_dir=data_dir, config=None)
    loaded = catalogue.load(CHAPTER, TABLE, params)
    assert loaded.rows is not None and loaded.weight
    assert {"anteckning", "person_id"} <= set(loaded.rows.columns)
    assert not {"anteckning", "person_id"} & set(loaded.data.columns)
    assert len(loaded.data) < len(MESSY)  # cells, not rows
    assert loaded.n_rows() == sum(k != "okänt" and p is not None and t is not None and t.strip() != ""
                                  for k, p, _, t in MESSY)
    # counting reads no note into pandas: the only frames made are the engine's aggregates
    made = []
    original = pd.DataFrame.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    notes, _ = um.select_notes(loaded)
    monkeypatch.setattr(pd.DataFrame, "__init__", spy)
    with um._notes_at(notes) as src:
        counts, flagged = um._words_and_stems(notes, src, stems=STEMS, exclude=(), by="roll")
    assert flagged["ansvarsord"].sum() > 0 and len(made) > 2
    monkeypatch.undo()
    texts = {t for _, _, _, t in MESSY if t}
    for frame in made:
        for col in frame.columns:
            if frame[col].dtype == object or str(frame[col].dtype) == "string":
                assert not set(frame[col].dropna().astype(str)) & texts, col
                assert not {"p1", "p2", "p3"} & set(frame[col].dropna().astype(str)), col
    assert "kalle" not in set(counts.counts["word"]) and "anna" not in set(counts.counts["word"])


def _notes_with_roles(tmp_path, seed: int = 3):
    """An export of 600 notes about 90 persons: parents' notes use words of their own, a third
    of the notes have no role."""
    import random

    rng = random.Random(seed)
    common = ["samtal", "boende", "ekonomi", "arbete", "oro", "hemmet", "stöd", "ansvar"]
    parents = ["mamman", "pappan", "barnen", "umgänge", "föräldraförmågan", "hämtning"]
    rows = []
    for i in range(600):
        who = rng.randrange(90)
        sex = "kvinna" if who % 2 else "man"
        role = rng.choice(["foralder", "klient", None])
        pool = parents * 3 + common if role == "foralder" else common
        if sex == "kvinna":
            pool = pool + ["omsorg"]
        words = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 9)))
        rows.append({"anteckning_id": f"a{i}", "person_id": f"p{who}", "kon": sex, "roll": role,
                     "datum": "2024-01-02", "anteckning": f"samtal om {words}."})
    pd.DataFrame(rows).to_csv(tmp_path / f"{TABLE}.csv", index=False)
    return pd.DataFrame(rows)


def test_the_chapter_with_roles_missing_for_some_notes(tmp_path):
    # a role missing for a third of the notes: the chapter runs (it stopped in the disclosure of
    # the shares per role), the missing role is a row of its own, labelled for the reader, and
    # the parents' words are those of the parents' notes alone
    from jamtools.present.plots import Plot
    from jamtools.present.report import MISSING_LABEL, Table
    from jamtools.run.notebook import setup
    from jamtools.stats.text import distinctive_words
    from jamtools.disclosure.text import disclose_words
    from jamtools.present import text as words

    import nbformat

    rows = _notes_with_roles(tmp_path)
    source = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / f"{CHAPTER}.ipynb", 4)
    params: dict = {}
    exec(next(c.source for c in source.cells if "parameters" in c.metadata.get("tags", [])), params)
    ctx = setup(CHAPTER, {**{k: v for k, v in params.items() if not k.startswith("__")},
                          "data_dir": str(tmp_path)})
    page = um.words_in_notes(ctx)
    tables = [i for i in page.part("ansvar") if isinstance(i, Table)]
    shares = tables[0].frame
    import re

    assert MISSING_LABEL in set(shares.iloc[:, 0])
    assert not re.search(r"<NA>|\bnan\b|\bNone\b", shares.to_string())
    n_missing = shares.loc[shares.iloc[:, 0] == MISSING_LABEL, "Antal"]
    assert sum(int(re.sub(r"\D", "", str(v))) for v in n_missing) == rows["roll"].isna().sum()
    figure = next(i for i in page.part("ansvar") if isinstance(i, Plot))
    ax = figure.fig.axes[0]
    at = [y for y, t in zip(ax.get_yticks(), ax.get_yticklabels()) if MISSING_LABEL in t.get_text()]
    assert len(at) == 1
    drawn = [y for line in ax.lines for y in line.get_ydata()]
    assert sum(abs(y - at[0]) < 0.5 for y in drawn) >= 2  # both sexes' points on its row
    # the parents' table: the words of the parents' notes alone
    parent_table = next(i for i in page.part("foraldrar") if isinstance(i, Table))
    alone = count_words(rows[rows["roll"] == "foralder"], levels=um.LEVELS,
                        exclude=ctx.extra["uteslutna_ord"])
    shown = disclose_words(distinctive_words(alone, prior_strength=ctx.extra["prior_styrka"],
                                             conf_level=ctx.conf_level), threshold=ctx.threshold)
    expected = words.word_table(words.top_words(shown, 10),
                                labels={"kvinna": "mammor", "man": "pappor"})
    pd.testing.assert_frame_equal(parent_table.frame, expected.frame)
    assert "föräldraförmågan" in set(parent_table.frame.iloc[:, 1].astype(str)) | set(
        parent_table.frame.iloc[:, 0].astype(str)) | set(parent_table.frame.to_numpy().ravel().astype(str))


def _one_persons_notes(tmp_path):
    """One woman's 8 notes with "ansvar" (8 notes: enough by notes, one person), 12 other women's
    notes without it; 10 men with it and 12 without."""
    rows = ([("kvinna", "w0", "Hon tar ansvar för hemmet.")] * 8
            + [("kvinna", f"w{i % 12 + 1}", "Samtal om boende.") for i in range(24)]
            + [("man", f"m{i}", "Han tar ansvar för hemmet.") for i in range(10)]
            + [("man", f"m{i % 12 + 10}", "Samtal om ekonomi.") for i in range(24)])
    pd.DataFrame([{"anteckning_id": f"a{i}", "person_id": p, "kon": k, "roll": "klient",
                   "datum": "2024-01-02", "anteckning": t} for i, (k, p, t) in enumerate(rows)]
                 ).to_csv(tmp_path / f"{TABLE}.csv", index=False)
    return tmp_path


def test_a_share_of_one_persons_notes_is_hidden_on_both_paths(tmp_path):
    # "8 notes with the word" passed the threshold on notes, though they are one woman's: the
    # page told a reader about one person's case notes. Counted by persons it is hidden.
    from jamtools.disclosure import analyses

    data_dir = _one_persons_notes(tmp_path)
    for linked in (False, True):
        notes, _ = um.select_notes(_load(data_dir, linked=linked))
        with um._notes_at(notes) as src:
            _, flagged = um._words_and_stems(notes, src, stems=STEMS, exclude=(), by="roll")
        assert "person_id" not in flagged or not linked
        persons = um.PERSON if linked else um.NOTE_PERSON
        result = analyses.binary_outcome(flagged, "ansvarsord", levels=um.LEVELS, by="roll",
                                         threshold=5, weight=notes.weight, persons=persons)
        for table in (result.shares, result.by_shares):
            women = table[table["kon"] == "kvinna"]
            assert women["suppressed"].all() and women["events"].isna().all(), linked
        assert result.comparisons["suppressed"].all()
        # by notes alone the women's 8 of 32 were shown
        by_notes = analyses.binary_outcome(flagged, "ansvarsord", levels=um.LEVELS, by="roll",
                                           threshold=5, weight=notes.weight)
        assert by_notes.shares.set_index("kon").loc["kvinna", "events"] == 8


def test_the_chapter_hides_a_share_of_one_persons_notes(tmp_path):
    import nbformat

    from jamtools.present.report import Table
    from jamtools.run.notebook import setup

    data_dir = _one_persons_notes(tmp_path)
    source = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / f"{CHAPTER}.ipynb", 4)
    params: dict = {}
    exec(next(c.source for c in source.cells if "parameters" in c.metadata.get("tags", [])), params)
    ctx = setup(CHAPTER, {**{k: v for k, v in params.items() if not k.startswith("__")},
                          "data_dir": str(data_dir), "threshold": 5})
    page = um.words_in_notes(ctx)
    shares = next(i for i in page.part("ansvar") if isinstance(i, Table)).frame
    import re

    women = shares[shares.iloc[:, 1] == "Kvinnor"]
    assert len(women) == 1 and not re.search(r"\d", " ".join(women.astype(str).to_numpy().ravel()))
    rd = page.comparisons[page.comparisons["measure"] == "risk_difference_pp"]
    assert len(rd) and rd["suppressed"].all()


def _persons_notes(tmp_path, *, same_women: bool):
    """Two women with notes with the word in each role: the same two in both roles
    (``same_women``: 2 persons by sex) or two others (4 persons by sex); 12 women without the
    word per role; per role 30 men with the word and 30 without, one note each."""
    rows = []
    for role in ("foralder", "klient"):
        for p in (("p1", "p2") if same_women or role == "foralder" else ("p3", "p4")):
            rows += [("kvinna", p, role, "hon tar ansvar")] * 3
        rows += [("kvinna", f"w{role}{i}", role, "ett samtal om boende") for i in range(12)]
        rows += [("man", f"m{role}{i}", role, "han tar ansvar") for i in range(30)]
        rows += [("man", f"n{role}{i}", role, "ett samtal om boende") for i in range(30)]
    pd.DataFrame([{"anteckning_id": f"a{i}", "person_id": p, "kon": k, "roll": r,
                   "datum": "2024-01-02", "anteckning": t} for i, (k, p, r, t) in enumerate(rows)]
                 ).to_csv(tmp_path / f"{TABLE}.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("same_women", [True, False])
def test_the_persons_leave_the_engine_numbered_and_capped_and_decide_as_the_rows(tmp_path, same_women):
    # The notes per person leave the engine for up to `threshold` persons per cell and flag
    # (the 30 men with the word are 3 persons and the rest), numbered the same in every cell:
    # the same 2 women in two roles are 2 persons by sex (hidden), 2 and 2 others are 4
    # (shown), as on the rows.
    from jamtools.disclosure import analyses

    threshold = 3
    data_dir = _persons_notes(tmp_path, same_women=same_women)
    results = {}
    for linked in (False, True):
        notes, _ = um.select_notes(_load(data_dir, linked=linked))
        with um._notes_at(notes) as src:
            _, flagged = um._words_and_stems(notes, src, stems=STEMS, exclude=(), by="roll",
                                             threshold=threshold)
        if linked:
            per_cell = flagged.drop(columns=[um.PERSON, notes.weight]).astype(str).value_counts()
            assert per_cell.max() <= threshold + 1
            assert flagged[um.PERSON].max() < 100  # numbers 1, 2, …, never a hash of an id
        persons = um.PERSON if linked else um.NOTE_PERSON
        results[linked] = analyses.binary_outcome(flagged, "ansvarsord", levels=um.LEVELS, by="roll",
                                                  threshold=threshold, weight=notes.weight,
                                                  persons=persons)
    for name in ("shares", "by_shares"):
        rows, cells = (getattr(results[k], name) for k in (False, True))
        cols = ["kon", "n", "events", "suppressed"] + (["roll"] if name == "by_shares" else [])
        key = ["kon"] + (["roll"] if name == "by_shares" else [])
        pd.testing.assert_frame_equal(rows[cols].sort_values(key).reset_index(drop=True),
                                      cells[cols].sort_values(key).reset_index(drop=True),
                                      check_dtype=False)
    women = results[True].shares.set_index("kon").loc["kvinna"]
    assert bool(women["suppressed"]) == same_women  # 12 notes with the word, of 2 or of 4 persons


def test_a_threshold_above_the_persons_cap_is_refused(tmp_path):
    # The persons leave the engine numbered up to a cap per cell (um_01's threshold): a caller
    # with a higher threshold counted too few persons and, in a union of cells, could count a
    # person twice (once as a cell's further persons): a share of fewer persons than the
    # threshold was shown. The cap travels with the counts and a higher threshold is refused.
    from jamtools.disclosure import analyses
    from jamtools.stats.text import PERSONS_UP_TO, persons_up_to

    data_dir = _persons_notes(tmp_path, same_women=False)
    notes, _ = um.select_notes(_load(data_dir, linked=True))
    with um._notes_at(notes) as src:
        _, flagged = um._words_and_stems(notes, src, stems=STEMS, exclude=(), by="roll", threshold=3)
    assert flagged.attrs[PERSONS_UP_TO] == {um.PERSON: 3} and persons_up_to(flagged, um.PERSON) == 3
    args = dict(levels=um.LEVELS, by="roll", weight=notes.weight, persons=um.PERSON)
    with pytest.raises(ValueError, match="fewer than the threshold 4"):
        analyses.binary_outcome(flagged, "ansvarsord", threshold=4, **args)
    for threshold in (2, 3):  # at or below the cap: counted
        analyses.binary_outcome(flagged, "ansvarsord", threshold=threshold, **args)
    # a table that lost the cap cannot be checked: refused too
    with pytest.raises(ValueError, match="no longer records"):
        analyses.binary_outcome(pd.DataFrame(flagged.to_dict("list")), "ansvarsord", threshold=3, **args)


@pytest.mark.parametrize("linked", [False, True])
def test_an_id_written_two_ways_is_one_person(tmp_path, linked):
    # The export's own person ids are only trimmed by the load: one woman's notes under
    # "19121212-1212", "121212 1212", "1212121212" and "k-7" / "K7" counted as five persons,
    # and her share of notes with the word was shown at threshold 5. As one person it is hidden,
    # on the rows and in the engine, for the words' persons too.
    from jamtools.disclosure import analyses

    ids = ["19121212-1212", "121212 1212", "1212121212", "k-7", "K7"]
    rows = [("kvinna", p, "klient", "hon tar ansvar") for p in ids for _ in range(2)]
    rows += [("kvinna", f"w{i}", "klient", "ett samtal om boende") for i in range(12)]
    rows += [("man", f"m{i}", "klient", t) for i in range(12) for t in ("han tar ansvar", "ett samtal")]
    pd.DataFrame([{"anteckning_id": f"a{i}", "person_id": p, "kon": k, "roll": r,
                   "datum": "2024-01-02", "anteckning": t} for i, (k, p, r, t) in enumerate(rows)]
                 ).to_csv(tmp_path / f"{TABLE}.csv", index=False)
    notes, _ = um.select_notes(_load(tmp_path, linked=linked))
    with um._notes_at(notes) as src:
        counts, flagged = um._words_and_stems(notes, src, stems=STEMS, exclude=(), by=None, threshold=5)
    result = analyses.binary_outcome(flagged, "ansvarsord", levels=um.LEVELS, threshold=5,
                                     weight=notes.weight,
                                     persons=um.PERSON if linked else um.NOTE_PERSON)
    women = result.shares.set_index("kon").loc["kvinna"]
    assert bool(women["suppressed"]) and pd.isna(women["events"])
    # the word "hon", in her ten notes only, is about two persons (hers and, as ids, the
    # personnummer's and the other's), never five
    word = counts.counts.set_index("word")
    assert word.loc["hon", "persons_kvinna"] == 2
