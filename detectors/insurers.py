"""Which member insurers a ring spans, in an association's store.

An intermediary works across insurers: within one insurer's book a ring may be two or three
claims; across the association it is the whole ring. In a store holding several insurers'
books (record keys ``CODE:id``, :mod:`graph.keys.insurers`), every ring whose claims are at two
or more insurers gets a first evidence item ``across_insurers`` (weight 0: it explains, the
score is the ring's own) saying how many claims each insurer holds and, for each piece of
evidence whose claims span insurers, how many claims at how many insurers it ties ("7 claims
at 3 member insurers share one contact phone"). Its sentences hold counts and insurer codes
only, no ids or identifiers, so every member may read them.

>>> ring = Ring("R-1", 0.9, "high", ("PA:S1", "PB:S7", "PB:S8"), evidence=(Evidence(
...     "shared_contact_phone", "", "", {"claims": ["PA:S1", "PB:S7"], "value": "X"}),))
>>> spanned = with_insurer_spans([ring], {"PA", "PB"})[0]
>>> spanned.evidence[0].en
'3 claims at 2 member insurers (PA 1, PB 2); 2 claims at 2 member insurers share one contact phone'
>>> with_insurer_spans([ring], set())[0] == ring
True
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from graph.keys import split_key
from graph.model import Label
from graph.results import Evidence, Ring
from graph.store import GraphStore

__all__ = ["ACROSS_INSURERS", "claims_named", "member_insurers", "span_sentences",
           "with_insurer_spans"]

ACROSS_INSURERS = "across_insurers"

_PHRASES: Mapping[str, tuple[str, str]] = {
    "shared_contact_phone": ("使用同一联系电话", "share one contact phone"),
    "shared_payout_account": ("付至同一账户", "are paid to one account"),
    "shared_representative": ("使用同一代办人", "share one representative"),
    "shared_representative_phone": ("使用同一代办人电话", "share one representative's phone"),
    "shared_complaint_phone": ("投诉时留同一联系电话", "gave one complaint contact phone"),
    "shared_mailing_address": ("从同一地址寄出投诉信", "mailed complaints from one address"),
    "shared_changed_to": ("退保前变更为同一联系方式",
                          "changed their contact to one shared value just before surrendering"),
    "shared_number_block": ("使用同一号段的连号手机号", "use consecutive phone numbers of one block"),
    "complaint_template": ("附有措辞几乎相同的投诉信", "come with near-identical complaint letters"),
    "ex_agent_book": ("为同一离职代理人的原客户", "are former customers of one resigned agent"),
    "third_party_payout": ("退保款付给投保人家庭以外的人",
                           "are paid to someone outside the policyholders' families"),
    "changed_before_surrender": ("退保前变更了联系方式",
                                 "changed their contact details just before surrendering"),
    "joined_members": ("因较弱但具体的关联并入", "joined by weaker but specific ties"),
    "handed_over": ("由几部分经与另一部分多名成员相连的成员合并而成",
                    "were joined from pieces through members linked to several members of another piece"),
    "watchlist": ("关联的标识在行业黑名单上", "are linked to identifiers on the watchlist"),
    "burst": ("在短短几天内集中提出", "were filed in a burst of a few days"),
    "full_refund_complaints": ("中有以投诉为由要求全额退还保费的",
                               "include demands of a full premium refund on complaint grounds"),
    "more_shared_identifiers": ("还共用更多被不相关家庭共用的标识",
                                "share more identifiers used by unrelated households"),
    "no_shared_ties": ("之间没有共用的联系方式、账户、代办人或地址",
                       "share no contact, account, representative or address"),
    "no_refund_demands": ("要求全额退还保费、以投诉为由或由中介经手的不比全账册多",
                          "demand full premium refunds, give complaint reasons or show an agency's "
                          "hand no more often than the book's requests"),
    "few_refund_demands": ("只由措辞和时间相连，且多数不要求全额退还保费、不以投诉为由、无中介经手",
                           "are tied by nothing but wording and timing, and most demand no full "
                           "premium refund, give no complaint reason and show no agency's hand"),
}


def member_insurers(store: GraphStore) -> set[str]:
    """The codes of the member insurers whose books the store holds (none for one insurer's
    store loaded without a code)."""
    members = store.nodes_frame(Label.INSURER)
    return set() if members.empty else set(members["key"].astype(str))


def claims_named(data: Mapping[str, Any]) -> list[str]:
    """The claim ids an evidence item's data names (its ``claims``, its payout ``holders``'
    claims, its ``changes`` and ``members``)."""
    found: list[str] = []
    if isinstance(data.get("claims"), list):
        found += [str(c) for c in data["claims"]]
    if isinstance(data.get("holders"), dict):
        found += [str(c) for claims in data["holders"].values() for c in claims]
    for name in ("changes", "members"):
        if isinstance(data.get(name), list):
            found += [str(x["claim_id"]) for x in data[name] if isinstance(x, dict) and "claim_id" in x]
    return found


def span_sentences(code: str, claims: int, insurers: int) -> tuple[str, str]:
    """What an evidence item of ``code`` says, in counts only (Chinese, English).

    >>> span_sentences("shared_payout_account", 4, 2)[1]
    '4 claims at 2 member insurers are paid to one account'
    """
    zh_phrase, en_phrase = _PHRASES.get(code, (code, code.replace("_", " ")))
    return (f"{insurers} 家成员公司的 {claims} 笔退保{zh_phrase}",
            f"{claims} claims at {insurers} member insurer{'s' * (insurers != 1)} {en_phrase}")


def _counts(claims: Iterable[str], codes: Collection[str]) -> Counter[str]:
    return Counter(code for c in claims if (code := split_key(c, codes)[0]) is not None)


def _listing(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in sorted(counts.items()))


def _span(ring: Ring, codes: Collection[str]) -> Evidence | None:
    counts = _counts(ring.claim_ids, codes)
    if len(counts) < 2:
        return None
    zh = [f"{len(counts)} 家成员公司的 {sum(counts.values())} 笔退保（{_listing(counts)}）"]
    en = [f"{sum(counts.values())} claims at {len(counts)} member insurers ({_listing(counts)})"]
    links = []
    for item in ring.evidence:
        at = _counts(claims_named(item.data), codes)
        if len(at) < 2:
            continue
        link_zh, link_en = span_sentences(item.code, sum(at.values()), len(at))
        link: dict[str, Any] = {"code": item.code, "count": sum(at.values()),
                                "insurers": dict(sorted(at.items())), "zh": link_zh, "en": link_en}
        if "value" in item.data:
            link["value"] = item.data["value"]
        links.append(link)
        zh.append(link_zh)
        en.append(link_en)
    return Evidence(ACROSS_INSURERS, "；".join(zh), "; ".join(en),
                    {"insurers": dict(sorted(counts.items())), "links": links})


def with_insurer_spans(rings: Sequence[Ring], codes: Collection[str]) -> list[Ring]:
    """``rings`` with the ``across_insurers`` item first in the evidence of every ring whose
    claims are at two or more of the insurers ``codes`` (see the module)."""
    out = []
    for ring in rings:
        span = _span(ring, codes) if codes else None
        out.append(ring if span is None else dataclasses.replace(ring, evidence=(span, *ring.evidence)))
    return out
