"""Rings of the current detection run, their graphs and their cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from api.cases import decide
from api.deps import (
    CaseWorker,
    MembersNamedOnce,
    Reader,
    SettingsDep,
    StateDep,
    StoreDep,
    strict_query,
)
from api.explorer import Viewer
from api.render import pdf_response, render
from api.report import ring_report
from api.schemas import (
    AuditEntry,
    CaseUpdate,
    ContractDate,
    ErrorOut,
    GraphOut,
    Level,
    Line,
    RingDetail,
    RingPage,
)
from api.scope import scope_of
from api.views import RingFilter, audit_view, ring_detail, ring_graph, ring_page
from graph.results import CaseStatus
from graph.store import KEEP

__all__ = ["router"]

router = APIRouter(
    prefix="/v1/rings", tags=["rings"], dependencies=[Depends(strict_query)],
)

RingId = Annotated[Line, Path(min_length=1, max_length=128, description="ring id")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "no such ring in the current results"}}


@router.get("", response_model=RingPage, summary="List rings, highest score first")
def list_rings(
    store: StoreDep, who: Reader,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    level: Level | None = None,
    case_status: Annotated[CaseStatus | None, Query(alias="status")] = None,
    agent: Annotated[Line | None, Query(max_length=64)] = None,
    branch: Annotated[Line | None, Query(max_length=100)] = None,
    date_from: Annotated[ContractDate | None, Query(description="rings active on or after")] = None,
    date_to: Annotated[ContractDate | None, Query(
        description="rings active on or before; not before date_from")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    if date_from is not None and date_to is not None and date_to < date_from:
        raise RequestValidationError([{
            "loc": ("query", "date_to"), "type": "value_error",
            "msg": f"date_to {date_to} is before date_from {date_from}",
        }])
    flt = RingFilter(min_score, level, case_status, agent, branch, date_from, date_to)
    return render(ring_page(store, flt, limit, offset, scope_of(store, who.insurer)), who)


@router.get("/{ring_id}", response_model=RingDetail, responses=_NOT_FOUND,
            summary="A ring with members, evidence and timeline")
def get_ring(ring_id: RingId, store: StoreDep, who: Reader) -> Response:
    return render(ring_detail(store, ring_id, scope_of(store, who.insurer)), who)


@router.get("/{ring_id}/graph", response_model=GraphOut, responses=_NOT_FOUND,
            summary="The ring as nodes and edges")
def get_ring_graph(ring_id: RingId, store: StoreDep, settings: SettingsDep,
                   who: Reader) -> Response:
    return render(ring_graph(store, ring_id, settings.max_graph_nodes, scope_of(store, who.insurer)), who)


@router.patch(
    "/{ring_id}", response_model=AuditEntry,
    responses={**_NOT_FOUND, 409: {"model": ErrorOut, "description": (
        "move not allowed, case not in expected_status, or changed meanwhile by someone else")}},
    summary="Decide on the ring's case: status, assignee, note (recorded in the audit log)",
)
def change_case(ring_id: RingId, body: CaseUpdate, state: StateDep, who: CaseWorker, _: MembersNamedOnce) -> Response:
    """Move the status, assign the case (``assignee``: a person named in the API keys, ``null``
    for nobody) and/or leave a note. A compare-and-set: of simultaneous changes to one case
    exactly one succeeds, the others get 409 (as does a move the workflow forbids, or a case no
    longer in ``expected_status``); 422 for an unknown assignee or a change of nothing."""
    assignee = body.assignee if "assignee" in body.model_fields_set else KEEP
    change = decide(state, who, ring_id, body.status, body.note, body.expected_status, assignee)
    return render(audit_view([change])[0], who)


@router.get(
    "/{ring_id}/report.pdf", response_class=Response, summary="The ring's printable case report (PDF)",
    responses={200: {"content": {"application/pdf": {}}, "description": (
        "A PDF in Chinese with English labels: ring, case and audit history, evidence, members, "
        "timeline, network, and who generated it when from which run; identifiers masked as "
        "the key's role sees them")}, **_NOT_FOUND},
)
def get_report(ring_id: RingId, store: StoreDep, who: Reader) -> Response:
    return pdf_response(ring_report(store, ring_id, Viewer(show_pii=who.pii, insurer=who.insurer), who.actor), ring_id)


@router.get("/{ring_id}/audit", response_model=list[AuditEntry], responses=_NOT_FOUND,
            summary="Every case status change of the ring, oldest first")
def get_audit(ring_id: RingId, store: StoreDep, who: Reader) -> Response:
    scope = scope_of(store, who.insurer)
    scope.ring(store.get_ring(ring_id))
    return render(audit_view(scope.case_audit(store, ring_id)), who)
