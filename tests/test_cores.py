"""Exact results of :func:`detectors.cores.one_campaign_joined` and
:func:`detectors.cores.without_distant_letters` on small hand-made claim graphs."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.cores import one_campaign_joined, without_distant_letters
from detectors.links import AgentBursts, ClaimGraph
from detectors.local_campaigns import LocalCampaign, LocalCampaigns
from detectors.templates import ShingleMatrix

PUBLIC = ("本人{name}于2018年购买贵公司鑫福年年年金保险，业务员当时承诺保本保息、随时可以全额退还，"
          "从未告知退保会有损失，属于严重的销售误导。根据有关规定，现要求贵公司全额退还已交保费，"
          "否则本人将向金融监管部门12378热线投诉并依法维权。")
"""A public letter; honest complainers send it with their own names."""
RING_EDIT = "另外业务员还代签了本人的名字，双录也没有做，请贵公司七个工作日内给出书面答复。"
"""The ring's own edit of it."""

# claims 0-2 share an agency phone (tied by more than letters), 3-5 are tied to each other by
# letters only (or by a second phone); all six wrote the ring's own wording (template 0) within
# five weeks


def _graph(*, book_letters: int = 6, bridge: bool = True, phone: bool = True, second_phone: bool = False
           ) -> ClaimGraph:
    edges = [(0, 1, 0.6, False), (0, 2, 0.6, False), (1, 2, 0.6, False),
             (3, 4, 0.3, not second_phone), (4, 5, 0.3, not second_phone), (3, 5, 0.3, not second_phone)]
    if not phone:
        edges = [(u, v, w, True) for u, v, w, _ in edges]
    if bridge:
        edges.append((2, 3, 0.3, True))
    n = 6
    return ClaimGraph(
        n=n, u=np.array([e[0] for e in edges]), v=np.array([e[1] for e in edges]),
        w=np.array([e[2] for e in edges]), template_group=np.zeros(n, dtype=np.int64),
        agent_bursts=AgentBursts(np.full(n, -1), np.zeros(n, dtype=bool), 0),
        template_letters=np.array([book_letters]),
        letters=ShingleMatrix([PUBLIC.format(name=name) + RING_EDIT for name in "赵钱孙李周吴"]),
        letter_row=np.arange(n), letter_only=np.array([e[3] for e in edges]),
        claim_letters=np.ones(n, dtype=np.int64), local=LocalCampaigns.none(n),
        bridge=np.zeros(len(edges), dtype=bool))


DAYS = np.array([100.0, 104.0, 110.0, 115.0, 120.0, 135.0])
SPLIT = [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize("bridge", [True, False])
def test_a_campaign_of_the_rings_own_wording_is_one_ring(bridge: bool) -> None:
    """Linked or not, members tied by nothing but the wording join the campaign's one ring."""
    assert one_campaign_joined(SPLIT, _graph(bridge=bridge), DAYS) == [[0, 1, 2, 3, 4, 5]]


@pytest.mark.parametrize(("case", "graph", "days"), [
    ("two rings of one coach, each with its phone, no link between them", _graph(bridge=False, second_phone=True), DAYS),
    ("nothing but letters ties either (an honest wave)", _graph(phone=False), DAYS),
    ("a public letter: six of forty letters", _graph(book_letters=40), DAYS),
    ("not one campaign: seven months apart", _graph(), np.array([100.0, 104, 110, 315, 320, 335])),
])
def test_communities_stay_apart(case: str, graph: ClaimGraph, days: np.ndarray) -> None:
    assert one_campaign_joined(SPLIT, graph, days) == SPLIT, case


@pytest.mark.parametrize("book_letters", [6, 40])
def test_letters_only_communities_of_one_local_campaign_are_one_ring(book_letters: int) -> None:
    """Nothing but letters ties either community, but their letters are one local campaign (one
    branch, weeks): a coach's clients, joined whatever share of the wording they hold."""
    graph = _graph(phone=False, book_letters=book_letters)
    campaign = LocalCampaign(template=0, branch="b", households=6, of=6, branch_share=0.1, chance=1e-5,
                             first_day=100.0, last_day=135.0)
    graph.local = LocalCampaigns((campaign,), np.zeros(6, dtype=np.int64))
    assert one_campaign_joined(SPLIT, graph, DAYS) == [[0, 1, 2, 3, 4, 5]]
    graph.local = LocalCampaigns((campaign,), np.array([0, 0, 0, -1, -1, 0]))
    assert one_campaign_joined(SPLIT, graph, DAYS) == SPLIT


def test_honest_adapters_of_the_letter_a_ring_edits_do_not_join_its_campaign() -> None:
    """Claims 0-2 share the agency's phone and send the ring's edit of the public letter. Claims
    3 and 4, linked by their letters alone, adapt the public letter with a line of their own in
    the same weeks, as honest claims 5 and 6 send it (no community of the campaign): their letters
    are nearer those honest copies than the ring's, so they stay apart (a tester's honest adapters
    were joined to such a ring at 0.99). With the ring's edit, they join (above)."""
    own = "我多次打电话给客服都没有结果。"
    letters = [PUBLIC.format(name=name) + RING_EDIT for name in "赵钱孙"]
    letters += [PUBLIC.format(name=name) + own for name in "李周"]
    letters += [PUBLIC.format(name=name) for name in "吴郑"]
    graph = _letter_graph(letters, tied=[(0, 1), (0, 2), (1, 2)], letter_links=[(3, 4)])
    graph.template_letters = np.array([7])
    days = np.array([100.0, 104, 110, 112, 115, 118, 120])
    assert one_campaign_joined([[0, 1, 2], [3, 4]], graph, days) == [[0, 1, 2], [3, 4]]
    graph.letters = ShingleMatrix([PUBLIC.format(name=name) + RING_EDIT for name in "赵钱孙李周"] + letters[5:])
    assert one_campaign_joined([[0, 1, 2], [3, 4]], graph, days) == [[0, 1, 2, 3, 4]]


def test_communities_without_letters_pass_unchanged() -> None:
    graph = _graph()
    graph.template_group[:] = -1
    assert one_campaign_joined(SPLIT, graph, DAYS) == SPLIT





def _letter_graph(letters: list[str], tied: list[tuple[int, int]], letter_links: list[tuple[int, int]]) -> ClaimGraph:
    edges = [(u, v, 0.6, False) for u, v in tied] + [(u, v, 0.3, True) for u, v in letter_links]
    n = len(letters)
    return ClaimGraph(
        n=n, u=np.array([e[0] for e in edges]), v=np.array([e[1] for e in edges]),
        w=np.array([e[2] for e in edges]), template_group=np.zeros(n, dtype=np.int64),
        agent_bursts=AgentBursts(np.full(n, -1), np.zeros(n, dtype=bool), 0),
        template_letters=np.array([n]), letters=ShingleMatrix(letters),
        letter_row=np.arange(n), letter_only=np.array([e[3] for e in edges]),
        claim_letters=np.ones(n, dtype=np.int64), local=LocalCampaigns.none(n),
        bridge=np.zeros(len(edges), dtype=bool))


def test_letters_only_stay_in_the_core_when_closest_to_the_rings() -> None:
    """Claims 0-2 share the agency's phone and send the ring's edit. Claim 3 sends the ring's edit
    with a line of its own (closest to the ring's letters, 0.906): a member. Claim 7 adds more to
    claim 3's letter (closest to claim 3's, 0.861, then to the ring's, 0.828): a member once claim
    3 is. Claim 4 sends the public letter as it circulates, as honest complainers 5 and 6 did in
    the same weeks (closest to theirs, 0.919; to the ring's 0.684): no member, though modularity
    put it with the ring."""
    letters = [PUBLIC.format(name=n) + RING_EDIT for n in ("赵一", "钱二", "孙三")]
    letters += [PUBLIC.format(name="李四") + RING_EDIT + "请尽快处理。"]
    letters += [PUBLIC.format(name=n) for n in ("周五", "吴六", "郑七")]
    letters += [PUBLIC.format(name="王八") + RING_EDIT + "请尽快处理。本人年事已高，看不懂合同条款。"]
    graph = _letter_graph(letters, tied=[(0, 1), (0, 2), (1, 2)], letter_links=[(0, 3), (1, 4), (3, 7)])
    days = np.array([100.0, 104, 110, 112, 115, 118, 120, 125])
    assert without_distant_letters([[0, 1, 2, 3, 4, 7], [5, 6]], graph, days, 30) == [[0, 1, 2, 3, 7], [5, 6]]


def test_a_ring_joining_a_wave_of_one_letter_keeps_only_its_tied_members() -> None:
    """A ring sends the letter of an honest complaint wave word for word (names aside): every
    wave letter is as close to another wave letter as to the ring's, so none is a member."""
    letters = [PUBLIC.format(name=n) for n in ("赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七")]
    graph = _letter_graph(letters, tied=[(0, 1), (0, 2), (1, 2)], letter_links=[(0, 3), (1, 4), (2, 5)])
    days = np.array([100.0, 104, 110, 112, 115, 118, 120])
    assert without_distant_letters([[0, 1, 2, 3, 4, 5], [6]], graph, days, 30) == [[0, 1, 2], [6]]
