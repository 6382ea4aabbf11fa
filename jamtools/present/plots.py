"""Seaborn/matplotlib figures built from disclosed tables, with Swedish labels.

Sex is shown the same way in every figure of the book: a colour (:data:`SEX_COLORS`, from the
colour-blind-safe Okabe–Ito palette, deliberately not pink and blue) and always a second cue
that survives grey-scale printing and colour blindness: a marker shape (:data:`SEX_MARKERS`),
a hatch (:data:`SEX_HATCHES`) or a line style (:data:`SEX_LINESTYLES`), shown in the key too.
Suppressed values are drawn as '..' with the group's name at their place, never as a point.
Figures are created without pyplot's global state, so a notebook shows each exactly once (as the
cell's value).

Readable on a phone
-------------------
The book shows a figure at the full width of the text, so on a phone :data:`PHONE_WIDTH_PX`
CSS pixels wide the image is scaled by ``PHONE_WIDTH_PX / its width in pixels``: a font of
``s`` points in a figure ``w`` inches wide appears as ``s / 72 * PHONE_WIDTH_PX / w`` pixels,
whatever the resolution. The rule is that every text appears at least :data:`MIN_PHONE_FONT_PX`
pixels there (:func:`phone_font_px`): figures are :data:`FIGURE_WIDTH` inches wide, keys sit
under the axes rather than beside them, long labels are wrapped (:func:`wrap`), and no text is
smaller than :data:`SMALLEST_FONT` points (12 points in 6 inches appear as 10.8 pixels).
"""
from __future__ import annotations

import io
import textwrap

import matplotlib
import matplotlib.lines
import matplotlib.text
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from jamtools import disclosure
from jamtools.present.report import (AMOUNT_MEASURES, MEASURES, NOT_COMPUTED_MARK, SEX_LABELS, covariates_text,
                                     is_hidden, label, number, sex_pair_words)
from jamtools.present.report import conf_percent

#: One colour per sex, used throughout the book (Okabe & Ito 2008).
SEX_COLORS = {"kvinna": "#D55E00", "flicka": "#D55E00", "man": "#0072B2", "pojke": "#0072B2",
              "okant": "#999999"}
#: The second cue for points: a shape per sex.
SEX_MARKERS = {"kvinna": "o", "flicka": "o", "man": "s", "pojke": "s", "okant": "D"}
#: The second cue for areas (boxes, bars): a hatch per sex ("" is a plain fill).
SEX_HATCHES = {"kvinna": "///", "flicka": "///", "man": "", "pojke": "", "okant": "..."}
#: The second cue for lines (curves, series): a line style per sex.
SEX_LINESTYLES = {"kvinna": "-", "flicka": "-", "man": "--", "pojke": "--", "okant": ":"}

#: Width of every figure, in inches (the book shows it at the text's full width).
FIGURE_WIDTH = 6.0
#: Resolution of the PNG the notebook and the book show.
FIGURE_DPI = 110
#: CSS width of a phone's screen the book must be readable on.
PHONE_WIDTH_PX = 390
#: The smallest text height, in CSS pixels, a reader on that phone sees.
MIN_PHONE_FONT_PX = 9.0
#: The smallest font any figure uses, in points.
SMALLEST_FONT = 12
#: Font sizes of the book's figures (matplotlib rc), none below :data:`SMALLEST_FONT`.
FONT_SIZES = {"font.size": 13, "axes.titlesize": 13, "axes.labelsize": 13,
              "xtick.labelsize": SMALLEST_FONT, "ytick.labelsize": SMALLEST_FONT,
              "legend.fontsize": SMALLEST_FONT, "legend.title_fontsize": SMALLEST_FONT,
              "figure.titlesize": 13}
#: Characters per line of a wrapped category label and of a title.
LABEL_WIDTH = 24
TITLE_WIDTH = 52

#: An axis label ends at the right end of its axis: centred under axes pushed right by long
#: category labels, a label of :data:`TITLE_WIDTH` characters would reach past the figure, which
#: is then saved wider than the page (every figure draws once, :meth:`Plot._repr_png_`).
AXIS_LABELS = {"xaxis.labellocation": "right"}

sns.set_theme(style="whitegrid", context="notebook", rc={**FONT_SIZES, **AXIS_LABELS})


class Plot:
    """A finished figure: shown as PNG in notebooks and the book, exactly once.

    ``fig`` is the matplotlib Figure; ``alt`` a Swedish description of what the figure shows,
    used as the text representation (what screen readers and text consoles get instead of
    '<Figure ...>'); ``caption`` and ``name`` are set by :func:`jamtools.present.page.figure`.
    The PNG output carries them as metadata (``{"jamtools": {"kind": "figure", ...}}``), from
    which the book's staging makes a numbered figure with its caption and alt text
    (:mod:`jamtools.run.book`).
    """

    def __init__(self, fig: Figure, alt: str = "", *, caption: str = "",
                 name: str | None = None) -> None:
        self.fig = fig
        self.alt = alt
        self.caption = caption
        self.name = name

    def _repr_png_(self) -> bytes:
        """The figure as PNG at :data:`FIGURE_DPI`, drawn once. Its constrained layout keeps
        titles, labels and keys inside the figure; only when something still reaches outside
        (a key wider than the figure) is it saved cut to what was drawn, as
        ``bbox_inches="tight"``, which draws it a second time."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        fig, buf = self.fig, io.BytesIO()
        dpi, own_canvas = fig.dpi, fig.canvas
        try:
            fig.set_dpi(FIGURE_DPI)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            drawn = fig.get_tightbbox(canvas.get_renderer())
            slack = 1 / FIGURE_DPI  # a pixel, in inches
            inside = (drawn is None or drawn.x0 >= -slack and drawn.y0 >= -slack
                      and drawn.x1 <= fig.get_figwidth() + slack and drawn.y1 <= fig.get_figheight() + slack)
            if inside:
                Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1).save(buf, format="png", dpi=(FIGURE_DPI, FIGURE_DPI))
                return buf.getvalue()
        finally:
            fig.set_dpi(dpi)
            fig.set_canvas(own_canvas)
        fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
        return buf.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": self._repr_png_(), "text/plain": repr(self)}
        meta = {"jamtools": {"kind": "figure", "alt": self.alt, "caption": self.caption,
                             "name": self.name}}
        return data, meta

    def __repr__(self) -> str:
        return f"Figur: {self.alt}" if self.alt else "Figur"

    def savefig(self, *args, **kwargs):
        return self.fig.savefig(*args, **kwargs)


def intervals(ax, estimate, at, low, high, *, vertical: bool = False, **style) -> None:
    """Points at ``estimate`` with their intervals ``[low, high]``, at positions ``at`` on the
    other axis, in one ``errorbar`` call: the same marks as one call per point, with a few
    artists instead of four per point (each drawn, and laid out, separately). A limit on the
    wrong side of its estimate by rounding (a share of 100 % whose upper limit is computed as
    0.99999…) draws an arm of 0."""
    estimate, at = np.asarray(estimate, float).ravel(), np.asarray(at, float).ravel()
    arms = np.clip([estimate - np.asarray(low, float).ravel(), np.asarray(high, float).ravel() - estimate], 0, None)
    if not len(estimate):
        return
    if vertical:
        ax.errorbar(at, estimate, yerr=arms, **style)
    else:
        ax.errorbar(estimate, at, xerr=arms, **style)


def _difference_rows(ax, rows: pd.DataFrame) -> None:
    """One row per comparison (``rows`` with a RangeIndex, its position on the y axis): the
    estimate with its interval, '..' where it is hidden and '–' where it could not be computed
    (as in the table beside it)."""
    hidden = (rows["suppressed"].astype(bool).to_numpy() if "suppressed" in rows
              else np.ones(len(rows), bool))
    for i in np.flatnonzero(rows["estimate"].isna().to_numpy()):
        ax.text(0, i, disclosure.SUPPRESSED_MARK if hidden[i] else NOT_COMPUTED_MARK,
                va="center", ha="center")
    shown = rows[rows["estimate"].notna()]
    intervals(ax, shown["estimate"], shown.index, shown["ci_low"], shown["ci_high"],
              fmt="D", color="#333333", capsize=4, markersize=7)


# --- Layout shared by every figure -----------------------------------------------------------

def new_figure(height: float, *, width: float = FIGURE_WIDTH) -> Figure:
    """A figure of the book's width whose layout makes room for keys under the axes."""
    return Figure(figsize=(width, max(float(height), 1.2)), layout="constrained")


def wrap(text, width: int = LABEL_WIDTH) -> str:
    """``text`` broken into lines of at most ``width`` characters (existing breaks kept)."""
    return "\n".join(textwrap.fill(part, width, break_long_words=False) or part
                     for part in str(text).split("\n"))


def set_title(target, text: str) -> None:
    """A figure's heading, wrapped and left-aligned with the figure (not the axes, whose left
    edge moves with the length of the category labels); ``target`` is the Figure or one of its
    Axes."""
    if not text:
        return
    fig = target if isinstance(target, Figure) else target.figure
    fig.suptitle(wrap(text, TITLE_WIDTH), x=0.01, ha="left", fontsize=FONT_SIZES["figure.titlesize"])


def key_columns(handles, *, width: float = FIGURE_WIDTH * 0.95) -> int:
    """How many key entries fit side by side in ``width`` inches (by default the figure's;
    about 7 points a character and 40 points of symbol and space per entry)."""
    labels = [max(len(line) for line in str(h.get_label()).split("\n")) for h in handles]
    for ncols in range(len(labels), 1, -1):
        widest = sum(sorted(labels, reverse=True)[:ncols])
        if 7.2 * widest + 42 * ncols <= 72 * width:
            return ncols
    return 1


def key(fig: Figure, handles, *, title: str | None = None) -> None:
    """The figure's key under the axes (not beside them, which would narrow the figure on a
    phone), with as many entries side by side as fit."""
    if not handles:
        return
    fig.legend(handles=handles, loc="outside lower left", ncols=key_columns(handles),
               frameon=False, title=title, alignment="left")


def sex_handle(level, *, kind: str = "marker", marker: bool = False) -> matplotlib.artist.Artist:
    """The key entry of a sex: its colour and its second cue (``kind``: "marker", "hatch"
    or "line", the latter with the sex's marker too when ``marker``; "bar" for a solid bar with
    a white hatch), labelled in Swedish."""
    color = SEX_COLORS.get(level, "#333333")
    name = SEX_LABELS.get(level, level).capitalize()
    if kind == "bar":
        return Patch(facecolor=color, edgecolor="white", hatch=SEX_HATCHES.get(level, ""),
                     linewidth=0, label=name)
    if kind == "hatch":
        return Patch(facecolor=_tint(color), edgecolor=color, hatch=SEX_HATCHES.get(level, ""),
                     label=name)
    if kind == "line":
        return matplotlib.lines.Line2D([], [], color=color, linewidth=2,
                                       linestyle=SEX_LINESTYLES.get(level, "-"),
                                       marker=SEX_MARKERS.get(level, "o") if marker else None,
                                       markersize=6, label=name)
    return matplotlib.lines.Line2D([], [], color=color, marker=SEX_MARKERS.get(level, "o"),
                                   linestyle="", markersize=8, label=name)


def interval_handle(conf: float, *, what: str = "konfidensintervall") -> matplotlib.lines.Line2D:
    """The key entry that says what the lines through the points are."""
    return matplotlib.lines.Line2D([], [], color="#555555", marker="|", markersize=10,
                                   linewidth=1.5, label=f"Linjen: {conf_percent(conf)} % {what}")


def suppressed_text(ax, x, y, level=None, *, hidden: bool = True, **kwargs) -> None:
    """'..' at a hidden value's place and, when there are groups, the group's name beside it
    (the name, not only the colour, says whose value is hidden). With ``hidden=False`` (a
    group without rows, a value that could not be computed): '–' and "kan inte beräknas", as
    in the tables ('..' means hidden)."""
    color = SEX_COLORS.get(level, "#333333")
    ax.text(x, y, disclosure.SUPPRESSED_MARK if hidden else NOT_COMPUTED_MARK, va="center", ha="left",
            color=color, **kwargs)
    if level is not None:
        ax.annotate(f"({SEX_LABELS.get(level, level)} {'visas inte' if hidden else 'kan inte beräknas'})",
                    xy=(x, y), xytext=(16, 0), textcoords="offset points", va="center", ha="left",
                    color=color, **kwargs)



def _tint(color: str, amount: float = 0.72) -> tuple:
    """``color`` mixed with white (an opaque light fill, so a hatch over it stays visible)."""
    r, g, b = matplotlib.colors.to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _conf(frame: pd.DataFrame) -> float:
    if "conf_level" in frame and frame["conf_level"].notna().any():
        return float(frame["conf_level"].dropna().iloc[0])
    return 0.95


def phone_font_px(plot: Plot, *, screen_px: int = PHONE_WIDTH_PX) -> float:
    """The height, in CSS pixels, of the smallest text of ``plot`` when the book shows it at the
    full width of a screen ``screen_px`` wide (the PNG as saved, legend and labels included).

    Parameters
    ----------
    plot : Plot
        A drawn figure.
    screen_px : int, default :data:`PHONE_WIDTH_PX`
        The screen's CSS width.

    Returns
    -------
    float
        ``smallest font (pt) × dpi / 72 × screen_px / PNG width (px)``; :data:`MIN_PHONE_FONT_PX`
        is the least the book accepts.
    """
    from PIL import Image

    png = plot._repr_png_()  # draws the figure, so tick labels exist
    width = Image.open(io.BytesIO(png)).size[0]
    sizes = [t.get_fontsize() for t in plot.fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=SMALLEST_FONT) * FIGURE_DPI / 72 * screen_px / width


def no_data_plot(text: str = "Inga uppgifter att visa i urvalet") -> Plot:
    """The figure shown when the selection has no rows: a line of text, no axes."""
    fig = new_figure(1.5)
    ax = fig.subplots()
    ax.text(0.5, 0.5, wrap(text, 50), ha="center", va="center")
    ax.set_axis_off()
    return Plot(fig, "Inga uppgifter att visa")


def pct_axis(ax, axis="x") -> None:
    fmt = FuncFormatter(lambda v, _: f"{number(100 * v, 0)} %")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def title_height(title: str) -> float:
    """Inches a figure needs for its wrapped ``title`` (none without one)."""
    return 0.3 * (wrap(title, TITLE_WIDTH).count("\n") + 1) if title else 0.0


def _height(rows: int, *, per_row: float, title: str = "", keyed: bool = True,
            base: float = 1.1) -> float:
    """Figure height: ``rows`` rows of ``per_row`` inches, the axis labels (``base``), the
    title's lines and the key under the axes."""
    return base + rows * per_row + title_height(title) + (0.75 if keyed else 0.0)


def row_height(labels, levels: int = 1) -> float:
    """Height of one row of a figure with one row per category: room for each group's point
    and for the wrapped label's lines."""
    lines = max((wrap(x).count("\n") + 1 for x in labels), default=1)
    return max(0.26 * levels + 0.1, 0.24 * lines + 0.12, 0.45)


def _categories(values: pd.Series) -> list:
    """The categories of ``values`` in the order they first occur, a missing value one of them
    (labelled *Uppgift saknas*, :func:`~jamtools.present.report.label`)."""
    return list(pd.unique(values))


def _is(values: pd.Series, category) -> pd.Series:
    """Whether each of ``values`` is ``category`` (a missing value is the missing category)."""
    return values.isna() if pd.isna(category) else values == category


def shares_plot(shares: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                title: str = "", xlabel: str = "Andel") -> Plot:
    """Share per sex (and per ``by`` category, one row each) with its confidence interval.

    Each sex has its colour and its marker (:data:`SEX_MARKERS`), shown in the key under the
    axes; a hidden share is written as '..' with the group's name."""
    disclosure.require_disclosed(shares, "andelstabellen")
    if shares.empty:
        return no_data_plot()
    rows = _categories(shares[by]) if by else [None]
    levels = list(dict.fromkeys(shares[group]))
    names = [label(c) for c in rows] if by else [""]
    per_row = row_height(names, len(levels))
    fig = new_figure(_height(len(rows), per_row=per_row, title=title))
    ax = fig.subplots()
    step = min(0.3, 0.8 / max(1, len(levels)))
    offsets = {lvl: (i - (len(levels) - 1) / 2) * step for i, lvl in enumerate(levels)}
    points: dict = {lvl: [] for lvl in levels}
    for yi, cat in enumerate(rows):
        sub = shares[_is(shares[by], cat)] if by else shares
        for _, r in sub.iterrows():
            y = yi + offsets[r[group]]
            if pd.isna(r["share"]):
                suppressed_text(ax, 0.01, y, r[group], hidden=is_hidden(r))
                continue
            points[r[group]].append((r["share"], y, r["ci_low"], r["ci_high"]))
    for lvl, pts in points.items():
        if pts:
            share, y, low, high = (np.array(v, float) for v in zip(*pts))
            # a Wilson bound of a share of 0 or 1 can lie a rounding error past it: no arm
            intervals(ax, share, y, np.minimum(low, share), np.maximum(high, share),
                      fmt=SEX_MARKERS.get(lvl, "o"),
                      color=SEX_COLORS.get(lvl, "#333333"), capsize=4, markersize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(n) for n in names])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlim(0, min(1.0, max(0.1, float(pd.to_numeric(shares["ci_high"], errors="coerce").max()) * 1.15
                               if shares["ci_high"].notna().any() else 1.0)))
    pct_axis(ax)
    ax.set_xlabel(wrap(xlabel, TITLE_WIDTH))
    key(fig, [*(sex_handle(lvl) for lvl in levels), interval_handle(_conf(shares))])
    set_title(ax, title)
    return Plot(fig, title or xlabel)


def difference_plot(comparisons: pd.DataFrame, *, measure: str = "risk_difference_pp",
                    title: str = "", label_by: str | None = None) -> Plot:
    """Crude and adjusted differences with intervals, around a line at no difference.

    Rows are labelled "Ojusterat" / "Justerat för …", or by the column ``label_by`` (e.g. one
    row per type of insats)."""
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    rows = comparisons[comparisons["measure"] == measure].reset_index(drop=True)
    labels = []
    for _, r in rows.iterrows():
        if label_by:
            labels.append(label(r[label_by]))
        else:
            labels.append(("Justerat för " + covariates_text(r["adjusted_for"])) if r["adjusted"]
                          else "Ojusterat")
    per_row = row_height(labels)
    fig = new_figure(_height(len(rows), per_row=per_row, title=title, keyed=False, base=1.4))
    ax = fig.subplots()
    _difference_rows(ax, rows)
    ax.axvline(1 if measure.endswith("ratio") else 0, color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(x) for x in labels])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    if label_by and len(rows) and {"group_a", "group_b"} <= set(rows.columns):
        # one row per category: the rows' own comparisons name the category, the axis the groups
        a, b = rows["group_a"].iloc[0], rows["group_b"].iloc[0]
        compared = f"{SEX_LABELS.get(a, a)} − {SEX_LABELS.get(b, b)}"
    else:
        compared = sex_pair_words(str(rows["comparison"].iloc[0])) if len(rows) else ""
    ax.set_xlabel(wrap(f"{MEASURES.get(measure, measure)}: {compared}", TITLE_WIDTH))
    lim = max(5.0, float(pd.concat([rows["ci_low"].abs(), rows["ci_high"].abs()]).max()) * 1.2
              if rows["ci_low"].notna().any() else 5.0)
    if measure.endswith("_pp"):
        ax.set_xlim(-lim, lim)
    set_title(ax, title)
    return Plot(fig, title or "Skillnad med konfidensintervall")


def distribution_plot(distribution: pd.DataFrame, category: str, *, group: str = "kon",
                      title: str = "", xlabel: str = "Andel") -> Plot:
    """The share of each category within each sex, with intervals (one row per category)."""
    disclosure.require_disclosed(distribution, "fördelningen")
    return shares_plot(distribution, group=group, by=category, title=title, xlabel=xlabel)


# --- Amounts (hemtjänsttimmar, belopp) -------------------------------------------------------

def amount_distribution_plot(summary: pd.DataFrame, *, group: str = "kon", by: str | None = None,
                             title: str = "", xlabel: str = "Timmar per månad") -> Plot:
    """The distribution of an amount per sex (and per category of ``by``, one row each), from
    a disclosed summary: a box over the middle half (first to third quartile), a line at the
    median and a point at the mean. No single value (minimum, maximum, outlier) is drawn, so
    the figure shows nothing that the summary table does not.

    Each sex's box has its colour and its hatch (:data:`SEX_HATCHES`), its mean its marker, so
    the sexes differ in grey scale too; the key under the axes shows both."""
    disclosure.require_disclosed(summary, "beloppstabellen")
    rows = _categories(summary[by]) if by else [None]
    levels = list(dict.fromkeys(summary[group]))
    names = [label(c) for c in rows] if by else [""]
    per_row = row_height(names, len(levels))
    fig = new_figure(_height(len(rows), per_row=per_row, title=title) + 0.3)
    ax = fig.subplots()
    height = 0.7 / max(1, len(levels))
    offsets = {lvl: (i - (len(levels) - 1) / 2) * height * 1.1 for i, lvl in enumerate(levels)}
    xmax = float(pd.to_numeric(summary["q3"], errors="coerce").max()) if summary["q3"].notna().any() else 1.0
    for yi, cat in enumerate(rows):
        sub = summary[_is(summary[by], cat)] if by else summary
        for _, r in sub.iterrows():
            y = yi + offsets[r[group]]
            color = SEX_COLORS.get(r[group], "#333333")
            if pd.isna(r["median"]) or pd.isna(r["q1"]):
                # a group too small for its median and quartiles (shown: its mean) is hidden,
                # not uncomputable (disclosure.analyses.order_min)
                few = bool(r.get("order_hidden", False))
                if few and pd.notna(r["mean"]):
                    ax.plot(r["mean"], y, marker=SEX_MARKERS.get(r[group], "o"), color=color,
                            markersize=7, markerfacecolor="white", linestyle="")
                suppressed_text(ax, 0.01 * xmax, y, r[group], hidden=is_hidden(r) or few)
                continue
            ax.add_patch(Rectangle((r["q1"], y - height / 2), r["q3"] - r["q1"], height,
                                   facecolor=_tint(color), edgecolor=color,
                                   hatch=SEX_HATCHES.get(r[group], ""), linewidth=1))
            ax.plot([r["median"], r["median"]], [y - height / 2, y + height / 2], color=color,
                    linewidth=2.5)
            ax.plot(r["mean"], y, marker=SEX_MARKERS.get(r[group], "o"), color=color,
                    markersize=7, markerfacecolor="white", linestyle="")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(n) for n in names])
    if by:
        ax.set_ylabel(label(by)[:1].upper() + label(by)[1:])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlim(0, xmax * 1.08 if xmax > 0 else 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    ax.set_xlabel(wrap(xlabel, TITLE_WIDTH))
    handles = [sex_handle(lvl, kind="hatch") for lvl in levels]
    handles += [Patch(facecolor="#EEEEEE", edgecolor="#555555", label="Låda: mittersta hälften"),
                matplotlib.lines.Line2D([], [], color="#555555", marker="|", markersize=14,
                                        markeredgewidth=2.5, linestyle="", label="Streck: median"),
                matplotlib.lines.Line2D([], [], color="#555555", marker="o", markerfacecolor="white",
                                        linestyle="", label="Punkt: medelvärde")]
    key(fig, handles)
    set_title(ax, title)
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
    names = []
    for _, r in rows.iterrows():
        key_ = (r["measure"], bool(r["adjusted"]))
        if labels and key_ in labels:
            names.append(labels[key_])
        else:
            names.append(AMOUNT_MEASURES.get(r["measure"], r["measure"])
                         + (", justerat" if r["adjusted"] and r["measure"] == "mean_difference" else
                            ", ojusterat" if r["measure"] in ("mean_difference", "median_difference")
                            else ""))
    fig = new_figure(_height(len(rows), per_row=row_height(names), title=title, keyed=False,
                             base=1.4))
    ax = fig.subplots()
    _difference_rows(ax, rows)
    ax.axvline(0, color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([wrap(n) for n in names])
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    lim = (float(pd.concat([rows["ci_low"].abs(), rows["ci_high"].abs()]).max()) * 1.2
           if rows["ci_low"].notna().any() else 1.0)
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0 if lim >= 5 else 1, signed=True)
                                               if v else "0"))
    ax.set_xlabel(wrap(xlabel or (f"Skillnad: {sex_pair_words(str(rows['comparison'].iloc[0]))}" if len(rows) else ""),
                       TITLE_WIDTH))
    set_title(ax, title)
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
    fig = new_figure(4.6 + title_height(title))
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
        x = np.array([pos[p] for p in sub["period"]], float) + dx
        hidden = sub["estimate"].isna().to_numpy()
        suppressed = (sub["suppressed"].astype(bool).to_numpy() if "suppressed" in sub
                      else np.ones(len(sub), bool))
        for xi, mark in zip(x[hidden], suppressed[hidden]):
            ax.text(xi, 0, disclosure.SUPPRESSED_MARK if mark else NOT_COMPUTED_MARK, ha="center",
                    va="bottom", color=color)
        shown = sub[~hidden]
        intervals(ax, shown["estimate"], x[~hidden], shown["ci_low"], shown["ci_high"], vertical=True,
                  fmt=marker, color=color, markerfacecolor=face, capsize=4, markersize=7)
        handles.append(matplotlib.lines.Line2D([], [], color=color, marker=marker, markerfacecolor=face,
                                               linestyle="", markersize=8, label=name))
    ax.axhline(0, color="#888888", linestyle="--", linewidth=1)
    if change_at is not None and change_at in pos:
        ax.axvline(pos[change_at] - 0.5, color="#D55E00", linestyle=":", linewidth=1.5)
        ax.text(pos[change_at] - 0.45, 0.98, change_label, transform=ax.get_xaxis_transform(),
                va="top", ha="left", color="#D55E00")
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels([label(p) for p in periods])
    ax.set_xlim(-0.5, max(len(periods), 1) - 0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0, signed=True) if v else "0"))
    ax.set_ylabel(wrap(ylabel, 32))
    key(fig, [*handles, interval_handle(_conf(by_period))])
    set_title(ax, title)
    return Plot(fig, title or ylabel)
