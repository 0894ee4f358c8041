"""Shared fixtures. ``store`` runs a test once per graph backend available on this machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

StoreFactory = Callable[[], GraphStore]

BACKENDS = ["sqlite"]


def _sqlite_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[GraphStore] = []

    def make() -> GraphStore:
        store = SQLiteStore(tmp_path / "graph.db")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=BACKENDS)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory opening the same (initially empty) store each time it is called."""
    if request.param == "sqlite":
        yield from _sqlite_factory(tmp_path)
    else:  # pragma: no cover - other backends register here
        raise AssertionError(request.param)


@pytest.fixture
def store(store_factory: StoreFactory) -> GraphStore:
    return store_factory()
