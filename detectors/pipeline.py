"""The detection run: read the store, find and score rings, record everything with the run.

>>> import tempfile, pathlib
>>> from graph.sqlite_store import SQLiteStore
>>> store = SQLiteStore(pathlib.Path(tempfile.mkdtemp()) / "g.db")
>>> detect(store)
Traceback (most recent call last):
...
graph.errors.DetectionError: the store holds no surrender claims; ingest a book first
>>> store.runs()[0].status
'failed'
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from detectors.behaviour import claim_traits
from detectors.book import Book, load_book
from detectors.claim_view import book_views
from detectors.communities import find_communities
from detectors.cores import one_campaign_joined, tied_pieces_joined, without_distant_letters
from detectors.expansion import Attachment, expand
from detectors.identifiers import identifier_table
from detectors.incremental import screen_changes
from detectors.insurers import member_insurers, with_insurer_spans
from detectors.links import ClaimGraph, build_claim_graph
from detectors.params import DetectionParams
from detectors.ring_ids import carry_forward
from detectors.rules import RunIndex, TraitModel, Verdict
from detectors.scoring import claim_risks, identifier_profiles, score_rings
from detectors.templates import letters_cut_once, template_groups
from graph.errors import DetectionError, RingScopeError
from graph.results import ALERT_THRESHOLD, DetectionResult, Ring, RunRecord
from graph.store import GraphStore, ProgressCallback

__all__ = ["Detection", "detect", "new_run", "run_detection"]

log = logging.getLogger(__name__)

STEPS = ("read", "identifiers", "templates", "links", "communities", "scoring", "save")


@dataclass
class Detection:
    """What :func:`run_detection` computed, before anything is stored."""

    book: Book
    identifiers: pd.DataFrame
    graph: ClaimGraph
    rings: list[Ring]
    result: DetectionResult
    seconds: dict[str, float]
    verdicts: list[Verdict]
    """Every claim's verdict with its reasons, in the order of ``book.claims``."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_detection(store: GraphStore, params: DetectionParams, run: RunRecord,
                  progress: ProgressCallback | None = None, previous: list[Ring] | None = None) -> Detection:
    """Everything :func:`detect` does except recording the run in the store."""
    with _cycle_collection_paused(), letters_cut_once():
        return _run_detection(store, params, run, progress, previous)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the block runs (and back as it was after).

    A run holds millions of small objects until it ends (the book's ids, names and families,
    every claim's view and reasons); each full collection walks all of them again, and at a
    million customers those walks took 4 of 30 seconds while freeing nearly nothing: what a
    run drops goes with its last reference.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_detection(store: GraphStore, params: DetectionParams, run: RunRecord,
                   progress: ProgressCallback | None, previous: list[Ring] | None) -> Detection:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now
        if progress:
            progress("detect", STEPS.index(name) + 1, len(STEPS))

    book = load_book(store, params.household_max, params.change_window_days)
    step("read")
    traits = claim_traits(book)
    identifiers = identifier_table(book, params, traits)
    step("identifiers")
    groups = template_groups(book.complaints["text"].tolist(), params.template_threshold, params.seed) \
        if len(book.complaints) else np.empty(0, dtype=np.int64)
    step("templates")
    graph = build_claim_graph(book, identifiers, groups, params, traits["complaint_driven"].to_numpy(bool))
    step("links")
    communities = find_communities(graph.n, graph.u, graph.v, graph.w, params, graph.bridge)
    step("communities")
    days = book.claims["day"].to_numpy(float)
    communities = one_campaign_joined(without_distant_letters(communities, graph, days, params.expansion_margin_days),
                                      graph, days)
    cores = [c for c in communities if len(c) >= params.min_ring_claims]
    core_rings = score_rings(book, identifiers, graph, cores, params, traits)
    cores, core_rings, hand_overs = _tied_pieces_joined(book, identifiers, graph, cores, core_rings, params, traits)
    joined = expand(book, traits, identifiers, graph, cores,
                    [r.score >= params.alert_threshold for r in core_rings], params)
    cores, joined = _without_moved(cores, joined, params.min_ring_claims)
    rings = sorted(score_rings(book, identifiers, graph, cores, params, traits, joined, hand_overs),
                   key=lambda r: (-r.score, r.ring_id))
    if previous:
        worked = frozenset(r.ring_id for r in previous if store.case_audit(r.ring_id))
        rings = carry_forward(rings, previous, worked=worked)
    rings = with_insurer_spans(rings, member_insurers(store))
    profiles = identifier_profiles(identifiers, book, rings)
    alerted_claims = {c for r in rings if r.score >= params.alert_threshold for c in r.claim_ids}
    model = TraitModel.estimate(traits, book.claims.index.isin(alerted_claims))
    index = RunIndex.from_book(book, rings, profiles, model, params)
    risks, verdicts = claim_risks(book_views(book), index)
    changes = screen_changes(store, params, book.claims.index.tolist(), graph, rings, previous or [], risks)
    step("scoring")
    alerted = [r for r in rings if r.score >= params.alert_threshold]
    run.summary = {
        "claims": len(book.claims),
        "customers": int(book.claims["customer_id"].nunique()),
        "complaints": len(book.complaints),
        "identifiers": len(identifiers),
        "links": len(graph.u),
        "rings": len(rings),
        "alerted_rings": len(alerted),
        "claims_in_alerted_rings": sum(len(r.claim_ids) for r in alerted),
        "high_rings": sum(r.level == "high" for r in rings),
        "trait_model": model.to_dict(),
        "household_followers": sorted(index.household_followers),
        "changes": changes.as_dict(),
        "seconds": seconds,
    }
    result = DetectionResult(run=run, rings=rings, claim_risks=risks, identifier_profiles=profiles)
    return Detection(book, identifiers, graph, rings, result, seconds, verdicts)


def _tied_pieces_joined(book: Book, identifiers: pd.DataFrame, graph: ClaimGraph, cores: list[list[int]],
                        rings: list[Ring], params: DetectionParams, traits: pd.DataFrame,
                        ) -> tuple[list[list[int]], list[Ring], dict[int, list[int]]]:
    """The cores after :func:`detectors.cores.tied_pieces_joined`, their rings (a joined core
    scored anew) and the members through whom pieces were joined."""
    scored = {tuple(core): ring for core, ring in zip(cores, rings, strict=True)}
    cores, hand_overs = tied_pieces_joined(cores, [r.score >= params.alert_threshold for r in rings], graph,
                                           params.min_edge_weight)
    fresh = [core for core in cores if tuple(core) not in scored]
    if fresh:
        scored.update(zip(map(tuple, fresh), score_rings(book, identifiers, graph, fresh, params, traits,
                                                         hand_overs=hand_overs), strict=True))
    return cores, [scored[tuple(core)] for core in cores], hand_overs


def _without_moved(cores: list[list[int]], joined: list[list[Attachment]],
                   min_claims: int) -> tuple[list[list[int]], list[list[Attachment]]]:
    """Cores without the claims that joined another ring (a claim belongs to one ring), those
    left with fewer than ``min_claims`` claims dropped."""
    moved = {a.claim for attachments in joined for a in attachments}
    kept = [([m for m in core if m not in moved], more) for core, more in zip(cores, joined, strict=True)]
    kept = [(core, more) for core, more in kept if len(core) + len(more) >= min_claims]
    return [core for core, _ in kept], [more for _, more in kept]


def new_run(store: GraphStore, params: DetectionParams) -> RunRecord:
    """A record for a run of ``params`` on the store's current data, with a new id; not stored
    yet (:meth:`~graph.store.GraphStore.start_run` records it)."""
    return RunRecord(
        run_id=f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
        params=params.as_dict(),
        input_fingerprint=store.data_fingerprint(),
        started_at=_now(),
    )


def detect(store: GraphStore, params: DetectionParams | None = None,
           progress: ProgressCallback | None = None, *, allow_empty: bool = False,
           run: RunRecord | None = None) -> DetectionResult:
    """Run detection on the store's current data and make the result the current one.

    The run is recorded first as running, then as succeeded with its results (atomically
    replacing the previous results), or as failed with the reason, leaving the previous results
    in place. Ring ids of rings that match a previous ring (Jaccard ≥ 0.5 on claims) are carried
    over, so case status survives re-runs. The run's summary records what changed since the
    previous run (``changes``: see :mod:`detectors.incremental`). A run that finds no rings
    while rings are current fails with :class:`DetectionError` (an investigator's cases would
    vanish) unless ``allow_empty``. ``run``: the record of this run, already recorded as started
    by the caller (which gave its id out first); by default a new one is recorded.
    """
    params = params or DetectionParams()
    if not isinstance(params, DetectionParams):
        raise DetectionError(f"params must be DetectionParams, got {type(params).__name__}")
    if params.alert_threshold != ALERT_THRESHOLD:
        log.info("alert threshold %.2f differs from the product default %.2f",
                 params.alert_threshold, ALERT_THRESHOLD)
    if run is None:
        run = new_run(store, params)
        store.start_run(run)
    try:
        previous = store.rings()
        # saving too: the run's objects are all still alive, and a collection would walk them
        with _cycle_collection_paused():
            detection = run_detection(store, params, run, progress, previous)
            if previous and not detection.rings and not allow_empty:
                raise DetectionError(
                    f"the run found no rings and would replace the {len(previous)} current ones; "
                    "they are kept (to replace them with nothing, allow an empty result)"
                )
            run.status, run.finished_at = "succeeded", _now()
            store.save_results(detection.result)
        if progress:
            progress("detect", len(STEPS), len(STEPS))
    except RingScopeError as exc:
        store.fail_run(run, str(exc))
        raise
    except Exception as exc:
        log.exception("detection run %s failed", run.run_id)
        store.fail_run(run, f"{type(exc).__name__}: {exc}")
        raise DetectionError(f"detection failed: {exc}") from exc
    log.info("run %s: %d rings, %d alerted", run.run_id, run.summary["rings"], run.summary["alerted_rings"])
    return detection.result
