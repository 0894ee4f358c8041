"""The rule set that judges one claim: the same rules for the batch run and for real-time.

Detection scores every stored claim with :func:`claim_signals`; ``POST /v1/score`` scores an
incoming request with the same function. Only the way the :class:`ClaimView` is assembled
differs (from the book's tables, or from store look-ups around the request), and a test scores
the claims of a book both ways and requires the same reasons.

What a run knows that every claim is judged against (its rings, what it learned about each
identifier, the rings' letters, each resigned agent's book, the watchlist and the trait model
estimated from the book) is one :class:`RunIndex`, built either from a detection in memory or
from the stored run. The stored run also brings investigators' decisions on its rings: a link to
a dismissed ring no longer counts, a link to a confirmed one counts at least as much as a
watchlist hit (a detection in memory has no decisions yet: every case is new).

>>> model = TraitModel(prior=0.1, log_ratios={"complaint_driven": 2.0, "changed_before": 3.0})
>>> round(model.probability(("complaint_driven",)), 4), round(model.probability(()), 4)
(0.4509, 0.1)
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from detectors.book import (
    BLOCK_KINDS,
    NUMBER_BLOCK,
    PAYOUT_ACCOUNT,
    REPRESENTATIVE,
    REPRESENTATIVE_PHONE,
    Book,
    label_of,
    load_agents,
    load_claims,
    load_letters,
    load_watchlist,
    payout_flags,
    stranger_represents,
)
from detectors.claim_view import CLAIM_TRAITS, ClaimView
from detectors.days import day_of, iso_or_none
from detectors.identifiers import STEADY_USE
from detectors.links import household_followers
from detectors.params import DetectionParams
from detectors.reissue import passed_on
from detectors.templates import letter_shingles
from graph.errors import DetectionError
from graph.keys import number_block, person_shown
from graph.model import Label, NodeRef
from graph.results import CaseStatus, Evidence, IdentifierProfile, Level, Ring, level_for
from graph.store import GraphStore

__all__ = [
    "REASON_CODES",
    "AgentBook",
    "RingLetters",
    "RunIndex",
    "Signal",
    "TraitModel",
    "Verdict",
    "agent_books",
    "claim_signals",
    "shingle_set",
    "shown_key",
    "verdict",
]

REASON_CODES: Mapping[str, str] = {
    "claim_in_ring": "the request is already part of a detected ring",
    "customer_in_ring": "the customer's other requests belong to a detected ring",
    "identifier_in_ring": "an identifier on the request belongs to a detected ring",
    "shared_identifier": "an identifier on the request is used by unrelated customers the way rings use theirs",
    "number_passed_on": "a phone on the request was a detected ring's, but the carrier gave it to the customer "
                        "after the ring let it go, or to the ring after this request, and the request is ordinary "
                        "(said, weighs nothing)",
    "watchlist_hit": "an identifier on the request is on the industry watchlist",
    "repeat_representative": "the representative acted on unrelated customers' requests the way rings do",
    "family_representative": "the representative filed a detected ring's request for one customer but is of "
                             "the policyholder's family: read as family filing for family (said, weighs nothing)",
    "agency_payout": "the refund goes to an account held by a company or agency",
    "third_party_payout": "the refund goes to someone outside the policyholder's family",
    "coached_traits": "the request shows the traits this book's rings show (full refund on complaint "
                      "grounds, contact changed just before, third-party payout, representative); "
                      "on their own they weigh less than the alert threshold",
    "contact_changed_before_request": "a contact detail was changed shortly before the request",
    "template_complaint": "the customer's complaint letter matches a ring's letters",
    "resigned_agent_burst": "the policy's agent resigned and the book surrenders in a burst",
}
"""Every reason code :func:`claim_signals` may give, with its meaning."""

_KIND_NAMES = {
    "contact_phone": ("联系电话", "contact phone"),
    "payout_account": ("收款账户", "payout account"),
    "representative": ("委托代办人", "representative"),
    "representative_phone": ("代办人电话", "representative's phone"),
    "changed_to": ("新变更的联系方式", "newly changed contact"),
    "number_block": ("手机号所在号段", "phone number's block"),
    "complaint_phone": ("投诉联系电话", "complaint contact phone"),
    "mailing_address": ("投诉寄件地址", "complaint mailing address"),
}
_TYPE_OF_LABEL = {
    Label.PHONE.value: "phone", Label.BANK_ACCOUNT.value: "bank_account",
    Label.PERSON.value: "representative", Label.ADDRESS.value: "address",
}
_COMPLAINT_KINDS = frozenset({"complaint_phone", "mailing_address"})
_TRAIT_TEXT = {
    "complaint_driven": ("以投诉为由或要求全额退保", "full refund or complaint grounds"),
    "changed_before": ("申请前变更了联系方式", "contact changed just before"),
    "third_party": ("退保款付给第三方", "refund to a third party"),
    "represented": ("由他人代办", "filed by a representative"),
}
_RING_WINDOW_DAYS = 60
_AGENT_WINDOW_DAYS = 45
_AGENT_MIN_CLAIMS = 3
_RING_MIN_FROM_BOOK = 2
"""Members a ring must hold from a resigned agent's book for the book to count as its recruiting
ground (a tester's honest complainers took a ring's weight when it held one)."""
_INSTITUTIONAL_SUSPICION = 0.1
"""A representative or payout account that unrelated customers used while the book measured it
below this suspicion acts the way an institution does (a care home's worker or account,
``../shared/domain.md``): the traits it carries (filed by a representative, paid to a third
party) are the institution's habits, not coaching, and do not count for the claim."""


# ---------------------------------------------------------------------------- the trait model
@dataclass(frozen=True)
class TraitModel:
    """How much each trait of a claim's own record says in this book: naive-Bayes log likelihood
    ratios of the alerted rings' claims against all others (see
    :func:`detectors.expansion.trait_log_ratios`), and ``prior``, the share of claims in alerted
    rings. Stored with the run, so real-time scoring weighs traits as the run did."""

    prior: float
    log_ratios: Mapping[str, float]

    @classmethod
    def estimate(cls, traits: pd.DataFrame, in_ring: np.ndarray) -> TraitModel:
        """Estimate from a book: ``traits`` has one boolean column per :data:`CLAIM_TRAITS`
        trait, ``in_ring`` marks the claims of alerted rings. Each ratio is the trait's rate
        among ring claims against its rate among all others, with add-one smoothing.

        >>> frame = pd.DataFrame({t: [True, True, False, False] for t in CLAIM_TRAITS})
        >>> round(TraitModel.estimate(frame, np.array([True, True, False, False])).log_ratios["changed_before"], 4)
        1.0986
        """
        in_ring = np.asarray(in_ring, dtype=bool)
        n_ring, n_rest = int(in_ring.sum()), int((~in_ring).sum())
        ratios: dict[str, float] = {}
        for trait in CLAIM_TRAITS:
            values = traits[trait].to_numpy(bool)
            p_ring = (values[in_ring].sum() + 1.0) / (n_ring + 2.0)
            p_rest = (values[~in_ring].sum() + 1.0) / (n_rest + 2.0)
            ratios[trait] = float(np.log(p_ring / p_rest))
        prior = n_ring / len(in_ring) if len(in_ring) else 0.0
        return cls(prior=prior, log_ratios=ratios)

    def log_ratio(self, traits: Iterable[str]) -> float:
        """Sum of the (positive) log likelihood ratios of ``traits``."""
        return sum(max(self.log_ratios.get(t, 0.0), 0.0) for t in traits)

    def probability(self, traits: Iterable[str]) -> float:
        """Posterior probability that a claim showing ``traits`` belongs to a ring."""
        prior = min(max(self.prior, 1e-4), 1.0 - 1e-4)
        logit = math.log(prior / (1.0 - prior)) + self.log_ratio(traits)
        return 1.0 / (1.0 + math.exp(-logit))

    def to_dict(self) -> dict[str, Any]:
        return {"prior": round(self.prior, 6), "log_ratios": {k: round(v, 6) for k, v in self.log_ratios.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TraitModel:
        """The model a run stored (no evidence from traits when the run stored none)."""
        if not data:
            return cls(prior=0.0, log_ratios={})
        return cls(prior=float(data.get("prior", 0.0)),
                   log_ratios={str(k): float(v) for k, v in dict(data.get("log_ratios", {})).items()})


# ---------------------------------------------------------------------------- what a run knows
@dataclass
class AgentBook:
    """A resigned agent's former customers' requests after the agent left (days sorted) and how
    many of them each ring holds."""

    status: str
    leave_day: int | None
    branch: str | None
    days: list[int] = field(default_factory=list)
    rings: Counter[str] = field(default_factory=Counter)


def agent_books(agents: pd.DataFrame, claims: pd.DataFrame, ring_of_claim: Mapping[str, str],
                followers: Collection[str] = frozenset()) -> dict[str, AgentBook]:
    """Agent id → :class:`AgentBook`.

    ``agents``: indexed by agent id with ``status`` (lower case), ``leave_day`` (days since
    1970, NaN when unknown) and ``branch``; ``claims``: indexed by claim id with ``agent_id`` and
    ``day``. ``followers`` are claims whose household filed earlier in the same book
    (:func:`detectors.links.household_followers`): a household is one request of the book, as
    the batch run counts it.
    """
    books: dict[str, AgentBook] = {}
    for agent, status, leave, branch in zip(agents.index.tolist(), agents["status"].tolist(),
                                            agents["leave_day"].tolist(), agents["branch"].tolist(), strict=True):
        books[str(agent)] = AgentBook(str(status or ""),
                                      None if leave != leave or leave is None else int(leave),
                                      branch if isinstance(branch, str) else None)
    for claim, agent, day in zip(claims.index.tolist(), claims["agent_id"].tolist(), claims["day"].tolist(),
                                 strict=True):
        book = books.get(str(agent)) if isinstance(agent, str) else None
        if book is None or book.status != "resigned" or day != day:
            continue
        if book.leave_day is not None and day < book.leave_day:
            continue
        if str(claim) not in followers:
            book.days.append(int(day))
        ring = ring_of_claim.get(str(claim))
        if ring is not None:
            book.rings[ring] += 1
    for book in books.values():
        book.days.sort()
    return books


class RingLetters:
    """The complaint letters of the book, those of members of alerted rings labelled with their
    ring, with an inverted index (shingle → letters holding it), so one letter is compared with
    all of them in a single pass over its own shingles.

    A letter matches the ring whose member's letter is closest to it (a ring member's own letter
    included); how much that weighs is for the rule to say, by the similarity and by the ring's
    share of the book's letters this close (:meth:`ring_share`): a coached member's letter is
    close to its ring's version and to few others, while an honest copy of a public letter is
    close to many honest copies (``../shared/domain.md``). The closest letter of all is often
    no alerted ring's even for a member: a member the run left out of its ring (measured on 20
    outside books, requiring the closest letter of all to be the ring's lost 0.008 of ROC AUC
    among abnormal held-out requests on average, up to 0.027 on one). A group the run did not
    alert (honest copies crowding in a wave, say) is no ring a letter can match.

    Each letter is cut into shingles once, when the index is built; a letter of the book asked
    about again (:meth:`letter_match`) reuses its shingles, and a letter with exactly the
    shingles of a ring member's letter is answered without the pass over the inverted index:
    no letter is closer than an identical one (similarity 1). (A ring member's letter is a
    letter of the index; its pass costs most, since ring letters share the most shingles with
    the book.)

    >>> ring = Ring("R1", 0.9, "high", ("C1", "C2"), customer_ids=("U1", "U2"))
    >>> letters = pd.DataFrame({"customer_id": ["U1", "U3"],
    ...                         "text": ["本人要求全额退还保费业务员误导销售", "本人因急需用钱申请退保"]})
    >>> index = RingLetters([ring], letters, 0.5)
    >>> index.letter_match("本人要求全额退还保费业务员误导销售", "U9")
    (1.0, 'R1')
    >>> index.letter_match("业务员误导销售本人要求退保", "U4")
    (0.3684210526315789, 'R1')
    >>> index.letter_match("本人因急需用钱申请退保", "U4")  # an honest letter's copy: no ring's
    (0.0, None)
    """

    def __init__(self, rings: Iterable[Ring], letters: pd.DataFrame, alert_threshold: float) -> None:
        """``letters``: ``customer_id`` and ``text`` of every complaint letter of the book;
        rings scored below ``alert_threshold`` label none."""
        ring_of: dict[str, str] = {}
        alerted = (r for r in rings if r.score >= alert_threshold)
        for ring in sorted(alerted, key=lambda r: r.ring_id):
            for customer in ring.customer_ids:
                ring_of.setdefault(customer, ring.ring_id)
        cut: dict[str, np.ndarray] = {}
        kept: list[tuple[str | None, str, np.ndarray]] = []
        self._row_of_text: dict[str, int] = {}
        for customer, text in zip(letters["customer_id"].tolist(), letters["text"].tolist(), strict=True):
            if not isinstance(text, str) or not text.strip():
                continue
            grams = cut.get(text)
            if grams is None:
                grams = cut[text] = letter_shingles(text)
            if not len(grams):
                continue
            self._row_of_text.setdefault(text, len(kept))
            kept.append((ring_of.get(str(customer)), str(customer), grams))
        self.ring_ids = [rid for rid, _, _ in kept]
        self._ring_number = {rid: k for k, rid in enumerate(sorted({r for r in self.ring_ids if r is not None}))}
        self._of_ring = np.array([-1 if rid is None else self._ring_number[rid] for rid in self.ring_ids],
                                 dtype=np.int64)
        self._is_ring = self._of_ring >= 0
        self._shares: dict[tuple[str, str, float, str | None], tuple[int, int]] = {}
        self._rings = sum(rid is not None for rid in self.ring_ids)
        own: dict[str, list[int]] = {}
        for i, (rid, customer, _) in enumerate(kept):
            if rid is None:
                own.setdefault(customer, []).append(i)
        self._own_honest = {c: np.array(ids, dtype=np.intp) for c, ids in own.items()}
        lengths = np.array([len(grams) for _, _, grams in kept], dtype=np.int64)
        self.sizes = lengths.astype(np.float64)
        self._starts = np.concatenate([[0], np.cumsum(lengths)])
        self._grams = np.concatenate([grams for _, _, grams in kept]) if kept else np.empty(0, dtype=np.uint64)
        self._identical: dict[int, list[int]] = {}
        for i, (_, _, grams) in enumerate(kept):
            self._identical.setdefault(hash(grams.tobytes()), []).append(i)
        # shingle → the rows holding it, ascending (a stable sort of the rows' shingles)
        rows = np.repeat(np.arange(len(kept), dtype=np.intp), lengths)
        order = np.argsort(self._grams, kind="stable")
        distinct, first = np.unique(self._grams[order], return_index=True)
        self._postings = dict(zip(distinct.tolist(), np.split(rows[order], first[1:]), strict=True)) \
            if len(kept) else {}

    def __len__(self) -> int:
        return self._rings

    def best_match(self, grams: frozenset[int], customer: str | None = None) -> tuple[float, str | None]:
        """The highest Jaccard similarity of ``grams`` with a letter of an alerted ring's member,
        and that letter's ring; ``(0.0, None)`` when no such letter shares a shingle."""
        return self._match(np.array(sorted(grams), dtype=np.uint64), customer)

    def letter_match(self, text: str, customer: str | None = None) -> tuple[float, str | None]:
        """:meth:`best_match` of the letter's shingles (:func:`shingle_set`; those of a letter
        of the book as cut when the index was built); ``(0.0, None)`` for a letter without any."""
        return self._match(self._shingles(text), customer)

    def ring_share(self, text: str, ring_id: str, threshold: float,
                   customer: str | None = None) -> tuple[int, int]:
        """How common the letter's wording is: ``(ring's, all)``, the letters of the book at
        least ``threshold`` similar to it (other than the ``customer``'s own honest ones) that
        are ``ring_id``'s members', and all of them. A coached member's letter is close
        to its ring's letters and to few others; an honest copy of a public letter is close to
        many honest copies (``../shared/domain.md``). Answers are kept: a book's letters repeat
        word for word."""
        key = (text, ring_id, threshold, customer if customer in self._own_honest else None)
        known = self._shares.get(key)
        if known is None:
            similarity = self._similarity(self._shingles(text), customer)
            near = np.flatnonzero(similarity >= threshold) if similarity is not None else np.empty(0, np.intp)
            ring = int((self._of_ring[near] == self._ring_number.get(ring_id, -2)).sum())
            known = self._shares[key] = (ring, len(near))
        return known

    def _shingles(self, text: str) -> np.ndarray:
        row = self._row_of_text.get(text)
        return letter_shingles(text) if row is None else self._grams[self._starts[row]:self._starts[row + 1]]

    def _match(self, grams: np.ndarray, customer: str | None) -> tuple[float, str | None]:
        """:meth:`best_match` of sorted unique shingles."""
        if not len(grams) or not self._rings:
            return 0.0, None
        for row in self._identical.get(hash(grams.tobytes()), ()):
            if self._is_ring[row] and np.array_equal(self._grams[self._starts[row]:self._starts[row + 1]], grams):
                return 1.0, self.ring_ids[row]
        similarity = self._similarity(grams, customer)
        if similarity is None:
            return 0.0, None
        similarity = np.where(self._is_ring, similarity, -1.0)
        best = int(np.argmax(similarity))
        return (float(similarity[best]), self.ring_ids[best]) if similarity[best] > 0 else (0.0, None)

    def _similarity(self, grams: np.ndarray, customer: str | None) -> np.ndarray | None:
        """Jaccard similarity of sorted unique shingles with every letter of the index (-1 for
        the ``customer``'s own honest ones); ``None`` when none shares a shingle."""
        hits = [ids for ids in map(self._postings.get, grams.tolist()) if ids is not None]
        if not hits:
            return None
        shared = np.bincount(np.concatenate(hits), minlength=len(self.ring_ids)).astype(np.float64)
        similarity = shared / (self.sizes + len(grams) - shared)
        left_out = self._own_honest.get(customer) if customer is not None else None
        if left_out is not None:
            similarity[left_out] = -1.0
        return similarity


ProfileSource = Callable[[Sequence[NodeRef]], Mapping[NodeRef, IdentifierProfile]]


@dataclass
class RunIndex:
    """What one detection run knows that every claim is judged against."""

    params: DetectionParams
    rings: Mapping[str, Ring]
    model: TraitModel
    watchlist: Mapping[tuple[str, str], str]
    letters: RingLetters
    agents: Mapping[str, AgentBook]
    profiles: ProfileSource
    ring_of_claim: Mapping[str, str] = field(default_factory=dict)
    case_status: Mapping[str, CaseStatus] = field(default_factory=dict)
    """Case statuses of the rings investigators decided on or opened (absent: new)."""
    household_followers: frozenset[str] = frozenset()
    """Claims the agents' books count with their household's first request
    (:func:`detectors.links.household_followers`); kept in the run's summary."""

    def __post_init__(self) -> None:
        if not self.ring_of_claim:
            self.ring_of_claim = {c: r.ring_id for r in self.rings.values() for c in r.claim_ids}

    def alerted(self, ring: Ring) -> bool:
        """Whether the run alerted the ring (its score reaches the alert threshold)."""
        return ring.score >= self.params.alert_threshold

    def status(self, ring_id: str) -> CaseStatus:
        """A ring's case status as the index knows it (``new`` until an investigator acts)."""
        return self.case_status.get(ring_id, CaseStatus.NEW)

    def with_cases_from(self, store: GraphStore) -> RunIndex:
        """This index with its rings' case statuses read again from ``store``."""
        return replace(self, case_status=_case_statuses(store, self.rings))

    @classmethod
    def from_book(cls, book: Book, rings: Sequence[Ring], profiles: Sequence[IdentifierProfile],
                  model: TraitModel, params: DetectionParams) -> RunIndex:
        """The index of a detection that has just run on ``book``."""
        by_ref = {NodeRef(label_of(p.label), p.key): p for p in profiles}
        ring_of_claim = {c: r.ring_id for r in rings for c in r.claim_ids}
        followers = household_followers(book)
        return cls(
            params=params,
            rings={r.ring_id: r for r in rings},
            model=model,
            watchlist=book.watchlist,
            letters=RingLetters(rings, book.complaints, params.alert_threshold),
            agents=agent_books(book.agents, book.claims, ring_of_claim, followers),
            profiles=lambda refs: {r: found for r in refs if (found := by_ref.get(r)) is not None},
            ring_of_claim=ring_of_claim,
            household_followers=followers,
        )

    @classmethod
    def from_store(cls, store: GraphStore) -> RunIndex:
        """The index of the store's current run (an empty one before the first run): what
        every request of that run is scored against. Profiles are looked up per request."""
        run = store.current_run()
        params = DetectionParams(**run.params) if run is not None else DetectionParams()
        rings = store.rings() if run is not None else []
        ring_of_claim = {c: r.ring_id for r in rings for c in r.claim_ids}
        try:
            claims = load_claims(store)
        except DetectionError:
            claims = None
        agents, _ = load_agents(store)
        letters = load_letters(store, claims) if claims is not None else pd.DataFrame({"customer_id": [], "text": []})
        followers = frozenset(run.summary.get("household_followers", ())) if run is not None else frozenset()
        return cls(
            params=params,
            rings={r.ring_id: r for r in rings},
            model=TraitModel.from_dict(run.summary.get("trait_model") if run is not None else None),
            watchlist=load_watchlist(store),
            letters=RingLetters(rings, letters, params.alert_threshold),
            agents=agent_books(agents, claims, ring_of_claim, followers) if claims is not None else {},
            profiles=store.identifier_profiles,
            ring_of_claim=ring_of_claim,
            household_followers=followers,
            case_status=_case_statuses(store, {r.ring_id: r for r in rings}),
        )


def _case_statuses(store: GraphStore, rings: Mapping[str, Ring]) -> dict[str, CaseStatus]:
    cases = store.cases(sorted(rings))
    return {ring_id: case.status for ring_id, case in cases.items()
            if case.status is not CaseStatus.NEW}


# ---------------------------------------------------------------------------- the rules
@dataclass(frozen=True, slots=True)
class Signal:
    """One reason with its weight in [0, 1] and the ring it points to, if any."""

    weight: float
    evidence: Evidence
    ring_id: str | None = None


def claim_signals(view: ClaimView, index: RunIndex) -> list[Signal]:
    """Every reason the rules find for one claim (unordered; see :func:`verdict`)."""
    signals: list[Signal] = []
    ring_id = None if view.foreign_claim_id else index.ring_of_claim.get(view.claim_id)
    # a group the run did not alert (honest copies of a public letter, a family) is no ring: its
    # score is capped below the threshold on purpose, and it lends its members nothing
    if ring_id is not None and ring_id in index.rings and _links_count(index, index.rings[ring_id]):
        ring = index.rings[ring_id]
        zh, en, data = _decision_words(index, ring_id)
        signals.append(Signal(_decided_weight(index, ring_id, ring.score), Evidence(
            "claim_in_ring",
            f"该退保申请已被识别为团伙 {ring_id} 的一部分{zh}",
            f"The request is already part of detected ring {ring_id}{en}",
            {"ring_id": ring_id, "ring_score": round(ring.score, 4), **data}), ring_id))
    signals.extend(_customer_signals(view, index))
    uses = list(view.identifiers)
    uses += [("changed_to", ref) for ref, _ in view.changes]
    for letter in view.letters:
        uses += list(letter.identifiers)
    refs = list(dict.fromkeys(ref for _, ref in uses))
    profiles = index.profiles(refs) if refs else {}
    blocks = _number_blocks(uses, profiles)
    if blocks:
        profiles = {**profiles, **index.profiles(list(dict.fromkeys(ref for _, ref in blocks)))}
        uses += blocks
    taken = dict(view.taken)
    for _, ref in blocks:  # a number's block was taken when the number was
        days = [taken[phone] for k, phone in uses if k in BLOCK_KINDS and phone in taken
                and number_block(phone.key) == ref.key]
        if days:
            taken[ref] = max(days)
    driven = cache(lambda: _driven(view))  # asked only where a number changed hands
    strangers = _acting_for_strangers(view)
    for kind, ref in dict.fromkeys(uses):
        profile = profiles.get(ref)
        reaches = _new_household(view, profile, index)
        newcomer = reaches and kind in strangers
        signals.extend(_identifier_signals(kind, ref, profile, index, taken.get(ref), view.day, driven, newcomer))
        if reaches and kind == REPRESENTATIVE and not newcomer and profile is not None:
            signals.append(_family_representative(ref, profile, view))
    institutional = _institutional_traits(view, profiles)
    if "third_party" not in institutional:
        signals.extend(_payout_signals(view))
    signals.extend(_trait_signals(view, index, institutional))
    signals.extend(_letter_signals(view, index))
    signals.extend(_agent_signals(view, index))
    return signals


def _number_blocks(uses: Sequence[tuple[str, NodeRef]],
                   profiles: Mapping[NodeRef, IdentifierProfile]) -> list[tuple[str, NodeRef]]:
    """The number blocks of the mobile numbers the customer changed to just before the request
    (:func:`detectors.book.with_number_blocks`; an agent's own phone has none)."""
    out = []
    for kind, ref in uses:
        profile = profiles.get(ref)
        if kind not in BLOCK_KINDS or ref.label is not Label.PHONE or (profile and "agent_phone" in profile.notes):
            continue
        block = number_block(ref.key)
        if block is not None:
            out.append((NUMBER_BLOCK, NodeRef(Label.PHONE, block)))
    return out


def _acting_for_strangers(view: ClaimView) -> frozenset[str]:
    """The kinds of the request's identifiers that act for a stranger to the policyholder's
    family: the representative and their phone when the representative is one
    (:func:`detectors.book.stranger_represents`), the payout account when it pays a third party
    (:func:`detectors.book.payout_flags`)."""
    kinds: set[str] = set()
    if stranger_represents(view.representative_name, view.policyholder, view.family):
        kinds.update((REPRESENTATIVE, REPRESENTATIVE_PHONE))
    if payout_flags(view.payout_holder, view.policyholder, view.family)[0]:
        kinds.add(PAYOUT_ACCOUNT)
    return frozenset(kinds)


def _new_household(view: ClaimView, profile: IdentifierProfile | None, index: RunIndex) -> bool:
    """Whether the request takes an identifier of an alerted ring, which the book saw on one
    customer only (a member's), to another customer's request, on or after the ring's first
    request less ``expansion_margin_days``.

    The run measured such an identifier on one household: unshared, it weighed nothing. The
    request shares it with a second household, the way rings share their representatives and
    accounts (``../shared/domain.md``: the same representatives over many unrelated customers);
    detection would have weighed the pair had both requests been in the book. Before the ring's
    first request the identifier was not yet the ring's. Agents' phones, hubs and institutions'
    identifiers in steady use are no ring's tools."""
    if profile is None or profile.customers != 1 or not profile.ring_id:
        return False
    ring = index.rings.get(profile.ring_id)
    if ring is None or view.customer_id in ring.customer_ids or view.foreign_claim_id:
        return False
    if {"agent_phone", "hub", STEADY_USE} & set(profile.notes):
        return False
    first = day_of(ring.first_request_date)
    return first is None or view.day >= first - index.params.expansion_margin_days


def _family_representative(ref: NodeRef, profile: IdentifierProfile, view: ClaimView) -> Signal:
    """Said, weighing nothing: the ring's representative would have reached a new household
    (:func:`_new_household`), but is of the policyholder's family (:func:`detectors.book.family_member`),
    and family files for family (``../shared/domain.md``)."""
    name = view.representative_name or ref.key
    return Signal(0.0, Evidence(
        "family_representative",
        f"委托代办人 {name} 曾为团伙 {profile.ring_id} 的 1 位客户办理，但与投保人同属一个家族（同姓或登记关联）："
        f"按家人代办处理，不计入该团伙",
        f"The representative {name} filed ring {profile.ring_id}'s request for one customer, but is of the "
        f"policyholder's family (a surname of the family): read as family filing for family, not as the ring's",
        {"type": "representative", "value": ref.key, "ring_id": profile.ring_id, "policyholder": view.policyholder}))


def _institutional_traits(view: ClaimView, profiles: Mapping[NodeRef, IdentifierProfile]) -> frozenset[str]:
    """The traits the claim owes to an institution (see :data:`_INSTITUTIONAL_SUSPICION`)."""
    out = set()
    for kind, ref in view.identifiers:
        profile = profiles.get(ref)
        if profile is None or profile.unrelated_customers < 1 or profile.suspicion >= _INSTITUTIONAL_SUSPICION:
            continue
        if kind == REPRESENTATIVE:
            out.add("represented")
        elif kind == PAYOUT_ACCOUNT:
            out.add("third_party")
    return frozenset(out)


def _customer_signals(view: ClaimView, index: RunIndex) -> list[Signal]:
    out = []
    for claim in view.other_claims:
        ring_id = index.ring_of_claim.get(claim)
        ring = index.rings.get(ring_id) if ring_id else None
        if ring is None or claim == view.claim_id or not _links_count(index, ring):
            continue
        zh, en, data = _decision_words(index, ring.ring_id)
        out.append(Signal(_decided_weight(index, ring.ring_id, 0.6 * ring.score), Evidence(
            "customer_in_ring",
            f"该客户的另一笔退保申请 {claim} 属于团伙 {ring.ring_id}{zh}",
            f"Another request of this customer ({claim}) belongs to ring {ring.ring_id}{en}",
            {"claim_id": claim, "ring_id": ring.ring_id, **data}), ring.ring_id))
    return out


def shown_key(label: str, key: str) -> tuple[str, str]:
    """An identifier's key as evidence sentences show it (Chinese, English): a representative's
    by :func:`graph.keys.person_shown`, any other as it is."""
    return person_shown(key) if label == Label.PERSON.value else (key, key)


_SUSPICIOUS = 0.3
"""Suspicion from which an identifier on a request counts as shared the way rings share theirs."""


def _identifier_signals(kind: str, ref: NodeRef, profile: IdentifierProfile | None, index: RunIndex,
                        taken: int | None, day: int, driven: Callable[[], bool],
                        new_household: bool = False) -> list[Signal]:
    zh_kind, en_kind = _KIND_NAMES.get(kind, (kind, kind))
    value, label = ref.key, ref.label.value  # an enum's value is a Python call: read once
    data: dict[str, Any] = {"type": _TYPE_OF_LABEL.get(label, label), "kind": kind, "value": value}
    zh_value, en_value = shown_key(label, value)
    out: list[Signal] = []
    listed = index.watchlist.get((label, value))
    if listed is not None:
        out.append(Signal(_WATCHLIST_WEIGHT, Evidence(
            "watchlist_hit",
            f"{zh_kind} {zh_value} 在行业黑名单上（{listed}）",
            f"The {en_kind} {en_value} is on the industry watchlist ({listed})",
            {**data, "entry": listed})))
    if profile is None or (profile.suspicion <= 0 and not new_household):
        return out
    data.update(customers=profile.customers, households=profile.households,
                unrelated_customers=profile.unrelated_customers,
                suspicion=round(profile.suspicion, 4), notes=list(profile.notes))
    scale = 0.8 if kind in _COMPLAINT_KINDS else 1.0
    # an institution's identifier (a legal-aid centre's address) ties no claim to a ring or to
    # the other households using it; a representative's repeat work is said either way, and weighs
    # only when not an institution's
    steady = STEADY_USE in profile.notes
    ring = index.rings.get(profile.ring_id) if profile.ring_id and not steady else None
    handed = _handed_over(zh_kind, en_kind, data, profile, ring, taken, day) if ring is not None else None
    if handed is not None and not driven():
        # the number changed hands between the ring's requests with it and this ordinary one:
        # what the ring's use of it says is not about this customer (detectors.reissue)
        out.append(Signal(0.0, handed))
        return out
    if ring is not None and _links_count(index, ring):
        zh, en, decided = _decision_words(index, ring.ring_id)
        data.update(ring_id=ring.ring_id, **decided)
        # an identifier barely suspicious on its own (an institution's phone one ring member
        # also used) points at the ring in proportion to its suspicion, up to the bar at which
        # an identifier counts as shared the way rings share theirs; one the request shares
        # with a second household reaches that bar (see _new_household)
        suspicion = max(profile.suspicion, _SUSPICIOUS) if new_household else profile.suspicion
        weight = _decided_weight(index, ring.ring_id, scale * min(0.5 + 0.45 * suspicion, 0.95)
                                 * min(1.0, suspicion / _SUSPICIOUS))
        if new_household:
            data["new_household"] = True
            said = ("，该团伙曾用它为 1 位客户办理，本申请是另一户", "; the ring used it for one customer, "
                    "and this request is another household's")
        else:
            said = (f"，共 {profile.customers} 位客户使用", f" and is used by {profile.customers} customers")
        out.append(Signal(weight, Evidence(
            "identifier_in_ring",
            f"{zh_kind} {zh_value} 属于已识别的代理退保团伙 {ring.ring_id}{zh}{said[0]}",
            f"The {en_kind} {en_value} belongs to detected ring {ring.ring_id}{en}{said[1]}",
            data), ring.ring_id))
    elif profile.suspicion >= _SUSPICIOUS and profile.unrelated_customers > 0 and not steady:
        out.append(Signal(scale * 0.6 * profile.suspicion, Evidence(
            "shared_identifier",
            f"{zh_kind} {zh_value} 被 {profile.unrelated_customers + 1} 个互不相关的家庭使用",
            f"The {en_kind} {en_value} is used by {profile.unrelated_customers + 1} unrelated households",
            data)))
    if kind == "representative" and profile.unrelated_customers > 0:
        weight = 0.0 if steady else min(0.3 + 0.1 * profile.unrelated_customers, 0.7) * profile.suspicion
        out.append(Signal(weight, Evidence(
            "repeat_representative",
            f"委托代办人 {zh_value} 还代办过 {profile.customers} 位客户的申请",
            f"The representative {en_value} acted for {profile.customers} customers",
            data), ring.ring_id if ring is not None and _links_count(index, ring) else None))
    return out


def _payout_signals(view: ClaimView) -> list[Signal]:
    third, company = payout_flags(view.payout_holder, view.policyholder, view.family)
    holder = view.payout_holder
    if company:
        return [Signal(0.5, Evidence(
            "agency_payout",
            f"退保款支付至公司或机构账户（{holder}），而非投保人本人",
            f"The refund is paid to an account held by a company or agency ({holder}), not the policyholder",
            {"holder": holder}))]
    if third:  # said, and weighed as the third_party trait (coached_traits)
        return [Signal(0.0, Evidence(
            "third_party_payout",
            f"收款人（{holder}）不是投保人（{view.policyholder}）或其家人",
            f"The payee ({holder}) is not the policyholder ({view.policyholder}) or family",
            {"holder": holder, "policyholder": view.policyholder}))]
    return []


def _trait_signals(view: ClaimView, index: RunIndex, institutional: frozenset[str]) -> list[Signal]:
    traits = tuple(t for t in view.traits() if t not in institutional)
    out = []
    for ref, changed in view.changes:
        lag = view.day - changed
        out.append(Signal(0.0, Evidence(
            "contact_changed_before_request",
            f"客户在申请前 {lag} 天把联系方式改为 {ref.key}",
            f"The customer changed a contact detail to {ref.key} {lag} days before the request",
            {"type": _TYPE_OF_LABEL.get(ref.label.value, ref.label.value), "value": ref.key,
             "days_before": lag})))
    if not traits or not index.model.log_ratios:
        return out
    probability = index.model.probability(traits)
    # The model learned these ratios from ring claims that something else tied to their ring;
    # honest complainers show the same traits (../shared/domain.md), so traits alone stay below
    # the alert threshold, in the order of their probability.
    weight = index.params.alert_threshold * probability
    zh = "、".join(_TRAIT_TEXT[t][0] for t in traits)
    en = ", ".join(_TRAIT_TEXT[t][1] for t in traits)
    out.append(Signal(weight, Evidence(
        "coached_traits",
        f"申请具有本账册中团伙申请的特征：{zh}",
        f"The request shows traits this book's ring claims show: {en}",
        {"traits": list(traits), "probability": round(probability, 4),
         "log_ratios": {t: round(index.model.log_ratios.get(t, 0.0), 3) for t in traits}})))
    return out


def _letter_signals(view: ClaimView, index: RunIndex) -> list[Signal]:
    if not len(index.letters):
        return []
    out = []
    threshold = index.params.template_threshold
    for letter in view.letters:
        best, ring_id = index.letters.letter_match(letter.text, view.customer_id)
        if ring_id is None or best < threshold or ring_id not in index.rings \
                or not _links_count(index, index.rings[ring_id]):
            continue
        ring, near = index.letters.ring_share(letter.text, ring_id, threshold, view.customer_id)
        # wording weighs by how much of it is the ring's: a public letter's copies dilute it
        weight = (0.2 + 0.3 * (best - threshold) / (1 - threshold)) * ring / max(near, 1)
        out.append(Signal(weight, Evidence(
            "template_complaint",
            f"客户的投诉信 {letter.key} 与团伙 {ring_id} 成员的投诉信相似度 {best:.0%}；"
            f"本账册中与之相近的 {near} 封投诉信里有 {ring} 封出自该团伙",
            f"The customer's complaint {letter.key} matches ring {ring_id}'s letters ({best:.0%} similar); "
            f"{ring} of the {near} letters of the book this close are the ring's",
            {"complaint_id": letter.key, "ring_id": ring_id, "similarity": round(best, 3),
             "ring_letters": ring, "close_letters": near}), ring_id))
    return out


def _agent_signals(view: ClaimView, index: RunIndex) -> list[Signal]:
    book = index.agents.get(view.agent_id) if view.agent_id else None
    if book is None or book.status != "resigned":
        return []
    if book.leave_day is not None and view.day < book.leave_day:
        return []
    lo = bisect.bisect_left(book.days, view.day - _AGENT_WINDOW_DAYS)
    hi = bisect.bisect_right(book.days, view.day + _AGENT_WINDOW_DAYS)
    burst = hi - lo
    weight, ring_id = 0.0, None
    if book.rings:
        candidate = min(book.rings, key=lambda r: (-book.rings[r], r))
        ring = index.rings.get(candidate)
        # one member from the book is no recruiting from it: as the run joins a claim to a ring
        # through the agent's burst only when it holds two of the ring's (detectors.expansion)
        if ring is not None and book.rings[candidate] >= _RING_MIN_FROM_BOOK and _links_count(index, ring) \
                and _near(ring, view.day) and _driven(view):
            weight, ring_id = 0.45, candidate
    if burst >= _AGENT_MIN_CLAIMS:
        weight += 0.2
    if weight == 0.0:  # an orphaned book lapsing honestly, one request at a time
        return []
    left = iso_or_none(book.leave_day)
    data: dict[str, Any] = {"agent_id": view.agent_id, "leave_date": left, "branch": book.branch,
                            "claims_nearby": burst, "window_days": _AGENT_WINDOW_DAYS}
    zh = [f"保单的代理人 {view.agent_id} 已于 {left or '未知日期'} 离职"]
    en = [f"The policy's agent {view.agent_id} resigned ({left or 'date unknown'})"]
    if ring_id:
        members = book.rings[ring_id]
        data.update(ring_id=ring_id, ring_members_from_book=members, ring_window_days=_RING_WINDOW_DAYS)
        zh.append(f"团伙 {ring_id} 有 {members} 名成员是其原客户，且在本申请前后 {_RING_WINDOW_DAYS} 天内活动；"
                  f"本申请以投诉为由或要求全额退保")
        en.append(f"ring {ring_id}, active within {_RING_WINDOW_DAYS} days of this request, has {members} "
                  f"of the agent's former customers among its members; this request demands a full refund "
                  f"or gives complaint grounds")
    if burst >= _AGENT_MIN_CLAIMS:
        zh.append(f"其原客户在本申请前后 {_AGENT_WINDOW_DAYS} 天内有 {burst} 笔退保")
        en.append(f"the agent's former customers filed {burst} surrenders within {_AGENT_WINDOW_DAYS} days "
                  "of this request")
    return [Signal(min(weight, 0.7), Evidence("resigned_agent_burst", "；".join(zh), "; ".join(en), data), ring_id)]


# ---------------------------------------------------------------------------- decisions
# Investigators' decisions change what a link to a ring is worth, and nothing else: a ring they
# dismissed is no ring (the claim's other evidence still counts), a ring they confirmed is as
# sure a sign as the industry watchlist, whatever score the run gave it.
_WATCHLIST_WEIGHT = 0.6
_CONFIRMED_WORDS = ("（调查员已确认）", " (confirmed by investigators)")


def _links_count(index: RunIndex, ring: Ring) -> bool:
    """Whether a link to the ring points at it: the run alerted it or an investigator confirmed
    it, and nobody dismissed it."""
    status = index.status(ring.ring_id)
    return status is not CaseStatus.DISMISSED and (index.alerted(ring) or status is CaseStatus.CONFIRMED)


def _decided_weight(index: RunIndex, ring_id: str, weight: float) -> float:
    """A ring link's weight: at least a watchlist hit's for a confirmed ring."""
    return max(weight, _WATCHLIST_WEIGHT) if index.status(ring_id) is CaseStatus.CONFIRMED else weight


def _decision_words(index: RunIndex, ring_id: str) -> tuple[str, str, dict[str, str]]:
    """What a reason adds about the ring's case: words and data for a confirmed ring, else none
    (so a book nobody decided on reads as the batch run wrote it)."""
    status = index.status(ring_id)
    if status is CaseStatus.CONFIRMED:
        return _CONFIRMED_WORDS[0], _CONFIRMED_WORDS[1], {"case_status": status.value}
    return "", "", {}


# ---------------------------------------------------------------------------- the verdict
@dataclass(frozen=True)
class Verdict:
    """Score in [0, 1], level, the ring the reasons point to and the reasons, strongest first.

    ``ring_id`` is only ever a ring the run alerted (or investigators confirmed): a group the
    run scored under the alert threshold is no ring, and a reply naming it would read as one.
    It is named only when the verdict itself reaches the alert threshold: a request below it is
    not taken for the ring's (its reasons still name the ring they point to), as the batch run
    gives a claim outside its rings no ring."""

    claim_id: str
    score: float
    level: Level
    ring_id: str | None
    reasons: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "score": self.score, "level": self.level,
                "ring_id": self.ring_id, "reasons": [r.to_dict() for r in self.reasons]}


def verdict(claim_id: str, signals: Iterable[Signal]) -> Verdict:
    """Combine signals by noisy-or, one per (code, identifier), keeping the strongest."""
    best: dict[str, Signal] = {}
    for s in signals:
        key = f"{s.evidence.code}|{s.evidence.data.get('value', '')}|{s.evidence.data.get('claim_id', '')}"
        if key not in best or s.weight > best[key].weight:
            best[key] = s
    chosen = sorted(best.values(), key=lambda s: (-s.weight, s.evidence.code, str(s.evidence.data.get("value", ""))))
    keep = 1.0
    ring_weight: dict[str, float] = {}
    for s in chosen:
        keep *= 1.0 - min(max(s.weight, 0.0), 0.99)
        if s.ring_id:
            ring_weight[s.ring_id] = ring_weight.get(s.ring_id, 0.0) + s.weight
    score = round(1.0 - keep, 4)
    level = level_for(score)
    ring_id = min(ring_weight, key=lambda r: (-ring_weight[r], r)) if ring_weight and level != "low" else None
    return Verdict(claim_id, score, level, ring_id, tuple(s.evidence for s in chosen))


# ---------------------------------------------------------------------------- helpers
def shingle_set(text: str) -> frozenset[int]:
    """A letter's character shingles as detection cuts them (or its sketch holds), as a set."""
    return frozenset(letter_shingles(text).tolist())


def _near(ring: Ring, day: int) -> bool:
    first, last = day_of(ring.first_request_date), day_of(ring.last_request_date)
    if first is None or last is None:
        return True
    return first - _RING_WINDOW_DAYS <= day <= last + _RING_WINDOW_DAYS


def _handed_over(zh_kind: str, en_kind: str, data: dict[str, Any], profile: IdentifierProfile, ring: Ring,
                 taken: int | None, day: int) -> Evidence | None:
    """The evidence that a ring's number changed hands with the carrier between the ring's
    requests with it and a request filed on ``day``: the customer took it (on ``taken``) after the
    ring's last request with it was done with it, or the ring's members first took it after this
    request was (:func:`detectors.reissue.held_apart`); ``None`` otherwise."""
    value, last, first = data["value"], day_of(profile.ring_last_request), day_of(profile.ring_first_taken)
    if taken is not None and last is not None and passed_on(last, taken):
        return Evidence(
            "number_passed_on",
            f"{zh_kind} {value} 曾属于团伙 {ring.ring_id}（团伙最后一笔用该号码的申请 {profile.ring_last_request}），"
            f"客户于 {iso_or_none(taken)} 才换用该号码：号码已由运营商重新分配",
            f"The {en_kind} {value} was ring {ring.ring_id}'s (its last request with it "
            f"{profile.ring_last_request}); the customer took the number on {iso_or_none(taken)}, from the "
            "carrier after the ring let it go",
            {**data, "ring_id": ring.ring_id, "taken_on": iso_or_none(taken), "ring_last_request": profile.ring_last_request})
    if first is not None and passed_on(day, first):
        return Evidence(
            "number_passed_on",
            f"{zh_kind} {value} 后来才属于团伙 {ring.ring_id}（其成员 {profile.ring_first_taken} 起才换用该号码），"
            f"本申请 {iso_or_none(day)} 时号码仍属客户本人",
            f"The {en_kind} {value} became ring {ring.ring_id}'s later (its members took it from "
            f"{profile.ring_first_taken}); on this request, on {iso_or_none(day)}, it was still the customer's own",
            {**data, "ring_id": ring.ring_id, "filed_on": iso_or_none(day), "ring_first_taken": profile.ring_first_taken})
    return None


def _driven(view: ClaimView) -> bool:
    """Whether the request shows the trade's behaviour: a full-refund demand, a complaint reason
    or a letter. A resigned agent's former customer taking the cash value for an ordinary
    reason is how a book lapses, or follows its agent to a competitor (``../shared/domain.md``:
    a tie is strong evidence only with the ring's behaviour)."""
    return "complaint_driven" in view.traits()
