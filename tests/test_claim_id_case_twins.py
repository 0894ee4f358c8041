"""A ``POST /v1/score`` request whose ``claim_id`` no stored request holds but one holds up to
letter case: scored as a new request, with a warning naming the stored id (real SQLite store,
the app served by uvicorn, real HTTP calls).

Ingest keeps ids as typed and keeps case-only twins as two records (with a warning), so the
book here holds both ``AB1`` and ``ab1``, and ``Cd2`` alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from detectors.realtime import RealtimeScorer, SurrenderRequest
from graph.model import Label
from graph.sqlite_store import SQLiteStore
from tests.detect_books import BookBuilder
from tests.servers import serving
from tests.test_detect_realities import SURNAMES, _mobile
from tests.test_explorer import RISK_KEY, explorer_app

DAY = "2024-05-01"


def _twins_book() -> BookBuilder:
    book = BookBuilder()
    book.agent("A-OK")
    for n, claim in enumerate(("AB1", "ab1", "Cd2", "1234")):
        cust = book.customer(f"U{n}", f"{SURNAMES[n]}某{n}", f"赣州市{n}号", _mobile("136", n))
        book.claim(claim, cust, "A-OK", DAY, full_refund=n == 2, complaint_reason=n == 2,
                   account="6222000055550001" if n == 2 else None, account_name="赣州某咨询有限公司" if n == 2 else None)
    book.node(Label.CLAIM, "Cd2", payout_account_name="赣州某咨询有限公司")  # where ingest keeps it too
    return book


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    stored = SQLiteStore(tmp_path_factory.mktemp("twins") / "twins.db")
    stored.load(_twins_book().bundle())
    yield stored
    stored.close()


def _warning(stored: str) -> str:
    return (f"no stored request has this id; the stored {stored} from it only in letter case: "
            "scored as a new request, not as that one (ids are kept as typed)")


def test_a_case_twin_of_a_stored_id_is_warned_and_scored_as_a_new_request(store: SQLiteStore) -> None:
    """``cd2`` for the stored ``Cd2`` (a full refund on complaint grounds paid to a company) gets
    the score of the empty request it looks like, as an unseen id does, not the stored
    request's, and the warning names ``Cd2``; ``Ab1`` names both stored twins; a stored id,
    either twin included, gets no warning."""
    def score(claim_id: str) -> dict[str, Any]:
        answer = httpx.post(f"{url}/v1/score", json={"claim_id": claim_id, "request_date": DAY},
                            headers={"X-API-Key": RISK_KEY}, timeout=30)
        assert answer.status_code == 200, answer.text
        reply: dict[str, Any] = answer.json()
        return reply

    with serving(explorer_app(store)) as url:
        stored, twin, unseen = score("Cd2"), score("cd2"), score("NEW-1")
        plural, exact = score("Ab1"), [score(c)["warnings"] for c in ("AB1", "ab1", "1234")]
    assert [r["code"] for r in stored["reasons"]] == ["agency_payout"]
    assert (twin["score"], twin["reasons"]) == (unseen["score"], unseen["reasons"]) == (0.0, [])
    assert twin["warnings"] == [{"field": "claim_id", "reason": _warning("request Cd2 differs"),
                                 "stored_ids": ["Cd2"]}]
    assert plural["warnings"] == [{"field": "claim_id", "reason": _warning("requests AB1, ab1 differ"),
                                   "stored_ids": ["AB1", "ab1"]}]
    assert unseen["warnings"] == [] and exact == [[], [], []]


def test_the_scorer_finds_case_twins_among_stored_ids_only(store: SQLiteStore) -> None:
    """The rule is the scorer's, so the Python API and every server process apply it alike;
    ids of digits have no twins in another case."""
    scorer = RealtimeScorer(store)
    index = scorer.index()

    def twin(claim_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
        return scorer.read_twins(SurrenderRequest.from_any({"claim_id": claim_id, "request_date": DAY}), index)[1]

    assert [twin(c) for c in ("AB1", "ab1", "Cd2", "1234", "X9")] == [[]] * 5
    assert (twin("CD2"), twin("aB1")) == ([("claim_id", _warning("request Cd2 differs"), ("Cd2",))],
                                         [("claim_id", _warning("requests AB1, ab1 differ"), ("AB1", "ab1"))])
    assert index.facts.stored_twin(Label.CLAIM, "aB1").stored == ("AB1", "ab1")  # type: ignore[union-attr]
    assert index.facts.stored_twin(Label.CLAIM, "ab1") is None
    # stored ids that are not their own twin form (upper case, no space, no leading zero): the
    # claims ab1 and Cd2 and their policies Pab1 and PCd2
    assert index.facts.sizes()["record_twins"] == 4
