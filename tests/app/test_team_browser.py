"""The team in Chromium, one browser context per person: a manager plans and publishes, a
worker on a phone (390 x 844) sees exactly their published stops, records a visit and takes
their packet; a planner finds no client name; an anonymous visitor sees only the sign-in."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS

from .conftest import has_vendor_assets, region_today
from .test_browser import SHOTS, _click_until, _idle, _plan_uploaded_week

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not has_vendor_assets(), reason="map assets missing"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs {CHROMIUM}"),
]
ROOT = Path(__file__).resolve().parents[2]
PW = "long enough"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def team_app(app_region: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app with four accounts (one disabled) in a fresh team database."""
    home = tmp_path_factory.mktemp("team_home")
    env = {**os.environ, "GEO_OUTREACH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("GEO_OUTREACH_DB_URL", None)
    env.pop("GEO_OUTREACH_APP_REGION", None)
    db = f"sqlite:///{home / 'visits.sqlite'}"

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "geo_outreach", *args, "--db", db],
            env=env, input=stdin, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip

    for user, role, wid in (
        ("maria", "manager", ""), ("ana", "worker", "ana"), ("pat", "planner", ""),
        ("locky", "planner", ""), ("gone", "worker", "ben"),
    ):  # fmt: skip
        cli("users", "add", user, "--role", role, *(["--worker-id", wid] if wid else []),
            "--password-stdin", stdin=PW + "\n")  # fmt: skip
    cli("users", "disable", "gone")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo_outreach", "app", "--region", str(app_region), "--port",
         str(port), "--db", db],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start in 90 s")
        yield {"url": url, "cli": cli, "db": db}
    finally:
        proc.terminate()
        proc.wait(30)


def _sign_in_form(page) -> None:
    """Wait until the sign-in form is drawn, fields included.

    Streamlit loads each widget's script on demand: on a cold first load the "Sign in"
    button (main bundle) is drawn and the run is over while the text inputs' script is
    still loading, so the page text has no "Username" yet.  Wait for the inputs themselves.
    """
    page.get_by_role("button", name="Sign in").wait_for()
    page.get_by_label("Username").wait_for()
    page.get_by_label("Password", exact=True).wait_for()
    _idle(page)


def _sign_in(page, url: str, user: str, pw: str = PW, *, path: str = "") -> None:
    page.goto(url + path)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(pw)
    page.get_by_role("button", name="Sign in").click()


def _page_text(page) -> str:
    texts = [page.locator("[data-testid=stMain]").inner_text()]
    for frame in page.frames:
        if frame != page.main_frame:
            with contextlib.suppress(Exception):  # a frame detached by a rerun
                texts.append(frame.locator("body").inner_text(timeout=5000))
    return "\n".join(texts)


def test_team_in_separate_browser_contexts(team_app, plan_tables, tmp_path, app_region) -> None:
    from playwright.sync_api import sync_playwright

    url, cli = team_app["url"], team_app["cli"]
    visits, workers = plan_tables
    vpath, wpath = tmp_path / "visits.csv", tmp_path / "workers.csv"
    visits.to_csv(vpath, index=False)
    workers.to_csv(wpath, index=False)
    today = region_today(app_region)  # the week as the team counts it (the region's zone)
    monday = today - dt.timedelta(days=today.weekday())

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
            browser_timeout = 120_000

            # ---- anonymous: only the sign-in, on every URL
            anon = browser.new_context(viewport={"width": 1200, "height": 900})
            page = anon.new_page()
            page.set_default_timeout(browser_timeout)
            for path in ("", "/routes", "/my-day?worker=ana", "/impact"):
                page.goto(url + path)
                _sign_in_form(page)
                text = _page_text(page)
                assert "Username" in text and "Password" in text
                for other in ("Plan routes", "Needs and access", "My day", "Sign out"):
                    assert other not in text, (path, other)
            # wrong password, lock-out after five, disabled account
            for _ in range(4):
                _sign_in(page, url, "locky", "wrong password")
                page.get_by_text("wrong username or password").wait_for()
            _sign_in(page, url, "locky", "wrong password")
            page.get_by_text("locked until").wait_for()
            _sign_in(page, url, "locky")
            page.get_by_text("locked until").wait_for()
            _sign_in(page, url, "gone")
            page.get_by_text("disabled").wait_for()
            anon.close()

            # ---- manager: plan the week and publish it
            mgr = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = mgr.new_page()
            page.set_default_timeout(browser_timeout)
            _sign_in(page, url, "maria")
            page.get_by_text("Signed in as").wait_for()
            page.get_by_role("link", name="Plan routes").first.click()
            page.get_by_role("heading", name="Plan routes").wait_for()
            _plan_uploaded_week(page, vpath, wpath, visits, workers, "Publish to the team")
            _click_until(
                page, page.get_by_role("button", name="Publish"),
                re.compile(r"Published plan \d+ for the week of"),
            )  # fmt: skip
            mgr.close()

            plans = json.loads(cli("plans", "list", "--json").stdout)
            assert [(q["status"], q["week_of"]) for q in plans] == [
                ("published", monday.isoformat())
            ]
            shown = json.loads(cli("plans", "show", str(plans[0]["id"]), "--json").stdout)
            ana_days = [r for r in shown["routes"] if r["worker_id"] == "ana"]
            assert ana_days, "the plan gives ana a route"
            route = ana_days[0]
            others = {
                s["name"] for r in shown["routes"] if r["worker_id"] != "ana" for s in r["stops"]
            }
            others -= {s["name"] for s in route["stops"]}

            # ---- worker on a phone: exactly their published stops of that day
            wk = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                     has_touch=True, accept_downloads=True)  # fmt: skip
            page = wk.new_page()
            page.set_default_timeout(browser_timeout)
            _sign_in(page, url, "ana", path=f"/my-day?date={route['date']}")
            page.get_by_role("heading", name="My day").wait_for()
            stops = page.locator("[class*='st-key-team_stop_']")
            stops.first.wait_for()
            _idle(page)
            assert stops.count() == len(route["stops"])
            from geo_outreach.present.labels import time_text

            for i, s in enumerate(route["stops"]):
                t = stops.nth(i).inner_text()
                # times as the worker's language (English here) writes them
                when = f"{time_text(s['start'], lang='en')}–{time_text(s['end'], lang='en')}"
                assert t.startswith(f"{s['seq']}. {when} · {s['name']}"), t
                assert s["address"] in t
            text = _page_text(page)
            assert not any(n in text for n in others)
            # each link button is drawn when its script has loaded (the one with an icon
            # last): find them by name, not by their order at one moment
            box = stops.first.locator("[class*='st-key-team_nav_']")
            hrefs = []
            for name in ("Navigate", "OpenStreetMap", "Apple Maps"):
                link = box.get_by_role("link", name=re.compile(f"{name}$"))
                link.wait_for()
                hrefs.append(link.get_attribute("href") or "")
            assert hrefs[0].startswith("geo:") and "openstreetmap.org/directions" in hrefs[1]
            assert hrefs[2].startswith("https://maps.apple.com/")
            assert not any(route["stops"][0]["name"].split()[0] in h for h in hrefs)
            # a reload keeps the session (signed cookie checked against the database)
            page.reload()
            stops.first.wait_for()
            assert page.get_by_role("button", name="Sign in").count() == 0
            # another worker's day: refused
            page.goto(url + f"/my-day?date={route['date']}&worker=ben")
            page.get_by_text("refused").wait_for()
            assert page.locator("[class*='st-key-team_stop_']").count() == 0
            # a page of another role, by its URL: the page's own plain refusal
            page.goto(url + "/impact")
            page.get_by_text("refused").first.wait_for()
            assert page.get_by_role("heading", name="Impact").count() == 0
            page.goto(url + f"/my-day?date={route['date']}")
            stops.first.wait_for()
            _idle(page)
            # the worker's own page by its URL is that page (not "Page not found")
            assert page.get_by_text("Page not found").count() == 0
            # record the first visit (another day than today asks to confirm)
            stops.first.get_by_text("Record this visit").click()
            # the checkbox's own label (the warning above it quotes the same words)
            confirm = stops.first.get_by_text(re.compile(r"^Yes, this visit was on"))
            if route["date"] != region_today(app_region).isoformat():  # the region's today
                stops.first.get_by_role("button", name="Save").click()
                stops.first.get_by_text("tick 'Yes, this visit was on").wait_for()
                confirm.click()
            stops.first.get_by_role("button", name="Save").click()
            stops.first.get_by_text("Saved: Done.").wait_for()
            _idle(page)
            page.get_by_text("Field packet: printable sheet").click()
            page.get_by_role("button", name="Make my field packet").click()
            page.get_by_role("button", name="Route sheet (PDF, to print)").wait_for()
            with page.expect_download() as dl:
                page.get_by_role("button", name="Route sheet (PDF, to print)").click()
            assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
            wk.close()

            # ---- planner: no client name or address on any page they can reach
            pl = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = pl.new_page()
            page.set_default_timeout(browser_timeout)
            _sign_in(page, url, "pat")
            page.get_by_role("heading", name="Needs and access").wait_for()
            links = [  # the link's text after its icon's name
                a.inner_text().split("\n")[-1].strip()
                for a in page.locator("[data-testid=stSidebarNav] a").all()
            ]
            assert set(links) == {"Needs and access", "Community map", "Impact"}
            for title in links:
                page.get_by_role("link", name=title).first.click()
                page.get_by_role("heading", name=title).first.wait_for()
                _idle(page)
                text = _page_text(page)
                for col in ("name", "address"):
                    for v in visits[col]:
                        assert str(v) not in text, (title, v)
            page.goto(url + "/routes")
            _idle(page)
            assert page.get_by_role("heading", name="Plan routes").count() == 0
            pl.close()
            browser.close()
        except Exception:
            with contextlib.suppress(Exception):  # what the page showed, for the failure
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / "team_failure.png"), full_page=True)
            raise

    # the recorded visit links to the published plan by (plan id, visit id, occurrence, date)
    from geo_outreach.visits.store import open_store, visits_frame

    with open_store(team_app["db"]) as st:
        df = visits_frame(st)
    assert len(df) == 1
    row = df.iloc[0]
    first = route["stops"][0]
    assert (int(row["plan_id"]), row["planned_visit_id"], int(row["occurrence"])) == (
        plans[0]["id"], first["visit_id"], first["occurrence"],
    )  # fmt: skip
    assert str(row["visit_date"])[:10] == route["date"]
