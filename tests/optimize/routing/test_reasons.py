"""Each unscheduled reason comes from a crafted instance, found by diagnosis."""

from __future__ import annotations

from geo_outreach.optimize.routing import Visit, Window, solve

from .helpers import LUNCH, H, M, build, worker

POS = {"depot": 0, "a": 10, "b": 12, "c": 14, "d": 16, "e": 18}


def reasons(visits, workers, pos=POS, **kw):
    res = solve(build(visits, workers, pos, **kw), time_limit_s=0.3, seed=0)
    assert not res.violations
    return {u.visit_id: u for u in res.unscheduled}


def test_no_worker_has_the_skill():
    u = reasons([Visit("a", "a", 30 * M, skills=frozenset({"vi"}))], [worker(skills={"es"})])["a"]
    assert u.code == "no_skill" and "vi" in u.reason


def test_skills_held_but_not_together():
    v = Visit("a", "a", 30 * M, skills=frozenset({"es", "nurse"}))
    u = reasons([v], [worker("w1", skills={"es"}), worker("w2", skills={"nurse"})])["a"]
    assert u.code == "no_skill" and "not together" in u.reason


def test_window_cannot_be_reached_within_the_shift():
    # shift starts 08:30, 'far' is 2 h away, window closes at 10:00
    v = Visit("far", "far", 30 * M, windows=(Window(6 * H, 10 * H),))
    u = reasons([v], [worker()], {**POS, "far": 120})["far"]
    assert u.code == "window_unreachable" and "cannot be reached" in u.reason


def test_visit_longer_than_any_shift():
    u = reasons([Visit("a", "a", 9 * H)], [worker()])["a"]
    assert u.code == "too_long" and "9h00" in u.reason


def test_alone_does_not_fit_because_of_the_break():
    v = Visit("a", "a", 3 * H, windows=(Window(11 * H, 11 * H),))  # 11:00-14:00 covers lunch
    u = reasons([v], [worker(brk=LUNCH)])["a"]
    assert u.code == "single_route_infeasible" and "break" in u.reason


def test_alone_does_not_fit_max_work_time():
    # 2 x 100 min travel + 2 h service = 5h20 > 4 h max work
    u = reasons([Visit("far", "far", 2 * H)], [worker(max_work_s=4 * H)], {**POS, "far": 100})[
        "far"
    ]
    assert u.code == "single_route_infeasible" and "maximum working time" in u.reason


def test_off_the_network():
    u = reasons([Visit("x", "nowhere", 30 * M)], [worker()])["x"]
    assert u.code == "off_network" and "nowhere" in u.reason


def test_no_qualified_worker_that_day():
    v = Visit("a", "a", 30 * M, windows=(Window(9 * H, 12 * H, frozenset({"Tue"})),))
    u = reasons([v], [worker(days=("Mon",))])["a"]
    assert u.code == "no_shift_day"


def test_frequency_does_not_fit_the_horizon():
    v = Visit("a", "a", 30 * M, frequency=3, min_gap_days=2)
    u = reasons([v], [worker(days=("Mon", "Tue", "Wed"))], days=("Mon", "Tue", "Wed"))["a"]
    assert u.code == "frequency"


def test_lost_to_higher_priority_names_the_binding_resource():
    # one Spanish speaker, 4 h max work: three 100-min required visits and one optional
    visits = [Visit(x, x, 100 * M, skills=frozenset({"es"})) for x in ("a", "b", "c")]
    visits.append(Visit("d", "d", 100 * M, skills=frozenset({"es"}), required=False, value=60))
    out = reasons(visits, [worker(skills={"es"}, max_work_s=4 * H)])
    lost = [u for u in out.values() if u.code == "lost_to_priority"]
    assert len(out) == 2 and len(lost) == 2
    assert "d" in out  # the optional one loses first
    for u in lost:
        assert "skill es" in u.reason and "of 4h00 used" in u.reason and "w1 Mon" in u.reason
