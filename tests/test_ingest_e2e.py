"""Generate a synthetic book, ingest it into a SQLite file, and check the counts against the files.

Expected counts are computed here from the CSV files with the scalar normalizers, independently
of the vectorised ingest path.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.keys import normalize_bank_account, normalize_phone, normalize_text, person_key
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book

Table = list[dict[str, str]]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, BookConfig(customers=500, seed=7))
    return folder


def _read(folder: Path, name: str) -> Table:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _values(rows: Table, column: str, where: tuple[str, str] | None = None) -> Iterator[str]:
    for row in rows:
        if where is None or row[where[0]] == where[1]:
            yield row[column]


def test_generate_ingest_counts(book: Path, tmp_path: Path) -> None:
    t = {name: _read(book, name) for name in ("agents", "customers", "policies", "surrenders",
                                              "complaints", "contact_changes", "watchlist")}
    with SQLiteStore(tmp_path / "g.db") as store:
        report = ingest_folder(book, store)
        counts = store.counts().as_dict()
        again = ingest_folder(book, store)
        assert store.counts().as_dict() == counts and again.fingerprint == report.fingerprint

    assert report.rows == {name: len(rows) for name, rows in t.items()}
    nodes, rels = counts["nodes"], counts["relationships"]
    assert nodes["Customer"] == len(t["customers"]) and nodes["Agent"] == len(t["agents"])
    assert nodes["Policy"] == len(t["policies"]) and nodes["Claim"] == len(t["surrenders"])
    assert nodes["Complaint"] == len(t["complaints"])
    assert nodes["Intermediary"] == len(t["watchlist"])
    assert rels["HOLDS"] == rels["SOLD"] == len(t["policies"])
    assert rels["FILED"] == rels["SURRENDERS"] == len(t["surrenders"])

    phone_sources = [
        _values(t["agents"], "phone"), _values(t["customers"], "phone"),
        _values(t["surrenders"], "contact_phone"), _values(t["surrenders"], "representative_phone"),
        _values(t["complaints"], "contact_phone"),
        _values(t["contact_changes"], "new_value", ("field", "phone")),
        _values(t["watchlist"], "identifier_value", ("identifier_type", "phone")),
    ]
    phones = {p.value for source in phone_sources for raw in source
              if (p := normalize_phone(raw)) is not None}
    assert nodes["Phone"] == len(phones)

    account_sources = [
        _values(t["customers"], "bank_account"), _values(t["surrenders"], "payout_account"),
        _values(t["contact_changes"], "new_value", ("field", "bank_account")),
        _values(t["watchlist"], "identifier_value", ("identifier_type", "bank_account")),
    ]
    accounts = {a.value for source in account_sources for raw in source
                if (a := normalize_bank_account(raw)) is not None}
    assert nodes["BankAccount"] == len(accounts)

    address_sources = [
        _values(t["customers"], "address"), _values(t["complaints"], "mailing_address"),
        _values(t["contact_changes"], "new_value", ("field", "address")),
        _values(t["watchlist"], "identifier_value", ("identifier_type", "address")),
    ]
    addresses = {a for source in address_sources for raw in source
                 if (a := normalize_text(raw)) is not None}
    assert nodes["Address"] == len(addresses)

    people = {k for r in t["surrenders"] if (k := person_key(
        r["representative_name"], r["representative_id_number"], r["representative_phone"]))}
    people |= {k for k in (person_key(None, v, None) for v in _values(
        t["watchlist"], "identifier_value", ("identifier_type", "id_number"))) if k}
    assert nodes["Person"] == len(people)
    assert rels["HAS_ACCOUNT"] == sum(1 for r in t["customers"] if r["bank_account"].strip())
    assert rels["CONTACT_PHONE"] == (
        sum(1 for r in t["surrenders"] if r["contact_phone"].strip())
        + sum(1 for r in t["complaints"] if r["contact_phone"].strip()))
