"""A real uvicorn server for tests that need real HTTP: concurrent requests, a browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from api.app import create_app
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from tests.test_api_book import KEYS, load_ring_book

__all__ = ["free_port", "serving", "serving_ring_book"]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: ASGIApp, **config: object) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, **{"log_level": "warning", **config}  # type: ignore[arg-type]
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serving_ring_book(folder: Path, server: dict[str, object] | None = None,
                      **settings: object) -> Iterator[str]:
    """The API (keys of ``tests.test_api_book``, plus ``settings``) on a SQLite store in
    ``folder`` holding the ring book, served by uvicorn (``server``: more uvicorn options)."""
    with SQLiteStore(folder / "graph.db") as store:
        load_ring_book(store)
        app = create_app(Settings(RINGSCOPE_API_KEYS=KEYS, **settings), store=store)  # type: ignore[arg-type]
        with serving(app, **(server or {})) as url:
            yield url
