"""Time the dashboard's page switches and widget changes after the first load (AppTest).

Runs the Streamlit script in-process with ``streamlit.testing.v1.AppTest`` on the demo
region (or ``--region DIR``): one cold load, then warm page switches and widget changes,
each timed as the wall time of one script run.  The browser adds its own drawing time
(the map iframe), which this does not measure.

Run::

    .venv/bin/python benchmarks/app_timings.py [--region DIR] [--repeat 3]
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
    args = ap.parse_args()
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
    for page in ("views/community.py", "views/stops.py", "views/routes.py", "views/my_day.py",
                 "views/impact.py", "views/needs.py"):
        at.switch_page(page).run()
    at.selectbox(key="needs_layer").select_index(1).run()
    at.selectbox(key="needs_layer").select_index(0).run()

    timed("page switch -> Needs and access", lambda: at.switch_page("views/needs.py").run())
    timed("widget: Needs map layer (cached map)", lambda: at.selectbox(key="needs_layer").select_index(1).run())
    timed("widget: Needs tract details", lambda: at.selectbox(key="needs_tract").select_index(2).run())
    timed("page switch -> Community map", lambda: at.switch_page("views/community.py").run())
    timed("page switch -> Plan stops", lambda: at.switch_page("views/stops.py").run())
    timed("page switch -> Plan routes", lambda: at.switch_page("views/routes.py").run())
    timed("page switch -> My day (no plan)", lambda: at.switch_page("views/my_day.py").run())
    timed("page switch -> Impact (empty log)", lambda: at.switch_page("views/impact.py").run())

    at.switch_page("views/needs.py").run()
    t = time.perf_counter()
    at.sidebar.radio(key="scenario_mode").set_value("walk").run()
    print(f"{'scenario: travel mode -> walk (new analyze_region)':<55} {time.perf_counter() - t:.2f} s")
    timed("scenario: back to drive (cached analysis)",
          lambda: at.sidebar.radio(key="scenario_mode").set_value("drive").run())

    at.switch_page("views/my_day.py").run()
    t = time.perf_counter()
    at.button(key="myday_demo").click().run()
    print(f"{'My day: plan the sample week (network plan, 5 s search)':<55} {time.perf_counter() - t:.2f} s")
    timed("page switch -> My day (with plan)", lambda: at.switch_page("views/my_day.py").run())
    day = at.selectbox(key="myday_day")
    timed("widget: My day other day", lambda: at.selectbox(key="myday_day").set_value(
        day.options[-1]).run())
    save = next(b for b in at.button if str(b.key).startswith("rec_save_"))
    t = time.perf_counter()
    at.button(key=save.key).click().run()
    print(f"{'My day: record a visit (Save)':<55} {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    at.button(key="myday_packet").click().run()
    print(f"{'My day: make the field packet (PDF, GPX, ICS, HTML)':<55} {time.perf_counter() - t:.2f} s")
    at.switch_page("views/impact.py").run()
    timed("page switch -> Impact (1 visit, with plan)", lambda: at.switch_page("views/impact.py").run())
    timed("page switch -> Plan routes (with plan)", lambda: at.switch_page("views/routes.py").run())

    at.switch_page("views/stops.py").run()
    at.number_input(key="stops_p").set_value(5)
    t = time.perf_counter()
    at.button[0].click().run()
    print(f"{'Plan stops: first Run (candidates + OD + MCLP + map)':<55} {time.perf_counter() - t:.2f} s")
    at.number_input(key="stops_p").set_value(6)
    t = time.perf_counter()
    at.button[0].click().run()
    print(f"{'Plan stops: Run again, p=6 (solve + map)':<55} {time.perf_counter() - t:.2f} s")
    timed("page switch -> Plan stops (with result)", lambda: at.switch_page("views/stops.py").run())


if __name__ == "__main__":
    main()
