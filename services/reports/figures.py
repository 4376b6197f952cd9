"""Summary figures as the reports state them: shares rounded to 4 places, hours and averages to 2."""

import math
import statistics


def share(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def percentile(values: list[float], rank: int) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `rank` % of the values at or below
    it (what one computes by hand from a sorted list)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(rank / 100 * len(ordered)) - 1], 2)
