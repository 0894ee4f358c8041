"""Community methods compared in one run: time of the community step and detection quality.

    .venv/bin/python -m benchmarks communities --customers 100000 --difficulty hard --seed 1

Generates and ingests one book, then runs the whole detection once per (method, resolution) and
prints the seconds of the community step and the figures against truth.csv. python-louvain is
only exact at resolution 1 (its stopping test scales the other term), so it is shown there too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.evaluate import read_truth, score_method
from detectors.params import DetectionParams
from detectors.pipeline import run_detection
from graph.results import RunRecord
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder
from ingest.synthetic import BookConfig, generate_book

CANDIDATES = [
    ("louvain", 1.0),
    ("louvain", 0.6),
    ("igraph-multilevel", 1.0),
    ("igraph-multilevel", 0.6),
    ("igraph-leiden", 1.0),
    ("igraph-leiden", 0.6),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--difficulty", default="hard")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book"
        generate_book(book, BookConfig(customers=args.customers, seed=args.seed, difficulty=args.difficulty))
        truth = read_truth(book / "truth.csv")
        print(f"{args.customers:,} customers, {args.difficulty}, seed {args.seed}: "
              f"{len(truth):,} claims, {truth['ring_id'].notna().sum():,} in rings")
        print("| method | resolution | community step s | claim F1 | ring recall | purity | legitimate-only alerts |")
        print("|---|---|---|---|---|---|---|")
        with SQLiteStore(Path(tmp) / "graph.db") as store:
            ingest_folder(book, store)
            for method, resolution in CANDIDATES:
                params = DetectionParams(seed=args.seed, method=method, resolution=resolution)  # type: ignore[arg-type]
                run = RunRecord("bench", params.as_dict(), "", datetime.now(UTC).isoformat())
                detection = run_detection(store, params, run)
                risks = {c.claim_id: c.risk for c in detection.result.claim_risks}
                scores = score_method(method, [(r.claim_ids, r.score) for r in detection.rings], risks, truth)
                print(f"| {method} | {resolution} | {detection.seconds['communities']:.2f} | "
                      f"{scores.claim_f1:.3f} | {scores.ring_recall:.3f} | {scores.ring_purity:.3f} | "
                      f"{scores.legit_only_alerts} |", flush=True)


if __name__ == "__main__":
    main()
