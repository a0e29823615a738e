"""Write analysis results as GIS layers (GeoPackage) with documented column names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geo_outreach.analysis.pipeline import AnalysisResult

__all__ = ["gpkg_safe", "write_analysis_gpkg", "write_gpkg_layers"]


def gpkg_safe(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy of ``gdf`` whose columns GeoPackage can store.

    ``inf`` (beyond the travel-time cutoff) becomes empty, nullable integers and booleans are
    kept, lists become text, and a column whose name differs from an earlier one only by case
    (``NAME`` beside ``name``) gets the suffix ``_orig``.
    """
    out = gdf.copy()
    # GeoPackage field names are case-insensitive: "NAME" beside "name" gets a suffix
    seen: set[str] = set()
    renames = {}
    for col in out.columns:
        key = str(col).lower()
        if key in seen:
            new = f"{col}_orig"
            while new.lower() in seen:
                new += "_"
            renames[col] = new
            key = new.lower()
        seen.add(key)
    out = out.rename(columns=renames)
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if pd.api.types.is_float_dtype(s):
            out[col] = s.replace([np.inf, -np.inf], np.nan)
        elif s.dtype == object:
            out[col] = s.map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
            )
    return out


def write_gpkg_layers(path: str | Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write ``layers`` (name -> frame, in order) to one GeoPackage, atomically.

    Every layer is written to a temporary file beside ``path``, which is renamed onto
    ``path`` only when all layers are in: an error or Ctrl-C leaves the previous file
    (or none), never a file with some of the layers.
    """
    from geo_outreach.files import atomic_file

    path = Path(path)
    with atomic_file(path) as tmp:
        for name, frame in layers.items():
            gpkg_safe(frame).to_file(tmp, layer=name, driver="GPKG")
    return path


def write_analysis_gpkg(result: AnalysisResult, path: str | Path) -> Path:
    """Write layers ``tracts`` and ``zones`` of an analysis to a GeoPackage (replaced if
    present, atomically: see :func:`write_gpkg_layers`)."""
    zones = result.zones
    if not len(zones):  # an empty layer keeps the file's shape predictable for GIS teams
        zones = gpd.GeoDataFrame({"zone_id": pd.Series(dtype=str)}, geometry=[], crs="EPSG:4326")
    return write_gpkg_layers(path, {"tracts": result.tracts, "zones": zones})
