"""Real-time scoring of one surrender request against the stored graph and the current run.

A request is judged the moment it arrives, before it is stored, by the rule set the batch run
judged every stored claim with (:mod:`detectors.rules`): :class:`RealtimeScorer` assembles the
request's :class:`~detectors.claim_view.ClaimView` from the facts around the records it names
(the customer, the household around the registered address and phones, the contact changes and
letters, the policy's agent: :class:`~detectors.request_facts.RequestFacts`, read in bulk once
per run) and scores it against the current run's :class:`~detectors.rules.RunIndex`; both make
one :class:`ScoringIndex`, so a request costs look-ups in memory, not store queries, and its
verdict comes from one state of the store. Its identifiers become node keys by
:mod:`graph.keys`, as ingest makes them. Scoring only reads the store.

In an association's store of pseudonymized books the scorer is given the association's
:class:`~graph.keys.pseudonyms.Pseudonymizer`: a raw request's identifiers and payout name are
normalized as ingest normalizes them, then hashed with the key, before anything is looked up.

The scorer owns the scoring index: it is rebuilt by :meth:`RealtimeScorer.refresh` (after a
detection run) or, in a background thread while the current one keeps serving, when the store's
current run or data changed; the rings' case statuses in it are read again by
:meth:`RealtimeScorer.refresh_cases` (after an investigator's decision) or when the store's
audit log grew (both checked at most every two seconds, so every server process follows a
decision taken in another).

>>> SurrenderRequest.from_any({"claim_id": "C9", "request_date": "2024/06/18"}).request_date
'2024-06-18'
>>> SurrenderRequest.from_any({"claim_id": '＝"Ｃ９"', "request_date": "2024-06-18"}).claim_id
'C9'
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from detectors.book import demands_full_refund, is_complaint_reason
from detectors.claim_view import ClaimView, Letter, letter_belongs
from detectors.request_facts import CustomerFacts, PolicyFacts, RequestFacts, day_number
from detectors.rules import RunIndex, Verdict, claim_signals, verdict
from graph.errors import NotFoundError, RequestFieldError, RingScopeError
from graph.keys import (
    normalize_bank_account,
    normalize_phone,
    normalize_record_key,
    normalize_text,
    person_key,
    twin_of,
)
from graph.keys.pseudonyms import Pseudonymizer, stored_key
from graph.model import Label, NodeRef, Rel
from graph.store import GraphStore

__all__ = ["RealtimeScorer", "ScoringIndex", "StoredRequest", "SurrenderRequest"]

log = logging.getLogger(__name__)

_REFRESH_SECONDS = 2.0
_READ_ATTEMPTS = 3
_EPOCH = date(1970, 1, 1).toordinal()


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

        Record ids (``claim_id``, ``policy_id``, ``customer_id``) are read as ingest reads them
        (:func:`graph.keys.normalize_record_key`: full-width characters, invisible characters and
        a spreadsheet's ``'`` or ``="…"`` wrapper undone), so a stored request typed through the
        same spreadsheets is the stored one. Raises :class:`graph.errors.RequestFieldError` (a
        ``ValueError``) naming the field: without ``claim_id``, with a record id a spreadsheet
        damaged (``2.02311E+15``) or with an unreadable ``request_date``.
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
            raise RequestFieldError("claim_id", "claim_id is required")
        for name in _RECORD_FIELDS:
            values[name] = _record_key(name, values[name])
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
_RECORD_FIELDS = ("claim_id", "policy_id", "customer_id")
_TEXT_FIELDS = tuple(f for f in _REQUEST_FIELDS
                     if f not in ("claim_id", "request_date", "cash_value", "requested_amount"))


def _record_key(name: str, raw: object) -> str | None:
    """A request's record id as ingest keys it; ``None`` when left out."""
    if raw is None:
        return None
    key = normalize_record_key(str(raw))
    if key is None:
        raise RequestFieldError(name, f"{name} {str(raw)!r} is not a record id (empty, or damaged by a spreadsheet)")
    return key


@dataclass(frozen=True)
class StoredRequest:
    """What a stored claim's record holds that a request re-checking it may leave out: its
    ``customer_id`` and ``policy_id``, its :data:`_STORED_FIELDS` as stored, the payout account's
    holder as stored (``payout_holder``), its own identifiers as node keys (``uses``: the
    ``contact_phone``, ``payout_account`` and ``representative`` nodes) and the representative's
    name as stored."""

    customer_id: str | None
    policy_id: str | None
    fields: Mapping[str, Any]
    payout_holder: str | None
    uses: Mapping[str, tuple[NodeRef, ...]]
    representative_name: str | None = None

    def fill(self, req: SurrenderRequest) -> SurrenderRequest:
        """``req`` with the customer, policy and stored fields it leaves out."""
        missing: dict[str, Any] = {f: v for f, v in self.fields.items() if getattr(req, f) is None}
        for name in ("cash_value", "requested_amount"):
            if name in missing:
                missing[name] = _amount(missing[name])
        for name in set(missing) & set(_TEXT_FIELDS):
            missing[name] = str(missing[name])
        if req.customer_id is None:
            missing["customer_id"] = self.customer_id
        if req.policy_id is None:
            missing["policy_id"] = self.policy_id
        return replace(req, **missing)

    def identifiers(self, req: SurrenderRequest, own: tuple[tuple[str, NodeRef], ...],
                    facts: RequestFacts) -> tuple[tuple[str, NodeRef], ...]:
        """``own`` (the request's identifiers) and, for each of contact phone, payout account
        and representative the request leaves out, the stored one (a representative with the
        phones it is known by)."""
        out = list(own)
        if req.contact_phone is None:
            out += [("contact_phone", ref) for ref in self.uses.get("contact_phone", ())]
        if req.payout_account is None:
            out += [("payout_account", ref) for ref in self.uses.get("payout_account", ())]
        if req.representative_name is None and req.representative_id_number is None and req.representative_phone is None:
            for person in self.uses.get("representative", ()):
                out.append(("representative", person))
                out += [("representative_phone", NodeRef(Label.PHONE, key))
                        for key in facts.representative_phones(person.key)]
        return tuple(sorted(set(out), key=lambda u: (u[0], u[1].label.value, u[1].key)))


_STORED_FIELDS = ("channel", "reason_code", "reason_text", "cash_value", "requested_amount", "refund_type")
"""The fields of a stored request its claim node holds that a re-check may leave out (the
payout name is taken with the account; identifiers are its relationships)."""
_STORED_KINDS = {Rel.CONTACT_PHONE: "contact_phone", Rel.PAID_TO: "payout_account",
                 Rel.REPRESENTED_BY: "representative"}
_STORED_LIMIT = 200
_TWIN_FIELDS = (("claim_id", Label.CLAIM, "request"), ("policy_id", Label.POLICY, "policy"),
                ("customer_id", Label.CUSTOMER, "customer"))


# ---------------------------------------------------------------------------- the scorer
@dataclass(frozen=True)
class ScoringIndex:
    """What every request is scored against, read from one state of the store: the current
    run's index (its profiles served from ``facts``) and the facts around the stored records a
    request names."""

    run: RunIndex
    facts: RequestFacts


class RealtimeScorer:
    """Scores requests against one store's current run.

    The app owns one per store; the :class:`ScoringIndex` it holds is rebuilt after a detection
    run (:meth:`refresh`) or when it notices the store's run or data changed. ``pseudonymizer``
    hashes a request's identifiers and names for a store of pseudonymized books.
    """

    def __init__(self, store: GraphStore, pseudonymizer: Pseudonymizer | None = None) -> None:
        self.store = store
        self.pseudonymizer = pseudonymizer
        self._lock = threading.Lock()
        self._index: ScoringIndex | None = None
        self._token: tuple[str, str] | None = None
        self._case_entries = -1
        self._checked = 0.0
        self._reader: threading.Thread | None = None
        self._wanted = threading.Event()
        self._shared: Path | None = None

    def refresh(self) -> ScoringIndex:
        """Rebuild the scoring index from the store now and return it.

        Read again (up to three times) when the store's run or data moved on while it was
        read, so the run's rings and profiles and the facts they judge come from one state;
        case decisions taken while it was read are read onto it (none is lost to a read that
        started before them)."""
        for _ in range(_READ_ATTEMPTS):
            token = self._current_token()
            entries = self.store.case_log_length()
            run = RunIndex.from_store(self.store)
            facts = self._facts(token, run.params.household_max)
            if self._current_token() == token:
                break
            log.info("the store moved on while the scoring index was read; reading it again")
        index = ScoringIndex(replace(run, profiles=facts.profiles), facts)
        with self._lock:
            self._index, self._token, self._checked = index, token, time.monotonic()
            self._case_entries = entries
        if self.store.case_log_length() != entries:  # a decision taken while it was read
            self.refresh_cases()
        _give_back_freed_memory()
        return self._index or index

    def share(self, folder: Path) -> None:
        """Keep the facts of each new scoring index in ``folder``, memory-mapped, with every
        scorer given the same folder (a server's workers): the first to need a run's facts reads
        them from the store and writes them there, the others map them, so the machine holds one
        copy. Facts of earlier runs are removed from it (processes still mapping them keep them
        until they move on)."""
        self._shared = folder

    def _facts(self, token: tuple[str, str], household_max: int) -> RequestFacts:
        shared = self._shared
        if shared is None:
            return RequestFacts.from_store(self.store, household_max)
        folder = shared / hashlib.sha256(repr((token, household_max)).encode()).hexdigest()[:16]
        with (shared / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process reads the store, the others wait and map
            try:
                if not folder.is_dir():
                    written = Path(tempfile.mkdtemp(prefix=".writing-", dir=shared))
                    RequestFacts.from_store(self.store, household_max).save(written)
                    written.rename(folder)
                    for earlier in shared.iterdir():
                        if earlier.is_dir() and earlier != folder and not earlier.name.startswith("."):
                            shutil.rmtree(earlier, ignore_errors=True)
                return RequestFacts.load(folder)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def take_index(self, other: RealtimeScorer) -> None:
        """Serve the scoring index ``other`` built from another connection to the same store,
        until the store's run, data or case log moves on (then this scorer rebuilds its own, as
        :meth:`index` says). A server's workers forked from the parent that built it share one
        copy of it in memory."""
        with other._lock:
            index, token, entries = other._index, other._token, other._case_entries
        with self._lock:
            self._index, self._token, self._case_entries = index, token, entries
            self._shared = other._shared
            self._checked = 0.0  # the next request checks the store

    def refresh_cases(self) -> None:
        """Read the rings' case statuses again into the index the scorer holds (the rest of the
        index stays): a ring dismissed a moment ago stops counting at the next request. Does
        nothing before the index is first built (it will read them then)."""
        index = self._index
        if index is None:
            return
        entries = self.store.case_log_length()
        updated = replace(index, run=index.run.with_cases_from(self.store))
        with self._lock:
            if self._index is index:
                self._index, self._case_entries = updated, entries

    def index(self) -> ScoringIndex:
        """The current scoring index.

        Built at once when there is none. When the store's run or data changed, the new one is
        read in a background thread while this one keeps serving (reading it takes seconds on a
        large book: requests are not held meanwhile, and each verdict still comes from one
        index); case statuses are read again at once."""
        index = self._index
        if index is None:
            return self.refresh()
        if time.monotonic() - self._checked < _REFRESH_SECONDS:
            return index
        if self._current_token() != self._token:
            self._read_in_background()
        elif self.store.case_log_length() != self._case_entries:
            self.refresh_cases()
        self._checked = time.monotonic()
        return self._index or index

    def _read_in_background(self) -> None:
        """Ask the scorer's reader thread (started on first need) to read the index again."""
        with self._lock:
            if self._reader is None or not self._reader.is_alive():  # none yet, or forked without it
                self._reader = threading.Thread(target=self._keep_reading, name="ringscope-scoring-index",
                                                daemon=True)
                self._reader.start()
            self._wanted.set()

    def _keep_reading(self) -> None:
        # One thread for the scorer's life: an SQLite store keeps a connection per thread.
        while True:
            self._wanted.wait()
            try:
                self.refresh()
            except RingScopeError:  # the store is down: the next check asks again
                log.exception("could not read the new scoring index; the current one keeps serving")
            self._wanted.clear()  # asked again while reading: that read saw the same store

    def score(self, request: object, index: ScoringIndex | None = None) -> Verdict:
        """Score one request (a :class:`SurrenderRequest`, a mapping or an object with the
        ``surrenders`` columns as attributes) against ``index`` (by default :meth:`index`);
        never writes to the store.

        Raises ``ValueError`` for a request without ``claim_id`` or with an unreadable date.
        """
        req = SurrenderRequest.from_any(request)
        index = index or self.index()
        return verdict(req.claim_id, claim_signals(self.view(req, index), index.run))

    def view(self, req: SurrenderRequest, index: ScoringIndex) -> ClaimView:
        """The request as the rules read it, from the facts of the index around it (a
        ``claim_id`` another customer's or policy's stored claim holds names nothing of it:
        :meth:`claim_id_conflict`). A request that is the stored claim its ``claim_id`` names
        takes what it leaves out from the stored request (:meth:`stored_request`)."""
        stored = self.stored_request(req, index)
        if stored is not None:
            req = stored.fill(req)
        day = req.day
        facts = index.facts
        policy = facts.policy(req.policy_id)
        customer = facts.customer(req.customer_id)
        if customer is None:
            customer = next(filter(None, map(facts.customer, policy.holders)), None)
        return ClaimView(
            claim_id=req.claim_id,
            day=day,
            customer_id=customer.key if customer is not None else req.customer_id,
            policyholder=customer.name if customer is not None else None,
            family=customer.family if customer is not None else frozenset(),
            agent_id=policy.agents[0] if policy.agents else None,
            full_refund=demands_full_refund(req.refund_type, req.cash_value, req.requested_amount),
            complaint_reason=is_complaint_reason(req.reason_code),
            payout_holder=self._name(normalize_text(req.payout_account_name)) if stored is None
            or req.payout_account_name is not None else stored.payout_holder,
            representative_name=self._name(normalize_text(req.representative_name)) if stored is None
            or req.representative_name is not None else stored.representative_name,
            identifiers=self._identifiers(req, facts) if stored is None else stored.identifiers(
                req, self._identifiers(req, facts), facts),
            changes=_changes(customer, day, index.run.params.change_window_days) if customer else (),
            taken=_taken(customer, day) if customer else (),
            letters=_letters(facts, customer, policy, day),
            other_claims=tuple(k for k in customer.claims if k != req.claim_id) if customer else (),
            foreign_claim_id=self.claim_id_conflict(req, index) is not None,
        )

    def stored_request(self, req: SurrenderRequest, index: ScoringIndex) -> StoredRequest | None:
        """The stored request ``req`` is (its ``claim_id`` names a stored claim and nothing in it
        says otherwise: :meth:`claim_id_conflict`), read from the store, else ``None``.

        A risk system re-checking a request it sent before names it by id and date; it expects
        the verdict investigators see on that request's page (the batch run's until a case
        decision), not the verdict of a request with no contact phone, account, representative
        or refund type.
        So what the request leaves out is taken from the stored request; what it gives (a
        corrected account, say) replaces the stored value for this answer only. Reading the
        claim's own record is one look-up around one node, made only for such requests."""
        facts = index.facts.claim(req.claim_id)
        if facts is None or self.claim_id_conflict(req, index) is not None:
            return None
        try:
            around = self.store.neighbourhood(Label.CLAIM, req.claim_id, depth=1, limit=_STORED_LIMIT)
        except NotFoundError:
            return None
        me = NodeRef(Label.CLAIM, req.claim_id)
        props = next((n.props for n in around.nodes if n.ref == me), {})
        given: dict[str, list[NodeRef]] = {}
        for edge in around.edges:
            kind = _STORED_KINDS.get(edge.rel) if edge.src == me else None
            if kind is not None:
                given.setdefault(kind, []).append(edge.dst)
        holder, representative = props.get("payout_account_name"), props.get("representative_name")
        return StoredRequest(
            customer_id=facts.customer, policy_id=facts.policy,
            fields={f: props.get(f) for f in _STORED_FIELDS if props.get(f) is not None},
            payout_holder=holder.strip() or None if isinstance(holder, str) else None,
            uses={kind: tuple(sorted(set(refs), key=lambda r: (r.label.value, r.key))) for kind, refs in given.items()},
            representative_name=representative.strip() or None if isinstance(representative, str) else None,
        )

    @staticmethod
    def claim_id_conflict(req: SurrenderRequest, index: ScoringIndex) -> str | None:
        """Why the request is not the stored claim its ``claim_id`` names, ``None`` when it is
        (or no stored claim holds the id).

        A stored claim's customer and policy never change (ingest refuses a record sent again
        naming others), so a request naming another customer or another policy than the
        stored claim of its id, or another request date, is another request whose number
        collided with it (numbers per branch, per year or per channel): it is scored as a new
        request, and does not inherit the stored claim's ring. A request of the stored date
        that names neither customer nor policy is the stored claim. A customer or policy typed
        another way than the stored claim's (:func:`graph.keys.twin_of`) is named, with what
        differs.
        """
        stored = index.facts.claim(req.claim_id)
        if stored is None:
            return None
        other = [what for what, given, kept in (("customer", req.customer_id, stored.customer),
                                                ("policy", req.policy_id, stored.policy))
                 if given is not None and given != kept]
        if stored.request_date is not None and req.request_date != stored.request_date:
            other.append("request date")
        if not other:
            return None
        named = other[0] if len(other) == 1 else f"{', '.join(other[:-1])} and {other[-1]}"
        twins = "".join(f"; its {what} is {kept}, which differs from {given} only in {twin.what}"
                        for what, given, kept in (("customer", req.customer_id, stored.customer),
                                                  ("policy", req.policy_id, stored.policy))
                        if given is not None and kept is not None and (twin := twin_of(given, kept)))
        return f"the id of a stored request of another {named}: scored as a new request, not as that one{twins}"

    @staticmethod
    def read_twins(req: SurrenderRequest, index: ScoringIndex
                   ) -> tuple[SurrenderRequest, list[tuple[str, str, tuple[str, ...]]]]:
        """``req`` with each record id (``claim_id``, ``policy_id``, ``customer_id``) no stored
        record holds but a stored one holds typed another way (:mod:`graph.keys.twins`: letter
        case, spaces, leading zeros), and a warning ``(field, reason, stored ids)`` for each,
        naming the stored id and what differs.

        Such an id is kept, not re-keyed to the stored record: ingest keeps ids as typed (it
        keeps ``s90000002`` beside ``S90000002`` as two records, with a warning), and ``358`` or
        ``s90000002`` may be a new request whose number collides with a stored one, as numbers
        of other branches or channels collide. Re-keyed silently, it would take the stored
        claim's customer, payout account, representative and ring, or the stored policy's
        holder: a false merge, the error ingest refuses to make. So the request is scored as a
        new one (the policy or customer as unknown), and the warning lets a risk system that
        meant the stored record send it again under that id. An id whose only difference is
        whitespace the stored id does not hold cannot be another record
        (:attr:`graph.keys.StoredTwin.same_record`): it is read as the stored one, and the
        warning says so.
        """
        found: dict[str, Any] = {}
        warnings = []
        for name, label, noun in _TWIN_FIELDS:
            key = getattr(req, name)
            twin = index.facts.stored_twin(label, key) if key is not None else None
            if twin is None:
                continue
            if twin.same_record:
                found[name] = twin.stored[0]
                outcome = "read as that one (an id holds no space)"
            elif label is Label.CLAIM:
                outcome = f"scored as a new {noun}, not as that one (ids are kept as typed)"
            else:
                outcome = f"read as another {noun}, not as that one (ids are kept as typed)"
            warnings.append((name, f"no stored {noun} has this id; {twin.describe(noun)}: {outcome}", twin.stored))
        return (replace(req, **found) if found else req), warnings

    # ------------------------------------------------------------------ look-ups
    def _current_token(self) -> tuple[str, str]:
        run = self.store.current_run()
        return (run.run_id if run else "", self.store.data_fingerprint())

    def _node(self, label: Label, key: str) -> NodeRef:
        """The node a request's normalized identifier is, hashed in a pseudonymized store."""
        return NodeRef(label, stored_key(label, key, self.pseudonymizer))

    def _name(self, name: str | None) -> str | None:
        return name if self.pseudonymizer is None else self.pseudonymizer.name(name)

    def _identifiers(self, req: SurrenderRequest, facts: RequestFacts) -> tuple[tuple[str, NodeRef], ...]:
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
            rep_phones.update(facts.representative_phones(person.key))
            rep_phone = normalize_phone(req.representative_phone)
            if rep_phone is not None:
                rep_phones.add(self._node(Label.PHONE, rep_phone.value).key)
        out += [("representative_phone", NodeRef(Label.PHONE, key)) for key in rep_phones]
        return tuple(sorted(set(out), key=lambda u: (u[0], u[1].label.value, u[1].key)))


# ---------------------------------------------------------------------------- helpers
def _give_back_freed_memory() -> None:
    """Return the heap the read of an index freed to the system (glibc's ``malloc_trim``; a
    no-op elsewhere): its frames are gone, but glibc keeps their pages, about a hundred
    megabytes per read on a 100 000-customer book, in each server worker that read one."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _changes(customer: CustomerFacts, day: int, window: int) -> tuple[tuple[NodeRef, int], ...]:
    """Contact details the customer changed to within ``window`` days before the request."""
    return tuple((ref, changed) for ref, changed in customer.changes if 0 <= day - changed <= window)


def _taken(customer: CustomerFacts, day: int) -> tuple[tuple[NodeRef, int], ...]:
    """The phone numbers the customer changed to on or before the request, each with the last
    such day (:attr:`detectors.claim_view.ClaimView.taken`)."""
    last = {ref: changed for ref, changed in customer.changes if ref.label is Label.PHONE and changed <= day}
    return tuple(sorted(((ref, changed) for ref, changed in last.items()), key=lambda c: (c[1], c[0].label, c[0].key)))


def _letters(facts: RequestFacts, customer: CustomerFacts | None, policy: PolicyFacts,
             day: int) -> tuple[Letter, ...]:
    """The customer's letters and the policy's that belong to a request filed on ``day``."""
    keys = (customer.complaints if customer is not None else ()) + policy.complaints
    return tuple(Letter(letter.key, letter.day, letter.text, letter.identifiers)
                 for letter in facts.letters(keys) if letter_belongs(day, letter.day))


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
    day = day_number(value)
    if day is None:
        raise RequestFieldError("request_date", f"request_date {value!r} is not a date (YYYY-MM-DD)")
    return date.fromordinal(day + _EPOCH).isoformat()
