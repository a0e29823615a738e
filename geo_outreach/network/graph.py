"""Routable road networks per travel mode, built from OSM XML with osmnx and cached on disk.

Steps of :func:`build_network`:

1. check the file is OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``); PBF and other files get
   a clear error;
2. read it once with :func:`osmnx.graph_from_xml` (unsimplified, every way kept);
3. keep the ways of the mode's highway classes (:data:`~geo_outreach.network.speeds.DRIVE_HIGHWAYS`
   / :data:`~geo_outreach.network.speeds.WALK_HIGHWAYS`), dropping ways without a ``highway``
   tag, ``area=yes``, ``access=private|no`` and mode-specific bans (``motor_vehicle=no``,
   ``foot=no``); on foot every way is two-way;
4. speed and travel time per edge from :class:`~geo_outreach.network.speeds.SpeedTable`;
5. simplify (osmnx) and keep the largest strongly connected component, reporting what was
   dropped;
6. compile CSR matrices (travel time and length of the fastest parallel edge) for
   :mod:`geo_outreach.network.traveltime`.

Built networks are pickled in the cache folder under a key that hashes the OSM file's bytes,
the mode, the speed table and :data:`CACHE_VERSION`; a cached load skips steps 2-6.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import logging
import pickle
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo_outreach import config
from geo_outreach.errors import InputError, NetworkError, OSMFormatError
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
]

logger = logging.getLogger(__name__)

Mode = Literal["drive", "walk"]
MODES: tuple[Mode, ...] = ("drive", "walk")
#: Bump when the build steps change so stale caches are rebuilt.
CACHE_VERSION = 4
#: The network's extent reaches this far beyond its outermost nodes (metres).
FOOTPRINT_M = 150.0

_EXTRA_WAY_TAGS = ("foot", "motor_vehicle", "motorcar", "vehicle")
#: Edge attributes kept after filtering (the rest only served the filter; dropping them keeps
#: cached networks small and fast to load).
_KEEP_EDGE_ATTRS = ("osmid", "highway", "name", "maxspeed", "oneway", "length")


@dataclass
class RoadNetwork:
    """A routable network for one travel mode.

    Attributes
    ----------
    mode
        ``"drive"`` or ``"walk"``.
    graph
        The osmnx MultiDiGraph (simplified, largest strongly connected component); edges
        carry ``length`` (m), ``speed_kph`` and ``travel_time`` (s).
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
    graph: nx.MultiDiGraph
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

    @property
    def n_nodes(self) -> int:
        return int(self.node_ids.size)

    @property
    def n_edges(self) -> int:
        return int(self.graph.number_of_edges())

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
        """The network's extent: convex hull of its nodes grown by :data:`FOOTPRINT_M` metres.

        A polygon in :attr:`crs`. It tells how much of a census unit lies where the road data
        reaches (an OSM extract cut at a bounding box leaves edge tracts half outside); see
        :func:`geo_outreach.network.snap.unit_origins`. The hull, not a buffer around each road,
        so that a rural unit with sparse roads is not taken for one outside the data.
        """
        if self._footprint is None:
            import shapely

            # nodes plus the vertices of simplified edges (which carry the road's shape)
            lonlat = [
                np.asarray(d["geometry"].coords)
                for _, _, d in self.graph.edges(data=True)
                if d.get("geometry") is not None
            ]
            points = self.xy
            if lonlat:
                flat = np.concatenate(lonlat)
                points = np.vstack([points, self.project(flat[:, 0], flat[:, 1])])
            hull = shapely.convex_hull(shapely.multipoints(points))
            self._footprint = shapely.buffer(hull, FOOTPRINT_M)
        return self._footprint

    def bounds(self) -> tuple[float, float, float, float]:
        """``(min lon, min lat, max lon, max lat)`` of the nodes."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_index"] = None
        state["_tree"] = None
        return state


# --------------------------------------------------------------------------- input checks


def _open_osm(path: Path) -> Any:
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def check_osm_file(path: str | Path) -> Path:
    """Check that ``path`` is an OSM XML file (optionally bz2/gzip compressed).

    Raises
    ------
    OSMFormatError
        For a missing file, a PBF file, or a file that is not OSM XML, with the fix.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(
            f"road network path {path} is a folder; give the OSM XML file inside it "
            "(.osm or .osm.bz2).",
            source=str(path),
        )
    if not path.is_file():
        raise InputError(
            f"road network file not found: {path}. Give an OSM XML file (.osm or .osm.bz2).",
            source=str(path),
        )
    if path.name.lower().endswith(".pbf"):
        raise OSMFormatError(
            f"{path} is OSM PBF; geo_outreach reads OSM XML. Convert it, e.g. "
            f"`osmium cat {path.name} -o {path.name[:-4]}.osm.bz2`, and point the region at the "
            ".osm.bz2 file.",
            source=str(path),
        )
    try:
        with _open_osm(path) as fh:
            head = fh.read(4096)
    except (OSError, EOFError) as exc:
        raise OSMFormatError(
            f"cannot read {path} ({exc}); is the compression right for its name "
            "(.osm.bz2 = bzip2, .osm.gz = gzip)?",
            source=str(path),
        ) from exc
    if b"OSMHeader" in head[:64] or b"OSMData" in head[:64]:
        raise OSMFormatError(
            f"{path} holds OSM PBF data; geo_outreach reads OSM XML. Convert it with "
            "`osmium cat FILE.pbf -o FILE.osm.bz2`.",
            source=str(path),
        )
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("<") or "<osm" not in text:
        raise OSMFormatError(
            f"{path} is not OSM XML (no <osm> element at its start). Export the road network as "
            "OSM XML, e.g. from the Overpass API or with `osmium cat`.",
            source=str(path),
        )
    return path


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- building


def _read_raw(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(tags) | set(_EXTRA_WAY_TAGS))
    try:
        t0 = time.perf_counter()
        graph = ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=False)
        logger.info(
            "read %s: %d nodes, %d edges in %.1f s",
            path.name,
            len(graph),
            graph.number_of_edges(),
            time.perf_counter() - t0,
        )
    except Exception as exc:  # osmnx raises plain exceptions on malformed XML
        raise OSMFormatError(f"cannot read OSM XML {path}: {exc}", source=str(path)) from exc
    finally:
        ox.settings.useful_tags_way = tags
    if graph.number_of_edges() == 0:
        raise NetworkError(
            f"{path} holds no ways with a highway tag; give an OSM extract with roads.",
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


def _mode_graph(raw: nx.MultiDiGraph, mode: Mode, speeds: SpeedTable) -> nx.MultiDiGraph:
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
        raise NetworkError(f"no {mode} edges in the network file; check its highway tags.")
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


def build_network(
    osm_path: str | Path,
    mode: Mode = "drive",
    *,
    speeds: SpeedTable | None = None,
    simplify: bool = True,
    _raw: nx.MultiDiGraph | None = None,
) -> RoadNetwork:
    """Build the routable network of one mode from an OSM XML file (no cache).

    Parameters
    ----------
    osm_path
        OSM XML file, optionally ``.bz2`` / ``.gz`` compressed.
    mode
        ``"drive"`` or ``"walk"``.
    speeds
        Speed table (default :class:`SpeedTable()`).
    simplify
        Merge chains of degree-2 nodes with osmnx (travel times and lengths are summed).

    Returns
    -------
    RoadNetwork
    """
    if mode not in MODES:
        raise InputError(f"mode must be one of {list(MODES)}, got {mode!r}", source="mode")
    path = check_osm_file(osm_path)
    speeds = speeds or SpeedTable()
    t0 = time.perf_counter()
    raw = _raw if _raw is not None else _read_raw(path)
    try:
        graph = _mode_graph(raw, mode, speeds)
    except NetworkError as exc:  # name the file
        raise NetworkError(f"{path}: {exc}", source=str(path)) from None
    raw_nodes, raw_edges = len(graph), graph.number_of_edges()
    if simplify:
        import osmnx as ox

        graph = ox.simplify_graph(graph)
    graph, dropped_nodes, dropped_edges = _largest_scc(graph)
    summary: dict[str, Any] = {
        "mode": mode,
        "source": str(path),
        "unsimplified_nodes": raw_nodes,
        "unsimplified_edges": raw_edges,
        "dropped_nodes": dropped_nodes,
        "dropped_edges": dropped_edges,
    }
    net = _compile(graph, mode, summary)
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


def cache_key(osm_path: Path, mode: Mode, speeds: SpeedTable, simplify: bool = True) -> str:
    """Key of a cached network: file bytes, mode, speeds, build version."""
    text = "|".join(
        [file_digest(osm_path), mode, speeds.fingerprint(), str(simplify), str(CACHE_VERSION)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def load_networks(
    osm_path: str | Path,
    modes: Iterable[Mode] = MODES,
    *,
    speeds: SpeedTable | None = None,
    cache: bool = True,
    cache_dir: Path | None = None,
) -> dict[Mode, RoadNetwork]:
    """Load the networks of several modes, reading the OSM file at most once.

    Cached networks are read from (and new builds written to) ``cache_dir``
    (default :func:`geo_outreach.config.cache_dir`).
    """
    path = check_osm_file(osm_path)
    speeds = speeds or SpeedTable()
    folder = cache_dir or config.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[Mode, RoadNetwork] = {}
    raw = None
    for mode in modes:
        if mode not in MODES:
            raise InputError(f"mode must be one of {list(MODES)}, got {mode!r}", source="mode")
        file = folder / f"network-{mode}-{cache_key(path, mode, speeds)}.pkl" if cache else None
        if file is not None and file.is_file():
            try:
                t0 = time.perf_counter()
                with open(file, "rb") as fh:
                    net = pickle.load(fh)
                net.summary["cached"] = True
                net.summary["load_s"] = round(time.perf_counter() - t0, 3)
                logger.info("loaded cached %s network from %s", mode, file.name)
                out[mode] = net
                continue
            except Exception as exc:  # a stale or truncated pickle: rebuild
                logger.warning("ignoring unreadable cache %s (%s)", file, exc)
        if raw is None:
            raw = _read_raw(path)
        net = build_network(path, mode, speeds=speeds, _raw=raw)
        net.summary["cached"] = False
        if file is not None:
            tmp = file.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(net, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(file)
        out[mode] = net
    return out


def load_network(
    region: Region | str | Path,
    mode: Mode = "drive",
    *,
    speeds: SpeedTable | None = None,
    cache: bool = True,
) -> RoadNetwork:
    """Load (from cache) or build the network of ``mode`` for a region or an OSM file."""
    path = region.network_path if hasattr(region, "network_path") else Path(region)
    return load_networks(path, (mode,), speeds=speeds, cache=cache)[mode]
