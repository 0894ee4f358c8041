"""Detection parameters: one frozen dataclass, checked when it is built.

Every knob a run depends on lives here, so a run record can store them and the same parameters
with the same input give the same rings.

>>> DetectionParams().resolution
0.6
>>> DetectionParams(seed=3, resolution=2.0).as_dict()["seed"]
3
>>> DetectionParams(resolution=0)
Traceback (most recent call last):
...
ValueError: resolution must be positive, got 0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["COMMUNITY_METHODS", "CommunityMethod", "DetectionParams"]

CommunityMethod = Literal["louvain", "igraph-multilevel", "igraph-leiden"]
COMMUNITY_METHODS: tuple[str, ...] = ("louvain", "igraph-multilevel", "igraph-leiden")


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
        template_window_days: template, timing and ex-agent links only join claims filed at
            most this many days apart.
        join_weight: communities linked by a link at least this heavy are joined after the
            community step (see :func:`detectors.communities.find_communities`); above 3 never.
        burst_alpha: significance a crowd of letters of one template (or of one resigned
            agent's book) must reach to count as a burst (see :mod:`detectors.bursts`).
        min_edge_weight: links lighter than this are dropped before community detection.
        min_ring_claims: smallest ring reported.
        alert_threshold: ring score from which a ring counts as alerted (investigate it).
        expansion_margin_days: a claim may join an alerted ring when filed at most this many
            days before its first or after its last request (see :mod:`detectors.expansion`).
        expansion_tie_score: trait score (log likelihood ratio) a claim tied to a ring only by
            its letter template or its resigned agent needs to join it.
        expansion_alone_score: trait score a claim tied to a ring by nothing but the time needs
            to join it.
    """

    seed: int = 42
    resolution: float = 0.6
    method: CommunityMethod = "igraph-leiden"
    split_components: bool = True
    hub_customers: int = 100
    household_max: int = 6
    change_window_days: int = 90
    template_threshold: float = 0.45
    template_window_days: int = 120
    burst_alpha: float = 0.01
    join_weight: float = 0.9
    min_edge_weight: float = 0.15
    min_ring_claims: int = 2
    alert_threshold: float = 0.5
    expansion_margin_days: int = 30
    expansion_tie_score: float = 2.5
    expansion_alone_score: float = 5.0

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not self.resolution > 0:
            raise ValueError(f"resolution must be positive, got {self.resolution!r}")
        if self.method not in COMMUNITY_METHODS:
            raise ValueError(f"method must be one of {', '.join(COMMUNITY_METHODS)}, got {self.method!r}")
        for name in ("hub_customers", "household_max", "min_ring_claims"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise ValueError(f"{name} must be an integer of at least 2, got {value!r}")
        for name in ("change_window_days", "template_window_days", "expansion_margin_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive number of days, got {value!r}")
        for name in ("template_threshold", "alert_threshold", "burst_alpha"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be within (0, 1), got {value!r}")
        if not 0.0 <= self.min_edge_weight < 1.0:
            raise ValueError(f"min_edge_weight must be within [0, 1), got {self.min_edge_weight!r}")

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain values (for the run record)."""
        return asdict(self)
