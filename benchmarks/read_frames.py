"""Reading the store back for detection: ``load_book`` and the frames it reads, at N customers.

    .venv/bin/python benchmarks/read_frames.py --customers 1000000

Uses the store ``benchmarks/ingest.py`` leaves in ``build/bench-ingest/`` (ingesting the
cached book first when it is missing). Times, in one process:

* every ``nodes_frame`` and ``edges_frame`` of the graph model (Arrow columns stored with the
  tables), and ``detectors.book.load_book`` (the frames plus what detection derives from them);
* the naive baseline: the same frames built as the store built them before it kept columns,
  one JSON document per row (made by SQLite's ``json_object``) parsed in Python and handed to
  ``pandas.DataFrame.from_records``; its frames are checked equal to the store's.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import time
from pathlib import Path

import orjson
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.book import load_book  # noqa: E402
from graph.model import SCHEMA, Label  # noqa: E402
from graph.sqlite_layout import TABLES, Catalog, Table, edge_table, node_table  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402

CACHE = ROOT / "build" / "bench-ingest"


def _store(customers: int, seed: int) -> Path:
    db = CACHE / f"store-{customers}.db"
    if not db.exists():
        from ingest import ingest_folder
        from ingest.synthetic import BookConfig, generate_book

        folder = CACHE / f"book-{customers}-seed{seed}"
        if not (folder / ".complete").exists():
            generate_book(folder, BookConfig(customers=customers, seed=seed))
            (folder / ".complete").write_text("\n")
        with SQLiteStore(db) as store:
            ingest_folder(folder, store)
    return db


def _json_frame(conn: sqlite3.Connection, catalog: Catalog, table: Table) -> pd.DataFrame:
    """The naive way: one JSON document per row, parsed in Python."""
    names = catalog.columns[table.name]
    pairs = ", ".join(
        f"'{n}', " + (f'json(CASE "{n}" WHEN 1 THEN \'true\' WHEN 0 THEN \'false\' END)'
                      if n in catalog.booleans[table.name] else f'"{n}"') for n in names)
    props = f"json_patch('{{}}', json_object({pairs}))" if names else "'{}'"
    keys = ", ".join(table.keys)
    rows = conn.execute(f"SELECT {keys}, {props} FROM {table.name} ORDER BY {keys}").fetchall()  # noqa: S608
    records = [{**dict(zip(table.keys, row[:-1], strict=True)), **orjson.loads(row[-1])}
               for row in rows]
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=list(table.keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    db = _store(args.customers, args.seed)
    names = [node_table(label) for label in Label] + [edge_table(t) for t in SCHEMA]
    with SQLiteStore(db) as store:
        start = time.perf_counter()
        ours = {name: (store.nodes_frame(TABLES[name].label) if TABLES[name].label is not None
                       else store.edges_frame(*TABLES[name].triple))  # type: ignore[misc]
                for name in names}
        frames = time.perf_counter() - start
        start = time.perf_counter()
        book = load_book(store)
        book_seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn = sqlite3.connect(db)
    catalog = Catalog.read(conn)
    start = time.perf_counter()
    naive = {name: _json_frame(conn, catalog, TABLES[name]) for name in names}
    naive_seconds = time.perf_counter() - start
    for name in names:
        pd.testing.assert_frame_equal(ours[name], naive[name], check_exact=True)
    rows = sum(len(f) for f in ours.values())
    print(f"{args.customers:,} customers: {rows:,} rows in {len(names)} frames, "
          f"{len(book.claims):,} claims")
    print(f"  all frames (Arrow columns)         {frames:7.1f} s")
    print(f"  all frames, naive (JSON per row)   {naive_seconds:7.1f} s   "
          f"(x{naive_seconds / frames:.0f} the columns; frames equal)")
    print(f"  load_book                          {book_seconds:7.1f} s   "
          f"(peak memory {peak:,.0f} MB before the naive baseline)")


if __name__ == "__main__":
    main()
