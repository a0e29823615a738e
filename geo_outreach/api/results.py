"""The results of the public API: immutable objects with ``summary()``, tables and ``save()``.

Each result has a matching reader in :mod:`geo_outreach.api.readers` (``Analysis`` ->
``read_analysis``, ``Stops`` -> ``read_stops``, ``Plan`` -> ``read_plan``) that
round-trips its tables and its summary.  Objects that cannot be saved (solver state) are
kept on the result for the session only (``Plan.solution``) and are not promised by the
readers.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo_outreach.files import (
    _json_default,
    atomic_dir,
    atomic_file,
    check_output_path,
    write_manifest,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["PLAN_FILES", "Analysis", "Plan", "Stops", "Visits", "Workers", "column_units"]

logger = logging.getLogger(__name__)

#: The files of a plan folder (``plan.json`` is its manifest).
PLAN_FILES: tuple[str, ...] = (
    "routes.geojson",
    "stops.csv",
    "unscheduled.csv",
    "visits.csv",
    "workers.csv",
)
PLAN_MANIFEST = "plan.json"

_META_KEY = "geo_outreach"


#: Column-name endings and the unit they mean (the data model's naming rule).
_SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_min", "minutes"),
    ("_s", "seconds"),
    ("_h", "hours"),
    ("_km", "kilometres"),
    ("_m", "metres"),
    ("_m2", "square metres"),
    ("_share", "share (0-1)"),
    ("_pct", "percent"),
)
#: Columns whose unit is not in their name.
_NAMED_UNITS: dict[str, str] = {
    "population": "people",
    "covered_population": "people",
    "gain_population": "people",
    "need_score": "index (0-1, higher = more need)",
    "underserved_score": "index (higher = more underserved)",
    "start": "HH:MM, the region's time zone",
    "end": "HH:MM, the region's time zone",
    "lon": "degrees (WGS 84)",
    "lat": "degrees (WGS 84)",
}


def column_units(table: pd.DataFrame) -> dict[str, str]:
    """The unit of every column of ``table`` that has one, from its name.

    Names carry their units (``travel_time_s``, ``dist_m``, ``tt_nearest_clinic_walk_min``);
    a few well-known columns (``population``, ``need_score``...) are listed by name.
    Columns without a unit (ids, names, counts, reasons) are left out.
    """
    out: dict[str, str] = {}
    for col in map(str, table.columns):
        if col in _NAMED_UNITS:
            out[col] = _NAMED_UNITS[col]
            continue
        for suffix, unit in _SUFFIX_UNITS:
            if col.endswith(suffix) and len(col) > len(suffix):
                out[col] = unit
                break
        else:
            if col.startswith("share_"):
                out[col] = "share (0-1)"
            elif col.startswith("n_within_"):
                out[col] = "count"
    return out


def _json_ready(obj: Any) -> Any:
    """``obj`` as plain JSON types (numpy scalars, NaN -> None)."""
    return json.loads(json.dumps(obj, default=_json_default, allow_nan=True).replace("NaN", "null"))


def _write_gpkg(path: Path, layers: Mapping[str, Any], meta: Mapping[str, Any]) -> Path:
    """Write ``layers`` (name -> GeoDataFrame) atomically; ``meta`` goes into the metadata
    of the first layer (GeoPackage layer metadata, not a layer of its own, so GIS users see
    only the data layers)."""
    import geopandas as gpd

    from geo_outreach.present.layers import gpkg_safe

    with atomic_file(path) as tmp:
        first = True
        for name, gdf in layers.items():
            if gdf is None:
                continue
            if len(gdf) == 0:
                gdf = gpd.GeoDataFrame(
                    {c: pd.Series(dtype=str) for c in gdf.columns if c != gdf.geometry.name},
                    geometry=[],
                    crs=gdf.crs or "EPSG:4326",
                )
            extra: dict[str, Any] = {}
            if first:
                extra["layer_metadata"] = {_META_KEY: json.dumps(_json_ready(meta))}
                first = False
            gpkg_safe(gdf).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", **extra)
    return path


def _gpkg_meta(path: Path, layers: list[str]) -> dict[str, Any]:
    """The ``meta`` that :func:`_write_gpkg` stored (empty for files written otherwise)."""
    import pyogrio

    if not layers:
        return {}
    info = pyogrio.read_info(path, layer=layers[0])
    text = (info.get("layer_metadata") or {}).get(_META_KEY)
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class Analysis:
    """Need, access and underserved areas of a region (:func:`geo_outreach.analyze`).

    Attributes
    ----------
    tracts
        One row per unit (EPSG:4326), ``unit_id`` stable: ``need_score``, access columns
        (``tt_nearest_{category}_{mode}_min``, ``n_within_...``, ``fca_...``),
        ``underserved_score``, ``underserved_rank`` (1 = most underserved), ``underserved``,
        ``off_network`` and ``reason``.
    zones
        Contiguous underserved zones.
    need_method
        What the need score is, in words.
    region
        Name of the region analysed.
    """

    tracts: gpd.GeoDataFrame = field(repr=False)
    zones: gpd.GeoDataFrame = field(repr=False)
    need_method: str
    region: str
    _summary: Mapping[str, Any] = field(repr=False, default_factory=dict)
    result: Any = field(default=None, repr=False, compare=False)
    """The analysis engine's result, this session only (not saved)."""

    def summary(self) -> dict[str, Any]:
        """The JSON summary that ``geo-outreach analyze --json`` prints."""
        return dict(self._summary)

    @property
    def units(self) -> dict[str, dict[str, str]]:
        """``{table: {column: unit}}`` for the columns of ``.tracts``, ``.zones`` that have one."""
        return {name: column_units(getattr(self, name)) for name in ("tracts", "zones")}

    @property
    def need(self) -> pd.DataFrame:
        """``unit_id, need_score`` of every unit (what stop siting weighs demand with)."""
        return pd.DataFrame(self.tracts[["unit_id", "need_score"]]).reset_index(drop=True)

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` most underserved units with their reasons."""
        t = self.tracts[self.tracts["underserved_rank"].notna()]
        cols = [
            c
            for c in (
                "unit_id",
                "name",
                "population",
                "need_score",
                "underserved_score",
                "underserved_rank",
                "reason",
            )
            if c in t.columns
        ]
        return pd.DataFrame(t.sort_values("underserved_rank")[cols].head(n)).reset_index(drop=True)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a GeoPackage with layers ``tracts`` and ``zones`` (and the summary)."""
        out = check_output_path(path, kind="file", suffixes=(".gpkg",), parameter="path")
        meta = {
            "kind": "analysis",
            "region": self.region,
            "need_method": self.need_method,
            "summary": self.summary(),
        }
        return _write_gpkg(out, {"tracts": self.tracts, "zones": self.zones}, meta)


# --------------------------------------------------------------------------- stops


@dataclass(frozen=True)
class Stops:
    """Mobile-unit stops chosen by :func:`geo_outreach.site_stops`.

    Attributes
    ----------
    stops
        The chosen stops in order of marginal gain (EPSG:4326 points): ``rank, site_id,
        name, reason, gain, gain_population, covered_population, ...``.
    coverage
        One polygon per stop: the area it reaches within ``within_min``.
    tracts
        Per unit: population, need and covered shares before/after.
    mode, within_min
        How people reach a stop and within how many minutes.
    region
        Name of the region.
    """

    stops: gpd.GeoDataFrame = field(repr=False)
    coverage: gpd.GeoDataFrame = field(repr=False)
    tracts: gpd.GeoDataFrame = field(repr=False)
    mode: str
    within_min: float
    region: str
    _summary: Mapping[str, Any] = field(repr=False, default_factory=dict)
    result: Any = field(default=None, repr=False, compare=False)
    """The siting engine's result, this session only (not saved)."""

    def __len__(self) -> int:
        return len(self.stops)

    def summary(self) -> dict[str, Any]:
        """The JSON summary that ``geo-outreach site --json`` prints."""
        return dict(self._summary)

    @property
    def units(self) -> dict[str, dict[str, str]]:
        """``{table: {column: unit}}`` for the columns of ``.stops``, ``.coverage``, ``.tracts`` that have one."""
        return {name: column_units(getattr(self, name)) for name in ("stops", "coverage", "tracts")}

    def to_visits(
        self,
        *,
        windows: str = "",
        duration_min: float = 120.0,
        skills: str = "",
        priority: str = "required",
        frequency: int = 1,
        min_gap_days: int = 1,
    ) -> Visits:
        """Visits at these stops, ready for :func:`geo_outreach.plan_routes`.

        Parameters
        ----------
        windows
            When the stop takes place, as in the visits CSV (``"Mon-Fri 10:00-14:00"``,
            ``"Tue/Thu 10:00-14:00"``; ``""`` = any time in the shift).
        duration_min
            Time on site at every stop, in minutes.
        skills
            Skills the crew needs, ``;``-separated (``"nurse;es"``).
        priority
            ``"required"`` or a value in minutes of travel (optional stop).
        frequency, min_gap_days
            Visits per stop over the horizon, and the fewest days between two of them.
        """
        from geo_outreach.api.readers import read_visits

        pts = self.stops.to_crs("EPSG:4326")
        table = pd.DataFrame(
            {
                "visit_id": pts["site_id"].astype(str),
                "name": pts["name"].astype(str) if "name" in pts.columns else pts["site_id"],
                "lon": [f"{g.x:.6f}" for g in pts.geometry],
                "lat": [f"{g.y:.6f}" for g in pts.geometry],
                "duration_min": f"{duration_min:g}",
                "windows": windows,
                "skills": skills,
                "priority": str(priority),
                "frequency": str(int(frequency)),
                "min_gap_days": str(int(min_gap_days)),
            }
        )
        return read_visits(table, source="stops")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a GeoPackage with layers ``stops``, ``coverage`` and ``tracts`` (and the summary)."""
        out = check_output_path(path, kind="file", suffixes=(".gpkg",), parameter="path")
        meta = {
            "kind": "stops",
            "region": self.region,
            "mode": self.mode,
            "within_min": self.within_min,
            "summary": self.summary(),
        }
        layers = {"stops": self.stops, "coverage": self.coverage, "tracts": self.tracts}
        return _write_gpkg(out, layers, meta)


# --------------------------------------------------------------------------- routing inputs


@dataclass(frozen=True)
class Visits:
    """Visits to plan, read and checked (:func:`geo_outreach.read_visits`).

    Attributes
    ----------
    table
        The visits as given (all text), one row per visit, ``visit_id`` stable.
    source
        Name of the input in messages (a file name).
    """

    table: pd.DataFrame = field(repr=False)
    source: str
    visits: tuple[Any, ...] = field(repr=False)
    locations: pd.DataFrame = field(repr=False)
    details: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        return len(self.table)


@dataclass(frozen=True)
class Workers:
    """Workers and their shifts, read and checked (:func:`geo_outreach.read_workers`)."""

    table: pd.DataFrame = field(repr=False)
    source: str
    workers: tuple[Any, ...] = field(repr=False)
    locations: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        return len(self.table)


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    """Routes for a day or a week (:func:`geo_outreach.plan_routes`).

    Attributes
    ----------
    routes
        One LineString per worker and day following the roads (EPSG:4326).
    stops
        The itinerary in order: per route a ``start`` row, its ``visit`` and ``break`` rows
        and an ``end`` row, with times.
    unscheduled
        Every visit left out: ``visit_id, occurrence, code, reason, ...``.
    visits, workers
        The inputs as given (tables of text), saved beside the plan.
    meta
        ``region, timezone, seed, time_limit_s, max_iterations, stopped_by, verdict``.
    """

    routes: gpd.GeoDataFrame = field(repr=False)
    stops: pd.DataFrame = field(repr=False)
    unscheduled: pd.DataFrame = field(repr=False)
    visits: pd.DataFrame = field(repr=False)
    workers: pd.DataFrame = field(repr=False)
    meta: Mapping[str, Any] = field(default_factory=dict)
    _summary: Mapping[str, Any] = field(repr=False, default_factory=dict)
    folder: Path | None = field(default=None, compare=False)
    """Where the plan was read from or last saved (None for a plan made in memory)."""
    solution: Any = field(default=None, repr=False, compare=False)
    """The engine's plan with solver state, this session only (not saved)."""

    def summary(self) -> dict[str, Any]:
        """The JSON summary that ``geo-outreach plan --json`` prints."""
        return dict(self._summary)

    @property
    def units(self) -> dict[str, dict[str, str]]:
        """``{table: {column: unit}}`` for the columns of ``.routes``, ``.stops``, ``.unscheduled`` that have one."""
        return {
            name: column_units(getattr(self, name)) for name in ("routes", "stops", "unscheduled")
        }

    @property
    def region(self) -> str | None:
        """Name of the region planned on."""
        return self.meta.get("region")

    @property
    def timezone(self) -> str | None:
        """IANA time zone of the plan's times."""
        return self.meta.get("timezone")

    @property
    def worker_ids(self) -> list[str]:
        """Workers with at least one route, in plan order."""
        return list(dict.fromkeys(self.stops["worker_id"].astype(str)))

    @property
    def days(self) -> list[str]:
        """Days with at least one route, in plan order."""
        return list(dict.fromkeys(self.stops["day"].astype(str)))

    def timeline(self, *, day: str | None = None, week_of: Any = None) -> pd.DataFrame:
        """Each route's working day as travel, visit, break and wait segments (a Gantt table).

        See :func:`geo_outreach.present.timeline.route_timeline`: one row per segment,
        ``worker`` is the worker's name, times in the plan's time zone; the segments of a
        route tile its day without gap or overlap.

        Parameters
        ----------
        day
            Only this weekday code (``"Mon"``); ``None``: every day.
        week_of
            Any date of the plan's week (default: next Monday).
        """
        from geo_outreach.present.timeline import route_timeline

        return route_timeline(self.stops, day=day, timezone=self.timezone, week_of=week_of)

    def pinned_visits(
        self,
        visit_ids: Sequence[str] = (),
        *,
        routes: Sequence[tuple[str, str]] = (),
        visits: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """The visits table with chosen visits pinned where this plan put them.

        For re-planning around a manager's choices: pass the result to
        :func:`geo_outreach.plan_routes` (with ``locked=routes`` to lock whole routes).

        Parameters
        ----------
        visit_ids
            Visits to pin: ``pinned_worker`` and ``pinned_day`` are set to the worker and
            the day(s) this plan gives them.  A recurring visit done by several workers
            keeps its days (``pinned_day`` = ``Mon/Wed``) and no worker pin.
        routes
            ``(worker_id, day)`` routes whose visits are all pinned, with
            ``pinned_order`` = their order in the route.
        visits
            The table to pin into (e.g. the visits as edited since this plan, with new
            rows); default :attr:`visits`, the table this plan was made from.

        Returns
        -------
        pandas.DataFrame
            A copy of the visits table (all text) with the pin columns; other rows
            unchanged.

        Raises
        ------
        InputError
            A visit id or route that this plan does not have.
        """
        from geo_outreach.optimize.routing.io import pin_table

        table = self.visits if visits is None else visits
        return pin_table(table, self.stops, visit_ids, routes=routes)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the plan folder: the files ``geo-outreach plan -o DIR`` writes.

        ``routes.geojson``, ``stops.csv``, ``unscheduled.csv``, the inputs ``visits.csv``
        and ``workers.csv``, and ``plan.json`` (region, time zone, seed, what stopped the
        search, summary, checker verdict, and every file's rows and hash).  The folder is
        written aside and renamed into place when complete; an existing plan folder is
        replaced.
        """
        out = check_output_path(path, kind="dir", parameter="path")
        with atomic_dir(out) as tmp:
            (tmp / "routes.geojson").write_text(
                self.routes.to_crs("EPSG:4326").to_json(drop_id=True) + "\n", encoding="utf-8"
            )
            self.stops.to_csv(tmp / "stops.csv", index=False)
            self.unscheduled.to_csv(tmp / "unscheduled.csv", index=False)
            self.visits.to_csv(tmp / "visits.csv", index=False)
            self.workers.to_csv(tmp / "workers.csv", index=False)
            meta = _json_ready(dict(self.meta))
            meta["summary"] = _json_ready(self._summary)
            write_manifest(tmp, kind="plan", meta=meta, name=PLAN_MANIFEST)
        logger.info("wrote plan folder %s", out)
        return out
