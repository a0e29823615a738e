"""One home for checking tables and layers handed to geo_outreach (layer 0).

Readers (:mod:`geo_outreach.data.readers`), the map makers (:mod:`geo_outreach.present`)
and the public API check what they are given with these functions, so the same mistake
gets the same message wherever it is made: the message names the input (``what``) and
says how to fix it (``gdf.set_crs('EPSG:4326')``, the option that names a column...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geo_outreach.errors import CRSError, InputError
from geo_outreach.i18n import _

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["check_columns", "check_gdf", "check_geometry_types", "require_columns"]


def check_gdf(
    gdf: Any, what: str, *, kinds: set[str] | None = None, wgs84: bool = True
) -> gpd.GeoDataFrame:
    """Check that ``gdf`` is a GeoDataFrame with a CRS (and the right geometry kinds).

    Parameters
    ----------
    gdf
        The layer.
    what
        Its name in messages (``"tracts"``, ``"stops"``).
    kinds
        Allowed geometry types (``{"Point"}``, ``{"Polygon", "MultiPolygon"}``); ``None``
        allows any.
    wgs84
        Return the layer in EPSG:4326 (reprojected when it is in another CRS).

    Raises
    ------
    InputError
        Not a GeoDataFrame, or geometries of another kind.
    CRSError
        No coordinate reference system.
    """
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            _(
                "{what} must be a GeoDataFrame, got {got}; make one with "
                "geopandas.GeoDataFrame(df, geometry=..., crs='EPSG:4326')"
            ).format(what=what, got=type(gdf).__name__),
            source=what,
            parameter=what,
        )
    if gdf.crs is None:
        raise CRSError(
            _(
                "{what} has no coordinate reference system; set it, e.g. "
                "gdf.set_crs('EPSG:4326') for longitude/latitude"
            ).format(what=what),
            source=what,
            parameter=what,
        )
    if kinds is not None and len(gdf):
        found = set(gdf.geom_type.dropna().unique())
        if not found <= kinds:
            raise InputError(
                _("{what} must hold {kinds} geometries, found {found}").format(
                    what=what, kinds=sorted(kinds), found=sorted(found)
                ),
                source=what,
                parameter=what,
            )
    if wgs84 and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


def check_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise when ``df`` lacks any of ``columns``, listing what it has."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            _("{what} has no column(s) {missing}; available: {available}").format(
                what=what, missing=missing, available=list(df.columns)
            ),
            source=what,
            column=missing[0],
        )


def require_columns(
    df: pd.DataFrame, columns: dict[str, str | None], *, source: str, what: str
) -> None:
    """Raise when a column named by an option is missing, naming the option that sets it.

    Parameters
    ----------
    columns
        ``{option name: column name}``; ``None`` values are skipped.
    """
    import geopandas as gpd

    available = (
        [c for c in df.columns if c != df.geometry.name]
        if isinstance(df, gpd.GeoDataFrame)
        else list(df.columns)
    )
    for option, col in columns.items():
        if col is not None and col not in df.columns:
            raise InputError(
                _(
                    "{what} file {source} has no column {column} (set by {option}). Available "
                    "columns: {available}. Pass the right name as {option} or fix it in "
                    "region.toml."
                ).format(
                    what=what,
                    source=source,
                    column=repr(col),
                    option=option,
                    available=f"{available[:30]}{' ...' if len(available) > 30 else ''}",
                ),
                source=source,
                column=col,
                parameter=option,
            )


def check_geometry_types(
    gdf: gpd.GeoDataFrame, allowed: tuple[str, ...], *, source: str, what: str, fix: str
) -> None:
    """Raise when the layer has missing geometries or geometries of another type."""
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        raise InputError(
            _(
                "{what} file {source}: {count} feature(s) have no geometry. "
                "Remove them or give them a location."
            ).format(what=what, source=source, count=int(missing.sum())),
            source=source,
        )
    types = set(gdf.geom_type.unique())
    wrong = types - set(allowed)
    if wrong:
        raise InputError(
            _("{what} file {source} holds {found} geometries, expected {expected}.").format(
                what=what, source=source, found=sorted(wrong), expected=list(allowed)
            )
            + f" {fix}",
            source=source,
        )
