"""The embedded graph store: one SQLite file in WAL mode.

The graph is laid out as :mod:`graph.sqlite_layout` describes: a ``WITHOUT ROWID`` table per
node label and per relationship triple with a column per property, so a node, and the
neighbours of an identifier, are found by index look-ups in microseconds, and each table once
more as Arrow columns, so detection reads a whole label or relationship without a Python object
per row. A load is one transaction: readers (the API) keep seeing the previous state until it
commits, and a failed load leaves nothing.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.db"
>>> with SQLiteStore(path) as store:
...     store.counts().nodes["Claim"]
0
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import os
import re
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa

from graph.errors import StoreUnavailableError
from graph.frames import is_boolean_column, key_steps, property_frame
from graph.liveness import abandoned_because, this_process
from graph.model import (
    CLAIM_REACH,
    IDENTIFIER_LABELS,
    RECORD_IDS,
    REGISTRATIONS,
    SCHEMA,
    SINGLE_VALUED,
    ClearBatch,
    Edge,
    EdgeBatch,
    GraphBundle,
    Label,
    Node,
    NodeBatch,
    NodeRef,
    Rel,
    record_triples,
    rival_triples,
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
from graph.sqlite_kept import KEPT_READS_SCHEMA, kept_read, kept_table
from graph.sqlite_layout import (
    TABLES,
    Catalog,
    Table,
    append_frame,
    check_property_name,
    create_schema,
    edge_table,
    last_key,
    node_table,
    read_frame,
    target_index,
    write_frame,
)
from graph.store import GraphStore, ProgressCallback, Removed

__all__ = ["SQLiteStore", "new_store_file", "remove_abandoned_loads"]

_SCHEMA = """
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
_CHUNK = 50_000
# what family_registrations reads: customers' names and the registrations that tie households
_FAMILY_TABLES = (node_table(Label.CUSTOMER), edge_table((Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS)),
                  edge_table((Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE)))
_CATALOG_SECONDS = 1.0
_MMAP_BYTES = 1 << 34  # SQLite caps it at its compiled limit (2 GB by default)
_IN_CHUNK = 500  # keys bound in one IN (…) list, well under SQLite's variable limit


class SQLiteStore(GraphStore):
    """Graph store in a SQLite file; safe to share between threads (one connection each)."""

    name = "sqlite"
    _pragmas: tuple[str, ...] = (
        "journal_mode=WAL", "synchronous=NORMAL", "cache_size=-200000",
        # Reads map the file instead of copying pages into each process's cache: the server's
        # workers share one copy of the store in the OS page cache.
        f"mmap_size={_MMAP_BYTES}", "temp_store=MEMORY")

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
        self._catalog: tuple[int, Catalog] | None = None
        self._catalog_checked = 0.0
        self._adjacency: dict[tuple[int, Label, bool], _Adjacency] = {}
        _refuse_older_layout(self.path)
        self._conn().executescript(_SCHEMA + KEPT_READS_SCHEMA)
        with self._transaction() as conn:
            create_schema(conn)
        self._add_later_case_columns()

    # ---------------------------------------------------------------- connections
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=30, isolation_level=None, check_same_thread=False
                )
                for pragma in self._pragmas:
                    conn.execute(f"PRAGMA {pragma}")
            except sqlite3.Error as exc:
                raise StoreUnavailableError(f"cannot open SQLite store {self.path}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn(), self._write_lock)

    def _current_catalog(self) -> tuple[int, Catalog]:
        """The property columns and the schema version they are of. Loads through this store
        refresh them at once; a column another process adds is seen within
        :data:`_CATALOG_SECONDS` (asking SQLite on every look-up costs a tenth of one)."""
        cached, now = self._catalog, time.monotonic()
        if cached is not None and now - self._catalog_checked < _CATALOG_SECONDS:
            return cached
        version = self._conn().execute("PRAGMA schema_version").fetchone()[0]
        if cached is None or cached[0] != version:
            cached = self._catalog = (version, Catalog.read(self._conn()))
        self._catalog_checked = now
        return cached

    def _add_later_case_columns(self) -> None:
        """Bring the audit log of a store written before its later columns up to date."""
        have = {row[1] for row in self._conn().execute("PRAGMA table_info(case_changes)")}
        missing = [(n, t) for n, t in _LATER_CASE_COLUMNS.items() if n not in have]
        if missing:
            with self._transaction() as conn:
                for name, kind in missing:  # names and types from the constant above only
                    conn.execute(f"ALTER TABLE case_changes ADD COLUMN {name} {kind}")

    # ---------------------------------------------------------------- graph primitives
    def _write_bundle(self, bundle: GraphBundle, progress: ProgressCallback | None) -> Removed:
        total, done = bundle.node_count + bundle.edge_count, 0
        with self._transaction() as conn:
            catalog = Catalog.read(conn)
            loaded: dict[str, list[pd.DataFrame]] = {}
            dropped: dict[str, list[pd.DataFrame]] = {}
            was_empty: dict[str, bool] = {}
            before: dict[str, _Before] = {}
            counted = {"replaced": 0, "cleared": 0, "orphans": 0, "orphan_relationships": 0}

            def drop(found: dict[str, pd.DataFrame], kind: str) -> None:
                for name, keys in found.items():
                    dropped.setdefault(name, []).append(keys)
                    counted[kind if TABLES[name].label or kind != "orphans" else "orphan_relationships"] += len(keys)

            for clear in bundle.clears:
                drop(_drop_rivals(conn, clear.triple, pd.Series(clear.keys, dtype=object)), "cleared")
                for name, keys in _empty_properties(conn, catalog, clear).items():
                    dropped.setdefault(name, []).append(keys)  # rows to read again, not counted
            for batch in bundle:
                table = TABLES[_table_name(batch)]
                if isinstance(batch, EdgeBatch):
                    triple = (batch.src_label, batch.rel, batch.dst_label)
                    if triple in SINGLE_VALUED and not batch.frame.empty:
                        end = SINGLE_VALUED[triple]
                        drop(_drop_rivals(conn, triple, batch.frame[end],
                                          batch.frame["dst" if end == "src" else "src"]), "replaced")
                    drop(_drop_same_record(conn, catalog, batch), "replaced")
                if table.name not in was_empty:
                    last = last_key(conn, table)
                    empty = last is None
                    was_empty[table.name] = empty
                    if last is not None:
                        before[table.name] = _Before(_count(conn, table), last)
                    if empty and table.triple is not None:
                        # Into an empty table, building the target index once at the end beats
                        # updating it row by row; the transaction still keeps the load atomic.
                        conn.execute(f"DROP INDEX IF EXISTS {table.name}_by_dst")
                frame = _stored_columns(batch.frame, table)
                for name in frame.columns[len(table.keys):]:
                    catalog.add(conn, table, name, is_boolean_column(frame[name]))
                sql = _upsert_sql(table, list(frame.columns[len(table.keys):]))
                changes = conn.total_changes
                for rows in _rows(frame):
                    conn.executemany(sql, rows)
                    done += len(rows)
                    if progress:
                        progress("load", done, total)
                if table.name in before:
                    before[table.name].changes += conn.total_changes - changes
                loaded.setdefault(table.name, []).append(frame)
            if dropped:
                drop(_drop_orphans(conn, dropped), "orphans")
            for name in {**loaded, **dropped}:
                table = TABLES[name]
                frames = loaded.get(name, [])
                empty = was_empty.get(name, False)
                if (empty and name not in dropped and len(frames) == 1
                        and _sorted_unique(frames[0][list(table.keys)])):
                    write_frame(conn, table, property_frame(frames[0], list(table.keys)))
                elif empty:
                    write_frame(conn, table, catalog.rows_frame(conn, table))
                elif name in dropped or not _frame_extended(conn, catalog, table, before[name]):
                    keys = pd.concat([f[list(table.keys)] for f in [*frames, *dropped.get(name, [])]],
                                     ignore_index=True)
                    write_frame(conn, table, catalog.merged_frame(conn, table, keys))
                if empty and table.triple is not None:
                    conn.execute(target_index(name))
            last = conn.execute(
                "SELECT fingerprint FROM loads ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if bundle.fingerprint and (last is None or last[0] != bundle.fingerprint):
                conn.execute(
                    "INSERT INTO loads (fingerprint, nodes, relationships) VALUES (?, ?, ?)",
                    (bundle.fingerprint, bundle.node_count, bundle.edge_count),
                )
        self._catalog = None
        return Removed(**counted)

    def _counts(self) -> tuple[dict[str, int], dict[str, int]]:
        # One statement: every count from the same snapshot, even while a load commits.
        rows = self._conn().execute(" UNION ALL ".join(
            f"SELECT '{name}', count(*) FROM {name}" for name in TABLES)).fetchall()  # noqa: S608
        nodes: dict[str, int] = {}
        rels: dict[str, int] = {}
        for name, count in rows:
            table = TABLES[name]
            if table.label is not None:
                nodes[table.label.value] = count
            elif table.triple is not None:
                rel = table.triple[1].value
                rels[rel] = rels.get(rel, 0) + count
        return nodes, rels

    def _get_nodes(self, refs: list[NodeRef]) -> list[Node]:
        _, catalog = self._current_catalog()
        found: dict[NodeRef, Node] = {}
        for label, keys in _keys_by_label(refs):
            name = node_table(label)
            columns = "".join(f', "{c}"' for c in catalog.columns[name])
            for key, *values in self._rows_in(
                f"SELECT key{columns} FROM {name} WHERE key IN", (), keys  # noqa: S608
            ):
                found[NodeRef(label, key)] = Node(label, key, catalog.props(name, tuple(values)))
        return [found[ref] for ref in refs if ref in found]

    def _adjacent(self, refs: list[NodeRef], limit: int) -> list[Edge]:
        version, catalog = self._current_catalog()
        conn, out = self._conn(), list[Edge]()
        for ref in refs:
            for outgoing in (True, False):
                found = self._adjacency.get((version, ref.label, outgoing))
                if found is None:
                    found = _Adjacency.build(catalog, ref.label, outgoing)
                    self._adjacency[(version, ref.label, outgoing)] = found
                if found.sql:
                    out.extend(found.edges(conn.execute(found.sql, (ref.key, limit)).fetchall()))
        return out

    def _customers_on(self, ref: NodeRef, rel: Rel, limit: int | None) -> list[tuple[str, str | None]]:
        _, catalog = self._current_catalog()
        # The relationship table's target index holds (dst, src): the customers come in key order.
        sql = (f"SELECT e.src, {_customer_name(catalog)} FROM {edge_table((Label.CUSTOMER, rel, ref.label))} "  # noqa: S608
               f"AS e LEFT JOIN {node_table(Label.CUSTOMER)} AS c ON c.key = e.src "
               "WHERE e.dst = ? ORDER BY e.src LIMIT ?")
        return self._conn().execute(sql, (ref.key, -1 if limit is None else limit)).fetchall()

    def _nodes_frame(self, label: Label) -> pd.DataFrame:
        return read_frame(self._conn(), TABLES[node_table(label)])

    def _edges_frame(self, src: Label, rel: Rel, dst: Label) -> pd.DataFrame:
        return read_frame(self._conn(), TABLES[edge_table((src, rel, dst))])

    def _edges_by_key(self, triple: tuple[Label, Rel, Label], keys: list[str],
                      at_source: bool) -> list[dict[str, Any]]:
        _, catalog = self._current_catalog()
        name = edge_table(triple)
        columns = "".join(f', "{c}"' for c in catalog.columns[name])
        end = "src" if at_source else "dst"
        rows = self._rows_in(f"SELECT src, dst{columns} FROM {name} WHERE {end} IN", (), keys)  # noqa: S608
        if not columns:  # a relationship without properties (a claim's filer, a policy's holder)
            return [{"src": src, "dst": dst} for src, dst in rows]
        return [{"src": src, "dst": dst, **catalog.props(name, tuple(values))} for src, dst, *values in rows]

    def _claim_identifier_holders(self) -> pd.DataFrame:
        _, catalog = self._current_catalog()
        parts, params = [], []
        for triple in REGISTRATIONS:
            reached = " UNION ".join(_path_ends(path) for path in CLAIM_REACH if path[-1][2] is triple[2])
            parts.append(f"{_registrations_select(catalog, triple)} WHERE e.dst IN ({reached})")
            params.append(triple[2].value)
        return self._registrations(" UNION ALL ".join(parts), params)

    def _family_registrations(self, household_max: int) -> pd.DataFrame:
        # kept between runs: a daily export seldom changes who is registered where
        return kept_read(self._conn(), "family_registrations", _FAMILY_TABLES, f"household_max={household_max}",
                         lambda: self._family_registrations_query(household_max))

    def _kept_from_family(self, household_max: int, name: str, version: str,
                          derive: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
        return kept_table(self._conn(), name, _FAMILY_TABLES, f"household_max={household_max}\x00{version}",
                          lambda: derive(self.family_registrations(household_max)))

    def _family_registrations_query(self, household_max: int) -> pd.DataFrame:
        _, catalog = self._current_catalog()
        parts, params = [], []
        for triple, most in (((Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS), household_max),
                             ((Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE), None)):
            table = edge_table(triple)
            size = "BETWEEN 2 AND ?" if most is not None else ">= 2"
            # (src, dst) is the table's primary key: count(*) counts distinct customers
            parts.append(f"{_registrations_select(catalog, triple)} WHERE e.dst IN "  # noqa: S608
                         f"(SELECT dst FROM {table} GROUP BY dst HAVING count(*) {size})")
            params.extend([triple[2].value] + ([most] if most is not None else []))
        return self._registrations(" UNION ALL ".join(parts), params)

    def _registrations(self, sql: str, params: list[Any]) -> pd.DataFrame:
        rows = self._conn().execute(sql, params).fetchall()
        # object columns as read: inferring Arrow text here costs a conversion there and back
        return pd.DataFrame(rows, columns=["customer_id", "name", "label", "key"], dtype=object)

    def _data_fingerprint(self) -> str:
        rows = self._conn().execute("SELECT fingerprint FROM loads ORDER BY seq").fetchall()
        return (
            hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()[:16] if rows else ""
        )

    # ---------------------------------------------------------------- result primitives
    def _save_run(self, run: RunRecord) -> None:
        with self._transaction() as conn:
            _put_run(conn, run)

    def _start_run_alone(self, run: RunRecord) -> str | None:
        # BEGIN IMMEDIATE holds the write lock from the check to the write
        with self._transaction() as conn:
            running = conn.execute(
                "SELECT run_id FROM runs WHERE status = 'running' ORDER BY started_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if running is not None:
                return str(running[0])
            _put_run(conn, run)
        return None

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

    def _identifier_profiles(self, refs: list[NodeRef] | None) -> list[IdentifierProfile]:
        if refs is None:
            rows = self._conn().execute("SELECT data FROM identifier_profiles").fetchall()
        else:
            rows = [row for label, keys in _keys_by_label(refs) for row in self._rows_in(
                "SELECT data FROM identifier_profiles WHERE label = ? AND key IN", (label.value,), keys)]
        out = []
        for (data,) in rows:
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


class _UnpublishedStore(SQLiteStore):
    """A store in a file only :func:`new_store_file` knows of: the load that fills it keeps
    no rollback journal and waits for no disk sync (a failed load deletes the file instead of
    rolling it back), so each page is written once, not to the write-ahead log and then again
    into the file."""

    _pragmas = ("journal_mode=OFF", "synchronous=OFF", "cache_size=-200000",
                "temp_store=MEMORY")


@contextmanager
def new_store_file(path: Path | str) -> Iterator[SQLiteStore]:
    """A new embedded store that appears at ``path`` only when the block ends without an error.

    The store is written into a temporary file beside ``path`` (``.NAME.PID.START.HOST.*.loading``:
    the writing process, its start time in milliseconds and a tag of its host, so that
    :func:`remove_abandoned_loads` can tell a killed load's file) in the fastest way SQLite offers (see :class:`_UnpublishedStore`; relationship tables get their
    target index after their rows, as any load into empty tables does). At the end the file is
    synced to disk, switched to WAL mode and linked at ``path``; on an error it is deleted with
    the folders created for it, so a refused load leaves nothing behind. Raises
    :class:`~graph.errors.StoreUnavailableError` when ``path`` exists, or someone created it
    while the store was written (never replaced).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "new" / "g.db"
    >>> with new_store_file(path) as store:
    ...     path.exists()
    False
    >>> path.exists(), SQLiteStore(path).counts().nodes["Claim"]
    (True, 0)
    """
    path = Path(path)
    if path.exists():
        raise StoreUnavailableError(f"{path} exists already; a new store needs a new file")
    created = [folder for folder in path.parents if not folder.exists()]
    me = this_process()
    unpublished = path.with_name(f".{path.name}.{me['pid']}.{round(me['started'] * 1000)}."
                                 f"{_host_tag()}.{secrets.token_hex(4)}.loading")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not mkstemp: its files are private (0600) whatever the umask, as a store must not be.
        os.close(os.open(unpublished, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as exc:
        raise StoreUnavailableError(f"cannot create a store file beside {path}: {exc}") from exc
    try:
        store = _UnpublishedStore(unpublished)
        try:
            yield store
        finally:
            store.close()
        _publish(unpublished, path)
    except BaseException:
        unpublished.unlink(missing_ok=True)
        for folder in created:  # deepest first
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
        raise


_LOADING = re.compile(r"(?P<pid>\d+)\.(?P<started>\d+)\.(?P<host>[0-9a-f]{8})\.[0-9a-f]{8}\.loading")


def _host_tag() -> str:
    """Eight hex digits naming this host in a file name (its name may hold any character)."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def remove_abandoned_loads(path: Path | str) -> list[str]:
    """Delete the unfinished files :func:`new_store_file` left beside ``path`` when its process
    was killed (``kill -9``, a power cut): those whose process, named in the file name, has
    ended on this host (:func:`graph.liveness.abandoned_because`). A file of a process still
    running is left alone, silently; one it cannot tell about (written on another host, or by
    a version that did not name its process) is left, and said so.

    Returns one line per file removed or left with a reason, for the user.
    """
    path = Path(path)
    lines: list[str] = []
    prefix = f".{path.name}."
    for leftover in sorted(path.parent.glob(glob.escape(prefix) + "*.loading")):
        found = _LOADING.fullmatch(leftover.name[len(prefix):])
        if found is None or found["host"] != _host_tag():
            lines.append(f"left {leftover}: an unfinished store file whose writer cannot be told "
                         "(another host, or an older version); delete it if no ingest is writing it")
            continue
        owner = {"host": socket.gethostname(), "pid": int(found["pid"]),
                 "started": int(found["started"]) / 1000}
        if abandoned_because(owner, None, datetime.now(UTC)) is None:
            continue  # its ingest is still running
        try:
            for stale in (leftover, *(leftover.with_name(leftover.name + end) for end in ("-wal", "-shm"))):
                stale.unlink(missing_ok=True)
        except OSError as exc:
            lines.append(f"left {leftover}, left by an ingest that ended: cannot delete it: {exc}")
            continue
        lines.append(f"removed {leftover}: an unfinished store file left by an ingest (pid "
                     f"{found['pid']}) that ended before it finished")
    return lines


def _publish(unpublished: Path, path: Path) -> None:
    """Sync ``unpublished``, put it in WAL mode and link it at ``path`` (never over a file)."""
    with closing(sqlite3.connect(unpublished, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    _fsync(unpublished)
    try:
        os.link(unpublished, path)
    except FileExistsError:
        raise StoreUnavailableError(f"{path} was created by someone else while this store was "
                                    "written; it was left as it is") from None
    unpublished.unlink()
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


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
        "ring_last_request": p.ring_last_request,
        "ring_first_taken": p.ring_first_taken,
    }


def _registrations_select(catalog: Catalog, triple: tuple[Label, Rel, Label]) -> str:
    """``SELECT`` customer, name, label (the one ``?`` parameter) and identifier of one
    registration table ``e``; the caller adds the ``WHERE``."""
    return (f"SELECT e.src, {_customer_name(catalog)}, ?, e.dst FROM {edge_table(triple)} AS e "  # noqa: S608
            f"LEFT JOIN {node_table(Label.CUSTOMER)} AS c ON c.key = e.src")


def _customer_name(catalog: Catalog) -> str:
    """The customer's name joined as ``c`` (``NULL`` in a store whose customers have none)."""
    return 'c."name"' if "name" in catalog.columns[node_table(Label.CUSTOMER)] else "NULL"


def _path_ends(path: tuple[tuple[Label, Rel, Label], ...]) -> str:
    """``SELECT`` the keys at the end of a path of relationships (each step starts where the
    last one ended)."""
    joins = "".join(f" JOIN {edge_table(step)} AS s{i} ON s{i}.src = s{i - 1}.dst"
                    for i, step in enumerate(path[1:], start=1))
    return f"SELECT s{len(path) - 1}.dst FROM {edge_table(path[0])} AS s0{joins}"  # noqa: S608


def _keys_by_label(refs: list[NodeRef]) -> list[tuple[Label, list[str]]]:
    grouped: dict[Label, list[str]] = {}
    for ref in refs:
        grouped.setdefault(ref.label, []).append(ref.key)
    return list(grouped.items())


@dataclass(frozen=True)
class _Adjacency:
    """One statement finding a node's relationships in one direction over every table that
    can hold them (``UNION ALL``, property columns padded to one width), and how to read its
    rows back into edges."""

    sql: str
    tables: tuple[tuple[Table, list[str], set[str]], ...]

    @classmethod
    def build(cls, catalog: Catalog, label: Label, outgoing: bool) -> _Adjacency:
        tables = tuple(
            (t, catalog.columns[t.name], catalog.booleans[t.name]) for t in TABLES.values()
            if t.triple is not None and t.triple[0 if outgoing else 2] is label)
        if not tables:
            return cls("", ())
        width = max(len(columns) for _, columns, _ in tables)
        side = "src" if outgoing else "dst"
        branches = [
            f"SELECT {i}, src, dst"  # noqa: S608  (names from the model and checked properties)
            + "".join(f', "{c}"' for c in columns) + ", NULL" * (width - len(columns))
            + f" FROM {t.name} WHERE {side} = ?1"
            for i, (t, columns, _) in enumerate(tables)
        ]
        return cls(" UNION ALL ".join(branches) + " LIMIT ?2", tables)

    def edges(self, rows: list[tuple[Any, ...]]) -> Iterator[Edge]:
        for i, src, dst, *values in rows:
            table, columns, booleans = self.tables[i]
            assert table.triple is not None
            s, rel, d = table.triple
            props = {c: bool(v) if c in booleans else v
                     for c, v in zip(columns, values, strict=False) if v is not None}
            yield Edge(NodeRef(s, src), rel, NodeRef(d, dst), props)


def _refuse_older_layout(path: Path) -> None:
    """Raise :class:`StoreUnavailableError` for a file holding the graph as JSON documents (the
    layout before :mod:`graph.sqlite_layout`), before anything is written to it."""
    if not path.exists():
        return
    try:
        with closing(sqlite3.connect(path)) as conn:
            older = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'nodes'").fetchone()
    except sqlite3.Error as exc:
        raise StoreUnavailableError(f"cannot open SQLite store {path}: {exc}") from exc
    if older:
        raise StoreUnavailableError(
            f"{path} holds a graph in an older layout (properties as JSON documents); ingest "
            "the book again into a new store file")


def _drop_rivals(conn: sqlite3.Connection, triple: tuple[Label, Rel, Label], records: pd.Series,
                 others: pd.Series | None = None) -> dict[str, pd.DataFrame]:
    """Delete the relationships of :func:`graph.model.rival_triples` of a single-valued
    ``triple`` at ``records`` (keys at the triple's record end), except, when ``others`` is
    given (the far end of each record's new relationship), the record's own new one: a newer
    value replaces the stored one, no value at all clears it. Returns the deleted rows' keys
    (``src``, ``dst``) by table (tables with none left out)."""
    # Into empty tables (a new store, a whole book's first load) there is nothing to replace.
    rivals = [t for t in rival_triples(triple) if last_key(conn, TABLES[edge_table(t)]) is not None]
    if not rivals or records.empty:
        return {}
    end = SINGLE_VALUED[triple]
    other = "dst" if end == "src" else "src"
    conn.execute("CREATE TEMP TABLE replacing (rec TEXT NOT NULL, tab TEXT NOT NULL, "
                 "other TEXT NOT NULL, PRIMARY KEY (rec, tab, other)) WITHOUT ROWID")
    try:
        # A record cleared has its key and no far end (an empty text is no node's key).
        conn.executemany("INSERT OR IGNORE INTO replacing VALUES (?, ?, ?)", zip(
            records.astype(str), itertools.repeat(edge_table(triple)),
            itertools.repeat("") if others is None else others.astype(str), strict=False))
        return _delete_rows(conn, [edge_table(rival) for rival in rivals], lambda name: (
            f"WHERE {end} IN (SELECT rec FROM temp.replacing) AND NOT EXISTS (SELECT 1 "  # noqa: S608
            f"FROM temp.replacing r WHERE r.rec = {name}.{end} AND r.tab = ? "
            f"AND r.other = {name}.{other})"))
    finally:
        conn.execute("DROP TABLE temp.replacing")


def _empty_properties(conn: sqlite3.Connection, catalog: Catalog, clear: ClearBatch) -> dict[str, pd.DataFrame]:
    """Set the record properties a clear empties (:attr:`graph.model.ClearBatch.properties`)
    to none on its records; returns the keys of the rows it changed by node table."""
    table = node_table(clear.record_label)
    names = [n for n in clear.properties if n in catalog.columns[table]]
    changed: list[str] = []
    for name in names:  # property names from the model's ingest contract, checked columns
        rows = conn.execute(f'SELECT key FROM {table} WHERE "{name}" IS NOT NULL AND key IN '  # noqa: S608
                            f"(SELECT value FROM json_each(?))", (orjson.dumps(list(clear.keys)).decode(),)).fetchall()
        if rows:
            conn.executemany(f'UPDATE {table} SET "{name}" = NULL WHERE key = ?', rows)  # noqa: S608
            changed += [r[0] for r in rows]
    return {table: pd.DataFrame({"key": sorted(set(changed))})} if changed else {}


def _drop_orphans(conn: sqlite3.Connection, dropped: dict[str, list[pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Delete the identifier nodes at either end of the ``dropped`` relationships (keys by
    edge table) that no record uses any more: a Person no request or watchlist entry names
    (with its ``HAS_PHONE`` relationships), then a Phone, BankAccount or Address without any
    relationship. Returns the deleted rows' keys by table (``key`` for nodes, ``src`` and
    ``dst`` for relationships)."""
    candidates: dict[Label, set[str]] = {label: set() for label in IDENTIFIER_LABELS}
    for name, parts in dropped.items():
        triple = TABLES[name].triple
        for end, label in () if triple is None else (("src", triple[0]), ("dst", triple[2])):
            if label in IDENTIFIER_LABELS:
                candidates[label].update(*(p[end].astype(str) for p in parts))
    found: dict[str, pd.DataFrame] = {}
    phones_table = edge_table((Label.PERSON, Rel.HAS_PHONE, Label.PHONE))
    for label in (Label.PERSON, Label.PHONE, Label.BANK_ACCOUNT, Label.ADDRESS):
        # A representative is used when something points at it; its own phones do not count.
        ends = [(edge_table(t), end) for t in SCHEMA for end, at in (("src", 0), ("dst", 2))
                if t[at] is label and (label is not Label.PERSON or end == "dst")]
        table = node_table(label)
        unused = [k for k in sorted(candidates[label])
                  if conn.execute(f"SELECT 1 FROM {table} WHERE key = ?", (k,)).fetchone()  # noqa: S608
                  and not any(conn.execute(f"SELECT 1 FROM {name} WHERE {end} = ? LIMIT 1", (k,))  # noqa: S608
                              .fetchone() for name, end in ends)]
        if not unused:
            continue
        if label is Label.PERSON:
            phones = [row for k in unused for row in conn.execute(
                f"SELECT src, dst FROM {phones_table} WHERE src = ?", (k,))]  # noqa: S608
            conn.executemany(f"DELETE FROM {phones_table} WHERE src = ?", ((k,) for k in unused))  # noqa: S608
            if phones:
                found[phones_table] = pd.DataFrame(phones, columns=["src", "dst"])
                candidates[Label.PHONE].update(d for _, d in phones)
        conn.executemany(f"DELETE FROM {table} WHERE key = ?", ((k,) for k in unused))  # noqa: S608
        found[table] = pd.DataFrame({"key": unused})
    return found


def _drop_same_record(conn: sqlite3.Connection, catalog: Catalog,
                      batch: EdgeBatch) -> dict[str, pd.DataFrame]:
    """Delete the relationships a batch of a record-holding type replaces
    (:data:`graph.model.RECORD_IDS`): those of :func:`graph.model.record_triples` holding a
    record id of the batch at another source or target. Returns the deleted rows' keys
    (``src``, ``dst``) by table (tables with none left out)."""
    id_name = RECORD_IDS.get(batch.rel)
    if id_name is None or id_name not in batch.frame.columns:
        return {}
    own = batch.frame[["src", "dst", id_name]].dropna(subset=[id_name])
    # Only tables that hold some record id can hold one of this batch's.
    tables = [edge_table(t) for t in record_triples(batch.rel)
              if id_name in catalog.columns[edge_table(t)]]
    if own.empty or not tables:
        return {}
    conn.execute("CREATE TEMP TABLE same_record (rec TEXT NOT NULL, tab TEXT NOT NULL, "
                 "src TEXT NOT NULL, dst TEXT NOT NULL, PRIMARY KEY (rec, tab, src, dst)) WITHOUT ROWID")
    try:
        conn.executemany("INSERT OR IGNORE INTO same_record VALUES (?, ?, ?, ?)", zip(
            own[id_name].astype(str), itertools.repeat(edge_table((batch.src_label, batch.rel, batch.dst_label))),
            own["src"].astype(str), own["dst"].astype(str), strict=False))
        return _delete_rows(conn, tables, lambda name: (
            f'WHERE "{id_name}" IN (SELECT rec FROM temp.same_record) AND NOT EXISTS '  # noqa: S608
            f'(SELECT 1 FROM temp.same_record s WHERE s.rec = {name}."{id_name}" AND s.tab = ? '
            f"AND s.src = {name}.src AND s.dst = {name}.dst)"))
    finally:
        conn.execute("DROP TABLE temp.same_record")


def _delete_rows(conn: sqlite3.Connection, tables: list[str],
                 where: Callable[[str], str]) -> dict[str, pd.DataFrame]:
    """Delete from each edge table of ``tables`` the rows ``where(table)`` selects (a ``WHERE``
    clause whose one parameter is the table's name); returns the deleted rows' keys (``src``,
    ``dst``) by table (tables with none left out). Table names come from the graph model only."""
    found: dict[str, pd.DataFrame] = {}
    for name in tables:
        clause = where(name)
        rows = conn.execute(f"SELECT src, dst FROM {name} {clause}", (name,)).fetchall()  # noqa: S608
        if rows:
            conn.execute(f"DELETE FROM {name} {clause}", (name,))  # noqa: S608
            found[name] = pd.DataFrame(rows, columns=["src", "dst"])
    return found


def _table_name(batch: NodeBatch | EdgeBatch) -> str:
    if isinstance(batch, NodeBatch):
        return node_table(batch.label)
    return edge_table((batch.src_label, batch.rel, batch.dst_label))


def _stored_columns(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The key columns (as text) and the property columns that hold some value."""
    names = [check_property_name(c, table) for c in frame.columns if c not in table.keys]
    kept = [n for n in names if frame[n].notna().any()]
    out = pd.DataFrame({k: frame[k].astype("str") for k in table.keys})
    for name in kept:
        out[name] = frame[name].array
    return out


def _upsert_sql(table: Table, names: list[str]) -> str:
    """Insert rows; a row already there keeps its values where the new one has none. A row the
    new one does not change is not written (and not counted in ``total_changes``)."""
    columns = [*table.keys, *(f'"{n}"' for n in names)]
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608  (checked names)
           f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT ({', '.join(table.keys)}) ")
    if not names:
        return sql + "DO NOTHING"
    return (sql + "DO UPDATE SET " + ", ".join(f'"{n}" = coalesce(excluded."{n}", "{n}")' for n in names)
            + " WHERE " + " OR ".join(f'coalesce(excluded."{n}", "{n}") IS NOT "{n}"' for n in names))


@dataclass
class _Before:
    """A non-empty table before a load: its rows, its largest key, and the rows the load wrote."""

    rows: int
    last: tuple[str, ...]
    changes: int = 0


def _count(conn: sqlite3.Connection, table: Table) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0])  # noqa: S608


def _frame_extended(conn: sqlite3.Connection, catalog: Catalog, table: Table, before: _Before) -> bool:
    """Bring ``table``'s stored frame up to date after a load that changed no row it had and
    added rows only after its largest key (a daily export: new requests, repeated customers):
    nothing to write, or one more part. ``False`` when the load did something else."""
    added = _count(conn, table) - before.rows
    if before.changes != added:  # some row already there was changed
        return False
    if added == 0:
        return True
    after = catalog.rows_after(conn, table, before.last)
    return len(after) == added and append_frame(conn, table, after)


def _rows(frame: pd.DataFrame) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of Python scalars in chunks, every kind of missing value (NaN, NA) as ``None``."""
    table = pa.Table.from_pandas(frame, preserve_index=False)  # NaN and NA become nulls
    for start in range(0, len(frame), _CHUNK):
        columns = [c.to_pylist() for c in table.slice(start, _CHUNK).columns]
        yield list(zip(*columns, strict=True))


def _sorted_unique(keys: pd.DataFrame) -> bool:
    """Whether rows are in key order (the order the table reads them in) with no key twice."""
    return bool((key_steps(keys, list(keys.columns)) == 1).all())
