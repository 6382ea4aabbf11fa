"""Umeå's method questions: the words used about women and men in case notes, and control charts.

Two chapters from Umeå's social services (*Ett könsmedvetet arbete i socialtjänstens
biståndsbedömning*, from 2009), each a composition that loads through the chapter's run, prepares,
analyses, discloses and presents, returning one :class:`~jamtools.present.page.Page`:

- :func:`words_in_notes` (um_01): which words are used relatively more about women and about men
  (:mod:`jamtools.stats.text`, shown only after :mod:`jamtools.disclosure.text`), how often the
  notes hold words about responsibility and care, and the same word comparison for mothers and
  fathers;
- :func:`quality_monitoring` (um_02): a monthly indicator per sex in control charts
  (:mod:`jamtools.stats.control`, :mod:`jamtools.disclosure.control`), with the gap per year.

The chapters' own preparation is here too: :func:`select_notes` and :func:`parent_notes` (um_01),
:func:`select_indicator` and :func:`indicator_text` (um_02). Each returns a new
:class:`~jamtools.data.LoadResult` (or frame) and leaves the loaded table unchanged.
"""
from __future__ import annotations

import contextlib
import math

import pandas as pd

from jamtools import disclosure, stats
from jamtools.data.check import GIVEN, code_key
from jamtools.data.links import rows_view
from jamtools.data.model import ADULT_SEXES, TABLES
from jamtools.disclosure import analyses as analysis
from jamtools.disclosure.control import disclose_charts
from jamtools.disclosure.text import disclose_words
from jamtools.present import control_charts, parameters, plots, report
from jamtools.present import text as words
from jamtools.present.page import Page, figure, items
from jamtools.present.sentences import not_shown, shares_alt, verdict
from jamtools.stats import control
from jamtools.stats.text import PERSON, count_words_and_stems, distinctive_words

#: The sexes compared (a − b) in both chapters.
LEVELS = ADULT_SEXES

# --- um_01: the chapter's selection of notes -----------------------------------------------------

#: Why a note without text is left out (the data table of the chapter shows it).
REASON_NO_TEXT = "Anteckning utan text"
#: The free-text column of ``um_anteckningar``.
TEXT = "anteckning"
#: The role of a parent in ``um_anteckningar``.
PARENT = "foralder"
#: The column of ``um_anteckningar`` that identifies the person a note is about (required by
#: um_01: the words and the shares are shown only when about enough different persons).
NOTE_PERSON = "person_id"
#: What the words of the responsibility share are about, in a sentence.
RESPONSIBILITY_TEXT = "ord om ansvar eller omsorg"


# --- The chapters' parameters: each checked, with a message that says what to write ----------------

def note_role(value) -> str | None:
    """The parameter ``roll`` (um_01) checked: None (every note) or a role of the data model's
    ``um_anteckningar``; else ValueError naming the roles.

    Examples
    --------
    >>> note_role("foralder")
    'foralder'
    """
    roles = TABLES["um_anteckningar"].column("roll").allowed
    if value is not None and (not isinstance(value, str) or value not in roles):
        raise ValueError(f"Parametern roll = {value!r} ska vara en av rollerna {', '.join(roles)}, eller "
                         "None för alla anteckningar.")
    return value


def role_not_chosen_text(role: str) -> str:
    """The sentence for the parameter ``roll`` (um_01) when the notes have no readable role:
    every note is kept. The chapter says it, and the check's readiness too."""
    return (f"Rollen ({report.label(role).lower()}) kunde inte väljas: data saknar uppgift om roll, "
            "så alla anteckningar ingår.")


def word_count(value) -> int:
    """The parameter ``antal_ord`` (um_01) checked: how many distinctive words are shown per
    sex, a whole number ≥ 1; else ValueError (:func:`jamtools.present.parameters.whole_number`)."""
    return parameters.whole_number("antal_ord", value, meaning="hur många utmärkande ord som visas "
                                                              "per kön, till exempel 15")


def _words(name: str, value, *, at_least_one: bool) -> list[str]:
    return parameters.names(name, value, at_least_one=at_least_one,
                            expected="en lista med ord, till exempel [\"ansvar\", \"omsorg\"]"
                                     + (" (minst ett)" if at_least_one else ""))


def responsibility_words(value) -> list[str]:
    """The parameter ``ansvarsord`` (um_01) checked: the words (or word stems) counted as words
    about responsibility and care, at least one; one word alone is a list of one.

    Examples
    --------
    >>> responsibility_words("ansvar")
    ['ansvar']
    """
    return _words("ansvarsord", value, at_least_one=True)


def excluded_words(value) -> list[str]:
    """The parameter ``uteslutna_ord`` (um_01) checked: words never shown (may be none; None
    is none)."""
    return [] if value is None else _words("uteslutna_ord", value, at_least_one=False)


def prior_strength(value) -> float | None:
    """The parameter ``prior_styrka`` (um_01) checked: None (the material's own counts) or a
    number above 0; else ValueError."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value) or value <= 0):
        raise ValueError(f"Parametern prior_styrka = {value!r} ska vara ett tal större än 0, till "
                         "exempel 500, eller None för materialets egna antal.")
    return value


def indicator_name(value) -> str:
    """The parameter ``indikator`` (um_02) checked: one of the data model's indicators, written
    as the check reads the column (any case, å/ä/ö and spaces: "Uppföljning i tid" is
    ``uppfoljning_i_tid``, :func:`jamtools.data.check.code_key`); else ValueError (a name the
    column cannot hold left every row out as "Annan indikator", without a word)."""
    codes = TABLES["um_indikatorer"].column("indikator").allowed
    key = code_key(value) if isinstance(value, str) else None
    if key not in codes:
        raise ValueError(f"Parametern indikator = {value!r} ska vara en av indikatorerna i "
                         f"um_indikatorer: {', '.join(codes)}.")
    return key


def baseline_months(value):
    """The parameter ``baslinje_manader`` (um_02) checked: the number of months at the start
    that set the control limits (a whole number ≥ 1), or a pair of dates ``[start, slut]``
    (either None for open); else ValueError."""
    ok = parameters.is_whole_number(value, at_least=1)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            ok = all(v is None or not isinstance(v, (bool, int, float)) and pd.Timestamp(v) is not pd.NaT
                     for v in value)
        except (ValueError, TypeError):
            ok = False
    if not ok:
        raise ValueError(f"Parametern baslinje_manader = {value!r} ska vara ett antal månader (ett heltal "
                         "≥ 1, till exempel 12) eller ett par datum [start, slut], till exempel "
                         "['2023-01-01', '2023-12-31'].")
    return value


def select_notes(loaded, role: str | None = None):
    """The notes the chapter can use: without the notes that have no text
    (:data:`REASON_NO_TEXT`) and, with ``role``, without the notes about persons in another role,
    each counted with its reason.

    Parameters
    ----------
    loaded : jamtools.data.LoadResult
        The loaded ``um_anteckningar``, as rows or as a linked cell table whose text stays in
        the engine (the catalogue's load); left unchanged.
    role : str or None
        A role of the data model (``foralder``, ``klient``) or None for every note.

    Returns
    -------
    (LoadResult, str)
        The selected notes, and a Swedish sentence when the role could not be chosen (the table
        has no role, so every note is kept), else an empty string. The notes' text is never part
        of the sentence.
    """
    if TEXT in loaded.data.columns:
        text = loaded.data[TEXT].astype("string").str.strip()
        no_text = text.isna() | (text == "")
    else:  # the text kept in the engine (a linked load): stripped by the check, empty as missing
        no_text = ~loaded.data[GIVEN + TEXT].astype(bool)
    loaded = loaded.exclude(no_text, REASON_NO_TEXT)
    if role is None:
        return loaded, ""
    if not loaded.has("roll"):
        return loaded, role_not_chosen_text(role)
    return loaded.exclude(loaded.data["roll"] != role,
                          f"Annan roll än {report.label(role).lower()}"), ""


def parent_notes(data: pd.DataFrame) -> pd.DataFrame | None:
    """The notes about parents (role :data:`PARENT`), or None when ``data`` has no role.

    Parameters
    ----------
    data : pandas.DataFrame
        The selected notes (rows, or the cells of a linked load).

    Returns
    -------
    pandas.DataFrame or None
    """
    if "roll" not in data.columns or not data["roll"].notna().any():
        return None
    return data[data["roll"] == PARENT]


@contextlib.contextmanager
def _notes_at(loaded, data: pd.DataFrame | None = None):
    """The notes of ``data`` (default every one ``loaded`` keeps) where they are: the rows, or
    for a linked load the name of an engine view of them
    (:func:`jamtools.data.links.rows_view`), for :func:`~jamtools.stats.text.count_words` and
    :func:`~jamtools.stats.text.contains_stem`."""
    data = loaded.data if data is None else data
    if getattr(loaded, "rows", None) is None:
        yield data
    else:
        with rows_view(loaded, data) as view:
            yield view


def _words_and_stems(notes, src, *, stems, exclude, by: str | None,
                     threshold: int = disclosure.DEFAULT_THRESHOLD):
    """The words of ``notes`` counted (:func:`~jamtools.stats.text.count_words`, with ``by``
    its parts) and the notes' data with the 0/1 column ``ansvarsord`` (a note with a word
    beginning with one of ``stems``): per row, or for notes in the engine each cell split by it
    and by person (a number, :data:`~jamtools.stats.text.PERSON`, for the persons' column
    :data:`NOTE_PERSON`; up to ``threshold`` persons per cell and flag, which is what the
    disclosure of the shares needs), with its number of notes (only these counts leave the
    engine); both in one pass over the notes' words
    (:func:`~jamtools.stats.text.count_words_and_stems`)."""
    in_rows = isinstance(src, pd.DataFrame)
    counts, counted = count_words_and_stems(
        src, stems, levels=LEVELS, exclude=exclude, by=by,
        stems_by=None if in_rows else "__cell", name="ansvarsord", weight=notes.weight or "n",
        per_person=None if in_rows else threshold)
    if in_rows:
        return counts, notes.data.assign(ansvarsord=counted)
    cells = notes.data.loc[counted["__cell"].to_numpy()].reset_index(drop=True)
    cells["ansvarsord"] = counted["ansvarsord"].to_numpy()
    cells[notes.weight] = counted[notes.weight].to_numpy()
    cells[PERSON] = counted[PERSON].to_numpy()
    cells.attrs.update(counted.attrs)  # the persons' cap, checked against the threshold
    return counts, cells


def _disclosed_top(counts, *, k: int, prior_strength, conf_level: float, threshold: int):
    """Rank and disclose counted words (:func:`~jamtools.stats.text.count_words`); (disclosed
    words, top ``k``)."""
    shown = disclose_words(distinctive_words(counts, prior_strength=prior_strength,
                                             conf_level=conf_level), threshold=threshold)
    return shown, words.top_words(shown, k)


def _words_answer(top: pd.DataFrame, comparisons: pd.DataFrame, counts) -> str:
    """*Svar i korthet* of um_01: the clearest words on each side (or why words cannot be
    compared), and the responsibility share's difference with its interval in the words of the
    one verdict rule."""
    a, b = top.attrs["levels"]
    la, lb = report.SEX_LABELS[a], report.SEX_LABELS[b]
    clear = words.clear(top)
    sides = []
    for side in (a, b):
        sub = top[(top["side"] == side) & clear].head(3)
        if len(sub):
            listed = ", ".join(f"*{w}*" for w in sub["word"])
            sides.append(f"{listed} om {report.SEX_LABELS[side]}")
    out = [words.without_notes(counts) or (
        ("Bland orden som klarar integritetsreglerna används tydligast oftare "
         + " och ".join(sides) + ".") if sides else
        f"Inget ord som klarar integritetsreglerna används tydligt oftare om {la} än om {lb} "
        "eller tvärtom.")]
    rd = comparisons[comparisons["measure"] == "risk_difference_pp"]
    if len(rd):
        r = rd.iloc[0]
        if not_shown(r):
            out.append(f"Skillnaden i andel anteckningar med {RESPONSIBILITY_TEXT} {not_shown(r)}.")
        else:
            conf = report.conf_percent(r["conf_level"])
            out.append(f"Andelen anteckningar med {RESPONSIBILITY_TEXT} skiljer sig med "
                       f"{report.number(r['estimate'], 1, signed=True)} procentenheter "
                       f"({la} − {lb}, {conf} % KI {report.interval(r, 1)}): "
                       f"{verdict(r['ci_low'], r['ci_high'], a=la, b=lb, subject='andelen')}.")
    return " ".join(out)


def words_in_notes(ctx) -> Page:
    """um_01: do we describe women and men, mothers and fathers, with different words?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters and loading by the catalogue); its own parameters are
        ``roll``, ``antal_ord``, ``ansvarsord``, ``uteslutna_ord`` and ``prior_styrka``.

    Returns
    -------
    Page
        Parts ``data`` (the notes used), ``ord`` (the distinctive words: text, figure, table),
        ``uteslutna`` (how many words each privacy rule left out), ``ansvar`` (the share of notes
        with responsibility words: text, figure and tables) and ``foraldrar`` (the words of
        mothers and fathers, or why that part is left out).
    """
    table = "um_anteckningar"
    notes, role_text = select_notes(ctx.load(table, **ctx.filters), note_role(ctx.extra["roll"]))
    omitted = ctx.omissions(table, notes)
    exclude, prior = excluded_words(ctx.extra["uteslutna_ord"]), prior_strength(ctx.extra["prior_styrka"])

    # The notes about parents (role PARENT) are compared too, counted in the same pass over
    # the notes' words as all notes (the counting of words is most of the chapter's time).
    parents = parent_notes(notes.data)
    # Words about responsibility and care (a yes/no outcome per note) are found in the same
    # pass.
    stems = responsibility_words(ctx.extra["ansvarsord"])
    with _notes_at(notes) as src:
        counts, flagged = _words_and_stems(notes, src, stems=stems, exclude=exclude,
                                           by=None if parents is None else "roll",
                                           threshold=ctx.threshold)
    # Distinctive words (privacy rules 1-4 while counting, rule 5 before anything is shown).
    shown, top = _disclosed_top(counts, k=word_count(ctx.extra["antal_ord"]), prior_strength=prior,
                                conf_level=ctx.conf_level, threshold=ctx.threshold)
    roles = notes.has("roll")
    # A cell of notes with (or without) the words is shown only when it is about enough
    # different persons: seven notes can be one person's.
    ansvar = analysis.binary_outcome(flagged, "ansvarsord", levels=LEVELS,
                                     by="roll" if roles else None,
                                     conf_level=ctx.conf_level, threshold=ctx.threshold,
                                     weight=notes.weight,
                                     persons=PERSON if PERSON in flagged else NOTE_PERSON)
    shares = ansvar.by_shares if roles else ansvar.shares
    by_text = "efter roll och kön" if roles else "efter kön"
    share_title = "Anteckningar med ord om ansvar eller omsorg"

    # Mothers and fathers: the same word comparison for the notes about parents.
    if parents is not None:
        _, parent_top = _disclosed_top(counts.part(PARENT), k=10, prior_strength=prior,
                                       conf_level=ctx.conf_level, threshold=ctx.threshold)
        parent_part = items(words.word_table(
            parent_top, labels={"kvinna": "mammor", "man": "pappor"},
            caption="De mest utmärkande orden i anteckningar om mammor och pappor"))
    else:
        parent_part = items("Jämförelsen av mammor och pappor utelämnas: data saknar uppgift om "
                            "roll.")

    return Page(
        question_id=ctx.question_id,
        short_answer=_words_answer(top, ansvar.comparisons, counts),
        parts={
            "data": items(" ".join([ctx.heading, *(s for s in (omitted, role_text) if s)]),
                          report.quality_table(notes, threshold=ctx.threshold,
                                               caption="Dataunderlag: anteckningar",
                                               name="dataunderlag")),
            "ord": items(
                words.describe_words(top, counts),
                *figure(words.words_plot(
                            top, title="Ord som används relativt oftare om kvinnor respektive män"),
                        caption="De ord som används relativt oftare i anteckningar om kvinnor "
                                "respektive män, rangordnade efter z (log-oddskvoten delad med "
                                "sin osäkerhet); grått betyder ingen tydlig skillnad.",
                        alt=words.words_alt(top), name="ord"),
                words.word_table(top, caption="De mest utmärkande orden för varje kön")),
            "uteslutna": items(words.exclusion_table(counts, shown,
                                                     caption="Ord som inte visas, efter regel",
                                                     name="uteslutna")),
            "ansvar": items(
                "Orden som räknas: " + ", ".join(f"*{o}…*" for o in stems) + ".",
                report.describe_binary(ansvar.shares, ansvar.comparisons, verb="innehöll",
                                       outcome_text=RESPONSIBILITY_TEXT, unit_text="anteckningar"),
                *figure(plots.shares_plot(shares, by="roll" if roles else None, title=share_title,
                                          xlabel="Andel av anteckningarna"),
                        caption=f"Andel anteckningar med ord om ansvar eller omsorg {by_text}, "
                                f"med {report.conf_percent(ctx.conf_level)} % "
                                "konfidensintervall.",
                        alt=shares_alt(shares, what="Andel med ansvarsord",
                                       by="roll" if roles else None), name="ansvar"),
                report.share_table(shares, outcome_label="Andel med ansvarsord",
                                   caption=f"Anteckningar med ord om ansvar eller omsorg, {by_text}"),
                report.comparison_table(
                    ansvar.comparisons[ansvar.comparisons["measure"] == "risk_difference_pp"],
                    caption="Skillnad mellan kvinnor och män i andel anteckningar med ansvarsord")),
            "foraldrar": parent_part,
        },
        counts={table: disclosure.disclose_counts_by_sex(notes.counts_by_sex(), quality=notes.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=pd.concat([stats.adjust_pvalues(ansvar.comparisons, method="holm"),
                               stats.adjust_pvalues(words.word_comparisons(top), method="holm")],
                              ignore_index=True),
    )


# --- um_02: the chapter's selection of rows ------------------------------------------------------

#: The reader's names of the data model's indicators (in a sentence: "andelen …").
INDICATORS = {"uppfoljning_i_tid": "andelen ärenden som följdes upp i tid",
              "genomforandeplan_finns": "andelen med genomförandeplan"}
#: The month column of ``um_indikatorer``.
MONTH = "manad"


def indicator_text(indicator: str) -> str:
    """The indicator in a Swedish sentence (:data:`INDICATORS`, else its own name).

    Parameters
    ----------
    indicator : str

    Returns
    -------
    str
    """
    return INDICATORS.get(indicator, str(indicator).replace("_", " "))


def select_indicator(loaded, indicator: str):
    """The rows of ``indicator``; the others are left out and counted ("Annan indikator").

    An export of a single indicator often has no indicator column: then every row is taken to
    be ``indicator`` (the chapter catalogue's sentence for the missing column says so).

    Parameters
    ----------
    loaded : jamtools.data.LoadResult
        The loaded ``um_indikatorer``; left unchanged.
    indicator : str
        The indicator followed (parameter ``indikator``).

    Returns
    -------
    LoadResult
    """
    if loaded.has("indikator"):
        return loaded.exclude(loaded.data["indikator"] != indicator, "Annan indikator")
    return loaded


def no_indicator_rows_text(indicator: str, others) -> str:
    """The sentence for an indicator (parameter ``indikator``) that no row of the data has,
    with the indicators the rows have (``others``, codes): the chapter says it where it would
    otherwise only find no data; the run's check says the same and does not run the chapter.
    Empty when ``indicator`` is among ``others`` or there are none.

    Examples
    --------
    >>> no_indicator_rows_text("uppfoljning_i_tid", ["genomforandeplan_finns"])[:60]
    'Ingen rad i data gäller andelen ärenden som följdes upp i ti'
    """
    others = sorted({str(o) for o in others if pd.notna(o)})
    if not others or indicator in others:
        return ""
    return (f"Ingen rad i data gäller {indicator_text(indicator)}: raderna gäller "
            f"{' och '.join(indicator_text(o) for o in others)}. Välj indikatorn i körningens "
            "inställningar (se *Kör handboken på egna data*).")


def quality_monitoring(ctx) -> Page:
    """um_02: does our quality follow-up detect differences between the sexes over time?

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run; its own parameters are ``enhet``, ``indikator`` and
        ``baslinje_manader``.

    Returns
    -------
    Page
        Parts ``data`` (the indicator rows used), ``resultat`` (what the control charts show,
        and the three-panel figure), ``manader`` (the gap per month with its band and signals)
        and ``ar`` (the gap per calendar year).
    """
    table = "um_indikatorer"
    indicator = indicator_name(ctx.extra["indikator"])
    what = indicator_text(indicator)
    read = ctx.load(table, **ctx.filters)
    none_of_it = (no_indicator_rows_text(indicator, pd.unique(read.data["indikator"]))
                  if read.has("indikator") else "")
    loaded = select_indicator(read, indicator)
    baseline = baseline_months(ctx.extra["baslinje_manader"])

    chart = control.p_chart(loaded.data, time=MONTH, levels=LEVELS, baseline=baseline)
    gap = control.gap_chart(loaded.data, time=MONTH, levels=LEVELS, baseline=baseline)
    chart_shown, gap_shown = disclose_charts(chart, gap, time=MONTH, threshold=ctx.threshold)
    yearly = disclosure.disclose_comparisons(
        control.yearly_gaps(loaded.data, time=MONTH, levels=LEVELS, outcome=indicator,
                            conf_level=ctx.conf_level), threshold=ctx.threshold)

    return Page(
        question_id=ctx.question_id,
        short_answer=" ".join(x for x in (control_charts.control_answer(gap_shown, yearly, time=MONTH,
                                                                        indicator_text=what), none_of_it) if x),
        parts={
            "data": items(f"{ctx.heading} Indikator: {what}. {ctx.omissions(table, loaded)}"
                          + (f" {none_of_it}" if none_of_it else ""),
                          report.quality_table(loaded, threshold=ctx.threshold,
                                               caption="Dataunderlag: rader med indikatorer",
                                               name="dataunderlag")),
            "resultat": items(
                control_charts.describe_control(chart_shown, gap_shown, time=MONTH,
                                                indicator_text=what),
                *figure(control_charts.control_plot(chart_shown, gap_shown, time=MONTH,
                                                    indicator_text=what[:1].upper() + what[1:]),
                        caption=(f"{what[:1].upper() + what[1:]} per månad för kvinnor och män med "
                                 "kontrollgränser (överst), skillnaden kvinnor − män med sitt "
                                 "förväntade band (i mitten) och den ackumulerade avvikelsen, "
                                 "EWMA (nederst)." if control_charts.has_gap(gap_shown) else
                                 f"{what[:1].upper() + what[1:]} per månad efter kön, med "
                                 "kontrollgränser. Skillnaden mellan könen kan inte beräknas "
                                 "någon månad och visas därför inte."),
                        alt=control_charts.control_alt(chart_shown, gap_shown, time=MONTH,
                                                       indicator_text=what),
                        name="styrdiagram")),
            "manader": items(control_charts.gap_table(
                gap_shown, time=MONTH, caption="Skillnaden kvinnor − män per månad")),
            "ar": items(control_charts.yearly_table(yearly,
                                                    caption="Skillnad kvinnor − män per år")),
        },
        counts={table: disclosure.disclose_counts_by_sex(loaded.counts_by_sex(), quality=loaded.quality(),
                                                         threshold=ctx.threshold)},
        comparisons=pd.concat([
            stats.adjust_pvalues(yearly, method="holm"),
            stats.adjust_pvalues(control_charts.gap_comparisons(gap_shown, time=MONTH,
                                                                outcome=indicator),
                                 method="holm")], ignore_index=True),
    )


__all__ = ["INDICATORS", "LEVELS", "MONTH", "PARENT", "REASON_NO_TEXT", "RESPONSIBILITY_TEXT", "TEXT",
           "baseline_months", "excluded_words", "indicator_name", "indicator_text", "no_indicator_rows_text", "note_role", "role_not_chosen_text",
           "parent_notes", "prior_strength", "quality_monitoring", "responsibility_words",
           "select_indicator", "select_notes", "word_count", "words_in_notes"]
