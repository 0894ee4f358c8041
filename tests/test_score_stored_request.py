"""``POST /v1/score`` of a request the store already holds, and the ring a reply names: real
SQLite store, real detection run, real HTTP calls to the served app.

A risk system re-checking a stored request names it by id and date. The book: an agency ring
(full refunds on complaint grounds paid into its account), a care home whose worker files ten
residents' cash-value requests (one resident complains: the group is capped under the alert
threshold), a dozen honest complainers and ordinary surrenders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from detectors.params import DetectionParams
from detectors.pipeline import detect
from detectors.realtime import RealtimeScorer
from graph.model import Label
from graph.results import ALERT_THRESHOLD, DetectionResult
from graph.sqlite_store import SQLiteStore
from tests.detect_books import BookBuilder
from tests.servers import serving
from tests.test_detect_realities import SURNAMES, _agency_ring, _background, _mobile
from tests.test_explorer import RISK_KEY, explorer_app

WORKER = ("林护工", "360702198001010077", "+8613800000077")


def care_home_book() -> BookBuilder:
    book = BookBuilder()
    book.agent("A-OK")
    _background(book)
    _agency_ring(book, "赣州维权咨询服务有限公司")
    for k in range(12):
        cust = book.customer(f"HC{k}", f"{SURNAMES[k + 2]}诉{k}", f"赣州市瑞金市{k}号", _mobile("133", k))
        book.claim(f"HCC{k}", cust, "A-OK", f"{2023 + k % 2}-{1 + k:02d}-15", full_refund=True,
                   complaint_reason=True, contact=_mobile("133", k))
    for i in range(10):
        cust = book.customer(f"CH{i}", f"{SURNAMES[i + 5]}老{i}", f"赣州市章贡区{i}号", _mobile("135", i))
        book.claim(f"CHC{i}", cust, "A-OK", f"{2023 + i // 5}-{1 + 2 * i % 12:02d}-10", complaint_reason=i == 0,
                   contact=WORKER[2], rep=WORKER, account="6222000099990001" if i % 3 == 0 else None,
                   account_name="章贡区福寿养老院" if i % 3 == 0 else None)
    return book


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SQLiteStore, DetectionResult]]:
    store = SQLiteStore(tmp_path_factory.mktemp("stored") / "graph.db")
    store.load(care_home_book().bundle())
    result = detect(store, DetectionParams(seed=1))
    with serving(explorer_app(store)) as url:
        yield url, store, result
    store.close()


def _score(url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{url}/v1/score", json=body, headers={"X-API-Key": RISK_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    reply: dict[str, Any] = answer.json()
    return reply


def test_a_stored_request_named_by_id_and_date_is_scored_as_the_batch_run_scored_it(
        served: tuple[str, SQLiteStore, DetectionResult]) -> None:
    """Every claim of the book, sent as its id and date alone, gets the risk the batch run gave
    it (the explorer's figure) and, in the ring, the ring; what a re-check gives replaces the
    stored value (a request corrected to cash value for an ordinary reason scores lower)."""
    url, store, result = served
    claims = sorted(str(k) for k in store.nodes_frame(Label.CLAIM)["key"])
    risks = store.claim_risks(claims)
    alerted = {c: r.ring_id for r in result.rings if r.score >= ALERT_THRESHOLD for c in r.claim_ids}
    differ = []
    for claim in claims:
        date = store.get_node(Label.CLAIM, claim).props["request_date"]  # type: ignore[union-attr]
        reply = _score(url, {"claim_id": claim, "request_date": date})
        if (reply["score"], reply["ring_id"], reply["warnings"]) != (risks[claim].risk, alerted.get(claim), []):
            differ.append((claim, reply["score"], risks[claim].risk))
    assert differ == []
    member = sorted(alerted)[0]
    assert risks[member].risk > max(r.score for r in result.rings if r.score >= ALERT_THRESHOLD) - 0.2
    date = store.get_node(Label.CLAIM, member).props["request_date"]  # type: ignore[union-attr]
    corrected = _score(url, {"claim_id": member, "request_date": date, "refund_type": "cash_value",
                             "reason_code": "money_need"})
    assert corrected["score"] < risks[member].risk
    assert RealtimeScorer(store).score({"claim_id": member, "request_date": date}).score == risks[member].risk


def test_a_group_the_run_did_not_alert_is_never_the_replys_ring(
        served: tuple[str, SQLiteStore, DetectionResult]) -> None:
    """A new resident's request filed by the care home's worker points at the worker's group,
    which the run scored under the alert threshold: the reply is low and names no ring."""
    url, _, result = served
    group = next(r for r in result.rings if "CHC0" in r.claim_ids)
    assert group.score < ALERT_THRESHOLD
    reply = _score(url, {"claim_id": "N10", "request_date": "2024-06-10", "contact_phone": "138 0000 0077",
                         "representative_name": WORKER[0], "representative_id_number": WORKER[1],
                         "representative_phone": WORKER[2]})
    assert [r["code"] for r in reply["reasons"]] == ["repeat_representative"]
    assert (reply["level"], reply["ring_id"], reply["ring_status"]) == ("low", None, None)


@pytest.mark.parametrize("typed", ["＝＂{id}＂", "'{id}", '="{id}"', "{head}\u200b{tail}", "{full}",
                                   "“{id}”", "'{id}'", "「{id}」", "【{id}】", "{id}’"])
def test_a_stored_request_id_typed_as_ingest_reads_it_is_the_stored_request(
        served: tuple[str, SQLiteStore, DetectionResult], typed: str) -> None:
    """A ring member's id typed through a spreadsheet or an IME (full-width, a leading ``'``,
    ``="…"``, a zero-width space inside, an input method's quotation marks or brackets) names
    the stored request, as ingest reads the id:
    the same score and ring as the id typed plainly, no warning, over HTTP and in Python."""
    url, store, result = served
    member = sorted(c for r in result.rings if r.score >= ALERT_THRESHOLD for c in r.claim_ids)[0]
    date = store.get_node(Label.CLAIM, member).props["request_date"]  # type: ignore[union-attr]
    plain = _score(url, {"claim_id": member, "request_date": date})
    assert plain["score"] >= ALERT_THRESHOLD and plain["ring_id"] is not None
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in member)  # the full-width forms of ASCII
    claim_id = typed.format(id=member, head=member[:2], tail=member[2:], full=full)
    reply = _score(url, {"claim_id": claim_id, "request_date": date})
    assert (reply["score"], reply["ring_id"], reply["warnings"]) == (plain["score"], plain["ring_id"], [])
    assert reply["claim_id"] == claim_id
    assert RealtimeScorer(store).score({"claim_id": claim_id, "request_date": date}).score == plain["score"]


@pytest.mark.parametrize("empty", ["\u00ad", "\u200b\u200b", "无", "  "])
def test_a_policy_or_customer_id_empty_once_cleaned_is_missing(
        served: tuple[str, SQLiteStore, DetectionResult], empty: str) -> None:
    """A policy or customer id of nothing but invisible characters, blanks or a placeholder is
    an empty cell to ingest: missing, so the request is the stored one its id names (the schema
    allows such strings, and they were refused with 422 as damaged ids)."""
    url, store, result = served
    member = sorted(c for r in result.rings if r.score >= ALERT_THRESHOLD for c in r.claim_ids)[0]
    date = store.get_node(Label.CLAIM, member).props["request_date"]  # type: ignore[union-attr]
    plain = _score(url, {"claim_id": member, "request_date": date})
    reply = _score(url, {"claim_id": member, "request_date": date, "policy_id": empty, "customer_id": empty})
    assert (reply["score"], reply["ring_id"], reply["warnings"]) == (plain["score"], plain["ring_id"], [])


def test_a_request_id_a_spreadsheet_damaged_is_refused_with_the_field(
        served: tuple[str, SQLiteStore, DetectionResult]) -> None:
    """An id a spreadsheet turned into a number rendering (``2.02311E+15``) names no record:
    422 naming ``claim_id``, as ingest refuses it."""
    url, _, _ = served
    answer = httpx.post(f"{url}/v1/score", json={"claim_id": "2.02311E+15", "request_date": "2024-06-10"},
                        headers={"X-API-Key": RISK_KEY}, timeout=30)
    assert answer.status_code == 422, answer.text
    assert [(d["field"], d["location"]) for d in answer.json()["detail"]] == [("claim_id", "body")]
