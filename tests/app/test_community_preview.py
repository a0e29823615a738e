"""The Community map preview is the map people download: the same class colour per tract, the
same legend labels and the same extent as the PNG/PDF renderer, on the paper of the region."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image

from .conftest import app_module

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scenario(app_region: Path):
    """The synthetic region, its analysis (the sidebar's defaults) and its services."""
    import geo_outreach as go

    ctx = go.open_region(app_region)
    result = go.analyze(
        ctx, need="auto", modes=("drive",), reason_categories=("clinic_fqhc",), top_share=0.2
    ).result
    return ctx, result


def _feature_layers(m) -> list:
    import folium

    return [c for c in m._children.values() if isinstance(c, folium.GeoJson)]


def _legend_labels(m) -> tuple[str, list[str]]:
    """Title and row labels of the preview's legend box (as the page shows them)."""
    page = m.get_root().render()
    box = next(
        json.loads(s)
        for s in re.findall(r'innerHTML=("(?:[^"\\]|\\.)*")', page)
        if "geo-outreach-legend" in s
    )
    title = re.search(r"font-weight:bold;margin-bottom:4px'>(.*?)</div>", box).group(1)
    return html.unescape(title), [html.unescape(x) for x in re.findall(r"<span>(.*?)</span>", box)]


def _fitted_bounds(m) -> tuple[float, float, float, float]:
    import folium

    (fit,) = [c for c in m._children.values() if isinstance(c, folium.map.FitBounds)]
    (s, w), (n, e) = fit.bounds
    return w, s, e, n


@pytest.mark.parametrize(
    "shade", ["underserved_score", "need_score", "tt_nearest_clinic_fqhc_drive_min"]
)
@pytest.mark.parametrize("size", ["letter-landscape", "a4-landscape"])
def test_preview_shows_the_classes_colours_legend_and_extent_of_the_print(
    scenario, shade: str, size: str
) -> None:
    logic, maps = app_module("logic"), app_module("maps")
    ctx, result = scenario
    no_roads = {"type": "FeatureCollection", "features": []}
    services = ctx.region.services.iloc[:0]  # no markers over the tract fills
    m = logic.community_preview(
        lambda b: maps.new_map(ctx, no_roads, bounds=b),
        result=result,
        services=services,
        shade=shade,
        zones=False,
        size=size,
    )
    printed = logic.community_export(
        "png",
        result=result,
        services=services,
        roads=None,
        title="Test",
        notes="",
        shade=shade,
        zones=False,
        attribution="Map data (c) OpenStreetMap contributors",
        size=size,
    ).static
    (cb,) = printed.classes.values()
    panel = printed.panels[0]
    img = np.asarray(Image.open(io.BytesIO(printed.data)).convert("RGB"), dtype=int)

    # every tract the print colours has that colour in the preview
    layer = next(lay for lay in _feature_layers(m) if lay.layer_name == cb.title)
    preview = {str(f["id"]): layer.style_function(f)["fillColor"] for f in layer.data["features"]}
    tracts = result.tracts.set_index("unit_id")
    checked = 0
    for uid, colour in preview.items():
        pt = gpd.GeoSeries([tracts.geometry[uid].representative_point()], crs=tracts.crs)
        pt = pt.to_crs(panel.crs).iloc[0]
        col, row = panel.to_pixel(pt.x, pt.y)
        printed_rgb = img[round(row), round(col)]
        want = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(printed_rgb - want).max() <= 3, (uid, colour, printed_rgb)
        assert colour in cb.colours
        checked += 1
    assert checked == sum(cb.counts) > 0  # every classified tract, and only those

    # the legend: the print's title and class labels, in order
    title, rows = _legend_labels(m)
    assert title == cb.title
    assert rows[: len(cb.labels)] == list(cb.labels)

    # the preview is fitted to the printed panel's extent
    assert _fitted_bounds(m) == pytest.approx(panel.lonlat_bounds(), abs=1e-9)


def test_the_pdf_is_on_the_paper_of_the_region(scenario) -> None:
    from geo_outreach.data.region import read_manifest

    logic = app_module("logic")
    ctx, result = scenario
    # the demo region is Portland, Oregon: Letter; a Swedish region prints on A4
    portland = read_manifest(REPO / "data" / "portland-central" / "region.toml")
    assert logic.community_size(portland.country) == "letter-landscape"
    assert logic.community_size("SE") == "a4-landscape"
    assert ctx.region.country == "US"
    pdf = logic.community_map(
        "pdf",
        result=result,
        services=ctx.region.services,
        roads=None,
        title="Test",
        notes="",
        shade="need_score",
        zones=True,
        attribution="Map data (c) OpenStreetMap contributors",
        size=logic.community_size(ctx.region.country),
    )
    (box,) = set(re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", pdf))
    x0, y0, x1, y1 = (float(v) for v in box.split())
    assert sorted((x1 - x0, y1 - y0)) == [612.0, 792.0]  # 8.5 x 11 inches


def test_the_community_page_offers_the_pdf_on_letter_in_the_us(app_env: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import require_map_assets

    from .conftest import APP_MAIN

    require_map_assets()
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    at.switch_page("views/community.py").run()
    assert not at.exception, at.exception
    pdf = next(b for b in at.get("download_button") if b.label == "Download map (PDF)")
    assert "US Letter" in pdf.help
