"""The weighted claim graph: which claims are linked, and how strongly.

Three kinds of link, summed per claim pair:

* **shared identifiers** — weight = the identifier's suspicion (see
  :mod:`detectors.identifiers`); never between claims of one household;
* **complaint templates** — letters of one template group (see :mod:`detectors.templates`),
  filed within ``template_window_days`` of each other and themselves at least
  ``template_threshold`` similar (a group is a chain of similar letters, and one chance
  resemblance must not join two rings that use versions of one base letter);
* **ex-agents** — former customers of a resigned agent surrendering after the agent left,
  within the same window, weighted by how complaint-driven both claims are (ordinary
  cash-value surrenders of an orphaned book barely link).

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
    "group_pairs",
]

TEMPLATE_WEIGHT = 0.6
"""Two letters of one template are strong evidence, a little weaker than a shared account."""
EX_AGENT_WEIGHT = 0.5
"""Weight between two fully complaint-driven full-refund claims of one resigned agent's book."""
MAX_PAIR_WEIGHT = 3.0
_TEMPLATE_CROWD = 7
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

    def weighted_degree(self) -> np.ndarray:
        out = np.zeros(self.n)
        np.add.at(out, self.u, self.w)
        np.add.at(out, self.v, self.w)
        return out


def book_period(book: Book) -> float:
    """Days from the book's first to its last request or letter (at least one)."""
    days = np.concatenate([book.claims["day"].to_numpy(float), book.complaints["day"].to_numpy(float)])
    days = days[~np.isnan(days)]
    return float(max(days.max() - days.min(), 1.0)) if len(days) else 1.0


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
        # a group is a chain of similar letters; only letters that are themselves similar link,
        # so one chance resemblance between two rings' letters does not join the rings
        similar = pair_jaccard(grouped["text"].tolist(), letter_pairs) >= params.template_threshold
        a, b = members[letter_pairs[similar, 0]], members[letter_pairs[similar, 1]]
        # a letter like a dozen others in one burst says less about any one of them
        crowd = np.bincount(bursts[in_burst])[bursts[letter_pairs[similar, 0]]]
        weight = TEMPLATE_WEIGHT * np.minimum(1.0, _TEMPLATE_CROWD / np.maximum(crowd - 1, 1))
        letters = pd.DataFrame({"u": np.minimum(a, b), "v": np.maximum(a, b), "w": weight})
        strongest = letters[letters["u"] != letters["v"]].groupby(["u", "v"], sort=True)["w"].max()
        parts_pairs.append(np.column_stack([strongest.index.get_level_values(0),
                                            strongest.index.get_level_values(1)]))
        parts_weights.append(strongest.to_numpy())

    # former customers of resigned agents, after the agent left
    agents = book.agents
    propensity = claim_propensity(book)
    if len(agents):
        leave = agents["leave_day"].reindex(claims["agent_id"]).to_numpy()
        status = agents["status"].reindex(claims["agent_id"]).fillna("").to_numpy()
        gone = (status != "active") & (status != "") & ~np.isnan(leave) & (days > np.nan_to_num(leave))
        gone &= propensity > 0
        members = np.flatnonzero(gone)
        if len(members):
            codes, _ = pd.factorize(claims["agent_id"].to_numpy()[members])
            pairs, _ = group_pairs(codes, members, households[members], days[members],
                                   params.template_window_days)
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
    return ClaimGraph(n=n, u=u, v=v, w=w, template_group=tg, template_burst=tb)

