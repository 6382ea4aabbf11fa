"""Representation (the first R of 4R): who comes to the service, compared with the population.

From a loaded client table and the population table (``befolkning``) to the collapsed table the
rate methods need (:mod:`jamtools.stats.rates`), and from their disclosed results to tables,
figures and sentences:

- :func:`prepare` counts distinct persons per year by sex and age group (the first row of each
  person and year decides the age group), leaving out, and recording, rows of years the
  population table does not cover and rows outside the age groups;
- :func:`disclose_rates` hides small counts and their complements (the rates are shares of the
  population, so :func:`jamtools.disclosure.disclose_shares` protects them);
- :func:`rates_plot`, :func:`rates_table`, :func:`ratio_plot`, :func:`ratio_table`,
  :func:`composition_table` and :func:`describe` show only disclosed frames;
- :func:`who_comes` is the chapter ``r4_01_representation``: one part per client table, as a
  :class:`~jamtools.present.page.Page`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.data import load_table
from jamtools.data.derive import age_bands, age_group
from jamtools.data.links import first_per_id, without_rows
from jamtools.data.model import CHILD_SEXES, TABLES
from jamtools.present import parameters
from jamtools.present.page import Page, figure, items
from jamtools.present.plots import (SEX_COLORS, SEX_MARKERS, Plot, interval_handle, intervals, key,
                                    new_figure, row_height, set_title, sex_handle,
                                    suppressed_text, title_height, wrap)
from jamtools.present.report import (NOT_COMPUTED_MARK, SEX_LABELS, Table, estimate_cell,
                                     estimate_words, interval_cells, is_hidden, marked, marks_legend,
                                     interval, marks_note,
                                     number, p_value, percent,
                                     no_rows_text, quality_table)
from jamtools.present.sentences import direction, hidden_why, not_shown, verdict
from jamtools.stats import rates
from jamtools.present.report import conf_percent

_CHILD_AGES = ([0, 7, 13, 16], 17)
_EB_AGES = ([18, 25, 35, 45, 55, 65], None)
#: Default age groups per client table: (lower bounds, highest age or None for an open group).
DEFAULT_AGE_GROUPS = {
    "bof_aktualiseringar": _CHILD_AGES, "bof_utredningar": _CHILD_AGES, "bof_insatser": _CHILD_AGES,
    "eb_klienter": _EB_AGES, "eb_planering": _EB_AGES, "eb_insatser": _EB_AGES, "eb_utfall": _EB_AGES,
    "ht_beslut": ([65, 75, 85, 95], None),
    "ks_elever": ([4, 7, 10, 13, 16, 19], 25),
}
#: Client tables the chapter accepts: a person id, sex, age and a date.
CLIENT_TABLES = tuple(DEFAULT_AGE_GROUPS)

#: What to choose as the parameter ``tabell``, in the messages for a value that cannot be used.
ERR_CHOOSE = "Välj en tabell med en rad per person eller ärende, med kön, ålder och datum: {ok}."
ERR_TABLE = ("Parametern tabell = {v!r} går inte att använda: välj en tabell med en rad per person "
             "eller ärende, med kön, ålder och datum: {ok}.")
ERR_AGES = ("Parametern aldersgranser = {v!r} ska vara en lista med åldersgruppernas nedre gränser, "
            "stigande heltal ≥ 0, till exempel [18, 30, 50, 65], eller None för tabellens egna grupper.")
ERR_UPPER = ("Parametern alder_max = {v!r} ska vara den högsta åldern i den sista åldersgruppen, ett "
             "heltal, eller None för en öppen grupp (till exempel 65+ år).")
MEASURE_LABELS = {
    "rate_ratio": "Kvot mellan andelarna per 1 000 invånare",
    "mh_rate_ratio": "Kvot mellan andelarna (Mantel–Haenszel)",
    "share_difference_pp": "Andel {who} bland klienterna − bland invånarna (procentenheter)",
}


@dataclass
class Setup:
    """What the chapter needs to know about the chosen client table."""

    table: str
    bounds: list
    upper: int | None
    levels: tuple
    labels: list

    @property
    def children(self) -> bool:
        return self.levels == CHILD_SEXES


def _age_problems(bounds, upper) -> list[str]:
    """The problems of the parameters ``aldersgranser`` (``bounds``) and ``alder_max``
    (``upper``) each by itself, whatever the table (their messages)."""
    problems = []
    if bounds is not None and (not isinstance(bounds, (list, tuple)) or not bounds or any(
            not parameters.is_whole_number(b, at_least=0) for b in bounds)):
        problems.append(ERR_AGES.format(v=bounds))
    if upper is not None and (isinstance(upper, bool) or not isinstance(upper, int)):
        problems.append(ERR_UPPER.format(v=upper))
    return problems


def _groups(table: str, bounds, upper):
    """The age groups of client table ``table``: (lower bounds, highest age, labels) from the
    parameters (each already checked) or the table's own; age_bands' ValueError when they do
    not make groups."""
    if bounds is None:
        bounds, default_upper = DEFAULT_AGE_GROUPS[table]
        upper = default_upper if upper is None else upper
    bounds = [int(b) for b in bounds]
    return bounds, upper, age_bands(bounds, upper)


def setup(table: str, bounds=None, upper=None) -> Setup:
    """Check the parameter ``tabell`` and choose the age groups (the table's default unless
    ``bounds``, the parameter ``aldersgranser``, is given; ``upper`` is ``alder_max``);
    ValueError naming the parameter and saying what to write (every problem of the three in
    one, :class:`jamtools.present.parameters.ParameterProblems`)."""
    problems = [] if isinstance(table, str) and table in CLIENT_TABLES else [
        ERR_TABLE.format(v=table, ok=", ".join(CLIENT_TABLES))]
    parameters.raise_all([*problems, *_age_problems(bounds, upper)])
    try:
        bounds, upper, labels = _groups(table, bounds, upper)
    except ValueError as exc:
        raise ValueError(f"Parametrarna aldersgranser = {bounds!r} och alder_max = {upper!r} går inte "
                         f"att använda för tabellen {table}: {exc}") from None
    return Setup(table, bounds, upper, TABLES[table].sex_values, labels)


def client_setups(tabell=None, aldersgranser=None, alder_max=None) -> dict[str, Setup]:
    """The chapter's parameters checked together: each client table of ``tabell``
    (:func:`client_tables`) with its age groups (:func:`setup`).

    Raises
    ------
    ValueError
        Every problem of the three parameters in one
        (:class:`jamtools.present.parameters.ParameterProblems`), each naming the parameter and
        saying what to write; age groups that do not fit are one problem, naming every table
        whose own groups an ``alder_max`` does not fit.
    """
    problems = _age_problems(aldersgranser, alder_max)
    try:
        tables = client_tables(tabell)
    except ValueError as exc:
        problems.insert(0, str(exc))
    parameters.raise_all(problems)
    setups, unfit = {}, {}
    for t in tables:
        try:
            bounds, upper, labels = _groups(t, aldersgranser, alder_max)
        except ValueError as exc:
            unfit[t] = str(exc).rstrip(".")
            continue
        setups[t] = Setup(t, bounds, upper, TABLES[t].sex_values, labels)
    if unfit and aldersgranser is not None:  # the same groups for every table: one reason
        raise ValueError(f"Parametrarna aldersgranser = {aldersgranser!r} och alder_max = {alder_max!r} "
                         f"går inte att använda: {next(iter(unfit.values()))}.")
    if unfit:
        reasons = "; ".join(f"{t}: {why[:1].lower()}{why[1:]}" for t, why in unfit.items())
        raise ValueError(f"Parametern alder_max = {alder_max!r} går inte att använda med "
                         f"{'tabellens' if len(unfit) == 1 else 'tabellernas'} egna åldersgrupper "
                         f"({reasons}). Ange en högre ålder, eller None för en öppen sista grupp, "
                         "eller ange också aldersgranser.")
    return setups


#: The client tables the chapter shows by default, one part each (the catalogue's own, in the
#: order the page shows them).
PART_TABLES = ("ht_beslut", "eb_klienter", "bof_aktualiseringar")
#: The parts' headings.
PART_TITLES = {"ht_beslut": "Hemtjänst", "eb_klienter": "Ekonomiskt bistånd",
               "bof_aktualiseringar": "Barn och familj"}


def client_tables(tabell=None) -> list[str]:
    """The client tables a run shows: the parameter ``tabell`` (a table name or a list of
    them, each one of :data:`CLIENT_TABLES`), or :data:`PART_TABLES` when it is None;
    ValueError naming every name that is not one of them
    (:func:`jamtools.present.parameters.names`)."""
    if tabell is None:
        return list(PART_TABLES)
    return parameters.names("tabell", tabell, allowed=CLIENT_TABLES, at_least_one=True,
                            unknown="går inte att använda" if isinstance(tabell, str)
                            else "nämner tabeller som inte går att använda",
                            choose=ERR_CHOOSE.format(ok=", ".join(CLIENT_TABLES)))


def load_clients(ctx, table: str, *, age: bool = True):
    """Load client table ``table`` for the chapter's run ``ctx`` (period from the parameters).

    A catalogue client table (:data:`PART_TABLES`) is loaded with the columns the catalogue
    declares (``ctx.load_optional``); another client table (chosen with the parameter
    ``tabell``) with the same declaration: sex required, the age, the person id and the table's
    own date column when present. None when the run lacks the table. Without ``age`` (the
    population has no age, so the part compares without age groups) the age is not read: no
    row is left out for an age the part does not use.

    The table comes as a cell table (``weight`` of the result names its counts). The person id,
    which is identifying, stays in the engine (a linked cell table, ``linked=True``), so that
    a person with several rows can still be counted once (:func:`count_persons`).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
    table : one of :data:`CLIENT_TABLES`.

    Returns
    -------
    jamtools.data.LoadResult or None
    """
    if table in PART_TABLES:
        return ctx.load_optional(table, period=ctx.params.period, skip=() if age else ("alder",))
    date = TABLES[table].date_column
    # (a table the check leaves out, missing or with an unreadable sex, is left out here too
    # and said, :func:`omissions_text`; it does not stop the chapter)
    return ctx.load_chosen(table, load=load_table, columns=("kon",),
                           optional=(*(["alder"] if age else []), "person_id", *([date] if date else [])),
                           period=ctx.params.period, cells=True, linked=True)


def _has_person_id(clients) -> bool:
    derived = clients.checked.derived.get("person_id") if clients.checked is not None else None
    return clients.has("person_id") and derived != "radnumret"


def with_year(clients):
    """``clients`` with the column ``ar`` (the year) from the table's date column when it has
    none (a new :class:`~jamtools.data.LoadResult`; the original is left unchanged). Whether the
    result has a year is ``.has("ar")``."""
    date = clients.table.date_column
    if not clients.has("ar") and date and clients.has(date):
        years = pd.to_datetime(clients.data[date]).dt.year.astype("Int64")
        return clients.with_data(clients.data.assign(ar=years))
    return clients


#: The population's rows without an age, in its account when a part compares by age group.
NO_AGE_IN_POPULATION = "Ålder saknas: ingår inte i jämförelserna efter åldersgrupp"

#: Clients left out because the population has no inhabitants in their cell.
NO_INHABITANTS = "Befolkningstabellen har inga invånare med samma år, kön"

#: Clients left out because the population has only some of their age group's ages that year.
PARTLY_COVERED = "Åldersgruppen täcks bara delvis av befolkningstabellen samma år"

#: The highest age of a population file that stands for itself and everyone older: SCB's tables
#: end with "100+ år" (read as 100), so an older client is covered by it.
TOP_CODED_AGE = 100


def uncovered_age_groups(population: pd.DataFrame, clients: pd.DataFrame, s: Setup) -> dict:
    """The (year, age group) cells the population covers only partly: some age of the group
    has no row in the population that year, for one of the sexes.

    A rate divides the clients of an age group by the inhabitants of the same ages; a
    population file without some of them (a file that ends at 90 against a group 90+ with
    clients of 98) divides the clients by too few inhabitants and overstates the rate. A row
    of 0 inhabitants counts as covered. An open top group needs the ages up to its oldest
    client that year; a file that reaches :data:`TOP_CODED_AGE` covers everyone older.

    Parameters
    ----------
    population : DataFrame
        ``ar``, ``kon`` and ``alder`` of the population rows (single years of age).
    clients : DataFrame
        ``ar``, ``aldersgrupp`` and ``alder`` of the clients.
    s : Setup
        The age groups.

    Returns
    -------
    dict
        (year, age group label) -> the missing ages (sorted), for every year of the clients
        or the population and every group with a missing age.
    """
    ages = population.dropna(subset=["alder"]).assign(alder=lambda t: t["alder"].astype(int))
    have = ages.groupby(["ar", "kon"])["alder"].agg(lambda a: set(a.tolist()))
    oldest = (clients.dropna(subset=["alder"]).assign(aldersgrupp=lambda t: t["aldersgrupp"].astype(str))
              .groupby(["ar", "aldersgrupp"])["alder"].max() if len(clients) else pd.Series(dtype=float))
    years = sorted({int(y) for y in population["ar"].dropna()} | {int(y) for y in clients["ar"].dropna()})
    out = {}
    for y in years:
        for i, label in enumerate(s.labels):
            lo = s.bounds[i]
            hi = s.bounds[i + 1] - 1 if i + 1 < len(s.bounds) else s.upper
            missing: set = set()
            for sex in ("kvinna", "man"):
                present = have.get((y, sex), set())
                top = hi
                if top is None:  # open: up to the oldest client of the group that year
                    top = max(lo, int(oldest.get((y, label), lo)))
                    if present and max(present) >= TOP_CODED_AGE:
                        top = min(top, max(present))
                missing |= set(range(lo, top + 1)) - present
            if missing:
                out[(y, label)] = sorted(missing)
    return out


def with_age_groups(clients, s: Setup):
    """``clients`` with the column ``aldersgrupp`` (the age groups of ``s``), rows without an
    age or outside the groups left out and counted ("Ålder utanför åldersgrupperna")."""
    groups = age_group(clients.data["alder"], bounds=s.bounds, upper=s.upper).to_numpy()
    clients = clients.with_data(clients.data.assign(aldersgrupp=groups))
    return clients.exclude(clients.data["aldersgrupp"].isna(), "Ålder utanför åldersgrupperna")


def count_persons(clients, s: Setup, *, by_age: bool, by_year: bool) -> pd.DataFrame:
    """One row per person (and year): ``kon``, ``ar`` and ``aldersgrupp`` where used.

    A person with several rows the same year counts once (the first row by date decides the
    age group; :func:`jamtools.data.links.first_per_id`); without a person id every row counts
    as a person. With ``by_age`` the rows are those with an age group (:func:`with_age_groups`;
    the caller that needs the account of the rows left out calls it first). When ``clients``
    is a cell table (its ``weight`` is set: also a linked one, whose person ids stay in the
    engine) each row stands for as many persons as its ``weight`` column says, and that column
    is kept.
    """
    clients = with_year(clients)
    if by_age and "aldersgrupp" not in clients.data:
        clients = with_age_groups(clients, s)
    date = clients.table.date_column
    order = date if date and date in clients.data else None
    keep = ["kon", *(["ar"] if by_year else []), *(["aldersgrupp"] if by_age else [])]
    if _has_person_id(clients):
        clients = first_per_id(clients, "person_id", by=keep[1:2] if by_year else (), order=order,
                               follow=False)  # counted, not followed further
        data = clients.data
    else:
        data = clients.data
        if order is not None:
            data = data.sort_values(order, kind="stable")
    out = data[[*keep, *([clients.weight] if clients.weight else [])]].copy()
    if by_year:
        out["ar"] = out["ar"].astype(int)
    return out.reset_index(drop=True)


def prepare(clients, population, s: Setup, *, by_age: bool = True):
    """The clients as analysed, persons per year and the collapsed table (year × age group ×
    sex, or year × sex without ``by_age``: ``events`` persons, ``population`` inhabitants).

    ``clients`` and ``population`` are :class:`jamtools.data.LoadResult` objects; ``clients``
    needs a date or ``ar`` (and ``alder`` with ``by_age``), ``population`` ``ar`` and ``antal``
    (and ``alder`` with ``by_age``).

    Returns
    -------
    (LoadResult, DataFrame, DataFrame)
        ``clients`` without the rows left out here, each counted with its reason (years the
        population table does not cover, ages outside the groups, a year, sex and age group
        without inhabitants); ``persons`` with one row per person and year; ``cells``, where
        every cell with persons has inhabitants. Population rows without an age are in no age
        group (:func:`analyse_all` counts them in the population's account).
    """
    clients = with_year(clients)
    years = set(population.data["ar"].dropna().astype(int))
    clients = clients.exclude(clients.data["ar"].isna() | ~clients.data["ar"].isin(years),
                              "År som saknas i befolkningstabellen")
    if by_age:
        clients = with_age_groups(clients, s)
    pop = population.data.dropna(subset=["ar", "antal"]).copy()
    if population.weight:  # a cell table: each row stands for that many rows of inhabitants
        pop["antal"] = pop["antal"].astype(float) * pop[population.weight]
    pop = pop[pop["ar"].isin(years)]
    uncovered = {}
    if by_age:
        pop["aldersgrupp"] = age_group(pop["alder"], bounds=s.bounds, upper=s.upper).to_numpy()
        # an age group the population has only some ages of, in a year, has no true rate:
        # its clients and its inhabitants are left out that year (and the page says so)
        uncovered = uncovered_age_groups(pop, with_year(clients).data, s)
        if uncovered:
            out = pd.MultiIndex.from_tuples([(str(y), g) for y, g in uncovered])
            theirs = pd.MultiIndex.from_arrays([clients.data["ar"].astype(int).astype(str),
                                                clients.data["aldersgrupp"].astype(str)])
            clients = clients.exclude(theirs.isin(out), PARTLY_COVERED)
            pops = pd.MultiIndex.from_arrays([pop["ar"].astype(int).astype(str), pop["aldersgrupp"].astype(str)])
            pop = pop[~pops.isin(out)]
        pop = pop.dropna(subset=["aldersgrupp"])
    if s.children:
        pop["kon"] = pop["kon"].map({"kvinna": "flicka", "man": "pojke"})
    keys = ["ar", "aldersgrupp", "kon"] if by_age else ["ar", "kon"]
    inhabitants = pop.assign(ar=pop["ar"].astype(int)).groupby(keys, observed=True)["antal"].sum()
    # a client row whose year, sex (and age group) has no inhabitants in the population table
    # (a file without some ages, or without an age on some rows) has no rate to count in: left
    # out and counted before the persons are, as a row outside the age groups is
    inhabited = pd.MultiIndex.from_frame(inhabitants[inhabitants > 0].index.to_frame().astype(str))
    theirs = pd.MultiIndex.from_frame(clients.data[keys].astype({"ar": int}).astype(str))
    clients = clients.exclude(~theirs.isin(inhabited), NO_INHABITANTS + (" och åldersgrupp" if by_age else ""))
    persons = count_persons(clients, s, by_age=by_age, by_year=True)
    grid = pd.MultiIndex.from_product([sorted(persons["ar"].unique()),
                                       *([s.labels] if by_age else []), list(s.levels)], names=keys)
    events = (persons.groupby(keys)[clients.weight].sum() if clients.weight
              else persons.groupby(keys).size())
    cells = pd.DataFrame({"events": events.reindex(grid, fill_value=0).astype(float),
                          "population": inhabitants.reindex(grid, fill_value=0).astype(float)})
    cells = cells.reset_index()
    if by_age:
        cells["aldersgrupp"] = pd.Categorical(cells["aldersgrupp"], categories=s.labels, ordered=True)
    cells.attrs["uncovered"] = uncovered
    return clients, persons, cells


@dataclass
class Part:
    """One client table's representation, disclosed: what could be computed depends on the
    data (``kind``): ``"alder"`` (rates per age group, crude and age-standardised),
    ``"ra"`` (crude rates only: no age in the clients or the population), or ``"fordelning"``
    (no population or no year: only the sex distribution among the clients)."""

    table: str
    setup: Setup
    clients: object
    kind: str
    years: list
    distribution: pd.DataFrame | None = None
    by_age: pd.DataFrame | None = None
    total: pd.DataFrame | None = None
    standardised: pd.DataFrame | None = None
    comparisons: pd.DataFrame | None = None
    composition: pd.DataFrame | None = None
    #: Sentences on what the population does not cover: years of the clients (or of the chosen
    #: period) and age groups the comparison leaves out (:func:`coverage_text`).
    coverage: list = field(default_factory=list)

    @property
    def title(self) -> str:
        return PART_TITLES.get(self.table, self.table)


def sex_distribution(persons: pd.DataFrame, levels, *, conf_level: float = 0.95,
                     threshold: int = disclosure.DEFAULT_THRESHOLD,
                     count: str | None = None) -> pd.DataFrame:
    """Persons per sex and each sex's share of all (Wilson interval), disclosed.

    Parameters
    ----------
    persons : DataFrame
        One row per person with ``kon`` (:func:`count_persons`).
    levels : the two sexes, in order.
    count : str, optional
        The column with the number of persons each row stands for (a cell table).

    Returns
    -------
    DataFrame
        One row per sex (``kon``): ``n`` (all persons), ``events`` (persons of that sex),
        ``share``, ``ci_low``, ``ci_high``; hidden (``..``) when a count is under
        ``threshold`` or gives one away.
    """
    from jamtools import stats

    rows = persons[persons["kon"].isin(levels)]
    counts = (rows.groupby("kon", observed=True)[count].sum() if count
              else rows["kon"].value_counts())
    frame = pd.DataFrame({"kon": list(levels), "n": float(rows[count].sum() if count else len(rows)),
                          "events": [float(counts.get(l, 0)) for l in levels]})
    shares = stats.share_by_group(frame, "kon", conf_level=conf_level)
    return disclosure.disclose_shares(shares, threshold=threshold, group="kon")


def _years_text(years) -> str:
    years = sorted(years)
    if len(years) == 1:
        return f"år {years[0]}"
    if years == list(range(years[0], years[-1] + 1)):
        return f"åren {years[0]}–{years[-1]}"
    return "åren " + ", ".join(map(str, years[:-1])) + f" och {years[-1]}"


def coverage_text(*, analysed, client_years, population_years, period=None, uncovered=None,
                  excluded_groups=()) -> list[str]:
    """Sentences on what the comparison with the population leaves out: the years of the
    clients the population lacks, and when a period was chosen (``period``, ISO dates) and
    the years analysed are fewer, that the comparison covers a shorter time than chosen and
    why; the age groups (per year) the population covers only partly (``uncovered``, from
    :func:`uncovered_age_groups`), where they held clients or inhabitants (``excluded_groups``).
    No counts: only years and age groups."""
    out = []
    analysed, client_years = sorted(set(analysed)), set(client_years)
    no_population = sorted(client_years - set(population_years))
    chosen = None
    start, end = period if period is not None else (None, None)
    if start and end:
        chosen = list(range(pd.Timestamp(start).year, pd.Timestamp(end).year + 1))
    why = []
    if no_population:
        why.append(f"befolkningstabellen saknar {_years_text(no_population)}, så klienterna "
                   f"{'det året' if len(no_population) == 1 else 'de åren'} ingår inte")
    if chosen is not None:
        empty = sorted(set(chosen) - client_years)
        if empty:
            why.append(f"data har inga klienter {_years_text(empty)}")
    if chosen is not None and analysed and set(analysed) != set(chosen):
        out.append(f"Den valda perioden är {_years_text(chosen)}, men jämförelsen med befolkningen "
                   f"gäller bara {_years_text(analysed)}" + (": " + " och ".join(why) if why else "") + ".")
    elif no_population:
        lead = (f"Jämförelsen med befolkningen gäller bara {_years_text(analysed)}: " if analysed
                else "")
        text = lead + why[0] + "."
        out.append(text[:1].upper() + text[1:])
    groups: dict = {}
    for (year, label), missing in (uncovered or {}).items():
        if (year, label) in set(excluded_groups):
            groups.setdefault(label, []).append(year)
    for label, years in groups.items():
        out.append(f"Åldersgruppen {label} ingår inte i jämförelsen {_years_text(years)}: "
                   "befolkningstabellen har inte invånare i alla åldrar i gruppen det året, så "
                   "andelen per 1 000 invånare skulle bli för hög (se datatabellen).")
    return out


def analyse(clients, population, s: Setup, *, conf_level: float = 0.95,
            threshold: int = disclosure.DEFAULT_THRESHOLD, period=None) -> Part:
    """Representation of one client table, as far as the data go, all disclosed.

    - with a population table and a year in the clients: persons per 1 000 inhabitants of the
      same sex (and years), the crude rate ratio and the share of women (girls) against the
      inhabitants' share; when both tables have the age, also per age group, the
      age-standardised rates and ratio and the Mantel–Haenszel ratio (``kind="alder"``), else
      only the crude comparisons (``kind="ra"``);
    - otherwise only the sex distribution among the clients (``kind="fordelning"``).

    ``population`` may be None (the run lacks the table). The part's ``clients`` are the rows
    analysed, with the account of those left out (``clients`` itself is left unchanged).
    """
    clients = with_year(clients)
    rates_possible = population is not None and clients.has("ar") and len(population.data) > 0
    if not rates_possible:
        if clients.has("ar"):  # counted per year: a row without one has no year to count in
            clients = clients.exclude(clients.data["ar"].isna(), "Saknar år (datum)")
        # each person once over the whole period (the table says "Personer"): counted per
        # year, a person with decisions in two years would be two
        persons = count_persons(clients, s, by_age=False, by_year=False)
        years = (sorted(int(y) for y in with_year(clients).data["ar"].dropna().unique())
                 if clients.has("ar") else [])
        return Part(s.table, s, clients, "fordelning", years,
                    distribution=sex_distribution(persons, s.levels, conf_level=conf_level,
                                                  threshold=threshold, count=clients.weight))
    by_age = population.has("alder") and clients.has("alder")
    client_years = {int(y) for y in clients.data["ar"].dropna()}
    population_years = {int(y) for y in population.data["ar"].dropna()}
    before = with_year(clients)
    clients, persons, cells = prepare(clients, population, s, by_age=by_age)
    years = sorted(int(y) for y in cells["ar"].unique())
    levels = s.levels
    part = Part(s.table, s, clients, "alder" if by_age else "ra", years)
    uncovered = cells.attrs.get("uncovered", {})
    held = set()
    if uncovered:  # the groups left out that held clients or inhabitants
        grouped = with_age_groups(before, s).data
        held = {(int(y), str(g)) for y, g in zip(grouped["ar"], grouped["aldersgrupp"]) if pd.notna(y)}
        pop = population.data.dropna(subset=["ar", "alder"])
        held |= {(int(y), str(g)) for y, g in zip(pop["ar"], age_group(pop["alder"], bounds=s.bounds,
                                                                          upper=s.upper)) if pd.notna(g)}
    part.coverage = coverage_text(analysed=years, client_years=client_years,
                                  population_years=population_years, period=period,
                                  uncovered=uncovered, excluded_groups=held & set(uncovered))
    part.total = disclose_rates(rates.rate_by_group(cells, "kon", conf_level=conf_level),
                                threshold=threshold)
    share_name = f"andel_{levels[0]}_{s.table}"
    comps = [rates.rate_ratio(cells, "kon", levels=levels, outcome_name=s.table, conf_level=conf_level)]
    if by_age:
        part.by_age = disclose_rates(rates.rate_by_group(cells, "kon", by="aldersgrupp",
                                                         conf_level=conf_level),
                                     threshold=threshold, by="aldersgrupp")
        part.standardised = disclose_rates(
            rates.standardised_rates(cells, "kon", levels=levels, strata="aldersgrupp",
                                     conf_level=conf_level), threshold=threshold)
        comps += [rates.standardised_rate_ratio(cells, "kon", levels=levels, strata="aldersgrupp",
                                                outcome_name=s.table, conf_level=conf_level),
                  rates.mantel_haenszel_rate_ratio(cells, "kon", levels=levels, strata="aldersgrupp",
                                                   outcome_name=s.table, conf_level=conf_level)]
    comps.append(rates.share_compared_with_population(
        cells, "kon", level=levels[0], outcome_name=share_name, conf_level=conf_level)
        .drop(columns=["share_a", "share_b", "share_a_low", "share_a_high"]))
    part.comparisons = disclosure.disclose_comparisons(pd.concat(comps, ignore_index=True),
                                                       threshold=threshold)
    if by_age:
        # The age-standardised rates and ratio and the Mantel–Haenszel ratio are weighted sums
        # of the age groups' counts: beside the groups shown and the totals they would give a
        # hidden group's count back, so they are shown only when every age group is.
        part.standardised = disclosure.hide_adjusted_over_hidden_strata(part.standardised, part.by_age)
        part.comparisons = disclosure.hide_adjusted_over_hidden_strata(
            part.comparisons, part.by_age, rows=part.comparisons["adjusted"].astype(bool))
    overall = rates.share_compared_with_population(cells, "kon",
                                                   level=levels[0], outcome_name=share_name,
                                                   conf_level=conf_level)
    if by_age:
        composition = pd.concat([
            rates.share_compared_with_population(cells, "kon", level=levels[0], by="aldersgrupp",
                                                 outcome_name=share_name, conf_level=conf_level)
            .assign(aldersgrupp=lambda t: t["aldersgrupp"].astype(str)),
            overall.assign(aldersgrupp="Alla åldrar")], ignore_index=True)
        part.composition = disclose_composition(composition, threshold=threshold,
                                                rates_shown=part.by_age)
    else:
        part.composition = disclose_composition(overall.assign(aldersgrupp="Alla åldrar"),
                                                threshold=threshold,
                                                rates_shown=part.total.assign(aldersgrupp="Alla åldrar"))
    return part


def distribution_table(shown: pd.DataFrame, *, caption: str = "") -> Table:
    """The disclosed sex distribution (:func:`sex_distribution`) as a Swedish table."""
    disclosure.require_disclosed(shown, "könsfördelningen")
    t = shown.attrs[disclosure.ATTR]["threshold"]
    conf = _conf(shown)
    hidden = shown["suppressed"].astype(bool).tolist()
    frame = pd.DataFrame({
        "Kön": shown["kon"].map(lambda v: SEX_LABELS.get(v, v).capitalize()),
        "Personer": shown["events"].map(lambda v: number(v, 0)),
        "Andel av klienterna": marked(shown["share"], hidden, percent),
        f"{conf} % KI": interval_cells(shown["ci_low"], shown["ci_high"], hidden,
                                       lambda lo, hi: f"{number(100 * lo)}–{percent(hi)}"),
    })
    return Table(frame.reset_index(drop=True), caption, marks_legend(frame, t))


def describe_distribution(shown: pd.DataFrame, *, years: list) -> str:
    """The sex distribution among the clients in Swedish words (no comparison with the
    population: the page says why)."""
    disclosure.require_disclosed(shown, "könsfördelningen")
    conf = _conf(shown)
    if shown["share"].isna().all():
        hidden = shown[shown["suppressed"].astype(bool)]
        why = hidden_why(hidden.iloc[0]) if len(hidden) else "underlaget är för litet"
        return f"Könsfördelningen kan inte visas: {why} (röjandekontroll)."
    parts = []
    for _, r in shown.iterrows():
        who = SEX_LABELS.get(r["kon"], r["kon"])
        if pd.notna(r["share"]):
            parts.append(f"{percent(r['share'])} {who} ({conf} % KI {number(100 * r['ci_low'])}–"
                         f"{percent(r['ci_high'])})")
    span = ("" if not years else f" under år {years[0]}" if len(years) == 1
            else f" under åren {years[0]}–{years[-1]}")
    once = (" Varje person räknas en gång, också den som finns i verksamheten flera år."
            if len(years) > 1 else "")
    return (f"Bland klienterna{span} är " + " och ".join(parts) + "." + once + " Utan befolkningen i samma "
            "åldrar går det inte att säga om något kön är över- eller underrepresenterat: "
            "fördelningen speglar också hur många kvinnor och män det finns.")


def disclose_rates(table: pd.DataFrame, *, threshold: int, group: str = "kon", by=()) -> pd.DataFrame:
    """Disclose rates per group (``rates.rate_by_group`` or ``rates.standardised_rates``): a
    rate is a share of the population, so :func:`jamtools.disclosure.disclose_shares` decides
    (small counts, small remainders, complements against the totals); the rate and its
    interval are hidden with it."""
    by = [by] if isinstance(by, str) else list(by)
    frame = table.copy()
    if by:
        for col in by:
            frame[col] = frame[col].astype(str)
    out = disclosure.disclose_shares(frame, threshold=threshold, group=group, by=by)
    out["rate"] = out["rate"].astype(float).where(~out["suppressed"].astype(bool), np.nan)
    return out


def _conf(frame) -> str:
    c = frame["conf_level"].dropna()
    return conf_percent(c.iloc[0] if len(c) else 0.95)


def rates_plot(shown: pd.DataFrame, *, by: str = "aldersgrupp", group: str = "kon",
               title: str = "", xlabel: str = "Per 1 000 invånare och år") -> Plot:
    """Rate per 1 000 by sex (and per category of ``by``, one row each) with its interval;
    each sex with its colour and marker, shown in the key under the axes."""
    disclosure.require_disclosed(shown, "andelarna per 1 000")
    rows = list(dict.fromkeys(shown[by])) if by else [None]
    levels = list(dict.fromkeys(shown[group]))
    names = [str(c) if c is not None else "" for c in rows]
    fig = new_figure(1.85 + row_height(names, len(levels)) * len(rows) + title_height(title))
    ax = fig.subplots()
    offsets = {lvl: (i - (len(levels) - 1) / 2) * 0.25 for i, lvl in enumerate(levels)}
    for yi, cat in enumerate(rows):
        sub = shown if cat is None else shown[shown[by] == cat]
        for _, r in sub.iterrows():
            y = yi + offsets[r[group]]
            color = SEX_COLORS.get(r[group], "#333333")
            if pd.isna(r["rate"]):
                suppressed_text(ax, 0, y, r[group], hidden=is_hidden(r))
                continue
            intervals(ax, r["rate"], y, r["ci_low"], r["ci_high"],
                      fmt=SEX_MARKERS.get(r[group], "o"), color=color, capsize=4, markersize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(n) for n in names])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    top = pd.to_numeric(shown["ci_high"], errors="coerce").max()
    ax.set_xlim(0, float(top) * 1.1 if pd.notna(top) and top > 0 else 1)
    ax.set_xlabel(xlabel)
    conf = float(shown["conf_level"].dropna().iloc[0]) if shown["conf_level"].notna().any() else 0.95
    key(fig, [*(sex_handle(lvl) for lvl in levels), interval_handle(conf)])
    set_title(fig, title)
    return Plot(fig, title or "Andel per 1 000 invånare")


#: The column headers of persons and inhabitants summed over several years: a person who was a
#: client two years counts twice, as the inhabitants do (the rate is per 1 000 and year).
SUMMED_OVER_YEARS = " (summa av åren)"
#: The note under a table of counts summed over several years.
SUMMED_NOTE = ("Antalen är summor av åren: den som var klient flera år räknas en gång per år, "
               "liksom invånarna.")


def rates_table(shown: pd.DataFrame, *, by: str | None = "aldersgrupp", group: str = "kon",
                first_label: str = "Åldersgrupp", count_label: str = "Antal klienter",
                caption: str = "", years=()) -> Table:
    """Disclosed rates as a Swedish table: persons, inhabitants, rate per 1 000, interval.
    With more than one of ``years`` the counts are sums of the years' (a person counted once
    per year), and the headers and the note say so."""
    disclosure.require_disclosed(shown, "andelarna per 1 000")
    t = shown.attrs[disclosure.ATTR]["threshold"]
    conf = _conf(shown)
    frame = pd.DataFrame(index=shown.index)
    if by:
        frame[first_label] = shown[by].astype(str)
    frame["Kön"] = shown[group].map(lambda v: SEX_LABELS.get(v, v).capitalize())
    summed = SUMMED_OVER_YEARS if len(years) > 1 else ""
    frame[count_label + summed] = marked(shown["events"], shown["suppressed"].astype(bool).tolist(), lambda v: number(v, 0))
    frame["Invånare" + summed] = marked(shown["n"], shown["suppressed"].astype(bool).tolist(), lambda v: number(v, 0))
    hidden = shown["suppressed"].astype(bool).tolist()
    frame["Per 1 000 invånare"] = marked(shown["rate"], hidden, lambda v: number(v, 1))
    frame[f"{conf} % KI"] = interval_cells(shown["ci_low"], shown["ci_high"], hidden,
                                           lambda lo, hi: f"{number(lo, 1)}–{number(hi, 1)}")
    note = " ".join(x for x in (SUMMED_NOTE if summed else "", marks_legend(frame, t)) if x)
    return Table(frame.reset_index(drop=True), caption, note)


def _ratio_label(r) -> str:
    if r["measure"] == "mh_rate_ratio":
        return "Mantel–Haenszel, inom åldersgrupper"
    return "Åldersstandardiserad" if bool(r["adjusted"]) else "Rå (utan hänsyn till ålder)"


def ratio_plot(comparisons: pd.DataFrame, *, title: str = "") -> Plot:
    """Rate ratios (crude, standardised, Mantel–Haenszel) with intervals on a log axis around
    the line at 1 (no difference)."""
    disclosure.require_disclosed(comparisons, "kvoterna")
    rows = comparisons[comparisons["measure"].isin(["rate_ratio", "mh_rate_ratio"])].reset_index(drop=True)
    names = [_ratio_label(r) for _, r in rows.iterrows()]
    fig = new_figure(1.5 + row_height(names) * len(rows) + title_height(title))
    ax = fig.subplots()
    for i, r in rows.iterrows():
        if pd.isna(r["estimate"]):
            ax.text(1, i, disclosure.SUPPRESSED_MARK if bool(r.get("suppressed", False)) else NOT_COMPUTED_MARK,
                    va="center", ha="center")
            continue
        intervals(ax, r["estimate"], i, r["ci_low"], r["ci_high"], fmt="D", color="#333333",
                  capsize=4, markersize=7)
    ax.axvline(1, color="#888888", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    lo = pd.to_numeric(rows["ci_low"], errors="coerce").min()
    hi = pd.to_numeric(rows["ci_high"], errors="coerce").max()
    if pd.notna(lo) and pd.notna(hi):
        span = max(abs(np.log(lo)), abs(np.log(hi)), np.log(1.25)) * 1.15
        ax.set_xlim(np.exp(-span), np.exp(span))
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    lo_x, hi_x = ax.get_xlim()
    ticks = [t for t in (0.25, 0.33, 0.5, 0.67, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0)
             if lo_x <= t <= hi_x]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 2)))
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(n) for n in names])
    if len(rows):
        a, b = rows["group_a"].iloc[0], rows["group_b"].iloc[0]
        ax.set_xlabel(wrap(f"Kvot {SEX_LABELS.get(a, a)} / {SEX_LABELS.get(b, b)} "
                           "(1 = lika stor andel)", 52))
    set_title(fig, title)
    return Plot(fig, title or "Kvot mellan andelarna per 1 000")


def ratio_table(comparisons: pd.DataFrame, *, caption: str = "") -> Table:
    """Disclosed rate ratios and the share difference as a Swedish table."""
    disclosure.require_disclosed(comparisons, "kvoterna")
    conf = _conf(comparisons)
    rows = []
    for _, r in comparisons.iterrows():
        pp = r["measure"].endswith("_pp")
        a, b = r["group_a"], r["group_b"]
        if pp:
            what = MEASURE_LABELS[r["measure"]].format(
                who="flickor" if "flicka" in str(r["outcome"]) else "kvinnor")
            comp = "klienter − invånare"
        else:
            what = MEASURE_LABELS[r["measure"]]
            comp = f"{SEX_LABELS.get(a, a)} / {SEX_LABELS.get(b, b)}"
        dec = 1 if pp else 2
        rows.append({
            "Jämförelse": comp, "Mått": what,
            "Hänsyn till ålder": _ratio_label(r) if not pp else "ingen",
            "Skattning": estimate_cell(r, dec, signed=pp),
            f"{conf} % KI": interval(r, dec, table=True),
            "p-värde": ("" if pp else p_value(r["p_value"]) if pd.notna(r["p_value"])
                        or bool(r.get("suppressed", False)) else NOT_COMPUTED_MARK),
            "Metod": r["method"] if isinstance(r["method"], str) else "",
        })
    return Table(pd.DataFrame(rows), caption, marks_note(comparisons))


def composition_table(shares: pd.DataFrame, *, by: str = "aldersgrupp", level: str = "kvinna",
                      caption: str = "", years=()) -> Table:
    """Share of ``level`` among clients against among inhabitants, per ``by`` and overall, from
    disclosed :func:`jamtools.stats.rates.share_compared_with_population` rows."""
    disclosure.require_disclosed(shares, "andelen kvinnor")
    t = shares.attrs[disclosure.ATTR]["threshold"]
    conf = _conf(shares)
    who = SEX_LABELS.get(level, level)
    hidden = shares["suppressed"].astype(bool).tolist()
    frame = pd.DataFrame({
        "Åldersgrupp": shares[by].fillna("Alla åldrar").astype(str) if by in shares else "Alla åldrar",
        "Klienter" + (SUMMED_OVER_YEARS if len(years) > 1 else ""): shares["n_a"].map(lambda v: number(v, 0)),
        f"Andel {who} bland klienterna": marked(shares["share_a"], hidden, percent),
        f"{conf} % KI": interval_cells(shares["share_a_low"], shares["share_a_high"], hidden,
                                       lambda lo, hi: f"{number(100 * lo)}–{percent(hi)}"),
        f"Andel {who} bland invånarna": marked(  # the inhabitants' share, shown where given
            shares["share_b"], [h and pd.isna(v) for h, v in zip(hidden, shares["share_b"])], percent),
        "Skillnad (procentenheter)": marked(shares["estimate"], hidden, lambda v: number(v, 1, signed=True)),
    })
    return Table(frame.reset_index(drop=True), caption, marks_legend(frame, t))


def disclose_composition(shares: pd.DataFrame, *, threshold: int, rates_shown: pd.DataFrame,
                         by: str = "aldersgrupp") -> pd.DataFrame:
    """Disclose share-of-women rows: hidden when the comparison's own counts are small, or when
    a rate they rest on (same age group) is hidden in the disclosed rates."""
    out = disclosure.disclose_comparisons(shares, threshold=threshold)
    if by in out and "suppressed" in rates_shown:
        hidden = set(rates_shown.loc[rates_shown["suppressed"].astype(bool), by].astype(str))
        extra = out[by].astype(str).isin(hidden).to_numpy()
        for col in ("estimate", "ci_low", "ci_high", "n_a", "events_a", "n_b", "events_b"):
            out[col] = out[col].astype(float).where(~extra, np.nan)
        out["suppressed"] = out["suppressed"].to_numpy() | extra
    for col in ("share_a", "share_b", "share_a_low", "share_a_high"):
        out[col] = out[col].astype(float).where(~out["suppressed"].astype(bool), np.nan)
    return out


#: Why the adjusted measures are not shown when an age group's count is hidden
#: (:func:`jamtools.disclosure.hide_adjusted_over_hidden_strata`).
STRATA_HIDDEN_TEXT = (
    "Den åldersstandardiserade kvoten och kvoten enligt Mantel–Haenszel visas inte, och inte "
    "heller de åldersstandardiserade andelarna: antalet klienter är dolt i någon åldersgrupp, och "
    "de justerade måtten skulle tillsammans med de visade talen göra det möjligt att räkna ut de "
    "dolda antalen (röjandekontroll). Med färre och bredare åldersgrupper (parametern "
    "`aldersgranser`) kan de visas.")


def describe(total: pd.DataFrame, standardised: pd.DataFrame | None, comparisons: pd.DataFrame, *,
             years: list) -> str:
    """The result in a few Swedish sentences, from disclosed frames only. Without
    ``standardised`` (no age in the data) the comparison is crude and the text says that age
    is not taken into account."""
    for f in (total, standardised, comparisons):
        if f is not None:
            disclosure.require_disclosed(f, "resultatet")
    by_age = standardised is not None
    conf = _conf(comparisons)
    text = []
    span = ("perioden" if not years else f"år {years[0]}" if len(years) == 1
            else f"åren {years[0]}–{years[-1]}")
    parts, hidden, missing = [], [], []
    for _, r in total.iterrows():
        who = SEX_LABELS.get(r["kon"], r["kon"])
        if pd.isna(r["rate"]):
            (hidden if is_hidden(r) else missing).append(who)
        else:
            parts.append(f"{number(r['rate'], 1)} per 1 000 {who} ({conf} % KI "
                         f"{number(r['ci_low'], 1)}–{number(r['ci_high'], 1)})")
    many = len(years) > 1
    gone = (f"För {' och '.join(hidden)} visas ingen andel per 1 000 invånare: underlaget är för "
            "litet (röjandekontroll). " if hidden else "")
    gone += (f"För {' och '.join(missing)} kan ingen andel per 1 000 invånare beräknas: data saknar "
             "klienter eller invånare av det könet. " if missing else "")
    text.append((f"Under {span} fanns {'i genomsnitt ' if many else ''}" + " och ".join(parts)
                 + f" i verksamheten{' varje år' if many else ''}. " if parts else "") + gone
                + "Varje klient räknas en gång per "
                + ("år, och nämnaren är invånarna av samma kön i samma åldrar." if by_age else
                   "år, och nämnaren är alla invånare av samma kön. Data saknar ålder (hos klienterna "
                   "eller i befolkningen), så jämförelsen tar inte hänsyn till att könen kan vara "
                   "olika gamla."))
    crude = comparisons[(comparisons["measure"] == "rate_ratio") & ~comparisons["adjusted"].astype(bool)]
    std = comparisons[(comparisons["measure"] == "rate_ratio") & comparisons["adjusted"].astype(bool)]
    for kind, rows in (("rå", crude), ("std", std)):
        if rows.empty:
            continue
        r = rows.iloc[0]
        a, b = SEX_LABELS.get(r["group_a"]), SEX_LABELS.get(r["group_b"])
        lead = (f"Kvoten mellan andelarna {a}/{b} är" if kind == "rå" else
                f"Jämför man i stället som om {a} och {b} hade samma åldersfördelning "
                "(åldersstandardiserat) blir kvoten")
        if kind == "std" and r.get("suppression_reason") == disclosure.REASON_STRATA:
            text.append(STRATA_HIDDEN_TEXT)
            continue
        if pd.isna(r["estimate"]):
            text.append(f"{lead.removesuffix(' är').removesuffix(' blir kvoten')}: {not_shown(r)}.")
            continue
        ci = f"{number(r['ci_low'], 2)}–{number(r['ci_high'], 2)}"
        text.append(f"{lead} {number(r['estimate'], 2)} ({conf} % KI {ci}): "
                    f"{ratio_verdict(r['ci_low'], r['ci_high'], a=a, b=b)}.")
    if not crude.empty and not std.empty and pd.notna(crude.iloc[0]["estimate"]) \
            and pd.notna(std.iloc[0]["estimate"]):
        c, s = crude.iloc[0]["estimate"], std.iloc[0]["estimate"]
        if abs(np.log(c) - np.log(s)) > 0.05:
            text.append("Den råa och den åldersstandardiserade kvoten skiljer sig: en del av "
                        "skillnaden mellan könen hänger ihop med att de är olika gamla.")
    share = comparisons[comparisons["measure"] == "share_difference_pp"]
    if not share.empty:
        r = share.iloc[0]
        if pd.notna(r["estimate"]):
            who = "flickor" if "flicka" in str(r["outcome"]) else "kvinnor"
            text.append(f"Andelen {who} är {percent(r['events_a'] / r['n_a'])} bland klienterna och "
                        f"{percent(r['events_b'] / r['n_b'])} bland invånarna"
                        + (" i samma åldrar." if by_age else "."))
    text.append("Siffrorna beskriver vilka som finns i verksamheten, inte vilka som behöver den: "
                "en skillnad kan spegla olika behov, olika vägar in eller att verksamheten når "
                "könen olika väl.")
    return "\n\n".join(text)


def ratio_verdict(ci_low, ci_high, *, a: str, b: str) -> str:
    """What a ratio of rates per 1 000 says (the one verdict rule,
    :func:`jamtools.present.sentences.direction`, with 1 as no difference): "a finns tydligt
    oftare (mer sällan) i verksamheten än b, i förhållande till hur många de är", or that there
    is no clear difference."""
    d = direction(ci_low, ci_high, null=1.0)
    if d == "oklar":
        return verdict(ci_low, ci_high, a=a, b=b, null=1.0)
    how = "oftare" if d == "högre" else "mer sällan"
    return f"{a} finns tydligt {how} i verksamheten än {b}, i förhållande till hur många de är"


def rates_alt(shown: pd.DataFrame, *, by: str | None = "aldersgrupp", group: str = "kon") -> str:
    """Alt text of :func:`rates_plot`: each disclosed rate per 1 000 (in words when hidden)."""
    parts = []
    for _, r in shown.iterrows():
        who = SEX_LABELS.get(r[group], r[group])
        name = f"{r[by]}, {who}" if by else who
        parts.append(f"{name} {estimate_words(r, 1, signed=False, column='rate', bounds=False)}")
    return ("Punktdiagram med konfidensintervall. Klienter per 1 000 invånare och år: "
            + "; ".join(parts) + ".") if parts else "Inga andelar att visa."


def ratio_alt(comparisons: pd.DataFrame) -> str:
    """Alt text of :func:`ratio_plot`: each ratio with its interval (in words when hidden or
    not computed)."""
    rows = comparisons[comparisons["measure"].isin(["rate_ratio", "mh_rate_ratio"])]
    parts = [f"{_lower_first(_ratio_label(r))}: {estimate_words(r, 2, signed=False)}"
             for _, r in rows.iterrows()]
    if not parts:
        return "Inga kvoter att visa."
    a, b = rows["group_a"].iloc[0], rows["group_b"].iloc[0]
    return (f"Punktdiagram med konfidensintervall, logaritmisk skala. Kvot {SEX_LABELS.get(a, a)}/"
            f"{SEX_LABELS.get(b, b)} (1 = lika stor andel): " + "; ".join(parts) + ".")


def _lower_first(text: str) -> str:
    return text if text.startswith("Mantel") else text[:1].lower() + text[1:]


def part_items(part: Part) -> tuple:
    """What the page shows for one part, in order: the heading, the result in words, and the
    figures (with caption and alt text) and tables the data allow (see :class:`Part`). Every
    number is disclosed."""
    out: list = [f"### {part.title}"]
    if part.kind != "fordelning" and part.clients.n_rows() == 0:  # every row left out: say why
        out.append(no_rows_text(part.clients))
        return tuple(out)
    if part.kind == "fordelning":
        out.append(describe_distribution(part.distribution, years=part.years))
        out.append(distribution_table(part.distribution,
                                      caption=f"{part.title}: klienter efter kön"))
        return tuple(out)
    levels = part.setup.levels
    conf = _conf(part.comparisons)
    out.append(describe(part.total, part.standardised, part.comparisons, years=part.years))
    if part.coverage:
        out.append(" ".join(part.coverage))
    pair = f"{SEX_LABELS[levels[0]]}/{SEX_LABELS[levels[1]]}"
    if part.kind == "alder":
        out += figure(rates_plot(part.by_age, title=f"{part.title}: klienter per 1 000 invånare och "
                                                    "år, efter åldersgrupp och kön"),
                      caption=f"{part.title}: klienter per 1 000 invånare av samma kön och ålder, "
                              f"per år, efter åldersgrupp och kön, med {conf} % konfidensintervall.",
                      alt=rates_alt(part.by_age), name=f"alder-{part.table}")
        out.append(rates_table(part.by_age, caption=f"{part.title}: klienter per 1 000 invånare "
                                                    "och år, efter åldersgrupp och kön", years=part.years))
        overall = disclosure.stack({"Rå (alla åldrar)": part.total,
                                    "Åldersstandardiserad": part.standardised}, "jamforelse")
        out.append(rates_table(overall, by="jamforelse", first_label="Mått",
                               caption=f"{part.title}: klienter per 1 000 invånare och år, rått "
                                       "och åldersstandardiserat", years=part.years))
        title = f"{part.title}: kvot {pair}, med och utan hänsyn till ålder"
        caption = (f"{part.title}: kvoten {pair} mellan andelarna per 1 000 invånare, rå, "
                   f"åldersstandardiserad och enligt Mantel–Haenszel, med {conf} % "
                   "konfidensintervall (1 = lika stor andel).")
    else:
        out.append(rates_table(part.total, by=None,
                               caption=f"{part.title}: klienter per 1 000 invånare och år", years=part.years))
        title = f"{part.title}: kvot {pair}"
        caption = (f"{part.title}: kvoten {pair} mellan andelarna per 1 000 invånare, utan hänsyn "
                   f"till ålder, med {conf} % konfidensintervall (1 = lika stor andel).")
    out += figure(ratio_plot(part.comparisons, title=title), caption=caption,
                  alt=ratio_alt(part.comparisons), name=f"kvot-{part.table}")
    out.append(ratio_table(part.comparisons, caption=f"{part.title}: jämförelser mellan könen"))
    out.append(composition_table(part.composition, level=levels[0],
                                 caption=f"{part.title}: andel {SEX_LABELS[levels[0]]} bland "
                                         "klienterna och bland invånarna", years=part.years))
    return tuple(out)


def omissions_text(ctx, tables, loaded: dict, population) -> str:
    """What the chapter leaves out, in the catalogue's words (``ctx.omissions``): the population
    table when it is absent (or lacks a column), and, for each catalogue client table asked for
    (:data:`PART_TABLES`), that it is absent or what it lacks, and that its person id cannot
    be used when the loader numbered it from the rows. Another client table (chosen with the
    parameter ``tabell``) is named when it is left out, as the check names it."""
    out = [ctx.omissions("befolkning", population)]
    for t in tables:
        if t not in PART_TABLES and loaded.get(t) is None:
            out.append(ctx.omissions(t, None))
        if t in PART_TABLES:
            got = loaded.get(t)
            out.append(ctx.omissions(t, got))
            if got is not None and got.has("person_id") and not _has_person_id(got):
                # A person id numbered from the rows (the table's key) is no person id.
                out.append(ctx.left_out(t, "person_id"))
    return " ".join(x for x in out if x)


def answer(parts) -> str:
    """*Svar i korthet*: per part the ratio of the rates per 1 000 between the sexes, crude
    and (when the data have the age) age-standardised, with its interval and verdict."""
    if not parts:
        return "Underlaget har ingen av klienttabellerna, så kapitlet har inget att visa."
    out = []
    for part in parts:
        if part.kind == "fordelning":
            out.append(f"{part.title}: bara könsfördelningen bland klienterna kan visas "
                       "(data saknar befolkningen eller året), så andelen av invånarna jämförs inte.")
            continue
        if part.clients.n_rows() == 0:
            out.append(f"{part.title}: det finns inga klienter att jämföra med befolkningen, "
                       "eftersom alla rader lämnades utanför (se datatabellen).")
            continue
        c = part.comparisons
        rows = c[c["measure"] == "rate_ratio"]
        crude = rows[~rows["adjusted"].astype(bool)]
        std = rows[rows["adjusted"].astype(bool)]
        first = (std if len(std) else crude).iloc[0]
        a, b = SEX_LABELS.get(first["group_a"]), SEX_LABELS.get(first["group_b"])
        cr = crude.iloc[0] if len(crude) and pd.notna(crude.iloc[0]["estimate"]) else None
        st = std.iloc[0] if len(std) and pd.notna(std.iloc[0]["estimate"]) else None
        main = st if st is not None else cr
        if main is None:
            out.append(f"{part.title}: kvoten {a}/{b} {not_shown(first)}.")
            continue
        conf = _conf(c)

        def ratio(r):
            return (f"{number(r['estimate'], 2)} ({conf} % KI {number(r['ci_low'], 2)}–"
                    f"{number(r['ci_high'], 2)})")
        lead = f"{part.title}: kvoten {a}/{b} per 1 000 invånare är "
        if st is not None and cr is not None:
            lead += f"{ratio(cr)} rått och {ratio(st)} åldersstandardiserat"
        elif st is not None:
            lead += f"{ratio(st)} åldersstandardiserat"
        else:
            lead += ratio(cr) + " rått"
        out.append(f"{lead}: {ratio_verdict(main['ci_low'], main['ci_high'], a=a, b=b)}."
                   + (f" Åldersstandardiserad {not_shown(std.iloc[0])}." if len(std) and st is None else ""))
    return " ".join(out)


@dataclass
class Analysis:
    """What :func:`analyse_all` loaded and found: the client tables asked for, the population
    (None when absent), each client table as loaded (None when absent) and one :class:`Part`
    per client table the run has."""

    tables: list
    population: object
    clients: dict
    parts: list


def analyse_all(ctx) -> Analysis:
    """Load the population and the client tables of the run ``ctx`` (parameter ``tabell``) and
    analyse each client table the run has (:func:`analyse`, with the age groups of the
    parameters ``aldersgranser``/``alder_max`` or the table's own)."""
    setups = client_setups(ctx.extra.get("tabell"), ctx.extra.get("aldersgranser"), ctx.extra.get("alder_max"))
    tables = list(setups)
    population = ctx.load_optional("befolkning")
    clients: dict = {}
    parts = []
    # The age is read only when the population has one: without it no part compares by age
    # group, and a row must not be left out for a column the chapter does not use.
    age = population is not None and population.has("alder")
    for t in tables:  # one table at a time: read, count its persons, let its rows go
        loaded = clients[t] = load_clients(ctx, t, age=age)
        if loaded is None:
            continue
        part = analyse(loaded, population, setups[t], conf_level=ctx.conf_level, threshold=ctx.threshold,
                       period=ctx.params.period)
        # The persons are counted: the ids are not followed further, so the engine's table of
        # the rows is dropped before the next table is read (without_rows).
        clients[t], part.clients = without_rows(loaded), without_rows(part.clients)
        parts.append(part)
        del loaded, part  # nothing refers to the rows' table now: dropped before the next read
    if population is not None and any(p.kind == "alder" for p in parts) and population.has("alder"):
        # inhabitants without an age are in the crude rates (a part without age groups) but in
        # no age group: the population's account says so
        population = population.exclude(population.data["alder"].isna(), NO_AGE_IN_POPULATION)
    return Analysis(tables, population, clients, parts)


def who_comes(ctx) -> Page:
    """r4_01: who comes to the service, by sex, compared with the population?

    One part per client table the run has (:func:`client_tables`, parameter ``tabell``): the
    clients per 1 000 inhabitants of the same sex (and age), the ratio between the sexes and
    the share of women among clients and inhabitants (:func:`analyse`); without the population
    or the year only the sex distribution among the clients. The age groups are the table's
    own unless the parameters ``aldersgranser``/``alder_max`` give others.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters ``tabell``, ``aldersgranser``, ``alder_max``).

    Returns
    -------
    Page
        Parts ``data`` (what was read and left out, the population's data table) and
        ``resultat`` (one section per client table, or the sentence that there is none).
    """
    run = analyse_all(ctx)
    tables, population, clients, parts = run.tables, run.population, run.clients, run.parts
    data = [f"{ctx.heading} {omissions_text(ctx, tables, clients, population)}".strip()]
    data += [quality_table(part.clients, threshold=ctx.threshold,
                           caption=f"Dataunderlag: {part.title.lower()} ({part.table})")
             for part in parts]
    if population is not None:
        data.append(quality_table(population, threshold=ctx.threshold,
                                  caption="Dataunderlag: befolkningen (rader per år, kön och ålder)"))
    result = ([item for part in parts for item in part_items(part)] if parts else
              ["Underlaget har ingen av klienttabellerna, så kapitlet har inget att visa."])
    counts = {part.table: disclosure.disclose_counts_by_sex(part.clients.counts_by_sex(), quality=part.clients.quality(),
                                                            threshold=ctx.threshold)
              for part in parts}
    if population is not None:
        counts["befolkning"] = disclosure.disclose_counts_by_sex(population.counts_by_sex(), quality=population.quality(),
                                                                 threshold=ctx.threshold)
    compared = [part.comparisons for part in parts if part.comparisons is not None]
    return Page(question_id=ctx.question_id, short_answer=answer(parts),
                parts={"data": items(*data), "resultat": items(*result)}, counts=counts,
                comparisons=pd.concat(compared, ignore_index=True) if compared else None)
