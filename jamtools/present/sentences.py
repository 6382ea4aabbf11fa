"""The handbook's one verdict rule, in words.

Every sentence that says whether a difference is clear comes from :func:`direction` and
:func:`verdict`: a difference is *clear* when its confidence interval does not cover the value of
no difference (0 for a difference, 1 for a ratio); otherwise the data cannot tell it from chance,
and the sentence says "ingen tydlig skillnad" — never "ingen skillnad".
"""
from __future__ import annotations

import math
from typing import Literal

from jamtools.disclosure import REASON_STRATA

Direction = Literal["högre", "lägre", "oklar"]


def all_of(k: int, what: str) -> str:
    """``what`` (a plural) preceded by "alla k", or by "båda" for two: "båda jämförelser", not
    "alla 2 jämförelser"."""
    return f"båda {what}" if k == 2 else f"alla {k} {what}"


#: Numbers a sentence may open with, in words (a sentence does not begin with a digit).
_OPENING = ("Ingen", "En", "Två", "Tre", "Fyra", "Fem", "Sex", "Sju", "Åtta", "Nio", "Tio", "Elva", "Tolv")


def opening_number(k: int) -> str:
    """``k`` as the first word of a sentence: "En", "Två" … "Tolv" ("Ingen" for 0); larger
    numbers as digits."""
    return _OPENING[k] if 0 <= k < len(_OPENING) else str(k)


def caution(warning: str) -> str:
    """A statistic's warning as the sentence "Observera: …", ending with a full stop."""
    text = str(warning).strip()
    return f"Observera: {text}" + ("" if text.endswith((".", "!", "?", ":")) else ".")


def direction(ci_low: float, ci_high: float, *, null: float = 0.0) -> Direction:
    """Whether an interval lies above, below, or around the value of no difference.

    Parameters
    ----------
    ci_low, ci_high : float
        The interval's limits; a missing limit (NaN/None) gives ``"oklar"``.
    null : float, default 0.0
        The value of no difference (1.0 for ratios).

    Returns
    -------
    {"högre", "lägre", "oklar"}
    """
    if ci_low is None or ci_high is None or _nan(ci_low) or _nan(ci_high):
        return "oklar"
    if ci_low > null:
        return "högre"
    if ci_high < null:
        return "lägre"
    return "oklar"


#: The verdict of an estimate without an interval (the reason is given where the interval is).
NO_INTERVAL = "utan intervall kan det inte avgöras om skillnaden är tydlig"


def without_interval(row) -> bool:
    """Whether a comparison with an estimate has no interval (a limit missing): it gets no
    verdict, :data:`NO_INTERVAL`, not "ingen tydlig skillnad"."""
    return _nan(row.get("ci_low")) or _nan(row.get("ci_high"))


def verdict(ci_low: float, ci_high: float, *, a: str, b: str, subject: str = "",
            between: bool = True, null: float = 0.0) -> str:
    """The verdict of one comparison of ``a`` with ``b`` in words.

    Parameters
    ----------
    ci_low, ci_high : float
        The interval of the difference ``a − b`` (or the ratio ``a / b`` with ``null=1``).
    a, b : str
        The groups in Swedish, as the sentence names them ("kvinnor", "män").
    subject : str, optional
        What is higher or lower ("andelen"); without it the sentence starts at "tydligt".
    between : bool, default True
        Whether "ingen tydlig skillnad" names the groups ("… mellan kvinnor och män").
    null : float, default 0.0
        The value of no difference.

    Returns
    -------
    str
        "andelen är tydligt högre för kvinnor än för män", "tydligt lägre för …", or
        "det finns ingen tydlig skillnad mellan kvinnor och män" / "ingen tydlig skillnad";
        :data:`NO_INTERVAL` when a limit is missing (an estimate without an interval is not
        "no clear difference": it cannot be judged).

    Examples
    --------
    >>> verdict(1.2, 4.0, a="kvinnor", b="män", subject="andelen")
    'andelen är tydligt högre för kvinnor än för män'
    >>> verdict(-1.0, 2.0, a="kvinnor", b="män")
    'det finns ingen tydlig skillnad mellan kvinnor och män'
    """
    if ci_low is None or ci_high is None or _nan(ci_low) or _nan(ci_high):
        return NO_INTERVAL
    d = direction(ci_low, ci_high, null=null)
    if d == "oklar":
        return f"det finns ingen tydlig skillnad mellan {a} och {b}" if between else "ingen tydlig skillnad"
    lead = f"{subject} är " if subject else ""
    return f"{lead}tydligt {d} för {a} än för {b}"


def not_shown(row) -> str | None:
    """What a sentence says of a disclosed comparison without a value: "visas inte: " and
    :func:`hidden_why` ("(röjandekontroll)") when the disclosure control hid it, "kan inte beräknas" with
    the reason (:func:`why_not_computed`) when it could not be computed (a group without rows,
    nobody with the outcome); None when it has a value."""
    import pandas as pd

    if bool(row.get("suppressed", False)):
        return f"visas inte: {hidden_why(row)} (röjandekontroll)"
    if pd.isna(row.get("estimate")):
        return "kan inte beräknas" + why_not_computed(row)
    return None


def hidden_why(row, pronoun: str = "den") -> str:
    """Why a hidden value is not shown, in a sentence: for an adjusted estimate over groups of
    which one has a hidden count (:data:`jamtools.disclosure.REASON_STRATA`), that it would give
    those counts back; for every other hidden value (a hidden count, with the one reason
    :data:`jamtools.disclosure.REASON_HIDDEN`, or what is computed from a hidden group)
    "underlaget är för litet, eller den skulle göra det möjligt att räkna ut en dold uppgift",
    never which of the two: a group hidden to protect another is not small, and a comparison of
    it said "underlaget är för litet" as of a small one."""
    if str(row.get("suppression_reason") or "") == REASON_STRATA:
        return (f"{pronoun} bygger på grupper där antalet är dolt, och tillsammans med de visade "
                f"talen skulle {pronoun} göra det möjligt att räkna ut de dolda antalen")
    return (f"underlaget är för litet, eller {pronoun} skulle göra det möjligt att räkna ut en "
            "dold uppgift")


def hidden_groups(rows, names, *, what: str, pronoun: str = "den") -> str:
    """One sentence on the hidden groups of a disclosed table, with the one reason of every
    hidden count (:func:`hidden_why`): which groups are small and which are hidden to protect
    them is not told, as the table's remarks do not tell it.

    ``rows`` are the hidden rows, ``names`` their groups as the reader says them, ``what`` the
    value ("Andelen"), ``pronoun`` what refers to it ("den", "de")."""
    why: dict[str, list[str]] = {}
    for (_, r), n in zip(rows.iterrows(), names):
        why.setdefault(hidden_why(r, pronoun), []).append(n)
    out = [f"{what} för {' och '.join(dict.fromkeys(groups))} visas inte{' heller' if k else ''}: "
           f"{reason} (röjandekontroll)." for k, (reason, groups) in enumerate(why.items())]
    return " ".join(out)


def why_not_computed(row) -> str:
    """The reason a comparison that was not hidden has no value, from its ``warning``, as the
    end of a Swedish sentence (": gruppen pojkar saknas i data"), or "" when it gives none.
    Use it for a row whose estimate is missing and whose ``suppressed`` is false: such a value
    *cannot be computed*; only ``suppressed`` means that the disclosure control hid it."""
    from jamtools.present.report import coded_words

    why = coded_words(str(row.get("warning") or "")).split(";")[0].strip(" .")  # the reason first
    return f": {why[:1].lower() + why[1:]}" if why and why not in ("nan", "None") else ""


def _nan(value) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True

#: The measures :func:`short_answer` speaks of, with their unit in words and their decimals.
_MEASURE_WORDS = {
    "risk_difference_pp": ("procentenheter", 1),
    "mean_difference": ("", 1),
}


def short_answer(comparisons, *, unit_text: str, measure: str = "risk_difference_pp",
                 amount_text: str = "") -> str:
    """*Svar i korthet*: the crude and the same-need difference in one or two sentences.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Disclosed comparisons (the library's comparison layout); the first crude and the first
        adjusted row of ``measure`` are used.
    unit_text : str
        What was compared, in the plural ("utredningar", "beslut").
    measure : str, default "risk_difference_pp"
        The measure to speak of.
    amount_text : str, optional
        The unit of an amount ("timmar per månad") for differences of means.

    Returns
    -------
    str
        Markdown; says when a value is not shown (disclosure) or nothing could be compared.
    """
    import pandas as pd

    from jamtools.present.report import SEX_LABELS, conf_percent, covariates_text, interval, number

    if comparisons is None or len(comparisons) == 0 or "measure" not in comparisons:
        return f"Det finns inga {unit_text} att jämföra i det här urvalet."
    rows = comparisons[comparisons["measure"] == measure]
    if rows.empty:
        return f"Det finns ingen jämförelse av {unit_text} att visa i det här urvalet."
    unit = _MEASURE_WORDS.get(measure, ("", 1))[0] or amount_text
    out = []
    for adjusted in (False, True):
        sel = rows[rows["adjusted"].astype(bool) == adjusted]
        if sel.empty:
            continue
        r = sel.iloc[0]
        a = SEX_LABELS.get(str(r["group_a"]), str(r["group_a"]))
        b = SEX_LABELS.get(str(r["group_b"]), str(r["group_b"]))
        lead = ("Utan justering" if not adjusted else
                f"Bland {unit_text} med samma {covariates_text(r['adjusted_for'])}")
        if bool(r.get("suppressed", False)):
            out.append(f"{lead} visas skillnaden inte: {hidden_why(r)} (röjandekontroll).")
            continue
        if pd.isna(r["estimate"]):
            out.append(f"{lead} kan skillnaden inte beräknas{why_not_computed(r)}.")
            continue
        conf = conf_percent(r.get("conf_level", 0.95))
        ci = f"{interval(r, 1)}"
        out.append(f"{lead} är skillnaden {a} − {b} {number(r['estimate'], 1, signed=True)} "
                   f"{unit} ({conf} % KI {ci}): "
                   f"{verdict(r['ci_low'], r['ci_high'], a=a, b=b)}.".replace("  ", " "))
    return " ".join(out)


def shares_alt(shares, *, what: str, by: str | None = None, group: str = "kon") -> str:
    """Alt text of a shares figure: what it shows and each group's share (in words when hidden
    or not computed: :func:`jamtools.present.report.share_words`).

    Parameters
    ----------
    shares : pandas.DataFrame
        Disclosed shares (``share`` per ``group`` and optional ``by`` category).
    what : str
        What the share is of ("Andel med insats").
    by : str, optional
        The column of categories, one row each in the figure.
    group : str, default "kon"

    Returns
    -------
    str
    """
    from jamtools.present.report import SEX_LABELS, label, share_words

    parts = []
    for _, r in shares.iterrows():
        name = SEX_LABELS.get(str(r[group]), str(r[group]))
        if by is not None:
            name = f"{label(r[by])}, {name}"
        parts.append(f"{name} {share_words(r)}")
    return (f"Punktdiagram med konfidensintervall. {what}: " + "; ".join(parts) + "."
            if parts else f"{what}: inga uppgifter.")


def difference_alt(comparisons, *, measure: str = "risk_difference_pp") -> str:
    """Alt text of a difference figure: each difference with its interval, in words."""
    from jamtools.present.report import covariates_text, estimate_words

    rows = comparisons[comparisons["measure"] == measure] if "measure" in comparisons else comparisons
    parts = []
    for _, r in rows.iterrows():
        kind = (f"justerat för {covariates_text(r['adjusted_for'])}" if bool(r.get("adjusted"))
                else "utan justering")
        parts.append(f"{kind}: {estimate_words(r, 1)}")
    return ("Punktdiagram med konfidensintervall. Skillnad i procentenheter, "
            + "; ".join(parts) + ".") if parts else "Inga jämförelser att visa."



#: How the sentence that no same-need comparison could be made begins.
NO_ADJUSTMENT = "**Justeringen kunde inte göras**"


def no_adjustment_text(columns) -> str:
    """The sentence a chapter shows when it could not adjust for need at all: data lack every
    one of ``columns`` (model names), so the result compares the groups as they are."""
    from jamtools.present.report import covariates_text

    return (f"{NO_ADJUSTMENT}: data saknar alla de uppgifter som kapitlet "
            f"justerar för ({covariates_text(list(columns))}). Resultatet jämför därför bara "
            "grupperna som de är och säger ingenting om personer med samma behov eller lika ärenden.")


#: The words for the persons a table's rows belong to (:func:`no_person_ids`): one of them with
#: its article, several, and all of them.
PERSON_WORDS = {
    "barn": ("ett barn", "barn", "barnen"),
    "klient": ("en klient", "klienter", "klienterna"),
    "elev": ("en elev", "elever", "eleverna"),
    "brukare": ("en brukare", "brukare", "brukarna"),
}


def no_person_ids(loaded, *, unit_text: str, person: Literal["barn", "klient", "elev", "brukare"] = "barn") -> str:
    """A sentence for an export without the persons' ids (no ``person_id``, no personnummer) of
    a table where a person can have several rows: the shares are then tested against the
    threshold as rows (``unit_text``, a plural), not persons. Empty when the persons are counted
    (``loaded.persons``), when a row is a person (the table's key is ``person_id``), or when the
    table has no person ids in its model."""
    if loaded.persons is not None or loaded.table.key == "person_id" \
            or "person_id" not in {c.name for c in loaded.table.columns}:
        return ""
    one, several, all_ = PERSON_WORDS[person]
    return " " + caution(
        f"Exporten har inget id för {all_} (person_id eller personnummer). Handboken kan då inte "
        f"räkna hur många {several} en andel bygger på, bara hur många {unit_text}: {one} med flera "
        f"{unit_text} kan stå för flera av dem. Ta med {all_}s id i exporten, så döljs en andel "
        f"som bygger på färre {several} än tröskeln")


__all__ = ["NO_ADJUSTMENT", "PERSON_WORDS", "no_person_ids", "no_adjustment_text", "Direction", "direction", "verdict", "short_answer", "shares_alt", "difference_alt",
           "hidden_groups", "hidden_why", "not_shown", "why_not_computed"]
