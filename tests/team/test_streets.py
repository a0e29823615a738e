"""A visit without an address is described by its nearest named street or crossing."""

from __future__ import annotations

import csv
import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo_outreach.team import plans as pl
from geo_outreach.team.roles import Actor
from geo_outreach.team.streets import StreetIndex, region_streets, street_addresses

LAT = 45.5045
MANAGER = Actor("maria", "manager")
VAN = Actor("vic", "worker", worker_id="van")


@pytest.fixture(scope="module")
def crossing() -> gpd.GeoDataFrame:
    """SE Division St (east-west, two ways) crossing SE 82nd Ave (north-south), an unnamed
    service road, and a way that osmnx merged (a list of names)."""
    line = shapely.LineString
    return gpd.GeoDataFrame(
        {"name": ["SE Division St", "SE Division St", "SE 82nd Ave", ["SE 82nd Ave", "OR 213"],
                  float("nan")]},
        geometry=[
            line([(-122.60, LAT), (-122.5785, LAT)]),
            line([(-122.5785, LAT), (-122.56, LAT)]),
            line([(-122.5785, LAT - 0.01), (-122.5785, LAT)]),
            line([(-122.5785, LAT), (-122.5785, LAT + 0.01)]),
            line([(-122.59, LAT + 0.0004), (-122.57, LAT + 0.0004)]),
        ],
        crs="EPSG:4326",
    )  # fmt: skip


def test_near_a_crossing_names_both_streets(crossing):
    ix = StreetIndex(crossing)
    # 25 m north-east of the crossing, closest to the unnamed road: still the crossing
    assert ix.describe(-122.5783, LAT + 0.0002) == "near SE Division St & SE 82nd Ave"


def test_along_one_street_names_that_street(crossing):
    ix = StreetIndex(crossing)
    assert ix.describe(-122.595, LAT - 0.0003) == "near SE Division St"  # 1.3 km west
    assert ix.describe(-122.5787, LAT - 0.008) == "near SE 82nd Ave"  # 900 m south


def test_far_from_every_named_street_gives_nothing(crossing):
    assert StreetIndex(crossing).describe(-122.50, LAT) is None
    assert StreetIndex(crossing.iloc[[4]]).describe(-122.58, LAT + 0.0004) is None  # unnamed
    assert StreetIndex(crossing).describe(float("nan"), LAT) is None


def test_only_visits_without_an_address_are_described(crossing):
    stops = pd.DataFrame(
        {
            "visit_id": ["a", "b", "", "c"],
            "kind": ["visit", "visit", "break", "visit"],
            "address": ["12 Oak St", "", "", ""],
            "lon": [-122.5783, -122.5783, -122.5783, -122.40],
            "lat": [LAT + 0.0002] * 3 + [LAT],
        }
    )
    assert street_addresses(stops, crossing) == {"b": "near SE Division St & SE 82nd Ave"}
    calls = []
    assert street_addresses(stops.iloc[:1], lambda: calls.append(1) or crossing) == {}
    assert calls == []  # every stop has an address: the network is not loaded


def _without_address(plan_dir, tmp_path, visit_id: str):
    """A copy of the plan folder where ``visit_id`` has no address (manifest rewritten)."""
    from geo_outreach.files import read_manifest, write_manifest

    folder = tmp_path / "plan"
    shutil.copytree(plan_dir, folder)
    with (folder / "stops.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["visit_id"] == visit_id:
            r["address"] = ""
    with (folder / "stops.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    meta = read_manifest(folder, name="plan.json")
    meta = {
        k: v
        for k, v in meta.items()
        if k not in ("files", "kind", "written_by", "manifest_version")
    }
    write_manifest(folder, kind="plan", meta=meta, name="plan.json")
    return folder


def test_published_plan_describes_the_visit_by_the_regions_street(
    team_store, plan_dir, tiny_team_region, tmp_path
):
    folder = _without_address(plan_dir, tmp_path, "A")
    plan = pl.publish_plan(
        team_store, folder, week_of="2026-03-02", region="tiny",
        streets=region_streets(tiny_team_region), actor=MANAGER,
    )  # fmt: skip
    stops = {s["visit_id"]: s for r in plan["routes"] for s in r["stops"]}
    assert stops["A"]["address"] == "near South St"  # the tiny region's one named street
    assert stops["B"]["address"] == "2 North St"  # its own address is kept
    route = next(r for r in plan["routes"] if any(s["visit_id"] == "A" for s in r["stops"]))
    day = pl.worker_day(team_store, worker_id=route["worker_id"], date=route["date"],
                        actor=Actor("x", "worker", worker_id=route["worker_id"]))  # fmt: skip
    assert next(s for s in day["stops"] if s["visit_id"] == "A")["address"] == "near South St"
    # the field packet's files say the same (route sheet, GPX, calendar LOCATION)
    out = pl.packet_folder(team_store, plan["id"], tmp_path / "pk", worker_id=route["worker_id"])
    packed = pd.read_csv(out / "stops.csv", dtype=str, keep_default_na=False)
    assert packed.loc[packed["visit_id"] == "A", "address"].tolist() == ["near South St"]
    # the stored files are unchanged: export gives back what was published
    exported = pl.export_plan(team_store, plan["id"], tmp_path / "ex")
    assert (exported / "stops.csv").read_bytes() == (folder / "stops.csv").read_bytes()


def test_without_streets_the_visit_is_described_by_coordinates(team_store, plan_dir, tmp_path):
    folder = _without_address(plan_dir, tmp_path, "A")
    plan = pl.publish_plan(team_store, folder, week_of="2026-03-02", region="tiny", actor=MANAGER)
    stops = {s["visit_id"]: s for r in plan["routes"] for s in r["stops"]}
    assert stops["A"]["address"].startswith("near 45.520")
