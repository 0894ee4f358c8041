"""Request days: whole days since 1970-01-01, as the book's ``day`` columns hold them, and the
ISO dates evidence lines show.

>>> iso_day(19_723.0), iso_or_none(float("nan")), iso_or_none(None), day_of("2024-01-01T08:30:00")
('2024-01-01', None, None, 19723)
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["day_of", "iso_day", "iso_or_none"]


def iso_day(day: float) -> str:
    """Days since 1970-01-01 as ``YYYY-MM-DD`` (fractions dropped)."""
    return str(np.datetime64(int(day), "D"))


def iso_or_none(day: float | None) -> str | None:
    """:func:`iso_day`, or ``None`` for an unknown day (``None`` or NaN)."""
    return None if day is None or math.isnan(day) else iso_day(day)


@lru_cache(maxsize=65_536)
def day_of(iso: str | None) -> int | None:
    """Days since 1970-01-01 of an ISO date or date-time (its first ten characters), ``None``
    for an empty one. Cached: scoring a book asks for the same rings' dates once per claim."""
    if not iso:
        return None
    return int(np.datetime64(iso[:10], "D").astype(np.int64))
