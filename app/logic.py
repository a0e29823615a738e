"""Glue between the dashboard and the library: no Streamlit here, so it is testable alone.

Each function takes plain inputs (a :class:`~geo_outreach.network.context.RegionNetworks`,
DataFrames, numbers) and returns tables or result objects that the pages show.  The
Streamlit caching lives in ``state.py``; these functions stay pure.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from geo_outreach.network.context import RegionNetworks
    from geo_outreach.optimize.routing import Problem, RoutingResult
    from geo_outreach.optimize.siting import SitingResult

logger = logging.getLogger(__name__)

MODES: tuple[str, ...] = ("drive", "walk")
ACCESS_CUTOFF_MIN = 60.0
WITHIN_MIN = 15.0
BEYOND_MIN = 30.0
VENUE_CATEGORIES: tuple[str, ...] = ("library", "community_center", "senior_center")
VISIT_COLUMNS: tuple[str, ...] = ("visit_id", "duration_min")
WORKER_COLUMNS: tuple[str, ...] = ("worker_id", "shift")


# --------------------------------------------------------------------------- access


def access_table(ctx: RegionNetworks, *, cutoff_min: float = ACCESS_CUTOFF_MIN) -> pd.DataFrame:
    """Wide access table (one row per unit) for every mode: nearest times, counts, shares.

    Columns follow :func:`geo_outreach.analysis.access.access_wide`
    (``tt_nearest_{category}_{mode}_min``...), indexed by ``unit_id``.
    """
    from geo_outreach.analysis.access import access_wide, nearest_and_counts

    units = ctx.region.units
    parts = []
    for mode in MODES:
        origins = ctx.origins(mode).origins
        od = ctx.node_site_od(mode, cutoff_s=cutoff_min * 60.0)
        parts.append(
            nearest_and_counts(
                od,
                origins,
                ctx.region.services,
                units=units,
                mode=mode,
                within_min=WITHIN_MIN,
                beyond_min=BEYOND_MIN,
                cutoff_min=cutoff_min,
            )
        )
    return access_wide(*parts)


def default_preset(units: pd.DataFrame) -> str:
    """The need preset whose columns the units have (health_access, else svi)."""
    from geo_outreach.analysis.need import PRESETS

    for name in ("health_access", "svi", *PRESETS):
        if all(c in units.columns for c in PRESETS[name].columns):
            return name
    return "svi"


def available_presets(units: pd.DataFrame) -> list[str]:
    """Need presets whose every column is in ``units``."""
    from geo_outreach.analysis.need import PRESETS

    return [n for n, s in PRESETS.items() if all(c in units.columns for c in s.columns)]


@dataclass(frozen=True)
class Analysis:
    """What the Needs and access page shows."""

    tracts: gpd.GeoDataFrame  # units + need + access + underserved columns
    zones: gpd.GeoDataFrame
    access_columns: tuple[str, ...]
    n_off_network: int


def analyze(
    ctx: RegionNetworks,
    access: pd.DataFrame,
    *,
    preset: str,
    mode: str,
    categories: Sequence[str],
    top_share: float = 0.2,
) -> Analysis:
    """Need index, access and underserved score of every tract for one scenario.

    Uses :func:`geo_outreach.analysis.pipeline.analyze_region` when the library has it is
    not required: the pieces (need, access, underserved) are called directly so the page
    works with the access table computed once per region.
    """
    from geo_outreach.analysis.need import compute_need
    from geo_outreach.analysis.underserved import underserved_scores, underserved_zones

    units = ctx.region.units
    need = compute_need(units, preset)
    cols = [f"tt_nearest_{c}_{mode}_min" for c in categories]
    missing = [c for c in cols if c not in access.columns]
    if not cols or missing:
        raise InputError(
            f"no access column for {missing or 'the chosen categories'}; pick service "
            "categories present in the region",
            source="categories",
        )
    scores = underserved_scores(units, need, access, access_columns=cols, top_share=top_share)
    zones = underserved_zones(units, scores)
    tracts = units[["unit_id", "population", "name", "geometry"]].copy()
    tracts = tracts.merge(
        need[["unit_id", "need_score", "need_rank"]], on="unit_id", how="left"
    ).merge(scores.drop(columns=["need_score"], errors="ignore"), on="unit_id", how="left")
    acc = access.reset_index()
    acc["unit_id"] = acc["unit_id"].astype(str)
    keep = [c for c in acc.columns if c not in tracts.columns or c == "unit_id"]
    tracts = tracts.merge(acc[keep], on="unit_id", how="left")
    tracts["off_network"] = tracts["off_network"].fillna(True).astype(bool)
    return Analysis(
        tracts=tracts,
        zones=zones,
        access_columns=tuple(cols),
        n_off_network=int(scores.attrs.get("n_off_network", tracts["off_network"].sum())),
    )


# --------------------------------------------------------------------------- siting


@dataclass(frozen=True)
class SitingInputs:
    """Demand, candidates and travel times for one mode (built once per region and mode)."""

    mode: str
    candidates: gpd.GeoDataFrame  # candidate_id, reason, name, node_id, geometry
    od: pd.DataFrame  # origin node -> node, seconds
    cutoff_s: float


def siting_inputs(
    ctx: RegionNetworks,
    mode: str,
    *,
    spacing_m: float = 800.0,
    cutoff_s: float = 3600.0,
) -> SitingInputs:
    """Candidate stops (community venues + spaced major-road nodes) and the OD to them."""
    import geopandas as gpd
    import osmnx as ox

    from geo_outreach.network.traveltime import od_table
    from geo_outreach.optimize.candidates import (
        candidates_from_network,
        candidates_from_sites,
        combine_candidates,
    )

    net = ctx.network(mode)
    layers = []
    services = ctx.region.services
    venues = [c for c in VENUE_CATEGORIES if c in set(services["category"].astype(str))]
    if venues:
        cs = candidates_from_sites(services, categories=venues)
        nodes, dist = net.nearest_nodes(cs.geometry.x.to_numpy(), cs.geometry.y.to_numpy())
        cs["node_id"] = nodes
        layers.append(cs[dist <= ctx.max_snap_m])
    node_gdf, edge_gdf = ox.graph_to_gdfs(net.graph)
    try:
        layers.append(candidates_from_network(node_gdf, edge_gdf, spacing_m=spacing_m))
    except InputError as exc:  # e.g. no major road in a tiny region
        logger.info("no network candidates: %s", exc)
    if not layers:
        raise InputError(
            "no candidate stop: the region has no community venue and no major road",
            source="candidates",
        )
    cands = combine_candidates(*layers)
    cands = gpd.GeoDataFrame(cands, geometry="geometry", crs="EPSG:4326")
    cands["node_id"] = cands["node_id"].astype("int64")
    origin_nodes = ctx.origins(mode).origins["node_id"].drop_duplicates()
    sites = ctx.site_nodes(mode)
    dest_nodes = pd.concat(
        [cands["node_id"], sites.loc[sites["on_network"], "node_id"]]
    ).drop_duplicates()
    od = od_table(
        net,
        pd.DataFrame({"id": origin_nodes.astype(str), "node_id": origin_nodes}),
        pd.DataFrame({"id": dest_nodes.astype(str), "node_id": dest_nodes}),
        cutoff_s=cutoff_s,
        with_distance=False,
    )
    return SitingInputs(mode=mode, candidates=cands, od=od, cutoff_s=cutoff_s)


def solve_stops(
    ctx: RegionNetworks,
    inputs: SitingInputs,
    tracts: pd.DataFrame,
    *,
    model: str,
    p: int | None,
    max_time_min: float,
    equity_floor: float | None,
    existing_category: str | None,
    high_need_share: float = 0.2,
    time_limit_s: float = 20.0,
) -> SitingResult:
    """Solve the siting model on the region's demand (population x need per origin node)."""
    from geo_outreach.optimize.siting import from_od_table, solve_siting

    origins = ctx.origins(inputs.mode).origins
    t = tracts[["unit_id", "population", "need_score"]].copy()
    t["need"] = pd.to_numeric(t["need_score"], errors="coerce").fillna(0.0)
    cut = t["need"].quantile(1.0 - high_need_share) if len(t) else 1.0
    t["high_need"] = t["need"] >= cut
    demand = origins[["unit_id", "node_id", "weight"]].merge(
        t[["unit_id", "population", "need", "high_need"]], on="unit_id", how="inner"
    )
    existing = None
    if existing_category:
        sites = ctx.site_nodes(inputs.mode)
        existing = sites.loc[
            sites["on_network"] & (sites["category"] == existing_category), ["site_id", "node_id"]
        ]
    problem = from_od_table(
        inputs.od,
        demand,
        inputs.candidates[["candidate_id", "node_id", "reason"]],
        existing=existing,
    )
    return solve_siting(
        problem,
        model=model,  # type: ignore[arg-type]
        p=p if model != "lscp" else None,
        max_time_s=max_time_min * 60.0,
        equity_floor=equity_floor,
        time_limit_s=time_limit_s,
    )


def coverage_areas(
    ctx: RegionNetworks, inputs: SitingInputs, result: SitingResult
) -> gpd.GeoDataFrame:
    """One polygon per chosen stop: hull of the demand nodes it reaches within T."""
    import geopandas as gpd
    import shapely

    net = ctx.network(inputs.mode)
    t_max = result.max_time_s or 0.0
    node_of = inputs.candidates.set_index("candidate_id")["node_id"]
    rows = []
    for r in result.stops.itertuples(index=False):
        node = node_of.get(r.site_id)
        if node is None:
            continue
        near = inputs.od[
            (inputs.od["dest_id"] == str(node)) & (inputs.od["travel_time_s"] <= t_max)
        ]
        ids = near["origin_id"].astype("int64").to_numpy()
        if len(ids):
            pos = net.index_of(ids)
            pts = shapely.points(net.lon[pos], net.lat[pos])
            hull = shapely.convex_hull(shapely.multipoints(pts))
            geom = hull.buffer(0.0015) if hull.area == 0 else hull
        else:
            pos = net.index_of([int(node)])
            geom = shapely.Point(net.lon[pos[0]], net.lat[pos[0]]).buffer(0.0015)
        rows.append({"site_id": r.site_id, "rank": int(r.rank), "geometry": geom})
    return gpd.GeoDataFrame(rows, columns=["site_id", "rank", "geometry"], crs="EPSG:4326")


def stops_table(inputs: SitingInputs, result: SitingResult) -> gpd.GeoDataFrame:
    """Chosen stops with their location, name and gains (for the map and the table)."""
    import geopandas as gpd

    c = inputs.candidates[["candidate_id", "name", "geometry"]].rename(
        columns={"candidate_id": "site_id"}
    )
    s = result.stops.merge(c, on="site_id", how="left")
    s["name"] = s["name"].fillna("").astype(str)
    s["unit_ids"] = s["unit_ids"].map(lambda v: ", ".join(v) if isinstance(v, list | tuple) else v)
    return gpd.GeoDataFrame(s, geometry="geometry", crs="EPSG:4326")


# --------------------------------------------------------------------------- routing


def read_csv_upload(data: bytes, name: str, *, required: Sequence[str]) -> pd.DataFrame:
    """Parse an uploaded CSV (all text) and check its required columns.

    Raises
    ------
    InputError
        Not text, not a table, or a required column missing; the message names the file.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: this is not a CSV text file (it is not UTF-8 text); export the sheet "
            "as 'CSV UTF-8' and upload that",
            source=name,
        ) from None
    if "\x00" in text:
        raise InputError(f"{name}: this is not a CSV text file", source=name)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"{name}: cannot read it as CSV ({str(exc).splitlines()[0]}); check the commas "
            "and the header row",
            source=name,
        ) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{name}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(df.columns[:12]) or 'no columns'}",
            source=missing[0],
        )
    return df


def _as_text_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        out[c] = out[c].map(
            lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        )
    return out


def read_plan_inputs(
    visits: pd.DataFrame, workers: pd.DataFrame
) -> tuple[tuple[Any, ...], tuple[Any, ...], pd.DataFrame]:
    """Validate edited visit/worker tables with the library's CSV readers.

    Returns ``(visits, workers, locations)``; raises :class:`InputError` naming the row.
    """
    from geo_outreach.optimize.routing.io import read_visits_csv, read_workers_csv

    for what, df, req in (
        ("visits", visits, VISIT_COLUMNS),
        ("workers", workers, WORKER_COLUMNS),
    ):
        missing = [c for c in req if c not in df.columns]
        if missing:
            raise InputError(f"{what}: missing column(s) {', '.join(missing)}", source=missing[0])
        if df.empty:
            raise InputError(f"{what}: the table is empty; add at least one row", source=what)
    with tempfile.TemporaryDirectory() as tmp:
        vp, wp = Path(tmp) / "visits.csv", Path(tmp) / "workers.csv"
        _as_text_table(visits).to_csv(vp, index=False)
        _as_text_table(workers).to_csv(wp, index=False)
        v, vloc = read_visits_csv(vp)
        w, wloc = read_workers_csv(wp)
    locs = pd.concat([vloc, wloc], ignore_index=True).drop_duplicates("location_id")
    return v, w, locs


def travel_matrices(
    ctx: RegionNetworks, locations: pd.DataFrame, modes: Sequence[str]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Network travel-time matrix per mode between the locations; returns (matrices, snapped).

    ``snapped`` is ``locations`` plus ``node_id_<mode>`` and ``snap_dist_m_<mode>``;
    locations farther than the region's ``max_snap_m`` from a mode's network are left out
    of that matrix (the routing diagnosis reports them).
    """
    from geo_outreach.network.traveltime import od_table
    from geo_outreach.optimize.routing import TravelMatrix

    snapped = locations.dropna(subset=["lon", "lat"]).drop_duplicates("location_id").copy()
    matrices = {}
    for mode in modes:
        net = ctx.network(mode)  # type: ignore[arg-type]
        nodes, dist = net.nearest_nodes(
            snapped["lon"].to_numpy(float), snapped["lat"].to_numpy(float)
        )
        snapped[f"node_id_{mode}"] = nodes
        snapped[f"snap_dist_m_{mode}"] = dist
        ok = snapped[dist <= ctx.max_snap_m]
        pts = pd.DataFrame({"id": ok["location_id"].astype(str), "node_id": ok[f"node_id_{mode}"]})
        od = od_table(net, pts, pts, with_distance=False)
        matrices[mode] = TravelMatrix.from_od(od, location_ids=list(pts["id"]))
    return matrices, snapped


def build_routing_problem(
    ctx: RegionNetworks, visits: pd.DataFrame, workers: pd.DataFrame, days: Sequence[str]
) -> tuple[Problem, pd.DataFrame]:
    """Routing problem over ``days`` with network travel times; returns (problem, locations)."""
    from geo_outreach.optimize.routing import ProblemBuilder

    if not days:
        raise InputError("choose at least one day to plan", source="days")
    v, w, locs = read_plan_inputs(visits, workers)
    modes = sorted({wk.mode for wk in w})
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise InputError(f"workers: unknown mode(s) {bad}; use {' or '.join(MODES)}", source="mode")
    matrices, snapped = travel_matrices(ctx, locs, modes)
    b = ProblemBuilder(days=tuple(days))
    for mode, mat in matrices.items():
        b.add_matrix(mode, mat)
    for wk in w:
        b.add_worker(wk)
    for vis in v:
        b.add_visit(vis)
    return b.build(), snapped


def plan_tables(result: RoutingResult, visits: pd.DataFrame, workers: pd.DataFrame) -> pd.DataFrame:
    """Stops of the plan joined with the visit details, clock times as text."""
    from geo_outreach.optimize.routing.io import LANGUAGES
    from geo_outreach.optimize.routing.model import format_clock

    stops = result.stops_frame()
    if stops.empty:
        return pd.DataFrame(
            columns=["worker_id", "day", "seq", "kind", "visit_id", "arrive", "start", "end"]
        )
    for c in ("arrival_s", "start_s", "end_s"):
        stops[c.replace("_s", "").replace("arrival", "arrive")] = stops[c].map(
            lambda t: format_clock(int(t)) if pd.notna(t) else ""
        )
    v = _as_text_table(visits).copy()
    v.columns = [c.strip().lower() for c in v.columns]
    details = [c for c in ("name", "address", "skills", "notes", "lon", "lat") if c in v.columns]
    stops = stops.merge(v[["visit_id", *details]], on="visit_id", how="left")
    if "skills" in stops.columns:
        stops["languages"] = (
            stops["skills"]
            .fillna("")
            .map(
                lambda s: ", ".join(
                    x for x in str(s).replace(",", ";").split(";") if x.strip().lower() in LANGUAGES
                )
            )
        )
    wn = _as_text_table(workers)
    if "name" in wn.columns:
        stops = stops.merge(
            wn[["worker_id", "name"]].rename(columns={"name": "worker_name"}),
            on="worker_id",
            how="left",
        )
    return stops


def route_lines(
    ctx: RegionNetworks,
    result: RoutingResult,
    snapped: pd.DataFrame,
    *,
    day: str | None = None,
    worker_id: str | None = None,
    follow_roads: bool = True,
) -> gpd.GeoDataFrame:
    """One line per route (worker, day) along the network (straight where no path is found)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from geo_outreach.network.traveltime import route_path

    by_loc = snapped.set_index("location_id")
    rows = []
    for r in result.routes:
        if (day and r.day != day) or (worker_id and r.worker_id != worker_id):
            continue
        worker = result.problem.worker_by_id[r.worker_id]
        mode = worker.mode
        locs = [s.location_id for s in r.stops]
        locs = [loc for i, loc in enumerate(locs) if i == 0 or loc != locs[i - 1]]
        coords: list[tuple[float, float]] = []
        for a, b in itertools.pairwise(locs):
            if a not in by_loc.index or b not in by_loc.index:
                continue
            pa, pb = by_loc.loc[a], by_loc.loc[b]
            seg: list[tuple[float, float]] = [(pa["lon"], pa["lat"]), (pb["lon"], pb["lat"])]
            if follow_roads and f"node_id_{mode}" in by_loc.columns:
                try:
                    path = route_path(
                        ctx.network(mode),  # type: ignore[arg-type]
                        int(pa[f"node_id_{mode}"]),
                        int(pb[f"node_id_{mode}"]),
                    )
                    seg = [seg[0], *path.geometry.coords, seg[1]]
                except (InputError, KeyError):
                    pass
            coords.extend(seg if not coords else seg[1:])
        if len(coords) < 2:
            continue
        rows.append(
            {
                "route_id": f"{r.worker_id} {r.day}",
                "worker_id": r.worker_id,
                "day": r.day,
                "visits": len(r.visit_stops),
                "geometry": LineString(coords),
            }
        )
    return gpd.GeoDataFrame(
        rows, columns=["route_id", "worker_id", "day", "visits", "geometry"], crs="EPSG:4326"
    )


def plan_csv(stops: pd.DataFrame) -> bytes:
    """The plan as CSV bytes for download (one row per stop)."""
    cols = [
        c
        for c in (
            "day",
            "worker_id",
            "seq",
            "kind",
            "visit_id",
            "occurrence",
            "name",
            "address",
            "arrive",
            "start",
            "end",
            "languages",
            "notes",
            "lon",
            "lat",
        )
        if c in stops.columns
    ]
    return stops[cols].to_csv(index=False).encode("utf-8")


def demo_table(name: str) -> pd.DataFrame:
    """The sample ``data/demo_<name>.csv`` shipped with the repository, all text."""
    path = Path(__file__).resolve().parents[1] / "data" / f"demo_{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def numpy_free(value: Any) -> Any:
    """Plain Python value for metrics (numpy scalars -> float/int)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
