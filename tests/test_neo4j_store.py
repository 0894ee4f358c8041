"""The Cypher store beyond the shared contract, against real servers: batching, failure in the
middle of a load, paged reads, and detection results as investigators see them in the graph."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import redis

from graph import cypher
from graph.connect import open_store
from graph.cypher_store import CypherStore
from graph.errors import ConfigError, StoreError, StoreUnavailableError
from graph.falkordb_transport import FalkorDBTransport
from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, NodeRef, Rel
from graph.results import CaseStatus
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.bundles import tiny_bundle
from tests.conftest import SERVER_BACKENDS, FalkorDBServer, StoreFactory, backend_params
from tests.test_store_contract import _result

CYPHER_BACKENDS = backend_params(SERVER_BACKENDS)


def _book(customers: int) -> GraphBundle:
    """Customers with one claim each; every third claim gives the same shared phone."""
    ids = [f"U{i:04d}" for i in range(customers)]
    claims = [f"C{i:04d}" for i in range(customers)]
    phones = [f"+86138{i % 3:08d}" if i % 3 else "+8613800000000" for i in range(customers)]
    return GraphBundle(
        nodes=[
            NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": ids, "name": [f"客户{i}" for i in range(customers)]})),
            NodeBatch(Label.CLAIM, pd.DataFrame({"key": claims, "request_date": ["2025-03-01"] * customers})),
            NodeBatch(Label.PHONE, pd.DataFrame({"key": sorted(set(phones)), "kind": "mobile"})),
        ],
        edges=[
            EdgeBatch(Label.CUSTOMER, Rel.FILED, Label.CLAIM, pd.DataFrame({"src": ids, "dst": claims})),
            EdgeBatch(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE,
                      pd.DataFrame({"src": claims, "dst": phones, "raw": phones})),
        ],
        fingerprint=f"book-{customers}",
    )


def _cypher(store: GraphStore) -> CypherStore:
    assert isinstance(store, CypherStore)
    return store


@pytest.mark.parametrize("store_factory", CYPHER_BACKENDS, indirect=True)
def test_batches_are_cut_by_rows_and_bytes_with_progress(store_factory: StoreFactory) -> None:
    store = _cypher(store_factory())
    book = _book(40)
    store.batch_rows, store.batch_bytes = 7, 1_000
    calls: list[tuple[str, int, int]] = []
    store.load(book, progress=lambda *args: calls.append(args))
    total = book.node_count + book.edge_count
    assert calls[-1] == ("load", total, total)
    assert len(calls) > total // 7  # no batch holds more than 7 rows
    assert all(b - a <= 7 for (_, a, _), (_, b, _) in itertools.pairwise(calls))
    assert store.counts().nodes["Claim"] == 40 and store.counts().relationships["CONTACT_PHONE"] == 40


@pytest.mark.parametrize("store_factory", CYPHER_BACKENDS, indirect=True)
def test_paged_reads_equal_the_embedded_store(store_factory: StoreFactory, tmp_path) -> None:
    store = _cypher(store_factory())
    store.page_rows = 4  # many pages, and pages of source nodes without the relationship
    book = _book(23)
    store.load(book)
    reference = SQLiteStore(tmp_path / "reference.db")
    reference.load(book)
    for label in (Label.CUSTOMER, Label.CLAIM, Label.PHONE, Label.AGENT):
        pd.testing.assert_frame_equal(store.nodes_frame(label), reference.nodes_frame(label),
                                      check_like=True)
    for triple in ((Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE), (Label.CUSTOMER, Rel.FILED, Label.CLAIM),
                   (Label.CUSTOMER, Rel.HOLDS, Label.POLICY)):
        pd.testing.assert_frame_equal(store.edges_frame(*triple), reference.edges_frame(*triple),
                                      check_like=True)
    assert store.to_networkx().number_of_edges() == reference.to_networkx().number_of_edges() == 46
    reference.close()


@pytest.mark.parametrize("store_factory", CYPHER_BACKENDS, indirect=True)
def test_results_are_in_the_graph_for_investigators(store_factory: StoreFactory) -> None:
    store = _cypher(store_factory())
    store.load(tiny_bundle())
    counts = store.counts().as_dict()
    store.save_results(_result("r1", ["R-1"]))
    read = store.transport.read
    assert read(cypher.RING_MEMBERSHIP) == [
        {"run": "r1", "ring": "R-1", "claim": "C1"}, {"run": "r1", "ring": "R-1", "claim": "C2"},
    ]
    [claim] = read(cypher.get_nodes(Label.CLAIM), {"keys": ["C1"]})
    assert claim["props"]["risk_score"] == pytest.approx(0.9)
    assert claim["props"]["risk_ring_id"] == "R-1" and claim["props"]["risk_run_id"] == "r1"
    [phone] = read(cypher.get_nodes(Label.PHONE), {"keys": ["+8613800138000"]})
    assert phone["props"]["suspicion"] == pytest.approx(0.8)
    [ring] = read(cypher.RINGS)
    assert ring["export"]
    # The data as detection reads it is unchanged: no result properties, no result labels.
    assert store.counts().as_dict() == counts
    c1 = store.get_node(Label.CLAIM, "C1")
    assert c1 is not None and "risk_score" not in c1.props
    assert "risk_score" not in store.nodes_frame(Label.CLAIM).columns
    store.change_case("R-1", CaseStatus.INVESTIGATING, "alice", "opened")
    store.save_results(_result("r2", ["R-1"]))  # the new ring node keeps the case status
    [ring] = read(cypher.RING_SUMMARIES)
    assert ring["ring"] == "R-1" and ring["case_status"] == "investigating"
    assert ring["level"] == "high" and ring["evidence"] == ["2 claims share a phone"]
    assert [r["run"] for r in read(cypher.RING_MEMBERSHIP)] == ["r2", "r2"]
    assert store.claim_risks(["C1"])["C1"].ring_id == "R-1"


@pytest.fixture
def native_store(falkordb_server: FalkorDBServer) -> Iterator[tuple[CypherStore, FalkorDBServer]]:
    falkordb_server.ensure_alive()
    graph = f"test-{uuid.uuid4().hex[:12]}"
    store = CypherStore(FalkorDBTransport("127.0.0.1", falkordb_server.port, graph))
    yield store, falkordb_server
    store.close()
    falkordb_server.delete_graph(graph)


@pytest.mark.falkordb
def test_failed_batch_is_named_and_loading_again_completes(
    native_store: tuple[CypherStore, FalkorDBServer], tmp_path
) -> None:
    """The server starts refusing writes after the second batch (Redis maxmemory reached)."""
    store, server = native_store
    store.batch_rows = 10
    book = _book(30)
    admin = redis.Redis(port=server.port)
    seen: list[int] = []

    def fill_up(step: str, done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 2:
            admin.config_set("maxmemory", 1)

    try:
        with pytest.raises(StoreError, match=r"load batch 3 \(Customer nodes, rows 21–30 of 123\)"):
            store.load(book, progress=fill_up)
    finally:
        admin.config_set("maxmemory", 0)
    assert store.counts().nodes["Customer"] == 20  # the first two batches are stored
    assert store.data_fingerprint() == ""  # an unfinished load is not recorded
    store.load(book)
    reference = SQLiteStore(tmp_path / "reference.db")
    reference.load(book)
    assert store.counts() == reference.counts()  # complete, and no duplicates
    assert store.data_fingerprint() == reference.data_fingerprint()
    reference.close()


@pytest.mark.falkordb
def test_unique_key_constraints_exist(native_store: tuple[CypherStore, FalkorDBServer]) -> None:
    store, _ = native_store
    transport = store.transport
    assert isinstance(transport, FalkorDBTransport)
    indexed = {row["label"] for row in transport.read(cypher.FALKORDB_INDEXES)}
    assert indexed >= set(cypher.KEYED_LABELS)
    constraints = transport._graph.list_constraints()
    assert {c["label"] for c in constraints if c["type"] == "UNIQUE"} >= set(cypher.KEYED_LABELS)
    CypherStore(transport)  # opening again changes nothing and does not fail


@pytest.mark.falkordb
def test_open_store_urls(falkordb_server: FalkorDBServer) -> None:
    falkordb_server.ensure_alive()
    graph = f"test-{uuid.uuid4().hex[:12]}"
    with open_store(falkordb_server.url(graph)) as store:
        assert isinstance(store, CypherStore)
        store.load(tiny_bundle())
        assert store.neighbourhood(Label.PHONE, "+8613800138000").nodes[0].ref == NodeRef(
            Label.PHONE, "+8613800138000")
    falkordb_server.delete_graph(graph)
    with pytest.raises(StoreUnavailableError, match=re.escape("FalkorDB at 127.0.0.1:1,")):
        open_store("falkordb://127.0.0.1:1/g")
    with pytest.raises(StoreUnavailableError, match=re.escape("cannot reach Neo4j at bolt://127.0.0.1:1 ")):
        open_store("bolt://127.0.0.1:1")
    with pytest.raises(ConfigError):
        open_store("falkordb://127.0.0.1:port/g")
    with pytest.raises(ConfigError):
        open_store("falkordb://127.0.0.1:6379/a/b")


def _ringscope(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command line in its own process, so that nothing of pytest handles its logs."""
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, **env})


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr


@pytest.mark.falkordb
def test_a_server_refusing_a_statement_is_one_line_on_the_command_line(
        falkordb_server: FalkorDBServer) -> None:
    """README "Errors print one line": what the server refuses (the Bolt endpoint the session,
    for credentials it does not know; FalkorDB a graph whose key holds something else, or a write
    beyond its memory limit) is one error line and exit code 1, never a traceback."""
    falkordb_server.ensure_alive()
    bolt = f"bolt://127.0.0.1:{falkordb_server.bolt_port}"
    refused = _ringscope("stats", "--store", bolt, NEO4J_USER="nobody", NEO4J_PASSWORD="wrong",
                         NEO4J_DATABASE="neo4j")
    assert _one_error_line(refused).startswith(
        f"error: Neo4j at {bolt} (database neo4j) refused the connection (check NEO4J_USER, "
        "NEO4J_PASSWORD and NEO4J_DATABASE): ")
    client = redis.Redis(port=falkordb_server.port, socket_timeout=10)
    graph = f"test-{uuid.uuid4().hex[:12]}"
    client.set(graph, "not a graph")
    try:
        assert _one_error_line(_ringscope("stats", "--store", falkordb_server.url(graph))) == (
            f"error: FalkorDB at 127.0.0.1:{falkordb_server.port}, graph {graph}: cannot open the "
            "store: WRONGTYPE Operation against a key holding the wrong kind of value\n")
    finally:
        client.delete(graph)
    with open_store(falkordb_server.url(graph)) as store:
        store.load(tiny_bundle())
    limit = client.config_get("maxmemory")["maxmemory"]
    client.config_set("maxmemory", 1)
    try:
        full = _ringscope("detect", "--store", falkordb_server.url(graph))
    finally:
        client.config_set("maxmemory", limit)
        falkordb_server.delete_graph(graph)
    assert _one_error_line(full) == (
        "error: graphdb store: start_run failed: command not allowed when used memory > 'maxmemory'.\n")
