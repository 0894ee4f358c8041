"""The reply to one surrender request: what ``POST /v1/score`` answers and ``rs.score_request``
returns, built in one place so a notebook reads what a risk system gets.

A reply is the scorer's verdict (:class:`detectors.realtime.RealtimeScorer`) with the case
status of the ring it names (``ring_status``) and the ``warnings`` about the request's values:
an identifier left out as damaged (:meth:`api.schemas.ScoreRequest.unused_values`), a record
id typed another way than a stored one (:meth:`~detectors.realtime.RealtimeScorer.read_twins`)
and a stored request's id naming another customer, policy or date
(:meth:`~detectors.realtime.RealtimeScorer.claim_id_conflict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from api.schemas import InputWarning, ScoreRequest
from api.scope import Scope
from detectors.realtime import RealtimeScorer, SurrenderRequest
from graph.model import Label
from graph.results import CaseStatus, Evidence, Level
from graph.store import GraphStore

__all__ = ["ScoreReply", "score_reply", "score_request"]


@dataclass(frozen=True)
class ScoreReply:
    """``claim_id`` as the request gave it, ``score`` in [0, 1], ``level``, ``ring_id`` (a ring
    the run alerted or investigators confirmed, else ``None``) and its ``ring_status``, the
    ``reasons`` strongest first, and the ``warnings`` about values of the request."""

    claim_id: str
    score: float
    level: Level
    ring_id: str | None
    ring_status: CaseStatus | None
    reasons: tuple[Evidence, ...]
    warnings: tuple[InputWarning, ...]

    def to_dict(self) -> dict[str, Any]:
        """The reply as ``POST /v1/score``'s JSON body (:class:`api.schemas.ScoreResponse`)."""
        return {"claim_id": self.claim_id, "score": self.score, "level": self.level,
                "ring_id": self.ring_id, "reasons": [r.to_dict() for r in self.reasons],
                "warnings": [w.model_dump(exclude_none=True) for w in self.warnings],
                "ring_status": self.ring_status.value if self.ring_status is not None else None}


def score_reply(scorer: RealtimeScorer, body: ScoreRequest, insurer: str | None = None) -> ScoreReply:
    """Score ``body`` against the scorer's current index; ``insurer``: the member a scoped
    caller is (its record ids are keyed ``CODE:id`` in the store). Raises
    :class:`graph.errors.RequestFieldError` (422) for a record id or date the scorer cannot read."""
    req = SurrenderRequest.from_any(body)  # record ids read as ingest reads them
    if insurer is not None:  # a member's risk system names its own records: the store keys them CODE:id
        scope = Scope(insurer)
        ids: dict[str, Any] = {name: scope.record_key(Label.CLAIM, value) for name in ("claim_id", "policy_id", "customer_id")
                               if isinstance(value := getattr(req, name), str)}
        req = replace(req, **ids)
    index = scorer.index()  # the verdict and its ring's case status from one index
    req, twins = scorer.read_twins(req, index)
    verdict = scorer.score(req, index)
    warnings = body.unused_values() + [InputWarning(field=name, reason=why, stored_ids=list(ids))
                                       for name, why, ids in twins]
    conflict = scorer.claim_id_conflict(req, index)
    if conflict is not None:
        warnings.append(InputWarning(field="claim_id", reason=conflict))
    return ScoreReply(claim_id=body.claim_id, score=verdict.score, level=verdict.level, ring_id=verdict.ring_id,
                      ring_status=index.run.status(verdict.ring_id) if verdict.ring_id else None,
                      reasons=verdict.reasons, warnings=tuple(warnings))


def score_request(store: GraphStore, request: ScoreRequest | Mapping[str, Any]) -> ScoreReply:
    """Score one request (the body of ``POST /v1/score`` as a mapping) against the store's
    current run, with the reply that endpoint gives (warnings and ``ring_status`` included).
    Builds the scoring index each call: for many requests keep a
    :class:`~detectors.realtime.RealtimeScorer` and call :func:`score_reply`. Raises
    ``ValueError`` (pydantic's ``ValidationError`` or :class:`graph.errors.RequestFieldError`)
    naming the field of a request the endpoint answers with 422."""
    body = request if isinstance(request, ScoreRequest) else ScoreRequest.model_validate(dict(request))
    return score_reply(RealtimeScorer(store), body)
