"""Ring scores with evidence, per-claim risk and identifier profiles.

A ring's score combines independent clues by noisy-or (``1 - Π(1 - p)``): identifiers its
households share (each worth its suspicion), a common complaint template, third-party payouts,
phones changed just before surrender, watchlist hits, complaint-driven full-refund demands,
a burst in time and a resigned agent's book. Each clue that fires becomes an
:class:`~graph.results.Evidence` item with a stable code, a Chinese and an English sentence and
the identifiers, dates and counts behind it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from detectors.behaviour import base_rates, excess, shrunk_rate
from detectors.book import (
    BLOCK_KINDS,
    CHANGED_TO,
    COMPLAINT_PHONE,
    CONTACT_PHONE,
    MAILING_ADDRESS,
    NUMBER_BLOCK,
    PAYOUT_ACCOUNT,
    REPRESENTATIVE,
    REPRESENTATIVE_PHONE,
    Book,
)
from detectors.bursts import MIN_BURST_EVENTS, SCAN_WINDOWS_DAYS
from detectors.claim_view import ClaimView
from detectors.days import iso_day, iso_or_none
from detectors.expansion import Attachment
from detectors.identifiers import noisy_or
from detectors.links import ClaimGraph, claim_propensity
from detectors.params import DetectionParams
from detectors.ring_ids import ring_id_for
from detectors.rules import RunIndex, Verdict, claim_signals, shown_key, verdict
from graph.keys import is_number_block, number_block
from graph.results import ClaimRisk, Evidence, IdentifierProfile, Ring, RingIdentifier, level_for

__all__ = [
    "BURST_WINDOW_DAYS",
    "IDENTIFIER_TYPES",
    "claim_risks",
    "identifier_profiles",
    "score_rings",
]

IDENTIFIER_TYPES = {"Phone": "phone", "BankAccount": "bank_account", "Address": "address",
                    "Person": "representative"}
BURST_WINDOW_DAYS = 60
_MAX_IDENTIFIER_ITEMS = 6
# what one clue alone contributes to a ring's score
_P_TEMPLATE_PER_HOUSEHOLD = 0.3
_P_TEMPLATE_MAX = 0.8
_P_THIRD_PARTY_MAX = 0.5
_P_CHANGED_MAX = 0.45
_P_WATCHLIST = 0.5
_P_PROPENSITY = 0.3
_P_BURST = 0.15
_P_EX_AGENT_PER_CLAIM = 0.1
_P_EX_AGENT_MAX = 0.3
_TIES = frozenset({"more_shared_identifiers", "watchlist"})
"""Evidence that ties members to each other (with every ``shared_*`` code, and a resigned agent's
burst beyond chance: see :func:`_ties`)."""
_WORDING = frozenset({"complaint_template", "full_refund_complaints", "burst"})
"""Near-identical letters, full-refund demands on complaint grounds, timing: what honest
complainers copying a public letter show too. Together (with a resigned agent's burst that
chance explains, see :func:`_untied`) they count at most :data:`_UNTIED_CAP`, below the alert
threshold; a ring needs ties or traces besides."""
_UNTIED_CAP = 0.45
"""The most wording and timing count together (see :data:`_WORDING`), and the most a group
scores when its requests demand a full refund or give a complaint reason no more often than the
book's requests do (claim propensity, :func:`detectors.links.claim_propensity`, no higher than the
book's mean; a request with an agency's trace on it counts as half a demand,
:func:`_agency_traces`): the trade *is* the full-refund demand on complaint grounds, and a shared
representative, account or address is strong evidence only with it (``../shared/domain.md``: a care home's worker files
its residents' cash-value requests for years), unless most of its members were paid into a
private person's account that took unrelated households' refunds within weeks, on requests
nobody represented (:func:`_paid_to_a_stranger`: the money is the trade's behaviour too, where
the coach told members to leave the demand out). So
is a group tied by nothing but wording and
timing when half its requests or fewer show that behaviour: an outside book's honest complaint
wave after one product's dividend cut wrote near-identical letters within weeks and took the
cash value, while the 18 groups of ring members alerted on wording and timing alone on 23 outside
books showed it on three quarters of their members or more."""

_BEHAVIOUR_TEXT = ("要求全额退还保费、以投诉为由或由中介经手（退保款付给外人、申请前改为本组号码）",
                   "demand a full premium refund, give a complaint reason or show an agency's hand (a "
                   "refund paid to a stranger, a contact switched to a number of the group just before)")
"""What the no-demand caps count as the trade's behaviour (see :data:`_UNTIED_CAP`)."""

_KIND_TEXT = {
    CONTACT_PHONE: ("联系电话", "contact phone"),
    PAYOUT_ACCOUNT: ("收款账户", "payout account"),
    REPRESENTATIVE: ("代办人", "representative"),
    REPRESENTATIVE_PHONE: ("代办人电话", "representative's phone"),
    COMPLAINT_PHONE: ("投诉联系电话", "complaint contact phone"),
    MAILING_ADDRESS: ("投诉邮寄地址", "complaint mailing address"),
    CHANGED_TO: ("退保前变更的联系方式", "contact changed to just before surrender"),
    NUMBER_BLOCK: ("同一号段的手机号", "phone number of one block"),
}


def _count(k: int, noun: str) -> str:
    """``k`` and ``noun``, plural unless ``k`` is 1: ``1 claim``, ``3 claims``."""
    return f"{k} {noun}" if k == 1 else f"{k} {noun}s"


@dataclass
class _Use:
    label: str
    key: str
    kind: str
    third_party: bool
    company: bool
    holder: str | None
    change_day: float


@dataclass
class _Context:
    book: Book
    identifiers: pd.DataFrame
    graph: ClaimGraph
    params: DetectionParams
    households: np.ndarray
    propensity: np.ndarray
    """Per claim, :func:`detectors.links.claim_propensity`."""
    book_propensity: float
    """Its mean over the book."""
    bases: Mapping[str, float]
    driven: np.ndarray
    """Per claim, whether it is complaint-driven (:func:`detectors.behaviour.claim_traits`)."""
    suspicion: dict[tuple[str, str], float] = field(default_factory=dict)
    steady: Mapping[tuple[str, str], tuple[int, int, str]] = field(default_factory=dict)
    """Identifiers in an institution's steady use (:data:`detectors.identifiers.STEADY_MIN_CLAIMS`):
    their claims, span in days and the institution's identifier they work for (or ``""``)."""
    stranger_money: frozenset[tuple[str, str]] = frozenset()
    """Private persons' accounts paid unrelated households' refunds within weeks (``stranger_money``)."""
    own: frozenset[tuple[str, str]] = frozenset()
    """Identifiers some customer holds as her own (:func:`_own_identifiers`)."""
    uses_by_claim: dict[int, list[_Use]] = field(default_factory=dict)
    claim_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    """The book's claims as plain arrays by position (a ring reads a few rows of each, which
    pandas rows cost far more than)."""
    customer_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    agent_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    days: np.ndarray = field(default_factory=lambda: np.empty(0))
    full_refund: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    complaint_reason: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    letters_of_claim: dict[str, list[str]] = field(default_factory=dict)


def _context(book: Book, identifiers: pd.DataFrame, graph: ClaimGraph, params: DetectionParams,
             traits: pd.DataFrame, members: np.ndarray) -> _Context:
    """What scoring the rings of ``members`` (claim positions) reads; uses only of those claims."""
    households = book.customers["household"].reindex(book.claims["customer_id"]).to_numpy()
    propensity = claim_propensity(book)
    ctx = _Context(book, identifiers, graph, params, households, propensity,
                   float(propensity.mean()) if len(propensity) else 0.0, base_rates(traits),
                   traits["complaint_driven"].to_numpy(bool),
                   dict(zip(identifiers.index.tolist(), identifiers["suspicion"].astype(float).tolist(), strict=True)),
                   _steady_identifiers(identifiers))
    ctx.stranger_money = frozenset(identifiers.index[identifiers["stranger_money"].to_numpy() > 0].tolist())
    ctx.own = _own_identifiers(book)
    claims = book.claims
    ctx.claim_ids = claims.index.to_numpy(dtype=object)
    ctx.customer_ids = claims["customer_id"].to_numpy(dtype=object)
    ctx.agent_ids = claims["agent_id"].to_numpy(dtype=object)
    ctx.days = claims["day"].to_numpy(dtype=float)
    ctx.full_refund = claims["full_refund"].to_numpy(dtype=bool)
    ctx.complaint_reason = claims["complaint_reason"].to_numpy(dtype=bool)
    letters = book.complaints.dropna(subset=["claim_id"])
    for claim, complaint in zip(letters["claim_id"].tolist(), letters["complaint_id"].astype(str).tolist(), strict=True):
        ctx.letters_of_claim.setdefault(claim, []).append(complaint)
    position = pd.Series(np.arange(len(book.claims)), index=book.claims.index)
    uses = book.uses
    if not uses.empty:
        all_pos = position[uses["claim_id"]].to_numpy()
        mine = np.isin(all_pos, members)
        uses = uses[mine]
        pos = all_pos[mine].tolist()
        columns = ["label", "key", "kind", "third_party", "company", "holder", "change_day"]
        for p, (label, key, kind, third, company, holder, change) in zip(
                pos, zip(*(uses[c].tolist() for c in columns), strict=True), strict=True):
            ctx.uses_by_claim.setdefault(p, []).append(_Use(
                str(label), str(key), str(kind), bool(third), bool(company),
                holder if isinstance(holder, str) else None, float(change)))
    return ctx


def _own_identifiers(book: Book) -> frozenset[tuple[str, str]]:
    """``(label, key)`` of identifiers some customer registered (``book.registered``) without
    having changed to it (a ``changed_to`` use of hers, or a phone she took by a dated change:
    ``taken_day``): her own, as a daughter's phone and account are when she helps her parents.
    An export's customer table may show the number a ring switched its members to as theirs
    (two outside books' tables do for most changes), so registration alone is not ownership."""
    uses = book.uses
    took = uses[(uses["kind"] == CHANGED_TO).to_numpy() | uses["taken_day"].notna().to_numpy()] if not uses.empty else uses
    changed = set(zip(took["customer_id"].tolist(), took["label"].tolist(), took["key"].tolist(), strict=True)) \
        if not took.empty else set()
    reg = book.registered
    return frozenset((label, key) for customer, label, key in zip(
        reg["customer_id"].tolist(), reg["label"].tolist(), reg["key"].tolist(), strict=True)
        if (customer, label, key) not in changed)


def score_rings(book: Book, identifiers: pd.DataFrame, graph: ClaimGraph,
                cores: Sequence[Sequence[int]], params: DetectionParams, traits: pd.DataFrame,
                joined: Sequence[Sequence[Attachment]] | None = None,
                hand_overs: Mapping[int, Sequence[int]] | None = None) -> list[Ring]:
    """One :class:`Ring` per core (claim positions), in the order of ``cores``; ``joined`` are
    the claims each core gained by expansion (see :mod:`detectors.expansion`), ``hand_overs``
    the members through whom pieces of a ring were joined, each with the claims of the other
    piece it is linked to (:func:`detectors.cores.tied_pieces_joined`). ``traits`` are the
    book's claim traits (:func:`detectors.behaviour.claim_traits`): members' traces count by
    how far they exceed the book's base rates."""
    extra: Sequence[Sequence[Attachment]] = joined if joined is not None else [() for _ in cores]
    members = np.array([m for core, more in zip(cores, extra, strict=True)
                        for m in [*core, *(a.claim for a in more)]], dtype=np.int64)
    ctx = _context(book, identifiers, graph, params, traits, members)
    return [_ring(ctx, list(c), list(more), hand_overs or {}) for c, more in zip(cores, extra, strict=True)]


def _ring(ctx: _Context, core: list[int], joined: list[Attachment], hand_overs: Mapping[int, Sequence[int]]) -> Ring:
    members = sorted(core + [a.claim for a in joined])
    claim_ids = tuple(sorted(ctx.claim_ids[members]))
    evidence: list[tuple[Evidence, float]] = []
    evidence += _identifier_evidence(ctx, members)
    evidence += _payout_evidence(ctx, members)
    evidence += _template_evidence(ctx, members)
    evidence += _timing_evidence(ctx, members)
    evidence += _agent_evidence(ctx, members)
    evidence += _joined_evidence(ctx, joined)
    evidence += _hand_over_evidence(ctx, members, hand_overs)
    wording = [p for e, p in evidence if _untied(e)]
    score = noisy_or([p for e, p in evidence if not _untied(e)] + [min(_wording_cap(evidence), noisy_or(wording))])
    # an agency trace counts as one of the two halves of the demand (claim_propensity)
    traces = _agency_traces(ctx, members)
    demanding = np.maximum(ctx.propensity[members], 0.5 * traces)
    count = int((demanding > 0).sum())
    behaviour_zh, behaviour_en = _BEHAVIOUR_TEXT
    untied = not any(_ties(e) for e, p in evidence if p > 0)
    if demanding.mean() <= ctx.book_propensity and not _paid_to_a_stranger(ctx, members):
        score = min(score, _UNTIED_CAP)
        evidence.append((Evidence(
            "no_refund_demands",
            f"本组 {len(members)} 笔退保中 {count} 笔{behaviour_zh}，不比全账册的退保更多："
            f"缺少代理退保的行为，评分至多 {_UNTIED_CAP}",
            f"{count} of the group's {len(members)} requests {behaviour_en}, no more than the book's "
            f"requests do: without the trade's behaviour its ties count at most {_UNTIED_CAP}",
            {"score_cap": _UNTIED_CAP, "demanding": count, "claims": len(members),
             "agency_traces": int(traces.sum()), "book_propensity": round(ctx.book_propensity, 4)}), 0.0))
    elif untied and 2 * count <= len(members):
        score = min(score, _UNTIED_CAP)
        evidence.append((Evidence(
            "few_refund_demands",
            f"本组只由措辞和时间相连，{len(members)} 笔退保中仅 {count} 笔{behaviour_zh}："
            f"没有多数成员的代理退保行为，评分至多 {_UNTIED_CAP}",
            f"The group is tied by nothing but wording and timing, and only {count} of its "
            f"{len(members)} requests {behaviour_en}: without the trade's behaviour on most members it "
            f"counts at most {_UNTIED_CAP}",
            {"score_cap": _UNTIED_CAP, "demanding": count, "claims": len(members),
             "agency_traces": int(traces.sum())}), 0.0))
    if untied:
        steady = any(e.data.get("steady", False) for e, _ in evidence)
        cap = round(_wording_cap(evidence), 4)
        evidence.append((Evidence(
            "no_shared_ties",
            "成员之间" + ("除平稳使用的机构标识外，" if steady else "")
            + "没有共用的联系方式、账户、代办人、地址，也不属于同一离职代理人的集中退保"
            + (f"：措辞和时间至多计 {cap}（本组信件占该措辞在全账册信件中的一半或更少时为 {_UNTIED_CAP}，"
               "超过一半时随占比线性升高，占全部或为一地的集中投诉时为 1）" if cap < 1.0 else ""),
            "The members share no contact, account, representative or address"
            + (" besides those in an institution's steady use" if steady else "")
            + ", nor a burst of one resigned agent's book"
            + (f": wording and timing count at most {cap} ({_UNTIED_CAP} while the group's letters "
               "are half the book's letters of their wording or fewer, rising in step with their share "
               "above half, 1 when they are all of them or one place's campaign)" if cap < 1.0 else ""),
            {"wording_cap": cap}), 0.0))
    score = round(min(1.0, score), 4)
    evidence.sort(key=lambda item: -item[1])
    identifiers = _listed_identifiers(ctx, members, _shared_identifiers(ctx, members))
    days = ctx.days[members]
    days = days[~np.isnan(days)]
    return Ring(
        ring_id=ring_id_for(claim_ids),
        score=score,
        level=level_for(score),
        claim_ids=claim_ids,
        customer_ids=tuple(sorted(set(ctx.customer_ids[members]))),
        agent_ids=tuple(sorted({a for a in ctx.agent_ids[members] if isinstance(a, str)})),
        identifiers=identifiers,
        evidence=tuple(e for e, _ in evidence),
        first_request_date=iso_day(days.min()) if len(days) else None,
        last_request_date=iso_day(days.max()) if len(days) else None,
    )


def _identifier_households(ctx: _Context, members: list[int]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per identifier used by the ring: households, claims and kinds."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for m in members:
        for use in ctx.uses_by_claim.get(m, ()):
            item = out.setdefault((use.label, use.key), {"households": set(), "claims": set(),
                                                         "kinds": defaultdict(set), "uses": []})
            item["households"].add(int(ctx.households[m]))
            item["claims"].add(m)
            item["kinds"][use.kind].add(m)
            item["uses"].append((m, use))
    return out


def _shared_identifiers(ctx: _Context, members: list[int]) -> list[tuple[str, str]]:
    shared = []
    for ref, item in _identifier_households(ctx, members).items():
        suspicion = ctx.suspicion.get(ref, 0.0)
        listed = ref in ctx.book.watchlist
        if (len(item["households"]) >= 2 and suspicion > 0) or listed:
            shared.append((ref, len(item["claims"])))
    shared.sort(key=lambda x: (-x[1], x[0]))
    return [ref for ref, _ in shared]


def _identifier_evidence(ctx: _Context, members: list[int]) -> list[tuple[Evidence, float]]:
    claim_ids = ctx.claim_ids
    found: list[tuple[Evidence, float]] = []
    listed: list[dict[str, Any]] = []
    changed_customers: set[str] = set()
    changed_items: list[dict[str, Any]] = []
    for ref, item in sorted(_identifier_households(ctx, members).items()):
        label, key = ref
        suspicion = ctx.suspicion.get(ref, 0.0)
        if ref in ctx.book.watchlist:
            listed.append({"type": IDENTIFIER_TYPES.get(label, label), "value": key,
                           "entry": ctx.book.watchlist[ref]})
        for m, use in item["uses"]:
            if use.kind == CHANGED_TO and not np.isnan(use.change_day):
                customer = str(ctx.customer_ids[m])
                if customer not in changed_customers:
                    changed_customers.add(customer)
                    changed_items.append({"customer_id": customer, "claim_id": str(claim_ids[m]),
                                          "changed_to": key, "changed_on": iso_day(use.change_day),
                                          "days_before": int(ctx.days[m] - use.change_day)})
        if len(item["households"]) < 2 or suspicion <= 0:
            continue
        kind, claims_of_kind = _main_kind(item["kinds"])
        if kind == NUMBER_BLOCK:
            item["numbers"] = _block_numbers(ctx, item["claims"], key)
        evidence = _shared_item(label, key, kind, sorted(str(claim_ids[m]) for m in claims_of_kind),
                                len(item["households"]), item)
        if ref in ctx.steady:
            evidence = _in_steady_use(evidence, *ctx.steady[ref])
        if label == "Phone" and key in ctx.book.agent_phones:
            evidence = _agents_phone(evidence, ctx.book, ctx.book.agent_phones[key])
        found.append((_with_other_uses(evidence, kind, item["kinds"], claim_ids), suspicion))
    found = _one_line_per_representative(found)
    found.sort(key=lambda x: (-x[1], -int(x[0].data["count"]), str(x[0].data["value"])))
    out = found[:_MAX_IDENTIFIER_ITEMS]
    rest = found[_MAX_IDENTIFIER_ITEMS:]
    if rest:
        values = [f"{e.data['type']}:{e.data['value']}" for e, _ in rest]
        out.append((Evidence(
            "more_shared_identifiers",
            f"另有 {len(rest)} 个标识被多个不相关家庭共用",
            f"{len(rest)} more identifiers are shared by unrelated households",
            {"count": len(rest), "identifiers": values,
             "steady": all(e.data.get("steady", False) for e, _ in rest)},
        ), noisy_or(p for _, p in rest)))
    if changed_items:
        k = len(changed_items)
        out.append((Evidence(
            "changed_before_surrender",
            f"{k} 位客户在退保前 {ctx.params.change_window_days} 天内变更了联系方式",
            f"{_count(k, 'customer')} changed their contact details within "
            f"{ctx.params.change_window_days} days before surrendering",
            {"count": k, "changes": changed_items},
        ), _P_CHANGED_MAX * _trace_excess(ctx, k, len(members), "changed_before")))
    if listed:
        names = "、".join(sorted({x["entry"] for x in listed}))
        out.append((Evidence(
            "watchlist",
            f"{len(listed)} 个关联标识在行业黑名单上（{names}）",
            f"{_count(len(listed), 'linked identifier')} {'is' if len(listed) == 1 else 'are'} "
            f"on the watchlist ({names})",
            {"count": len(listed), "identifiers": listed},
        ), _P_WATCHLIST))
    return out


def _one_line_per_representative(found: list[tuple[Evidence, float]]) -> list[tuple[Evidence, float]]:
    """A shared representative's phone said on the representative's line, not as a second
    identifier: one person acting for the ring's households is one trace, weighed once (the
    stronger of the two), where a phone of hers given on the same requests read as another
    person sharing them (a tester read "the representative's phone links 7 households" and
    "the representative links 7 households" as two people). Only a phone given as the
    representative's on requests she filed folds in; one given as a contact or on other requests,
    an agent's own or in an institution's steady use says more and keeps its line."""
    people = [i for i, (e, _) in enumerate(found) if e.code == f"shared_{REPRESENTATIVE}"]
    merged = dict(enumerate(found))
    for i, (phone, weight) in enumerate(found):
        if phone.code != f"shared_{REPRESENTATIVE_PHONE}" or any(
                phone.data.get(k) for k in ("other_uses", "agent_id", "steady")):
            continue
        claims = set(phone.data["claims"])
        at = next((j for j in people if claims <= set(merged[j][0].data["claims"])), None)
        if at is None:
            continue
        person, own = merged[at]
        number = str(phone.data["value"])
        merged[at] = (Evidence(person.code, f"{person.zh}（代办人电话 {number}）",
                               f"{person.en} (the representative's phone {number})",
                               {**person.data, "phone": number}), max(own, weight))
        del merged[i]
    return list(merged.values())


def _agents_phone(evidence: Evidence, book: Book, agent: str) -> Evidence:
    """The line saying whose phone it is: agent ``agent``'s own, and when the agent left. A former
    agent recruiting from his old book gives his number as the contact or the representative's
    (``../shared/domain.md``); an investigator reads it first (a tester's evidence never said the
    ring's number was the former agent's own)."""
    row = book.agents.loc[agent].to_dict() if agent in book.agents.index else {}
    name = row["name"] if isinstance(row.get("name"), str) else agent
    left = iso_or_none(float(row["leave_day"])) if row.get("status") not in (None, "active", "") else None
    if left is None:
        zh, en = f"代理人 {name}（{agent}）本人的电话", f"agent {name}'s ({agent}) own phone"
    else:
        zh, en = f"代理人 {name}（{agent}，{left} 离职）本人的电话", f"the own phone of agent {name} ({agent}), who left on {left}"
    return Evidence(evidence.code, f"{evidence.zh}（{zh}）", f"{evidence.en} ({en})",
                    {**evidence.data, "agent_id": agent, **({"agent_left_on": left} if left else {})})


def _block_numbers(ctx: _Context, claims: Iterable[int], block: str) -> list[str]:
    """The numbers of ``block`` that counted by it for ``claims`` (claim positions): the
    :data:`BLOCK_KINDS` phones, sorted."""
    return sorted({u.key for m in claims for u in ctx.uses_by_claim.get(m, ())
                   if u.kind in BLOCK_KINDS and number_block(u.key) == block})


def _listed_identifiers(ctx: _Context, members: list[int],
                        shared: list[tuple[str, str]]) -> tuple[RingIdentifier, ...]:
    """The ring's identifiers as the export lists them: a number block as an entry of its own
    (type ``number_block``, the key with its open digits as ``*``) followed by the numbers of it
    the members changed to (type ``phone``), so every ``phone`` value is a phone number a
    consumer can look up or block."""
    out: list[RingIdentifier] = []
    for label, key in shared:
        if is_number_block(key):
            out.append(RingIdentifier(NUMBER_BLOCK, key))
            out += [RingIdentifier("phone", n) for n in _block_numbers(ctx, members, key)]
        else:
            out.append(RingIdentifier(IDENTIFIER_TYPES.get(label, label.lower()), key))
    return tuple(dict.fromkeys(out))


def _main_kind(kinds: dict[str, set[int]]) -> tuple[str, set[int]]:
    """The link to describe an identifier by: payout first, then the kind with most claims."""
    if PAYOUT_ACCOUNT in kinds:
        return PAYOUT_ACCOUNT, kinds[PAYOUT_ACCOUNT]
    return min(kinds.items(), key=lambda x: (-len(x[1]), x[0]))


def _shared_item(label: str, key: str, kind: str, claims: list[str], households: int,
                 item: dict[str, Any]) -> Evidence:
    zh_kind, en_kind = _KIND_TEXT.get(kind, (kind, kind.replace("_", " ")))
    data: dict[str, Any] = {"type": IDENTIFIER_TYPES.get(label, label), "value": key, "link": kind,
                            "claims": claims, "count": len(claims), "households": households}
    k = len(claims)
    if kind == PAYOUT_ACCOUNT:
        holders = sorted({u.holder for _, u in item["uses"] if u.holder and u.third_party})
        data["holders"] = holders
        if holders:
            holder = "、".join(holders)
            # the holder's own refund into the account is no third party's
            third = len({m for m, u in item["uses"] if u.kind == PAYOUT_ACCOUNT and u.third_party})
            data["third_party"] = third
            whose = ("并非投保人本人或其家人", "not the policyholders or their families") if third == k else \
                (f"其中 {third} 笔并非投保人本人或其家人", f"{third} of them not the policyholder's or family's own")
            return Evidence(
                "shared_payout_account",
                f"{k} 笔退保款付至同一账户 {key}（户名 {holder}），{whose[0]}",
                f"{k} claims paid to one account {key} held by {holder}, {whose[1]}",
                data)
        return Evidence(
            "shared_payout_account",
            f"{k} 笔退保款付至同一账户 {key}，该账户关联本团伙 {households} 个不相关家庭",
            f"{k} claims paid to one account {key}, which links {households} unrelated households of the ring",
            data)
    if kind == NUMBER_BLOCK:
        numbers = item["numbers"]
        data["numbers"] = numbers
        return Evidence(
            "shared_number_block",
            f"{households} 个不相关家庭的 {k} 笔退保使用同一号段 {key}（百个连续号码，成批购买的手机卡）中的 "
            f"{len(numbers)} 个手机号",
            f"{k} claims of {households} unrelated households use {len(numbers)} numbers of one block {key} "
            "(a hundred consecutive numbers: SIM cards bought in one batch)",
            data)
    zh_key, en_key = shown_key(label, key)
    return Evidence(
        f"shared_{kind}",
        f"{zh_key} 关联本团伙 {households} 个不相关家庭（{k} 笔退保的{zh_kind}）",
        f"{en_key} links {households} unrelated households of the ring ({en_kind} of {k} claims)",
        data)


def _with_other_uses(evidence: Evidence, kind: str, kinds: dict[str, set[int]],
                     claim_ids: np.ndarray) -> Evidence:
    """The evidence line with the ring's other claims that used the identifier another way
    (e.g. a member who changed their contact phone to the agency's number)."""
    others = {k: sorted(str(claim_ids[m]) for m in ms) for k, ms in sorted(kinds.items()) if k != kind}
    others = {k: [c for c in cs if c not in evidence.data["claims"]] for k, cs in others.items()}
    others = {k: cs for k, cs in others.items() if cs}
    if not others:
        return evidence
    zh = "；".join(f"另有 {'、'.join(cs)} 作为{_KIND_TEXT.get(k, (k, k))[0]}使用" for k, cs in others.items())
    en = "; ".join(f"also {', '.join(cs)} as {_KIND_TEXT.get(k, (k, k.replace('_', ' ')))[1]}"
                   for k, cs in others.items())
    return Evidence(evidence.code, f"{evidence.zh}（{zh}）", f"{evidence.en} ({en})",
                    {**evidence.data, "other_uses": others})


def _payout_evidence(ctx: _Context, members: list[int]) -> list[tuple[Evidence, float]]:
    claim_ids = ctx.claim_ids
    paid: dict[str, list[str]] = defaultdict(list)
    for m in members:
        for use in ctx.uses_by_claim.get(m, ()):
            if use.kind == PAYOUT_ACCOUNT and use.third_party:
                paid[use.holder or "?"].append(str(claim_ids[m]))
    k = sum(len(v) for v in paid.values())
    if not k:
        return []
    holders = "、".join(sorted(paid))
    return [(Evidence(
        "third_party_payout",
        f"{k} 笔退保款付给投保人及其家庭以外的账户持有人（{holders}）",
        f"{_count(k, 'claim')} paid to accounts held by someone outside the policyholder's family ({holders})",
        {"count": k, "holders": {h: sorted(c) for h, c in sorted(paid.items())}},
    ), _P_THIRD_PARTY_MAX * _trace_excess(ctx, k, len(members), "third_party") * _driven_ratio(ctx, members))]


def _agency_traces(ctx: _Context, members: list[int]) -> np.ndarray:
    """Per member (claim positions, in order), 1.0 where the request shows the agency's hand on
    it without the demand, else 0.0: its refund paid into a private third party's account (a
    person's, not the policyholder's family's), or the customer's contact changed, within the
    change window before the request, to an identifier another household of the group uses.
    ``../shared/domain.md`` names both among a ring's traces (the policy's phone changed to the
    agency's days or weeks before, so the insurer's call-back reaches it; the refund paid to a
    third party) and says coached members are told to leave the demand out. An account or
    number some customer registered as her own never counts (a daughter who switched her
    parents' and aunt's phones to hers and took their refunds into her account was alerted at
    0.61 in a tester's book), nor do requests someone represented: a care home's nurse, a
    village clerk or a relative who files the requests and gives the home's or her own number
    does so openly (two outside books' rings that switched members to a few numbers and took the
    cash value were capped at 0.45 without this)."""
    households: dict[tuple[str, str], set[int]] = defaultdict(set)
    for m in members:
        for use in ctx.uses_by_claim.get(m, ()):
            households[(use.label, use.key)].add(int(ctx.households[m]))
    window = ctx.params.change_window_days
    out = np.zeros(len(members))
    for i, m in enumerate(members):
        uses = ctx.uses_by_claim.get(m, ())
        if any(use.kind == REPRESENTATIVE for use in uses):
            continue
        out[i] = float(any(
            (use.label, use.key) not in ctx.own
            and ((use.kind == PAYOUT_ACCOUNT and use.third_party and not use.company)
                 or (use.kind == CHANGED_TO and ctx.days[m] - use.change_day <= window
                     and len(households[(use.label, use.key)]) >= 2))
            for use in uses))
    return out


def _paid_to_a_stranger(ctx: _Context, members: list[int]) -> bool:
    """Whether most members were paid into private persons' accounts that took unrelated
    households' refunds within weeks, on requests nobody represented, as no family or
    institution does (``stranger_money`` of
    :func:`detectors.identifiers.identifier_table`): ``../shared/domain.md`` names the third-party
    payout and the short window among the ring's behaviour, beside the full-refund demand a
    coached member is told to leave out."""
    paid = sum(any(use.kind == PAYOUT_ACCOUNT and (use.label, use.key) in ctx.stranger_money
                   for use in ctx.uses_by_claim.get(m, ())) for m in members)
    return 2 * paid > len(members)


def _driven_ratio(ctx: _Context, members: list[int]) -> float:
    """How complaint-driven the members are against the book, in [0, 1]: their share of
    complaint-driven claims (pulled towards the book's rate by one pseudo-claim) over the book's
    rate. A third-party payout is the trade's trace only beside its behaviour: a care home paid
    its residents' cash-value refunds shows it without the trade, as
    :func:`detectors.behaviour.behaviour_excess` says of identifiers."""
    base = float(ctx.bases.get("complaint_driven", 0.0))
    if base <= 0:
        return 1.0
    rate = float(shrunk_rate(int(ctx.driven[members].sum()), len(members), base))
    return min(1.0, rate / base)


def _ties(e: Evidence) -> bool:
    """Whether ``e`` ties the members to each other: a shared identifier not in an institution's
    steady use, the watchlist, or a burst of one resigned agent's book beyond chance across all
    such books."""
    if e.code == "ex_agent_book":
        return bool(e.data["beyond_chance"])
    return (e.code in _TIES or e.code.startswith("shared_")) and not e.data.get("steady", False)


def _untied(e: Evidence) -> bool:
    """Whether ``e`` is wording, timing or an identifier in steady use, which count together at
    most :data:`_UNTIED_CAP`."""
    return e.code in _WORDING or (e.code == "ex_agent_book" and not _ties(e)) or bool(e.data.get("steady", False))


def _steady_identifiers(identifiers: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int, str]]:
    """The identifiers in steady use: their claims, span in days and the institution's
    identifier they work for (``""`` when in steady use of their own)."""
    steady = identifiers[identifiers["steady"].to_numpy(bool)]
    works_for = steady["works_for"].tolist() if "works_for" in steady else [""] * len(steady)
    return {ref: (int(claims), int(span), str(of)) for ref, claims, span, of
            in zip(steady.index.tolist(), steady["claims"].tolist(), steady["span_days"].tolist(), works_for,
                   strict=True)}


def _in_steady_use(evidence: Evidence, claims: int, span: int, works_for: str = "") -> Evidence:
    """``evidence`` of a shared identifier, saying it is in an institution's steady use (its own,
    or as the institution's identifier ``works_for`` is on every one of its requests): it counts
    with wording and timing (at most :data:`_UNTIED_CAP` together), not as a tie."""
    if works_for:
        return Evidence(
            evidence.code,
            f"{evidence.zh}；该标识的 {claims} 笔退保都同时带有机构长期平稳使用的标识 {works_for}"
            "（法律援助中心、养老院），是该机构的人员或联系方式，不单独算作团伙关联",
            f"{evidence.en}; every one of its {claims} claims also gives {works_for}, in an institution's "
            "steady use (a legal-aid centre, a care home): it is the institution's, so it does not tie a "
            "ring by itself",
            {**evidence.data, "steady": True, "steady_claims": claims, "span_days": span, "works_for": works_for})
    return Evidence(
        evidence.code,
        f"{evidence.zh}；该标识在 {span} 天内被 {claims} 笔退保平稳使用，按其自身的使用频率从未超出偶然地集中出现"
        "（与本组的集中退保无关），像机构（法律援助中心、养老院）的长期使用，不单独算作团伙关联",
        f"{evidence.en}; it is in steady use, {claims} claims over {span} days, its own claims never "
        "crowding beyond chance for its own rate (whatever the group's timing), as an institution's "
        "(a legal-aid centre, a care home) is, so it does not tie a ring by itself",
        {**evidence.data, "steady": True, "steady_claims": claims, "span_days": span})


def _wording_cap(evidence: Sequence[tuple[Evidence, float]]) -> float:
    """At most :data:`_UNTIED_CAP` from wording and timing, unless the group's letters of one
    campaign (see :func:`_campaign`) hold most uses of their wording in the whole book (the
    wording is rare, so its own): then up to 1; or unless most of them are one local campaign
    (:mod:`detectors.local_campaigns`: a coach's wording sent from one branch within weeks, where
    honest copies come from all over the region): then 1."""
    template = [e for e, _ in evidence if e.code == "complaint_template"]
    if any("local_campaign" in e.data for e in template):
        return 1.0
    share = max((float(e.data.get("campaign_share", 0.0)) for e in template), default=0.0)
    return _UNTIED_CAP + (1.0 - _UNTIED_CAP) * min(1.0, max(0.0, (share - 0.5) / 0.5))


def _trace_excess(ctx: _Context, count: int, members: int, trait: str) -> float:
    """How far the share of members showing a trace exceeds the book's base rate."""
    base = ctx.bases.get(trait, 0.0)
    return float(excess(shrunk_rate(count, members, base), base))


def _template_evidence(ctx: _Context, members: list[int]) -> list[tuple[Evidence, float]]:
    groups = ctx.graph.template_group[members]
    counts = Counter(int(g) for g in groups if g >= 0)
    if not counts:
        return []
    group, _ = max(counts.items(), key=lambda x: (x[1], -x[0]))
    in_group = [m for m in members if ctx.graph.template_group[m] == group]
    households = len({int(ctx.households[m]) for m in in_group})
    if households < 2:
        return []
    claim_ids = ctx.claim_ids
    letter_ids = sorted(c for claim in set(ctx.claim_ids[in_group]) for c in ctx.letters_of_claim.get(claim, ()))
    k = len(in_group)
    book_letters = int(ctx.graph.template_letters[group]) if group < len(ctx.graph.template_letters) else k
    share = min(1.0, len(letter_ids) / max(book_letters, 1))
    campaign = _campaign(ctx.days[in_group])
    campaign_letters = sum(len(ctx.letters_of_claim.get(claim, ())) for claim in set(ctx.claim_ids[np.asarray(in_group)[campaign]]))
    campaign_share = min(1.0, campaign_letters / max(book_letters, 1)) if campaign.sum() >= MIN_BURST_EVENTS else 0.0
    zh = (f"{households} 个不同家庭的 {k} 笔退保附有措辞几乎相同的投诉信（模板 #{group}；"
          f"全账册共 {book_letters} 封此类信件，本组占 {share:.0%}）")
    en = (f"{k} claims of {households} households come with near-identical complaint letters "
          f"(template #{group}; {book_letters} such letters in the book, {share:.0%} of them here)")
    data = {"template": group, "claims": sorted(str(claim_ids[m]) for m in in_group),
            "complaints": letter_ids, "households": households, "book_letters": book_letters,
            "share": round(share, 4), "campaign_share": round(campaign_share, 4)}
    at = ctx.graph.local.campaign_of(in_group)
    if at >= 0:
        local = ctx.graph.local.campaigns[at]
        first, last = iso_day(local.first_day), iso_day(local.last_day)
        # which of the group's claims the campaign holds: a member tied in by its letter alone
        # may have written from elsewhere (a tester read the line as saying it had not)
        inside = sorted(str(claim_ids[m]) for m in in_group if ctx.graph.local.campaign[m] == at)
        zh += (f"；{first} 至 {last} 期间寄出此措辞信件的 {local.of} 个家庭中有 {local.households} 个的保单属于"
               f"{local.branch}（本组 {k} 笔中的 {len(inside)} 笔），"
               f"而该机构通常只占此类信件的 {local.branch_share:.0%}（偶然如此集中的概率 {local.chance:.1g}）："
               "是在一地的集中行动，不是各地传抄的公开信")
        en += (f"; {local.households} of the {local.of} households that sent this wording from {first} to {last} "
               f"hold policies of {local.branch} ({len(inside)} of the group's {k} claims), whose usual share "
               f"of such letters is {local.branch_share:.0%} (chance of such crowding {local.chance:.1g}): a "
               "campaign in one place, not a public letter copied all over the region")
        data["local_campaign"] = {"branch": local.branch, "households": local.households, "of": local.of,
                                  "claims": inside,
                                  "branch_share": round(local.branch_share, 4), "chance": float(f"{local.chance:.3g}"),
                                  "first": first, "last": last}
    return [(Evidence("complaint_template", zh, en, data),
             min(_P_TEMPLATE_MAX, _P_TEMPLATE_PER_HOUSEHOLD * (households - 1)))]


def _campaign(days: np.ndarray) -> np.ndarray:
    """Which of ``days`` fall in their densest window of a campaign's length (the widest window
    :data:`detectors.bursts.SCAN_WINDOWS_DAYS` scans, four months: ``../shared/domain.md``, rings
    surrender their members over a few weeks to several months). Letters alike a year apart are
    a public wording's copies, not one ring's campaign.

    >>> _campaign(np.array([0.0, 30.0, 300.0, 310.0, 320.0])).tolist()
    [False, False, True, True, True]
    """
    width = max(SCAN_WINDOWS_DAYS)
    order = np.argsort(days, kind="stable")
    ordered = days[order]
    ends = np.searchsorted(ordered, ordered + width, side="right")
    start = int(np.argmax(ends - np.arange(len(ordered)))) if len(ordered) else 0
    out = np.zeros(len(days), dtype=bool)
    out[order[start:ends[start] if len(ordered) else 0]] = True
    return out & ~np.isnan(days)


def _timing_evidence(ctx: _Context, members: list[int]) -> list[tuple[Evidence, float]]:
    full_refund, complaint_reason = ctx.full_refund[members], ctx.complaint_reason[members]
    n = len(members)
    out: list[tuple[Evidence, float]] = []
    driven = full_refund & complaint_reason
    mean_propensity = float(ctx.propensity[members].mean())
    if driven.any():
        k = int(driven.sum())
        out.append((Evidence(
            "full_refund_complaints",
            f"{n} 笔退保中 {k} 笔以投诉为由要求全额退还保费",
            f"{k} of {n} claims demand a full premium refund on complaint grounds",
            {"count": k, "claims": n, "full_refund": int(full_refund.sum()),
             "complaint_reason": int(complaint_reason.sum())},
        ), _P_PROPENSITY * mean_propensity * min(1.0, n / 4)))
    days = ctx.days[members]
    days = np.sort(days[~np.isnan(days)])
    if n >= 3 and len(days) >= 3:
        ends = np.searchsorted(days, days + BURST_WINDOW_DAYS, side="right")
        counts = ends - np.arange(len(days))
        best = int(np.argmax(counts))
        k = int(counts[best])
        if k >= 3:
            first, last = iso_day(days[best]), iso_day(days[best + k - 1])
            out.append((Evidence(
                "burst",
                f"{k} 笔退保集中在 {first} 至 {last} 期间提出",
                f"{k} claims filed between {first} and {last}",
                {"count": k, "first": first, "last": last, "window_days": BURST_WINDOW_DAYS},
            ), _P_BURST * (k / n) * mean_propensity))
    return out


def _agent_evidence(ctx: _Context, members: list[int]) -> list[tuple[Evidence, float]]:
    """Ring claims inside one burst of a resigned agent's former customers (see
    :func:`detectors.links.ex_agent_bursts`)."""
    agents = ctx.book.agents
    bursts: dict[int, list[int]] = defaultdict(list)
    for m in members:
        if ctx.graph.agent_bursts.label[m] >= 0:
            bursts[int(ctx.graph.agent_bursts.label[m])].append(m)
    out: list[tuple[Evidence, float]] = []
    for positions in bursts.values():
        k = len(positions)
        if k < 2:
            continue
        agent = str(ctx.agent_ids[positions[0]])
        leave_day, name = float(agents.at[agent, "leave_day"]), agents.at[agent, "name"]  # type: ignore[arg-type]
        left = iso_day(leave_day)
        lag = int(np.nanmin(ctx.days[positions]) - leave_day)
        name = name if isinstance(name, str) else agent
        beyond = bool(ctx.graph.agent_bursts.beyond_chance[positions].any())
        books = ctx.graph.agent_bursts.books
        out.append((Evidence(
            "ex_agent_book",
            f"{k} 位客户均为已离职代理人 {name}（{agent}，{left} 离职）的原客户，离职 {lag} 天后起集中退保"
            + ("" if beyond else f"（超出该代理人原客户的平常退保速度，但检验了 {books} 位离职代理人的原客户，"
                                 "其中一位偶然达到这样的集中并不罕见，只按时间计）"),
            f"{k} customers of agent {name} ({agent}), who left on {left}, surrendered in a burst "
            f"starting {lag} days after the agent left"
            + ("" if beyond else f" (beyond the book's usual rate, but with {books} resigned agents' "
                                 "books tested, one of them crowding so much by chance is not rare, so it "
                                 "counts as timing only)"),
            {"agent_id": agent, "left_on": left, "count": k, "beyond_chance": beyond, "books_tested": books,
             "claims": sorted(str(ctx.claim_ids[m]) for m in positions)},
        ), min(_P_EX_AGENT_MAX, _P_EX_AGENT_PER_CLAIM * k) * float(ctx.propensity[positions].mean())))
    return out


_TIE_TEXT = {
    "identifier": ("与团伙成员共用标识", "by an identifier the ring's members use"),
    "template": ("投诉信属于团伙同期的模板", "by a letter of the ring's template burst"),
    "ex_agent": ("同一离职代理人的原客户", "as former customers of the ring's resigned agent"),
    "timing": ("在团伙活动期间提出且自身特征显著", "by timing, with strong traits of their own"),
}


def _joined_evidence(ctx: _Context, joined: Sequence[Attachment]) -> list[tuple[Evidence, float]]:
    """One line naming the claims that joined the core and why (explains, adds no weight)."""
    if not joined:
        return []
    claim_ids = ctx.claim_ids
    counts = Counter(a.tie for a in joined)
    zh = "、".join(f"{k} 笔{_TIE_TEXT[t][0]}" for t, k in sorted(counts.items()))
    en = ", ".join(f"{k} {_TIE_TEXT[t][1]}" for t, k in sorted(counts.items()))
    members = [{"claim_id": str(claim_ids[a.claim]), "tie": a.tie, "traits": list(a.traits),
                "trait_score": a.score, **a.data} for a in joined]
    return [(Evidence(
        "joined_members",
        f"另有 {len(joined)} 笔退保因较弱但具体的关联并入：{zh}",
        f"{_count(len(joined), 'more claim')} joined by weaker but specific ties: {en}",
        {"count": len(joined), "members": members},
    ), 0.0)]


_LABEL_TEXT = {"Phone": ("电话", "phone"), "BankAccount": ("账户", "account"), "Address": ("地址", "address"),
               "Person": ("代办人", "representative")}


def _hand_over_evidence(ctx: _Context, members: list[int],
                        hand_overs: Mapping[int, Sequence[int]]) -> list[tuple[Evidence, float]]:
    """One line naming the members through whom pieces of the ring were joined (a ring rotating
    its numbers: such a member used the numbers of two periods), each with its identifiers the
    ring's other members use and who they are, so a member linked to the other piece by
    something else (a resigned agent's book) shows as using its own piece's numbers only
    (explains, adds no weight: the shared identifiers weigh in their own lines)."""
    inside = set(members)
    users: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m in members:
        for use in {(u.label, u.key) for u in ctx.uses_by_claim.get(m, ())}:
            users[use].append(m)
    items: list[dict[str, Any]] = []
    zh: list[str] = []
    en: list[str] = []
    for member in members:
        if sum(c in inside for c in hand_overs.get(member, ())) < 2:
            continue
        shared = [(label, key, sorted(str(ctx.claim_ids[c]) for c in users[(label, key)] if c != member))
                  for label, key in sorted({(u.label, u.key) for u in ctx.uses_by_claim.get(member, ())})
                  if len(users[(label, key)]) >= 2]
        claim_id = str(ctx.claim_ids[member])
        items.append({"claim_id": claim_id, "identifiers": [
            {"type": IDENTIFIER_TYPES.get(label, label), "value": key, "claim_ids": others}
            for label, key, others in shared]})
        text = [(_LABEL_TEXT.get(label, (label, label)), shown_key(label, key), others) for label, key, others in shared]
        zh.append(f"{claim_id}：" + "，".join(f"{t[0]} {key[0]} 与 {'、'.join(others)} 共用" for t, key, others in text))
        en.append(f"{claim_id} uses " + " and ".join(f"{t[1]} {key[1]} with {', '.join(others)}"
                                                   for t, key, others in text))
    if not items:
        return []
    return [(Evidence(
        "handed_over",
        f"本组由几部分合并而成，经 {len(items)} 名各与另一部分两名以上成员相连的成员连接：{'；'.join(zh)}",
        f"Joined from pieces through {_count(len(items), 'member')} each linked to two members or more "
        f"of another piece: {'; '.join(en)}",
        {"members": items},
    ), 0.0)]


def claim_risks(views: Sequence[ClaimView], index: RunIndex) -> tuple[list[ClaimRisk], list[Verdict]]:
    """Risk of every claim by the rule set real-time scoring uses (:mod:`detectors.rules`), and
    the verdicts with their reasons. ``ClaimRisk.ring_id`` is the ring the claim belongs to."""
    verdicts = [verdict(v.claim_id, claim_signals(v, index)) for v in views]
    risks = [ClaimRisk(v.claim_id, v.score, index.ring_of_claim.get(v.claim_id)) for v in verdicts]
    return risks, verdicts


def identifier_profiles(identifiers: pd.DataFrame, book: Book, rings: Sequence[Ring]) -> list[IdentifierProfile]:
    """A profile for every identifier linked to at least one claim, with the ring most of its
    claims belong to, that ring's last request with it and the day the ring first took it."""
    top = _top_rings(book.uses, book.claims["day"], rings)
    columns = [identifiers[c].tolist() for c in ("customers", "unrelated", "suspicion", "notes")]
    return [
        IdentifierProfile(label=str(label), key=str(key), customers=int(customers),
                          unrelated_customers=int(unrelated), suspicion=float(suspicion),
                          ring_id=ring, notes=tuple(notes), ring_last_request=last, ring_first_taken=taken)
        for (label, key), (ring, last, taken), customers, unrelated, suspicion, notes in zip(
            identifiers.index.tolist(), [top.get(i, (None, None, None)) for i in identifiers.index.tolist()],
            *columns, strict=True)
    ]


def _top_rings(uses: pd.DataFrame, days: pd.Series,
               rings: Sequence[Ring]) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """(label, key) → the ring most of the identifier's uses (rows of ``uses``) belong to; the
    ISO date of that ring's last request with it (``days``: each claim's day since 1970-01-01,
    by claim id; ``None`` when none is dated); and the ISO date its members first took it (the
    least ``taken_day`` of the ring's uses; ``None`` when none has one, or when the ring's first
    request with it came before: the ring had it already). Ties go to the ring whose first claim
    id is lowest (its members, not its id: a ring carried forward from an earlier run keeps its
    old id, and a tie broken by id pointed an incremental run's profile at another ring than a
    full run's); identifiers no ring's claim uses are left out."""
    ring_of_claim = {c: ring.ring_id for ring in rings for c in ring.claim_ids}
    first_claim = {ring.ring_id: min(ring.claim_ids, default="") for ring in rings}
    day_of = days.reindex(list(ring_of_claim)).astype(float).to_dict()
    counts: dict[tuple[str, str], Counter[str]] = {}
    last: dict[tuple[str, str, str], float] = {}
    first_request: dict[tuple[str, str, str], float] = {}
    taken: dict[tuple[str, str, str], float] = {}
    for claim, label, key, took in zip(uses["claim_id"].tolist(), uses["label"].tolist(), uses["key"].tolist(),
                                       uses["taken_day"].tolist(), strict=True):
        ring = ring_of_claim.get(claim)
        if ring is not None:
            counts.setdefault((label, key), Counter())[ring] += 1
            at = (label, key, ring)
            last[at] = np.fmax(last.get(at, np.nan), day_of[claim])
            first_request[at] = np.fmin(first_request.get(at, np.nan), day_of[claim])
            taken[at] = np.fmin(taken.get(at, np.nan), took)
    out = {}
    for identifier, found in counts.items():
        ring = min(found.items(), key=lambda x: (-x[1], first_claim[x[0]], x[0]))[0]
        at = (*identifier, ring)
        first = taken[at] if not first_request[at] < taken[at] else np.nan
        out[identifier] = (ring, iso_or_none(last[at]), iso_or_none(first))
    return out
