"""Impact of the field work, and feedback from the visit log into the next plan.

* :func:`impact_summary` -- reach per unit (tract) and zone, share of the underserved
  population reached, referrals per category, open follow-ups, planned vs done.
* :func:`followups_as_visits` -- open follow-ups as rows of the routing visits CSV.
* :func:`reach_discount` -- per-unit factor (<= 1) to discount recently reached tracts in
  the next siting run.
* :func:`attendance_factors` -- per-location factor (<= 1) lowering the expected attendance
  of stops where nobody was there.
* :func:`find_overlaps` / :func:`read_layer` -- another team's planned stops or visit log as
  a read-only layer, and where both teams work in the same tract, ISO week and category.

Every function takes a :class:`~geo_outreach.visits.store.VisitStore` or a visits table
(the columns of :func:`~geo_outreach.visits.store.visits_frame`).  Voided visits never count.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

from .models import CATEGORIES, parse_date
from .store import VisitStore, visits_frame

__all__ = [
    "FOLLOWUP_VISIT_COLUMNS",
    "ImpactSummary",
    "assign_units",
    "attendance_factors",
    "find_overlaps",
    "followups_as_visits",
    "impact_summary",
    "open_followups",
    "reach_discount",
    "read_layer",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`followups_as_visits` (the routing visits CSV format).
FOLLOWUP_VISIT_COLUMNS: tuple[str, ...] = (
    "visit_id",
    "lon",
    "lat",
    "duration_min",
    "windows",
    "priority",
    "skills",
    "notes",
)
_REF_COLS = tuple(f"referrals_{c}" for c in CATEGORIES)


# -- inputs -------------------------------------------------------------------------------
def _visits(source: VisitStore | pd.DataFrame, *, since: Any = None) -> pd.DataFrame:
    """Current, non-voided visits as a frame (from a store or a table)."""
    if isinstance(source, VisitStore):
        return visits_frame(source, since=since)
    if not isinstance(source, pd.DataFrame):
        raise InputError(_("visits: give a VisitStore or a visits table"), source="visits")
    df = source.copy()
    for c, default in (
        ("unit_id", ""),
        ("planned_visit_id", ""),
        ("followup_of", ""),
        ("languages", ""),
        ("service", ""),
        ("voided", False),
        ("followup_needed", False),
        ("people_reached", 0),
        ("lon", np.nan),
        ("lat", np.nan),
    ):
        if c not in df.columns:
            df[c] = default
    for c in _REF_COLS:
        if c not in df.columns:
            df[c] = 0
    for c in ("record_id", "worker_id", "outcome", "visited_at"):
        if c not in df.columns:
            raise InputError(
                _("visits table: missing column {column}").format(column=repr(c)), source=c
            )
    df["visited_at"] = pd.to_datetime(df["visited_at"])
    df["visit_date"] = df["visited_at"].dt.normalize()
    if "timezone" in df.columns:  # UTC times: the visit's day is its day in its zone
        from geo_outreach.visits.models import local_time

        for zone in sorted(set(df["timezone"].fillna("").astype(str)) - {""}):
            rows = df["timezone"] == zone
            local = local_time(df.loc[rows, "visited_at"], zone).dt.tz_localize(None)
            df.loc[rows, "visit_date"] = local.dt.normalize()
    if "followup_due" not in df.columns:
        df["followup_due"] = pd.NaT
    df["followup_due"] = pd.to_datetime(df["followup_due"])
    for c in ("unit_id", "planned_visit_id", "followup_of", "languages", "service"):
        df[c] = df[c].fillna("").astype(str)
    df = df[~df["voided"].astype(bool)]
    d0 = parse_date(since, "since")
    if d0 is not None:
        df = df[df["visit_date"] >= pd.Timestamp(d0)]
    return df.reset_index(drop=True)


def _units_table(units: Any, what: str = "units") -> pd.DataFrame:
    if units is None:
        return pd.DataFrame({"unit_id": pd.Series(dtype=str)})
    if not isinstance(units, pd.DataFrame) or "unit_id" not in units.columns:
        raise InputError(
            _("{what}: give a table with a 'unit_id' column").format(what=what), source=what
        )
    out = units.copy()
    out["unit_id"] = out["unit_id"].astype(str)
    if out["unit_id"].duplicated().any():
        dup = out.loc[out["unit_id"].duplicated(), "unit_id"].iloc[0]
        raise InputError(
            _("{what}: unit_id {unit_id} appears twice").format(what=what, unit_id=repr(dup)),
            source=what,
        )
    return out


def assign_units(visits: pd.DataFrame, units: Any) -> pd.DataFrame:
    """Fill an empty ``unit_id`` from the visit's lon/lat (the unit polygon containing it).

    ``units`` must be a GeoDataFrame with ``unit_id`` and polygons; other tables leave the
    visits as they are.  Visits outside every unit keep an empty ``unit_id``.
    """
    out = visits.copy()
    if units is None or "geometry" not in getattr(units, "columns", ()):
        return out
    import geopandas as gpd

    todo = (out["unit_id"].fillna("") == "") & out["lon"].notna() & out["lat"].notna()
    if not todo.any():
        return out
    ug = gpd.GeoDataFrame(units[["unit_id", "geometry"]].copy(), geometry="geometry")
    if ug.crs is None:
        ug = ug.set_crs(4326)
    ug = ug.to_crs(4326)
    pts = gpd.GeoDataFrame(
        {"_row": out.index[todo]},
        geometry=gpd.points_from_xy(out.loc[todo, "lon"], out.loc[todo, "lat"]),
        crs=4326,
    )
    hit = gpd.sjoin(pts, ug, predicate="within", how="left").drop_duplicates("_row")
    hit = hit.dropna(subset=["unit_id"])
    out.loc[hit["_row"].to_numpy(), "unit_id"] = hit["unit_id"].astype(str).to_numpy()
    return out


def _zone_map(units: pd.DataFrame, underserved: pd.DataFrame | None) -> pd.Series:
    """unit_id -> zone_id from a ``zone_id`` column or a zones table (``unit_ids``)."""
    parts = []
    for t in (underserved, units):
        if t is None or "zone_id" not in t.columns:
            continue
        if "unit_ids" in t.columns:
            ex = t[["zone_id", "unit_ids"]].copy()
            ex["unit_id"] = ex["unit_ids"].astype(str).str.split(",")
            ex = ex.explode("unit_id")
            ex["unit_id"] = ex["unit_id"].str.strip()
            parts.append(ex[["unit_id", "zone_id"]])
        elif "unit_id" in t.columns:
            parts.append(t[["unit_id", "zone_id"]].astype({"unit_id": str}))
    if not parts:
        return pd.Series(dtype=object)
    z = pd.concat(parts).dropna().drop_duplicates("unit_id")
    z = z[z["zone_id"].astype(str).str.strip() != ""]
    return z.set_index("unit_id")["zone_id"].astype(str)


def _underserved_units(underserved: Any, units: pd.DataFrame) -> pd.DataFrame:
    """unit_id, population of the underserved units."""
    if underserved is None:
        return pd.DataFrame({"unit_id": pd.Series(dtype=str), "population": pd.Series(dtype=float)})
    if not isinstance(underserved, pd.DataFrame):
        raise InputError(
            _("underserved: give a table of units (unit_id, population)"), source="underserved"
        )
    u = underserved.copy()
    if "unit_id" not in u.columns and "unit_ids" in u.columns:  # a zones table
        u["unit_id"] = u["unit_ids"].astype(str).str.split(",")
        u = u.explode("unit_id").drop(columns=["population"], errors="ignore")
        u["unit_id"] = u["unit_id"].str.strip()
    if "unit_id" not in u.columns:
        raise InputError(
            _("underserved: needs 'unit_id' (a units table) or 'unit_ids' (a zones table)"),
            source="underserved",
        )
    u["unit_id"] = u["unit_id"].astype(str)
    if "underserved" in u.columns:  # output of underserved_scores: keep the flagged ones
        u = u[u["underserved"].fillna(False).astype(bool)]
    if "population" not in u.columns:
        if "population" not in units.columns:
            raise InputError(
                _("underserved: no 'population' column; give it there or in units"),
                source="underserved",
            )
        u = u.merge(units[["unit_id", "population"]], on="unit_id", how="left")
    u["population"] = pd.to_numeric(u["population"], errors="coerce").fillna(0.0).clip(lower=0)
    return u.drop_duplicates("unit_id")[["unit_id", "population"]].reset_index(drop=True)


def _plan_table(plan: Any) -> pd.DataFrame:
    if not isinstance(plan, pd.DataFrame) or not {"visit_id", "worker_id"} <= set(plan.columns):
        raise InputError(
            _("plan: give the plan's stops table with visit_id, worker_id and date columns"),
            source="plan",
        )
    p = plan.copy()
    if "kind" in p.columns:
        p = p[p["kind"].fillna("visit") == "visit"]
    p = p[p["visit_id"].notna() & (p["visit_id"].astype(str).str.strip() != "")]
    p["visit_id"] = p["visit_id"].astype(str).str.strip()
    p["worker_id"] = p["worker_id"].astype(str).str.strip()
    if "date" in p.columns:
        try:
            p["date"] = pd.to_datetime(p["date"], format="ISO8601").dt.normalize()
        except (ValueError, TypeError):
            raise InputError(
                _("plan: column 'date' must hold dates like 2024-05-02"), source="plan"
            ) from None
    else:
        p["date"] = pd.NaT
    return p.reset_index(drop=True)


# -- impact -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImpactSummary:
    """Result of :func:`impact_summary` (tables are pandas DataFrames).

    Attributes
    ----------
    totals
        ``visits, done, no_one_there, cancelled, people_reached, referrals, workers,
        followups_open, followups_overdue, unplanned_visits``.
    reach_by_unit
        ``unit_id, visits, visits_done, people_reached, referrals, population,
        reached_share`` (people reached / population, capped at 1; NaN without population),
        ``underserved`` (bool), ``zone_id``; visits without a unit are in the row ``unit_id=""``.
    reach_by_zone
        ``zone_id, units, units_reached, visits, people_reached, population, reached_share``.
    underserved
        ``units, population, units_reached, population_in_reached_units, people_reached,
        share_reached`` (people reached in underserved units, capped per unit at its
        population, / their population) and ``share_in_reached_units`` (population of
        underserved units with at least one done visit / their population).
    referrals
        ``category, referrals`` for every category of
        :data:`~geo_outreach.visits.models.CATEGORIES`.
    followups
        Open follow-ups (see :func:`open_followups`), earliest due first.
    planned_vs_done
        One row per planned stop: ``visit_id, worker_id, date, status`` (``done``,
        ``no_one_there``, ``cancelled``, ``not_recorded``, ``upcoming``), ``done_by``,
        ``record_id``.
    planned_totals
        Count per status, plus ``planned`` and ``completion_rate`` (done / past planned).
    """

    since: dt.date | None
    today: dt.date
    totals: dict[str, int]
    reach_by_unit: pd.DataFrame
    reach_by_zone: pd.DataFrame
    underserved: dict[str, float]
    referrals: pd.DataFrame
    followups: pd.DataFrame
    planned_vs_done: pd.DataFrame
    planned_totals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (dates as ISO text, tables as lists of records)."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            out = df.copy()
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = out[c].dt.strftime("%Y-%m-%d")
            out = out.astype(object).where(out.notna(), None)
            return [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                for r in out.to_dict(orient="records")
            ]

        return {
            "since": self.since.isoformat() if self.since else None,
            "today": self.today.isoformat(),
            "totals": self.totals,
            "underserved": self.underserved,
            "referrals": dict(
                zip(self.referrals["category"], self.referrals["referrals"].tolist(), strict=True)
            ),
            "planned_totals": self.planned_totals,
            "reach_by_unit": records(self.reach_by_unit),
            "reach_by_zone": records(self.reach_by_zone),
            "followups": records(self.followups),
            "planned_vs_done": records(self.planned_vs_done),
        }


def open_followups(
    source: VisitStore | pd.DataFrame, *, today: dt.date | None = None
) -> pd.DataFrame:
    """Follow-ups still to do, earliest due first.

    A follow-up is open when a current, non-voided visit has ``followup_needed`` and no
    ``done`` visit names it in ``followup_of``.  Columns: ``record_id, worker_id,
    planned_visit_id, visit_date, followup_due, days_overdue, overdue, unit_id, lon, lat,
    languages, service`` plus ``referrals_*``.
    """
    today = today or dt.date.today()
    v = _visits(source)
    closed = set(v.loc[(v["outcome"] == "done") & (v["followup_of"] != ""), "followup_of"])
    f = v[v["followup_needed"].astype(bool) & ~v["record_id"].isin(closed)].copy()
    f["days_overdue"] = (pd.Timestamp(today) - f["followup_due"]).dt.days.clip(lower=0)
    f["overdue"] = f["followup_due"] < pd.Timestamp(today)
    cols = [
        "record_id",
        "worker_id",
        "planned_visit_id",
        "visit_date",
        "followup_due",
        "days_overdue",
        "overdue",
        "unit_id",
        "lon",
        "lat",
        "languages",
        "service",
        *_REF_COLS,
    ]
    f = f.sort_values(["followup_due", "visit_date", "record_id"])
    f["days_overdue"] = f["days_overdue"].astype("int64")
    return f[cols].reset_index(drop=True)


def _planned_vs_done(
    plan: pd.DataFrame, visits: pd.DataFrame, today: dt.date
) -> tuple[pd.DataFrame, dict[str, float]]:
    rank = {"done": 0, "no_one_there": 1, "cancelled": 2}
    v = visits[visits["planned_visit_id"] != ""].copy()
    v["_rank"] = v["outcome"].map(rank)
    v = v.sort_values(["_rank", "visited_at"])
    rows = []
    for _i, s in plan.iterrows():
        m = v[v["planned_visit_id"] == s["visit_id"]]
        if pd.notna(s["date"]):
            m = m[m["visit_date"] == s["date"]]
        if len(m):
            best = m.iloc[0]
            status, by, rid = best["outcome"], best["worker_id"], best["record_id"]
        else:
            future = pd.notna(s["date"]) and s["date"] > pd.Timestamp(today)
            status, by, rid = ("upcoming" if future else "not_recorded"), "", ""
        rows.append(
            {
                "visit_id": s["visit_id"],
                "worker_id": s["worker_id"],
                "date": s["date"],
                "status": status,
                "done_by": by,
                "record_id": rid,
            }
        )
    out = pd.DataFrame(
        rows, columns=["visit_id", "worker_id", "date", "status", "done_by", "record_id"]
    )
    counts = out["status"].value_counts()
    totals: dict[str, float] = {
        k: int(counts.get(k, 0))
        for k in ("done", "no_one_there", "cancelled", "not_recorded", "upcoming")
    }
    totals["planned"] = len(out)
    past = len(out) - totals["upcoming"]
    totals["completion_rate"] = totals["done"] / past if past else math.nan
    return out, totals


def impact_summary(
    store: VisitStore | pd.DataFrame,
    *,
    since: dt.date | str | None = None,
    plan: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    underserved: pd.DataFrame | None = None,
    today: dt.date | None = None,
) -> ImpactSummary:
    """Reach, referrals, follow-ups and planned vs done of the visit log.

    Parameters
    ----------
    store
        The visit log (or a visits table).
    since
        First visit date counted (default: all).  Open follow-ups are always all of them.
    plan
        The plan's stops table (``visit_id, worker_id, date``; rows with ``kind`` other than
        ``visit`` are ignored) for planned vs done; a plan without ``date`` matches on
        ``visit_id`` alone.
    units
        Units table (``unit_id``, optional ``population``, ``zone_id``); a GeoDataFrame also
        places visits that have lon/lat but no ``unit_id``.
    underserved
        The underserved units (``unit_id`` + ``population``; an ``underserved`` bool column,
        as from :func:`geo_outreach.analysis.underserved.underserved_scores`, keeps the
        flagged rows) or the zones table of ``underserved_zones`` (``zone_id, unit_ids``).
    today
        Reference date for overdue follow-ups and upcoming stops (default: today).

    Returns
    -------
    ImpactSummary
        ``people_reached`` counts contacts (a person met twice counts twice), so shares are
        capped at 1 per unit.
    """
    today = today or dt.date.today()
    d0 = parse_date(since, "since")
    v = _visits(store, since=d0)
    u = _units_table(units)
    under = _underserved_units(underserved, u)
    v = assign_units(v, units)
    done = v[v["outcome"] == "done"]
    v_ref = done[list(_REF_COLS)].sum()
    referrals = pd.DataFrame(
        {"category": list(CATEGORIES), "referrals": [int(v_ref[c]) for c in _REF_COLS]}
    )

    g = v.groupby("unit_id")
    by_unit = pd.DataFrame(
        {
            "visits": g.size(),
            "visits_done": g["outcome"].apply(lambda s: int((s == "done").sum())),
            "people_reached": g["people_reached"].sum(),
            "referrals": g[list(_REF_COLS)].sum().sum(axis=1),
        }
    )
    by_unit.index.name = "unit_id"
    by_unit = by_unit.reset_index()
    if "population" in u.columns:
        pop = pd.to_numeric(u.set_index("unit_id")["population"], errors="coerce")
    else:
        pop = pd.Series(dtype=float)
    pop = pop.combine_first(under.set_index("unit_id")["population"])
    by_unit["population"] = by_unit["unit_id"].map(pop).astype(float)
    by_unit["reached_share"] = np.where(
        by_unit["population"] > 0,
        np.minimum(
            1.0, by_unit["people_reached"] / by_unit["population"].where(by_unit["population"] > 0)
        ),
        np.nan,
    )
    under_ids = set(under["unit_id"])
    by_unit["underserved"] = by_unit["unit_id"].isin(under_ids)
    zones = _zone_map(u, underserved if isinstance(underserved, pd.DataFrame) else None)
    zone_of = zones.to_dict()
    by_unit["zone_id"] = [zone_of.get(x, "") for x in by_unit["unit_id"]]
    for c in ("visits", "visits_done", "people_reached", "referrals"):
        by_unit[c] = by_unit[c].astype("int64")
    by_unit = by_unit.sort_values(["people_reached", "unit_id"], ascending=[False, True])
    by_unit = by_unit.reset_index(drop=True)

    # zones: every unit of a zone counts for its population, reached or not
    if len(zones):
        zu = zones.rename("zone_id").rename_axis("unit_id").reset_index()
        zu["population"] = zu["unit_id"].map(pop).astype(float)
        zu = zu.merge(
            by_unit[["unit_id", "visits", "visits_done", "people_reached"]],
            on="unit_id",
            how="left",
        ).fillna({"visits": 0, "visits_done": 0, "people_reached": 0})
        zu["_reached"] = np.minimum(zu["people_reached"], zu["population"].fillna(np.inf))
        gz = zu.groupby("zone_id")
        by_zone = pd.DataFrame(
            {
                "units": gz.size(),
                "units_reached": gz["visits_done"].apply(lambda s: int((s > 0).sum())),
                "visits": gz["visits"].sum().astype("int64"),
                "people_reached": gz["people_reached"].sum().astype("int64"),
                "population": gz["population"].sum(min_count=1),
                "_reached": gz["_reached"].sum(),
            }
        ).reset_index()
        by_zone["reached_share"] = np.where(
            by_zone["population"] > 0, by_zone["_reached"] / by_zone["population"], np.nan
        )
        by_zone = by_zone.drop(columns="_reached")
    else:
        by_zone = pd.DataFrame(
            columns=[
                "zone_id",
                "units",
                "units_reached",
                "visits",
                "people_reached",
                "population",
                "reached_share",
            ]
        )

    # underserved population reached
    reach = by_unit.set_index("unit_id")
    un = under.copy()
    un["people_reached"] = un["unit_id"].map(reach["people_reached"]).fillna(0).astype(float)
    un["done"] = un["unit_id"].map(reach["visits_done"]).fillna(0) > 0
    total_pop = float(un["population"].sum())
    capped = float(np.minimum(un["people_reached"], un["population"]).sum())
    in_reached = float(un.loc[un["done"], "population"].sum())
    underserved_out = {
        "units": len(un),
        "population": total_pop,
        "units_reached": int(un["done"].sum()),
        "population_in_reached_units": in_reached,
        "people_reached": float(un["people_reached"].sum()),
        "share_reached": capped / total_pop if total_pop > 0 else math.nan,
        "share_in_reached_units": in_reached / total_pop if total_pop > 0 else math.nan,
    }

    fu = open_followups(store, today=today)
    if plan is not None:
        pvd, ptot = _planned_vs_done(_plan_table(plan), v, today)
        planned_ids = set(_plan_table(plan)["visit_id"])
        unplanned = int((~v["planned_visit_id"].isin(planned_ids)).sum())
    else:
        pvd = pd.DataFrame(
            columns=["visit_id", "worker_id", "date", "status", "done_by", "record_id"]
        )
        ptot = {}
        unplanned = int((v["planned_visit_id"] == "").sum())
    outcomes = v["outcome"].value_counts()
    totals = {
        "visits": len(v),
        "done": int(outcomes.get("done", 0)),
        "no_one_there": int(outcomes.get("no_one_there", 0)),
        "cancelled": int(outcomes.get("cancelled", 0)),
        "people_reached": int(v["people_reached"].sum()),
        "referrals": int(referrals["referrals"].sum()),
        "workers": int(v["worker_id"].nunique()),
        "followups_open": len(fu),
        "followups_overdue": int(fu["overdue"].sum()),
        "unplanned_visits": unplanned,
    }
    return ImpactSummary(
        since=d0,
        today=today,
        totals=totals,
        reach_by_unit=by_unit,
        reach_by_zone=by_zone,
        underserved=underserved_out,
        referrals=referrals,
        followups=fu,
        planned_vs_done=pvd,
        planned_totals=ptot,
    )


# -- feedback into planning ---------------------------------------------------------------
def followups_as_visits(
    store: VisitStore | pd.DataFrame,
    *,
    today: dt.date | None = None,
    units: Any = None,
    duration_min: float = 30.0,
    required_within_days: int = 7,
    optional_value: float = 30.0,
    category_skills: Mapping[str, str] | None = None,
    id_prefix: str = "FU-",
) -> pd.DataFrame:
    """Open follow-ups as visits for the next plan (the routing visits CSV format).

    Parameters
    ----------
    store
        The visit log (or a visits table).
    today
        Plan start; follow-ups due before ``today + required_within_days`` (and overdue
        ones) become ``required``, later ones optional with ``optional_value`` (minutes of
        travel worth spending on them, see docs/routing.md).
    units
        GeoDataFrame of units: follow-ups with a ``unit_id`` but no lon/lat go to the
        unit's representative point.  Follow-ups with no place are left out (logged).
    duration_min
        Visit duration.
    category_skills
        Qualification required per referral category, e.g. ``{"health": "nurse"}``
        (default: none).  A visit held in exactly one language other than English
        requires that language (e.g. ``es``).
    id_prefix
        ``visit_id`` = prefix + the first 8 characters of the record id.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FOLLOWUP_VISIT_COLUMNS`; no personal data (no ``case_id``).
    """
    today = today or dt.date.today()
    if duration_min <= 0:
        raise InputError(_("duration_min must be positive"), source="duration_min")
    if optional_value < 0:
        raise InputError(_("optional_value must be >= 0"), source="optional_value")
    skills_of = dict(category_skills or {})
    bad = sorted(set(skills_of) - set(CATEGORIES))
    if bad:
        raise InputError(
            _("category_skills: unknown categories {categories}").format(categories=bad),
            source="category_skills",
        )
    fu = open_followups(store, today=today)
    reps: dict[str, tuple[float, float]] = {}
    if units is not None and "geometry" in getattr(units, "columns", ()):
        import geopandas as gpd

        ug = gpd.GeoDataFrame(units[["unit_id", "geometry"]], geometry="geometry")
        ug = (ug.set_crs(4326) if ug.crs is None else ug).to_crs(4326)
        rp = ug.geometry.representative_point()
        reps = {str(i): (p.x, p.y) for i, p in zip(ug["unit_id"], rp, strict=True)}
    horizon = pd.Timestamp(today + dt.timedelta(days=required_within_days))
    rows, skipped = [], 0
    for _i, f in fu.iterrows():
        lon, lat = f["lon"], f["lat"]
        if pd.isna(lon) or pd.isna(lat):
            if f["unit_id"] in reps:
                lon, lat = reps[f["unit_id"]]
            else:
                skipped += 1
                continue
        langs = [x for x in str(f["languages"]).split(";") if x]
        skills = set()
        if len(langs) == 1 and langs[0] != "en":
            skills.add(langs[0])
        cats = [c for c in CATEGORIES if f[f"referrals_{c}"] > 0]
        skills.update(skills_of[c] for c in cats if c in skills_of)
        due = f["followup_due"]
        priority = "required" if due < horizon else f"{optional_value:g}"
        note = (
            f"follow-up of visit {f['record_id']} on {f['visit_date']:%Y-%m-%d}, due {due:%Y-%m-%d}"
        )
        if cats:
            note += "; referrals: " + ", ".join(cats)
        if f["planned_visit_id"]:
            note += f"; stop {f['planned_visit_id']}"
        rows.append(
            {
                "visit_id": f"{id_prefix}{str(f['record_id'])[:8]}",
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
                "duration_min": duration_min,
                "windows": "",
                "priority": priority,
                "skills": ";".join(sorted(skills)),
                "notes": note,
            }
        )
    if skipped:
        logger.warning(
            "%d follow-up(s) have no lon/lat and no unit with a polygon: left out of the visits",
            skipped,
        )
    return pd.DataFrame(rows, columns=list(FOLLOWUP_VISIT_COLUMNS))


def reach_discount(
    store: VisitStore | pd.DataFrame,
    units: pd.DataFrame,
    *,
    today: dt.date | None = None,
    half_life_days: float = 30.0,
    max_discount: float = 0.5,
) -> pd.DataFrame:
    """Per-unit factor to discount recently reached tracts in the next siting run.

    ``recent_reached`` = sum over done visits in the unit of ``people_reached x
    0.5 ** (age_days / half_life_days)``; ``coverage = min(1, recent_reached / population)``;
    ``discount_factor = 1 - max_discount x coverage``.  Multiply a unit's demand (population
    or need-weighted population) by it: a tract whose whole population was reached last
    week counts half (with the default ``max_discount`` 0.5), one reached long ago or never
    counts fully.  Optional: siting without it treats every tract as never reached.

    Returns
    -------
    pandas.DataFrame
        One row per unit of ``units``: ``unit_id, population, recent_reached, coverage,
        discount_factor`` (1.0 for units without population or visits).
    """
    today = today or dt.date.today()
    if not (half_life_days > 0):
        raise InputError(_("half_life_days must be positive"), source="half_life_days")
    if not (0 <= max_discount <= 1):
        raise InputError(_("max_discount must be between 0 and 1"), source="max_discount")
    u = _units_table(units)
    if "population" not in u.columns:
        raise InputError(_("units: needs a 'population' column"), source="units")
    v = assign_units(_visits(store), units)
    v = v[(v["outcome"] == "done") & (v["unit_id"] != "")]
    age = (pd.Timestamp(today) - v["visit_date"]).dt.days.clip(lower=0).astype(float)
    w = v["people_reached"].astype(float) * np.power(0.5, age / half_life_days)
    recent = w.groupby(v["unit_id"]).sum()
    out = u[["unit_id"]].copy()
    out["population"] = pd.to_numeric(u["population"], errors="coerce").astype(float)
    out["recent_reached"] = out["unit_id"].map(recent).fillna(0.0).astype(float)
    pop = out["population"].where(out["population"] > 0)
    out["coverage"] = np.minimum(1.0, out["recent_reached"] / pop).fillna(0.0)
    out["discount_factor"] = 1.0 - max_discount * out["coverage"]
    return out.reset_index(drop=True)


def _location_id(df: pd.DataFrame) -> pd.Series:
    pt = "pt:" + df["lon"].map("{:.5f}".format) + "," + df["lat"].map("{:.5f}".format)
    has_pt = df["lon"].notna() & df["lat"].notna()
    loc = df["planned_visit_id"].where(df["planned_visit_id"] != "", "")
    loc = loc.where(loc != "", pt.where(has_pt, ""))
    loc = loc.where(loc != "", ("unit:" + df["unit_id"]).where(df["unit_id"] != "", ""))
    return loc


def attendance_factors(
    store: VisitStore | pd.DataFrame,
    *,
    since: dt.date | str | None = None,
    prior_visits: float = 2.0,
) -> pd.DataFrame:
    """Per-location attendance factor: no-shows lower a stop's expected attendance.

    A location is the planned ``visit_id`` (stop) when the visit names one, else the point
    ``pt:<lon>,<lat>`` (5 decimals, as routing's location ids), else ``unit:<unit_id>``.
    ``attendance_factor = (done + prior_visits) / (done + no_one_there + prior_visits)``:
    1.0 without history, lower with each ``no_one_there`` (cancelled visits do not count:
    nobody went).  ``prior_visits`` keeps one bad day from condemning a stop.
    ``expected_people = attendance_factor x mean people reached on done visits``.

    Returns
    -------
    pandas.DataFrame
        ``location_id, visits, done, no_one_there, cancelled, mean_people_reached,
        attendance_factor, expected_people``, lowest factor first.
    """
    if prior_visits < 0:
        raise InputError(_("prior_visits must be >= 0"), source="prior_visits")
    v = _visits(store, since=since)
    v["location_id"] = _location_id(v)
    v = v[v["location_id"] != ""]
    cols = [
        "location_id",
        "visits",
        "done",
        "no_one_there",
        "cancelled",
        "mean_people_reached",
        "attendance_factor",
        "expected_people",
    ]
    if v.empty:
        return pd.DataFrame(columns=cols)
    g = v.groupby("location_id")
    out = pd.DataFrame(
        {
            "visits": g.size(),
            "done": g["outcome"].apply(lambda s: int((s == "done").sum())),
            "no_one_there": g["outcome"].apply(lambda s: int((s == "no_one_there").sum())),
            "cancelled": g["outcome"].apply(lambda s: int((s == "cancelled").sum())),
        }
    )
    done_people = v[v["outcome"] == "done"].groupby("location_id")["people_reached"].mean()
    out["mean_people_reached"] = done_people.reindex(out.index).astype(float)
    den = out["done"] + out["no_one_there"] + prior_visits
    out["attendance_factor"] = np.where(den > 0, (out["done"] + prior_visits) / den, 1.0)
    out["expected_people"] = out["attendance_factor"] * out["mean_people_reached"]
    out = out.reset_index().sort_values(["attendance_factor", "location_id"])
    return out[cols].reset_index(drop=True)


# -- coordination with other teams -------------------------------------------------------
def read_layer(path: str | Path, *, layer: str | None = None) -> pd.DataFrame:
    """Read another team's planned stops or visit log (CSV or GeoPackage) as a read-only table.

    Points of a GeoPackage become ``lon``/``lat`` columns (EPSG:4326).  Nothing is written
    to our visit log.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(_("{path}: file not found").format(path=p), source=str(p))
    suffix = p.suffix.lower()
    if suffix == ".csv":
        from geo_outreach.data.readers import read_csv_table

        df = read_csv_table(p, what="table", dtype=str, keep_default_na=False)
        df.columns = [str(c).strip().lower() for c in df.columns]
        for c in ("lon", "lat"):
            if c in df.columns:
                df[c] = pd.to_numeric(df[c].replace("", np.nan), errors="coerce")
        return df
    if suffix in (".gpkg", ".geojson", ".json", ".shp"):
        import geopandas as gpd

        g = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
        if g.crs is None:
            raise InputError(
                _("{file}: layer has no CRS; save it in EPSG:4326").format(file=p.name),
                source=str(p),
            )
        g = g.to_crs(4326)
        pts = g.geometry.representative_point()
        df = pd.DataFrame(g.drop(columns=g.geometry.name))
        df.columns = [str(c).strip().lower() for c in df.columns]
        df["lon"], df["lat"] = pts.x.to_numpy(), pts.y.to_numpy()
        return df
    raise InputError(_("{file}: use a .csv or .gpkg file").format(file=p.name), source=str(p))


def _activities(df: pd.DataFrame, units: Any, who: str) -> pd.DataFrame:
    """One row per (id, unit, ISO year, ISO week, category) of a visits/stops table."""
    t = df.copy()
    t.columns = [str(c).lower() for c in t.columns]
    for c in ("voided",):
        if c in t.columns:
            t = t[~t[c].astype(str).str.lower().isin(("true", "1", "yes"))]
    date_col = next((c for c in ("visited_at", "visit_date", "date") if c in t.columns), None)
    if date_col is None:
        raise InputError(
            _("{what}: needs a date column (date, visit_date or visited_at)").format(what=who),
            source=who,
        )
    try:
        t["_date"] = pd.to_datetime(t[date_col].astype(str).str.slice(0, 10), format="%Y-%m-%d")
    except ValueError:
        raise InputError(
            _("{what}: column {column} must hold dates like 2024-05-02").format(
                what=who, column=repr(date_col)
            ),
            source=who,
        ) from None
    id_col = next(
        (c for c in ("record_id", "visit_id", "stop_id", "site_id", "id") if c in t.columns), None
    )
    t["_id"] = t[id_col].astype(str) if id_col else [f"{who}#{i + 1}" for i in range(len(t))]
    if "unit_id" not in t.columns:
        t["unit_id"] = ""
    t["unit_id"] = t["unit_id"].fillna("").astype(str)
    for c in ("lon", "lat"):
        t[c] = pd.to_numeric(t[c], errors="coerce") if c in t.columns else np.nan
    t = assign_units(t, units)
    cats = []
    for _i, r in t.iterrows():
        s: set[str] = set()
        for c in ("service", "category"):
            if c in t.columns and str(r[c]).strip():
                s.update(x.strip().lower() for x in str(r[c]).split(";") if x.strip())
        for c in CATEGORIES:
            col = f"referrals_{c}"
            if col in t.columns and pd.to_numeric(r[col], errors="coerce") > 0:
                s.add(c)
        cats.append(sorted(s))
    t["_cat"] = cats
    t = t.explode("_cat").dropna(subset=["_cat"])
    t = t[t["unit_id"] != ""]
    iso = t["_date"].dt.isocalendar()
    t["iso_year"], t["iso_week"] = iso["year"].astype(int), iso["week"].astype(int)
    out = t[["_id", "_date", "unit_id", "iso_year", "iso_week", "_cat"]]
    return out.rename(columns={"_cat": "category"})


def find_overlaps(ours: Any, theirs: pd.DataFrame, units: Any = None) -> pd.DataFrame:
    """Where two teams work in the same tract, ISO week and service category.

    Parameters
    ----------
    ours
        Our visit log (a VisitStore or visits table) or our planned stops.
    theirs
        The other team's planned stops or visit log (:func:`read_layer`): a date column
        (``date``, ``visit_date`` or ``visited_at``), a category (``service`` or
        ``category``, several joined with ``;``, or ``referrals_<category>`` counts) and
        ``unit_id`` or ``lon``/``lat``.
    units
        GeoDataFrame of units to place rows that have only lon/lat.

    Returns
    -------
    pandas.DataFrame
        One row per overlap: ``unit_id, iso_year, iso_week, category, our_ids, their_ids,
        our_dates, their_dates`` (ids and dates joined by ``;``).  Rows without a unit or a
        category cannot overlap and are ignored.
    """
    mine = _activities(visits_frame(ours) if isinstance(ours, VisitStore) else ours, units, "ours")
    other = _activities(theirs, units, "theirs")
    keys = ["unit_id", "iso_year", "iso_week", "category"]
    cols = [*keys, "our_ids", "their_ids", "our_dates", "their_dates"]

    def agg(t: pd.DataFrame, pre: str) -> pd.DataFrame:
        if t.empty:
            return pd.DataFrame(columns=[*keys, f"{pre}_ids", f"{pre}_dates"])
        g = t.groupby(keys)
        return pd.DataFrame(
            {
                f"{pre}_ids": g["_id"].apply(lambda s: ";".join(sorted(set(s)))),
                f"{pre}_dates": g["_date"].apply(
                    lambda s: ";".join(sorted({d.strftime("%Y-%m-%d") for d in s}))
                ),
            }
        ).reset_index()

    out = agg(mine, "our").merge(agg(other, "their"), on=keys, how="inner")
    if out.empty:
        return pd.DataFrame(columns=cols)
    return out[cols].sort_values(keys).reset_index(drop=True)
