"""Candidate stops for mobile-unit siting.

Three sources, each returning a GeoDataFrame in EPSG:4326 with at least
``candidate_id`` (str, stable), ``reason`` (why it is a candidate, shown to the
manager next to a chosen stop), ``source`` and ``geometry`` (Point):

* :func:`candidates_from_sites`: existing venues of chosen categories
  (libraries, community centres...) from the shared sites layer;
* :func:`candidates_from_file`: a user's own file of possible stops;
* :func:`candidates_from_network`: nodes on larger roads of the road network,
  spaced at least ``spacing_m`` apart (osmnx ``graph_to_gdfs`` output).

:func:`combine_candidates` stacks several of them and checks ids are unique.
Snapping candidates to network nodes is the network layer's job
(``geo_outreach.network.snap.snap_sites`` with ``id_col="candidate_id"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_outreach.errors import CRSError, InputError
from geo_outreach.i18n import _

__all__ = [
    "CANDIDATE_COLUMNS",
    "DEFAULT_ROAD_CLASSES",
    "candidates_from_file",
    "candidates_from_network",
    "candidates_from_sites",
    "combine_candidates",
]

logger = logging.getLogger(__name__)

#: Columns every candidate layer has (more may follow).
CANDIDATE_COLUMNS = ["candidate_id", "reason", "source", "name", "geometry"]

#: OSM ``highway`` classes treated as "larger roads", best first (trunk roads last: they are
#: often fast roads where a van cannot stop; motorways and ramps are left out).
DEFAULT_ROAD_CLASSES: tuple[str, ...] = (
    "primary",
    "secondary",
    "tertiary",
    "trunk",
)


def _to_4326(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise CRSError(
            _(
                "{what} has no coordinate reference system; set it (e.g. gdf.set_crs('EPSG:4326'))"
            ).format(what=what),
            source=what,
        )
    return gdf if gdf.crs.to_epsg() == 4326 else gdf.to_crs("EPSG:4326")


def _points_only(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    geom = gdf.geometry
    bad = geom.isna() | geom.is_empty
    if bad.any():
        logger.warning("%s: %d rows without geometry are left out", what, int(bad.sum()))
        gdf = gdf[~bad]
    if len(gdf) and not (gdf.geometry.geom_type == "Point").all():
        # polygons or lines (e.g. a park): use a point inside them
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.representative_point()
    return gdf


def candidates_from_sites(
    sites: gpd.GeoDataFrame,
    *,
    categories: Iterable[str],
) -> gpd.GeoDataFrame:
    """Existing venues of the given categories as candidate stops.

    Parameters
    ----------
    sites
        Sites layer (``site_id``, ``category``, ``name``, ``geometry``).
    categories
        Categories whose venues may host a stop, e.g. ``["library",
        "community_center"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id`` (= ``site_id``), ``reason``, ``source`` (``"sites"``),
        ``name``, ``category``, ``site_id``, ``geometry``.

    Raises
    ------
    InputError
        When a column is missing or a category matches no site.
    """
    cats = [str(c) for c in categories]
    if not cats:
        raise InputError(_("categories is empty; name at least one category"), source="categories")
    for col in ("site_id", "category", "geometry"):
        if col not in sites.columns:
            raise InputError(
                _("sites lacks column {column}; load it with geo_outreach.data").format(
                    column=repr(col)
                ),
                source=col,
            )
    sites = _to_4326(sites, "sites")
    known = set(sites["category"].astype(str))
    unknown = [c for c in cats if c not in known]
    if unknown:
        raise InputError(
            _("categories {unknown} match no site; known categories: {known}").format(
                unknown=unknown, known=sorted(known)
            ),
            source="categories",
        )
    sel = _points_only(sites[sites["category"].astype(str).isin(cats)], "sites")
    names = sel["name"].astype(str) if "name" in sel.columns else sel["site_id"].astype(str)
    out = gpd.GeoDataFrame(
        {
            "candidate_id": sel["site_id"].astype(str).to_numpy(),
            "reason": [
                f"existing {c.replace('_', ' ')} '{n}'"
                for c, n in zip(sel["category"].astype(str), names, strict=True)
            ],
            "source": "sites",
            "name": names.to_numpy(),
            "category": sel["category"].astype(str).to_numpy(),
            "site_id": sel["site_id"].astype(str).to_numpy(),
        },
        geometry=sel.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    return out.reset_index(drop=True)


_LON = ("lon", "lng", "longitude", "x")
_LAT = ("lat", "latitude", "y")


def candidates_from_file(
    path: str | Path,
    *,
    id_column: str | None = None,
    name_column: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Candidate stops from a user's file.

    Parameters
    ----------
    path
        Any vector file geopandas reads (GeoPackage, GeoJSON, shapefile...),
        or a CSV with longitude/latitude columns (``lon``/``lat``,
        ``longitude``/``latitude`` or ``x``/``y``, in EPSG:4326).
    id_column
        Column holding stable ids (default: ``candidate_id`` or ``id`` when
        present, else ``"<file stem>:<row>"``).
    name_column
        Column with a readable name (default: ``name`` when present).
    layer
        Layer of a multi-layer file.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id``, ``reason``, ``source`` (``"file"``), ``name``,
        ``geometry`` plus the file's own columns.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(
            _("candidate file {path} does not exist").format(path=path), source=str(path)
        )
    if path.suffix.lower() in (".csv", ".txt"):
        from geo_outreach.data.readers import read_csv_table

        df = read_csv_table(path, what="candidate stops")
        lower = {c.lower(): c for c in df.columns}
        lon = next((lower[c] for c in _LON if c in lower), None)
        lat = next((lower[c] for c in _LAT if c in lower), None)
        if lon is None or lat is None:
            raise InputError(
                _(
                    "{path}: a CSV of candidates needs longitude and latitude columns (lon/lat); "
                    "it has {columns}"
                ).format(path=path, columns=list(df.columns)),
                source=str(path),
            )
        xs = pd.to_numeric(df[lon], errors="coerce")
        ys = pd.to_numeric(df[lat], errors="coerce")
        if xs.isna().any() or ys.isna().any():
            bad = int((xs.isna() | ys.isna()).idxmax())
            raise InputError(
                _("{path}: row {row} has a missing or non-numeric {lon}/{lat}").format(
                    path=path, row=bad, lon=lon, lat=lat
                ),
                source=str(path),
            )
        if ((xs.abs() > 180) | (ys.abs() > 90)).any() and (xs.abs() <= 90).all():
            raise CRSError(
                _(
                    "{path}: {lon} and {lat} look swapped ({lat} holds values beyond 90, so "
                    "longitudes); exchange the two columns"
                ).format(path=path, lon=lon, lat=lat),
                source=str(path),
            )
        if ((xs.abs() > 180) | (ys.abs() > 90)).any():
            raise CRSError(
                _(
                    "{path}: {lon}/{lat} are not degrees (EPSG:4326); convert the coordinates"
                ).format(path=path, lon=lon, lat=lat),
                source=str(path),
            )
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")
    else:
        try:
            gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except Exception as exc:
            raise InputError(
                _("cannot read candidate file {path}: {exc}").format(path=path, exc=exc),
                source=str(path),
            ) from exc
        gdf = _to_4326(gdf, str(path))
    gdf = _points_only(gdf, str(path)).reset_index(drop=True)
    if id_column is not None and id_column not in gdf.columns:
        raise InputError(
            _("{path} has no column {column} (id_column); columns: {columns}").format(
                path=path, column=repr(id_column), columns=list(gdf.columns)
            ),
            source=id_column,
        )
    id_col = id_column or next((c for c in ("candidate_id", "id") if c in gdf.columns), None)
    if id_col is not None:
        ids = gdf[id_col].astype(str)
        if ids.duplicated().any():
            raise InputError(
                _("{path}: column {column} has repeated id {id}; ids must be unique").format(
                    path=path, column=repr(id_col), id=repr(ids[ids.duplicated()].iloc[0])
                ),
                source=id_col,
            )
    else:
        ids = pd.Series([f"{path.stem}:{i}" for i in range(len(gdf))])
    if name_column is not None and name_column not in gdf.columns:
        raise InputError(
            _("{path} has no column {column} (name_column)").format(
                path=path, column=repr(name_column)
            ),
            source=name_column,
        )
    ncol = name_column or ("name" if "name" in gdf.columns else None)
    names = gdf[ncol].astype(str) if ncol else ids
    rest = gdf.drop(
        columns=[c for c in ("candidate_id", "reason", "source", "name", "listed_in") if c in gdf]
    )
    out = gpd.GeoDataFrame(
        {
            "candidate_id": ids.to_numpy(),
            "reason": [f"listed in {path.name} ('{n}')" for n in names],
            "source": "file",
            "name": names.to_numpy(),
            "listed_in": path.name,
        },
        geometry=gdf.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    extra = rest.drop(columns="geometry").reset_index(drop=True)
    return gpd.GeoDataFrame(pd.concat([out, extra], axis=1), geometry="geometry", crs="EPSG:4326")


def _highway_values(v: Any) -> list[str]:
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return [str(x) for x in v]
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    s = str(v)
    if s.startswith("[") and s.endswith("]"):  # list stored as text (e.g. read from a file)
        return [x.strip(" '\"") for x in s[1:-1].split(",") if x.strip(" '\"")]
    return [s]


def _edge_ends(edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "u" in edges.columns and "v" in edges.columns:
        return edges["u"].to_numpy(), edges["v"].to_numpy()
    names = list(edges.index.names)
    if "u" in names and "v" in names:
        return (
            edges.index.get_level_values("u").to_numpy(),
            edges.index.get_level_values("v").to_numpy(),
        )
    raise InputError(
        _(
            "edges need end-node ids: columns or index levels 'u' and 'v' "
            "(osmnx graph_to_gdfs output)"
        ),
        source="edges",
    )


def candidates_from_network(
    nodes: gpd.GeoDataFrame,
    edges: pd.DataFrame,
    *,
    spacing_m: float = 400.0,
    road_classes: Sequence[str] = DEFAULT_ROAD_CLASSES,
) -> gpd.GeoDataFrame:
    """Network nodes on larger roads, spaced at least ``spacing_m`` apart.

    Nodes are taken best road class first, then busiest intersection first
    (``street_count`` or the number of incident edges), then by id, and a node
    is kept only when no kept node lies within ``spacing_m`` (straight line).

    Parameters
    ----------
    nodes
        Network nodes (osmnx ``graph_to_gdfs`` nodes: index ``osmid``, Point
        geometry; optional ``street_count``).
    edges
        Network edges with end-node ids (index levels or columns ``u``, ``v``)
        and a ``highway`` attribute (a string or a list of strings); optional
        ``name``.
    spacing_m
        Least distance between two candidates, metres.
    road_classes
        OSM ``highway`` values counted as larger roads, best first.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id`` (``"node:<id>"``), ``reason``, ``source``
        (``"network"``), ``name`` (road name), ``node_id``, ``road_class``,
        ``geometry``; sorted in the order they were kept.
    """
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        raise InputError(
            _("spacing_m must be a positive number of metres, got {got}").format(
                got=repr(spacing_m)
            ),
            source="spacing_m",
        )
    classes = [str(c) for c in road_classes]
    if not classes:
        raise InputError(
            _("road_classes is empty; name at least one OSM highway value"),
            source="road_classes",
        )
    if "highway" not in edges.columns:
        raise InputError(
            _("edges lack a 'highway' column; pass osmnx graph_to_gdfs edges"), source="edges"
        )
    nodes = _to_4326(nodes, "nodes")
    u, v = _edge_ends(edges)
    rank_of = {c: i for i, c in enumerate(classes)}
    hw = edges["highway"].map(_highway_values)
    edge_rank = np.array(
        [min((rank_of[h] for h in hs if h in rank_of), default=-1) for hs in hw], dtype=np.int64
    )
    edge_name = (
        edges["name"].map(lambda x: ", ".join(_highway_values(x))).to_numpy()
        if "name" in edges.columns
        else np.full(len(edges), "", dtype=object)
    )
    major = edge_rank >= 0
    if not major.any():
        raise InputError(
            _(
                "no edge has a highway value in {classes}; lower the road classes (e.g. add "
                "'residential') or check the network"
            ).format(classes=classes),
            source="road_classes",
        )
    ends = pd.DataFrame(
        {
            "node": np.concatenate([u[major], v[major]]),
            "rank": np.concatenate([edge_rank[major], edge_rank[major]]),
            "name": np.concatenate([edge_name[major], edge_name[major]]),
        }
    )
    ends = ends.sort_values(["node", "rank"], kind="stable")
    best = ends.groupby("node", sort=False).first()
    # streets meeting at a node: distinct neighbours, so a two-way street (two directed edges)
    # counts once
    pairs = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v)}).drop_duplicates()
    pairs = pairs[pairs["a"] != pairs["b"]]
    degree_all = pd.Series(np.concatenate([pairs["a"], pairs["b"]])).value_counts()
    node_index = pd.Index(nodes.index)
    known = best.index.isin(node_index)
    if not known.all():
        logger.warning(
            "%d edge end nodes are missing from nodes and are skipped", int((~known).sum())
        )
        best = best[known]
    sel = nodes.loc[best.index]
    if "street_count" in sel.columns:
        busy = pd.to_numeric(sel["street_count"], errors="coerce").fillna(0).to_numpy()
    else:
        busy = degree_all.reindex(best.index).fillna(0).to_numpy()
    frame = pd.DataFrame(
        {
            "node_id": best.index.to_numpy(),
            "rank": best["rank"].to_numpy(),
            "name": best["name"].to_numpy(),
            "busy": busy,
            "key": best.index.astype(str),
        }
    )
    geom = gpd.GeoSeries(sel.geometry.to_numpy(), crs="EPSG:4326")
    order = np.lexsort(
        (frame["key"].to_numpy(), -frame["busy"].to_numpy(), frame["rank"].to_numpy())
    )
    utm = geom.estimate_utm_crs()
    proj = geom.to_crs(utm)
    xy = np.column_stack([proj.x.to_numpy(), proj.y.to_numpy()])
    from scipy.spatial import cKDTree

    tree = cKDTree(xy)
    blocked = np.zeros(len(frame), dtype=bool)
    kept: list[int] = []
    for i in order:
        if blocked[i]:
            continue
        kept.append(int(i))
        blocked[tree.query_ball_point(xy[i], r=spacing_m - 1e-9)] = True
    k = np.array(kept, dtype=np.int64)
    sub = frame.iloc[k]
    reasons = []
    for r in sub.itertuples(index=False):
        road = classes[int(r.rank)].replace("_", " ")
        where = f" '{r.name}'" if r.name else ""
        reasons.append(
            f"node on {road} road{where} ({int(r.busy)} streets meet), "
            f"at least {spacing_m:g} m from other network candidates"
        )
    return gpd.GeoDataFrame(
        {
            "candidate_id": [f"node:{n}" for n in sub["key"]],
            "reason": reasons,
            "source": "network",
            "name": sub["name"].astype(str).to_numpy(),
            "node_id": sub["node_id"].to_numpy(),
            "road_class": [classes[int(r)] for r in sub["rank"]],
            "n_streets": sub["busy"].astype(int).to_numpy(),
        },
        geometry=geom.iloc[k].to_numpy(),
        crs="EPSG:4326",
    ).reset_index(drop=True)


def combine_candidates(*layers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Stack candidate layers; ids must stay unique.

    Raises
    ------
    InputError
        When two layers use the same ``candidate_id``.
    """
    if not layers:
        raise InputError(_("combine_candidates needs at least one candidate layer"))
    frames = [_to_4326(g, "candidates") for g in layers]
    for g in frames:
        if "candidate_id" not in g.columns or "reason" not in g.columns:
            raise InputError(
                _("every candidate layer needs 'candidate_id' and 'reason' columns"),
                source="candidates",
            )
    out = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    dup = out["candidate_id"].astype(str).duplicated()
    if dup.any():
        raise InputError(
            _("candidate id {id} appears in two layers; rename one").format(
                id=repr(out["candidate_id"][dup].iloc[0])
            ),
            source="candidate_id",
        )
    return out
