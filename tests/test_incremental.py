"""A daily export loaded into a screened store, then screened: the same data and the same
result as one load and run of the whole book, and the previous rings and cases where they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from detectors.incremental import comparable
from detectors.pipeline import detect
from graph import sqlite_layout
from graph.connect import open_store
from graph.keys.dates import parse_dates
from graph.results import DetectionResult
from graph.sqlite_layout import TABLES, Catalog, read_frame
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.increment import split_increment


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A book of 5 000 customers cut before its last 10 % of requests (which grow a ring and
    start two): ``daily`` screened the base, had every ring's case opened, took the increment
    and was screened again; ``whole`` took the whole book in one load and one run."""
    work = tmp_path_factory.mktemp("increment")
    generate_book(work / "book", BookConfig(customers=5_000, seed=1, ring_rate=15.0))
    cut = split_increment(work / "book", work / "base", work / "day", 0.1)
    daily = SQLiteStore(work / "daily.db")
    ingest_folder(work / "base", daily)
    first = detect(daily)
    for ring in first.rings:
        daily.change_case(ring.ring_id, "investigating", "analyst")
    ingest_folder(work / "day", daily)
    second = detect(daily)
    whole = SQLiteStore(work / "whole.db")
    ingest_folder(work / "book", whole)
    return {"work": work, "cut": cut, "daily": daily, "whole": whole, "first": first,
            "second": second, "full": detect(whole)}


def _frames(path: Path) -> dict[str, pd.DataFrame]:
    with sqlite3.connect(path) as conn:
        return {name: read_frame(conn, table) for name, table in TABLES.items()}


def test_the_increment_holds_only_requests_after_the_cut(screened: dict[str, object]) -> None:
    work = screened["work"]
    assert isinstance(work, Path)
    day = pd.read_csv(work / "day" / "surrenders.csv", dtype=str)
    base = pd.read_csv(work / "base" / "surrenders.csv", dtype=str)
    whole = pd.read_csv(work / "book" / "surrenders.csv", dtype=str)
    assert sorted(pd.concat([base, day])["claim_id"]) == sorted(whole["claim_id"])
    assert 0.09 <= len(day) / len(whole) <= 0.11
    cut = screened["cut"]
    assert isinstance(cut, str)
    assert cut < min(parse_dates(day["request_date"])["value"])
    assert cut >= max(parse_dates(base["request_date"])["value"])


def test_the_store_holds_what_one_load_of_the_whole_book_holds(screened: dict[str, object]) -> None:
    work = screened["work"]
    assert isinstance(work, Path)
    daily, whole = _frames(work / "daily.db"), _frames(work / "whole.db")
    for name in TABLES:
        pd.testing.assert_frame_equal(daily[name], whole[name], obj=name)


def test_frames_after_an_increment_equal_the_tables_read_row_by_row(screened: dict[str, object]) -> None:
    work = screened["work"]
    assert isinstance(work, Path)
    with sqlite3.connect(work / "daily.db") as conn:
        catalog = Catalog.read(conn)
        for name, table in TABLES.items():
            pd.testing.assert_frame_equal(read_frame(conn, table), catalog.rows_frame(conn, table), obj=name)


def test_the_run_after_the_increment_equals_a_full_run(screened: dict[str, object]) -> None:
    second, full = screened["second"], screened["full"]
    assert isinstance(second, DetectionResult) and isinstance(full, DetectionResult)
    assert second.rings, "the book must have rings for the comparison to mean something"
    rings, risks, profiles = comparable(second)
    full_rings, full_risks, full_profiles = comparable(full)
    assert rings == full_rings
    assert risks == full_risks
    assert profiles == full_profiles
    assert second.run.summary["trait_model"] == full.run.summary["trait_model"]


def test_rings_keep_their_ids_and_cases(screened: dict[str, object]) -> None:
    first, second, daily = screened["first"], screened["second"], screened["daily"]
    assert isinstance(first, DetectionResult) and isinstance(second, DetectionResult)
    assert isinstance(daily, SQLiteStore)
    before = {r.ring_id: set(r.claim_ids) for r in first.rings}
    after = {r.ring_id: set(r.claim_ids) for r in second.rings}
    assert set(before) <= set(after)
    grown = [i for i in before if after[i] != before[i]]
    assert grown and all(before[i] < after[i] for i in grown)
    assert all(daily.case_status(i) == "investigating" for i in before)


def test_the_run_records_what_the_increment_changed(screened: dict[str, object]) -> None:
    work, first, second = screened["work"], screened["first"], screened["second"]
    assert isinstance(work, Path)
    assert isinstance(first, DetectionResult) and isinstance(second, DetectionResult)
    changes = second.run.summary["changes"]
    new = len(pd.read_csv(work / "day" / "surrenders.csv", dtype=str))
    before = {frozenset(r.claim_ids): r for r in first.rings}
    kept = [r for r in second.rings if frozenset(r.claim_ids) in before]
    assert changes["previous_run"] == first.run.run_id
    assert changes["parameters_changed"] == []
    assert changes["new_claims"] == new
    assert changes["rings_kept"] == len(kept)
    assert changes["rings_rescored"] == sum(r.to_export() != before[frozenset(r.claim_ids)].to_export()
                                            for r in kept)
    assert changes["rings_changed"] == sum(r.ring_id in {p.ring_id for p in first.rings} for r in second.rings) - len(kept)
    assert changes["rings_kept"] + changes["rings_changed"] + changes["rings_new"] == len(second.rings)
    assert changes["rings_changed"] >= 1 and changes["rings_ended"] == 0
    assert 0 <= changes["parts_touched"] <= changes["parts"]
    first_changes = first.run.summary["changes"]
    assert first_changes["previous_run"] is None
    assert first_changes["new_claims"] == first.run.summary["claims"]
    assert first_changes["rings_new"] == len(first.rings)


def test_a_daily_export_adds_a_part_to_the_claims_frame_and_rewrites_no_customer(screened: dict[str, object]) -> None:
    work = screened["work"]
    assert isinstance(work, Path)
    with sqlite3.connect(work / "daily.db") as conn:
        parts = dict(conn.execute("SELECT tab, count(*) FROM frames GROUP BY tab").fetchall())
    with sqlite3.connect(work / "whole.db") as conn:
        whole = dict(conn.execute("SELECT tab, count(*) FROM frames GROUP BY tab").fetchall())
    assert parts["node_claim"] == 2 and whole["node_claim"] == 1
    assert parts["node_customer"] == 1 and parts["node_policy"] == 1


def test_the_command_line_reports_what_a_daily_export_changed(tmp_path: Path) -> None:
    runner = CliRunner()
    generate_book(tmp_path / "book", BookConfig(customers=2_000, seed=2, ring_rate=15.0))
    split_increment(tmp_path / "book", tmp_path / "base", tmp_path / "day", 0.1)
    store = f"sqlite:///{tmp_path / 'g.db'}"
    assert runner.invoke(app, ["ingest", str(tmp_path / "base"), "--store", store]).exit_code == 0
    first = runner.invoke(app, ["detect", "--store", store])
    claims = len(pd.read_csv(tmp_path / "base" / "surrenders.csv", dtype=str))
    assert first.exit_code == 0 and f"first run: {claims:,} claims screened" in first.stdout
    assert runner.invoke(app, ["ingest", str(tmp_path / "day"), "--store", store]).exit_code == 0
    second = runner.invoke(app, ["detect", "--store", store])
    new = len(pd.read_csv(tmp_path / "day" / "surrenders.csv", dtype=str))
    with open_store(store) as graph:
        changes = graph.current_run().summary["changes"]  # type: ignore[union-attr]
    assert second.exit_code == 0
    assert (f"since run {changes['previous_run']}: {new:,} new claims touching "
            f"{changes['parts_touched']:,} of {changes['parts']:,} linked groups; rings: "
            f"{changes['rings_kept']:,} unchanged") in second.stdout


def test_a_frame_of_many_parts_is_written_again_as_one(screened: dict[str, object], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    work = screened["work"]
    assert isinstance(work, Path)
    monkeypatch.setattr(sqlite_layout, "MAX_PARTS", 1)
    ingest_folder(work / "base", SQLiteStore(tmp_path / "g.db"))
    ingest_folder(work / "day", SQLiteStore(tmp_path / "g.db"))
    with sqlite3.connect(tmp_path / "g.db") as conn:
        parts = dict(conn.execute("SELECT tab, count(*) FROM frames GROUP BY tab").fetchall())
    assert parts["node_claim"] == 1
    rewritten, whole = _frames(tmp_path / "g.db"), _frames(work / "whole.db")
    for name in TABLES:
        pd.testing.assert_frame_equal(rewritten[name], whole[name], obj=name)
