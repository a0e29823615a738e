"""Results of large runs as a folder of partitioned GeoParquet layers.

``geo-outreach analyze -o OUT.parquet`` writes a folder::

    OUT.parquet/
        tracts/part.00000.parquet ...   (rows in unit-id order, ROWS_PER_PART per file)
        zones/part.00000.parquet
        manifest.json                   (files, rows, SHA-256, the run's summary)

Each layer folder is a GeoParquet dataset: ``geopandas.read_parquet("OUT.parquet/tracts")``,
``dask_geopandas.read_parquet("OUT.parquet/tracts")`` (one partition per file) or any GIS that
reads GeoParquet open it. The folder is written atomically (:func:`geo_outreach.files.atomic_dir`)
and checked by its manifest like the tool's other folders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_outreach.files import atomic_dir, write_manifest

__all__ = ["ROWS_PER_PART", "read_geoparquet_layer", "write_geoparquet_folder"]

#: Rows per GeoParquet file (one Dask partition each when read back with dask-geopandas).
ROWS_PER_PART = 50_000


def _parquet_safe(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == object:  # mixed objects (None + str + numbers): store as text
            out[col] = out[col].map(lambda v: None if v is None or v is pd.NA else v)
            kinds = {type(v) for v in out[col].dropna()}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool, int, float}):
                out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out


def write_geoparquet_folder(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    meta: Mapping[str, Any] | None = None,
    rows_per_part: int | None = None,
    sort_by: str | None = "unit_id",
) -> Path:
    """Write each layer as a partitioned GeoParquet dataset in one folder, atomically.

    Parameters
    ----------
    path
        The folder (``*.parquet``); replaced only when the write succeeds.
    layers
        Layer name -> GeoDataFrame.
    meta
        JSON-ready fields for the manifest (e.g. the run's summary).
    rows_per_part
        Rows per file (default :data:`ROWS_PER_PART`).
    sort_by
        Column that orders rows before they are split (when present), so the files of the
        same result are the same whatever machine or cluster computed it.
    """
    rows_per_part = int(rows_per_part or ROWS_PER_PART)
    with atomic_dir(path) as tmp:
        for name, gdf in layers.items():
            folder = tmp / name
            folder.mkdir()
            if sort_by and sort_by in gdf.columns:
                gdf = gdf.sort_values(sort_by, kind="stable")
            gdf = _parquet_safe(gdf.reset_index(drop=True))
            n_parts = max(1, -(-len(gdf) // max(1, rows_per_part)))
            for i in range(n_parts):
                part = gdf.iloc[i * rows_per_part : (i + 1) * rows_per_part]
                part.to_parquet(folder / f"part.{i:05d}.parquet", index=False)
        write_manifest(tmp, kind="analysis-geoparquet", meta=meta)
    return Path(path)


def read_geoparquet_layer(path: str | os.PathLike[str], layer: str) -> gpd.GeoDataFrame:
    """Read one layer of a folder written by :func:`write_geoparquet_folder`."""
    from geo_outreach.files import check_manifest

    check_manifest(path, kind="analysis-geoparquet")
    files = sorted((Path(path) / layer).glob("part.*.parquet"))
    return gpd.GeoDataFrame(pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True))
