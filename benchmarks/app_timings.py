"""Time the dashboard's page switches and widget changes after the first load (AppTest).

Runs the Streamlit script in-process with ``streamlit.testing.v1.AppTest`` on the demo
region (or ``--region DIR``): one cold load, then warm page switches and widget changes,
each timed as the wall time of one script run.  The browser adds its own drawing time
(the map iframe), which this does not measure.

Run::

    .venv/bin/python benchmarks/app_timings.py [--region DIR] [--repeat 3]
    .venv/bin/python benchmarks/app_timings.py --team   # a signed-in worker's My day only
    .venv/bin/python benchmarks/app_timings.py --choropleth [--tracts 3000]

``--team``: a team database with accounts and the demo week planned and published; a
worker signed in (a session made by :func:`geo_outreach.team.accounts.start_session`, the
token in the session as the sign-in form leaves it) opens My day.  Reported against the
sign-in page's run in the same process (the baseline: the cost of one script run with
accounts), and checked against the issue's budget: under 1 s after sign-in.

``--choropleth``: a statewide choropleth in Chromium (3,000 TIGER-like tracts over a
600 x 420 km state, built as the Needs page builds its map): the browser's draw time and the
page weight with the tolerance chosen by the extent against the fixed 10 m county tolerance
(the baseline), each the median of 5 warm loads in the same browser.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app" / "main.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--region", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--team", action="store_true", help="time a signed-in worker's My day")
    ap.add_argument("--choropleth", action="store_true", help="time a statewide choropleth")
    ap.add_argument("--tracts", type=int, default=3000)
    args = ap.parse_args()
    if args.choropleth:
        choropleth(args)
        return
    if args.team:
        team(args)
        return
    if args.region:
        os.environ["GEO_OUTREACH_APP_REGION"] = args.region
    # a throw-away visit log, never the user's
    os.environ["GEO_OUTREACH_HOME"] = tempfile.mkdtemp(prefix="app_timings_")
    os.environ.pop("GEO_OUTREACH_DB_URL", None)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    t0 = time.perf_counter()
    at.run()
    print(f"first load (region, networks, access, map): {time.perf_counter() - t0:.2f} s")
    assert not at.exception, at.exception

    def timed(label: str, action) -> None:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            action()
            times.append(time.perf_counter() - t)
            assert not at.exception, at.exception
        print(f"{label:<55} median {statistics.median(times):.3f} s  max {max(times):.3f} s")

    # warm the caches each step touches once, then time
    for page in (
        "views/community.py",
        "views/stops.py",
        "views/routes.py",
        "views/my_day.py",
        "views/impact.py",
        "views/needs.py",
    ):
        at.switch_page(page).run()
    at.selectbox(key="needs_layer").select_index(1).run()
    at.selectbox(key="needs_layer").select_index(0).run()

    timed("page switch -> Needs and access", lambda: at.switch_page("views/needs.py").run())
    timed(
        "widget: Needs map layer (cached map)",
        lambda: at.selectbox(key="needs_layer").select_index(1).run(),
    )
    timed(
        "widget: Needs tract details", lambda: at.selectbox(key="needs_tract").select_index(2).run()
    )
    timed("page switch -> Community map", lambda: at.switch_page("views/community.py").run())
    timed("page switch -> Plan stops", lambda: at.switch_page("views/stops.py").run())
    timed("page switch -> Plan routes", lambda: at.switch_page("views/routes.py").run())
    timed("page switch -> My day (no plan)", lambda: at.switch_page("views/my_day.py").run())
    timed("page switch -> Impact (empty log)", lambda: at.switch_page("views/impact.py").run())

    at.switch_page("views/needs.py").run()
    t = time.perf_counter()
    at.sidebar.radio(key="scenario_mode").set_value("walk").run()
    print(
        f"{'scenario: travel mode -> walk (new analyze_region)':<55} {time.perf_counter() - t:.2f} s"
    )
    timed(
        "scenario: back to drive (cached analysis)",
        lambda: at.sidebar.radio(key="scenario_mode").set_value("drive").run(),
    )

    at.switch_page("views/my_day.py").run()
    t = time.perf_counter()
    at.button(key="myday_demo").click().run()
    print(
        f"{'My day: plan the sample week (network plan, 5 s search)':<55} {time.perf_counter() - t:.2f} s"
    )
    timed("page switch -> My day (with plan)", lambda: at.switch_page("views/my_day.py").run())
    day = at.selectbox(key="myday_day")
    timed(
        "widget: My day other day",
        lambda: at.selectbox(key="myday_day").set_value(day.options[-1]).run(),
    )
    save = next(b for b in at.button if str(b.key).startswith("rec_save_"))
    t = time.perf_counter()
    at.button(key=save.key).click().run()
    print(f"{'My day: record a visit (Save)':<55} {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    at.button(key="myday_packet").click().run()
    print(
        f"{'My day: make the field packet (PDF, GPX, ICS, HTML)':<55} {time.perf_counter() - t:.2f} s"
    )
    at.switch_page("views/impact.py").run()
    timed(
        "page switch -> Impact (1 visit, with plan)",
        lambda: at.switch_page("views/impact.py").run(),
    )
    timed("page switch -> Plan routes (with plan)", lambda: at.switch_page("views/routes.py").run())

    at.switch_page("views/stops.py").run()
    at.number_input(key="stops_p").set_value(5)
    t = time.perf_counter()
    at.button[0].click().run()
    print(
        f"{'Plan stops: first Run (candidates + OD + MCLP + map)':<55} {time.perf_counter() - t:.2f} s"
    )
    at.number_input(key="stops_p").set_value(6)
    t = time.perf_counter()
    at.button[0].click().run()
    print(f"{'Plan stops: Run again, p=6 (solve + map)':<55} {time.perf_counter() - t:.2f} s")
    timed("page switch -> Plan stops (with result)", lambda: at.switch_page("views/stops.py").run())


def team(args: argparse.Namespace) -> None:
    """A signed-in worker's My day from the published demo plan (see the module docstring)."""
    import datetime as dt
    import sys

    if args.region:
        os.environ["GEO_OUTREACH_APP_REGION"] = args.region
    os.environ["GEO_OUTREACH_HOME"] = home = tempfile.mkdtemp(prefix="app_timings_team_")
    os.environ.pop("GEO_OUTREACH_DB_URL", None)
    sys.path.insert(0, str(APP.parent))
    import logic
    from streamlit.testing.v1 import AppTest

    import geo_outreach as go
    from geo_outreach.team import accounts as ac
    from geo_outreach.team import plans as pl
    from geo_outreach.team.streets import region_streets
    from geo_outreach.visits.store import open_store

    region = go.open_region(args.region)
    v, w = logic.read_tables(logic.demo_table("visits"), logic.demo_table("workers"))
    t = time.perf_counter()
    made = go.plan_routes(region, v, w, days=list(logic.WEEK[:5]), time_limit_s=5.0, seed=0)
    folder = made.save(Path(home) / "plan")
    print(f"{'plan the demo week (5 s search)':<55} {time.perf_counter() - t:.2f} s")
    monday = pl.monday_of(dt.date.today())
    store = open_store(None)
    t = time.perf_counter()
    plan = pl.publish_plan(store, folder, week_of=monday, region=region.region.name,
                           streets=region_streets(args.region))  # fmt: skip
    print(f"{'publish (with street addresses)':<55} {time.perf_counter() - t:.2f} s")
    route = max(plan["routes"], key=lambda r: len(r["stops"]))
    ac.add_user(store, "bench_mgr", password="long enough", role="manager")
    ac.add_user(store, "bench_w", password="long enough", role="worker",
                worker_id=route["worker_id"])  # fmt: skip
    token, _ = ac.start_session(store, "bench_w", "long enough")

    at = AppTest.from_file(str(APP), default_timeout=600)
    t = time.perf_counter()
    at.run()  # anonymous: the sign-in page
    print(f"{'first load, signed out (sign-in page)':<55} {time.perf_counter() - t:.2f} s")
    base = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        at.run()
        base.append(time.perf_counter() - t)
    at.session_state["auth_token"] = token  # what the sign-in form leaves in the session
    at.query_params["date"] = route["date"]
    t = time.perf_counter()
    at.switch_page("views/my_day.py").run()
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    n = sum(1 for c in at.markdown if str(c.value).startswith(("**1.", "**2.")))
    assert n >= 1, [c.value for c in at.markdown][:5]
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        at.switch_page("views/my_day.py").run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    b, m = statistics.median(base), statistics.median(times)
    print(f"{'baseline: sign-in page run':<55} median {b:.3f} s")
    print(f"{'My day after sign-in, first (day map drawn)':<55} {first:.3f} s")
    print(f"{'My day after sign-in, again':<55} median {m:.3f} s  max {max(times):.3f} s")
    print(f"ratio My day / sign-in page: {m / b:.1f}x; "
          f"{len(route['stops'])} stops of {route['worker_id']} on {route['date']}; "
          f"budget 1 s: {'met' if max(first, *times) < 1.0 else 'NOT met'}")  # fmt: skip


def choropleth(args: argparse.Namespace) -> None:
    import sys

    sys.path.insert(0, str(APP.parents[1]))
    from playwright.sync_api import sync_playwright

    from app import maps
    from geo_outreach.data.synth import tract_polygons
    from geo_outreach.present.webmap import add_choropleth, add_layer_control, base_map

    tracts = tract_polygons(args.tracts, seed=3)
    out = Path(tempfile.mkdtemp(prefix="choropleth_"))
    pages = {}
    for label, tol in (("fixed 10 m (baseline)", 10.0), ("by extent", None)):
        t = time.perf_counter()
        m = base_map(tuple(tracts.total_bounds), roads=None, attribution="(c) OpenStreetMap")
        layer = add_choropleth(
            m, tracts, "need_score", fields=["name", "need_score"], simplify_m=tol
        )
        maps.add_popup(layer, tracts, ["need_score"], ["Need index"])
        add_layer_control(m)
        path = out / f"{'auto' if tol is None else 'fixed'}.html"
        path.write_text(maps.to_page(m, inline=True), encoding="utf-8")
        pages[label] = (path, time.perf_counter() - t)
    n = len(tracts)
    from tests.browser import drawn_and_fitted_js  # the browser test's own condition

    js = drawn_and_fitted_js(n)
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        for label, (path, build_s) in pages.items():
            times = []
            for k in range(6):
                page.goto(path.as_uri(), wait_until="commit")
                page.wait_for_function(js, polling="raf", timeout=120_000)
                if k:  # the first load compiles the scripts
                    times.append(page.evaluate("performance.now()") / 1000)
            results[label] = statistics.median(times)
            print(
                f"{n} tracts, {label:<22} page {path.stat().st_size / 1e6:5.1f} MB  "
                f"built in {build_s:5.1f} s  drawn in median {results[label]:.2f} s "
                f"(max {max(times):.2f} s)"
            )
        browser.close()
    base, new = results["fixed 10 m (baseline)"], results["by extent"]
    print(
        f"draw time by extent / fixed 10 m: {new / base:.2f}; budget 3 s: "
        f"{'met' if new < 3 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
