"""Held-out quality of ``POST /v1/score``: generate a book, hold some surrender requests out,
ingest and detect the rest, score the held-out requests over HTTP, ROC AUC against the truth."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.test_api_book import KEYS, RISK_KEY

AUC_BAR = 0.90


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half).

    >>> roc_auc([0.9, 0.8], [0.1, 0.8])
    0.875
    """
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def hold_out(folder: Path, share: float, seed: int) -> tuple[list[dict[str, str]], dict[str, bool]]:
    """Remove a share of the surrender requests (and their truth rows) from a generated book;
    returns the removed requests and, per removed claim, whether it belongs to a ring."""
    surrenders = pd.read_csv(folder / "surrenders.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    ids = sorted(surrenders["claim_id"])
    held = set(random.Random(seed).sample(ids, k=int(len(ids) * share)))
    surrenders[~surrenders["claim_id"].isin(held)].to_csv(folder / "surrenders.csv", index=False)
    truth[~truth["claim_id"].isin(held)].to_csv(folder / "truth.csv", index=False)
    rows = [{k: v for k, v in row.items() if v != ""}
            for row in surrenders[surrenders["claim_id"].isin(held)].to_dict("records")]
    in_ring = {c: bool(r) for c, r in zip(truth["claim_id"], truth["ring_id"], strict=True)
               if c in held}
    return rows, in_ring


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
