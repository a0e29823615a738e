"""A sample week for any region: visits and workers placed on the region's own streets.

A new region has no visit list yet; to try Plan routes and My day on it, :func:`sample_week`
seeds a small week whose every visit and every worker start sits on a node of the region's
drive network (inside a populated unit that is on the network), so nothing is "far from
the nearest road". :func:`empty_visits` and :func:`empty_workers` are the blank tables (the
columns of ``data/demo_visits.csv`` and ``data/demo_workers.csv``) that a region other than
the demo starts from.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

if TYPE_CHECKING:  # pragma: no cover
    from geo_outreach.network.context import RegionNetworks

__all__ = ["VISIT_COLUMNS", "WORKER_COLUMNS", "empty_visits", "empty_workers", "sample_week"]

logger = logging.getLogger(__name__)

#: Columns of a visits table (as in ``data/demo_visits.csv``).
VISIT_COLUMNS: tuple[str, ...] = (
    "visit_id",
    "name",
    "address",
    "lon",
    "lat",
    "location_id",
    "duration_min",
    "windows",
    "priority",
    "skills",
    "frequency",
    "min_gap_days",
    "notes",
)
#: Columns of a workers table (as in ``data/demo_workers.csv``).
WORKER_COLUMNS: tuple[str, ...] = (
    "worker_id",
    "name",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
    "mode",
    "skills",
    "shift",
    "break",
    "max_work_h",
    "capacity",
)
_WINDOWS = ("", "", "Mon-Fri 09:00-12:00", "Mon-Fri 13:00-16:00", "Tue,Thu 10:00-15:00")
_KINDS = ("Home visit", "Health check", "Benefits advice", "Pop-up stop", "Follow-up visit")


def empty_visits() -> pd.DataFrame:
    """A visits table with the right columns and no rows (all text)."""
    return pd.DataFrame({c: pd.Series(dtype=str) for c in VISIT_COLUMNS})


def empty_workers() -> pd.DataFrame:
    """A workers table with the right columns and no rows (all text)."""
    return pd.DataFrame({c: pd.Series(dtype=str) for c in WORKER_COLUMNS})


def _fmt(value: float) -> str:
    return f"{value:.6f}"


def sample_week(
    ctx: RegionNetworks, *, visits: int = 12, workers: int = 2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded visits and workers on the region's own drive network, for trying the tool.

    Parameters
    ----------
    ctx
        The region with its networks.
    visits
        Number of visits (1..500); fewer when the network has fewer street nodes.
    workers
        Number of workers by car (1..20), all starting and ending at the street node
        nearest the visits' centre.
    seed
        Seed of the random choice; the same region and seed give the same week.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The visits and workers tables (all text, columns :data:`VISIT_COLUMNS` and
        :data:`WORKER_COLUMNS`), readable by :func:`geo_outreach.read_visits` and
        :func:`geo_outreach.read_workers`.

    Raises
    ------
    InputError
        When a count is out of range or no populated unit lies on the drive network.
    """
    if isinstance(visits, bool) or not isinstance(visits, int) or not 1 <= visits <= 500:
        raise InputError(
            _("visits must be 1..500, got {got}").format(got=repr(visits)), parameter="visits"
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 20:
        raise InputError(
            _("workers must be 1..20, got {got}").format(got=repr(workers)), parameter="workers"
        )
    net = ctx.network("drive")
    origins = ctx.origins("drive").origins
    units = ctx.region.units
    populated = set(units.loc[units["population"] > 0, "unit_id"].astype(str))
    inside = origins[origins["unit_id"].astype(str).isin(populated)]
    inside = inside[inside["snap_dist_m"].fillna(0.0) <= 1.0]  # nodes inside the polygon
    if inside.empty:
        raise InputError(
            _(
                "{region}: no populated unit has streets of the drive network; a sample "
                "week needs a network that covers the units"
            ).format(region=ctx.region.name),
            source=str(ctx.region.manifest.manifest_path),
        )
    nodes = inside.drop_duplicates("node_id")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(nodes), size=min(visits, len(nodes)), replace=False)
    chosen = nodes.iloc[np.sort(pick)]
    pos = net.index_of(chosen["node_id"].to_numpy())
    lon, lat = net.lon[pos], net.lat[pos]
    names = (
        units.set_index(units["unit_id"].astype(str))["name"].astype(str).to_dict()
        if "name" in units.columns
        else {}
    )
    rows = []
    for k, (uid, x, y) in enumerate(zip(chosen["unit_id"].astype(str), lon, lat, strict=True)):
        kind = _KINDS[int(rng.integers(len(_KINDS)))]
        rows.append(
            {
                "visit_id": f"sample-{k + 1:02d}",
                "name": f"{kind} ({names.get(uid) or uid})",
                "address": "",
                "lon": _fmt(x),
                "lat": _fmt(y),
                "location_id": "",
                "duration_min": str(int(rng.choice([30, 45, 60, 90]))),
                "windows": _WINDOWS[int(rng.integers(len(_WINDOWS)))],
                "priority": "required" if rng.random() < 0.7 else str(int(rng.integers(1, 10))),
                "skills": "",
                "frequency": "1",
                "min_gap_days": "",
                "notes": "sample week (made up for trying the tool)",
            }
        )
    table = pd.DataFrame(rows, columns=list(VISIT_COLUMNS))
    # workers start at the street node nearest the visits' centre
    centre = net.project(np.array([np.mean(lon)]), np.array([np.mean(lat)]))[0]
    home = int(np.argmin(((net.xy - centre) ** 2).sum(axis=1)))
    hx, hy = _fmt(float(net.lon[home])), _fmt(float(net.lat[home]))
    crew = pd.DataFrame(
        [
            {
                "worker_id": f"sample_van_{w + 1}",
                "name": f"Sample van {w + 1}",
                "start_lon": hx,
                "start_lat": hy,
                "end_lon": hx,
                "end_lat": hy,
                "mode": "drive",
                "skills": "",
                "shift": "Mon-Fri 08:30-17:00",
                "break": "30@11:30-13:30",
                "max_work_h": "8.5",
                "capacity": "",
            }
            for w in range(workers)
        ],
        columns=list(WORKER_COLUMNS),
    )
    logger.info(
        "sample week for %s: %d visits, %d workers (seed %d)",
        ctx.region.name,
        len(table),
        len(crew),
        seed,
    )
    return table, crew
