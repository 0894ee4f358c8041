"""Phone numbers change hands: a carrier reissues a cancelled number to a new subscriber.

A ring drops its numbers when it moves on (``../shared/domain.md``: rings rotate their numbers),
and Chinese carriers give a cancelled number to a new subscriber after a freeze of
:data:`REISSUE_DAYS` (90 days). The new holder registers it with the insurer as a contact
change, dated. So a number on two requests is one holder's only while the dates allow it: a
customer who changed to the number at least :data:`REISSUE_DAYS` after another customer's
request with it, and whose request shows nothing of the trade, took it from the carrier, and
the two share nothing (an outside
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


def held_apart(day_a: np.ndarray, taken_a: np.ndarray, driven_a: np.ndarray,
               day_b: np.ndarray, taken_b: np.ndarray, driven_b: np.ndarray) -> np.ndarray:
    """Whether two requests with one number (request days ``day_*``, days their customers took
    it ``taken_*``, whether each shows the trade ``driven_*``) are of two holders: one customer
    took it after the other's request was done with it (:func:`passed_on`) and files no
    full-refund demand, complaint reason or letter. A ring's member changes to the ring's
    number whenever the ring tells it to, months apart in a careful ring, and shows the trade;
    a new subscriber's request is the book's ordinary one (``../shared/domain.md``: a tie is
    strong evidence only with the trade's behaviour).

    >>> no = np.array([False])
    >>> held_apart(np.array([100.0]), np.array([np.nan]), no, np.array([400.0]), np.array([300.0]), no)
    array([ True])
    >>> held_apart(np.array([100.0]), np.array([np.nan]), no, np.array([400.0]), np.array([300.0]), ~no)
    array([False])
    >>> held_apart(np.array([100.0]), np.array([np.nan]), no, np.array([160.0]), np.array([150.0]), no)
    array([False])
    """
    return (passed_on(day_a, taken_b) & ~np.asarray(driven_b, dtype=bool)) \
        | (passed_on(day_b, taken_a) & ~np.asarray(driven_a, dtype=bool))
