"""Detection on small hand-built books of what real books hold (``../shared/domain.md``):
institutional representatives, honest users of a public letter template, two rings sharing
one template, and a coached member who shares only a changed-to phone. Exact expectations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from detectors.realtime import RealtimeScorer, SurrenderRequest
from graph.model import Label, NodeRef, Rel
from graph.results import ALERT_THRESHOLD
from graph.sqlite_store import SQLiteStore
from tests.detect_books import BookBuilder, alerted_claims, detect_book

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
PUBLIC_LETTER = ("本人{name}于{year}年购买贵公司{product}，业务员当时承诺保本保息、随时可以全额退还，"
                 "从未告知退保会有损失，属于严重的销售误导。根据有关规定，现要求贵公司全额退还已交保费"
                 "{amount}元，否则本人将向金融监管部门12378热线投诉并依法维权。")
"""A letter circulating on short-video platforms; honest complainers fill in their own details."""
EDIT_A = "另外业务员还代签了本人的名字，双录也没有做，请贵公司七个工作日内给出书面答复。"
EDIT_B = "本人年事已高，文化程度不高，看不懂合同条款，被业务员欺骗，请尽快处理，谢谢。"


def _mobile(prefix: str, i: int) -> str:
    """Customer ``i``'s own mobile number: a book's customers' numbers lie far apart
    (consecutive numbers are SIM cards bought in one batch, :func:`graph.keys.number_block`)."""
    return f"+86{prefix}{(i * 7_654_321 + 1_000_003) % 100_000_000:08d}"


def _letter(i: int, edit: str = "") -> str:
    products = ["鑫福年年年金保险", "安享一生两全保险", "金彩人生终身寿险"]
    return PUBLIC_LETTER.format(name=f"客户{i}", year=2015 + i % 6, product=products[i % 3],
                                amount=10_000 + 1_000 * i) + edit


def _background(b: BookBuilder, n: int = 80) -> None:
    """Ordinary surrenders over two years: own phone and account, money needs."""
    for i in range(n):
        cust = b.customer(f"B{i}", f"{SURNAMES[i % len(SURNAMES)]}常{i}", f"赣州市南康区{i}号",
                          _mobile("137", i), f"62229000000{i:08d}")
        b.claim(f"BC{i}", cust, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}",
                contact=_mobile("137", i), account=f"62229000000{i:08d}",
                account_name=f"{SURNAMES[i % len(SURNAMES)]}常{i}")


def _ring(b: BookBuilder, tag: str, n: int, month: str, phone: str, account: str, edit: str,
          first: int, year: int = 2024) -> list[str]:
    """A ring of ``n`` unrelated customers: the agency's phone on most requests, its account for
    some, full refunds on complaint grounds, the public letter edited the ring's way."""
    claims = []
    for k in range(n):
        i = first + k
        cust = b.customer(f"{tag}{k}", f"{SURNAMES[i % len(SURNAMES)]}{tag}{k}", f"赣州市{tag}区{k}号",
                          _mobile("139", i))
        claim = b.claim(f"{tag}C{k}", cust, "A-OK", f"{year}-{month}-{2 + 3 * k:02d}", full_refund=True,
                        complaint_reason=True, contact=phone if k % 4 != 3 else None,
                        account=account if k % 2 == 0 else f"62220100000{i:08d}",
                        account_name="赣州维权咨询服务有限公司" if k % 2 == 0 else None)
        b.complaint(f"{tag}K{k}", cust, claim, f"{year}-{month}-{1 + 3 * k:02d}", _letter(i, edit), phone=phone)
        claims.append(claim)
    return claims


def _only_the_ring_alerts(tmp_path: Path, book: BookBuilder, ring: list[str], others: list[str]) -> None:
    """Detect: the one alerted group is ``ring``, and every claim of ``others`` stays under the
    alert threshold."""
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(ring))]
    risks = {c.claim_id: c.risk for c in result.claim_risks}
    assert max(risks[c] for c in others) < ALERT_THRESHOLD


def _agency_ring(book: BookBuilder, account_name: str,
                 contact: Callable[[int], str | None] = lambda k: None,
                 rep: Callable[[int], tuple[str, str, str] | None] = lambda k: None) -> list[str]:
    """Six unrelated customers surrendering in August 2024, full refunds on complaint grounds,
    every refund paid into one account held by ``account_name``."""
    claims = []
    for k in range(6):
        cust = book.customer(f"RR{k}", f"{SURNAMES[k + 9]}委{k}", f"赣州市于都县{k}号", _mobile("138", k))
        claims.append(book.claim(f"RRC{k}", cust, "A-OK", f"2024-08-{2 + 4 * k:02d}", full_refund=True,
                                 complaint_reason=True, account="6222000088880001", account_name=account_name,
                                 contact=contact(k), rep=rep(k)))
    return claims


def _residents(book: BookBuilder, worker: tuple[str, str, str], count: int, contact: str | None = None,
               spread_days: bool = False) -> list[str]:
    """A care home's residents: each request filed by the home's worker over a year or two,
    cash value, ordinary reasons, paid into the home's account."""
    claims = []
    for i in range(count):
        cust = book.customer(f"CH{i}", f"{SURNAMES[i + 5]}老{i}", f"赣州市章贡区{i}号", _mobile("135", i))
        date = f"2023-{1 + i:02d}-10" if spread_days else f"{2023 + i // 4}-{1 + 3 * i % 12:02d}-10"
        claims.append(book.claim(f"CHC{i}", cust, "A-OK", date, contact=contact,
                                 account="6222000099990001", account_name="章贡区福寿养老院", rep=worker))
    return claims


@pytest.fixture
def book() -> BookBuilder:
    b = BookBuilder()
    b.agent("A-OK", name="黄正常")
    _background(b)
    return b


def test_a_care_home_representative_is_not_a_ring(tmp_path: Path, book: BookBuilder) -> None:
    worker = ("林护工", "360702198001010077", "+8613800000077")
    agent = ("黄中介", "360702198502020088", "+8617700000088")  # a ring's representative, paid to
    for k in range(6):  # its own account: the book's rings are represented and paid to third parties
        cust = book.customer(f"RR{k}", f"{SURNAMES[k + 9]}委{k}", f"赣州市于都县{k}号", _mobile("138", k))
        book.claim(f"RRC{k}", cust, "A-OK", f"2024-08-{2 + 4 * k:02d}", full_refund=True,
                   complaint_reason=True, account="6222000088880001", account_name="黄中介", rep=agent)
    _residents(book, worker, 7)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(f"RRC{k}" for k in range(6))]
    store = SQLiteStore(tmp_path / "g.db")
    profile = store.identifier_profiles([NodeRef(Label.PERSON, worker[1])])[NodeRef(Label.PERSON, worker[1])]
    assert profile.unrelated_customers == 6 and profile.suspicion < 0.01
    # filed by the home's worker and paid into the home's account: the institution's habits, not
    # the traits of this book's rings (represented, paid to a third party), so nearly no risk
    risks = {c.claim_id: c.risk for c in result.claim_risks}
    assert max(risks[f"CHC{i}"] for i in range(7)) < 0.1


def test_honest_users_of_one_public_template_are_not_a_ring(tmp_path: Path, book: BookBuilder) -> None:
    for i in range(12):
        phone, account = _mobile("136", i), f"62220000888{i:08d}"
        cust = book.customer(f"HN{i}", f"{SURNAMES[i]}诚{i}", f"江西省{SURNAMES[i]}县{i}号", phone, account)
        claim = book.claim(f"HNC{i}", cust, "A-OK", f"{2023 + i // 6}-{1 + 2 * (i % 6):02d}-15", full_refund=True,
                           complaint_reason=True, contact=phone, account=account, account_name=f"{SURNAMES[i]}诚{i}")
        book.complaint(f"HNK{i}", cust, claim, f"{2023 + i // 6}-{1 + 2 * (i % 6):02d}-01", _letter(i), phone=phone)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    risks = {c.claim_id: c.risk for c in result.claim_risks}
    assert max(risks[f"HNC{i}"] for i in range(12)) < ALERT_THRESHOLD


def test_two_rings_sharing_only_the_public_template_stay_two(tmp_path: Path, book: BookBuilder) -> None:
    a = _ring(book, "RA", 6, "03", "+8617700000001", "6222000000000000001", EDIT_A, first=0)
    b = _ring(book, "RB", 6, "03", "+8617700000002", "6222000000000000002", EDIT_B, first=10)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == sorted([tuple(sorted(a)), tuple(sorted(b))])


def test_an_ordinary_reason_member_tied_by_a_changed_to_phone_joins_its_ring(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    agency = "+8617700000003"
    ring = _ring(book, "RC", 5, "06", agency, "6222000000000000003", EDIT_A, first=20)
    cust = book.customer("CM", "欧阳沉默", "赣州市赣县区1号", "+8613911112222")
    book.change(cust, "2024-06-08", agency)
    book.claim("CMC", cust, "A-OK", "2024-06-20", account="6222011112222", account_name="欧阳沉默")
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted([*ring, "CMC"]))]
    found = next(r for r in result.rings if "CMC" in r.claim_ids)
    lines = [e for e in found.evidence if "CMC" in str(e.data)]
    assert any(e.code.startswith("shared_") and "CMC" in e.en and "CMC" in e.zh for e in lines)


BRANCHES = ["章贡区", "南康区", "赣县区", "信丰县", "大余县", "上犹县", "崇义县", "安远县", "龙南市", "定南县"]


OWN_WORDS = ["我家里老人生病住院急需用钱。", "当时是在银行网点被推销的。", "我多次打电话给客服都没有结果。",
             "业务员早就离职了联系不上。", "每年交费压力很大已经交不起。", "合同里的条款和宣传的完全不一样。",
             "我是农民看不懂这些条款。", "孩子上学需要用钱。"]
"""Sentences honest complainers add to the public letter in their own words."""


def _honest_copies(b: BookBuilder, n: int, months: list[str]) -> list[str]:
    """``n`` honest complainers copying the public letter with a sentence or two of their own,
    each with their own phone and account, sold by agents of ten branches, over the given
    months."""
    claims = []
    for i in range(n):
        agent = b.agent(f"A-{i % 10}", branch=f"{BRANCHES[i % 10]}支公司")
        phone, account = _mobile("134", i), f"62220000777{i:08d}"
        cust = b.customer(f"HC{i}", f"{SURNAMES[i % len(SURNAMES)]}实{i}", f"江西省{BRANCHES[i % 10]}{i}号",
                          phone, account)
        month = months[i % len(months)]
        claim = b.claim(f"HCC{i}", cust, agent, f"{month}-{1 + (7 * i) % 27:02d}", full_refund=True,
                        complaint_reason=True, contact=phone, account=account, account_name=f"{SURNAMES[i % len(SURNAMES)]}实{i}")
        b.complaint(f"HCK{i}", cust, claim, f"{month}-{1 + (7 * i) % 27:02d}",
                    _letter(100 + i, OWN_WORDS[i % 8] + OWN_WORDS[(3 * i + 1) % 8]), phone=phone)
        claims.append(claim)
    return claims


def test_a_ring_tied_only_by_its_own_version_of_a_public_letter_is_one_group(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    """Five members of one branch share no identifier, only their ring's edit of a letter that
    honest customers of every branch copy all year (so the letter itself never crowds): the
    version crowding in one branch in one month groups them, and no honest copy joins."""
    honest = _honest_copies(book, 40, [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)])
    book.agent("A-RING", branch="南康区支公司")
    members = []
    for k in range(5):
        cust = book.customer(f"SV{k}", f"{SURNAMES[k]}隐{k}", f"赣州市南康区隐{k}号", _mobile("133", k))
        claim = book.claim(f"SVC{k}", cust, "A-RING", f"2024-05-{2 + 4 * k:02d}", full_refund=True,
                           complaint_reason=True, contact=_mobile("133", k), account=f"62220300000{k:08d}",
                           account_name=f"{SURNAMES[k]}隐{k}")
        book.complaint(f"SVK{k}", cust, claim, f"2024-05-{1 + 4 * k:02d}", _letter(200 + k, EDIT_B), phone=_mobile("133", k))
        members.append(claim)
    result = detect_book(tmp_path, book)
    grouped = [r.claim_ids for r in result.rings if set(r.claim_ids) & set(members)]
    assert grouped == [tuple(sorted(members))]
    assert not any(set(r.claim_ids) & set(honest) for r in result.rings)


def test_honest_copies_crowding_beside_a_ring_do_not_join_it(tmp_path: Path, book: BookBuilder) -> None:
    """Two rings adapt the public letter in the same months in which 150 honest customers of ten
    branches copy it with words of their own (the letter crowds as a whole, in a burst too large
    to compare every pair of): each ring is found exactly, no honest copy joins either (copies
    crowding together may be grouped, below the alert threshold), and no honest copy's risk
    reaches the alert threshold."""
    honest = _honest_copies(book, 150, ["2024-03", "2024-04"])
    a = _ring(book, "RA", 6, "03", "+8617700000001", "6222000000000000001", EDIT_A, first=0)
    b = _ring(book, "RB", 6, "04", "+8617700000002", "6222000000000000002", EDIT_B, first=10)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == sorted([tuple(sorted(a)), tuple(sorted(b))])
    assert not any(set(r.claim_ids) & set(honest) and set(r.claim_ids) - set(honest) for r in result.rings)
    # an honest copy is closest to other copies, not to a ring's version: no claim risk alerts
    risks = {c.claim_id: c.risk for c in result.claim_risks}
    assert max(risks[h] for h in honest) < ALERT_THRESHOLD


def test_a_ring_sending_the_public_letter_word_for_word_takes_in_no_honest_copy(tmp_path: Path,
                                                                                 book: BookBuilder) -> None:
    """A ring sends the public letter as it circulates, in May 2023 and again in August 2024,
    tied by its phone and account; eight honest customers copy the same letter word for word
    over the two years, nothing else shared. The ring holds most of the book's copies, but
    copies filed months from its weeks show the wording circulates: no honest copy joins it
    (an outside test had eight honest copies taken in at 0.9955). As in real books, many honest
    customers complain in their own words too."""
    for i in range(60):
        phone, account = _mobile("131", i), f"62220000888{i:08d}"
        cust = book.customer(f"OW{i}", f"{SURNAMES[i % len(SURNAMES)]}诉{i}", f"江西省{BRANCHES[i % 10]}{i}巷", phone,
                             account)
        date = f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + (5 * i) % 27:02d}"
        claim = book.claim(f"OWC{i}", cust, "A-OK", date, full_refund=i % 2 == 0, complaint_reason=True, contact=phone,
                           account=account, account_name=f"{SURNAMES[i % len(SURNAMES)]}诉{i}")
        book.complaint(f"OWK{i}", cust, claim, date, _OWN_WORDS[i % len(_OWN_WORDS)] + OWN_WORDS[i % 8]
                       + f"保单尾号{1000 + 37 * i}。", phone=phone)
    honest = []
    for i, date in enumerate(["2023-01-13", "2023-06-20", "2023-07-31", "2023-10-26", "2024-01-15",
                              "2024-04-10", "2024-07-22", "2024-10-15"]):
        phone, account = _mobile("134", i), f"62220000777{i:08d}"
        cust = book.customer(f"VC{i}", f"{SURNAMES[i]}抄{i}", f"江西省{BRANCHES[i]}{i}号", phone, account)
        claim = book.claim(f"VCC{i}", cust, "A-OK", date, full_refund=True, complaint_reason=True,
                           contact=phone, account=account, account_name=f"{SURNAMES[i]}抄{i}")
        book.complaint(f"VCK{i}", cust, claim, date, _letter(100 + i), phone=phone)
        honest.append(claim)
    first = _ring(book, "WA", 8, "05", "+8617700000077", "6222000000000000077", "", first=0, year=2023)
    second = _ring(book, "WB", 8, "08", "+8617700000077", "6222000000000000077", "", first=20)
    result = detect_book(tmp_path, book)
    ring = next(r for r in result.rings if set(r.claim_ids) & set(first))
    assert ring.score >= ALERT_THRESHOLD and set(first) | set(second) <= set(ring.claim_ids)
    assert not set(ring.claim_ids) & set(honest)


def _orphaned_book(b: BookBuilder, agent: str, tag: str, dates: list[str], first: int) -> list[str]:
    """Former customers of ``agent`` surrendering on ``dates``, each with own phone and account,
    demanding a full refund on complaint grounds (nobody serves them any more)."""
    claims = []
    for k, date in enumerate(dates):
        i = first + k
        phone, account = _mobile("132", i), f"62220000555{i:08d}"
        cust = b.customer(f"{tag}{k}", f"{SURNAMES[i % len(SURNAMES)]}孤{i}", f"赣州市孤{i}号", phone, account)
        claims.append(b.claim(f"{tag}C{k}", cust, agent, date, full_refund=True, complaint_reason=True,
                              contact=phone, account=account, account_name=f"{SURNAMES[i % len(SURNAMES)]}孤{i}"))
    return claims


def test_a_crowd_one_of_many_resigned_agents_books_shows_by_chance_is_no_ring(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    """Forty resigned agents' former customers complain and surrender all year, three each; in
    one book four surrender within a month. Alone that crowd is unlikely (a burst at α = 0.01),
    among forty books one such crowd is expected: it links the four, but counts as timing only,
    under the cap, and no ring alerts. Twelve of one book in three weeks are far beyond chance."""
    crowd = []
    for a in range(40):
        agent = book.agent(f"A-LEFT{a}", status="resigned", leave_date="2022-06-30")
        if a == 0:
            crowd = _orphaned_book(book, agent, "OC", ["2024-03-02", "2024-03-09", "2024-03-17", "2024-03-28"], 0)
        else:
            months = [1 + (a + 4 * k) % 12 for k in range(3)]
            _orphaned_book(book, agent, f"OB{a}-", [f"{2023 + k % 2}-{m:02d}-15" for k, m in enumerate(months)],
                           100 + 3 * a)
    result = detect_book(tmp_path, book)
    grouped = next(r for r in result.rings if set(crowd) <= set(r.claim_ids))
    line = next(e for e in grouped.evidence if e.code == "ex_agent_book")
    assert line.data["beyond_chance"] is False and line.data["books_tested"] == 40
    assert line.en.endswith("(beyond the book's usual rate, but with 40 resigned agents' books tested, one of "
                            "them crowding so much by chance is not rare, so it counts as timing only)")
    assert grouped.score < ALERT_THRESHOLD
    assert "surrendered in a burst starting 611 days after the agent left" in line.en
    assert alerted_claims(result) == []
    # a group the run did not alert lends its members nothing: their risk is their own
    risks = {c.claim_id: c for c in result.claim_risks}
    assert max(risks[c].risk for c in crowd) < ALERT_THRESHOLD

    swept = _orphaned_book(book, book.agent("A-SWEPT", status="resigned", leave_date="2022-06-30"), "SW",
                           [f"2024-09-{2 + 2 * k:02d}" for k in range(12)], 400)
    result = detect_book(tmp_path / "swept", book)
    ring = next(r for r in result.rings if set(swept) <= set(r.claim_ids))
    assert next(e for e in ring.evidence if e.code == "ex_agent_book").data["beyond_chance"] is True
    assert ring.score >= ALERT_THRESHOLD


def test_an_account_shared_without_a_holder_name_says_what_it_links(tmp_path: Path, book: BookBuilder) -> None:
    """The evidence line counts the claims paid to the account and the households it links,
    each for what it is (it read "3 claims of 3 households paid to one account", which an
    investigator read as three claims out of some other number)."""
    for k in range(3):
        cust = book.customer(f"NA{k}", f"{SURNAMES[k]}无名{k}", f"赣州市无名{k}号", _mobile("131", k))
        book.claim(f"NAC{k}", cust, "A-OK", f"2024-07-{3 + 5 * k:02d}", full_refund=True, complaint_reason=True,
                   contact="+8617700000009", account="6222000000000000009")
    result = detect_book(tmp_path, book)
    ring = next(r for r in result.rings if "NAC0" in r.claim_ids)
    line = next(e for e in ring.evidence if e.code == "shared_payout_account")
    assert line.data["count"] == 3 and line.data["households"] == 3
    assert line.en.startswith(f"3 claims paid to one account 6222000000000000009, which links "
                              f"{line.data['households']} unrelated households of the ring")
    assert line.zh.startswith(f"3 笔退保款付至同一账户 6222000000000000009，该账户关联本团伙 {line.data['households']} 个")



def test_a_ring_using_each_trick_for_some_members_and_its_own_letter_is_one_ring(tmp_path: Path,
                                                                                 book: BookBuilder) -> None:
    """Nine members in four weeks: three paid to the agency's account, two with its phone, two
    with its representative, two with nothing; six send the ring's own letter (no one else in
    the book writes it). Each trick ties a sub-group; the letter only they use ties the
    sub-groups into one ring (a public letter would not: see the test of two rings above)."""
    rep = ("孙代办", "360702198803030099", "+8617700000099")
    members = []
    for k in range(9):
        i = 40 + k
        cust = book.customer(f"TR{k}", f"{SURNAMES[i % len(SURNAMES)]}技{k}", f"赣州市技{k}号", _mobile("138", i))
        claim = book.claim(f"TRC{k}", cust, "A-OK", f"2024-09-{2 + 3 * k:02d}", full_refund=True, complaint_reason=True,
                           contact="+8617700000098" if k in (3, 4) else _mobile("138", i),
                           account="6222000000000000098" if k < 3 else f"62220400000{i:08d}",
                           account_name="赣州维权咨询服务有限公司" if k < 3 else f"{SURNAMES[i % len(SURNAMES)]}技{k}",
                           rep=rep if k in (5, 6) else None)
        if k < 6:
            book.complaint(f"TRK{k}", cust, claim, f"2024-09-{1 + 3 * k:02d}", _letter(i, EDIT_A + EDIT_B))
        members.append(claim)
    result = detect_book(tmp_path, book)
    found = [set(r.claim_ids) for r in result.rings if r.score >= ALERT_THRESHOLD and set(r.claim_ids) & set(members)]
    assert len(found) == 1 and {f"TRC{k}" for k in range(7)} <= found[0] <= set(members)


def test_a_ring_member_typed_with_a_care_homes_phone_does_not_pull_its_residents(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    """One ring request carries the care-home worker's phone (a clerk's slip): the phone now
    'belongs' to the ring, but it is barely suspicious (an institution's phone), so the home's
    residents are not pulled towards the ring."""
    worker = ("林护工", "360702198001010077", "+8613800000077")
    agency = "+8617700000088"
    ring = _agency_ring(book, "黄中介", contact=lambda k: worker[2] if k == 0 else agency)
    _only_the_ring_alerts(tmp_path, book, ring, _residents(book, worker, 7, contact=worker[2], spread_days=True))


def test_a_care_home_worker_who_filed_one_ring_request_does_not_bring_the_homes_residents(
        tmp_path: Path, book: BookBuilder) -> None:
    """A resident went through the agency, and the home's worker filed that request as she files
    all of them: the ring holds that request, but the worker (barely suspicious: cash-value
    refunds and ordinary reasons for years) ties no other resident to it."""
    worker = ("林护工", "360702198001010077", "+8613800000077")
    ring = _agency_ring(book, "赣州维权咨询服务有限公司", rep=lambda k: worker if k == 0 else None)
    _only_the_ring_alerts(tmp_path, book, ring, _residents(book, worker, 8))


def test_an_account_paid_by_over_a_hundred_complaint_refunds_is_a_ring_not_a_hub(
        tmp_path: Path, book: BookBuilder) -> None:
    """The regulator's typical case: 115 policyholders over two and a half years, every refund a
    full-refund complaint demand paid to one company's account (``../shared/domain.md``). Touching
    more customers than ``hub_customers`` does not make it a hub; a branch landline typed in for
    as many ordinary requests still is one."""
    mega = []
    for k in range(115):
        cust = book.customer(f"M{k}", f"{SURNAMES[k % len(SURNAMES)]}维{k}", f"赣州市{k}号", _mobile("136", k))
        mega.append(book.claim(f"MC{k}", cust, "A-OK", f"{2022 + k // 46}-{1 + k % 12:02d}-{1 + k % 27:02d}",
                               full_refund=True, complaint_reason=True, account="6222020200112233446",
                               account_name="深圳维权法律咨询有限公司"))
    landline = "+867978888888"
    for k in range(110):
        cust = book.customer(f"L{k}", f"{SURNAMES[k % len(SURNAMES)]}柜{k}", f"赣州市柜台{k}号")
        book.claim(f"LC{k}", cust, "A-OK", f"{2023 + k % 2}-{1 + k % 12:02d}-{1 + k % 27:02d}", contact=landline)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(mega))]
    profiles = SQLiteStore(tmp_path / "g.db").identifier_profiles(
        [NodeRef(Label.BANK_ACCOUNT, "6222020200112233446"), NodeRef(Label.PHONE, landline)])
    account, hub = profiles[NodeRef(Label.BANK_ACCOUNT, "6222020200112233446")], profiles[NodeRef(Label.PHONE, landline)]
    assert "hub" not in account.notes and account.suspicion > 0.9
    assert "hub" in hub.notes and hub.suspicion == 0.0


def _paid_to_one_stranger(book: BookBuilder, tag: str, dates: list[str], holder: str = "邓收款",
                          rep: tuple[str, str, str] | None = None) -> list[str]:
    """Customers of unrelated households who each give an ordinary reason and take the cash
    value, with their own phones, and have the refund paid into one account held by ``holder``."""
    claims = []
    for k, date in enumerate(dates):
        cust = book.customer(f"{tag}{k}", f"{SURNAMES[k + 12]}{tag}{k}", f"赣州市信丰县{tag}{k}号", _mobile("136", k))
        claims.append(book.claim(f"{tag}C{k}", cust, "A-OK", date, contact=_mobile("136", k),
                                 account="6222000077770001", account_name=holder, rep=rep))
    return claims


def test_a_ring_told_to_give_ordinary_reasons_is_found_by_the_stranger_it_pays(tmp_path: Path,
                                                                                  book: BookBuilder) -> None:
    """``../shared/domain.md``: coached members are told to give an ordinary reason, and a refund
    paid to a third party's account, the same for many customers, within weeks, is the ring's
    behaviour. Three households paid into one stranger's account within ten days, cash value and
    ordinary reasons, sharing nothing else, are a ring (an outside book's ring of three was missed,
    capped at 0.45 as showing none of the trade's behaviour). The same three refunds over half
    a year are an account's slow habit (a clerk's, a carer's), and two households may be kin of
    two surnames; a care home new to the book is paid in its own name, and a guardian paid for
    the wards she represents files their requests (an outside tester had both alerted): none
    of them is alerted."""
    ring = _paid_to_one_stranger(book, "SM", ["2024-05-06", "2024-05-11", "2024-05-16"])
    result = detect_book(tmp_path / "weeks", book)
    assert alerted_claims(result) == [tuple(ring)]
    found = next(r for r in result.rings if set(ring) <= set(r.claim_ids))
    codes = [e.code for e in found.evidence]
    assert {"shared_payout_account", "third_party_payout"} <= set(codes) and "no_refund_demands" not in codes

    weeks = ["2024-05-06", "2024-05-11", "2024-05-16", "2024-05-30"]
    honest = {name: BookBuilder() for name in ("slow", "pair", "home", "guardian")}
    for other in honest.values():
        other.agent("A-OK", name="黄正常")
        _background(other)
    _paid_to_one_stranger(honest["slow"], "SM", ["2024-01-06", "2024-04-11", "2024-07-16"])
    _paid_to_one_stranger(honest["pair"], "SM", weeks[:2])
    _paid_to_one_stranger(honest["home"], "SM", weeks, holder="信丰县福寿护理院")
    _paid_to_one_stranger(honest["guardian"], "SM", weeks, holder="邓监护",
                          rep=("邓监护", "360722197001010051", "+8613600000051"))
    for name, other in honest.items():
        assert alerted_claims(detect_book(tmp_path / name, other)) == [], name


def test_a_care_home_that_files_mails_and_takes_its_residents_refunds_is_not_a_ring(
        tmp_path: Path, book: BookBuilder) -> None:
    """The home's worker files every resident's request over two years with her phone as the
    contact, some refunds are paid into the home's account, and the residents who complain mail
    the circulating letter from the home: everything a ring shares, but no resident demands a
    full refund or gives a complaint reason. The group scores at most 0.45 and says why."""
    worker = ("林护工", "360702198001010077", "+8613800000077")
    home = "赣州市章贡区福寿养老院"
    residents = []
    for i in range(10):
        cust = book.customer(f"CH{i}", f"{SURNAMES[i + 5]}老{i}", f"赣州市章贡区{i}号", _mobile("135", i))
        claim = book.claim(f"CHC{i}", cust, "A-OK", f"{2023 + i // 5}-{1 + 2 * i % 12:02d}-10", contact=worker[2],
                           account="6222000099990001" if i % 3 == 0 else None,
                           account_name="章贡区福寿养老院" if i % 3 == 0 else None, rep=worker)
        if i % 2 == 0:
            book.complaint(f"CHK{i}", cust, claim, f"{2023 + i // 5}-{1 + 2 * i % 12:02d}-01", _letter(i),
                           phone=worker[2], mailing_address=home)
        residents.append(claim)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    group = next(r for r in result.rings if set(r.claim_ids) & set(residents))
    assert group.score <= 0.45
    assert "no_refund_demands" in [e.code for e in group.evidence]


def test_a_care_home_where_one_resident_complains_is_not_a_ring(tmp_path: Path, book: BookBuilder) -> None:
    """The home of the test above, and one of its ten residents gives a complaint reason: the
    residents paid to the home demand what the trade demands less often than the book's requests
    do (a ring of six and a dozen honest complainers are in the book), so they score at most
    0.45 and say why."""
    worker = ("林护工", "360702198001010077", "+8613800000077")
    ring = _agency_ring(book, "赣州维权咨询服务有限公司")
    for k in range(12):
        cust = book.customer(f"HC{k}", f"{SURNAMES[k + 2]}诉{k}", f"赣州市瑞金市{k}号", _mobile("133", k))
        book.claim(f"HCC{k}", cust, "A-OK", f"{2023 + k % 2}-{1 + k:02d}-15", full_refund=True,
                   complaint_reason=True, contact=_mobile("133", k))
    residents = []
    for i in range(10):
        cust = book.customer(f"CH{i}", f"{SURNAMES[i + 5]}老{i}", f"赣州市章贡区{i}号", _mobile("135", i))
        residents.append(book.claim(f"CHC{i}", cust, "A-OK", f"{2023 + i // 5}-{1 + 2 * i % 12:02d}-10",
                                    complaint_reason=i == 0, contact=worker[2], rep=worker,
                                    account="6222000099990001" if i % 3 == 0 else None,
                                    account_name="章贡区福寿养老院" if i % 3 == 0 else None))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(ring))]
    group = next(r for r in result.rings if "CHC0" in r.claim_ids)
    assert group.claim_ids == ("CHC0", "CHC3", "CHC6", "CHC9") and group.score <= 0.45
    cap = next(e for e in group.evidence if e.code == "no_refund_demands")
    assert (cap.data["demanding"], cap.data["claims"]) == (1, 4)


def test_a_guardians_request_in_a_rings_weeks_does_not_join_it_on_timing(tmp_path: Path,
                                                                          book: BookBuilder) -> None:
    """The book's ring files through its representative and is paid to a third party; a legal
    guardian files one ward's cash-value request for an ordinary reason, paid to the guardian,
    in the ring's weeks. The traits are the ring's, but nothing ties the ward to it and the
    request demands nothing of the trade: it stays out."""
    agent = ("黄中介", "360702198502020088", "+8617700000088")
    ring = _agency_ring(book, "黄中介", rep=lambda k: agent)
    ward = book.customer("W0", "孔病", "赣州市章贡区医院路1号", "+8613500000099")
    book.claim("WC0", ward, "A-OK", "2024-08-12", account="6222000077770001", account_name="林监护",
               rep=("林监护", "360702197001010055", "+8613900000055"))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(ring))]


def test_a_sentence_many_complainers_write_is_no_template(tmp_path: Path, book: BookBuilder) -> None:
    """Five unrelated customers complain of the dividend cut in the same words within a month,
    each giving a complaint reason: one short sentence is what people say or a hotline clerk
    writes down, not a black market's letter, so it makes no template and no group."""
    said = "今年的红利比去年少了一大半，和当初说的完全不一样。"
    for k in range(5):
        cust = book.customer(f"D{k}", f"{SURNAMES[k + 3]}红{k}", f"赣州市信丰县{k}号", _mobile("134", k))
        claim = book.claim(f"DC{k}", cust, "A-OK", f"2024-03-{2 + 5 * k:02d}", complaint_reason=True,
                           contact=_mobile("134", k))
        book.complaint(f"DK{k}", cust, claim, f"2024-03-{1 + 5 * k:02d}", said)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    assert not [r for r in result.rings if {f"DC{k}" for k in range(5)} & set(r.claim_ids)]


def _batch_ring(book: BookBuilder) -> list[str]:
    """Six unrelated customers in March 2024, full refunds on complaint grounds, each given a
    fresh SIM card of one batch (consecutive numbers) a week before the request, refunds paid to
    two agency accounts, three each."""
    claims = []
    for k in range(6):
        sim = f"+86170676816{40 + 3 * k}"
        cust = book.customer(f"SB{k}", f"{SURNAMES[k + 11]}卡{k}", f"赣州市宁都县{k}号", _mobile("158", k))
        book.change(cust, f"2024-03-{1 + 4 * k:02d}", sim)
        claims.append(book.claim(f"SBC{k}", cust, "A-OK", f"2024-03-{8 + 4 * k:02d}", full_refund=True,
                                 complaint_reason=True, contact=sim,
                                 account="6222000066660001" if k < 3 else "6222000066660002",
                                 account_name="宁都维权咨询服务有限公司" if k < 3 else "赣州安心法律咨询有限公司"))
    return claims


def test_a_ring_handing_out_sim_cards_of_one_batch_is_one_ring(tmp_path: Path, book: BookBuilder) -> None:
    """Each member's number is their own, but all six are consecutive numbers of one block
    (``../shared/domain.md``: the agency collects a fresh SIM card): the block ties the two
    account groups into one ring, and the evidence names the numbers."""
    ring = _batch_ring(book)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(ring)]
    found = next(r for r in result.rings if r.claim_ids == tuple(ring))
    block = next(e for e in found.evidence if e.code == "shared_number_block")
    assert block.data["value"] == "+86170676816**" and block.data["households"] == 6
    assert block.data["numbers"] == [f"+86170676816{40 + 3 * k}" for k in range(6)]


def test_consecutive_numbers_on_ordinary_requests_tie_nobody(tmp_path: Path, book: BookBuilder) -> None:
    """A company hands its staff new lines of one batch: unrelated customers change their policy
    phone to consecutive numbers a week before surrendering for cash value and ordinary reasons.
    The block is a use of each (they changed to it), but as unsuspicious as its requests."""
    for k in range(6):
        phone = f"+86170676816{40 + 3 * k}"
        cust = book.customer(f"FP{k}", f"{SURNAMES[k + 11]}员{k}", f"赣州市宁都县{k}号", _mobile("157", k))
        book.change(cust, f"2024-03-{1 + 4 * k:02d}", phone)
        book.claim(f"FPC{k}", cust, "A-OK", f"2024-03-{8 + 4 * k:02d}", contact=phone)
    result = detect_book(tmp_path, book)
    assert not [r for r in result.rings if {f"FPC{k}" for k in range(6)} & set(r.claim_ids)]
    block = NodeRef(Label.PHONE, "+86170676816**")
    profile = SQLiteStore(tmp_path / "g.db").identifier_profiles([block])[block]
    assert (profile.customers, profile.suspicion) == (6, 0.0)


def test_a_request_on_a_sim_card_of_a_rings_batch_is_scored_with_the_ring(tmp_path: Path,
                                                                            book: BookBuilder) -> None:
    """In real time, a customer who changed the policy's phone to another card of the ring's
    batch a week before (a number no claim has used yet) points at the ring through the number
    block, by the rule the batch run applies to the ring's own members. A customer who has long
    held a number of that block is not pointed at it: only a fresh SIM counts by its block."""
    ring = _batch_ring(book)
    fresh = book.customer("NEWCUST", "甘新卡", "赣州市宁都县新1号", _mobile("159", 1))
    book.change(fresh, "2024-03-26", "+8617067681661")
    book.customer("OLDCUST", "甘老号", "赣州市宁都县老1号", "+8617067681671")
    result = detect_book(tmp_path, book)
    ring_id = next(r.ring_id for r in result.rings if r.claim_ids == tuple(ring))
    answers = {}
    with SQLiteStore(tmp_path / "g.db") as store:
        scorer = RealtimeScorer(store)
        for customer, phone in (("NEWCUST", "170-6768-1661"), ("OLDCUST", "17067681671")):
            answers[customer] = scorer.score(SurrenderRequest.from_any({
                "claim_id": f"N-{customer}", "request_date": "2024-04-02", "customer_id": customer,
                "refund_type": "full_premium", "reason_code": "mis_selling_complaint", "contact_phone": phone}))
    block = [r for r in answers["NEWCUST"].reasons if r.code == "identifier_in_ring" and r.data["kind"] == "number_block"]
    assert [(r.data["value"], r.data["ring_id"]) for r in block] == [("+86170676816**", ring_id)]
    assert answers["NEWCUST"].score >= ALERT_THRESHOLD
    assert "number_block" not in {r.data.get("kind") for r in answers["OLDCUST"].reasons}


def test_a_stealth_member_with_the_rings_own_letter_joins_where_complaints_are_common(
        tmp_path: Path, book: BookBuilder) -> None:
    """Forty honest customers demand full refunds on complaint grounds (a rate-cut wave), so
    being complaint-driven says little in this book. A coached member who shares nothing with
    the ring but its own edit of the letter (all of that wording's letters are the ring's) still
    joins it a month after the ring's burst (its letter, with two sentences of its own, is closest
    to the ring's letters): the wording is the ring's own."""
    for i in range(40):
        cust = book.customer(f"W{i}", f"{SURNAMES[i % len(SURNAMES)]}波{i}", f"赣州市会昌县{i}号", _mobile("152", i))
        book.claim(f"WC{i}", cust, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{2 + i % 25:02d}",
                   full_refund=True, complaint_reason=True, contact=_mobile("152", i))
    ring = _ring(book, "RA", 6, "05", "+8617700000001", "6222000000000000001", EDIT_A, first=0)
    stealth = book.customer("ST0", "邱隐身", "赣州市石城县1号", _mobile("151", 0))
    claim = book.claim("STC0", stealth, "A-OK", "2024-06-12", full_refund=True, complaint_reason=True,
                       contact=_mobile("151", 0))
    book.complaint("STK0", stealth, claim, "2024-06-10", _letter(50, EDIT_A + OWN_WORDS[0] + OWN_WORDS[3]))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted([*ring, "STC0"]))]
    found = next(r for r in result.rings if "STC0" in r.claim_ids)
    joined = next(e for e in found.evidence if e.code == "joined_members")
    assert [(m["claim_id"], m["tie"]) for m in joined.data["members"]] == [("STC0", "template")]


def _rate_cut_wave(book: BookBuilder) -> None:
    """Forty honest customers demanding full refunds on complaint grounds over two years (a
    rate-cut wave, no letters): being complaint-driven says little in this book."""
    for i in range(40):
        cust = book.customer(f"W{i}", f"{SURNAMES[i % len(SURNAMES)]}波{i}", f"赣州市会昌县{i}号", _mobile("152", i))
        book.claim(f"WC{i}", cust, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{2 + i % 25:02d}",
                   full_refund=True, complaint_reason=True, contact=_mobile("152", i))


def _stealth_member(book: BookBuilder, letter: str) -> str:
    """A coached member who shares nothing with a ring but a letter, filed in June 2024."""
    stealth = book.customer("ST0", "邱隐身", "赣州市石城县1号", _mobile("151", 0))
    claim = book.claim("STC0", stealth, "A-OK", "2024-06-12", full_refund=True, complaint_reason=True,
                       contact=_mobile("151", 0))
    book.complaint("STK0", stealth, claim, "2024-06-10", letter)
    return claim


def test_a_stealth_member_joins_a_ring_whose_members_each_wrote_twice(tmp_path: Path,
                                                                     book: BookBuilder) -> None:
    """The ring's members each send their letter twice (to the company and to the regulator), so
    the book holds twelve letters of the ring's wording and one of the stealth member's. The
    wording is the ring's own (twelve of thirteen letters), counted in letters on both sides:
    counting the ring's claims (six) against the book's letters (thirteen) left it out."""
    _rate_cut_wave(book)
    ring = _ring(book, "RA", 6, "05", "+8617700000001", "6222000000000000001", EDIT_A, first=0)
    for k in range(6):
        book.complaint(f"RAK{k}-2", f"RA{k}", f"RAC{k}", f"2024-05-{2 + 3 * k:02d}", _letter(k, EDIT_A))
    _stealth_member(book, _letter(50, EDIT_A + OWN_WORDS[0] + OWN_WORDS[3]))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted([*ring, "STC0"]))]


def test_a_stealth_member_joins_when_two_rings_share_their_wording(tmp_path: Path,
                                                                   book: BookBuilder) -> None:
    """Two rings of one coach use one edit of the letter, in May and in November; nobody else in
    the book writes it. A stealth member's letter in June is closest to the May ring's letters,
    and it joins that ring: the rings hold ten of the wording's eleven letters, though neither
    holds half of them alone."""
    _rate_cut_wave(book)
    may = _ring(book, "RA", 5, "05", "+8617700000001", "6222000000000000001", EDIT_A, first=0)
    november = _ring(book, "RB", 5, "11", "+8617700000002", "6222000000000000002", EDIT_A, first=10)
    _stealth_member(book, _letter(50, EDIT_A + OWN_WORDS[0] + OWN_WORDS[3]))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == sorted([tuple(sorted([*may, "STC0"])), tuple(sorted(november))])


_OWN_WORDS = ["孩子上学急需用钱，当初说好的分红一直没有兑现，希望公司给个说法。",
              "去年住院花了不少钱，保险却说不在理赔范围内，我觉得受了骗。",
              "业务员早已离职，保单的事情没人管，电话打了好几次也无人回复。",
              "买的时候说是存款，后来才知道是保险，每年交费压力太大了。",
              "老伴去世后家里只剩我一人，这份保单我实在交不起了，请求帮助。",
              "银行柜台的人推荐的产品，说三年就能取出，结果取不出来。",
              "合同上的签字不是我本人签的，我要求公司调查核实这件事。",
              "分红比演示的少了一大半，跟当初讲的完全不一样，心里很不踏实。",
              "我在外地打工，回家才发现扣了好几年的钱，根本不知道买了什么。"]
"""Nine complainers' own words: no two alike (no template)."""
LEGAL_AID = "赣州市章贡区法律援助中心红旗大道12号"


def _legal_aid_clients(book: BookBuilder, dates: list[str], contact: Callable[[int], str | None] = lambda i: None,
                       words: Callable[[int], str] = lambda i: _OWN_WORDS[i], mailing: str | None = LEGAL_AID
                       ) -> list[str]:
    """Complainers, each in their own words (unless ``words`` gives the ``i``-th its letter),
    whose letters give a county legal-aid centre's address (or ``mailing``); full refunds on
    complaint grounds, own account and (unless ``contact`` gives one for the ``i``-th) own phone."""
    claims = []
    for i, date in enumerate(dates):
        phone, account = _mobile("133", i), f"62220000777{i:08d}"
        cust = book.customer(f"LA{i}", f"{SURNAMES[i + 3]}援{i}", f"赣州市章贡区{i}巷", phone, account)
        claim = book.claim(f"LAC{i}", cust, "A-OK", date, full_refund=True, complaint_reason=True,
                           contact=contact(i) or phone, account=account, account_name=f"{SURNAMES[i + 3]}援{i}")
        book.complaint(f"LAK{i}", cust, claim, date, words(i), phone=phone,
                       mailing_address=mailing or f"赣州市章贡区{i}巷")
        claims.append(claim)
    return claims


_QUARTERLY = [f"{2023 + m // 12}-{1 + m % 12:02d}-05" for m in range(0, 27, 3)]
"""Nine dates about three months apart over two years: never more than two within sixty days."""


def test_a_legal_aid_centres_address_in_steady_use_over_two_years_is_not_a_ring(tmp_path: Path,
                                                                                book: BookBuilder) -> None:
    claims = _legal_aid_clients(book, _QUARTERLY)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    risks = {c.claim_id: c.risk for c in result.claim_risks}
    assert max(risks[c] for c in claims) < ALERT_THRESHOLD
    # the centre's clients are one group, scored with the address as a clue, not as a tie
    group = next(r for r in result.rings if set(r.claim_ids) == set(claims))
    shared = next(e for e in group.evidence if e.code == "shared_mailing_address")
    assert shared.data["steady"] is True and shared.data["steady_claims"] == 9 and shared.data["span_days"] == 731
    assert group.score == pytest.approx(0.45)
    untied = next(e for e in group.evidence if e.code == "no_shared_ties")
    assert "besides those in an institution's steady use" in untied.en
    address = NodeRef(Label.ADDRESS, LEGAL_AID)
    profile = SQLiteStore(tmp_path / "g.db").identifier_profiles([address])[address]
    assert "steady_use" in profile.notes


def test_the_same_address_on_nine_letters_within_five_weeks_is_a_ring(tmp_path: Path, book: BookBuilder) -> None:
    claims = _legal_aid_clients(book, [f"2024-05-{1 + 4 * k:02d}" for k in range(9)])
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(claims))]


def test_clients_of_a_steadily_used_address_who_also_share_a_phone_are_a_ring(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    dates = [f"{2023 + m // 12}-{1 + m % 12:02d}-05" for m in range(0, 27, 3)]
    # an agency's phone on three of the requests: a tie of its own
    claims = _legal_aid_clients(book, dates, contact=lambda i: "+8617700000099" if i % 4 == 0 else None)
    result = detect_book(tmp_path, book)
    alerted = [r for r in result.rings if r.score >= ALERT_THRESHOLD]
    assert len(alerted) == 1 and set(claims) <= set(alerted[0].claim_ids)
    codes = {e.code: e for e in alerted[0].evidence}
    assert codes["shared_mailing_address"].data["steady"] is True and "steady" not in codes["shared_contact_phone"].data


def test_a_ring_spreading_one_agency_phone_evenly_over_five_months_is_a_ring(tmp_path: Path,
                                                                             book: BookBuilder) -> None:
    # seven unrelated customers, one every 25 days, the agency's phone on every request and the
    # public letter: even use over months is a camouflaged ring's, not yet an institution's years
    claims = []
    for k in range(7):
        cust = book.customer(f"EV{k}", f"{SURNAMES[k + 12]}匀{k}", f"赣州市信丰县{k}号", _mobile("134", k))
        day = pd.Timestamp("2024-01-05") + pd.Timedelta(days=25 * k)
        claim = book.claim(f"EVC{k}", cust, "A-OK", day.date().isoformat(), full_refund=True,
                           complaint_reason=True, contact="+8617700000123")
        book.complaint(f"EVK{k}", cust, claim, day.date().isoformat(), _letter(40 + k))
        claims.append(claim)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(claims))]
    phone = next(e for r in result.rings for e in r.evidence if e.code == "shared_contact_phone")
    assert "steady" not in phone.data


def test_a_legal_aid_centres_address_adds_nothing_to_its_clients_risk(tmp_path: Path) -> None:
    """The address an institution uses steadily is no sign of the trade on a claim either: each
    client's risk is what it is with the letter mailed from home."""
    risks = []
    for mailing in (LEGAL_AID, None):
        book = BookBuilder()
        book.agent("A-OK", name="黄正常")
        _background(book)
        claims = _legal_aid_clients(book, _QUARTERLY, mailing=mailing)
        (tmp_path / str(len(risks))).mkdir()
        result = detect_book(tmp_path / str(len(risks)), book)
        risks.append({c.claim_id: c.risk for c in result.claim_risks if c.claim_id in claims})
    assert risks[0] == risks[1]


def test_a_legal_aid_centres_clients_with_three_alike_letters_months_apart_are_not_a_ring(
        tmp_path: Path, book: BookBuilder) -> None:
    """Three of the centre's clients, five and eight months apart, send one wording nobody else in
    the book uses (the centre helps them write): rare wording, but no campaign, so it stays
    wording and the group stays under the alert threshold."""
    claims = _legal_aid_clients(book, _QUARTERLY, words=lambda i: _letter(60 + i, EDIT_B) if i in (1, 3, 6)
                                else _OWN_WORDS[i])
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    group = next(r for r in result.rings if set(r.claim_ids) == set(claims))
    template = next(e for e in group.evidence if e.code == "complaint_template")
    assert template.data["share"] == 1.0 and template.data["campaign_share"] == 0.0
    assert group.score == pytest.approx(0.45)


def test_a_ring_mailing_from_the_legal_aid_centre_does_not_take_in_the_centres_clients(
        tmp_path: Path, book: BookBuilder) -> None:
    """A ring of six mails its letters from the centre within three weeks, with the agency's phone
    on four requests: the address ties the ring's campaign, not the centre's honest clients of two
    years (before, all fifteen were one ring at risk 1.0), nor the two filed five weeks before
    and after it (July and October: the address's four-month scan holds them, the campaign's
    weeks do not)."""
    clients = _legal_aid_clients(book, _QUARTERLY)
    ring = []
    for k in range(6):
        cust = book.customer(f"RL{k}", f"{SURNAMES[k + 13]}环{k}", f"赣州市于都县{k}号", _mobile("135", k))
        date = f"2024-08-{10 + 4 * k:02d}"
        claim = book.claim(f"RLC{k}", cust, "A-OK", date, full_refund=True, complaint_reason=True,
                           contact="+8617700000055" if k < 4 else _mobile("135", k))
        book.complaint(f"RLK{k}", cust, claim, date, _letter(70 + k), mailing_address=LEGAL_AID)
        ring.append(claim)
    _only_the_ring_alerts(tmp_path, book, ring, clients)


def test_four_clients_of_a_legal_aid_centre_over_eighteen_months_are_not_a_ring(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    """A small county's centre: four honest clients' letters over eighteen months, six months
    apart. Four claims over a year and more are an institution's use, not a ring's months."""
    claims = _legal_aid_clients(book, ["2023-01-05", "2023-07-05", "2024-01-05", "2024-07-05"])
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    group = next(r for r in result.rings if set(r.claim_ids) == set(claims))
    shared = next(e for e in group.evidence if e.code == "shared_mailing_address")
    assert (shared.data["steady"], shared.data["steady_claims"], shared.data["span_days"]) == (True, 4, 547)


def test_a_ring_recruited_in_a_village_of_one_clan_is_a_ring(tmp_path: Path, book: BookBuilder) -> None:
    """Eight 刘 households of one village, each with its own phone, account and address: the
    agency's phone on all eight requests, full refunds on complaint grounds within three weeks.
    More customers of one surname than a household holds are not one family (they were, and
    the phone tied nobody); five 刘 relatives sharing a phone still are."""
    ring = []
    for k in range(8):
        cust = book.customer(f"LV{k}", f"刘{'梅桂兰英华明强军'[k]}", f"赣州市于都县刘家村{k}组", _mobile("177", k))
        claim = book.claim(f"LVC{k}", cust, "A-OK", f"2024-06-{3 + 2 * k:02d}", full_refund=True,
                           complaint_reason=True, contact="+8613278613233")
        ring.append(claim)
    family = []
    for k in range(5):
        cust = book.customer(f"LF{k}", f"刘{'甲乙丙丁戊'[k]}", f"赣州市于都县城关{k}号", _mobile("178", k))
        family.append(book.claim(f"LFC{k}", cust, "A-OK", f"2023-0{1 + k}-10", full_refund=True,
                                 complaint_reason=True, contact="+8613900000555"))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(ring))]
    profiles = SQLiteStore(tmp_path / "g.db").identifier_profiles(
        [NodeRef(Label.PHONE, "+8613278613233"), NodeRef(Label.PHONE, "+8613900000555")])
    assert [p.unrelated_customers for p in profiles.values()] == [7, 0]


def test_a_legal_aid_centres_new_lawyer_is_the_centres_too(tmp_path: Path, book: BookBuilder) -> None:
    """The centre's nine clients over two years mail from its address; a lawyer who joined the
    centre represents the last four, over nine months: not yet a year of steady use of its own,
    but every request the lawyer is on also gives the centre's address, so the lawyer works for
    the centre and ties no ring."""
    claims = _legal_aid_clients(book, _QUARTERLY)
    book.node(Label.PERSON, "360702198507011234", name="钟律师")
    for claim in claims[5:]:
        book.edge(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, claim, "360702198507011234")
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    group = next(r for r in result.rings if set(r.claim_ids) == set(claims))
    lawyer = next(e for e in group.evidence if e.code == "shared_representative")
    assert lawyer.data["steady"] is True and lawyer.data["works_for"] == LEGAL_AID
    assert "every one of its 4 claims also gives" in lawyer.en


def test_a_legal_aid_centres_lawyers_phone_is_the_centres_too(tmp_path: Path, book: BookBuilder) -> None:
    """The same lawyer, known by a phone of their own: the phone is only ever given as the
    lawyer's, on requests the lawyer files for the centre, so it is the centre's staff as the
    lawyer is, and ties no ring either (an outside test: a centre's nine honest clients alerted
    at 0.725 through the lawyer's phone, and a new client the lawyer filed for scored 0.83)."""
    claims = _legal_aid_clients(book, _QUARTERLY)
    lawyer, phone = "360702198507011234", "+8615500001692"
    book.node(Label.PERSON, lawyer, name="钟律师")
    book.node(Label.PHONE, phone)
    book.edge(Label.PERSON, Rel.HAS_PHONE, Label.PHONE, lawyer, phone)
    for claim in claims[5:]:
        book.edge(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, claim, lawyer)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    group = next(r for r in result.rings if set(r.claim_ids) == set(claims))
    staff = next(e for e in group.evidence if e.code == "shared_representative_phone")
    assert staff.data["steady"] is True and staff.data["works_for"] == lawyer
    assert max(c.risk for c in result.claim_risks if c.claim_id in claims) < ALERT_THRESHOLD
    with SQLiteStore(tmp_path / "g.db") as store:
        answer = RealtimeScorer(store).score({
            "claim_id": "LAC-NEW", "customer_id": "LA0", "request_date": "2025-04-01", "refund_type": "full_premium",
            "reason_code": "complaint_misselling", "representative_id_number": lawyer, "representative_phone": phone})
    assert answer.score < ALERT_THRESHOLD
    assert not [r for r in answer.reasons if r.code == "identifier_in_ring"]


def _rotating_ring(book: BookBuilder, periods: int = 3, per_period: int = 6) -> list[str]:
    """A ring that works nine months, changing its phone and its account every quarter: in each
    quarter most members give that quarter's phone and most are paid into that quarter's
    account (held by its consulting firm), full refunds on complaint grounds, no letters. The
    first member of each new quarter still gives the last quarter's account: the hand-over."""
    claims = []
    for p in range(periods):
        phone, account = _mobile("170", 900 + p), f"62220300000000{p:05d}"
        for k in range(per_period):
            i = 200 + p * per_period + k
            cust = book.customer(f"ROT{p}{k}", f"{SURNAMES[i % len(SURNAMES)]}轮{p}{k}", f"赣州市信丰县{i}号",
                                 _mobile("139", i))
            paid = f"62220300000100{p:05d}" if p and k == 0 else account if k % 3 else None
            claims.append(book.claim(f"ROTC{p}{k}", cust, "A-OK", f"2024-{2 + 3 * p + k // 2:02d}-{3 + 9 * (k % 2):02d}",
                                     full_refund=True, complaint_reason=True, contact=phone if k % 3 != 2 else None,
                                     account=(f"62220300000000{p - 1:05d}" if p and k == 0 else paid),
                                     account_name="信丰县维权咨询服务部" if (p and k == 0) or k % 3 else None))
    return claims


def test_a_ring_rotating_its_phone_and_account_by_quarter_is_one_ring(tmp_path: Path, book: BookBuilder) -> None:
    """Modularity cuts such a chain at the hand-overs into one piece per quarter, each alerted;
    the pieces a hand-over ties (its member linked to the last quarter's members) and that write
    no different wording are one ring (an outside test's ring of 36 over eighteen months was
    found as six pieces)."""
    ring = _rotating_ring(book)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(ring))]
    # the evidence names the members through whom it was joined: each new quarter's first
    # member, paid into the last quarter's account and giving the new quarter's phone
    found = next(r for r in result.rings if r.claim_ids == tuple(sorted(ring)))
    handed = next(e for e in found.evidence if e.code == "handed_over")
    assert [(m["claim_id"], [(i["type"], i["value"], i["claim_ids"]) for i in m["identifiers"]])
            for m in handed.data["members"]] == [
        ("ROTC10", [("bank_account", "6222030000000000000", ["ROTC01", "ROTC02", "ROTC04", "ROTC05"]),
                    ("phone", "+8617097543224", ["ROTC11", "ROTC13", "ROTC14"])]),
        ("ROTC20", [("bank_account", "6222030000000000001", ["ROTC11", "ROTC12", "ROTC14", "ROTC15"]),
                    ("phone", "+8617005197545", ["ROTC21", "ROTC23", "ROTC24"])])]
    assert handed.en.startswith("Joined from pieces through 2 members each linked to two members or more "
                                "of another piece: ROTC10 uses account 6222030000000000000 with "
                                "ROTC01, ROTC02, ROTC04, ROTC05 and phone +8617097543224 with ROTC11")


_OWN_LETTERS = (
    "致{company}客户服务中心：本人{name}的{product}系{year}年由贵司代理人上门推销，当时称该产品可随时支取且不损失本金。"
    "现因家庭变故急需资金，经了解退保仅能拿回现金价值，与当初承诺严重不符，特此申请全额退还所交保费{amount}元。",
    "尊敬的领导您好，我叫{name}，{year}年在亲戚介绍下买了{product}，每年交{amount}元。最近才知道这是分红险不是存款，"
    "代理人根本没有讲清楚犹豫期和退保损失，我要求把本金全部退给我，不然我就去银保监局和法院讨说法。",
)


def _agents_book_ring(book: BookBuilder, tag: str, letter: str, phone: str, account: str, first: int) -> list[str]:
    """Six of resigned agent ``A-EX``'s former customers recruited in March 2024: the ring's
    phone on most requests, its account for half, full refunds on complaint grounds, and the
    ring's own letter (``letter``, with each customer's details)."""
    claims = []
    for k in range(6):
        i = first + k
        cust = book.customer(f"{tag}{k}", f"{SURNAMES[i % len(SURNAMES)]}{tag}{k}", f"赣州市会昌县{i}号",
                             _mobile("139", i))
        claim = book.claim(f"{tag}C{k}", cust, "A-EX", f"2024-03-{2 + 4 * k:02d}", full_refund=True,
                           complaint_reason=True, contact=phone if k % 3 else None,
                           account=account if k % 2 == 0 else None, account_name=f"{tag}咨询" if k % 2 == 0 else None)
        text = letter.format(company="贵公司", name=f"客户{i}", product="福满堂年金保险", year=2016 + k % 4,
                             amount=12_000 + 500 * i)
        book.complaint(f"{tag}K{k}", cust, claim, f"2024-03-{1 + 4 * k:02d}", text)
        claims.append(claim)
    return claims


def test_two_rings_from_one_resigned_agents_book_writing_their_own_letters_stay_two(tmp_path: Path,
                                                                                   book: BookBuilder) -> None:
    """Two rings recruit from one resigned agent's book in the same weeks: the book's burst
    ties every member of one to the other's, but each writes its coach's own letter, so their
    pieces are not one ring rotating its numbers."""
    book.agent("A-EX", status="resigned", leave_date="2023-12-15", name="刘离职")
    a = _agents_book_ring(book, "XA", _OWN_LETTERS[0], _mobile("171", 1), "6222040000000000001", first=300)
    b = _agents_book_ring(book, "XB", _OWN_LETTERS[1], _mobile("171", 2), "6222040000000000002", first=320)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == sorted([tuple(sorted(a)), tuple(sorted(b))])


def _ring_without_letters(book: BookBuilder, tag: str, phone: str, account: str, first: int) -> list[str]:
    """Eight unrelated customers in May 2024: the ring's phone on most requests, its account
    (held by its firm) on most, full refunds on complaint grounds, no letters."""
    claims = []
    for k in range(8):
        i = first + k
        cust = book.customer(f"{tag}{k}", f"{SURNAMES[i % len(SURNAMES)]}{tag}{k}", f"赣州市于都县{i}号", _mobile("139", i))
        claims.append(book.claim(f"{tag}C{k}", cust, "A-OK", f"2024-05-{2 + 3 * k:02d}", full_refund=True,
                                 complaint_reason=True, contact=phone if k % 4 != 3 else None,
                                 account=account if k % 4 != 1 else None,
                                 account_name=f"{tag}维权咨询" if k % 4 != 1 else None))
    return claims


def test_two_rings_touched_by_two_chance_ties_stay_two(tmp_path: Path, book: BookBuilder) -> None:
    """Two rings in one county in the same weeks; by chance a relative's account is paid once in
    each, and a print shop's phone is typed on one request of each. Each tie links one member
    to one member: no member used the other ring's own numbers, so this is no hand-over (an
    outside test had such rings, and rings a year apart, joined at 1.000)."""
    a = _ring_without_letters(book, "YA", _mobile("172", 1), "6222050000000000001", first=400)
    b = _ring_without_letters(book, "YB", _mobile("172", 2), "6222050000000000002", first=420)
    relative, shop = "6217620245294648469", _mobile("187", 5)
    for claim in ("YAC1", "YBC1"):  # the rings' own account is not on these two
        book.edge(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, claim, relative, payout_account_name="刘桂英")
    book.node(Label.BANK_ACCOUNT, relative)
    book.node(Label.PHONE, shop)
    for claim in ("YAC3", "YBC3"):
        book.edge(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, claim, shop)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == sorted([tuple(sorted(a)), tuple(sorted(b))])


_DIVIDEND_LETTER = ("本人{name}持有贵公司财富稳赢两全保险（分红型），今年分红大幅下调，与购买时演示的收益相差甚远，"
                   "对此非常不满，现申请退保，请尽快办理。保单号{policy}。")


def test_honest_letters_after_a_dividend_cut_that_take_the_cash_value_are_not_a_ring(tmp_path: Path,
                                                                                   book: BookBuilder) -> None:
    """Twelve holders of one product complain within seven weeks of its dividend cut, in near
    the same words (no one else in the book writes them), each with their own phone and
    account. Two demand a full refund and two give a complaint reason; the others take the
    cash value. Nothing but wording and timing ties them, and without the trade's behaviour on
    most of them that is no ring (an outside book's wave was alerted at 0.81)."""
    for k in range(12):
        i = 500 + k
        cust = book.customer(f"DW{k}", f"{SURNAMES[i % len(SURNAMES)]}分{k}", f"赣州市宁都县{i}号", _mobile("136", i))
        claim = book.claim(f"DWC{k}", cust, "A-OK", f"2025-{8 + k // 7:02d}-{2 + 4 * (k % 7):02d}",
                           full_refund=k in (0, 5), complaint_reason=k in (3, 8), contact=_mobile("136", i),
                           account=f"62220600000{i:08d}", account_name=f"{SURNAMES[i % len(SURNAMES)]}分{k}")
        book.complaint(f"DWK{k}", cust, claim, f"2025-{8 + k // 7:02d}-{1 + 4 * (k % 7):02d}",
                       _DIVIDEND_LETTER.format(name=f"客户{i}", policy=f"PDWC{k}"))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    group = next(r for r in result.rings if "DWC0" in r.claim_ids)
    cap = next(e for e in group.evidence if e.code == "few_refund_demands")
    assert group.score <= 0.45 and (cap.data["demanding"], cap.data["claims"]) == (4, len(group.claim_ids))


def test_two_letter_groups_of_one_wording_months_apart_say_why_their_wording_counts_little(
        tmp_path: Path, book: BookBuilder) -> None:
    """Ten customers in March and ten in October send one wording no one else writes, all on
    complaint grounds for a full refund, sharing nothing else. Each group holds half the book's
    letters of it, so its wording and timing count at most 0.45; the evidence says so (an
    outside tester saw both groups at 0.45 and nothing saying why)."""
    for month, tag in (("03", "WA"), ("10", "WB")):
        for k in range(10):
            i = (600 if tag == "WA" else 620) + k
            cust = book.customer(f"{tag}{k}", f"{SURNAMES[i % len(SURNAMES)]}{tag}{k}", f"赣州市石城县{i}号",
                                 _mobile("133", i))
            claim = book.claim(f"{tag}C{k}", cust, "A-OK", f"2024-{month}-{2 + 2 * k:02d}", full_refund=True,
                               complaint_reason=True, contact=_mobile("133", i), account=f"62220700000{i:08d}",
                               account_name=f"{SURNAMES[i % len(SURNAMES)]}{tag}{k}")
            book.complaint(f"{tag}K{k}", cust, claim, f"2024-{month}-{1 + 2 * k:02d}",
                           _DIVIDEND_LETTER.format(name=f"客户{i}", policy=f"P{tag}C{k}"))
    result = detect_book(tmp_path, book)
    groups = [r for r in result.rings if {"WAC0", "WBC0"} & set(r.claim_ids)]
    assert len(groups) == 2 and all(r.score <= 0.45 for r in groups)
    for group in groups:
        untied = next(e for e in group.evidence if e.code == "no_shared_ties")
        assert untied.data["wording_cap"] == 0.45 and "wording and timing count at most 0.45" in untied.en


def test_a_letter_about_a_policy_without_a_request_backs_no_other_request(tmp_path: Path,
                                                                         book: BookBuilder) -> None:
    """A customer recruited by one ring in May writes, the next spring, a letter about another
    of her policies, coached by a second ring (its phone and address on the letter); that
    request is still to come. The letter is no part of her May request: backing it, the second
    ring's phone tied her to six of its members, and the two rings became one (an outside
    book's rings of 29 and 18 claims were found as one of 49)."""
    a = _ring_without_letters(book, "YA", _mobile("172", 1), "6222050000000000001", first=400)
    b = _ring_without_letters(book, "YB", _mobile("172", 2), "6222050000000000002", first=420)
    book.node(Label.POLICY, "P-YA0-2", issue_date="2018-03-01")
    book.edge(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, "YA0", "P-YA0-2")
    book.node(Label.COMPLAINT, "K-YA0", received_date="2025-03-02", text="要求全额退还保费")
    book.edge(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT, "YA0", "K-YA0")
    book.edge(Label.COMPLAINT, Rel.ABOUT, Label.POLICY, "K-YA0", "P-YA0-2")
    book.edge(Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE, "K-YA0", _mobile("172", 2))
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == sorted([tuple(sorted(a)), tuple(sorted(b))])


def test_a_relative_filing_a_full_refund_request_during_a_rings_weeks_does_not_join_it(
        tmp_path: Path, book: BookBuilder) -> None:
    """``../shared/domain.md``: family representatives are not a ring's. An outside tester's
    honest requests, full refunds filed by a relative, joined a ring surrendering in the same
    weeks "by timing, with strong traits of their own", the representation counting as the
    ring's trait. A representative of the policyholder's surname is family, and so is a son of
    his father's surname filing for his mother, the father registered at her address (a second
    tester's families); one of a surname nobody in the family bears is not, and such a request
    still joins (the rule stays able to take a member)."""
    agency = ("马代办", "360702198001010011", "+8617700000009")
    ring = _agency_ring(book, "赣州维权咨询服务有限公司", rep=lambda k: agency)
    book.customer("FRH", "李建国", "赣州市信丰县2号")  # the husband of FR2, at her address
    singles = {}
    for k, (relative, relation) in enumerate((("陈大明", "family"), ("刘小红", "stranger"), ("李明", "son"))):
        cust = book.customer(f"FR{k}", f"陈秀{k}", f"赣州市信丰县{k}号", _mobile("136", k))
        singles[relation] = book.claim(
            f"FRC{k}", cust, "A-OK", f"2024-08-{10 + 4 * k:02d}", full_refund=True, complaint_reason=True,
            account=f"6222000077770{k:03d}", account_name=relative, contact=_mobile("136", k),
            rep=(relative, f"36072219800101{k:03d}1", f"+861360000{k:04d}"))
    result = detect_book(tmp_path, book)
    found = next(r for r in result.rings if set(ring) <= set(r.claim_ids))
    assert found.score >= ALERT_THRESHOLD
    assert singles["family"] not in found.claim_ids and singles["son"] not in found.claim_ids
    assert singles["stranger"] in found.claim_ids


def test_a_rings_representative_filing_for_another_household_is_scored_with_the_ring(
        tmp_path: Path, book: BookBuilder) -> None:
    """An outside book's counter ring had two requests in the book and twenty more arriving
    later, each filed by the ring's representative for a stranger, with an ordinary reason and
    the cash value. The book saw that representative on one customer only, so it weighed
    nothing, and the requests scored as plain ones. A request that takes a ring's
    representative to another household is scored with the ring, as detection would have
    scored the pair in the book. Not so for the policyholder's relative of the
    representative's surname (family files for family, and the answer says so), nor for a
    request from before the ring's weeks (the person was not yet the ring's)."""
    agency = ("马代办", "360702198001010011", "+8617700000009")
    ring = _agency_ring(book, "赣州维权咨询服务有限公司", rep=lambda k: agency if k == 1 else None)
    book.customer("STR", "周新甲", "赣州市会昌县1号", _mobile("158", 1))
    book.customer("REL", "马新乙", "赣州市会昌县2号", _mobile("158", 2))
    result = detect_book(tmp_path, book)
    ring_id = next(r.ring_id for r in result.rings if set(ring) <= set(r.claim_ids) and r.score >= ALERT_THRESHOLD)
    answers = {}
    with SQLiteStore(tmp_path / "g.db") as store:
        scorer = RealtimeScorer(store)
        for label, customer, date in (("stranger", "STR", "2025-02-10"), ("relative", "REL", "2025-02-10"),
                                      ("before", "STR", "2024-05-01")):
            answers[label] = scorer.score(SurrenderRequest.from_any({
                "claim_id": f"N-{label}", "request_date": date, "customer_id": customer,
                "refund_type": "cash_value", "reason_code": "money_need", "representative_name": agency[0],
                "representative_id_number": agency[1], "representative_phone": agency[2]}))
    reused = [(r.data["kind"], r.data["ring_id"]) for r in answers["stranger"].reasons
              if r.code == "identifier_in_ring" and r.data.get("new_household")]
    assert sorted(reused) == [("representative", ring_id), ("representative_phone", ring_id)]
    assert answers["stranger"].score >= ALERT_THRESHOLD
    for label in ("relative", "before"):
        assert answers[label].score < ALERT_THRESHOLD
        assert not [r for r in answers[label].reasons if r.code == "identifier_in_ring"]
    said = [r for r in answers["relative"].reasons if r.code == "family_representative"]
    assert [(r.data["ring_id"], r.data["value"]) for r in said] == [(ring_id, agency[1])]
    assert not [r for r in answers["before"].reasons if r.code == "family_representative"]


def test_a_mother_in_law_switched_to_her_daughter_in_laws_number_is_no_ring(tmp_path: Path,
                                                                               book: BookBuilder) -> None:
    """``../shared/domain.md``: families surrender together. An elderly customer's contact is
    switched to her daughter-in-law's own number (another surname, another address) ten days
    before her ordinary request; the daughter-in-law, a customer too, surrenders for an ordinary
    reason weeks later. Two "unrelated" households on a freshly switched phone, but no demand:
    capped under the alert threshold. (A rule lifting that cap for a switched phone took 272
    ring pairs in seven outside books and no honest one, but alerted every such family of a
    tester's books: eight and eleven alerts of honest claims only.)"""
    own = _mobile("151", 8)
    daughter_in_law = book.customer("DIL", "冯秀", "赣州市瑞金市8号", own)
    mother = book.customer("MIL", "易老太", "赣州市瑞金市9号", _mobile("150", 9))
    book.change(mother, "2024-05-01", own)
    book.claim("MILC", mother, "A-OK", "2024-05-11", contact=own)
    book.claim("DILC", daughter_in_law, "A-OK", "2024-06-20", contact=own)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []


def test_an_account_holders_own_refund_into_it_is_not_counted_as_a_strangers(tmp_path: Path,
                                                                              book: BookBuilder) -> None:
    """A tester's evidence read "3 claims paid to one account held by 林杰, not the policyholders"
    where one of the three was 林杰's own claim, paid to his own card. The line counts the
    claims paid to someone else apart."""
    account = "6222000055550001"
    claims = []
    for k, name in enumerate(("林杰", "韩收一", "曹收二", "严收三")):
        cust = book.customer(f"LJ{k}", name, f"赣州市石城县{k}号", _mobile("153", k))
        claims.append(book.claim(f"LJC{k}", cust, "A-OK", f"2024-09-{2 + 4 * k:02d}", full_refund=True,
                                 complaint_reason=True, contact=_mobile("186", 5),
                                 account=account if k < 3 else None, account_name="林杰" if k < 3 else None))
    result = detect_book(tmp_path, book)
    ring = next(r for r in result.rings if set(claims) <= set(r.claim_ids))
    line = next(e for e in ring.evidence if e.code == "shared_payout_account")
    assert (line.data["count"], line.data["third_party"]) == (3, 2)
    assert line.en.endswith("held by 林杰, 2 of them not the policyholder's or family's own")


def test_an_honest_copy_of_the_letter_a_ring_sends_word_for_word_does_not_join_it_in_its_weeks(
        tmp_path: Path, book: BookBuilder) -> None:
    """A ring of five changes its members' contact to its phone and sends the circulating letter
    word for word, unfilled; twelve honest complainers of ten branches copy the same words over
    two years, one of them in the ring's weeks, in a book where complaints are rare. Her letter is as near to the ring's copies as to
    the honest ones (identical), so which letters are "nearest" must not be decided by record
    order: she stays out (a tester's honest complainer joined such a ring at 0.978)."""
    words = PUBLIC_LETTER.format(name="", year="", product="", amount="")
    members = []
    for k in range(5):
        cust = book.customer(f"AW{k}", f"{SURNAMES[k]}换{k}", f"赣州市瑞金市{k}号", _mobile("133", k))
        book.change(cust, "2024-07-20", "+8617700000099")
        claim = book.claim(f"AWC{k}", cust, "A-OK", f"2024-08-{2 + 4 * k:02d}", full_refund=True,
                           complaint_reason=True, contact="+8617700000099", account=f"62220300000{k:08d}",
                           account_name=f"{SURNAMES[k]}换{k}")
        book.complaint(f"AWK{k}", cust, claim, f"2024-08-{1 + 4 * k:02d}", words, phone="+8617700000099")
        members.append(claim)
    for i in range(200):
        cust = book.customer(f"OB{i}", f"{SURNAMES[i % len(SURNAMES)]}需{i}", f"赣州市信丰县{i}号", _mobile("136", i))
        book.claim(f"OBC{i}", cust, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + (3 * i) % 27:02d}",
                   contact=_mobile("136", i))
    honest = []
    for i in range(12):
        agent = book.agent(f"A-{i % 10}", branch=f"{BRANCHES[i % 10]}支公司")
        phone, account = _mobile("134", i), f"62220000777{i:08d}"
        cust = book.customer(f"ZC{i}", f"{SURNAMES[i % len(SURNAMES)]}抄{i}", f"江西省{BRANCHES[i % 10]}{i}号",
                             phone, account)
        date = "2024-08-20" if i == 0 else f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + (7 * i) % 27:02d}"
        claim = book.claim(f"ZCC{i}", cust, agent, date, full_refund=True, complaint_reason=True, contact=phone,
                           account=account, account_name=f"{SURNAMES[i % len(SURNAMES)]}抄{i}")
        book.complaint(f"ZCK{i}", cust, claim, date, words, phone=phone)
        honest.append(claim)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(members))]


def test_a_representative_known_by_phone_alone_reads_as_a_phone_in_the_evidence(tmp_path: Path,
                                                                                book: BookBuilder) -> None:
    """A ring's runner who gave no name files every request: the evidence names the phone and says
    no name was given, never the internal key ``|phone``."""
    runner = "+8613911112222"
    ring = _agency_ring(book, "赣州维权咨询服务有限公司", rep=lambda k: ("", f"|{runner}", runner))
    result = detect_book(tmp_path, book)
    found = next(r for r in result.rings if set(ring) <= set(r.claim_ids))
    lines = {e.code: e for e in found.evidence}
    assert f"{runner} (no name given) links 6 unrelated households" in lines["shared_representative"].en
    assert f"{runner}（未留姓名）" in lines["shared_representative"].zh
    assert not any(f"|{runner}" in e.en + e.zh for e in found.evidence)


def _switched_to_the_agency(book: BookBuilder, tag: str, phones: tuple[str, str],
                            rep: tuple[str, str, str] | None = None, registry_shows_new: bool = False) -> list[str]:
    """Six customers of unrelated households, each changing the policy's contact phone to one of
    ``phones`` days to weeks before a request, within four weeks, with one of them the request's
    contact (each number four or five customers'), the refund paid into the customer's own
    account; the first and the fourth demand a full refund, the others take the cash value for
    an ordinary reason. Thirty honest complainers elsewhere in the book demand full refunds on
    complaint grounds over two years. With ``registry_shows_new`` the customer table gives each customer
    the number she switched to, as an export taken after the change does."""
    for k in range(30):
        cust = book.customer(f"{tag}H{k}", f"{SURNAMES[k % len(SURNAMES)]}诉{k}", f"赣州市瑞金市{k}号", _mobile("133", k))
        book.claim(f"{tag}HC{k}", cust, "A-OK", f"{2023 + k % 2}-{1 + k % 12:02d}-{1 + k % 27:02d}",
                   full_refund=True, complaint_reason=True, contact=_mobile("133", k))
    claims = []
    for k in range(6):
        changed, requested = f"2024-05-{1 + 5 * k:02d}", f"2024-05-{13 + 3 * k:02d}"
        name = f"{SURNAMES[k + 20]}{tag}{k}"
        account = f"62228800000{k:08d}"
        cust = book.customer(f"{tag}{k}", name, f"赣州市于都县{tag}{k}号",
                             phones[k % 2] if registry_shows_new else _mobile("138", k), account)
        book.change(cust, changed, phones[k % 2])
        claims.append(book.claim(f"{tag}C{k}", cust, "A-OK", requested, full_refund=k % 3 == 0, contact=phones[k // 3],
                                 account=account, account_name=name, rep=rep))
    return claims


def test_members_told_to_leave_the_demand_out_are_found_by_the_phones_they_switched_to(
        tmp_path: Path, book: BookBuilder) -> None:
    """``../shared/domain.md``: coached members are told to give an ordinary reason, and the
    policy's contact phone is changed to the agency's number days or weeks before the surrender.
    Six households switched to two numbers, each also another's, within four weeks, two of them
    demanding: the switch is the trade's behaviour where the demand was left out, so the group is not capped (two outside
    books' camouflaged rings were, at 0.45). A niece who switched her elderly relatives' phones
    to her own numbers is capped as before, whether she files their requests herself or the
    numbers are hers and her husband's, registered as their own in the book (a tester's daughter
    helping her parents and aunt was alerted at 0.61 without that)."""
    ring = _switched_to_the_agency(book, "SW", ("+8617000110022", "+8617000990033"))
    result = detect_book(tmp_path / "ring", book)
    assert alerted_claims(result) == [tuple(ring)]
    group = next(r for r in result.rings if set(ring) <= set(r.claim_ids))
    assert "no_refund_demands" not in [e.code for e in group.evidence]
    exported_after = BookBuilder()
    exported_after.agent("A-OK", name="黄正常")
    _background(exported_after)
    ring = _switched_to_the_agency(exported_after, "SW", ("+8617000110022", "+8617000990033"), registry_shows_new=True)
    assert alerted_claims(detect_book(tmp_path / "exported-after", exported_after)) == [tuple(ring)]

    for files in (True, False):
        family = BookBuilder()
        family.agent("A-OK", name="黄正常")
        _background(family)
        niece = ("钟外甥", "360731199001010044", "+8617000110022")
        if not files:
            family.customer("NIECE", niece[0], "赣州市章贡区钟家1号", niece[2])
            family.customer("NIECE-H", "邱女婿", "赣州市章贡区钟家1号", "+8617000990033")
        relatives = _switched_to_the_agency(family, "SW", (niece[2], "+8617000990033"), rep=niece if files else None)
        result = detect_book(tmp_path / f"niece-{files}", family)
        assert alerted_claims(result) == [], files
        group = next(r for r in result.rings if set(r.claim_ids) & set(relatives))
        assert "no_refund_demands" in [e.code for e in group.evidence], files


def test_a_representative_and_her_phone_are_one_line_of_evidence(tmp_path: Path, book: BookBuilder) -> None:
    """The ring's runner files every request with her ID and phone: one person, one line saying
    both, weighed once (a tester read two lines, "the representative's phone links 6 households"
    and "the representative links 6 households", as two people). Her phone given as the contact
    of a request she did not file keeps a line of its own: it says more than her filing."""
    runner = ("钟代办", "360731198801010055", "+8613911113333")
    ring = _agency_ring(book, "赣州维权咨询服务有限公司", rep=lambda k: runner)
    found = next(r for r in detect_book(tmp_path / "filing", book).rings if set(ring) <= set(r.claim_ids))
    codes = [e.code for e in found.evidence]
    assert "shared_representative_phone" not in codes
    person = next(e for e in found.evidence if e.code == "shared_representative")
    assert person.data["phone"] == runner[2] and f"(the representative's phone {runner[2]})" in person.en

    contact = BookBuilder()
    contact.agent("A-OK", name="黄正常")
    _background(contact)
    ring = _agency_ring(contact, "赣州维权咨询服务有限公司", rep=lambda k: runner if k else None,
                        contact=lambda k: None if k else runner[2])
    found = next(r for r in detect_book(tmp_path / "contact", contact).rings if set(ring) <= set(r.claim_ids))
    assert {"shared_representative", "shared_representative_phone"} <= {e.code for e in found.evidence}
