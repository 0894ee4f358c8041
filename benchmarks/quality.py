"""Detection and real-time scoring quality on every kind of book, with both baselines, in one run.

Books: the project's own generator at each difficulty (``generated:normal`` … ``generated:realistic``),
the adversarial book written from ``../shared/domain.md`` alone (``adversarial``), and books
written outside the project (``outside:FOLDER``; every folder under ``../shared/outside-books``
by default, when present). Each book is generated (cached in the work folder), a share of its
surrender requests is held out (outside and adversarial books bring their own ``holdout.jsonl``),
the rest is ingested into its own SQLite store, detection runs, and detection and the baselines
are scored against the truth; then the held-out requests are scored one by one as a risk system
sends them to ``POST /v1/score`` and ROC AUC is computed overall and among abnormal requests
(complaint reason or full-refund demand), the only ones a risk system needs help with.

Printed: one row per book and method (claim precision / recall / F1, average precision, ring
recall, purity, alerted and legitimate-only alerts, AUC), the mean per kind of book, and a
calibration table: of the groups detection scored in each band, how many were real rings.

    python benchmarks/quality.py                                   # all kinds, seeds 1-3, 30 000 customers
    python benchmarks/quality.py --books generated:realistic adversarial --seeds 4 5 6
    python benchmarks/quality.py --books outside:../shared/outside-books/ob-101 --no-baseline-b
    python benchmarks/quality.py --set resolution=0.4 --markdown
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
# the script folder holds benchmarks named like packages (ingest.py): look in the repository first
sys.path.insert(0, str(ROOT))

from benchmarks.adversarial_book import write_book  # noqa: E402
from detectors.book import demands_full_refund, is_complaint_reason  # noqa: E402
from detectors.evaluate import evaluate, read_truth  # noqa: E402
from detectors.holdout import hold_out, roc_auc  # noqa: E402
from detectors.params import DetectionParams  # noqa: E402
from detectors.pipeline import detect  # noqa: E402
from detectors.realtime import RealtimeScorer  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402
from ingest.pipeline import ingest_folder  # noqa: E402
from ingest.synthetic import BookConfig, generate_book  # noqa: E402

COLUMNS = ["kind", "book", "method", "claim_precision", "claim_recall", "claim_f1", "average_precision",
           "ring_recall", "ring_purity", "alerted_rings", "legit_only_alerts", "auc", "auc_abnormal"]
DIFFICULTIES = ("normal", "hard", "extreme", "realistic")
OUTSIDE = ROOT.parent / "shared" / "outside-books"
BANDS = ((0.0, 0.3), (0.3, 0.5), (0.5, 0.75), (0.75, 0.9), (0.9, 1.01))


@dataclasses.dataclass
class Book:
    """One book of the run: its kind, a name, the folder detection reads, and the held-out requests."""

    kind: str
    name: str
    folder: Path
    requests: list[dict[str, object]]
    labels: dict[str, bool]


def generated(work: Path, difficulty: str, customers: int, seed: int) -> Book:
    """A book of the project's generator with a tenth of its requests held out."""
    folder = work / f"generated-{difficulty}-{customers}-{seed}"
    held = folder / "held-out.jsonl"
    if not held.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate_book(folder, BookConfig(customers=customers, seed=seed, difficulty=difficulty))  # type: ignore[arg-type]
        requests, labels = hold_out(folder, share=0.1, seed=seed)
        held.write_text("".join(json.dumps({"label": int(labels[r["claim_id"]]), "request": r}, ensure_ascii=False)
                                + "\n" for r in requests), encoding="utf-8")
    return _with_holdout(f"generated:{difficulty}", f"{difficulty} {seed}", folder, held)


def adversarial(work: Path, customers: int, seed: int) -> Book:
    folder = work / f"adversarial-{customers}-{seed}"
    if not (folder / "holdout.jsonl").exists():
        write_book(folder, customers=customers, seed=seed)
    return _with_holdout("adversarial", f"adversarial {seed}", folder, folder / "holdout.jsonl")


def outside(folder: Path) -> Book:
    return _with_holdout("outside", folder.name, folder, folder / "holdout.jsonl")


def _with_holdout(kind: str, name: str, folder: Path, held: Path) -> Book:
    requests, labels = [], {}
    if held.exists():
        for line in held.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            requests.append(row["request"])
            labels[str(row["request"]["claim_id"])] = bool(row["label"])
    return Book(kind, name, folder, requests, labels)


def abnormal(request: dict[str, object]) -> bool:
    """A complaint reason or a full-refund demand: the requests a risk system needs help with."""
    return is_complaint_reason(request.get("reason_code")) or demands_full_refund(
        request.get("refund_type"), request.get("cash_value"), request.get("requested_amount"))


def measure(book: Book, work: Path, params: DetectionParams, baselines: tuple[str, ...]
            ) -> tuple[list[dict[str, object]], list[tuple[float, bool]]]:
    """Rows of the table for one book, and (score, real?) for every group detection formed."""
    db = work / "stores" / f"{book.name.replace(' ', '-')}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    truth = read_truth(book.folder / "truth.csv")
    with SQLiteStore(db) as store:
        ingest_folder(book.folder, store)
        detect(store, params)
        result = evaluate(store, truth, params, baselines=baselines)
        scorer = RealtimeScorer(store)
        scores = {str(r["claim_id"]): scorer.score(r).score for r in book.requests}
        ring_of = {c: r for c, r in zip(truth["claim_id"], truth["ring_id"], strict=True) if isinstance(r, str)}
        groups = [(r.score, _real(r.claim_ids, ring_of)) for r in store.rings()]
    auc = _auc(scores, book.labels, book.requests)
    rows = []
    for m in result.rows():
        ours = m["method"] == "ringscope"
        rows.append({"kind": book.kind, "book": book.name, **m,
                     "auc": auc[0] if ours else float("nan"), "auc_abnormal": auc[1] if ours else float("nan")})
    return rows, groups


def _real(claims: tuple[str, ...], ring_of: dict[str, str]) -> bool:
    """A group is a real ring when most of its claims belong to one true ring."""
    top = Counter(ring_of.get(c) for c in claims if c in ring_of).most_common(1)
    return bool(top) and top[0][1] * 2 > len(claims)


def _auc(scores: dict[str, float], labels: dict[str, bool], requests: list[dict[str, object]]) -> tuple[float, float]:
    out = []
    for subset in (requests, [r for r in requests if abnormal(r)]):
        pos = [scores[str(r["claim_id"])] for r in subset if labels[str(r["claim_id"])]]
        neg = [scores[str(r["claim_id"])] for r in subset if not labels[str(r["claim_id"])]]
        out.append(roc_auc(pos, neg) if pos and neg else float("nan"))
    return out[0], out[1]


def calibration(groups: list[tuple[float, bool]]) -> pd.DataFrame:
    """Per score band: groups scored in it and the share that were real rings."""
    rows = []
    for lo, hi in BANDS:
        inside = [real for score, real in groups if lo <= score < hi]
        rows.append({"score band": f"[{lo:.2f}, {min(hi, 1.0):.2f}{']' if hi > 1 else ')'}",
                     "groups": len(inside), "real rings": sum(inside),
                     "share real": round(sum(inside) / len(inside), 3) if inside else float("nan")})
    return pd.DataFrame(rows)


def books(specs: list[str], work: Path, customers: int, seeds: list[int]) -> list[Book]:
    out = []
    for spec in specs:
        kind, _, arg = spec.partition(":")
        if kind == "generated":
            out += [generated(work, arg, customers, s) for s in seeds]
        elif kind == "adversarial":
            out += [adversarial(work, customers, s) for s in seeds]
        elif kind == "outside":
            out.append(outside(Path(arg)))
        else:
            raise SystemExit(f"unknown book {spec!r}: use generated:DIFFICULTY, adversarial or outside:FOLDER")
    return out


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    default_books = [f"generated:{d}" for d in DIFFICULTIES] + ["adversarial"]
    default_books += [f"outside:{p}" for p in sorted(OUTSIDE.glob("*")) if (p / "truth.csv").exists()]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", nargs="+", default=default_books,
                        help="generated:DIFFICULTY, adversarial, outside:FOLDER (default: all kinds)")
    parser.add_argument("--customers", type=int, default=30_000, help="customers per generated book")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ringscope-quality")
    parser.add_argument("--no-baseline-b", action="store_true", help="skip whole-graph Louvain (slow)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a DetectionParams field")
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    params = dataclasses.replace(DetectionParams(), **{k: _value(v) for k, v in overrides.items()})
    baselines = ("a",) if args.no_baseline_b else ("a", "b")
    rows: list[dict[str, object]] = []
    groups: list[tuple[float, bool]] = []
    for book in books(args.books, args.work, args.customers, args.seeds):
        start = time.perf_counter()
        book_rows, book_groups = measure(book, args.work, params, baselines)
        rows += book_rows
        groups += book_groups
        ours = next(r for r in book_rows if r["method"] == "ringscope")
        print(f"{book.name}: F1 {ours['claim_f1']:.3f}, ring recall {ours['ring_recall']:.3f}, "
              f"legitimate-only alerts {ours['legit_only_alerts']}, AUC {ours['auc']:.3f} / abnormal "
              f"{ours['auc_abnormal']:.3f} ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows, columns=COLUMNS)
    means = table.groupby(["kind", "method"], sort=False).mean(numeric_only=True).reset_index()
    means["book"] = "mean"
    full = pd.concat([table, means[COLUMNS]], ignore_index=True)
    cal = calibration(groups)
    print(f"params: {params.as_dict()}")
    print(markdown(full) if args.markdown else full.to_string(index=False))
    print("\ncalibration (every group detection formed, all books):")
    print(markdown(cal) if args.markdown else cal.to_string(index=False))
    return full


def markdown(table: pd.DataFrame) -> str:
    """A markdown table (numbers to three decimals)."""
    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if value != value else f"{value:.3f}"
        return str(value)
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
