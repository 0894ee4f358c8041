"""The explorer in a real browser: headless Chromium drives a served app on a SQLite store.

Signs in through the form, opens the ring list, clicks into a ring and checks that vis-network
drew the expected graph on its canvas, that evidence is shown, identifiers are masked, planted
markup stays text and never runs, and that the page asked nothing of any other host.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
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
    explorer_app,
    ring_book,
    ring_results,
)

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1440,1000",
)

if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
    pytest.skip(
        f"browser tests need Debian's chromium and chromium-driver ({CHROMIUM}, "
        f"{CHROMEDRIVER}); install them with tests/setup/system.sh",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402 - only once the browser is known to be there
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The explorer served by uvicorn on a loopback port, over a store holding the ring book."""
    store: GraphStore = SQLiteStore(tmp_path / "browser.db")
    store.load(ring_book())
    store.save_results(ring_results())
    with serving(explorer_app(store)) as url:
        yield url
    store.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in _CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")  # an alert stays for us to see
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _assert_no_alert(driver: webdriver.Chrome) -> None:
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        return
    raise AssertionError(f"planted markup ran: alert({text!r})")


def _requested_urls(driver: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _wait_for_graph(driver: webdriver.Chrome, expected: int) -> None:
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return !!(window.network && window.nodes) && "
            "document.getElementById('network').dataset.stabilized === 'true'"
        )
    )
    counts = driver.execute_script(
        "return [nodes.length, network.body.nodeIndices.length, edges.length]"
    )
    assert counts[0] == counts[1] == expected, counts
    assert counts[2] > 0


def _painted_pixels(driver: webdriver.Chrome) -> int:
    """Non-blank pixels on the network's canvas: proof the nodes were drawn, not just loaded."""
    result: int = driver.execute_script("""
        const canvas = document.querySelector('#network canvas');
        if (!canvas || !canvas.width || !canvas.height) return 0;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
    """)
    return result


def _hover_node(driver: webdriver.Chrome, node_id: str) -> str:
    """Hover a node and return its vis-network tooltip's text."""
    x, y = driver.execute_script(
        "const p = network.canvasToDOM(network.getPositions([arguments[0]])[arguments[0]]);"
        "return [p.x, p.y];",
        node_id,
    )
    canvas = driver.find_element(By.CSS_SELECTOR, "#network canvas")
    width, height = canvas.size["width"], canvas.size["height"]
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - width / 2), int(y - height / 2)
    ).perform()
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "const t = document.querySelector('div.vis-tooltip');"
            "return t && t.style.visibility !== 'hidden' && t.innerText.length > 0"
        )
    )
    text: str = driver.execute_script("return document.querySelector('div.vis-tooltip').innerText")
    return text


def _node_id(driver: webdriver.Chrome, group: str, label_part: str) -> str:
    node_id: str = driver.execute_script(
        "return nodes.get({filter: n => n.kind === arguments[0] && "
        "n.label.includes(arguments[1])})[0].id",
        group,
        label_part,
    )
    return node_id


def test_investigator_browses_a_ring(
    served: str, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    driver = browser
    # signing in through the form lands on the ring list
    driver.get(f"{served}/explorer/")
    driver.find_element(By.NAME, "key").send_keys(INVESTIGATOR_KEY)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.rings"))
    assert driver.current_url == f"{served}/explorer/"
    assert driver.execute_script("return document.cookie") == ""  # HttpOnly: no script reads it
    session = driver.get_cookie("ringscope_session")
    assert session is not None and INVESTIGATOR_KEY not in session["value"]
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["path"] == "/explorer"
    rows = driver.find_elements(By.CSS_SELECTOR, "table.rings tbody tr")
    assert [r.find_element(By.TAG_NAME, "a").text for r in rows] == ["R-1", "R-2"]

    # into the ring: vis-network draws every node of the ring's view on its canvas
    driver.find_element(By.LINK_TEXT, "R-1").click()
    WebDriverWait(driver, 10).until(lambda d: "/explorer/rings/R-1" in d.current_url)
    _wait_for_graph(driver, RING_GRAPH_SIZE)
    assert _painted_pixels(driver) > 2_000
    shapes = driver.execute_script("return nodes.get().map(n => n.kind)")
    assert shapes.count("Claim") == 4 and shapes.count("Customer") == 4
    sizes = driver.execute_script(
        "return Object.fromEntries(nodes.get({filter: n => ['Phone', 'BankAccount'].includes(n.kind)})"
        ".map(n => [n.label, n.size]))"
    )
    assert sizes["622************3445"] > sizes["+86139****9000"]  # 3 ring claims against 2

    body = driver.find_element(By.TAG_NAME, "body").text
    # evidence beside the graph, masked
    assert "3 claims paid to account 622************3445" in body
    assert "离职代理人刘洋的4名前客户在15天内集中退保" in body
    assert ACCOUNT not in driver.page_source and PHONE[3:] not in driver.page_source
    # planted markup is shown as text and never runs
    assert EVIL_NAME_SCRIPT in body and EVIL_NAME_IMG in body and EVIL_EVIDENCE in body
    assert driver.execute_script("return document.querySelectorAll('img:not(#timeline-figure)')"
                                 ".length") == 0
    _assert_no_alert(driver)
    tooltip = _hover_node(driver, _node_id(driver, "Customer", "<script>"))
    assert EVIL_NAME_SCRIPT in tooltip
    assert (
        driver.execute_script(  # tooltips are set as text: line breaks are the only elements
            "return document.querySelectorAll('div.vis-tooltip :not(br)').length"
        )
        == 0
    )
    _assert_no_alert(driver)

    shot = tmp_path / "ring-R-1.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000

    # double-click the payout account: its neighbourhood opens through a masked link
    account = _node_id(driver, "BankAccount", "3445")
    x, y = driver.execute_script(
        "const p = network.canvasToDOM(network.getPositions([arguments[0]])[arguments[0]]);"
        "return [p.x, p.y];",
        account,
    )
    canvas = driver.find_element(By.CSS_SELECTOR, "#network canvas")
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - canvas.size["width"] / 2), int(y - canvas.size["height"] / 2)
    ).double_click().perform()
    WebDriverWait(driver, 10).until(lambda d: "/explorer/entities/BankAccount/~" in d.current_url)
    assert ACCOUNT not in driver.current_url
    _wait_for_graph(driver, 5)  # the account, three claims, the watchlist entry
    assert "third-party payee" in driver.find_element(By.TAG_NAME, "body").text
    driver.save_screenshot(str(tmp_path / "entity-account.png"))
    _assert_no_alert(driver)

    # signing out ends the session: the next page asks to sign in again
    driver.find_element(By.CSS_SELECTOR, "form.who button").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url == f"{served}/explorer/login")
    driver.get(f"{served}/explorer/rings/R-1")
    assert driver.find_elements(By.CSS_SELECTOR, "form.login input[name=key]")
    assert driver.get_cookie("ringscope_session") is None

    # nothing was fetched from anywhere but the app, and the console stayed clean
    fetched = [u for u in _requested_urls(driver) if u.startswith(("http", "ws"))]
    assert f"{served}/explorer/static/vis-network.min.js" in fetched
    foreign = [u for u in fetched if not u.startswith(served)]
    assert foreign == []
    problems: list[dict[str, Any]] = [
        e
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and "status of 401" not in e["message"]  # the sign-in page
    ]
    assert problems == []


def _attacker_site(form_action: str, fields: dict[str, str]) -> Any:
    """A page on another site holding a form that posts to the explorer."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    page = f'<html><body><form id="f" method="post" action="{form_action}">{inputs}' \
           '<button id="go" type="submit">win a prize</button></form></body></html>'
    return Starlette(routes=[Route("/", lambda request: HTMLResponse(page))])


def test_another_site_cannot_sign_a_browser_in_or_out(served: str, browser: webdriver.Chrome) -> None:
    driver = browser
    # login forgery: another site posts its own key, to have the victim work in its account
    with serving(_attacker_site(f"{served}/explorer/login",
                                {"key": ADMIN_KEY, "next": "/explorer/"})) as evil:
        evil = evil.replace("127.0.0.1", "localhost")  # another site, not just another port
        driver.get(evil)
        driver.find_element(By.ID, "go").click()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.startswith(served))
        driver.get(f"{served}/explorer/")
        assert driver.find_elements(By.CSS_SELECTOR, "form.login input[name=key]")  # not signed in
        assert driver.get_cookie("ringscope_session") is None

    # sign-out forgery: the victim stays signed in
    driver.get(f"{served}/explorer/login")
    driver.find_element(By.NAME, "key").send_keys(INVESTIGATOR_KEY)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.rings"))
    with serving(_attacker_site(f"{served}/explorer/logout", {})) as evil:
        driver.get(evil.replace("127.0.0.1", "localhost"))
        driver.find_element(By.ID, "go").click()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.startswith(served))
    driver.get(f"{served}/explorer/")
    assert driver.find_elements(By.CSS_SELECTOR, "table.rings")  # still signed in
