"""OSM PBF and XML read with pyosmium, clipped to the study area; damaged files refused."""

from __future__ import annotations

from pathlib import Path

import osmium
import pytest

from geo_outreach.data.osm import clip_box, read_osm_ways, sniff_osm
from geo_outreach.errors import NetworkError, OSMFormatError
from geo_outreach.network.graph import _EXTRA_WAY_TAGS, build_network, load_networks
from tests.conftest import REAL_REGION, TINY_NODES, TINY_WAYS, write_osm

PBF = REAL_REGION / "network" / "portland_central.osm.pbf"
XML = REAL_REGION / "network" / "portland_central.osm.bz2"


def write_pbf(path: Path, nodes: dict = TINY_NODES, ways: dict = TINY_WAYS) -> Path:
    """The tiny test network as OSM PBF (written with pyosmium)."""
    with osmium.SimpleWriter(str(path)) as writer:
        for nid, (lon, lat) in sorted(nodes.items()):
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), version=1))
        for wid, (refs, tags) in sorted(ways.items()):
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    return path


def _edges(net):
    return sorted((u, v, round(d["length"], 6)) for u, v, d in net.graph.edges(data=True))


def test_tiny_pbf_gives_the_same_networks_as_xml(tmp_path):
    pbf = write_pbf(tmp_path / "tiny.osm.pbf")
    xml = write_osm(tmp_path / "tiny.osm")
    assert sniff_osm(pbf) == "pbf" and sniff_osm(xml) == "xml"
    for mode in ("drive", "walk"):
        a = build_network(pbf, mode, simplify=False)
        b = build_network(xml, mode, simplify=False)
        assert _edges(a) == _edges(b)
        assert a.summary["format"] == "pbf" and b.summary["format"] == "xml"


def test_clip_keeps_whole_ways_meeting_the_box(tmp_path):
    pbf = write_pbf(tmp_path / "tiny.osm.pbf")
    lon1, lat1 = TINY_NODES[1]
    osm = read_osm_ways(pbf, clip=(lon1 - 1e-4, lat1 - 1e-4, lon1 + 1e-4, lat1 + 1e-4))
    # the ways through node 1: South St (1-2-3, kept whole) and the secondary 5-1
    assert {w for w, _, _ in osm.ways} == {10, 13}
    assert set(osm.nodes) == {1, 2, 3, 5}
    assert osm.stats["ways_read"] == 7  # every way with a highway tag (not the stream)


def test_clip_box_grows_by_at_least_the_buffer():
    box = clip_box((-122.7, 45.5, -122.6, 45.6), buffer_m=5000)
    assert box[1] == pytest.approx(45.5 - 5000 / 111_320)
    # 5 km of longitude at 45.6 N is about 0.064 degrees; the box grows by at least that
    assert -122.7 - box[0] >= 0.064 and box[2] + 122.6 >= 0.064


def test_pbf_with_no_roads_in_the_area_is_refused(tmp_path):
    pbf = write_pbf(tmp_path / "tiny.osm.pbf")
    with pytest.raises(NetworkError, match="none inside the study area") as err:
        build_network(pbf, "drive", clip=(10.0, 59.0, 10.1, 59.1))
    assert str(pbf) in str(err.value)


def test_truncated_and_corrupt_files_are_refused_in_one_line(tmp_path):
    pbf = write_pbf(tmp_path / "tiny.osm.pbf")
    data = pbf.read_bytes()
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes(data[: len(data) - 20])
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(data[:40] + b"\xff" * 40 + data[80:])
    for bad in (truncated, corrupt):
        with pytest.raises(OSMFormatError, match="corrupt or truncated") as err:
            read_osm_ways(bad)
        message = str(err.value)
        assert str(bad) in message and "\n" not in message and "Download" in message


@pytest.mark.realdata
def test_portland_pbf_gives_the_xml_graph_after_the_same_clip():
    """The demo's PBF and its XML (read by osmnx, the reference) give the same networks."""
    if not PBF.is_file():
        pytest.skip("shared data absent")
    import osmnx as ox

    clip = (-122.68, 45.50, -122.64, 45.53)  # a few tracts of central Portland
    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(tags) | set(_EXTRA_WAY_TAGS))
    try:
        whole = ox.graph_from_xml(XML, simplify=False, retain_all=True, bidirectional=False)
    finally:
        ox.settings.useful_tags_way = tags
    # the same clip on osmnx's graph: every way whose bounding box meets the box, whole
    boxes: dict[int, list[float]] = {}
    for u, v, d in whole.edges(data=True):
        for n in (u, v):
            x, y = whole.nodes[n]["x"], whole.nodes[n]["y"]
            b = boxes.setdefault(d["osmid"], [x, y, x, y])
            b[:] = [min(b[0], x), min(b[1], y), max(b[2], x), max(b[3], y)]
    keep = {
        w
        for w, b in boxes.items()
        if not (b[2] < clip[0] or b[0] > clip[2] or b[3] < clip[1] or b[1] > clip[3])
    }
    reference = whole.edge_subgraph(
        [(u, v, k) for u, v, k, d in whole.edges(keys=True, data=True)
         if d["osmid"] in keep and "highway" in d]
    ).copy()  # fmt: skip
    for mode in ("drive", "walk"):
        ours = build_network(PBF, mode, clip=clip)
        ref = build_network(XML, mode, _raw=reference)
        assert ours.n_nodes == ref.n_nodes and ours.n_nodes > 1000
        assert ours.n_edges == ref.n_edges
        assert _edges(ours) == _edges(ref)
    stats = read_osm_ways(PBF, clip=clip).stats
    assert stats["ways_kept"] < stats["ways_read"] / 2  # the clip did cut


@pytest.mark.realdata
@pytest.mark.slow
def test_portland_pbf_and_xml_give_the_same_cached_networks(tmp_path):
    if not PBF.is_file():
        pytest.skip("shared data absent")
    a = load_networks(PBF, cache_dir=tmp_path)
    b = load_networks(XML, cache_dir=tmp_path)
    for mode in ("drive", "walk"):
        assert a[mode].n_nodes == b[mode].n_nodes and a[mode].n_edges == b[mode].n_edges
        assert _edges(a[mode]) == _edges(b[mode])
        assert (a[mode].time_s != b[mode].time_s).nnz == 0
