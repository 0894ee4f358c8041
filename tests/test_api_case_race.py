"""Simultaneous case changes over real HTTP: a uvicorn server, pairs of PATCH requests sent at
the same moment. Exactly one of each pair wins (200); the other gets 409, never 503."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import serving_ring_book
from tests.test_api_book import ADMIN_KEY, INVESTIGATOR_KEY

PAIRS = 41  # odd: the case ends up investigating, from where two decisions compete


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serving_ring_book(tmp_path) as url:
        yield url


def _pair(url: str, bodies: list[dict[str, str]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)
    keys = [INVESTIGATOR_KEY, ADMIN_KEY]

    def send(i: int) -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": keys[i % 2]}, timeout=30) as client:
            client.get("/healthz")  # connected before the race starts
            barrier.wait()
            answers[i] = client.patch("/v1/rings/R-1", json=bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def test_simultaneous_status_changes_one_wins_the_other_gets_409(served: str) -> None:
    status = "new"
    for _ in range(PAIRS):
        target = "dismissed" if status == "investigating" else "investigating"
        answers = _pair(served, [{"status": target, "note": "a"}, {"status": target, "note": "b"}])
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [a.text for a in answers]
        assert next(a for a in answers if a.status_code == 409).json()["error"] == "conflict"
        status = target
    assert status == "investigating"
    decisions = _pair(served, [{"status": "confirmed", "expected_status": "investigating", "note": "已报案"},
                               {"status": "dismissed", "expected_status": "investigating", "note": "误报"}])
    assert sorted(a.status_code for a in decisions) == [200, 409]
    with httpx.Client(base_url=served, headers={"X-API-Key": INVESTIGATOR_KEY}) as client:
        audit = client.get("/v1/rings/R-1/audit").json()
        stale = client.patch("/v1/rings/R-1", json={"status": "investigating", "expected_status": "new"})
    assert len(audit) == PAIRS + 1
    assert audit[0]["from_status"] == "new"
    assert all(a["to_status"] == b["from_status"] for a, b in itertools.pairwise(audit))
    assert stale.status_code == 409 and "not new" in stale.json()["message"]
