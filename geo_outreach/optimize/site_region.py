"""Stop siting on a region's road network: the adapter between regions and the siting models.

:func:`siting_inputs` builds the candidate stops (community venues of the region and nodes on
major roads spaced ``spacing_m`` apart, or a user file) and the travel times from every demand
origin node to them; :func:`solve_on_region` weights each origin by its tract's population and
need and solves MCLP / LSCP / p-median (:mod:`geo_outreach.optimize.siting`).
:func:`coverage_areas` and :func:`stops_frame` turn a result into map layers. The CLI
(``geo-outreach site``) and the dashboard's "Plan stops" page are thin wrappers around these.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_outreach.errors import InputError, OffNetworkWarning, warn
from geo_outreach.i18n import _
from geo_outreach.network.context import RegionNetworks
from geo_outreach.network.snap import snap_points
from geo_outreach.network.traveltime import od_table
from geo_outreach.optimize.siting import SitingResult, from_od_table, solve_siting

__all__ = [
    "VENUE_CATEGORIES",
    "SitingInputs",
    "coverage_areas",
    "demand_table",
    "siting_inputs",
    "solve_on_region",
    "stops_frame",
]

logger = logging.getLogger(__name__)

#: Site categories that make good hosts for a mobile unit (trusted community venues).
VENUE_CATEGORIES = ("library", "community_center", "senior_center", "food_bank")


@dataclass(frozen=True)
class SitingInputs:
    """Candidates and travel times for one mode (build once, solve many times)."""

    mode: str
    candidates: gpd.GeoDataFrame  # candidate_id, reason, name, node_id, geometry
    od: pd.DataFrame  # origin node -> candidate/existing node, seconds
    cutoff_s: float


def siting_inputs(
    ctx: RegionNetworks,
    mode: str = "drive",
    *,
    candidates: str | Path | gpd.GeoDataFrame | None = None,
    venue_categories: Sequence[str] = VENUE_CATEGORIES,
    spacing_m: float = 800.0,
    cutoff_s: float = 3600.0,
) -> SitingInputs:
    """Candidate stops and the travel times from every demand origin to them.

    Parameters
    ----------
    ctx
        The region with its networks.
    mode
        ``"drive"`` (vans) or ``"walk"``.
    candidates
        A user file or GeoDataFrame of candidate points; default: the region's venues of
        ``venue_categories`` plus nodes on major roads every ``spacing_m`` metres.
    cutoff_s
        Travel times beyond this are not computed (they cannot cover anything).
    """
    import osmnx as ox

    from geo_outreach.optimize.candidates import (
        candidates_from_file,
        candidates_from_network,
        candidates_from_sites,
        combine_candidates,
    )

    net = ctx.network(mode)  # type: ignore[arg-type]
    layers = []
    if candidates is not None:
        user = (
            candidates
            if isinstance(candidates, gpd.GeoDataFrame)
            else candidates_from_file(candidates)
        )
        layers.append(user)
    else:
        services = ctx.region.services
        venues = [c for c in venue_categories if c in set(services["category"].astype(str))]
        if venues:
            layers.append(candidates_from_sites(services, categories=venues))
        nodes, edges = ox.graph_to_gdfs(net.graph)
        try:
            layers.append(candidates_from_network(nodes, edges, spacing_m=spacing_m))
        except InputError as exc:  # e.g. no major road in a tiny region
            logger.info("no network candidates: %s", exc)
    if not layers:
        raise InputError(
            _(
                "no candidate stop: the region has no community venue and no major road; give "
                "candidate stops (candidates=FILE)"
            ),
            source="candidates",
            parameter="candidates",
        )
    cands = gpd.GeoDataFrame(combine_candidates(*layers), geometry="geometry", crs="EPSG:4326")
    node, _dist, on = snap_points(
        net, cands.geometry.x.to_numpy(), cands.geometry.y.to_numpy(), max_snap_m=ctx.max_snap_m
    )
    far = ~on
    if far.any():
        warn(
            OffNetworkWarning,
            _(
                "{count} candidate(s) farther than {limit} m from the {mode} network are left out"
            ).format(count=int(far.sum()), limit=f"{ctx.max_snap_m:.0f}", mode=mode),
            logger=logger,
        )
    cands = cands.loc[~far].copy()
    cands["node_id"] = node[~far].to_numpy(dtype="int64")
    if cands.empty:
        raise InputError(
            _("no candidate stop lies on the {mode} network").format(mode=mode),
            source="candidates",
        )
    origin_nodes = ctx.origins(mode).origins["node_id"].drop_duplicates()  # type: ignore[arg-type]
    sites = ctx.site_nodes(mode)  # type: ignore[arg-type]
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


def demand_table(
    ctx: RegionNetworks, mode: str, need: pd.DataFrame, *, high_need_share: float = 0.2
) -> pd.DataFrame:
    """Demand per origin node: ``unit_id, node_id, weight, population, need, high_need``.

    ``need`` has ``unit_id, need_score``; units without a score get need 0 (they still count
    through their population in models that use it). ``high_need`` marks the top
    ``high_need_share`` of units by need (the equity floor's target group).
    """
    if not 0 < high_need_share <= 1:
        raise InputError(_("high_need_share must be in (0, 1]"), source="high_need_share")
    units = ctx.region.units[["unit_id", "population"]].merge(
        need[["unit_id", "need_score"]], on="unit_id", how="left"
    )
    units["need"] = pd.to_numeric(units["need_score"], errors="coerce").fillna(0.0)
    cut = units["need"].quantile(1.0 - high_need_share) if len(units) else 1.0
    units["high_need"] = units["need"] >= cut
    origins = ctx.origins(mode).origins  # type: ignore[arg-type]
    return origins[["unit_id", "node_id", "weight"]].merge(
        units[["unit_id", "population", "need", "high_need"]], on="unit_id", how="inner"
    )


def solve_on_region(
    ctx: RegionNetworks,
    inputs: SitingInputs,
    need: pd.DataFrame,
    *,
    model: str = "mclp",
    p: int | None = None,
    max_time_min: float = 15.0,
    equity_floor: float | None = None,
    existing_category: str | None = None,
    high_need_share: float = 0.2,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-6,
) -> SitingResult:
    """Solve a siting model on the region's demand (population x need at each origin node).

    Parameters
    ----------
    need
        ``unit_id, need_score`` (0..1), e.g. from :func:`geo_outreach.analysis.pipeline.compute_region_need`.
    existing_category
        Services of this category already cover the demand near them.
    equity_floor
        Share (0..1) of the high-need population that must be covered.
    time_limit_s, mip_rel_gap
        Stop the MILP search at this time or relative gap (an interactive page may accept 1 %).
    """
    if max_time_min * 60.0 > inputs.cutoff_s:
        raise InputError(
            _(
                "max_time_min {max_time} exceeds the travel-time cutoff "
                "({cutoff} min) the inputs were built with"
            ).format(max_time=f"{max_time_min:g}", cutoff=f"{inputs.cutoff_s / 60:g}"),
            source="max_time_min",
            parameter="max_time_min",
        )
    if existing_category is not None and existing_category not in set(
        ctx.region.services["category"]
    ):
        raise InputError(
            _("unknown service category {category}; the region has {categories}").format(
                category=repr(existing_category),
                categories=sorted(ctx.region.services["category"].unique()),
            ),
            source="existing_category",
        )
    demand = demand_table(ctx, inputs.mode, need, high_need_share=high_need_share)
    existing = None
    if existing_category:
        sites = ctx.site_nodes(inputs.mode)  # type: ignore[arg-type]
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
        mip_rel_gap=mip_rel_gap,
    )


def stops_frame(inputs: SitingInputs, result: SitingResult) -> gpd.GeoDataFrame:
    """Chosen stops with location, name, reason and gains, in order of marginal gain."""
    # the result's stops already carry the candidate's reason
    keep = ["candidate_id", "name", "geometry"]
    if "reason" not in result.stops.columns:
        keep.insert(2, "reason")
    # what the reason is made of, for a sentence in the reader's language
    # (geo_outreach.present.labels.candidate_reason)
    keep += [
        c
        for c in ("source", "category", "listed_in", "road_class", "n_streets")
        if c in inputs.candidates.columns and c not in result.stops.columns
    ]
    c = inputs.candidates[keep].rename(columns={"candidate_id": "site_id"})
    s = result.stops.merge(c, on="site_id", how="left")
    s["name"] = s["name"].fillna("").astype(str)
    if "unit_ids" in s.columns:
        s["unit_ids"] = s["unit_ids"].map(
            lambda v: ", ".join(v) if isinstance(v, (list, tuple)) else v
        )
    return gpd.GeoDataFrame(s, geometry="geometry", crs="EPSG:4326")


def coverage_areas(
    ctx: RegionNetworks, inputs: SitingInputs, result: SitingResult
) -> gpd.GeoDataFrame:
    """One polygon per chosen stop: the hull of the demand origins it reaches within T."""
    import shapely

    net = ctx.network(inputs.mode)  # type: ignore[arg-type]
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
        pos = net.index_of(ids if len(ids) else [int(node)])
        pts = shapely.points(net.lon[pos], net.lat[pos])
        hull = shapely.convex_hull(shapely.multipoints(pts))
        geom = hull.buffer(0.0015) if hull.area == 0 else hull
        rows.append({"site_id": r.site_id, "rank": int(r.rank), "geometry": geom})
    return gpd.GeoDataFrame(rows, columns=["site_id", "rank", "geometry"], crs="EPSG:4326")
