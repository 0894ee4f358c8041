"""Detection runs started over HTTP: one background thread per run, one run at a time.

A job is the run recorded in the store: its id is the run's id, recorded as running before the
request is answered, and its progress (step and fraction) is written to the run's record as it
works, so every server process (each of ``serve --workers N``) answers for it and "one run at a
time" is checked against the store's running runs, not per process. The process that took the
request also keeps the job in memory and reports it succeeded once its own scoring index holds
the new run.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from detectors.params import DetectionParams
from detectors.pipeline import new_run
from detectors.realtime import RealtimeScorer
from graph.errors import RingScopeError
from graph.results import DetectionResult, RunRecord
from graph.store import GraphStore, ProgressCallback

__all__ = ["DetectFn", "Job", "JobManager", "prepare_scoring", "run_view"]

log = logging.getLogger(__name__)


class DetectFn(Protocol):
    """The detection pipeline's signature (:func:`detectors.pipeline.detect`): it works as
    ``run``, which the caller recorded as started, and records its end (results or failure)."""

    def __call__(self, store: GraphStore, params: DetectionParams, progress: ProgressCallback,
                 *, allow_empty: bool = False, run: RunRecord | None = None) -> DetectionResult: ...


JobStatus = Literal["running", "succeeded", "failed"]
_KEEP_JOBS = 100


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One detection run started over HTTP."""

    id: str
    params: dict[str, Any]
    status: JobStatus = "running"
    step: str | None = None
    progress: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    run_id: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "run_id": self.run_id, "status": self.status, "step": self.step,
                "progress": round(self.progress, 4), "started_at": self.started_at,
                "finished_at": self.finished_at, "params": self.params,
                "summary": self.summary, "error": self.error}


def run_view(run: RunRecord) -> dict[str, Any]:
    """A stored run record in the same shape as a job."""
    summary = dict(run.summary)
    error = summary.pop("error", None) if run.status == "failed" else None
    running = run.status == "running"
    return {"id": run.run_id, "run_id": run.run_id, "status": run.status,
            "step": run.step if running else None,
            "progress": run.progress if running else 1.0, "started_at": run.started_at,
            "finished_at": run.finished_at, "params": run.params, "summary": summary,
            "error": None if error is None else str(error)}


class JobManager:
    """Starts detection runs in background threads and remembers their progress."""

    def __init__(self, store: GraphStore, detect: DetectFn, scorer: RealtimeScorer) -> None:
        self._store, self._detect, self._scorer = store, detect, scorer
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, params: DetectionParams, *, allow_empty: bool = False) -> Job:
        """Record a run as started in the store and start it; raises
        :class:`~graph.errors.RunInProgressError` while another run works (started by any
        process on the store, this one included: :meth:`~graph.store.GraphStore.start_run`).

        ``allow_empty``: the run may replace current rings with none (else such a run fails)."""
        store = self._store
        with self._lock:
            run = new_run(store, params)
            store.start_run(run)
            job = Job(id=run.run_id, params=run.params, status="running", started_at=run.started_at,
                      run_id=run.run_id)
            self._jobs[job.id] = job
            self._trim()
        thread = threading.Thread(target=self._work, args=(job, run, store, params, allow_empty),
                                  name=f"ringscope-{job.id}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def wait(self, timeout: float | None = None) -> None:
        """Wait for running jobs (used on shutdown and in tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in list(self._threads):
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            thread.join(left)

    def _trim(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in ("succeeded", "failed")]
        for key in finished[: max(len(self._jobs) - _KEEP_JOBS, 0)]:
            del self._jobs[key]

    def _work(self, job: Job, run: RunRecord, store: GraphStore, params: DetectionParams,
              allow_empty: bool) -> None:
        def progress(step: str, done: int, total: int) -> None:
            job.step = step
            job.progress = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
            if run.status == "running":
                store.record_progress(run, step, job.progress)

        try:
            result = self._detect(store, params, progress, allow_empty=allow_empty, run=run)
        except Exception as exc:  # a failed run is reported, never raised into the server
            if isinstance(exc, RingScopeError):
                log.warning("detection job %s failed: %s", job.id, exc)
            else:
                log.exception("detection job %s failed", job.id)
            error = str(exc) or type(exc).__name__
            if run.status == "running":  # the pipeline did not record its end: recorded first,
                try:  # so a client told "failed" finds the store saying so too
                    store.fail_run(run, error)
                except RingScopeError:
                    log.exception("could not record the end of run %s", run.run_id)
            job.status, job.error = "failed", error
        else:
            prepare_scoring(self._scorer)
            job.run_id, job.summary = result.run.run_id, dict(result.run.summary)
            job.status, job.progress, job.step = "succeeded", 1.0, "done"
        finally:
            job.finished_at = _now()


def prepare_scoring(scorer: RealtimeScorer, *, rebuild: bool = True) -> None:
    """Build real-time scoring's run index now, not on the first request that needs it:
    ``rebuild`` it from the store (after a detection run), or else only when the scorer holds
    none or the store moved on (a worker that took its parent's index keeps sharing it)."""
    try:
        scorer.refresh() if rebuild else scorer.index()
    except RingScopeError as exc:
        log.warning("could not prepare real-time scoring yet: %s", exc)
    # What is alive now (modules, the app, the per-run scoring data: millions of objects on a
    # large book) lives as long as the process or the run: keep it out of the cyclic garbage
    # collector, so that full collections stop walking it (pauses of tens of milliseconds at
    # random requests). Data of earlier runs is still freed by reference counting.
    gc.collect()
    gc.freeze()
