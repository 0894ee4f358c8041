"""The weighted claim graph: which claims are linked, and how strongly.

Three kinds of link, summed per claim pair:

* **shared identifiers** — weight = the identifier's suspicion (see
  :mod:`detectors.identifiers`: shared by unrelated households *and* used the way rings use
  theirs); never between claims of one household;
* **complaint templates** — letters of one template group (see :mod:`detectors.templates`)
  that crowd into a burst far beyond the template's usual rate in this book (see
  :mod:`detectors.bursts`: a publicly circulating letter arrives all year), filed within
  ``template_window_days`` of each other, themselves at least ``template_threshold`` similar
  and each among the other's three closest (a ring edits the public letter its own way, so its
  letters are closest to each other; an honest copy is closest to other copies), weighted by the
  share of the template's letters the burst holds (wording most of the book never uses is the
  ring's own);
* **ex-agents** — former customers of a resigned agent surrendering in a burst after the agent
  left (beyond that orphaned book's own rate), weighted by how complaint-driven both claims are.

>>> pairs, groups = group_pairs(np.array([0, 0, 0, 1]), np.array([0, 1, 2, 3]), np.array([0, 1, 1, 2]))
>>> sorted(map(tuple, pairs.tolist())), groups.tolist()
([(0, 1), (0, 2)], [0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors.book import Book
from detectors.bursts import burst_labels
from detectors.params import DetectionParams
from detectors.templates import pair_jaccard

__all__ = [
    "TEMPLATE_WEIGHT",
    "ClaimGraph",
    "book_period",
    "build_claim_graph",
    "claim_propensity",
    "ex_agent_bursts",
    "group_pairs",
    "mutual_nearest",
]

TEMPLATE_WEIGHT = 0.6
"""Two mutually closest letters of a burst holding all its template's letters; less when the
burst is a crowd of a public letter (see :func:`build_claim_graph`)."""
EX_AGENT_WEIGHT = 0.5
"""Weight between two fully complaint-driven full-refund claims of one resigned agent's book."""
MAX_PAIR_WEIGHT = 3.0
_TEMPLATE_NEIGHBOURS = 3
_CLIQUE_LIMIT = 120
_CHAIN_NEIGHBOURS = 8


@dataclass
class ClaimGraph:
    """Claims (by position in ``book.claims``) and weighted undirected links ``u < v``."""

    n: int
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    template_group: np.ndarray
    """Template group of each claim's complaint letter (``-1`` when none)."""
    template_burst: np.ndarray
    """Template burst (see :mod:`detectors.bursts`) of each claim's letter (``-1`` when none)."""
    agent_burst: np.ndarray
    """Burst of a resigned agent's former customers each claim belongs to (``-1`` when none)."""
    template_letters: np.ndarray
    """Letters of the whole book per template group (indexed by group id)."""


def mutual_nearest(pairs: np.ndarray, similarity: np.ndarray, k: int) -> np.ndarray:
    """Which pairs ``(i, j)`` are each among the other's ``k`` most similar partners (ties
    kept), as a boolean mask over ``pairs``.

    >>> pairs = np.array([[0, 1], [0, 2], [1, 2], [2, 3]])
    >>> mutual_nearest(pairs, np.array([0.9, 0.5, 0.6, 0.8]), k=1).tolist()
    [True, False, False, True]
    """
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]])
    sims = np.concatenate([similarity, similarity])
    order = np.lexsort((-sims, ends))
    ends_sorted, sims_sorted = ends[order], sims[order]
    starts = np.searchsorted(ends_sorted, ends_sorted, side="left")
    rank = np.arange(len(ends_sorted)) - starts
    # the k-th best similarity of every letter (its worst kept partner)
    kth = pd.Series(sims_sorted[rank < k]).groupby(ends_sorted[rank < k]).min()
    floor_a = kth.reindex(pairs[:, 0]).to_numpy()
    floor_b = kth.reindex(pairs[:, 1]).to_numpy()
    return (similarity >= floor_a) & (similarity >= floor_b)


def book_period(book: Book) -> float:
    """Days from the book's first to its last request or letter (at least one)."""
    days = np.concatenate([book.claims["day"].to_numpy(float), book.complaints["day"].to_numpy(float)])
    days = days[~np.isnan(days)]
    return float(max(days.max() - days.min(), 1.0)) if len(days) else 1.0


def ex_agent_bursts(book: Book, alpha: float) -> np.ndarray:
    """Per claim, the burst (see :mod:`detectors.bursts`) of its resigned agent's former
    customers' requests after the agent left, or ``-1``.

    An orphaned book surrenders a little faster than others all the time; only requests crowding
    far beyond that book's own rate since the agent left count as a burst.
    """
    claims = book.claims
    agents = book.agents
    out = np.full(len(claims), -1, dtype=np.int64)
    if agents.empty:
        return out
    days = claims["day"].to_numpy(float)
    leave = agents["leave_day"].reindex(claims["agent_id"]).to_numpy(float)
    status = agents["status"].reindex(claims["agent_id"]).fillna("").to_numpy()
    gone = (status != "active") & (status != "") & ~np.isnan(leave) & (days > np.nan_to_num(leave))
    members = np.flatnonzero(gone)
    if not len(members):
        return out
    last = np.nanmax(days)
    period = np.maximum(last - leave[members], 1.0)
    codes, _ = pd.factorize(claims["agent_id"].to_numpy()[members])
    out[members] = burst_labels(days[members], codes, period, alpha)
    return out


def claim_propensity(book: Book) -> np.ndarray:
    """How complaint-driven each claim looks, in [0, 1]: half for a full-refund demand, half
    for a complaint-type reason."""
    claims = book.claims
    return 0.5 * claims["full_refund"].to_numpy(float) + 0.5 * claims["complaint_reason"].to_numpy(float)


def group_pairs(groups: np.ndarray, members: np.ndarray, households: np.ndarray,
                days: np.ndarray | None = None, window: float | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a, b)``, ``a < b``, of members sharing a group but not a household, and the
    group each pair came from.

    Groups of up to 120 members give every pair; larger ones link each member to its 8
    nearest successors in time (or in input order), so cost stays linear. With ``window``,
    pairs further apart than ``window`` days are dropped.
    """
    if len(members) == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    order_key = days if days is not None else np.zeros(len(members))
    order = np.lexsort((members, order_key, groups))
    g, m, h = groups[order], members[order], households[order]
    d = order_key[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)]
    out: list[np.ndarray] = []
    out_groups: list[np.ndarray] = []
    for s, e in zip(starts, ends, strict=True):
        size = e - s
        if size < 2:
            continue
        if size <= _CLIQUE_LIMIT:
            i, j = np.triu_indices(size, k=1)
        else:
            i = np.repeat(np.arange(size), _CHAIN_NEIGHBOURS)
            j = i + np.tile(np.arange(1, _CHAIN_NEIGHBOURS + 1), size)
            keep = j < size
            i, j = i[keep], j[keep]
        i, j = i + s, j + s
        keep = h[i] != h[j]
        if window is not None:
            keep &= np.abs(d[i] - d[j]) <= window
        a, b = m[i[keep]], m[j[keep]]
        out.append(np.column_stack([np.minimum(a, b), np.maximum(a, b)]))
        out_groups.append(np.full(len(a), g[s]))
    if not out:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs, pair_groups = np.concatenate(out), np.concatenate(out_groups)
    keep = pairs[:, 0] != pairs[:, 1]
    return pairs[keep], pair_groups[keep]


def build_claim_graph(book: Book, identifiers: pd.DataFrame, template_group: np.ndarray,
                      params: DetectionParams) -> ClaimGraph:
    """Sum every link between claims into one weighted edge per pair."""
    claims = book.claims
    n = len(claims)
    position = pd.Series(np.arange(n), index=claims.index)
    households = book.customers["household"].reindex(claims["customer_id"]).to_numpy()
    days = claims["day"].fillna(0).to_numpy(float)
    parts_pairs: list[np.ndarray] = []
    parts_weights: list[np.ndarray] = []

    # shared identifiers
    uses = book.uses
    if not uses.empty and not identifiers.empty:
        susp = identifiers["suspicion"]
        weight = susp.reindex(pd.MultiIndex.from_arrays([uses["label"], uses["key"]])).to_numpy()
        live = uses.assign(weight=weight)[weight > 0].drop_duplicates(["claim_id", "label", "key"])
        codes, _ = pd.factorize(live["label"] + "\x1f" + live["key"])
        members = position[live["claim_id"]].to_numpy()
        pairs, pair_codes = group_pairs(codes, members, households[members])
        group_weight = pd.Series(live["weight"].to_numpy()).groupby(codes).first()
        parts_pairs.append(pairs)
        parts_weights.append(group_weight.reindex(pair_codes).to_numpy())

    # complaint templates: only letters of one template that crowd into a burst far beyond the
    # template's usual rate in this book link (a publicly circulating letter arrives all year)
    tg = np.full(n, -1, dtype=np.int64)
    tb = np.full(n, -1, dtype=np.int64)
    complaints = book.complaints
    if len(complaints) and len(template_group):
        grouped = complaints.assign(group=template_group)
        grouped = grouped[(grouped["group"] >= 0) & grouped["claim_id"].notna()]
        members = position[grouped["claim_id"]].to_numpy()
        tg[members] = grouped["group"].to_numpy()
        bursts = burst_labels(grouped["day"].to_numpy(float), grouped["group"].to_numpy(),
                              book_period(book), params.burst_alpha)
        in_burst = bursts >= 0
        tb[members[in_burst]] = bursts[in_burst]
        letter_pairs, _ = group_pairs(bursts[in_burst], np.flatnonzero(in_burst),
                                      households[members[in_burst]], days[members[in_burst]],
                                      params.template_window_days)
        # a group is a chain of similar letters; only letters that are themselves similar, and
        # each among the other's closest, link: a ring edits the public letter its own way, so
        # its letters are closest to each other, while an honest copy is closest to other copies
        similarity = pair_jaccard(grouped["text"].tolist(), letter_pairs)
        keep = (similarity >= params.template_threshold) & mutual_nearest(letter_pairs, similarity,
                                                                          _TEMPLATE_NEIGHBOURS)
        a, b = members[letter_pairs[keep, 0]], members[letter_pairs[keep, 1]]
        # wording most of the book never uses is the ring's own; a burst that is a fraction of a
        # template's letters all year is a crowd of a public letter
        letters_in_group = np.bincount(template_group[template_group >= 0])
        burst_size = np.bincount(bursts[in_burst])
        first = letter_pairs[keep, 0]
        share = burst_size[bursts[first]] / letters_in_group[grouped["group"].to_numpy()[first]]
        letters = pd.DataFrame({"u": np.minimum(a, b), "v": np.maximum(a, b), "w": TEMPLATE_WEIGHT * np.minimum(share, 1.0)})
        letters = letters[letters["u"] != letters["v"]].drop_duplicates(["u", "v"])
        parts_pairs.append(letters[["u", "v"]].to_numpy())
        parts_weights.append(letters["w"].to_numpy())

    # former customers of resigned agents surrendering in a burst after the agent left
    agent_burst = ex_agent_bursts(book, params.burst_alpha)
    propensity = claim_propensity(book)
    members = np.flatnonzero((agent_burst >= 0) & (propensity > 0))
    if len(members):
        pairs, _ = group_pairs(agent_burst[members], members, households[members])
        parts_pairs.append(pairs)
        parts_weights.append(EX_AGENT_WEIGHT * propensity[pairs[:, 0]] * propensity[pairs[:, 1]])

    if parts_pairs:
        pairs = np.concatenate(parts_pairs)
        weights = np.concatenate(parts_weights)
    else:
        pairs, weights = np.empty((0, 2), dtype=np.int64), np.empty(0)
    if len(pairs):
        frame = pd.DataFrame({"u": pairs[:, 0], "v": pairs[:, 1], "w": weights})
        summed = frame.groupby(["u", "v"], sort=True)["w"].sum().clip(upper=MAX_PAIR_WEIGHT)
        u = summed.index.get_level_values(0).to_numpy()
        v = summed.index.get_level_values(1).to_numpy()
        w = summed.to_numpy()
    else:
        u = v = np.empty(0, dtype=np.int64)
        w = np.empty(0)
    sizes = np.bincount(template_group[template_group >= 0]) if len(template_group) else np.zeros(0, dtype=np.int64)
    return ClaimGraph(n=n, u=u, v=v, w=w, template_group=tg, template_burst=tb, agent_burst=agent_burst,
                      template_letters=sizes)

