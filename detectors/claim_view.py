"""One claim as the rule set reads it, assembled from the book for every stored claim.

:class:`ClaimView` is the one input of :func:`detectors.rules.claim_signals`. The batch run
builds a view for every claim of the book with :func:`book_views`; real-time scoring builds one
for an incoming request from store look-ups (:mod:`detectors.realtime`). Both read the same
facts with the same windows, which is what makes the rule set one.

>>> view = ClaimView("C1", 19_800, full_refund=True, changes=((NodeRef(Label.PHONE, "+8613800000000"), 19_790),))
>>> view.traits()
('complaint_driven', 'changed_before')
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from detectors.book import (
    CHANGED_TO,
    CONTACT_PHONE,
    NUMBER_BLOCK,
    PAYOUT_ACCOUNT,
    REPRESENTATIVE,
    REPRESENTATIVE_PHONE,
    Book,
    label_of,
    payout_flags,
    stranger_represents,
)
from graph.model import Label, NodeRef

__all__ = ["CLAIM_TRAITS", "LETTER_AFTER_DAYS", "LETTER_BEFORE_DAYS", "ClaimView", "Letter",
           "book_views", "letter_belongs"]

CLAIM_TRAITS: tuple[str, ...] = ("complaint_driven", "changed_before", "third_party", "represented")
"""The traits of a claim's own record (see :mod:`detectors.behaviour`) the trait model weighs."""

LETTER_BEFORE_DAYS = 365
LETTER_AFTER_DAYS = 30
"""A customer's complaint letter belongs to a request filed at most a year after it (or a month
before it: letters often follow the request)."""

_REQUEST_KINDS = (CONTACT_PHONE, PAYOUT_ACCOUNT, REPRESENTATIVE, REPRESENTATIVE_PHONE)


@dataclass(frozen=True)
class Letter:
    """A complaint letter of the claim's customer, with the phone and address it gave."""

    key: str
    day: int | None
    text: str
    identifiers: tuple[tuple[str, NodeRef], ...] = ()


@dataclass(frozen=True)
class ClaimView:
    """Everything the rules read about one claim (stored, or a request arriving now).

    ``day`` is days since 1970-01-01. ``identifiers`` are the request's own (kind, node):
    contact phone, payout account, representative and the representative's phone.
    ``changes`` are contact details the customer changed to within the change window before
    the request (node, day). ``taken`` are the phone numbers the customer changed to on or
    before the request, at any time, each with the last such day: when the customer took the
    number (:mod:`detectors.reissue`). ``letters`` are the customer's complaint letters that belong to
    the request (see :func:`letter_belongs`). ``family`` holds the names of customers tied to
    the policyholder directly (a small shared registered address, or a shared phone within one
    surname). ``foreign_claim_id`` marks a request whose ``claim_id`` a stored claim of another
    customer or policy holds (claim numbers of risk systems collide): the id then names nothing
    of this request, and the stored claim's ring is not its ring.
    """

    claim_id: str
    day: int
    customer_id: str | None = None
    policyholder: str | None = None
    family: frozenset[str] = frozenset()
    agent_id: str | None = None
    full_refund: bool = False
    complaint_reason: bool = False
    payout_holder: str | None = None
    representative_name: str | None = None
    identifiers: tuple[tuple[str, NodeRef], ...] = ()
    changes: tuple[tuple[NodeRef, int], ...] = ()
    taken: tuple[tuple[NodeRef, int], ...] = ()
    letters: tuple[Letter, ...] = ()
    other_claims: tuple[str, ...] = ()
    foreign_claim_id: bool = False

    def traits(self) -> tuple[str, ...]:
        """The :data:`CLAIM_TRAITS` this claim shows."""
        third, _ = payout_flags(self.payout_holder, self.policyholder, self.family)
        flags = {
            "complaint_driven": self.full_refund or self.complaint_reason or bool(self.letters),
            "changed_before": bool(self.changes),
            "third_party": third,
            "represented": any(kind == REPRESENTATIVE for kind, _ in self.identifiers)
            and stranger_represents(self.representative_name, self.policyholder, self.family),
        }
        return tuple(t for t in CLAIM_TRAITS if flags[t])


def letter_belongs(request_day: int, letter_day: int | None) -> bool:
    """Whether a letter received on ``letter_day`` belongs to a request filed on ``request_day``."""
    return letter_day is not None and -LETTER_AFTER_DAYS <= request_day - letter_day <= LETTER_BEFORE_DAYS


def book_views(book: Book) -> list[ClaimView]:
    """A view of every claim of ``book``, in the order of ``book.claims`` (claims without a
    request date get day 0, so no letter or change belongs to them)."""
    claims = book.claims
    uses = book.uses
    request_uses: dict[str, list[tuple[str, NodeRef]]] = defaultdict(list)
    changes: dict[str, list[tuple[NodeRef, int]]] = defaultdict(list)
    taken: dict[str, set[tuple[NodeRef, int]]] = defaultdict(set)
    for claim, label, key, kind, change_day, taken_day in zip(
            *_lists(uses, "claim_id", "label", "key", "kind", "change_day", "taken_day"), strict=True):
        ref = NodeRef(label_of(label), str(key))
        if kind in _REQUEST_KINDS:
            request_uses[claim].append((kind, ref))
        elif kind == CHANGED_TO and change_day == change_day:
            changes[claim].append((ref, int(change_day)))
        if taken_day == taken_day and kind != NUMBER_BLOCK:
            taken[claim].add((ref, int(taken_day)))
    given: dict[str, list[tuple[str, NodeRef]]] = defaultdict(list)
    ids = book.letter_identifiers
    for complaint, kind, label, key in zip(*_lists(ids, "complaint_id", "kind", "label", "key"), strict=True):
        given[str(complaint)].append((str(kind), NodeRef(label_of(label), str(key))))
    letters_of: dict[str, dict[str, Letter]] = defaultdict(dict)
    about: dict[str, dict[str, Letter]] = defaultdict(dict)
    letters = book.complaints
    for complaint, customer, policy, day, text in zip(
            *_lists(letters, "complaint_id", "customer_id", "policy_id", "day", "text"), strict=True):
        letter = Letter(str(complaint), None if day != day else int(day), str(text),
                        tuple(sorted(given.get(str(complaint), ()), key=_use_order)))
        if isinstance(customer, str):
            letters_of[customer][letter.key] = letter
        if isinstance(policy, str):
            about[policy][letter.key] = letter
    claims_of: dict[str, list[str]] = defaultdict(list)
    claim_ids = claims.index.tolist()
    for claim, customer in zip(claim_ids, claims["customer_id"].tolist(), strict=True):
        claims_of[customer].append(str(claim))
    customers = book.customers.reindex(claims["customer_id"].unique())
    names = dict(zip(customers.index.tolist(), customers["name"].tolist(), strict=True))
    family = dict(zip(customers.index.tolist(), customers["family"].tolist(), strict=True))
    out = []
    representatives = claims["representative_name"] if "representative_name" in claims \
        else pd.Series(None, index=claims.index, dtype=object)
    for claim, customer, policy, agent, day, full, reason, holder, representative in zip(
            claim_ids, *_lists(claims, "customer_id", "policy_id", "agent_id", "day", "full_refund",
                               "complaint_reason", "payout_name"), representatives.tolist(), strict=True):
        request_day = 0 if day != day else int(day)
        has_day = day == day
        name = names.get(customer)
        own, changed = request_uses.get(claim), changes.get(claim) if has_day else None
        mine, on_policy = letters_of.get(customer), about.get(policy)
        out.append(ClaimView(
            claim_id=str(claim),
            day=request_day,
            customer_id=str(customer),
            policyholder=name if isinstance(name, str) else None,
            family=family.get(customer) or frozenset(),
            agent_id=agent if isinstance(agent, str) else None,
            full_refund=bool(full),
            complaint_reason=bool(reason),
            payout_holder=holder.strip() if isinstance(holder, str) and holder.strip() else None,
            representative_name=_name_or_none(representative),
            identifiers=tuple(sorted(set(own), key=_use_order)) if own else (),
            changes=tuple(sorted(set(changed), key=_by_day)) if changed else (),
            taken=tuple(sorted(taken[claim], key=_by_day)) if has_day and claim in taken else (),
            letters=_letters_of_request(request_day, mine, on_policy) if has_day else (),
            other_claims=tuple(c for c in claims_of.get(customer, ()) if c != claim),
        ))
    return out


def _letters_of_request(request_day: int, mine: dict[str, Letter] | None,
                        on_policy: dict[str, Letter] | None) -> tuple[Letter, ...]:
    """The customer's letters and those about the policy that belong to the request, by key."""
    if not mine and not on_policy:
        return ()
    letters = {**(mine or {}), **(on_policy or {})}.values()
    return tuple(sorted((x for x in letters if letter_belongs(request_day, x.day)), key=lambda x: x.key))


def _lists(frame: pd.DataFrame, *columns: str) -> list[list[Any]]:
    """Columns of ``frame`` as Python lists (iterating pandas' Arrow-backed text columns value
    by value costs many times more)."""
    return [frame[c].tolist() for c in columns]


def _by_day(change: tuple[NodeRef, int]) -> tuple[int, Label, str]:
    return change[1], change[0].label, change[0].key


def _use_order(use: tuple[str, NodeRef]) -> tuple[str, Label, str]:
    # a Label is a str of its value: it sorts as its value does, without the enum's lookup
    return use[0], use[1].label, use[1].key


def _name_or_none(name: object) -> str | None:
    return name.strip() or None if isinstance(name, str) else None
