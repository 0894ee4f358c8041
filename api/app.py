"""The RingScope HTTP API: ``create_app(settings)`` builds the FastAPI application.

Endpoints live under ``/v1`` (score, rings, entities, runs) plus ``/healthz`` and ``/readyz``.
Every error answers with the same JSON shape (``error``, ``message``, ``detail``); a client can
provoke 401, 403, 404, 409, 413 and 422 but never a 500. The store being unreachable gives 503
with ``Retry-After``.

``app_from_env`` builds the app from the environment, for ``uvicorn --factory``.
"""

from __future__ import annotations

import codecs
import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import access_log
from api.association import pseudonymizer
from api.cases import assignable
from api.deps import AppState
from api.jobs import DetectFn, JobManager, prepare_scoring
from api.privacy import mask_text
from api.render import JSONBytesResponse
from api.routers import docs, entities, explorer, health, rings, runs, score
from api.schemas import ERROR_RESPONSES
from api.search import CustomerIndex
from api.security import KeyRing
from api.settings import Settings
from api.throttle import FailureWindow
from detectors.pipeline import detect as detect_rings
from detectors.realtime import RealtimeScorer
from graph.connect import open_store
from graph.errors import (
    AccessError,
    ConfigError,
    ConflictError,
    NotFoundError,
    RequestFieldError,
    RingScopeError,
    StoreError,
    StoreUnavailableError,
)
from graph.escaping import escape_text
from graph.model import Label
from graph.store import GraphStore

__all__ = [
    "API_VERSION",
    "BodyLimitMiddleware",
    "JSONBodyMiddleware",
    "SlashRedirect",
    "app_from_env",
    "create_app",
]

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"

_DESCRIPTION = """
Real-time scoring of life-insurance surrender requests against a graph of the book, and the
proxy-surrender rings (代理退保团伙) detection found in it.

Authenticate with the `X-API-Key` header. Roles: `risk_system` (score only), `investigator`
(read rings and entities, change case status), `admin` (everything, including detection runs).
Phones, accounts and ID numbers are masked (`138****5678`) unless the key's role may see them.
"""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_request", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}


# ---------------------------------------------------------------------------- body size
class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413: by ``Content-Length`` before reading,
    and by counting what actually arrives (chunked or lying clients)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    await _send_error(scope, receive, send, 400, "Content-Length is not a number")
                    return
                if int(value) > self.max_bytes:
                    await self._too_large(scope, receive, send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _send_error(scope, receive, send, 413, f"request body larger than {self.max_bytes} bytes")


class HeadAsGetMiddleware:
    """Answer HEAD on every path as GET would, headers and all, without the body: RFC 9110
    section 9.3.2 (a server that serves GET serves HEAD). Load balancers probe with HEAD, link
    checkers and caches ask before they fetch; FastAPI routes serve only the methods they name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class JSONBodyMiddleware:
    """Refuse a request body under ``prefix`` that is not declared JSON with 415, before it is
    read (``Content-Type: application/json``), or declared in another charset than UTF-8 (RFC 8259:
    JSON between systems is UTF-8; a ``charset=latin-1`` body was read as UTF-8); a JSON body's
    leading byte-order mark is left out (:func:`_without_byte_order_mark`)."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1/") -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in _BODY_METHODS
                and scope["path"].startswith(self.prefix)):
            headers = dict(scope["headers"])
            has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
            media, *parameters = headers.get(b"content-type", b"").decode("latin-1").split(";")
            if has_body and media.strip().lower() != "application/json":
                await _send_error(scope, receive, send, 415, "the request body must be JSON "
                                             "(Content-Type: application/json)")
                return
            charset = _charset(parameters)
            if has_body and charset not in (None, "utf-8", "utf8"):
                await _send_error(scope, receive, send, 415, f"the request body must be UTF-8 JSON "
                                  f"(RFC 8259), not charset={charset}")
                return
            receive = _without_byte_order_mark(receive)
        await self.app(scope, receive, send)


def _charset(parameters: list[str]) -> str | None:
    """The ``charset`` of a media type's parameters (lower case, unquoted), or ``None``; two
    of them are both named (which one is meant cannot be known).

    >>> _charset([' charset="Latin-1"']), _charset(["q=1"]), _charset(["charset=utf-8", "charset=gbk"])
    ('latin-1', None, 'utf-8 and gbk')
    """
    found = [value.strip().strip('"').lower() for name, _, value in (p.partition("=") for p in parameters)
             if name.strip().lower() == "charset"]
    return " and ".join(found) if found else None


def _without_byte_order_mark(receive: Receive) -> Receive:
    """``receive`` with a UTF-8 byte-order mark at the start of the body left out: RFC 8259 lets
    a JSON parser ignore one, and Windows clients (PowerShell, a file saved by Notepad) send it.
    A mark with nothing after it stays, and is no JSON: left out, it was read as no body at all
    (which starts a run with the defaults)."""
    first = True

    async def stripped() -> Message:
        nonlocal first
        message = await receive()
        if first and message["type"] == "http.request":
            first = False
            body = message.get("body", b"")
            if body.startswith(codecs.BOM_UTF8) and (message.get("more_body") or body[len(codecs.BOM_UTF8):].strip()):
                message = {**message, "body": body[len(codecs.BOM_UTF8):]}
        return message

    return stripped


def _refusal(path: str, code: int, message: str, detail: list[dict[str, str]] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    """A refusal as its reader reads it: a page in the explorer's frame on an explorer path
    (the README promises one; a store that could not be read answered the explorer in JSON),
    the API's JSON error elsewhere."""
    if path.startswith(explorer.PREFIX + "/"):
        page = explorer.refusal_page(code, message)
        page.headers.update(headers or {})
        return page
    return _error_response(code, message, detail, headers=headers)


async def _send_error(scope: Scope, receive: Receive, send: Send, code: int, message: str) -> None:
    """A refusal sent before the app runs (from a middleware), closing the connection."""
    await _refusal(scope["path"], code, message, headers={"Connection": "close"})(scope, receive, send)


# ---------------------------------------------------------------------------- redirects
class SlashRedirect:
    """The router's fallback: a path that matches a route only with (or without) a trailing
    slash is redirected there, by a *relative* ``Location`` built from the path alone.

    Starlette's own slash redirect builds an absolute URL from the ``Host`` header, which the
    client chooses (and which this redirect answers before any key is checked).
    """

    def __init__(self, router: Router) -> None:
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path != "/":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            moved = {**scope, "path": other}
            if not other.startswith("//") and any(
                route.matches(moved)[0] is not Match.NONE for route in self.router.routes
            ):
                query = scope.get("query_string", b"").decode("latin-1")
                target = quote(other) + (f"?{query}" if query else "")
                await RedirectResponse(target, status_code=307)(scope, receive, send)
                return
        await self.router.not_found(scope, receive, send)


# ---------------------------------------------------------------------------- errors
def _error_response(code: int, message: str, detail: list[dict[str, str]] | None = None,
                    headers: Mapping[str, str] | None = None) -> JSONBytesResponse:
    # A message or field may quote the request (an unknown parameter's name): shown escaped.
    body = {"error": _ERROR_CODES.get(code, "error"), "message": escape_text(mask_text(message)),
            "detail": [{k: escape_text(v) for k, v in d.items()} for d in detail or []]}
    return JSONBytesResponse(body, status_code=code, headers=dict(headers or {}))


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else "body"
        if err.get("type") == "json_invalid":  # FastAPI puts the character offset where a field goes
            reason = f"Invalid JSON: {err.get('ctx', {}).get('error', 'decode error')}"
            out.append({"field": where, "location": where,
                        "reason": reason + (f" at character {loc[1]}" if len(loc) > 1 else "")})
            continue
        field = ".".join(loc[1:]) if len(loc) > 1 else where
        out.append({"field": field, "location": where, "reason": _reason(err)})
    return out


def _reason(err: Mapping[str, Any]) -> str:
    """Pydantic's message, without the "Value error, " it puts before a validator's own, except
    for a string too long: a length checked after a validator of the type is reported as if the
    text were a list ("at most 4000 items after validation")."""
    text, limit = err.get("input"), err.get("ctx", {}).get("max_length")
    if err.get("type") == "too_long" and isinstance(text, str) and limit is not None:
        return f"Text should have at most {limit} characters, not {len(text)}"
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette names only the first),
    asked of each route as a request of that method, so routers included in routers answer too."""
    if isinstance(request.scope.get("endpoint"), StaticFiles):  # a mount's files: routes see no path
        return ["GET", "HEAD"]
    routes = [route for route in request.app.router.routes if isinstance(route, BaseRoute)]
    served = [method for method in _METHODS
              if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)]
    return sorted({*served, "HEAD"} if "GET" in served else set(served))  # HeadAsGetMiddleware


def _install_error_handlers(app: FastAPI, retry_after: int) -> None:
    unavailable = {"Retry-After": str(retry_after)}

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = _field_errors(exc)
        if request.url.path.startswith(explorer.PREFIX + "/"):
            return explorer.invalid_request_page(detail)
        fields = ", ".join(d["field"] for d in detail)
        return _error_response(422, f"invalid request: {fields}", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        cause = exc.__cause__
        if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
            # FastAPI reads a body that is no UTF-8 as no JSON at all (400, "error parsing the
            # body"); /v1/score, validated straight from bytes, said 422 and where: one answer
            return await invalid(request, RequestValidationError([{
                "type": "json_invalid", "loc": ("body", cause.start),
                "ctx": {"error": f"the body is not UTF-8 (RFC 8259): byte 0x{cause.object[cause.start]:02x}"}}]))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _refusal(request.url.path, exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _refusal(request.url.path, 404, str(exc))

    @app.exception_handler(AccessError)
    async def no_access(request: Request, exc: AccessError) -> Response:
        return _refusal(request.url.path, 403, str(exc))

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        return _refusal(request.url.path, 409, str(exc))

    @app.exception_handler(RequestFieldError)
    async def bad_field(request: Request, exc: RequestFieldError) -> Response:
        return _refusal(request.url.path, 422, str(exc),
                        [{"field": exc.field, "location": "body", "reason": str(exc)}])

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError) -> Response:
        return _refusal(request.url.path, 422, str(exc), [{"field": "", "location": "body", "reason": str(exc)}])

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        if isinstance(exc, StoreUnavailableError):
            return _refusal(request.url.path, 503, "the graph store cannot be reached; retry later",
                            headers=unavailable)
        log.error("store error: %s", exc)
        return _refusal(request.url.path, 503, "the graph store failed to answer; retry later",
                        headers=unavailable)

    @app.exception_handler(RingScopeError)
    async def ringscope_error(request: Request, exc: RingScopeError) -> Response:
        return _refusal(request.url.path, 422, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        return _refusal(request.url.path, 500, "internal error")


# ---------------------------------------------------------------------------- the app
def _keyring(settings: Settings) -> KeyRing:
    keys = KeyRing.parse(settings.api_keys, settings.investigator_pii)
    if len(keys):
        return keys
    if not settings.dev:
        raise ConfigError(
            "no API keys configured: set RINGSCOPE_API_KEYS to 'key:role,…' "
            "(roles risk_system, investigator, admin), or use dev mode"
        )
    log.warning("=" * 72)
    log.warning("DEV MODE: no API keys configured, EVERY caller is an admin with PII access.")
    log.warning("Never expose this server; set RINGSCOPE_API_KEYS for real use.")
    log.warning("=" * 72)
    return KeyRing.open()


def _fail_abandoned_runs(store: GraphStore) -> None:
    """Runs a killed process left "running" are marked failed when the app starts."""
    try:
        store.fail_abandoned_runs()
    except RingScopeError as exc:
        log.warning("could not check for abandoned detection runs: %s", exc)


def _scorer(settings: Settings, store: GraphStore) -> tuple[RealtimeScorer, str | None]:
    """The real-time scorer, and why scoring is refused if it is: a store of pseudonymized books
    needs the association's key (``RINGSCOPE_KEY_FILE``) to hash raw requests; a key other than
    the books' is a configuration error."""
    try:
        members = store.nodes_frame(Label.INSURER)
    except StoreError as exc:
        log.warning("could not read the store's member insurers: %s", exc)
        return RealtimeScorer(store), None
    keys = set(members["key_id"].dropna().astype(str)) if "key_id" in members else set()
    if not keys:
        return RealtimeScorer(store), None
    if not settings.key_file:
        log.warning("the store holds pseudonymized books: without RINGSCOPE_KEY_FILE real-time "
                    "scoring is refused")
        return RealtimeScorer(store), ("this store holds pseudonymized books: scoring a raw "
                                       "request needs the association's key (RINGSCOPE_KEY_FILE)")
    hasher = pseudonymizer(settings.key_file)
    if hasher.key_id not in keys:
        raise ConfigError(f"RINGSCOPE_KEY_FILE holds key {hasher.key_id}; the store's books were "
                          f"hashed with key {', '.join(sorted(keys))}")
    return RealtimeScorer(store, hasher), None


def create_app(settings: Settings | None = None, store: GraphStore | None = None,
               detect: DetectFn = detect_rings, prepared: RealtimeScorer | None = None) -> FastAPI:
    """Build the API. Raises :class:`ConfigError` without API keys unless ``settings.dev``.

    ``store`` serves an already open store (kept open on shutdown); otherwise the store named by
    ``settings.store`` is opened here and closed on shutdown. The access log's request targets
    are masked from here on (:mod:`api.access_log`). ``detect`` is the detection
    pipeline behind ``POST /v1/runs``. ``prepared``: a scorer of the same store whose run index
    this app's scorer serves instead of building its own (see :mod:`api.server`).
    """
    settings = settings or Settings()
    keys = _keyring(settings)
    access_log.install()
    owned = store is None
    graph = store if store is not None else open_store(settings.store)
    scorer, scoring_refused = _scorer(settings, graph)
    if prepared is not None:
        scorer.take_index(prepared)
    jobs = JobManager(graph, detect, scorer)
    state = AppState(settings=settings, keys=keys, store=graph, jobs=jobs, scorer=scorer,
                     key_failures=FailureWindow(settings.key_failures),
                     scoring_refused=scoring_refused,
                     customers=CustomerIndex(graph))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        _fail_abandoned_runs(graph)
        warming = threading.Thread(target=prepare_scoring, args=(scorer,), kwargs={"rebuild": False},
                                   name="ringscope-warm", daemon=True)
        warming.start()
        yield
        warming.join()
        jobs.wait(timeout=30.0)
        if owned:
            graph.close()

    app = FastAPI(
        title="RingScope API", version=API_VERSION, description=_DESCRIPTION,
        lifespan=lifespan, default_response_class=JSONBytesResponse,
        docs_url=None, redoc_url=None, redirect_slashes=False,
    )
    app.router.default = SlashRedirect(app.router)
    app.state.ringscope = state
    _install_error_handlers(app, settings.retry_after_seconds)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(JSONBodyMiddleware)  # runs before the body is read
    app.add_middleware(HeadAsGetMiddleware)
    app.include_router(health.router)
    for module in (score, rings, entities, runs):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(explorer.router)
    app.include_router(docs.router)
    app.mount(docs.ASSETS_PATH, docs.assets(), name="docs-assets")
    app.router.routes.insert(0, score.direct_route)
    _name_assignees_in_schema(app, assignable(keys))
    return app


def _name_assignees_in_schema(app: FastAPI, people: list[str]) -> None:
    """The OpenAPI schema lists the people a case may be assigned to: they come from
    ``RINGSCOPE_API_KEYS``, so the schema says what this deployment accepts."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            field = schema["components"]["schemas"]["CaseUpdate"]["properties"]["assignee"]
            field["anyOf"] = [{"type": "string", "enum": people}] * bool(people) + [{"type": "null"}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The app configured from the environment (``uvicorn --factory api.app:app_from_env``)."""
    return create_app(Settings())

