"""Detection parameters: one frozen dataclass, checked when it is built.

Every knob a run depends on lives here, so a run record can store them and the same parameters
with the same input give the same rings. Each field carries its range (:func:`bounded`): the
checks below and the HTTP API's schema both read it, so a new parameter is one line.

>>> DetectionParams().resolution
0.6
>>> DetectionParams(seed=3, resolution=2.0).as_dict()["seed"]
3
>>> DetectionParams(resolution=0)
Traceback (most recent call last):
...
ValueError: resolution must be at least 0.05, got 0
>>> DetectionParams(resolution=1e308)
Traceback (most recent call last):
...
ValueError: resolution must be at most 5.0, got 1e+308
>>> PARAM_BOUNDS["template_threshold"]
{'gt': 0.0, 'lt': 1.0}
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, TypeVar, get_args, get_type_hints

__all__ = ["COMMUNITY_METHODS", "PARAM_BOUNDS", "CommunityMethod", "DetectionParams", "bounded"]

CommunityMethod = Literal["louvain", "igraph-multilevel", "igraph-leiden"]
COMMUNITY_METHODS: tuple[str, ...] = get_args(CommunityMethod)

T = TypeVar("T")

_LIMITS = {
    "ge": (lambda v, b: v >= b, "at least"),
    "gt": (lambda v, b: v > b, "more than"),
    "le": (lambda v, b: v <= b, "at most"),
    "lt": (lambda v, b: v < b, "less than"),
}


def bounded(default: T, *, ge: float | None = None, gt: float | None = None,
            le: float | None = None, lt: float | None = None) -> T:
    """A parameter field with its default and range (``ge``/``gt`` below, ``le``/``lt`` above),
    kept in the field's metadata for :meth:`DetectionParams.__post_init__` and the API schema."""
    limits = {"ge": ge, "gt": gt, "le": le, "lt": lt}
    return field(default=default, metadata={k: v for k, v in limits.items() if v is not None})


@dataclass(frozen=True)
class DetectionParams:
    """What a detection run may be tuned with.

    Attributes:
        seed: seed of every randomised step (community detection, MinHash permutations).
        resolution: modularity resolution γ of the community step (the null-model factor, as
            in networkx and igraph); higher gives smaller rings.
        method: community algorithm. Leiden is the default by measurement: on hard synthetic
            books it recovers large rings whole at γ = 0.6, while python-louvain (``"louvain"``)
            is reliable only at γ = 1 (its stopping test scales the other modularity term),
            where rings of 15 or more claims split into pieces.
        split_components: run community detection on each connected component of the
            weighted claim graph on its own (rings are small; a global null model merges them).
        hub_customers: an identifier touching at least this many customers is a hub
            (branch landline, hotline) and links nothing, unless it is on the watchlist.
        household_max: registered addresses shared by more customers than this are not
            treated as one household (apartment blocks, branch addresses).
        change_window_days: a contact change this many days or fewer before a surrender
            counts as "changed just before surrender".
        template_threshold: Jaccard similarity of character 3-gram shingles from which two
            complaint letters count as the same template. 0.45 by measurement: heavily edited
            ring letters (8 % character edits) mostly score 0.40-0.60 with each other, while
            letters of different rings built from one base template reach about 0.48 and only
            rarely share a time window; at 0.4 and below rings of normal books merge.
        template_window_days: template links only join letters filed at most this many days
            apart, and a letter's closest letters are looked for within it.
        join_weight: communities linked by a link at least this heavy are joined after the
            community step (see :func:`detectors.communities.find_communities`); above 3 never.
            0.75 by measurement over 31 books (the project's generated and adversarial books
            and eleven outside books of 30 000-50 000 customers, and one of a million): against
            0.9, rings rotating three or four phones and two cards over four to eight months
            came out whole (ring recall of two outside books 0.95 → 1.00, of the million-customer
            one 0.91 → 0.94) and no book lost a ring; 0.6 cost one outside book a ring, and
            0.45 and 0.5 merged distinct rings (one outside book's ring recall 0.95 → 0.45).
        split_quality: a community of at least sixteen claims is split again on its own links
            when the best split found there reaches this modularity (γ = 1, on the community's
            own links), and so on for its parts (see :func:`detectors.communities.find_communities`);
            1.0 never. 0.3 by measurement: on a million-customer adversarial book one null
            model for a whole component merged up to nineteen rings into one community (ring
            recall 0.42, purity 0.53; 0.69 and 0.81 with the split), while 0.25 began to cut
            single rings of 30 000-customer books in two.
        burst_alpha: significance a crowd of letters of one template (or of one resigned
            agent's book) must reach to count as a burst (see :mod:`detectors.bursts`).
        min_edge_weight: links lighter than this are dropped before community detection.
        min_ring_claims: smallest ring reported.
        alert_threshold: ring score from which a ring counts as alerted (investigate it).
        expansion_margin_days: a claim may join an alerted ring when filed at most this many
            days before its first or after its last request (see :mod:`detectors.expansion`).
        expansion_tie_score: trait score (log likelihood ratio) a claim tied to a ring only by
            its letter template or its resigned agent needs to join it; 2 lets a complaint-driven
            claim join (its letter's closest letters must be the ring's).
        expansion_alone_score: trait score a claim tied to a ring by nothing but the time needs
            to join it; 5 needs at least two rare traits (a change just before, a third-party
            payout) besides the complaint. Both chosen by measurement on the project's realistic
            and adversarial books (``benchmarks/quality.py --set``).
    """

    seed: int = bounded(42, ge=0, le=2**32 - 1)
    resolution: float = bounded(0.6, ge=0.05, le=5.0)
    method: CommunityMethod = "igraph-leiden"
    split_components: bool = True
    hub_customers: int = bounded(100, ge=2, le=100_000)
    household_max: int = bounded(6, ge=2, le=100)
    change_window_days: int = bounded(90, ge=1, le=3_650)
    template_threshold: float = bounded(0.45, gt=0.0, lt=1.0)
    template_window_days: int = bounded(120, ge=1, le=3_650)
    burst_alpha: float = bounded(0.01, gt=0.0, lt=1.0)
    join_weight: float = bounded(0.75, gt=0.0, le=4.0)
    split_quality: float = bounded(0.3, gt=0.0, le=1.0)
    min_edge_weight: float = bounded(0.15, ge=0.0, lt=1.0)
    min_ring_claims: int = bounded(2, ge=2, le=10_000)
    alert_threshold: float = bounded(0.5, gt=0.0, lt=1.0)
    expansion_margin_days: int = bounded(30, ge=0, le=365)
    expansion_tie_score: float = bounded(2.0, ge=0.0, le=50.0)
    expansion_alone_score: float = bounded(5.0, ge=0.0, le=50.0)

    def __post_init__(self) -> None:
        """Check every field against its type and range; raises :class:`ValueError` naming it."""
        for f in fields(self):
            value, kind = getattr(self, f.name), _FIELD_TYPES[f.name]
            if kind is bool:
                ok = isinstance(value, bool)
            elif kind is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            elif kind is float:
                ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            else:
                ok = value in get_args(kind)
            if not ok:
                expected = ("a finite number" if kind is float else kind.__name__) if isinstance(kind, type) \
                    else f"one of {', '.join(get_args(kind))}"
                raise ValueError(f"{f.name} must be {expected}, got {value!r}")
            for limit, bound in f.metadata.items():
                holds, words = _LIMITS[limit]
                if not holds(value, bound):
                    raise ValueError(f"{f.name} must be {words} {bound}, got {value!r}")

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain values (for the run record)."""
        return asdict(self)


_FIELD_TYPES: dict[str, Any] = get_type_hints(DetectionParams)

PARAM_BOUNDS: dict[str, dict[str, float]] = {
    f.name: dict(f.metadata) for f in fields(DetectionParams) if f.metadata
}
"""Each bounded parameter's range: ``{"resolution": {"ge": 0.05, "le": 5.0}, …}``."""
