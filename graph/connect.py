"""Open a store from its URL: ``sqlite:///path`` for the embedded store, Bolt URLs for Neo4j.

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

from graph.config import StoreSettings
from graph.errors import ConfigError
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

__all__ = ["open_store"]

_SQLITE_PREFIX = "sqlite:///"


def open_store(url: str | None = None, settings: StoreSettings | None = None) -> GraphStore:
    """Open the store a URL names (default: ``settings.store``, i.e. ``RINGSCOPE_STORE``)."""
    settings = settings or StoreSettings()
    url = url or settings.store
    if url.startswith(_SQLITE_PREFIX):
        path = url[len(_SQLITE_PREFIX) :]
        if not path:
            raise ConfigError(f"store URL {url!r} names no file")
        return SQLiteStore(path)
    raise ConfigError(
        f"unsupported store URL {url!r}: use sqlite:///PATH, bolt://, neo4j://, neo4j+s:// or falkordb://"
    )
