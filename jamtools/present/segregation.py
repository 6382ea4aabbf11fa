"""Segregation between the sexes over categories (instruments, types of insats): figures,
tables and sentences for the dissimilarity index per period and its change.

The statistics live in :mod:`jamtools.stats.categorical` (:func:`dissimilarity_by_period`,
:func:`dissimilarity_change`) and :mod:`jamtools.stats.segregation` (distributions and tests per
period), their disclosure in :mod:`jamtools.disclosure.segregation`; this module only shows the
disclosed results, the same way :mod:`jamtools.present.report` and :mod:`jamtools.present.plots`
do for shares. Whether a change is clear is :func:`jamtools.present.sentences.direction`.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence

import matplotlib.lines
import pandas as pd

from jamtools import disclosure
from jamtools.present.plots import (SEX_COLORS, SEX_MARKERS, Plot, interval_handle, intervals, key,
                                    new_figure,
                                    pct_axis, set_title, sex_handle, suppressed_text, title_height,
                                    wrap)
from jamtools.present.report import (HIDDEN_WORDS, NOT_COMPUTED_MARK, NOT_COMPUTED_NOTE, NOT_COMPUTED_WORDS,
                                     SEX_LABELS, Table, conf_percent, interval, interval_cells, is_hidden, label,
                                     marked, number, p_words, percent, share_words)
from jamtools.present.sentences import caution, direction, hidden_why, not_shown, why_not_computed


def dissimilarity_plot(rows: pd.DataFrame, *, period: str = "period", change_at=None,
                       title: str = "", xlabel: str = "") -> Plot:
    """The dissimilarity index per period (median-unbiased) with its interval, the level that
    chance alone gives (dotted), and a line where a new way of working started (``change_at``:
    the first period after it)."""
    disclosure.require_disclosed(rows, "olikhetsindexet")
    fig = new_figure(4.4 + title_height(title))
    ax = fig.subplots()
    xs = list(range(len(rows)))
    for x, (_, r) in zip(xs, rows.iterrows()):
        if pd.isna(r["estimate"]):
            ax.text(x, 0.02, "..", ha="center", va="bottom")
            continue
        intervals(ax, r["estimate"], x, r["ci_low"], r["ci_high"], vertical=True,
                  fmt="D", color="#333333", capsize=4, markersize=7)
    ax.plot(xs, rows["estimate"].astype(float), color="#333333", linewidth=1, alpha=0.6)
    handles = [matplotlib.lines.Line2D([], [], color="#333333", marker="D", label="Olikhetsindex")]
    if "d_random" in rows and rows["d_random"].notna().any():
        ax.plot(xs, rows["d_random"].astype(float), color="#888888", linestyle=":", linewidth=1.5)
        handles.append(matplotlib.lines.Line2D([], [], color="#888888", linestyle=":",
                                               label="Vad slumpen ensam ger"))
    if change_at is not None:
        values = list(rows[period])
        after = [i for i, v in enumerate(values) if v >= change_at]
        if after and after[0] > 0:
            ax.axvline(after[0] - 0.5, color="#CC79A7", linestyle="--", linewidth=1.2)
            handles.append(matplotlib.lines.Line2D([], [], color="#CC79A7", linestyle="--",
                                                   label=f"Nytt arbetssätt från {change_at}"))
    ax.set_xticks(xs)
    ax.set_xticklabels([str(v) for v in rows[period]])
    top = pd.to_numeric(rows["ci_high"], errors="coerce").max()
    ax.set_ylim(0, min(1.0, max(0.2, float(top) * 1.2)) if pd.notna(top) else 1.0)
    ax.set_ylabel("Olikhetsindex (0–1)")
    if xlabel:
        ax.set_xlabel(xlabel)
    conf = float(rows["conf_level"].dropna().iloc[0]) if rows["conf_level"].notna().any() else 0.95
    key(fig, [*handles, interval_handle(conf)])
    set_title(fig, title)
    return Plot(fig, title or "Olikhetsindex per period")


def distributions_plot(distributions: dict, category: str, *, group: str = "kon",
                       title: str = "", xlabel: str = "Andel") -> Plot:
    """Side-by-side panels (one per period, e.g. before and after) of the share of each
    category within each sex, with intervals; ``distributions`` maps a panel title to a
    disclosed :func:`jamtools.stats.distribution_by_group` table."""
    for name, dist in distributions.items():
        disclosure.require_disclosed(dist, f"fördelningen {name!r}")
    panels = list(distributions.items())
    categories = list(dict.fromkeys(c for _, d in panels for c in d[category]))
    levels = list(dict.fromkeys(g for _, d in panels for g in d[group]))
    fig = new_figure(1.9 + 0.42 * len(categories)
                     + title_height(title))
    # the panels in a subfigure, so that their common axis label sits above the key (a figure's
    # own supxlabel and its key under the axes would be drawn on top of each other)
    panel_fig = fig.subfigures(1, 1)
    axes = panel_fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    offsets = {lvl: (i - (len(levels) - 1) / 2) * 0.25 for i, lvl in enumerate(levels)}
    top = max(float(pd.to_numeric(d["ci_high"], errors="coerce").max()) for _, d in panels
              if d["ci_high"].notna().any()) if any(d["ci_high"].notna().any() for _, d in panels) else 1.0
    for ax, (name, dist) in zip(axes, panels):
        for _, r in dist.iterrows():
            y = categories.index(r[category]) + offsets[r[group]]
            color = SEX_COLORS.get(r[group], "#333333")
            if pd.isna(r["share"]):
                suppressed_text(ax, 0.005, y, r[group], hidden=is_hidden(r))
                continue
            intervals(ax, r["share"], y, r["ci_low"], r["ci_high"],
                      fmt=SEX_MARKERS.get(r[group], "o"), color=color, capsize=3, markersize=6)
        ax.set_title(wrap(str(name)[:1].upper() + str(name)[1:], 20), loc="left")
        ax.set_xlim(0, min(1.0, max(0.1, top * 1.1)))
        pct_axis(ax)
    axes[0].set_yticks(range(len(categories)))
    axes[0].set_yticklabels([wrap(label(c), 18) for c in categories])
    axes[0].invert_yaxis()
    conf = next((float(d["conf_level"].dropna().iloc[0]) for _, d in panels
                 if "conf_level" in d and d["conf_level"].notna().any()), 0.95)
    key(fig, [*(sex_handle(lvl) for lvl in levels), interval_handle(conf)])
    panel_fig.supxlabel(wrap(xlabel, 52))
    set_title(fig, title)
    return Plot(fig, title or "Fördelning per period")


def _d(x) -> str:
    return number(x, 2)


def _when(period) -> str:
    """'Före 2024' from the period label 'före 2024', 'År 2021' from 2021, 'För hela perioden'."""
    if period is None or (not isinstance(period, str) and pd.isna(period)):
        return "För hela perioden"
    text = str(period)
    return f"År {text}" if text[:1].isdigit() else text[:1].upper() + text[1:]


def dissimilarity_table(rows: pd.DataFrame, *, period_label: str = "Period", caption: str = "",
                        levels: Sequence[Hashable], name: str | None = None) -> Table:
    """A disclosed dissimilarity index per period as a reader's table: the number in each
    group, the median-unbiased index with its interval, and the level chance alone gives.

    ``levels`` (required, no default) are the two groups ``(a, b)`` of the rows' ``n_a`` and
    ``n_b``, in that order (the order the rows were computed with)."""
    disclosure.require_disclosed(rows, "olikhetsindexet")
    t = rows.attrs[disclosure.ATTR]["threshold"]
    conf = float(rows["conf_level"].dropna().iloc[0]) if rows["conf_level"].notna().any() else 0.95
    a, b = (SEX_LABELS.get(x, x).capitalize() for x in levels)
    hidden = rows["suppressed"].astype(bool).tolist()
    frame = pd.DataFrame({
        period_label: [str(v)[:1].upper() + str(v)[1:] for v in rows["period"]] if "period" in rows
        else ["Hela perioden"] * len(rows),
        f"{a}: antal": rows["n_a"].map(lambda v: number(v, 0)),
        f"{b}: antal": rows["n_b"].map(lambda v: number(v, 0)),
        "Olikhetsindex": marked(rows["estimate"], hidden, _d),
        f"{conf_percent(conf)} % KI": interval_cells(rows["ci_low"], rows["ci_high"], hidden,
                                                        lambda lo, hi: f"{_d(lo)}–{_d(hi)}"),
        "Slumpens nivå": marked(rows["d_random"], hidden, _d),
    })
    notes = [("; ".join(x for x in (str(r.get("suppression_reason") or ""), str(r.get("warning") or ""))
                        if x and x != "nan")) for _, r in rows.iterrows()]
    if any(notes):
        frame["Anmärkning"] = notes
    note = ("Olikhetsindexet är den medianriktiga skattningen med intervall från ett inverterat "
            "bootstraptest, som korrigerar för att indexet blir för stort av slumpen i små "
            "grupper. Slumpens nivå: indexet om flickor och pojkar valt från samma fördelning, "
            "med samma antal.")
    if rows["suppressed"].any():
        note += (f" '..' = uppgiften visas inte eftersom den bygger på färre än {t} personer "
                 "(röjandekontroll).")
    if (frame == NOT_COMPUTED_MARK).any().any():
        note += " " + NOT_COMPUTED_NOTE
    return Table(frame, caption, note, name=name)


#: What a change of the index says, by the direction of its interval (after − before).
_CHANGE_WORDS = {"lägre": "fördelningarna har tydligt blivit mer lika",
                 "högre": "fördelningarna har tydligt blivit mer olika",
                 "oklar": "data kan inte skilja förändringen från slumpen"}


def _change_number(c) -> str:
    """The change of the index with its sign: two decimals when its interval covers 0 (the
    bias correction's Monte Carlo noise, +0,0039 between two indexes of 0,00, is not a change
    to show in four decimals), else as :func:`jamtools.present.report.number` gives it."""
    x = c["estimate"]
    if direction(c["ci_low"], c["ci_high"]) == "oklar" and pd.notna(x):
        x = round(float(x), 2) + 0.0  # −0.004 reads 0,00, not −0,0040
    return number(x, 2, signed=True)


def _no_interval_verdict(c) -> str:
    """The verdict of a change without an interval (its ``warning`` says why): by its
    permutation test, at the level of the report's intervals."""
    alpha = 1 - (float(c["conf_level"]) if pd.notna(c.get("conf_level")) else 0.95)
    if pd.notna(c["p_value"]) and float(c["p_value"]) < alpha and float(c["estimate"]) != 0:
        return _CHANGE_WORDS["lägre" if float(c["estimate"]) < 0 else "högre"]
    return "data kan inte visa om indexet har ändrats"


def describe_dissimilarity(by_period: pd.DataFrame, change: pd.DataFrame | None = None) -> str:
    """Swedish sentences: the index per period with its interval and the chance level, and
    (when given) whether it changed between the phases."""
    disclosure.require_disclosed(by_period, "olikhetsindexet")
    conf = conf_percent(by_period["conf_level"].dropna().iloc[0]) \
        if by_period["conf_level"].notna().any() else "95"
    text = []
    for _, r in by_period.iterrows():
        when = _when(r.get("period"))
        if not_shown(r):
            text.append(f"{when} visas inget olikhetsindex: {hidden_why(r, 'det')} (röjandekontroll)."
                        if bool(r.get("suppressed", False)) else
                        f"{when} kan inget olikhetsindex beräknas{why_not_computed(r)}.")
            continue
        text.append(f"{when} är olikhetsindexet {_d(r['estimate'])} ({conf} % KI "
                    f"{_d(r['ci_low'])}–{_d(r['ci_high'])}); slumpen ensam hade gett omkring "
                    f"{_d(r['d_random'])}.")
        if r.get("warning"):
            text.append(caution(r["warning"]))
    if change is not None and len(change):
        disclosure.require_disclosed(change, "förändringen")
        c = change.iloc[0]
        if not_shown(c):
            text.append(f"Förändringen mellan perioderna {not_shown(c)}.")
        elif pd.isna(c["ci_low"]) or pd.isna(c["ci_high"]):
            why = str(c.get("warning") or "").strip()
            why = why if why and why != "nan" else "Förändringen har inget konfidensintervall."
            text.append(f"Skillnaden i olikhetsindex, efter jämfört med före, är {_change_number(c)} "
                        f"({p_words(c['p_value'])}, permutationstest): {_no_interval_verdict(c)}. "
                        f"{why}")
        else:
            verdict = _CHANGE_WORDS[direction(c["ci_low"], c["ci_high"])]
            text.append(f"Skillnaden i olikhetsindex, efter jämfört med före, är {_change_number(c)} "
                        f"({conf} % KI {interval(c, 2)}; {p_words(c['p_value'])}, "
                        f"permutationstest): {verdict}.")
    return "\n\n".join(text)


def independence_words(row, *, alpha: float = 0.05, lead: str = "") -> str:
    """A shown test of independence (:func:`jamtools.stats.independence_test`) as Swedish
    sentences: whether the distributions differ, by the test (a difference only when
    p < ``alpha``, else that the data cannot show one), with Cramér's V, the test and the
    p-value, and the test's own caution (few expected counts) beside the p-value.

    Parameters
    ----------
    row : mapping
        One disclosed row of measure ``cramers_v`` with an estimate.
    alpha : float, default 0.05
        The significance level (1 − the report's confidence level).
    lead : str, default ''
        Text before the verdict ("Före 2024: "); without it the verdict starts the sentence.

    Returns
    -------
    str

    Examples
    --------
    >>> independence_words({"estimate": 0.0, "p_value": 1.0, "test": "chi-två-test (3 frihetsgrader)",
    ...                     "warning": ""}, lead="Från 2024: ")
    'Från 2024: data kan inte visa att fördelningarna skiljer sig åt (Cramérs V = 0,00; chi-två-test, p = 1,000).'
    """
    name = str(row.get("test") or "").split(" (")[0].strip() or "chi-två-test"
    numbers = f"Cramérs V = {number(row['estimate'], 2)}; {name}, {p_words(row['p_value'])}"
    differ = pd.notna(row["p_value"]) and float(row["p_value"]) < alpha
    clause = (f"fördelningarna skiljer sig åt ({numbers})" if differ else
              f"data kan inte visa att fördelningarna skiljer sig åt ({numbers})")
    text = f"{lead}{clause}." if lead else f"{clause[:1].upper()}{clause[1:]}."
    warning = str(row.get("warning") or "").strip()
    return f"{text} {caution(warning)}" if warning and warning != "nan" else text


def describe_independence(tests: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """One Swedish paragraph per period of a disclosed test of independence
    (:func:`jamtools.stats.segregation.independence_by_period`): whether the distributions
    differ by the test, with Cramér's V, the test's p-value and its caution
    (:func:`independence_words`), or that the test is not shown.

    Parameters
    ----------
    tests : pandas.DataFrame
        Disclosed rows of measure ``cramers_v``, each ``comparison`` ending in ", <period>".
    alpha : float, default 0.05
        The significance level (1 − the report's confidence level).

    Returns
    -------
    str
        Markdown, one paragraph per period.
    """
    disclosure.require_disclosed(tests, "testet")
    text = []
    for _, r in tests.iterrows():
        when = str(r["comparison"]).split(", ")[-1]
        when = when[:1].upper() + when[1:]
        if pd.isna(r["estimate"]):
            text.append(f"{when}: testet visas inte (för litet underlag eller för få kategorier).")
        else:
            text.append(independence_words(r, alpha=alpha, lead=f"{when}: "))
    return "\n\n".join(text)


def distributions_alt(distributions: dict, category: str, *, group: str = "kon",
                      what: str = "Andel av valen") -> str:
    """Alt text of :func:`distributions_plot`: per panel, each category's share within each
    group (in words when hidden or not computed).

    Parameters
    ----------
    distributions : dict
        Panel title -> disclosed distribution (as for :func:`distributions_plot`).
    category, group : str
        The category and group columns.
    what : str
        What the shares are of.

    Returns
    -------
    str
    """
    panels = []
    for name, dist in distributions.items():
        disclosure.require_disclosed(dist, f"fördelningen {name!r}")
        cats = []
        for cat, rows in dist.groupby(category, sort=False):
            shares = ", ".join(f"{SEX_LABELS.get(r[group], r[group])} {share_words(r)}"
                               for _, r in rows.iterrows())
            cats.append(f"{label(cat)} ({shares})")
        panels.append(f"{_when(name)}: " + "; ".join(cats))
    if not panels:
        return f"{what}: inga uppgifter."
    return f"Punktdiagram med konfidensintervall. {what} efter kön. " + ". ".join(panels) + "."


def dissimilarity_alt(rows: pd.DataFrame, *, period_label: str = "period") -> str:
    """Alt text of :func:`dissimilarity_plot`: the index of each period with its interval and
    the level chance alone gives (in words when hidden or not computed).

    Parameters
    ----------
    rows : pandas.DataFrame
        Disclosed dissimilarity rows, one per period.
    period_label : str
        What a period is, in the text ("läsår").

    Returns
    -------
    str
    """
    disclosure.require_disclosed(rows, "olikhetsindexet")
    parts = []
    for _, r in rows.iterrows():
        when = str(r["period"]) if "period" in rows else "hela perioden"
        if pd.isna(r["estimate"]):
            parts.append(f"{when} {HIDDEN_WORDS if is_hidden(r) else NOT_COMPUTED_WORDS}")
            continue
        bounds = (f"{_d(r['ci_low'])}–{_d(r['ci_high'])}" if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"])
                  else f"intervallet {NOT_COMPUTED_WORDS}")
        chance = _d(r["d_random"]) if pd.notna(r["d_random"]) else NOT_COMPUTED_WORDS
        parts.append(f"{when} {_d(r['estimate'])} ({bounds}; slumpens nivå {chance})")
    if not parts:
        return "Olikhetsindex: inga uppgifter."
    return f"Punktdiagram med konfidensintervall. Olikhetsindex per {period_label}: " \
        + "; ".join(parts) + "."


def dissimilarity_answer(by_period: pd.DataFrame, change: pd.DataFrame | None = None, *,
                         what: str = "flickors och pojkars val", unit_text: str = "elever") -> str:
    """*Svar i korthet* for a dissimilarity chapter: the index of each period with its interval
    and, when given, its change with what it shows (:func:`jamtools.present.sentences.direction`).

    Parameters
    ----------
    by_period : pandas.DataFrame
        Disclosed dissimilarity rows, one per period (or one for the whole period).
    change : pandas.DataFrame, optional
        The disclosed change (one row), or None.
    what : str
        Whose distributions are compared, in the sentence ("flickors och pojkars val").
    unit_text : str
        What is counted, in the plural ("elever"), for the sentence when there are none.

    Returns
    -------
    str
        One or two sentences; says when an index is not shown or nothing could be compared.
    """
    disclosure.require_disclosed(by_period, "olikhetsindexet")
    conf = (conf_percent(by_period["conf_level"].dropna().iloc[0])
            if by_period["conf_level"].notna().any() else "95")
    parts, missing = [], []
    for _, r in by_period.iterrows():
        when = _when(r.get("period"))
        if pd.isna(r["estimate"]):  # said in a sentence of its own, with why
            missing.append(f"{when} " + not_shown(r).replace(" inte", " det inte", 1) + ".")
        else:
            parts.append(f"{when[:1].lower() + when[1:]} {_d(r['estimate'])} ({conf} % KI "
                         f"{_d(r['ci_low'])}–{_d(r['ci_high'])})")
    if not parts and not missing:
        return f"Det finns inga {unit_text} att jämföra i det här urvalet."
    text = ([f"Olikhetsindexet mellan {what} är " + " och ".join(parts) + "."] if parts else
            [f"Olikhetsindexet mellan {what}:"]) + missing
    if change is not None and len(change):
        disclosure.require_disclosed(change, "förändringen")
        c = change.iloc[0]
        if pd.isna(c["estimate"]):
            text.append("Förändringen mellan perioderna kan inte visas.")
        elif pd.isna(c["ci_low"]) or pd.isna(c["ci_high"]):
            text.append(f"Förändringen är {_change_number(c)} (inget konfidensintervall kan ges; "
                        f"permutationstest {p_words(c['p_value'])}): {_no_interval_verdict(c)}.")
        else:
            text.append(f"Förändringen är {_change_number(c)} ({conf} % KI "
                        f"{interval(c, 2)}): "
                        f"{_CHANGE_WORDS[direction(c['ci_low'], c['ci_high'])]}.")
    return " ".join(text)


__all__ = ["dissimilarity_answer",
           "dissimilarity_plot", "distributions_plot", "dissimilarity_table",
           "describe_dissimilarity", "describe_independence", "independence_words",
           "distributions_alt",
           "dissimilarity_alt"]
