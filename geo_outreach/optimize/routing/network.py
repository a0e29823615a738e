"""Plan visits on a region's road network: snapping, travel matrices, road geometry.

The routing engine (:mod:`geo_outreach.optimize.routing`) works on location ids and
integer travel seconds; this module connects it to the network layer:

1. every location with coordinates (visits, worker starts and ends) is snapped to the
   nearest node of each travel mode's network (``drive`` for vans and workers by car,
   ``walk`` for workers on foot); a location farther than ``max_snap_m`` from the
   network (or without coordinates) is **off the road network** and left out of that
   mode's matrix, so the engine reports the visit as unscheduled with the reason
   "off the road network" (:mod:`.diagnose`) instead of planning it on a straight line;
2. one :class:`~.model.TravelMatrix` per mode from
   :func:`geo_outreach.network.traveltime.od_table` (all on-network locations x all
   on-network locations, seconds rounded up to integers);
3. :func:`~.solve.solve`, then the road geometry of every route
   (:func:`geo_outreach.network.traveltime.route_geometry` through the snapped nodes of
   the stops, joined to the depot's exact position at both ends) and tables of stops
   and unscheduled visits with coordinates and display details.

:func:`visits_from_stops` turns the stops chosen by the siting models into visits in
the same format as :func:`~.io.read_visits_csv`.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo_outreach.domain import MODES, Progress
from geo_outreach.errors import InputError
from geo_outreach.i18n import _
from geo_outreach.network.snap import snap_locations
from geo_outreach.palettes import ROUTE_COLOURS

from .io import ADDRESS_PREFIX, KNOWN_SKILLS, LANGUAGES, QUALIFICATIONS, parse_windows
from .io import read_visits_csv as _read_visits_csv
from .io import read_workers_csv as _read_workers_csv
from .model import WEEKDAYS, Problem, ProblemBuilder, TravelMatrix, Visit, Worker, format_clock
from .solve import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TIME_LIMIT_S,
    Parameters,
    RoutingResult,
    solve,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from geo_outreach.network.graph import RoadNetwork

__all__ = [
    "NETWORK_MODES",
    "PlanInputs",
    "PlanOnNetwork",
    "StageProgress",
    "first_weekdays",
    "network_matrices",
    "plan_on_region",
    "read_plan_inputs",
    "snap_locations",
    "visits_from_stops",
]

logger = logging.getLogger(__name__)

#: Unscheduled reason code of a visit whose address is not in the region's OSM address data.
ADDRESS_NOT_FOUND = "address_not_found"

#: Travel modes the network layer builds (a worker's ``mode`` must be one of them).
NETWORK_MODES: tuple[str, ...] = MODES
#: Default farthest distance from a location to its network node (metres).
DEFAULT_MAX_SNAP_M = 500.0
#: Display columns carried from the visits CSV to the stops and unscheduled tables.
DETAIL_COLUMNS: tuple[str, ...] = ("name", "address", "notes", "languages")

#: ``progress(stage, done, total)``; stages ``network``, ``snap``, ``matrix:<mode>``,
#: ``solve`` (0 of 1 when it starts, 1 of 1 when done) and ``geometry``.
StageProgress = Progress


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def first_weekdays(n: int) -> tuple[str, ...]:
    """The first ``n`` days of the week starting Monday (``3`` -> ``Mon, Tue, Wed``).

    Raises
    ------
    InputError
        When ``n`` is not between 1 and 7 (the engine plans one week at most).
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= int(n) <= 7:
        raise InputError(
            _(
                "days must be a whole number from 1 to 7 (the plan covers at most one week "
                "starting Monday), got {got}"
            ).format(got=repr(n)),
            source="days",
        )
    return WEEKDAYS[: int(n)]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PlanInputs:
    """Visits, workers, their locations and display details read from CSV files.

    Attributes
    ----------
    visits, workers
        Model objects from :func:`~.io.read_visits_csv` / :func:`~.io.read_workers_csv`.
    locations
        ``location_id, lon, lat, kind`` of every visit and worker start/end (unique ids).
    details
        ``visit_id`` plus the display columns of the visits file that exist
        (``name, address, notes, languages``), as text.
    """

    visits: tuple[Visit, ...]
    workers: tuple[Worker, ...]
    locations: pd.DataFrame
    details: pd.DataFrame


def _check_csv(
    src: str | Path | pd.DataFrame, required: Sequence[str], what: str, source: str | None
) -> tuple[pd.DataFrame, str]:
    """Read ``src`` (a CSV path or a table) as text with clear errors; returns ``(df, name)``.

    ``what`` is ``"visits"`` or ``"workers"`` (each message is written out for both, so a
    translation need not fit the word into another sentence).
    """
    visits = what == "visits"
    if isinstance(src, pd.DataFrame):
        name = source or f"{what} table"
        df = src.copy()
        df.columns = [str(c) for c in df.columns]
    else:
        p = Path(src)
        name = source or p.name
        if p.is_dir():
            raise InputError(
                (
                    _("{path} is a folder; give the visits as a .csv file")
                    if visits
                    else _("{path} is a folder; give the workers as a .csv file")
                ).format(path=p),
                source=str(p),
                parameter=what,
            )
        if not p.is_file():
            raise InputError(
                (
                    _("visits file not found: {path}")
                    if visits
                    else _("workers file not found: {path}")
                ).format(path=p),
                source=str(p),
                parameter=what,
            )
        if p.suffix.lower() not in (".csv", ".txt"):
            raise InputError(
                (
                    _(
                        "{file} is not a CSV file; give the visits as a .csv file with a header "
                        "row (columns: {columns}, ...)"
                    )
                    if visits
                    else _(
                        "{file} is not a CSV file; give the workers as a .csv file with a header "
                        "row (columns: {columns}, ...)"
                    )
                ).format(file=p.name, columns=", ".join(required)),
                source=str(p),
                parameter=what,
            )
        from geo_outreach.data.readers import read_csv_table

        df = read_csv_table(p, what=what, dtype=str, keep_default_na=False)
    cols = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in required if c not in cols]
    if missing:
        raise InputError(
            (
                _(
                    "{source}: missing column(s) {missing}; the visits file needs {required} (found {found})"
                )
                if visits
                else _(
                    "{source}: missing column(s) {missing}; the workers file needs {required} "
                    "(found {found})"
                )
            ).format(source=name, missing=missing, required=", ".join(required), found=cols),
            source=name,
            column=missing[0],
        )
    df.columns = cols
    if df.empty:
        raise InputError(
            (
                _("{source} has a header but no rows; add at least one visit")
                if visits
                else _("{source} has a header but no rows; add at least one worker")
            ).format(source=name),
            source=name,
        )
    key = required[0]  # visit_id / worker_id
    ids = df[key].astype(str).str.strip()
    dup = ids.duplicated(keep="first") & (ids != "")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int((ids == ids.iat[i]).to_numpy().argmax())
        raise InputError(
            (
                _(
                    "{source}: row {row} (line {line}): duplicate {column} {id} (first on row "
                    "{first}); every visit needs its own {column}"
                )
                if visits
                else _(
                    "{source}: row {row} (line {line}): duplicate {column} {id} (first on row "
                    "{first}); every worker needs its own {column}"
                )
            ).format(
                source=name, row=i + 1, line=i + 2, column=key, id=repr(ids.iat[i]), first=first + 1
            ),
            source=name,
            row=i + 1,
            column=key,
        )
    return df, name


def read_plan_inputs(
    visits_path: str | Path | pd.DataFrame,
    workers_path: str | Path | pd.DataFrame,
    *,
    visits_source: str | None = None,
    workers_source: str | None = None,
) -> PlanInputs:
    """Read and validate the visits and workers for :func:`plan_on_region`.

    Parameters
    ----------
    visits_path, workers_path
        CSV files in the formats of ``docs/routing.md``, or tables with those columns.
    visits_source, workers_source
        Names used in messages (default: the file names; ``"visits table"`` for tables).

    Returns
    -------
    PlanInputs

    Raises
    ------
    InputError
        A missing or non-CSV file, missing columns, no rows, or any bad value the
        routing readers reject (unknown skill code, a window that ends before it
        starts, a worker without a shift...), naming the file, row and column.
    """
    vdf, vname = _check_csv(visits_path, ("visit_id", "duration_min"), "visits", visits_source)
    has_xy = {"lon", "lat"} <= set(vdf.columns)
    if not has_xy and not ({"location_id", "address"} & set(vdf.columns)):
        raise InputError(
            _(
                "{source}: give the visits' position in lon and lat columns "
                "(WGS84 degrees), a location_id column or an address column"
            ).format(source=vname),
            source=vname,
            column="lon",
        )
    wdf, wname = _check_csv(workers_path, ("worker_id", "shift"), "workers", workers_source)
    if not ({"start_lon", "start_lat"} <= set(wdf.columns) or "start_location_id" in wdf.columns):
        raise InputError(
            _(
                "{source}: give each worker's start in start_lon and start_lat columns "
                "(WGS84 degrees)"
            ).format(source=wname),
            source=wname,
            column="start_lon",
        )
    visits, vlocs = _read_visits_csv(
        visits_path if not isinstance(visits_path, pd.DataFrame) else vdf, source=vname
    )
    workers, wlocs = _read_workers_csv(
        workers_path if not isinstance(workers_path, pd.DataFrame) else wdf, source=wname
    )
    for i, w in enumerate(workers):
        if w.mode not in NETWORK_MODES:
            raise InputError(
                _(
                    "{source}: row {row}: worker {worker} travels by {mode}; "
                    "the road network has modes {modes} (set the mode column "
                    "to one of them)"
                ).format(
                    source=wname,
                    row=i + 1,
                    worker=repr(w.worker_id),
                    mode=repr(w.mode),
                    modes=", ".join(NETWORK_MODES),
                ),
                source=wname,
                row=i + 1,
                column="mode",
            )
    locations = _merge_locations(vlocs, wlocs)
    keep = ["visit_id", *[c for c in DETAIL_COLUMNS if c in vdf.columns]]
    details = vdf[keep].copy()
    for c in keep:
        details[c] = details[c].map(lambda v: "" if v is None or v != v else str(v))
    details["visit_id"] = details["visit_id"].str.strip()
    return PlanInputs(visits, workers, locations, details)


def _merge_locations(*tables: pd.DataFrame) -> pd.DataFrame:
    df = pd.concat([t for t in tables if len(t)], ignore_index=True)
    if df.empty:
        return pd.DataFrame(columns=["location_id", "lon", "lat", "kind"])
    df["location_id"] = df["location_id"].astype(str)
    return df.drop_duplicates("location_id").reset_index(drop=True)


def visits_from_stops(
    stops: gpd.GeoDataFrame,
    *,
    duration_min: float = 90,
    windows: str = "10:00-14:00",
    skills: str = "",
    priority: str = "required",
    frequency: int = 1,
) -> tuple[tuple[Visit, ...], pd.DataFrame]:
    """Visits at the stops chosen by stop siting, in the format of ``read_visits_csv``.

    Parameters
    ----------
    stops
        Chosen stops: a GeoDataFrame with ``site_id`` or ``candidate_id`` and point
        geometry (any CRS; reprojected to EPSG:4326); ``name`` is kept when present.
    duration_min
        Time on site at every stop (minutes, > 0).
    windows
        When the stop takes place, as in the visits CSV (``"10:00-14:00"``,
        ``"Tue/Thu 10:00-14:00"``; ``""`` = any time in the shift).
    skills
        Skills the crew needs, ``;``-separated (``"nurse;es"``).
    priority
        ``"required"`` or a value in minutes of travel (optional stop).
    frequency
        Visits over the horizon, on distinct days.

    Returns
    -------
    tuple
        ``(visits, locations)`` with locations ``location_id, lon, lat, kind``.

    Raises
    ------
    InputError
        No id column, non-point geometry, a missing CRS or a bad option.
    """
    import geopandas as gpd

    if not isinstance(stops, gpd.GeoDataFrame):
        raise InputError(_("stops must be a GeoDataFrame with point geometry"), source="stops")
    id_col = next((c for c in ("site_id", "candidate_id") if c in stops.columns), None)
    if id_col is None:
        raise InputError(
            _("stops need a site_id or candidate_id column; they have {columns}").format(
                columns=list(stops.columns)
            ),
            source="stops",
        )
    if stops.crs is None:
        raise InputError(_("stops have no CRS; set one (e.g. EPSG:4326)"), source="stops")
    if len(stops) and not (stops.geom_type == "Point").all():
        raise InputError(_("stops must hold Point geometries"), source="stops")
    if not (math.isfinite(duration_min) and duration_min > 0):
        raise InputError(
            _("duration_min must be positive, got {got}").format(got=repr(duration_min)),
            source="duration_min",
        )
    pts = stops.to_crs("EPSG:4326")
    dur = round(duration_min * 60)
    wins = parse_windows(windows or "", dur, source="windows")
    need = frozenset(s.strip().lower() for s in re.split(r"[;,]", skills or "") if s.strip())
    bad = sorted(need - KNOWN_SKILLS)
    if bad:
        raise InputError(
            _(
                "skills: unknown skill code(s) {codes}; use ISO 639-1 language codes (es, vi...) "
                "or one of {qualifications}"
            ).format(codes=bad, qualifications=", ".join(sorted(QUALIFICATIONS))),
            source="skills",
        )
    pr = str(priority).strip().lower()
    if pr in ("", "required", "req"):
        required, value = True, 0.0
    else:
        try:
            value = float(pr)
        except ValueError as exc:
            raise InputError(
                _("priority: use 'required' or a number of minutes, got {got}").format(
                    got=repr(priority)
                ),
                source="priority",
            ) from exc
        required = False
    names = pts["name"].astype(str) if "name" in pts.columns else pts[id_col].astype(str)
    visits, locs = [], []
    for sid, name, geom in zip(pts[id_col].astype(str), names, pts.geometry, strict=True):
        lon, lat = float(geom.x), float(geom.y)
        lid = f"pt:{lon:.5f},{lat:.5f}"
        visits.append(
            Visit(
                visit_id=sid,
                location_id=lid,
                duration_s=dur,
                windows=wins,
                required=required,
                value=value,
                skills=need,
                frequency=int(frequency),
                name=name,
            )
        )
        locs.append({"location_id": lid, "lon": lon, "lat": lat, "kind": "visit"})
    ids = [v.visit_id for v in visits]
    if len(set(ids)) != len(ids):
        raise InputError(
            _("stops have duplicate {column} values").format(column=id_col), source=id_col
        )
    table = pd.DataFrame(locs, columns=["location_id", "lon", "lat", "kind"])
    return tuple(visits), table.drop_duplicates("location_id").reset_index(drop=True)


# --------------------------------------------------------------------------- snapping, matrices


def network_matrices(
    networks: Mapping[str, RoadNetwork],
    snapped: pd.DataFrame,
    *,
    progress: StageProgress | None = None,
) -> tuple[dict[str, TravelMatrix], dict[str, pd.DataFrame]]:
    """One travel matrix per mode between its on-network locations.

    Parameters
    ----------
    networks
        Mode -> road network.
    snapped
        From :func:`snap_locations`; off-network locations are left out of the matrix
        (the engine then reports them as off the road network).
    progress
        Stage callback (stage ``matrix:<mode>``).

    Returns
    -------
    tuple
        ``(matrices, od)``: mode -> :class:`TravelMatrix` (integer seconds, rounded up)
        and mode -> the long OD table ``origin_id, dest_id, travel_time_s, dist_m``
        (location ids) it was built from.
    """
    from geo_outreach.network.traveltime import od_table

    prog = progress or _no_progress
    matrices: dict[str, TravelMatrix] = {}
    ods: dict[str, pd.DataFrame] = {}
    for mode, net in networks.items():
        on = snapped[(snapped["mode"] == mode) & snapped["on_network"]]
        pts = pd.DataFrame(
            {
                "id": on["location_id"].astype(str).to_numpy(),
                "node_id": on["node_id"].astype(np.int64).to_numpy(),
            }
        )
        stage = f"matrix:{mode}"

        def report(_step: str, done: int, total: int, stage: str = stage) -> None:
            prog(stage, done, total)

        od = od_table(net, pts, pts, progress=report)
        if pts.empty:
            prog(stage, 1, 1)
        ods[mode] = od
        matrices[mode] = TravelMatrix.from_od(od, location_ids=pts["id"].tolist())
    return matrices, ods


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class PlanOnNetwork:
    """A checked plan on the road network, with what maps and exports need.

    Attributes
    ----------
    result
        The engine's :class:`~.solve.RoutingResult` (``result.violations`` empty for a
        valid plan).
    routes
        GeoDataFrame (EPSG:4326), one LineString per worker and day following the roads,
        from the worker's start to its end: ``route_id, worker_id, worker_name, day,
        mode, start, end, start_s, end_s, n_stops, travel_s, dist_m, duration_s,
        colour, geometry``.
    stops
        The itinerary, in order: per route a ``start`` row, its ``visit`` and ``break``
        rows, and an ``end`` row, with times in seconds and ``HH:MM``, the travel from
        the previous row (``travel_s``, ``dist_m``), ``lon, lat`` and the visit's
        display details.
    unscheduled
        ``visit_id, occurrence, code, reason`` plus ``name``, ``lon, lat``,
        ``nearest_road_m`` (distance to the nearest node of the closest network).
    snapped
        :func:`snap_locations` output.
    matrices, od
        Per mode: the travel matrix given to the engine and its OD table.
    max_snap_m
        Snapping limit used.
    """

    result: RoutingResult
    routes: gpd.GeoDataFrame
    stops: pd.DataFrame
    unscheduled: pd.DataFrame
    snapped: pd.DataFrame
    matrices: Mapping[str, TravelMatrix] = field(repr=False)
    od: Mapping[str, pd.DataFrame] = field(repr=False)
    max_snap_m: float = DEFAULT_MAX_SNAP_M

    @property
    def problem(self) -> Problem:
        """The problem that was solved."""
        return self.result.problem

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (the ``geo-outreach plan --json`` contract).

        Keys: ``days, visits, occurrences, scheduled, unscheduled, unscheduled_by_code,
        off_network, routes, total_travel_s, total_travel_h, total_work_h, worker_hours``
        (worker id -> hours from leaving the start to arriving at the end, summed over
        days), ``workers`` (per worker: ``name, mode, days, visits, travel_h, work_h``),
        ``violations`` (count), ``runtime_s``, ``stopped_by`` (``"max_iterations"``:
        reproducible, or ``"time_limit"``), ``iterations``, ``balance``,
        ``workload_spread_h`` (largest over the days of max - min working hours across
        the workers with a shift that day), ``workload_spread_visits`` (same, in
        visits), ``workload_spread_by_day_h``, ``continuity`` (households served by
        one worker, preferred workers kept), ``max_snap_m``.
        """
        res = self.result
        prob = res.problem
        per: dict[str, dict[str, Any]] = {
            w.worker_id: {
                "name": w.name,
                "mode": w.mode,
                "days": 0,
                "visits": 0,
                "travel_h": 0.0,
                "work_h": 0.0,
            }
            for w in prob.workers
        }
        for r in res.routes:
            p = per[r.worker_id]
            p["days"] += 1
            p["visits"] += len(r.visit_stops)
            p["travel_h"] += r.travel_s / 3600
            p["work_h"] += r.duration_s / 3600
        for p in per.values():
            p["travel_h"] = round(p["travel_h"], 2)
            p["work_h"] = round(p["work_h"], 2)
        spread_h = res.workload_spread("time")
        codes: dict[str, int] = {}
        for u in res.unscheduled:
            codes[u.code] = codes.get(u.code, 0) + 1
        return {
            "days": list(prob.days),
            "visits": len(prob.visits),
            "occurrences": sum(v.frequency for v in prob.visits),
            "scheduled": res.num_scheduled,
            "unscheduled": len(res.unscheduled),
            "unscheduled_by_code": dict(sorted(codes.items())),
            "off_network": codes.get("off_network", 0),
            "routes": len(res.routes),
            "total_travel_s": int(res.travel_s),
            "total_travel_h": round(res.travel_s / 3600, 2),
            "total_work_h": round(sum(r.duration_s for r in res.routes) / 3600, 2),
            "worker_hours": {k: v["work_h"] for k, v in per.items()},
            "workers": per,
            "violations": len(res.violations),
            "runtime_s": round(res.runtime_s, 2),
            "stopped_by": res.stopped_by,
            "iterations": res.iterations,
            "balance": res.balance,
            "workload_spread_h": round(max(spread_h.values(), default=0.0), 2),
            "workload_spread_visits": int(max(res.workload_spread("visits").values(), default=0)),
            "workload_spread_by_day_h": {d: round(x, 2) for d, x in spread_h.items()},
            "continuity": res.continuity(),
            "max_snap_m": self.max_snap_m,
        }


def _networks_of(ctx: Any, modes: Sequence[str], prog: StageProgress) -> dict[str, RoadNetwork]:
    todo = tuple(modes)
    prog("network", 0, len(todo))
    if hasattr(ctx, "load"):
        ctx.load(todo)  # reads the OSM file once for all modes
    out = {}
    for i, m in enumerate(todo):
        out[m] = ctx.network(m)
        out[m].graph  # noqa: B018  (read a cached graph now: the route lines need it, and
        # the time limit counts from the end of the network load)
        prog("network", i + 1, len(todo))
    return out


def _check_workers(
    workers: Sequence[Worker], locations: pd.DataFrame, snapped: pd.DataFrame, max_snap_m: float
) -> None:
    """Every worker's start and end must be on its mode's network: a clear error if not."""
    key = snapped.set_index(["location_id", "mode"])
    xy = locations.set_index("location_id")
    for w in workers:
        for what, lid in (("start", w.start_location_id), ("end", w.end_location_id)):
            if lid not in xy.index or not np.isfinite(
                pd.to_numeric(xy.at[lid, "lon"], errors="coerce")
            ):
                raise InputError(
                    (
                        _(
                            "worker {worker}: its start {location} has no coordinates; give "
                            "start_lon and start_lat so it can be placed on the {mode} network"
                        )
                        if what == "start"
                        else _(
                            "worker {worker}: its end {location} has no coordinates; give "
                            "end_lon and end_lat so it can be placed on the {mode} network"
                        )
                    ).format(worker=repr(w.worker_id), location=repr(lid), mode=w.mode),
                    source=f"{what}_lon",
                )
            row = key.loc[(lid, w.mode)]
            if not bool(row["on_network"]):
                raise InputError(
                    (
                        _(
                            "worker {worker}: its start ({lon}, {lat}) is {distance} m from the "
                            "nearest {mode} road, farther than the snapping limit of "
                            "{limit} m; move it onto a street of the region or raise max_snap_m"
                        )
                        if what == "start"
                        else _(
                            "worker {worker}: its end ({lon}, {lat}) is {distance} m from the "
                            "nearest {mode} road, farther than the snapping limit of "
                            "{limit} m; move it onto a street of the region or raise max_snap_m"
                        )
                    ).format(
                        worker=repr(w.worker_id),
                        lon=xy.at[lid, "lon"],
                        lat=xy.at[lid, "lat"],
                        distance=f"{float(row['snap_dist_m']):.0f}",
                        mode=w.mode,
                        limit=f"{max_snap_m:.0f}",
                    ),
                    source=f"{what}_lon",
                    parameter="max_snap_m",
                )


#: Share of the time limit kept for the route lines and tables after the search.
GEOMETRY_RESERVE_SHARE = 0.10
#: The search always gets at least this long, even when preparing used up the limit.
MIN_SEARCH_S = 0.5


def search_budget_s(time_limit_s: float, *, elapsed_s: float) -> float:
    """Seconds the search may take so the whole plan ends within ``time_limit_s``.

    ``time_limit_s`` bounds everything after the road networks are loaded: placing the
    visits on the roads, the travel-time matrices, the search and the route lines.  The
    search gets what is left after ``elapsed_s`` of preparation, less a reserve for the
    route lines and tables (:data:`GEOMETRY_RESERVE_SHARE` of the limit, at least 0.5 s), and never
    less than :data:`MIN_SEARCH_S` (a plan needs a first search).
    """
    reserve = max(0.5, GEOMETRY_RESERVE_SHARE * time_limit_s)
    return max(MIN_SEARCH_S, time_limit_s - elapsed_s - reserve)


def plan_on_region(
    ctx: Any,
    visits: Sequence[Visit],
    workers: Sequence[Worker],
    locations: pd.DataFrame,
    *,
    days: int | Sequence[str] = 5,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    max_iterations: int | None = DEFAULT_MAX_ITERATIONS,
    seed: int = 0,
    max_snap_m: float | None = None,
    params: Parameters | None = None,
    locked: Sequence[tuple[str, str]] = (),
    balance: str | None = None,
    details: pd.DataFrame | None = None,
    progress: StageProgress | None = None,
) -> PlanOnNetwork:
    """Plan visits for workers with travel times and route geometry from the road network.

    Parameters
    ----------
    ctx
        A :class:`geo_outreach.network.context.RegionNetworks` (``open_region(...)``), or
        anything with ``network(mode)``.
    visits, workers
        From :func:`read_plan_inputs`, :func:`~.io.read_visits_csv` /
        :func:`~.io.read_workers_csv` or :func:`visits_from_stops`.
    locations
        ``location_id, lon, lat`` of every visit and worker location (the readers'
        location tables, concatenated).
    days
        Number of days starting Monday (``5`` = Mon-Fri) or weekday codes.
    time_limit_s, max_iterations, seed
        Search limits and seed (see :func:`~.solve.solve`): the iteration limit is
        the stop rule, the time limit only a cap, so the same inputs give the same
        plan in the app, the CLI and a notebook.
    max_snap_m
        Snapping limit in metres (default: ``ctx.max_snap_m``, else 500 m).
    params
        Engine :class:`~.solve.Parameters`.
    locked, balance
        Locked ``(worker_id, day)`` routes and workload balancing (``"time"`` or
        ``"visits"``), see :func:`~.solve.solve`.
    details
        ``visit_id`` plus display columns (``name, address, notes, languages``) joined
        to the stops and unscheduled tables.
    progress
        ``progress(stage, done, total)`` (see :data:`StageProgress`).

    Returns
    -------
    PlanOnNetwork

    Raises
    ------
    InputError
        A worker mode other than ``drive``/``walk``, a worker start or end off its
        network, no visit, bad days/limits.  Visits off the network are not errors:
        they are unscheduled with the reason "off the road network".
    SolverError
        When the plan fails the independent checker (never expected).
    """
    prog = progress or _no_progress
    day_codes = first_weekdays(days) if isinstance(days, int | np.integer) else tuple(days)
    if not (
        isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s) and time_limit_s > 0
    ):
        raise InputError(
            _("time limit must be a positive number of seconds, got {got}").format(
                got=repr(time_limit_s)
            ),
            source="time_limit_s",
        )
    snap_m = float(
        max_snap_m if max_snap_m is not None else getattr(ctx, "max_snap_m", DEFAULT_MAX_SNAP_M)
    )
    if not visits:
        raise InputError(_("no visit to plan; give at least one visit"), source="visits")
    if not workers:
        raise InputError(_("no worker given; add at least one worker"), source="workers")
    modes = sorted({w.mode for w in workers})
    bad = [w for w in workers if w.mode not in NETWORK_MODES]
    if bad:
        raise InputError(
            _(
                "worker {worker} travels by {mode}; the road network has "
                "modes {modes} (set the mode column to one of them)"
            ).format(
                worker=repr(bad[0].worker_id),
                mode=repr(bad[0].mode),
                modes=", ".join(NETWORK_MODES),
            ),
            source="mode",
        )
    locations = _merge_locations(locations)
    known = set(locations["location_id"])
    for lid in {v.location_id for v in visits} | {
        x for w in workers for x in (w.start_location_id, w.end_location_id)
    }:
        if lid not in known:
            locations = _merge_locations(
                locations,
                pd.DataFrame(
                    [{"location_id": lid, "lon": np.nan, "lat": np.nan, "kind": "unknown"}]
                ),
            )

    locations, not_found = _place_addresses(ctx, locations)
    networks = _networks_of(ctx, modes, prog)
    started = time.perf_counter()  # the time limit counts from here
    prog("snap", 0, 1)
    snapped = snap_locations(networks, locations, max_snap_m=snap_m)
    prog("snap", 1, 1)
    _check_workers(workers, locations, snapped, snap_m)
    matrices, ods = network_matrices(networks, snapped, progress=prog)

    b = ProblemBuilder(days=day_codes)
    for m, mat in matrices.items():
        b.add_matrix(m, mat)
    for v in visits:
        b.add_visit(v)
    for w in workers:
        b.add_worker(w)
    problem = b.build()
    prepared_s = time.perf_counter() - started
    search_s = search_budget_s(time_limit_s, elapsed_s=prepared_s)
    if prepared_s + search_s > time_limit_s:
        logger.warning(
            "placing the visits and the travel times took %.1f s of the %.0f s time limit; "
            "the search gets %.1f s",
            prepared_s,
            time_limit_s,
            search_s,
        )
    prog("solve", 0, 1)
    result = solve(
        problem,
        time_limit_s=search_s,
        max_iterations=max_iterations,
        seed=seed,
        params=params,
        locked=locked,
        balance=balance,
    )
    prog("solve", 1, 1)

    nodes = {
        (str(r.location_id), str(r.mode)): int(r.node_id)
        for r in snapped[snapped["on_network"]].itertuples(index=False)
    }
    # only the legs the routes drive (the matrices hold every pair: slow to turn into dicts)
    on_route = {
        str(x)
        for r in result.routes
        for x in (r.start_location_id, *(s.location_id for s in r.stops), r.end_location_id)
    }
    legs = {
        m: od[od["origin_id"].astype(str).isin(on_route) & od["dest_id"].astype(str).isin(on_route)]
        for m, od in ods.items()
    }
    dist = {m: _pair_lookup(od, "dist_m") for m, od in legs.items()}
    xy = locations.set_index("location_id")[["lon", "lat"]].astype(float)
    det = _details_frame(problem, details)
    times = {m: _pair_lookup(od, "travel_time_s") for m, od in legs.items()}
    routes = _route_frame(result, networks, nodes, dist, xy, prog, times)
    stops = _stops_frame(result, dist, xy, det, snapped)
    unsched = _unscheduled_frame(result, xy, det, snapped, snap_m, not_found)
    return PlanOnNetwork(
        result=result,
        routes=routes,
        stops=stops,
        unscheduled=unsched,
        snapped=snapped,
        matrices=matrices,
        od=ods,
        max_snap_m=snap_m,
    )


# --------------------------------------------------------------------------- output tables


def _pair_lookup(od: pd.DataFrame, col: str) -> dict[tuple[str, str], float]:
    return dict(
        zip(
            zip(od["origin_id"].astype(str), od["dest_id"].astype(str), strict=True),
            od[col].astype(float),
            strict=True,
        )
    )


def _leg_dist(dist: Mapping[tuple[str, str], float], a: str, b: str) -> float:
    return 0.0 if a == b else float(dist.get((a, b), math.nan))


def _details_frame(problem: Problem, details: pd.DataFrame | None) -> pd.DataFrame:
    """visit_id -> name, address, notes, languages, skills (text)."""
    rows = []
    for v in problem.visits:
        langs = ";".join(sorted(v.skills & LANGUAGES))
        rows.append(
            {
                "visit_id": v.visit_id,
                "name": v.name,
                "address": "",
                "notes": "",
                "languages": langs,
                "skills": ";".join(sorted(v.skills)),
            }
        )
    out = pd.DataFrame(
        rows, columns=["visit_id", "name", "address", "notes", "languages", "skills"]
    ).set_index("visit_id")
    if details is not None and len(details) and "visit_id" in details.columns:
        d = (
            details.assign(visit_id=details["visit_id"].astype(str).str.strip())
            .drop_duplicates("visit_id")
            .set_index("visit_id")
        )
        for c in DETAIL_COLUMNS:
            if c in d.columns:
                vals = d[c].reindex(out.index)
                have = vals.notna() & (vals.astype(str).str.strip() != "")
                out.loc[have, c] = vals[have].astype(str)
    return out


def _route_frame(
    result: RoutingResult,
    networks: Mapping[str, RoadNetwork],
    nodes: Mapping[tuple[str, str], int],
    dist: Mapping[str, Mapping[tuple[str, str], float]],
    xy: pd.DataFrame,
    prog: StageProgress,
    times: Mapping[str, Mapping[tuple[str, str], float]] | None = None,
) -> gpd.GeoDataFrame:
    import geopandas as gpd
    from shapely.geometry import LineString

    from geo_outreach.network.traveltime import route_geometry

    prob = result.problem
    times = times or {m: {} for m in networks}
    colour = {
        w.worker_id: ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i, w in enumerate(prob.workers)
    }
    rows, geoms = [], []
    total = len(result.routes)
    prog("geometry", 0, total)
    for k, r in enumerate(result.routes):
        w = prob.worker_by_id[r.worker_id]
        seq = [r.start_location_id, *(s.location_id for s in r.stops), r.end_location_id]
        node_seq = [nodes[(lid, w.mode)] for lid in seq]
        legs = [times[w.mode].get((a, b), math.nan) for a, b in itertools.pairwise(seq)]
        road = list(route_geometry(networks[w.mode], node_seq, leg_times_s=legs).coords)
        start_pt = (
            float(xy.at[r.start_location_id, "lon"]),
            float(xy.at[r.start_location_id, "lat"]),
        )
        end_pt = (float(xy.at[r.end_location_id, "lon"]), float(xy.at[r.end_location_id, "lat"]))
        coords = [start_pt]
        for c in [*road, end_pt]:
            if c != coords[-1]:
                coords.append(c)
        if len(coords) < 2:
            coords.append(coords[0])
        geoms.append(LineString(coords))
        d = sum(_leg_dist(dist[w.mode], a, b) for a, b in itertools.pairwise(seq))
        rows.append(
            {
                "route_id": f"{r.worker_id} {r.day}",
                "worker_id": r.worker_id,
                "worker_name": w.name,
                "day": r.day,
                "mode": w.mode,
                "start": format_clock(r.start_s),
                "end": format_clock(r.end_s),
                "start_s": int(r.start_s),
                "end_s": int(r.end_s),
                "n_stops": len(r.visit_stops),
                "travel_s": int(r.travel_s),
                "dist_m": round(d, 1),
                "duration_s": int(r.duration_s),
                "colour": colour[r.worker_id],
            }
        )
        prog("geometry", k + 1, total)
    cols = [
        "route_id",
        "worker_id",
        "worker_name",
        "day",
        "mode",
        "start",
        "end",
        "start_s",
        "end_s",
        "n_stops",
        "travel_s",
        "dist_m",
        "duration_s",
        "colour",
    ]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=geoms, crs="EPSG:4326")


STOP_COLUMNS: tuple[str, ...] = (
    "worker_id",
    "worker_name",
    "day",
    "seq",
    "kind",
    "visit_id",
    "occurrence",
    "name",
    "address",
    "notes",
    "languages",
    "skills",
    "location_id",
    "lon",
    "lat",
    "snap_dist_m",
    "travel_s",
    "travel_min",
    "dist_m",
    "arrival",
    "arrival_s",
    "start",
    "start_s",
    "end",
    "end_s",
    "departure",
    "departure_s",
    "wait_s",
    "wait_min",
    "break_s",
)


def _stops_frame(
    result: RoutingResult,
    dist: Mapping[str, Mapping[tuple[str, str], float]],
    xy: pd.DataFrame,
    det: pd.DataFrame,
    snapped: pd.DataFrame,
) -> pd.DataFrame:
    prob = result.problem
    snap = snapped.set_index(["location_id", "mode"])["snap_dist_m"]
    rows: list[dict[str, Any]] = []

    def row(
        r: Any,
        w: Worker,
        seq: int,
        kind: str,
        lid: str,
        prev: str,
        travel: int,
        arr: int,
        st: int,
        en: int,
        dep: int,
        vid: str | None = None,
        occ: int | None = None,
    ) -> dict[str, Any]:
        d = det.loc[vid] if vid is not None and vid in det.index else None
        label = {"start": "start", "end": "end", "break": "break"}.get(kind, "")
        return {
            "worker_id": r.worker_id,
            "worker_name": w.name,
            "day": r.day,
            "seq": seq,
            "kind": kind,
            "visit_id": vid or "",
            "occurrence": occ if occ is not None else "",
            "name": d["name"] if d is not None else label,
            "address": d["address"] if d is not None else "",
            "notes": d["notes"] if d is not None else "",
            "languages": d["languages"] if d is not None else "",
            "skills": d["skills"] if d is not None else "",
            "location_id": lid,
            "lon": float(xy.at[lid, "lon"]),
            "lat": float(xy.at[lid, "lat"]),
            "snap_dist_m": round(float(snap.get((lid, w.mode), math.nan)), 1),
            "travel_s": int(travel),
            "travel_min": round(travel / 60, 1),
            "dist_m": round(_leg_dist(dist[w.mode], prev, lid), 1),
            "arrival": format_clock(arr),
            "arrival_s": int(arr),
            "start": format_clock(st),
            "start_s": int(st),
            "end": format_clock(en),
            "end_s": int(en),
            "departure": format_clock(dep),
            "departure_s": int(dep),
            "wait_s": int(st - arr),
            "wait_min": round((st - arr) / 60, 1),
            "break_s": int(en - st) if kind == "break" else 0,
        }

    for r in result.routes:
        w = prob.worker_by_id[r.worker_id]
        prev = r.start_location_id
        rows.append(
            row(r, w, 0, "start", prev, prev, 0, r.start_s, r.start_s, r.start_s, r.start_s)
        )
        for i, s in enumerate(r.stops, start=1):
            rows.append(
                row(
                    r,
                    w,
                    i,
                    s.kind,
                    s.location_id,
                    prev,
                    s.travel_s,
                    s.arrival_s,
                    s.start_s,
                    s.end_s,
                    s.departure_s,
                    vid=s.visit_id if s.kind == "visit" else None,
                    occ=s.occurrence if s.kind == "visit" else None,
                )
            )
            prev = s.location_id
        rows.append(
            row(
                r,
                w,
                len(r.stops) + 1,
                "end",
                r.end_location_id,
                prev,
                r.end_travel_s,
                r.end_s,
                r.end_s,
                r.end_s,
                r.end_s,
            )
        )
    return pd.DataFrame(rows, columns=list(STOP_COLUMNS))


def _place_addresses(ctx: Any, locations: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Give address-only visits (``addr:...`` ids) coordinates from the region's OSM addresses.

    Returns the locations and the ids whose address was not found (they stay without
    coordinates and become unscheduled with the code ``address_not_found``).
    """
    ids = locations["location_id"].astype(str)
    todo = ids.str.startswith(ADDRESS_PREFIX) & locations["lon"].isna()
    if not todo.any():
        return locations, set()
    region = getattr(ctx, "region", None)
    book = None
    if region is not None and hasattr(region, "network_path"):
        from geo_outreach.data.addresses import AddressBook, region_addresses

        book = AddressBook(region_addresses(region))
    out = locations.copy()
    missing: set[str] = set()
    placed = 0
    for i in np.flatnonzero(todo.to_numpy()):
        lid = str(out.iloc[i]["location_id"])
        hit = book.locate(lid[len(ADDRESS_PREFIX) :]) if book is not None else None
        if hit is None:
            missing.add(lid)
            continue
        out.iloc[i, out.columns.get_loc("lon")] = hit[0]
        out.iloc[i, out.columns.get_loc("lat")] = hit[1]
        placed += 1
    logger.info(
        "placed %d of %d address-only visit locations from the region's OSM addresses",
        placed,
        int(todo.sum()),
    )
    return out, missing


def _unscheduled_frame(
    result: RoutingResult,
    xy: pd.DataFrame,
    det: pd.DataFrame,
    snapped: pd.DataFrame,
    max_snap_m: float,
    not_found: set[str] = frozenset(),  # type: ignore[assignment]
) -> pd.DataFrame:
    prob = result.problem
    nearest = snapped.groupby("location_id")["snap_dist_m"].min()
    rows = []
    for u in result.unscheduled:
        v = prob.visit_by_id[u.visit_id]
        lid = v.location_id
        d = det.loc[u.visit_id] if u.visit_id in det.index else None
        near = float(nearest.get(lid, math.nan))
        reason, code = u.reason, u.code
        if u.code == "off_network" and lid in not_found:
            code = ADDRESS_NOT_FOUND
            reason = (
                f"address {lid[len(ADDRESS_PREFIX) :]!r} not found in the region's OSM address "
                "data (addr:street + addr:housenumber); check the spelling or give lon and lat"
            )
        elif u.code == "off_network":
            reason += (
                f" (nearest road {near:.0f} m away, snapping limit {max_snap_m:.0f} m)"
                if math.isfinite(near)
                else " (no coordinates: give lon and lat)"
            )
        rows.append(
            {
                "visit_id": u.visit_id,
                "occurrence": u.occurrence,
                "code": code,
                "reason": reason,
                "name": d["name"] if d is not None else v.name,
                "address": d["address"] if d is not None else "",
                "notes": d["notes"] if d is not None else "",
                "languages": d["languages"] if d is not None else "",
                "skills": ";".join(sorted(v.skills)),
                "location_id": lid,
                "lon": float(xy.at[lid, "lon"]) if lid in xy.index else math.nan,
                "lat": float(xy.at[lid, "lat"]) if lid in xy.index else math.nan,
                "nearest_road_m": round(near, 1) if math.isfinite(near) else math.nan,
            }
        )
    cols = [
        "visit_id",
        "occurrence",
        "code",
        "reason",
        "name",
        "address",
        "notes",
        "languages",
        "skills",
        "location_id",
        "lon",
        "lat",
        "nearest_road_m",
    ]
    return pd.DataFrame(rows, columns=cols)
