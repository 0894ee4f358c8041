"""Every Cypher statement RingScope sends to a graph database, in one place.

Statements are built from the fixed enums only (:class:`graph.model.Label`, :class:`graph.model.Rel`
and the result labels below); values always travel as parameters (``$rows``, ``$keys`` …), never
in the statement text. The Cypher is the openCypher subset that both Neo4j 5 and FalkorDB accept;
where they differ (index and constraint DDL) :class:`Dialect` picks the form.

Layout in the database:

* every node carries its graph-model label and a ``key`` property (the project's own id, or the
  normalized identifier) with a uniqueness constraint (Neo4j) or index (FalkorDB) on it;
  properties are scalars, dates are ISO ``YYYY-MM-DD`` strings;
* detection results, for investigators browsing the graph (Neo4j Browser, Bloom):
  ``(:Run)-[:FOUND]->(:Ring)<-[:IN_RING]-(:Claim)``; a ring carries ``score``, ``level``,
  ``case_status``, its evidence sentences and the full export (``export``, JSON); claims carry
  ``risk_score``/``risk_ring_id``/``risk_run_id`` and identifiers ``suspicion*`` properties;
* ``(:CaseChange)`` nodes are the audit log of investigators' decisions, ``(:Load)`` nodes record
  the fingerprint of each distinct load, ``(:Session)`` nodes the explorer's sign-in sessions
  (keyed by the SHA-256 of the browser's token, never the token).

>>> upsert_nodes(Label.PHONE)
'UNWIND $rows AS row MERGE (n:Phone {key: row.key}) SET n += row.props'
>>> all(isinstance(s, str) for s in all_statements())
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from graph.model import (
    CLAIM_REACH,
    IDENTIFIER_LABELS,
    RECORD_IDS,
    REGISTRATIONS,
    SCHEMA,
    SINGLE_VALUED,
    Label,
    Rel,
    rival_triples,
)

__all__ = [
    "APPEND_CASE_CHANGE",
    "CASE_CHANGES",
    "CASE_CHANGE_EXISTS",
    "CASE_LOG_LENGTH",
    "CLAIM_IDENTIFIER_HOLDERS",
    "CLAIM_RISKS",
    "CLAIM_RISK_PROPERTIES",
    "CLEAR_CLAIM_RISKS",
    "COUNTS",
    "DELETE_ALL",
    "DELETE_ENDED_SESSIONS",
    "DELETE_RINGS",
    "DELETE_SESSION",
    "FALKORDB_INDEXES",
    "FAMILY_REGISTRATIONS",
    "GET_SESSION",
    "INDEXES",
    "KEYED_LABELS",
    "LOAD_FINGERPRINTS",
    "PROFILE_PROPERTIES",
    "RECORD_LOAD",
    "REFRESH_RING_CASE_STATUS",
    "RESULT_PROPERTIES",
    "RESULT_SCHEMA",
    "RINGS",
    "RINGS_BY_KEY",
    "RING_MEMBERS",
    "RING_MEMBERSHIP",
    "RING_SUMMARIES",
    "RUNNING_RUNS",
    "RUNS",
    "SERVER_PROBE",
    "SET_CLAIM_RISKS",
    "START_RUN_ALONE",
    "TOUCH_RUN",
    "UPSERT_RINGS",
    "UPSERT_RUN",
    "UPSERT_SESSION",
    "Dialect",
    "IndexSpec",
    "ResultLabel",
    "ResultRel",
    "adjacent",
    "all_profiles",
    "all_statements",
    "clear_profiles",
    "create_index",
    "customers_on",
    "delete_nodes",
    "edges_by_key",
    "edges_page",
    "get_nodes",
    "get_profiles",
    "nodes_page",
    "remove_property",
    "rival_edges",
    "same_record_edges",
    "set_profiles",
    "unused_identifiers",
    "upsert_edges",
    "upsert_nodes",
]


class Dialect(StrEnum):
    """The server a statement is meant for, where Neo4j and FalkorDB differ."""

    NEO4J = "neo4j"
    FALKORDB = "falkordb"


class ResultLabel(StrEnum):
    """Labels of the nodes that hold detection results and bookkeeping (not graph-model data)."""

    RUN = "Run"
    RING = "Ring"
    CASE_CHANGE = "CaseChange"
    LOAD = "Load"
    SESSION = "Session"
    RUN_LOCK = "RunLock"


class ResultRel(StrEnum):
    """Relationship types that link results to the data."""

    IN_RING = "IN_RING"
    FOUND = "FOUND"


RESULT_SCHEMA: tuple[tuple[str, str, str], ...] = (
    (Label.CLAIM.value, ResultRel.IN_RING.value, ResultLabel.RING.value),
    (ResultLabel.RUN.value, ResultRel.FOUND.value, ResultLabel.RING.value),
)
"""Result relationships: ``(:Claim)-[:IN_RING]->(:Ring)`` and ``(:Run)-[:FOUND]->(:Ring)``."""

KEYED_LABELS: tuple[str, ...] = tuple(x.value for x in Label) + tuple(x.value for x in ResultLabel)
"""Every label whose nodes are keyed (and constrained unique) by property ``key``."""

def _label(label: str) -> str:
    """A label from the fixed enums, checked before it goes into statement text."""
    if label not in KEYED_LABELS:
        raise ValueError(f"{label!r} is not a RingScope label")
    return str(label)


_REL_NAMES = frozenset(r.value for r in Rel)


def _rel(rel: str) -> str:
    if rel not in _REL_NAMES:
        raise ValueError(f"{rel!r} is not a RingScope relationship type")
    return str(rel)


def _name(prop: str) -> str:
    if not prop.replace("_", "").isalnum() or not prop.isascii():
        raise ValueError(f"{prop!r} is not a plain property name")
    return prop


CLAIM_RISK_PROPERTIES = ("risk_score", "risk_ring_id", "risk_run_id")
"""Properties detection sets on ``Claim`` nodes (reserved names)."""

PROFILE_PROPERTIES = (
    "suspicion", "suspicion_customers", "suspicion_unrelated_customers",
    "suspicion_ring_id", "suspicion_notes", "suspicion_ring_last_request",
    "suspicion_ring_first_taken", "suspicion_run_id",
)
"""Properties detection sets on identifier nodes (reserved names)."""

RESULT_PROPERTIES: frozenset[str] = frozenset(CLAIM_RISK_PROPERTIES + PROFILE_PROPERTIES)
"""Result properties, left out when nodes are read back as data."""


@dataclass(frozen=True)
class IndexSpec:
    """An index on one node property; ``unique`` ones are uniqueness constraints on Neo4j."""

    label: str
    property: str
    unique: bool


INDEXES: tuple[IndexSpec, ...] = (
    *(IndexSpec(label, "key", True) for label in KEYED_LABELS),
    IndexSpec(ResultLabel.CASE_CHANGE.value, "ring_id", False),
    IndexSpec(Label.CLAIM.value, "risk_score", False),
)
"""Every index the stores create up front."""


def create_index(dialect: Dialect, spec: IndexSpec) -> str:
    """DDL for one index: a named, idempotent constraint or index on Neo4j, a range index on FalkorDB.

    >>> create_index(Dialect.NEO4J, IndexSpec("Claim", "key", True))
    'CREATE CONSTRAINT ringscope_claim_key IF NOT EXISTS FOR (n:Claim) REQUIRE n.key IS UNIQUE'
    >>> create_index(Dialect.FALKORDB, IndexSpec("Claim", "key", True))
    'CREATE INDEX FOR (n:Claim) ON (n.key)'
    """
    label, prop = _label(spec.label), _name(spec.property)
    if dialect is Dialect.FALKORDB:
        # FalkorDB has no IF NOT EXISTS and no Cypher constraint DDL: the store lists the indexes
        # first, and the native transport adds unique constraints with GRAPH.CONSTRAINT.
        return f"CREATE INDEX FOR (n:{label}) ON (n.{prop})"
    name = f"ringscope_{label.lower()}_{prop.lower()}"
    if spec.unique:
        return f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
    return f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"


FALKORDB_INDEXES = "CALL db.indexes() YIELD label, properties RETURN label, properties"
"""FalkorDB: the indexes that exist (``label``, ``properties``)."""

SERVER_PROBE = "CALL dbms.components() YIELD name RETURN name"
"""Answers on Neo4j, fails on FalkorDB's Bolt endpoint (which announces itself as Neo4j)."""

# ------------------------------------------------------------------------------- loading


@cache
def upsert_nodes(label: Label) -> str:
    """Upsert nodes of one label; ``$rows``: ``[{key, props}]`` (absent properties stay as they were)."""
    return f"UNWIND $rows AS row MERGE (n:{_label(label)} {{key: row.key}}) SET n += row.props"


@cache
def upsert_edges(src: Label, rel: Rel, dst: Label) -> str:
    """Upsert relationships of one triple; ``$rows``: ``[{src, dst, props}]``.

    Endpoints are merged too, so a relationship is never dropped for want of its node.
    """
    return (
        f"UNWIND $rows AS row MERGE (a:{_label(src)} {{key: row.src}}) "
        f"MERGE (b:{_label(dst)} {{key: row.dst}}) "
        f"MERGE (a)-[r:{_rel(rel)}]->(b) SET r += row.props"
    )


@cache
def rival_edges(src: Label, rel: Rel, dst: Label, delete: bool, clear: bool = False) -> str:
    """The relationships a load of single-valued triple ``(src, rel, dst)`` replaces
    (:data:`graph.model.SINGLE_VALUED`): those of :func:`graph.model.rival_triples` at each
    row's record that do not reach the row's other end; ``$rows``: ``[{src, dst}]``. With
    ``clear``, every such relationship of each row's record (``$rows`` hold the record end
    only: :class:`graph.model.ClearBatch`). Read (``label`` and ``key`` of the far end, one
    row per relationship), or deleted when ``delete``.
    """
    end = SINGLE_VALUED[(src, rel, dst)]
    record, other, arrow = ((src, dst, f"-[r:{_rel(rel)}]->") if end == "src"
                            else (dst, src, f"<-[r:{_rel(rel)}]-"))
    row_record, row_other = ("row.src", "row.dst") if end == "src" else ("row.dst", "row.src")
    labels = {t[2] if end == "src" else t[0] for t in rival_triples((src, rel, dst))}
    if labels == {other}:  # the other end has one label (a request's payout account)
        far, where = f"(b:{_label(other)})", f"b.key <> {row_other}"
    else:  # a watchlist entry's LISTS may reach a node of any identifier label
        far, where = "(b)", f"NOT (b:{_label(other)} AND b.key = {row_other})"
    match = (f"UNWIND $rows AS row MATCH (a:{_label(record)} {{key: {row_record}}}){arrow}{far} "
             + ("" if clear else f"WHERE {where} "))
    return match + ("DELETE r" if delete else "RETURN labels(b)[0] AS label, b.key AS key")


@cache
def same_record_edges(src: Label, rel: Rel, dst: Label, delete: bool) -> str:
    """The relationships a load of triple ``(src, rel, dst)`` of a record-holding type replaces
    (:data:`graph.model.RECORD_IDS`): those of that type holding one of the load's record ids
    (``$ids``) that are not the load's own relationship of that id (``$own``: one
    ``id + $sep + src + $sep + dst`` per row). One scan of the type per batch. Read (``label``
    and ``key`` of the target, one row per relationship), or deleted when ``delete``.
    """
    id_name = RECORD_IDS[rel]
    own = f"(r.{id_name} + $sep + a.key + $sep + b.key)"
    match = (f"MATCH (a:{_label(src)})-[r:{_rel(rel)}]->(b) WHERE r.{id_name} IN $ids "
             f"AND NOT (b:{_label(dst)} AND {own} IN $own) ")
    return match + ("DELETE r" if delete else "RETURN labels(b)[0] AS label, b.key AS key")


@cache
def unused_identifiers(label: Label) -> str:
    """Of the identifier nodes of ``label`` keyed ``$keys``, those no record uses: no
    relationship at all, or for a Person none pointing at it (its own phones do not count);
    ``key`` and ``phones`` (a Person's ``HAS_PHONE`` targets, else empty)."""
    pattern = "(n)<-[r]-()" if label is Label.PERSON else "(n)-[r]-()"
    phones = ("OPTIONAL MATCH (n)-[:HAS_PHONE]->(f:Phone) RETURN n.key AS key, collect(f.key) AS phones"
              if label is Label.PERSON else "RETURN n.key AS key, [] AS phones")
    return (f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) OPTIONAL MATCH {pattern} "
            f"WITH n, count(r) AS uses WHERE uses = 0 {phones}")


@cache
def remove_property(label: Label, name: str) -> str:
    """Remove property ``name`` (a name from the model, checked) from the nodes of ``label``
    keyed ``$keys``."""
    if not name.isidentifier():
        raise ValueError(f"not a property name: {name!r}")
    return f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) REMOVE n.{name}"


@cache
def delete_nodes(label: Label) -> str:
    """Delete the nodes of ``label`` keyed ``$keys`` with their relationships."""
    return f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) DETACH DELETE n"


RECORD_LOAD = (
    "OPTIONAL MATCH (l:Load) WITH l ORDER BY l.seq DESC LIMIT 1 "
    "WITH l WHERE l IS NULL OR l.fingerprint <> $fingerprint "
    "WITH coalesce(l.seq, 0) + 1 AS seq "
    "MERGE (x:Load {key: toString(seq)}) "
    "SET x.seq = seq, x.fingerprint = $fingerprint, x.loaded_at = $loaded_at, "
    "x.nodes = $nodes, x.relationships = $relationships"
)
"""Record a load's fingerprint unless it equals the last one recorded."""

LOAD_FINGERPRINTS = "MATCH (l:Load) RETURN l.fingerprint AS fingerprint ORDER BY l.seq"

# ------------------------------------------------------------------------------- reading


def _counts() -> str:
    parts = [f"MATCH (n:{_label(x)}) RETURN '{x.value}' AS name, count(n) AS count" for x in Label]
    parts += [f"MATCH ()-[r:{_rel(x)}]->() RETURN '{x.value}' AS name, count(r) AS count" for x in Rel]
    return " UNION ALL ".join(parts)


COUNTS = _counts()
"""Node count per graph-model label and relationship count per type (``name``, ``count``)."""


@cache
def get_nodes(label: Label) -> str:
    """Nodes of one label by key; ``$keys``: list of keys."""
    return (
        f"UNWIND $keys AS k MATCH (n:{_label(label)} {{key: k}}) "
        "RETURN n.key AS key, properties(n) AS props"
    )


@cache
def adjacent(label: Label, outgoing: bool) -> str | None:
    """Graph-model relationships leaving (or entering) nodes of one label, at most ``$limit`` each.

    ``$keys``: node keys. Returns ``key`` and ``found``: a list of ``{rel, labels, other, props}``.
    ``None`` when the model has no such relationship (a phone has no outgoing ones).
    """
    types = sorted({r.value for s, r, d in SCHEMA if (s if outgoing else d) is label})
    if not types:
        return None
    rels = "|".join(_rel(t) for t in types)
    pattern = f"-[r:{rels}]->(m)" if outgoing else f"<-[r:{rels}]-(m)"
    return (
        f"UNWIND $keys AS k MATCH (n:{_label(label)} {{key: k}}){pattern} "
        "WITH n, collect({rel: type(r), labels: labels(m), other: m.key, props: properties(r)}) "
        "AS found RETURN n.key AS key, found[..$limit] AS found"
    )


@cache
def customers_on(label: Label, rel: Rel, limited: bool) -> str:
    """The customers with a ``rel`` relationship to the node ``$key`` of one label, with their
    names (``key``, ``name``), in key order; the first ``$limit`` when ``limited``."""
    return (
        f"MATCH (:{_label(label)} {{key: $key}})<-[:{_rel(rel)}]-(c:{Label.CUSTOMER.value}) "
        "RETURN c.key AS key, c.name AS name ORDER BY key" + (" LIMIT $limit" if limited else "")
    )


@cache
def edges_by_key(src: Label, rel: Rel, dst: Label, at_source: bool) -> str:
    """The relationships of one triple leaving (``at_source``) or ending at the nodes whose
    keys are in ``$keys``: ``src``, ``dst``, ``props``."""
    a, b = (" {key: k}", "") if at_source else ("", " {key: k}")
    return (
        f"UNWIND $keys AS k MATCH (a:{_label(src)}{a})-[r:{_rel(rel)}]->(b:{_label(dst)}{b}) "
        "RETURN a.key AS src, b.key AS dst, properties(r) AS props"
    )


def _path_to(path: tuple[tuple[Label, Rel, Label], ...], end: str) -> str:
    """A path pattern from an anonymous start node to the node named ``end``."""
    steps = "".join(f"-[:{_rel(rel)}]->({end if i == len(path) - 1 else ''}:{_label(dst)})"
                    for i, (_, rel, dst) in enumerate(path))
    return f"(:{_label(path[0][0])}){steps}"


def _registrations_of(rel: Rel, label: Label) -> str:
    """The rows of one registration ``(c:Customer)-[rel]->(i:label)``: customer, name, label, key."""
    return (f"MATCH (i)<-[:{_rel(rel)}]-(c:{Label.CUSTOMER.value}) "
            f"RETURN c.key AS customer_id, c.name AS name, '{_label(label)}' AS label, i.key AS key")


CLAIM_IDENTIFIER_HOLDERS = " UNION ".join(
    f"MATCH {_path_to(path, 'i')} WITH DISTINCT i {_registrations_of(rel, label)}"
    for _, rel, label in REGISTRATIONS
    for path in CLAIM_REACH if path[-1][2] is label
)
"""The customers registered at an identifier at the end of a path of
:data:`graph.model.CLAIM_REACH` (``customer_id``, ``name``, ``label``, ``key``): one query, so
the join of claims, identifiers and registrations runs in the server."""

FAMILY_REGISTRATIONS = " UNION ALL ".join(
    f"MATCH (i:{_label(label)})<-[:{_rel(rel)}]-(c:{Label.CUSTOMER.value}) "
    f"WITH i, count(DISTINCT c) AS holders WHERE holders >= 2{bound} "
    f"{_registrations_of(rel, label)}"
    for rel, label, bound in ((Rel.LIVES_AT, Label.ADDRESS, " AND holders <= $household_max"),
                              (Rel.HAS_PHONE, Label.PHONE, ""))
)
"""Registrations at an address held by 2 to ``$household_max`` customers, or at a phone held by
2 customers or more (``customer_id``, ``name``, ``label``, ``key``), counted in the server."""


@cache
def nodes_page(label: Label, first: bool) -> str:
    """One page of a label's nodes in key order: ``$page`` rows after key ``$after``."""
    where = "" if first else " WHERE n.key > $after"
    return (
        f"MATCH (n:{_label(label)}){where} RETURN n.key AS key, properties(n) AS props "
        "ORDER BY key LIMIT $page"
    )


@cache
def edges_page(src: Label, rel: Rel, dst: Label, first: bool) -> str:
    """Relationships of one triple for one page of ``$page`` source nodes (key order, after ``$after``).

    Source nodes without such a relationship give one row with ``dst`` null, so the caller
    always learns the last source key of the page.
    """
    where = "" if first else " WHERE a.key > $after"
    return (
        f"MATCH (a:{_label(src)}){where} WITH a ORDER BY a.key LIMIT $page "
        f"OPTIONAL MATCH (a)-[r:{_rel(rel)}]->(b:{_label(dst)}) "
        "RETURN a.key AS src, b.key AS dst, properties(r) AS props"
    )


# ------------------------------------------------------------------------------- results

UPSERT_RUN = (
    "MERGE (r:Run {key: $key}) ON CREATE SET r.seq = $seq SET r += $props"
)
"""Create or update a run; ``$props`` holds ``status``, ``started_at`` … and ``record`` (JSON)."""

START_RUN_ALONE = (
    "MERGE (l:RunLock {key: $lock}) SET l.locked = true "
    "WITH l OPTIONAL MATCH (r:Run {status: $running}) "
    "WITH l, count(r) AS running "
    "FOREACH (_ IN CASE WHEN running = 0 THEN [1] ELSE [] END | "
    "MERGE (x:Run {key: $key}) ON CREATE SET x.seq = $seq SET x += $props) "
    "REMOVE l.locked"
)
"""Create the run ``$key`` (as :data:`UPSERT_RUN`) only if no run's status is ``$running``.
Setting ``locked`` on the one ``RunLock`` node first takes its write lock before the runs are
read (as :data:`APPEND_CASE_CHANGE` does), so two processes starting runs at once run one after
the other; FalkorDB runs every write query alone anyway."""

RUNNING_RUNS = (
    "MATCH (r:Run {status: $running}) RETURN r.key AS key ORDER BY r.started_at DESC, r.seq DESC"
)
"""Keys of the runs whose status is ``$running``, newest first."""

RUNS = (
    "MATCH (r:Run) RETURN r.record AS record, r.heartbeat_at AS heartbeat_at "
    "ORDER BY r.started_at DESC, r.seq DESC"
)

TOUCH_RUN = "MATCH (r:Run {key: $key}) WHERE r.status = $running SET r.heartbeat_at = $at"
"""A running run's heartbeat: ``$at`` (ISO time) into ``heartbeat_at`` while its status is
``$running``."""

DELETE_RINGS = "MATCH (g:Ring) DETACH DELETE g"

CLEAR_CLAIM_RISKS = (
    "MATCH (c:Claim) WHERE c.risk_score IS NOT NULL "
    "REMOVE c.risk_score, c.risk_ring_id, c.risk_run_id"
)

UPSERT_RINGS = (
    "UNWIND $rows AS row MERGE (g:Ring {key: row.key}) SET g += row.props "
    "WITH g MATCH (r:Run {key: $run_id}) MERGE (r)-[:FOUND]->(g)"
)
"""``$rows``: ``[{key, props}]``; ``$run_id``: the run that found the rings."""

RING_MEMBERS = (
    "UNWIND $rows AS row MATCH (g:Ring {key: row.ring}) MATCH (c:Claim {key: row.claim}) "
    "MERGE (c)-[:IN_RING]->(g)"
)
"""``$rows``: ``[{ring, claim}]``; claims not in the graph are skipped."""

SET_CLAIM_RISKS = (
    "UNWIND $rows AS row MATCH (c:Claim {key: row.claim}) "
    "SET c.risk_score = row.risk, c.risk_ring_id = row.ring, c.risk_run_id = $run_id"
)
"""``$rows``: ``[{claim, risk, ring}]``; claims not in the graph are skipped."""

REFRESH_RING_CASE_STATUS = (
    "MATCH (g:Ring) OPTIONAL MATCH (c:CaseChange {ring_id: g.key}) "
    "WITH g, c ORDER BY c.seq DESC WITH g, collect(c.to_status) AS statuses "
    "SET g.case_status = coalesce(head(statuses), $initial)"
)
"""Copy each ring's latest case status (or ``$initial``) onto the ring node."""

RINGS = "MATCH (g:Ring) RETURN g.export AS export"

RINGS_BY_KEY = "UNWIND $keys AS k MATCH (g:Ring {key: k}) RETURN g.export AS export"

CLAIM_RISKS = (
    "UNWIND $keys AS k MATCH (c:Claim {key: k}) WHERE c.risk_score IS NOT NULL "
    "RETURN c.key AS claim, c.risk_score AS risk, c.risk_ring_id AS ring"
)


@cache
def clear_profiles(label: Label) -> str:
    """Remove the identifier-profile properties from every node of one label."""
    props = ", ".join(f"n.{p}" for p in PROFILE_PROPERTIES)
    return f"MATCH (n:{_label(label)}) WHERE n.suspicion IS NOT NULL REMOVE {props}"


@cache
def set_profiles(label: Label) -> str:
    """Set profiles on nodes of one label; ``$rows``: ``[{key, suspicion, customers, unrelated,
    ring, notes, ring_last, ring_taken}]``, ``$run_id``. Nodes not in the graph are skipped."""
    return (
        f"UNWIND $rows AS row MATCH (n:{_label(label)} {{key: row.key}}) "
        "SET n.suspicion = row.suspicion, n.suspicion_customers = row.customers, "
        "n.suspicion_unrelated_customers = row.unrelated, n.suspicion_ring_id = row.ring, "
        "n.suspicion_notes = row.notes, n.suspicion_ring_last_request = row.ring_last, "
        "n.suspicion_ring_first_taken = row.ring_taken, "
        "n.suspicion_run_id = $run_id"
    )


_PROFILE_RETURN = (
    "RETURN n.key AS key, n.suspicion AS suspicion, n.suspicion_customers AS customers, "
    "n.suspicion_unrelated_customers AS unrelated, n.suspicion_ring_id AS ring, "
    "n.suspicion_notes AS notes, n.suspicion_ring_last_request AS ring_last, "
    "n.suspicion_ring_first_taken AS ring_taken"
)


@cache
def get_profiles(label: Label) -> str:
    """Profiles of nodes of one label by key; ``$keys``."""
    return f"UNWIND $keys AS k MATCH (n:{_label(label)} {{key: k}}) WHERE n.suspicion IS NOT NULL {_PROFILE_RETURN}"


@cache
def all_profiles(label: Label) -> str:
    """Profiles of every profiled node of one label."""
    return f"MATCH (n:{_label(label)}) WHERE n.suspicion IS NOT NULL {_PROFILE_RETURN}"


APPEND_CASE_CHANGE = (
    "MATCH (g:Ring {key: $ring_id}) SET g.case_lock = true "
    "WITH g OPTIONAL MATCH (c:CaseChange {ring_id: $ring_id}) "
    "WITH g, c ORDER BY c.seq DESC "
    "WITH g, collect(c.to_status) AS statuses, collect(c.seq) AS seqs "
    "WITH g, coalesce(head(statuses), $initial) AS current, coalesce(head(seqs), 0) + 1 AS seq "
    "FOREACH (_ IN CASE WHEN current = $expected THEN [1] ELSE [] END | "
    "CREATE (x:CaseChange {key: $key}) SET x += $props, x.seq = seq "
    "SET g.case_status = $status) "
    "REMOVE g.case_lock"
)
"""Compare-and-set on a ring's case: append the change ``$key`` (``$props``) to the audit log and
set the ring's ``case_status`` to ``$status``, only if the latest change ends in ``$expected``
(none yet: ``$initial``). Setting ``case_lock`` first takes the ring's write lock before the log
is read (Neo4j's documented way to prevent lost updates), so concurrent changes of one case run
one after another; FalkorDB runs every write query alone anyway."""

CASE_CHANGE_EXISTS = "MATCH (c:CaseChange {key: $key}) RETURN c.key AS key"
"""Whether the change ``$key`` was written."""

CASE_CHANGES = (
    "MATCH (c:CaseChange {ring_id: $ring_id}) "
    "RETURN c.ring_id AS ring_id, c.at AS at, c.actor AS actor, c.from_status AS from_status, "
    "c.to_status AS to_status, c.note AS note, c.assignee AS assignee, c.event AS event, "
    "c.new_claims AS new_claims ORDER BY c.seq"
)
"""A ring's audit log, oldest first (``assignee``, ``event`` and ``new_claims`` are null on
entries written before they existed)."""

CASE_LOG_LENGTH = "MATCH (c:CaseChange) RETURN count(c) AS entries"
"""How many audit entries all rings have together."""

RING_MEMBERSHIP = (
    "MATCH (r:Run)-[:FOUND]->(g:Ring)<-[:IN_RING]-(c:Claim) "
    "RETURN r.key AS run, g.key AS ring, c.key AS claim ORDER BY ring, claim"
)
"""The current rings' claims as the graph shows them to investigators."""

RING_SUMMARIES = (
    "MATCH (g:Ring) RETURN g.key AS ring, g.score AS score, g.level AS level, "
    "g.case_status AS case_status, g.evidence_en AS evidence ORDER BY score DESC, ring"
)
"""The current rings as an investigator's list shows them."""

UPSERT_SESSION = "MERGE (s:Session {key: $key}) SET s += $props"
"""An explorer session: ``$key`` (SHA-256 of its token), ``$props``: principal, csrf, expires_at."""

GET_SESSION = (
    "MATCH (s:Session {key: $key}) "
    "RETURN s.principal AS principal, s.csrf AS csrf, s.expires_at AS expires_at"
)

DELETE_SESSION = "MATCH (s:Session {key: $key}) DELETE s"

DELETE_ENDED_SESSIONS = "MATCH (s:Session) WHERE s.expires_at < $now DELETE s"

DELETE_ALL = "MATCH (n) DETACH DELETE n"
"""Empty the whole database (used by tests on a shared Neo4j, never by the store)."""

# ------------------------------------------------------------------------------- helpers


def all_statements() -> list[str]:
    """Every statement this module can produce, for both dialects (for linting)."""
    return sorted(set(_every_statement()))


def _every_statement() -> Iterator[str]:
    for dialect in Dialect:
        yield from (create_index(dialect, spec) for spec in INDEXES)
    yield from (FALKORDB_INDEXES, SERVER_PROBE, RECORD_LOAD, LOAD_FINGERPRINTS, COUNTS)
    yield from (UPSERT_RUN, START_RUN_ALONE, RUNNING_RUNS, RUNS, TOUCH_RUN, DELETE_RINGS, CLEAR_CLAIM_RISKS, UPSERT_RINGS, RING_MEMBERS)
    yield from (SET_CLAIM_RISKS, REFRESH_RING_CASE_STATUS, RINGS, RINGS_BY_KEY, CLAIM_RISKS)
    yield from (APPEND_CASE_CHANGE, CASE_CHANGE_EXISTS, CASE_CHANGES, CASE_LOG_LENGTH,
                RING_MEMBERSHIP, RING_SUMMARIES, DELETE_ALL)
    yield from (UPSERT_SESSION, GET_SESSION, DELETE_SESSION, DELETE_ENDED_SESSIONS)
    yield from (CLAIM_IDENTIFIER_HOLDERS, FAMILY_REGISTRATIONS)
    for label in IDENTIFIER_LABELS:
        yield from (unused_identifiers(label), delete_nodes(label))
    yield remove_property(Label.CLAIM, "representative_name")
    for label in Label:
        yield upsert_nodes(label)
        yield get_nodes(label)
        yield from filter(None, (adjacent(label, out) for out in (True, False)))
        yield from (nodes_page(label, first) for first in (True, False))
        yield from (clear_profiles(label), set_profiles(label), get_profiles(label), all_profiles(label))
    for src, rel, dst in SCHEMA:
        yield upsert_edges(src, rel, dst)
        if (src, rel, dst) in SINGLE_VALUED:
            yield from (rival_edges(src, rel, dst, delete, clear) for delete in (True, False)
                        for clear in (True, False))
        if rel in RECORD_IDS:
            yield from (same_record_edges(src, rel, dst, delete) for delete in (True, False))
        if src is Label.CUSTOMER:
            yield from (customers_on(dst, rel, limited) for limited in (True, False))
        yield from (edges_page(src, rel, dst, first) for first in (True, False))
        yield from (edges_by_key(src, rel, dst, at_source) for at_source in (True, False))
