"""The real-time scorer and detection read the same watchlist, addresses included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from detectors.realtime import score_request
from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.sqlite_store import SQLiteStore

ADDRESS = "江西省赣州市章贡区红旗大道8号201室"


def _frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_watchlisted_complaint_mailing_address_is_a_hit(tmp_path: Path) -> None:
    bundle = GraphBundle(
        nodes=[
            NodeBatch(Label.CUSTOMER, _frame(key=["U1"], name=["张伟"])),
            NodeBatch(Label.POLICY, _frame(key=["P1"])),
            NodeBatch(Label.COMPLAINT, _frame(key=["K1"], received_date=["2024-04-01"], text=["要求全额退保"])),
            NodeBatch(Label.ADDRESS, _frame(key=[ADDRESS])),
            NodeBatch(Label.INTERMEDIARY, _frame(key=["W1"], name=["赣州某法律咨询公司"])),
        ],
        edges=[
            EdgeBatch(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, _frame(src=["U1"], dst=["P1"])),
            EdgeBatch(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT, _frame(src=["U1"], dst=["K1"])),
            EdgeBatch(Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS, _frame(src=["K1"], dst=[ADDRESS])),
            EdgeBatch(Label.INTERMEDIARY, Rel.LISTS, Label.ADDRESS, _frame(src=["W1"], dst=[ADDRESS])),
        ],
    )
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(bundle)
        answer = score_request(store, {"claim_id": "N1", "request_date": "2024-05-01",
                                       "customer_id": "U1", "policy_id": "P1"})
    hits = [r for r in answer.reasons if r.code == "watchlist_hit"]
    assert [h.data["value"] for h in hits] == [ADDRESS]
    assert hits[0].data["entry"] == "赣州某法律咨询公司"
