"""What a key scoped to one member insurer may see in an association's store.

A key written ``key:role[:name]@CODE`` (:mod:`api.security`) belongs to member ``CODE``. It
sees its own insurer's claims, customers, policies, agents, complaints and watchlist entries
(records keyed ``CODE:id``) in full, and other members' records only as counts:

* rings: those holding at least one of its claims; a ring's claims, customers and agents are
  its own; identifiers only those its own claims touch; evidence that names other members'
  claims is cut to counts ("7 claims at 3 member insurers share one contact phone", with the
  identifier when its own claims use it too); the ``across_insurers`` line says how many claims
  are its own and how many are at how many other members, without naming them;
* graphs and neighbourhoods: other members' records and their relationships are left out;
* another member's record (or a ring without its claims) is 404, as if it did not exist, and so
  is an identifier none of its own records uses (directly, or through a representative or a
  watchlist entry): a member holds the key and could otherwise ask whether any phone it hashes
  is known to the association.

A key without ``@CODE`` (the association's own) sees everything, as every key does in a store
of one insurer's book.

>>> scope = Scope("PA", frozenset({"PA", "PB", "PC"}))
>>> scope.owns("PA:S1"), scope.owns("PB:S1"), scope.record_key(Label.CLAIM, "S1")
(True, False, 'PA:S1')
>>> ring = Ring("R-1", 0.9, "high", ("PA:S1", "PB:S2", "PC:S3"), ("PA:C1", "PB:C2", "PC:C3"),
...             evidence=(Evidence("shared_contact_phone", "", "", {
...                 "type": "phone", "value": "K1", "claims": ["PA:S1", "PB:S2", "PC:S3"]}),))
>>> mine = scope.ring(ring)
>>> mine.claim_ids, [(e.code, e.en) for e in mine.evidence]  # doctest: +NORMALIZE_WHITESPACE
(('PA:S1',), [('across_insurers', '3 claims at 3 member insurers: 1 of yours, 2 at 2 other
  member insurers'), ('shared_contact_phone', '3 claims at 3 member insurers share one contact
  phone')])
>>> Scope("PD").visible(ring), Scope().ring(ring) == ring
(False, True)
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from detectors.insurers import ACROSS_INSURERS, claims_named, member_insurers, span_sentences
from graph.cases import Case
from graph.errors import NotFoundError
from graph.keys import namespaced_key
from graph.model import Label, NodeRef, Subgraph
from graph.results import CaseChange, CaseEvent, Evidence, Ring
from graph.store import GraphStore

__all__ = ["EVERYTHING", "OTHER_ACTOR", "RECORD_LABELS", "Scope", "scope_of"]

RECORD_LABELS: frozenset[Label] = frozenset({
    Label.CLAIM, Label.POLICY, Label.CUSTOMER, Label.AGENT, Label.COMPLAINT, Label.INTERMEDIARY,
})
"""Nodes that are one insurer's records (keyed ``CODE:id`` in an association's store)."""

OTHER_ACTOR = "协会或其他成员 the association or another member"
"""Who a scoped caller reads as the actor of a decision that is not its own people's."""

_USES_LIMIT = 2_000


def _code(key: str) -> str:
    return key.partition(":")[0]


@dataclass(frozen=True)
class Scope:
    """The member insurer a caller belongs to (``None`` sees everything, see the module) and the
    association's members (whose record keys an evidence item may name anywhere)."""

    insurer: str | None = None
    members: frozenset[str] = field(default_factory=frozenset)

    def _names_others(self, item: Evidence) -> bool:
        """Whether an evidence item names another member's record anywhere in it."""
        others = sorted(self.members - {self.insurer or ""})
        if not others:
            return False
        pattern = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(others) + r"):\S")
        return pattern.search(json.dumps([item.zh, item.en, item.data], ensure_ascii=False)) is not None

    def owns(self, key: str) -> bool:
        """Whether a record key is the caller's own."""
        return self.insurer is None or key.startswith(f"{self.insurer}:")

    def record_key(self, label: Label, key: str) -> str:
        """The key a scoped caller means by a record id: its own ``CODE:id`` (a key of another
        member then names nothing)."""
        if self.insurer is None or label not in RECORD_LABELS or self.owns(key):
            return key
        return namespaced_key(self.insurer, key)

    def owns_node(self, label: Label, key: str) -> bool:
        """Whether the caller may see a node: an identifier, or a record of its own."""
        return label not in RECORD_LABELS or self.owns(key)

    def uses(self, store: GraphStore, label: Label, key: str) -> bool:
        """Whether the caller may look at a node: one of its own records, or an identifier one
        of its own records reaches within two steps (see the module)."""
        if self.insurer is None or label in RECORD_LABELS:
            return self.owns_node(label, key)
        try:
            around = store.neighbourhood(label, key, depth=2, limit=_USES_LIMIT)
        except NotFoundError:
            return False
        return any(n.label in RECORD_LABELS and self.owns(n.key) for n in around.nodes)

    def visible(self, ring: Ring) -> bool:
        return self.insurer is None or any(self.owns(c) for c in ring.claim_ids)

    def subgraph(self, sub: Subgraph, root: NodeRef | None = None) -> Subgraph:
        """``sub`` without other members' records and the relationships touching them, and
        without identifiers the caller could not look up (:meth:`uses`): those its own records
        do not reach within two steps of what is left (an identifier only another member's
        customer uses would otherwise show in a neighbourhood two steps deep). ``root``, the
        node the neighbourhood was drawn around, is kept."""
        if self.insurer is None:
            return sub
        records = {n.ref for n in sub.nodes if n.label in RECORD_LABELS and self.owns(n.key)}
        identifiers = {n.ref for n in sub.nodes if n.label not in RECORD_LABELS}
        edges = [e for e in sub.edges if {e.src, e.dst} <= records | identifiers]
        reached = set(records)
        for _ in range(2):
            reached |= {end for e in edges for end, other in ((e.src, e.dst), (e.dst, e.src))
                        if other in reached and end in identifiers}
        if root is not None:
            reached.add(root)
        nodes = [n for n in sub.nodes if n.ref in reached]
        edges = [e for e in edges if e.src in reached and e.dst in reached]
        return Subgraph(nodes, edges, sub.truncated)

    def audit(self, changes: Sequence[CaseChange]) -> list[CaseChange]:
        """The audit entries of a shared case a scoped caller may read: its own people's
        decisions in full; anyone else's (another member's, or the association's) as the status
        move only, with no actor, note or assignee (a note is free text about any member's
        customers); a re-alert with only the caller's own new claims."""
        if self.insurer is None:
            return list(changes)
        out = []
        for change in changes:
            if change.event is CaseEvent.REALERT:
                out.append(dataclasses.replace(
                    change, new_claims=tuple(c for c in change.new_claims if self.owns(c))))
            elif change.actor.endswith(f"@{self.insurer}"):
                out.append(change)
            else:
                out.append(dataclasses.replace(change, actor=OTHER_ACTOR, note="", assignee=None))
        return out

    def case(self, store: GraphStore, ring_id: str) -> Case:
        """A ring's case as the caller may read it (folded from :meth:`audit`)."""
        if self.insurer is None:
            return store.case(ring_id)
        return Case.from_audit(ring_id, self.audit(store.case_audit(ring_id)))

    def case_audit(self, store: GraphStore, ring_id: str) -> list[CaseChange]:
        """A ring's audit log as the caller may read it (:meth:`audit`)."""
        return self.audit(store.case_audit(ring_id))

    def may_decide(self, ring: Ring) -> bool:
        """Whether the caller may decide a ring's case: an unscoped key any ring, a member's key
        only a ring made of its own claims (a ring spanning members is the association's to
        decide: one member's decision would change what the others' risk systems see)."""
        return self.insurer is None or all(self.owns(c) for c in ring.claim_ids)

    def ring(self, ring: Ring) -> Ring:
        """The ring as the caller may see it; :class:`NotFoundError` when it holds none of the
        caller's claims."""
        if self.insurer is None:
            return ring
        if not self.visible(ring):
            raise NotFoundError(f"no ring {ring.ring_id!r} in the current results")
        allowed = _own_identifiers(ring, self)
        others = [c for c in ring.claim_ids if not self.owns(c)]
        whole = tuple(ring.claim_ids) if others else ()
        evidence = [e for item in ring.evidence if (e := self._evidence(item, allowed, whole)) is not None]
        if others:
            across = next((e for e in ring.evidence if e.code == ACROSS_INSURERS), None)
            evidence.insert(0, self._span(ring, dict(across.data) if across else {}))
        return dataclasses.replace(
            ring,
            claim_ids=tuple(c for c in ring.claim_ids if self.owns(c)),
            customer_ids=tuple(c for c in ring.customer_ids if self.owns(c)),
            agent_ids=tuple(a for a in ring.agent_ids if self.owns(a)),
            identifiers=tuple(i for i in ring.identifiers if i.value in allowed),
            evidence=tuple(evidence),
        )

    # ------------------------------------------------------------------ evidence
    def reason(self, item: Evidence) -> Evidence:
        """A reason of a verdict on one of the caller's claims as the caller may read it: whole,
        unless it names another member's records; then its code only, saying so."""
        if self.insurer is None or not self._names_others(item):
            return item
        return Evidence(item.code, "（涉及其他成员公司的记录，不显示详情）",
                        "(names other member insurers' records: details not shown)")

    def _span(self, ring: Ring, data: dict[str, Any]) -> Evidence:
        mine = sum(self.owns(c) for c in ring.claim_ids)
        others = [c for c in ring.claim_ids if not self.owns(c)]
        k, m = len(others), len({_code(c) for c in others})
        total, insurers = len(ring.claim_ids), m + (1 if mine else 0)
        zh = [f"{insurers} 家成员公司的 {total} 笔退保：本公司 {mine} 笔，其他 {m} 家成员公司 {k} 笔"]
        en = [f"{total} claims at {insurers} member insurers: {mine} of yours, {k} at {m} other "
              f"member insurer{'s' * (m != 1)}"]
        links = []
        for link in data.get("links", []):
            counts = dict(link.get("insurers", {}))
            own = counts.pop(self.insurer, 0)
            shown = {"code": link.get("code"), "count": link.get("count"), "yours": own,
                     "others": sum(counts.values()), "other_insurers": len(counts),
                     "zh": link.get("zh"), "en": link.get("en")}
            links.append(shown)
            zh.append(str(link.get("zh")))
            en.append(str(link.get("en")))
        return Evidence(ACROSS_INSURERS, "；".join(zh), "; ".join(en),
                        {"claims": mine, "other_claims": k, "other_insurers": m, "links": links})

    def _evidence(self, item: Evidence, allowed: set[str], whole: tuple[str, ...] = ()) -> Evidence | None:
        """``whole``: the claims of a ring spanning other members; an item naming no claims
        speaks of all of them (a burst's window, how many demand a full refund) and is cut to
        counts like one naming them."""
        if item.code == ACROSS_INSURERS:
            return None  # rebuilt by ring() from the ring itself, without other members' codes
        named = claims_named(item.data) or list(whole)
        foreign = [c for c in named if not self.owns(c)]
        if not foreign and not self._names_others(item):
            return _without_foreign_identifiers(item, allowed)
        mine = [c for c in named if self.owns(c)]
        insurers = max(1, len({_code(c) for c in foreign}) + (1 if mine else 0))
        zh, en = span_sentences(item.code, len(named), insurers)
        data: dict[str, Any] = {"claims": mine, "other_claims": len(foreign),
                                "other_insurers": len({_code(c) for c in foreign})}
        if item.data.get("value") in allowed:
            data["type"], data["value"] = item.data.get("type"), item.data["value"]
        return Evidence(item.code, zh, en, data)


def _own_identifiers(ring: Ring, scope: Scope) -> set[str]:
    """Identifier values the caller's own claims use, as the ring's evidence names them."""
    out: set[str] = set()
    for item in ring.evidence:
        if "value" in item.data and any(scope.owns(c) for c in claims_named(item.data)):
            out.add(str(item.data["value"]))
        for change in item.data.get("changes", []) if isinstance(item.data.get("changes"), list) else []:
            if isinstance(change, dict) and scope.owns(str(change.get("claim_id", ""))):
                out.add(str(change.get("changed_to")))
    return out


def _without_foreign_identifiers(item: Evidence, allowed: set[str]) -> Evidence:
    """An item naming only the caller's claims, or none: identifier lists cut to the caller's
    own; a sentence naming others' identifiers is reduced to its count."""
    listed = item.data.get("identifiers")
    if not isinstance(listed, list):
        return item
    kept = [x for x in listed if _identifier_value(x) in allowed]
    if len(kept) == len(listed):
        return item
    data = {**item.data, "identifiers": kept, "count": item.data.get("count", len(listed))}
    if item.code == "watchlist":
        n = len(listed)
        return Evidence(item.code, f"{n} 个关联标识在行业黑名单上",
                        f"{n} linked identifier{' is' if n == 1 else 's are'} on the watchlist", data)
    return Evidence(item.code, item.zh, item.en, data)


def _identifier_value(entry: object) -> str | None:
    if isinstance(entry, dict):
        return str(entry.get("value"))
    if isinstance(entry, str):
        return entry.partition(":")[2]
    return None


EVERYTHING = Scope()
"""The scope of a key that is not scoped to a member insurer."""


def scope_of(store: GraphStore, insurer: str | None) -> Scope:
    """The scope of a caller belonging to ``insurer`` (``None``: everything) in ``store``."""
    if insurer is None:
        return EVERYTHING
    return Scope(insurer, frozenset(member_insurers(store)))
