"""Detection speed: seconds and peak memory for 100 000 and 1 000 000 customers.

Generates (cached) and ingests a hard book of each size, then times ``run_detection`` (read the
store, link, detect communities, score) with its step breakdown, and baseline (b) — whole-graph
python-louvain — where it finishes within the time limit (it runs in a child process). With two
sizes or more it prints how time and peak memory grew from the smallest to the largest against
the growth of the book (linear growth: the same ratio).

    python -m benchmarks detect
    python -m benchmarks detect --customers 100000 --baseline-timeout 600

Detection and the baseline each run in a fresh process (``spawn``), so each peak memory is
that run's own.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import Any

# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.baselines import whole_graph_louvain
from detectors.params import DetectionParams
from detectors.pipeline import run_detection
from graph.results import RunRecord
from graph.sqlite_store import SQLiteStore, new_store_file
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book

WORK = Path(tempfile.gettempdir()) / "ringscope-bench"


def prepare(work: Path, customers: int, seed: int) -> Path:
    folder = work / f"book-{customers}-hard-{seed}"
    db = folder / "store.db"
    if not db.exists() or not (folder / "truth.csv").exists():
        generate_book(folder, BookConfig(customers=customers, seed=seed, difficulty="hard"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        with new_store_file(db) as store:
            ingest_folder(folder, store)
    return db


def _detect(db: Path, seed: int, queue: Any) -> None:
    store = SQLiteStore(db)
    params = DetectionParams(seed=seed)
    run = RunRecord("bench", params.as_dict(), store.data_fingerprint(),
                    datetime.now(UTC).isoformat(timespec="seconds"))
    start = time.perf_counter()
    detection = run_detection(store, params, run)
    seconds = time.perf_counter() - start
    summary = detection.result.run.summary
    queue.put({"seconds": seconds, "steps": detection.seconds, "claims": summary["claims"],
               "rings": summary["rings"], "alerted_rings": summary["alerted_rings"],
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _baseline(db: Path, seed: int, queue: Any) -> None:
    start = time.perf_counter()
    whole_graph_louvain(SQLiteStore(db), seed)
    queue.put({"seconds": time.perf_counter() - start,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _in_child(target: Callable[[Path, int, Any], None], db: Path, seed: int, timeout: float) -> dict[str, Any] | None:
    """Run ``target(db, seed, queue)`` in a fresh process; its answer, or ``None`` after ``timeout``."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=target, args=(db, seed, queue))
    child.start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer: dict[str, Any] = queue.get(timeout=1.0)
        except Empty:
            if not child.is_alive():
                raise RuntimeError(f"{target.__name__} exited with "
                                   f"{child.exitcode} without an answer") from None
            if time.monotonic() < deadline:
                continue
            child.terminate()
            child.join()
            return None
        child.join()
        return answer


def measure(customers: int, seed: int = 1, work: Path = WORK,
            baseline_timeout: float = 900.0) -> dict[str, Any]:
    """Detection on the (cached) hard book of ``customers``, and baseline (b) on the same store.

    Returns ``claims``, ``rings``, ``alerted_rings``, ``seconds``, ``steps`` (seconds per
    step; ``read`` is reading the store), ``peak_mb`` (MiB) and ``baseline``: ``seconds`` and
    ``peak_mb`` of whole-graph python-louvain, or ``None`` when it did not finish within
    ``baseline_timeout`` seconds (0 skips it).
    """
    db = prepare(work, customers, seed)
    figures = _in_child(_detect, db, seed, math.inf)
    assert figures is not None  # no time limit
    figures["baseline"] = _in_child(_baseline, db, seed, baseline_timeout) if baseline_timeout > 0 else None
    figures["baseline_timeout"] = baseline_timeout
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--baseline-timeout", type=float, default=900.0,
                        help="seconds baseline (b) may take; 0 skips it")
    args = parser.parse_args(argv)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} at "
          "the start", flush=True)
    seen = []
    for customers in args.customers:
        r = measure(customers, args.seed, args.work, args.baseline_timeout)
        seen.append((customers, r))
        print(f"{customers:>9,} customers: {r['claims']:,} claims, {r['rings']} rings "
              f"({r['alerted_rings']} alerted): detection {r['seconds']:.1f} s, "
              f"peak RSS {r['peak_mb']:.0f} MiB; steps {r['steps']}", flush=True)
        baseline = r["baseline"]
        if args.baseline_timeout <= 0:
            continue
        if baseline is None:
            print(f"{'':>9}  baseline (b) whole-graph python-louvain: did not finish in "
                  f"{args.baseline_timeout:.0f} s")
        else:
            print(f"{'':>9}  baseline (b) whole-graph python-louvain: {baseline['seconds']:.1f} s "
                  f"(peak RSS {baseline['peak_mb']:.0f} MiB); detection is "
                  f"{baseline['seconds'] / r['seconds']:.1f}× faster")
    if len(seen) > 1:
        (small, a), (large, b) = seen[0], seen[-1]
        print(f"growth from {small:,} to {large:,} customers: customers x{large / small:.1f}, "
              f"claims x{b['claims'] / a['claims']:.1f}, time x{b['seconds'] / a['seconds']:.1f}, "
              f"peak memory x{b['peak_mb'] / a['peak_mb']:.1f}; load average "
              f"{os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
