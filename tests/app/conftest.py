"""Fixtures of the dashboard tests: a small synthetic region and visit/worker tables inside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

APP_MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"
REGION_ENV = "GEO_OUTREACH_APP_REGION"


@pytest.fixture(scope="session")
def app_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,000-node synthetic region (8 tracts), written once per test session."""
    from geo_outreach.data.synth import generate_region

    folder = tmp_path_factory.mktemp("app_region") / "synth"
    generate_region(folder, nodes=1000, seed=1)
    return folder


@pytest.fixture(scope="session")
def plan_tables(app_region: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Twelve visits and two workers inside the synthetic region (all text, like a CSV)."""
    import geopandas as gpd

    tracts = gpd.read_file(app_region / "tracts.gpkg", layer="tracts")
    minx, miny, maxx, maxy = tracts.total_bounds
    rng = np.random.default_rng(3)
    lon = minx + (maxx - minx) * rng.uniform(0.25, 0.75, 12)
    lat = miny + (maxy - miny) * rng.uniform(0.25, 0.75, 12)
    visits = pd.DataFrame(
        {
            "visit_id": [f"V{i:02d}" for i in range(12)],
            "name": [f"Home visit {i}" for i in range(12)],
            "address": [f"{100 + i} Test St" for i in range(12)],
            "lon": [f"{x:.5f}" for x in lon],
            "lat": [f"{y:.5f}" for y in lat],
            "duration_min": ["30"] * 12,
            "skills": ["es" if i % 3 == 0 else "" for i in range(12)],
            "notes": ["ring twice" if i == 1 else "" for i in range(12)],
        }
    )
    cx, cy = f"{(minx + maxx) / 2:.5f}", f"{(miny + maxy) / 2:.5f}"
    workers = pd.DataFrame(
        {
            "worker_id": ["ana", "ben"],
            "name": ["Ana", "Ben"],
            "start_lon": [cx, cx],
            "start_lat": [cy, cy],
            "mode": ["drive", "drive"],
            "skills": ["en;es", "en"],
            "shift": ["Mon-Fri 09:00-13:00", "Mon-Fri 09:00-13:00"],
        }
    )
    return visits, workers


@pytest.fixture(scope="session")
def planned(
    app_region: Path, plan_tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path_factory
) -> dict:
    """A plan of the test tables on the synthetic region, as the app keeps it in the session."""
    import geo_outreach as go

    logic = app_module("logic")
    visits, workers = plan_tables
    v, w = logic.read_tables(visits, workers)
    made = go.plan_routes(go.open_region(app_region), v, w, days=["Mon", "Tue"], time_limit_s=1.0)
    folder = made.save(tmp_path_factory.mktemp("plan"))
    plan = made.solution
    return {"plan": plan, "result": made, "dir": str(folder), "region": str(app_region)}


@pytest.fixture
def visit_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty visit log for this test (``GEO_OUTREACH_HOME``)."""
    monkeypatch.setenv("GEO_OUTREACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GEO_OUTREACH_DB_URL", raising=False)
    return tmp_path / "home"


@pytest.fixture
def app_env(app_region: Path, visit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the synthetic region and an empty visit log."""
    monkeypatch.setenv(REGION_ENV, str(app_region))
    return app_region


def app_module(name: str) -> Any:
    """A module of ``app/`` (``logic``, ``maps``), imported as the app imports it."""
    import importlib
    import sys

    if str(APP_MAIN.parent) not in sys.path:
        sys.path.insert(0, str(APP_MAIN.parent))
    return importlib.import_module(name)


def has_vendor_assets() -> bool:
    from geo_outreach.present.assets import missing_assets

    return not missing_assets()


__all__ = ["APP_MAIN", "REGION_ENV", "app_module", "has_vendor_assets", "os"]


def shown_headers(table: Any) -> list[str]:
    """The column headers a person sees on an AppTest table (``st.dataframe`` or
    ``st.data_editor``): a column's ``column_config`` label when it has one (editors keep
    the CSV's column names underneath), hidden columns left out."""
    import json

    config = json.loads(table.proto.columns or "{}")
    out = []
    for c in table.value.columns:
        conf = config.get(str(c)) or {}
        if not conf.get("hidden"):
            out.append(str(conf.get("label") or c))
    return out


def planned_routes_page(visits: Any, workers: Any, *, limit_s: int, at: Any = None) -> Any:
    """Plan routes in AppTest with these tables planned (Monday and Tuesday, a ``limit_s``
    search); a new session unless ``at`` is given (e.g. one already signed in)."""
    from streamlit.testing.v1 import AppTest

    if at is None:
        at = AppTest.from_file(str(APP_MAIN), default_timeout=180)
        at.run()
    at.switch_page("views/routes.py").run()
    at.session_state["routes_visits_src"] = ("visits.csv", visits)
    at.session_state["routes_workers_src"] = ("workers.csv", workers)
    at.run()
    at.number_input(key="routes_limit").set_value(limit_s)
    at.multiselect(key="routes_days").set_value(["Mon", "Tue"])
    at.button(key="routes_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def region_today(region: Path) -> Any:
    """Today in ``region``'s time zone, as the pages count it (not the test machine's date)."""
    from geo_outreach.data.region import load_region

    return app_module("logic").region_today(load_region(region).timezone)
