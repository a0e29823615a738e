"""Many-to-many travel times on a road network, with scipy's compiled Dijkstra.

The result is a long origin-destination table ``origin_id, dest_id, travel_time_s, dist_m``:
the format shared by accessibility, siting and routing. ``dist_m`` is the length of the
*fastest* path (not the shortest one). Pairs that are unreachable or beyond the cutoff are
absent, never ``inf`` rows.

How it is fast: one :func:`scipy.sparse.csgraph.dijkstra` call per chunk of source nodes
(C code, pruned at the cutoff), from whichever side has fewer distinct nodes (destinations
run on the reversed graph); path lengths come from the predecessor trees by pointer
jumping (``log2(depth)`` vectorised numpy steps), not by walking paths in Python.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from geo_outreach.domain import Progress
from geo_outreach.errors import InputError
from geo_outreach.i18n import _
from geo_outreach.network.graph import RoadNetwork
from geo_outreach.network.sweeps import (
    COMPLETE,
    EXCLUDED,
    UNDECIDED,
    SweepInputs,
    SweepResult,
    have_numba,
    site_sweeps,
)

__all__ = [
    "OD_COLUMNS",
    "AccessTables",
    "Path",
    "access_tables",
    "merge_results",
    "od_table",
    "route_geometry",
    "route_path",
    "sweep_inputs",
    "unit_site_od",
]

logger = logging.getLogger(__name__)

OD_COLUMNS = ["origin_id", "dest_id", "travel_time_s", "dist_m"]
_CHUNK_CELLS = 4_000_000  # source rows x nodes per Dijkstra chunk (~32 MB per float matrix)


def _as_points(points: pd.DataFrame | pd.Series, what: str) -> pd.DataFrame:
    """Normalise ``{id: node}`` input to a frame ``id, node_id``."""
    if isinstance(points, pd.Series):
        frame = pd.DataFrame({"id": points.index.astype(str), "node_id": points.to_numpy()})
    else:
        cols = list(points.columns)
        if "node_id" not in cols:
            raise InputError(
                _("{what} table needs a node_id column; it has {columns}").format(
                    what=what, columns=cols
                ),
                source=what,
            )
        id_col = next(
            (c for c in ("id", "unit_id", "site_id", "origin_id", "dest_id") if c in cols), None
        )
        if id_col is None:
            raise InputError(
                _(
                    "{what} table needs an id column (id, unit_id or site_id); it has {columns}"
                ).format(what=what, columns=cols),
                source=what,
            )
        frame = pd.DataFrame(
            {"id": points[id_col].astype(str).to_numpy(), "node_id": points["node_id"].to_numpy()}
        )
    return frame


class _Edges:
    """Sorted edge keys ``u * n + v`` of a CSR matrix, for vectorised edge-length lookups."""

    def __init__(self, time_s: sp.csr_matrix, dist_m: sp.csr_matrix) -> None:
        n = time_s.shape[0]
        coo = time_s.tocoo()
        keys = coo.row.astype(np.int64) * n + coo.col.astype(np.int64)
        order = np.argsort(keys)
        self.n = n
        self.keys = keys[order]
        dist = dist_m.tocoo()
        dkeys = dist.row.astype(np.int64) * n + dist.col.astype(np.int64)
        dorder = np.argsort(dkeys)
        if not np.array_equal(dkeys[dorder], self.keys):
            raise AssertionError("time and distance matrices must share their structure")
        self.dist = dist.data[dorder]

    def length(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.keys, u * self.n + v)
        return self.dist[pos]


def _tree_lengths(pred: np.ndarray, edges: _Edges, *, reverse: bool) -> np.ndarray:
    """Length of every tree path to its root, from a predecessor matrix (rows = trees)."""
    rows, n = pred.shape
    cols = np.broadcast_to(np.arange(n, dtype=np.int64), (rows, n))
    has = pred >= 0
    parent = np.where(has, pred, cols).astype(np.int64)
    length = np.zeros(pred.shape, dtype=float)
    child = cols[has]
    # tree edge parent -> child; on the reversed graph it is child -> parent in the network
    u, v = (child, parent[has]) if reverse else (parent[has], child)
    length[has] = edges.length(u, v)
    # pointer jumping: after k steps each node knows the length of its first 2**k edges
    while True:
        grand = np.take_along_axis(parent, parent, axis=1)
        if np.array_equal(grand, parent):
            break
        length = length + np.take_along_axis(length, parent, axis=1)
        parent = grand
    return length


def od_table(
    network: RoadNetwork,
    origins: pd.DataFrame | pd.Series,
    destinations: pd.DataFrame | pd.Series,
    *,
    cutoff_s: float | None = None,
    with_distance: bool = True,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Travel times from every origin to every destination.

    Parameters
    ----------
    network
        Network of the travel mode.
    origins, destinations
        Either a Series ``{id: node_id}`` or a DataFrame with an id column (``id``,
        ``unit_id`` or ``site_id``) and ``node_id``. Several ids may share a node.
    cutoff_s
        Leave out pairs slower than this (seconds); also prunes the search.
    with_distance
        Add ``dist_m``, the length of the fastest path.
    progress
        Called as ``progress("travel times", done, total)`` after each chunk of searches.

    Returns
    -------
    pandas.DataFrame
        ``origin_id, dest_id, travel_time_s, dist_m`` (float seconds / metres).
    """
    if cutoff_s is not None and not (np.isfinite(cutoff_s) and cutoff_s > 0):
        raise InputError(
            _("cutoff must be a positive number of seconds, got {got}").format(got=repr(cutoff_s)),
            source="cutoff_s",
        )
    orig = _as_points(origins, "origins")
    dest = _as_points(destinations, "destinations")
    try:
        orig["pos"] = network.index_of(orig["node_id"])
        dest["pos"] = network.index_of(dest["node_id"])
    except KeyError as exc:
        raise InputError(
            _(
                "node {node} is not in the {mode} network; snap points "
                "with geo_outreach.network.snap first"
            ).format(node=exc.args[0], mode=network.mode),
            source="node_id",
        ) from exc
    if orig.empty or dest.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c.endswith("_id") else float) for c in OD_COLUMNS}
        )
    o_nodes = np.unique(orig["pos"].to_numpy())
    d_nodes = np.unique(dest["pos"].to_numpy())
    reverse = d_nodes.size < o_nodes.size
    src, tgt = (d_nodes, o_nodes) if reverse else (o_nodes, d_nodes)
    graph = network.time_s.T.tocsr() if reverse else network.time_s
    edges = _Edges(network.time_s, network.dist_m) if with_distance else None
    chunk = max(1, min(src.size, _CHUNK_CELLS // max(network.n_nodes, 1)))
    limit = np.inf if cutoff_s is None else float(cutoff_s)
    # keep only reachable pairs chunk by chunk: memory grows with the answer, not with
    # (sources x targets)
    parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, src.size, chunk):
        idx = src[start : start + chunk]
        if with_distance:
            t, pred = dijkstra(
                graph, directed=True, indices=idx, limit=limit, return_predecessors=True
            )
            assert edges is not None
            lengths = _tree_lengths(pred, edges, reverse=reverse)[:, tgt]
        else:
            t = dijkstra(graph, directed=True, indices=idx, limit=limit)
        sub = t[:, tgt]
        rows, cols = np.nonzero(np.isfinite(sub) & (sub <= limit))
        dist = lengths[rows, cols] if with_distance else np.full(rows.size, np.nan)
        parts.append((idx[rows], tgt[cols], sub[rows, cols], dist))
        if progress is not None:
            progress("travel times", min(start + chunk, src.size), src.size)
    s_pos, t_pos, tt, dd = (np.concatenate(col) for col in zip(*parts, strict=True))
    o_pos, d_pos = (t_pos, s_pos) if reverse else (s_pos, t_pos)
    pairs = pd.DataFrame({"o_pos": o_pos, "d_pos": d_pos, "travel_time_s": tt, "dist_m": dd})
    # node pairs -> id pairs (several ids may share a node), in input order
    o_ids = pd.DataFrame(
        {
            "o_pos": orig["pos"].to_numpy(),
            "origin_id": orig["id"].to_numpy(),
            "o_row": np.arange(len(orig)),
        }
    )
    d_ids = pd.DataFrame(
        {
            "d_pos": dest["pos"].to_numpy(),
            "dest_id": dest["id"].to_numpy(),
            "d_row": np.arange(len(dest)),
        }
    )
    out = pairs.merge(o_ids, on="o_pos").merge(d_ids, on="d_pos")
    out = out.sort_values(["o_row", "d_row"], kind="stable")
    return out[OD_COLUMNS].reset_index(drop=True)


def unit_site_od(
    network: RoadNetwork,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    cutoff_s: float | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Unit-to-site table: mean travel time over each unit's origin nodes.

    Parameters
    ----------
    origins
        ``unit_id, node_id, weight`` (from :func:`geo_outreach.network.snap.unit_origins`).
    sites
        ``site_id, node_id`` (on-network sites only).

    Returns
    -------
    pandas.DataFrame
        ``origin_id`` (= unit id), ``dest_id`` (= site id), ``travel_time_s`` and ``dist_m``
        (weighted means over the unit's origins), ``reach_share`` (weight of origins that reach
        the site within the cutoff). A pair appears only when every origin reaches the site
        within the cutoff, so its mean is complete.
    """
    nodes = origins[["node_id"]].drop_duplicates()
    node_points = pd.DataFrame({"id": nodes["node_id"].astype(str), "node_id": nodes["node_id"]})
    od = od_table(
        network, node_points, sites[["site_id", "node_id"]], cutoff_s=cutoff_s, progress=progress
    )
    od["node_id"] = od["origin_id"].astype(np.int64)
    merged = origins[["unit_id", "node_id", "weight"]].merge(od, on="node_id")
    merged["wt"] = merged["travel_time_s"] * merged["weight"]
    merged["wd"] = merged["dist_m"] * merged["weight"]
    agg = (
        merged.groupby(["unit_id", "dest_id"], sort=False)
        .agg(reach_share=("weight", "sum"), wt=("wt", "sum"), wd=("wd", "sum"))
        .reset_index()
    )
    complete = agg["reach_share"] > 1 - 1e-9
    agg = agg[complete]
    return pd.DataFrame(
        {
            "origin_id": agg["unit_id"].to_numpy(),
            "dest_id": agg["dest_id"].to_numpy(),
            "travel_time_s": agg["wt"].to_numpy(),
            "dist_m": agg["wd"].to_numpy(),
            "reach_share": np.minimum(agg["reach_share"].to_numpy(), 1.0),
        }
    )


@dataclass(frozen=True)
class Path:
    """A fastest path: its nodes, road geometry, time and length."""

    nodes: list[int]
    geometry: LineString
    travel_time_s: float
    dist_m: float


def _edge_geometry(network: RoadNetwork, u: int, v: int) -> list[tuple[float, float]]:
    data = network.graph.get_edge_data(u, v)
    best = min(data.values(), key=lambda d: d["travel_time"])
    if "geometry" in best:
        return list(best["geometry"].coords)
    g = network.graph.nodes
    return [(g[u]["x"], g[u]["y"]), (g[v]["x"], g[v]["y"])]


def route_path(
    network: RoadNetwork, from_node: int, to_node: int, *, limit_s: float | None = None
) -> Path:
    """Fastest path between two nodes, with its road geometry.

    Parameters
    ----------
    limit_s
        The path's travel time when it is known already (e.g. from a travel-time matrix):
        the search then stops just beyond it instead of covering the whole network.  A
        limit that turns out too small costs a second, unlimited search, never a wrong path.

    Raises
    ------
    InputError
        When a node is not in the network or the target cannot be reached.
    """
    s, t = network.index_of([from_node, to_node])
    times = pred = None
    if limit_s is not None and math.isfinite(limit_s) and limit_s >= 0:
        times, pred = dijkstra(
            network.time_s,
            directed=True,
            indices=int(s),
            return_predecessors=True,
            limit=float(limit_s) * 1.001 + 1.0,
        )
    if times is None or not np.isfinite(times[t]):
        times, pred = dijkstra(
            network.time_s, directed=True, indices=int(s), return_predecessors=True
        )
    if not np.isfinite(times[t]):
        raise InputError(
            _("node {to_node} cannot be reached from {from_node} on the {mode} network").format(
                to_node=to_node, from_node=from_node, mode=network.mode
            ),
            source="to_node",
        )
    chain = [int(t)]
    while chain[-1] != s:
        chain.append(int(pred[chain[-1]]))
    chain.reverse()
    nodes = [int(network.node_ids[i]) for i in chain]
    coords: list[tuple[float, float]] = []
    dist = 0.0
    for a, b, ia, ib in zip(nodes[:-1], nodes[1:], chain[:-1], chain[1:], strict=True):
        seg = _edge_geometry(network, a, b)
        coords.extend(seg if not coords else seg[1:])
        dist += float(network.dist_m[ia, ib])
    if len(coords) < 2:
        x, y = network.lon[s], network.lat[s]
        coords = [(x, y), (x, y)]
    return Path(
        nodes=nodes, geometry=LineString(coords), travel_time_s=float(times[t]), dist_m=dist
    )


def route_geometry(
    network: RoadNetwork,
    node_sequence: list[int],
    *,
    leg_times_s: Sequence[float] | None = None,
) -> LineString:
    """Road geometry of a route through ``node_sequence`` (consecutive fastest paths).

    ``leg_times_s`` (one per consecutive pair, when known from the travel-time matrix)
    bound each search to its leg (see :func:`route_path`).
    """
    coords: list[tuple[float, float]] = []
    legs = list(itertools.pairwise(node_sequence))
    limits = list(leg_times_s) if leg_times_s is not None else [None] * len(legs)
    if len(limits) != len(legs):
        raise InputError(_("leg_times_s needs one time per leg"), parameter="leg_times_s")
    for (a, b), limit in zip(legs, limits, strict=True):
        if a == b:
            continue
        seg = list(route_path(network, a, b, limit_s=limit).geometry.coords)
        coords.extend(seg if not coords else seg[1:])
    if len(coords) < 2:
        i = network.index_of(node_sequence[:1])[0]
        coords = [(network.lon[i], network.lat[i])] * 2
    return LineString(coords)


@dataclass(frozen=True)
class AccessTables:
    """What the accessibility analysis needs, computed from the sites' side.

    Attributes
    ----------
    nearest_od
        Node-level OD (``origin_id`` = origin node id as text, ``dest_id`` = site id) holding,
        for each origin node and category, its fastest site within the cutoff (every site of
        the category at that node) with ``travel_time_s``, and ``dist_m`` = the shortest road
        distance from the node to any site of the category (which may lead to another site).
    counts
        ``unit_id, category, n_within``: number of sites of the category within ``within_s``,
        weighted mean over the unit's origins (0 is a real zero; units without origins absent).
    unit_od
        Unit-level OD (``origin_id`` = unit id): weighted mean time over the unit's origins for
        pairs that every origin reaches within the cutoff, and ``share_reaching``; ``dist_m``
        is not computed here (NaN).
    """

    nearest_od: pd.DataFrame
    counts: pd.DataFrame
    unit_od: pd.DataFrame


def _nearest_of(
    graph: sp.csr_matrix, sources: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-source Dijkstra: time to the nearest source and which source, for every node."""
    dist, _, src = dijkstra(
        graph, directed=True, indices=sources, limit=limit, min_only=True, return_predecessors=True
    )
    return dist, src


#: When set, the first searches for unit means stop at this multiple of the largest mean in
#: use, and a site whose pairs are still undecided is searched again up to the cutoff. ``None``
#: (the default): each search runs until every unit is decided (the early stop of
#: :mod:`geo_outreach.network.sweeps`), which needs no second search.
BOUND_MARGIN: float | None = None
#: Site nodes per task of a Dask run (see :mod:`geo_outreach.network.cluster`).
SITES_PER_TASK = 256

Engine = Literal["auto", "numba", "scipy"]


def sweep_inputs(network: RoadNetwork, o_pos: np.ndarray, weights: sp.csr_matrix) -> SweepInputs:
    """Arrays of a sweep: the reversed time graph, origin slot nodes, unit weights."""
    graph_t = network.time_s.T.tocsr()
    graph_t.sort_indices()
    node_slot = np.full(network.n_nodes, -1, dtype=np.int64)
    node_slot[o_pos] = np.arange(o_pos.size)
    by_slot = weights.T.tocsr()
    return SweepInputs(
        indptr=graph_t.indptr.astype(np.int64),
        indices=graph_t.indices.astype(np.int64),
        data=graph_t.data.astype(np.float64),
        slot_node=np.ascontiguousarray(o_pos, dtype=np.int64),
        w_indptr=weights.indptr.astype(np.int64),
        w_slot=weights.indices.astype(np.int64),
        w_val=weights.data.astype(np.float64),
        node_slot=node_slot,
        t_ptr=by_slot.indptr.astype(np.int64),
        t_unit=by_slot.indices.astype(np.int64),
        t_w=by_slot.data.astype(np.float64),
    )


def _local_runner(
    inputs: SweepInputs, sources: np.ndarray, per_node: np.ndarray, **kw: Any
) -> SweepResult:
    return site_sweeps(inputs, sources, per_node, **kw)


def _sweep_scipy(
    graph_t: sp.csr_matrix,
    s_nodes: np.ndarray,
    per_node: np.ndarray,
    o_pos: np.ndarray,
    weights: sp.csr_matrix,
    *,
    within_s: float,
    cutoff_s: float,
    n_nodes: int,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The dense engine (one scipy Dijkstra row per site node); kept as the reference."""
    count = np.zeros((per_node.shape[1], o_pos.size))
    n_units = weights.shape[0]
    status = np.zeros((s_nodes.size, n_units), dtype=np.int8)
    wt_all = np.zeros((s_nodes.size, n_units))
    share_all = np.zeros((s_nodes.size, n_units))
    chunk = max(1, min(s_nodes.size, _CHUNK_CELLS // max(n_nodes, 1)))
    for start in range(0, s_nodes.size, chunk):
        idx = s_nodes[start : start + chunk]
        sub = dijkstra(graph_t, directed=True, indices=idx, limit=float(cutoff_s))[:, o_pos]
        reach = np.isfinite(sub) & (sub <= cutoff_s)
        count += per_node[start : start + idx.size].T @ (reach & (sub <= within_s))
        share = np.asarray(weights @ reach.T.astype(float))  # units x chunk
        wt = np.asarray(weights @ np.where(reach, sub, 0.0).T)
        rows = slice(start, start + idx.size)
        share_all[rows] = share.T
        wt_all[rows] = wt.T
        status[rows] = np.where(share.T > 1 - 1e-9, COMPLETE, EXCLUDED)
        if progress is not None:
            progress("travel times", min(start + chunk, s_nodes.size), s_nodes.size)
    return status, wt_all, share_all, count


def access_tables(
    network: RoadNetwork,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    within_s: float,
    cutoff_s: float,
    max_mean_s: float | None = None,
    engine: Engine = "auto",
    cluster: Any = None,
    progress: Progress | None = None,
) -> AccessTables:
    """Travel times for accessibility, with memory bounded by nodes + units x sites.

    * nearest site per category: one multi-source Dijkstra per category on the reversed graph
      (exact fastest time and which site), and one on road lengths (shortest distance);
    * counts within ``within_s`` and unit means: one bounded search per site node, reduced at
      once to per-node counts and per-unit sums (:mod:`geo_outreach.network.sweeps`). No table of
      every origin node x every site is built, so a 200k-node region fits in memory even when
      every node reaches every site.

    Parameters
    ----------
    origins
        ``unit_id, node_id, weight`` (weights sum to 1 per unit).
    sites
        ``site_id, node_id, category`` (on-network sites).
    within_s
        Count sites up to this time (seconds); must not exceed ``cutoff_s``.
    cutoff_s
        Searches stop here; farther sites count as unreachable.
    max_mean_s
        Only unit pairs with a mean up to this time are needed (the largest floating catchment
        in use). Each search from a site then stops as soon as every unit is decided: all its
        origins reached, or a mean above ``max_mean_s`` even if every origin not yet reached
        were exactly at the search radius. (A site left undecided by rounding is searched
        again up to ``cutoff_s``.) The pairs kept are exactly those of the full search with a
        mean ``<= max_mean_s`` (plus rounding slack); ``None`` keeps every complete pair.
    engine
        ``"numba"`` (compiled bounded searches), ``"scipy"`` (one dense Dijkstra row per site,
        the previous engine, kept as a reference) or ``"auto"`` (numba when installed).
    cluster
        A ``dask.distributed.Client`` (or anything :func:`geo_outreach.network.cluster.connect`
        accepts: ``"local:N"``, ``"tcp://HOST:PORT"``) to spread the searches over; the result
        is the same as on one machine.
    progress
        Called as ``progress("travel times", done, total)`` with site nodes searched.
    """
    if not 0 < within_s <= cutoff_s:
        raise InputError(_("within_s must be > 0 and <= cutoff_s"), source="within_s")
    if max_mean_s is not None and not max_mean_s > 0:
        raise InputError(_("max_mean_s must be > 0"), source="max_mean_s")
    if engine not in ("auto", "numba", "scipy"):
        raise InputError(
            _("engine must be auto, numba or scipy, got {got}").format(got=repr(engine)),
            source="engine",
        )
    if engine == "auto":
        engine = "numba" if have_numba() else "scipy"
    if engine == "numba" and not have_numba():
        raise InputError(_("engine='numba' needs numba: pip install numba"), source="engine")
    if cluster is not None and engine == "scipy":
        raise InputError(_("a cluster run needs the numba engine"), source="cluster")
    empty = pd.DataFrame(
        {c: pd.Series(dtype=object if c.endswith("_id") else float) for c in OD_COLUMNS}
    )
    no_counts = pd.DataFrame(
        {
            "unit_id": pd.Series(dtype=object),
            "category": pd.Series(dtype=object),
            "n_within": pd.Series(dtype=float),
        }
    )
    if origins.empty or sites.empty:
        return AccessTables(
            nearest_od=empty,
            counts=no_counts,
            unit_od=empty.assign(share_reaching=pd.Series(dtype=float)),
        )
    o_nodes = np.unique(origins["node_id"].to_numpy(np.int64))
    o_pos = network.index_of(o_nodes)
    site_pos = network.index_of(sites["node_id"].to_numpy(np.int64))
    site_cat = sites["category"].astype(str).to_numpy()
    s_nodes = np.unique(site_pos)
    cats = sorted(set(site_cat))
    graph_t = network.time_s.T.tocsr()
    graph_d = network.dist_m.T.tocsr()
    site_ids = pd.DataFrame(
        {"s_pos": site_pos, "dest_id": sites["site_id"].astype(str).to_numpy(), "_cat": site_cat}
    )
    # nearest per category
    parts = []
    for cat in cats:
        src = np.unique(site_pos[site_cat == cat])
        t, which = _nearest_of(graph_t, src, float(cutoff_s))
        d, _nearest = _nearest_of(graph_d, src, np.inf)
        t_o, w_o, d_o = t[o_pos], which[o_pos], d[o_pos]
        ok = np.isfinite(t_o) & (t_o <= cutoff_s)
        parts.append(
            pd.DataFrame(
                {
                    "s_pos": w_o[ok],
                    "_cat": cat,
                    "origin_id": o_nodes[ok].astype(str),
                    "travel_time_s": t_o[ok],
                    "dist_m": d_o[ok],
                }
            )
        )
    nearest = pd.concat(parts, ignore_index=True).merge(site_ids, on=["s_pos", "_cat"])
    # counts within `within_s` and unit means, one bounded search per site node
    per_node = np.zeros((s_nodes.size, len(cats)))
    np.add.at(per_node, (np.searchsorted(s_nodes, site_pos), np.searchsorted(cats, site_cat)), 1.0)
    n_o = o_nodes.size
    unit_ids, unit_idx = np.unique(origins["unit_id"].astype(str).to_numpy(), return_inverse=True)
    col = np.searchsorted(o_nodes, origins["node_id"].to_numpy(np.int64))
    weights = sp.csr_matrix(
        (origins["weight"].to_numpy(float), (unit_idx, col)), shape=(unit_ids.size, n_o)
    )
    if engine == "scipy":
        status, wt, share, count = _sweep_scipy(
            graph_t,
            s_nodes,
            per_node,
            o_pos,
            weights,
            within_s=within_s,
            cutoff_s=cutoff_s,
            n_nodes=network.n_nodes,
            progress=progress,
        )
    else:
        status, wt, share, count = _sweep_numba(
            sweep_inputs(network, o_pos, weights),
            s_nodes,
            per_node,
            within_s=within_s,
            cutoff_s=cutoff_s,
            max_mean_s=max_mean_s,
            cluster=cluster,
            progress=progress,
        )
    unit_count = np.asarray(weights @ count.T)  # units x categories
    counts = pd.DataFrame(
        {
            "unit_id": np.repeat(unit_ids, len(cats)),
            "category": np.tile(np.asarray(cats, dtype=object), unit_ids.size),
            "n_within": unit_count.ravel(),
        }
    )
    keep = status == COMPLETE
    if max_mean_s is not None:  # the scipy engine keeps every complete pair: same filter
        keep &= wt <= float(max_mean_s) * (1 + 1e-9) + 1e-6
    s_i, u_i = np.nonzero(keep)  # site node, then unit: independent of how work was split
    unit_pairs = pd.DataFrame(
        {
            "s_pos": s_nodes[s_i],
            "origin_id": unit_ids[u_i],
            "travel_time_s": wt[s_i, u_i],
            "dist_m": np.nan,
            "share_reaching": np.minimum(share[s_i, u_i], 1.0),
        }
    )
    unit_od = unit_pairs.merge(site_ids.drop(columns="_cat"), on="s_pos")
    return AccessTables(
        nearest_od=nearest[OD_COLUMNS].reset_index(drop=True),
        counts=counts,
        unit_od=unit_od[[*OD_COLUMNS, "share_reaching"]].reset_index(drop=True),
    )


def _sweep_numba(
    inputs: SweepInputs,
    s_nodes: np.ndarray,
    per_node: np.ndarray,
    *,
    within_s: float,
    cutoff_s: float,
    max_mean_s: float | None,
    cluster: Any,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bounded searches, then the undecided sites again up to the cutoff."""
    bound = float(cutoff_s)
    if max_mean_s is not None and BOUND_MARGIN is not None:
        bound = min(float(cutoff_s), max(float(within_s), BOUND_MARGIN * float(max_mean_s)))
    kw = {"within_s": within_s, "cutoff_s": cutoff_s, "max_mean_s": max_mean_s}
    if cluster is None:
        runner = functools.partial(_local_runner, inputs)
        return _two_passes(runner, s_nodes, per_node, kw, bound, progress)
    from geo_outreach.network.cluster import ClusterRunner, connect

    with connect(cluster) as client:
        return _two_passes(ClusterRunner(client, inputs), s_nodes, per_node, kw, bound, progress)


def _two_passes(
    runner: Any,
    s_nodes: np.ndarray,
    per_node: np.ndarray,
    kw: dict[str, Any],
    bound: float,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    first = _run_chunks(runner, s_nodes, per_node, dict(kw, bound_s=bound), progress)
    status, wt, share = first.status, first.wt, first.share
    assert first.counts is not None
    again = np.flatnonzero((status == UNDECIDED).any(axis=1))
    if again.size:
        logger.info(
            "%d of %d site searches reach beyond %.0f s for some unit; searching them to %.0f s",
            again.size,
            s_nodes.size,
            bound,
            kw["cutoff_s"],
        )
        second = _run_chunks(runner, s_nodes[again], per_node[again], dict(kw, counts=False), None)
        status[again], wt[again], share[again] = second.status, second.wt, second.share
    return status, wt, share, first.counts


def _run_chunks(
    runner: Any,
    s_nodes: np.ndarray,
    per_node: np.ndarray,
    kw: dict[str, Any],
    progress: Progress | None,
) -> SweepResult:
    """Search in chunks (for progress reports and bounded memory); rows in site order."""
    if hasattr(runner, "map_chunks"):  # a cluster takes every chunk at once
        return runner.map_chunks(s_nodes, per_node, kw)
    step = max(SITES_PER_TASK, 1)
    results = []
    for start in range(0, s_nodes.size, step):
        sl = slice(start, start + step)
        results.append(runner(s_nodes[sl], per_node[sl], **kw))
        if progress is not None:
            progress("travel times", min(start + step, s_nodes.size), s_nodes.size)
    return merge_results(results)


def merge_results(results: list[SweepResult]) -> SweepResult:
    """Rows of chunks, in the order given; counts summed (integer-valued, so exact)."""
    counts = None
    if results[0].counts is not None:
        counts = np.sum([r.counts for r in results], axis=0)
    return SweepResult(
        status=np.concatenate([r.status for r in results]),
        wt=np.concatenate([r.wt for r in results]),
        share=np.concatenate([r.share for r in results]),
        counts=counts,
    )
