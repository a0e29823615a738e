"""Where a visit is when it has no address: the nearest named street or crossing.

A plan's visit without an address of its own is described from the region's OSM road data
(the ``name`` of the drive network's edges, :func:`geo_outreach.present.exports.road_edges`):
"near SE Division St & SE 82nd Ave" when the point is near a crossing of two named streets,
"near SE Division St" otherwise.  :func:`geo_outreach.team.plans.store_plan` stores these
with the plan, so ``plans show``, My day, the route sheet and the calendar say the same.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["StreetIndex", "region_streets", "street_addresses"]

logger = logging.getLogger(__name__)

_M_PER_DEG_LAT = 110_540.0
_M_PER_DEG_LON_EQ = 111_320.0


def _name(v: Any) -> str:
    """An OSM ``name`` as one string (osmnx keeps a list where it merged ways)."""
    if isinstance(v, list | tuple | np.ndarray):
        v = next((x for x in v if isinstance(x, str) and x.strip()), "")
    if not isinstance(v, str):
        return ""
    return v.strip()


class StreetIndex:
    """Named road edges in a local metric frame, for :meth:`describe`.

    Parameters
    ----------
    edges
        Road edges with ``name`` and ``geometry`` in EPSG:4326 (lines).
    max_dist_m
        Farther than this from every named street: no description.
    crossing_m
        A second street counts as a crossing when it meets the nearest street and passes
        within this distance of the point.
    """

    def __init__(self, edges: Any, *, max_dist_m: float = 400.0, crossing_m: float = 120.0):
        import shapely

        if edges is None or len(edges) == 0 or "name" not in edges:
            names = pd.Series([], dtype=str)
            geoms = np.array([], dtype=object)
        else:
            names = edges["name"].map(_name)
            keep = (names != "").to_numpy()
            names = names[keep].reset_index(drop=True)
            geoms = np.asarray(edges.geometry.to_numpy()[keep], dtype=object)
        self.max_dist_m = float(max_dist_m)
        self.crossing_m = float(crossing_m)
        self.names = names.to_numpy(dtype=object)
        if len(geoms):
            b = shapely.total_bounds(geoms)
            self._lat0 = float((b[1] + b[3]) / 2)
        else:
            self._lat0 = 0.0
        self._kx = _M_PER_DEG_LON_EQ * math.cos(math.radians(self._lat0))
        self._geoms = shapely.transform(geoms, self._to_m) if len(geoms) else geoms
        self._tree = shapely.STRtree(self._geoms)

    def _to_m(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([xy[:, 0] * self._kx, xy[:, 1] * _M_PER_DEG_LAT])

    def __len__(self) -> int:
        return len(self.names)

    def describe(self, lon: float, lat: float) -> str | None:
        """ "near A & B" (a crossing), "near A" (a street), or None (no named street near).

        Parameters
        ----------
        lon, lat
            The point, WGS84 degrees.
        """
        import shapely

        if not len(self) or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        p = shapely.Point(lon * self._kx, lat * _M_PER_DEG_LAT)
        idx, dist = self._tree.query_nearest(p, return_distance=True, all_matches=False)
        if not len(idx) or float(dist[0]) > self.max_dist_m:
            return None
        first = self.names[int(idx[0])]
        reach = float(dist[0]) + self.crossing_m
        near = self._tree.query(p, predicate="dwithin", distance=reach)
        same = [int(i) for i in near if self.names[int(i)] == first]
        main = shapely.union_all(self._geoms[same]) if same else self._geoms[int(idx[0])]
        others = sorted(
            (float(shapely.distance(p, self._geoms[int(i)])), str(self.names[int(i)]), int(i))
            for i in near
            if self.names[int(i)] != first
        )
        for d, name, i in others:
            if d <= reach and float(shapely.distance(main, self._geoms[i])) < 1.0:
                return f"near {_order(first, name)}"
        return f"near {first}"


def _order(a: str, b: str) -> str:
    """Two street names, the one that is not a numbered avenue first ("X St & 82nd Ave")."""
    numbered = [any(ch.isdigit() for ch in n) for n in (a, b)]
    if numbered[0] and not numbered[1]:
        a, b = b, a
    return f"{a} & {b}"


def street_addresses(
    stops: pd.DataFrame, edges: Any, *, kinds: Iterable[str] = ("visit",)
) -> dict[str, str]:
    """Descriptions of the stops that have no address of their own, by ``visit_id``.

    Parameters
    ----------
    stops
        A plan's ``stops.csv`` rows (``visit_id``, ``kind``, ``address``, ``lon``, ``lat``).
    edges
        The region's road edges (``name``, ``geometry``; EPSG:4326), or a function that
        returns them (called only when a stop lacks an address, e.g. :func:`region_streets`).
    kinds
        Which rows to describe.

    Returns
    -------
    dict
        ``visit_id -> "near A & B"`` for each stop without an address that lies near a named
        street; stops with an address, or far from every named street, are left out.
    """
    if stops.empty:
        return {}
    addr = stops.get("address", pd.Series("", index=stops.index)).fillna("").astype(str)
    want = stops[stops["kind"].isin(list(kinds)) & (addr.str.strip() == "")]
    if want.empty:
        return {}
    if callable(edges):
        edges = edges()
    if edges is None:
        return {}
    index = StreetIndex(edges)
    out: dict[str, str] = {}
    for r in want.itertuples(index=False):
        vid = str(r.visit_id)
        if vid in out:
            continue
        try:
            lon, lat = float(r.lon), float(r.lat)
        except (TypeError, ValueError):
            continue
        text = index.describe(lon, lat)
        if text:
            out[vid] = text
    logger.info("described %d of %d stops without an address by street", len(out), len(want))
    return out


def region_streets(region: Any = None) -> Any:
    """A function giving the named road edges of ``region``'s drive network (or None).

    For ``streets=`` of :func:`geo_outreach.team.plans.store_plan`: the network is loaded
    (from the cache) only when a stop needs it.  ``region``: a region folder, name or
    ``None`` (the demo region).  A region whose network cannot be loaded gives None (the
    stops are then described by coordinates) and logs why.
    """

    def _load() -> Any:
        from geo_outreach.data.region import load_region
        from geo_outreach.errors import GeoOutreachError
        from geo_outreach.network.graph import load_network
        from geo_outreach.present.exports import road_edges

        try:
            return road_edges(load_network(load_region(region), "drive"))
        except (GeoOutreachError, OSError, ValueError) as exc:
            logger.warning("no street names for addresses (region %s): %s", region, exc)
            return None

    return _load
