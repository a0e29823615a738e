"""The whole analysis of a region in one call: need, access per category and mode, underserved.

:func:`analyze_region` is the one core function behind ``geo-outreach analyze``, the dashboard's
"Needs and access" page and the notebook. It

1. scores need: the CDC/ATSDR SVI method when the units carry the 16 ``EP_`` columns (ranked
   across the region's units), else a preset or a precomputed column (:class:`AnalysisParams`);
2. computes access per service category and mode on the road network: nearest-site time over
   each unit's origin nodes, share of origins beyond ``beyond_min``, sites within ``within_min``,
   and a floating-catchment score (E2SFCA by default);
   (the travel times come from :func:`geo_outreach.network.traveltime.access_tables`, which
   works from the sites' side so that large regions fit in memory; there
   ``dist_nearest_*_m`` is the shortest road distance to a site of the category);
3. combines need and poor access into a ranked underserved score with a reason sentence, flags
   off-network units (never ranked), and dissolves neighbouring underserved units into zones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_outreach.analysis.access import (
    FCAParams,
    access_wide,
    fca_by_category,
    nearest_and_counts,
)
from geo_outreach.analysis.need import (
    PRESETS,
    NeedIndexSpec,
    NeedVariable,
    compute_need,
    parse_variables,
)
from geo_outreach.analysis.svi import SVI_VARIABLES, compute_svi
from geo_outreach.analysis.underserved import underserved_scores, underserved_zones
from geo_outreach.domain import Progress
from geo_outreach.errors import InputError
from geo_outreach.i18n import _
from geo_outreach.network.cluster import connect
from geo_outreach.network.context import RegionNetworks
from geo_outreach.network.graph import MODES
from geo_outreach.network.traveltime import access_tables

__all__ = [
    "AnalysisParams",
    "AnalysisResult",
    "analyze_region",
    "column_need_spec",
    "compute_region_need",
    "manifest_need",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisParams:
    """Settings of :func:`analyze_region`.

    Parameters
    ----------
    need
        ``"auto"`` (CDC SVI when the ``EP_`` columns are there, else the first preset whose
        columns exist), ``"cdc-svi"``, a preset name of
        :data:`geo_outreach.analysis.need.PRESETS`, or ``"column:NAME"`` for a precomputed
        0..1 score such as ``column:RPL_THEMES``.
    modes
        Travel modes to measure.
    categories
        Service categories to measure (default: every category of the region).
    within_min, beyond_min
        Count sites within ``within_min`` minutes; report the share of origins beyond
        ``beyond_min`` minutes of the nearest site.
    cutoff_min
        Searches stop here; farther sites count as unreachable (never as zero minutes).
    fca
        Floating-catchment settings (method, catchment, steps).
    score_method, weights, top_share
        How need and access deficit combine (see
        :func:`geo_outreach.analysis.underserved.underserved_scores`), and the share of ranked
        units flagged underserved.
    reason_categories
        Focus categories: their nearest-site times (every mode) form the access deficit of the
        underserved score, and the reason sentence names them, so the reason explains the rank.
        Those absent from the region are skipped; when none is present, every measured category
        counts. The default (health centre, library, food bank: the services outreach teams ask
        about first) keeps sentences short enough to read aloud.
    """

    need: str = "auto"
    modes: tuple[str, ...] = MODES
    categories: tuple[str, ...] | None = None
    within_min: float = 15.0
    beyond_min: float = 30.0
    cutoff_min: float = 60.0
    fca: FCAParams = field(default_factory=lambda: FCAParams(method="e2sfca"))
    score_method: str = "product"
    weights: tuple[tuple[str, float], ...] = (("need", 0.5), ("access", 0.5))
    top_share: float = 0.2
    reason_categories: tuple[str, ...] | None = ("clinic_fqhc", "library", "food_bank")

    def __post_init__(self) -> None:
        bad = [m for m in self.modes if m not in MODES]
        if bad or not self.modes:
            raise InputError(
                _("modes must be among {modes}, got {got}").format(
                    modes=list(MODES), got=list(self.modes)
                ),
                source="modes",
            )
        if not 0 < self.within_min <= self.cutoff_min:
            raise InputError(_("within_min must be > 0 and <= cutoff_min"), source="within_min")
        if not 0 < self.beyond_min <= self.cutoff_min:
            raise InputError(_("beyond_min must be > 0 and <= cutoff_min"), source="beyond_min")
        if not 0 < self.top_share <= 1:
            raise InputError(_("top_share must be in (0, 1]"), source="top_share")


@dataclass(frozen=True)
class AnalysisResult:
    """Result of :func:`analyze_region`.

    Attributes
    ----------
    tracts
        The region's units (EPSG:4326) with ``need_score``, the access columns
        (``tt_nearest_{category}_{mode}_min``, ``share_beyond_...``, ``n_within_...``,
        ``fca_...``), ``underserved_score``, ``underserved_rank`` (1 = most underserved),
        ``underserved``, ``off_network`` and ``reason``.
    zones
        Contiguous underserved zones with unit count, population and need totals.
    access_long
        One row per (unit, category, mode) with the nearest-site measures.
    need_method
        What the need score is, in words.
    timings_s
        Seconds per step.
    """

    tracts: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    access_long: pd.DataFrame
    need_method: str
    params: AnalysisParams
    timings_s: dict[str, float]

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` most underserved units with their reasons."""
        ranked = self.tracts[self.tracts["underserved_rank"].notna()]
        cols = [
            "unit_id",
            "name",
            "population",
            "need_score",
            "underserved_score",
            "underserved_rank",
            "reason",
        ]
        return pd.DataFrame(ranked.sort_values("underserved_rank")[cols].head(n))

    def summary(self, n: int = 10) -> dict[str, Any]:
        """A JSON-ready summary: counts, need method, the top ``n`` units with reasons."""
        t = self.tracts
        top = self.top(n)
        return {
            "tracts": len(t),
            "ranked": int(t["underserved_rank"].notna().sum()),
            "off_network": int(t["off_network"].sum()),
            "underserved": int(t["underserved"].fillna(False).astype(bool).sum()),
            "zones": len(self.zones),
            "need_method": self.need_method,
            "modes": list(self.params.modes),
            "top": [
                {
                    "unit_id": r.unit_id,
                    "name": r.name,
                    "rank": int(r.underserved_rank),
                    "score": round(float(r.underserved_score), 4),
                    "need_score": None if pd.isna(r.need_score) else round(float(r.need_score), 4),
                    "population": float(r.population),
                    "reason": r.reason,
                }
                for r in top.itertuples()
            ],
            "timings_s": self.timings_s,
        }


def _direction(value: object, *, source: str) -> int:
    text = str(value or "higher").strip().lower()
    if text in ("higher", "high", "+1", "1", "higher_is_more_need", "more"):
        return 1
    if text in ("lower", "low", "-1", "lower_is_more_need", "less"):
        return -1
    raise InputError(
        _(
            "{source}: [need] direction must be 'higher' (a higher value means more need) or "
            "'lower', got {got}"
        ).format(source=source, got=repr(value)),
        source=source,
        parameter="direction",
    )


def column_need_spec(
    units: pd.DataFrame, column: str, *, direction: int = 1, source: str = "need"
) -> NeedIndexSpec:
    """A need index from one numeric column of the units (e.g. ``svi2022_rpl_themes``).

    A column already in 0..1 is used as is (``1 - value`` when lower means more need); any
    other numeric column is ranked (percentile rank, direction-adjusted). ``-999`` and empty
    cells are missing: those units get no score and are not ranked.

    Raises
    ------
    InputError
        When the column is missing, not numeric or empty, naming ``source`` and the fix.
    """
    from geo_outreach.analysis.svi import numeric_column

    if column not in units.columns:
        numeric = [
            str(c)
            for c in units.columns
            if c not in ("geometry",) and pd.api.types.is_numeric_dtype(units[c])
        ]
        raise InputError(
            _(
                "{source}: need column {column} is not in the units; numeric columns: "
                "{columns}. Fix the [need] "
                "column (or need='column:NAME') to one of them."
            ).format(
                source=source,
                column=repr(column),
                columns=", ".join(numeric[:10]) + (" ..." if len(numeric) > 10 else ""),
            ),
            source=source,
            column=column,
        )
    try:
        values = numeric_column(units, column)
    except InputError as exc:
        raise InputError(
            _(
                "{source}: need column {column} is not numeric ({exc}). Choose a numeric "
                "column for the need index."
            ).format(source=source, column=repr(column), exc=exc),
            source=source,
            column=column,
        ) from exc
    ok = ~np.isnan(values)
    if not ok.any():
        raise InputError(
            _(
                "{source}: need column {column} has no values (all empty or -999). Choose a "
                "column with data."
            ).format(source=source, column=repr(column)),
            source=source,
            column=column,
        )
    if ((values[ok] >= 0) & (values[ok] <= 1)).all():
        return NeedIndexSpec.precomputed(column, direction=direction)
    return NeedIndexSpec(
        (NeedVariable(column, 1.0, direction),),
        name=f"column:{column}",
        description=f"percentile rank of column {column!r}"
        + (" (lower values mean more need)" if direction < 0 else ""),
    )


def manifest_need(region_need: Mapping[str, str], *, source: str = "region.toml") -> str:
    """The ``need`` argument that a manifest's ``[need]`` table stands for.

    ``method = "cdc-svi"``, ``preset = NAME``, ``column = NAME`` (+ ``direction``) or
    ``variables = "COL:WEIGHT,..."`` (user-chosen columns; a negative weight: lower means
    more need).
    """
    keys = [k for k in ("method", "preset", "column", "variables") if region_need.get(k)]
    if len(keys) != 1:
        raise InputError(
            _(
                "{source}: [need] must name exactly one of method, preset, column or variables; got "
                "{got}"
            ).format(source=source, got=dict(region_need)),
            source=source,
        )
    key = keys[0]
    value = str(region_need[key]).strip()
    if key == "method":
        if value not in ("cdc-svi", "auto"):
            raise InputError(
                _(
                    "{source}: [need] method must be 'cdc-svi' (or use preset = NAME / "
                    "column = NAME), got {got}"
                ).format(source=source, got=repr(value)),
                source=source,
            )
        return value
    if key == "preset":
        if value not in PRESETS:
            raise InputError(
                _("{source}: unknown [need] preset {preset}; choose one of {presets}").format(
                    source=source, preset=repr(value), presets=sorted(PRESETS)
                ),
                source=source,
            )
        return value
    if key == "variables":
        try:
            parse_variables(value)
        except InputError as exc:
            raise InputError(
                _(
                    "{source}: [need] variables: {exc} (write COLUMN:WEIGHT,..., e.g. "
                    '"low_income_pct:1,median_income:-1")'
                ).format(source=source, exc=exc),
                source=source,
            ) from exc
        return f"variables:{value}"
    sign = _direction(region_need.get("direction"), source=source)
    return f"column:{value}" + (":lower" if sign < 0 else "")


def compute_region_need(
    units: pd.DataFrame,
    need: str = "auto",
    *,
    region_need: Mapping[str, str] | None = None,
    source: str = "need",
) -> tuple[pd.DataFrame, str]:
    """Need score per unit: ``unit_id, need_score`` and a description of the method.

    Parameters
    ----------
    units
        The region's units.
    need
        ``auto``, ``cdc-svi``, a preset name, or ``column:NAME`` (``column:NAME:lower`` when a
        lower value means more need; any numeric column works, see :func:`column_need_spec`),
        or ``variables:COL:WEIGHT,...`` (a weighted composite of the units' own columns).
    region_need
        The manifest's ``[need]`` table: used when ``need`` is ``auto``.
    source
        Where ``region_need`` comes from (the manifest path), for messages.
    """
    if need == "auto" and region_need:
        need = manifest_need(region_need, source=source)
    has_svi = all(f"EP_{v}" in units.columns for v in SVI_VARIABLES)
    if need == "auto":
        if has_svi:
            need = "cdc-svi"
        else:
            need = next(
                (
                    name
                    for name, spec in PRESETS.items()
                    if all(v.column in units.columns for v in spec.variables)
                ),
                "",
            )
            if not need:
                raise InputError(
                    _(
                        "the units have neither the CDC SVI EP_ columns nor the columns of a need "
                        "preset ({presets}); pass need='column:NAME' with a numeric "
                        "column, or set [need] column = NAME in region.toml"
                    ).format(presets=sorted(PRESETS)),
                    source="need",
                )
    if need == "cdc-svi":
        svi = compute_svi(units, id_col="unit_id")
        out = pd.DataFrame(
            {"unit_id": svi["unit_id"].astype(str), "need_score": svi["RPL_THEMES"].astype(float)}
        )
        return out, _(
            "CDC/ATSDR SVI 2020 method, overall percentile rank (RPL_THEMES) across "
            "the region's {n} ranked tracts"
        ).format(n=int(svi["RPL_THEMES"].notna().sum()))
    if need.startswith("column:"):
        column = need.split(":", 1)[1]
        direction = 1
        if column.endswith((":lower", ":higher")):
            column, _sep, word = column.rpartition(":")  # `_` is gettext here
            direction = -1 if word == "lower" else 1
        spec = column_need_spec(units, column, direction=direction, source=source)
        label = (
            _("column {column} (lower means more need)") if direction < 0 else _("column {column}")
        ).format(column=column)
        if spec.normalization != "none":
            label = _("{method}, ranked").format(method=label)
    elif need.startswith("variables:"):
        weights = parse_variables(need.split(":", 1)[1])
        for column in weights:
            column_need_spec(units, column, source=source)  # present and numeric, else say so
        spec = NeedIndexSpec.from_weights(weights, name="variables")
        label = _("need variables {variables}").format(
            variables=", ".join(
                (
                    _("{column} (lower = more need, weight {weight})")
                    if w < 0
                    else _("{column} (higher = more need, weight {weight})")
                ).format(column=c, weight=f"{abs(w):g}")
                for c, w in weights.items()
            )
        )
    elif need in PRESETS:
        spec = PRESETS[need]
        label = (
            _("need preset {name}: {description}").format(
                name=repr(need), description=_(spec.description)
            )
            if spec.description
            else _("need preset {name}").format(name=repr(need))
        )
    else:
        raise InputError(
            _(
                "unknown need method {method}; use auto, cdc-svi, column:NAME or one of {presets}"
            ).format(method=repr(need), presets=sorted(PRESETS)),
            source="need",
        )
    scored = compute_need(units, spec, id_col="unit_id")
    return pd.DataFrame(
        {"unit_id": scored["unit_id"].astype(str), "need_score": scored["need_score"].astype(float)}
    ), label


def analyze_region(
    ctx: RegionNetworks,
    params: AnalysisParams | None = None,
    *,
    progress: Progress | None = None,
    cluster: Any = None,
    engine: str = "auto",
) -> AnalysisResult:
    """Run need, access and underserved analysis on a region.

    Parameters
    ----------
    ctx
        The region with its lazily loaded networks (:func:`geo_outreach.network.context.open_region`).
    params
        Settings (defaults: both modes, every category, E2SFCA, 15/30/60 minutes).
    progress
        ``progress(stage, done, total)`` between steps (the one protocol, with ``total``
        100: ``done`` is the percentage of the whole analysis finished).
    cluster
        Run the travel-time searches on Dask: ``"local:N"`` (a LocalCluster of N
        single-threaded worker processes), a scheduler address ``"tcp://HOST:PORT"``, or a
        ``distributed.Client``. The numbers are the same as without (``docs/scale.md``); needs
        the ``[scale]`` extra (an :class:`~geo_outreach.errors.InputError` with the install hint
        otherwise).
    engine
        Travel-time engine of :func:`geo_outreach.network.traveltime.access_tables`:
        ``"auto"`` (compiled bounded searches), or ``"scipy"`` (the previous dense engine, for
        comparisons; same numbers, slower).

    Returns
    -------
    AnalysisResult
    """
    params = params or AnalysisParams()

    def report(stage: str, frac: float) -> None:
        if progress is not None:
            progress(stage, round(frac * 100), 100)

    timings: dict[str, float] = {}
    units = ctx.region.units
    sites = ctx.region.services
    categories: Sequence[str] = params.categories or sorted(sites["category"].unique())
    unknown = set(categories) - set(sites["category"])
    if unknown:
        raise InputError(
            _("unknown service categories {unknown}; the region has {categories}").format(
                unknown=sorted(unknown), categories=sorted(sites["category"].unique())
            ),
            source="categories",
        )

    t0 = time.perf_counter()
    report("need index", 0.0)
    need, need_label = compute_region_need(
        units,
        params.need,
        region_need=ctx.region.manifest.need,
        source=str(ctx.region.manifest.manifest_path),
    )
    timings["need"] = round(time.perf_counter() - t0, 3)

    long_tables = []
    fca_tables = []
    n_modes = len(params.modes)
    demand = pd.DataFrame({"unit_id": units["unit_id"], "population": units["population"]})
    # one Dask client for every mode (a LocalCluster starts once); None runs here
    with connect(cluster) as client:
        for k, mode in enumerate(params.modes):
            t0 = time.perf_counter()
            report(f"{mode} network", 0.1 + 0.8 * k / n_modes)
            snap = ctx.origins(mode)  # type: ignore[arg-type]
            site_nodes = ctx.site_nodes(mode)  # type: ignore[arg-type]
            report(f"{mode} travel times", 0.1 + 0.8 * (k + 0.4) / n_modes)
            on_nodes = site_nodes[site_nodes["on_network"]]
            on_sites = sites[sites["site_id"].isin(on_nodes["site_id"])]
            # one pass from the sites: each category's nearest site per origin node, counts within
            # `within_min`, and unit-level means; no origin x site table, so 100k-node regions fit
            tables = access_tables(
                ctx.network(mode),  # type: ignore[arg-type]
                snap.origins,
                on_nodes[["site_id", "node_id", "category"]],
                within_s=params.within_min * 60.0,
                cutoff_s=params.cutoff_min * 60.0,
                # unit pairs beyond the largest catchment never enter the FCA: searches stop near it
                max_mean_s=(
                    params.fca.max_cost_min * 60.0 if params.fca.max_cost_min is not None else None
                ),
                cluster=client,
                engine=engine,  # type: ignore[arg-type]
            )
            measures = nearest_and_counts(
                tables.nearest_od,
                snap.origins,
                on_sites,
                units=units,
                mode=mode,
                within_min=params.within_min,
                beyond_min=params.beyond_min,
                cutoff_min=params.cutoff_min,
                categories=categories,
            )
            # the nearest-only table gives exact nearest times and shares beyond; the counts within
            # `within_min` come from the engine's running counts
            counted = measures[["unit_id", "category"]].merge(
                tables.counts, on=["unit_id", "category"], how="left"
            )
            on_net = ~measures["off_network"].astype(bool).to_numpy()
            measures.loc[on_net, "n_within"] = counted["n_within"].fillna(0.0).to_numpy()[on_net]
            long_tables.append(measures)
            od_units = tables.unit_od.assign(travel_time_min=tables.unit_od["travel_time_s"] / 60.0)
            off = set(snap.off_network["unit_id"])
            fca_tables.append(
                fca_by_category(
                    od_units,
                    demand,
                    on_sites,
                    params=params.fca,
                    mode=mode,
                    categories=[c for c in categories if c in set(on_sites["category"])],
                    off_network_units=off,
                )
            )
            timings[f"access_{mode}"] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    report("underserved score", 0.92)
    access_long = pd.concat(long_tables, ignore_index=True)
    wide = access_wide(access_long, *fca_tables)
    named = [c for c in (params.reason_categories or ()) if c in set(categories)]
    focus = named or list(categories)
    deficit_cols = [
        f"tt_capped_{c}_{m}_min"
        for c in focus
        for m in params.modes
        if f"tt_capped_{c}_{m}_min" in wide.columns
    ]
    scores = underserved_scores(
        units,
        need,
        wide,
        method=params.score_method,  # type: ignore[arg-type]
        weights=dict(params.weights),
        top_share=params.top_share,
        access_columns=deficit_cols or None,
        reason_categories=focus,
    )
    score_cols = [c for c in scores.columns if c not in ("off_network",)]
    tracts = units.merge(
        wide.drop(columns=[c for c in ("off_network",) if c in wide.columns]),
        left_on="unit_id",
        right_index=True,
        how="left",
    )
    tracts = tracts.merge(
        scores[[*score_cols, "off_network"]], on="unit_id", how="left", suffixes=("", "_score")
    )
    tracts["off_network"] = tracts["off_network"].fillna(True).astype(bool)
    tracts = gpd.GeoDataFrame(tracts, geometry=units.geometry.name, crs=units.crs)
    zones = underserved_zones(tracts, scores)
    timings["underserved"] = round(time.perf_counter() - t0, 3)
    report("done", 1.0)
    return AnalysisResult(
        tracts=tracts,
        zones=zones,
        access_long=access_long,
        need_method=need_label,
        params=params,
        timings_s=timings,
    )
