"""Dependencies shared by the routers: the app state, the store, the caller and their rights.

Handlers declare what they need as ``Annotated`` aliases::

    def handler(store: StoreDep, who: Reader) -> ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ValidationError

from api.jobs import JobManager
from api.schemas import duplicate_keys
from api.search import CustomerIndex
from api.security import KeyRing, Permission, Principal
from api.settings import Settings
from api.throttle import FailureWindow, client_of
from detectors.realtime import RealtimeScorer
from graph.store import GraphStore

__all__ = [
    "KEY_CHALLENGE",
    "Admin",
    "AppState",
    "CaseWorker",
    "JobsDep",
    "MembersNamedOnce",
    "Reader",
    "Scorer",
    "SettingsDep",
    "StateDep",
    "StoreDep",
    "TooManyKeyFailures",
    "api_key_header",
    "authenticate",
    "authorize",
    "check_key",
    "declared_query",
    "get_state",
    "parse_body",
    "permit",
    "presented_key",
    "reject_unknown_query",
    "strict_query",
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
    scorer: RealtimeScorer
    key_failures: FailureWindow
    customers: CustomerIndex
    scoring_refused: str | None = None
    """Why real-time scoring is refused (a store of pseudonymized books without the key)."""


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


class TooManyKeyFailures(HTTPException):
    """429: the client presented too many unknown keys lately (see :mod:`api.throttle`)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(status.HTTP_429_TOO_MANY_REQUESTS,
                         f"too many unknown API keys from this client; retry in {retry_after} s",
                         headers={"Retry-After": str(retry_after)})


def check_key(state: AppState, client: str, api_key: str | None) -> Principal | None:
    """The principal of a presented key, or ``None``; an unknown key counts against ``client``,
    and a client over the limit gets :class:`TooManyKeyFailures` before its key is looked at
    (no key at all is no guess: plain ``None``)."""
    if not api_key:
        return state.keys.authenticate(api_key)
    wait = state.key_failures.blocked_for(client)
    if wait:
        raise TooManyKeyFailures(wait)
    principal = state.keys.authenticate(api_key)
    if principal is None:
        state.key_failures.record(client)
    return principal


KEY_CHALLENGE = {"WWW-Authenticate": 'APIKey header="X-API-Key"'}
"""The challenge every 401 carries (RFC 9110 §11.6.1: a 401 names how to authenticate): a key
in the ``X-API-Key`` header. The scheme is no registered one; clients read the header's name."""


def authenticate(state: AppState, client: str, api_key: str | None) -> Principal:
    """The caller behind a presented ``X-API-Key``; 401 when the key is missing or unknown,
    429 when the client presented too many unknown keys lately."""
    principal = check_key(state, client, api_key)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key (header X-API-Key)" if not api_key else "unknown API key",
            headers=KEY_CHALLENGE,
        )
    return principal


def permit(principal: Principal, permission: Permission) -> Principal:
    """The caller if their role grants ``permission``; 403 otherwise."""
    if not principal.may(permission):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {principal.role} may not do this (needs the '{permission}' permission)",
        )
    return principal


def presented_key(request: Request) -> str | None:
    """The request's ``X-API-Key``; 401 when it comes twice (which one is meant cannot be
    known: a client sent its own key and a proxy's, and the first was taken without a word)."""
    keys = request.headers.getlist("x-api-key")
    if len(keys) > 1:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key given more than once", headers=KEY_CHALLENGE)
    return keys[0] if keys else None


def authorize(request: Request, permission: Permission) -> Principal:
    """:func:`authenticate` and :func:`permit` in one direct call, for hot paths that skip
    dependency solving (same answers as the ``Scorer`` … dependencies)."""
    state: AppState = request.app.state.ringscope
    return permit(authenticate(state, client_of(request), presented_key(request)), permission)


async def get_principal(
    request: Request, state: StateDep, _: Annotated[str | None, Depends(api_key_header)]
) -> Principal:
    """The caller behind ``X-API-Key`` (declared through ``api_key_header`` for the schema); 401
    when the key is missing, unknown or given twice, 429 after too many unknown keys."""
    return authenticate(state, client_of(request), presented_key(request))


def requires(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting callers whose role grants ``permission`` (403 otherwise)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return permit(principal, permission)

    return check


Scorer = Annotated[Principal, Depends(requires(Permission.SCORE))]
Reader = Annotated[Principal, Depends(requires(Permission.READ))]
CaseWorker = Annotated[Principal, Depends(requires(Permission.CASE))]
Admin = Annotated[Principal, Depends(requires(Permission.RUNS))]


Model = TypeVar("Model", bound=BaseModel)


def parse_body(model: type[Model], raw: bytes) -> Model:
    """A JSON request body validated straight from bytes (pydantic's ``model_validate_json``,
    no intermediate dicts); errors answer 422 exactly as FastAPI's own body validation does."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


async def members_named_once(request: Request) -> None:
    """A JSON request body names each member once: a member named twice is refused (FastAPI
    keeps the last value without a word, so which was meant cannot be known: a case's note, a
    run's resolution). Declared after the key's dependency, so a caller without the right
    learns nothing of the body's rules."""
    twice = duplicate_keys(await request.body())
    if twice:
        raise RequestValidationError([{"loc": ("body", name), "msg": "given more than once",
                                       "type": "duplicate_key"} for name in twice])


MembersNamedOnce = Annotated[None, Depends(members_named_once)]
"""A handler's last parameter, so the key is checked first: see :func:`members_named_once`."""


def reject_unknown_query(request: Request, allowed: Collection[str]) -> None:
    """422 naming each query parameter that is not in ``allowed`` or is given more than once
    (a misspelt filter would otherwise be dropped without a word and the answer look right)."""
    seen: set[str] = set()
    problems: list[dict[str, Any]] = []
    for name, _ in request.query_params.multi_items():
        if name not in allowed:
            problems.append({"loc": ("query", name), "msg": "unknown query parameter",
                             "type": "extra_forbidden"})
        elif name in seen:
            problems.append({"loc": ("query", name), "msg": "given more than once",
                             "type": "value_error"})
        seen.add(name)
    if problems:
        raise RequestValidationError(problems)


def declared_query(request: Request) -> set[str]:
    """The query parameters the request's route declares (its dependencies' included)."""
    route = request.scope.get("route")
    return _query_names(route.dependant) if isinstance(route, APIRoute) else set()


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def strict_query(request: Request, _: Annotated[Principal, Depends(get_principal)]) -> None:
    """Router dependency: only the query parameters the route declares, each at most once;
    asked after the key (a caller without one got 422 for ``?foo=1`` and 401 for
    ``?limit=abc``: the key comes first, and tells the caller nothing of the rules)."""
    reject_unknown_query(request, declared_query(request))
