"""The public API: region -> analysis -> stops -> visits -> plan -> packet, and every result's
save/read round trip."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import geo_outreach as go
from geo_outreach.errors import InputError, NoSolutionError
from geo_outreach.files import DamagedOutputWarning

REPO = Path(__file__).resolve().parents[2]


def test_import_loads_no_heavy_engine():
    code = (
        "import sys, geo_outreach as go; go.Plan; go.read_plan; "
        "print([m for m in ('osmnx', 'pyvrp', 'highspy', 'streamlit', 'spopt') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    # the package's lazy list and the API's __all__ are the same names (kept in step)
    import geo_outreach.api as api

    assert set(go.__all__) - {"__version__"} == set(api.__all__)
    for name in go.__all__:
        assert getattr(go, name) is not None, name
    with pytest.raises(AttributeError):
        go.no_such_name  # noqa: B018


@pytest.fixture(scope="module")
def region(synth_region):
    return go.open_region(synth_region)


@pytest.fixture(scope="module")
def analysis(region):
    return go.analyze(region, modes=("drive", "walk"))


@pytest.fixture(scope="module")
def stops(region, analysis):
    return go.site_stops(region, analysis, p=3, within_min=10, mode="walk")


def _workers_at(stops: go.Stops) -> pd.DataFrame:
    first = stops.stops.to_crs(4326).geometry.iloc[0]
    return pd.DataFrame(
        {
            "worker_id": ["ana", "ben"],
            "name": ["Ana", "Ben"],
            "start_lon": [first.x, first.x],
            "start_lat": [first.y, first.y],
            "shift": ["Mon-Fri 08:30-17:00", "Mon-Fri 08:30-17:00"],
            "mode": ["drive", "drive"],
        }
    )


@pytest.fixture(scope="module")
def plan(region, stops):
    visits = stops.to_visits(windows="Mon-Fri 10:00-14:00", duration_min=60)
    workers = go.read_workers(_workers_at(stops), source="crew.csv")
    return go.plan_routes(region, visits, workers, days=2, time_limit_s=1, seed=0)


def test_analysis_round_trips(analysis, tmp_path):
    path = analysis.save(tmp_path / "a.gpkg")
    back = go.read_analysis(path)
    assert back.summary() == json.loads(json.dumps(analysis.summary()))
    assert back.need_method == analysis.need_method and back.region == analysis.region
    cols = ["unit_id", "need_score", "underserved_rank", "off_network"]
    pd.testing.assert_frame_equal(
        back.tracts[cols].reset_index(drop=True),
        pd.DataFrame(analysis.tracts[cols]).reset_index(drop=True),
        check_dtype=False,
    )
    assert len(back.zones) == len(analysis.zones)


def test_stops_round_trip_and_feed_routing(stops, tmp_path):
    assert 1 <= len(stops) <= 3 and stops.summary()["status"] == "optimal"
    back = go.read_stops(stops.save(tmp_path / "s.gpkg"))
    assert list(back.stops["site_id"]) == list(stops.stops["site_id"])
    assert back.mode == "walk" and back.within_min == 10
    assert back.summary()["stops"] == json.loads(json.dumps(stops.summary()["stops"]))
    visits = back.to_visits(windows="Tue/Thu 09:00-12:00", duration_min=45, skills="nurse")
    assert list(visits.table["visit_id"]) == list(stops.stops["site_id"])
    assert all(v.duration_s == 45 * 60 and v.skills == {"nurse"} for v in visits.visits)


def test_why_each_stop_was_a_candidate_reads_in_the_managers_language(stops, tmp_path):
    from geo_outreach.present.labels import candidate_reason

    back = go.read_stops(stops.save(tmp_path / "s.gpkg"))
    for table in (stops.stops, back.stops):  # also after a round trip through the file
        for row in table.to_dict("records"):
            es, sv = candidate_reason(row, lang="es"), candidate_reason(row, lang="sv")
            # made from what the candidate is, not the engine's English sentence
            assert es and sv and es != sv and row["reason"] not in (es, sv)
            assert "node" not in es and "_" not in es


def test_plan_visits_every_stop_within_its_window(plan, stops):
    s = plan.summary()
    assert s["violations"] == 0 and plan.meta["verdict"]["ok"]
    done = plan.stops[plan.stops["kind"] == "visit"]
    assert set(done["visit_id"]) | set(plan.unscheduled.get("visit_id", [])) == set(
        stops.stops["site_id"]
    )
    for row in done.itertuples():
        assert row.start >= "10:00" and row.end <= "14:00"


def test_plan_round_trips_and_damage_is_refused(plan, tmp_path):
    folder = plan.save(tmp_path / "plan")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["plan.json", *go.api.results.PLAN_FILES])
    back = go.read_plan(folder)
    assert back.summary() == json.loads(json.dumps(plan.summary()))
    assert back.meta["seed"] == 0 and back.meta["timezone"] and back.region == plan.region
    pd.testing.assert_frame_equal(
        back.stops[["worker_id", "day", "visit_id", "start", "end"]],
        plan.stops[["worker_id", "day", "visit_id", "start", "end"]].astype(str),
        check_dtype=False,
    )
    assert list(back.workers["worker_id"]) == ["ana", "ben"]
    # the same plan saved twice gives the same bytes (no timestamps)
    again = plan.save(tmp_path / "plan2")
    assert (again / "plan.json").read_bytes() == (folder / "plan.json").read_bytes()
    # a spreadsheet re-save (same rows, other bytes) warns; a cut file is refused
    stops_csv = folder / "stops.csv"
    stops_csv.write_text(stops_csv.read_text().replace(",", ",", 1) + "", encoding="utf-8")
    text = stops_csv.read_text()
    stops_csv.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    with pytest.warns(DamagedOutputWarning):
        go.read_plan(folder)
    stops_csv.write_text("\n".join(text.splitlines()[:2]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="cut or damaged"):
        go.read_plan(folder)


def test_saving_over_a_plan_replaces_it_and_refuses_foreign_folders(plan, tmp_path):
    folder = plan.save(tmp_path / "plan")
    plan.save(folder)  # a plan folder the tool wrote is replaced
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "me.jpg").write_bytes(b"x")
    with pytest.raises(InputError, match="did not write"):
        plan.save(foreign)
    assert (foreign / "me.jpg").read_bytes() == b"x"


def test_field_packet_from_a_saved_plan(plan, region, tmp_path):
    back = go.read_plan(plan.save(tmp_path / "plan"))
    worker, day = back.worker_ids[0], back.days[0]
    packet = go.field_packet(
        back, worker=worker, day=day, out=tmp_path / "packet", region=region, week_of="2026-12-07"
    )
    assert packet.date.isoformat() in ("2026-12-07", "2026-12-08")
    assert {p.suffix for p in packet.paths} == {".pdf", ".gpx", ".ics", ".html"}
    n_visits = int(
        (
            (back.stops["worker_id"] == worker)
            & (back.stops["day"] == day)
            & (back.stops["kind"] == "visit")
        ).sum()
    )
    assert packet.ics.read_text().count("BEGIN:VEVENT") == n_visits
    assert not [p for p in (tmp_path / "packet").iterdir() if p.name.startswith(".geo_outreach")]


def test_coverage_map_writes_pdf(region, analysis, stops, tmp_path):
    res = go.coverage_map(region, analysis, stops=stops, out=tmp_path / "map.pdf")
    assert (tmp_path / "map.pdf").read_bytes()[:4] == b"%PDF" and res.format == "pdf"
    with pytest.raises(InputError, match="unsupported file type"):
        go.coverage_map(region, analysis, out=tmp_path / "map.xlsx")


def test_export_data_writes_every_layer_a_planner_opens(region, analysis, plan, tmp_path):
    import geopandas as gpd
    import pyogrio

    saved = plan.save(tmp_path / "plan")
    written = go.export_data(region, tmp_path / "gis", analysis=analysis, plan=saved)
    gpkg = written["gpkg"][0]
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"tracts", "services", "stops", "routes"} <= layers
    tracts = gpd.read_file(gpkg, layer="tracts")
    assert len(tracts) == len(analysis.tracts) and tracts.crs.to_epsg() == 4326
    assert len(gpd.read_file(gpkg, layer="services")) == len(region.region.services)
    csvs = {p.name for p in written["csv"]}
    assert {"tracts.csv", "stops.csv"} <= csvs
    with pytest.raises(InputError) as err:
        go.export_data(region, tmp_path / "x", analysis=analysis, formats=("xlsx",))
    assert err.value.parameter == "formats" and not (tmp_path / "x").exists()


def test_readers_take_tables_and_name_the_source():
    visits = pd.read_csv(REPO / "data/demo_visits.csv", dtype=str, keep_default_na=False)
    v = go.read_visits(visits, source="week 12.csv")
    assert len(v) == len(visits) and v.source == "week 12.csv"
    bad = visits.copy()
    bad.loc[2, "duration_min"] = "soon"
    with pytest.raises(InputError, match=r"week 12\.csv row 4"):
        go.read_visits(bad, source="week 12.csv")
    with pytest.raises(InputError, match=r"missing column"):
        go.read_workers(visits.drop(columns=["visit_id"]), source="crew.csv")


def test_parameters_are_checked_by_name(region, analysis):
    with pytest.raises(InputError) as info:
        go.site_stops(region, analysis, p=0, within_min=10)
    assert info.value.parameter == "p"
    with pytest.raises(InputError) as info:
        go.plan_routes(region, "data/demo_visits.csv", "data/demo_workers.csv", seed=-1)
    assert info.value.parameter == "seed" and "--seed" not in str(info.value)


def test_infeasible_siting_is_no_solution(region, analysis):
    with pytest.raises(NoSolutionError, match="infeasible"):
        go.site_stops(region, analysis, p=1, within_min=3, mode="walk", equity_floor=1.0)


def test_cli_plans_from_stops_in_one_step(stops, synth_region, tmp_path, capsys):
    from geo_outreach.cli import main

    gpkg = stops.save(tmp_path / "stops.gpkg")
    workers = tmp_path / "crew.csv"
    _workers_at(stops).to_csv(workers, index=False)
    out = tmp_path / "plan"
    code = main(
        [
            "plan",
            "--region",
            str(synth_region),
            "--from-stops",
            str(gpkg),
            "--windows",
            "Mon-Fri 10:00-14:00",
            "--duration-min",
            "60",
            "--workers",
            str(workers),
            "--days",
            "2",
            "--time-limit",
            "1",
            "-o",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["visits"] == len(stops) and summary["violations"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = go.read_plan(out)
    assert set(back.visits["visit_id"]) == set(stops.stops["site_id"])


def test_results_say_the_unit_of_every_measured_column(analysis, stops, plan, tmp_path):
    a_units = analysis.units["tracts"]
    tt = [c for c in analysis.tracts.columns if c.startswith("tt_nearest_")]
    assert tt and all(a_units[c] == "minutes" for c in tt)
    assert "unit_id" not in a_units  # ids have no unit
    assert stops.units["stops"].get("covered_population") in (None, "people")
    p_units = plan.units
    assert set(p_units) == {"routes", "stops", "unscheduled"}
    assert p_units["stops"]["start"].startswith("HH:MM")
    # units are a property of the columns, so a saved and read plan says the same
    assert go.read_plan(plan.save(tmp_path / "p")).units == p_units


def test_one_progress_protocol_from_the_api_to_the_searches(region):
    """Every layer reports ``progress(stage, done, total)``; a bar can be drawn from any."""
    from geo_outreach.network.traveltime import od_table

    seen: list[tuple[str, int, int]] = []
    go.analyze(region, modes=("walk",), progress=lambda s, d, t: seen.append((s, d, t)))
    assert seen[-1] == ("done", 100, 100)
    assert all(isinstance(s, str) and 0 <= d <= t for s, d, t in seen)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)  # never goes back
    assert any("travel times" in s for s, _, _ in seen)
    net = region.network("walk")
    nodes = pd.Series(list(net.graph.nodes)[:5], index=[f"n{i}" for i in range(5)])
    searches: list[tuple[str, int, int]] = []
    od_table(net, nodes, nodes, progress=lambda s, d, t: searches.append((s, d, t)))
    assert searches and searches[-1][1] == searches[-1][2] and searches[0][0] == "travel times"
