"""Known answers, skills, days, breaks, frequency and the checker on every plan."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_outreach.errors import InputError
from geo_outreach.optimize.routing import Parameters, Visit, Window, check_plan, solve
from geo_outreach.optimize.routing.diagnose import occurrence_blocks
from geo_outreach.optimize.routing.model import WEEKDAYS

from .helpers import LUNCH, H, M, build, worker

POS = {"depot": 0, "a": 10, "b": 20, "c": 30, "far": 300}


def test_known_answer_single_route_order_and_travel():
    visits = [Visit(v, v, 30 * M) for v in ("c", "a", "b")]
    p = build(visits, [worker()], POS)
    res = solve(p, time_limit_s=0.5, seed=1)
    assert not res.unscheduled and not res.violations
    (route,) = res.routes
    assert [s.visit_id for s in route.visit_stops] in (["a", "b", "c"], ["c", "b", "a"])
    assert route.travel_s == 60 * M  # 0 -> 30 -> 0 on a line
    assert route.service_s == 90 * M


def test_time_windows_force_order():
    visits = [
        Visit("a", "a", 30 * M, windows=(Window(14 * H, 15 * H),)),
        Visit("c", "c", 30 * M, windows=(Window(9 * H, 10 * H),)),
    ]
    res = solve(build(visits, [worker()], POS), time_limit_s=0.5)
    stops = res.routes[0].visit_stops
    assert [s.visit_id for s in stops] == ["c", "a"]
    assert 9 * H <= stops[0].start_s <= 10 * H and 14 * H <= stops[1].start_s <= 15 * H


def test_skill_goes_to_the_worker_who_has_it():
    visits = [Visit("a", "a", 30 * M, skills=frozenset({"es"})), Visit("b", "b", 30 * M)]
    workers = [worker("en_only", skills={"en"}), worker("spanish", skills={"en", "es"})]
    res = solve(build(visits, workers, POS), time_limit_s=0.5)
    who = {s.visit_id: r.worker_id for r in res.routes for s in r.visit_stops}
    assert who["a"] == "spanish"


def test_break_is_taken_inside_its_window():
    visits = [Visit(v, v, 100 * M) for v in ("a", "b", "c")]
    res = solve(build(visits, [worker(brk=LUNCH)], POS), time_limit_s=0.5)
    (route,) = res.routes
    (brk,) = [s for s in route.stops if s.kind == "break"]
    assert LUNCH.earliest_s <= brk.start_s and brk.end_s <= LUNCH.latest_s
    assert brk.end_s - brk.start_s == 30 * M
    assert not res.violations


def test_frequency_twice_a_week_two_days_apart():
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    visits = [Visit("a", "a", 30 * M, frequency=2, min_gap_days=2)]
    res = solve(build(visits, [worker(days=days)], POS, days=days), time_limit_s=0.5)
    on = sorted(WEEKDAYS.index(r.day) for r in res.routes for _ in r.visit_stops)
    assert len(on) == 2 and on[1] - on[0] >= 2


def test_occurrence_blocks_are_gap_safe():
    bl = occurrence_blocks(["Mon", "Tue", "Wed", "Thu", "Fri"], 2, 2)
    assert bl is not None and len(bl) == 2
    for d1 in bl[0]:
        for d2 in bl[1]:
            assert WEEKDAYS.index(d2) - WEEKDAYS.index(d1) >= 2
    assert occurrence_blocks(["Mon", "Tue"], 2, 2) is None


def test_capacity_splits_routes():
    visits = [Visit(v, v, 10 * M, demand=6) for v in ("a", "b", "c")]
    workers = [worker("w1", capacity=10), worker("w2", capacity=10), worker("w3", capacity=10)]
    res = solve(build(visits, workers, POS), time_limit_s=0.5)
    assert not res.unscheduled
    assert all(len(r.visit_stops) == 1 for r in res.routes)


def test_optional_visit_dropped_when_not_worth_it():
    visits = [Visit("far", "far", 10 * M, required=False, value=5)]
    res = solve(build(visits, [worker(max_work_s=12 * H)], {**POS, "far": 100}), time_limit_s=0.5)
    assert not res.routes
    (u,) = res.unscheduled
    assert u.code == "not_worth"


def test_bad_time_limit_is_input_error():
    p = build([Visit("a", "a", 60)], [worker()], POS)
    with pytest.raises(InputError):
        solve(p, time_limit_s=0)
    with pytest.raises(InputError):
        Parameters(required_policy="maybe")


@st.composite
def small_instances(draw):
    n = draw(st.integers(1, 7))
    days = ("Mon", "Tue", "Wed")
    pos = {"depot": 0.0}
    visits = []
    for i in range(n):
        pos[f"p{i}"] = draw(st.integers(-60, 60))
        start = draw(st.integers(8, 15)) * H
        wins = () if draw(st.booleans()) else (Window(start, start + draw(st.integers(0, 4)) * H),)
        visits.append(
            Visit(
                f"v{i}",
                f"p{i}",
                draw(st.integers(5, 120)) * M,
                windows=wins,
                required=draw(st.booleans()),
                value=draw(st.integers(0, 90)),
                skills=frozenset(draw(st.sampled_from([(), ("es",), ("vi",)]))),
                frequency=draw(st.integers(1, 2)),
                min_gap_days=draw(st.integers(1, 2)),
                demand=draw(st.integers(0, 3)),
            )
        )
    workers = [
        worker(
            "w1", days=days, skills={"es"}, brk=LUNCH, capacity=draw(st.sampled_from([None, 4]))
        ),
        worker("w2", days=days[:2], brk=LUNCH, max_work_s=draw(st.integers(3, 9)) * H),
    ]
    return build(visits, workers, pos, days=days)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(), st.integers(0, 3))
def test_every_plan_passes_the_checker(problem, seed):
    res = solve(problem, time_limit_s=0.2, seed=seed)  # raises on any violation
    assert check_plan(problem, res.routes, res.unscheduled) == []
    planned = {(s.visit_id, s.occurrence) for r in res.routes for s in r.visit_stops}
    left = {(u.visit_id, u.occurrence) for u in res.unscheduled}
    assert not planned & left
    for u in res.unscheduled:
        assert u.reason
