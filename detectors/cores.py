"""A ring's core: the members of a community that something besides a letter ties to it, and
the members its letters tie to it within the weeks the others are active.

A public complaint letter circulates among honest complainers all year, and rings send it too,
sometimes word for word (``../shared/domain.md``). When a ring's letters crowd into its weeks,
honest copies filed around them are linked to it by their letters alone (with verbatim copies
the closest letters are a tie among all of them), and modularity puts such leaves into their
neighbours' community. A member tied to its community by letter links alone stays in the core
only when it was filed within ``margin`` days of the requests of the members something else
ties (the window member expansion gives a ring, ``expansion_margin_days``); member expansion
(:mod:`detectors.expansion`) may still attach the others, with its reasons. A community
without at least three members tied by more than letters (a ring held together by its own
wording) is left whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detectors.links import ClaimGraph

__all__ = ["without_distant_letters"]

_MIN_TIED = 3


def without_distant_letters(communities: Sequence[Sequence[int]], graph: ClaimGraph, days: np.ndarray,
                            margin: float) -> list[list[int]]:
    """``communities`` (lists of claim positions) without the members only letters tie to them
    that were filed more than ``margin`` days before the first or after the last request of the
    members something else ties.

    ``days`` is each claim's request day (float, ``nan`` when unknown), indexed by position. The
    tied members are found by peeling: a member whose links to the rest (letter links left out)
    are none is peeled, until none is, so a chain of letter links never counts as a tie.
    """
    if margin < 0:
        raise ValueError(f"margin must be at least 0, got {margin}")
    out: list[list[int]] = []
    for members in communities:
        core = _tied_members(list(members), graph)
        tied_days = days[sorted(core)]
        tied_days = tied_days[~np.isnan(tied_days)]
        if len(core) < _MIN_TIED or not len(tied_days):
            out.append(list(members))
            continue
        lo, hi = tied_days.min() - margin, tied_days.max() + margin
        out.append([m for m in members if m in core or lo <= days[m] <= hi])
    return out


def _tied_members(members: list[int], graph: ClaimGraph) -> set[int]:
    inside = np.zeros(graph.n, dtype=bool)
    inside[members] = True
    tie = ~graph.letter_only
    while True:
        link = inside[graph.u] & inside[graph.v] & tie
        touched = np.zeros(graph.n, dtype=bool)
        touched[graph.u[link]] = True
        touched[graph.v[link]] = True
        if not (inside & ~touched).any():
            return set(np.flatnonzero(inside).tolist())
        inside &= touched
