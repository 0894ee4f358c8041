"""Entities of the graph (claims, customers, phones …) and their neighbourhoods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from api.deps import Reader, SettingsDep, StateDep, strict_query
from api.render import render
from api.schemas import EntityOut, ErrorOut, GraphOut, Line
from api.scope import scope_of
from api.views import EntityType, entity_view, neighbourhood_view

__all__ = ["router"]

router = APIRouter(
    prefix="/v1/entities", tags=["entities"],
    responses={404: {"model": ErrorOut, "description": "no such entity"}},
    dependencies=[Depends(strict_query)],
)

EntityId = Annotated[Line, Path(
    min_length=1, max_length=200,
    description="the record id, or the identifier as typed (phones and accounts are normalized)",
)]


class _IdConvertor(Convertor[str]):
    """An id as a path segment that may hold '/' (addresses do: 7栋/2单元) and any other
    character, so that a malformed id reaches validation (422 naming it) instead of 404."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("entity_id", _IdConvertor())

# The neighbourhood route is declared first, or the entity route would take "…/neighborhood"
# as part of an id.
@router.get("/{entity_type}/{entity_id:entity_id}/neighborhood", response_model=GraphOut,
            summary="The entity and everything within 1 or 2 hops")
def get_neighbourhood(
    entity_type: EntityType, entity_id: EntityId, state: StateDep, settings: SettingsDep,
    who: Reader, depth: Annotated[int, Query(ge=1, le=2, description="1 or 2 hops")] = 1,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    cap = min(limit or settings.max_graph_nodes, settings.max_graph_nodes)
    store = state.store
    return render(neighbourhood_view(store, entity_type, entity_id, depth, cap,
                                     scope_of(store, who.insurer), state.scorer.pseudonymizer), who)


@router.get("/{entity_type}/{entity_id:entity_id}", response_model=EntityOut, summary="One entity")
def get_entity(entity_type: EntityType, entity_id: EntityId, state: StateDep,
               who: Reader) -> Response:
    store = state.store
    return render(entity_view(store, entity_type, entity_id, scope_of(store, who.insurer),
                              state.scorer.pseudonymizer), who)
