"""End-to-end: the dashboard in Debian's Chromium, offline (no request off 127.0.0.1)."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from .conftest import REGION_ENV

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def _needs_chromium_and_assets() -> None:
    """Skip without Chromium or the map assets; fail instead in CI (CI=true)."""
    from tests.conftest import require_chromium, require_map_assets

    require_chromium()
    require_map_assets()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(app_region: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    port = _free_port()
    env = {
        **os.environ,
        "GEO_OUTREACH_APP_REGION": str(app_region),
        "GEO_OUTREACH_HOME": str(tmp_path_factory.mktemp("visit_home")),
    }
    env.pop("GEO_OUTREACH_DB_URL", None)
    env.pop("GEO_OUTREACH_APP_REGION", None) if os.environ.get("APP_TEST_DEMO") else None
    region = [] if os.environ.get("APP_TEST_DEMO") else ["--region", str(app_region)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo_outreach", "app", *region, "--port", str(port)],
        env={k: v for k, v in env.items() if k != REGION_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Streamlit prints this line once its server listens
        said = _wait_for_line(proc, "You can now view your Streamlit app", timeout_s=90)
        with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as r:
            assert r.status == 200, f"the app is not healthy; it said: {said}"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_for_line(proc: subprocess.Popen, needle: str, *, timeout_s: float) -> str:
    """Wait until the server prints a line containing ``needle`` (it is listening)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # the process ended

    threading.Thread(target=pump, daemon=True).start()
    said: list[str] = []
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            pytest.fail(f"the app did not start in {timeout_s:.0f} s; it said: {''.join(said)}")
        if line is None:
            pytest.fail(f"the app exited ({proc.wait()}); it said: {''.join(said)}")
        said.append(line)
        if needle in line:
            return "".join(said)


#: True when some map iframe has drawn Leaflet SVG paths (the app's iframes are same-origin).
_MAP_DRAWN = """() => [...document.querySelectorAll('iframe')].reduce((n, f) => {
    try { return n + f.contentDocument.querySelectorAll('.leaflet-overlay-pane svg path').length }
    catch (e) { return n }
}, 0)"""


def _wait_map(page, timeout_s: float = 120) -> int:
    """Wait until a Leaflet map inside an iframe has drawn SVG paths; return their count."""
    try:
        handle = page.wait_for_function(_MAP_DRAWN, timeout=timeout_s * 1000)
    except Exception:
        said = page.locator("[data-testid=stMain]").inner_text()[:1500]
        raise AssertionError(f"no Leaflet map drew its layers; the page said: {said}") from None
    return int(handle.json_value())


def _idle(page) -> None:
    """Wait until the script run has finished (a click during a run can be lost): the app
    root reports the server's script state."""
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(
        state="attached"
    )
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden")


def _click_until(page, button, text: str, *, tries: int = 3, wait_s: float = 60) -> None:
    """Click ``button`` until ``text`` shows (a click that lands during a rerun is dropped)."""
    for k in range(tries):
        _idle(page)
        button.click()
        try:
            page.get_by_text(text).first.wait_for(timeout=wait_s * 1000)
            return
        except Exception:
            if k == tries - 1:
                page.screenshot(path=str(SHOTS / "failure.png"), full_page=True)
                alerts = [a.inner_text() for a in page.locator("[data-testid=stAlert]").all()]
                raise AssertionError(f"{text!r} did not show; messages: {alerts}") from None


def _upload_until(page, index: int, path: Path, text: str, *, tries: int = 3, **wait) -> None:
    """Give file input ``index`` the file ``path`` until the server says ``text``.

    An upload that lands while a run redraws the page goes to an uploader that is replaced
    (its file is dropped), so wait for the run to end first and set the file again if the
    server never reports it.
    """
    for k in range(tries):
        _idle(page)
        page.locator("input[type=file]").nth(index).set_input_files(str(path))
        try:
            page.get_by_text(text).first.wait_for(timeout=45_000, **wait)
            return
        except Exception:
            if k == tries - 1:
                alerts = [a.inner_text() for a in page.locator("[data-testid=stAlert]").all()]
                raise AssertionError(f"{text!r} did not show; messages: {alerts}") from None


def _plan_uploaded_week(
    page, vpath: Path, wpath: Path, visits: pd.DataFrame, workers: pd.DataFrame, done: str
) -> None:
    """On Plan routes: upload the visits and workers, plan with a 2 s search, wait for ``done``."""
    # the server says which file each table comes from once it has read the upload
    _upload_until(page, 0, vpath, f"Visits from {vpath.name} ({len(visits)} rows)")
    _upload_until(
        page, 1, wpath, f"Workers from {wpath.name} ({len(workers)} rows)",
        state="attached",  # in the hidden Workers tab
    )  # fmt: skip
    _idle(page)
    limit = page.get_by_test_id("stNumberInputField").and_(
        page.get_by_label("Time limit (s)", exact=True)
    )
    limit.fill("2")
    limit.press("Enter")
    _click_until(page, page.get_by_role("button", name="Plan", exact=True), done)


def test_every_page_offline(
    app_url: str, plan_tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    visits, workers = plan_tables
    vpath, wpath = tmp_path / "visits.csv", tmp_path / "workers.csv"
    visits.to_csv(vpath, index=False)
    workers.to_csv(wpath, index=False)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.set_default_timeout(120_000)

        page.goto(app_url)
        page.get_by_text("Most underserved tracts").wait_for()
        assert _wait_map(page) > 5
        assert page.locator("iframe").count() >= 1
        page.screenshot(path=str(SHOTS / "needs.png"), full_page=True)

        def nav(title: str) -> None:
            page.get_by_role("link", name=title).first.click()
            page.get_by_role("heading", name=title).first.wait_for()

        nav("Plan stops")
        _click_until(page, page.get_by_role("button", name="Run"), "Chosen stops, in order of gain")
        _wait_map(page)
        page.screenshot(path=str(SHOTS / "stops.png"), full_page=True)

        nav("Plan routes")
        page.get_by_text("Workers").first.wait_for()
        inputs = page.locator("input[type=file]")
        bad = tmp_path / "visits.png"
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        inputs.nth(0).set_input_files(str(bad))
        page.get_by_text("visits.png: this is not a CSV text file").wait_for()
        _plan_uploaded_week(page, vpath, wpath, visits, workers, "Not planned, and why")
        _wait_map(page)
        page.screenshot(path=str(SHOTS / "routes.png"), full_page=True)

        nav("My day")  # same session: the plan made above
        page.get_by_text("Who are you?").wait_for()
        _wait_map(page)
        page.set_viewport_size({"width": 420, "height": 900})
        page.get_by_text("Record this visit").first.click()
        page.get_by_text("No one there").first.wait_for()
        _idle(page)
        page.screenshot(path=str(SHOTS / "my_day_phone.png"), full_page=True)
        _click_until(page, page.get_by_role("button", name="Save").first, "Saved: Done.")
        _idle(page)
        page.get_by_text("Field packet: printable sheet").click()
        _click_until(
            page,
            page.get_by_role("button", name="Make my field packet"),
            "Route sheet (PDF, to print)",
        )
        with page.expect_download() as dl:
            page.get_by_role("button", name="Route sheet (PDF, to print)").click()
        assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
        page.set_viewport_size({"width": 1400, "height": 1000})

        nav("Impact")
        page.get_by_role("heading", name="Reach by tract").wait_for()
        assert page.get_by_text("People reached").count() >= 1
        _idle(page)
        assert _wait_map(page) > 0  # the reach map (its failure message says what the page said)
        page.screenshot(path=str(SHOTS / "impact.png"), full_page=True)

        nav("Community map")
        page.get_by_text("Download map (PNG)").wait_for()
        _wait_map(page)
        page.screenshot(path=str(SHOTS / "community.png"), full_page=True)
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download map (PNG)").click()
        assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        browser.close()

    hosts = {
        urlparse(u).hostname
        for u in requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts == {"127.0.0.1"}, (
        f"requests off 127.0.0.1: {sorted(h for h in hosts if h != '127.0.0.1')}"
    )
    assert any("/app/static/vendor/leaflet@" in u for u in requests)
