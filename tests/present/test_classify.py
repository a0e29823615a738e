"""One classifier for web and print maps: the dashboard shows the classes the PDF prints."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from geo_outreach.present import classify as cl
from geo_outreach.present import webmap


@pytest.mark.parametrize("scheme", ["quantiles", "natural-breaks", "equal-interval"])
@pytest.mark.parametrize("palette", ["viridis", "YlOrRd"])
def test_web_choropleth_uses_the_print_classes_and_colours(scheme, palette):
    rng = np.random.default_rng(7)
    values = np.round(rng.gamma(2.0, 0.2, 60), 2)  # ties on class edges are likely
    values[[3, 17]] = np.nan
    units = gpd.GeoDataFrame(
        {"unit_id": [f"u{i}" for i in range(60)], "need": values},
        geometry=[box(-122.7 + i * 0.001, 45.5, -122.699 + i * 0.001, 45.501) for i in range(60)],
        crs="EPSG:4326",
    )
    m = webmap.base_map(units.total_bounds, attribution="x")
    layer = webmap.add_choropleth(m, units, "need", scheme=scheme, k=5, cmap=palette)
    fills = {f["id"]: layer.style_function(f)["fillColor"] for f in layer.data["features"]}

    edges, idx = cl.classify(values, scheme=scheme, k=5)  # what the static map draws with
    colours = cl.class_colours(palette, len(edges) - 1)
    for uid, i in zip(units["unit_id"], idx, strict=True):
        expected = colours[i] if i >= 0 else "#d9d9d9"
        assert fills[uid] == expected, uid


def test_values_on_an_edge_fall_in_the_lower_class():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    assert list(cl.assign_classes([0.0, 1.0, 1.5, 2.0, 3.0, np.nan], edges)) == [0, 0, 1, 1, 2, -1]
