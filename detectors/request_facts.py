"""What real-time scoring reads about the records a request names, read from the store once per run.

A surrender request names a policy, a customer and perhaps a representative; the rules need, for
each, a few facts around it (:class:`~detectors.claim_view.ClaimView`): the customer's name,
family, contact changes, complaint letters and other claims, the policy's holder, agent and
letters, the representative's phones, the customer and policy of every stored claim (a request
whose id a stored claim holds is that claim only when it names no other customer or policy), and
the run's profile of every identifier involved, and the stored claim, policy and customer ids
that are not their own twin form (:func:`graph.keys.odd_twins`: a request naming ``s90000002``
or ``358`` when the store holds only ``S90000002`` or ``00000358`` is told so).
:class:`RequestFacts` reads all of them in bulk when a run's scoring index is built (one read per
relationship type, not a handful of look-ups per request) and keeps them packed
(:class:`~detectors.packed.PackedRecords`), so a request is a few look-ups in memory and every
verdict comes from one state of the store: the run's profiles and the data they were computed
on, never the profiles of a run that landed a moment later.

Each fact is read as the per-request look-ups read it (:mod:`detectors.realtime` used to ask the
store around each request): a customer's family are the customers sharing a registered address
of 2 to ``household_max`` residents, or a registered phone within one surname in groups of that
size (as :func:`detectors.book.load_book` ties households); a contact change counts with the
date it carries (``date``, else ``change_date``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from detectors.book import COMPLAINT_PHONE, MAILING_ADDRESS, surname
from detectors.packed import PackedRecords
from graph.keys import StoredTwin, normalize_text, odd_twins, stored_twin
from graph.model import Label, NodeRef, Rel
from graph.results import IdentifierProfile
from graph.store import GraphStore

__all__ = ["ClaimFacts", "CustomerFacts", "LetterFacts", "PolicyFacts", "RequestFacts", "day_number"]

_EPOCH = date(1970, 1, 1).toordinal()
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CHANGED = (Label.PHONE, Label.ADDRESS, Label.BANK_ACCOUNT)
_TABLES = ("customers", "policies", "complaints", "persons", "profiles", "claims", "record_twins")
_LETTER_IDENTIFIERS = ((Rel.CONTACT_PHONE, Label.PHONE, COMPLAINT_PHONE),
                       (Rel.MAILED_FROM, Label.ADDRESS, MAILING_ADDRESS))


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """A stored customer: ``name`` (normalized, ``None`` without one), ``family`` (names of the
    customers tied to it directly), ``changes`` (every contact detail it changed to, with the
    day of the change: days since 1970-01-01, sorted), ``complaints`` and ``claims`` (keys of
    the letters it wrote and the claims it filed)."""

    key: str
    name: str | None
    family: frozenset[str]
    changes: tuple[tuple[NodeRef, int], ...]
    complaints: tuple[str, ...]
    claims: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """A policy's ``holders`` (customer keys), ``agents`` (who sold it) and ``complaints``
    (letters about it), each sorted by key."""

    holders: tuple[str, ...]
    agents: tuple[str, ...]
    complaints: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """A stored claim's ``customer`` and ``policy`` (keys) and ``request_date`` (ISO); ``None``
    for what it does not name."""

    customer: str | None
    policy: str | None
    request_date: str | None


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """A stored complaint letter: received ``day`` (``None`` when unknown), ``text``, and the
    phone and mailing address it gave, as ``(kind, node)`` sorted by kind, label and key."""

    key: str
    day: int | None
    text: str
    identifiers: tuple[tuple[str, NodeRef], ...]


class RequestFacts:
    """The facts around every stored customer, policy, complaint and representative, the
    customer and policy of every stored claim, the stored record ids typed another way than their
    twin form, and the run's identifier profiles, as of one read of the store (see the module docstring).

    Look-ups never touch the store; an unknown key gives ``None`` (or nothing). :attr:`nbytes`
    is the memory the packed facts take.
    """

    def __init__(self, customers: PackedRecords, policies: PackedRecords, complaints: PackedRecords,
                 persons: PackedRecords, profiles: PackedRecords, claims: PackedRecords,
                 record_twins: PackedRecords) -> None:
        self._customers, self._policies, self._complaints = customers, policies, complaints
        self._persons, self._profiles, self._claims = persons, profiles, claims
        self._record_twins = record_twins
        self._records = {Label.CLAIM: claims, Label.POLICY: policies, Label.CUSTOMER: customers}

    @property
    def nbytes(self) -> int:
        """Bytes the packed facts take (every table's records, hashes and offsets)."""
        return sum(t.nbytes for t in self._tables())

    def sizes(self) -> dict[str, int]:
        """Records per table: ``customers``, ``policies``, ``complaints``, ``persons``,
        ``profiles``, ``claims``, ``record_twins`` (twin forms of stored claim, policy and customer
        ids that are not their own form)."""
        return {name: len(table) for name, table in zip(_TABLES, self._tables(), strict=True)}

    def _tables(self) -> tuple[PackedRecords, ...]:
        return (self._customers, self._policies, self._complaints, self._persons, self._profiles,
                self._claims, self._record_twins)

    # ---------------------------------------------------------------- one copy per machine
    def save(self, folder: Path) -> None:
        """Write the packed facts into ``folder`` (which must exist)."""
        for name, table in zip(_TABLES, self._tables(), strict=True):
            table.save(folder / name)

    @classmethod
    def load(cls, folder: Path) -> RequestFacts:
        """The facts :meth:`save` wrote, memory-mapped: processes that load them share one copy."""
        return cls(*(PackedRecords.load(folder / name) for name in _TABLES))

    # ---------------------------------------------------------------- look-ups
    def customer(self, key: str | None) -> CustomerFacts | None:
        """A stored customer's facts, ``None`` for an unknown one."""
        found = self._customers.get(key) if key else None
        if key is None or found is None:
            return None
        name, family, changes, complaints, claims = found
        return CustomerFacts(key, name, frozenset(family),
                             tuple((NodeRef(Label(lbl), k), day) for lbl, k, day in changes),
                             tuple(complaints), tuple(claims))

    def claim(self, key: str) -> ClaimFacts | None:
        """A stored claim's customer, policy and request date, ``None`` for an id no stored
        claim holds."""
        found = self._claims.get(key)
        return None if found is None else ClaimFacts(*found)

    def stored_twin(self, label: Label, key: str) -> StoredTwin | None:
        """The stored claims, policies or customers (``label``) ``key`` is a twin of, as ingest
        finds them (:func:`graph.keys.stored_twin`); ``None`` when ``key`` is stored or has no
        twin."""
        records = self._records[label]
        return stored_twin(key, lambda k: records.get(k) is not None,
                           lambda form: self._record_twins.get(_ref_key(label.value, form)))

    def policy(self, key: str | None) -> PolicyFacts:
        """A policy's holders, agents and letters (none for an unknown policy)."""
        found = self._policies.get(key) if key else None
        if found is None:
            return PolicyFacts((), (), ())
        return PolicyFacts(*(tuple(part) for part in found))

    def letters(self, keys: Iterable[str]) -> list[LetterFacts]:
        """The stored letters among ``keys``, each once, sorted by key."""
        out = []
        for key in sorted(set(keys)):
            found = self._complaints.get(key)
            if found is not None:
                day, text, given = found
                out.append(LetterFacts(key, day, text,
                                       tuple((kind, NodeRef(Label(lbl), k)) for kind, lbl, k in given)))
        return out

    def representative_phones(self, key: str) -> tuple[str, ...]:
        """Keys of the phones a stored representative (by node key) is known by."""
        return tuple(self._persons.get(key) or ())

    def profiles(self, refs: Sequence[NodeRef]) -> dict[NodeRef, IdentifierProfile]:
        """The run's profiles of ``refs`` (unprofiled ones are absent): a
        :data:`detectors.rules.ProfileSource`."""
        out = {}
        for ref in refs:
            found = self._profiles.get(_ref_key(ref.label.value, ref.key))
            if found is not None:
                customers, unrelated, suspicion, ring_id, notes, ring_last, ring_taken = found
                out[ref] = IdentifierProfile(ref.label.value, ref.key, customers, unrelated, suspicion,
                                             ring_id, tuple(notes), ring_last, ring_taken)
        return out

    # ---------------------------------------------------------------- the read
    @classmethod
    def from_store(cls, store: GraphStore, household_max: int) -> RequestFacts:
        """Read every fact from ``store`` (the current run's profiles with the data);
        ``household_max`` is the run's largest household (:class:`~detectors.params.DetectionParams`)."""
        filed = store.edges_frame(Label.CUSTOMER, Rel.FILED, Label.CLAIM)
        claims = store.nodes_frame(Label.CLAIM)
        customers = store.nodes_frame(Label.CUSTOMER)
        policies = list(_policies(store))
        keys = {Label.CLAIM: _keys(claims), Label.POLICY: pd.Series([k for k, _ in policies], dtype=object),
                Label.CUSTOMER: _keys(customers)}
        return cls(
            customers=PackedRecords(_customers(store, household_max, filed, customers)),
            policies=PackedRecords(policies),
            complaints=PackedRecords(_complaints(store)),
            persons=PackedRecords(_grouped(store.edges_frame(Label.PERSON, Rel.HAS_PHONE, Label.PHONE)).items()),
            profiles=PackedRecords(
                (_ref_key(p.label, p.key), [p.customers, p.unrelated_customers, p.suspicion, p.ring_id, list(p.notes),
                                                 p.ring_last_request, p.ring_first_taken])
                for p in store.identifier_profiles(None).values()),
            claims=PackedRecords(_claims(store, filed, claims)),
            record_twins=PackedRecords((_ref_key(label.value, form), found) for label, ids in keys.items()
                                       for form, found in odd_twins(ids).items()),
        )


def _keys(nodes: pd.DataFrame) -> pd.Series:
    return nodes["key"] if "key" in nodes.columns else pd.Series([], dtype=object)


def _ref_key(label: str, key: str) -> str:
    return f"{label}\x1f{key}"


def _value(value: object) -> Any:
    """A frame cell as the store gave it, missing (``None`` or NaN) as ``None``."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _grouped(frame: pd.DataFrame, by: str = "src", value: str = "dst") -> dict[str, list[str]]:
    """``value`` keys by ``by`` key, each list sorted."""
    out: dict[str, list[str]] = defaultdict(list)
    for k, v in _pairs(frame, by, value):
        out[k].append(v)
    for found in out.values():
        found.sort()
    return out


def _customers(store: GraphStore, household_max: int, filed: pd.DataFrame,
               nodes: pd.DataFrame) -> Iterable[tuple[str, list[Any]]]:
    keys = nodes["key"].astype(str).tolist()
    raw = [_value(n) for n in nodes["name"].tolist()] if "name" in nodes.columns else [None] * len(keys)
    normal = _normalized(raw)
    names = [normal[n] for n in raw]
    family = _families(store.family_registrations(household_max), household_max)
    changes = _changes(store)
    complaints = _grouped(store.edges_frame(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT))
    claims = _grouped(filed)
    for key, name in zip(keys, names, strict=True):
        yield key, [name, sorted(family.get(key, ())), changes.get(key, []), complaints.get(key, []),
                    claims.get(key, [])]


def _normalized(names: list[Any]) -> dict[Any, str | None]:
    """Each distinct name normalized once (names repeat: one normalization per distinct value)."""
    return {name: normalize_text(name) for name in set(names)}


def _families(registrations: pd.DataFrame, household_max: int) -> dict[str, set[str]]:
    """Names of the customers tied to each customer: residents of one registered address (the
    store gives those of 2 to ``household_max`` residents), or customers of one surname on a
    registered phone, in a group of 2 to ``household_max``."""
    groups: dict[tuple[str, str, str], list[tuple[str, str | None]]] = defaultdict(list)
    normal = _normalized(registrations["name"].tolist())
    for customer, name, label, key in registrations.itertuples(index=False, name=None):
        text = normal[name]
        within = surname(text) if label == Label.PHONE.value else ""
        groups[(label, key, within)].append((customer, text))
    family: dict[str, set[str]] = defaultdict(set)
    for members in groups.values():
        if 1 < len(members) <= household_max:
            for me, _ in members:
                family[me].update(text for other, text in members if other != me and text is not None)
    return family


def _changes(store: GraphStore) -> dict[str, list[list[Any]]]:
    """Per customer, ``[label, key, day]`` of each contact detail it changed to (dated changes
    only, each once), sorted by day, label and key."""
    out: dict[str, set[tuple[int, str, str]]] = defaultdict(set)
    for label in _CHANGED:
        frame = store.edges_frame(Label.CUSTOMER, Rel.CHANGED_TO, label)
        if frame.empty:
            continue
        dated = frame["date"].tolist() if "date" in frame.columns else [None] * len(frame)
        other = frame["change_date"].tolist() if "change_date" in frame.columns else [None] * len(frame)
        for src, dst, first, second in zip(frame["src"].tolist(), frame["dst"].tolist(), dated, other, strict=True):
            day = day_number(_value(first) or _value(second))
            if day is not None:
                out[str(src)].add((day, label.value, str(dst)))
    return {customer: [[lbl, key, day] for day, lbl, key in sorted(found)] for customer, found in out.items()}


def _policies(store: GraphStore) -> Iterable[tuple[str, list[list[str]]]]:
    holders = _grouped(store.edges_frame(Label.CUSTOMER, Rel.HOLDS, Label.POLICY), by="dst", value="src")
    agents = _grouped(store.edges_frame(Label.AGENT, Rel.SOLD, Label.POLICY), by="dst", value="src")
    letters = _grouped(store.edges_frame(Label.COMPLAINT, Rel.ABOUT, Label.POLICY), by="dst", value="src")
    for key in sorted(holders.keys() | agents.keys() | letters.keys()):
        yield key, [holders.get(key, []), agents.get(key, []), letters.get(key, [])]


def _claims(store: GraphStore, filed: pd.DataFrame, nodes: pd.DataFrame) -> Iterable[tuple[str, list[str | None]]]:
    """Per stored claim, ``[customer, policy, request_date]`` (``None`` for what it does not
    name); ``nodes`` are the claim nodes."""
    customer = {claim: who for who, claim in _pairs(filed)}
    policy = dict(_pairs(store.edges_frame(Label.CLAIM, Rel.SURRENDERS, Label.POLICY)))
    day: dict[str, str] = {}
    if "request_date" in nodes.columns:
        dated = nodes.dropna(subset=["request_date"])
        day = dict(zip(dated["key"].astype(str).tolist(), dated["request_date"].astype(str).tolist(), strict=True))
    for key in sorted(customer.keys() | policy.keys()):
        yield key, [customer.get(key), policy.get(key), day.get(key)]


def _complaints(store: GraphStore) -> Iterable[tuple[str, list[Any]]]:
    nodes = store.nodes_frame(Label.COMPLAINT)
    if nodes.empty:
        return
    given: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for rel, label, kind in _LETTER_IDENTIFIERS:
        for src, dst in _pairs(store.edges_frame(Label.COMPLAINT, rel, label)):
            given[src].append((kind, label.value, dst))
    received = nodes["received_date"].tolist() if "received_date" in nodes.columns else [None] * len(nodes)
    texts = nodes["text"].tolist() if "text" in nodes.columns else [None] * len(nodes)
    for key, day, text in zip(nodes["key"].astype(str).tolist(), received, texts, strict=True):
        yield key, [day_number(_value(day)), str(_value(text) or ""), [list(u) for u in sorted(given.get(key, []))]]


def _pairs(frame: pd.DataFrame, first: str = "src", second: str = "dst") -> Iterable[tuple[str, str]]:
    if frame.empty:
        return []
    return zip(frame[first].astype(str).tolist(), frame[second].astype(str).tolist(), strict=True)


def day_number(value: object) -> int | None:
    """Days since 1970-01-01 of a date (also ``YYYY/MM/DD`` and ``YYYYMMDD``), ``None`` when
    missing or unreadable.

    >>> day_number("1970-01-31"), day_number("19700201"), day_number("soon")
    (30, 31, None)
    """
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


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None

