"""Point look-ups on the embedded store: an identifier and its neighbours, as real-time scoring does.

    .venv/bin/python benchmarks/lookup.py --customers 100000

Builds (once, cached under ``build/bench-lookup/``) a book of N customers ingested into SQLite,
then times, for random phone numbers and bank accounts that claims or customers use:
``get_node`` and ``neighbourhood(depth=1)`` (p50 / p99 / max in microseconds). The naive
baseline is the same neighbour query with SQLite kept from using the target index
(a table scan), timed on a few keys in the same run.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.model import SCHEMA, Label  # noqa: E402
from graph.sqlite_layout import edge_table  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402

CACHE = ROOT / "build" / "bench-lookup"


def _store(customers: int) -> Path:
    from ingest import ingest_folder
    from ingest.synthetic import BookConfig, generate_book

    db = CACHE / f"store-{customers}.db"
    done = CACHE / f"store-{customers}.complete"
    if not done.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        folder = CACHE / f"book-{customers}"
        generate_book(folder, BookConfig(customers=customers, seed=1))
        with SQLiteStore(db) as store:
            ingest_folder(folder, store)
        done.touch()
    return db


def _percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {cuts[49] * 1e6:7.1f} µs   p99 {cuts[98] * 1e6:7.1f} µs   max {max(samples) * 1e6:8.1f} µs"


def _time_each(keys: list[str], call: Callable[[str], object]) -> list[float]:
    out = []
    for key in keys:
        start = time.perf_counter()
        call(key)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--baseline-lookups", type=int, default=5)
    args = parser.parse_args()

    db = _store(args.customers)
    rng = random.Random(0)
    with SQLiteStore(db) as store:
        conn = sqlite3.connect(db)
        phones = store.nodes_frame(Label.PHONE)["key"].tolist()
        accounts = store.nodes_frame(Label.BANK_ACCOUNT)["key"].tolist()
        keys = [(Label.PHONE, k) for k in rng.sample(phones, min(len(phones), args.lookups // 2))]
        keys += [(Label.BANK_ACCOUNT, k) for k in rng.sample(accounts, min(len(accounts), args.lookups // 2))]
        rng.shuffle(keys)
        by_key = dict((k, label) for label, k in keys)
        plain = [k for _, k in keys]
        _time_each(plain[:200], lambda k: store.neighbourhood(by_key[k], k, depth=1))  # warm the cache

        nodes = _time_each(plain, lambda k: store.get_node(by_key[k], k))
        around = _time_each(plain, lambda k: store.neighbourhood(by_key[k], k, depth=1))
        # Unary + keeps SQLite from using the index for a term: the same query as table scans.
        scans = {label: " UNION ALL ".join(
            f"SELECT src FROM {edge_table(t)} WHERE +dst = ?1"  # noqa: S608  (model names)
            for t in SCHEMA if t[2] is label)
            for label in (Label.PHONE, Label.BANK_ACCOUNT)}
        naive = _time_each(plain[: args.baseline_lookups],
                           lambda k: conn.execute(scans[by_key[k]], (k,)).fetchall())
        edges = sum(store.counts().relationships.values())

    print(f"{args.customers:,} customers, {edges:,} relationships, {len(plain):,} look-ups of phones and accounts")
    print(f"  get_node                     {_percentiles(nodes)}")
    print(f"  neighbourhood(depth=1)       {_percentiles(around)}")
    print(f"  naive: neighbours by scan    mean {statistics.mean(naive) * 1e3:8.1f} ms  "
          f"({len(naive)} look-ups)")
    print(f"  ratio naive / indexed (mean) {statistics.mean(naive) / statistics.mean(around):,.0f}x")


if __name__ == "__main__":
    main()
