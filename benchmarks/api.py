"""Benchmark of ``POST /v1/score`` served by uvicorn on the embedded store.

Builds (once, then reuses) a generated book of ``--customers`` customers with a share of its
surrender requests held out, ingests and detects the rest, starts the server in a subprocess
and drives it from a separate process over keep-alive HTTP/1.1 connections:

(a) throughput: ``--requests`` requests from 50 concurrent clients, as fast as they go;
(b) latency: a fixed offered rate (200 requests/s for 30 s), open loop, latency measured from
    each request's scheduled send time, p50 / p99.

    python benchmarks/api.py [--customers 100000] [--workers 2] [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pandas as pd

# Run as a script, this folder comes first on sys.path and its ingest.py would shadow the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

KEY = "bench-risk-key-0001"
_HELD_OUT = 3_000


def prepare(data: Path, customers: int, seed: int) -> Path:
    """The store path; generates, holds out, ingests and detects on first use."""
    store_path = data / f"book-{customers}-{seed}.db"
    requests_path = data / f"requests-{customers}-{seed}.json"
    if store_path.exists() and requests_path.exists():
        return store_path
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
    held = set(random.Random(seed).sample(sorted(surrenders["claim_id"]), k=_HELD_OUT))
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


# ---------------------------------------------------------------------------- load generator
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


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _throughput(port: int, payloads: list[bytes], total: int, clients: int) -> dict[str, float]:
    counter = iter(range(total))
    errors = 0

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in counter:
            if await _exchange(reader, writer, payloads[i % len(payloads)]) != 200:
                errors += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"requests": total, "seconds": seconds, "rps": total / seconds, "errors": errors}


async def _fixed_rate(port: int, payloads: list[bytes], rate: float, seconds: float,
                      connections: int) -> dict[str, float]:
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()

    async def one(i: int, due: float) -> None:
        nonlocal errors
        conn = await pool.get()
        try:
            if await _exchange(*conn, payloads[i % len(payloads)]) != 200:
                errors += 1
        finally:
            pool.put_nowait(conn)
        latencies.append(loop.time() - due)

    start = loop.time() + 0.1
    total = int(rate * seconds)
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    latencies.sort()
    return {"requests": total, "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
            "max_ms": 1000 * latencies[-1], "mean_ms": 1000 * statistics.fmean(latencies),
            "errors": errors}


def drive(port: int, requests_path: Path, total: int) -> None:
    """The load generator (runs in its own process); prints one JSON line of figures."""
    rows = json.loads(requests_path.read_text(encoding="utf-8"))
    payloads = _encode(rows, port)
    asyncio.run(_throughput(port, payloads, 2_000, 50))  # warm-up
    figures = {
        "throughput_50_clients": asyncio.run(_throughput(port, payloads, total, 50)),
        "fixed_rate_200_rps_30_s": asyncio.run(_fixed_rate(port, payloads, 200.0, 30.0, 50)),
    }
    print(json.dumps(figures))


# ---------------------------------------------------------------------------- server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, timeout: float = 120.0) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--data", type=Path, default=Path("data/bench-api"))
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    requests_path = args.data / f"requests-{args.customers}-{args.seed}.json"
    if args.drive:
        drive(args.drive, requests_path, args.requests)
        return
    args.data.mkdir(parents=True, exist_ok=True)
    store_path = prepare(args.data, args.customers, args.seed)
    port = _free_port()
    env = {**os.environ, "RINGSCOPE_STORE": f"sqlite:///{store_path.resolve()}",
           "RINGSCOPE_API_KEYS": f"{KEY}:risk_system"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.app:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
         "--no-access-log", "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"],
        env=env,
    )
    try:
        _wait_ready(port)
        out = subprocess.run(
            [sys.executable, __file__, "--drive", str(port), "--requests", str(args.requests),
             "--customers", str(args.customers), "--seed", str(args.seed), "--data", str(args.data)],
            check=True, capture_output=True, text=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(30)
    a, b = figures["throughput_50_clients"], figures["fixed_rate_200_rps_30_s"]
    print(f"customers {args.customers}, uvicorn workers {args.workers}, cores {os.cpu_count()}")
    print(f"(a) 50 clients: {a['requests']} requests in {a['seconds']:.1f} s = {a['rps']:.0f} req/s "
          f"({a['errors']} errors)")
    print(f"(b) 200 req/s for 30 s: p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms, "
          f"max {b['max_ms']:.1f} ms ({b['errors']} errors)")


if __name__ == "__main__":
    main()
