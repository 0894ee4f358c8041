"""``POST /v1/score``: real-time scoring of one surrender request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from starlette.responses import Response
from starlette.routing import Route

from api.deps import AppState, api_key_header, authorize, parse_body, reject_unknown_query
from api.render import render
from api.schemas import ScoreRequest, ScoreResponse
from api.scoring import score_reply
from api.security import Permission

__all__ = ["direct_route", "router"]

router = APIRouter(prefix="/v1", tags=["score"])

# The body and the key are declared here for the OpenAPI schema; the handler reads them itself.
_OPENAPI: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": ScoreRequest.model_json_schema(ref_template="#/components/schemas/{model}"),
    }}},
    "security": [{api_key_header.scheme_name: []}],
}


@router.post(
    "/score",
    response_model=ScoreResponse,
    summary="Score one surrender request against the graph and the latest detection",
    openapi_extra=_OPENAPI,
)
async def score(request: Request) -> Response:
    """Judge a request the moment it arrives: score in [0, 1] (≥ 0.5: hold for review),
    level, the ring it links to with its case status, and the reasons, each in Chinese and
    English. Reads only."""
    # Hot path (the one route called per transaction): the key is checked, the body validated
    # from raw bytes and the store read directly instead of through FastAPI's dependency and
    # body machinery, which cost more than scoring itself; same answers, same 401/403/422.
    # Scoring is look-ups in the scoring index held in memory, so it runs on the event loop
    # (no threadpool hop).
    who = authorize(request, Permission.SCORE)
    if request.scope["query_string"]:
        reject_unknown_query(request, ())
    body = parse_body(ScoreRequest, await request.body())
    state: AppState = request.app.state.ringscope
    if state.scoring_refused:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, state.scoring_refused)
    return render(score_reply(state.scorer, body, who.insurer).to_dict(), who)


direct_route = Route("/v1/score", score, methods=["POST"])
"""The same handler as a plain Starlette route, for the app to try first: FastAPI's per-request
machinery (dependency solving, its request wrapper) costs a tenth of a request and the handler
uses none of it. Errors still go through the app's handlers; ``router`` keeps the schema."""
