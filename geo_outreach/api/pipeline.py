"""The orchestration layer: region -> need and access -> stops -> routes -> packet and maps.

Both faces call these functions: every ``geo-outreach`` command is argument parsing, one
call here and printing; every dashboard page is widgets, one call here and drawing.

>>> import geo_outreach as go                                          # doctest: +SKIP
>>> region = go.open_region()
>>> analysis = go.analyze(region, need="auto", modes=("drive", "walk"))
>>> stops = go.site_stops(region, analysis, p=4, within_min=15, mode="walk", equity_floor=0.5)
>>> visits = stops.to_visits(windows="Mon-Fri 10:00-14:00", duration_min=120)
>>> workers = go.read_workers("data/demo_workers.csv")
>>> plan = go.plan_routes(region, visits, workers, days=5, time_limit_s=10, seed=0)
>>> plan.save("out/plan")
>>> go.field_packet(plan, worker="ow_ana", day="Mon", out="out/packet")
>>> go.coverage_map(region, analysis, stops=stops, out="out/map.pdf")
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo_outreach.api.readers import read_visits, read_workers
from geo_outreach.api.results import Analysis, Plan, Stops, Visits, Workers
from geo_outreach.domain import MODES, Progress
from geo_outreach.errors import InputError
from geo_outreach.files import atomic_file, check_output_path
from geo_outreach.i18n import _

if TYPE_CHECKING:
    import geopandas as gpd

    from geo_outreach.network.context import RegionNetworks

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "Progress",
    "analyze",
    "coverage_map",
    "field_packet",
    "open_region",
    "plan_routes",
    "site_stops",
]

logger = logging.getLogger(__name__)


#: One default time limit per kind of solve (seconds).
DEFAULT_TIME_LIMIT_S: dict[str, float] = {"siting": 60.0, "routing": 60.0}
"""Routing stops at its iteration limit (3,000 by default); the time is only a cap there."""


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def open_region(
    region: str | os.PathLike[str] | None = None,
    *,
    max_snap_m: float = 500.0,
    cache: bool = True,
) -> RegionNetworks:
    """Open a region: its units, services and (lazily) road networks.

    Parameters
    ----------
    region
        A region folder (with ``region.toml``) or a shipped region name; ``None`` is the
        demo region (synthetic when its data is absent).
    max_snap_m
        Farthest a unit or site may be from the road network and still be on it (metres).
    cache
        Reuse built networks from the disk cache.
    """
    from geo_outreach.network.context import open_region as _open

    if not (isinstance(max_snap_m, int | float) and math.isfinite(max_snap_m) and max_snap_m > 0):
        raise InputError(
            _("max_snap_m must be a positive number of metres, got {got}").format(
                got=repr(max_snap_m)
            ),
            parameter="max_snap_m",
        )
    return _open(region, max_snap_m=float(max_snap_m), cache=cache)


def _region_language(region: Any) -> str | None:
    """A region's default language: its manifest's ``language``, else its country's."""
    from geo_outreach.i18n import country_language

    reg = region.region
    return reg.manifest.language or country_language(reg.country)


def _region_name(region: Any) -> str:
    return str(getattr(getattr(region, "region", None), "name", "") or "")


def is_demo_region(region: Any) -> bool:
    """Whether ``region`` (from :func:`open_region`) is the demo region, whose sample visits
    and workers ship in ``data/``; on any other region the tables start empty."""
    loaded = getattr(region, "region", region)
    return bool(loaded.is_demo)


def sample_week(
    region: RegionNetworks, *, visits: int = 12, workers: int = 2, seed: int = 0
) -> tuple[Visits, Workers]:
    """A sample week for ``region``: visits and workers on the region's own streets.

    Every visit and every worker start is a node of the region's drive network inside a
    populated unit, so the week plans without "far from the road" surprises; for trying
    the tool on a new region (:func:`geo_outreach.optimize.routing.sample.sample_week`).

    Parameters
    ----------
    region
        From :func:`open_region`.
    visits, workers
        How many (1..500 visits, 1..20 workers by car).
    seed
        The same region and seed give the same week.

    Returns
    -------
    (Visits, Workers)
        Ready for :func:`plan_routes`; ``.table`` holds the editable text table.
    """
    from geo_outreach.api.readers import read_visits, read_workers
    from geo_outreach.optimize.routing.sample import sample_week as _sample

    v, w = _sample(region, visits=visits, workers=workers, seed=seed)
    return read_visits(v, source="sample_visits.csv"), read_workers(w, source="sample_workers.csv")


def region_timezone(region: Any) -> str:
    """IANA time zone of a region: its manifest's ``timezone``, else the zone at its units."""
    loaded = getattr(region, "region", region)
    return str(loaded.timezone)


def analyze(
    region: RegionNetworks,
    *,
    need: str = "auto",
    modes: Sequence[str] = MODES,
    categories: Sequence[str] | None = None,
    within_min: float = 15.0,
    beyond_min: float = 30.0,
    cutoff_min: float = 60.0,
    top_share: float = 0.2,
    reason_categories: Sequence[str] | None = ("clinic_fqhc", "library", "food_bank"),
    cluster: Any = None,
    progress: Progress | None = None,
    actor: Any = None,
) -> Analysis:
    """Need, network access to every service category, and ranked underserved units.

    Parameters
    ----------
    region
        From :func:`open_region`.
    need
        ``"auto"`` (CDC SVI when the units carry the ``EP_`` columns), ``"cdc-svi"``, a
        preset name, or ``"column:NAME"`` for a precomputed 0..1 score.
    modes
        Travel modes to measure (``"drive"``, ``"walk"``).
    categories
        Service categories to measure (default: all of the region's).
    within_min, beyond_min, cutoff_min
        Count services within ``within_min``; share of a unit beyond ``beyond_min`` of the
        nearest; searches stop at ``cutoff_min`` (minutes).
    top_share
        Share of ranked units flagged underserved.
    reason_categories
        Categories the underserved score and the reason sentence focus on.
    cluster
        Run the travel-time work on a Dask cluster (``"local:N"`` or a scheduler address),
        when the installed engine supports it.
    progress
        ``progress(stage, done, total)``.
    actor
        The signed-in user (the team server's role checks); ``None`` for a notebook.

    Returns
    -------
    Analysis
    """
    from geo_outreach.analysis.pipeline import AnalysisParams, analyze_region

    params = AnalysisParams(
        need=need,
        modes=tuple(modes),
        categories=tuple(categories) if categories else None,
        within_min=within_min,
        beyond_min=beyond_min,
        cutoff_min=cutoff_min,
        top_share=top_share,
        reason_categories=tuple(reason_categories) if reason_categories else None,
    )
    kwargs: dict[str, Any] = {"progress": progress or _no_progress}
    if cluster is not None:
        kwargs["cluster"] = cluster
    result = analyze_region(region, params, **kwargs)
    return Analysis(
        tracts=result.tracts,
        zones=result.zones,
        need_method=result.need_method,
        region=_region_name(region),
        _summary=result.summary(10),
        result=result,
    )


def site_stops(
    region: RegionNetworks,
    analysis: Analysis | None = None,
    *,
    p: int | None = None,
    within_min: float = 15.0,
    mode: str = "walk",
    model: str = "mclp",
    equity_floor: float | None = None,
    existing: str | None = None,
    candidates: str | os.PathLike[str] | Any = None,
    need: str = "auto",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S["siting"],
    mip_rel_gap: float = 1e-6,
    actor: Any = None,
) -> Stops:
    """Choose mobile-unit stops that cover the most need (MCLP, LSCP or p-median on HiGHS).

    Parameters
    ----------
    region
        From :func:`open_region`.
    analysis
        Its need scores weigh the demand; without one the need is computed with ``need``.
    p
        Number of stops (required for ``mclp`` and ``pmedian``).
    within_min
        A stop covers demand within this many minutes.
    mode
        How people reach a stop: ``"walk"`` or ``"drive"``.
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    equity_floor
        Share (0..1) of the high-need population the stops must cover.
    existing
        Services of this category already cover the demand near them.
    candidates
        A file or GeoDataFrame of candidate points (default: the region's venues and
        points on major roads).
    time_limit_s, mip_rel_gap
        Stop the HiGHS search at this time or relative gap.

    Returns
    -------
    Stops

    Raises
    ------
    InputError
        A bad parameter (named by its parameter name).
    NoSolutionError
        The model has no solution (e.g. an equity floor no set of ``p`` stops can meet).
    """
    from geo_outreach.analysis.pipeline import compute_region_need
    from geo_outreach.errors import NoSolutionError
    from geo_outreach.optimize.site_region import (
        coverage_areas,
        siting_inputs,
        solve_on_region,
        stops_frame,
    )

    if model not in ("mclp", "lscp", "pmedian"):
        raise InputError(
            _("model must be mclp, lscp or pmedian, got {got}").format(got=repr(model)),
            parameter="model",
        )
    if model in ("mclp", "pmedian") and (p is None or int(p) < 1):
        raise InputError(
            _("p (a positive number of stops) is required for model {model}").format(
                model=repr(model)
            ),
            parameter="p",
        )
    if not (math.isfinite(within_min) and within_min > 0):
        raise InputError(
            _("within_min must be a positive number of minutes"), parameter="within_min"
        )
    if mode not in MODES:
        raise InputError(
            _("mode must be 'drive' or 'walk', got {got}").format(got=repr(mode)), parameter="mode"
        )
    if equity_floor is not None and not 0 < equity_floor <= 1:
        raise InputError(_("equity_floor must be a share in (0, 1]"), parameter="equity_floor")
    if not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise InputError(
            _("time_limit_s must be a positive number of seconds"), parameter="time_limit_s"
        )
    if analysis is not None:
        need_table, need_label = analysis.need, analysis.need_method
    else:
        need_table, need_label = compute_region_need(
            region.region.units,
            need,
            region_need=region.region.manifest.need,
            source=str(region.region.manifest.manifest_path),
        )
    cutoff_s = max(3600.0, within_min * 60.0 * 2)
    inputs = siting_inputs(region, mode, candidates=candidates, cutoff_s=cutoff_s)
    result = solve_on_region(
        region,
        inputs,
        need_table,
        model=model,
        p=int(p) if p is not None else None,
        max_time_min=within_min,
        equity_floor=equity_floor,
        existing_category=existing,
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
    )
    if not len(result.stops) or result.status not in ("optimal", "time_limit"):
        raise NoSolutionError(
            _("no stops: {reason}").format(reason=result.message or result.status)
        )
    stops = stops_frame(inputs, result)
    areas = coverage_areas(region, inputs, result)
    units = result.units.drop(columns=[c for c in ("population",) if c in result.units.columns])
    tracts = region.region.units[["unit_id", "name", "population", "geometry"]].merge(
        units, on="unit_id", how="left"
    )
    summary = result.to_json_dict()
    summary.update(
        need_method=need_label,
        mode=mode,
        within_min=within_min,
        candidates=len(inputs.candidates),
        off_network_tracts=len(region.origins(mode).off_network),  # type: ignore[arg-type]
    )
    return Stops(
        stops=stops,
        coverage=areas,
        tracts=tracts,
        mode=mode,
        within_min=float(within_min),
        region=_region_name(region),
        _summary=summary,
        result=result,
    )


def _as_visits(visits: Visits | Stops | str | os.PathLike[str] | pd.DataFrame) -> Visits:
    if isinstance(visits, Visits):
        return visits
    if isinstance(visits, Stops):
        raise InputError(
            _(
                "visits: got stops; turn them into visits first with stops.to_visits(windows=..., "
                "duration_min=...)"
            ),
            parameter="visits",
        )
    return read_visits(visits)


def _as_workers(workers: Workers | str | os.PathLike[str] | pd.DataFrame) -> Workers:
    return workers if isinstance(workers, Workers) else read_workers(workers)


def plan_routes(
    region: RegionNetworks,
    visits: Visits | str | os.PathLike[str] | pd.DataFrame,
    workers: Workers | str | os.PathLike[str] | pd.DataFrame,
    *,
    days: int | Sequence[str] = 5,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S["routing"],
    seed: int = 0,
    max_iterations: int | None = None,
    max_snap_m: float | None = None,
    progress: Progress | None = None,
    actor: Any = None,
    locked: Sequence[tuple[str, str]] = (),
    balance: str | None = None,
) -> Plan:
    """Plan who visits what, when, on the region's road network (PyVRP), checked.

    Parameters
    ----------
    region
        From :func:`open_region`.
    visits, workers
        From :func:`read_visits` / :func:`read_workers` or :meth:`Stops.to_visits`, or a
        path or a table (read with those readers).
    days
        Number of days from Monday (``5`` = Mon-Fri) or weekday codes.
    time_limit_s
        Wall-clock cap of the search (seconds); ``summary()["stopped_by"]`` says which limit
        ended it.
    seed
        Random seed of the search (the same inputs and seed give the same plan under an
        iteration limit).
    max_iterations
        Stop the search after this many iterations (default: the engine's, 3,000): the stop
        rule that makes the same inputs and seed give the same plan on any machine.
    max_snap_m
        Snapping limit (default: the region's).
    progress
        ``progress(stage, done, total)``.
    actor
        The signed-in user (the team server's role checks).
    locked
        ``(worker_id, day)`` routes locked to the visits pinned to them
        (``pinned_worker``/``pinned_day`` columns); the rest is planned around them.
    balance
        ``"time"`` or ``"visits"``: even out the workload of each day's workers
        (the summary's ``workload_spread_h``); ``None``: shortest travel only.

    Returns
    -------
    Plan
        Every visit is planned or listed in ``plan.unscheduled`` with its reason.
    """
    from geo_outreach.optimize.routing.network import plan_on_region
    from geo_outreach.optimize.routing.solve import DEFAULT_MAX_ITERATIONS

    if isinstance(days, int) and not 1 <= days <= 7:
        raise InputError(
            _("days must be from 1 to 7, got {got}").format(got=days), parameter="days"
        )
    if not (isinstance(seed, int) and 0 <= seed < 2**64):
        raise InputError(
            _("seed must be a whole number from 0 to 2**64-1, got {got}").format(got=repr(seed)),
            parameter="seed",
        )
    if max_iterations is not None and not (isinstance(max_iterations, int) and max_iterations > 0):
        raise InputError(
            _("max_iterations must be a positive whole number"), parameter="max_iterations"
        )
    v = _as_visits(visits)
    w = _as_workers(workers)
    locations = pd.concat([v.locations, w.locations], ignore_index=True)
    kwargs: dict[str, Any] = {}
    if max_iterations is not None:
        kwargs["max_iterations"] = max_iterations
    solution = plan_on_region(
        region,
        v.visits,
        w.workers,
        locations,
        days=days,
        time_limit_s=time_limit_s,
        seed=seed,
        max_snap_m=max_snap_m,
        details=v.details,
        progress=progress,
        locked=tuple(locked),
        balance=balance,
        **kwargs,
    )
    summary = solution.summary()
    region_name = _region_name(region)
    summary["region"] = region_name or None
    summary["time_limit_s"] = time_limit_s
    summary["seed"] = seed
    summary["max_iterations"] = max_iterations or DEFAULT_MAX_ITERATIONS
    violations = list(solution.result.violations)
    meta = {
        "region": region_name or None,
        "timezone": region_timezone(region),
        "seed": seed,
        "days": list(solution.problem.days),
        "time_limit_s": time_limit_s,
        "max_iterations": max_iterations or DEFAULT_MAX_ITERATIONS,
        "stopped_by": summary.get("stopped_by", "time_limit"),
        "verdict": {"ok": not violations, "violations": [str(x) for x in violations]},
        "inputs": {"visits": v.source, "workers": w.source},
    }
    return Plan(
        routes=solution.routes,
        stops=solution.stops,
        unscheduled=solution.unscheduled,
        visits=v.table,
        workers=w.table,
        meta=meta,
        _summary=summary,
        solution=solution,
    )


# --------------------------------------------------------------------------- outputs


def _packet_plan(plan: Plan | str | os.PathLike[str]) -> Any:
    """The packet renderer's view of a plan (normalised stops, routes, unscheduled)."""
    from geo_outreach.api.readers import read_plan
    from geo_outreach.present.packet import Plan as PacketPlan
    from geo_outreach.present.packet import normalise_stops

    p = plan if isinstance(plan, Plan) else read_plan(plan)
    stops = normalise_stops(p.stops, name="stops.csv")
    return p, PacketPlan(
        folder=p.folder or Path("."), stops=stops, routes=p.routes, unscheduled=p.unscheduled
    )


def _worker_language(worker: str, *, actor: Any, store: Any) -> str | None:
    """The language of ``worker``'s team account: ``actor``'s own when it is that worker,
    else the account in ``store`` (None: the default database, when there is one)."""
    if actor is not None and getattr(actor, "worker_id", "") == worker:
        return getattr(actor, "language", None)
    from geo_outreach.team.accounts import worker_language

    if store is not None:
        return worker_language(store, worker)
    from geo_outreach import config
    from geo_outreach.visits.store import default_db_url, open_store

    url = default_db_url()
    if not config.db_url() and not Path(url.removeprefix("sqlite:///")).is_file():
        return None  # no team database: never create one to print a sheet
    try:
        with open_store(url) as db:
            return worker_language(db, worker)
    except Exception as exc:  # an unreachable database must not stop the printing
        logger.warning("team database %s not readable (%s); sheet language by default", url, exc)
        return None


def field_packet(
    plan: Plan | str | os.PathLike[str],
    *,
    worker: str,
    day: str,
    out: str | os.PathLike[str],
    region: RegionNetworks | None = None,
    week_of: dt.date | str | None = None,
    timezone: str | None = None,
    lang: str | None = None,
    page: str | None = None,
    html: bool = True,
    actor: Any = None,
    store: Any = None,
) -> Any:
    """A worker's field packet for one day: route sheet PDF, GPX, calendar (ICS), HTML map.

    Parameters
    ----------
    plan
        A :class:`Plan` or a plan folder.
    worker, day
        Which route: a ``worker_id`` and a plan day (``"Mon"`` or a date).
    out
        Folder to write into (created when its parent exists); the files are named
        ``{worker}_{date}.{pdf,gpx,ics,html}`` and each is written atomically.
    region
        Draws the region's roads under the maps and prints its attribution.
    week_of
        Any date of the week the plan is for (default: next week).
    timezone
        IANA zone of the calendar and sheet times (default: the region's, else the plan's,
        else the zone at the plan's stops).
    lang
        Language of the sheet, calendar and map texts: ``en``, ``es`` or ``sv``. Default: the
        worker's account setting (whoever prints the packet: a manager printing a
        Spanish-speaking worker's sheet gets it in Spanish), else ``GEO_OUTREACH_LANG``, else
        the region's language (its manifest's ``language``, else its country's), else English
        (:func:`geo_outreach.i18n.resolve_language`).  The caller's own language is left as
        it is.
    page
        ``"letter"`` or ``"a4"`` (default: the region's country's paper, Letter in the US and
        A4 elsewhere; without a region, the country of the plan's time zone).
    html
        Also write the offline HTML map.
    actor
        Who prints (a :class:`geo_outreach.team.roles.Actor`); when it is the worker, their
        account's language is used without reading the team database.
    store
        The team database (:func:`geo_outreach.visits.store.open_store`) whose worker account
        of ``worker`` gives the default language.  None: the default database when it exists
        (``GEO_OUTREACH_DB_URL``, else ``visits.sqlite`` in ``GEO_OUTREACH_HOME``; never
        created for a packet).

    Returns
    -------
    geo_outreach.present.packet.Packet
        The paths written, the date and the day's stops.
    """
    from geo_outreach.present.exports import road_edges
    from geo_outreach.present.packet import DEFAULT_ATTRIBUTION, write_packet

    if isinstance(week_of, str):
        try:
            week_of = dt.date.fromisoformat(week_of)
        except ValueError as exc:
            raise InputError(
                _("week_of must be a date YYYY-MM-DD, got {got}").format(got=repr(week_of)),
                parameter="week_of",
            ) from exc
    if timezone:
        from geo_outreach.data.place import check_timezone

        timezone = check_timezone(timezone)  # options first, before any reading
    p, packet_plan = _packet_plan(plan)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            _("out {path} is a file; give a folder for the packet").format(path=folder),
            parameter="out",
        )
    if not folder.parent.is_dir():
        raise InputError(
            _("out {path}: folder {parent} does not exist; create it first").format(
                path=folder, parent=folder.parent
            ),
            parameter="out",
        )
    roads = road_edges(region.network("drive")) if region is not None else None
    attribution = (region.region.attribution if region is not None else "") or DEFAULT_ATTRIBUTION
    timezone = timezone or (region_timezone(region) if region is not None else None) or p.timezone
    from geo_outreach.data.place import paper_size
    from geo_outreach.i18n import resolve_language

    account = None if lang else _worker_language(worker, actor=actor, store=store)
    region_lang = None
    if region is not None:
        region_lang = _region_language(region)
        page = page or paper_size(region.region.country or "US")
    lang = resolve_language(lang, account=account, region=region_lang)
    return write_packet(
        packet_plan,
        folder,
        worker=worker,
        day=day,
        week_of=week_of,
        timezone=timezone or None,  # None: the zone at the plan's stops
        roads=roads,
        attribution=attribution,
        page=page,  # None: the paper of the plan's zone's country
        html=html,
        lang=lang,
    )


def coverage_map(
    region: RegionNetworks,
    analysis: Analysis | str | os.PathLike[str] | None = None,
    *,
    stops: Stops | gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    plan: Plan | str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    layers: Sequence[str] | None = None,
    title: str | None = None,
    roads: bool = True,
    lang: str | None = None,
    **options: Any,
) -> Any:
    """A coverage map for a community meeting: PNG, PDF, SVG or HTML.

    Parameters
    ----------
    region
        From :func:`open_region` (services, roads, attribution, title).
    analysis
        Its tracts and zones shade the map: an :class:`Analysis` or the GeoPackage that
        ``analyze`` wrote.  Without one, a map whose layers need it analyses the region
        with the default settings first.
    stops, plan
        Stops and routes to draw: :class:`Stops` (or a points file: GeoPackage, GeoJSON
        or a CSV with ``lon``/``lat``) and a :class:`Plan` (or a plan folder, whose
        stops are drawn in visit order unless ``stops`` is given).
    out
        File to write (atomically); its suffix picks the format.  ``None``: return the
        bytes only (give ``fmt``).
    layers
        Default: ``need`` (with an analysis), ``zones``, ``services``, then ``stops`` and
        ``routes`` when given.
    title
        Page title (default: the region's title).
    roads
        Draw the road network lightly under the data.
    lang
        Language of the legend and titles (``en``, ``es``, ``sv``); default
        ``GEO_OUTREACH_LANG``, else the region's language, else English.  Service
        categories are named with the region's own labels (``[labels.categories]``).
    options
        Passed on to :func:`geo_outreach.present.exports.coverage_map` (``size``,
        ``scheme``, ``k``, ``palette``, ``dpi``, ``subtitle``, ``notes``, ``access_column``).

    Returns
    -------
    geo_outreach.present.exports.MapExport
        ``data`` (the bytes), ``format`` and the class breaks of static maps.
    """
    from geo_outreach.i18n import resolve_language
    from geo_outreach.present.exports import FORMATS, road_edges
    from geo_outreach.present.exports import coverage_map as _coverage_map
    from geo_outreach.present.static_map import CHOROPLETH_LAYERS, LAYERS

    target = None
    if out is not None:
        target = check_output_path(
            out, kind="file", suffixes=tuple(f".{f}" for f in FORMATS), parameter="out"
        )
        fmt = fmt or target.suffix.lower().lstrip(".")
    if fmt is None:
        raise InputError(_("give out (a .png/.pdf/.svg/.html file) or fmt"), parameter="out")
    if layers is None:
        chosen = []
        if analysis is not None:
            chosen += ["need", "zones"]
        chosen.append("services")
        if stops is not None or plan is not None:
            chosen.append("stops")
        if plan is not None:
            chosen.append("routes")
        layers = chosen
    layers = [str(x).strip().lower() for x in layers if str(x).strip()]
    unknown = [x for x in layers if x not in LAYERS]
    if unknown or not layers:
        raise InputError(
            _("layers: unknown layer(s) {unknown}; choose from {layers}").format(
                unknown=unknown or layers, layers=", ".join(LAYERS)
            ),
            parameter="layers",
        )
    stop_points, route_lines = _stop_route_layers(stops, plan)
    if "stops" in layers and stop_points is None:
        raise InputError(_("layer 'stops' needs stops=FILE or plan=DIR"), parameter="stops")
    if "routes" in layers and route_lines is None:
        raise InputError(
            _("layer 'routes' needs plan=DIR (with routes or ordered stops)"), parameter="plan"
        )
    tracts, zones = _analysis_layers(
        region, analysis, run=any(x in CHOROPLETH_LAYERS or x == "zones" for x in layers)
    )
    reg = region.region
    result = _coverage_map(
        None,
        fmt=fmt,
        title=title or reg.manifest.title or reg.name,
        attribution=reg.attribution or "Map data (c) OpenStreetMap contributors (ODbL)",
        layers=list(layers),
        tracts=tracts,
        zones=zones,
        services=reg.services,
        stops=stop_points,
        routes=route_lines,
        roads=road_edges(region.network("drive")) if roads else None,
        data_date=reg.manifest.data_date,
        lang=resolve_language(lang, region=_region_language(region)),
        category_labels=reg.manifest.category_labels,
        **options,
    )
    if target is not None:
        with atomic_file(target) as tmp:
            tmp.write_bytes(result.data)
    return result


def _stop_route_layers(
    stops: Stops | gpd.GeoDataFrame | str | os.PathLike[str] | None,
    plan: Plan | str | os.PathLike[str] | None,
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The stops and route lines a map or a data export draws (``stops`` wins over the
    plan's own stops)."""
    from geo_outreach.present.exports import plan_layers, read_points

    stop_points = route_lines = None
    if isinstance(plan, Plan):
        route_lines = plan.routes
    elif plan is not None:
        stop_points, route_lines = plan_layers(plan)
    if isinstance(stops, Stops):
        stop_points = stops.stops
    elif isinstance(stops, str | os.PathLike):
        stop_points = read_points(stops, "stops")
    elif stops is not None:
        stop_points = stops
    return stop_points, route_lines


def _analysis_layers(
    region: RegionNetworks, analysis: Analysis | str | os.PathLike[str] | None, *, run: bool
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """Tracts and zones of an :class:`Analysis` or of the GeoPackage ``analyze`` wrote; with
    neither, the default analysis of the region when ``run``."""
    from geo_outreach.present.exports import read_analysis as read_analysis_layers

    if isinstance(analysis, Analysis):
        return analysis.tracts, analysis.zones
    if analysis is not None:
        return read_analysis_layers(analysis)
    if run:
        done = analyze(region)
        return done.tracts, done.zones
    return None, None


def export_data(
    region: RegionNetworks,
    out: str | os.PathLike[str],
    *,
    analysis: Analysis | str | os.PathLike[str] | None = None,
    stops: Stops | gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    plan: Plan | str | os.PathLike[str] | None = None,
    formats: Sequence[str] = ("gpkg", "geojson", "csv"),
) -> dict[str, list[Path]]:
    """Every layer as GIS data for a planner: a GeoPackage, GeoJSON and CSV files.

    Parameters
    ----------
    region
        From :func:`open_region` (its services are always written).
    out
        Folder to write into (created); files of other layers already in it are kept.
    analysis
        Tracts and zones: an :class:`Analysis` or the GeoPackage ``analyze`` wrote; without
        one the region is analysed with the default settings.
    stops, plan
        Stops (:class:`Stops` or a points file) and a plan (:class:`Plan` or its folder) to
        include; ``stops`` wins over the plan's own stops.
    formats
        Any of ``gpkg``, ``geojson``, ``csv``.

    Returns
    -------
    dict
        Format -> the files written.
    """
    from geo_outreach.present.exports import export_data as _export_data

    bad = [f for f in formats if f not in ("gpkg", "geojson", "csv")]
    if bad or not formats:
        raise InputError(
            _("formats: unknown format(s) {unknown}; choose from gpkg, geojson, csv").format(
                unknown=bad or list(formats)
            ),
            parameter="formats",
        )
    stop_points, route_lines = _stop_route_layers(stops, plan)
    tracts, zones = _analysis_layers(region, analysis, run=True)
    return _export_data(
        out,
        tracts=tracts,
        zones=zones,
        services=region.region.services,
        stops=stop_points,
        routes=route_lines,
        formats=formats,
    )
