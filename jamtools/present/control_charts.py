"""Control charts as a reader sees them: figure, table and sentences.

The method is in :mod:`jamtools.stats.control` (p-chart per sex, the gap's band, EWMA, the
yearly gaps) and the disclosure of its two tables in :mod:`jamtools.disclosure.control`
(:func:`~jamtools.disclosure.control.disclose_charts`); this module shows the disclosed tables
in Swedish and turns the disclosed monthly gaps into comparison rows for the results file.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from scipy import stats as sps

from jamtools import disclosure
from jamtools.present.plots import (FIGURE_WIDTH, SEX_COLORS, SEX_LINESTYLES, SEX_MARKERS, Plot,
                                    key_columns, new_figure,
                                    no_data_plot, sex_handle, wrap)
from jamtools.present.report import (NOT_COMPUTED_MARK, NOT_COMPUTED_NOTE, SEX_LABELS, SEX_POSSESSIVE, Table,
                                     comparison_table, interval, number, percent)
from jamtools.present.sentences import not_shown, verdict
from jamtools.stats import COMPARISON_COLUMNS
from jamtools.present.report import conf_percent

MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
FLAG_COLOR = "#000000"
BAND_COLOR = "#BBBBBB"


def month_label(value) -> str:
    """'mar 2025' for a date in March 2025."""
    ts = pd.Timestamp(value)
    return f"{MONTHS[ts.month - 1]} {ts.year}"


def _signal_months(frame: pd.DataFrame, time: str, mask) -> list[str]:
    return [month_label(t) for t in frame.loc[mask, time]]


def _list(items: list[str], limit: int = 8) -> str:
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" med flera (totalt {len(items)})"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


def control_plot(chart: pd.DataFrame, gap: pd.DataFrame, *, time: str, group: str = "kon",
                 indicator_text: str = "Andel", title: str = "") -> Plot:
    """Three panels: the share per sex with its limits; the gap with its band; the EWMA.

    Each sex's series has its colour, its marker and its line style; each panel's key sits
    above it, headed by what the panel shows."""
    for frame in (chart, gap):
        disclosure.require_disclosed(frame, "kontrolldiagrammet")
    if gap.empty:
        return no_data_plot()
    a, b = gap["group_a"].iloc[0], gap["group_b"].iloc[0]
    present = present_levels(chart, (a, b), group=group)
    if not has_gap(gap):
        # No month has a gap (a sex without cases): the share per sex only, no empty panels.
        fig = new_figure(4.6)
        ax1 = fig.subplots()
        axes = [ax1]
    else:
        fig = new_figure(11.0)
        axes = list(fig.subplots(3, 1, sharex=True))
        ax1, ax2, ax3 = axes
    for level in present:
        sub = chart[chart[group] == level]
        color = SEX_COLORS.get(level, "#333333")
        x = pd.to_datetime(sub[time])
        ax1.plot(x, sub["share"], marker=SEX_MARKERS.get(level, "o"), color=color, markersize=5,
                 linewidth=1.4, linestyle=SEX_LINESTYLES.get(level, "-"),
                 label=SEX_LABELS.get(level, level).capitalize())
        ax1.step(x, sub["lcl"], where="mid", color=color, linestyle=":", linewidth=1)
        ax1.step(x, sub["ucl"], where="mid", color=color, linestyle=":", linewidth=1)
        if sub["center"].notna().any():
            ax1.axhline(sub["center"].dropna().iloc[0], color=color, linestyle="--", linewidth=0.8)
        out = sub[sub["signal"] != ""]
        ax1.scatter(pd.to_datetime(out[time]), out["share"], s=110, facecolors="none",
                    edgecolors=FLAG_COLOR, linewidths=1.5, zorder=5)
    ax1.yaxis.set_major_formatter(lambda v, _: f"{number(100 * v, 0)} %")
    ax1.set_ylabel(wrap(indicator_text, 28))
    handles = [sex_handle(l, kind="line", marker=True) for l in present]
    handles += [Line2D([], [], color="#555555", linestyle="--", label="Baslinjens nivå"),
                Line2D([], [], color="#555555", linestyle=":", label="Kontrollgränser (±3σ)"),
                Line2D([], [], color=FLAG_COLOR, marker="o", markerfacecolor="none", linestyle="",
                       markersize=10, label="Utanför gränserna")]
    _panel_key(ax1, handles, title or f"{indicator_text} per månad")
    if len(axes) == 1:
        _baseline(axes, gap, time=time)
        _rotate(ax1)
        return Plot(fig, title or f"{indicator_text} per månad och kön, med kontrollgränser")

    x = pd.to_datetime(gap[time])
    ax2.fill_between(x, 100 * gap["lcl"], 100 * gap["ucl"], step="mid", color=BAND_COLOR,
                     alpha=0.5, label="Förväntat band (±3σ)")
    ax2.axhline(100 * gap["center"].fillna(0).iloc[0], color="#555555", linestyle="--", linewidth=0.8,
                label="Baslinjens skillnad")
    ax2.axhline(0, color="#888888", linewidth=0.8)
    ax2.plot(x, 100 * gap["gap"], marker="o", color="#333333", markersize=5, linewidth=1.4,
             label=f"Skillnad {SEX_LABELS.get(a, a)} − {SEX_LABELS.get(b, b)}")
    flagged = gap[gap["flagged"]]
    ax2.scatter(pd.to_datetime(flagged[time]), 100 * flagged["gap"], s=110, facecolors="none",
                edgecolors=FLAG_COLOR, linewidths=1.5, zorder=5, label="Signal (band eller EWMA)")
    ax2.set_ylabel(wrap("Skillnad (procentenheter)", 16))
    _panel_key(ax2, ax2.get_legend_handles_labels()[0],
               "Skillnaden mellan könen och dess förväntade band")

    ax3.fill_between(x, -gap["ewma_limit"], gap["ewma_limit"], step="mid", color=BAND_COLOR,
                     alpha=0.5, label="EWMA-gränser")
    ax3.plot(x, gap["ewma"], marker="o", color="#333333", markersize=5, linewidth=1.4,
             label="EWMA av skillnaden (i σ)")
    sig = gap[gap["ewma_signal"] != ""]
    ax3.scatter(pd.to_datetime(sig[time]), sig["ewma"], s=110, facecolors="none",
                edgecolors=FLAG_COLOR, linewidths=1.5, zorder=5, label="EWMA-signal")
    ax3.axhline(0, color="#888888", linewidth=0.8)
    ax3.set_ylabel(wrap("Standardavvikelser", 16))
    _panel_key(ax3, ax3.get_legend_handles_labels()[0], "Ackumulerad avvikelse (EWMA)")
    _baseline(axes, gap, time=time)
    _rotate(ax3)
    return Plot(fig, title or f"{indicator_text} per månad och kön, med kontrollgränser")


def present_levels(chart: pd.DataFrame, levels, *, group: str = "kon") -> list:
    """The ``levels`` the p-chart has months for (a sex without cases has none)."""
    return [level for level in levels if (chart[group] == level).any()]


def has_gap(gap: pd.DataFrame) -> bool:
    """Whether any month has a gap between the sexes (shown or hidden): none when a sex has no
    cases at all, or no month has cases of both."""
    return bool(len(gap) and (gap["gap"].notna() | gap["suppressed"].astype(bool)).any())


def _baseline(axes, gap: pd.DataFrame, *, time: str) -> None:
    """The baseline's months shaded in every panel, and named in the first."""
    base = gap[gap["baseline"].astype(bool)]
    if not len(base):
        return
    for ax in axes:
        ax.axvspan(pd.to_datetime(base[time]).min() - pd.Timedelta(days=15),
                   pd.to_datetime(base[time]).max() + pd.Timedelta(days=15),
                   color="#E8E8E8", alpha=0.5, zorder=0)
    axes[0].text(pd.to_datetime(base[time]).min(), 1.0, "baslinje", transform=axes[0].get_xaxis_transform(),
                 va="top", color="#555555")


def _rotate(ax) -> None:
    for label_ in ax.get_xticklabels():
        label_.set_rotation(30)
        label_.set_horizontalalignment("right")


def _panel_key(ax, handles, heading: str) -> None:
    """A panel's key above it, headed by what the panel shows (no key beside the panel, which
    would narrow the figure on a phone)."""
    # two columns where they fit beside each other over the panel (some 85 % of the
    # figure's width, beside the axis labels), else one
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0),
              ncols=min(2, key_columns(handles, width=0.85 * FIGURE_WIDTH)),
              frameon=False, title=wrap(heading, 48), alignment="left", borderaxespad=0.2,
              columnspacing=1.0, handlelength=1.8)


def gap_table(gap: pd.DataFrame, *, time: str, caption: str = "") -> Table:
    """One row per month: both shares, the gap, its band and the signals, in Swedish."""
    disclosure.require_disclosed(gap, "skillnadstabellen")
    t = gap.attrs[disclosure.ATTR]["threshold"]
    if gap.empty:
        return Table(pd.DataFrame({"Månad": []}), caption, "Inga uppgifter att visa i urvalet.")
    a, b = gap["group_a"].iloc[0], gap["group_b"].iloc[0]

    def signal(r) -> str:
        parts = []
        if r["signal"]:
            parts.append("utanför bandet")
        if r["ewma_signal"]:
            parts.append("EWMA")
        return ", ".join(parts)

    hidden = gap["suppressed"].astype(bool).to_numpy()

    def cells(values, show, *, empty: str = NOT_COMPUTED_MARK) -> list[str]:
        """'..' in a hidden month; ``empty`` where a month has no value (a sex without cases
        that month: its count is 0, its share and the gap cannot be computed)."""
        return [disclosure.SUPPRESSED_MARK if h else (empty if pd.isna(v) else show(v))
                for v, h in zip(values, hidden)]

    frame = pd.DataFrame({
        "Månad": gap[time].map(month_label),
        "Baslinje": np.where(gap["baseline"].astype(bool), "ja", ""),
        f"Antal, {SEX_LABELS.get(a, a)}": cells(gap["n_a"], lambda v: number(v, 0), empty="0"),
        f"Andel, {SEX_LABELS.get(a, a)}": cells(gap["share_a"], percent),
        f"Antal, {SEX_LABELS.get(b, b)}": cells(gap["n_b"], lambda v: number(v, 0), empty="0"),
        f"Andel, {SEX_LABELS.get(b, b)}": cells(gap["share_b"], percent),
        "Skillnad (pe)": cells(100 * gap["gap"], lambda v: number(v, 1, signed=True)),
        "Förväntat band (pe)": [
            disclosure.SUPPRESSED_MARK if h else (NOT_COMPUTED_MARK if pd.isna(lo) or pd.isna(hi)
                                                  else f"{number(100 * lo)} till {number(100 * hi)}")
            for lo, hi, h in zip(gap["lcl"], gap["ucl"], hidden)],
        "Signal": gap.apply(signal, axis=1),
    })
    note = ("pe = procentenheter. 'Utanför bandet': månadens skillnad ligger utanför "
            "baslinjens skillnad ± 3 standardavvikelser. 'EWMA': den vägda, ackumulerade "
            "avvikelsen har passerat sin gräns.")
    if hidden.any():
        note += (f" '..' = visas inte eftersom uppgiften bygger på färre än {t} ärenden "
                 "(röjandekontroll).")
    if (frame.drop(columns=["Månad", "Baslinje", "Signal"]) == NOT_COMPUTED_MARK).any().any():
        note += (f" {NOT_COMPUTED_NOTE[:-1]}: ett kön saknar ärenden den månaden, eller baslinjen "
                 "saknar ärenden för ett av könen.")
    return Table(frame, caption, note)


def describe_control(chart: pd.DataFrame, gap: pd.DataFrame, *, time: str, group: str = "kon",
                     indicator_text: str = "andelen") -> str:
    """Plain Swedish: the baseline levels, the months each chart flags, and the first signal."""
    for frame in (chart, gap):
        disclosure.require_disclosed(frame, "kontrolldiagrammet")
    if gap.empty:
        return f"Det finns inga uppgifter om {indicator_text} i urvalet."
    a, b = gap["group_a"].iloc[0], gap["group_b"].iloc[0]
    base = gap[gap["baseline"].astype(bool)]
    text = []
    if gap["center"].isna().all():
        missing = [SEX_LABELS.get(lv, lv) for lv in (a, b)
                   if chart.loc[chart[group] == lv, "center"].isna().all()]
        text.append("Skillnadens förväntade band kan inte räknas: baslinjen saknar ärenden för "
                    + " och ".join(missing) + ".")
    elif len(base):
        first, last = month_label(base[time].min()), month_label(base[time].max())
        levels = []
        for level in (a, b):
            c = chart.loc[chart[group] == level, "center"].iloc[0]
            levels.append(f"{percent(c)} för {SEX_LABELS.get(level, level)}")
        text.append(f"Under baslinjen ({first} – {last}) var {indicator_text} "
                    f"{' och '.join(levels)}. Kontrollgränserna och skillnadens förväntade band "
                    "räknas från de månaderna och används sedan för varje månad.")
    for level in (a, b):
        sub = chart[chart[group] == level]
        who = SEX_POSSESSIVE.get(level, level)
        if sub.empty or sub["center"].isna().all():  # no limits to be within: nothing to say
            continue
        over = _signal_months(sub, time, sub["signal"] == "over")
        under = _signal_months(sub, time, sub["signal"] == "under")
        if not over and not under:
            text.append(f"{who.capitalize()} andel låg inom kontrollgränserna alla månader.")
        else:
            parts = []
            if under:
                parts.append(f"under den nedre gränsen {len(under)} "
                             f"{'månad' if len(under) == 1 else 'månader'} ({_list(under)})")
            if over:
                parts.append(f"över den övre gränsen {len(over)} "
                             f"{'månad' if len(over) == 1 else 'månader'} ({_list(over)})")
            text.append(f"{who.capitalize()} andel låg " + " och ".join(parts) + ".")
    band = _signal_months(gap, time, gap["signal"] != "")
    smooth = _signal_months(gap, time, gap["ewma_signal"] != "")
    pair = f"{SEX_LABELS.get(a, a)} − {SEX_LABELS.get(b, b)}"
    if gap["center"].isna().all():
        text.append(f"Skillnaden {pair} kan alltså inte följas med styrdiagram.")
    elif not band and not smooth:
        text.append(f"Skillnaden {pair} låg inom sitt förväntade band alla månader, och den "
                    "ackumulerade avvikelsen (EWMA) gav ingen signal: kvalitetsuppföljningen "
                    "visar ingen förändring av skillnaden mellan könen.")
    else:
        if band:
            text.append(f"Skillnaden {pair} låg utanför sitt förväntade band {len(band)} "
                        f"{'månad' if len(band) == 1 else 'månader'} ({_list(band)}).")
        else:
            text.append(f"Ingen enskild månads skillnad {pair} låg utanför sitt förväntade band.")
        if smooth:
            text.append(f"Den ackumulerade avvikelsen (EWMA) gav signal {len(smooth)} "
                        f"{'månad' if len(smooth) == 1 else 'månader'} ({_list(smooth)}).")
        flagged = gap[gap["flagged"]]
        first = flagged.iloc[0]
        direction = ("större än" if first["direction"] == "over" else "mindre än")
        text.append(f"Den första signalen kom i {month_label(first[time])}: skillnaden {pair} "
                    f"var då {direction} under baslinjen. "
                    + ("Signalerna därefter pekar åt samma håll." if
                       (flagged["direction"] == first["direction"]).all() else
                       "Signalerna pekar inte alla åt samma håll."))
    text.append("En signal betyder att skillnaden sannolikt har ändrats, inte varför: den är en "
                "anledning att ta reda på vad som hänt just då.")
    return "\n\n".join(text)


def _months(k: int) -> str:
    """``k`` months in words: "ingen månad", "1 månad", "3 månader"."""
    return "ingen månad" if k == 0 else f"{k} {'månad' if k == 1 else 'månader'}"


def _signals(k: int) -> str:
    """Signals in ``k`` months in words: "ingen signal", "signal 2 månader"."""
    return "ingen signal" if k == 0 else f"signal {_months(k)}"


def control_alt(chart: pd.DataFrame, gap: pd.DataFrame, *, time: str, group: str = "kon",
                indicator_text: str = "andelen") -> str:
    """Alt text of :func:`control_plot`, from the disclosed tables: the months shown, how many
    months each panel flags, and the first signal.

    Parameters
    ----------
    chart, gap : pandas.DataFrame
        The disclosed p-chart and gap tables (:func:`jamtools.disclosure.control.disclose_charts`).
    time, group : str
    indicator_text : str
        The indicator in a sentence ("andelen …").

    Returns
    -------
    str
    """
    for frame in (chart, gap):
        disclosure.require_disclosed(frame, "kontrolldiagrammet")
    if gap.empty:
        return f"Inga uppgifter om {indicator_text} att visa."
    a, b = gap["group_a"].iloc[0], gap["group_b"].iloc[0]
    first, last = month_label(gap[time].min()), month_label(gap[time].max())
    present = present_levels(chart, (a, b), group=group)
    per_sex = []
    for level in present:
        sub = chart[chart[group] == level]
        per_sex.append(f"{SEX_POSSESSIVE.get(level, level)} andel utanför gränserna "
                       f"{_months(int((sub['signal'] != '').sum()))}")
    pair = f"{SEX_LABELS.get(a, a)} − {SEX_LABELS.get(b, b)}"
    if not has_gap(gap):
        absent = [SEX_LABELS.get(lv, lv) for lv in (a, b) if lv not in present]
        why = (f"data saknar ärenden för {' och '.join(absent)}" if absent
               else "ingen månad har ärenden för båda könen")
        return (f"Linjediagram per månad, {first} – {last}: {indicator_text} för "
                f"{' och '.join(SEX_LABELS.get(lv, lv) for lv in present)} med kontrollgränser"
                + (f": {' och '.join(per_sex)}" if per_sex else "")
                + f". Skillnaden {pair} visas inte: den kan inte beräknas, eftersom {why}.")
    text = (f"Tre linjediagram per månad, {first} – {last}. Överst {indicator_text} för "
            f"{SEX_LABELS.get(a, a)} och {SEX_LABELS.get(b, b)} med kontrollgränser: "
            f"{' och '.join(per_sex)}. I mitten skillnaden {pair} med sitt förväntade band: "
            f"utanför bandet {_months(int((gap['signal'] != '').sum()))}. Nederst den "
            f"ackumulerade avvikelsen (EWMA): {_signals(int((gap['ewma_signal'] != '').sum()))}.")
    flagged = gap[gap["flagged"]]
    if len(flagged):
        text += f" Första signalen: {month_label(flagged[time].iloc[0])}."
    hidden = int(gap["suppressed"].astype(bool).sum())
    if hidden:
        text += f" {_months(hidden).capitalize()} visas inte (röjandekontroll)."
    return text


def control_answer(gap: pd.DataFrame, yearly: pd.DataFrame, *, time: str,
                   indicator_text: str = "andelen") -> str:
    """*Svar i korthet* of a control chart: whether and when the gap gave a signal, and the
    last year's gap with its interval in the words of the one verdict rule
    (:func:`jamtools.present.sentences.verdict`).

    Parameters
    ----------
    gap : pandas.DataFrame
        The disclosed gap table.
    yearly : pandas.DataFrame
        The disclosed yearly gaps (comparison layout, ``comparison`` ending in the year).
    time : str
    indicator_text : str
        The indicator in a sentence ("andelen …").

    Returns
    -------
    str
        One or two sentences (Markdown).
    """
    disclosure.require_disclosed(gap, "skillnadstabellen")
    if gap.empty:
        return f"Det finns inga uppgifter om {indicator_text} i urvalet."
    a, b = gap["group_a"].iloc[0], gap["group_b"].iloc[0]
    la, lb = SEX_LABELS.get(a, a), SEX_LABELS.get(b, b)
    flagged = gap[gap["flagged"]]
    if "center" in gap and gap["center"].isna().all():  # no baseline for a group: no chart to signal
        out = [f"Styrdiagrammet kan inte följa skillnaden {la} − {lb} i {indicator_text}: baslinjen "
               "saknar ärenden för ett av könen."]
    elif flagged.empty:
        out = [f"Styrdiagrammet gav ingen signal för skillnaden {la} − {lb} i {indicator_text} "
               f"({month_label(gap[time].min())} – {month_label(gap[time].max())})."]
    else:
        first = flagged.iloc[0]
        bigger = "större" if first["direction"] == "over" else "mindre"
        out = [f"Styrdiagrammet gav den första signalen i {month_label(first[time])}: skillnaden "
               f"{la} − {lb} i {indicator_text} var då {bigger} än under baslinjen "
               f"(signal {_months(len(flagged))} av {len(gap)})."]
    rows = yearly[yearly["measure"] == "risk_difference_pp"] if len(yearly) else yearly
    if len(rows):
        r = rows.iloc[-1]
        year = str(r["comparison"]).rsplit(" ", 1)[-1]
        if not_shown(r):
            out.append(f"Skillnaden för {year} {not_shown(r)}.")
        else:
            conf = conf_percent(r["conf_level"])
            out.append(f"Under {year} var skillnaden {number(r['estimate'], 1, signed=True)} "
                       f"procentenheter ({conf} % KI {interval(r, 1)}): "
                       f"{verdict(r['ci_low'], r['ci_high'], a=la, b=lb, subject=indicator_text)}.")
    return " ".join(out)


def gap_comparisons(gap: pd.DataFrame, *, time: str, outcome: str) -> pd.DataFrame:
    """The disclosed monthly gaps in the comparison layout (for the results JSON).

    ``measure`` is ``gap_pp_control_band``: ``estimate`` is the month's gap in percentage
    points and ``ci_low``/``ci_high`` its control band (``conf_level`` the band's coverage for
    a stable process, 99.73 % at 3σ); ``warning`` names the signal, empty when none.
    """
    disclosure.require_disclosed(gap, "skillnadstabellen")
    rows = []
    for _, r in gap.iterrows():
        sigma = float(r["sigma"])
        parts = []
        if r["signal"]:
            parts.append(f"signal: utanför bandet ({r['signal']})")
        if r["ewma_signal"]:
            parts.append(f"signal: EWMA ({r['ewma_signal']})")
        rows.append({"outcome": outcome,
                     "comparison": f"{r['group_a']} − {r['group_b']} {pd.Timestamp(r[time]):%Y-%m}",
                     "group_a": r["group_a"], "group_b": r["group_b"],
                     "measure": "gap_pp_control_band", "estimate": 100 * r["gap"],
                     "ci_low": 100 * r["lcl"], "ci_high": 100 * r["ucl"],
                     "conf_level": float(2 * sps.norm.cdf(sigma) - 1), "p_value": np.nan,
                     "test": (f"Shewhart {number(sigma, 0)}σ; EWMA λ = {number(r['ewma_lambda'], 2)}, "
                              f"L = {number(r['ewma_l'], 3)}"),
                     "n_a": r["n_a"], "events_a": r["events_a"], "n_b": r["n_b"],
                     "events_b": r["events_b"], "adjusted": False, "adjusted_for": "",
                     "method": "p-diagram med baslinje", "mdd_pp": np.nan,
                     "warning": "; ".join(parts)})
    out = disclosure.disclose_comparisons(pd.DataFrame(rows, columns=COMPARISON_COLUMNS),
                                          threshold=gap.attrs[disclosure.ATTR]["threshold"])
    hidden = gap["suppressed"].astype(bool).to_numpy()
    out.loc[hidden, "suppressed"] = True
    out.loc[hidden, "suppression_reason"] = gap.loc[hidden, "suppression_reason"].to_numpy()
    return out


def yearly_table(comparisons: pd.DataFrame, *, caption: str = "") -> Table:
    """The yearly gaps (:func:`yearly_gaps`) as :func:`jamtools.present.report.comparison_table`, or a
    table that says there is nothing to show."""
    disclosure.require_disclosed(comparisons, "jämförelsetabellen")
    if comparisons.empty:
        return Table(pd.DataFrame({"Jämförelse": []}), caption, "Inga uppgifter att visa i urvalet.")
    return comparison_table(comparisons, caption=caption)


__all__ = ["BAND_COLOR", "FLAG_COLOR", "MONTHS", "control_alt", "control_answer", "control_plot", "has_gap", "present_levels",
           "describe_control", "gap_comparisons", "gap_table", "month_label", "yearly_table"]
