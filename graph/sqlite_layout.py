"""How the embedded store lays the graph out in SQLite: a table per node label and per
relationship triple, a column per property, and each table once more as Arrow columns.

* ``node_<label>`` (primary key ``key``) and ``edge_<source>_<type>_<target>`` (primary key
  ``src, dst``, an index on ``dst``) are ``WITHOUT ROWID`` tables with one column per
  property, added when a load first brings the property. Columns have no type affinity, so a
  value comes back as it was stored; booleans are stored as 1/0 and their columns listed in
  ``properties``. A look-up by key, or by either end of a relationship, is an index look-up.
* ``frames`` holds each table's rows in the frame form of :mod:`graph.frames` (what
  ``nodes_frame`` and ``edges_frame`` return) as zstd-compressed Arrow IPC streams of at most
  :data:`FRAME_PART_ROWS` rows, rewritten by each load that touches the table, in the load's
  transaction. Reading a whole table is then a blob read and an Arrow decode: no value passes
  through Python one by one, and text stays in Arrow memory (pandas' ``str`` columns).

Table and column names are built only from the graph model and from property names that
pass :func:`check_property_name`; every value is a parameter.

>>> node_table(Label.BANK_ACCOUNT), edge_table((Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE))
('node_bank_account', 'edge_customer_changed_to_phone')
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import StoreError
from graph.frames import empty_frame, property_frame
from graph.model import SCHEMA, Label, Rel

__all__ = [
    "FRAME_PART_ROWS",
    "MAX_PARTS",
    "TABLES",
    "Catalog",
    "Table",
    "append_frame",
    "check_property_name",
    "create_schema",
    "edge_table",
    "last_key",
    "node_table",
    "read_frame",
    "target_index",
    "write_frame",
]

FRAME_PART_ROWS = 1_000_000
"""Rows per Arrow part of a table's frame (a part stays far below SQLite's blob limit)."""

# zstd: a fifth of the bytes to write and read back, decoded faster than they would be read.
_COMPRESSED = pa.ipc.IpcWriteOptions(compression="zstd")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def node_table(label: Label) -> str:
    """The table of one node label."""
    return f"node_{label.name.lower()}"


def edge_table(triple: tuple[Label, Rel, Label]) -> str:
    """The table of one (source label, relationship type, target label) triple."""
    src, rel, dst = triple
    return f"edge_{src.name.lower()}_{rel.name.lower()}_{dst.name.lower()}"


@dataclass(frozen=True)
class Table:
    """One graph table: its name, key columns, and the label or triple it holds."""

    name: str
    keys: tuple[str, ...]
    label: Label | None = None
    triple: tuple[Label, Rel, Label] | None = None


TABLES: dict[str, Table] = {
    **{node_table(label): Table(node_table(label), ("key",), label=label) for label in Label},
    **{edge_table(t): Table(edge_table(t), ("src", "dst"), triple=t) for t in SCHEMA},
}


def target_index(table: str) -> str:
    """DDL of an edge table's index on its target (dropped during a bulk load, built after)."""
    return f"CREATE INDEX IF NOT EXISTS {table}_by_dst ON {table} (dst)"


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the graph tables, the property list and the frames table (if missing)."""
    statements = [
        "CREATE TABLE IF NOT EXISTS properties (seq INTEGER PRIMARY KEY, tab TEXT NOT NULL, "
        "name TEXT NOT NULL, boolean INTEGER NOT NULL, UNIQUE (tab, name))",
        # A rowid table: large rows in a WITHOUT ROWID table make every look-up slow.
        "CREATE TABLE IF NOT EXISTS frames (tab TEXT NOT NULL, part INTEGER NOT NULL, "
        "data BLOB NOT NULL, UNIQUE (tab, part))",
    ]
    for table in TABLES.values():
        keys = ", ".join(f"{k} TEXT NOT NULL" for k in table.keys)
        statements.append(f"CREATE TABLE IF NOT EXISTS {table.name} ({keys}, "
                          f"PRIMARY KEY ({', '.join(table.keys)})) WITHOUT ROWID")
        if table.triple is not None:
            statements.append(target_index(table.name))
    for statement in statements:
        conn.execute(statement)


def check_property_name(name: object, table: Table) -> str:
    """A property name usable as a column: lower-case letters, digits and ``_``, starting with a
    letter, and not a key column. Raises :class:`StoreError` otherwise.

    >>> check_property_name("Raw", TABLES["node_phone"])
    Traceback (most recent call last):
    ...
    graph.errors.StoreError: property name 'Raw' of node_phone: use lower-case letters, digits and _
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in table.keys:
        raise StoreError(f"property name {name!r} of {table.name}: use lower-case letters, "
                         "digits and _")
    return name


@dataclass
class Catalog:
    """The property columns of every graph table, in column order, and which hold booleans."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    booleans: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> Catalog:
        catalog = cls({name: [] for name in TABLES}, {name: set() for name in TABLES})
        for tab, name, boolean in conn.execute(
                "SELECT tab, name, boolean FROM properties ORDER BY seq"):
            catalog.columns[tab].append(name)
            if boolean:
                catalog.booleans[tab].add(name)
        return catalog

    def add(self, conn: sqlite3.Connection, table: Table, name: str, boolean: bool) -> None:
        """Make sure ``table`` has a column for property ``name``; raises :class:`StoreError`
        when the column exists and holds booleans while the new values do not, or the other
        way round (inside the caller's transaction, so a refused load leaves no column)."""
        if name in self.columns[table.name]:
            if boolean != (name in self.booleans[table.name]):
                held = "booleans" if not boolean else "other values"
                raise StoreError(f"property {name!r} of {table.name} holds {held}; "
                                 "a property keeps one kind of value")
            return
        conn.execute(f'ALTER TABLE {table.name} ADD COLUMN "{name}"')
        conn.execute("INSERT INTO properties (tab, name, boolean) VALUES (?, ?, ?)",
                     (table.name, name, int(boolean)))
        self.columns[table.name].append(name)
        if boolean:
            self.booleans[table.name].add(name)

    def props(self, table: str, values: tuple[object, ...]) -> dict[str, object]:
        """The properties a row has (``values`` in column order), booleans as booleans."""
        booleans = self.booleans[table]
        return {name: bool(v) if name in booleans else v
                for name, v in zip(self.columns[table], values, strict=False) if v is not None}

    def rows_frame(self, conn: sqlite3.Connection, table: Table) -> pd.DataFrame:
        """``table`` read row by row, in key order, in the frame form (the slow path: used to
        rebuild a table's frame after a load that changed rows it already had)."""
        names = self.columns[table.name]
        columns = [*table.keys, *(f'"{n}"' for n in names)]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table.name} "  # noqa: S608
                            f"ORDER BY {', '.join(table.keys)}").fetchall()
        return self._frame_of_rows(table, rows)

    def merged_frame(self, conn: sqlite3.Connection, table: Table, keys: pd.DataFrame) -> pd.DataFrame:
        """What :meth:`rows_frame` gives after a load wrote (or deleted) the rows of ``keys`` (key
        columns), read as the stored frame from before the load with those rows read again from
        the table (a deleted row is no longer there).

        A load of a few rows into a large table (a daily export) reads back only those rows
        instead of every row one by one.
        """
        key_names = list(table.keys)
        names = self.columns[table.name]
        conn.execute(f"CREATE TEMP TABLE loaded_keys ({', '.join(key_names)})")
        try:
            conn.executemany(f"INSERT INTO loaded_keys VALUES ({', '.join('?' * len(key_names))})",  # noqa: S608
                             keys[key_names].itertuples(index=False, name=None))
            on = " AND ".join(f"t.{k} = l.{k}" for k in key_names)
            columns = [*(f"t.{k}" for k in key_names), *(f't."{n}"' for n in names)]
            rows = conn.execute(f"SELECT DISTINCT {', '.join(columns)} FROM {table.name} t "  # noqa: S608
                                f"JOIN loaded_keys l ON {on}").fetchall()
        finally:
            conn.execute("DROP TABLE temp.loaded_keys")
        changed = self._frame_of_rows(table, rows)
        before = read_frame(conn, table)
        before = before[~_joined_keys(before, key_names).isin(_joined_keys(keys, key_names))]
        merged = pd.concat([before, changed], ignore_index=True)
        order = pc.sort_indices(pa.array(_joined_keys(merged, key_names), type=pa.large_string()))
        merged = merged.take(order.to_numpy()).reset_index(drop=True)
        for name in self.booleans[table.name]:
            if name in merged:
                merged[name] = merged[name].astype("boolean")
        return property_frame(merged[[*key_names, *(n for n in names if n in merged)]], key_names)

    def rows_after(self, conn: sqlite3.Connection, table: Table, last: tuple[str, ...]) -> pd.DataFrame:
        """The rows of ``table`` whose key sorts after ``last``, in key order, in the frame form."""
        names = self.columns[table.name]
        columns = [*table.keys, *(f'"{n}"' for n in names)]
        keys = ", ".join(table.keys)
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table.name} "  # noqa: S608
                            f"WHERE ({keys}) > ({', '.join('?' * len(last))}) ORDER BY {keys}",
                            last).fetchall()
        return self._frame_of_rows(table, rows)

    def _frame_of_rows(self, table: Table, rows: list[tuple[object, ...]]) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(rows, columns=[*table.keys, *self.columns[table.name]])
        for name in self.booleans[table.name]:
            frame[name] = frame[name].astype("float64").astype("boolean")
        return property_frame(frame, list(table.keys))


def _joined_keys(frame: pd.DataFrame, key_names: list[str]) -> pd.Series:
    """One text per row that sorts as the row's key columns do (keys never hold NUL)."""
    joined = frame[key_names[0]].astype(str)
    for name in key_names[1:]:
        joined = joined + "\x00" + frame[name].astype(str)
    return joined


def write_frame(conn: sqlite3.Connection, table: Table, frame: pd.DataFrame) -> None:
    """Replace ``table``'s stored frame with ``frame`` (already in the frame form)."""
    conn.execute("DELETE FROM frames WHERE tab = ?", (table.name,))
    if frame.empty:
        return
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    for part, start in enumerate(range(0, len(frame), FRAME_PART_ROWS)):
        sink = pa.BufferOutputStream()
        chunk = arrow.slice(start, FRAME_PART_ROWS)
        with pa.ipc.new_stream(sink, chunk.schema, options=_COMPRESSED) as writer:
            writer.write_table(chunk)
        conn.execute("INSERT INTO frames (tab, part, data) VALUES (?, ?, ?)",
                     (table.name, part, memoryview(sink.getvalue())))


MAX_PARTS = 32
"""Parts a table's frame may have before a load writes it again as one (see :func:`append_frame`)."""


def last_key(conn: sqlite3.Connection, table: Table) -> tuple[str, ...] | None:
    """The largest key of ``table`` (``None`` when it is empty): an index look-up."""
    keys = ", ".join(f"{k} DESC" for k in table.keys)
    row = conn.execute(f"SELECT {', '.join(table.keys)} FROM {table.name} "  # noqa: S608
                       f"ORDER BY {keys} LIMIT 1").fetchone()
    return tuple(row) if row else None


def append_frame(conn: sqlite3.Connection, table: Table, frame: pd.DataFrame) -> bool:
    """Add ``frame`` (rows in the frame form whose keys all sort after every stored row) to
    ``table``'s stored frame as one more part, in the stored parts' columns and types.

    Returns ``False``, writing nothing, when that cannot give what :func:`write_frame` of the
    whole table would: ``frame`` brings a property the stored frame lacks, a value that does not
    convert to the stored column's type, or the frame has :data:`MAX_PARTS` parts already.
    """
    parts = conn.execute("SELECT count(*), max(part) FROM frames WHERE tab = ?", (table.name,)).fetchone()
    if not parts[0] or parts[0] >= MAX_PARTS:
        return False
    (first,) = conn.execute("SELECT data FROM frames WHERE tab = ? ORDER BY part LIMIT 1",
                            (table.name,)).fetchone()
    schema = pa.ipc.open_stream(pa.py_buffer(first)).schema
    if not set(frame.columns) <= set(schema.names):
        return False
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    try:
        columns = [arrow[name].cast(field.type) if name in arrow.column_names
                   else pa.nulls(len(arrow), field.type) for name, field in zip(schema.names, schema, strict=True)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema, options=_COMPRESSED) as writer:
        writer.write_table(pa.Table.from_arrays(columns, schema=schema))
    conn.execute("INSERT INTO frames (tab, part, data) VALUES (?, ?, ?)",
                 (table.name, parts[1] + 1, memoryview(sink.getvalue())))
    return True


def read_frame(conn: sqlite3.Connection, table: Table) -> pd.DataFrame:
    """``table``'s rows in the frame form, from its stored Arrow parts."""
    blobs = conn.execute("SELECT data FROM frames WHERE tab = ? ORDER BY part",
                         (table.name,)).fetchall()
    if not blobs:
        return empty_frame(list(table.keys))
    arrow = pa.concat_tables([pa.ipc.open_stream(pa.py_buffer(b)).read_all() for (b,) in blobs])
    frame = arrow.to_pandas()
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if pa.types.is_boolean(column.type) and column.null_count:
            values = frame[name].to_numpy(dtype=object, copy=True)
            values[pd.isna(values)] = np.nan  # Arrow gives None where the frame form has NaN
            frame[name] = values
    return frame
