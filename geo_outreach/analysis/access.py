"""Network accessibility of units to service sites.

Everything here works on the plain tables of ``docs/architecture.md``:

* **origins** ``unit_id, node_id, weight`` -- a unit's origin nodes on one mode's network, weights
  summing to 1 per unit; a unit with no row is *off-network* (its access is unknown, never zero);
* **node-level OD** ``origin_id, dest_id, travel_time_s, dist_m`` -- ``origin_id`` is a node id,
  ``dest_id`` a ``site_id``; pairs beyond the engine's cutoff are absent;
* **sites** ``site_id, category, name, capacity``; **units** ``unit_id, population``.

Two families of measures:

* :func:`nearest_and_counts` -- per unit, service category and mode: travel time to the nearest
  site (weighted mean over the unit's origins), share of the unit beyond a time threshold and the
  number of sites within a time (weighted mean over origins);
* :func:`fca` -- floating catchment scores (2SFCA, enhanced 2SFCA, gravity) on a *unit-level* OD
  table built with :func:`aggregate_od_to_units`.  The formulas and their edge conventions follow
  PySAL ``access`` exactly (see ``docs/access.md``); the test suite checks equality to 1e-9.

:func:`access_wide` turns the long results into one row per unit with columns such as
``tt_nearest_clinic_fqhc_drive_min`` ready to join onto the units GeoDataFrame.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from geo_outreach.errors import (
    DataQualityWarning,
    EmptyCatchmentWarning,
    InputError,
    RenormalisedWeightsWarning,
    warn,
)
from geo_outreach.i18n import _

__all__ = [
    "DEFAULT_E2SFCA_STEPS",
    "FCAParams",
    "access_wide",
    "aggregate_od_to_units",
    "fca",
    "fca_by_category",
    "fca_weights",
    "format_threshold",
    "nearest_and_counts",
    "need_weighted_demand",
    "node_category_stats",
]

log = logging.getLogger(__name__)

#: Luo & Qi (2009) step weights, minutes -> weight; the default of ``access``'s E2SFCA.
DEFAULT_E2SFCA_STEPS: Mapping[float, float] = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}

FCAMethod = Literal["2sfca", "e2sfca", "gravity"]
_FCA_METHODS = ("2sfca", "e2sfca", "gravity")


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            _("{what} must be a pandas DataFrame, got {got}.").format(
                what=what, got=type(df).__name__
            ),
            source=what,
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            _(
                "{what} lacks column(s) {missing}; it has {columns}. "
                "Build it with geo_outreach.network (see docs/architecture.md) or rename the columns."
            ).format(what=what, missing=missing, columns=list(df.columns)),
            source=what,
        )


def _as_str(s: pd.Series) -> pd.Series:
    return s.astype(str)


def _check_positive(value: float | None, name: str, *, allow_none: bool = False) -> None:
    if value is None:
        if allow_none:
            return
        raise InputError(
            _("{name} must be a positive number, got None.").format(name=name), source=name
        )
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(
            _("{name} must be a positive finite number, got {value}.").format(
                name=name, value=repr(value)
            ),
            source=name,
        )


def _validate_od(od: pd.DataFrame, what: str, cost_cols: Sequence[str]) -> pd.DataFrame:
    _require_columns(od, ["origin_id", "dest_id", *cost_cols], what)
    out = od[["origin_id", "dest_id", *cost_cols]].copy()
    for c in cost_cols:
        vals = pd.to_numeric(out[c], errors="coerce").astype(float)
        bad = ~np.isfinite(vals.to_numpy()) | (vals.to_numpy() < 0)
        if bad.any():
            raise InputError(
                _(
                    "{what} column {column} has {n} missing, infinite or negative value(s); "
                    "pairs beyond the cutoff must be absent rather than inf/NaN rows."
                ).format(what=what, column=repr(c), n=int(bad.sum())),
                source=f"{what}.{c}",
            )
        out[c] = vals
    return out


def _validate_origins(origins: pd.DataFrame) -> pd.DataFrame:
    _require_columns(origins, ["unit_id", "node_id", "weight"], "origins")
    o = origins[["unit_id", "node_id", "weight"]].copy()
    o["unit_id"] = _as_str(o["unit_id"])
    w = pd.to_numeric(o["weight"], errors="coerce").astype(float).to_numpy()
    if (~np.isfinite(w)).any() or (w < 0).any():
        raise InputError(
            _("origins column 'weight' must be finite and >= 0 (weights sum to 1 per unit)."),
            source="origins.weight",
        )
    o["weight"] = w
    o = o[o["weight"] > 0]
    sums = o.groupby("unit_id")["weight"].sum()
    off = sums[(sums - 1.0).abs() > 1e-6]
    if len(off):
        warn(
            RenormalisedWeightsWarning,
            _(
                "origins: weights of {n} unit(s) do not sum to 1 "
                "(e.g. {unit}: {total}); renormalising."
            ).format(n=len(off), unit=off.index[0], total=f"{off.iloc[0]:.4f}"),
            logger=log,
        )
    o["weight"] = o["weight"] / o["unit_id"].map(sums)
    return o


def _validate_sites(sites: pd.DataFrame, *, need_capacity: bool = False) -> pd.DataFrame:
    cols = ["site_id", "category"] + (["capacity"] if need_capacity else [])
    _require_columns(sites, cols, "sites")
    s = pd.DataFrame({"site_id": _as_str(sites["site_id"]), "category": _as_str(sites["category"])})
    if s["site_id"].duplicated().any():
        dup = s.loc[s["site_id"].duplicated(), "site_id"].iloc[0]
        raise InputError(
            _("sites column 'site_id' has duplicates (e.g. {site_id}); ids must be unique.").format(
                site_id=repr(dup)
            )
        )
    if need_capacity:
        cap = pd.to_numeric(sites["capacity"], errors="coerce").astype(float).to_numpy()
        if (~np.isfinite(cap)).any() or (cap < 0).any():
            raise InputError(
                _(
                    "sites column 'capacity' must be finite and >= 0 (use 1.0 per site when unknown)."
                ),
                source="sites.capacity",
            )
        s["capacity"] = cap
    return s


def format_threshold(value: float) -> str:
    """Format a threshold for a column name: ``30 -> "30"``, ``7.5 -> "7p5"``.

    Parameters
    ----------
    value
        Threshold in its unit (minutes, metres, ...).

    Returns
    -------
    str
        Text safe for a column name (no dots).
    """
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}".replace(".", "p")


# --------------------------------------------------------------------------------------------
# nearest site and counts
# --------------------------------------------------------------------------------------------


def node_category_stats(
    od_nodes: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    within_min: float = 15.0,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per origin node and service category: nearest time, nearest distance, count within.

    Parameters
    ----------
    od_nodes
        Node-level OD table ``origin_id, dest_id, travel_time_s, dist_m`` (``dest_id`` = site_id).
    sites
        ``site_id, category``.  OD rows whose ``dest_id`` is not a site are ignored.
    within_min
        Sites with ``travel_time_s <= within_min * 60`` are counted (inclusive).
    categories
        Categories to keep; default every category of ``sites``.

    Returns
    -------
    pandas.DataFrame
        ``origin_id, category, tt_nearest_s, dist_nearest_m, n_within``.  Only (node, category)
        pairs with at least one reachable site appear; absent pairs mean "no site within the
        cutoff".  ``dist_nearest_m`` is the minimum network distance over sites (it may belong to a
        different site than the fastest one).
    """
    _check_positive(within_min, "within_min")
    od = _validate_od(od_nodes, "od_nodes", ["travel_time_s", "dist_m"])
    s = _validate_sites(sites)
    if categories is not None:
        s = s[s["category"].isin([str(c) for c in categories])]
    od["dest_id"] = _as_str(od["dest_id"])
    od = od.merge(s, left_on="dest_id", right_on="site_id", how="inner")
    od["within"] = od["travel_time_s"] <= within_min * 60.0
    g = od.groupby(["origin_id", "category"], sort=False)
    out = g.agg(
        tt_nearest_s=("travel_time_s", "min"),
        dist_nearest_m=("dist_m", "min"),
        n_within=("within", "sum"),
    ).reset_index()
    out["n_within"] = out["n_within"].astype(float)
    return out


def _unit_weighted(
    node_stats: pd.DataFrame, origins: pd.DataFrame, categories: Sequence[str]
) -> pd.DataFrame:
    """Cross origins with categories and attach node stats; unreachable -> inf / 0."""
    cats = pd.DataFrame({"category": list(categories)})
    grid = origins.merge(cats, how="cross")
    # node ids may be int in one table and str in another: compare as strings
    grid["_node"] = _as_str(grid["node_id"])
    ns = node_stats.assign(_node=_as_str(node_stats["origin_id"])).drop(columns="origin_id")
    grid = grid.merge(ns, on=["_node", "category"], how="left")
    reach = grid["tt_nearest_s"].notna()
    grid["reachable"] = reach
    grid["tt_nearest_s"] = grid["tt_nearest_s"].fillna(np.inf)
    grid["dist_nearest_m"] = grid["dist_nearest_m"].fillna(np.inf)
    grid["n_within"] = grid["n_within"].fillna(0.0)
    return grid


def nearest_and_counts(
    od_nodes: pd.DataFrame,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    units: pd.DataFrame | Iterable[str] | None = None,
    mode: str = "drive",
    within_min: float = 15.0,
    beyond_min: float = 30.0,
    cutoff_min: float | None = None,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Nearest-site travel time, share beyond a threshold and counts, per unit and category.

    For every origin node of a unit the nearest site of each category is found in the OD table;
    the unit value is the weighted mean over its origins (weights of ``origins``).

    Parameters
    ----------
    od_nodes
        Node-level OD table of one mode ``origin_id, dest_id, travel_time_s, dist_m``.
    origins
        ``unit_id, node_id, weight`` on the same mode's network.
    sites
        ``site_id, category`` (other columns ignored).
    units
        All units to report (a DataFrame with ``unit_id`` or an iterable of ids).  Units with no
        origin are reported with ``off_network=True`` and NaN measures.  Default: the units of
        ``origins`` (then no unit can be flagged off-network -- pass ``units``).
    mode
        Label of the mode (``"drive"``, ``"walk"``...), copied into the output and used by
        :func:`access_wide` for column names.
    within_min
        Count sites with travel time ``<= within_min`` minutes.
    beyond_min
        ``share_beyond`` is the weight share of origins whose nearest site is ``> beyond_min``
        minutes away, or not reachable at all.
    cutoff_min
        The cutoff the OD table was computed with.  When given, ``within_min`` and ``beyond_min``
        must not exceed it (else counts would be silently truncated), and it caps
        ``tt_nearest_capped_min``.
    categories
        Categories to report; default every category of ``sites`` (in sorted order).

    Returns
    -------
    pandas.DataFrame
        One row per (unit, category): ``unit_id, category, mode, tt_nearest_min,
        tt_nearest_capped_min, dist_nearest_m, share_beyond, n_within, share_unreachable, off_network, within_min,
        beyond_min``.

        * ``tt_nearest_min`` / ``dist_nearest_m``: weighted mean over origins; ``inf`` when any
          origin (with weight > 0) has no site of that category within the cutoff -- read it as
          "beyond the cutoff", never as zero; ``NaN`` for off-network units.
        * ``tt_nearest_capped_min``: the same mean with unreachable origins counted at the
          cutoff (``cutoff_min``, else the largest time in ``od_nodes``): a finite lower bound
          that orders partly-unreachable units sensibly (used for ranking).
        * ``share_beyond``: 1.0 when no origin reaches a site.
        * ``n_within``: weighted mean count (0 is a real zero here: the OD table is complete up
          to its cutoff, which must be >= ``within_min``).
        * ``share_unreachable``: weight share of origins with no site within the cutoff.
    """
    _check_positive(within_min, "within_min")
    _check_positive(beyond_min, "beyond_min")
    _check_positive(cutoff_min, "cutoff_min", allow_none=True)
    if cutoff_min is not None:
        for name, v in (("within_min", within_min), ("beyond_min", beyond_min)):
            if v > cutoff_min:
                raise InputError(
                    _(
                        "{name}={value} exceeds the OD cutoff of {cutoff} min; sites beyond the "
                        "cutoff are absent from the OD table, so lower {name} or recompute the OD "
                        "table with a larger cutoff."
                    ).format(name=name, value=v, cutoff=cutoff_min),
                    source=name,
                )
    if not isinstance(mode, str) or not mode:
        raise InputError(
            _("mode must be a non-empty string such as 'drive' or 'walk'."), source="mode"
        )
    o = _validate_origins(origins)
    s = _validate_sites(sites)
    cats = sorted(s["category"].unique()) if categories is None else [str(c) for c in categories]
    unknown = sorted(set(cats) - set(s["category"]))
    if unknown:
        log.warning("categories %s have no site; every unit will be 'beyond cutoff'.", unknown)
    unit_ids = _unit_ids(units, o)

    ns = node_category_stats(od_nodes, s, within_min=within_min, categories=cats)
    grid = _unit_weighted(ns, o, cats)
    grid["beyond"] = grid["tt_nearest_s"] > beyond_min * 60.0
    w = grid["weight"].to_numpy()
    reachable = grid["reachable"].to_numpy()
    # inf * w would be fine (w > 0) but keep finite sums separate for exactness
    grid["_tt"] = np.where(reachable, grid["tt_nearest_s"].to_numpy() * w, 0.0)
    grid["_d"] = np.where(reachable, grid["dist_nearest_m"].to_numpy() * w, 0.0)
    grid["_beyond"] = grid["beyond"].to_numpy() * w
    grid["_n"] = grid["n_within"].to_numpy() * w
    grid["_unreach"] = (~reachable) * w
    # lower bound: unreachable origins count at the cutoff (or the largest time in the table,
    # which is <= the cutoff, when the cutoff is not given)
    cap_s = (
        cutoff_min * 60.0
        if cutoff_min is not None
        else float(pd.to_numeric(od_nodes["travel_time_s"]).max() if len(od_nodes) else 0.0)
    )
    grid["_cap"] = np.where(reachable, grid["tt_nearest_s"].to_numpy(), cap_s) * w
    agg = (
        grid.groupby(["unit_id", "category"], sort=False)
        .agg(
            _tt=("_tt", "sum"),
            _d=("_d", "sum"),
            share_beyond=("_beyond", "sum"),
            n_within=("_n", "sum"),
            share_unreachable=("_unreach", "sum"),
            _cap=("_cap", "sum"),
        )
        .reset_index()
    )
    some_unreach = agg["share_unreachable"] > 1e-12
    agg["tt_nearest_min"] = np.where(some_unreach, np.inf, agg["_tt"] / 60.0)
    agg["dist_nearest_m"] = np.where(some_unreach, np.inf, agg["_d"])
    agg["tt_nearest_capped_min"] = agg["_cap"] / 60.0
    for c in ("share_beyond", "share_unreachable"):
        agg[c] = agg[c].clip(0.0, 1.0)
    agg = agg.drop(columns=["_tt", "_d", "_cap"])

    full = pd.MultiIndex.from_product([unit_ids, cats], names=["unit_id", "category"]).to_frame(
        index=False
    )
    out = full.merge(agg, on=["unit_id", "category"], how="left")
    out["off_network"] = ~out["unit_id"].isin(set(o["unit_id"]))
    n_off = int(out.loc[out["off_network"], "unit_id"].nunique())
    if n_off:
        log.info(
            "%s network: %d unit(s) have no origin node (off-network, access unknown).", mode, n_off
        )
    out["mode"] = mode
    out["within_min"] = float(within_min)
    out["beyond_min"] = float(beyond_min)
    cols = [
        "unit_id",
        "category",
        "mode",
        "tt_nearest_min",
        "tt_nearest_capped_min",
        "dist_nearest_m",
        "share_beyond",
        "n_within",
        "share_unreachable",
        "off_network",
        "within_min",
        "beyond_min",
    ]
    return out[cols]


def _unit_ids(units: pd.DataFrame | Iterable[str] | None, origins: pd.DataFrame) -> list[str]:
    if units is None:
        return list(pd.unique(origins["unit_id"]))
    if isinstance(units, pd.DataFrame):
        _require_columns(units, ["unit_id"], "units")
        ids = _as_str(units["unit_id"])
    else:
        ids = pd.Series([str(u) for u in units], dtype=object)
    if ids.duplicated().any():
        raise InputError(
            _("units has duplicate unit_id (e.g. {unit_id}).").format(
                unit_id=repr(ids[ids.duplicated()].iloc[0])
            ),
            source="units.unit_id",
        )
    extra = set(origins["unit_id"]) - set(ids)
    if extra:
        log.warning("origins name %d unit(s) not in units; they are ignored.", len(extra))
    return list(ids)


# --------------------------------------------------------------------------------------------
# node-level OD -> unit-level OD
# --------------------------------------------------------------------------------------------


def aggregate_od_to_units(
    od_nodes: pd.DataFrame,
    origins: pd.DataFrame,
    *,
    how: Literal["mean", "min"] = "mean",
    min_share: float = 1.0,
) -> pd.DataFrame:
    """Aggregate a node-level OD table to a unit-level one (origin = ``unit_id``).

    Parameters
    ----------
    od_nodes
        ``origin_id, dest_id, travel_time_s, dist_m`` with node ids as ``origin_id``.
    origins
        ``unit_id, node_id, weight``.
    how
        ``"mean"``: weighted mean over the unit's origins that reach the site; ``"min"``: the
        best origin (optimistic; suits "can anyone in the unit get there").
    min_share
        For ``how="mean"``, keep a (unit, site) pair only when origins of at least this weight
        share reach the site within the cutoff; the mean is then taken over those origins
        (weights renormalised).  Default 1.0: a pair exists only when the whole unit reaches the
        site, so "absent = beyond the cutoff" keeps its meaning.  Ignored for ``"min"``.

    Returns
    -------
    pandas.DataFrame
        ``origin_id`` (= unit_id), ``dest_id``, ``travel_time_s``, ``dist_m``,
        ``travel_time_min``, ``share_reaching``.
    """
    if how not in ("mean", "min"):
        raise InputError(
            _("how must be 'mean' or 'min', got {got}.").format(got=repr(how)), source="how"
        )
    if not (0.0 < min_share <= 1.0):
        raise InputError(
            _("min_share must be in (0, 1], got {got}.").format(got=repr(min_share)),
            source="min_share",
        )
    od = _validate_od(od_nodes, "od_nodes", ["travel_time_s", "dist_m"])
    o = _validate_origins(origins)
    od["_node"] = _as_str(od["origin_id"])
    o = o.assign(_node=_as_str(o["node_id"]))
    m = o[["unit_id", "_node", "weight"]].merge(od.drop(columns="origin_id"), on="_node")
    m["dest_id"] = _as_str(m["dest_id"])
    g = m.groupby(["unit_id", "dest_id"], sort=False)
    if how == "min":
        out = g.agg(
            travel_time_s=("travel_time_s", "min"),
            dist_m=("dist_m", "min"),
            share_reaching=("weight", "sum"),
        ).reset_index()
    else:
        m["_t"] = m["travel_time_s"] * m["weight"]
        m["_d"] = m["dist_m"] * m["weight"]
        out = g.agg(
            _t=("_t", "sum"), _d=("_d", "sum"), share_reaching=("weight", "sum")
        ).reset_index()
        out = out[out["share_reaching"] >= min_share - 1e-9].copy()
        out["travel_time_s"] = out["_t"] / out["share_reaching"]
        out["dist_m"] = out["_d"] / out["share_reaching"]
        out = out.drop(columns=["_t", "_d"])
    out["share_reaching"] = out["share_reaching"].clip(upper=1.0)
    out["travel_time_min"] = out["travel_time_s"] / 60.0
    out = out.rename(columns={"unit_id": "origin_id"})
    return out[
        ["origin_id", "dest_id", "travel_time_s", "dist_m", "travel_time_min", "share_reaching"]
    ].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# floating catchment area scores
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FCAParams:
    """Parameters of a floating catchment score.

    Parameters
    ----------
    method
        ``"2sfca"`` (Luo & Wang 2003: weight 1 within the catchment), ``"e2sfca"`` (Luo & Qi 2009:
        step weights) or ``"gravity"`` (power decay inside the two-step ratio).
    max_cost_min
        Catchment size: pairs with cost ``<= max_cost_min`` are in (inclusive, like
        ``access``).  Required for 2SFCA (default 30); optional for E2SFCA / gravity (None: every
        pair of the OD table; the E2SFCA weight is 0 beyond the last step anyway).
    steps
        E2SFCA step weights ``{upper bound in minutes: weight}``; a cost ``c`` gets the weight of
        the smallest bound ``>= c``, 0 above the largest bound (``access.weights.step_fn``).
    gravity_beta
        Gravity decay exponent: weight ``(max(c, gravity_min_cost_min) / gravity_scale_min) **
        -gravity_beta`` (``access.weights.gravity(scale, alpha=-beta, min_dist)``).
    gravity_scale_min
        Scale of the gravity weight (it cancels out of the ratio; kept for parity with access).
    gravity_min_cost_min
        Costs below this are raised to it, avoiding an infinite weight at cost 0.
    """

    method: FCAMethod = "2sfca"
    max_cost_min: float | None = 30.0
    steps: Mapping[float, float] = field(default_factory=lambda: dict(DEFAULT_E2SFCA_STEPS))
    gravity_beta: float = 1.0
    gravity_scale_min: float = 1.0
    gravity_min_cost_min: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in _FCA_METHODS:
            raise InputError(
                _("FCA method must be one of {methods}, got {got}.").format(
                    methods=_FCA_METHODS, got=repr(self.method)
                ),
                source="method",
            )
        if self.method == "2sfca" and self.max_cost_min is None:
            raise InputError(
                _("2SFCA needs max_cost_min (catchment size in minutes)."), source="max_cost_min"
            )
        _check_positive(self.max_cost_min, "max_cost_min", allow_none=True)
        if not isinstance(self.steps, Mapping) or not self.steps:
            raise InputError(
                _("steps must be a non-empty mapping {minutes: weight}."), source="steps"
            )
        for k, v in self.steps.items():
            if not (
                math.isfinite(float(k))
                and float(k) > 0
                and math.isfinite(float(v))
                and float(v) >= 0
            ):
                raise InputError(
                    _(
                        "steps entry {bound}: {weight} invalid; bounds must be > 0 minutes, "
                        "weights >= 0."
                    ).format(bound=repr(k), weight=repr(v)),
                    source="steps",
                )
        object.__setattr__(
            self, "steps", {float(k): float(v) for k, v in sorted(self.steps.items())}
        )
        _check_positive(self.gravity_beta, "gravity_beta")
        _check_positive(self.gravity_scale_min, "gravity_scale_min")
        _check_positive(self.gravity_min_cost_min, "gravity_min_cost_min")


def fca_weights(cost_min: np.ndarray, params: FCAParams) -> np.ndarray:
    """Distance-decay weight of each cost for an FCA method (no catchment cut applied).

    Parameters
    ----------
    cost_min
        Travel costs in minutes.
    params
        The FCA parameters.

    Returns
    -------
    numpy.ndarray
        Weights (1.0 for plain 2SFCA).
    """
    c = np.asarray(cost_min, dtype=float)
    if params.method == "2sfca":
        return np.ones_like(c)
    if params.method == "e2sfca":
        bounds = np.array(list(params.steps.keys()))
        vals = np.append(np.array(list(params.steps.values())), 0.0)
        idx = np.searchsorted(bounds, c, side="left")  # first bound >= c
        return vals[idx]
    base = np.maximum(c, params.gravity_min_cost_min) / params.gravity_scale_min
    return np.power(base, -params.gravity_beta)


def fca(
    od_units: pd.DataFrame,
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    params: FCAParams | None = None,
    method: FCAMethod | None = None,
    max_cost_min: float | None = None,
    cost_col: str = "travel_time_min",
    demand_col: str = "population",
    supply_col: str | None = "capacity",
    off_network_units: Iterable[str] | None = None,
) -> pd.DataFrame:
    r"""Two-step floating catchment score per unit (supply per unit of demand).

    With weight :math:`w(c)` (1 for 2SFCA, steps for E2SFCA, power decay for gravity) and only
    pairs with :math:`c_{ij} \le` ``max_cost_min``:

    .. math:: R_j = S_j / \sum_i P_i w(c_{ij}), \qquad A_i = \sum_j R_j w(c_{ij})

    Parameters
    ----------
    od_units
        Unit-level OD: ``origin_id`` (= unit_id), ``dest_id`` (= site_id) and ``cost_col``.
    demand
        ``unit_id`` and ``demand_col`` (population, or need-weighted population from
        :func:`need_weighted_demand`).  Scores are computed for these units only.
    supply
        ``site_id`` and ``supply_col`` (capacity); ``supply_col=None`` gives every site supply 1.
        OD destinations not in ``supply`` have supply 0.
    params
        :class:`FCAParams`; ``method`` / ``max_cost_min`` are shortcuts that override it.
    cost_col
        Cost column of ``od_units`` in minutes.
    demand_col, supply_col
        Column names, see above.
    off_network_units
        Units whose access is unknown: their score is NaN.  Every other unit of ``demand`` with
        no site in its catchment scores 0.0 (a real zero: no supply within reach).

    Returns
    -------
    pandas.DataFrame
        ``unit_id, fca_score, n_sites_in_catchment, off_network`` in the order of ``demand``.

    Notes
    -----
    Matches PySAL ``access`` ``two_stage_fca`` / ``enhanced_two_stage_fca`` (with
    ``weights.step_fn``) / ``two_stage_fca(weight_fn=weights.gravity(...))`` to 1e-9, except for
    one degenerate case: a site whose catchment demand is 0 (only zero-population units reach
    it) gets :math:`R_j = 0` and a warning, where ``access`` divides by zero (inf).
    """
    p = params or FCAParams()
    if method is not None or max_cost_min is not None:
        p = FCAParams(
            method=method or p.method,
            max_cost_min=max_cost_min if max_cost_min is not None else p.max_cost_min,
            steps=p.steps,
            gravity_beta=p.gravity_beta,
            gravity_scale_min=p.gravity_scale_min,
            gravity_min_cost_min=p.gravity_min_cost_min,
        )
    od = _validate_od(od_units, "od_units", [cost_col])
    od["origin_id"] = _as_str(od["origin_id"])
    od["dest_id"] = _as_str(od["dest_id"])
    _require_columns(demand, ["unit_id", demand_col], "demand")
    d = pd.DataFrame(
        {
            "unit_id": _as_str(demand["unit_id"]),
            "demand": pd.to_numeric(demand[demand_col], errors="coerce").astype(float),
        }
    )
    if d["unit_id"].duplicated().any():
        raise InputError(_("demand has duplicate unit_id values."), source="demand.unit_id")
    dv = d["demand"].to_numpy()
    if (~np.isfinite(dv)).any() or (dv < 0).any():
        raise InputError(
            _(
                "demand column {column} must be finite and >= 0 (fill missing populations first)."
            ).format(column=repr(demand_col)),
            source=f"demand.{demand_col}",
        )
    _require_columns(supply, ["site_id"] + ([supply_col] if supply_col else []), "supply")
    sup = pd.DataFrame({"site_id": _as_str(supply["site_id"])})
    sup["supply"] = (
        pd.to_numeric(supply[supply_col], errors="coerce").astype(float) if supply_col else 1.0
    )
    sv = sup["supply"].to_numpy()
    if (~np.isfinite(sv)).any() or (sv < 0).any():
        raise InputError(
            _("supply column {column} must be finite and >= 0.").format(column=repr(supply_col)),
            source=f"supply.{supply_col}",
        )
    if sup["site_id"].duplicated().any():
        raise InputError(_("supply has duplicate site_id values."), source="supply.site_id")

    off = {str(u) for u in off_network_units} if off_network_units is not None else set()
    od = od[od["origin_id"].isin(set(d["unit_id"]) - off)]
    if p.max_cost_min is not None:
        od = od[od[cost_col] <= p.max_cost_min]
    od = od.assign(w=fca_weights(od[cost_col].to_numpy(), p))
    od = od.merge(d, left_on="origin_id", right_on="unit_id", how="inner")
    od["pw"] = od["demand"] * od["w"]
    dem_j = od.groupby("dest_id")["pw"].sum()
    s_j = sup.set_index("site_id")["supply"].reindex(dem_j.index).fillna(0.0)
    zero = dem_j <= 0
    if bool((zero & (s_j > 0)).any()):
        warn(
            EmptyCatchmentWarning,
            _(
                "{n} site(s) have supply but zero weighted demand "
                "in their catchment; their supply-to-demand ratio is set to 0."
            ).format(n=int((zero & (s_j > 0)).sum())),
            logger=log,
        )
    r_j = (s_j / dem_j.where(~zero, np.nan)).fillna(0.0)
    od["rw"] = od["dest_id"].map(r_j).to_numpy() * od["w"].to_numpy()
    a_i = od.groupby("origin_id")["rw"].sum()
    n_i = od[od["w"] > 0].groupby("origin_id")["dest_id"].nunique()
    out = d[["unit_id"]].copy()
    out["fca_score"] = out["unit_id"].map(a_i).fillna(0.0).astype(float)
    out["n_sites_in_catchment"] = out["unit_id"].map(n_i).fillna(0).astype(int)
    out["off_network"] = out["unit_id"].isin(off)
    out.loc[out["off_network"], "fca_score"] = np.nan
    return out.reset_index(drop=True)


def need_weighted_demand(
    units: pd.DataFrame,
    need: pd.DataFrame,
    *,
    strength: float = 1.0,
    population_col: str = "population",
) -> pd.DataFrame:
    """Demand = population x (1 + strength x need_score), for need-weighted FCA scores.

    Parameters
    ----------
    units
        ``unit_id`` and ``population_col``.
    need
        ``unit_id, need_score`` (0..1, from :mod:`geo_outreach.analysis.need`).  Units without a
        score get need 0 (weight 1) and a warning.
    strength
        How much a maximal need multiplies demand (1.0: up to twice the population).
    population_col
        Population column of ``units``.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, demand`` (pass ``demand_col="demand"`` to :func:`fca`).
    """
    if not (math.isfinite(strength) and strength >= 0):
        raise InputError(
            _("strength must be >= 0, got {got}.").format(got=repr(strength)), source="strength"
        )
    _require_columns(units, ["unit_id", population_col], "units")
    _require_columns(need, ["unit_id", "need_score"], "need")
    ns = pd.Series(
        pd.to_numeric(need["need_score"], errors="coerce").to_numpy(dtype=float),
        index=_as_str(need["unit_id"]),
    )
    uid = _as_str(units["unit_id"])
    score = uid.map(ns)
    if score.isna().any():
        warn(
            DataQualityWarning,
            _("{n} unit(s) have no need_score; using need 0 for them.").format(
                n=int(score.isna().sum())
            ),
            logger=log,
        )
    pop = pd.to_numeric(units[population_col], errors="coerce").astype(float)
    dem = pop.to_numpy() * (1.0 + strength * score.fillna(0.0).clip(0, 1).to_numpy())
    return pd.DataFrame({"unit_id": uid.to_numpy(), "demand": dem})


def fca_by_category(
    od_units: pd.DataFrame,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    params: FCAParams | None = None,
    mode: str = "drive",
    categories: Sequence[str] | None = None,
    demand_col: str = "population",
    supply_col: str | None = "capacity",
    off_network_units: Iterable[str] | None = None,
    cost_col: str = "travel_time_min",
) -> pd.DataFrame:
    """FCA score of every service category, wide: one row per unit.

    Parameters
    ----------
    od_units, demand, params, demand_col, off_network_units, cost_col
        As for :func:`fca`.
    sites
        ``site_id, category`` and ``supply_col``.
    mode
        Mode label used in the column names.
    categories
        Default: every category of ``sites``.
    supply_col
        Capacity column, or None for 1 per site.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``unit_id``; columns ``fca_{method}_{category}_{mode}``.
    """
    p = params or FCAParams()
    s = _validate_sites(sites)
    if supply_col:
        _require_columns(sites, [supply_col], "sites")
        s[supply_col] = sites[supply_col].to_numpy()
    cats = sorted(s["category"].unique()) if categories is None else [str(c) for c in categories]
    cols = {}
    # each category's FCA only sees its own sites' pairs: other sites have supply 0 there, so
    # they add exact zeros to every sum (same scores), and each call reads a smaller table
    dest_cat = _as_str(od_units["dest_id"]).map(s.set_index("site_id")["category"])
    for cat in cats:
        res = fca(
            od_units[(dest_cat == cat).to_numpy()],
            demand,
            s[s["category"] == cat],
            params=p,
            cost_col=cost_col,
            demand_col=demand_col,
            supply_col=supply_col,
            off_network_units=off_network_units,
        )
        cols[f"fca_{p.method}_{cat}_{mode}"] = res.set_index("unit_id")["fca_score"]
    out = pd.DataFrame(cols)
    out.index.name = "unit_id"
    return out


# --------------------------------------------------------------------------------------------
# wide table
# --------------------------------------------------------------------------------------------


def access_wide(*tables: pd.DataFrame) -> pd.DataFrame:
    """One row per unit from :func:`nearest_and_counts` results (and wide FCA tables).

    Column names (see ``docs/access.md``):

    * ``tt_nearest_{category}_{mode}_min``, ``tt_capped_{category}_{mode}_min``,
      ``dist_nearest_{category}_{mode}_m``
    * ``share_beyond_{T}min_{category}_{mode}``, ``n_within_{T}min_{category}_{mode}``
    * ``share_unreachable_{category}_{mode}``
    * ``off_network_{mode}`` and ``off_network`` (True when the unit is off the network of any
      mode present: some of its access is unknown)
    * FCA tables from :func:`fca_by_category` are joined as they are (``fca_{method}_...``).

    Parameters
    ----------
    *tables
        Long results of :func:`nearest_and_counts` (any modes / categories) and/or wide tables
        indexed by ``unit_id``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``unit_id`` (string), ready for ``units.join(wide, on="unit_id")``.
    """
    if not tables:
        raise InputError(_("access_wide needs at least one table."), source="tables")
    parts: list[pd.DataFrame] = []
    off_parts: list[pd.Series] = []
    for t in tables:
        if {"unit_id", "category", "mode", "tt_nearest_min"} <= set(t.columns):
            for (mode, within, beyond), g in t.groupby(
                ["mode", "within_min", "beyond_min"], sort=False
            ):
                w_txt, b_txt = format_threshold(within), format_threshold(beyond)
                piv = g.pivot(index="unit_id", columns="category")
                cols = {}
                for cat in piv.columns.get_level_values(1).unique():
                    cols[f"tt_nearest_{cat}_{mode}_min"] = piv[("tt_nearest_min", cat)]
                    cols[f"tt_capped_{cat}_{mode}_min"] = piv[("tt_nearest_capped_min", cat)]
                    cols[f"dist_nearest_{cat}_{mode}_m"] = piv[("dist_nearest_m", cat)]
                    cols[f"share_beyond_{b_txt}min_{cat}_{mode}"] = piv[("share_beyond", cat)]
                    cols[f"n_within_{w_txt}min_{cat}_{mode}"] = piv[("n_within", cat)]
                    cols[f"share_unreachable_{cat}_{mode}"] = piv[("share_unreachable", cat)]
                part = pd.DataFrame(cols).astype(float)
                off = g.groupby("unit_id")["off_network"].any().rename(f"off_network_{mode}")
                off_parts.append(off)
                parts.append(part)
        else:
            if "unit_id" in t.columns:
                t = t.set_index("unit_id")
            t = t.copy()
            t.index = t.index.astype(str)
            t.index.name = "unit_id"
            parts.append(t)
    out = pd.concat(parts, axis=1)
    out = out.loc[:, ~out.columns.duplicated(keep="last")]
    if off_parts:
        offs = pd.concat(off_parts, axis=1)
        offs = offs.loc[:, ~offs.columns.duplicated()]
        out = out.join(offs)
        out["off_network"] = offs.reindex(out.index).fillna(True).astype(bool).any(axis=1)
    out.index.name = "unit_id"
    return out
