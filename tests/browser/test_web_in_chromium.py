"""The playground in a real browser: Playwright driving Debian's Chromium (never a download).

The server runs in this process on a free loopback port; the browser's other network access is
turned off. Screenshots go to $ALIGNMENT_RUNWAY_SCREENSHOTS when set (to look at), else to a
temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from alignment_runway.web import Limits, create_app

_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is needed: run 'sudo apt-get install chromium' (make test does it)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(Limits(samples=50_000, workers=2), preset="uncertain"), host="127.0.0.1",
        port=port,
        log_level="warning",
    )  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(300):
        if running.started:
            break
        time.sleep(0.1)
    assert running.started, "the server did not start"
    yield f"http://127.0.0.1:{port}/"
    running.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), args=_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("ALIGNMENT_RUNWAY_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _open(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(url)
    _settled(page)
    return page


def _settled(page: Page) -> None:
    """Wait until the page has an answer (a headline or an error) and nothing is pending."""
    page.wait_for_function(
        "!document.body.classList.contains('busy') && "
        "document.getElementById('status').textContent !== 'computing…' && "
        "document.getElementById('headline').textContent !== 'Computing…'",
        timeout=60_000,
    )


def _control(page: Page, name: str) -> str:
    return f'[id="p-{name}"]'


def _histogram_x(page: Page) -> list[float]:
    x: list[float] = page.evaluate("document.getElementById('fig-distribution').data[0].x")
    return x


def test_changing_a_range_moves_the_headline_and_the_figure(
    server: str, browser: Browser, shots: Path
) -> None:
    page = _open(browser, server)
    headline = page.text_content("#headline") or ""
    assert headline.startswith("Each month of lead buys a median of")
    assert page.locator("#fig-distribution .main-svg").count() > 0
    page.wait_for_selector("#fig-tornado .main-svg")  # drawn once its own request answers
    before = _histogram_x(page)
    page.wait_for_selector("#fig-essay .main-svg")
    page.screenshot(path=str(shots / "1-loaded.png"))
    page.fill(_control(page, "compute.stock"), "1e23 to 3e23 FLOP/s")
    page.wait_for_function(
        "h => document.getElementById('headline').textContent !== h", arg=headline,
        timeout=60_000,
    )  # fmt: skip
    _settled(page)
    assert page.text_content("#headline") != headline
    assert _histogram_x(page) != before
    page.screenshot(path=str(shots / "2-range-changed.png"))
    page.close()


def test_a_shared_link_reopens_the_same_numbers(server: str, browser: Browser, shots: Path) -> None:
    page = _open(browser, server)
    page.fill(_control(page, "labor.serial_speed"), "20 to 60 token/s")
    page.fill("#seed", "99")
    page.wait_for_function("document.getElementById('status').textContent.includes('seed 99')")
    _settled(page)
    link, headline = page.url, page.text_content("#headline")
    table = page.text_content("#summary")
    assert "#s=" in link
    again = _open(browser, link)
    assert again.input_value(_control(again, "labor.serial_speed")) == "20 to 60 token/s"
    assert again.text_content("#headline") == headline
    assert again.text_content("#summary") == table
    assert again.locator("#version-note").is_hidden()
    again.screenshot(path=str(shots / "3-shared-link.png"))
    page.close()
    again.close()


def test_a_link_from_another_version_says_so(server: str, browser: Browser) -> None:
    link = (
        server + "#s=" + "eyJ2IjoiMC4wLjEiLCJwcmVzZXQiOiJlc3NheSJ9"
    )  # {"v":"0.0.1","preset":"essay"}
    page = _open(browser, link)
    note = page.text_content("#version-note") or ""
    assert page.locator("#version-note").is_visible()
    assert "0.0.1" in note and "may differ" in note
    page.close()


def test_a_bad_value_shows_its_error_next_to_its_control(
    server: str, browser: Browser, shots: Path
) -> None:
    page = _open(browser, server)
    page.fill(_control(page, "labor.serial_speed"), "1 FLOP")
    error = page.locator('[id="err-labor.serial_speed"]')
    error.wait_for(state="visible", timeout=60_000)
    assert "expected tokens per calendar time" in (error.text_content() or "")
    assert "1 FLOP" in (error.text_content() or "")
    assert "invalid" in (page.get_attribute(_control(page, "labor.serial_speed"), "class") or "")
    page.screenshot(path=str(shots / "4-bad-value.png"))
    page.close()


def test_the_race_draws_its_fan_chart(server: str, browser: Browser, shots: Path) -> None:
    page = _open(browser, server)
    page.select_option("#preset", "race")
    page.wait_for_function(
        "document.getElementById('headline').textContent.startsWith('In the window')",
        timeout=60_000,
    )
    _settled(page)
    page.wait_for_selector("#fig-fan .main-svg")
    page.wait_for_function(
        "document.getElementById('fig-tornado').layout?.title.text.includes('race.research')",
        timeout=60_000,
    )
    axis = page.evaluate("document.getElementById('fig-fan').layout.yaxis.type")
    assert axis in ("log", "linear")
    page.screenshot(path=str(shots / "5-race.png"), full_page=True)
    page.close()


def test_a_slider_moves_a_range_and_the_headline(
    server: str, browser: Browser, shots: Path
) -> None:
    page = _open(browser, server)
    headline = page.text_content("#headline")
    low = page.locator('[id="s-labor.tokens_per_researcher_second"] input').first
    low.fill("1.5")  # log10 of the low end: 10 → 31.6
    text = page.input_value(_control(page, "labor.tokens_per_researcher_second"))
    assert text == "31.6 to 1000 token/researcher_second"
    page.wait_for_function(
        "h => document.getElementById('headline').textContent !== h", arg=headline,
        timeout=60_000,
    )  # fmt: skip
    _settled(page)
    assert "31.6 to 1000" in page.url or "#s=" in page.url
    page.screenshot(path=str(shots / "6-slider.png"))
    page.close()


def test_compare_and_sweep_panels(server: str, browser: Browser, shots: Path) -> None:
    page = _open(browser, server)
    page.fill("#samples", "5000")
    _settled(page)
    page.fill("#compare-settings", "compute.stock=8e21 FLOP/s")
    page.click("#compare")
    page.wait_for_selector("#compare-table tr:nth-child(2)", timeout=60_000)
    row = page.locator("#compare-table tr").nth(1).text_content() or ""
    assert row.startswith("static.research_per_month")
    page.fill("#compare-settings", "no equals sign")
    page.click("#compare")
    assert "NAME=VALUE" in (page.text_content("#err-compare") or "")
    page.fill("#sweep-axis", "compute.stock=1e21..1e23 FLOP/s:5:log")
    page.click("#sweep")
    page.wait_for_selector("#fig-sweep .main-svg", timeout=60_000)
    x = page.evaluate("document.getElementById('fig-sweep').data.at(-1).x")
    assert len(x) == 5 and x[0] == pytest.approx(1e21)
    page.screenshot(path=str(shots / "7-compare-sweep.png"), full_page=True)
    page.fill("#sweep-axis", "compute.stock=1e21..1e23 FLOP/s:40")
    page.click("#sweep")
    page.wait_for_function(
        "document.getElementById('err-sweep').textContent.includes('at most 20')", timeout=60_000
    )
    page.close()


def test_the_tasks_panel_draws_its_curves(server: str, browser: Browser, shots: Path) -> None:
    page = _open(browser, server)
    page.select_option("#preset", "tasks")
    _settled(page)
    page.click("#tasks")
    page.wait_for_selector("#fig-tasks .main-svg", timeout=60_000)
    names = page.evaluate("document.getElementById('fig-tasks').data.map((t) => t.name)")
    assert "ε = 0.25" in names and "single τ (all at the median cost)" in names
    page.locator("#tasks-panel").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "8-tasks.png"))
    page.close()


def test_the_method_select(server: str, browser: Browser, shots: Path) -> None:
    """qmc says so and travels in the link; exact names the input at fault; a race has neither
    exact nor auto."""
    page = _open(browser, server)
    page.fill("#samples", "3200")
    page.select_option("#method", "qmc")
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('3,200 quasi-random samples')",
        timeout=60_000,
    )
    _settled(page)
    link, headline = page.url, page.text_content("#headline")
    again = _open(browser, link)
    assert again.input_value("#method") == "qmc"
    assert again.text_content("#headline") == headline
    again.close()
    page.select_option("#method", "exact")
    error = page.locator('[id="err-compute.training_share"]')  # truncated: not lognormal
    error.wait_for(state="visible", timeout=60_000)
    assert "untruncated lognormal" in (error.text_content() or "")
    page.screenshot(path=str(shots / "9-method-exact.png"))
    page.select_option("#mode", "race")
    assert page.input_value("#method") == "sample"
    assert page.locator('#method option[value="exact"]').is_disabled()
    assert page.locator('#method option[value="qmc"]').is_enabled()
    page.close()
