"""``geo-outreach plan``: output files and columns, --json summary, --days, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from geo_outreach.cli import main
from tests.conftest import write_plan_inputs

STOP_COLUMNS = {
    "worker_id", "day", "seq", "kind", "visit_id", "name", "address", "notes", "languages",
    "lon", "lat", "travel_s", "arrival", "arrival_s", "start", "start_s", "end", "end_s",
    "departure", "departure_s", "wait_s", "break_s",
}  # fmt: skip
JSON_KEYS = {
    "days", "visits", "scheduled", "unscheduled", "unscheduled_by_code", "off_network",
    "routes", "total_travel_s", "total_travel_h", "worker_hours", "workers", "violations",
    "outputs",
}  # fmt: skip


def plan_args(region: Path, v: Path, w: Path, out: Path, *extra: str) -> list[str]:
    return ["plan", "--region", str(region), "--visits", str(v), "--workers", str(w),
            "--time-limit", "0.5", "-o", str(out), *extra]  # fmt: skip


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_plan_output_contract(tiny_region, tmp_path, capsys):
    v, w = write_plan_inputs(tmp_path)
    out = tmp_path / "out"
    assert main(plan_args(tiny_region, v, w, out, "--days", "1", "--json")) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert set(summary) >= JSON_KEYS
    assert summary["violations"] == 0
    # stderr: one summary line, no progress bars when not on a terminal
    assert captured.err.count("\n") == 1 and "planned" in captured.err

    header, stops = read_csv(out / "stops.csv")
    assert set(header) >= STOP_COLUMNS
    visits = [r for r in stops if r["kind"] == "visit"]
    assert summary["scheduled"] == len(visits) == 3
    assert sum(int(r["travel_s"]) for r in stops) == summary["total_travel_s"]
    for r in stops:
        for col in ("arrival", "start", "end", "departure"):
            s = int(r[f"{col}_s"])
            assert r[col] == f"{s // 3600:02d}:{s % 3600 // 60:02d}"
        assert float(r["lon"]) < -122.6 and 45.5 < float(r["lat"]) < 45.53
    b = next(r for r in visits if r["visit_id"] == "B")
    assert (b["name"], b["address"], b["notes"], b["languages"]) == (
        "Clinic", "2 North St", "bring forms", "es",
    )  # fmt: skip
    assert any(r["kind"] == "break" and int(r["break_s"]) == 1800 for r in stops)

    uheader, unscheduled = read_csv(out / "unscheduled.csv")
    assert "reason" in uheader
    assert summary["unscheduled"] == len(unscheduled) == 2
    reasons = {r["visit_id"]: r["reason"] for r in unscheduled}
    assert "road network" in reasons["C"]
    assert "longer than any shift" in reasons["D"]  # bad input as a reason, not a crash
    assert summary["off_network"] == 1

    geo = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection"
    keys = {(f["properties"]["worker_id"], f["properties"]["day"]) for f in geo["features"]}
    assert len(keys) == len(geo["features"]) == summary["routes"] == 2
    for f in geo["features"]:
        assert f["geometry"]["type"] == "LineString"
        props = f["properties"]
        assert {"travel_s", "n_stops", "colour", "dist_m"} <= set(props)
        assert len(f["geometry"]["coordinates"]) > props["n_stops"] + 2  # along the roads
    assert set(summary["worker_hours"]) == {"van", "walker"}
    hours = {k: round(v, 2) for k, v in summary["worker_hours"].items()}
    for f in geo["features"]:
        p = f["properties"]
        assert hours[p["worker_id"]] == pytest.approx(p["duration_s"] / 3600, abs=0.01)


def test_days_are_the_first_weekdays(tiny_region, tmp_path, capsys):
    visits = "visit_id,lon,lat,duration_min,windows\nA,-122.6461,45.5201,30,Wed 10:00-12:00\n"
    v, w = write_plan_inputs(tmp_path, visits=visits)
    assert main(plan_args(tiny_region, v, w, tmp_path / "two", "--days", "2", "--json")) == 0
    two = json.loads(capsys.readouterr().out)
    assert two["days"] == ["Mon", "Tue"]
    assert two["unscheduled_by_code"] == {"no_shift_day": 1}
    assert main(plan_args(tiny_region, v, w, tmp_path / "three", "--days", "3", "--json")) == 0
    three = json.loads(capsys.readouterr().out)
    assert three["days"] == ["Mon", "Tue", "Wed"] and three["scheduled"] == 1
    _, stops = read_csv(tmp_path / "three" / "stops.csv")
    assert {r["day"] for r in stops} == {"Wed"}


BAD_VISITS = {
    "unknown skill": ("visit_id,lon,lat,duration_min,skills\nA,-122.6461,45.5201,30,xx\n",
                      "unknown skill"),
    "window backwards": ("visit_id,lon,lat,duration_min,windows\nA,-122.6461,45.5201,30,"
                         "14:00-10:00\n", "ends before it starts"),
    "missing column": ("visit_id,lon,lat\nA,-122.6461,45.5201\n", "duration_min"),
    "no position": ("visit_id,duration_min\nA,30\n", "lon and lat"),
    "bad number": ("visit_id,lon,lat,duration_min\nA,-122.6461,45.5201,half\n", "not a number"),
}  # fmt: skip
BAD_WORKERS = {
    "no shift": ("worker_id,start_lon,start_lat,shift\nw,-122.6459,45.52,\n", "no shift"),
    "shift backwards": ("worker_id,start_lon,start_lat,shift\nw,-122.6459,45.52,Mon 17:00-08:00\n",
                        "ends before it starts"),
    "missing shift column": ("worker_id,start_lon,start_lat\nw,-122.6459,45.52\n", "shift"),
    "depot off network": ("worker_id,start_lon,start_lat,shift\nw,-122.60,45.55,Mon 08:00-16:00\n",
                          "nearest drive road"),
    "unknown mode": ("worker_id,start_lon,start_lat,shift,mode\nw,-122.6459,45.52,"
                     "Mon 08:00-16:00,bike\n", "bike"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_VISITS))
def test_bad_visits_exit_2(tiny_region, tmp_path, capsys, case):
    text, match = BAD_VISITS[case]
    v, w = write_plan_inputs(tmp_path, visits=text)
    assert main(plan_args(tiny_region, v, w, tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and match in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", sorted(BAD_WORKERS))
def test_bad_workers_exit_2(tiny_region, tmp_path, capsys, case):
    text, match = BAD_WORKERS[case]
    v, w = write_plan_inputs(tmp_path, workers=text)
    assert main(plan_args(tiny_region, v, w, tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and match in err


def test_non_csv_and_missing_files_exit_2(tiny_region, tmp_path, capsys):
    _v, w = write_plan_inputs(tmp_path)
    gpkg = tmp_path / "visits.gpkg"
    gpkg.write_bytes(b"SQLite format 3\x00" + bytes(200))
    assert main(plan_args(tiny_region, gpkg, w, tmp_path / "o")) == 2
    assert "not a CSV file" in capsys.readouterr().err
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 64)
    assert main(plan_args(tiny_region, binary, w, tmp_path / "o")) == 2
    assert "CSV" in capsys.readouterr().err
    assert main(plan_args(tiny_region, tmp_path / "nope.csv", w, tmp_path / "o")) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--days", "0"], "--days"),
        (["--days", "8"], "--days"),
        (["--time-limit", "0"], "--time-limit"),
        (["--max-snap-m", "-5"], "--max-snap-m"),
    ],
)
def test_bad_options_exit_2(tiny_region, tmp_path, capsys, extra, match):
    v, w = write_plan_inputs(tmp_path)
    args = plan_args(tiny_region, v, w, tmp_path / "out")
    args += extra  # the last value of an option wins
    assert main(args) == 2
    assert match in capsys.readouterr().err
