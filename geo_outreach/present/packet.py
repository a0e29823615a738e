"""A worker's field packet for one day of a plan: PDF route sheet, GPX, ICS calendar, HTML map.

The packet reads the plan folder written by ``geo-outreach plan``:

``stops.csv``
    ordered stops: ``worker_id, day, sequence, visit_id, name, address, arrival, start, end``
    (``HH:MM``), ``lon, lat``, ``languages``/``skills``, ``notes`` (other spellings are accepted,
    see :data:`STOP_COLUMNS`; times may also be seconds after midnight in ``*_s`` columns).
    Rows whose ``kind`` is ``break`` are breaks; ``start``/``end``/``depot`` rows are where the
    day starts and ends.
``routes.geojson``
    optional: one LineString per worker and day (``worker_id``, ``day``), the road path.
``unscheduled.csv``
    optional: visits the plan could not fit (not part of a packet).

The plan's ``day`` is a weekday code (``Mon``..``Sun``, or a full name) or an ISO date.  A
weekday becomes a calendar date through ``week_of``: the first date on or after ``week_of`` with
that weekday.  ``week_of`` defaults to the next Monday after today.  Plan times are wall-clock
times of the region's time zone: the ICS carries that zone's TZID, GPX ``<time>`` values are
the same instants in UTC (the format has no zones), and the route sheet names the zone. The
zone is the one given, else the plan's (``plan.json``), else the zone at the stops' location
(:func:`packet_timezone`); no zone is assumed.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo_outreach.domain import WEEKDAY_NAMES, WEEKDAYS
from geo_outreach.errors import InputError
from geo_outreach.files import atomic_file
from geo_outreach.i18n import (
    N_,
    _,
    clock,
    format_date,
    gettext,
    ngettext,
    resolve_language,
    using,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "STOP_COLUMNS",
    "Packet",
    "Plan",
    "day_stops",
    "packet_date",
    "packet_timezone",
    "read_plan",
    "route_sheet_pdf",
    "to_gpx",
    "to_ics",
    "write_packet",
]

logger = logging.getLogger(__name__)

DEFAULT_ATTRIBUTION = N_("Map data (c) OpenStreetMap contributors (ODbL)")
"""Printed when the region names no attribution (translated when printed)."""

STOP_COLUMNS: dict[str, tuple[str, ...]] = {
    "worker_id": ("worker_id", "worker"),
    "day": ("day", "weekday", "date"),
    "sequence": ("sequence", "seq", "stop", "order", "stop_number"),
    "kind": ("kind", "type", "stop_kind"),
    "visit_id": ("visit_id", "id"),
    "name": ("name", "visit_name", "place"),
    "address": ("address", "addr"),
    "arrival": ("arrival", "arrival_time", "arrive", "arrival_hhmm", "eta"),
    "start": ("start", "start_time", "service_start", "start_hhmm"),
    "end": ("end", "end_time", "service_end", "end_hhmm", "departure"),
    "lon": ("lon", "longitude", "lng", "x"),
    "lat": ("lat", "latitude", "y"),
    "languages": ("languages", "language"),
    "skills": ("skills", "needs", "qualifications"),
    "notes": ("notes", "note", "comment", "comments"),
    "worker_name": ("worker_name",),
}
"""Canonical stop column -> accepted spellings in ``stops.csv`` (first found wins)."""

_WEEKDAYS = tuple(d.lower() for d in WEEKDAYS)
_WEEKDAY_NAMES = WEEKDAY_NAMES
_END_KINDS = {"start", "end", "depot", "home", "office"}


# --------------------------------------------------------------------------- plan reading


@dataclass(frozen=True)
class Plan:
    """A plan folder, read and normalised.

    Attributes
    ----------
    folder
        Where it was read from.
    stops
        One row per stop with the canonical columns of :data:`STOP_COLUMNS` (times as ``HH:MM``
        text, ``*_min`` minutes after midnight, ``sequence`` int), in plan order.
    routes
        ``routes.geojson`` as a GeoDataFrame (EPSG:4326), or None when the folder has none.
    unscheduled
        ``unscheduled.csv`` (empty when absent).
    """

    folder: Path
    stops: pd.DataFrame
    routes: gpd.GeoDataFrame | None
    unscheduled: pd.DataFrame = field(default_factory=pd.DataFrame)
    timezone: str | None = None

    @property
    def workers(self) -> list[str]:
        return list(dict.fromkeys(self.stops["worker_id"]))

    @property
    def days(self) -> list[str]:
        return list(dict.fromkeys(self.stops["day"]))


def _pick(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    lower = {str(c).strip().lower(): c for c in df.columns}
    for n in names:
        if n in lower:
            return str(lower[n])
    return None


def _parse_time(value: Any, *, seconds: bool, where: str) -> float:
    """Minutes after midnight of ``HH:MM[:SS]`` text (or seconds when ``seconds``); NaN if empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "-"}:
        return math.nan
    if seconds:
        try:
            return float(text) / 60.0
        except ValueError as exc:
            raise InputError(
                _("{where}: {value} is not a number of seconds").format(
                    where=where, value=repr(text)
                ),
                source=where,
            ) from exc
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if m is None:
        # an ISO datetime keeps only its clock time
        m2 = re.search(r"T?(\d{2}):(\d{2})(?::(\d{2}))?", text)
        if m2 is None:
            raise InputError(
                _("{where}: {value} is not a time like 09:30").format(
                    where=where, value=repr(text)
                ),
                source=where,
            )
        m = m2
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 47 or mi > 59 or s > 59:
        raise InputError(
            _("{where}: {value} is not a time like 09:30").format(where=where, value=repr(text)),
            source=where,
        )
    return h * 60 + mi + s / 60


def _hhmm(minutes: float) -> str:
    if not math.isfinite(minutes):
        return ""
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


def read_stops_csv(path: str | Path) -> pd.DataFrame:
    """Read and normalise a plan's ``stops.csv`` (see :data:`STOP_COLUMNS`)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            _(
                "{path} not found; a plan folder holds stops.csv (write one with geo-outreach plan)"
            ).format(path=path),
            source=str(path),
        )
    from geo_outreach.data.readers import read_csv_table

    raw = read_csv_table(path, what="plan stops", dtype=str, keep_default_na=False)
    return normalise_stops(raw, name=path.name)


def normalise_stops(raw: pd.DataFrame, *, name: str = "stops.csv") -> pd.DataFrame:
    """Normalise a plan's stops table (see :data:`STOP_COLUMNS`); ``name`` is used in messages."""
    path = Path(name)
    raw = raw.copy()
    for c in raw.columns:
        raw[c] = raw[c].map(
            lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v)
        )
    out = pd.DataFrame(index=raw.index)
    for canon, names in STOP_COLUMNS.items():
        col = _pick(raw, names)
        out[canon] = raw[col].astype(str).str.strip() if col is not None else ""
    for need in ("worker_id", "day"):
        if _pick(raw, STOP_COLUMNS[need]) is None:
            raise InputError(
                _(
                    "{file} has no {column} column (columns: {columns}); "
                    "it must list worker_id, day, sequence, visit_id, times, lon, lat"
                ).format(file=path.name, column=repr(need), columns=list(raw.columns)),
                source=f"{path.name}.{need}",
            )
    if _pick(raw, STOP_COLUMNS["visit_id"]) is None and _pick(raw, STOP_COLUMNS["name"]) is None:
        raise InputError(
            _("{file} needs a visit_id or name column").format(file=path.name),
            source=f"{path.name}.visit_id",
        )
    # times: HH:MM text, else seconds in *_s columns
    for canon in ("arrival", "start", "end"):
        col = _pick(raw, STOP_COLUMNS[canon])
        secs = _pick(raw, [f"{n}_s" for n in STOP_COLUMNS[canon]] + [f"{canon}_s"])
        src, is_s = (col, False) if col is not None else (secs, True)
        if src is None:
            out[f"{canon}_min"] = np.nan
        else:
            out[f"{canon}_min"] = [
                _parse_time(
                    v,
                    seconds=is_s,
                    where=_("{file} row {row} column {column}").format(
                        file=path.name, row=i + 2, column=src
                    ),
                )
                for i, v in enumerate(raw[src])
            ]
        out[canon] = out[f"{canon}_min"].map(_hhmm)
    if not out[["arrival_min", "start_min"]].notna().any(axis=None) and len(out):
        raise InputError(
            _("{file} has no arrival or start times (columns: {columns})").format(
                file=path.name, columns=list(raw.columns)
            ),
            source=f"{path.name}.start",
        )
    for c in ("lon", "lat"):
        out[c] = pd.to_numeric(out[c].replace("", np.nan), errors="coerce")
    bad = out[(out["lon"].abs() > 180) | (out["lat"].abs() > 90)]
    if len(bad):
        raise InputError(
            _("{file} row {row}: lon/lat out of range ({lon}, {lat}); give WGS84 degrees").format(
                file=path.name,
                row=int(bad.index[0]) + 2,
                lon=bad["lon"].iloc[0],
                lat=bad["lat"].iloc[0],
            ),
            source=f"{path.name}.lon",
        )
    seq = pd.to_numeric(out["sequence"].replace("", np.nan), errors="coerce")
    if seq.isna().all():
        seq = out.groupby(["worker_id", "day"], sort=False).cumcount() + 1
    out["sequence"] = seq.fillna(0).astype(int)
    out["kind"] = out["kind"].str.lower().replace("", "visit")
    out["visit_id"] = out["visit_id"].where(out["visit_id"] != "", out["name"])
    out["name"] = out["name"].where(out["name"] != "", out["visit_id"])
    for c in ("languages", "skills"):
        out[c] = out[c].str.replace(";", ", ").str.replace("|", ", ")
    # what the sheet, GPX and calendar show: languages first, then other skills
    out["languages"] = [
        ", ".join(dict.fromkeys(x for x in f"{a}, {b}".split(", ") if x.strip()))
        for a, b in zip(out["languages"], out["skills"], strict=True)
    ]
    out["_order"] = np.arange(len(out))
    out = out.sort_values(["worker_id", "day", "sequence", "_order"], kind="stable")
    out = out.drop(columns="_order").reset_index(drop=True)
    # the stop number shown on the sheet, GPX, calendar and My day: visits only, 1..N in
    # visit order (a break, the start and the end take no number, so none is skipped)
    visit = out["kind"] == "visit"
    out["stop_no"] = 0
    out.loc[visit, "stop_no"] = out[visit].groupby(["worker_id", "day"], sort=False).cumcount() + 1
    out["stop_no"] = out["stop_no"].astype(int)
    return out


def read_plan(folder: str | os.PathLike[str]) -> Plan:
    """Read a plan folder (``stops.csv``, optional ``routes.geojson`` and ``unscheduled.csv``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            _("plan folder {path} not found; write one with geo-outreach plan -o DIR").format(
                path=folder
            ),
            source=str(folder),
        )
    stops = read_stops_csv(folder / "stops.csv")
    routes = None
    rpath = folder / "routes.geojson"
    if rpath.is_file():
        import geopandas as gpd

        routes = gpd.read_file(rpath)
        if routes.crs is None:
            routes = routes.set_crs(4326)
        routes = routes.to_crs(4326)
        for c in ("worker_id", "day"):
            if c in routes.columns:
                routes[c] = routes[c].astype(str)
    unscheduled = pd.DataFrame()
    upath = folder / "unscheduled.csv"
    if upath.is_file():
        from geo_outreach.data.readers import read_csv_table

        unscheduled = read_csv_table(
            upath, what="plan unscheduled visits", dtype=str, keep_default_na=False
        )
    timezone = None
    mpath = folder / "plan.json"
    if mpath.is_file():
        try:
            timezone = json.loads(mpath.read_text(encoding="utf-8")).get("timezone") or None
        except (OSError, ValueError, AttributeError):
            timezone = None
    return Plan(
        folder=folder, stops=stops, routes=routes, unscheduled=unscheduled, timezone=timezone
    )


def _day_key(value: str) -> str:
    v = str(value).strip().lower()
    return v[:3] if v[:3] in _WEEKDAYS and v.isalpha() else v


def day_stops(plan: Plan, worker: str, day: str) -> tuple[pd.DataFrame, gpd.GeoDataFrame | None]:
    """Stops of ``worker`` on ``day`` in order, and that day's route line(s) (or None)."""
    s = plan.stops
    wmask = s["worker_id"].str.lower() == str(worker).strip().lower()
    if not wmask.any():
        raise InputError(
            _("worker {worker} has no stops in {path}; workers: {workers}").format(
                worker=repr(worker), path=plan.folder / "stops.csv", workers=plan.workers
            ),
            source="worker",
        )
    dmask = s["day"].map(_day_key) == _day_key(day)
    sel = s[wmask & dmask]
    if sel.empty:
        days = list(dict.fromkeys(s.loc[wmask, "day"]))
        raise InputError(
            _("worker {worker} has no stops on day {day}; their days: {days}").format(
                worker=repr(worker), day=repr(day), days=days
            ),
            source="day",
        )
    routes = None
    if plan.routes is not None and {"worker_id", "day"} <= set(plan.routes.columns):
        r = plan.routes
        rsel = r[
            (r["worker_id"].astype(str).str.lower() == str(worker).strip().lower())
            & (r["day"].map(_day_key) == _day_key(day))
        ]
        routes = rsel if len(rsel) else None
    return sel.reset_index(drop=True), routes


def packet_date(
    day: str, week_of: dt.date | None = None, *, today: dt.date | None = None
) -> dt.date:
    """Calendar date of a plan day.

    ``day`` is an ISO date (used as is), a weekday (``Mon``/``monday``...: the first such date on
    or after ``week_of``) or a day number ``0``.. (days after ``week_of``).  ``week_of`` defaults
    to the next Monday after ``today``.
    """
    text = str(day).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    today = today or dt.date.today()
    if week_of is None:
        week_of = today + dt.timedelta(days=7 - today.weekday())
    key = _day_key(text)
    if key in _WEEKDAYS:
        target = _WEEKDAYS.index(key)
        return week_of + dt.timedelta(days=(target - week_of.weekday()) % 7)
    if text.isdigit():
        return week_of + dt.timedelta(days=int(text))
    raise InputError(
        _(
            "day {day} is neither a weekday (Mon..Sun) nor a date (YYYY-MM-DD) nor a day number"
        ).format(day=repr(day)),
        source="day",
    )


def _visits(stops: pd.DataFrame) -> pd.DataFrame:
    return stops[~stops["kind"].isin({"break", *_END_KINDS})]


def _zone(timezone: str) -> Any:
    from zoneinfo import ZoneInfo

    from geo_outreach.data.place import check_timezone

    return ZoneInfo(check_timezone(timezone))


def packet_timezone(plan: Plan, timezone: str | None = None) -> str:
    """The zone of a plan's times: ``timezone``, else the plan's, else the zone at its stops.

    Raises
    ------
    InputError
        For an unknown zone, or a plan with neither a zone nor located stops.
    """
    from geo_outreach.data.place import check_timezone, timezone_at

    if timezone:
        return check_timezone(timezone)
    if plan.timezone:
        return check_timezone(plan.timezone, source=str(plan.folder / "plan.json"))
    lon = pd.to_numeric(plan.stops["lon"], errors="coerce")
    lat = pd.to_numeric(plan.stops["lat"], errors="coerce")
    ok = lon.notna() & lat.notna()
    if not ok.any():
        raise InputError(
            _(
                "plan {path} records no time zone and its stops have no coordinates; "
                "give the zone (timezone, e.g. America/New_York) or the plan's region"
            ).format(path=plan.folder),
            source=str(plan.folder),
            parameter="timezone",
        )
    zone = timezone_at(float(lon[ok].median()), float(lat[ok].median()))
    logger.info("plan %s records no time zone; using %s, the zone of its stops", plan.folder, zone)
    return zone


def _at(date: dt.date, minutes: float, tz: Any) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(0, 0), tzinfo=tz) + dt.timedelta(minutes=minutes)


def _visit_times(row: Any) -> tuple[float, float]:
    start = row.start_min if math.isfinite(row.start_min) else row.arrival_min
    end = row.end_min if math.isfinite(row.end_min) else start + 30.0
    return start, end


# --------------------------------------------------------------------------- GPX and ICS


def to_gpx(
    stops: pd.DataFrame,
    *,
    date: dt.date,
    timezone: str,
    route_lines: gpd.GeoDataFrame | None = None,
    name: str = "",
) -> str:
    """GPX text: one waypoint per visit (in order), a route through the stops, and the road path
    from ``route_lines`` as a track when given.

    ``timezone`` is the IANA zone of the plan's wall-clock times; GPX times are written as the
    same instants in UTC. The texts people read (descriptions, the track's name) are in the
    current language (:mod:`geo_outreach.i18n`); the GPX keys and times stay as the format has
    them.
    """
    import gpxpy.gpx

    tz = _zone(timezone)
    gpx = gpxpy.gpx.GPX()
    gpx.name = name
    gpx.creator = "geo_outreach"
    rte = gpxpy.gpx.GPXRoute(name=name)
    for row in stops.itertuples():
        if not (math.isfinite(row.lon) and math.isfinite(row.lat)) or row.kind == "break":
            continue
        is_visit = row.kind not in _END_KINDS
        label = f"{row.stop_no:02d} {row.name}" if is_visit else _end_label(row)
        start, _end = _visit_times(row)
        when = _at(date, start, tz).astimezone(dt.UTC) if math.isfinite(start) else None
        desc = "; ".join(x for x in (row.address, *_skill_lines(row.languages), row.notes) if x)
        rte.points.append(gpxpy.gpx.GPXRoutePoint(row.lat, row.lon, name=label, time=when))
        if is_visit:
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    row.lat,
                    row.lon,
                    time=when,
                    name=label,
                    description=desc,
                    symbol="Flag, Blue",
                    type="visit",
                )
            )
    gpx.routes.append(rte)
    if route_lines is not None and len(route_lines):
        import shapely

        track = gpxpy.gpx.GPXTrack(name=gettext("{name} (road path)").format(name=name))
        for geom in route_lines.to_crs(4326).geometry:
            for part in shapely.get_parts(geom):
                seg = gpxpy.gpx.GPXTrackSegment()
                for x, y in shapely.get_coordinates(part):
                    seg.points.append(gpxpy.gpx.GPXTrackPoint(float(y), float(x)))
                track.segments.append(seg)
        gpx.tracks.append(track)
    return gpx.to_xml()


def to_ics(
    stops: pd.DataFrame,
    *,
    date: dt.date,
    timezone: str,
    worker: str = "",
    created: dt.datetime | None = None,
) -> bytes:
    """An iCalendar file with one event per visit in ``timezone`` (TZID and VTIMEZONE); its
    texts are in the current language (:mod:`geo_outreach.i18n`).  ``worker`` is the name
    the calendar is called by; the events' UIDs use the stops' ``worker_id``."""
    import icalendar

    uid_worker = (
        str(stops["worker_id"].iloc[0]) if "worker_id" in stops.columns and len(stops) else worker
    )

    tz = _zone(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//geo_outreach//field packet//EN")
    cal.add("version", "2.0")
    cal.add(
        "x-wr-calname",
        gettext("Outreach {worker} {date}")
        .format(worker=worker, date=format_date(date, form="medium"))
        .strip(),
    )
    cal.add("x-wr-timezone", timezone)
    stamp = created or dt.datetime.now(dt.UTC)
    for row in _visits(stops).itertuples():
        start, end = _visit_times(row)
        if not math.isfinite(start):
            raise InputError(
                _("visit {visit_id} has no start or arrival time").format(
                    visit_id=repr(row.visit_id)
                ),
                source="start",
            )
        ev = icalendar.Event()
        ev.add("uid", f"{row.visit_id}-{uid_worker}-{date.isoformat()}-{row.sequence}@geo-outreach")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", _at(date, start, tz))
        ev.add("dtend", _at(date, end, tz))
        ev.add("summary", f"{row.stop_no}. {row.name}")
        if row.address:
            ev.add("location", row.address)
        if math.isfinite(row.lat) and math.isfinite(row.lon):
            ev.add("geo", (float(row.lat), float(row.lon)))
        lines = [gettext("Stop {n}: {name}").format(n=row.stop_no, name=row.name)]
        if math.isfinite(row.arrival_min):
            lines.append(gettext("Arrive at {time}").format(time=_clock_of(row, "arrival")))
        lines += _skill_lines(row.languages)
        if row.notes:
            lines.append(gettext("Notes: {notes}").format(notes=row.notes))
        ev.add("description", "\n".join(lines))
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


# --------------------------------------------------------------------------- PDF route sheet

_PAGES = {"letter": (8.5, 11.0), "a4": (8.27, 11.69)}
_COLS = (  # heading (translated when drawn), share of the table's width; sized so that the
    # headings and times of en, es and sv fit on an A4 sheet ("Cualificaciones", "ankomst 08:52")
    ("#", 0.04),
    (N_("Time"), 0.14),
    (N_("Place and address"), 0.25),
    (N_("Languages"), 0.14),
    (N_("Qualifications"), 0.155),
    (N_("Notes"), 0.20),
    (N_("Done"), 0.075),
)
_END_LABELS = {
    "start": N_("Start"),
    "end": N_("End"),
    "depot": N_("Depot"),
    "home": N_("Home"),
    "office": N_("Office"),
}


def _skill_names(text: str) -> tuple[str, str]:
    """A stop's ``languages`` cell (language and qualification codes) as two lists of names."""
    from geo_outreach.present.labels import skill_label, split_skills

    langs, quals = split_skills(text or "")
    return ", ".join(skill_label(c) for c in langs), ", ".join(skill_label(c) for c in quals)


def _skill_lines(text: str) -> list[str]:
    langs, quals = _skill_names(text)
    out = []
    if langs:
        out.append(gettext("Languages: {names}").format(names=langs))
    if quals:
        out.append(gettext("Qualifications: {names}").format(names=quals))
    return out


def _end_label(row: Any) -> str:
    kind = str(row.kind)
    label = gettext(_END_LABELS[kind]) if kind in _END_LABELS else kind.capitalize()
    name = str(row.name or "")
    if name.lower() in _END_LABELS:  # a plan that calls its base "Depot": a label, not a name
        name = gettext(_END_LABELS[name.lower()])
    if name and name.lower() != label.lower():
        label += f": {name}"
    return label


def _clock_of(row: Any, which: str) -> str:
    """A stop's ``arrival``/``start``/``end`` as a clock time people read in the sheet's
    language (``9:05 AM`` / ``9:05`` / ``09:05``); the stops file's text when it has no
    minutes."""
    minutes = getattr(row, f"{which}_min", math.nan)
    if isinstance(minutes, int | float) and math.isfinite(minutes):
        return clock(minutes)
    return str(getattr(row, which, "") or "")


def _row_cells(row: Any) -> list[str]:
    arrival, start, end = (_clock_of(row, w) for w in ("arrival", "start", "end"))
    if row.kind == "break":
        when = f"{start or arrival} – {end}".strip(" –")
        return ["", when, gettext("Break"), "", "", row.notes, ""]
    if row.kind in _END_KINDS:
        when = arrival or start or end
        return ["", when, f"{_end_label(row)}\n{row.address}".strip(), "", "", row.notes, ""]
    # spaced: a range of times that does not fit breaks after its dash
    when = f"{start} – {end}" if start and end else (start or arrival)
    if arrival and arrival != start:
        when += "\n" + gettext("arrive {time}").format(time=arrival)
    place = f"{row.name}\n{row.address}".strip() if row.address else row.name
    langs, quals = _skill_names(row.languages)
    return [str(row.stop_no), when, place, langs, quals, row.notes, "☐"]


@functools.cache
def _text_width_pt(text: str, size_pt: float, bold: bool) -> float:
    """Width of ``text`` as matplotlib draws it (its default font), in points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=size_pt, weight="bold" if bold else "normal")
    return float(TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0])


def _wrap(
    text: str, width_in: float, size_pt: float, *, bold: bool = False, all_bold: bool = False
) -> list[str]:
    """``text`` in lines that fit ``width_in`` at ``size_pt``, measured with the font the
    sheet is drawn in (a word longer than a line is cut); ``bold``: the first line is bold,
    ``all_bold``: every line is."""
    limit = width_in * 72
    lines: list[str] = []

    def fits(line: str) -> bool:
        return _text_width_pt(line, size_pt, all_bold or (bold and not lines)) <= limit

    for para in str(text).split("\n"):
        line = ""
        # no break at a no-break space ("9:00 AM" stays whole)
        for word in (w for w in re.split(r"[ \t]+", para) if w):
            while not fits(word):  # cut a word wider than the column
                k = len(word) - 1
                while k > 1 and not fits(word[:k]):
                    k -= 1
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:k])
                word = word[k:]
            if line and not fits(f"{line} {word}"):
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def route_sheet_pdf(
    stops: pd.DataFrame,
    *,
    date: dt.date,
    worker: str,
    route_lines: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    title: str = "",
    page: str = "letter",
    created: dt.date | None = None,
    timezone: str = "",
    lang: str | None = None,
) -> bytes:
    """A printable route sheet: per page a small map of the day (the page's stops highlighted)
    and a table of stops with times, place and address, languages, qualifications, notes and a
    tick box.

    ``lang`` is the sheet's language (default: the current one, :mod:`geo_outreach.i18n`).
    Long names and notes wrap inside their column; the footer and the page number have lines
    of their own. Returns the PDF bytes (matplotlib PdfPages, fonts embedded).
    """
    with using(lang):
        return _route_sheet_pdf(
            stops,
            date=date,
            worker=worker,
            route_lines=route_lines,
            roads=roads,
            attribution=attribution,
            title=title,
            page=page,
            created=created,
            timezone=timezone,
        )


def _route_sheet_pdf(
    stops: pd.DataFrame,
    *,
    date: dt.date,
    worker: str,
    route_lines: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    attribution: str,
    title: str,
    page: str,
    created: dt.date | None,
    timezone: str,
) -> bytes:
    import matplotlib

    attribution = gettext(attribution) if attribution else attribution
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    if page not in _PAGES:
        raise InputError(
            _("page must be one of {choices}, got {page}").format(
                choices=sorted(_PAGES), page=repr(page)
            ),
            source="page",
        )
    w_in, h_in = _PAGES[page]
    fs = 8.5
    margin = 0.5
    table_w = w_in - 2 * margin
    line_h = fs * 1.35 / 72  # inches per text line
    cells = [_row_cells(r) for r in stops.itertuples()]
    wrapped: list[list[list[str]]] = []
    for row in cells:
        out = []
        for c, ((_head, share), text) in enumerate(zip(_COLS, row, strict=True)):
            # the first line of the number, time and place columns is bold (see _sheet_table)
            bold = c in (0, 1) or (c == 2 and row[0] != "")
            size = fs + 5 if c == len(_COLS) - 1 else fs
            out.append(_wrap(text, share * table_w - 0.1, size, bold=bold) or [""])
        wrapped.append(out)
    row_h = [max(len(c) for c in r) * line_h + 0.12 for r in wrapped]
    map_h = 3.6
    header_h, footer_h = 0.9, 0.6
    table_top = h_in - margin - header_h - map_h - 0.25
    # column headings wrap too (a language's word can be wider than its column)
    heads = [
        _wrap(gettext(h) if h != "#" else h, share * table_w - 0.1, fs, all_bold=True)
        for h, share in _COLS
    ]
    head_h = max(0.3, max(len(x) for x in heads) * line_h + 0.14)
    avail = table_top - margin - footer_h - head_h  # minus the column heading row
    pages: list[list[int]] = [[]]
    used = 0.0
    for i, rh in enumerate(row_h):
        if pages[-1] and used + rh > avail:
            pages.append([])
            used = 0.0
        pages[-1].append(i)
        used += rh
    visits = _visits(stops)
    # the long date, as the language writes it (translators give the Babel pattern)
    long_date = format_date(date, form=gettext("EEEE dd MMMM y"))
    first = stops["start_min"].where(stops["start_min"].notna(), stops["arrival_min"]).min()
    last = stops[["end_min", "arrival_min", "start_min"]].max(axis=None)
    headline = title or gettext("Route sheet: {worker}").format(worker=worker)
    buf = io.BytesIO()
    made = format_date(created or dt.date.today(), form="medium")
    n_visits = len(visits)
    # TrueType fonts: the sheet's text stays searchable and copyable
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        PdfPages(
            buf,
            metadata={
                "Title": f"{headline}, {long_date}",
                "Subject": gettext("Sources: {sources}").format(sources=attribution),
                "Creator": "geo_outreach",
            },
        ) as pdf,
    ):
        for p, idxs in enumerate(pages):
            fig = plt.figure(figsize=(w_in, h_in))
            fig.text(
                margin / w_in, 1 - margin / h_in, headline, fontsize=16, fontweight="bold", va="top"
            )
            visits_text = ngettext("{n} visit", "{n} visits", n_visits).format(n=n_visits)
            sub = f"{long_date}  ·  {visits_text}  ·  {clock(first)}–{clock(last)}" + (
                " "
                + gettext("({zone} time)").format(zone=timezone.split("/")[-1].replace("_", " "))
                if timezone
                else ""
            )
            if len(pages) > 1:
                shown = [cells[i][0] for i in idxs if cells[i][0]]
                if shown:
                    sub += "  ·  " + gettext("this page: stops {first}–{last}").format(
                        first=shown[0], last=shown[-1]
                    )
            fig.text(
                margin / w_in,
                1 - (margin + 0.38) / h_in,
                sub,
                fontsize=10,
                va="top",
                color="#333333",
            )
            map_rect = [
                margin / w_in,
                (h_in - margin - header_h - map_h) / h_in,
                table_w / w_in,
                map_h / h_in,
            ]
            _sheet_map(fig, map_rect, stops, set(idxs), route_lines, roads, fs)
            _sheet_table(
                fig,
                [cells[i] for i in idxs],
                [wrapped[i] for i in idxs],
                [row_h[i] for i in idxs],
                margin,
                table_top,
                table_w,
                w_in,
                h_in,
                fs,
                line_h,
                heads,
                head_h,
            )
            # the page number on the bottom line at the right, the sources and print date
            # wrapped in the width left of it: they never share a spot
            page_text = gettext("Page {page} of {pages}").format(page=p + 1, pages=len(pages))
            page_w = _text_width_pt(page_text, 8, False) / 72 + 0.3
            foot = "\n".join(
                _wrap(
                    gettext("Sources: {sources}. Printed from geo_outreach on {date}.").format(
                        sources=attribution, date=made
                    ),
                    table_w - page_w,
                    6.5,
                )
            )
            fig.text(margin / w_in, margin / h_in, foot, fontsize=6.5, color="#444444", va="bottom")
            fig.text(
                1 - margin / w_in,
                margin / h_in,
                page_text,
                fontsize=8,
                ha="right",
                va="bottom",
            )
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def _sheet_map(
    fig: Any,
    rect: Sequence[float],
    stops: pd.DataFrame,
    highlight: set[int],
    route_lines: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    fs: float,
) -> None:
    import geopandas as gpd

    from geo_outreach.present.static_map import _draw_roads, _extent, _finish_panel

    ax = fig.add_axes(rect)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#777777")
    pts = stops[np.isfinite(stops["lon"]) & np.isfinite(stops["lat"])]
    if pts.empty:
        ax.text(
            0.5,
            0.5,
            gettext("no stop coordinates in the plan"),
            ha="center",
            transform=ax.transAxes,
        )
        return
    g = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326)
    crs = g.estimate_utm_crs()
    g = g.to_crs(crs)
    frames = [g]
    lines = route_lines.to_crs(crs) if route_lines is not None and len(route_lines) else None
    if lines is not None:
        frames.append(lines)
    aspect = (rect[2] * fig.get_figwidth()) / (rect[3] * fig.get_figheight())
    xlim, ylim = _extent(frames, aspect, pad=0.08)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_aspect("equal", adjustable="box")
    if roads is not None and len(roads):
        r = roads.to_crs(crs)
        r = r.cx[xlim[0] : xlim[1], ylim[0] : ylim[1]]
        _draw_roads(ax, r)
    if lines is not None:
        lines.plot(ax=ax, color="white", linewidth=4.0, zorder=6)
        lines.plot(ax=ax, color="#0072B2", linewidth=2.2, zorder=7)
    else:  # straight legs between stops, dashed: the plan gave no road path
        ax.plot(
            g.geometry.x,
            g.geometry.y,
            color="#0072B2",
            linewidth=1.4,
            linestyle=(0, (4, 2)),
            zorder=7,
        )
    for pos, (i, row) in enumerate(pts.iterrows()):
        x, y = g.geometry.iloc[pos].x, g.geometry.iloc[pos].y
        if row["kind"] in _END_KINDS:
            ax.scatter(
                [x],
                [y],
                marker="s",
                s=70,
                facecolor="black",
                edgecolor="white",
                linewidth=1.0,
                zorder=9,
            )
            continue
        if row["kind"] == "break":
            continue
        on_page = i in highlight
        ax.scatter(
            [x],
            [y],
            marker="o",
            s=170 if on_page else 110,
            facecolor="#D55E00" if on_page else "white",
            edgecolor="black",
            linewidth=1.0,
            zorder=10 if on_page else 9,
        )
        ax.text(
            x,
            y,
            str(row["stop_no"]),
            ha="center",
            va="center",
            fontsize=fs - 1,
            fontweight="bold",
            color="white" if on_page else "black",
            zorder=11 if on_page else 9.5,
        )
    _finish_panel(ax, xlim, ylim, arrow_font=fs, scale_font=fs - 1)


def _sheet_table(
    fig: Any,
    cells: list[list[str]],
    wrapped: list[list[list[str]]],
    heights: list[float],
    margin: float,
    top_in: float,
    table_w: float,
    w_in: float,
    h_in: float,
    fs: float,
    line_h: float,
    heads: list[list[str]],
    head_h: float,
) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    xs = [margin]
    for _label, share in _COLS:
        xs.append(xs[-1] + share * table_w)
    y = top_in

    def band(y_top: float, height_in: float, colour: str) -> None:
        """Fill the table's width from ``y_top`` down ``height_in`` inches."""
        fig.add_artist(
            Rectangle(
                (margin / w_in, (y_top - height_in) / h_in),
                table_w / w_in,
                height_in / h_in,
                transform=fig.transFigure,
                facecolor=colour,
                edgecolor="none",
            )
        )

    band(y, head_h, "#e8e6e1")
    for head_lines, x in zip(heads, xs, strict=False):
        for li, text in enumerate(head_lines):
            fig.text(
                (x + 0.05) / w_in,
                (y - 0.07 - li * line_h) / h_in,
                text,
                fontsize=fs,
                fontweight="bold",
                va="top",
            )
    y -= head_h
    for r, (row, lines, rh) in enumerate(zip(cells, wrapped, heights, strict=True)):
        if r % 2 == 1:
            band(y, rh, "#f6f5f2")
        for c, (cell_lines, x) in enumerate(zip(lines, xs, strict=False)):
            bold = c in (0, 1) or (c == 2 and row[0] != "")
            for li, text in enumerate(cell_lines):
                weight = "bold" if bold and li == 0 else "normal"
                size = fs + 5 if c == len(_COLS) - 1 else fs
                fig.text(
                    (x + 0.05) / w_in,
                    (y - 0.07 - li * line_h) / h_in,
                    text,
                    fontsize=size,
                    fontweight=weight,
                    va="top",
                    color="#111111" if li == 0 else "#333333",
                )
        y -= rh
        fig.add_artist(
            Line2D(
                [margin / w_in, (margin + table_w) / w_in],
                [y / h_in, y / h_in],
                transform=fig.transFigure,
                color="#bbbbbb",
                linewidth=0.5,
            )
        )


# --------------------------------------------------------------------------- HTML and packet


def day_map_html(
    stops: pd.DataFrame,
    *,
    route_lines: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    title: str = "",
) -> str:
    """A self-contained offline HTML map of the day (stops with tooltips, the route, roads)."""
    import folium
    import geopandas as gpd

    from geo_outreach.present import webmap
    from geo_outreach.present.assets import render_offline_html

    pts = stops[np.isfinite(stops["lon"]) & np.isfinite(stops["lat"]) & (stops["kind"] != "break")]
    if pts.empty:
        raise InputError(_("the day's stops have no lon/lat; cannot draw a map"), source="lon")
    g = gpd.GeoDataFrame(
        pts.assign(
            stop=pts["stop_no"].astype(str).where(~pts["kind"].isin(_END_KINDS), pts["kind"]),
            time=[
                f"{a}–{b}" if a and b else a or b
                for a, b in zip(pts["start"], pts["end"], strict=True)
            ],
            what=np.where(pts["kind"].isin(_END_KINDS), gettext("Start / end"), gettext("Visit")),
        ),
        geometry=gpd.points_from_xy(pts["lon"], pts["lat"]),
        crs=4326,
    )
    frames = [g.geometry]
    if route_lines is not None and len(route_lines):
        frames.append(route_lines.to_crs(4326).geometry)
    minx, miny, maxx, maxy = pd.concat(frames).total_bounds
    pad = max(maxx - minx, maxy - miny, 0.004) * 0.1
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    if roads is not None and len(roads):
        roads = roads.to_crs(4326).cx[bounds[0] : bounds[2], bounds[1] : bounds[3]]
    m = webmap.base_map(bounds, roads=roads, attribution=attribution)
    if route_lines is not None and len(route_lines):
        r = route_lines.to_crs(4326).copy()
        r["route_id"] = (
            r.get("worker_id", pd.Series("route", index=r.index)).astype(str)
            + " "
            + r.get("day", pd.Series("", index=r.index)).astype(str)
        )
        webmap.add_routes(m, r[["route_id", "geometry"]], name=gettext("Route"))
    webmap.add_sites(
        m,
        g,
        category_column="what",
        fields=("stop", "name", "time", "address", "languages", "notes"),
        colors={gettext("Visit"): "#D55E00", gettext("Start / end"): "#000000"},
        name=gettext("Stops"),
    )
    webmap.add_layer_control(m, collapsed=False)
    if title:
        m.get_root().header.add_child(  # type: ignore[attr-defined]
            folium.Element(f"<title>{_html_escape(title)}</title>"), name="page_title"
        )
        m.get_root().html.add_child(  # type: ignore[attr-defined]
            folium.Element(
                '<div style="position:absolute;top:8px;left:50px;z-index:1000;'
                "background:rgba(255,255,255,.92);padding:4px 10px;border-radius:4px;"
                'font:bold 15px sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
                f"{_html_escape(title)}</div>"
            )
        )
    return render_offline_html(m, mode="inline")


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)


@dataclass(frozen=True)
class Packet:
    """What :func:`write_packet` wrote.

    Attributes
    ----------
    date
        Calendar date of the day.
    stops
        The day's stops (normalised plan rows) in order.
    pdf, gpx, ics, html
        Paths of the route sheet, GPX, calendar and map.
    """

    date: dt.date
    stops: pd.DataFrame
    pdf: Path
    gpx: Path
    ics: Path
    html: Path | None

    @property
    def paths(self) -> list[Path]:
        return [p for p in (self.pdf, self.gpx, self.ics, self.html) if p is not None]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def write_packet(
    plan: str | Path | Plan,
    out_dir: str | Path,
    *,
    worker: str,
    day: str,
    week_of: dt.date | None = None,
    timezone: str | None = None,
    roads: gpd.GeoDataFrame | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    page: str | None = None,
    html: bool = True,
    lang: str | None = None,
) -> Packet:
    """Write a worker's field packet for one day of a plan.

    Parameters
    ----------
    plan
        A plan folder (``stops.csv``, optional ``routes.geojson``) or a :class:`Plan`.
    out_dir
        Folder to write into (created); files are named ``{worker}_{date}.{pdf,gpx,ics,html}``.
    worker, day
        Which route: a ``worker_id`` and a plan day (weekday code or date; case-insensitive).
    week_of
        Date that fixes the week of a weekday ``day`` (see :func:`packet_date`); default next Monday.
    timezone
        IANA zone of the region (the plan's times are its wall-clock times); default: the
        plan's zone (``plan.json``), else the zone at the stops (:func:`packet_timezone`).
    roads
        Road edges drawn as context on the maps (optional).
    attribution
        Data sources printed on the sheet and the map.
    page
        ``"letter"`` or ``"a4"``; default: the paper of the zone's country (Letter in the US,
        Canada and Mexico, A4 elsewhere; Letter when the zone names no country).
    html
        Also write the offline HTML map (needs the vendored web assets).
    lang
        Language of what people read in the packet (sheet, calendar texts, GPX descriptions,
        map legend): ``en``, ``es`` or ``sv``; default: :func:`geo_outreach.i18n.resolve_language`
        (``GEO_OUTREACH_LANG``, else English). GPX keys, ids and times are not translated.

    Returns
    -------
    Packet
        The paths written and the day's date and stops.
    """
    p = plan if isinstance(plan, Plan) else read_plan(plan)
    timezone = packet_timezone(p, timezone)
    lang = resolve_language(lang)
    if page is None:
        from geo_outreach.data.place import country_of_zone, paper_size

        country = country_of_zone(timezone)
        page = paper_size(country) if country else "letter"
    with using(lang):
        return _write_packet(
            p, out_dir, worker=worker, day=day, week_of=week_of, timezone=timezone,
            roads=roads, attribution=attribution, page=page, html=html, lang=lang,
        )  # fmt: skip


def _write_packet(
    p: Plan,
    out_dir: str | Path,
    *,
    worker: str,
    day: str,
    week_of: dt.date | None,
    timezone: str,
    roads: gpd.GeoDataFrame | None,
    attribution: str,
    page: str,
    html: bool,
    lang: str,
) -> Packet:
    attribution = gettext(attribution) if attribution else attribution
    stops, lines = day_stops(p, worker, day)
    # "next week" as the team counts it: in the plan's zone, not the machine's
    date = packet_date(day, week_of, today=dt.datetime.now(_zone(timezone)).date())
    worker_id = str(stops["worker_id"].iloc[0])
    names = [n for n in stops["worker_name"] if n]
    who = names[0] if names else worker_id  # people read the worker's name
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{_safe(worker_id)}_{date.isoformat()}"
    pdf_path = out / f"{stem}.pdf"
    # render everything first, then write each file aside and rename it in: an error or an
    # interrupt leaves the previous packet or none, never a cut file
    files: dict[Path, bytes] = {
        pdf_path: route_sheet_pdf(
            stops,
            date=date,
            worker=who,
            route_lines=lines,
            roads=roads,
            attribution=attribution,
            page=page,
            timezone=timezone,
        )
    }
    gpx_path = out / f"{stem}.gpx"
    files[gpx_path] = to_gpx(
        stops, date=date, timezone=timezone, route_lines=lines, name=f"{who} {date.isoformat()}"
    ).encode("utf-8")
    ics_path = out / f"{stem}.ics"
    files[ics_path] = to_ics(stops, date=date, timezone=timezone, worker=who)
    html_path = None
    if html:
        html_path = out / f"{stem}.html"
        files[html_path] = day_map_html(
            stops,
            route_lines=lines,
            roads=roads,
            attribution=attribution,
            title=f"{who}: {format_date(date, form=gettext('EEEE dd MMMM y'))}",
        ).encode("utf-8")
    for path, data in files.items():
        with atomic_file(path) as tmp:
            tmp.write_bytes(data)
    summary = {
        "worker_id": worker_id,
        "day": str(stops["day"].iloc[0]),
        "date": date.isoformat(),
        "timezone": timezone,
        "lang": lang,
        "page": page,
        "visits": len(_visits(stops)),
        "files": [str(x.name) for x in (pdf_path, gpx_path, ics_path, html_path) if x],
    }
    logger.info("packet %s", json.dumps(summary))
    return Packet(date=date, stops=stops, pdf=pdf_path, gpx=gpx_path, ics=ics_path, html=html_path)
