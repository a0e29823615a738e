"""Field packet: the PDF, GPX, ICS and HTML of a worker's day, read back and compared with the plan."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from geo_outreach.errors import InputError
from geo_outreach.present import assets, packet
from tests.browser import RequestRecorder, launch
from tests.conftest import require_map_assets, require_tool

LA = ZoneInfo("America/Los_Angeles")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

STOPS_CSV = """worker_id,day,sequence,kind,visit_id,name,address,arrival,start,end,lon,lat,languages,notes
w1,Tue,0,start,,Depot,"421 SW Oak St, Portland",08:30,08:30,08:30,-122.6765,45.5200,,
w1,Tue,1,visit,v01,Rosa Martinez,"1200 SE Morrison St, Portland",08:52,09:00,09:45,-122.6530,45.5170,es,Gate code 1234
w1,Tue,2,visit,v02,Nguyen family,"3300 SE Division St, Portland",10:05,10:05,10:50,-122.6300,45.5045,vi,Bring SNAP renewal forms
w1,Tue,3,break,,Lunch,,,11:30,12:00,,,,
w1,Tue,4,visit,v03,Community Center drop-in,"2301 SE 11th Ave, Portland",12:10,12:15,13:15,-122.6545,45.5065,es;ru,Ask for Irina
w1,Tue,5,visit,v04,Mr. Olsen,"700 NE Broadway, Portland",13:40,14:00,14:30,-122.6580,45.5350,en,
w1,Tue,6,end,,Depot,"421 SW Oak St, Portland",14:50,14:50,14:50,-122.6765,45.5200,,
w1,Wed,1,visit,v05,Wednesday visit,,09:00,09:00,09:30,-122.66,45.52,,
w2,Tue,1,visit,v06,Other worker stop,,09:00,09:00,09:30,-122.66,45.52,,
"""
VISITS = ["Rosa Martinez", "Nguyen family", "Community Center drop-in", "Mr. Olsen"]
STARTS = ["09:00", "10:05", "12:15", "14:00"]
ENDS = ["09:45", "10:50", "13:15", "14:30"]


def write_plan(folder: Path, stops_csv: str = STOPS_CSV, routes: bool = True) -> Path:
    """A plan folder as geo-outreach plan writes it (stops.csv, routes.geojson, unscheduled.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stops.csv").write_text(stops_csv, encoding="utf-8")
    (folder / "unscheduled.csv").write_text("visit_id,code,reason\nv99,skill,no worker speaks so\n")
    if routes:
        coords = [
            [-122.6765, 45.52],
            [-122.665, 45.518],
            [-122.653, 45.517],
            [-122.63, 45.5045],
            [-122.6545, 45.5065],
            [-122.658, 45.535],
            [-122.6765, 45.52],
        ]
        fc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"worker_id": "w1", "day": "Tue", "travel_s": 3000},
                    "geometry": {"type": "LineString", "coordinates": coords},
                },
                {
                    "type": "Feature",
                    "properties": {"worker_id": "w2", "day": "Tue", "travel_s": 10},
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[-122.66, 45.52], [-122.661, 45.521]],
                    },
                },
            ],
        }
        (folder / "routes.geojson").write_text(json.dumps(fc), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    return write_plan(tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def written(plan_dir, tmp_path_factory) -> packet.Packet:
    html = not assets.missing_assets()
    return packet.write_packet(
        plan_dir,
        tmp_path_factory.mktemp("packet"),
        worker="w1",
        day="tue",
        week_of=dt.date(2025, 3, 3),
        html=html,
    )


# --------------------------------------------------------------------------- reading plans


def test_plan_reader_normalises_and_orders(plan_dir):
    plan = packet.read_plan(plan_dir)
    assert plan.workers == ["w1", "w2"]
    stops, lines = packet.day_stops(plan, "W1", "Tuesday")
    assert list(stops["sequence"]) == [0, 1, 2, 3, 4, 5, 6]
    assert list(stops["kind"]) == ["start", "visit", "visit", "break", "visit", "visit", "end"]
    assert stops.loc[4, "languages"] == "es, ru"
    assert stops.loc[1, "start_min"] == 9 * 60
    assert lines is not None and len(lines) == 1
    assert len(plan.unscheduled) == 1


def test_plan_reader_accepts_other_spellings_and_seconds(tmp_path):
    csv = (
        "worker,day,seq,visit_id,name,arrival_s,start_s,end_s,longitude,latitude,skills\n"
        "a,Mon,2,x2,Second,36000,36000,37800,-122.6,45.5,vi;nurse\n"
        "a,Mon,1,x1,First,32400,32400,34200,-122.61,45.51,es\n"
    )
    write_plan(tmp_path / "p", csv, routes=False)
    plan = packet.read_plan(tmp_path / "p")
    stops, lines = packet.day_stops(plan, "a", "mon")
    assert list(stops["name"]) == ["First", "Second"]  # sorted by sequence
    assert list(stops["start"]) == ["09:00", "10:00"] and list(stops["end"]) == ["09:30", "10:30"]
    assert stops.loc[1, "languages"] == "vi, nurse"
    assert lines is None


@pytest.mark.parametrize(
    ("csv", "match"),
    [
        ("day,name,start\nMon,a,09:00\n", "worker_id"),
        ("worker_id,day,name,start\nw,Mon,a,9h30\n", r"row 2 column start"),
        ("worker_id,day,name,start,lon,lat\nw,Mon,a,09:00,-222,45\n", "lon/lat"),
        ("worker_id,day,name\nw,Mon,a\n", "no arrival or start"),
    ],
)
def test_bad_stops_csv_is_an_input_error_naming_the_problem(tmp_path, csv, match):
    write_plan(tmp_path / "bad", csv, routes=False)
    with pytest.raises(InputError, match=match):
        packet.read_plan(tmp_path / "bad")


def test_unknown_worker_or_day_lists_what_exists(plan_dir, tmp_path):
    with pytest.raises(InputError, match=r"workers: \['w1', 'w2'\]"):
        packet.write_packet(plan_dir, tmp_path, worker="w9", day="Tue")
    with pytest.raises(InputError, match=r"their days: \['Tue', 'Wed'\]"):
        packet.write_packet(plan_dir, tmp_path, worker="w1", day="Fri")
    with pytest.raises(InputError, match="not found"):
        packet.read_plan(tmp_path / "nowhere")


def test_weekday_becomes_a_date_in_the_week_of():
    week = dt.date(2025, 3, 3)  # a Monday
    assert packet.packet_date("Mon", week) == week
    assert packet.packet_date("tue", week) == dt.date(2025, 3, 4)
    assert packet.packet_date("Sunday", week) == dt.date(2025, 3, 9)
    assert packet.packet_date("Mon", dt.date(2025, 3, 5)) == dt.date(2025, 3, 10)  # next one
    assert packet.packet_date("2025-06-01") == dt.date(2025, 6, 1)
    # default: the week starting next Monday
    assert packet.packet_date("Wed", today=dt.date(2025, 3, 3)) == dt.date(2025, 3, 12)
    assert packet.packet_date("Wed", today=dt.date(2025, 3, 8)) == dt.date(2025, 3, 12)
    with pytest.raises(InputError, match="weekday"):
        packet.packet_date("someday")


# --------------------------------------------------------------------------- files read back


def test_gpx_waypoints_match_the_plan_in_order_and_time(written):
    gpx = gpxpy.parse(written.gpx.read_text(encoding="utf-8"))
    names = [w.name for w in gpx.waypoints]
    # visits numbered 1..N; the break between stops 2 and 3 takes no number (issue 11)
    assert names == [f"{s:02d} {n}" for s, n in zip([1, 2, 3, 4], VISITS, strict=True)]
    for w, start in zip(gpx.waypoints, STARTS, strict=True):
        local = w.time.astimezone(LA)
        assert local.date() == dt.date(2025, 3, 4) and local.strftime("%H:%M") == start
    assert gpx.waypoints[0].latitude == pytest.approx(45.517)
    # the route goes depot -> visits -> depot; the road path is a track
    (route,) = gpx.routes
    assert len(route.points) == 6 and route.points[0].name.startswith("Start")
    assert len(gpx.tracks) == 1 and len(gpx.tracks[0].segments[0].points) == 7


def test_ics_has_one_event_per_visit_in_local_time(written):
    cal = icalendar.Calendar.from_ical(written.ics.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == [f"{i}. {v}" for i, v in enumerate(VISITS, 1)]
    for e, start, end in zip(events, STARTS, ENDS, strict=True):
        s, f = e.decoded("DTSTART"), e.decoded("DTEND")
        assert str(s.tzinfo) == "America/Los_Angeles"
        assert s.strftime("%Y-%m-%d %H:%M") == f"2025-03-04 {start}"
        assert f.strftime("%H:%M") == end
    assert [e.decoded("DTSTART") for e in events] == sorted(e.decoded("DTSTART") for e in events)
    assert str(events[0]["LOCATION"]) == "1200 SE Morrison St, Portland"
    assert events[0].decoded("GEO") is not None
    assert (events[0]["GEO"].latitude, events[0]["GEO"].longitude) == (45.517, -122.653)
    assert "Gate code 1234" in str(events[0]["DESCRIPTION"])
    assert "Spanish, Russian" in str(events[2]["DESCRIPTION"])  # language names, not codes
    assert len({str(e["UID"]) for e in events}) == 4
    tz = list(cal.walk("VTIMEZONE"))
    assert [str(t["TZID"]) for t in tz] == ["America/Los_Angeles"]


def _render_pdf(path: Path, out: Path, dpi: int = 60) -> list[Image.Image]:
    require_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(path), str(out / "pg")], check=True)
    return [Image.open(p).convert("L") for p in sorted(out.glob("pg*.png"))]


def _pdf_text(path: Path) -> str:
    require_tool("pdftotext")
    res = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return res.stdout


def _map_inked(page: Image.Image) -> float:
    """Share of non-white pixels inside the map frame of a Letter sheet (1.4-5.0 in from the
    top, 0.5 in side margins), frame excluded."""
    grey = np.asarray(page, dtype=float)
    h, w = grey.shape
    band = grey[int(h * 1.5 / 11) : int(h * 4.9 / 11), int(w * 0.6 / 8.5) : int(w * 7.9 / 8.5)]
    return float((band < 235).mean())


def test_route_sheet_pdf_renders_with_map_and_every_stop(written, tmp_path):
    (page,) = _render_pdf(written.pdf, tmp_path)
    assert page.size == (510, 660)  # US Letter at 60 dpi
    assert np.asarray(page, dtype=float).std() > 20
    assert _map_inked(page) > 0.01
    text = _pdf_text(written.pdf)
    flat = " ".join(text.split())
    for words in [
        *VISITS,
        "1200 SE Morrison St",
        "9:00 AM –",  # clock times as the sheet's language writes them (a range breaks at its dash)
        "9:45 AM",
        "arrive 8:52 AM",
        "Break",
        "Tuesday 04 March 2025",
        "4 visits",
        "Spanish",  # languages by name, in their own column
        "Russian",
        "Ask for Irina",
        "OpenStreetMap",
        "Page 1 of 1",
    ]:
        assert words in flat, words
    order = [flat.index(v) for v in VISITS]
    assert order == sorted(order)
    # the table numbers the visits 1..4: the break row has no number, none is skipped
    rows = [ln.split() for ln in text.splitlines() if ln.strip()]
    numbered = [
        r[0] for r in rows if r[0].isdigit() and len(r) > 1 and re.fullmatch(r"\d{1,2}:\d\d", r[1])
    ]
    assert numbered == ["1", "2", "3", "4"], numbered
    page.save(ARTIFACTS / "packet_page.png") if ARTIFACTS.is_dir() else None


def test_long_day_pages_break_with_a_map_on_each_page(tmp_path):
    rows = ["worker_id,day,sequence,visit_id,name,address,start,end,lon,lat,languages,notes"]
    for i in range(1, 19):
        t0 = 8 * 60 + i * 25
        rows.append(
            f"w,Mon,{i},v{i},Household {i},{100 + i} SE Main St,{t0 // 60:02d}:{t0 % 60:02d},"
            f"{(t0 + 20) // 60:02d}:{(t0 + 20) % 60:02d},{-122.67 + i * 0.002},"
            f"{45.51 + (i % 4) * 0.003},es,"
            + "Long note about access to the building and what to bring "
            * 2
        )
    write_plan(tmp_path / "long", "\n".join(rows) + "\n", routes=False)
    out = packet.write_packet(
        tmp_path / "long",
        tmp_path / "out",
        worker="w",
        day="Mon",
        week_of=dt.date(2025, 3, 3),
        html=False,
    )
    pages = _render_pdf(out.pdf, tmp_path)
    assert len(pages) >= 2
    assert all(_map_inked(p) > 0.01 for p in pages)
    text = " ".join(_pdf_text(out.pdf).split())
    assert all(
        f"Household {i} " in text or f"Household {i}\n" in text or f"Household {i}" in text
        for i in range(1, 19)
    )
    assert f"Page {len(pages)} of {len(pages)}" in text
    assert out.html is None


# --------------------------------------------------------------------------- HTML in a browser


@pytest.mark.browser
def test_packet_html_opens_offline_in_chromium(written):
    require_map_assets()
    assert written.html is not None
    with launch() as browser:
        page = browser.new_page(viewport={"width": 800, "height": 600})
        rec = RequestRecorder(page)
        page.goto(written.html.as_uri())
        page.wait_for_selector(".leaflet-overlay-pane svg path", timeout=10_000)
        n_paths = page.locator(".leaflet-overlay-pane svg path").count()
        title = page.title()
        page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").last.hover()
        page.wait_for_selector(".leaflet-tooltip", timeout=10_000)  # the hover's tooltip
        tooltip = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
    rec.assert_local()
    assert rec.errors == []
    assert n_paths >= 1 + 4 + 1  # route + 4 visits + depot
    assert title == "w1: Tuesday 04 March 2025"  # the worker (no name in this plan) and the day
    assert any(v in tooltip for v in VISITS) or "Depot" in tooltip


def test_written_paths_are_named_by_worker_and_date(written):
    assert written.pdf.name == "w1_2025-03-04.pdf"
    assert {p.suffix for p in written.paths} >= {".pdf", ".gpx", ".ics"}
    assert list(written.stops["visit_id"][written.stops["kind"] == "visit"]) == [
        "v01",
        "v02",
        "v03",
        "v04",
    ]
    assert isinstance(written.stops, pd.DataFrame)


def test_a_named_workers_packet_calls_them_by_name_not_by_id(tmp_path):
    named = STOPS_CSV.replace("worker_id,day,", "worker_id,worker_name,day,", 1)
    named = "\n".join(
        ln.replace("w1,", "w1,Ana Lopez,", 1) if ln.startswith("w1,") else
        ln.replace("w2,", "w2,Ben,", 1) if ln.startswith("w2,") else ln
        for ln in named.splitlines()
    ) + "\n"  # fmt: skip
    out = packet.write_packet(
        write_plan(tmp_path / "plan", named),
        tmp_path / "out",
        worker="w1",
        day="Tue",
        week_of=dt.date(2025, 3, 3),
        html=False,
    )
    text = " ".join(_pdf_text(out.pdf).split())
    assert "Route sheet: Ana Lopez" in text and "w1" not in text
    cal = icalendar.Calendar.from_ical(out.ics.read_bytes())
    assert cal["x-wr-calname"] == "Outreach Ana Lopez Mar 4, 2025"
    uids = [str(e["uid"]) for e in cal.walk("VEVENT")]
    assert uids and all("-w1-2025-03-04-" in u for u in uids)  # stable ids stay in the UIDs
    assert out.pdf.name.startswith("w1_2025-03-04")  # file names keep the id
