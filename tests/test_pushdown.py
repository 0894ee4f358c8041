"""The shared-identifier aggregation answered by the store gives detection exactly what pulling
every customer and registration into Python gave (``benchmarks/pushdown.py``'s baseline), on
the embedded store and on FalkorDB.

(FalkorDB's Bolt endpoint is left out, as in ``test_pipeline_backends``: it loads about 500
rows/s; the store contract suite runs the two queries through it.)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks.pushdown import PullEverything, Reading, detect_through
from detectors.params import DetectionParams
from graph.store import GraphStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.conftest import BACKENDS, StoreFactory, backend_params

PARAMS = DetectionParams(seed=3)

pytestmark = pytest.mark.parametrize(
    "store_factory", backend_params([b for b in BACKENDS if b != "falkordb-bolt"]), indirect=True)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pushdown") / "book"
    generate_book(folder, BookConfig(customers=1_500, seed=21, ring_rate=8.0))
    return folder


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["label", "key", "customer_id"], ignore_index=True)


@pytest.fixture
def loaded(store_factory: StoreFactory, book: Path) -> GraphStore:
    store = store_factory()
    ingest_folder(book, store)
    return store


def test_the_store_answers_what_detection_picks_from_every_registration(loaded: GraphStore) -> None:
    every = PullEverything(loaded).claim_identifier_holders()
    assert len(every) > 4_000
    holders = _sorted(loaded.claim_identifier_holders())
    book, _ = detect_through(Reading(loaded), PARAMS)
    used = set(zip(book.book.uses["label"], book.book.uses["key"], strict=True))
    reached = every[[(lbl, key) in used for lbl, key in zip(every["label"], every["key"], strict=True)]]
    # every registration at an identifier a claim uses, and only at identifiers claims reach
    assert set(reached.itertuples(index=False)) <= set(holders.itertuples(index=False)) \
        <= set(every.itertuples(index=False))
    assert 100 < len(reached) < len(holders) < len(every) / 5
    for household_max in (2, 6):
        size = every.groupby(["label", "key"])["customer_id"].transform("nunique")
        small = (every["label"] == "Address") & (size >= 2) & (size <= household_max)
        shared = (every["label"] == "Phone") & (size >= 2)
        pd.testing.assert_frame_equal(_sorted(loaded.family_registrations(household_max)),
                                      _sorted(every[small | shared]))


def test_detection_is_identical_through_both_readings(loaded: GraphStore) -> None:
    pushed_reading, pulled_reading = Reading(loaded), PullEverything(loaded)
    pushed, _ = detect_through(pushed_reading, PARAMS)
    pulled, _ = detect_through(pulled_reading, PARAMS)
    assert pushed.rings, "the book should hold rings"
    assert [(r.ring_id, r.claim_ids, r.score, r.evidence) for r in pushed.rings] == \
        [(r.ring_id, r.claim_ids, r.score, r.evidence) for r in pulled.rings]
    pd.testing.assert_frame_equal(pushed.identifiers, pulled.identifiers)
    assert pushed.result.claim_risks == pulled.result.claim_risks
    assert pushed.result.identifier_profiles == pulled.result.identifier_profiles
    households = pushed.book.customers["household"]
    before = pulled.book.customers["household"].reindex(households.index)
    # the same partition of the customers detection looks at, whatever the numbers
    assert pd.crosstab(households, before).astype(bool).sum(axis=1).max() == 1
    assert pd.crosstab(before, households).astype(bool).sum(axis=1).max() == 1
    # the store sends no customer node and no table of customers' or policies' relationships
    assert not any(k.startswith(("nodes Customer", "edges Customer-", "edges Agent-SOLD"))
                   for k in pushed_reading.rows), pushed_reading.rows
    assert pushed_reading.rows["claim_identifier_holders"] > 0
    assert sum(pushed_reading.rows.values()) < sum(pulled_reading.rows.values())
