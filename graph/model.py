"""The RingScope graph model: node labels, relationship types and the load unit.

Identifiers (phones, bank accounts, addresses, representatives) are nodes of their own, so that
two claims sharing one is a two-step path ``Claim -> Phone <- Claim``. Every node is keyed by a
string: the record's own id for records (claim_id, policy_id …) and the *normalized* value for
identifiers (``+8613812345678``, ``6222020200112233445``). Raw values as typed by clerks stay on
the relationship that introduced them (property ``raw``).

::

    (Customer)-[:HOLDS]->(Policy)<-[:SOLD]-(Agent)
    (Customer)-[:FILED]->(Claim)-[:SURRENDERS]->(Policy)
    (Claim)-[:CONTACT_PHONE]->(Phone)          (Claim)-[:PAID_TO]->(BankAccount)
    (Claim)-[:REPRESENTED_BY]->(Person)-[:HAS_PHONE]->(Phone)
    (Customer)-[:HAS_PHONE|LIVES_AT|HAS_ACCOUNT]->(Phone|Address|BankAccount)
    (Customer)-[:CHANGED_TO {date, field}]->(Phone|Address|BankAccount)
    (Customer)-[:COMPLAINED]->(Complaint)-[:ABOUT]->(Policy)
    (Complaint)-[:CONTACT_PHONE]->(Phone)      (Complaint)-[:MAILED_FROM]->(Address)
    (Agent)-[:HAS_PHONE]->(Phone)
    (Intermediary)-[:LISTS]->(Phone|BankAccount|Address|Person)
    (Insurer)                                   a member of an association (see ingest)

Property values are scalars only (str, int, float, bool or None); dates are ISO ``YYYY-MM-DD``
strings, so every backend stores and compares them the same way.

Example:

>>> batch = NodeBatch(Label.PHONE, pd.DataFrame({"key": ["+8613812345678"], "kind": ["mobile"]}))
>>> GraphBundle(nodes=[batch]).node_count
1
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from graph.errors import StoreError

__all__ = [
    "CLAIM_REACH",
    "IDENTIFIER_LABELS",
    "MAX_AMOUNT",
    "RECORD_IDS",
    "REGISTRATIONS",
    "SCHEMA",
    "SINGLE_VALUED",
    "ClearBatch",
    "Edge",
    "EdgeBatch",
    "GraphBundle",
    "GraphCounts",
    "Label",
    "Node",
    "NodeBatch",
    "NodeRef",
    "Rel",
    "Subgraph",
    "check_triple",
    "record_triples",
    "rival_triples",
]

MAX_AMOUNT = 1e12
"""Largest amount in yuan (cash value, premium, requested refund) a book or a request may
state; amounts are 0 or more."""


class Label(StrEnum):
    """Node labels."""

    CLAIM = "Claim"
    POLICY = "Policy"
    CUSTOMER = "Customer"
    AGENT = "Agent"
    PHONE = "Phone"
    BANK_ACCOUNT = "BankAccount"
    ADDRESS = "Address"
    PERSON = "Person"
    COMPLAINT = "Complaint"
    INTERMEDIARY = "Intermediary"
    INSURER = "Insurer"


class Rel(StrEnum):
    """Relationship types."""

    HOLDS = "HOLDS"
    SOLD = "SOLD"
    FILED = "FILED"
    SURRENDERS = "SURRENDERS"
    CONTACT_PHONE = "CONTACT_PHONE"
    PAID_TO = "PAID_TO"
    REPRESENTED_BY = "REPRESENTED_BY"
    HAS_PHONE = "HAS_PHONE"
    LIVES_AT = "LIVES_AT"
    HAS_ACCOUNT = "HAS_ACCOUNT"
    CHANGED_TO = "CHANGED_TO"
    COMPLAINED = "COMPLAINED"
    ABOUT = "ABOUT"
    MAILED_FROM = "MAILED_FROM"
    LISTS = "LISTS"


IDENTIFIER_LABELS: frozenset[Label] = frozenset(
    {Label.PHONE, Label.BANK_ACCOUNT, Label.ADDRESS, Label.PERSON}
)

# Every (source label, relationship, target label) triple the model allows, with its meaning.
SCHEMA: Mapping[tuple[Label, Rel, Label], str] = {
    (Label.CUSTOMER, Rel.HOLDS, Label.POLICY): "the customer holds the policy",
    (Label.AGENT, Rel.SOLD, Label.POLICY): "the agent sold the policy",
    (Label.CUSTOMER, Rel.FILED, Label.CLAIM): "the customer filed the surrender request",
    (Label.CLAIM, Rel.SURRENDERS, Label.POLICY): "the request surrenders the policy",
    (Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE): "contact phone given on the request",
    (Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT): "refund paid to the account",
    (Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON): "representative at the counter",
    (Label.PERSON, Rel.HAS_PHONE, Label.PHONE): "the representative's phone",
    (Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE): "the customer's registered phone",
    (Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS): "the customer's registered address",
    (Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT): "the customer's registered account",
    (Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE): "contact phone changed to this number",
    (Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS): "address changed to this one",
    (Label.CUSTOMER, Rel.CHANGED_TO, Label.BANK_ACCOUNT): "bank account changed to this one",
    (Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT): "the customer filed the complaint",
    (Label.COMPLAINT, Rel.ABOUT, Label.POLICY): "the complaint concerns the policy",
    (Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE): "contact phone given on the complaint",
    (Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS): "mailing address of the complaint",
    (Label.AGENT, Rel.HAS_PHONE, Label.PHONE): "the agent's own phone",
    (Label.INTERMEDIARY, Rel.LISTS, Label.PHONE): "watchlist entry names this phone",
    (Label.INTERMEDIARY, Rel.LISTS, Label.BANK_ACCOUNT): "watchlist entry names this account",
    (Label.INTERMEDIARY, Rel.LISTS, Label.ADDRESS): "watchlist entry names this address",
    (Label.INTERMEDIARY, Rel.LISTS, Label.PERSON): "watchlist entry names this ID number",
}


Triple = tuple[Label, Rel, Label]

SINGLE_VALUED: Mapping[Triple, str] = {
    (Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE): "src",
    (Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT): "src",
    (Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON): "src",
    (Label.CUSTOMER, Rel.HOLDS, Label.POLICY): "dst",
    (Label.AGENT, Rel.SOLD, Label.POLICY): "dst",
    (Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE): "src",
    (Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS): "src",
    (Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT): "src",
    (Label.AGENT, Rel.HAS_PHONE, Label.PHONE): "src",
    (Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT): "dst",
    (Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE): "src",
    (Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS): "src",
    **{(Label.INTERMEDIARY, Rel.LISTS, target): "src"
       for target in (Label.PHONE, Label.BANK_ACCOUNT, Label.ADDRESS, Label.PERSON)},
}
"""Relationships that state one field of one record, with the end (``"src"`` or ``"dst"``)
where that record is: a request's contact phone, payout account and representative, a policy's
holder and agent, a customer's registered phone, address and account, an agent's phone, a
letter's customer, phone and mailing address, the identifier a watchlist entry names.

A record has at most one relationship of each such field (for a watchlist entry: one ``LISTS``,
whatever the identifier's label), so a load that gives a record a value replaces the one stored
(the newest export wins: a corrected payout account unlinks the mistyped one); a load without a
value for it (a blank cell) leaves it as it was, and a load that clears it (a
:class:`ClearBatch`: ingest's ``#CLEAR`` cell) removes it. Every other relationship accumulates, as
history: a customer's contact changes (``CHANGED_TO``, one per change record, see
:data:`RECORD_IDS`), the requests
and letters a customer filed, a representative's phones over all the requests they came with.
A request's customer and policy, and a letter's policy, never change (ingest refuses a record
sent again with others)."""


def rival_triples(triple: Triple) -> list[Triple]:
    """The triples whose relationships a relationship of ``triple`` replaces at its record
    (see :data:`SINGLE_VALUED`): those of the same type at the same record label and end;
    empty for a relationship that accumulates.

    >>> rival_triples((Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT))
    [(<Label.CLAIM: 'Claim'>, <Rel.PAID_TO: 'PAID_TO'>, <Label.BANK_ACCOUNT: 'BankAccount'>)]
    >>> len(rival_triples((Label.INTERMEDIARY, Rel.LISTS, Label.PHONE)))
    4
    >>> rival_triples((Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE))
    []
    """
    end = SINGLE_VALUED.get(triple)
    if end is None:
        return []
    at = 0 if end == "src" else 2
    return [t for t, e in SINGLE_VALUED.items() if e == end and t[1] is triple[1] and t[at] is triple[at]]

RECORD_IDS: Mapping[Rel, str] = {Rel.CHANGED_TO: "change_id"}
"""Relationships that are a record themselves, with the property holding the record's id: a
contact change (``CHANGED_TO``, one per ``contact_changes.csv`` row, ``change_id``).

A record has one such relationship: a load that gives a record id a relationship replaces the
stored ones of that type holding the same id at any other source or target (a change record
sent again with a corrected ``new_value``, field or customer unlinks its mistyped value); the
relationships of the customer's other change records stay, as history."""


def record_triples(rel: Rel) -> list[Triple]:
    """The triples whose relationships may hold the record a relationship of type ``rel``
    holds (see :data:`RECORD_IDS`): every triple of that type; empty for a type that is no
    record.

    >>> [dst.value for _, _, dst in record_triples(Rel.CHANGED_TO)]
    ['Phone', 'Address', 'BankAccount']
    >>> record_triples(Rel.PAID_TO)
    []
    """
    return [t for t in SCHEMA if t[1] is rel] if rel in RECORD_IDS else []


REGISTRATIONS: tuple[Triple, ...] = (
    (Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE),
    (Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT),
    (Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS),
)
"""A customer's own (registered) phone, account and address."""

CLAIM_REACH: tuple[tuple[Triple, ...], ...] = (
    ((Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE),),
    ((Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON), (Label.PERSON, Rel.HAS_PHONE, Label.PHONE)),
    ((Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE),),
    ((Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE),),
    ((Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT),),
    ((Label.CUSTOMER, Rel.CHANGED_TO, Label.BANK_ACCOUNT),),
    ((Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS),),
    ((Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS),),
)
"""The paths by which a surrender claim can reach a phone, account or address someone may also
have registered: its contact phone, payout account and representative's phone, the phone and
mailing address of a complaint letter (a letter backs a claim), an identifier a customer changed
to (before a surrender). Every path ends at one of :data:`REGISTRATIONS`' targets; together they
cover every way ``detectors.book`` lets a claim use such an identifier (a superset: letters
and changes that back no claim are included)."""


def check_triple(src: Label, rel: Rel, dst: Label) -> None:
    """Reject a relationship the model does not allow.

    >>> check_triple(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT)
    >>> check_triple(Label.CLAIM, Rel.PAID_TO, Label.PHONE)
    Traceback (most recent call last):
    ...
    graph.errors.StoreError: (Claim)-[:PAID_TO]->(Phone) is not part of the graph model
    """
    if (src, rel, dst) not in SCHEMA:
        raise StoreError(f"({src})-[:{rel}]->({dst}) is not part of the graph model")


@dataclass(frozen=True, order=True)
class NodeRef:
    """A node's identity: its label and key."""

    label: Label
    key: str

    def __hash__(self) -> int:
        # the label hashed as the text it is: the enum's own hash is a Python call, and
        # detection hashes references millions of times (equal references hash alike still)
        return hash((str.__hash__(self.label), self.key))

    def __str__(self) -> str:
        return f"{self.label}:{self.key}"


@dataclass(frozen=True)
class Node:
    """A node with its properties."""

    label: Label
    key: str
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> NodeRef:
        return NodeRef(self.label, self.key)


@dataclass(frozen=True)
class Edge:
    """A directed relationship with its properties."""

    src: NodeRef
    rel: Rel
    dst: NodeRef
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Subgraph:
    """Nodes and edges around a starting node, as returned by ``GraphStore.neighbourhood``."""

    nodes: list[Node]
    edges: list[Edge]
    truncated: bool = False


@dataclass(frozen=True)
class NodeBatch:
    """Nodes of one label: column ``key`` plus one column per property."""

    label: Label
    frame: pd.DataFrame

    def __post_init__(self) -> None:
        if "key" not in self.frame.columns:
            raise StoreError(f"{self.label} batch has no 'key' column")

    @property
    def property_names(self) -> list[str]:
        return [c for c in self.frame.columns if c != "key"]


@dataclass(frozen=True)
class EdgeBatch:
    """Relationships of one (source label, type, target label) triple.

    Columns ``src`` and ``dst`` hold node keys; the other columns are properties.
    """

    src_label: Label
    rel: Rel
    dst_label: Label
    frame: pd.DataFrame

    def __post_init__(self) -> None:
        check_triple(self.src_label, self.rel, self.dst_label)
        missing = {"src", "dst"} - set(self.frame.columns)
        if missing:
            raise StoreError(f"{self.rel} batch lacks column(s) {sorted(missing)}")

    @property
    def property_names(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ("src", "dst")]


@dataclass(frozen=True)
class ClearBatch:
    """Records whose single-valued field of one triple (:data:`SINGLE_VALUED`) is cleared: the
    load removes each record's relationship of that field (for a watchlist entry's ``LISTS``,
    whatever the identifier's label), so a request with a mistyped representative can say it
    has none. ``keys``: the records' keys, at the triple's record end; ``properties``: the
    record node's properties that stated the field beside it, emptied too (a request's
    ``representative_name``).

    >>> ClearBatch(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ("S1",)).end
    'src'
    >>> ClearBatch(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ("U1",))
    Traceback (most recent call last):
    ...
    graph.errors.StoreError: (Customer)-[:CHANGED_TO]->(Phone) is no single-valued field: nothing to clear
    """

    src_label: Label
    rel: Rel
    dst_label: Label
    keys: tuple[str, ...]
    properties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.triple not in SINGLE_VALUED:
            raise StoreError(f"({self.src_label})-[:{self.rel}]->({self.dst_label}) is no "
                             "single-valued field: nothing to clear")

    @property
    def triple(self) -> Triple:
        return (self.src_label, self.rel, self.dst_label)

    @property
    def end(self) -> str:
        """Where the records are: ``"src"`` or ``"dst"``."""
        return SINGLE_VALUED[self.triple]

    @property
    def record_label(self) -> Label:
        return self.src_label if self.end == "src" else self.dst_label


@dataclass
class GraphBundle:
    """Everything one ingest loads, in homogeneous batches.

    ``fingerprint`` identifies the input (a hash of the files); stores keep it so that a
    detection run can say which data it saw. ``clears``: single-valued fields the load removes
    (:class:`ClearBatch`), before it writes its relationships.
    """

    nodes: list[NodeBatch] = field(default_factory=list)
    edges: list[EdgeBatch] = field(default_factory=list)
    fingerprint: str = ""
    clears: list[ClearBatch] = field(default_factory=list)

    @property
    def node_count(self) -> int:
        return sum(len(b.frame) for b in self.nodes)

    @property
    def edge_count(self) -> int:
        return sum(len(b.frame) for b in self.edges)

    def __iter__(self) -> Iterator[NodeBatch | EdgeBatch]:
        yield from self.nodes
        yield from self.edges


@dataclass(frozen=True)
class GraphCounts:
    """Node counts per label and relationship counts per type."""

    nodes: Mapping[str, int]
    relationships: Mapping[str, int]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"nodes": dict(self.nodes), "relationships": dict(self.relationships)}
