"""The explorer's HTML pages and static assets, under ``/explorer``.

Routes:

* ``GET /explorer/`` — ring list (``?level=``, ``?status=``, ``?page=``);
* ``GET /explorer/queue`` — the work queue: re-alerted rings, the signed-in person's open
  cases, unassigned rings by score;
* ``GET /explorer/search?q=`` — find a phone, bank card or ID number as typed, a record id or a
  customer's name; one hit goes straight to its page;
* ``GET /explorer/rings/{ring_id}`` — a ring's network, evidence, case panel, timeline, claims;
* ``POST /explorer/rings/{ring_id}/case`` — a decision on the case (form ``#case``);
* ``GET /explorer/rings/{ring_id}/report.pdf`` — the printable case report;
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

import dataclasses
import math
import os
import re
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from api.blocks import (
    block_key,
    block_of_number,
    find_block,
    listed_blocks,
)
from api.cases import assignable, decide
from api.deps import (
    KEY_CHALLENGE,
    AppState,
    StoreDep,
    TooManyKeyFailures,
    check_key,
    declared_query,
    presented_key,
    reject_unknown_query,
)
from api.explorer import (
    EntityLinks,
    QueueSection,
    RingRow,
    SearchRow,
    Viewer,
    collect_ring_graph,
    parse_label,
    render_block_page,
    render_entity_page,
    render_error_page,
    render_login_page,
    render_queue_page,
    render_ring_list,
    render_ring_page,
    render_search_page,
    static_files,
)
from api.render import pdf_response
from api.report import ring_report
from api.schemas import TEXT_PATTERN
from api.scope import scope_of
from api.search import MAX_QUERY, rings_of, search
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
from api.views import block_subgraph, claim_verdict, node_key, ring_detail
from graph.cases import says_something
from graph.errors import AccessError, ConflictError, InputError, NotFoundError
from graph.escaping import escape_text
from graph.keys.cells import clean_cell
from graph.model import IDENTIFIER_LABELS, Label, Node, NodeRef
from graph.results import CaseStatus
from graph.store import KEEP, GraphStore, Keep

__all__ = ["PREFIX", "invalid_request_page", "refusal_page", "router"]

PREFIX = "/explorer"
_PAGE_SIZE = 50
_QUEUE_ROWS = 100
_ENTITY_NODE_CAP = 150
_MAX_FORM_BYTES = 4096
_MAX_CASE_FORM_BYTES = 32_768  # a 2 000-character note, percent-encoded UTF-8
_NOTE_LENGTH = 2_000
_OPEN = frozenset({CaseStatus.NEW, CaseStatus.INVESTIGATING})

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
_static_answers = StaticFiles(directory=None, check_dir=False)
"""Starlette's file answers (ETag, Last-Modified, 304) for the files of :data:`_static`."""


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
    """An error page in the explorer's frame. Messages quote what was typed (a ring id, a key),
    so their control characters are written as escapes (:func:`graph.escaping.escape_text`)."""
    return _html(
        render_error_page(status_code, title, escape_text(message), viewer or Viewer(base=PREFIX)), status_code
    )


def invalid_request_page(detail: list[dict[str, str]]) -> Response:
    """The 422 an explorer page answers for a query it refuses (``detail``: ``field`` and
    ``reason`` of each refusal, as the JSON API's errors carry them), as a page in the
    explorer's frame: a browser shows JSON as a wall of text."""
    reasons = "; ".join(f"{d['field']}: {d['reason']}" for d in detail)
    return _error(422, "无法处理 Not understood", f"请求有误 · The request was refused: {reasons}")


def refusal_page(status_code: int, message: str) -> Response:
    """Any other refusal of an explorer path (no such page, a method it does not serve) as a
    page in the explorer's frame."""
    titles = {404: "未找到 Not found", 405: "不支持此操作 Method not allowed", 413: "内容过长 Too large",
              500: "内部错误 Internal error", 503: "暂时无法服务 Unavailable"}
    return _error(status_code, titles.get(status_code, "无法处理 Not understood"), message)


def _forbidden() -> Response:
    return _error(
        403,
        "无权访问 Forbidden",
        "此密钥不能查看团伙 · This key's role may not browse rings (investigator or admin needed).",
    )


def _refused_cross_site() -> Response:
    return _error(403, "已拒绝 Refused",
                  "表单无法核验（来自其他网站，或页面已过期），请刷新页面后重试 · The form could not be "
                  "verified (posted from another site, or from a page too old): reload the page and try again.")


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
    if status_code == 401:
        page.headers.update(KEY_CHALLENGE)
    return page


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.ringscope
    return state


def _caller(request: Request) -> tuple[Principal, str] | Response:
    """Who calls, with the session's anti-forgery token (``""`` when signed in by the
    ``X-API-Key`` header), or the response to send instead (the sign-in form). A plain
    function: FastAPI runs it in its thread pool, so the store look-up of the session never
    holds up the event loop (where real-time scoring runs)."""
    state = _state(request)
    if "key" in request.query_params:
        return _login_page(request, state, "地址中的密钥不被接受，请通过表单登录 · Keys are not "
                                           "accepted in addresses; sign in with the form.")
    header = presented_key(request)
    if header:
        checked = _check_key(request, state, header)
        return checked if isinstance(checked, Response) else (checked, "")
    cookie = request.cookies.get(SESSION_COOKIE)
    found = signed_in(state.store, state.keys, cookie)
    if found is None:
        ended = "会话已结束，请重新登录 · Your session has ended; sign in again." if cookie else ""
        return _login_page(request, state, ended)
    session, principal = found
    return principal, session.csrf


def _viewer(principal: Principal, csrf: str) -> Viewer:
    return Viewer(show_pii=principal.pii, base=PREFIX, name=principal.actor, person=principal.name,
                  role=principal.role.value, may_decide=principal.may(Permission.CASE),
                  may_reopen=principal.may(Permission.REOPEN), csrf=csrf,
                  insurer=principal.insurer)


def _access(request: Request) -> Viewer | Response:
    """The viewer of a page, or the response to send instead (sign-in form, 403)."""
    found = _caller(request)
    if isinstance(found, Response):
        return found
    principal, csrf = found
    if not principal.may(Permission.READ):
        return _forbidden()
    # once the viewer is known, as the API does after the key: a misspelt filter (?stauts=new)
    # showed every ring as if filtered
    reject_unknown_query(request, declared_query(request))
    return _viewer(principal, csrf)


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
    scope = scope_of(store, access.insurer)
    rows = [
        RingRow(scope.ring(r), scope.case(store, r.ring_id))
        for r in store.rings()
        if (not level or r.level == level) and scope.visible(r)
    ]
    if status:
        rows = [r for r in rows if r.case.status.value == status]
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


def _ring_not_found(ring_id: str, viewer: Viewer) -> Response:
    return _error(404, "未找到团伙 Ring not found",
                  f"当前检测结果中没有团伙 {ring_id} · No ring {ring_id} in the current results.",
                  viewer)


def _ring_response(ring_id: str, viewer: Viewer, state: AppState, message: str = "",
                   status_code: int = 200) -> Response:
    """The ring page (``message``: why a decision was refused, shown in the case panel)."""
    store = state.store
    scope = scope_of(store, viewer.insurer)
    try:
        whole = store.get_ring(ring_id)
        ring = scope.ring(whole)
    except NotFoundError:
        return _ring_not_found(ring_id, viewer)
    if not scope.may_decide(whole):
        viewer = dataclasses.replace(viewer, may_decide=False)
    sub = scope.subgraph(collect_ring_graph(store, ring))
    profiles = store.identifier_profiles(n.ref for n in sub.nodes if n.label in IDENTIFIER_LABELS)
    blocks = listed_blocks(store, ring, scope)
    page = render_ring_page(
        ring, scope.case(store, ring_id), sub, viewer, _links,
        audit=scope.case_audit(store, ring_id), profiles=profiles,
        risks=store.claim_risks(ring.claim_ids), timeline=ring_detail(store, ring_id, scope)["timeline"],
        people=assignable(state.keys, viewer.insurer), message=message, blocks=blocks,
    )
    return _html(page, status_code)


@router.get("/rings/{ring_id}", response_class=HTMLResponse)
def ring_page(ring_id: str, access: Access, request: Request) -> Response:
    """One ring: network, evidence, case panel, timeline, claims."""
    if isinstance(access, Response):
        return access
    return _ring_response(ring_id, access, _state(request))


def _read_decision(form: dict[str, str], seen_assignee: str | None
                   ) -> tuple[CaseStatus | None, CaseStatus | None, str, str | Keep | None] | str:
    """The decision a case form holds, or why it cannot be taken (a message)."""
    try:
        status = CaseStatus(form["status"]) if form.get("status") else None
        expected = CaseStatus(form["expected_status"]) if form.get("expected_status") else None
    except ValueError:
        return "状态无效 · Unknown case status."
    note = form.get("note", "").strip()
    if "\ufffd" in note:  # bytes that were no UTF-8, read as replacement characters
        return ("备注无法识别：表单须以 UTF-8 提交 · The note could not be read: the form must be sent "
                "as UTF-8.")
    if not says_something(note):
        return "请填写备注：每个决定都要说明依据 · A note is required: say why."
    if len(note) > _NOTE_LENGTH or not re.fullmatch(TEXT_PATTERN, note):
        return (f"备注最多 {_NOTE_LENGTH} 个字符，且不含控制字符 · The note holds at most "
                f"{_NOTE_LENGTH} characters and no control characters.")
    chosen = form.get("assignee", "").strip() or None
    assignee: str | Keep | None = KEEP if chosen == seen_assignee else chosen
    return status, expected, note, assignee


@router.post("/rings/{ring_id}/case", response_class=HTMLResponse)
async def case_decision(ring_id: str, request: Request) -> Response:
    """Record a decision from the case form: status move, assignee, note (required). The form
    must carry the session's anti-forgery token; cross-site posts are refused."""
    state = _state(request)
    if cross_site(request):
        return _refused_cross_site()
    form = await _form(request, _MAX_CASE_FORM_BYTES, max_fields=8)
    if form is None:
        return _error(413, "内容过长 Too large", "表单内容过长 · The form was too large.")
    found = await run_in_threadpool(_caller, request)
    if isinstance(found, Response):
        return found
    principal, csrf = found
    if csrf and not same_token(form.get("csrf"), csrf):
        return _refused_cross_site()
    viewer = _viewer(principal, csrf)
    if not principal.may(Permission.CASE):
        return _error(403, "无权操作 Forbidden", "此密钥不能处理案件 · This key's role may not "
                      "work cases (investigator or admin needed).", viewer)
    seen_assignee = form.get("seen_assignee", "").strip() or None
    decision = _read_decision(form, seen_assignee)
    if isinstance(decision, str):
        return await run_in_threadpool(_ring_response, ring_id, viewer, state, decision, 422)
    status, expected, note, assignee = decision
    try:
        await run_in_threadpool(decide, state, principal, ring_id, status, note, expected, assignee,
                                seen_assignee)
    except NotFoundError:
        return _ring_not_found(ring_id, viewer)
    except AccessError as exc:
        return await run_in_threadpool(_ring_response, ring_id, viewer, state,
                                       f"未记录：{exc} · Not recorded: {exc}", 403)
    except ConflictError as exc:
        return await run_in_threadpool(_ring_response, ring_id, viewer, state,
                                       f"未记录：{exc} · Not recorded: {exc}", 409)
    except (InputError, ValueError) as exc:
        return await run_in_threadpool(_ring_response, ring_id, viewer, state,
                                       f"未记录：{exc} · Not recorded: {exc}", 422)
    return RedirectResponse(_links.ring(ring_id) + "#case-panel", status_code=303)


@router.get("/rings/{ring_id}/report.pdf")
def case_report_pdf(ring_id: str, access: Access, request: Request) -> Response:
    """The ring's printable case report, masked as the viewer sees identifiers."""
    if isinstance(access, Response):
        return access
    try:
        pdf = ring_report(_state(request).store, ring_id, access, access.name)
    except NotFoundError:
        return _ring_not_found(ring_id, access)
    return pdf_response(pdf, ring_id)


@router.get("/queue", response_class=HTMLResponse)
def queue(access: Access, store: StoreDep) -> Response:
    """The signed-in person's work: re-alerted rings (theirs or nobody's), their open cases,
    then open rings nobody is assigned to, by score."""
    if isinstance(access, Response):
        return access
    scope = scope_of(store, access.insurer)
    rows = [RingRow(scope.ring(r), scope.case(store, r.ring_id)) for r in store.rings() if scope.visible(r)]
    person = access.person
    mine_or_free = {person, None} if person else {None}
    realerted = [r for r in rows if r.case.realert and r.case.assignee in mine_or_free]
    rest = [r for r in rows if not r.case.realert and r.case.status in _OPEN]
    mine = [r for r in rest if person and r.case.assignee == person]
    free = [r for r in rest if r.case.assignee is None]
    sections = [
        QueueSection("realerted", "重新预警", "Re-alerted", realerted[:_QUEUE_ROWS], len(realerted),
                     "没有重新预警的团伙 · No re-alerted rings."),
        QueueSection("mine", "我的案件", "My open cases", mine[:_QUEUE_ROWS], len(mine),
                     "没有分派给你的未结案件 · No open cases assigned to you."),
        QueueSection("unassigned", "无人负责", "Unassigned", free[:_QUEUE_ROWS], len(free),
                     "没有无人负责的未结团伙 · No open rings without an assignee."),
    ]
    if not person:
        sections.pop(1)
    return _html(render_queue_page(sections, access, _links, person=person))


@router.get("/search", response_class=HTMLResponse)
def search_page(
    access: Access, request: Request, store: StoreDep,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="what to look for")] = "",
) -> Response:
    """Find what was typed: a current ring's id (any case) opens the ring; one hit by id,
    identifier or ID number opens its page; a hit by a customer's name, or several, are listed
    with their rings (a name may also be a payee's or a representative's, which search does not
    cover: the page says so); none says so."""
    if isinstance(access, Response):
        return access
    scope = scope_of(store, access.insurer)
    state = _state(request)
    rings = [scope.ring(r) for r in store.rings() if scope.visible(r)]
    typed = (clean_cell(q) or "").upper()  # as ids are read: invisible marks, full-width letters
    if any(r.ring_id.upper() == typed for r in rings):
        ring_id = next(r.ring_id for r in rings if r.ring_id.upper() == typed)
        return RedirectResponse(_links.ring(ring_id), status_code=303)
    hits = search(store, state.customers, q, scope, state.scorer.pseudonymizer)
    if len(hits) == 1 and hits[0].how != "name":
        return RedirectResponse(_links.href(hits[0].ref, show_pii=access.show_pii), status_code=303)
    rows = []
    for hit in hits:
        node = Node(hit.ref.label, hit.ref.key) if hit.how == "number_block" else store.get_node(hit.ref.label, hit.ref.key)
        if node is not None:
            involved = rings_of(store, hit.ref, rings)
            rows.append(SearchRow(node, hit.how, [RingRow(r, scope.case(store, r.ring_id)) for r in involved]))
    return _html(render_search_page(escape_text(q.strip()), rows, access, _links))


@router.get("/entities/{entity_type}/{key:path}", response_class=HTMLResponse)
def entity_page(
    entity_type: str,
    key: str,
    access: Access,
    request: Request,
    depth: Annotated[int, Query(ge=1, le=2, description="hops around the entity")] = 1,
) -> Response:
    """An entity and its neighbourhood at depth 1 or 2, at most 150 nodes."""
    if isinstance(access, Response):
        return access
    state = _state(request)
    store = state.store
    label = parse_label(entity_type)
    resolved = _links.resolve(label, key) if label else None
    scope = scope_of(store, access.insurer)
    if label is Label.PHONE and resolved is not None and block_key(resolved) is not None:
        return _block_page(block_key(resolved) or "", depth, access, store)
    if label is not None and resolved == key:  # typed, not a link token: normalize like ingest
        resolved = scope.record_key(label, node_key(label, key, state.scorer.pseudonymizer))
    if label is None or resolved is None or not scope.uses(store, label, resolved):
        return _error(
            404,
            "未找到 Not found",
            "没有这个实体，或链接已过期 · No such entity, or the link has expired: "
            "open it again from its ring.",
            access,
        )
    try:
        sub = scope.subgraph(
            store.neighbourhood(label, resolved, depth=depth, limit=_ENTITY_NODE_CAP),
            NodeRef(label, resolved))
    except NotFoundError:
        return _error(404, "未找到 Not found", "没有这个实体 · No such entity.", access)
    ref = NodeRef(label, resolved)
    root = next(n for n in sub.nodes if n.ref == ref)
    profile = store.identifier_profiles([ref]).get(ref) if label in IDENTIFIER_LABELS else None
    date = root.props.get("request_date")
    verdict = claim_verdict(store, state.scorer, resolved, str(date), scope) \
        if label is Label.CLAIM and date else None
    block = block_of_number(store, resolved, scope) if label is Label.PHONE else None
    return _html(render_entity_page(root, sub, depth, access, _links, profile=profile, verdict=verdict,
                                    block=block))


def _block_page(key: str, depth: int, viewer: Viewer, store: GraphStore) -> Response:
    """A number block's page: its numbers (and at depth 2 what they reach), rings, profile."""
    block = find_block(store, key, scope_of(store, viewer.insurer))
    if block is None:
        return _error(404, "未找到 Not found", "没有这个号段 · No such number block in the current results.", viewer)
    shown = block_subgraph(store, block, depth, _ENTITY_NODE_CAP)
    return _html(render_block_page(block, shown, depth, viewer, _links))


# ---------------------------------------------------------------------------- sign-in
@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next_path: Annotated[str, Query(alias="next")] = PREFIX + "/"
) -> Response:
    """The sign-in form."""
    return _login_page(request, _state(request), "", next_path, status_code=200)


async def _form(request: Request, max_bytes: int = _MAX_FORM_BYTES,
                max_fields: int = 4) -> dict[str, str] | None:
    """The posted form's fields (the first value of each), or ``None`` when the body holds more
    than ``max_bytes`` or ``max_fields`` (nothing is cut short silently)."""
    body = await request.body()
    if len(body) > max_bytes:
        return None
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:
        return None
    return {name: values[0] for name, values in fields.items()}


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check a key from the form; on success open a new session and go where the user was going."""
    state = _state(request)
    if cross_site(request):
        return _refused_cross_site()
    form = await _form(request) or {}
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
    if found is not None and not same_token((await _form(request) or {}).get("csrf"), found[0].csrf):
        return _refused_cross_site()
    await run_in_threadpool(sign_out, state.store, token)
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    _cookies(state).clear(response, request, SESSION_COOKIE)
    return response


# ---------------------------------------------------------------------------- static assets
@router.get("/static/{name}")
def static(name: str, request: Request) -> Response:
    """vis-network and the explorer's own CSS and script; served locally, never from a CDN. A
    browser revalidating its copy (``If-None-Match``, ``If-Modified-Since``) gets 304, as
    Starlette's static files answer it."""
    path = _static.get(name)
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    response = _static_answers.file_response(path, os.stat(path), request.scope)
    if response.status_code == 200:
        media = "text/javascript" if name.endswith(".js") else "text/css"
        response.headers["Content-Type"] = f"{media}; charset=utf-8"
    response.headers.update({"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
    return response
