"""Read-only Cypher on a store kept in a Cypher server (Neo4j, FalkorDB), answers as DataFrames.

For questions the Python API does not ask: paths between customers, an identifier's history,
anything the graph model allows (see README, "Running against Neo4j", for the layout: node
labels and relationship types of the model, a ``key`` property on every node, detection
results as ``(:Run)-[:FOUND]->(:Ring)<-[:IN_RING]-(:Claim)``). Values go in as parameters
(``$name``), never into the query text. The query runs in a read transaction: on Neo4j in
read access mode, on FalkorDB as ``GRAPH.RO_QUERY``, so it cannot change the graph (FalkorDB's
experimental Bolt endpoint ignores access modes: use ``falkordb://`` there).

>>> import tempfile
>>> from graph import open_store
>>> store = open_store(f"sqlite:///{tempfile.mkdtemp()}/g.db")
>>> cypher_frame(store, "MATCH (c:Claim) RETURN count(c) AS claims")
Traceback (most recent call last):
...
graph.errors.ConfigError: Cypher needs a store in a Cypher server (bolt://, neo4j://, falkordb://); this one is sqlite
>>> store.close()
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from graph.cypher_store import CypherStore
from graph.errors import ConfigError, RingScopeError, StoreError
from graph.store import GraphStore

__all__ = ["cypher_frame"]

log = logging.getLogger(__name__)


def cypher_frame(store: GraphStore, query: str, **params: Any) -> pd.DataFrame:
    """Run one read-only Cypher query; one row per record, one column per returned name.

    Return scalars, lists or maps (``n.key``, ``properties(n)``), not whole nodes or paths:
    drivers hand those back as their own objects. Raises :class:`graph.errors.ConfigError` for
    a store that is not in a Cypher server and :class:`graph.errors.StoreError` when the
    server refuses the query (a syntax error, a write).
    """
    if not isinstance(store, CypherStore):
        raise ConfigError("Cypher needs a store in a Cypher server (bolt://, neo4j://, "
                          f"falkordb://); this one is {store.name}")
    try:
        records = store.transport.read(query, params)
    except RingScopeError:
        raise
    except Exception as exc:  # the driver's own errors: syntax, a write in a read transaction
        log.info("%s: query refused: %s", store.transport.description, exc)
        raise StoreError(f"{store.transport.description}: the query failed: {exc}") from exc
    return pd.DataFrame.from_records(records) if records else pd.DataFrame()
