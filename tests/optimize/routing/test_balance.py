"""Fair workloads and continuity of care: spread falls, travel stays within its bound."""

from __future__ import annotations

import dataclasses

import pytest

from geo_outreach.errors import InputError
from geo_outreach.optimize.routing import Parameters, Visit, check_plan, solve

from .helpers import M, build, worker

POS = {"depot": 0, **{f"p{i}": 10 + i for i in range(8)}}


def _problem(days=("Mon",)):
    visits = [Visit(f"v{i}", f"p{i}", 40 * M) for i in range(8)]
    return build(visits, [worker("ana", days=days), worker("bo", days=days)], POS, days=days)


@pytest.mark.parametrize("kind", ["time", "visits"])
def test_balance_lowers_the_spread_and_keeps_travel_within_the_bound(kind):
    p = _problem()
    plain = solve(p, max_iterations=300)
    params = Parameters(balance_max_travel_increase=1.0)
    fair = solve(p, max_iterations=300, balance=kind, params=params)
    s_plain = plain.workload_spread(kind)["Mon"]
    s_fair = fair.workload_spread(kind)["Mon"]
    assert s_plain > 0 and s_fair < s_plain
    # the price of fairness: more travel, but at most the stated 100 %
    assert plain.travel_s < fair.travel_s <= 2 * plain.travel_s
    assert not fair.unscheduled and fair.balance == kind
    assert check_plan(p, fair.routes, fair.unscheduled) == []


def test_balance_respects_a_tight_travel_bound():
    p = _problem()
    plain = solve(p, max_iterations=300)
    tight = solve(
        p, max_iterations=300, balance="time", params=Parameters(balance_max_travel_increase=0.0)
    )
    assert tight.travel_s <= plain.travel_s


def test_bad_balance_is_an_input_error():
    with pytest.raises(InputError):
        solve(_problem(), balance="money")


def test_household_visits_go_to_one_worker_when_cheap():
    pos = {"depot": 0, "a": 10, "b": -10, "c": 11, "d": -11}
    base = [
        Visit("a", "a", 4 * 60 * M),  # a and b do not fit one day together
        Visit("b", "b", 4 * 60 * M),
        Visit("c", "c", 20 * M),
        Visit("d", "d", 20 * M),
    ]
    ws = [worker("ana"), worker("bo")]

    def who(visits, **kw):
        res = solve(build(visits, ws, pos), max_iterations=300, **kw)
        assert check_plan(res.problem, res.routes, res.unscheduled) == []
        return res, {s.visit_id: r.worker_id for r in res.routes for s in r.visit_stops}

    _, control = who(base)
    assert control["c"] != control["d"]  # shortest travel splits the household
    same = [*base[:2], *(dataclasses.replace(v, household_id="h1") for v in base[2:])]
    res, got = who(same, params=Parameters(continuity_weight_s=3600))
    assert got["c"] == got["d"]
    assert res.continuity()["one_worker"] == 1
    # a low weight keeps the cheaper split
    _, cheap = who(same, params=Parameters(continuity_weight_s=60))
    assert cheap["c"] != cheap["d"]


def test_preferred_worker_from_the_visit_log_is_kept():
    pos = {"depot": 0, "a": 10}
    v = dataclasses.replace(Visit("a", "a", 30 * M), preferred_worker="bo")
    p = build([v], [worker("ana"), worker("bo")], pos)
    res = solve(p, max_iterations=100)
    assert [r.worker_id for r in res.routes] == ["bo"]
    assert res.continuity() == {
        "households": 0,
        "one_worker": 0,
        "preferred": 1,
        "preferred_kept": 1,
    }
