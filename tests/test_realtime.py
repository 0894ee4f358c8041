"""The real-time scorer and detection read the same watchlist, addresses included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from detectors.book import load_book
from detectors.realtime import RealtimeScorer, SurrenderRequest
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
        answer = RealtimeScorer(store).score({"claim_id": "N1", "request_date": "2024-05-01",
                                       "customer_id": "U1", "policy_id": "P1"})
    hits = [r for r in answer.reasons if r.code == "watchlist_hit"]
    assert [h.data["value"] for h in hits] == [ADDRESS]
    assert hits[0].data["entry"] == "赣州某法律咨询公司"


def test_a_household_at_a_busy_address_is_tied_as_the_batch_run_ties_it(tmp_path: Path) -> None:
    """Two residents of one address are family however many letters were mailed from it: the
    scorer asks for the address's residents, not for everything around it."""
    letters = [f"K{i:03d}" for i in range(320)]
    bundle = GraphBundle(
        nodes=[
            NodeBatch(Label.CUSTOMER, _frame(key=["U1", "U2"], name=["张伟", "李娜"])),
            NodeBatch(Label.POLICY, _frame(key=["P1"])),
            NodeBatch(Label.CLAIM, _frame(key=["C1"], request_date=["2024-05-01"])),
            NodeBatch(Label.ADDRESS, _frame(key=[ADDRESS])),
            NodeBatch(Label.PHONE, _frame(key=["+8613912345678"])),
            NodeBatch(Label.COMPLAINT, _frame(key=letters, received_date=["2023-01-01"] * len(letters))),
        ],
        edges=[
            EdgeBatch(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, _frame(src=["U1"], dst=["P1"])),
            EdgeBatch(Label.CUSTOMER, Rel.FILED, Label.CLAIM, _frame(src=["U1"], dst=["C1"])),
            EdgeBatch(Label.CLAIM, Rel.SURRENDERS, Label.POLICY, _frame(src=["C1"], dst=["P1"])),
            EdgeBatch(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, _frame(src=["C1"], dst=["+8613912345678"])),
            EdgeBatch(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS, _frame(src=["U1", "U2"], dst=[ADDRESS] * 2)),
            EdgeBatch(Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS,
                      _frame(src=letters, dst=[ADDRESS] * len(letters))),
        ],
    )
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(bundle)
        batch_family = load_book(store).customers.loc["U1", "family"]
        scorer = RealtimeScorer(store)
        request = SurrenderRequest.from_any({"claim_id": "N1", "request_date": "2024-05-01", "customer_id": "U1",
                                             "payout_account": "6222020200112233446", "payout_account_name": "李娜"})
        view = scorer.view(request, scorer.index())
        answer = scorer.score(request)
    assert batch_family == view.family == frozenset({"李娜"})
    assert view.other_claims == ("C1",) and view.policyholder == "张伟"
    assert "third_party_payout" not in {r.code for r in answer.reasons}


def test_a_representative_known_only_by_phone_is_checked(tmp_path: Path) -> None:
    """A request brought by someone who gave only a phone (no name, no ID number): the phone is
    still the representative's, and a watchlisted one is a hit (it scored nothing before)."""
    phone = "+8618807970002"
    bundle = GraphBundle(
        nodes=[NodeBatch(Label.PHONE, _frame(key=[phone])),
               NodeBatch(Label.INTERMEDIARY, _frame(key=["W1"], name=["赣州某法律咨询公司"]))],
        edges=[EdgeBatch(Label.INTERMEDIARY, Rel.LISTS, Label.PHONE, _frame(src=["W1"], dst=[phone]))],
    )
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.load(bundle)
        answer = RealtimeScorer(store).score({"claim_id": "N1", "request_date": "2024-05-01",
                                       "representative_phone": "188 0797 0002"})
    assert [(r.code, r.data["value"]) for r in answer.reasons] == [("watchlist_hit", phone)]
    assert answer.score == 0.6
