"""Held-out quality of real-time scoring over books, seeds and difficulties.

    .venv/bin/python -m benchmarks score_quality --customers 30000 --seeds 1,2,3

For each book: hold out a fifth of the surrender requests, ingest and detect the rest, score the
held-out requests with the scorer behind ``POST /v1/score`` (in process), and print ROC AUC
against the truth. Goal: ROC AUC ≥ 0.90.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.holdout import hold_out, roc_auc  # noqa: E402
from detectors.params import DetectionParams  # noqa: E402
from detectors.pipeline import detect  # noqa: E402
from detectors.realtime import RealtimeScorer  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402
from ingest import ingest_folder  # noqa: E402
from ingest.synthetic import BookConfig, generate_book  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=30_000)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--difficulties", default="normal,hard")
    args = parser.parse_args(argv)
    print("| customers | difficulty | seed | ring / legitimate requests | ROC AUC | ms per request |")
    print("|---|---|---|---|---|---|")
    for difficulty in args.difficulties.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                book = Path(tmp) / "book"
                generate_book(book, BookConfig(customers=args.customers, seed=seed, difficulty=difficulty))
                requests, in_ring = hold_out(book, share=0.2, seed=seed)
                with SQLiteStore(Path(tmp) / "graph.db") as store:
                    ingest_folder(book, store)
                    detect(store, DetectionParams(seed=seed))
                    scorer = RealtimeScorer(store)
                    scorer.refresh()
                    start = time.perf_counter()
                    scores = {r["claim_id"]: scorer.score(r).score for r in requests}
                    per_request = (time.perf_counter() - start) / len(requests) * 1e3
            positives = [s for c, s in scores.items() if in_ring[c]]
            negatives = [s for c, s in scores.items() if not in_ring[c]]
            print(f"| {args.customers:,} | {difficulty} | {seed} | {len(positives)} / {len(negatives)} | "
                  f"{roc_auc(positives, negatives):.3f} | {per_request:.2f} |", flush=True)


if __name__ == "__main__":
    main()
