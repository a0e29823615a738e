"""Map pages for the dashboard, offline: folium maps from :mod:`geo_outreach.present.webmap`.

Maps are rendered to HTML whose Leaflet/CSS links point at Streamlit's static serving
(``/app/static/vendor/...``, ``mode="url"``) and shown with ``st.iframe`` (an HTML string becomes the iframe's document).
That loads nothing but what the page names, unlike streamlit-folium whose
frontend adds d3 from CDNs for colormaps; with it every request stays on 127.0.0.1.
The road base layer (the region's own network) is built once per region and reused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geo_outreach.network.context import RegionNetworks

BASE_URL = "/app/static/vendor/"
ROADS_SIMPLIFY_M = 8.0


def road_layer_data(ctx: RegionNetworks, edges: gpd.GeoDataFrame) -> dict[str, Any]:
    """GeoJSON of the road ``edges`` by class, as :func:`base_map` draws them."""
    from geo_outreach.present.webmap import base_map

    m = base_map(
        tuple(ctx.region.units.total_bounds),
        roads=edges[["highway", "geometry"]],
        attribution=ctx.region.attribution,
        simplify_m=ROADS_SIMPLIFY_M,
    )
    for child in m._children.values():
        data = getattr(child, "data", None)
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return data
    return {"type": "FeatureCollection", "features": []}


def new_map(
    ctx: RegionNetworks, roads: dict[str, Any], *, bounds: Sequence[float] | None = None
) -> folium.Map:
    """A base map of the region with the cached road layer."""
    import folium

    from geo_outreach.present.webmap import ROAD_STYLES, base_map

    m = base_map(
        tuple(bounds) if bounds is not None else tuple(ctx.region.units.total_bounds),
        roads=None,
        attribution=ctx.region.attribution,
    )
    layer = folium.GeoJson(
        roads,
        name="Roads",
        style_function=lambda f: dict(ROAD_STYLES[f["properties"]["road_class"]]),
        interactive=False,
    )
    layer.add_to(m)
    m.keep_in_front(layer)
    return m


def add_popup(
    layer: folium.GeoJson, table: Any, fields: Sequence[str], aliases: Sequence[str]
) -> None:
    """Give each feature of a choropleth layer the popup ``fields`` (click a tract)."""
    import folium

    by_id = table.set_index(table["unit_id"].astype(str))
    for feat in layer.data["features"]:
        uid = str(feat.get("id"))
        if uid in by_id.index:
            row = by_id.loc[uid]
            for f in fields:
                v = row[f]
                feat["properties"][f] = _plain(v)
    folium.GeoJsonPopup(fields=list(fields), aliases=list(aliases), max_width=360).add_to(layer)


def _plain(v: Any) -> Any:
    """JSON-safe value: numbers rounded, NaN/inf -> None, others as text."""
    import math

    import numpy as np

    if isinstance(v, np.generic):
        v = v.item()
    if v is None:
        return None
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return round(v, 3) if math.isfinite(v) else None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def add_polygons(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    color: str,
    fields: Sequence[str],
    aliases: Sequence[str] | None = None,
) -> None:
    """Outline polygons (coverage areas, zones) with a tooltip; its labels are ``aliases``,
    else the human header of each field (:func:`geo_outreach.present.labels.column_label`)."""
    import folium

    from geo_outreach.present.labels import column_label

    data = json.loads(gdf[[*fields, "geometry"]].to_json(drop_id=True))
    folium.GeoJson(
        data,
        name=name,
        style_function=lambda f: {
            "color": color,
            "weight": 2,
            "fillColor": color,
            "fillOpacity": 0.08,
            "dashArray": "5 4",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=list(fields),
            aliases=list(aliases) if aliases is not None else [column_label(f) for f in fields],
        ),
    ).add_to(m)


def to_page(m: folium.Map, *, inline: bool = False) -> str:
    """Render ``m`` with local assets (Streamlit static URLs, or inlined for export)."""
    from geo_outreach.present.assets import render_offline_html

    if inline:
        return render_offline_html(m, mode="inline")
    return render_offline_html(m, mode="url", base_url=BASE_URL)


def show(html: str, *, height: int = 520) -> None:
    """Show a rendered map page in the app."""
    import streamlit as st

    st.iframe(html, height=height)
