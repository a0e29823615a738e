"""The same plan twice: an iteration limit is the stop rule, wall time only a cap."""

from __future__ import annotations

import json

import pytest

from geo_outreach.cli import main
from geo_outreach.errors import InputError
from geo_outreach.optimize.routing import Visit, Window, check_plan, solve
from tests.conftest import write_plan_inputs

from .helpers import LUNCH, H, M, build, worker

POS = {"depot": 0, **{f"p{i}": (i * 7) % 41 - 20 for i in range(14)}}


def _problem():
    days = ("Mon", "Tue", "Wed")
    visits = [
        Visit(
            f"v{i}",
            f"p{i}",
            (20 + 5 * (i % 4)) * M,
            windows=() if i % 3 else (Window(9 * H + (i % 5) * H, 13 * H + (i % 5) * H),),
            frequency=1 + (i % 4 == 0),
            min_gap_days=2,
        )
        for i in range(14)
    ]
    workers = [worker("w1", days=days, brk=LUNCH), worker("w2", days=days, brk=LUNCH)]
    return build(visits, workers, POS, days=days)


def test_iteration_limit_gives_the_same_plan_and_says_so():
    p = _problem()
    a = solve(p, max_iterations=300, time_limit_s=120)
    b = solve(p, max_iterations=300, time_limit_s=120)
    assert a.stopped_by == b.stopped_by == "max_iterations"
    assert a.iterations == 300
    assert a.stops_frame().equals(b.stops_frame())
    assert a.unscheduled == b.unscheduled
    assert check_plan(p, a.routes, a.unscheduled) == []


def test_time_cap_reached_first_is_reported():
    p = _problem()
    res = solve(p, max_iterations=10**9, time_limit_s=0.3)
    assert res.stopped_by == "time_limit"
    assert res.iterations < 10**9


def test_bad_iteration_limit_is_an_input_error():
    with pytest.raises(InputError):
        solve(_problem(), max_iterations=0)


def test_cli_twice_with_max_iterations_gives_identical_stops(tiny_region, tmp_path, capsys):
    v, w = write_plan_inputs(tmp_path)
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        args = ["plan", "--region", str(tiny_region), "--visits", str(v), "--workers", str(w),
                "--days", "2", "--max-iterations", "150", "--time-limit", "120",
                "-o", str(out), "--json"]  # fmt: skip
        assert main(args) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["stopped_by"] == "max_iterations"
        assert summary["max_iterations"] == 150
        outs.append((out / "stops.csv").read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\n") > 3


def test_cli_rejects_zero_iterations(tiny_region, tmp_path):
    v, w = write_plan_inputs(tmp_path)
    args = ["plan", "--region", str(tiny_region), "--visits", str(v), "--workers", str(w),
            "--max-iterations", "0", "-o", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 2
