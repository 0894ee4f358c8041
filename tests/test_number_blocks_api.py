"""A ring held together only by a number block, as investigators reach it through the API and
the explorer: real SQLite store, real detection run, real HTTP calls to the served app.

Six unrelated customers each change their policy phone to a fresh SIM card of one batch
(``+86 199 7970 0311`` … ``0316``, one block ``+86199797003**``) a week before demanding a full
refund on complaint grounds; each is paid to an own account, nothing else is shared. The block
is what ties them, so the ring's drawing, its numbers' pages, the block's own page, the search
and the exports must show it, masked for an investigator without PII access.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from api.analysis import draw_neighbourhood, draw_ring
from detectors.export import export_rings
from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.errors import NotFoundError
from graph.results import Ring
from graph.sqlite_store import SQLiteStore
from tests.detect_books import BookBuilder
from tests.servers import serving
from tests.test_detect_realities import SURNAMES, _background, _mobile
from tests.test_explorer import ADMIN_KEY, INVESTIGATOR_KEY, RISK_KEY, explorer_app

BLOCK = "+86199797003**"
NUMBERS = [f"+86199797003{11 + k}" for k in range(6)]
MASKED_BLOCK = "+86199****03**"
UNSEEN = "199 7970 0318"
"""A number of the block no record holds: a new request's fresh SIM of the same batch."""
HIDDEN = re.compile(r"1997970\d")
"""Any run of a block number's digits an investigator without PII access must never see."""


def block_book() -> BookBuilder:
    book = BookBuilder()
    book.agent("A-OK")
    _background(book)
    for k, sim in enumerate(NUMBERS):
        cust = book.customer(f"NB{k}", f"{SURNAMES[k + 5]}号{k}", f"赣州市瑞金市{k}号", _mobile("136", k),
                             f"62228800000{k:08d}")
        book.change(cust, f"2023-09-{1 + 4 * k:02d}", sim)
        book.claim(f"NBC{k}", cust, "A-OK", f"2023-09-{9 + 4 * k:02d}", full_refund=True,
                   complaint_reason=True, contact=sim, account=f"62228800000{k:08d}",
                   account_name=f"{SURNAMES[k + 5]}号{k}")
    return book


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Ring]]:
    folder = tmp_path_factory.mktemp("blocks")
    store = SQLiteStore(folder / "graph.db")
    store.load(block_book().bundle())
    result = detect(store, DetectionParams(seed=1))
    ring = next(r for r in result.rings if "NBC0" in r.claim_ids)
    with serving(explorer_app(store)) as url:
        yield url, ring
    store.close()


def _get(url: str, key: str, **params: str) -> httpx.Response:
    return httpx.get(url, headers={"X-API-Key": key}, params=params, follow_redirects=False, timeout=30)


def test_the_ring_lists_its_block_and_the_numbers_of_it(served: tuple[str, Ring]) -> None:
    """The export's identifiers: the block as an entry of its own type, then its six numbers,
    each a phone number (a consumer loading ``phone`` values into a blacklist gets numbers)."""
    _, ring = served
    assert ring.claim_ids == tuple(f"NBC{k}" for k in range(6)) and ring.score >= 0.5
    assert [(i.type, i.value) for i in ring.identifiers] == [("number_block", BLOCK)] + [("phone", n) for n in NUMBERS]
    exported = json.loads(export_rings([ring], "json"))[0]["identifiers"]
    assert all(re.fullmatch(r"\+861\d{10}", i["value"]) for i in exported if i["type"] == "phone")
    row = export_rings([ring], "csv").splitlines()[1]
    assert f"number_block:{BLOCK};phone:{NUMBERS[0]};" in row
    block = next(e for e in ring.evidence if e.code == "shared_number_block")
    assert "use 6 numbers of one block" in block.en and "consecutive numbers of one" not in block.en
    url = served[0]
    shown = _get(f"{url}/v1/rings/{ring.ring_id}", INVESTIGATOR_KEY).json()["identifiers"]
    assert shown == [{"type": "number_block", "value": MASKED_BLOCK}] + [
        {"type": "phone", "value": f"+86199****03{11 + k}"} for k in range(6)]


def test_the_rings_graph_joins_its_numbers_through_the_block(served: tuple[str, Ring]) -> None:
    """``/v1/rings/{id}/graph``: a NumberBlock node with an IN_BLOCK edge from each number,
    so the six members are one connected drawing, not six islands; masked for an investigator."""
    url, ring = served
    graph = _get(f"{url}/v1/rings/{ring.ring_id}/graph", INVESTIGATOR_KEY).json()
    block = [n for n in graph["nodes"] if n["label"] == "NumberBlock"]
    assert [(n["key"], n["props"]["ring_ids"]) for n in block] == [(MASKED_BLOCK, [ring.ring_id])]
    into = sorted(next(n["key"] for n in graph["nodes"] if n["id"] == e["source"])
                  for e in graph["edges"] if e["type"] == "IN_BLOCK" and e["target"] == block[0]["id"])
    assert into == [f"+86199****03{11 + k}" for k in range(6)]
    assert _connected(graph) and not HIDDEN.search(json.dumps(graph))
    admin = _get(f"{url}/v1/rings/{ring.ring_id}/graph", ADMIN_KEY).json()
    assert {n["key"] for n in admin["nodes"] if n["label"] == "NumberBlock"} == {BLOCK}


def _connected(graph: dict[str, list[dict[str, str]]]) -> bool:
    """Whether the ring's claims lie in one connected piece of the drawing."""
    parent = {n["id"]: n["id"] for n in graph["nodes"]}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for e in graph["edges"]:
        parent[root(e["source"])] = root(e["target"])
    claims = {root(n["id"]) for n in graph["nodes"] if n["label"] == "Claim"}
    return len(claims) == 1


def test_a_number_says_it_belongs_to_the_block_and_the_block_opens(served: tuple[str, Ring]) -> None:
    url, ring = served
    number = _get(f"{url}/v1/entities/phone/199-7970-0313", INVESTIGATOR_KEY).json()
    member = number["number_block"]
    assert (member["key"], member["ring_ids"], len(member["numbers"])) == (MASKED_BLOCK, [ring.ring_id], 6)
    for path in ("phone/%2B86199797003%2A%2A", "number_block/199797003**", "phone/199 7970 03**"):
        block = _get(f"{url}/v1/entities/{path}", INVESTIGATOR_KEY)
        assert block.status_code == 200, path
        body = block.json()
        assert (body["type"], body["label"], body["key"]) == ("number_block", "NumberBlock", MASKED_BLOCK)
        assert body["props"]["numbers"] == [f"+86199****03{11 + k}" for k in range(6)]
        assert body["props"]["ring_ids"] == [ring.ring_id] and body["profile"]["customers"] == 6
        assert not HIDDEN.search(block.text)
    around = _get(f"{url}/v1/entities/number_block/199797003**/neighborhood", INVESTIGATOR_KEY,
                  depth="2").json()
    labels = sorted({n["label"] for n in around["nodes"]})
    assert labels == ["Claim", "Customer", "NumberBlock", "Phone"]
    assert sum(e["type"] == "IN_BLOCK" for e in around["edges"]) == 6
    assert _get(f"{url}/v1/entities/number_block/199797004**", INVESTIGATOR_KEY).status_code == 404
    assert _get(f"{url}/v1/entities/phone/{NUMBERS[0][3:]}", ADMIN_KEY).json()["number_block"]["key"] == BLOCK
    own = _get(f"{url}/v1/entities/phone/{_mobile('136', 0)}", ADMIN_KEY).json()
    assert own["number_block"] is None


def _html(url: str, path: str, **params: str) -> httpx.Response:
    return _get(f"{url}/explorer{path}", INVESTIGATOR_KEY, **params)


def _graph_data(page: str) -> dict[str, list[dict[str, object]]]:
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert found is not None
    data: dict[str, list[dict[str, object]]] = json.loads(found.group(1))
    return data


def test_the_explorer_draws_the_block_and_finds_it(served: tuple[str, Ring]) -> None:
    """The ring's network links its six numbers to a block node; a number's page names the
    block and its ring; searching the block, or a number of the batch no record holds, opens
    the block's page, which lists the numbers and the ring. Masked throughout."""
    url, ring = served
    page = _html(url, f"/rings/{ring.ring_id}")
    graph = _graph_data(page.text)
    block = [n for n in graph["nodes"] if n["kind"] == "NumberBlock"]
    assert [n["label"] for n in block] == [MASKED_BLOCK]
    assert sum(e["rel"] == "IN_BLOCK" for e in graph["edges"]) == 6
    assert sum(n["kind"] == "Phone" for n in graph["nodes"]) == 6
    assert not HIDDEN.search(page.text)

    for typed in ("199797003**", UNSEEN):
        found = _html(url, "/search", q=typed)
        assert found.status_code == 303, typed
        block_page = httpx.get(url + found.headers["location"], headers={"X-API-Key": INVESTIGATOR_KEY}, timeout=30)
        assert block_page.status_code == 200
        assert "号段 <span class=\"en\">Number block</span>" in block_page.text
        assert f"rings: {ring.ring_id}" in block_page.text and "+86199****0316" in block_page.text
        assert not HIDDEN.search(block_page.text) and "~" in found.headers["location"]

    number = _html(url, "/search", q="19979700312")
    assert number.status_code == 303
    number_page = httpx.get(url + number.headers["location"], headers={"X-API-Key": INVESTIGATOR_KEY}, timeout=30)
    assert (f"One of the 6 numbers of block {MASKED_BLOCK} of ring {ring.ring_id}" in number_page.text)
    assert [n["label"] for n in _graph_data(number_page.text)["nodes"] if n["kind"] == "NumberBlock"] == [MASKED_BLOCK]
    assert not HIDDEN.search(number_page.text)


def test_the_case_report_draws_the_block(served: tuple[str, Ring]) -> None:
    """The printable report's network holds the block, linked to its numbers (masked)."""
    url, ring = served
    report = _get(f"{url}/v1/rings/{ring.ring_id}/report.pdf", INVESTIGATOR_KEY)
    assert report.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
    assert "号段 Number block" in text and MASKED_BLOCK in text
    assert not HIDDEN.search(text)


def test_a_rescored_member_names_the_block_with_its_households(served: tuple[str, Ring]) -> None:
    """A member's stored request scored again by id and date points at the ring through the
    block; the reason gives the block's households, the figure its entity profile gives."""
    url, ring = served
    reply = httpx.post(f"{url}/v1/score", json={"claim_id": "NBC2", "request_date": "2023-09-17"},
                       headers={"X-API-Key": RISK_KEY}, timeout=30).json()
    block = [r for r in reply["reasons"] if r["data"].get("kind") == "number_block"]
    assert [(r["code"], r["data"]["value"], r["data"]["ring_id"]) for r in block] == [
        ("identifier_in_ring", MASKED_BLOCK, ring.ring_id)]
    profile = _get(f"{url}/v1/entities/number_block/199797003**", INVESTIGATOR_KEY).json()["profile"]
    assert (block[0]["data"]["customers"], block[0]["data"]["households"]) == (
        profile["customers"], profile["households"]) == (6, 6)
    assert reply["ring_id"] == ring.ring_id and not HIDDEN.search(json.dumps(reply))


def test_the_python_api_draws_the_block_and_opens_it(tmp_path: Path) -> None:
    """An analyst's ``draw_ring`` (and the case file's ``network.html``, drawn by it) links the
    six numbers to the block node as the explorer does; ``draw_neighbourhood`` opens the block
    typed as a block or as a phone, with its six numbers. Masked unless ``show_pii``."""
    store = SQLiteStore(tmp_path / "graph.db")
    store.load(block_book().bundle())
    ring = next(r for r in detect(store, DetectionParams(seed=1)).rings if "NBC0" in r.claim_ids)
    drawn = draw_ring(store, ring.ring_id)
    graph = _graph_data(drawn.html)
    assert [n["label"] for n in graph["nodes"] if n["kind"] == "NumberBlock"] == [MASKED_BLOCK]
    assert sum(e["rel"] == "IN_BLOCK" for e in graph["edges"]) == 6
    assert not HIDDEN.search(drawn.html)
    for label, typed in (("number_block", "199797003**"), ("phone", "+86 199-7970-03**")):
        around = _graph_data(draw_neighbourhood(store, label, typed).html)
        assert sorted(n["kind"] for n in around["nodes"]) == ["NumberBlock"] + ["Phone"] * 6, label
        assert sum(e["rel"] == "IN_BLOCK" for e in around["edges"]) == 6
    shown = draw_neighbourhood(store, "number_block", "199797003**", show_pii=True).html
    assert NUMBERS[0][3:] in shown
    with pytest.raises(NotFoundError):
        draw_neighbourhood(store, "number_block", "199797004**")
    store.close()
