"""Regions: a folder with a ``region.toml`` manifest, its census units and its service sites.

A manifest names three files and how to read them::

    name = "my-county"
    title = "My County"
    attribution = "Map data (c) OpenStreetMap contributors (ODbL); US Census Bureau"
    data_date = "ACS 2018-2022"
    # optional: base folder for the paths below; "{data_dir}" expands to the shared data folder
    base_dir = "."

    [network]
    path = "roads.osm.bz2"          # OSM XML (.osm, .osm.bz2, .osm.gz)

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

The demo region ``portland-central`` ships as ``data/portland-central/region.toml`` and reads
the shared data folder (see :func:`geo_outreach.config.data_dir`). When those files are
missing, :func:`load_region` falls back to a synthetic region and says so.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
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

__all__ = [
    "DEMO_REGION",
    "LayerSpec",
    "Region",
    "RegionManifest",
    "init_region",
    "load_region",
    "read_manifest",
    "resolve_manifest",
    "write_manifest",
]

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


# --------------------------------------------------------------------------- manifests


def _section(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or "path" not in value:
        raise InputError(
            f'{path}: missing [{key}] section with a `path`. Add e.g.\n[{key}]\npath = "..."',
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
            f"no region manifest at {path}. Create one with `geo-outreach region init DIR "
            "--network F --tracts F --services F`, or give the folder that holds region.toml.",
            source=str(path),
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}", source=str(path)) from exc
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
                f"{path}: unknown key(s) {sorted(unknown)} in [{key}]; allowed: "
                f"{['path', *allowed]}",
                source=str(path),
            )
        file = Path(str(sec["path"]))
        return LayerSpec(
            path=(file if file.is_absolute() else base_path / file).resolve(),
            **{k: (str(sec[k]) if sec.get(k) not in (None, "") else None) for k in allowed},
        )

    net = _section(data, "network", path)
    net_path = Path(str(net["path"]))
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
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_manifest(
    directory: str | Path,
    *,
    name: str,
    network: str | Path,
    units: dict[str, Any],
    services: dict[str, Any],
    title: str = "",
    attribution: str = "",
    data_date: str = "",
    synthetic: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write ``DIR/region.toml``; ``units``/``services`` map manifest keys to values."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MANIFEST_NAME
    if target.exists() and not overwrite:
        raise InputError(
            f"{target} already exists; pass --overwrite to replace it.", source=str(target)
        )
    lines = [
        f"name = {_toml_value(name)}",
        f"title = {_toml_value(title or name)}",
        f"attribution = {_toml_value(attribution)}",
        f"data_date = {_toml_value(data_date)}",
    ]
    if synthetic:
        lines.append("synthetic = true")
    lines += ["", "[network]", f"path = {_toml_value(network)}"]
    for key, spec in (("units", units), ("services", services)):
        lines += ["", f"[{key}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in spec.items() if v not in (None, "")]
    from geo_outreach.files import write_text

    write_text(target, "\n".join(lines) + "\n")
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
    overwrite: bool = False,
    validate: bool = True,
) -> Path:
    """Write a manifest for a user's own data, then load it once to validate it.

    The data files stay where they are; the manifest refers to them by relative path.
    """
    directory = Path(directory)
    for label, file in (("network", network), ("tracts", tracts), ("services", services)):
        if not Path(file).exists():
            raise InputError(f"--{label} file not found: {file}", source=str(file))
    path = write_manifest(
        directory,
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
        overwrite=overwrite,
    )
    if validate:
        try:
            load_region(path)
        except BaseException:  # an invalid manifest (or Ctrl-C) leaves no region.toml
            path.unlink(missing_ok=True)
            raise
    return path


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
            f"road network path {manifest.network} (named in {manifest.manifest_path}) is a "
            "folder; fix [network] path to name the OSM XML file inside it.",
            source=str(manifest.network),
        )
    if not manifest.network.exists():
        raise InputError(
            f"road network file not found: {manifest.network} (named in "
            f"{manifest.manifest_path}). Fix [network] path.",
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
    what = "census units"
    src = str(spec.path)
    gdf = _read_spec(spec, what)
    if spec.id_col is None or spec.population_col is None:
        raise InputError(
            f"{what}: region.toml must name id_col and population_col in [units] "
            "(--id-col / --population-col).",
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
        fix="Census units must be polygons; points belong in the services layer.",
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
    what = "service sites"
    src = str(spec.path)
    gdf = _read_spec(spec, what)
    if spec.category_col is None:
        raise InputError(
            f"{what}: region.toml must name category_col in [services] (--category-col).",
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
        fix="Service sites must be points; convert polygons with "
        "gdf.geometry.representative_point() and save again.",
    )
    category = gdf[spec.category_col]
    if category.isna().any():
        raise InputError(
            f"{what} file {src}: {int(category.isna().sum())} site(s) have no value in "
            f"{spec.category_col!r}. Give every site a category.",
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
                f"{what} file {src}: column {spec.capacity_col!r} must be a number >= 0; "
                f"{int(bad.sum())} value(s) are not (site {ids[bad].iloc[0]!r}). Fix or drop "
                "capacity_col to count each site as 1.",
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
            f"{what} file {source}: {int(values.isna().sum())} row(s) have no id in {column!r}. "
            "Every row needs an id.",
            source=f"{source}:{column}",
        )
    ids = values.astype(str).str.strip()
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        examples = sorted(set(dup))[:5]
        raise InputError(
            f"{what} file {source}: duplicate id(s) in {column!r}: {examples}"
            f"{' ...' if dup.nunique() > 5 else ''}. Ids must be unique; fix the data or choose "
            "another id column.",
            source=f"{source}:{column}",
        )
    return ids


def _population(values: pd.Series, ids: pd.Series, *, source: str, column: str) -> pd.Series:
    pop = pd.to_numeric(values, errors="coerce")
    nonnum = pop.isna() & values.notna()
    if nonnum.any():
        first = ids[nonnum].iloc[0]
        raise InputError(
            f"census units file {source}: column {column!r} must be numeric; "
            f"{int(nonnum.sum())} value(s) are not (unit {first!r}: {values[nonnum].iloc[0]!r}). "
            "Fix the values or choose another --population-col.",
            source=f"{source}:{column}",
        )
    if pop.isna().any():
        raise InputError(
            f"census units file {source}: {int(pop.isna().sum())} unit(s) have no population in "
            f"{column!r} (unit {ids[pop.isna()].iloc[0]!r}). Fill in 0 where nobody lives.",
            source=f"{source}:{column}",
        )
    neg = pop < 0
    if neg.any():
        raise InputError(
            f"census units file {source}: column {column!r} has {int(neg.sum())} negative "
            f"value(s) (unit {ids[neg].iloc[0]!r}: {pop[neg].iloc[0]}). Population must be >= 0 "
            "(missing-value codes such as -999 must be replaced).",
            source=f"{source}:{column}",
        )
    if len(pop) and not (pop > 0).any():
        raise InputError(
            f"census units file {source}: column {column!r} is 0 for every unit, so there is "
            "nobody to serve and every answer would be 0. Choose the population column with "
            "--population-col (population_col in region.toml).",
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
            f"the service sites ({manifest.services.path}) lie nowhere near the census units "
            f"({manifest.units.path}): bounds {np.round(sb, 3).tolist()} vs "
            f"{np.round(ub, 3).tolist()}. One of them probably declares the wrong CRS; check "
            "with gdf.crs and fix it with set_crs(...) or to_crs('EPSG:4326').",
            source=str(manifest.services.path),
        )
