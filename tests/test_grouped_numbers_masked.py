"""Numbers written in groups inside free text (a letter's ``138 0013 8000``, a card in groups of
four, an ID number in groups) are masked for a role without PII rights as the same numbers
typed without separators are: real SQLite store, the real app served by uvicorn over HTTP, the
case file written to disk.

The letter is the one a clerk or a customer writes (domain: mobiles "typed with +86, spaces or
dashes", cards "often typed in groups of four"); dates and year ranges in it stay readable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from api import analysis as rs
from api.privacy import mask_text
from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.sqlite_store import SQLiteStore
from tests.servers import serving
from tests.test_explorer import INVESTIGATOR_KEY, explorer_app, ring_book, ring_results

LETTER = ("电话:138 0013 8000;手机139-7970-1234;+86 186 7910 0555;身份证3601 0219 5501 1010 06;"
          "卡号6222 0202 0011 2233 446;代理人身份证360102 19560211 107X 2024-05-09 来电,2023-2024 年度")
SHOWN_IN_FULL = ["138 0013 8000", "139-7970-1234", "186 7910 0555", "3601 0219 5501 1010 06",
                 "6222 0202 0011 2233 446", "360102 19560211 107X", "0013", "7970", "7910", "5501",
                 "0202 0011", "19560211"]
MASKED = ["138 **** 8000", "139-****-1234", "+86 186 **** 0555", "360* **** **** **10 06",
          "622* **** **** ***3 446", "360*** ******** 107X", "2024-05-09", "2023-2024"]
IN_TOOLTIP = MASKED[:6]  # a network's tooltip shortens the letter after the numbers, before its dates


def _letter_book() -> GraphBundle:
    """Customer U1 of the explorer's ring book writes one more letter, about policy P1."""
    frame = pd.DataFrame
    return GraphBundle(
        nodes=[NodeBatch(Label.COMPLAINT, frame({"key": ["K3"], "received_date": ["2025-02-24"], "text": [LETTER]}))],
        edges=[EdgeBatch(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT, frame({"src": ["U1"], "dst": ["K3"]})),
               EdgeBatch(Label.COMPLAINT, Rel.ABOUT, Label.POLICY, frame({"src": ["K3"], "dst": ["P1"]}))],
        fingerprint="letter-with-grouped-numbers")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path_factory.mktemp("letters") / "graph.db")
    store.load(ring_book())
    store.load(_letter_book())
    store.save_results(ring_results())
    yield store
    store.close()


@pytest.fixture(scope="module")
def url(store: SQLiteStore) -> Iterator[str]:
    with serving(explorer_app(store)) as served:
        yield served


def _assert_masked(text: str, where: str, masked: list[str] = MASKED) -> None:
    assert [n for n in SHOWN_IN_FULL if n in text] == [], where
    assert [m for m in masked if m not in text] == [], where


@pytest.mark.parametrize("path", ["/v1/entities/complaint/K3", "/v1/entities/customer/U1/neighborhood",
                                  "/explorer/entities/complaint/K3", "/explorer/rings/R-1"])
def test_an_investigator_without_pii_rights_reads_grouped_numbers_masked(url: str, path: str) -> None:
    """The letter's text in the API's entity and neighbourhood answers, the explorer's letter
    page and the ring page's network tooltips (R-1 holds U1's claim)."""
    answer = httpx.get(f"{url}{path}", headers={"X-API-Key": INVESTIGATOR_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    text = json.dumps(answer.json(), ensure_ascii=False) if path.startswith("/v1/") else answer.text
    assert "电话:138" in text  # the letter is there
    _assert_masked(text, path, IN_TOOLTIP if path == "/explorer/rings/R-1" else MASKED)


def test_the_case_file_network_masks_grouped_numbers_unless_asked(store: SQLiteStore, tmp_path: Path) -> None:
    masked = rs.case_report(store, "R-1", tmp_path / "masked")["network.html"].read_text(encoding="utf-8")
    shown = rs.case_report(store, "R-1", tmp_path / "shown", show_pii=True)["network.html"].read_text(
        encoding="utf-8")
    assert "6222 0202 0011 2233 446" in shown
    _assert_masked(masked, "network.html", IN_TOOLTIP)


@pytest.mark.parametrize(("typed", "shown"), [
    ("138.0013.8002", "138.****.8002"),
    ("138_0013_8011", "138_****_8011"),
    ("138/0013/8012", "138/****/8012"),
    ("微信号wx13800138005", "微信号wx138****8005"),
    ("电话(138)00138004", "电话(138)****8004"),
    ("13 800 138 010", "13 8** **8 010"),
    # dates, year ranges, amounts and record ids stay readable
    ("2024.05.09 至 2023/11/01 - 2024/05/09", "2024.05.09 至 2023/11/01 - 2024/05/09"),
    ("保费12,000.50元（2019年）第2023/0001号 SC0000559", "保费12,000.50元（2019年）第2023/0001号 SC0000559"),
])
def test_numbers_written_other_ways_in_a_letter_are_masked(typed: str, shown: str) -> None:
    """An outside tester read these six in a letter in full as an investigator without PII
    rights (a dot, underscore, slash or parentheses between groups; a first group of two
    digits; a mobile number run into a word)."""
    assert mask_text(typed) == shown
