"""The association's store over HTTP: keys scoped to a member insurer, the association's own
keys, the explorer, and real-time scoring of raw requests hashed with the key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.scope import OTHER_ACTOR, Scope
from api.security import KeyRing, Role
from api.settings import Settings
from graph.errors import ConfigError
from graph.keys import normalize_phone
from graph.model import Label
from graph.results import Evidence, Ring
from graph.sqlite_store import SQLiteStore
from tests.association_books import CODES, Association

pytestmark = pytest.mark.slow

ADMIN_KEY = "association-admin-key"
ASSOCIATION_KEY = "association-investigator-key"
MEMBER_KEY = "pa-investigator-key"
MEMBER_RISK_KEY = "pa-risk-system-key"
MEMBER_ADMIN_KEY = "pa-admin-key-000001"
KEYS = (f"{ADMIN_KEY}:admin,{ASSOCIATION_KEY}:investigator:desk,"
        f"{MEMBER_KEY}:investigator:li.wei@PA,{MEMBER_RISK_KEY}:risk_system@pa,"
        f"{MEMBER_ADMIN_KEY}:admin:pa.boss@PA")
MEMBER = {"X-API-Key": MEMBER_KEY}
ASSOCIATION = {"X-API-Key": ASSOCIATION_KEY}
OTHERS = ("PB:", "PC:")


@pytest.fixture(scope="module")
def store(association: Association) -> Iterator[SQLiteStore]:
    with SQLiteStore(association.store) as s:
        yield s


def _client(store: SQLiteStore, **settings: Any) -> TestClient:
    values = {"RINGSCOPE_API_KEYS": KEYS, **settings}
    return TestClient(create_app(Settings(**values), store=store), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(store: SQLiteStore, association: Association) -> Iterator[TestClient]:
    with _client(store, RINGSCOPE_KEY_FILE=str(association.key_file)) as c:
        yield c


@pytest.fixture(scope="module")
def shared(store: SQLiteStore) -> Ring:
    """An alerted ring with claims at PA and at another member."""
    return next(r for r in store.rings() if r.score >= 0.5
                and any(c.startswith("PA:") for c in r.claim_ids)
                and any(c.startswith(OTHERS) for c in r.claim_ids))


def _text(response: Any) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def test_member_sees_its_claims_in_full_and_other_members_as_counts(client: TestClient, shared: Ring) -> None:
    mine = [c for c in shared.claim_ids if c.startswith("PA:")]
    others = [c for c in shared.claim_ids if not c.startswith("PA:")]
    response = client.get(f"/v1/rings/{shared.ring_id}", headers=MEMBER)
    assert response.status_code == 200
    ring = response.json()
    assert ring["claim_ids"] == mine
    assert [m["claim_id"] for m in ring["members"]] == mine
    assert all(m["props"]["request_date"] and m["customer_id"].startswith("PA:") for m in ring["members"])
    span = ring["evidence"][0]
    insurers = len({c.split(":")[0] for c in others})
    assert span["code"] == "across_insurers"
    assert span["en"].startswith(f"{len(shared.claim_ids)} claims at {insurers + 1} member insurers: "
                                 f"{len(mine)} of yours, {len(others)} at {insurers} other member insurers")
    assert (span["data"]["other_claims"], span["data"]["other_insurers"]) == (len(others), insurers)
    text = _text(response)
    assert not any(code in text for code in OTHERS)
    assert all(i["value"] in {x["value"] for m in ring["members"] for x in m["identifiers"]}
               or i["value"] in text for i in ring["identifiers"])
    graph = client.get(f"/v1/rings/{shared.ring_id}/graph", headers=MEMBER)
    assert graph.status_code == 200 and not any(code in _text(graph) for code in OTHERS)
    assert {n["key"] for n in graph.json()["nodes"] if n["label"] == "Claim"} == set(mine)


def test_member_gets_404_for_other_members_records(client: TestClient, store: SQLiteStore,
                                                   shared: Ring) -> None:
    other = next(c for c in shared.claim_ids if c.startswith(OTHERS))
    assert client.get(f"/v1/entities/claim/{other}", headers=ASSOCIATION).status_code == 200
    assert client.get(f"/v1/entities/claim/{other}", headers=MEMBER).status_code == 404
    assert client.get(f"/v1/entities/claim/{other.split(':')[1]}", headers=MEMBER).status_code == 404
    assert client.get(f"/v1/entities/claim/{other}/neighborhood", headers=MEMBER).status_code == 404
    mine = next(c for c in shared.claim_ids if c.startswith("PA:"))
    assert client.get(f"/v1/entities/claim/{mine.split(':')[1]}", headers=MEMBER).json()["key"] == mine
    around = client.get(f"/v1/entities/claim/{mine}/neighborhood?depth=2", headers=MEMBER)
    assert around.status_code == 200 and not any(code in _text(around) for code in OTHERS)
    elsewhere = next(r for r in store.rings() if not any(c.startswith("PA:") for c in r.claim_ids))
    for path in ("", "/graph", "/audit"):
        assert client.get(f"/v1/rings/{elsewhere.ring_id}{path}", headers=MEMBER).status_code == 404
    moved = client.patch(f"/v1/rings/{elsewhere.ring_id}", headers=MEMBER,
                         json={"status": "investigating"})
    assert moved.status_code == 404
    theirs = next(i for r in store.rings() for i in r.identifiers if i.type == "phone" and not any(
        n.key.startswith("PA:") for n in store.neighbourhood("Phone", i.value, depth=2, limit=5000).nodes))
    ours = next(i for i in shared.identifiers if i.type == "phone")
    for path in (f"/v1/entities/phone/{theirs.value}", f"/v1/entities/phone/{theirs.value}/neighborhood",
                 f"/explorer/entities/Phone/{theirs.value}"):
        assert client.get(path, headers=MEMBER).status_code == 404
        assert client.get(path, headers=ASSOCIATION).status_code == 200
    assert client.get(f"/v1/entities/phone/{ours.value}", headers=MEMBER).status_code == 200


def test_member_lists_only_rings_holding_its_claims(client: TestClient, store: SQLiteStore) -> None:
    listed = client.get("/v1/rings?limit=500", headers=MEMBER).json()
    expected = {r.ring_id for r in store.rings() if any(c.startswith("PA:") for c in r.claim_ids)}
    assert {r["ring_id"] for r in listed["items"]} == expected and listed["total"] == len(expected)
    everything = client.get("/v1/rings?limit=500", headers=ASSOCIATION).json()
    assert everything["total"] == len(store.rings()) > len(expected)


def test_association_key_sees_every_member(client: TestClient, shared: Ring) -> None:
    ring = client.get(f"/v1/rings/{shared.ring_id}", headers=ASSOCIATION).json()
    assert [m["claim_id"] for m in ring["members"]] == list(shared.claim_ids)
    assert ring["evidence"][0]["code"] == "across_insurers"
    assert set(ring["evidence"][0]["data"]["insurers"]) == {c.split(":")[0] for c in shared.claim_ids}


def test_member_explorer_shows_its_own_records_only(client: TestClient, store: SQLiteStore,
                                                    shared: Ring) -> None:
    page = client.get(f"/explorer/rings/{shared.ring_id}", headers=MEMBER)
    assert page.status_code == 200
    assert not any(code in page.text for code in OTHERS)
    assert all(c in page.text for c in shared.claim_ids if c.startswith("PA:"))
    other = next(c for c in shared.claim_ids if c.startswith(OTHERS))
    assert client.get(f"/explorer/entities/Claim/{other}", headers=MEMBER).status_code == 404
    elsewhere = next(r for r in store.rings() if not any(c.startswith("PA:") for c in r.claim_ids))
    assert client.get(f"/explorer/rings/{elsewhere.ring_id}", headers=MEMBER).status_code == 404
    listing = client.get("/explorer/", headers=MEMBER)
    assert elsewhere.ring_id not in listing.text and shared.ring_id in listing.text


def test_a_member_key_may_not_start_a_run_for_the_association(client: TestClient) -> None:
    refused = client.post("/v1/runs", json={"allow_empty": True}, headers={"X-API-Key": MEMBER_ADMIN_KEY})
    assert refused.status_code == 403 and "association's own keys" in refused.json()["message"]


def test_member_neighbourhoods_hold_only_what_it_may_look_up(client: TestClient, store: SQLiteStore,
                                                             shared: Ring) -> None:
    """Two steps around its own customers and identifiers, a member sees no identifier that
    only other members' records use: every identifier shown opens for it directly."""
    kinds = {"Phone": "phone", "BankAccount": "bank_account", "Address": "address", "Person": "person"}
    mine = [c for c in shared.customer_ids if c.startswith("PA:")][:3]
    starts = [("customer", c) for c in mine] + [
        (i.type, i.value) for i in shared.identifiers if i.type in kinds.values()][:6]
    shown = set()
    for kind, key in starts:
        around = client.get(f"/v1/entities/{kind}/{key}/neighborhood", params={"depth": 2}, headers=MEMBER)
        if around.status_code == 404:
            continue
        assert around.status_code == 200
        shown |= {(kinds[n["label"]], n["key"]) for n in around.json()["nodes"] if n["label"] in kinds}
    assert len(shown) > 5
    refused = [(k, key) for k, key in sorted(shown)
               if client.get(f"/v1/entities/{k}/{key}", headers=MEMBER).status_code != 200]
    assert refused == []


def test_member_casework_stays_within_its_own_records(client: TestClient, store: SQLiteStore,
                                                       shared: Ring, association: Association) -> None:
    """Search, the work queue, the case report and case decisions see what the ring page sees."""
    import io

    from pypdf import PdfReader

    other = next(c for c in shared.claim_ids if c.startswith(OTHERS))
    hasher = client.app.state.ringscope.scorer.pseudonymizer  # type: ignore[attr-defined]
    rows = pd.read_csv(association.raw["PB"] / "surrenders.csv", dtype=str, keep_default_na=False)

    def only_at_others(raw: str) -> bool:
        phone = normalize_phone(raw)
        key = hasher.node_key(Label.PHONE, phone.value) if phone else ""
        near = store.neighbourhood("Phone", key, depth=2, limit=5000).nodes if store.get_node(
            Label.PHONE, key) else []
        return bool(near) and not any(n.key.startswith("PA:") for n in near)

    theirs = next(raw for raw in rows["contact_phone"] if raw and only_at_others(raw))
    for typed in (theirs, hasher.node_key(Label.PHONE, normalize_phone(theirs).value)):
        assert "Nothing matches" not in client.get("/explorer/search", params={"q": typed},
                                                   headers=ASSOCIATION).text
        for path in (f"/v1/entities/phone/{typed}", f"/explorer/entities/Phone/{typed}"):
            assert client.get(path, headers=ASSOCIATION).status_code == 200, path
            assert client.get(path, headers=MEMBER).status_code == 404, path
    for typed in (other, other.split(":")[1], theirs):
        found = client.get("/explorer/search", params={"q": typed}, headers=MEMBER)
        assert found.status_code == 200 and "Nothing matches" in found.text
    mine = next(c for c in shared.claim_ids if c.startswith("PA:"))
    opened = client.get("/explorer/search", params={"q": mine.split(":")[1]}, headers=MEMBER,
                        follow_redirects=False)
    assert opened.status_code == 303 and "/entities/Claim/" in opened.headers["location"]
    elsewhere = next(r for r in store.rings() if not any(c.startswith("PA:") for c in r.claim_ids))
    queue = client.get("/explorer/queue", headers=MEMBER).text
    assert elsewhere.ring_id not in queue and not any(code in queue for code in OTHERS)
    for path in (f"/v1/rings/{elsewhere.ring_id}/report.pdf",
                 f"/explorer/rings/{elsewhere.ring_id}/report.pdf"):
        assert client.get(path, headers=MEMBER).status_code == 404
    report = client.get(f"/v1/rings/{shared.ring_id}/report.pdf", headers=MEMBER)
    assert report.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
    assert mine in text and not any(code in text for code in OTHERS)



def test_a_shared_case_is_the_associations_and_members_read_only_their_own_notes(
        client: TestClient, store: SQLiteStore, shared: Ring) -> None:
    """A member may not decide a ring spanning other members (its decision would change what
    their risk systems see), nor read the association's notes about it; a ring of its own
    claims only is its own to decide."""
    refused = client.patch(f"/v1/rings/{shared.ring_id}", headers=MEMBER,
                           json={"status": "investigating", "note": "checking our claims"})
    assert refused.status_code == 403 and "association" in refused.json()["message"]
    note = "PB 客户 13907971234 已回访"
    decided = client.patch(f"/v1/rings/{shared.ring_id}", headers=ASSOCIATION,
                           json={"status": "investigating", "note": note, "assignee": "desk"})
    assert decided.status_code == 200 and decided.json()["actor"] == "desk"
    for path in (f"/v1/rings/{shared.ring_id}/audit", f"/v1/rings/{shared.ring_id}",
                 f"/explorer/rings/{shared.ring_id}"):
        seen = client.get(path, headers=MEMBER)
        assert seen.status_code == 200 and "回访" not in seen.text and "desk" not in seen.text, path
    audit = client.get(f"/v1/rings/{shared.ring_id}/audit", headers=MEMBER).json()
    assert [(e["actor"], e["to_status"]) for e in audit][-1] == (OTHER_ACTOR, "investigating")
    assert "回访" in client.get(f"/v1/rings/{shared.ring_id}/audit", headers=ASSOCIATION).text
    own = next(r for r in store.rings() if all(c.startswith("PA:") for c in r.claim_ids))
    moved = client.patch(f"/v1/rings/{own.ring_id}", headers=MEMBER,
                         json={"status": "investigating", "note": "checking our claims", "assignee": "li.wei"})
    assert moved.status_code == 200 and moved.json()["actor"] == "li.wei@PA"
    wrong = client.patch(f"/v1/rings/{own.ring_id}", headers=MEMBER, json={"assignee": "desk", "note": "x"})
    assert wrong.status_code == 422 and "li.wei" in wrong.json()["message"]


def _raw_request(association: Association, shared: Ring) -> dict[str, Any]:
    """A new request from PA's risk system, typed as PA's clerks type, using the contact phone
    and payout account of one of PA's claims in the shared ring."""
    claim = next(c for c in shared.claim_ids if c.startswith("PA:")).split(":")[1]
    rows = pd.read_csv(association.raw["PA"] / "surrenders.csv", dtype=str, keep_default_na=False)
    row = rows.set_index("claim_id").loc[claim]
    return {"claim_id": "NEW-1", "policy_id": row["policy_id"], "request_date": "2025-01-10",
            "contact_phone": row["contact_phone"], "payout_account": row["payout_account"],
            "payout_account_name": row["payout_account_name"], "reason_code": row["reason_code"],
            "refund_type": row["refund_type"] or None}


def test_scoring_hashes_a_raw_request_with_the_key(client: TestClient, association: Association,
                                                   shared: Ring, store: SQLiteStore) -> None:
    request = _raw_request(association, shared)
    answer = client.post("/v1/score", headers={"X-API-Key": MEMBER_RISK_KEY}, json=request)
    assert answer.status_code == 200
    body = answer.json()
    assert body["claim_id"] == "NEW-1" and body["score"] >= 0.5 and body["ring_id"] == shared.ring_id
    assert {"identifier_in_ring", "customer_in_ring"} & {r["code"] for r in body["reasons"]}
    with _client(store) as keyless:
        refused = keyless.post("/v1/score", headers={"X-API-Key": MEMBER_RISK_KEY}, json=request)
        assert refused.status_code == 503 and "RINGSCOPE_KEY_FILE" in refused.json()["message"]
    with pytest.raises(ConfigError, match="RINGSCOPE_KEY_FILE holds key"):
        create_app(Settings(RINGSCOPE_API_KEYS=KEYS, RINGSCOPE_KEY_FILE=str(association.other_key_file)),
                   store=store)


@pytest.mark.parametrize(("spec", "role", "name", "insurer", "actor"), [
    ("k-12345678:investigator", Role.INVESTIGATOR, "", None, "investigator:"),
    ("k-12345678:investigator:li.wei", Role.INVESTIGATOR, "li.wei", None, "li.wei"),
    ("k-12345678:investigator@PA", Role.INVESTIGATOR, "", "PA", "investigator:"),
    ("k-12345678:risk_system:core-1@pb", Role.RISK_SYSTEM, "core-1", "PB", "core-1@PB"),
    ("k-12345678:investigator:王丽@PA", Role.INVESTIGATOR, "王丽", "PA", "王丽@PA"),
    ("k:12@345678:admin", Role.ADMIN, "", None, "admin:"),
])
def test_key_entries_with_name_and_insurer(spec: str, role: Role, name: str, insurer: str | None,
                                           actor: str) -> None:
    principal = KeyRing.parse(spec).authenticate(spec.split(f":{role.value}")[0])
    assert principal is not None
    assert (principal.role, principal.name, principal.insurer) == (role, name, insurer)
    assert principal.actor.startswith(actor)
    assert principal.actor.endswith(f"@{insurer}" if insurer else principal.actor[-1])


@pytest.mark.parametrize(("spec", "message"), [
    ("k-12345678:investigator:" + "x" * 65, "1 to 64"),
    ("k-12345678:chief@PA", "unknown role 'chief'"),
    ("k-12345678:investigator:li\x01@PA", "without control characters"),
])
def test_malformed_key_entries_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        KeyRing.parse(spec)


def test_a_member_key_in_a_single_insurer_store_sees_nothing_of_others(tmp_path: Path) -> None:
    """Keys are scoped by record keys; in a store loaded without insurer codes nothing is a
    member's, so a scoped key sees no ring (the association's keys see everything)."""
    with SQLiteStore(tmp_path / "empty.db") as store, _client(store) as c:
        assert c.get("/v1/rings", headers=MEMBER).json()["total"] == 0


def test_evidence_naming_another_members_record_anywhere_is_cut_to_counts() -> None:
    item = Evidence("joined_members", "另有 1 笔", "1 more claims joined", {
        "count": 1, "members": [{"claim_id": "PA:S1", "tie": "template", "similar_to": "PC:S9"}]})
    ring = Ring("R-1", 0.9, "high", ("PA:S1", "PC:S9"), evidence=(item,))
    scoped = Scope("PA", frozenset(CODES)).ring(ring)
    assert "PC:" not in json.dumps([e.to_dict() for e in scoped.evidence], ensure_ascii=False)
    assert scoped.evidence[1].data == {"claims": ["PA:S1"], "other_claims": 0, "other_insurers": 0}


def test_evidence_about_a_whole_shared_ring_is_cut_to_counts() -> None:
    """An item naming no claims speaks of every claim of the ring (a burst's window, how many
    demand a full refund): for a member, when the ring spans others, it is counts only."""
    burst = Evidence("burst", "14 笔退保集中在 2023-06-02 至 2023-07-09 期间提出",
                     "14 claims filed between 2023-06-02 and 2023-07-09",
                     {"first": "2023-06-02", "last": "2023-07-09"})
    shared = Ring("R-1", 0.9, "high", ("PA:S1", "PB:S2", "PB:S3"), evidence=(burst,))
    seen = Scope("PA", frozenset(CODES)).ring(shared).evidence
    assert "2023-06-02" not in json.dumps([e.to_dict() for e in seen], ensure_ascii=False)
    assert [e.data for e in seen if e.code == "burst"] == [
        {"claims": ["PA:S1"], "other_claims": 2, "other_insurers": 1}]
    alone = Ring("R-2", 0.9, "high", ("PA:S1", "PA:S4"), evidence=(burst,))
    assert Scope("PA", frozenset(CODES)).ring(alone).evidence == (burst,)
