"""Read vector layers (GeoPackage, GeoJSON, Shapefile, CSV) with checks at the boundary.

Every problem is raised as :class:`~geo_outreach.errors.InputError` with the file, the
column and the fix in its message. Nothing the user gave is modified: files are only read,
and the returned frames are new objects.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_outreach.errors import CRSError, InputError
from geo_outreach.i18n import N_, _, input_kind
from geo_outreach.validation import check_geometry_types, require_columns

__all__ = [
    "VECTOR_SUFFIXES",
    "EncodingNotice",
    "check_geometry_types",
    "decode_csv_bytes",
    "normalize_decimal_commas",
    "read_csv_table",
    "read_csv_text",
    "read_layer",
    "repair_geometries",
    "require_columns",
    "to_wgs84",
]

logger = logging.getLogger(__name__)

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".csv", ".zip", ".fgb", ".parquet")
_LON_NAMES = ("lon", "lng", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    what: str = "layer",
    str_columns: Iterable[str] = (),
) -> gpd.GeoDataFrame:
    """Read one vector layer into a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet or CSV. A CSV needs either
        longitude/latitude columns (``lon``/``lat``, ``longitude``/``latitude``, ``x``/``y``)
        or a WKT column (``wkt`` or ``geometry``).
    layer
        Layer name inside a multi-layer file such as a GeoPackage.
    crs
        CRS to assume when the file declares none (CSV files, shapefiles without ``.prj``).
    what
        What the layer is ("census units", "service sites"), for error messages.
    str_columns
        Columns read as text so identifiers keep their leading zeros.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer reprojected to EPSG:4326.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(
            _(
                "{what} file not found: {path}. Check the path in region.toml "
                "(paths are relative to the manifest's folder) or pass an existing file."
            ).format(what=input_kind(what), path=path),
            source=str(path),
        )
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise InputError(
            _("{what} path {path} is a folder; give the file inside it.").format(
                what=input_kind(what), path=path
            ),
            source=str(path),
        )
    suffix = "".join(path.suffixes[-1:]).lower()
    str_columns = tuple(str_columns)
    if suffix == ".csv":
        gdf = _read_csv(path, crs=crs, what=what, str_columns=str_columns)
    else:
        gdf = _read_vector(path, layer=layer, what=what, str_columns=str_columns)
        if gdf.crs is None:
            if crs is None:
                raise CRSError(
                    _(
                        "{what} file {path} has no coordinate reference system. Set one in the "
                        "file (e.g. gdf.set_crs('EPSG:4326') then to_file), or add "
                        '`crs = "EPSG:...."` to this layer in region.toml.'
                    ).format(what=input_kind(what), path=path),
                    source=str(path),
                )
            gdf = gdf.set_crs(crs)
    if len(gdf) == 0:
        raise InputError(
            (
                _(
                    "{what} file {path} (layer {layer}) is empty (0 features). Give a file with "
                    "at least one feature, or check the layer name."
                )
                if layer
                else _(
                    "{what} file {path} is empty (0 features). Give a file with at least one "
                    "feature, or check the layer name."
                )
            ).format(what=input_kind(what), path=path, layer=repr(layer)),
            source=str(path),
        )
    gdf = to_wgs84(gdf, source=str(path), what=what)
    return gdf


class EncodingNotice(UserWarning):
    """A CSV file was not UTF-8 and was read in another encoding (cp1252...)."""


_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_PLAIN_NUMBER = re.compile(r"^\s*[+-]?\d+(?:[.,]\d+)?\s*$")


def decode_csv_bytes(raw: bytes, *, source: str) -> tuple[str, str]:
    """Decode the bytes of a CSV file; return ``(text, encoding)``.

    UTF-8 (with or without a byte-order mark) is read as is; UTF-16 with a BOM too.
    Other bytes are read as cp1252 (what spreadsheets on Windows save as "CSV"),
    or, when cp1252 cannot decode them, in the encoding charset-normalizer finds.
    Any encoding other than UTF-8 is reported with an :class:`EncodingNotice`.

    Raises
    ------
    InputError
        When no encoding decodes the file (it is not text).
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        body = raw[3:]
        return (body.decode("utf-8"), "utf-8-sig") if _utf8(body) else _fallback(body, source)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        # a CSV header is mostly ASCII; binary data behind a lookalike BOM is not
        if text and sum(ch.isascii() for ch in text[:2000]) >= 0.5 * len(text[:2000]):
            return text, "utf-16"
    if b"\x00" in raw[:4096]:
        raise InputError(
            _("{source} is not a text file (it holds binary data); save it as CSV (UTF-8)").format(
                source=source
            ),
            source=source,
        )
    if _utf8(raw):
        return raw.decode("utf-8"), "utf-8"
    return _fallback(raw, source)


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _fallback(raw: bytes, source: str) -> tuple[str, str]:
    encoding = None
    try:
        text = raw.decode("cp1252")
        encoding = "cp1252"
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise InputError(
                _("{source}: cannot tell the text encoding; save it as 'CSV UTF-8'").format(
                    source=source
                ),
                source=source,
            ) from None
        encoding = best.encoding
        text = str(best)
    notice = N_(
        "{source} is not UTF-8; read it as {encoding} (Windows/Excel 'CSV'). Save it as "
        "'CSV UTF-8' to be sure accented letters are right"
    )
    logger.info(notice.format(source=source, encoding=encoding))
    warnings.warn(_(notice).format(source=source, encoding=encoding), EncodingNotice, stacklevel=3)
    return text, encoding


def read_csv_text(path: str | Path, *, what: str = "CSV") -> tuple[str, str]:
    """Return the decoded text of a CSV file and its separator (``","``, ``";"`` or tab).

    Raises
    ------
    InputError
        When the path is missing, a folder, or not text.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(
            _("{what} file not found: {path}").format(what=input_kind(what), path=p), source=str(p)
        )
    if p.is_dir():
        raise InputError(
            _("{what} path {path} is a folder; give the CSV file inside it").format(
                what=input_kind(what), path=p
            ),
            source=str(p),
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(
            _("cannot read {what} file {path}: {reason}").format(
                what=input_kind(what), path=p, reason=exc.strerror or exc
            ),
            source=str(p),
        ) from None
    text, _encoding = decode_csv_bytes(raw, source=str(p))
    return text, _sniff_separator(text)


def _sniff_separator(text: str) -> str:
    """``;`` (spreadsheets set to Swedish, Spanish...) or tab when the header has more of
    them than commas; else ``,``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: 0 for sep in (",", ";", "\t")}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] > 0 else ","


def read_csv_table(
    path: str | Path,
    *,
    what: str = "CSV",
    dtype: Any = None,
    keep_default_na: bool = True,
    str_columns: Iterable[str] = (),
    **read_csv_kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV file the way every geo_outreach command reads CSV.

    Parameters
    ----------
    path
        The file. UTF-8 with or without a byte-order mark; other files are read as cp1252
        with a notice (:func:`decode_csv_bytes`). Separators ``,``, ``;`` or tab are
        detected from the header; with ``;`` or tab, decimal commas (``45,52``) are read
        as numbers (text columns too, when every value is such a number).
    what
        What the file is ("visits", "candidate stops"), for messages.
    dtype, keep_default_na, read_csv_kwargs
        Passed to :func:`pandas.read_csv`.
    str_columns
        Columns read as text (identifiers with leading zeros).

    Returns
    -------
    pandas.DataFrame
        The table (a header-only file gives 0 rows; callers decide whether that is allowed).

    Raises
    ------
    InputError
        Missing file, a folder, empty or malformed CSV, naming the file (and the row when
        the parser says which).
    """
    p = Path(path)
    text, sep = read_csv_text(p, what=what)
    if not text.strip():
        raise InputError(
            _("{what} file {path} is empty; it needs a header row and one row per record").format(
                what=input_kind(what), path=p
            ),
            source=str(p),
        )
    str_columns = tuple(str_columns)
    if str_columns and dtype is None:
        dtype = dict.fromkeys(str_columns, str)
    elif str_columns and isinstance(dtype, Mapping):
        dtype = {**dict.fromkeys(str_columns, str), **dtype}
    decimal = "," if sep in (";", "\t") else "."
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            decimal=decimal,
            dtype=dtype,
            keep_default_na=keep_default_na,
            **read_csv_kwargs,
        )
    except pd.errors.EmptyDataError:
        raise InputError(
            _("{what} file {path} is empty; it needs a header row and one row per record").format(
                what=input_kind(what), path=p
            ),
            source=str(p),
        ) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        detail = " ".join(str(exc).split())
        m = re.search(r"line (\d+)", detail)
        row = int(m.group(1)) - 1 if m else None
        raise InputError(
            _(
                "{what} file {path} is not well-formed CSV ({detail}); check the quotes and the "
                "number of fields on each row"
            ).format(what=input_kind(what), path=p, detail=detail),
            source=str(p),
            row=row,
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if decimal == ",":
        df = normalize_decimal_commas(df, keep=str_columns)
    return df


def normalize_decimal_commas(df: pd.DataFrame, *, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Turn text columns whose every value is a number with a decimal comma (``45,52``)
    into the same text with a point (``45.52``); other columns are untouched.

    For files with ``;`` or tab separators, where a comma cannot separate fields.
    """
    keep = set(keep)
    out = df
    for col in df.columns:
        values = df[col]
        if col in keep or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values[values.notna()].astype(str).str.strip()
        filled = text[text != ""]
        if (
            len(filled)
            and filled.str.match(_PLAIN_NUMBER).all()
            and filled.str.match(_DECIMAL_COMMA).any()
        ):
            if out is df:
                out = df.copy()
            out[col] = values.map(lambda v: v.replace(",", ".") if isinstance(v, str) else v)
    return out


def _read_vector(
    path: Path, *, layer: str | None, what: str, str_columns: tuple[str, ...]
) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise InputError(
            _(
                "cannot read {what} file {path}: {exc}. Give a GeoPackage, GeoJSON, Shapefile "
                "or CSV."
            ).format(what=input_kind(what), path=path, exc=exc),
            source=str(path),
        ) from exc
    names = [str(row[0]) for row in layers]
    if layer is not None and layer not in names:
        raise InputError(
            _(
                "{what} file {path} has no layer {layer}; its layers are {layers}. "
                "Fix `layer` in region.toml (or the layer parameter)."
            ).format(what=input_kind(what), path=path, layer=repr(layer), layers=names),
            source=str(path),
        )
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise InputError(
            _("cannot read {what} file {path}: {exc}").format(
                what=input_kind(what), path=path, exc=exc
            ),
            source=str(path),
        ) from exc
    for col in str_columns:
        if col in gdf.columns and not pd.api.types.is_string_dtype(gdf[col]):
            gdf[col] = _as_id_strings(gdf[col])
    return gdf


def _as_id_strings(values: pd.Series) -> pd.Series:
    """Integers stored as numbers (``41051000100.0``) become ``"41051000100"``."""
    if pd.api.types.is_float_dtype(values) and np.all(np.mod(values.dropna(), 1) == 0):
        values = values.astype("Int64")
    return values.astype("string").astype(object).where(values.notna(), None)


def _read_csv(
    path: Path, *, crs: str | None, what: str, str_columns: tuple[str, ...]
) -> gpd.GeoDataFrame:
    df = read_csv_table(path, what=what, str_columns=str_columns)
    lower = {c.lower(): c for c in df.columns}
    lon_col = next((lower[n] for n in _LON_NAMES if n in lower), None)
    lat_col = next((lower[n] for n in _LAT_NAMES if n in lower), None)
    wkt_col = next((lower[n] for n in _WKT_NAMES if n in lower), None)
    if wkt_col is not None:
        try:
            geoms = shapely.from_wkt(df[wkt_col].astype(str).to_numpy(), on_invalid="raise")
        except shapely.errors.GEOSException as exc:
            raise InputError(
                _(
                    "{what} file {path}: column {column} is not valid WKT ({exc}). "
                    "Write geometries as WKT text, e.g. 'POINT (-122.6 45.5)'."
                ).format(what=input_kind(what), path=path, column=repr(wkt_col), exc=exc),
                source=f"{path}:{wkt_col}",
            ) from exc
        df = df.drop(columns=[wkt_col])
    elif lon_col is not None and lat_col is not None:
        lon = pd.to_numeric(df[lon_col], errors="coerce")
        lat = pd.to_numeric(df[lat_col], errors="coerce")
        bad = lon.isna() | lat.isna()
        if bad.any():
            raise InputError(
                _(
                    "{what} file {path}: {count} row(s) have a missing or non-numeric "
                    "{lon_column}/{lat_column} (first at row {row}). "
                    "Fill in coordinates or remove those rows."
                ).format(
                    what=input_kind(what),
                    path=path,
                    count=int(bad.sum()),
                    lon_column=repr(lon_col),
                    lat_column=repr(lat_col),
                    row=int(np.flatnonzero(bad)[0]) + 2,
                ),
                source=f"{path}:{lon_col}",
            )
        bad_lat = (lat.abs() > 90) | (lon.abs() > 180)
        if bad_lat.any():
            row = int(np.flatnonzero(bad_lat)[0])
            swapped = bool((lon.abs() <= 90).all() and (lat.abs() <= 180).all())
            message = (
                _(
                    "{what} file {path}: row {row}: {lon_column}={lon} {lat_column}={lat} look "
                    "swapped: {lat_column} holds longitudes; exchange the two columns"
                )
                if swapped
                else _(
                    "{what} file {path}: row {row}: {lon_column}={lon} {lat_column}={lat} are "
                    "not WGS84 degrees (latitude -90..90, longitude -180..180)"
                )
            )
            raise InputError(
                message.format(
                    what=input_kind(what),
                    path=path,
                    row=row + 1,
                    lon_column=repr(lon_col),
                    lon=lon.iat[row],
                    lat_column=repr(lat_col),
                    lat=lat.iat[row],
                ),
                source=str(path),
                row=row + 1,
                column=lat_col,
            )
        geoms = shapely.points(lon.to_numpy(), lat.to_numpy())
    else:
        raise InputError(
            _(
                "{what} file {path} has no coordinates: add 'lon' and 'lat' columns (WGS84 "
                "degrees) or a 'wkt' column. Its columns are {columns}."
            ).format(what=input_kind(what), path=path, columns=list(df.columns)),
            source=str(path),
        )
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs or "EPSG:4326")


def to_wgs84(gdf: gpd.GeoDataFrame, *, source: str, what: str) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 after checking the coordinates agree with the declared CRS."""
    if gdf.crs is None:
        raise CRSError(
            _(
                "{what} ({source}) has no CRS; use gdf.set_crs('EPSG:....') with the CRS the "
                "coordinates are in."
            ).format(what=input_kind(what), source=source),
            source=source,
        )
    bounds = gdf.total_bounds
    outside = bounds[0] < -180.5 or bounds[2] > 180.5 or bounds[1] < -90.5 or bounds[3] > 90.5
    swapped = (
        bounds[0] >= -90.5 and bounds[2] <= 90.5 and bounds[1] >= -180.5 and bounds[3] <= 180.5
    )
    if gdf.crs.is_geographic and np.isfinite(bounds).all() and outside and swapped:
        raise CRSError(
            _(
                "{what} ({source}): longitude and latitude look swapped: the y values "
                "{y_range} are not latitudes but x {x_range} could be. Write x = longitude, "
                "y = latitude (GeoJSON order lon, lat)."
            ).format(
                what=input_kind(what),
                source=source,
                y_range=np.round(bounds[[1, 3]], 1).tolist(),
                x_range=np.round(bounds[[0, 2]], 1).tolist(),
            ),
            source=source,
        )
    if gdf.crs.is_geographic and np.isfinite(bounds).all() and outside:
        raise CRSError(
            _(
                "{what} ({source}) declares the geographic CRS {crs} but its coordinates "
                "{bounds} are not degrees: they look projected. Declare the right CRS with "
                "set_crs('EPSG:<projected code>', allow_override=True), or reproject with "
                "to_crs('EPSG:4326') before saving."
            ).format(
                what=input_kind(what),
                source=source,
                crs=gdf.crs.to_string(),
                bounds=np.round(bounds, 1).tolist(),
            ),
            source=source,
        )
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs.to_epsg() != 4326 else gdf.copy()
    return gdf


def repair_geometries(
    gdf: gpd.GeoDataFrame, *, source: str, what: str, id_col: str | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Repair invalid polygons with ``make_valid`` and report which ones were repaired.

    Returns a new frame (the input is untouched) and the list of report lines.
    """
    invalid = ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf, []
    out = gdf.copy()
    repaired = shapely.make_valid(out.geometry[invalid].to_numpy())
    # keep only polygonal parts: make_valid may add stray lines or points
    polys = [_polygonal_part(g) for g in repaired]
    out.loc[invalid, out.geometry.name] = polys
    ids = (out.loc[invalid, id_col] if id_col else out.index[invalid]).astype(str).tolist()
    line = (
        f"{what} file {source}: repaired {len(ids)} invalid geometr{'y' if len(ids) == 1 else 'ies'} "
        f"with make_valid (ids: {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''})"
    )
    logger.warning(line)
    return out, [line]


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom
