"""The embedded graph store: one SQLite file in WAL mode.

Nodes and relationships live in two ``WITHOUT ROWID`` tables keyed by (label, key) and by
(source, type, target), with a second index on the target side, so an identifier and its
neighbours are found by index look-ups in microseconds. A load is one transaction: readers
(the API) keep seeing the previous state until it commits, and a failed load leaves nothing.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.db"
>>> with SQLiteStore(path) as store:
...     store.counts().nodes["Claim"]
0
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from graph.errors import StoreUnavailableError
from graph.model import Edge, EdgeBatch, GraphBundle, Label, Node, NodeBatch, NodeRef, Rel
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
from graph.store import GraphStore, ProgressCallback

__all__ = ["SQLiteStore"]

# Labels and relationship types are stored as small integer codes (rows are a quarter smaller
# and loads a quarter faster than with the names); the codes are part of the file format.
_LABEL_CODES: dict[Label, int] = {
    Label.CLAIM: 1,
    Label.POLICY: 2,
    Label.CUSTOMER: 3,
    Label.AGENT: 4,
    Label.PHONE: 5,
    Label.BANK_ACCOUNT: 6,
    Label.ADDRESS: 7,
    Label.PERSON: 8,
    Label.COMPLAINT: 9,
    Label.INTERMEDIARY: 10,
}
_REL_CODES: dict[Rel, int] = {
    Rel.HOLDS: 1,
    Rel.SOLD: 2,
    Rel.FILED: 3,
    Rel.SURRENDERS: 4,
    Rel.CONTACT_PHONE: 5,
    Rel.PAID_TO: 6,
    Rel.REPRESENTED_BY: 7,
    Rel.HAS_PHONE: 8,
    Rel.LIVES_AT: 9,
    Rel.HAS_ACCOUNT: 10,
    Rel.CHANGED_TO: 11,
    Rel.COMPLAINED: 12,
    Rel.ABOUT: 13,
    Rel.MAILED_FROM: 14,
    Rel.LISTS: 15,
}
_LABELS = {code: label for label, code in _LABEL_CODES.items()}
_RELS = {code: rel for rel, code in _REL_CODES.items()}

_TARGET_INDEX = "CREATE INDEX IF NOT EXISTS edges_by_target ON edges (dst_key, dst_label, rel)"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS nodes (
    label INTEGER NOT NULL, key TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (label, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
    src_label INTEGER NOT NULL, src_key TEXT NOT NULL, rel INTEGER NOT NULL,
    dst_label INTEGER NOT NULL, dst_key TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (src_key, src_label, rel, dst_key, dst_label)) WITHOUT ROWID;
{_TARGET_INDEX};
CREATE TABLE IF NOT EXISTS loads (
    seq INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, loaded_at TEXT NOT NULL DEFAULT
    (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), nodes INTEGER NOT NULL, relationships INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, status TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rings (
    ring_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, score REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claim_risks (
    claim_id TEXT PRIMARY KEY, risk REAL NOT NULL, ring_id TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identifier_profiles (
    label TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (label, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS case_changes (
    seq INTEGER PRIMARY KEY, ring_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
    from_status TEXT NOT NULL, to_status TEXT NOT NULL, note TEXT NOT NULL, assignee TEXT,
    event TEXT NOT NULL DEFAULT 'decision', new_claims TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS case_changes_by_ring ON case_changes (ring_id, seq);
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY, principal TEXT NOT NULL, csrf TEXT NOT NULL, expires_at TEXT NOT NULL
    ) WITHOUT ROWID;
"""

# Columns case_changes gained after stores were first written; added to older files on open.
_LATER_CASE_COLUMNS = {
    "assignee": "TEXT",
    "event": "TEXT NOT NULL DEFAULT 'decision'",
    "new_claims": "TEXT NOT NULL DEFAULT '[]'",
}
_SELECT_CASE_CHANGES = (
    "SELECT ring_id, at, actor, from_status, to_status, note, assignee, event, new_claims "
    "FROM case_changes WHERE ring_id = ? ORDER BY seq"
)
_INSERT_CASE_CHANGE = (
    "INSERT INTO case_changes (ring_id, at, actor, from_status, to_status, note, assignee, "
    "event, new_claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

_NODE_UPSERT_TAIL = (
    "ON CONFLICT (label, key) DO UPDATE SET props = json_patch(nodes.props, excluded.props) "
    "WHERE json_patch(nodes.props, excluded.props) IS NOT nodes.props"
)
_EDGE_UPSERT_TAIL = (
    "ON CONFLICT (src_key, src_label, rel, dst_key, dst_label) "
    "DO UPDATE SET props = json_patch(edges.props, excluded.props) "
    "WHERE json_patch(edges.props, excluded.props) IS NOT edges.props"
)
_CHUNK = 50_000
_IN_CHUNK = 500  # keys bound in one IN (…) list, well under SQLite's variable limit


class SQLiteStore(GraphStore):
    """Graph store in a SQLite file; safe to share between threads (one connection each)."""

    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreUnavailableError(f"store path {self.path} is a directory, not a SQLite file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"cannot create the folder for {self.path}: {exc}") from exc
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._conn().executescript(_SCHEMA)
        self._add_later_case_columns()

    # ---------------------------------------------------------------- connections
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=30, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA cache_size=-200000")
                conn.execute("PRAGMA temp_store=MEMORY")
            except sqlite3.Error as exc:
                raise StoreUnavailableError(f"cannot open SQLite store {self.path}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn(), self._write_lock)

    def _add_later_case_columns(self) -> None:
        """Bring the audit log of a store written before its later columns up to date."""
        have = {row[1] for row in self._conn().execute("PRAGMA table_info(case_changes)")}
        missing = [(n, t) for n, t in _LATER_CASE_COLUMNS.items() if n not in have]
        if missing:
            with self._transaction() as conn:
                for name, kind in missing:  # names and types from the constant above only
                    conn.execute(f"ALTER TABLE case_changes ADD COLUMN {name} {kind}")

    # ---------------------------------------------------------------- graph primitives
    def _write_bundle(self, bundle: GraphBundle, progress: ProgressCallback | None) -> None:
        total, done = bundle.node_count + bundle.edge_count, 0
        with self._transaction() as conn:
            # Into an empty graph, building the target index once at the end beats updating it
            # row by row; the transaction still makes the whole load atomic.
            bulk = conn.execute("SELECT 1 FROM edges LIMIT 1").fetchone() is None
            if bulk:
                conn.execute("DROP INDEX IF EXISTS edges_by_target")
            for sql, rows in (chunk for batch in bundle for chunk in _batch_rows(batch)):
                conn.executemany(sql, rows)
                done += len(rows)
                if progress:
                    progress("load", done, total)
            if bulk:
                conn.execute(_TARGET_INDEX)
            last = conn.execute(
                "SELECT fingerprint FROM loads ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if bundle.fingerprint and (last is None or last[0] != bundle.fingerprint):
                conn.execute(
                    "INSERT INTO loads (fingerprint, nodes, relationships) VALUES (?, ?, ?)",
                    (bundle.fingerprint, bundle.node_count, bundle.edge_count),
                )

    def _counts(self) -> tuple[dict[str, int], dict[str, int]]:
        conn = self._conn()
        conn.execute("BEGIN")  # both counts from one snapshot, even while a load commits
        try:
            nodes = conn.execute("SELECT label, count(*) FROM nodes GROUP BY label").fetchall()
            rels = conn.execute("SELECT rel, count(*) FROM edges GROUP BY rel").fetchall()
        finally:
            conn.execute("COMMIT")
        return ({_LABELS[c].value: n for c, n in nodes}, {_RELS[c].value: n for c, n in rels})

    def _get_nodes(self, refs: list[NodeRef]) -> list[Node]:
        found: dict[NodeRef, Node] = {}
        for label, keys in _keys_by_label(refs):
            for key, props in self._rows_in(
                "SELECT key, props FROM nodes WHERE label = ? AND key IN", (_LABEL_CODES[label],), keys
            ):
                found[NodeRef(label, key)] = Node(label, key, orjson.loads(props))
        return [found[ref] for ref in refs if ref in found]

    def _adjacent(self, refs: list[NodeRef], limit: int) -> list[Edge]:
        conn, out = self._conn(), list[Edge]()
        for ref in refs:
            args = (ref.key, _LABEL_CODES[ref.label], limit)
            rows = (
                conn.execute(
                    "SELECT src_label, src_key, rel, dst_label, dst_key, props FROM edges "
                    "WHERE src_key = ? AND src_label = ? LIMIT ?",
                    args,
                ).fetchall()
                + conn.execute(
                    "SELECT src_label, src_key, rel, dst_label, dst_key, props FROM edges "
                    "WHERE dst_key = ? AND dst_label = ? LIMIT ?",
                    args,
                ).fetchall()
            )
            out.extend(
                Edge(NodeRef(_LABELS[sl], sk), _RELS[r], NodeRef(_LABELS[dl], dk), orjson.loads(p))
                for sl, sk, r, dl, dk, p in rows
            )
        return out

    def _nodes_frame(self, label: Label) -> pd.DataFrame:
        rows = (
            self._conn()
            .execute(
                "SELECT key, props FROM nodes WHERE label = ? ORDER BY key", (_LABEL_CODES[label],)
            )
            .fetchall()
        )
        return _frame(["key"], rows)

    def _edges_frame(self, src: Label, rel: Rel, dst: Label) -> pd.DataFrame:
        rows = (
            self._conn()
            .execute(
                "SELECT src_key, dst_key, props FROM edges WHERE src_label = ? AND rel = ? "
                "AND dst_label = ? ORDER BY src_key, dst_key",
                (_LABEL_CODES[src], _REL_CODES[rel], _LABEL_CODES[dst]),
            )
            .fetchall()
        )
        return _frame(["src", "dst"], rows)

    def _data_fingerprint(self) -> str:
        rows = self._conn().execute("SELECT fingerprint FROM loads ORDER BY seq").fetchall()
        return (
            hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()[:16] if rows else ""
        )

    # ---------------------------------------------------------------- result primitives
    def _save_run(self, run: RunRecord) -> None:
        with self._transaction() as conn:
            _put_run(conn, run)

    def _touch_run(self, run_id: str, at: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE runs SET record = json_set(CAST(record AS TEXT), '$.heartbeat_at', ?) "
                "WHERE run_id = ? AND status = 'running'",
                (at, run_id),
            )

    def _replace_results(self, result: DetectionResult, realerts: list[CaseChange]) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM rings")
            conn.execute("DELETE FROM claim_risks")
            conn.execute("DELETE FROM identifier_profiles")
            conn.executemany(
                "INSERT INTO rings (ring_id, run_id, score, data) VALUES (?, ?, ?, ?)",
                (
                    (r.ring_id, result.run.run_id, r.score, orjson.dumps(r.to_export()))
                    for r in result.rings
                ),
            )
            conn.executemany(
                "INSERT INTO claim_risks (claim_id, risk, ring_id) VALUES (?, ?, ?)",
                ((c.claim_id, c.risk, c.ring_id) for c in result.claim_risks),
            )
            conn.executemany(
                "INSERT INTO identifier_profiles (label, key, data) VALUES (?, ?, ?)",
                (
                    (p.label, p.key, orjson.dumps(_profile_dict(p)))
                    for p in result.identifier_profiles
                ),
            )
            _put_run(conn, result.run)
            for change in realerts:
                _append_if_current(conn, change)

    def _runs(self) -> list[RunRecord]:
        rows = (
            self._conn()
            .execute("SELECT record FROM runs ORDER BY started_at DESC, rowid DESC")
            .fetchall()
        )
        return [RunRecord(**orjson.loads(r[0])) for r in rows]

    def _rings(self, ring_ids: list[str] | None) -> list[Ring]:
        conn = self._conn()
        if ring_ids is None:
            rows = conn.execute("SELECT data FROM rings").fetchall()
        else:
            rows = [
                row
                for rid in ring_ids
                for row in conn.execute("SELECT data FROM rings WHERE ring_id = ?", (rid,))
            ]
        return [Ring.from_export(orjson.loads(r[0])) for r in rows]

    def _claim_risks(self, claim_ids: list[str]) -> list[ClaimRisk]:
        rows = self._rows_in("SELECT claim_id, risk, ring_id FROM claim_risks WHERE claim_id IN", (), claim_ids)
        return [ClaimRisk(*row) for row in rows]

    def _identifier_profiles(self, refs: list[NodeRef]) -> list[IdentifierProfile]:
        out = []
        for label, keys in _keys_by_label(refs):
            for (data,) in self._rows_in(
                "SELECT data FROM identifier_profiles WHERE label = ? AND key IN", (label.value,), keys
            ):
                fields = orjson.loads(data)
                fields["notes"] = tuple(fields.get("notes", ()))
                out.append(IdentifierProfile(**fields))
        return out

    def _rows_in(self, select: str, head: tuple[Any, ...], keys: list[str]) -> list[tuple[Any, ...]]:
        """``select`` ending in ``… IN`` run for ``keys`` in chunks: one query, not one per key."""
        conn, rows = self._conn(), []
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start:start + _IN_CHUNK]
            placeholders = ", ".join("?" * len(chunk))
            rows += conn.execute(f"{select} ({placeholders})", (*head, *chunk)).fetchall()
        return rows

    def _append_case_change(self, change: CaseChange) -> bool:
        with self._transaction() as conn:  # BEGIN IMMEDIATE: no other writer until COMMIT
            return _append_if_current(conn, change)

    def _case_changes(self, ring_id: str) -> list[CaseChange]:
        rows = self._conn().execute(_SELECT_CASE_CHANGES, (ring_id,)).fetchall()
        return [
            CaseChange(r, at, a, CaseStatus(f), CaseStatus(t), n, who, CaseEvent(e),
                       tuple(orjson.loads(claims)))
            for r, at, a, f, t, n, who, e, claims in rows
        ]

    def _case_log_length(self) -> int:
        row = self._conn().execute("SELECT count(*) FROM case_changes").fetchone()
        return int(row[0])

    def _put_session(self, session: Session) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sessions (key, principal, csrf, expires_at) VALUES (?, ?, ?, ?)",
                (session.key, session.principal, session.csrf, session.expires_at),
            )

    def _get_session(self, key: str) -> Session | None:
        row = self._conn().execute(
            "SELECT key, principal, csrf, expires_at FROM sessions WHERE key = ?", (key,)
        ).fetchone()
        return Session(*row) if row else None

    def _delete_session(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE key = ?", (key,))

    def _delete_sessions_ended_by(self, now: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))

    def _close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any error; one writer at a time."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self.conn, self.lock = conn, lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self.lock.release()
            raise StoreUnavailableError(f"the store is locked by another writer: {exc}") from exc
        return self.conn

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()


def _append_if_current(conn: sqlite3.Connection, change: CaseChange) -> bool:
    """Append ``change`` to its ring's audit log if the case is in ``change.from_status`` (no
    entry yet: ``new``), inside the caller's transaction; whether it was appended."""
    latest = conn.execute(
        "SELECT to_status FROM case_changes WHERE ring_id = ? ORDER BY seq DESC LIMIT 1",
        (change.ring_id,),
    ).fetchone()
    if (latest[0] if latest else CaseStatus.NEW.value) != change.from_status.value:
        return False
    conn.execute(
        _INSERT_CASE_CHANGE,
        (change.ring_id, change.at, change.actor, change.from_status.value,
         change.to_status.value, change.note, change.assignee, change.event.value,
         orjson.dumps(list(change.new_claims)).decode()),
    )
    return True


def _put_run(conn: sqlite3.Connection, run: RunRecord) -> None:
    conn.execute(
        "INSERT INTO runs (run_id, started_at, status, record) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, record = excluded.record",
        (run.run_id, run.started_at, run.status, orjson.dumps(run.to_dict())),
    )


def _profile_dict(p: IdentifierProfile) -> dict[str, Any]:
    return {
        "label": p.label,
        "key": p.key,
        "customers": p.customers,
        "unrelated_customers": p.unrelated_customers,
        "suspicion": p.suspicion,
        "ring_id": p.ring_id,
        "notes": list(p.notes),
    }


def _keys_by_label(refs: list[NodeRef]) -> list[tuple[Label, list[str]]]:
    grouped: dict[Label, list[str]] = {}
    for ref in refs:
        grouped.setdefault(ref.label, []).append(ref.key)
    return list(grouped.items())


def _props_sql(flags: list[bool]) -> str:
    """SQL building a JSON object from name/value parameter pairs, nulls dropped.

    Building the JSON inside SQLite (C) is several times faster than in Python; property
    names are parameters too, so no text from input files reaches the statement. A flag marks
    a boolean property, bound as the text ``true``/``false`` and turned into JSON by ``json()``
    (SQLite has no boolean type and would store 1/0).
    """
    if not flags:
        return "'{}'"
    pairs = ", ".join("?, json(?)" if flag else "?, ?" for flag in flags)
    return f"json_patch('{{}}', json_object({pairs}))"


def _batch_rows(batch: NodeBatch | EdgeBatch) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    names = batch.property_names
    flags = [_is_boolean(batch.frame[n]) for n in names]
    props = _props_sql(flags)
    if isinstance(batch, NodeBatch):
        # Only placeholders are interpolated: ``props`` is "?, ?" pairs built by _props_sql.
        sql = f"INSERT INTO nodes (label, key, props) VALUES (?, ?, {props}) {_NODE_UPSERT_TAIL}"  # noqa: S608
        head: tuple[Any, ...] = (_LABEL_CODES[batch.label],)
        key_columns = ["key"]
    else:
        columns = "src_label, src_key, rel, dst_label, dst_key, props"
        sql = f"INSERT INTO edges ({columns}) VALUES (?, ?, ?, ?, ?, {props}) {_EDGE_UPSERT_TAIL}"  # noqa: S608
        head = (_LABEL_CODES[batch.src_label], _REL_CODES[batch.rel], _LABEL_CODES[batch.dst_label])
        key_columns = ["src", "dst"]
    frame = batch.frame
    for start in range(0, len(frame), _CHUNK):
        part = frame.iloc[start : start + _CHUNK]
        keys = [part[c].astype(str).tolist() for c in key_columns]
        values = [_column_values(part[n], flag) for n, flag in zip(names, flags, strict=True)]
        pairs = [
            x
            for name, column in zip(names, values, strict=True)
            for x in ([name] * len(part), column)
        ]
        if len(keys) == 1:
            rows = [(head[0], k, *rest) for k, *rest in zip(keys[0], *pairs, strict=True)]
        else:
            rows = [
                (head[0], s, head[1], head[2], d, *rest)
                for s, d, *rest in zip(keys[0], keys[1], *pairs, strict=True)
            ]
        yield sql, rows


def _is_boolean(column: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(column.dtype) or (
        column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "boolean"
    )


def _column_values(column: pd.Series, boolean: bool = False) -> list[Any]:
    """Python scalars with every kind of missing value (NaN, NA, NaT) as ``None``."""
    values = column.astype(object).tolist()
    if boolean:
        return [None if v is None or v is pd.NA else ("true" if v else "false") for v in values]
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
            for v in values]


def _frame(key_columns: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    records = [
        {**dict(zip(key_columns, row[:-1], strict=True)), **orjson.loads(row[-1])} for row in rows
    ]
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=key_columns)
    return frame
