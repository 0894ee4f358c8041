"""Real-time scoring of one surrender request against the stored graph and the latest detection.

:func:`score_request` judges a request the moment it arrives, before it is stored: its
identifiers (turned into node keys by :mod:`graph.keys`, as ingest does) are looked up in the
identifier profiles detection wrote, the customer's recent contact changes and complaints, the
policy's agent, and the rings of the current run. Every clue is a named :class:`~graph.results.Evidence`
item with a weight; weights combine by noisy-or into a score in [0, 1].

Scoring only reads the store. A few things are the same for every request of one detection
run (the rings, their complaint letters, each agent's book, the watchlist); they are derived
once per run and kept in memory beside the store (refreshed when the current run or the data
changes), so a request costs a handful of index look-ups.

>>> SurrenderRequest.from_any({"claim_id": "C9", "request_date": "2024/06/18"}).request_date
'2024-06-18'
"""

from __future__ import annotations

import bisect
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

import numpy as np

from detectors.book import is_company, load_watchlist, surname
from detectors.templates import shingles
from graph.errors import NotFoundError
from graph.keys import normalize_bank_account, normalize_phone, normalize_text, person_key
from graph.model import Label, Node, NodeRef, Rel
from graph.results import Evidence, IdentifierProfile, Level, Ring, level_for
from graph.store import GraphStore

__all__ = [
    "CHANGE_WINDOW_DAYS",
    "REASON_CODES",
    "RequestScore",
    "SurrenderRequest",
    "forget",
    "score_request",
    "warm",
]

CHANGE_WINDOW_DAYS = 90
"""A contact phone changed at most this many days before the request counts as "just before"."""

_COMPLAINT_WINDOW_DAYS = 365
_RING_WINDOW_DAYS = 60
_BURST_WINDOW_DAYS = 45
_BURST_MIN_CLAIMS = 3
_TEMPLATE_THRESHOLD = 0.5
_REFRESH_SECONDS = 2.0
_NEIGHBOURS = 300

REASON_CODES: Mapping[str, str] = {
    "claim_in_ring": "the request is already part of a detected ring",
    "identifier_in_ring": "an identifier on the request belongs to a detected ring",
    "shared_identifier": "an identifier on the request is used by unrelated customers",
    "watchlist_hit": "an identifier on the request is on the industry watchlist",
    "agency_payout": "the refund goes to an account held by a company or agency",
    "third_party_payout": "the refund goes to someone other than the policyholder",
    "repeat_representative": "the representative acted on other customers' requests",
    "phone_changed_before_request": "the contact phone was changed shortly before the request",
    "template_complaint": "the customer's complaint letter matches a ring's template",
    "complaint_full_refund": "a complaint-driven demand for a full premium refund",
    "resigned_agent_burst": "the policy's agent resigned and the book surrenders in a burst",
    "customer_in_ring": "the customer's other requests belong to a detected ring",
}
"""Every reason code :func:`score_request` may give, with its meaning."""

_KIND_NAMES = {
    "contact_phone": ("联系电话", "contact phone"),
    "payout_account": ("收款账户", "payout account"),
    "representative": ("委托代办人", "representative"),
    "representative_phone": ("代办人电话", "representative's phone"),
    "changed_phone": ("新变更的电话", "newly changed phone"),
    "complaint_phone": ("投诉联系电话", "complaint contact phone"),
    "mailing_address": ("投诉寄件地址", "complaint mailing address"),
}
_TYPE_OF_LABEL = {
    Label.PHONE.value: "phone", Label.BANK_ACCOUNT.value: "bank_account",
    Label.PERSON.value: "representative", Label.ADDRESS.value: "address",
}
_COMPLAINT_CODES = ("complain", "mislead", "mis_sell", "missell", "dispute", "fraud", "regulat",
                    "投诉", "误导", "纠纷", "欺诈")


# ---------------------------------------------------------------------------- request and result
@dataclass(frozen=True, slots=True)
class SurrenderRequest:
    """A surrender request with the columns of the ``surrenders`` input table (dates ISO)."""

    claim_id: str
    request_date: str
    policy_id: str | None = None
    customer_id: str | None = None
    channel: str | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    contact_phone: str | None = None
    payout_account: str | None = None
    payout_account_name: str | None = None
    representative_name: str | None = None
    representative_id_number: str | None = None
    representative_phone: str | None = None
    cash_value: float | None = None
    requested_amount: float | None = None
    refund_type: str | None = None

    @classmethod
    def from_any(cls, request: object) -> SurrenderRequest:
        """Accept this class, a mapping, or any object with these attributes (e.g. a model)."""
        if isinstance(request, cls):
            return request
        get = request.get if isinstance(request, Mapping) else (
            lambda name, default=None: getattr(request, name, default))
        values: dict[str, Any] = {}
        for f in _REQUEST_FIELDS:
            value = get(f, None)
            if isinstance(value, str):
                value = value.strip() or None
            values[f] = value
        if not values["claim_id"]:
            raise ValueError("claim_id is required")
        values["claim_id"] = str(values["claim_id"])
        values["request_date"] = _iso(values["request_date"])
        for name in ("cash_value", "requested_amount"):
            values[name] = _amount(values[name])
        for name in _TEXT_FIELDS:
            if values[name] is not None:
                values[name] = str(values[name])
        return cls(**values)


_REQUEST_FIELDS = tuple(f.name for f in fields(SurrenderRequest))
_TEXT_FIELDS = tuple(f for f in _REQUEST_FIELDS
                     if f not in ("claim_id", "request_date", "cash_value", "requested_amount"))


@dataclass(frozen=True)
class RequestScore:
    """The verdict on one request: score in [0, 1], level, linked ring and the reasons."""

    claim_id: str
    score: float
    level: Level
    ring_id: str | None
    reasons: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "score": self.score, "level": self.level,
                "ring_id": self.ring_id, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True, slots=True)
class _Signal:
    weight: float
    evidence: Evidence
    ring_id: str | None = None


# ---------------------------------------------------------------------------- per-run context
class _Templates:
    """Ring letter templates with an inverted index (shingle -> templates holding it): a letter
    is compared with every template in one pass over its own shingles instead of one set
    intersection per template."""

    def __init__(self, templates: list[tuple[str, frozenset[int]]]) -> None:
        self.ring_ids = [rid for rid, _ in templates]
        self.sizes = np.array([len(grams) for _, grams in templates], dtype=np.float64)
        postings: dict[int, list[int]] = {}
        for i, (_, grams) in enumerate(templates):
            for gram in grams:
                postings.setdefault(gram, []).append(i)
        self._postings = {g: np.array(ids, dtype=np.intp) for g, ids in postings.items()}

    def __len__(self) -> int:
        return len(self.ring_ids)

    def best_match(self, grams: frozenset[int]) -> tuple[float, str | None]:
        """The highest Jaccard similarity of ``grams`` with a template and that template's ring
        (the first such template; ``(0.0, None)`` when no template shares a shingle)."""
        postings = self._postings
        hits = [ids for ids in map(postings.get, grams) if ids is not None]
        if not hits:
            return 0.0, None
        shared = np.bincount(np.concatenate(hits), minlength=len(self.ring_ids)).astype(np.float64)
        similarity = shared / (self.sizes + len(grams) - shared)
        best = int(np.argmax(similarity))
        return float(similarity[best]), self.ring_ids[best]

@dataclass
class _AgentBook:
    status: str
    leave_date: str | None
    branch: str | None
    days: list[int] = field(default_factory=list)   # request days of claims after leaving, sorted
    rings: dict[str, int] = field(default_factory=dict)


class _Context:
    """What every request of one detection run shares, derived lazily and kept in memory."""

    def __init__(self, store: GraphStore, token: tuple[str, str]) -> None:
        self.store, self.token, self.checked = store, token, time.monotonic()
        self._lock = threading.Lock()
        self._rings: dict[str, Ring] | None = None
        self._templates: _Templates | None = None
        self._agents: dict[str, _AgentBook] | None = None
        self._agent_of: dict[str, str] = {}
        self._watchlist: dict[tuple[str, str], str] | None = None

    @property
    def rings(self) -> dict[str, Ring]:
        if self._rings is None:
            self._rings = {r.ring_id: r for r in self.store.rings()}
        return self._rings

    @property
    def watchlist(self) -> dict[tuple[str, str], str]:
        if self._watchlist is None:
            self._watchlist = load_watchlist(self.store)
        return self._watchlist

    @property
    def templates(self) -> _Templates:
        """Shingled complaint letters of ring members, near-duplicates within a ring dropped."""
        if self._templates is None:
            with self._lock:
                if self._templates is None:
                    self._templates = _Templates(self._build_templates())
        return self._templates

    def _build_templates(self) -> list[tuple[str, frozenset[int]]]:
        ring_of: dict[str, str] = {}
        for ring in self.rings.values():
            for customer in ring.customer_ids:
                ring_of.setdefault(customer, ring.ring_id)
        if not ring_of:
            return []
        complained = self.store.edges_frame(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT)
        complaints = self.store.nodes_frame(Label.COMPLAINT)
        if complained.empty or complaints.empty or "text" not in complaints.columns:
            return []
        text_of = dict(zip(complaints["key"].astype(str), complaints["text"], strict=True))
        kept: list[tuple[str, frozenset[int]]] = []
        for customer, complaint in zip(complained["src"].astype(str),
                                       complained["dst"].astype(str), strict=True):
            ring_id, text = ring_of.get(customer), text_of.get(complaint)
            if ring_id is None or not isinstance(text, str) or not text.strip():
                continue
            grams = _shingle_set(text)
            if grams and not any(r == ring_id and _jaccard(grams, g) > 0.8 for r, g in kept):
                kept.append((ring_id, grams))
        return kept

    def agent(self, agent_id: str) -> _AgentBook | None:
        if self._agents is None:
            with self._lock:
                if self._agents is None:
                    self._agents = self._build_agents()
        return self._agents.get(agent_id)

    def agent_of(self, policy_id: str) -> str | None:
        """The agent who sold a policy."""
        self.agent("")
        return self._agent_of.get(policy_id)

    def _build_agents(self) -> dict[str, _AgentBook]:
        store = self.store
        frame = store.nodes_frame(Label.AGENT)
        if frame.empty:
            return {}
        books: dict[str, _AgentBook] = {}
        for row in frame.to_dict("records"):
            books[str(row["key"])] = _AgentBook(
                status=str(row.get("status") or "").lower(),
                leave_date=_text(row.get("leave_date")),
                branch=_text(row.get("branch")),
            )
        sold = store.edges_frame(Label.AGENT, Rel.SOLD, Label.POLICY)
        agent_of = dict(zip(sold["dst"].astype(str), sold["src"].astype(str), strict=True)) \
            if not sold.empty else {}
        self._agent_of = agent_of
        surrenders = store.edges_frame(Label.CLAIM, Rel.SURRENDERS, Label.POLICY)
        claims = store.nodes_frame(Label.CLAIM)
        if not agent_of or surrenders.empty or claims.empty or "request_date" not in claims.columns:
            return books
        date_of = dict(zip(claims["key"].astype(str), claims["request_date"], strict=True))
        ring_of = {c: r.ring_id for r in self.rings.values() for c in r.claim_ids}
        for claim, policy in zip(surrenders["src"].astype(str), surrenders["dst"].astype(str),
                                 strict=True):
            book = books.get(agent_of.get(policy, ""))
            day = _day(date_of.get(claim))
            if book is None or day is None or book.status != "resigned":
                continue
            left = _day(book.leave_date)
            if left is not None and day < left:
                continue
            book.days.append(day)
            if claim in ring_of:
                book.rings[ring_of[claim]] = book.rings.get(ring_of[claim], 0) + 1
        for book in books.values():
            book.days.sort()
        return books


_contexts: weakref.WeakKeyDictionary[GraphStore, _Context] = weakref.WeakKeyDictionary()
_contexts_lock = threading.Lock()


def _token(store: GraphStore) -> tuple[str, str]:
    run = store.current_run()
    return (run.run_id if run else "", store.data_fingerprint())


def _context(store: GraphStore) -> _Context:
    ctx = _contexts.get(store)
    now = time.monotonic()
    if ctx is not None and now - ctx.checked < _REFRESH_SECONDS:
        return ctx
    token = _token(store)
    with _contexts_lock:
        ctx = _contexts.get(store)
        if ctx is None or ctx.token != token:
            ctx = _Context(store, token)
            _contexts[store] = ctx
        ctx.checked = now
    return ctx


def warm(store: GraphStore) -> None:
    """Derive the per-run data now rather than on the first request that needs it."""
    ctx = _context(store)
    _ = ctx.rings, ctx.watchlist, ctx.templates
    ctx.agent("")


def forget(store: GraphStore) -> None:
    """Drop what was derived for a store (e.g. after a new detection run)."""
    with _contexts_lock:
        _contexts.pop(store, None)


# ---------------------------------------------------------------------------- scoring
def score_request(store: GraphStore, request: object) -> RequestScore:
    """Score one surrender request; never writes to the store.

    ``request`` is a :class:`SurrenderRequest`, a mapping or an object with the ``surrenders``
    columns as attributes. Raises ``ValueError`` for a request without ``claim_id`` or with an
    unreadable ``request_date``.
    """
    req = SurrenderRequest.from_any(request)
    ctx = _context(store)
    day = _day(req.request_date)
    if day is None:  # pragma: no cover - from_any already checked the date
        raise ValueError(f"unreadable request_date {req.request_date!r}")
    signals: list[_Signal] = []

    known = store.claim_risks([req.claim_id]).get(req.claim_id)
    if known is not None and known.ring_id:
        signals.append(_Signal(known.risk, Evidence(
            "claim_in_ring",
            f"该退保申请已被识别为团伙 {known.ring_id} 的一部分",
            f"The request is already part of detected ring {known.ring_id}",
            {"ring_id": known.ring_id, "risk": round(known.risk, 4)}), known.ring_id))

    customer = _neighbours(store, Label.CUSTOMER, req.customer_id)
    if customer is None and req.policy_id:
        policy = _neighbours(store, Label.POLICY, req.policy_id)
        holder = next((n.key for n in policy.nodes if n.label is Label.CUSTOMER), None) \
            if policy else None
        customer = _neighbours(store, Label.CUSTOMER, holder)

    uses = _request_identifiers(req)
    changed = _recent_changes(customer, day) if customer else []
    complaints = _recent_complaints(store, customer, day) if customer else []
    profile_refs = [ref for _, ref in uses] + [ref for ref, _ in changed]
    for complaint in complaints:
        profile_refs.extend(ref for _, ref in complaint.identifiers)
    profiles = store.identifier_profiles(profile_refs) if profile_refs else {}

    for kind, ref in uses:
        signals.extend(_identifier_signals(kind, ref, profiles.get(ref), ctx))
    signals.extend(_payout_signals(req, customer))
    signals.extend(_change_signals(req, changed, profiles, uses))
    for complaint in complaints:
        for kind, ref in complaint.identifiers:
            signals.extend(_identifier_signals(kind, ref, profiles.get(ref), ctx, complaint=True))
    signals.extend(_template_signals(complaints, ctx))
    signals.extend(_complaint_refund_signals(req, complaints))
    signals.extend(_agent_signals(day, ctx.agent_of(req.policy_id) if req.policy_id else None,
                                  ctx))
    if customer is not None:
        signals.extend(_customer_ring_signals(store, req, customer))
    return _verdict(req.claim_id, signals)


def _verdict(claim_id: str, signals: list[_Signal]) -> RequestScore:
    best: dict[str, _Signal] = {}
    for s in signals:  # one reason per (code, identifier): keep the strongest
        key = f"{s.evidence.code}|{s.evidence.data.get('value', '')}"
        if key not in best or s.weight > best[key].weight:
            best[key] = s
    chosen = sorted(best.values(), key=lambda s: (-s.weight, s.evidence.code))
    keep = 1.0
    ring_weight: dict[str, float] = {}
    for s in chosen:
        keep *= 1.0 - min(max(s.weight, 0.0), 0.99)
        if s.ring_id:
            ring_weight[s.ring_id] = ring_weight.get(s.ring_id, 0.0) + s.weight
    score = round(1.0 - keep, 4)
    ring_id = min(ring_weight, key=lambda r: (-ring_weight[r], r)) if ring_weight else None
    return RequestScore(claim_id, score, level_for(score), ring_id,
                        tuple(s.evidence for s in chosen))


# ---------------------------------------------------------------------------- look-ups
@dataclass(frozen=True)
class _Around:
    """A node and its direct neighbours, with the relationships between them."""

    node: Node
    nodes: list[Node]
    edges: list[tuple[Rel, NodeRef, NodeRef, Mapping[str, Any]]]


def _neighbours(store: GraphStore, label: Label, key: str | None) -> _Around | None:
    if not key:
        return None
    root = NodeRef(label, key)
    try:
        sub = store.neighbourhood(label, key, depth=1, limit=_NEIGHBOURS)
    except NotFoundError:
        return None
    node = next((n for n in sub.nodes if n.ref == root), None)
    if node is None:
        return None
    return _Around(node, [n for n in sub.nodes if n.ref != root],
                   [(e.rel, e.src, e.dst, e.props) for e in sub.edges])


def _request_identifiers(req: SurrenderRequest) -> list[tuple[str, NodeRef]]:
    out: list[tuple[str, NodeRef]] = []
    phone = normalize_phone(req.contact_phone)
    if phone is not None:
        out.append(("contact_phone", NodeRef(Label.PHONE, phone.value)))
    account = normalize_bank_account(req.payout_account)
    if account is not None:
        out.append(("payout_account", NodeRef(Label.BANK_ACCOUNT, account.value)))
    rep = person_key(req.representative_name, req.representative_id_number,
                     req.representative_phone)
    if rep is not None:
        out.append(("representative", NodeRef(Label.PERSON, rep)))
    rep_phone = normalize_phone(req.representative_phone)
    if rep_phone is not None and (phone is None or rep_phone.value != phone.value):
        out.append(("representative_phone", NodeRef(Label.PHONE, rep_phone.value)))
    return out


def _recent_changes(customer: _Around, day: int) -> list[tuple[NodeRef, str]]:
    """Phones the customer changed to within the window before the request, with the date."""
    out = []
    for rel, src, dst, props in customer.edges:
        if rel is not Rel.CHANGED_TO or src != customer.node.ref or dst.label is not Label.PHONE:
            continue
        when = _text(props.get("date") or props.get("change_date"))
        changed = _day(when)
        if changed is not None and when is not None and 0 <= day - changed <= CHANGE_WINDOW_DAYS:
            out.append((dst, when))
    return out


@dataclass(frozen=True)
class _Complaint:
    key: str
    received: str | None
    text: str
    identifiers: list[tuple[str, NodeRef]]


def _recent_complaints(store: GraphStore, customer: _Around, day: int) -> list[_Complaint]:
    """The customer's complaints received within a year before (or on) the request day, with
    the phone and mailing address each gave (one hop further, off the complaint node)."""
    out = []
    for node in customer.nodes:
        if node.label is not Label.COMPLAINT:
            continue
        received = _text(node.props.get("received_date"))
        when = _day(received)
        if when is not None and not 0 <= day - when <= _COMPLAINT_WINDOW_DAYS:
            continue
        around = _neighbours(store, Label.COMPLAINT, node.key)
        identifiers = [
            ("complaint_phone" if rel is Rel.CONTACT_PHONE else "mailing_address", dst)
            for rel, src, dst, _ in (around.edges if around else [])
            if src == node.ref and rel in (Rel.CONTACT_PHONE, Rel.MAILED_FROM)
        ]
        out.append(_Complaint(node.key, received, str(node.props.get("text") or ""), identifiers))
    return out


def _identifier_signals(kind: str, ref: NodeRef, profile: IdentifierProfile | None,
                        ctx: _Context, complaint: bool = False) -> list[_Signal]:
    zh_kind, en_kind = _KIND_NAMES.get(kind, (kind, kind))
    value = ref.key
    data: dict[str, Any] = {"type": _TYPE_OF_LABEL.get(ref.label.value, ref.label.value),
                            "kind": kind, "value": value}
    out: list[_Signal] = []
    listed = ctx.watchlist.get((ref.label.value, ref.key))
    if listed is not None:
        out.append(_Signal(0.6, Evidence(
            "watchlist_hit",
            f"{zh_kind} {value} 在行业黑名单上（{listed}）",
            f"The {en_kind} {value} is on the industry watchlist ({listed})",
            {**data, "entry": listed})))
    if profile is None or profile.suspicion <= 0:
        return out
    data.update(customers=profile.customers, unrelated_customers=profile.unrelated_customers,
                suspicion=round(profile.suspicion, 4), notes=list(profile.notes))
    scale = 0.8 if complaint else 1.0
    if profile.ring_id and profile.ring_id in ctx.rings:
        data["ring_id"] = profile.ring_id
        out.append(_Signal(scale * min(0.5 + 0.45 * profile.suspicion, 0.95), Evidence(
            "identifier_in_ring",
            f"{zh_kind} {value} 属于已识别的代理退保团伙 {profile.ring_id}，"
            f"共 {profile.customers} 位客户使用",
            f"The {en_kind} {value} belongs to detected ring {profile.ring_id} "
            f"and is used by {profile.customers} customers",
            data), profile.ring_id))
    elif profile.suspicion >= 0.3 and profile.unrelated_customers > 0:
        out.append(_Signal(scale * 0.6 * profile.suspicion, Evidence(
            "shared_identifier",
            f"{zh_kind} {value} 被 {profile.unrelated_customers + 1} 个互不相关的家庭使用",
            f"The {en_kind} {value} is used by {profile.unrelated_customers + 1} "
            "unrelated households",
            data)))
    if kind == "representative" and profile.unrelated_customers > 0:
        out.append(_Signal(min(0.3 + 0.1 * profile.unrelated_customers, 0.7), Evidence(
            "repeat_representative",
            f"委托代办人 {value} 还代办过 {profile.customers} 位客户的申请",
            f"The representative {value} acted for {profile.customers} customers",
            data), profile.ring_id if profile.ring_id in ctx.rings else None))
    return out


def _payout_signals(req: SurrenderRequest, customer: _Around | None) -> list[_Signal]:
    holder = normalize_text(req.payout_account_name)
    if holder is None:
        return []
    if is_company(holder):
        return [_Signal(0.5, Evidence(
            "agency_payout",
            f"退保款支付至公司或机构账户（{holder}），而非投保人本人",
            f"The refund is paid to an account held by a company or agency ({holder}), "
            "not the policyholder", {"holder": holder}))]
    name = normalize_text(customer.node.props.get("name")) if customer else None
    if name is None or holder == name:
        return []
    family = surname(holder) == surname(name)
    return [_Signal(0.05 if family else 0.25, Evidence(
        "third_party_payout",
        f"收款人（{holder}）不是投保人（{name}）" + ("，同姓，可能为家属" if family else ""),
        f"The payee ({holder}) is not the policyholder ({name})"
        + (", same surname, possibly family" if family else ""),
        {"holder": holder, "policyholder": name, "same_surname": family}))]


def _change_signals(req: SurrenderRequest, changed: list[tuple[NodeRef, str]],
                    profiles: Mapping[NodeRef, IdentifierProfile],
                    uses: list[tuple[str, NodeRef]]) -> list[_Signal]:
    contact = {ref for kind, ref in uses if kind == "contact_phone"}
    out = []
    for ref, when in changed:
        lag = (_day(req.request_date) or 0) - (_day(when) or 0)
        same = ref in contact
        profile = profiles.get(ref)
        weight = 0.4 if same else 0.25
        if profile is not None and profile.unrelated_customers > 0 and profile.suspicion > 0:
            weight += 0.2
        out.append(_Signal(weight, Evidence(
            "phone_changed_before_request",
            f"客户在申请前 {lag} 天（{when}）把联系电话改为 {ref.key}"
            + ("，即本次申请的联系电话" if same else ""),
            f"The customer changed the contact phone to {ref.key} {lag} days before the "
            f"request ({when})" + (", the contact phone of this request" if same else ""),
            {"type": "phone", "value": ref.key, "changed_on": when, "days_before": lag,
             "is_contact_phone": same})))
    return out


def _template_signals(complaints: list[_Complaint], ctx: _Context) -> list[_Signal]:
    out = []
    for complaint in complaints:
        if not complaint.text.strip() or not ctx.rings:
            continue
        grams = _shingle_set(complaint.text)
        if not grams:
            continue
        best, ring_id = ctx.templates.best_match(grams)
        if ring_id is None or best < _TEMPLATE_THRESHOLD:
            continue
        out.append(_Signal(0.5 + 0.4 * (best - _TEMPLATE_THRESHOLD) / (1 - _TEMPLATE_THRESHOLD),
                           Evidence(
            "template_complaint",
            f"客户的投诉信 {complaint.key} 与团伙 {ring_id} 的模板投诉信相似度 {best:.0%}",
            f"The customer's complaint {complaint.key} matches ring {ring_id}'s letter "
            f"template ({best:.0%} similar)",
            {"complaint_id": complaint.key, "ring_id": ring_id, "similarity": round(best, 3)}),
            ring_id))
    return out


def _complaint_refund_signals(req: SurrenderRequest,
                              complaints: list[_Complaint]) -> list[_Signal]:
    full = req.refund_type == "full_premium"
    reason = (req.reason_code or "").lower()
    complaint_reason = any(c in reason for c in _COMPLAINT_CODES)
    demand = bool(req.cash_value and req.requested_amount
                  and req.requested_amount > 1.2 * req.cash_value)
    parts = [full, complaint_reason, bool(complaints), demand]
    if not any(parts):
        return []
    weight = 0.08 * full + 0.07 * complaint_reason + 0.1 * bool(complaints) + 0.05 * demand
    return [_Signal(weight, Evidence(
        "complaint_full_refund",
        "投诉驱动的退保" + ("，要求全额退还保费" if full or demand else "")
        + (f"，申请前一年内有 {len(complaints)} 件投诉" if complaints else ""),
        "Complaint-driven surrender" + (", demanding a full premium refund" if full or demand
                                         else "")
        + (f", {len(complaints)} complaint(s) in the year before" if complaints else ""),
        {"refund_type": req.refund_type, "reason_code": req.reason_code,
         "complaints": [c.key for c in complaints],
         "requested_amount": req.requested_amount, "cash_value": req.cash_value}))]


def _agent_signals(day: int, agent_id: str | None, ctx: _Context) -> list[_Signal]:
    if agent_id is None:
        return []
    book = ctx.agent(agent_id)
    if book is None or book.status != "resigned":
        return []
    left = _day(book.leave_date)
    if left is not None and day < left:
        return []
    lo = bisect.bisect_left(book.days, day - _BURST_WINDOW_DAYS)
    hi = bisect.bisect_right(book.days, day + _BURST_WINDOW_DAYS)
    burst = hi - lo
    ring_id = None
    weight = 0.1
    if book.rings:
        ring_id = min(book.rings, key=lambda r: (-book.rings[r], r))
        ring = ctx.rings.get(ring_id)
        if ring is not None and _near(ring, day):
            weight = 0.45
        else:
            ring_id = None
    if burst >= _BURST_MIN_CLAIMS:
        weight += 0.2
    data = {"agent_id": agent_id, "leave_date": book.leave_date, "branch": book.branch,
            "claims_nearby": burst, "window_days": _BURST_WINDOW_DAYS}
    if ring_id:
        data["ring_id"] = ring_id
    return [_Signal(min(weight, 0.7), Evidence(
        "resigned_agent_burst",
        f"保单的代理人 {agent_id} 已于 {book.leave_date or '未知日期'} 离职，"
        f"其原客户在前后 {_BURST_WINDOW_DAYS} 天内有 {burst} 笔退保"
        + (f"，其中有团伙 {ring_id} 的成员" if ring_id else ""),
        f"The policy's agent {agent_id} resigned ({book.leave_date or 'date unknown'}); "
        f"the agent's former customers filed {burst} surrenders within "
        f"{_BURST_WINDOW_DAYS} days" + (f", including members of ring {ring_id}" if ring_id
                                        else ""),
        data), ring_id)]


def _customer_ring_signals(store: GraphStore, req: SurrenderRequest,
                           customer: _Around) -> list[_Signal]:
    claims = [n.key for n in customer.nodes if n.label is Label.CLAIM and n.key != req.claim_id]
    if not claims:
        return []
    out = []
    for claim_id, risk in store.claim_risks(claims).items():
        if risk.ring_id:
            out.append(_Signal(0.6 * risk.risk, Evidence(
                "customer_in_ring",
                f"该客户的另一笔退保申请 {claim_id} 属于团伙 {risk.ring_id}",
                f"Another request of this customer ({claim_id}) belongs to ring {risk.ring_id}",
                {"claim_id": claim_id, "ring_id": risk.ring_id}), risk.ring_id))
    return out


# ---------------------------------------------------------------------------- helpers
def _shingle_set(text: str) -> frozenset[int]:
    """The letter's character shingles as detection cuts them, as a set for fast comparison."""
    return frozenset(shingles(text).tolist())


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if inter else 0.0


def _near(ring: Ring, day: int) -> bool:
    first, last = _day(ring.first_request_date), _day(ring.last_request_date)
    if first is None or last is None:
        return True
    return first - _RING_WINDOW_DAYS <= day <= last + _RING_WINDOW_DAYS


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


_EPOCH = date(1970, 1, 1).toordinal()
_DAY_CACHE: dict[str, int | None] = {}


def _day(value: object) -> int | None:
    """Days since 1970-01-01 of an ISO date (also ``YYYY/MM/DD`` and ``YYYYMMDD``)."""
    if isinstance(value, date):
        return value.toordinal() - _EPOCH
    text = _text(value)
    if text is None:
        return None
    cached = _DAY_CACHE.get(text, -1)
    if cached != -1:
        return cached
    parsed: int | None = None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            parsed = datetime.strptime(text[:10], fmt).date().toordinal() - _EPOCH
            break
        except ValueError:
            continue
    if len(_DAY_CACHE) < 100_000:
        _DAY_CACHE[text] = parsed
    return parsed


def _amount(value: object) -> float | None:
    """An amount in yuan, ``None`` when missing or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except ValueError:
        return None
    return amount if amount == amount and abs(amount) != float("inf") else None


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    day = _day(value)
    if day is None:
        raise ValueError(f"request_date {value!r} is not a date (YYYY-MM-DD)")
    return date.fromordinal(day + _EPOCH).isoformat()

