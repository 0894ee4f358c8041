"""The explorer's claim page tells the verdict ``POST /v1/score`` gives the claim: real SQLite
store, real detection run, the app served by uvicorn, real HTTP calls.

The book: an agency ring (six full-refund complaint requests paid into one account), a request
paid to a company whose name carries markup, a care home whose worker files ten residents' cash-value
requests (a group the run scores under the alert threshold), and one ring member's earlier
request filed through the care home's worker: that claim's own group is the care home's, while
its reasons point at the ring through its customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.model import Label
from graph.results import ALERT_THRESHOLD, DetectionResult, Ring
from graph.sqlite_store import SQLiteStore
from tests.detect_books import BookBuilder
from tests.servers import serving
from tests.test_detect_realities import SURNAMES, _agency_ring, _background, _mobile
from tests.test_explorer import INVESTIGATOR_KEY, RISK_KEY, explorer_app

WORKER = ("林护工", "360702198001010077", "+8613800000077")
EVIL_HOLDER = "<img src=x onerror=alert(1)>赣州维权咨询服务有限公司"
PAID_AWAY = "EVC1"
"""A request paid to a company account whose holder name carries markup."""
EARLIER = "CHRR0"
"""A ring member's (customer RR0's) earlier request, filed through the care home's worker."""


def two_groups_book() -> BookBuilder:
    book = BookBuilder()
    book.agent("A-OK")
    _background(book)
    _agency_ring(book, "赣州维权咨询服务有限公司")
    lone = book.customer("EV1", "严某", "赣州市南康区1号", _mobile("137", 1))
    book.claim(PAID_AWAY, lone, "A-OK", "2024-02-20", account="6222000077770001", account_name=EVIL_HOLDER)
    book.node(Label.CLAIM, PAID_AWAY, payout_account_name=EVIL_HOLDER)  # where ingest keeps it too
    for i in range(10):
        cust = book.customer(f"CH{i}", f"{SURNAMES[i + 5]}老{i}", f"赣州市章贡区{i}号", _mobile("135", i))
        book.claim(f"CHC{i}", cust, "A-OK", f"{2023 + i // 5}-{1 + 2 * i % 12:02d}-10", complaint_reason=i == 0,
                   contact=WORKER[2], rep=WORKER, account="6222000099990001", account_name="章贡区福寿养老院")
    book.claim(EARLIER, "RR0", "A-OK", "2023-03-10", contact=WORKER[2], rep=WORKER, account="6222000099990001",
               account_name="章贡区福寿养老院")
    return book


def _detected(path: Path) -> tuple[SQLiteStore, DetectionResult]:
    store = SQLiteStore(path)
    store.load(two_groups_book().bundle())
    return store, detect(store, DetectionParams(seed=1))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SQLiteStore, DetectionResult]]:
    store, result = _detected(tmp_path_factory.mktemp("claim-page") / "graph.db")
    with serving(explorer_app(store)) as url:
        yield url, store, result
    store.close()


def _date(store: SQLiteStore, claim: str) -> str:
    return str(store.get_node(Label.CLAIM, claim).props["request_date"])  # type: ignore[union-attr]


def _score(url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{url}/v1/score", json=body, headers={"X-API-Key": RISK_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    reply: dict[str, Any] = answer.json()
    return reply


def _page(url: str, claim: str) -> str:
    answer = httpx.get(f"{url}/explorer/entities/Claim/{claim}", headers={"X-API-Key": INVESTIGATOR_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.text


def _shown(page: str) -> dict[str, Any]:
    """What the claim page's risk panel says: score, level, the rings it links, reason codes."""
    def block(element_id: str) -> str:
        found = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
        return found.group(2) if found else ""

    def ring(element_id: str) -> str | None:
        found = re.search(r'href="/explorer/rings/([^"]+)"', block(element_id))
        return found.group(1) if found else None

    return {"score": block("verdict-score"), "level": block("verdict-level").split()[-1] if block("verdict-level") else "",
            "ring": ring("verdict-ring"), "group": ring("verdict-group"),
            "reasons": re.findall(r'<p class="code">([a-z_]+)</p>', block("verdict-reasons"))}


def _ring(result: DetectionResult, claim: str) -> Ring:
    return next(r for r in result.rings if claim in r.claim_ids)


def test_every_claim_page_shows_the_verdict_v1_score_gives(
        served: tuple[str, SQLiteStore, DetectionResult]) -> None:
    """Every claim's page shows the score, level, ring and reasons (in order) that
    ``{claim_id, request_date}`` gets from ``/v1/score``, and, before any decision, no other
    figure "at the detection run" (the run stored the same)."""
    url, store, _ = served
    claims = sorted(str(k) for k in store.nodes_frame(Label.CLAIM)["key"])
    assert len(claims) == 98
    differ = []
    for claim in claims:
        reply = _score(url, {"claim_id": claim, "request_date": _date(store, claim)})
        page = _page(url, claim)
        expected = {"score": str(reply["score"]), "level": reply["level"], "ring": reply["ring_id"],
                    "reasons": [r["code"] for r in reply["reasons"]]}
        shown = _shown(page)
        if {k: shown[k] for k in expected} != expected or 'id="verdict-at-run"' in page:
            differ.append((claim, expected, shown))
    assert differ == []
    risks = store.claim_risks(claims)
    # the care home's resident who gave a complaint reason shows a ring's trait, and nothing else
    assert sorted(c for c in claims if risks[c].risk >= ALERT_THRESHOLD) == [
        EARLIER, PAID_AWAY, *(f"RRC{k}" for k in range(6))]
    assert 0.3 < risks["CHC0"].risk < ALERT_THRESHOLD


def test_a_claim_whose_reasons_point_at_another_ring_than_its_group_shows_both(
        served: tuple[str, SQLiteStore, DetectionResult]) -> None:
    """The ring member's earlier request sits in the care home's group (scored under the alert
    threshold), while its reasons point at the agency ring through its customer: the page
    links both and says which is which, as the reply names the ring."""
    url, _, result = served
    ring, home = _ring(result, "RRC0"), _ring(result, EARLIER)
    assert (ring.score >= ALERT_THRESHOLD, home.score, home.claim_ids) == (
        True, 0.45, tuple(sorted([*(f"CHC{i}" for i in range(10)), EARLIER])))
    reply = _score(url, {"claim_id": EARLIER, "request_date": "2023-03-10"})
    assert (reply["ring_id"], reply["level"]) == (ring.ring_id, "medium")
    assert [r["code"] for r in reply["reasons"]] == ["customer_in_ring", "repeat_representative"]
    page = _page(url, EARLIER)
    assert _shown(page) == {"score": str(reply["score"]), "level": "medium", "ring": ring.ring_id,
                            "group": home.ring_id, "reasons": ["customer_in_ring", "repeat_representative"]}
    assert "评分所指团伙 Ring the reasons point to" in page and "本申请所在分组 The claim's own group" in page
    assert 'id="group-not-alerted"' in page and 'id="group-dismissed"' not in page
    # a ring member's page: the ring is both, said once, and no separate group line
    member = _page(url, "RRC0")
    assert _shown(member)["ring"] == ring.ring_id and 'id="verdict-group"' not in member
    assert "也是本申请所在团伙 also the claim's own group" in member


def test_the_payout_holders_markup_on_a_claim_page_stays_text(
        served: tuple[str, SQLiteStore, DetectionResult]) -> None:
    """The payout account's holder name (untrusted text) reaches the page's reasons escaped."""
    url, _, _ = served
    page = _page(url, PAID_AWAY)
    assert _shown(page)["reasons"] == ["agency_payout", "coached_traits"]
    assert "&lt;img src=x onerror=alert(1)&gt;赣州维权咨询服务有限公司" in page
    assert "<img src=x" not in page


def test_after_a_dismissal_the_page_and_the_reply_agree_and_the_page_says_so(tmp_path: Path) -> None:
    """An investigator dismisses the agency ring (``PATCH /v1/rings/{id}``): a member's reply
    then names no ring and scores lower, the claim page shows that same verdict, its own group
    as dismissed, and the risk the run stored beside it; the earlier request's reasons lose
    the ring too, on the page as in the reply."""
    store, result = _detected(tmp_path / "graph.db")
    ring = _ring(result, "RRC0")
    with serving(explorer_app(store)) as url:
        before = _score(url, {"claim_id": "RRC0", "request_date": _date(store, "RRC0")})
        changed = httpx.patch(f"{url}/v1/rings/{ring.ring_id}", json={"status": "dismissed", "note": "核实为误报"},
                              headers={"X-API-Key": INVESTIGATOR_KEY}, timeout=30)
        assert changed.status_code == 200, changed.text
        stored = store.claim_risks(["RRC0"])["RRC0"]
        after = {}
        for claim in ("RRC0", EARLIER):
            reply = _score(url, {"claim_id": claim, "request_date": _date(store, claim)})
            assert (reply["ring_id"], reply["ring_status"]) == (None, None)
            page = _page(url, claim)
            shown = _shown(page)
            assert (shown["score"], shown["ring"], shown["reasons"]) == (
                str(reply["score"]), None, [r["code"] for r in reply["reasons"]])
            assert "customer_in_ring" not in shown["reasons"] and "claim_in_ring" not in shown["reasons"]
            after[claim] = reply
        member = _page(url, "RRC0")
    store.close()
    assert (before["ring_id"], before["score"], after["RRC0"]["score"]) == (ring.ring_id, 0.9941, 0.6704)
    assert [r["code"] for r in after["RRC0"]["reasons"]] == ["shared_identifier", "coached_traits"]
    assert _shown(member)["group"] == ring.ring_id and 'id="group-dismissed"' in member
    assert "案件 case: 已排除 dismissed" in member
    assert (stored.risk, stored.ring_id) == (before["score"], ring.ring_id)
    at_run = re.search(r'id="verdict-at-run">([^<（]*)', member)
    assert at_run is not None and at_run.group(1).split() == [str(stored.risk), "·", ring.ring_id]


def test_the_run_line_names_the_ring_the_run_pointed_to_or_none(tmp_path: Path) -> None:
    """Investigators confirm the care home's group (the run scored it under the threshold):
    a resident's request and the ring member's earlier request (both of the care home's group)
    now point at it with a higher score, and the line about the run names what the run's
    verdict pointed to (no ring for the resident, the agency ring for the member's request),
    not the claim's own group."""
    store, result = _detected(tmp_path / "graph.db")
    home, agency = _ring(result, "CHC1"), _ring(result, "RRC0")
    with serving(explorer_app(store)) as url:
        for status in ("investigating", "confirmed"):
            changed = httpx.patch(f"{url}/v1/rings/{home.ring_id}", json={"status": status, "note": "养老院代办"},
                                  headers={"X-API-Key": INVESTIGATOR_KEY}, timeout=30)
            assert changed.status_code == 200, changed.text
        lines = {}
        for claim in ("CHC1", EARLIER):
            reply = _score(url, {"claim_id": claim, "request_date": _date(store, claim)})
            assert reply["ring_id"] == home.ring_id
            at_run = re.search(r'id="verdict-at-run">([^<（]*)', _page(url, claim))
            lines[claim] = at_run.group(1).split() if at_run else None
    risks = store.claim_risks(["CHC1", EARLIER])
    store.close()
    assert {c: r.ring_id for c, r in risks.items()} == {"CHC1": home.ring_id, EARLIER: home.ring_id}
    assert lines == {"CHC1": [str(risks["CHC1"].risk), "·", "无团伙", "no", "ring"],
                     EARLIER: [str(risks[EARLIER].risk), "·", agency.ring_id]}
