"""coverage_map by format, the offline HTML map in Chromium, and data exports read back."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from PIL import Image
from shapely.geometry import LineString, Point, box

from geo_outreach.errors import InputError
from geo_outreach.present import exports
from tests.browser import RequestRecorder, launch
from tests.conftest import require_map_assets

X0, Y0, W = -122.70, 45.50, 0.01
ATTR = "Map data (c) OpenStreetMap contributors (ODbL); US Census Bureau"


@pytest.fixture(scope="module")
def tracts() -> gpd.GeoDataFrame:
    rows = [
        {
            "unit_id": f"4105100{i:04d}",
            "name": f"Tract {i}",
            "population": 100.0 * (i + 1),
            "need_score": i / 5,
            "tt_nearest_clinic_fqhc_drive_min": [3.0, 5.0, np.inf, 9.0, 12.0, np.nan][i],
            "off_network": i == 5,
            "reason": f"reason {i}",
            "geometry": box(X0 + i * W, Y0, X0 + (i + 1) * W, Y0 + W),
        }
        for i in range(6)
    ]
    return gpd.GeoDataFrame(rows, crs=4326)


@pytest.fixture(scope="module")
def layers(tracts):
    zones = gpd.GeoDataFrame(
        {"zone_id": ["z1"], "n_units": [2], "population": [300.0], "need_score_mean": [0.1]},
        geometry=[box(X0, Y0, X0 + 2 * W, Y0 + W)],
        crs=4326,
    )
    services = gpd.GeoDataFrame(
        {
            "site_id": ["s1", "s2"],
            "name": ["Clinic", "Library"],
            "category": ["clinic_fqhc", "library"],
        },
        geometry=[Point(X0 + 0.5 * W, Y0 + 0.5 * W), Point(X0 + 4.5 * W, Y0 + 0.5 * W)],
        crs=4326,
    )
    stops = gpd.GeoDataFrame(
        {
            "route_id": ["w1 Mon", "w1 Mon"],
            "worker_id": ["w1", "w1"],
            "worker_name": ["Ana", "Ana"],
            "day": ["Mon", "Mon"],
            "sequence": [1, 2],
            "name": ["A", "B"],
        },
        geometry=[Point(X0 + 1.5 * W, Y0 + 0.5 * W), Point(X0 + 3.5 * W, Y0 + 0.5 * W)],
        crs=4326,
    )
    routes = gpd.GeoDataFrame(
        {"route_id": ["w1 Mon"], "worker_id": ["w1"], "worker_name": ["Ana"], "day": ["Mon"]},
        geometry=[LineString([(X0 + 1.5 * W, Y0 + 0.5 * W), (X0 + 3.5 * W, Y0 + 0.5 * W)])],
        crs=4326,
    )
    roads = gpd.GeoDataFrame(
        {"highway": ["primary"]},
        geometry=[LineString([(X0, Y0 + 0.3 * W), (X0 + 6 * W, Y0 + 0.3 * W)])],
        crs=4326,
    )
    return {"zones": zones, "services": services, "stops": stops, "routes": routes, "roads": roads}


def test_format_follows_the_suffix(tracts, layers, tmp_path):
    png = exports.coverage_map(
        tmp_path / "m.png",
        title="T",
        attribution=ATTR,
        tracts=tracts,
        layers=["need", "stops"],
        stops=layers["stops"],
        dpi=50,
    )
    assert png.format == "png" and png.path.read_bytes() == png.data
    w, h = Image.open(io.BytesIO(png.data)).size
    assert abs(w - 11.69 * 50) <= 1 and abs(h - 8.27 * 50) <= 1  # A4 landscape at 50 dpi
    pdf = exports.coverage_map(None, fmt="pdf", title="T", attribution=ATTR, tracts=tracts)
    assert pdf.data.startswith(b"%PDF") and pdf.path is None
    with pytest.raises(InputError, match=r"\.png, \.pdf, \.svg or \.html"):
        exports.coverage_map(tmp_path / "m.tiff", title="T", attribution=ATTR, tracts=tracts)
    with pytest.raises(InputError, match="output path or fmt"):
        exports.coverage_map(None, title="T", attribution=ATTR, tracts=tracts)


@pytest.fixture(scope="module")
def html_map(tracts, layers, tmp_path_factory) -> Path:
    require_map_assets()
    out = tmp_path_factory.mktemp("html") / "coverage.html"
    exports.coverage_map(
        out,
        title="Coverage & access",
        attribution=ATTR,
        layers=["need", "access", "zones", "services", "stops", "routes"],
        tracts=tracts,
        roads=layers["roads"],
        **{k: v for k, v in layers.items() if k != "roads"},
        data_date="ACS 2016-2020",
    )
    return out


def test_html_is_self_contained(html_map):
    page = html_map.read_text(encoding="utf-8")
    assert "<script src=" not in page and 'rel="stylesheet" href="http' not in page
    assert "Coverage &amp; access" in page and "OpenStreetMap contributors" in page
    assert "No road-network data" in page and "Underserved zones" in page


@pytest.mark.browser
def test_html_opens_offline_with_layer_control_and_tooltips(html_map):
    with launch() as browser:
        page = browser.new_page(viewport={"width": 900, "height": 650})
        rec = RequestRecorder(page)
        page.goto(html_map.as_uri())
        page.wait_for_selector(".leaflet-overlay-pane svg path", timeout=10_000)
        control = page.inner_text(".leaflet-control-layers")
        attribution = page.inner_text(".leaflet-control-attribution")
        # hover the middle of the map (a tract): its tooltip opens
        page.mouse.move(450, 325)
        page.wait_for_selector(".leaflet-tooltip", timeout=10_000)  # the hover's tooltip
        tooltip = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
    rec.assert_local()
    assert rec.errors == []
    for name in ["Need index", "Drive time", "No road-network data", "Routes", "Stops"]:
        assert name in control, name
    assert "OpenStreetMap" in attribution
    assert any(
        x in tooltip for x in ("Tract", "Ana, Monday", "Clinic", "Library")
    )  # a feature's tooltip


def _legend_and_layer_names(page: str) -> list[str]:
    """What a reader sees of an HTML map besides the data: the layer control's names, the
    legends' rows and the tooltips' headers."""

    start = page.index("overlays :  {")
    names = re.findall(r'"([^"]+)" : ', page[start : page.index("}", start)])
    spans = re.findall(r"<span[^>]*>([^<]{2,80})</span>", page)
    aliases = re.findall(r'"aliases": (\[[^\]]*\])|let aliases = (\[[^\]]*\])', page)
    heads = [a for pair in aliases for group in pair if group for a in json.loads(group)]
    return [json.loads(f'"{t}"') for t in names + spans] + heads


def test_a_spanish_map_says_everything_in_spanish_and_shows_no_ids(tracts, layers, tmp_path):
    require_map_assets()
    common = {
        "title": "Cobertura",
        "attribution": ATTR,
        "layers": ["need", "zones", "services", "stops", "routes"],
        "tracts": tracts,
        **{k: v for k, v in layers.items() if k != "roads"},
        "lang": "es",
    }
    page = exports.coverage_map(tmp_path / "mapa.html", **common).data.decode("utf-8")
    seen = _legend_and_layer_names(page)
    for words in ["Rutas", "Paradas: Ana, lunes", "Zonas desatendidas", "Ana, lunes", "Nombre"]:
        assert words in seen, words
    assert {"Sectores censales", "Personas", "Índice de necesidad medio"} <= set(seen)  # a zone
    english = {"Routes", "Stops", "Underserved zones", "Services", "Roads", "Name", "Stop"}
    assert not english & {w.split(":")[0] for w in seen}
    text = " ".join(seen)
    assert "w1" not in text and "z1" not in text and "4105100" not in text  # no ids
    # numbers as Spanish writes them
    assert re.search(r"0,\d{3} – 0,\d{3}", text) and not re.search(r"\d\.\d", text)

    # the printed map, read back: the same words and numbers
    pdf = exports.coverage_map(tmp_path / "mapa.pdf", **common).data

    (tmp_path / "m.pdf").write_bytes(pdf)
    printed = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "m.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    printed = " ".join(printed.split())
    for words in ["Rutas", "Ana, lunes", "Paradas", "Servicios", "Mapa hecho el"]:
        assert words in printed, words
    assert re.search(r"0,\d{3} – 0,\d{3}", printed)
    assert "w1" not in printed and "Routes" not in printed


# --------------------------------------------------------------------------- data


def test_export_data_writes_every_layer_and_reads_back(tracts, layers, tmp_path):
    written = exports.export_data(
        tmp_path,
        tracts=tracts,
        zones=layers["zones"],
        services=layers["services"],
        stops=layers["stops"],
        routes=layers["routes"],
    )
    gpkg = written["gpkg"][0]
    names = list(pyogrio.list_layers(gpkg)[:, 0])
    assert names == ["tracts", "zones", "services", "stops", "routes"]
    cols = pyogrio.read_info(gpkg, layer="tracts")["fields"].tolist()
    assert {
        "unit_id",
        "need_score",
        "tt_nearest_clinic_fqhc_drive_min",
        "off_network",
        "reason",
    } <= set(cols)
    back = gpd.read_file(gpkg, layer="tracts")
    assert back["unit_id"].tolist() == tracts["unit_id"].tolist()  # ids stay text
    assert back["tt_nearest_clinic_fqhc_drive_min"].isna().sum() == 2  # inf -> empty
    gj = json.loads((tmp_path / "routes.geojson").read_text())
    assert gj["features"][0]["properties"]["route_id"] == "w1 Mon"
    csv = pd.read_csv(tmp_path / "services.csv", dtype={"site_id": str})
    assert list(csv.columns) == ["site_id", "name", "category", "lon", "lat"]
    assert csv["lon"].iloc[0] == pytest.approx(X0 + 0.5 * W)
    tcsv = pd.read_csv(tmp_path / "tracts.csv", dtype={"unit_id": str})
    assert {"point_lon", "point_lat"} <= set(tcsv.columns) and "geometry" not in tcsv.columns
    assert tcsv["unit_id"].iloc[0] == "41051000000"
    assert sorted(p.name for p in written["csv"]) == sorted(
        f"{n}.csv" for n in ["tracts", "zones", "services", "stops", "routes"]
    )


def test_export_data_without_tracts_and_bad_formats(layers, tmp_path):
    written = exports.export_data(tmp_path, stops=layers["stops"], formats=["gpkg"])
    assert list(pyogrio.list_layers(written["gpkg"][0])[:, 0]) == ["stops"]
    with pytest.raises(InputError, match="formats"):
        exports.export_data(tmp_path, stops=layers["stops"], formats=["shp"])
    with pytest.raises(InputError, match="nothing to export"):
        exports.export_data(tmp_path)


def test_read_analysis_and_plan_layers(tracts, tmp_path):
    from geo_outreach.present.layers import write_analysis_gpkg

    class R:
        zones = gpd.GeoDataFrame({"zone_id": pd.Series(dtype=str)}, geometry=[], crs=4326)

    R.tracts = tracts
    write_analysis_gpkg(R, tmp_path / "a.gpkg")  # type: ignore[arg-type]
    t, z = exports.read_analysis(tmp_path / "a.gpkg")
    assert t["off_network"].dtype == bool and t["unit_id"].iloc[0] == "41051000000"
    assert z is not None and len(z) == 0
    with pytest.raises(InputError, match="geo-outreach analyze"):
        exports.read_analysis(tmp_path / "missing.gpkg")

    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "stops.csv").write_text(
        "worker_id,day,sequence,name,start,lon,lat\n"
        "w1,Mon,1,A,09:00,-122.69,45.505\nw1,Mon,2,B,10:00,-122.67,45.505\n"
        "w1,Mon,3,Break,11:00,,\n",
        encoding="utf-8",
    )
    stops, routes = exports.plan_layers(plan)
    assert stops["name"].tolist() == ["A", "B"]
    assert routes is not None and routes["route_id"].tolist() == ["w1 Mon"]
    assert list(routes.geometry.iloc[0].coords) == [(-122.69, 45.505), (-122.67, 45.505)]
