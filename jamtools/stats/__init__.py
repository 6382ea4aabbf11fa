"""Statistics, aggregate first: counts per cell, then shares, differences and adjusted models.

Every function returns a tidy DataFrame: one row per group (with ``n``/``events`` behind each
share) or one row per comparison in a common layout (``outcome, comparison, group_a, group_b,
measure, estimate, ci_low, ci_high, conf_level, p_value, test, n_a, events_a, n_b, events_b,
adjusted, adjusted_for, method, mdd_pp, warning``).
"""
from jamtools.stats.aggregate import collapse, collapse_file, complete_cells
from jamtools.stats.amounts import (AmountMoments, adjusted_amount_difference, amount_moments,
                                    compare_amounts, describe_amounts, mean_difference,
                                    oaxaca_blinder)
from jamtools.stats.binary import (COMPARISON_COLUMNS, adjusted_difference, compare_groups,
                                   flag_simpson, mantel_haenszel, min_detectable_difference,
                                   share_by_group)
from jamtools.stats.categorical import (crosstab, dissimilarity_index, distribution_by_group,
                                        independence_test)
from jamtools.stats.multiple import adjust_pvalues, bonferroni_level
from jamtools.stats.paired import (mcnemar, newcombe_paired_interval, pair_up,
                                   paired_difference)
from jamtools.stats.survival import cox_hazard_ratio, kaplan_meier, logrank
from jamtools.stats.trend import amount_gap_change, gap_by_period, gap_change

__all__ = [
    "COMPARISON_COLUMNS", "collapse", "collapse_file", "complete_cells", "share_by_group", "compare_groups", "adjusted_difference",
    "mantel_haenszel", "flag_simpson", "min_detectable_difference", "crosstab",
    "distribution_by_group", "independence_test", "dissimilarity_index", "describe_amounts",
    "compare_amounts", "mean_difference", "AmountMoments", "amount_moments",
    "adjusted_amount_difference", "oaxaca_blinder", "kaplan_meier", "logrank",
    "cox_hazard_ratio", "gap_by_period", "gap_change", "amount_gap_change", "adjust_pvalues",
    "bonferroni_level", "pair_up", "paired_difference", "newcombe_paired_interval", "mcnemar",
]
from jamtools.stats.competing import cumulative_incidence  # noqa: E402,F401  (time with competing ends)
