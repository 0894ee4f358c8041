"""Sign-in sessions of the explorer, as stores keep them.

A browser holds a random session token; stores keep only its SHA-256 (``key``), so a copy of
the store opens no session. Keeping sessions in the store (not in one process's memory) lets
every server process behind one address (several uvicorn workers) recognise them, and lets
signing out end a session for good.

>>> session = Session.start("investigator:1a2b3c4d", lifetime=timedelta(hours=8))
>>> session.key == session_key(session.token) and len(session.token) >= 43
True
>>> session.expired(datetime.now(UTC)), session.expired(datetime.now(UTC) + timedelta(hours=9))
(False, True)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["Session", "session_key"]


def session_key(token: str) -> str:
    """The key a store keeps for a session token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Session:
    """A signed-in explorer user: who (the id of the key signed in with, never the key), the
    anti-forgery token every form of the session carries, and when it ends (ISO 8601, UTC).

    ``token`` is known only when the session is started; a session read back from a store has
    only its ``key``.
    """

    key: str
    principal: str
    csrf: str
    expires_at: str
    token: str = field(default="", repr=False, compare=False)

    @classmethod
    def start(cls, principal: str, lifetime: timedelta) -> Session:
        """A new session with fresh random token and anti-forgery token."""
        token = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + lifetime
        return cls(session_key(token), principal, secrets.token_urlsafe(32),
                   expires.isoformat(timespec="seconds"), token)

    def expired(self, now: datetime) -> bool:
        return now >= datetime.fromisoformat(self.expires_at)
