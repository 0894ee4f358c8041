"""Detection runs: start one in the background, follow its progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, status
from starlette.responses import Response

from api.deps import Admin, JobsDep, MembersNamedOnce, StoreDep, strict_query
from api.jobs import run_view
from api.render import render
from api.schemas import ErrorOut, Line, RunOut, RunPage, RunRequest
from graph.errors import AccessError

__all__ = ["router"]

router = APIRouter(
    prefix="/v1/runs", tags=["runs"], dependencies=[Depends(strict_query)],
)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunOut,
             responses={409: {"model": ErrorOut, "description": "a run is already in progress"},
                        403: {"model": ErrorOut, "description": "a key scoped to one member insurer"}},
             summary="Start a detection run in the background")
def start_run(jobs: JobsDep, who: Admin, _: MembersNamedOnce,
              body: Annotated[RunRequest, Body()] = None) -> Response:  # type: ignore[assignment]
    """A run that finds no rings while rings are current fails and keeps them, unless
    ``allow_empty`` is set. A key scoped to one member insurer may not start one (403): a run
    screens every member's books and replaces every member's rings. No body runs with the
    defaults; a body is an object (typed without ``None``, so ``null`` is refused and the schema
    says so: it started a run)."""
    if who.insurer is not None:
        raise AccessError("a detection run screens every member's books: only the association's "
                          "own keys may start one")
    request = body or RunRequest()
    job = jobs.start(request.detection_params(), allow_empty=request.allow_empty)
    return render(job.view(), who, status_code=status.HTTP_202_ACCEPTED,
                  headers={"Location": f"/v1/runs/{job.id}"})


@router.get("", response_model=RunPage, summary="Runs started here and runs recorded in the store")
def list_runs(jobs: JobsDep, store: StoreDep, who: Admin) -> Response:
    items = [j.view() for j in jobs.jobs()]
    known = {i["run_id"] for i in items if i["run_id"]}
    items += [run_view(r) for r in store.runs() if r.run_id not in known]
    return render({"items": items}, who)


@router.get("/{run_id}", response_model=RunOut,
            responses={404: {"model": ErrorOut, "description": "no such run"}},
            summary="Progress and outcome of a run")
def get_run(run_id: Annotated[Line, Path(min_length=1, max_length=128)], jobs: JobsDep,
            store: StoreDep, who: Admin) -> Response:
    job = jobs.get(run_id)
    if job is not None:
        return render(job.view(), who)
    run = next((r for r in store.runs() if r.run_id == run_id), None)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no run with this id")
    return render(run_view(run), who)
