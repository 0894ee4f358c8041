"""Clients that present wrong API keys are throttled: after the limit, 429 with Retry-After and
the key is no longer looked at; other clients are not affected. Real uvicorn server, clients
told apart by the address a trusted proxy forwards (uvicorn trusts 127.0.0.1 by default)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import serving_ring_book
from tests.test_api_book import INVESTIGATOR_KEY

LIMIT = 10


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serving_ring_book(tmp_path) as url:
        yield url


def _client(url: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"X-Forwarded-For": address}, timeout=30)


def test_wrong_keys_from_one_client_are_throttled(served: str) -> None:
    with _client(served, "10.0.0.1") as guesser, _client(served, "10.0.0.2") as bystander:
        codes = Counter(guesser.get("/v1/rings", headers={"X-API-Key": f"guess-{i:06d}"}).status_code
                        for i in range(400))
        assert codes == {401: LIMIT, 429: 400 - LIMIT}
        refused = guesser.get("/v1/rings", headers={"X-API-Key": INVESTIGATOR_KEY})
        assert refused.status_code == 429 and refused.json()["error"] == "too_many_requests"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert guesser.post("/v1/score", json={"claim_id": "X", "request_date": "2024-01-01"},
                            headers={"X-API-Key": "guess"}).status_code == 429
        assert guesser.get("/v1/rings").status_code == 401  # no key is no guess
        # the explorer's sign-in and key header count the same
        page = guesser.get("/explorer/", headers={"X-API-Key": INVESTIGATOR_KEY})
        assert page.status_code == 429 and "Too many unknown keys" in page.text
        # the same window: the wait can only have shortened by the seconds since (never reset)
        assert 1 <= int(page.headers["retry-after"]) <= int(refused.headers["retry-after"])
        # another client is not affected
        assert bystander.get("/v1/rings", headers={"X-API-Key": INVESTIGATOR_KEY}).status_code == 200
        assert bystander.get("/v1/rings", headers={"X-API-Key": "wrong"}).status_code == 401


def test_the_sign_in_form_counts_wrong_keys(served: str) -> None:
    with _client(served, "10.0.0.3") as guesser:
        form = guesser.get("/explorer/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        codes = [guesser.post("/explorer/login", data={"key": f"guess-{i}", "csrf": token}).status_code
                 for i in range(LIMIT + 2)]
        assert codes == [401] * LIMIT + [429, 429]
        assert guesser.post("/explorer/login", data={"key": INVESTIGATOR_KEY, "csrf": token},
                            follow_redirects=False).status_code == 429
