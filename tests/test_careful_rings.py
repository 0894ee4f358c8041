"""A careful ring ties each member once: handfuls of members on their own phone each, held
together by the coach's light edit of a public letter (``../shared/domain.md``). Detection on
small hand-built books of twelve branches, where forty honest complainers send the same public
letter with their own last line over two years."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.detect_books import (
    BRANCHES,
    SURNAMES,
    BookBuilder,
    alerted_claims,
    detect_book,
    mobile,
    twelve_branch_book,
)

PUBLIC = ("尊敬的保险公司：本人{name}于{year}年经业务员推销购买了贵公司的{product}，业务员当时承诺"
          "该产品保本保息、随时可以全额支取，从未告知退保会有损失，也未解释合同条款，属于严重的"
          "销售误导行为。现本人要求贵公司全额退还已交保费{amount}元，否则将向12378热线投诉。{own}")
"""The public letter; each sender fills in the slots and may add a line of his own."""
PRODUCTS = ["鑫福年年年金保险", "安享一生两全保险", "金彩人生终身寿险", "福满堂养老年金保险"]
HONEST_LINES = ["家里老人生病急需用钱。", "我现在没有工作交不起保费了。", "孩子上学需要钱。",
                "当时我根本看不懂合同。", "我一直以为是存款。", "分红比说的少太多了。"]
FIRST_EDIT = "另外业务员还代签了本人的名字，双录也没有做，请贵公司七个工作日内给出书面答复，逾期本人将委托律师处理。"
SECOND_EDIT = "本人年事已高，看病急需用钱，当时业务员说随时可以取出本金，现在才知道上当，强烈要求退还全部保费并赔偿利息。"


@pytest.fixture
def book() -> BookBuilder:
    return twelve_branch_book()


def _honest(book: BookBuilder, count: int = 40) -> None:
    for i in range(count):
        name = f"{SURNAMES[i % 20]}诚{i}"
        cust = book.customer(f"H{i}", name, f"南阳市某县{i}号", mobile(5000 + i), f"62221000000{i:08d}")
        date = f"{2023 + i % 2}-{1 + (i * 5) % 12:02d}-{1 + (i * 7) % 27:02d}"
        claim = book.claim(f"HC{i}", cust, f"A{i % 12}", date, full_refund=True, complaint_reason=True,
                           contact=mobile(5000 + i), account=f"62221000000{i:08d}", account_name=name)
        book.complaint(f"HK{i}", cust, claim, date, PUBLIC.format(
            name=name, year=2012 + i % 8, product=PRODUCTS[i % 4], amount=6000 + 700 * i, own=HONEST_LINES[i % 6]))


def _careful_ring(book: BookBuilder, handfuls: int, edit: str, first: int) -> list[str]:
    """``handfuls`` handfuls of three members in three branches over six weeks; each handful's
    requests give its own phone (its only tie), every member sends the public letter with
    ``edit`` as the last line, a full refund on complaint grounds."""
    claims = []
    for h in range(handfuls):
        phone = mobile(9000 + first + h)
        for k in range(3):
            i = first + 3 * h + k
            name = f"{SURNAMES[(7 * i + 3) % 20]}员{i}"
            cust = book.customer(f"R{i}", name, f"南阳市{BRANCHES[h % 3]}{i}号", mobile(7000 + i), f"62223000000{i:08d}")
            day = 2 + (53 * i) % 40
            date = f"2024-{5 + day // 28:02d}-{1 + day % 28:02d}"
            claim = book.claim(f"RC{i}", cust, f"A{h % 3}", date, full_refund=True, complaint_reason=True,
                               contact=phone, account=f"62223000000{i:08d}", account_name=name)
            book.complaint(f"RK{i}", cust, claim, date, PUBLIC.format(
                name=name, year=2012 + i % 8, product=PRODUCTS[i % 4], amount=6000 + 700 * i, own=edit))
            claims.append(claim)
    return claims


def test_a_careful_rings_handfuls_are_one_ring(tmp_path: Path, book: BookBuilder) -> None:
    """Four handfuls on four phones, one edit of the public letter: one ring of twelve (each
    handful alone was a ring of three)."""
    _honest(book)
    ring = _careful_ring(book, 4, FIRST_EDIT, first=0)
    assert alerted_claims(detect_book(tmp_path, book)) == [tuple(sorted(ring))]


def test_two_careful_rings_adapting_one_public_letter_stay_two(tmp_path: Path, book: BookBuilder) -> None:
    """Two intermediaries in the same branches and weeks, each with two handfuls and his own
    edit of the public letter: two rings, each whole."""
    _honest(book)
    first = _careful_ring(book, 2, FIRST_EDIT, first=0)
    second = _careful_ring(book, 2, SECOND_EDIT, first=100)
    assert alerted_claims(detect_book(tmp_path, book)) == sorted([tuple(sorted(first)), tuple(sorted(second))])
