import pytest

from geo_outreach.data.region import load_region
from geo_outreach.errors import InputError, OffNetworkWarning
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
    snap = unit_origins(net, region.units, max_snap_m=10_000, min_coverage=0)
    row = snap.origins[snap.origins["unit_id"] == "41051000300"]
    assert row["how"].tolist() == ["nearest"]
    assert row["snap_dist_m"].iloc[0] > 500


def test_sites_off_network(region_and_net):
    region, net = region_and_net
    with pytest.warns(OffNetworkWarning, match="1 of 3 sites are off the network"):
        sites = snap_sites(net, region.services)
    assert sites["on_network"].tolist() == [True, True, False]
    assert sites["snap_dist_m"].iloc[0] < 20
    with pytest.raises(InputError, match="positive"):
        snap_sites(net, region.services, max_snap_m=0)


def test_unit_mostly_outside_the_network_extent_is_off_network(region_and_net):
    region, net = region_and_net
    units = region.units.copy()
    # stretch the second tract far east of the streets: most of its area is outside the extent
    from shapely.geometry import box

    x0, y0, x1, y1 = units.geometry.iloc[1].bounds
    units.loc[1, "geometry"] = box(x0, y0, x1 + 0.05, y1)
    snap = unit_origins(net, units)
    row = snap.off_network.set_index("unit_id").loc["41051000200"]
    assert row["coverage"] < 0.5
    assert "extent" in row["why"]
    assert "41051000200" not in set(snap.origins["unit_id"])
    # with the check off, its streets count again
    assert "41051000200" in set(unit_origins(net, units, min_coverage=0).origins["unit_id"])


def test_coverage_is_reported_for_every_unit(region_and_net):
    region, net = region_and_net
    snap = unit_origins(net, region.units)
    cov = snap.coverage.set_index("unit_id")["coverage"]
    assert cov.between(0, 1).all()
    assert cov["41051000100"] > 0.9 and cov["41051000300"] == 0


@pytest.mark.realdata
def test_coverage_agrees_with_the_shared_net_cov_column():
    from geo_outreach.network.context import open_region

    ctx = open_region()
    cov = ctx.origins("drive").coverage.merge(ctx.region.units[["unit_id", "net_cov"]])
    assert cov["coverage"].corr(cov["net_cov"]) > 0.9
