"""Curves over time (cumulative incidence, 1 − Kaplan–Meier), drawn and tabled after
disclosure control (:func:`jamtools.disclosure.curves.disclose_curve`), and the hazard ratio in
words.

:func:`curve_plot` draws only the shown points (as steps, with the interval as a band),
:func:`curve_table` lists them at chosen times, and :func:`describe_hazard_ratio` says the Cox
hazard ratios and the log-rank test in Swedish (the verdict by
:func:`jamtools.present.sentences.direction`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from jamtools import disclosure
from jamtools.present import report
from jamtools.present.plots import (FIGURE_WIDTH, SEX_COLORS, SEX_LINESTYLES, SEX_MARKERS, Plot,
                                    key, new_figure, set_title, sex_handle, title_height, wrap)
from jamtools.present.sentences import (NO_INTERVAL, direction, hidden_why, not_shown, why_not_computed,
                                        without_interval)


def _days_axis(ax, max_time: float) -> None:
    """Ticks at half-years (days from the start), labelled in months and years."""
    names = {0: "0", 182: "6 mån", 365: "1 år", 547: "18 mån", 730: "2 år", 912: "30 mån",
             1095: "3 år"}
    ticks = [t for t in names if t <= max_time + 1]
    if max_time < 182:
        ticks, names = [0, max_time], {0: "0", max_time: f"{report.number(max_time, 0)} dagar"}
    ax.set_xticks(ticks)
    ax.set_xticklabels([names[t] for t in ticks])
    ax.set_xlim(0, max(max_time, 1.0))


#: The key's entry (and the alt text's words) for a curve with hidden points.
GAP_NOTE = "Där linjen saknas visas kurvan inte (röjandekontroll)"


def _runs(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """One disclosed curve (all its grid times) split into its runs of shown points, in time
    order: a hidden point ends a run, and the next shown point starts a new one."""
    rows = rows.sort_values("time")
    hidden = rows["suppressed"].astype(bool).to_numpy() | rows["cif"].isna().to_numpy()
    run = np.cumsum(hidden)
    return [rows[~hidden & (run == k)] for k in dict.fromkeys(run[~hidden])]


def has_gap(rows: pd.DataFrame) -> bool:
    """Whether one disclosed curve has a hidden point after its first shown one (a gap in the
    line, or a line that stops before the last time)."""
    rows = rows.sort_values("time")
    hidden = rows["suppressed"].astype(bool).to_numpy() | rows["cif"].isna().to_numpy()
    shown = np.flatnonzero(~hidden)
    return bool(len(shown)) and bool(hidden[shown[0]:].any())


def curve_plot(curves: pd.DataFrame, *, panel: str = "cause", panels: dict | None = None,
               group: str = "kon", title: str = "", ylabel: str = "Andel",
               xlabel: str = "Tid från start") -> Plot:
    """Disclosed curves as steps per sex, one panel per value of ``panel``.

    ``panels`` maps the panel values to draw onto their titles (in order). Only points that
    passed :func:`jamtools.disclosure.curves.disclose_curve` are drawn; the band is the
    pointwise interval. A hidden point is not drawn, nor is the line into or out of it: the
    line breaks there and goes on at the next shown point (a shown point alone between hidden
    ones is a marker with its interval), and the key says that where the line is missing the
    curve is hidden. Drawing on from the last shown point would show the hidden points at
    that point's value (at 0 before the first events). Each sex has its colour and its line
    style (:data:`jamtools.present.plots.SEX_LINESTYLES`), shown in the key under the panels.
    """
    disclosure.require_disclosed(curves, "kurvorna")
    panels = panels or {v: str(v) for v in dict.fromkeys(curves[panel])}
    fig = new_figure(4.6 + title_height(title),
                     width=FIGURE_WIDTH)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    levels: list = []
    max_time = float(curves["time"].max()) if len(curves) else 1.0
    top, drawn, gaps = 0.0, 0, False
    for ax, (value, name) in zip(axes, panels.items()):
        sub = curves[curves[panel] == value]
        for level, rows in sub.groupby(group, sort=True):
            runs = _runs(rows)
            color = SEX_COLORS.get(level, "#333333")
            style = SEX_LINESTYLES.get(level, "-")
            if not runs:
                continue
            gaps |= has_gap(rows)
            for shown in runs:
                if len(shown) == 1:  # alone between hidden points: no step to draw
                    r = shown.iloc[0]
                    ax.errorbar([r["time"]], [r["cif"]],
                                yerr=[[r["cif"] - r["ci_low"]], [r["ci_high"] - r["cif"]]]
                                if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]) else None,
                                color=color, marker=SEX_MARKERS.get(level, "o"), markersize=5,
                                linestyle="none", elinewidth=1.5, alpha=0.9)
                else:
                    ax.step(shown["time"], shown["cif"], where="post", color=color, linewidth=2,
                            linestyle=style)
                    ax.fill_between(shown["time"], shown["ci_low"], shown["ci_high"], step="post",
                                    color=color, alpha=0.18, linewidth=0)
                top = max(top, float(shown["ci_high"].max()) if shown["ci_high"].notna().any()
                          else float(shown["cif"].max()))
            if level not in levels:
                levels.append(level)
            drawn += 1
        if not len(sub) or sub["suppressed"].astype(bool).all():
            ax.text(0.5, 0.5, "Inga uppgifter att visa", ha="center", va="center",
                    transform=ax.transAxes)
        ax.set_title(wrap(name, 22), loc="left")
        _days_axis(ax, max_time)
        ax.set_xlabel(xlabel)
    axes[0].set_ylim(0, min(1.0, max(0.1, top * 1.15)))
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{report.number(100 * v, 0)} %"))
    axes[0].set_ylabel(ylabel)
    conf = (float(curves["conf_level"].dropna().iloc[0])
            if "conf_level" in curves and curves["conf_level"].notna().any() else 0.95)
    if drawn:
        band = Patch(facecolor="#999999", alpha=0.35, edgecolor="none",
                     label=f"Bandet: {report.conf_percent(conf)} % konfidensintervall")
        handles = [*(sex_handle(lvl, kind="line") for lvl in levels), band]
        if gaps:
            handles.append(Patch(facecolor="none", edgecolor="none", label=GAP_NOTE))
        key(fig, handles)
    set_title(fig, title)
    return Plot(fig, title or ylabel)


def curve_alt(curves: pd.DataFrame, *, panels: dict, group: str = "kon",
              panel: str = "cause") -> str:
    """Alt text of :func:`curve_plot`: per panel and sex, the last point the figure shows.

    Parameters
    ----------
    curves : pandas.DataFrame
        Disclosed curves (:func:`jamtools.disclosure.curves.disclose_curve`).
    panels : dict
        The panels drawn: value of ``panel`` -> title.
    group, panel : str
        The columns of the curves' groups and panels.

    Returns
    -------
    str
        "Stegdiagram … Självförsörjande: kvinnor 30,1 % efter 720 dagar; män …"; a curve
        with no shown point is said to be hidden, and one with hidden points between shown
        ones to have breaks.
    """
    disclosure.require_disclosed(curves, "kurvorna")
    out = []
    for value, name in panels.items():
        sub = curves[curves[panel] == value]
        parts = []
        for level, rows in sub.groupby(group, sort=True):
            who = report.SEX_LABELS.get(level, level)
            shown = rows[~rows["suppressed"].astype(bool)].sort_values("time")
            if shown.empty:
                parts.append(f"{who} visas inte (röjandekontroll)")
                continue
            last = shown.iloc[-1]
            parts.append(f"{who} {report.percent(last['cif'])} efter "
                         f"{report.number(last['time'], 0)} dagar"
                         + (" (kurvan har avbrott där punkter inte visas)" if len(_runs(rows)) > 1
                            else ""))
        out.append(f"{name}: " + ("; ".join(parts) if parts else "inga uppgifter"))
    return ("Stegdiagram över andelen per kön vid varje tidpunkt efter start. "
            + ". ".join(out) + ".")


def curve_table(curves: pd.DataFrame, times, *, columns: dict, group: str = "kon",
                time_labels: dict | None = None, caption: str = "",
                name: str | None = None) -> report.Table:
    """The disclosed curves at chosen ``times``: per time and sex the number still followed
    and, for each curve in ``columns`` ({header: {column: value, ...}}, e.g.
    {"Självförsörjande": {"cause": 1}}), the share with its pointwise interval. Curves from
    different calls can be stacked first (:func:`jamtools.disclosure.stack`) and told apart
    by the stacking key. The number at risk is taken from the first curve."""
    disclosure.require_disclosed(curves, "kurvorna")
    t = curves.attrs[disclosure.ATTR]["threshold"]
    time_labels = time_labels or {}
    conf = (float(curves["conf_level"].dropna().iloc[0])
            if "conf_level" in curves and curves["conf_level"].notna().any() else 0.95)

    def pick(frame, where):
        keep = np.ones(len(frame), bool)
        for col, value in where.items():
            keep &= (frame[col] == value).to_numpy()
        return frame[keep]

    rows = []
    zero_shown = False
    for time in times:
        for level in sorted(curves[group].dropna().unique()):
            at = curves[(curves["time"] == time) & (curves[group] == level)]
            if at.empty:
                continue
            base = pick(at, next(iter(columns.values())))
            row = {"Tid": time_labels.get(time, f"{report.number(time, 0)} dagar"),
                   "Kön": report.SEX_LABELS.get(level, level).capitalize(),
                   "I risk (följs fortfarande)": report.number(base["at_risk"].iloc[0], 0)
                   if len(base) else disclosure.SUPPRESSED_MARK}
            for header, where in columns.items():
                r = pick(at, where)
                if r.empty or pd.isna(r["cif"].iloc[0]):
                    row[header] = disclosure.SUPPRESSED_MARK
                    continue
                r = r.iloc[0]
                zero_shown |= bool(r["cif"] <= 0)
                row[header] = (f"{report.percent(r['cif'])} ({report.number(100 * r['ci_low'])}–"
                               f"{report.percent(r['ci_high'])})")
            rows.append(row)
    frame = pd.DataFrame(rows)
    note = f"Inom parentes: {report.conf_percent(conf)} % konfidensintervall (punktvis)."
    if zero_shown:
        note += (" Där ingen ännu har fått utfallet (0,0 %) bygger intervallets övre gräns på hur "
                 "många som fortfarande följs.")
    if curves["suppressed"].astype(bool).any():
        note += " " + report.SUPPRESSION_NOTE.format(t=t)
    return report.Table(frame, caption, note, name=name)


def describe_hazard_ratio(comparisons: pd.DataFrame, logrank: pd.DataFrame | None = None, *,
                          event_text: str = "blir självförsörjande",
                          unit_text: str = "klienter") -> str:
    """The Cox hazard ratios (crude and adjusted) and the log-rank test in Swedish.

    A ratio whose interval lies below 1 is read as "slower" for the first group, above 1
    "faster"; "ingen tydlig skillnad" when the interval covers 1
    (:func:`jamtools.present.sentences.direction` with ``null=1``). Hidden comparisons are said
    to be hidden.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Disclosed comparisons with rows of measure ``hazard_ratio`` (crude and adjusted).
    logrank : pandas.DataFrame, optional
        The disclosed log-rank test (one row: ``estimate`` = χ², ``p_value``).
    event_text : str
        The event as a verb phrase ("blir självförsörjande").
    unit_text : str
        What was compared, in the plural ("klienter").

    Returns
    -------
    str
        Markdown paragraphs.
    """
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    text = []
    rows = comparisons[comparisons["measure"] == "hazard_ratio"]
    for _, r in rows.sort_values("adjusted", kind="stable").iterrows():
        a = report.SEX_LABELS.get(r["group_a"], r["group_a"])
        b = report.SEX_LABELS.get(r["group_b"], r["group_b"])
        lead = ("Utan justering" if not bool(r["adjusted"]) else
                f"Bland {unit_text} med samma {report.covariates_text(r['adjusted_for'])}")
        if bool(r.get("suppressed", False)):
            text.append(f"{lead} visas hasardkvoten inte: {hidden_why(r)} (röjandekontroll).")
            continue
        if pd.isna(r["estimate"]):
            text.append(f"{lead} kan hasardkvoten inte beräknas{why_not_computed(r)}.")
            continue
        conf = report.conf_percent(r["conf_level"])
        verdict = NO_INTERVAL if without_interval(r) else {
            "oklar": f"ingen tydlig skillnad i takt mellan {a} och {b}",
            "lägre": f"{a} {event_text} tydligt långsammare än {b}",
            "högre": f"{a} {event_text} tydligt snabbare än {b}"}[direction(r["ci_low"], r["ci_high"], null=1.0)]
        caution = str(r.get("warning") or "").strip()  # a fit that did not converge: said beside it
        text.append(f"{lead} är hasardkvoten {a}/{b} {report.number(r['estimate'], 2)} ({conf} % KI "
                    f"{report.interval(r, 2)}): "
                    f"{verdict}." + (f" {caution}" if caution and caution != "nan" else ""))
    if logrank is not None and len(logrank):
        disclosure.require_disclosed(logrank, "log-rank-testet")
        r = logrank.iloc[0]
        if not_shown(r):
            text.append(f"Log-rank-testet {not_shown(r)}.")
        else:
            text.append(f"Log-rank-testet av att kurvorna är lika ger χ² = {report.number(r['estimate'], 1)} "
                        f"({report.p_words(r['p_value'])}).")
    return "\n\n".join(text)


__all__ = ["GAP_NOTE", "curve_alt", "has_gap", "curve_plot", "curve_table", "describe_hazard_ratio"]
