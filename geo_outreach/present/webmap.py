"""Interactive web maps (folium/Leaflet) that work offline.

A map starts from :func:`base_map`, whose base layer is the region's own road
network drawn as vectors (no tile server needed), and carries the data
attribution line.  Helpers add a choropleth of a units column
(:func:`add_choropleth`), service sites by category (:func:`add_sites`) and
route lines (:func:`add_routes`).  :func:`to_html` writes a page whose Leaflet,
CSS and fonts are local (see :mod:`geo_outreach.present.assets`).

Only plain folium features are used (GeoJson, CircleMarker, FeatureGroup,
LayerControl), so every script a map needs is in
:data:`geo_outreach.present.assets.ASSETS`.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _, gettext, ngettext
from geo_outreach.palettes import OKABE_ITO, ROUTE_COLOURS
from geo_outreach.present.assets import render_offline_html
from geo_outreach.present.classify import assign_classes, class_colours, classify
from geo_outreach.validation import check_columns, check_gdf

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = [
    "DEMO_ATTRIBUTION",
    "ROAD_STYLES",
    "add_choropleth",
    "add_layer_control",
    "add_print_choropleth",
    "add_routes",
    "add_sites",
    "base_map",
    "road_class",
    "to_html",
]

logger = logging.getLogger(__name__)

DEMO_ATTRIBUTION = (
    "Map data (c) OpenStreetMap contributors (ODbL); US Census Bureau; CDC/ATSDR SVI; "
    "OEPS (GeoDa Center)"
)
"""Attribution line of the demo region's data sources."""

ROAD_STYLES: dict[str, dict[str, Any]] = {
    "major": {"color": "#8a7f74", "weight": 3.0, "opacity": 0.9},
    "secondary": {"color": "#a39b91", "weight": 2.0, "opacity": 0.85},
    "local": {"color": "#c2bbb2", "weight": 1.0, "opacity": 0.8},
    "path": {"color": "#a8a29a", "weight": 0.8, "opacity": 0.7, "dashArray": "2 3"},
}
"""Line style of each road class drawn by :func:`base_map` (muted greys, so data stands out)."""

_ROAD_CLASSES: dict[str, str] = {
    **dict.fromkeys(
        ["motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"], "major"
    ),
    **dict.fromkeys(["secondary", "tertiary", "secondary_link", "tertiary_link"], "secondary"),
    **dict.fromkeys(
        ["footway", "cycleway", "path", "pedestrian", "steps", "track", "bridleway", "corridor"],
        "path",
    ),
}

_BACKGROUND = "#f4f2ee"
_DEFAULT_SIMPLIFY_ROADS_M = 5.0
_DEFAULT_SIMPLIFY_UNITS_M = 10.0
#: the extent's diagonal over this is the units' tolerance when it exceeds the default: the
#: map opens fitted to the extent, where one pixel is about diagonal / 1,500 (a 1,200 x 800
#: frame), so a statewide map (730 km: 60 m) keeps about 25 vertices per pixel there and stays
#: within about 2 pixels at street zoom; a county map (40 km) keeps the 10 m default
_UNITS_TOLERANCE_PER_DIAGONAL = 12_000
_COORD_DIGITS = 6  # ~0.1 m


# --------------------------------------------------------------------------- helpers


def road_class(value: object) -> str:
    """Map an OSM ``highway`` value (str, list of str or missing) to a drawing class.

    Returns one of the keys of :data:`ROAD_STYLES`; anything unknown is ``"local"``.
    """
    if isinstance(value, list | tuple | np.ndarray):
        classes = [road_class(v) for v in value]
        order = list(ROAD_STYLES)
        return min(classes, key=order.index) if classes else "local"
    if not isinstance(value, str):
        return "local"
    return _ROAD_CLASSES.get(value.strip().lower(), "local")


def _simplify(geoms: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify geometries by ``tolerance_m`` metres (in a local UTM CRS); EPSG:4326 out."""
    if tolerance_m < 0 or not math.isfinite(tolerance_m):
        raise InputError(
            _("simplify_m must be >= 0, got {got}").format(got=tolerance_m), source="simplify_m"
        )
    if tolerance_m == 0 or geoms.empty:
        return geoms
    utm = geoms.estimate_utm_crs()
    return geoms.to_crs(utm).simplify(tolerance_m, preserve_topology=True).to_crs(4326)


def units_tolerance_m(units: gpd.GeoDataFrame) -> float:
    """The simplification of polygons drawn on a web map of ``units`` (metres).

    The default :data:`_DEFAULT_SIMPLIFY_UNITS_M`, coarser for large extents: the extent's
    diagonal / 12,000.  Thousands of statewide tracts then weigh a third as much and draw in
    about a second (``benchmarks/app_timings.py --choropleth``); Leaflet itself simplifies
    each path further to the pixels of the zoom it is drawn at (``smoothFactor``).
    """
    if units.empty:
        return _DEFAULT_SIMPLIFY_UNITS_M
    b = units.to_crs(units.estimate_utm_crs()).total_bounds
    diagonal = math.hypot(b[2] - b[0], b[3] - b[1])
    if not math.isfinite(diagonal):
        return _DEFAULT_SIMPLIFY_UNITS_M
    return max(_DEFAULT_SIMPLIFY_UNITS_M, diagonal / _UNITS_TOLERANCE_PER_DIAGONAL)


def _round_coords(obj: Any, ndigits: int = _COORD_DIGITS) -> Any:
    if isinstance(obj, list | tuple):
        if obj and isinstance(obj[0], float | int):
            return [round(float(v), ndigits) for v in obj]
        return [_round_coords(v, ndigits) for v in obj]
    return obj


def _geometry_json(geom: Any) -> dict[str, Any]:
    gi = geom.__geo_interface__
    if gi["type"] == "GeometryCollection":
        return {"type": gi["type"], "geometries": [_geometry_json(g) for g in geom.geoms]}
    return {"type": gi["type"], "coordinates": _round_coords(gi["coordinates"])}


def _json_value(value: Any) -> Any:
    """A JSON-safe value for a GeoJSON property (NaN -> None, numpy -> Python, 4 decimals)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 4)
    if isinstance(value, bool | int | str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _feature_collection(
    gdf: gpd.GeoDataFrame, fields: Sequence[str], id_column: str | None = None
) -> dict[str, Any]:
    features = []
    for i, (geom, row) in enumerate(
        zip(gdf.geometry, gdf[list(fields)].itertuples(index=False), strict=True)
    ):
        if geom is None or geom.is_empty:
            continue
        feature: dict[str, Any] = {
            "type": "Feature",
            "properties": {f: _json_value(v) for f, v in zip(fields, row, strict=True)},
            "geometry": _geometry_json(geom),
        }
        feature["id"] = str(gdf[id_column].iloc[i]) if id_column else str(i)
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def _add_template(m: folium.Map, script: str) -> None:
    """Attach a snippet of JS run after the map exists; ``MAP`` names the map variable."""
    from branca.element import MacroElement
    from jinja2 import Template

    el = MacroElement()
    el._name = "GeoOutreachScript"
    el._template = Template(
        "{% macro script(this, kwargs) %}"
        + script.replace("MAP", "{{ this._parent.get_name() }}")
        + "{% endmacro %}"
    )
    m.add_child(el)


def _add_legend(m: folium.Map, title: str, rows: Sequence[tuple[str, str, str]]) -> None:
    """Add a legend box; ``rows`` are ``(colour, label, shape)`` with shape 'box'|'dot'|'line'."""
    items = []
    for colour, label, shape in rows:
        if shape == "dot":
            swatch = (
                f"background:{colour};border-radius:50%;width:12px;height:12px;"
                "border:1px solid #333;"
            )
        elif shape == "line":
            swatch = f"background:{colour};width:18px;height:4px;margin-top:6px;"
        else:
            swatch = f"background:{colour};width:18px;height:12px;border:1px solid #999;"
        items.append(
            '<div style="display:flex;gap:6px;align-items:flex-start;line-height:16px">'
            f'<span style="display:inline-block;flex:none;{swatch}"></span>'
            f"<span>{html.escape(label)}</span></div>"
        )
    box = (
        '<div class="geo-outreach-legend" style="background:rgba(255,255,255,0.92);'
        "padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,0.3);"
        'font:12px/1.3 sans-serif;color:#222;max-width:240px">'
        f"<div style='font-weight:bold;margin-bottom:4px'>{html.escape(title)}</div>"
        + "".join(items)
        + "</div>"
    )
    _add_template(
        m,
        "(function(){var c=L.control({position:'bottomright'});"
        "c.onAdd=function(){var d=L.DomUtil.create('div');d.innerHTML="
        + json.dumps(box)
        + ";L.DomEvent.disableClickPropagation(d);return d;};c.addTo(MAP);})();",
    )


def _keep_in_front(m: folium.Map, layer: Any, *, rank: int) -> None:
    """Keep ``layer`` above choropleths: roads (0) < routes (1) < sites (2), whatever the call order."""
    layer._geo_outreach_rank = rank
    m.keep_in_front(layer)
    m.objects_to_stay_in_front.sort(key=lambda obj: getattr(obj, "_geo_outreach_rank", 1))


def _palette_for(keys: Sequence[str], palette: Sequence[str], what: str) -> dict[str, str]:
    if not palette:
        raise InputError(_("palette must name at least one colour"), source="palette")
    if len(keys) > len(palette):
        logger.warning(
            "%d %s but the palette has %d colours; colours repeat", len(keys), what, len(palette)
        )
    return {k: palette[i % len(palette)] for i, k in enumerate(keys)}


# --------------------------------------------------------------------------- base map


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(v) for v in bounds)
    except (TypeError, ValueError) as exc:
        raise InputError(
            _("bounds must be (min_lon, min_lat, max_lon, max_lat), got {got}").format(
                got=repr(bounds)
            ),
            source="bounds",
        ) from exc
    ok = all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
    ok = ok and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    if not ok:
        raise InputError(
            _(
                "bounds must be (min_lon, min_lat, max_lon, max_lat) in degrees with min <= max, "
                "got {got}; use gdf.to_crs(4326).total_bounds"
            ).format(got=repr(tuple(bounds))),
            source="bounds",
        )
    return minx, miny, maxx, maxy


def _road_features(roads: gpd.GeoDataFrame, class_column: str, simplify_m: float) -> dict:
    import shapely

    roads = check_gdf(roads, "roads")
    kinds = set(roads.geom_type.dropna().unique())
    if not kinds <= {"LineString", "MultiLineString"}:
        raise InputError(
            _(
                "roads must hold LineString geometries (road edges), found {found}; "
                "pass the edges GeoDataFrame, e.g. osmnx.graph_to_gdfs(G, nodes=False)"
            ).format(found=sorted(kinds)),
            source="roads",
        )
    if class_column in roads.columns:
        classes = roads[class_column].map(road_class)
    else:
        logger.info("roads has no %r column; drawing every road as local", class_column)
        classes = pd.Series("local", index=roads.index)
    geoms = _simplify(roads.geometry, simplify_m)
    features = []
    for cls in ROAD_STYLES:
        mask = (classes == cls).to_numpy() & ~(geoms.is_empty | geoms.isna()).to_numpy()
        if not mask.any():
            continue
        parts = shapely.get_parts(geoms[mask].to_numpy())
        merged = shapely.multilinestrings(parts)
        features.append(
            {
                "type": "Feature",
                "id": cls,
                "properties": {"road_class": cls},
                "geometry": _geometry_json(merged),
            }
        )
    return {"type": "FeatureCollection", "features": features}


#: Maps narrower than this (px) show the attribution collapsed to one line (tap to open).
ATTRIBUTION_COLLAPSE_PX = 520


def base_map(
    bounds: Sequence[float],
    *,
    roads: gpd.GeoDataFrame | None = None,
    tiles: str | None = None,
    attribution: str,
    class_column: str = "highway",
    simplify_m: float = _DEFAULT_SIMPLIFY_ROADS_M,
    roads_name: str | None = None,
    height: str = "100%",
) -> folium.Map:
    """Create a map fitted to ``bounds`` whose base layer is the region's road network.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326, e.g.
        ``units.to_crs(4326).total_bounds``.
    roads
        Road edges (LineStrings; any CRS), e.g. ``osmnx.graph_to_gdfs(G, nodes=False)``.
        Drawn as a vector layer styled by road class (from ``class_column``,
        OSM ``highway`` values), with geometry simplified by ``simplify_m``.
        None draws no roads.
    tiles
        A folium tile layer name or URL (e.g. ``"OpenStreetMap"``) for use
        online; None (default) adds no tile layer, so the map needs no internet.
    attribution
        Data attribution shown in the map's attribution control, e.g.
        :data:`DEMO_ATTRIBUTION`.  Required and non-empty.
    class_column
        Column of ``roads`` with the OSM ``highway`` value (str or list).
    simplify_m
        Douglas-Peucker tolerance for road geometry, metres (0 keeps all vertices).
    roads_name
        Layer name in the layer control (default: "Roads" in the current language).
    height
        CSS height of the map element.

    Returns
    -------
    folium.Map
        The map; add layers with :func:`add_choropleth`, :func:`add_sites`,
        :func:`add_routes`, then :func:`add_layer_control` and :func:`to_html`.

    Raises
    ------
    InputError
        Bad bounds, empty attribution, roads without CRS or not lines.
    """
    import folium

    minx, miny, maxx, maxy = _check_bounds(bounds)
    if not isinstance(attribution, str) or not attribution.strip():
        raise InputError(
            _(
                "attribution must name the data sources shown (e.g. DEMO_ATTRIBUTION); "
                "every map must credit OpenStreetMap and the other sources"
            ),
            source="attribution",
        )
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        height=height,
        # vector-only maps can fit the region at fractional zoom; tiles need whole levels
        zoom_snap=1.0 if tiles is not None else 0.25,
    )
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if tiles is not None:
        # named providers (xyzservices) bring their own attribution; URL templates need one
        custom = "{" in tiles or tiles.startswith(("http:", "https:", "//"))
        folium.TileLayer(
            tiles,
            name="Tiles" if custom else tiles,
            control=True,
            attr=attribution if custom else None,
        ).add_to(m)
    # Light "paper" background where no tiles are drawn.
    # (selectors more specific than leaflet.css, which is linked after this)
    figure = m.get_root()
    figure.header.add_child(  # type: ignore[attr-defined]
        folium.Element(
            "<style>"
            f"div.folium-map.leaflet-container{{background:{_BACKGROUND};}}"
            ".folium-map .leaflet-control-attribution{max-width:calc(100vw - 150px);"
            "white-space:normal;}"
            # small screens (a phone): the attribution is one short line, tap to read it all
            f"@media (max-width:{ATTRIBUTION_COLLAPSE_PX}px){{"
            ".folium-map .leaflet-control-attribution{white-space:nowrap;overflow:hidden;"
            "text-overflow:ellipsis;max-width:45vw;cursor:pointer;}"
            ".folium-map .leaflet-control-attribution.go-open{white-space:normal;"
            "max-width:calc(100vw - 24px);}}"
            "</style>"
        ),
        name="geo_outreach_style",
    )
    if roads is not None:
        data = _road_features(roads, class_column, simplify_m)

        def style(feature: dict) -> dict:
            return dict(ROAD_STYLES[feature["properties"]["road_class"]])

        layer = folium.GeoJson(
            data,
            name=roads_name or gettext("Roads"),
            style_function=style,
            interactive=False,
            smooth_factor=1.0,
        )
        layer.add_to(m)
        # streets drawn over choropleth fills help people find their way; routes
        # and sites (also kept in front, added later) still go on top
        _keep_in_front(m, layer, rank=0)
    _add_template(
        m,
        "MAP.attributionControl.addAttribution(" + json.dumps(html.escape(attribution)) + ");"
        "(function(c){c.title=c.textContent;c.addEventListener('click',function(){"
        "c.classList.toggle('go-open');});})(MAP.attributionControl.getContainer());",
    )
    return m


# --------------------------------------------------------------------------- layers


def _classes(
    values: np.ndarray, scheme: str, k: int, bins: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Class edges and class per value: the print maps' classifier (one for both)."""
    if bins is not None:
        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
            raise InputError(_("bins must be at least two increasing numbers"), parameter="bins")
        return edges, assign_classes(values, edges)
    if k < 1:
        raise InputError(_("k must be >= 1, got {k}").format(k=k), parameter="k")
    if k == 1:
        finite = values[np.isfinite(values)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        return np.array([lo, hi]), np.where(np.isfinite(values), 0, -1)
    return classify(values, scheme=scheme, k=min(k, 9))


def add_choropleth(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    column: str,
    *,
    fields: Sequence[str] | None = None,
    aliases: Sequence[str] | None = None,
    id_column: str = "unit_id",
    name: str | None = None,
    legend_title: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlOrRd",
    fill_opacity: float = 0.7,
    nan_color: str = "#d9d9d9",
    simplify_m: float | None = None,
    legend_labels: Sequence[str] | None = None,
    legend_extra: Sequence[tuple[str, str]] = (),
) -> folium.GeoJson:
    """Add a choropleth of ``units[column]`` with a legend and a tooltip.

    Parameters
    ----------
    m
        The map (from :func:`base_map`).
    units
        Polygons (any CRS) with ``id_column`` and ``column``.
    column
        Numeric column to colour by; missing values are drawn in ``nan_color``.
    fields
        Properties shown in the tooltip, in order (default ``[id_column, column]``).
        Only these, ``column`` and the id are written into the page.
    aliases
        Tooltip labels for ``fields`` (default: the field names).
    id_column
        Unique id of each unit.
    name
        Layer name (default ``column``).
    legend_title
        Legend heading (default ``name``).
    scheme, k, bins
        Class breaks: ``k`` classes by ``quantiles``, ``natural-breaks`` or
        ``equal-interval`` (:func:`geo_outreach.present.classify.classify`, the same as
        the print maps), or explicit increasing ``bins`` edges.
    cmap
        Sequential matplotlib colormap (``YlOrRd``, ``viridis``... colour-blind
        safe by lightness); higher values are darker.
    fill_opacity
        Polygon fill opacity, 0-1.
    nan_color
        Fill of units with no value.
    simplify_m
        Geometry simplification tolerance in metres; default :func:`units_tolerance_m`
        (10 m for a county, coarser for a state).
    legend_labels
        The legend's label of each class (default: its range of values).
    legend_extra
        More legend rows ``(colour, label)`` after the classes (layers drawn apart).

    Returns
    -------
    folium.GeoJson
        The layer (already added to ``m``).
    """
    import folium

    units = check_gdf(units, "units")
    if simplify_m is None:
        simplify_m = units_tolerance_m(units)
    fields = list(fields) if fields is not None else [id_column, column]
    check_columns(units, [id_column, column, *fields], "units")
    if aliases is not None and len(aliases) != len(fields):
        raise InputError(
            _("aliases has {n} labels for {fields} fields").format(
                n=len(aliases), fields=len(fields)
            ),
            source="aliases",
        )
    if units[id_column].duplicated().any():
        dup = units.loc[units[id_column].duplicated(), id_column].iloc[0]
        raise InputError(
            _("units.{column} is not unique (e.g. {example})").format(
                column=id_column, example=repr(dup)
            ),
            source=id_column,
        )
    values = pd.to_numeric(units[column], errors="coerce").to_numpy(dtype=float)
    if not 0 <= fill_opacity <= 1:
        raise InputError(
            _("fill_opacity must be in [0, 1], got {got}").format(got=fill_opacity),
            source="fill_opacity",
        )

    edges, idx = _classes(values, scheme, k, bins)
    n_classes = max(len(edges) - 1, 1)
    colours = class_colours(cmap, n_classes)
    fill = {
        str(uid): (colours[int(i)] if np.isfinite(v) else nan_color)
        for uid, i, v in zip(units[id_column], idx, values, strict=True)
    }

    slim = units[list(dict.fromkeys([id_column, column, *fields]))].copy()
    slim = slim.set_geometry(_simplify(units.geometry, simplify_m))
    props = list(dict.fromkeys([*fields, column]))
    data = _feature_collection(slim, props, id_column=id_column)

    def style(feature: dict) -> dict:
        return {
            "fillColor": fill.get(str(feature["id"]), nan_color),
            "color": "#555555",
            "weight": 0.6,
            "fillOpacity": fill_opacity,
        }

    def highlight(feature: dict) -> dict:
        return {"weight": 2.5, "color": "#222222"}

    layer = folium.GeoJson(
        data,
        name=name or column,
        style_function=style,
        highlight_function=highlight,
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=list(aliases) if aliases else fields, localize=True
        ),
    )
    layer.add_to(m)

    if legend_labels is not None and len(legend_labels) != n_classes:
        raise InputError(
            _("legend_labels has {n} labels for {classes} classes").format(
                n=len(legend_labels), classes=n_classes
            ),
            source="legend_labels",
        )
    from geo_outreach.present.labels import class_range_text

    rows = []
    for i in range(n_classes):
        lo, hi = edges[i], edges[min(i + 1, len(edges) - 1)]
        label = class_range_text(lo, hi)
        rows.append((colours[i], legend_labels[i] if legend_labels else label, "box"))
    if not np.isfinite(values).all():
        rows.append((nan_color, gettext("No data"), "box"))
    rows += [(colour, label, "box") for colour, label in legend_extra]
    _add_legend(m, legend_title or name or column, rows)
    return layer


#: fills of the tracts a printed map hatches (the web map cannot hatch: a grey and a dark fill)
OFF_NETWORK_FILL = "#bdbdbd"
UNREACHABLE_FILL = "#222222"


def add_print_choropleth(
    m: folium.Map,
    tracts: gpd.GeoDataFrame,
    layer: str,
    *,
    access_column: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "viridis",
    fields: Sequence[str] = ("name",),
    aliases: Sequence[str] | None = None,
    fill_opacity: float = 0.75,
) -> tuple[folium.GeoJson, Any]:
    """Add the choropleth a printed map draws for ``layer`` (``need``, ``access``,
    ``underserved``): the classes, colours and legend labels of
    :func:`geo_outreach.present.static_map.choropleth_classes`.

    Tracts off the road network and tracts not reachable within the cutoff are drawn as
    layers of their own, with their legend rows, as on the printed map.

    Parameters
    ----------
    fields, aliases
        Tooltip fields (before the value) and their labels; the value's label is the legend
        title.

    Returns
    -------
    layer, classes
        The choropleth layer and its :class:`~geo_outreach.present.static_map.ClassBreaks`.
    """
    import folium

    from geo_outreach.present.static_map import _off_network_mask, choropleth_classes

    tracts = check_gdf(tracts, "tracts")
    check_columns(tracts, ["unit_id"], "tracts")
    cb, idx = choropleth_classes(
        tracts, layer, access_column=access_column, scheme=scheme, k=k, palette=palette
    )
    values = pd.to_numeric(tracts[cb.column], errors="coerce").to_numpy(dtype=float)
    off = _off_network_mask(tracts)
    unreachable = ~off & np.isinf(values)
    nodata = ~off & ~unreachable & (idx < 0)
    from geo_outreach.present.labels import column_label

    fields = [f for f in fields if f in tracts.columns]
    aliases = (
        list(aliases)[: len(fields)] if aliases is not None else [column_label(f) for f in fields]
    )
    extra: list[tuple[str, str]] = []
    if nodata.any():
        extra.append(("#ffffff", gettext("No data  ({n})").format(n=int(nodata.sum()))))
    if unreachable.any():
        extra.append(
            (
                UNREACHABLE_FILL,
                gettext("Not reachable within the cutoff  ({n})").format(n=int(unreachable.sum())),
            )
        )
    if off.any():
        extra.append(
            (
                OFF_NETWORK_FILL,
                ngettext(
                    "No road-network data  ({n} tract)",
                    "No road-network data  ({n} tracts)",
                    int(off.sum()),
                ).format(n=int(off.sum())),
            )
        )
    edges = list(cb.edges)
    if edges[0] == edges[-1]:  # one value: a class of zero width
        edges = [edges[0], edges[0] + 1e-9]
    t = tracts.copy()
    t[cb.column] = values
    # the tooltip's value as people read it (the fills come from the values themselves)
    t["shown_value"] = np.round(values, 0 if cb.column.endswith("_min") else 2)
    classified = t[idx >= 0]
    chor = add_choropleth(
        m,
        classified,
        cb.column,
        fields=[*fields, "shown_value"],
        aliases=[*aliases, cb.title],
        name=cb.title,
        legend_title=cb.title,
        bins=edges,
        cmap=palette,
        fill_opacity=fill_opacity,
        legend_labels=list(cb.labels),
        legend_extra=extra,
    )
    for mask, fill, label in (
        (nodata, "#ffffff", gettext("No data")),
        (unreachable, UNREACHABLE_FILL, gettext("Not reachable within the cutoff")),
        (off, OFF_NETWORK_FILL, gettext("No road-network data")),
    ):
        if not mask.any():
            continue
        part = t[mask][[*fields, "geometry"]].to_crs(4326).copy()
        part["status"] = label
        folium.GeoJson(
            json.loads(part.to_json(drop_id=True)),
            name=label,
            style_function=lambda f, fill=fill: {
                "fillColor": fill,
                "color": "#777777",
                "weight": 0.6,
                "fillOpacity": 0.55,
                "dashArray": "4 3",
            },
            tooltip=folium.GeoJsonTooltip(
                fields=[*fields, "status"], aliases=[*aliases, gettext("Status")]
            ),
        ).add_to(m)
    return chor, cb


def _tooltip_html(row: Mapping[str, Any], fields: Sequence[str]) -> str:
    """A tooltip table: human headers (:func:`~geo_outreach.present.labels.column_label`) and
    category codes as their labels."""
    from geo_outreach.present.labels import category_label, column_label

    def value(f: str) -> str:
        v = _json_value(row[f])
        return category_label(str(v)) if f == "category" and v is not None else str(v)

    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(column_label(f))}</th>"
        f"<td>{html.escape(value(f))}</td></tr>"
        for f in fields
    )
    return f"<table>{cells}</table>"


def add_sites(
    m: folium.Map,
    sites: gpd.GeoDataFrame,
    *,
    category_column: str = "category",
    fields: Sequence[str] = ("name", "category"),
    palette: Sequence[str] = OKABE_ITO,
    colors: Mapping[str, str] | None = None,
    radius_px: float = 6.0,
    name: str = "Sites",
    legend: bool = True,
    category_labels: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Add point sites as circle markers, one toggleable layer per category.

    Parameters
    ----------
    m
        The map.
    sites
        Points (any CRS) with ``category_column`` and ``fields``.
    category_column
        Column that picks the colour and layer of each site.
    fields
        Columns shown in each site's tooltip.
    palette
        Colours given to categories in sorted order (default :data:`geo_outreach.palettes.OKABE_ITO`,
        colour-blind safe; repeats beyond 8 categories).
    colors
        Explicit ``category -> colour``; overrides ``palette`` for those categories.
    radius_px
        Marker radius in screen pixels.
    name
        Prefix of the layer names (``"Sites: clinic"``) and legend title.
    legend
        Add a legend of the categories.
    category_labels
        The region's category labels; the layer names and the legend show each category's
        label (:func:`geo_outreach.present.labels.category_label`), never its code.

    Returns
    -------
    dict
        ``category -> colour`` actually used.
    """
    import folium

    sites = check_gdf(sites, "sites")
    fields = list(fields)
    check_columns(sites, [category_column, *fields], "sites")
    kinds = set(sites.geom_type.dropna().unique())
    if not kinds <= {"Point"}:
        raise InputError(
            _(
                "sites must hold Point geometries, found {found}; "
                "use gdf.representative_point() for polygons"
            ).format(found=sorted(kinds)),
            source="sites",
        )
    cats = sorted(sites[category_column].astype(str).unique())
    colour = _palette_for(cats, palette, "categories")
    if colors:
        colour.update({str(k): v for k, v in colors.items()})
    records = sites.assign(_cat=sites[category_column].astype(str))
    from geo_outreach.present.labels import category_label

    shown = {c: category_label(c, overrides=category_labels) for c in cats}
    for cat in cats:
        group = folium.FeatureGroup(name=f"{name}: {shown[cat]}")
        for geom, (_i, row) in zip(
            records.geometry[records["_cat"] == cat],
            records[records["_cat"] == cat].iterrows(),
            strict=True,
        ):
            if geom is None or geom.is_empty:
                continue
            folium.CircleMarker(
                location=[round(geom.y, _COORD_DIGITS), round(geom.x, _COORD_DIGITS)],
                radius=radius_px,
                color="#222222",
                weight=1,
                fill=True,
                fill_color=colour[cat],
                fill_opacity=0.95,
                tooltip=folium.Tooltip(_tooltip_html(row, fields)),
            ).add_to(group)
        group.add_to(m)
        _keep_in_front(m, group, rank=2)
    if legend and cats:
        _add_legend(m, name, [(colour[c], shown[c], "dot") for c in cats])
    return colour


def add_routes(
    m: folium.Map,
    routes: gpd.GeoDataFrame,
    *,
    route_column: str = "route_id",
    fields: Sequence[str] | None = None,
    palette: Sequence[str] = ROUTE_COLOURS,
    weight_px: float = 4.0,
    name: str = "Routes",
    legend: bool = True,
) -> dict[str, str]:
    """Add route lines, one colour per route.

    Parameters
    ----------
    m
        The map.
    routes
        LineString/MultiLineString rows (any CRS) with ``route_column``.
    route_column
        Route id; rows with the same id share a colour.
    fields
        Tooltip columns (default ``[route_column]``).
    palette
        Route colours (default :data:`geo_outreach.palettes.ROUTE_COLOURS`).
    weight_px
        Line width in pixels.
    name
        Layer name and legend title.
    legend
        Add a legend of the routes.

    Returns
    -------
    dict
        ``route id -> colour``.
    """
    import folium

    from geo_outreach.present.labels import column_label

    routes = check_gdf(routes, "routes")
    fields = list(fields) if fields is not None else [route_column]
    check_columns(routes, [route_column, *fields], "routes")
    kinds = set(routes.geom_type.dropna().unique())
    if not kinds <= {"LineString", "MultiLineString"}:
        raise InputError(
            _("routes must hold LineString geometries, found {found}").format(found=sorted(kinds)),
            source="routes",
        )
    ids = list(dict.fromkeys(routes[route_column].astype(str)))
    colour = _palette_for(ids, palette, "routes")
    props = list(dict.fromkeys([route_column, *fields]))
    slim = routes[props].copy().set_geometry(routes.geometry)
    slim[route_column] = slim[route_column].astype(str)
    data = _feature_collection(slim, props)

    def style(feature: dict) -> dict:
        return {
            "color": colour[str(feature["properties"][route_column])],
            "weight": weight_px,
            "opacity": 0.9,
        }

    layer = folium.GeoJson(
        data,
        name=name,
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[column_label(f) for f in fields]),
    )
    layer.add_to(m)
    _keep_in_front(m, layer, rank=1)
    if legend and ids:
        _add_legend(m, name, [(colour[r], r, "line") for r in ids])
    return colour


def add_layer_control(m: folium.Map, *, collapsed: bool = True) -> folium.Map:
    """Add a layer switcher (call once, after the layers). Returns ``m``."""
    import folium

    folium.LayerControl(collapsed=collapsed).add_to(m)
    return m


# --------------------------------------------------------------------------- output


def to_html(
    m: folium.Map,
    path: str | os.PathLike[str],
    *,
    mode: Literal["inline", "url"] = "inline",
    base_url: str | None = None,
    assets_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the map as an HTML page that loads nothing from the internet.

    Parameters
    ----------
    m
        The map.
    path
        Output ``.html`` file (parent folders are created).
    mode
        ``"inline"`` (default): one self-contained file (about 1.5 MB of
        libraries) that opens offline anywhere.  ``"url"``: link the libraries
        from ``base_url`` (smaller; the vendor folder must be served there).
    base_url
        For ``mode="url"``, e.g. ``"/app/static/vendor/"``.
    assets_dir
        Vendor folder (default :func:`geo_outreach.present.assets.vendor_dir`).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        When the local assets are missing (run ``scripts/fetch_assets.sh``) or
        the map uses a plugin whose files are not vendored.
    """
    page = render_offline_html(m, mode=mode, base_url=base_url, assets_dir=assets_dir)
    from geo_outreach.files import write_text

    out = write_text(path, page)  # atomic: a cut page is never left behind
    logger.info("wrote %s (%.0f kB, %s mode)", out, out.stat().st_size / 1024, mode)
    return out
