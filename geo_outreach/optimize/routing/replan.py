"""Re-planning during the day: freeze what is done, re-optimise the rest.

Given a previous :class:`~.solve.RoutingResult`, the current day, the time now,
the workers' current positions (location ids in their mode's matrix), the visits
already done today and the workers who already took their break:

* routes of earlier days are kept unchanged;
* today's done stops are kept, marked ``frozen``, at the times recorded in the plan;
* every other visit occurrence still owed (frequency minus done, at least
  ``min_gap_days`` after the done ones) is re-planned from each worker's current
  position and time today, and from scratch on the later days;
* the merged plan goes through the independent checker again.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping

from geo_outreach.errors import InputError, SolverError
from geo_outreach.i18n import _

from .checker import check_plan
from .diagnose import Unscheduled
from .model import DAY_S, BreakRule, Problem, ProblemBuilder, Window, Worker
from .plan import Route, schedule_route
from .solve import Parameters, RoutingResult, solve

__all__ = ["replan"]

_SUFFIX = "@replan"


def _rest_of_day_break(w: Worker, day: str, worked_s: int) -> BreakRule | None:
    """Today's break for the re-planned rest of the day: absolute window, and the
    threshold less the time already worked."""
    win = w.break_window_on(day)
    if w.break_rule is None or win is None:
        return None
    br = w.break_rule
    return BreakRule(br.duration_s, win[0], win[1], max(0, br.after_work_s - worked_s))


def replan(
    problem: Problem,
    previous: RoutingResult,
    *,
    day: str,
    now_s: int,
    positions: Mapping[str, str],
    done: Iterable[str] = (),
    break_taken: Iterable[str] = (),
    time_limit_s: float = 5.0,
    seed: int = 0,
    params: Parameters | None = None,
) -> RoutingResult:
    """Re-optimise the rest of the horizon from ``day`` at ``now_s``.

    Parameters
    ----------
    problem, previous
        The problem and the plan being executed.
    day
        Today (a day of the horizon).
    now_s
        Time now, seconds since midnight.
    positions
        worker_id -> location id where the worker is now (must be in the matrix
        of the worker's mode).  Workers not listed start from their start
        location, no earlier than ``now_s``.
    done
        Visit ids done today (their stops in ``previous`` are frozen).
    break_taken
        Workers who already took today's break.
    time_limit_s, seed, params
        As for :func:`~.solve.solve`.

    Returns
    -------
    RoutingResult
        The merged plan (earlier days + frozen stops + re-optimised rest).
    """
    if day not in problem.days:
        raise InputError(
            _("day {day} is not in the plan's days {days}").format(
                day=repr(day), days=problem.days
            ),
            source="day",
        )
    params = params or Parameters()
    done_set = set(done)
    took_break = set(break_taken)
    di = problem.days.index(day)
    later_days = problem.days[di:]
    for wid, loc in positions.items():
        w = problem.worker_by_id.get(wid)
        if w is None:
            raise InputError(
                _("positions: unknown worker {worker}").format(worker=repr(wid)),
                source="positions",
            )
        if loc not in problem.matrices[w.mode]:
            raise InputError(
                _("positions: {worker} is at {location}, which has no {mode} travel time").format(
                    worker=repr(wid), location=repr(loc), mode=w.mode
                ),
                source="positions",
            )
    kept = [r for r in previous.routes if problem.days.index(r.day) < di]
    today_prev = {r.worker_id: r for r in previous.routes if r.day == day}
    frozen: dict[str, list] = defaultdict(list)
    done_days: dict[str, list[str]] = defaultdict(list)
    for r in kept:
        for s in r.visit_stops:
            done_days[s.visit_id].append(r.day)  # type: ignore[index]
    for wid, r in today_prev.items():
        for s in r.stops:
            if (s.kind == "visit" and s.visit_id in done_set) or (
                s.kind == "break" and wid in took_break
            ):
                frozen[wid].append(dataclasses.replace(s, frozen=True))
                if s.kind == "visit":
                    done_days[s.visit_id].append(day)  # type: ignore[index]
    missing = done_set - {s.visit_id for ss in frozen.values() for s in ss}
    if missing:
        raise InputError(
            _("done: visit(s) {visits} are not planned on {day} in the previous plan").format(
                visits=sorted(missing), day=day
            ),
            source="done",
        )

    b = ProblemBuilder(days=later_days)
    for mode, m in problem.matrices.items():
        b.add_matrix(mode, m)
    extra_unscheduled: list[Unscheduled] = []
    offset: dict[str, int] = {}
    for v in problem.visits:
        got = len(done_days.get(v.visit_id, []))
        remaining = v.frequency - got
        offset[v.visit_id] = got
        if remaining <= 0:
            continue
        used = [problem.calendar_day(d) for d in done_days.get(v.visit_id, [])]
        used += list(v.previous_days)
        allowed = frozenset(
            d
            for d in later_days
            if all(abs(problem.calendar_day(d) - u) >= v.min_gap_days for u in used)
        )
        wins = []
        for win in v.windows or (Window(0, 2 * DAY_S),):
            days = allowed if win.weekdays is None else (win.weekdays & allowed)
            if days:
                wins.append(dataclasses.replace(win, weekdays=days))
        if not wins:
            for k in range(remaining):
                extra_unscheduled.append(
                    Unscheduled(
                        v.visit_id,
                        got + k,
                        "frequency",
                        f"no day left at least {v.min_gap_days} day(s) after its visit(s) "
                        "already done and inside its windows",
                    )
                )
            continue
        b.add_visit(
            dataclasses.replace(v, frequency=remaining, windows=tuple(wins), previous_days=())
        )
    variants: dict[str, str] = {}
    for w in problem.workers:
        rest = {d: sh for d, sh in w.shifts.items() if d in later_days and d != day}
        if rest:
            b.add_worker(dataclasses.replace(w, shifts=rest))
        if day not in w.shifts:
            continue
        a, e = w.shifts[day]
        start = max(a, now_s)
        if start >= e:
            continue
        prev = today_prev.get(w.worker_id)
        worked = max(0, now_s - prev.start_s) if prev is not None and frozen.get(w.worker_id) else 0
        mw = w.max_work_on(day) - worked
        if mw <= 0:
            continue
        has_break = any(s.kind == "break" for s in frozen.get(w.worker_id, []))
        vid = w.worker_id + _SUFFIX
        variants[vid] = w.worker_id
        b.add_worker(
            dataclasses.replace(
                w,
                worker_id=vid,
                start_location_id=positions.get(w.worker_id, w.start_location_id),
                shifts={day: (start, e)},
                max_work_s=mw,
                break_rule=None if has_break else _rest_of_day_break(w, day, worked),
            )
        )
    sub = b.build()
    res = solve(
        sub,
        time_limit_s=time_limit_s,
        seed=seed,
        params=dataclasses.replace(params, check=False),
    )

    def shift_occ(s):
        if s.kind != "visit":
            return s
        return dataclasses.replace(s, occurrence=s.occurrence + offset[s.visit_id])

    merged: list[Route] = list(kept)
    got_today: set[str] = set()
    for r in res.routes:
        stops = tuple(shift_occ(s) for s in r.stops)
        if r.worker_id in variants:
            wid = variants[r.worker_id]
            got_today.add(wid)
            fz = tuple(frozen.get(wid, []))
            prev = today_prev.get(wid)
            home = problem.worker_by_id[wid].start_location_id
            resumed = bool(fz) or r.start_location_id != home
            start_s = prev.start_s if (prev is not None and fz) else r.start_s
            merged.append(
                dataclasses.replace(
                    r,
                    worker_id=wid,
                    start_location_id=home,
                    start_s=start_s,
                    stops=fz + stops,
                    resume_location_id=r.start_location_id if resumed else None,
                    resume_s=r.start_s if resumed else None,
                )
            )
        else:
            merged.append(dataclasses.replace(r, stops=stops))
    # workers with done stops but nothing left: route home from where they are
    for wid, done_stops in frozen.items():
        if wid in got_today or not any(s.kind == "visit" for s in done_stops):
            continue
        w = problem.worker_by_id[wid]
        vw = sub.worker_by_id.get(wid + _SUFFIX)
        pos = positions.get(wid, w.start_location_id)
        due = vw is not None and vw.break_due(day)
        home_r, _reason = schedule_route(
            sub if vw is not None else problem,
            vw if vw is not None else w,
            day,
            [],
            start_location_id=pos,
            earliest_start_s=now_s,
            break_due=due,
        )
        if home_r is None:
            continue
        prev = today_prev[wid]
        merged.append(
            dataclasses.replace(
                home_r,
                worker_id=wid,
                start_location_id=w.start_location_id,
                start_s=prev.start_s,
                stops=tuple(done_stops) + home_r.stops,
                resume_location_id=pos,
                resume_s=home_r.start_s,
            )
        )
    order = {d: i for i, d in enumerate(problem.days)}
    wpos = {w.worker_id: i for i, w in enumerate(problem.workers)}
    merged.sort(key=lambda r: (order[r.day], wpos[r.worker_id]))
    unscheduled = [
        dataclasses.replace(u, occurrence=u.occurrence + offset.get(u.visit_id, 0))
        for u in res.unscheduled
    ] + extra_unscheduled
    unscheduled.sort(key=lambda u: (u.visit_id, u.occurrence))
    violations: tuple = ()
    if params.check:
        violations = tuple(check_plan(problem, merged, unscheduled))
        if violations and params.raise_on_violation:
            raise SolverError(
                _("the re-planned plan failed the independent check: {violations}").format(
                    violations="; ".join(v.message for v in violations[:5])
                )
            )
    return RoutingResult(
        problem=problem,
        routes=tuple(merged),
        unscheduled=tuple(unscheduled),
        violations=violations,
        solver_feasible=res.solver_feasible,
        runtime_s=res.runtime_s,
    )
