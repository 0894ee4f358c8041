"""``ringscope serve --workers 2`` over real HTTP: each forked worker gives the verdicts one
process gives, a detection run that lands in the store reaches every worker, and a run started
on one worker is followed and guarded by every worker."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from detectors.realtime import RealtimeScorer
from graph.results import ClaimRisk, DetectionResult, RunRecord
from graph.sqlite_store import SQLiteStore
from tests.servers import free_port
from tests.test_api_book import ADMIN_KEY, KEYS, RISK_KEY, load_ring_book

REQUESTS: list[dict[str, Any]] = [
    {"claim_id": "NEW-1", "request_date": "2024-04-02", "policy_id": "P1", "customer_id": "U1",
     "contact_phone": "139-0797-1234", "payout_account": "6222 0202 0011 2233 446",
     "reason_code": "misleading_sale", "refund_type": "full_premium"},
    {"claim_id": "NEW-9", "request_date": "2024-04-02", "contact_phone": "139-0797-1234"},
    {"claim_id": "C1", "request_date": "2024-03-01"},
    {"claim_id": "X", "request_date": "20240101", "customer_id": "nobody"},
]
PHONE_ONLY = REQUESTS[1]
KNOWN_CLAIM = REQUESTS[2]
"""Tied to its ring by the run index a process holds (a phone's ring, by the store, per request)."""


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    port: int

    def workers(self) -> list[psutil.Process]:
        """The processes serving requests: the forked workers, or the one process."""
        return psutil.Process(self.process.pid).children() or [psutil.Process(self.process.pid)]


@contextmanager
def _serve(store: Path, workers: int) -> Iterator[_Server]:
    port = free_port()
    log = store.with_name(f"serve-{workers}.log")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "ringscope"), "serve", "--store",
             f"sqlite:///{store}", "--port", str(port), "--workers", str(workers),
             "--no-access-log"],
            env={**os.environ, "RINGSCOPE_API_KEYS": KEYS}, stdout=out, stderr=subprocess.STDOUT,
        )
    server = _Server(process, port)
    try:
        deadline = time.monotonic() + 60
        while len(server.workers()) < workers or not _ready(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the server did not start:\n{log.read_text()}"
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/readyz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _score(connection: http.client.HTTPConnection, body: dict[str, Any]) -> dict[str, Any]:
    connection.request("POST", "/v1/score", body=json.dumps(body),
                       headers={"X-API-Key": RISK_KEY, "Content-Type": "application/json"})
    answer = connection.getresponse()
    payload = answer.read()
    assert answer.status == 200, payload
    verdict: dict[str, Any] = json.loads(payload)
    return verdict


def _connection_to_each_worker(server: _Server) -> dict[int, http.client.HTTPConnection]:
    """A keep-alive connection served by each worker: connections are opened until every
    worker holds one (which worker accepted a connection: the worker whose socket's far end
    is the connection's own address)."""
    found: dict[int, http.client.HTTPConnection] = {}
    spare = []
    pids = {w.pid for w in server.workers()}
    for _ in range(200):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        _score(connection, PHONE_ONLY)
        assert connection.sock is not None
        mine = connection.sock.getsockname()[1]
        owner = next(pid for pid in pids if any(
            c.raddr and c.raddr[1] == mine for c in psutil.Process(pid).net_connections("tcp")))
        if owner in found:
            spare.append(connection)
        else:
            found[owner] = connection
        if len(found) == len(pids):
            break
    for connection in spare:
        connection.close()
    assert set(found) == pids, "some worker never accepted a connection"
    return found


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    with SQLiteStore(tmp_path / "graph.db") as store:
        load_ring_book(store)
    return tmp_path / "graph.db"


def test_two_workers_give_one_process_verdicts_and_follow_a_new_run(store_path: Path) -> None:
    with _serve(store_path, workers=1) as one, _serve(store_path, workers=2) as two:
        reference = http.client.HTTPConnection("127.0.0.1", one.port, timeout=10)
        before = [_score(reference, body) for body in REQUESTS]
        assert [v["ring_id"] for v in before] == ["R-1", "R-1", "R-1", None]
        by_worker = _connection_to_each_worker(two)
        assert len(by_worker) == 2
        for connection in by_worker.values():
            assert [_score(connection, body) for body in REQUESTS] == before
            connection.request("POST", "/v1/score", body=json.dumps(REQUESTS[0]),
                               headers={"Content-Type": "application/json"})
            refused = connection.getresponse()
            assert (refused.status, json.loads(refused.read())["error"]) == (401, "unauthorized")

        # a new run lands (written by another process, as `ringscope detect` writes one): it
        # has no rings, and each process sees it once it rebuilds its run index
        with SQLiteStore(store_path) as store:
            run = RunRecord("run-2", {"seed": 2}, "ring-book-1", "2024-06-02T00:00:00",
                            "2024-06-02T00:01:00", status="succeeded",
                            summary={"rings": 0, "trait_model": {"prior": 0.05, "log_ratios": {}}})
            store.save_results(DetectionResult(run, [], [ClaimRisk("C1", 0.05)], []))
        waiting = {"one process": reference, **{f"worker {p}": c for p, c in by_worker.items()}}
        deadline = time.monotonic() + 20
        while waiting:  # every connection asked each round: none idles past its keep-alive
            waiting = {name: connection for name, connection in waiting.items()
                       if _score(connection, KNOWN_CLAIM)["ring_id"] is not None}
            assert time.monotonic() < deadline, f"{', '.join(waiting)} did not pick up the new run"
            time.sleep(0.2)
        after = [_score(reference, body) for body in REQUESTS]
        assert [v["ring_id"] for v in after] == [None, None, None, None]
        for connection in by_worker.values():
            assert [_score(connection, body) for body in REQUESTS] == after

def _call(connection: http.client.HTTPConnection, method: str, path: str,
          body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    connection.request(method, path, body=None if body is None else json.dumps(body),
                       headers={"X-API-Key": ADMIN_KEY, "Content-Type": "application/json"})
    answer = connection.getresponse()
    payload: dict[str, Any] = json.loads(answer.read())
    return answer.status, payload


def test_a_run_started_on_one_worker_is_followed_and_guarded_by_every_worker(store_path: Path) -> None:
    with _serve(store_path, workers=2) as two:
        first, second = _connection_to_each_worker(two).values()

        # one run at a time, whoever started it: a run another live process (this test)
        # recorded as running is refused on every worker
        with SQLiteStore(store_path) as store:
            elsewhere = RunRecord("run-elsewhere", {"seed": 3}, store.data_fingerprint(), "2024-06-03T00:00:00")
            store.start_run(elsewhere)
            for connection in (first, second):
                status, answer = _call(connection, "POST", "/v1/runs", {"allow_empty": True})
                assert status == 409 and "run-elsewhere" in answer["message"], answer
            store.record_progress(elsewhere, "links", 0.5)
            status, seen = _call(second, "GET", "/v1/runs/run-elsewhere")
            assert (status, seen["status"], seen["step"], seen["progress"]) == (200, "running", "links", 0.5)
            store.fail_run(elsewhere, "stopped by the test")

        # a run started on the first worker: its id is the run's, and the second worker
        # answers for it from the first moment to the end, as the first does
        status, started = _call(first, "POST", "/v1/runs", {"params": {"seed": 4}, "allow_empty": True})
        assert status == 202, started
        job_id = started["id"]
        assert started["run_id"] == job_id and started["status"] == "running"
        status, seen = _call(second, "GET", f"/v1/runs/{job_id}")
        assert status == 200 and seen["id"] == job_id and seen["params"]["seed"] == 4
        deadline = time.monotonic() + 60
        while True:
            ends = {name: _call(connection, "GET", f"/v1/runs/{job_id}")[1]
                    for name, connection in (("first", first), ("second", second))}
            if all(view["status"] != "running" for view in ends.values()):
                break
            assert time.monotonic() < deadline, f"the run did not end: {ends}"
            time.sleep(0.2)
        assert ends["first"]["status"] == ends["second"]["status"] == "succeeded", ends
        assert ends["first"]["summary"] == ends["second"]["summary"]
        assert ends["second"]["progress"] == 1.0 and ends["second"]["run_id"] == job_id
        listed = [item["id"] for item in _call(second, "GET", "/v1/runs")[1]["items"]]
        assert listed[0] == job_id and "run-elsewhere" in listed


def test_a_scorer_serves_the_index_another_built_until_the_store_moves_on(store_path: Path) -> None:
    with SQLiteStore(store_path) as store, SQLiteStore(store_path) as other:
        built = RealtimeScorer(store)
        index = built.refresh()
        taken = RealtimeScorer(other)
        taken.take_index(built)
        assert taken.index() is index  # checked against the store, not rebuilt
        run = RunRecord("run-2", {"seed": 2}, "ring-book-1", "2024-06-02T00:00:00",
                        "2024-06-02T00:01:00", status="succeeded",
                        summary={"rings": 0, "trait_model": {"prior": 0.05, "log_ratios": {}}})
        store.save_results(DetectionResult(run, [], [ClaimRisk("C1", 0.05)], []))
        late = RealtimeScorer(other)
        late.take_index(built)
        assert set(index.run.rings) == {"R-1", "R-2"}
        assert late.index() is index  # served while the new run's index is read in the background
        deadline = time.monotonic() + 20
        while late.index() is index:
            assert time.monotonic() < deadline, "the new run's index was never read"
            time.sleep(0.05)
        assert not late.index().run.rings  # the new run's: no rings


def test_several_workers_refuse_to_start_without_keys_before_forking(store_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RINGSCOPE_API_KEYS"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ringscope"), "serve", "--store", f"sqlite:///{store_path}",
         "--port", str(free_port()), "--workers", "2"],
        env=env, cwd=store_path.parent, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2  # a settings error
    assert "no API keys configured" in done.stderr and "Traceback" not in done.stderr
    assert "gunicorn" not in done.stdout + done.stderr  # nothing was forked
