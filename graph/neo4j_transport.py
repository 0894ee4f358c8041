"""Bolt transport: runs :mod:`graph.cypher` statements through the official ``neo4j`` driver.

Every statement runs in a managed transaction (``session.execute_read`` / ``execute_write``),
so the driver retries what the server reports as transient (deadlocks, leader changes) until
its ``max_transaction_retry_time``. A ``write`` of several statements is one transaction.

The dialect is probed once: Neo4j answers ``dbms.components()``, FalkorDB's Bolt endpoint
(which announces itself as Neo4j) does not; pass ``dialect`` to skip the probe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import neo4j
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DatabaseError,
    ServiceUnavailable,
    SessionExpired,
)

from graph import cypher
from graph.config import StoreSettings
from graph.cypher import Dialect
from graph.cypher_store import Record, Statement
from graph.errors import ConfigError, StoreUnavailableError

__all__ = ["Neo4jTransport"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_UNREACHABLE = (ServiceUnavailable, SessionExpired, AuthError, OSError)


class Neo4jTransport:
    """Runs statements on one database of a Neo4j (or Bolt-speaking) server."""

    def __init__(
        self,
        driver: Driver,
        database: str | None = None,
        *,
        description: str = "neo4j",
        dialect: Dialect | None = None,
        owns_driver: bool = False,
    ) -> None:
        """Use ``driver`` (closed with the transport only if ``owns_driver``)."""
        self.driver = driver
        self.database = database
        self.description = description
        self._owns_driver = owns_driver
        self.dialect = dialect or self._probe_dialect()

    @classmethod
    def from_settings(cls, settings: StoreSettings, url: str | None = None,
                      dialect: Dialect | None = None) -> Neo4jTransport:
        """A driver for ``url`` (default ``NEO4J_URI``) with ``NEO4J_USER``/``NEO4J_PASSWORD``."""
        uri = url or settings.neo4j_uri
        if not uri:
            raise ConfigError("no Neo4j URI: set NEO4J_URI or pass --store bolt://HOST:7687")
        where = f"{uri} (database {settings.neo4j_database})"
        try:
            driver = GraphDatabase.driver(
                uri, auth=(settings.neo4j_user, settings.neo4j_password),
                connection_timeout=10, max_transaction_retry_time=30,
            )
        except ValueError as exc:  # malformed URI
            raise ConfigError(f"invalid Neo4j URI {uri!r}: {exc}") from exc
        try:
            driver.verify_connectivity()  # fail fast: managed transactions would retry for 30 s
            return cls(driver, settings.neo4j_database, description=f"Neo4j at {where}",
                       dialect=dialect, owns_driver=True)
        except (*_UNREACHABLE, StoreUnavailableError) as exc:
            driver.close()
            raise StoreUnavailableError(f"cannot reach Neo4j at {where}: {_message(exc)}") from exc
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            # FalkorDB's Bolt endpoint answers wrong credentials with a DatabaseError, not AuthError
            driver.close()
            raise StoreUnavailableError(
                f"Neo4j at {where} refused the connection (check NEO4J_USER, NEO4J_PASSWORD and "
                f"NEO4J_DATABASE): {_message(exc)}") from exc

    # ---------------------------------------------------------------- Transport
    def read(self, text: str, params: Mapping[str, Any] | None = None) -> list[Record]:
        def work(tx: ManagedTransaction) -> list[Record]:
            return [record.data() for record in tx.run(text, dict(params or {}))]

        return self._session_call("execute_read", work)

    def write(self, statements: Sequence[Statement]) -> None:
        def work(tx: ManagedTransaction) -> None:
            for statement in statements:
                tx.run(statement.text, dict(statement.params)).consume()

        self._session_call("execute_write", work)

    def ensure_unique_keys(self, labels: Sequence[str]) -> None:
        """Nothing to do: on Neo4j the constraints are Cypher DDL (:func:`graph.cypher.create_index`)."""

    def close(self) -> None:
        if self._owns_driver:
            self.driver.close()

    # ---------------------------------------------------------------- internals
    def _session_call(self, method: str, work: Callable[[ManagedTransaction], T]) -> T:
        try:
            with self.driver.session(database=self.database) as session:
                result: T = getattr(session, method)(work)
                return result
        except _UNREACHABLE as exc:
            raise StoreUnavailableError(f"{self.description}: {_message(exc)}") from exc

    def _probe_dialect(self) -> Dialect:
        try:
            rows = self.read(cypher.SERVER_PROBE)
        except (ClientError, DatabaseError) as exc:
            log.info("%s: no dbms.components() (%s); using the FalkorDB dialect",
                     self.description, _message(exc))
            return Dialect.FALKORDB
        log.info("%s: server %s", self.description, [r.get("name") for r in rows])
        return Dialect.NEO4J


def _message(exc: Exception) -> str:
    if isinstance(exc, neo4j.exceptions.Neo4jError) and exc.message:
        return str(exc.message)
    return str(exc) or type(exc).__name__
