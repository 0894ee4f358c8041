"""Throttling of clients that present wrong API keys.

Each server process counts, per client address, the unknown keys presented in the last
:data:`WINDOW_SECONDS`. A client that reaches the limit is answered 429 with ``Retry-After``,
without its key being looked at, until its oldest failure in the window is older than the
window: guessing a key costs a minute per ``limit`` guesses. A correct key does not reset the
count (a holder of one key could otherwise guess another between his own requests).

The client is the address the app sees: behind a reverse proxy, let uvicorn take it from
``X-Forwarded-For`` (``FORWARDED_ALLOW_IPS``), or every client counts as the proxy.

>>> now = [0.0]
>>> window = FailureWindow(limit=2, clock=lambda: now[0])
>>> window.record("10.0.0.1"); window.blocked_for("10.0.0.1")
0
>>> window.record("10.0.0.1"); window.blocked_for("10.0.0.1"), window.blocked_for("10.0.0.2")
(60, 0)
>>> now[0] = 59.5; window.blocked_for("10.0.0.1")
1
>>> now[0] = 60.0; window.blocked_for("10.0.0.1")
0
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from starlette.requests import HTTPConnection

__all__ = ["WINDOW_SECONDS", "FailureWindow", "client_of"]

WINDOW_SECONDS = 60.0
_MAX_CLIENTS = 10_000


def client_of(connection: HTTPConnection) -> str:
    """The client address of a request (as the server resolved it)."""
    return connection.client.host if connection.client else "unknown"


class FailureWindow:
    """Failed attempts per client over a sliding window; at most ``max_clients`` clients are
    remembered (the least recently failing are forgotten first). Thread-safe."""

    def __init__(self, limit: int, window_seconds: float = WINDOW_SECONDS,
                 max_clients: int = _MAX_CLIENTS, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit, self.window, self.max_clients, self._clock = limit, window_seconds, max_clients, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def blocked_for(self, client: str) -> int:
        """Whole seconds until ``client`` may present a key again; 0 when it may now."""
        with self._lock:
            times = self._failures.get(client)
            if not times:
                return 0
            now = self._clock()
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[0] + self.window - now))

    def record(self, client: str) -> None:
        """Count one wrong key presented by ``client``."""
        with self._lock:
            times = self._failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(self._clock())
            self._failures[client] = times
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
