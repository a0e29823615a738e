"""What My day shows, decided in the library: navigation links, notes, plan updates, bounds."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest

from geo_outreach.team import plans as pl
from geo_outreach.team.day import (
    day_bounds,
    last_notes,
    local_hhmm,
    navigate_links,
    plan_update_note,
)
from geo_outreach.team.roles import AccessDeniedError, Actor

MANAGER = Actor("maria", "manager")
VAN = Actor("vic", "worker", worker_id="van")
WALKER = Actor("wally", "worker", worker_id="walker")


def test_navigate_links_carry_coordinates_only():
    links = navigate_links(45.5201234, -122.6461)
    assert list(links) == ["Navigate", "OpenStreetMap", "Apple Maps"]
    assert links["Navigate"] == "geo:45.520123,-122.646100?q=45.520123,-122.646100"
    assert unquote(links["OpenStreetMap"]).endswith("directions?route=;45.520123,-122.646100")
    assert links["OpenStreetMap"].startswith("https://www.openstreetmap.org/directions?")
    assert links["Apple Maps"] == "https://maps.apple.com/?daddr=45.520123,-122.646100"
    for url in links.values():  # nothing but the scheme, the host and numbers
        rest = re.sub(r"^(geo:|https://[a-z.]+/[a-z]*\?)", "", url)
        assert re.fullmatch(r"[a-z=&;?%0-9A-F.,\-]*", rest), url


def test_plan_updated_note_in_the_regions_time():
    route = {"plan_id": 4, "published_at": "2026-03-02T17:05:00+00:00",
             "timezone": "America/Los_Angeles"}  # fmt: skip
    assert plan_update_note(None, route) is None  # first look
    assert plan_update_note((4, route["published_at"]), route) is None  # nothing new
    assert (
        plan_update_note((3, "2026-03-02T16:00:00+00:00"), route) == "Plan updated at 9:05\u202fAM"
    )
    from geo_outreach import i18n

    with i18n.using(i18n.PSEUDO):  # the note goes through the catalogues (the time is data)
        note = plan_update_note((3, None), route)
        assert note is not None and note.startswith("⟦Plan updated at ") and "9:05" in note
    with i18n.using("sv"):  # 24 h where the language writes it so
        assert "09:05" in str(plan_update_note((3, None), route))
    assert local_hhmm("2026-03-02T17:05:00+00:00", "Nowhere/Else") == "17:05"


def test_day_bounds_hold_every_stop_and_the_start_and_end():
    route = {"stops": [{"lon": -122.60, "lat": 45.50}, {"lon": -122.58, "lat": 45.52}],
             "depot": {"start": {"lon": -122.65, "lat": 45.51, "time": "08:30"}}}  # fmt: skip
    x0, y0, x1, y1 = day_bounds(route, pad_deg=0.0)
    assert (x0, y0, x1, y1) == (-122.65, 45.50, -122.58, 45.52)
    with pytest.raises(ValueError):
        day_bounds({"stops": [], "depot": {}})


def test_last_notes_and_route_path_are_the_workers_own(team_store, plan_dir):
    plan = pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny", actor=MANAGER)
    van_mon = next(r for r in plan["routes"] if (r["worker_id"], r["day"]) == ("van", "Mon"))
    stop = van_mon["stops"][0]
    for hour, note in ((11, "gate code changed"), (9, "dog in the yard")):
        pl.record_plan_visit(
            team_store, plan_id=plan["id"], worker_id="van", visit_id=stop["visit_id"],
            occurrence=stop["occurrence"], date=dt.date(2026, 3, 2), outcome="done", note=note,
            visited_at=dt.datetime(2026, 3, 2, hour), actor=VAN,
        )  # fmt: skip
    assert last_notes(team_store, worker_id="van", actor=VAN) == {
        stop["visit_id"]: "gate code changed"
    }
    with pytest.raises(AccessDeniedError, match="refused"):
        last_notes(team_store, worker_id="van", actor=WALKER)
    fc = pl.route_geojson(team_store, plan["id"], worker_id="van", day="Mon", actor=VAN)
    assert len(fc["features"]) == 1
    assert fc["features"][0]["properties"]["worker_id"] == "van"
    assert pl.route_geojson(team_store, plan["id"], worker_id="van", day="Sun")["features"] == []
    with pytest.raises(AccessDeniedError):
        pl.route_geojson(team_store, plan["id"], worker_id="van", day="Mon", actor=WALKER)
