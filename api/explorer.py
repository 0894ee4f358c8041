"""The investigators' explorer: pyvis networks of rings and entities, rendered as HTML pages.

Pure rendering: functions here turn store subgraphs and detection results into HTML strings;
the router (:mod:`api.routers.explorer`) does HTTP and authentication. The views:

* the **ring list**: score, level, case status, claim count, date range, links;
* the **work queue**: re-alerted rings, the signed-in person's open cases, unassigned rings;
* a **ring**: its claims, customers, policies, agents, complaints and the identifiers several
  of its claims share, coloured and shaped by label, identifier nodes sized by how many of the
  ring's claims touch them, the evidence listed beside the graph, the case panel (status,
  assignee, the decision form, the audit history) and the timeline;
* an **entity's neighbourhood** at depth 1 or 2, capped; a claim's page with the verdict
  ``POST /v1/score`` gives the claim (:class:`~api.views.ClaimVerdict`) beside its own group;
* **search** results: what a typed phone, card, ID number, record id or name matched.

Safety: every untrusted text (names, complaint letters, addresses, evidence, notes) reaches the
page through Jinja2 autoescaping or as data in a JSON block (``<``, ``>`` and ``&`` escaped)
that vis-network draws on a canvas or puts in tooltips as plain text. Pages load no inline
script, so the router can forbid inline script with a Content-Security-Policy. Unless the viewer
may see personal data, phones, bank accounts and ID numbers are masked everywhere, also in
links: those point to masked identifiers through opaque tokens (:class:`EntityLinks`).

vis-network is served from the copy pyvis ships (:func:`static_files`), never from a CDN.

>>> links = EntityLinks("/explorer")
>>> links.href(NodeRef(Label.CLAIM, "C 1"), show_pii=False)
'/explorer/entities/Claim/C%201'
>>> masked = links.href(NodeRef(Label.PHONE, "+8613812345678"), show_pii=False)
>>> "13812345678" in masked, links.resolve(Label.PHONE, masked.rsplit("/", 1)[1])
(False, '+8613812345678')
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pyvis
from pyvis.network import Network
from reportlab.graphics import renderSVG

from api.blocks import BLOCK_LABEL, IN_BLOCK, NumberBlock, ring_blocks
from api.privacy import mask_text
from api.timeline import timeline_drawing
from api.views import ClaimVerdict
from graph.cases import Case, Realert
from graph.errors import NotFoundError
from graph.masking import mask_identifier
from graph.model import IDENTIFIER_LABELS, SCHEMA, Edge, Label, Node, NodeRef, Rel, Subgraph
from graph.results import (
    CASE_TRANSITIONS,
    CaseChange,
    CaseStatus,
    ClaimRisk,
    IdentifierProfile,
    Ring,
    case_moves,
)
from graph.store import GraphStore

__all__ = [
    "BLOCK_STYLE",
    "LABEL_STYLES",
    "MASKED_LABELS",
    "EntityLinks",
    "LabelStyle",
    "QueueSection",
    "RingRow",
    "SearchRow",
    "Viewer",
    "collect_ring_graph",
    "entity_network",
    "node_caption",
    "parse_label",
    "render_block_page",
    "render_entity_page",
    "render_error_page",
    "render_login_page",
    "render_queue_page",
    "render_ring_list",
    "render_ring_page",
    "render_search_page",
    "ring_network",
    "standalone_page",
    "static_files",
]

MASKED_LABELS: frozenset[Label] = frozenset({Label.PHONE, Label.BANK_ACCOUNT, Label.PERSON})
"""Nodes whose key is a phone, bank account or ID number."""

_PACKAGE_DIR = Path(__file__).resolve().parent
_TOKEN_PREFIX = "~"


@dataclass(frozen=True)
class LabelStyle:
    """How one node label looks: names in Chinese and English, colour and vis-network shape."""

    zh: str
    en: str
    color: str
    shape: str
    size: int


LABEL_STYLES: Mapping[Label, LabelStyle] = {
    Label.CLAIM: LabelStyle("退保申请", "Surrender claim", "#d62728", "dot", 14),
    Label.CUSTOMER: LabelStyle("客户", "Customer", "#1f77b4", "dot", 12),
    Label.POLICY: LabelStyle("保单", "Policy", "#9467bd", "square", 8),
    Label.AGENT: LabelStyle("代理人", "Agent", "#ff7f0e", "star", 16),
    Label.COMPLAINT: LabelStyle("投诉", "Complaint", "#7f7f7f", "triangleDown", 10),
    Label.PHONE: LabelStyle("电话", "Phone", "#2ca02c", "diamond", 12),
    Label.BANK_ACCOUNT: LabelStyle("银行账户", "Bank account", "#8c564b", "triangle", 12),
    Label.ADDRESS: LabelStyle("地址", "Address", "#17becf", "square", 12),
    Label.PERSON: LabelStyle("代办人", "Representative", "#e377c2", "hexagon", 12),
    Label.INTERMEDIARY: LabelStyle("黑名单主体", "Watchlist entry", "#222222", "star", 14),
    Label.INSURER: LabelStyle("成员公司", "Member insurer", "#bcbd22", "box", 14),
}

BLOCK_STYLE = LabelStyle("号段", "Number block", "#98df8a", "box", 14)
"""How a number block looks (:mod:`api.blocks`): it has no node in the graph, so it is drawn
from the rings that list it, linked to each of its numbers."""

_REL_ZH: Mapping[Rel, str] = {
    Rel.HOLDS: "持有", Rel.SOLD: "销售", Rel.FILED: "提交", Rel.SURRENDERS: "退保",
    Rel.CONTACT_PHONE: "联系电话", Rel.PAID_TO: "收款账户", Rel.REPRESENTED_BY: "代办人",
    Rel.HAS_PHONE: "登记电话", Rel.LIVES_AT: "住址", Rel.HAS_ACCOUNT: "登记账户",
    Rel.CHANGED_TO: "变更为", Rel.COMPLAINED: "投诉", Rel.ABOUT: "涉及保单",
    Rel.MAILED_FROM: "寄信地址", Rel.LISTS: "黑名单列明",
}

_STATUS_ZH: Mapping[CaseStatus, str] = {
    CaseStatus.NEW: "新建", CaseStatus.INVESTIGATING: "调查中",
    CaseStatus.CONFIRMED: "已确认", CaseStatus.DISMISSED: "已排除",
}
_LEVEL_ZH: Mapping[str, str] = {"high": "高", "medium": "中", "low": "低"}

# Property names whose values are identifiers and are masked whole.
_PII_PROPS = frozenset({
    "phone", "contact_phone", "representative_phone", "representative_id_number", "id_number",
    "payout_account", "account", "bank_account", "identifier_value", "old_value", "new_value",
})
# Edge property holding the value as typed; masked whole when it leads to a masked label.
_RAW_PROP = "raw"
# Properties shown in a node's tooltip and side panel, in this order, with their labels.
_PROP_LABELS: Mapping[str, str] = {
    "name": "姓名 name", "request_date": "申请日期 request date", "channel": "渠道 channel",
    "reason_code": "原因 reason", "reason_text": "原因说明 reason text",
    "refund_type": "退费类型 refund type", "cash_value": "现金价值 cash value",
    "requested_amount": "申请金额 requested", "payout_account_name": "收款户名 payout name",
    "received_date": "收到日期 received", "text": "投诉内容 complaint text",
    "status": "状态 status", "branch": "机构 branch", "hire_date": "入职 hired",
    "leave_date": "离职 left", "product": "产品 product", "issue_date": "生效日期 issued",
    "annual_premium": "年缴保费 annual premium", "premiums_paid": "已缴保费 premiums paid",
    "kind": "类型 kind", "source": "来源 source", "added_date": "列入日期 listed",
}
_TOOLTIP_TEXT_CHARS = 160
_CANVAS_LABEL_CHARS = 24


# ---------------------------------------------------------------------------- viewer and links
@dataclass(frozen=True)
class Viewer:
    """Who looks at a page: whether personal identifiers are shown, and the explorer's base path."""

    show_pii: bool = False
    base: str = "/explorer"
    name: str = ""
    """Who is signed in: the key holder's name, or the key's id when it is unnamed."""
    person: str = ""
    """The key holder's name (``""`` for an unnamed key): whose cases the queue lists."""
    role: str = ""
    may_decide: bool = False
    """Whether the viewer may work cases (and so gets the decision form)."""
    may_reopen: bool = False
    """Whether the viewer may reopen a confirmed case (an admin)."""
    csrf: str = ""
    """The session's anti-forgery token, put in every form (empty: signed in by header)."""
    insurer: str | None = None
    """The member insurer a scoped key belongs to (:mod:`api.scope`); ``None``: sees all."""

    def text(self, value: object) -> str:
        """Untrusted free text, with identifier-like digit runs masked unless PII is allowed."""
        text = "" if value is None else str(value)
        return text if self.show_pii else mask_text(text)

    def key(self, ref: NodeRef) -> str:
        """A node's key as displayed: phones, accounts and ID numbers masked unless allowed."""
        if self.show_pii or ref.label not in MASKED_LABELS:
            return ref.key
        return mask_text(ref.key) if ref.label is Label.PERSON else mask_identifier(ref.key)

    def prop(self, name: str, value: object) -> str:
        """A property value as displayed."""
        if name in _PII_PROPS and not self.show_pii and isinstance(value, str):
            return mask_identifier(value)
        return self.text(value)


class EntityLinks:
    """Builds links to entity pages; masked identifiers are linked through opaque tokens.

    A viewer who may not see a phone number must not find it in a link either, so links to
    Phone, BankAccount and Person nodes carry a random token that :meth:`resolve` maps back.
    Tokens live in memory (the most recent ``capacity`` of them) for the server process's life;
    an expired token resolves to ``None`` and the page says the link expired.
    """

    def __init__(self, base: str = "/explorer", capacity: int = 50_000) -> None:
        self.base = base.rstrip("/")
        self._capacity = capacity
        self._by_ref: OrderedDict[NodeRef, str] = OrderedDict()
        self._by_token: dict[str, NodeRef] = {}
        self._lock = threading.Lock()

    def ring(self, ring_id: str) -> str:
        return f"{self.base}/rings/{quote(ring_id, safe='')}"

    def href(self, ref: NodeRef, *, show_pii: bool) -> str:
        """The entity page of a node (its neighbourhood at depth 1)."""
        segment = ref.key if show_pii or ref.label not in MASKED_LABELS else self._token(ref)
        return f"{self.base}/entities/{ref.label.value}/{quote(segment, safe='')}"

    def resolve(self, label: Label, segment: str) -> str | None:
        """The node key a URL segment names: the key itself, or the key behind a token."""
        if label not in MASKED_LABELS or not segment.startswith(_TOKEN_PREFIX):
            return segment
        with self._lock:
            ref = self._by_token.get(segment)
        return ref.key if ref is not None and ref.label is label else None

    def _token(self, ref: NodeRef) -> str:
        with self._lock:
            token = self._by_ref.get(ref)
            if token is None:
                token = _TOKEN_PREFIX + secrets.token_urlsafe(12)
                self._by_ref[ref], self._by_token[token] = token, ref
                while len(self._by_ref) > self._capacity:
                    _, old = self._by_ref.popitem(last=False)
                    del self._by_token[old]
            else:
                self._by_ref.move_to_end(ref)
            return token


def parse_label(value: str) -> Label | None:
    """A node label from a URL segment: ``Phone``, ``phone`` or ``bank_account`` style."""
    wanted = value.replace("_", "").replace("-", "").lower()
    return next((label for label in Label if label.value.lower() == wanted), None)


# ---------------------------------------------------------------------------- ring graph
_FOLLOW: Mapping[Label, frozenset[Rel]] = {
    Label.CLAIM: frozenset({Rel.FILED, Rel.SURRENDERS, Rel.CONTACT_PHONE, Rel.PAID_TO,
                            Rel.REPRESENTED_BY}),
    Label.CUSTOMER: frozenset({Rel.HAS_PHONE, Rel.LIVES_AT, Rel.HAS_ACCOUNT, Rel.CHANGED_TO,
                               Rel.COMPLAINED}),
    Label.POLICY: frozenset({Rel.SOLD}),
    Label.COMPLAINT: frozenset({Rel.CONTACT_PHONE, Rel.MAILED_FROM}),
    Label.PERSON: frozenset({Rel.HAS_PHONE}),
}
"""Relationships followed outwards from each kind of ring member when collecting its graph."""

@dataclass
class _Collected:
    nodes: dict[NodeRef, Node] = field(default_factory=dict)
    edges: dict[tuple[NodeRef, Rel, NodeRef], Edge] = field(default_factory=dict)
    truncated: bool = False


def collect_ring_graph(
    store: GraphStore, ring: Ring, *, max_nodes: int = 400, per_node: int = 60
) -> Subgraph:
    """A ring's graph read from the store: its members and the identifiers they share.

    From the ring's claims outwards: customers, policies, contact phones, payout accounts and
    representatives; the customers' registered and changed-to identifiers and complaints; the
    policies' agents; the complaints' phones and mailing addresses. Identifiers are kept only
    when at least two of the ring's claims touch them (directly or through their customer,
    complaint or representative) or when detection named them (the numbers of a number block the
    ring lists among them: each is one member's, the block ties them); watchlist entries listing a kept
    identifier, and agents' own phones among them, are added. At most ``max_nodes`` nodes,
    kept in :func:`_drawing_order` (what ties the ring first: its shared identifiers, then its
    claims; per-claim policies are the first left out); ``truncated`` says if some were left
    out (also when a member had more relationships than ``per_node`` nodes could show; hubs
    around a kept identifier do not count).
    """
    got = _Collected()
    frontier = [NodeRef(Label.CLAIM, c) for c in ring.claim_ids]
    frontier += [NodeRef(Label.CUSTOMER, c) for c in ring.customer_ids]
    expanded: set[NodeRef] = set()
    while frontier:
        following: list[NodeRef] = []
        for ref in frontier:
            if ref in expanded or ref.label not in _FOLLOW:
                continue
            expanded.add(ref)
            following += _expand(store, ref, _FOLLOW[ref.label], got, per_node)
        frontier = following
    touched = _claims_touching(got)
    named = {i.value for i in ring.identifiers} | {n for numbers in ring_blocks(ring).values() for n in numbers}
    keep = {
        ref for ref in got.nodes
        if ref.label not in IDENTIFIER_LABELS or len(touched.get(ref, ())) >= 2 or ref.key in named
    }
    members_truncated = got.truncated
    for ref in sorted(r for r in keep if r.label in IDENTIFIER_LABELS):
        _expand(store, ref, frozenset({Rel.LISTS}), got, per_node)
        keep.update(e.src for e in got.edges.values() if e.rel is Rel.LISTS and e.dst == ref)
    ordered = sorted(keep, key=lambda r: _drawing_order(r, touched, named))
    truncated = members_truncated or len(ordered) > max_nodes
    chosen = set(ordered[:max_nodes])
    edges = [e for e in got.edges.values() if e.src in chosen and e.dst in chosen]
    return Subgraph([got.nodes[r] for r in ordered[:max_nodes]], edges, truncated)


_DRAWING_RANKS: Mapping[Label, int] = {
    Label.CLAIM: 1, Label.INTERMEDIARY: 2, Label.CUSTOMER: 3, Label.AGENT: 4, Label.COMPLAINT: 5,
    Label.POLICY: 6,
}
"""Which nodes of a ring's graph are drawn first when it has more than the cap (identifiers,
rank 0, before all of these): a big ring's picture is what ties it, so its shared identifiers
and its claims stay, and the per-claim records (a policy per claim, its letter) go first.
Before, members came first, and a ring of a hundred claims was drawn as a hundred
claim-customer-policy fragments without the account they all were paid to."""


def _drawing_order(ref: NodeRef, touched: Mapping[NodeRef, set[str]],
                   named: set[str]) -> tuple[int, int, int, str, str]:
    """Sort key: identifiers first (those detection named, then by the ring's claims touching
    them), then the ranks of :data:`_DRAWING_RANKS`; ties by label and key."""
    if ref.label in IDENTIFIER_LABELS:
        return (0, ref.key not in named, -len(touched.get(ref, ())), ref.label.value, ref.key)
    return (_DRAWING_RANKS.get(ref.label, len(_DRAWING_RANKS) + 1), 0, 0, ref.label.value, ref.key)


def _expand(
    store: GraphStore, ref: NodeRef, rels: frozenset[Rel], got: _Collected, per_node: int
) -> list[NodeRef]:
    """Add a node's relationships of the given types; return the nodes newly reached."""
    try:
        sub = store.neighbourhood(ref.label, ref.key, depth=1, limit=per_node)
    except NotFoundError:
        return []
    got.truncated |= sub.truncated
    by_ref = {n.ref: n for n in sub.nodes}
    if ref not in got.nodes and ref in by_ref:
        got.nodes[ref] = by_ref[ref]
    reached: list[NodeRef] = []
    for edge in sub.edges:
        if edge.rel not in rels and not (edge.src in got.nodes and edge.dst in got.nodes):
            continue
        for end in (edge.src, edge.dst):
            if end not in got.nodes and end in by_ref:
                got.nodes[end] = by_ref[end]
                reached.append(end)
        got.edges[(edge.src, edge.rel, edge.dst)] = edge
    return reached


def _claims_touching(got: _Collected) -> dict[NodeRef, set[str]]:
    """For each node, the claims it belongs to or that reach it through their own records."""
    owners: dict[NodeRef, set[str]] = {r: {r.key} for r in got.nodes if r.label is Label.CLAIM}
    edges = list(got.edges.values())
    for edge in edges:  # a customer's, a representative's claims
        if edge.rel is Rel.FILED:
            owners.setdefault(edge.src, set()).add(edge.dst.key)
        elif edge.rel is Rel.REPRESENTED_BY:
            owners.setdefault(edge.dst, set()).add(edge.src.key)
    for edge in edges:  # a complaint belongs to its customer's claims
        if edge.rel is Rel.COMPLAINED:
            owners.setdefault(edge.dst, set()).update(owners.get(edge.src, ()))
    touched: dict[NodeRef, set[str]] = {}
    for edge in edges:
        if edge.dst.label in IDENTIFIER_LABELS and edge.src.label is not Label.AGENT:
            touched.setdefault(edge.dst, set()).update(owners.get(edge.src, ()))
    for ref, claims in owners.items():
        if ref.label is Label.PERSON:
            touched.setdefault(ref, set()).update(claims)
    return touched


# ---------------------------------------------------------------------------- pyvis networks
def _options(physics_iterations: int) -> dict[str, Any]:
    return {
        "autoResize": True,
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False,
                        "keyboard": {"enabled": True, "bindToWindow": False}},
        "nodes": {"font": {"size": 12, "face": "sans-serif"}, "borderWidth": 1},
        "edges": {"color": {"color": "#b8b8b8", "highlight": "#444444"},
                  "smooth": {"type": "continuous"}, "width": 1.2},
        "physics": {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90,
                                 "avoidOverlap": 0.4},
            "stabilization": {"enabled": True, "iterations": physics_iterations, "fit": True},
        },
    }


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_caption(node: Node, viewer: Viewer) -> str:
    """A node's short caption as drawn on a network: a person's name, a claim's id and date,
    else its key (masked as the viewer sees it)."""
    props = node.props
    if node.label in (Label.CUSTOMER, Label.AGENT, Label.INTERMEDIARY) and props.get("name"):
        label = viewer.text(props["name"])
        if node.label is Label.AGENT and props.get("status") in ("resigned", "terminated"):
            label += " (离职)"
        return _short(label, _CANVAS_LABEL_CHARS)
    if node.label is Label.CLAIM and props.get("request_date"):
        return f"{node.key}\n{props['request_date']}"
    return _short(viewer.key(node.ref), _CANVAS_LABEL_CHARS)


def _tooltip(node: Node, viewer: Viewer, extra: Sequence[str] = ()) -> str:
    style = LABEL_STYLES[node.label]
    lines = [f"{style.zh} {style.en}: {viewer.key(node.ref)}"]
    lines += [f"{name}: {value}" for name, value in _display_props(node.props, viewer)]
    lines += list(extra)
    return "\n".join(_short(line, _TOOLTIP_TEXT_CHARS) for line in lines)


def _display_props(props: Mapping[str, Any], viewer: Viewer) -> list[tuple[str, str]]:
    known = [(_PROP_LABELS[k], viewer.prop(k, props[k])) for k in _PROP_LABELS if k in props]
    other = sorted(k for k in props if k not in _PROP_LABELS)
    return known + [(k, viewer.prop(k, props[k])) for k in other]


def _edge_title(edge: Edge, viewer: Viewer) -> str:
    meaning = SCHEMA.get((edge.src.label, edge.rel, edge.dst.label), "")
    lines = [f"{_REL_ZH[edge.rel]} {edge.rel.value}: {meaning}"]
    for name, value in sorted(edge.props.items()):
        shown = (viewer.key(NodeRef(edge.dst.label, str(value)))
                 if name == _RAW_PROP else viewer.prop(name, value))
        lines.append(f"{name}: {shown}")
    return "\n".join(lines)


def _build_network(
    sub: Subgraph,
    viewer: Viewer,
    links: EntityLinks,
    *,
    sizes: Mapping[NodeRef, int],
    extras: Mapping[NodeRef, Sequence[str]],
    root: NodeRef | None = None,
    blocks: Sequence[NumberBlock] = (),
) -> Network:
    """A pyvis network of a subgraph. Node ids are opaque (``n0``, ``n1`` …), never keys. Each
    of ``blocks`` is drawn as a node of its own (``b0`` …) with an edge from each of its numbers
    the subgraph holds (a block ``root`` is drawn larger)."""
    net = Network(directed=True, cdn_resources="local")
    ids: dict[NodeRef, str] = {}
    for index, node in enumerate(sorted(sub.nodes, key=lambda n: (n.label, n.key))):
        style = LABEL_STYLES[node.label]
        ids[node.ref] = node_id = f"n{index}"
        net.add_node(
            node_id,
            label=node_caption(node, viewer),
            shape=style.shape,
            color=style.color,
            size=sizes.get(node.ref, style.size),
            title=_tooltip(node, viewer, extras.get(node.ref, ())),
            kind=node.label.value,
            href=links.href(node.ref, show_pii=viewer.show_pii),
            borderWidth=4 if node.ref == root else 1,
            font={"size": 14, "bold": True} if node.ref == root else {"size": 12},
        )
    for edge in sub.edges:
        if edge.src in ids and edge.dst in ids:
            look: dict[str, Any] = {}
            if edge.rel is Rel.CHANGED_TO:  # a phone/account switched just before surrender
                look = {"dashes": True, "color": "#d62728",
                        "label": str(edge.props.get("date", ""))}
            net.add_edge(ids[edge.src], ids[edge.dst], title=_edge_title(edge, viewer),
                         arrows="to", rel=edge.rel.value, **look)
    for index, block in enumerate(blocks):
        _add_block(net, f"b{index}", block, ids, viewer, links, root)
    net.options = _options(300 if len(sub.nodes) <= 150 else 150)
    return net


def _add_block(net: Network, node_id: str, block: NumberBlock, ids: Mapping[NodeRef, str],
               viewer: Viewer, links: EntityLinks, root: NodeRef | None) -> None:
    """A number block's node, linked from each of its numbers drawn."""
    ref = block.ref
    shown = viewer.key(ref)
    lines = [f"{BLOCK_STYLE.zh} {BLOCK_STYLE.en}: {shown}", *_block_lines(block, viewer)]
    net.add_node(
        node_id, label=shown, shape=BLOCK_STYLE.shape, color=BLOCK_STYLE.color,
        size=BLOCK_STYLE.size + (10 if ref == root else 0),
        title="\n".join(_short(line, _TOOLTIP_TEXT_CHARS) for line in lines), kind=BLOCK_LABEL,
        href=links.href(ref, show_pii=viewer.show_pii), borderWidth=4 if ref == root else 1,
        font={"size": 14, "bold": True} if ref == root else {"size": 12},
    )
    for number in block.numbers:
        if (phone := NodeRef(Label.PHONE, number)) in ids:
            net.add_edge(ids[phone], node_id, arrows="to", rel=IN_BLOCK, dashes=True, color="#2ca02c",
                         title=f"号段 {IN_BLOCK}: 同一批购买的连号手机卡 · a number of the block "
                               "(SIM cards bought in one batch)")


def _block_lines(block: NumberBlock, viewer: Viewer) -> list[str]:
    """What a block's tooltip and page say: its numbers, the rings listing it, its profile."""
    rings = ", ".join(block.ring_ids) or "—"
    lines = [f"号码 numbers ({len(block.numbers)}): " + ", ".join(viewer.key(NodeRef(Label.PHONE, n))
                                                                  for n in block.numbers),
             f"所属团伙 rings: {rings}"]
    return lines + (_profile_lines(block.profile) if block.profile is not None else [])


def ring_network(
    ring: Ring,
    sub: Subgraph,
    viewer: Viewer,
    links: EntityLinks,
    profiles: Mapping[NodeRef, IdentifierProfile] | None = None,
    risks: Mapping[str, ClaimRisk] | None = None,
    blocks: Sequence[NumberBlock] = (),
) -> Network:
    """A ring's pyvis network; identifier nodes sized by the number of ring claims touching them,
    and the number blocks it lists (``blocks``) linked to their numbers."""
    touched = _claims_touching(_Collected({n.ref: n for n in sub.nodes},
                                          {(e.src, e.rel, e.dst): e for e in sub.edges}))
    sizes: dict[NodeRef, int] = {}
    extras: dict[NodeRef, list[str]] = {}
    for node in sub.nodes:
        if node.label in IDENTIFIER_LABELS:
            claims = len(touched.get(node.ref, ()))
            sizes[node.ref] = min(10 + 5 * claims, 50)
            extras[node.ref] = [f"本团伙涉及申请 ring claims touching it: {claims}"]
            profile = (profiles or {}).get(node.ref)
            if profile is not None:
                extras[node.ref] += _profile_lines(profile)
        elif node.label is Label.CLAIM and risks and node.key in risks:
            extras[node.ref] = [f"检测时风险分 risk at the run: {risks[node.key].risk:.2f}"]
    return _build_network(sub, viewer, links, sizes=sizes, extras=extras, blocks=blocks)


def entity_network(sub: Subgraph, root: NodeRef, viewer: Viewer, links: EntityLinks,
                   blocks: Sequence[NumberBlock] = ()) -> Network:
    """An entity neighbourhood's pyvis network, the entity itself drawn larger (a block root:
    the block of ``blocks`` whose key it is)."""
    style = BLOCK_STYLE if root.label is Label.PHONE and any(b.ref == root for b in blocks) else LABEL_STYLES[root.label]
    return _build_network(sub, viewer, links, sizes={root: style.size + 10}, extras={}, root=root,
                          blocks=blocks)


def _profile_lines(profile: IdentifierProfile) -> list[str]:
    lines = [
        f"使用客户数 customers using it: {profile.customers}"
        f" (互不相关的家庭 unrelated households: {profile.households})",
        f"可疑度 suspicion: {profile.suspicion:.2f}",
    ]
    return lines + [f"备注 note: {note}" for note in profile.notes]


# ---------------------------------------------------------------------------- pages
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_PACKAGE_DIR / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _graph_json(net: Network) -> str:
    """The network as JSON for a ``<script type="application/json">`` block, HTML-safe."""
    nodes, edges, *_ = net.get_network_data()
    payload = {"nodes": nodes, "edges": edges, "options": net.options}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _legend(labels: Iterable[Label]) -> list[dict[str, str]]:
    present = set(labels)
    return [{"zh": s.zh, "en": s.en, "color": s.color, "shape": s.shape, "label": lbl.value}
            for lbl, s in LABEL_STYLES.items() if lbl in present]


def _render(template: str, viewer: Viewer, **context: Any) -> str:
    return _ENV.get_template(template).render(viewer=viewer, base=viewer.base, **context)


@dataclass(frozen=True)
class RingRow:
    """A line of the ring list or the queue: a ring and its case."""

    ring: Ring
    case: Case


def _realert_text(realert: Realert) -> str:
    claims = ", ".join(realert.new_claims)
    return (f"{realert.at} 起新增 {len(realert.new_claims)} 笔申请：{claims} · "
            f"{len(realert.new_claims)} new claims since {realert.at}: {claims}")


def _ring_summary(ring: Ring, case: Case, links: EntityLinks, viewer: Viewer) -> dict[str, Any]:
    return {
        "id": ring.ring_id, "href": links.ring(ring.ring_id), "score": f"{ring.score:.2f}",
        "level": ring.level, "level_zh": _LEVEL_ZH.get(ring.level, ring.level),
        "status": case.status.value, "status_zh": _STATUS_ZH[case.status],
        "assignee": case.assignee or "", "last_note": _short(viewer.text(case.last_note), 80),
        "realert": _realert_text(case.realert) if case.realert else "",
        "realert_count": len(case.realert.new_claims) if case.realert else 0,
        "claims": len(ring.claim_ids), "customers": len(ring.customer_ids),
        "agents": len(ring.agent_ids), "first": ring.first_request_date or "—",
        "last": ring.last_request_date or "—",
    }


def render_ring_list(
    rows: Sequence[RingRow],
    viewer: Viewer,
    links: EntityLinks,
    *,
    total: int,
    page: int,
    pages: int,
    level: str | None = None,
    status: str | None = None,
) -> str:
    """The ring list: one line per ring with score, level, case status, claims and dates."""
    return _render(
        "ring_list.html", viewer,
        title="团伙列表 Rings",
        rings=[_ring_summary(r.ring, r.case, links, viewer) for r in rows],
        total=total, page=page, pages=pages, level=level or "", status=status or "",
        levels=[(k, v) for k, v in _LEVEL_ZH.items()],
        statuses=[(s.value, _STATUS_ZH[s]) for s in CaseStatus],
    )


def _evidence_value(name: str, value: Any, viewer: Viewer, items: int = 20) -> str:
    """An evidence datum as one line: lists joined, mappings as ``key: value`` pairs."""
    if isinstance(value, Mapping):
        return "; ".join(f"{viewer.text(k)}: {_evidence_value(str(k), v, viewer)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        shown = [_evidence_value(name, v, viewer) for v in value[:items]]
        more = f" … (+{len(value) - items})" if len(value) > items else ""
        return (" | " if any(isinstance(v, Mapping) for v in value) else ", ").join(shown) + more
    return viewer.prop(name, value)


def _evidence_data(data: Mapping[str, Any], viewer: Viewer) -> list[tuple[str, str]]:
    return [(str(name), _evidence_value(str(name), value, viewer)) for name, value in data.items()]


def _case_panel(case: Case, audit: Sequence[CaseChange], people: Sequence[str],
                viewer: Viewer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case as the panel shows it, with the moves the workflow allows the viewer (an admin
    may reopen a confirmed case) and the people it may be assigned to (the current assignee among them even if their key is gone)."""
    allowed = case_moves(case.status, viewer.may_reopen)
    moves = [s for s in CaseStatus if s in allowed]
    everyone = sorted({*people, *([case.assignee] if case.assignee else [])})
    panel = {
        "status": case.status.value, "status_zh": _STATUS_ZH[case.status],
        "assignee": case.assignee or "", "last_note": viewer.text(case.last_note),
        "last_note_by": viewer.text(case.last_note_by),
        "realert": _realert_text(case.realert) if case.realert else "",
        "moves": [(s.value, _STATUS_ZH[s] if s in CASE_TRANSITIONS[case.status]
                   else f"撤销确认，重新调查 admin reopens: {_STATUS_ZH[s]}") for s in moves],
        "people": everyone,
    }
    entries, before = [], None
    for c in audit:
        entries.append({"at": c.at, "actor": viewer.text(c.actor), "event": c.event.value,
                        "from": c.from_status.value, "to": c.to_status.value,
                        "assignee": c.assignee or "", "assignee_changed": c.assignee != before,
                        "note": viewer.text(c.note)})
        before = c.assignee
    return panel, entries


_EVENT_NAMES: Mapping[str, str] = {
    "agent_left": "代理人离职 Agent left", "contact_change": "联系方式变更 Contact change",
    "complaint": "投诉 Complaint", "surrender_request": "退保申请 Surrender request",
    "payout": "申请的收款账户 Payout account named on the request (no payout date in the book)",
}


def _timeline(events: Sequence[Mapping[str, Any]], viewer: Viewer) -> dict[str, Any]:
    """The timeline figure (an SVG image in a data URL) and its events as table rows."""
    figure = timeline_drawing(events)
    svg = renderSVG.drawToString(figure)
    rows = []
    for e in events:
        detail = e.get("detail") or {}
        shown = [f"{name}: {viewer.prop('payout_account' if name == 'value' else name, value)}"
                 for name, value in detail.items() if value not in (None, "")]
        rows.append({"date": e["date"], "kind": e["kind"],
                     "name": _EVENT_NAMES.get(e["kind"], e["kind"]),
                     "subject": viewer.text(e["subject"]), "detail": "; ".join(shown)})
    return {"figure": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "width": round(figure.width), "height": round(figure.height), "events": rows}


def render_ring_page(
    ring: Ring,
    case: Case,
    sub: Subgraph,
    viewer: Viewer,
    links: EntityLinks,
    *,
    audit: Sequence[CaseChange] = (),
    profiles: Mapping[NodeRef, IdentifierProfile] | None = None,
    risks: Mapping[str, ClaimRisk] | None = None,
    timeline: Sequence[Mapping[str, Any]] = (),
    people: Sequence[str] = (),
    message: str = "",
    blocks: Sequence[NumberBlock] = (),
) -> str:
    """A ring: its network (with the number ``blocks`` it lists, linked to their numbers), the
    evidence, the case panel (with the decision form when the viewer may decide, and
    ``message`` after a refused decision), the timeline and the claims."""
    net = ring_network(ring, sub, viewer, links, profiles, risks, blocks)
    nodes = {n.ref: n for n in sub.nodes}
    customer_of = {e.dst.key: e.src for e in sub.edges if e.rel is Rel.FILED}
    claims = []
    for claim_id in ring.claim_ids:
        ref = NodeRef(Label.CLAIM, claim_id)
        props = nodes[ref].props if ref in nodes else {}
        customer = customer_of.get(claim_id)
        customer_node = nodes.get(customer) if customer else None
        claims.append({
            "id": claim_id, "href": links.href(ref, show_pii=viewer.show_pii),
            "date": props.get("request_date", "—"),
            "refund_type": viewer.text(props.get("refund_type", "")),
            "reason": viewer.text(props.get("reason_code", "")),
            "customer": viewer.text(customer_node.props.get("name", customer.key))
            if customer_node and customer else "",
            "customer_href": links.href(customer, show_pii=viewer.show_pii) if customer else "",
            "risk": f"{risks[claim_id].risk:.2f}" if risks and claim_id in risks else "—",
            "new": bool(case.realert and claim_id in case.realert.new_claims),
        })
    panel, entries = _case_panel(case, audit, people, viewer)
    return _render(
        "ring.html", viewer,
        title=f"团伙 Ring {ring.ring_id}",
        ring=_ring_summary(ring, case, links, viewer),
        case=panel, audit=entries, message=message, timeline=_timeline(timeline, viewer),
        evidence=[{"code": e.code, "zh": viewer.text(e.zh), "en": viewer.text(e.en),
                   "data": _evidence_data(e.data, viewer)} for e in ring.evidence],
        identifiers=[{"type": i.type, "value": viewer.text(i.value),
                      "href": links.href(NodeRef(_IDENTIFIER_LABELS.get(i.type, Label.PHONE), i.value),
                                         show_pii=viewer.show_pii) if i.type in _IDENTIFIER_LABELS else ""}
                     for i in ring.identifiers],
        claims=claims,
        graph_json=_graph_json(net),
        node_count=len(net.nodes),
        legend=_legend(n.label for n in sub.nodes) + _block_legend(blocks),
        truncated=sub.truncated,
    )


_IDENTIFIER_LABELS: Mapping[str, Label] = {
    "phone": Label.PHONE, "number_block": Label.PHONE, "bank_account": Label.BANK_ACCOUNT,
    "address": Label.ADDRESS, "representative": Label.PERSON,
}
"""The node a ring identifier's type names (a number block's page is reached as a phone's)."""


def _block_legend(blocks: Sequence[NumberBlock]) -> list[dict[str, str]]:
    s = BLOCK_STYLE
    return [{"zh": s.zh, "en": s.en, "color": s.color, "shape": s.shape, "label": BLOCK_LABEL}] if blocks else []


def render_entity_page(
    root: Node,
    sub: Subgraph,
    depth: int,
    viewer: Viewer,
    links: EntityLinks,
    *,
    profile: IdentifierProfile | None = None,
    verdict: ClaimVerdict | None = None,
    block: NumberBlock | None = None,
) -> str:
    """An entity: its properties, what detection knows about it, and its neighbourhood; a
    claim's ``verdict`` (:func:`_verdict`); a phone number a ring lists as one of a number
    ``block``'s says so, and the block is drawn."""
    blocks = [block] if block is not None else []
    net = entity_network(sub, root.ref, viewer, links, blocks)
    style = LABEL_STYLES[root.label]
    neighbours: dict[Label, list[dict[str, str]]] = {}
    for node in sorted(sub.nodes, key=lambda n: (n.label, n.key)):
        if node.ref != root.ref:
            neighbours.setdefault(node.label, []).append({
                "name": node_caption(node, viewer).replace("\n", " · "),
                "href": links.href(node.ref, show_pii=viewer.show_pii),
            })
    here = links.href(root.ref, show_pii=viewer.show_pii)
    return _render(
        "entity.html", viewer,
        title=f"{style.zh} {style.en} {viewer.key(root.ref)}",
        entity={"zh": style.zh, "en": style.en, "key": viewer.key(root.ref),
                "label": root.label.value},
        props=_display_props(root.props, viewer),
        profile=_profile_lines(profile) if profile else [],
        profile_ring=links.ring(profile.ring_id) if profile and profile.ring_id else "",
        verdict=_verdict(verdict, viewer, links) if verdict is not None else None,
        member_of=_membership(block, viewer, links) if block is not None else None,
        neighbours=[{"zh": LABEL_STYLES[lbl].zh, "en": LABEL_STYLES[lbl].en, "items": items}
                    for lbl, items in neighbours.items()],
        depth=depth, depth_links={d: f"{here}?depth={d}" for d in (1, 2)},
        graph_json=_graph_json(net),
        node_count=len(net.nodes),
        legend=_legend(n.label for n in sub.nodes) + _block_legend(blocks),
        truncated=sub.truncated,
    )


def _ring_line(ring_id: str, ring: Ring | None, status: CaseStatus | None, links: EntityLinks) -> dict[str, str]:
    """A ring as the claim page names it: id, link (none to a ring the viewer may not open),
    score and level, case status."""
    return {"id": ring_id, "href": links.ring(ring_id) if ring is not None else "",
            "score": f"{ring.score:.2f}" if ring is not None else "",
            "level": ring.level if ring is not None else "",
            "level_zh": _LEVEL_ZH.get(ring.level, ring.level) if ring is not None else "",
            "status": status.value if status else "", "status_zh": _STATUS_ZH[status] if status else ""}


_AT_RUN_SCORE = "此后的案件决定或新数据改变了评分 · a case decision or data loaded since changed the score"
_AT_RUN_RING = "此后的案件决定改变了评分所指团伙 · a case decision since changed the ring the score points to"


def _verdict(found: ClaimVerdict, viewer: Viewer, links: EntityLinks) -> dict[str, Any]:
    """The claim page's risk panel: the verdict ``POST /v1/score`` gives the claim (score,
    level, the ring its reasons point to, the reasons with their data), the claim's own group
    when it is another ring (or the claim is in a group while the reasons point to none), and
    the run's figure with the ring the run's verdict pointed to when a decision or newer data
    changed the score or that ring."""
    v = found.verdict
    group = found.group
    at_run, then = found.at_run, found.run_verdict
    moved = at_run is not None and at_run.risk != v.score
    ring_moved = then is not None and then.ring_id != v.ring_id
    return {
        "score": f"{v.score}", "level": v.level, "level_zh": _LEVEL_ZH.get(v.level, v.level),
        "ring": _ring_line(v.ring_id, found.ring, found.ring_status, links) if v.ring_id else None,
        "group": _ring_line(group.ring_id, group, found.group_status, links)
        if group is not None and group.ring_id != v.ring_id else None,
        "ring_is_group": group is not None and group.ring_id == v.ring_id,
        "group_alerted": found.group_alerted,
        "group_dismissed": found.group_status is CaseStatus.DISMISSED,
        "at_run": {"risk": f"{at_run.risk}", "ring": "" if then is None else then.ring_id or "无团伙 no ring",
                   "why": _AT_RUN_SCORE if moved else _AT_RUN_RING}
        if at_run is not None and (moved or ring_moved) else None,
        "reasons": [{"code": r.code, "zh": viewer.text(r.zh), "en": viewer.text(r.en),
                     "data": _evidence_data(r.data, viewer)} for r in v.reasons],
    }


def _membership(block: NumberBlock, viewer: Viewer, links: EntityLinks) -> dict[str, Any]:
    """A number's line about its block: one of N numbers of the block, listed by which rings."""
    rings = ", ".join(block.ring_ids)
    return {
        "text": f"属于号段 {viewer.key(block.ref)}：团伙 {rings} 的 {len(block.numbers)} 个号码之一 · "
                f"One of the {len(block.numbers)} numbers of block {viewer.key(block.ref)} of ring {rings} "
                "(SIM cards bought in one batch)",
        "href": links.href(block.ref, show_pii=viewer.show_pii),
        "rings": [{"id": r, "href": links.ring(r)} for r in block.ring_ids],
    }


def render_block_page(block: NumberBlock, sub: Subgraph, depth: int, viewer: Viewer,
                      links: EntityLinks) -> str:
    """A number block (:mod:`api.blocks`): its numbers, the rings listing it, detection's
    profile, and its numbers' neighbourhood (``depth`` 2) drawn around it."""
    net = entity_network(sub, block.ref, viewer, links, [block])
    numbers = [{"name": viewer.key(NodeRef(Label.PHONE, n)), "href": links.href(NodeRef(Label.PHONE, n),
                                                                                show_pii=viewer.show_pii)}
               for n in block.numbers]
    neighbours: dict[Label, list[dict[str, str]]] = {}
    for node in sorted(sub.nodes, key=lambda n: (n.label, n.key)):
        if node.label is not Label.PHONE or node.key not in block.numbers:
            neighbours.setdefault(node.label, []).append({
                "name": node_caption(node, viewer).replace("\n", " · "),
                "href": links.href(node.ref, show_pii=viewer.show_pii)})
    here = links.href(block.ref, show_pii=viewer.show_pii)
    groups = [{"zh": "号段中的号码", "en": "Numbers of the block", "items": numbers}]
    groups += [{"zh": LABEL_STYLES[lbl].zh, "en": LABEL_STYLES[lbl].en, "items": items}
               for lbl, items in neighbours.items()]
    return _render(
        "entity.html", viewer,
        title=f"{BLOCK_STYLE.zh} {BLOCK_STYLE.en} {viewer.key(block.ref)}",
        entity={"zh": BLOCK_STYLE.zh, "en": BLOCK_STYLE.en, "key": viewer.key(block.ref), "label": BLOCK_LABEL},
        props=[],
        profile=_block_lines(block, viewer),
        profile_ring="", verdict=None, member_of=None,
        block_rings=[{"id": r, "href": links.ring(r)} for r in block.ring_ids],
        neighbours=groups,
        depth=depth, depth_links={d: f"{here}?depth={d}" for d in (1, 2)},
        graph_json=_graph_json(net),
        node_count=len(net.nodes),
        legend=_legend(n.label for n in sub.nodes) + _block_legend([block]),
        truncated=sub.truncated,
    )


@dataclass(frozen=True)
class QueueSection:
    """A part of the work queue: its id, names, rows (shown) and total, and what it says empty."""

    id: str
    zh: str
    en: str
    rows: Sequence[RingRow]
    total: int
    empty: str


def render_queue_page(sections: Sequence[QueueSection], viewer: Viewer, links: EntityLinks,
                      *, person: str) -> str:
    """The work queue: re-alerted rings first, then ``person``'s open cases, then unassigned
    rings (``person`` empty: the key names nobody)."""
    shown = [{"id": s.id, "zh": s.zh, "en": s.en, "total": s.total, "empty": s.empty,
              "rows": [_ring_summary(r.ring, r.case, links, viewer) for r in s.rows]}
             for s in sections]
    return _render("queue.html", viewer, title="待办 Work queue", sections=shown, person=person)


@dataclass(frozen=True)
class SearchRow:
    """A search hit as listed: the node, how it matched, and the rings it takes part in."""

    node: Node
    how: str
    rings: Sequence[RingRow]


_HOW: Mapping[str, str] = {"id": "编号或标识 id or identifier", "name": "客户姓名 customer name",
                           "id_number": "证件号码 ID number",
                           "number_block": "号段（成批购买的连号手机卡）number block (SIM cards of one batch)"}


def _hit_name(node: Node, viewer: Viewer) -> str:
    caption = node_caption(node, viewer).replace("\n", " · ")
    named = node.label in (Label.CUSTOMER, Label.AGENT, Label.INTERMEDIARY) and node.props.get("name")
    return f"{caption} ({node.key})" if named else caption


def render_search_page(query: str, hits: Sequence[SearchRow], viewer: Viewer,
                       links: EntityLinks) -> str:
    """What a search matched (several hits, or none: one hit goes straight to its page)."""
    rows = [{"zh": (BLOCK_STYLE if h.how == "number_block" else LABEL_STYLES[h.node.label]).zh,
             "en": (BLOCK_STYLE if h.how == "number_block" else LABEL_STYLES[h.node.label]).en,
             "name": _hit_name(h.node, viewer),
             "href": links.href(h.node.ref, show_pii=viewer.show_pii), "how": _HOW.get(h.how, h.how),
             "rings": [{"id": r.ring.ring_id, "href": links.ring(r.ring.ring_id),
                        "status": r.case.status.value, "status_zh": _STATUS_ZH[r.case.status]}
                       for r in h.rings]}
            for h in hits]
    return _render("search.html", viewer, title=f"搜索 Search: {query}", query=query, hits=rows)


def render_error_page(status_code: int, title: str, message: str, viewer: Viewer) -> str:
    """A plain error page (404, 403 …) in the explorer's frame."""
    return _render("error.html", viewer, title=title, status_code=status_code, message=message)


def render_login_page(viewer: Viewer, *, next_path: str, csrf: str, message: str = "") -> str:
    """The form where an investigator enters an API key, with its anti-forgery token."""
    return _render("login.html", viewer, title="登录 Sign in", next_path=next_path,
                   message=message, csrf=csrf)


# ---------------------------------------------------------------------------- static assets
def _vis_dir() -> Path:
    lib = Path(pyvis.__file__).resolve().parent / "lib"
    versions = sorted(lib.glob("vis-*/vis-network.min.js"),
                      key=lambda p: tuple(int(x) for x in p.parent.name[4:].split(".")))
    if not versions:
        raise RuntimeError("pyvis ships no vis-network copy under pyvis/lib")
    return versions[-1].parent


def standalone_page(net: Network, *, height_px: int = 600) -> str:
    """A network as one self-contained HTML page, drawn as the explorer draws it, offline.

    vis-network (pyvis's copy), its CSS and ``explorer.js`` are inlined, so the page needs no
    server and no network (notebooks show it in an ``<iframe srcdoc>``). The graph travels as
    the same HTML-safe JSON block the explorer's pages carry.

    >>> from graph.model import Subgraph
    >>> page = standalone_page(entity_network(Subgraph([], []), NodeRef(Label.PHONE, "x"),
    ...                                       Viewer(), EntityLinks("#")))
    >>> page.startswith("<!DOCTYPE html>"), "<script src" in page or "<link" in page
    (True, False)
    """
    files = static_files()
    css, vis, script = (files[name].read_text(encoding="utf-8")
                        for name in ("vis-network.css", "vis-network.min.js", "explorer.js"))
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<style>{css}\nbody {{ margin: 0; }}\n.network {{ width: 100%; height: {height_px}px; }}"
        f'</style></head><body>\n<div id="network" class="network"></div>\n'
        f'<script type="application/json" id="graph-data">{_graph_json(net)}</script>\n'
        f"<script>{vis}</script>\n<script>{script}</script>\n</body></html>\n"
    )


def static_files() -> dict[str, Path]:
    """The explorer's static assets by URL name: vis-network from pyvis, our CSS and script."""
    vis = _vis_dir()
    own = _PACKAGE_DIR / "static"
    return {
        "vis-network.min.js": vis / "vis-network.min.js",
        "vis-network.css": vis / "vis-network.css",
        "explorer.css": own / "explorer.css",
        "explorer.js": own / "explorer.js",
    }
