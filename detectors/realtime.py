"""Real-time scoring of one surrender request against the stored graph and the current run.

A request is judged the moment it arrives, before it is stored, by the rule set the batch run
judged every stored claim with (:mod:`detectors.rules`): :class:`RealtimeScorer` assembles the
request's :class:`~detectors.claim_view.ClaimView` from a handful of store look-ups (the
customer, the household around the registered address and phones, the contact changes and
letters, the policy's agent) and scores it against the current run's
:class:`~detectors.rules.RunIndex`. Its identifiers become node keys by :mod:`graph.keys`, as
ingest makes them. Scoring only reads the store.

In an association's store of pseudonymized books the scorer is given the association's
:class:`~graph.keys.pseudonyms.Pseudonymizer`: a raw request's identifiers and payout name are
normalized as ingest normalizes them, then hashed with the key, before anything is looked up.

The scorer owns the run index: it is rebuilt by :meth:`RealtimeScorer.refresh` (after a
detection run) or when the store's current run or data changed; the rings' case statuses in it
are read again by :meth:`RealtimeScorer.refresh_cases` (after an investigator's decision) or when
the store's audit log grew (both checked at most every two seconds, so every server process
follows a decision taken in another).

>>> SurrenderRequest.from_any({"claim_id": "C9", "request_date": "2024/06/18"}).request_date
'2024-06-18'
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from detectors.book import demands_full_refund, is_complaint_reason, surname
from detectors.claim_view import ClaimView, Letter, letter_belongs
from detectors.rules import RunIndex, Verdict, claim_signals, verdict
from graph.keys import normalize_bank_account, normalize_phone, normalize_text, person_key
from graph.keys.pseudonyms import Pseudonymizer, stored_key
from graph.model import Edge, Label, Node, NodeRef, Rel
from graph.store import GraphStore

__all__ = ["RealtimeScorer", "SurrenderRequest", "score_request"]

_REFRESH_SECONDS = 2.0
_NEIGHBOURS = 300
_LETTER_RELS = {Rel.CONTACT_PHONE: "complaint_phone", Rel.MAILED_FROM: "mailing_address"}
"""The relationships of a complaint letter to the identifiers it gave, and their use kinds."""
_EPOCH = date(1970, 1, 1).toordinal()
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# ---------------------------------------------------------------------------- the request
@dataclass(frozen=True, slots=True)
class SurrenderRequest:
    """A surrender request with the columns of the ``surrenders`` input table (dates ISO)."""

    claim_id: str
    request_date: str
    policy_id: str | None = None
    customer_id: str | None = None
    channel: str | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    contact_phone: str | None = None
    payout_account: str | None = None
    payout_account_name: str | None = None
    representative_name: str | None = None
    representative_id_number: str | None = None
    representative_phone: str | None = None
    cash_value: float | None = None
    requested_amount: float | None = None
    refund_type: str | None = None

    @classmethod
    def from_any(cls, request: object) -> SurrenderRequest:
        """Accept this class, a mapping, or any object with these attributes (e.g. a model).

        Raises ``ValueError`` without ``claim_id`` or with an unreadable ``request_date``.
        """
        if isinstance(request, cls):
            return request
        get = request.get if isinstance(request, Mapping) else (
            lambda name, default=None: getattr(request, name, default))
        values: dict[str, Any] = {}
        for f in _REQUEST_FIELDS:
            value = get(f, None)
            if isinstance(value, str):
                value = value.strip() or None
            values[f] = value
        if not values["claim_id"]:
            raise ValueError("claim_id is required")
        values["claim_id"] = str(values["claim_id"])
        values["request_date"] = _iso(values["request_date"])
        for name in ("cash_value", "requested_amount"):
            values[name] = _amount(values[name])
        for name in _TEXT_FIELDS:
            if values[name] is not None:
                values[name] = str(values[name])
        return cls(**values)

    @property
    def day(self) -> int:
        """The request date as days since 1970-01-01."""
        return date.fromisoformat(self.request_date).toordinal() - _EPOCH


_REQUEST_FIELDS = tuple(f.name for f in fields(SurrenderRequest))
_TEXT_FIELDS = tuple(f for f in _REQUEST_FIELDS
                     if f not in ("claim_id", "request_date", "cash_value", "requested_amount"))


# ---------------------------------------------------------------------------- the scorer
class RealtimeScorer:
    """Scores requests against one store's current run.

    The app owns one per store; the run index it holds is rebuilt after a detection run
    (:meth:`refresh`) or when it notices the store's run or data changed. ``pseudonymizer``
    hashes a request's identifiers and names for a store of pseudonymized books.
    """

    def __init__(self, store: GraphStore, pseudonymizer: Pseudonymizer | None = None) -> None:
        self.store = store
        self.pseudonymizer = pseudonymizer
        self._lock = threading.Lock()
        self._index: RunIndex | None = None
        self._token: tuple[str, str] | None = None
        self._case_entries = -1
        self._checked = 0.0

    def refresh(self) -> RunIndex:
        """Rebuild the run index from the store now and return it."""
        token = self._current_token()
        entries = self.store.case_log_length()
        index = RunIndex.from_store(self.store)
        with self._lock:
            self._index, self._token, self._checked = index, token, time.monotonic()
            self._case_entries = entries
        return index

    def take_index(self, other: RealtimeScorer) -> None:
        """Serve the run index ``other`` built from another connection to the same store, until
        the store's run, data or case log moves on (then this scorer rebuilds its own, as
        :meth:`index` says). A server's workers forked from the parent that built it share one
        copy of it in memory."""
        with other._lock:
            index, token, entries = other._index, other._token, other._case_entries
        with self._lock:
            self._index, self._token, self._case_entries = index, token, entries
            self._checked = 0.0  # the next request checks the store

    def refresh_cases(self) -> None:
        """Read the rings' case statuses again into the index the scorer holds (the rest of the
        index stays): a ring dismissed a moment ago stops counting at the next request. Does
        nothing before the index is first built (it will read them then)."""
        index = self._index
        if index is None:
            return
        entries = self.store.case_log_length()
        updated = index.with_cases_from(self.store)
        with self._lock:
            if self._index is index:
                self._index, self._case_entries = updated, entries

    def index(self) -> RunIndex:
        """The current run's index (rebuilt when the store's run or data changed)."""
        index = self._index
        if index is not None and time.monotonic() - self._checked < _REFRESH_SECONDS:
            return index
        token = self._current_token()
        if index is None or token != self._token:
            return self.refresh()
        if self.store.case_log_length() != self._case_entries:
            self.refresh_cases()
        self._checked = time.monotonic()
        return self._index or index

    def score(self, request: object) -> Verdict:
        """Score one request (a :class:`SurrenderRequest`, a mapping or an object with the
        ``surrenders`` columns as attributes); never writes to the store.

        Raises ``ValueError`` for a request without ``claim_id`` or with an unreadable date.
        """
        req = SurrenderRequest.from_any(request)
        index = self.index()
        return verdict(req.claim_id, claim_signals(self.view(req, index), index))

    def view(self, req: SurrenderRequest, index: RunIndex) -> ClaimView:
        """The request as the rules read it, from store look-ups around it."""
        day = req.day
        policy = self._relationships(Label.POLICY, req.policy_id)
        customer = self._customer(req.customer_id)
        if customer is None:
            holders = [e.src.key for e in policy if e.rel is Rel.HOLDS]
            customer = next(filter(None, map(self._customer, holders)), None)
        root = customer.node if customer is not None else None
        name = normalize_text(root.props.get("name")) if root is not None else None
        agent = next((e.src.key for e in policy if e.rel is Rel.SOLD), None)
        return ClaimView(
            claim_id=req.claim_id,
            day=day,
            customer_id=root.key if root is not None else req.customer_id,
            policyholder=name,
            family=self._family(customer, name, index) if customer is not None else frozenset(),
            agent_id=agent,
            full_refund=demands_full_refund(req.refund_type, req.cash_value, req.requested_amount),
            complaint_reason=is_complaint_reason(req.reason_code),
            payout_holder=self._name(normalize_text(req.payout_account_name)),
            identifiers=self._identifiers(req),
            changes=_changes(customer, day, index.params.change_window_days) if customer else (),
            letters=self._letters(customer, policy, day),
            other_claims=tuple(sorted(k for k in customer.leaving(Rel.FILED) if k != req.claim_id))
            if customer else (),
        )

    # ------------------------------------------------------------------ look-ups
    def _current_token(self) -> tuple[str, str]:
        run = self.store.current_run()
        return (run.run_id if run else "", self.store.data_fingerprint())

    def _node(self, label: Label, key: str) -> NodeRef:
        """The node a request's normalized identifier is, hashed in a pseudonymized store."""
        return NodeRef(label, stored_key(label, key, self.pseudonymizer))

    def _name(self, name: str | None) -> str | None:
        return name if self.pseudonymizer is None else self.pseudonymizer.name(name)

    def _identifiers(self, req: SurrenderRequest) -> tuple[tuple[str, NodeRef], ...]:
        out: list[tuple[str, NodeRef]] = []
        phone = normalize_phone(req.contact_phone)
        if phone is not None:
            out.append(("contact_phone", self._node(Label.PHONE, phone.value)))
        account = normalize_bank_account(req.payout_account)
        if account is not None:
            out.append(("payout_account", self._node(Label.BANK_ACCOUNT, account.value)))
        rep = person_key(req.representative_name, req.representative_id_number, req.representative_phone)
        rep_phones: set[str] = set()
        if rep is not None:
            person = self._node(Label.PERSON, rep)
            out.append(("representative", person))
            rep_phones |= {e.dst.key for e in self._relationships(Label.PERSON, person.key)
                           if e.rel is Rel.HAS_PHONE and e.src == person}
            rep_phone = normalize_phone(req.representative_phone)
            if rep_phone is not None:
                rep_phones.add(self._node(Label.PHONE, rep_phone.value).key)
        out += [("representative_phone", NodeRef(Label.PHONE, key)) for key in rep_phones]
        return tuple(sorted(set(out), key=lambda u: (u[0], u[1].label.value, u[1].key)))

    def _customer(self, key: str | None) -> _Around | None:
        """A customer and its relationships, or ``None`` for an unknown customer."""
        node = self.store.get_node(Label.CUSTOMER, key) if key else None
        if node is None:
            return None
        return _Around(node, self.store.relationships([node.ref], limit=_NEIGHBOURS))

    def _relationships(self, label: Label, key: str | None) -> list[Edge]:
        """A node's relationships (none for an unknown node)."""
        return self.store.relationships([NodeRef(label, key)], limit=_NEIGHBOURS) if key else []

    def _family(self, customer: _Around, name: str | None, index: RunIndex) -> frozenset[str]:
        """Names of customers sharing a small registered address, or a registered phone within
        the customer's surname (as :func:`detectors.book.load_book` ties households): one
        query per address or phone for its customers and their names."""
        me = customer.node.key
        limit = index.params.household_max
        mine = surname(name)
        names: set[str] = set()
        for rel, label in ((Rel.LIVES_AT, Label.ADDRESS), (Rel.HAS_PHONE, Label.PHONE)):
            for key in customer.leaving(rel):
                if rel is Rel.LIVES_AT:  # more than a household's worth says enough
                    people = self.store.customers_on(label, key, rel, limit=limit + 1)
                else:  # a hub phone's customers of other surnames are no family
                    people = [(c, n) for c, n in self.store.customers_on(label, key, rel)
                              if surname(normalize_text(n)) == mine]
                if 1 < len(people) <= limit:
                    names |= {text for c, n in people if c != me and (text := normalize_text(n)) is not None}
        return frozenset(names)

    def _letters(self, customer: _Around | None, policy: list[Edge], day: int) -> tuple[Letter, ...]:
        refs = [NodeRef(Label.COMPLAINT, key) for key in customer.leaving(Rel.COMPLAINED)] if customer else []
        refs += [e.src for e in policy if e.rel is Rel.ABOUT]
        belonging: dict[str, tuple[Node, int | None]] = {}
        for node in sorted(self.store.get_nodes(refs), key=lambda n: n.key):
            received = _day(node.props.get("received_date"))
            if letter_belongs(day, received):
                belonging[node.key] = (node, received)
        given: dict[str, list[tuple[str, NodeRef]]] = {key: [] for key in belonging}
        for e in self.store.relationships([node.ref for node, _ in belonging.values()], limit=_NEIGHBOURS):
            if e.src.label is Label.COMPLAINT and e.src.key in given and e.rel in _LETTER_RELS:
                given[e.src.key].append((_LETTER_RELS[e.rel], e.dst))
        return tuple(
            Letter(key, received, str(node.props.get("text") or ""),
                   tuple(sorted(given[key], key=lambda u: (u[0], u[1].label.value, u[1].key))))
            for key, (node, received) in belonging.items())


def score_request(store: GraphStore, request: object) -> Verdict:
    """Score one request against the store's current run (builds the run index each call:
    for many requests keep a :class:`RealtimeScorer`)."""
    return RealtimeScorer(store).score(request)


# ---------------------------------------------------------------------------- helpers
@dataclass(frozen=True, slots=True)
class _Around:
    """A node and the relationships touching it."""

    node: Node
    edges: list[Edge]

    def leaving(self, rel: Rel) -> list[str]:
        """Keys of the nodes this one has a ``rel`` relationship to."""
        return [e.dst.key for e in self.edges if e.rel is rel and e.src == self.node.ref]


def _changes(customer: _Around, day: int, window: int) -> tuple[tuple[NodeRef, int], ...]:
    """Contact details the customer changed to within ``window`` days before the request."""
    me = customer.node.ref
    out = set()
    for edge in customer.edges:
        if edge.rel is not Rel.CHANGED_TO or edge.src != me:
            continue
        changed = _day(edge.props.get("date") or edge.props.get("change_date"))
        if changed is not None and 0 <= day - changed <= window:
            out.add((edge.dst, changed))
    return tuple(sorted(out, key=lambda c: (c[1], c[0].label.value, c[0].key)))


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _day(value: object) -> int | None:
    """Days since 1970-01-01 of an ISO date (also ``YYYY/MM/DD`` and ``YYYYMMDD``)."""
    if isinstance(value, date):
        return value.toordinal() - _EPOCH
    text = _text(value)
    if text is None:
        return None
    if _ISO_DAY.fullmatch(text[:10]):  # the form the store keeps dates in: no strptime needed
        try:
            return date.fromisoformat(text[:10]).toordinal() - _EPOCH
        except ValueError:
            return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text[:10], fmt).date().toordinal() - _EPOCH
        except ValueError:
            continue
    return None


def _amount(value: object) -> float | None:
    """An amount in yuan, ``None`` when missing or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except ValueError:
        return None
    return amount if amount == amount and abs(amount) != float("inf") else None


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    day = _day(value)
    if day is None:
        raise ValueError(f"request_date {value!r} is not a date (YYYY-MM-DD)")
    return date.fromordinal(day + _EPOCH).isoformat()
