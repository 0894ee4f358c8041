"""Detection runs through the API on a generated book, with the real pipeline: progress, results,
and investigators' case status surviving a re-run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from detectors.params import PARAM_BOUNDS
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.detect_books import trap_book
from tests.test_api_book import ADMIN_KEY, INVESTIGATOR_KEY, KEYS

ADMIN = {"X-API-Key": ADMIN_KEY}
INVESTIGATOR = {"X-API-Key": INVESTIGATOR_KEY}


def _run(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    started = client.post("/v1/runs", json=body or {"params": {"seed": 5}}, headers=ADMIN)
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


_SCHEMA_LIMITS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def test_run_parameters_are_bounded_and_an_empty_result_replaces_rings_only_when_asked(
        tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(trap_book().bundle())
        with TestClient(create_app(Settings(RINGSCOPE_API_KEYS=KEYS), store=store)) as client:
            spec = client.get("/openapi.json").json()["components"]["schemas"]["DetectionParamsIn"]
            for name, limits in PARAM_BOUNDS.items():
                shown = {k: v for k, v in spec["properties"][name].items() if k in _SCHEMA_LIMITS.values()}
                assert shown == {_SCHEMA_LIMITS[k]: v for k, v in limits.items()}, name
            assert spec["additionalProperties"] is False

            assert _run(client, {"params": {"seed": 7}})["status"] == "succeeded"
            rings = client.get("/v1/rings", headers=INVESTIGATOR).json()["items"]
            assert rings
            erase = client.post("/v1/runs", json={"params": {"resolution": 1e308}}, headers=ADMIN)
            assert erase.status_code == 422
            assert [d["field"] for d in erase.json()["detail"]] == ["params.resolution"]

            nothing = {"params": {"seed": 7, "min_ring_claims": 10_000}}
            refused = _run(client, nothing)
            assert refused["status"] == "failed"
            assert f"found no rings and would replace the {len(rings)} current ones" in refused["error"]
            assert client.get("/v1/rings", headers=INVESTIGATOR).json()["items"] == rings
            ring_page = client.get(f"/v1/rings/{rings[0]['ring_id']}", headers=INVESTIGATOR)
            assert ring_page.status_code == 200

            allowed = _run(client, {**nothing, "allow_empty": True})
            assert allowed["status"] == "succeeded" and allowed["summary"]["rings"] == 0
            assert client.get("/v1/rings", headers=INVESTIGATOR).json()["total"] == 0
