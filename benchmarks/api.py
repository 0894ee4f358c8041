"""Benchmark of ``POST /v1/score`` served by ``ringscope serve --workers N`` on the embedded store.

Builds (once, then reuses) a generated book of ``--customers`` customers with a share of its
surrender requests held out, ingests and detects the rest. Then, for each worker count of
``--workers`` (default 1, then 2), starts two servers in subprocesses, no access log: the real
app (``ringscope serve --workers N``: one uvicorn process, or N workers forked from a parent),
and a naive baseline served by the same code (:func:`api.server.run_server`) -- a bare FastAPI
endpoint taking the same ``ScoreRequest`` body model and answering a constant -- so that figures
on a noisy shared machine can be read as ratios. Both are driven from separate processes, only
on 127.0.0.1, with bounded durations and the held-out requests (varying bodies) as payloads:

(a) throughput: ``wrk`` (one thread, 50 keep-alive connections, ``--seconds``) with a Lua script
    cycling through the bodies; without ``wrk`` on the PATH a Python asyncio client stands in
    (slower, so it understates the server);
(b) latency: a fixed offered rate (200 requests/s for 30 s) from an open-loop raw-socket client
    (uvloop): each request has a scheduled send time and its latency is measured from that
    time, so a stalled server is not hidden by a client that waits (coordinated omission).

Each measurement is repeated ``--repeats`` times, interleaving baseline and app; the medians
are reported, with the server's peak memory (sum of VmHWM over its processes: pages the
workers share are counted in each) and its memory at the end, after the load, with pages the
processes share counted once (sum of their PSS); then the memory of N workers over that of the
first count.

Before the servers start, the scorer alone (``RealtimeScorer.score`` over the same requests in
the benchmark's own process, no HTTP) is timed too: its cost without the server's.

    python -m benchmarks api [--customers 100000] [--workers 1,2] [--repeats 3] [--data DIR] [--scorer-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

# Run as a script, this folder comes first on sys.path and its ingest.py would shadow the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

KEY = "bench-risk-key-0001"
_HELD_OUT = 3_000
"""Requests held out as the load's bodies (a fifth of the book's at most)."""
DATA = _HERE.parent / "data" / "bench-api"

from api.schemas import ScoreRequest  # noqa: E402  (after the sys.path fix above)


def prepare(data: Path, customers: int, seed: int) -> Path:
    """The store path; generates, holds out, ingests and detects on first use."""
    store_path = data / f"store-{customers}-{seed}.db"
    requests_path = data / f"requests-{customers}-{seed}.json"
    if store_path.exists() and requests_path.exists():
        return store_path
    import pandas as pd

    from detectors.params import DetectionParams
    from detectors.pipeline import detect
    from graph.sqlite_store import SQLiteStore
    from ingest import ingest_folder
    from ingest.synthetic import BookConfig, generate_book

    folder = data / f"book-{customers}-{seed}"
    started = time.perf_counter()
    generate_book(folder, BookConfig(customers=customers, seed=seed, difficulty="normal"))
    surrenders = pd.read_csv(folder / "surrenders.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    held = set(random.Random(seed).sample(sorted(surrenders["claim_id"]),
                                          k=min(_HELD_OUT, len(surrenders) // 5)))
    surrenders[~surrenders["claim_id"].isin(held)].to_csv(folder / "surrenders.csv", index=False)
    truth[~truth["claim_id"].isin(held)].to_csv(folder / "truth.csv", index=False)
    rows = [{k: v for k, v in row.items() if v != ""}
            for row in surrenders[surrenders["claim_id"].isin(held)].to_dict("records")]
    requests_path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    store_path.unlink(missing_ok=True)
    with SQLiteStore(store_path) as store:
        ingest_folder(folder, store)
        detect(store, DetectionParams(seed=seed))
    print(f"prepared {customers} customers in {time.perf_counter() - started:.0f} s")
    return store_path


# ---------------------------------------------------------------------------- baseline app
def baseline_app() -> Any:
    """A bare FastAPI endpoint with the same body model, answering a constant."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/v1/score")
    async def score(body: ScoreRequest) -> dict[str, Any]:
        return {"claim_id": body.claim_id, "score": 0.0, "level": "low", "ring_id": None,
                "reasons": []}

    return app


# ---------------------------------------------------------------------------- load generators
def _encode(rows: list[dict[str, str]], port: int) -> list[bytes]:
    out = []
    for row in rows:
        body = orjson.dumps(row)
        out.append(
            b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-API-Key: %s\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (port, KEY.encode(), len(body), body)
        )
    return out


_WRK_SCRIPT = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "%(key)s"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, "/v1/score", nil, bodies[i])
end
"""


def _wrk(port: int, work: Path, seconds: float, clients: int) -> dict[str, float]:
    """Closed-loop throughput with wrk (one thread: the cores are the server's)."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "--latency",
         "-s", str(work / "score.lua"), f"http://127.0.0.1:{port}/v1/score"],
        check=True, capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    failed = re.search(r"Socket errors:.*?read (\d+), write (\d+), timeout (\d+)", out)
    if total is None or rps is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    errors = int(bad.group(1)) if bad else 0
    if failed:
        errors += sum(int(g) for g in failed.groups())
    return {"requests": int(total.group(1)), "rps": float(rps.group(1)), "errors": errors}


async def _python_throughput(port: int, payloads: list[bytes], seconds: float,
                             clients: int) -> dict[str, float]:
    """Closed-loop throughput from asyncio clients (used when wrk is not installed)."""
    done = errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            writer.write(payloads[done % len(payloads)])
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(_content_length(head))
            done += 1
            errors += head[9:12] != b"200"
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return {"requests": done, "rps": done / (time.perf_counter() - started), "errors": errors}


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    return 0


class _Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, resolve a future with the HTTP status when
    the whole answer is in (0 when the connection was lost)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport

    def send(self, request: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end + 4])
        size = end + 4 + _content_length(head)
        if len(self.buffer) >= size:
            del self.buffer[:size]
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(int(head[9:12]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(0)


async def _fixed_rate(port: int, payloads: list[bytes], rate: float, seconds: float,
                      connections: int) -> dict[str, float]:
    """Open loop: request i is due at start + i / rate; its latency runs from then."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        _, conn = await loop.create_connection(_Connection, "127.0.0.1", port)
        idle.put_nowait(conn)
    latencies: list[float] = []
    errors = 0

    async def one(i: int, due: float) -> None:
        nonlocal errors
        conn = await idle.get()
        status = await conn.send(payloads[i % len(payloads)])
        latencies.append(clock() - due)
        errors += status != 200
        if status:
            idle.put_nowait(conn)

    total = int(rate * seconds)
    clock = time.perf_counter  # uvloop's loop.time() ticks in whole milliseconds
    start = clock() + 0.1
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    latencies.sort()
    return {"requests": total, "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[max(int(len(latencies) * 0.99) - 1, 0)],
            "max_ms": 1000 * latencies[-1], "mean_ms": 1000 * statistics.fmean(latencies),
            "errors": errors}


def drive(port: int, requests_path: Path, mode: str, seconds: float) -> None:
    """A load generator in its own process (uvloop); prints one JSON line of figures."""
    import uvloop

    rows = json.loads(requests_path.read_text(encoding="utf-8"))
    payloads = _encode(rows, port)
    if mode == "rate":
        figures = uvloop.run(_fixed_rate(port, payloads, 200.0, seconds, 50))
    else:
        figures = uvloop.run(_python_throughput(port, payloads, seconds, 50))
    print(json.dumps(figures))


# ---------------------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, timeout: float = 180.0) -> None:
    import httpx
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not become ready")


class _Server:
    """A server in a subprocess: ``ringscope serve --workers N`` for the app, or the same
    serving code (:func:`api.server.run_server`) for the baseline; no access log."""

    def __init__(self, name: str, workers: int, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        if name == "score":
            command = [str(Path(sys.executable).parent / "ringscope"), "serve",
                       "--workers", str(workers), "--port", str(self.port), "--no-access-log"]
        else:
            command = [sys.executable, __file__, "--serve-baseline", str(self.port),
                       "--workers", str(workers)]
        with log.open("w") as out:
            self.process = subprocess.Popen(command, env={**os.environ, **env}, cwd=_HERE.parent,
                                            stdout=out, stderr=subprocess.STDOUT)

    def peak_memory_mb(self) -> float:
        """Peak resident memory of the server's processes together (the sum of their VmHWM)."""
        import psutil

        total = 0
        root = psutil.Process(self.process.pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmHWM:\s*(\d+) kB", status)
            total += int(found.group(1)) if found else 0
        return total / 1024

    def shared_memory_mb(self) -> float:
        """Memory of the server's processes together now, pages shared between them counted once
        (the sum of their proportional set sizes, ``Pss``)."""
        import psutil

        total = 0
        root = psutil.Process(self.process.pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                rollup = Path(f"/proc/{proc.pid}/smaps_rollup").read_text()
            except OSError:
                continue
            found = re.search(r"^Pss:\s*(\d+) kB", rollup, re.M)
            total += int(found.group(1)) if found else 0
        return total / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _drive_process(port: int, args: argparse.Namespace, mode: str, seconds: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--drive", str(port), "--mode", mode, "--seconds", str(seconds),
         "--customers", str(args.customers), "--seed", str(args.seed), "--data", str(args.data)],
        capture_output=True, text=True, timeout=seconds + 120,
    )
    if out.returncode:
        raise RuntimeError(f"the load generator failed:\n{out.stderr}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _throughput(port: int, args: argparse.Namespace, work: Path, seconds: float) -> dict[str, float]:
    if shutil.which("wrk"):
        return _wrk(port, work, seconds, 50)
    return _drive_process(port, args, "throughput", seconds)


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def measure(customers: int = 100_000, seed: int = 5, workers: int = 2, repeats: int = 3,
            seconds: float = 10.0, rate_seconds: float = 30.0, data: Path = DATA) -> dict[str, Any]:
    """``POST /v1/score`` and the bare baseline endpoint, each served with ``workers``.

    Returns, for ``score`` and ``baseline``: ``throughput`` (median over ``repeats`` of
    ``rps``, ``requests``, ``errors``), ``rate`` (median latencies at 200 requests/s:
    ``p50_ms``, ``p99_ms``, ``max_ms``, ``mean_ms``, ``errors``), ``peak_memory_mb`` (MiB, all
    the server's processes), ``all_rps`` and ``all_p99_ms`` (every repeat); and ``client``.
    """
    args = argparse.Namespace(customers=customers, seed=seed, workers=workers, repeats=repeats,
                              seconds=seconds, rate_seconds=rate_seconds, data=data)
    requests_path = args.data / f"requests-{args.customers}-{args.seed}.json"
    args.data.mkdir(parents=True, exist_ok=True)
    store_path = prepare(args.data, args.customers, args.seed)
    work = args.data / "load"
    work.mkdir(exist_ok=True)
    rows = json.loads(requests_path.read_text(encoding="utf-8"))
    (work / "bodies.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    (work / "score.lua").write_text(_WRK_SCRIPT % {"bodies": (work / "bodies.jsonl").resolve(),
                                                   "key": KEY})
    env = {"RINGSCOPE_STORE": f"sqlite:///{store_path.resolve()}",
           "RINGSCOPE_API_KEYS": f"{KEY}:risk_system"}
    servers = {name: _Server(name, args.workers, env, work / f"server-{name}-{args.workers}.log")
               for name in ("baseline", "score")}
    results: dict[str, dict[str, list[dict[str, float]]]] = {
        name: {"throughput": [], "rate": []} for name in servers}
    try:
        for server in servers.values():
            _wait_ready(server.port)
            _throughput(server.port, args, work, 3)  # warm-up: caches, per-run context
        for _ in range(args.repeats):
            for name, server in servers.items():
                results[name]["throughput"].append(_throughput(server.port, args, work, args.seconds))
            for name, server in servers.items():
                results[name]["rate"].append(
                    _drive_process(server.port, args, "rate", args.rate_seconds))
        memory = {name: server.peak_memory_mb() for name, server in servers.items()}
        shared = {name: server.shared_memory_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    figures: dict[str, Any] = {
        name: {"throughput": _median(r["throughput"]), "rate": _median(r["rate"]),
               "peak_memory_mb": memory[name], "pss_mb": shared[name],
               "all_rps": [t["rps"] for t in r["throughput"]],
               "all_p99_ms": [t["p99_ms"] for t in r["rate"]]}
        for name, r in results.items()}
    figures["client"] = "wrk -t1 -c50" if shutil.which("wrk") else "python asyncio, 50 clients"
    return figures


def scorer_alone(customers: int = 100_000, seed: int = 5, passes: int = 7,
                 data: Path = DATA) -> dict[str, Any]:
    """``RealtimeScorer.score`` over the held-out requests in this process, without HTTP: the
    scorer's own cost, far less noisy than a server's. ``passes`` passes over the requests
    (after one to warm up); returns ``requests``, ``rps`` (median pass), ``all_rps``, and the
    scoring index's ``build_s`` (seconds to read it from the store), ``index_mb`` (memory it
    holds, traced while a second scorer builds it) and ``facts_mb`` (its packed facts)."""
    from detectors.realtime import RealtimeScorer
    from graph.sqlite_store import SQLiteStore

    store_path = prepare(data, customers, seed)
    rows = json.loads((data / f"requests-{customers}-{seed}.json").read_text(encoding="utf-8"))
    with SQLiteStore(store_path) as store:
        traced = RealtimeScorer(store)
        tracemalloc.start()
        facts_bytes = traced.refresh().facts.nbytes
        index_bytes = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del traced  # freed before the timed build and the passes
        scorer = RealtimeScorer(store)
        started = time.perf_counter()
        scorer.refresh()
        build = time.perf_counter() - started
        rates = []
        for _ in range(passes + 1):
            started = time.perf_counter()
            for row in rows:
                scorer.score(row)
            rates.append(len(rows) / (time.perf_counter() - started))
    return {"requests": len(rows), "rps": statistics.median(rates[1:]), "all_rps": rates[1:],
            "build_s": build, "index_mb": index_bytes / 1e6, "facts_mb": facts_bytes / 1e6}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", default="1,2",
                        help="worker counts to serve with, one after the other (memory is "
                        "compared with the first)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each throughput run")
    parser.add_argument("--rate-seconds", type=float, default=30.0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--scorer-only", action="store_true",
                        help="only time the scorer in this process, without HTTP")
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="rate", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_baseline:
        from api.server import run_server

        run_server(baseline_app, "127.0.0.1", args.serve_baseline, workers=int(args.workers),
                   access_log=False)
        return
    if args.drive:
        drive(args.drive, args.data / f"requests-{args.customers}-{args.seed}.json", args.mode,
              args.seconds)
        return
    alone = scorer_alone(args.customers, args.seed, data=args.data)
    print(f"scorer alone, in this process: {alone['rps']:.0f} requests/s "
          f"({1000 / alone['rps']:.2f} ms per request; median of {len(alone['all_rps'])} passes over "
          f"{alone['requests']} held-out requests: " + " ".join(f"{x:.0f}" for x in alone["all_rps"]) + ")")
    grow = 1_000_000 / args.customers
    print(f"scoring index: read in {alone['build_s']:.1f} s, holds {alone['index_mb']:.0f} MB "
          f"(packed facts {alone['facts_mb']:.0f} MB) at {args.customers} customers; it grows with the "
          f"book, so about {alone['build_s'] * grow:.0f} s and {alone['index_mb'] * grow:.0f} MB "
          f"(facts {alone['facts_mb'] * grow:.0f} MB) at 1 000 000 customers, extrapolated linearly")
    if args.scorer_only:
        return
    counts = _worker_counts(args.workers)
    print(f"customers {args.customers}, cores {os.cpu_count()}, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f", medians of {args.repeats} runs; "
          f"throughput for {args.seconds:.0f} s; latency open loop at 200 req/s for "
          f"{args.rate_seconds:.0f} s; `ringscope serve --workers N` and the bare endpoint "
          "served the same way")
    print(f"{'':9} {'workers':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'errors':>7} {'peak MB':>8} {'PSS MB':>7}  runs req/s | p99 ms")
    by_count = {}
    for count in counts:
        figures = by_count[count] = measure(args.customers, args.seed, count, args.repeats,
                                            args.seconds, args.rate_seconds, args.data)
        for name in ("baseline", "score"):
            f = figures[name]
            t, b = f["throughput"], f["rate"]
            print(f"{name:9} {count:7d} {t['rps']:7.0f} {b['p50_ms']:7.1f} {b['p99_ms']:7.1f} "
                  f"{b['max_ms']:7.1f} {t['errors'] + b['errors']:7.0f} "
                  f"{f['peak_memory_mb']:8.0f} {f['pss_mb']:7.0f}  "
                  + " ".join(f"{x:.0f}" for x in f["all_rps"]) + " | "
                  + " ".join(f"{x:.1f}" for x in f["all_p99_ms"]))
        ratio = figures["score"]["throughput"]["rps"] / figures["baseline"]["throughput"]["rps"]
        print(f"{'':9} {count:7d} score / baseline throughput: {ratio:.2f}  "
              f"(client {figures['client']}; load average {os.getloadavg()[0]:.2f})")
    for count in counts[1:]:
        for name in ("score", "baseline"):
            more, one = by_count[count][name], by_count[counts[0]][name]
            print(f"memory of {name}, {count} workers / {counts[0]}: "
                  f"{more['pss_mb'] / one['pss_mb']:.2f}x counting shared pages once "
                  f"({more['pss_mb']:.0f} / {one['pss_mb']:.0f} MB), "
                  f"{more['peak_memory_mb'] / one['peak_memory_mb']:.2f}x peak "
                  f"({more['peak_memory_mb']:.0f} / {one['peak_memory_mb']:.0f} MB)")
    if args.json:
        print(json.dumps({"workers": by_count, "scorer_alone": alone}))


def _worker_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",")]
    if not counts or min(counts) < 1:
        raise SystemExit(f"--workers takes worker counts of at least 1, like 1,2; not {text!r}")
    return counts

if __name__ == "__main__":
    main()
