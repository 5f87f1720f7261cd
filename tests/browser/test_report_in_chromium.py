"""The report opens in a real browser with networking disabled (Debian's headless Chromium).

``make test`` installs Chromium when it runs as root and it is missing; otherwise it stops with
the one command to run. This test is never skipped: without a browser it fails and says how to
get one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from alignment_runway import api

_INSTALL = "sudo apt-get install chromium"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        f"Chromium is needed to test the HTML report: run '{_INSTALL}' (make test does "
        "it when run as root)"
    )


def _headless(browser: str, page: Path, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Load ``page`` with every network request sent to a closed local port."""
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={cwd / 'profile'}",
            *extra,
            page.as_uri(),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    result = api.race(api.load_scenario(preset="race"), samples=3000, keep_trajectories=200)
    return api.report(result, folder / "race.html")


def test_the_report_loads_offline_with_every_section_and_figure(report: Path) -> None:
    browser = _chromium()
    net_log = report.parent / "net.json"
    loaded = _headless(browser, report, "--dump-dom", f"--log-net-log={net_log}", cwd=report.parent)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    dom = loaded.stdout
    for section in ("results", "race", "distributions", "sensitivity", "scenario"):
        assert f'<section id="{section}">' in dom
    assert dom.count("<svg") == 4  # the figures, drawn from the file itself
    # the page asked for nothing beyond itself (the control test shows such asks are logged)
    assert _requested_urls(net_log) == set()


def _requested_urls(net_log: Path) -> set[str]:
    """URLs the page itself asked the network for, from the browser's net log.

    Requests a page makes start a job whose network isolation key is the page's own origin
    (``file://``); the browser's background requests (its own services) have other keys and
    are left out.
    """
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return {
        str(event["params"]["url"])
        for event in log["events"]
        if event.get("type") == start
        and "file://" in str(event.get("params", {}).get("network_isolation_key", ""))
    }


def test_the_net_log_catches_a_page_that_reaches_out(tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png"></body></html>',
        encoding="utf-8",
    )
    net_log = tmp_path / "net.json"
    loaded = _headless(_chromium(), page, "--dump-dom", f"--log-net-log={net_log}", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert any("example.invalid" in url for url in _requested_urls(net_log))


def test_the_first_screen_renders(report: Path) -> None:
    browser = _chromium()
    shot = report.parent / "first-screen.png"
    rendered = _headless(
        browser, report, f"--screenshot={shot}", "--window-size=1280,1000", cwd=report.parent
    )
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a page, not a blank screen
