"""Pinned stops and locked routes: fixed by hand, the rest planned around them."""

from __future__ import annotations

import dataclasses

import pytest

from geo_outreach.errors import InputError
from geo_outreach.optimize.routing import Visit, Window, check_plan, solve
from geo_outreach.optimize.routing.io import read_visits_csv

from .helpers import H, M, build, worker

DAYS = ("Mon", "Tue")
POS = {"depot": 0, "a": 10, "b": 20, "c": 30, "d": -10, "e": -20}


def _workers():
    return [worker("ana", days=DAYS), worker("bo", days=DAYS)]


def _where(res):
    return {s.visit_id: (r.worker_id, r.day) for r in res.routes for s in r.visit_stops}


def test_pinned_worker_and_day_are_kept():
    visits = [Visit(x, x, 30 * M) for x in "abcde"]
    visits[0] = dataclasses.replace(visits[0], pinned_worker="bo", pinned_day=frozenset({"Tue"}))
    visits[3] = dataclasses.replace(visits[3], pinned_worker="ana")
    p = build(visits, _workers(), POS, days=DAYS)
    res = solve(p, max_iterations=300)
    where = _where(res)
    assert where["a"] == ("bo", "Tue") and where["d"][0] == "ana"
    assert not res.unscheduled
    assert check_plan(p, res.routes, res.unscheduled) == []


def test_pinned_order_is_respected():
    visits = [
        dataclasses.replace(Visit(x, x, 30 * M), pinned_worker="ana", pinned_day=frozenset({"Mon"}),
                            pinned_order=k)
        for x, k in (("c", 1), ("a", 2), ("b", 3))
    ]  # fmt: skip
    p = build(visits, _workers(), POS, days=DAYS)
    res = solve(p, max_iterations=300)
    (r,) = [r for r in res.routes if r.worker_id == "ana" and r.day == "Mon"]
    assert [s.visit_id for s in r.visit_stops] == ["c", "a", "b"]
    assert check_plan(p, res.routes, res.unscheduled) == []


def test_a_pin_that_cannot_be_met_is_pinned_infeasible():
    # pinned to Mon but only open on Tue; pinned to a worker without the skill
    v1 = Visit("a", "a", 30 * M, windows=(Window(9 * H, 15 * H, frozenset({"Tue"})),))
    v1 = dataclasses.replace(v1, pinned_day=frozenset({"Mon"}))
    v2 = dataclasses.replace(Visit("b", "b", 30 * M, skills=frozenset({"es"})), pinned_worker="ana")
    workers = [worker("ana", days=DAYS), worker("bo", days=DAYS, skills={"es"})]
    p = build([v1, v2], workers, POS, days=DAYS)
    res = solve(p, max_iterations=100)
    codes = {u.visit_id: u.code for u in res.unscheduled}
    assert codes == {"a": "pinned_infeasible", "b": "pinned_infeasible"}
    assert all("pinned to" in u.reason for u in res.unscheduled)


def test_a_pin_beyond_the_day_is_pinned_infeasible():
    visits = [
        dataclasses.replace(Visit(x, x, 3 * H), pinned_worker="ana", pinned_day=frozenset({"Mon"}))
        for x in "abc"
    ]  # 9 h of visits pinned into an 8h30 day
    p = build(visits, _workers(), POS, days=DAYS)
    res = solve(p, max_iterations=200)
    assert [u.code for u in res.unscheduled] == ["pinned_infeasible"]
    assert check_plan(p, res.routes, res.unscheduled) == []


def test_locked_route_holds_exactly_its_pinned_visits():
    pinned = [
        dataclasses.replace(Visit(x, x, 30 * M), pinned_worker="ana", pinned_day=frozenset({"Mon"}),
                            pinned_order=k)
        for x, k in (("b", 1), ("a", 2))
    ]  # fmt: skip
    others = [Visit(x, x, 30 * M) for x in "cde"]
    p = build(pinned + others, [worker("ana", days=DAYS)], POS, days=DAYS)
    res = solve(p, max_iterations=300, locked=[("ana", "Mon")])
    (mon,) = [r for r in res.routes if r.day == "Mon"]
    assert [s.visit_id for s in mon.visit_stops] == ["b", "a"]  # order kept, nothing added
    assert {s.visit_id for r in res.routes if r.day == "Tue" for s in r.visit_stops} == set("cde")
    assert check_plan(p, res.routes, res.unscheduled, locked=[("ana", "Mon")]) == []
    # the checker refuses a visit slipped into a locked route
    bad = dataclasses.replace(mon, stops=mon.stops)
    tue = next(r for r in res.routes if r.day == "Tue")
    moved = [dataclasses.replace(tue, day="Mon"), dataclasses.replace(bad, day="Tue")]
    assert "locked" in {v.code for v in check_plan(p, moved, locked=[("ana", "Mon")])}


def test_lock_of_unknown_worker_or_day_is_an_input_error():
    p = build([Visit("a", "a", 60)], _workers(), POS, days=DAYS)
    with pytest.raises(InputError):
        solve(p, locked=[("zed", "Mon")])
    with pytest.raises(InputError):
        solve(p, locked=[("ana", "Sun")])


def test_csv_pin_columns(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(
        "visit_id,location_id,duration_min,pinned_worker,pinned_day,pinned_order,household_id\n"
        "a,x,30,ana,Mon,2,h1\nb,x,30,,,,\n",
        encoding="utf-8",
    )
    (a, b), _ = read_visits_csv(f)
    assert (a.pinned_worker, a.pinned_day, a.pinned_order, a.household_id) == (
        "ana", frozenset({"Mon"}), 2, "h1",
    )  # fmt: skip
    assert b.pinned_worker is None and b.pinned_day is None and b.household_id is None
