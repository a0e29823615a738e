"""Regions: a folder with a ``region.toml`` manifest, its census units and its service sites.

A manifest names three files and how to read them::

    name = "my-county"
    title = "My County"
    attribution = "Map data (c) OpenStreetMap contributors (ODbL); US Census Bureau"
    data_date = "ACS 2018-2022"
    timezone = "America/New_York"    # IANA zone of every time shown or exported
    unit_system = "imperial"         # imperial | metric (distances shown to people)
    country = "US"                   # ISO 3166 code (paper size, number formats)
    language = "en"                  # optional: default language of sheets and pages
                                     # (en, es, sv; default: the country's, else English)
    # optional: base folder for the paths below; "{data_dir}" expands to the shared data folder
    base_dir = "."

    [network]
    path = "roads.osm.pbf"          # OSM PBF (.osm.pbf) or XML (.osm, .osm.bz2, .osm.gz)
    clip_buffer_m = 5000             # optional: read the roads within this distance of the
                                     # units' extent (default 5 km); clip = false reads all

    [units]                          # census tracts or any polygon layer
    path = "tracts.gpkg"
    layer = "tracts"                 # optional, for multi-layer files
    id_col = "GEOID"
    population_col = "E_TOTPOP"
    name_col = "NAMELSAD"            # optional
    crs = "EPSG:4326"                # optional, only for files that declare none (CSV)

    [services]
    path = "services.csv"
    id_col = "site_id"               # optional: ids derived from name, category, location
    category_col = "category"
    name_col = "name"
    capacity_col = "capacity"        # optional: 1 per site when absent
    address_col = "address"          # optional

    [need]                           # optional: the need index of this region, one of
    method = "cdc-svi"               #   CDC/ATSDR SVI computed from the E_* columns
    # preset = "digital_equity"      #   a preset of geo_outreach.analysis.need.PRESETS
    # column = "svi2022_rpl_themes"  #   a column of the units (0..1 or any number) and
    # direction = "higher"           #   whether higher ("higher") or lower means more need
    # variables = "low_income_pct:1,median_income:-1"  # user-chosen columns and weights
    #                                #   (a negative weight: lower means more need)

    [labels.categories]              # optional: how this region names its service categories
    clinic_fqhc = "Community health center"   # (default labels: geo_outreach.present.labels)

Missing ``timezone``, ``unit_system`` and ``country`` are derived from the units' location
(offline, :mod:`geo_outreach.data.place`).

The demo region ``portland-central`` ships as ``data/portland-central/region.toml`` and reads
the shared data folder (see :func:`geo_outreach.config.data_dir`). When those files are
missing, :func:`load_region` falls back to a synthetic region and says so.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_outreach import config
from geo_outreach.data.readers import (
    check_geometry_types,
    read_layer,
    repair_geometries,
    require_columns,
)
from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "DEMO_REGION",
    "LayerSpec",
    "Region",
    "RegionManifest",
    "init_region",
    "load_region",
    "manifest_text",
    "parse_manifest",
    "read_manifest",
    "resolve_manifest",
    "write_manifest",
]

#: Default distance the road network is read beyond the units' extent (metres).
DEFAULT_CLIP_BUFFER_M = 5000.0
UNIT_SYSTEMS = ("imperial", "metric")
NEED_KEYS = ("method", "preset", "column", "variables", "direction", "label")

logger = logging.getLogger(__name__)

DEMO_REGION = "portland-central"
MANIFEST_NAME = "region.toml"


@dataclass(frozen=True)
class LayerSpec:
    """How to read one layer of a region (paths already resolved)."""

    path: Path
    layer: str | None = None
    id_col: str | None = None
    population_col: str | None = None
    category_col: str | None = None
    name_col: str | None = None
    capacity_col: str | None = None
    address_col: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class RegionManifest:
    """A parsed ``region.toml``."""

    name: str
    manifest_path: Path
    network: Path
    units: LayerSpec
    services: LayerSpec
    title: str = ""
    attribution: str = ""
    data_date: str = ""
    synthetic: bool = False
    clip_buffer_m: float | None = DEFAULT_CLIP_BUFFER_M
    timezone: str = ""
    unit_system: str = ""
    country: str = ""
    need: dict[str, str] = field(default_factory=dict)
    language: str = ""
    category_labels: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> tuple[Path, ...]:
        """The three data files the manifest names."""
        return (self.network, self.units.path, self.services.path)


@dataclass
class Region:
    """A loaded region: validated units and sites in EPSG:4326.

    Attributes
    ----------
    units
        One row per census unit: ``unit_id`` (str), ``population`` (float), ``name``,
        ``geometry`` (polygons), then every original column.
    services
        One row per site: ``site_id``, ``category``, ``name``, ``capacity``, ``address``,
        ``geometry`` (points), then every original column.
    report
        What validation repaired or noticed (one plain-language line each).
    """

    manifest: RegionManifest
    units: gpd.GeoDataFrame
    services: gpd.GeoDataFrame
    report: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def attribution(self) -> str:
        return self.manifest.attribution

    @property
    def network_path(self) -> Path:
        return self.manifest.network

    @property
    def is_synthetic(self) -> bool:
        return self.manifest.synthetic

    @property
    def is_demo(self) -> bool:
        """Whether this is the demo region (its real data, or the synthetic stand-in).

        Only the demo region has sample visits and workers of its own
        (``data/demo_visits.csv``); any other region starts from empty tables.
        """
        folder = self.manifest.manifest_path.resolve().parent
        if folder == (config.package_data_dir() / DEMO_REGION).resolve():
            return True
        return folder.name.startswith("synthetic-demo-") and (
            folder.parent == config.cache_dir().resolve()
        )

    @property
    def clip_box(self) -> tuple[float, float, float, float] | None:
        """Where the road network is read: the units' extent plus ``clip_buffer_m``."""
        if self.manifest.clip_buffer_m is None or not len(self.units):
            return None
        from geo_outreach.data.osm import clip_box

        return clip_box(self.units.total_bounds, buffer_m=self.manifest.clip_buffer_m)

    def _center(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.units.total_bounds
        return (x0 + x1) / 2.0, (y0 + y1) / 2.0

    @property
    def timezone(self) -> str:
        """IANA zone of the region: the manifest's, else the zone at the units' centre."""
        if self.manifest.timezone:
            return self.manifest.timezone
        from geo_outreach.data.place import timezone_at

        return timezone_at(*self._center())

    @property
    def country(self) -> str:
        """ISO country code: the manifest's, else the country of :attr:`timezone`."""
        if self.manifest.country:
            return self.manifest.country
        from geo_outreach.data.place import country_of_zone

        return country_of_zone(self.timezone)

    @property
    def unit_system(self) -> str:
        """``"imperial"`` or ``"metric"``: the manifest's, else the country's."""
        if self.manifest.unit_system:
            return self.manifest.unit_system
        from geo_outreach.data.place import unit_system_of

        return unit_system_of(self.country)


# --------------------------------------------------------------------------- manifests


def _section(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or "path" not in value:
        raise InputError(
            _(
                '{path}: missing [{key}] section with a `path`. Add e.g.\n[{key}]\npath = "..."'
            ).format(path=path, key=key),
            source=str(path),
        )
    return value


def read_manifest(path: str | Path, *, data_dir: str | Path | None = None) -> RegionManifest:
    """Parse a ``region.toml`` (or the folder holding one) and resolve its paths.

    Parameters
    ----------
    path
        The manifest file or its folder.
    data_dir
        Replaces ``{data_dir}`` in ``base_dir`` (default :func:`geo_outreach.config.data_dir`).
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise InputError(
            _(
                "no region manifest at {path}. Create one with init_region() (the CLI's "
                "`region init`), or give the folder that holds region.toml."
            ).format(path=path),
            source=str(path),
        )
    return parse_manifest(path.read_text(encoding="utf-8"), path, data_dir=data_dir)


def parse_manifest(
    text: str, path: str | Path, *, data_dir: str | Path | None = None
) -> RegionManifest:
    """Parse manifest ``text`` as if it were the file ``path`` (which need not exist yet)."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            _("{path} is not valid TOML: {exc}").format(path=path, exc=exc), source=str(path)
        ) from exc
    data_root = Path(data_dir) if data_dir is not None else config.data_dir()
    base = str(data.get("base_dir", "."))
    base = base.replace("{data_dir}", str(data_root))
    base_path = Path(base)
    if not base_path.is_absolute():
        base_path = (path.parent / base_path).resolve()

    def layer(key: str, allowed: tuple[str, ...]) -> LayerSpec:
        sec = _section(data, key, path)
        unknown = set(sec) - {"path", *allowed}
        if unknown:
            raise InputError(
                _("{path}: unknown key(s) {keys} in [{key}]; allowed: {allowed}").format(
                    path=path, keys=sorted(unknown), key=key, allowed=["path", *allowed]
                ),
                source=str(path),
            )
        file = Path(str(sec["path"]))
        return LayerSpec(
            path=(file if file.is_absolute() else base_path / file).resolve(),
            **{k: (str(sec[k]) if sec.get(k) not in (None, "") else None) for k in allowed},
        )

    net = _section(data, "network", path)
    unknown = set(net) - {"path", "clip_buffer_m", "clip"}
    if unknown:
        raise InputError(
            _(
                "{path}: unknown key(s) {keys} in [network]; allowed: "
                "['path', 'clip_buffer_m', 'clip']"
            ).format(path=path, keys=sorted(unknown)),
            source=str(path),
        )
    net_path = Path(str(net["path"]))
    clip_buffer_m: float | None = DEFAULT_CLIP_BUFFER_M
    if net.get("clip") is False:
        clip_buffer_m = None
    elif "clip_buffer_m" in net:
        value = net["clip_buffer_m"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(
                _(
                    "{path}: [network] clip_buffer_m must be a distance in metres >= 0, got {got}"
                ).format(path=path, got=repr(value)),
                source=str(path),
            )
        clip_buffer_m = float(value)
    timezone = str(data.get("timezone", "") or "")
    if timezone:
        from geo_outreach.data.place import check_timezone

        check_timezone(timezone, source=str(path))
    unit_system = str(data.get("unit_system", "") or "")
    if unit_system and unit_system not in UNIT_SYSTEMS:
        raise InputError(
            _("{path}: unit_system must be one of {choices}, got {got}").format(
                path=path, choices=list(UNIT_SYSTEMS), got=repr(unit_system)
            ),
            source=str(path),
        )
    country = str(data.get("country", "") or "").upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise InputError(
            _(
                "{path}: country must be a two-letter ISO 3166 code such as US or SE, got {got}"
            ).format(path=path, got=repr(country)),
            source=str(path),
        )
    need = data.get("need", {})
    if not isinstance(need, dict) or set(need) - set(NEED_KEYS):
        raise InputError(
            _("{path}: [need] may hold only {keys}; got {got}").format(
                path=path,
                keys=list(NEED_KEYS),
                got=sorted(need) if isinstance(need, dict) else repr(need),
            ),
            source=str(path),
        )
    language = str(data.get("language", "") or "").strip().lower()
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise InputError(
            _("{path}: language must be a two-letter code such as en, es or sv, got {got}").format(
                path=path, got=repr(language)
            ),
            source=str(path),
        )
    labels = data.get("labels", {})
    cats = labels.get("categories", {}) if isinstance(labels, dict) else None
    if (
        not isinstance(labels, dict)
        or set(labels) - {"categories"}
        or not isinstance(cats, dict)
        or not all(isinstance(v, str) for v in cats.values())
    ):
        raise InputError(
            _(
                "{path}: [labels] may hold only a [labels.categories] table of category = "
                '"label" lines; got {got}'
            ).format(path=path, got=repr(labels)),
            source=str(path),
        )
    return RegionManifest(
        name=str(data.get("name", path.parent.name)),
        manifest_path=path.resolve(),
        network=(net_path if net_path.is_absolute() else base_path / net_path).resolve(),
        units=layer("units", ("layer", "id_col", "population_col", "name_col", "crs")),
        services=layer(
            "services",
            ("layer", "id_col", "category_col", "name_col", "capacity_col", "address_col", "crs"),
        ),
        title=str(data.get("title", "")),
        attribution=str(data.get("attribution", "")),
        data_date=str(data.get("data_date", "")),
        synthetic=bool(data.get("synthetic", False)),
        clip_buffer_m=clip_buffer_m,
        timezone=timezone,
        unit_system=unit_system,
        country=country,
        need={str(k): str(v) for k, v in need.items()},
        language=language,
        category_labels={str(k): str(v) for k, v in cats.items()},
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def manifest_text(
    *,
    name: str,
    network: str | Path,
    units: dict[str, Any],
    services: dict[str, Any],
    title: str = "",
    attribution: str = "",
    data_date: str = "",
    synthetic: bool = False,
    timezone: str = "",
    unit_system: str = "",
    country: str = "",
    clip_buffer_m: float | None = None,
    need: dict[str, Any] | None = None,
) -> str:
    """The text of a ``region.toml``; ``units``/``services`` map manifest keys to values."""
    lines = [
        f"name = {_toml_value(name)}",
        f"title = {_toml_value(title or name)}",
        f"attribution = {_toml_value(attribution)}",
        f"data_date = {_toml_value(data_date)}",
    ]
    for key, value in (("timezone", timezone), ("unit_system", unit_system), ("country", country)):
        if value:
            lines.append(f"{key} = {_toml_value(value)}")
    if synthetic:
        lines.append("synthetic = true")
    lines += ["", "[network]", f"path = {_toml_value(network)}"]
    if clip_buffer_m is not None:
        lines.append(f"clip_buffer_m = {_toml_value(float(clip_buffer_m))}")
    for key, spec in (("units", units), ("services", services), ("need", need or {})):
        if key == "need" and not spec:
            continue
        lines += ["", f"[{key}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in spec.items() if v not in (None, "")]
    return "\n".join(lines) + "\n"


def write_manifest(
    directory: str | Path,
    *,
    overwrite: bool = False,
    **fields: Any,
) -> Path:
    """Write ``DIR/region.toml`` atomically (fields as in :func:`manifest_text`)."""
    from geo_outreach.files import write_text

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MANIFEST_NAME
    if target.exists() and not overwrite:
        raise InputError(
            _("{path} already exists; pass overwrite=True to replace it.").format(path=target),
            source=str(target),
            parameter="overwrite",
        )
    write_text(target, manifest_text(**fields))
    return target


def _relative(path: Path, start: Path) -> str:
    try:
        return str(path.resolve().relative_to(start.resolve()))
    except ValueError:
        import os

        return os.path.relpath(path.resolve(), start.resolve())


def init_region(
    directory: str | Path,
    *,
    network: str | Path,
    tracts: str | Path,
    services: str | Path,
    name: str | None = None,
    tracts_layer: str | None = None,
    services_layer: str | None = None,
    id_col: str = "GEOID",
    population_col: str = "E_TOTPOP",
    unit_name_col: str | None = None,
    site_id_col: str | None = None,
    category_col: str = "category",
    site_name_col: str = "name",
    capacity_col: str | None = None,
    address_col: str | None = None,
    attribution: str = "Map data (c) OpenStreetMap contributors (ODbL)",
    data_date: str = "",
    timezone: str | None = None,
    unit_system: str | None = None,
    country: str | None = None,
    clip_buffer_m: float = DEFAULT_CLIP_BUFFER_M,
    need: dict[str, Any] | None = None,
    overwrite: bool = False,
    validate: bool = True,
    check: Callable[[Region], None] | None = None,
) -> Path:
    """Validate a user's own data, then write a manifest for it.

    Everything is checked before anything is written: the units and services load, the
    network file is OSM (PBF or XML) that streams to its end and has roads inside the units'
    area, the time zone is known. On failure nothing is written and no folder is left behind.
    The data files stay where they are; the manifest refers to them by relative path.

    Parameters
    ----------
    timezone
        IANA zone; default: the zone at the units' centre (offline lookup).
    unit_system, country
        Default: the country of the zone, and its unit system.
    clip_buffer_m
        How far beyond the units' extent the road network is read (metres).
    need
        The ``[need]`` table (``method``, ``preset``, ``column`` + ``direction`` or
        ``variables``).
    check
        Called with the loaded region before writing (the CLI builds the road networks
        there); an exception stops the init with nothing written.

    Returns
    -------
    pathlib.Path
        The manifest written.
    """
    from geo_outreach.data.osm import read_osm_ways
    from geo_outreach.data.place import (
        check_timezone,
        country_of_zone,
        timezone_at,
        unit_system_of,
    )

    directory = Path(directory)
    for label, file in (("network", network), ("tracts", tracts), ("services", services)):
        if not Path(file).exists():
            raise InputError(
                _("{label} file not found: {path}").format(label=label, path=file),
                source=str(file),
                parameter=label,
            )
    target = directory / MANIFEST_NAME
    if target.exists() and not overwrite:
        raise InputError(
            _("{path} already exists; pass overwrite=True to replace it.").format(path=target),
            source=str(target),
            parameter="overwrite",
        )
    if directory.exists() and not directory.is_dir():
        raise InputError(
            _("{path} is a file; give a folder name").format(path=directory),
            source=str(directory),
        )
    if timezone:
        check_timezone(timezone, source="timezone")
    if unit_system and unit_system not in UNIT_SYSTEMS:
        raise InputError(
            _("unit_system must be one of {choices}, got {got}").format(
                choices=list(UNIT_SYSTEMS), got=repr(unit_system)
            ),
            parameter="unit_system",
        )
    fields: dict[str, Any] = dict(
        name=name or directory.resolve().name,
        network=_relative(Path(network), directory),
        units={
            "path": _relative(Path(tracts), directory),
            "layer": tracts_layer,
            "id_col": id_col,
            "population_col": population_col,
            "name_col": unit_name_col,
        },
        services={
            "path": _relative(Path(services), directory),
            "layer": services_layer,
            "id_col": site_id_col,
            "category_col": category_col,
            "name_col": site_name_col,
            "capacity_col": capacity_col,
            "address_col": address_col,
        },
        attribution=attribution,
        data_date=data_date,
        clip_buffer_m=clip_buffer_m,
        need=need,
        timezone=timezone or "",
        unit_system=unit_system or "",
        country=(country or "").upper(),
    )
    manifest = parse_manifest(manifest_text(**fields), target)
    if validate or not timezone:
        region = load_region(manifest)
        zone = timezone or timezone_at(*region._center())
        fields["timezone"] = zone
        fields["country"] = fields["country"] or country_of_zone(zone)
        fields["unit_system"] = fields["unit_system"] or unit_system_of(fields["country"])
        manifest = parse_manifest(manifest_text(**fields), target)
        region = Region(
            manifest=manifest, units=region.units, services=region.services, report=region.report
        )
        if validate:
            # the whole file must stream (a truncated download fails here), with roads
            # meeting the units' extent
            ub = region.units.total_bounds
            osm = read_osm_ways(manifest.network, clip=region.clip_box)
            if not osm.ways or not _roads_meet(osm, tuple(ub)):
                from geo_outreach.errors import NetworkError

                raise NetworkError(
                    _(
                        "{path} has no roads inside the census units' area ({bounds}). Give an "
                        "extract that covers the units, or check that the units file is the "
                        "right place."
                    ).format(path=manifest.network, bounds=", ".join(f"{v:.4f}" for v in ub)),
                    source=str(manifest.network),
                )
            if check is not None:
                check(region)
    text = manifest_text(**fields)
    from geo_outreach.files import atomic_dir, write_text

    if directory.is_dir():
        write_text(target, text)
    else:
        with atomic_dir(directory) as tmp:
            (tmp / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return target


def _roads_meet(osm: Any, bounds: tuple[float, ...]) -> bool:
    """Whether a node of a usable road lies inside ``bounds`` (lon/lat box)."""
    from geo_outreach.data.osm import NON_ROUTABLE_HIGHWAYS

    x0, y0, x1, y1 = bounds
    for _way_id, refs, tags in osm.ways:
        if tags.get("highway") in NON_ROUTABLE_HIGHWAYS or tags.get("area") == "yes":
            continue
        for r in refs:
            xy = osm.nodes.get(r)
            if xy is not None and x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1:
                return True
    return False


# --------------------------------------------------------------------------- loading


def resolve_manifest(
    region: str | Path | None = None, *, data_dir: str | Path | None = None
) -> RegionManifest:
    """Find the manifest for ``region`` (a folder, a ``region.toml`` or a shipped region name).

    ``None`` means the demo region. When the demo region's real files are missing, a
    synthetic region is generated once in the cache folder and used instead (logged).
    """
    if region is None or str(region) == DEMO_REGION:
        manifest = read_manifest(config.package_data_dir() / DEMO_REGION, data_dir=data_dir)
        missing = [p for p in manifest.files if not p.exists()]
        if missing:
            logger.warning(
                "demo data not found (%s); using a generated synthetic region instead. "
                "Set GEO_OUTREACH_DATA to the folder holding portland-central/ for the real data.",
                missing[0],
            )
            return read_manifest(synthetic_demo_dir())
        return manifest
    path = Path(region)
    if not path.exists() and (config.package_data_dir() / str(region)).is_dir():
        path = config.package_data_dir() / str(region)
    return read_manifest(path, data_dir=data_dir)


def synthetic_demo_dir(*, nodes: int = 6000, seed: int = 42) -> Path:
    """Return the folder of the synthetic fallback region, generating it on first use."""
    from geo_outreach.data.synth import generate_region

    target = config.cache_dir() / f"synthetic-demo-n{nodes}-s{seed}"
    if not (target / MANIFEST_NAME).is_file():
        generate_region(target, nodes=nodes, seed=seed, overwrite=True)
    return target


def load_region(
    region: str | Path | RegionManifest | None = None, *, data_dir: str | Path | None = None
) -> Region:
    """Load and validate a region.

    Parameters
    ----------
    region
        A folder with ``region.toml``, the manifest itself, a parsed manifest, the name of a
        region shipped in ``data/``, or ``None`` for the demo region.
    data_dir
        Folder that ``{data_dir}`` in the manifest points to (default: setting / env var).

    Returns
    -------
    Region
        Units and sites with canonical columns; see :class:`Region`.

    Raises
    ------
    InputError
        With the file, the column and the fix, for every problem in the inputs.
    """
    manifest = (
        region
        if isinstance(region, RegionManifest)
        else resolve_manifest(region, data_dir=data_dir)
    )
    if manifest.network.is_dir():
        raise InputError(
            _(
                "road network path {path} (named in {manifest}) is a folder; fix [network] "
                "path to name the OSM XML file inside it."
            ).format(path=manifest.network, manifest=manifest.manifest_path),
            source=str(manifest.network),
        )
    if not manifest.network.exists():
        raise InputError(
            _(
                "road network file not found: {path} (named in {manifest}). Fix [network] path."
            ).format(path=manifest.network, manifest=manifest.manifest_path),
            source=str(manifest.network),
        )
    report: list[str] = []
    units, lines = load_units(manifest.units)
    report += lines
    services, lines = load_services(manifest.services)
    report += lines
    _check_overlap(units, services, manifest)
    return Region(manifest=manifest, units=units, services=services, report=report)


def _read_spec(spec: LayerSpec, what: str) -> gpd.GeoDataFrame:
    """Read the layer a manifest section names (ids as text, keeping leading zeros)."""
    return read_layer(
        spec.path,
        layer=spec.layer,
        crs=spec.crs,
        what=what,
        str_columns=[c for c in (spec.id_col,) if c],
    )


def _canonical(gdf: gpd.GeoDataFrame, front: pd.DataFrame) -> gpd.GeoDataFrame:
    """Canonical columns first, then every original column the user gave (no clashes)."""
    rest = gdf.drop(columns=[c for c in front.columns if c in gdf.columns])
    return gpd.GeoDataFrame(
        pd.concat([front, rest], axis=1), geometry=gdf.geometry.name, crs="EPSG:4326"
    ).reset_index(drop=True)


def load_units(spec: LayerSpec) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read and validate the census units layer of a manifest."""
    what = _("census units")
    src = str(spec.path)
    gdf = _read_spec(spec, what)
    if spec.id_col is None or spec.population_col is None:
        raise InputError(
            _(
                "{what}: region.toml must name id_col and population_col in [units] "
                "(or pass them to init_region)."
            ).format(what=what),
            source=src,
        )
    require_columns(
        gdf,
        {"id_col": spec.id_col, "population_col": spec.population_col, "name_col": spec.name_col},
        source=src,
        what=what,
    )
    check_geometry_types(
        gdf,
        ("Polygon", "MultiPolygon"),
        source=src,
        what=what,
        fix=_("Census units must be polygons; points belong in the services layer."),
    )
    ids = _clean_ids(gdf[spec.id_col], source=src, column=spec.id_col, what=what)
    pop = _population(gdf[spec.population_col], ids, source=src, column=spec.population_col)
    gdf, report = repair_geometries(gdf, source=src, what=what, id_col=spec.id_col)
    names = gdf[spec.name_col].astype(str) if spec.name_col else ids
    front = pd.DataFrame(
        {"unit_id": ids.to_numpy(), "population": pop.to_numpy(), "name": np.asarray(names)},
        index=gdf.index,
    )
    return _canonical(gdf, front), report


def load_services(spec: LayerSpec) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read and validate the service sites layer of a manifest."""
    what = _("service sites")
    src = str(spec.path)
    gdf = _read_spec(spec, what)
    if spec.category_col is None:
        raise InputError(
            _("{what}: region.toml must name category_col in [services].").format(what=what),
            source=src,
        )
    require_columns(
        gdf,
        {
            "site_id_col": spec.id_col,
            "category_col": spec.category_col,
            "site_name_col": spec.name_col,
            "capacity_col": spec.capacity_col,
            "address_col": spec.address_col,
        },
        source=src,
        what=what,
    )
    check_geometry_types(
        gdf,
        ("Point",),
        source=src,
        what=what,
        fix=_(
            "Service sites must be points; convert polygons with "
            "gdf.geometry.representative_point() and save again."
        ),
    )
    category = gdf[spec.category_col]
    if category.isna().any():
        raise InputError(
            _(
                "{what} file {source}: {count} site(s) have no value in {column}. "
                "Give every site a category."
            ).format(
                what=what,
                source=src,
                count=int(category.isna().sum()),
                column=repr(spec.category_col),
            ),
            source=f"{src}:{spec.category_col}",
        )
    names = (
        gdf[spec.name_col].fillna("").astype(str)
        if spec.name_col
        else pd.Series([""] * len(gdf), index=gdf.index)
    )
    if spec.id_col:
        ids = _clean_ids(gdf[spec.id_col], source=src, column=spec.id_col, what=what)
    else:
        ids = derive_site_ids(names, category.astype(str), gdf.geometry.x, gdf.geometry.y)
    if spec.capacity_col:
        cap = pd.to_numeric(gdf[spec.capacity_col], errors="coerce")
        bad = cap.isna() | (cap < 0)
        if bad.any():
            raise InputError(
                _(
                    "{what} file {source}: column {column} must be a number >= 0; "
                    "{count} value(s) are not (site {site}). Fix or drop "
                    "capacity_col to count each site as 1."
                ).format(
                    what=what,
                    source=src,
                    column=repr(spec.capacity_col),
                    count=int(bad.sum()),
                    site=repr(ids[bad].iloc[0]),
                ),
                source=f"{src}:{spec.capacity_col}",
            )
    else:
        cap = pd.Series(1.0, index=gdf.index)
    address = (
        gdf[spec.address_col].fillna("").astype(str)
        if spec.address_col
        else pd.Series([""] * len(gdf), index=gdf.index)
    )
    front = pd.DataFrame(
        {
            "site_id": ids.to_numpy(),
            "category": category.astype(str).to_numpy(),
            "name": names.to_numpy(),
            "capacity": cap.astype(float).to_numpy(),
            "address": address.to_numpy(),
        },
        index=gdf.index,
    )
    return _canonical(gdf, front), []


def derive_site_ids(
    names: pd.Series, categories: pd.Series, lon: pd.Series, lat: pd.Series
) -> pd.Series:
    """Stable site ids from content: ``<slug of name>-<4 hex of name|category|lon|lat>``.

    The id does not depend on the row order, so reordering a file keeps every id.
    """
    out = []
    seen: dict[str, int] = {}
    for name, cat, x, y in zip(names, categories, lon, lat, strict=True):
        slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")[:28] or str(cat)
        digest = hashlib.sha1(f"{name}|{cat}|{x:.6f}|{y:.6f}".encode()).hexdigest()[:4]
        sid = f"{slug}-{digest}"
        seen[sid] = seen.get(sid, 0) + 1
        out.append(sid if seen[sid] == 1 else f"{sid}-{seen[sid]}")
    return pd.Series(out, index=names.index, dtype=object)


def _clean_ids(values: pd.Series, *, source: str, column: str, what: str) -> pd.Series:
    if values.isna().any():
        raise InputError(
            _(
                "{what} file {source}: {count} row(s) have no id in {column}. "
                "Every row needs an id."
            ).format(what=what, source=source, count=int(values.isna().sum()), column=repr(column)),
            source=f"{source}:{column}",
        )
    ids = values.astype(str).str.strip()
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        examples = sorted(set(dup))[:5]
        raise InputError(
            _(
                "{what} file {source}: duplicate id(s) in {column}: {examples}. Ids must be "
                "unique; fix the data or choose another id column."
            ).format(
                what=what,
                source=source,
                column=repr(column),
                examples=f"{examples}{' ...' if dup.nunique() > 5 else ''}",
            ),
            source=f"{source}:{column}",
        )
    return ids


def _population(values: pd.Series, ids: pd.Series, *, source: str, column: str) -> pd.Series:
    pop = pd.to_numeric(values, errors="coerce")
    nonnum = pop.isna() & values.notna()
    if nonnum.any():
        first = ids[nonnum].iloc[0]
        raise InputError(
            _(
                "census units file {source}: column {column} must be numeric; "
                "{count} value(s) are not (unit {unit}: {value}). "
                "Fix the values or choose another population_col."
            ).format(
                source=source,
                column=repr(column),
                count=int(nonnum.sum()),
                unit=repr(first),
                value=repr(values[nonnum].iloc[0]),
            ),
            source=f"{source}:{column}",
        )
    if pop.isna().any():
        raise InputError(
            _(
                "census units file {source}: {count} unit(s) have no population in "
                "{column} (unit {unit}). Fill in 0 where nobody lives."
            ).format(
                source=source,
                count=int(pop.isna().sum()),
                column=repr(column),
                unit=repr(ids[pop.isna()].iloc[0]),
            ),
            source=f"{source}:{column}",
        )
    neg = pop < 0
    if neg.any():
        raise InputError(
            _(
                "census units file {source}: column {column} has {count} negative "
                "value(s) (unit {unit}: {value}). Population must be >= 0 "
                "(missing-value codes such as -999 must be replaced)."
            ).format(
                source=source,
                column=repr(column),
                count=int(neg.sum()),
                unit=repr(ids[neg].iloc[0]),
                value=pop[neg].iloc[0],
            ),
            source=f"{source}:{column}",
        )
    if len(pop) and not (pop > 0).any():
        raise InputError(
            _(
                "census units file {source}: column {column} is 0 for every unit, so there is "
                "nobody to serve and every answer would be 0. Choose the population column with "
                "population_col (in region.toml or as a parameter)."
            ).format(source=source, column=repr(column)),
            source=f"{source}:{column}",
            column=column,
        )
    return pop.astype(float)


def _check_overlap(
    units: gpd.GeoDataFrame, services: gpd.GeoDataFrame, manifest: RegionManifest
) -> None:
    """Units and services that share no extent point to a wrong CRS in one of them."""
    ub = units.total_bounds
    sb = services.total_bounds
    margin = 0.5  # degrees: services may lie somewhat outside the units
    if (
        sb[0] > ub[2] + margin
        or sb[2] < ub[0] - margin
        or sb[1] > ub[3] + margin
        or (sb[3] < ub[1] - margin)
    ):
        raise InputError(
            _(
                "the service sites ({services}) lie nowhere near the census units "
                "({units}): bounds {services_bounds} vs {units_bounds}. One of them probably "
                "declares the wrong CRS; check with gdf.crs and fix it with set_crs(...) or "
                "to_crs('EPSG:4326')."
            ).format(
                services=manifest.services.path,
                units=manifest.units.path,
                services_bounds=np.round(sb, 3).tolist(),
                units_bounds=np.round(ub, 3).tolist(),
            ),
            source=str(manifest.services.path),
        )
