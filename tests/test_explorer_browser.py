"""The explorer in a real browser: Playwright drives Debian's headless Chromium against a served
app on a SQLite store.

Signs in through the form, opens the ring list, clicks into a ring and checks that vis-network
drew the expected graph on its canvas, that evidence is shown, identifiers are masked, planted
markup stays text and never runs, and that the page asked nothing of any other host.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.browser import chromium, require
from tests.servers import serving
from tests.test_explorer import (
    ACCOUNT,
    ADMIN_KEY,
    EVIL_EVIDENCE,
    EVIL_NAME_IMG,
    EVIL_NAME_SCRIPT,
    INVESTIGATOR_KEY,
    PHONE,
    RING_GRAPH_SIZE,
    big_ring,
    explorer_app,
    ring_book,
    ring_results,
)

pytestmark = pytest.mark.browser
require()

from playwright.sync_api import Browser, Page  # noqa: E402 - after the browser is known present


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The explorer served by uvicorn on a loopback port, over a store holding the ring book."""
    store: GraphStore = SQLiteStore(tmp_path / "browser.db")
    store.load(ring_book())
    store.save_results(ring_results())
    with serving(explorer_app(store)) as url:
        yield url
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class Watched:
    """A page with what it requested, what it logged as errors and any dialog it opened."""

    def __init__(self, page: Page) -> None:
        self.page, self.requested, self.errors, self.dialogs = page, list[str](), list[str](), list[str]()
        page.on("request", lambda r: self.requested.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield Watched(context.new_page())
    context.close()


def _wait_for_graph(page: Page, expected: int) -> None:
    page.wait_for_function("() => !!(window.network && window.nodes) && "
                           "document.getElementById('network').dataset.stabilized === 'true'")
    counts = page.evaluate("() => [nodes.length, network.body.nodeIndices.length, edges.length]")
    assert counts[0] == counts[1] == expected, counts
    assert counts[2] > 0


def _painted_pixels(page: Page) -> int:
    """Non-blank pixels on the network's canvas: proof the nodes were drawn, not just loaded."""
    painted: int = page.evaluate("""() => {
        const canvas = document.querySelector('#network canvas');
        if (!canvas || !canvas.width || !canvas.height) return 0;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
    }""")
    return painted


def _node_point(page: Page, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, in page coordinates."""
    x, y = page.evaluate("id => { const p = network.canvasToDOM(network.getPositions([id])[id]);"
                         " const r = document.querySelector('#network canvas').getBoundingClientRect();"
                         " return [r.left + p.x, r.top + p.y]; }", node_id)
    return x, y


def _hover_node(page: Page, node_id: str) -> str:
    """Hover a node and return its vis-network tooltip's text."""
    page.mouse.move(*_node_point(page, node_id))
    page.wait_for_function("() => { const t = document.querySelector('div.vis-tooltip');"
                           " return t && t.style.visibility !== 'hidden' && t.innerText.length > 0; }")
    text: str = page.inner_text("div.vis-tooltip")
    return text


def _node_id(page: Page, kind: str, label_part: str) -> str:
    node_id: str = page.evaluate("([kind, part]) => nodes.get({filter: n => n.kind === kind && "
                                 "n.label.includes(part)})[0].id", [kind, label_part])
    return node_id


def _sign_in(page: Page, url: str, key: str) -> None:
    page.fill("form.login input[name=key]", key)
    with page.expect_navigation():
        page.click("form.login button")
    assert page.url.startswith(url)


def test_investigator_browses_a_ring(served: str, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    # signing in through the form lands on the ring list
    page.goto(f"{served}/explorer/")
    _sign_in(page, served, INVESTIGATOR_KEY)
    page.wait_for_selector("table.rings")
    assert page.url == f"{served}/explorer/"
    assert page.evaluate("() => document.cookie") == ""  # HttpOnly: no script reads it
    session = next(c for c in page.context.cookies() if c["name"] == "ringscope_session")
    assert INVESTIGATOR_KEY not in session["value"]
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["path"] == "/explorer"
    assert page.eval_on_selector_all("table.rings tbody tr a.ring-link",
                                     "links => links.map(a => a.textContent)") == ["R-1", "R-2"]

    # into the ring: vis-network draws every node of the ring's view on its canvas
    with page.expect_navigation():
        page.click("a.ring-link:text-is('R-1')")
    assert "/explorer/rings/R-1" in page.url
    _wait_for_graph(page, RING_GRAPH_SIZE)
    assert _painted_pixels(page) > 2_000
    shapes = page.evaluate("() => nodes.get().map(n => n.kind)")
    assert shapes.count("Claim") == 4 and shapes.count("Customer") == 4
    sizes = page.evaluate("() => Object.fromEntries(nodes.get({filter: n => "
                          "['Phone', 'BankAccount'].includes(n.kind)}).map(n => [n.label, n.size]))")
    assert sizes["622************3445"] > sizes["+86139****9000"]  # 3 ring claims against 2

    body = page.inner_text("body")
    # evidence beside the graph, masked
    assert "3 claims paid to account 622************3445" in body
    assert "离职代理人刘洋的4名前客户在15天内集中退保" in body
    html = page.content()
    assert ACCOUNT not in html and PHONE[3:] not in html
    # planted markup is shown as text and never runs
    assert EVIL_NAME_SCRIPT in body and EVIL_NAME_IMG in body and EVIL_EVIDENCE in body
    assert page.eval_on_selector_all("img:not(#timeline-figure)", "imgs => imgs.length") == 0
    tooltip = _hover_node(page, _node_id(page, "Customer", "<script>"))
    assert EVIL_NAME_SCRIPT in tooltip
    # tooltips are set as text: line breaks are the only elements
    assert page.eval_on_selector_all("div.vis-tooltip :not(br)", "found => found.length") == 0
    assert watched.dialogs == []

    shot = tmp_path / "ring-R-1.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000

    # double-click the payout account: its neighbourhood opens through a masked link
    with page.expect_navigation():
        page.mouse.dblclick(*_node_point(page, _node_id(page, "BankAccount", "3445")))
    assert "/explorer/entities/BankAccount/~" in page.url and ACCOUNT not in page.url
    _wait_for_graph(page, 5)  # the account, three claims, the watchlist entry
    assert "third-party payee" in page.inner_text("body")
    assert watched.dialogs == []

    # signing out ends the session: the next page asks to sign in again
    with page.expect_navigation():
        page.click("form.who button")
    assert page.url == f"{served}/explorer/login"
    page.goto(f"{served}/explorer/rings/R-1")
    assert page.query_selector("form.login input[name=key]") is not None
    assert not any(c["name"] == "ringscope_session" for c in page.context.cookies())

    # nothing was fetched from anywhere but the app, and the console stayed clean
    fetched = [u for u in watched.requested if u.startswith(("http", "ws"))]
    assert f"{served}/explorer/static/vis-network.min.js" in fetched
    assert [u for u in fetched if not u.startswith(served)] == []
    assert [e for e in watched.errors if "status of 401" not in e] == []  # the sign-in page


def _attacker_site(form_action: str, fields: dict[str, str]) -> Any:
    """A page on another site holding a form that posts to the explorer."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    page = f'<html><body><form id="f" method="post" action="{form_action}">{inputs}' \
           '<button id="go" type="submit">win a prize</button></form></body></html>'
    return Starlette(routes=[Route("/", lambda request: HTMLResponse(page))])


def test_another_site_cannot_sign_a_browser_in_or_out(served: str, watched: Watched) -> None:
    page = watched.page
    # login forgery: another site posts its own key, to have the victim work in its account
    with serving(_attacker_site(f"{served}/explorer/login",
                                {"key": ADMIN_KEY, "next": "/explorer/"})) as evil:
        page.goto(evil.replace("127.0.0.1", "localhost"))  # another site, not just another port
        with page.expect_navigation():
            page.click("#go")
        page.goto(f"{served}/explorer/")
        assert page.query_selector("form.login input[name=key]") is not None  # not signed in
        assert not any(c["name"] == "ringscope_session" for c in page.context.cookies())

    # sign-out forgery: the victim stays signed in
    page.goto(f"{served}/explorer/login")
    _sign_in(page, served, INVESTIGATOR_KEY)
    page.wait_for_selector("table.rings")
    with serving(_attacker_site(f"{served}/explorer/logout", {})) as evil:
        page.goto(evil.replace("127.0.0.1", "localhost"))
        with page.expect_navigation():
            page.click("#go")
    page.goto(f"{served}/explorer/")
    assert page.query_selector("table.rings") is not None  # still signed in


def test_a_ring_bigger_than_the_cap_is_drawn_with_its_shared_identifiers(tmp_path: Path,
                                                                         watched: Watched) -> None:
    """A ring of 120 claims has 495 nodes, the view draws 400: vis-network draws the account,
    the phone and the representative that tie the ring (sized by the claims touching them)
    and every claim; per-claim policies are what was left out."""
    book, results = big_ring(120)
    store: GraphStore = SQLiteStore(tmp_path / "big.db")
    store.load(book)
    store.save_results(results)
    page = watched.page
    with serving(explorer_app(store)) as url:
        page.goto(f"{url}/explorer/rings/R-BIG")
        _sign_in(page, url, INVESTIGATOR_KEY)
        if "/explorer/rings/R-BIG" not in page.url:
            page.goto(f"{url}/explorer/rings/R-BIG")
        _wait_for_graph(page, 400)
        kinds = page.evaluate("() => nodes.get().map(n => n.kind)")
        assert {k: kinds.count(k) for k in ("BankAccount", "Phone", "Person", "Claim", "Policy")} == {
            "BankAccount": 1, "Phone": 1, "Person": 1, "Claim": 120, "Policy": 25}
        sizes = page.evaluate("() => Object.fromEntries(nodes.get({filter: n => "
                              "['Phone', 'BankAccount', 'Person'].includes(n.kind)}).map(n => [n.kind, n.size]))")
        assert sizes == {"BankAccount": 50, "Phone": 50, "Person": 50}  # 120, 60, 20 claims: the largest size
        assert "capped" in page.inner_text("body")
        assert _painted_pixels(page) > 2_000
    store.close()
    assert watched.dialogs == []


def test_the_api_docs_run_under_their_content_security_policy(served: str, watched: Watched) -> None:
    """``/docs`` had no Content-Security-Policy (an outside tester); with one, Swagger UI must
    still start (its inline start-up script allowed by hash), read the schema and list every
    route, with nothing refused and nothing fetched from elsewhere."""
    page = watched.page
    answer = page.goto(f"{served}/docs")
    assert answer is not None and "script-src 'self' 'sha256-" in answer.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path")
    paths = {e.inner_text().replace("\u200b", "") for e in page.query_selector_all(".opblock-summary-path")}
    assert {"/v1/score", "/v1/rings", "/v1/rings/{ring_id}"} <= paths, paths
    assert not [e for e in watched.errors if "Content Security Policy" in e], watched.errors
    assert all(url.startswith(served) for url in watched.requested), watched.requested
