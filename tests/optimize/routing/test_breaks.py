"""Breaks that fit the day: owed only after the threshold, no idle wait, never first."""

from __future__ import annotations

import dataclasses

from geo_outreach.optimize.routing import BreakRule, Visit, Window, check_plan, solve
from geo_outreach.optimize.routing.io import read_workers_csv
from geo_outreach.optimize.routing.plan import schedule_route

from .helpers import LUNCH_6H, SHIFT, H, M, build, worker

POS = {"depot": 0, "a": 5, "b": 10, "c": 15, "d": 20}


def _codes(p, routes):
    return [v.code for v in check_plan(p, routes)]


def test_short_day_owes_no_break_and_never_waits_for_one():
    # the case: one visit 08:35-09:35, lunch 11:30-13:30 -> no 114 min wait
    v = Visit("a", "a", 60 * M, windows=(Window(8 * H + 35 * M, 8 * H + 35 * M),))
    p = build([v], [worker(brk=LUNCH_6H)], POS)
    res = solve(p, max_iterations=200)
    (r,) = res.routes
    assert [s.kind for s in r.stops] == ["visit"]
    assert r.wait_s == 0 and r.start_s == 8 * H + 30 * M and r.end_s == 9 * H + 40 * M


def test_long_day_takes_one_break_right_after_a_visit():
    visits = [Visit(x, x, 100 * M) for x in ("a", "b", "c", "d")]  # ~7 h of work
    p = build(visits, [worker(brk=LUNCH_6H)], POS)
    res = solve(p, max_iterations=300)
    (r,) = res.routes
    assert r.duration_s - r.break_s > 6 * H
    (k,) = [i for i, s in enumerate(r.stops) if s.kind == "break"]
    brk = r.stops[k]
    assert k > 0 and r.stops[k - 1].kind == "visit"
    assert brk.arrival_s == brk.start_s == r.stops[k - 1].departure_s  # no idle wait
    assert LUNCH_6H.earliest_s <= brk.start_s and brk.end_s <= LUNCH_6H.latest_s
    assert check_plan(p, res.routes, res.unscheduled) == []


def test_default_window_is_three_to_five_hours_into_the_shift():
    rule = BreakRule.default(30 * M)
    assert rule.window_on(9 * H) == (12 * H, 14 * H + 30 * M)
    visits = [Visit(x, x, 100 * M) for x in ("a", "b", "c", "d")]
    w = worker(brk=rule)
    p = build(visits, [w], POS)
    (r,) = solve(p, max_iterations=300).routes
    (brk,) = [s for s in r.stops if s.kind == "break"]
    shift_start = SHIFT[0]
    assert shift_start + 3 * H <= brk.start_s <= shift_start + 5 * H


def test_break_may_only_wait_when_the_next_visit_would_wait_anyway():
    # a 10:00-10:30 visit, then one fixed at 14:00: the break fits in the gap
    visits = [
        Visit("a", "a", 30 * M, windows=(Window(10 * H, 10 * H),)),
        Visit("b", "b", 2 * H, windows=(Window(14 * H, 14 * H),)),
    ]
    w = worker(brk=dataclasses.replace(LUNCH_6H, after_work_s=0))
    p = build(visits, [w], POS)
    r, why = schedule_route(p, w, "Mon", [(visits[0], 0), (visits[1], 0)])
    assert r is not None, why
    assert check_plan(p, [r]) == []
    brk = next(s for s in r.stops if s.kind == "break")
    assert brk.start_s >= LUNCH_6H.earliest_s


def test_checker_rejects_idle_wait_first_break_and_missing_break():
    visits = [Visit(x, x, 100 * M) for x in ("a", "b", "c", "d")]
    w = worker(brk=LUNCH_6H)
    p = build(visits, [w], POS)
    (r,) = solve(p, max_iterations=300).routes
    k = next(i for i, s in enumerate(r.stops) if s.kind == "break")
    brk = r.stops[k]
    # missing break on a long day
    no_break = dataclasses.replace(r, stops=tuple(s for s in r.stops if s.kind != "break"))
    assert "break" in _codes(p, [no_break])
    # the break waits idle: arrival earlier than its start, nothing after absorbs it
    idle = dataclasses.replace(brk, arrival_s=brk.start_s - 20 * M)
    stops = list(r.stops)
    stops[k] = idle
    assert "break" in _codes(p, [dataclasses.replace(r, stops=tuple(stops))])
    # the route starts with its break
    first = dataclasses.replace(
        brk, location_id="depot", arrival_s=r.start_s, start_s=11 * H + 30 * M,
        end_s=12 * H, departure_s=12 * H,
    )  # fmt: skip
    assert "break" in _codes(p, [dataclasses.replace(r, stops=(first, *no_break.stops))])


def test_workers_csv_break_minutes_and_threshold(tmp_path):
    f = tmp_path / "w.csv"
    f.write_text(
        "worker_id,start_lon,start_lat,shift,break,break_after_h\n"
        "w1,-122.6,45.5,Mon 08:00-16:00,30,5\n"
        "w2,-122.6,45.5,Mon 08:00-16:00,45@11:00-14:00,\n",
        encoding="utf-8",
    )
    (w1, w2), _ = read_workers_csv(f)
    assert w1.break_rule.relative and w1.break_rule.after_work_s == 5 * H
    assert w1.break_window_on("Mon") == (11 * H, 13 * H + 30 * M)
    assert w2.break_rule.after_work_s == 6 * H and w2.break_window_on("Mon") == (11 * H, 14 * H)


def test_late_visit_that_cannot_hold_the_break_alone_is_planned_beside_others():
    # lunch owed on any day (threshold 0): a route with only the 14:00 visit has no place
    # for it (not first, not idle), but after the morning visits it fits
    from .helpers import LUNCH

    late = Visit("c", "c", 60 * M, windows=(Window(14 * H, 14 * H),))
    morning = [Visit(x, x, 90 * M) for x in ("a", "b")]
    alone = build([late], [worker(brk=LUNCH)], POS)
    assert schedule_route(alone, alone.workers[0], "Mon", [(late, 0)])[1] == "break"
    p = build([*morning, late], [worker(brk=LUNCH)], POS)
    res = solve(p, max_iterations=300)
    assert check_plan(p, res.routes, res.unscheduled) == []
    assert res.unscheduled == ()
    (r,) = res.routes
    assert [s.visit_id for s in r.stops if s.kind == "visit"][-1] == "c"
    assert [s.kind for s in r.stops].count("break") == 1
    # alone it stays out, explained
    res_alone = solve(alone, max_iterations=100)
    (u,) = res_alone.unscheduled
    assert u.visit_id == "c" and u.code == "single_route_infeasible" and "break" in u.reason
    assert check_plan(alone, res_alone.routes, res_alone.unscheduled) == []
