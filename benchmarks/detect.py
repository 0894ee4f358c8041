"""Detection speed: seconds and peak memory for 100 000 and 1 000 000 customers.

Generates (cached) and ingests a hard book of each size, then times ``run_detection`` (read the
store, link, detect communities, score) with its step breakdown, and baseline (b) — whole-graph
python-louvain — where it finishes within the time limit (it runs in a child process).

    python benchmarks/detect.py
    python benchmarks/detect.py --customers 100000 --baseline-timeout 600
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.baselines import whole_graph_louvain
from detectors.params import DetectionParams
from detectors.pipeline import run_detection
from graph.results import RunRecord
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book


def prepare(work: Path, customers: int, seed: int) -> Path:
    folder = work / f"book-{customers}-hard-{seed}"
    db = folder / "store.db"
    if not db.exists() or not (folder / "truth.csv").exists():
        generate_book(folder, BookConfig(customers=customers, seed=seed, difficulty="hard"))
        db.unlink(missing_ok=True)
        ingest_folder(folder, SQLiteStore(db))
    return db


def _baseline(db: Path, seed: int, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    start = time.perf_counter()
    whole_graph_louvain(SQLiteStore(db), seed)
    queue.put((time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def time_baseline(db: Path, seed: int, timeout: float) -> tuple[float, float] | None:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    child = mp.Process(target=_baseline, args=(db, seed, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get() if not queue.empty() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ringscope-bench")
    parser.add_argument("--baseline-timeout", type=float, default=900.0,
                        help="seconds baseline (b) may take; 0 skips it")
    args = parser.parse_args()
    params = DetectionParams(seed=args.seed)
    for customers in args.customers:
        db = prepare(args.work, customers, args.seed)
        store = SQLiteStore(db)
        run = RunRecord("bench", params.as_dict(), store.data_fingerprint(),
                        datetime.now(UTC).isoformat(timespec="seconds"))
        start = time.perf_counter()
        detection = run_detection(store, params, run)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        summary = detection.result.run.summary
        print(f"{customers:>9,} customers: {summary['claims']:,} claims, {summary['rings']} rings "
              f"({summary['alerted_rings']} alerted): detection {seconds:.1f} s, "
              f"peak RSS so far {peak:.0f} MiB; steps {detection.seconds}")
        if args.baseline_timeout <= 0:
            continue
        baseline = time_baseline(db, args.seed, args.baseline_timeout)
        if baseline is None:
            print(f"{'':>9}  baseline (b) whole-graph python-louvain: did not finish in "
                  f"{args.baseline_timeout:.0f} s")
        else:
            print(f"{'':>9}  baseline (b) whole-graph python-louvain: {baseline[0]:.1f} s "
                  f"(peak RSS {baseline[1]:.0f} MiB); detection is {baseline[0] / seconds:.1f}× faster")
        store.close()


if __name__ == "__main__":
    main()
