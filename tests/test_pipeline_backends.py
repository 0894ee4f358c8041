"""The whole pipeline on every backend: the same book gives the same graph and the same rings.

(FalkorDB's Bolt endpoint is left out: it loads about 500 rows/s and loses float precision; the
contract suite covers that code path.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.conftest import BACKENDS, StoreFactory, backend_params

Rings = list[tuple[tuple[str, ...], float, str]]


def _pipeline(store: GraphStore, book: Path) -> tuple[dict[str, dict[str, int]], Rings]:
    ingest_folder(book, store)
    detect(store, DetectionParams(seed=3))
    rings = [(r.claim_ids, round(r.score, 6), r.ring_id) for r in store.rings()]
    return store.counts().as_dict(), rings


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backends") / "book"
    generate_book(folder, BookConfig(customers=1_500, seed=21, ring_rate=8.0))
    return folder


@pytest.fixture(scope="module")
def reference(book: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, int]], Rings]:
    with SQLiteStore(tmp_path_factory.mktemp("reference") / "graph.db") as store:
        return _pipeline(store, book)


@pytest.mark.parametrize(
    "store_factory", backend_params([b for b in BACKENDS if b not in ("sqlite", "falkordb-bolt")]),
    indirect=True,
)
def test_same_graph_and_rings_as_the_embedded_store(
    store_factory: StoreFactory, book: Path, reference: tuple[dict[str, dict[str, int]], Rings]
) -> None:
    counts, rings = _pipeline(store_factory(), book)
    expected_counts, expected_rings = reference
    assert counts == expected_counts
    assert expected_rings, "the book should hold rings"
    assert rings == expected_rings
