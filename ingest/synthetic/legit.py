"""Legitimate activity of the surrender window, including the benign look-alikes of rings.

Ordinary surrenders spread over the window (money needs, loans), households surrendering
together, family members as representatives or payees, branch landlines typed for customers
without a phone (hubs), agents' own phones typed at the counter, customers who changed their
phone shortly before surrendering, honest complainers (some demanding a full refund),
service complaints, ordinary bursts (a product's dividend cut in one branch, the orphaned
customers of an agent who left) and unrelated watchlist entries.

>>> from .config import BookConfig
>>> from .population import build_population
>>> from .records import EventLog
>>> rng = np.random.default_rng(0)
>>> config = BookConfig(customers=2_000)
>>> pop = build_population(rng, config)
>>> log = EventLog()
>>> plant_legitimate(rng, pop, config, log, np.zeros(2_000, dtype=bool))
>>> 40 < log.count("claims") < 200
True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .config import BookConfig
from .geography import CITIES
from .identities import (
    StrArray,
    addresses,
    bank_cards,
    mobile_numbers,
    office_address,
)
from .letters import render_letters
from .population import (
    DAY,
    PRODUCTS,
    IntArray,
    Population,
    days_between,
    first_of_each,
    outsiders,
)
from .records import EventLog
from .templates import honest_complaint, service_complaint
from .vocab import (
    CLAIM_CHANNELS,
    COMPLAINT_CHANNELS,
    COMPLAINT_REASONS,
    LEGIT_REASONS,
    WATCH_SOURCES,
    pick,
    reason_texts,
    watch_kinds,
)

__all__ = ["plant_legitimate"]

BoolArray = npt.NDArray[np.bool_]


def _window_dates(
    rng: np.random.Generator, pop: Population, policies: IntArray
) -> npt.NDArray[np.datetime64]:
    """Request dates spread evenly over the window; NaT where the policy was issued less than
    30 days before the drawn date (that policyholder does not surrender)."""
    span = int(days_between(pop.as_of, pop.window_start)) + 1
    out = pop.window_start + rng.integers(0, span, len(policies)) * DAY
    young = days_between(out, pop.policies.issue[policies]) < 30
    return np.where(young, np.datetime64("NaT"), out).astype("datetime64[D]")


def _one_policy_each(
    rng: np.random.Generator, pop: Population, customers: IntArray, all_share: float
) -> tuple[IntArray, IntArray]:
    owner, pol = pop.policies_of(customers)
    if len(owner) == 0:
        return owner, pol
    key = rng.random(len(owner))
    order = np.lexsort((key, owner))
    owner, pol = owner[order], pol[order]
    first = np.r_[True, owner[1:] != owner[:-1]]
    surrender_all = np.isin(owner, customers[rng.random(len(customers)) < all_share])
    keep = first | surrender_all
    return owner[keep], pol[keep]


def _other_member(pop: Population, customers: IntArray) -> IntArray:
    """Another member of each customer's household (-1 if the customer lives alone)."""
    order, starts = pop.household_members()
    h = pop.customers.household[customers]
    size = starts[h + 1] - starts[h]
    first = order[starts[h]]
    second = order[np.minimum(starts[h] + 1, len(order) - 1)]
    other = np.where(first == customers, second, first)
    out: IntArray = np.where(size > 1, other, -1)
    return out


def _waves(
    rng: np.random.Generator, pop: Population, config: BookConfig, busy: BoolArray
) -> tuple[IntArray, npt.NDArray[np.datetime64], StrArray]:
    """Ordinary bursts: a product's policyholders in one branch after a dividend cut, or the
    orphaned customers of an agent who left, surrendering within a few weeks."""
    n_waves = int(rng.poisson(config.profile.benign_waves_per_100k * config.customers / 1e5))
    p = pop.policies
    branch_of_policy = pop.agents.branch[p.agent]
    out_pol: list[IntArray] = []
    out_date: list[npt.NDArray[np.datetime64]] = []
    out_reason: list[StrArray] = []
    for _ in range(n_waves):
        length = int(rng.integers(14, 35))
        start = pop.window_start + int(rng.integers(0, config.years * 365 - length)) * DAY
        if rng.random() < 0.35:
            gone = np.flatnonzero(~np.isnat(pop.agents.leave) & (pop.agents.leave < start))
            if len(gone) == 0:
                continue
            agent = gone[rng.integers(0, len(gone))]
            cand = np.flatnonzero(p.agent == agent)
            reason = "service_dissatisfied"
        else:
            branch = int(rng.integers(0, len(pop.branches.name)))
            product = int(rng.integers(0, len(PRODUCTS)))
            cand = np.flatnonzero((branch_of_policy == branch) & (p.product == product))
            reason = "product_unsuitable"
        cand = cand[~busy[p.customer[cand]] & (p.issue[cand] < start - 60 * DAY)]
        cand = rng.permutation(cand[first_of_each(p.customer[cand])])[: int(rng.integers(5, 26))]
        busy[p.customer[cand]] = True
        out_pol.append(cand)
        out_date.append(start + (rng.random(len(cand)) * length).astype(np.int64) * DAY)
        out_reason.append(np.full(len(cand), reason, dtype=object))
    if not out_pol:
        return (np.empty(0, dtype=np.int64), np.empty(0, dtype="datetime64[D]"),
                np.empty(0, dtype=object))
    return np.concatenate(out_pol), np.concatenate(out_date), np.concatenate(out_reason)


def plant_legitimate(
    rng: np.random.Generator,
    pop: Population,
    config: BookConfig,
    log: EventLog,
    busy: BoolArray,
) -> None:
    """Add the legitimate claims, complaints, contact changes and watchlist entries to `log`.
    Customers marked in `busy` (ring members) are left alone."""
    profile = config.profile
    c, p, n = pop.customers, pop.policies, config.customers
    ring_member = busy.copy()  # their phones and accounts may now be the ring's

    # Ordinary surrenders, households surrendering together, ordinary bursts.
    n_base = round(profile.surrender_rate * n * config.years / 2)
    free = np.flatnonzero(~busy)
    chosen = np.sort(rng.choice(free, size=min(round(1.4 * n_base), len(free)), replace=False))
    owner, pol = _one_policy_each(rng, pop, chosen, 0.1)
    dates = _window_dates(rng, pop, pol)
    able = np.unique(owner[~np.isnat(dates)])
    able = able[rng.permutation(len(able))[:n_base]]
    keep = np.isin(owner, able) & ~np.isnat(dates)
    owner, pol, dates = owner[keep], pol[keep], dates[keep]
    busy[owner] = True
    reasons = pick(rng, LEGIT_REASONS, len(pol))

    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.empty(0, dtype=bool)
    partner = _other_member(pop, owner[first])
    joint = (partner >= 0) & (rng.random(len(partner)) < profile.household_joint_surrender)
    joint &= ~busy[np.maximum(partner, 0)]
    partner, lead_date = partner[joint], dates[first][joint]
    partner, unique_at = np.unique(partner, return_index=True)
    lead_date = lead_date[unique_at]
    busy[partner] = True
    p_owner, p_pol = _one_policy_each(rng, pop, partner, 0.0)
    p_date = lead_date[np.searchsorted(partner, p_owner)] + rng.integers(0, 15, len(p_pol)) * DAY
    p_date = np.where(p.issue[p_pol] + 30 * DAY < p_date, p_date, np.datetime64("NaT"))

    w_pol, w_date, w_reason = _waves(rng, pop, config, busy)
    pol = np.concatenate([pol, p_pol, w_pol])
    dates = np.minimum(np.concatenate([dates, p_date, w_date]).astype("datetime64[D]"),
                       pop.as_of)
    reasons = np.concatenate([reasons, pick(rng, LEGIT_REASONS, len(p_pol)), w_reason])
    ok = ~np.isnat(dates)
    pol, dates, reasons = pol[ok], dates[ok], reasons[ok]
    holder = p.customer[pol]
    m = len(pol)

    # A few claimants got a new phone shortly before surrendering (not a ring sign).
    new_phone = np.flatnonzero(rng.random(m) < 0.06)
    _change_phone(rng, pop, log, holder[new_phone],
                  dates[new_phone] - rng.integers(3, 60, len(new_phone)) * DAY)

    # Honest complainers file themselves, with their own phone, account and letter.
    is_honest = rng.random(m) < profile.honest_complaint_share
    honest = np.flatnonzero(is_honest)

    channel = pick(rng, CLAIM_CHANNELS, m)
    other = _other_member(pop, holder)
    family_rep = (other >= 0) & (rng.random(m) < np.where(c.age[holder] >= 70, 0.25, 0.05))
    family_rep &= ~is_honest & ~ring_member[np.maximum(other, 0)]
    rep = np.where(family_rep, other, 0)
    empty = np.full(m, "", dtype=object)
    channel = np.where(family_rep, "counter", channel)
    contact = c.phone[holder].copy()
    contact = np.where(family_rep & (rng.random(m) < 0.5) & (c.phone[rep] != ""),
                       c.phone[rep], contact)
    at_counter = np.isin(channel, ["counter", "agent"])
    hub = pop.branches.landline[pop.agents.branch[p.agent[pol]]]
    contact = np.where((contact == "") & at_counter, hub, contact)
    habit = pop.agents.habit[p.agent[pol]] & at_counter & (rng.random(m) < 0.6) & ~is_honest
    contact = np.where(habit, pop.agents.phone[p.agent[pol]], contact)

    family_pay = (other >= 0) & ~is_honest & ~ring_member[np.maximum(other, 0)] & (
        (c.account[holder] == "") | (rng.random(m) < profile.family_payout))
    payee = np.where(family_pay, other, holder)

    # Some honest complainers want every premium back.
    full = np.zeros(m, dtype=bool)
    full[honest] = rng.random(len(honest)) < profile.honest_full_refund
    reasons[honest] = pick(rng, COMPLAINT_REASONS, len(honest))
    log.add(
        "claims", policy=pol, customer=holder, request_date=dates, channel=channel,
        reason_code=reasons, reason_text=reason_texts(rng, reasons), contact_phone=contact,
        payout_account=c.account[payee], payout_account_name=c.name[payee],
        representative_name=np.where(family_rep, c.name[rep], empty),
        representative_id_number=np.where(family_rep, c.id_number[rep], empty),
        representative_phone=np.where(family_rep, c.phone[rep], empty),
        refund_type=np.where(full, "full_premium", "cash_value"),
    )
    letters = render_letters(pop, pol[honest], c.phone[holder[honest]],
                             lambda fields: honest_complaint(rng, fields))
    log.add("complaints", policy=pol[honest], customer=holder[honest],
            received_date=dates[honest] - rng.integers(3, 61, len(honest)) * DAY,
            channel=pick(rng, COMPLAINT_CHANNELS, len(honest)), text=letters,
            contact_phone=c.phone[holder[honest]], mailing_address=c.address[holder[honest]])

    _service_complaints(rng, pop, config, log, busy)
    _background_changes(rng, pop, config, log, busy)
    _unrelated_watchlist(rng, pop, config, log)


def _service_complaints(
    rng: np.random.Generator, pop: Population, config: BookConfig, log: EventLog,
    busy: BoolArray,
) -> None:
    free = np.flatnonzero(~busy)
    who = rng.choice(free, size=min(len(free), int(0.003 * config.customers) + 1), replace=False)
    owner, pol = _one_policy_each(rng, pop, np.sort(who), 0.0)
    phones = pop.customers.phone[owner]
    span = config.years * 365
    log.add("complaints", policy=pol, customer=owner,
            received_date=pop.window_start + rng.integers(0, span, len(pol)) * DAY,
            channel=pick(rng, COMPLAINT_CHANNELS, len(pol)),
            text=render_letters(pop, pol, phones, lambda f: service_complaint(rng, f)),
            contact_phone=phones, mailing_address=pop.customers.address[owner])


def _change_phone(
    rng: np.random.Generator, pop: Population, log: EventLog, who: IntArray,
    when: npt.NDArray[np.datetime64],
) -> None:
    new = pop.registry.unique("phone", len(who), lambda k: mobile_numbers(rng, k))
    log.add("changes", customer=who, change_date=when,
            field=np.full(len(who), "phone", dtype=object), old_value=pop.customers.phone[who],
            new_value=new, channel=pick(rng, {"app": 3, "counter": 2, "phone": 1}, len(who)))
    pop.customers.phone[who] = new
    pop.customers.own_phone[who] = new


def _background_changes(
    rng: np.random.Generator, pop: Population, config: BookConfig, log: EventLog,
    busy: BoolArray,
) -> None:
    """People change numbers, move house and switch banks all the time."""
    c, n = pop.customers, config.customers
    free = np.flatnonzero(~busy)
    span = config.years * 365
    k = min(len(free), int(0.02 * n * config.years / 2))
    movers = rng.choice(free, size=3 * k, replace=len(free) < 3 * k)
    movers = np.unique(movers)
    movers = rng.permutation(movers)
    phone_who, addr_who, bank_who = movers[:k], movers[k : k + k // 2], movers[k + k // 2 : 2 * k]
    _change_phone(rng, pop, log, np.sort(phone_who),
                  pop.window_start + rng.integers(0, span, len(phone_who)) * DAY)

    addr_who = np.sort(addr_who)
    new_addr = np.empty(len(addr_who), dtype=object)
    for city in np.unique(c.city[addr_who]):
        rows = np.flatnonzero(c.city[addr_who] == city)
        districts = rng.integers(0, len(CITIES[city].districts), len(rows))
        new_addr[rows] = addresses(rng, CITIES[city], districts)
    log.add("changes", customer=addr_who,
            change_date=pop.window_start + rng.integers(0, span, len(addr_who)) * DAY,
            field=np.full(len(addr_who), "address", dtype=object), old_value=c.address[addr_who],
            new_value=new_addr, channel=pick(rng, {"counter": 1, "app": 1}, len(addr_who)))
    c.address[addr_who] = new_addr

    bank_who = np.sort(bank_who)
    new_card = pop.registry.unique("bank_account", len(bank_who), lambda j: bank_cards(rng, j))
    log.add("changes", customer=bank_who,
            change_date=pop.window_start + rng.integers(0, span, len(bank_who)) * DAY,
            field=np.full(len(bank_who), "bank_account", dtype=object),
            old_value=c.account[bank_who], new_value=new_card,
            channel=pick(rng, {"counter": 2, "app": 1}, len(bank_who)))
    c.account[bank_who] = new_card


def _unrelated_watchlist(
    rng: np.random.Generator, pop: Population, config: BookConfig, log: EventLog
) -> None:
    """Blacklist entries of other insurers' cases: identifiers that do not occur in the book."""
    n = max(8, config.customers // 2_000)
    kind = rng.permutation(np.arange(n) % 4)
    types = np.array(["phone", "bank_account", "id_number", "address"], dtype=object)[kind]
    names, ids, phones = outsiders(rng, pop, 0, n)
    cards = pop.registry.unique("bank_account", n, lambda k: bank_cards(rng, k))
    offices = np.array([office_address(rng, CITIES[int(c)])
                        for c in rng.integers(0, len(CITIES), n)], dtype=object)
    values = np.select([kind == 0, kind == 1, kind == 2], [phones, cards, ids], offices)
    lo = pop.window_start - 365 * DAY
    log.add("watchlist", name=names, identifier_type=types, identifier_value=values,
            kind=watch_kinds(rng, types),
            source=np.array(WATCH_SOURCES, dtype=object)[rng.integers(0, len(WATCH_SOURCES), n)],
            added_date=lo + rng.integers(0, int(days_between(pop.as_of, lo)), n) * DAY)
