"""``POST /v1/score``: real-time scoring of one surrender request."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from api.deps import Scorer, StoreDep
from api.render import render
from api.schemas import ScoreRequest, ScoreResponse
from detectors.realtime import score_request

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["score"])


@router.post(
    "/score",
    response_model=ScoreResponse,
    summary="Score one surrender request against the graph and the latest detection",
)
async def score(body: ScoreRequest, store: StoreDep, who: Scorer) -> Response:
    """Judge a request the moment it arrives: score in [0, 1] (≥ 0.5: hold for review),
    level, the ring it links to and the reasons, each in Chinese and English. Reads only."""
    return render(score_request(store, body).to_dict(), who)
