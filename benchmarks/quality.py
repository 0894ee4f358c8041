"""Detection quality against ground truth: seeds × difficulty, with both baselines.

Generates synthetic books (cached in the work folder), ingests each into its own SQLite store,
runs detection and the baselines, and prints one table row per book and method plus the mean
over books per difficulty.

    python -m benchmarks quality                    # 30 000 customers, seeds 1-3, normal+hard
    python -m benchmarks quality --customers 50000 --seeds 11 12 13 --difficulty hard
    python -m benchmarks quality --difficulty hard realistic --no-baseline-b
    python -m benchmarks quality --set resolution=2.0 --set method=igraph-leiden --no-baseline-b
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.evaluate import evaluate, read_truth
from detectors.params import DetectionParams
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book

WORK = Path(tempfile.gettempdir()) / "ringscope-quality"
COLUMNS = ["difficulty", "seed", "method", "claim_precision", "claim_recall", "claim_f1",
           "average_precision", "ring_recall", "ring_purity", "alerted_rings", "legit_only_alerts",
           "seconds"]


def book_store(work: Path, customers: int, seed: int, difficulty: str) -> tuple[SQLiteStore, Path]:
    """The ingested store and truth file of one book, generated and ingested on first use."""
    folder = work / f"book-{customers}-{difficulty}-{seed}"
    db = folder / "graph.db"
    if not (folder / "truth.csv").exists() or not db.exists():
        generate_book(folder, BookConfig(customers=customers, seed=seed, difficulty=difficulty))  # type: ignore[arg-type]
        db.unlink(missing_ok=True)
        ingest_folder(folder, SQLiteStore(db))
    return SQLiteStore(db), folder / "truth.csv"


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def measure(customers: int, seeds: list[int], difficulties: list[str], work: Path = WORK,
            baselines: tuple[str, ...] = ("a", "b"),
            params: DetectionParams | None = None) -> pd.DataFrame:
    """Detection and ``baselines`` scored on each (difficulty, seed) book of ``customers``.

    One row per book and method (:data:`COLUMNS`), then per difficulty and method the mean
    over seeds (``seed`` = ``"mean"``). Progress goes to stderr.
    """
    params = params or DetectionParams()
    rows = []
    for difficulty in difficulties:
        for seed in seeds:
            start = time.perf_counter()
            store, truth = book_store(work, customers, seed, difficulty)
            prepared = time.perf_counter() - start
            result = evaluate(store, read_truth(truth), params, use_current=False, baselines=baselines)
            for m in result.rows():
                rows.append({"difficulty": difficulty, "seed": seed, **m})
            ours = result.method("ringscope")
            print(f"{difficulty} seed {seed}: F1 {ours.claim_f1:.3f} ring recall {ours.ring_recall:.3f} "
                  f"legit-only alerts {ours.legit_only_alerts} ({result.truth_rings} rings, "
                  f"{result.truth_ring_claims}/{result.truth_claims} ring claims; book ready in "
                  f"{prepared:.0f} s)", file=sys.stderr)
            store.close()
    table = pd.DataFrame(rows, columns=COLUMNS)
    means = table.groupby(["difficulty", "method"], sort=False).mean(numeric_only=True).reset_index()
    means["seed"] = "mean"
    return pd.concat([table, means[COLUMNS]], ignore_index=True)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=30_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--difficulty", nargs="+", default=["normal", "hard"],
                        choices=["easy", "normal", "hard", "extreme", "realistic"])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--no-baseline-b", action="store_true", help="skip whole-graph Louvain (slow)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a DetectionParams field")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    params = dataclasses.replace(DetectionParams(), **{k: _value(v) for k, v in overrides.items()})
    full = measure(args.customers, args.seeds, args.difficulty, args.work,
                   ("a",) if args.no_baseline_b else ("a", "b"), params)
    print(f"params: {params.as_dict()}")
    print(markdown(full) if args.markdown else full.to_string(index=False))
    return full


def markdown(table: pd.DataFrame) -> str:
    """A markdown table (numbers to three decimals)."""
    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
