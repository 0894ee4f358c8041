"""Hand-built books with known answers for the detector tests.

:class:`BookBuilder` writes a :class:`GraphBundle` the way ingest would (normalized keys,
one node per identifier). :func:`trap_book` holds one proxy-surrender ring (with a stealth
member who shares only the complaint template and the ex-agent) next to every benign
look-alike the domain warns about: a household surrendering together, a branch landline typed
for many customers, an agent's own phone typed at the counter, and an honest complainer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.results import ALERT_THRESHOLD, DetectionResult
from graph.sqlite_store import SQLiteStore

__all__ = ["BRANCHES", "RING_CLAIMS", "SURNAMES", "TEMPLATE", "BookBuilder", "alerted_claims", "detect_book", "mobile",
           "trap_book", "twelve_branch_book"]

TEMPLATE = ("尊敬的保险公司：本人{name}于{year}年经业务员推销购买了贵公司的分红保险，业务员当时承诺"
            "该产品保本保息、随时可以全额支取，从未告知退保会有损失，也未解释合同条款，属于严重的"
            "销售误导行为。现本人要求贵公司全额退还已交保费，否则将向银保监会12378热线投诉并"
            "提起诉讼，请于七个工作日内答复。")
HONEST = "我买保险时没听清楚条款，现在家里急用钱想退保，希望能多退一点，谢谢。"


@dataclass
class BookBuilder:
    """Accumulates nodes and edges; ``bundle()`` returns them as a GraphBundle."""

    nodes: dict[Label, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    edges: dict[tuple[Label, Rel, Label], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def node(self, label: Label, key: str, **props: Any) -> str:
        self.nodes[label].setdefault(key, {}).update(props)
        return key

    def edge(self, src: Label, rel: Rel, dst: Label, s: str, d: str, **props: Any) -> None:
        self.edges[(src, rel, dst)].append({"src": s, "dst": d, **props})

    def agent(self, agent_id: str, phone: str | None = None, status: str = "active",
              leave_date: str | None = None, name: str = "代理人", branch: str = "赣州中心支公司") -> str:
        self.node(Label.AGENT, agent_id, name=name, status=status, leave_date=leave_date, branch=branch)
        if phone:
            self.node(Label.PHONE, phone)
            self.edge(Label.AGENT, Rel.HAS_PHONE, Label.PHONE, agent_id, phone)
        return agent_id

    def customer(self, customer_id: str, name: str, address: str, phone: str | None = None,
                 account: str | None = None) -> str:
        self.node(Label.CUSTOMER, customer_id, name=name)
        self.node(Label.ADDRESS, address)
        self.edge(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS, customer_id, address)
        if phone:
            self.node(Label.PHONE, phone)
            self.edge(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, customer_id, phone)
        if account:
            self.node(Label.BANK_ACCOUNT, account)
            self.edge(Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT, customer_id, account)
        return customer_id

    def claim(self, claim_id: str, customer_id: str, agent_id: str, date: str, *,
              full_refund: bool = False, complaint_reason: bool = False, contact: str | None = None,
              account: str | None = None, account_name: str | None = None,
              rep: tuple[str, str, str] | None = None) -> str:
        policy = f"P{claim_id}"
        self.node(Label.POLICY, policy, issue_date="2019-05-01")
        self.edge(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, customer_id, policy)
        self.edge(Label.AGENT, Rel.SOLD, Label.POLICY, agent_id, policy)
        self.node(Label.CLAIM, claim_id, request_date=date,
                  refund_type="full_premium" if full_refund else "cash_value",
                  reason_code="complaint_misselling" if complaint_reason else "money_need",
                  **({"representative_name": rep[0]} if rep else {}))
        self.edge(Label.CUSTOMER, Rel.FILED, Label.CLAIM, customer_id, claim_id)
        self.edge(Label.CLAIM, Rel.SURRENDERS, Label.POLICY, claim_id, policy)
        if contact:
            self.node(Label.PHONE, contact)
            self.edge(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, claim_id, contact)
        if account:
            self.node(Label.BANK_ACCOUNT, account)
            self.edge(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, claim_id, account,
                      payout_account_name=account_name)
        if rep:
            name, id_number, phone = rep
            self.node(Label.PERSON, id_number, name=name)
            self.node(Label.PHONE, phone)
            self.edge(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, claim_id, id_number)
            self.edge(Label.PERSON, Rel.HAS_PHONE, Label.PHONE, id_number, phone)
        return claim_id

    def complaint(self, complaint_id: str, customer_id: str, claim_id: str, date: str, text: str,
                  phone: str | None = None, mailing_address: str | None = None) -> None:
        self.node(Label.COMPLAINT, complaint_id, received_date=date, text=text)
        self.edge(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT, customer_id, complaint_id)
        self.edge(Label.COMPLAINT, Rel.ABOUT, Label.POLICY, complaint_id, f"P{claim_id}")
        if phone:
            self.node(Label.PHONE, phone)
            self.edge(Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE, complaint_id, phone)
        if mailing_address:
            self.node(Label.ADDRESS, mailing_address)
            self.edge(Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS, complaint_id, mailing_address)

    def change(self, customer_id: str, date: str, phone: str) -> None:
        self.node(Label.PHONE, phone)
        self.edge(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, customer_id, phone, date=date, field="phone")

    def watch(self, entry_id: str, name: str, label: Label, key: str) -> None:
        self.node(Label.INTERMEDIARY, entry_id, name=name)
        self.node(label, key)
        self.edge(Label.INTERMEDIARY, Rel.LISTS, label, entry_id, key)

    def bundle(self, fingerprint: str = "hand-built") -> GraphBundle:
        nodes = [NodeBatch(label, pd.DataFrame([{"key": k, **p} for k, p in rows.items()]))
                 for label, rows in self.nodes.items()]
        edges = [EdgeBatch(s, r, d, pd.DataFrame(rows)) for (s, r, d), rows in self.edges.items()]
        return GraphBundle(nodes=nodes, edges=edges, fingerprint=fingerprint)


def detect_book(folder: Path, book: BookBuilder) -> DetectionResult:
    """Load ``book`` into a new SQLite store ``folder/g.db`` and detect with seed 1."""
    store = SQLiteStore(folder / "g.db")
    store.load(book.bundle())
    return detect(store, DetectionParams(seed=1))


def alerted_claims(result: DetectionResult) -> list[tuple[str, ...]]:
    """The claim ids of each alerted ring (score at least the alert threshold), sorted."""
    return sorted(r.claim_ids for r in result.rings if r.score >= ALERT_THRESHOLD)


BRANCHES = [f"第{i}支公司" for i in range(12)]
"""The branches of :func:`twelve_branch_book`, one county each."""


def mobile(i: int) -> str:
    """A mobile number of its own for each ``i``."""
    return f"+86137{(i * 7_654_321 + 1_000_003) % 100_000_000:08d}"


def twelve_branch_book() -> BookBuilder:
    """Twelve branches, an agent in each (``A0`` to ``A11``), 240 ordinary requests and 60 honest
    complainers who write in their own words, all spread over two years and the branches."""
    b = BookBuilder()
    for k, branch in enumerate(BRANCHES):
        b.agent(f"A{k}", name=f"代理人{k}", branch=branch)
    for i in range(300):
        cust = b.customer(f"B{i}", f"背景{i}", f"南阳市某县{i}号", mobile(i), f"62229000000{i:08d}")
        date = f"{2023 + i % 2}-{1 + i % 12:02d}-{1 + i % 27:02d}"
        claim = b.claim(f"BC{i}", cust, f"A{i % 12}", date, full_refund=i >= 240, complaint_reason=i >= 240,
                        contact=mobile(i), account=f"62229000000{i:08d}", account_name=f"背景{i}")
        if i >= 240:
            b.complaint(f"BK{i}", cust, claim, date, f"我是{i}号客户，{'红利' if i % 2 else '收益'}和业务员说的差了{i}倍，"
                        f"第{i}次打电话也没人理，这份保单第{i % 7}年了，要求退钱，编号{i * 13}。")
    return b


RING_CLAIMS = ("R1", "R2", "R3", "R4", "R5", "R6")
"""The ring's claims in :func:`trap_book`; R6 is the stealth member."""

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"


def trap_book() -> BookBuilder:
    """One ring of six (R1–R6) among benign look-alikes; every other claim is legitimate."""
    b = BookBuilder()
    b.agent("A-EX", status="resigned", leave_date="2024-02-01", name="刘离职")
    b.agent("A-HABIT", phone="+8613900000001", name="陈习惯")
    b.agent("A-OK", phone="+8613900000002", name="黄正常")
    agency, account, rep = "+8617700000001", "6222000000000000001", ("马代办", "360702198001010011", "+8617700000009")
    company = "赣州信诚法律咨询服务有限公司"
    b.watch("W1", "信诚法律咨询", Label.BANK_ACCOUNT, account)
    for i, claim in enumerate(RING_CLAIMS, start=1):
        cust = b.customer(f"RC{i}", f"{SURNAMES[i]}明{i}", f"赣州市章贡区红旗大道{i}号", f"+86138000100{i:02d}")
        stealth = claim == "R6"
        b.claim(claim, cust, "A-EX", f"2024-04-{2 * i:02d}", full_refund=True, complaint_reason=True,
                contact=None if stealth or i == 5 else agency,
                account=None if stealth else (account if i <= 3 else f"62220000000000011{i:02d}"),
                account_name=company if i <= 3 else None,
                rep=rep if i in (2, 4) else None)
        b.complaint(f"K{i}", cust, claim, f"2024-03-{10 + i:02d}", TEMPLATE.format(name=f"某{i}", year=2018 + i),
                    phone=None if stealth else agency,
                    mailing_address=None if stealth else "赣州市章贡区文清路88号信诚大厦1205室")
        if i in (1, 4):
            b.change(cust, f"2024-03-{i + 1:02d}", agency)
    # a household of three surrendering together, sharing phone, address and one payout account
    for i in range(1, 4):
        cust = b.customer(f"H{i}", f"郭家{i}", "吉安市吉州区人民路5号", "+8613500000055")
        b.claim(f"HC{i}", cust, "A-OK", f"2024-05-0{i}", contact="+8613500000055",
                account="6222000000000000555", account_name="郭家1")
    # a branch landline typed for 60 customers without a phone; 15 of them surrender over a year
    for i in range(60):
        cust = b.customer(f"L{i}", f"{SURNAMES[i % 20]}线{i}", f"郴州市北湖区{i}巷", "+867358000000")
        if i < 15:
            b.claim(f"LC{i}", cust, "A-OK", f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}",
                    full_refund=i % 3 == 0, contact="+867358000000",
                    account=f"6222000000000100{i:03d}", account_name=f"{SURNAMES[i % 20]}线{i}")
    # an agent's own phone typed as contact for eight of his customers
    for i in range(8):
        cust = b.customer(f"G{i}", f"{SURNAMES[(i + 3) % 20]}客{i}", f"南昌市东湖区{i}路")
        b.claim(f"GC{i}", cust, "A-HABIT", f"2024-0{1 + i % 9}-15", contact="+8613900000001",
                account=f"6222000000000200{i:03d}", account_name=f"{SURNAMES[(i + 3) % 20]}客{i}")
    # an honest complainer demanding a full refund, own phone and account
    cust = b.customer("HON", "甄诚", "广州市天河区1号", "+8613600000066", "6222000000000000666")
    b.claim("HONC", cust, "A-OK", "2024-04-05", full_refund=True, complaint_reason=True,
            contact="+8613600000066", account="6222000000000000666", account_name="甄诚")
    b.complaint("KH", cust, "HONC", "2024-03-20", HONEST, phone="+8613600000066")
    return b
