"""Routing on the road network: snapping, od_table matrices, road geometry, siting stops."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo_outreach.errors import InputError
from geo_outreach.network.context import open_region
from geo_outreach.network.traveltime import od_table
from geo_outreach.optimize.routing import Parameters
from geo_outreach.optimize.routing.network import (
    PlanOnNetwork,
    first_weekdays,
    plan_on_region,
    read_plan_inputs,
    snap_locations,
    visits_from_stops,
)
from geo_outreach.optimize.routing.plan import Route
from tests.conftest import write_plan_inputs

REPO = Path(__file__).resolve().parents[3]


def tiny_plan(tiny_region: Path, tmp_path: Path, **kw) -> PlanOnNetwork:
    inp = read_plan_inputs(*write_plan_inputs(tmp_path / "in", **kw.pop("csv", {})))
    ctx = open_region(tiny_region)
    return plan_on_region(
        ctx,
        inp.visits,
        inp.workers,
        inp.locations,
        days=kw.pop("days", 1),
        time_limit_s=kw.pop("time_limit_s", 0.5),
        seed=0,
        details=inp.details,
        params=Parameters(repair_time_s=1),
        **kw,
    )


def network_coords(net) -> set[tuple[float, float]]:
    """Every vertex of the network's roads (nodes and edge geometries), rounded."""
    out = {(round(x, 7), round(y, 7)) for x, y in zip(net.lon, net.lat, strict=True)}
    for _u, _v, data in net.graph.edges(data=True):
        if "geometry" in data:
            out.update((round(x, 7), round(y, 7)) for x, y in data["geometry"].coords)
    return out


def assert_travel_matches_network(plan: PlanOnNetwork, networks: dict) -> int:
    """Every leg of stops: travel_s = ceil(od_table time) between the rows' nearest nodes."""
    checked = 0
    for (wid, _day), rows in plan.stops.groupby(["worker_id", "day"], sort=False):
        net = networks[plan.problem.worker_by_id[wid].mode]
        rows = rows.sort_values("seq")
        nodes, _ = net.nearest_nodes(rows["lon"].to_numpy(), rows["lat"].to_numpy())
        pts = pd.DataFrame({"id": [str(n) for n in nodes], "node_id": nodes}).drop_duplicates()
        od = od_table(net, pts, pts).set_index(["origin_id", "dest_id"])["travel_time_s"]
        prev = None
        for (_, r), node in zip(rows.iterrows(), nodes, strict=True):
            if prev is not None:
                p_row, p_node = prev
                if r["location_id"] == p_row["location_id"] or node == p_node:
                    expected = 0
                else:
                    expected = math.ceil(od[(str(p_node), str(node))])
                assert r["travel_s"] == expected, (wid, r["seq"])
                assert r["arrival_s"] == p_row["departure_s"] + r["travel_s"]
                checked += 1
            prev = (r, node)
    return checked


# --------------------------------------------------------------------------- tiny region


def test_plan_on_tiny_region_follows_roads_and_checks(tiny_region, tmp_path):
    stages: list[str] = []
    plan = tiny_plan(tiny_region, tmp_path, progress=lambda s, d, t: stages.append(s))
    assert plan.result.violations == ()
    assert plan.summary()["violations"] == 0
    # every stage reported, in order
    order = list(dict.fromkeys(stages))
    assert order == ["network", "snap", "matrix:drive", "matrix:walk", "solve", "geometry"]
    planned = set(plan.stops.loc[plan.stops["kind"] == "visit", "visit_id"])
    assert planned == {"A", "B", "W"}
    ctx = open_region(tiny_region)
    nets = {m: ctx.network(m) for m in ("drive", "walk")}
    depots = {"van": (-122.6459, 45.5200), "walker": (-122.6481, 45.5201)}
    assert len(plan.routes) == 2
    for _, r in plan.routes.iterrows():
        coords = list(r.geometry.coords)
        # starts and ends at the worker's depot, not at its network node
        assert coords[0] == pytest.approx(depots[r["worker_id"]])
        assert coords[-1] == pytest.approx(depots[r["worker_id"]])
        # follows the roads: more vertices than stops, every inner vertex on a road
        assert len(coords) > r["n_stops"] + 2
        roads = network_coords(nets[r["mode"]])
        inner = {(round(x, 7), round(y, 7)) for x, y in coords[1:-1]}
        assert inner <= roads
        assert r["colour"].startswith("#")
    # the walker (on foot) is routed on the walk network, the van on the drive network
    assert set(plan.routes["mode"]) == {"drive", "walk"}
    assert plan.stops.loc[plan.stops["visit_id"] == "W", "worker_id"].tolist() == ["walker"]
    assert assert_travel_matches_network(plan, nets) >= 5
    # route totals agree with the itinerary
    for _, r in plan.routes.iterrows():
        rows = plan.stops[
            (plan.stops["worker_id"] == r["worker_id"]) & (plan.stops["day"] == r["day"])
        ]
        assert rows["travel_s"].sum() == r["travel_s"]
        assert rows["kind"].iloc[0] == "start" and rows["kind"].iloc[-1] == "end"


def test_off_network_and_too_long_are_reasons_not_errors(tiny_region, tmp_path):
    plan = tiny_plan(tiny_region, tmp_path)
    un = plan.unscheduled.set_index("visit_id")
    assert un.loc["C", "code"] == "off_network"
    assert "road network" in un.loc["C", "reason"]
    assert "500 m" in un.loc["C", "reason"]  # says how far and what the limit is
    assert un.loc["C", "nearest_road_m"] > 2000
    assert un.loc["D", "code"] == "too_long"
    assert "C" not in set(plan.stops["visit_id"])
    # the off-network place is absent from every matrix, the others present
    for mat in plan.matrices.values():
        assert "pt:-122.62000,45.54000" not in mat
        assert "pt:-122.64610,45.52010" in mat
    # display details carried through
    b = plan.stops[plan.stops["visit_id"] == "B"].iloc[0]
    assert (b["name"], b["address"], b["notes"], b["languages"]) == (
        "Clinic",
        "2 North St",
        "bring forms",
        "es",
    )
    assert b["start"] == f"{b['start_s'] // 3600:02d}:{b['start_s'] % 3600 // 60:02d}"
    assert b["start_s"] >= 10 * 3600 and b["end_s"] <= 14 * 3600


def test_snapping_limit_moves_a_visit_off_the_network(tiny_region, tmp_path):
    # A is 13.6 m from drive node 3; the van's depot 7.8 m
    workers = (
        "worker_id,start_lon,start_lat,mode,shift\nvan,-122.6459,45.5200,drive,Mon 08:30-17:00\n"
    )
    visits = "visit_id,lon,lat,duration_min\nA,-122.6461,45.5201,30\n"
    near = tiny_plan(
        tiny_region, tmp_path, csv={"visits": visits, "workers": workers}, max_snap_m=20
    )
    assert near.result.num_scheduled == 1
    far = tiny_plan(
        tiny_region, tmp_path, csv={"visits": visits, "workers": workers}, max_snap_m=10
    )
    assert far.result.num_scheduled == 0
    assert far.unscheduled["code"].tolist() == ["off_network"]
    assert far.routes.empty and far.stops.empty


def test_snap_locations_table(tiny_region):
    ctx = open_region(tiny_region)
    locs = pd.DataFrame(
        {
            "location_id": ["a", "b", "c"],
            "lon": [-122.6461, -122.62, np.nan],
            "lat": [45.5201, 45.54, np.nan],
        }
    )
    snap = snap_locations({"drive": ctx.network("drive")}, locs, max_snap_m=500)
    s = snap.set_index("location_id")
    assert s.loc["a", "node_id"] == 3 and bool(s.loc["a", "on_network"])
    assert not s.loc["b", "on_network"] and s.loc["b", "snap_dist_m"] > 500
    assert not s.loc["c", "on_network"] and pd.isna(s.loc["c", "node_id"])
    with pytest.raises(InputError, match="max_snap_m"):
        snap_locations({"drive": ctx.network("drive")}, locs, max_snap_m=0)


def test_depot_off_network_is_a_clear_error(tiny_region, tmp_path):
    workers = "worker_id,start_lon,start_lat,mode,shift\nvan,-122.60,45.55,drive,Mon 08:30-17:00\n"
    with pytest.raises(InputError, match=r"van.*m from the nearest drive road.*max_snap_m"):
        tiny_plan(tiny_region, tmp_path, csv={"workers": workers})


def test_unknown_mode_is_a_clear_error(tiny_region, tmp_path):
    workers = "worker_id,start_lon,start_lat,mode,shift\nb,-122.6459,45.52,bike,Mon 08:30-17:00\n"
    with pytest.raises(InputError, match="drive, walk"):
        tiny_plan(tiny_region, tmp_path, csv={"workers": workers})


@pytest.mark.parametrize(
    ("visits", "match"),
    [
        ("visit_id,lon,lat,duration_min,skills\nA,-122.6461,45.5201,30,klingon\n", "skill"),
        (
            "visit_id,lon,lat,duration_min,windows\nA,-122.6461,45.5201,30,14:00-10:00\n",
            "ends before it starts",
        ),
        ("visit_id,lon,lat\nA,-122.6461,45.5201\n", "duration_min"),
        ("visit_id,duration_min\nA,30\n", "lon and lat"),
        ("visit_id,lon,lat,duration_min\n", "no rows"),
    ],
)
def test_read_plan_inputs_rejects_bad_visits(tmp_path, visits, match):
    with pytest.raises(InputError, match=match):
        read_plan_inputs(*write_plan_inputs(tmp_path, visits=visits))


def test_read_plan_inputs_rejects_non_csv_files(tmp_path):
    v, w = write_plan_inputs(tmp_path)
    gpkg = tmp_path / "visits.gpkg"
    gpkg.write_bytes(b"SQLite format 3\x00" + bytes(range(256)))
    with pytest.raises(InputError, match="not a CSV"):
        read_plan_inputs(gpkg, w)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 64)
    with pytest.raises(InputError, match=r"binary\.csv"):
        read_plan_inputs(binary, w)
    noshift = tmp_path / "noshift.csv"
    noshift.write_text("worker_id,start_lon,start_lat,shift\nw,-122.6,45.5,\n")
    with pytest.raises(InputError, match="no shift"):
        read_plan_inputs(v, noshift)


def test_first_weekdays():
    assert first_weekdays(3) == ("Mon", "Tue", "Wed")
    assert first_weekdays(7)[-1] == "Sun"
    for bad in (0, 8, 2.5):
        with pytest.raises(InputError, match="1 to 7"):
            first_weekdays(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- siting stops


def chosen_stops() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["s1", "s2"], "name": ["Library stop", "Market stop"]},
        geometry=[Point(-122.6461, 45.5201), Point(-122.6461, 45.5219)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")  # any CRS: reprojected


def test_visits_from_stops_format_and_plan(tiny_region):
    visits, locs = visits_from_stops(
        chosen_stops(), duration_min=60, windows="10:00-14:00", skills="es"
    )
    assert [v.visit_id for v in visits] == ["s1", "s2"]
    v = visits[0]
    assert v.duration_s == 3600 and v.required and v.skills == {"es"}
    assert v.name == "Library stop"
    # "the stop happens 10:00-14:00" -> service starts 10:00-13:00
    assert (v.windows[0].start_s, v.windows[0].end_s) == (10 * 3600, 13 * 3600)
    assert list(locs.columns) == ["location_id", "lon", "lat", "kind"]
    assert locs["lon"].tolist() == pytest.approx([-122.6461, -122.6461])
    assert v.location_id == "pt:-122.64610,45.52010"  # same ids as read_visits_csv
    inp = read_plan_inputs(*write_plan_inputs(Path(tiny_region).parent / "in"))
    van = [w for w in inp.workers if w.worker_id == "van"]
    plan = plan_on_region(
        open_region(tiny_region),
        visits,
        van,
        pd.concat([locs, inp.locations]),
        days=1,
        time_limit_s=0.5,
    )
    assert plan.result.violations == ()
    assert set(plan.stops["visit_id"]) >= {"s1", "s2"}
    cand = gpd.GeoDataFrame(
        {"candidate_id": ["c9"]}, geometry=[Point(-122.6461, 45.5201)], crs="EPSG:4326"
    )
    opt, _ = visits_from_stops(cand, priority="30", windows="")
    assert opt[0].visit_id == "c9" and not opt[0].required and opt[0].value == 30
    assert opt[0].windows == ()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"skills": "klingon"}, "unknown skill"),
        ({"windows": "14:00-10:00"}, "ends before it starts"),
        ({"duration_min": 0}, "duration_min"),
        ({"priority": "soon"}, "priority"),
    ],
)
def test_visits_from_stops_rejects_bad_options(kwargs, match):
    with pytest.raises(InputError, match=match):
        visits_from_stops(chosen_stops(), **kwargs)


def test_visits_from_stops_needs_ids():
    gdf = chosen_stops().drop(columns=["site_id"])
    with pytest.raises(InputError, match="site_id or candidate_id"):
        visits_from_stops(gdf)


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
@pytest.mark.slow
def test_demo_plan_on_portland_network():
    inp = read_plan_inputs(REPO / "data/demo_visits.csv", REPO / "data/demo_workers.csv")
    # drive workers only: builds one network (the walk mode is covered on the tiny region)
    workers = [w for w in inp.workers if w.mode == "drive"]
    ctx = open_region(None)
    plan = plan_on_region(
        ctx,
        inp.visits,
        workers,
        inp.locations,
        days=5,
        time_limit_s=5,
        seed=0,
        details=inp.details,
        params=Parameters(repair_time_s=2),
    )
    assert plan.result.violations == ()
    assert plan.result.num_scheduled > 60
    net = ctx.network("drive")
    xy = inp.locations.set_index("location_id")
    by_id = {w.worker_id: w for w in workers}
    roads = network_coords(net)
    for _, r in plan.routes.iterrows():
        w = by_id[r["worker_id"]]
        coords = list(r.geometry.coords)
        assert coords[0] == pytest.approx(tuple(xy.loc[w.start_location_id, ["lon", "lat"]]))
        assert coords[-1] == pytest.approx(tuple(xy.loc[w.end_location_id, ["lon", "lat"]]))
        assert len(coords) > r["n_stops"] + 2
        assert {(round(x, 7), round(y, 7)) for x, y in coords[1:-1]} <= roads
    assert assert_travel_matches_network(plan, {"drive": net}) > 100
    un = plan.unscheduled.set_index(["visit_id", "occurrence"])
    # X05 has no coordinates (a river moorage): off the road network, never an error
    assert un.loc[("X05", 0), "code"] == "off_network"
    assert "road network" in un.loc[("X05", 0), "reason"]
    # places beyond the network's extent are left out, not routed on straight lines
    off = plan.snapped[~plan.snapped["on_network"]]["location_id"]
    planned_locs = set(plan.stops["location_id"])
    assert len(off) > 0 and not (set(off) & planned_locs)
    assert isinstance(plan.result.routes[0], Route)


def test_the_time_limit_bounds_the_whole_plan_not_only_the_search():
    """Preparation (placing, matrices) and the route lines share the time limit with the
    search; the search never gets nothing."""
    from geo_outreach.optimize.routing.network import MIN_SEARCH_S, search_budget_s

    assert search_budget_s(10.0, elapsed_s=0.0) == pytest.approx(9.0)  # 10 % for the lines
    assert search_budget_s(10.0, elapsed_s=3.0) == pytest.approx(6.0)
    assert search_budget_s(2.0, elapsed_s=0.0) == pytest.approx(1.5)  # at least 0.5 s kept
    assert search_budget_s(10.0, elapsed_s=30.0) == MIN_SEARCH_S
    budgets = [search_budget_s(60.0, elapsed_s=e) for e in range(0, 70, 5)]
    assert budgets == sorted(budgets, reverse=True)
    assert all(
        e + b <= 60.0 for e, b in zip(range(0, 70, 5), budgets, strict=True) if b > MIN_SEARCH_S
    )
