"""Accept and Accept-Language: values with q-weights, read with a bound on what a hostile header costs."""

from __future__ import annotations

import math


def weighted_values(
    header: str | None, max_chars: int = 2000, max_values: int = 32
) -> list[tuple[str, float]]:
    """(value, q) in the header's order; a q that is not a number between 0 and 1 counts as 0."""
    weighted = []
    for entry in (header or "")[:max_chars].split(",")[:max_values]:
        value, _, params = entry.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, number = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
                if not math.isfinite(quality) or not 0 <= quality <= 1:
                    quality = 0.0
        weighted.append((value.strip(), quality))
    return weighted
