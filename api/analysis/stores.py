"""Opening a store from a notebook or a script: to read one that exists, or to start one.

An embedded store (``sqlite:///PATH``) is a file, and opening a file that is not there starts a
new, empty store: a mistyped path would then answer every read with "no rings", which an analyst
reads as a clean book. So :func:`open_store` refuses a store file that does not exist, with the
words ``ringscope stats`` and the other reading commands use (exit code 2 there), unless
``create=True`` says a new store is meant (to load a book into it). Server stores (``bolt://``,
``neo4j://``, ``falkordb://``) are opened as :func:`graph.open_store` opens them.

>>> import pathlib, tempfile
>>> work = pathlib.Path(tempfile.mkdtemp())
>>> open_store(f"sqlite:///{work / 'typo.db'}")
Traceback (most recent call last):
  ...
graph.errors.ConfigError: no store at .../typo.db: load a book into it first (rs.open_store(url, create=True), then rs.load_book)
>>> (work / "typo.db").exists()
False
>>> with open_store(f"sqlite:///{work / 'graph.db'}", create=True) as store:
...     store.counts().nodes.get("Claim", 0)
0
>>> open_store(f"sqlite:///{work / 'graph.db'}").close()  # it exists now
"""

from __future__ import annotations

from graph import open_store as open_any_store
from graph.config import StoreSettings
from graph.connect import check_store_url, sqlite_path
from graph.errors import ConfigError
from graph.store import GraphStore

__all__ = ["open_store"]


def open_store(url: str | None = None, *, create: bool = False,
               settings: StoreSettings | None = None) -> GraphStore:
    """Open the store a URL names (default: ``RINGSCOPE_STORE``); close it when done (it is a
    context manager).

    Raises :class:`~graph.errors.ConfigError` for a URL it cannot use, for an embedded store
    whose file does not exist (unless ``create``) or that is a folder, and
    :class:`~graph.errors.StoreUnavailableError` when a server cannot be reached.
    """
    settings = settings or StoreSettings()
    chosen = url or settings.store
    check_store_url(chosen)
    path = sqlite_path(chosen)
    if path is not None and path.is_dir():
        raise ConfigError(f"store path {path} is a folder, not a SQLite file")
    if path is not None and not create and not path.is_file():
        raise ConfigError(f"no store at {path}: load a book into it first "
                          "(rs.open_store(url, create=True), then rs.load_book)")
    return open_any_store(chosen, settings)
