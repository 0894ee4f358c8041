"""Ring ids: derived from the claims, and carried forward from one run to the next.

A ring's id is a short hash of its sorted claim ids, so the same ring gets the same id in every
run. When a ring changes a little between runs (a claim joins), :func:`carry_forward` gives it
the previous id anyway if the two share at least half their claims (Jaccard ≥ 0.5), or if the
new ring holds every claim of the previous one (a ring that grew, however much), so an
investigator's case survives re-runs and a decided case learns what was added (re-alerts,
:mod:`graph.cases`).

>>> ring_id_for(["C2", "C1"]) == ring_id_for(["C1", "C2"])
True
>>> ring_id_for(["C1", "C2"])
'R-0CFD1269'
>>> old = Ring("R-OLD", 0.9, "high", ("C1", "C2", "C3"))
>>> new = Ring(ring_id_for(["C1", "C2", "C3", "C4"]), 0.9, "high", ("C1", "C2", "C3", "C4"))
>>> [r.ring_id for r in carry_forward([new], [old])]
['R-OLD']
>>> grown = Ring("R-NEW", 0.9, "high", ("C1", "C2", "C3", "C7", "C8", "C9", "C10"))
>>> [r.ring_id for r in carry_forward([grown], [old])]  # Jaccard 3/7, but every old claim is in it
['R-OLD']
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

from graph.results import Ring

__all__ = ["carry_forward", "claim_jaccard", "grew_from", "ring_id_for"]


def ring_id_for(claim_ids: Iterable[str]) -> str:
    """``R-`` and the first 8 hex digits (upper case) of the SHA-1 of the sorted claim ids."""
    digest = hashlib.sha1("\n".join(sorted(claim_ids)).encode("utf-8")).hexdigest()
    return f"R-{digest[:8].upper()}"


def claim_jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two sets of claim ids (0 for two empty sets)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def grew_from(ring: Ring, previous: Ring) -> bool:
    """Whether ``ring`` holds every claim of ``previous`` (and so is that ring, grown)."""
    return set(previous.claim_ids) <= set(ring.claim_ids)


def carry_forward(rings: Sequence[Ring], previous: Sequence[Ring], min_jaccard: float = 0.5,
                  worked: frozenset[str] = frozenset()) -> list[Ring]:
    """``rings`` with the ids of matching previous rings.

    Pairs are matched one-to-one, best Jaccard first (ties: higher new score, then ids), and
    only at ``min_jaccard`` or above, or when the new ring holds all of the previous ring's
    claims (:func:`grew_from`). Then a previous ring whose case someone worked (its id in
    ``worked``) and that is still unmatched goes to the unmatched new ring holding most of its
    claims, however few: a confirmed ring merged into a larger group, or split into pieces by
    other parameters, keeps its case (and re-alerts with the claims added and those that left)
    instead of vanishing with it. Unmatched rings keep their own ids; an id taken over from a
    previous ring is never given twice.

    >>> decided = Ring("R-CASE", 0.9, "high", ("C1", "C2", "C3", "C4"))
    >>> merged = Ring("R-BIG", 0.9, "high", ("C1", "C2", "C3", "C7", "C8", "C9", "C10"))
    >>> [r.ring_id for r in carry_forward([merged], [decided])]
    ['R-BIG']
    >>> [r.ring_id for r in carry_forward([merged], [decided], worked=frozenset({"R-CASE"}))]
    ['R-CASE']
    >>> pieces = [Ring("R-A", 0.6, "medium", ("C1",)), Ring("R-B", 0.7, "medium", ("C3", "C4", "C9"))]
    >>> [r.ring_id for r in carry_forward(pieces, [decided], worked=frozenset({"R-CASE"}))]
    ['R-A', 'R-CASE']
    """
    if not 0.0 < min_jaccard <= 1.0:
        raise ValueError(f"min_jaccard must be within (0, 1], got {min_jaccard}")
    claim_owner: dict[str, list[int]] = {}
    for j, old in enumerate(previous):
        for claim in old.claim_ids:
            claim_owner.setdefault(claim, []).append(j)
    candidates: list[tuple[float, float, str, str, int, int]] = []
    for i, ring in enumerate(rings):
        seen = {j for claim in ring.claim_ids for j in claim_owner.get(claim, ())}
        for j in seen:
            score = claim_jaccard(ring.claim_ids, previous[j].claim_ids)
            if score >= min_jaccard or grew_from(ring, previous[j]):
                candidates.append((-score, -ring.score, ring.ring_id, previous[j].ring_id, i, j))
    candidates.sort()
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    renamed: dict[int, str] = {}
    for _, _, _, old_id, i, j in candidates:
        if i in taken_new or j in taken_old:
            continue
        taken_new.add(i)
        taken_old.add(j)
        renamed[i] = old_id
    for j in sorted((j for j, old in enumerate(previous) if old.ring_id in worked and j not in taken_old),
                    key=lambda j: (-len(previous[j].claim_ids), previous[j].ring_id)):
        old_claims = set(previous[j].claim_ids)
        shares = [(len(old_claims & set(ring.claim_ids)), ring.score, ring.ring_id, i)
                  for i, ring in enumerate(rings) if i not in taken_new]
        best = max(shares, default=None)
        if best is not None and best[0] >= 1:
            taken_new.add(best[3])
            taken_old.add(j)
            renamed[best[3]] = previous[j].ring_id
    used = set(renamed.values())
    out = []
    for i, ring in enumerate(rings):
        if i in renamed:
            out.append(replace(ring, ring_id=renamed[i]))
        elif ring.ring_id in used:
            # an unmatched ring whose hash collides with an id carried over: make it unique
            out.append(replace(ring, ring_id=f"{ring.ring_id}-{i}"))
        else:
            out.append(ring)
    return out
