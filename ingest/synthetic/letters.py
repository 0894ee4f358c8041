"""Filling complaint letters with the particulars of the policy and its holder.

>>> from .config import BookConfig
>>> from .population import build_population
>>> pop = build_population(np.random.default_rng(0), BookConfig(customers=60))
>>> render_letters(pop, np.array([0]), np.array(["13812345678"], dtype=object),
...                lambda f: f["policy_id"] + "/" + f["phone"]).tolist()
['P000000001/13812345678']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .identities import StrArray
from .population import PRODUCTS, IntArray, Population, premiums_paid
from .vocab import entity_code

__all__ = ["render_letters"]


def render_letters(
    pop: Population,
    policies: IntArray,
    phones: StrArray,
    render: Callable[[dict[str, str]], str],
) -> StrArray:
    """One letter per policy: `render` receives the slot values of `templates` (name,
    id_number, policy_id, product, issue_date, agent, premium, paid, phone, age)."""
    c, p = pop.customers, pop.policies
    holders = p.customer[policies]
    paid = premiums_paid(p, policies, np.full(len(policies), pop.as_of))
    codes = entity_code("P", policies, 9)
    out = np.empty(len(policies), dtype=object)
    for i, pol in enumerate(policies):
        issue = p.issue[pol].astype(object)
        holder = holders[i]
        fields = {
            "name": str(c.name[holder]), "id_number": str(c.id_number[holder]),
            "policy_id": str(codes[i]), "product": PRODUCTS[int(p.product[pol])].name,
            "issue_date": f"{issue.year}年{issue.month}月",
            "agent": str(pop.agents.name[p.agent[pol]]), "premium": f"{p.annual[pol]:.0f}",
            "paid": f"{paid[i]:.0f}", "phone": str(phones[i]) or "略",
            "age": str(int(c.age[holder])),
        }
        out[i] = render(fields)
    return out
