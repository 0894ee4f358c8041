"""What each claim's own record says about coaching: the behaviour half of the evidence.

A coached surrender looks different from an ordinary one even when it shares nothing with
anyone (``../shared/domain.md``, "Traces they leave"): it demands a full premium refund on
complaint grounds, the customer's contact phone or account was changed to a fresh one just before
the request (so the insurer's call-back reaches the agency), the refund goes to a third party,
a representative files it. Honest complainers show the first trait too; the operational traces
(the change, the payout, the representative) are what they rarely have.

Each trait is a boolean column; :func:`base_rates` gives the share of claims of the book that
show it, so that every use of a trait is measured against this book rather than against a
constant: a trait three quarters of the book shows says little.

>>> import pandas as pd
>>> frame = pd.DataFrame({"complaint_driven": [True, False, False, False]})
>>> base_rates(frame, ("complaint_driven",))["complaint_driven"]
0.25
>>> round(excess(0.8, 0.25), 4), excess(0.1, 0.25)
(0.7333, 0.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from detectors.book import CHANGED_TO, PAYOUT_ACCOUNT, REPRESENTATIVE, Book, stranger_represents

__all__ = [
    "TRAITS",
    "base_rates",
    "behaviour_excess",
    "claim_traits",
    "excess",
    "shrunk_rate",
]

TRAITS: tuple[str, ...] = ("complaint_driven", "changed_before", "third_party")
"""The traits whose excess over the book's base rate makes an identifier or a group suspicious:
complaint-driven (full-refund demand or complaint reason), contact details changed just before
the request, refund paid outside the policyholder's family."""


def claim_traits(book: Book, letter_window_days: int = 365) -> pd.DataFrame:
    """One row per claim of ``book`` (same index), boolean columns:

    ``complaint_driven`` (full-refund demand, complaint reason or a complaint letter), ``full_refund``,
    ``complaint_reason``, ``letter`` (the customer filed a complaint letter at most
    ``letter_window_days`` before the request or 30 days after it), ``changed_before`` (a contact
    phone, account or address changed to within the change window before the request),
    ``third_party`` and ``company`` (refund paid outside the family / to an agency), and
    ``represented`` (a representative from outside the policyholder's family filed it:
    :func:`detectors.book.stranger_represents`).
    """
    claims = book.claims
    uses = book.uses
    out = pd.DataFrame(index=claims.index)
    out["full_refund"] = claims["full_refund"].to_numpy(bool)
    out["complaint_reason"] = claims["complaint_reason"].to_numpy(bool)

    def flagged(mask: np.ndarray) -> np.ndarray:
        return claims.index.isin(uses.loc[mask, "claim_id"])

    kind = uses["kind"].to_numpy()
    out["changed_before"] = flagged(kind == CHANGED_TO)
    payout = kind == PAYOUT_ACCOUNT
    out["third_party"] = flagged(payout & uses["third_party"].to_numpy(bool))
    out["company"] = flagged(payout & uses["company"].to_numpy(bool))
    out["represented"] = _represented_by_strangers(book)
    complaints = book.complaints
    letter = np.zeros(len(claims), dtype=bool)
    if len(complaints):
        joined = complaints[["customer_id", "day"]].merge(
            pd.DataFrame({"customer_id": claims["customer_id"].to_numpy(),
                          "claim_day": claims["day"].to_numpy(), "position": np.arange(len(claims))}),
            on="customer_id")
        lag = joined["claim_day"] - joined["day"]
        letter[joined.loc[(lag >= -30) & (lag <= letter_window_days), "position"].to_numpy(int)] = True
    out["letter"] = letter
    out["complaint_driven"] = out["full_refund"] | out["complaint_reason"] | out["letter"]
    return out


def base_rates(behaviour: pd.DataFrame, traits: tuple[str, ...] = TRAITS) -> dict[str, float]:
    """Share of claims showing each trait (0.0 for an empty book)."""
    if len(behaviour) == 0:
        return dict.fromkeys(traits, 0.0)
    return {t: float(np.asarray(behaviour[t], dtype=float).mean()) for t in traits}


def shrunk_rate(count: np.ndarray | float, total: np.ndarray | float, base: float,
                prior: float = 1.0) -> np.ndarray:
    """The rate ``count / total`` pulled towards ``base`` by ``prior`` pseudo-claims, so that two
    claims that both show a trait do not count as a certainty.

    >>> shrunk_rate(2, 2, 0.2).round(4).item()
    0.7333
    """
    return (np.asarray(count, dtype=float) + prior * base) / (np.asarray(total, dtype=float) + prior)


def excess(rate: np.ndarray | float, base: float) -> np.ndarray | float:
    """How far ``rate`` lies above the book's ``base`` rate, as a share of the room above it:
    0 at or below the base rate, 1 when every claim shows the trait."""
    room = max(1.0 - base, 1e-9)
    out = np.clip((np.asarray(rate, dtype=float) - base) / room, 0.0, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def behaviour_excess(counts: Mapping[str, np.ndarray], totals: np.ndarray,
                     bases: Mapping[str, float]) -> np.ndarray:
    """How much a group of claims (an identifier's, a ring's) behaves like a proxy-surrender
    ring rather than like the book, in [0, 1].

    The trade is the full-refund demand on complaint grounds (``../shared/domain.md``), so the
    excess of complaint-driven claims over the book's base rate leads. The operational traces
    (contact changed just before, third-party payout) add to it only in proportion to the
    group's complaint-driven share: a care home paid its residents' cash-value refunds, or a
    relative acting for the family, shows those traces without the trade.

    >>> bases = {"complaint_driven": 0.2, "changed_before": 0.05, "third_party": 0.05}
    >>> ring = {"complaint_driven": np.array([5]), "changed_before": np.array([3]), "third_party": np.array([2])}
    >>> care_home = {"complaint_driven": np.array([0]), "changed_before": np.array([0]), "third_party": np.array([6])}
    >>> behaviour_excess(ring, np.array([6]), bases).round(3).tolist(), behaviour_excess(care_home, np.array([9]), bases).round(3).tolist()
    ([0.812], [0.012])
    """
    lead = "complaint_driven"
    driven = shrunk_rate(counts[lead], totals, bases[lead])
    keep_support = np.ones(len(totals))
    for trait, base in bases.items():
        if trait != lead:
            keep_support *= 1.0 - np.asarray(excess(shrunk_rate(counts[trait], totals, base), base))
    support = (1.0 - keep_support) * driven
    return 1.0 - (1.0 - np.asarray(excess(driven, bases[lead]))) * (1.0 - support)


def _represented_by_strangers(book: Book) -> np.ndarray:
    """Per claim of ``book.claims``: whether a representative filed it who is not of the
    policyholder's family (:func:`detectors.book.stranger_represents`)."""
    claims = book.claims
    uses = book.uses
    filed = claims.index.isin(uses.loc[uses["kind"].to_numpy() == REPRESENTATIVE, "claim_id"])
    names = claims["representative_name"].to_numpy(dtype=object) if "representative_name" in claims \
        else np.full(len(claims), None, dtype=object)
    customers = book.customers.reindex(claims["customer_id"])
    policyholders = customers["name"].to_numpy(dtype=object)
    families = customers["family"].to_numpy(dtype=object)
    out = np.zeros(len(claims), dtype=bool)
    for i in np.flatnonzero(filed).tolist():
        holder, family = policyholders[i], families[i]
        out[i] = stranger_represents(names[i], holder if isinstance(holder, str) else None,
                                     family if isinstance(family, frozenset) else ())
    return out
