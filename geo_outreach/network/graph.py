"""Routable road networks per travel mode, built from OSM PBF or XML and cached on disk.

Steps of :func:`build_network`:

1. check the file is OSM: PBF (``.osm.pbf``) or XML (``.osm``, ``.osm.bz2``, ``.osm.gz``);
   empty files, HTML pages and other files get a clear error;
2. stream its ``highway`` ways with pyosmium (:func:`geo_outreach.data.osm.read_osm_ways`),
   clipped to the study area when a clip box is given (a region's units' extent plus
   ``[network] clip_buffer_m``, default 5 km), and build the unsimplified graph as
   :func:`osmnx.graph_from_xml` would (:func:`graph_from_ways`);
3. keep the ways of the mode's highway classes (:data:`~geo_outreach.network.speeds.DRIVE_HIGHWAYS`
   / :data:`~geo_outreach.network.speeds.WALK_HIGHWAYS`), dropping ways without a ``highway``
   tag, ``area=yes``, ``access=private|no`` and mode-specific bans (``motor_vehicle=no``,
   ``foot=no``); on foot every way is two-way;
4. speed and travel time per edge from :class:`~geo_outreach.network.speeds.SpeedTable`;
5. simplify (osmnx) and keep the largest strongly connected component, reporting what was
   dropped;
6. compile CSR matrices (travel time and length of the fastest parallel edge) for
   :mod:`geo_outreach.network.traveltime`.

Built networks are cached under a key that hashes the OSM file's bytes, the mode, the speed
table, the clip box and :data:`CACHE_VERSION`, as two files:

* ``network-{mode}-{key}.npz``: the routable network as plain arrays (node table: OSM ids,
  lon/lat, projected x/y; the two CSR matrices; the footprint polygon as WKB; the summary).
  Reading it is a few array copies (about 0.3 s for 200k nodes), so the analysis, snapping and
  travel times of a large region never build a networkx graph;
* ``network-{mode}-{key}.graph.pkl``: the osmnx graph (edge geometries, names, highway tags),
  unpickled only when a caller first reads ``RoadNetwork.graph`` (route geometry, road
  layers for maps, siting candidates).

A cached load skips steps 2-6.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import pickle
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo_outreach import config
from geo_outreach.data.osm import OSMWays, read_osm_ways, sniff_osm
from geo_outreach.domain import MODES, Mode
from geo_outreach.errors import InputError, NetworkError
from geo_outreach.files import atomic_file
from geo_outreach.i18n import _
from geo_outreach.network.speeds import DRIVE_HIGHWAYS, WALK_HIGHWAYS, SpeedTable

if TYPE_CHECKING:
    import networkx as nx

    from geo_outreach.data.region import Region

__all__ = [
    "CACHE_VERSION",
    "MODES",
    "Mode",
    "RoadNetwork",
    "build_network",
    "check_osm_file",
    "load_network",
    "read_network_cache",
    "write_network_cache",
]

logger = logging.getLogger(__name__)

#: Bump when the build steps change so stale caches are rebuilt.
CACHE_VERSION = 9
#: Layout of the array file of a cached network (``.npz``).
ARRAY_FORMAT = 1
#: Without a known extract boundary, the data covers this far around each road (metres).
FOOTPRINT_M = 1000.0
#: ... between roads, but only this far beyond the outermost roads of the data (metres).
EXTENT_MARGIN_M = 150.0
#: Gaps between roads up to twice this wide count as inside the data (metres).
GAP_FILL_M = 2000.0

_EXTRA_WAY_TAGS = ("foot", "motor_vehicle", "motorcar", "vehicle")
#: Edge attributes kept after filtering (the rest only served the filter; dropping them keeps
#: cached networks small and fast to load).
_KEEP_EDGE_ATTRS = ("osmid", "highway", "name", "maxspeed", "oneway", "length")


@dataclass(eq=False)
class RoadNetwork:
    """A routable network for one travel mode.

    Attributes
    ----------
    mode
        ``"drive"`` or ``"walk"``.
    graph
        The osmnx MultiDiGraph (simplified, largest strongly connected component); edges
        carry ``length`` (m), ``speed_kph`` and ``travel_time`` (s). A network read from the
        cache is created with ``graph=None`` and a graph file: the graph is then unpickled on
        first access (:attr:`graph_loaded` tells whether that happened). Routing, snapping and
        the analysis only use the arrays below.
    node_ids
        OSM node ids, position ``i`` = row/column ``i`` of the matrices.
    lon, lat
        Node coordinates (EPSG:4326).
    xy
        Node coordinates in :attr:`crs` (a local UTM zone, metres), for snapping.
    time_s, dist_m
        CSR matrices: weight of the fastest edge ``i -> j`` and its length.
    summary
        Counts for reports: nodes, edges, dropped nodes/edges, source file, build seconds.
    """

    mode: Mode
    graph: nx.MultiDiGraph = field(repr=False)
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    xy: np.ndarray
    crs: str
    time_s: sp.csr_matrix
    dist_m: sp.csr_matrix
    summary: dict[str, Any] = field(default_factory=dict)
    _index: dict[int, int] | None = field(default=None, repr=False)
    _tree: Any = field(default=None, repr=False)
    _footprint: Any = field(default=None, repr=False)
    _graph_file: Path | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.graph is None:
            if self._graph_file is None:
                raise NetworkError(_("a RoadNetwork needs a graph or a graph file to load it from"))
            del self.__dict__["graph"]  # read lazily by __getattr__

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not set: the graph of a network read from the cache
        if name == "graph":
            return self._load_graph()
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _load_graph(self) -> nx.MultiDiGraph:
        file = self.__dict__.get("_graph_file")
        if file is None or not Path(file).is_file():
            raise NetworkError(
                _(
                    "the {mode} network's graph file {path} is missing; clear the cache "
                    "folder (GEO_OUTREACH_CACHE) to rebuild the network"
                ).format(mode=self.mode, path=file),
                source=str(file),
            )
        t0 = time.perf_counter()
        with open(file, "rb") as fh:
            graph = pickle.load(fh)
        self.__dict__["graph"] = graph
        logger.info(
            "loaded the %s networkx graph (%d nodes) in %.1f s",
            self.mode,
            len(graph),
            time.perf_counter() - t0,
        )
        return graph

    @property
    def graph_loaded(self) -> bool:
        """Whether the networkx graph is in memory (it is read lazily from the cache)."""
        return "graph" in self.__dict__

    @property
    def n_nodes(self) -> int:
        return int(self.node_ids.size)

    @property
    def n_edges(self) -> int:
        if self.graph_loaded:
            return int(self.graph.number_of_edges())
        return int(self.summary["edges"])

    def index_of(self, node_ids: Iterable[int]) -> np.ndarray:
        """Matrix positions of OSM node ids (``KeyError`` for ids not in the network)."""
        if self._index is None:
            self._index = {int(n): i for i, n in enumerate(self.node_ids)}
        return np.fromiter((self._index[int(n)] for n in node_ids), dtype=np.int64)

    def project(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Project lon/lat to this network's metric CRS; shape ``(n, 2)``."""
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.column_stack([x, y])

    def nearest_nodes(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest network node to each point: ``(node_ids, dist_m)``."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.xy)
        dist, idx = self._tree.query(self.project(lon, lat))
        return self.node_ids[idx], dist

    def footprint(self) -> Any:
        """The area the road data covers: a polygon in :attr:`crs` (metres).

        It tells how much of a census unit lies where the road data reaches (an OSM extract
        cut at a boundary leaves edge tracts half outside); see
        :func:`geo_outreach.network.snap.unit_origins`. In order of preference:

        1. the extract's boundary: a ``.poly`` file beside the OSM file (Geofabrik publishes
           one per extract), else the bounds in the OSM file's header, cut to the clip box;
        2. else the land within :data:`FOOTPRINT_M` (1 km) of a road, up to
           :data:`EXTENT_MARGIN_M` beyond the outermost roads (:meth:`road_outline`), so that
           a rural unit with sparse roads is not taken for one outside the data, while the
           land beyond an extract's cut is.
        """
        if self._footprint is None:
            import shapely

            outline = self.summary.get("outline_wkb")
            if outline is not None:
                lonlat = shapely.from_wkb(outline)
                self._footprint = shapely.transform(
                    lonlat, lambda c: self.project(c[:, 0], c[:, 1])
                )
            else:
                self._footprint = self.road_outline()
        return self._footprint

    def road_outline(self) -> Any:
        """The area the roads cover when the extract declares no boundary (metric CRS).

        Land within :data:`FOOTPRINT_M` (1 km) of a road, where it lies between roads (gaps
        up to ``2 * GAP_FILL_M`` wide, as between the sparse roads of a rural tract) or within
        :data:`EXTENT_MARGIN_M` of the outermost roads: a morphological closing of the roads
        (grown by ``GAP_FILL_M``, shrunk back) keeps the 1 km reach from spilling past the
        edge of the data, where an extract was cut or filtered.
        """
        import shapely

        near = self._road_buffer(EXTENT_MARGIN_M)
        closed = shapely.buffer(shapely.buffer(near, GAP_FILL_M, quad_segs=4), -GAP_FILL_M)
        reach = shapely.buffer(near, FOOTPRINT_M - EXTENT_MARGIN_M, quad_segs=4)
        return shapely.intersection(reach, shapely.union(closed, near))

    def _road_buffer(self, distance_m: float) -> Any:
        """Every road grown by ``distance_m``: a thin buffer of each road, merged, simplified,
        then grown by the rest (buffering a whole street network by 1 km at once takes GBs)."""
        import shapely

        index = {int(n): i for i, n in enumerate(self.node_ids)}
        shaped: list[np.ndarray] = []
        straight: list[tuple[int, int]] = []
        for u, v, d in self.graph.edges(data=True):
            geom = d.get("geometry")
            if geom is not None:
                shaped.append(np.asarray(geom.coords))
            elif u < v or not self.graph.has_edge(v, u):
                straight.append((index[int(u)], index[int(v)]))
        lines = [self.xy[list(pair)] for pair in straight]
        if shaped:  # project every shaped edge's vertices at once
            flat = np.concatenate(shaped)
            xy = self.project(flat[:, 0], flat[:, 1])
            cuts = np.cumsum([len(c) for c in shaped])[:-1]
            lines += np.split(xy, cuts)
        thin = min(100.0, distance_m)
        roads = shapely.linestrings(
            np.concatenate(lines), indices=np.repeat(np.arange(len(lines)), [len(c) for c in lines])
        )
        merged = shapely.union_all(shapely.buffer(roads, thin, quad_segs=2))
        merged = shapely.simplify(merged, thin / 4)
        return shapely.buffer(merged, distance_m - thin, quad_segs=4)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(min lon, min lat, max lon, max lat)`` of the nodes."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)  # an unloaded graph stays unloaded
        state["_index"] = None
        state["_tree"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


# --------------------------------------------------------------------------- array cache


def _csr_arrays(prefix: str, m: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{prefix}_data": m.data,
        f"{prefix}_indices": m.indices,
        f"{prefix}_indptr": m.indptr,
    }


def _csr_from(arrays: Any, prefix: str, n: int) -> sp.csr_matrix:
    return sp.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
        shape=(n, n),
    )


def write_network_cache(net: RoadNetwork, file: Path) -> None:
    """Write a built network as its array file ``file`` (``.npz``) and graph pickle beside it.

    The graph pickle is written first and the array file last (both atomically), so a present
    array file always has its graph file.
    """
    import shapely

    graph_file = file.with_name(file.name.removesuffix(".npz") + ".graph.pkl")
    if net.graph_loaded:
        with atomic_file(graph_file) as tmp, open(tmp, "wb") as fh:
            pickle.dump(net.graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
    footprint = np.frombuffer(shapely.to_wkb(net.footprint()), dtype=np.uint8)
    arrays = {
        "format": np.array(ARRAY_FORMAT),
        "mode": np.array(net.mode),
        "crs": np.array(net.crs),
        "summary": np.array(json.dumps(net.summary, default=str)),
        "node_ids": net.node_ids,
        "lon": net.lon,
        "lat": net.lat,
        "xy": net.xy,
        "footprint_wkb": footprint,
        **_csr_arrays("time", net.time_s),
        **_csr_arrays("dist", net.dist_m),
    }
    with atomic_file(file) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)  # uncompressed: loading is a plain read
    net._graph_file = graph_file


def read_network_cache(file: Path) -> RoadNetwork:
    """Read a network written by :func:`write_network_cache`; its graph stays on disk."""
    import shapely

    with np.load(file, allow_pickle=False) as z:
        if int(z["format"]) != ARRAY_FORMAT:
            raise NetworkError(
                _("{path} has array format {format}").format(path=file, format=int(z["format"])),
                source=str(file),
            )
        node_ids = z["node_ids"]
        n = int(node_ids.size)
        net = RoadNetwork(
            mode=str(z["mode"]),  # type: ignore[arg-type]
            graph=None,  # type: ignore[arg-type]
            node_ids=node_ids,
            lon=z["lon"],
            lat=z["lat"],
            xy=z["xy"],
            crs=str(z["crs"]),
            time_s=_csr_from(z, "time", n),
            dist_m=_csr_from(z, "dist", n),
            summary=json.loads(str(z["summary"])),
            _footprint=shapely.from_wkb(z["footprint_wkb"].tobytes()),
            _graph_file=file.with_name(file.name.removesuffix(".npz") + ".graph.pkl"),
        )
    return net


# --------------------------------------------------------------------------- input checks


def check_osm_file(path: str | Path) -> Path:
    """Check that ``path`` is an OSM file: PBF, or XML (optionally bz2/gzip compressed).

    Raises
    ------
    OSMFormatError
        For an empty file, an HTML page, a file that is not OSM or a wrong compression, with
        the fix (see :func:`geo_outreach.data.osm.sniff_osm`).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(
            _(
                "road network path {path} is a folder; give the OSM file inside it "
                "(.osm.pbf, .osm or .osm.bz2)."
            ).format(path=path),
            source=str(path),
        )
    sniff_osm(path)
    return Path(path)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- building

_ONEWAY_VALUES = {"yes", "true", "1", "-1", "reverse", "T", "F"}
_REVERSED_VALUES = {"-1", "reverse", "T"}


def graph_from_ways(osm: OSMWays) -> nx.MultiDiGraph:
    """The unsimplified road graph of the ways read, built as :func:`osmnx.graph_from_xml` does.

    Nodes carry ``x``/``y`` (lon/lat) and the kept node tags; each pair of consecutive way
    nodes is an edge (both ways unless the way is one-way: ``oneway`` yes/true/1/-1/reverse
    or a roundabout; ``-1``/``reverse`` run against the node order) with the way's tags,
    ``osmid``, ``oneway``, ``reversed`` and ``length`` (great-circle metres, as osmnx).
    Segments touching a node the file lacks are left out.
    """
    import networkx as nx
    import osmnx as ox

    graph = nx.MultiDiGraph(crs="epsg:4326", created_with="geo_outreach (pyosmium)")
    used: set[int] = set()
    edges: list[tuple[int, int, dict[str, Any]]] = []
    for way_id, refs, tags in osm.ways:
        nodes = [n for n, _ in itertools.groupby(refs)]
        attrs: dict[str, Any] = {"osmid": way_id, **tags}
        one_way = tags.get("oneway") in _ONEWAY_VALUES or tags.get("junction") == "roundabout"
        if one_way and tags.get("oneway") in _REVERSED_VALUES:
            nodes.reverse()
        attrs["oneway"] = one_way
        pairs = [(u, v) for u, v in itertools.pairwise(nodes) if u in osm.nodes and v in osm.nodes]
        forward = dict(attrs, reversed=False)
        edges += [(u, v, forward) for u, v in pairs]
        if not one_way:
            backward = dict(attrs, reversed=True)
            edges += [(v, u, backward) for u, v in pairs]
        for u, v in pairs:
            used.add(u)
            used.add(v)
    for n in used:
        lon, lat = osm.nodes[n]
        graph.add_node(n, y=lat, x=lon, **osm.node_tags.get(n, {}))
    if edges:
        c = np.array(
            [
                (osm.nodes[u][1], osm.nodes[u][0], osm.nodes[v][1], osm.nodes[v][0])
                for u, v, _ in edges
            ]
        )
        lengths = ox.distance.great_circle(c[:, 0], c[:, 1], c[:, 2], c[:, 3])
        lengths[np.isnan(lengths)] = 0.0
        graph.add_edges_from(
            (u, v, dict(d, length=float(length)))
            for (u, v, d), length in zip(edges, lengths, strict=True)
        )
    return graph


def _read_raw(
    path: Path, *, clip: tuple[float, float, float, float] | None = None
) -> nx.MultiDiGraph:
    osm = read_osm_ways(path, clip=clip)
    t0 = time.perf_counter()
    graph = graph_from_ways(osm)
    graph.graph["osm_format"] = osm.format
    graph.graph["osm_file_bounds"] = osm.file_bounds
    graph.graph["osm_clip"] = clip
    graph.graph["osm_stats"] = osm.stats
    if osm.nodes:
        xy = np.array(list(osm.nodes.values()))
        graph.graph["osm_nodes_bounds"] = (
            float(xy[:, 0].min()),
            float(xy[:, 1].min()),
            float(xy[:, 0].max()),
            float(xy[:, 1].max()),
        )
    logger.info(
        "built the raw graph of %s: %d nodes, %d edges in %.1f s (read %.1f s)",
        path.name,
        len(graph),
        graph.number_of_edges(),
        time.perf_counter() - t0,
        osm.stats["read_s"],
    )
    if graph.number_of_edges() == 0:
        raise NetworkError(
            _("{path} holds no ways with a highway tag; give an OSM extract with roads.").format(
                path=path
            ),
            source=str(path),
        )
    return graph


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) else value


def _keep_edge(data: dict[str, Any], mode: Mode) -> bool:
    hw = _first(data.get("highway"))
    if hw is None:
        return False
    if data.get("area") == "yes":
        return False
    access = _first(data.get("access"))
    if mode == "drive":
        if hw not in DRIVE_HIGHWAYS:
            return False
        if access in ("private", "no"):
            return False
        if _first(data.get("motor_vehicle")) == "no" or _first(data.get("motorcar")) == "no":
            return False
        return _first(data.get("service")) not in ("parking_aisle", "driveway", "private")
    foot = _first(data.get("foot"))
    if foot == "no":
        return False
    if hw in ("cycleway",) and foot in ("yes", "designated", "permissive"):
        return True
    if hw not in WALK_HIGHWAYS:
        return False
    return not (access in ("private", "no") and foot not in ("yes", "designated", "permissive"))


def _mode_graph(
    raw: nx.MultiDiGraph, mode: Mode, speeds: SpeedTable, *, source: Path | None = None
) -> nx.MultiDiGraph:
    import networkx as nx

    graph = nx.MultiDiGraph()
    graph.graph.update(raw.graph)
    graph.graph["simplified"] = False
    edges = []
    for u, v, data in raw.edges(data=True):
        if not _keep_edge(data, mode):
            continue
        if mode == "drive":
            kph = speeds.drive_speed(data.get("highway"), data.get("maxspeed"))
        else:
            kph = speeds.walk_speed(data.get("highway"))
        attrs = {k: data[k] for k in _KEEP_EDGE_ATTRS if k in data}
        attrs["speed_kph"] = kph
        attrs["travel_time"] = max(float(data["length"]) / (kph / 3.6), 1e-3)
        edges.append((u, v, attrs))
    if not edges:
        message = (
            _(
                "no {mode} roads in the network file {path} inside the study area; give an "
                "extract with the streets of the units' area (check its highway tags)."
            )
            if source is not None
            else _(
                "no {mode} roads in the network file inside the study area; give an extract "
                "with the streets of the units' area (check its highway tags)."
            )
        )
        raise NetworkError(
            message.format(mode=mode, path=source),
            source=str(source) if source is not None else None,
        )
    graph.add_edges_from(edges)
    if mode == "walk":  # on foot, one-way streets are two-way
        reverse = [(v, u, dict(d, oneway=False)) for u, v, d in edges if not graph.has_edge(v, u)]
        graph.add_edges_from(reverse)
    for n in graph.nodes:
        graph.nodes[n].update(raw.nodes[n])
    return graph


def _largest_scc(graph: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, int, int]:
    nodes = np.fromiter(graph.nodes, dtype=np.int64)
    index = {int(n): i for i, n in enumerate(nodes)}
    uv = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64)
    adj = sp.csr_matrix((np.ones(len(uv)), (uv[:, 0], uv[:, 1])), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(adj, directed=True, connection="strong")
    keep_label = np.bincount(labels).argmax()
    keep = nodes[labels == keep_label]
    n_edges = graph.number_of_edges()
    sub = graph.subgraph(keep.tolist()).copy()
    return sub, len(nodes) - len(keep), n_edges - sub.number_of_edges()


def _compile(graph: nx.MultiDiGraph, mode: Mode, summary: dict[str, Any]) -> RoadNetwork:
    import pandas as pd
    from pyproj import CRS
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    node_ids = np.fromiter(graph.nodes, dtype=np.int64)
    lon = np.array([graph.nodes[n]["x"] for n in node_ids], dtype=float)
    lat = np.array([graph.nodes[n]["y"] for n in node_ids], dtype=float)
    index = pd.Series(np.arange(node_ids.size), index=node_ids)
    rows = [(u, v, d["travel_time"], d["length"]) for u, v, d in graph.edges(data=True)]
    edges = pd.DataFrame(rows, columns=["u", "v", "t", "d"])
    edges = edges.sort_values("t", kind="stable").drop_duplicates(["u", "v"], keep="first")
    i = index.loc[edges["u"]].to_numpy()
    j = index.loc[edges["v"]].to_numpy()
    n = node_ids.size
    time_s = sp.csr_matrix((edges["t"].to_numpy(float), (i, j)), shape=(n, n))
    dist_m = sp.csr_matrix((edges["d"].to_numpy(float), (i, j)), shape=(n, n))
    utm = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(
            float(lon.mean()), float(lat.mean()), float(lon.mean()), float(lat.mean())
        ),
    )
    crs = CRS.from_epsg(int(utm[0].code)).to_string() if utm else "EPSG:3857"
    net = RoadNetwork(
        mode=mode,
        graph=graph,
        node_ids=node_ids,
        lon=lon,
        lat=lat,
        xy=np.empty((0, 2)),
        crs=crs,
        time_s=time_s,
        dist_m=dist_m,
        summary=summary,
    )
    net.xy = net.project(lon, lat)
    summary.update(nodes=int(n), edges=int(graph.number_of_edges()))
    return net


Clip = tuple[float, float, float, float]


def build_network(
    osm_path: str | Path,
    mode: Mode = "drive",
    *,
    speeds: SpeedTable | None = None,
    simplify: bool = True,
    clip: Clip | None = None,
    _raw: nx.MultiDiGraph | None = None,
) -> RoadNetwork:
    """Build the routable network of one mode from an OSM file (no cache).

    Parameters
    ----------
    osm_path
        OSM PBF (``.osm.pbf``) or XML (``.osm``, optionally ``.bz2`` / ``.gz`` compressed).
    mode
        ``"drive"`` or ``"walk"``.
    speeds
        Speed table (default :class:`SpeedTable()`).
    simplify
        Merge chains of degree-2 nodes with osmnx (travel times and lengths are summed).
    clip
        ``(min lon, min lat, max lon, max lat)``: read only the roads meeting this box (see
        :func:`geo_outreach.data.osm.read_osm_ways`); ``None`` reads the whole file.

    Returns
    -------
    RoadNetwork
    """
    if mode not in MODES:
        raise InputError(
            _("mode must be one of {choices}, got {got}").format(
                choices=list(MODES), got=repr(mode)
            ),
            source="mode",
        )
    path = check_osm_file(osm_path)
    speeds = speeds or SpeedTable()
    t0 = time.perf_counter()
    raw = _raw if _raw is not None else _read_raw(path, clip=clip)
    graph = _mode_graph(raw, mode, speeds, source=path)
    raw_nodes, raw_edges = len(graph), graph.number_of_edges()
    if simplify:
        import osmnx as ox

        graph = ox.simplify_graph(graph)
    graph, dropped_nodes, dropped_edges = _largest_scc(graph)
    summary: dict[str, Any] = {
        "mode": mode,
        "source": str(path),
        "format": raw.graph.get("osm_format"),
        "file_bounds": raw.graph.get("osm_file_bounds"),
        "clip": clip,
        "unsimplified_nodes": raw_nodes,
        "unsimplified_edges": raw_edges,
        "dropped_nodes": dropped_nodes,
        "dropped_edges": dropped_edges,
    }
    outline = extract_outline(path, raw.graph.get("osm_file_bounds"), clip)
    if outline is not None:
        import shapely

        summary["outline_wkb"] = shapely.to_wkb(outline)
        summary["outline_source"] = outline_source(path)
    net = _compile(graph, mode, summary)
    if outline is None:
        net._footprint = net.road_outline()
        summary["outline_source"] = "roads"
    summary["build_s"] = round(time.perf_counter() - t0, 3)
    if dropped_nodes:
        logger.info(
            "%s network: kept the largest strongly connected component (%d nodes); dropped %d "
            "nodes and %d edges not reachable both ways",
            mode,
            net.n_nodes,
            dropped_nodes,
            dropped_edges,
        )
    return net


def poly_file(osm_path: Path) -> Path | None:
    """The Osmosis ``.poly`` boundary beside an OSM file (``x.osm.pbf`` -> ``x.poly``), if any."""
    name = osm_path.name
    for suffix in (".osm.pbf", ".osm.bz2", ".osm.gz", ".osm", ".pbf"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    candidate = osm_path.with_name(name + ".poly")
    return candidate if candidate.is_file() else None


def read_poly(path: Path) -> Any:
    """A polygon (lon/lat) from an Osmosis ``.poly`` file; rings starting with ``!`` are holes."""
    import shapely

    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    shells: list[Any] = []
    holes: list[Any] = []
    ring: list[tuple[float, float]] | None = None
    hole = False
    for line in lines[1:]:
        if not line:
            continue
        if ring is None:
            if line == "END":
                break
            ring, hole = [], line.startswith("!")
            continue
        if line == "END":
            if len(ring) >= 3:
                (holes if hole else shells).append(shapely.Polygon(ring))
            ring = None
            continue
        try:
            x, y = (float(t) for t in line.split()[:2])
        except ValueError as exc:
            raise InputError(
                _("{path} is not a valid .poly file (line {line}); fix or remove it").format(
                    path=path, line=repr(line)
                ),
                source=str(path),
            ) from exc
        ring.append((x, y))
    if not shells:
        raise InputError(
            _("{path} holds no polygon; fix or remove it").format(path=path), source=str(path)
        )
    area = shapely.union_all(shells)
    if holes:
        area = shapely.difference(area, shapely.union_all(holes))
    return area


def extract_outline(
    osm_path: Path, file_bounds: tuple[float, float, float, float] | None, clip: Clip | None
) -> Any:
    """The extract's boundary (lon/lat): its ``.poly`` file, else its header bounds, cut to
    ``clip``; ``None`` when the file declares neither."""
    import shapely

    poly = poly_file(osm_path)
    if poly is not None:
        area = read_poly(poly)
    elif file_bounds is not None:
        area = shapely.box(*file_bounds)
    else:
        return None
    if clip is not None:
        area = shapely.intersection(area, shapely.box(*clip))
    return None if area.is_empty else area


def outline_source(osm_path: Path) -> str:
    poly = poly_file(osm_path)
    return str(poly) if poly is not None else "header bounds"


def _clip_text(clip: Clip | None) -> str:
    return "all" if clip is None else ",".join(f"{v:.5f}" for v in clip)


def cache_key(
    osm_path: Path,
    mode: Mode,
    speeds: SpeedTable,
    simplify: bool = True,
    *,
    clip: Clip | None = None,
) -> str:
    """Key of a cached network: file bytes, mode, speeds, clip box, build version."""
    text = "|".join(
        [
            file_digest(osm_path),
            mode,
            speeds.fingerprint(),
            str(simplify),
            _clip_text(clip),
            str(CACHE_VERSION),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def load_networks(
    osm_path: str | Path,
    modes: Iterable[Mode] = MODES,
    *,
    speeds: SpeedTable | None = None,
    cache: bool = True,
    cache_dir: Path | None = None,
    clip: Clip | None = None,
) -> dict[Mode, RoadNetwork]:
    """Load the networks of several modes, reading the OSM file at most once.

    Cached networks are read from (and new builds written to) ``cache_dir``
    (default :func:`geo_outreach.config.cache_dir`); ``clip`` as in :func:`build_network`.
    """

    path = check_osm_file(osm_path)
    speeds = speeds or SpeedTable()
    folder = cache_dir or config.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[Mode, RoadNetwork] = {}
    raw = None
    for mode in modes:
        if mode not in MODES:
            raise InputError(
                _("mode must be one of {choices}, got {got}").format(
                    choices=list(MODES), got=repr(mode)
                ),
                source="mode",
            )
        key = cache_key(path, mode, speeds, clip=clip)
        file = folder / f"network-{mode}-{key}.npz" if cache else None
        if file is not None and file.is_file():
            try:
                t0 = time.perf_counter()
                net = read_network_cache(file)
                net.summary["cached"] = True
                net.summary["load_s"] = round(time.perf_counter() - t0, 3)
                logger.info("loaded cached %s network from %s", mode, file.name)
                out[mode] = net
                continue
            except Exception as exc:  # a stale or truncated cache: rebuild
                logger.warning("ignoring unreadable cache %s (%s)", file, exc)
        if raw is None:
            raw = _read_raw(path, clip=clip)
        net = build_network(path, mode, speeds=speeds, clip=clip, _raw=raw)
        net.summary["cached"] = False
        if file is not None:
            write_network_cache(net, file)
        out[mode] = net
    return out


def load_network(
    region: Region | str | Path,
    mode: Mode = "drive",
    *,
    speeds: SpeedTable | None = None,
    cache: bool = True,
) -> RoadNetwork:
    """Load (from cache) or build the network of ``mode`` for a region or an OSM file.

    A region's network is clipped to its study area (:attr:`Region.clip_box`); a bare file
    is read whole.
    """
    if hasattr(region, "network_path"):
        return load_networks(
            region.network_path, (mode,), speeds=speeds, cache=cache, clip=region.clip_box
        )[mode]
    return load_networks(Path(region), (mode,), speeds=speeds, cache=cache)[mode]
