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
from jamtools.report import MEASURES, SEX_LABELS, covariates_text, label, number

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


def _pct_axis(ax, axis="x") -> None:
    fmt = FuncFormatter(lambda v, _: f"{number(100 * v, 0)} %")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def shares_plot(shares: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                title: str = "", xlabel: str = "Andel") -> Plot:
    """Share per sex (and per ``by`` category, one row each) with its confidence interval."""
    disclosure.require_disclosed(shares, "andelstabellen")
    if shares.empty:
        fig = Figure(figsize=(7.5, 1.5))
        ax = fig.subplots()
        ax.text(0.5, 0.5, "Inga uppgifter att visa i urvalet", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "Inga uppgifter att visa")
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
            ax.errorbar(r["share"], y, xerr=[[r["share"] - r["ci_low"]], [r["ci_high"] - r["share"]]],
                        fmt=SEX_MARKERS.get(r[group], "o"), color=color, capsize=4, markersize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label(c) if c is not None else "" for c in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, min(1.0, max(0.1, float(pd.to_numeric(shares["ci_high"], errors="coerce").max()) * 1.15
                               if shares["ci_high"].notna().any() else 1.0)))
    _pct_axis(ax)
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
    ax.axvline(0 if measure.endswith("_pp") else 1, color="#888888", linestyle="--", linewidth=1)
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
