"""How suspicious each identifier is, from the customers and claims that touch it.

An identifier (phone, account, address, representative) is suspicious when customers of
*different* households and surnames use it on their requests, when it receives refunds for
people other than the policyholder's family, when customers switched to it shortly before
surrendering, or when it is on the watchlist. It is benign when only one household uses it,
when it is a hub (branch landline, hotline): touching very many customers whose claims behave
like the book's, or mostly customers who never surrendered — an agency's numbers are used by the customers it surrenders, while a
number typed in for everyone without a phone mostly sits on customers who never leave — or
when it is an agent's own phone typed in at the counter. Suspicion is scaled by the square of
the share of its customers who surrendered. An identifier in *steady use* (many claims over a
year or more, never a burst beyond chance: see :data:`STEADY_MIN_CLAIMS`) keeps its suspicion but is marked
``steady``: ring scoring does not count it as a tie by itself.

>>> noisy_or([0.5, 0.5])
0.75
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from detectors.behaviour import TRAITS, base_rates, behaviour_excess, excess, shrunk_rate
from detectors.book import (
    CHANGED_TO,
    PAYOUT_ACCOUNT,
    REPRESENTATIVE,
    REPRESENTATIVE_PHONE,
    Book,
    book_period,
    is_person_name,
)
from detectors.bursts import SCAN_WINDOWS_DAYS, burst_labels
from detectors.params import DetectionParams
from graph.model import Label

__all__ = [
    "AGENT_PHONE_FACTOR",
    "STEADY_MIN_CLAIMS",
    "STEADY_MIN_DAYS",
    "STEADY_USE",
    "background_uses",
    "identifier_table",
    "noisy_or",
]

# Each clue alone makes an identifier this suspicious; clues combine by noisy-or.
_P_WATCHLIST = 0.6
_HUB_MIN_IDLE = 3
STEADY_MIN_CLAIMS = 4
STEADY_MIN_DAYS = 365
"""An identifier on at least :data:`STEADY_MIN_CLAIMS` claims over at least
:data:`STEADY_MIN_DAYS` days, none of them in a burst beyond chance for its own rate
(:func:`detectors.bursts.burst_labels` over the book's length, at ``burst_alpha``: the test
letters of one template pass), is used the way an institution uses it: a county legal-aid
centre's address on honest complainers' letters, a care home's worker (``../shared/domain.md``:
institutional representatives act "often for years"; rings surrender "over a few weeks to
several months"). Steadiness only keeps the identifier from tying a group by itself
(:func:`detectors.scoring.score_rings`); links and suspicion stay. A year, because an outside
test's ring used one agency phone on seven requests spaced evenly over five months: no burst for
its own rate, yet a ring's months, not an institution's years. Four claims: once the year is
required, four to six changed none of 16 development books, and four (against six) took the
legitimate-only alerts of ob-410 from 17 to 9, of ob-501 from 2 to 0 and of ob-601 from 1 to 0
(county legal-aid centres with four or five honest clients over one to two years); three
claims are any small group and were not taken (one alert fewer on ob-410)."""
STEADY_USE = "steady_use"
"""The profile note of an identifier an institution uses (see :data:`STEADY_MIN_CLAIMS`), with or
without a ring's burst around it: on a claim outside the ring it is no sign of the trade
(:mod:`detectors.rules`)."""
_HUB_MAX_BEHAVIOUR = 0.5
"""An identifier touching very many customers is a hub (a branch landline, a hotline) only while
its claims behave like the book's: an account paid a hundred full-refund complaint refunds is
the trade at its largest (``../shared/domain.md``: the regulator's case held 115 policyholders),
not a number typed in for everyone."""
AGENT_PHONE_FACTOR = 0.15
"""An agent's own phone on many customers' requests is a service habit, not a ring."""


def noisy_or(probabilities: Iterable[float]) -> float:
    """Combine independent clues: ``1 - Π(1 - p)``."""
    out = 1.0
    for p in probabilities:
        out *= 1.0 - p
    return round(1.0 - out, 6)


def identifier_table(book: Book, params: DetectionParams, traits: pd.DataFrame) -> pd.DataFrame:
    """One row per identifier touched by at least one claim, indexed by ``(label, key)``.

    ``traits`` is :func:`detectors.behaviour.claim_traits` of the book.

    Columns: ``customers`` (every customer touching it, registered ones included),
    ``claim_customers``, ``idle`` (customers touching it who never surrendered), ``households``,
    ``unrelated`` (other households of other families, see :func:`_families`), ``third_party``, ``company``,
    ``changed`` (customers who switched to it just before surrendering), ``behaviour`` (how far
    its claims' traits exceed the book's base rates, in [0, 1]), ``stranger_money`` (for a
    private person's account paid unrelated households' refunds within weeks, the excess of its
    third-party payouts: :func:`_stranger_money`; else 0), ``span_days`` (first to last
    claim), ``watchlist`` (entry name or ``""``), ``hub``, ``agent_phone``, ``suspicion`` in
    [0, 1] and ``notes``.
    """
    uses = book.uses
    if uses.empty:
        return _empty_table()
    cust = book.customers
    claim_side = uses[["label", "key", "customer_id"]]
    reg = book.registered
    reg = reg[_used_by_claims(reg, claim_side)]
    touching = pd.concat([claim_side, reg[["label", "key", "customer_id"]]], ignore_index=True)
    touching = touching.drop_duplicates()
    touching["household"] = cust["household"].reindex(touching["customer_id"]).to_numpy()
    touching["surname"] = cust["surname"].reindex(touching["customer_id"]).fillna("").to_numpy()
    touching["idle"] = ~touching["customer_id"].isin(set(book.claims["customer_id"]))
    grouped = touching.groupby(["label", "key"], sort=True)
    table = pd.DataFrame({
        "customers": grouped["customer_id"].nunique(),
        "households": grouped["household"].nunique(),
        "families": _families(touching, params.household_max),
    })
    per_claim = uses[["label", "key", "claim_id", "customer_id"]].drop_duplicates(["label", "key", "claim_id"])
    per_claim = per_claim.join(traits[list(TRAITS)], on="claim_id")
    per_claim["day"] = book.claims["day"].reindex(per_claim["claim_id"]).to_numpy()
    on_claims = per_claim.groupby(["label", "key"], sort=True)
    table["claim_customers"] = on_claims["customer_id"].nunique()
    table["claims"] = on_claims["claim_id"].nunique()
    table["unrelated"] = np.maximum(np.minimum(table["households"], table["families"]) - 1, 0)
    third = uses[uses["third_party"].astype(bool)].groupby(["label", "key"])["claim_id"].nunique()
    company = uses[uses["company"].astype(bool)].groupby(["label", "key"])["claim_id"].nunique()
    table["third_party"] = third.reindex(table.index).fillna(0).astype(int)
    table["company"] = company.reindex(table.index).fillna(0).astype(int)
    changed = uses[uses["kind"] == CHANGED_TO]
    table["changed"] = changed.groupby(["label", "key"])["customer_id"].nunique().reindex(table.index).fillna(0).astype(int)
    bases = base_rates(traits)
    counts = {t: on_claims[t].sum().reindex(table.index).to_numpy(float) for t in TRAITS}
    table["behaviour"] = behaviour_excess(counts, table["claims"].to_numpy(float), bases).round(4)
    table["span_days"] = (on_claims["day"].max() - on_claims["day"].min()).reindex(table.index).fillna(0)
    table["idle"] = grouped["idle"].sum().astype(int)
    table["watchlist"] = _watchlist_names(table.index, book.watchlist)
    mostly_idle = (table["idle"] >= _HUB_MIN_IDLE) & (table["idle"] * 2 >= table["customers"])
    crowded = (table["customers"] >= params.hub_customers) & (table["behaviour"] < _HUB_MAX_BEHAVIOUR)
    institution, burst_claims = _steadiness(per_claim, table.index, book_period(book), params.burst_alpha,
                                            params.expansion_margin_days)
    table["institution"] = institution & (table["watchlist"] == "")
    table["burst_claims"] = pd.Series(burst_claims, index=table.index, dtype=object)
    table["works_for"] = _works_for(per_claim, table)
    table["institution"] |= table["works_for"] != ""
    staff = _staff_phones(uses, table)
    table.loc[staff.index, "works_for"] = staff.to_numpy()
    table["institution"] |= table["works_for"] != ""
    table["steady"] = table["institution"] & (table["burst_claims"].map(len) == 0)
    table["hub"] = (crowded | mostly_idle) & (table["watchlist"] == "")
    table["agent_phone"] = _agent_phones(book, table)
    table["stranger_money"] = _stranger_money(table, _private_payees(uses, table.index, traits), bases["third_party"])
    columns = ["unrelated", "behaviour", "watchlist", "hub", "agent_phone", "stranger_money"]
    rows = list(zip(*(table[c].tolist() for c in columns), strict=True))
    active = 1.0 - table["idle"] / table["customers"]
    table["suspicion"] = [round(_suspicion(*row) * a * a, 4) for row, a in zip(rows, active.tolist(), strict=True)]
    note_columns = ["unrelated", "third_party", "company", "changed", "watchlist", "hub", "agent_phone", "institution"]
    note_rows = list(zip(*(table[c].tolist() for c in note_columns), strict=True))
    table["notes"] = [_notes(*row, customers=c) for row, c in zip(note_rows, table["customers"].tolist(), strict=True)]
    return table


def _agent_phones(book: Book, table: pd.DataFrame) -> list[bool]:
    """Per identifier of ``table``: whether it is an agent's own phone typed at the counter (a
    service habit, :data:`AGENT_PHONE_FACTOR`). A phone of an agent who has left that customers
    switched to just before their requests (``changed``) is no habit of the counter: a former
    agent recruiting from his old book has his customers' contact changed to his number
    (``../shared/domain.md``; a tester's ring of a resigned agent's customers, switched to her
    phone days before, was missed whole as "the agent's own phone")."""
    phone = (table.index.get_level_values("label") == Label.PHONE.value)
    agent = pd.Series(table.index.get_level_values("key"), dtype=object).map(book.agent_phones).where(phone)
    status = agent.map(book.agents["status"]) if "status" in book.agents else pd.Series(None, index=agent.index)
    left = ~status.fillna("active").isin(("active", "")).to_numpy()
    return (agent.notna().to_numpy() & ~(left & (table["changed"].to_numpy() > 0))).tolist()


def _works_for(per_claim: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Per identifier of ``table``: for a representative, the key of the institution's identifier
    (``institution``, outside its ``burst_claims``) that every one of the representative's two
    or more claims also carries, or ``""``. A legal-aid centre's new lawyer represents the
    centre's clients for months, not yet a year: each request also gives the centre's address
    and phone, in steady use for years (``../shared/domain.md``: institutional representatives
    act for their clients; an outside book of a million customers had 28 centres alerted so); a
    ring's representative working through the centre files inside the centre's burst (a
    campaign), which is no steady use. A phone or account on such requests is not the centre's
    staff, and stays a tie. Watchlisted representatives never work for one.

    ``per_claim`` has one row per identifier and claim (``label``, ``key``, ``claim_id``)."""
    out = pd.Series("", index=table.index, dtype=object)
    steady = table[table["institution"].to_numpy(bool)]
    if steady.empty:
        return out
    rows = per_claim[["label", "key", "claim_id"]]
    index = pd.MultiIndex.from_arrays([rows["label"], rows["key"]])
    burst = {(*ref, c) for ref, claims in zip(steady.index.tolist(), steady["burst_claims"].tolist(), strict=True)
             for c in claims}
    background = rows[index.isin(steady.index)]
    background = background[[(lbl, key, c) not in burst for lbl, key, c
                             in zip(background["label"], background["key"], background["claim_id"], strict=True)]]
    candidates = rows[(rows["label"] == Label.PERSON.value) & ~index.isin(steady.index)
                      & (table["watchlist"].reindex(index).to_numpy() == "")
                      & (table["claims"].reindex(index).to_numpy() >= 2)]
    pairs = candidates.merge(background, on="claim_id", suffixes=("", "_of"))
    if pairs.empty:
        return out
    shared = pairs.groupby(["label", "key", "label_of", "key_of"], sort=True)["claim_id"].nunique().reset_index()
    shared = shared[shared["claim_id"].to_numpy() == table["claims"].reindex(
        pd.MultiIndex.from_arrays([shared["label"], shared["key"]])).to_numpy()]
    first = shared.drop_duplicates(["label", "key"])
    out.loc[pd.MultiIndex.from_arrays([first["label"], first["key"]])] = first["key_of"].astype(str).to_numpy()
    return out


def _staff_phones(uses: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """The phones known only as an institution's representative's (a legal-aid centre's
    lawyer's, a care home's worker's), each with that representative's key: phones whose every
    claim gives them as the phone of a representative in an institution's use (``institution``,
    its own or by :func:`_works_for`). The lawyer's own phone is the centre's staff as much as
    the lawyer is (an outside test: a centre's honest clients tied by nothing but it, alerted at
    0.725). A phone a client gives as their own contact stays a tie (:func:`_works_for`)."""
    institutions = table.index[table["institution"].to_numpy(bool) & (table["watchlist"] == "").to_numpy()]
    people = uses[(uses["kind"] == REPRESENTATIVE)][["claim_id", "label", "key"]]
    people = people[pd.MultiIndex.from_arrays([people["label"], people["key"]]).isin(institutions)]
    given = ((uses["kind"] == REPRESENTATIVE_PHONE) & (uses["label"] == Label.PHONE.value)).to_numpy()
    if people.empty or not given.any():
        return pd.Series(dtype=object)
    keys = uses["key"]
    # hashed look-ups on the few representatives' phones (a million customers' uses)
    asked = keys.isin(keys[given].unique()).to_numpy() & (uses["label"] == Label.PHONE.value).to_numpy()
    other = keys[asked & ~given].unique()
    staff = uses.loc[given & ~keys.isin(other).to_numpy(), ["claim_id", "key"]]
    pairs = staff.merge(people, on="claim_id", suffixes=("", "_of"))
    covered = pairs.groupby(["key", "key_of"])["claim_id"].nunique().reset_index()
    claims = staff.groupby("key")["claim_id"].nunique()
    covered = covered[covered["claim_id"].to_numpy() == claims.reindex(covered["key"]).to_numpy()]
    first = covered.drop_duplicates("key")
    index = pd.MultiIndex.from_arrays([[Label.PHONE.value] * len(first), first["key"].tolist()])
    keep = index.isin(table.index) & (table["watchlist"].reindex(index).to_numpy() == "")
    return pd.Series(first["key_of"].astype(str).to_numpy()[keep], index=index[keep], dtype=object)


def _steadiness(per_claim: pd.DataFrame, index: pd.Index, period: float, alpha: float,
                margin: float = 30.0) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Per identifier of ``index``: whether an institution uses it (see
    :data:`STEADY_MIN_CLAIMS`: that many claims outside its bursts, over
    :data:`STEADY_MIN_DAYS` days at least), and the claims it holds in bursts beyond chance for its
    own rate (:func:`detectors.bursts.burst_labels`) within a campaign's weeks
    (:func:`_campaign_weeks`, ``margin`` days), for the institutions' identifiers only (empty
    elsewhere). ``per_claim`` has one row per identifier and claim, with ``label``, ``key``,
    ``claim_id`` and ``day``; ``period`` is the book's length in days and ``alpha`` the bursts'
    significance.

    >>> per_claim = pd.DataFrame({"label": ["Address"] * 8, "key": ["a"] * 8, "day": range(0, 800, 100),
    ...                           "claim_id": [f"S{i}" for i in range(8)]})
    >>> one = pd.MultiIndex.from_tuples([("Address", "a")])
    >>> institution, bursts = _steadiness(per_claim, one, 730.0, 0.01)
    >>> institution.tolist(), bursts
    ([True], [frozenset()])
    >>> _steadiness(per_claim.assign(day=range(0, 24, 3)), one, 730.0, 0.01)[0].tolist()
    [False]
    >>> campaign = pd.DataFrame({"label": ["Address"] * 6, "key": ["a"] * 6, "day": [400, 405, 409, 412, 416, 420],
    ...                          "claim_id": [f"R{i}" for i in range(6)]})
    >>> institution, bursts = _steadiness(pd.concat([per_claim, campaign]), one, 730.0, 0.01)
    >>> institution.tolist(), sorted(bursts[0])
    ([True], ['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'S4'])
    """
    dated = per_claim.dropna(subset=["day"])
    code = index.get_indexer(pd.MultiIndex.from_arrays([dated["label"], dated["key"]]))
    days = dated["day"].to_numpy(float)
    many = np.bincount(code, minlength=len(index))[code] >= STEADY_MIN_CLAIMS
    in_burst = np.zeros(len(dated), dtype=bool)
    in_burst[many] = burst_labels(days[many], code[many], period, alpha) >= 0
    calm = ~in_burst
    calm_claims = np.bincount(code[calm], minlength=len(index))
    first = np.full(len(index), np.inf)
    last = np.full(len(index), -np.inf)
    np.minimum.at(first, code[calm], days[calm])
    np.maximum.at(last, code[calm], days[calm])
    institution = (calm_claims >= STEADY_MIN_CLAIMS) & (last - first >= STEADY_MIN_DAYS)
    bursts: list[frozenset[str]] = [frozenset()] * len(index)
    claim_ids = dated["claim_id"].to_numpy(dtype=object)
    around = np.flatnonzero(institution[code] & in_burst)
    campaign = _campaign_weeks(days, code, np.flatnonzero(institution[code]), period, alpha, margin)
    for at in around[campaign[around]]:
        bursts[code[at]] = bursts[code[at]] | {str(claim_ids[at])}
    return institution, bursts


def _campaign_weeks(days: np.ndarray, code: np.ndarray, rows: np.ndarray, period: float, alpha: float,
                    margin: float) -> np.ndarray:
    """Per row of ``days`` (an identifier's claim, ``code`` the identifier): whether it falls
    within ``margin`` days of a burst in windows of at most ``margin`` days among ``rows`` (an
    institution's claims), or, for an identifier with no such tight burst, True. A scan up to
    four months also takes in the institution's own clients filed weeks before and after a
    ring's three-week campaign; the campaign's weeks are the tight crowding and the window
    member expansion gives a ring around it (``expansion_margin_days``)."""
    out = np.ones(len(days), dtype=bool)
    windows = tuple(w for w in SCAN_WINDOWS_DAYS if w <= margin)
    if not len(rows) or not windows:
        return out
    tight = burst_labels(days[rows], code[rows], period, alpha, windows=windows)
    has_tight = np.zeros(int(code.max()) + 1, dtype=bool)
    has_tight[code[rows][tight >= 0]] = True
    out[rows] = ~has_tight[code[rows]]
    for label in np.unique(tight[tight >= 0]).tolist():
        inside = rows[tight == label]
        lo, hi = days[inside].min() - margin, days[inside].max() + margin
        near = rows[(code[rows] == code[inside[0]]) & (days[rows] >= lo) & (days[rows] <= hi)]
        out[near] = True
    return out


def background_uses(uses: pd.DataFrame, identifiers: pd.DataFrame) -> np.ndarray:
    """Which rows of ``uses`` (columns ``label``, ``key``, ``claim_id``) are an institution's
    steady use around a burst: its identifier has a steady background (see
    :data:`STEADY_MIN_CLAIMS`) *and* a burst, and the claim is outside the burst. Such a use links
    to nothing: a ring that mails its letters from a legal-aid centre in a four-week campaign is
    tied by the address, the centre's honest clients of two years are not (an identifier in
    steady use with no burst keeps its links: a camouflaged ring spreads its own over months).

    >>> uses = pd.DataFrame({"label": ["Address"] * 3, "key": ["a"] * 3, "claim_id": ["R1", "S1", "R2"]})
    >>> table = pd.DataFrame({"institution": [True], "burst_claims": [frozenset({"R1", "R2"})]},
    ...                      index=pd.MultiIndex.from_tuples([("Address", "a")]))
    >>> background_uses(uses, table).tolist()
    [False, True, False]
    """
    if uses.empty or identifiers.empty:
        return np.zeros(len(uses), dtype=bool)
    around = identifiers[identifiers["institution"].to_numpy(bool)
                         & (identifiers["burst_claims"].map(len).to_numpy() > 0)]
    if around.empty:
        return np.zeros(len(uses), dtype=bool)
    at = around.index.get_indexer(pd.MultiIndex.from_arrays([uses["label"], uses["key"]]))
    out = np.zeros(len(uses), dtype=bool)
    bursts = around["burst_claims"].tolist()
    claim_ids = uses["claim_id"].to_numpy(dtype=object)
    for row in np.flatnonzero(at >= 0).tolist():
        out[row] = claim_ids[row] not in bursts[int(at[row])]
    return out


def _families(touching: pd.DataFrame, household_max: int) -> pd.Series:
    """Per identifier (``label``, ``key``), the families using it: the customers of one surname
    count as one family (relatives who live apart still share a phone), up to ``household_max``
    of them; more customers of one surname, of several households, are that many households (a
    ring recruiting in a village of one clan: its agency's phone on eight 刘 households' requests
    was "one family" and no tie). ``touching`` has one row per identifier and customer, with
    ``household`` and ``surname``.

    >>> touching = pd.DataFrame({"label": ["Phone"] * 9, "key": ["a"] * 8 + ["b"],
    ...                          "customer_id": list("ABCDEFGHI"), "household": range(9), "surname": ["刘"] * 9})
    >>> _families(touching, 6).tolist(), _families(touching.iloc[[0, 1, 2, 8]], 6).tolist()
    ([8, 1], [1, 1])
    """
    per_surname = touching.groupby(["label", "key", "surname"], sort=True).agg(
        customers=("customer_id", "nunique"), households=("household", "nunique"))
    families = per_surname["households"].where(per_surname["customers"] > household_max, 1)
    return families.groupby(level=["label", "key"], sort=True).sum()


def _used_by_claims(registered: pd.DataFrame, claim_side: pd.DataFrame) -> np.ndarray:
    """Which rows of ``registered`` are at a (label, key) some row of ``claim_side`` holds: both
    numbered by one factorization of their labels and one of their keys, then compared as
    integers."""
    n = len(claim_side)
    labels = pd.factorize(np.concatenate([claim_side["label"].to_numpy(dtype=object),
                                          registered["label"].to_numpy(dtype=object)]))[0].astype(np.int64)
    keys = pd.factorize(np.concatenate([claim_side["key"].to_numpy(dtype=object),
                                        registered["key"].to_numpy(dtype=object)]))[0].astype(np.int64)
    pairs = keys * (int(labels.max()) + 1 if len(labels) else 1) + labels
    return np.isin(pairs[n:], pairs[:n])


def _watchlist_names(index: pd.Index, watchlist: dict[tuple[str, str], str]) -> np.ndarray:
    """The watchlist entry's name for each (label, key) of ``index``, ``""`` for the others."""
    names = np.full(len(index), "", dtype=object)
    if watchlist:
        listed = list(watchlist.items())
        wanted = pd.MultiIndex.from_tuples([identifier for identifier, _ in listed])
        for at, (_, name) in zip(index.get_indexer(wanted).tolist(), listed, strict=True):
            if at >= 0:
                names[at] = name
    return names


def _private_payees(uses: pd.DataFrame, index: pd.Index, traits: pd.DataFrame) -> np.ndarray:
    """Per identifier of ``index``: whether it is an account paid only as a private person's
    (every holder name a person's, :func:`detectors.book.is_person_name`) on requests no
    representative filed. An institution's account bears its name (a care home, a hospital, a
    union), and a clerk, a guardian or a care worker paid for the people they act for files
    their requests (``../shared/domain.md``, "Institutional and family representatives")."""
    paid = uses[uses["kind"].to_numpy() == PAYOUT_ACCOUNT]
    if paid.empty:
        return np.zeros(len(index), dtype=bool)
    person = np.array([is_person_name(h) for h in paid["holder"].tolist()], dtype=bool)
    represented = traits["represented"].reindex(paid["claim_id"]).fillna(False).to_numpy(bool)
    private = pd.Series(person & ~represented).groupby([paid["label"].to_numpy(), paid["key"].to_numpy()]).all()
    return private.reindex(index).fillna(False).to_numpy(bool)


def _stranger_money(table: pd.DataFrame, private: np.ndarray, base: float) -> np.ndarray:
    """Per identifier of ``table``: how far the share of its claims paid to it as a third party
    exceeds the book's rate ``base``, in [0, 1], for an account that took the refunds of three
    unrelated households or more, not the holder's family, all within the longest burst window
    (four months, :data:`detectors.bursts.SCAN_WINDOWS_DAYS`), in no institution's steady use; 0
    elsewhere. ``../shared/domain.md`` names the third-party payout, the same account for many
    customers and the short window among a ring's traces, and coached members are told to give
    an ordinary reason: such an account is suspicious without the full-refund demand. A care
    home, a clerk or a guardian is paid for years (outside four months, or steady), or is new to
    the book: so only an account paid as a private person's on requests nobody represented
    counts (``private``, :func:`_private_payees`; an outside tester's new care home, hospital,
    union, funeral home, village clerk and guardian were alerted at 0.55-0.82 without it); two
    households may be kin of two surnames."""
    qualifies = (private & (table.index.get_level_values("label") == Label.BANK_ACCOUNT.value)
                 & (table["unrelated"].to_numpy() >= 2) & (table["third_party"].to_numpy() >= 3)
                 & (table["span_days"].to_numpy() <= max(SCAN_WINDOWS_DAYS))
                 & ~table["institution"].to_numpy(bool))
    rate = excess(shrunk_rate(table["third_party"].to_numpy(float), table["claims"].to_numpy(float), base), base)
    return np.where(qualifies, rate, 0.0)


def _suspicion(unrelated: int, behaviour: float, watchlist: str, hub: bool, agent_phone: bool,
               stranger_money: float = 0.0) -> float:
    """Shared by unrelated households *and* used the way rings use their identifiers; a
    watchlist entry counts on its own."""
    if hub:
        return 0.0
    clues = [unrelated / (unrelated + 1.0) * max(behaviour, stranger_money)]
    if watchlist:
        clues.append(_P_WATCHLIST)
    score = noisy_or(clues)
    if agent_phone and not watchlist:
        score *= AGENT_PHONE_FACTOR
    return round(score, 4)


def _notes(unrelated: int, third_party: int, company: int, changed: int, watchlist: str,
           hub: bool, agent_phone: bool, institution: bool, *, customers: int) -> tuple[str, ...]:
    flags = [
        ("hub", hub),
        (STEADY_USE, institution),
        ("household", customers > 1 and unrelated == 0),
        ("shared_unrelated", unrelated > 0 and not hub),
        ("agent_phone", agent_phone),
        ("company_payout", bool(company)),
        ("third_party_payout", bool(third_party)),
        ("changed_before_surrender", bool(changed)),
        ("watchlist", bool(watchlist)),
    ]
    return tuple(note for note, on in flags if on)


def _empty_table() -> pd.DataFrame:
    columns = ["customers", "households", "families", "claim_customers", "claims", "idle", "unrelated",
               "third_party", "company", "changed", "behaviour", "span_days", "watchlist", "hub",
               "institution", "burst_claims", "works_for", "steady", "agent_phone", "stranger_money", "suspicion",
               "notes"]
    index = pd.MultiIndex.from_arrays([[], []], names=["label", "key"])
    return pd.DataFrame({c: [] for c in columns}, index=index)

