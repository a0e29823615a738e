"""``geo-outreach export map|packet|data`` on the tiny region and a hand-made plan folder."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import geopandas as gpd
import gpxpy
import icalendar
import numpy as np
import pyogrio
import pytest
from PIL import Image

from geo_outreach.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import tiny_units

PLAN_CSV = """worker_id,day,sequence,visit_id,name,address,arrival,start,end,lon,lat,languages,notes
w1,Mon,1,v1,First stop,1 Main St,09:00,09:05,09:35,-122.6495,45.5205,es,
w1,Mon,2,v2,Second stop,2 Main St,10:00,10:00,10:45,-122.6465,45.5215,vi,ring twice
"""


@pytest.fixture
def analysis_gpkg(tmp_path: Path) -> Path:
    t = tiny_units().rename(columns={"GEOID": "unit_id"})
    t["name"] = ["A", "B", "C"]
    t["population"] = t["E_TOTPOP"].astype(float)
    t["need_score"] = [0.2, 0.8, np.nan]
    t["tt_nearest_clinic_fqhc_drive_min"] = [1.5, 0.5, np.nan]
    t["off_network"] = [False, False, True]
    path = tmp_path / "analysis.gpkg"
    t.to_file(path, layer="tracts")
    gpd.GeoDataFrame({"zone_id": ["z1"]}, geometry=[t.geometry.iloc[1]], crs=4326).to_file(
        path, layer="zones"
    )
    return path


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    d = tmp_path / "plan"
    d.mkdir()
    (d / "stops.csv").write_text(PLAN_CSV, encoding="utf-8")
    return d


def test_export_map_png_with_plan_layers(tiny_region, analysis_gpkg, plan_dir, tmp_path, capsys):
    out = tmp_path / "map.png"
    code = main(
        [
            "export",
            "map",
            "--region",
            str(tiny_region),
            "--analysis",
            str(analysis_gpkg),
            "--layers",
            "need,stops,routes,zones",
            "--plan",
            str(plan_dir),
            "--title",
            "Tiny",
            "--size",
            "letter-portrait",
            "--dpi",
            "60",
            "--scheme",
            "equal-interval",
            "--k",
            "2",
            "-o",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "png" and len(summary["classes"]["need"]) == 2
    img = Image.open(io.BytesIO(out.read_bytes()))
    assert img.size == (510, 660)
    assert np.asarray(img.convert("L"), dtype=float).std() > 10


def test_export_map_errors_exit_2(tiny_region, analysis_gpkg, tmp_path, capsys):
    base = ["export", "map", "--region", str(tiny_region), "--analysis", str(analysis_gpkg)]
    assert main([*base, "-o", str(tmp_path / "m.bmp")]) == 2
    assert ".png, .pdf, .svg or .html" in capsys.readouterr().err
    assert main([*base, "--layers", "stops", "-o", str(tmp_path / "m.png")]) == 2
    assert "--stops FILE or --plan DIR" in capsys.readouterr().err
    assert main([*base, "--palette", "RdBu", "-o", str(tmp_path / "m.png")]) == 2
    assert "greyscale" in capsys.readouterr().err


def test_export_packet(plan_dir, tmp_path, capsys):
    out = tmp_path / "packet"
    base = ["export", "packet", "--plan", str(plan_dir), "--day", "Mon", "-o", str(out)]
    code = main([*base, "--worker", "w1", "--week-of", "2025-03-05", "--no-html", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["date"] == "2025-03-10" and summary["visits"] == 2
    gpx = gpxpy.parse((out / "w1_2025-03-10.gpx").read_text(encoding="utf-8"))
    assert [w.name for w in gpx.waypoints] == ["01 First stop", "02 Second stop"]
    cal = icalendar.Calendar.from_ical((out / "w1_2025-03-10.ics").read_bytes())
    starts = [e.decoded("DTSTART").strftime("%H:%M") for e in cal.walk("VEVENT")]
    assert starts == ["09:05", "10:00"]
    assert (out / "w1_2025-03-10.pdf").read_bytes().startswith(b"%PDF")
    assert main([*base, "--worker", "nobody"]) == 2
    assert "workers: ['w1']" in capsys.readouterr().err
    assert main([*base, "--worker", "w1", "--week-of", "soon"]) == 2


def test_export_packet_in_the_workers_language(plan_dir, tmp_path, capsys, monkeypatch):
    """--lang sv: the sheet and the calendar in Swedish; the JSON, ids and times unchanged."""
    import subprocess

    from tests.conftest import require_tool

    monkeypatch.setenv("GEO_OUTREACH_LANG", "en")  # the manager's language; --lang wins
    out = tmp_path / "packet"
    args = ["export", "packet", "--plan", str(plan_dir), "--day", "Mon", "--worker", "w1"]
    code = main([*args, "-o", str(out), "--week-of", "2025-03-05", "--no-html", "--lang", "sv"])
    assert code == 0
    ics = (out / "w1_2025-03-10.ics").read_text(encoding="utf-8")
    assert "Stopp 1: First stop" in ics and "Språk: Spanska" in ics
    gpx = gpxpy.parse((out / "w1_2025-03-10.gpx").read_text(encoding="utf-8"))
    assert [w.type for w in gpx.waypoints] == ["visit", "visit"]  # GPX keys stay English
    require_tool("pdftotext")
    text = subprocess.run(
        ["pdftotext", str(out / "w1_2025-03-10.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "Besökslista" in text and "Route sheet" not in text
    assert main([*args, "-o", str(tmp_path / "x"), "--lang", "fi"]) == 2
    assert "--lang" in capsys.readouterr().err


def test_cli_messages_follow_geo_outreach_lang(capsys, monkeypatch):
    monkeypatch.setenv("GEO_OUTREACH_LANG", "es")
    assert main(["export", "map", "--dpi", "many", "-o", "m.png"]) == 2
    err = capsys.readouterr().err
    assert "se esperaba un número entero" in err and err.startswith("error: ")
    monkeypatch.setenv("GEO_OUTREACH_LANG", "sv")
    assert main(["export", "map", "--dpi", "many", "-o", "m.png"]) == 2
    assert "ett heltal väntades" in capsys.readouterr().err


def test_export_data(tiny_region, analysis_gpkg, plan_dir, tmp_path):
    out = tmp_path / "data"
    code = main(
        [
            "export",
            "data",
            "--region",
            str(tiny_region),
            "--analysis",
            str(analysis_gpkg),
            "--plan",
            str(plan_dir),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    layers = list(pyogrio.list_layers(out / "geo_outreach.gpkg")[:, 0])
    assert layers == ["tracts", "zones", "services", "stops", "routes"]
    assert (
        (out / "stops.csv")
        .read_text()
        .splitlines()[0]
        .startswith("route_id,worker_id,worker_name,day")
    )
    services = gpd.read_file(out / "services.geojson")
    assert {"site_id", "category", "name"} <= set(services.columns) and len(services) == 3
