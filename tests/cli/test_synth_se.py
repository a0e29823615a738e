"""A Swedish-style region (``synth --country SE``): statistical areas with a population column
and user-chosen need variables, metric, Europe/Stockholm; the whole demo week runs on it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import geopandas as gpd
import icalendar
import numpy as np
import pandas as pd
import pytest

import geo_outreach as go
from geo_outreach.cli import main


@pytest.fixture(scope="module")
def se_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("se") / "uppsala"
    assert main(["synth", str(target), "--country", "SE", "--nodes", "1500", "--seed", "5"]) == 0
    return target


def test_se_region_is_swedish(se_region: Path) -> None:
    manifest = tomllib.loads((se_region / "region.toml").read_text(encoding="utf-8"))
    assert manifest["timezone"] == "Europe/Stockholm"
    assert manifest["unit_system"] == "metric" and manifest["country"] == "SE"
    assert manifest["units"]["population_col"] == "folkmangd"
    assert manifest["need"]["variables"].startswith("andel_lag_ek_standard:")
    areas = gpd.read_file(se_region / "tracts.gpkg", layer="tracts")
    assert not any(c.startswith(("E_", "EP_", "RPL_")) for c in areas.columns)  # no US census
    assert areas["deso_kod"].str.fullmatch(r"0380[ABC]\d{4}").all()
    assert areas.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    populated = areas["folkmangd"] > 0
    assert populated.sum() >= 5
    assert areas.loc[populated, "median_inkomst_tkr"].between(100, 600).all()
    # poorer areas have lower incomes (the variables are not noise)
    corr = np.corrcoef(
        areas.loc[populated, "andel_lag_ek_standard"], areas.loc[populated, "median_inkomst_tkr"]
    )[0, 1]
    assert corr < -0.5
    osm = (se_region / "network.osm").read_text(encoding="utf-8")
    assert "gatan" in osm and " mph" not in osm
    sites = gpd.read_file(se_region / "services.gpkg", layer="services")
    assert sites["address"].str.endswith(", Syntköping").all()


def test_need_comes_from_the_chosen_variables(se_region: Path) -> None:
    region = go.open_region(se_region)
    analysis = go.analyze(region, modes=("drive",))
    assert analysis.summary()["need_method"].startswith("need variables andel_lag_ek_standard")
    need = analysis.need.set_index("unit_id")["need_score"]
    areas = region.region.units.set_index("unit_id")
    top, bottom = need.idxmax(), need.idxmin()
    assert areas.loc[top, "andel_lag_ek_standard"] > areas.loc[bottom, "andel_lag_ek_standard"]
    assert areas.loc[top, "median_inkomst_tkr"] < areas.loc[bottom, "median_inkomst_tkr"]


def test_synth_need_variables_must_be_columns(tmp_path: Path, capsys) -> None:
    code = main(["synth", str(tmp_path / "x"), "--country", "SE", "--nodes", "300",
                 "--need-variables", "EP_POV150:1"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "EP_POV150" in err and "andel_lag_ek_standard" in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_whole_demo_week_runs_on_the_swedish_region(se_region, tmp_path, capsys) -> None:
    region = ["--region", str(se_region)]
    assert main(["analyze", *region, "-o", str(tmp_path / "a.gpkg"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ranked"] >= 3 and summary["need_method"].startswith("need variables")
    stops = tmp_path / "stops.gpkg"
    assert main(["site", *region, "-p", "3", "-o", str(stops), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "optimal"
    _, workers = go.sample_week(go.open_region(se_region), visits=1, workers=2)
    workers.table.to_csv(tmp_path / "workers.csv", index=False)
    plan = tmp_path / "plan"
    code = main(["plan", *region, "--from-stops", str(stops), "--windows",
                 "Mon-Fri 10:00-14:00", "--duration-min", "90", "--workers",
                 str(tmp_path / "workers.csv"), "--days", "5", "--time-limit", "5",
                 "-o", str(plan), "--json"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    planned = json.loads(capsys.readouterr().out)
    assert planned["scheduled"] >= 3 and planned["unscheduled"] == 0
    table = pd.read_csv(plan / "stops.csv", dtype=str, keep_default_na=False)
    first = table[table["kind"] == "visit"].iloc[0]
    packet = tmp_path / "packet"
    code = main(["export", "packet", "--plan", str(plan), "--worker", first["worker_id"],
                 "--day", first["day"], "--week-of", "2025-03-03", "--no-html",
                 "-o", str(packet)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    (ics,) = packet.glob("*.ics")
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert (next(packet.glob("*.pdf"))).read_bytes().startswith(b"%PDF")
