"""Read OSM road data (PBF or XML) streaming with pyosmium, clipped to a study area.

Most users download OSM as PBF (Geofabrik state or country extracts, a few hundred MB); the
demo ships OSM XML. :func:`read_osm_ways` reads either with `pyosmium
<https://osmcode.org/pyosmium/>`_ (``osmium`` on PyPI, the Python binding of libosmium):

* one streaming pass; node locations live in libosmium's compact index (C++), never in
  Python objects, and only ways with a ``highway`` tag and nodes with a few tags reach Python
  (libosmium's key filters);
* a way is kept when its bounding box meets the clip box (the study area: the units' extent
  plus a buffer, :func:`clip_box`); a kept way keeps all its nodes, so its shape and length
  do not depend on where the box cuts;
* only the way tags that the travel modes need are kept (:data:`WAY_TAGS`).

A state extract clipped to one county thus needs memory for the node index of the file
(about 16 bytes per node) plus the county's ways, not for the state's graph.

:func:`sniff_osm` checks a file before any reading: a missing or empty file, an HTML page
saved under an ``.osm`` name, a CSV, a wrong compression are refused with one line that
names the file and the fix. A truncated or corrupt file is refused when the read fails.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geo_outreach.errors import InputError, NetworkError, OSMFormatError
from geo_outreach.i18n import N_, _

__all__ = [
    "NODE_TAGS",
    "NON_ROUTABLE_HIGHWAYS",
    "WAY_TAGS",
    "OSMWays",
    "clip_box",
    "read_osm_ways",
    "sniff_osm",
]

logger = logging.getLogger(__name__)

OSMFormat = Literal["pbf", "xml"]

#: Way tags kept on each edge (what the speed table and the mode filters read, and names).
WAY_TAGS: tuple[str, ...] = (
    "access",
    "area",
    "bridge",
    "est_width",
    "foot",
    "highway",
    "junction",
    "landuse",
    "lanes",
    "maxspeed",
    "motor_vehicle",
    "motorcar",
    "name",
    "oneway",
    "ref",
    "service",
    "tunnel",
    "vehicle",
    "width",
)
#: ``highway`` values that no travel mode routes on (plans, ruins, platforms, race tracks).
NON_ROUTABLE_HIGHWAYS = frozenset(
    {"proposed", "construction", "abandoned", "disused", "razed", "platform", "raceway",
     "bus_stop", "elevator", "emergency_bay", "rest_area", "services"}
)  # fmt: skip
#: Node tags kept (as osmnx keeps them).
NODE_TAGS: tuple[str, ...] = ("highway", "junction", "railway", "ref")

_FIX_DOWNLOAD = N_(
    "Download the extract again (e.g. a Geofabrik .osm.pbf) or export OSM XML, and point "
    "the network path (the [network] path in region.toml) at it."
)


@dataclass
class OSMWays:
    """The road ways of an OSM file inside a clip box.

    Attributes
    ----------
    path
        The file read.
    format
        ``"pbf"`` or ``"xml"``.
    nodes
        Node id -> ``(lon, lat)`` for every node of a kept way whose location the file holds.
    node_tags
        Node id -> kept tags (:data:`NODE_TAGS`), for nodes of kept ways that carry any.
    ways
        ``(way id, node ids, tags)`` per kept way, in file order.
    file_bounds
        ``(min lon, min lat, max lon, max lat)`` declared in the file's header, or ``None``.
    clip
        The clip box used, or ``None`` (whole file).
    stats
        Counts: ``ways_read`` (with a highway tag), ``ways_kept``, ``missing_nodes``, ``read_s``.
    """

    path: Path
    format: OSMFormat
    nodes: dict[int, tuple[float, float]]
    node_tags: dict[int, dict[str, str]]
    ways: list[tuple[int, list[int], dict[str, str]]]
    file_bounds: tuple[float, float, float, float] | None = None
    clip: tuple[float, float, float, float] | None = None
    stats: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- checks


def _magic(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(64)


def sniff_osm(path: str | Path) -> OSMFormat:
    """Tell the format of an OSM file from its first bytes, refusing anything else.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` (the content decides, not the name).

    Returns
    -------
    str
        ``"pbf"`` or ``"xml"``.

    Raises
    ------
    InputError
        For a missing file (:class:`InputError`) and, as :class:`OSMFormatError`, for an empty
        file, an HTML page, a file that is not OSM, or a compression that does not match.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            _(
                "road network file not found: {path}. Give an OSM file (.osm.pbf, .osm or "
                ".osm.bz2)."
            ).format(path=path),
            source=str(path),
        )
    if path.stat().st_size == 0:
        raise OSMFormatError(
            _("road network file {path} is empty.").format(path=path) + " " + _(_FIX_DOWNLOAD),
            source=str(path),
        )
    head = _magic(path)
    if b"OSMHeader" in head[:32]:
        return "pbf"
    name = path.name.lower()
    if name.endswith(".pbf"):
        raise OSMFormatError(
            _("{path} is named .pbf but holds no OSM PBF data (no OSMHeader block).").format(
                path=path
            )
            + " "
            + _(_FIX_DOWNLOAD),
            source=str(path),
        )
    opener: Any = open
    if head.startswith(b"BZh"):
        opener = bz2.open
    elif head.startswith(b"\x1f\x8b"):
        opener = gzip.open
    elif name.endswith((".bz2", ".gz")):
        raise OSMFormatError(
            _(
                "cannot read {path}: it is not {compression} compressed; is the compression "
                "right for its name (.osm.bz2 = bzip2, .osm.gz = gzip)?"
            ).format(path=path, compression="bzip2" if name.endswith(".bz2") else "gzip"),
            source=str(path),
        )
    try:
        with opener(path, "rb") as fh:
            text_head = fh.read(4096)
    except (OSError, EOFError) as exc:
        raise OSMFormatError(
            _("cannot read {path} ({exc}): the file is damaged or truncated.").format(
                path=path, exc=exc
            )
            + " "
            + _(_FIX_DOWNLOAD),
            source=str(path),
        ) from exc
    if b"OSMHeader" in text_head[:32]:
        raise OSMFormatError(
            _(
                "{path} holds compressed OSM PBF data; PBF files are read as they are. "
                "Decompress it and name it .osm.pbf."
            ).format(path=path),
            source=str(path),
        )
    text = text_head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    lowered = text[:512].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered:
        raise OSMFormatError(
            _("{path} is an HTML page, not OSM data (a download link saved as a page?).").format(
                path=path
            )
            + " "
            + _(_FIX_DOWNLOAD),
            source=str(path),
        )
    if not text.startswith("<") or "<osm" not in text:
        raise OSMFormatError(
            _(
                "{path} is not OSM XML (no <osm> element at its start). Export the road network "
                "as OSM PBF or XML, e.g. a Geofabrik extract or the Overpass API."
            ).format(path=path),
            source=str(path),
        )
    return "xml"


def clip_box(bounds: Iterable[float], *, buffer_m: float) -> tuple[float, float, float, float]:
    """Grow ``(min lon, min lat, max lon, max lat)`` by ``buffer_m`` metres on every side.

    The degrees per metre are taken at the box's latitude farthest from the equator, so the
    buffer is at least ``buffer_m`` everywhere in the box.
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not math.isfinite(buffer_m) or buffer_m < 0:
        raise InputError(
            _("clip buffer must be a distance >= 0 m, got {got}").format(got=repr(buffer_m)),
            source="clip_buffer_m",
            parameter="clip_buffer_m",
        )
    dlat = buffer_m / 111_320.0
    lat = min(max(abs(miny), abs(maxy)) + dlat, 89.0)
    dlon = buffer_m / (111_320.0 * math.cos(math.radians(lat)))
    return (
        max(minx - dlon, -180.0),
        max(miny - dlat, -90.0),
        min(maxx + dlon, 180.0),
        min(maxy + dlat, 90.0),
    )


# --------------------------------------------------------------------------- reading


def _read_error(path: Path, fmt: str, exc: BaseException) -> OSMFormatError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return OSMFormatError(
        _("cannot read OSM {format} {path}: {detail} (the file is corrupt or truncated).").format(
            format=fmt.upper(), path=path, detail=detail
        )
        + " "
        + _(_FIX_DOWNLOAD),
        source=str(path),
    )


def read_osm_ways(
    path: str | Path,
    *,
    clip: tuple[float, float, float, float] | None = None,
    way_tags: tuple[str, ...] = WAY_TAGS,
    node_tags: tuple[str, ...] = NODE_TAGS,
) -> OSMWays:
    """Stream the ``highway`` ways of an OSM file (PBF or XML) that meet ``clip``.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz``.
    clip
        ``(min lon, min lat, max lon, max lat)``: keep the ways whose bounding box meets it
        (whole, with every node); ``None`` keeps every way.
    way_tags, node_tags
        Tags kept on ways and nodes.

    Returns
    -------
    OSMWays

    Raises
    ------
    OSMFormatError
        For a file that is not OSM, or is corrupt or truncated.
    NetworkError
        When the file has no ``highway`` ways at all, or none inside ``clip``.
    """
    import osmium

    path = Path(path)
    fmt = sniff_osm(path)
    t0 = time.perf_counter()
    nodes: dict[int, tuple[float, float]] = {}
    kept_node_tags: dict[int, dict[str, str]] = {}
    tagged: dict[int, dict[str, str]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    missing: set[int] = set()
    pending: list[int] = []  # indexes of ways with nodes the location index lacked
    n_read = 0
    if clip is not None:
        cx0, cy0, cx1, cy1 = clip
    file_bounds = None
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter(*node_tags).enable_for(osmium.osm.NODE))
            .with_filter(osmium.filter.KeyFilter("highway").enable_for(osmium.osm.WAY))
        )
        box = fp.header.box()
        if box.valid():
            file_bounds = (
                box.bottom_left.lon,
                box.bottom_left.lat,
                box.top_right.lon,
                box.top_right.lat,
            )
        for obj in fp:
            if obj.is_node():
                loc = obj.location
                if clip is None or (
                    loc.valid() and cx0 <= loc.lon <= cx1 and cy0 <= loc.lat <= cy1
                ):
                    tags = {k: obj.tags[k] for k in node_tags if k in obj.tags}
                    if tags:
                        tagged[obj.id] = tags
                continue
            n_read += 1
            refs: list[int] = []
            coords: list[tuple[float, float] | None] = []
            lacking = False
            for nd in obj.nodes:
                refs.append(nd.ref)
                loc = nd.location
                if loc.valid():
                    coords.append((loc.lon, loc.lat))
                else:
                    coords.append(None)
                    lacking = True
            if clip is not None and not lacking and not _meets(coords, clip):
                continue
            tags = {k: obj.tags[k] for k in way_tags if k in obj.tags}
            for ref, xy in zip(refs, coords, strict=True):
                if xy is not None:
                    nodes[ref] = xy
                else:
                    missing.add(ref)
            if lacking:
                pending.append(len(ways))
            ways.append((obj.id, refs, tags))
        negative = {r for r in missing if r < 0}
        if negative:
            # libosmium's location index holds positive ids only; files edited in JOSM carry
            # new nodes with negative ids (such files are small: one more pass over nodes)
            for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
                if node.id < 0 and node.id in negative and node.location.valid():
                    nodes[node.id] = (node.location.lon, node.location.lat)
                    tags = {k: node.tags[k] for k in node_tags if k in node.tags}
                    if tags:
                        tagged[node.id] = tags
    except (RuntimeError, OSError, ValueError) as exc:
        raise _read_error(path, fmt, exc) from exc
    if pending and clip is not None:
        drop = {i for i in pending if not _meets([nodes.get(r) for r in ways[i][1]], clip)}
        if drop:
            ways = [w for i, w in enumerate(ways) if i not in drop]
            used = {r for _, refs, _ in ways for r in refs}
            nodes = {n: xy for n, xy in nodes.items() if n in used}
    still_missing = {r for _, refs, _ in ways for r in refs if r not in nodes}
    for nid, tags in tagged.items():
        if nid in nodes:
            kept_node_tags[nid] = tags
    if n_read == 0:
        raise NetworkError(
            _("{path} holds no ways with a highway tag; give an OSM extract with roads.").format(
                path=path
            ),
            source=str(path),
        )
    if not ways:
        box_text = ", ".join(f"{v:.4f}" for v in clip) if clip else ""
        raise NetworkError(
            _(
                "{path} has {count} roads but none inside the study area ({box}: the census "
                "units' extent plus the clip buffer). Give an extract that covers the units, or "
                "check that the units file is the right place."
            ).format(path=path, count=f"{n_read:,}", box=box_text),
            source=str(path),
        )
    stats = {
        "ways_read": n_read,
        "ways_kept": len(ways),
        "nodes_kept": len(nodes),
        "missing_nodes": len(still_missing),
        "read_s": round(time.perf_counter() - t0, 3),
    }
    if still_missing:
        logger.warning(
            "%s: %d node(s) used by roads are not in the file; the road segments touching them "
            "are left out",
            path.name,
            len(still_missing),
        )
    logger.info(
        "read %s (%s): kept %d of %d roads in %.1f s",
        path.name,
        fmt,
        len(ways),
        n_read,
        stats["read_s"],
    )
    return OSMWays(
        path=path,
        format=fmt,
        nodes=nodes,
        node_tags=kept_node_tags,
        ways=ways,
        file_bounds=file_bounds,
        clip=clip,
        stats=stats,
    )


def _meets(
    coords: list[tuple[float, float] | None], clip: tuple[float, float, float, float]
) -> bool:
    """Whether the bounding box of the known ``coords`` meets ``clip``."""
    xs = [c[0] for c in coords if c is not None]
    if not xs:
        return False
    ys = [c[1] for c in coords if c is not None]
    return not (max(xs) < clip[0] or min(xs) > clip[2] or max(ys) < clip[1] or min(ys) > clip[3])
