"""Proxy-surrender rings planted into the book.

Each ring is run by an intermediary (a consulting / legal-services company or a person) with a
few phones, bank accounts, one or two representatives and a mailing address; it recruits
policyholders of one city (often the former customers of a resigned agent), and files their
surrenders in a burst of a few weeks, backed by template complaints and full-refund demands.
Each member uses each trick only with the difficulty's probability; stealth members use none
(only the template, the timing and the ex-agent). Rings rotate their phones over time.

The "realistic" level adds what real books hold (see `Profile`): each ring has its own rates
around the level's, and its own habits (`Playbook`): some coach members to give an ordinary
reason, some hand out fresh SIM cards and fresh accounts in the member's name (a change just
before the surrender, to a number or account nobody else uses), some work in sub-groups with
their own phones and accounts, held together only by a chain of members who touch two of them;
many adapt a publicly circulating letter template; stealth members of an ex-agent's ring may
send no letter at all.

>>> from .config import BookConfig
>>> from .population import build_population
>>> from .records import EventLog
>>> rng = np.random.default_rng(0)
>>> config = BookConfig(customers=3_000, ring_rate=10.0)
>>> pop = build_population(rng, config)
>>> log, busy = EventLog(), np.zeros(3_000, dtype=bool)
>>> rings = plant_rings(rng, pop, config, log, busy)
>>> rings > 0 and log.count("claims") >= 3 * rings
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .config import BookConfig, Profile
from .geography import CITIES
from .identities import (
    StrArray,
    bank_cards,
    mobile_numbers,
    office_address,
    sim_batch,
)
from .letters import render_letters
from .population import DAY, IntArray, Population, days_between, first_of_each, outsiders
from .records import EventLog
from .templates import (
    RingTemplate,
    adapt_template,
    public_template_weights,
    render_ring_complaint,
    ring_template,
)
from .vocab import (
    CLAIM_CHANNELS,
    COACHED_REASONS,
    COMPLAINT_CHANNELS,
    COMPLAINT_REASONS,
    LEGIT_REASONS,
    WATCH_SOURCES,
    pick,
    reason_texts,
    watch_kinds,
)

__all__ = ["Intermediary", "Playbook", "plant_rings", "ring_sizes"]

_BRANDS = ("信诚", "正通", "汇民", "安信", "维众", "鼎立", "明律", "诚保", "众帮", "惠民",
           "盛泰", "恒正", "德衡", "佑安", "金盾", "百益", "和顺", "民安")
_KINDS = ("法律咨询服务有限公司", "企业管理咨询有限公司", "商务信息咨询有限公司",
          "保险维权服务有限公司", "财务咨询有限公司")


@dataclass
class Intermediary:
    """The people and identifiers behind one ring."""

    name: str
    phones: StrArray
    accounts: StrArray
    account_holders: StrArray
    rep_names: StrArray
    rep_ids: StrArray
    rep_phones: StrArray
    mailing_addresses: list[str]
    template: RingTemplate


def ring_sizes(
    rng: np.random.Generator, target_claims: int, median: float = 4.5, sigma: float = 0.8,
    largest: int = 40,
) -> list[int]:
    """Member counts of rings adding up to about `target_claims`: three plus a lognormal
    number (`median`, `sigma`) of members, at most `largest` (by default 3 to 40, most
    below 12).

    >>> sum(ring_sizes(np.random.default_rng(0), 200)) in range(190, 241)
    True
    """
    sizes: list[int] = []
    total = 0
    while total < target_claims:
        size = int(np.clip(3 + rng.lognormal(np.log(median), sigma), 3, largest))
        if target_claims - total < 3:
            break
        sizes.append(size)
        total += size
    return sizes


@dataclass(frozen=True)
class Playbook:
    """How one ring works: its own trick probabilities (`rates`: the level's, varied per ring
    when `Profile.ring_variation` > 0) and its habits. `groups` > 1: members work in that
    many sub-groups by date, each with its own phone and account, joined only where one
    group hands over to the next; `public` the public template its letter is adapted from
    (-1 = its own version of a base template)."""

    rates: Profile
    fresh_phones: bool = False
    fresh_accounts: bool = False
    groups: int = 1
    public: int = -1


# Trick probabilities a ring sets for itself around the level's.
_VARIED = ("ring_phone", "phone_change", "ring_account", "representative", "complaint",
           "ring_mailing_address", "complaint_ring_phone", "full_premium", "complaint_reason",
           "stealth_share", "coached_share")
assert set(_VARIED) <= {f.name for f in fields(Profile)}


def _playbook(
    rng: np.random.Generator, profile: Profile, public: int, members: int
) -> Playbook:
    """One ring's playbook. Levels without per-ring variation draw nothing (their books stay
    as they were)."""
    if profile.ring_variation <= 0:
        return Playbook(profile)
    k = profile.ring_variation
    varied: dict[str, Any] = {
        name: float(rng.beta(max(getattr(profile, name) * k, 1e-3),
                             max((1 - getattr(profile, name)) * k, 1e-3)))
        for name in _VARIED
    }
    rates = replace(profile, **varied)
    chained = members >= 6 and rng.random() < profile.chain_rings
    return Playbook(
        rates,
        fresh_phones=bool(rng.random() < profile.fresh_phone_rings),
        fresh_accounts=bool(rng.random() < profile.fresh_account_rings),
        groups=min(4, members // 3) if chained else 1,
        public=int(rng.choice(public, p=public_template_weights(public)))
        if public and rng.random() < profile.public_template_rings else -1,
    )


def _intermediary(
    rng: np.random.Generator, pop: Population, city: int, playbook: Playbook, members: int,
    public: tuple[RingTemplate, ...],
) -> Intermediary:
    """A ring's intermediary; small rings get by with fewer phones and accounts, rings in
    sub-groups need one of each per group."""
    profile = playbook.rates
    most = max(1, members // 3)
    n_phones = max(playbook.groups,
                   min(most, int(rng.integers(profile.ring_phones[0], profile.ring_phones[1] + 1))))
    n_accounts = max(playbook.groups, min(most, int(rng.integers(profile.ring_accounts[0],
                                                                 profile.ring_accounts[1] + 1))))
    n_reps = int(rng.integers(1, 3))
    organizer, _, _ = outsiders(rng, pop, city, 1)
    company = rng.random() < 0.65
    brand = _BRANDS[int(rng.integers(0, len(_BRANDS)))]
    kind = _KINDS[int(rng.integers(0, len(_KINDS)))]
    name = f"{CITIES[city].name[:-1]}{brand}{kind}" if company else str(organizer[0])
    phones = pop.registry.unique("phone", n_phones, lambda k: mobile_numbers(rng, k))
    rep_names, rep_ids, rep_phones = outsiders(rng, pop, city, n_reps)
    reuse = rng.random(n_reps) < 0.4
    rep_phones = np.where(reuse, phones[rng.integers(0, n_phones, n_reps)], rep_phones)
    accounts = pop.registry.unique("bank_account", n_accounts, lambda k: bank_cards(rng, k))
    holder_pool = np.concatenate([[name], organizer, rep_names]).astype(object)
    holders = holder_pool[rng.integers(0, len(holder_pool), n_accounts)]
    addresses = [office_address(rng, CITIES[city]) for _ in range(int(rng.integers(1, 3)))]
    template = (adapt_template(rng, public[playbook.public]) if playbook.public >= 0
                else ring_template(rng))
    return Intermediary(name, phones, accounts, holders, rep_names, rep_ids, rep_phones,
                        addresses, template)


def _rotation(rng: np.random.Generator, n: int, k: int) -> IntArray:
    """Which of `k` identifiers each of `n` date-ordered members gets: rings move on to a new
    phone or account as time passes, with some overlap."""
    slot = (np.arange(n) * k) // max(n, 1)
    jitter = rng.random(n) < 0.2
    out: IntArray = np.where(jitter, rng.integers(0, k, n), slot)
    return out


class _Recruiter:
    """Finds policies for ring members: former customers of a resigned agent, or policyholders
    of the ring's city (older ones more likely)."""

    def __init__(self, rng: np.random.Generator, pop: Population, busy: npt.NDArray[np.bool_]):
        self.rng, self.pop, self.busy = rng, pop, busy
        c = pop.customers
        self.by_city = np.argsort(c.city, kind="stable")
        self.city_bounds = np.searchsorted(c.city[self.by_city], np.arange(len(CITIES) + 1))
        self.by_agent = np.argsort(pop.policies.agent, kind="stable")
        self.agent_bounds = np.searchsorted(
            pop.policies.agent[self.by_agent], np.arange(len(pop.agents.name) + 1)
        )

    def ex_agent_policies(self, agent: int, before: np.datetime64) -> IntArray:
        pol = self.by_agent[self.agent_bounds[agent] : self.agent_bounds[agent + 1]]
        pol = pol[~self.busy[self.pop.policies.customer[pol]]]
        pol = pol[self.pop.policies.issue[pol] < before - 60 * DAY]
        return self._youngest_per_customer(pol)

    def _youngest_per_customer(self, pol: IntArray) -> IntArray:
        """Each customer's most recent policy: the one with the largest surrender loss, which
        is what a full-refund agency goes after."""
        pol = pol[np.argsort(-self.pop.policies.issue[pol].astype(np.int64), kind="stable")]
        return pol[first_of_each(self.pop.policies.customer[pol])]

    def city_policies(self, city: int, n: int, before: np.datetime64) -> IntArray:
        pool = self.by_city[self.city_bounds[city] : self.city_bounds[city + 1]]
        if len(pool) == 0 or n <= 0:
            return np.empty(0, dtype=np.int64)
        take = min(len(pool), 4 * n + 10)
        weight = np.where(self.pop.customers.age[pool] >= 60, 3.0, 1.0)
        cand = self.rng.choice(pool, size=take, replace=False, p=weight / weight.sum())
        cand = cand[~self.busy[cand]]
        _, pol = self.pop.policies_of(cand)
        ok = self.pop.policies.issue[pol] < before - 60 * DAY
        return self.rng.permutation(self._youngest_per_customer(pol[ok]))[:n]


def plant_rings(
    rng: np.random.Generator,
    pop: Population,
    config: BookConfig,
    log: EventLog,
    busy: npt.NDArray[np.bool_],
    public: tuple[RingTemplate, ...] = (),
) -> int:
    """Plant rings into `log` (claims, complaints, contact changes, watchlist entries); marks
    ring members in `busy` and updates their registered phone/account in `pop`. Rings may
    adapt one of the `public` templates (`Profile.public_template_rings`). Returns the
    number of rings planted."""
    rate = config.ring_claims_per_1000
    if rate <= 0:
        return 0
    profile = config.profile
    # Poisson around the requested prevalence, but a book asked to hold rings holds one.
    target = max(3, int(rng.poisson(rate * config.customers / 1000)))
    sizes = ring_sizes(rng, target, profile.ring_size_median, profile.ring_size_sigma,
                       profile.ring_size_max)
    recruiter = _Recruiter(rng, pop, busy)
    city_weight = np.bincount(pop.customers.city, minlength=len(CITIES)).astype(float)
    planted = 0
    for size in sizes:
        if _plant_one(rng, pop, config, log, busy, recruiter, city_weight, size, planted,
                      public):
            planted += 1
    return planted


def _plant_one(
    rng: np.random.Generator,
    pop: Population,
    config: BookConfig,
    log: EventLog,
    busy: npt.NDArray[np.bool_],
    recruiter: _Recruiter,
    city_weight: npt.NDArray[np.float64],
    size: int,
    ring_id: int,
    public: tuple[RingTemplate, ...],
) -> bool:
    playbook = _playbook(rng, config.profile, len(public), size)
    profile = playbook.rates
    city = int(rng.choice(len(CITIES), p=city_weight / city_weight.sum()))
    length = int(rng.integers(profile.burst_days[0], profile.burst_days[1] + 1))
    latest: np.datetime64 = pop.as_of - length * DAY
    offset = int(rng.integers(0, max(1, int(days_between(latest, pop.window_start)))))
    start: np.datetime64 = pop.window_start + offset * DAY

    policies = np.empty(0, dtype=np.int64)
    ex_agent = False
    if rng.random() < profile.ex_agent_ring:
        agents = pop.agents
        gone = np.flatnonzero(
            (agents.city == city) & ~np.isnat(agents.leave)
            & (days_between(latest, agents.leave) > 30)
        )
        if len(gone):
            agent = int(gone[rng.integers(0, len(gone))])
            earliest = max(pop.window_start, agents.leave[agent] + 30 * DAY)
            span = max(1, int(days_between(latest, earliest)))
            start = earliest + int(rng.integers(0, span)) * DAY
            found = recruiter.ex_agent_policies(agent, start)
            policies = rng.permutation(found)[: max(size - 1, int(0.8 * size))]
            ex_agent = len(policies) > 0
    policies = np.concatenate([
        policies, recruiter.city_policies(city, size - len(policies), start)
    ])
    policies = policies[first_of_each(pop.policies.customer[policies])]
    if len(policies) < 3:
        return False
    members = pop.policies.customer[policies]
    busy[members] = True
    m = len(policies)
    if playbook.groups > m // 3:
        playbook = replace(playbook, groups=max(1, m // 3))
    who = _intermediary(rng, pop, city, playbook, m, public)
    dates = np.sort(start + (rng.random(m) * length).astype(np.int64) * DAY)
    dates = np.minimum(dates, pop.as_of)

    # Second policies of some members, surrendered together.
    owner, extra = pop.policies_of(members)
    extra_ok = (~np.isin(extra, policies)) & (pop.policies.issue[extra] < start - 60 * DAY)
    owner, extra = owner[extra_ok], extra[extra_ok]
    first = first_of_each(owner)
    owner, extra = owner[first], extra[first]
    keep = rng.random(len(owner)) < 0.15
    owner, extra = owner[keep], extra[keep]
    member_of = {int(c): i for i, c in enumerate(members)}
    twin = np.array([member_of[int(c)] for c in owner], dtype=np.int64)

    _member_claims(rng, pop, playbook, ex_agent, log, who, policies, dates, twin, extra,
                   ring_id)
    _watchlist(rng, pop, profile, log, who, dates[0])
    return True


def _bought_together(pop: Population, sims: StrArray, fresh: npt.NDArray[np.bool_]) -> StrArray:
    """Half the rings that hand out fresh SIM cards buy them in one batch: the members' new
    numbers are consecutive (see :func:`.identities.sim_batch`). Drawn from a generator seeded by
    the ring's first SIM, so the book's other draws stay as they were."""
    rng = np.random.default_rng(int(sims[0]))
    if rng.random() >= 0.5:
        return sims
    batch = sim_batch(sims[0], int(fresh.sum()), rng)
    batch = np.where(pop.registry.fresh_mask("phone", batch), batch, sims[fresh])
    pop.registry.add("phone", batch)
    out = sims.copy()
    out[fresh] = batch
    return out


def _in_groups(
    rng: np.random.Generator, groups: int, stealth: npt.NDArray[np.bool_],
    uses_phone: npt.NDArray[np.bool_], uses_account: npt.NDArray[np.bool_],
    uses_rep: npt.NDArray[np.bool_],
) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Sub-groups of a ring by date, each with its own phone and account (slot = group).
    Where one group hands over to the next, the last member of the old group and the first
    of the new share the old group's account, and the first two of the new share its phone:
    the ring holds together only through that chain. The representative works in one group.
    Updates the trick flags in place; returns (group, phone slot, account slot, the members
    who make the chain)."""
    m = len(stealth)
    group: IntArray = (np.arange(m) * groups) // m
    phone_slot, account_slot = group.copy(), group.copy()
    bridge = np.zeros(m, dtype=bool)
    for first in np.flatnonzero(np.diff(group)) + 1:
        account_slot[first] = group[first - 1]
        uses_account[first - 1 : first + 1] = True
        uses_phone[first : first + 2] = True
        bridge[first - 1 : first + 2] = True
    stealth &= ~bridge
    uses_rep &= group == int(rng.integers(0, groups))
    return group, phone_slot, account_slot, bridge


def _member_claims(
    rng: np.random.Generator,
    pop: Population,
    playbook: Playbook,
    ex_agent: bool,
    log: EventLog,
    who: Intermediary,
    policies: IntArray,
    dates: npt.NDArray[np.datetime64],
    twin: IntArray,
    extra: IntArray,
    ring_id: int,
) -> None:
    profile = playbook.rates
    c = pop.customers
    m = len(policies)
    members = pop.policies.customer[policies]
    stealth = rng.random(m) < profile.stealth_share

    def trick(p: float) -> npt.NDArray[np.bool_]:
        hit: npt.NDArray[np.bool_] = (rng.random(m) < p) & ~stealth
        return hit

    uses_phone, change, uses_account = (trick(profile.ring_phone), trick(profile.phone_change),
                                        trick(profile.ring_account))
    uses_rep = trick(profile.representative)
    phone_slot = _rotation(rng, m, len(who.phones))
    account_slot = _rotation(rng, m, len(who.accounts))
    rep = rng.integers(0, len(who.rep_names), m)
    group, bridge = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool)
    if playbook.groups > 1:
        group, phone_slot, account_slot, bridge = _in_groups(
            rng, playbook.groups, stealth, uses_phone, uses_account, uses_rep)
    ring_phone = who.phones[phone_slot]
    # A fresh SIM or a fresh account in the member's name: a change just before the
    # surrender, to a number or account that nobody else uses.
    fresh_phone = fresh_account = np.zeros(m, dtype=bool)
    if playbook.fresh_phones:
        fresh_phone = change & ~bridge & (rng.random(m) < 0.75)
    if playbook.fresh_accounts:
        fresh_account = uses_account & ~bridge & (rng.random(m) < 0.75)
    phone_trace = (uses_phone | change) & ~fresh_phone
    account_trace = uses_account & ~fresh_account
    # Members whose ring identifiers no other member uses are still tied in by a letter
    # (stealth members of an ex-agent's ring, in some levels, by the agent's book alone).
    used = [np.where(phone_trace, phone_slot, -1),
            np.where(account_trace, account_slot, -1), np.where(uses_rep, rep, -1)]
    linked = np.zeros(m, dtype=bool)
    for slots in used:
        counts = np.bincount(slots[slots >= 0], minlength=1)
        linked |= (slots >= 0) & (counts[np.maximum(slots, 0)] >= 2)
    complains = stealth | ~linked | (rng.random(m) < profile.complaint)
    if ex_agent and profile.stealth_letter < 1:
        complains &= ~(stealth & (rng.random(m) >= profile.stealth_letter))
    registered = c.phone[members].copy()
    new_phone = ring_phone
    if fresh_phone.any():
        sims = pop.registry.unique("phone", m, lambda k: mobile_numbers(rng, k))
        sims = _bought_together(pop, sims, fresh_phone)
        new_phone = np.where(fresh_phone, sims, ring_phone)
    contact = np.where(phone_trace | fresh_phone, new_phone, registered)

    # Contact phone changed to a ring phone (or a fresh SIM) days or weeks before the request.
    change_date = dates - rng.integers(2, 46, m) * DAY
    rows = np.flatnonzero(change)
    log.add("changes", customer=members[rows], change_date=change_date[rows],
            field=np.full(len(rows), "phone", dtype=object), old_value=registered[rows],
            new_value=new_phone[rows], channel=pick(rng, {"app": 2, "phone": 2, "counter": 1},
                                                     len(rows)))
    c.phone[members[rows]] = new_phone[rows]

    new_account = who.accounts[account_slot]
    if fresh_account.any():
        cards = pop.registry.unique("bank_account", m, lambda k: bank_cards(rng, k))
        new_account = np.where(fresh_account, cards, new_account)
    payout = np.where(uses_account, new_account, c.account[members])
    payout_name = np.where(account_trace, who.account_holders[account_slot], c.name[members])
    acc_change = np.flatnonzero(uses_account & ((rng.random(m) < 0.25) | fresh_account))
    log.add("changes", customer=members[acc_change], change_date=change_date[acc_change],
            field=np.full(len(acc_change), "bank_account", dtype=object),
            old_value=c.account[members[acc_change]],
            new_value=new_account[acc_change],
            channel=pick(rng, {"counter": 1, "app": 1}, len(acc_change)))
    c.account[members[acc_change]] = new_account[acc_change]

    empty = np.full(m, "", dtype=object)
    rep_name = np.where(uses_rep, who.rep_names[rep], empty)
    rep_id = np.where(uses_rep, who.rep_ids[rep], empty)
    rep_phone = np.where(uses_rep, who.rep_phones[rep], empty)
    channel = np.where(uses_rep, "counter", pick(rng, CLAIM_CHANNELS, m))

    full = rng.random(m) < profile.full_premium
    complaint_reason = rng.random(m) < profile.complaint_reason
    reason = np.where(complaint_reason, pick(rng, COMPLAINT_REASONS, m),
                      pick(rng, LEGIT_REASONS, m))
    if profile.coached_share > 0:
        # Coached members give an ordinary reason, some ask for the cash value only.
        coached = rng.random(m) < profile.coached_share
        reason = np.where(coached, pick(rng, COACHED_REASONS, m), reason)
        full &= ~(coached & (rng.random(m) < profile.coached_cash_value))
    refund = np.where(full, "full_premium", "cash_value")

    # Members with a second policy file a second claim with the same particulars.
    both = np.concatenate([np.arange(m), twin])
    claim_policy = np.concatenate([policies, extra])
    lag = np.concatenate([np.zeros(m, dtype=np.int64), rng.integers(0, 3, len(twin))])
    claim_date = np.minimum(dates[both] + lag * DAY, pop.as_of)
    log.add(
        "claims", policy=claim_policy, customer=members[both], request_date=claim_date,
        channel=channel[both], reason_code=reason[both],
        reason_text=reason_texts(rng, reason[both]), contact_phone=contact[both],
        payout_account=payout[both], payout_account_name=payout_name[both],
        representative_name=rep_name[both], representative_id_number=rep_id[both],
        representative_phone=rep_phone[both], refund_type=refund[both],
        ring=np.full(len(both), ring_id, dtype=np.int64),
    )

    # Template complaints, usually sent shortly before the request.
    rows = np.flatnonzero(complains)
    ring_contact = ~stealth & ~fresh_phone & (rng.random(m) < profile.complaint_ring_phone)
    ring_mail = ~stealth & (rng.random(m) < profile.ring_mailing_address)
    if playbook.groups > 1:  # one group writes from the office
        ring_mail &= group == int(rng.integers(0, playbook.groups))
    letter_phone = np.where(ring_contact, ring_phone, contact)
    mail_slot = rng.integers(0, len(who.mailing_addresses), m)
    mailing = np.where(ring_mail, np.array(who.mailing_addresses, dtype=object)[mail_slot],
                       c.address[members])
    texts = render_letters(
        pop, policies[rows], letter_phone[rows],
        lambda fields: render_ring_complaint(rng, who.template, fields,
                                             profile.template_edit_rate),
    )
    log.add("complaints", policy=policies[rows], customer=members[rows],
            received_date=dates[rows] - rng.integers(0, 26, len(rows)) * DAY,
            channel=pick(rng, COMPLAINT_CHANNELS, len(rows)), text=texts,
            contact_phone=letter_phone[rows], mailing_address=mailing[rows])


def _watchlist(
    rng: np.random.Generator,
    pop: Population,
    profile: Profile,
    log: EventLog,
    who: Intermediary,
    first_date: np.datetime64,
) -> None:
    values = np.concatenate([who.phones, who.accounts, who.rep_ids,
                             np.array(who.mailing_addresses, dtype=object)])
    types = np.array(["phone"] * len(who.phones) + ["bank_account"] * len(who.accounts)
                     + ["id_number"] * len(who.rep_ids)
                     + ["address"] * len(who.mailing_addresses), dtype=object)
    names = np.concatenate([
        np.full(len(who.phones), who.name, dtype=object), who.account_holders, who.rep_names,
        np.full(len(who.mailing_addresses), who.name, dtype=object),
    ])
    listed = np.flatnonzero(rng.random(len(values)) < profile.watchlisted)
    lo = first_date - 365 * DAY
    span = max(1, int(days_between(pop.as_of, lo)))
    log.add("watchlist", name=names[listed],
            kind=watch_kinds(rng, types[listed]),
            identifier_type=types[listed], identifier_value=values[listed],
            source=np.array(WATCH_SOURCES, dtype=object)[rng.integers(0, len(WATCH_SOURCES),
                                                                       len(listed))],
            added_date=lo + rng.integers(0, span, len(listed)) * DAY)
