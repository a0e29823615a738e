"""AppTest runs of every dashboard page on a small synthetic region."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from .conftest import APP_MAIN, has_vendor_assets

pytestmark = pytest.mark.skipif(
    not has_vendor_assets(), reason="map assets missing: run scripts/fetch_assets.sh"
)


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
    top = _frame(at, "underserved_rank")
    assert list(top["underserved_rank"])[:3] == [1, 2, 3]
    assert top["reason"].str.len().min() > 20  # a real sentence per tract
    # the map iframe carries local Leaflet, never a CDN
    frames = [e for e in at.main if type(e).__name__ == "UnknownElement" and e.type == "iframe"]
    assert frames, "no map iframe"
    html = frames[0].proto.srcdoc
    assert "/app/static/vendor/leaflet@" in html and "cdn.jsdelivr" not in html
    # change the main widgets: layer, tract, scenario
    at.selectbox(key="needs_layer").select_index(1).run()
    assert not at.exception
    at.selectbox(key="needs_tract").select_index(1).run()
    assert at.info[0].value == str(top["reason"].iloc[1])
    at.sidebar.radio(key="scenario_mode").set_value("walk").run()
    assert not at.exception and not _errors(at)
    cols = _frame(at, "underserved_rank").columns
    assert any(c.endswith("_walk_min") for c in cols)


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
    stops = _frame(at, "gain")
    assert len(stops) == 2 and stops["gain"].is_monotonic_decreasing
    at.multiselect(key="stops_talt").set_value([20]).run()
    at.button(key="stops_compare").click().run()
    table = _frame(at, "scenario")
    assert table["scenario"].tolist()[0] == "base" and "T=20 min" in table["scenario"].tolist()
    # more time covers at least as many people (same p)
    cov = table.set_index("scenario")["covered_population"]
    assert cov["T=20 min"] >= cov["base"] - 1e-6
    # set covering needs no p
    at.selectbox(key="stops_model").select_index(1)
    at.button[0].click().run()
    assert not at.exception


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
    timeline = _frame(at, "travel")
    assert set(timeline["worker_id"]) <= {"ana", "ben"}
    # Ben has no Spanish: Spanish visits are never his
    plan = at.session_state["route_plan"]["result"].stops_frame()
    es = set(visits.loc[visits["skills"] == "es", "visit_id"])
    assert not (set(plan.loc[plan["worker_id"] == "ben", "visit_id"]) & es)

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


def test_community_map_exports_offline_html(app_env: Path) -> None:
    at = _app()
    at.switch_page("views/community.py").run()
    assert at.title[0].value == "Community map"
    at.text_input(key="community_title").input("Clinic access, east side").run()
    at.selectbox(key="community_shade").set_value("Need index").run()
    at.checkbox(key="community_zones").uncheck().run()
    assert not at.exception and not _errors(at)
    frames = [e for e in at.main if type(e).__name__ == "UnknownElement" and e.type == "iframe"]
    assert "Clinic access, east side" in frames[0].proto.srcdoc
