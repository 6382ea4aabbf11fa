"""Is all our individual-based statistics split by sex? An audit of every table supplied.

For each table of the data model (:data:`jamtools.data.model.TABLES`) the audit finds the
source exactly as :func:`jamtools.data.load_table` does (the table's entry under ``tables`` in
``jamtools.yml``, else ``<data_dir>/<name>.parquet``, ``.csv`` or ``.xlsx``) and records:

- whether it is supplied at all (a missing table is a finding, not an error);
- where sex comes from: a column ``kon`` (after the configured column mapping), a personnummer
  (legal sex from the ninth digit), or nowhere;
- how complete it is: rows read, rows with a known sex by sex, rows where sex is missing (an
  empty cell) and rows with another code (a value that is neither of the model's codes nor
  mapped onto them in ``jamtools.yml``), counted separately;
- the rows :func:`~jamtools.data.load_table` leaves out and why, and the number of persons per
  sex that remain (distinct ``person_id``; rows where a table has no person id).

Aggregate tables (``befolkning``, ``um_indikatorer``) hold counts per sex already: they are split
by sex by construction, and the audit says so rather than counting persons in them.

The audit's counts are disclosed (:func:`disclose_audit`, :func:`disclose_persons`) before they
are shown; :func:`audit_table`, :func:`persons_table` and :func:`audit_plot` show only disclosed
frames. SKR's guidance on gender mainstreaming and förordning (2001:100) 14 § are the norms the
chapter ``hl_01_konsuppdelad_statistik`` (:func:`sex_split_statistics`) measures against.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jamtools import disclosure
from jamtools.data import load as _load
from jamtools.data.links import first_per_id, has_values, without_rows
from jamtools.data.model import ADULT_SEXES, CHILD_SEXES, TABLES
from jamtools.present.page import Page, figure, items
from jamtools.present.report import step_words
from jamtools.present.sentences import opening_number

#: Tables that hold counts per sex rather than one row per person, and what a row is.
AGGREGATE_TABLES = {
    "befolkning": "antal invånare per år, kön och ålder",
    "um_indikatorer": "täljare och nämnare per månad, indikator och kön",
}

#: Status codes of an audited table, and how the chapter writes them.
STATUS = {
    "saknas": "Tabellen saknas",
    "saknar_kon": "Nej: kön saknas",
    "kolumn": "Ja (kolumn)",
    "personnummer": "Ja (ur personnummer)",
    "aggregerad": "Ja (uppdelad efter kön i sin uppbyggnad)",
    "oläsbar": "Kan inte läsas in",
}
#: Categories of the completeness count, in order: the two sexes (women/girls, men/boys), an
#: empty sex cell, another code.
CATEGORIES = ("kvinna", "man", "saknas", "annan_kod")
CATEGORY_LABELS = {"kvinna": "Kvinnor/flickor", "man": "Män/pojkar", "saknas": "Kön saknas",
                   "annan_kod": "Annan kod"}
_TO_ADULT = {"flicka": "kvinna", "pojke": "man", "kvinna": "kvinna", "man": "man"}


@dataclass
class TableAudit:
    """The audit of one table. Counts are raw (not disclosed): show them only through
    :func:`disclose_audit` / :func:`disclose_persons`."""

    name: str
    status: str
    source: str | None = None
    rows_read: int = 0
    completeness: dict = field(default_factory=dict)   # CATEGORIES -> rows
    left_out: dict = field(default_factory=dict)       # reason -> rows (besides unknown sex)
    persons: dict | None = None                         # "kvinna"/"man" -> persons (or rows)
    unit: str = "personer"
    problem: str = ""
    load: object = None                                 # the LoadResult, when it loaded

    def __repr__(self) -> str:  # never the counts by themselves
        return f"TableAudit({self.name}: {STATUS.get(self.status, self.status)})"

    @property
    def has_sex(self) -> bool:
        return self.status in ("kolumn", "personnummer", "aggregerad") or (
            self.status == "oläsbar" and sum(self.completeness.get(c, 0) for c in ADULT_SEXES) > 0)

    @property
    def known_share(self) -> float:
        known = sum(self.completeness.get(c, 0) for c in ADULT_SEXES)
        return known / self.rows_read if self.rows_read else float("nan")


def _source(name: str, data_dir, config) -> dict | None:
    """The table's source exactly as :func:`jamtools.data.load_table` finds it
    (:func:`jamtools.data.table_sources`): with a configuration only its own tables, never the
    files of ``data_dir``; without one, the files of ``data_dir``. None when not supplied."""
    return _load.table_sources(config, data_dir=data_dir).get(name)


def _short_problem(exc: Exception) -> str:
    """The gist of a load error without any value from the data (column and kind only)."""
    import re

    text = str(exc)
    m = re.search(r"kolumn '([^']+)' \(([^)]*)\)", text)
    if m:
        return f"fel i kolumnen {m.group(1)}: {m.group(2).split(',')[0]}"
    m = re.search(r"\(missing required columns\): ([^.]*)\.", text)
    if m:
        return f"saknar kolumner som behövs: {m.group(1)}"
    return text.split("(")[0].split(":")[0].strip()[:120]


#: Whether :func:`audit_one` reads a table as a linked cell table (the person ids kept in the
#: engine, :mod:`jamtools.data.links`) rather than as rows: the same audit, without the rows
#: in memory.
LINKED = True


def _by_sex(kon: pd.Series, weight: pd.Series | None = None) -> dict[str, int]:
    """Rows per sex (women and girls, men and boys) among the codes of ``kon``; with
    ``weight`` (a cell table's counts, aligned with ``kon``) each code counts that many rows."""
    out = dict.fromkeys(ADULT_SEXES, 0)
    counts = (kon.value_counts() if weight is None else
              pd.Series(weight.to_numpy(), index=kon.index).groupby(kon, sort=False).sum())
    for code, n in counts.items():  # a few distinct codes: count, then map
        if code in _TO_ADULT:
            out[_TO_ADULT[code]] += int(n)
    return out


def audit_one(name: str, *, data_dir=None, config=None, period=None,
              linked: bool | None = None) -> TableAudit:
    """Audit table ``name`` (see the module docstring). Never raises for a missing or broken
    table: the problem is recorded in the result.

    The source is the one :func:`jamtools.data.table_sources` gives (with ``config``, only the
    configuration's tables). Completeness is counted on every row read, after the
    configuration's column mapping and recoding: a sex code that is neither the model's nor
    mapped onto it is *another code*, an empty cell (with no personnummer to derive sex from)
    is *missing*. The table is read once, in the engine, and only the columns the audit needs
    (sex, the personnummer, the person id, and the date when a period is chosen; on rows also
    the table's key), so a problem in another column leaves out no row here. A table whose load fails
    (sex mostly invalid, say) is checked once more, for its completeness alone.

    With ``linked`` (default :data:`LINKED`) the table is read as a linked cell table: pandas
    holds one row per combination of sex and problems with its number of rows, the person ids
    stay in the engine, and the persons are counted there
    (:func:`jamtools.data.links.first_per_id`). The audit is the same as on rows.
    """
    linked = LINKED if linked is None else linked
    spec = _source(name, data_dir, config)
    if spec is None:
        return TableAudit(name, "saknas")
    result = load_error = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown codes and dangling references: counted below
            result = _load.load_table(name, data_dir=data_dir, config=config, period=period,
                                      columns=("kon",), optional=("person_id",),
                                      cells=linked, linked=linked)
        checked = result.checked
    except _load.DataValidationError as exc:
        load_error = exc
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                checked = _load.check_source(name, spec, columns=("kon",))
        except _load.DataValidationError as exc:
            return TableAudit(name, "oläsbar", problem=_short_problem(exc))
    audit = TableAudit(name, "kolumn", source=Path(checked.source).name, rows_read=checked.rows_read)
    if "kon" not in checked.data.columns:  # neither a sex column nor a personnummer
        audit.status = "saknar_kon"
        audit.completeness = {"kvinna": 0, "man": 0, "saknas": audit.rows_read, "annan_kod": 0}
        return audit
    kon = checked.data["kon"]
    # A cell table's rows stand for as many rows as its weight says; rows count one each.
    count = (checked.data[checked.weight].to_numpy(dtype=np.int64) if checked.weight
             else np.ones(len(kon), dtype=np.int64))
    unknown = kon.eq(_load.UNKNOWN_SEX).fillna(False).to_numpy(dtype=bool)
    if "kon|filled" not in checked.sex_flags:  # sex from the personnummer alone
        audit.status = "personnummer"
    # a missing sex as the check and the load call it (a blank sex, with a personnummer that
    # gives none; without a sex column, no personnummer); every other unknown sex is another
    # code (a code that is none of the sexes, or an invalid personnummer)
    missing = checked.masks.get(("kon", "missing_sex"))
    missing = (missing.to_numpy(dtype=bool) if missing is not None else np.zeros(len(kon), dtype=bool))
    weights = checked.data[checked.weight] if checked.weight else None
    n_missing = int(count[unknown & missing].sum())
    audit.completeness = {**_by_sex(kon, weights), "saknas": n_missing,
                          "annan_kod": int(count[unknown].sum()) - n_missing}
    if name in AGGREGATE_TABLES:
        audit.status = "aggregerad"
    if load_error is not None:
        audit.status = "oläsbar"
        audit.problem = _short_problem(load_error)
        return audit
    # only its account is read later: the engine's table of its rows is let go with the
    # result (at ten million rows the tables of thirteen exports do not fit in its memory)
    audit.load = without_rows(result)
    audit.left_out = {e["steg"]: int(e["antal"]) for e in result.log
                      if e["typ"] == "exkluderade" and not e["steg"].startswith("Okänt")
                      and e["antal"] > 0}
    if name not in AGGREGATE_TABLES:
        derived_id = checked.derived.get("person_id") == "radnumret"
        counted = result
        if has_values(result, "person_id") and not derived_id:
            # each person's first row, counted in the engine when linked (not followed further)
            counted = first_per_id(result, "person_id", follow=False)
        else:
            audit.unit = {"ru_ansokningar": "ansökningar"}.get(name, "rader")
        rows = counted.data
        audit.persons = _by_sex(rows["kon"], rows[counted.weight] if counted.weight else None)
    return audit


def supplied_tables(*, data_dir=None, config=None) -> list[str]:
    """The model's tables the run has (:func:`jamtools.data.table_sources`), in model order."""
    sources = _load.table_sources(config, data_dir=data_dir)
    return [t for t in TABLES if t in sources]


def not_supplied(*, data_dir=None, config=None) -> list[str]:
    """The model's tables the run does not have, in model order."""
    have = set(supplied_tables(data_dir=data_dir, config=config))
    return [t for t in TABLES if t not in have]


def audit_tables(*, data_dir=None, config=None, period=None, tables=None) -> list[TableAudit]:
    """Audit the tables the run has (or those named in ``tables``, supplied or not), in model
    order. With a configuration only its tables are audited (:func:`supplied_tables`); the
    others are listed by :func:`not_supplied`."""
    names = (supplied_tables(data_dir=data_dir, config=config) if tables is None
             else [t for t in TABLES if t in set(tables)])
    return [audit_one(n, data_dir=data_dir, config=config, period=period) for n in names]


def disclose_audit(audits: list[TableAudit], *, threshold: int = disclosure.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """The completeness counts as a disclosed table: one row per table and category
    (:data:`CATEGORIES`), with rows read as the published row total.

    Small counts and what would give them away (the other cells of the table's row, with its
    total) are hidden by :func:`jamtools.disclosure.disclose_table`. Tables that are missing or
    unreadable have no rows here; :func:`audit_summary` lists every table.
    """
    rows = [{"tabell": a.name, "kategori": c, "antal": float(a.completeness.get(c, 0))}
            for a in audits if a.completeness for c in CATEGORIES]
    long = pd.DataFrame(rows, columns=["tabell", "kategori", "antal"])
    return disclosure.disclose_table(long, count_cols=["antal"], by=["tabell", "kategori"],
                                     threshold=threshold)


def disclose_persons(audits: list[TableAudit], *, threshold: int = disclosure.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Persons (or rows) per table and sex, after the loader's exclusions, disclosed."""
    rows = [{"tabell": a.name, "kon": s, "antal": float(a.persons.get(s, 0)), "enhet": a.unit}
            for a in audits if a.persons is not None for s in ADULT_SEXES]
    long = pd.DataFrame(rows, columns=["tabell", "kon", "antal", "enhet"])
    return disclosure.disclose_table(long, count_cols=["antal"], by=["tabell", "kon"],
                                     threshold=threshold)


def disclose_counts(audits: list[TableAudit], *, threshold: int = disclosure.DEFAULT_THRESHOLD) -> dict:
    """The results file's ``counts``: per loaded table the rows analysed and left out by sex
    (:func:`jamtools.disclosure.disclose_counts_by_sex`, linked to the table's data account)."""
    return {a.name: disclosure.disclose_counts_by_sex(a.load.counts_by_sex(), quality=a.load.quality(),
                                                      threshold=threshold)
            for a in audits if a.load is not None}


def _small(value, threshold: int) -> bool:
    return bool(disclosure.is_small([value], threshold)[0])


def audit_summary(audits: list[TableAudit], disclosed: pd.DataFrame, *,
                  persons: pd.DataFrame | None = None, counts: dict | None = None) -> pd.DataFrame:
    """One row per table: status, source, rows read, shares known / missing / other code (from
    the disclosed counts: hidden counts give hidden shares), rows left out for other reasons.
    The result is marked disclosed with the threshold of ``disclosed``.

    A table's rows read, its persons by sex (:func:`disclose_persons`, shown on the same page)
    and its rows left out (sex missing, another code, other reasons) are one linked table: the
    rows read less every count shown is the sum of the hidden ones (3 000 rows less 1 425 women,
    1 572 men and 0 without sex gives the hidden rows with another code and duplicates). Where
    that sum is small, the rows read are hidden too (:func:`_linked_rows_read`), as on the run's
    data page, and so is every share on them. The results file's
    rows analysed by sex (:func:`disclose_counts`) are part of the same table; a page that shows
    them passes the ones it shows (``persons``, ``counts``), else they are disclosed here."""
    disclosure.require_disclosed(disclosed, "granskningen")
    t = disclosed.attrs[disclosure.ATTR]["threshold"]
    wide = disclosed.pivot(index="tabell", columns="kategori", values="antal") if len(disclosed) else None
    persons = disclose_persons(audits, threshold=t) if persons is None else persons
    counts = disclose_counts(audits, threshold=t) if counts is None else counts
    out = []
    for a in audits:
        row = {"tabell": a.name, "status": a.status, "kalla": a.source or "",
               "inlasta": float(a.rows_read) if a.rows_read and not _small(a.rows_read, t) else
               (np.nan if a.rows_read else 0.0),
               "problem": a.problem, "aggregerad": a.name in AGGREGATE_TABLES}
        for c in CATEGORIES:
            v = wide.loc[a.name, c] if wide is not None and a.name in wide.index else np.nan
            row[c] = v
            row[f"andel_{c}"] = v / a.rows_read if a.rows_read and pd.notna(v) else np.nan
        row["kant"] = row["kvinna"] + row["man"]
        row["andel_kant"] = row["kant"] / a.rows_read if a.rows_read and pd.notna(row["kant"]) else np.nan
        left = sum(a.left_out.values())
        row["utanfor_ovrigt"] = np.nan if _small(left, t) else float(left)
        # The rows left out for other reasons are the sum over the sexes of what the results
        # file records as left out (less the rows of unknown sex): where it hides a sex's and
        # shows another's, the sum gives the hidden one back (hl_01: 59 left out less 37 women
        # gave the men's, and with their 45 analysed the men's rows read other chapters hide).
        excluded = ((counts.get(a.name) or {}).get("excluded") or {}).values()
        if any(v is None for v in excluded):
            row["utanfor_ovrigt"] = np.nan
        row["utanfor_skal"] = "; ".join(step_words(st) for st in a.left_out)
        _linked_rows_read(row, a, persons[persons["tabell"] == a.name], counts.get(a.name), t)
        out.append(row)
    frame = pd.DataFrame(out)
    frame.attrs[disclosure.ATTR] = {"threshold": t, "rounding": None}
    return frame


def _linked_rows_read(row: dict, audit: TableAudit, persons: pd.DataFrame, counts: dict | None,
                      threshold: int) -> None:
    """Hide ``row``'s rows read where, with the persons' counts and the rows left out that are
    shown, they give back a small sum of hidden counts; and then the shares on them.

    The rows read are the rows of each sex analysed (the results file's ``counts``) plus the
    rows left out for a missing sex, another code and other reasons, less the rows counted
    twice (a duplicate without sex is left out as a duplicate and counted without sex); for a
    table of one row per person (or counted in rows) the persons of each sex on the page are
    its rows analysed, with several rows per person they are fewer. So the rows read less
    everything shown is what a reader can tell of the hidden counts (their sum, less any rows
    counted twice, plus any rows beyond a person's first). When something is hidden and that
    difference is small (1 to ``threshold − 1``), the rows read are hidden.
    A share on the hidden rows read gives them back (rows with another code divided by their
    share) or bounds the hidden counts (100,0 % with a known sex): every share strictly between
    0 and 1 is hidden with them, and so are the count of rows with a known sex and the counts
    per sex.
    """
    if not audit.rows_read or pd.isna(row["inlasta"]):
        return
    left = [row["saknas"], row["annan_kod"], row["utanfor_ovrigt"]]
    analysed = {k: (np.nan if v is None else v) for k, v in ((counts or {}).get("analysed") or {}).items()
                if k != _load.UNKNOWN_SEX}
    views = [left + list(analysed.values())] if analysed else []
    if audit.persons is not None and not persons.empty:   # (aggregate tables have no persons)
        by_sex = persons.set_index("kon")["antal"]
        views.append(left + [by_sex.get(s, np.nan) for s in ADULT_SEXES])
    if not any(any(pd.isna(v) for v in shown)
               and 0 < audit.rows_read - sum(v for v in shown if pd.notna(v)) < threshold
               for shown in views):
        return
    row["inlasta"] = np.nan
    for c in ("kvinna", "man", "kant"):
        row[c] = np.nan
        row[f"andel_{c}"] = np.nan if c != "kant" else row["andel_kant"]
    # A share of the hidden rows read gives them back, or bounds the hidden counts: rows with
    # another code over their share; 100,0 % with a known sex puts the rows without one at
    # most 0,05 % of rows read that the persons shown nearly give. Only a share of exactly 0 or
    # 1 (none, or all) says nothing more than its count of 0 does.
    for c in ("kant", "saknas", "annan_kod"):
        share = row[f"andel_{c}"]
        if pd.notna(share) and 0 < share < 1:
            row[f"andel_{c}"] = np.nan


def _n(x) -> str:
    from jamtools.present.report import number

    return number(x, 0)


def audit_table(summary: pd.DataFrame, *, caption: str = "", name: str | None = None) -> "object":
    """The audit as a Swedish table (``jamtools.present.report.Table``), labelled ``name``."""
    from jamtools.present.report import Table, SUPPRESSION_NOTE, percent

    disclosure.require_disclosed(summary, "granskningen")
    t = summary.attrs[disclosure.ATTR]["threshold"]
    rows = []
    for _, r in summary.iterrows():
        counted = r["status"] not in ("saknas", "oläsbar") or pd.notna(r["andel_kant"])
        status = STATUS[r["status"]] + (f": {r['problem']}" if r["problem"] else "")
        rows.append({
            "Tabell": table_name(r["tabell"]),
            "Fil": r["kalla"] or "–",
            "Uppdelad efter kön?": status,
            "Inlästa rader": _n(r["inlasta"]) if r["status"] != "saknas" else "–",
            "Känt kön": percent(r["andel_kant"]) if counted else "–",
            "Kön saknas (rader)": _n(r["saknas"]) if counted else "–",
            "Annan kod (rader)": _n(r["annan_kod"]) if counted else "–",
            "Lämnade utanför av andra skäl": (_n(r["utanfor_ovrigt"]) +
                                              (f" ({r['utanfor_skal'].lower()})" if r["utanfor_skal"] else ""))
            if r["status"] in ("kolumn", "personnummer", "aggregerad") else "–",
        })
    frame = pd.DataFrame(rows)
    hidden = summary[[*CATEGORIES, "inlasta", "utanfor_ovrigt"]].isna().any(axis=1) & \
        summary["status"].isin(["kolumn", "personnummer", "aggregerad"])
    absent = "'–' = uppgiften finns inte för tabellen." if (frame == "–").any().any() else ""
    note = " ".join(x for x in (absent, SUPPRESSION_NOTE.format(t=t) if hidden.any() else "") if x)
    return Table(frame, caption, note, name=name)


def persons_table(persons: pd.DataFrame, audits: list[TableAudit], *, caption: str = "",
                  name: str | None = None) -> "object":
    """Persons per table and sex (the indicator table), disclosed, as a Swedish table labelled
    ``name``."""
    from jamtools.present.report import NOT_COMPUTED_MARK, Table, marks_legend, percent

    disclosure.require_disclosed(persons, "personer per tabell")
    t = persons.attrs[disclosure.ATTR]["threshold"]
    rows = []
    for table, sub in persons.groupby("tabell", sort=False):
        v = sub.set_index("kon")["antal"]
        w, m = v.get("kvinna", np.nan), v.get("man", np.nan)
        child = TABLES[table].sex_values == CHILD_SEXES
        known = pd.notna(w) and pd.notna(m)
        rows.append({"Tabell": table_name(table), "Räknas": sub["enhet"].iloc[0],
                     "Kvinnor/flickor": _n(w), "Män/pojkar": _n(m),
                     # hidden when a count is; '–' when the table has no one of either sex
                     "Andel kvinnor/flickor": (percent(w / (w + m)) if (w + m) > 0 else NOT_COMPUTED_MARK)
                     if known else disclosure.SUPPRESSED_MARK,
                     "Kön i tabellen": "flickor och pojkar" if child else "kvinnor och män"})
    frame = pd.DataFrame(rows)
    return Table(frame, caption, marks_legend(frame, t), name=name)


def table_name(table: str, *, markdown: bool = False) -> str:
    """A data table by its Swedish name, and the data model's name for the analyst who looks
    for it in the configuration: as a table's cell names it ('Beslut om hemtjänst
    (ht_beslut)'), or with ``markdown`` as a sentence does ('beslut om hemtjänst
    (`ht_beslut`)'). A table without a Swedish name is its model name."""
    from jamtools.present.report import TABLE_LABELS

    code = f"`{table}`" if markdown else table
    if table not in TABLE_LABELS:
        return code
    shown = TABLE_LABELS[table] if markdown else TABLE_LABELS[table][:1].upper() + TABLE_LABELS[table][1:]
    return f"{shown} ({code})"


def audit_plot(summary: pd.DataFrame, *, title: str = ""):
    """Share of rows with a known sex per table (bars, each with its share written beside it),
    with the table's status written where there is no bar (missing table, no sex, suppressed
    share). Tables are named in Swedish (:data:`jamtools.present.report.TABLE_LABELS`)."""
    from jamtools.present.plots import Plot, new_figure, pct_axis, set_title, title_height, wrap
    from jamtools.present.report import TABLE_LABELS, percent

    disclosure.require_disclosed(summary, "granskningen")
    names = [TABLE_LABELS.get(t, t) for t in summary["tabell"]]
    lines = max((wrap(n).count("\n") + 1 for n in names), default=1)
    fig = new_figure(1.4 + max(0.42, 0.24 * lines + 0.12) * len(summary)
                     + title_height(title))
    ax = fig.subplots()
    for i, (_, r) in enumerate(summary.iterrows()):
        share = r["andel_kant"]
        if r["status"] == "saknas":
            ax.text(0.01, i, "tabellen saknas", va="center", color="#666666")
        elif r["status"] == "saknar_kon":
            ax.text(0.01, i, "kön saknas i tabellen", va="center", color="#D55E00")
        elif pd.isna(share):
            ax.text(0.01, i, ".." if r["status"] != "oläsbar" else "kan inte läsas in",
                    va="center", color="#666666")
        else:
            color = "#009E73" if share >= 0.995 else "#E69F00"
            ax.barh(i, share, color=color, height=0.6)
            ax.text(min(share, 1.0) + 0.01, i, percent(share, 0), va="center")
    ax.set_yticks(range(len(summary)))
    ax.set_yticklabels([wrap(n[:1].upper() + n[1:]) for n in names])
    ax.set_ylim(max(len(summary), 1) - 0.5, -0.5)
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.5, 1.0])
    pct_axis(ax)
    ax.set_xlabel("Andel inlästa rader med känt kön")
    set_title(fig, title)
    return Plot(fig, title or "Andel rader med känt kön per tabell")


def table_names_text(tables) -> str:
    """Tables in words: their Swedish names with the model's name, e.g.
    "beslut om hemtjänst (`ht_beslut`)", joined with commas and "och"."""
    xs = [table_name(t, markdown=True) for t in tables]
    if not xs:
        return ""
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " och " + xs[-1]


def describe_audit(summary: pd.DataFrame, *, not_supplied=()) -> str:
    """The audit in a few Swedish sentences (Markdown), from the disclosed summary.

    ``not_supplied`` are the model's tables the run does not have (:func:`not_supplied`): they
    are named, so that a short audit is never read as "every table has sex".
    """
    from jamtools.present.report import percent

    disclosure.require_disclosed(summary, "granskningen")
    s = summary
    missing = list(dict.fromkeys([*not_supplied, *s.loc[s["status"] == "saknas", "tabell"]]))
    n = len(s) + len([t for t in not_supplied if t not in set(s["tabell"])])
    unreadable = list(s.loc[s["status"] == "oläsbar", "tabell"])
    no_sex = list(s.loc[s["status"] == "saknar_kon", "tabell"])
    present = s[~s["status"].isin(["saknas"])]
    individual = present[~present["aggregerad"] & present["status"].isin(["kolumn", "personnummer"])]
    aggregate = present[present["aggregerad"] & (present["status"] == "aggregerad")]
    # incomplete: a share below 1, or rows without sex (or with another code) shown; a share
    # the disclosure control hid says nothing either way
    incomplete = individual[(individual["andel_kant"] < 1) | (individual["saknas"].fillna(0) > 0)
                            | (individual["annan_kod"].fillna(0) > 0)]
    hidden = individual[individual["andel_kant"].isna() & ~individual.index.isin(incomplete.index)]

    def names(xs, *, start: bool = False):
        shown = table_names_text(list(xs))
        return shown[:1].upper() + shown[1:] if start else shown

    text = [f"Datamodellen har {n} tabeller. {opening_number(len(present))} av dem finns i underlaget och "
            "granskas här."
            + (f" **Tabeller som inte finns i underlaget** (och därför inte granskas): "
               f"{table_names_text(missing)}." if missing else "")]
    if len(individual):
        k = len(individual)
        part = (f"{opening_number(k)} individbaserad{'e' if k > 1 else ''} tabell{'er' if k > 1 else ''} har kön"
                + (f", i {names(individual.loc[individual['status'] == 'personnummer', 'tabell'])} "
                   "härlett ur personnumret" if (individual["status"] == "personnummer").any() else ""))
        text.append(part + ".")
    if len(aggregate):
        one = len(aggregate) == 1
        text.append(f"{names(aggregate['tabell'], start=True)} är "
                    f"{'en sammanräknad tabell' if one else 'sammanräknade tabeller'} med en rad per kön "
                    f"(och år, ålder eller månad): {'den' if one else 'de'} är uppdelad{'' if one else 'e'} "
                    "efter kön genom sin uppbyggnad.")
    if no_sex:
        text.append(f"**Kön saknas helt i {names(no_sex)}.** Statistik från "
                    f"{'den tabellen' if len(no_sex) == 1 else 'de tabellerna'} kan inte delas upp "
                    "efter kön förrän kön (eller personnummer) följer med i exporten.")
    if unreadable:
        text.append(f"{names(unreadable, start=True)} kunde inte läsas in; se tabellen nedan för vad som är fel.")
    if len(incomplete):
        parts = []
        for _, r in incomplete.iterrows():
            bits = [f"känt kön i {percent(r['andel_kant'])} av raderna"] if pd.notna(r["andel_kant"]) else []
            if pd.notna(r["saknas"]) and r["saknas"] > 0:
                bits.append(f"{_n(r['saknas'])} rader utan kön")
            if pd.notna(r["annan_kod"]) and r["annan_kod"] > 0:
                bits.append(f"{_n(r['annan_kod'])} rader med en annan kod")
            parts.append(f"{names([r['tabell']])}: {', '.join(bits)}")
        text.append("Kön är inte fullständigt i " + "; ".join(parts) + ". Raderna med okänt kön "
                    "lämnas utanför jämförelserna mellan könen i handbokens kapitel och redovisas "
                    "för sig.")
    elif len(individual) and not no_sex and not len(hidden):
        text.append("I alla individbaserade tabeller som finns har varje rad ett känt kön.")
    if len(hidden):
        text.append(f"För {names(hidden['tabell'])} visas inte hur stor del av raderna som har känt "
                    "kön (röjandekontroll: andelen bygger på ett litet antal eller skulle göra det "
                    "möjligt att räkna ut ett).")
    return "\n\n".join(text)


def audit_comparisons(summary: pd.DataFrame, *, not_supplied=()) -> pd.DataFrame:
    """The audit in the results file's comparison layout: per table the share of rows with a
    known sex, with sex missing and with another code (``n_a`` rows in the category, ``n_b``
    rows read); ``warning`` carries the table's status. Built from the disclosed summary; the
    tables in ``not_supplied`` get rows with the status "Tabellen saknas" and no numbers."""
    from jamtools.stats.binary import COMPARISON_COLUMNS

    disclosure.require_disclosed(summary, "granskningen")
    absent = [t for t in not_supplied if t not in set(summary["tabell"])]
    if absent:
        extra = pd.DataFrame([{"tabell": t, "status": "saknas", "problem": "", "inlasta": np.nan,
                               **{c: np.nan for c in ("kant", "saknas", "annan_kod")},
                               **{f"andel_{c}": np.nan for c in ("kant", "saknas", "annan_kod")}}
                              for t in absent])
        attrs = dict(summary.attrs)
        summary = pd.concat([summary, extra], ignore_index=True)
        summary.attrs.update(attrs)
    rows = []
    for _, r in summary.iterrows():
        for measure, col in (("share_known_sex", "kant"), ("share_sex_missing", "saknas"),
                             ("share_sex_other_code", "annan_kod")):
            row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
            # hidden: the share (the published estimate) was withheld, not computed as missing
            hidden = r["status"] not in ("saknas", "saknar_kon", "oläsbar") and pd.isna(r[f"andel_{col}"])
            row.update(outcome=r["tabell"], comparison=f"{col} / inlästa", group_a=col,
                       group_b="inlasta", measure=measure, estimate=r[f"andel_{col}"],
                       n_a=r[col], n_b=r["inlasta"], adjusted=False, adjusted_for="",
                       method="andel av inlästa rader", test="",
                       warning=STATUS[r["status"]] + (f": {r['problem']}" if r["problem"] else ""),
                       suppressed=bool(hidden),
                       suppression_reason=disclosure.REASON_HIDDEN if hidden else "")
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs[disclosure.ATTR] = dict(summary.attrs[disclosure.ATTR])
    return out


def audit_alt(summary: pd.DataFrame) -> str:
    """Alt text of :func:`audit_plot`: per table the share of rows with a known sex, or why
    there is no bar (in words when hidden), each table named in Swedish."""
    from jamtools.present.report import HIDDEN_WORDS, TABLE_LABELS, percent

    parts = []
    for _, r in summary.iterrows():
        name = TABLE_LABELS.get(r["tabell"], r["tabell"])
        if r["status"] == "saknas":
            parts.append(f"{name}: tabellen saknas")
        elif r["status"] == "saknar_kon":
            parts.append(f"{name}: kön saknas i tabellen")
        elif r["status"] == "oläsbar" and pd.isna(r["andel_kant"]):
            parts.append(f"{name}: kan inte läsas in")
        else:
            parts.append(f"{name} {percent(r['andel_kant']) if pd.notna(r['andel_kant']) else HIDDEN_WORDS}")
    return ("Liggande staplar. Andel inlästa rader med känt kön per tabell: " + "; ".join(parts)
            + ".") if parts else "Inga tabeller att visa."


def answer(summary: pd.DataFrame, *, not_supplied=()) -> str:
    """*Svar i korthet*: how many of the model's tables the run has, how many of them have sex
    and for every row, and which have none."""
    s = summary
    n = len(s) + len([t for t in not_supplied if t not in set(s["tabell"])])
    present = s[s["status"] != "saknas"]
    with_sex = present[present["status"].isin(["kolumn", "personnummer", "aggregerad"])]
    complete = with_sex[with_sex["andel_kant"].notna() & (with_sex["andel_kant"] >= 1)]
    no_sex = list(present.loc[present["status"] == "saknar_kon", "tabell"])
    hidden = with_sex[with_sex["andel_kant"].isna()]
    k, shown = len(with_sex), len(with_sex) - len(hidden)
    text = (f"Av datamodellens {n} tabeller finns {len(present)} i underlaget. "
            + f"{opening_number(k)} av dem är {'uppdelade' if k > 1 else 'uppdelad'} efter kön")
    some = {0: "ingen", 1: "en"}
    if not len(hidden):
        text += f", och i {some.get(len(complete), len(complete))} har varje rad ett känt kön." if k else "."
    else:
        if shown == 1:
            text += (f". I den tabell där andelen visas har {'varje' if len(complete) else 'inte varje'} "
                     "rad ett känt kön.")
        elif shown > 1:
            text += (f". Av de {shown} där andelen visas har {some.get(len(complete), len(complete))} "
                     "ett känt kön på varje rad.")
        else:
            text += "."
        text += (f" För {'den' if k == 1 else str(some.get(len(hidden), len(hidden))) + ' av dem'} visas inte "
                 "hur stor del av raderna som har känt kön (röjandekontroll).")
    if no_sex:
        text += f" Kön saknas helt i {table_names_text(no_sex)}."
    return text


def sex_split_statistics(ctx) -> Page:
    """hl_01: is all our individual-based statistics split by sex?

    Audits every table of the data model the run has (:func:`audit_tables`; the others are
    named as not supplied): where sex comes from, how complete it is, and how many persons of
    each sex each table holds, all disclosed.

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (data folder, configuration, period).

    Returns
    -------
    Page
        Parts ``data`` (the audit table), ``resultat`` (the audit in words and the share of rows
        with a known sex per table) and ``personer`` (persons per table and sex).
    """
    p = ctx.params
    audits = audit_tables(data_dir=p.data_dir, config=p.config, period=p.period)
    missing = not_supplied(data_dir=p.data_dir, config=p.config)
    persons = disclose_persons(audits, threshold=ctx.threshold)
    counts = disclose_counts(audits, threshold=ctx.threshold)
    summary = audit_summary(audits, disclose_audit(audits, threshold=ctx.threshold),
                            persons=persons, counts=counts)
    return Page(
        question_id=ctx.question_id,
        short_answer=answer(summary, not_supplied=missing),
        parts={
            "data": items(ctx.heading, audit_table(
                summary, caption="Granskning: finns kön i varje tabell, och hur fullständigt?",
                name="granskning")),
            "resultat": items(describe_audit(summary, not_supplied=missing), *figure(
                audit_plot(summary, title="Andel rader med känt kön, per tabell"),
                caption="Andel av de inlästa raderna med känt kön i varje tabell som finns i "
                        "underlaget; där stapel saknas står varför.",
                alt=audit_alt(summary), name="kant-kon")),
            "personer": items(persons_table(persons, audits, caption="Personer per tabell efter kön",
                                            name="personer")),
        },
        counts=counts,
        comparisons=audit_comparisons(summary, not_supplied=missing))
