"""An association of insurers: pseudonymizing speed, and ingest + detect of a book split among
three member insurers and pseudonymized against the same book whole and raw, in one run.

Generates a book (cached), splits it among PA, PB and PC (each agent, its policies, surrenders
and complaints at one insurer; a customer at every insurer holding one of their policies), then

* pseudonymizes each member's book (read and validate as ingest does, hash, write): rows/s,
  against writing the validated book without hashing (the naive baseline: what hashing adds);
* ingests the three pseudonymized books into one store and detects, against ingesting and
  detecting the whole raw book (the baseline: what the association's view costs), with the
  claim F1 of both against the truth.

    python benchmarks/association.py
    python benchmarks/association.py --customers 30000 --difficulty hard
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.association import pseudonymizer
from detectors.evaluate import evaluate
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder, read_book
from ingest.contract import CONTRACT
from ingest.pseudonymize import pseudonymize_book
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.split import split_book

CODES = ("PA", "PB", "PC")


def _book(work: Path, customers: int, difficulty: str, seed: int) -> Path:
    folder = work / f"association-{customers}-{difficulty}-{seed}"
    if not (folder / "book" / "truth.csv").exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate_book(folder / "book", BookConfig(customers=customers, seed=seed,
                                                  difficulty=difficulty))
        split_book(folder / "book", folder, list(CODES), seed)
    return folder


def _ingest_and_detect(db: Path, books: list[tuple[Path, str | None]]) -> tuple[float, float]:
    """Seconds to ingest every (folder, insurer code) into a new store, and to detect."""
    db.unlink(missing_ok=True)
    with SQLiteStore(db) as store:
        start = time.perf_counter()
        for folder, code in books:
            ingest_folder(folder, store, insurer=code)
        loaded = time.perf_counter()
        detect(store)
        return loaded - start, time.perf_counter() - loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--difficulty", default="normal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ringscope-bench")
    args = parser.parse_args()
    root = _book(args.work, args.customers, args.difficulty, args.seed)
    key = root / "association.key"
    key.write_text("benchmark-association-key-0123456789abcdef\n", encoding="utf-8")
    hasher = pseudonymizer(key)

    rows = hashing = plain = 0.0
    for code in CODES:
        out, bare = root / "pseudonymized" / code, root / "validated" / code
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(bare, ignore_errors=True)
        bare.mkdir(parents=True)
        start = time.perf_counter()
        book = read_book(root / code, insurer=code)
        report = pseudonymize_book(book, hasher, code, out)
        hashing += time.perf_counter() - start
        rows += sum(report.rows.values())
        start = time.perf_counter()
        book = read_book(root / code, insurer=code)
        for table in CONTRACT:
            book.tables[table].to_csv(bare / f"{table}.csv", index=False)
        plain += time.perf_counter() - start
    print(f"pseudonymize {rows:,.0f} rows of {len(CODES)} members: {hashing:.1f} s "
          f"({rows / hashing:,.0f} rows/s); naive baseline, read + validate + write without "
          f"hashing: {plain:.1f} s ({rows / plain:,.0f} rows/s)")

    whole = _ingest_and_detect(root / "whole.db", [(root / "book", None)])
    members = _ingest_and_detect(root / "association.db",
                                 [(root / "pseudonymized" / code, code) for code in CODES])
    with SQLiteStore(root / "whole.db") as store:
        whole_f1 = evaluate(store, root / "book" / "truth.csv", baselines=()).rows()[0]["claim_f1"]
    with SQLiteStore(root / "association.db") as store:
        members_f1 = evaluate(store, root / "truth.csv", baselines=()).rows()[0]["claim_f1"]
    print("| book | ingest | detect | ingest + detect | claim F1 |")
    print("|---|---|---|---|---|")
    for name, (ingest, detection), f1 in (
            (f"whole, raw ({args.customers:,} customers)", whole, whole_f1),
            (f"{len(CODES)} members, pseudonymized", members, members_f1)):
        print(f"| {name} | {ingest:.1f} s | {detection:.1f} s | {ingest + detection:.1f} s | {f1:.3f} |")
    print(f"association ÷ whole: {sum(members) / sum(whole):.2f}")


if __name__ == "__main__":
    main()
