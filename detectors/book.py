"""The book as detection reads it: claims, customers, households and identifier uses.

:func:`load_book` turns a store's node and edge frames into a handful of flat tables keyed by
claim and customer. Everything else in ``detectors`` works on a :class:`Book`, never on the
store, so detection runs the same on every backend.

Households are inferred, not given: customers registered at the same (small) address are one
household, and so are customers of one surname sharing a registered phone.

>>> from detectors.book import surname
>>> surname("欧阳娜娜"), surname("王芳"), surname("")
('欧阳', '王', '')
"""

from __future__ import annotations

import hashlib
import re
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graph.errors import DetectionError
from graph.keys import number_block
from graph.model import Label, NodeRef, Rel
from graph.store import GraphStore

__all__ = [
    "Book",
    "UseKind",
    "book_period",
    "demands_full_refund",
    "family_member",
    "is_company",
    "is_complaint_reason",
    "is_person_name",
    "label_of",
    "load_agents",
    "load_book",
    "load_claims",
    "load_letters",
    "load_watchlist",
    "payout_flags",
    "stranger_represents",
    "surname",
    "with_number_blocks",
]

# How a claim touches an identifier. The value is the link type used in evidence and exports.
UseKind = str
CONTACT_PHONE: UseKind = "contact_phone"
PAYOUT_ACCOUNT: UseKind = "payout_account"
REPRESENTATIVE: UseKind = "representative"
REPRESENTATIVE_PHONE: UseKind = "representative_phone"
COMPLAINT_PHONE: UseKind = "complaint_phone"
MAILING_ADDRESS: UseKind = "mailing_address"
CHANGED_TO: UseKind = "changed_to"
NUMBER_BLOCK: UseKind = "number_block"
"""A phone a customer changed to just before the request, seen as its block of a hundred
consecutive numbers (:func:`graph.keys.number_block`); only blocks holding two or more of the
book's such numbers are uses."""
BLOCK_KINDS: frozenset[UseKind] = frozenset({CHANGED_TO})
"""The uses whose phone numbers count by their block: a fresh SIM card is set as the policy's
phone days or weeks before the request (``../shared/domain.md``). A number a customer has long
held counts by itself only: in a real book a block of a hundred numbers holds several of one
county's customers by chance."""

_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 澹台".split()
)
_COMPANY = re.compile(r"公司|中心|事务所|工作室|咨询|律师|商行|服务部|顾问")
_COMPLAINT_REASON = re.compile(r"complain|missell|mis-sell|mislead|dispute|投诉|误导|纠纷|欺诈|regulat|监管|信访", re.I)
_FULL_REFUND = re.compile(r"full|全额", re.I)
_DEMAND_FACTOR = 1.2


_LABELS: dict[str, Label] = {label.value: label for label in Label}


def label_of(value: str) -> Label:
    """The :class:`~graph.model.Label` whose value is ``value`` (a dictionary look-up: calling
    the enum costs several times more, and detection does it for every identifier use).

    >>> label_of("Phone") is Label.PHONE
    True
    """
    found = _LABELS.get(value)
    return found if found is not None else Label(value)


def surname(name: str | None) -> str:
    """The surname of a Chinese name (compound surnames included); ``""`` when unknown."""
    if not name or not isinstance(name, str):
        return ""
    name = name.strip()
    return name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]


def is_company(name: str | None) -> bool:
    """Whether an account holder name looks like a company or agency.

    >>> is_company("赣州XX咨询服务有限公司"), is_company("王芳")
    (True, False)
    """
    return bool(name) and isinstance(name, str) and bool(_COMPANY.search(name))


_PERSON_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def is_person_name(name: str | None) -> bool:
    """Whether an account holder name is a person's as a resident ID card gives it (two to four
    Chinese characters), not an institution's or a company's (``第三护理院``, ``县人民医院住院部``).

    >>> is_person_name("王芳"), is_person_name("欧阳建国"), is_person_name("福寿护理院有限公司"), is_person_name(None)
    (True, True, False, False)
    """
    return isinstance(name, str) and bool(_PERSON_NAME.fullmatch(name.strip())) and not is_company(name)


def family_member(name: str | None, policyholder: str | None, family: Iterable[str] = ()) -> bool:
    """Whether the person ``name`` is the policyholder or of their family: the policyholder, or
    of the surname of the policyholder or of one of the ``family`` names (the customers tied to
    the policyholder: a son bears his father's surname, not always his mother's). False when
    either name is unknown, or ``name`` is a company's.

    >>> family_member("王强", "王芳"), family_member("李强", "陈芳", ["李建国"]), family_member("李强", "王芳")
    (True, True, False)
    """
    if not name or not isinstance(name, str) or not policyholder or is_company(name):
        return False
    name = name.strip()
    return name == policyholder or surname(name) in {surname(policyholder), *map(surname, family)}


def stranger_represents(representative: str | None, policyholder: str | None, family: Iterable[str] = ()) -> bool:
    """Whether a request filed by a representative named ``representative`` was filed by
    someone outside the policyholder's family (:func:`family_member`); a representative of
    unknown name or relation counts as one. ``../shared/domain.md`` names family representatives
    among what is not a ring: over 23 books from five authors (the project's generated ones,
    eight written outside it and a tester's six), 413 of 428 requests whose representative
    bore the policyholder's surname were honest, against 1 762 of 2 433 of the others.

    >>> stranger_represents("王强", "王芳"), stranger_represents("李强", "王芳"), stranger_represents(None, "王芳")
    (False, True, True)
    """
    return not family_member(representative, policyholder, family)


def payout_flags(holder: str | None, policyholder: str | None,
                 family: Iterable[str] = ()) -> tuple[bool, bool]:
    """(third party, company) for a payout account holder: a company or agency is both; a
    person is a third party unless it is the policyholder, shares the policyholder's surname, or
    is one of the ``family`` names.

    >>> payout_flags("赣州XX咨询服务有限公司", "王芳"), payout_flags("李强", "王芳"), payout_flags("王强", "王芳")
    ((True, True), (True, False), (False, False))
    """
    if not holder or not isinstance(holder, str):
        return False, False
    holder = holder.strip()
    if is_company(holder):
        return True, True
    if not policyholder or family_member(holder, policyholder, family):
        return False, False
    return True, False


@dataclass
class Book:
    """Flat tables detection works on (all ids are strings, dates are days since 1970-01-01).

    Attributes:
        claims: one row per claim, indexed by claim id: ``customer_id``, ``policy_id``,
            ``agent_id``, ``day``, ``date`` (ISO text), ``full_refund``, ``complaint_reason``.
        customers: one row per customer detection looks at (claimants, customers registered at
            an identifier a claim reaches, customers who may share a household), indexed by
            customer id: ``name``, ``surname``, ``household`` (an integer; customers of one
            household share it), ``family`` (the names of the customers tied to it directly, a
            frozenset).
        uses: one row per (claim, identifier, kind): ``claim_id``, ``customer_id``, ``label``,
            ``key``, ``kind``, ``third_party`` (payout to someone outside the household),
            ``company`` (payout holder looks like an agency), ``holder`` (account holder name),
            ``change_day`` (day the customer changed to it, for ``changed_to``), ``taken_day``
            (for a phone: the last day on or before the request the customer changed to it,
            NaN when never with a date; :mod:`detectors.reissue`).
        registered: customers' registered identifiers that some claim reaches (see
            :data:`graph.model.CLAIM_REACH`): ``customer_id``, ``label``, ``key``.
        complaints: ``complaint_id``, ``customer_id``, ``policy_id``, ``claim_id`` (the claim it
            backs, if any), ``day``, ``text``.
        letter_identifiers: ``complaint_id``, ``kind``, ``label``, ``key`` of the phone and
            mailing address each letter gave.
        agents: indexed by agent id: ``name``, ``status``, ``leave_day``, ``branch``,
            ``policies`` (policies the agent sold, counted for agents who are not active; 0 for
            active ones).
        agent_phones: phone keys registered to agents, with the agent id.
        watchlist: (label, key) → name of the watchlist entry.
    """

    claims: pd.DataFrame
    customers: pd.DataFrame
    uses: pd.DataFrame
    registered: pd.DataFrame
    complaints: pd.DataFrame
    letter_identifiers: pd.DataFrame
    agents: pd.DataFrame
    agent_phones: dict[str, str]
    watchlist: dict[tuple[str, str], str]

    @property
    def claim_ids(self) -> list[str]:
        return list(self.claims.index)


def book_period(book: Book) -> float:
    """Days from the book's first to its last request or letter (at least one)."""
    days = np.concatenate([book.claims["day"].to_numpy(float), book.complaints["day"].to_numpy(float)])
    days = days[~np.isnan(days)]
    return float(max(days.max() - days.min(), 1.0)) if len(days) else 1.0


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present in ``frame`` (as object values), else a column of None."""
    for name in names:
        if name in frame.columns:
            return frame[name].astype(object).where(frame[name].notna(), None)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _days(values: pd.Series) -> np.ndarray:
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    out = np.full(len(values), np.nan)
    ok = parsed.notna().to_numpy()
    out[ok] = (parsed[ok].to_numpy().astype("datetime64[D]").astype(np.int64)).astype(float)
    return out


def _edges(store: GraphStore, src: Label, rel: Rel, dst: Label) -> pd.DataFrame:
    """The relationships with ``src``/``dst`` keys as plain Python strings (object columns:
    detection maps, joins and iterates them, which Arrow-backed strings make slow)."""
    return _plain_keys(store.edges_frame(src, rel, dst))


def _edges_to(store: GraphStore, src: Label, rel: Rel, dst: Label, keys: Iterable[str]) -> pd.DataFrame:
    """As :func:`_edges`, only the relationships ending at ``keys`` (looked up, not all read)."""
    return _plain_keys(store.edges_to(src, rel, dst, keys))


def _edges_from(store: GraphStore, src: Label, rel: Rel, dst: Label, keys: Iterable[str]) -> pd.DataFrame:
    """As :func:`_edges`, only the relationships leaving ``keys`` (looked up, not all read)."""
    return _plain_keys(store.edges_from(src, rel, dst, keys))


def _plain_keys(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({"src": pd.Series(dtype=object), "dst": pd.Series(dtype=object)})
    return frame.assign(src=frame["src"].astype(str).astype(object), dst=frame["dst"].astype(str).astype(object))


def _first_by(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    """``key`` → ``value`` keeping the first row per key (frames come sorted)."""
    if frame.empty:
        return {}
    dedup = frame.drop_duplicates(key)
    keys = dedup[key].astype(str).to_numpy(dtype=object)
    values = dedup[value].astype(str).to_numpy(dtype=object)
    return dict(zip(keys.tolist(), values.tolist(), strict=True))


def is_complaint_reason(reason_code: object) -> bool:
    """Whether a surrender reason code or text says the surrender is complaint-driven.

    >>> is_complaint_reason("mis_selling_complaint"), is_complaint_reason("financial_need")
    (True, False)
    """
    return isinstance(reason_code, str) and bool(_COMPLAINT_REASON.search(reason_code))


def demands_full_refund(refund_type: object, cash_value: object, requested_amount: object) -> bool:
    """A full premium refund demanded: by refund type, or by asking for at least 1.2 times the
    cash value.

    >>> demands_full_refund("cash_value", 10_000, 30_000), demands_full_refund("cash_value", 10_000, 10_000)
    (True, False)
    """
    if isinstance(refund_type, str) and _FULL_REFUND.search(refund_type):
        return True
    try:
        cash, asked = float(cash_value), float(requested_amount)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return cash == cash and asked == asked and cash > 0 and asked >= _DEMAND_FACTOR * cash


def load_claims(store: GraphStore) -> pd.DataFrame:
    """One row per claim, indexed by claim id: ``customer_id``, ``policy_id``, ``agent_id``,
    ``day``, ``date`` (ISO text), ``full_refund`` (see :func:`demands_full_refund`),
    ``complaint_reason``, ``payout_name``, ``representative_name``.

    Raises :class:`DetectionError` when the store holds no claims.
    """
    claim_nodes = store.nodes_frame(Label.CLAIM)
    if claim_nodes.empty:
        raise DetectionError("the store holds no surrender claims; ingest a book first")
    claim_ids = claim_nodes["key"].astype(str).tolist()
    filed = _edges_to(store, Label.CUSTOMER, Rel.FILED, Label.CLAIM, claim_ids)
    surrenders = _edges(store, Label.CLAIM, Rel.SURRENDERS, Label.POLICY)
    claim_policy = _first_by(surrenders, "src", "dst")
    surrendered = set(claim_policy.values())
    sold = _edges_to(store, Label.AGENT, Rel.SOLD, Label.POLICY, surrendered)
    holds = _edges_to(store, Label.CUSTOMER, Rel.HOLDS, Label.POLICY, surrendered)

    policy_agent = _first_by(sold, "dst", "src")
    policy_holder = _first_by(holds, "dst", "src")
    claim_customer = _first_by(filed, "dst", "src")
    policy_ids = [claim_policy.get(c) for c in claim_ids]
    customer_ids = [
        claim_customer.get(c) or (policy_holder.get(p) if p else None)
        for c, p in zip(claim_ids, policy_ids, strict=True)
    ]
    date_text = _column(claim_nodes, "request_date")
    full = [demands_full_refund(r, c, a) for r, c, a in zip(
        _column(claim_nodes, "refund_type"), _column(claim_nodes, "cash_value"),
        _column(claim_nodes, "requested_amount"), strict=True)]
    return pd.DataFrame(
        {
            "customer_id": [c if c is not None else f"?{k}" for c, k in zip(customer_ids, claim_ids, strict=True)],
            "policy_id": policy_ids,
            "agent_id": [policy_agent.get(p) if p else None for p in policy_ids],
            "day": _days(date_text),
            "date": date_text.to_numpy(),
            "full_refund": np.array(full, dtype=bool),
            "complaint_reason": np.array([is_complaint_reason(r) for r in _column(claim_nodes, "reason_code")],
                                         dtype=bool),
            "payout_name": _column(claim_nodes, "payout_account_name").to_numpy(),
            "representative_name": _column(claim_nodes, "representative_name").to_numpy(),
        },
        index=pd.Index(np.array(claim_ids, dtype=object), dtype=object, name="claim_id"),
    )


def load_book(store: GraphStore, household_max: int = 6, change_window_days: int = 90) -> Book:
    """Read everything detection needs from a store.

    Customers come from the store's shared-identifier queries
    (:meth:`~graph.store.GraphStore.claim_identifier_holders`,
    :meth:`~graph.store.GraphStore.family_registrations`): only claimants, the customers
    registered at an identifier some claim reaches, and those whose registrations can tie
    them into a household are read, never every customer. Relationships of customers and
    policies are looked up by key (the claims' filers and contact changes, the surrendered
    policies' holders and agents); only claim-level tables are read whole.

    Raises :class:`DetectionError` when the store holds no claims.
    """
    claims = load_claims(store)
    holders = store.claim_identifier_holders()
    customers = _load_customers(store, claims, holders, household_max)
    registered = holders[["customer_id", "label", "key"]]
    complaints = load_letters(store, claims)
    letter_identifiers = _letter_identifiers(store)
    agents, agent_phones = load_agents(store)
    watchlist = load_watchlist(store)
    uses = _load_uses(store, claims, customers, complaints, letter_identifiers, change_window_days)
    uses = with_number_blocks(uses, set(agent_phones))
    return Book(claims, customers, uses, registered, complaints, letter_identifiers, agents,
                agent_phones, watchlist)


def _load_customers(store: GraphStore, claims: pd.DataFrame, holders: pd.DataFrame,
                    household_max: int) -> pd.DataFrame:
    kept = store.kept_from_family(household_max, "households", _HOUSEHOLD_VERSION,
                                  partial(_household_table, household_max=household_max))
    kept_ids = kept["customer_id"]
    # the customers of the identifiers claims reach and the claimants the households leave out
    claimant_ids = claims["customer_id"].to_numpy(dtype=object)
    holder_ids = holders["customer_id"].to_numpy(dtype=object)
    # one look-up of both (each builds a hash table of the households' customers)
    found = pc.fill_null(pc.index_in(pa.array(np.concatenate([claimant_ids, holder_ids]), type=pa.string()),
                                     value_set=kept_ids), -1).to_numpy()
    kept_rows, kept_holder = found[:len(claimant_ids)].astype(np.intp), found[len(claimant_ids):] >= 0
    outside = kept_rows < 0
    names, _, claimant_rows = _customer_names(store, claimant_ids[outside], holders[~kept_holder])
    # both sorted by id: the others go in between the households' customers
    ids = kept_ids.to_numpy(zero_copy_only=False)
    between = np.searchsorted(ids, names.index.to_numpy(dtype=object))
    n = len(ids) + len(names)
    kept_at = np.arange(len(ids)) + np.searchsorted(between, np.arange(len(ids)), side="right")
    other_at = between + np.arange(len(names))
    index = np.empty(n, dtype=object)
    index[kept_at], index[other_at] = ids, names.index.to_numpy(dtype=object)
    kept_names = _text_objects(kept["name"])
    name = np.empty(n, dtype=object)
    name[kept_at], name[other_at] = kept_names, names.to_numpy(dtype=object)
    family_name = np.empty(n, dtype=object)
    family_name[kept_at] = _text_objects(kept["surname"])
    family_name[other_at] = _surnames(names)
    claimant_at = np.empty(len(claimant_ids), dtype=np.intp)
    claimant_at[outside] = other_at[claimant_rows]
    kept_rows = kept_rows[~outside]
    claimant_at[~outside] = kept_at[kept_rows]
    at = pd.Index(index, dtype=object, name="customer_id")
    frame = pd.DataFrame({"name": pd.Series(name, index=at, dtype=object),
                          "surname": pd.Series(family_name, index=at, dtype=object)})
    frame["household"] = _placed_households(kept["household"].to_numpy(), kept_at, n)
    family: list[frozenset[str]] = [frozenset()] * n
    for row, names_tied in _tied_names(kept["tied"].combine_chunks(), kept_names, np.unique(kept_rows)):
        family[kept_at[row]] = names_tied
    frame["family"] = pd.Series(family, index=at, dtype=object)
    return frame


def _household_table(family: pd.DataFrame, household_max: int) -> pa.Table:
    """The customers of the household registrations ``family``
    (:meth:`~graph.store.GraphStore.family_registrations`), sorted by id: ``customer_id``,
    ``name``, ``surname``, ``household`` (their family ties' connected components, numbered in
    the order of their first customer) and ``tied`` (the rows of the customers tied to each
    directly: a registered address of at most ``household_max`` customers, or a registered
    phone within one surname)."""
    names, position, _ = _customer_names(None, np.empty(0, dtype=object), family)
    frame = pd.DataFrame({"name": names, "surname": pd.Series(_surnames(names), index=names.index, dtype=object)})
    ties = _family_ties(family, frame, household_max, position)
    starts = np.searchsorted(ties[:, 0], np.arange(len(frame) + 1))  # ties come sorted
    return pa.table({
        "customer_id": pa.array(names.index.to_numpy(dtype=object), type=pa.string()),
        # names and surnames repeat: each distinct one is made a Python string once when read
        "name": pa.array(names.to_numpy(dtype=object), type=pa.string(), from_pandas=True).dictionary_encode(),
        "surname": pa.array(frame["surname"].to_numpy(dtype=object), type=pa.string()).dictionary_encode(),
        "household": pa.array(_households(ties, frame)),
        "tied": pa.ListArray.from_arrays(pa.array(starts, type=pa.int32()), pa.array(ties[:, 1], type=pa.int32())),
    })


def _text_objects(column: pa.ChunkedArray) -> np.ndarray:
    """A dictionary-encoded text column as Python strings (``None`` for a missing value), each
    distinct value converted once."""
    encoded = column.combine_chunks()
    values = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    return values[pc.fill_null(encoded.indices, -1).to_numpy()]  # -1: the last entry, None


def _code_version(*functions: Callable[..., object], extra: str = "") -> str:
    """A digest of the functions' compiled code, of the libraries they call and of ``extra``
    (data they read): it changes when one of them is edited, so what they derived and a store
    kept is not used again.

    >>> def one(x): return x + 1
    >>> def other(x): return x + 2
    >>> _code_version(one) == _code_version(one), _code_version(one) == _code_version(other)
    (True, False)
    """
    digest = hashlib.blake2b(f"{np.__version__} {pd.__version__} {scipy.__version__} {extra}".encode(),
                             digest_size=12)

    def add(code: types.CodeType) -> None:
        digest.update(code.co_code + repr(code.co_names).encode())
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                add(const)
            else:  # a set's order changes with the process's string hashing
                digest.update(repr(sorted(map(repr, const)) if isinstance(const, frozenset) else const).encode())

    for function in functions:
        add(function.__code__)
    return digest.hexdigest()


def _placed_households(kept: np.ndarray, kept_at: np.ndarray, n: int) -> np.ndarray:
    """:func:`_households` of ``n`` customers: the households' customers (their components
    ``kept``, numbered in the order of their first customer) at ``kept_at``, every other
    customer alone; components numbered again in the order of their first customer."""
    if not len(kept) or int(kept.max()) == len(kept) - 1:  # no ties: everyone alone, as _households
        return np.arange(n)
    first = np.full(int(kept.max()) + 1, n, dtype=np.intp)
    np.minimum.at(first, kept, kept_at)
    lead = np.arange(n)
    lead[kept_at] = first[kept]
    number = np.cumsum(lead == np.arange(n)) - 1  # a component's number: leaders before it
    return number[lead].astype(kept.dtype)


def _tied_names(tied: pa.ListArray, names: np.ndarray, rows: np.ndarray) -> Iterator[tuple[int, frozenset[str]]]:
    """For each of the households' customers at ``rows`` tied to a customer with a name, the
    names of the customers tied to it directly (``tied``: the rows of those customers;
    ``names``: each row's name or ``None``)."""
    starts = tied.offsets.to_numpy()
    counts = starts[rows + 1] - starts[rows]
    # the ties of those rows, one after the other
    at = np.repeat(starts[rows] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    family: dict[int, set[str]] = {}
    for row, name in zip(np.repeat(rows, counts).tolist(), names[tied.values.to_numpy()[at]].tolist(), strict=True):
        if isinstance(name, str):
            family.setdefault(row, set()).add(name)
    for row, found in family.items():
        yield row, frozenset(found)


def _surnames(names: pd.Series) -> np.ndarray:
    """:func:`surname` of every name, worked out once per distinct name (names repeat)."""
    codes, distinct = pd.factorize(names.to_numpy(dtype=object))
    # surname() written out for the text values (a call per name costs more than its work)
    table = np.array([_surname_of_text(n.strip()) if isinstance(n, str) else surname(n) for n in distinct.tolist()]
                     + [""], dtype=object)
    return table[codes]  # code -1 (no name) picks the last entry, ""


def _surname_of_text(name: str) -> str:
    return name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]


def _unique_pairs(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The distinct (first, second) pairs of two arrays of non-negative integers as an
    ``n × 2`` array sorted by first, then second (``np.unique(..., axis=0)``, without its
    row-by-row comparisons)."""
    if not len(first):
        return np.empty((0, 2), dtype=np.int64)
    width = int(second.max()) + 1
    code = np.sort(first.astype(np.int64) * width + second.astype(np.int64))
    code = code[np.r_[True, code[1:] != code[:-1]]]
    return np.column_stack([code // width, code % width])


def _customer_names(store: GraphStore | None, claimant_ids: np.ndarray,
                    registrations: pd.DataFrame) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Name (or ``None``) by customer id, sorted by id: of the customers in ``registrations``
    (which carry their names; a customer's first row) and of the claimants (``claimant_ids``),
    looked up in ``store`` (a claimant who is not a stored customer has none); the position in
    it of the customer of each row of ``registrations``, and of each claimant."""
    registered = registrations["customer_id"].to_numpy(dtype=object)
    # one factorization of both: the ids registrations hold come first, codes 0 … k - 1
    codes, ids = pd.factorize(np.concatenate([registered, claimant_ids]))
    ids = ids.astype(object)
    k = int(codes[:len(registered)].max()) + 1 if len(registered) else 0
    first = np.empty(k, dtype=np.intp)  # each registered customer's first row
    first[codes[:len(registered)][::-1]] = np.arange(len(registered) - 1, -1, -1, dtype=np.intp)
    missing = ids[k:].tolist()
    found = {n.key: n.props.get("name") for n in store.get_nodes(NodeRef(Label.CUSTOMER, c) for c in sorted(missing))} \
        if missing and store is not None else {}
    values = np.concatenate([registrations["name"].to_numpy(dtype=object)[first],
                             np.array([found.get(c) for c in missing], dtype=object)])
    # Arrow sorts text by its UTF-8 bytes, which is the order of code points Python sorts by
    order = pc.sort_indices(pa.array(ids, type=pa.string())).to_numpy().astype(np.intp)
    rank = np.empty(len(ids), dtype=np.intp)
    rank[order] = np.arange(len(ids), dtype=np.intp)
    values = values[order]
    values[pd.isna(values)] = None
    names = pd.Series(values, index=pd.Index(ids[order], dtype=object, name="customer_id"), dtype=object)
    return names, rank[codes[:len(registered)]], rank[codes[len(registered):]]


def _family_ties(registered: pd.DataFrame, customers: pd.DataFrame, household_max: int,
                 position: np.ndarray | None = None) -> np.ndarray:
    """Pairs of customer positions (``n × 2``, both directions) of customers sharing a small
    registered address (at most ``household_max`` customers), or a registered phone within one
    surname. ``position``: each registration's customer's position in ``customers``, when
    known (else looked up)."""
    if position is None:
        position = customers.index.get_indexer(pd.Index(registered["customer_id"]))
    surnames = customers["surname"].to_numpy(dtype=object)
    labels = registered["label"].to_numpy(dtype=object)
    keys = registered["key"].to_numpy(dtype=object)
    parts = []
    for label in (Label.ADDRESS.value, Label.PHONE.value):
        mine = (labels == label) & (position >= 0)
        who = position[mine]
        if label == Label.PHONE.value:
            key = _phone_in_surname(keys[mine], surnames[who])
        else:
            key = pd.factorize(keys[mine])[0]
        pairs = _unique_pairs(key, who)
        size = np.bincount(pairs[:, 0]) if len(pairs) else np.zeros(0, dtype=np.int64)
        pairs = pairs[(size[pairs[:, 0]] > 1) & (size[pairs[:, 0]] <= household_max)] if len(pairs) else pairs
        # within each small group, every ordered pair of members (groups are sorted by key)
        starts = np.flatnonzero(np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]) if len(pairs) else np.empty(0, dtype=np.int64)
        for k in range(2, household_max + 1):
            first = starts[np.diff(np.r_[starts, len(pairs)]) == k]
            if not len(first):
                continue
            i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
            off = (i != j)
            a = pairs[first[:, None] + i[off][None, :], 1].ravel()
            b = pairs[first[:, None] + j[off][None, :], 1].ravel()
            parts.append(np.column_stack([a, b]))
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    ties = np.concatenate(parts)
    return _unique_pairs(ties[:, 0], ties[:, 1])


def _phone_in_surname(keys: np.ndarray, surnames: np.ndarray) -> np.ndarray:
    """A group number per (phone key, surname) pair (a surname that is no text counts as
    ``""``): the pair's two codes made one integer, then numbered."""
    phone = pd.factorize(keys)[0].astype(np.int64)
    family = pd.factorize(np.array([s if isinstance(s, str) else "" for s in surnames.tolist()], dtype=object))[0]
    width = int(family.max()) + 1 if len(family) else 1
    return pd.factorize(phone * width + family)[0]


def _households(ties: np.ndarray, customers: pd.DataFrame) -> np.ndarray:
    """Connected components of the family ties: one integer per customer."""
    n = len(customers)
    if not len(ties):
        return np.arange(n)
    matrix = coo_matrix((np.ones(len(ties), dtype=np.int8), (ties[:, 0], ties[:, 1])), shape=(n, n))
    return connected_components(matrix, directed=False)[1]


# what the store keeps of the households (GraphStore.kept_from_family) is derived again when
# one of these functions changes: a function they start to call belongs in the list too
_HOUSEHOLD_VERSION = _code_version(_household_table, _customer_names, _surnames, _surname_of_text, _family_ties,
                                   _phone_in_surname, _unique_pairs, _households,
                                   extra=" ".join(sorted(_COMPOUND_SURNAMES)))


def load_letters(store: GraphStore, claims: pd.DataFrame) -> pd.DataFrame:
    """Complaint letters: ``complaint_id``, ``customer_id`` (the complainant, else the holder of
    the policy it is about), ``policy_id`` (the policy it is about, if any), ``claim_id`` (the
    claim it backs: the claim on that policy; for a letter naming no policy, the customer's
    first claim; none for a letter about a policy no claim of the book is on, which backs a
    request still to come, not the customer's request on another policy: a customer recruited
    by one ring in one year and by another the next tied the two rings through the letter of
    the second, backing the request of the first), ``day``, ``text``. ``claims`` is
    :func:`load_claims`'s frame."""
    nodes = store.nodes_frame(Label.COMPLAINT)
    if nodes.empty:
        return pd.DataFrame({"complaint_id": [], "customer_id": [], "policy_id": [], "claim_id": [], "day": [],
                             "text": []})
    ids = nodes["key"].astype(str)
    complained = _first_by(_edges_to(store, Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT, ids), "dst", "src")
    about = _first_by(_edges(store, Label.COMPLAINT, Rel.ABOUT, Label.POLICY), "src", "dst")
    claim_of_policy = _first_by(claims.reset_index(), "policy_id", "claim_id")
    claim_of_customer = _first_by(claims.reset_index().sort_values("day"), "customer_id", "claim_id")
    customer_of_policy = _first_by(claims.reset_index(), "policy_id", "customer_id")
    customer, claim = [], []
    for cid in ids:
        policy = about.get(cid)
        who = complained.get(cid) or (customer_of_policy.get(policy) if policy else None)
        customer.append(who)
        claim.append(claim_of_policy.get(policy) if policy else claim_of_customer.get(who) if who else None)
    return pd.DataFrame({
        "complaint_id": ids.to_numpy(),
        "customer_id": customer,
        "policy_id": [about.get(cid) for cid in ids],
        "claim_id": claim,
        "day": _days(_column(nodes, "received_date")),
        "text": _column(nodes, "text").fillna("").astype(str).to_numpy(),
    })


def _letter_identifiers(store: GraphStore) -> pd.DataFrame:
    """``complaint_id``, ``kind``, ``label``, ``key``: the phone and mailing address each letter gave."""
    parts = []
    for rel, label, kind in ((Rel.CONTACT_PHONE, Label.PHONE, COMPLAINT_PHONE),
                             (Rel.MAILED_FROM, Label.ADDRESS, MAILING_ADDRESS)):
        frame = _edges(store, Label.COMPLAINT, rel, label)
        parts.append(pd.DataFrame({"complaint_id": frame["src"].astype(str), "kind": kind,
                                   "label": label.value, "key": frame["dst"].astype(str)}))
    return pd.concat(parts, ignore_index=True)


def load_agents(store: GraphStore) -> tuple[pd.DataFrame, dict[str, str]]:
    """Agents indexed by id (``name``, ``status`` lower case, ``leave_day``, ``branch``,
    ``policies``: how many policies the agent sold, counted for agents who are not active, whose
    books can be orphaned; 0 for the others), and phone key → agent id of the phones registered
    to agents."""
    nodes = store.nodes_frame(Label.AGENT)
    agents = pd.DataFrame(
        {
            "name": _column(nodes, "name").to_numpy(),
            "status": _column(nodes, "status").fillna("").astype(str).str.lower().to_numpy(),
            "leave_day": _days(_column(nodes, "leave_date")),
            "branch": _column(nodes, "branch").to_numpy(),
        },
        index=pd.Index(nodes["key"].astype(str).to_numpy(dtype=object) if not nodes.empty else [], name="agent_id"),
    )
    gone = agents.index[(agents["status"] != "active") & (agents["status"] != "")]
    sold = _edges_from(store, Label.AGENT, Rel.SOLD, Label.POLICY, gone.tolist()) if len(gone) else None
    counts = sold["src"].astype(str).value_counts() if sold is not None and not sold.empty else pd.Series(dtype=int)
    agents["policies"] = counts.reindex(agents.index).fillna(0).astype(int).to_numpy()
    phones = _edges(store, Label.AGENT, Rel.HAS_PHONE, Label.PHONE)
    return agents, _first_by(phones, "dst", "src")


def load_watchlist(store: GraphStore) -> dict[tuple[str, str], str]:
    """(label, identifier key) → name of the watchlist entry that lists it."""
    entries = store.nodes_frame(Label.INTERMEDIARY)
    names = dict(zip(entries["key"].astype(str), _column(entries, "name").fillna("").astype(str), strict=True)) \
        if not entries.empty else {}
    out: dict[tuple[str, str], str] = {}
    for label in (Label.PHONE, Label.BANK_ACCOUNT, Label.ADDRESS, Label.PERSON):
        frame = _edges(store, Label.INTERMEDIARY, Rel.LISTS, label)
        for src, dst in zip(frame["src"].astype(str), frame["dst"].astype(str), strict=True):
            out.setdefault((label.value, dst), names.get(src) or src)
    return out


def _use_frame(claim_ids: Iterable[str], label: Label, keys: Iterable[str], kind: UseKind,
               **extra: object) -> pd.DataFrame:
    return pd.DataFrame({"claim_id": _listed(claim_ids), "label": label.value, "key": _listed(keys),
                         "kind": kind, **extra})


def _listed(values: Iterable[str]) -> list[str]:
    # a Series' own tolist: iterating Arrow-backed text value by value costs many times more
    return values.tolist() if isinstance(values, pd.Series) else list(values)


def _load_uses(store: GraphStore, claims: pd.DataFrame, customers: pd.DataFrame,
               complaints: pd.DataFrame, letter_identifiers: pd.DataFrame,
               change_window_days: int) -> pd.DataFrame:
    parts: list[pd.DataFrame] = []
    phone = _edges(store, Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE)
    parts.append(_use_frame(phone["src"].astype(str), Label.PHONE, phone["dst"].astype(str), CONTACT_PHONE))

    paid = _edges(store, Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT)
    holder = _column(paid, "payout_account_name", "account_name", "holder_name", "name")
    claim_holder = claims["payout_name"].reindex(paid["src"].astype(str)).to_numpy()
    holder = holder.where(holder.notna(), pd.Series(claim_holder, index=holder.index))
    parts.append(_use_frame(paid["src"].astype(str), Label.BANK_ACCOUNT, paid["dst"].astype(str),
                            PAYOUT_ACCOUNT, holder=holder.to_numpy()))

    rep = _edges(store, Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON)
    parts.append(_use_frame(rep["src"].astype(str), Label.PERSON, rep["dst"].astype(str), REPRESENTATIVE))
    rep_phone = _edges(store, Label.PERSON, Rel.HAS_PHONE, Label.PHONE)
    if not rep.empty and not rep_phone.empty:
        joined = rep.merge(rep_phone, left_on="dst", right_on="src", suffixes=("", "_p"))
        parts.append(_use_frame(joined["src"].astype(str), Label.PHONE, joined["dst_p"].astype(str),
                                REPRESENTATIVE_PHONE))

    backed = complaints.dropna(subset=["claim_id"]).set_index("complaint_id")["claim_id"]
    given = letter_identifiers[letter_identifiers["complaint_id"].isin(backed.index)]
    for kind in (COMPLAINT_PHONE, MAILING_ADDRESS):
        frame = given[given["kind"] == kind]
        parts.append(pd.DataFrame({"claim_id": backed[frame["complaint_id"]].to_numpy(), "label": frame["label"].to_numpy(),
                                   "key": frame["key"].to_numpy(), "kind": kind}))

    changes = _contact_changes(store, claims)
    parts.append(_changed_uses(changes, claims, change_window_days))
    uses = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    if uses.empty:
        uses = pd.DataFrame({"claim_id": [], "label": [], "key": [], "kind": []})
    # the claims' index keeps its hash table: a look-up in it costs a fifth of an isin
    uses = uses[claims.index.get_indexer(pd.Index(uses["claim_id"])) >= 0].copy()
    uses["customer_id"] = claims["customer_id"].reindex(uses["claim_id"]).to_numpy()
    if "holder" not in uses.columns:
        uses["holder"] = None
    if "change_day" not in uses.columns:
        uses["change_day"] = np.nan
    uses["third_party"], uses["company"] = _third_party(uses, customers)
    uses = uses.drop_duplicates(["claim_id", "label", "key", "kind"]).reset_index(drop=True)
    uses["taken_day"] = _taken_days(uses, changes.get(Label.PHONE), claims)
    return uses


def with_number_blocks(uses: pd.DataFrame, agent_phones: set[str]) -> pd.DataFrame:
    """``uses`` and, for each :data:`BLOCK_KINDS` use of a mobile number whose block holds at
    least two distinct such numbers of the book (a changed-to phone), a :data:`NUMBER_BLOCK` use of that block
    (label ``Phone``, key :func:`graph.keys.number_block`). Agents' own phones never count: a
    branch's staff numbers are often consecutive.

    >>> uses = pd.DataFrame({"claim_id": ["a", "b", "c"], "customer_id": ["x", "y", "z"],
    ...     "label": ["Phone"] * 3, "key": ["+8617067681643", "+8617067681667", "+8613800000000"],
    ...     "kind": ["changed_to", "changed_to", "contact_phone"], "third_party": False, "company": False,
    ...     "holder": None, "change_day": float("nan")})
    >>> with_number_blocks(uses, set())[["claim_id", "key", "kind"]].tail(2).values.tolist()
    [['a', '+86170676816**', 'number_block'], ['b', '+86170676816**', 'number_block']]
    """
    phones = uses[(uses["label"] == Label.PHONE.value) & uses["kind"].isin(BLOCK_KINDS)
                  & ~uses["key"].isin(agent_phones)]
    if phones.empty:
        return uses
    blocks = pd.Series([number_block(k) for k in phones["key"].tolist()], index=phones.index, dtype=object)
    phones = phones[blocks.notna()].assign(block=blocks[blocks.notna()])
    distinct = phones.groupby("block")["key"].nunique()
    phones = phones[phones["block"].isin(distinct.index[distinct >= 2])]
    if phones.empty:
        return uses
    derived = phones.assign(key=phones["block"], kind=NUMBER_BLOCK, change_day=np.nan, third_party=False,
                            company=False, holder=None).drop(columns=["block"])
    return pd.concat([uses, derived], ignore_index=True).drop_duplicates(
        ["claim_id", "label", "key", "kind"]).reset_index(drop=True)


def _contact_changes(store: GraphStore, claims: pd.DataFrame) -> dict[Label, pd.DataFrame]:
    """The claimants' dated and undated contact changes per label: ``customer_id``, ``key``,
    ``change_day`` (NaN when undated)."""
    out = {}
    for label in (Label.PHONE, Label.BANK_ACCOUNT, Label.ADDRESS):
        frame = _edges_from(store, Label.CUSTOMER, Rel.CHANGED_TO, label, claims["customer_id"].tolist())
        if not frame.empty:
            out[label] = pd.DataFrame({"customer_id": frame["src"].astype(str), "key": frame["dst"].astype(str),
                                       "change_day": _days(_column(frame, "date", "change_date"))})
    return out


def _changed_uses(changes: dict[Label, pd.DataFrame], claims: pd.DataFrame, window: int) -> pd.DataFrame:
    """Identifiers a customer changed to at most ``window`` days before one of their claims."""
    parts = []
    for label, frame in changes.items():
        joined = frame.merge(claims.reset_index()[["claim_id", "customer_id", "day"]], on="customer_id")
        lag = joined["day"] - joined["change_day"]
        joined = joined[(lag >= 0) & (lag <= window)]
        parts.append(_use_frame(joined["claim_id"], label, joined["key"], CHANGED_TO,
                                change_day=joined["change_day"].to_numpy()))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _taken_days(uses: pd.DataFrame, phone_changes: pd.DataFrame | None, claims: pd.DataFrame) -> np.ndarray:
    """For each use of a phone, the last day on or before its claim the customer changed to
    that number (when they took it; see :mod:`detectors.reissue`), NaN for other uses and for
    numbers the customer never changed to with a date."""
    out = np.full(len(uses), np.nan)
    dated = phone_changes.dropna(subset=["change_day"]) if phone_changes is not None else None
    if dated is None or dated.empty or uses.empty:
        return out
    # only the uses of customers who changed a phone with a date can have taken one
    asked = ((uses["label"] == Label.PHONE.value) & uses["customer_id"].isin(dated["customer_id"].unique())).to_numpy()
    phones = uses[asked]
    rows = pd.DataFrame({"row": np.flatnonzero(asked), "customer_id": phones["customer_id"].to_numpy(),
                         "key": phones["key"].to_numpy(), "day": claims["day"].reindex(phones["claim_id"]).to_numpy()})
    joined = rows.merge(dated, on=["customer_id", "key"])
    joined = joined[joined["change_day"] <= joined["day"]]
    if len(joined):
        last = joined.groupby("row")["change_day"].max()
        out[last.index.to_numpy()] = last.to_numpy()
    return out


def _third_party(uses: pd.DataFrame, customers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Payouts to an account held by someone outside the policyholder's family (see
    :func:`payout_flags`)."""
    holders = uses["holder"].tolist()
    paid = np.array([i for i, holder in enumerate(holders) if isinstance(holder, str) and holder], dtype=np.intp)
    cust = uses["customer_id"].to_numpy()[paid]
    names = customers["name"].reindex(cust).to_numpy()
    family = customers["family"].reindex(cust).to_numpy()
    third = np.zeros(len(uses), dtype=bool)
    company = np.zeros(len(uses), dtype=bool)
    for j, i in enumerate(paid.tolist()):
        third[i], company[i] = payout_flags(holders[i], names[j] if isinstance(names[j], str) else None,
                                            family[j] if isinstance(family[j], frozenset) else ())
    return third, company
