"""Plan data (stops, routes) and the exact route timer shared by solve and diagnosis.

:func:`schedule_route` turns an ordered list of visits for one worker and day into
timed stops with the exact travel times of the worker's mode, placing the break
where it costs least (the break is taken at the place of the stop before it, or at
the start location).  It is the single source of the timings users see.  The
independent checker (:mod:`.checker`) does not use it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Problem, Visit, Worker, format_clock, format_duration

__all__ = ["Route", "Stop", "schedule_route"]


@dataclass(frozen=True)
class Stop:
    """One stop of a route (a visit or the break).

    All times are seconds since midnight of the route's day.  ``travel_s`` is the
    travel from the previous stop (or the start) to this stop's location.
    """

    kind: str  # "visit" | "break"
    visit_id: str | None
    occurrence: int
    location_id: str
    travel_s: int
    arrival_s: int
    start_s: int
    end_s: int
    departure_s: int
    frozen: bool = False

    @property
    def wait_s(self) -> int:
        """Waiting before the start (arrival early)."""
        return self.start_s - self.arrival_s

    def describe(self) -> str:
        """``10:05-10:50 v12`` style one-liner."""
        what = "break" if self.kind == "break" else self.visit_id
        return f"{format_clock(self.start_s)}-{format_clock(self.end_s)} {what}"


@dataclass(frozen=True)
class Route:
    """The ordered stops of one worker on one day.

    ``start_s`` is the departure from the start location, ``end_s`` the arrival at
    the end location.  A route re-planned during the day lists its frozen (done)
    stops first; ``resume_location_id`` / ``resume_s`` then give where and when the
    re-optimised part starts.
    """

    worker_id: str
    day: str
    start_location_id: str
    end_location_id: str
    start_s: int
    end_s: int
    end_travel_s: int
    stops: tuple[Stop, ...]
    resume_location_id: str | None = None
    resume_s: int | None = None

    @property
    def visit_stops(self) -> tuple[Stop, ...]:
        """Stops that are visits."""
        return tuple(s for s in self.stops if s.kind == "visit")

    @property
    def travel_s(self) -> int:
        """Total travel (including the way back to the end)."""
        return sum(s.travel_s for s in self.stops if not s.frozen) + self.end_travel_s

    @property
    def service_s(self) -> int:
        """Total time spent on visits."""
        return sum(s.end_s - s.start_s for s in self.stops if s.kind == "visit")

    @property
    def break_s(self) -> int:
        """Break time."""
        return sum(s.end_s - s.start_s for s in self.stops if s.kind == "break")

    @property
    def wait_s(self) -> int:
        """Waiting time."""
        return sum(s.wait_s for s in self.stops if not s.frozen)

    @property
    def duration_s(self) -> int:
        """Leave start -> arrive end."""
        return self.end_s - self.start_s

    def describe(self) -> str:
        """Short multi-line text of the route."""
        head = (
            f"{self.worker_id} {self.day} {format_clock(self.start_s)}-{format_clock(self.end_s)} "
            f"({format_duration(self.duration_s)}, travel {format_duration(self.travel_s)})"
        )
        return "\n".join([head] + ["  " + s.describe() for s in self.stops])


def _window_start(visit: Visit, weekday: str, arrival: int) -> int | None:
    for w in visit.windows_on(weekday):
        if w.end_s >= arrival:
            return max(arrival, w.start_s)
    return None


def schedule_route(
    problem: Problem,
    worker: Worker,
    day: str,
    visits: Sequence[tuple[Visit, int]],
    *,
    start_location_id: str | None = None,
    earliest_start_s: int | None = None,
    break_due: bool | None = None,
) -> tuple[Route | None, str]:
    """Time an ordered visit sequence exactly; place the break at its best position.

    Parameters
    ----------
    problem
        The problem (for travel times).
    worker, day
        Who and which weekday (must be one of the worker's shift days).
    visits
        ``(visit, occurrence)`` in visiting order.
    start_location_id, earliest_start_s
        Override the start place and earliest departure (re-planning).
    break_due
        Override whether a break may be owed that day (default:
        ``worker.break_due(day)``).  It is owed only when the working day without it
        is longer than ``worker.break_rule.after_work_s``; it then starts the moment
        the worker is free after a visit (no idle wait, never first on the route)
        inside its window, at the position that gives the shortest day.

    Returns
    -------
    tuple
        ``(route, "")`` when feasible, else ``(None, reason)`` where reason names
        the first constraint that fails ("window", "shift", "max_work", "break",
        "capacity", "unreachable", "skills").
    """
    if day not in worker.shifts:
        return None, "shift"
    a, b = worker.shifts[day]
    t0 = a if earliest_start_s is None else max(a, earliest_start_s)
    start = worker.start_location_id if start_location_id is None else start_location_id
    end = worker.end_location_id
    if any(not v.skills <= worker.skills for v, _ in visits):
        return None, "skills"
    if worker.capacity is not None and sum(v.demand for v, _ in visits) > worker.capacity:
        return None, "capacity"
    locs = [start] + [v.location_id for v, _ in visits] + [end]
    legs = []
    for x, y in itertools.pairwise(locs):
        t = problem.travel(worker.mode, x, y)
        if t is None:
            return None, "unreachable"
        legs.append(t)
    n = len(visits)
    resumed = start_location_id is not None
    can_break = worker.break_due(day) if break_due is None else bool(break_due)
    br = worker.break_rule
    bwin = worker.break_window_on(day)
    max_work = worker.max_work_on(day)

    def simulate(pos: int | None, depart: int) -> tuple[list[Stop], int, int] | str:
        t = depart
        cur = start
        stops: list[Stop] = []
        for i in range(n + 1):
            if pos == i and br is not None and bwin is not None:
                # no idle time of its own: it starts the moment the worker is free,
                # or later only when the next visit would wait that long anyway
                bs = max(t, bwin[0])
                if bs + br.duration_s > bwin[1]:
                    return "break"
                if bs > t:
                    if i >= n:
                        return "break"
                    nv = visits[i][0]
                    now = _window_start(nv, day, t + br.duration_s + legs[i])
                    late = _window_start(nv, day, bs + br.duration_s + legs[i])
                    if now is None or late != now:
                        return "break"
                be = bs + br.duration_s
                stops.append(Stop("break", None, 0, cur, 0, t, bs, be, be))
                t = be
            arr = t + legs[i]
            if i < n:
                v, occ = visits[i]
                s = _window_start(v, day, arr)
                if s is None:
                    return "window"
                e = s + v.duration_s
                stops.append(Stop("visit", v.visit_id, occ, v.location_id, legs[i], arr, s, e, e))
                t = e
                cur = v.location_id
            else:
                if arr > b:
                    return "shift"
                return stops, depart, arr
        raise AssertionError("unreachable")

    def timed(pos: int | None) -> list[tuple[list[Stop], int, int]] | str:
        """The schedule leaving at the shift start and the one delayed to avoid waiting."""
        res = simulate(pos, t0)
        if isinstance(res, str):
            return res
        out = [res]
        stops = res[0]
        if stops:
            delay = stops[0].start_s - stops[0].arrival_s
            if delay > 0:
                res2 = simulate(pos, t0 + delay)
                if not isinstance(res2, str):
                    out.insert(0, res2)
        return out

    first = timed(None)
    if isinstance(first, str):
        return None, first
    best: tuple[list[Stop], int, int] | None = None
    fail = "max_work"
    owed = (
        can_break
        and br is not None
        and bwin is not None
        and (n > 0 or resumed)
        and any(arr - dep > br.after_work_s for _, dep, arr in first)
    )
    if not owed or br is None or bwin is None:
        cands = first
    else:
        # short enough without a break?  then no break is owed
        cands = [c for c in first if c[2] - c[1] <= br.after_work_s]
        if not cands:
            fail = "break"
            # a route never starts with its break (unless it resumes after done stops)
            for pos in range(0 if resumed else 1, n + 1):
                res = timed(pos)
                if not isinstance(res, str):
                    cands.extend(res)
                # or leave later so that the break begins as its window opens
                dep = t0
                for _ in range(4):
                    plain = simulate(None, dep)
                    if isinstance(plain, str):
                        break
                    free = plain[0][pos - 1].departure_s if pos > 0 else dep
                    if free >= bwin[0]:
                        break
                    dep += bwin[0] - free
                if dep > t0:
                    late = simulate(pos, dep)
                    if not isinstance(late, str):
                        cands.append(late)
    for stops, dep, arr in cands:
        if arr - dep > max_work:
            fail = "max_work"
            continue
        if best is None or (arr - dep, arr) < (best[2] - best[1], best[2]):
            best = (stops, dep, arr)
    if best is None:
        return None, fail
    stops, dep, arr = best
    route = Route(
        worker_id=worker.worker_id,
        day=day,
        start_location_id=start,
        end_location_id=end,
        start_s=dep,
        end_s=arr,
        end_travel_s=legs[-1],
        stops=tuple(stops),
    )
    return route, ""
