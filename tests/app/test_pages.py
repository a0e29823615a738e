"""AppTest runs of every dashboard page on a small synthetic region."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo_outreach.errors import InputError

from .conftest import APP_MAIN, app_module


@pytest.fixture(autouse=True)
def _needs_map_assets() -> None:
    """Skip without the map assets; fail instead in CI (CI=true)."""
    from tests.conftest import require_map_assets

    require_map_assets()


def _app() -> AppTest:
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table shown that has ``column``."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_needs_page_scores_every_tract_and_explains_one(app_env: Path) -> None:
    import geopandas as gpd

    n_tracts = len(gpd.read_file(app_env / "tracts.gpkg", layer="tracts"))
    at = _app()
    assert at.title[0].value == "Needs and access"
    m = _metrics(at)
    assert m["Tracts"] == str(n_tracts)
    assert int(m["Underserved tracts"]) >= 1
    top = _frame(at, "Underserved rank")
    assert list(top["Underserved rank"])[:3] == [1, 2, 3]
    assert top["Why"].str.len().min() > 20  # a real sentence per tract
    # the map iframe carries local Leaflet, never a CDN
    frames = [e for e in at.main if type(e).__name__ == "UnknownElement" and e.type == "iframe"]
    assert frames, "no map iframe"
    html = frames[0].proto.srcdoc
    assert "/app/static/vendor/leaflet@" in html and "cdn.jsdelivr" not in html
    # change the main widgets: layer, tract, scenario
    at.selectbox(key="needs_layer").set_value("need_score").run()
    assert not at.exception
    at.selectbox(key="needs_tract").select_index(1).run()
    assert at.info[0].value == str(top["Why"].iloc[1])
    at.sidebar.radio(key="scenario_mode").set_value("walk").run()
    assert not at.exception and not _errors(at)
    cols = _frame(at, "Underserved rank").columns
    assert any(c.startswith("Minutes to the nearest") and c.endswith("(on foot)") for c in cols)


def test_stops_page_runs_models_and_what_if(app_env: Path) -> None:
    at = _app()
    at.switch_page("views/stops.py").run()
    assert at.title[0].value == "Plan stops"
    at.selectbox(key="stops_model").select_index(0)
    at.number_input(key="stops_p").set_value(2)
    at.slider(key="stops_T").set_value(10)
    at.radio(key="stops_mode").set_value("walk")
    at.button[0].click().run()  # the form's Run button
    assert not at.exception and not _errors(at)
    assert _metrics(at)["Stops"] == "2"
    stops = _frame(at, "People newly reached")
    assert len(stops) == 2 and stops["Rank"].tolist() == [1, 2]  # in order of gain
    assert not stops["Name"].astype(str).str.startswith("node:").any()  # names, not ids
    at.multiselect(key="stops_talt").set_value([20]).run()
    at.button(key="stops_compare").click().run()
    table = _frame(at, "Scenario")
    names = table["Scenario"].tolist()
    assert names[0] == "This plan" and "Reach within 20 minutes" in names
    # more time covers at least as many people (same p)
    cov = table.set_index("Scenario")["People reached"]
    assert cov["Reach within 20 minutes"] >= cov["This plan"]
    # set covering needs no p
    at.selectbox(key="stops_model").select_index(1)
    at.button[0].click().run()
    assert not at.exception
    chosen = at.session_state["stops_result"][0].stops["site_id"].astype(str).tolist()
    # siting -> routing in one step: the stops become Plan routes' visits
    at.text_input(key="stops_windows").set_value("Tue/Thu 10:00-14:00")
    at.number_input(key="stops_duration").set_value(90)
    at.button(key="stops_to_routes").click().run()
    assert not at.exception and not _errors(at)
    assert at.title[0].value == "Plan routes"
    assert any(
        f"Visits from the stops of Plan stops ({len(chosen)} rows)" in c.value for c in at.caption
    )
    _, table = at.session_state["routes_visits_src"]
    assert table["visit_id"].tolist() == chosen
    assert set(table["windows"]) == {"Tue/Thu 10:00-14:00"} and set(table["duration_min"]) == {"90"}


def test_routes_page_plans_uploaded_tables_and_reports_bad_ones(
    app_env: Path, plan_tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    visits, workers = plan_tables
    at = _app()
    at.switch_page("views/routes.py").run()
    assert at.title[0].value == "Plan routes"
    # an upload with an unknown skill: a clear error, no traceback
    bad = visits.copy()
    bad.loc[0, "skills"] = "klingon"
    at.session_state["routes_visits_src"] = ("bad.csv", bad)
    at.session_state["routes_workers_src"] = ("workers.csv", workers)
    at.run()
    at.number_input(key="routes_limit").set_value(1)
    at.multiselect(key="routes_days").set_value(["Mon", "Tue"])
    at.button(key="routes_run").click().run()
    assert not at.exception
    assert any("unknown skill" in e for e in _errors(at))
    # the good tables plan
    at.session_state["routes_visits_src"] = ("visits.csv", visits)
    at.run()
    at.button(key="routes_run").click().run()
    assert not at.exception and not _errors(at)
    m = _metrics(at)
    assert int(m["Visits planned"]) + int(m["Not planned"]) == len(visits)
    assert int(m["Visits planned"]) >= 6
    timeline = _frame(at, "Travel time")  # the route table names the workers
    assert set(timeline["Worker"]) <= {"Ana", "Ben"}
    assert timeline["Distance"].str.endswith(("miles", "kilometres")).all()
    # Ben has no Spanish: Spanish visits are never his
    plan = at.session_state["route_plan"]["plan"].stops
    es = set(visits.loc[visits["skills"] == "es", "visit_id"])
    assert not (set(plan.loc[plan["worker_id"] == "ben", "visit_id"]) & es)
    # the plan folder is what geo-outreach plan writes, and the route lines follow roads
    folder = Path(at.session_state["route_plan"]["dir"])
    assert {"routes.geojson", "stops.csv", "unscheduled.csv"} <= {p.name for p in folder.iterdir()}
    routes = at.session_state["route_plan"]["plan"].routes
    legs = plan[plan["kind"] == "visit"].groupby(["worker_id", "day"]).size()
    assert (routes.set_index(["worker_id", "day"])["n_stops"] == legs).all()
    assert all(
        len(g.coords) > n + 2 for g, n in zip(routes.geometry, routes["n_stops"], strict=True)
    )
    # another day on the map
    day_radio = at.radio(key="routes_map_day")
    if len(day_radio.options) > 1:
        day_radio.set_value(day_radio.options[1]).run()
        assert not at.exception
        assert set(_frame(at, "Stops")["Worker"]) <= {"Ana", "Ben"}

    # My day: the worker's ordered stops
    at.switch_page("views/my_day.py").run()
    assert not at.exception
    worker = at.selectbox(key="myday_worker")
    assert worker.value in {"Ana (ana)", "Ben (ben)"}
    md = " ".join(x.value for x in at.markdown)
    assert "stops" in md and "Home visit" in md


def test_my_day_without_plan_offers_the_sample(app_env: Path) -> None:
    at = _app()
    at.switch_page("views/my_day.py").run()
    assert not at.exception
    assert at.button(key="myday_demo")
    assert "No plan yet" in at.info[0].value


def test_upload_checks_name_the_problem() -> None:
    logic = app_module("logic")
    for data, name, words in (
        (b"\x89PNG\r\n\x1a\n\x00\x00", "visits.png", "not a CSV text file"),
        (b"visit_id,lat\nA,45.5\n", "visits.csv", r"missing column.*duration_min"),
        (b"visit_id,lon,lat,duration_min,skills\nA,-122.6,45.5,30,klingon\n", "v.csv", "klingon"),
    ):
        with pytest.raises(InputError, match=words) as err:
            logic.check_upload("visits", logic.read_upload(data, name), name)
        assert str(err.value).startswith(name)  # the user's file, not a temporary one


def _iframes(at: AppTest) -> list[str]:
    return [
        e.proto.srcdoc
        for e in at.main
        if type(e).__name__ == "UnknownElement" and e.type == "iframe"
    ]


def test_community_map_preview_and_downloads(app_env: Path) -> None:
    at = _app()
    at.switch_page("views/community.py").run()
    assert at.title[0].value == "Community map"
    at.text_input(key="community_title").input("Clinic access, east side").run()
    at.selectbox(key="community_shade").set_value("need_score").run()
    at.checkbox(key="community_zones").uncheck().run()
    assert not at.exception and not _errors(at)
    assert "Clinic access, east side" in _iframes(at)[0]
    labels = {b.label for b in at.get("download_button")}
    assert {"Download map (PNG)", "Download map (PDF)"} <= labels
    assert any("HTML" in x for x in labels)


def test_my_day_records_each_stop_once_and_impact_counts_it(
    app_env: Path, visit_home: Path, planned: dict
) -> None:
    from geo_outreach.visits.store import open_store, visits_frame

    at = _app()
    at.session_state["route_plan"] = planned
    at.switch_page("views/my_day.py").run()
    assert not at.exception and not _errors(at)
    plan = planned["plan"]
    worker = at.selectbox(key="myday_worker")
    wid = worker.value.split("(")[-1].rstrip(")")
    day = at.selectbox(key="myday_day").value
    mine = plan.stops[
        (plan.stops["worker_id"] == wid)
        & (plan.stops["day"] == day)
        & (plan.stops["kind"] == "visit")
    ]
    md = " ".join(x.value for x in at.markdown)
    assert f"**{len(mine)} stops**" in md
    first = mine.iloc[0]
    sk = "_".join([wid, day, first["visit_id"], str(first["occurrence"])])
    key_before = at.session_state[f"rec_key_{sk}"]
    # fill the first stop's form: done, 3 people, 2 food referrals, follow-up, note
    at.radio(key=f"rec_outcome_{sk}").set_value("done")
    at.number_input(key=f"rec_people_{sk}").set_value(3)
    at.number_input(key=f"rec_ref_food_{sk}").set_value(2)
    at.checkbox(key=f"rec_follow_{sk}").check()
    at.text_area(key=f"rec_note_{sk}").input("left a flyer")
    at.button(key=f"rec_save_{sk}").click().run()
    assert not at.exception and not _errors(at)
    assert any("Saved" in s.value for s in at.success)
    # pressed again (a double tap or a retry): the same key, stored once
    at.button(key=f"rec_save_{sk}").click().run()
    assert at.session_state[f"rec_key_{sk}"] == key_before
    assert any("Already saved" in s.value for s in at.info)
    with open_store(home=visit_home) as store:
        v = visits_frame(store)
    assert len(v) == 1
    r = v.iloc[0]
    assert (r["worker_id"], r["planned_visit_id"], r["outcome"]) == (wid, first["visit_id"], "done")
    assert int(r["people_reached"]) == 3 and int(r["referrals_food"]) == 2
    assert bool(r["followup_needed"]) and r["note"] == "left a flyer"
    assert "✓ Done" in " ".join(x.value for x in at.markdown)
    # a bad entry (follow-up due before the visit) is an error message, nothing stored
    second = mine.iloc[1]
    sk2 = "_".join([wid, day, second["visit_id"], str(second["occurrence"])])
    at.checkbox(key=f"rec_follow_{sk2}").check()
    at.date_input(key=f"rec_due_{sk2}").set_value(dt.date.today() - dt.timedelta(days=3))
    at.button(key=f"rec_save_{sk2}").click().run()
    assert not at.exception
    assert any("followup_due" in e for e in _errors(at)), _errors(at)
    with open_store(home=visit_home) as store:
        assert len(visits_frame(store)) == 1

    # field packet for the day: PDF, GPX, ICS and offline HTML
    at.button(key="myday_packet").click().run()
    assert not at.exception
    assert all("followup_due" in e for e in _errors(at))  # only the stop's pending message
    files = at.session_state["myday_packet_files"][1]
    assert files["pdf"].startswith(b"%PDF") and b"<gpx" in files["gpx"]
    assert files["ics"].count(b"BEGIN:VEVENT") == len(mine)
    assert b"leaflet" in files["html"].lower()
    assert {b.label for b in at.get("download_button")} >= {
        "Route sheet (PDF, to print)",
        "GPS route (GPX)",
        "Calendar (ICS)",
        "Offline map (HTML)",
    }

    # Impact: the recorded visit counts once, in its tract, with its referrals and follow-up
    at.switch_page("views/impact.py").run()
    assert not at.exception and not _errors(at)
    m = _metrics(at)
    assert (m["Visits recorded"], m["People reached"], m["Referrals"]) == ("1", "3", "2")
    assert m["Follow-ups open"] == "1"
    assert m["Planned stops"] == str(int((plan.stops["kind"] == "visit").sum()))
    assert m["Done"] == "1"
    reach = _frame(at, "People reached")
    assert reach["People reached"].sum() == 3 and (reach["Name"] != "").all()
    at.checkbox(key="impact_use_plan").uncheck().run()
    assert "Planned stops" not in _metrics(at)


@pytest.fixture(scope="module")
def se_app_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small Swedish-style region (no Portland anywhere near)."""
    from geo_outreach.data.synth import generate_region

    folder = tmp_path_factory.mktemp("se_app") / "se"
    generate_region(folder, nodes=800, seed=2, country="SE")
    return folder


def test_a_synthetic_region_shows_no_portland_data(
    se_app_region: Path, visit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geopandas as gpd

    monkeypatch.setenv("GEO_OUTREACH_APP_REGION", str(se_app_region))
    demo_ids = set(app_module("logic").demo_table("visits")["visit_id"])
    demo_workers = set(app_module("logic").demo_table("workers")["worker_id"])
    at = _app()
    at.switch_page("views/routes.py").run()
    assert not at.exception and not _errors(at)
    # empty tables with the right columns, plus the sample-week button
    editors = {tuple(e.value.columns): e.value for e in at.dataframe}
    from geo_outreach.optimize.routing.sample import VISIT_COLUMNS, WORKER_COLUMNS

    assert len(editors[VISIT_COLUMNS]) == 0 and len(editors[WORKER_COLUMNS]) == 0
    captions = " ".join(c.value for c in at.caption)
    assert "visits.csv (0 rows)" in captions and "demo_" not in captions
    at.button(key="routes_sample").click().run()
    assert not at.exception
    editors = {tuple(e.value.columns): e.value for e in at.dataframe}
    visits, workers = editors[VISIT_COLUMNS], editors[WORKER_COLUMNS]
    assert len(visits) > 0 and len(workers) > 0
    assert not set(visits["visit_id"]) & demo_ids
    assert not set(workers["worker_id"]) & demo_workers
    minx, miny, maxx, maxy = gpd.read_file(se_app_region / "tracts.gpkg").total_bounds
    assert visits["lon"].astype(float).between(minx, maxx).all()
    assert visits["lat"].astype(float).between(miny, maxy).all()
    # the analysis pages: this region's areas, nothing of the demo
    for page in ("views/needs.py", "views/community.py"):
        at.switch_page(page).run()
        assert not at.exception and not _errors(at), page
        shown = " ".join(str(x.value) for x in [*at.markdown, *at.caption, *at.info, *at.title])
        assert "Portland" not in shown and "Multnomah" not in shown, page
        for df in at.dataframe:
            text = df.value.astype(str).to_string()
            assert "Portland" not in text and "41051" not in text, page
    at.switch_page("views/routes.py").run()
    # My day offers a sample week of this region, and it plans without "far from the road"
    at.switch_page("views/my_day.py").run()
    assert not at.exception
    button = at.button(key="myday_demo")
    assert button.label == "Make a sample week for this region"
    button.click().run()
    assert not at.exception and not _errors(at)
    plan = at.session_state["route_plan"]["plan"]
    assert not set(plan.stops["visit_id"]) & demo_ids
    assert set(plan.routes["worker_id"]) <= {f"sample_van_{k}" for k in (1, 2)}
    assert (
        len(plan.unscheduled) == 0
        or not plan.unscheduled["reason"].str.contains("road network").any()
    )
