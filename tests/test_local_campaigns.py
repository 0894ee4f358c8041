"""A coach who only coaches letters: his clients in one county send his wording within weeks,
sharing nothing else (``../shared/domain.md``). Exact results of :mod:`detectors.local_campaigns`
on small arrays, and detection on small hand-built books of twelve branches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detectors.local_campaigns import local_campaigns
from graph.results import ALERT_THRESHOLD
from tests.detect_books import (
    BRANCHES,
    BookBuilder,
    alerted_claims,
    detect_book,
    mobile,
    twelve_branch_book,
)


def _arrays(spec: list[tuple[int, float, str]], background: int = 240
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Claims of ``background`` ungrouped letters spread evenly over the twelve branches and
    two years, then one claim per ``(group, day, branch)`` of ``spec``, each of its own household."""
    groups = [-1] * background + [g for g, _, _ in spec]
    days = [float(3 * i) for i in range(background)] + [d for _, d, _ in spec]
    branches = [BRANCHES[i % 12] for i in range(background)] + [b for _, _, b in spec]
    return (np.array(groups), np.array(days), np.array(branches, dtype=object),
            np.ones(len(groups), dtype=bool), np.arange(len(groups)))


def test_nine_letters_of_one_wording_from_one_branch_in_three_weeks_are_a_local_campaign() -> None:
    found = local_campaigns(*_arrays([(0, 400.0 + 2 * k, BRANCHES[3]) for k in range(9)]))
    assert [(c.template, c.branch, c.households, c.of) for c in found.campaigns] == [(0, BRANCHES[3], 9, 9)]
    assert found.campaign[-9:].tolist() == [0] * 9 and (found.campaign[:-9] == -1).all()
    assert found.campaigns[0].branch_share == pytest.approx(29 / 249)  # its own nine among the book's letters


def test_the_same_letters_from_nine_branches_are_none() -> None:
    assert local_campaigns(*_arrays([(0, 400.0 + 2 * k, BRANCHES[k]) for k in range(9)])).campaigns == ()


def test_members_from_other_branches_stay_out_of_the_campaign() -> None:
    spec = [(0, 400.0 + 2 * k, BRANCHES[3]) for k in range(8)] + [(0, 405.0, BRANCHES[5])]
    found = local_campaigns(*_arrays(spec))
    assert [(c.households, c.of) for c in found.campaigns] == [(8, 9)]
    assert found.campaign[-1] == -1


def test_a_familys_letters_count_once() -> None:
    """Four households, each sending its letter for three members: four households' decisions,
    too few for a campaign (MIN_BURST_EVENTS is three households; three letters of one household
    are one), where twelve letters from twelve households are one."""
    spec = [(0, 400.0 + k, BRANCHES[3]) for k in range(12)]
    groups, days, branches, wrote, households = _arrays(spec)
    households[-12:] = 1000 + np.arange(12) // 3
    found = local_campaigns(groups, days, branches, wrote, households)
    assert [(c.households, c.of) for c in found.campaigns] == [(4, 4)]
    assert found.campaigns[0].chance > local_campaigns(*_arrays(spec)).campaigns[0].chance * 1000
    households[-12:] = 1000 + np.arange(12) // 6
    assert local_campaigns(groups, days, branches, wrote, households).campaigns == ()


def test_a_coach_who_used_his_wording_in_another_county_before_runs_two_campaigns() -> None:
    spec = [(0, 100.0 + 2 * k, BRANCHES[3]) for k in range(8)] + [(0, 400.0 + 2 * k, BRANCHES[7]) for k in range(8)]
    found = local_campaigns(*_arrays(spec))
    assert sorted((c.branch, c.households) for c in found.campaigns) == [(BRANCHES[3], 8), (BRANCHES[7], 8)]


def test_a_public_letter_that_circulates_more_in_one_city_all_year_is_no_campaign() -> None:
    """Twenty-four copies over two years, two thirds of them from one branch; eight of its ten
    copies in four months come from there: its usual share there, not a campaign (against the
    book's letters alone, one twelfth from there, it would be one)."""
    spread = [(0, 30.0 * k, BRANCHES[3] if k % 3 else BRANCHES[k % 12]) for k in range(24)]
    crowd = [(0, 300.0 + 10 * k, BRANCHES[3] if k < 8 else BRANCHES[k]) for k in range(10)]
    found = local_campaigns(*_arrays(spread + crowd))
    assert found.campaigns == ()
    alone = local_campaigns(*_arrays(crowd))
    assert [c.households for c in alone.campaigns] == [8]


def test_four_letters_in_one_branch_are_chance_in_a_book_of_many_templates() -> None:
    """Four letters of one wording from one branch are rare for that template, but a book tests
    every template's windows: with forty templates of four letters spread over the branches,
    such a crowd is what chance gives somewhere."""
    spread = [(1 + t, 50.0 * t + k, BRANCHES[(t + 3 * k) % 12]) for t in range(40) for k in range(4)]
    crowd = [(0, 400.0 + k, BRANCHES[3]) for k in range(4)]
    assert local_campaigns(*_arrays(crowd)).campaigns != ()
    assert local_campaigns(*_arrays(spread + crowd)).campaigns == ()


def test_claims_without_a_branch_or_day_are_never_tested() -> None:
    groups, days, branches, wrote, households = _arrays([(0, 400.0 + 2 * k, BRANCHES[3]) for k in range(9)])
    branches[-9:] = None
    assert local_campaigns(groups, days, branches, wrote, households).campaigns == ()
    groups, days, branches, wrote, households = _arrays([(0, 400.0 + 2 * k, BRANCHES[3]) for k in range(9)])
    days[-9:] = np.nan
    assert local_campaigns(groups, days, branches, wrote, households).campaigns == ()


@pytest.mark.parametrize(("alpha", "cut", "message"), [
    (0.0, 0, "alpha must be between 0 and 1"),
    (1.5, 0, "alpha must be between 0 and 1"),
    (0.01, 1, "differ in length"),
])
def test_invalid_arguments_are_rejected(alpha: float, cut: int, message: str) -> None:
    groups, days, branches, wrote, households = _arrays([])
    with pytest.raises(ValueError, match=message):
        local_campaigns(groups, days[cut:], branches, wrote, households, alpha=alpha)


COACH = ("致{insurer}客户服务中心暨消费者权益保护部：本人{name}，身份证尾号{tail}，于{year}年经贵司业务员{agent}"
         "推荐投保《{product}》。投保时业务员隐瞒退保损失、夸大收益、未履行明确说明义务，且未进行双录，"
         "依据《保险法》第十七条及《消费者权益保护法》第二十条，本人现正式要求贵司全额退还已交保费{amount}元"
         "并赔偿利息损失。如贵司于十五个工作日内未予书面答复，本人将依法向国家金融监督管理总局及12378热线"
         "投诉并保留提起诉讼之权利。特此函告，望贵司慎重对待。")
"""A coach's private letter: long, legalistic, his own wording; each client fills in the slots."""


def _letter(i: int) -> str:
    products = ["鑫福年年年金保险", "安享一生两全保险", "金彩人生终身寿险", "福满堂养老年金保险"]
    return COACH.format(insurer="贵公司", name=f"客户{i}", tail=f"{1000 + 37 * i % 9000}", year=2012 + i % 8,
                        agent=f"业务员{i % 5}", product=products[i % 4], amount=8_000 + 1_300 * i)


@pytest.fixture
def book() -> BookBuilder:
    return twelve_branch_book()


def _clients(book: BookBuilder, agents: list[int], month: str, first: int) -> list[str]:
    """Clients of the coach, each from home with own phone and account, a full refund on
    complaint grounds, his letter a day before the request, every three days from the 2nd."""
    claims = []
    for k, agent in enumerate(agents):
        i = first + k
        cust = book.customer(f"C{i}", f"客户{i}", f"南阳市{BRANCHES[agent]}{i}号", mobile(1000 + i))
        claim = book.claim(f"CC{i}", cust, f"A{agent}", f"2024-{month}-{2 + 3 * k:02d}", full_refund=True,
                           complaint_reason=True, contact=mobile(1000 + i), account=f"62220100000{i:08d}",
                           account_name=f"客户{i}")
        book.complaint(f"CK{i}", cust, claim, f"2024-{month}-{1 + 3 * k:02d}", _letter(i))
        claims.append(claim)
    return claims


def test_a_coachs_clients_in_one_county_within_weeks_are_one_ring(tmp_path: Path, book: BookBuilder) -> None:
    """Eight clients of one branch in three weeks, nothing shared but his letter: one ring, and
    its evidence says where the letters came from."""
    ring = _clients(book, [3] * 8, "07", first=0)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == [tuple(sorted(ring))]
    alerted = next(r for r in result.rings if r.score >= ALERT_THRESHOLD)
    local = next(e for e in alerted.evidence if e.code == "complaint_template").data["local_campaign"]
    assert (local["branch"], local["households"], local["of"]) == (BRANCHES[3], 8, 8)
    assert local["claims"] == sorted(ring)
    complaint = next(e for e in alerted.evidence if e.code == "complaint_template")
    assert f"hold policies of {BRANCHES[3]} (8 of the group's 8 claims)" in complaint.en


def test_the_coachs_letter_sent_from_eight_branches_is_no_ring(tmp_path: Path, book: BookBuilder) -> None:
    """The same letters from eight branches in the same weeks: a letter going round the region,
    nothing ties its senders."""
    senders = _clients(book, list(range(8)), "07", first=0)
    result = detect_book(tmp_path, book)
    assert alerted_claims(result) == []
    risks = {c.claim_id: c.risk for c in result.claim_risks}
    assert max(risks[c] for c in senders) < ALERT_THRESHOLD


def test_a_coach_in_two_counties_months_apart_runs_two_rings(tmp_path: Path, book: BookBuilder) -> None:
    first = _clients(book, [3] * 7, "03", first=0)
    second = _clients(book, [8] * 6, "09", first=20)
    assert alerted_claims(detect_book(tmp_path, book)) == sorted([tuple(sorted(first)), tuple(sorted(second))])
