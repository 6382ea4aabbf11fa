"""An optional table, or an optional column, that the check finds unreadable (most values cannot
be read) is left out by the chapter as the check promised: the check says "kan köras utan …",
so the chapter runs without it and says in Swedish which table or column could not be read and
why, pointing to the check (r4_01 stopped with "most values invalid" on an SCB-style
population export the check had called optional). And a chapter does not leave rows out for a
column it does not use: r4_01 without an age in the population reads no age of the clients.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jamtools import data
from jamtools.chapters import representation
from jamtools.run import catalogue
from jamtools.run.check import check_inputs
from jamtools.run.config import load_config
from jamtools.run.notebook import setup

R4 = "r4_01_representation"


def _write(folder: Path, *, population: pd.DataFrame, clients: pd.DataFrame | None = None) -> Path:
    import yaml

    rng = range(60)
    clients = clients if clients is not None else pd.DataFrame({
        "beslut_id": [f"b{i}" for i in rng], "person_id": [f"p{i}" for i in rng],
        "kon": ["kvinna" if i % 3 else "man" for i in rng], "alder": [66 + i % 25 for i in rng],
        "beslutsdatum": ["2022-03-01"] * 60})
    clients.to_csv(folder / "ht.csv", sep=";", index=False)
    population.to_csv(folder / "bef.csv", sep=";", index=False)
    cfg = folder / "jamtools.yml"
    cfg.write_text(yaml.safe_dump({"organisation": "Test", "threshold": 3, "tables": {
        "ht_beslut": {"file": "ht.csv"}, "befolkning": {"file": "bef.csv"}}}, allow_unicode=True),
        encoding="utf-8")
    return cfg


def _population(**override) -> pd.DataFrame:
    frame = pd.DataFrame([{"ar": 2022, "kon": k, "alder": a, "antal": 100}
                          for k in ("kvinna", "man") for a in range(65, 101)])
    return frame.assign(**override)


def _ctx(cfg: Path):
    return setup(R4, {"data_dir": str(cfg.parent), "results_path": None, "config_file": str(cfg),
                      "tabell": None, "aldersgranser": None, "alder_max": None})


def _readiness(cfg: Path):
    return check_inputs(load_config(cfg), chapters=[R4]).chapters[R4]


def _text(page) -> str:
    return " ".join(str(x) for part in page.parts.values() for x in part)


def test_an_unreadable_optional_column_is_left_out_and_said(tmp_path):
    """Text in the population's age column: the check says r4_01 runs without the age, and the
    chapter does: the crude ratio only, with the sentence that the age could not be read."""
    cfg = _write(tmp_path, population=_population(alder="okänd"))
    ready = _readiness(cfg)
    assert ready.status == "kan_koras_utan" and any(x.startswith("alder") for x in ready.left_out)
    loaded = data.load_table("befolkning", config=load_config(cfg), columns=["ar", "antal"],
                             optional=["alder"])
    assert loaded.unusable == {"alder": "alder"} and not loaded.has("alder")
    assert "alder" not in loaded.data.columns and loaded.n_rows() == 72  # no row left out for it
    page = representation.who_comes(_ctx(cfg))
    text = _text(page)
    assert ("Uppgiften om ålder kunde inte läsas: de flesta värdena i kolumnen 'alder' i bef.csv "
            "går inte att tolka (se kontrollen av indata") in text
    assert catalogue.CHAPTERS[R4].need("befolkning").optional["alder"] in text
    assert not page.comparisons["adjusted"].astype(bool).any()  # the crude ratio only
    assert page.comparisons["estimate"].notna().any()


def test_an_optional_table_whose_required_column_is_unreadable_is_left_out_and_said(tmp_path):
    """Codes no one can read in the population's sex column: the check says r4_01 runs without
    the population, and the chapter shows the sex distribution, saying why."""
    cfg = _write(tmp_path, population=_population(kon="x9"))
    ready = _readiness(cfg)
    assert ready.status == "kan_koras_utan" and any("tabellen befolkning" in x for x in ready.left_out)
    with pytest.raises(data.UnusableColumns) as err:
        data.load_table("befolkning", config=load_config(cfg), columns=["ar", "antal"])
    assert err.value.columns == ("kon",) and err.value.source == "bef.csv"
    ctx = _ctx(cfg)
    page = representation.who_comes(ctx)
    text = _text(page)
    assert ("Uppgifterna om befolkningen kunde inte läsas: de flesta värdena i kolumnen 'kon' i "
            "bef.csv går inte att tolka") in text
    assert catalogue.CHAPTERS[R4].need("befolkning").without in text
    assert "Data saknar uppgifter om befolkningen" not in text
    assert page.comparisons is None  # only the sex distribution
    # the same through the catalogue's own load_optional (every chapter's optional tables)
    assert catalogue.load_optional(R4, "befolkning", ctx.params) is None


def test_a_required_column_that_is_unreadable_still_stops(tmp_path):
    pop = _population()
    cfg = _write(tmp_path, population=pop.assign(antal=["100"] + ["många"] * (len(pop) - 1)))
    with pytest.raises(data.UnusableColumns, match="most values invalid"):
        data.load_table("befolkning", config=load_config(cfg), columns=["ar", "antal"], optional=["alder"])


def test_no_row_is_left_out_for_an_age_the_chapter_does_not_use(tmp_path):
    """A population without age: r4_01 compares without age groups, so a client's impossible
    age (here: 250) leaves no row out; with the age in the population it does."""
    rng = range(60)
    clients = pd.DataFrame({
        "beslut_id": [f"b{i}" for i in rng], "person_id": [f"p{i}" for i in rng],
        "kon": ["kvinna" if i % 3 else "man" for i in rng],
        "alder": [250 if i < 4 else 66 + i % 25 for i in rng], "beslutsdatum": ["2022-03-01"] * 60})
    pop = _population().groupby(["ar", "kon"], as_index=False)["antal"].sum()
    cfg = _write(tmp_path, population=pop, clients=clients)
    run = representation.analyse_all(_ctx(cfg))
    part = run.parts[0]
    assert part.kind == "ra"
    assert "Omöjligt värde (alder)" not in part.clients.excluded_by_reason()
    assert part.clients.n_rows() == 60
    cfg = _write(tmp_path, population=_population(), clients=clients)
    part = representation.analyse_all(_ctx(cfg)).parts[0]
    assert part.kind == "alder"
    assert part.clients.excluded_by_reason()["Omöjligt värde (alder)"] == 4
