"""The claim page's risk panel in a real browser (Debian's headless Chromium driven by
Playwright) against the app served by uvicorn on a SQLite store after a real detection run: an
investigator reads a ring member's verdict, dismisses the ring through the case form, and the
claim page then shows the verdict ``POST /v1/score`` gives, saying the ring was dismissed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import chromium, require
from tests.servers import serving
from tests.test_claim_page_verdict import EARLIER, EVIL_HOLDER, PAID_AWAY, _detected
from tests.test_explorer import INVESTIGATOR_KEY, RISK_KEY, explorer_app

pytestmark = pytest.mark.browser
require()

from playwright.sync_api import Browser, Page  # noqa: E402 - after the browser is known present


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _score(url: str, claim: str, day: str) -> dict[str, object]:
    answer = httpx.post(f"{url}/v1/score", json={"claim_id": claim, "request_date": day},
                        headers={"X-API-Key": RISK_KEY}, timeout=30)
    assert answer.status_code == 200, answer.text
    reply: dict[str, object] = answer.json()
    return reply


def _dismiss_the_verdicts_ring(page: Page) -> None:
    """From a claim page: open the ring its verdict points to and dismiss it through the ring
    page's case form, with a note."""
    with page.expect_navigation():
        page.click("#verdict-ring a")
    page.select_option("form#case select[name=status]", "dismissed")
    page.fill("form#case textarea[name=note]", "核实为误报")
    with page.expect_navigation():
        page.click("form#case button[type=submit]")
    assert page.query_selector("#case-error") is None


def test_an_investigator_dismisses_a_ring_and_the_claim_page_follows(tmp_path: Path, browser: Browser) -> None:
    store, result = _detected(tmp_path / "graph.db")
    ring = next(r for r in result.rings if "RRC0" in r.claim_ids)
    day = "2024-08-02"
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        with serving(explorer_app(store)) as url:
            page.goto(f"{url}/explorer/entities/Claim/RRC0")
            page.fill("form.login input[name=key]", INVESTIGATOR_KEY)
            with page.expect_navigation():
                page.click("form.login button")
            before = _score(url, "RRC0", day)
            assert page.inner_text("#verdict-score") == str(before["score"])
            assert page.inner_text("#verdict-ring a") == ring.ring_id == before["ring_id"]
            assert page.query_selector("#verdict-group") is None
            assert page.eval_on_selector_all("#verdict-reasons p.code", "ps => ps.map(p => p.textContent)") == [
                "claim_in_ring", "identifier_in_ring", "coached_traits"]

            _dismiss_the_verdicts_ring(page)

            page.goto(f"{url}/explorer/entities/Claim/RRC0")
            after = _score(url, "RRC0", day)
            assert after["ring_id"] is None and float(after["score"]) < float(before["score"])  # type: ignore[arg-type]
            assert page.inner_text("#verdict-score") == str(after["score"])
            assert page.inner_text("#verdict-ring") == "无 none"
            assert page.inner_text("#verdict-group a") == ring.ring_id
            assert page.is_visible("#group-dismissed")
            assert "This ring was dismissed: its links no longer count toward the score." in page.inner_text(
                "#group-dismissed")
            assert page.inner_text("#verdict-at-run").startswith(f"{before['score']} · {ring.ring_id}")

            # the payout holder's markup is shown as text and never runs
            page.goto(f"{url}/explorer/entities/Claim/{PAID_AWAY}")
            assert EVIL_HOLDER in page.inner_text("#verdict-reasons")
    finally:
        context.close()
        store.close()
    assert dialogs == []


def test_the_run_line_names_the_ring_the_run_pointed_to(tmp_path: Path, browser: Browser) -> None:
    """A ring member's earlier request (its own group is the care home's, a group the run did
    not alert; its reasons point at the agency ring through its customer): after the agency
    ring is dismissed through the case form, the page's line about the run names the agency
    ring, the ring the run's verdict pointed to, not the claim's own group."""
    store, result = _detected(tmp_path / "graph.db")
    ring = next(r for r in result.rings if "RRC0" in r.claim_ids)
    own = store.claim_risks([EARLIER])[EARLIER]
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        with serving(explorer_app(store)) as url:
            before = _score(url, EARLIER, "2023-03-10")
            assert (before["score"], before["ring_id"]) == (own.risk, ring.ring_id) != (own.risk, own.ring_id)
            page.goto(f"{url}/explorer/entities/Claim/{EARLIER}")
            page.fill("form.login input[name=key]", INVESTIGATOR_KEY)
            with page.expect_navigation():
                page.click("form.login button")
            assert page.query_selector("#verdict-at-run") is None  # nothing changed since the run
            _dismiss_the_verdicts_ring(page)
            page.goto(f"{url}/explorer/entities/Claim/{EARLIER}")
            after = _score(url, EARLIER, "2023-03-10")
            assert page.inner_text("#verdict-score") == str(after["score"]) != str(before["score"])
            assert page.inner_text("#verdict-at-run") == (
                f"{own.risk} · {ring.ring_id} （此后的案件决定或新数据改变了评分 · a case decision or data loaded "
                "since changed the score）")
    finally:
        context.close()
        store.close()
