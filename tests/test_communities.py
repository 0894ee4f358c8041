"""The community step always returns, on every method, with a partition of its input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.communities import find_communities, partition
from detectors.params import COMMUNITY_METHODS, DetectionParams

# A component seen in a real book: Leiden "until nothing changes" never returned on it, because
# claim 0 has two equally good communities and moves back and forth.
PATH_U = np.array([2, 1, 0, 3])
PATH_V = np.array([1, 0, 3, 4])


@pytest.mark.timeout(30, method="thread")
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("method", COMMUNITY_METHODS)
def test_the_five_claim_path_returns(method: str, seed: int) -> None:
    params = DetectionParams(method=method, resolution=0.6, seed=seed)  # type: ignore[arg-type]
    found = find_communities(5, PATH_U, PATH_V, np.full(4, 0.6), params)
    assert sorted(c for community in found for c in community) == [0, 1, 2, 3, 4]
    assert all(len(community) >= 2 for community in found)


def test_leiden_splits_the_path_at_its_middle() -> None:
    found = partition(np.arange(5), PATH_U, PATH_V, np.full(4, 0.6), "igraph-leiden", 0.6, seed=1)
    assert sorted(map(sorted, found)) == [[0, 3, 4], [1, 2]]


def _ring_of_cliques(cliques: int, size: int, weight: float) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """``cliques`` cliques of ``size`` claims in a cycle, each tied to the next by one link, every
    link of ``weight``: the textbook case of modularity's resolution limit."""
    u, v = [], []
    for c in range(cliques):
        first = c * size
        pairs = [(first + i, first + j) for i in range(size) for j in range(i + 1, size)]
        pairs.append((first + size - 1, ((c + 1) % cliques) * size))
        u += [a for a, _ in pairs]
        v += [b for _, b in pairs]
    return cliques * size, np.array(u), np.array(v), np.full(len(u), weight)


def test_rings_glued_into_one_component_come_apart() -> None:
    """One null model for the whole cycle merges neighbouring cliques (22 communities of 40
    cliques, 18 of them pairs); split again on their own links, every clique is a community
    of its own."""
    n, u, v, w = _ring_of_cliques(40, 8, 0.5)
    merged = find_communities(n, u, v, w, DetectionParams(split_quality=1.0))
    assert len(merged) == 22 and max(map(len, merged)) == 16
    found = find_communities(n, u, v, w, DetectionParams())
    assert found == [list(range(c * 8, c * 8 + 8)) for c in range(40)]


@pytest.mark.parametrize(("bridge", "pieces"), [(0.8, 1), (0.7, 3)])
def test_a_ring_rotating_its_phone_by_sub_group_is_put_back_together(bridge: float, pieces: int) -> None:
    """Three sub-groups of five, each on its own phone (links of 1.0), chained by the members
    who used two sub-groups' phones (links of ``bridge``): modularity cuts the chain into its
    sub-groups, and a bridge of ``join_weight`` (0.75) or more puts them back; weaker ties
    (a chance collision) leave them apart."""
    n, u, v, _ = _ring_of_cliques(3, 5, 1.0)
    bridges = np.isin(np.arange(len(u)), [10, 21, 32])
    w = np.where(bridges, bridge, 1.0)
    assert v[bridges].tolist() == [5, 10, 0]
    assert len(find_communities(n, u, v, w, DetectionParams())) == pieces
    assert len(find_communities(n, u, v, w, DetectionParams(join_weight=3.5))) == 3


def _handfuls_and_letters(letters: list[tuple[int, int]]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three handfuls of four claims (0-3, 4-7, 8-11), each tied by its own phone (links of 1.0),
    and ``letters``: letter links of 0.3 between handfuls, marked as bridges."""
    n, u, v, w = _ring_of_cliques(3, 4, 1.0)
    inside = u // 4 == v // 4
    u, v, w = u[inside], v[inside], w[inside]
    lu, lv = (np.array(side, dtype=np.int64) for side in zip(*letters, strict=True))
    bridge = np.concatenate([np.zeros(len(u), dtype=bool), np.ones(len(lu), dtype=bool)])
    return n, np.concatenate([u, lu]), np.concatenate([v, lv]), np.concatenate([w, np.full(len(lu), 0.3)]), bridge


@pytest.mark.parametrize(("case", "letters", "expected"), [
    ("two members of each handful write like two of the next", [(0, 4), (1, 5), (4, 8), (6, 9)],
     [list(range(12))]),
    ("one member's letter is like two of the next handful's (a star)", [(0, 4), (0, 5), (4, 8), (4, 9)],
     [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]),
    ("one pair of handfuls hangs together, the third hangs by one letter", [(0, 4), (1, 5), (6, 8)],
     [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11]]),
])
def test_handfuls_joined_by_two_bridges_are_one_ring(case: str, letters: list[tuple[int, int]],
                                                     expected: list[list[int]]) -> None:
    """A careful ring ties each member once: handfuls on their own phones, held together by the
    coach's letter. Two bridges that share no claim join two handfuls; one bridge, or several
    from one member, do not."""
    n, u, v, w, bridge = _handfuls_and_letters(letters)
    assert find_communities(n, u, v, w, DetectionParams(), bridge) == expected, case
    assert len(find_communities(n, u, v, w, DetectionParams())) == 3  # the same links, not bridges


def test_bridges_must_match_the_links() -> None:
    with pytest.raises(ValueError, match="bridge has 2 entries for 4 links"):
        find_communities(5, PATH_U, PATH_V, np.full(4, 0.6), DetectionParams(), np.zeros(2, dtype=bool))


@pytest.mark.parametrize("size", [16, 20, 40])
def test_one_dense_ring_is_never_split(size: int) -> None:
    members = np.arange(size)
    u, v = (a.ravel() for a in np.triu_indices(size, 1))
    assert find_communities(size, members[u], members[v], np.full(len(u), 0.5), DetectionParams()) == [
        list(range(size))]


@st.composite
def small_graphs(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Paths, stars, cycles and random graphs of 2-12 nodes, weights drawn from a few values
    so that ties are common."""
    n = draw(st.integers(2, 12))
    shape = draw(st.sampled_from(["path", "star", "cycle", "random"]))
    if shape == "path":
        edges = [(i, i + 1) for i in range(n - 1)]
    elif shape == "star":
        edges = [(0, i) for i in range(1, n)]
    elif shape == "cycle":
        edges = [(i, (i + 1) % n) for i in range(n)] if n >= 3 else [(0, 1)]
    else:
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        edges = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    order = draw(st.permutations(range(n)))
    edges = sorted({(min(order[a], order[b]), max(order[a], order[b])) for a, b in edges})
    weights = draw(st.lists(st.sampled_from([0.15, 0.3, 0.5, 0.6, 1.0, 3.0]),
                            min_size=len(edges), max_size=len(edges)))
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    return n, u, v, np.array(weights)


@pytest.mark.timeout(300)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=small_graphs(), method=st.sampled_from(COMMUNITY_METHODS),
       resolution=st.sampled_from([0.1, 0.6, 1.0, 2.0]), seed=st.integers(0, 3))
def test_detection_finishes_on_small_weighted_graphs(
        graph: tuple[int, np.ndarray, np.ndarray, np.ndarray], method: str, resolution: float,
        seed: int) -> None:
    n, u, v, w = graph
    params = DetectionParams(method=method, resolution=resolution, seed=seed)  # type: ignore[arg-type]
    found = find_communities(n, u, v, w, params)
    members = [c for community in found for c in community]
    # every claim at most once, only claims that have a link, communities of two or more
    assert len(members) == len(set(members))
    assert set(members) <= set(u.tolist()) | set(v.tolist())
    assert all(len(community) >= 2 for community in found)
    # deterministic for a seed
    assert find_communities(n, u, v, w, params) == found
