"""Serving the app over HTTP: one process (uvicorn), or several workers forked from one parent
(gunicorn's arbiter with uvicorn's worker class).

With ``workers > 1`` the parent builds the app once, as one process would, so bad settings fail
before anything forks; it builds real-time scoring's run index, closes its store connections,
and moves everything alive into the collector's permanent generation (``gc.freeze``). Then it
forks the workers: each opens its own connections to the store and builds its app around the
parent's run index, so the imported modules and the run's scoring data sit once in memory, in
pages the workers share (copy-on-write), and a worker added adds throughput, not a copy.

Each worker still checks the store every two seconds (:mod:`detectors.realtime`): when a new
detection run lands, or a new load, every worker rebuilds its own index and serves the new run.
That index is the worker's own until the server restarts.

The parent also restarts a worker that dies, and on ``SIGTERM`` stops them all gracefully
(gunicorn's arbiter).
"""

from __future__ import annotations

import gc
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from gunicorn.app.base import BaseApplication
from starlette.types import ASGIApp

from api.app import create_app
from api.deps import AppState
from api.jobs import prepare_scoring
from api.settings import Settings
from detectors.realtime import RealtimeScorer
from graph.errors import ConfigError

__all__ = ["check_address", "run_server", "serve"]

_WORKER_CLASS = "uvicorn_worker.UvicornWorker"
_WORKER_TIMEOUT = 120
"""Seconds a worker may go silent before the parent replaces it (a worker reads a new run's
scoring index in a background thread, holding the interpreter for much of it on a large book)."""
_KEEP_ALIVE = 5
"""Seconds an idle keep-alive connection stays open: uvicorn's default, as one process serves
(gunicorn's own default is 2)."""


def check_address(host: str, port: int) -> None:
    """Raise :class:`~graph.errors.ConfigError` when a server could not listen on
    ``host:port`` (an unknown or foreign address, a port in use), before anything says it serves.

    >>> check_address("999.1.1.1", 8000)
    Traceback (most recent call last):
    graph.errors.ConfigError: cannot listen on 999.1.1.1:8000: ...
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
            probe.bind(address)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(app: FastAPI, settings: Settings, host: str, port: int, *, workers: int = 1,
          access_log: bool = True) -> None:
    """Serve ``app`` (built by :func:`~api.app.create_app` from ``settings``) on ``host:port``
    until stopped: in this process, or with ``workers > 1`` in that many forked workers, each
    serving an app built from ``settings`` around ``app``'s run index (``app`` itself is let go
    and its store closed); the facts of later runs' scoring indexes are kept in a temporary
    folder the workers map (:meth:`~detectors.realtime.RealtimeScorer.share`), removed when the
    server stops. Raises ``ValueError`` for ``workers < 1``.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if workers == 1:
        run_server(lambda: app, host, port, workers=1, access_log=access_log)
        return
    prepared = _index_built(app)
    with tempfile.TemporaryDirectory(prefix="ringscope-scoring-") as shared:
        prepared.share(Path(shared))  # later runs' scoring facts: one mapped copy for all workers
        run_server(lambda: create_app(settings, prepared=prepared), host, port, workers=workers,
                   access_log=access_log)


def _index_built(app: FastAPI) -> RealtimeScorer:
    """``app``'s scorer with the run index built, its store closed: no connection crosses the
    fork (SQLite's rule; a server driver's sockets alike), each worker opens its own."""
    state: AppState = app.state.ringscope
    prepare_scoring(state.scorer)
    state.store.close()
    return state.scorer


def run_server(build: Callable[[], ASGIApp], host: str, port: int, *, workers: int,
               access_log: bool = True) -> None:
    """Serve the app ``build()`` makes: in this process with one worker, else in each of
    ``workers`` processes forked from this one after freezing what it holds (``gc.freeze``:
    the workers' collectors never walk it, so they leave its pages shared)."""
    if workers == 1:
        uvicorn.run(build(), host=host, port=port, log_level="info", access_log=access_log)
        return
    gc.collect()
    gc.freeze()
    _Arbiter(build, {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": _WORKER_CLASS,
        "timeout": _WORKER_TIMEOUT,
        "keepalive": _KEEP_ALIVE,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "ringscope",
        "control_socket_disable": True,  # no runtime-management socket: stop it by signal
    }).run()


class _Arbiter(BaseApplication):
    """gunicorn configured from a dict, its app built in each worker after the fork."""

    def __init__(self, build: Callable[[], ASGIApp], options: dict[str, Any]) -> None:
        self._build, self._options = build, options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> ASGIApp:
        return self._build()
