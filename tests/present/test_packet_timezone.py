"""A region in Ohio: calendars in America/New_York, GPX instants in UTC, whatever the server's zone."""

from __future__ import annotations

import datetime as dt
import io
import time
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import pandas as pd
import pytest

from geo_outreach.cli import main
from geo_outreach.errors import InputError
from geo_outreach.present import packet
from tests.cli.test_region_init import OHIO_SHIFT, init, shifted_inputs
from tests.conftest import TINY_VISITS_CSV, TINY_WORKERS_CSV
from tests.present.test_packet import write_plan

NY = ZoneInfo("America/New_York")


def _shift_csv(text: str, lon: str, lat: str) -> str:
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    table[lon] = (table[lon].astype(float) + OHIO_SHIFT[0]).round(6).astype(str)
    table[lat] = (table[lat].astype(float) + OHIO_SHIFT[1]).round(6).astype(str)
    return table.to_csv(index=False)


@pytest.fixture
def ohio_plan(tmp_path, capsys, monkeypatch):
    # the server's own zone must not matter
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    net, tracts, services = shifted_inputs(tmp_path / "data", OHIO_SHIFT)
    region = tmp_path / "ohio"
    assert init(region, net, tracts, services) == 0
    visits, workers = tmp_path / "visits.csv", tmp_path / "workers.csv"
    visits.write_text(_shift_csv(TINY_VISITS_CSV, "lon", "lat"))
    workers.write_text(_shift_csv(TINY_WORKERS_CSV, "start_lon", "start_lat"))
    plan = tmp_path / "plan"
    code = main(["plan", "--region", str(region), "--visits", str(visits), "--workers",
                 str(workers), "--days", "1", "--time-limit", "1", "-o", str(plan)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    yield region, plan
    monkeypatch.delenv("TZ")
    time.tzset()


def _check_packet(folder, stops):
    (ics,) = folder.glob("*.ics")
    (gpx_file,) = folder.glob("*.gpx")
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["America/New_York"]
    events = list(cal.walk("VEVENT"))
    visits = stops[stops["visit_id"].astype(str).str.len() > 0]
    visits = visits[visits["kind"].isin(["visit"])] if "kind" in visits else visits
    assert len(events) == len(visits) > 0
    day = dt.date(2025, 3, 3)  # a Monday in EST (UTC-5)
    for event, start in zip(events, visits["start"], strict=True):
        begin = event.decoded("DTSTART")
        assert str(begin.tzinfo) == "America/New_York"
        assert begin.strftime("%Y-%m-%d %H:%M") == f"{day.isoformat()} {start}"
    gpx = gpxpy.parse(gpx_file.read_text(encoding="utf-8"))
    for point, start in zip(gpx.waypoints, visits["start"], strict=True):
        hh, mm = map(int, start.split(":"))
        local = dt.datetime(2025, 3, 3, hh, mm, tzinfo=NY)
        assert point.time.utcoffset() == dt.timedelta(0)  # GPX times are UTC
        assert point.time == local
        assert point.time.hour == (hh + 5) % 24  # 08:36 in Ohio is 13:36 UTC, not 15:36 or 16:36


def test_ohio_packet_uses_new_york_time(ohio_plan, tmp_path):
    region, plan = ohio_plan
    stops = pd.read_csv(plan / "stops.csv", dtype=str, keep_default_na=False)
    worker = "van"
    for args, out in (
        (["--region", str(region)], tmp_path / "with-region"),
        ([], tmp_path / "from-plan"),  # the plan folder records its region's zone
    ):
        code = main(["export", "packet", "--plan", str(plan), "--worker", worker, "--day",
                     "Mon", "--week-of", "2025-03-03", "--no-html", "-o", str(out), *args])  # fmt: skip
        assert code == 0
        mine = stops[(stops["worker_id"] == worker) & (stops["day"] == "Mon")]
        _check_packet(out, mine)


def test_plan_without_zone_takes_the_zone_of_its_stops(tmp_path):
    plan = write_plan(tmp_path / "plan")  # stops in Portland, no plan.json
    read = packet.read_plan(plan)
    assert read.timezone is None
    assert packet.packet_timezone(read) == "America/Los_Angeles"
    assert packet.packet_timezone(read, "Europe/Stockholm") == "Europe/Stockholm"
    with pytest.raises(InputError, match="unknown time zone"):
        packet.packet_timezone(read, "Mars/Olympus")


def test_unknown_zone_in_export_exit_2(tmp_path, capsys):
    plan = write_plan(tmp_path / "plan")
    code = main(["export", "packet", "--plan", str(plan), "--worker", "w1", "--day", "Tue",
                 "--timezone", "Pacific/Nowhere", "--no-html", "-o", str(tmp_path / "pk")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "Pacific/Nowhere" in err and err.count("\n") == 1
