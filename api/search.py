"""Finding an entity from what an investigator types: an identifier as clerks type it, a record
id, or a customer's name.

What is typed is turned into node keys exactly as ingest makes them (:mod:`graph.keys`): a phone
with ``+86``, spaces or dashes, a bank card in groups of four, an ID number in 15 or 18
characters with a lower-case ``x``, a record id with full-width characters or a spreadsheet's
``.0``, in lower case or with spaces (``c00000660`` and ``C0000 0660`` find ``C00000660``
too). Every reading is looked up;
only nodes that exist are hits. Customers are also found by their name and by their ID number
(both properties of the customer, not nodes of their own), through an in-memory index rebuilt
when the store's data changes. A number block (``199797003**``) is found when the current
results know it, and so is the block of a mobile number no record holds (:mod:`api.blocks`).
Not searched: parts of an id or number, addresses, and the names
of payees, representatives and watchlist entries (they are reached from a ring's evidence);
the explorer's search page says so.

>>> readings("138-0013-8000")[:2]
[NodeRef(label=<Label.PHONE: 'Phone'>, key='+8613800138000'), NodeRef(label=<Label.BANK_ACCOUNT: 'BankAccount'>, key='13800138000')]
>>> NodeRef(Label.CLAIM, "S0001") in readings("Ｓ0001"), NodeRef(Label.CLAIM, "S0001") in readings("s0001")
(True, True)
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from api.blocks import block_key, find_block
from api.scope import EVERYTHING, Scope
from graph.keys import (
    normalize_bank_account,
    normalize_id_number,
    normalize_phone,
    normalize_record_key,
    normalize_text,
    number_block,
    twin_form,
)
from graph.keys.pseudonyms import Pseudonymizer, stored_key
from graph.model import IDENTIFIER_LABELS, Label, NodeRef
from graph.results import Ring
from graph.store import GraphStore

__all__ = ["MAX_QUERY", "CustomerIndex", "Hit", "readings", "rings_of", "search"]

MAX_QUERY = 200
"""Longest search text read (longer text is refused by the page)."""

_RECORD_LABELS = (Label.CLAIM, Label.POLICY, Label.CUSTOMER, Label.AGENT, Label.COMPLAINT)


@dataclass(frozen=True)
class Hit:
    """A node that matches the query, and how: ``"id"`` (its key is what was typed, read as
    ingest reads it), ``"name"`` or ``"id_number"`` (a customer's), or ``"number_block"`` (a
    number block typed as one, or the block of a typed mobile number no record holds: a
    block has no node, ``ref`` is its key under label Phone)."""

    ref: NodeRef
    how: str


def readings(query: str) -> list[NodeRef]:
    """Every node key ``query`` can stand for: as a phone, a bank card, an ID number (a
    representative's node) and a record id of each kind, in that order, without repeats."""
    text = query.strip()
    if not text:
        return []
    out: list[NodeRef] = []
    phone = normalize_phone(text)
    if phone is not None:
        out.append(NodeRef(Label.PHONE, phone.value))
    account = normalize_bank_account(text)
    if account is not None:
        out.append(NodeRef(Label.BANK_ACCOUNT, account.value))
    ident = normalize_id_number(text)
    if ident is not None:
        out.append(NodeRef(Label.PERSON, ident.value))
    record = normalize_record_key(text)
    if record is not None:  # as typed, in capitals (ids are mostly upper-case: c00000660), and
        # without the spaces of an id read aloud or copied from paper (S0000 0358)
        keys = (record, record.upper(), twin_form(record))
        out += [NodeRef(label, key) for key in keys for label in _RECORD_LABELS]
    return list(dict.fromkeys(out))


class CustomerIndex:
    """Customers by normalized name and by ID number, read from the store and rebuilt when its
    data fingerprint changes (a new load). Safe to share between threads."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._fingerprint: str | None = None
        self._by_name: dict[str, list[str]] = {}
        self._by_id_number: dict[str, list[str]] = {}

    def find(self, query: str, pseudonymizer: Pseudonymizer | None = None) -> list[Hit]:
        """Customers whose name is ``query`` (as ingest normalizes names), or whose ID number
        is ``query`` read as an ID number; in a store of pseudonymized books both are hashed
        with ``pseudonymizer`` first, as the books were."""
        self._fresh()
        name = normalize_text(query)
        ident = normalize_id_number(query)
        number = ident.value if ident else None
        if pseudonymizer is not None:
            name = pseudonymizer.name(name)
            number = stored_key(Label.PERSON, number, pseudonymizer) if number else None
        hits = [Hit(NodeRef(Label.CUSTOMER, c), "name") for c in self._by_name.get(name or "", [])]
        hits += [Hit(NodeRef(Label.CUSTOMER, c), "id_number")
                 for c in self._by_id_number.get(number or "", [])]
        return hits

    def _fresh(self) -> None:
        fingerprint = self.store.data_fingerprint()
        with self._lock:
            if fingerprint == self._fingerprint:
                return
            customers = self.store.nodes_frame(Label.CUSTOMER)
            self._by_name = _grouped(customers, "name")
            self._by_id_number = _grouped(customers, "id_number")
            self._fingerprint = fingerprint


def _grouped(frame: pd.DataFrame, column: str) -> dict[str, list[str]]:
    if column not in frame.columns:
        return {}
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, value in zip(frame["key"], frame[column], strict=True):
        text = normalize_text(value) if isinstance(value, str) else None
        if text:
            grouped[text].append(str(key))
    return dict(grouped)


def search(store: GraphStore, customers: CustomerIndex, query: str, scope: Scope = EVERYTHING,
           pseudonymizer: Pseudonymizer | None = None) -> list[Hit]:
    """The nodes ``query`` names: exact readings that exist (identifier or record id), then
    customers by name or ID number; each node once, in that order. A caller scoped to one
    member insurer finds its own records (a record id means its own ``CODE:id``) and the
    identifiers they reach, nothing else (:meth:`api.scope.Scope.uses`). In a store of
    pseudonymized books, identifiers and names typed raw are hashed with ``pseudonymizer``, and
    what is typed is also looked up as a pseudonym itself."""
    text = query.strip()[:MAX_QUERY]
    if not text:
        return []
    refs = [NodeRef(r.label, scope.record_key(r.label, stored_key(r.label, r.key, pseudonymizer)))
            for r in readings(text)]
    if pseudonymizer is not None:  # a pseudonym copied from a page
        refs += [NodeRef(label, text) for label in sorted(IDENTIFIER_LABELS)]
    hits = [Hit(ref, "id") for ref in dict.fromkeys(refs) if store.get_node(ref.label, ref.key)]
    hits += _block_hits(store, text, [r for r in refs if r.label is Label.PHONE], {h.ref for h in hits}, scope)
    seen = {h.ref for h in hits}
    for hit in customers.find(text, pseudonymizer):
        if hit.ref not in seen:
            seen.add(hit.ref)
            hits.append(hit)
    return [h for h in hits if scope.uses(store, h.ref.label, h.ref.key)]


def _block_hits(store: GraphStore, text: str, phones: list[NodeRef], found: set[NodeRef],
                scope: Scope) -> list[Hit]:
    """A number block typed as one (``199797003**``), or the block of a mobile number no record
    holds (a new request's number in a ring's batch), when the current results know it
    (:func:`api.blocks.find_block`)."""
    typed = block_key(text)
    keys = [typed] if typed is not None else []
    keys += [block for ref in phones if ref not in found and (block := number_block(ref.key)) is not None]
    out: list[Hit] = []
    for key in dict.fromkeys(keys):
        if find_block(store, key, scope) is not None:
            out.append(Hit(NodeRef(Label.PHONE, key), "number_block"))
    return out


def rings_of(store: GraphStore, ref: NodeRef, rings: list[Ring]) -> list[Ring]:
    """The current rings a node takes part in: a ring's claim, customer or agent, a policy one
    of its claims surrenders, an identifier it shares (or whose profile names it)."""
    key = ref.key
    if ref.label is Label.CLAIM:
        return [r for r in rings if key in r.claim_ids]
    if ref.label is Label.CUSTOMER:
        return [r for r in rings if key in r.customer_ids]
    if ref.label is Label.AGENT:
        return [r for r in rings if key in r.agent_ids]
    if ref.label is Label.POLICY:
        sub = store.neighbourhood(ref.label, key, depth=1, limit=50)
        claims = {n.key for n in sub.nodes if n.label is Label.CLAIM}
        return [r for r in rings if claims & set(r.claim_ids)]
    profile = store.identifier_profiles([ref]).get(ref)
    named = {profile.ring_id} if profile and profile.ring_id else set()
    return [r for r in rings if r.ring_id in named or any(i.value == key for i in r.identifiers)]
