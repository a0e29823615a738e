"""Address-only visits are placed from the region's own OSM address data (offline)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import geo_outreach as go
from geo_outreach.data.addresses import AddressBook, parse_address, read_osm_addresses
from tests.conftest import D, LAT0, LON0, TINY_NODES, TINY_WAYS, make_tiny_region

# address points along South St (nodes 1-2-3) and a building with an address on it
ADDRESS_NODES = {
    101: (LON0 + 0.4 * D, LAT0 + 0.0002, {"addr:housenumber": "110", "addr:street": "South Street"}),
    102: (LON0 + 1.6 * D, LAT0 + 0.0002, {"addr:housenumber": "130", "addr:street": "South Street"}),
    103: (LON0 + 0.5 * D, LAT0 + 0.9 * D, {"entrance": "yes"}),
    104: (LON0 + 0.7 * D, LAT0 + 0.9 * D, {}),
    105: (LON0 + 0.7 * D, LAT0 + 0.8 * D, {}),
}
BUILDING = (201, [103, 104, 105, 103], {"building": "yes", "addr:housenumber": "7B",
                                         "addr:street": "Park Lane"})  # fmt: skip


def _write(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in TINY_NODES.items():
        lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>')
    for nid, (lon, lat, tags) in ADDRESS_NODES.items():
        lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}" version="1">')
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </node>")
    for wid, (refs, tags) in {**TINY_WAYS, BUILDING[0]: BUILDING[1:]}.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_parse_address_both_styles() -> None:
    assert parse_address("1234 SE Main St., Portland, OR") == ("1234", "southeast main street")
    assert parse_address("Storgatan 12B, Uppsala") == ("12b", "storgatan")
    assert parse_address("12th Ave") is None  # an ordinal is not a house number
    assert parse_address("") is None


def test_read_addresses_from_nodes_and_buildings(tmp_path: Path) -> None:
    table = read_osm_addresses(_write(tmp_path / "a.osm"))
    assert sorted(table["housenumber"]) == ["110", "130", "7B"]
    building = table[table["housenumber"] == "7B"].iloc[0]
    assert building["street"] == "Park Lane"
    assert LON0 + 0.5 * D < building["lon"] < LON0 + 0.7 * D  # the building's centre
    book = AddressBook(table)
    lon, lat, how = book.locate("110 South St, Tinytown")
    assert how == "exact" and (lon, lat) == pytest.approx(ADDRESS_NODES[101][:2])
    assert book.locate("7b park ln")[2] == "exact"
    assert book.locate("112 South St")[2] == "nearest number"  # 110 is two doors away
    assert book.locate("180 South St") is None  # too far from any known number
    assert book.locate("110 North St") is None


def test_address_only_visits_are_placed_or_unscheduled(tmp_path: Path) -> None:
    region_dir = make_tiny_region(tmp_path / "tiny")
    _write(region_dir / "roads.osm")
    visits = pd.DataFrame(
        {
            "visit_id": ["A", "B", "C"],
            "name": ["By address", "Building", "Unknown"],
            "address": ["130 South St", "7B Park Lane", "99 Nowhere Rd"],
            "lon": ["", "", ""],
            "lat": ["", "", ""],
            "duration_min": ["20", "20", "20"],
        }
    )
    workers = pd.DataFrame(
        {
            "worker_id": ["van"],
            "start_lon": [str(LON0 + 2 * D)],
            "start_lat": [str(LAT0)],
            "mode": ["drive"],
            "shift": ["Mon 08:00-16:00"],
        }
    )
    region = go.open_region(region_dir)
    plan = go.plan_routes(region, go.read_visits(visits), go.read_workers(workers), days=1,
                          time_limit_s=1.0)  # fmt: skip
    planned = set(plan.stops.loc[plan.stops["kind"] == "visit", "visit_id"])
    assert planned == {"A", "B"}
    (row,) = plan.unscheduled.itertuples(index=False)
    assert row.visit_id == "C" and row.code == "address_not_found"
    assert "99 Nowhere Rd" in row.reason and "lon and lat" in row.reason
    a = plan.stops[plan.stops["visit_id"] == "A"].iloc[0]
    assert (float(a["lon"]), float(a["lat"])) == pytest.approx(ADDRESS_NODES[102][:2])
    # the address table is cached with the region: a second read does not parse the file
    from geo_outreach.data.addresses import _cache_file

    assert _cache_file(region.region.network_path, region.region.clip_box).is_file()
