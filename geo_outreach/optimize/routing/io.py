"""CSV readers for visits and workers, and a straight-line travel matrix.

Columns are documented in ``docs/routing.md``.  Coordinates become location ids
``pt:<lon>,<lat>`` (5 decimals, so two rows at the same place share an id); a
``location_id`` column is used as is.  :func:`read_visits_csv` and
:func:`read_workers_csv` return the model objects plus a table of the locations
(``location_id, lon, lat``) that the network layer turns into a duration matrix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

from .model import (
    DEFAULT_BREAK_AFTER_S,
    WEEKDAYS,
    BreakRule,
    TravelMatrix,
    Visit,
    Window,
    Worker,
    parse_clock,
)

__all__ = [
    "KNOWN_SKILLS",
    "parse_days",
    "parse_windows",
    "pin_table",
    "read_visits_csv",
    "read_workers_csv",
    "straight_line_matrix",
]

#: ISO 639-1 language codes common in US/European outreach, and qualifications.
LANGUAGES = frozenset(
    [
        "en",
        "es",
        "vi",
        "ru",
        "zh",
        "ko",
        "tl",
        "ar",
        "fr",
        "de",
        "it",
        "pt",
        "pl",
        "uk",
        "ro",
        "so",
        "am",
        "ti",
        "om",
        "fa",
        "ur",
        "hi",
        "bn",
        "pa",
        "ja",
        "km",
        "lo",
        "my",
        "ne",
        "hmn",
        "ht",
        "sw",
        "sv",
        "fi",
        "no",
        "da",
        "nl",
        "tr",
        "el",
        "he",
        "hy",
        "ka",
        "sq",
        "sr",
        "hr",
        "bs",
        "mk",
        "bg",
        "cs",
        "sk",
        "hu",
        "lt",
        "lv",
        "et",
        "asl",
    ]
)
QUALIFICATIONS = frozenset(
    [
        "nurse",
        "doctor",
        "pharmacist",
        "social_worker",
        "case_manager",
        "peer_support",
        "benefits",
        "enrollment",
        "mental_health",
        "counselor",
        "interpreter",
        "driver",
        "cdl",
        "paramedic",
        "dentist",
        "harm_reduction",
    ]
)
KNOWN_SKILLS = LANGUAGES | QUALIFICATIONS

_DAY_ALIASES = {d.lower(): d for d in WEEKDAYS} | {
    "monday": "Mon",
    "tuesday": "Tue",
    "wednesday": "Wed",
    "thursday": "Thu",
    "friday": "Fri",
    "saturday": "Sat",
    "sunday": "Sun",
}
_SPAN_RE = re.compile(
    r"^\s*(?:(?P<days>[A-Za-z/,\- ]+?)\s+)?(?P<a>\d{1,2}:\d{2})\s*-\s*(?P<b>\d{1,2}:\d{2})\s*$"
)


def _day(tok: str, source: str) -> str:
    d = _DAY_ALIASES.get(tok.strip().lower())
    if d is None:
        raise InputError(
            _("{source}: unknown weekday {day}; use Mon..Sun").format(source=source, day=repr(tok)),
            source=source,
        )
    return d


def parse_days(text: str, *, source: str = "days") -> frozenset[str]:
    """``Mon-Fri``, ``Tue/Thu``, ``Mon,Wed`` -> set of weekday codes."""
    out: set[str] = set()
    for tok in re.split(r"[/,]", text):
        tok = tok.strip()
        if not tok:
            continue
        if "-" in tok:
            a, b = (_day(x, source) for x in tok.split("-", 1))
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            if j < i:
                raise InputError(
                    _("{source}: day range {days} runs backwards").format(
                        source=source, days=repr(tok)
                    ),
                    source=source,
                )
            out.update(WEEKDAYS[i : j + 1])
        else:
            out.add(_day(tok, source))
    if not out:
        raise InputError(
            _("{source}: no weekday in {text}").format(source=source, text=repr(text)),
            source=source,
        )
    return frozenset(out)


def _spans(text: str, source: str) -> list[tuple[frozenset[str] | None, int, int]]:
    out = []
    for part in str(text).split(";"):
        if not part.strip():
            continue
        m = _SPAN_RE.match(part)
        if not m:
            raise InputError(
                _("{source}: {text} is not like 'Tue/Thu 10:00-14:00' or '10:00-14:00'").format(
                    source=source, text=repr(part.strip())
                ),
                source=source,
            )
        days = parse_days(m.group("days"), source=source) if m.group("days") else None
        a = parse_clock(m.group("a"), source=source)
        b = parse_clock(m.group("b"), source=source)
        if b <= a:
            raise InputError(
                _("{source}: {text} ends before it starts; write the earlier time first").format(
                    source=source, text=repr(part.strip())
                ),
                source=source,
            )
        out.append((days, a, b))
    return out


def parse_windows(text: str, duration_s: int, *, source: str = "windows") -> tuple[Window, ...]:
    """Visit windows (when the visit takes place) -> service-start windows.

    ``"Tue/Thu 10:00-14:00;Fri 09:00-12:00"``; an empty text means any time.

    Raises
    ------
    InputError
        A window ending before it starts, or shorter than the visit.
    """
    out = []
    for days, a, b in _spans(text, source):
        if b - a < duration_s:
            raise InputError(
                _(
                    "{source}: window {window} is shorter than the visit "
                    "({minutes} min); widen it or shorten the visit"
                ).format(source=source, window=repr(text.strip()), minutes=duration_s // 60),
                source=source,
            )
        out.append(Window(a, b - duration_s, days))
    return tuple(out)


def _skills(text: object, source: str) -> frozenset[str]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return frozenset()
    out = frozenset(s.strip().lower() for s in re.split(r"[;,]", str(text)) if s.strip())
    bad = sorted(out - KNOWN_SKILLS)
    if bad:
        raise InputError(
            _(
                "{source}: unknown skill code(s) {codes}; use ISO 639-1 language codes "
                "(es, vi, ru...) or one of {qualifications}"
            ).format(source=source, codes=bad, qualifications=", ".join(sorted(QUALIFICATIONS))),
            source=source,
        )
    return out


def _read(src: str | Path | pd.DataFrame, source: str | None = None) -> tuple[pd.DataFrame, str]:
    """A CSV path or a table as all-text columns, and the name messages use."""
    if isinstance(src, pd.DataFrame):
        df = src.copy()
        for c in df.columns:
            df[c] = df[c].map(_text)
        name = source or "table"
    else:
        p = Path(src)
        if not p.exists():
            raise InputError(_("{path}: file not found").format(path=p), source=str(p))
        from geo_outreach.data.readers import read_csv_table

        df = read_csv_table(p, what="plan input", dtype=str, keep_default_na=False)
        name = source or p.name
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df, name


def _text(value: object) -> str:
    """Cell text of a table given in memory (NaN and None are empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: How a worker travels: the road network's modes.
WORKER_MODES: tuple[str, ...] = ("drive", "walk")


#: Location id of a visit given by its address only (``addr:1234 SE Main St``).
ADDRESS_PREFIX = "addr:"


def _loc_id(lon: float, lat: float) -> str:
    return f"pt:{lon:.5f},{lat:.5f}"


def _num(val: str, source: str, *, default: float | None = None) -> float:
    if val.strip() == "":
        if default is None:
            raise InputError(_("{source}: value missing").format(source=source), source=source)
        return default
    try:
        x = float(val)
    except ValueError as exc:
        raise InputError(
            _("{source}: {value} is not a number").format(source=source, value=repr(val)),
            source=source,
        ) from exc
    if not math.isfinite(x):
        raise InputError(
            _("{source}: {value} is not a finite number").format(source=source, value=repr(val)),
            source=source,
        )
    return x


def _location(row: pd.Series, prefix: str, src: str) -> tuple[str, float, float]:
    lid = row.get(f"{prefix}location_id", "").strip()
    lon_s, lat_s = row.get(f"{prefix}lon", "").strip(), row.get(f"{prefix}lat", "").strip()
    if lon_s and lat_s:
        lon, lat = _num(lon_s, f"{src} {prefix}lon"), _num(lat_s, f"{src} {prefix}lat")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            if -90 <= lon <= 90 and -180 <= lat <= 180:
                raise InputError(
                    _(
                        "{source}: {prefix}lon {lon} and {prefix}lat {lat} look swapped (latitude "
                        "must be within -90..90); exchange the two columns"
                    ).format(source=src, prefix=prefix, lon=lon, lat=lat),
                    source=src,
                    column=f"{prefix}lat",
                )
            raise InputError(
                _("{source}: coordinates ({lon}, {lat}) are not lon/lat").format(
                    source=src, lon=lon, lat=lat
                ),
                source=src,
            )
        return (lid or _loc_id(lon, lat)), lon, lat
    if lid:
        return lid, math.nan, math.nan
    address = row.get("address", "").strip() if not prefix else ""
    if address:  # placed later from the region's own address data (plan_on_region)
        return ADDRESS_PREFIX + address, math.nan, math.nan
    raise InputError(
        (
            _("{source}: give {prefix}lon and {prefix}lat, or {prefix}location_id")
            if prefix
            else _("{source}: give lon and lat, or location_id, or an address")
        ).format(source=src, prefix=prefix),
        source=src,
    )


def _last_visit(text: str, source: str) -> tuple[int, ...]:
    """``Fri`` (the Friday before the plan's week) or ``-3`` (calendar days from the
    plan week's Monday); several separated by ``;``."""
    out = []
    for tok in (t.strip() for t in str(text).split(";")):
        if not tok:
            continue
        if re.fullmatch(r"-?\d+", tok):
            out.append(int(tok))
        else:
            out.append(WEEKDAYS.index(_day(tok, source)) - 7)
    return tuple(out)


def read_visits_csv(
    path: str | Path | pd.DataFrame, *, source: str | None = None
) -> tuple[tuple[Visit, ...], pd.DataFrame]:
    """Read visits (a CSV path or a table); returns ``(visits, locations)``.

    ``source`` names the input in messages (default: the file name, or ``"table"``).

    Columns: ``visit_id, lon, lat`` (or ``location_id``, or only an ``address``: placed
    from the region's OSM addresses when planned on a region), ``duration_min``, and
    optional ``windows, priority, skills, frequency, min_gap_days, demand, name,
    address, notes``, ``last_visit`` (weekday of the previous week, or calendar days
    from this week's Monday like ``-3``), ``pinned_worker, pinned_day,
    pinned_order``, ``household_id``, ``preferred_worker``.
    """
    df, name = _read(path, source)
    for c in ("visit_id", "duration_min"):
        if c not in df.columns:
            raise InputError(
                _("{source}: missing column {column}").format(source=name, column=repr(c)),
                source=c,
            )
    visits, locs = [], []
    for i, row in df.iterrows():
        src = _("{file} row {row}").format(file=name, row=int(i) + 2)  # people read it
        vid = row["visit_id"].strip()
        if not vid:
            raise InputError(_("{source}: empty visit_id").format(source=src), source="visit_id")
        lid, lon, lat = _location(row, "", src)
        dur_min = _num(row["duration_min"], f"{src} duration_min")
        if dur_min <= 0:
            raise InputError(
                _("{source} duration_min: must be positive").format(source=src),
                source="duration_min",
            )
        dur = round(dur_min * 60)
        pr = row.get("priority", "").strip().lower()
        if pr in ("", "required", "req"):
            required, value = True, 0.0
        else:
            required, value = False, _num(pr, f"{src} priority")
            if value < 0:
                raise InputError(
                    _("{source} priority: use 'required' or a value >= 0").format(source=src),
                    source="priority",
                )
        visits.append(
            Visit(
                visit_id=vid,
                location_id=lid,
                duration_s=dur,
                windows=parse_windows(row.get("windows", ""), dur, source=f"{src} windows"),
                required=required,
                value=value,
                skills=_skills(row.get("skills", ""), f"{src} skills"),
                frequency=int(_num(row.get("frequency", ""), f"{src} frequency", default=1)),
                min_gap_days=int(
                    _num(row.get("min_gap_days", ""), f"{src} min_gap_days", default=1)
                ),
                demand=int(_num(row.get("demand", ""), f"{src} demand", default=0)),
                name=row.get("name", "").strip(),
                previous_days=_last_visit(row.get("last_visit", ""), f"{src} last_visit"),
                pinned_worker=row.get("pinned_worker", "").strip() or None,
                pinned_day=(
                    parse_days(pd_text, source=f"{src} pinned_day")
                    if (pd_text := row.get("pinned_day", "").strip())
                    else None
                ),
                pinned_order=(
                    int(_num(po, f"{src} pinned_order"))
                    if (po := row.get("pinned_order", "").strip())
                    else None
                ),
                household_id=row.get("household_id", "").strip() or None,
                preferred_worker=row.get("preferred_worker", "").strip() or None,
            )
        )
        locs.append({"location_id": lid, "lon": lon, "lat": lat, "kind": "visit"})
    return tuple(visits), pd.DataFrame(locs, columns=["location_id", "lon", "lat", "kind"])


def _parse_break(text: str, source: str, *, after_work_s: int) -> BreakRule | None:
    text = text.strip()
    if not text:
        return None
    m = re.match(r"^\s*(\d+)\s*$", text)
    if m:  # minutes only: start 3 to 5 hours into the shift
        if int(m.group(1)) <= 0:
            raise InputError(
                _("{source}: break length must be positive").format(source=source), source=source
            )
        return BreakRule.default(int(m.group(1)) * 60, after_work_s=after_work_s)
    m = re.match(r"^\s*(\d+)\s*@\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$", text)
    if not m:
        raise InputError(
            _(
                "{source}: {text} is not like '30@11:30-13:30' (or '30' for 30 minutes "
                "starting 3 to 5 hours into the shift)"
            ).format(source=source, text=repr(text)),
            source=source,
        )
    a, b = parse_clock(m.group(2), source=source), parse_clock(m.group(3), source=source)
    if b <= a:
        raise InputError(
            _("{source}: break window {window} ends before it starts").format(
                source=source, window=repr(text)
            ),
            source=source,
        )
    return BreakRule(int(m.group(1)) * 60, a, b, after_work_s)


def read_workers_csv(
    path: str | Path | pd.DataFrame, *, source: str | None = None
) -> tuple[tuple[Worker, ...], pd.DataFrame]:
    """Read workers (a CSV path or a table); returns ``(workers, locations)``.

    ``source`` names the input in messages (default: the file name, or ``"table"``).

    Columns: ``worker_id, start_lon, start_lat, end_lon, end_lat`` (or
    ``start_location_id, end_location_id``; missing end = start), ``shift`` like
    ``Mon-Fri 08:30-17:00`` (several separated by ``;``), and optional ``name, mode,
    skills, break`` (``30@11:30-13:30``, or ``30`` = 30 min starting 3-5 h into the
    shift), ``break_after_h`` (break owed only after this many hours of work,
    default 6), ``max_work_h, capacity``.
    """
    df, name = _read(path, source)
    for c in ("worker_id", "shift"):
        if c not in df.columns:
            raise InputError(
                _("{source}: missing column {column}").format(source=name, column=repr(c)),
                source=c,
            )
    workers, locs = [], []
    for i, row in df.iterrows():
        src = _("{file} row {row}").format(file=name, row=int(i) + 2)  # people read it
        wid = row["worker_id"].strip()
        s_id, s_lon, s_lat = _location(row, "start_", src)
        has_end = row.get("end_lon", "").strip() or row.get("end_location_id", "").strip()
        e_id, e_lon, e_lat = _location(row, "end_", src) if has_end else (s_id, s_lon, s_lat)
        shifts: dict[str, tuple[int, int]] = {}
        spans = _spans(row["shift"], f"{src} shift")
        if not spans:
            raise InputError(
                _(
                    "{source}: worker {worker} has no shift; write one like 'Mon-Fri 08:30-17:00'"
                ).format(source=src, worker=repr(wid)),
                source="shift",
            )
        for days, a, b in spans:
            for d in days if days is not None else WEEKDAYS[:5]:
                shifts[d] = (a, b)
        mw = row.get("max_work_h", "").strip()
        ba = row.get("break_after_h", "").strip()
        after_s = DEFAULT_BREAK_AFTER_S
        if ba:
            after_s = round(_num(ba, f"{src} break_after_h") * 3600)
            if after_s < 0:
                raise InputError(
                    _("{source} break_after_h: must be >= 0").format(source=src),
                    source="break_after_h",
                )
        cap = row.get("capacity", "").strip()
        mode = row.get("mode", "").strip().lower() or "drive"
        if mode not in WORKER_MODES:
            raise InputError(
                _(
                    "{source} mode: worker {worker} travels by {mode}; use one of "
                    "{modes} (the modes of the road network)"
                ).format(
                    source=src, worker=repr(wid), mode=repr(mode), modes=", ".join(WORKER_MODES)
                ),
                source=name,
                row=int(i) + 1,
                column="mode",
            )
        workers.append(
            Worker(
                worker_id=wid,
                start_location_id=s_id,
                end_location_id=e_id,
                shifts=shifts,
                mode=mode,
                skills=_skills(row.get("skills", ""), f"{src} skills"),
                break_rule=_parse_break(row.get("break", ""), f"{src} break", after_work_s=after_s),
                max_work_s=round(_num(mw, f"{src} max_work_h") * 3600) if mw else None,
                capacity=int(_num(cap, f"{src} capacity")) if cap else None,
                name=row.get("name", "").strip(),
            )
        )
        locs.append({"location_id": s_id, "lon": s_lon, "lat": s_lat, "kind": "start"})
        locs.append({"location_id": e_id, "lon": e_lon, "lat": e_lat, "kind": "end"})
    return tuple(workers), pd.DataFrame(locs, columns=["location_id", "lon", "lat", "kind"])


def straight_line_matrix(
    locations: pd.DataFrame, *, speed_m_s: float, detour: float = 1.3, fixed_s: int = 0
) -> TravelMatrix:
    """Travel times from great-circle distance x ``detour`` / ``speed_m_s`` (+ ``fixed_s``).

    A stand-in for the network travel-time engine (demos, tests, no OSM data).
    Locations without coordinates are left out (they are off the network).
    """
    if speed_m_s <= 0 or detour < 1:
        raise InputError(_("speed_m_s must be > 0 and detour >= 1"), source="speed_m_s")
    df = locations.dropna(subset=["lon", "lat"]).drop_duplicates("location_id")
    lon = np.radians(df["lon"].to_numpy(float))
    lat = np.radians(df["lat"].to_numpy(float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    dist_m = 2 * 6_371_000 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    t = np.ceil(dist_m * detour / speed_m_s).astype(np.int64) + fixed_s
    np.fill_diagonal(t, 0)
    return TravelMatrix(tuple(df["location_id"].astype(str)), t)


PIN_COLUMNS: tuple[str, ...] = ("pinned_worker", "pinned_day", "pinned_order")


def pin_table(
    visits: pd.DataFrame,
    stops: pd.DataFrame,
    visit_ids: Sequence[str] = (),
    *,
    routes: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """The visits table (all text) with chosen visits pinned where a plan put them.

    Parameters
    ----------
    visits
        The visits as given (one row per ``visit_id``, the visits CSV format).
    stops
        The plan's itinerary (``worker_id, day, seq, kind, visit_id``).
    visit_ids
        Visits to pin to the worker and day(s) of their planned stops: ``pinned_day``
        lists every planned day (``Mon/Wed``); ``pinned_worker`` is set when one worker
        does all of them (else left as it was).
    routes
        ``(worker_id, day)`` routes whose every visit is pinned to that worker and day,
        with ``pinned_order`` = the order in the route (for ``solve(locked=...)``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``visits`` with the columns of :data:`PIN_COLUMNS` (added when absent);
        rows not chosen keep their values.

    Raises
    ------
    InputError
        A visit the plan does not schedule, or a route it does not have.
    """
    out = visits.copy()
    for c in PIN_COLUMNS:
        if c not in out.columns:
            out[c] = ""
        out[c] = out[c].fillna("").astype(str)
    planned = stops[stops["kind"] == "visit"]
    idx = {
        str(v): i for i, v in zip(out.index, out["visit_id"].astype(str).str.strip(), strict=True)
    }
    for vid in dict.fromkeys(str(v) for v in visit_ids):
        rows = planned[planned["visit_id"].astype(str) == vid]
        if vid not in idx:
            raise InputError(
                _("visit {visit} is not in the visits table, so it cannot be pinned").format(
                    visit=repr(vid)
                ),
                parameter="visit_ids",
            )
        if rows.empty:
            raise InputError(
                _(
                    "visit {visit} is not planned, so it cannot be pinned where the plan put it"
                ).format(visit=repr(vid)),
                parameter="visit_ids",
            )
        days = list(dict.fromkeys(str(d) for d in rows["day"]))
        days.sort(key=lambda d: WEEKDAYS.index(d) if d in WEEKDAYS else 99)
        out.at[idx[vid], "pinned_day"] = "/".join(days)
        workers = set(rows["worker_id"].astype(str))
        if len(workers) == 1:
            out.at[idx[vid], "pinned_worker"] = workers.pop()
    for worker, day in routes:
        r = planned[
            (planned["worker_id"].astype(str) == worker) & (planned["day"].astype(str) == day)
        ]
        if r.empty:
            raise InputError(
                _("the plan has no route of {worker} on {day} with visits").format(
                    worker=worker, day=day
                ),
                parameter="routes",
            )
        for order, vid in enumerate(r.sort_values("seq")["visit_id"].astype(str), start=1):
            if vid in idx:
                out.at[idx[vid], "pinned_worker"] = worker
                out.at[idx[vid], "pinned_day"] = day
                out.at[idx[vid], "pinned_order"] = str(order)
    return out
