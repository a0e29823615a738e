"""Readers of the public API: a path or a table in, a checked object out.

Every reader takes a file path or a (Geo)DataFrame and names the input in its messages
either way (``read_visits(df, source="visits.csv")``).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from geo_outreach.api.results import (
    PLAN_MANIFEST,
    Analysis,
    Plan,
    Stops,
    Visits,
    Workers,
    _gpkg_meta,
)
from geo_outreach.errors import InputError
from geo_outreach.files import check_manifest
from geo_outreach.i18n import N_, _

__all__ = ["read_analysis", "read_plan", "read_stops", "read_visits", "read_workers"]

logger = logging.getLogger(__name__)

Source = str | os.PathLike[str] | pd.DataFrame

#: what a results file is, per kind: whole sentences (the kind's word is translated with them)
_FOLDER_MESSAGES = {
    "analysis": N_("{path} is a folder; give the analysis GeoPackage (.gpkg)"),
    "stops": N_("{path} is a folder; give the stops GeoPackage (.gpkg)"),
}
_MISSING_MESSAGES = {
    "analysis": N_("analysis file {path} not found; write it with {writer}"),
    "stops": N_("stops file {path} not found; write it with {writer}"),
}


def _table(
    src: Source, what: str, required: tuple[str, ...], source: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """``(as given, checked, name)``: the input as all-text columns and its checked copy.

    A file must be CSV text with a header and rows; a table must have the columns.
    """
    from geo_outreach.optimize.routing.io import _text
    from geo_outreach.optimize.routing.network import _check_csv

    if isinstance(src, pd.DataFrame):
        table = src.drop(columns=[c for c in ("geometry",) if c in src.columns]).copy()
        for c in table.columns:
            table[c] = table[c].map(_text)
        df, name = _check_csv(table, required, what, source or f"{what} table")
        return table, df, name
    df, name = _check_csv(src, required, what, source)
    return df.copy(), df, name


def read_visits(
    src: Source,
    *,
    source: str | None = None,
    visit_log: Any = None,
    week_of: Any = None,
) -> Visits:
    """Read and check visits (the visits CSV format of ``docs/routing.md``).

    Parameters
    ----------
    src
        A CSV file or a table with the same columns (``visit_id, lon, lat, duration_min``
        and optional ``windows, priority, skills, frequency, min_gap_days, name,
        address, notes, languages``).
    source
        Name of the input in messages (default: the file name).
    visit_log
        A visit log (an open :class:`~geo_outreach.visits.store.VisitStore` or its
        database URL): fills ``preferred_worker`` (who last visited the visit or its
        household) and ``last_visit`` (days it was done in the two weeks before the plan's
        week) with :func:`geo_outreach.visits.history.with_visit_history`.
    week_of
        With ``visit_log``: any date of the plan's week (default: next Monday).

    Raises
    ------
    InputError
        Missing columns, no rows, or a bad value, naming the input, row and column.
    """
    from geo_outreach.optimize.routing.io import read_visits_csv
    from geo_outreach.optimize.routing.network import DETAIL_COLUMNS

    table, df, name = _table(src, "visits", ("visit_id", "duration_min"), source)
    if visit_log is not None:
        table = _with_history(table, visit_log, week_of)
        df = _with_history(df, visit_log, week_of)
    if not ({"lon", "lat"} <= set(df.columns) or "location_id" in df.columns):
        raise InputError(
            _(
                "{source}: give the visits' position in lon and lat columns (WGS84 degrees) or a "
                "location_id column"
            ).format(source=name),
            source=name,
            column="lon",
        )
    visits, locations = read_visits_csv(df, source=name)
    keep = ["visit_id", *[c for c in DETAIL_COLUMNS if c in df.columns]]
    details = df[keep].copy()
    details["visit_id"] = details["visit_id"].str.strip()
    return Visits(table=table, source=name, visits=visits, locations=locations, details=details)


def _with_history(table: pd.DataFrame, visit_log: Any, week_of: Any) -> pd.DataFrame:
    import datetime as dt

    from geo_outreach.visits.history import with_visit_history
    from geo_outreach.visits.store import VisitStore, open_store

    if week_of is None:
        today = dt.date.today()
        week_of = today + dt.timedelta(days=7 - today.weekday())
    if isinstance(visit_log, VisitStore):
        return with_visit_history(table, visit_log, week_of=week_of)
    with open_store(str(visit_log)) as store:
        return with_visit_history(table, store, week_of=week_of)


def read_workers(src: Source, *, source: str | None = None) -> Workers:
    """Read and check workers (the workers CSV format of ``docs/routing.md``).

    Parameters
    ----------
    src
        A CSV file or a table (``worker_id, start_lon, start_lat, shift`` and optional
        ``end_lon, end_lat, name, mode, skills, break, max_work_h, capacity``).
    source
        Name of the input in messages (default: the file name).
    """
    from geo_outreach.optimize.routing.io import read_workers_csv

    table, df, name = _table(src, "workers", ("worker_id", "shift"), source)
    if not ({"start_lon", "start_lat"} <= set(df.columns) or "start_location_id" in df.columns):
        raise InputError(
            _(
                "{source}: give each worker's start in start_lon and start_lat columns "
                "(WGS84 degrees)"
            ).format(source=name),
            source=name,
            column="start_lon",
        )
    workers, locations = read_workers_csv(df, source=name)
    return Workers(table=table, source=name, workers=workers, locations=locations)


# --------------------------------------------------------------------------- results


def _layers(path: Path, what: str, writer: str) -> list[str]:
    import pyogrio

    if path.is_dir():
        raise InputError(_(_FOLDER_MESSAGES[what]).format(path=path), source=str(path))
    if not path.is_file():
        raise InputError(
            _(_MISSING_MESSAGES[what]).format(path=path, writer=writer), source=str(path)
        )
    try:
        return [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(
            _("{path} is not a readable GeoPackage ({exc}); write it again with {writer}").format(
                path=path, exc=exc, writer=writer
            ),
            source=str(path),
        ) from exc


def read_analysis(path: str | os.PathLike[str]) -> Analysis:
    """Read an analysis GeoPackage written by :meth:`Analysis.save` or ``geo-outreach analyze``."""
    import geopandas as gpd

    p = Path(path)
    layers = _layers(p, "analysis", "geo-outreach analyze -o FILE.gpkg")
    if "tracts" not in layers:
        raise InputError(
            _(
                "{path} has no layer 'tracts' (layers: {layers}); write it with geo-outreach analyze"
            ).format(path=p, layers=layers),
            source=str(p),
        )
    tracts = gpd.read_file(p, layer="tracts")
    tracts["unit_id"] = tracts["unit_id"].astype(str)
    if "off_network" in tracts.columns:
        tracts["off_network"] = tracts["off_network"].fillna(False).astype(bool)
    zones = gpd.read_file(p, layer="zones") if "zones" in layers else tracts.iloc[:0][["geometry"]]
    meta = _gpkg_meta(p, layers)
    return Analysis(
        tracts=tracts,
        zones=zones,
        need_method=str(meta.get("need_method", "")),
        region=str(meta.get("region", "")),
        _summary=meta.get("summary", {}),
    )


def read_stops(path: str | os.PathLike[str]) -> Stops:
    """Read a stops GeoPackage written by :meth:`Stops.save` or ``geo-outreach site``."""
    import geopandas as gpd

    p = Path(path)
    layers = _layers(p, "stops", "geo-outreach site -o FILE.gpkg")
    if "stops" not in layers:
        raise InputError(
            _(
                "{path} has no layer 'stops' (layers: {layers}); write it with geo-outreach site"
            ).format(path=p, layers=layers),
            source=str(p),
        )
    stops = gpd.read_file(p, layer="stops")
    stops["site_id"] = stops["site_id"].astype(str)
    empty = stops.iloc[:0][["geometry"]]
    coverage = gpd.read_file(p, layer="coverage") if "coverage" in layers else empty
    tracts = gpd.read_file(p, layer="tracts") if "tracts" in layers else empty
    if "unit_id" in tracts.columns:
        tracts["unit_id"] = tracts["unit_id"].astype(str)
    meta = _gpkg_meta(p, layers)
    return Stops(
        stops=stops,
        coverage=coverage,
        tracts=tracts,
        mode=str(meta.get("mode", "")),
        within_min=float(meta.get("within_min", float("nan"))),
        region=str(meta.get("region", "")),
        _summary=meta.get("summary", {}),
    )


def read_plan(path: str | os.PathLike[str]) -> Plan:
    """Read a plan folder written by :meth:`Plan.save` or ``geo-outreach plan -o DIR``.

    The folder is checked against its ``plan.json``: a missing file or a cut table is
    refused; a file changed since (e.g. re-saved by a spreadsheet) is read with a
    :class:`~geo_outreach.files.DamagedOutputWarning`.  A folder written before plans
    carried ``plan.json`` is read with a warning and an empty summary.

    Raises
    ------
    InputError
        Not a folder, no ``stops.csv``, a damaged folder, or a folder of another kind.
    """
    import geopandas as gpd

    folder = Path(path)
    if not folder.is_dir():
        raise InputError(
            _("plan folder {path} not found; write one with geo-outreach plan -o DIR").format(
                path=folder
            ),
            source=str(folder),
        )
    manifest: dict[str, Any] = {}
    if (folder / PLAN_MANIFEST).is_file():
        manifest = check_manifest(folder, kind="plan", name=PLAN_MANIFEST)
    else:
        if not (folder / "stops.csv").is_file():
            raise InputError(
                _(
                    "{path} is not a plan folder (no plan.json, no stops.csv); write one with "
                    "geo-outreach plan -o DIR"
                ).format(path=folder),
                source=str(folder),
            )
        warnings.warn(
            _(
                "{path} has no plan.json (written by an older geo_outreach); reading its "
                "tables without checking them"
            ).format(path=folder),
            UserWarning,
            stacklevel=2,
        )

    def csv(name: str) -> pd.DataFrame:
        p = folder / name
        if not p.is_file():
            return pd.DataFrame()
        return pd.read_csv(p, dtype=str, keep_default_na=False)

    stops = pd.read_csv(folder / "stops.csv", keep_default_na=False)
    for c in ("worker_id", "day", "visit_id"):
        if c in stops.columns:
            stops[c] = stops[c].astype(str)
    rpath = folder / "routes.geojson"
    if rpath.is_file():
        routes = gpd.read_file(rpath)
        routes = routes.set_crs(4326) if routes.crs is None else routes.to_crs(4326)
        for c in ("worker_id", "day", "route_id"):
            if c in routes.columns:
                routes[c] = routes[c].astype(str)
    else:
        routes = gpd.GeoDataFrame({"worker_id": [], "day": []}, geometry=[], crs="EPSG:4326")
    meta = {
        k: v
        for k, v in manifest.items()
        if k not in ("files", "summary", "written_by", "manifest_version", "kind")
    }
    return Plan(
        routes=routes,
        stops=stops,
        unscheduled=csv("unscheduled.csv"),
        visits=csv("visits.csv"),
        workers=csv("workers.csv"),
        meta=meta,
        _summary=manifest.get("summary", {}),
        folder=folder,
    )
