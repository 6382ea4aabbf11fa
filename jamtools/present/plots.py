"""Seaborn/matplotlib figures built from disclosed tables, with Swedish labels.

Sex is shown the same way in every figure of the book (:data:`SEX_COLORS`, from the
colour-blind-safe Okabe–Ito palette, deliberately not pink and blue). Suppressed values are
drawn as '..' at their place, never as a point. Figures are created without pyplot's global
state, so a notebook shows each exactly once (as the cell's value).
"""
from __future__ import annotations

import matplotlib
import matplotlib.lines

import io

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
import pandas as pd
import seaborn as sns

from jamtools import disclosure
from jamtools.present.report import MEASURES, SEX_LABELS, covariates_text, label, number

#: One colour per sex, used throughout the book (Okabe & Ito 2008).
SEX_COLORS = {"kvinna": "#D55E00", "flicka": "#D55E00", "man": "#0072B2", "pojke": "#0072B2",
              "okant": "#999999"}
SEX_MARKERS = {"kvinna": "o", "flicka": "o", "man": "s", "pojke": "s", "okant": "D"}

sns.set_theme(style="whitegrid", context="notebook")


class Plot:
    """A finished figure: shown as PNG in notebooks and the book, exactly once.

    ``fig`` is the matplotlib Figure; ``alt`` a short Swedish description used as the text
    representation (what screen readers and text consoles get instead of '<Figure ...>').
    """

    def __init__(self, fig: Figure, alt: str = "") -> None:
        self.fig = fig
        self.alt = alt

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return buf.getvalue()

    def __repr__(self) -> str:
        return f"Figur: {self.alt}" if self.alt else "Figur"

    def savefig(self, *args, **kwargs):
        return self.fig.savefig(*args, **kwargs)


def no_data_plot(text: str = "Inga uppgifter att visa i urvalet") -> Plot:
    """The figure shown when the selection has no rows: a line of text, no axes."""
    fig = Figure(figsize=(7.5, 1.5))
    ax = fig.subplots()
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    return Plot(fig, "Inga uppgifter att visa")


def pct_axis(ax, axis="x") -> None:
    fmt = FuncFormatter(lambda v, _: f"{number(100 * v, 0)} %")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def shares_plot(shares: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                title: str = "", xlabel: str = "Andel") -> Plot:
    """Share per sex (and per ``by`` category, one row each) with its confidence interval."""
    disclosure.require_disclosed(shares, "andelstabellen")
    if shares.empty:
        return no_data_plot()
    rows = list(dict.fromkeys(shares[by])) if by else [None]
    levels = list(dict.fromkeys(shares[group]))
    fig = Figure(figsize=(7.5, 1.2 + 0.55 * len(rows) * max(1, len(levels) / 1.5)))
    ax = fig.subplots()
    offsets = {lvl: (i - (len(levels) - 1) / 2) * 0.22 for i, lvl in enumerate(levels)}
    for yi, cat in enumerate(rows):
        sub = shares if cat is None else shares[shares[by] == cat]
        for _, r in sub.iterrows():
            y = yi + offsets[r[group]]
            color = SEX_COLORS.get(r[group], "#333333")
            if pd.isna(r["share"]):
                ax.text(0.01, y, "..", va="center", ha="left", color=color, fontsize=11)
                continue
            # max(…, 0): a Wilson bound of a share of 0 or 1 can lie a rounding error past it
            ax.errorbar(r["share"], y, xerr=[[max(r["share"] - r["ci_low"], 0.0)],
                                             [max(r["ci_high"] - r["share"], 0.0)]],
                        fmt=SEX_MARKERS.get(r[group], "o"), color=color, capsize=4, markersize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label(c) if c is not None else "" for c in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, min(1.0, max(0.1, float(pd.to_numeric(shares["ci_high"], errors="coerce").max()) * 1.15
                               if shares["ci_high"].notna().any() else 1.0)))
    pct_axis(ax)
    ax.set_xlabel(xlabel)
    conf = (float(shares["conf_level"].dropna().iloc[0])
            if "conf_level" in shares and shares["conf_level"].notna().any() else 0.95)
    handles = [matplotlib.lines.Line2D([], [], color=SEX_COLORS.get(l, "#333"), marker=SEX_MARKERS.get(l, "o"),
                                       linestyle="", label=SEX_LABELS.get(l, l).capitalize())
               for l in levels]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title=f"Linjen: {number(100 * conf, 0)} %\nkonfidensintervall", title_fontsize=9)
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or xlabel)


def difference_plot(comparisons: pd.DataFrame, *, measure: str = "risk_difference_pp",
                    title: str = "", label_by: str | None = None) -> Plot:
    """Crude and adjusted differences with intervals, around a line at no difference.

    Rows are labelled "Ojusterat" / "Justerat för …", or by the column ``label_by`` (e.g. one
    row per type of insats)."""
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    rows = comparisons[comparisons["measure"] == measure].reset_index(drop=True)
    fig = Figure(figsize=(7.5, 1.4 + 0.6 * len(rows)))
    ax = fig.subplots()
    labels = []
    for i, r in rows.iterrows():
        if label_by:
            labels.append(label(r[label_by]))
        else:
            labels.append(("Justerat för " + covariates_text(r["adjusted_for"])) if r["adjusted"]
                          else "Ojusterat")
        if pd.isna(r["estimate"]):
            ax.text(0, i, "..", va="center", ha="center")
            continue
        ax.errorbar(r["estimate"], i, xerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                    fmt="D", color="#333333", capsize=4, markersize=7)
    ax.axvline(1 if measure.endswith("ratio") else 0, color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"{MEASURES.get(measure, measure)}: {rows['comparison'].iloc[0] if len(rows) else ''}")
    lim = max(5.0, float(pd.concat([rows["ci_low"].abs(), rows["ci_high"].abs()]).max()) * 1.2
              if rows["ci_low"].notna().any() else 5.0)
    if measure.endswith("_pp"):
        ax.set_xlim(-lim, lim)
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or "Skillnad med konfidensintervall")


def distribution_plot(distribution: pd.DataFrame, category: str, *, group: str = "kon",
                      title: str = "", xlabel: str = "Andel") -> Plot:
    """The share of each category within each sex, with intervals (one row per category)."""
    disclosure.require_disclosed(distribution, "fördelningen")
    return shares_plot(distribution, group=group, by=category, title=title, xlabel=xlabel)


# --- Amounts (hemtjänsttimmar, belopp) -------------------------------------------------------

from matplotlib.patches import Rectangle  # noqa: E402  (this part was appended; its import sits with it)

from jamtools.present.report import AMOUNT_MEASURES  # noqa: E402


def amount_distribution_plot(summary: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                             title: str = "", xlabel: str = "Timmar per månad") -> Plot:
    """The distribution of an amount per sex (and per category of ``by``, one row each), from
    a disclosed summary: a box over the middle half (first to third quartile), a line at the
    median and a point at the mean. No single value (minimum, maximum, outlier) is drawn, so
    the figure shows nothing that the summary table does not."""
    disclosure.require_disclosed(summary, "beloppstabellen")
    rows = list(dict.fromkeys(summary[by])) if by else [None]
    levels = list(dict.fromkeys(summary[group]))
    fig = Figure(figsize=(7.5, 1.4 + 0.42 * len(rows) * max(1, len(levels) / 1.5)))
    ax = fig.subplots()
    height = 0.7 / max(1, len(levels))
    offsets = {lvl: (i - (len(levels) - 1) / 2) * height * 1.1 for i, lvl in enumerate(levels)}
    xmax = float(pd.to_numeric(summary["q3"], errors="coerce").max()) if summary["q3"].notna().any() else 1.0
    for yi, cat in enumerate(rows):
        sub = summary if cat is None else summary[summary[by] == cat]
        for _, r in sub.iterrows():
            y = yi + offsets[r[group]]
            color = SEX_COLORS.get(r[group], "#333333")
            if pd.isna(r["median"]) or pd.isna(r["q1"]):
                ax.text(0.01 * xmax, y, "..", va="center", ha="left", color=color, fontsize=11)
                continue
            ax.add_patch(Rectangle((r["q1"], y - height / 2), r["q3"] - r["q1"], height,
                                   facecolor=color, alpha=0.25, edgecolor=color))
            ax.plot([r["median"], r["median"]], [y - height / 2, y + height / 2], color=color,
                    linewidth=2.5)
            ax.plot(r["mean"], y, marker=SEX_MARKERS.get(r[group], "o"), color=color,
                    markersize=6, markerfacecolor="white")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label(c) if c is not None else "" for c in rows])
    if by:
        ax.set_ylabel(label(by)[:1].upper() + label(by)[1:])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, xmax * 1.08 if xmax > 0 else 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    ax.set_xlabel(xlabel)
    handles = [Rectangle((0, 0), 1, 1, facecolor=SEX_COLORS.get(lvl, "#333"), alpha=0.4,
                         edgecolor=SEX_COLORS.get(lvl, "#333"),
                         label=SEX_LABELS.get(lvl, lvl).capitalize()) for lvl in levels]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title="Lådan: mittersta hälften\nStrecket: median\nPunkten: medelvärde",
              title_fontsize=9)
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or xlabel)


def amount_difference_plot(comparisons: pd.DataFrame, *, measures=None, title: str = "",
                           xlabel: str = "", labels: dict | None = None) -> Plot:
    """Differences in an amount (crude, adjusted, decomposition parts) with their intervals,
    around a line at no difference. Ratios are left out (they belong on another scale).

    Rows are labelled by ``labels`` ({(measure, adjusted): text}) or by the measure's Swedish
    name with "justerat"/"ojusterat"."""
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    rows = comparisons[comparisons["measure"] != "ratio_of_means"]
    if measures is not None:
        rows = rows[rows["measure"].isin(list(measures))]
    rows = rows.reset_index(drop=True)
    fig = Figure(figsize=(7.5, 1.4 + 0.6 * len(rows)))
    ax = fig.subplots()
    names = []
    for i, r in rows.iterrows():
        key = (r["measure"], bool(r["adjusted"]))
        if labels and key in labels:
            names.append(labels[key])
        else:
            names.append(AMOUNT_MEASURES.get(r["measure"], r["measure"])
                         + (", justerat" if r["adjusted"] and r["measure"] == "mean_difference" else
                            ", ojusterat" if r["measure"] in ("mean_difference", "median_difference")
                            else ""))
        if pd.isna(r["estimate"]):
            ax.text(0, i, "..", va="center", ha="center")
            continue
        ax.errorbar(r["estimate"], i, xerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                    fmt="D", color="#333333", capsize=4, markersize=7)
    ax.axvline(0, color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(names)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    lim = (float(pd.concat([rows["ci_low"].abs(), rows["ci_high"].abs()]).max()) * 1.2
           if rows["ci_low"].notna().any() else 1.0)
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0 if lim >= 5 else 1, signed=True)
                                               if v else "0"))
    ax.set_xlabel(xlabel or (f"Skillnad: {rows['comparison'].iloc[0]}" if len(rows) else ""))
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or "Skillnad med konfidensintervall")


def gap_by_period_plot(by_period: pd.DataFrame, *, change_at=None, title: str = "",
                       ylabel: str = "Skillnad (timmar per månad)",
                       change_label: str = "Nytt arbetssätt") -> Plot:
    """The gap per period (``jamtools.disclosure.analyses.amount_gap_by_period``) with intervals: the
    adjusted gap as filled points, the crude one as open points, a line at no difference and,
    with ``change_at``, a dashed line before the first period of the change."""
    disclosure.require_disclosed(by_period, "tabellen per period")
    periods = list(dict.fromkeys(by_period["period"]))
    pos = {p: i for i, p in enumerate(periods)}
    fig = Figure(figsize=(7.5, 4.0))
    ax = fig.subplots()
    kinds = [(True, "Justerad skillnad", "o", "#333333", "#333333", 0.09),
             (False, "Rå skillnad", "o", "#888888", "white", -0.09)]
    handles = []
    for adjusted, name, marker, color, face, dx in kinds:
        sub = by_period[by_period["adjusted"].astype(bool) == adjusted]
        if sub.empty:
            continue
        if not by_period["adjusted"].astype(bool).any():
            dx = 0.0
        for _, r in sub.iterrows():
            x = pos[r["period"]] + dx
            if pd.isna(r["estimate"]):
                ax.text(x, 0, "..", ha="center", va="bottom", color=color)
                continue
            ax.errorbar(x, r["estimate"], yerr=[[r["estimate"] - r["ci_low"]], [r["ci_high"] - r["estimate"]]],
                        fmt=marker, color=color, markerfacecolor=face, capsize=4, markersize=7)
        handles.append(matplotlib.lines.Line2D([], [], color=color, marker=marker, markerfacecolor=face,
                                               linestyle="", label=name))
    ax.axhline(0, color="#888888", linestyle="--", linewidth=1)
    if change_at is not None and change_at in pos:
        ax.axvline(pos[change_at] - 0.5, color="#D55E00", linestyle=":", linewidth=1.5)
        ax.text(pos[change_at] - 0.45, 0.98, change_label, transform=ax.get_xaxis_transform(),
                va="top", ha="left", fontsize=9, color="#D55E00")
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels([label(p) for p in periods])
    ax.set_xlim(-0.5, len(periods) - 0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0, signed=True) if v else "0"))
    ax.set_ylabel(ylabel)
    conf = (float(by_period["conf_level"].dropna().iloc[0])
            if "conf_level" in by_period and by_period["conf_level"].notna().any() else 0.95)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title=f"Linjen: {number(100 * conf, 0)} %\nkonfidensintervall", title_fontsize=9)
    if title:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return Plot(fig, title or ylabel)
