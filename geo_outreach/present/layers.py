"""Write analysis results as GIS layers (GeoPackage) with documented column names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geo_outreach.analysis.pipeline import AnalysisResult

__all__ = ["gpkg_safe", "write_analysis_gpkg"]


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


def write_analysis_gpkg(result: AnalysisResult, path: str | Path) -> Path:
    """Write layers ``tracts`` and ``zones`` of an analysis to a GeoPackage (replaced if present)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    gpkg_safe(result.tracts).to_file(path, layer="tracts", driver="GPKG")
    zones = result.zones
    if len(zones):
        gpkg_safe(zones).to_file(path, layer="zones", driver="GPKG")
    else:  # an empty layer keeps the file's shape predictable for GIS teams
        gpd.GeoDataFrame({"zone_id": pd.Series(dtype=str)}, geometry=[], crs="EPSG:4326").to_file(
            path, layer="zones", driver="GPKG"
        )
    return path
