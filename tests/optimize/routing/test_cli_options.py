"""``geo-outreach plan --lock / --balance``: routing options end to end on the tiny region."""

from __future__ import annotations

import csv
import json

from geo_outreach.cli import main
from tests.conftest import TINY_WORKERS_CSV, write_plan_inputs

VISITS = """visit_id,lon,lat,duration_min,windows,skills,pinned_worker,pinned_day,pinned_order
A,-122.6461,45.5201,30,,,van,Mon,2
B,-122.6461,45.5219,45,10:00-14:00,es,van,Mon,1
E,-122.6461,45.5205,30,,,,,
F,-122.6463,45.5207,30,,,,,
"""


def _run(tiny_region, tmp_path, name, *extra):
    v, w = write_plan_inputs(tmp_path / name, VISITS, TINY_WORKERS_CSV)
    out = tmp_path / name / "out"
    args = ["plan", "--region", str(tiny_region), "--visits", str(v), "--workers", str(w),
            "--days", "2", "--max-iterations", "150", "-o", str(out), "--json", *extra]  # fmt: skip
    code = main(args)
    return code, out


def test_lock_keeps_the_pinned_route_and_plans_the_rest(tiny_region, tmp_path, capsys):
    code, out = _run(tiny_region, tmp_path, "lock", "--lock", "van Mon")
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["violations"] == 0
    with (out / "stops.csv").open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "visit"]
    mon_van = [r["visit_id"] for r in rows if r["worker_id"] == "van" and r["day"] == "Mon"]
    assert mon_van == ["B", "A"]  # pinned order, nothing added
    assert {r["visit_id"] for r in rows} == {"A", "B", "E", "F"}


def test_bad_lock_is_a_one_line_error(tiny_region, tmp_path, capsys):
    code, _ = _run(tiny_region, tmp_path, "badlock", "--lock", "van")
    assert code == 2
    code, _ = _run(tiny_region, tmp_path, "badworker", "--lock", "nobody Mon")
    assert code == 2


def test_balance_reports_the_workload_spread(tiny_region, tmp_path, capsys):
    code, _ = _run(tiny_region, tmp_path, "plain")
    plain = json.loads(capsys.readouterr().out)
    code2, _ = _run(tiny_region, tmp_path, "fair", "--balance", "time")
    fair = json.loads(capsys.readouterr().out)
    assert code == code2 == 0
    assert fair["balance"] == "time" and plain["balance"] is None
    assert fair["workload_spread_h"] <= plain["workload_spread_h"]
    assert set(fair["workload_spread_by_day_h"]) == {"Mon", "Tue"}
    assert fair["violations"] == 0


def test_visit_log_gives_preferred_workers_and_last_visits(tiny_region, tmp_path, capsys):
    from geo_outreach.visits import store as vs

    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    with vs.open_store(url) as log:
        vs.record_visit(
            log,
            worker_id="van",
            visited_at="2026-10-30 10:00",
            outcome="done",
            planned_visit_id="E",
        )
    code, out = _run(tiny_region, tmp_path, "log", "--visit-log", url, "--week-of", "2026-11-04")
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["violations"] == 0
    with (out / "visits.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["visit_id"]: r for r in csv.DictReader(f)}
    assert rows["E"]["preferred_worker"] == "van" and rows["E"]["last_visit"] == "-3"
    assert rows["F"]["preferred_worker"] == "" and rows["F"]["last_visit"] == ""
    # --week-of alone still needs --publish or --visit-log
    code, _ = _run(tiny_region, tmp_path, "weekonly", "--week-of", "2026-11-04")
    assert code == 2
