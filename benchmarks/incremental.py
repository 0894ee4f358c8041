"""A daily increment: its ingest plus detection, against a full load and run of the same data.

The book (a generated hard book, or ``--book``, a CSV book with ``truth.csv``, read only) is cut
before its last ``--share`` of surrender requests (:mod:`ingest.synthetic.increment`). The
store of the part before the cut is loaded and screened once (cached under ``--work``); each
run copies it, then times, each in a fresh process (so each peak memory is its own):

* the increment: ``ingest`` of the export into the copy, then a detection run;
* the naive baseline, in the same run: the whole book loaded into a new store and screened.

It then checks that both runs found the same rings with the same claims, scores, evidence,
claim risks and identifier profiles (ring ids aside: the increment's rings carry the ids of
the run before it), and prints what the run recorded as changed.

    python -m benchmarks incremental --customers 100000
    python -m benchmarks incremental --book books/hard-1000000 --share 0.01
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.incremental import comparable
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.increment import split_increment

WORK = Path(tempfile.gettempdir()) / "ringscope-bench" / "incremental"


def _ingest(folder: Path, db: Path) -> dict[str, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    report = ingest_folder(folder, SQLiteStore(db))
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
            "rows": sum(report.rows.values()), "phases": report.phases}


def _detect(db: Path) -> dict[str, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    result = detect(SQLiteStore(db))
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
            "steps": result.run.summary["seconds"],
            "changes": result.run.summary["changes"], "claims": result.run.summary["claims"],
            "rings": len(result.rings), "comparable": comparable(result)}


def _child(target: Callable[..., dict[str, Any]], args: tuple[Any, ...], queue: Any) -> None:
    answer = target(*args)
    answer["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(answer)


def in_child(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """``target(*args)`` in a fresh process, with that process's peak memory (``peak_mb``)."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(target, args, queue))
    child.start()
    answer: dict[str, Any] = queue.get()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"{target.__name__} exited with {child.exitcode}")
    return answer


def prepare(book: Path, share: float, work: Path) -> tuple[Path, Path, Path]:
    """The cut (base and increment folders) and the screened store of the base, cached."""
    cut = work / f"{book.name}-{share:g}"
    base, day, db = cut / "base", cut / "day", cut / "base.db"
    if not (day / "surrenders.csv").is_file():
        split_increment(book, base, day, share)
    if not db.is_file():
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        in_child(_ingest, base, partial)
        in_child(_detect, partial)
        partial.rename(db)
    return base, day, db


def measure(book: Path, share: float, work: Path = WORK) -> dict[str, Any]:
    """Figures of one increment and of the full baseline (see the module)."""
    _, day, base_db = prepare(book, share, work)
    daily, whole = work / "daily.db", work / "whole.db"
    shutil.copyfile(base_db, daily)
    whole.unlink(missing_ok=True)
    load = os.getloadavg()
    figures = {"ingest": in_child(_ingest, day, daily), "detect": in_child(_detect, daily),
               "full_ingest": in_child(_ingest, book, whole), "full_detect": in_child(_detect, whole)}
    figures["load"] = (load, os.getloadavg())
    figures["equal"] = figures["detect"].pop("comparable") == figures["full_detect"].pop("comparable")
    return figures


def _took(figures: dict[str, Any]) -> str:
    """Wall time, processor time (the process's own, all its threads: on a shared machine it
    moves far less with the others' work than the wall time does) and peak memory of a step."""
    return f"{figures['seconds']:.1f} s (CPU {figures['cpu']:.1f} s, peak {figures['peak_mb']:.0f} MiB)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks incremental", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--book", type=Path, help="a CSV book with truth.csv (read only)")
    parser.add_argument("--customers", type=int, default=100_000,
                        help="size of the generated hard book when no --book is given")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--share", type=float, default=0.01, help="share of requests in the increment")
    parser.add_argument("--work", type=Path, default=WORK)
    args = parser.parse_args(argv)
    if not 0.0 < args.share <= 0.5:
        parser.error(f"--share must be in (0, 0.5], got {args.share}")
    book = args.book
    if book is None:
        book = args.work / f"book-{args.customers}-hard-{args.seed}"
        if not (book / "truth.csv").is_file():
            generate_book(book, BookConfig(customers=args.customers, seed=args.seed, difficulty="hard"))
    elif not (book / "surrenders.csv").is_file():
        parser.error(f"--book {book}: no surrenders.csv")
    args.work.mkdir(parents=True, exist_ok=True)
    r = measure(book, args.share, args.work)
    inc = r["ingest"]["seconds"] + r["detect"]["seconds"]
    full = r["full_ingest"]["seconds"] + r["full_detect"]["seconds"]
    changes = r["detect"]["changes"]
    print(f"book {book.name}: {r['detect']['claims']:,} claims, increment {changes['new_claims']:,} "
          f"requests ({args.share:.0%}), {r['ingest']['rows']:,} rows; load average "
          f"{' '.join(f'{x:.2f}' for x in r['load'][0])} before, "
          f"{' '.join(f'{x:.2f}' for x in r['load'][1])} after")
    print(f"increment: ingest {_took(r['ingest'])} + detection {_took(r['detect'])} "
          f"= {inc:.1f} s; detection steps {r['detect']['steps']}")
    print(f"baseline, full load and run of the same data: ingest {_took(r['full_ingest'])} "
          f"+ detection {_took(r['full_detect'])} = {full:.1f} s; the increment takes "
          f"{inc / full:.2f} of it; detection steps {r['full_detect']['steps']}")
    print(f"same rings, scores, evidence, claim risks and profiles as the full run: "
          f"{'yes' if r['equal'] else 'NO'}; {r['detect']['rings']} rings")
    print(f"changes recorded: {changes}")
    if not r["equal"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
