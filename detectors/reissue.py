"""Phone numbers change hands: a carrier reissues a cancelled number to a new subscriber.

A ring drops its numbers when it moves on (``../shared/domain.md``: rings rotate their numbers),
and Chinese carriers give a cancelled number to a new subscriber after a freeze of
:data:`REISSUE_DAYS` (90 days). The new holder registers it with the insurer as a contact
change, dated. So a number on two requests is one holder's only while the dates allow it: when
someone changed to the number at least :data:`REISSUE_DAYS` after one request with it and
before the other, it changed hands in between, and unless both requests show the trade the two
share nothing (an outside
test: honest customers given a ring's number 6–14 months after the ring's last request scored
0.74–0.94 and were made ring members; and a ring given an honest customer's old number made
that customer one).

The rule needs the date the customer took the number (their latest dated change to it on or
before the request), so a number registered without a dated change is never passed on: where
the data cannot show the hand-over, the number counts as it always did.

>>> passed_on(np.array([100.0, 100.0, 100.0]), np.array([150.0, 190.0, np.nan]))
array([False,  True, False])
"""

from __future__ import annotations

import numpy as np

__all__ = ["REISSUE_DAYS", "held_apart", "passed_on"]

REISSUE_DAYS = 90
"""Days a Chinese carrier keeps a cancelled number frozen before giving it to a new subscriber."""


def passed_on(request_day: np.ndarray | float, taken_day: np.ndarray | float) -> np.ndarray:
    """Whether a number taken (changed to) on ``taken_day`` came to its holder after a request
    with it on ``request_day`` was done with it: at least :data:`REISSUE_DAYS` later. Days are
    days since 1970-01-01; a missing taking day (``NaN``: no dated change) is never passed on."""
    gap = np.asarray(taken_day, dtype=float) - np.asarray(request_day, dtype=float)
    return np.nan_to_num(gap, nan=-np.inf) >= REISSUE_DAYS


def held_apart(code: np.ndarray, day_a: np.ndarray, driven_a: np.ndarray, day_b: np.ndarray,
               driven_b: np.ndarray, taking_code: np.ndarray, taking_day: np.ndarray) -> np.ndarray:
    """Whether pairs of requests with one number are of two holders. Per pair: the number's
    code ``code``, each request's day ``day_*`` and whether it shows the trade ``driven_*`` (a
    full-refund demand, complaint reason or letter). ``taking_code`` and ``taking_day`` are the
    dated changes to numbers in the book (a customer took number ``taking_code`` on
    ``taking_day``).

    The number changed hands between the two when someone took it at least
    :data:`REISSUE_DAYS` after the earlier request and on or before the later one (the later
    request's own customer, or a ring's member who changed to it before the ring's requests with
    it). Then the two are one ring's only when both show the trade: a ring's member changes to
    the ring's number whenever the ring tells it to, months apart in a careful ring, and shows
    the trade; a new subscriber's request is the book's ordinary one, and so is the request an
    honest customer filed with a number of their own before dropping it, when a ring later got
    it from the carrier (``../shared/domain.md``: a tie is strong evidence only with the
    trade's behaviour; an outside test had such a customer's ordinary request of 6½ months
    before the ring's first made a member at 0.97). A careful ring's coached member who gives an
    ordinary reason is then tied by the number only to members within the freeze of it.

    Days are days since 1970-01-01, below :data:`_DAY_SPAN`; ``NaN`` days take no part.

    >>> no, yes, one = np.array([False]), np.array([True]), np.array([7])
    >>> taking = (np.array([7, 7]), np.array([300.0, 500.0]))
    >>> held_apart(one, np.array([100.0]), no, np.array([400.0]), yes, *taking)
    array([ True])
    >>> held_apart(one, np.array([100.0]), yes, np.array([400.0]), yes, *taking)
    array([False])
    >>> held_apart(one, np.array([250.0]), no, np.array([400.0]), no, *taking)
    array([False])
    >>> held_apart(one, np.array([100.0]), no, np.array([160.0]), no, *taking)
    array([False])
    """
    code = np.asarray(code, dtype=float)
    day_a, day_b = np.asarray(day_a, dtype=float), np.asarray(day_b, dtype=float)
    early, late = np.fmin(day_a, day_b), np.fmax(day_a, day_b)
    dated = np.isfinite(taking_day)
    keys = np.sort(np.asarray(taking_code, dtype=float)[dated] * _DAY_SPAN + taking_day[dated])
    if not len(keys):
        return np.zeros(len(code), dtype=bool)
    # the first taking of the pair's number at least REISSUE_DAYS after the earlier request
    at = np.searchsorted(keys, code * _DAY_SPAN + early + REISSUE_DAYS, side="left")
    first = keys[np.minimum(at, len(keys) - 1)]
    handed_over = (at < len(keys)) & (first <= code * _DAY_SPAN + late) & np.isfinite(day_a) & np.isfinite(day_b)
    return handed_over & ~(np.asarray(driven_a, dtype=bool) & np.asarray(driven_b, dtype=bool))


_DAY_SPAN = 1_000_000.0
"""Days are keyed with their number's code as ``code * _DAY_SPAN + day`` (exact in a float for
codes below a billion)."""
