"""Benign look-alikes of rings that books written outside the project hold (the "realistic"
level; rates are `Profile` fields, zero in the other levels, which then draw nothing here):

- honest customers copying a publicly circulating complaint template ("full refund guides"),
  with their own details, from all over the region and over months, many demanding a full
  refund on mis-selling grounds, each with their own phone and account;
- institutional and family representatives (a care-home worker, a village committee clerk, a
  legal guardian, a relative, a company's HR clerk) acting for five to fifteen unrelated
  customers over a year or more, for the cash value and ordinary reasons, paid to the
  customer's own account or to the institution's;
- a dividend cut on one product in one branch: a wave of ordinary and some complaint-driven
  surrenders within a few weeks;
- the orphaned books of agents who left, surrendering a little more than others, spread out
  over the months after the agent left.

>>> from .config import BookConfig
>>> from .population import build_population
>>> from .records import EventLog
>>> from .templates import public_templates
>>> rng = np.random.default_rng(0)
>>> config = BookConfig(customers=5_000, difficulty="realistic")
>>> pop = build_population(rng, config)
>>> log, busy = EventLog(), np.zeros(5_000, dtype=bool)
>>> plant_lookalikes(rng, pop, config, log, busy, public_templates(rng, 5))
>>> claims = log.frame("claims")
>>> bool((claims["ring"] == -1).all()), len(claims) > 50
(True, True)
>>> log = EventLog()
>>> plant_lookalikes(rng, pop, BookConfig(customers=5_000), log, busy, ())
>>> log.count("claims")
0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .config import BookConfig
from .geography import CITIES
from .identities import StrArray, bank_cards, landlines
from .letters import render_letters
from .population import (
    DAY,
    PRODUCTS,
    DateArray,
    IntArray,
    Population,
    days_between,
    first_of_each,
    outsiders,
)
from .records import EventLog
from .templates import RingTemplate, copied_letter, honest_complaint, public_template_weights
from .vocab import (
    CLAIM_CHANNELS,
    COMPLAINT_CHANNELS,
    COMPLAINT_REASONS,
    LEGIT_REASONS,
    pick,
    reason_texts,
)

__all__ = ["INSTITUTIONS", "Institution", "plant_lookalikes"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Institution:
    """A kind of representative acting for many unrelated customers.

    `ages` bounds the customers it acts for; `paid_to_it` is the share of refunds paid into
    its own account (the rest into the customer's own); `contact` weighs the phone typed on
    the request: its landline, the representative's mobile or the customer's own phone;
    `reasons` the ordinary reasons written on the form; its name is one of `names` and one
    of `suffixes` after its district (`in_district`) or city (none: a guardian or relative
    is paid into their own account); `moves_in`: the customers live there.
    """

    kind: str
    weight: float
    ages: tuple[int, int]
    paid_to_it: float
    contact: tuple[float, float, float]
    reasons: dict[str, float]
    names: tuple[str, ...]
    suffixes: tuple[str, ...]
    moves_in: bool = False
    in_district: bool = False


INSTITUTIONS: tuple[Institution, ...] = (
    Institution("care_home", 0.3, (70, 95), 0.45, (0.5, 0.25, 0.25),
                {"money_need": 0.5, "medical": 0.3, "other": 0.2},
                ("福寿", "康乐", "夕阳红", "颐和", "松鹤", "幸福", "安康", "福缘"),
                ("养老院", "敬老院", "老年公寓", "颐养中心"), moves_in=True),
    Institution("village_committee", 0.3, (40, 95), 0.25, (0.3, 0.4, 0.3),
                {"money_need": 0.45, "loan_repayment": 0.2, "medical": 0.2, "other": 0.15},
                ("石门", "大塘", "新屋", "上坪", "下湾", "黄竹", "长岭", "井头", "田心", "高桥"),
                ("村村民委员会", "村委会"), in_district=True),
    Institution("guardian", 0.1, (75, 95), 0.4, (0.0, 0.7, 0.3),
                {"medical": 0.5, "money_need": 0.3, "other": 0.2}, (), ()),
    Institution("relative", 0.15, (50, 95), 0.2, (0.0, 0.6, 0.4),
                {"money_need": 0.6, "medical": 0.25, "other": 0.15}, (), ()),
    Institution("hr_clerk", 0.15, (25, 55), 0.0, (0.4, 0.0, 0.6),
                {"money_need": 0.45, "loan_repayment": 0.35, "other": 0.2},
                ("宏达", "兴业", "远航", "华信", "金桥", "鑫源", "永盛", "正通"),
                ("实业有限公司", "建材有限公司", "物流有限公司", "科技有限公司")),
)


def plant_lookalikes(
    rng: np.random.Generator,
    pop: Population,
    config: BookConfig,
    log: EventLog,
    busy: BoolArray,
    public: tuple[RingTemplate, ...],
) -> None:
    """Add the look-alikes the level asks for to `log` (claims, complaints, contact changes),
    choosing customers not marked in `busy` and marking them."""
    profile = config.profile
    scale = config.customers * config.years / 2  # the rates are per two years
    if profile.template_copiers_per_1k > 0 and public:
        n = int(rng.poisson(profile.template_copiers_per_1k * scale / 1000))
        _template_copiers(rng, pop, config, log, busy, public, n)
    if profile.institutional_reps_per_100k > 0:
        n = int(rng.poisson(profile.institutional_reps_per_100k * scale / 1e5))
        people = np.bincount(pop.customers.city, minlength=len(CITIES)).astype(float)
        for city in rng.choice(len(CITIES), size=n, p=people / people.sum()):
            _institution(rng, pop, log, busy, int(city))
    if profile.dividend_waves_per_100k > 0:  # at least one, however small the book
        n = max(1, int(rng.poisson(profile.dividend_waves_per_100k * scale / 1e5)))
        for _ in range(n):
            _dividend_cut(rng, pop, log, busy, public)
    if profile.orphan_surrender_rate > 0:
        _orphaned_books(rng, pop, profile.orphan_surrender_rate, log, busy)


def _latest_policy(pop: Population, customers: IntArray, before: DateArray) -> IntArray:
    """Each customer's most recent policy issued at least 60 days before `before` (one date
    per customer), or -1."""
    owner, pol = pop.policies_of(customers)
    index = np.searchsorted(customers, owner) if len(customers) else owner
    ok = pop.policies.issue[pol] < before[index] - 60 * DAY
    owner, pol = owner[ok], pol[ok]
    pol = pol[np.argsort(-pop.policies.issue[pol].astype(np.int64), kind="stable")]
    pol = pol[first_of_each(pop.policies.customer[pol])]
    out: IntArray = np.full(len(customers), -1, dtype=np.int64)
    out[np.searchsorted(customers, pop.policies.customer[pol])] = pol
    return out


def _add_claims(
    rng: np.random.Generator, pop: Population, log: EventLog, policies: IntArray,
    dates: DateArray, reasons: StrArray, full: BoolArray, **columns: npt.ArrayLike,
) -> None:
    """Claims on `policies` with the holder's own phone and account unless `columns` say
    otherwise (representative, contact phone, payout, channel)."""
    c = pop.customers
    holder = pop.policies.customer[policies]
    defaults: dict[str, npt.ArrayLike] = {
        "channel": pick(rng, CLAIM_CHANNELS, len(policies)),
        "contact_phone": c.phone[holder],
        "payout_account": c.account[holder],
        "payout_account_name": c.name[holder],
    }
    log.add("claims", policy=policies, customer=holder, request_date=dates,
            reason_code=reasons, reason_text=reason_texts(rng, reasons),
            refund_type=np.where(full, "full_premium", "cash_value"),
            **{**defaults, **columns})


def _add_letters(
    rng: np.random.Generator, pop: Population, log: EventLog, policies: IntArray,
    received: DateArray, texts: StrArray,
) -> None:
    """Complaint letters from the holders themselves (own phone, home address)."""
    holder = pop.policies.customer[policies]
    phones = pop.customers.phone[holder]
    log.add("complaints", policy=policies, customer=holder, received_date=received,
            channel=pick(rng, COMPLAINT_CHANNELS, len(policies)), text=texts,
            contact_phone=phones, mailing_address=pop.customers.address[holder])


def _copies(
    rng: np.random.Generator, pop: Population, policies: IntArray,
    templates: tuple[RingTemplate, ...], which: IntArray,
) -> StrArray:
    """Letters copied from `templates[which]`, one per policy, with the holder's details."""
    picks = iter(which.tolist())
    phones = pop.customers.phone[pop.policies.customer[policies]]
    return render_letters(pop, policies, phones,
                          lambda f: copied_letter(rng, templates[next(picks)], f, 0.01))


def _template_copiers(
    rng: np.random.Generator, pop: Population, config: BookConfig, log: EventLog,
    busy: BoolArray, public: tuple[RingTemplate, ...], n: int,
) -> None:
    """Honest customers copying public templates: each template goes around from its own
    day on, picked up over the following months (gamma-distributed delays, mean 4 months)."""
    profile = config.profile
    free = np.flatnonzero(~busy)
    who = np.unique(rng.choice(free, size=min(n, len(free)), replace=False))
    which = rng.choice(len(public), size=len(who), p=public_template_weights(len(public)))
    window = int(days_between(pop.as_of, pop.window_start))
    posted = pop.window_start + rng.integers(0, window // 2, len(public)) * DAY
    delay = (rng.gamma(2.0, 60.0, len(who))).astype(np.int64)
    received = np.minimum(posted[which] + delay * DAY, pop.as_of - 70 * DAY)
    policies = _latest_policy(pop, who, received)
    ok = policies >= 0
    who, which, received, policies = who[ok], which[ok], received[ok], policies[ok]
    busy[who] = True
    _add_letters(rng, pop, log, policies, received, _copies(rng, pop, policies, public, which))

    # Most go on to surrender, some after the insurer explained the policy keep it.
    goes = rng.random(len(who)) < profile.copier_surrenders
    pol = policies[goes]
    dates = (received[goes] + rng.integers(5, 61, len(pol)) * DAY).astype("datetime64[D]")
    complaint = rng.random(len(pol)) < profile.copier_complaint_reason
    reasons = np.where(complaint, pick(rng, COMPLAINT_REASONS, len(pol)),
                       pick(rng, LEGIT_REASONS, len(pol)))
    full = rng.random(len(pol)) < profile.copier_full_refund
    _add_claims(rng, pop, log, pol, dates, reasons, full)


def _institution(
    rng: np.random.Generator, pop: Population, log: EventLog, busy: BoolArray, city: int
) -> None:
    """One representative acting for 5 to 15 unrelated customers of `city` over a year or
    more (a care home's residents, a village, wards, relatives, a company's staff, who for
    a company also share the agent who sold the group its policies)."""
    kinds = INSTITUTIONS
    w = np.array([k.weight for k in kinds])
    inst = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
    c = pop.customers
    pool = np.flatnonzero((c.city == city) & ~busy & (c.age >= inst.ages[0])
                          & (c.age <= inst.ages[1]))
    if inst.kind == "hr_clerk" and len(pool):
        agent = c.agent[pool[rng.integers(0, len(pool))]]
        pool = pool[c.agent[pool] == agent]
    pool = pool[first_of_each(c.household[pool])]  # unrelated: one per household
    n = min(len(pool), int(rng.integers(5, 16)))
    if n < 5:
        return
    who = np.sort(rng.choice(pool, size=n, replace=False))
    window = int(days_between(pop.as_of, pop.window_start))
    start = pop.window_start + int(rng.integers(0, window // 2)) * DAY
    dates = start + rng.integers(0, int(days_between(pop.as_of, start)) + 1, n) * DAY
    policies = _latest_policy(pop, who, dates)
    ok = policies >= 0
    who, dates, policies = who[ok], dates[ok], policies[ok]
    if len(who) < 5:
        return
    busy[who] = True
    m = len(who)

    rep_name, rep_id, rep_phone = outsiders(rng, pop, city, 1)
    landline = pop.registry.unique("phone", 1, lambda k: landlines(rng, CITIES[city], k))
    if inst.names:
        districts = CITIES[city].districts
        town = (districts[int(rng.integers(0, len(districts)))].name if inst.in_district
                else CITIES[city].name)
        name = (f"{town}{inst.names[int(rng.integers(0, len(inst.names)))]}"
                f"{inst.suffixes[int(rng.integers(0, len(inst.suffixes)))]}")
    else:
        name = str(rep_name[0])  # a guardian or relative is paid into their own account
    account = pop.registry.unique("bank_account", 1, lambda k: bank_cards(rng, k))

    phone_kind = rng.choice(3, size=m, p=np.array(inst.contact) / sum(inst.contact))
    contact = np.select([phone_kind == 0, phone_kind == 1],
                        [landline[0], rep_phone[0]], c.phone[who]).astype(object)
    to_it = rng.random(m) < inst.paid_to_it
    if inst.moves_in:
        # Residents registered the home's address (and often its phone) when they moved in.
        home = np.array([f"{CITIES[city].province}{name}"], dtype=object)
        moved = np.flatnonzero(rng.random(m) < 0.6)
        when = np.maximum(dates[moved] - rng.integers(60, 600, len(moved)) * DAY,
                          pop.window_start)
        log.add("changes", customer=who[moved], change_date=when,
                field=np.full(len(moved), "address", dtype=object),
                old_value=c.address[who[moved]], new_value=np.repeat(home, len(moved)),
                channel=np.full(len(moved), "counter", dtype=object))
        c.address[who[moved]] = home[0]
    _add_claims(
        rng, pop, log, policies, dates, pick(rng, inst.reasons, m), np.zeros(m, dtype=bool),
        channel=np.where(rng.random(m) < 0.9, "counter", "mail"),
        contact_phone=contact,
        payout_account=np.where(to_it, account[0], c.account[who]),
        payout_account_name=np.where(to_it, name, c.name[who]),
        representative_name=np.repeat(rep_name, m),
        representative_id_number=np.repeat(rep_id, m),
        representative_phone=np.repeat(rep_phone, m),
    )


_DIVIDEND_PRODUCTS = np.array([k for k, p in enumerate(PRODUCTS) if "分红" in p.name])
_WAVE_REASONS: dict[str, float] = {
    "product_unsuitable": 0.5, "money_need": 0.2, "other": 0.1, "complaint_misselling": 0.2,
}


def _dividend_cut(
    rng: np.random.Generator, pop: Population, log: EventLog, busy: BoolArray,
    public: tuple[RingTemplate, ...],
) -> None:
    """A cut in one dividend product's payout: 6-15 % of its policyholders in one branch
    surrender within 2-6 weeks, most for ordinary reasons, a fifth complaining of mis-selling
    (half of those with the most popular public letter), half of the complainers asking for
    every premium back."""
    p = pop.policies
    product = int(_DIVIDEND_PRODUCTS[rng.integers(0, len(_DIVIDEND_PRODUCTS))])
    branch = int(rng.integers(0, len(pop.branches.name)))
    window = int(days_between(pop.as_of, pop.window_start))
    start = pop.window_start + int(rng.integers(0, window - 60)) * DAY
    length = int(rng.integers(14, 43))
    cand = np.flatnonzero((pop.agents.branch[p.agent] == branch) & (p.product == product)
                          & (p.issue < start - 60 * DAY))
    cand = cand[~busy[p.customer[cand]]]
    cand = rng.permutation(cand[first_of_each(p.customer[cand])])
    cand = cand[: int(np.clip(rng.uniform(0.06, 0.15) * len(cand), 8, 80))]
    if len(cand) < 8:
        return
    busy[p.customer[cand]] = True
    m = len(cand)
    dates = start + (rng.random(m) * length).astype(np.int64) * DAY
    reasons = pick(rng, _WAVE_REASONS, m)
    complains = np.flatnonzero(reasons == "complaint_misselling")
    full = np.zeros(m, dtype=bool)
    full[complains] = rng.random(len(complains)) < 0.5
    _add_claims(rng, pop, log, cand, dates, reasons, full)
    copied = rng.random(len(complains)) < 0.5 if public else np.zeros(len(complains), bool)
    received = dates[complains] - rng.integers(0, 21, len(complains)) * DAY
    letters = np.empty(len(complains), dtype=object)
    letters[copied] = _copies(rng, pop, cand[complains[copied]], public,
                              np.zeros(int(copied.sum()), dtype=np.int64))
    letters[~copied] = render_letters(
        pop, cand[complains[~copied]], pop.customers.phone[p.customer[cand[complains[~copied]]]],
        lambda f: honest_complaint(rng, f))
    _add_letters(rng, pop, log, cand[complains], received, letters)


def _orphaned_books(
    rng: np.random.Generator, pop: Population, rate: float, log: EventLog, busy: BoolArray
) -> None:
    """Customers of agents who left surrender at `rate` a year more than others, at any time
    after the agent left (spread out, not a burst), a third of them saying nobody serves
    them any more."""
    p, a = pop.policies, pop.agents
    leave = a.leave[p.agent]
    since = np.maximum(leave, pop.window_start)
    exposed = ~np.isnat(leave) & (since < pop.as_of - 30 * DAY) & ~busy[p.customer]
    pol = np.flatnonzero(exposed)
    pol = rng.permutation(pol)
    pol = pol[first_of_each(p.customer[pol])]
    years = days_between(pop.as_of, since[pol]) / 365.0
    pol = pol[rng.random(len(pol)) < rate * years]
    start = since[pol] + 14 * DAY
    offset = (rng.random(len(pol)) * days_between(pop.as_of, start)).astype(np.int64)
    dates = (start + offset * DAY).astype("datetime64[D]")
    ok = dates > p.issue[pol] + 60 * DAY
    pol, dates = pol[ok], dates[ok]
    busy[p.customer[pol]] = True
    service = rng.random(len(pol)) < 0.35
    reasons = np.where(service, "service_dissatisfied", pick(rng, LEGIT_REASONS, len(pol)))
    _add_claims(rng, pop, log, pol, dates, reasons, np.zeros(len(pol), dtype=bool))
