"""Printable coverage maps made offline with matplotlib (PNG, PDF, SVG).

:func:`render_static_map` draws a page (A4 / Letter portrait or landscape, or a 16:9 slide)
with a title, one map panel per choropleth layer (need index, travel time), stops, routes and
services on top, the region's road network as a light base layer, a legend with the class breaks
and units, a north arrow, a scale bar, the data attribution line, the data date and an optional
notes box.

Print rules it follows:

* sequential palettes only, checked to be monotone in lightness and oriented so a higher class is
  darker; the grey levels of the classes stay distinct when printed in greyscale;
* tracts off the road network are hatched and labelled "No road-network data" (never coloured
  as if they had a value);
* points get a distinct marker shape per category and routes a distinct dash pattern, not only a
  distinct colour.

Classification uses mapclassify (quantiles, natural breaks = Fisher-Jenks, equal interval).
The map is drawn in the local UTM zone, so distances on the scale bar are true metres and grid
north is within a degree or two of true north.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _, format_date, gettext, in_language, ngettext
from geo_outreach.palettes import OKABE_ITO, ROUTE_COLOURS
from geo_outreach.present.classify import SCHEMES, class_colours, classify
from geo_outreach.present.labels import category_label, class_range_text, kind_label, route_names
from geo_outreach.validation import check_gdf

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CHOROPLETH_LAYERS",
    "LAYERS",
    "MARKERS",
    "PAGE_SIZES",
    "SCHEMES",
    "ClassBreaks",
    "PanelInfo",
    "StaticMap",
    "access_label",
    "choropleth_classes",
    "class_colours",
    "classify",
    "print_bounds",
    "render_static_map",
]

logger = logging.getLogger(__name__)

PAGE_SIZES: dict[str, tuple[float, float]] = {
    "a4-portrait": (8.27, 11.69),
    "a4-landscape": (11.69, 8.27),
    "letter-portrait": (8.5, 11.0),
    "letter-landscape": (11.0, 8.5),
    "slide-16x9": (13.333, 7.5),
}
"""Page sizes in inches (width, height)."""

CHOROPLETH_LAYERS: tuple[str, ...] = ("need", "access", "underserved")
"""Layers drawn as a choropleth panel each."""

LAYERS: tuple[str, ...] = (*CHOROPLETH_LAYERS, "zones", "services", "stops", "routes")
"""Every layer name :func:`render_static_map` knows."""

MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
"""Marker shapes given to point categories in order (shape differs, not only colour)."""

LINESTYLES: tuple[Any, ...] = ("-", (0, (6, 2)), (0, (2, 1.5)), (0, (6, 2, 1.5, 2)), (0, (1, 1)))
"""Dash patterns given to routes in order."""

_ROAD_WIDTH = {"major": 0.9, "secondary": 0.6, "local": 0.3, "path": 0.25}
_ROAD_COLOUR = "#5f5a55"
_OFF_NETWORK_FILL = "#f0f0f0"
_NO_DATA_FILL = "#ffffff"
_FOOT_FONT = 6.5
_SAVE_RC = {"pdf.fonttype": 42, "svg.fonttype": "none"}


@dataclass(frozen=True)
class ClassBreaks:
    """Classes of one choropleth layer.

    Attributes
    ----------
    layer
        ``"need"``, ``"access"`` or ``"underserved"``.
    column
        The units column classified.
    title
        Legend heading with units.
    scheme
        Classification scheme.
    edges
        Class edges, ``len(colours) + 1`` increasing numbers (first = minimum).
    colours
        Hex fill per class, lightest (lowest values) first.
    counts
        Units per class.
    labels
        Legend label per class.
    """

    layer: str
    column: str
    title: str
    scheme: str
    edges: tuple[float, ...]
    colours: tuple[str, ...]
    counts: tuple[int, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class PanelInfo:
    """Where a map panel landed on a raster page (for checking an image).

    Attributes
    ----------
    layer
        Choropleth layer of the panel (``""`` for a map without choropleth).
    crs
        Projected CRS the map was drawn in (WKT-able string such as ``"EPSG:32610"``).
    xlim, ylim
        Data extent of the panel in ``crs`` units (metres).
    bbox_px
        ``(left, top, right, bottom)`` of the panel in image pixels (origin top-left), at the
        ``dpi`` the page was rendered with.
    """

    layer: str
    crs: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    bbox_px: tuple[float, float, float, float]

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the panel's extent (the web preview fits
        these bounds, :func:`print_bounds`)."""
        from pyproj import Transformer

        to_ll = Transformer.from_crs(self.crs, 4326, always_xy=True)
        xs = np.linspace(self.xlim[0], self.xlim[1], 9)
        ys = np.linspace(self.ylim[0], self.ylim[1], 9)
        edge_x = np.concatenate([xs, xs, np.full(9, self.xlim[0]), np.full(9, self.xlim[1])])
        edge_y = np.concatenate([np.full(9, self.ylim[0]), np.full(9, self.ylim[1]), ys, ys])
        lon, lat = to_ll.transform(edge_x, edge_y)
        return (float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)))

    def to_pixel(self, x: float, y: float) -> tuple[float, float]:
        """Pixel ``(column, row)`` of the point ``(x, y)`` given in :attr:`crs`."""
        left, top, right, bottom = self.bbox_px
        fx = (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0])
        fy = (y - self.ylim[0]) / (self.ylim[1] - self.ylim[0])
        return left + fx * (right - left), bottom - fy * (bottom - top)


@dataclass(frozen=True)
class StaticMap:
    """A rendered page.

    Attributes
    ----------
    data
        The file's bytes (PNG, PDF or SVG).
    format
        ``"png"``, ``"pdf"`` or ``"svg"``.
    size
        Page size name; ``width_in``/``height_in`` its inches; ``dpi`` raster resolution.
    classes
        Class breaks per choropleth layer.
    panels
        One entry per map panel.
    categories
        Point layer -> ``category -> (colour, marker)``; ``"routes"`` -> ``route -> (colour, dash)``.
    """

    data: bytes
    format: str
    size: str
    width_in: float
    height_in: float
    dpi: int
    classes: dict[str, ClassBreaks]
    panels: tuple[PanelInfo, ...]
    categories: dict[str, dict[str, tuple[str, Any]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- validation


def access_label(column: str) -> str:
    """Legend heading of an access column, e.g. ``tt_nearest_clinic_fqhc_drive_min`` ->
    ``"Drive time to the nearest clinic fqhc (minutes)"``."""
    name = column
    for mode in ("drive", "walk", "bike", "transit"):
        if f"_{mode}_" in name or name.endswith(f"_{mode}_min") or name.endswith(f"_{mode}"):
            break
    else:
        mode = ""
    if name.startswith("tt_nearest_") and mode:
        cat = name[len("tt_nearest_") :].rsplit(f"_{mode}", 1)[0].replace("_", " ")
        label = category_label(cat.replace(" ", "_")).lower()
        return {
            "drive": gettext("Drive time to the nearest {service} (minutes)"),
            "walk": gettext("Walking time to the nearest {service} (minutes)"),
            "bike": gettext("Cycling time to the nearest {service} (minutes)"),
            "transit": gettext("Transit time to the nearest {service} (minutes)"),
        }[mode].format(service=label)
    if name.startswith("n_within_") and mode:
        cat = name[len("n_within_") :].replace("_", " ")
        return gettext("Services within reach: {service}").format(
            service=category_label(cat.replace(" ", "_"))
        )
    if name.endswith("_min"):
        return gettext("{name} (minutes)").format(name=name.replace("_", " ")[:-4])
    return name.replace("_", " ")


def default_access_column(tracts: pd.DataFrame) -> str | None:
    """The first ``tt_nearest_*_drive_min`` column (else any ``tt_nearest_*_min``), or None."""
    cols = [
        c for c in tracts.columns if str(c).startswith("tt_nearest_") and str(c).endswith("_min")
    ]
    drive = [c for c in cols if str(c).endswith("_drive_min")]
    for pref in ("clinic", "hospital"):
        for c in drive:
            if pref in str(c):
                return str(c)
    return str((drive or cols)[0]) if (drive or cols) else None


# --------------------------------------------------------------------------- drawing helpers


def _choropleth_spec(
    layer: str, tracts: pd.DataFrame, access_column: str | None
) -> tuple[str, str]:
    if layer == "need":
        column, title = "need_score", gettext("Need index (0 = least, 1 = most vulnerable)")
    elif layer == "underserved":
        column, title = "underserved_score", gettext("Underserved score (need x poor access)")
    else:
        column = access_column or default_access_column(tracts) or ""
        if not column:
            raise InputError(
                _(
                    "the 'access' layer needs a travel-time column such as "
                    "tt_nearest_clinic_fqhc_drive_min in the tracts; run the analysis "
                    "(geo-outreach analyze) or pass access_column"
                ),
                source="access_column",
            )
        title = access_label(column)
    if column not in tracts.columns:
        raise InputError(
            _("tracts have no column {column} for the {layer} layer; available: {columns}").format(
                column=repr(column),
                layer=repr(layer),
                columns=[c for c in tracts.columns if c != "geometry"][:30],
            ),
            source=column,
        )
    return column, title


def _off_network_mask(tracts: pd.DataFrame) -> np.ndarray:
    if "off_network" not in tracts.columns:
        return np.zeros(len(tracts), dtype=bool)
    return tracts["off_network"].fillna(False).astype(bool).to_numpy()


def _nice_length(target_m: float) -> float:
    exp = math.floor(math.log10(max(target_m, 1.0)))
    for m in (5, 2, 1):
        if m * 10**exp <= target_m:
            return float(m * 10**exp)
    return float(10**exp)


def _scale_bar(ax: Axes, fontsize: float) -> None:
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    length = _nice_length(width * 0.22)
    segments = 4 if length / 10 ** math.floor(math.log10(length)) in (1, 2) else 5
    seg = length / segments
    bx, by = x0 + 0.04 * width, y0 + 0.045 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    ax.add_patch(
        Rectangle(
            (bx - 0.015 * width, by - 0.8 * h),
            length + 0.045 * width,
            5.2 * h,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=20,
        )
    )
    for i in range(segments):
        ax.add_patch(
            Rectangle(
                (bx + i * seg, by),
                seg,
                h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=21,
            )
        )
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    for pos, text in ((0.0, "0"), (length, f"{length / div:g} {unit}")):
        ax.text(
            bx + pos, by + 1.6 * h, text, ha="center", va="bottom", fontsize=fontsize, zorder=22
        )


def _north_arrow(ax: Axes, fontsize: float) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.84),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=fontsize + 2,
        fontweight="bold",
        arrowprops={
            "facecolor": "black",
            "edgecolor": "black",
            "width": 3,
            "headwidth": 10,
            "headlength": 9,
        },
        bbox={
            "boxstyle": "circle,pad=0.25",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.85,
        },
        zorder=22,
    )


def _finish_panel(
    ax: Axes,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    arrow_font: float,
    scale_font: float,
) -> None:
    """Put back the panel's limits and blank axis labels (GeoDataFrame.plot may change them),
    then add the north arrow and the scale bar, which are measured on those limits."""
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("")
    ax.set_ylabel("")
    _north_arrow(ax, arrow_font)
    _scale_bar(ax, scale_font)


def _draw_roads(ax: Axes, roads: gpd.GeoDataFrame) -> None:
    import shapely
    from matplotlib.collections import LineCollection

    from geo_outreach.present.webmap import road_class

    cls = (
        roads["highway"].map(road_class)
        if "highway" in roads.columns
        else pd.Series("local", index=roads.index)
    )
    for name, width in _ROAD_WIDTH.items():
        mask = (cls == name).to_numpy()
        if not mask.any():
            continue
        parts = shapely.get_parts(roads.geometry.to_numpy()[mask])
        segs = [np.asarray(shapely.get_coordinates(p)) for p in parts if not p.is_empty]
        ax.add_collection(
            LineCollection(
                segs,
                colors=_ROAD_COLOUR,
                linewidths=width,
                alpha=0.45,
                zorder=4,
                linestyles=":" if name == "path" else "-",
                capstyle="round",
            )
        )


def _category_styles(
    keys: Sequence[str], colours: Sequence[str], shapes: Sequence[Any]
) -> dict[str, tuple[str, Any]]:
    return {k: (colours[i % len(colours)], shapes[i % len(shapes)]) for i, k in enumerate(keys)}


def _point_category(gdf: pd.DataFrame, column: str | None, default: str) -> pd.Series:
    if column is not None:
        if column not in gdf.columns:
            raise InputError(
                _("point layer has no column {column}; available: {columns}").format(
                    column=repr(column), columns=list(gdf.columns)
                ),
                source=column,
            )
        return gdf[column].fillna("unknown").astype(str)
    # chosen here, the column's values are shown as people read them
    if "category" in gdf.columns:
        return gdf["category"].fillna("unknown").astype(str)
    if "kind" in gdf.columns:
        return gdf["kind"].fillna("").astype(str).map(kind_label)
    if "worker_id" in gdf.columns:
        return route_names(gdf.drop(columns="day", errors="ignore"))
    return pd.Series(default, index=gdf.index)


def _route_ids(routes: pd.DataFrame, column: str | None) -> pd.Series:
    """What the legend calls each route: ``column`` as it is, else the worker's name and the
    day (:func:`geo_outreach.present.labels.route_names`), never a worker id."""
    if column is not None:
        if column not in routes.columns:
            raise InputError(
                _("routes have no column {column}").format(column=repr(column)), source=column
            )
        return routes[column].astype(str)
    return route_names(routes)


@dataclass(frozen=True)
class _MarkerLook:
    """How one point layer's markers look on the map (``size``: points^2) and in the legend."""

    size: float
    edgecolor: str
    linewidth: float
    legend_size: float


_STOP_MARKER = _MarkerLook(size=70.0, edgecolor="black", linewidth=1.0, legend_size=8.0)
_SERVICE_MARKER = _MarkerLook(size=26.0, edgecolor="#222222", linewidth=0.6, legend_size=6.0)


def _scatter_categories(
    ax: Axes,
    points: gpd.GeoDataFrame,
    cats: pd.Series,
    styles: Mapping[str, tuple[str, Any]],
    look: _MarkerLook,
    *,
    zorder: float,
) -> None:
    """Draw ``points`` one category at a time with its ``(colour, marker)`` from ``styles``."""
    for key, (colour, marker) in styles.items():
        sel = points[(cats == key).to_numpy()]
        ax.scatter(
            sel.geometry.x,
            sel.geometry.y,
            s=look.size,
            marker=marker,
            facecolor=colour,
            edgecolor=look.edgecolor,
            linewidth=look.linewidth,
            zorder=zorder,
        )


def _marker_legend_rows(
    styles: Mapping[str, tuple[str, Any]], look: _MarkerLook
) -> list[tuple[Any, str]]:
    """Legend rows ``(handle, category)`` of the markers :func:`_scatter_categories` draws."""
    from matplotlib.lines import Line2D

    return [
        (
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                markerfacecolor=colour,
                markeredgecolor=look.edgecolor,
                markersize=look.legend_size,
            ),
            key,
        )
        for key, (colour, marker) in styles.items()
    ]


# --------------------------------------------------------------------------- page


def _layout(
    size: str, n_panels: int
) -> tuple[tuple[float, float], list[list[float]], list[float], bool]:
    """Figure size, map panel rects, side panel rect (figure fractions) and portrait flag."""
    if size not in PAGE_SIZES:
        raise InputError(
            _("unknown size {size}; use one of {choices}").format(
                size=repr(size), choices=sorted(PAGE_SIZES)
            ),
            source="size",
        )
    w, h = PAGE_SIZES[size]
    portrait = h > w
    margin = 0.35 / w, 0.35 / h
    header = 0.85 / h
    footer = 0.62 / h
    top = 1 - margin[1] - header
    bottom = margin[1] + footer
    left, right = margin[0], 1 - margin[0]
    gap = 0.2
    if portrait:
        side_h = 3.3 / h
        side = [left, bottom, right - left, side_h]
        body_bottom = bottom + side_h + gap / h
        body = [left, body_bottom, right - left, top - body_bottom]
        if n_panels <= 1:
            panels = [body]
        else:
            ph = (body[3] - gap / h) / 2
            panels = [
                [left, body_bottom + ph + gap / h, body[2], ph],
                [left, body_bottom, body[2], ph],
            ]
    else:
        side_w = (3.1 if size == "slide-16x9" else 2.9) / w
        side = [right - side_w, bottom, side_w, top - bottom]
        body_right = right - side_w - gap / w
        body = [left, bottom, body_right - left, top - bottom]
        if n_panels <= 1:
            panels = [body]
        else:
            pw = (body[2] - gap / w) / 2
            panels = [[left, bottom, pw, body[3]], [left + pw + gap / w, bottom, pw, body[3]]]
    return (w, h), panels, side, portrait


def _extent(
    frames: Sequence[gpd.GeoDataFrame], aspect: float, pad: float = 0.03
) -> tuple[tuple[float, float], tuple[float, float]]:
    """x/y limits covering every frame, padded, matching the panel's width/height ratio."""
    bounds = np.array([f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()])
    minx, miny = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
    maxx, maxy = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
    w, h = max(maxx - minx, 200.0), max(maxy - miny, 200.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    if w / h > aspect:
        h = w / aspect
    else:
        w = h * aspect
    return (cx - w / 2, cx + w / 2), (cy - h / 2, cy + h / 2)


def _layer_frames(
    layers: Sequence[str],
    tracts: gpd.GeoDataFrame | None,
    given: Mapping[str, gpd.GeoDataFrame | None],
    roads: gpd.GeoDataFrame | None,
) -> tuple[list[str], list[str], dict[str, gpd.GeoDataFrame]]:
    """Checked layer names, the choropleth layers among them and the checked frames."""
    layers = [str(x).strip().lower() for x in layers if str(x).strip()]
    unknown = [x for x in layers if x not in LAYERS]
    if unknown or not layers:
        raise InputError(
            _("unknown layer(s) {unknown}; use some of {layers}").format(
                unknown=unknown, layers=list(LAYERS)
            ),
            source="layers",
        )
    chor = [x for x in layers if x in CHOROPLETH_LAYERS]
    if len(chor) > 2:
        raise InputError(
            _("at most two choropleth layers fit on one page, got {layers}; make two maps").format(
                layers=chor
            ),
            source="layers",
        )
    for name in [*(["tracts"] if chor else []), *[x for x in layers if x in given]]:
        obj = tracts if name == "tracts" else given[name]
        if obj is None:
            if name == "tracts":
                msg = _(
                    "layer {layer} was asked for but no tracts "
                    "(run the analysis or pass analysis=OUT.gpkg) was given"
                )
            else:
                msg = _("layer {layer} was asked for but no {name} was given")
            raise InputError(msg.format(layer=repr(name), name=name), source=name)
    frames: dict[str, gpd.GeoDataFrame] = {}
    if tracts is not None:
        frames["tracts"] = check_gdf(tracts, "tracts", kinds={"Polygon", "MultiPolygon"})
    for name, obj in given.items():
        if obj is not None and name in layers:
            kinds = {
                "zones": {"Polygon", "MultiPolygon"},
                "services": {"Point"},
                "stops": {"Point"},
                "routes": {"LineString", "MultiLineString"},
            }[name]
            frames[name] = check_gdf(obj, name, kinds=kinds)
    if roads is not None:
        frames["roads"] = check_gdf(roads, "roads", kinds={"LineString", "MultiLineString"})
    return layers, chor, frames


def _extent_frames(
    frames: Mapping[str, gpd.GeoDataFrame], chor: Sequence[str]
) -> list[gpd.GeoDataFrame]:
    """The frames the map is fitted to."""
    extent_frames = [frames[n] for n in ("tracts", "stops", "routes", "zones") if n in frames]
    if chor or ("tracts" in frames and not extent_frames):
        # fit the tracts the network reaches; off-network ones show at the edges, hatched
        t = frames["tracts"]
        on = t[~_off_network_mask(t)]
        extent_frames = [on if len(on) else t]
    elif not extent_frames:
        extent_frames = [f for n, f in frames.items() if n != "roads"]
    if not extent_frames or all(len(f) == 0 for f in extent_frames):
        raise InputError(_("nothing to draw: every layer given is empty"), source="layers")
    return extent_frames


def _page_crs(extent_frames: Sequence[gpd.GeoDataFrame]) -> Any:
    """The local UTM zone the page is drawn in."""
    import geopandas as gpd

    base = pd.concat([f.to_crs(4326).geometry for f in extent_frames if len(f)])
    return gpd.GeoSeries(base, crs=4326).estimate_utm_crs()


def print_bounds(
    *,
    layers: Sequence[str] = ("need",),
    tracts: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    services: gpd.GeoDataFrame | None = None,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    size: str = "a4-landscape",
) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` that the first map panel of
    :func:`render_static_map` shows for the same layers and page size (nothing is drawn).

    A web preview fitted to these bounds shows the area the printed page shows.
    """
    given = {"zones": zones, "services": services, "stops": stops, "routes": routes}
    _layers, chor, frames = _layer_frames(layers, tracts, given, None)
    extent_frames = _extent_frames(frames, chor)
    crs = _page_crs(extent_frames)
    (w_in, h_in), panel_rects, _side, _portrait = _layout(size, len(chor))
    rect = panel_rects[0]
    xlim, ylim = _extent(
        [f.to_crs(crs) for f in extent_frames], (rect[2] * w_in) / (rect[3] * h_in)
    )
    info = PanelInfo(layer="", crs=crs.to_string(), xlim=xlim, ylim=ylim, bbox_px=(0, 0, 0, 0))
    return info.lonlat_bounds()


def choropleth_classes(
    tracts: pd.DataFrame,
    layer: str,
    *,
    access_column: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "viridis",
) -> tuple[ClassBreaks, np.ndarray]:
    """The classes of a choropleth layer and the class of each tract, as
    :func:`render_static_map` draws them (the one classifier of the print and web maps).

    Tracts off the road network are not classified; values that are not finite (no data,
    or infinite: not reachable within the cutoff) get no class.

    Returns
    -------
    classes, idx
        The :class:`ClassBreaks` (edges, colours, legend labels) and the class index of each
        row of ``tracts`` (``-1``: no class).
    """
    column, ltitle = _choropleth_spec(layer, tracts, access_column)
    values = pd.to_numeric(tracts[column], errors="coerce").to_numpy(dtype=float)
    on = ~_off_network_mask(tracts)
    edges, idx = classify(np.where(on, values, np.nan), scheme=scheme, k=k)
    n_cls = max(len(edges) - 1, 1)
    colours = class_colours(palette, n_cls)
    counts = [int(((idx == c) & on).sum()) for c in range(n_cls)]
    unit = " " + gettext("min") if column.endswith("_min") else ""
    minutes = bool(unit)
    labels = []
    for c in range(n_cls):
        lo, hi = edges[c], edges[min(c + 1, len(edges) - 1)]
        rng = class_range_text(lo, hi, minutes=minutes)
        labels.append(f"{rng}{unit}  ({counts[c]})")
    classes = ClassBreaks(
        layer=layer,
        column=column,
        title=ltitle,
        scheme=scheme,
        edges=tuple(map(float, edges)),
        colours=tuple(colours),
        counts=tuple(counts),
        labels=tuple(labels),
    )
    return classes, np.where(on, idx, -1)


@in_language
def render_static_map(
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
    services_category: str = "category",
    route_column: str | None = None,
    stop_labels: str | None = None,
    subtitle: str = "",
    data_date: str = "",
    notes: str = "",
    size: str = "a4-landscape",
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "viridis",
    fmt: Literal["png", "pdf", "svg"] = "png",
    dpi: int = 150,
    created: dt.date | None = None,
    lang: str | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> StaticMap:
    """Draw a printable coverage map and return the file's bytes.

    Parameters
    ----------
    title
        Page title (required, non-empty).
    attribution
        Data attribution line printed at the foot (required), e.g. the region's ``attribution``.
    layers
        Any of :data:`LAYERS`: ``need`` (``need_score``), ``access`` (``access_column``),
        ``underserved`` (``underserved_score``) each get their own map panel (at most two);
        ``zones`` (outlined underserved zones), ``services``, ``stops`` and ``routes`` are drawn
        on every panel.
    tracts
        Units with the analysis columns (``need_score``, access columns, ``off_network``).
    zones, services, stops, routes
        Layers for ``zones`` (polygons), ``services`` (points with ``services_category``),
        ``stops`` (points) and ``routes`` (lines); any CRS.
    roads
        Road edges (lines with an OSM ``highway`` column) drawn lightly as context; None: none.
    access_column
        Column of the ``access`` panel (default: the first ``tt_nearest_*_drive_min``).
    stops_category
        Column giving each stop's marker (default: ``category``, ``kind`` or ``worker_id`` if
        present).
    services_category
        Column giving each service's marker.
    route_column
        Column naming each route (default ``route_id``, else ``worker_id`` + ``day``).
    stop_labels
        Column printed next to each stop (e.g. ``sequence``); None: no labels.
    subtitle
        Second line under the title (default: the data date).
    data_date
        When the data is from, e.g. ``"ACS 2016-2020, OSM 2015"``; printed in the footer.
    notes
        Free text shown in a box beside the legend (wrapped).
    size
        One of :data:`PAGE_SIZES`.
    scheme, k
        Classification (:data:`SCHEMES`) and number of classes (2..9).
    palette
        Sequential matplotlib colormap (see :func:`class_colours`).
    fmt
        ``"png"``, ``"pdf"`` or ``"svg"``.
    dpi
        Raster resolution (PNG; also the resolution of hatches in PDF/SVG).
    created
        Date printed as "made on" (default today).
    lang
        Language of the legend, titles and footer (``en``, ``es``, ``sv``; default: the current
        language, :mod:`geo_outreach.i18n`).
    category_labels
        The region's service category labels (``[labels.categories]``), else the defaults of
        :mod:`geo_outreach.present.labels`.

    Returns
    -------
    StaticMap
        The bytes plus the classes, panel positions and category styles used.

    Raises
    ------
    InputError
        Unknown layer, size, scheme or palette; a layer asked for but not given; missing columns.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if not isinstance(title, str) or not title.strip():
        raise InputError(_("title must be a non-empty text"), source="title")
    if not isinstance(attribution, str) or not attribution.strip():
        raise InputError(
            _(
                "attribution must name the data sources (e.g. the region's attribution line); "
                "every map must credit OpenStreetMap and the other sources"
            ),
            source="attribution",
        )
    if fmt not in ("png", "pdf", "svg"):
        raise InputError(
            _("format must be png, pdf or svg, got {fmt}").format(fmt=repr(fmt)), source="format"
        )
    if not 50 <= dpi <= 600:
        raise InputError(
            _("dpi must be between 50 and 600, got {dpi}").format(dpi=dpi), source="dpi"
        )
    given = {"zones": zones, "services": services, "stops": stops, "routes": routes}
    layers, chor, frames = _layer_frames(layers, tracts, given, roads)
    extent_frames = _extent_frames(frames, chor)
    crs = _page_crs(extent_frames)
    proj = {n: f.to_crs(crs) for n, f in frames.items()}
    crs_name = crs.to_string()

    (w_in, h_in), panel_rects, side_rect, portrait = _layout(size, len(chor))
    fs = 8.0 if size != "slide-16x9" else 9.5
    fig = plt.figure(figsize=(w_in, h_in), dpi=dpi)
    fig.patch.set_facecolor("white")

    # ---- header and footer
    fig.text(
        0.35 / w_in,
        1 - 0.3 / h_in,
        title,
        ha="left",
        va="top",
        fontsize=fs + 9,
        fontweight="bold",
        color="#1a1a1a",
    )
    sub = subtitle or (gettext("Data: {date}").format(date=data_date) if data_date else "")
    if sub:
        fig.text(
            0.35 / w_in, 1 - 0.72 / h_in, sub, ha="left", va="top", fontsize=fs + 2, color="#444444"
        )
    foot_width = int((w_in - 0.7) * 72 / (_FOOT_FONT * 0.5))
    made = format_date(created or dt.date.today(), form="medium")
    foot = [gettext("Sources: {sources}").format(sources=attribution)]
    tail = (
        gettext("Data date: {date}.").format(date=data_date) + " " if data_date else ""
    ) + gettext("Map made {date} with geo_outreach.").format(date=made)
    foot.append(tail)
    fig.text(
        0.35 / w_in,
        0.3 / h_in,
        "\n".join(textwrap.fill(t, foot_width) for t in foot),
        ha="left",
        va="bottom",
        fontsize=_FOOT_FONT,
        color="#333333",
        linespacing=1.3,
    )

    classes: dict[str, ClassBreaks] = {}
    categories: dict[str, dict[str, tuple[str, Any]]] = {}
    legend_sections: list[tuple[str, list[tuple[Any, str]]]] = []
    panels: list[PanelInfo] = []
    axes = []
    off_mask = _off_network_mask(frames["tracts"]) if "tracts" in frames else np.zeros(0, bool)

    # ---- point/line styles (shared by panels)
    if "stops" in proj:
        cats = _point_category(proj["stops"], stops_category, gettext("Stop"))
        keys = list(dict.fromkeys(cats))
        categories["stops"] = _category_styles(keys, ROUTE_COLOURS, MARKERS)
    if "services" in proj:
        scat = _point_category(proj["services"], services_category, gettext("Service"))
        skeys = sorted(set(scat))
        # services use hollow-looking shapes after the stops' ones, so both stay distinct
        categories["services"] = _category_styles(skeys, OKABE_ITO, MARKERS[::-1])
    if "routes" in proj:
        rids = _route_ids(proj["routes"], route_column)
        rkeys = list(dict.fromkeys(rids))
        categories["routes"] = _category_styles(rkeys, ROUTE_COLOURS, LINESTYLES)

    for i, rect in enumerate(panel_rects):
        ax = fig.add_axes((rect[0], rect[1], rect[2], rect[3]))
        axes.append(ax)
        ax.set_facecolor("white")
        layer = chor[i] if chor else ""
        aspect = (rect[2] * w_in) / (rect[3] * h_in)
        xlim, ylim = _extent([f.to_crs(crs) for f in extent_frames], aspect)
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#777777")
            spine.set_linewidth(0.6)

        if layer:
            t = proj["tracts"]
            cb, idx = choropleth_classes(
                t, layer, access_column=access_column, scheme=scheme, k=k, palette=palette
            )
            classes[layer] = cb
            colours, labels, n_cls = list(cb.colours), list(cb.labels), len(cb.colours)
            ltitle = cb.title
            values = pd.to_numeric(t[cb.column], errors="coerce").to_numpy(dtype=float)
            on = ~off_mask
            reach_inf = on & np.isinf(values)
            fills = np.array([colours[j] if j >= 0 else _NO_DATA_FILL for j in idx], dtype=object)
            valid = on & (idx >= 0)
            if valid.any():
                t[valid].plot(
                    ax=ax, color=list(fills[valid]), edgecolor="white", linewidth=0.5, zorder=2
                )
            rows: list[tuple[Any, str]] = [
                (Patch(facecolor=colours[c], edgecolor="#999999", linewidth=0.4), labels[c])
                for c in range(n_cls)
            ]
            nodata = on & ~reach_inf & (idx < 0)
            if nodata.any():
                t[nodata].plot(
                    ax=ax, facecolor=_NO_DATA_FILL, edgecolor="#999999", linewidth=0.5, zorder=2
                )
                rows.append(
                    (
                        Patch(facecolor=_NO_DATA_FILL, edgecolor="#999999"),
                        gettext("No data  ({n})").format(n=int(nodata.sum())),
                    )
                )
            if reach_inf.any():
                t[reach_inf].plot(
                    ax=ax,
                    facecolor="#222222",
                    edgecolor="white",
                    hatch="..",
                    linewidth=0.5,
                    zorder=2,
                )
                rows.append(
                    (
                        Patch(facecolor="#222222", edgecolor="white", hatch=".."),
                        gettext("Not reachable within the cutoff  ({n})").format(
                            n=int(reach_inf.sum())
                        ),
                    )
                )
            section = ltitle if len(chor) == 1 else f"{'AB'[i]}: {ltitle}"
            legend_sections.append((section, rows))
            if len(chor) > 1:
                ax.text(
                    0.015,
                    0.985,
                    "AB"[i],
                    transform=ax.transAxes,
                    ha="left",
                    va="top",
                    fontsize=fs + 6,
                    fontweight="bold",
                    zorder=23,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
                )
        elif "tracts" in proj:
            proj["tracts"].plot(
                ax=ax, facecolor="#fbfaf8", edgecolor="#bbbbbb", linewidth=0.4, zorder=1
            )
        if "tracts" in proj and off_mask.any():
            proj["tracts"][off_mask].plot(
                ax=ax,
                facecolor=_OFF_NETWORK_FILL,
                edgecolor="#8c8c8c",
                hatch="////",
                linewidth=0.4,
                zorder=2,
            )
        if "roads" in proj:
            _draw_roads(ax, proj["roads"])
        if "zones" in proj and len(proj["zones"]):
            proj["zones"].boundary.plot(ax=ax, color="black", linewidth=1.6, zorder=6)
            proj["zones"].boundary.plot(
                ax=ax, color="white", linewidth=0.5, linestyle="--", zorder=6
            )
        if "routes" in proj:
            rids = _route_ids(proj["routes"], route_column)
            for key, (colour, dash) in categories["routes"].items():
                sel = proj["routes"][(rids == key).to_numpy()]
                sel.plot(ax=ax, color="white", linewidth=3.6, zorder=7)
                sel.plot(ax=ax, color=colour, linewidth=2.0, linestyle=dash, zorder=8)
        if "services" in proj:
            scat = _point_category(proj["services"], services_category, gettext("Service"))
            _scatter_categories(
                ax, proj["services"], scat, categories["services"], _SERVICE_MARKER, zorder=9
            )
        if "stops" in proj:
            cats = _point_category(proj["stops"], stops_category, gettext("Stop"))
            _scatter_categories(
                ax, proj["stops"], cats, categories["stops"], _STOP_MARKER, zorder=10
            )
            if stop_labels is not None and stop_labels in proj["stops"].columns:
                for geom, lab in zip(
                    proj["stops"].geometry, proj["stops"][stop_labels], strict=True
                ):
                    ax.annotate(
                        str(lab),
                        (geom.x, geom.y),
                        xytext=(5, 4),
                        textcoords="offset points",
                        fontsize=fs - 1,
                        fontweight="bold",
                        zorder=11,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "facecolor": "white",
                            "edgecolor": "#444444",
                            "linewidth": 0.4,
                            "alpha": 0.9,
                        },
                    )
        _finish_panel(ax, xlim, ylim, arrow_font=fs, scale_font=fs - 0.5)

    # ---- shared legend sections
    shared: list[tuple[Any, str]] = []
    if "tracts" in proj and off_mask.any():
        shared.append(
            (
                Patch(facecolor=_OFF_NETWORK_FILL, edgecolor="#8c8c8c", hatch="////"),
                ngettext(
                    "No road-network data  ({n} tract)",
                    "No road-network data  ({n} tracts)",
                    int(off_mask.sum()),
                ).format(n=int(off_mask.sum())),
            )
        )
    if "zones" in proj and len(proj["zones"]):
        shared.append((Line2D([], [], color="black", linewidth=1.6), gettext("Underserved zone")))
    if "roads" in proj:
        shared.append(
            (Line2D([], [], color=_ROAD_COLOUR, alpha=0.6, linewidth=0.8), gettext("Roads"))
        )
    if shared:
        legend_sections.append((gettext("Map features"), shared))
    if "routes" in categories:
        legend_sections.append(
            (
                gettext("Routes"),
                [
                    (Line2D([], [], color=c, linewidth=2.0, linestyle=d), key)
                    for key, (c, d) in categories["routes"].items()
                ],
            )
        )
    if "stops" in categories:
        rows = _marker_legend_rows(categories["stops"], _STOP_MARKER)
        legend_sections.append(
            (
                gettext("Stops"),
                [(h, category_label(key, overrides=category_labels)) for h, key in rows],
            )
        )
    if "services" in categories:
        rows = _marker_legend_rows(categories["services"], _SERVICE_MARKER)
        legend_sections.append(
            (
                gettext("Services"),
                [(h, category_label(key, overrides=category_labels)) for h, key in rows],
            )
        )

    _draw_side_panel(fig, side_rect, legend_sections, notes, portrait, fs, (w_in, h_in))

    height_px = fig.get_figheight() * dpi
    width_px = fig.get_figwidth() * dpi
    for i, ax in enumerate(axes):
        ax.apply_aspect()
        pos = ax.get_position()
        bb = pos.transformed(matplotlib.transforms.Affine2D().scale(width_px, height_px))
        panels.append(
            PanelInfo(
                layer=chor[i] if chor else "",
                crs=crs_name,
                xlim=tuple(map(float, ax.get_xlim())),  # type: ignore[arg-type]
                ylim=tuple(map(float, ax.get_ylim())),  # type: ignore[arg-type]
                bbox_px=(bb.x0, height_px - bb.y1, bb.x1, height_px - bb.y0),
            )
        )
    buf = io.BytesIO()
    meta = {"Title": title} if fmt in ("pdf", "svg") else {"Title": title, "Source": attribution}
    if fmt == "pdf":
        meta["Subject"] = gettext("Sources: {sources}").format(sources=attribution)
    # TrueType fonts in PDF and real text in SVG: searchable, selectable, editable
    with matplotlib.rc_context(cast(Any, _SAVE_RC)):
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    plt.close(fig)
    return StaticMap(
        data=buf.getvalue(),
        format=fmt,
        size=size,
        width_in=w_in,
        height_in=h_in,
        dpi=dpi,
        classes=classes,
        panels=tuple(panels),
        categories=categories,
    )


def _legend_box(
    ax: Axes,
    sections: Sequence[tuple[str, Sequence[tuple[Any, str]]]],
    font: float,
    width_in: float,
) -> Any:
    """One legend box with bold section headings, in the top-left corner of ``ax``."""
    from matplotlib.patches import Patch

    handles: list[Any] = []
    labels: list[str] = []
    heads: set[int] = set()
    wrap_chars = max(int(width_in * 72 / (font * 0.56)) - 6, 12)
    for s, (head, rows) in enumerate(sections):
        if s:
            handles.append(Patch(visible=False))
            labels.append("")
        heads.add(len(labels))
        handles.append(Patch(visible=False))
        labels.append(textwrap.fill(head, wrap_chars))
        for h, lab in rows:
            handles.append(h)
            labels.append(textwrap.fill(lab, wrap_chars - 2))
    leg = ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0, 1),
        frameon=True,
        fontsize=font,
        handlelength=2.2,
        handleheight=1.3,
        borderaxespad=0.0,
        labelspacing=0.45,
        borderpad=0.7,
        edgecolor="#bbbbbb",
        fancybox=False,
    )
    for i, text in enumerate(leg.get_texts()):
        if i in heads:
            text.set_fontweight("bold")
    return leg


def _draw_side_panel(
    fig: Figure,
    rect: Sequence[float],
    sections: Sequence[tuple[str, Sequence[tuple[Any, str]]]],
    notes: str,
    portrait: bool,
    fs: float,
    page: tuple[float, float],
) -> None:
    """Legend boxes and the notes box, never overlapping each other or the maps.

    Landscape: one column (legend, then notes).  Portrait: two columns below the map, the
    sections split between them in order, notes under the shorter column.
    """
    w_in, h_in = page
    left, bottom, width, height = rect
    notes = notes.strip()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    if portrait and len(sections) > 1:
        sizes = [len(r) + 2 for _, r in sections]
        half = sum(sizes) / 2
        cut = max(1, min(len(sections) - 1, int(np.argmin(np.abs(np.cumsum(sizes) - half))) + 1))
        groups = [list(sections[:cut]), list(sections[cut:])]
    else:
        groups = [list(sections)]
    gap = 0.15 / w_in
    col_w = (width - gap * (len(groups) - 1)) / len(groups)
    if portrait and notes and len(groups) == 1:  # legend left, notes right
        col_w = width * 0.58
    boxes = []
    for g, group in enumerate(groups):
        ax = fig.add_axes((left + g * (col_w + gap), bottom, col_w, height))
        ax.set_axis_off()
        font = fs
        for _attempt in range(8):
            leg = _legend_box(ax, group, font, col_w * w_in)
            bb = leg.get_window_extent(renderer).transformed(ax.transAxes.inverted())
            if bb.y0 >= 0 and bb.x1 <= 1.01:
                break
            leg.remove()
            font *= 0.9
        else:
            logger.warning("legend does not fit its panel even at %.1f pt; it may be clipped", font)
        boxes.append((ax, leg.get_window_extent(renderer).transformed(fig.transFigure.inverted())))
    if not notes:
        return
    if portrait and len(groups) == 1:
        note_rect = [left + width * 0.61, bottom, width * 0.39, height]
    else:  # under the shortest column
        ax, bb = max(boxes, key=lambda b: b[1].y0)
        pos = ax.get_position()
        top = bb.y0 - 0.15 / h_in
        note_rect = [pos.x0, bottom, pos.width, max(top - bottom, 0.5 / h_in)]
    nax = fig.add_axes((note_rect[0], note_rect[1], note_rect[2], note_rect[3]))
    nax.set_axis_off()
    chars = max(int(note_rect[2] * w_in * 72 / (fs * 0.55)) - 3, 12)
    body = "\n".join(textwrap.fill(p, chars) for p in notes.splitlines() if p.strip())
    nax.text(
        0.02,
        0.98,
        gettext("Notes") + "\n" + body,
        ha="left",
        va="top",
        fontsize=fs,
        transform=nax.transAxes,
        linespacing=1.35,
        bbox={
            "boxstyle": "square,pad=0.6",
            "facecolor": "#f7f7f5",
            "edgecolor": "#bbbbbb",
            "linewidth": 0.8,
        },
    )


def color_legend_rows(classes: Mapping[str, ClassBreaks]) -> list[tuple[str, str, str]]:
    """``(layer, colour, label)`` rows of every class, for tables and reports."""
    return [
        (layer, c, lab)
        for layer, cb in classes.items()
        for c, lab in zip(cb.colours, cb.labels, strict=True)
    ]
