"""Synthetic regions: deterministic, realistic enough for every command, and fast at scale."""

from __future__ import annotations

import hashlib
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo_outreach.data import synth
from geo_outreach.data.synth import (
    CATEGORIES,
    SVI_VARIABLES,
    build_region,
    generate_region,
)
from geo_outreach.errors import InputError

SMALL = 500  # nodes of the small test region


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _node_count(osm_path: Path) -> int:
    return len(re.findall(rb"<node ", osm_path.read_bytes()))


@pytest.fixture(scope="module")
def region_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "small"
    manifest = generate_region(out, nodes=SMALL, seed=7)
    assert manifest == out / "region.toml"
    return out


@pytest.fixture(scope="module")
def tracts(region_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(region_dir / "tracts.gpkg", layer="tracts")


@pytest.fixture(scope="module")
def services(region_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(region_dir / "services.gpkg", layer="services")


@pytest.fixture(scope="module")
def osm_root(region_dir: Path) -> ET.Element:
    return ET.parse(region_dir / "network.osm").getroot()


@pytest.fixture(scope="module")
def raw_graph(region_dir: Path):
    ox = pytest.importorskip("osmnx")
    return ox.graph_from_xml(region_dir / "network.osm", simplify=False, retain_all=True)


def _bounds(root: ET.Element) -> tuple[float, float, float, float]:
    b = root.find("bounds")
    assert b is not None
    return (
        float(b.get("minlon")),
        float(b.get("minlat")),
        float(b.get("maxlon")),
        float(b.get("maxlat")),
    )


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(tmp_path: Path, region_dir: Path) -> None:
    again = tmp_path / "again"
    generate_region(again, nodes=SMALL, seed=7)
    for name in ("region.toml", "network.osm", "tracts.gpkg", "services.gpkg"):
        assert _digest(again / name) == _digest(region_dir / name), name


def test_different_seed_gives_different_region(tmp_path: Path, region_dir: Path) -> None:
    other = tmp_path / "other"
    generate_region(other, nodes=SMALL, seed=8)
    assert _digest(other / "network.osm") != _digest(region_dir / "network.osm")
    a = gpd.read_file(region_dir / "tracts.gpkg", layer="tracts")
    b = gpd.read_file(other / "tracts.gpkg", layer="tracts")
    assert len(a) != len(b) or not np.array_equal(a["E_TOTPOP"], b["E_TOTPOP"])
    sa = gpd.read_file(region_dir / "services.gpkg", layer="services")
    sb = gpd.read_file(other / "services.gpkg", layer="services")
    assert not np.allclose(sa.geometry.x.to_numpy()[:8], sb.geometry.x.to_numpy()[:8])


def test_in_memory_region_matches_written_files(region_dir: Path, tracts, services) -> None:
    region = build_region(nodes=SMALL, seed=7)
    assert region.osm.n_nodes == _node_count(region_dir / "network.osm")
    assert list(region.tracts["GEOID"]) == list(tracts["GEOID"])
    assert list(region.services["site_id"]) == list(services["site_id"])


# --------------------------------------------------------------------------- manifest


def test_manifest_round_trips_and_names_existing_files(region_dir: Path) -> None:
    data = tomllib.loads((region_dir / "region.toml").read_text(encoding="utf-8"))
    assert data["name"] == "synthetic-s7"
    assert data["synthetic"] is True
    assert data["data_date"] == "synthetic"
    assert "seed 7" in data["title"] and "seed 7" in data["attribution"]
    assert (
        data["units"].items()
        >= {
            "path": "tracts.gpkg",
            "layer": "tracts",
            "id_col": "GEOID",
            "population_col": "E_TOTPOP",
        }.items()
    )
    assert (
        data["services"].items()
        >= {
            "path": "services.gpkg",
            "layer": "services",
            "id_col": "site_id",
            "category_col": "category",
            "name_col": "name",
            "capacity_col": "capacity",
            "address_col": "address",
        }.items()
    )
    for section in ("network", "units", "services"):
        assert (region_dir / data[section]["path"]).is_file()


def test_manifest_text_escapes_strings() -> None:
    region = build_region(nodes=SMALL, seed=1)
    odd = synth.SyntheticRegion(
        params=region.params,
        name='we"ird\\name',
        title="Ünïcode title\nwith newline",
        attribution=region.attribution,
        osm=region.osm,
        tracts=region.tracts,
        services=region.services,
    )
    data = tomllib.loads(synth.manifest_text(odd))
    assert data["name"] == 'we"ird\\name'
    assert data["title"] == "Ünïcode title\nwith newline"


# --------------------------------------------------------------------------- network


@pytest.mark.parametrize("nodes", [300, SMALL, 3000, 20_000])
def test_node_count_within_ten_percent(nodes: int) -> None:
    region = build_region(nodes=nodes, seed=3)
    assert abs(region.osm.n_nodes - nodes) <= 0.1 * nodes


def test_osm_ids_unique_positive_and_beyond_int32(osm_root: ET.Element) -> None:
    node_ids = [int(n.get("id")) for n in osm_root.iter("node")]
    way_ids = [int(w.get("id")) for w in osm_root.iter("way")]
    assert len(set(node_ids)) == len(node_ids)
    assert len(set(way_ids)) == len(way_ids)
    assert min(node_ids) > 0 and min(way_ids) > 0
    assert max(node_ids) > 2**32  # real OSM node ids no longer fit in 32 bits
    # every referenced node exists and every node is used by a way
    refs = {int(nd.get("ref")) for nd in osm_root.iter("nd")}
    assert refs == set(node_ids)


def test_nodes_lie_inside_bounds_with_realistic_spacing(osm_root: ET.Element) -> None:
    minlon, minlat, maxlon, maxlat = _bounds(osm_root)
    lon = np.array([float(n.get("lon")) for n in osm_root.iter("node")])
    lat = np.array([float(n.get("lat")) for n in osm_root.iter("node")])
    assert ((lon >= minlon) & (lon <= maxlon) & (lat >= minlat) & (lat <= maxlat)).all()
    # around the default centre
    assert abs((minlon + maxlon) / 2 - -122.65) < 0.01
    assert abs((minlat + maxlat) / 2 - 45.52) < 0.01
    # residential block edges are 70-150 m long
    pos = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in osm_root.iter("node")}
    lengths = []
    for way in osm_root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if tags.get("highway") != "residential":
            continue
        pts = np.array([pos[nd.get("ref")] for nd in way.iter("nd")])
        dx = np.diff(pts[:, 0]) * 111_320 * np.cos(np.radians(45.52))
        dy = np.diff(pts[:, 1]) * 110_574
        lengths.extend(np.hypot(dx, dy))
    median = float(np.median(lengths))
    assert 70 <= median <= 150


def test_osm_has_the_tag_variety_a_network_builder_must_handle(osm_root: ET.Element) -> None:
    highways, non_highway, maxspeeds, oneways = set(), 0, set(), 0
    for way in osm_root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if "highway" in tags:
            highways.add(tags["highway"])
        else:
            non_highway += 1
        if "maxspeed" in tags:
            maxspeeds.add(tags["maxspeed"])
        oneways += tags.get("oneway") == "yes"
    assert {"primary", "secondary", "residential", "footway", "path", "service"} <= highways
    assert non_highway >= 3  # river, park outline, buildings
    assert any(v.endswith(" mph") for v in maxspeeds)
    assert oneways > 0
    assert _bounds(osm_root)[0] < _bounds(osm_root)[2]


def test_osmnx_reads_drive_and_walk_only_edges(raw_graph) -> None:
    highways = [d.get("highway") for _, _, d in raw_graph.edges(data=True)]
    drive = {"primary", "secondary", "tertiary", "residential", "service"}
    assert sum(h in drive for h in highways) > 0.6 * len(highways)
    assert sum(h in {"footway", "path"} for h in highways) > 0
    # ways without a highway tag come through osmnx too: the network builder must drop them
    assert sum(h is None for h in highways) > 0
    # one-way streets give single-direction edges
    oneway = [(u, v) for u, v, d in raw_graph.edges(data=True) if d.get("oneway") is True]
    assert oneway and any(not raw_graph.has_edge(v, u) for u, v in oneway)


def test_osmnx_reads_with_default_simplification(region_dir: Path) -> None:
    ox = pytest.importorskip("osmnx")
    graph = ox.graph_from_xml(region_dir / "network.osm")
    assert graph.number_of_nodes() > 0.5 * SMALL
    assert graph.number_of_edges() > graph.number_of_nodes()


def test_drivable_network_is_mostly_strongly_connected(raw_graph) -> None:
    import networkx as nx

    drive = {"primary", "secondary", "tertiary", "residential"}
    edges = [(u, v) for u, v, d in raw_graph.edges(data=True) if d.get("highway") in drive]
    g = nx.DiGraph(edges)
    largest = max(nx.strongly_connected_components(g), key=len)
    assert len(largest) > 0.9 * g.number_of_nodes()


def test_park_has_no_streets_but_footpaths(region_dir: Path, tracts, raw_graph) -> None:
    park = tracts[tracts["GEOID"].str.endswith("980000")]
    assert len(park) == 1
    poly = park.geometry.iloc[0]
    inside = [
        n for n, d in raw_graph.nodes(data=True) if poly.contains(shapely.Point(d["x"], d["y"]))
    ]
    assert inside, "the park should have footpath nodes"
    for u, v, d in raw_graph.edges(inside, data=True):
        assert d.get("highway") in {"footway", "path", None}, (u, v, d)


# --------------------------------------------------------------------------- tracts


def test_tract_ids_are_unique_11_digit_strings(tracts) -> None:
    assert len(tracts) >= 6
    ids = tracts["GEOID"]
    assert ids.map(type).eq(str).all()
    assert ids.is_unique
    assert ids.str.fullmatch(r"99\d{9}").all()
    assert ids.str.startswith("99001000").any()  # leading zeros kept


def test_tracts_partition_the_bounds(tracts, osm_root: ET.Element) -> None:
    assert tracts.crs.to_epsg() == 4326
    assert tracts.geometry.is_valid.all()
    bounds = shapely.box(*_bounds(osm_root))
    union = shapely.union_all(tracts.geometry.to_numpy())
    # the OSM bounds are rounded to 7 decimals, hence the tolerance
    assert union.symmetric_difference(bounds).area < 1e-5 * bounds.area
    projected = tracts.to_crs(3857).geometry
    overlap = projected.area.sum() - shapely.union_all(projected.to_numpy()).area
    assert abs(overlap) < 1.0  # square metres: float noise only, no real overlaps


def test_populations_plausible_with_a_couple_of_zeros(tracts) -> None:
    pop = tracts["E_TOTPOP"]
    assert (pop >= 0).all()
    assert (pop == 0).sum() >= 2
    populated = pop[pop > 0]
    assert populated.between(1000, 8000).all()


def test_svi_columns_present_and_plausible(tracts) -> None:
    for col in ("E_HU", "E_HH", *(f"{p}_{v}" for v in SVI_VARIABLES for p in ("E", "EP"))):
        assert col in tracts.columns, col
    ep = tracts[[f"EP_{v}" for v in SVI_VARIABLES]].to_numpy()
    assert ((ep == -999) | ((ep >= 0) & (ep <= 100))).all()
    populated = tracts["E_TOTPOP"] > 0
    assert (ep[populated.to_numpy()] == -999).any(), "a few missing values expected"
    e = tracts[[f"E_{v}" for v in SVI_VARIABLES]].to_numpy()
    assert (e >= 0).all()
    assert (e <= tracts[["E_TOTPOP"]].to_numpy()).all()
    assert (tracts["E_HH"] <= tracts["E_HU"]).all()


def test_poverty_is_higher_on_the_east_side(tmp_path: Path) -> None:
    region = build_region(nodes=6000, seed=11)
    t = region.tracts[region.tracts["E_TOTPOP"] > 0]
    t = t[t["EP_POV150"] >= 0]
    x = t.geometry.representative_point().x
    assert np.corrcoef(x, t["EP_POV150"])[0, 1] > 0.3


def test_some_tract_has_no_drivable_street_near_its_centre(tracts, raw_graph) -> None:
    drive = {"primary", "secondary", "tertiary", "residential", "service"}
    nodes = {u for u, _, d in raw_graph.edges(data=True) if d.get("highway") in drive}
    xy = np.array([(raw_graph.nodes[n]["x"], raw_graph.nodes[n]["y"]) for n in nodes])
    far = 0
    for p in tracts.geometry.representative_point():
        dx = (xy[:, 0] - p.x) * 111_320 * np.cos(np.radians(p.y))
        dy = (xy[:, 1] - p.y) * 110_574
        far += np.hypot(dx, dy).min() > 120
    assert far >= 1


# --------------------------------------------------------------------------- services


def test_services_columns_ids_and_categories(services) -> None:
    assert services.crs.to_epsg() == 4326
    for col in ("site_id", "category", "name", "address", "capacity"):
        assert col in services.columns
    assert services["site_id"].is_unique
    assert services["site_id"].str.fullmatch(r"syn-[a-z-]+-\d{3,}").all()
    assert set(services["category"]) == set(CATEGORIES)
    assert len(services) >= 8
    assert (services["capacity"] > 0).all()
    assert services["address"].str.match(r"\d+ ").all()


def test_services_inside_extent_and_near_streets(services, osm_root: ET.Element) -> None:
    minlon, minlat, maxlon, maxlat = _bounds(osm_root)
    x, y = services.geometry.x, services.geometry.y
    assert (x.between(minlon, maxlon) & y.between(minlat, maxlat)).all()
    pos = np.array([(float(n.get("lon")), float(n.get("lat"))) for n in osm_root.iter("node")])
    for px, py in zip(x, y, strict=True):
        dx = (pos[:, 0] - px) * 111_320 * np.cos(np.radians(py))
        dy = (pos[:, 1] - py) * 110_574
        assert np.hypot(dx, dy).min() <= 55


def test_site_count_scales_with_nodes() -> None:
    region = build_region(nodes=6000, seed=2)
    assert 80 <= len(region.services) <= 120
    offset = region.services.geometry  # some on, some off the street (checked above)
    assert len(offset) == len(region.services)


def test_outside_sites_are_far_outside(tmp_path: Path) -> None:
    region = build_region(nodes=SMALL, seed=7, outside_sites=3)
    inside = build_region(nodes=SMALL, seed=7)
    assert len(region.services) == len(inside.services) + 3
    bounds = shapely.box(*region.bounds)
    outside = region.services[~region.services.within(bounds)]
    assert len(outside) == 3
    assert outside["site_id"].is_unique and region.services["site_id"].is_unique
    assert (
        outside.to_crs(3857).distance(gpd.GeoSeries([bounds], crs=4326).to_crs(3857)[0]) > 1500
    ).all()


# --------------------------------------------------------------------------- folders and params


def test_non_empty_folder_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "reg"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="overwrite"):
        generate_region(out, nodes=300, seed=1)
    manifest = generate_region(out, nodes=300, seed=1, overwrite=True)
    assert manifest.is_file() and (out / "notes.txt").read_text() == "keep me"
    first = _digest(out / "tracts.gpkg")
    generate_region(out, nodes=300, seed=1, overwrite=True)
    assert _digest(out / "tracts.gpkg") == first


def test_output_path_that_is_a_file_is_rejected(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        generate_region(target, nodes=300, overwrite=True)


@pytest.mark.parametrize(
    ("kwargs", "source"),
    [
        ({"nodes": 10}, "nodes"),
        ({"nodes": 1.5}, "nodes"),
        ({"seed": -1}, "seed"),
        ({"center": (200.0, 45.0)}, "center"),
        ({"center": "somewhere"}, "center"),
        ({"outside_sites": -2}, "outside_sites"),
    ],
)
def test_invalid_parameters_raise_input_error(kwargs: dict, source: str) -> None:
    with pytest.raises(InputError) as info:
        build_region(**kwargs)
    assert info.value.source == source


def test_other_centre_moves_the_region() -> None:
    region = build_region(nodes=300, seed=1, center=(13.4, 52.5))
    minlon, minlat, maxlon, maxlat = region.bounds
    assert minlon < 13.4 < maxlon and minlat < 52.5 < maxlat
    assert region.tracts.total_bounds[0] == pytest.approx(minlon, abs=1e-6)


# --------------------------------------------------------------------------- scale


@pytest.mark.slow
def test_hundred_thousand_nodes(tmp_path: Path) -> None:
    """A 100k-node region has 100k nodes within 10 % (its time: benchmarks/timings.py)."""
    generate_region(tmp_path / "big", nodes=100_000, seed=5)
    assert abs(_node_count(tmp_path / "big" / "network.osm") - 100_000) <= 10_000


def test_a_state_sized_region_has_a_states_tracts_and_sites() -> None:
    """``synth --nodes 1000000``: about 3,000 tracts and 5,000 sites (the statewide case);
    county-sized regions keep one tract per 200 nodes and one site per 60."""
    assert synth._n_tracts_target(100_000) == 500 and synth._n_sites(100_000) == 1667
    assert synth._n_tracts_target(1_000_000) == 3000
    assert synth._n_sites(1_000_000) == 5000
    sizes = [synth._n_tracts_target(n) for n in range(150_000, 1_100_000, 50_000)]
    assert sizes == sorted(sizes)  # more nodes never give fewer tracts


def test_tract_polygons_tile_a_state_without_overlap() -> None:
    t = synth.tract_polygons(400, seed=1, extent_km=(300.0, 200.0))
    assert len(t) == 400 and t["unit_id"].is_unique and t.crs.to_epsg() == 4326
    m = t.to_crs(32610)
    assert m.geometry.is_valid.all() and (m.geometry.area > 0).all()
    # the cells cover the extent once (jittered boundaries overlap by a sliver only)
    assert m.geometry.area.sum() / 1e6 == pytest.approx(300 * 200, rel=0.01)
    assert synth.tract_polygons(400, seed=1, extent_km=(300.0, 200.0)).equals(t)
