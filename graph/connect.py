"""Open a store from its URL.

* ``sqlite:///PATH`` — the embedded store (a SQLite file);
* ``bolt://``, ``bolt+s://``, ``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://`` — Neo4j through the
  official driver, with ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` from the settings;
* ``falkordb://[[user]:password@]host:port/graph`` — FalkorDB through its native protocol.

>>> import tempfile
>>> store = open_store(f"sqlite:///{tempfile.mkdtemp()}/g.db")
>>> store.name
'sqlite'
>>> store.close()
>>> open_store("mysql://x")
Traceback (most recent call last):
...
graph.errors.ConfigError: unsupported store URL 'mysql://x': use sqlite:///PATH, bolt://, neo4j://, neo4j+s:// or falkordb://
"""

from __future__ import annotations

from pathlib import Path

from graph.config import StoreSettings
from graph.errors import ConfigError, RingScopeError, StoreError
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

__all__ = ["BOLT_SCHEMES", "check_store_url", "open_store", "sqlite_path"]

_SQLITE_PREFIX = "sqlite:///"
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def sqlite_path(url: str) -> Path | None:
    """The file an embedded-store URL names (``sqlite:///PATH``), ``None`` for other URLs.
    Raises :class:`~graph.errors.ConfigError` for ``sqlite:///`` with no path, or with options
    (``?mode=ro``): the store opens its file itself, and would take them as part of its name.

    >>> sqlite_path("sqlite:///data/ringscope.db"), sqlite_path("bolt://localhost:7687")
    (PosixPath('data/ringscope.db'), None)
    """
    if not url.startswith(_SQLITE_PREFIX):
        return None
    path = url[len(_SQLITE_PREFIX):]
    if not path:
        raise ConfigError(f"store URL {url!r} names no file")
    if "?" in path:  # sqlite:///a.db?mode=ro would otherwise be a file named "a.db?mode=ro"
        raise ConfigError(f"store URL {url!r}: an embedded store's URL takes no options after "
                          "'?' (RingScope opens the file itself); name the file only")
    return Path(path)


def check_store_url(url: str) -> None:
    """Raise :class:`~graph.errors.ConfigError` for a URL :func:`open_store` cannot use, without
    opening anything (commands check their flags before they start work).

    >>> check_store_url("sqlite:///data/ringscope.db")
    >>> check_store_url("data/ringscope.db")
    Traceback (most recent call last):
    ...
    graph.errors.ConfigError: unsupported store URL 'data/ringscope.db': use sqlite:///PATH, bolt://, neo4j://, neo4j+s:// or falkordb:// (a file is sqlite:///data/ringscope.db)
    """
    if sqlite_path(url) is not None or _scheme(url) in (*BOLT_SCHEMES, "falkordb"):
        return
    hint = f" (a file is sqlite:///{url})" if "://" not in url and url.strip() else ""
    raise ConfigError(f"unsupported store URL {url!r}: use sqlite:///PATH, bolt://, neo4j://, "
                      f"neo4j+s:// or falkordb://{hint}")


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def open_store(url: str | None = None, settings: StoreSettings | None = None) -> GraphStore:
    """Open the store a URL names (default: ``settings.store``, i.e. ``RINGSCOPE_STORE``).

    Raises :class:`~graph.errors.ConfigError` for a URL it cannot use and
    :class:`~graph.errors.StoreUnavailableError` when the server cannot be reached or refuses the
    connection, :class:`~graph.errors.StoreError` when it refuses a statement opening the store
    (reading or making its indexes).
    """
    settings = settings or StoreSettings()
    url = url or settings.store
    check_store_url(url)
    path = sqlite_path(url)
    if path is not None:
        return SQLiteStore(path)
    # server backends load their clients lazily
    from graph.cypher_store import CypherStore, Transport

    transport: Transport
    if _scheme(url) == "falkordb":
        from graph.falkordb_transport import FalkorDBTransport

        transport = FalkorDBTransport.from_url(url)
    else:
        from graph.neo4j_transport import Neo4jTransport

        transport = Neo4jTransport.from_settings(settings, url)
    try:
        return CypherStore(transport, settings)
    except Exception as exc:  # reading or making the schema: a statement the server refused
        transport.close()
        if isinstance(exc, RingScopeError):
            raise
        raise StoreError(f"{transport.description}: cannot open the store: {exc}") from exc
