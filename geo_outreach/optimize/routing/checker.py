"""Independent checker: re-verifies any plan against the problem.

It shares no code with the solver or the route timer; it only reads the
:class:`~.model.Problem` and the routes' stops and recomputes every rule:

* travel: each arrival is no earlier than the previous departure plus the matrix
  travel time of the worker's mode (a missing entry is a violation), and the
  return to the end location likewise;
* stop times: ``arrival <= start``, ``end = start + duration`` for visits,
  ``end <= departure``, stops in time order;
* windows: the service start lies inside a window valid on that weekday;
* shift: the worker works that day, leaves no earlier than the shift start,
  arrives back no later than its end; route duration <= maximum working time;
* break: exactly one break of the right length inside the break window when one
  is owed (the route has visits, the shift covers the break window and the working
  day without the break is longer than the worker's ``after_work_s``); a break
  causes no idle time of its own (it starts when the worker is free, or later
  only when the next visit starts at its window opening anyway) and never comes
  before the first visit of a route;
* skills: the worker holds every skill the visit needs;
* capacity: the route's total demand <= capacity;
* frequency: a visit occurs at most ``frequency`` times, on distinct days at
  least ``min_gap_days`` apart; a worker has at most one route per day;
* coverage: every required visit occurrence is planned or listed as unscheduled.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import WEEKDAYS, Problem

__all__ = ["Violation", "check_plan"]


@dataclass(frozen=True)
class Violation:
    """One broken rule."""

    code: str
    message: str
    worker_id: str | None = None
    day: str | None = None
    visit_id: str | None = None


def _clock(t: int) -> str:
    return f"{t // 3600:02d}:{(t % 3600) // 60:02d}:{t % 60:02d}"


def _wait_absorbed(
    problem: Problem, mode: str, day: str, brk: object, rest: Sequence[object]
) -> bool:
    """A break that starts after the worker is free causes no idle time of its own
    only when the next visit starts at the opening of its window even if the break
    had been taken at once."""
    nxt = next((x for x in rest if x.kind == "visit"), None)  # type: ignore[attr-defined]
    if nxt is None or rest[0] is not nxt:
        return False
    v = problem.visit_by_id.get(nxt.visit_id)  # type: ignore[attr-defined]
    if v is None or not v.windows:
        return False
    tt = problem.travel(mode, brk.location_id, nxt.location_id) or 0  # type: ignore[attr-defined]
    early = int(brk.arrival_s) + (int(brk.end_s) - int(brk.start_s)) + tt  # type: ignore[attr-defined]
    return any(
        x.start_s == nxt.start_s and x.start_s >= early  # type: ignore[attr-defined]
        for x in v.windows
        if x.weekdays is None or day in x.weekdays
    )


def check_plan(
    problem: Problem,
    routes: Sequence[object],
    unscheduled: Iterable[object] = (),
) -> list[Violation]:
    """Return every violation of the plan (empty list = valid).

    Parameters
    ----------
    problem
        The problem the plan claims to solve.
    routes
        Route objects (``worker_id, day, start_location_id, end_location_id,
        start_s, end_s, stops``; optional ``resume_location_id, resume_s``), each
        stop with ``kind, visit_id, occurrence, location_id, arrival_s, start_s,
        end_s, departure_s, frozen``.
    unscheduled
        Objects with ``visit_id`` and ``occurrence`` that the plan reports as left out.
    """
    out: list[Violation] = []
    seen_wd: set[tuple[str, str]] = set()
    visit_days: dict[str, list[str]] = defaultdict(list)
    for r in routes:
        wid, day = r.worker_id, r.day  # type: ignore[attr-defined]
        w = problem.worker_by_id.get(wid)

        def bad(code: str, msg: str, visit_id: str | None = None, _w=wid, _d=day) -> None:
            out.append(Violation(code, f"{_w} {_d}: {msg}", _w, _d, visit_id))

        if w is None:
            bad("unknown_worker", "unknown worker")
            continue
        if day not in problem.days:
            bad("day", f"day {day} is not in the horizon")
        if (wid, day) in seen_wd:
            bad("duplicate_route", "two routes for the same worker and day")
        seen_wd.add((wid, day))
        if day not in w.shifts:
            bad("shift", "the worker has no shift that day")
            continue
        sh_a, sh_b = w.shifts[day]
        stops = list(r.stops)  # type: ignore[attr-defined]
        start_s, end_s = int(r.start_s), int(r.end_s)  # type: ignore[attr-defined]
        if start_s < sh_a:
            bad("shift", f"leaves at {_clock(start_s)} before the shift starts {_clock(sh_a)}")
        if end_s > sh_b:
            bad("shift", f"returns at {_clock(end_s)} after the shift ends {_clock(sh_b)}")
        limit = sh_b - sh_a if w.max_work_s is None else min(sh_b - sh_a, w.max_work_s)
        if end_s - start_s > limit:
            bad("max_work", f"works {end_s - start_s} s, more than the {limit} s allowed")
        # travel and time order over the non-frozen part
        resume_loc = getattr(r, "resume_location_id", None)
        resume_s = getattr(r, "resume_s", None)
        loc = resume_loc if resume_loc is not None else r.start_location_id  # type: ignore[attr-defined]
        if resume_loc is None and loc != w.start_location_id:
            bad("start", f"starts at {loc}, not at the worker's start {w.start_location_id}")
        t = int(resume_s) if resume_s is not None else start_s
        demand = 0
        breaks = []
        n_visits = 0
        v = None
        for s in stops:
            if s.kind == "break":
                breaks.append(s)
            if s.kind == "visit":
                n_visits += 1
                v = problem.visit_by_id.get(s.visit_id)
                if v is None:
                    bad("unknown_visit", f"unknown visit {s.visit_id}", s.visit_id)
                    continue
                visit_days[v.visit_id].append(day)
                demand += v.demand
                if not v.skills <= w.skills:
                    bad(
                        "skills",
                        f"visit {v.visit_id} needs {sorted(v.skills - w.skills)}",
                        v.visit_id,
                    )
            if s.frozen:
                continue
            if s.kind == "visit":
                assert v is not None
                if s.location_id != v.location_id:
                    bad(
                        "location",
                        f"stop at {s.location_id} but visit is at {v.location_id}",
                        v.visit_id,
                    )
                if s.end_s != s.start_s + v.duration_s:
                    bad("duration", f"visit {v.visit_id} lasts {s.end_s - s.start_s} s", v.visit_id)
                wins = (
                    [(0, 10**9)]
                    if not v.windows
                    else [
                        (x.start_s, x.end_s)
                        for x in v.windows
                        if x.weekdays is None or day in x.weekdays
                    ]
                )
                if not any(a <= s.start_s <= b for a, b in wins):
                    bad(
                        "window",
                        f"visit {v.visit_id} starts at {_clock(s.start_s)} outside its windows",
                        v.visit_id,
                    )
            if s.location_id != loc:
                tt = problem.travel(w.mode, loc, s.location_id)
                if tt is None:
                    bad(
                        "unreachable",
                        f"no {w.mode} travel time {loc} -> {s.location_id}",
                        s.visit_id,
                    )
                    tt = 0
            else:
                tt = 0
            if s.arrival_s < t + tt:
                bad(
                    "travel",
                    f"arrives at {s.location_id} at {_clock(s.arrival_s)}, but cannot before {_clock(t + tt)}",
                    s.visit_id,
                )
            if not (s.arrival_s <= s.start_s <= s.end_s <= s.departure_s):
                bad("order", f"stop times out of order at {s.location_id}", s.visit_id)
            t = s.departure_s
            loc = s.location_id
        if loc != w.end_location_id:
            tt = problem.travel(w.mode, loc, w.end_location_id)
            if tt is None:
                bad("unreachable", f"no {w.mode} travel time {loc} -> end {w.end_location_id}")
                tt = 0
        else:
            tt = 0
        if end_s < t + tt:
            bad("travel", f"back at the end at {_clock(end_s)}, but cannot before {_clock(t + tt)}")
        if w.capacity is not None and demand > w.capacity:
            bad("capacity", f"carries {demand}, capacity {w.capacity}")
        br = w.break_rule
        if br is None:
            if breaks:
                bad("break", "a break for a worker without a break rule")
            continue
        off = sh_a if br.relative else 0
        b_lo, b_hi = br.earliest_s + off, br.latest_s + off
        possible = min(sh_b, b_hi) - max(sh_a, b_lo) >= br.duration_s
        break_time = sum(int(x.end_s) - int(x.start_s) for x in breaks)
        worked = end_s - start_s - break_time
        due = possible and n_visits > 0 and worked > br.after_work_s
        if due and len(breaks) != 1:
            bad(
                "break",
                f"{len(breaks)} breaks, exactly one is due (works {worked} s without it, "
                f"more than {br.after_work_s} s)",
            )
        elif len(breaks) > 1:
            bad("break", f"{len(breaks)} breaks, at most one allowed")
        for b in breaks:
            if b.frozen:
                continue
            if b.end_s - b.start_s < br.duration_s:
                bad("break", f"break lasts {b.end_s - b.start_s} s, {br.duration_s} s due")
            if b.start_s < b_lo or b.end_s > b_hi:
                bad("break", f"break {_clock(b.start_s)}-{_clock(b.end_s)} outside its window")
            k = stops.index(b)
            if b.start_s > b.arrival_s and not _wait_absorbed(
                problem, w.mode, day, b, stops[k + 1 :]
            ):
                bad(
                    "break",
                    f"waits idle {b.start_s - b.arrival_s} s for the break at {_clock(b.start_s)}",
                )
            if resume_loc is None and not any(x.kind == "visit" for x in stops[:k]):
                bad("break", "the route starts with its break")
    # frequency / gaps
    for vid, ds in visit_days.items():
        v = problem.visit_by_id[vid]
        if len(ds) > v.frequency:
            out.append(
                Violation(
                    "frequency",
                    f"visit {vid} planned {len(ds)} times, frequency {v.frequency}",
                    visit_id=vid,
                )
            )
        nums = sorted(WEEKDAYS.index(d) for d in ds)
        for a, b in itertools.pairwise(nums):
            if b - a < v.min_gap_days:
                out.append(
                    Violation(
                        "gap",
                        f"visit {vid} on {WEEKDAYS[a]} and {WEEKDAYS[b]}, less than {v.min_gap_days} day(s) apart",
                        visit_id=vid,
                    )
                )
    # coverage of required visits
    listed: dict[str, int] = defaultdict(int)
    for u in unscheduled:
        listed[u.visit_id] += 1  # type: ignore[attr-defined]
    for v in problem.visits:
        got = len(visit_days.get(v.visit_id, [])) + listed.get(v.visit_id, 0)
        if v.required and got < v.frequency:
            out.append(
                Violation(
                    "coverage",
                    f"required visit {v.visit_id}: {got} of {v.frequency} occurrence(s) planned or explained",
                    visit_id=v.visit_id,
                )
            )
    return out
