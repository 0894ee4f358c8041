"""Signing in to the explorer: sessions kept in the store, anti-forgery tokens, cookies.

A browser signs in by posting an API key to the sign-in form; it gets a cookie holding a random
session token (never the key), new at every sign-in. The store keeps the session (see
:mod:`graph.sessions`), so every server process recognises it and signing out ends it.

Forms are protected against cross-site posts twice: every form carries an anti-forgery token
(the sign-in form's is also in a short-lived cookie; a signed-in user's is kept with the session)
and a post a browser marks ``Sec-Fetch-Site: cross-site`` is refused. Cookies are HttpOnly,
SameSite=Strict for the sign-in token and Lax for the session (a link from a mail client still
opens a page signed in), limited to the explorer's path, and Secure over https or when
``RINGSCOPE_COOKIE_SECURE`` says so.

>>> same_token("abc", "abc"), same_token("abc", "abd"), same_token("", "")
(True, False, False)
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fastapi import Request
from starlette.responses import Response

from api.security import KeyRing, Principal
from graph.sessions import Session, session_key
from graph.store import GraphStore

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "SESSION_LIFETIME",
    "CookieJar",
    "cross_site",
    "new_token",
    "same_token",
    "sign_in",
    "sign_out",
    "signed_in",
]

SESSION_COOKIE = "ringscope_session"
LOGIN_COOKIE = "ringscope_login"
SESSION_LIFETIME = timedelta(hours=8)
_LOGIN_SECONDS = 3600


def new_token() -> str:
    """A fresh random token (256 bits)."""
    return secrets.token_urlsafe(32)


def same_token(presented: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"),
                               expected.encode("utf-8", "surrogateescape"))


def cross_site(request: Request) -> bool:
    """Whether the browser says the request comes from another site (Fetch Metadata)."""
    return request.headers.get("sec-fetch-site", "").lower() == "cross-site"


def sign_in(store: GraphStore, principal: Principal, previous_token: str | None) -> Session:
    """A new session for ``principal``; the session the browser had before (if any) ends."""
    if previous_token:
        store.delete_session(session_key(previous_token))
    session = Session.start(principal.key_id, SESSION_LIFETIME)
    store.save_session(session)
    return session


def signed_in(store: GraphStore, keys: KeyRing, token: str | None) -> tuple[Session, Principal] | None:
    """The session and principal behind a session cookie, or ``None`` (no, unknown or ended
    session, or its key is no longer configured)."""
    if not token:
        return None
    session = store.get_session(session_key(token))
    principal = keys.by_key_id(session.principal) if session else None
    return (session, principal) if session and principal else None


def sign_out(store: GraphStore, token: str | None) -> None:
    if token:
        store.delete_session(session_key(token))


@dataclass(frozen=True)
class CookieJar:
    """Sets and clears the explorer's cookies with the same attributes everywhere."""

    path: str
    secure: bool | None = None

    def _secure(self, request: Request) -> bool:
        return self.secure if self.secure is not None else request.url.scheme == "https"

    def set_session(self, response: Response, request: Request, session: Session) -> None:
        self._set(response, request, SESSION_COOKIE, session.token,
                  int(SESSION_LIFETIME.total_seconds()), "lax")

    def set_login(self, response: Response, request: Request, token: str) -> None:
        self._set(response, request, LOGIN_COOKIE, token, _LOGIN_SECONDS, "strict")

    def clear(self, response: Response, request: Request, name: str) -> None:
        self._set(response, request, name, "", 0, "lax")

    def _set(self, response: Response, request: Request, name: str, value: str, max_age: int,
             samesite: Literal["lax", "strict"]) -> None:
        response.set_cookie(name, value, max_age=max_age, path=self.path, httponly=True,
                            samesite=samesite, secure=self._secure(request))
