"""The area the road data covers: the extract's boundary, else the roads grown by 1 km; units
mostly outside it are off-network and never ranked."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import box

from geo_outreach.analysis.pipeline import analyze_region
from geo_outreach.network.context import open_region
from geo_outreach.network.graph import build_network
from geo_outreach.network.snap import unit_origins
from tests.conftest import LAT0, LON0, REAL_REGION, make_tiny_region, tiny_units, write_osm


def test_edge_tract_is_off_network_and_never_ranked(tmp_path):
    folder = make_tiny_region(tmp_path / "tiny")
    units = tiny_units()
    x0, y0, x1, y1 = units.geometry.iloc[1].bounds
    # the second tract reaches 4 km east of the last street: most of it is outside the data,
    # though some of its streets are inside it
    units.loc[1, "geometry"] = box(x0, y0, x1 + 0.05, y1)
    units["need"] = [0.5, 0.99, 0.2]  # the edge tract has the most need
    units.to_file(folder / "tracts.gpkg", layer="tracts")
    with open(folder / "region.toml", "a", encoding="utf-8") as fh:
        fh.write('[need]\ncolumn = "need"\n')
    ctx = open_region(folder)
    for mode in ("drive", "walk"):
        off = ctx.origins(mode).off_network.set_index("unit_id")
        assert off.loc["41051000200", "coverage"] < 0.5
        assert "41051000200" not in set(ctx.origins(mode).origins["unit_id"])
    result = analyze_region(ctx)
    row = result.tracts.set_index("unit_id").loc["41051000200"]
    assert bool(row["off_network"]) and pd.isna(row["underserved_rank"])
    assert "41051000200" not in set(result.top(10)["unit_id"])


def test_sparse_rural_roads_still_cover_their_tract(tmp_path):
    # two country roads 2 km apart, and a farm tract between them with no road inside
    d_lat = 2000 / 111_320
    nodes = {1: (LON0, LAT0), 2: (LON0 + 0.06, LAT0), 3: (LON0, LAT0 + d_lat),
             4: (LON0 + 0.06, LAT0 + d_lat)}  # fmt: skip
    ways = {
        1: ([1, 2], {"highway": "tertiary"}),
        2: ([3, 4], {"highway": "tertiary"}),
        3: ([1, 3], {"highway": "track"}),
        4: ([2, 4], {"highway": "tertiary"}),
    }
    net = build_network(write_osm(tmp_path / "rural.osm", nodes, ways), "drive")
    units = tiny_units().iloc[:1].copy()
    units["geometry"] = [box(LON0 + 0.01, LAT0 + 0.002, LON0 + 0.05, LAT0 + d_lat - 0.002)]
    cover = unit_origins(net, units, id_col="GEOID").coverage["coverage"].iloc[0]
    assert cover > 0.95  # within 1 km of a road everywhere: inside the data


def test_poly_boundary_beside_the_extract_is_the_outline(tmp_path):
    osm = write_osm(tmp_path / "tiny.osm")
    # the extract's declared boundary: a box around the streets, 0.001 degrees beyond them
    x0, y0, x1, y1 = LON0 - 0.001, LAT0 - 0.001, LON0 + 0.005, LAT0 + 0.003
    (tmp_path / "tiny.poly").write_text(
        f"tiny\n1\n   {x0} {y0}\n   {x1} {y0}\n   {x1} {y1}\n   {x0} {y1}\n   {x0} {y0}\nEND\nEND\n"
    )
    net = build_network(osm, "drive")
    assert net.summary["outline_source"].endswith("tiny.poly")
    lonlat = net.project([x0, x1], [y0, y1])
    expected = (lonlat[1, 0] - lonlat[0, 0]) * (lonlat[1, 1] - lonlat[0, 1])
    assert net.footprint().area == pytest.approx(expected, rel=0.01)


@pytest.mark.realdata
def test_demo_tracts_without_streets_are_off_network():
    """On the demo, tracts with under 5 % of their area near a street are never measured."""
    if not REAL_REGION.is_dir():
        pytest.skip("shared data absent")
    ctx = open_region()
    cover = ctx.origins("drive").coverage.merge(ctx.region.units[["unit_id", "net_cov"]])
    on = set(ctx.origins("drive").origins["unit_id"])
    bare = set(cover.loc[cover["net_cov"] < 0.05, "unit_id"])
    assert len(bare) > 100 and not (bare & on)
    well = set(cover.loc[cover["net_cov"] >= 0.5, "unit_id"])
    assert len(well) >= 40 and well <= on
