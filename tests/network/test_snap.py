import pytest

from geo_outreach.data.region import load_region
from geo_outreach.errors import InputError
from geo_outreach.network.graph import build_network
from geo_outreach.network.snap import snap_sites, unit_origins


@pytest.fixture
def region_and_net(tiny_region):
    region = load_region(tiny_region)
    return region, build_network(region.network_path, "walk", simplify=False)


def test_units_use_their_own_nodes(region_and_net):
    region, net = region_and_net
    snap = unit_origins(net, region.units)
    first = snap.origins[snap.origins["unit_id"] == "41051000100"]
    # nodes 1, 2, 5, 6, 9 lie inside the first box
    assert set(first["node_id"]) == {1, 2, 5, 6, 9}
    assert first["weight"].sum() == pytest.approx(1.0)
    assert (first["snap_dist_m"] == 0).all()


def test_far_unit_is_off_network_not_snapped(region_and_net):
    region, net = region_and_net
    snap = unit_origins(net, region.units, max_snap_m=500)
    assert snap.off_network["unit_id"].tolist() == ["41051000300"]
    assert snap.off_network["snap_dist_m"].iloc[0] > 500
    assert "41051000300" not in set(snap.origins["unit_id"])


def test_nearest_fallback_records_distance(region_and_net):
    region, net = region_and_net
    snap = unit_origins(net, region.units, max_snap_m=10_000)
    row = snap.origins[snap.origins["unit_id"] == "41051000300"]
    assert row["how"].tolist() == ["nearest"]
    assert row["snap_dist_m"].iloc[0] > 500


def test_sites_off_network(region_and_net):
    region, net = region_and_net
    sites = snap_sites(net, region.services)
    assert sites["on_network"].tolist() == [True, True, False]
    assert sites["snap_dist_m"].iloc[0] < 20
    with pytest.raises(InputError, match="positive"):
        snap_sites(net, region.services, max_snap_m=0)
