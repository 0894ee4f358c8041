"""Held-out quality of ``POST /v1/score``: generate a book, hold some surrender requests out,
ingest and detect the rest, score the held-out requests over HTTP, ROC AUC against the truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from detectors.holdout import hold_out, roc_auc
from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.test_api_book import KEYS, RISK_KEY

AUC_BAR = 0.90


@pytest.mark.parametrize("difficulty", ["normal", "hard"])
def test_held_out_requests_score_with_auc_above_bar(tmp_path: Path, difficulty: str) -> None:
    book = tmp_path / "book"
    generate_book(book, BookConfig(customers=12_000, seed=11, difficulty=difficulty, ring_rate=8.0))
    requests, in_ring = hold_out(book, share=0.2, seed=11)
    with SQLiteStore(tmp_path / "graph.db") as store:
        ingest_folder(book, store)
        detect(store, DetectionParams(seed=11))
        app = create_app(Settings(RINGSCOPE_API_KEYS=KEYS), store=store)
        scores: dict[str, float] = {}
        with TestClient(app) as client:
            for request in requests:
                answer = client.post("/v1/score", json=request, headers={"X-API-Key": RISK_KEY})
                assert answer.status_code == 200, answer.text
                scores[request["claim_id"]] = answer.json()["score"]
    positives = [s for c, s in scores.items() if in_ring[c]]
    negatives = [s for c, s in scores.items() if not in_ring[c]]
    assert len(positives) >= 10 and len(negatives) >= 100
    auc = roc_auc(positives, negatives)
    assert auc >= AUC_BAR, f"held-out AUC {auc:.3f} below {AUC_BAR}"


def test_roc_auc_exact_values() -> None:
    assert roc_auc([1.0], [0.0]) == 1.0
    assert roc_auc([0.0], [1.0]) == 0.0
    assert roc_auc([0.5, 0.5], [0.5]) == 0.5
    assert roc_auc([0.9, 0.8], [0.1, 0.8]) == 0.875
    with pytest.raises(ValueError):
        roc_auc([], [0.1])
