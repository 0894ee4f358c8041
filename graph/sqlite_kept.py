"""Reads the embedded store keeps: the answer of a costly query, stored beside the tables it
comes from and reused until one of them changes.

A daily export adds requests and letters but seldom touches customers' registrations, yet
detection asks for the registrations that tie customers into households every run (at a
million customers, 860 000 rows joined with their customers' names: most of a second's
query and pandas work for every run). :func:`kept_read` stores such an answer once, as
zstd-compressed Arrow columns in the ``kept_reads`` table, with the digest of what it was
computed from: every stored Arrow part of the tables it reads (:mod:`graph.sqlite_layout`
rewrites a table's parts in the same transaction as any change of its rows) and the query's
arguments. The digest and the answer are read in one snapshot of the store, so a kept answer
is reused only while those tables hold exactly what it was computed from: a load, a
replacement or a ``#CLEAR`` that changes a row changes the digest, and the query runs again.
:func:`kept_table` keeps, the same way, an Arrow table of any column types that a caller
derived from such tables (detection's households, :meth:`graph.store.GraphStore.kept_from_family`).

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:", isolation_level=None)
>>> conn.executescript(KEPT_READS_SCHEMA)  # doctest: +ELLIPSIS
<sqlite3.Cursor object at ...>
>>> conn.execute("CREATE TABLE frames (tab TEXT, part INTEGER, data BLOB)")  # doctest: +ELLIPSIS
<sqlite3.Cursor object at ...>
>>> calls = []
>>> def query() -> pd.DataFrame:
...     calls.append(1)
...     return pd.DataFrame({"customer_id": ["C1"], "name": [None]})
>>> for _ in range(2):
...     frame = kept_read(conn, "demo", ("node_customer",), "household_max=6", query)
>>> len(calls), frame["name"].tolist()
(1, [None])
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import pyarrow as pa

__all__ = ["KEPT_READS_SCHEMA", "kept_read", "kept_table"]

log = logging.getLogger(__name__)
_Value = TypeVar("_Value")

KEPT_READS_SCHEMA = """
CREATE TABLE IF NOT EXISTS kept_reads (
    name TEXT PRIMARY KEY, source TEXT NOT NULL, data BLOB NOT NULL);
"""
_COMPRESSED = pa.ipc.IpcWriteOptions(compression="zstd")


def kept_read(conn: sqlite3.Connection, name: str, tables: tuple[str, ...], arguments: str,
              query: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``query()``'s frame (text and missing values only: columns of ``str`` or ``None``), kept
    in the store as ``name`` and given back while ``tables`` (graph table names) hold what it
    was computed from and ``arguments`` (the query's arguments as text) are the same.

    The digest, the kept answer and, when there is none, the query are read in one read
    transaction of ``conn`` (autocommit outside it). A new answer is stored after; when another
    writer holds the store it is not stored (the next run computes it again), never waited for.
    """
    return _kept(conn, name, tables, arguments, query, _text_table, _text_frame)


def kept_table(conn: sqlite3.Connection, name: str, tables: tuple[str, ...], arguments: str,
               compute: Callable[[], pa.Table]) -> pa.Table:
    """As :func:`kept_read`, for an Arrow table of any column types, kept as it is.

    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:", isolation_level=None)
    >>> conn.executescript(KEPT_READS_SCHEMA + "CREATE TABLE frames (tab TEXT, part INTEGER, data BLOB);")  # doctest: +ELLIPSIS
    <sqlite3.Cursor object at ...>
    >>> calls = []
    >>> def compute() -> pa.Table:
    ...     calls.append(1)
    ...     return pa.table({"tied": pa.array([[1], []], pa.list_(pa.int32()))})
    >>> for _ in range(2):
    ...     table = kept_table(conn, "demo", ("node_customer",), "v1", compute)
    >>> len(calls), table["tied"].to_pylist()
    (1, [[1], []])
    """
    return _kept(conn, name, tables, arguments, compute, lambda table: table, lambda table: table)


def _kept(conn: sqlite3.Connection, name: str, tables: tuple[str, ...], arguments: str,
          compute: Callable[[], _Value], encode: Callable[[_Value], pa.Table | None],
          decode: Callable[[pa.Table], _Value]) -> _Value:
    begun = not conn.in_transaction
    if begun:
        conn.execute("BEGIN")
    try:
        source = _digest(conn, tables, arguments)
        found = conn.execute("SELECT data FROM kept_reads WHERE name = ? AND source = ?", (name, source)).fetchone()
        value = decode(pa.ipc.open_stream(pa.py_buffer(found[0])).read_all()) if found is not None else compute()
    finally:
        if begun:
            conn.execute("COMMIT")
    if found is None and begun:
        table = encode(value)
        if table is not None:
            _keep(conn, name, source, table)
    return value


def _digest(conn: sqlite3.Connection, tables: tuple[str, ...], arguments: str) -> str:
    digest = hashlib.blake2b(arguments.encode(), digest_size=16)
    for table in tables:
        digest.update(b"\x00" + table.encode() + b"\x00")
        for part, data in conn.execute("SELECT part, data FROM frames WHERE tab = ? ORDER BY part", (table,)):
            digest.update(f"{part}:{len(data)}:".encode())
            digest.update(data)
    return digest.hexdigest()


def _text_table(frame: pd.DataFrame) -> pa.Table | None:
    try:
        return pa.table({c: pa.array(frame[c], type=pa.string(), from_pandas=True) for c in frame.columns})
    except (pa.ArrowException, TypeError) as exc:  # a value that is not text: nothing to keep
        log.info("kept read not stored: %s", exc)
        return None


def _keep(conn: sqlite3.Connection, name: str, source: str, arrow: pa.Table) -> None:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema, options=_COMPRESSED) as writer:
        writer.write_table(arrow)
    patience = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        log.info("kept read %s not stored (the store is busy: %s)", name, exc)
        return
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(patience)}")
    try:
        conn.execute("INSERT OR REPLACE INTO kept_reads (name, source, data) VALUES (?, ?, ?)",
                     (name, source, memoryview(sink.getvalue())))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _text_frame(arrow: pa.Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(arrow[c].to_numpy(zero_copy_only=False), dtype=object)
                         for c in arrow.column_names})
