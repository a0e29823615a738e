"""Access standards that agencies already use, computed on the network.

* :func:`usda_low_access` -- USDA ERS Food Access Research Atlas style low-income / low-access
  (LILA) flags: the 1 / 10 mile, 0.5 / 10 mile and 1 / 20 mile variants and the vehicle
  availability variant.
* :func:`hpsa_threshold` -- an HRSA HPSA-style travel-time test (e.g. more than 30 minutes to the
  nearest primary care source), optionally with a population-to-provider ratio test.

Both are *approximations* of the official products; ``docs/access.md`` lists the sources and
every difference the available data forces (network instead of straight-line distance, tract
origins instead of 0.5 km grid cells, EP_POV150 instead of the poverty rate / family income
test...).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from geo_outreach.analysis.access import (
    FCAParams,
    _require_columns,
    _unit_weighted,
    _validate_origins,
    _validate_sites,
    aggregate_od_to_units,
    fca,
    nearest_and_counts,
    node_category_stats,
)
from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "METRES_PER_MILE",
    "USDA_VARIANTS",
    "UsdaVariant",
    "clean_svi_value",
    "hpsa_threshold",
    "usda_low_access",
]

log = logging.getLogger(__name__)

METRES_PER_MILE = 1609.344

UsdaVariant = Literal["1_10", "0.5_10", "1_20", "vehicle"]

#: variant -> (urban miles, rural miles).  The vehicle variant uses 0.5 mile for households
#: without a vehicle and 20 miles for everyone (USDA ERS, Food Access Research Atlas docs).
USDA_VARIANTS: dict[str, tuple[float, float]] = {
    "1_10": (1.0, 10.0),
    "0.5_10": (0.5, 10.0),
    "1_20": (1.0, 20.0),
    "vehicle": (0.5, 20.0),
}


def clean_svi_value(s: pd.Series) -> pd.Series:
    """Numeric copy of an SVI column with the ``-999`` missing-value code turned into NaN.

    Parameters
    ----------
    s
        A column of the CDC/ATSDR SVI file.

    Returns
    -------
    pandas.Series
        Float series, NaN where missing.
    """
    v = pd.to_numeric(s, errors="coerce").astype(float)
    return v.where(v > -999.0 + 1e-9)


def _share_beyond_dist(
    od_nodes: pd.DataFrame,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    categories: Sequence[str],
    thresholds_m: pd.Series,
) -> pd.Series:
    """Weight share of each unit's origins whose nearest site (any of ``categories``) is
    farther than the unit's threshold (network ``dist_m``); unreachable counts as beyond."""
    s = _validate_sites(sites)
    s = s[s["category"].isin(categories)].assign(category="__any__")
    ns = node_category_stats(od_nodes, s, within_min=1.0)
    o = _validate_origins(origins)
    grid = _unit_weighted(ns, o, ["__any__"])
    thr = grid["unit_id"].map(thresholds_m).to_numpy(dtype=float)
    grid["_b"] = (grid["dist_nearest_m"].to_numpy() > thr) * grid["weight"].to_numpy()
    return grid.groupby("unit_id")["_b"].sum().clip(0.0, 1.0)


def usda_low_access(
    od_nodes: pd.DataFrame,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    units: pd.DataFrame,
    *,
    category: str | Sequence[str],
    variant: UsdaVariant = "1_10",
    urban_col: str | None = None,
    default_urban: bool = True,
    population_col: str = "population",
    low_income_col: str = "EP_POV150",
    low_income_min_pct: float = 20.0,
    min_people: float = 500.0,
    min_share: float = 1.0 / 3.0,
    noveh_col: str = "E_NOVEH",
    households_col: str = "E_HH",
    min_households: float = 100.0,
) -> pd.DataFrame:
    """USDA Food Access Research Atlas style low-income / low-access flags per unit.

    A unit is *low access* when at least ``min_people`` residents or ``min_share`` of its
    residents live farther than the variant's distance (urban / rural) from the nearest site of
    ``category``.  The vehicle variant instead asks for at least ``min_households`` households
    without a vehicle beyond 0.5 mile, or ``min_people`` / ``min_share`` beyond 20 miles.  It is
    *LILA* when it is also low income (``low_income_col >= low_income_min_pct``).

    Parameters
    ----------
    od_nodes
        Node-level OD (``origin_id, dest_id, travel_time_s, dist_m``); distances use ``dist_m``
        (network distance; use the walk network).  Origins with no site within the OD cutoff
        count as beyond, so the cutoff must cover the largest threshold used.
    origins
        ``unit_id, node_id, weight`` on the same network; the weight share beyond a distance is
        taken as the share of residents beyond it.
    sites
        ``site_id, category``.
    units
        ``unit_id``, ``population_col``, ``low_income_col`` and (vehicle variant) ``noveh_col``
        or ``EP_NOVEH`` + ``households_col``; ``urban_col`` when given.  SVI ``-999`` = missing.
    category
        Category (or categories) counted as a food source, e.g. ``"supermarket"``.
    variant
        ``"1_10"``, ``"0.5_10"``, ``"1_20"`` (urban / rural miles) or ``"vehicle"``.
    urban_col
        Boolean column of ``units`` (True = urban).  None: every unit is ``default_urban``.
    default_urban
        Urban status when ``urban_col`` is None.
    population_col, low_income_col, noveh_col, households_col
        Column names.
    low_income_min_pct
        Low-income test ``low_income_col >= low_income_min_pct`` (approximation, see docs).
    min_people, min_share, min_households
        USDA's 500 people / 33 % / 100 households.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, urban, threshold_m, share_beyond, pop_beyond, noveh_hh_beyond, low_income,
        low_access, lila, off_network``.  Flags are pandas nullable booleans: ``<NA>`` when the
        unit is off the network (access unknown) or the inputs are missing, never False.
    """
    if variant not in USDA_VARIANTS:
        raise InputError(
            _("variant must be one of {variants}, got {got}.").format(
                variants=sorted(USDA_VARIANTS), got=repr(variant)
            ),
            source="variant",
        )
    for name, v in (("min_people", min_people), ("min_households", min_households)):
        if not (math.isfinite(v) and v >= 0):
            raise InputError(
                _("{name} must be >= 0, got {got}.").format(name=name, got=repr(v)), source=name
            )
    if not (0 < min_share <= 1):
        raise InputError(
            _("min_share must be in (0, 1], got {got}.").format(got=repr(min_share)),
            source="min_share",
        )
    cats = [category] if isinstance(category, str) else [str(c) for c in category]
    need = ["unit_id", population_col, low_income_col]
    if urban_col:
        need.append(urban_col)
    _require_columns(units, need, "units")
    s = _validate_sites(sites)
    if not s["category"].isin(cats).any():
        raise InputError(
            _("no site of category {categories}; sites have {available}.").format(
                categories=cats, available=sorted(s["category"].unique())
            ),
            source="category",
        )

    uid = units["unit_id"].astype(str).to_numpy()
    u = pd.DataFrame(index=pd.Index(uid, name="unit_id"))
    u["population"] = clean_svi_value(units[population_col]).to_numpy()
    u["urban"] = units[urban_col].astype("boolean").to_numpy() if urban_col else bool(default_urban)
    urban_mi, rural_mi = USDA_VARIANTS[variant]
    u["threshold_m"] = np.where(u["urban"], urban_mi, rural_mi) * METRES_PER_MILE

    o = _validate_origins(origins)
    on_net = u.index.isin(set(o["unit_id"]))
    if variant == "vehicle":
        far = pd.Series(rural_mi * METRES_PER_MILE, index=u.index)
        near = pd.Series(urban_mi * METRES_PER_MILE, index=u.index)
        u["threshold_m"] = far
        share_far = _share_beyond_dist(od_nodes, o, sites, cats, far)
        share_near = _share_beyond_dist(od_nodes, o, sites, cats, near)
    else:
        share_far = _share_beyond_dist(od_nodes, o, sites, cats, u["threshold_m"])
        share_near = None
    u["share_beyond"] = share_far.reindex(u.index)
    u["pop_beyond"] = u["share_beyond"] * u["population"]
    low_access = (u["pop_beyond"] >= min_people) | (u["share_beyond"] >= min_share - 1e-12)

    u["noveh_hh_beyond"] = np.nan
    if variant == "vehicle":
        noveh = _noveh_households(units, noveh_col, households_col)
        u["noveh_hh_beyond"] = share_near.reindex(u.index).to_numpy() * noveh
        low_access = low_access | (u["noveh_hh_beyond"] >= min_households)

    low_access = low_access.astype("boolean")
    low_access[~on_net] = pd.NA
    # a missing input (population / households) must not read as "not low access"
    missing_in = u["pop_beyond"].isna() & on_net
    if variant == "vehicle":
        missing_in &= u["noveh_hh_beyond"].isna()
    low_access[missing_in & ~low_access.fillna(False)] = pd.NA

    inc = clean_svi_value(units[low_income_col]).to_numpy()
    low_income = pd.array(inc >= low_income_min_pct, dtype="boolean")
    low_income[np.isnan(inc)] = pd.NA
    u["low_income"] = low_income
    u["low_access"] = low_access
    u["lila"] = u["low_income"] & u["low_access"]
    u["off_network"] = ~on_net
    n_off = int((~on_net).sum())
    if n_off:
        log.info("usda_low_access: %d unit(s) off the network, flags are <NA>.", n_off)
    return u.reset_index()[
        [
            "unit_id",
            "urban",
            "threshold_m",
            "share_beyond",
            "pop_beyond",
            "noveh_hh_beyond",
            "low_income",
            "low_access",
            "lila",
            "off_network",
        ]
    ]


def _noveh_households(units: pd.DataFrame, noveh_col: str, households_col: str) -> np.ndarray:
    if noveh_col in units.columns:
        return clean_svi_value(units[noveh_col]).to_numpy()
    if "EP_NOVEH" in units.columns and households_col in units.columns:
        log.info("usda_low_access: %s absent, using EP_NOVEH x %s.", noveh_col, households_col)
        return (
            clean_svi_value(units["EP_NOVEH"]).to_numpy()
            / 100.0
            * clean_svi_value(units[households_col]).to_numpy()
        )
    raise InputError(
        _(
            "the vehicle variant needs units column {noveh_col} (households without a vehicle) "
            "or 'EP_NOVEH' and {households_col}."
        ).format(noveh_col=repr(noveh_col), households_col=repr(households_col)),
        source=noveh_col,
    )


def hpsa_threshold(
    od_nodes: pd.DataFrame,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    units: pd.DataFrame,
    *,
    category: str = "clinic_fqhc",
    threshold_min: float = 30.0,
    min_share: float = 0.5,
    mode: str = "drive",
    population_col: str = "population",
    provider_ratio: float | None = None,
    capacity_col: str = "capacity",
    cutoff_min: float | None = None,
) -> pd.DataFrame:
    """HPSA-style test: residents more than ``threshold_min`` from the nearest primary care site.

    A unit is flagged ``beyond_threshold`` when origins holding at least ``min_share`` of its
    weight are more than ``threshold_min`` minutes (network travel time of ``mode``) from the
    nearest site of ``category``, or reach none within the OD cutoff.

    Parameters
    ----------
    od_nodes, origins
        Node-level OD table and origins of one mode.
    sites
        ``site_id, category`` (+ ``capacity_col`` for the ratio test).
    units
        ``unit_id`` and ``population_col``.
    category
        Primary care category.
    threshold_min
        HRSA's 30 minutes (40 in frontier areas under some rules; see docs).
    min_share
        Share of the unit that must be beyond for the flag (0.5: "most residents").
    mode
        Mode label.
    population_col
        Population column.
    provider_ratio
        When given (e.g. 3500 for 3,500 people per FTE physician), also compute a 2SFCA score
        with a ``threshold_min`` catchment on ``capacity_col`` (FTE providers) and flag
        ``ratio_shortage`` when it is below ``1 / provider_ratio``.
    capacity_col
        Provider FTE column of ``sites`` for the ratio test.
    cutoff_min
        Cutoff of the OD table (checked against ``threshold_min``).

    Returns
    -------
    pandas.DataFrame
        ``unit_id, tt_nearest_min, share_beyond, pop_beyond, beyond_threshold, off_network``
        (+ ``providers_per_person, ratio_shortage`` with ``provider_ratio``).  Flags are
        nullable booleans, ``<NA>`` for off-network units.
    """
    if not (0 < min_share <= 1):
        raise InputError(
            _("min_share must be in (0, 1], got {got}.").format(got=repr(min_share)),
            source="min_share",
        )
    _require_columns(units, ["unit_id", population_col], "units")
    nc = nearest_and_counts(
        od_nodes,
        origins,
        sites,
        units=units,
        mode=mode,
        within_min=threshold_min,
        beyond_min=threshold_min,
        cutoff_min=cutoff_min,
        categories=[category],
    ).set_index("unit_id")
    pop = pd.Series(
        clean_svi_value(units[population_col]).to_numpy(), index=units["unit_id"].astype(str)
    )
    out = pd.DataFrame(index=nc.index)
    out["tt_nearest_min"] = nc["tt_nearest_min"]
    out["share_beyond"] = nc["share_beyond"]
    out["pop_beyond"] = nc["share_beyond"] * pop.reindex(nc.index)
    flag = pd.array(nc["share_beyond"].to_numpy() >= min_share - 1e-12, dtype="boolean")
    flag[nc["off_network"].to_numpy()] = pd.NA
    out["beyond_threshold"] = flag
    out["off_network"] = nc["off_network"]
    if provider_ratio is not None:
        if not (math.isfinite(provider_ratio) and provider_ratio > 0):
            raise InputError(
                _("provider_ratio must be > 0, got {got}.").format(got=repr(provider_ratio)),
                source="provider_ratio",
            )
        s = sites[sites["category"].astype(str) == category]
        od_u = aggregate_od_to_units(od_nodes, origins)
        dem = pd.DataFrame({"unit_id": pop.index, "population": pop.fillna(0.0).to_numpy()})
        sc = fca(
            od_u,
            dem,
            s,
            params=FCAParams(method="2sfca", max_cost_min=threshold_min),
            supply_col=capacity_col,
            off_network_units=nc.index[nc["off_network"]],
        ).set_index("unit_id")["fca_score"]
        out["providers_per_person"] = sc.reindex(out.index)
        short = pd.array(
            out["providers_per_person"].to_numpy() < 1.0 / provider_ratio, dtype="boolean"
        )
        short[out["providers_per_person"].isna().to_numpy()] = pd.NA
        out["ratio_shortage"] = short
    return out.reset_index()
