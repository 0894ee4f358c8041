"""A ring's core: the members of a community that something besides a letter ties to it, and
the members its letters tie to it within the weeks the others are active.

A public complaint letter circulates among honest complainers all year, and rings send it too,
sometimes word for word (``../shared/domain.md``). When a ring's letters crowd into its weeks,
honest copies filed around them are linked to it by their letters alone (with verbatim copies
the closest letters are a tie among all of them), and modularity puts such leaves into their
neighbours' community. A member tied to its community by letter links alone stays in the core
only when it was filed within ``margin`` days of the requests of the members something else
ties (the window member expansion gives a ring, ``expansion_margin_days``) and its letter is
closer to the ring's letters than to any other letter of its wording filed in those weeks: a
ring coaches its own version, while a complaint wave's letters (a product's dividend cut, a
letter copied around chat groups) are as close to each other as to a ring that joined the wave
with the same letter. Member expansion (:mod:`detectors.expansion`) may still attach the
others, with its reasons. A community
without at least three members tied by more than letters (a ring held together by its own
wording) is left whole.

A ring that only coaches letters is held together by its own wording alone: each letter is
linked to its closest few, and modularity cuts such a sparse web of thirty letters into five or
six communities, each too small a share of the wording to be scored as its owner's.
:func:`one_campaign_joined` puts them back together.

A ring that rotates its phones and accounts over a year is a long chain of handfuls, each with
the numbers of its months, held together by the members who used two months' numbers; modularity
cuts it into pieces that each alert on their own. :func:`tied_pieces_joined` puts alerted pieces
back together where such a member is linked to two members or more of the other piece, and names
those members (the ring's evidence says through whom it was joined).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from detectors.bursts import SCAN_WINDOWS_DAYS
from detectors.communities import joined_where
from detectors.links import ClaimGraph

__all__ = ["JoinedPieces", "one_campaign_joined", "tied_pieces_joined", "without_distant_letters"]

_MIN_TIED = 3


def without_distant_letters(communities: Sequence[Sequence[int]], graph: ClaimGraph, days: np.ndarray,
                            margin: float) -> list[list[int]]:
    """``communities`` (lists of claim positions) without the members only letters tie to them
    that were filed more than ``margin`` days before the first or after the last request of the
    members something else ties, or whose letter is not closest to the ring's (see
    :func:`_closest_to_the_ring`).

    ``days`` is each claim's request day (float, ``nan`` when unknown), indexed by position. The
    tied members are found by peeling: a member whose links to the rest (letter links left out)
    are none is peeled, until none is, so a chain of letter links never counts as a tie.
    """
    if margin < 0:
        raise ValueError(f"margin must be at least 0, got {margin}")
    out: list[list[int]] = []
    for members in communities:
        core = _tied_members(list(members), graph)
        tied_days = days[sorted(core)]
        tied_days = tied_days[~np.isnan(tied_days)]
        if len(core) < _MIN_TIED or not len(tied_days):
            out.append(list(members))
            continue
        lo, hi = tied_days.min() - margin, tied_days.max() + margin
        near = [m for m in members if m not in core and lo <= days[m] <= hi]
        kept = core | _closest_to_the_ring(near, core, graph, days, lo, hi)
        out.append([m for m in members if m in kept])
    return out


def _closest_to_the_ring(candidates: list[int], core: set[int], graph: ClaimGraph, days: np.ndarray,
                         lo: float, hi: float) -> set[int]:
    """The ``candidates`` (claim positions) whose letter's closest letter of its template group
    filed from day ``lo`` to ``hi`` is a letter of ``core``'s claims or of a candidate kept
    before (strictly closer than any other letter), kept in turns until none is added. A ring
    edits a letter its own way and coaches its members to send that version, so a member's
    letter is closest to the ring's; an honest copy of a public letter, or a letter of a
    complaint wave the ring joined, is as close to other honest letters as to the ring's
    (``../shared/domain.md``; the rule :class:`detectors.rules.RingLetters` applies to one letter)."""
    group, row_of = graph.template_group, graph.letter_row
    ring = np.zeros(graph.n, dtype=bool)
    ring[sorted(core)] = True
    pending = [m for m in candidates if group[m] >= 0]
    similarities: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for template in sorted({int(group[m]) for m in pending}):
        asked = np.array([m for m in pending if group[m] == template], dtype=np.int64)
        others = np.flatnonzero((group == template) & (days >= lo) & (days <= hi))
        similarity = graph.letters.block_similarity(row_of[asked], row_of[others])
        similarity[asked[:, None] == others[None, :]] = -np.inf
        for m, row in zip(asked.tolist(), similarity, strict=True):
            similarities[m] = (others, row)
    kept: set[int] = set()
    while pending:
        added = [m for m in pending
                 if np.where(ring[similarities[m][0]], similarities[m][1], -np.inf).max()
                 > np.where(ring[similarities[m][0]], -np.inf, similarities[m][1]).max()]
        if not added:
            break
        kept.update(added)
        ring[added] = True
        pending = [m for m in pending if m not in kept]
    return kept


def _tied_members(members: list[int], graph: ClaimGraph) -> set[int]:
    inside = np.zeros(graph.n, dtype=bool)
    inside[members] = True
    tie = ~graph.letter_only
    while True:
        link = inside[graph.u] & inside[graph.v] & tie
        touched = np.zeros(graph.n, dtype=bool)
        touched[graph.u[link]] = True
        touched[graph.v[link]] = True
        if not (inside & ~touched).any():
            return set(np.flatnonzero(inside).tolist())
        inside &= touched


def one_campaign_joined(communities: Sequence[Sequence[int]], graph: ClaimGraph,
                        days: np.ndarray) -> list[list[int]]:
    """``communities`` (lists of claim positions) with those of one campaign of one wording joined:
    communities whose letters are mostly of one template, all filed within one campaign's length
    (the widest window :data:`detectors.bursts.SCAN_WINDOWS_DAYS` scans, four months:
    ``../shared/domain.md``, rings surrender their members over a few weeks to several months),
    which together hold more than half of that template's letters in the book (wording the
    honest book does not use is the ring's own, as in :func:`detectors.scoring.score_rings`,
    whose wording cap lifts only above half; honest copies of a public letter are a small share of
    it, even when a ring sending it word for word makes them crowd around its weeks): linked
    communities whose members together hold :data:`_MIN_TIED` tied by more than letters, and,
    when the campaign holds one such ring, every community of the campaign tied by nothing but
    letters (see :func:`_campaign_rings`; ``../shared/domain.md``: wording counts towards a ring
    only with other ties; an honest complaint wave after a rate cut shares a rare wording too, and
    nothing else ties it). Joined communities come first; the others follow unchanged.

    ``days`` is each claim's request day (float, ``nan`` when unknown), indexed by position.
    """
    main: dict[int, list[tuple[float, float, int, int]]] = {}
    for at, members in enumerate(communities):
        groups = graph.template_group[list(members)]
        if not (groups >= 0).any():
            continue
        template = int(np.bincount(groups[groups >= 0]).argmax())
        written = [m for m in members if graph.template_group[m] == template]
        written_days = days[written]
        written_days = written_days[~np.isnan(written_days)]
        if len(written) < 2 or not len(written_days):
            continue
        letters = int(graph.claim_letters[written].sum())
        main.setdefault(template, []).append((float(written_days.min()), float(written_days.max()), letters, at))
    width = max(SCAN_WINDOWS_DAYS)
    joined: list[list[int]] = []
    used: set[int] = set()
    for template, found in sorted(main.items()):
        found.sort()
        campaign: list[tuple[float, float, int, int]] = []
        for item in [*found, None]:
            if item is not None and campaign and item[1] <= campaign[0][0] + width:
                campaign.append(item)
                continue
            if len(campaign) >= 2 and 2 * sum(c[2] for c in campaign) > graph.template_letters[template]:
                span = (min(c[0] for c in campaign) - width, max(c[1] for c in campaign) + width)
                for ats in _campaign_rings([c[3] for c in campaign], communities, graph, days, span):
                    joined.append([m for at in ats for m in communities[at]])
                    used.update(ats)
            campaign = [item] if item is not None else []
    for ats in _local_letters_only([at for at in range(len(communities)) if at not in used], communities, graph):
        joined.append([m for at in ats for m in communities[at]])
        used.update(ats)
    return joined + [list(c) for at, c in enumerate(communities) if at not in used]


class JoinedPieces(NamedTuple):
    """What :func:`tied_pieces_joined` returns."""

    cores: list[list[int]]
    """The cores, joined ones first (each sorted), the others unchanged after them."""
    hand_overs: dict[int, list[int]]
    """Each member through whom two pieces were joined (claim position) → the claims of the
    other piece it is linked to (two or more)."""


def tied_pieces_joined(cores: Sequence[Sequence[int]], alerted: Sequence[bool], graph: ClaimGraph,
                       min_weight: float) -> JoinedPieces:
    """``cores`` (lists of claim positions) with the ``alerted`` ones joined that a hand-over
    ties (a member linked to two members or more of the other, see :func:`_hand_overs`) by
    two links or more, and one for every ten claims of the smaller (links of at least
    ``min_weight`` that are not letter links alone), unless the two write different wordings
    (each its most common template group): one ring rotating its numbers, cut by modularity
    where the hand-overs are, a member who used both months' numbers. Two rings that share a
    resigned agent's phone or a member's relative write their own coaches' letters; two links
    between rings of fifty and a hundred claims are a chance collision (at a million customers
    such a pair was joined; the pieces of one ring on the outside books had a link for every
    four claims of the smaller piece or more).
    """
    pieces = [list(c) for c, hit in zip(cores, alerted, strict=True) if hit]
    rest = [list(c) for c, hit in zip(cores, alerted, strict=True) if not hit]
    tie = ~graph.letter_only & (graph.w >= min_weight)
    wording = [_wording(piece, graph) for piece in pieces]
    hand_overs: dict[int, list[int]] = {}

    def joins(a: int, b: int, links: list[tuple[int, int]]) -> bool:
        through = _hand_overs(links)
        if not (through and len(links) >= max(2, min(len(pieces[a]), len(pieces[b])) / 10)
                and (min(wording[a], wording[b]) < 0 or wording[a] == wording[b])):
            return False
        for member, others in through.items():
            hand_overs.setdefault(member, []).extend(others)
        return True

    joined = joined_where(pieces, graph.u[tie], graph.v[tie], joins)
    unchanged = {tuple(piece) for piece in pieces}
    return JoinedPieces([sorted(c) for c in joined if tuple(c) not in unchanged]
                        + [c for c in joined if tuple(c) in unchanged] + rest,
                        {member: sorted(others) for member, others in hand_overs.items()})


def _hand_overs(links: list[tuple[int, int]]) -> dict[int, list[int]]:
    """The claims of ``links`` (claim pairs between two pieces) linked to two claims or more of
    the other piece, each with those claims: members who used the other piece's own numbers,
    shared by several of its members. Two rings touched by chance (a relative's account paid
    once in each, a print shop's phone on one request of each) are linked member to member.

    >>> _hand_overs([(1, 7), (1, 8), (2, 9)])
    {1: [7, 8]}
    >>> _hand_overs([(1, 7), (2, 8)])
    {}
    """
    ends: dict[int, list[int]] = {}
    for x, y in links:
        ends.setdefault(x, []).append(y)
        ends.setdefault(y, []).append(x)
    return {claim: sorted(others) for claim, others in ends.items() if len(others) >= 2}


def _wording(members: list[int], graph: ClaimGraph) -> int:
    """The most common template group of the members' letters (-1 when none wrote one)."""
    groups = graph.template_group[members]
    groups = groups[groups >= 0]
    return int(np.bincount(groups).argmax()) if len(groups) else -1


def _local_letters_only(ats: list[int], communities: Sequence[Sequence[int]], graph: ClaimGraph) -> list[list[int]]:
    """The communities of ``ats`` tied by nothing but letters whose letters are mostly of one
    local campaign (:mod:`detectors.local_campaigns`), grouped by campaign (groups of two or
    more, each sorted): a coach's clients in one county within weeks, each sending his wording
    from home, form one ring even though nothing else ties them, whereas honest copies of a
    letter arrive from all over the region."""
    by_campaign: dict[int, list[int]] = {}
    for at in ats:
        members = list(communities[at])
        written = [m for m in members if graph.template_group[m] >= 0]
        local = graph.local.campaign_of(written, at_least=1) if written else -1
        if local >= 0 and not _tied_members(members, graph):
            by_campaign.setdefault(local, []).append(at)
    return [sorted(group) for group in by_campaign.values() if len(group) >= 2]


def _campaign_rings(ats: list[int], communities: Sequence[Sequence[int]], graph: ClaimGraph,
                    days: np.ndarray, span: tuple[float, float]) -> list[list[int]]:
    """The rings among the communities ``ats`` of one campaign of one wording, as lists of
    community indices to join (each sorted, two or more): each group of communities the claim
    graph's links connect whose members together hold :data:`_MIN_TIED` tied by more than
    letters; when there is exactly one, the communities tied by nothing but letters join it too
    when most of their letters are nearer the ring's than any letter of the wording filed within
    ``span`` (the campaign's days widened by a campaign's length) outside the campaign's
    communities (:func:`_nearer_the_ring`): the ring's members who share only its wording. Honest adapters of the public letter a ring edits are closest to other
    honest copies (a tester's were joined to such a ring at 0.99). Communities with ties of
    their own that no link connects stay apart: two rings of one coach's wording in the same
    months."""
    rings, letter_only = [], []
    for group in _linked(ats, communities, graph):
        members = [m for at in group for m in communities[at]]
        tied = len(_tied_members(members, graph))
        if tied >= _MIN_TIED:
            rings.append(group)
        elif tied == 0:
            letter_only.append(group)
    if len(rings) == 1:
        ring = _tied_members([m for at in rings[0] for m in communities[at]], graph)
        inside = {m for at in ats for m in communities[at]}
        joining = []
        for group in letter_only:
            members = [m for at in group for m in communities[at] if graph.template_group[m] >= 0]
            nearer = _nearer_the_ring(members, ring, inside, graph, days, span)
            if 2 * len(nearer) > len(members):
                joining += group
        rings = [sorted(rings[0] + joining)]
    return [ring for ring in rings if len(ring) >= 2]


def _nearer_the_ring(candidates: list[int], ring: set[int], inside: set[int], graph: ClaimGraph,
                     days: np.ndarray, span: tuple[float, float]) -> list[int]:
    """The ``candidates`` (claim positions with a grouped letter) whose letter is more similar to
    a letter of ``ring``'s claims than to any letter of its template group filed within ``span``
    (first and last day) by a claim outside the campaign's communities (``inside``): the ring's
    wording, not a copy of the public letter honest people around it send."""
    group, row_of = graph.template_group, graph.letter_row
    out = []
    for template in sorted({int(group[m]) for m in candidates}):
        asked = np.array([m for m in candidates if group[m] == template], dtype=np.int64)
        of_ring = np.array(sorted(m for m in ring if group[m] == template), dtype=np.int64)
        if not len(of_ring):
            continue
        near = np.flatnonzero((group == template) & (days >= span[0]) & (days <= span[1]))
        outside = np.array([m for m in near.tolist() if m not in inside], dtype=np.int64)
        to_ring = graph.letters.block_similarity(row_of[asked], row_of[of_ring]).max(axis=1)
        to_outside = graph.letters.block_similarity(row_of[asked], row_of[outside]).max(axis=1) \
            if len(outside) else np.full(len(asked), -np.inf)
        out += asked[to_ring > to_outside].tolist()
    return out


def _linked(ats: list[int], communities: Sequence[Sequence[int]], graph: ClaimGraph) -> list[list[int]]:
    """The communities of ``ats`` (indices into ``communities``) that links of the claim graph
    connect, as groups (one community alone is a group of one), each sorted."""
    community = np.full(graph.n, -1, dtype=np.int64)
    for at in ats:
        community[list(communities[at])] = at
    cu, cv = community[graph.u], community[graph.v]
    across = (cu >= 0) & (cv >= 0) & (cu != cv)
    parent = {at: at for at in ats}

    def root(at: int) -> int:
        while parent[at] != at:
            at = parent[at]
        return at

    for a, b in zip(cu[across].tolist(), cv[across].tolist(), strict=True):
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for at in ats:
        groups.setdefault(root(at), []).append(at)
    return [sorted(g) for g in groups.values()]
