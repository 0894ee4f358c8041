"""The adversarial test book (benchmarks/adversarial_book.py): deterministic, consistent with the
input contract, valid identifiers, hold-out requests kept out of the book, accepted by ingest."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from graph.keys import normalize_bank_account, normalize_id_number, normalize_phone
from graph.sqlite_store import SQLiteStore
from ingest import CONTRACT, ingest_folder

ROOT = Path(__file__).parent.parent
FILES = [*(f"{t}.csv" for t in CONTRACT), "truth.csv", "holdout.jsonl"]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "adversarial_book", ROOT / "benchmarks" / "adversarial_book.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


adversarial_book = _module()


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("adversarial") / "book"
    return folder, adversarial_book.write_book(folder, customers=3_000, seed=5)


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(folder / name, dtype=str, keep_default_na=False)
            for name in FILES if name.endswith(".csv")}


def _holdout(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in
            (folder / "holdout.jsonl").read_text(encoding="utf-8").splitlines()]


def test_same_seed_gives_identical_files_and_another_seed_does_not(
        book: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    folder, summary = book
    again = adversarial_book.write_book(tmp_path / "again", customers=3_000, seed=5)
    assert again == summary
    assert {f: (tmp_path / "again" / f).read_bytes() == (folder / f).read_bytes()
            for f in FILES} == dict.fromkeys(FILES, True)
    adversarial_book.write_book(tmp_path / "other", customers=3_000, seed=6)
    assert (tmp_path / "other" / "surrenders.csv").read_bytes() != (folder / "surrenders.csv").read_bytes()


def _one_insurer(columns: list[str]) -> list[str]:
    """The contract's columns but the optional ``insurer`` (the book is one insurer's)."""
    return [c for c in columns if c != "insurer"]


def test_tables_follow_the_contract(book: tuple[Path, dict[str, Any]]) -> None:
    folder, summary = book
    tables = _tables(folder)
    for name, table in CONTRACT.items():
        frame = tables[f"{name}.csv"]
        assert list(frame.columns) == _one_insurer(table.column_names), name
        assert not frame[table.primary_key].duplicated().any(), name
        for column in table.required_columns:
            assert (frame[column] != "").all(), (name, column)
        for ref in table.references:
            known = set(tables[f"{ref.target}.csv"][CONTRACT[ref.target].primary_key])
            values = frame[ref.column][frame[ref.column] != ""]
            assert values.isin(known).all(), (name, ref.column)
    assert len(tables["customers.csv"]) == summary["customers"] == 3_000
    assert len(tables["policies.csv"]) == summary["policies"]
    assert len(tables["complaints.csv"]) == summary["complaints"]
    assert len(tables["contact_changes.csv"]) == summary["contact_changes"]
    assert len(tables["watchlist.csv"]) == summary["watchlist"]


def test_truth_covers_the_surrenders_and_holdout_stays_out(book: tuple[Path, dict[str, Any]]) -> None:
    folder, summary = book
    tables = _tables(folder)
    surrenders, truth, held = tables["surrenders.csv"], tables["truth.csv"], _holdout(folder)
    assert list(truth.columns) == ["claim_id", "ring_id"]
    assert truth.claim_id.tolist() == surrenders.claim_id.tolist()
    assert len(surrenders) + len(held) == summary["requests"]
    assert len(held) == summary["holdout"]
    assert sum(h["label"] for h in held) == summary["holdout_ring"]
    assert (truth.ring_id != "").sum() == summary["ring_claims"] - summary["holdout_ring"]
    held_ids = {h["request"]["claim_id"] for h in held}
    assert held_ids.isdisjoint(surrenders.claim_id) and len(held_ids) == len(held)
    holder = dict(zip(tables["policies.csv"].policy_id, tables["policies.csv"].customer_id,
                      strict=True))
    requests = [h["request"] for h in held]
    assert all(set(r) == set(_one_insurer(CONTRACT["surrenders"].column_names)) for r in requests)
    assert all(holder[r["policy_id"]] == r["customer_id"] for r in requests)
    assert (surrenders.policy_id.map(holder) == surrenders.customer_id).all()
    policies = surrenders.policy_id.tolist() + [r["policy_id"] for r in requests]
    assert len(set(policies)) == len(policies)  # a policy is surrendered once
    sizes = truth.ring_id[truth.ring_id != ""].value_counts()
    assert sorted(sizes.index) == sorted(summary["ring_roles"])
    assert sizes.min() >= 2
    # Abnormal honest requests are over-represented among the held-out ones.
    legit = surrenders[truth.ring_id == ""]
    abnormal = (legit.refund_type == "full_premium") | legit.reason_code.str.startswith("complaint")
    held_legit = [r for h, r in zip(held, requests, strict=True) if h["label"] == 0]
    assert summary["holdout_abnormal_legit"] / len(held_legit) > 2 * abnormal.mean()


def test_rings_mix_member_kinds_and_two_share_a_template(book: tuple[Path, dict[str, Any]]) -> None:
    _, summary = book
    roles = summary["ring_roles"]
    assert len(roles) == summary["rings"] == 2
    for ring in roles.values():
        assert ring["full"] + ring["coached"] + ring["stealth"] == ring["claims"]
        assert 3 <= ring["claims"] <= 40
        if ring["claims"] >= 6:
            assert ring["coached"] + ring["stealth"] >= 1
    assert roles["R001"]["public_template"] == roles["R002"]["public_template"] >= 0


def test_identifiers_are_valid_and_undamaged(book: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = book
    tables = _tables(folder)
    checks = {"phone": lambda v: normalize_phone(v).valid,
              "id_number": lambda v: normalize_id_number(v).valid,
              "bank_account": lambda v: normalize_bank_account(v).luhn_valid}
    bad = []
    for name, table in CONTRACT.items():
        frame = tables[f"{name}.csv"]
        for column in table.columns:
            check = checks.get(str(column.kind))
            if check is not None:
                bad += [(name, column.name, v) for v in frame[column.name] if v and not check(v)]
    changes = tables["contact_changes.csv"]
    for kind, old, new in zip(changes.field, changes.old_value, changes.new_value, strict=True):
        if kind in checks:
            bad += [("contact_changes", kind, v) for v in (old, new) if v and not checks[kind](v)]
    watchlist = tables["watchlist.csv"]
    for kind, value in zip(watchlist.identifier_type, watchlist.identifier_value, strict=True):
        if kind in checks and not checks[kind](value):
            bad.append(("watchlist", kind, value))
    assert bad == []
    damaged = re.compile(r"^\d(?:\.\d+)?E\+\d+$|\d\.0$|^'|^=\"", re.IGNORECASE)
    for name in ("customers.csv", "surrenders.csv", "agents.csv"):
        for column in tables[name].columns:
            if column not in ("cash_value", "requested_amount"):
                assert not tables[name][column].str.contains(damaged).any(), (name, column)


def test_ingest_accepts_the_book_without_a_warning(
        book: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """Its answer key (``truth.csv``) is left out without a word, as a generated book's is."""
    folder, summary = book
    with SQLiteStore(tmp_path / "g.db") as store:
        report = ingest_folder(folder, store)
    assert report.rows["surrenders"] == summary["surrenders"]
    assert report.rows["customers"] == 3_000
    assert (folder / "truth.csv").is_file() and report.warnings == []
    (folder / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    try:
        with SQLiteStore(tmp_path / "g2.db") as store:
            warned = ingest_folder(folder, store).warnings
    finally:
        (folder / "notes.csv").unlink()
    assert [(w.file, w.reason) for w in warned] == [("notes.csv", "not a table of the input contract; ignored")]


@pytest.mark.parametrize("kwargs", [{"customers": 999}, {"rings": -1}, {"holdout_share": 0.6}])
def test_invalid_arguments_are_refused(kwargs: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        adversarial_book.write_book(tmp_path / "book", **kwargs)
    assert not (tmp_path / "book").exists()
