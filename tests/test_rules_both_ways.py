"""One rule set: every claim of a book scored by the batch run and again as a real-time request
gets the same reasons and the same score."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from detectors.params import DetectionParams
from detectors.pipeline import detect, run_detection
from detectors.realtime import RealtimeScorer
from graph.results import RunRecord
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[SQLiteStore, Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, BookConfig(customers=4_000, seed=5, difficulty="realistic"))
    store = SQLiteStore(folder / "graph.db")
    ingest_folder(folder, store)
    params = DetectionParams(seed=5)
    detect(store, params)
    batch = run_detection(store, params, RunRecord("again", params.as_dict(), "", ""), previous=store.rings())
    return store, folder, {v.claim_id: v for v in batch.verdicts}


def test_batch_and_real_time_give_the_same_reasons(scored: tuple[SQLiteStore, Path, dict[str, object]]) -> None:
    store, folder, batch = scored
    scorer = RealtimeScorer(store)
    with (folder / "surrenders.csv").open(encoding="utf-8") as f:
        requests = list(csv.DictReader(f))
    assert len(requests) == len(batch) > 100
    differ = []
    for request in requests:
        online = scorer.score(request)
        offline = batch[request["claim_id"]]
        if online.reasons != offline.reasons or online.score != offline.score:  # type: ignore[attr-defined]
            differ.append(request["claim_id"])
    assert differ == []
    codes = {r.code for v in batch.values() for r in v.reasons}  # type: ignore[attr-defined]
    assert {"claim_in_ring", "identifier_in_ring", "coached_traits"} <= codes
