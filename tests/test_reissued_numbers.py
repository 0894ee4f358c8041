"""A ring's phone number reissued by the carrier to an honest customer: the dates of the contact
change show it, and the holder's ordinary request is neither the ring's nor scored by the ring's
use of it. The same change in the ring's weeks, or months later with a full-refund complaint (a
careful ring's member told to change to its number), still ties the customer to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.realtime import RealtimeScorer
from detectors.reissue import REISSUE_DAYS
from graph.sqlite_store import SQLiteStore
from tests.detect_books import (
    RING_CLAIMS,
    TEMPLATE,
    BookBuilder,
    alerted_claims,
    detect_book,
    trap_book,
)

AGENCY = "+8617700000001"
"""The trap book's ring phone: its members' contact and letter phone. Their last request with it
is R5's on 2024-04-10 (its letter gives it); the ring's last request is R6's on 2024-04-12."""


def _book_with_a_holder(changed_on: str, filed_on: str, trade: bool = False) -> BookBuilder:
    book = trap_book()
    book.customer("NEW", "容新", "赣州市南康区东山路3号", account="6222000000000000777")
    book.change("NEW", changed_on, AGENCY)
    book.claim("NEWC", "NEW", "A-OK", filed_on, contact=AGENCY, account="6222000000000000777",
               account_name="容新", full_refund=trade, complaint_reason=trade)
    return book


def _held_out(folder: Path, customer: str, date: str, trade: bool = False) -> tuple[list[str], float]:
    """Reason codes and score of a new request of ``customer`` on ``date`` giving the ring's
    number, for a full refund on complaint grounds when ``trade``, else the cash value."""
    with SQLiteStore(folder / "g.db") as store:
        answer = RealtimeScorer(store).score({
            "claim_id": f"{customer}-NEXT", "customer_id": customer, "request_date": date, "contact_phone": AGENCY,
            "refund_type": "full_premium" if trade else "cash_value",
            "reason_code": "complaint_misselling" if trade else "money_need"})
    return [r.code for r in answer.reasons], answer.score


def test_a_number_taken_after_the_ring_let_it_go_ties_nothing(tmp_path: Path) -> None:
    """Taken on 2024-09-01, 142 days after the ring's last request (at least ``REISSUE_DAYS``):
    the holder's cash-value request in October is not the ring's, and its risk says why."""
    assert REISSUE_DAYS == 90
    result = detect_book(tmp_path, _book_with_a_holder("2024-09-01", "2024-10-15"))
    assert alerted_claims(result) == [tuple(sorted(RING_CLAIMS))]
    risk = {r.claim_id: r for r in result.claim_risks}["NEWC"]
    assert risk.risk < 0.3
    with SQLiteStore(tmp_path / "g.db") as store:
        scorer = RealtimeScorer(store)
        stored = scorer.score({"claim_id": "NEWC", "request_date": "2024-10-15"})
        held_out = scorer.score({"claim_id": "NEW2", "customer_id": "NEW", "request_date": "2024-11-20",
                                 "contact_phone": AGENCY, "refund_type": "cash_value", "reason_code": "money_need"})
    assert stored.score == risk.risk
    for answer in (stored, held_out):
        codes = [r.code for r in answer.reasons]
        assert "number_passed_on" in codes and "identifier_in_ring" not in codes and "shared_identifier" not in codes
        passed = next(r for r in answer.reasons if r.code == "number_passed_on")
        assert (passed.data["value"], passed.data["taken_on"], passed.data["ring_last_request"]) \
            == (AGENCY, "2024-09-01", "2024-04-10")
    assert held_out.score < 0.3


@pytest.mark.parametrize("changed_on", ["2024-04-20", "2024-06-01"])
def test_a_change_to_the_rings_number_in_its_weeks_still_ties(tmp_path: Path, changed_on: str) -> None:
    """8 and 50 days after the ring's last request, under the carriers' freeze: the number was
    still the ring's to give, the customer is tied to the ring as before."""
    result = detect_book(tmp_path, _book_with_a_holder(changed_on, "2024-06-10"))
    ring = next(r for r in result.rings if "R1" in r.claim_ids)
    assert "NEWC" in ring.claim_ids
    codes, score = _held_out(tmp_path, "NEW", "2024-06-20")
    assert "identifier_in_ring" in codes and "number_passed_on" not in codes
    assert score >= 0.5


def test_without_a_dated_change_the_number_counts_as_before(tmp_path: Path) -> None:
    """A customer registered with the ring's number and no dated change: the data cannot show a
    hand-over, so a request with it months later is tied to the ring."""
    book = trap_book()
    book.customer("REG", "容旧", "赣州市南康区东山路5号", phone=AGENCY)
    detect_book(tmp_path, book)
    codes, _ = _held_out(tmp_path, "REG", "2024-12-01")
    assert "identifier_in_ring" in codes and "number_passed_on" not in codes


def test_a_number_taken_months_later_ties_a_request_showing_the_trade(tmp_path: Path) -> None:
    """The same change on 2024-09-01, then a full-refund demand on complaint grounds: a careful
    ring's member changes to the ring's number whenever it is told to, months apart."""
    result = detect_book(tmp_path, _book_with_a_holder("2024-09-01", "2024-10-15", trade=True))
    ring = next(r for r in result.rings if "R1" in r.claim_ids)
    assert "NEWC" in ring.claim_ids
    codes, _ = _held_out(tmp_path, "NEW", "2024-11-20", trade=True)
    assert "identifier_in_ring" in codes and "number_passed_on" not in codes


def test_the_days_count_from_the_rings_last_request_with_the_number(tmp_path: Path) -> None:
    """The ring moves to a new number after April and files three more requests in late
    October, paid to its agency's account. Its old number, last used on 2024-04-12, reaches an
    honest customer on 2024-09-01: passed on, although the ring's own last request is later.
    (Counted from the ring's last request, the holder was the ring's.)"""
    book = _book_with_a_holder("2024-09-01", "2024-10-15")
    company, fresh = "赣州信诚法律咨询服务有限公司", "+8615507970003"
    for i in range(7, 10):
        cust = book.customer(f"RC{i}", f"邬明{i}", f"赣州市章贡区红旗大道{i}号", f"+86138000100{i:02d}")
        book.change(cust, f"2024-10-{i:02d}", fresh)
        book.claim(f"R{i}", cust, "A-EX", f"2024-10-{10 + i}", full_refund=True, complaint_reason=True,
                   contact=fresh, account="6222000000000000001", account_name=company)
        book.complaint(f"K{i}", cust, f"R{i}", f"2024-10-{i + 1:02d}", TEMPLATE.format(name=f"某{i}", year=2018),
                       phone=fresh, mailing_address="赣州市章贡区文清路88号信诚大厦1205室")
    result = detect_book(tmp_path, book)
    ring = next(r for r in result.rings if "R1" in r.claim_ids)
    assert {"R7", "R8", "R9"} <= set(ring.claim_ids) and "NEWC" not in ring.claim_ids
    assert ring.last_request_date == "2024-10-19"
    assert {r.claim_id: r.risk for r in result.claim_risks}["NEWC"] < 0.5
    with SQLiteStore(tmp_path / "g.db") as store:
        answer = RealtimeScorer(store).score({
            "claim_id": "NEW2", "customer_id": "NEW", "request_date": "2024-11-20", "contact_phone": AGENCY,
            "refund_type": "cash_value", "reason_code": "money_need"})
    passed = next(r for r in answer.reasons if r.code == "number_passed_on")
    assert (passed.data["taken_on"], passed.data["ring_last_request"]) == ("2024-09-01", "2024-04-10")
    assert "identifier_in_ring" not in [r.code for r in answer.reasons] and answer.score < 0.5


@pytest.mark.parametrize(("changed_on", "trade"), [(None, False), ("2023-09-01", False), (None, True)])
def test_an_honest_customers_request_before_a_ring_took_the_number_stays_theirs(
        tmp_path: Path, changed_on: str | None, trade: bool) -> None:
    """An honest customer gave the number on an ordinary request in October 2023 (registered, or
    changed to a month before) and dropped it; two ring members changed to it in March 2024,
    over 90 days later, before the ring's first request with it (the others gave it without a
    dated change). The October request is not the ring's, and its risk says why; the same
    request on complaint grounds (both sides showing the trade) still is the ring's."""
    book = trap_book()
    book.customer("OLD", "容早", "赣州市南康区东山路7号", account="6222000000000000778")
    if changed_on:
        book.change("OLD", changed_on, AGENCY)
    book.claim("OLDC", "OLD", "A-OK", "2023-10-01", contact=AGENCY, account="6222000000000000778",
               account_name="容早", full_refund=trade, complaint_reason=trade)
    result = detect_book(tmp_path, book)
    ring = next(r for r in result.rings if "R1" in r.claim_ids)
    assert ("OLDC" in ring.claim_ids) is trade
    if not trade:
        assert {r.claim_id: r.risk for r in result.claim_risks}["OLDC"] < 0.3
        with SQLiteStore(tmp_path / "g.db") as store:
            answer = RealtimeScorer(store).score({"claim_id": "OLDC", "request_date": "2023-10-01"})
        passed = next(r for r in answer.reasons if r.code == "number_passed_on")
        assert (passed.data["filed_on"], passed.data["ring_first_taken"]) == ("2023-10-01", "2024-03-02")
