import bz2

import networkx as nx
import pandas as pd
import pytest

from geo_outreach.errors import InputError, OSMFormatError
from geo_outreach.network.graph import build_network, check_osm_file, load_networks
from geo_outreach.network.speeds import MPH, SpeedTable
from geo_outreach.network.traveltime import od_table
from tests.conftest import REAL_REGION, TINY_NODES, haversine_m, write_osm


def h(a, b):
    return haversine_m(TINY_NODES[a], TINY_NODES[b])


@pytest.fixture
def tiny_osm(tmp_path):
    return write_osm(tmp_path / "tiny.osm")


def _time(net, a, b):
    od = od_table(net, pd.Series({str(a): a}), pd.Series({str(b): b}))
    return float(od["travel_time_s"].iloc[0])


def test_drive_filters_highway_classes(tiny_osm):
    net = build_network(tiny_osm, "drive", simplify=False)
    highways = {d["highway"] for _, _, d in net.graph.edges(data=True)}
    assert highways == {"residential", "primary", "secondary"}  # no footway/steps/private/stream
    assert 9 not in net.graph  # only on footways
    assert not net.graph.has_edge(4, 3)  # one-way primary


def test_walk_is_two_way_and_includes_paths(tiny_osm):
    net = build_network(tiny_osm, "walk", simplify=False)
    highways = {d["highway"] for _, _, d in net.graph.edges(data=True)}
    assert {"footway", "steps"} <= highways
    assert "service" not in highways  # access=private
    assert net.graph.has_edge(4, 3) and net.graph.has_edge(3, 4)
    assert 7 not in net.graph and 8 not in net.graph  # waterway without highway tag


def test_drive_travel_times_known_answer(tiny_osm):
    v25, v35, v50 = 25 * MPH / 3.6, 35 * MPH / 3.6, 50 * MPH / 3.6
    via_primary = (h(1, 2) + h(2, 3)) / v25 + h(3, 4) / v50
    via_north = h(1, 5) / v35 + (h(5, 6) + h(6, 4)) / v25
    assert via_primary < via_north
    raw = build_network(tiny_osm, "drive", simplify=False)
    assert _time(raw, 1, 4) == pytest.approx(via_primary, rel=1e-9)
    # back from 4 the one-way primary cannot be used
    assert _time(raw, 4, 1) == pytest.approx(via_north, rel=1e-9)
    # the simplified network (what the product uses) keeps the same times between the
    # intersections it keeps
    net = build_network(tiny_osm, "drive")
    assert set(net.node_ids) < set(raw.node_ids)
    assert _time(net, 3, 4) == pytest.approx(h(3, 4) / v50, rel=1e-9)
    assert _time(net, 4, 3) == pytest.approx(via_north + (h(1, 2) + h(2, 3)) / v25, rel=1e-9)


def test_walk_travel_time_known_answer_with_steps(tiny_osm):
    net = build_network(tiny_osm, "walk", speeds=SpeedTable(walk_kph=3.6), simplify=False)
    # 1 m/s on every way, 0.5 m/s on steps (9 -> 6)
    direct = h(2, 9) + 2 * h(9, 6)
    other = min(h(2, 1) + h(1, 5) + h(5, 6), h(2, 3) + h(3, 4) + h(4, 6))
    assert _time(net, 2, 6) == pytest.approx(min(direct, other), rel=1e-6)


def test_largest_scc_kept_and_dropped_reported(tmp_path):
    nodes = dict(TINY_NODES)
    nodes[20] = (-122.60, 45.55)
    ways = {
        1: ([1, 2, 3], {"highway": "residential"}),
        2: ([3, 20], {"highway": "residential", "oneway": "yes"}),  # dead end one way
    }
    net = build_network(write_osm(tmp_path / "x.osm", nodes, ways), "drive", simplify=False)
    assert 20 not in net.graph
    assert net.summary["dropped_nodes"] == 1
    assert net.summary["dropped_edges"] == 1
    assert nx.is_strongly_connected(net.graph)


def test_damaged_pbf_is_refused_with_fix(tmp_path):
    pbf = tmp_path / "region.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0d\n\tOSMHeader\x18")
    assert check_osm_file(pbf) == pbf  # looks like PBF ...
    with pytest.raises(OSMFormatError, match="corrupt or truncated") as err:
        build_network(pbf, "drive")  # ... but cannot be read
    assert str(pbf) in str(err.value) and "\n" not in str(err.value)
    named = tmp_path / "xml.osm.pbf"
    named.write_text("<osm></osm>")
    with pytest.raises(OSMFormatError, match="no OSM PBF data"):
        check_osm_file(named)


def test_not_osm_is_rejected(tmp_path):
    f = tmp_path / "roads.osm"
    f.write_text("name,lon,lat\nx,1,2\n")
    with pytest.raises(OSMFormatError, match="not OSM XML"):
        check_osm_file(f)
    b = tmp_path / "roads.osm.bz2"
    b.write_bytes(b"plain text, not bzip2")
    with pytest.raises(OSMFormatError, match="compression"):
        check_osm_file(b)
    page = tmp_path / "page.osm"
    page.write_text("<!DOCTYPE html><html><body>Download</body></html>")
    with pytest.raises(OSMFormatError, match="HTML page"):
        check_osm_file(page)
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(OSMFormatError, match="empty"):
        check_osm_file(empty)
    with pytest.raises(InputError, match="not found"):
        check_osm_file(tmp_path / "missing.osm")


def test_bz2_osm_reads_like_plain(tiny_osm, tmp_path):
    packed = tmp_path / "tiny.osm.bz2"
    packed.write_bytes(bz2.compress(tiny_osm.read_bytes()))
    a = build_network(tiny_osm, "drive")
    b = build_network(packed, "drive")
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges


def test_cache_is_used_and_keyed_on_settings(tiny_osm, tmp_path):
    folder = tmp_path / "cache"
    first = load_networks(tiny_osm, ("drive",), cache_dir=folder)["drive"]
    assert first.summary["cached"] is False
    again = load_networks(tiny_osm, ("drive",), cache_dir=folder)["drive"]
    assert again.summary["cached"] is True
    assert again.n_edges == first.n_edges
    slower = load_networks(
        tiny_osm, ("drive",), cache_dir=folder, speeds=SpeedTable(use_maxspeed=False)
    )["drive"]
    assert slower.summary["cached"] is False
    # changing the file invalidates the cache
    tiny_osm.write_text(tiny_osm.read_text().replace("50 mph", "20 mph"))
    changed = load_networks(tiny_osm, ("drive",), cache_dir=folder)["drive"]
    assert changed.summary["cached"] is False


@pytest.mark.realdata
@pytest.mark.slow
def test_cached_load_on_portland_is_the_same_network(tmp_path):
    """The second load comes from the cache with the same network (its speed-up, a timing,
    is measured by benchmarks/timings.py, not asserted here)."""
    osm = REAL_REGION / "network" / "portland_central.osm.bz2"
    cold = load_networks(osm, ("drive",), cache_dir=tmp_path)["drive"]
    warm = load_networks(osm, ("drive",), cache_dir=tmp_path)["drive"]
    assert not cold.summary["cached"] and warm.summary["cached"]
    assert warm.n_nodes == cold.n_nodes and warm.n_edges == cold.n_edges


def test_cached_network_is_arrays_with_the_same_answers_and_a_lazy_graph(tiny_osm, tmp_path):
    """A cached load reads the array file only: same nodes, matrices, footprint and travel
    times as the fresh build; the networkx graph is read on first use and equals the built one."""
    folder = tmp_path / "cache"
    built = load_networks(tiny_osm, ("drive", "walk"), cache_dir=folder)
    assert sorted(p.suffix for p in folder.iterdir()) == [".npz", ".npz", ".pkl", ".pkl"]
    for mode, fresh in built.items():
        cached = load_networks(tiny_osm, (mode,), cache_dir=folder)[mode]
        assert cached.summary["cached"] is True and not cached.graph_loaded
        assert (cached.node_ids == fresh.node_ids).all()
        assert (cached.time_s != fresh.time_s).nnz == 0
        assert (cached.dist_m != fresh.dist_m).nnz == 0
        assert cached.footprint().equals(fresh.footprint())
        assert cached.n_edges == fresh.n_edges
        ids = pd.Series({str(n): n for n in fresh.node_ids})
        pd.testing.assert_frame_equal(od_table(cached, ids, ids), od_table(fresh, ids, ids))
        assert not cached.graph_loaded  # travel times did not need the graph
        assert nx.utils.graphs_equal(cached.graph, fresh.graph)
        assert cached.graph_loaded
