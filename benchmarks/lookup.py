"""Point look-ups on the embedded store: an identifier and its neighbours, as real-time scoring does.

    .venv/bin/python -m benchmarks lookup --customers 100000

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
from typing import Any

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


def _time_each(keys: list[str], call: Callable[[str], object]) -> list[float]:
    out = []
    for key in keys:
        start = time.perf_counter()
        call(key)
        out.append(time.perf_counter() - start)
    return out


def _quantiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_us": cuts[49] * 1e6, "p99_us": cuts[98] * 1e6, "max_us": max(samples) * 1e6}


def measure(customers: int, lookups: int = 5_000, baseline_lookups: int = 5) -> dict[str, Any]:
    """Time look-ups of random phones and bank accounts on the (cached) store of ``customers``.

    Returns ``relationships``, ``lookups``, ``get_node`` and ``neighbourhood`` (each with
    ``p50_us``, ``p99_us``, ``max_us``: microseconds), ``naive_mean_ms`` (the same neighbour
    query as a table scan, milliseconds) and ``ratio`` (naive mean ÷ indexed mean).
    """
    db = _store(customers)
    rng = random.Random(0)
    with SQLiteStore(db) as store:
        conn = sqlite3.connect(db)
        phones = store.nodes_frame(Label.PHONE)["key"].tolist()
        accounts = store.nodes_frame(Label.BANK_ACCOUNT)["key"].tolist()
        keys = [(Label.PHONE, k) for k in rng.sample(phones, min(len(phones), lookups // 2))]
        keys += [(Label.BANK_ACCOUNT, k) for k in rng.sample(accounts, min(len(accounts), lookups // 2))]
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
        naive = _time_each(plain[: baseline_lookups],
                           lambda k: conn.execute(scans[by_key[k]], (k,)).fetchall())
        edges = sum(store.counts().relationships.values())
        conn.close()
    return {"relationships": edges, "lookups": len(plain), "get_node": _quantiles(nodes),
            "neighbourhood": _quantiles(around), "naive_mean_ms": statistics.mean(naive) * 1e3,
            "ratio": statistics.mean(naive) / statistics.mean(around)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--baseline-lookups", type=int, default=5)
    args = parser.parse_args(argv)
    r = measure(args.customers, args.lookups, args.baseline_lookups)

    def line(q: dict[str, float]) -> str:
        return f"p50 {q['p50_us']:7.1f} µs   p99 {q['p99_us']:7.1f} µs   max {q['max_us']:8.1f} µs"

    print(f"{args.customers:,} customers, {r['relationships']:,} relationships, "
          f"{r['lookups']:,} look-ups of phones and accounts")
    print(f"  get_node                     {line(r['get_node'])}")
    print(f"  neighbourhood(depth=1)       {line(r['neighbourhood'])}")
    print(f"  naive: neighbours by scan    mean {r['naive_mean_ms']:8.1f} ms  "
          f"({args.baseline_lookups} look-ups)")
    print(f"  ratio naive / indexed (mean) {r['ratio']:,.0f}x")


if __name__ == "__main__":
    main()
