"""Community detection on the weighted claim graph.

Links lighter than ``min_edge_weight`` are dropped, the graph is cut into connected components
and, by default, each component with more than three claims is split by modularity
optimisation on its own (rings are small; one global null model would merge them). The
algorithm is igraph's Leiden by default; igraph's multilevel and python-louvain optimise the
same objective (python-louvain is exact only at γ = 1, see :class:`DetectionParams`). ``resolution`` is γ of the usual
modularity ``Σ (A_ij - γ k_i k_j / 2m)`` for every method (higher γ, smaller communities).

Communities of sixteen claims or more are then split again on their own links while a split
reaches the modularity ``split_quality`` (see :func:`_split_glued`: one null model for a whole
large component merges small rings), communities tied by a link of ``join_weight`` or more
are joined, and so are communities joined by two bridges (letter links between small tied
groups, a careful ring's handfuls) that share no claim.

Every step is bounded. Leiden is never asked to "iterate until nothing changes": a node with
two equally good communities can move back and forth for ever (the path 2-1-0-3-4 with equal
weights at γ = 0.6 never returns with ``n_iterations=-1``). It runs in rounds of a few
iterations from the previous round's partition and stops at the first round that does not
raise the quality, or after ``max_rounds`` rounds. Louvain (both implementations) stops by
construction: every pass must raise modularity.

>>> u, v, w = np.array([1, 1, 0, 3]), np.array([2, 0, 3, 4]), np.full(4, 0.6)
>>> partition(np.arange(5), u, v, w, "igraph-leiden", 0.6, seed=1)
[[0, 3, 4], [1, 2]]

>>> u, v, w = np.array([0, 1, 0, 3, 4, 3]), np.array([1, 2, 2, 4, 5, 5]), np.ones(6)
>>> find_communities(6, u, v, w, DetectionParams())
[[0, 1, 2], [3, 4, 5]]
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import igraph as ig
import networkx as nx
import numpy as np
from community import best_partition
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detectors.params import CommunityMethod, DetectionParams

__all__ = ["MAX_ROUNDS", "find_communities", "joined_where", "partition", "two_members_each_side"]

_SMALL_COMPONENT = 3
_ITERATIONS_PER_ROUND = 2
MAX_ROUNDS = 25
"""Leiden rounds per component at most (each of two iterations); quality stops rising far earlier."""


def partition(nodes: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray,
              method: CommunityMethod, resolution: float, seed: int) -> list[list[int]]:
    """Split one graph (``nodes`` and edges among them) into communities, deterministically."""
    if method == "louvain":
        g = nx.Graph()
        g.add_nodes_from(nodes.tolist())
        g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
        labels = best_partition(g, weight="weight", resolution=resolution, random_state=seed)
        groups: dict[int, list[int]] = {}
        for node in sorted(labels):
            groups.setdefault(labels[node], []).append(node)
        return list(groups.values())
    index = {int(x): i for i, x in enumerate(nodes.tolist())}
    graph = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in zip(u.tolist(), v.tolist(), strict=True)])
    graph.es["weight"] = w.tolist()
    ig.set_random_number_generator(random.Random(seed))
    try:
        if method == "igraph-multilevel":
            clusters = graph.community_multilevel(weights="weight", resolution=resolution)
        else:
            clusters = _bounded_leiden(graph, resolution)
    finally:
        ig.set_random_number_generator(random)
    return [[int(nodes[i]) for i in sorted(members)] for members in clusters if members]


def _bounded_leiden(graph: ig.Graph, resolution: float) -> ig.VertexClustering:
    """Leiden in rounds from the previous partition, until a round does not raise the quality."""
    clusters = graph.community_leiden(objective_function="modularity", weights="weight",
                                      resolution=resolution, n_iterations=_ITERATIONS_PER_ROUND)
    quality = graph.modularity(clusters.membership, weights="weight", resolution=resolution)
    for _ in range(MAX_ROUNDS - 1):
        better = graph.community_leiden(objective_function="modularity", weights="weight",
                                        resolution=resolution, n_iterations=_ITERATIONS_PER_ROUND,
                                        initial_membership=clusters.membership)
        gain = graph.modularity(better.membership, weights="weight", resolution=resolution)
        if gain <= quality + 1e-12:
            break
        clusters, quality = better, gain
    return clusters


def find_communities(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray,
                     params: DetectionParams, bridge: np.ndarray | None = None) -> list[list[int]]:
    """Communities of at least two claims, each a sorted list of claim positions, ordered by
    their first claim.

    ``bridge`` marks the links that join two small tied groups by their letters alone
    (:attr:`detectors.links.ClaimGraph.bridge`); communities joined by two such links that
    share no claim become one (see :func:`two_members_each_side`): a careful ring's handfuls, each
    tied by its own phone, card or representative, hang together by its coach's letter, and
    modularity cuts such a web where it is thinnest. One bridge between two communities may be
    chance, or one member who copied a neighbour's letter; two members on each side writing
    alike are one hand."""
    if bridge is not None and len(bridge) != len(u):
        raise ValueError(f"bridge has {len(bridge)} entries for {len(u)} links")
    keep = w >= params.min_edge_weight
    bridge = bridge[keep] if bridge is not None else np.zeros(int(keep.sum()), dtype=bool)
    u, v, w = u[keep], v[keep], w[keep]
    if len(u) == 0:
        return []
    matrix = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    count, label = connected_components(matrix, directed=False)
    sizes = np.bincount(label, minlength=count)
    out: list[list[int]] = []
    if not params.split_components:
        touched = np.flatnonzero(sizes[label] >= 2)
        out = partition(touched, u, v, w, params.method, params.resolution, params.seed)
    else:
        edge_component = label[u]
        order = np.argsort(edge_component, kind="stable")
        cuts = np.searchsorted(edge_component[order], np.arange(count + 1))
        node_order = np.argsort(label, kind="stable")
        node_cuts = np.searchsorted(label[node_order], np.arange(count + 1))
        for comp in np.flatnonzero(sizes >= 2):
            members = node_order[node_cuts[comp]:node_cuts[comp + 1]]
            if len(members) <= _SMALL_COMPONENT:
                out.append(members.tolist())
                continue
            edges = order[cuts[comp]:cuts[comp + 1]]
            out.extend(partition(members, u[edges], v[edges], w[edges], params.method,
                                 params.resolution, params.seed))
    out = _split_glued(out, u, v, w, params)
    out = _join_strongly_linked(out, u, v, w, params.join_weight)
    out = joined_where(out, u[bridge], v[bridge], two_members_each_side)
    return sorted((sorted(c) for c in out if len(c) >= 2), key=lambda c: c[0])


_MIN_SPLIT = 16
_SPLIT_RESOLUTION = 1.0


def _split_glued(communities: list[list[int]], u: np.ndarray, v: np.ndarray, w: np.ndarray,
                 params: DetectionParams) -> list[list[int]]:
    """Communities split again on their own links while the split is clearly better.

    Modularity's null model spans the whole component, and in a large one (a million-customer
    book, where collisions of addresses and phones chain many rings into one component) the
    expected weight between two small rings is so low that one chance link merges them: the
    resolution limit of modularity (Fortunato and Barthélemy, PNAS 104, 2007). On a community's
    own links the null model is its own, so rings glued by a few links fall apart, while a
    single ring, dense inside, has no split of high modularity and stays whole. A split is
    taken when its modularity (γ = 1) reaches ``params.split_quality``; its parts are tried in
    turn. Communities under sixteen claims are left alone: splitting smaller ones cut single rings
that rotate their numbers by sub-group (measured on books of 30 000 customers). Each pass only
cuts, so it ends.
    """
    if params.split_quality >= 1.0 or not len(u):
        return communities
    out: list[list[int]] = []
    level = communities
    size = int(max(u.max(), v.max())) + 1
    while level:
        of = np.full(size, -1)
        for i, members in enumerate(level):
            of[members] = i
        inside = (of[u] >= 0) & (of[u] == of[v])
        eu, ev, ew, ec = u[inside], v[inside], w[inside], of[u[inside]]
        order = np.argsort(ec, kind="stable")
        cuts = np.searchsorted(ec[order], np.arange(len(level) + 1))
        following: list[list[int]] = []
        for i, members in enumerate(level):
            edges = order[cuts[i]:cuts[i + 1]]
            parts = _clear_split(np.array(sorted(members)), eu[edges], ev[edges], ew[edges],
                                 params) if len(members) >= _MIN_SPLIT else None
            if parts is None:
                out.append(members)
            else:
                following.extend(parts)
        level = following
    return out


def _clear_split(nodes: np.ndarray, u: np.ndarray, v: np.ndarray, w: np.ndarray,
                 params: DetectionParams) -> list[list[int]] | None:
    """The parts of one community's best split, or ``None`` when it is not clearly better."""
    parts = partition(nodes, u, v, w, params.method, _SPLIT_RESOLUTION, params.seed)
    if len(parts) < 2:
        return None
    part_of = {x: k for k, part in enumerate(parts) for x in part}
    pu = np.array([part_of[int(a)] for a in u], dtype=np.int64)
    pv = np.array([part_of[int(b)] for b in v], dtype=np.int64)
    return parts if _modularity(pu, pv, w, len(parts)) >= params.split_quality else None


def _modularity(pu: np.ndarray, pv: np.ndarray, w: np.ndarray, parts: int) -> float:
    """Weighted modularity (γ = :data:`_SPLIT_RESOLUTION`) of a split given each link's two
    parts: Σ over parts of (inner weight / m − γ (part degree / 2m)²).

    The path 0–1–2–3 split in its middle (links 0–1 and 2–3 inside, 1–2 between):

    >>> round(_modularity(np.array([0, 0, 1]), np.array([0, 1, 1]), np.ones(3), 2), 4)
    0.1667
    """
    total = w.sum()
    same = pu == pv
    inner = np.bincount(pu[same], weights=w[same], minlength=parts)
    degree = np.bincount(pu, weights=w, minlength=parts) + np.bincount(pv, weights=w, minlength=parts)
    return float((inner / total - _SPLIT_RESOLUTION * (degree / (2 * total)) ** 2).sum())


def joined_where(communities: Sequence[Sequence[int]], u: np.ndarray, v: np.ndarray,
                 joins: Callable[[int, int, list[tuple[int, int]]], bool]) -> list[list[int]]:
    """``communities`` (lists of claim positions) with each pair ``a < b`` (indices into
    ``communities``) that ``joins(a, b, links)`` accepts made one, where ``links`` are the links
    ``u``–``v`` between them as claim pairs; joined groups keep the order of their first
    community, the others stay as they were.

    >>> joined_where([[0, 1], [2, 3], [4, 5]], np.array([0, 1, 3]), np.array([2, 3, 4]), two_members_each_side)
    [[0, 1, 2, 3], [4, 5]]
    >>> joined_where([[0, 1], [2, 3]], np.array([0, 0]), np.array([2, 3]), two_members_each_side)
    [[0, 1], [2, 3]]
    >>> joined_where([[0, 1], [2, 3]], np.array([0, 0]), np.array([2, 3]), lambda a, b, links: len(links) >= 2)
    [[0, 1, 2, 3]]
    """
    out = [list(c) for c in communities]
    if len(out) < 2 or not len(u):
        return out
    of = np.full(max(int(u.max()), int(v.max()), *(max(c) for c in communities if c)) + 1, -1)
    for i, members in enumerate(communities):
        of[members] = i
    across = (of[u] >= 0) & (of[v] >= 0) & (of[u] != of[v])
    links: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, b, x, y in zip(of[u[across]].tolist(), of[v[across]].tolist(), u[across].tolist(), v[across].tolist(),
                          strict=True):
        links.setdefault((min(a, b), max(a, b)), []).append((x, y))
    joined = [pair for pair, found in links.items() if joins(*pair, found)]
    if not joined:
        return out
    k = len(communities)
    pairs = np.array(joined)
    matrix = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(k, k))
    _, group = connected_components(matrix, directed=False)
    merged: dict[int, list[int]] = {}
    for i, members in enumerate(out):
        merged.setdefault(int(group[i]), []).extend(members)
    return list(merged.values())


def two_members_each_side(a: int, b: int, links: list[tuple[int, int]]) -> bool:
    """Whether two of ``links`` share no claim: two links from one claim (a star) are one
    member's doing, two members on each side writing alike are one hand (the rule for the
    letter bridges of :func:`find_communities`)."""
    return len(links) >= 2 and not set.intersection(*(set(link) for link in links))


def _join_strongly_linked(communities: list[list[int]], u: np.ndarray, v: np.ndarray, w: np.ndarray,
                          join_weight: float) -> list[list[int]]:
    """Communities linked by at least one link of ``join_weight`` or more become one.

    Modularity cuts a chain where it is thinnest; a ring that rotates its phones and accounts
    by sub-group is such a chain, held together by the few members who used both sub-groups'
    numbers. A link that strong (a specific identifier used the way rings use theirs) is
    never a chance tie between two rings, so the pieces it joins are put back together.
    """
    if join_weight > 3.0 or len(communities) < 2:
        return communities
    of = np.full(int(max(u.max(), v.max())) + 1 if len(u) else 0, -1)
    for i, members in enumerate(communities):
        of[members] = i
    strong = (w >= join_weight) & (of[u] >= 0) & (of[v] >= 0) & (of[u] != of[v])
    if not strong.any():
        return communities
    k = len(communities)
    matrix = coo_matrix((np.ones(int(strong.sum()), dtype=np.int8), (of[u[strong]], of[v[strong]])), shape=(k, k))
    _, group = connected_components(matrix, directed=False)
    merged: dict[int, list[int]] = {}
    for i, members in enumerate(communities):
        merged.setdefault(int(group[i]), []).extend(members)
    return list(merged.values())
