"""Ingest benchmark: synthetic books of N customers → a new SQLite file, timed per phase.

    .venv/bin/python -m benchmarks ingest --sizes 100000,1000000

Books are generated once and cached under ``build/bench-ingest/``. Each size is ingested as
``ringscope ingest`` does into a store file that does not exist yet (``new_store_file``), in a
child process so that its peak memory (``ru_maxrss``) is its own. Two baselines in the same
run:

* the floor: the book's CSV files parsed with pyarrow (every column as text) and their rows
  written once into a new SQLite file (one table per file, one transaction, no journal and no
  disk syncs, as a new store file is written), in a child process of its own; ingest ÷ floor
  is the price of validation, normalization, the graph and its indexes;
* naive normalization: the ``phonenumbers`` parser for every phone cell, one at a time (no
  fast path, no de-duplication), timed on a sample and extrapolated to the book's phone cells.

With two sizes or more it prints how time and peak memory grew from the smallest to the
largest against the growth in rows (linear growth: the same ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "build" / "bench-ingest"
PHONE_COLUMNS = {"agents": ["phone"], "customers": ["phone"],
                 "surrenders": ["contact_phone", "representative_phone"],
                 "complaints": ["contact_phone"]}
BASELINE_SAMPLE = 50_000


def ensure_book(customers: int, seed: int) -> Path:
    from ingest.synthetic import BookConfig, generate_book

    folder = CACHE / f"book-{customers}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        start = time.perf_counter()
        generate_book(folder, BookConfig(customers=customers, seed=seed))
        done.write_text(f"{time.perf_counter() - start:.1f}\n")
        print(f"  generated {customers:,} customers in {done.read_text().strip()} s", flush=True)
    return folder


def child(folder: Path, db: Path) -> None:
    """Ingest ``folder`` into a fresh ``db`` and print the figures as JSON."""
    import pandas as pd

    from graph.keys.phones import _parsed_phone, normalize_phones
    from graph.sqlite_store import new_store_file
    from ingest import ingest_folder

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    start = time.perf_counter()
    with new_store_file(db) as store:
        report = ingest_folder(folder, store)
    seconds = time.perf_counter() - start  # with the file synced and published
    phases = {**report.phases, "load": report.phases["load"] + seconds - report.seconds}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cells = pd.concat([pd.read_csv(folder / f"{t}.csv", usecols=cols, dtype=str,
                                   keep_default_na=False)[c]
                       for t, cols in PHONE_COLUMNS.items() for c in cols], ignore_index=True)
    start = time.perf_counter()
    normalize_phones(cells)
    vectorised = time.perf_counter() - start
    sample = random.Random(0).sample(cells.tolist(), min(BASELINE_SAMPLE, len(cells)))
    start = time.perf_counter()
    for raw in sample:
        if raw.strip():
            _parsed_phone(raw.strip())
    naive = (time.perf_counter() - start) / len(sample) * len(cells)
    print(json.dumps({
        "rows": sum(report.rows.values()), "nodes": report.nodes,
        "relationships": report.relationships, "seconds": seconds,
        "phases": phases, "peak_mb": peak_mb, "db_mb": db.stat().st_size / 2**20,
        "phone_cells": len(cells), "phones_vectorised_s": vectorised,
        "phones_naive_s": naive,
    }))


def floor(folder: Path, db: Path) -> None:
    """Parse every CSV of ``folder`` with pyarrow and write its rows once into ``db``."""
    import sqlite3

    import pyarrow as pa
    import pyarrow.csv as pacsv

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-200000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    rows = 0
    for path in sorted(folder.glob("*.csv")):
        if path.stem == "truth":
            continue
        header = path.open(encoding="utf-8").readline().strip().split(",")
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string())))
        names = ", ".join(f'"{c}"' for c in table.column_names)
        conn.execute(f"CREATE TABLE {path.stem} ({names})")
        insert = f"INSERT INTO {path.stem} VALUES ({', '.join('?' * table.num_columns)})"  # noqa: S608
        for batch in table.to_batches(50_000):
            conn.executemany(insert, zip(*(c.to_pylist() for c in batch.columns), strict=True))
        rows += table.num_rows
    conn.execute("COMMIT")
    conn.close()
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args],
                         check=True, capture_output=True, text=True).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return figures


def measure(customers: int, seed: int = 1) -> dict[str, Any]:
    """Ingest the (cached) book of ``customers`` into a fresh SQLite file in a child process.

    Returns ``rows``, ``nodes``, ``relationships``, ``seconds`` (the whole ingest), ``phases``
    (seconds each), ``peak_mb`` (the child's maximum RSS, MiB), ``phone_cells``, the phone
    normalization baseline: ``phones_naive_s`` (row at a time with ``phonenumbers``) against
    ``phones_vectorised_s``, and the floor measured in another child: ``floor_s`` and
    ``floor_peak_mb``.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = ensure_book(customers, seed)
    base = _run_child("--floor", str(folder), str(CACHE / f"floor-{customers}.db"))
    figures = _run_child("--child", str(folder), str(CACHE / f"store-{customers}.db"))
    figures["floor_s"], figures["floor_peak_mb"] = base["seconds"], base["peak_mb"]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated customer counts (default 100000,1000000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, metavar=("FOLDER", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    if args.floor:
        floor(Path(args.floor[0]), Path(args.floor[1]))
        return
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} at "
          "the start", flush=True)
    print(f"{'customers':>10} {'rows':>10} {'nodes':>10} {'rels':>10} {'read+val s':>10} "
          f"{'build s':>8} {'load s':>8} {'total s':>8} {'peak MB':>8} {'floor s':>8} "
          f"{'floor MB':>8} {'÷ floor':>7} {'phones naive s':>14} {'phones ours s':>13}")
    seen = []
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.seed)
        p = r["phases"]
        print(f"{size:>10,} {r['rows']:>10,} {r['nodes']:>10,} {r['relationships']:>10,} "
              f"{p['read+validate']:>10.1f} {p['build']:>8.1f} {p['load']:>8.1f} "
              f"{r['seconds']:>8.1f} {r['peak_mb']:>8,.0f} {r['floor_s']:>8.1f} "
              f"{r['floor_peak_mb']:>8,.0f} {r['seconds'] / r['floor_s']:>7.1f} "
              f"{r['phones_naive_s']:>14.1f} {r['phones_vectorised_s']:>13.1f}", flush=True)
        seen.append(r)
    if len(seen) > 1:
        small, large = seen[0], seen[-1]
        print(f"growth from the first size to the last: rows x{large['rows'] / small['rows']:.1f}, "
              f"time x{large['seconds'] / small['seconds']:.1f}, "
              f"peak memory x{large['peak_mb'] / small['peak_mb']:.1f}; load average "
              f"{os.getloadavg()[0]:.1f} at the end")

if __name__ == "__main__":
    main()
