"""Dependencies shared by the routers: the app state, the store, the caller and their rights.

Handlers declare what they need as ``Annotated`` aliases::

    def handler(store: StoreDep, who: Reader) -> ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

from api.jobs import JobManager
from api.security import KeyRing, Permission, Principal
from api.settings import Settings
from graph.store import GraphStore

__all__ = [
    "Admin",
    "AppState",
    "CaseWorker",
    "JobsDep",
    "Reader",
    "Scorer",
    "SettingsDep",
    "StateDep",
    "StoreDep",
    "api_key_header",
    "get_state",
]

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="API key; its role decides what it may do."
)


@dataclass
class AppState:
    """Everything the app holds for its lifetime (``app.state.ringscope``)."""

    settings: Settings
    keys: KeyRing
    store: GraphStore
    jobs: JobManager


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.ringscope
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


async def get_store(state: StateDep) -> GraphStore:
    return state.store


async def get_jobs(state: StateDep) -> JobManager:
    return state.jobs


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]


async def get_principal(
    state: StateDep, api_key: Annotated[str | None, Depends(api_key_header)]
) -> Principal:
    """The caller behind ``X-API-Key``; 401 when the key is missing or unknown."""
    principal = state.keys.authenticate(api_key)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key (header X-API-Key)" if not api_key else "unknown API key",
        )
    return principal


def requires(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting callers whose role grants ``permission`` (403 otherwise)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.may(permission):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {principal.role} may not do this (needs the '{permission}' permission)",
            )
        return principal

    return check


Scorer = Annotated[Principal, Depends(requires(Permission.SCORE))]
Reader = Annotated[Principal, Depends(requires(Permission.READ))]
CaseWorker = Annotated[Principal, Depends(requires(Permission.CASE))]
Admin = Annotated[Principal, Depends(requires(Permission.RUNS))]
