"""Exact results of :func:`detectors.cores.one_campaign_joined` on small hand-made claim graphs."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.cores import one_campaign_joined
from detectors.links import AgentBursts, ClaimGraph
from detectors.templates import ShingleMatrix

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
        template_letters=np.array([book_letters]), letters=ShingleMatrix([]),
        letter_row=np.arange(n), letter_only=np.array([e[3] for e in edges]),
        claim_letters=np.ones(n, dtype=np.int64))


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


def test_communities_without_letters_pass_unchanged() -> None:
    graph = _graph()
    graph.template_group[:] = -1
    assert one_campaign_joined(SPLIT, graph, DAYS) == SPLIT
