"""``python -m benchmarks``: ingest, look-ups, detection, quality and the scoring API at one scale,
in one run, printed as one table: the figures, the naive baselines measured in the same run, the
ratios, peak memory, the machine (cores, memory) and the date.

    python -m benchmarks                          # quick: 20 000 customers, a few minutes
    python -m benchmarks --customers 100000       # the README's figures
    python -m benchmarks --only ingest,detect     # some parts
    python -m benchmarks quality --seeds 1 2 3    # one script with its own options (NAME --help)

Each part calls one script's functions (``ingest``, ``lookup``, ``detect``, ``quality``,
``api``); every script of the folder also runs by name. Books are generated once per scale and kept under
``build/bench/`` (and the scripts' own caches); ``--json FILE`` also writes every figure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("ingest", "lookup", "detect", "quality", "api")
SCRIPTS = tuple(sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                       if not m.name.startswith("_")))
"""Every script of this folder, by module name."""
COLUMNS = ("benchmark", "what", "RingScope", "baseline, same run", "ratio", "peak memory")

Row = tuple[str, str, str, str, str, str]


def _n(value: float) -> str:
    """A count with thin spaces between thousands, as the README writes them."""
    return f"{value:,.0f}".replace(",", " ")


def _mib(value: float) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def _times(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}× faster" if ours > 0 else "—"


def machine() -> dict[str, Any]:
    """Where and when the figures were taken."""
    model = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip()
                     for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "cpu": model, "memory_gib": psutil.virtual_memory().total / 2**30,
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "load_average": os.getloadavg()[0],
            "commit": commit or "unknown"}


# ---------------------------------------------------------------------------- parts
def ingest_rows(customers: int, seed: int, work: Path) -> tuple[list[Row], dict[str, Any]]:
    from benchmarks import ingest

    r = ingest.measure(customers, seed)
    rows: list[Row] = [
        ("ingest", f"{_n(customers)} customers: {_n(r['rows'])} rows → {_n(r['nodes'])} nodes, "
                   f"{_n(r['relationships'])} relationships, one transaction into SQLite",
         f"**{r['seconds']:.1f} s** ({_n(r['rows'] / r['seconds'])} rows/s)",
         f"floor (CSV parsed with pyarrow, rows written once into SQLite): {r['floor_s']:.1f} s",
         f"{r['seconds'] / r['floor_s']:.1f}× the floor", _mib(r["peak_mb"])),
        ("ingest", f"normalizing {_n(r['phone_cells'])} phone cells",
         f"{r['phones_vectorised_s']:.2f} s (vectorised)",
         f"one at a time with phonenumbers: {r['phones_naive_s']:.2f} s",
         _times(r["phones_vectorised_s"], r["phones_naive_s"]), "—"),
    ]
    return rows, r


def lookup_rows(customers: int, seed: int, work: Path) -> tuple[list[Row], dict[str, Any]]:
    from benchmarks import lookup

    r = lookup.measure(customers)
    near, node = r["neighbourhood"], r["get_node"]
    rows: list[Row] = [
        ("look-up", f"`neighbourhood(depth=1)` of a phone or account ({_n(r['lookups'])} random, "
                    f"{_n(r['relationships'])} relationships)",
         f"p50 {_n(near['p50_us'])} µs, p99 {_n(near['p99_us'])} µs",
         f"the same query as a table scan: {r['naive_mean_ms']:.1f} ms mean",
         f"{r['ratio']:,.0f}× faster (means)".replace(",", " "), "—"),
        ("look-up", "`get_node` (an identifier by key)",
         f"p50 {_n(node['p50_us'])} µs, p99 {_n(node['p99_us'])} µs", "—", "—", "—"),
    ]
    return rows, r


def detect_rows(customers: int, seed: int, work: Path,
                baseline_timeout: float) -> tuple[list[Row], dict[str, Any]]:
    from benchmarks import detect

    r = detect.measure(customers, seed, work, baseline_timeout)
    b = r["baseline"]
    theirs = (f"(b) whole-graph python-louvain: {b['seconds']:.1f} s" if b else
              f"(b) did not finish in {r['baseline_timeout']:.0f} s" if r["baseline_timeout"] > 0
              else "(b) skipped")
    rows: list[Row] = [(
        "detection", f"hard book: {_n(r['claims'])} claims → {r['rings']} ring"
                     f"{'' if r['rings'] == 1 else 's'} ({r['alerted_rings']} alerted)",
        f"**{r['seconds']:.1f} s** (reading the store {r['steps'].get('read', 0):.1f} s)", theirs,
        _times(r["seconds"], b["seconds"]) if b else "—",
        _mib(r["peak_mb"]) + (f"; (b) {_mib(b['peak_mb'])}" if b else ""))]
    return rows, r


def quality_rows(customers: int, seeds: list[int], difficulties: list[str],
                 work: Path) -> tuple[list[Row], Any]:
    from benchmarks import quality
    from detectors.params import DetectionParams

    rows: list[dict[str, Any]] = []
    for book in quality.books([f"generated:{d}" for d in difficulties], work / "quality",
                              customers, seeds):
        rows += quality.measure(book, work / "quality", DetectionParams(), ("a", "b"))[0]
    table = pd.DataFrame(rows, columns=quality.COLUMNS)
    means = table.groupby(["kind", "method"], sort=False).mean(numeric_only=True)

    def value(kind: str, method: str, column: str) -> float:
        return float(means.at[(kind, method), column])  # type: ignore[arg-type]

    def fig(kind: str, method: str) -> str:
        return (f"{value(kind, method, 'claim_f1'):.3f} / {value(kind, method, 'ring_recall'):.3f}"
                f" / {value(kind, method, 'legit_only_alerts'):.3g}")

    out: list[Row] = []
    for difficulty in difficulties:
        kind = f"generated:{difficulty}"
        f1 = value(kind, "ringscope", "claim_f1")
        out.append((
            f"quality, {difficulty}",
            "claim F1 / ring recall / legitimate-only alerts; ROC AUC of held-out requests"
            + (f" (means of seeds {', '.join(map(str, seeds))})" if len(seeds) > 1 else ""),
            f"**{fig(kind, 'ringscope')}**; AUC {value(kind, 'ringscope', 'auc'):.3f}",
            f"(a) {fig(kind, 'baseline_a_shared_ids')}; (b) {fig(kind, 'baseline_b_louvain')}",
            f"F1 {f1 / max(value(kind, 'baseline_a_shared_ids', 'claim_f1'), 1e-9):.1f}× (a), "
            f"{f1 / max(value(kind, 'baseline_b_louvain', 'claim_f1'), 1e-9):.1f}× (b)", "—"))
    return out, json.loads(table.to_json(orient="records"))


def api_rows(customers: int, seed: int, work: Path, repeats: int, seconds: float,
             rate_seconds: float) -> tuple[list[Row], dict[str, Any]]:
    from benchmarks import api

    r = api.measure(customers, seed, workers=2, repeats=repeats, seconds=seconds,
                    rate_seconds=rate_seconds, data=work / "api")
    ours, bare = r["score"], r["baseline"]
    rows: list[Row] = [(
        "scoring API", f"`POST /v1/score`, `serve --workers 2`: throughput ({r['client']}, "
                       f"{seconds:.0f} s); p99 at 200 requests/s ({rate_seconds:.0f} s)"
                       + (f"; medians of {repeats}" if repeats > 1 else ""),
        f"**{_n(ours['throughput']['rps'])} req/s**; p99 {ours['rate']['p99_ms']:.1f} ms",
        f"bare FastAPI endpoint, same body model: {_n(bare['throughput']['rps'])} req/s; "
        f"p99 {bare['rate']['p99_ms']:.1f} ms",
        f"{ours['throughput']['rps'] / bare['throughput']['rps']:.2f}× throughput",
        f"{_mib(ours['peak_memory_mb'])}; bare {_mib(bare['peak_memory_mb'])}")]
    return rows, r


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


# ---------------------------------------------------------------------------- command
def _run_script(name: str, argv: list[str]) -> None:
    """A script's own ``main``, reading its options from the command line as when run alone."""
    module = importlib.import_module(f"benchmarks.{name}")
    sys.argv = [f"python -m benchmarks {name}", *argv]
    module.main()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SCRIPTS:
        _run_script(argv[0], argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000,
                        help="customers in each book (default 20 000: a quick run)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quality-seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--difficulty", nargs="+", default=["hard", "realistic"],
                        choices=["easy", "normal", "hard", "extreme", "realistic"],
                        help="books of the quality part (default: hard realistic)")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts (default: {','.join(PARTS)})")
    parser.add_argument("--baseline-timeout", type=float, default=900.0,
                        help="seconds baseline (b) may take in the detection part")
    parser.add_argument("--api-repeats", type=int, default=1)
    parser.add_argument("--api-seconds", type=float, default=5.0,
                        help="seconds of each throughput run (latency runs take twice as long)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    chosen = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    where = machine()
    parts: dict[str, Callable[[], tuple[list[Row], dict[str, Any]]]] = {
        "ingest": lambda: ingest_rows(args.customers, args.seed, args.work),
        "lookup": lambda: lookup_rows(args.customers, args.seed, args.work),
        "detect": lambda: detect_rows(args.customers, args.seed, args.work, args.baseline_timeout),
        "quality": lambda: quality_rows(args.customers, args.quality_seeds, args.difficulty,
                                        args.work),
        "api": lambda: api_rows(args.customers, args.seed, args.work, args.api_repeats,
                                args.api_seconds, 2 * args.api_seconds),
    }
    rows: list[Row] = []
    figures: dict[str, Any] = {"machine": where, "customers": args.customers}
    for name in PARTS:
        if name in chosen:
            start = time.perf_counter()
            print(f"running {name} …", file=sys.stderr, flush=True)
            found, figures[name] = parts[name]()
            rows += found
            print(f"  {name} took {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(f"RingScope benchmarks, {where['date']}, commit {where['commit']}, "
          f"{_n(args.customers)} customers per book (`python -m benchmarks "
          f"{' '.join(argv)}`)".replace(" `)", "`)"))
    print(f"Machine: {where['cores']} cores ({where['cpu']}), {where['memory_gib']:.0f} GiB memory, "
          f"{where['system']}, Python {where['python']}; load average "
          f"{where['load_average']:.1f} at the start.\n")
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
