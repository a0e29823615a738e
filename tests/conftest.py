"""Shared fixtures: a tiny hand-made region with known answers, the real-data marker, and
:func:`require`, the one way a test says it needs an installed component."""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REAL_REGION = SHARED_DATA / "portland-central"
REAL_SVI_CSV = REAL_REGION / "census" / "svi_multnomah_tracts.csv"
"""CDC SVI 2020 tract table of Multnomah County (real data; tests skip when absent)."""

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
"""True in CI (``CI=true``), where PostgreSQL, Chromium, poppler and the map assets are
installed: a test that needs one of them fails there instead of skipping."""


def require(component: str, available: bool | Callable[[], bool], *, how: str) -> None:
    """Skip the calling test when ``component`` is missing, but fail it in CI.

    CI installs every component a test needs (``scripts/test.sh``), so a missing one there
    means the suite would stay green without running those tests: that is a failure.

    Parameters
    ----------
    component
        What is needed ("Chromium", "PostgreSQL", "pdftoppm (poppler)", "the map assets").
    available
        Whether it is there (or a function that tells).
    how
        How to install it, shown in the skip or failure message.
    """
    ok = available() if callable(available) else bool(available)
    if ok:
        return
    message = f"needs {component} ({how})"
    if IN_CI:
        pytest.fail(
            f"{message}: missing in CI (CI=true), where it must be installed", pytrace=False
        )
    pytest.skip(message)


def require_tool(tool: str, *, how: str = "apt-get install poppler-utils") -> str:
    """The path of the command-line ``tool`` (see :func:`require`)."""
    path = shutil.which(tool)
    require(tool, path is not None, how=how)
    assert path is not None
    return path


def require_map_assets() -> None:
    """The offline Leaflet assets in app/static/vendor (see :func:`require`)."""
    from geo_outreach.present.assets import missing_assets

    require("the offline map assets", lambda: not missing_assets(), how="scripts/fetch_assets.sh")


CHROMIUM_PATH = Path("/usr/bin/chromium")


def require_chromium() -> None:
    """Debian's Chromium and Playwright (see :func:`require`)."""
    require(str(CHROMIUM_PATH), CHROMIUM_PATH.exists(), how="apt-get install chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require("playwright", False, how="scripts/setup.sh --dev")


# Tiny network around (-122.65, 45.52). Node id -> (lon, lat).
LAT0 = 45.52
LON0 = -122.65
D = 0.002  # ~156 m in longitude, ~222 m in latitude
TINY_NODES = {
    1: (LON0, LAT0),
    2: (LON0 + D, LAT0),
    3: (LON0 + 2 * D, LAT0),
    4: (LON0 + 2 * D, LAT0 + D),
    5: (LON0, LAT0 + D),
    6: (LON0 + D, LAT0 + D),
    7: (LON0 + 3 * D, LAT0 + 3 * D),
    8: (LON0 + 3.5 * D, LAT0 + 3 * D),
    9: (LON0 + 0.5 * D, LAT0 + 0.5 * D),
}
# way id -> (node ids, tags)
TINY_WAYS = {
    10: ([1, 2, 3], {"highway": "residential", "name": "South St"}),  # 25 mph, two-way
    11: ([3, 4], {"highway": "primary", "maxspeed": "50 mph", "oneway": "yes"}),  # 3 -> 4 only
    12: ([4, 6, 5], {"highway": "residential"}),  # 25 mph
    13: ([5, 1], {"highway": "secondary", "maxspeed": "35 mph;40 mph"}),  # min -> 35 mph
    14: ([2, 9], {"highway": "footway"}),  # walk only
    15: ([9, 6], {"highway": "steps"}),  # walk only, half speed
    16: ([7, 8], {"waterway": "stream"}),  # no highway tag: never routable
    17: ([6, 2], {"highway": "service", "access": "private"}),  # private: not for cars
}


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance as osmnx computes it (earth radius 6,371,009 m)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371009 * math.asin(math.sqrt(h))


def write_osm(path: Path, nodes: dict = TINY_NODES, ways: dict = TINY_WAYS) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>')
    for wid, (refs, tags) in ways.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny_units() -> gpd.GeoDataFrame:
    """Two tracts over the streets and one far away (off-network)."""
    return gpd.GeoDataFrame(
        {
            "GEOID": ["41051000100", "41051000200", "41051000300"],
            "E_TOTPOP": [1200, 800, 50],
        },
        geometry=[
            box(LON0 - 0.0005, LAT0 - 0.0005, LON0 + 1.2 * D, LAT0 + 1.2 * D),
            box(LON0 + 1.2 * D, LAT0 - 0.0005, LON0 + 2.5 * D, LAT0 + 1.2 * D),
            box(LON0 + 20 * D, LAT0 + 20 * D, LON0 + 21 * D, LAT0 + 21 * D),
        ],
        crs="EPSG:4326",
    )


def tiny_services() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Clinic A", "Library B", "Far Clinic"],
            "category": ["clinic_fqhc", "library", "clinic_fqhc"],
            "capacity": [2.0, 1.0, 1.0],
        },
        geometry=[
            Point(LON0 + 2 * D + 0.0001, LAT0 + D),
            Point(LON0, LAT0 + 0.0001),
            Point(LON0 + 30 * D, LAT0 + 30 * D),
        ],
        crs="EPSG:4326",
    )


def make_tiny_region(folder: Path) -> Path:
    """Write a complete tiny region (network, tracts, services, region.toml)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_osm(folder / "roads.osm")
    tiny_units().to_file(folder / "tracts.gpkg", layer="tracts")
    tiny_services().to_file(folder / "services.gpkg", layer="services")
    (folder / "region.toml").write_text(
        "\n".join(
            [
                'name = "tiny"',
                'title = "Tiny test region"',
                'attribution = "Test data"',
                "[network]",
                'path = "roads.osm"',
                "[units]",
                'path = "tracts.gpkg"',
                'layer = "tracts"',
                'id_col = "GEOID"',
                'population_col = "E_TOTPOP"',
                "[services]",
                'path = "services.gpkg"',
                'layer = "services"',
                'category_col = "category"',
                'name_col = "name"',
                'capacity_col = "capacity"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return folder


# Plan inputs on the tiny network: drive nodes 3 (-122.646, 45.520) and 4 (-122.646, 45.522)
# joined by a one-way primary 3 -> 4 and the residential loop back; walk nodes 2 (-122.648,
# 45.520) and 6 (-122.648, 45.522) joined by the loop and by a footway + steps.  C is beyond
# the network, D is longer than any shift, B needs Spanish and W Russian.
TINY_VISITS_CSV = """visit_id,name,address,lon,lat,duration_min,windows,priority,skills,notes
A,Corner shop,1 South St,-122.6461,45.5201,30,,required,,
B,Clinic,2 North St,-122.6461,45.5219,45,10:00-14:00,required,es,bring forms
W,Russian family,3 Park Ln,-122.6481,45.5219,40,,required,ru,
C,Far farm,,-122.6200,45.5400,30,,required,,beyond the network
D,All-day fair,,-122.6460,45.5202,600,,required,,longer than a shift
"""
TINY_WORKERS_CSV = """worker_id,name,start_lon,start_lat,mode,skills,shift,break,break_after_h
van,Van,-122.6459,45.5200,drive,en;es,Mon-Fri 08:30-17:00,30@11:30-13:30,0
walker,Walker,-122.6481,45.5201,walk,en;ru,Mon-Fri 09:00-15:00,,
"""


def write_plan_inputs(
    folder: Path, visits: str = TINY_VISITS_CSV, workers: str = TINY_WORKERS_CSV
) -> tuple[Path, Path]:
    """Write ``visits.csv`` and ``workers.csv`` into ``folder`` (created); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    v, w = folder / "visits.csv", folder / "workers.csv"
    v.write_text(visits, encoding="utf-8")
    w.write_text(workers, encoding="utf-8")
    return v, w


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test session caches networks in a temporary folder, never in the user's cache."""
    cache = tmp_path_factory.getbasetemp() / "geo_outreach_cache"
    monkeypatch.setenv("GEO_OUTREACH_CACHE", str(cache))
    if "GEO_OUTREACH_DATA" not in os.environ and SHARED_DATA.is_dir():
        monkeypatch.setenv("GEO_OUTREACH_DATA", str(SHARED_DATA))


@pytest.fixture
def tiny_region(tmp_path: Path) -> Path:
    return make_tiny_region(tmp_path / "tiny")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REAL_REGION.is_dir():
        return
    skip = pytest.mark.skip(reason=f"real data not found at {REAL_REGION}")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def synth_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic region with every SVI column (shared by the tests of a session)."""
    from geo_outreach.data.synth import generate_region

    target = tmp_path_factory.mktemp("synth") / "region"
    generate_region(target, nodes=1500, seed=3, overwrite=True)
    return target
