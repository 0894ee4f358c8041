"""``POST /v1/score`` and ``rs.score_request`` of a request naming a stored claim, policy or
customer typed another way (another letter case, spaces, the leading zeros a spreadsheet
drops): real SQLite store, real detection run, the app served by uvicorn, real HTTP calls.

The book: ordinary surrenders and an agency ring (six customers ``RR0``…``RR5``, full refunds
on complaint grounds into one account), plus a seventh member whose request has an id of
digits, ``00000358``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import api.analysis as rs
from api.privacy import mask_payload
from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from tests.detect_books import BookBuilder
from tests.servers import serving
from tests.test_detect_realities import SURNAMES, _agency_ring, _background, _mobile
from tests.test_explorer import explorer_app
from tests.test_score_stored_request import _score

AGENCY = "赣州维权咨询服务有限公司"
NUMBERED, NUMBERED_DAY = "00000358", "2024-08-30"
MEMBER_DAY = "2024-08-14"  # RRC3's request date
LATER = "2024-09-20"
RING = "R-96398C40"  # the agency ring, as detection (seed 1) names it


def _book() -> BookBuilder:
    book = BookBuilder()
    book.agent("A-OK")
    _background(book)
    _agency_ring(book, AGENCY)
    cust = book.customer("RR6", f"{SURNAMES[15]}委6", "赣州市于都县6号", _mobile("138", 6))
    book.claim(NUMBERED, cust, "A-OK", NUMBERED_DAY, full_refund=True, complaint_reason=True,
               account="6222000088880001", account_name=AGENCY)
    return book


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SQLiteStore]]:
    store = SQLiteStore(tmp_path_factory.mktemp("twins") / "graph.db")
    store.load(_book().bundle())
    detect(store, DetectionParams(seed=1))
    with serving(explorer_app(store)) as url:
        yield url, store
    store.close()


def _verdict(reply: dict[str, Any]) -> tuple[Any, ...]:
    return reply["score"], reply["level"], reply["ring_id"], [r["code"] for r in reply["reasons"]]


def _twin(field: str, noun: str, stored: str, what: str, outcome: str) -> dict[str, Any]:
    """The warning, as a caller without personal-data rights reads it: the numbers of its text
    masked (``000*0358``), the stored id whole in ``stored_ids``."""
    shown = "000*0358" if stored == NUMBERED else stored
    return {"field": field, "reason": f"no stored {noun} has this id; the stored {noun} {shown} differs from it "
                                      f"only in {what}: {outcome}", "stored_ids": [stored]}


def test_a_numbered_claim_typed_without_its_leading_zeros_is_warned(served: tuple[str, SQLiteStore]) -> None:
    """``358``, ``358.0``, ``0000358`` and ``3.58E+02`` for the stored ring member ``00000358``:
    scored as the new request they may be (as an unseen id is), with a warning naming
    ``00000358``; the stored id itself gets the ring and no warning."""
    url, _ = served
    stored = _score(url, {"claim_id": NUMBERED, "request_date": NUMBERED_DAY})
    unseen = _score(url, {"claim_id": "NEW-1", "request_date": NUMBERED_DAY})
    assert stored["ring_id"] is not None and stored["level"] == "high" and stored["warnings"] == []
    warning = _twin("claim_id", "request", NUMBERED, "leading zeros",
                    "scored as a new request, not as that one (ids are kept as typed)")
    for typed in ("358", "358.0", "0000358", "3.58E+02"):
        reply = _score(url, {"claim_id": typed, "request_date": NUMBERED_DAY})
        assert (_verdict(reply), reply["warnings"]) == (_verdict(unseen), [warning]), typed
    assert _verdict(unseen) == (0.0, "low", None, [])


def test_a_claim_id_with_a_space_the_stored_id_lacks_is_the_stored_claim(served: tuple[str, SQLiteStore]) -> None:
    """``RRC 3`` and ``0000 0358`` are the stored ring members ``RRC3`` and ``00000358`` (a
    space is never part of an id the store holds without one), with a warning saying how
    they were read; ``rrc 3`` differs in letter case too, so it is not."""
    url, _ = served
    for typed, stored, day in (("RRC 3", "RRC3", MEMBER_DAY), ("0000 0358", NUMBERED, NUMBERED_DAY)):
        reply = _score(url, {"claim_id": typed, "request_date": day})
        assert _verdict(reply) == _verdict(_score(url, {"claim_id": stored, "request_date": day}))
        assert reply["warnings"] == [_twin("claim_id", "request", stored, "spaces",
                                           "read as that one (an id holds no space)")]
        assert reply["claim_id"] == typed
    other = _score(url, {"claim_id": "rrc 3", "request_date": MEMBER_DAY})
    assert (_verdict(other), other["warnings"]) == ((0.0, "low", None, []), [_twin(
        "claim_id", "request", "RRC3", "letter case and spaces",
        "scored as a new request, not as that one (ids are kept as typed)")])


def test_a_policy_or_customer_in_another_case_is_warned(served: tuple[str, SQLiteStore]) -> None:
    """A new request of policy ``prrc3`` or customer ``rr3`` (the store holds the ring member's
    ``PRRC3`` and ``RR3``) names another policy or customer, so it is scored as one the store
    does not know, with a warning naming the stored one; ``PRRC 3`` names ``PRRC3``."""
    url, _ = served

    def new(**ids: str) -> dict[str, Any]:
        return _score(url, {"claim_id": "NEW-1", "request_date": LATER, **ids})

    unknown, member = new(policy_id="P-NONE"), new(policy_id="PRRC3")
    assert (_verdict(member), member["warnings"]) == ((0.5665, "medium", RING, ["customer_in_ring"]), [])
    assert (_verdict(unknown), unknown["warnings"]) == ((0.0, "low", None, []), [])
    policy = new(policy_id="prrc3")
    assert (_verdict(policy), policy["warnings"]) == (_verdict(unknown), [_twin(
        "policy_id", "policy", "PRRC3", "letter case", "read as another policy, not as that one (ids are kept as typed)")])
    customer = new(customer_id="rr3")
    assert (_verdict(customer), customer["warnings"]) == (_verdict(unknown), [_twin(
        "customer_id", "customer", "RR3", "letter case",
        "read as another customer, not as that one (ids are kept as typed)")])
    assert _verdict(new(customer_id="RR3")) == _verdict(member)
    spaced = new(policy_id="PRRC 3")
    assert (_verdict(spaced), spaced["warnings"]) == (_verdict(member), [_twin(
        "policy_id", "policy", "PRRC3", "spaces", "read as that one (an id holds no space)")])


def test_a_stored_claim_id_with_its_policy_in_another_case_says_only_the_case_differs(
        served: tuple[str, SQLiteStore]) -> None:
    """``RRC3`` of policy ``prrc3``: another policy than the stored request's, so a new request
    (a collided number); the warnings name the stored policy and that only the case differs."""
    url, _ = served
    reply = _score(url, {"claim_id": "RRC3", "request_date": MEMBER_DAY, "policy_id": "prrc3"})
    assert reply["warnings"] == [
        _twin("policy_id", "policy", "PRRC3", "letter case", "read as another policy, not as that one (ids are kept as typed)"),
        {"field": "claim_id", "reason": "the id of a stored request of another policy: scored as a new request, not "
                                        "as that one; its policy is PRRC3, which differs from prrc3 only in letter case"},
    ]
    assert _verdict(reply)[:3] == (0.0, "low", None)


def test_the_python_api_gives_the_reply_of_the_endpoint(served: tuple[str, SQLiteStore]) -> None:
    """``rs.score_request`` ("as POST /v1/score") returns the endpoint's reply, warnings and
    ``ring_status`` included: a case twin, a damaged payout account, a stored ring member."""
    url, store = served
    bodies = [{"claim_id": "rrc3", "request_date": MEMBER_DAY},
              {"claim_id": "NEW-2", "request_date": LATER, "policy_id": "PRRC3", "payout_account": "6.22203E+18"},
              {"claim_id": "RRC 3", "request_date": MEMBER_DAY},
              {"claim_id": NUMBERED, "request_date": NUMBERED_DAY}]
    replies = [rs.score_request(store, body) for body in bodies]
    # the endpoint masks numbers for a caller without personal-data rights; an analyst holds the store
    assert [mask_payload(r.to_dict()) for r in replies] == [_score(url, body) for body in bodies]
    assert [len(r.warnings) for r in replies] == [1, 1, 1, 0]
    assert replies[1].warnings[0].field == "payout_account" and replies[3].ring_status == "new"
    assert (replies[1].ring_status, replies[1].level, replies[1].ring_id) == ("new", "medium", RING)
