"""The store interface every graph backend implements.

:class:`GraphStore` holds the public methods: they check arguments, log, and wrap backend
failures in :class:`~graph.errors.StoreError`. A backend fills in the underscore primitives
(a dozen small methods), so the embedded SQLite store and the Neo4j store behave alike and the
same contract tests run on both.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, ClassVar, NamedTuple

import networkx as nx
import pandas as pd
import pyarrow as pa

from graph.cases import REALERT_STATUSES, Case, realerts, says_something
from graph.errors import (
    AccessError,
    ConflictError,
    NotFoundError,
    RequestFieldError,
    RingScopeError,
    RunInProgressError,
    StoreError,
)
from graph.liveness import (
    HEARTBEAT_SECONDS,
    STALE_AFTER,
    Heartbeat,
    abandoned_because,
    this_process,
)
from graph.model import SCHEMA, Edge, GraphBundle, GraphCounts, Label, Node, NodeRef, Rel, Subgraph
from graph.results import (
    CASE_REOPENINGS,
    CASE_TRANSITIONS,
    CaseChange,
    CaseStatus,
    ClaimRisk,
    DetectionResult,
    IdentifierProfile,
    Ring,
    RunRecord,
    case_moves,
)
from graph.sessions import Session

__all__ = ["KEEP", "MAX_DEPTH", "REGISTRATION_COLUMNS", "GraphStore", "Keep", "LoadReport", "ProgressCallback",
           "Removed"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called as long work advances."""

MAX_DEPTH = 3


class Keep(Enum):
    """Leave a value as it is (:data:`KEEP`), where ``None`` already means "none"."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Removed(NamedTuple):
    """What a load removed: stored relationships a record's newer value of a single-valued
    field replaced (:data:`graph.model.SINGLE_VALUED`), those a clear removed
    (:class:`graph.model.ClearBatch`), and identifier nodes these left without a use."""

    replaced: int = 0
    cleared: int = 0
    orphans: int = 0
    orphan_relationships: int = 0
    """Relationships removed with the orphans (a representative's phones)."""


@dataclass(frozen=True)
class LoadReport:
    """What a load did: rows offered, the seconds it took, and what it removed
    (:class:`Removed`)."""

    nodes: int
    relationships: int
    seconds: float
    removed: Removed = field(default_factory=Removed)

    @property
    def replaced(self) -> int:
        return self.removed.replaced


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class GraphStore(ABC):
    """A graph of RingScope records plus the detection results and cases kept with it."""

    name: ClassVar[str] = "store"

    # ---------------------------------------------------------------- public: graph
    def load(self, bundle: GraphBundle, progress: ProgressCallback | None = None) -> LoadReport:
        """Upsert a bundle in one all-or-nothing load; loading the same bundle twice changes nothing.

        A relationship of a record's single-valued field (:data:`graph.model.SINGLE_VALUED`)
        replaces the one the record had, if it pointed elsewhere; a clear
        (:class:`graph.model.ClearBatch`) removes it. An identifier node (phone, account,
        address, representative) no record uses any more after that is removed with its own
        relationships (a representative's phones). The report counts all three.
        """
        start = time.perf_counter()
        log.info(
            "%s: loading %d nodes, %d relationships",
            self.name,
            bundle.node_count,
            bundle.edge_count,
        )
        with self._wrapped("load"):
            removed = self._write_bundle(bundle, progress)
        report = LoadReport(bundle.node_count, bundle.edge_count, time.perf_counter() - start,
                            removed)
        log.info("%s: loaded in %.1f s, %d relationships replaced, %d cleared, %d unused "
                 "identifiers removed", self.name, report.seconds, *removed[:3])
        return report

    def counts(self) -> GraphCounts:
        """Node counts per label and relationship counts per type (zero counts included)."""
        with self._wrapped("counts"):
            nodes, rels = self._counts()
        return GraphCounts(
            nodes={lbl.value: nodes.get(lbl.value, 0) for lbl in Label},
            relationships={r.value: rels.get(r.value, 0) for r in Rel},
        )

    def get_node(self, label: Label | str, key: str) -> Node | None:
        """The node with this label and key, or ``None``."""
        ref = NodeRef(_label(label), key)
        with self._wrapped("get_node"):
            found = self._get_nodes([ref])
        return found[0] if found else None

    def neighbourhood(
        self, label: Label | str, key: str, depth: int = 1, limit: int = 500
    ) -> Subgraph:
        """The node and everything within ``depth`` hops of it, in either direction.

        At most ``limit`` nodes are returned; ``truncated`` says whether some were left out.
        Raises :class:`NotFoundError` for an unknown node.
        """
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {depth}")
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        start = NodeRef(_label(label), key)
        with self._wrapped("neighbourhood"):
            root = self._get_nodes([start])
            if not root:
                raise NotFoundError(f"no {start.label} with key {key!r}")
            seen: dict[NodeRef, None] = {start: None}
            edges: dict[tuple[NodeRef, Rel, NodeRef], Edge] = {}
            frontier = [start]
            truncated = False
            for _ in range(depth):
                if not frontier:
                    break
                next_frontier: list[NodeRef] = []
                for edge in self._adjacent(frontier, limit + 1):
                    for ref in (edge.src, edge.dst):
                        if ref not in seen:
                            if len(seen) >= limit:
                                truncated = True
                                continue
                            seen[ref] = None
                            next_frontier.append(ref)
                    if edge.src in seen and edge.dst in seen:
                        edges[(edge.src, edge.rel, edge.dst)] = edge
                frontier = next_frontier
            nodes = self._get_nodes(list(seen))
        return Subgraph(nodes=nodes, edges=list(edges.values()), truncated=truncated)

    def get_nodes(self, refs: Iterable[NodeRef]) -> list[Node]:
        """The nodes of ``refs`` that exist, in the order asked (each once): one look-up per
        label, not one per node."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return []
        with self._wrapped("get_nodes"):
            return self._get_nodes(wanted)

    def relationships(self, refs: Iterable[NodeRef], limit: int = 500) -> list[Edge]:
        """The relationships touching each node of ``refs``, with their properties: at most
        ``limit`` leaving and ``limit`` entering each node (an unknown node has none).

        :meth:`neighbourhood` at depth 1 without reading the nodes at the other ends: what a
        caller needs who only follows a few relationship types.
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return []
        with self._wrapped("relationships"):
            return self._adjacent(wanted, limit)

    def customers_on(
        self, label: Label | str, key: str, rel: Rel | str, limit: int | None = None
    ) -> list[tuple[str, str | None]]:
        """The customers with a ``rel`` relationship to one node, and their names: everyone
        registered at an address (``Rel.LIVES_AT``) or on a phone (``Rel.HAS_PHONE``).

        Returns ``(customer_id, name)`` pairs in customer id order (``name`` is ``None`` for a
        customer without one; an unknown node has no customers); at most ``limit`` of them
        when given. One indexed query, however many other relationships the node has.
        Raises ``ValueError`` when ``(Customer)-[rel]->(label)`` is not in the graph model.
        """
        target, relationship = _label(label), Rel(rel)
        if (Label.CUSTOMER, relationship, target) not in SCHEMA:
            raise ValueError(f"(Customer)-[:{relationship}]->({target}) is not in the graph model")
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        with self._wrapped("customers_on"):
            return self._customers_on(NodeRef(target, key), relationship, limit)

    def nodes_frame(self, label: Label | str) -> pd.DataFrame:
        """All nodes of one label: column ``key`` plus one column per property."""
        with self._wrapped("nodes_frame"):
            return self._nodes_frame(_label(label))

    def edges_frame(
        self, src_label: Label | str, rel: Rel | str, dst_label: Label | str
    ) -> pd.DataFrame:
        """All relationships of one triple: columns ``src``, ``dst`` (node keys) plus properties."""
        triple = (_label(src_label), Rel(rel), _label(dst_label))
        if triple not in SCHEMA:
            raise ValueError(
                f"({triple[0]})-[:{triple[1]}]->({triple[2]}) is not in the graph model"
            )
        with self._wrapped("edges_frame"):
            return self._edges_frame(*triple)

    def edges_from(self, src_label: Label | str, rel: Rel | str, dst_label: Label | str,
                   keys: Iterable[str]) -> pd.DataFrame:
        """The relationships of one triple leaving the nodes with these ``keys``: columns as
        :meth:`edges_frame` (``src``, ``dst`` plus properties), sorted by ``src`` and ``dst``.

        Look-ups by key, so a caller that needs the relationships of a few thousand claims'
        customers does not read every customer's. Raises ``ValueError`` for a triple outside
        the graph model.
        """
        return self._edges_at(src_label, rel, dst_label, keys, at_source=True)

    def edges_to(self, src_label: Label | str, rel: Rel | str, dst_label: Label | str,
                 keys: Iterable[str]) -> pd.DataFrame:
        """The relationships of one triple ending at the nodes with these ``keys``; as
        :meth:`edges_from` otherwise."""
        return self._edges_at(src_label, rel, dst_label, keys, at_source=False)

    def _edges_at(self, src_label: Label | str, rel: Rel | str, dst_label: Label | str,
                  keys: Iterable[str], at_source: bool) -> pd.DataFrame:
        triple = (_label(src_label), Rel(rel), _label(dst_label))
        if triple not in SCHEMA:
            raise ValueError(f"({triple[0]})-[:{triple[1]}]->({triple[2]}) is not in the graph model")
        wanted = sorted({str(k) for k in keys})
        if not wanted:
            return pd.DataFrame({"src": pd.Series(dtype=object), "dst": pd.Series(dtype=object)})
        with self._wrapped("edges_from" if at_source else "edges_to"):
            records = self._edges_by_key(triple, wanted, at_source)
        if not records:
            return pd.DataFrame({"src": pd.Series(dtype=object), "dst": pd.Series(dtype=object)})
        return pd.DataFrame.from_records(records).sort_values(["src", "dst"], ignore_index=True)

    def claim_identifier_holders(self) -> pd.DataFrame:
        """The customers registered at a phone, account or address some claim reaches.

        One row per (customer, identifier) with the columns ``customer_id``, ``name`` (the
        customer's, ``None`` when it has none), ``label`` and ``key`` (the identifier), for every
        registration (:data:`graph.model.REGISTRATIONS`) whose identifier is at the end of one
        of :data:`graph.model.CLAIM_REACH`'s paths; sorted by label, key and customer.

        The join runs in the store (one SQL statement, one Cypher query), so only the customers
        detection counts on its identifiers come back, not every customer's registrations.
        """
        with self._wrapped("claim_identifier_holders"):
            frame = self._claim_identifier_holders()
        log.info("%s: %d registrations at identifiers claims reach", self.name, len(frame))
        return _registration_frame(frame)

    def family_registrations(self, household_max: int) -> pd.DataFrame:
        """The registrations that can tie customers into a household: at an address registered
        by 2 to ``household_max`` customers, or at a phone registered by 2 customers or more
        (``detectors.book`` ties a phone's customers within one surname, which the store does
        not know). Columns as :meth:`claim_identifier_holders`, in no particular order.

        Raises ``ValueError`` when ``household_max`` is below 1.
        """
        _check_household_max(household_max)
        with self._wrapped("family_registrations"):
            frame = self._family_registrations(household_max)
        log.info("%s: %d registrations at shared addresses and phones", self.name, len(frame))
        return _registration_frame(frame)

    def kept_from_family(self, household_max: int, name: str, version: str,
                         derive: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
        """``derive(self.family_registrations(household_max))``: a table worked out from the
        household registrations alone (``detectors.book`` derives the households from them).

        The embedded store keeps it in the store file beside the tables it comes from, under
        ``name``, and gives it back while those tables hold exactly the rows it was derived from
        and ``household_max`` and ``version`` are the same (:func:`graph.sqlite_kept.kept_table`);
        ``version`` names the derivation and must change whenever ``derive`` does. Graph
        servers derive it each time. Raises ``ValueError`` when ``household_max`` is below 1.
        """
        _check_household_max(household_max)
        with self._wrapped("kept_from_family"):
            return self._kept_from_family(household_max, name, version, derive)

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph as a networkx ``MultiDiGraph`` with nodes named ``"Label:key"``.

        Node attributes are the properties plus ``label``; edge keys are relationship types.
        """
        g = nx.MultiDiGraph()
        for label in Label:
            frame = self.nodes_frame(label)
            for row in frame.to_dict("records"):
                key = row.pop("key")
                g.add_node(f"{label}:{key}", label=label.value, key=key, **_present(row))
        for src, rel, dst in SCHEMA:
            frame = self.edges_frame(src, rel, dst)
            for row in frame.to_dict("records"):
                u, v = f"{src}:{row.pop('src')}", f"{dst}:{row.pop('dst')}"
                g.add_edge(u, v, key=rel.value, **_present(row))
        return g

    def data_fingerprint(self) -> str:
        """Identifies the data loaded so far (changes whenever a load changes the input)."""
        with self._wrapped("data_fingerprint"):
            return self._data_fingerprint()

    # ---------------------------------------------------------------- public: results
    def start_run(self, run: RunRecord) -> None:
        """Record that a detection run started (it shows in :meth:`runs` while it works).

        Runs that processes left "running" when they died are marked failed first
        (:meth:`fail_abandoned_runs`). The run is recorded with this process as its owner, and
        a heartbeat keeps saying it is alive until :meth:`fail_run` or :meth:`save_results`.

        One run works on a store at a time: while another is recorded as running, nothing is
        written and :class:`~graph.errors.RunInProgressError` names it. The check and the write
        are one step in the store, so two processes starting at the same instant cannot both
        start.
        """
        self.fail_abandoned_runs()
        run.owner, run.heartbeat_at = this_process(), _now()
        with self._wrapped("start_run"):
            running = self._start_run_alone(run)
        if running is not None:
            raise RunInProgressError(f"a detection run is already in progress ({running})")
        self._heartbeats()[run.run_id] = Heartbeat(
            lambda: self._touch_run(run.run_id, _now()), HEARTBEAT_SECONDS,
            name=f"ringscope-heartbeat-{run.run_id}",
        )

    def record_progress(self, run: RunRecord, step: str, progress: float) -> None:
        """Record how far a run got (``step``, ``progress`` clipped to 0 to 1) on ``run`` and in
        the store, so every process serving the store can report it."""
        run.step, run.progress = step, min(max(float(progress), 0.0), 1.0)
        run.heartbeat_at = _now()  # the record replaces the stored one: it says it is alive too
        with self._wrapped("record_progress"):
            self._save_run(run)

    def fail_run(self, run: RunRecord, reason: str) -> None:
        """Record that a run failed; the current results stay as they were."""
        self._stop_heartbeat(run.run_id)
        run.status, run.finished_at = "failed", _now()
        run.summary = {**run.summary, "error": reason}
        with self._wrapped("fail_run"):
            self._save_run(run)

    def fail_abandoned_runs(self, stale_after: timedelta = STALE_AFTER) -> list[RunRecord]:
        """Mark failed, with the reason, every run recorded as running whose process is gone:
        on this host, no process with the owner's id and start time; from elsewhere, no
        heartbeat for ``stale_after``. Returns the runs so marked (see :mod:`graph.liveness`)."""
        now = datetime.now(UTC)
        marked = []
        for run in self.runs():
            if run.status != "running":
                continue
            reason = abandoned_because(run.owner, run.heartbeat_at or run.started_at, now, stale_after)
            if reason is not None:
                log.warning("%s: run %s: %s", self.name, run.run_id, reason)
                self.fail_run(run, reason)
                marked.append(run)
        return marked

    def save_results(self, result: DetectionResult) -> None:
        """Replace the current rings, claim risks and identifier profiles in one transaction.

        Earlier runs keep their records (summaries); case statuses stay as they were. A ring
        that keeps the id of a current ring whose case is confirmed or dismissed, and holds
        claims that ring did not, is re-alerted in the same transaction: an audit entry by the
        run says what is new (:func:`graph.cases.realerts`; written only if the case is still in
        the status it was read in).
        """
        ids = [r.ring_id for r in result.rings]
        if len(ids) != len(set(ids)):
            raise StoreError("ring ids of one run must be unique")
        log.info("%s: saving run %s with %d rings", self.name, result.run.run_id, len(result.rings))
        self._stop_heartbeat(result.run.run_id)
        previous = self.rings()
        kept = {r.ring_id for r in previous} & set(ids)
        alerts = realerts(previous, result.rings, self.cases(sorted(kept)), result.run.run_id, _now())
        if alerts:
            log.info("%s: run %s re-alerts %d decided rings", self.name, result.run.run_id, len(alerts))
        with self._wrapped("save_results"):
            self._replace_results(result, alerts)

    def runs(self) -> list[RunRecord]:
        """Every run recorded, newest first."""
        with self._wrapped("runs"):
            return self._runs()

    def current_run(self) -> RunRecord | None:
        """The run whose results are current, or ``None`` before the first successful run."""
        return next((r for r in self.runs() if r.status == "succeeded"), None)

    def rings(self) -> list[Ring]:
        """The current run's rings, highest score first."""
        with self._wrapped("rings"):
            return sorted(self._rings(None), key=lambda r: (-r.score, r.ring_id))

    def get_ring(self, ring_id: str) -> Ring:
        """One current ring; raises :class:`NotFoundError` if the current run has no such ring."""
        with self._wrapped("get_ring"):
            found = self._rings([ring_id])
        if not found:
            raise NotFoundError(f"no ring {ring_id!r} in the current results")
        return found[0]

    def claim_risks(self, claim_ids: Sequence[str]) -> dict[str, ClaimRisk]:
        """Risk of the given claims as the current run stored it (claims detection did not score
        are absent); case decisions taken since do not change it."""
        with self._wrapped("claim_risks"):
            return {c.claim_id: c for c in self._claim_risks(list(claim_ids))}

    def identifier_profiles(self, refs: Iterable[NodeRef] | None) -> dict[NodeRef, IdentifierProfile]:
        """Current profiles of the given identifier nodes (unknown ones are absent); of every
        profiled node when ``refs`` is ``None`` (one read: what real-time scoring keeps per run)."""
        wanted = None if refs is None else list(refs)
        with self._wrapped("identifier_profiles"):
            found = self._identifier_profiles(wanted)
        return {NodeRef(Label(p.label), p.key): p for p in found}

    # ---------------------------------------------------------------- public: cases
    def case_status(self, ring_id: str) -> CaseStatus:
        """A ring's case status (``new`` until someone changes it)."""
        return self.case(ring_id).status

    def case(self, ring_id: str) -> Case:
        """A ring's case (status, assignee, last note, re-alert) as its audit log gives it."""
        return Case.from_audit(ring_id, self.case_audit(ring_id))

    def cases(self, ring_ids: Iterable[str]) -> dict[str, Case]:
        """The cases of several rings, by ring id."""
        return {ring_id: self.case(ring_id) for ring_id in ring_ids}

    def change_case(
        self, ring_id: str, to: CaseStatus | str | None, actor: str, note: str = "",
        expected: CaseStatus | str | None = None, assignee: str | Keep | None = KEEP,
        expected_assignee: str | Keep | None = KEEP, reopen: bool = False,
    ) -> CaseChange:
        """A person's decision on a ring's case: move it to another status (``to``; ``None``
        keeps it), assign it (``assignee``: a person's name, ``None`` for nobody, :data:`KEEP`
        to leave it), leave a note; recorded with who and when. Any decision clears a re-alert.

        A compare-and-set: the change is written, in one transaction, only if the case is still
        in the status it was read in (or ``expected``, the status the caller saw), so of several
        simultaneous changes to one case exactly one succeeds. ``expected_assignee`` (unless
        :data:`KEEP`) is the assignee the caller saw: a case assigned to someone else meanwhile
        is not taken over unawares. ``reopen`` says the decider is an admin, who may also make
        the moves of :data:`~graph.results.CASE_REOPENINGS` (confirmed → investigating), each
        with a note.

        Raises :class:`NotFoundError` for an unknown ring, ``ValueError`` for a decision that
        changes nothing (no move, the same assignee, no note), and :class:`ConflictError` for a
        move the workflow does not allow (``new → investigating → confirmed | dismissed``,
        dismissed may reopen), for a case not in ``expected`` or not assigned to
        ``expected_assignee``, or for a case changed meanwhile; :class:`AccessError` for a
        reopening without ``reopen``; :class:`~graph.errors.RequestFieldError` (a ``ValueError``)
        on ``note`` for a reopening, or a move to confirmed or dismissed, without a note: the
        audit log is the only record of why a case was decided. A note that says nothing
        (:func:`graph.cases.says_something`: blanks, invisible characters, ``无``) is no note.
        """
        target = None if to is None else CaseStatus(to)
        if not says_something(note):
            note = ""
        self.get_ring(ring_id)
        case = self.case(ring_id)
        current = case.status
        source = current if expected is None else CaseStatus(expected)
        if source is not current:
            raise ConflictError(f"the case of ring {ring_id} is {current}, not {source}")
        if expected_assignee is not KEEP and expected_assignee != case.assignee:
            raise ConflictError(
                f"the case of ring {ring_id} is assigned to {case.assignee or 'nobody'} now, not "
                f"{expected_assignee or 'nobody'}; reload it and decide again")
        if target is not None and target in CASE_REOPENINGS.get(source, ()):
            if not reopen:
                raise AccessError(f"only an admin may reopen a {source} case (to {target})")
            if not note:
                raise RequestFieldError("note", f"reopening a {source} case needs a note saying why")
        elif target is not None and target not in CASE_TRANSITIONS[source]:
            allowed = ", ".join(sorted(s.value for s in case_moves(source, reopen))) or "none"
            raise ConflictError(f"a case cannot go from {source} to {target} (allowed: {allowed})")
        elif target in REALERT_STATUSES and target is not source and not note:
            raise RequestFieldError("note", f"deciding a case {target} needs a note saying why")
        after = case.assignee if assignee is KEEP else assignee
        if target is None and after == case.assignee and not note:
            raise ValueError("nothing to change: give a status, an assignee or a note")
        change = CaseChange(ring_id, _now(), actor, source, target or source, note, after)
        with self._wrapped("change_case"):
            applied = self._append_case_change(change)
        if not applied:
            raise ConflictError(
                f"the case of ring {ring_id} changed meanwhile and is no longer {source}; "
                "reload it and decide again"
            )
        return change

    def case_log_length(self) -> int:
        """How many entries every ring's audit log holds together: it grows with each change,
        so a reader that keeps cases in memory can tell when to read them again."""
        with self._wrapped("case_log_length"):
            return self._case_log_length()

    def case_audit(self, ring_id: str) -> list[CaseChange]:
        """Every status change of a ring's case, oldest first."""
        with self._wrapped("case_audit"):
            return self._case_changes(ring_id)

    # ---------------------------------------------------------------- public: sessions
    def save_session(self, session: Session) -> None:
        """Keep an explorer sign-in session (by its key; the token itself is never stored).
        Sessions that have ended are dropped at the same time."""
        with self._wrapped("save_session"):
            self._delete_sessions_ended_by(_now())
            self._put_session(session)

    def get_session(self, key: str) -> Session | None:
        """The session with this key, or ``None`` when there is none or it has ended."""
        with self._wrapped("get_session"):
            session = self._get_session(key)
        if session is None or session.expired(datetime.now(UTC)):
            return None
        return session

    def delete_session(self, key: str) -> None:
        """End a session (signing out, or a new sign-in replacing it)."""
        with self._wrapped("delete_session"):
            self._delete_session(key)

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        for run_id in list(self._heartbeats()):
            self._stop_heartbeat(run_id)
        with self._wrapped("close"):
            self._close()

    def _heartbeats(self) -> dict[str, Heartbeat]:
        """Heartbeats of the runs this store object started and has not finished."""
        beats: dict[str, Heartbeat] = self.__dict__.setdefault("_run_heartbeats", {})
        return beats

    def _stop_heartbeat(self, run_id: str) -> None:
        beat = self._heartbeats().pop(run_id, None)
        if beat is not None:
            beat.stop()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _wrapped(self, operation: str) -> Iterator[None]:
        try:
            yield
        except (RingScopeError, ValueError):
            raise
        except Exception as exc:
            log.exception("%s: %s failed", self.name, operation)
            raise StoreError(f"{self.name} store: {operation} failed: {exc}") from exc

    # ---------------------------------------------------------------- primitives
    @abstractmethod
    def _write_bundle(self, bundle: GraphBundle, progress: ProgressCallback | None) -> Removed:
        """Write ``bundle``; first drop the relationships of its clears and, for each record a
        batch of a single-valued triple gives a value, that record's relationships of
        :func:`graph.model.rival_triples` pointing elsewhere (and a change record's other
        relationship, :data:`graph.model.RECORD_IDS`); last drop the identifier nodes at the
        far end of those that no record uses any more: a Phone, BankAccount or Address
        without any relationship, a Person no request or watchlist entry names (with its
        ``HAS_PHONE``). Returns what it dropped."""

    @abstractmethod
    def _counts(self) -> tuple[dict[str, int], dict[str, int]]: ...

    @abstractmethod
    def _get_nodes(self, refs: list[NodeRef]) -> list[Node]: ...

    @abstractmethod
    def _adjacent(self, refs: list[NodeRef], limit: int) -> list[Edge]:
        """Relationships touching any of ``refs``, either direction; at most ``limit`` per node."""

    @abstractmethod
    def _customers_on(self, ref: NodeRef, rel: Rel, limit: int | None) -> list[tuple[str, str | None]]:
        """``(key, name)`` of the customers with a ``rel`` relationship to ``ref``, by key; at
        most ``limit`` (all when ``None``)."""

    @abstractmethod
    def _nodes_frame(self, label: Label) -> pd.DataFrame: ...

    @abstractmethod
    def _edges_frame(self, src: Label, rel: Rel, dst: Label) -> pd.DataFrame: ...

    @abstractmethod
    def _edges_by_key(self, triple: tuple[Label, Rel, Label], keys: list[str],
                      at_source: bool) -> list[dict[str, Any]]:
        """``{"src", "dst", **properties}`` of the relationships of ``triple`` whose source
        (``at_source``) or target key is in ``keys``, in any order."""

    @abstractmethod
    def _claim_identifier_holders(self) -> pd.DataFrame:
        """``customer_id``, ``name``, ``label``, ``key`` (any order): see the public method."""

    @abstractmethod
    def _family_registrations(self, household_max: int) -> pd.DataFrame:
        """``customer_id``, ``name``, ``label``, ``key`` (any order): see the public method."""

    def _kept_from_family(self, household_max: int, name: str, version: str,
                          derive: Callable[[pd.DataFrame], pa.Table]) -> pa.Table:
        """See the public method; by default derived each time (nothing is kept)."""
        return derive(self.family_registrations(household_max))

    @abstractmethod
    def _data_fingerprint(self) -> str: ...

    @abstractmethod
    def _save_run(self, run: RunRecord) -> None: ...

    @abstractmethod
    def _start_run_alone(self, run: RunRecord) -> str | None:
        """Save ``run`` unless a run is recorded as running, in one atomic step; the id of that
        running run, or ``None`` when ``run`` was saved."""

    @abstractmethod
    def _touch_run(self, run_id: str, at: str) -> None:
        """Set a run's ``heartbeat_at`` to ``at`` if it is still recorded as running."""

    @abstractmethod
    def _replace_results(self, result: DetectionResult, realerts: list[CaseChange]) -> None:
        """Replace the current results with ``result`` and, in the same transaction, append each
        of ``realerts`` as :meth:`_append_case_change` would (skipped when its case moved)."""

    @abstractmethod
    def _runs(self) -> list[RunRecord]: ...

    @abstractmethod
    def _rings(self, ring_ids: list[str] | None) -> list[Ring]:
        """Current rings, all of them when ``ring_ids`` is ``None``."""

    @abstractmethod
    def _claim_risks(self, claim_ids: list[str]) -> list[ClaimRisk]: ...

    @abstractmethod
    def _identifier_profiles(self, refs: list[NodeRef] | None) -> list[IdentifierProfile]:
        """Profiles of ``refs`` (any order), of every profiled node when ``None``."""

    @abstractmethod
    def _append_case_change(self, change: CaseChange) -> bool:
        """In one transaction: append ``change`` if the ring's latest change ends in
        ``change.from_status`` (no change yet counts as ``new``); ``False``, writing nothing,
        otherwise."""

    @abstractmethod
    def _case_changes(self, ring_id: str) -> list[CaseChange]: ...

    @abstractmethod
    def _case_log_length(self) -> int: ...

    @abstractmethod
    def _put_session(self, session: Session) -> None: ...

    @abstractmethod
    def _get_session(self, key: str) -> Session | None: ...

    @abstractmethod
    def _delete_session(self, key: str) -> None: ...

    @abstractmethod
    def _delete_sessions_ended_by(self, now: str) -> None:
        """Drop sessions whose ``expires_at`` is before ``now`` (ISO times compare as text)."""

    @abstractmethod
    def _close(self) -> None: ...


def _label(value: Label | str) -> Label:
    try:
        return Label(value)
    except ValueError:
        raise ValueError(
            f"unknown node label {value!r}; expected one of {[x.value for x in Label]}"
        ) from None


REGISTRATION_COLUMNS = ["customer_id", "name", "label", "key"]
"""The columns of :meth:`GraphStore.claim_identifier_holders` and :meth:`GraphStore.family_registrations`."""


def _check_household_max(household_max: int) -> None:
    if isinstance(household_max, bool) or not isinstance(household_max, int) or household_max < 1:
        raise ValueError(f"household_max must be a positive integer, got {household_max!r}")


def _registration_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of :data:`REGISTRATION_COLUMNS` as Python objects, missing names as ``None``."""
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REGISTRATION_COLUMNS})
    out = pd.DataFrame({c: frame[c].astype(object) for c in REGISTRATION_COLUMNS})
    out["name"] = out["name"].where(out["name"].notna(), None)
    return out


def _present(row: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in row.items() if v is not None and not (isinstance(v, float) and v != v)}
