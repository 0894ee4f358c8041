"""A small hand-built book with one detected ring, and API clients for each role."""

from __future__ import annotations

import pandas as pd

from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.results import (
    ClaimRisk,
    DetectionResult,
    Evidence,
    IdentifierProfile,
    Ring,
    RingIdentifier,
    RunRecord,
)
from graph.store import GraphStore

__all__ = [
    "ADMIN_KEY",
    "INVESTIGATOR_KEY",
    "KEYS",
    "NAMED_ADMIN_KEY",
    "NAMED_KEY",
    "RING_ACCOUNT",
    "RING_PHONE",
    "RISK_KEY",
    "WATCHED_PHONE",
    "load_ring_book",
]

ADMIN_KEY = "admin-key-0001"
INVESTIGATOR_KEY = "investigator-key-0001"
RISK_KEY = "risk-system-key-0001"
NAMED_KEY = "zhang-wei-key-0001"
NAMED_ADMIN_KEY = "li-xue-key-0001"
KEYS = (f"{ADMIN_KEY}:admin,{INVESTIGATOR_KEY}:investigator,{RISK_KEY}:risk_system,"
        f"{NAMED_KEY}:investigator:张伟,{NAMED_ADMIN_KEY}:admin:李雪")

RING_PHONE = "+8613907971234"
RING_ACCOUNT = "6222020200112233446"
WATCHED_PHONE = "+8613600001111"
_REP_ID = "36070219800101123X"


def _nodes(label: Label, **columns: list[object]) -> NodeBatch:
    return NodeBatch(label, pd.DataFrame(columns))


def _edges(src_label: Label, rel: Rel, dst_label: Label, **columns: list[object]) -> EdgeBatch:
    return EdgeBatch(src_label, rel, dst_label, pd.DataFrame(columns))


TRAIT_MODEL = {"prior": 0.05, "log_ratios": {"complaint_driven": 2.0, "changed_before": 3.0,
                                             "third_party": 3.0, "represented": 1.0}}
"""A trait model as detection stores it with the run (log likelihood ratios of the traits)."""


def load_ring_book(store: GraphStore) -> None:
    """Four customers: U1–U3 surrendered through one agency (phone, account, representative),
    U4 is an ordinary customer of an active agent. Ring R-1 holds C1–C3."""
    customers = ["U1", "U2", "U3", "U4", "U5"]
    bundle = GraphBundle(
        nodes=[
            _nodes(Label.CUSTOMER, key=customers, name=["张伟", "李娜", "王芳", "赵磊", "周敏"],
                   id_number=["360702195001011234", "360702195102021234", "360702195203031234",
                              "360702195304041234", "360702195405051234"]),
            _nodes(Label.AGENT, key=["A1", "A2"], status=["resigned", "active"],
                   leave_date=["2024-01-15", None], branch=["赣州", "南昌"]),
            _nodes(Label.POLICY, key=["P1", "P2", "P3", "P4", "P5"]),
            _nodes(Label.CLAIM, key=["C1", "C2", "C3", "C4"],
                   request_date=["2024-03-01", "2024-03-08", "2024-03-20", "2024-05-02"],
                   refund_type=["full_premium", "full_premium", "full_premium", "cash_value"],
                   reason_code=["complaint", "complaint", "complaint", "money_need"],
                   payout_account_name=["赣州XX咨询服务有限公司"] * 3 + ["赵磊"]),
            _nodes(Label.PHONE, key=[RING_PHONE, "+8613800000004", WATCHED_PHONE],
                   kind=["mobile", "mobile", "mobile"]),
            _nodes(Label.BANK_ACCOUNT, key=[RING_ACCOUNT, "6222000000000000004"]),
            _nodes(Label.PERSON, key=[_REP_ID], name=["钱七"]),
            _nodes(Label.COMPLAINT, key=["K1", "K5"], received_date=["2024-02-20", "2024-04-01"],
                   text=["本人于2019年购买保险，业务员承诺保本高收益，隐瞒退保损失，要求全额退还保费。"] * 2),
            _nodes(Label.INTERMEDIARY, key=["W1"], name=["某咨询公司"]),
        ],
        edges=[
            _edges(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, src=customers, dst=["P1", "P2", "P3", "P4", "P5"]),
            _edges(Label.AGENT, Rel.SOLD, Label.POLICY, src=["A1", "A1", "A1", "A2", "A1"],
                   dst=["P1", "P2", "P3", "P4", "P5"]),
            _edges(Label.CUSTOMER, Rel.FILED, Label.CLAIM, src=["U1", "U2", "U3", "U4"],
                   dst=["C1", "C2", "C3", "C4"]),
            _edges(Label.CLAIM, Rel.SURRENDERS, Label.POLICY, src=["C1", "C2", "C3", "C4"],
                   dst=["P1", "P2", "P3", "P4"]),
            _edges(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, src=["C1", "C2", "C3", "C4"],
                   dst=[RING_PHONE] * 3 + ["+8613800000004"],
                   raw=["139 0797 1234", "+86-139-0797-1234", "13907971234", "13800000004"]),
            _edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, src=["C1", "C2", "C3", "C4"],
                   dst=[RING_ACCOUNT] * 3 + ["6222000000000000004"]),
            _edges(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, src=["C1", "C2"], dst=[_REP_ID] * 2),
            _edges(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, src=["U4"], dst=["+8613800000004"]),
            _edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, src=["U1", "U5"],
                   dst=[RING_PHONE, RING_PHONE], date=["2024-02-10", "2024-03-25"], field=["phone"] * 2),
            _edges(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT, src=["U1", "U5"], dst=["K1", "K5"]),
            _edges(Label.INTERMEDIARY, Rel.LISTS, Label.PHONE, src=["W1"], dst=[WATCHED_PHONE]),
        ],
        fingerprint="ring-book-1",
    )
    store.load(bundle)
    evidence = (Evidence("shared_payout_account",
                         f"3 笔退保款支付至同一账户 {RING_ACCOUNT}（赣州XX咨询服务有限公司）",
                         f"3 refunds paid to one account {RING_ACCOUNT} held by 赣州XX咨询服务有限公司",
                         {"account": RING_ACCOUNT, "claims": 3, "phones": [RING_PHONE]}),)
    ring = Ring("R-1", 0.91, "high", ("C1", "C2", "C3"), ("U1", "U2", "U3"), ("A1",),
                (RingIdentifier("phone", RING_PHONE), RingIdentifier("bank_account", RING_ACCOUNT),
                 RingIdentifier("id_number", _REP_ID)),
                evidence, "2024-03-01", "2024-03-20")
    low = Ring("R-2", 0.3, "low", ("C4",), ("U4",), ("A2",), (), (), "2024-05-02", "2024-05-02")
    run = RunRecord("run-1", {"seed": 1}, "ring-book-1", "2024-06-01T00:00:00", "2024-06-01T00:01:00",
                    status="succeeded", summary={"rings": 2, "trait_model": TRAIT_MODEL})
    store.save_results(DetectionResult(
        run, [ring, low],
        [ClaimRisk("C1", 0.95, "R-1"), ClaimRisk("C2", 0.9, "R-1"), ClaimRisk("C3", 0.85, "R-1"),
         ClaimRisk("C4", 0.05)],
        [IdentifierProfile("Phone", RING_PHONE, 4, 3, 0.9, "R-1", ("shared_unrelated",)),
         IdentifierProfile("BankAccount", RING_ACCOUNT, 3, 2, 0.95, "R-1", ("company_payout",)),
         IdentifierProfile("Person", _REP_ID, 2, 1, 0.7, "R-1", ("shared_unrelated",))],
    ))
