"""Working cases in the explorer over HTTP: search, the work queue, the case form, the report."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from graph.model import GraphBundle, Label, NodeBatch
from graph.results import CaseStatus, DetectionResult, RunRecord
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.test_explorer import (
    ACCOUNT,
    ADMIN_KEY,
    EVIL_NAME_IMG,
    EVIL_NAME_SCRIPT,
    INVESTIGATOR_KEY,
    NAMED_KEY,
    NAMED_PERSON,
    PHONE,
    RISK_KEY,
    explorer_app,
    ring_book,
    ring_results,
)
from tests.test_explorer_sessions import _csrf, _sign_in


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    """The explorer's ring book, plus a second 王芳 who holds nothing (a namesake)."""
    with SQLiteStore(tmp_path / "cases.db") as s:
        s.load(ring_book())
        s.load(GraphBundle(nodes=[NodeBatch(Label.CUSTOMER, pd.DataFrame(
            {"key": ["U8"], "name": ["王 芳"], "id_number": ["360702195001011234"]}))],
            fingerprint="namesake"))
        s.save_results(ring_results())
        yield s


@pytest.fixture
def client(store: GraphStore) -> Iterator[TestClient]:
    with TestClient(explorer_app(store)) as c:
        yield c


def _as(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


# ---------------------------------------------------------------------------- search
@pytest.mark.parametrize(("typed", "lands_on"), [
    ("+86 138-0013-8000", "/explorer/entities/Phone/~"),
    ("138-0013-8000", "/explorer/entities/Phone/~"),
    ("6222 0202 0011 2233 445", "/explorer/entities/BankAccount/~"),
    ("Ｃ１", "/explorer/entities/Claim/C1"),  # a record id as a full-width keyboard types it
    ("P2", "/explorer/entities/Policy/P2"),
    ("A1", "/explorer/entities/Agent/A1"),
    ("c1", "/explorer/entities/Claim/C1"),  # a record id typed in lower case
    ("p 2", "/explorer/entities/Policy/P2"),  # and with a space, as read aloud
    ("r-1", "/explorer/rings/R-1"),  # a ring id, in any case
    ("\u200fR-1\u200b", "/explorer/rings/R-1"),  # with invisible marks a copy carries along
    ("Ｒ-1", "/explorer/rings/R-1"),  # as a full-width keyboard types it
    ("360702195001011234", "/explorer/entities/Customer/U8"),  # a customer's ID number
])
def test_one_exact_hit_opens_its_page(client: TestClient, typed: str, lands_on: str) -> None:
    found = client.get("/explorer/search", params={"q": typed}, headers=_as(INVESTIGATOR_KEY),
                       follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"].startswith(lands_on)
    assert PHONE[3:] not in found.headers["location"] and ACCOUNT not in found.headers["location"]
    assert client.get(found.headers["location"], headers=_as(INVESTIGATOR_KEY)).status_code == 200


def test_a_name_is_listed_not_opened_and_the_page_says_what_search_covers(client: TestClient) -> None:
    """A name may also be a payee's or a representative's (not searched): one customer of that
    name is listed as a customer, not opened as if the name were an id."""
    found = client.get("/explorer/search", params={"q": "李强"}, headers=_as(INVESTIGATOR_KEY),
                       follow_redirects=False)
    assert found.status_code == 200
    assert re.findall(r'<a class="entity-link" href="([^"]+)">([^<]+)</a>', found.text) == [
        ("/explorer/entities/Customer/U4", "李强 (U4)")]
    assert ("it does not look up parts of an id or number, addresses, or the names of payees, "
            "representatives and watchlist entries") in found.text


def test_several_hits_are_listed_with_their_rings_and_none_says_so(client: TestClient,
                                                                   store: GraphStore) -> None:
    store.change_case("R-1", "investigating", "张伟", "核查")
    several = client.get("/explorer/search", params={"q": "王芳"}, headers=_as(INVESTIGATOR_KEY))
    assert several.status_code == 200
    rows = re.findall(r'<a class="entity-link" href="([^"]+)">([^<]+)</a>', several.text)
    assert rows == [("/explorer/entities/Customer/U3", "王芳 (U3)"),
                    ("/explorer/entities/Customer/U8", "王 芳 (U8)")]
    assert 'href="/explorer/rings/R-1">R-1</a> <span class="status status-investigating">' in several.text
    assert "2 个结果 · 2 matches" in several.text
    none = client.get("/explorer/search", params={"q": "139-9999-0000"}, headers=_as(INVESTIGATOR_KEY))
    assert none.status_code == 200 and "Nothing matches “139-9999-0000”" in none.text
    empty = client.get("/explorer/search", params={"q": " "}, headers=_as(INVESTIGATOR_KEY))
    assert empty.status_code == 200 and "Type a phone, bank card" in empty.text
    too_long = client.get("/explorer/search", params={"q": "x" * 201}, headers=_as(INVESTIGATOR_KEY))
    assert too_long.status_code == 422 and too_long.headers["content-type"].startswith("text/html")
    assert "q: String should have at most 200 characters" in too_long.text
    assert 'href="/explorer/">' in too_long.text  # in the explorer's frame, a way back
    wrong = client.get("/explorer/", params={"level": "<b>\x1b"}, headers=_as(INVESTIGATOR_KEY))
    assert wrong.status_code == 422 and "level: Input should be" in wrong.text
    assert "\x1b" not in wrong.text and "<b>" not in wrong.text


def test_a_search_shows_control_characters_typed_as_escapes(client: TestClient) -> None:
    """A query is echoed in the page (heading, box, summary) with its control characters
    written out, as everywhere RingScope shows text it did not write."""
    page = client.get("/explorer/search", params={"q": "138\x1b[2J\u202e00"},
                      headers=_as(INVESTIGATOR_KEY))
    assert page.status_code == 200
    assert "\x1b" not in page.text and "\u202e" not in page.text
    assert "Nothing matches “138\\x1b[2J\\u202e00”" in page.text


def test_every_refusal_of_an_explorer_path_is_a_page_with_typed_text_escaped(client: TestClient) -> None:
    """An outside tester got JSON for an unknown explorer path and a method it does not serve,
    and a raw escape sequence in the "no such ring" page."""
    for method, path, status in (("GET", "/explorer/nope", 404), ("POST", "/explorer/search?q=x", 405),
                                 ("GET", "/explorer/rings/%1b%5b2J", 404)):
        page = client.request(method, path, headers=_as(INVESTIGATOR_KEY))
        assert page.status_code == status and page.headers["content-type"].startswith("text/html"), path
        assert 'href="/explorer/">' in page.text and "\x1b" not in page.text, path
        assert page.headers.get("allow") == ("GET, HEAD" if status == 405 else None), path
        assert ("Method not allowed" in page.text) == (status == 405), path
    assert "No ring \\x1b[2J in the current results" in client.get(
        "/explorer/rings/%1b%5b2J", headers=_as(INVESTIGATOR_KEY)).text


def test_every_page_has_the_search_box(client: TestClient) -> None:
    for path in ("/explorer/", "/explorer/queue", "/explorer/rings/R-1", "/explorer/entities/Claim/C1",
                 "/explorer/rings/R-404"):
        page = client.get(path, headers=_as(INVESTIGATOR_KEY)).text
        assert re.search(r'<form class="search" role="search" method="get" action="/explorer/search">'
                         r'\s*<input type="search" name="q"', page), path


# ---------------------------------------------------------------------------- queue
def _grown_r1(store: GraphStore, run_id: str) -> None:
    """A later run whose R-1 also holds C9 (and no R-2)."""
    before = ring_results()
    grown = replace(before.rings[0], claim_ids=(*before.rings[0].claim_ids, "C9"))
    run = RunRecord(run_id, {}, "explorer-book", "2026-02-01T00:00:00", "2026-02-01T00:00:05",
                    status="succeeded")
    store.save_results(DetectionResult(run, [grown], before.claim_risks, before.identifier_profiles))


def test_the_queue_puts_re_alerts_first_then_my_cases_then_unassigned(client: TestClient,
                                                                     store: GraphStore) -> None:
    mine = client.get("/explorer/queue", headers=_as(NAMED_KEY)).text
    assert re.findall(r'id="queue-(\w+)"', mine) == ["realerted", "mine", "unassigned"]
    store.change_case("R-1", "investigating", NAMED_PERSON, "核查", assignee=NAMED_PERSON)
    page = client.get("/explorer/queue", headers=_as(NAMED_KEY)).text
    sections = {name: re.findall(r'class="ring-link" href="[^"]+">([^<]+)</a>', body)
                for name, body in re.findall(r'id="queue-(\w+)">(.*?)</section>', page, re.S)}
    assert sections == {"realerted": [], "mine": ["R-1"], "unassigned": ["R-2"]}
    store.change_case("R-1", "confirmed", NAMED_PERSON, "已报案")
    _grown_r1(store, "run-2")
    page = client.get("/explorer/queue", headers=_as(NAMED_KEY)).text
    sections = {name: re.findall(r'class="ring-link" href="[^"]+">([^<]+)</a>', body)
                for name, body in re.findall(r'id="queue-(\w+)">(.*?)</section>', page, re.S)}
    assert sections == {"realerted": ["R-1"], "mine": [], "unassigned": []}
    assert "重新预警 re-alerted +1" in page
    # a key naming nobody has no cases of its own; another person's re-alert is theirs
    unnamed = client.get("/explorer/queue", headers=_as(INVESTIGATOR_KEY)).text
    assert re.findall(r'id="queue-(\w+)"', unnamed) == ["realerted", "unassigned"]
    assert "R-1" not in unnamed and "This key names nobody" in unnamed
    ring = client.get("/explorer/rings/R-1", headers=_as(NAMED_KEY)).text
    assert 'id="realert"' in ring and "1 new claims since" in ring and "C9" in ring
    listed = client.get("/explorer/", headers=_as(INVESTIGATOR_KEY)).text
    assert re.search(r'R-1</a> <span class="realert-badge"[^>]*>重新预警 re-alerted \+1</span>', listed)
    assert f"<td>{NAMED_PERSON}</td>" in listed


# ---------------------------------------------------------------------------- the case form
def _case_form(c: TestClient) -> dict[str, str]:
    page = c.get("/explorer/rings/R-1").text
    form = re.search(r'<form id="case".*?</form>', page, re.S)
    assert form, "no case form"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(0)))
    fields["moves"] = ",".join(re.findall(r'<option value="(\w+)">→', form.group(0)))
    return fields


def test_a_decision_through_the_form_is_recorded_with_the_persons_name(client: TestClient,
                                                                       store: GraphStore) -> None:
    assert _sign_in(client, NAMED_KEY).status_code == 303
    form = _case_form(client)
    assert form["expected_status"] == "new" and form["moves"] == "investigating,dismissed"
    posted = client.post("/explorer/rings/R-1/case", follow_redirects=False, data={
        "csrf": form["csrf"], "expected_status": "new", "seen_assignee": "",
        "status": "investigating", "assignee": NAMED_PERSON, "note": "调取柜面录像"})
    assert posted.status_code == 303 and posted.headers["location"] == "/explorer/rings/R-1#case-panel"
    case = store.case("R-1")
    assert (case.status, case.assignee, case.last_note, case.last_note_by) == (
        CaseStatus.INVESTIGATING, NAMED_PERSON, "调取柜面录像", NAMED_PERSON)
    page = client.get("/explorer/rings/R-1").text
    assert '<strong class="actor">张伟</strong>' in page and "调取柜面录像" in page
    assert _case_form(client)["moves"] == "confirmed,dismissed"
    # the assignee left as it was is kept; a note alone is a decision
    kept = client.post("/explorer/rings/R-1/case", data={
        "csrf": form["csrf"], "expected_status": "investigating", "seen_assignee": NAMED_PERSON,
        "status": "", "assignee": NAMED_PERSON, "note": "户名与投保人无关"}, follow_redirects=False)
    assert kept.status_code == 303 and store.case("R-1").last_note == "户名与投保人无关"
    assert len(store.case_audit("R-1")) == 2


def test_an_assignment_made_meanwhile_is_not_overwritten(client: TestClient, store: GraphStore) -> None:
    assert _sign_in(client, NAMED_KEY).status_code == 303
    form = _case_form(client)
    assert form["seen_assignee"] == ""
    store.change_case("R-1", None, "李四", "我来跟进", assignee="李四")
    taken = client.post("/explorer/rings/R-1/case", follow_redirects=False, data={
        "csrf": form["csrf"], "expected_status": "new", "seen_assignee": "", "status": "",
        "assignee": NAMED_PERSON, "note": "我接手"})
    assert taken.status_code == 409 and "assigned to 李四 now, not nobody" in taken.text
    assert store.case("R-1").assignee == "李四" and len(store.case_audit("R-1")) == 1


@pytest.mark.parametrize(("change", "code", "says"), [
    ({"note": "  "}, 422, "A note is required"),
    ({"status": "confirmed"}, 409, "cannot go from new to confirmed"),
    ({"expected_status": "investigating"}, 409, "is new, not investigating"),
    ({"assignee": "王五"}, 422, "cannot assign the case to"),
    ({"status": "bogus"}, 422, "Unknown case status"),
    ({"note": "a\x00b"}, 422, "no control characters"),
    # notes that look like one and say nothing (an outside tester recorded decisions with each)
    ({"note": "\u2800"}, 422, "A note is required"),
    ({"note": " \u0301"}, 422, "A note is required"),
    ({"note": "无"}, 422, "A note is required"),
    ({"note": "\u200b\u2800"}, 422, "A note is required"),
])
def test_a_refused_decision_writes_nothing_and_says_why(client: TestClient, store: GraphStore,
                                                        change: dict[str, str], code: int,
                                                        says: str) -> None:
    assert _sign_in(client, NAMED_KEY).status_code == 303
    form = _case_form(client)
    data = {"csrf": form["csrf"], "expected_status": "new", "seen_assignee": "",
            "status": "investigating", "assignee": "", "note": "核查", **change}
    refused = client.post("/explorer/rings/R-1/case", data=data, follow_redirects=False)
    assert refused.status_code == code and says in refused.text
    assert 'id="case-error"' in refused.text and store.case_audit("R-1") == []


def test_a_note_sent_in_another_encoding_than_utf8_is_refused_not_stored_garbled(
        client: TestClient, store: GraphStore) -> None:
    """Percent-encoded GBK bytes in the note were read as replacement characters and recorded
    (``"��GBK��"``), and ``%FF%FE`` passed as the note of a dismissal (an outside tester)."""
    assert _sign_in(client, NAMED_KEY).status_code == 303
    form = _case_form(client)
    fields = f"csrf={form['csrf']}&expected_status=new&seen_assignee=&status=investigating&assignee="
    for note in ("%D6%D0%CE%C4GBK", "%FF%FE"):
        refused = client.post("/explorer/rings/R-1/case", content=f"{fields}&note={note}".encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)
        assert refused.status_code == 422 and "must be sent as UTF-8" in refused.text, note
    assert store.case_audit("R-1") == []


def test_the_form_refuses_forged_and_unauthorised_posts(client: TestClient, store: GraphStore) -> None:
    data = {"expected_status": "new", "status": "dismissed", "note": "forged"}
    assert _sign_in(client, NAMED_KEY).status_code == 303
    token = _csrf(client.get("/explorer/rings/R-1").text)
    assert client.post("/explorer/rings/R-1/case", data={**data, "csrf": "wrong"}).status_code == 403
    assert client.post("/explorer/rings/R-1/case", data={**data, "csrf": token},
                       headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/explorer/rings/R-1/case", data={**data, "csrf": token, "note": "x" * 40_000}
                       ).status_code == 413
    client.cookies.clear()
    assert client.post("/explorer/rings/R-1/case", data=data, headers=_as(RISK_KEY)).status_code == 403
    assert store.case_audit("R-1") == []
    # a script with a key in the header needs no form token (no browser sends that header for
    # another site)
    by_header = client.post("/explorer/rings/R-1/case", data=data, headers=_as(ADMIN_KEY),
                            follow_redirects=False)
    assert by_header.status_code == 303 and store.case_status("R-1") is CaseStatus.DISMISSED
    assert store.case_audit("R-1")[0].actor.startswith("admin:")


def test_the_form_offers_reopening_a_confirmed_case_to_admins_only(client: TestClient,
                                                                   store: GraphStore) -> None:
    store.change_case("R-1", "investigating", NAMED_PERSON, "调取录像")
    store.change_case("R-1", "confirmed", NAMED_PERSON, "已报案")

    def moves(key: str) -> list[tuple[str, str]]:
        page = client.get("/explorer/rings/R-1", headers=_as(key)).text
        form = re.search(r'<form id="case".*?</form>', page, re.S)
        assert form, "no case form"
        return re.findall(r'<option value="(\w+)">→ ([^<]*)</option>', form.group(0))

    assert moves(INVESTIGATOR_KEY) == []
    assert moves(ADMIN_KEY) == [("investigating", "撤销确认，重新调查 admin reopens: 调查中 investigating")]
    data = {"expected_status": "confirmed", "status": "investigating", "note": "误确认，撤回"}
    refused = client.post("/explorer/rings/R-1/case", data=data, headers=_as(INVESTIGATOR_KEY))
    assert refused.status_code == 403 and "only an admin may reopen" in refused.text
    assert store.case_status("R-1") is CaseStatus.CONFIRMED
    reopened = client.post("/explorer/rings/R-1/case", data=data, headers=_as(ADMIN_KEY),
                           follow_redirects=False)
    assert reopened.status_code == 303 and store.case_status("R-1") is CaseStatus.INVESTIGATING
    assert [c.to_status.value for c in store.case_audit("R-1")] == ["investigating", "confirmed", "investigating"]


def test_a_page_read_with_a_header_key_has_the_form_without_a_session_token(store: GraphStore) -> None:
    with TestClient(explorer_app(store)) as c:
        page = c.get("/explorer/rings/R-1", headers=_as(INVESTIGATOR_KEY)).text
        form = re.search(r'<form id="case".*?</form>', page, re.S)
        assert form and 'name="csrf" value=""' in form.group(0)


# ---------------------------------------------------------------------------- the report
def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_the_case_report_is_a_pdf_masked_for_the_requester(client: TestClient, store: GraphStore) -> None:
    store.change_case("R-1", "investigating", NAMED_PERSON, "调取录像", assignee=NAMED_PERSON)
    masked = client.get("/explorer/rings/R-1/report.pdf", headers=_as(NAMED_KEY))
    assert masked.status_code == 200 and masked.headers["content-type"] == "application/pdf"
    assert masked.headers["content-disposition"].startswith('attachment; filename="ringscope-case-R-1.pdf"')
    assert masked.content.startswith(b"%PDF-")
    text = _pdf_text(masked.content)
    for expected in ("代理退保团伙案件报告", "R-1", "调查中investigating", "负责人Assignee张伟",
                     "3笔退保款支付至同一账户622************3445", "离职代理人刘洋的4名前客户在15天内集中退保",
                     "生成人By张伟", "检测运行Detectionrunrun-1", "调取录像"):
        assert expected in text, expected
    assert ACCOUNT not in text and PHONE[3:] not in text
    # planted markup is text in the report too (reportlab reads a markup of its own)
    assert re.sub(r"\s+", "", EVIL_NAME_SCRIPT) in text and re.sub(r"\s+", "", EVIL_NAME_IMG) in text
    full = client.get("/v1/rings/R-1/report.pdf", headers=_as(ADMIN_KEY))
    assert full.status_code == 200 and full.headers["content-type"] == "application/pdf"
    assert ACCOUNT in _pdf_text(full.content)
    missing = client.get("/v1/rings/R-404/report.pdf", headers=_as(ADMIN_KEY))
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert client.get("/v1/rings/R-1/report.pdf", headers=_as(RISK_KEY)).status_code == 403
    assert client.get("/explorer/rings/R-404/report.pdf", headers=_as(NAMED_KEY)).status_code == 404
