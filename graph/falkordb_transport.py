"""Native transport: runs :mod:`graph.cypher` statements on FalkorDB through the ``falkordb`` client.

Store URL: ``falkordb://[[user]:password@]host:port/graph`` (port 6379 and graph ``ringscope``
by default). FalkorDB runs each query atomically but has no multi-statement transactions: a
``write`` of several statements is sent as one Redis ``MULTI``/``EXEC`` block, which no other
client can interleave with, but which does not roll back statements before a failing one.
Connection errors and timeouts are retried (every write RingScope sends is idempotent); when the
server stays away the error becomes :class:`~graph.errors.StoreUnavailableError`.

>>> FalkorDBTransport.parse_url("falkordb://:secret@db.example:6380/book")
('db.example', 6380, 'book', None, 'secret')
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import redis
import redis.exceptions
from falkordb import FalkorDB
from falkordb.helpers import stringify_param_value

from graph.cypher import Dialect
from graph.cypher_store import Record, Statement
from graph.errors import ConfigError, StoreUnavailableError

__all__ = ["FalkorDBTransport"]

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PORT = 6379
DEFAULT_GRAPH = "ringscope"
_EMPTY_GRAPH = "empty key"  # FalkorDB's answer to a read of a graph that does not exist yet
_RETRYABLE = (redis.ConnectionError, redis.TimeoutError)
_REFUSED = (redis.exceptions.AuthenticationError, redis.exceptions.AuthorizationError)


class FalkorDBTransport:
    """Runs statements on one graph of a FalkorDB server."""

    dialect = Dialect.FALKORDB

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        graph: str = DEFAULT_GRAPH,
        *,
        username: str | None = None,
        password: str | None = None,
        retries: int = 3,
        socket_timeout: float = 600.0,
    ) -> None:
        self.description = f"FalkorDB at {host}:{port}, graph {graph}"
        self.graph_name = graph
        self.retries = retries
        self._db = self._call(partial(
            FalkorDB, host=host, port=port, username=username, password=password,
            socket_timeout=socket_timeout, socket_connect_timeout=10,
        ))  # the client talks to the server already (sentinel and cluster checks)
        self._graph = self._db.select_graph(graph)

    @classmethod
    def from_url(cls, url: str) -> FalkorDBTransport:
        """Open ``falkordb://[[user]:password@]host:port/graph``."""
        host, port, graph, username, password = cls.parse_url(url)
        return cls(host, port, graph, username=username, password=password)

    @staticmethod
    def parse_url(url: str) -> tuple[str, int, str, str | None, str | None]:
        """``(host, port, graph, username, password)`` from a ``falkordb://`` URL."""
        parts = urlsplit(url)
        if parts.scheme != "falkordb":
            raise ConfigError(f"not a FalkorDB store URL: {url!r}")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError as exc:
            raise ConfigError(f"invalid port in store URL {url!r}") from exc
        graph = unquote(parts.path.strip("/")) or DEFAULT_GRAPH
        if "/" in graph:
            raise ConfigError(f"store URL {url!r}: the path must be one graph name")
        return (parts.hostname or "127.0.0.1", port, graph,
                unquote(parts.username) if parts.username else None,
                unquote(parts.password) if parts.password else None)

    # ---------------------------------------------------------------- Transport
    def read(self, text: str, params: Mapping[str, Any] | None = None) -> list[Record]:
        def run() -> list[Record]:
            try:
                result = self._graph.ro_query(text, dict(params or {}))
            except redis.ResponseError as exc:
                if _EMPTY_GRAPH in str(exc):
                    return []
                raise
            names = [column[1] for column in result.header]
            return [dict(zip(names, row, strict=True)) for row in result.result_set]

        return self._call(run)

    def write(self, statements: Sequence[Statement]) -> None:
        if len(statements) == 1:
            only = statements[0]
            self._call(lambda: self._graph.query(only.text, dict(only.params)))
            return

        def run_block() -> None:
            block = self._db.connection.pipeline(transaction=True)
            for s in statements:
                block.execute_command("GRAPH.QUERY", self.graph_name, _with_params(s), "--compact")
            for outcome in block.execute(raise_on_error=False):
                if isinstance(outcome, Exception):
                    raise outcome

        self._call(run_block)

    def ensure_unique_keys(self, labels: Sequence[str]) -> None:
        """Add ``GRAPH.CONSTRAINT … UNIQUE`` on ``key`` for labels that lack one (needs the index)."""
        existing = {
            c["label"] for c in self._call(self._graph.list_constraints)
            if c["type"] == "UNIQUE" and list(c["properties"]) == ["key"]
        }
        for label in labels:
            if label not in existing:
                self._call(partial(self._graph.create_node_unique_constraint, label, "key"))

    def close(self) -> None:
        self._db.connection.close()

    # ---------------------------------------------------------------- internals
    def _call(self, action: Callable[[], T]) -> T:
        for attempt in range(self.retries + 1):
            try:
                return action()
            except _REFUSED as exc:
                raise StoreUnavailableError(f"{self.description}: {exc}") from exc
            except _RETRYABLE as exc:
                if attempt == self.retries:
                    raise StoreUnavailableError(f"{self.description}: {exc}") from exc
                log.warning("%s: %s; retrying", self.description, exc)
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")


def _with_params(statement: Statement) -> str:
    """The statement with FalkorDB's parameter header (``CYPHER name=value …``), as the client sends it."""
    if not statement.params:
        return statement.text
    header = " ".join(f"{name}={stringify_param_value(value)}" for name, value in statement.params.items())
    return f"CYPHER {header} {statement.text}"
