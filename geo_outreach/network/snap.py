"""Attach census units and service sites to a road network.

A unit's *origins* are the network nodes inside its polygon, equally weighted, so a
tract's travel time reflects where its streets are, not a centroid in a park or a river.
A unit with no node inside falls back to the nearest node of its representative point,
when that node is within ``max_snap_m`` (default 500 m). Anything farther is reported as
**off-network** and gets no origin: it is never silently snapped to a distant node.

A unit that lies mostly outside the network's extent (an OSM extract cut at a bounding box
leaves edge tracts half outside) would be measured from the few streets it has inside the
extract; when less than ``min_coverage`` (default 50 %) of its area lies inside, it is also
reported off-network, with its coverage, instead of being mis-scored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_outreach.errors import InputError, OffNetworkWarning, warn
from geo_outreach.i18n import _
from geo_outreach.network.graph import RoadNetwork

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "SnapResult",
    "snap_locations",
    "snap_points",
    "snap_sites",
    "unit_origins",
]

logger = logging.getLogger(__name__)

#: Farthest a point may be from the network and still count as on it (metres).
DEFAULT_MAX_SNAP_M = 500.0
#: Smallest share of a unit's area inside the network's extent for it to count as on it.
DEFAULT_MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class SnapResult:
    """Origins of units on one network.

    Attributes
    ----------
    origins
        Long table ``unit_id, node_id, weight, snap_dist_m, how`` (``how`` = ``"inside"``
        or ``"nearest"``); weights sum to 1 per unit.
    off_network
        Units without an origin: ``unit_id, snap_dist_m`` (distance to the nearest node),
        ``coverage`` (share of the area inside the network's extent) and ``why``.
    coverage
        ``unit_id, coverage`` for every unit.
    """

    origins: pd.DataFrame
    off_network: pd.DataFrame
    coverage: pd.DataFrame | None = None

    def on_network_ids(self) -> list[str]:
        """Ids of the units that have origins."""
        return self.origins["unit_id"].drop_duplicates().tolist()


def _check_max(max_snap_m: float) -> None:
    if not (isinstance(max_snap_m, int | float) and np.isfinite(max_snap_m) and max_snap_m > 0):
        raise InputError(
            _("max_snap_m must be a positive number of metres, got {got}").format(
                got=repr(max_snap_m)
            ),
            parameter="max_snap_m",
        )


def snap_points(
    network: RoadNetwork,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> tuple[pd.array, np.ndarray, np.ndarray]:
    """The one snapping rule: the nearest node of each point, and whether it is near enough.

    Every part of geo_outreach that places points on a network (units' representative
    points, services, candidate stops, visits and workers) goes through this function, so
    "on the network" means the same everywhere.

    Parameters
    ----------
    network
        The road network.
    lon, lat
        WGS84 degrees; NaN where a point has no coordinates (it is then off the network).
    max_snap_m
        Farthest a point may be from its node and still be on the network (metres).

    Returns
    -------
    tuple
        ``(node_id, snap_dist_m, on_network)``: node ids as a nullable Int64 array (missing
        without coordinates), distances in metres (NaN without coordinates) and a boolean
        array.
    """
    _check_max(max_snap_m)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    has = np.isfinite(lon) & np.isfinite(lat)
    node = pd.array([pd.NA] * len(lon), dtype="Int64")
    dist = np.full(len(lon), np.nan)
    if has.any():
        ids, d = network.nearest_nodes(lon[has], lat[has])
        node[np.flatnonzero(has)] = np.asarray(ids, dtype=np.int64)
        dist[has] = d
    on = has & (np.nan_to_num(dist, nan=np.inf) <= max_snap_m)
    return node, dist, on


def snap_locations(
    networks: dict[str, RoadNetwork] | Any,
    locations: pd.DataFrame,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> pd.DataFrame:
    """Nearest network node of every location on every mode (:func:`snap_points`).

    Parameters
    ----------
    networks
        Mode -> road network.
    locations
        ``location_id, lon, lat`` (lon/lat may be missing: the location is then off
        every network).
    max_snap_m
        Farthest a location may be from its node and still be on the network.

    Returns
    -------
    pandas.DataFrame
        ``location_id, mode, node_id`` (nullable Int64), ``snap_dist_m`` (NaN without
        coordinates), ``on_network`` (bool); one row per location and mode.
    """
    _check_max(max_snap_m)
    for c in ("location_id", "lon", "lat"):
        if c not in locations.columns:
            raise InputError(
                _("locations table lacks column {column}").format(column=repr(c)), column=c
            )
    locs = locations.drop_duplicates("location_id")
    lon = pd.to_numeric(locs["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(locs["lat"], errors="coerce").to_numpy(float)
    frames = []
    for mode, net in networks.items():
        node, dist, on = snap_points(net, lon, lat, max_snap_m=max_snap_m)
        frames.append(
            pd.DataFrame(
                {
                    "location_id": locs["location_id"].astype(str).to_numpy(),
                    "mode": mode,
                    "node_id": node,
                    "snap_dist_m": dist,
                    "on_network": on,
                }
            )
        )
        logger.info(
            "%s: %d of %d location(s) within %.0f m of the network",
            mode,
            int(on.sum()),
            len(locs),
            max_snap_m,
        )
    if not frames:
        return pd.DataFrame(columns=["location_id", "mode", "node_id", "snap_dist_m", "on_network"])
    return pd.concat(frames, ignore_index=True)


def unit_origins(
    network: RoadNetwork,
    units: gpd.GeoDataFrame,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    id_col: str = "unit_id",
) -> SnapResult:
    """Find each unit's origin nodes on ``network``.

    Parameters
    ----------
    network
        The road network of the mode.
    units
        Polygons in EPSG:4326 with an id column.
    max_snap_m
        Largest distance from a unit's representative point to its fallback node.
    min_coverage
        Smallest share of a unit's area inside the network's extent for it to count as on the
        network (0 disables the check).
    id_col
        Column holding the unit ids.
    """
    _check_max(max_snap_m)
    if not 0 <= min_coverage <= 1:
        raise InputError(
            _("min_coverage must be in [0, 1], got {got}").format(got=repr(min_coverage)),
            source="min_coverage",
        )
    if units.crs is None or units.crs.to_epsg() != 4326:
        raise InputError(
            _("units must be in EPSG:4326; use units.to_crs('EPSG:4326')"), source="units"
        )
    nodes = gpd.GeoDataFrame(
        {"node_id": network.node_ids},
        geometry=gpd.points_from_xy(network.lon, network.lat),
        crs="EPSG:4326",
    )
    polys = units[[id_col, units.geometry.name]].rename(columns={id_col: "unit_id"})
    inside = gpd.sjoin(nodes, polys, how="inner", predicate="within")[["unit_id", "node_id"]]
    # a node on a shared boundary may fall in two units: keep it in the first only
    inside = inside.drop_duplicates("node_id")
    inside = inside.assign(snap_dist_m=0.0, how="inside")
    counts = inside.groupby("unit_id")["node_id"].transform("size")
    inside["weight"] = 1.0 / counts
    missing = units.loc[~units[id_col].isin(inside["unit_id"]), [id_col, units.geometry.name]]
    fallback = pd.DataFrame(columns=["unit_id", "node_id", "snap_dist_m", "how", "weight"])
    off = pd.DataFrame({"unit_id": pd.Series(dtype=object), "snap_dist_m": pd.Series(dtype=float)})
    if len(missing):
        rep = missing.geometry.representative_point()
        node, dist, ok = snap_points(
            network, rep.x.to_numpy(), rep.y.to_numpy(), max_snap_m=max_snap_m
        )
        fallback = pd.DataFrame(
            {
                "unit_id": missing[id_col].to_numpy()[ok],
                "node_id": node[ok].to_numpy(dtype=np.int64),
                "snap_dist_m": dist[ok],
                "how": "nearest",
                "weight": 1.0,
            }
        )
        off = pd.DataFrame({"unit_id": missing[id_col].to_numpy()[~ok], "snap_dist_m": dist[~ok]})
    off["why"] = [
        f"nearest road node {d:,.0f} m away (limit {max_snap_m:,.0f} m)" for d in off["snap_dist_m"]
    ]
    cover = _coverage(network, units, id_col)
    if min_coverage > 0:
        low = cover[(cover["coverage"] < min_coverage) & ~cover["unit_id"].isin(off["unit_id"])]
        if len(low):
            low_ids = set(low["unit_id"])
            inside = inside[~inside["unit_id"].isin(low_ids)]
            fallback = fallback[~fallback["unit_id"].isin(low_ids)]
            extra = pd.DataFrame(
                {
                    "unit_id": low["unit_id"].to_numpy(),
                    "snap_dist_m": 0.0,
                    "why": [
                        f"only {c:.0%} of its area lies inside the road network's extent"
                        for c in low["coverage"]
                    ],
                }
            )
            off = pd.concat([off, extra], ignore_index=True)
    off = off.merge(cover, on="unit_id", how="left")
    origins = pd.concat([inside, fallback], ignore_index=True)[
        ["unit_id", "node_id", "weight", "snap_dist_m", "how"]
    ]
    origins["node_id"] = origins["node_id"].astype(np.int64)
    if len(off):
        logger.info(
            "%s network: %d of %d units are off the network (nearest node > %.0f m)",
            network.mode,
            len(off),
            len(units),
            max_snap_m,
        )
    return SnapResult(
        origins=origins.reset_index(drop=True),
        off_network=off.reset_index(drop=True),
        coverage=cover,
    )


def _coverage(network: RoadNetwork, units: gpd.GeoDataFrame, id_col: str) -> pd.DataFrame:
    """Share of each unit's area inside the network's extent."""
    import shapely

    projected = units.geometry.to_crs(network.crs).to_numpy()
    area = shapely.area(projected)
    inside = shapely.area(shapely.intersection(projected, network.footprint()))
    share = np.where(area > 0, inside / np.where(area > 0, area, 1), 1.0)
    return pd.DataFrame({"unit_id": units[id_col].to_numpy(), "coverage": np.clip(share, 0, 1)})


def snap_sites(
    network: RoadNetwork,
    sites: gpd.GeoDataFrame,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    id_col: str = "site_id",
) -> pd.DataFrame:
    """Snap point sites to their nearest network node.

    Returns
    -------
    pandas.DataFrame
        ``site_id, node_id, snap_dist_m, on_network``; ``on_network`` is False when the nearest
        node is farther than ``max_snap_m`` (the site is then left out of travel times).
    """
    _check_max(max_snap_m)
    if sites.crs is None or sites.crs.to_epsg() != 4326:
        raise InputError(
            _("sites must be in EPSG:4326; use sites.to_crs('EPSG:4326')"), source="sites"
        )
    node, dist, on = snap_points(
        network, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(), max_snap_m=max_snap_m
    )
    out = pd.DataFrame(
        {
            "site_id": sites[id_col].to_numpy(),
            "node_id": node.to_numpy(dtype=np.int64),
            "snap_dist_m": dist,
            "on_network": on,
        }
    )
    n_off = int((~out["on_network"]).sum())
    if n_off:
        first = ", ".join(str(x) for x in out.loc[~out["on_network"], "site_id"].head(3))
        warn(
            OffNetworkWarning,
            _(
                "{mode} network: {off} of {total} sites are off the network "
                "(> {max_snap_m} m from a node, e.g. {examples}) and are left out of travel "
                "times; raise max_snap_m if they should count"
            ).format(
                mode=network.mode,
                off=n_off,
                total=len(out),
                max_snap_m=f"{max_snap_m:.0f}",
                examples=first,
            ),
            logger=logger,
        )
    return out
