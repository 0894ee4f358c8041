"""An investigator's day in the explorer, in a real browser: Playwright drives Debian's Chromium
against the app served by uvicorn on a generated, ingested and detected book.

Signs in with a named key, finds a ring member's phone typed with dashes, opens a ring from the
work queue, decides on its case through the form (status, assignee, note), checks the audit in
the page and in the API, that the timeline is drawn, that the case report downloads as a PDF
holding the ring, the person and the evidence; dismisses another ring and sees real-time scoring
of a request with its phone drop; adds claims to the confirmed ring, runs detection again and
finds it re-alerted at the top of the queue.

Screenshots of the queue, the ring page and the report's first page go to ``build/screenshots``
(not committed): look at them.
"""

from __future__ import annotations

import base64
import csv
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from api.app import create_app
from api.privacy import mask_text
from api.settings import Settings
from detectors.pipeline import detect
from graph.model import Label, NodeRef
from graph.results import Ring
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from tests.browser import chromium, require
from tests.servers import serving

pytestmark = pytest.mark.browser
require("pdftoppm")

from playwright.sync_api import Browser, Page  # noqa: E402 - after the browser is known present

SHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
ZHANG_KEY = "zhang-wei-key-0001"
LI_KEY = "li-xue-admin-key-0001"
RISK_KEY = "risk-system-key-0001"
KEYS = f"{ZHANG_KEY}:investigator:张伟,{LI_KEY}:admin:李雪,{RISK_KEY}:risk_system"
NEW_CLAIMS = ("S-NEW-1", "S-NEW-2", "S-NEW-3")


def _dashed(phone: str) -> str:
    """A mobile number as a clerk types it: ``138-0013-8000``."""
    national = phone.removeprefix("+86")
    return f"{national[:3]}-{national[3:7]}-{national[7:]}"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SQLiteStore]]:
    folder = tmp_path_factory.mktemp("casework") / "book"
    generate_book(folder, BookConfig(customers=3_000, seed=3, difficulty="normal", ring_rate=8.0))
    store = SQLiteStore(folder.parent / "graph.db")
    ingest_folder(folder, store)
    detect(store)
    yield folder, store
    store.close()


@pytest.fixture(scope="module")
def served(book: tuple[Path, SQLiteStore]) -> Iterator[str]:
    app = create_app(Settings(RINGSCOPE_API_KEYS=KEYS, RINGSCOPE_DEV=False), store=book[1])
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _phone_of(ring: Ring) -> str | None:
    return next((i.value for i in ring.identifiers if i.type == "phone"), None)


def _rings(store: SQLiteStore) -> tuple[Ring, Ring]:
    """Two alerted rings with a shared phone whose profile names them: the one to confirm (it
    has a payout account too, for new claims to use), and the one to dismiss."""
    chosen = []
    for ring in store.rings():
        phone = _phone_of(ring)
        if ring.score < 0.5 or phone is None:
            continue
        profile = store.identifier_profiles([NodeRef(Label.PHONE, phone)]).get(NodeRef(Label.PHONE, phone))
        if profile is not None and profile.ring_id == ring.ring_id:
            chosen.append(ring)
    confirm = next(r for r in chosen if any(i.type == "bank_account" for i in r.identifiers))
    dismiss = next(r for r in chosen if r is not confirm)
    return confirm, dismiss


def _sign_in(page: Page, url: str, key: str) -> None:
    page.goto(f"{url}/explorer/")
    page.fill("form.login input[name=key]", key)
    page.click("form.login button")
    page.wait_for_selector("table.rings")


def _decide(page: Page, status: str, assignee: str | None, note: str) -> None:
    page.select_option("form#case select[name=status]", status)
    if assignee is not None:
        page.select_option("form#case select[name=assignee]", assignee)
    page.fill("form#case textarea[name=note]", note)
    with page.expect_navigation():
        page.click("form#case button[type=submit]")
    assert page.query_selector("#case-error") is None, page.inner_text("#case-error")


def _score(url: str, phone: str, day: str) -> dict[str, Any]:
    answer = httpx.post(f"{url}/v1/score", headers={"X-API-Key": RISK_KEY}, json={
        "claim_id": "RT-1", "request_date": day, "contact_phone": phone})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _add_claims_to(folder: Path, ring: Ring, store: SQLiteStore) -> None:
    """Three more surrenders through the ring's phone and payout account, by new customers of
    the ring's agent, within the ring's weeks: what a newer export would bring."""
    with (folder / "surrenders.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    member = next(r for r in rows if r["claim_id"] == ring.claim_ids[0])
    with (folder / "policies.csv").open(encoding="utf-8") as f:
        policy = next(r for r in csv.DictReader(f) if r["policy_id"] == member["policy_id"])
    account = next(i.value for i in ring.identifiers if i.type == "bank_account")
    names = ("钟秀兰", "邱建国", "严淑芬")
    with (folder / "customers.csv").open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        for n, name in enumerate(names, start=1):
            writer.writerow([f"C-NEW-{n}", name, "", "", "", ""])
    with (folder / "policies.csv").open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        for n in range(1, 4):
            writer.writerow([f"P-NEW-{n}", f"C-NEW-{n}", policy["agent_id"], policy["product"],
                             policy["issue_date"], policy["annual_premium"], policy["premiums_paid"]])
    with (folder / "surrenders.csv").open("a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(member))
        for n, claim in enumerate(NEW_CLAIMS, start=1):
            writer.writerow({**member, "claim_id": claim, "policy_id": f"P-NEW-{n}",
                             "customer_id": f"C-NEW-{n}", "contact_phone": _dashed(_phone_of(ring) or ""),
                             "payout_account": account, "request_date": ring.last_request_date})
    ingest_folder(folder, store)


def _run_detection(url: str) -> None:
    admin = {"X-API-Key": LI_KEY}
    job = httpx.post(f"{url}/v1/runs", headers=admin, json={})
    assert job.status_code == 202, job.text
    for _ in range(600):  # a bounded wait for the run to end, not a speed check
        state = httpx.get(f"{url}/v1/runs/{job.json()['id']}", headers=admin).json()
        if state["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert state["status"] == "succeeded", state


def test_an_investigators_day(served: str, browser: Browser, book: tuple[Path, SQLiteStore]) -> None:
    folder, store = book
    confirm, dismiss = _rings(store)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "status of 401" not in m.text else None)  # the sign-in page

    # signed in with a named key: the page says who
    _sign_in(page, served, ZHANG_KEY)
    assert page.inner_text(".who-name") == "张伟"

    # a ring member's phone, typed with dashes in the search box on any page, opens its page
    phone = _phone_of(confirm)
    assert phone is not None
    page.fill("form[role=search] input[name=q]", _dashed(phone))
    with page.expect_navigation():
        page.press("form[role=search] input[name=q]", "Enter")
    assert "/explorer/entities/Phone/~" in page.url  # a masked identifier's opaque link
    assert page.inner_text("#entity-key") == mask_text(phone)
    assert phone[3:] not in page.content()

    # the queue lists the ring among unassigned rings; open it from there
    page.click("a[href$='/queue']")
    page.wait_for_selector("#queue-unassigned")
    with page.expect_navigation():
        page.click(f"#queue-unassigned a.ring-link:text-is('{confirm.ring_id}')")
    page.wait_for_selector("#network[data-stabilized=true]")

    # decide through the case form: open it, assigned to oneself; then confirm it
    _decide(page, "investigating", "张伟", "调取柜面录像，核对代办人身份")
    assert "investigating" in page.inner_text("#case-status")
    assert page.inner_text("#case-assignee") == "张伟"
    _decide(page, "confirmed", None, "已移交公安，冻结收款账户")
    audit_text = page.inner_text("#audit")
    assert audit_text.count("张伟") >= 2 and "已移交公安，冻结收款账户" in audit_text
    api_audit = httpx.get(f"{served}/v1/rings/{confirm.ring_id}/audit",
                          headers={"X-API-Key": ZHANG_KEY}).json()
    assert [(a["actor"], a["to_status"], a["assignee"], a["note"]) for a in api_audit] == [
        ("张伟", "investigating", "张伟", "调取柜面录像，核对代办人身份"),
        ("张伟", "confirmed", "张伟", "已移交公安，冻结收款账户")]

    # the timeline is drawn on the page, a lane per kind of event
    drawn = page.evaluate("() => { const i = document.querySelector('#timeline img');"
                          " return [i.complete, i.naturalWidth, i.naturalHeight, i.src]; }")
    assert drawn[0] and drawn[1] > 600 and drawn[2] > 60
    svg = base64.b64decode(drawn[3].split(",", 1)[1]).decode()
    assert all(lane in svg for lane in ("退保申请 Requests", "申请的收款账户 Payout accounts named")) and "<circle" in svg
    page.screenshot(path=str(SHOTS / "ring-case-panel-timeline.png"), full_page=True)

    # the case report: a PDF download holding the ring, the person and the evidence in Chinese
    report_url = page.get_attribute("a[href$='/report.pdf']", "href")
    assert report_url is not None
    fetched = page.request.get(served + report_url)  # the browser's own session
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
    with page.expect_download() as downloading:
        page.click("a[href$='/report.pdf']")
    pdf_path = SHOTS.parent / f"case-report-{confirm.ring_id}.pdf"
    downloading.value.save_as(pdf_path)
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    text = _compact("".join(p.extract_text() for p in PdfReader(pdf_path).pages))
    assert confirm.ring_id in text and "张伟" in text and "已移交公安，冻结收款账户" in text
    assert _compact(mask_text(confirm.evidence[0].zh)) in text
    assert phone not in text and phone[3:] not in text  # masked for an investigator
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf_path), str(SHOTS / "case-report-page-1")], check=True)

    # dismissing another ring lowers real-time scoring of a request through its phone
    other = _phone_of(dismiss)
    assert other is not None
    before = _score(served, _dashed(other), dismiss.last_request_date or "2024-01-01")
    assert before["ring_id"] == dismiss.ring_id and before["ring_status"] == "new"
    page.goto(f"{served}/explorer/rings/{dismiss.ring_id}")
    _decide(page, "dismissed", "张伟", "核实为养老院统一代办，非黑产")
    after = _score(served, _dashed(other), dismiss.last_request_date or "2024-01-01")
    assert after["score"] < before["score"]
    assert not any(r["code"] == "identifier_in_ring" for r in after["reasons"])

    # a newer export adds claims to the confirmed ring; the next run re-alerts it
    _add_claims_to(folder, confirm, store)
    _run_detection(served)
    case = httpx.get(f"{served}/v1/rings/{confirm.ring_id}", headers={"X-API-Key": ZHANG_KEY}).json()["case"]
    assert case["status"] == "confirmed" and case["realerted"]
    assert set(case["realert"]["new_claim_ids"]) == set(NEW_CLAIMS)
    page.goto(f"{served}/explorer/queue")
    first = page.query_selector("table.queue tbody tr")
    assert first is not None and confirm.ring_id in first.inner_text()
    assert "重新预警 re-alerted +3" in first.inner_text()
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    page.click(f"#queue-realerted a.ring-link:text-is('{confirm.ring_id}')")
    page.wait_for_selector("#realert")
    assert all(claim in page.inner_text("#realert") for claim in NEW_CLAIMS)
    page.wait_for_selector("#network[data-stabilized=true]")
    page.screenshot(path=str(SHOTS / "ring-realerted.png"), full_page=True)
    assert problems == []
    context.close()
