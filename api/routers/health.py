"""Liveness and readiness probes (no API key needed; HEAD too, as load balancers probe:
:class:`api.app.HeadAsGetMiddleware`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from api.deps import StateDep
from api.render import JSONBytesResponse
from api.schemas import HealthOut, ReadyOut
from graph.errors import RingScopeError

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="The process is up")
async def healthz() -> Response:
    return JSONBytesResponse({"status": "ok"})


@router.get(
    "/readyz", response_model=ReadyOut, summary="The store is reachable and holds detection results",
    responses={503: {"model": ReadyOut, "description": "not ready"}},
)
def readyz(state: StateDep) -> Response:
    try:
        run = state.store.current_run()
    except RingScopeError as exc:
        body = {"status": "not_ready", "store": False, "results": False, "run_id": None,
                "reason": f"store unreachable: {type(exc).__name__}"}
        return JSONBytesResponse(body, status_code=503,
                                 headers={"Retry-After": str(state.settings.retry_after_seconds)})
    if run is None:
        body = {"status": "not_ready", "store": True, "results": False, "run_id": None,
                "reason": "no detection results yet: run detection first"}
        return JSONBytesResponse(body, status_code=503)
    return JSONBytesResponse({"status": "ready", "store": True, "results": True,
                              "run_id": run.run_id, "reason": None})

