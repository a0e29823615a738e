"""The working day of each route as timed segments: the table behind a Gantt chart.

A route's stops (the plan's ``stops`` table: a ``start`` row, its ``visit`` and ``break``
rows, an ``end`` row, times in seconds since midnight of the route's day) become
consecutive segments of four kinds: ``travel``, ``visit``, ``break`` and ``wait`` (idle:
arrived before a window opens, or a break started after a short pause).  The segments of
one route tile its working day, from leaving the start to being back at the end, with no
gap and no overlap.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd

from geo_outreach.domain import WEEKDAYS
from geo_outreach.errors import InputError
from geo_outreach.i18n import _
from geo_outreach.palettes import OKABE_ITO
from geo_outreach.validation import check_columns

__all__ = ["SEGMENT_COLOURS", "SEGMENT_KINDS", "TIMELINE_COLUMNS", "route_timeline"]

logger = logging.getLogger(__name__)

SEGMENT_KINDS: tuple[str, ...] = ("travel", "visit", "break", "wait")
"""Kinds of timeline segments, in legend order."""

SEGMENT_COLOURS: dict[str, str] = {
    "travel": OKABE_ITO[0],  # orange
    "visit": OKABE_ITO[4],  # blue
    "break": OKABE_ITO[2],  # bluish green
    "wait": "#BBBBBB",  # grey: idle
}
"""Colour of each segment kind (Okabe-Ito colours; idle time grey)."""

TIMELINE_COLUMNS: tuple[str, ...] = (
    "worker_id",
    "worker",
    "day",
    "seq",
    "kind",
    "visit_id",
    "label",
    "start_s",
    "end_s",
    "duration_min",
    "start",
    "end",
)

_NEEDED = (
    "worker_id",
    "day",
    "seq",
    "kind",
    "travel_s",
    "arrival_s",
    "start_s",
    "end_s",
    "departure_s",
)


def _clock(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def route_timeline(
    stops: pd.DataFrame,
    *,
    day: str | None = None,
    timezone: str | None = None,
    week_of: dt.date | None = None,
) -> pd.DataFrame:
    """Segments of every route's working day (one row per travel, visit, break or wait).

    Parameters
    ----------
    stops
        A plan's itinerary (the ``stops`` of a :class:`geo_outreach.Plan`, or ``stops.csv``).
    day
        Keep only the routes of this weekday code (``"Mon"``); ``None``: every day.
    timezone
        IANA time zone of the plan's clock times (:attr:`geo_outreach.Plan.timezone`);
        the ``start``/``end`` columns are aware timestamps in it.  ``None``: naive ones.
    week_of
        Any date of the plan's week (its Monday is used); default: next Monday in
        ``timezone`` (the machine's date when it is ``None``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIMELINE_COLUMNS`: ``worker`` is the worker's name (the id when the
        name is empty), ``kind`` one of :data:`SEGMENT_KINDS`, ``start_s``/``end_s``
        seconds since midnight of the route's day, ``start``/``end`` timestamps on the
        route's date, ``label`` a short text (the visit's name, ``"break"``, ``"travel"``).
        Segments of one route are in time order and tile its day: each starts where the
        one before ends, from the route's start to its end.  Zero-length segments are left
        out.

    Raises
    ------
    InputError
        The table lacks a stops column, or ``day`` is not a weekday code.
    """
    check_columns(stops, _NEEDED, "stops")
    if day is not None and day not in WEEKDAYS:
        raise InputError(
            _("day must be one of {choices}, got {day}").format(
                choices=", ".join(WEEKDAYS), day=repr(day)
            ),
            source="day",
        )
    s = stops if day is None else stops[stops["day"].astype(str) == day]
    if week_of is None:  # "next week" as the team counts it: in the plan's zone
        from zoneinfo import ZoneInfo

        today = dt.datetime.now(ZoneInfo(timezone)).date() if timezone else dt.date.today()
        monday = today + dt.timedelta(days=7 - today.weekday())
    else:
        monday = week_of - dt.timedelta(days=week_of.weekday())
    rows: list[dict[str, object]] = []
    for (worker_id, d), r in s.groupby(["worker_id", "day"], sort=False):
        r = r.sort_values("seq")
        names = r["worker_name"].astype(str) if "worker_name" in r.columns else None
        worker = str(worker_id)
        if names is not None and names.iloc[0].strip() not in ("", "nan"):
            worker = names.iloc[0].strip()
        rows.extend(_route_segments(r, str(worker_id), worker, str(d)))
    out = pd.DataFrame(rows, columns=[c for c in TIMELINE_COLUMNS if c not in ("start", "end")])
    out["duration_min"] = (out["end_s"] - out["start_s"]) / 60.0
    base = {d: pd.Timestamp(monday + dt.timedelta(days=i)) for i, d in enumerate(WEEKDAYS)}
    date = out["day"].map(base)
    out["start"] = date + pd.to_timedelta(out["start_s"], unit="s")
    out["end"] = date + pd.to_timedelta(out["end_s"], unit="s")
    if timezone:
        for c in ("start", "end"):  # wall-clock times; a DST change keeps the clock reading
            out[c] = out[c].dt.tz_localize(timezone, ambiguous=False, nonexistent="shift_forward")
    return out[list(TIMELINE_COLUMNS)]


def _route_segments(
    r: pd.DataFrame, worker_id: str, worker: str, day: str
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(kind: str, a: int, b: int, seq: int, vid: str = "", label: str = "") -> None:
        if b <= a:
            return
        out.append(
            {
                "worker_id": worker_id,
                "worker": worker,
                "day": day,
                "seq": seq,
                "kind": kind,
                "visit_id": vid,
                "label": label or kind,
                "start_s": a,
                "end_s": b,
            }
        )

    rec: Sequence[dict[str, Any]] = r.to_dict("records")
    t = int(rec[0]["departure_s"])  # leaves the start
    for x in rec[1:]:
        seq, kind = int(x["seq"]), str(x["kind"])
        arrival, travel = int(x["arrival_s"]), int(x["travel_s"])
        leave = arrival - travel
        add("wait", t, leave, seq, label="wait")  # left later than free (rare)
        add("travel", max(t, leave), arrival, seq, label=f"travel {max(1, round(travel / 60))} min")
        start, end = int(x["start_s"]), int(x["end_s"])
        add("wait", arrival, start, seq, label="wait")
        if kind in ("visit", "break"):
            vid = str(x.get("visit_id", "") or "") if kind == "visit" else ""
            name = str(x.get("name", "") or "") if kind == "visit" else ""
            what = name if name and name != "nan" else vid
            label = f"{what} {_clock(start)}-{_clock(end)}" if kind == "visit" else "break"
            add(kind, start, end, seq, vid=vid if vid != "nan" else "", label=label)
            dep = int(x["departure_s"])
            add("wait", end, dep, seq, label="wait")
            t = max(dep, end)
        else:  # the end row
            t = max(arrival, end)
    if t < int(rec[-1]["end_s"]):
        logger.debug("route %s %s ends after its last segment", worker_id, day)
    return out
