"""A resigned agent's former customer: no sign on its own, in any book. Only a burst of the
agent's former customers around the request, or an alerted ring recruiting from that book in the
request's weeks (for a request showing the trade), counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from detectors.book import load_book
from detectors.claim_view import ClaimView
from detectors.links import ex_agent_bursts
from detectors.params import DetectionParams
from detectors.pipeline import detect
from detectors.realtime import RealtimeScorer
from detectors.rules import AgentBook, RingLetters, RunIndex, TraitModel, claim_signals, verdict
from graph.model import Label, Rel
from graph.results import ALERT_THRESHOLD, Ring
from graph.sqlite_store import SQLiteStore
from tests.detect_books import RING_CLAIMS, BookBuilder, trap_book

LEFT = 19_000
"""The day the agents of these books left (days since 1970-01-01: 2022-01-08)."""


def _index(orphans_in_ring: int, orphans: int = 10, prior: float = 0.1) -> RunIndex:
    """A run over a book where resigned agent A1's former customers filed ``orphans`` requests
    after A1 left, a month apart, ``orphans_in_ring`` of them in alerted ring R1 (active long
    before the requests scored below), and A2 left a book in a burst of three requests."""
    rings = {"R1": Ring("R1", 0.9, "high", tuple(f"C{i}" for i in range(max(orphans_in_ring, 2))),
                        first_request_date="2022-02-01", last_request_date="2022-03-01")}
    agents = {
        "A1": AgentBook("resigned", LEFT, "B1", [LEFT + 30 * i for i in range(orphans)],
                        Counter({"R1": orphans_in_ring}) if orphans_in_ring else Counter()),
        "A2": AgentBook("resigned", LEFT, "B1", [LEFT + 700, LEFT + 705, LEFT + 710]),
        "A3": AgentBook("active", None, "B1"),
    }
    params = DetectionParams()
    return RunIndex(params=params, rings=rings, model=TraitModel(prior=prior, log_ratios={}), watchlist={},
                    letters=RingLetters([], pd.DataFrame({"customer_id": [], "text": []}), params.alert_threshold),
                    agents=agents, profiles=lambda refs: {})


def _agent_reasons(index: RunIndex, agent: str, day: int) -> list[tuple[float, int]]:
    signals = claim_signals(ClaimView("N1", day, customer_id="U9", agent_id=agent), index)
    return [(round(s.weight, 4), s.evidence.data["claims_nearby"]) for s in signals
            if s.evidence.code == "resigned_agent_burst"]


def test_a_lone_orphaned_request_is_no_sign_even_where_rings_recruit_orphans() -> None:
    """Orphaned books lapse honestly one request at a time (``../shared/domain.md``). Where
    rings recruited from them, that alone still says nothing: an honest complainer's traits
    stay just under the alert threshold, and 0.1 for "the agent resigned" lifted such requests
    over it (an outside test: eight honest held-out requests at 0.53-0.65)."""
    quiet_day = LEFT + 30 * 9 + 200  # after A1's last request: nothing nearby, no ring near
    for in_ring in (3, 1, 0):  # 3 of 10 orphaned requests in a ring, 1, none
        index = _index(orphans_in_ring=in_ring)
        assert _agent_reasons(index, "A1", quiet_day) == []
        assert verdict("N1", claim_signals(ClaimView("N1", quiet_day, agent_id="A1", full_refund=True,
                                                     complaint_reason=True), index)).score == 0.0
    # an agent still at work, or a request before the agent left, is never a sign
    recruited = _index(orphans_in_ring=3)
    assert _agent_reasons(recruited, "A3", LEFT + 705) == []
    assert _agent_reasons(recruited, "A2", LEFT - 1) == []


def test_a_burst_of_orphaned_requests_counts_in_every_book() -> None:
    burst_day = LEFT + 705
    assert _agent_reasons(_index(orphans_in_ring=3), "A2", burst_day) == [(0.2, 3)]
    assert _agent_reasons(_index(orphans_in_ring=1), "A2", burst_day) == [(0.2, 3)]
    assert _agent_reasons(_index(orphans_in_ring=3), "A2", burst_day + 100) == []


def _book_with_a_lapsing_orphaned_book(ring_agent: str) -> BookBuilder:
    """:func:`trap_book` (its ring's claims sold by ``ring_agent``) beside a resigned agent's
    orphaned book lapsing honestly: ten cash-value requests for money needs, two months apart,
    and one more customer of that book, ``LAPSE-NEW``, who has not filed yet."""
    book = trap_book()
    if ring_agent != "A-EX":
        sold = book.edges[(Label.AGENT, Rel.SOLD, Label.POLICY)]
        for edge in sold:
            if edge["src"] == "A-EX":
                edge["src"] = ring_agent
    book.agent("A-LAPSE", status="resigned", leave_date="2022-06-30", name="周离职")
    for i in range(10):
        customer = book.customer(f"LAPSE{i}", f"孙退{i}", f"九江市浔阳区{i}街")
        book.claim(f"LAPSEC{i}", customer, "A-LAPSE", f"2023-{1 + i:02d}-10")
    book.customer("LAPSE-NEW", "孙新", "九江市浔阳区99街")
    book.node(Label.POLICY, "P-LAPSE-NEW", issue_date="2019-05-01")
    book.edge(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, "LAPSE-NEW", "P-LAPSE-NEW")
    book.edge(Label.AGENT, Rel.SOLD, Label.POLICY, "A-LAPSE", "P-LAPSE-NEW")
    return book


@pytest.mark.parametrize("ring_agent", ["A-EX", "A-OK"])
def test_a_request_from_a_lapsing_orphaned_book_scores_nothing(tmp_path: Path, ring_agent: str) -> None:
    """The same request of an orphaned book's customer, in the same month as none of that book's
    other requests: nothing, whether the book's ring was recruited from a resigned agent's book
    (``A-EX``) or not."""
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(_book_with_a_lapsing_orphaned_book(ring_agent).bundle())
        result = detect(store, DetectionParams())
        assert [sorted(r.claim_ids) for r in result.rings if r.score >= result.run.params["alert_threshold"]] \
            == [sorted(RING_CLAIMS)]
        answer = RealtimeScorer(store).score({
            "claim_id": "LAPSE-NEW-1", "customer_id": "LAPSE-NEW", "policy_id": "P-LAPSE-NEW",
            "request_date": "2024-03-25", "reason_code": "money_need", "refund_type": "cash_value"})
    assert (answer.score, answer.reasons) == (0.0, ())


def _agent_signal(index: RunIndex, view: ClaimView) -> list[tuple[float, str | None]]:
    return [(round(s.weight, 4), s.ring_id) for s in claim_signals(view, index)
            if s.evidence.code == "resigned_agent_burst"]


def test_a_rings_weeks_in_an_orphaned_book_count_only_for_the_trades_requests() -> None:
    """Ring R1 recruited three of resigned agent A1's former customers in February 2022. Another
    former customer's request in those weeks takes the ring's weight (0.45) only when it shows
    the trade: a full-refund demand or a complaint reason. A cash-value request for an ordinary
    reason is how the book lapses, or follows its agent to a competitor. The book's burst around
    the request (0.2) counts either way."""
    index = _index(orphans_in_ring=3)
    ring_day = LEFT + 40  # 2022-02-17, inside R1's weeks; A1's request of day LEFT + 30 is nearby
    ordinary = ClaimView("N1", ring_day, customer_id="U9", agent_id="A1")
    assert _agent_signal(index, ordinary) == [(0.2, None)]
    for driven in (ClaimView("N1", ring_day, customer_id="U9", agent_id="A1", full_refund=True),
                   ClaimView("N1", ring_day, customer_id="U9", agent_id="A1", complaint_reason=True)):
        assert _agent_signal(index, driven) == [(0.65, "R1")]


def test_a_ring_holding_one_of_the_books_customers_lends_the_book_nothing() -> None:
    """A ring that holds one of resigned agent A1's former customers did not recruit from his
    book: another former customer's complaint in the ring's weeks takes no ring weight, only the
    book's own burst (a tester's honest complainers were lifted over 0.5 by "ring R has 1 of the
    agent's former customers among its members")."""
    driven = ClaimView("N1", LEFT + 40, customer_id="U9", agent_id="A1", complaint_reason=True)
    assert _agent_signal(_index(orphans_in_ring=1), driven) == [(0.2, None)]
    assert _agent_signal(_index(orphans_in_ring=2), driven) == [(0.65, "R1")]


def test_the_evidence_line_says_which_of_the_two_signs_it_rests_on() -> None:
    """The ring's weight rests on the ring recruiting from the book in the request's weeks, not on
    a burst: when the book filed only this request, the line says so and speaks of no burst (it
    said "filed 1 surrenders within 45 days, including members of ring R1")."""
    driven = ClaimView("N1", LEFT + 40, customer_id="U9", agent_id="A1", full_refund=True)
    lone = [s.evidence for s in claim_signals(driven, _index(orphans_in_ring=3, orphans=1))
            if s.evidence.code == "resigned_agent_burst"]
    assert [(e.en, e.data["claims_nearby"], e.data["ring_members_from_book"]) for e in lone] == [(
        "The policy's agent A1 resigned (2022-01-08); ring R1, active within 60 days of this request, "
        "has 3 of the agent's former customers among its members; this request demands a full refund "
        "or gives complaint grounds", 1, 3)]
    assert lone[0].zh == ("保单的代理人 A1 已于 2022-01-08 离职；团伙 R1 有 3 名成员是其原客户，"
                               "且在本申请前后 60 天内活动；本申请以投诉为由或要求全额退保")
    both = [s.evidence.en for s in claim_signals(driven, _index(orphans_in_ring=3))
            if s.evidence.code == "resigned_agent_burst"]
    assert [t.split("; ")[-1] for t in both] == ["the agent's former customers filed 3 surrenders within 45 days of this request"]
    burst_only = [s.evidence.en for s in claim_signals(ClaimView("N1", LEFT + 705, agent_id="A2"),
                                                            _index(orphans_in_ring=3))
                  if s.evidence.code == "resigned_agent_burst"]
    assert burst_only == ["The policy's agent A2 resigned (2022-01-08); the agent's former customers filed 3 "
                          "surrenders within 45 days of this request"]


def _recruited_book(ring_agent_resigned: bool) -> BookBuilder:
    """Eighty honest requests over two years; six resigned agents' books of 40 policies lapsing
    honestly (three requests each, half a year apart); and nine full-refund complaint requests
    in three months from the book of agent ``A-RING`` (40 policies), in three groups of three,
    each group paid to its own account and tied to nothing else. When ``ring_agent_resigned``,
    ``A-RING`` left five weeks before the first of them, and the nine are every request its
    former customers filed since."""
    book = BookBuilder()
    book.agent("A-OK")
    for i in range(80):
        customer = book.customer(f"B{i}", f"钱常{i}", f"赣州市南康区{i}号")
        book.claim(f"BC{i}", customer, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}")

    def sold(agent: str, policies: int) -> None:
        for k in range(policies):
            book.customer(f"{agent}-H{k}", f"孙持{k}", f"九江市{agent}{k}号")
            book.node(Label.POLICY, f"P-{agent}-{k}", issue_date="2018-05-01")
            book.edge(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, f"{agent}-H{k}", f"P-{agent}-{k}")
            book.edge(Label.AGENT, Rel.SOLD, Label.POLICY, agent, f"P-{agent}-{k}")

    for a in range(6):
        agent = book.agent(f"A-LAPSE{a}", status="resigned", leave_date="2022-12-01", name=f"周离职{a}")
        sold(agent, 37)
        for k in range(3):
            customer = book.customer(f"L{a}-{k}", f"吴退{a}{k}", f"九江市浔阳区{a}{k}街")
            book.claim(f"L{a}C{k}", customer, agent, f"{2023 + k // 2}-{1 + 6 * (k % 2) + a:02d}-15")
    book.agent("A-RING", status="resigned" if ring_agent_resigned else "active",
               leave_date="2024-06-01" if ring_agent_resigned else None, name="郑离职")
    sold("A-RING", 31)
    for g in range(3):
        for k in range(3):
            customer = book.customer(f"R{g}-{k}", f"{_SURNAMES_RING[3 * g + k]}某", f"赣州市章贡区{g}{k}栋")
            book.claim(f"RC{g}{k}", customer, "A-RING", f"2024-{7 + g:02d}-{5 + 9 * k:02d}", full_refund=True,
                       complaint_reason=True, account=f"6222888800000{g:06d}", account_name=f"陈代{g}")
    return book


_SURNAMES_RING = "赵钱孙李周吴郑王冯"
RECRUITED = sorted(f"RC{g}{k}" for g in range(3) for k in range(3))


def test_a_ring_recruited_from_one_resigned_agents_book_is_one_ring(tmp_path: Path) -> None:
    """Every request a resigned agent's former customers filed since the agent left is the
    ring's, nine in three months: against the book's own rate since then that is no crowd, but
    orphaned books of 40 policies file about two requests a year here, so it is a burst and ties
    the three groups (each paid to its own account) into one ring."""
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(_recruited_book(ring_agent_resigned=True).bundle())
        result = detect(store, DetectionParams(seed=1))
    rings = [sorted(r.claim_ids) for r in result.rings if r.score >= ALERT_THRESHOLD]
    assert rings == [RECRUITED]
    evidence = [e for r in result.rings for e in r.evidence if e.code == "ex_agent_book"]
    assert [(e.data["agent_id"], e.data["count"]) for e in evidence] == [("A-RING", 9)]


def test_the_same_groups_from_an_agent_at_work_stay_apart(tmp_path: Path) -> None:
    """The same nine requests from the book of an agent still at work: three groups, each tied
    by its account alone, none one ring of nine."""
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(_recruited_book(ring_agent_resigned=False).bundle())
        result = detect(store, DetectionParams(seed=1))
    assert sorted(sorted(r.claim_ids) for r in result.rings) == [RECRUITED[0:3], RECRUITED[3:6], RECRUITED[6:9]]


def test_a_book_orphaned_years_before_the_export_is_measured_over_the_export_only(tmp_path: Path) -> None:
    """An outside book: an agent who left in 2017, whose former customers complained of his
    selling and surrendered one by one through the two years the export covers, thirteen times
    in seventeen months. Their rate was taken over the eight years since he left, of which the
    export holds two; at a quarter of its true rate the book "crowded beyond chance", and his
    honest complainers were alerted with one ring member among them. Measured over the export's
    years, it does not crowd beyond its own rate: no tie."""
    book = BookBuilder()
    book.agent("A-OK", name="黄正常")
    book.agent("A-OLD", status="resigned", leave_date="2017-05-28", name="谢离职")
    for i in range(60):  # the export's ordinary requests, 2023-2024
        customer = book.customer(f"B{i}", f"钱常{i}", f"成都市锦江区{i}号")
        book.claim(f"BC{i}", customer, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}",
                   contact=f"+86137{(i * 7_654_321 + 1_000_003) % 100_000_000:08d}")
    dates = ["2023-01-09", "2023-06-20", "2023-11-01", "2023-11-22", "2024-01-27", "2024-03-30", "2024-05-08",
             "2024-06-08", "2024-06-27", "2024-07-04", "2024-09-07", "2024-10-11", "2024-11-07", "2024-11-16"]
    for k, date in enumerate(dates):
        customer = book.customer(f"O{k}", f"孙投{k}", f"成都市武侯区{k}号")
        book.claim(f"OC{k}", customer, "A-OLD", date, complaint_reason=True,
                   contact=f"+86139{(k * 7_654_321 + 1_000_003) % 100_000_000:08d}")
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(book.bundle())
        loaded = load_book(store)
    bursts = ex_agent_bursts(loaded, DetectionParams().burst_alpha)
    orphaned = (loaded.claims["agent_id"] == "A-OLD").to_numpy()
    assert orphaned.sum() == 14 and not bursts.beyond_chance[orphaned].any()


@pytest.mark.parametrize("status", ["resigned", "active"])
def test_former_customers_switched_to_a_resigned_agents_phone_are_a_ring(tmp_path: Path, status: str) -> None:
    """``../shared/domain.md``: former agents recruit from their old books. A tester's ring had
    three of a resigned agent's former customers switch their contact to her phone days before
    their requests, months after she left, taking the cash value, one of them on complaint
    grounds: her phone was discounted as "the agent's own phone", a counter's service habit,
    and the ring was missed whole. Customers switching to the phone
    of an agent who has left are no habit of the counter; an agent at work whose phone her
    customers give stays one."""
    book = BookBuilder()
    book.agent("A-OK", name="黄正常")
    agent_phone = "+8613912340018"
    book.agent("A-GONE", phone=agent_phone, status=status, leave_date="2024-02-01" if status != "active" else None,
               name="钟离职")
    for i in range(60):
        customer = book.customer(f"B{i}", f"钱常{i}", f"成都市锦江区{i}号")
        book.claim(f"BC{i}", customer, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}",
                   contact=f"+86137{(i * 7_654_321 + 1_000_003) % 100_000_000:08d}")
    ring = []
    for k, surname in enumerate("赵孙李"):
        customer = book.customer(f"G{k}", f"{surname}前{k}", f"成都市武侯区{k}号",
                                 f"+86139{(k * 7_654_321 + 5_000_011) % 100_000_000:08d}")
        book.change(customer, f"2024-07-{2 + 7 * k:02d}", agent_phone)
        ring.append(book.claim(f"GC{k}", customer, "A-GONE", f"2024-07-{8 + 7 * k:02d}",
                               complaint_reason=k == 0, contact=agent_phone))
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(book.bundle())
        result = detect(store, DetectionParams(seed=1))
    alerted = [sorted(r.claim_ids) for r in result.rings if r.score >= ALERT_THRESHOLD]
    assert alerted == ([ring] if status == "resigned" else [])
    if status == "resigned":  # the evidence says whose number it is
        line = next(e for r in result.rings for e in r.evidence if e.data.get("value") == agent_phone)
        assert line.en.endswith("(the own phone of agent 钟离职 (A-GONE), who left on 2024-02-01)")
        assert "代理人 钟离职（A-GONE，2024-02-01 离职）本人的电话" in line.zh
        assert line.data["agent_id"] == "A-GONE" and line.data["agent_left_on"] == "2024-02-01"


def _family_book(one_household: bool) -> BookBuilder:
    """A resigned agent's book lapsing one request every two months, then five requests of his
    former customers in one week of September 2024: five relatives of one household (one
    address, one phone) or five households."""
    book = BookBuilder()
    book.agent("A-OK", name="黄正常")
    book.agent("A-GONE", status="resigned", leave_date="2023-01-15", name="谢离职")
    for i in range(60):
        customer = book.customer(f"B{i}", f"钱常{i}", f"成都市锦江区{i}号")
        book.claim(f"BC{i}", customer, "A-OK", f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}",
                   contact=f"+86137{(i * 7_654_321 + 1_000_003) % 100_000_000:08d}")
    for k in range(10):
        customer = book.customer(f"O{k}", f"孙投{k}", f"成都市武侯区{k}号")
        book.claim(f"OC{k}", customer, "A-GONE", f"{2023 + (2 + 2 * k) // 12}-{1 + (2 + 2 * k) % 12:02d}-10",
                   contact=f"+86139{(k * 7_654_321 + 1_000_003) % 100_000_000:08d}")
    for k in range(5):
        address = "成都市青羊区光华村街8号" if one_household else f"成都市青羊区{k}号"
        customer = book.customer(f"F{k}", f"{'周' if one_household else '周吴郑王冯'[k]}家{k}", address)
        book.claim(f"FC{k}", customer, "A-GONE", f"2024-09-{2 + k:02d}", complaint_reason=True,
                   contact="+8613900001234" if one_household else f"+86136{k:08d}")
    return book


@pytest.mark.parametrize("one_household", [True, False])
def test_a_family_surrendering_together_is_one_event_of_its_agents_book(tmp_path: Path, one_household: bool) -> None:
    """Five relatives of one household, filed by a son for the whole family, are one decision:
    no burst (a tester's families were alerted at 0.99 as "5 customers of agent … in a burst").
    Five households are a burst beyond chance."""
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(_family_book(one_household).bundle())
        loaded = load_book(store)
    bursts = ex_agent_bursts(loaded, DetectionParams().burst_alpha)
    together = loaded.claims.index.str.startswith("FC")
    assert bursts.beyond_chance[together].all() != one_household


@pytest.mark.parametrize("one_household", [True, False])
def test_real_time_counts_a_family_of_an_agents_book_once_too(tmp_path: Path, one_household: bool) -> None:
    """A request of another of the agent's former customers in the family's week: real time
    counts the agent's requests nearby as the run does, a household once (a tester's claim
    risks still said "the agent's former customers filed 4 surrenders" of one son's filing),
    from the run's index and from the store alike."""
    request = {"claim_id": "N-1", "customer_id": "O0", "policy_id": "POC0", "request_date": "2024-09-06",
               "reason_code": "complaint_misselling", "refund_type": "cash_value"}
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(_family_book(one_household).bundle())
        result = detect(store, DetectionParams())
        nearby = {reason.data["claims_nearby"] for reason in RealtimeScorer(store).score(request).reasons
                  if reason.code == "resigned_agent_burst"}
        assert result.run.summary["household_followers"] == (["FC1", "FC2", "FC3", "FC4"] if one_household else [])
    # with the book's request of 2024-09-10: the family and it are two, too few to say anything
    assert nearby == (set() if one_household else {6})
