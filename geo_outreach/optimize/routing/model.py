"""Data model of the routing problem: visits, workers, travel matrices, horizon.

Everything here is plain data.  :class:`ProblemBuilder` collects visits, workers
and per-mode duration matrices, validates them and produces an immutable
:class:`Problem` that :func:`geo_outreach.optimize.routing.solve.solve`,
the checker and the diagnosis all read.

Conventions
-----------
* Times inside a day are integer seconds since midnight (``08:30`` -> 30600).
* A :class:`Window` bounds the **start** of service (the CSV reader converts
  "the visit happens between 10:00 and 14:00" into a start window by subtracting
  the service duration from the closing time).
* A horizon is a tuple of unique weekday codes (``Mon`` ... ``Sun``), one entry per
  planned day, in order; at most one week.
* Travel durations are integer seconds between **location ids** (strings), one
  matrix per travel mode (``drive``, ``walk``...).  A missing pair is "unreachable".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from geo_outreach.domain import WEEKDAYS
from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = [
    "DAY_S",
    "DEFAULT_BREAK_AFTER_S",
    "DEFAULT_BREAK_WINDOW_S",
    "WEEKDAYS",
    "BreakRule",
    "Problem",
    "ProblemBuilder",
    "TravelMatrix",
    "Visit",
    "Window",
    "Worker",
    "format_clock",
    "format_duration",
    "parse_clock",
]

DAY_S = 86_400
_SKILL_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CLOCK_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock(text: str, *, source: str = "time") -> int:
    """Parse ``HH:MM`` into seconds since midnight (``24:00`` allowed).

    Raises
    ------
    InputError
        When the text is not a valid clock time.
    """
    m = _CLOCK_RE.match(str(text))
    if not m:
        raise InputError(
            _("{source}: {text} is not a time like 08:30").format(source=source, text=repr(text)),
            source=source,
        )
    h, mi = int(m.group(1)), int(m.group(2))
    if mi >= 60 or h > 24 or (h == 24 and mi):
        raise InputError(
            _("{source}: {text} is not a valid time of day").format(source=source, text=repr(text)),
            source=source,
        )
    return h * 3600 + mi * 60


def format_clock(t_s: int) -> str:
    """Seconds since midnight -> ``HH:MM`` (minutes rounded down)."""
    t = int(t_s)
    return f"{t // 3600:02d}:{(t % 3600) // 60:02d}"


def format_duration(d_s: int) -> str:
    """Seconds -> ``7h50`` / ``45 min``."""
    d = round(d_s / 60)
    if d < 60:
        return f"{d} min"
    return f"{d // 60}h{d % 60:02d}"


def _check_weekdays(days: Iterable[str], source: str) -> frozenset[str]:
    out = frozenset(days)
    bad = sorted(out - set(WEEKDAYS))
    if bad:
        raise InputError(
            _("{source}: unknown weekday(s) {days}; use {weekdays}").format(
                source=source, days=bad, weekdays=", ".join(WEEKDAYS)
            ),
            source=source,
        )
    return out


@dataclass(frozen=True)
class Window:
    """A window for the **start** of service, on some weekdays (``None`` = every day).

    Parameters
    ----------
    start_s, end_s
        Earliest and latest service start, seconds since midnight.
    weekdays
        Weekday codes on which the window applies; ``None`` means every day.
    """

    start_s: int
    end_s: int
    weekdays: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.start_s <= self.end_s <= 2 * DAY_S):
            raise InputError(
                _(
                    "time window {start}-{end} ends "
                    "before it starts (or is outside the day); write it as HH:MM-HH:MM with the "
                    "earlier time first"
                ).format(start=format_clock(self.start_s), end=format_clock(self.end_s)),
                source="windows",
            )
        if self.weekdays is not None:
            object.__setattr__(self, "weekdays", _check_weekdays(self.weekdays, "windows"))

    def applies(self, weekday: str) -> bool:
        """Whether the window is open on ``weekday``."""
        return self.weekdays is None or weekday in self.weekdays

    def describe(self) -> str:
        """``Tue/Thu 10:00-14:00`` (start window)."""
        days = "" if self.weekdays is None else "/".join(d for d in WEEKDAYS if d in self.weekdays)
        span = f"{format_clock(self.start_s)}-{format_clock(self.end_s)}"
        return f"{days} {span}".strip()


@dataclass(frozen=True)
class Visit:
    """A place to visit.

    Parameters
    ----------
    visit_id
        Stable string id.
    location_id
        Id of the place in the travel matrices.
    duration_s
        Service duration in seconds (>= 0).
    windows
        Start windows; empty means "any time within the shift".
    required
        Required visits must be planned; optional ones are planned when their
        ``value`` is worth the detour.
    value
        Value of an optional visit, in minutes of travel the planner may spend to
        include it (ignored for required visits).
    skills
        Skills the worker needs (all of them): language codes (``es``) or
        qualifications (``nurse``).
    frequency
        Number of visits over the horizon (on distinct days).
    min_gap_days
        Minimum number of days between two visits of the same place.
    demand
        Units taken from the worker's capacity (0 = none).
    name
        Display name.
    previous_days
        Calendar days of visits already done before the horizon, counted from the
        Monday of the horizon's first week (``-3`` = the Friday before): every
        occurrence keeps ``min_gap_days`` from them.
    pinned_worker, pinned_day, pinned_order
        Fix the visit by hand: only this worker, only these days (weekday codes;
        one per occurrence at most), and its order among the pinned visits of its
        route (1 = first of them).  A pin that cannot be met leaves the visit
        unscheduled with the code ``pinned_infeasible``.
    household_id
        Visits of one household or client go to the same worker across the
        horizon when possible (soft).
    preferred_worker
        Worker to keep when possible (e.g. the one who last visited, from the
        visit log); soft.
    """

    visit_id: str
    location_id: str
    duration_s: int
    windows: tuple[Window, ...] = ()
    required: bool = True
    value: float = 0.0
    skills: frozenset[str] = frozenset()
    frequency: int = 1
    min_gap_days: int = 1
    demand: int = 0
    name: str = ""
    previous_days: tuple[int, ...] = ()
    pinned_worker: str | None = None
    pinned_day: frozenset[str] | None = None
    pinned_order: int | None = None
    household_id: str | None = None
    preferred_worker: str | None = None

    def __post_init__(self) -> None:
        vid = repr(self.visit_id)
        src = _("visit {id}").format(id=vid)  # where, in the messages people read
        object.__setattr__(self, "previous_days", tuple(int(x) for x in self.previous_days))
        if self.pinned_day is not None:
            object.__setattr__(
                self, "pinned_day", _check_weekdays(self.pinned_day, f"{src} pinned_day")
            )
            if not self.pinned_day:
                object.__setattr__(self, "pinned_day", None)
        if self.pinned_order is not None and int(self.pinned_order) < 1:
            raise InputError(
                _("visit {visit}: pinned_order must be 1 or more").format(visit=vid),
                source="pinned_order",
            )
        if not str(self.visit_id):
            raise InputError(
                _("a visit has an empty visit_id; give every visit an id"), source="visit_id"
            )
        if int(self.duration_s) < 0:
            raise InputError(
                _("visit {visit}: duration must be >= 0").format(visit=vid), source="duration_min"
            )
        object.__setattr__(self, "duration_s", int(self.duration_s))
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "skills", frozenset(self.skills))
        for s in self.skills:
            if not _SKILL_RE.match(s):
                raise InputError(
                    _(
                        "visit {visit}: skill code {skill} must be lower-case letters/digits "
                        "like 'es' or 'nurse'"
                    ).format(visit=vid, skill=repr(s)),
                    source="skills",
                )
        if int(self.frequency) < 1:
            raise InputError(
                _("visit {visit}: frequency must be at least 1").format(visit=vid),
                source="frequency",
            )
        if int(self.min_gap_days) < 1:
            raise InputError(
                _("visit {visit}: min_gap_days must be at least 1").format(visit=vid),
                source="min_gap_days",
            )
        if not math.isfinite(self.value) or self.value < 0:
            raise InputError(
                _("visit {visit}: value must be a non-negative number").format(visit=vid),
                source="priority",
            )
        if int(self.demand) < 0:
            raise InputError(
                _("visit {visit}: demand must be >= 0").format(visit=vid), source="demand"
            )
        by_day = {
            d: (
                (Window(0, 2 * DAY_S),)
                if not self.windows
                else tuple(
                    sorted((w for w in self.windows if w.applies(d)), key=lambda w: w.start_s)
                )
            )
            for d in WEEKDAYS
        }
        object.__setattr__(self, "_by_day", by_day)

    def windows_on(self, weekday: str) -> tuple[Window, ...]:
        """Start windows valid on ``weekday`` (all-day window when none is given)."""
        return self._by_day[weekday]  # type: ignore[attr-defined]

    def describe_windows(self) -> str:
        """Human-readable windows, as visit times (start to end of service)."""
        if not self.windows:
            return "any time"
        parts = []
        for w in self.windows:
            days = "" if w.weekdays is None else "/".join(d for d in WEEKDAYS if d in w.weekdays)
            span = f"{format_clock(w.start_s)}-{format_clock(w.end_s + self.duration_s)}"
            parts.append(f"{days} {span}".strip())
        return "; ".join(parts)


DEFAULT_BREAK_AFTER_S = 6 * 3600
"""A break is owed only on a working day longer than this (6 h) unless a worker says otherwise."""
DEFAULT_BREAK_WINDOW_S = (3 * 3600, 5 * 3600)
"""Default break start window: 3 to 5 hours into the shift."""


@dataclass(frozen=True)
class BreakRule:
    """A break of ``duration_s`` owed on a working day longer than ``after_work_s``.

    Parameters
    ----------
    duration_s
        Length of the break.
    earliest_s, latest_s
        The break is taken entirely inside ``[earliest_s, latest_s]`` (seconds since
        midnight); with ``relative=True`` these are offsets from the shift start.
    after_work_s
        The break is owed only when the working day (leave start -> back at the end,
        the break itself not counted) is longer than this.  Default 6 h.
    relative
        Whether ``earliest_s``/``latest_s`` count from the shift start
        (:meth:`default` gives "start 3 to 5 hours into the shift").

    Notes
    -----
    A break causes no idle time of its own: it starts as soon as the worker is free
    (right after a visit, never at the start of the route) and the planner places it
    where it costs least.
    """

    duration_s: int
    earliest_s: int
    latest_s: int
    after_work_s: int = DEFAULT_BREAK_AFTER_S
    relative: bool = False

    def __post_init__(self) -> None:
        if self.duration_s <= 0 or self.latest_s - self.earliest_s < self.duration_s:
            raise InputError(
                _(
                    "break of {duration} does not fit between "
                    "{earliest} and {latest}; "
                    "write it like 30@11:30-13:30"
                ).format(
                    duration=format_duration(self.duration_s),
                    earliest=format_clock(self.earliest_s),
                    latest=format_clock(self.latest_s),
                ),
                source="break",
            )
        if self.after_work_s < 0:
            raise InputError(_("break_after_h must be >= 0"), source="break_after_h")

    @classmethod
    def default(cls, duration_s: int, *, after_work_s: int = DEFAULT_BREAK_AFTER_S) -> BreakRule:
        """A break starting 3 to 5 hours into the shift (:data:`DEFAULT_BREAK_WINDOW_S`)."""
        a, b = DEFAULT_BREAK_WINDOW_S
        return cls(int(duration_s), a, b + int(duration_s), after_work_s, relative=True)

    def window_on(self, shift_start_s: int) -> tuple[int, int]:
        """``(earliest, latest)`` seconds since midnight for a shift starting then."""
        off = int(shift_start_s) if self.relative else 0
        return self.earliest_s + off, self.latest_s + off

    def describe(self) -> str:
        """``30 min between 11:30 and 13:30`` (or ``... 3h00-5h30 into the shift``)."""
        if self.relative:
            where = (
                f"starting {format_duration(self.earliest_s)} to "
                f"{format_duration(self.latest_s - self.duration_s)} into the shift"
            )
        else:
            where = f"between {format_clock(self.earliest_s)} and {format_clock(self.latest_s)}"
        return (
            f"{format_duration(self.duration_s)} {where}, "
            f"owed after {format_duration(self.after_work_s)} of work"
        )


@dataclass(frozen=True)
class Worker:
    """A worker or vehicle (one route per working day).

    Parameters
    ----------
    worker_id
        Stable string id.
    start_location_id, end_location_id
        Where each day starts and ends (depot or home).
    shifts
        Weekday code -> (start_s, end_s) of the shift that day.
    mode
        Travel mode; the problem must hold a matrix for it.
    skills
        Skills held.
    break_rule
        Lunch break, or ``None``.  A break is owed on a day when the shift covers
        the break window long enough (:meth:`break_due`) and the working day is
        longer than ``break_rule.after_work_s``.
    max_work_s
        Longest route (leave start -> arrive end, waiting and break included);
        ``None`` = shift length.
    capacity
        Total demand one route may carry; ``None`` = unlimited.
    name
        Display name.
    """

    worker_id: str
    start_location_id: str
    end_location_id: str
    shifts: Mapping[str, tuple[int, int]]
    mode: str = "drive"
    skills: frozenset[str] = frozenset()
    break_rule: BreakRule | None = None
    max_work_s: int | None = None
    capacity: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        wid = repr(self.worker_id)
        src = _("worker {id}").format(id=wid)  # where, in the messages people read
        if not str(self.worker_id):
            raise InputError(_("a worker has an empty worker_id"), source="worker_id")
        shifts = {}
        for day, (a, b) in dict(self.shifts).items():
            _check_weekdays([day], f"{src} shift")
            if not (0 <= a < b <= DAY_S):
                raise InputError(
                    _(
                        "worker {worker}: shift on {day} {start}-{end} ends before it "
                        "starts; shifts must lie within one day"
                    ).format(worker=wid, day=day, start=format_clock(a), end=format_clock(b)),
                    source="shift",
                )
            shifts[day] = (int(a), int(b))
        if not shifts:
            raise InputError(
                _("worker {worker} has no shift; give a shift like 'Mon-Fri 08:30-17:00'").format(
                    worker=wid
                ),
                source="shift",
            )
        object.__setattr__(self, "shifts", MappingProxyType(shifts))
        object.__setattr__(self, "skills", frozenset(self.skills))
        if self.max_work_s is not None and self.max_work_s <= 0:
            raise InputError(
                _("worker {worker}: max_work_h must be positive").format(worker=wid),
                source="max_work_h",
            )
        if self.capacity is not None and self.capacity < 0:
            raise InputError(
                _("worker {worker}: capacity must be >= 0").format(worker=wid), source="capacity"
            )

    def max_work_on(self, weekday: str) -> int:
        """Longest route allowed on ``weekday`` (0 when not working)."""
        if weekday not in self.shifts:
            return 0
        a, b = self.shifts[weekday]
        return min(b - a, self.max_work_s) if self.max_work_s is not None else b - a

    def break_due(self, weekday: str) -> bool:
        """Whether the shift that day covers enough of the break window to take it.

        The break is then owed when the working day is longer than
        ``break_rule.after_work_s``.
        """
        if self.break_rule is None or weekday not in self.shifts:
            return False
        a, b = self.shifts[weekday]
        br = self.break_rule
        lo, hi = br.window_on(a)
        return min(b, hi) - max(a, lo) >= br.duration_s

    def break_window_on(self, weekday: str) -> tuple[int, int] | None:
        """``(earliest, latest)`` of the break on ``weekday`` (seconds since midnight)."""
        if self.break_rule is None or weekday not in self.shifts:
            return None
        return self.break_rule.window_on(self.shifts[weekday][0])


@dataclass(frozen=True)
class TravelMatrix:
    """Integer travel durations (seconds) between location ids for one mode.

    ``durations_s[i, j] < 0`` marks an unreachable pair.
    """

    location_ids: tuple[str, ...]
    durations_s: np.ndarray

    def __post_init__(self) -> None:
        ids = tuple(str(x) for x in self.location_ids)
        arr = np.asarray(self.durations_s)
        if arr.ndim != 2 or arr.shape != (len(ids), len(ids)):
            raise InputError(
                _(
                    "travel matrix must be square with one row per location id "
                    "({ids}), got shape {shape}"
                ).format(ids=len(ids), shape=arr.shape),
                source="matrix",
            )
        if len(set(ids)) != len(ids):
            raise InputError(_("travel matrix has duplicate location ids"), source="matrix")
        if arr.dtype.kind == "f":
            arr = np.where(np.isfinite(arr), np.ceil(arr), -1)
        arr = arr.astype(np.int64).copy()
        arr.setflags(write=False)
        object.__setattr__(self, "location_ids", ids)
        object.__setattr__(self, "durations_s", arr)
        object.__setattr__(self, "_index", {x: i for i, x in enumerate(ids)})

    def index(self, location_id: str) -> int | None:
        """Row of ``location_id`` or ``None``."""
        return self._index.get(location_id)  # type: ignore[attr-defined]

    def __contains__(self, location_id: object) -> bool:
        return location_id in self._index  # type: ignore[attr-defined]

    def get(self, frm: str, to: str) -> int | None:
        """Duration in seconds, or ``None`` when unreachable / unknown."""
        i, j = self.index(frm), self.index(to)
        if i is None or j is None:
            return None
        v = int(self.durations_s[i, j])
        return None if v < 0 else v

    @classmethod
    def from_od(
        cls,
        od: object,
        *,
        time_col: str = "travel_time_s",
        location_ids: Sequence[str] | None = None,
    ) -> TravelMatrix:
        """Build from the shared long OD table (``origin_id, dest_id, travel_time_s``).

        Seconds are rounded up to integers; absent pairs are unreachable; the
        diagonal is 0.
        """
        import pandas as pd

        df = pd.DataFrame(od)
        for c in ("origin_id", "dest_id", time_col):
            if c not in df.columns:
                raise InputError(
                    _("OD table lacks column {column}").format(column=repr(c)), source=c
                )
        o = df["origin_id"].astype(str).to_numpy()
        d = df["dest_id"].astype(str).to_numpy()
        ids = list(location_ids) if location_ids is not None else sorted(set(o) | set(d))
        pos = {x: i for i, x in enumerate(ids)}
        arr = np.full((len(ids), len(ids)), -1, dtype=np.int64)
        np.fill_diagonal(arr, 0)
        t = np.ceil(df[time_col].to_numpy(dtype=float)).astype(np.int64)
        keep = np.array([a in pos and b in pos for a, b in zip(o, d, strict=True)], dtype=bool)
        ii = np.array([pos[a] for a in o[keep]], dtype=np.int64)
        jj = np.array([pos[b] for b in d[keep]], dtype=np.int64)
        arr[ii, jj] = t[keep]
        np.fill_diagonal(arr, 0)
        return cls(tuple(ids), arr)


@dataclass(frozen=True)
class Problem:
    """Immutable routing problem.  Build it with :class:`ProblemBuilder`."""

    days: tuple[str, ...]
    visits: tuple[Visit, ...]
    workers: tuple[Worker, ...]
    matrices: Mapping[str, TravelMatrix]
    visit_by_id: Mapping[str, Visit] = field(repr=False, compare=False)
    worker_by_id: Mapping[str, Worker] = field(repr=False, compare=False)

    def calendar_day(self, day: str) -> int:
        """Calendar day number of a horizon day, counted from the Monday of the
        first day's week: with ``("Thu", "Fri", "Mon")`` -> 3, 4, 7 (Fri to Mon = 3)."""
        return self._calendar[day]  # type: ignore[attr-defined]

    def __post_init__(self) -> None:
        cal: dict[str, int] = {}
        prev = None
        for d in self.days:
            i = WEEKDAYS.index(d)
            if prev is None:
                c = i
            else:
                step = (i - WEEKDAYS.index(self.days[len(cal) - 1])) % 7
                c = prev + step
            cal[d] = c
            prev = c
        object.__setattr__(self, "_calendar", MappingProxyType(cal))

    def travel(self, mode: str, frm: str, to: str) -> int | None:
        """Travel seconds by ``mode`` or ``None`` when unreachable."""
        if frm == to:
            return 0
        m = self.matrices.get(mode)
        return None if m is None else m.get(frm, to)


class ProblemBuilder:
    """Collects visits, workers and matrices, then :meth:`build` validates them.

    Examples
    --------
    >>> b = ProblemBuilder(days=("Mon",))
    >>> b.add_matrix("drive", TravelMatrix(("depot", "a"), np.array([[0, 600], [600, 0]])))
    >>> b.add_worker(Worker("w1", "depot", "depot", {"Mon": (30600, 61200)}))
    >>> b.add_visit(Visit("v1", "a", 1800))
    >>> problem = b.build()
    """

    def __init__(self, *, days: Sequence[str] = ("Mon",)) -> None:
        days = tuple(days)
        if not days:
            raise InputError(_("the horizon has no day; give at least one weekday"), source="days")
        _check_weekdays(days, "horizon")
        if len(set(days)) != len(days):
            raise InputError(
                _("horizon days must be unique weekday codes (one week at most)"), source="days"
            )
        self._days = days
        self._visits: dict[str, Visit] = {}
        self._workers: dict[str, Worker] = {}
        self._matrices: dict[str, TravelMatrix] = {}

    def add_visit(self, visit: Visit) -> None:
        """Add a visit (ids must be unique)."""
        if visit.visit_id in self._visits:
            raise InputError(
                _("duplicate visit_id {visit}").format(visit=repr(visit.visit_id)),
                source="visit_id",
            )
        self._visits[visit.visit_id] = visit

    def add_worker(self, worker: Worker) -> None:
        """Add a worker (ids must be unique)."""
        if worker.worker_id in self._workers:
            raise InputError(
                _("duplicate worker_id {worker}").format(worker=repr(worker.worker_id)),
                source="worker_id",
            )
        self._workers[worker.worker_id] = worker

    def add_matrix(self, mode: str, matrix: TravelMatrix) -> None:
        """Set the duration matrix of travel ``mode``."""
        self._matrices[str(mode)] = matrix

    def build(self) -> Problem:
        """Validate and freeze.

        Raises
        ------
        InputError
            No worker, a worker mode without a matrix, or a worker whose start or
            end location is not in its mode's matrix.
        """
        if not self._workers:
            raise InputError(_("no worker given; add at least one worker"), source="workers")
        for w in self._workers.values():
            m = self._matrices.get(w.mode)
            if m is None:
                raise InputError(
                    _(
                        "worker {worker} travels by {mode} but no travel matrix was "
                        "given for that mode (have: {modes})"
                    ).format(
                        worker=repr(w.worker_id), mode=repr(w.mode), modes=sorted(self._matrices)
                    ),
                    source="mode",
                )
            for loc in (w.start_location_id, w.end_location_id):
                if loc not in m:
                    raise InputError(
                        _(
                            "worker {worker}: start/end location {location} is not on the "
                            "{mode} network (no matrix entry)"
                        ).format(worker=repr(w.worker_id), location=repr(loc), mode=w.mode),
                        source="start/end",
                    )
        for v in self._visits.values():
            for what, wid in (
                ("pinned_worker", v.pinned_worker),
                ("preferred_worker", v.preferred_worker),
            ):
                if wid is not None and wid not in self._workers:
                    raise InputError(
                        _(
                            "visit {visit}: {column} {worker} is not a worker (have: {workers})"
                        ).format(
                            visit=repr(v.visit_id),
                            column=what,
                            worker=repr(wid),
                            workers=", ".join(sorted(self._workers)[:8]),
                        ),
                        source=what,
                    )
        return Problem(
            days=self._days,
            visits=tuple(self._visits.values()),
            workers=tuple(self._workers.values()),
            matrices=MappingProxyType(dict(self._matrices)),
            visit_by_id=MappingProxyType(dict(self._visits)),
            worker_by_id=MappingProxyType(dict(self._workers)),
        )
