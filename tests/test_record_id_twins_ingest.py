"""A daily export naming a stored record's id typed another way (another letter case, spaces,
the leading zeros a spreadsheet drops): real CSV files ingested into a real SQLite store.

The book holds the request ``00000358`` (of policy ``P1``, customer ``C1``) and ``S2`` (of
``P2``, ``C2``). An export's row that would silently be a second copy of a stored request gets
a warning naming the stored id and what differs; an id whose only difference is a space the
stored id does not hold names the stored record; a reference typed another way that names no
record is refused saying which stored record it resembles.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.model import Label, Rel
from graph.sqlite_store import SQLiteStore
from ingest import ValidationError, ingest_folder
from tests.test_ingest import Rows, base_book, snapshot, write_book

STORED = "00000358"


def _book() -> dict[str, Rows]:
    book = base_book()
    book["surrenders"][0]["claim_id"] = STORED
    return book


def _export(*changes: dict[str, str]) -> dict[str, Rows]:
    """One surrender row per change, each a copy of the stored request 00000358's row."""
    return {"surrenders": [{**_book()["surrenders"][0], **change} for change in changes]}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "g.db")
    ingest_folder(write_book(tmp_path / "book", _book()), opened)
    yield opened
    opened.close()


def _warnings(report: object) -> list[tuple[str, int | None, str | None, str | None, str]]:
    return [(p.file, p.row, p.column, p.value, p.reason) for p in report.warnings  # type: ignore[attr-defined]
            if p.column in ("claim_id", "policy_id", "customer_id")]


def test_a_stored_request_typed_without_its_leading_zeros_or_in_another_case_is_warned(
        tmp_path: Path, store: SQLiteStore) -> None:
    """``3.58E+02`` (read as ``358``: a spreadsheet dropped the zeros), ``0000358`` and ``s2`` for the
    stored ``S2``: each kept as a new request, as ids are kept as typed, with a warning naming
    the stored id and what differs (it was a silent second copy of the stored request)."""
    export = _export({"claim_id": "3.58E+02"}, {"claim_id": "0000358", "request_date": "2024-03-02"},
                     {**base_book()["surrenders"][1], "claim_id": "s2"})
    report = ingest_folder(write_book(tmp_path / "day", export), store)
    zeros = ("no stored request has this id; the stored request 00000358 differs from it only in leading "
             "zeros: read as another request (ids are kept as typed)")
    assert _warnings(report) == [
        ("surrenders.csv", 2, "claim_id", "358", zeros),
        ("surrenders.csv", 3, "claim_id", "0000358", zeros),
        ("surrenders.csv", 4, "claim_id", "s2", "no stored request has this id; the stored request S2 differs "
                                                "from it only in letter case: read as another request (ids are "
                                                "kept as typed)"),
    ]
    assert sorted(store.nodes_frame(Label.CLAIM)["key"]) == ["00000358", "0000358", "358", "S2", "s2"]


def test_a_stored_id_typed_with_a_space_names_the_stored_record(tmp_path: Path, store: SQLiteStore) -> None:
    """``0000 0358`` for ``00000358`` (a space where the stored id has none, and no other
    difference) is the stored request sent again: it changes nothing, and the warning says
    how it was read; ``S 2`` likewise, and a new request naming policy ``P 1`` names ``P1``."""
    before = snapshot(store)
    report = ingest_folder(write_book(tmp_path / "day", _export({"claim_id": "0000 0358"},
                                                                {**base_book()["surrenders"][1], "claim_id": "S 2"})),
                           store)
    assert _warnings(report) == [
        ("surrenders.csv", 2, "claim_id", "0000 0358", "no stored request has this id; the stored request "
         "00000358 differs from it only in spaces: read as that one (an id holds no space)"),
        ("surrenders.csv", 3, "claim_id", "S 2", "no stored request has this id; the stored request S2 differs "
         "from it only in spaces: read as that one (an id holds no space)"),
    ]
    after = snapshot(store)
    assert (after[0], after[2]) == (before[0], before[2])  # counts and every request as they were
    report = ingest_folder(write_book(tmp_path / "day2", _export({"claim_id": "S9", "policy_id": "P 1",
                                                                  "request_date": "2024-05-02"})), store)
    assert _warnings(report) == [
        ("surrenders.csv", 2, "policy_id", "P 1", "no stored policy has this id; the stored policy P1 differs "
         "from it only in spaces: read as that one (an id holds no space)")]
    surrenders = store.edges_frame(Label.CLAIM, Rel.SURRENDERS, Label.POLICY)
    assert surrenders[surrenders["src"] == "S9"]["dst"].tolist() == ["P1"]


def test_a_reference_in_another_case_is_refused_naming_the_stored_record(tmp_path: Path,
                                                                        store: SQLiteStore) -> None:
    """A new request of policy ``p1`` and customer ``c1`` (the store holds ``P1`` and ``C1``)
    names no record: refused as before, and the refusal names the stored one."""
    before = snapshot(store)
    with pytest.raises(ValidationError) as refused:
        ingest_folder(write_book(tmp_path / "day", _export({"claim_id": "S9", "policy_id": "p1",
                                                            "customer_id": "c1"})), store)
    assert [(p.file, p.row, p.column, p.value, p.reason) for p in refused.value.problems] == [
        ("surrenders.csv", 2, "customer_id", "c1", "refers to a record not in customers nor in the store; the "
         "stored customer C1 differs from it only in letter case"),
        ("surrenders.csv", 2, "policy_id", "p1", "refers to a record not in policies nor in the store; the "
         "stored policy P1 differs from it only in letter case"),
    ]
    assert snapshot(store) == before


def test_one_id_in_two_spellings_in_one_file_is_a_duplicate(tmp_path: Path, store: SQLiteStore) -> None:
    """``00000358`` and ``0000 0358`` in one export are the stored request given twice (an id
    holds no space), once with another payout account: refused as a duplicate key, as the
    same id twice is, and the store is as it was (both rows were applied: the request was paid
    to two accounts, and an honest claim given a ring's account joined the ring). A new book
    holding ``C1`` and ``C 1`` is refused the same way."""
    before = snapshot(store)
    with pytest.raises(ValidationError) as refused:
        ingest_folder(write_book(tmp_path / "day", _export({}, {"claim_id": "0000 0358",
                                                                "payout_account": "6227005161232468106"})), store)
    assert [(p.file, p.row, p.column, p.value, p.reason) for p in refused.value.problems if p.severity == "error"] == [
        ("surrenders.csv", 3, "claim_id", "0000 0358", "duplicate claim_id: differs from the one at row 2 only in "
         "spaces, and an id holds no space")]
    assert snapshot(store) == before
    book = base_book()
    book["customers"].append({**book["customers"][0], "customer_id": "C 1"})
    with SQLiteStore(tmp_path / "new.db") as fresh, pytest.raises(ValidationError) as refused:
        ingest_folder(write_book(tmp_path / "book2", book), fresh)
    assert [(p.file, p.row, p.column, p.value) for p in refused.value.problems if p.severity == "error"] == [
        ("customers.csv", len(book["customers"]) + 1, "customer_id", "C 1")]
