"""One question's standard analysis, from loaded data to disclosed tables.

A notebook answers "is there a difference, and does it remain among people alike in need?" in
the same steps every time: aggregate, shares by sex with intervals, crude comparison, adjusted
comparison, disclosure. :func:`binary_outcome` does exactly those steps with ``jamtools.stats``
and ``jamtools.disclosure``, so every chapter computes them the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jamtools import disclosure, stats


@dataclass
class BinaryResult:
    """Disclosed results for one yes/no outcome: shares per sex, comparisons, and (optionally)
    shares per category of ``by``."""

    outcome: str
    shares: pd.DataFrame
    comparisons: pd.DataFrame
    by_shares: pd.DataFrame | None = None


def binary_outcome(data: pd.DataFrame, outcome: str, *, covariates=(), levels=("flicka", "pojke"),
                   group: str = "kon", by: str | None = None, conf_level: float = 0.95,
                   threshold: int = disclosure.DEFAULT_THRESHOLD) -> BinaryResult:
    """Shares by sex, the crude and the adjusted difference, all disclosed.

    ``data`` holds one row per unit with a 0/1 ``outcome``; rows of other groups than
    ``levels`` are ignored. The adjusted comparison is :func:`jamtools.stats.adjusted_difference`
    (standardisation over ``covariates``); with no covariates only the crude one is made.
    ``by`` adds shares per category (e.g. reason type), protected against the overall table.
    """
    covariates = list(covariates)
    rows = data[data[group].isin(levels)]
    counts = stats.collapse(rows, outcome, [group, *covariates, *([by] if by and by not in covariates else [])])
    shares = stats.share_by_group(counts, group, conf_level=conf_level)
    # Both levels always have a row: a group with no one in it is shown as 0, not left out.
    shares = (shares.set_index(group).reindex(list(levels)).rename_axis(group).reset_index()
              .assign(n=lambda t: t["n"].fillna(0.0), events=lambda t: t["events"].fillna(0.0),
                      method="wilson", conf_level=conf_level))
    parts = [stats.compare_groups(counts, group, levels, outcome_name=outcome, conf_level=conf_level)]
    if covariates:
        parts.append(stats.adjusted_difference(counts, group, covariates, levels,
                                               outcome_name=outcome, conf_level=conf_level))
    comparisons = pd.concat(parts, ignore_index=True)
    shares_d = disclosure.disclose_shares(shares, threshold=threshold, group=group)
    comparisons_d = disclosure.disclose_comparisons(comparisons, threshold=threshold,
                                                    shares=shares_d, group=group)
    by_d = None
    if by:
        by_d = disclosure.disclose_shares(
            stats.share_by_group(counts, group, by=[by], conf_level=conf_level),
            threshold=threshold, group=group, by=[by])
    return BinaryResult(outcome, shares_d, comparisons_d, by_d)
