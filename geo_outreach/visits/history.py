"""What the visit log says about the visits to plan: who went last, and when.

Two facts feed the route planner (the visits CSV format of ``docs/routing.md``):

* ``preferred_worker`` (continuity of care, soft): the worker who last visited the visit
  (a log record whose ``planned_visit_id`` is its ``visit_id``) or, when the visit has a
  ``household_id``, any visit of the same household in the table.  Visits whose outcome is
  ``cancelled`` do not count (nobody went); ``no_one_there`` counts (the worker went).
* ``last_visit`` (recurring visits' gaps): the days of the weeks before the plan's week
  on which the visit was **done** (outcome ``done``), as calendar days from the plan
  week's Monday (``-3`` = the Friday before), so that ``min_gap_days`` also holds across
  the week boundary.

Only records dated before the plan week's Monday are used; voided records never.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = ["with_visit_history"]

logger = logging.getLogger(__name__)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _tokens(text: Any) -> list[str]:
    return [t.strip() for t in str(text or "").split(";") if t.strip()]


def with_visit_history(
    visits: pd.DataFrame,
    store: Any,
    *,
    week_of: dt.date,
    lookback_days: int = 14,
) -> pd.DataFrame:
    """The visits table with ``preferred_worker`` and ``last_visit`` filled from the visit log.

    Parameters
    ----------
    visits
        Visits to plan, as text (one row per ``visit_id``; optional ``household_id``).
    store
        An open :class:`~geo_outreach.visits.store.VisitStore`.
    week_of
        Any date of the plan's week (its Monday is day 0 of ``last_visit``).
    lookback_days
        How many days before that Monday a done visit still counts for ``last_visit``
        (the longest ``min_gap_days`` that matters).

    Returns
    -------
    pandas.DataFrame
        A copy of ``visits``: ``preferred_worker`` set where it was empty and the log knows
        who went last; ``last_visit`` = the given entries plus the log's days (sorted,
        ``;``-separated).  Other columns unchanged.

    Raises
    ------
    InputError
        ``lookback_days`` negative, or the table has no ``visit_id`` column.
    """
    from geo_outreach.visits.store import visits_frame

    if "visit_id" not in visits.columns:
        raise InputError(_("visits have no column 'visit_id'"), source="visits", column="visit_id")
    if lookback_days < 0:
        raise InputError(_("lookback_days must be >= 0"), parameter="lookback_days")
    monday = _monday(week_of)
    log = visits_frame(store, until=monday - dt.timedelta(days=1))
    log = log[log["planned_visit_id"].astype(str).str.len() > 0]
    out = visits.copy()
    for c in ("preferred_worker", "last_visit"):
        if c not in out.columns:
            out[c] = ""
        out[c] = out[c].fillna("").astype(str)
    ids = out["visit_id"].astype(str).str.strip()
    household = (
        out["household_id"].fillna("").astype(str).str.strip()
        if "household_id" in out.columns
        else pd.Series("", index=out.index)
    )
    house_of = {v: h for v, h in zip(ids, household, strict=True) if h}

    went = log[log["outcome"] != "cancelled"].sort_values(["visited_at", "record_id"])
    last_by_visit: dict[str, str] = {}
    last_by_house: dict[str, str] = {}
    for vid, worker in zip(went["planned_visit_id"].astype(str), went["worker_id"], strict=True):
        last_by_visit[vid] = str(worker)  # later rows overwrite: the last one wins
        if vid in house_of:
            last_by_house[house_of[vid]] = str(worker)

    done = log[log["outcome"] == "done"]
    since = monday - dt.timedelta(days=lookback_days)
    done = done[done["visit_date"].dt.date >= since]
    days_by_visit: dict[str, set[int]] = {}
    for vid, d in zip(
        done["planned_visit_id"].astype(str), done["visit_date"].dt.date, strict=True
    ):
        days_by_visit.setdefault(vid, set()).add((d - monday).days)

    n_pref = n_gap = 0
    for i, vid, h in zip(out.index, ids, household, strict=True):
        if not out.at[i, "preferred_worker"].strip():
            worker = (last_by_house.get(h) if h else None) or last_by_visit.get(vid)
            if worker:
                out.at[i, "preferred_worker"] = worker
                n_pref += 1
        if vid in days_by_visit:
            given = _tokens(out.at[i, "last_visit"])
            known = {int(t) for t in given if t.lstrip("-").isdigit()}
            new = sorted(days_by_visit[vid] - known)
            if new:
                out.at[i, "last_visit"] = ";".join([*given, *map(str, new)])
                n_gap += 1
    logger.info(
        "visit log: %d preferred worker(s) and %d last_visit(s) from %d record(s) before %s",
        n_pref,
        n_gap,
        len(log),
        monday,
    )
    return out
