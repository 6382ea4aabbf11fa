"""Reader-facing tables and plain-Swedish sentences, built only from disclosed tables.

Every function here calls :func:`jamtools.disclosure.require_disclosed` on what it shows, so a
notebook cannot print a raw small count through this module. Tables are rendered as HTML with
the class ``jamtools-disclosed`` (the leak scan knows them by it); numbers use Swedish
conventions (decimal comma, a real minus sign, "procentenheter").
"""
from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

from jamtools import disclosure, stats
from jamtools.disclosure.analyses import order_min
from jamtools.disclosure.linked import TABLE_ROWS, hide_steps
from jamtools.data.load import counts_after, mark_shown, rows_of
from jamtools.present.sentences import (NO_INTERVAL, caution, direction, hidden_groups, hidden_why,
                                        not_shown, why_not_computed, without_interval)

#: How each sex level is written in running text and table headers.
SEX_LABELS = {"flicka": "flickor", "pojke": "pojkar", "kvinna": "kvinnor", "man": "män",
              "okant": "okänt kön", "mamma": "mammor", "pappa": "pappor"}
SEX_POSSESSIVE = {"flicka": "flickornas", "pojke": "pojkarnas", "kvinna": "kvinnornas",
                  "man": "männens", "mamma": "mammorna", "pappa": "papporna"}

#: Swedish names of the tables, for sentences a reader sees.
TABLE_LABELS = {
    "bof_aktualiseringar": "aktualiseringar om barn", "bof_utredningar": "utredningar om barn",
    "bof_insatser": "insatser för barn", "ht_beslut": "beslut om hemtjänst",
    "eb_klienter": "ansökningar om ekonomiskt bistånd", "eb_planering": "planeringar i ekonomiskt bistånd",
    "eb_insatser": "insatser i ekonomiskt bistånd", "eb_utfall": "utfall i ekonomiskt bistånd",
    "ks_elever": "kulturskolans elever", "ru_ansokningar": "ansökningar om projektmedel",
    "befolkning": "befolkningen", "um_anteckningar": "journalanteckningar",
    "um_indikatorer": "kvalitetsindikatorer",
}

def step_words(step: str) -> str:
    """A data account's step as a reader reads it: a reason that names a data table by the
    model's name ("Hänvisar till eb_klienter som saknas", the loader's key for it) names it in
    Swedish ("Hänvisar till en rad som saknas i ansökningar om ekonomiskt bistånd"), and a
    reason about a column names the column in words ("Saknar värde (ålder)"); every other step
    as it is. The run's check names the export's own column and the data model's, for the
    analyst who corrects the export.

    Examples
    --------
    >>> step_words("Hänvisar till bof_utredningar som saknas")
    'Hänvisar till en rad som saknas i utredningar om barn'
    >>> step_words("Saknar värde (alder)")
    'Saknar värde (ålder)'
    >>> step_words("Omöjligt värde (taljare)")
    'Omöjligt värde (täljare)'
    >>> step_words("Inlästa rader (bof_utredningar.csv)")
    'Inlästa rader (bof_utredningar.csv)'
    """
    m = re.fullmatch(r"Hänvisar till (\w+) som saknas", str(step))
    if m and m.group(1) in TABLE_LABELS:
        return f"Hänvisar till en rad som saknas i {TABLE_LABELS[m.group(1)]}"
    m = re.fullmatch(r"(.+) \((\w+)\)", str(step))
    if m and m.group(2) in COLUMN_LABELS:
        return f"{m.group(1)} ({COLUMN_LABELS[m.group(2)]})"
    return step


#: Swedish headers for the library's tidy columns.
HEADERS = {
    "kon": "Kön", "n": "Antal", "events": "Antal med utfallet", "share": "Andel",
    "ci_low": "Nedre gräns", "ci_high": "Övre gräns", "steg": "Steg", "antal": "Antal",
    "comparison": "Jämförelse", "measure": "Mått", "estimate": "Skattning", "p_value": "p-värde",
    "adjusted_for": "Justerat för", "outcome": "Utfall", "test": "Test",
    "suppression_reason": "Anmärkning", "mdd_pp": "Minsta upptäckbara skillnad (pe)",
}
MEASURES = {
    "risk_difference_pp": "Skillnad i andel (procentenheter)",
    "risk_ratio": "Kvot mellan andelar (riskkvot)",
    "odds_ratio": "Oddskvot",
    "mh_odds_ratio": "Oddskvot (Mantel–Haenszel)",
    "mh_risk_difference_pp": "Skillnad i andel, Mantel–Haenszel (procentenheter)",
    "mean_difference": "Skillnad i medelvärde",
    "median_difference": "Skillnad i median",
    "ratio_of_means": "Kvot mellan medelvärden",
    "cramers_v": "Cramérs V",
    "dissimilarity_index": "Olikhetsindex (0–1)",
    "paired_difference_pp": "Skillnad i andel inom par (procentenheter)",
    "hazard_ratio": "Hasardkvot (Cox)",
    "logrank_chi2": "Log-rank-test (chi-två)",
    # r4_01: persons per inhabitant, and one sex's share among clients against among inhabitants
    "rate_ratio": "Kvot mellan antal per invånare",
    "mh_rate_ratio": "Kvot mellan antal per invånare (Mantel–Haenszel)",
    "share_difference_pp": "Andel bland klienterna minus andel bland invånarna (procentenheter)",
    # r4_02: a sex's share of a resource against its share of the persons
    "resource_share_gap_pp": "Andel av resursen minus andel av personerna (procentenheter)",
    "interaction_pp": "Samspel: skillnad i skillnader (procentenheter)",
    "interaction_odds_ratio": "Samspel: kvot mellan oddskvoter",
}
MINUS = "\u2212"

#: Swedish names of the data model's columns, as a reader sees them. Every chapter's labels live
#: here, so a table or sentence reads the same in every chapter and in the summary of a run.
COLUMN_LABELS = {
    "aldersgrupp": "åldersgrupp", "anmalningsorsak": "anmälningsorsak", "anmalare": "anmälare",
    "orsakstyp": "typ av orsak", "enhet": "enhet", "insatstyp": "typ av insats",
    "hushallstyp": "hushållstyp", "alder": "ålder", "foraldrar_sammanboende": "föräldrarna bor ihop",
    "foralder": "förälder", "sammanboende": "föräldrarnas boende",
    # ekonomiskt bistånd, hemtjänst, projektmedel, kulturskola, journaler
    "ohalsa": "ohälsa", "antal_barn": "antal barn", "fodd_i_sverige": "födelseland",
    "fodelseland": "födelseland", "malgrupp": "målgrupp", "beloppsklass": "beloppsklass",
    "hushall_id": "hushåll (jämförelse inom par)", "roll": "roll",
    "aktivitetskrav": "krav på aktivitet", "krav_arbetssokande": "krav på aktivt arbetssökande",
    "sanktion": "sanktion vid frånvaro", "anpassad_planering": "anpassad planering",
    "krav_sjukintyg": "krav på sjukintyg", "samordning_varden": "samordning med hälso- och sjukvården",
    "fragat_om_vald": "frågat om våld", "vald_identifierat": "våld identifierat",
    "undantag_barnomsorg": "undantag från aktivitet för barnomsorg",
    "foraldraledighet_planerad": "föräldraledighet planerad", "forflyttning": "förflyttning mot självförsörjning",
    "sjalvforsorjande": "självförsörjande", "bistand_beviljat": "bistånd beviljat",
    "ansokan_till_sjalvforsorjande": "från ansökan till självförsörjning", "planering": "planering",
    "beviljad": "ansökan beviljad", "beviljat_tkr": "beviljat belopp (tkr)",
    "andel_av_sokt": "andel av sökt belopp", "beviljade_timmar": "beviljade timmar",
    "utredning_inledd": "utredning inledd", "insats_beviljad": "insats beviljad",
    "insats_per_anmalan": "insats efter anmälan", "anmalare_polis": "anmälan från polisen",
    "uppfoljning_i_tid": "uppföljning i tid", "genomforandeplan_finns": "genomförandeplan finns",
    "ansvarsord": "ansvarsord i anteckningen",
    "andel_kvinna": "andel kvinnor", "eb_klienter": "klienter i ekonomiskt bistånd",
    "bof_aktualiseringar": "anmälningar om barn", "ht_beslut": "beslut om hemtjänst",
    "kontaktad": "kontaktad", "moten": "möten", "samtal": "samtal", "instrument": "instrument",
    # barn och familj: ids that link the tables, and the parents in an investigation
    "utredning_id": "utredningens id", "aktualisering_id": "anmälningens id",
    "mamma_finns": "mamma med vårdnad eller umgänge", "pappa_finns": "pappa med vårdnad eller umgänge",
    "mamma_kontaktad": "kontakt med mamman", "pappa_kontaktad": "kontakt med pappan",
    "mamma_samtal": "utredningssamtal med mamman", "pappa_samtal": "utredningssamtal med pappan",
    "antal_moten_mamma": "antal möten med mamman", "antal_moten_pappa": "antal möten med pappan",
}
#: Swedish labels of the data model's codes.
VALUE_LABELS = {
    "miljo": "Miljö", "beteende": "Beteende",
    "vald_i_familjen": "Våld i familjen", "brister_i_omsorgen": "Brister i omsorgen",
    "foraldrars_missbruk": "Föräldrars missbruk", "konflikt_i_familjen": "Konflikt i familjen",
    "psykisk_ohalsa": "Psykisk ohälsa", "skolfranvaro": "Skolfrånvaro",
    "eget_missbruk": "Eget missbruk", "kriminalitet": "Kriminalitet",
    "skola": "Skola", "forskola": "Förskola", "polis": "Polis",
    "halso_och_sjukvard": "Hälso- och sjukvård", "socialtjansten": "Socialtjänsten",
    "anhorig": "Anhörig", "ovriga": "Övriga", "uppgift_saknas": "Uppgift saknas",
    "familjebehandling": "Familjebehandling", "samtalsstod": "Samtalsstöd",
    "kontaktperson_familj": "Kontaktperson/-familj", "strukturerad_oppenvard": "Strukturerad öppenvård",
    "placering_familjehem": "Placering i familjehem", "placering_hvb": "Placering på HVB",
    "ensamstaende_utan_barn": "Ensamstående utan barn", "ensamstaende_med_barn": "Ensamstående med barn",
    "sammanboende_utan_barn": "Sammanboende utan barn", "sammanboende_med_barn": "Sammanboende med barn",
    "arbetsmarknadsinsats": "Arbetsmarknadsinsats", "praktik": "Praktik", "studier": "Studier",
    "budget_och_skuldradgivning": "Budget- och skuldrådgivning", "sfi": "Svenska för invandrare",
    "stod_vid_ohalsa": "Stöd vid ohälsa",
    "inrikes_fodd": "Född i Sverige", "utrikes_fodd": "Utrikes född", "klient": "Klient",
}


#: The reader's label for a missing value among the categories of a table or figure.
MISSING_LABEL = "Uppgift saknas"


def label(value) -> str:
    """The reader's label for a code or column name (the code itself when none is known;
    :data:`MISSING_LABEL` for a missing value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING_LABEL
    text = str(value)
    return VALUE_LABELS.get(text) or COLUMN_LABELS.get(text) or text


def covariates_text(adjusted_for) -> str:
    """'åldersgrupp och anmälningsorsak' from 'aldersgrupp, anmalningsorsak' (or a list)."""
    items = adjusted_for if isinstance(adjusted_for, (list, tuple)) else \
        [a.strip() for a in str(adjusted_for).split(",") if a.strip()]
    names = [COLUMN_LABELS.get(a, a.replace("_", " ")) for a in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1] if names else ""


def number(x, decimals: int = 1, *, signed: bool = False) -> str:
    """A number the Swedish way: decimal comma, a real minus sign; '..' when missing.

    With two or more ``decimals`` (ratios, indices), a number that is not 0 but would round to
    0 is shown with two significant digits: an odds ratio of 0.0042 (no events in one group,
    Haldane's 0.5 added) reads '0,0042', not '0,00', which reads as exactly none. Below 1e-9
    it is rounding noise (0.1 + 0.2 − 0.3) and reads '0,00'.

    Examples
    --------
    >>> number(1234.56), number(-0.04), number(0.0042, 2), number(0.0, 2), number(0.126, 2)
    ('1\u202f234,6', '0,0', '0,0042', '0,00', '0,13')
    """
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return disclosure.SUPPRESSED_MARK
    if decimals >= 2 and 1e-9 <= abs(float(x)) and round(abs(float(x)), decimals) == 0:
        decimals = min(1 - math.floor(math.log10(abs(float(x)))), 12)
    text = f"{abs(float(x)):,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    if float(x) < 0 and text.strip("0,\u202f"):
        return MINUS + text
    return ("+" + text) if signed and float(x) > 0 and text.strip("0,\u202f") else text


def conf_percent(level) -> str:
    """A confidence level in percent as every text and table header writes it: whole when it
    is whole ('95'), else with one decimal ('97,5' for two simultaneous 95 % intervals, '98,3'
    for three). Rounded to a whole number, 0.975 read '98 %': a level the interval does not
    have, beside '97,5 %' in the text above it.

    Examples
    --------
    A level that one decimal would round up to 100 gets
    as many decimals as it needs to stay below it: 0.9999 is '99,99', never '100,0'.

    >>> conf_percent(0.95), conf_percent(0.975), conf_percent(1 - 0.05 / 3)
    ('95', '97,5', '98,3')
    >>> conf_percent(0.9999), conf_percent(1 - 0.05 / 1000)
    ('99,99', '99,995')
    """
    pct = 100 * float(level)
    if abs(pct - round(pct)) < 1e-9:
        return number(pct, 0)
    decimals = 1
    while decimals < 6 and round(pct, decimals) >= 100:
        decimals += 1
    return number(pct, decimals)


def percent(share, decimals: int = 1) -> str:
    """A share (0–1) as a Swedish percentage, e.g. '38,9 %'."""
    if share is None or share is pd.NA or (isinstance(share, float) and math.isnan(share)):
        return disclosure.SUPPRESSED_MARK
    return f"{number(100 * float(share), decimals)}\u00a0%"


def p_value(p) -> str:
    """p-values as a reader needs them: '< 0,001' rather than 1.2e-7."""
    if p is None or p is pd.NA or (isinstance(p, float) and math.isnan(p)):
        return disclosure.SUPPRESSED_MARK
    return "< 0,001" if p < 0.001 else number(p, 3)


def p_words(p) -> str:
    """A p-value in a sentence: 'p = 0,007', or 'p < 0,001' (:func:`p_value` gives the table
    cell, without 'p'); 'p kan inte beräknas' when missing.

    Examples
    --------
    >>> p_words(0.0071), p_words(1.0), p_words(2e-9), p_words(float("nan"))
    ('p = 0,007', 'p = 1,000', 'p < 0,001', 'p kan inte beräknas')
    """
    if p is None or p is pd.NA or (isinstance(p, float) and math.isnan(p)):
        return "p kan inte beräknas"
    text = p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


class Table:
    """A disclosed table ready to show: HTML for the notebook and book, text for consoles."""

    def __init__(self, frame: pd.DataFrame, caption: str = "", note: str = "", *,
                 name: str | None = None) -> None:
        self.frame = frame
        self.caption = caption
        self.note = note
        self.name = name

    def _repr_mimebundle_(self, include=None, exclude=None):
        # The cells as strings ride along as metadata: the book's staging turns them into a
        # numbered table with its caption (jamtools.run.book); notebooks show the HTML.
        meta = {"jamtools": {"kind": "table", "caption": self.caption, "note": self.note,
                             "name": self.name, "columns": [str(c) for c in self.frame.columns],
                             "rows": [[str(v) for v in row]
                                      for row in self.frame.itertuples(index=False)]}}
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}, meta

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        rows = []
        for _, row in self.frame.iterrows():
            cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        note = f"<p class=\"jamtools-note\"><em>{html.escape(self.note)}</em></p>" if self.note else ""
        return (f"<table class=\"jamtools-disclosed\">{caption}<thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>{note}")

    def __repr__(self) -> str:
        text = self.frame.to_string(index=False)
        return f"{self.caption}\n{text}" + (f"\n{self.note}" if self.note else "")


SUPPRESSION_NOTE = ("'..' = uppgiften visas inte eftersom den bygger på färre än {t} personer "
                     "eller skulle göra det möjligt att räkna ut en sådan uppgift (röjandekontroll).")
#: How a table shows a value that could not be computed (not hidden: '..' means hidden).
NOT_COMPUTED_MARK = "–"
NOT_COMPUTED_NOTE = "'–' = uppgiften kan inte beräknas med dessa data."


def share_table(shares: pd.DataFrame, *, group: str = "kon", outcome_label: str = "Andel",
                caption: str = "", name: str | None = None) -> Table:
    """The disclosed share-by-group table, with Swedish headers and formatted numbers."""
    disclosure.require_disclosed(shares, "andelstabellen")
    t = shares.attrs["jamtools_disclosed"]["threshold"]
    conf = (shares["conf_level"].dropna().iloc[0]
            if "conf_level" in shares and shares["conf_level"].notna().any() else 0.95)
    by = [c for c in shares.columns if c not in {group, "n", "events", "share", "ci_low", "ci_high",
                                                  "method", "conf_level", "suppressed",
                                                  "suppression_reason", "all_or_none"}]
    frame = pd.DataFrame({label(c).capitalize(): shares[c].map(label) for c in by})
    frame[HEADERS.get(group, label(group).capitalize())] = shares[group].map(
        lambda v: SEX_LABELS.get(v, v).capitalize())
    hidden = _hidden(shares)
    frame["Antal"] = shares["n"].map(lambda v: number(v, 0))
    frame["Antal med utfallet"] = shares["events"].map(lambda v: number(v, 0))
    frame[outcome_label] = marked(shares["share"], hidden, percent)
    frame[f"{conf_percent(conf)} % konfidensintervall"] = interval_cells(
        shares["ci_low"], shares["ci_high"], hidden, lambda lo, hi: f"{number(100 * lo)}–{percent(hi)}")
    if "suppression_reason" in shares and shares["suppression_reason"].fillna("").astype(bool).any():
        frame["Anmärkning"] = shares["suppression_reason"].fillna("").astype(str)
    return Table(frame, caption, marks_legend(frame, t), name=name)


def _hidden(frame: pd.DataFrame) -> list[bool]:
    """Each row's ``suppressed`` (False where the table has none)."""
    if "suppressed" not in frame:
        return [False] * len(frame)
    return [bool(v) for v in frame["suppressed"].fillna(False)]


def marked(values, hidden, show) -> list[str]:
    """Table cells: '..' in a hidden row, :data:`NOT_COMPUTED_MARK` where a row has no value
    (a group without rows has no share), else ``show(value)``. '..' means hidden, and only that.

    Examples
    --------
    >>> marked([0.5, float("nan"), float("nan")], [False, True, False], lambda v: f"{v:.1f}")
    ['0.5', '..', '–']
    """
    return [disclosure.SUPPRESSED_MARK if h else (NOT_COMPUTED_MARK if _is_missing(v) else show(v))
            for v, h in zip(values, hidden)]


def interval_cells(lows, highs, hidden, show) -> list[str]:
    """Table cells of intervals, as :func:`marked`: '..' in a hidden row, '–' where either limit
    is missing, else ``show(low, high)``.

    Examples
    --------
    >>> interval_cells([0.1, 0.2, float("nan")], [0.3, 0.4, 0.5], [False, True, False],
    ...                lambda lo, hi: f"{lo:.1f}–{hi:.1f}")
    ['0.1–0.3', '..', '–']
    """
    return marked([(lo, hi) if not (pd.isna(lo) or pd.isna(hi)) else None
                   for lo, hi in zip(lows, highs)], hidden, lambda bounds: show(*bounds))


def marks_legend(frame: pd.DataFrame, threshold: int, *, note: str = "") -> str:
    """A table's note with the legend of each mark its cells use: '..' (hidden, fewer than
    ``threshold``) and '–' (could not be computed), after ``note``."""
    cells = frame.astype(str).to_numpy().ravel() if len(frame) else []
    parts = [note] if note else []
    if any(c == disclosure.SUPPRESSED_MARK for c in cells):
        parts.append(SUPPRESSION_NOTE.format(t=threshold))
    if any(c == NOT_COMPUTED_MARK for c in cells):
        parts.append(NOT_COMPUTED_NOTE)
    return " ".join(parts)


def _conf(frame: pd.DataFrame) -> float:
    """The confidence level of a table's rows (0.95 when it has none)."""
    if "conf_level" in frame and frame["conf_level"].notna().any():
        return float(frame["conf_level"].dropna().iloc[0])
    return 0.95


#: Under every comparison table: the verdict rule, and where the p-values are.
INTERVAL_NOTE = ("Slutsatsen i texten bygger på intervallet: täcker det ingen skillnad (0, eller 1 "
                 "för en kvot) kan data inte skilja skillnaden från slumpens variation. p-värdena "
                 "finns i kapitlets resultatfil.")


def comparison_table(comparisons: pd.DataFrame, *, caption: str = "",
                     name: str | None = None) -> Table:
    """The disclosed comparisons (crude and adjusted), one row each, in Swedish."""
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    t = comparisons.attrs["jamtools_disclosed"]["threshold"]
    rows = []
    for _, r in comparisons.iterrows():
        pp = r["measure"].endswith("_pp")
        est = estimate_cell(r, 1 if pp else 2, signed=pp)
        ci = interval(r, 1 if pp else 2, table=True)
        rows.append({
            "Jämförelse": sex_pair_words(str(r["comparison"])),
            "Mått": MEASURES.get(r["measure"], r["measure"]),
            "Justerat för": (covariates_text(r["adjusted_for"]) if r.get("adjusted") else "ojusterat"),
            "Skattning": est,
            f"{conf_percent(r.get('conf_level', 0.95))} % KI": ci,
            "Anmärkning": "; ".join(x for x in (str(r.get("suppression_reason") or ""),
                                                coded_words(str(r.get("warning") or "")))
                                    if x and x != "nan"),
        })
    if not rows:
        return Table(pd.DataFrame(columns=["Jämförelse", "Mått", "Justerat för", "Skattning",
                                           f"{conf_percent(_conf(comparisons))} % KI"]),
                     caption, "Inga jämförelser: det finns inga rader att jämföra i det valda urvalet.",
                     name=name)
    frame = pd.DataFrame(rows)
    if not frame["Anmärkning"].astype(bool).any():
        frame = frame.drop(columns="Anmärkning")
    if not comparisons.get("adjusted", pd.Series(False, index=comparisons.index)).eq(True).any():
        frame = frame.drop(columns="Justerat för")  # nothing adjusted: no such column
    note = SUPPRESSION_NOTE.format(t=t) if comparisons.get("suppressed", pd.Series(False)).any() else ""
    more = NOT_COMPUTED_NOTE if _not_computed(comparisons) else ""
    return Table(frame, caption, " ".join(x for x in (note, more, INTERVAL_NOTE) if x), name=name)


def quality_table(load_result, *, threshold: int, caption: str = "Dataunderlag",
                  name: str | None = None, linked_hidden: bool = False) -> Table:
    """Rows read, excluded (and why) and analysed, by sex, disclosed before it is shown.

    ``linked_hidden``: the rows read and analysed are hidden for every sex, because with
    counts shown elsewhere on the page they would give a hidden count back
    (:func:`jamtools.disclosure.linked.protect_map`)."""
    long = load_result.quality()
    order = list(dict.fromkeys(long["steg"]))
    sexes = [s for s in list(load_result.table.sex_values) + ["okant"] if s in set(long["kon"])]
    # the rows analysed of a sex that an analysis made before, of a selection of these rows,
    # would give back the few rows between them (jamtools.disclosure.hidden_beside_selections)
    # (the rows' count by sex is the account's: the rows are not counted again)
    account = rows_of(load_result.data) if isinstance(load_result.data, pd.DataFrame) else None
    late = (disclosure.hidden_beside_selections(load_result.data, threshold,
                                                weight=getattr(load_result, "weight", None),
                                                counts=counts_after(account[2]))
            if account is not None else set())
    # and those whose rows rest on fewer persons than the threshold (one girl's six
    # investigations): their rows read and analysed are hidden the same way
    if isinstance(load_result.data, pd.DataFrame):
        late = late | disclosure.hidden_for_few_persons(
            load_result.data, threshold, persons=getattr(load_result, "persons", None),
            weight=getattr(load_result, "weight", None))

    def disclosed_frame(hidden=None):
        # (again with ``hidden``: the counts another data table of the page hides,
        # jamtools.present.page.link_data_tables)
        hidden = None if hidden is None else np.asarray(hidden, bool).reshape(-1)
        disclosed = disclosure.disclose_quality(long, threshold=threshold,
                                                hidden=hidden if hidden is not None and hidden.any() else None,
                                                beside=late)
        if linked_hidden:
            disclosed = hide_steps(disclosed, set(long.loc[long["typ"].isin(TABLE_ROWS), "steg"]),
                                   columns=["antal"])
        wide = disclosed.pivot(index="steg", columns="kon", values="antal").reindex(order)
        frame = pd.DataFrame({"Steg": [step_words(st) for st in wide.index]})
        for s in sexes:
            frame[SEX_LABELS[s].capitalize()] = [number(v, 0) for v in wide[s]]
        return disclosed, frame

    disclosed, frame = disclosed_frame()
    parts = [no_rows_text(load_result)] if len(load_result.data) == 0 else []
    parts.append("Rader med okänt eller annat kön redovisas i en egen kolumn och ingår inte i "
                 "jämförelsen mellan könen.")
    if disclosed.get("suppressed", pd.Series(False)).any():
        parts.append(SUPPRESSION_NOTE.format(t=threshold))
    parts += getattr(load_result, "notes", [])
    note = " ".join(p.strip() for p in parts if p and p.strip())
    table = Table(frame, caption, note, name=name)
    # for the page (jamtools.present.page.link_rows_read): which data table, and each column's sex
    table.data_table = load_result.table.name
    table.sex_codes = {SEX_LABELS[s].capitalize(): s for s in sexes}
    # and (jamtools.present.page.link_selections) the steps that led to the rows analysed and
    # their number by sex, to tell a selection of another table's rows on the page
    table.steps = tuple((e["steg"], e["typ"], tuple(sorted(e["per_kon"].items())))
                        for e in load_result.log)
    table.analysed = load_result.counts_by_sex()["analysed"]
    table.threshold = threshold
    # and for the analyses of a selection of these rows made after it
    # (jamtools.disclosure.hidden_in_selection): the page shows their count (those made
    # before it were checked above, jamtools.disclosure.hidden_beside_selections)
    mark_shown(load_result)
    # and (jamtools.present.page.link_data_tables) its counts, which it hides, and how to disclose
    # it again hiding more
    table.quality = long
    # and (jamtools.present.page.published_steps, the results file) each row's step as the
    # loader named it, in the frame's order
    table.step_ids = tuple(order)
    table.quality_hidden = disclosed["suppressed"].to_numpy(dtype=bool)
    # (jamtools.present.page.Page: the results file's counts hide these sexes too)
    table.hidden_beside = frozenset(late)
    table.redisclose = disclosed_frame
    return table


def no_rows_text(load_result) -> str:
    """Why a chapter has nothing to analyse: every row read was left out (and for which
    reasons), or the table had no rows. Never 'för litet underlag'."""
    read = sum(e["antal"] for e in load_result.log if e["typ"] == "inlästa")
    if read == 0:
        return (f"Det finns inga rader att analysera: tabellen {load_result.table.name} "
                f"({load_result.source}) innehåller inga rader.")
    reasons = [step_words(e["steg"]) for e in load_result.log if e["typ"] == "exkluderade" and e["antal"] > 0]
    return (f"Det finns inga rader att analysera: alla inlästa rader lämnades utanför "
            f"({'; '.join(reasons).lower()}). Kapitlets resultat är därför tomma; se tabellen "
            "ovan och sidan Körningens data.")


def _nothing_to_analyse(frame: pd.DataFrame) -> bool:
    """True when a disclosed result rests on no row at all (every group's n is 0)."""
    return frame.empty or ("n" in frame and bool((frame["n"].fillna(0) == 0).all())
                           and not frame.get("suppressed", pd.Series(False, index=frame.index)).astype(bool).any())


def nothing_to_analyse_text(unit_text: str = "") -> str:
    """The sentence for a result with no rows behind it: why, not 'för litet underlag'."""
    what = unit_text or "rader"
    return (f"Det finns inga {what} att analysera i urvalet: se datatabellen ovan för vilka rader "
            "som lämnades utanför och varför. Inga skillnader kan därför beskrivas.")


def interval(row, decimals: int = 1, *, table: bool = False) -> str:
    """A comparison's confidence interval as a reader sees it: "a till b".

    A row the disclosure control hid has the hidden mark: ".. till .." in a sentence, ".." in a
    ``table`` cell; in a table, a row without an estimate (its note says why) has
    :data:`NOT_COMPUTED_MARK`. A computed estimate whose interval could not be computed says so
    ("kan inte beräknas"): '..' means hidden.

    Examples
    --------
    >>> interval({"estimate": 2.0, "ci_low": -1.25, "ci_high": 5.0})
    '−1,2 till 5,0'
    >>> interval({"estimate": 2.0, "ci_low": float("nan"), "ci_high": float("nan")})
    'kan inte beräknas'
    >>> interval({"estimate": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
    ...           "suppressed": True}, table=True)
    '..'
    """
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if _is_missing(lo) or _is_missing(hi):
        if table and not bool(row.get("suppressed", False)):
            return NOT_COMPUTED_MARK if _is_missing(row.get("estimate")) else "kan inte beräknas"
        if bool(row.get("suppressed", False)) or _is_missing(row.get("estimate")):
            return disclosure.SUPPRESSED_MARK if table else \
                f"{disclosure.SUPPRESSED_MARK} till {disclosure.SUPPRESSED_MARK}"
        return "kan inte beräknas"
    return f"{number(lo, decimals)} till {number(hi, decimals)}"


#: How an alt text (read aloud) says that a value is hidden, or could not be computed: words,
#: not the tables' marks.
HIDDEN_WORDS = "visas inte (röjandekontroll)"
NOT_COMPUTED_WORDS = "kan inte beräknas"


def estimate_words(row, decimals: int = 1, *, signed: bool = True, column: str = "estimate",
                   bounds: bool = True) -> str:
    """A comparison's estimate and interval for an alt text, which a screen reader reads aloud:
    the number and "(a till b)"; :data:`HIDDEN_WORDS` when hidden, :data:`NOT_COMPUTED_WORDS`
    when it could not be computed (never '..', read as two dots). ``column`` is the value's
    column; without ``bounds`` the value alone.

    Examples
    --------
    >>> estimate_words({"estimate": 2.0, "ci_low": -1.25, "ci_high": 5.0})
    '+2,0 (−1,2 till 5,0)'
    >>> estimate_words({"estimate": float("nan"), "suppressed": True})
    'visas inte (röjandekontroll)'
    >>> estimate_words({"estimate": float("nan"), "suppressed": False})
    'kan inte beräknas'
    """
    if is_hidden(row):
        return HIDDEN_WORDS
    if _is_missing(row.get(column)):
        return NOT_COMPUTED_WORDS
    value = number(row[column], decimals, signed=signed)
    return f"{value} ({interval(row, decimals)})" if bounds else value


def is_hidden(row) -> bool:
    """Whether a disclosed row was hidden: its ``suppressed`` flag, which a stacked frame may
    leave missing (then not set). The one test of the flag for tables, figures and alt texts."""
    value = row.get("suppressed", False)
    return False if _is_missing(value) else bool(value)


def share_words(row, decimals: int = 0) -> str:
    """A share for an alt text: the percentage; :data:`HIDDEN_WORDS` when hidden,
    :data:`NOT_COMPUTED_WORDS` when there is none."""
    if is_hidden(row):
        return HIDDEN_WORDS
    if _is_missing(row.get("share")):
        return NOT_COMPUTED_WORDS
    return percent(row["share"], decimals)


def estimate_cell(row, decimals: int = 1, *, signed: bool = False) -> str:
    """A comparison's estimate in a table cell: '..' when hidden, :data:`NOT_COMPUTED_MARK` when
    it could not be computed (the row's note says why), else the number."""
    if bool(row.get("suppressed", False)):
        return disclosure.SUPPRESSED_MARK
    if _is_missing(row.get("estimate")):
        return NOT_COMPUTED_MARK
    return number(row["estimate"], decimals, signed=signed)


def marks_note(comparisons: pd.DataFrame) -> str:
    """The legend of a disclosed comparison table's marks: '..' (hidden) when a row is hidden,
    '–' (could not be computed) when a row has no estimate and was not hidden."""
    t = comparisons.attrs[disclosure.ATTR]["threshold"]
    hidden = comparisons.get("suppressed", pd.Series(False, index=comparisons.index)).fillna(False)
    return " ".join(x for x in (SUPPRESSION_NOTE.format(t=t) if hidden.astype(bool).any() else "",
                                NOT_COMPUTED_NOTE if _not_computed(comparisons) else "") if x)


def _not_computed(frame: pd.DataFrame) -> bool:
    """Whether a disclosed comparison table has a row without an estimate that was not hidden."""
    if frame.empty or "estimate" not in frame:
        return False
    hidden = frame.get("suppressed", pd.Series(False, index=frame.index)).fillna(False).astype(bool)
    return bool((frame["estimate"].isna() & ~hidden).any())


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def describe_binary(shares: pd.DataFrame, comparisons: pd.DataFrame, *, outcome_text: str,
                    unit_text: str, group: str = "kon", verb: str = "ledde") -> str:
    """A short Swedish text (Markdown) of what the numbers show, and what they do not.

    ``outcome_text`` completes "… <verb> <outcome_text>" style sentences, e.g. "ledde" +
    "till insats" or "gällde" + "barnets eget beteende"; ``unit_text`` names what is counted,
    e.g. "utredningar". The text says "ingen tydlig
    skillnad" whenever the interval covers zero, states the smallest difference the data could
    have detected, flags a crude and adjusted difference of opposite sign, and never claims a
    cause.
    """
    disclosure.require_disclosed(shares, "andelstabellen")
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    if _nothing_to_analyse(shares):
        return nothing_to_analyse_text(unit_text)
    parts = []
    conf_value = (shares["conf_level"].dropna().iloc[0] if shares["conf_level"].notna().any()
                  else comparisons["conf_level"].dropna().iloc[0] if comparisons["conf_level"].notna().any()
                  else 0.95)
    conf = conf_percent(conf_value)
    shown = shares[~shares.get("suppressed", pd.Series(False, index=shares.index)).astype(bool)
                   & (shares["n"].fillna(0) > 0)]
    empty = shares.loc[shares["n"].fillna(-1) == 0, group]
    for i, (_, r) in enumerate(shown.iterrows()):
        who = SEX_POSSESSIVE.get(r[group], str(r[group]))
        what = " ".join(x for x in (who, unit_text, verb) if x) if i == 0 else who
        tail = f" {outcome_text}" if i == 0 and outcome_text else ""
        parts.append(f"{what} {percent(r['share'])}{tail} ({conf} % KI "
                     f"{number(100 * r['ci_low'])}–{percent(r['ci_high'])})")
    text = []
    if parts:
        sentence = "Av " + ", av ".join(parts) + "."
        text.append(sentence)
    if len(empty):
        text.append("Det finns inga " + unit_text + " för " + " och ".join(SEX_LABELS.get(e, e)
                                                                      for e in empty) + " i urvalet.")
    hidden = shares[shares.get("suppressed", pd.Series(False, index=shares.index)).astype(bool)]
    if len(hidden):
        text.append(hidden_groups(hidden, [SEX_LABELS.get(h, h) for h in hidden[group]], what="Andelen"))
    rd = comparisons[comparisons["measure"] == "risk_difference_pp"]
    crude = rd[~rd["adjusted"].astype(bool)]
    adjusted = rd[rd["adjusted"].astype(bool)]
    for kind, rows in (("Utan justering", crude), ("Justerat", adjusted)):
        if rows.empty:
            continue
        r = rows.iloc[0]
        a, b = SEX_LABELS.get(r["group_a"], r["group_a"]), SEX_LABELS.get(r["group_b"], r["group_b"])
        if not_shown(r):
            text.append(f"{kind}: skillnaden {not_shown(r)}.")
            continue
        ci = interval(r, 1)
        lead = ("Jämför man bara andelarna" if kind == "Utan justering" else
                f"Bland {unit_text or 'ärenden'} med samma {covariates_text(r['adjusted_for'])}")
        est = number(r["estimate"], 1, signed=True)
        if r["ci_low"] <= 0 <= r["ci_high"]:
            verdict = f"det finns ingen tydlig skillnad mellan {a} och {b}"
            mdd = r.get("mdd_pp")
            if mdd is not None and not pd.isna(mdd):
                verdict += (f"; med dessa antal hade bara en skillnad på ungefär "
                            f"{number(mdd, 0)} procentenheter eller mer kunnat upptäckas säkert")
        elif r["estimate"] > 0:
            verdict = f"andelen är tydligt högre för {a} än för {b}"
        else:
            verdict = f"andelen är tydligt lägre för {a} än för {b}"
        text.append(f"{lead} är skillnaden {est} procentenheter ({conf} % KI {ci}): {verdict}.")
        if r.get("warning") and str(r["warning"]) not in ("", "nan", "None"):
            text.append(caution(coded_words(str(r["warning"]))))
    if not crude.empty and not adjusted.empty:
        c, j = crude.iloc[0], adjusted.iloc[0]
        flag = ("none" if not_shown(c) or not_shown(j) else
                stats.flag_simpson((c["estimate"], c["ci_low"], c["ci_high"]),
                                   (j["estimate"], j["ci_low"], j["ci_high"])))
        if flag == "reversal":
            text.append("Skillnaden byter riktning när man justerar (Simpsons paradox): den "
                        "råa skillnaden speglar vilka som finns i de olika grupperna.")
        elif flag == "unclear":
            text.append("Den råa och den justerade skillnaden har olika tecken, men minst ett "
                        "av intervallen täcker 0: det går inte att säga åt vilket håll "
                        "skillnaden går, och inte att den byter riktning när man justerar.")
    text.append("Siffrorna beskriver skillnader i utfall; de säger inte varför skillnaderna "
                "finns eller om någon enskild bedömning var rätt eller fel.")
    return "\n\n".join(text)


def distribution_table(distribution: pd.DataFrame, category: str, *, group: str = "kon",
                       caption: str = "", name: str | None = None) -> Table:
    """A disclosed distribution by sex: one row per category, share and interval per sex, and
    the adjusted standardised residual (|r| > 2 marks where the sexes differ)."""
    disclosure.require_disclosed(distribution, "fördelningen")
    t = distribution.attrs["jamtools_disclosed"]["threshold"]
    rows = []
    for cat, sub in distribution.groupby(category, sort=False):
        row = {label(category).capitalize(): label(cat)}
        for _, r in sub.iterrows():
            who = SEX_LABELS.get(r[group], str(r[group])).capitalize()
            h = bool(r.get("suppressed", False))
            row[f"{who}: antal"] = number(r["events"], 0)
            (row[f"{who}: andel"],) = marked([r["share"]], [h], percent)
        first = sub.iloc[0]
        resid = first["adj_residual"] if "adj_residual" in sub else float("nan")
        who = SEX_LABELS.get(first[group], str(first[group]))
        (row[f"Standardiserad residual ({who})"],) = marked(
            [resid], [bool(sub["suppressed"].astype(bool).any()) if "suppressed" in sub else False],
            lambda v: number(v, 1, signed=True))
        rows.append(row)
    frame = pd.DataFrame(rows)
    return Table(frame, caption, marks_legend(frame, t), name=name)


# --- Amounts (hemtjänsttimmar, belopp) -------------------------------------------------------

import re  # noqa: E402  (this part was appended; its import sits with it)


COLUMN_LABELS.update({"adl_beroende": "ADL-beroende", "ensamboende": "boendeform",
                      "behovsniva": "ADL-beroende", "behovsgrupp": "behov (ADL-beroende och boende)",
                      "ar": "år"})
COLUMN_LABELS.update({"sokt_belopp": "sökt belopp", "beviljat_belopp": "beviljat belopp",
                      "person_id": "person (pseudonym)", "anteckning": "anteckningens text"})
COLUMN_LABELS.update({"dagar": "antal dagar till avslut", "avslutsorsak": "avslutsorsak",
                      "slutdatum": "slutdatum", "planering_id": "planeringens id"})
COLUMN_LABELS.update({"ansokningsdatum": "ansökningsdatum", "beslutsdatum": "beslutsdatum",
                      "datum": "datum"})
COLUMN_LABELS.update({"antal_insatser": "antal insatser"})
COLUMN_LABELS.update({"ansokan_id": "ansökans id", "anteckning_id": "anteckningens id",
                      "beslut_id": "beslutets id", "elev_id": "elevens id", "insats_id": "insatsens id",
                      "rad_id": "radens id", "antal": "antal invånare", "indikator": "indikator",
                      "kon": "kön", "manad": "månad", "namnare": "nämnare", "taljare": "täljare",
                      "startdatum": "startdatum", "terminsstart": "terminsstart",
                      "personnummer": "personnummer"})

#: Swedish names of the amount measures (crude, adjusted, decomposition, change).
AMOUNT_MEASURES = {
    "mean_difference": "Skillnad i medelvärde",
    "median_difference": "Skillnad i median",
    "ratio_of_means": "Kvot mellan medelvärden",
    "oaxaca_gap": "Hela skillnaden i medelvärde",
    "oaxaca_explained": "Förklarad av skillnader i det som justeras för",
    "oaxaca_unexplained": "Oförklarad: skillnad bland dem som är lika i det",
    "gap_change": "Förändring av skillnaden, efter − före",
}


def _conf_text(frame: pd.DataFrame, default: float = 0.95) -> str:
    if "conf_level" in frame and frame["conf_level"].notna().any():
        default = float(frame["conf_level"].dropna().iloc[0])
    return conf_percent(default)


def _range(lo, hi, decimals: int = 1, *, hidden: bool = True) -> str:
    """'lo–hi'; a missing limit is '..' when the row is ``hidden``, else
    :data:`NOT_COMPUTED_MARK` (it could not be computed)."""
    if pd.isna(lo) or pd.isna(hi):
        return disclosure.SUPPRESSED_MARK if hidden else NOT_COMPUTED_MARK
    return f"{number(lo, decimals)}–{number(hi, decimals)}"


def amount_summary_table(summary: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                         unit: str = "timmar", count_label: str = "Antal",
                         caption: str = "", name: str | None = None) -> Table:
    """A disclosed amount summary (``jamtools.disclosure.analyses.amount_outcome``) as a Swedish table.

    Per sex (and per category of ``by``): the count, the mean and the median with their
    intervals and the quartiles; without ``by`` also the share of the rows and of the summed
    amount (the 4R question of resources: share of the resources against share of the people).
    """
    disclosure.require_disclosed(summary, "beloppstabellen")
    t = summary.attrs[disclosure.ATTR]["threshold"]
    conf = _conf_text(summary)
    frame = pd.DataFrame(index=summary.index)
    if by:
        frame[label(by)[:1].upper() + label(by)[1:]] = summary[by].map(label)
    frame["Kön"] = summary[group].map(lambda v: SEX_LABELS.get(v, v).capitalize())
    frame[count_label] = summary["n"].map(lambda v: number(v, 0))
    if not by and "share_of_total" in summary:
        frame["Andel av alla"] = summary["share_of_n"].map(percent)
        frame[f"Andel av alla {unit}"] = summary["share_of_total"].map(percent)
    # A missing value of a row that was not hidden could not be computed (too few values, or no
    # one in the group): '–', not the hidden mark.
    hidden = summary.get("suppressed", pd.Series(False, index=summary.index)).fillna(False).astype(bool)
    # a group too small for its median and quartiles (disclosure.analyses.order_min): hidden too
    few = summary.get("order_hidden", pd.Series(False, index=summary.index)).fillna(False).astype(bool)
    order = hidden | few
    frame[f"Medelvärde ({unit})"] = summary["mean"].map(number)
    frame[f"{conf} % KI, medelvärde"] = [_range(lo, hi, hidden=h) for lo, hi, h in
                                         zip(summary["mean_ci_low"], summary["mean_ci_high"], hidden)]
    frame[f"Median ({unit})"] = summary["median"].map(number)
    frame[f"{conf} % KI, median"] = [_range(lo, hi, hidden=h) for lo, hi, h in
                                     zip(summary["median_ci_low"], summary["median_ci_high"], order)]
    frame["Mittersta hälften (kvartiler)"] = [_range(lo, hi, hidden=h) for lo, hi, h in
                                              zip(summary["q1"], summary["q3"], order)]
    order_columns = {f"Median ({unit})", f"{conf} % KI, median", "Mittersta hälften (kvartiler)"}
    for col in frame.columns[frame.columns.get_loc(count_label):]:
        shown_hidden = (order if col in order_columns else hidden).to_numpy()
        frame[col] = frame[col].where(shown_hidden | (frame[col] != disclosure.SUPPRESSED_MARK),
                                      NOT_COMPUTED_MARK)
    computed_missing = bool(frame.eq(NOT_COMPUTED_MARK).any().any())
    if summary.get("suppression_reason", pd.Series("", index=summary.index)).fillna("").astype(bool).any():
        frame["Anmärkning"] = summary["suppression_reason"].fillna("").astype(str)
    note = SUPPRESSION_NOTE.format(t=t) if summary.get("suppressed", pd.Series(False)).any() else ""
    if few.any():
        note = " ".join(x for x in (note, f"Median och kvartiler visas bara för grupper med minst "
                                          f"{order_min(t)} personer: i en mindre grupp är de nästan "
                                          "enskilda personers värden.") if x)
    if computed_missing:
        note = " ".join(x for x in (note, "'–' = kan inte beräknas (för få värden, alla i "
                                          "gruppen har samma värde, eller ingen i gruppen).") if x)
    return Table(frame.reset_index(drop=True), caption, note, name=name)


def amount_comparison_table(comparisons: pd.DataFrame, *, unit: str = "timmar",
                            period_label: str | None = None, counts: bool = False,
                            caption: str = "", name: str | None = None) -> Table:
    """Disclosed amount comparisons (crude, adjusted, Oaxaca–Blinder, change) in Swedish.

    Differences are in ``unit`` with a sign (first group minus the second); a ratio of means
    has two decimals. With ``period_label`` the column ``period`` comes first under that name;
    with ``counts`` the number of rows behind each group is shown (hidden with the comparison).
    """
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    t = comparisons.attrs[disclosure.ATTR]["threshold"]
    conf = _conf_text(comparisons)
    rows = []
    for _, r in comparisons.iterrows():
        ratio = r["measure"] == "ratio_of_means"
        dec = 2 if ratio else 1
        row = {}
        if period_label:
            row[period_label] = label(r["period"])
        row["Jämförelse"] = sex_pair_words(str(r["comparison"]))
        row["Mått"] = AMOUNT_MEASURES.get(r["measure"], MEASURES.get(r["measure"], r["measure"])) + \
            ("" if ratio else f" ({unit})")
        row["Justerat för"] = (("uppdelat efter " if str(r["measure"]).startswith("oaxaca") else "")
                               + covariates_text(r["adjusted_for"]) if bool(r.get("adjusted"))
                               else "ojusterat")
        row["Skattning"] = estimate_cell(r, dec, signed=not ratio)
        row[f"{conf} % KI"] = interval(r, dec, table=True)
        if counts:
            for side in ("a", "b"):
                who = SEX_LABELS.get(r[f"group_{side}"], r[f"group_{side}"])
                row[f"Antal, {who}"] = number(r.get(f"n_{side}"), 0)
        row["Anmärkning"] = "; ".join(x for x in (str(r.get("suppression_reason") or ""),
                                                  coded_words(str(r.get("warning") or ""))) if x and x != "nan")
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty and not frame["Anmärkning"].astype(bool).any():
        frame = frame.drop(columns="Anmärkning")
    if not frame.empty and not comparisons.get(
            "adjusted", pd.Series(False, index=comparisons.index)).eq(True).any():
        frame = frame.drop(columns="Justerat för")  # nothing adjusted: no such column
    note = SUPPRESSION_NOTE.format(t=t) if comparisons.get("suppressed", pd.Series(False)).any() else ""
    more = NOT_COMPUTED_NOTE if _not_computed(comparisons) else ""
    return Table(frame, caption, " ".join(x for x in (note, more, INTERVAL_NOTE) if x), name=name)


def coded_words(text: str) -> str:
    """A statistic's warning for the reader: a group's code in quotes (``'flicka'``) as its
    name (*flickor*), a value's code as its label."""
    return re.sub(r"'([^'\s]+)'", lambda m: SEX_LABELS.get(m.group(1)) or label(m.group(1)), text)


_SEX_CODES = "|".join(map(re.escape, SEX_LABELS))
_SEX_PAIR = re.compile(rf"\b({_SEX_CODES}) ([−/]) ({_SEX_CODES})\b")


def sex_pair_words(text: str) -> str:
    """A comparison's pair of group codes in words, the rest of the text as it is.

    ``'kvinna − man 2023'`` -> ``'kvinnor − män 2023'``, ``'(flicka − pojke) efter − före'`` ->
    ``'(flickor − pojkar) efter − före'``, ``'mamma / pappa, Polis'`` -> ``'mammor / pappor,
    Polis'``. Only a pair of two codes is written again, never a lone word (Swedish *man* is
    also a pronoun), so a label a chapter wrote itself is left as it is.
    """
    return _SEX_PAIR.sub(lambda m: f"{SEX_LABELS[m[1]]} {m[2]} {SEX_LABELS[m[3]]}", text)


def _amount_direction(r) -> str:
    """:func:`jamtools.present.sentences.direction` of a difference of amounts as the reader
    sees it: an interval that cannot be computed, or that is 0,0 to 0,0 once rounded as shown
    (equal amounts give limits of rounding noise, 1e-13 or, for millions of kronor, 1e-8),
    shows no clear difference."""
    d = direction(r["ci_low"], r["ci_high"])
    if d != "oklar" and round(float(r["ci_low"]), 1) <= 0 <= round(float(r["ci_high"]), 1):
        return "oklar"
    return d


def _verdict_amount(r, a: str, b: str, amount_text: str) -> str:
    """The verdict rule (:func:`_amount_direction`) for an amount in words; none without an
    interval (:data:`jamtools.present.sentences.NO_INTERVAL`)."""
    if without_interval(r):
        return NO_INTERVAL
    d = _amount_direction(r)
    if d == "oklar":
        return f"det finns ingen tydlig skillnad mellan {a} och {b}"
    return f"{a} får tydligt {'fler' if d == 'högre' else 'färre'} {amount_text} än {b}"


def describe_amount(summary: pd.DataFrame, comparisons: pd.DataFrame, *, unit_text: str = "beslut",
                    amount_text: str = "timmar", per_text: str = "per månad", verb: str = "gällde",
                    group: str = "kon") -> str:
    """A short Swedish text (Markdown) of an amount by sex: mean and median per sex, the crude
    and the adjusted difference of means, and what they do not show.

    Says "ingen tydlig skillnad" whenever the interval covers zero, flags a crude and adjusted
    difference of opposite sign, and never claims a cause.
    """
    disclosure.require_disclosed(summary, "beloppstabellen")
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    if _nothing_to_analyse(summary):
        return nothing_to_analyse_text(unit_text)
    conf = _conf_text(comparisons if "conf_level" in comparisons else summary)
    text = []
    shown = summary[~summary.get("suppressed", pd.Series(False, index=summary.index)).astype(bool)
                    & (summary["n"].fillna(0) > 0)]
    parts = []
    for i, (_, r) in enumerate(shown.iterrows()):
        who = SEX_POSSESSIVE.get(r[group], str(r[group]))
        lead = f"{who[:1].upper()}{who[1:]} {unit_text} {verb} i genomsnitt" if i == 0 else who
        parts.append(f"{lead} {number(r['mean'])} {amount_text}" + (f" {per_text}" if i == 0 else "")
                     + (f" ({conf} % KI {_range(r['mean_ci_low'], r['mean_ci_high'])}; median "
                        if pd.notna(r["mean_ci_low"]) and pd.notna(r["mean_ci_high"]) else
                        " (intervallet kan inte beräknas: " + ("bara en rad" if r["n"] == 1 else
                                                               "alla har samma värde") + "; median ")
                     + f"{number(r['median'])})")
    if parts:
        text.append(", ".join(parts[:-1]) + (" och " if len(parts) > 1 else "") + parts[-1] + ".")
    hidden = summary[summary.get("suppressed", pd.Series(False, index=summary.index)).astype(bool)]
    if len(hidden):
        text.append(hidden_groups(hidden, [SEX_LABELS.get(h, h) for h in hidden[group]],
                                  what="Uppgifterna", pronoun="de"))
    md = comparisons[comparisons["measure"] == "mean_difference"]
    crude, adjusted = md[~md["adjusted"].astype(bool)], md[md["adjusted"].astype(bool)]
    for kind, rows in (("crude", crude), ("adjusted", adjusted)):
        if rows.empty:
            continue
        r = rows.iloc[0]
        a, b = SEX_LABELS.get(r["group_a"], r["group_a"]), SEX_LABELS.get(r["group_b"], r["group_b"])
        lead = ("Jämför man bara medelvärdena" if kind == "crude" else
                f"Bland {unit_text} med samma {covariates_text(r['adjusted_for'])}")
        if not_shown(r):
            # the one sentence of a hidden value: neither group need be small (one hidden to
            # protect the other, or a selection's beside the whole's, disclosure.analyses)
            text.append(f"{lead} kan skillnaden inte visas: {hidden_why(r)} (röjandekontroll)."
                        if bool(r.get("suppressed", False)) else
                        f"{lead} kan skillnaden inte beräknas{why_not_computed(r)}.")
            continue
        ci = f"{interval(r)}"
        text.append(f"{lead} är skillnaden {number(r['estimate'], signed=True)} "
                    + " ".join(x for x in (amount_text, per_text) if x)
                    + f" ({conf} % KI {ci}): {_verdict_amount(r, a, b, amount_text)}.")
    if not crude.empty and not adjusted.empty:
        c, j = crude.iloc[0], adjusted.iloc[0]
        # the limits as the reader sees them (rounding noise around 0 shows no direction)
        flag = ("none" if not_shown(c) or not_shown(j) else
                stats.flag_simpson(*[(x["estimate"], round(float(x["ci_low"]), 1), round(float(x["ci_high"]), 1))
                                     for x in (c, j)]))
        if flag == "reversal":
            text.append("Skillnaden byter riktning när man jämför personer med samma behov: den "
                        "råa skillnaden speglar att behoven skiljer sig mellan grupperna, inte att "
                        "lika behov ger mer tid.")
        elif flag == "unclear":
            text.append("Den råa och den justerade skillnaden har olika tecken, men minst ett "
                        "av intervallen täcker 0: det går inte att säga åt vilket håll "
                        "skillnaden går, och inte att den byter riktning när man jämför personer "
                        "med samma behov.")
    text.append(f"Siffrorna beskriver skillnader i {'beviljad tid' if amount_text == 'timmar' else amount_text}; "
                "de säger inte varför skillnaderna "
                f"finns eller om något enskilt beslut var rätt eller fel.")
    return "\n\n".join(text)


def describe_decomposition(decomposition: pd.DataFrame, *, amount_text: str = "timmar",
                           per_text: str = "per månad") -> str:
    """The Oaxaca–Blinder split of the mean gap in words: how much of it differences in the
    covariates account for, and how much remains between people alike in them."""
    disclosure.require_disclosed(decomposition, "uppdelningen")
    rows = decomposition.set_index("measure")
    if rows["suppressed"].astype(bool).any():  # the one sentence of a hidden value (describe_amount)
        return (f"Uppdelningen visas inte: {hidden_why(rows[rows['suppressed'].astype(bool)].iloc[0])} "
                "(röjandekontroll).")
    if rows["estimate"].isna().any():
        return "Uppdelningen kan inte beräknas" + why_not_computed(rows[rows["estimate"].isna()].iloc[0]) + "."
    conf = _conf_text(decomposition)
    g, e, u = (rows.loc[m] for m in ("oaxaca_gap", "oaxaca_explained", "oaxaca_unexplained"))
    a, b = SEX_LABELS.get(g["group_a"], g["group_a"]), SEX_LABELS.get(g["group_b"], g["group_b"])
    return (f"Hela skillnaden i medelvärde, {number(g['estimate'], signed=True)} {amount_text} "
            f"{per_text}, kan delas i två delar. Skillnader mellan {a} och {b} i "
            f"{covariates_text(g['adjusted_for'])} svarar för {number(e['estimate'], signed=True)} "
            f"{amount_text} ({conf} % KI {interval(e)}); "
            f"resten, {number(u['estimate'], signed=True)} {amount_text} ({conf} % KI "
            f"{interval(u)}), är skillnaden mellan personer "
            "med samma värden på dem: den oförklarade delen.")


def describe_amount_change(change, *, amount_text: str = "timmar", per_text: str = "per månad",
                           what: str = "det nya arbetssättet") -> str:
    """A short Swedish text of a change in an adjusted amount gap
    (``jamtools.disclosure.analyses.amount_change``): the gap before and after, the change and its
    interval, with the caveat that a change after a date is not proof of its cause."""
    for frame in (change.phases, change.change):
        disclosure.require_disclosed(frame, "förändringstabellen")
    ph = change.phases[change.phases["adjusted"].astype(bool)]
    if ph.empty:
        ph = change.phases
    conf = _conf_text(change.change)
    text = []
    parts = []
    for _, r in ph.iterrows():
        if not_shown(r):
            parts.append(f"{r['period']}: {not_shown(r)}")
        else:
            parts.append(f"{r['period']} {number(r['estimate'], signed=True)} {amount_text} "
                         f"({conf} % KI {interval(r)})")
    if parts:
        first = ph.iloc[0]
        a = SEX_LABELS.get(first["group_a"], first["group_a"])
        b = SEX_LABELS.get(first["group_b"], first["group_b"])
        adj = (f", bland beslut med samma {covariates_text(first['adjusted_for'])},"
               if bool(first.get("adjusted")) else "")
        text.append(f"Skillnaden {a} − {b} i beviljad tid {per_text}{adj} var "
                    + " och ".join(parts) + ".")
    r = change.change.iloc[0]
    if bool(r.get("suppressed", False)):
        text.append(f"Förändringen visas inte: {hidden_why(r)} (röjandekontroll).")
    elif pd.isna(r["estimate"]):
        text.append("Förändringen kan inte skattas" + (why_not_computed(r) or ": det saknas data före eller efter")
                    + ".")
    else:
        ci = f"{interval(r)}"
        clear = direction(r["ci_low"], r["ci_high"]) != "oklar"  # a missing limit is not clear
        if pd.isna(r["ci_low"]) or pd.isna(r["ci_high"]):
            verdict = "utan intervall kan förändringen inte skiljas från slumpens variation"
        elif not clear:
            verdict = "data kan inte skilja förändringen från slumpens variation"
        else:
            up, down = (r["group_a"], r["group_b"]) if r["estimate"] > 0 else (r["group_b"], r["group_a"])
            verdict = (f"{SEX_POSSESSIVE.get(up, up)} beviljade tid har tydligt ökat i förhållande "
                       f"till {SEX_POSSESSIVE.get(down, down)}")
        p_text = "" if pd.isna(r["p_value"]) else f", {p_words(r['p_value'])}"
        text.append(f"Förändringen efter {what} är {number(r['estimate'], signed=True)} "
                    f"{amount_text} {per_text} ({conf} % KI {ci}{p_text}): {verdict}.")
        shown = ph[~ph["suppressed"].astype(bool) & ph["estimate"].notna()]
        if len(shown) == 2 and abs(shown["estimate"].iloc[1]) < abs(shown["estimate"].iloc[0]) \
                and clear:
            text.append("Skillnaden mellan könen har alltså blivit mindre.")
        elif len(shown) == 2 and abs(shown["estimate"].iloc[1]) > abs(shown["estimate"].iloc[0]) \
                and clear:
            text.append("Skillnaden mellan könen har alltså blivit större.")
        if bool(r.get("adjusted")) and r.get("adjusted_for") and len(shown) == 2:
            # (a probe: the phases' gaps +0,1 and −23,1 beside a change of −32,1)
            text.append("Förändringen skattas i en modell av alla beslut där behovet väger lika "
                        "före och efter. Därför är den inte exakt skillnaden mellan de två "
                        "justerade skillnaderna ovan, som skattas var för sig; i små underlag kan "
                        "de skilja sig en hel del.")
    text.append("En förändring efter en viss tidpunkt visar inte i sig att arbetssättet orsakade "
                "den: annat kan ha ändrats samtidigt.")
    return "\n\n".join(text)


def unusual_amounts_text(data: pd.DataFrame, table: str, *, hidden: bool = False) -> str:
    """A sentence for a page whose amounts include values above what the data model calls
    unusual (``Column.warn_above``: more than 10 million kronor of project funds), or "". The
    check names their rows; a chapter says it where the money is summed, since one amount typed
    in öre or with a zero too many can be most of the money (a probe: 1e9 kr, 96 % of ru_01's).
    No number is given: the sentence only says that such amounts are there. Nothing is said
    when the page ``hidden`` a group's amounts: with the other group's total shown below the
    bound, the sentence would tell that one of the hidden group's few amounts is above it (a
    review); the run's check still names the rows."""
    from jamtools.data.model import TABLES

    if hidden:
        return ""

    cols = [c for c in TABLES[table].columns if c.warn_above is not None and c.name in data.columns]
    over = [c for c in cols if bool((pd.to_numeric(data[c.name], errors="coerce") > c.warn_above).any())]
    if not over:
        return ""
    names = " och ".join(COLUMN_LABELS.get(c.name, c.name) for c in over)
    bound = f"{over[0].warn_above:,.0f}".replace(",", " ")
    return (f"Obs: data har {names} över {bound} kronor. Det är möjligt men ovanligt; kontrollera i "
            "exporten att beloppen är rätt (inte i ören eller med en nolla för mycket), eftersom "
            "ett enda sådant belopp kan stå för det mesta av pengarna nedan. Kontrollen av data "
            "visar raderna.")
