"""The access log of a real uvicorn server holds no API key and no unmasked phone, account or
ID number, whatever the client puts in the address."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.access_log import ACCESS_LOGGER
from tests.servers import serving_ring_book
from tests.test_api_book import ADMIN_KEY, INVESTIGATOR_KEY, RING_ACCOUNT

REP_ID = "36070219800101123X"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    lines = _Lines()
    with serving_ring_book(tmp_path, server={"log_level": "info"}) as url:
        logging.getLogger(ACCESS_LOGGER).addHandler(lines)
        try:
            yield url, lines.lines
        finally:
            logging.getLogger(ACCESS_LOGGER).removeHandler(lines)


def test_access_log_masks_identifiers_and_never_holds_a_key(access_lines: tuple[str, list[str]]) -> None:
    url, lines = access_lines
    admin = {"X-API-Key": ADMIN_KEY}
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get(f"/explorer/?key={INVESTIGATOR_KEY}").status_code == 401
        assert client.get(f"/explorer/rings/R-1?api_key={ADMIN_KEY}&x=1").status_code == 401
        assert client.get("/v1/entities/phone/139 0797 1234", headers=admin).status_code == 200
        assert client.get("/v1/entities/phone/+8613907971234/neighborhood?depth=2",
                          headers=admin).status_code == 200
        assert client.get(f"/v1/entities/bank_account/{RING_ACCOUNT}", headers=admin).status_code == 200
        assert client.get(f"/v1/entities/person/{REP_ID}", headers=admin).status_code == 200
        assert client.get("/explorer/entities/phone/13907971234", headers=admin).status_code == 200
        assert client.get("/v1/rings?agent=13907971234", headers=admin).status_code == 200
        assert client.get("/v1/entities/customer/U1%0a%0dforged line", headers=admin).status_code == 422
    log = "\n".join(lines)
    assert len(lines) == 9, log
    for secret in (INVESTIGATOR_KEY, ADMIN_KEY, "13907971234", "0797", RING_ACCOUNT, REP_ID,
                   "forged line\n"):
        assert secret not in log, secret
    assert '"GET /explorer/?key=[redacted] HTTP/1.1" 401' in log
    assert '"GET /explorer/rings/R-1?api_key=[redacted]&x=1 HTTP/1.1" 401' in log
    assert '"GET /v1/entities/phone/139******1234 HTTP/1.1" 200' in log
    assert '"GET /v1/entities/phone/+86139****1234/neighborhood?depth=2 HTTP/1.1" 200' in log
    assert '"GET /v1/entities/bank_account/622************3446 HTTP/1.1" 200' in log
    assert '"GET /v1/entities/person/360***********123X HTTP/1.1" 200' in log
    assert '"GET /v1/rings?agent=139****1234 HTTP/1.1" 200' in log
    assert "/v1/entities/customer/U1%0A%0Dforged%20line" in log  # one line, escaped


def test_numbers_typed_with_separators_are_masked_under_any_entity_type(
        access_lines: tuple[str, list[str]]) -> None:
    """A number block typed with dashes and an ID number typed in groups under a type the API
    does not know are masked in the log like the same digits typed in one run."""
    url, lines = access_lines
    admin = {"X-API-Key": ADMIN_KEY}
    with httpx.Client(base_url=url, timeout=30) as client:
        client.get("/v1/entities/number_block/173-7512-64**", headers=admin)
        assert client.get("/v1/entities/id_number/3601 0219 5602 1110 78", headers=admin).status_code == 422
        assert client.get("/v1/entities/id_number/360102 19560211 1078", headers=admin).status_code == 422
    log = "\n".join(lines)
    assert len(lines) == 3, log
    for typed in ("173-7512", "7512", "0219", "5602", "19560211"):
        assert typed not in log, typed
    assert "/v1/entities/number_block/173-****-64**" in log
    assert "/v1/entities/id_number/360*%20****%20****%20**10%2078" in log
    assert "/v1/entities/id_number/360***%20********%201078" in log
