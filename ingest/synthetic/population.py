"""The insurer's book before anyone surrenders: branches, agents, households of customers and
their policies, all in canonical form (numpy arrays, one row per entity).

>>> from .config import BookConfig
>>> pop = build_population(np.random.default_rng(0), BookConfig(customers=200))
>>> len(pop.customers.name), bool((pop.policies.customer < 200).all())
(200, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
import numpy.typing as npt

from .config import BookConfig
from .geography import CITIES
from .identities import (
    Registry,
    StrArray,
    addresses,
    bank_cards,
    birthplace_codes,
    given_names,
    id_numbers,
    landlines,
    mobile_numbers,
    surnames,
)

__all__ = [
    "PRODUCTS",
    "Agents",
    "Branches",
    "Customers",
    "Policies",
    "Population",
    "Product",
    "build_population",
    "cash_values",
    "days_between",
    "first_of_each",
    "outsiders",
    "premiums_paid",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]
FloatArray = npt.NDArray[np.float64]

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Product:
    """A life product with its typical annual premium and premium-paying terms."""

    name: str
    median_premium: float
    pay_years: tuple[int, ...]
    weight: float


PRODUCTS: tuple[Product, ...] = (
    Product("鑫福年年年金保险（分红型）", 10_000, (5, 10), 1.5),
    Product("金满意足终身寿险", 8_000, (10, 20), 1.0),
    Product("安享一生两全保险（分红型）", 6_000, (5, 10, 15), 1.4),
    Product("福禄双喜两全保险（分红型）", 5_000, (3, 5, 10), 1.2),
    Product("康宁终身重大疾病保险", 4_000, (20,), 1.0),
    Product("少儿成长年金保险", 3_000, (10,), 0.6),
    Product("如意宝年金保险（万能型）", 20_000, (3, 5), 0.5),
    Product("尊享人生终身寿险", 30_000, (10,), 0.3),
)


@dataclass
class Branches:
    """Insurer branches: name, city index, and the counter landline."""

    name: StrArray
    city: IntArray
    landline: StrArray


@dataclass
class Agents:
    """Sales agents. `leave` is NaT for active agents; `habit` marks agents whose own phone
    clerks type as the contact phone of their customers."""

    name: StrArray
    phone: StrArray
    branch: IntArray
    city: IntArray
    status: StrArray
    hire: DateArray
    leave: DateArray
    habit: BoolArray


@dataclass
class Customers:
    """Policyholders. `phone` is the registered contact phone (may be a family member's phone
    or a branch landline); `own_phone` the customer's own mobile ('' = none)."""

    name: StrArray
    female: BoolArray
    age: IntArray
    birth: DateArray
    id_number: StrArray
    phone: StrArray
    own_phone: StrArray
    address: StrArray
    account: StrArray
    city: IntArray
    household: IntArray
    agent: IntArray


@dataclass
class Policies:
    """Policies: holder, selling agent, product index, issue date and premiums."""

    customer: IntArray
    agent: IntArray
    product: IntArray
    issue: DateArray
    annual: FloatArray
    pay_years: IntArray


@dataclass
class Population:
    """Everything that exists before the surrender window, plus lookup indexes."""

    as_of: np.datetime64
    window_start: np.datetime64
    branches: Branches
    agents: Agents
    customers: Customers
    policies: Policies
    registry: Registry

    def policies_of(self, customers: IntArray) -> tuple[IntArray, IntArray]:
        """(customer, policy) pairs for the given customers."""
        order, sorted_customer = self._policy_order
        starts = np.searchsorted(sorted_customer, customers, side="left")
        ends = np.searchsorted(sorted_customer, customers, side="right")
        counts = ends - starts
        owner = np.repeat(customers, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, order[np.repeat(starts, counts) + offsets]

    @cached_property
    def _policy_order(self) -> tuple[IntArray, IntArray]:
        order = np.argsort(self.policies.customer, kind="stable")
        return order, self.policies.customer[order]

    @cached_property
    def _households(self) -> tuple[IntArray, IntArray]:
        order = np.argsort(self.customers.household, kind="stable")
        starts = np.searchsorted(
            self.customers.household[order], np.arange(self.customers.household.max() + 2)
        )
        return order, starts

    def household_members(self) -> tuple[IntArray, IntArray]:
        """Customers sorted by household, and the start offset of each household."""
        return self._households


def first_of_each(keys: npt.ArrayLike) -> IntArray:
    """Positions of the first occurrence of each key, in their original order.

    >>> first_of_each([5, 3, 5, 1, 3]).tolist()
    [0, 1, 3]
    """
    _, first = np.unique(np.asarray(keys), return_index=True)
    out: IntArray = np.sort(first)
    return out


def outsiders(
    rng: np.random.Generator, pop: Population, city: int, n: int
) -> tuple[StrArray, StrArray, StrArray]:
    """Names, ID numbers and mobile phones of `n` adults of `city` who are not customers
    (intermediaries, representatives, people on other insurers' blacklists)."""
    female = rng.random(n) < 0.4
    name = surnames(rng, n) + given_names(rng, female)
    birth = (pop.as_of - rng.integers(25 * 365, 60 * 365, n) * DAY).astype("datetime64[D]")
    home = np.full(n, CITIES[city].districts[0].code, dtype=object)
    region = birthplace_codes(rng, home, birth.astype("datetime64[Y]").astype(np.int64) + 1970)
    ids = pop.registry.unique_rows(
        "id_number", lambda rows: id_numbers(rng, region[rows], birth[rows], female[rows]), n
    )
    phones = pop.registry.unique("phone", n, lambda k: mobile_numbers(rng, k))
    return name, ids, phones


def days_between(later: npt.ArrayLike, earlier: npt.ArrayLike) -> IntArray:
    """Whole days from `earlier` to `later` (element-wise)."""
    delta = np.asarray(later, dtype="datetime64[D]") - np.asarray(earlier, dtype="datetime64[D]")
    out: IntArray = delta.astype(np.int64)
    return out


def premiums_paid(policies: Policies, rows: IntArray, on: DateArray) -> FloatArray:
    """Premiums paid on policies `rows` up to the dates `on` (annual premiums in advance)."""
    years = days_between(on, policies.issue[rows]) // 365 + 1
    paid: FloatArray = np.minimum(np.maximum(years, 1), policies.pay_years[rows]) * policies.annual[
        rows
    ]
    return paid


def cash_values(
    rng: np.random.Generator, policies: Policies, rows: IntArray, on: DateArray
) -> FloatArray:
    """Cash value on `on`: a share of premiums paid that grows with the policy's age
    (about a third after one year, nine tenths after ten)."""
    years = np.maximum(days_between(on, policies.issue[rows]) / 365.25, 0.0)
    ratio = 1.0 - 0.85 * np.exp(-0.25 * years) + rng.normal(0, 0.03, len(rows))
    value: FloatArray = np.round(
        premiums_paid(policies, rows, on) * np.clip(ratio, 0.05, 1.15), 2
    )
    return value


def _choose(rng: np.random.Generator, weights: npt.ArrayLike, n: int) -> IntArray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _build_agents(
    rng: np.random.Generator, n_agents: int, cities: IntArray, as_of: np.datetime64,
    years: int, habit_share: float, registry: Registry,
) -> tuple[Branches, Agents]:
    branch_names: list[str] = []
    branch_city: list[int] = []
    branch_phone: list[str] = []
    for c in cities:
        city = CITIES[int(c)]
        phones = registry.unique("phone", len(city.branches), partial(landlines, rng, city))
        branch_names.extend(city.name + "·" + b for b in city.branches)
        branch_city.extend([int(c)] * len(city.branches))
        branch_phone.extend(phones.tolist())
    branches = Branches(
        np.array(branch_names, dtype=object), np.array(branch_city, dtype=np.int64),
        np.array(branch_phone, dtype=object),
    )
    weights = np.array([CITIES[int(c)].weight for c in cities])
    agent_city_slot = np.concatenate(
        [np.arange(len(cities)), _choose(rng, weights, max(0, n_agents - len(cities)))]
    )[:n_agents]
    city = cities[agent_city_slot]
    branch = np.empty(n_agents, dtype=np.int64)
    for c in cities:
        rows = np.flatnonzero(city == c)
        options = np.flatnonzero(branches.city == c)
        w = 1.0 / np.arange(1, len(options) + 1)
        branch[rows] = options[_choose(rng, w, len(rows))]
    female = rng.random(n_agents) < 0.55
    name = surnames(rng, n_agents) + given_names(rng, female)
    phone = registry.unique("phone", n_agents, lambda k: mobile_numbers(rng, k))
    hire = as_of - rng.integers(180, 18 * 365, n_agents) * DAY
    status = np.array(["active", "resigned", "terminated"], dtype=object)[
        _choose(rng, [0.72, 0.22, 0.06], n_agents)
    ]
    lo = np.maximum(hire + 365 * DAY, as_of - (years + 3) * 365 * DAY)
    hi = as_of - 30 * DAY
    leaving = (status != "active") & (lo < hi)
    status[(status != "active") & ~leaving] = "active"
    span = np.maximum(days_between(hi, lo), 1)
    leave = np.where(
        leaving, lo + (rng.random(n_agents) * span).astype(np.int64) * DAY,
        np.datetime64("NaT"),
    ).astype("datetime64[D]")
    habit = rng.random(n_agents) < habit_share
    return branches, Agents(name, phone, branch, city, status, hire.astype("datetime64[D]"),
                            leave, habit)


def _household_layout(rng: np.random.Generator, n: int) -> tuple[IntArray, IntArray]:
    """Household index and position in the household (0 = head) per person."""
    sizes = 1 + _choose(rng, [0.5, 0.33, 0.13, 0.04], n // 1 + 4)
    ends = np.cumsum(sizes)
    n_households = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:n_households].copy()
    sizes[-1] -= int(ends[n_households - 1] - n)
    household = np.repeat(np.arange(n_households), sizes)
    start = np.cumsum(sizes) - sizes
    position = np.arange(n) - np.repeat(start, sizes)
    return household, position


def build_population(rng: np.random.Generator, config: BookConfig) -> Population:
    """Branches, agents, households of customers and their policies."""
    profile = config.profile
    n = config.customers
    as_of = np.datetime64(config.as_of, "D")
    window_start = as_of - config.years * 365 * DAY
    registry = Registry()

    n_agents = max(4, round(n / 100))
    # Small books cover few cities, so that each city has a real sales force.
    cities = np.arange(min(len(CITIES), max(1, n_agents // 12)), dtype=np.int64)
    branches, agents = _build_agents(
        rng, n_agents, cities, as_of, config.years, profile.agent_phone_habit, registry
    )

    # Households: head, spouse or adult child, child or parent, parent.
    household, pos = _household_layout(rng, n)
    n_households = int(household[-1]) + 1
    head_row = np.flatnonzero(pos == 0)
    head_age = (25 + rng.beta(2.0, 2.2, n_households) * 57).astype(np.int64)
    head_female = rng.random(n_households) < 0.35
    h_age = head_age[household]
    h_female = head_female[household]
    spouse = (pos == 1) & ((rng.random(n) < 0.75) | (h_age < 45))
    child = ((pos == 1) & ~spouse) | ((pos == 2) & (h_age >= 45))
    parent = (pos == 3) | ((pos == 2) & (h_age < 45))
    age = np.select(
        [pos == 0, spouse, child, parent],
        [h_age, h_age + np.rint(rng.normal(0, 4, n)).astype(np.int64),
         h_age - rng.integers(22, 33, n), h_age + rng.integers(22, 31, n)],
    )
    age = np.clip(age, 18, 95)
    female = np.where(pos == 0, h_female, np.where(spouse, ~h_female, rng.random(n) < 0.5))
    family_surname = surnames(rng, n_households)[household]
    same_surname = np.select(
        [pos == 0, spouse, child, parent], [1.0, 0.08, 0.85, 0.5]
    ) > rng.random(n)
    surname = np.where(same_surname, family_surname, surnames(rng, n))
    name = surname + given_names(rng, female)
    birth = (as_of - (age * 365.25).astype(np.int64) * DAY - rng.integers(0, 365, n) * DAY)

    # Where each household lives and which agent serves it.
    agents_per_city = np.bincount(agents.city, minlength=len(CITIES))[cities]
    hh_city = cities[_choose(rng, agents_per_city, n_households)]
    hh_agent = np.empty(n_households, dtype=np.int64)
    hh_address = np.empty(n_households, dtype=object)
    hh_district = np.empty(n_households, dtype=np.int64)
    # Agents with longer tenure have built bigger books.
    served = days_between(
        np.where(np.isnat(agents.leave), as_of, agents.leave), agents.hire
    ) / 365.25
    book_weight = rng.lognormal(0.0, 0.45, n_agents) * (0.15 + np.minimum(served, 12.0) / 12.0)
    for c in cities:
        rows = np.flatnonzero(hh_city == c)
        if len(rows) == 0:
            continue
        pool = np.flatnonzero(agents.city == c)
        hh_agent[rows] = pool[_choose(rng, book_weight[pool], len(rows))]
        districts = rng.integers(0, len(CITIES[int(c)].districts), len(rows))
        hh_district[rows] = districts
        hh_address[rows] = addresses(rng, CITIES[int(c)], districts)
    city = hh_city[household]
    agent = hh_agent[household]
    address = hh_address[household]
    home_code = np.array(
        [d.code for c in CITIES for d in c.districts], dtype=object
    )[np.cumsum([0] + [len(c.districts) for c in CITIES])[:-1][city] + hh_district[household]]
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    region = birthplace_codes(rng, home_code, year)
    id_number = registry.unique_rows(
        "id_number", lambda rows: id_numbers(rng, region[rows], birth[rows], female[rows]), n
    )

    # Phones: own mobiles; elderly often have none; some households share one phone.
    own_phone = registry.unique("phone", n, lambda k: mobile_numbers(rng, k))
    no_phone_p = np.where(age >= 65, 3.0, 0.5) * profile.no_phone_share
    no_phone = rng.random(n) < no_phone_p
    own_phone = np.where(no_phone, "", own_phone)
    head_phone = own_phone[head_row][household]
    shared_household = (rng.random(n_households) < profile.household_shared_phone)[household]
    uses_family = (pos > 0) & (head_phone != "") & (
        (shared_household & (pos == 1)) | (no_phone & (rng.random(n) < 0.6))
    )
    phone = np.where(uses_family, head_phone, own_phone)
    own_phone = np.where(uses_family & ~no_phone & (pos == 1), "", own_phone)
    landline_typed = (phone == "") & (rng.random(n) < 0.5)
    phone = np.where(landline_typed, branches.landline[agents.branch[agent]], phone)

    account = registry.unique("bank_account", n, lambda k: bank_cards(rng, k))
    account = np.where(rng.random(n) < 0.04, "", account)

    # Scatter households over customer ids.
    perm = rng.permutation(n)
    customers = Customers(
        name=name[perm], female=female[perm], age=age[perm], birth=birth[perm].astype(
            "datetime64[D]"), id_number=id_number[perm], phone=phone[perm],
        own_phone=own_phone[perm], address=address[perm], account=account[perm],
        city=city[perm], household=household[perm], agent=agent[perm],
    )

    # Policies: 1-3 per customer, mostly sold by the household's agent.
    per_customer = 1 + _choose(rng, [0.6, 0.3, 0.1], n)
    holder = np.repeat(np.arange(n), per_customer)
    m = len(holder)
    pol_agent = customers.agent[holder].copy()
    other = rng.random(m) < 0.15
    city_agents = np.argsort(agents.city, kind="stable")
    first = np.searchsorted(agents.city[city_agents], customers.city[holder[other]], "left")
    last = np.searchsorted(agents.city[city_agents], customers.city[holder[other]], "right")
    pol_agent[other] = city_agents[first + (rng.random(other.sum()) * (last - first)).astype(
        np.int64)]
    product = _choose(rng, [p.weight for p in PRODUCTS], m)
    median = np.array([p.median_premium for p in PRODUCTS])[product]
    annual = np.maximum(np.round(median * rng.lognormal(0, 0.5, m) / 100) * 100, 500.0)
    pay_options = [np.array(p.pay_years) for p in PRODUCTS]
    pay_years = np.empty(m, dtype=np.int64)
    for k, options in enumerate(pay_options):
        rows = np.flatnonzero(product == k)
        pay_years[rows] = options[rng.integers(0, len(options), len(rows))]
    lo = np.maximum(agents.hire[pol_agent], as_of - 15 * 365 * DAY)
    end = np.where(np.isnat(agents.leave[pol_agent]), as_of, agents.leave[pol_agent])
    hi = np.maximum(np.minimum(end, as_of - 60 * DAY), lo + DAY)
    # Renewal books: older policies outnumber what an agent sold last year.
    issue = lo + (rng.random(m) ** 1.3 * days_between(hi, lo)).astype(np.int64) * DAY
    policies = Policies(holder, pol_agent, product, issue.astype("datetime64[D]"), annual,
                        pay_years)
    return Population(as_of, window_start, branches, agents, customers, policies, registry)
