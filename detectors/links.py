"""The weighted claim graph: which claims are linked, and how strongly.

Three kinds of link, summed per claim pair:

* **shared identifiers** — weight = the identifier's suspicion (see
  :mod:`detectors.identifiers`: shared by unrelated households *and* used the way rings use
  theirs); never between claims of one household, nor through an institution's steady use
  around a burst (:func:`detectors.identifiers.background_uses`);
* **complaint templates** — letters of one template group (see :mod:`detectors.templates`)
  that crowd into a burst far beyond the template's usual rate in this book (see
  :mod:`detectors.bursts`: a publicly circulating letter arrives all year), or letters of one
  version of a template crowding in one branch, filed within ``template_window_days`` of each
  other, of one version, themselves at least ``template_threshold`` similar and each among the
  other's three closest (a ring edits the public letter its own way, so its letters are closest
  to each other; an honest copy is closest to other copies), weighted by the share of the
  template's (or version's) letters the burst holds (wording most of the book never uses is the
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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import binom

from detectors.book import Book, book_period
from detectors.bursts import MIN_BURST_EVENTS, burst_labels
from detectors.identifiers import background_uses
from detectors.local_campaigns import LocalCampaigns, local_campaigns
from detectors.params import DetectionParams
from detectors.reissue import held_apart
from detectors.templates import ShingleMatrix, letter_variants

__all__ = [
    "TEMPLATE_WEIGHT",
    "AgentBursts",
    "ClaimGraph",
    "build_claim_graph",
    "claim_propensity",
    "ex_agent_bursts",
    "group_pairs",
    "household_followers",
    "mutual_nearest",
]

TEMPLATE_WEIGHT = 0.6
"""Two mutually closest letters of a burst holding all its template's letters; less when the
burst is a crowd of a public letter (see :func:`build_claim_graph`)."""
EX_AGENT_WEIGHT = 0.5
"""Weight between two fully complaint-driven full-refund claims of one resigned agent's book."""
MAX_PAIR_WEIGHT = 3.0
SMALL_TIED_GROUP = 5
"""Claims at most in a tied group whose letter links to another such group are kept as bridges
(see :func:`_letters_not_bridging`). Measured over 30 books (the project's generated and
adversarial books and eleven outside books): 5 and 8 gave the same rings on every one."""
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
    agent_bursts: AgentBursts
    """Bursts of resigned agents' former customers (:func:`ex_agent_bursts`)."""
    template_letters: np.ndarray
    """Letters of the whole book per template group (indexed by group id)."""
    letters: ShingleMatrix
    """Shingles of the claims' grouped letters (:class:`detectors.templates.ShingleMatrix`),
    so later steps compare letters without cutting them again."""
    letter_row: np.ndarray
    """Row in ``letters`` of each claim's grouped letter (``-1`` when none)."""
    letter_only: np.ndarray
    """Whether each link (``u[i]``, ``v[i]``) is made of letter links alone (no shared
    identifier, no resigned agent's burst)."""
    claim_letters: np.ndarray
    """How many of each claim's letters belong to its template group (``0`` when none): coached
    members often write twice (to the company and to the regulator), and ``template_letters``
    counts letters, not claims."""
    local: LocalCampaigns
    """Letters of one wording crowding into one branch within a campaign's months
    (:func:`detectors.local_campaigns.local_campaigns`)."""
    bridge: np.ndarray
    """Whether each link holds a letter link between two small tied groups (see
    :func:`_letters_not_bridging`): how a careful ring's handfuls hang together."""


def _letters_not_bridging(n: int, tie_pairs: list[np.ndarray], tie_weights: list[np.ndarray],
                          letters: np.ndarray, min_weight: float, template_group: np.ndarray,
                          book_letters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which letter links to keep, and which of those are bridges between small tied groups.

    Kept: those inside one group of claims tied by identifiers or a resigned agent's burst, or
    reaching a claim no such tie holds (a stealth member). A letter link between two different
    tied groups is dropped: many rings adapt one public letter alike, and wording alone must not
    join two rings (``../shared/domain.md``: a template is evidence of a ring only together with
    shared contacts, money, representatives, addresses or a burst from one agent's book), with
    two exceptions:

    - the two groups hold at least half of all the book's letters of that template: then the
      wording is theirs, not a public letter, and a ring that uses its tricks by sub-group (an
      account for some members, a phone for others) is one ring;
    - both groups are small, :data:`SMALL_TIED_GROUP` claims or fewer (a *bridge*): a careful
      ring ties each member once, so each of its rotating phones, straw cards and
      representatives holds a handful of members, and what joins those handfuls is the version
      of the letter its coach hands to all (``../shared/domain.md``). A group larger than that
      is a ring on its own, and wording must not join it to another.

    ``template_group`` is each claim's template group (``-1`` without a letter),
    ``book_letters`` the book's letters per template group. Returns two boolean arrays over
    ``letters``: kept, and kept only as a bridge."""
    if not len(letters):
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    pairs = np.concatenate(tie_pairs) if tie_pairs else np.empty((0, 2), dtype=np.int64)
    weights = np.concatenate(tie_weights) if tie_weights else np.empty(0)
    strong = pairs[weights >= min_weight]
    matrix = coo_matrix((np.ones(len(strong), dtype=np.int8), (strong[:, 0], strong[:, 1])), shape=(n, n))
    _, label = connected_components(matrix, directed=False)
    size = np.bincount(label, minlength=n)
    a, b = letters[:, 0], letters[:, 1]
    keep = (label[a] == label[b]) | (size[label[a]] == 1) | (size[label[b]] == 1)
    lettered = template_group >= 0
    held = pd.Series(1, index=pd.MultiIndex.from_arrays([label[lettered], template_group[lettered]])) \
        .groupby(level=[0, 1]).size()
    group = template_group[a]
    together = (held.reindex(pd.MultiIndex.from_arrays([label[a], group])).fillna(0).to_numpy()
                + held.reindex(pd.MultiIndex.from_arrays([label[b], group])).fillna(0).to_numpy())
    keep |= (group >= 0) & (together >= 0.5 * book_letters[np.maximum(group, 0)])
    bridge = ~keep & (size[label[a]] <= SMALL_TIED_GROUP) & (size[label[b]] <= SMALL_TIED_GROUP)
    return keep | bridge, bridge


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


@dataclass(frozen=True)
class AgentBursts:
    """Bursts of resigned agents' former customers (see :func:`ex_agent_bursts`)."""

    label: np.ndarray
    """Per claim, its burst id, or ``-1``."""
    beyond_chance: np.ndarray
    """Per claim, whether its requests crowd beyond the book's own rate since the agent left
    even when the test is corrected for the number of books tested (Bonferroni: ``alpha /
    books``). Against what orphaned books of its size file (``label``), honest complainers of
    an agent who really mis-sold crowd too, so that crowding links claims but ties no ring."""
    books: int
    """Resigned agents' books tested: those with at least three requests since the agent left."""


def ex_agent_bursts(book: Book, alpha: float) -> AgentBursts:
    """Per claim, the burst (see :mod:`detectors.bursts`) of its resigned agent's former
    customers' requests after the agent left.

    An orphaned book surrenders a little faster than others all the time; only requests crowding
    far beyond the usual rate of that book (:func:`_orphan_rate`: the lower of its own rate since
    the agent left and what orphaned books of its size file in this book) count as a burst.
    Each book is tested at ``alpha``, which links a burst's claims. A burst counts as a tie
    between its members only when the requests crowd beyond the book's own rate since the agent
    left even at ``alpha`` divided by the number of books tested (``beyond_chance``): with
    hundreds of resigned agents some book crowds that much by chance, and the customers of an
    agent who really mis-sold complain together honestly (``../shared/domain.md``). A household
    is one event, at its first request (its other requests take that event's burst): a relative
    filing for five members of one family in a week is one decision, not five (a tester's
    families were alerted as bursts of their own members).
    """
    claims = book.claims
    agents = book.agents
    out = np.full(len(claims), -1, dtype=np.int64)
    beyond = np.zeros(len(claims), dtype=bool)
    if agents.empty:
        return AgentBursts(out, beyond, 0)
    days = claims["day"].to_numpy(float)
    leave = agents["leave_day"].reindex(claims["agent_id"]).to_numpy(float)
    members = _orphaned(book)
    if not len(members):
        return AgentBursts(out, beyond, 0)
    first, last = float(np.nanmin(days)), float(np.nanmax(days))
    # a book orphaned before the export began was watched from the export's first day only
    period = np.maximum(last - np.maximum(leave[members], first), 1.0)
    codes, _ = pd.factorize(claims["agent_id"].to_numpy()[members])
    lead = _household_leads(book, members, codes)
    leads = lead == np.arange(len(members))
    events = np.where(leads, days[members], np.nan)
    rate = np.full(len(members), np.nan)
    rate[leads] = _orphan_rate(agents, claims["agent_id"].to_numpy()[members][leads], period[leads], first, last)
    out[members] = burst_labels(events, codes, period, alpha, rate=rate)[lead]
    books = int((np.bincount(codes[leads]) >= MIN_BURST_EVENTS).sum())
    beyond[members] = (burst_labels(events, codes, period, alpha / max(books, 1)) >= 0)[lead]
    return AgentBursts(out, beyond, books)


def _orphaned(book: Book) -> np.ndarray:
    """Positions of the claims of agents who are not active, filed after the agent left."""
    claims, agents = book.claims, book.agents
    if agents.empty:
        return np.empty(0, dtype=np.int64)
    days = claims["day"].to_numpy(float)
    leave = agents["leave_day"].reindex(claims["agent_id"]).to_numpy(float)
    status = agents["status"].reindex(claims["agent_id"]).fillna("").to_numpy()
    return np.flatnonzero((status != "active") & (status != "") & ~np.isnan(leave) & (days > np.nan_to_num(leave)))


def _household_leads(book: Book, members: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """For each of ``members`` (claim positions, with their ``agents`` as codes), the index in
    ``members`` of the first request (by day) of its household to the same agent."""
    households = book.customers["household"].reindex(book.claims["customer_id"].to_numpy()[members]).to_numpy()
    decision = pd.factorize(pd.MultiIndex.from_arrays([agents, households]))[0]
    by_day = np.argsort(book.claims["day"].to_numpy(float)[members], kind="stable")
    lead = np.empty(len(members), dtype=np.int64)
    lead[by_day] = pd.Series(by_day).groupby(decision[by_day]).transform("first").to_numpy()
    return lead


def household_followers(book: Book) -> frozenset[str]:
    """Claim ids of resigned agents' former customers, filed after the agent left, whose household
    filed earlier in that agent's book: what :func:`ex_agent_bursts` counts as one event with the
    household's first request, and real-time scoring must count so too
    (:func:`detectors.rules.agent_books`)."""
    members = _orphaned(book)
    if not len(members):
        return frozenset()
    lead = _household_leads(book, members, pd.factorize(book.claims["agent_id"].to_numpy()[members])[0])
    return frozenset(book.claims.index[members[lead != np.arange(len(members))]].astype(str))


def _orphan_rate(agents: pd.DataFrame, agent_ids: np.ndarray, period: np.ndarray, first: float,
                 last: float) -> np.ndarray:
    """The usual rate (requests per day) of each orphaned request's book: the lower of the
    book's own rate since the agent left and what orphaned books surrender per policy per day
    in this book (all requests of resigned agents' former customers after the agent left, over
    the policy-days those books were orphaned within the book's period) times the policies the
    agent sold. A ring recruited from one book can be every request it files after the agent
    left; measured against that book's own rate alone, the crowding is no burst."""
    counts = pd.Series(agent_ids).value_counts()
    own = counts.reindex(agent_ids).to_numpy(float) / period
    policies = agents["policies"].astype(float) if "policies" in agents else pd.Series(0.0, index=agents.index)
    orphaned = agents.index[(agents["status"] != "active") & (agents["status"] != "") & agents["leave_day"].notna()
                            & (agents["leave_day"] < last)]
    exposure = float((policies.reindex(orphaned) * (last - agents["leave_day"].reindex(orphaned).clip(lower=first))).sum())
    if exposure <= 0:
        return own
    expected = policies.reindex(agent_ids).to_numpy(float) * (len(agent_ids) / exposure)
    return np.where(expected > 0, np.minimum(own, expected), own)


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


def _letter_links(grouped: pd.DataFrame, members: np.ndarray, book_letters: np.ndarray,
                  households: np.ndarray, days: np.ndarray, branches: np.ndarray, period: float,
                  params: DetectionParams, letters: ShingleMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Letter links: pairs of claims and their weights.

    ``grouped`` holds the letters of a template group that belong to a claim (columns
    ``group``, ``day``, ``text``), ``members`` each letter's claim position, ``book_letters``
    the letters of the whole book per template group, ``branches`` each claim's branch code,
    ``letters`` the shingles of ``grouped``'s letters, a row each.

    A burst is a crowd of one template's letters, or of one version of it in one branch
    (:func:`detectors.templates.letter_variants`, :func:`_one_branch`): a ring edits the public
    letter its own way and surrenders its members in a few weeks in one region, while honest
    copies of a version arrive from all over the region (``../shared/domain.md``). Within a burst
    only letters that are themselves similar and each among the other's closest link: a ring's
    letters are closest to each other, an honest copy is closest to other copies. A link weighs
    :data:`TEMPLATE_WEIGHT` times the share of its template's (or version's) letters the burst
    holds: wording most of the book never uses is the ring's own, and a burst that is a
    fraction of a template's letters all year is a crowd of a public letter.
    """
    group = grouped["group"].to_numpy()
    letter_days = grouped["day"].to_numpy(float)
    variant = letter_variants(letters, group, letter_days, params.template_threshold,
                              params.template_window_days, _TEMPLATE_NEIGHBOURS)
    letter_branch = branches[members]
    pairs_out: list[np.ndarray] = []
    weights_out: list[np.ndarray] = []
    for kind, letters_of in ((group, book_letters), (variant, np.bincount(variant[variant >= 0]))):
        bursts = np.full(len(kind), -1, dtype=np.int64)
        known = kind >= 0
        bursts[known] = burst_labels(letter_days[known], kind[known], period, params.burst_alpha)
        if kind is variant:
            bursts = _one_branch(bursts, group, letter_branch, params.burst_alpha)
        in_burst = np.flatnonzero(bursts >= 0)
        if not len(in_burst):
            continue
        pairs, _ = group_pairs(bursts[in_burst], in_burst, households[members[in_burst]],
                               days[members[in_burst]], params.template_window_days)
        similarity = letters.pair_similarity(pairs)
        pairs = pairs[(similarity >= params.template_threshold)
                      & mutual_nearest(pairs, similarity, _TEMPLATE_NEIGHBOURS)
                      & (variant[pairs[:, 0]] == variant[pairs[:, 1]])]
        share = np.bincount(bursts[in_burst])[bursts[pairs[:, 0]]] / letters_of[kind[pairs[:, 0]]]
        pairs_out.append(members[pairs])
        weights_out.append(TEMPLATE_WEIGHT * np.minimum(share, 1.0))
    if not pairs_out:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    both = np.concatenate(pairs_out)
    links = pd.DataFrame({"u": both.min(axis=1), "v": both.max(axis=1), "w": np.concatenate(weights_out)})
    links = links[links["u"] != links["v"]].groupby(["u", "v"], sort=True)["w"].max().reset_index()
    return links[["u", "v"]].to_numpy(), links["w"].to_numpy()


def _one_branch(bursts: np.ndarray, group: np.ndarray, branch: np.ndarray, alpha: float) -> np.ndarray:
    """``bursts`` with only the bursts whose letters crowd into one branch beyond chance kept
    (the others ``-1``).

    For a burst of ``n`` letters of a template group, ``k`` of them from its most common branch
    ``b``: the chance of at least ``k`` of ``n`` letters drawn from the group's letters coming
    from ``b`` (binomial, ``b``'s share of the group), times the number of branches the group's
    letters come from, must stay below ``alpha``. Letters without a branch never crowd.

    Four letters from one branch of seventeen (each of the others gives one letter) are a
    crowd; four letters from four branches are not:

    >>> bursts = np.array([0] * 4 + [1] * 4 + [-1] * 12)
    >>> kept = _one_branch(bursts, np.zeros(20, dtype=int), np.array(list("aaaabcdefghijklmnopq"), dtype=object), 0.05)
    >>> kept[:8].tolist()
    [0, 0, 0, 0, -1, -1, -1, -1]
    """
    frame = pd.DataFrame({"burst": bursts, "group": group, "branch": branch})
    frame = frame[frame["branch"].notna() & (frame["branch"] != "")]
    share = frame.groupby("group")["branch"].value_counts(normalize=True)
    branches_in_group = frame.groupby("group")["branch"].nunique()
    top = (frame[frame["burst"] >= 0].groupby(["burst", "group", "branch"]).size().rename("k")
           .reset_index().sort_values(["burst", "k", "branch"], ascending=[True, False, True])
           .drop_duplicates("burst"))
    if top.empty:
        return np.full(len(bursts), -1, dtype=np.int64)
    n = np.bincount(bursts[bursts >= 0])[top["burst"].to_numpy()]
    p = share.reindex(pd.MultiIndex.from_frame(top[["group", "branch"]])).to_numpy()
    chance = binom.sf(top["k"].to_numpy() - 1, n, p) * branches_in_group.reindex(top["group"]).to_numpy()
    return np.where(np.isin(bursts, top["burst"].to_numpy()[chance < alpha]), bursts, -1)


def _one_holder(pairs: np.ndarray, pair_codes: np.ndarray, codes: np.ndarray, taken: np.ndarray,
                days: np.ndarray, driven: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (claims ``pairs``, sharing identifier ``pair_codes``) whose shared number one
    holder had: where someone took the number between the two requests, it changed hands
    (:func:`detectors.reissue.held_apart`). ``codes`` and ``taken`` describe each use
    (identifier code, day its customer took it); ``days`` and ``driven`` (complaint-driven)
    each claim."""
    dated = np.isfinite(taken)
    if not dated.any() or not len(pairs):
        return pairs, pair_codes
    asked = np.isin(pair_codes, np.unique(codes[dated]))
    if not asked.any():
        return pairs, pair_codes
    a, b = pairs[asked, 0], pairs[asked, 1]
    keep = np.ones(len(pairs), dtype=bool)
    keep[np.flatnonzero(asked)] = ~held_apart(pair_codes[asked], days[a], driven[a], days[b], driven[b],
                                              codes[dated], taken[dated])
    return pairs[keep], pair_codes[keep]


def build_claim_graph(book: Book, identifiers: pd.DataFrame, template_group: np.ndarray,
                      params: DetectionParams, driven: np.ndarray | None = None) -> ClaimGraph:
    """Sum every link between claims into one weighted edge per pair. ``driven`` says which
    claims are complaint-driven (:func:`detectors.behaviour.claim_traits`; by default none)."""
    claims = book.claims
    n = len(claims)
    position = pd.Series(np.arange(n), index=claims.index)
    households = book.customers["household"].reindex(claims["customer_id"]).to_numpy()
    days = claims["day"].fillna(0).to_numpy(float)
    driven = np.zeros(n, dtype=bool) if driven is None else np.asarray(driven, dtype=bool)
    parts_pairs: list[np.ndarray] = []
    parts_weights: list[np.ndarray] = []

    # shared identifiers
    uses = book.uses
    if not uses.empty and not identifiers.empty:
        susp = identifiers["suspicion"]
        weight = susp.reindex(pd.MultiIndex.from_arrays([uses["label"], uses["key"]])).to_numpy(copy=True)
        weight[background_uses(uses, identifiers)] = 0.0
        live = uses.assign(weight=weight)[weight > 0].drop_duplicates(["claim_id", "label", "key"])
        codes, _ = pd.factorize(live["label"] + "\x1f" + live["key"])
        members = position[live["claim_id"]].to_numpy()
        pairs, pair_codes = group_pairs(codes, members, households[members])
        pairs, pair_codes = _one_holder(pairs, pair_codes, codes, live["taken_day"].to_numpy(float), days, driven)
        group_weight = pd.Series(live["weight"].to_numpy()).groupby(codes).first()
        parts_pairs.append(pairs)
        parts_weights.append(group_weight.reindex(pair_codes).to_numpy())

    # complaint templates: only letters of one template, or of one version of it, that crowd
    # into a burst far beyond their usual rate in this book link (a publicly circulating letter
    # arrives all year)
    tg = np.full(n, -1, dtype=np.int64)
    letter_row = np.full(n, -1, dtype=np.int64)
    claim_letters = np.zeros(n, dtype=np.int64)
    letter_links = (np.empty((0, 2), dtype=np.int64), np.empty(0))
    letters = ShingleMatrix([])
    local = LocalCampaigns.none(n)
    complaints = book.complaints
    if len(complaints) and len(template_group):
        grouped = complaints.assign(group=template_group)
        grouped = grouped[(grouped["group"] >= 0) & grouped["claim_id"].notna()]
        members = position[grouped["claim_id"]].to_numpy()
        tg[members] = grouped["group"].to_numpy()
        letter_row[members] = np.arange(len(members))
        np.add.at(claim_letters, members, grouped["group"].to_numpy() == tg[members])
        letters = ShingleMatrix(grouped["text"].fillna("").astype(str).tolist())
        branches = book.agents["branch"].reindex(claims["agent_id"]).to_numpy() \
            if "branch" in book.agents else np.full(n, None, dtype=object)
        letter_links = _letter_links(
            grouped, members, np.bincount(template_group[template_group >= 0]), households, days,
            branches, book_period(book), params, letters)
        wrote = np.zeros(n, dtype=bool)
        wrote[position.reindex(complaints["claim_id"].dropna()).dropna().to_numpy(np.int64)] = True
        local = local_campaigns(tg, claims["day"].to_numpy(float), branches, wrote, households, params.burst_alpha)

    # former customers of resigned agents surrendering in a burst after the agent left
    agent_bursts = ex_agent_bursts(book, params.burst_alpha)
    agent_burst = agent_bursts.label
    propensity = claim_propensity(book)
    members = np.flatnonzero((agent_burst >= 0) & (propensity > 0))
    if len(members):
        pairs, _ = group_pairs(agent_burst[members], members, households[members])
        parts_pairs.append(pairs)
        parts_weights.append(EX_AGENT_WEIGHT * propensity[pairs[:, 0]] * propensity[pairs[:, 1]])

    tied = np.concatenate(parts_pairs) if parts_pairs else np.empty((0, 2), dtype=np.int64)
    keep, bridging = _letters_not_bridging(n, parts_pairs, parts_weights, letter_links[0], params.min_edge_weight,
                                           tg, np.bincount(template_group[template_group >= 0], minlength=1))
    bridges = letter_links[0][bridging]
    parts_pairs.append(letter_links[0][keep])
    parts_weights.append(letter_links[1][keep])
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
        code = u.astype(np.int64) * n + v
        letter_only = ~np.isin(code, tied[:, 0].astype(np.int64) * n + tied[:, 1])
        bridge = np.isin(code, bridges.min(axis=1).astype(np.int64) * n + bridges.max(axis=1))
    else:
        u = v = np.empty(0, dtype=np.int64)
        w = np.empty(0)
        letter_only = bridge = np.zeros(0, dtype=bool)
    sizes = np.bincount(template_group[template_group >= 0]) if len(template_group) else np.zeros(0, dtype=np.int64)
    return ClaimGraph(n=n, u=u, v=v, w=w, template_group=tg, agent_bursts=agent_bursts,
                      template_letters=sizes, letters=letters, letter_row=letter_row,
                      claim_letters=claim_letters, letter_only=letter_only, local=local, bridge=bridge)

