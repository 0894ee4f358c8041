"""What a run changed since the previous one: the claims it screened for the first time, the
parts of the claim-link graph they touch, and what became of the previous run's rings and risks.

A daily export adds a few surrender requests to a book already screened. Every run screens the
whole book, because detection measures each identifier, letter and trait against the book
itself (:mod:`detectors.behaviour`, :mod:`detectors.identifiers`, :mod:`detectors.templates`):
new requests move the base rates, identifier specificity and the trait model, and through them
the score, evidence and claim risks of rings the new requests never touch. (Measured on a hard
book of 100 000 customers cut before its last 1 % of requests: the run after the increment
gave 23 of the 48 rings, none of which gained or lost a claim, another score or other evidence
figures, and 840 of the 5 395 claims screened before another risk.) Reusing the results of
untouched parts would keep those figures stale, so a run after an increment is a run on the
whole book, and its result is that of a full run by construction; what stays put is what a full run keeps: a ring
with the same claims has the same id (:mod:`detectors.ring_ids`) and its case.

:func:`changes_since` lists what the increment changed, which the run records in its summary
(``changes``) for an investigator or a test to see.

>>> previous = [Ring("R-A", 0.9, "high", ("C1", "C2")), Ring("R-B", 0.8, "high", ("C3", "C4"))]
>>> rings = [Ring("R-A", 0.9, "high", ("C1", "C2")), Ring("R-B", 0.85, "high", ("C3", "C4", "C5"))]
>>> parts = link_parts(6, np.array([0, 2, 3]), np.array([1, 3, 4]), np.ones(3), 0.5)
>>> parts.tolist()
[0, 0, 1, 1, 1, -1]
>>> changes = changes_since(None, ["C1", "C2", "C3", "C4", "C5", "C6"],
...                         {c: ClaimRisk(c, 0.5) for c in ["C1", "C2", "C3", "C4"]}, parts,
...                         rings, previous, [ClaimRisk(c, 0.5) for c in ["C1", "C2", "C3", "C4", "C5", "C6"]])
>>> changes.new_claims, changes.parts_touched, changes.rings_kept, changes.rings_changed
(2, 1, 1, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detectors.links import ClaimGraph
from detectors.params import DetectionParams
from graph.results import ClaimRisk, DetectionResult, Ring, RunRecord
from graph.store import GraphStore

__all__ = ["Changes", "changed_parameters", "changes_since", "comparable", "link_parts", "screen_changes"]


@dataclass(frozen=True)
class Changes:
    """What a run changed against the previous successful run (counts).

    ``previous_run`` is ``None`` when there was none (then every claim is new).
    ``parameters_changed`` names the parameters that differ from the previous run's (its rings
    are compared all the same; a change of parameters moves rings for other reasons than data).
    """

    previous_run: str | None
    parameters_changed: tuple[str, ...]
    new_claims: int
    """Claims this run screened and the previous one did not (the increment's requests)."""
    parts: int
    """Parts of the claim-link graph: connected groups of two or more claims linked at
    ``min_edge_weight`` or more, the units community detection splits."""
    parts_touched: int
    """Parts that hold a new claim."""
    rings_kept: int
    """Rings with exactly the claims and id of a previous ring."""
    rings_rescored: int
    """Of the kept rings, those whose score, evidence or other stored figures moved (book-wide
    statistics changed)."""
    rings_changed: int
    """Rings carrying a previous ring's id with other claims (grown, shrunk, merged)."""
    rings_new: int
    rings_ended: int
    """Previous rings whose id no ring carries any more."""
    risks_changed: int
    """Claims screened by both runs whose risk or ring differs."""

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["parameters_changed"] = list(self.parameters_changed)
        return found


def link_parts(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, min_weight: float) -> np.ndarray:
    """Part of each of ``n`` claims: links ``u``–``v`` of weight ``w`` ≥ ``min_weight`` joined
    into connected groups, numbered by their first claim; ``-1`` for a claim in no such link."""
    keep = w >= min_weight
    matrix = coo_matrix((np.ones(int(keep.sum()), dtype=np.int8), (u[keep], v[keep])), shape=(n, n))
    _, label = connected_components(matrix, directed=False)
    linked = np.zeros(n, dtype=bool)
    linked[u[keep]] = linked[v[keep]] = True
    first: dict[int, int] = {}
    parts = np.full(n, -1, dtype=np.int64)
    for claim in np.flatnonzero(linked):
        parts[claim] = first.setdefault(int(label[claim]), len(first))
    return parts


def changed_parameters(previous: RunRecord | None, params: Mapping[str, Any]) -> tuple[str, ...]:
    """Names of the parameters whose value differs from ``previous``'s (none without one)."""
    if previous is None:
        return ()
    return tuple(sorted(k for k in set(params) | set(previous.params)
                        if params.get(k) != previous.params.get(k)))


def changes_since(previous: RunRecord | None, claim_ids: Sequence[str],
                  previous_risks: Mapping[str, ClaimRisk], parts: np.ndarray, rings: Sequence[Ring],
                  previous_rings: Sequence[Ring], risks: Sequence[ClaimRisk],
                  parameters_changed: tuple[str, ...] = ()) -> Changes:
    """Compare a run's result with the previous run's (see :class:`Changes`).

    ``claim_ids`` and ``parts`` (from :func:`link_parts`) are in the order of the book's claims;
    ``previous_risks`` are the previous run's risks of those claims (a claim it did not screen
    is absent); ``rings`` carry their ids after :func:`detectors.ring_ids.carry_forward`.
    """
    new = np.array([c not in previous_risks for c in claim_ids], dtype=bool)
    before = {r.ring_id: r for r in previous_rings}
    kept = [r for r in rings if r.ring_id in before and set(r.claim_ids) == set(before[r.ring_id].claim_ids)]
    carried = sum(r.ring_id in before for r in rings)
    ids = {r.ring_id for r in rings}
    return Changes(
        previous_run=previous.run_id if previous else None,
        parameters_changed=parameters_changed,
        new_claims=int(new.sum()),
        parts=int(parts.max()) + 1 if len(parts) else 0,
        parts_touched=len(set(parts[new & (parts >= 0)].tolist())),
        rings_kept=len(kept),
        rings_rescored=sum(r.to_export() != before[r.ring_id].to_export() for r in kept),
        rings_changed=carried - len(kept),
        rings_new=len(rings) - carried,
        rings_ended=sum(ring_id not in ids for ring_id in before),
        risks_changed=sum(1 for r in risks if (old := previous_risks.get(r.claim_id)) is not None
                          and (old.risk, old.ring_id) != (r.risk, r.ring_id)),
    )


def screen_changes(store: GraphStore, params: DetectionParams, claim_ids: Sequence[str], graph: ClaimGraph,
                   rings: Sequence[Ring], previous_rings: Sequence[Ring], risks: Sequence[ClaimRisk]) -> Changes:
    """:func:`changes_since` against the store's current results (before they are replaced):
    ``claim_ids`` in the order of the book's claims, ``graph`` the run's claim graph."""
    last = store.current_run()
    previous_risks = store.claim_risks(claim_ids) if last is not None else {}
    parts = link_parts(graph.n, graph.u, graph.v, graph.w, params.min_edge_weight)
    return changes_since(last, claim_ids, previous_risks, parts, rings, previous_rings, risks,
                         changed_parameters(last, params.as_dict()))


def comparable(result: DetectionResult) -> tuple[list[Any], list[Any], list[Any]]:
    """A result's rings (as exported), claim risks and identifier profiles with every ring id
    replaced by the ring's sorted claim ids, each list sorted: equal for two results that
    differ only in the ids carried forward from earlier runs (a run after an increment and a
    full run in a new store)."""
    claims_of = {r.ring_id: tuple(sorted(r.claim_ids)) for r in result.rings}
    rings = sorted((claims_of[r.ring_id], sorted((k, repr(v)) for k, v in r.to_export().items() if k != "ring_id"))
                   for r in result.rings)
    risks = sorted((c.claim_id, c.risk, claims_of.get(c.ring_id or "")) for c in result.claim_risks)
    profiles = sorted(((p.label, p.key, replace(p, ring_id=None), claims_of.get(p.ring_id or ""))
                       for p in result.identifier_profiles), key=lambda item: item[:2])
    return rings, risks, profiles
