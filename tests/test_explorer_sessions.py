"""Signing in to the explorer: server-side sessions (never the key in a cookie), rotated at
every sign-in, shared by every server process, ended by signing out; forms refuse cross-site
posts; cookies are Secure over https or when configured."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.sessions import LOGIN_COOKIE, SESSION_COOKIE
from graph.sessions import session_key
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.test_explorer import (
    ADMIN_KEY,
    INVESTIGATOR_KEY,
    NAMED_KEY,
    NAMED_PERSON,
    explorer_app,
    ring_book,
    ring_results,
)

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def book_store(tmp_path: object) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "explorer.db")  # type: ignore[operator]
    store.load(ring_book())
    store.save_results(ring_results())
    yield store
    store.close()


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no anti-forgery token"
    return found.group(1)


def _sign_in(c: TestClient, key: str, next_path: str = "/explorer/",
             **headers: str) -> httpx.Response:
    token = _csrf(c.get("/explorer/login").text)
    return c.post("/explorer/login", data={"key": key, "next": next_path, "csrf": token},
                  headers=headers, follow_redirects=False)


def _set_cookie(answer: httpx.Response, name: str) -> str:
    return next(h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{name}="))


def _with_session(c: TestClient, token: str) -> None:
    c.cookies.clear()
    c.cookies.set(SESSION_COOKIE, token, domain="testserver.local", path="/explorer")


def test_sign_in_opens_a_session_in_the_store_rotated_at_every_sign_in(book_store: GraphStore) -> None:
    with TestClient(explorer_app(book_store)) as c:
        assert _sign_in(c, "wrong-key-123").status_code == 401 and SESSION_COOKIE not in c.cookies
        signed = _sign_in(c, INVESTIGATOR_KEY, "/explorer/rings/R-1")
        assert signed.status_code == 303 and signed.headers["location"] == "/explorer/rings/R-1"
        cookie = _set_cookie(signed, SESSION_COOKIE).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/explorer" in cookie
        assert "secure" not in cookie  # plain http, nothing configured
        first = c.cookies[SESSION_COOKIE]
        assert INVESTIGATOR_KEY not in first and len(first) >= 43  # a random token, not the key
        assert c.get("/explorer/rings/R-1").status_code == 200
        kept = book_store.get_session(session_key(first))
        assert kept is not None and kept.principal.startswith("investigator:")

        # another server process (its own app and store object on the same file) knows it
        with SQLiteStore(book_store.path) as other_store, \
                TestClient(explorer_app(other_store)) as other:  # type: ignore[attr-defined]
            _with_session(other, first)
            assert other.get("/explorer/").status_code == 200

        # a new sign-in rotates the session: the old token opens nothing any more
        assert _sign_in(c, ADMIN_KEY).status_code == 303
        second = c.cookies[SESSION_COOKIE]
        assert second != first
        assert "admin:" in c.get("/explorer/").text
        _with_session(c, first)
        stale = c.get("/explorer/")
        assert stale.status_code == 401 and "Your session has ended" in stale.text

        # signing out ends the session for good (a copied cookie is worth nothing after)
        _with_session(c, second)
        page = c.get("/explorer/")
        out = c.post("/explorer/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/explorer/login"
        assert book_store.get_session(session_key(second)) is None
        _with_session(c, second)
        assert c.get("/explorer/").status_code == 401

        # never a redirect out of the explorer
        assert _sign_in(c, INVESTIGATOR_KEY, "https://evil.example/").headers["location"] == "/explorer/"


def test_forms_refuse_cross_site_and_tokenless_posts(book_store: GraphStore) -> None:
    with TestClient(explorer_app(book_store)) as c:
        c.get("/explorer/login")  # the browser holds the sign-in form's token cookie
        forged = c.post("/explorer/login", data={"key": INVESTIGATOR_KEY, "next": "/explorer/"},
                        follow_redirects=False)
        assert forged.status_code == 403 and SESSION_COOKIE not in c.cookies
        assert "The sign-in form expired" in forged.text
        cross = _sign_in(c, INVESTIGATOR_KEY, **{"Sec-Fetch-Site": "cross-site",
                                                 "Origin": "https://evil.example"})
        assert cross.status_code == 403 and SESSION_COOKIE not in c.cookies

        assert _sign_in(c, INVESTIGATOR_KEY).status_code == 303
        token = _csrf(c.get("/explorer/").text)
        for data, headers in (({}, {}), ({"csrf": "guessed"}, {}),
                              ({"csrf": token}, {"Sec-Fetch-Site": "cross-site"})):
            refused = c.post("/explorer/logout", data=data, headers=headers, follow_redirects=False)
            assert refused.status_code == 403, (data, headers)
        assert c.get("/explorer/").status_code == 200  # still signed in
        assert c.post("/explorer/logout", data={"csrf": token},
                      headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False).status_code == 303


def test_cookies_are_secure_over_https_or_when_configured(book_store: GraphStore) -> None:
    with TestClient(explorer_app(book_store), base_url="https://testserver") as c:
        assert "secure" in _set_cookie(_sign_in(c, INVESTIGATOR_KEY), SESSION_COOKIE).lower()
    # TLS ends at a proxy that talks plain http to the app: the setting says the browser sees https
    with TestClient(explorer_app(book_store, RINGSCOPE_COOKIE_SECURE=True)) as c:
        login = c.get("/explorer/login")
        assert "secure" in _set_cookie(login, LOGIN_COOKIE).lower()
        assert "samesite=strict" in _set_cookie(login, LOGIN_COOKIE).lower()
        token = _csrf(login.text)  # (an http client keeps no Secure cookie: send it by hand)
        signed = c.post("/explorer/login", data={"key": INVESTIGATOR_KEY, "csrf": token},
                        headers={"Cookie": f"{LOGIN_COOKIE}={token}"}, follow_redirects=False)
        assert signed.status_code == 303
        assert "secure" in _set_cookie(signed, SESSION_COOKIE).lower()


def test_the_page_says_who_is_signed_in(book_store: GraphStore) -> None:
    with TestClient(explorer_app(book_store)) as c:
        assert _sign_in(c, NAMED_KEY).status_code == 303
        header = c.get("/explorer/").text
        assert f'<strong class="who-name">{NAMED_PERSON}</strong> · investigator' in header
        c.cookies.clear()
        assert _sign_in(c, INVESTIGATOR_KEY).status_code == 303  # an unnamed key: role and hash
        assert re.search(r'<strong class="who-name">investigator:[0-9a-f]{8}</strong>',
                         c.get("/explorer/").text)
