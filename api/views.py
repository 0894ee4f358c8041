"""What the read endpoints show, built from the store: ring lists and details, graphs, entities.

Handlers stay thin: they call one function here and render its plain-dict result. Each takes
the caller's :class:`~api.scope.Scope`: a key scoped to one member insurer of an association
sees its own records in full and other members' as counts only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from api.blocks import (
    BLOCK_LABEL,
    BLOCK_TYPE,
    IN_BLOCK,
    NumberBlock,
    block_key,
    block_of_number,
    find_block,
    ring_blocks,
)
from api.scope import EVERYTHING, Scope
from detectors.realtime import RealtimeScorer
from detectors.rules import Verdict
from graph.cases import Case
from graph.errors import NotFoundError
from graph.keys import (
    normalize_address,
    normalize_bank_account,
    normalize_id_number,
    normalize_phone,
    normalize_text,
)
from graph.keys.pseudonyms import Pseudonymizer, is_pseudonym, stored_key
from graph.model import IDENTIFIER_LABELS, Edge, Label, Node, NodeRef, Rel, Subgraph
from graph.results import CaseChange, CaseStatus, ClaimRisk, Ring
from graph.store import GraphStore

__all__ = [
    "ClaimVerdict",
    "EntityType",
    "RingFilter",
    "audit_view",
    "block_subgraph",
    "claim_verdict",
    "entity_key",
    "entity_view",
    "neighbourhood_view",
    "node_key",
    "ring_detail",
    "ring_graph",
    "ring_page",
]


class EntityType(StrEnum):
    """Entity types as they appear in URLs."""

    CLAIM = "claim"
    POLICY = "policy"
    CUSTOMER = "customer"
    AGENT = "agent"
    PHONE = "phone"
    BANK_ACCOUNT = "bank_account"
    ADDRESS = "address"
    PERSON = "person"
    COMPLAINT = "complaint"
    INTERMEDIARY = "intermediary"
    NUMBER_BLOCK = "number_block"
    """A block of a hundred consecutive mobile numbers (:mod:`api.blocks`); ``phone`` opens
    one typed as a block too."""

    @property
    def label(self) -> Label:
        return _LABEL_OF[self]


_LABEL_OF: dict[EntityType, Label] = {
    EntityType.CLAIM: Label.CLAIM, EntityType.POLICY: Label.POLICY,
    EntityType.CUSTOMER: Label.CUSTOMER, EntityType.AGENT: Label.AGENT,
    EntityType.PHONE: Label.PHONE, EntityType.BANK_ACCOUNT: Label.BANK_ACCOUNT,
    EntityType.ADDRESS: Label.ADDRESS, EntityType.PERSON: Label.PERSON,
    EntityType.COMPLAINT: Label.COMPLAINT, EntityType.INTERMEDIARY: Label.INTERMEDIARY,
    EntityType.NUMBER_BLOCK: Label.PHONE,
}
_TYPE_OF: dict[Label, EntityType] = {label: kind for kind, label in _LABEL_OF.items()
                                     if kind is not EntityType.NUMBER_BLOCK}
_MEMBER_NEIGHBOURS = 200


def entity_key(kind: EntityType, raw: str, pseudonymizer: Pseudonymizer | None = None) -> str:
    """The stored key of an entity typed as a person would type it (phones with ``+86``,
    spaces or dashes, cards in groups of four …), normalized exactly as ingest does; a
    pseudonym (an association's store) as it is. In a store of pseudonymized books an
    identifier typed raw is hashed with ``pseudonymizer`` after normalizing, as the books were."""
    if is_pseudonym(raw):
        return raw
    return stored_key(kind.label, _normalized_key(kind, raw), pseudonymizer)


def _normalized_key(kind: EntityType, raw: str) -> str:
    if kind is EntityType.PHONE:
        phone = normalize_phone(raw)
        return phone.value if phone else raw
    if kind is EntityType.BANK_ACCOUNT:
        account = normalize_bank_account(raw)
        return account.value if account else raw
    if kind is EntityType.PERSON and "|" not in raw:
        ident = normalize_id_number(raw)
        return ident.value if ident else raw
    if kind is EntityType.ADDRESS:
        return normalize_address(raw) or raw
    if kind is EntityType.PERSON:
        name, sep, phone_raw = raw.rpartition("|")
        if sep:
            phone = normalize_phone(phone_raw)
            return f"{normalize_text(name) or name}|{phone.value if phone else phone_raw}"
        return normalize_text(raw) or raw
    return raw


def node_key(label: Label, raw: str, pseudonymizer: Pseudonymizer | None = None) -> str:
    """:func:`entity_key` for a node label."""
    return entity_key(_TYPE_OF[label], raw, pseudonymizer)


# ---------------------------------------------------------------------------- rings
@dataclass(frozen=True)
class RingFilter:
    """Filters of the ring list; ``None`` means "any"."""

    min_score: float | None = None
    level: str | None = None
    status: str | None = None
    agent: str | None = None
    branch: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def keeps(self, ring: Ring) -> bool:
        """The filters that need nothing but the ring itself."""
        if self.min_score is not None and ring.score < self.min_score:
            return False
        if self.level is not None and ring.level != self.level:
            return False
        if self.agent is not None and self.agent not in ring.agent_ids:
            return False
        if self.date_from is not None and (ring.last_request_date or "") < self.date_from.isoformat():
            return False
        return not (self.date_to is not None
                    and (ring.first_request_date or "9999") > self.date_to.isoformat())


class _Agents:
    """Agent branches looked up once per answer."""

    def __init__(self, store: GraphStore) -> None:
        self.store, self._branch = store, dict[str, str | None]()

    def branch(self, agent_id: str) -> str | None:
        if agent_id not in self._branch:
            node = self.store.get_node(Label.AGENT, agent_id)
            value = node.props.get("branch") if node else None
            self._branch[agent_id] = None if value is None else str(value)
        return self._branch[agent_id]

    def branches(self, ring: Ring) -> list[str]:
        return sorted({b for a in ring.agent_ids if (b := self.branch(a)) is not None})


def ring_page(store: GraphStore, flt: RingFilter, limit: int, offset: int,
              scope: Scope = EVERYTHING) -> dict[str, Any]:
    """One page of the current rings matching the filters, highest score first."""
    agents = _Agents(store)
    items = []
    if flt.agent is not None:
        flt = dataclasses.replace(flt, agent=scope.record_key(Label.AGENT, flt.agent))
    for found in store.rings():
        if not scope.visible(found):
            continue
        ring = scope.ring(found)
        if not flt.keeps(ring):
            continue
        case = scope.case(store, ring.ring_id)
        if flt.status is not None and case.status != flt.status:
            continue
        branches = agents.branches(ring)
        if flt.branch is not None and flt.branch not in branches:
            continue
        items.append(_summary(ring, case, branches))
    return {"items": items[offset:offset + limit], "total": len(items), "limit": limit,
            "offset": offset}


def _summary(ring: Ring, case: Case, branches: list[str]) -> dict[str, Any]:
    return {"ring_id": ring.ring_id, "score": round(ring.score, 4), "level": ring.level,
            "status": case.status.value, "case": case.to_dict(),
            "claims": len(ring.claim_ids), "customers": len(ring.customer_ids),
            "agent_ids": list(ring.agent_ids), "branches": branches,
            "first_request_date": ring.first_request_date,
            "last_request_date": ring.last_request_date}


_EVENT_ORDER = {kind: rank for rank, kind in enumerate(
    ("agent_left", "contact_change", "complaint", "surrender_request", "payout"))}
"""Within one day, events in the order they happen: a request before the refund it asks for."""


def ring_detail(store: GraphStore, ring_id: str, scope: Scope = EVERYTHING) -> dict[str, Any]:
    """A ring with its members (one per claim), evidence, its case and a dated timeline: each
    request (and the account its refund goes to, on the request's date: payouts carry no date
    of their own), the members' complaints and contact changes, the agents' leaving. A caller
    scoped to one member insurer sees the ring as :meth:`api.scope.Scope.ring` gives it."""
    ring = scope.ring(store.get_ring(ring_id))
    export = ring.to_export()
    members, timeline = [], []
    customers: dict[str, Subgraph] = {}
    risks = store.claim_risks(ring.claim_ids)
    for claim_id in ring.claim_ids:
        member, customer_id = _member(store, claim_id, risks.get(claim_id))
        members.append(member)
        if member["request_date"]:
            timeline.append(_event(member["request_date"], "surrender_request", claim_id, {
                "customer_id": customer_id, "refund_type": member["props"].get("refund_type"),
                "reason_code": member["props"].get("reason_code")}))
            timeline += [_event(member["request_date"], "payout", claim_id, {
                "type": "bank_account", "value": i["value"],
                "holder": member["props"].get("payout_account_name")})
                for i in member["identifiers"] if i["via"] == Rel.PAID_TO.value]
        if customer_id and customer_id not in customers:
            customers[customer_id] = _around(store, Label.CUSTOMER, customer_id)
    for customer_id, sub in customers.items():
        timeline.extend(_customer_events(customer_id, sub))
    for agent_id in ring.agent_ids:
        agent = store.get_node(Label.AGENT, agent_id)
        left = agent.props.get("leave_date") if agent else None
        if left:
            timeline.append(_event(str(left), "agent_left", agent_id,
                                   {"status": agent.props.get("status") if agent else None}))
    timeline.sort(key=lambda e: (e["date"], _EVENT_ORDER.get(e["kind"], len(_EVENT_ORDER)), e["subject"]))
    case = scope.case(store, ring_id)
    return {**export, "status": case.status.value, "case": case.to_dict(), "members": members,
            "timeline": timeline}


def _around(store: GraphStore, label: Label, key: str) -> Subgraph:
    try:
        return store.neighbourhood(label, key, depth=1, limit=_MEMBER_NEIGHBOURS)
    except NotFoundError:
        return Subgraph(nodes=[], edges=[])


def _member(store: GraphStore, claim_id: str, risk: ClaimRisk | None) -> tuple[dict[str, Any], str | None]:
    sub = _around(store, Label.CLAIM, claim_id)
    me = NodeRef(Label.CLAIM, claim_id)
    node = next((n for n in sub.nodes if n.ref == me), None)
    props = dict(node.props) if node else {}
    customer = policy = None
    identifiers = []
    for edge in sub.edges:
        if edge.rel is Rel.FILED and edge.dst == me:
            customer = edge.src.key
        elif edge.rel is Rel.SURRENDERS and edge.src == me:
            policy = edge.dst.key
        elif edge.src == me and edge.dst.label in IDENTIFIER_LABELS:
            identifiers.append({"type": _TYPE_OF[edge.dst.label].value, "value": edge.dst.key,
                                "via": edge.rel.value})
    agent = None
    if policy is not None:
        seller = _around(store, Label.POLICY, policy)
        agent = next((e.src.key for e in seller.edges if e.rel is Rel.SOLD), None)
        if customer is None:
            customer = next((e.src.key for e in seller.edges if e.rel is Rel.HOLDS), None)
    return {"claim_id": claim_id, "customer_id": customer, "policy_id": policy, "agent_id": agent,
            "request_date": props.get("request_date"), "risk": risk.risk if risk else None,
            "props": props, "identifiers": identifiers}, customer


def _customer_events(customer_id: str, sub: Subgraph) -> list[dict[str, Any]]:
    me = NodeRef(Label.CUSTOMER, customer_id)
    out = []
    for node in sub.nodes:
        if node.label is Label.COMPLAINT and node.props.get("received_date"):
            out.append(_event(str(node.props["received_date"]), "complaint", node.key, {
                "customer_id": customer_id, "channel": node.props.get("channel")}))
    for edge in sub.edges:
        if edge.rel is Rel.CHANGED_TO and edge.src == me:
            when = edge.props.get("date") or edge.props.get("change_date")
            if when:
                out.append(_event(str(when), "contact_change", customer_id, {
                    "field": edge.props.get("field") or _TYPE_OF[edge.dst.label].value,
                    "type": _TYPE_OF[edge.dst.label].value, "value": edge.dst.key}))
    return out


def _event(when: str, kind: str, subject: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"date": when, "kind": kind, "subject": subject, "detail": detail}


def ring_graph(store: GraphStore, ring_id: str, max_nodes: int,
               scope: Scope = EVERYTHING) -> dict[str, Any]:
    """The ring's claims and customers with everything one hop from them."""
    ring = scope.ring(store.get_ring(ring_id))
    starts = [NodeRef(Label.CLAIM, c) for c in ring.claim_ids]
    starts += [NodeRef(Label.CUSTOMER, c) for c in ring.customer_ids]
    gathered = _gathered(store, starts, max_nodes)
    nodes = {n.ref: n for n in gathered.nodes}
    edges = {(e.src, e.rel, e.dst): e for e in gathered.edges}
    truncated = gathered.truncated
    blocks = [NumberBlock(key, numbers, (ring.ring_id,)) for key, numbers in ring_blocks(ring).items()
              if scope.insurer is None]
    missing = [NodeRef(Label.PHONE, n) for b in blocks for n in b.numbers if NodeRef(Label.PHONE, n) not in nodes]
    for node in store.get_nodes(missing) if missing else ():  # what ties the ring is drawn, cap or not
        nodes[node.ref] = node
    shown = scope.subgraph(Subgraph(list(nodes.values()), list(edges.values()), truncated))
    return graph_payload(shown.nodes, shown.edges, shown.truncated, blocks)


def _gathered(store: GraphStore, starts: Iterable[NodeRef], max_nodes: int) -> Subgraph:
    """Everything one hop from each of ``starts``, at most ``max_nodes`` nodes (``truncated``
    says when some were left out)."""
    nodes: dict[NodeRef, Node] = {}
    edges: dict[tuple[NodeRef, Rel, NodeRef], Edge] = {}
    truncated = False
    for ref in starts:
        if len(nodes) >= max_nodes:
            truncated = True
            break
        sub = _around(store, ref.label, ref.key)
        truncated |= sub.truncated
        for node in sub.nodes:
            if node.ref not in nodes and len(nodes) >= max_nodes:
                truncated = True
                continue
            nodes.setdefault(node.ref, node)
        for edge in sub.edges:
            if edge.src in nodes and edge.dst in nodes:
                edges[(edge.src, edge.rel, edge.dst)] = edge
    return Subgraph(list(nodes.values()), list(edges.values()), truncated)


def block_subgraph(store: GraphStore, block: NumberBlock, depth: int, limit: int) -> Subgraph:
    """A number block's numbers and, at ``depth`` 2, everything one step from them, at most
    ``limit`` nodes. The block itself is no node: answers and pages draw it linked to them."""
    refs = [NodeRef(Label.PHONE, n) for n in block.numbers]
    if depth > 1:
        return _gathered(store, refs, limit)
    return Subgraph(store.get_nodes(refs[:limit]), [], len(refs) > limit)


def graph_payload(nodes: Iterable[Node], edges: Iterable[Edge], truncated: bool,
                  blocks: Iterable[NumberBlock] = ()) -> dict[str, Any]:
    """Nodes with answer-local ids (``n0``, ``n1`` …) and edges naming them; each of ``blocks``
    is a node of label ``NumberBlock`` (props: its numbers, the rings listing it) with an
    ``IN_BLOCK`` edge from each of its numbers present (a block is drawn, not stored)."""
    ids: dict[NodeRef, str] = {}
    out_nodes = []
    for node in sorted(nodes, key=lambda n: (n.label.value, n.key)):
        ids[node.ref] = f"n{len(ids)}"
        out_nodes.append({"id": ids[node.ref], "label": node.label.value, "key": node.key,
                          "props": dict(node.props)})
    out_edges = [
        {"source": ids[e.src], "target": ids[e.dst], "type": e.rel.value, "props": dict(e.props)}
        for e in edges if e.src in ids and e.dst in ids
    ]
    for block in blocks:
        block_id = f"n{len(out_nodes)}"
        out_nodes.append({"id": block_id, "label": BLOCK_LABEL, "key": block.key,
                          "props": {"numbers": list(block.numbers), "ring_ids": list(block.ring_ids)}})
        out_edges += [{"source": ids[ref], "target": block_id, "type": IN_BLOCK, "props": {}}
                      for n in block.numbers if (ref := NodeRef(Label.PHONE, n)) in ids]
    out_edges.sort(key=lambda e: (e["source"], e["target"], e["type"]))
    return {"nodes": out_nodes, "edges": out_edges, "truncated": truncated}


def audit_view(changes: list[CaseChange]) -> list[dict[str, Any]]:
    return [{"ring_id": c.ring_id, "at": c.at, "actor": c.actor,
             "from_status": c.from_status.value, "to_status": c.to_status.value, "note": c.note,
             "assignee": c.assignee, "event": c.event.value, "new_claim_ids": list(c.new_claims)}
            for c in changes]


# ---------------------------------------------------------------------------- entities
def entity_view(store: GraphStore, kind: EntityType, raw_key: str, scope: Scope = EVERYTHING,
                pseudonymizer: Pseudonymizer | None = None) -> dict[str, Any]:
    """One node with its properties; identifiers add their profile, claims their risk, a
    phone number the block a ring lists it in (``number_block``, see :mod:`api.blocks`), and a
    block typed as one (``number_block``, or ``phone`` with its open digits as ``**``) is
    answered as a block: its numbers, rings and profile (``pseudonymizer``: see :func:`entity_key`)."""
    typed_block = _typed_block(kind, raw_key)
    if typed_block is not None:
        block = find_block(store, typed_block, scope)
        if block is None:
            raise NotFoundError(f"no {kind.value} with this id")
        return {"type": BLOCK_TYPE, "label": BLOCK_LABEL, "key": block.key,
                "props": {"numbers": list(block.numbers), "ring_ids": list(block.ring_ids)},
                "profile": block.to_dict()["profile"], "risk": None, "number_block": None}
    key = scope.record_key(kind.label, entity_key(kind, raw_key, pseudonymizer))
    node = store.get_node(kind.label, key) if scope.uses(store, kind.label, key) else None
    if node is None:
        raise NotFoundError(f"no {kind.value} with this id")
    profile = risk = None
    if kind.label in IDENTIFIER_LABELS:
        found = store.identifier_profiles([node.ref]).get(node.ref)
        if found is not None:
            profile = {"customers": found.customers,
                       "households": found.households,
                       "suspicion": found.suspicion, "ring_id": _visible_ring(store, found.ring_id, scope),
                       "notes": list(found.notes)}
    if kind is EntityType.CLAIM:
        claim = store.claim_risks([key]).get(key)
        if claim is not None:
            risk = {"risk": claim.risk, "ring_id": claim.ring_id}
    member = block_of_number(store, node.key, scope) if kind is EntityType.PHONE else None
    return {"type": kind.value, "label": node.label.value, "key": node.key,
            "props": dict(node.props), "profile": profile, "risk": risk,
            "number_block": member.to_dict() if member is not None else None}


@dataclass(frozen=True)
class ClaimVerdict:
    """A stored claim's risk as the explorer's claim page shows it.

    ``verdict`` is what ``POST /v1/score`` answers for the claim's id and request date now (the
    same scorer and scoring index: case decisions taken since the run count), with the reasons
    the caller may read (:meth:`api.scope.Scope.reason`); ``ring`` and ``ring_status``: the ring
    its reasons point to (``verdict.ring_id``: only a ring the run alerted or investigators
    confirmed, never a dismissed one) and its case status. ``group`` is the claim's own group in
    the run (``None`` outside every group), which may be another ring (a low group the run did
    not alert, a dismissed ring) or none while the reasons point to an alerted ring through an
    identifier or a letter; ``group_status`` its case status, ``group_alerted`` whether the run
    alerted it. ``at_run`` is the claim risk the run stored (``rs.claim_risks``), which a later
    decision does not change; ``run_verdict`` the verdict the run gave the claim, with the ring
    its reasons pointed to then (the claim scored without the case decisions taken since, as
    detection scores every claim), ``None`` when that does not give the run's figure (data
    loaded since changed the claim) or the run stored none. A ring the caller may not open
    (another member's) is ``None`` beside its id in ``verdict``.
    """

    verdict: Verdict
    ring: Ring | None
    ring_status: CaseStatus | None
    group: Ring | None
    group_status: CaseStatus | None
    group_alerted: bool
    at_run: ClaimRisk | None
    run_verdict: Verdict | None


def claim_verdict(store: GraphStore, scorer: RealtimeScorer, claim_key: str, request_date: str,
                  scope: Scope = EVERYTHING) -> ClaimVerdict | None:
    """The claim page's verdict of the stored claim ``claim_key`` (its store key) filed on
    ``request_date`` (ISO), scored as ``POST /v1/score`` scores ``{claim_id, request_date}``
    (:meth:`detectors.realtime.RealtimeScorer.score`); ``None`` before the store's first run."""
    if store.current_run() is None:
        return None
    index = scorer.index()  # the verdict and the case statuses from one index, as /v1/score
    request = {"claim_id": claim_key, "request_date": request_date}
    found = scorer.score(request, index)
    run = index.run
    at_run = store.claim_risks([claim_key]).get(claim_key)
    then = scorer.score(request, dataclasses.replace(index, run=dataclasses.replace(run, case_status={})))
    shown = dataclasses.replace(found, reasons=tuple(scope.reason(r) for r in found.reasons))
    ring = run.rings.get(found.ring_id) if found.ring_id else None
    group_id = run.ring_of_claim.get(claim_key)
    group = run.rings.get(group_id) if group_id else None
    return ClaimVerdict(
        verdict=shown,
        ring=ring if ring is not None and scope.visible(ring) else None,
        ring_status=run.status(found.ring_id) if found.ring_id else None,
        group=group if group is not None and scope.visible(group) else None,
        group_status=run.status(group.ring_id) if group is not None else None,
        group_alerted=group is not None and run.alerted(group),
        at_run=at_run,
        run_verdict=then if at_run is not None and then.score == at_run.risk else None,
    )


def _typed_block(kind: EntityType, raw_key: str) -> str | None:
    """The block key an entity id names (``number_block``, or ``phone`` typed as a block)."""
    if kind not in (EntityType.NUMBER_BLOCK, EntityType.PHONE):
        return None
    key = block_key(raw_key)
    if kind is EntityType.NUMBER_BLOCK and key is None:
        raise NotFoundError(f"no number_block with this id: a block is a mobile number with its last two digits as ** ({raw_key!r})")
    return key


def _visible_ring(store: GraphStore, ring_id: str | None, scope: Scope) -> str | None:
    """``ring_id`` if the caller may see that ring, else ``None``."""
    if ring_id is None or scope.insurer is None:
        return ring_id
    try:
        return ring_id if scope.visible(store.get_ring(ring_id)) else None
    except NotFoundError:
        return None


def neighbourhood_view(store: GraphStore, kind: EntityType, raw_key: str, depth: int,
                       limit: int, scope: Scope = EVERYTHING,
                       pseudonymizer: Pseudonymizer | None = None) -> dict[str, Any]:
    """The entity and everything within ``depth`` hops of it (another member's records left
    out for a scoped caller; ``pseudonymizer``: see :func:`entity_key`). A block's neighbourhood
    is the block, its numbers and, at depth 2, everything one step from them."""
    typed_block = _typed_block(kind, raw_key)
    if typed_block is not None:
        return _block_neighbourhood(store, typed_block, depth, limit, scope)
    key = scope.record_key(kind.label, entity_key(kind, raw_key, pseudonymizer))
    if not scope.uses(store, kind.label, key):
        raise NotFoundError(f"no {kind.value} with this id")
    sub = scope.subgraph(store.neighbourhood(kind.label, key, depth=depth, limit=limit),
                         NodeRef(kind.label, key))
    return graph_payload(sub.nodes, sub.edges, sub.truncated)



def _block_neighbourhood(store: GraphStore, key: str, depth: int, limit: int, scope: Scope) -> dict[str, Any]:
    block = find_block(store, key, scope)
    if block is None:
        raise NotFoundError("no phone with this id")
    sub = block_subgraph(store, block, depth, limit)
    return graph_payload(sub.nodes, sub.edges, sub.truncated, [block])
