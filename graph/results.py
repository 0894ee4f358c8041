"""Detection results as stores keep them: runs, rings with evidence, per-claim risk, and cases.

These are plain dataclasses so every backend stores the same thing. ``Ring.to_export()`` is the
export contract other systems read (see README, "Export contract").

>>> ring = Ring(ring_id="R-1", score=0.8, level="high", claim_ids=("C1", "C2"))
>>> ring.to_export()["claim_ids"]
['C1', 'C2']
>>> level_for(0.8), level_for(0.55), level_for(0.2)
('high', 'medium', 'low')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "ALERT_THRESHOLD",
    "CASE_REOPENINGS",
    "CASE_TRANSITIONS",
    "CaseChange",
    "CaseEvent",
    "CaseStatus",
    "ClaimRisk",
    "DetectionResult",
    "Evidence",
    "IdentifierProfile",
    "Ring",
    "RingIdentifier",
    "RunRecord",
    "case_moves",
    "level_for",
]

Level = Literal["high", "medium", "low"]

ALERT_THRESHOLD = 0.5
"""A ring or claim scoring at least this should be opened by an investigator."""

_HIGH_THRESHOLD = 0.75


def level_for(score: float) -> Level:
    """Map a score in [0, 1] to its level: high ≥ 0.75 > medium ≥ 0.5 > low."""
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score must be within [0, 1], got {score}")
    if score >= _HIGH_THRESHOLD:
        return "high"
    if score >= ALERT_THRESHOLD:
        return "medium"
    return "low"


@dataclass(frozen=True)
class Evidence:
    """One checkable fact behind a score: a stable code, a sentence in Chinese and English,
    and the concrete identifiers, dates and counts behind it."""

    code: str
    zh: str
    en: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "data": dict(self.data)}


@dataclass(frozen=True)
class RingIdentifier:
    """An identifier a ring's claims share, e.g. ``("phone", "+8613812345678")``."""

    type: str
    value: str


@dataclass(frozen=True)
class Ring:
    """A suspected proxy-surrender ring."""

    ring_id: str
    score: float
    level: Level
    claim_ids: tuple[str, ...]
    customer_ids: tuple[str, ...] = ()
    agent_ids: tuple[str, ...] = ()
    identifiers: tuple[RingIdentifier, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    first_request_date: str | None = None
    last_request_date: str | None = None

    def to_export(self) -> dict[str, Any]:
        """The ring as the export contract defines it."""
        return {
            "ring_id": self.ring_id,
            "score": round(self.score, 4),
            "level": self.level,
            "claim_ids": list(self.claim_ids),
            "customer_ids": list(self.customer_ids),
            "agent_ids": list(self.agent_ids),
            "identifiers": [{"type": i.type, "value": i.value} for i in self.identifiers],
            "evidence": [e.to_dict() for e in self.evidence],
            "first_request_date": self.first_request_date,
            "last_request_date": self.last_request_date,
        }

    @classmethod
    def from_export(cls, data: Mapping[str, Any]) -> Ring:
        return cls(
            ring_id=str(data["ring_id"]),
            score=float(data["score"]),
            level=data["level"],
            claim_ids=tuple(data["claim_ids"]),
            customer_ids=tuple(data.get("customer_ids", ())),
            agent_ids=tuple(data.get("agent_ids", ())),
            identifiers=tuple(
                RingIdentifier(i["type"], i["value"]) for i in data.get("identifiers", ())
            ),
            evidence=tuple(
                Evidence(e["code"], e["zh"], e["en"], e.get("data", {}))
                for e in data.get("evidence", ())
            ),
            first_request_date=data.get("first_request_date"),
            last_request_date=data.get("last_request_date"),
        )


@dataclass(frozen=True)
class ClaimRisk:
    """A claim's risk score in [0, 1] and the ring it belongs to, if any."""

    claim_id: str
    risk: float
    ring_id: str | None = None


@dataclass(frozen=True)
class IdentifierProfile:
    """What detection learned about one identifier node, for real-time scoring.

    ``suspicion`` in [0, 1] is the weight detection gave the identifier (0 for benign hubs,
    household-shared numbers and agents' own phones). ``label`` is a ``graph.model.Label`` value.
    ``customers``: the customers using it; ``unrelated_customers``: the households using it,
    unrelated to each other, *beyond the first* (0 for one family), as detection measures them
    (:attr:`households` is the count an investigator reads). ``ring_id`` is the ring most of
    its claims belong to, and ``ring_last_request`` (ISO date) the last request of that ring's
    claims with it: a number a rotating ring dropped early is done with before the ring is;
    ``ring_first_taken`` (ISO date) the day the first of those claims' customers took it (their
    earliest dated change to it; ``None`` when none has one, or when one of the ring's requests
    with it came before that day: the ring had it already): a request filed with it long before
    was its earlier holder's (:mod:`detectors.reissue`).

    >>> IdentifierProfile("Phone", "+8618679001111", 2, 1, 0.4).households
    2
    """

    label: str
    key: str
    customers: int
    unrelated_customers: int
    suspicion: float
    ring_id: str | None = None
    notes: tuple[str, ...] = ()
    ring_last_request: str | None = None
    ring_first_taken: str | None = None

    @property
    def households(self) -> int:
        """The households using the identifier, unrelated to each other (a family, or the
        customers of one surname, is one): the figure the real-time reasons ("used by 2
        unrelated households", their ``households``) and the entity profile give. A ring's
        evidence counts its own claims' households, one per family, so where two members of
        different households share a surname it says one more."""
        return self.unrelated_customers + 1 if self.customers else 0


@dataclass
class RunRecord:
    """A detection run: parameters, the data it saw, timing and a summary of its outcome.

    While it runs, ``owner`` names the process working on it (``{"host", "pid", "started"}``),
    ``heartbeat_at`` the last time it said it was alive (see :mod:`graph.liveness`), and
    ``step`` and ``progress`` (0 to 1) how far it got, as far as it reported
    (:meth:`graph.store.GraphStore.record_progress`): any process reading the store can follow it.
    """

    run_id: str
    params: dict[str, Any]
    input_fingerprint: str
    started_at: str
    finished_at: str | None = None
    status: Literal["running", "succeeded", "failed"] = "running"
    summary: dict[str, Any] = field(default_factory=dict)
    owner: dict[str, Any] | None = None
    heartbeat_at: str | None = None
    step: str | None = None
    progress: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DetectionResult:
    """Everything one detection run produces; stores replace the current results with it atomically."""

    run: RunRecord
    rings: list[Ring]
    claim_risks: list[ClaimRisk]
    identifier_profiles: list[IdentifierProfile] = field(default_factory=list)


class CaseStatus(StrEnum):
    """An investigator's case status for a ring."""

    NEW = "new"
    INVESTIGATING = "investigating"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


CASE_TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.INVESTIGATING, CaseStatus.DISMISSED}),
    CaseStatus.INVESTIGATING: frozenset({CaseStatus.CONFIRMED, CaseStatus.DISMISSED}),
    CaseStatus.CONFIRMED: frozenset(),
    CaseStatus.DISMISSED: frozenset({CaseStatus.INVESTIGATING}),
}
"""The moves of a case's workflow: ``new → investigating → confirmed | dismissed``, dismissed
may reopen."""

CASE_REOPENINGS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.CONFIRMED: frozenset({CaseStatus.INVESTIGATING}),
}
"""Moves only an admin may make, each with a note saying why: a confirmation found mistaken (a
mis-click, a court's acquittal, a household confirmed by error) goes back to investigating. A
confirmed ring counts in real-time scoring at least as a watchlist hit, so without this move a
mistaken confirmation would mark its members' phones and accounts for ever; the audit log keeps
the confirmation and its reopening alike."""


def case_moves(status: CaseStatus, reopen: bool = False) -> frozenset[CaseStatus]:
    """The statuses a case in ``status`` may move to, with the reopenings when ``reopen`` (the
    decider is an admin).

    >>> [s.value for s in case_moves(CaseStatus.CONFIRMED)], [s.value for s in case_moves(CaseStatus.CONFIRMED, True)]
    ([], ['investigating'])
    """
    return CASE_TRANSITIONS[status] | (CASE_REOPENINGS.get(status, frozenset()) if reopen else frozenset())


class CaseEvent(StrEnum):
    """What an audit entry records: a person's decision, or a detection run's re-alert."""

    DECISION = "decision"
    """A person moved the status, assigned the case, or left a note (or several at once)."""
    REALERT = "realert"
    """A later run added claims to a confirmed or dismissed ring (see :mod:`graph.cases`)."""


@dataclass(frozen=True)
class CaseChange:
    """One entry of a ring's audit log: when, who (a person's name, a key's id, or the run
    that re-alerted), the status before and after, the note, the assignee after the entry
    (``None``: nobody), and for a re-alert the claims the run added."""

    ring_id: str
    at: str
    actor: str
    from_status: CaseStatus
    to_status: CaseStatus
    note: str = ""
    assignee: str | None = None
    event: CaseEvent = CaseEvent.DECISION
    new_claims: tuple[str, ...] = ()
