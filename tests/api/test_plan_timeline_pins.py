"""A plan's Gantt table (``Plan.timeline``) and re-planning around pins (``Plan.pinned_visits``).

Real plans on a synthetic region's roads (PyVRP, the independent checker on every plan).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import geo_outreach as go
from geo_outreach.errors import InputError
from geo_outreach.present.timeline import SEGMENT_KINDS


@pytest.fixture(scope="module")
def region(synth_region):
    return go.open_region(synth_region)


@pytest.fixture(scope="module")
def tables(synth_region) -> tuple[pd.DataFrame, pd.DataFrame]:
    import geopandas as gpd

    tracts = gpd.read_file(synth_region / "tracts.gpkg", layer="tracts").to_crs(4326)
    minx, miny, maxx, maxy = tracts.total_bounds
    rng = np.random.default_rng(7)
    n = 24  # 24 h of visits for 2 x 2 days of 8.5 h: both workers are needed
    lon = minx + (maxx - minx) * rng.uniform(0.2, 0.8, n)
    lat = miny + (maxy - miny) * rng.uniform(0.2, 0.8, n)
    visits = pd.DataFrame(
        {
            "visit_id": [f"V{i:02d}" for i in range(n)],
            "name": [f"Home {i}" for i in range(n)],
            "lon": [f"{x:.5f}" for x in lon],
            "lat": [f"{y:.5f}" for y in lat],
            "duration_min": ["60"] * n,
            # a few with a late window: the worker arrives early and waits
            "windows": ["14:00-16:00" if i in (3, 9) else "" for i in range(n)],
        }
    )
    cx, cy = f"{(minx + maxx) / 2:.5f}", f"{(miny + maxy) / 2:.5f}"
    workers = pd.DataFrame(
        {
            "worker_id": ["ow_ana", "ow_ben"],
            "name": ["Ana Ruiz", "Ben Okafor"],
            "start_lon": [cx, cx],
            "start_lat": [cy, cy],
            "shift": ["Mon-Tue 08:30-17:00", "Mon-Tue 08:30-17:00"],
            "break": ["30@11:30-13:30", "30"],
        }
    )
    return visits, workers


@pytest.fixture(scope="module")
def plan(region, tables) -> go.Plan:
    visits, workers = tables
    return go.plan_routes(region, visits, workers, days=2, max_iterations=300, seed=0)


def test_timeline_tiles_each_working_day(plan):
    assert plan.summary()["violations"] == 0
    tl = plan.timeline(week_of=dt.date(2026, 11, 4))
    assert set(tl["kind"]) <= set(SEGMENT_KINDS) and {"travel", "visit", "break"} <= set(tl["kind"])
    routes = pd.DataFrame(plan.routes.drop(columns="geometry")).set_index(["worker_id", "day"])
    assert len(tl.groupby(["worker_id", "day"])) == len(routes)
    for (wid, day), seg in tl.groupby(["worker_id", "day"]):
        seg = seg.sort_values("start_s")
        r = routes.loc[(wid, day)]
        # from leaving the start to being back, no gap and no overlap
        assert seg["start_s"].iloc[0] == r["start_s"] and seg["end_s"].iloc[-1] == r["end_s"]
        assert (seg["start_s"].to_numpy()[1:] == seg["end_s"].to_numpy()[:-1]).all()
        assert (seg["end_s"] > seg["start_s"]).all()
        # worker rows show the name, not the id
        assert set(seg["worker"]) == {r["worker_name"]}
        # the visits and the break are the route's own
        st = plan.stops[(plan.stops["worker_id"] == wid) & (plan.stops["day"] == day)]
        for kind in ("visit", "break"):
            want = st.loc[st["kind"] == kind, ["start_s", "end_s"]].to_numpy().tolist()
            got = seg.loc[seg["kind"] == kind, ["start_s", "end_s"]].to_numpy().tolist()
            assert got == want, (wid, day, kind)
        assert len(want) <= 1
        # the travel segments sum to the route's travel
        assert seg.loc[seg["kind"] == "travel", "end_s"].sub(seg["start_s"]).sum() == r["travel_s"]
    assert (tl["kind"] == "break").any()
    # wall-clock times in the region's time zone, on the route's date
    assert str(tl["start"].dt.tz) == plan.timezone
    mon = tl[tl["day"] == "Mon"].iloc[0]
    assert mon["start"].date() == dt.date(2026, 11, 2)
    assert (
        mon["start"].hour * 3600 + mon["start"].minute * 60 + mon["start"].second == mon["start_s"]
    )
    one_day = plan.timeline(day="Tue")
    assert set(one_day["day"]) == {"Tue"}
    with pytest.raises(InputError):
        plan.timeline(day="Someday")


def test_timeline_of_a_saved_plan_is_the_same(plan, tmp_path):
    back = go.read_plan(plan.save(tmp_path / "plan"))
    a = plan.timeline(week_of=dt.date(2026, 11, 2))
    b = back.timeline(week_of=dt.date(2026, 11, 2))
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_replan_keeps_pinned_visits_where_they_were(region, tables, plan):
    visits, workers = tables
    s = plan.stops[plan.stops["kind"] == "visit"]
    # pin one visit of each worker
    chosen = [s[s["worker_id"] == w]["visit_id"].iloc[0] for w in ("ow_ana", "ow_ben")]
    pinned = plan.pinned_visits(chosen)
    where = {
        v: (
            s.loc[s["visit_id"] == v, "worker_id"].iloc[0],
            s.loc[s["visit_id"] == v, "day"].iloc[0],
        )
        for v in chosen
    }
    p = pinned.set_index("visit_id")
    for v, (w, d) in where.items():
        assert (p.at[v, "pinned_worker"], p.at[v, "pinned_day"]) == (w, d)
    assert (p.drop(index=chosen)["pinned_worker"] == "").all()
    # re-plan with other inputs (two more visits, another seed): the pins hold
    extra = visits.iloc[:2].assign(visit_id=["X1", "X2"], name=["New 1", "New 2"])
    again = go.plan_routes(
        region, pd.concat([pinned, extra], ignore_index=True), workers, days=2,
        max_iterations=300, seed=5,
    )  # fmt: skip
    assert again.summary()["violations"] == 0
    s2 = again.stops[again.stops["kind"] == "visit"]
    for v, (w, d) in where.items():
        assert s2.loc[s2["visit_id"] == v, ["worker_id", "day"]].values.tolist() == [[w, d]]
    with pytest.raises(InputError, match="cannot be pinned"):
        plan.pinned_visits(["NOPE"])


def test_locked_route_keeps_its_visits_in_order(region, tables, plan):
    _, workers = tables
    r = plan.routes.iloc[0]
    route = (r["worker_id"], r["day"])
    order = plan.stops[
        (plan.stops["worker_id"] == route[0]) & (plan.stops["day"] == route[1])
        & (plan.stops["kind"] == "visit")
    ]["visit_id"].tolist()  # fmt: skip
    pinned = plan.pinned_visits(routes=[route])
    again = go.plan_routes(
        region, pinned, workers, days=2, max_iterations=300, seed=5, locked=[route]
    )
    st = again.stops
    kept = st[(st["worker_id"] == route[0]) & (st["day"] == route[1]) & (st["kind"] == "visit")]
    assert kept["visit_id"].tolist() == order


def test_next_week_is_counted_in_the_plans_time_zone(plan, monkeypatch):
    """Sunday evening in UTC is already Monday in Kiribati: 'next week' there starts a week later."""
    import geo_outreach.present.timeline as timeline

    instant = dt.datetime(2026, 11, 8, 20, 0, tzinfo=dt.UTC)  # a Sunday in UTC

    class _Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    class _Today(dt.date):
        @classmethod
        def today(cls):  # type: ignore[override]
            return instant.date()  # the server's (UTC) date

    fake = type("dt", (), {"datetime": _Clock, "date": _Today, "timedelta": dt.timedelta})
    monkeypatch.setattr(timeline, "dt", fake)
    stops = plan.stops
    east = timeline.route_timeline(stops, day="Mon", timezone="Pacific/Kiritimati")
    assert set(east["start"].dt.date) == {dt.date(2026, 11, 16)}
    here = timeline.route_timeline(stops, day="Mon", timezone="America/Los_Angeles")
    assert set(here["start"].dt.date) == {dt.date(2026, 11, 9)}
    naive = timeline.route_timeline(stops, day="Mon")
    assert set(naive["start"].dt.date) == {dt.date(2026, 11, 9)}
