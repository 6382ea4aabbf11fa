"""Small numbers, honestly: the smallest difference the data could have detected."""
from jamtools.stats.binary import min_detectable_difference

__all__ = ["min_detectable_difference"]
