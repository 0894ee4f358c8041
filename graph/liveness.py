"""Whether the process running a detection run still lives.

A run records its owner: host name, process id and the process's start time. On the same host
the owner's life can be checked for sure (psutil: is there a process with that id *and* that
start time; ids are reused). From another host it cannot, so the owner also writes a heartbeat
every :data:`HEARTBEAT_SECONDS`, and a run whose last heartbeat is older than
:data:`STALE_AFTER` is taken as abandoned. A run recorded without an owner (by an older
version) counts from its start.

>>> from datetime import UTC
>>> me = this_process()
>>> abandoned_because(me, "2024-01-01T00:00:00+00:00", datetime.now(UTC)) is None
True
>>> gone = {**me, "started": me["started"] - 1.0}  # the same pid, an earlier process
>>> abandoned_because(gone, None, datetime.now(UTC)).startswith("abandoned: the process")
True
>>> elsewhere = {"host": "elsewhere", "pid": 1, "started": 0.0}
>>> abandoned_because(elsewhere, "2024-01-01T00:00:00+00:00", datetime(2024, 1, 1, 0, 4, tzinfo=UTC))
>>> abandoned_because(elsewhere, "2024-01-01T00:00:00+00:00", datetime(2024, 1, 1, 0, 6, tzinfo=UTC))
'abandoned: no sign of life from pid 1 on elsewhere since 2024-01-01T00:00:00+00:00'
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import psutil

__all__ = ["HEARTBEAT_SECONDS", "STALE_AFTER", "Heartbeat", "abandoned_because", "this_process"]

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
"""How often a working run says it is alive."""

STALE_AFTER = timedelta(minutes=5)
"""A run not heard of for this long (ten missed heartbeats) is abandoned."""

_START_TOLERANCE = 0.01  # seconds: psutil reports start times rounded to clock ticks


def this_process() -> dict[str, Any]:
    """This process as a run's owner: ``{"host", "pid", "started"}`` (start time, epoch seconds)."""
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "started": round(psutil.Process().create_time(), 3)}


def _alive(owner: Mapping[str, Any]) -> bool:
    try:
        started = psutil.Process(int(owner["pid"])).create_time()
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False
    return abs(started - float(owner.get("started", 0.0))) <= _START_TOLERANCE


def abandoned_because(owner: Mapping[str, Any] | None, last_sign: str | None, now: datetime,
                      stale_after: timedelta = STALE_AFTER) -> str | None:
    """Why a run recorded as running is abandoned, or ``None`` while its owner may still work.

    ``last_sign`` is the run's last heartbeat (or start), an ISO 8601 time with a zone.
    """
    if owner and owner.get("host") == socket.gethostname():
        if _alive(owner):
            return None
        return (f"abandoned: the process that ran it (pid {owner.get('pid')} on "
                f"{owner.get('host')}) ended before the run finished")
    if last_sign is not None and now - datetime.fromisoformat(last_sign) <= stale_after:
        return None
    who = f"pid {owner.get('pid')} on {owner.get('host')}" if owner else "its process"
    return f"abandoned: no sign of life from {who} since {last_sign}"


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds in a daemon thread until :meth:`stop`.

    A failing beat is logged and the next one tried; :meth:`stop` waits for a beat in progress.
    """

    def __init__(self, beat: Callable[[], None], interval: float = HEARTBEAT_SECONDS,
                 name: str = "ringscope-heartbeat") -> None:
        self._beat, self._interval = beat, interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._beat()
            except Exception as exc:  # a missed heartbeat must not end the run it reports on
                log.warning("heartbeat failed: %s", exc)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
