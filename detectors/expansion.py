"""Member expansion: claims tied to a found ring by weaker but specific evidence join it.

Community detection finds a ring's *core*: the claims its shared identifiers bind together.
Coached members are told to share as little as possible (``../shared/domain.md``: "some members
share no identifier at all (only the letter template, the timing and the ex-agent)"), so
after the cores are scored, every claim outside an alerted ring is checked against each
alerted ring active around its request date (the ring's first to last request, widened by
``expansion_margin_days``). It joins the ring when

* it uses an identifier the ring's members use (a phone changed to the ring's number, the
  ring's payout account), not a hub, not an agent's phone, not within one household; or
* its letter belongs to the ring's own template burst, or it is part of the burst of a resigned
  agent's former customers the ring recruits from, **and** its own record shows the ring's behaviour
  strongly enough (``trait_score ≥ expansion_tie_score``), or, for a letter, the claim is
  complaint-driven and the alerted rings hold at least half of that template's letters in the
  book (the wording is the rings' own, however common complaints are in the book) while no more
  than one copy outside them was filed away from their weeks (a public letter a ring sends word
  for word circulates before and after it); claims an identifier ties to a ring count as its
  members when letters vote; or
* nothing ties it but the time, it is complaint-driven (a full-refund demand, a complaint
  reason or letter: a claim filed by a representative and paid to a third party for cash value
  and an ordinary reason is how a care home or guardian surrenders), and its own record alone is
  overwhelming (``trait_score ≥ expansion_alone_score``).

``trait_score`` is a naive-Bayes log likelihood ratio over the claim's traits (complaint-driven,
contact changed just before, third-party payout, represented), each trait's ratio estimated from
*this* book (:meth:`detectors.rules.TraitModel.estimate`): how much more often the alerted cores
show it than all other claims do. A book in
which honest customers often change phones before surrendering gives that trait little weight.
Every joined claim carries an evidence line saying why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from detectors.book import Book
from detectors.claim_view import CLAIM_TRAITS
from detectors.identifiers import background_uses
from detectors.links import ClaimGraph
from detectors.params import DetectionParams
from detectors.reissue import held_apart
from detectors.rules import TraitModel

__all__ = ["Attachment", "expand"]

_NEIGHBOURS = 3
_VOTE_ROUNDS = 3
_NEARBY_DAYS = 15
_TIED = 1e-9
"""Letters this close to similarity 1.0 are identical copies."""
_CIRCULATING_COPIES = 2
"""Copies of a template filed away from the rings' weeks that show it circulates (see
:func:`_circulating`)."""

@dataclass(frozen=True)
class Attachment:
    """Why one claim (by position) joined a ring: the tie and the traits behind it."""

    claim: int
    tie: str
    """``identifier``, ``template``, ``ex_agent`` or ``timing``."""
    score: float
    """The claim's trait score (log likelihood ratio)."""
    traits: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)


def expand(book: Book, traits: pd.DataFrame, identifiers: pd.DataFrame, graph: ClaimGraph,
           cores: Sequence[Sequence[int]], alerted: Sequence[bool],
           params: DetectionParams) -> list[list[Attachment]]:
    """The claims joining each core (same order as ``cores``; empty for unalerted cores).

    ``cores`` are claim positions per ring, ``alerted`` says which cores scored at or above the
    alert threshold. A claim joins at most one ring: the one with the strongest tie (identifier
    before template before ex-agent before timing), then the one with the largest share of its
    requests within ``_NEARBY_DAYS`` of the claim's (the ring surrendering then, not merely the
    biggest one), then the nearest in time.
    """
    n = len(book.claims)
    out: list[list[Attachment]] = [[] for _ in cores]
    ring_of = np.full(n, -1)
    for r, members in enumerate(cores):
        if alerted[r]:
            ring_of[list(members)] = r
    in_ring = ring_of >= 0
    if not in_ring.any():
        return out
    model = TraitModel.estimate(traits, in_ring)
    present = np.column_stack([traits[t].to_numpy(bool) for t in CLAIM_TRAITS])
    positive = np.array([max(model.log_ratios[t], 0.0) for t in CLAIM_TRAITS])
    score = present.astype(float) @ positive
    days = book.claims["day"].to_numpy(float)
    households = book.customers["household"].reindex(book.claims["customer_id"]).to_numpy()
    windows = _windows(cores, alerted, days, params.expansion_margin_days)
    ring_days = [days[list(members)] for members in cores]

    candidates: dict[int, list[_Offer]] = defaultdict(list)

    def offer(claim: int, ring: int, rank: int, tie: str, data: dict[str, Any]) -> None:
        lo, hi, middle = windows[ring]
        if in_ring[claim] or np.isnan(days[claim]) or not lo <= days[claim] <= hi:
            return
        names = tuple(t for t, on in zip(CLAIM_TRAITS, present[claim], strict=True) if on)
        # among rings tied alike, the one whose requests crowd most around the claim's date
        nearby = float(np.mean(np.abs(ring_days[ring] - days[claim]) <= _NEARBY_DAYS))
        candidates[claim].append(_Offer(rank, -nearby, abs(days[claim] - middle), ring,
                                        Attachment(claim, tie, round(float(score[claim]), 4), names, data)))

    driven = traits["complaint_driven"].to_numpy(bool)
    for claim, ring, data in _identifier_ties(book, identifiers, ring_of, households, driven, params.min_edge_weight):
        offer(claim, ring, 0, "identifier", data)
    # a claim an identifier ties to a ring is that ring's when letters vote
    tied = ring_of.copy()
    for claim, offers in candidates.items():
        tied[claim] = _best(offers).ring
    tie_ok = score >= params.expansion_tie_score
    # what a claim's record shows besides the complaint its letter already is
    beyond_letter = (present & (positive > 0) & (np.array(CLAIM_TRAITS) != "complaint_driven")).any(axis=1)
    for claim, ring, data in _template_ties(book, graph, tied, tie_ok, tie_ok & beyond_letter, driven, params):
        offer(claim, ring, 1, "template", data)
    for claim, ring, data in _agent_ties(book, graph, ring_of, tie_ok):
        offer(claim, ring, 2, "ex_agent", data)
    alone = np.flatnonzero((score >= params.expansion_alone_score) & ~in_ring & driven)
    for ring, (lo, hi, _) in enumerate(windows):
        if not np.isfinite(lo):
            continue
        for claim in alone[(days[alone] >= lo) & (days[alone] <= hi)].tolist():
            offer(claim, ring, 3, "timing", {})
    for offers in candidates.values():
        best = _best(offers)
        out[best.ring].append(best.attachment)
    for attachments in out:
        attachments.sort(key=lambda a: a.claim)
    return out


class _Offer(NamedTuple):
    """A ring a claim may join: ranked by the tie (identifier first), then how much of the ring
    crowds around the claim's date, then how near its middle, then the ring's number."""

    rank: int
    crowd: float
    distance: float
    ring: int
    attachment: Attachment


def _best(offers: list[_Offer]) -> _Offer:
    """The offer a claim takes (a claim joins one ring)."""
    return min(offers, key=lambda o: (o.rank, o.crowd, o.distance, o.ring))


def _windows(cores: Sequence[Sequence[int]], alerted: Sequence[bool], days: np.ndarray,
             margin: int) -> list[tuple[float, float, float]]:
    out = []
    for members, on in zip(cores, alerted, strict=True):
        d = days[list(members)]
        d = d[~np.isnan(d)]
        if not on or not len(d):
            out.append((np.inf, -np.inf, 0.0))
        else:
            out.append((float(d.min() - margin), float(d.max() + margin), float(np.median(d))))
    return out


def _identifier_ties(book: Book, identifiers: pd.DataFrame, ring_of: np.ndarray,
                     households: np.ndarray, driven: np.ndarray, min_suspicion: float) -> list[tuple[int, int, dict[str, Any]]]:
    """(claim, ring, data) for claims using an identifier a ring member uses that is suspicious
    enough to link two claims (``min_suspicion``, the links' ``min_edge_weight``): a care home's
    worker who filed one ring member's request does not bring the home's other residents, nor
    does a number that changed hands between the claim's request and the member's
    (:func:`detectors.reissue.held_apart`)."""
    uses = book.uses
    if uses.empty or identifiers.empty:
        return []
    position = pd.Series(np.arange(len(book.claims)), index=book.claims.index)
    suspicion = identifiers["suspicion"].reindex(pd.MultiIndex.from_arrays([uses["label"], uses["key"]]))
    live = uses.assign(pos=position[uses["claim_id"]].to_numpy(), suspicion=suspicion.to_numpy())
    live = live[(live["suspicion"] >= max(min_suspicion, 1e-9)).to_numpy() & ~background_uses(uses, identifiers)]
    pos = live["pos"].to_numpy()
    live = live.assign(ring=ring_of[pos], household=households[pos], day=book.claims["day"].to_numpy(float)[pos],
                       code=pd.factorize(live["label"] + "\x1f" + live["key"])[0])
    members = live[live["ring"] >= 0][["code", "ring", "household", "pos", "day"]]
    others = live[live["ring"] < 0][["label", "key", "code", "pos", "household", "kind", "day"]]
    joined = others.merge(members, on="code", suffixes=("", "_ring"))
    joined = joined[(joined["household"] != joined["household_ring"]).to_numpy()
                    & ~held_apart(joined["code"].to_numpy(), joined["day"].to_numpy(float),
                                  driven[joined["pos"].to_numpy()], joined["day_ring"].to_numpy(float),
                                  driven[joined["pos_ring"].to_numpy()],
                                  live["code"].to_numpy(), live["taken_day"].to_numpy(float))]
    joined = joined.drop_duplicates(["pos", "ring", "label", "key"])
    return [(int(p), int(r), {"type": str(lbl), "value": str(key), "link": str(kind)})
            for p, r, lbl, key, kind in zip(joined["pos"], joined["ring"], joined["label"],
                                            joined["key"], joined["kind"], strict=True)]


def _template_ties(book: Book, graph: ClaimGraph, ring_of: np.ndarray, eligible: np.ndarray,
                   eligible_by_record: np.ndarray, driven: np.ndarray, params: DetectionParams) -> list[tuple[int, int, dict[str, Any]]]:
    """(claim, ring, data) for eligible claims whose letter's closest letters are mostly the
    ring's: of its ``_NEIGHBOURS`` most similar letters of the same template filed within
    ``template_window_days`` and every identical copy (those at least ``template_threshold``
    similar, fewer when the wording is rare), a majority belong to the ring. An honest copy of a
    public letter is closest to other copies; a coached member's letter to its ring's version.
    A letter identical to one filed outside the rings (the public letter word for word, as a
    ring may send it too) says nothing of the ring: it joins only when the claim is
    ``eligible_by_record``, eligible with a trait besides the complaint its letter already is (a
    tester's honest complainer of the public letter joined such a ring on her complaint alone).
    A complaint-driven
    claim needs no other trait when the rings hold at least half of the template's letters in
    the book (letters, not claims: coached members often write twice) and it does not circulate
    (:func:`_circulating`): wording the honest book does not use.

    Votes are counted in rounds: a claim that joined a ring votes for it in the next round, so a
    cluster of stealth members whose letters are closest to each other follows its ring (at
    most ``_VOTE_ROUNDS`` rounds).
    """
    group = graph.template_group
    complaints = book.complaints
    if not (group >= 0).any() or complaints.empty:
        return []
    claim_ids = book.claims.index
    days = book.claims["day"].to_numpy(float)
    neighbours = _nearest_letters(graph, days, np.flatnonzero((group >= 0) & (ring_of < 0) & (eligible | driven)),
                                  params.template_window_days, params.template_threshold)
    # the rings' share of each template's letters: wording most of the book never uses is theirs
    held = np.bincount(group[(ring_of >= 0) & (group >= 0)],
                       weights=graph.claim_letters[(ring_of >= 0) & (group >= 0)],
                       minlength=len(graph.template_letters))
    own = (held * 2 >= graph.template_letters) \
        & ~_circulating(group, ring_of, days, params.expansion_margin_days, len(graph.template_letters))
    joined = ring_of.copy()
    out: dict[int, tuple[int, dict[str, Any]]] = {}
    for _ in range(_VOTE_ROUNDS):
        added = 0
        for pos, nearest in neighbours.items():
            if pos in out:
                continue
            votes = Counter(int(joined[m]) for m, _ in nearest if joined[m] >= 0)
            if not votes:
                continue
            ring, count = max(votes.items(), key=lambda kv: (kv[1], -kv[0]))
            # a letter someone outside the rings sent word for word (the public letter as it
            # circulates) says nothing of the ring: the record must show more than the complaint
            public = any(s >= 1.0 - _TIED for m, s in nearest if joined[m] < 0)
            if count * 2 > len(nearest) and (
                    eligible_by_record[pos] or (not public and (eligible[pos] or (driven[pos] and own[group[pos]])))):
                match, similar = next((m, s) for m, s in nearest if joined[m] == ring)
                out[pos] = (ring, {"similar_to": str(claim_ids[match]), "similarity": round(similar, 3),
                                   "nearest_of_ring": count})
                added += 1
        for pos, (ring, _) in out.items():
            joined[pos] = ring
        if not added:
            break
    return [(pos, ring, data) for pos, (ring, data) in sorted(out.items())]


def _circulating(group: np.ndarray, ring_of: np.ndarray, days: np.ndarray, margin: float,
                 groups: int) -> np.ndarray:
    """Per template group (of ``groups``): whether at least :data:`_CIRCULATING_COPIES` of its letters outside
    the rings were filed more than ``margin`` days from every ring request of the group. A ring
    that sends a public letter word for word holds most of the book's copies, but honest people
    copy it before and after the ring's weeks too (``../shared/domain.md``: rings use the public
    template too); a coach's own wording turns up only in the coach's campaigns.

    >>> group = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    >>> ring_of = np.array([0, 0, -1, -1, -1, 1, 1, -1])
    >>> _circulating(group, ring_of, np.array([100.0, 105, 110, 200, 400, 100, 104, 120]), 30.0, 3).tolist()
    [True, False, False]
    """
    out = np.zeros(groups, dtype=bool)
    in_ring = (ring_of >= 0) & (group >= 0)
    for g in np.unique(group[in_ring]).tolist():
        ring_days = np.sort(days[in_ring & (group == g)])
        outside = days[(ring_of < 0) & (group == g)]
        at = np.clip(np.searchsorted(ring_days, outside), 1, len(ring_days)) - 1
        nearest = np.minimum(np.abs(outside - ring_days[at]),
                             np.abs(outside - ring_days[np.minimum(at + 1, len(ring_days) - 1)]))
        out[g] = int(np.sum(nearest > margin)) >= _CIRCULATING_COPIES
    return out


def _nearest_letters(graph: ClaimGraph, days: np.ndarray, claims: np.ndarray, window: float,
                     threshold: float, block: int = 256) -> dict[int, list[tuple[int, float]]]:
    """For each claim of ``claims`` (positions, with a grouped letter), its ``_NEIGHBOURS`` most
    similar letters of its template group filed within ``window`` days and every other identical
    copy of it, those at least ``threshold`` similar:
    ``{claim: [(other claim, similarity), ...]}``, most similar first. Identical copies are all
    kept because they are equally near: which copies of a public letter counted would otherwise
    be decided by claim order.

    Claims are compared ``block`` at a time against the group's letters of their window in one
    sparse product, so a template copied thousands of times costs blocks, not one product per
    claim."""
    group, row_of = graph.template_group, graph.letter_row
    grouped = np.flatnonzero(group >= 0)
    grouped = grouped[np.lexsort((days[grouped], group[grouped]))]
    group_of_grouped = group[grouped]
    asked = claims[np.lexsort((days[claims], group[claims]))]
    out: dict[int, list[tuple[int, float]]] = {}
    for cut in _blocks(group[asked], block):
        rows = asked[cut]
        members = grouped[np.searchsorted(group_of_grouped, group[rows[0]], side="left"):
                          np.searchsorted(group_of_grouped, group[rows[0]], side="right")]
        member_days = days[members]
        lo = np.searchsorted(member_days, days[rows].min() - window, side="left")
        hi = np.searchsorted(member_days, days[rows].max() + window, side="right")
        others = np.sort(members[lo:hi])
        if not len(others):
            continue
        similarity = graph.letters.block_similarity(row_of[rows], row_of[others])
        usable = (np.abs(days[rows][:, None] - days[others][None, :]) <= window) & (rows[:, None] != others[None, :])
        similarity = np.where(usable, similarity, -np.inf)
        order = np.argsort(-similarity, axis=1, kind="stable")
        for r, pos in enumerate(rows.tolist()):
            if not usable[r].any():
                continue
            ranked = similarity[r, order[r]]
            tied = np.flatnonzero((ranked >= threshold) & ((np.arange(len(ranked)) < _NEIGHBOURS)
                                                            | (ranked >= 1.0 - _TIED)))
            out[pos] = [(int(others[i]), float(similarity[r, i])) for i in order[r, tied]]
    return out


def _blocks(groups: np.ndarray, size: int) -> list[slice]:
    """Slices of at most ``size`` consecutive items of one group each (``groups`` sorted)."""
    out: list[slice] = []
    cuts = np.flatnonzero(np.diff(groups)) + 1
    for lo, hi in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(groups)].tolist(), strict=True):
        out.extend(slice(s, min(s + size, hi)) for s in range(lo, hi, size))
    return out


def _agent_ties(book: Book, graph: ClaimGraph, ring_of: np.ndarray,
                eligible: np.ndarray) -> list[tuple[int, int, dict[str, Any]]]:
    """(claim, ring, data) for eligible claims in the burst of a resigned agent's former
    customers that holds at least two of the ring's claims."""
    burst = graph.agent_bursts.label
    agent = book.claims["agent_id"].to_numpy()
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for pos in np.flatnonzero((burst >= 0) & (ring_of >= 0)).tolist():
        counts[(int(burst[pos]), int(ring_of[pos]))] += 1
    rings_of_burst: dict[int, list[int]] = defaultdict(list)
    for (b, r), k in counts.items():
        if k >= 2:
            rings_of_burst[b].append(r)
    return [(pos, r, {"agent_id": str(agent[pos])})
            for pos in np.flatnonzero((burst >= 0) & (ring_of < 0) & eligible).tolist()
            for r in rings_of_burst.get(int(burst[pos]), [])]
