"""Runs left "running" by a process that was killed are marked failed, with the reason, when
the app (or the next run) starts; runs whose process still works are left alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from tests.test_api_book import ADMIN_KEY, KEYS, load_ring_book

ADMIN = {"X-API-Key": ADMIN_KEY}

# A process that records a detection run as started, then works "for ever".
_WORKER = """
import sys, time
from graph.connect import open_store
from graph.results import RunRecord
store = open_store(sys.argv[1])
store.start_run(RunRecord("run-of-the-killed", {"seed": 1}, "", "2024-07-01T00:00:00+00:00"))
print("started", flush=True)
time.sleep(300)
"""


def test_a_run_of_a_killed_process_is_failed_on_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "graph.db"
    with SQLiteStore(db) as store:
        load_ring_book(store)
    worker = subprocess.Popen([sys.executable, "-c", _WORKER, f"sqlite:///{db}"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "started"
        with SQLiteStore(db) as store, TestClient(create_app(Settings(RINGSCOPE_API_KEYS=KEYS), store=store)) as c:
            alive = c.get("/v1/runs/run-of-the-killed", headers=ADMIN).json()
            assert alive["status"] == "running"  # its process works on: left alone
    finally:
        worker.kill()  # SIGKILL: no chance to record anything
        worker.wait(30)
    with SQLiteStore(db) as store:
        assert store.runs()[0].status == "running"  # until someone starts
        with TestClient(create_app(Settings(RINGSCOPE_API_KEYS=KEYS), store=store)) as c:
            run = c.get("/v1/runs/run-of-the-killed", headers=ADMIN).json()
            assert run["status"] == "failed" and run["finished_at"] is not None
            assert run["error"] == (
                f"abandoned: the process that ran it (pid {worker.pid} on "
                f"{store.runs()[0].owner['host']}) ended before the run finished"  # type: ignore[index]
            )
            assert c.get("/readyz").json()["run_id"] == "run-1"  # the results in place stay current
