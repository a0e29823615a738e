"""The sample week of any region: every visit and worker start on the region's own streets."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

import geo_outreach as go
from geo_outreach.errors import InputError


@pytest.mark.parametrize("country", ["US", "SE"])
def test_sample_visits_and_workers_are_on_the_network(tmp_path: Path, country: str) -> None:
    from geo_outreach.data.synth import generate_region

    generate_region(tmp_path / "r", nodes=600, seed=4, country=country)
    region = go.open_region(tmp_path / "r")
    visits, workers = go.sample_week(region, visits=15, workers=3, seed=1)
    assert len(visits) == 15 and len(workers) == 3
    assert not go.is_demo_region(region)
    net = region.network("drive")
    for lon, lat in (
        (visits.table["lon"], visits.table["lat"]),
        (workers.table["start_lon"], workers.table["start_lat"]),
    ):
        _, dist = net.nearest_nodes(lon.astype(float).to_numpy(), lat.astype(float).to_numpy())
        assert float(np.max(dist)) < 1.0  # on a street node (6-decimal rounding: centimetres)
    # inside populated units of this region
    units = region.region.units
    pts = gpd.points_from_xy(
        visits.table["lon"].astype(float), visits.table["lat"].astype(float)
    )
    populated = units[units["population"] > 0].geometry.union_all().buffer(1e-6)
    assert all(populated.contains(p) for p in pts)
    # the same seed gives the same week, another seed another one
    again, _ = go.sample_week(region, visits=15, workers=3, seed=1)
    other, _ = go.sample_week(region, visits=15, workers=3, seed=2)
    assert again.table.equals(visits.table) and not other.table.equals(visits.table)
    # and it plans: nothing left out for being off the road network
    plan = go.plan_routes(region, visits, workers, days=5, time_limit_s=2.0)
    reasons = plan.unscheduled.get("reason", [])
    assert not any("road" in str(r) for r in reasons)


def test_sample_week_rejects_bad_counts(tmp_path: Path) -> None:
    from geo_outreach.data.synth import generate_region

    generate_region(tmp_path / "r", nodes=300, seed=4)
    region = go.open_region(tmp_path / "r")
    with pytest.raises(InputError, match="visits must be 1..500"):
        go.sample_week(region, visits=0)
    with pytest.raises(InputError, match="workers must be 1..20"):
        go.sample_week(region, workers=99)


def test_demo_region_is_the_demo() -> None:
    assert go.is_demo_region(go.open_region())
