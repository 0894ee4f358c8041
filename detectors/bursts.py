"""Bursts: events of one kind crowding into a short window far beyond their usual rate.

A complaint template that circulates publicly is copied by honest customers all year round;
the same wording arriving six times in five weeks is a campaign. Whether a crowd of ``k``
events within ``w`` days is unusual depends on how common the kind is in this book: with ``n``
events of the kind over the book's ``T`` days, the count in a window is taken as Poisson with
mean ``n·w/T``. A window is significant when the chance of at least ``k`` events in it, times
the number of windows of that width the book has room for (a scan over the whole period would
otherwise find "bursts" in pure noise), stays below ``alpha``.

Events of one group that fall into overlapping significant windows form one burst.

>>> days = np.array([0, 3, 5, 9, 12, 300, 600])
>>> burst_labels(days, np.zeros(7, dtype=int), period=730.0, alpha=0.01).tolist()
[0, 0, 0, 0, 0, -1, -1]
>>> spread = np.arange(0, 730, 70)
>>> burst_labels(spread, np.zeros(len(spread), dtype=int), period=730.0, alpha=0.01).tolist()
[-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]

Against the group's own rate, a group whose every event falls within four months is no burst
when its period is not much longer; against a usual rate given from elsewhere (a resigned
agent's book measured by what orphaned books of its size file), it is:

>>> ring = np.arange(0, 120, 10)
>>> burst_labels(ring, np.zeros(12, dtype=int), period=200.0).tolist() == [-1] * 12
True
>>> burst_labels(ring, np.zeros(12, dtype=int), period=200.0, rate=np.full(12, 0.01)).tolist() == [0] * 12
True
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson

__all__ = ["MIN_BURST_EVENTS", "SCAN_WINDOWS_DAYS", "burst_labels", "window_surprise"]

SCAN_WINDOWS_DAYS: tuple[int, ...] = (7, 14, 30, 60, 90, 120)
"""Window widths scanned: a week up to the four months a campaign lasts at most (domain.md:
rings surrender their members over a few weeks to several months)."""
MIN_BURST_EVENTS = 3
"""Events a burst holds at least: two requests close together happen by chance in any book."""


def window_surprise(count: np.ndarray, width: float, rate: np.ndarray,
                    period: float | np.ndarray) -> np.ndarray:
    """Scan-corrected chance of at least ``count`` events in a window of ``width`` days when the
    kind happens ``rate`` times per day: ``P(Poisson(rate·width) ≥ count) · period / width``,
    capped at 1.

    >>> window_surprise(np.array([6]), 30.0, np.array([6 / 730]), 730.0).round(6).tolist()
    [6e-06]
    """
    expected = np.asarray(rate, dtype=float) * width
    tail = poisson.sf(np.asarray(count) - 1, expected)
    return np.minimum(1.0, tail * np.maximum(np.asarray(period, dtype=float) / width, 1.0))


def burst_labels(days: np.ndarray, groups: np.ndarray, period: float | np.ndarray, alpha: float = 0.01,
                 windows: tuple[int, ...] = SCAN_WINDOWS_DAYS, min_events: int = MIN_BURST_EVENTS,
                 rate: np.ndarray | None = None) -> np.ndarray:
    """Burst id of every event (``-1`` outside any burst); ids are numbered in input order of
    each burst's first event.

    ``days`` are event days (NaN: never in a burst), ``groups`` the kind of each event (events
    only crowd with events of their own group), ``period`` the days over which a group's events
    could happen (the book's length, or one value per event: the period of its group, e.g. the
    days since an agent left). A burst needs at least ``min_events`` events in one significant
    window. ``rate`` (events per day, one value per event: its group's) is the usual rate the
    crowding is measured against; by default each group's own, its events over its period.

    Raises ``ValueError`` for ``alpha`` outside (0, 1), a non-positive period or rate.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    periods = np.broadcast_to(np.asarray(period, dtype=float), np.shape(days))
    if not (periods > 0).all():
        raise ValueError("period must be positive")
    if rate is not None and not (np.asarray(rate, dtype=float)[~np.isnan(np.asarray(days, dtype=float))] > 0).all():
        raise ValueError("rate must be positive")
    days = np.asarray(days, dtype=float)
    groups = np.asarray(groups)
    n = len(days)
    out = np.full(n, -1, dtype=np.int64)
    ok = ~np.isnan(days)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    codes = np.unique(groups[idx], return_inverse=True)[1].astype(float)
    # one sorted key for all groups: searches never cross a group's end
    key = codes * (days[idx].max() - days[idx].min() + 2.0 * max(windows) + 1.0) + days[idx]
    sort = np.argsort(key, kind="stable")
    order, key, g = idx[sort], key[sort], codes[sort]
    sizes = np.bincount(g.astype(np.int64))[g.astype(np.int64)]
    span = periods[order]
    usual = sizes / span if rate is None else np.asarray(rate, dtype=float)[order]
    position = np.arange(len(key))
    # cover[i]: the furthest position (exclusive) a significant window starting at i reaches
    cover = position.copy()
    for width in windows:
        reach = np.searchsorted(key, key + width, side="right")
        count = reach - position
        significant = (count >= min_events) & (window_surprise(count, float(width), usual, span) < alpha)
        cover = np.where(significant, np.maximum(cover, reach), cover)
    labels = np.full(len(key), -1, dtype=np.int64)
    label, furthest = -1, 0
    for i in range(len(key)):
        if i < furthest:
            labels[i] = label
        elif cover[i] > i:
            label += 1
            labels[i] = label
        furthest = max(furthest, int(cover[i]))
    out[order] = labels
    return _renumber(out)


def _renumber(labels: np.ndarray) -> np.ndarray:
    seen: dict[int, int] = {}
    out = np.full(len(labels), -1, dtype=np.int64)
    for i, value in enumerate(labels.tolist()):
        if value >= 0:
            out[i] = seen.setdefault(value, len(seen))
    return out
