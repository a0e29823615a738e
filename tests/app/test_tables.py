"""Tables people read on Needs and access, Plan stops and Impact: human headers in the page's
language (never an engine column name such as ``underserved_rank``), people as whole numbers,
rounded scores, and names instead of internal ids (``node:123``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo_outreach.i18n import PSEUDO, PSEUDO_OPEN

from .conftest import APP_MAIN

SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.fixture(autouse=True)
def _needs_map_assets() -> None:
    from tests.conftest import require_map_assets

    require_map_assets()


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe]


def _check_tables(tables: list[pd.DataFrame], lang: str) -> None:
    assert tables, "no table shown"
    for df in tables:
        for header in map(str, df.columns):
            assert not SNAKE_CASE.match(header) and "_" not in header, header
            if lang == PSEUDO:  # the header went through the catalogue
                assert PSEUDO_OPEN in header, header
        text = df.astype(str).to_string()
        assert "node:" not in text  # names, not the network's ids
        for col in df.columns:
            values = pd.to_numeric(df[col], errors="coerce").dropna()
            if values.empty or df[col].dtype == object:
                continue
            # no long tails of decimals: at most two
            assert (values.round(2) == values).all(), (col, values.tolist())


def _tooltip_aliases(at: AppTest) -> list[str]:
    """The labels of every map tooltip and popup on the page (folium's ``aliases``)."""
    import json

    out: list[str] = []
    for e in at.main:
        if type(e).__name__ == "UnknownElement" and e.type == "iframe":
            for found in re.findall(r"let aliases = (\[.*?\]);", e.proto.srcdoc):
                out += json.loads(found)
    return out


def _check_tooltips(at: AppTest, lang: str) -> None:
    aliases = _tooltip_aliases(at)
    assert aliases, "no map tooltip"
    for alias in aliases:
        assert not SNAKE_CASE.match(alias) and "_" not in alias, alias
        if lang == PSEUDO:
            assert PSEUDO_OPEN in alias, alias


def _people_are_whole(df: pd.DataFrame, header: str) -> None:
    values = pd.to_numeric(df[header], errors="coerce").dropna()
    assert len(values) and (values == values.round()).all(), header


@pytest.mark.parametrize("lang", ["en", PSEUDO])
def test_needs_and_stops_tables_read_as_words(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv("GEO_OUTREACH_LANG", lang)
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    _check_tables(_tables(at), lang)  # Needs and access: top tracts and zones
    _check_tooltips(at, lang)
    if lang == "en":
        top = _tables(at)[0]
        _people_are_whole(top, "People")
        assert "Census Tract" in top["Name"].iloc[0]
    at.switch_page("views/stops.py").run()
    at.number_input(key="stops_p").set_value(2)
    at.button[0].click().run()  # the form's Run button
    at.multiselect(key="stops_talt").set_value([20]).run()
    at.multiselect(key="stops_close").set_value(
        [at.session_state["stops_result"][0].stops["site_id"].iloc[0]]
    ).run()
    at.button(key="stops_compare").click().run()
    assert not at.exception, at.exception
    tables = _tables(at)
    assert len(tables) == 2  # the stops and the what-if comparison
    _check_tables(tables, lang)
    _check_tooltips(at, lang)
    stops, what_if = tables
    why = stops[stops.columns[2]].astype(str)  # rank, name, why, ...
    assert not why.str.contains("node on|existing ", regex=True).any()  # not the engine's words
    if lang == PSEUDO:  # why a place was a candidate is said in the reader's language
        assert why.str.contains(PSEUDO_OPEN, regex=False).all(), why.tolist()
    if lang == "en":
        assert why.str.startswith(("On a", "An existing service")).all(), why.tolist()
        _people_are_whole(stops, "People newly reached")
        first = at.session_state["stops_result"][0].stops["name"].iloc[0]
        assert f"Without {first}" in what_if["Scenario"].tolist()


@pytest.mark.parametrize("lang", ["en", PSEUDO])
def test_impact_tables_read_as_words(
    app_env: Path, visit_home: Path, planned: dict, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from geo_outreach.visits.store import open_store, record_visit

    monkeypatch.setenv("GEO_OUTREACH_LANG", lang)
    import geopandas as gpd
    from shapely.geometry import Point

    stop = planned["plan"].stops.query("kind == 'visit'").iloc[0]
    tracts = gpd.read_file(app_env / "tracts.gpkg", layer="tracts").to_crs(4326)
    here = tracts[tracts.contains(Point(float(stop["lon"]), float(stop["lat"])))]
    today = dt.date.today()
    with open_store(home=visit_home) as store:
        record_visit(
            store,
            worker_id=str(stop["worker_id"]),
            visited_at=dt.datetime.combine(today, dt.time(0, 5)),
            outcome="done",
            planned_visit_id=str(stop["visit_id"]),
            people_reached=3,
            referrals={"food": 2},
            followup_needed=True,
            followup_due=today + dt.timedelta(days=3),
            lon=float(stop["lon"]),
            lat=float(stop["lat"]),
            unit_id=str(here["GEOID"].iloc[0]),
            plan=planned["plan"].stops,
        )
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    at.session_state["route_plan"] = planned
    at.switch_page("views/impact.py").run()
    assert not at.exception, at.exception
    tables = _tables(at)
    assert len(tables) == 3  # reach by tract, follow-ups, planned vs done
    _check_tables(tables, lang)
    _check_tooltips(at, lang)
    if lang == "en":
        reach, followups, planned_done = tables
        assert reach["People reached"].sum() == 3
        assert set(planned_done["Status"]) <= {
            "Done", "No one there", "Cancelled", "Not recorded", "Upcoming"
        }  # fmt: skip
        assert "Census Tract" in str(followups["Area"].iloc[0])
        # people and visits by name, never by the ids the log keys them by
        plan = planned["plan"].stops
        assert followups["Worker"].iloc[0] == stop["worker_name"] != stop["worker_id"]
        assert followups["Visit"].iloc[0] == stop["name"]
        ids = set(plan["visit_id"].astype(str)) | set(plan["worker_id"].astype(str))
        shown = set(planned_done[["Visit", "Worker"]].astype(str).to_numpy().ravel())
        assert not shown & ids, shown & ids
        assert "-" not in str(followups["Follow-up due"].iloc[0])  # a date as people write it


@pytest.mark.parametrize("lang", ["en", PSEUDO])
def test_community_map_tooltips_read_as_words(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv("GEO_OUTREACH_LANG", lang)
    at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
    at.run()
    at.switch_page("views/community.py").run()
    assert not at.exception, at.exception
    _check_tooltips(at, lang)
