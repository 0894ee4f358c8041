"""The graph store on a Cypher database (Neo4j, FalkorDB), written once against a tiny transport.

:class:`CypherStore` turns the store interface into the statements of :mod:`graph.cypher`; a
:class:`Transport` only runs them: ``read`` one statement and return its records, ``write`` a
list of statements as one transaction (retrying what the server reports as transient).
Two transports exist: :mod:`graph.neo4j_transport` (the official ``neo4j`` driver over Bolt) and
:mod:`graph.falkordb_transport` (FalkorDB's native protocol).

Loading. A bundle goes in batches of at most ``batch_rows`` rows whose serialized parameters stay
under ``batch_bytes``; each batch is one transaction of ``UNWIND $rows … MERGE``. Values are
checked before the first batch is sent, so malformed input writes nothing. Should a batch fail
(server gone, timeout), the :class:`StoreError` names the batch; the batches before it are stored
and, since every write is a ``MERGE`` on the node key, loading the same bundle again completes
the graph without duplicates. Readers may see a load half-way, unlike with the embedded store.
The load's fingerprint is recorded only after its last batch.

Results. ``save_results`` replaces rings, claim risks and identifier profiles with one ``write``:
a single transaction on Neo4j. FalkorDB has no multi-statement transactions: the native
transport sends the statements as one ``MULTI``/``EXEC`` block, so no reader sees a half-done
replacement, but a statement failing inside the block does not undo the ones before it (save
again to repair). Over FalkorDB's Bolt endpoint the statements simply run one after another.

Graph-wide reads (``nodes_frame``, ``edges_frame``) fetch ``page_rows`` rows at a time in key
order, never the whole table in one result.

>>> from graph.cypher import Dialect
>>> class Silent:  # the smallest transport: a server that holds nothing
...     dialect, description = Dialect.NEO4J, "nowhere"
...     def read(self, text, params=None): return []
...     def write(self, statements): pass
...     def ensure_unique_keys(self, labels): pass
...     def close(self): pass
>>> CypherStore(Silent()).counts().nodes["Claim"]
0
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import numpy as np
import orjson
import pandas as pd

from graph import cypher
from graph.config import StoreSettings
from graph.cypher import Dialect
from graph.errors import StoreError, StoreUnavailableError
from graph.model import (
    IDENTIFIER_LABELS,
    RECORD_IDS,
    SINGLE_VALUED,
    Edge,
    EdgeBatch,
    GraphBundle,
    Label,
    Node,
    NodeBatch,
    NodeRef,
    Rel,
)
from graph.results import (
    CaseChange,
    CaseEvent,
    CaseStatus,
    ClaimRisk,
    DetectionResult,
    IdentifierProfile,
    Ring,
    RunRecord,
)
from graph.sessions import Session
from graph.store import REGISTRATION_COLUMNS, GraphStore, ProgressCallback, Removed

__all__ = ["CypherStore", "Statement", "Transport", "batched"]

log = logging.getLogger(__name__)

Record = dict[str, Any]


@dataclass(frozen=True)
class Statement:
    """A statement text from :mod:`graph.cypher` with its parameters."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Transport(Protocol):
    """How a :class:`CypherStore` reaches its server."""

    dialect: Dialect
    description: str
    """Where the graph lives, for messages (no credentials)."""

    def read(self, text: str, params: Mapping[str, Any] | None = None) -> list[Record]:
        """Run one read-only statement; its records as dicts keyed by column name."""
        ...

    def write(self, statements: Sequence[Statement]) -> None:
        """Run statements in one transaction where the server has them, retrying transient errors."""
        ...

    def ensure_unique_keys(self, labels: Sequence[str]) -> None:
        """Add uniqueness constraints on ``key`` that Cypher DDL cannot express (FalkorDB)."""
        ...

    def close(self) -> None: ...


_SCALARS = (str, int, float, bool, np.integer, np.floating, np.bool_, np.str_)


class CypherStore(GraphStore):
    """A :class:`GraphStore` on any Cypher server a :class:`Transport` reaches."""

    name = "graphdb"

    def __init__(self, transport: Transport, settings: StoreSettings | None = None) -> None:
        settings = settings or StoreSettings()
        self.transport = transport
        self.batch_rows = settings.batch_rows
        self.batch_bytes = settings.batch_bytes
        self.page_rows = settings.page_rows
        self._ensure_schema()

    def __repr__(self) -> str:
        return f"CypherStore({self.transport.description})"

    # ---------------------------------------------------------------- schema
    def _ensure_schema(self) -> None:
        """Create the uniqueness constraints and indexes (idempotent)."""
        dialect = self.transport.dialect
        specs: Iterable[cypher.IndexSpec] = cypher.INDEXES
        if dialect is Dialect.FALKORDB:
            existing = {
                (row["label"], prop)
                for row in self.transport.read(cypher.FALKORDB_INDEXES)
                for prop in row["properties"]
            }
            specs = [s for s in specs if (s.label, s.property) not in existing]
        for spec in specs:  # one statement per transaction: servers keep schema changes apart
            self.transport.write([Statement(cypher.create_index(dialect, spec))])
        self.transport.ensure_unique_keys([s.label for s in cypher.INDEXES if s.unique])

    # ---------------------------------------------------------------- graph primitives
    def _write_bundle(self, bundle: GraphBundle, progress: ProgressCallback | None) -> Removed:
        for batch in bundle:
            _check_values(batch)
        total, done, number = bundle.node_count + bundle.edge_count, 0, 0
        counted = {"replaced": 0, "cleared": 0}
        far: dict[str, set[str]] = defaultdict(set)  # ends of removed relationships, by label
        # Relationship types the graph holds none of have nothing to replace (a first load).
        held = {row["name"] for row in self.transport.read(cypher.COUNTS) if int(row["count"])}
        for clear in bundle.clears:
            for name in clear.properties:
                for keys in batched(clear.keys, self.batch_rows, self.batch_bytes):
                    self.transport.write([Statement(cypher.remove_property(clear.record_label, name),
                                                    {"keys": keys})])
            if clear.rel.value not in held:
                continue
            for keys in batched(clear.keys, self.batch_rows, self.batch_bytes):
                params = {"rows": [{clear.end: k} for k in keys]}
                found = self.transport.read(cypher.rival_edges(*clear.triple, delete=False, clear=True), params)
                if found:
                    self.transport.write([Statement(cypher.rival_edges(*clear.triple, delete=True, clear=True),
                                                    params)])
                    counted["cleared"] += len(found)
                    for row in found:
                        far[row["label"]].add(row["key"])
        for batch in bundle:
            text, what = _upsert_statement(batch)
            for rows in batched(_rows(batch), self.batch_rows, self.batch_bytes):
                number += 1
                try:
                    # A record's other value and its new one change in one transaction.
                    rivals, found = self._rival_edges(batch, rows, held)
                    counted["replaced"] += len(found)
                    for row in found:
                        far[row["label"]].add(row["key"])
                    self.transport.write([*rivals, Statement(text, {"rows": rows})])
                except Exception as exc:
                    kind = StoreUnavailableError if isinstance(exc, StoreUnavailableError) else StoreError
                    raise kind(
                        f"{self.transport.description}: load batch {number} ({what}, rows "
                        f"{done + 1}–{done + len(rows)} of {total}) failed: {exc}. The batches "
                        "before it are stored; loading the same data again completes the graph."
                    ) from exc
                done += len(rows)
                if progress:
                    progress("load", done, total)
        orphans, orphan_relationships = self._drop_orphans(far)
        if bundle.fingerprint:
            self.transport.write([Statement(cypher.RECORD_LOAD, {
                "fingerprint": bundle.fingerprint, "loaded_at": _now(),
                "nodes": bundle.node_count, "relationships": bundle.edge_count,
            })])
        return Removed(counted["replaced"], counted["cleared"], orphans, orphan_relationships)

    def _drop_orphans(self, far: Mapping[str, set[str]]) -> tuple[int, int]:
        """Delete the identifier nodes among ``far`` (keys by label) no record uses any more
        (a Person with its phones, which may then be unused too); returns how many, and how
        many relationships went with them."""
        candidates = {label: set(far.get(label.value, ())) for label in IDENTIFIER_LABELS}
        deleted = unlinked = 0
        for label in (Label.PERSON, Label.PHONE, Label.BANK_ACCOUNT, Label.ADDRESS):
            unused: list[str] = []
            for keys in batched(sorted(candidates[label]), self.batch_rows, self.batch_bytes):
                for row in self.transport.read(cypher.unused_identifiers(label), {"keys": keys}):
                    unused.append(row["key"])
                    candidates[Label.PHONE].update(row["phones"] or ())
                    unlinked += len(row["phones"] or ())
            for keys in batched(unused, self.batch_rows, self.batch_bytes):
                self.transport.write([Statement(cypher.delete_nodes(label), {"keys": keys})])
            deleted += len(unused)
        return deleted, unlinked

    def _rival_edges(self, batch: NodeBatch | EdgeBatch, rows: list[Record],
                     held: set[str]) -> tuple[list[Statement], list[Record]]:
        """The deletion of the relationships ``rows`` of a single-valued triple replace (no
        statement when they replace none), and the far ends (``label``, ``key``) of those it
        deletes; ``held``: the relationship types the graph held before the load (others
        have nothing to replace)."""
        if not isinstance(batch, EdgeBatch) or batch.rel.value not in held:
            return [], []
        triple = (batch.src_label, batch.rel, batch.dst_label)
        if triple in SINGLE_VALUED:
            statement: Callable[..., str] = cypher.rival_edges
            params: dict[str, Any] = {"rows": [{"src": row["src"], "dst": row["dst"]} for row in rows]}
        elif batch.rel in RECORD_IDS:
            statement, id_name = cypher.same_record_edges, RECORD_IDS[batch.rel]
            ids = [(str(row["props"][id_name]), row) for row in rows if id_name in row["props"]]
            if not ids:
                return [], []
            params = {"ids": [i for i, _ in ids], "sep": _SEP,
                      "own": [_SEP.join((i, row["src"], row["dst"])) for i, row in ids]}
        else:
            return [], []
        found = self.transport.read(statement(*triple, delete=False), params)
        return ([Statement(statement(*triple, delete=True), params)] if found else []), found

    def _counts(self) -> tuple[dict[str, int], dict[str, int]]:
        found = {row["name"]: int(row["count"]) for row in self.transport.read(cypher.COUNTS)}
        return (
            {x.value: found.get(x.value, 0) for x in Label},
            {x.value: found.get(x.value, 0) for x in Rel},
        )

    def _get_nodes(self, refs: list[NodeRef]) -> list[Node]:
        found: dict[NodeRef, Node] = {}
        for label, keys in _by_label(refs).items():
            for chunk in self._key_chunks(keys):
                for row in self.transport.read(cypher.get_nodes(label), {"keys": chunk}):
                    found[NodeRef(label, row["key"])] = Node(label, row["key"], _data(row["props"]))
        return [found[r] for r in refs if r in found]

    def _adjacent(self, refs: list[NodeRef], limit: int) -> list[Edge]:
        out: list[Edge] = []
        for label, keys in _by_label(refs).items():
            for outgoing in (True, False):
                text = cypher.adjacent(label, outgoing)
                if text is None:
                    continue
                for chunk in self._key_chunks(keys):
                    for row in self.transport.read(text, {"keys": chunk, "limit": limit}):
                        here = NodeRef(label, row["key"])
                        for hit in row["found"]:
                            there = NodeRef(_model_label(hit["labels"]), hit["other"])
                            src, dst = (here, there) if outgoing else (there, here)
                            out.append(Edge(src, Rel(hit["rel"]), dst, dict(hit["props"] or {})))
        return out

    def _customers_on(self, ref: NodeRef, rel: Rel, limit: int | None) -> list[tuple[str, str | None]]:
        text = cypher.customers_on(ref.label, rel, limit is not None)
        params: dict[str, Any] = {"key": ref.key} if limit is None else {"key": ref.key, "limit": limit}
        return [(row["key"], row["name"]) for row in self.transport.read(text, params)]

    def _pages(self, statement: Callable[[bool], str], cursor: str) -> Iterator[list[Record]]:
        """Read a table page by page in key order; ``cursor`` names the column that orders it.

        A page is full when it holds ``page_rows`` distinct cursor values (edge pages carry
        several rows per source node); the next page starts after the largest one.
        """
        after: str | None = None
        while True:
            params: dict[str, Any] = {"page": self.page_rows}
            if after is not None:
                params["after"] = after
            rows = self.transport.read(statement(after is None), params)
            yield rows
            seen = {r[cursor] for r in rows}
            if len(seen) < self.page_rows:
                return
            after = max(seen)

    def _nodes_frame(self, label: Label) -> pd.DataFrame:
        records: list[Record] = [
            {"key": r["key"], **_data(r["props"])}
            for rows in self._pages(partial(cypher.nodes_page, label), "key")
            for r in rows
        ]
        return _frame(["key"], records)

    def _edges_frame(self, src: Label, rel: Rel, dst: Label) -> pd.DataFrame:
        records: list[Record] = [
            {"src": r["src"], "dst": r["dst"], **(r["props"] or {})}
            for rows in self._pages(partial(cypher.edges_page, src, rel, dst), "src")
            for r in rows
            if r["dst"] is not None
        ]
        frame = _frame(["src", "dst"], records)
        return frame.sort_values(["src", "dst"], ignore_index=True) if records else frame

    def _edges_by_key(self, triple: tuple[Label, Rel, Label], keys: list[str],
                      at_source: bool) -> list[Record]:
        text = cypher.edges_by_key(*triple, at_source)
        return [{"src": r["src"], "dst": r["dst"], **(r["props"] or {})}
                for chunk in self._key_chunks(keys) for r in self.transport.read(text, {"keys": chunk})]

    def _claim_identifier_holders(self) -> pd.DataFrame:
        return _frame(REGISTRATION_COLUMNS, self.transport.read(cypher.CLAIM_IDENTIFIER_HOLDERS))

    def _family_registrations(self, household_max: int) -> pd.DataFrame:
        return _frame(REGISTRATION_COLUMNS, self.transport.read(cypher.FAMILY_REGISTRATIONS,
                                                                {"household_max": household_max}))

    def _data_fingerprint(self) -> str:
        prints = [r["fingerprint"] for r in self.transport.read(cypher.LOAD_FINGERPRINTS)]
        return hashlib.sha256("\n".join(prints).encode()).hexdigest()[:16] if prints else ""

    # ---------------------------------------------------------------- result primitives
    def _save_run(self, run: RunRecord) -> None:
        self.transport.write([_run_statement(run)])

    def _start_run_alone(self, run: RunRecord) -> str | None:
        statement = Statement(cypher.START_RUN_ALONE,
                              {**_run_statement(run).params, "running": "running", "lock": "runs"})
        for _ in range(_START_ATTEMPTS):
            self.transport.write([statement])
            # The statement writes nothing while a run is running; whether it wrote is read back
            # (also right when the driver retried a write that had committed).
            keys = [str(r["key"]) for r in self.transport.read(cypher.RUNNING_RUNS, {"running": "running"})]
            if run.run_id in keys:
                return None
            if keys:
                return keys[0]
            # the run that kept it out ended between the write and the read: try again
        raise StoreError(f"{self.name}: could not record run {run.run_id} as started; try again")

    def _touch_run(self, run_id: str, at: str) -> None:
        self.transport.write([Statement(cypher.TOUCH_RUN, {"key": run_id, "at": at, "running": "running"})])

    def _replace_results(self, result: DetectionResult, realerts: list[CaseChange]) -> None:
        run_id = result.run.run_id
        statements = [
            _run_statement(result.run),
            Statement(cypher.DELETE_RINGS),
            Statement(cypher.CLEAR_CLAIM_RISKS),
            *(Statement(cypher.clear_profiles(label)) for label in Label),
        ]
        statements += self._batches(cypher.UPSERT_RINGS, [_ring_row(r) for r in result.rings],
                                    run_id=run_id)
        statements += self._batches(cypher.RING_MEMBERS, [
            {"ring": r.ring_id, "claim": c} for r in result.rings for c in r.claim_ids
        ])
        statements += self._batches(cypher.SET_CLAIM_RISKS, [
            {"claim": c.claim_id, "risk": float(c.risk), "ring": c.ring_id} for c in result.claim_risks
        ], run_id=run_id)
        by_label: dict[Label, list[Record]] = defaultdict(list)
        for p in result.identifier_profiles:
            by_label[Label(p.label)].append({
                "key": p.key, "suspicion": float(p.suspicion), "customers": p.customers,
                "unrelated": p.unrelated_customers, "ring": p.ring_id, "notes": list(p.notes),
                "ring_last": p.ring_last_request, "ring_taken": p.ring_first_taken,
            })
        for label, rows in by_label.items():
            statements += self._batches(cypher.set_profiles(label), rows, run_id=run_id)
        statements += [_case_change_statement(change, uuid.uuid4().hex) for change in realerts]
        statements.append(Statement(cypher.REFRESH_RING_CASE_STATUS, {"initial": CaseStatus.NEW.value}))
        self.transport.write(statements)

    def _runs(self) -> list[RunRecord]:
        return [
            RunRecord(**{**orjson.loads(r["record"]), "heartbeat_at": r["heartbeat_at"]})
            for r in self.transport.read(cypher.RUNS)
        ]

    def _rings(self, ring_ids: list[str] | None) -> list[Ring]:
        if ring_ids is None:
            rows = self.transport.read(cypher.RINGS)
        else:
            rows = [row for chunk in self._key_chunks(ring_ids)
                    for row in self.transport.read(cypher.RINGS_BY_KEY, {"keys": chunk})]
        return [Ring.from_export(orjson.loads(r["export"])) for r in rows]

    def _claim_risks(self, claim_ids: list[str]) -> list[ClaimRisk]:
        return [
            ClaimRisk(r["claim"], float(r["risk"]), r["ring"])
            for chunk in self._key_chunks(claim_ids)
            for r in self.transport.read(cypher.CLAIM_RISKS, {"keys": chunk})
        ]

    def _identifier_profiles(self, refs: list[NodeRef] | None) -> list[IdentifierProfile]:
        if refs is None:
            found = [(label, r) for label in sorted(IDENTIFIER_LABELS)
                     for r in self.transport.read(cypher.all_profiles(label))]
        else:
            found = [(label, r) for label, keys in _by_label(refs).items() for chunk in self._key_chunks(keys)
                     for r in self.transport.read(cypher.get_profiles(label), {"keys": chunk})]
        return [
            IdentifierProfile(
                label=label.value, key=r["key"], customers=int(r["customers"]),
                unrelated_customers=int(r["unrelated"]), suspicion=float(r["suspicion"]),
                ring_id=r["ring"], notes=tuple(r["notes"] or ()), ring_last_request=r["ring_last"],
                ring_first_taken=r["ring_taken"],
            )
            for label, r in found
        ]

    def _append_case_change(self, change: CaseChange) -> bool:
        key = uuid.uuid4().hex
        self.transport.write([_case_change_statement(change, key)])
        # The statement writes nothing when the case moved on; whether it wrote is read back by
        # the change's own key (also right when the driver retried a write that had committed).
        return bool(self.transport.read(cypher.CASE_CHANGE_EXISTS, {"key": key}))

    def _case_changes(self, ring_id: str) -> list[CaseChange]:
        return [
            CaseChange(r["ring_id"], r["at"], r["actor"], CaseStatus(r["from_status"]),
                       CaseStatus(r["to_status"]), r["note"] or "", r["assignee"],
                       CaseEvent(r["event"] or CaseEvent.DECISION.value),
                       tuple(r["new_claims"] or ()))
            for r in self.transport.read(cypher.CASE_CHANGES, {"ring_id": ring_id})
        ]

    def _case_log_length(self) -> int:
        rows = self.transport.read(cypher.CASE_LOG_LENGTH)
        return int(rows[0]["entries"]) if rows else 0

    def _put_session(self, session: Session) -> None:
        self.transport.write([Statement(cypher.UPSERT_SESSION, {"key": session.key, "props": {
            "principal": session.principal, "csrf": session.csrf, "expires_at": session.expires_at,
        }})])

    def _get_session(self, key: str) -> Session | None:
        rows = self.transport.read(cypher.GET_SESSION, {"key": key})
        return Session(key, rows[0]["principal"], rows[0]["csrf"], rows[0]["expires_at"]) if rows else None

    def _delete_session(self, key: str) -> None:
        self.transport.write([Statement(cypher.DELETE_SESSION, {"key": key})])

    def _delete_sessions_ended_by(self, now: str) -> None:
        self.transport.write([Statement(cypher.DELETE_ENDED_SESSIONS, {"now": now})])

    def _close(self) -> None:
        self.transport.close()

    # ---------------------------------------------------------------- helpers
    def _key_chunks(self, keys: list[str]) -> Iterator[list[str]]:
        """Key lists for ``$keys`` parameters, bounded like load batches."""
        yield from batched(keys, self.batch_rows, self.batch_bytes)

    def _batches(self, text: str, rows: list[Record], **params: Any) -> list[Statement]:
        return [Statement(text, {**params, "rows": chunk})
                for chunk in batched(rows, self.batch_rows, self.batch_bytes)]


def batched(items: Iterable[Any], max_rows: int, max_bytes: int) -> Iterator[list[Any]]:
    """Group items into lists of at most ``max_rows`` whose JSON size stays under ``max_bytes``.

    An item larger than ``max_bytes`` on its own still goes, alone, in a batch of one.

    >>> [len(b) for b in batched(["x" * 10] * 5, max_rows=3, max_bytes=1_000)]
    [3, 2]
    >>> [len(b) for b in batched(["x" * 10] * 5, max_rows=100, max_bytes=30)]
    [2, 2, 1]
    """
    batch: list[Any] = []
    size = 2  # the brackets of the list
    for item in items:
        item_size = len(orjson.dumps(item)) + 1
        if batch and (len(batch) >= max_rows or size + item_size > max_bytes):
            yield batch
            batch, size = [], 2
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _upsert_statement(batch: NodeBatch | EdgeBatch) -> tuple[str, str]:
    if isinstance(batch, NodeBatch):
        return cypher.upsert_nodes(batch.label), f"{batch.label} nodes"
    triple = f"({batch.src_label})-[:{batch.rel}]->({batch.dst_label})"
    return cypher.upsert_edges(batch.src_label, batch.rel, batch.dst_label), triple


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value drivers understand."""
    return value.item() if isinstance(value, np.generic) else value


def _check_values(batch: NodeBatch | EdgeBatch) -> None:
    """Reject non-scalar property values and missing keys before anything is written."""
    frame = batch.frame
    key_columns = ["key"] if isinstance(batch, NodeBatch) else ["src", "dst"]
    for column in key_columns:
        if frame[column].map(_is_missing).any():
            raise StoreError(f"{_upsert_statement(batch)[1]}: column {column!r} has missing keys")
    for column in batch.property_names:
        series = frame[column]
        if series.dtype != object:
            continue
        bad = series[~series.map(lambda v: _is_missing(v) or isinstance(v, _SCALARS))]
        if len(bad):
            raise StoreError(
                f"{_upsert_statement(batch)[1]}: property {column!r} holds a "
                f"{type(bad.iloc[0]).__name__} value; properties must be str, int, float or bool"
            )


def _rows(batch: NodeBatch | EdgeBatch) -> Iterator[Record]:
    """The batch's rows as ``{key, props}`` or ``{src, dst, props}`` with plain Python values."""
    frame, names = batch.frame, batch.property_names
    columns = [frame[c].astype(object).tolist() for c in names]
    props: Iterator[dict[str, Any]] = (
        {n: _plain(v) for n, v in zip(names, values, strict=True) if not _is_missing(v)}
        for values in zip(*columns, strict=True)
    ) if names else ({} for _ in range(len(frame)))
    if isinstance(batch, NodeBatch):
        for key, p in zip(frame["key"].tolist(), props, strict=True):
            yield {"key": str(key), "props": p}
    else:
        for s, d, p in zip(frame["src"].tolist(), frame["dst"].tolist(), props, strict=True):
            yield {"src": str(s), "dst": str(d), "props": p}


def _by_label(refs: Iterable[NodeRef]) -> dict[Label, list[str]]:
    grouped: dict[Label, list[str]] = defaultdict(list)
    for ref in refs:
        grouped[ref.label].append(ref.key)
    return grouped


_MODEL_LABELS = frozenset(x.value for x in Label)
_START_ATTEMPTS = 5
"""Tries at recording a run as started while the run that kept it out keeps ending between
the write and the read-back (each try is one write and one read)."""
_SEP = "\x1f"  # joins a record id and its ends; ingest refuses control characters in cells


def _model_label(labels: Sequence[str]) -> Label:
    for name in labels:
        if name in _MODEL_LABELS:
            return Label(name)
    raise StoreError(f"node with labels {list(labels)} has no graph-model label")


def _data(props: Mapping[str, Any] | None) -> dict[str, Any]:
    """Node properties as data: without ``key`` and without detection's result properties."""
    return {k: v for k, v in (props or {}).items()
            if k != "key" and k not in cypher.RESULT_PROPERTIES}


def _frame(key_columns: list[str], records: list[Record]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=key_columns)


def _run_statement(run: RunRecord) -> Statement:
    props = {
        "status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
        "heartbeat_at": run.heartbeat_at, "input_fingerprint": run.input_fingerprint,
        "record": orjson.dumps(run.to_dict()).decode(),
    }
    return Statement(cypher.UPSERT_RUN, {"key": run.run_id, "seq": time.time_ns(), "props": props})


def _case_change_statement(change: CaseChange, key: str) -> Statement:
    """The compare-and-set append of one audit entry under its own ``key``."""
    props: dict[str, Any] = {
        "ring_id": change.ring_id, "at": change.at, "actor": change.actor,
        "from_status": change.from_status.value, "to_status": change.to_status.value,
        "note": change.note, "event": change.event.value,
    }
    if change.assignee is not None:
        props["assignee"] = change.assignee
    if change.new_claims:
        props["new_claims"] = list(change.new_claims)
    return Statement(cypher.APPEND_CASE_CHANGE, {
        "ring_id": change.ring_id, "key": key, "props": props, "initial": CaseStatus.NEW.value,
        "expected": change.from_status.value, "status": change.to_status.value,
    })


def _ring_row(ring: Ring) -> Record:
    return {"key": ring.ring_id, "props": {
        "score": float(ring.score), "level": ring.level, "claim_count": len(ring.claim_ids),
        "first_request_date": ring.first_request_date, "last_request_date": ring.last_request_date,
        "evidence_codes": [e.code for e in ring.evidence],
        "evidence_en": [e.en for e in ring.evidence],
        "evidence_zh": [e.zh for e in ring.evidence],
        "identifiers": [f"{i.type}:{i.value}" for i in ring.identifiers],
        "export": orjson.dumps(ring.to_export()).decode(),
    }}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
