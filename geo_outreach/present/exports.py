"""Exports: coverage maps (PNG/PDF/SVG/HTML) and data (GeoPackage, GeoJSON, CSV).

:func:`coverage_map` is the one entry point behind ``geo-outreach export map`` and the
dashboard's download buttons: the output format follows the file suffix (or ``fmt``), PNG/PDF/SVG
are drawn offline with matplotlib (:mod:`geo_outreach.present.static_map`), HTML is one
self-contained Leaflet page (:mod:`geo_outreach.present.webmap`, assets inlined).

:func:`export_data` writes every layer of an analysis and a plan as a GeoPackage, GeoJSON files
and CSV tables; the column names are documented in ``docs/exports.md``.
"""

from __future__ import annotations

import html as html_mod
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.files import atomic_file
from geo_outreach.i18n import _, format_decimal, format_people, gettext, in_language
from geo_outreach.present.labels import column_label, day_label, kind_label, route_names
from geo_outreach.present.static_map import (
    CHOROPLETH_LAYERS,
    LAYERS,
    StaticMap,
    render_static_map,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from geo_outreach.analysis.pipeline import AnalysisResult
    from geo_outreach.network.graph import RoadNetwork

__all__ = [
    "DATA_LAYERS",
    "FORMATS",
    "MapExport",
    "coverage_map",
    "export_data",
    "html_coverage_map",
    "plan_layers",
    "read_analysis",
    "road_edges",
]

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("png", "pdf", "svg", "html")
"""Map formats :func:`coverage_map` writes."""

DATA_LAYERS: tuple[str, ...] = ("tracts", "zones", "services", "stops", "routes")
"""Layers :func:`export_data` writes, in this order."""


@dataclass(frozen=True)
class MapExport:
    """A coverage map made by :func:`coverage_map`.

    Attributes
    ----------
    format
        ``png``, ``pdf``, ``svg`` or ``html``.
    data
        The file's bytes (what a download button serves).
    path
        Where it was written, or None when no output path was given.
    static
        Details of a PNG/PDF/SVG page (classes, panels); None for HTML.
    """

    format: str
    data: bytes
    path: Path | None
    static: StaticMap | None


# --------------------------------------------------------------------------- inputs


def road_edges(network: RoadNetwork | Any) -> gpd.GeoDataFrame:
    """Road edges (``highway``, ``geometry``; EPSG:4326) of a :class:`RoadNetwork` or osmnx graph."""
    import osmnx as ox

    graph = getattr(network, "graph", network)
    edges = ox.graph_to_gdfs(graph, nodes=False)
    cols = [c for c in ("highway", "name") if c in edges.columns]
    return edges[[*cols, "geometry"]].reset_index(drop=True).to_crs(4326)


def read_analysis(path: str | os.PathLike[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Layers ``tracts`` and ``zones`` of a GeoPackage written by ``geo-outreach analyze``."""
    import geopandas as gpd
    import pyogrio

    p = Path(path)
    if not p.is_file():
        raise InputError(
            _(
                "analysis file {path} not found; write it with geo-outreach analyze -o {file}"
            ).format(path=p, file=p.name),
            source=str(p),
        )
    try:
        names = [str(n) for n in pyogrio.list_layers(p)[:, 0]]
    except Exception as exc:
        raise InputError(
            _("{path} is not a readable GeoPackage: {exc}").format(path=p, exc=exc), source=str(p)
        ) from exc
    if "tracts" not in names:
        raise InputError(
            _(
                "{path} has no layer 'tracts' (layers: {layers}); write it with geo-outreach analyze"
            ).format(path=p, layers=names),
            source=f"{p.name}:tracts",
        )
    tracts = gpd.read_file(p, layer="tracts")
    if "unit_id" in tracts.columns:
        tracts["unit_id"] = tracts["unit_id"].astype(str)
    if "off_network" in tracts.columns:
        tracts["off_network"] = tracts["off_network"].fillna(False).astype(bool)
    zones = gpd.read_file(p, layer="zones") if "zones" in names else None
    return tracts, zones


def read_points(path: str | os.PathLike[str], what: str) -> gpd.GeoDataFrame:
    """Points from a GeoPackage, GeoJSON or a CSV with ``lon``/``lat`` columns, in EPSG:4326.

    ``what`` names the table in messages (``"stops"``).
    """
    import geopandas as gpd

    p = Path(path)
    if not p.is_file():
        raise InputError(_("{what} file {path} not found").format(what=what, path=p), source=str(p))
    if p.suffix.lower() == ".csv":
        from geo_outreach.data.readers import read_csv_table

        df = read_csv_table(p, what=what)
        lon = next((c for c in ("lon", "longitude", "x") if c in df.columns), None)
        lat = next((c for c in ("lat", "latitude", "y") if c in df.columns), None)
        if lon is None or lat is None:
            raise InputError(
                _("{file} needs lon and lat columns").format(file=p.name), source=f"{p.name}.lon"
            )
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df[lon], df[lat]), crs=4326)
    gdf = gpd.read_file(p)
    if gdf.crs is None:
        raise InputError(
            _("{file} has no coordinate reference system").format(file=p.name), source=str(p)
        )
    return gdf.to_crs(4326)


def plan_layers(
    plan_dir: str | os.PathLike[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Stops (points, in plan order) and routes (lines) of a plan folder written by
    ``geo-outreach plan``; ``route_id`` = ``worker_id day`` on both."""
    import geopandas as gpd

    from geo_outreach.present.packet import read_plan

    plan = read_plan(plan_dir)
    s = plan.stops
    s = s[np.isfinite(s["lon"]) & np.isfinite(s["lat"]) & (s["kind"] != "break")].copy()
    s["route_id"] = s["worker_id"] + " " + s["day"]
    keep = [
        "route_id",
        "worker_id",
        "worker_name",
        "day",
        "sequence",
        "kind",
        "visit_id",
        "name",
        "address",
        "arrival",
        "start",
        "end",
        "languages",
        "notes",
        "lon",
        "lat",
    ]
    keep = [c for c in keep if c != "worker_name" or c in s.columns]  # when the plan names them
    stops = gpd.GeoDataFrame(s[keep], geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs=4326)
    routes = plan.routes
    if routes is not None and {"worker_id", "day"} <= set(routes.columns):
        routes = routes.copy()
        routes["route_id"] = routes["worker_id"].astype(str) + " " + routes["day"].astype(str)
    elif len(stops):  # no road paths: straight legs in stop order
        from shapely.geometry import LineString

        rows = []
        for rid, g in stops.groupby("route_id", sort=False):
            if len(g) >= 2:
                rows.append(
                    {
                        "route_id": rid,
                        "worker_id": g["worker_id"].iloc[0],
                        **(
                            {"worker_name": g["worker_name"].iloc[0]}
                            if "worker_name" in g.columns
                            else {}
                        ),
                        "day": g["day"].iloc[0],
                        "geometry": LineString(list(zip(g["lon"], g["lat"], strict=True))),
                    }
                )
        routes = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else None
    return stops.reset_index(drop=True), routes


# --------------------------------------------------------------------------- HTML


def html_coverage_map(
    *,
    title: str,
    attribution: str,
    layers: Sequence[str] = ("need",),
    tracts: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    services: gpd.GeoDataFrame | None = None,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    access_column: str | None = None,
    stops_category: str | None = None,
    route_column: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "viridis",
    data_date: str = "",
) -> str:
    """One self-contained offline HTML page (layer control, tooltips) of the same layers as the
    printed map; the class breaks are those of :func:`geo_outreach.present.static_map.classify`."""
    import folium

    from geo_outreach.present import webmap
    from geo_outreach.present.assets import render_offline_html
    from geo_outreach.present.static_map import _off_network_mask

    layers = [str(x).strip().lower() for x in layers if str(x).strip()]
    unknown = [x for x in layers if x not in LAYERS]
    if unknown or not layers:
        raise InputError(
            _("unknown layer(s) {unknown}; use some of {layers}").format(
                unknown=unknown, layers=list(LAYERS)
            ),
            source="layers",
        )
    frames = [f for f in (tracts, stops, routes) if f is not None and len(f)]
    if not frames:
        raise InputError(_("nothing to draw: give tracts, stops or routes"), source="layers")
    bounds_src = tracts if tracts is not None and len(tracts) else None
    if bounds_src is not None:
        on = bounds_src[~_off_network_mask(bounds_src)]
        bounds_src = on if len(on) else bounds_src
        bounds = bounds_src.to_crs(4326).total_bounds
    else:
        bounds = pd.concat([f.to_crs(4326).geometry for f in frames]).total_bounds
    m = webmap.base_map(bounds, roads=roads, attribution=attribution)

    if tracts is not None:
        t = tracts.to_crs(4326)
        off = _off_network_mask(t)
        # people read a tract's name; its GEOID only where it has none
        who = ["name"] if "name" in t.columns else [c for c in ("unit_id",) if c in t.columns]
        fields = [*who, *(c for c in ("population",) if c in t.columns)]
        chor = [x for x in layers if x in CHOROPLETH_LAYERS]
        for layer in chor:  # the printed map's classes, colours and legend
            webmap.add_print_choropleth(
                m,
                t,
                layer,
                access_column=access_column,
                scheme=scheme,
                k=k,
                palette=palette,
                fields=[*fields, *(c for c in ("reason",) if c in t.columns)],
            )
        if off.any() and not chor:
            gj = t[off][[*fields, "geometry"]].copy()
            gj["status"] = gettext("No road-network data")
            folium.GeoJson(
                gj.__geo_interface__,
                name=gettext("No road-network data"),
                style_function=lambda f: {
                    "fillColor": "#bdbdbd",
                    "color": "#777777",
                    "weight": 0.6,
                    "fillOpacity": 0.35,
                    "dashArray": "4 3",
                },
                tooltip=folium.GeoJsonTooltip(
                    fields=[*fields, "status"],
                    aliases=[column_label(c) for c in [*fields, "status"]],
                ),
            ).add_to(m)
    if "zones" in layers and zones is not None and len(zones):
        shown, zf, aliases = _zone_tooltip(zones.to_crs(4326))
        folium.GeoJson(
            shown.__geo_interface__,
            name=gettext("Underserved zones"),
            style_function=lambda f: {"fill": False, "color": "#000000", "weight": 3},
            tooltip=folium.GeoJsonTooltip(fields=zf, aliases=aliases) if zf else None,
        ).add_to(m)
    if "services" in layers and services is not None and len(services):
        webmap.add_sites(
            m,
            services.to_crs(4326),
            name=gettext("Services"),
            fields=[c for c in ("name", "category", "address") if c in services.columns],
        )
    if "routes" in layers and routes is not None and len(routes):
        r = routes.to_crs(4326).copy()
        if route_column is None:  # the worker's name and the day, not the route's id
            r["route"] = route_names(r)
            rc = "route"
        else:
            rc = route_column
        webmap.add_routes(m, r, route_column=rc, name=gettext("Routes"))
    if "stops" in layers and stops is not None and len(stops):
        s = stops.to_crs(4326).copy()
        cat = stops_category or next(
            (c for c in ("category", "kind", "route_id", "worker_id") if c in s.columns), None
        )
        if cat is None:
            s["category"] = gettext("Stop")
            cat = "category"
        elif stops_category is None and cat == "kind":
            s[cat] = s[cat].astype(str).map(kind_label)
        elif stops_category is None and cat in ("route_id", "worker_id"):
            s[cat] = route_names(s)
        s[cat] = s[cat].astype(str)
        if "day" in s.columns:
            s["day"] = s["day"].astype(str).map(day_label)
        fields = [
            c
            for c in ("sequence", "name", "day", "start", "end", "address", "languages", "notes")
            if c in s.columns
        ] or [cat]
        webmap.add_sites(m, s, category_column=cat, fields=fields, name=gettext("Stops"))
    webmap.add_layer_control(m, collapsed=False)
    root = m.get_root()
    sub = (
        f" <span style='font-weight:normal;color:#444'>({html_mod.escape(data_date)})</span>"
        if data_date
        else ""
    )
    root.header.add_child(  # type: ignore[attr-defined]
        folium.Element(f"<title>{html_mod.escape(title)}</title>"), name="page_title"
    )
    root.html.add_child(  # type: ignore[attr-defined]
        folium.Element(
            '<div class="geo-outreach-title" style="position:absolute;top:10px;left:55px;'
            "z-index:1000;background:rgba(255,255,255,.92);padding:5px 10px;border-radius:4px;"
            'font:bold 16px sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
            f"{html_mod.escape(title)}{sub}</div>"
        )
    )
    return render_offline_html(m, mode="inline")


def _zone_tooltip(zones: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """A zone layer for its tooltip: its tracts, people and need as the language writes
    numbers, the fields shown and their headers (no zone or tract ids)."""
    import geopandas as gpd

    spec = [
        ("n_units", gettext("Tracts"), lambda v: format_people(v)),
        ("population", gettext("People"), lambda v: format_people(v)),
        ("need_score_mean", gettext("Average need index"), lambda v: format_decimal(v, decimals=2)),
    ]
    out = gpd.GeoDataFrame(geometry=zones.geometry.to_numpy(), crs=zones.crs)
    fields, aliases = [], []
    for col, alias, text in spec:
        if col in zones.columns:
            values = pd.to_numeric(zones[col], errors="coerce").astype(float)
            out[col] = [text(v) if np.isfinite(v) else "" for v in values]
            fields.append(col)
            aliases.append(alias)
    return out, fields, aliases


# --------------------------------------------------------------------------- coverage map


@in_language
def coverage_map(
    output: str | os.PathLike[str] | None = None,
    *,
    title: str,
    attribution: str,
    layers: Sequence[str] = ("need",),
    fmt: str | None = None,
    tracts: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    services: gpd.GeoDataFrame | None = None,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    access_column: str | None = None,
    stops_category: str | None = None,
    route_column: str | None = None,
    subtitle: str = "",
    data_date: str = "",
    notes: str = "",
    size: str = "a4-landscape",
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "viridis",
    dpi: int = 150,
    lang: str | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> MapExport:
    """Make a coverage map as PNG, PDF, SVG (matplotlib, offline) or HTML (Leaflet, inlined).

    Parameters
    ----------
    output
        File to write; its suffix picks the format unless ``fmt`` is given.  None: only return
        the bytes (``fmt`` required), e.g. for a dashboard download button.
    title, attribution
        Page title and the data attribution line (both required; use the region's
        ``attribution``).
    layers
        Any of ``need``, ``access``, ``underserved`` (choropleth panels, at most two),
        ``zones``, ``services``, ``stops``, ``routes``.
    fmt
        ``png``, ``pdf``, ``svg`` or ``html``.
    tracts, zones, services, stops, routes, roads
        The layers' data (GeoDataFrames, any CRS); ``roads`` is the light base layer
        (:func:`road_edges`).
    access_column, stops_category, route_column
        Column choices (see :func:`geo_outreach.present.static_map.render_static_map`).
    subtitle, data_date, notes
        Text on the page (``notes`` is ignored by HTML).
    size
        ``a4-portrait``, ``a4-landscape``, ``letter-portrait``, ``letter-landscape``,
        ``slide-16x9`` (PNG/PDF/SVG).
    scheme, k, palette
        Classification (``quantiles``, ``natural-breaks``, ``equal-interval``), classes, and a
        sequential colormap.
    dpi
        PNG resolution.
    lang
        Language of the legend, titles and footer (default: the current language).
    category_labels
        The region's service category labels (``[labels.categories]``).

    Returns
    -------
    MapExport
        Bytes, path, and for static formats the classes and panels drawn.
    """
    path = Path(output) if output is not None else None
    if fmt is None:
        if path is None:
            raise InputError(_("give an output path or fmt (png, pdf, svg, html)"), source="fmt")
        fmt = path.suffix.lower().lstrip(".")
    fmt = fmt.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise InputError(
            _("cannot write a map as {fmt}; name the output .png, .pdf, .svg or .html").format(
                fmt=repr(fmt)
            ),
            source="output",
        )
    # the options both renderers take; the static one adds page text, size, format and dpi
    common: dict[str, Any] = {
        "title": title,
        "attribution": attribution,
        "layers": layers,
        "tracts": tracts,
        "zones": zones,
        "services": services,
        "stops": stops,
        "routes": routes,
        "roads": roads,
        "access_column": access_column,
        "stops_category": stops_category,
        "route_column": route_column,
        "scheme": scheme,
        "k": k,
        "palette": palette,
        "data_date": data_date,
    }
    static = None
    if fmt == "html":
        data = html_coverage_map(**common).encode("utf-8")
    else:
        static = render_static_map(
            **common,
            subtitle=subtitle,
            notes=notes,
            size=size,
            fmt=cast(Any, fmt),
            dpi=dpi,
            lang=lang,
            category_labels=category_labels,
        )
        data = static.data
    if path is not None:
        from geo_outreach.files import write_bytes

        write_bytes(path, data)
        logger.info("wrote %s (%.0f kB)", path, len(data) / 1024)
    return MapExport(format=fmt, data=data, path=path, static=static)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Analysis:
    tracts: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame


def _csv_table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Attributes without geometry; points get ``lon``/``lat``, polygons a representative point."""
    from geo_outreach.present.layers import gpkg_safe

    safe = gpkg_safe(gdf)
    geom = safe.geometry
    df = pd.DataFrame(safe.drop(columns=safe.geometry.name))
    if len(safe) and "lon" not in df.columns:
        kinds = set(geom.geom_type.dropna().unique())
        g4326 = geom.to_crs(4326)
        if kinds <= {"Point"}:
            df["lon"], df["lat"] = g4326.x.round(6), g4326.y.round(6)
        elif kinds <= {"Polygon", "MultiPolygon"}:
            rp = g4326.representative_point()
            df["point_lon"], df["point_lat"] = rp.x.round(6), rp.y.round(6)
    return df


def export_data(
    out_dir: str | os.PathLike[str],
    *,
    tracts: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    services: gpd.GeoDataFrame | None = None,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    analysis: AnalysisResult | None = None,
    formats: Sequence[str] = ("gpkg", "geojson", "csv"),
    gpkg_name: str = "geo_outreach.gpkg",
) -> dict[str, list[Path]]:
    """Write every layer given as a GeoPackage (one layer each), GeoJSON and CSV files.

    Parameters
    ----------
    out_dir
        Folder (created).  Writes ``gpkg_name`` with layers of :data:`DATA_LAYERS`,
        ``{layer}.geojson`` (EPSG:4326) and ``{layer}.csv`` (no geometry; points with
        ``lon``/``lat``, polygons with ``point_lon``/``point_lat``).
    tracts, zones, services, stops, routes
        Layers (any CRS); None skips one.  ``analysis`` fills ``tracts`` and ``zones``.
    formats
        Any of ``gpkg``, ``geojson``, ``csv``.

    Returns
    -------
    dict
        format -> files written.
    """
    from geo_outreach.present.layers import gpkg_safe

    bad = [f for f in formats if f not in ("gpkg", "geojson", "csv")]
    if bad or not formats:
        raise InputError(
            _("formats must be among gpkg, geojson, csv; got {got}").format(got=list(formats)),
            source="formats",
        )
    if analysis is not None:
        tracts = analysis.tracts if tracts is None else tracts
        zones = analysis.zones if zones is None else zones
    given = {
        "tracts": tracts,
        "zones": zones,
        "services": services,
        "stops": stops,
        "routes": routes,
    }
    present: dict[str, gpd.GeoDataFrame] = {k: v for k, v in given.items() if v is not None}
    if not present:
        raise InputError(
            _("nothing to export: give an analysis, services, stops or routes"), source="layers"
        )
    for name, gdf in present.items():
        if getattr(gdf, "crs", None) is None:
            raise InputError(
                _("{layer} has no coordinate reference system").format(layer=name), source=name
            )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {f: [] for f in formats}
    layers4326 = {k: v.to_crs(4326) for k, v in present.items()}
    if "gpkg" in formats:
        import geopandas as gpd

        from geo_outreach.present.layers import write_gpkg_layers

        path = out / gpkg_name
        gpkg_layers: dict[str, gpd.GeoDataFrame] = {}
        if "tracts" in layers4326:
            z = layers4326.get("zones")
            if z is None:
                z = gpd.GeoDataFrame(
                    {"zone_id": pd.Series(dtype=str)}, geometry=[], crs="EPSG:4326"
                )
            gpkg_layers = {"tracts": layers4326["tracts"], "zones": z}
        for name in DATA_LAYERS:
            if name in layers4326 and name not in gpkg_layers:
                gpkg_layers[name] = layers4326[name]
        write_gpkg_layers(path, gpkg_layers)  # all layers or none
        written["gpkg"].append(path)
    for name in DATA_LAYERS:
        if name not in layers4326:
            continue
        gdf = layers4326[name]
        if "geojson" in formats:
            p = out / f"{name}.geojson"
            with atomic_file(p) as tmp:
                gpkg_safe(gdf).to_file(tmp, driver="GeoJSON")
            written["geojson"].append(p)
        if "csv" in formats:
            p = out / f"{name}.csv"
            with atomic_file(p) as tmp:
                _csv_table(gdf).to_csv(tmp, index=False)
            written["csv"].append(p)
    logger.info("exported %s to %s", sorted(layers4326), out)
    return written
