"""The dashboard's glue (``app/logic.py``) on the synthetic region, without Streamlit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from geo_outreach.errors import InputError

from .conftest import app_module


@pytest.fixture(scope="module")
def analysis(app_region: Path):
    import geo_outreach as go

    ctx = go.open_region(app_region)
    # what app/state.get_analysis asks for the sidebar's scenario
    found = go.analyze(
        ctx,
        need="auto",
        modes=("walk",),
        categories=None,
        reason_categories=("clinic_fqhc", "library"),
        top_share=0.25,
    )
    return ctx, found.result


def test_scenario_maps_to_pipeline_params(analysis) -> None:
    logic = app_module("logic")
    ctx, res = analysis
    assert res.params.modes == ("walk",)
    assert res.params.reason_categories == ("clinic_fqhc", "library")
    # access is measured for every category (map layers), in the chosen mode only
    cats = set(ctx.region.services["category"])
    assert {c for c in cats if f"tt_nearest_{c}_walk_min" in res.tracts.columns} == cats
    assert not any(c.endswith("_drive_min") for c in res.tracts.columns)
    assert logic.access_columns(res, "walk", ["library", "nope"]) == ["tt_nearest_library_walk_min"]
    choices = logic.need_choices(ctx.region.units)
    assert choices["Automatic"] == "auto"
    assert "cdc-svi" in choices.values()  # the synthetic tracts carry the 16 EP_ columns
    import geo_outreach as go

    with pytest.raises(InputError, match="top_share"):
        go.analyze(ctx, need="auto", modes=("walk",), top_share=0.0)


@pytest.mark.parametrize(
    ("shade", "layers", "access"),
    [
        ("underserved_score", ["underserved", "zones", "services"], None),
        ("need_score", ["need", "zones", "services"], None),
        (
            "tt_nearest_library_walk_min",
            ["access", "zones", "services"],
            "tt_nearest_library_walk_min",
        ),
        ("", ["zones", "services"], None),
    ],
)
def test_map_layers_follow_the_shade_choice(shade, layers, access) -> None:
    logic = app_module("logic")
    assert logic.map_layers(shade, zones=True, services=True) == (layers, access)


def test_community_map_downloads_are_real_files(analysis) -> None:
    from tests.conftest import require_map_assets

    require_map_assets()
    logic = app_module("logic")
    ctx, res = analysis
    kw = dict(
        result=res,
        services=ctx.region.services[ctx.region.services["category"] == "library"],
        roads=None,
        title="Library access, Tract 6",
        notes="draft for the May meeting",
        shade="tt_nearest_library_walk_min",
        zones=True,
        attribution=ctx.region.attribution,
    )
    png = logic.community_map("png", **kw)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    pdf = logic.community_map("pdf", **kw)
    assert pdf.startswith(b"%PDF")
    html = logic.community_map("html", **kw).decode()
    assert "Library access, Tract 6" in html
    assert "cdn." not in html and "unpkg" not in html  # libraries inlined: opens offline


def test_plan_inputs_name_the_users_file(plan_tables) -> None:
    logic = app_module("logic")
    visits, workers = plan_tables
    ok = logic.plan_inputs(visits, workers, visits_name="week 12.csv")
    assert len(ok.visits) == len(visits) and {w.worker_id for w in ok.workers} == {"ana", "ben"}
    bad = workers.copy()
    bad.loc[1, "shift"] = ""
    with pytest.raises(InputError, match=r"^my_workers\.csv row 3"):
        logic.plan_inputs(visits, bad, workers_name="my workers.csv")
    empty = visits.iloc[:0]
    with pytest.raises(InputError, match="no rows"):
        logic.plan_inputs(empty, workers)


def test_plan_folder_round_trips_through_the_packet_reader(planned, tmp_path: Path) -> None:
    import zipfile

    from geo_outreach.present.packet import read_plan

    logic = app_module("logic")
    plan = planned["plan"]
    back = read_plan(planned["dir"])
    assert set(back.workers) == set(plan.routes["worker_id"])
    assert len(back.routes) == len(plan.routes)
    z = zipfile.ZipFile(io.BytesIO(logic.plan_zip(planned["dir"])))
    assert sorted(z.namelist()) == sorted(logic.PLAN_FILES)


def test_today_is_the_regions_date_not_the_servers() -> None:
    """My day lists the visits of the worker's today: in UTC+14 and UTC-11 it is never the
    same date (25 hours apart), whatever the server's clock says."""
    import datetime as dt

    logic = app_module("logic")
    east, west = logic.region_today("Pacific/Kiritimati"), logic.region_today("Pacific/Pago_Pago")
    assert (east - west) in (dt.timedelta(days=1), dt.timedelta(days=2))
    assert logic.region_today(None) == dt.date.today()
