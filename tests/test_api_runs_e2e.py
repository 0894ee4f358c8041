"""Detection runs through the API on a generated book, with the real pipeline: progress, results,
and investigators' case status surviving a re-run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.test_api_book import ADMIN_KEY, INVESTIGATOR_KEY, KEYS

ADMIN = {"X-API-Key": ADMIN_KEY}
INVESTIGATOR = {"X-API-Key": INVESTIGATOR_KEY}


def _run(client: TestClient) -> dict[str, Any]:
    started = client.post("/v1/runs", json={"params": {"seed": 5}}, headers=ADMIN)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/v1/runs/{job_id}", headers=ADMIN).json()
        assert 0.0 <= job["progress"] <= 1.0
        if job["status"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError("detection run did not finish")


def test_runs_detect_rings_and_case_status_survives_a_rerun(tmp_path: Path) -> None:
    book = tmp_path / "book"
    generate_book(book, BookConfig(customers=3_000, seed=4, ring_rate=6.0))
    with SQLiteStore(tmp_path / "graph.db") as store:
        ingest_folder(book, store)
        with TestClient(create_app(Settings(RINGSCOPE_API_KEYS=KEYS), store=store)) as client:
            assert client.get("/readyz").status_code == 503  # no detection results yet
            first = _run(client)
            assert first["status"] == "succeeded" and first["progress"] == 1.0
            assert client.get("/readyz").status_code == 200
            rings = client.get("/v1/rings?min_score=0.5", headers=INVESTIGATOR).json()["items"]
            assert rings, "the generated book's rings were not found"
            ring_id = rings[0]["ring_id"]
            changed = client.patch(f"/v1/rings/{ring_id}", headers=INVESTIGATOR,
                                   json={"status": "investigating", "note": "called the customers"})
            assert changed.status_code == 200, changed.text

            second = _run(client)
            assert second["status"] == "succeeded" and second["run_id"] != first["run_id"]
            detail = client.get(f"/v1/rings/{ring_id}", headers=INVESTIGATOR)
            assert detail.status_code == 200
            assert detail.json()["status"] == "investigating"
            audit = client.get(f"/v1/rings/{ring_id}/audit", headers=INVESTIGATOR).json()
            assert [(e["from_status"], e["to_status"], e["note"]) for e in audit] == [
                ("new", "investigating", "called the customers")
            ]
