"""Plan routes: the Gantt chart of the day, and pinning from the route table then re-planning.

Streamlit's AppTest runs the real page on a synthetic region's roads (PyVRP, the checker).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import planned_routes_page


@pytest.fixture(autouse=True)
def _needs_map_assets() -> None:
    from tests.conftest import require_map_assets

    require_map_assets()


def _gantt_spec(at: AppTest) -> dict:
    charts = at.get("vega_lite_chart")
    assert charts, "no Gantt chart on the page"
    return json.loads(charts[0].proto.spec)


def test_gantt_chart_shows_the_days_routes_by_worker_name(
    app_env: Path, plan_tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, workers = plan_tables
    at = planned_routes_page(visits, workers, limit_s=5)
    spec = _gantt_spec(at)
    enc = spec["encoding"]
    assert enc["y"]["field"] == "worker" and enc["x"]["field"] == "start"
    assert enc["x2"]["field"] == "end" and enc["color"]["field"] == "kind"
    result = at.session_state["route_plan"]["result"]
    day = at.radio(key="routes_map_day").value
    tl = result.timeline(day=day)
    names = set(result.stops.loc[result.stops["day"] == day, "worker_name"])
    assert set(tl["worker"]) == names and names <= {"Ana", "Ben"}
    assert {"visit", "travel"} <= set(tl["kind"])


def test_pin_from_the_route_table_and_replan_keeps_the_pins(
    app_env: Path, plan_tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, workers = plan_tables
    at = planned_routes_page(visits, workers, limit_s=5)
    first = at.session_state["route_plan"]["result"]
    s = first.stops[first.stops["kind"] == "visit"]
    pins = [s[s["worker_id"] == w]["visit_id"].iloc[0] for w in dict.fromkeys(s["worker_id"])]
    where = {v: s.loc[s["visit_id"] == v, ["worker_id", "day"]].values.tolist() for v in pins}
    route = tuple(s[["worker_id", "day"]].iloc[-1])
    order = s[(s["worker_id"] == route[0]) & (s["day"] == route[1])]["visit_id"].tolist()
    # meanwhile a third worker joins: without the pins the plan would share out again
    more = pd.concat(
        [workers, workers.iloc[[0]].assign(worker_id="cleo", name="Cleo")], ignore_index=True
    )
    at.session_state["routes_workers_src"] = ("workers.csv", more)
    at.run()
    at.multiselect(key="routes_pin").set_value(pins)
    at.multiselect(key="routes_lock").set_value([route]).run()
    at.button(key="routes_replan").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    again = at.session_state["route_plan"]["result"]
    assert again is not first and again.summary()["violations"] == 0
    s2 = again.stops[again.stops["kind"] == "visit"]
    for v, wd in where.items():
        if v not in order:  # a locked route's visits are pinned to it, in order
            assert s2.loc[s2["visit_id"] == v, ["worker_id", "day"]].values.tolist() == wd
    kept = s2[(s2["worker_id"] == route[0]) & (s2["day"] == route[1])]["visit_id"].tolist()
    assert kept == order
    # the page's visits table now carries the pins, so the next Plan keeps them too
    _, table = at.session_state["routes_visits_src"]
    t = table.set_index("visit_id")
    for v, wd in where.items():
        assert [t.at[v, "pinned_worker"], t.at[v, "pinned_day"]] == wd[0]
    assert "cleo" in set(again.workers["worker_id"])
