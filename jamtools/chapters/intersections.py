"""Intersectional groups: an outcome for groups of women and men split by more than sex.

The 4R method's question "Vilka effekter får insatserna för olika grupper av kvinnor och män?"
asks for the outcome by sex crossed with other characteristics (age group, country of birth,
household type). Two things make it hard, and this module handles both:

- **small groups**: every added characteristic multiplies the number of groups, so the people
  are spread over more and smaller cells. :func:`group_shares` gives the share per group with
  Wilson intervals, disclosed with primary and secondary suppression
  (:func:`jamtools.disclosure.disclose_shares`); :func:`detail_overview` shows, level by level,
  how many groups there are and how many must be hidden;
- **many comparisons**: rather than testing every cell, the question whether the sex gap
  *differs* between two groups is one parameter, the interaction in a logistic model
  (:func:`interaction_effect`), with its interval, on the odds scale and (standardised) in
  percentage points.

:func:`groups_of_women_and_men` is the chapter ``r4_04_olika_grupper`` as a
:class:`~jamtools.present.page.Page`.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from scipy import stats as sps

from jamtools import disclosure, stats
from jamtools.data.derive import ADULT_AGE_GROUPS, BIRTH_LEVELS, age_group, birth_country
from jamtools.data.model import ADULT_SEXES, code_levels
from jamtools.present import plots, report
from jamtools.present.page import Page, figure, items
from jamtools.present.report import SEX_LABELS, Table, covariates_text, interval, label, number, percent
from jamtools.present.sentences import direction, not_shown, shares_alt, verdict
from jamtools.stats.binary import COMPARISON_COLUMNS
from jamtools.stats.design import covariate_columns

#: Measure names of the interaction: the difference of the two sex gaps (percentage points)
#: and the ratio of the two odds ratios.
INTERACTION_PP = "interaction_pp"
INTERACTION_OR = "interaction_odds_ratio"
MSG_TOO_FEW = "För få observationer i någon av de fyra grupperna för att skatta samspelet."


#: Codes of the derived column ``fodelseland`` (from ``fodd_i_sverige``).


def _row(**kw) -> dict:
    row = dict.fromkeys(COMPARISON_COLUMNS, np.nan)
    row.update(warning="", adjusted=False, adjusted_for="")
    row.update(kw)
    return row


def interaction_effect(data: pd.DataFrame, outcome: str, *, factor: str, factor_levels,
                       group: str = "kon", levels=ADULT_SEXES, covariates=(),
                       conf_level: float = 0.95, weight: str | None = None) -> pd.DataFrame:
    """Does the sex gap in a yes/no outcome differ between two groups (e.g. born in Sweden or
    abroad)? A logistic model with an interaction, on the collapsed table.

    Fits :math:`\\operatorname{logit} P(Y=1) = \\beta_0 + \\beta_g g + \\beta_f f + \\beta_{gf}\\,gf
    + \\sum\\gamma_k x_k` (binomial GLM on the cells), where :math:`g = 1` for ``levels[0]``
    and :math:`f = 1` for ``factor_levels[1]``. Returns, in the common comparison layout:

    - per factor level, the sex difference in percentage points (``risk_difference_pp``,
      comparison ``"a − b, <level>"``), standardised over the whole sample's covariates
      (g-formula) with a delta-method interval;
    - :data:`INTERACTION_PP`: the second level's difference minus the first's
      (a difference in differences), delta-method interval;
    - :data:`INTERACTION_OR`: :math:`e^{\\beta_{gf}}`, the ratio of the two odds ratios, with the
      Wald interval; its p-value (the Wald test of :math:`\\beta_{gf} = 0`) is also given to
      the percentage-point row.

    Without ``covariates`` the model is saturated: the shares are the observed ones, the
    difference in differences is the crude one, and :math:`\\beta_{gf}` is the difference of the
    two observed log odds ratios with standard error :math:`\\sqrt{\\sum 1/\\text{cell}}` over
    the eight cells (Woolf). ``n_a``/``n_b`` are the sizes of the two sexes (per level for the
    per-level rows). A row with a warning and no estimate is returned when a group is empty or
    everyone (no one) in it has the outcome. ``weight``: for a cell table, the column with the
    number of units each row stands for.
    """
    a, b = levels
    f0, f1 = factor_levels
    covariates = list(covariates)
    d = data[data[group].isin(levels) & data[factor].isin(factor_levels)]
    table = stats.collapse(d, outcome, [group, factor, *covariates], weights=weight) if len(d) \
        else pd.DataFrame(columns=[group, factor, *covariates, "n", "events"])
    table = table[table["n"] > 0].reset_index(drop=True)
    adjusted_for = ", ".join(covariates)
    meta = dict(outcome=outcome, group_a=a, group_b=b, conf_level=conf_level,
                adjusted=bool(covariates), adjusted_for=adjusted_for)
    cells = {(g, f): (float(table.loc[(table[group] == g) & (table[factor] == f), "n"].sum()),
                      float(table.loc[(table[group] == g) & (table[factor] == f), "events"].sum()))
             for g in levels for f in factor_levels}

    def counts(f=None):
        fs = [f] if f is not None else [f0, f1]
        return dict(n_a=sum(cells[(a, x)][0] for x in fs), events_a=sum(cells[(a, x)][1] for x in fs),
                    n_b=sum(cells[(b, x)][0] for x in fs), events_b=sum(cells[(b, x)][1] for x in fs))

    specs = [(f"{a} − {b}, {f0}", "risk_difference_pp", counts(f0)),
             (f"{a} − {b}, {f1}", "risk_difference_pp", counts(f1)),
             (f"({a} − {b}, {f1}) − ({a} − {b}, {f0})", INTERACTION_PP, counts()),
             (f"({a} / {b}, {f1}) / ({a} / {b}, {f0})", INTERACTION_OR, counts())]
    degenerate = any(n == 0 or ev == 0 or ev == n for n, ev in cells.values())
    fit = None
    if not degenerate:
        g = (table[group] == a).astype(float)
        f = (table[factor] == f1).astype(float)
        x = pd.concat([pd.DataFrame({"const": 1.0, "g": g, "f": f, "gf": g * f}, index=table.index),
                       covariate_columns(table, covariates)], axis=1)
        endog = np.column_stack([table["events"], table["n"] - table["events"]])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = GLM(endog, x, family=families.Binomial()).fit()
            if not np.all(np.isfinite(fit.cov_params().to_numpy())) or np.abs(fit.params).max() > 15:
                fit = None
        except Exception:  # singular design, separation
            fit = None
    if fit is None:
        warnings.warn(MSG_TOO_FEW, UserWarning, stacklevel=2)
        return pd.DataFrame([_row(**meta, comparison=c, measure=m, warning=MSG_TOO_FEW, **k)
                             for c, m, k in specs], columns=COMPARISON_COLUMNS)
    beta, cov = fit.params.to_numpy(), fit.cov_params().to_numpy()
    w = table["n"].to_numpy(float) / table["n"].sum()
    base_x = x.to_numpy()
    cols = list(x.columns)
    ig, i_f, igf = cols.index("g"), cols.index("f"), cols.index("gf")

    def standardised(gv, fv):
        xs = base_x.copy()
        xs[:, ig], xs[:, i_f], xs[:, igf] = gv, fv, gv * fv
        p = 1 / (1 + np.exp(-(xs @ beta)))
        return float(w @ p), (w * p * (1 - p)) @ xs

    pr = {(gv, fv): standardised(gv, fv) for gv in (1, 0) for fv in (0, 1)}
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    p_int = float(2 * sps.norm.sf(abs(beta[igf] / math.sqrt(cov[igf, igf]))))
    rows = []
    for (comparison, measure, k), contrast in zip(specs[:3], (
            ((1, 0), (0, 0), None), ((1, 1), (0, 1), None), ((1, 1), (0, 1), ((1, 0), (0, 0))))):
        est = pr[contrast[0]][0] - pr[contrast[1]][0]
        grad = pr[contrast[0]][1] - pr[contrast[1]][1]
        if contrast[2] is not None:
            est -= pr[contrast[2][0]][0] - pr[contrast[2][1]][0]
            grad = grad - (pr[contrast[2][0]][1] - pr[contrast[2][1]][1])
        se = float(np.sqrt(grad @ cov @ grad))
        p = p_int if measure == INTERACTION_PP else float(2 * sps.norm.sf(abs(est / se))) if se > 0 else np.nan
        rows.append(_row(**meta, **k, comparison=comparison, measure=measure, estimate=100 * est,
                         ci_low=100 * (est - z * se), ci_high=100 * (est + z * se), p_value=p,
                         test="Wald-test (logistisk regression)" if measure == INTERACTION_PP
                         else "z-test (deltametoden)",
                         method="standardisering (g-formel), logistisk regression med samspel"))
    bg, sg = beta[igf], math.sqrt(cov[igf, igf])
    rows.append(_row(**meta, **specs[3][2], comparison=specs[3][0], measure=INTERACTION_OR,
                     estimate=math.exp(bg), ci_low=math.exp(bg - z * sg), ci_high=math.exp(bg + z * sg),
                     p_value=p_int, test="Wald-test (logistisk regression)",
                     method="logistisk regression med samspel"))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def group_shares(data: pd.DataFrame, outcome: str, dims, *, group: str = "kon",
                 conf_level: float = 0.95, threshold: int = disclosure.DEFAULT_THRESHOLD,
                 weight: str | None = None, levels: dict | None = None) -> pd.DataFrame:
    """The share with ``outcome`` per sex within every combination of ``dims``, with Wilson
    intervals, disclosed: a group with fewer than ``threshold`` people, or fewer than
    ``threshold`` with or without the outcome, is hidden, and so are further groups where the
    hidden one could otherwise be recovered from the others and the totals per sex
    (:func:`jamtools.disclosure.disclose_shares`). ``weight``: for a cell table, the column
    with the number of people each row stands for.

    Every combination of the levels is a row, empty or not: ``levels`` maps a column to its
    levels (the data model's codes, :func:`jamtools.data.model.code_levels`); a column not
    named has the levels observed in ``data``. An empty group is hidden as a small one, with the
    same reason, so the rows tell no one which small groups exist."""
    dims = list(dims)
    counts = stats.collapse(data, outcome, [*dims, group], weights=weight)
    shares = stats.share_by_group(counts, group, by=dims, conf_level=conf_level,
                                  cell_levels=dict(levels or {}))
    return disclosure.disclose_shares(shares, threshold=threshold, group=group, by=dims, hide_empty=True)


def detail_overview(data: pd.DataFrame, outcome: str, steps: dict, *, group: str = "kon",
                    conf_level: float = 0.95,
                    threshold: int = disclosure.DEFAULT_THRESHOLD,
                    weight: str | None = None, levels: dict | None = None) -> pd.DataFrame:
    """How many groups each level of detail gives, and how many of them can be shown.

    ``steps`` maps a label to the characteristics crossed with sex at that level (e.g.
    ``{"kön": [], "kön × födelseland": ["fodelseland"], ...}``). Per step: the number of
    possible groups (the product of the levels, ``levels`` as :func:`group_shares` takes it,
    times the sexes), the groups shown and hidden, and the share of the people who are in
    hidden groups. One count of hidden groups: how many are small or empty (an empty group
    reads as a small one) and how many protect them is not told, as it would bound the hidden
    cells where the one reason of each (:data:`jamtools.disclosure.REASON_HIDDEN`) keeps them
    from being bounded (none protecting: every '..' small). These are counts of
    groups, never of people; the share in hidden groups follows from the published groups and
    the total, so it reveals nothing the table does not. ``weight``: for a cell table, the
    column with the number of people each row stands for.
    """
    rows = []
    total = float(data[weight].sum() if weight else len(data))
    for name, dims in steps.items():
        dims = list(dims)
        d = group_shares(data, outcome, dims, group=group, conf_level=conf_level, threshold=threshold,
                         weight=weight, levels=levels)
        hidden = int(d["suppressed"].astype(bool).sum()) if len(d) else 0
        shown_n = float(d.loc[~d["suppressed"].astype(bool), "n"].sum()) if len(d) else 0.0
        # one count of hidden groups: how many are small (or empty) and how many protect them
        # would bound the hidden cells as the one reason of each keeps them from being bounded
        rows.append({"niva": name, "grupper": len(d), "visas": len(d) - hidden, "dolda": hidden,
                     "andel_i_dolda": (total - shown_n) / total if total else np.nan})
    return pd.DataFrame(rows)


def detail_table(overview: pd.DataFrame, *, threshold: int, unit_text: str = "klienterna",
                 caption: str = "", name: str | None = None) -> Table:
    """:func:`detail_overview` as a Swedish table (no column is a count of people), labelled
    ``name``."""
    frame = pd.DataFrame({
        "Uppdelning": overview["niva"],
        "Möjliga grupper": overview["grupper"].map(lambda v: number(v, 0)),
        "Grupper som visas": overview["visas"].map(lambda v: number(v, 0)),
        "Dolda grupper": overview["dolda"].map(lambda v: number(v, 0)),
        f"Andel av {unit_text} i dolda grupper": overview["andel_i_dolda"].map(percent),
    })
    return Table(frame, caption,
                 f"En grupp döljs om den har färre än {threshold} klienter, eller färre än {threshold} "
                 "med eller utan utfallet; och ytterligare grupper döljs så att en dold grupp inte går "
                 "att räkna fram ur de andra och summorna (röjandekontroll). Tabellerna visar varje "
                 "kombination av kategorierna, också de utan klienter; en grupp utan klienter döljs "
                 "som en liten, så att ingen kan se vilka små grupper som finns.", name=name)


@dataclass
class IntersectionResult:
    """Disclosed results for one outcome by sex and another characteristic."""

    shares: pd.DataFrame          # per sex × factor level
    crude: pd.DataFrame           # crude sex differences per factor level
    adjusted: pd.DataFrame        # interaction model with covariates (standardised)
    crude_interaction: pd.DataFrame  # interaction model without covariates


def intersection_analysis(data: pd.DataFrame, outcome: str, *, factor: str, factor_levels,
                          group: str = "kon", levels=ADULT_SEXES, covariates=(),
                          conf_level: float = 0.95,
                          threshold: int = disclosure.DEFAULT_THRESHOLD,
                          weight: str | None = None) -> IntersectionResult:
    """Shares per sex × ``factor`` level, the crude sex difference within each level, and the
    interaction (crude and adjusted for ``covariates``), all disclosed.

    Every comparison that rests on a hidden group of the sex × factor table is hidden, and so is
    the interaction whenever any of the four groups is hidden (it is computed from all four).
    With no ``covariates`` the adjusted result is empty: no comparison is called adjusted.
    ``weight``: for a cell table, the column with the number of people each row stands for.
    """
    rows = data[data[group].isin(levels) & data[factor].isin(factor_levels)]
    shares = group_shares(rows, outcome, [factor], group=group, conf_level=conf_level,
                          threshold=threshold, weight=weight,
                          levels={group: tuple(levels), factor: tuple(factor_levels)})
    crude_parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in factor_levels:
            sub = stats.collapse(rows[rows[factor] == f], outcome, [group], weights=weight) \
                if len(rows) else \
                pd.DataFrame({group: list(levels), "n": [0, 0], "events": [0, 0]})
            c = stats.compare_groups(sub, group,
                                     levels=levels, outcome_name=outcome, conf_level=conf_level)
            c = c[c["measure"] == "risk_difference_pp"].copy()
            c["comparison"] = f"{levels[0]} − {levels[1]}, {f}"
            crude_parts.append(c)
        crude_int = interaction_effect(rows, outcome, factor=factor, factor_levels=factor_levels,
                                       group=group, levels=levels, conf_level=conf_level,
                                       weight=weight)
        if list(covariates):
            adjusted = interaction_effect(rows, outcome, factor=factor, factor_levels=factor_levels,
                                          group=group, levels=levels, covariates=covariates,
                                          conf_level=conf_level, weight=weight)
        else:  # nothing to adjust for: no adjusted comparison at all
            adjusted = crude_int.iloc[0:0].copy()
    crude_int = crude_int[crude_int["measure"].isin([INTERACTION_PP, INTERACTION_OR])]
    hidden_cells = set(zip(shares.loc[shares["suppressed"].astype(bool), group].astype(str),
                           shares.loc[shares["suppressed"].astype(bool), factor].astype(str)))

    def disclose(comp: pd.DataFrame) -> pd.DataFrame:
        out = disclosure.disclose_comparisons(comp.reset_index(drop=True), threshold=threshold)
        for col in ("warning", *disclosure.COUNTED_WORDS):
            if col in out:
                out[col] = out[col].astype(object)
        for i, r in out.iterrows():
            lvl = [f for f in factor_levels if str(r["comparison"]).endswith(f", {f}")]
            needed = {(str(g), str(f)) for g in levels for f in (lvl or factor_levels)}
            if needed & hidden_cells and not out.at[i, "suppressed"]:
                for col in ("estimate", "ci_low", "ci_high", "p_value", "n_a", "events_a", "n_b",
                            "events_b", "mdd_pp"):
                    out.at[i, col] = np.nan
                out.at[i, "suppressed"] = True
                out.at[i, "suppression_reason"] = disclosure.REASON_GROUP
                if "warning" in out:  # as disclosure._mark: it speaks of the hidden counts
                    out.at[i, "warning"] = ""
        return disclosure.blank_counted_words(out)

    return IntersectionResult(shares, disclose(pd.concat(crude_parts, ignore_index=True)),
                              disclose(adjusted), disclose(crude_int))


def interaction_verdict(r, *, f0: str, f1: str) -> str:
    """What an interaction row (the sex gap among ``f1`` minus the gap among ``f0``, in
    percentage points) says, by the one verdict rule (:func:`jamtools.present.sentences.direction`)."""
    a, b = SEX_LABELS.get(r["group_a"], r["group_a"]), SEX_LABELS.get(r["group_b"], r["group_b"])
    d = direction(r["ci_low"], r["ci_high"])
    if d == "oklar":
        return "data kan inte skilja skillnaden mellan grupperna från slumpens variation"
    return f"bland {f1} är andelen för {a} tydligt {d} i förhållande till {b} än bland {f0}"


def describe_interaction(result: IntersectionResult, *, factor_levels, factor_labels: dict,
                         outcome_text: str, group: str = "kon") -> str:
    """The sex gap within each group and the interaction, in words; "ingen tydlig skillnad"
    whenever an interval covers 0. ``factor_labels`` gives each factor level's words in the
    plural ("utrikes födda")."""
    for frame in (result.shares, result.crude, result.adjusted, result.crude_interaction):
        disclosure.require_disclosed(frame, "tabellen")
    text = []
    conf_rows = pd.concat([result.adjusted["conf_level"], result.crude["conf_level"]]).dropna()
    conf = report.conf_percent(conf_rows.iloc[0]) if len(conf_rows) else "95"
    f0, f1 = (factor_labels.get(x, x) for x in factor_levels)
    for _, r in result.crude.iterrows():
        lvl = str(r["comparison"]).rsplit(", ", 1)[-1]
        where = factor_labels.get(lvl, lvl)
        a, b = SEX_LABELS.get(r["group_a"], r["group_a"]), SEX_LABELS.get(r["group_b"], r["group_b"])
        if not_shown(r):
            text.append(f"Bland {where}: skillnaden {not_shown(r)}.")
            continue
        ci = f"{interval(r)}"
        said = verdict(r["ci_low"], r["ci_high"], a=a, b=b, subject="andelen", between=False)
        text.append(f"Bland {where} är skillnaden {a} − {b} {number(r['estimate'], signed=True)} "
                    f"procentenheter ({conf} % KI {ci}): {said}.")
    for kind, frame in (("utan justering", result.crude_interaction), ("justerat", result.adjusted)):
        rows = frame[frame["measure"] == INTERACTION_PP]
        if rows.empty:
            continue
        r = rows.iloc[0]
        a, b = SEX_LABELS.get(r["group_a"], r["group_a"]), SEX_LABELS.get(r["group_b"], r["group_b"])
        if bool(r["suppressed"]) or pd.isna(r["estimate"]):
            text.append(f"Samspelet ({kind}) visas inte: en av de fyra grupperna är för liten "
                        "eller saknar variation.")
            continue
        orow = frame[frame["measure"] == INTERACTION_OR].iloc[0]
        ci = f"{interval(r)}"
        lead = ("Utan justering" if kind == "utan justering" else
                f"Bland klienter med samma {covariates_text(r['adjusted_for'])}")
        text.append(f"{lead} är skillnaden {a} − {b} bland {f1}, minus skillnaden bland {f0}, "
                    f"{number(r['estimate'], signed=True)} procentenheter ({conf} % KI {ci}; "
                    f"kvoten mellan oddskvoterna {number(orow['estimate'], 2)}, KI "
                    f"{number(orow['ci_low'], 2)}–{number(orow['ci_high'], 2)}): "
                    f"{interaction_verdict(r, f0=f0, f1=f1)}.")
    text.append(f"Siffrorna beskriver skillnader i {outcome_text}; de säger inte varför skillnaderna "
                "finns.")
    return "\n\n".join(text)


#: Codes of the factor levels in words (plural), for sentences and tables.
BIRTH_TEXT = {"inrikes_fodd": "födda i Sverige", "utrikes_fodd": "utrikes födda"}


def prepare_outcome_groups(loaded, outcome: str, *, levels=ADULT_SEXES,
                           covariates=("aldersgrupp", "hushallstyp")):
    """The rows the chapter on groups analyses, from a loaded ``eb_utfall``.

    Derives ``fodelseland`` from ``fodd_i_sverige`` (:func:`birth_country`) and, when the table
    has ``alder`` but no ``aldersgrupp`` yet, ``aldersgrupp`` (the adult groups,
    :data:`jamtools.data.derive.ADULT_AGE_GROUPS`); leaves out, and counts, rows without a
    country of birth, without the outcome, and without one of the ``covariates`` the data have.

    Parameters
    ----------
    loaded : LoadResult
        The table, with ``kon``, ``fodd_i_sverige`` and ``outcome``; left unchanged.
    outcome : a 0/1 column.
    levels : the sexes compared (rows of other sexes are not returned).
    covariates : what the chapter adjusts for when present.

    Returns
    -------
    (LoadResult, DataFrame, list)
        The table without the rows left out (each counted with its reason), the rows of
        ``levels``, and the covariates the data have (possibly none).
    """
    derived = {"fodelseland": birth_country(loaded.data["fodd_i_sverige"])}
    if loaded.has("alder") and "aldersgrupp" not in loaded.data:
        derived["aldersgrupp"] = age_group(loaded.data["alder"], **ADULT_AGE_GROUPS)
    loaded = loaded.with_data(loaded.data.assign(**derived))
    loaded = loaded.exclude(loaded.data["fodelseland"].isna(), "Uppgift om födelseland saknas")
    loaded = loaded.exclude(loaded.data[outcome].isna(), "Uppgift om utfallet saknas")
    present = [c for c in covariates if loaded.has(c)]
    if present:
        loaded = loaded.exclude(loaded.data[present].isna().any(axis=1),
                                f"Uppgift om {covariates_text(present)} saknas")
    return loaded, loaded.data[loaded.data["kon"].isin(levels)].copy(), present


def group_levels(rows: pd.DataFrame, *, levels=ADULT_SEXES, table: str = "eb_utfall") -> dict:
    """The levels every table of groups lists, empty or not (:func:`group_shares`): the sexes
    compared, both countries of birth, the data model's household types, and the handbook's
    adult age groups when the rows' age groups are among them; any other column of ``rows``
    has the levels observed in it (:func:`jamtools.data.model.code_levels`)."""
    out = {"kon": tuple(levels), "fodelseland": BIRTH_LEVELS}
    for c in rows.columns:
        if c in out or not (pd.api.types.is_object_dtype(rows[c]) or pd.api.types.is_string_dtype(rows[c])
                            or isinstance(rows[c].dtype, pd.CategoricalDtype)):
            continue
        out[c] = code_levels(rows[c], table=table, column=c)
    if "aldersgrupp" in rows and set(rows["aldersgrupp"].dropna()) <= set(ADULT_AGE_GROUPS["labels"]):
        out["aldersgrupp"] = tuple(ADULT_AGE_GROUPS["labels"])
    return out


def comparison_label(text: str, factor_labels: dict = BIRTH_TEXT) -> str:
    """A comparison's codes in words: ``'kvinna − man, utrikes_fodd'`` ->
    ``'kvinnor − män, utrikes födda'``."""
    import re

    for code, words in {**factor_labels, **SEX_LABELS}.items():
        text = re.sub(rf"\b{re.escape(code)}\b", words, text)
    return text


def group_labels(frame: pd.DataFrame, dims) -> pd.Series:
    """One label per row for the groups of ``dims`` (e.g. "Utrikes född, ensamstående
    med barn"): the first characteristic capitalised, the others in lower case."""
    dims = list(dims)
    out = frame[dims[0]].map(label)
    for d in dims[1:]:
        out = out + ", " + frame[d].map(label).str.lower()
    return out


# --- The chapter ------------------------------------------------------------------------------

#: The outcomes the chapter can compare (parameter ``utfall``), in words.
OUTCOMES = {"forflyttning": "förflyttning mot självförsörjning",
            "sjalvforsorjande": "självförsörjning inom uppföljningstiden"}


def outcome_parameter(value) -> str:
    """The parameter ``utfall`` checked: one of :data:`OUTCOMES`, else ValueError naming them.

    Examples
    --------
    >>> outcome_parameter("sjalvforsorjande")
    'sjalvforsorjande'
    """
    if not isinstance(value, str) or value not in OUTCOMES:
        raise ValueError(f"Parametern utfall = {value!r} ska vara en av: {', '.join(OUTCOMES)}.")
    return value


def small_group_example(conf_level: float = 0.95, n: int = 25) -> str:
    """A worked example (no data): how wide the interval of a group of ``n`` with a share
    around 50 % is, and how large a difference two such groups need for 80 % power."""
    example = stats.share_by_group(pd.DataFrame({"kon": ["a"], "n": [n], "events": [n / 2]}), "kon",
                                   conf_level=conf_level).iloc[0]
    mdd = stats.min_detectable_difference(n, n, 0.5, alpha=1 - conf_level)
    return (f"Även en grupp som är stor nog att visas har ett brett intervall. Med {n} klienter i en "
            f"grupp och en andel kring 50 % sträcker sig ett {report.conf_percent(conf_level)}-procentigt "
            f"intervall ungefär från {percent(example['ci_low'], 0)} till {percent(example['ci_high'], 0)}. "
            f"Två sådana grupper måste skilja sig med omkring {number(mdd, 0)} procentenheter för att "
            "skillnaden ska upptäckas med god sannolikhet (80 procents styrka).")


def answer(result: IntersectionResult, *, factor_levels, factor_labels: dict) -> str:
    """*Svar i korthet*: the interaction (the sex gap among the second group minus the gap
    among the first), crude and adjusted when made, with its interval and verdict."""
    f0, f1 = (factor_labels.get(x, x) for x in factor_levels)
    rows = {kind: frame[frame["measure"] == INTERACTION_PP]
            for kind, frame in (("crude", result.crude_interaction), ("adjusted", result.adjusted))}
    crude = rows["crude"].iloc[0] if len(rows["crude"]) else None
    adj = rows["adjusted"].iloc[0] if len(rows["adjusted"]) else None

    def shown(r):
        return r is not None and not bool(r["suppressed"]) and pd.notna(r["estimate"])
    if not shown(crude) and not shown(adj):
        return ("Samspelet mellan kön och födelseland visas inte: en av de fyra grupperna är för "
                "liten eller saknar variation.")

    def gap(r):
        conf = report.conf_percent(r["conf_level"])
        return (f"{number(r['estimate'], signed=True)} procentenheter ({conf} % KI "
                f"{interval(r)})")
    main = adj if shown(adj) else crude
    a, b = SEX_LABELS.get(main["group_a"], main["group_a"]), SEX_LABELS.get(main["group_b"], main["group_b"])
    parts = []
    if shown(crude):
        parts.append(f"{gap(crude)} utan justering")
    if shown(adj):
        parts.append(f"{gap(adj)} bland klienter med samma {covariates_text(adj['adjusted_for'])}")
    return (f"Skillnaden {a} − {b} bland {f1}, minus skillnaden bland {f0}, är "
            + " och ".join(parts) + f": {interaction_verdict(main, f0=f0, f1=f1)}.")


def groups_of_women_and_men(ctx, *, levels=ADULT_SEXES) -> Page:
    """r4_04: what do the interventions lead to for different groups of women and men?

    The outcome (parameter ``utfall``, :data:`OUTCOMES`) of ``eb_utfall`` by sex and country of
    birth: the shares, the sex gap within each group and the interaction, crude and adjusted for
    the catalogue's covariates the data have (:func:`intersection_analysis`); then finer groups
    (household type, age group) as far as the data and the disclosure control allow, and how
    many groups each level of detail hides (:func:`detail_overview`).

    Parameters
    ----------
    ctx : jamtools.run.notebook.ChapterRun
        The chapter's run (parameters ``utfall``, ``enhet``, ``alder_min``, ``alder_max``).
    levels : the two sexes compared.

    Returns
    -------
    Page
        Parts ``data``, ``land`` (sex × country of birth: words, figure and tables),
        ``hushall`` (also by household type; empty without it), ``alla`` (every characteristic
        the data have; empty without household type and age), ``nivaer`` (groups per level of
        detail) and ``exempel`` (a worked example of a small group's interval).
    """
    outcome = outcome_parameter(ctx.extra.get("utfall", "forflyttning"))
    words = OUTCOMES[outcome]
    clients = ctx.load("eb_utfall", **ctx.filters)
    if not clients.has(outcome):
        raise ValueError(f"Tabellen eb_utfall saknar utfallet {outcome!r} (parametern utfall).")
    clients, covariates = ctx.with_covariates("eb_utfall", clients)  # the handbook's rule for blanks
    clients, rows, adjust = prepare_outcome_groups(clients, outcome, levels=levels, covariates=covariates)
    land = intersection_analysis(rows, outcome, factor="fodelseland", factor_levels=BIRTH_LEVELS,
                                 levels=levels, covariates=adjust, conf_level=ctx.conf_level,
                                 threshold=ctx.threshold, weight=clients.weight)
    compared = disclosure.stack({"rå": land.crude, "rå, samspel": land.crude_interaction,
                                 "justerad": land.adjusted}, "modell")
    conf = report.conf_percent(ctx.conf_level)
    land_items = items(
        describe_interaction(land, factor_levels=BIRTH_LEVELS, factor_labels=BIRTH_TEXT,
                             outcome_text=words),
        *figure(plots.shares_plot(land.shares, by="fodelseland", title=f"Andel med {words}",
                                  xlabel="Andel av klienterna"),
                caption=f"Andel med {words} efter födelseland och kön, med {conf} % "
                        "konfidensintervall.",
                alt=shares_alt(land.shares, what=f"Andel med {words}", by="fodelseland"),
                name="land"),
        report.share_table(land.shares, outcome_label="Andel med utfallet",
                           caption=f"{words.capitalize()} efter födelseland och kön"),
        report.comparison_table(compared.assign(comparison=compared["comparison"].map(comparison_label)),
                                caption="Skillnader mellan kvinnor och män inom varje grupp, och samspelet",
                                name="samspel"))
    # every table of groups lists every combination of these levels, empty or not
    grid = group_levels(rows[[c for c in ("hushallstyp", "aldersgrupp") if c in rows]], levels=levels)
    household = ()
    if clients.has("hushallstyp"):
        by = ["fodelseland", "hushallstyp"]
        shares = group_shares(rows, outcome, by, conf_level=ctx.conf_level, threshold=ctx.threshold,
                              weight=clients.weight, levels=grid)
        shares = shares.assign(grupp=group_labels(shares, by))
        household = items(
            *figure(plots.shares_plot(shares, by="grupp", title="Efter födelseland och hushållstyp",
                                      xlabel=f"Andel med {words}"),
                    caption=f"Andel med {words} efter födelseland, hushållstyp och kön, med {conf} % "
                            "konfidensintervall; grupper med för få klienter visas som '..'.",
                    alt=shares_alt(shares, what=f"Andel med {words}", by="grupp"), name="hushall"),
            report.share_table(shares.drop(columns="grupp"), outcome_label="Andel med utfallet",
                               caption="Efter födelseland, hushållstyp och kön"))
    detail = [c for c in ("hushallstyp", "aldersgrupp") if clients.has(c)]
    every = ()
    if detail:
        shares = group_shares(rows, outcome, ["fodelseland", *detail], conf_level=ctx.conf_level,
                              threshold=ctx.threshold, weight=clients.weight, levels=grid)
        every = items(report.share_table(
            shares, outcome_label="Andel med utfallet",
            caption="Efter " + ", ".join(["födelseland", *(label(x) for x in detail)]) + " och kön"))
    steps = {"Kön": [], "Kön × födelseland": ["fodelseland"]}
    for i in range(len(detail)):
        steps[" × ".join(["Kön", "födelseland", *(label(x) for x in detail[:i + 1])])] = \
            ["fodelseland", *detail[:i + 1]]
    overview = detail_overview(rows, outcome, steps, conf_level=ctx.conf_level, threshold=ctx.threshold,
                               weight=clients.weight, levels=grid)
    return Page(
        question_id=ctx.question_id,
        short_answer=answer(land, factor_levels=BIRTH_LEVELS, factor_labels=BIRTH_TEXT),
        parts={"data": items(f"{ctx.heading} Utfall: {words}. {ctx.omissions('eb_utfall', clients)}".strip(),
                             report.quality_table(clients, threshold=ctx.threshold,
                                                  caption="Dataunderlag: klienter med bistånd",
                                                  name="dataunderlag")),
               "land": land_items, "hushall": household, "alla": every,
               "nivaer": items(detail_table(overview, threshold=ctx.threshold,
                                            caption="Antal grupper per uppdelning",
                                            name="nivaer")),
               "exempel": items(small_group_example(ctx.conf_level))},
        counts={"eb_utfall": disclosure.disclose_counts_by_sex(clients.counts_by_sex(), quality=clients.quality(),
                                                               threshold=ctx.threshold)},
        comparisons=stats.adjust_pvalues(pd.concat([land.crude, land.crude_interaction, land.adjusted],
                                                   ignore_index=True), method="holm"))
