"""A ring held together only by a number block, in a real browser: Playwright drives Debian's
headless Chromium against the served explorer (the book of ``tests.test_number_blocks_api``).

vis-network must draw the block on the ring's canvas, linked to the six numbers, so the ring is
one connected picture; hovering the block shows its numbers masked, and double-clicking it
opens the block's page through a masked link.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from tests.browser import chromium, require
from tests.servers import serving
from tests.test_explorer import INVESTIGATOR_KEY, explorer_app
from tests.test_explorer_browser import _hover_node, _node_point, _painted_pixels
from tests.test_number_blocks_api import HIDDEN, MASKED_BLOCK, block_book

pytestmark = pytest.mark.browser
require()

from playwright.sync_api import Page  # noqa: E402 - after the browser is known present


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[Page, str, str]]:
    store = SQLiteStore(tmp_path / "browser.db")
    store.load(block_book().bundle())
    ring_id = next(r.ring_id for r in detect(store, DetectionParams(seed=1)).rings if "NBC0" in r.claim_ids)
    with serving(explorer_app(store)) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                      extra_http_headers={"X-API-Key": INVESTIGATOR_KEY})
        yield context.new_page(), url, ring_id
        context.close()
    store.close()


def test_the_block_is_drawn_linking_the_rings_numbers(page: tuple[Page, str, str]) -> None:
    tab, url, ring_id = page
    tab.goto(f"{url}/explorer/rings/{ring_id}")
    tab.wait_for_function("() => !!(window.network && window.nodes) && "
                          "document.getElementById('network').dataset.stabilized === 'true'")
    assert _painted_pixels(tab) > 2_000
    block = tab.evaluate("() => nodes.get({filter: n => n.kind === 'NumberBlock'}).map(n => [n.id, n.label])")
    assert [label for _, label in block] == [MASKED_BLOCK]
    block_id = block[0][0]
    linked = tab.evaluate("id => network.getConnectedNodes(id).map(n => nodes.get(n).kind)", block_id)
    assert linked == ["Phone"] * 6
    # every claim reaches every other through the drawn edges: one picture, not six islands
    reach = tab.evaluate("""() => {
        const claims = nodes.get({filter: n => n.kind === 'Claim'}).map(n => n.id);
        const seen = new Set([claims[0]]), todo = [claims[0]];
        while (todo.length) { for (const n of network.getConnectedNodes(todo.pop()))
            if (!seen.has(n)) { seen.add(n); todo.push(n); } }
        return claims.filter(c => seen.has(c)).length; }""")
    assert reach == 6
    tooltip = _hover_node(tab, block_id)
    assert "Number block" in tooltip and "+86199****0311" in tooltip and not HIDDEN.search(tooltip)
    with tab.expect_navigation():
        tab.mouse.dblclick(*_node_point(tab, block_id))
    assert "/explorer/entities/Phone/~" in tab.url
    assert tab.inner_text("h1").startswith("号段 Number block")
    assert not HIDDEN.search(tab.content())
