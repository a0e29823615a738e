"""Tests of candidate-stop generation for siting."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo_outreach.errors import CRSError, InputError
from geo_outreach.optimize.candidates import (
    candidates_from_file,
    candidates_from_network,
    candidates_from_sites,
    combine_candidates,
)

LON0, LAT0 = -122.65, 45.52
STEP = 0.001  # ~78 m of longitude at this latitude


def grid_network():
    """A 'primary' east-west avenue of 21 nodes (~1.6 km) crossed by residential streets.

    Node ids: avenue 100..120, side-street nodes 200..220 (one north of each avenue node).
    osmnx-like: nodes indexed by ``osmid``; edges indexed by (u, v, key).
    """
    nodes = {}
    for i in range(21):
        nodes[100 + i] = (LON0 + i * STEP, LAT0)
        nodes[200 + i] = (LON0 + i * STEP, LAT0 + 0.001)
    node_gdf = gpd.GeoDataFrame(
        {"street_count": [3 if k < 200 else 1 for k in nodes]},
        geometry=[Point(xy) for xy in nodes.values()],
        index=pd.Index(list(nodes), name="osmid"),
        crs="EPSG:4326",
    )
    rows = []
    for i in range(20):
        hw = ["primary", "secondary"] if i == 5 else "primary"  # osmnx merges into lists
        rows.append((100 + i, 101 + i, 0, hw, "Main Street"))
    for i in range(21):
        rows.append((100 + i, 200 + i, 0, "residential", f"{i}th Ave"))
    idx = pd.MultiIndex.from_tuples([r[:3] for r in rows], names=["u", "v", "key"])
    edges = gpd.GeoDataFrame(
        {"highway": [r[3] for r in rows], "name": [r[4] for r in rows]},
        geometry=[LineString([nodes[r[0]], nodes[r[1]]]) for r in rows],
        index=idx,
        crs="EPSG:4326",
    )
    return node_gdf, edges


def _pairwise_min_m(gdf):
    xy = gdf.to_crs(gdf.estimate_utm_crs())
    pts = np.column_stack([xy.geometry.x, xy.geometry.y])
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    d[np.diag_indices_from(d)] = np.inf
    return d.min()


@pytest.mark.parametrize("spacing_m", [150.0, 400.0])
def test_network_candidates_lie_on_major_roads_and_keep_spacing(spacing_m):
    nodes, edges = grid_network()
    cand = candidates_from_network(nodes, edges, spacing_m=spacing_m)
    assert len(cand) >= 2
    assert set(cand["node_id"]) <= set(range(100, 121))  # avenue nodes only
    assert _pairwise_min_m(cand) >= spacing_m - 1e-6
    # the avenue is ~1.56 km long, so thinning leaves about length / spacing + 1 candidates
    assert len(cand) <= 1560 / spacing_m + 2
    assert cand["candidate_id"].is_unique
    assert cand["reason"].str.contains("Main Street").all()
    assert (cand["source"] == "network").all()
    assert cand.crs.to_epsg() == 4326


def test_network_candidates_need_a_major_road():
    nodes, edges = grid_network()
    with pytest.raises(InputError, match="road classes"):
        candidates_from_network(nodes, edges, road_classes=["motorway"])
    with pytest.raises(InputError, match="highway"):
        candidates_from_network(nodes, edges.drop(columns="highway"))
    with pytest.raises(InputError, match="spacing_m"):
        candidates_from_network(nodes, edges, spacing_m=0)


def test_network_candidates_accept_u_v_columns():
    nodes, edges = grid_network()
    flat = edges.reset_index()
    a = candidates_from_network(nodes, edges, spacing_m=300)
    b = candidates_from_network(nodes, flat, spacing_m=300)
    assert a["candidate_id"].tolist() == b["candidate_id"].tolist()


def _sites():
    return gpd.GeoDataFrame(
        {
            "site_id": ["lib-1", "cc-1", "clinic-1"],
            "category": ["library", "community_center", "clinic_fqhc"],
            "name": ["Central Library", "East CC", "Clinic"],
        },
        geometry=[Point(LON0, LAT0), Point(LON0 + 0.01, LAT0), Point(LON0, LAT0 + 0.01)],
        crs="EPSG:4326",
    )


def test_site_candidates_filter_by_category():
    cand = candidates_from_sites(_sites(), categories=["library", "community_center"])
    assert cand["candidate_id"].tolist() == ["lib-1", "cc-1"]
    assert "Central Library" in cand.loc[0, "reason"]
    with pytest.raises(InputError, match="park"):
        candidates_from_sites(_sites(), categories=["park"])


def test_file_candidates_from_csv(tmp_path):
    f = tmp_path / "stops.csv"
    f.write_text("id,name,lon,lat\nA,Church lot,-122.66,45.51\nB,School,-122.64,45.53\n")
    cand = candidates_from_file(f)
    assert cand["candidate_id"].tolist() == ["A", "B"]
    assert cand.geometry.x.tolist() == pytest.approx([-122.66, -122.64])
    assert "stops.csv" in cand.loc[0, "reason"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,easting,northing\nX,500000,5000000\n")
    with pytest.raises(InputError, match="lon/lat"):
        candidates_from_file(bad)
    proj = tmp_path / "proj.csv"
    proj.write_text("x,y\n500000,5000000\n")
    with pytest.raises(CRSError):
        candidates_from_file(proj)


def test_file_candidates_from_gpkg_reprojects(tmp_path):
    g = _sites().to_crs("EPSG:32610")
    path = tmp_path / "c.gpkg"
    g.to_file(path, layer="c")
    cand = candidates_from_file(path, id_column="site_id")
    assert cand.crs.to_epsg() == 4326
    assert cand["candidate_id"].tolist() == ["lib-1", "cc-1", "clinic-1"]
    assert cand.geometry.x.iloc[0] == pytest.approx(LON0)


def test_combine_candidates_rejects_duplicate_ids():
    nodes, edges = grid_network()
    net = candidates_from_network(nodes, edges, spacing_m=400)
    sites = candidates_from_sites(_sites(), categories=["library"])
    both = combine_candidates(net, sites)
    assert len(both) == len(net) + 1
    with pytest.raises(InputError, match="two layers"):
        combine_candidates(sites, sites)


def test_streets_meeting_count_two_way_streets_once():
    """Without osmnx's street_count, a two-way street (edges both ways) is one street."""
    nodes, edges = grid_network()
    nodes = nodes.drop(columns="street_count")
    back = edges.copy()
    back.index = pd.MultiIndex.from_tuples(
        [(v, u, k) for u, v, k in edges.index], names=["u", "v", "key"]
    )
    both = pd.concat([edges, back])
    cand = candidates_from_network(nodes, both, spacing_m=300)
    inner = cand[~cand["reason"].str.contains("'0th Ave'|'20th Ave'")]
    # an inner avenue node meets the avenue both ways and one side street: 3 streets
    assert inner["reason"].str.contains(r"\(3 streets meet\)").all(), inner["reason"].tolist()
