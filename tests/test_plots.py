"""The book's figures: the line of no difference where it belongs, a second cue besides colour
for the sexes, and text a reader can read on a phone.

Every figure function of the book is drawn here from small disclosed results (:func:`gallery`):

- the line of no difference is at 0 for differences and at 1 for ratios;
- where the sexes are told apart by colour, their artists (points, boxes, bars, lines) and
  their key entries also differ by marker, hatch or line style, so the figure reads in grey
  scale; a hidden value carries the group's name;
- at the width of a phone (:data:`jamtools.present.plots.PHONE_WIDTH_PX`), the smallest text
  of each figure, as saved, is at least :data:`jamtools.present.plots.MIN_PHONE_FONT_PX`.
"""
from __future__ import annotations

import io

import matplotlib
import matplotlib.colors
import matplotlib.patches
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from PIL import Image
from matplotlib.figure import Figure

from jamtools import disclosure
from jamtools.chapters import audit, representation, resources
from jamtools.disclosure import analyses as analysis
from jamtools.disclosure.control import disclose_charts
from jamtools.disclosure.curves import disclose_curve
from jamtools.disclosure.segregation import disclose_dissimilarity
from jamtools.disclosure.text import disclose_words
from jamtools.present import control_charts, curves, plots, segregation
from jamtools.present import text as words
from jamtools.stats import control, rates
from jamtools.stats import text as text_stats
from jamtools.stats.categorical import dissimilarity_by_period, distribution_by_group
from jamtools.stats.competing import cumulative_incidence

SEXES = ("kvinna", "man")


def _comparisons(measure, estimate, low, high):
    return disclosure.disclose_comparisons(pd.DataFrame([{
        "outcome": "timmar", "comparison": "kvinna − man", "group_a": "kvinna", "group_b": "man",
        "measure": measure, "estimate": estimate, "ci_low": low, "ci_high": high, "p_value": 0.01,
        "adjusted": False, "adjusted_for": "", "n_a": 100, "n_b": 100, "events_a": np.nan,
        "events_b": np.nan}]), threshold=5)


@pytest.mark.parametrize("measure,estimate,null", [
    ("mean_difference", 2.5, 0.0), ("risk_difference_pp", -4.0, 0.0), ("median_difference", 1.0, 0.0),
    ("risk_ratio", 1.3, 1.0), ("hazard_ratio", 0.75, 1.0), ("odds_ratio", 0.8, 1.0),
])
def test_difference_plot_reference_line(measure, estimate, null):
    fig = plots.difference_plot(_comparisons(measure, estimate, estimate - 1 if null == 0 else estimate * 0.9,
                                             estimate + 1 if null == 0 else estimate * 1.1),
                                measure=measure).fig
    [ax] = fig.axes
    vertical = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1
                and line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in vertical] == [null]


# --- Every figure of the book, from small disclosed results ----------------------------------

def _people(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kon = rng.choice(SEXES, n)
    grupp = rng.choice(["Ensamstående med barn", "Sammanboende utan barn",
                        "Ensamstående utan barn, bor i kommunens södra del"], n)
    adl = rng.integers(0, 4, n)
    return pd.DataFrame({
        "kon": kon, "grupp": grupp, "adl": adl, "ar": rng.choice([2021, 2022, 2023], n),
        "utfall": (rng.random(n) < np.where(kon == "kvinna", 0.4, 0.55)).astype(int),
        "timmar": rng.gamma(4, 5, n) + 3 * adl,
        "instrument": rng.choice(["Fiol", "Gitarr", "Trummor", "Piano"], n),
    })


def _hidden_men_in_one_group(data: pd.DataFrame) -> pd.DataFrame:
    """Only two men in one group, so that their share is hidden ('..')."""
    few = (data["grupp"] == "Sammanboende utan barn") & (data["kon"] == "man")
    return pd.concat([data[~few], data[few].head(2)], ignore_index=True)


def _curves():
    rng = np.random.default_rng(3)
    frames = []
    for kon, rate in (("kvinna", 1 / 900), ("man", 1 / 600)):
        t = rng.exponential(1 / rate, 300).clip(1, 720).round()
        status = np.where(t >= 720, 0, rng.choice([1, 2], 300, p=[0.7, 0.3]))
        frames.append(pd.DataFrame({"kon": kon, "dagar": t, "status": status}))
    data = pd.concat(frames, ignore_index=True)
    grid = np.arange(0, 721, 30.0)
    out = pd.concat([cumulative_incidence(d, "dagar", "status", times=grid).assign(kon=k)
                     for k, d in data.groupby("kon")], ignore_index=True)
    return disclose_curve(out, threshold=5)


def _control():
    rng = np.random.default_rng(4)
    rows = []
    for m in range(1, 25):
        month = pd.Timestamp(2023, 1, 1) + pd.DateOffset(months=m - 1)
        for kon, p in (("kvinna", 0.7 if m < 13 else 0.8), ("man", 0.7)):
            n = int(rng.integers(60, 90))
            rows.append({"manad": month, "kon": kon, "taljare": int(rng.binomial(n, p)), "namnare": n})
    data = pd.DataFrame(rows)
    return disclose_charts(control.p_chart(data, time="manad", baseline=12, levels=SEXES),
                           control.gap_chart(data, time="manad", baseline=12, levels=SEXES),
                           time="manad", threshold=5)


def _words():
    rows = []
    for i in range(20):
        rows.append((f"K{i}", "kvinna", "samtal om omsorg och oro för barnet och ansvar"
                     + (" stöd" if i < 9 else "")))
        rows.append((f"M{i}", "man", "samtal om arbete och ekonomi och boende för barnet"
                     + (" stöd" if i < 7 else "")))
    notes = pd.DataFrame(rows, columns=["person_id", "kon", "anteckning"])
    counts = text_stats.count_words(notes, levels=SEXES)
    return words.top_words(disclose_words(text_stats.distinctive_words(counts), threshold=5), 5)


def _rates():
    rng = np.random.default_rng(5)
    cells = pd.DataFrame([{"ar": 2023, "aldersgrupp": g, "kon": k,
                           "population": float(rng.integers(2000, 4000)),
                           "events": float(rng.integers(20, 90))}
                          for g in ("65–74 år", "75–84 år", "85 år och äldre") for k in SEXES])
    by_age = representation.disclose_rates(rates.rate_by_group(cells, "kon", by="aldersgrupp"),
                                           threshold=5, by="aldersgrupp")
    comps = disclosure.disclose_comparisons(pd.concat([
        rates.rate_ratio(cells, "kon", levels=SEXES),
        rates.standardised_rate_ratio(cells, "kon", levels=SEXES, strata="aldersgrupp"),
        rates.mantel_haenszel_rate_ratio(cells, "kon", levels=SEXES, strata="aldersgrupp"),
    ], ignore_index=True), threshold=5)
    return by_age, comps


def _audit_summary():
    """An audit summary as :func:`jamtools.chapters.audit.audit_summary` shapes it (disclosed)."""
    summary = pd.DataFrame({"tabell": ["ht_beslut", "eb_klienter", "bof_utredningar", "ks_elever"],
                            "status": ["ok", "ok", "ok", "saknas"],
                            "andel_kant": [1.0, 0.93, 0.999, np.nan]})
    summary.attrs[disclosure.ATTR] = {"threshold": 5}
    return summary


def draw_gallery() -> dict:
    """Every figure function, drawn: name -> (Plot, the two sexes it tells apart or None)."""
    data = _people()
    binary = analysis.binary_outcome(data, "utfall", levels=SEXES, by="grupp",
                                     covariates=["adl"], threshold=5)
    amounts = analysis.amount_outcome(data, "timmar", covariates=["adl"], levels=SEXES, by="grupp",
                                      threshold=5, n_boot=100)
    few = _hidden_men_in_one_group(data)
    hidden_shares = analysis.binary_outcome(few, "utfall", levels=SEXES, by="grupp", threshold=5)
    hidden_amounts = analysis.amount_outcome(few, "timmar", levels=SEXES, by="grupp", threshold=5,
                                             n_boot=20)
    by_year = analysis.amount_gap_by_period(data, "timmar", "ar", covariates=["adl"], levels=SEXES,
                                            threshold=5)
    dist = disclosure.disclose_distribution(distribution_by_group(data, "instrument"),
                                            "instrument", threshold=5)
    dissimilarity = disclose_dissimilarity(
        dissimilarity_by_period(data, "instrument", "ar", levels=SEXES, n_boot=100), threshold=5)
    chart, gap = _control()
    by_age, ratios = _rates()
    spec = resources.RESOURCE_TABLES["ht_beslut"]
    need = resources.effective_spec(spec, [])
    result = resources.resource_distribution(
        data.rename(columns={"timmar": "beviljade_timmar"})[["kon", "beviljade_timmar"]], need,
        threshold=5)
    return {
        "shares_plot": (plots.shares_plot(binary.by_shares, by="grupp", title="Andel med utfallet"),
                        SEXES),
        "distribution_plot": (plots.distribution_plot(dist, "instrument"), SEXES),
        "difference_plot": (plots.difference_plot(binary.comparisons, title="Skillnad"), None),
        "amount_distribution_plot": (plots.amount_distribution_plot(
            amounts.by_summary, by="grupp", title="Timmar per månad efter grupp och kön"), SEXES),
        "amount_difference_plot": (plots.amount_difference_plot(amounts.comparisons), None),
        "gap_by_period_plot": (plots.gap_by_period_plot(by_year, change_at=2022), None),
        "no_data_plot": (plots.no_data_plot(), None),
        "curve_plot": (curves.curve_plot(_curves(), panels={1: "Självförsörjande",
                                                            2: "Annat avslut (konkurrerande)"},
                                         title="Kumulativ incidens efter kön"), SEXES),
        "control_plot": (control_charts.control_plot(chart, gap, time="manad",
                                                     indicator_text="Andel i tid"), SEXES),
        "dissimilarity_plot": (segregation.dissimilarity_plot(dissimilarity, change_at=2022,
                                                              title="Olikhetsindex"), None),
        "distributions_plot": (segregation.distributions_plot(
            {"före 2022": dist, "från 2022": dist}, "instrument", title="Instrumentval"), SEXES),
        "words_plot": (words.words_plot(_words(), title="Ord"), SEXES),
        "audit_plot": (audit.audit_plot(_audit_summary(), title="Andel med känt kön"), None),
        "rates_plot": (representation.rates_plot(by_age, title="Per 1 000 invånare"), SEXES),
        "ratio_plot": (representation.ratio_plot(ratios, title="Kvot"), None),
        "resource_shares_plot": (resources.shares_plot(result, need, title="Andelar"), SEXES),
        "lorenz_plot": (resources.lorenz_plot(result.lorenz, need, title="Lorenzkurvor"), SEXES),
        # with a hidden value ('..'): not new figure functions
        "shares_plot, dold": (plots.shares_plot(hidden_shares.by_shares, by="grupp"), SEXES),
        "amount_distribution_plot, dold": (plots.amount_distribution_plot(
            hidden_amounts.by_summary, by="grupp"), SEXES),
    }


@pytest.fixture(scope="module")
def gallery() -> dict:
    return draw_gallery()


FIGURES = ["shares_plot", "distribution_plot", "difference_plot", "amount_distribution_plot",
           "amount_difference_plot", "gap_by_period_plot", "no_data_plot", "curve_plot",
           "control_plot", "dissimilarity_plot", "distributions_plot", "words_plot", "audit_plot",
           "rates_plot", "ratio_plot", "resource_shares_plot", "lorenz_plot"]
BY_SEX = [name for name in FIGURES if name not in {
    "difference_plot", "amount_difference_plot", "gap_by_period_plot", "no_data_plot",
    "dissimilarity_plot", "audit_plot", "ratio_plot"}]


def test_the_gallery_has_every_figure(gallery):
    assert sorted(k for k in gallery if ", dold" not in k) == sorted(FIGURES)


# --- Readable on a phone ------------------------------------------------------------------

@pytest.mark.parametrize("name", FIGURES)
def test_every_text_reads_on_a_phone(gallery, name):
    """At 390 CSS pixels, the figure (as saved, key and labels included) is scaled by
    390 / its width; its smallest text must still be 9 pixels high."""
    plot, _ = gallery[name]
    width = Image.open(io.BytesIO(plot._repr_png_())).size[0]
    sizes = [t.get_fontsize() for t in plot.fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip()]
    smallest = min(sizes) * plots.FIGURE_DPI / 72 * plots.PHONE_WIDTH_PX / width
    assert smallest == pytest.approx(plots.phone_font_px(plot))
    assert smallest >= plots.MIN_PHONE_FONT_PX, (name, width, min(sizes))
    assert min(sizes) >= plots.SMALLEST_FONT
    assert width <= plots.FIGURE_DPI * plots.FIGURE_WIDTH * 1.05, "wider than the book's figures"


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_fits_in_its_width_and_is_drawn_once(gallery, name, monkeypatch):
    """The PNG is the figure as laid out, 6 inches wide: nothing reaches outside it (so no
    second drawing cuts it to what was drawn), and it is drawn once."""
    plot, _ = gallery[name]
    draws, dpi, canvas = [], plot.fig.dpi, plot.fig.canvas
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    png = Image.open(io.BytesIO(plot._repr_png_()))
    assert png.size[0] == round(plots.FIGURE_WIDTH * plots.FIGURE_DPI), "something reaches outside"
    assert abs(png.size[1] - plot.fig.get_figheight() * plots.FIGURE_DPI) <= 1
    assert len(draws) == 1
    assert plot.fig.dpi == dpi and plot.fig.canvas is canvas  # the figure as it was


def test_a_figure_with_text_outside_is_saved_with_it():
    """What reaches outside the figure is kept: the PNG is cut to what was drawn, as
    savefig's bbox_inches="tight"."""
    fig = plots.new_figure(2.0)
    ax = fig.subplots()
    fig.text(1.02, 0.5, "utanför figuren")  # the layout leaves figure texts where they are
    png = Image.open(io.BytesIO(plots.Plot(fig)._repr_png_()))
    tight = io.BytesIO()
    fig.savefig(tight, format="png", dpi=plots.FIGURE_DPI, bbox_inches="tight")
    assert png.size[0] > plots.FIGURE_WIDTH * plots.FIGURE_DPI + 50  # the text's width, about
    # (a second layout of the same figure may move it by a pixel or two)
    assert abs(png.size[0] - Image.open(tight).size[0]) <= 4 and png.size[1] == Image.open(tight).size[1]


def test_the_phone_rule_fails_a_wide_figure_with_small_text():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.0))
    ax = fig.subplots()
    ax.set_xlabel("Andel", fontsize=9)
    ax.tick_params(labelsize=9)
    assert plots.phone_font_px(plots.Plot(fig)) < plots.MIN_PHONE_FONT_PX


# --- A second cue besides colour --------------------------------------------------------------

def _color(artist) -> str | None:
    """The artist's colour as hex: a line's colour, a patch's edge (boxes are drawn light inside
    with the sex's colour at the edge, bars solid), a collection's face."""
    try:
        if isinstance(artist, Line2D):
            return matplotlib.colors.to_hex(artist.get_color())
        if isinstance(artist, matplotlib.patches.Patch):
            face = matplotlib.colors.to_hex(artist.get_facecolor())
            edge = matplotlib.colors.to_hex(artist.get_edgecolor())
            return edge if edge not in ("#ffffff", "#000000") else face
        if isinstance(artist, PolyCollection):
            return None  # interval bands: the line they belong to carries the cue
        if isinstance(artist, matplotlib.text.Text):
            return matplotlib.colors.to_hex(artist.get_color())
    except (ValueError, TypeError):
        return None
    return None


def _cue(artist) -> tuple:
    """Everything that tells an artist apart except its colour."""
    if isinstance(artist, Line2D):
        marker = artist.get_marker()
        return ("line", str(marker) if marker not in (None, "None", "") else "",
                artist.get_linestyle() if len(artist.get_xdata()) > 1 else "")
    if isinstance(artist, matplotlib.patches.Patch):
        return ("patch", artist.get_hatch() or "")
    if isinstance(artist, matplotlib.text.Text):
        return ("text", artist.get_text())
    return (type(artist).__name__,)


def _artists_by_sex(plot, levels) -> dict:
    """The drawn artists (not the key) in each sex's colour, by their non-colour cue."""
    colors = {lvl: plots.SEX_COLORS[lvl].lower() for lvl in levels}
    out = {lvl: set() for lvl in levels}
    for ax in plot.fig.axes:
        legend = ax.get_legend()
        keyed = set(legend.get_children()) if legend else set()
        for artist in [*ax.lines, *ax.patches, *ax.texts]:
            if artist in keyed:
                continue
            c = _color(artist)
            for lvl, col in colors.items():
                if c == col:
                    out[lvl].add(_cue(artist))
    return out


def _key_entries(plot) -> dict:
    """The key's entries: label -> the non-colour cue of its symbol."""
    legends = [*plot.fig.legends, *(ax.get_legend() for ax in plot.fig.axes if ax.get_legend())]
    out = {}
    for legend in legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            out[text.get_text()] = _cue(handle)
    return out


@pytest.mark.parametrize("name", BY_SEX)
def test_the_sexes_differ_by_more_than_colour(gallery, name):
    """In grey scale the two sexes' colours can look alike: their points, boxes, bars or lines
    must also differ in shape, hatch or line style, and so must their entries in the key."""
    plot, levels = gallery[name]
    drawn = _artists_by_sex(plot, levels)
    assert all(drawn.values()), f"{name}: a sex has nothing drawn in its colour"
    shapes = {lvl: {c for c in cues if c[0] != "text"} for lvl, cues in drawn.items()}
    a, b = levels
    assert shapes[a] != shapes[b] and not shapes[a] <= shapes[b], (name, shapes)
    entries = _key_entries(plot)
    from jamtools.present.report import SEX_LABELS

    named = {lvl: [cue for label, cue in entries.items()
                   if label.lower().startswith(SEX_LABELS[lvl]) or
                   label.lower() == f"mer om {SEX_LABELS[lvl]}"] for lvl in levels}
    assert named[a] and named[b], (name, entries)
    assert named[a][0] != named[b][0], f"{name}: the key shows the sexes by colour alone"


@pytest.mark.parametrize("name", ["shares_plot", "amount_distribution_plot"])
def test_a_hidden_value_names_its_group(gallery, name):
    """A hidden value is '..' at its place, and the group's name says whose it is."""
    plot, _ = gallery[f"{name}, dold"]
    texts = [t.get_text() for ax in plot.fig.axes for t in ax.texts]
    assert texts.count("..") >= 1
    assert any(t == "(män visas inte)" for t in texts), texts


def _ink(grey: np.ndarray, patch) -> float:
    """The share of a box's inside (in a grey-scale rendering) that differs clearly from its
    commonest grey: hatch lines, the median's line and the mean's point."""
    box = patch.get_window_extent()
    height = grey.shape[0]
    inside = grey[height - int(box.y1) + 3:height - int(box.y0) - 3, int(box.x0) + 3:int(box.x1) - 3]
    values, counts = np.unique(inside.round(), return_counts=True)
    return float((abs(inside - values[counts.argmax()]) > 25).mean())


def test_the_box_plot_differs_by_hatch_in_grey_scale(gallery):
    """Rendered in grey scale, the women's boxes are crossed by hatch lines and the men's are
    plain: the sexes are told apart without their colours."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    plot, _ = gallery["amount_distribution_plot"]
    canvas = FigureCanvasAgg(plot.fig)
    canvas.draw()
    grey = np.asarray(canvas.buffer_rgba())[..., :3].astype(float) @ [0.299, 0.587, 0.114]
    ink = {lvl: [_ink(grey, p) for p in plot.fig.axes[0].patches
                 if matplotlib.colors.to_hex(p.get_edgecolor()) == plots.SEX_COLORS[lvl].lower()]
           for lvl in SEXES}
    assert len(ink["kvinna"]) == len(ink["man"]) == 3
    assert min(ink["kvinna"]) > 2 * max(ink["man"]) + 0.05, ink


def test_wrap_breaks_long_labels_and_keeps_short_ones():
    assert plots.wrap("Ensamstående utan barn, bor i kommunens södra del") == \
        "Ensamstående utan barn,\nbor i kommunens södra\ndel"
    assert plots.wrap("Fiol") == "Fiol"
    assert all(len(line) <= plots.LABEL_WIDTH
               for line in plots.wrap("Andel om kvinnor fått som män med samma behov").split("\n"))


def test_an_interval_past_its_estimate_by_rounding_draws_no_negative_arm():
    """A share of 100 % whose upper limit is computed as 0.99999…: the arm is 0, not an error
    (matplotlib refuses negative error bars)."""
    from matplotlib.figure import Figure

    from jamtools.present.plots import intervals

    ax = Figure().subplots()
    intervals(ax, [1.0, 0.5], [0, 1], [0.93, 0.4], [1.0 - 1e-15, 0.6])
    intervals(ax, 1.0, 2, 0.9, 1.0 - 1e-15, vertical=True)


def test_a_control_chart_of_one_sex_has_no_empty_panels():
    """um_02 on an export of women only: no month has a gap, so the figure is the women's share
    alone (not two empty panels and a key for men), the alt text says why the gap is missing,
    and the month table shows the men's 0 cases and '–', not '..' (which means hidden)."""
    rng = np.random.default_rng(4)
    data = pd.DataFrame([{"manad": pd.Timestamp(2023, 1, 1) + pd.DateOffset(months=m), "kon": "kvinna",
                          "taljare": int(rng.binomial(80, 0.7)), "namnare": 80} for m in range(24)])
    chart, gap = disclose_charts(control.p_chart(data, time="manad", baseline=12, levels=SEXES),
                                 control.gap_chart(data, time="manad", baseline=12, levels=SEXES),
                                 time="manad", threshold=5)
    assert not control_charts.has_gap(gap) and control_charts.has_gap(_control()[1])
    plot = control_charts.control_plot(chart, gap, time="manad", indicator_text="Andel i tid")
    assert len(plot.fig.axes) == 1
    labels = [t.get_text() for t in plot.fig.axes[0].get_legend().get_texts()]
    assert "Kvinnor" in labels and "Män" not in labels
    assert plot._repr_png_().startswith(b"\x89PNG")
    alt = control_charts.control_alt(chart, gap, time="manad", indicator_text="andelen i tid")
    assert "data saknar ärenden för män" in alt and "I mitten" not in alt
    frame = control_charts.gap_table(gap, time="manad").frame
    assert set(frame["Antal, män"]) == {"0"} and set(frame["Skillnad (pe)"]) == {"–"}
    assert not (frame == disclosure.SUPPRESSED_MARK).any().any()
    both = control_charts.control_plot(*_control(), time="manad", indicator_text="Andel i tid")
    assert len(both.fig.axes) == 3


def test_a_gap_that_could_not_be_computed_is_marked_apart_from_a_hidden_one():
    by_year = pd.DataFrame({"period": [2021, 2022, 2023], "adjusted": [False] * 3,
                            "estimate": [1.0, np.nan, np.nan], "ci_low": [0.0, np.nan, np.nan],
                            "ci_high": [2.0, np.nan, np.nan], "suppressed": [False, True, False]})
    by_year.attrs[disclosure.ATTR] = {"threshold": 5}
    plot = plots.gap_by_period_plot(by_year)
    marks = sorted(t.get_text() for t in plot.fig.axes[0].texts)
    assert marks == sorted([disclosure.SUPPRESSED_MARK, "–"])
