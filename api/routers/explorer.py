"""The explorer's HTML pages and static assets, under ``/explorer``.

Routes:

* ``GET /explorer/`` — ring list (``?level=``, ``?status=``, ``?page=``);
* ``GET /explorer/rings/{ring_id}`` — a ring's network, evidence, claims and case history;
* ``GET /explorer/entities/{type}/{key}?depth=1|2`` — an entity's neighbourhood (capped);
* ``GET /explorer/static/{name}`` — vis-network (pyvis's copy), the explorer's CSS and script;
* ``GET|POST /explorer/login``, ``POST /explorer/logout`` — the sign-in form and sign-out.

Authentication in a browser: pages need an ``investigator`` or ``admin`` key. Scripts send it
in the ``X-API-Key`` header; people sign in through the form (``POST /explorer/login``), which
opens a session kept in the store and sets a cookie holding the session's random token, never
the key (:mod:`api.sessions`: token rotated at every sign-in, anti-forgery tokens on every
form, cross-site posts refused, HttpOnly, SameSite, Secure over https or when configured).
A key is never read from the address: a ``?key=`` link gets the sign-in form. Without a key or
session a page answers 401 with the sign-in form; with a key of another role, 403.

Pages are served with a Content-Security-Policy that allows only the explorer's own scripts
and styles (no inline script), no framing, no referrer, and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, StoreDep, TooManyKeyFailures, check_key
from api.explorer import (
    EntityLinks,
    RingRow,
    Viewer,
    collect_ring_graph,
    parse_label,
    render_entity_page,
    render_error_page,
    render_login_page,
    render_ring_list,
    render_ring_page,
    static_files,
)
from api.security import Permission, Principal
from api.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    CookieJar,
    cross_site,
    new_token,
    same_token,
    sign_in,
    sign_out,
    signed_in,
)
from api.throttle import client_of
from api.views import node_key
from graph.errors import NotFoundError
from graph.model import IDENTIFIER_LABELS, Label, NodeRef

__all__ = ["PREFIX", "router"]

PREFIX = "/explorer"
_PAGE_SIZE = 50
_ENTITY_NODE_CAP = 150
_MAX_FORM_BYTES = 4096

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

router = APIRouter(prefix=PREFIX, include_in_schema=False)
_links = EntityLinks(PREFIX)
_static = static_files()


# ---------------------------------------------------------------------------- keys
def _check_key(request: Request, state: AppState, key: str | None,
               next_path: str | None = None) -> Principal | Response:
    """The principal of a presented key, or the page to answer: the sign-in form again (401),
    or 429 for a client that presented too many unknown keys lately (:mod:`api.throttle`)."""
    try:
        principal = check_key(state, client_of(request), key)
    except TooManyKeyFailures as exc:
        page = _error(429, "请稍后再试 Too many attempts",
                      "此处输入的错误密钥过多，请稍后再试 · Too many unknown keys from here; "
                      f"try again in {exc.retry_after} s.")
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if principal is None:
        return _login_page(request, state, "密钥无效 · Unknown API key.", next_path)
    return principal


# ---------------------------------------------------------------------------- access
def _html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=_PAGE_HEADERS)


def _error(status_code: int, title: str, message: str, viewer: Viewer | None = None) -> Response:
    return _html(
        render_error_page(status_code, title, message, viewer or Viewer(base=PREFIX)), status_code
    )


def _forbidden() -> Response:
    return _error(
        403,
        "无权访问 Forbidden",
        "此密钥不能查看团伙 · This key's role may not browse rings (investigator or admin needed).",
    )


def _refused_cross_site() -> Response:
    return _error(403, "已拒绝 Refused",
                  "来自其他网站的表单提交被拒绝 · A form posted from another site was refused.")


def _local_path(value: str | None) -> str:
    """A redirect target inside the explorer; anything else becomes the ring list."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and not value.startswith("//")
        and "\\" not in value
    ):
        return value
    return PREFIX + "/"


def _here(request: Request) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "key"]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def _cookies(state: AppState) -> CookieJar:
    return CookieJar(PREFIX, state.settings.cookie_secure)


def _login_page(request: Request, state: AppState, message: str, next_path: str | None = None,
                status_code: int = 401) -> Response:
    """The sign-in form, with its anti-forgery token in the form and in a cookie (a token the
    browser already holds is reused, so two open sign-in tabs both work)."""
    token = request.cookies.get(LOGIN_COOKIE) or ""
    if len(token) < 32:
        token = new_token()
    target = _local_path(next_path if next_path is not None else _here(request))
    page = _html(render_login_page(Viewer(base=PREFIX), next_path=target, message=message,
                                   csrf=token), status_code)
    _cookies(state).set_login(page, request, token)
    return page


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.ringscope
    return state


def _access(request: Request) -> Viewer | Response:
    """The viewer of a page, or the response to send instead (sign-in form, 403). A plain
    function: FastAPI runs it in its thread pool, so the store look-up of the session never
    holds up the event loop (where real-time scoring runs)."""
    state = _state(request)
    if "key" in request.query_params:
        return _login_page(request, state, "地址中的密钥不被接受，请通过表单登录 · Keys are not "
                                           "accepted in addresses; sign in with the form.")
    header = request.headers.get("x-api-key")
    csrf = ""
    if header:
        checked = _check_key(request, state, header)
        if isinstance(checked, Response):
            return checked
        principal = checked
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = signed_in(state.store, state.keys, cookie)
        if found is None:
            ended = "会话已结束，请重新登录 · Your session has ended; sign in again." if cookie else ""
            return _login_page(request, state, ended)
        session, principal = found
        csrf = session.csrf
    if not principal.may(Permission.READ):
        return _forbidden()
    return Viewer(show_pii=principal.pii, base=PREFIX, name=principal.actor, role=principal.role.value,
                  csrf=csrf)


Access = Annotated[Viewer | Response, Depends(_access)]


# ---------------------------------------------------------------------------- pages
@router.get("/", response_class=HTMLResponse)
def ring_list(
    access: Access,
    store: StoreDep,
    level: Annotated[Literal["", "high", "medium", "low"], Query()] = "",
    status: Annotated[Literal["", "new", "investigating", "confirmed", "dismissed"], Query()] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The current rings, highest score first."""
    if isinstance(access, Response):
        return access
    rows = [
        RingRow(r, store.case_status(r.ring_id))
        for r in store.rings()
        if not level or r.level == level
    ]
    if status:
        rows = [r for r in rows if r.status.value == status]
    pages = max(1, math.ceil(len(rows) / _PAGE_SIZE))
    shown = rows[(page - 1) * _PAGE_SIZE : page * _PAGE_SIZE]
    return _html(
        render_ring_list(
            shown,
            access,
            _links,
            total=len(rows),
            page=min(page, pages),
            pages=pages,
            level=level,
            status=status,
        )
    )


@router.get("/rings/{ring_id}", response_class=HTMLResponse)
def ring_page(ring_id: str, access: Access, store: StoreDep) -> Response:
    """One ring: network, evidence, claims, case history."""
    if isinstance(access, Response):
        return access
    try:
        ring = store.get_ring(ring_id)
    except NotFoundError:
        return _error(
            404,
            "未找到团伙 Ring not found",
            f"当前检测结果中没有团伙 {ring_id} · No ring {ring_id} in the current results.",
            access,
        )
    sub = collect_ring_graph(store, ring)
    profiles = store.identifier_profiles(n.ref for n in sub.nodes if n.label in IDENTIFIER_LABELS)
    page = render_ring_page(
        ring,
        store.case_status(ring_id),
        sub,
        access,
        _links,
        audit=store.case_audit(ring_id),
        profiles=profiles,
        risks=store.claim_risks(ring.claim_ids),
    )
    return _html(page)


@router.get("/entities/{entity_type}/{key:path}", response_class=HTMLResponse)
def entity_page(
    entity_type: str,
    key: str,
    access: Access,
    store: StoreDep,
    depth: Annotated[int, Query(ge=1, le=2, description="hops around the entity")] = 1,
) -> Response:
    """An entity and its neighbourhood at depth 1 or 2, at most 150 nodes."""
    if isinstance(access, Response):
        return access
    label = parse_label(entity_type)
    resolved = _links.resolve(label, key) if label else None
    if label is not None and resolved == key:  # typed, not a link token: normalize like ingest
        resolved = node_key(label, key)
    if label is None or resolved is None:
        return _error(
            404,
            "未找到 Not found",
            "没有这个实体，或链接已过期 · No such entity, or the link has expired: "
            "open it again from its ring.",
            access,
        )
    try:
        sub = store.neighbourhood(label, resolved, depth=depth, limit=_ENTITY_NODE_CAP)
    except NotFoundError:
        return _error(404, "未找到 Not found", "没有这个实体 · No such entity.", access)
    ref = NodeRef(label, resolved)
    root = next(n for n in sub.nodes if n.ref == ref)
    profile = store.identifier_profiles([ref]).get(ref) if label in IDENTIFIER_LABELS else None
    risk = store.claim_risks([resolved]).get(resolved) if label is Label.CLAIM else None
    return _html(render_entity_page(root, sub, depth, access, _links, profile=profile, risk=risk))


# ---------------------------------------------------------------------------- sign-in
@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next_path: Annotated[str, Query(alias="next")] = PREFIX + "/"
) -> Response:
    """The sign-in form."""
    return _login_page(request, _state(request), "", next_path, status_code=200)


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    fields = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", "replace"), max_num_fields=4)
    return {name: values[0] for name, values in fields.items()}


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check a key from the form; on success open a new session and go where the user was going."""
    state = _state(request)
    if cross_site(request):
        return _refused_cross_site()
    form = await _form(request)
    target = _local_path(form.get("next"))
    if not same_token(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        return _login_page(request, state, "登录表单已过期，请重试 · The sign-in form expired; "
                                           "try again.", target, status_code=403)
    principal = _check_key(request, state, form.get("key"), target)
    if isinstance(principal, Response):
        return principal
    if not principal.may(Permission.READ):
        return _forbidden()
    session = await run_in_threadpool(sign_in, state.store, principal,
                                      request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(target, status_code=303)
    cookies = _cookies(state)
    cookies.set_session(response, request, session)
    cookies.clear(response, request, LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (the form must carry the session's anti-forgery token)."""
    state = _state(request)
    if cross_site(request):
        return _refused_cross_site()
    token = request.cookies.get(SESSION_COOKIE)
    found = await run_in_threadpool(signed_in, state.store, state.keys, token)
    if found is not None and not same_token((await _form(request)).get("csrf"), found[0].csrf):
        return _refused_cross_site()
    await run_in_threadpool(sign_out, state.store, token)
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    _cookies(state).clear(response, request, SESSION_COOKIE)
    return response


# ---------------------------------------------------------------------------- static assets
@router.get("/static/{name}")
def static(name: str) -> Response:
    """vis-network and the explorer's own CSS and script; served locally, never from a CDN."""
    path = _static.get(name)
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(
        path,
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
