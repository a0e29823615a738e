"""Synthetic regions: a seeded, realistic-looking city written as ordinary region files.

A synthetic region is accepted by every command exactly like a real one, because it is
written as the same files a user would bring::

    DIR/region.toml       manifest (``synthetic = true``)
    DIR/network.osm       OSM XML 0.6, read by ``osmnx.graph_from_xml``
    DIR/tracts.gpkg       layer "tracts": polygons (EPSG:4326) with CDC SVI columns
    DIR/services.gpkg     layer "services": points (EPSG:4326)

The city has a grid of arterials (``primary``/``secondary``, some with ``maxspeed``) and
collectors (``tertiary``) with residential blocks of varying size between them (some
one-way streets, jittered corners, missing segments), pedestrian cut-throughs
(``footway``), a park crossed only by ``footway``/``path``, short ``service`` spurs,
a river crossed by arterial bridges only, and a few ways without a ``highway`` tag
(the river's ``waterway``, the park outline, buildings) that a network builder must
ignore. Census tracts partition the region's bounding box (Voronoi cells that do not
cross the river, plus a 0-population park tract and a water tract); their SVI
attributes follow a poorer east side and a dense downtown. Services cluster near
downtown, so the east side is underserved.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same ``seed`` and
``nodes`` give byte-identical files (the GeoPackages too: their timestamps are pinned).

Public API
----------
``generate_region(out_dir, *, nodes, seed, center, overwrite, outside_sites) -> Path``
    write the four files and return the manifest path.
``build_region(*, nodes, seed, center, outside_sites) -> SyntheticRegion``
    the same data in memory (OSM nodes/ways, tracts and services GeoDataFrames).
``write_osm_xml(osm, path)``, ``manifest_text(region) -> str``
    the writers ``generate_region`` uses.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import numpy as np

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "CATEGORIES",
    "MANIFEST_NAME",
    "SVI_VARIABLES",
    "OSMData",
    "OSMWay",
    "SynthParams",
    "SyntheticRegion",
    "build_region",
    "generate_region",
    "manifest_text",
    "tract_polygons",
    "write_osm_xml",
]

logger = logging.getLogger(__name__)

MANIFEST_NAME = "region.toml"
NETWORK_FILE = "network.osm"
TRACTS_FILE = "tracts.gpkg"
SERVICES_FILE = "services.gpkg"
TRACTS_LAYER = "tracts"
SERVICES_LAYER = "services"
OUTPUT_FILES = (MANIFEST_NAME, NETWORK_FILE, TRACTS_FILE, SERVICES_FILE)

#: Service categories, in the order their sites are numbered.
CATEGORIES: tuple[str, ...] = (
    "clinic_fqhc",
    "hospital",
    "mental_health",
    "substance_use_treatment",
    "library",
    "community_center",
    "senior_center",
    "food_bank",
)

#: CDC SVI variables written as ``E_<var>`` (count) and ``EP_<var>`` (percent).
SVI_VARIABLES: tuple[str, ...] = (
    "POV150",
    "UNEMP",
    "HBURD",
    "NOHSDP",
    "UNINSUR",
    "AGE65",
    "AGE17",
    "DISABL",
    "SNGPNT",
    "LIMENG",
    "MINRTY",
    "MUNIT",
    "MOBILE",
    "CROWD",
    "NOVEH",
    "GROUPQ",
    "NOINT",
)

#: Countries the generator can dress a region for, with their default centres (lon, lat).
COUNTRIES: dict[str, tuple[float, float]] = {
    "US": (-122.65, 45.52),  # Portland-like, America/Los_Angeles
    "SE": (17.64, 59.86),  # Uppsala-like, Europe/Stockholm
}
#: Columns of a Swedish-style statistical area (besides ``deso_kod``, ``namn``, ``folkmangd``).
SE_VARIABLES: tuple[str, ...] = (
    "andel_lag_ek_standard",  # % of residents with low economic standard
    "andel_arbetslosa",  # % unemployed (20-64)
    "andel_utrikes_fodda",  # % born abroad
    "andel_65_plus",  # % aged 65 and over
    "andel_utan_bil",  # % of households without a car
    "median_inkomst_tkr",  # median disposable income, thousand SEK (lower = more need)
)
#: The need index a Swedish-style synthetic region's manifest names by default.
SE_NEED_VARIABLES = "andel_lag_ek_standard:1,andel_arbetslosa:1,median_inkomst_tkr:-1"
#: Kommun code of the synthetic Swedish municipality (Uppsala's) used in the area codes.
_SE_KOMMUN = "0380"
_SE_CITY = "Syntköping"
_SE_STREET_BASES = (
    "Stor", "Kungs", "Drottning", "Kyrko", "Skol", "Park", "Sjö", "Strand", "Tull", "Bangårds",
    "Torg", "Vasa", "Linné", "Björk", "Ek", "Lind", "Al", "Rönn", "Gran", "Tall", "Hassel",
    "Asp", "Lönn", "Sten", "Kvarn", "Smed", "Hamn", "Bro", "Berg", "Dal", "Äng", "Lund",
    "Gärdes", "Hög", "Norr", "Söder", "Öster", "Väster", "Svartbäcks", "Luthags",
)  # fmt: skip
_SE_AREAS = (
    "Björkhagen", "Ekbacken", "Lindvreten", "Tallbo", "Granängen", "Rönnby", "Aspudden",
    "Hasselbo", "Lönnkulla", "Sjöstaden", "Kvarnbacken", "Ängby", "Bergsäter", "Dalhem",
    "Lundby", "Strandvik",
)  # fmt: skip
_SE_SITE_NAME = {
    "clinic_fqhc": "vårdcentral",
    "hospital": "sjukhus",
    "mental_health": "psykiatrimottagning",
    "substance_use_treatment": "beroendemottagning",
    "library": "bibliotek",
    "community_center": "medborgarhus",
    "senior_center": "träffpunkt för seniorer",
    "food_bank": "matbank",
}
#: ``maxspeed`` of the US layout and its metric counterpart (km/h, as OSM writes it).
_SE_MAXSPEED = {"35 mph": "60", "30 mph": "50", "25 mph": "40", "20 mph": "30"}

MIN_NODES = 200
MAX_NODES = 5_000_000
#: First OSM node id (beyond 2**32, like today's real OSM ids, to catch int32 bugs).
NODE_ID_BASE = 10_000_000_000
WAY_ID_BASE = 1_000_000_000
#: Timestamp written into the GeoPackages so that they are byte-identical per seed.
GPKG_DATE = "2000-01-01T00:00:00.000Z"
#: Metres per degree of latitude (the region is small; a local equirectangular frame is enough).
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0

# Block sizes (metres between street centre lines): x between north-south avenues,
# y between east-west streets. Every 8th line is an arterial, every 4th a collector.
_DX_M = 115.0
_DY_M = 90.0
_ARTERIAL_EVERY = 8
_COLLECTOR_EVERY = 4
_RIVER_HALF_WIDTH_M = 110.0
_TARGET_NODES_PER_TRACT = 200
_NODES_PER_SITE = 60
_MIN_SITES = 8
#: Beyond a county-sized network, a state's extra nodes are mostly rural: larger tracts and
#: fewer sites per node (1M nodes: about 3,000 tracts and 5,000 sites, as a state has).
_STATE_FROM_NODES = 200_000
_RURAL_NODES_PER_TRACT = 400
_RURAL_NODES_PER_SITE = 480


def _n_tracts_target(n_nodes: int) -> int:
    """Regular tracts for ``n_nodes`` OSM nodes (one per 200 nodes, then one per 400)."""
    rural = max(0, n_nodes - _STATE_FROM_NODES)
    urban = n_nodes - rural
    return round(urban / _TARGET_NODES_PER_TRACT + rural / _RURAL_NODES_PER_TRACT)


def _n_sites(n_nodes: int) -> int:
    """Service sites for ``n_nodes`` OSM nodes (one per 60 nodes, then one per 480)."""
    rural = max(0, n_nodes - _STATE_FROM_NODES)
    urban = n_nodes - rural
    return max(_MIN_SITES, round(urban / _NODES_PER_SITE + rural / _RURAL_NODES_PER_SITE))


_SITE_MAX_OFFSET_M = 50.0
#: The park outline (and its tract) lies this far inside the streets around it (> jitter).
_PARK_INSET_M = 20.0

# Segment kinds of the street grid (0 = no street).
_NONE, _PRIMARY, _SECONDARY, _TERTIARY, _RESID, _RESID_ONEWAY, _RESID_ONEWAY_REV = range(7)
_FOOTWAY, _PRIMARY_BRIDGE, _SECONDARY_BRIDGE = 7, 8, 9
_DRIVABLE_KINDS = (
    _PRIMARY,
    _SECONDARY,
    _TERTIARY,
    _RESID,
    _RESID_ONEWAY,
    _RESID_ONEWAY_REV,
    _PRIMARY_BRIDGE,
    _SECONDARY_BRIDGE,
)

_STREET_NAMES = (
    "Alder", "Ankeny", "Ash", "Belmont", "Burnside", "Clay", "Clinton", "Couch", "Davis",
    "Division", "Everett", "Flanders", "Franklin", "Glisan", "Grant", "Harrison", "Hawthorne",
    "Holgate", "Hoyt", "Irving", "Jefferson", "Johnson", "Kearney", "Lincoln", "Lovejoy",
    "Madison", "Main", "Market", "Mill", "Morrison", "Oak", "Pine", "Powell", "Salmon",
    "Sandy", "Stark", "Taylor", "Yamhill", "Washington", "Woodward",
)  # fmt: skip
_AREA_FIRST = (
    "Alder", "Aspen", "Birch", "Brook", "Cedar", "Clover", "Dogwood", "Elm", "Fern", "Fir",
    "Hazel", "Heron", "Juniper", "Laurel", "Linden", "Maple", "Oak", "Pine", "Rose", "Sage",
    "Spruce", "Sumac", "Willow", "Yarrow",
)  # fmt: skip
_AREA_SECOND = (
    "Park", "Heights", "Hill", "Village", "Grove", "Crossing", "Terrace", "Commons", "Gardens",
    "Point",
)  # fmt: skip
_SITE_NAME = {
    "clinic_fqhc": "Community Health Center",
    "hospital": "General Hospital",
    "mental_health": "Behavioral Health Services",
    "substance_use_treatment": "Recovery Services",
    "library": "Branch Library",
    "community_center": "Community Center",
    "senior_center": "Senior Center",
    "food_bank": "Food Pantry",
}
_SITE_ID_PREFIX = {
    "clinic_fqhc": "clinic",
    "hospital": "hospital",
    "mental_health": "mental-health",
    "substance_use_treatment": "sud",
    "library": "library",
    "community_center": "community-center",
    "senior_center": "senior-center",
    "food_bank": "food-bank",
}
#: Share of sites per category (after one of each).
_CATEGORY_WEIGHTS = np.array([0.24, 0.05, 0.12, 0.15, 0.12, 0.12, 0.08, 0.12])
#: Capacity (clients served per day) range per category.
_CAPACITY_RANGE = {
    "clinic_fqhc": (20, 150),
    "hospital": (200, 900),
    "mental_health": (10, 60),
    "substance_use_treatment": (10, 80),
    "library": (100, 600),
    "community_center": (50, 400),
    "senior_center": (30, 150),
    "food_bank": (50, 500),
}
_CITY = "Synthville"


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class SynthParams:
    """Validated parameters of a synthetic region.

    Parameters
    ----------
    nodes
        Approximate number of OSM nodes (the result is within 10 %).
    seed
        Seed of the random generator (non-negative integer).
    center
        ``(lon, lat)`` of the region's centre.
    outside_sites
        Extra service sites placed 2-5 km outside the region (for tests of off-network
        sites); 0 keeps every site inside.
    country
        ``"US"`` (census tracts with CDC SVI columns) or ``"SE"`` (Swedish-style
        statistical areas with a population column and need variables, metric speeds).
    need_variables
        With ``"SE"``: the ``[need] variables`` of the manifest (``COLUMN:WEIGHT,...``);
        empty: :data:`SE_NEED_VARIABLES`.
    """

    nodes: int = 5000
    seed: int = 0
    center: tuple[float, float] = (-122.65, 45.52)
    outside_sites: int = 0
    country: str = "US"
    need_variables: str = ""

    def __post_init__(self) -> None:
        country = str(self.country).strip().upper()
        if country not in COUNTRIES:
            raise InputError(
                _("country {country} is not one the generator knows; use one of {choices}").format(
                    country=repr(self.country), choices=", ".join(COUNTRIES)
                ),
                source="country",
                parameter="country",
            )
        object.__setattr__(self, "country", country)
        if isinstance(self.nodes, bool) or not isinstance(self.nodes, int | np.integer):
            raise InputError(
                _("nodes must be an integer, got {got}").format(got=repr(self.nodes)),
                source="nodes",
            )
        if not MIN_NODES <= self.nodes <= MAX_NODES:
            raise InputError(
                _(
                    "nodes={nodes} is out of range; use {low}..{high} "
                    "(about 200 nodes per census tract)"
                ).format(nodes=self.nodes, low=MIN_NODES, high=MAX_NODES),
                source="nodes",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise InputError(
                _("seed must be an integer, got {got}").format(got=repr(self.seed)), source="seed"
            )
        if self.seed < 0:
            raise InputError(_("seed must be >= 0, got {got}").format(got=self.seed), source="seed")
        try:
            lon, lat = (float(v) for v in self.center)
        except (TypeError, ValueError):
            raise InputError(
                _("center must be (lon, lat) numbers, got {got}").format(got=repr(self.center)),
                source="center",
            ) from None
        if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 80.0) or not (
            math.isfinite(lon) and math.isfinite(lat)
        ):
            raise InputError(
                _(
                    "center=({lon}, {lat}) is not a valid (lon, lat); lon in -180..180, "
                    "lat in -80..80"
                ).format(lon=lon, lat=lat),
                source="center",
            )
        object.__setattr__(self, "center", (lon, lat))
        if (
            isinstance(self.outside_sites, bool)
            or not isinstance(self.outside_sites, int | np.integer)
            or self.outside_sites < 0
        ):
            raise InputError(
                _("outside_sites must be an integer >= 0, got {got}").format(
                    got=repr(self.outside_sites)
                ),
                source="outside_sites",
            )
        object.__setattr__(self, "nodes", int(self.nodes))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "outside_sites", int(self.outside_sites))


@dataclass(frozen=True)
class OSMWay:
    """One OSM way: id, node ids in order, and tags as ``(key, value)`` pairs."""

    way_id: int
    refs: np.ndarray
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OSMData:
    """OSM nodes and ways of a synthetic region.

    Attributes
    ----------
    node_ids
        int64 node ids, ascending.
    lon, lat
        Node coordinates in degrees (rounded to 7 decimals, as written).
    node_tags
        Tags of the few tagged nodes, keyed by node id.
    ways
        Ways in ascending id order.
    bounds
        ``(minlon, minlat, maxlon, maxlat)`` of the region (contains every node).
    """

    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    node_tags: dict[int, tuple[tuple[str, str], ...]]
    ways: list[OSMWay]
    bounds: tuple[float, float, float, float]

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)


@dataclass(frozen=True)
class SyntheticRegion:
    """A synthetic region in memory (what :func:`generate_region` writes)."""

    params: SynthParams
    name: str
    title: str
    attribution: str
    osm: OSMData
    tracts: gpd.GeoDataFrame
    services: gpd.GeoDataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minlon, minlat, maxlon, maxlat)``: the tracts' union and the OSM bounds."""
        return self.osm.bounds


# --------------------------------------------------------------------------- geometry helpers


@dataclass(frozen=True)
class _Frame:
    """Local metric frame around ``center`` (x east, y north, metres)."""

    lon0: float
    lat0: float

    @property
    def m_per_deg_lon(self) -> float:
        return _M_PER_DEG_LON_EQ * math.cos(math.radians(self.lat0))

    def to_lonlat(
        self, x: np.ndarray | float, y: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.lon0 + np.asarray(x) / self.m_per_deg_lon, self.lat0 + np.asarray(
            y
        ) / _M_PER_DEG_LAT


@dataclass
class _City:
    """Street layout in metres, before conversion to OSM."""

    xs: np.ndarray  # (nx,) avenue x positions
    ys: np.ndarray  # (ny,) street y positions
    gx: np.ndarray  # (ny, nx) jittered node x
    gy: np.ndarray  # (ny, nx) jittered node y
    in_river: np.ndarray  # (ny, nx) bool
    kind_h: np.ndarray  # (ny, nx-1) segment kinds along rows
    kind_v: np.ndarray  # (nx, ny-1) segment kinds along columns
    box: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax
    river_phase: float
    river_period: float
    river_amp: float
    river_x0: float
    park: tuple[int, int, int, int]  # i0, j0, i1, j1 (grid lines bounding the park)
    downtown: tuple[float, float]
    referenced: np.ndarray  # (ny, nx) bool: grid node used by some way
    drivable: np.ndarray  # (ny, nx) bool: grid node on a drivable street
    extra_nodes: list[tuple[float, float]]  # x, y of non-grid nodes
    extra_ways: list[tuple[list[int], tuple[tuple[str, str], ...]]]  # refs: grid flat idx or
    # -(k+1) for extra node k
    bumps: np.ndarray  # (k, 4): x, y, radius, amplitude of the deprivation field

    @property
    def nx(self) -> int:
        return len(self.xs)

    @property
    def ny(self) -> int:
        return len(self.ys)

    def river_x(self, y: np.ndarray | float) -> np.ndarray:
        return self.river_x0 + self.river_amp * np.sin(
            2 * np.pi * (np.asarray(y) - self.box[1]) / self.river_period + self.river_phase
        )

    def n_nodes(self) -> int:
        return int(self.referenced.sum()) + len(self.extra_nodes)

    def deprivation(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Smooth deprivation field (roughly -1.5..2): poorer east side plus pockets."""
        xmin, _, xmax, _ = self.box
        east = (np.asarray(x) - (xmin + xmax) / 2) / ((xmax - xmin) / 2)
        value = 0.9 * east
        for bx, by, br, ba in self.bumps:
            value = value + ba * np.exp(
                -((np.asarray(x) - bx) ** 2 + (np.asarray(y) - by) ** 2) / br**2
            )
        return value

    def urban(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Downtown intensity, 1 at downtown falling to ~0 at 40 % of the region's width."""
        width = self.box[2] - self.box[0]
        r2 = (np.asarray(x) - self.downtown[0]) ** 2 + (np.asarray(y) - self.downtown[1]) ** 2
        return np.exp(-r2 / (0.22 * width) ** 2)


def _runs(kind: np.ndarray, break_every: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of equal non-zero kinds along each row of ``kind``.

    Runs are also split at node positions that are multiples of ``break_every`` (arterial
    crossings), as real OSM ways are. Returns ``(row, first_segment, last_segment)``.
    """
    n = kind.shape[1]
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    seg = np.arange(n)
    brk = seg % break_every == 0  # node `seg` is a break point (before segment seg)
    nonzero = kind != _NONE
    prev_diff = np.ones_like(nonzero)
    prev_diff[:, 1:] = kind[:, 1:] != kind[:, :-1]
    next_diff = np.ones_like(nonzero)
    next_diff[:, :-1] = kind[:, 1:] != kind[:, :-1]
    brk_next = (seg + 1) % break_every == 0
    starts = nonzero & (prev_diff | brk[None, :])
    ends = nonzero & (next_diff | brk_next[None, :])
    r_s, c_s = np.nonzero(starts)
    r_e, c_e = np.nonzero(ends)
    assert len(r_s) == len(r_e) and np.array_equal(r_s, r_e)
    return r_s, c_s, c_e


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------- street layout


def _street_kinds(n: int, *, oneway_share: float, rng: np.random.Generator) -> np.ndarray:
    """Road kind of each of ``n`` grid lines (rows or columns): primary every
    ``2 * _ARTERIAL_EVERY``, secondary every ``_ARTERIAL_EVERY``, tertiary every
    ``_COLLECTOR_EVERY``, else residential, of which about ``oneway_share`` are one-way
    (half each direction).  Draws ``n`` then one number per one-way line from ``rng``."""
    kind = np.full(n, _RESID)
    kind[np.arange(n) % _COLLECTOR_EVERY == 0] = _TERTIARY
    kind[np.arange(n) % _ARTERIAL_EVERY == 0] = _SECONDARY
    kind[np.arange(n) % (2 * _ARTERIAL_EVERY) == 0] = _PRIMARY
    oneway = (kind == _RESID) & (rng.random(n) < oneway_share)
    kind[oneway] = np.where(rng.random(oneway.sum()) < 0.5, _RESID_ONEWAY, _RESID_ONEWAY_REV)
    return kind


def _layout(grid_nodes: int, seed: int) -> _City:
    """Lay out the city for about ``grid_nodes`` grid intersections."""
    rng = np.random.default_rng([seed, 1])
    ny = max(8, round(math.sqrt(grid_nodes * _DX_M / _DY_M)))
    nx = max(8, round(grid_nodes / ny))
    # block sizes vary by +-20 %
    xs = np.concatenate([[0.0], np.cumsum(_DX_M * rng.uniform(0.8, 1.2, nx - 1))])
    ys = np.concatenate([[0.0], np.cumsum(_DY_M * rng.uniform(0.8, 1.2, ny - 1))])
    xs -= (xs[0] + xs[-1]) / 2
    ys -= (ys[0] + ys[-1]) / 2
    margin_x, margin_y = _DX_M / 2, _DY_M / 2
    box = (xs[0] - margin_x, ys[0] - margin_y, xs[-1] + margin_x, ys[-1] + margin_y)
    width, height = box[2] - box[0], box[3] - box[1]

    ii = np.arange(nx)[None, :]
    jj = np.arange(ny)[:, None]
    art_col = np.broadcast_to(ii % _ARTERIAL_EVERY == 0, (ny, nx))
    art_row = np.broadcast_to(jj % _ARTERIAL_EVERY == 0, (ny, nx))

    # jitter: arterials stay straight
    jit_x = np.clip(rng.normal(0.0, 5.0, (ny, nx)), -12.0, 12.0)
    jit_y = np.clip(rng.normal(0.0, 5.0, (ny, nx)), -12.0, 12.0)
    gx = xs[None, :] + np.where(art_col, 0.0, jit_x)
    gy = ys[:, None] + np.where(art_row, 0.0, jit_y)

    # river: meanders north-south through the western third
    river_x0 = box[0] + 0.3 * width
    river_amp = 0.05 * width
    river_period = height * rng.uniform(0.8, 1.3)
    river_phase = rng.uniform(0, 2 * np.pi)
    river_at = river_x0 + river_amp * np.sin(
        2 * np.pi * (ys[:, None] - box[1]) / river_period + river_phase
    )
    in_river = np.abs(xs[None, :] - river_at) < _RIVER_HALF_WIDTH_M
    if not in_river.any():  # tiny regions: make sure the river exists
        in_river = np.abs(xs[None, :] - river_at) < _DX_M

    # park: a rectangle of blocks in the north-east quadrant, interior nodes removed
    pw = max(3, round(nx / 7))
    ph = max(3, round(ny / 7))
    i0 = int(rng.integers(round(0.58 * nx), max(round(0.58 * nx) + 1, nx - pw - 2)))
    j0 = int(rng.integers(round(0.55 * ny), max(round(0.55 * ny) + 1, ny - ph - 2)))
    i1, j1 = min(i0 + pw, nx - 1), min(j0 + ph, ny - 1)
    in_park = (ii > i0) & (ii < i1) & (jj > j0) & (jj < j1)

    present = ~in_park & ~(in_river & ~art_row)  # arterial rows cross the river on bridges

    # ---- horizontal segments (rows j, between columns i and i+1)
    row_kind = _street_kinds(ny, oneway_share=0.15, rng=rng)
    kind_h = np.broadcast_to(row_kind[:, None], (ny, nx - 1)).copy()
    both_h = present[:, :-1] & present[:, 1:]
    river_h = in_river[:, :-1] | in_river[:, 1:]
    kind_h[(kind_h == _PRIMARY) & river_h] = _PRIMARY_BRIDGE
    kind_h[(kind_h == _SECONDARY) & river_h] = _SECONDARY_BRIDGE

    # ---- vertical segments (columns i, between rows j and j+1)
    col_kind = _street_kinds(nx, oneway_share=0.12, rng=rng)
    kind_v = np.broadcast_to(col_kind[:, None], (nx, ny - 1)).copy()
    pt = present.T
    rt = in_river.T
    both_v = pt[:, :-1] & pt[:, 1:] & ~rt[:, :-1] & ~rt[:, 1:]  # no north-south bridges

    # missing residential segments; some become pedestrian cut-throughs
    def punch(kind: np.ndarray, both: np.ndarray) -> np.ndarray:
        resid = np.isin(kind, (_RESID, _RESID_ONEWAY, _RESID_ONEWAY_REV))
        drop = resid & (rng.random(kind.shape) < 0.06)
        foot = drop & (rng.random(kind.shape) < 0.45)
        kind = kind.copy()
        kind[drop] = _NONE
        kind[foot] = _FOOTWAY
        kind[~both] = _NONE
        return kind

    kind_h = punch(kind_h, both_h)
    kind_v = punch(kind_v, both_v)

    referenced = np.zeros((ny, nx), dtype=bool)
    drivable = np.zeros((ny, nx), dtype=bool)
    for kind, ref, drive in ((kind_h, referenced, drivable),):
        on = kind != _NONE
        ref[:, :-1] |= on
        ref[:, 1:] |= on
        dr = np.isin(kind, _DRIVABLE_KINDS)
        drive[:, :-1] |= dr
        drive[:, 1:] |= dr
    on_v = (kind_v != _NONE).T
    dr_v = np.isin(kind_v, _DRIVABLE_KINDS).T
    referenced[:-1, :] |= on_v
    referenced[1:, :] |= on_v
    drivable[:-1, :] |= dr_v
    drivable[1:, :] |= dr_v

    extra_nodes: list[tuple[float, float]] = []
    extra_ways: list[tuple[list[int], tuple[tuple[str, str], ...]]] = []

    def add_node(x: float, y: float) -> int:
        extra_nodes.append((float(x), float(y)))
        return -len(extra_nodes)  # -(k+1)

    def flat(i: int, j: int) -> int:
        referenced[j, i] = True
        return j * nx + i

    # park paths: two diagonals through the park meeting in the middle
    cx_p = (xs[i0] + xs[i1]) / 2
    cy_p = (ys[j0] + ys[j1]) / 2
    mid = add_node(cx_p + rng.normal(0, 8), cy_p + rng.normal(0, 8))

    def node_xy(ref: int) -> tuple[float, float]:
        if ref < 0:
            return extra_nodes[-ref - 1]
        j, i = divmod(ref, nx)
        return float(gx[j, i]), float(gy[j, i])

    def path_refs(a: int, b: int) -> list[int]:
        """Refs from ``a`` to ``b`` with wiggly intermediate nodes every ~70 m."""
        (xa, ya), (xb, yb) = node_xy(a), node_xy(b)
        steps = max(1, int(math.hypot(xb - xa, yb - ya) // 70))
        inner = [
            add_node(
                xa + s / steps * (xb - xa) + rng.normal(0, 6),
                ya + s / steps * (yb - ya) + rng.normal(0, 6),
            )
            for s in range(1, steps)
        ]
        return [a, *inner, b]

    park_tags: tuple[tuple[tuple[str, str], ...], ...] = (
        (("highway", "footway"), ("surface", "paved")),
        (("highway", "path"), ("surface", "gravel")),
    )
    for ((ia, ja), (ib, jb)), ptags in zip(
        (((i0, j0), (i1, j1)), ((i0, j1), (i1, j0))), park_tags, strict=True
    ):
        first = path_refs(flat(ia, ja), mid)
        extra_ways.append(([*first, *path_refs(mid, flat(ib, jb))[1:]], ptags))
    park_name = f"{_AREA_FIRST[int(rng.integers(len(_AREA_FIRST)))]} Park"
    inset = _PARK_INSET_M
    corners = [
        add_node(xs[i0] + inset, ys[j0] + inset),
        add_node(xs[i1] - inset, ys[j0] + inset),
        add_node(xs[i1] - inset, ys[j1] - inset),
        add_node(xs[i0] + inset, ys[j1] - inset),
    ]
    extra_ways.append(
        (
            [*corners, corners[0]],
            (("leisure", "park"), ("name", park_name)),
        )
    )

    # the river's centre line (no highway tag)
    yv = np.arange(box[1], box[3] + 1e-9, 150.0)
    yv = np.append(yv[yv < box[3]], box[3])
    river_refs = [
        add_node(float(x), float(y))
        for x, y in zip(
            river_x0 + river_amp * np.sin(2 * np.pi * (yv - box[1]) / river_period + river_phase),
            yv,
            strict=True,
        )
    ]
    extra_ways.append((river_refs[::-1], (("waterway", "river"), ("name", "Synth River"))))

    # service spurs (driveways, parking aisles) into residential blocks
    resid_nodes = np.flatnonzero(
        (drivable & ~art_row & ~art_col & ~in_river & (jj + 1 < ny)).ravel()
    )
    n_spur = min(len(resid_nodes), max(3, round(0.012 * nx * ny)))
    for f in np.sort(rng.choice(resid_nodes, n_spur, replace=False)):
        j, i = divmod(int(f), nx)
        x0, y0 = gx[j, i], gy[j, i]
        side = 1.0 if rng.random() < 0.5 else -1.0
        a = add_node(x0 + rng.normal(0, 3), y0 + 30.0)
        b = add_node(x0 + side * 28.0, y0 + 32.0 + rng.normal(0, 3))
        u = rng.random()
        tags: tuple[tuple[str, str], ...] = (("highway", "service"),)
        if u < 0.45:
            tags += (("service", "driveway"),)
        elif u < 0.8:
            tags += (("service", "parking_aisle"),)
        if rng.random() < 0.15:
            tags += (("access", "private"),)
        extra_ways.append(([flat(i, j), a, b], tags))

    # a few buildings (closed ways, no highway tag) near downtown blocks
    downtown = (float(river_x0 + 0.12 * width), float(0.05 * height))
    n_bld = max(3, nx * ny // 1500)
    bi = np.clip(np.searchsorted(xs, downtown[0]) + rng.integers(-4, 5, n_bld), 0, nx - 2)
    bj = np.clip(np.searchsorted(ys, downtown[1]) + rng.integers(-4, 5, n_bld), 0, ny - 2)
    for k, (i, j) in enumerate(zip(bi, bj, strict=True)):
        bx = (xs[i] + xs[i + 1]) / 2 + rng.normal(0, 5)
        by = (ys[j] + ys[j + 1]) / 2 + rng.normal(0, 5)
        hw, hh = rng.uniform(10, 20), rng.uniform(8, 15)
        pts = [
            add_node(bx - hw, by - hh),
            add_node(bx + hw, by - hh),
            add_node(bx + hw, by + hh),
            add_node(bx - hw, by + hh),
        ]
        tags = (("building", "yes"),)
        if k % 2 == 0:
            tags += (("building:levels", str(int(rng.integers(2, 12)))),)
        extra_ways.append(([*pts, pts[0]], tags))

    # deprivation pockets (mostly east, one downtown)
    k = 3
    bumps = np.column_stack(
        [
            rng.uniform(box[0] + 0.45 * width, box[2], k),
            rng.uniform(box[1], box[3], k),
            rng.uniform(0.12, 0.25, k) * width,
            rng.uniform(0.4, 0.9, k),
        ]
    )
    bumps = np.vstack([bumps, [downtown[0], downtown[1], 0.06 * width, 0.6]])

    return _City(
        xs=xs,
        ys=ys,
        gx=gx,
        gy=gy,
        in_river=in_river,
        kind_h=kind_h,
        kind_v=kind_v,
        box=box,
        river_phase=float(river_phase),
        river_period=float(river_period),
        river_amp=float(river_amp),
        river_x0=float(river_x0),
        park=(i0, j0, i1, j1),
        downtown=downtown,
        referenced=referenced,
        drivable=drivable,
        extra_nodes=extra_nodes,
        extra_ways=extra_ways,
        bumps=bumps,
    )


def _plan_city(nodes: int, seed: int) -> _City:
    """Lay out a city whose node count is within a few per cent of ``nodes``."""
    grid = float(nodes)
    city = _layout(round(grid), seed)
    for _attempt in range(4):
        count = city.n_nodes()
        if abs(count - nodes) <= 0.03 * nodes:
            break
        grid *= nodes / count
        city = _layout(round(grid), seed)
    return city


# --------------------------------------------------------------------------- OSM


def _street_names(city: _City, seed: int) -> tuple[list[str], list[str]]:
    """Names of east-west streets (rows, e.g. "Alder St") and avenue numbers ("12th")."""
    rng = np.random.default_rng([seed, 5])
    names = list(_STREET_NAMES)
    order = rng.permutation(len(names))
    types = ("St", "Ct", "Pl", "Ln", "Way", "Dr", "Ter")
    rows = []
    for j in range(city.ny):
        base = names[order[j % len(names)]]
        kind = types[(j // len(names)) % len(types)]
        if j % (2 * _ARTERIAL_EVERY) == 0:
            kind = "Blvd"
        rows.append(f"{base} {kind}")
    river_col = int(np.argmin(np.abs(city.xs - city.river_x0)))
    cols = [_ordinal(abs(i - river_col) + 1) for i in range(city.nx)]
    return rows, cols


def _kind_tags(kind: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    u = rng.random()
    if kind in (_PRIMARY, _PRIMARY_BRIDGE):
        tags = [("highway", "primary")]
        if u < 0.8:
            tags.append(("maxspeed", "35 mph"))
        if rng.random() < 0.5:
            tags.append(("lanes", "4"))
    elif kind in (_SECONDARY, _SECONDARY_BRIDGE):
        tags = [("highway", "secondary")]
        if u < 0.7:
            tags.append(("maxspeed", "30 mph"))
    elif kind == _TERTIARY:
        tags = [("highway", "tertiary")]
        if u < 0.4:
            tags.append(("maxspeed", "25 mph"))
    elif kind in (_RESID, _RESID_ONEWAY, _RESID_ONEWAY_REV):
        tags = [("highway", "residential")]
        if u < 0.1:
            tags.append(("maxspeed", "20 mph"))
        if kind != _RESID:
            tags.append(("oneway", "yes"))
    elif kind == _FOOTWAY:
        tags = [("highway", "footway")]
        if u < 0.3:
            tags.append(("footway", "sidewalk" if u < 0.1 else "crossing"))
    else:  # pragma: no cover - guarded by callers
        raise AssertionError(kind)
    if kind in (_PRIMARY_BRIDGE, _SECONDARY_BRIDGE):
        tags += [("bridge", "yes"), ("layer", "1")]
    return tags


def _build_osm(city: _City, frame: _Frame, seed: int) -> OSMData:
    rng = np.random.default_rng([seed, 2])
    nx, ny = city.nx, city.ny
    n_grid = nx * ny
    row_names, col_numbers = _street_names(city, seed)

    # node ids: grid nodes by flat index, extra nodes after them
    grid_ids = NODE_ID_BASE + np.arange(n_grid, dtype=np.int64)
    extra_ids = NODE_ID_BASE + n_grid + np.arange(len(city.extra_nodes), dtype=np.int64)

    ways: list[OSMWay] = []
    way_id = WAY_ID_BASE

    def prefix(x: float, y: float) -> str:
        ns = "N" if y >= 0 else "S"
        ew = "E" if x >= float(city.river_x(y)) else "W"
        return ns + ew

    # east-west streets
    r, c0, c1 = _runs(city.kind_h, _ARTERIAL_EVERY)
    for j, a, b in zip(r.tolist(), c0.tolist(), c1.tolist(), strict=True):
        kind = int(city.kind_h[j, a])
        refs = grid_ids[j * nx + a : j * nx + b + 2]
        if kind == _RESID_ONEWAY_REV:
            refs = refs[::-1]
        tags = _kind_tags(kind, rng)
        if kind != _FOOTWAY:
            tags.append(("name", f"{prefix(city.xs[a], city.ys[j])} {row_names[j]}"))
        ways.append(OSMWay(way_id, refs.copy(), tuple(tags)))
        way_id += 1
    # north-south avenues
    r, c0, c1 = _runs(city.kind_v, _ARTERIAL_EVERY)
    for i, a, b in zip(r.tolist(), c0.tolist(), c1.tolist(), strict=True):
        kind = int(city.kind_v[i, a])
        refs = grid_ids[np.arange(a, b + 2) * nx + i]
        if kind == _RESID_ONEWAY_REV:
            refs = refs[::-1]
        tags = _kind_tags(kind, rng)
        if kind != _FOOTWAY:
            tags.append(("name", f"{prefix(city.xs[i], city.ys[a])} {col_numbers[i]} Ave"))
        ways.append(OSMWay(way_id, refs.copy(), tuple(tags)))
        way_id += 1
    # paths, spurs, park, river, buildings
    for refs_idx, extra_tags in city.extra_ways:
        refs = np.array(
            [grid_ids[f] if f >= 0 else extra_ids[-f - 1] for f in refs_idx], dtype=np.int64
        )
        ways.append(OSMWay(way_id, refs, extra_tags))
        way_id += 1

    # nodes actually used, in id order
    used_grid = np.flatnonzero(city.referenced.ravel())
    ex = np.array(city.extra_nodes, dtype=float).reshape(-1, 2)
    x = np.concatenate([city.gx.ravel()[used_grid], ex[:, 0]])
    y = np.concatenate([city.gy.ravel()[used_grid], ex[:, 1]])
    ids = np.concatenate([grid_ids[used_grid], extra_ids])
    lon, lat = frame.to_lonlat(x, y)
    lon, lat = np.round(lon, 7), np.round(lat, 7)

    node_tags: dict[int, tuple[tuple[str, str], ...]] = {}
    signals = city.referenced & city.drivable
    signals &= (np.arange(ny)[:, None] % _ARTERIAL_EVERY == 0) & (
        np.arange(nx)[None, :] % _ARTERIAL_EVERY == 0
    )
    signals &= ~city.in_river
    for f in np.flatnonzero(signals.ravel()).tolist():
        node_tags[int(grid_ids[f])] = (("highway", "traffic_signals"),)

    bxmin, bymin = frame.to_lonlat(city.box[0], city.box[1])
    bxmax, bymax = frame.to_lonlat(city.box[2], city.box[3])
    bounds = (
        round(float(bxmin), 7),
        round(float(bymin), 7),
        round(float(bxmax), 7),
        round(float(bymax), 7),
    )
    return OSMData(
        node_ids=ids,
        lon=lon,
        lat=lat,
        node_tags=node_tags,
        ways=ways,
        bounds=bounds,
    )


def _tag_xml(tags: Iterable[tuple[str, str]], indent: str = "    ") -> str:
    return "".join(
        f'{indent}<tag k="{escape(k, {chr(34): "&quot;"})}" v="{escape(v, {chr(34): "&quot;"})}"/>\n'
        for k, v in tags
    )


def write_osm_xml(osm: OSMData, path: str | Path, *, generator: str = "geo_outreach synth") -> Path:
    """Write ``osm`` as OSM XML 0.6, streamed (no document tree in memory).

    Parameters
    ----------
    osm
        Nodes and ways to write.
    path
        Output file (``.osm``).
    generator
        Value of the root element's ``generator`` attribute.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    minlon, minlat, maxlon, maxlat = osm.bounds
    from geo_outreach.files import atomic_file

    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8'?>\n")
        fh.write(f'<osm version="0.6" generator="{escape(generator)}">\n')
        fh.write(
            f'  <bounds minlat="{minlat:.7f}" minlon="{minlon:.7f}" '
            f'maxlat="{maxlat:.7f}" maxlon="{maxlon:.7f}"/>\n'
        )
        chunk: list[str] = []
        tagged = osm.node_tags
        for nid, la, lo in zip(
            osm.node_ids.tolist(), osm.lat.tolist(), osm.lon.tolist(), strict=True
        ):
            tags = tagged.get(nid)
            if tags:
                chunk.append(
                    f'  <node id="{nid}" version="1" lat="{la:.7f}" lon="{lo:.7f}">\n'
                    f"{_tag_xml(tags)}  </node>\n"
                )
            else:
                chunk.append(f'  <node id="{nid}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>\n')
            if len(chunk) >= 20_000:
                fh.write("".join(chunk))
                chunk.clear()
        for way in osm.ways:
            chunk.append(f'  <way id="{way.way_id}" version="1">\n')
            chunk.append("".join(f'    <nd ref="{r}"/>\n' for r in way.refs.tolist()))
            chunk.append(_tag_xml(way.tags))
            chunk.append("  </way>\n")
            if len(chunk) >= 20_000:
                fh.write("".join(chunk))
                chunk.clear()
        chunk.append("</osm>\n")
        fh.write("".join(chunk))
    return path


# --------------------------------------------------------------------------- tracts


def _river_polygon(city: _City, grid_size: float) -> Any:
    import shapely

    ymin, ymax = city.box[1], city.box[3]
    yv = np.linspace(ymin - 50.0, ymax + 50.0, max(50, int((ymax - ymin) // 25.0)))
    xc = city.river_x(yv)
    ring = np.concatenate(
        [
            np.column_stack([xc - _RIVER_HALF_WIDTH_M, yv]),
            np.column_stack([xc + _RIVER_HALF_WIDTH_M, yv])[::-1],
        ]
    )
    band = shapely.Polygon(ring)
    return shapely.intersection(band, shapely.box(*city.box), grid_size=grid_size)


def _park_polygon(city: _City, grid_size: float) -> Any:
    import shapely

    i0, j0, i1, j1 = city.park
    inset = _PARK_INSET_M
    poly = shapely.box(
        city.xs[i0] + inset, city.ys[j0] + inset, city.xs[i1] - inset, city.ys[j1] - inset
    )
    return shapely.set_precision(poly, grid_size)


def _tract_geometries(
    city: _City, n_regular: int, rng: np.random.Generator
) -> tuple[list[Any], list[str]]:
    """Polygons (metres) partitioning the box, and their kind ("land", "park", "water")."""
    import shapely

    grid_size = 0.01
    xmin, ymin, xmax, ymax = city.box
    box = shapely.box(*city.box)
    # seeds: a jittered grid with random cells left out, pulled towards the centre so that
    # downtown tracts are smaller (denser), as in real cities
    cells = math.ceil(n_regular * 1.3)
    ka = max(2, math.ceil(math.sqrt(cells)))
    kb = max(2, math.ceil(cells / ka))
    keep = np.sort(rng.choice(ka * kb, n_regular, replace=False))
    u = ((keep % ka) + 0.5 + rng.uniform(-0.35, 0.35, n_regular)) / ka * 2 - 1
    v = ((keep // ka) + 0.5 + rng.uniform(-0.35, 0.35, n_regular)) / kb * 2 - 1
    r = np.maximum(np.abs(u), np.abs(v))
    warp = np.where(r > 0, r**0.35, 1.0)
    sx = (xmin + xmax) / 2 + u * warp * (xmax - xmin) / 2 * 0.98
    sy = (ymin + ymax) / 2 + v * warp * (ymax - ymin) / 2 * 0.98
    seeds = shapely.points(sx, sy)
    vor = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box, ordered=True)
    cells_geom = shapely.intersection(shapely.get_parts(vor), box, grid_size=grid_size)

    river = _river_polygon(city, grid_size)
    park = _park_polygon(city, grid_size)
    land = shapely.difference(
        box, shapely.union(river, park, grid_size=grid_size), grid_size=grid_size
    )

    mains: list[Any] = []
    orphans: list[Any] = []
    for seed_pt, cell in zip(seeds, cells_geom, strict=True):
        parts = [
            p
            for p in shapely.get_parts(shapely.intersection(cell, land, grid_size=grid_size))
            if shapely.get_type_id(p) == 3 and p.area > 0
        ]
        if not parts:
            continue
        idx = next((k for k, p in enumerate(parts) if p.covers(seed_pt)), None)
        if idx is None:
            idx = int(np.argmax([p.area for p in parts]))
        mains.append(parts[idx])
        orphans.extend(p for k, p in enumerate(parts) if k != idx)

    # pieces cut off from their seed by the river or the park join the neighbour on their side
    # with the longest shared border
    pending = sorted(orphans, key=lambda p: -p.area)
    while pending:
        tree = shapely.STRtree(mains)
        left: list[Any] = []
        for piece in pending:
            grown = piece.buffer(0.5)
            best, best_area = -1, 1.0
            for k in tree.query(grown, predicate="intersects").tolist():
                area = shapely.intersection(grown, mains[k]).area
                if area > best_area:
                    best, best_area = k, area
            if best >= 0:
                mains[best] = shapely.union(mains[best], piece, grid_size=grid_size)
            else:
                left.append(piece)
        if len(left) == len(pending):
            mains.extend(left)  # isolated pieces become tracts of their own
            break
        pending = left
    geoms = [*mains, park, river]
    kinds = ["land"] * len(mains) + ["park", "water"]
    return geoms, kinds


def _svi_columns(
    city: _City,
    x: np.ndarray,
    y: np.ndarray,
    populated: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Plausible ACS counts and percentages, correlated with the city's deprivation field."""
    n = len(x)
    d = city.deprivation(x, y)
    d = d + rng.normal(0.0, 0.3, n)
    ref = d[populated] if populated.any() else d
    d = (d - ref.mean()) / (ref.std() or 1.0)
    urb = city.urban(x, y)
    east = np.clip((x - city.river_x(y)) / (city.box[2] - city.box[0]), 0.0, 1.0)

    def pct(base: float, dep: float, urban: float, sd: float, lo: float, hi: float) -> np.ndarray:
        return np.clip(base + dep * d + urban * urb + rng.normal(0.0, sd, n), lo, hi)

    pop = np.clip(rng.normal(4000 + 700 * urb, 1300), 1000, 8000).round()
    pop[~populated] = 0
    persons_per_hu = np.clip(2.4 - 0.6 * urb + 0.15 * d + rng.normal(0, 0.1, n), 1.4, 3.4)
    hu = np.round(pop / persons_per_hu)
    hh = np.round(hu * np.clip(rng.normal(0.93, 0.025, n), 0.8, 0.99))
    ep = {
        "POV150": pct(20, 10, 4, 4, 1, 65),
        "UNEMP": pct(5, 2.2, 0.5, 1.3, 0, 18),
        "HBURD": pct(31, 7, 6, 5, 8, 66),
        "NOHSDP": pct(7, 5, 0, 2.5, 0, 45),
        "UNINSUR": pct(6, 2.5, 0.5, 1.5, 0, 20),
        "AGE65": pct(14, -1, -3, 4, 2, 35),
        "AGE17": pct(19, 3, -9, 3.5, 1, 40),
        "DISABL": pct(12, 2.5, 0, 3, 3, 35),
        "SNGPNT": pct(4.5, 2.2, -2, 1.5, 0, 25),
        "LIMENG": pct(3, 3, 0.5, 1.5, 0, 30),
        "MINRTY": pct(29, 11, 3, 6, 4, 80),
        "MUNIT": pct(14, 5, 55, 7, 0, 99),
        "MOBILE": np.where(
            rng.random(n) < 0.2 + 0.5 * east * (1 - urb),
            np.clip(rng.exponential(2.5, n) * (1 + np.clip(d, 0, None)), 0, 22),
            0.0,
        ),
        "CROWD": pct(3, 2.2, 0.5, 1.3, 0, 24),
        "NOVEH": pct(8, 4, 32, 3, 0, 84),
        "GROUPQ": np.clip(
            rng.lognormal(0.0, 1.0, n) + np.where(rng.random(n) < 0.05, 25, 0), 0, 68
        ),
        "NOINT": pct(7, 3.5, -2, 2.5, 0, 33),
    }
    # denominators (ACS universes, approximately)
    denom = {
        "POV150": pop * 0.97,
        "UNEMP": pop * 0.55,
        "HBURD": hh,
        "NOHSDP": pop * 0.68,
        "UNINSUR": pop * 0.98,
        "AGE65": pop,
        "AGE17": pop,
        "DISABL": pop * 0.98,
        "SNGPNT": hh,
        "LIMENG": pop * 0.95,
        "MINRTY": pop,
        "MUNIT": hu,
        "MOBILE": hu,
        "CROWD": hh,
        "NOVEH": hh,
        "GROUPQ": pop,
        "NOINT": hh,
    }
    out: dict[str, np.ndarray] = {
        "E_TOTPOP": pop.astype(np.int64),
        "E_HU": hu.astype(np.int64),
        "E_HH": hh.astype(np.int64),
    }
    percents: dict[str, np.ndarray] = {}
    for var in SVI_VARIABLES:
        den = np.round(denom[var])
        count = np.round(ep[var] / 100.0 * den)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(den > 0, np.round(100.0 * count / den, 1), 0.0)
        out[f"E_{var}"] = count.astype(np.int64)
        percents[f"EP_{var}"] = p
    # as in the CDC files: percentages of an empty person universe are missing (-999)
    for var in ("UNEMP", "NOHSDP", "UNINSUR", "AGE65", "DISABL", "MOBILE", "NOVEH"):
        percents[f"EP_{var}"][pop == 0] = -999.0
    # a few missing estimates in populated tracts
    pop_idx = np.flatnonzero(populated)
    n_missing = min(len(pop_idx), max(2, round(0.02 * n)))
    rows = rng.choice(pop_idx, n_missing, replace=False)
    cols = rng.choice(len(SVI_VARIABLES), n_missing)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        percents[f"EP_{SVI_VARIABLES[c]}"][r] = -999.0
    out.update(percents)
    return out


def _build_tracts(city: _City, frame: _Frame, seed: int, n_nodes: int) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng([seed, 3])
    n_regular = max(6, _n_tracts_target(n_nodes) - 2)
    geoms, kinds = _tract_geometries(city, n_regular, rng)
    rep = shapely.point_on_surface(geoms)
    rx, ry = shapely.get_x(rep), shapely.get_y(rep)
    # number land tracts north to south in bands, west to east within a band, like census codes
    n_land = kinds.count("land")
    band_h = (city.box[3] - city.box[1]) / max(1, round(math.sqrt(n_land)))
    band = np.floor((city.box[3] - ry[:n_land]) / band_h)
    order = np.lexsort((rx[:n_land], band))
    order = np.concatenate([order, np.arange(n_land, len(geoms))])
    geoms = [geoms[k] for k in order]
    kinds = [kinds[k] for k in order]
    rx, ry = rx[order], ry[order]

    geoids, names = [], []
    for k, kind in enumerate(kinds):
        if kind == "park":
            county, code = 1, 980000
        elif kind == "water":
            county, code = 1, 990100
        else:
            county = 1 + 2 * (k // 9000)
            code = (k % 9000 + 1) * 100 + int(rng.choice([0, 0, 0, 1, 2]))
        geoids.append(f"99{county:03d}{code:06d}")
        names.append(f"{code // 100}" + (f".{code % 100:02d}" if code % 100 else ""))
    areas = np.array([g.area for g in geoms])
    is_water = np.array([k == "water" for k in kinds])
    populated = np.array([k == "land" for k in kinds])
    attrs = _svi_columns(city, rx, ry, populated, rng)

    lonlat = shapely.transform(
        np.array(geoms, dtype=object),
        lambda xy: np.column_stack(frame.to_lonlat(xy[:, 0], xy[:, 1])),
    )
    df = pd.DataFrame(
        {
            "GEOID": pd.array(geoids, dtype="str"),
            "NAME": names,
            "NAMELSAD": [f"Census Tract {n}" for n in names],
            "ALAND": np.where(is_water, 0, areas.round()).astype(np.int64),
            "AWATER": np.where(is_water, areas.round(), 0).astype(np.int64),
            **attrs,
        }
    )
    return gpd.GeoDataFrame(df, geometry=list(lonlat), crs="EPSG:4326")


# --------------------------------------------------------------------------- services


def _area_names(rng: np.random.Generator, k: int) -> list[str]:
    combos = [f"{a} {b}" for a in _AREA_FIRST for b in _AREA_SECOND]
    order = rng.permutation(len(combos))
    return [combos[order[i % len(combos)]] for i in range(k)]


def _build_services(
    city: _City, frame: _Frame, seed: int, n_nodes: int, outside_sites: int
) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    rng = np.random.default_rng([seed, 4])
    row_names, col_numbers = _street_names(city, seed)
    nx = city.nx
    n_sites = _n_sites(n_nodes)
    cats = list(CATEGORIES) + [
        CATEGORIES[c]
        for c in rng.choice(len(CATEGORIES), n_sites - len(CATEGORIES), p=_CATEGORY_WEIGHTS)
    ]

    cand = np.flatnonzero((city.drivable & city.referenced & ~city.in_river).ravel())
    cx, cy = city.gx.ravel()[cand], city.gy.ravel()[cand]
    urb = city.urban(cx, cy)
    dep = np.clip(city.deprivation(cx, cy), 0.0, None)
    base_w = 0.3 + 2.5 * urb

    areas_k = 4
    area_names = _area_names(rng, areas_k * areas_k)
    xmin, ymin, xmax, ymax = city.box
    river_col = int(np.argmin(np.abs(city.xs - city.river_x0)))

    rows: list[dict[str, Any]] = []
    xy: list[tuple[float, float]] = []
    seen_names: dict[str, int] = {}
    numbers = dict.fromkeys(CATEGORIES, 0)
    # cumulative anchor weights: hospitals downtown, clinics and food banks also where need is
    cdf_hospital = np.cumsum(0.05 + 3.0 * urb**2)
    cdf_need = np.cumsum(base_w + 0.8 * dep)
    cdf_other = np.cumsum(base_w)
    for cat in cats:
        if cat == "hospital":
            cdf = cdf_hospital
        elif cat in ("clinic_fqhc", "food_bank"):
            cdf = cdf_need
        else:
            cdf = cdf_other
        pick = min(len(cand) - 1, int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")))
        f = int(cand[pick])
        j, i = divmod(f, nx)
        radius = (
            rng.uniform(0.0, 5.0)
            if rng.random() < 0.4
            else rng.uniform(10.0, _SITE_MAX_OFFSET_M - 2.0)
        )
        angle = rng.uniform(0.0, 2 * np.pi)
        px = float(np.clip(city.gx[j, i] + radius * math.cos(angle), xmin + 1.0, xmax - 1.0))
        py = float(np.clip(city.gy[j, i] + radius * math.sin(angle), ymin + 1.0, ymax - 1.0))
        ai = min(areas_k - 1, int((px - xmin) / (xmax - xmin) * areas_k))
        aj = min(areas_k - 1, int((ymax - py) / (ymax - ymin) * areas_k))
        name = f"{area_names[aj * areas_k + ai]} {_SITE_NAME[cat]}"
        seen_names[name] = seen_names.get(name, 0) + 1
        if seen_names[name] > 1:
            name = f"{name} {seen_names[name]}"
        ns = "N" if city.ys[j] >= 0 else "S"
        ew = "E" if city.xs[i] >= float(city.river_x(city.ys[j])) else "W"
        house = (abs(i - river_col) + 1) * 100 + 2 * int(rng.integers(0, 49))
        if rng.random() < 0.5:
            address = f"{house} {ns}{ew} {row_names[j]}, {_CITY}"
        else:
            house = (abs(j - city.ny // 2) + 1) * 100 + 2 * int(rng.integers(0, 49))
            address = f"{house} {ns}{ew} {col_numbers[i]} Ave, {_CITY}"
        lo, hi = _CAPACITY_RANGE[cat]
        numbers[cat] += 1
        rows.append(
            {
                "site_id": f"syn-{_SITE_ID_PREFIX[cat]}-{numbers[cat]:03d}",
                "category": cat,
                "name": name,
                "address": address,
                "capacity": int(rng.integers(lo, hi + 1)),
            }
        )
        xy.append((px, py))

    for k in range(outside_sites):
        cat = CATEGORIES[k % len(CATEGORIES)]
        side = k % 4
        dist = rng.uniform(2000.0, 5000.0)
        if side == 0:
            px, py = xmax + dist, rng.uniform(ymin, ymax)
        elif side == 1:
            px, py = rng.uniform(xmin, xmax), ymax + dist
        elif side == 2:
            px, py = xmin - dist, rng.uniform(ymin, ymax)
        else:
            px, py = rng.uniform(xmin, xmax), ymin - dist
        numbers[cat] += 1
        lo, hi = _CAPACITY_RANGE[cat]
        rows.append(
            {
                "site_id": f"syn-{_SITE_ID_PREFIX[cat]}-{numbers[cat]:03d}",
                "category": cat,
                "name": f"Outlying {_SITE_NAME[cat]} {k + 1}",
                "address": f"{int(rng.integers(10, 99)) * 1000} Rural Route {k + 1}, {_CITY}",
                "capacity": int(rng.integers(lo, hi + 1)),
            }
        )
        xy.append((px, py))

    df = pd.DataFrame(rows)
    df["capacity"] = df["capacity"].astype(np.int64)
    arr = np.array(xy, dtype=float)
    lon, lat = frame.to_lonlat(arr[:, 0], arr[:, 1])
    gdf = gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(np.round(lon, 7), np.round(lat, 7)), crs="EPSG:4326"
    )
    cat_rank = {c: k for k, c in enumerate(CATEGORIES)}
    gdf = gdf.iloc[
        np.lexsort((gdf["site_id"].to_numpy(), gdf["category"].map(cat_rank).to_numpy()))
    ]
    return gdf.reset_index(drop=True)


# --------------------------------------------------------------------------- Swedish-style region


def _se_street_namer() -> Any:
    """Map US-style street names ("NE Alder St", "SW 12th Ave") to Swedish ones, stably."""
    names: dict[str, str] = {}
    used: set[str] = set()
    bases = list(_SE_STREET_BASES)

    def name(us: str) -> str:
        if us in names:
            return names[us]
        avenue = us.endswith(" Ave")
        suffix = "vägen" if avenue else "gatan"
        k = len(names)
        base = bases[k % len(bases)]
        candidate = f"{base}{suffix}"
        round_ = k // len(bases)
        if round_:
            word = ("Norra", "Södra", "Östra", "Västra", "Lilla", "Stora")[(round_ - 1) % 6]
            candidate = f"{word} {candidate}"
            if round_ > 6:
                candidate = f"{candidate} {round_ // 6 + 1}"
        while candidate in used:  # pragma: no cover - the rounds above make names unique
            candidate += " II"
        used.add(candidate)
        names[us] = candidate
        return candidate

    return name


def _swedish_osm(osm: OSMData) -> tuple[OSMData, Any]:
    """The same streets with Swedish names and metric ``maxspeed`` (km/h)."""
    namer = _se_street_namer()
    ways = []
    for way in osm.ways:
        tags = []
        for key, value in way.tags:
            if key == "name" and any(k == "highway" for k, _ in way.tags):
                value = namer(value)
            elif key == "maxspeed":
                value = _SE_MAXSPEED.get(value, value)
            tags.append((key, value))
        ways.append(OSMWay(way.way_id, way.refs, tuple(tags)))
    return (
        OSMData(
            node_ids=osm.node_ids,
            lon=osm.lon,
            lat=osm.lat,
            node_tags=osm.node_tags,
            ways=ways,
            bounds=osm.bounds,
        ),
        namer,
    )


def _swedish_units(tracts: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """Statistical areas (DeSO-like codes) with a population column and need variables.

    The values follow the US layout's deprivation pattern (its ``EP_*`` percentages), so
    the east side is still the needier one; areas without residents have no values.
    """
    import geopandas as gpd
    import pandas as pd

    rng = np.random.default_rng([seed, 6])
    n = len(tracts)
    pop = tracts["E_TOTPOP"].to_numpy(dtype=float)
    populated = pop > 0

    def ep(var: str) -> np.ndarray:
        x = tracts[f"EP_{var}"].to_numpy(dtype=float)
        fill = np.nanmedian(np.where(x < 0, np.nan, x)) if (x >= 0).any() else 0.0
        return np.where(x < 0, fill, x)

    low = np.clip(0.7 * ep("POV150") + rng.normal(0, 1.5, n), 1, 60)
    values = {
        "andel_lag_ek_standard": low,
        "andel_arbetslosa": np.clip(1.3 * ep("UNEMP") + rng.normal(0, 0.8, n), 0.5, 30),
        "andel_utrikes_fodda": np.clip(0.8 * ep("MINRTY") + rng.normal(0, 2, n), 2, 75),
        "andel_65_plus": np.clip(1.1 * ep("AGE65") + rng.normal(0, 1, n), 2, 40),
        "andel_utan_bil": np.clip(ep("NOVEH") + rng.normal(0, 2, n), 1, 85),
        "median_inkomst_tkr": np.clip(380 - 4.5 * low + rng.normal(0, 12, n), 120, 520),
    }
    codes, names = [], []
    for k in range(n):
        letter = "C" if k < n // 2 else "B"  # C: the town, B: its outskirts (as in DeSO)
        codes.append(f"{_SE_KOMMUN}{letter}{k + 1:04d}")
        names.append(f"{_SE_CITY} {k + 1}")
    df = pd.DataFrame(
        {
            "deso_kod": pd.array(codes, dtype="str"),
            "namn": names,
            "folkmangd": pop.astype(np.int64),
            **{col: np.where(populated, np.round(v, 1), np.nan) for col, v in values.items()},
        }
    )
    return gpd.GeoDataFrame(df, geometry=list(tracts.geometry), crs="EPSG:4326")


def _swedish_services(services: gpd.GeoDataFrame, namer: Any, seed: int) -> gpd.GeoDataFrame:
    """Swedish names and addresses ("Storgatan 12, Syntköping") for the same sites."""
    rng = np.random.default_rng([seed, 7])
    out = services.copy()
    names, addresses = [], []
    areas = sorted({str(n).split(" ")[0] for n in services["name"]})
    area_se = {a: _SE_AREAS[k % len(_SE_AREAS)] for k, a in enumerate(areas)}
    for name, cat, address in zip(
        services["name"], services["category"], services["address"], strict=True
    ):
        area = area_se[str(name).split(" ")[0]]
        names.append(f"{area}s {_SE_SITE_NAME[cat]}")
        street, _, _city = str(address).partition(",")
        parts = street.split(" ", 1)
        if "Rural Route" in street:
            addresses.append(f"Landsvägen {int(rng.integers(1, 200))}, {_SE_CITY}")
        else:
            addresses.append(f"{namer(parts[1])} {int(rng.integers(1, 120))}, {_SE_CITY}")
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    out["name"] = unique
    out["address"] = addresses
    return out


def _check_need_variables(text: str, units: gpd.GeoDataFrame) -> str:
    """``text`` (``COLUMN:WEIGHT,...``) when every column is a numeric column of ``units``."""
    import pandas as pd

    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise InputError(
            _("need_variables is empty; give COLUMN:WEIGHT,... such as {example}").format(
                example=SE_NEED_VARIABLES
            ),
            source="need_variables",
            parameter="need_variables",
        )
    for part in parts:
        col, sep, weight = part.rpartition(":")
        col = col if sep else part
        numeric = [
            str(c)
            for c in units.columns
            if c != "geometry" and pd.api.types.is_numeric_dtype(units[c])
        ]
        if col not in numeric:
            raise InputError(
                _(
                    "need variable {column} is not a numeric column of the generated areas; use "
                    "some of {columns}"
                ).format(column=repr(col), columns=", ".join(numeric)),
                source="need_variables",
                parameter="need_variables",
            )
        try:
            if sep and float(weight) == 0:
                raise ValueError(weight)
        except ValueError:
            raise InputError(
                _(
                    "weight {weight} of need variable {column} must be a non-zero number "
                    "(negative: lower means more need)"
                ).format(weight=repr(weight), column=repr(col)),
                source="need_variables",
                parameter="need_variables",
            ) from None
    return ",".join(parts)


# --------------------------------------------------------------------------- public API


def build_region(
    *,
    nodes: int = 5000,
    seed: int = 0,
    center: tuple[float, float] | None = None,
    outside_sites: int = 0,
    country: str = "US",
    need_variables: str = "",
) -> SyntheticRegion:
    """Build a synthetic region in memory.

    Parameters
    ----------
    nodes
        Approximate number of OSM nodes (the result is within 10 %; ``200..5_000_000``).
    seed
        Random seed; the same ``seed`` and ``nodes`` always give the same region.
    center
        ``(lon, lat)`` of the region's centre; default: the country's (:data:`COUNTRIES`).
    outside_sites
        Extra service sites 2-5 km outside the region's bounds (default none).
    country
        ``"US"``: census tracts with CDC SVI columns; ``"SE"``: Swedish-style statistical
        areas (``deso_kod``, ``namn``, ``folkmangd`` and the :data:`SE_VARIABLES`), Swedish
        street names, metric speed limits.
    need_variables
        ``COLUMN:WEIGHT,...`` written as the manifest's ``[need] variables`` (default for
        ``"SE"``: :data:`SE_NEED_VARIABLES`; for ``"US"`` none: the CDC SVI method).

    Returns
    -------
    SyntheticRegion
        OSM nodes and ways, tracts and services.

    Raises
    ------
    InputError
        If a parameter is out of range.
    """
    params = _params(nodes, seed, center, outside_sites, country, need_variables)
    frame = _Frame(*params.center)
    city = _plan_city(params.nodes, params.seed)
    osm = _build_osm(city, frame, params.seed)
    tracts = _build_tracts(city, frame, params.seed, osm.n_nodes)
    services = _build_services(city, frame, params.seed, osm.n_nodes, params.outside_sites)
    name = f"synthetic-s{params.seed}"
    title = f"Synthetic region (seed {params.seed}, ~{params.nodes} nodes)"
    if params.country == "SE":
        osm, namer = _swedish_osm(osm)
        tracts = _swedish_units(tracts, params.seed)
        services = _swedish_services(services, namer, params.seed)
        name = f"synthetic-se-s{params.seed}"
        title = f"Syntetisk kommun (seed {params.seed}, ~{params.nodes} nodes)"
    if params.need_variables:
        object.__setattr__(
            params, "need_variables", _check_need_variables(params.need_variables, tracts)
        )
    logger.info(
        "synthetic region seed=%d: %d OSM nodes, %d ways, %d tracts, %d sites",
        params.seed,
        osm.n_nodes,
        len(osm.ways),
        len(tracts),
        len(services),
    )
    return SyntheticRegion(
        params=params,
        name=name,
        title=title,
        attribution=f"Synthetic data generated by geo_outreach (seed {params.seed})",
        osm=osm,
        tracts=tracts,
        services=services,
        extra={"grid_shape": (city.ny, city.nx)},
    )


def _params(
    nodes: int,
    seed: int,
    center: tuple[float, float] | None,
    outside_sites: int,
    country: str,
    need_variables: str,
) -> SynthParams:
    code = str(country).strip().upper()
    if center is None:
        center = COUNTRIES.get(code, COUNTRIES["US"])
    if code == "SE" and not need_variables:
        need_variables = SE_NEED_VARIABLES
    return SynthParams(
        nodes=nodes,
        seed=seed,
        center=center,
        outside_sites=outside_sites,
        country=country,
        need_variables=str(need_variables or ""),
    )


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)  # a JSON string is a valid TOML basic string


def manifest_text(region: SyntheticRegion) -> str:
    """Return the ``region.toml`` text of ``region`` (paths relative to the manifest).

    The time zone, country and unit system follow from the region's centre (offline).
    """
    from geo_outreach.data.place import country_of_zone, timezone_at, unit_system_of

    p = region.params
    zone = timezone_at(*p.center)
    country = country_of_zone(zone)
    swedish = p.country == "SE"
    units = (
        ['id_col = "deso_kod"', 'population_col = "folkmangd"', 'name_col = "namn"']
        if swedish
        else ['id_col = "GEOID"', 'population_col = "E_TOTPOP"', 'name_col = "NAMELSAD"']
    )
    need = (
        ["", "[need]", f"variables = {_toml_str(p.need_variables)}", 'label = "need variables"']
        if p.need_variables
        else []
    )
    country = country or ("SE" if swedish else "")
    lines = [
        f"# Generated by geo_outreach.data.synth: nodes={p.nodes} seed={p.seed} "
        f"center=({p.center[0]}, {p.center[1]}) outside_sites={p.outside_sites}"
        + (f" country={p.country}" if p.country != "US" else ""),
        f"name = {_toml_str(region.name)}",
        f"title = {_toml_str(region.title)}",
        f"attribution = {_toml_str(region.attribution)}",
        f"data_date = {_toml_str('synthetic')}",
        f"timezone = {_toml_str(zone)}",
        f"unit_system = {_toml_str(unit_system_of(country))}",
        *([f"country = {_toml_str(country)}"] if country else []),
        "synthetic = true",
        "",
        "[network]",
        f"path = {_toml_str(NETWORK_FILE)}",
        "",
        "[units]",
        f"path = {_toml_str(TRACTS_FILE)}",
        f"layer = {_toml_str(TRACTS_LAYER)}",
        *units,
        "",
        "[services]",
        f"path = {_toml_str(SERVICES_FILE)}",
        f"layer = {_toml_str(SERVICES_LAYER)}",
        'id_col = "site_id"',
        'category_col = "category"',
        'name_col = "name"',
        'capacity_col = "capacity"',
        'address_col = "address"',
        *need,
        "",
    ]
    text = "\n".join(lines)
    tomllib.loads(text)  # must round-trip
    return text


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write a GeoPackage whose bytes depend only on ``gdf`` (pinned timestamp)."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    from geo_outreach.files import atomic_file

    try:
        with atomic_file(path) as tmp:
            gdf.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _prepare_dir(out_dir: Path, *, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(
            _(
                "{path} exists and is not a folder; give a new or empty folder for the "
                "synthetic region"
            ).format(path=out_dir),
            source=str(out_dir),
        )
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not overwrite:
            raise InputError(
                _(
                    "{path} is not empty; give a new or empty folder, or pass "
                    "overwrite=True (CLI: --overwrite) to replace its region files"
                ).format(path=out_dir),
                source=str(out_dir),
            )
        for name in OUTPUT_FILES:
            target = out_dir / name
            if target.is_dir():
                raise InputError(
                    _("{path} is a folder; remove it or choose another output folder").format(
                        path=target
                    ),
                    source=str(target),
                )
            target.unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def generate_region(
    out_dir: str | os.PathLike[str],
    *,
    nodes: int = 5000,
    seed: int = 0,
    center: tuple[float, float] | None = None,
    overwrite: bool = False,
    outside_sites: int = 0,
    country: str = "US",
    need_variables: str = "",
) -> Path:
    """Write a synthetic region (manifest, OSM XML, tracts, services) to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write; created when missing. It must be empty unless ``overwrite``.
    nodes
        Approximate number of OSM nodes (within 10 %).
    seed
        Random seed; the same ``seed`` and ``nodes`` give byte-identical files.
    center
        ``(lon, lat)`` of the region's centre.
    overwrite
        Replace the region files in a non-empty ``out_dir`` (other files are kept).
    outside_sites
        Extra service sites 2-5 km outside the region (default none).
    country, need_variables
        As in :func:`build_region` (``country="SE"``: a Swedish-style region in
        Europe/Stockholm with metric units).

    Returns
    -------
    Path
        The written ``region.toml``.

    Raises
    ------
    InputError
        If ``out_dir`` is not empty and ``overwrite`` is false, or a parameter is invalid.
    """
    out = Path(out_dir)
    params = _params(nodes, seed, center, outside_sites, country, need_variables)
    _prepare_dir(out, overwrite=overwrite)
    region = build_region(
        nodes=params.nodes,
        seed=params.seed,
        center=params.center,
        outside_sites=params.outside_sites,
        country=params.country,
        need_variables=params.need_variables,
    )
    write_osm_xml(region.osm, out / NETWORK_FILE)
    _write_gpkg(region.tracts, out / TRACTS_FILE, TRACTS_LAYER)
    _write_gpkg(region.services, out / SERVICES_FILE, SERVICES_LAYER)
    manifest = out / MANIFEST_NAME
    # the manifest last: a folder with region.toml is complete
    from geo_outreach.files import atomic_file

    with atomic_file(manifest) as tmp:
        tmp.write_text(manifest_text(region), encoding="utf-8", newline="\n")
    logger.info("wrote synthetic region %s to %s", region.name, out)
    return manifest


def tract_polygons(
    n: int = 3000,
    *,
    seed: int = 0,
    extent_km: tuple[float, float] = (600.0, 420.0),
    vertices: int = 250,
    crs: str = "EPSG:32610",
) -> gpd.GeoDataFrame:
    """Statewide-looking tract polygons for scale checks of maps (no network, no ACS).

    Half the tracts crowd a "metro" (normal, 20 km), half spread over the extent; each is
    the Voronoi cell of its point with about ``vertices`` jittered boundary vertices, as
    TIGER boundaries have.

    Parameters
    ----------
    n
        Number of tracts.
    seed
        Random seed (same seed, same polygons).
    extent_km
        Width and height of the state.
    vertices
        Boundary vertices per tract, before jitter.
    crs
        Projected CRS the extent is laid out in (metres); the result is EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_id`` (11-digit GEOID-like), ``name``, ``need_score`` (0-1), polygons.
    """
    import geopandas as gpd
    import shapely
    from shapely.geometry import box

    if n < 2:
        raise InputError(_("n must be at least 2, got {got}").format(got=n), parameter="n")
    rng = np.random.default_rng(seed)
    w, h = (1000.0 * v for v in extent_km)
    metro = rng.normal([w / 4, h * 0.6], 20_000.0, size=(n // 2, 2))
    rural = rng.uniform([0.0, 0.0], [w, h], size=(n - n // 2, 2))
    frame = box(0.0, 0.0, w, h)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(np.vstack([metro, rural]).clip([0, 0], [w, h])), extend_to=frame
    )
    polygons = []
    for cell in shapely.get_parts(cells):
        cell = cell.intersection(frame)
        cell = shapely.segmentize(cell, max(cell.length / vertices, 1.0))
        xy = np.asarray(cell.exterior.coords)
        xy[:-1] += rng.normal(0.0, min(40.0, cell.length / 2000.0), size=xy[:-1].shape)
        xy[-1] = xy[0]
        polygons.append(shapely.make_valid(shapely.Polygon(xy)))
    k = len(polygons)
    return gpd.GeoDataFrame(
        {
            "unit_id": [f"41{i:09d}" for i in range(k)],
            "name": [f"Census Tract {i + 1}" for i in range(k)],
            "need_score": rng.uniform(0.0, 1.0, k),
        },
        geometry=polygons,
        crs=crs,
    ).to_crs(4326)
