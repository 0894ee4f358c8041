"""Real-time scoring from the scoring index read once per run: a request's verdict is the one the
batch run stored for it, and it comes from one run even while another lands in the store."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import detectors.packed
from detectors.packed import PackedRecords
from detectors.params import DetectionParams
from detectors.pipeline import detect
from detectors.realtime import RealtimeScorer
from graph.model import Label, NodeRef
from graph.results import ClaimRisk, DetectionResult, RunRecord
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, BookConfig(customers=3_000, seed=11, difficulty="realistic"))
    with SQLiteStore(folder / "graph.db") as store:
        ingest_folder(folder, store)
        detect(store, DetectionParams(seed=11))
    with (folder / "surrenders.csv").open(encoding="utf-8") as f:
        requests = list(csv.DictReader(f))
    return folder / "graph.db", requests


def test_every_stored_claim_scores_what_the_batch_run_stored(book: tuple[Path, list[dict[str, str]]]) -> None:
    path, requests = book
    with SQLiteStore(path) as store:
        stored = store.claim_risks([r["claim_id"] for r in requests])
        rings = {r.ring_id: r for r in store.rings()}
        verdicts = {r["claim_id"]: RealtimeScorer(store).score(r) for r in requests}
    assert len(stored) == len(requests) > 100
    assert {c: v.score for c, v in verdicts.items()} == {c: risk.risk for c, risk in stored.items()}
    in_ring = {c: risk.ring_id for c, risk in stored.items() if risk.ring_id is not None}
    assert in_ring, "the book has rings"
    for claim, ring_id in in_ring.items():  # a claim of an alerted ring is told it is in it
        reasons = {r.code: r.data for r in verdicts[claim].reasons}
        if rings[ring_id].score >= DetectionParams().alert_threshold:
            assert reasons["claim_in_ring"]["ring_id"] == ring_id


def test_a_verdict_comes_from_one_run_while_another_lands(book: tuple[Path, list[dict[str, str]]],
                                                          tmp_path: Path) -> None:
    """A scorer holding a run's index keeps giving that run's verdicts, profiles included, after
    a new run replaced every profile in the store; the next index is the new run's throughout."""
    path, requests = book
    copy = tmp_path / "graph.db"
    shutil.copyfile(path, copy)  # the book's store, closed: no write-ahead log left beside it
    with SQLiteStore(copy) as store:
        scorer = RealtimeScorer(store)
        index = scorer.index()
        before = [scorer.score(r, index) for r in requests]
        shared = [v for v in before if {"identifier_in_ring", "shared_identifier"} & {r.code for r in v.reasons}]
        assert shared, "some verdicts rest on identifier profiles"
        run = RunRecord("run-empty", {"seed": 11}, store.data_fingerprint(), "2099-01-01T00:00:00",
                        "2099-01-01T00:01:00", status="succeeded",
                        summary={"rings": 0, "trait_model": {"prior": 0.05, "log_ratios": {}}})
        store.save_results(DetectionResult(run, [], [ClaimRisk(r["claim_id"], 0.0) for r in requests], []))
        assert [scorer.score(r, index) for r in requests] == before
        after = scorer.refresh()
        assert after is not index and not after.run.rings
        codes = {reason.code for request in requests for reason in scorer.score(request, after).reasons}
        assert not codes & {"identifier_in_ring", "shared_identifier", "claim_in_ring"}


def test_packed_records_tell_apart_keys_whose_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detectors.packed, "_hash", lambda key: len(key))  # "a" and "b" collide
    table = PackedRecords([("a", 1), ("b", [2]), ("cc", {"x": 3})])
    assert (table.get("a"), table.get("b"), table.get("cc"), table.get("d"), table.get("")) == (1, [2], {"x": 3}, None, None)
    with pytest.raises(ValueError, match="distinct"):
        PackedRecords([("a", 1), ("a", 2)])


def test_the_index_knows_the_size_of_what_it_holds(book: tuple[Path, list[dict[str, str]]]) -> None:
    path, _ = book
    with SQLiteStore(path) as store:
        facts = RealtimeScorer(store).index().facts
        customers = len(store.nodes_frame(Label.CUSTOMER))
        profiled = store.identifier_profiles(None)
    sizes = facts.sizes()
    assert sizes["customers"] == customers and sizes["profiles"] == len(profiled) > 0
    assert facts.nbytes > 0
    some = next(iter(profiled))
    assert facts.profiles([some, NodeRef(Label.PHONE, "+860")]) == {some: profiled[some]}


def test_scorers_sharing_a_folder_read_a_new_run_once_and_map_it(book: tuple[Path, list[dict[str, str]]],
                                                                   tmp_path: Path) -> None:
    """Two scorers (a server's workers) given one folder: after a new run the first reads the
    facts and writes them, the second maps those files; both give the verdicts a scorer of its
    own gives, and only the current run's facts stay in the folder."""
    path, requests = book
    copy, shared = tmp_path / "graph.db", tmp_path / "shared"
    shared.mkdir()
    shutil.copyfile(path, copy)
    with SQLiteStore(copy) as store, SQLiteStore(copy) as other:
        first, second = RealtimeScorer(store), RealtimeScorer(other)
        first.refresh()  # as a server's parent: the first index built, then shared by forking
        first.share(shared)
        second.take_index(first)  # as a forked worker: it shares the folder too
        assert second.index() is first.index() and list(shared.iterdir()) == []
        for rings in ([], store.rings()[:1]):
            run = RunRecord(f"run-{len(rings)}", {"seed": 11}, store.data_fingerprint(), f"2099-01-0{len(rings) + 1}",
                            f"2099-01-0{len(rings) + 1}T00:01:00", status="succeeded",
                            summary={"rings": len(rings), "trait_model": {"prior": 0.05, "log_ratios": {}}})
            store.save_results(DetectionResult(run, rings, [], store.identifier_profiles(None).values()
                                               if rings else []))
            made = first.refresh()
            files = sorted(p.name for p in shared.iterdir() if not p.name.startswith("."))
            assert len(files) == 1, files  # the earlier run's facts are gone
            before = {p.name: p.stat().st_mtime_ns for p in (shared / files[0]).iterdir()}
            mapped = second.refresh()
            assert {p.name: p.stat().st_mtime_ns for p in (shared / files[0]).iterdir()} == before  # not written again
            assert mapped.facts.sizes() == made.facts.sizes()
            alone = RealtimeScorer(store)
            assert [second.score(r) for r in requests] == [alone.score(r) for r in requests]
