"""The independent checker catches crafted violations."""

from __future__ import annotations

import dataclasses

import pytest

from geo_outreach.optimize.routing import Visit, Window, check_plan, solve

from .helpers import LUNCH, H, M, build, worker

POS = {"depot": 0, "a": 10, "b": 20}
DAYS = ("Mon", "Tue", "Wed")


@pytest.fixture(scope="module")
def planned():
    visits = [
        Visit(
            "a", "a", 30 * M, windows=(Window(9 * H, 12 * H),), skills=frozenset({"es"}), demand=2
        ),
        Visit("b", "b", 60 * M, frequency=2, min_gap_days=2),
    ]
    p = build(visits, [worker(days=DAYS, skills={"es"}, brk=LUNCH, capacity=5)], POS, days=DAYS)
    res = solve(p, time_limit_s=0.3)
    assert check_plan(p, res.routes, res.unscheduled) == []
    return p, res


def codes(p, routes, unscheduled=()):
    return {v.code for v in check_plan(p, routes, unscheduled)}


def _route_with(res, vid):
    return next(r for r in res.routes if any(s.visit_id == vid for s in r.stops))


def _replace_stop(res, vid, **changes):
    r = _route_with(res, vid)
    stops = tuple(dataclasses.replace(s, **changes) if s.visit_id == vid else s for s in r.stops)
    return [dataclasses.replace(r, stops=stops) if x is r else x for x in res.routes]


def test_window_violation(planned):
    p, res = planned
    s = next(s for s in _route_with(res, "a").stops if s.visit_id == "a")
    t = 13 * H
    routes = _replace_stop(
        res, "a", arrival_s=s.arrival_s, start_s=t, end_s=t + 30 * M, departure_s=t + 30 * M
    )
    assert "window" in codes(p, routes)


def test_travel_too_fast(planned):
    p, res = planned
    r = _route_with(res, "a")
    first = r.visit_stops[0]
    routes = _replace_stop(res, first.visit_id, arrival_s=r.start_s + 1)
    assert "travel" in codes(p, routes)


def test_missing_break_and_break_outside_window(planned):
    p, res = planned
    r = res.routes[0]
    no_break = dataclasses.replace(r, stops=tuple(s for s in r.stops if s.kind != "break"))
    assert "break" in codes(p, [no_break, *res.routes[1:]])
    moved = tuple(
        dataclasses.replace(s, start_s=9 * H, end_s=9 * H + 30 * M) if s.kind == "break" else s
        for s in r.stops
    )
    assert "break" in codes(p, [dataclasses.replace(r, stops=moved), *res.routes[1:]])


def test_skill_and_capacity(planned):
    p, res = planned
    w = p.worker_by_id["w1"]
    p2 = dataclasses.replace(
        p, worker_by_id={"w1": dataclasses.replace(w, skills=frozenset(), capacity=1)}
    )
    c = codes(p2, res.routes)
    assert {"skills", "capacity"} <= c


def test_shift_and_frequency_gap(planned):
    p, res = planned
    late = [dataclasses.replace(r, end_s=18 * H) for r in res.routes]
    assert "shift" in codes(p, late)
    rb = [r for r in res.routes if any(s.visit_id == "b" for s in r.stops)]
    assert len(rb) == 2
    moved = dataclasses.replace(rb[1], day="Tue" if rb[0].day == "Mon" else "Mon")
    assert "gap" in codes(
        p, [x if x is not rb[1] else moved for x in res.routes]
    ) or "duplicate_route" in codes(p, [x if x is not rb[1] else moved for x in res.routes])


def test_missing_required_visit_is_a_coverage_violation(planned):
    p, res = planned
    assert "coverage" in codes(
        p, [r for r in res.routes if not any(s.visit_id == "a" for s in r.stops)]
    )
