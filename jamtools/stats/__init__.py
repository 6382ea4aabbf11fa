"""Statistics, aggregate first: counts per cell, then shares, differences and adjusted models."""
from jamtools.stats.aggregate import collapse
from jamtools.stats.binary import (adjusted_difference, compare_groups, flag_simpson,
                                   mantel_haenszel, min_detectable_difference, share_by_group)

__all__ = ["collapse", "share_by_group", "compare_groups", "adjusted_difference",
           "mantel_haenszel", "flag_simpson", "min_detectable_difference"]
